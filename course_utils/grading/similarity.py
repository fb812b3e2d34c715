"""Copied models: compare every pair of a class's valid models after grading.

Three kinds of evidence, each cheap for a class of hundreds (no model is loaded):

``identical_weights``
    the same weight arrays: a hash of the arrays themselves (their bytes, shapes and dtypes,
    in any order and under any layer names), so re-saving, re-zipping or renaming layers
    leaves it unchanged;
``fine_tuned``
    the same architecture (the same weight shapes, in order) with weights at most
    :data:`FINE_TUNED_DISTANCE` apart, relative to their size: a copy trained a little more.
    Two models trained independently, even from the same code, land far apart (their random
    initialisations differ);
``same_errors``
    the two models give the same wrong answer on many more images than their accuracies
    explain. Under independence, given each model's confusion matrix (how often it answers
    class ``c`` for an image of class ``y``), the expected number of images where both give
    the same wrong answer is ``E``; ``O`` is the number observed and ``M`` the most possible
    (the smaller error count). The score ``(O - E) / (M - E)`` is 0 for models whose errors
    are unrelated and 1 for the same answers on every error. Models trained independently on
    the same data share most of their errors (the same images are hard for all of them):
    20 baselines trained with different seeds score 0.60 to 0.83 (median 0.73), so only a
    score of :data:`SAME_ERRORS_SCORE` or more flags a pair (``benchmarks/
    similarity_baselines.py``, figures in ``docs/results.md``). This evidence finds a model
    that answers as another does whatever its weights (an altered copy); a copy trained
    one epoch more already answers differently enough (0.66) and is found by its weights.

The grader stores one small record per graded model (:func:`save_record`: its predictions,
per-class accuracy, weight hash, architecture, a fixed sample of its weights and its number
of parameters) in the gradebook's ``grading-data/`` folder, so a rerun that grades only the
rest still compares everyone. A flag is evidence for the instructor, never a grade change.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np

from course_utils._atomic import write_atomic
from course_utils.grading.gradebook import COLUMNS, read_gradebook

DATA_FOLDER = "grading-data"
"""Folder, next to the gradebook, of the per-student records."""

SIMILARITY_FILE = "similarity.csv"
"""The pairs found, next to the gradebook."""

SIMILARITY_COLUMNS = ("student_a", "student_b", "evidence", "score", "details")
"""Columns of :data:`SIMILARITY_FILE`."""

WEIGHTS_FILE = "model.weights.h5"
"""The weights inside a ``.keras`` file."""

SAMPLE_PER_ARRAY = 2048
"""Most values of each weight array kept in a record (evenly spaced, the same positions
for every model of the same architecture)."""

FINE_TUNED_DISTANCE = 0.5
"""Largest relative distance between the weight samples of a fine-tuned pair."""

SAME_ERRORS_SCORE = 0.9
"""Smallest ``same_errors`` score that flags a pair (independent baselines: at most 0.83)."""

MIN_ERRORS = 20
"""Fewest errors (of the better model) for ``same_errors`` to say anything."""


@dataclass
class Record:
    """What the comparison needs of one graded model."""

    predictions: np.ndarray
    """Predicted class of every image of the evaluation set (uint8)."""
    weights_hash: str
    architecture: str
    sample: np.ndarray
    parameters: int
    class_accuracy: np.ndarray
    """Accuracy on the images of each of the 10 classes."""
    eval_set: str


@dataclass
class Pair:
    """One flagged pair: the strongest evidence, its score (0–1) and a sentence."""

    student_a: str
    student_b: str
    evidence: str
    score: float
    details: str


# ------------------------------------------------------------------------ weights


def _weight_arrays(model_file: Path) -> list[tuple[str, np.ndarray]]:
    """``(path, array)`` of every layer weight in a ``.keras`` file, sorted by path.

    Read with h5py from ``model.weights.h5`` inside the zip, without loading the model;
    the optimizer's state (group ``optimizer``) is left out. Call it only on a file that
    :func:`~course_utils.grading.modelfile.check_model_file` accepted (no external links).
    """
    import h5py

    with zipfile.ZipFile(model_file) as zf:
        data = zf.read(WEIGHTS_FILE)
    arrays: list[tuple[str, np.ndarray]] = []
    with h5py.File(io.BytesIO(data), "r") as f:
        def visit(name: str, item: object) -> None:
            if isinstance(item, h5py.Dataset) and not name.startswith("optimizer"):
                arrays.append((name, np.asarray(item[()])))

        f.visititems(visit)
    return sorted(arrays, key=lambda pair: pair[0])


def _array_digest(array: np.ndarray) -> bytes:
    header = f"{array.dtype.str}{array.shape}".encode()
    return hashlib.sha256(header + np.ascontiguousarray(array).tobytes()).digest()


def _sample(array: np.ndarray) -> np.ndarray:
    flat = array.astype(np.float32).ravel()
    if flat.size <= SAMPLE_PER_ARRAY:
        return flat
    return flat[np.linspace(0, flat.size - 1, SAMPLE_PER_ARRAY).astype(np.int64)]


def weights_summary(model_file: Path) -> tuple[str, str, np.ndarray, int]:
    """``(weights_hash, architecture, sample, parameters)`` of a ``.keras`` file.

    ``weights_hash`` ignores layer names and order (a sorted hash of each array's digest);
    ``architecture`` hashes the shapes in path order; ``sample`` is up to
    :data:`SAMPLE_PER_ARRAY` evenly spaced values of each array, in the same order;
    ``parameters`` counts every layer weight (trainable or not).
    """
    arrays = _weight_arrays(model_file)
    digests = sorted(_array_digest(array) for _, array in arrays)
    weights_hash = hashlib.sha256(b"".join(digests)).hexdigest()[:32]
    shapes = ";".join(f"{array.dtype.str}{array.shape}" for _, array in arrays)
    architecture = hashlib.sha256(shapes.encode()).hexdigest()[:16]
    sample = (np.concatenate([_sample(array) for _, array in arrays]) if arrays
              else np.zeros(0, np.float32))
    return weights_hash, architecture, sample, int(sum(array.size for _, array in arrays))


# ------------------------------------------------------------------------ records


def record_path(folder: Path, student: str) -> Path:
    """Where the record of ``student`` lives in the ``grading-data`` folder ``folder``."""
    return folder / f"{student}.npz"


def make_record(model_file: Path, predictions: np.ndarray, labels: np.ndarray,
                eval_set: str) -> Record:
    """The record of one scored model: its file's weights, its predictions on ``labels``."""
    weights_hash, architecture, sample, parameters = weights_summary(model_file)
    matrix = confusion(predictions, labels)
    class_accuracy = np.diag(matrix) / np.maximum(matrix.sum(axis=1), 1)
    return Record(np.asarray(predictions, np.uint8), weights_hash, architecture, sample,
                  parameters, class_accuracy, eval_set)


def save_record(folder: Path, student: str, record: Record) -> None:
    """Write ``record`` as ``student``'s in ``folder`` (atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = record_path(folder, student)
    buffer = io.BytesIO()
    np.savez(buffer, predictions=record.predictions, sample=record.sample,
             class_accuracy=record.class_accuracy,
             meta=np.array([record.weights_hash, record.architecture, str(record.parameters),
                            record.eval_set]))
    write_atomic(path, buffer.getvalue())


def keep_record(folder: Path, student: str, model_file: Path, predictions: np.ndarray,
                labels: np.ndarray, eval_set: str) -> str:
    """Make and save ``student``'s record while grading; ``""``, or why it could not.

    A record that cannot be made (weights the checks let through but h5py cannot read)
    only leaves this student out of the comparison: it never changes the grade.
    """
    try:
        save_record(folder, student, make_record(model_file, predictions, labels, eval_set))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        return f"left out of the copied-model check: {type(error).__name__}: {error}"
    return ""


def load_record(folder: Path, student: str) -> Record | None:
    """The record of ``student``, or ``None`` when there is none (or it is unreadable)."""
    try:
        with np.load(record_path(folder, student), allow_pickle=False) as npz:
            weights_hash, architecture, parameters, eval_set = (str(v) for v in npz["meta"])
            return Record(npz["predictions"], weights_hash, architecture, npz["sample"],
                          int(parameters), npz["class_accuracy"], eval_set)
    except (OSError, KeyError, ValueError):
        return None


# ------------------------------------------------------------------------ comparing


def confusion(predictions: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """10×10 counts: row = true class, column = predicted class."""
    matrix = np.zeros((10, 10), np.int64)
    np.add.at(matrix, (labels.astype(np.int64), predictions.astype(np.int64)), 1)
    return matrix


def same_errors(pred_a: np.ndarray, pred_b: np.ndarray, labels: np.ndarray,
                conf_a: np.ndarray | None = None, conf_b: np.ndarray | None = None
                ) -> tuple[float, int, float, int]:
    """``(score, observed, expected, most)`` of two models' shared wrong answers.

    ``observed``: images both get wrong with the same answer; ``expected``: the same count
    if the two erred independently given their confusion matrices; ``most``: the smaller
    error count. ``score = (observed - expected) / (most - expected)`` (0 when ``most`` is
    not above ``expected``). ``conf_a`` and ``conf_b``: the confusion matrices, when known.
    """
    observed = int(np.sum((pred_a == pred_b) & (pred_a != labels)))
    conf_a = confusion(pred_a, labels) if conf_a is None else conf_a
    conf_b = confusion(pred_b, labels) if conf_b is None else conf_b
    per_class = np.maximum(conf_a.sum(axis=1), 1)
    off_diagonal = 1 - np.eye(10)
    expected = float(np.sum(conf_a * conf_b * off_diagonal / per_class[:, None]))
    most = int(min(np.sum(pred_a != labels), np.sum(pred_b != labels)))
    score = (observed - expected) / (most - expected) if most > expected else 0.0
    return float(score), observed, expected, most


def relative_distance(a: np.ndarray, b: np.ndarray) -> float:
    """``|a - b|`` relative to the models' size, ``sqrt((|a|² + |b|²) / 2)``."""
    scale = np.sqrt((np.sum(a.astype(np.float64) ** 2) + np.sum(b.astype(np.float64) ** 2)) / 2)
    return float(np.linalg.norm(a.astype(np.float64) - b) / scale) if scale > 0 else 0.0


def compare(a: Record, b: Record, labels: np.ndarray,
            confusions: tuple[np.ndarray, np.ndarray] | tuple[None, None] = (None, None)
            ) -> tuple[str, float, str] | None:
    """``(evidence, score, details)`` when ``a`` and ``b`` look copied, else ``None``."""
    if a.weights_hash == b.weights_hash:
        return ("identical_weights", 1.0, "the same weight arrays: a copy, or two students "
                "who made the same choices (the same hint) with the same seed, since training "
                "on a CPU is deterministic (lesson 07 seeds each student from student_id)")
    if a.architecture == b.architecture and a.sample.shape == b.sample.shape:
        distance = relative_distance(a.sample, b.sample)
        if distance <= FINE_TUNED_DISTANCE:
            return ("fine_tuned", round(1 - distance, 4),
                    f"same architecture, weights {distance:.1%} apart")
    score, observed, expected, most = same_errors(a.predictions, b.predictions, labels,
                                                  *confusions)
    if most >= MIN_ERRORS and score >= SAME_ERRORS_SCORE:
        return ("same_errors", round(score, 4),
                f"the same wrong answer on {observed} images ({expected:.0f} expected if "
                f"independent; {most} errors for the better model)")
    return None


def find_pairs(records: dict[str, Record], labels: np.ndarray) -> list[Pair]:
    """Every flagged pair among ``records`` (same evaluation set), strongest first."""
    pairs = []
    matrices = {name: confusion(record.predictions, labels) for name, record in records.items()}
    for (name_a, a), (name_b, b) in combinations(sorted(records.items()), 2):
        found = compare(a, b, labels, (matrices[name_a], matrices[name_b]))
        if found:
            pairs.append(Pair(name_a, name_b, *found))
    return sorted(pairs, key=lambda pair: (-pair.score, pair.student_a, pair.student_b))


def similar_to(pairs: list[Pair]) -> dict[str, str]:
    """``{student: "other1;other2"}`` for every student of a flagged pair."""
    others: dict[str, list[str]] = {}
    for pair in pairs:
        others.setdefault(pair.student_a, []).append(pair.student_b)
        others.setdefault(pair.student_b, []).append(pair.student_a)
    return {student: ";".join(sorted(names)) for student, names in others.items()}


def check_class(gradebook: Path, labels: np.ndarray, eval_set: str) -> list[Pair]:
    """Compare every scored model of ``gradebook`` (all its rows, earlier runs included).

    Writes :data:`SIMILARITY_FILE` next to it and fills its ``similar_to`` column (the
    gradebook is rewritten atomically; no other column changes). Returns the pairs.
    """
    rows = read_gradebook(gradebook)
    folder = gradebook.parent / DATA_FOLDER
    records = {}
    for row in rows:
        record = load_record(folder, row["student"]) if row["status"] == "ok" else None
        if record is not None and record.eval_set == eval_set and (
                record.predictions.shape == labels.shape):
            records[row["student"]] = record
    pairs = find_pairs(records, labels)
    write_pairs(pairs, gradebook.parent / SIMILARITY_FILE)
    partners = similar_to(pairs)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({**row, "similar_to": partners.get(row["student"], "")} for row in rows)
    write_atomic(gradebook, buffer.getvalue())
    return pairs


def write_pairs(pairs: list[Pair], path: Path) -> None:
    """Write :data:`SIMILARITY_FILE` (header only when no pair was flagged)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(SIMILARITY_COLUMNS)
    for pair in pairs:
        writer.writerow([pair.student_a, pair.student_b, pair.evidence, f"{pair.score:.4f}",
                         pair.details])
    write_atomic(path, buffer.getvalue())


def read_pairs(path: Path) -> list[Pair]:
    """The pairs of a :data:`SIMILARITY_FILE` (none when the file does not exist)."""
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return [Pair(row["student_a"], row["student_b"], row["evidence"], float(row["score"]),
                     row["details"]) for row in csv.DictReader(f)]
