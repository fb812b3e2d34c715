"""The instructors' grader of the Fashion-MNIST challenge (lesson 06): ``course grade``.

A class's submissions (one folder or ``.zip`` per student, as an LMS exports them) are graded
against a **private evaluation set** (:func:`make_eval_set`): each model runs in its own
sandbox (:mod:`course_utils.sandbox`), which sees the images but never the labels; this
process alone compares the predictions with the labels. Every submission gets one row in the
gradebook CSV, written as soon as it is graded, and a ``feedback/<student>.md`` in Portuguese.

Statuses (column ``status``):

``ok``                 the model was loaded and scored
``missing_files``      no ``model.keras`` in the submission
``invalid_archive``    not a folder or a readable ``.zip``, unsafe paths or links, too large
``invalid_model``      ``model.keras`` is not a Keras model file that loads
``rejected_model``     ``model.keras`` uses layers outside the allowlist (``Lambda``, custom
                       classes, unknown modules): refused before loading
``timeout``            loading and predicting took longer than ``--timeout``
``out_of_memory``      the sandbox used more than ``--memory-mb``
``crashed``            the sandbox died without an answer
``wrong_predictions``  wrong input/output shapes, or predictions that are not one class per image

Experiments (``experiments.json``) and, with ``execute=True``, the notebook are graded
alongside (columns ``experiments`` and ``notebook``); the rubric turns all three into points.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from course_utils import challenge, datasets, sandbox

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

STATUSES = ("ok", "missing_files", "invalid_archive", "invalid_model", "rejected_model",
            "timeout", "out_of_memory", "crashed", "wrong_predictions")
"""Every value of the gradebook's ``status`` column."""

NOTEBOOK_STATUSES = ("", "ran", "failed", "timeout", "out_of_memory", "crashed", "missing")
"""Values of the ``notebook`` column (empty: not executed, no ``--execute``)."""

COLUMNS = ("student", "status", "accuracy", "points", "seconds", "message", "experiments",
           "notebook", "eval_set")
"""The gradebook's columns, in order."""

EVAL_NOISE = 6
"""Largest change, in grey levels (0–255), that ``make-eval-set`` adds to a pixel."""

MAX_FILES = 2000
"""Most files a submission may hold."""

MAX_BYTES = 512 * 2**20
"""Most bytes a submission may hold, unpacked."""

MAX_CONFIG_BYTES = 16 * 2**20
"""Largest ``config.json`` inside a ``.keras`` file that is read."""

ALLOWED_LAYERS = frozenset({
    "InputLayer", "Conv1D", "Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose",
    "Dense", "Flatten", "Reshape", "Permute", "RepeatVector", "Dropout", "SpatialDropout2D",
    "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
    "MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling2D",
    "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
    "BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
    "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
    "ZeroPadding2D", "Cropping2D", "UpSampling2D", "Add", "Subtract", "Multiply", "Average",
    "Maximum", "Minimum", "Concatenate", "Rescaling", "Normalization", "Resizing",
    "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
    "RandomContrast", "RandomBrightness", "RandomCrop",
})
"""Layer classes of ``keras.layers`` a submitted model may use (no ``Lambda``, no custom)."""

ALLOWED_OBJECTS = {
    "keras": {"Sequential", "Model", "Functional", "DTypePolicy", "FloatDTypePolicy"},
    "keras.src.models.functional": {"Functional"},
    "keras.src.models.sequential": {"Sequential"},
    "keras.src.models.model": {"Model"},
    "keras.initializers": {
        "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
        "LecunNormal", "RandomUniform", "RandomNormal", "TruncatedNormal", "Zeros", "Ones",
        "Constant", "Orthogonal", "Identity", "VarianceScaling",
    },
    "keras.regularizers": {"L1", "L2", "L1L2", "OrthogonalRegularizer"},
    "keras.constraints": {"MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"},
    "keras.activations": {"function"},  # a built-in activation, named by a string
    "keras.layers": ALLOWED_LAYERS,
    None: {"__keras_tensor__", "__tuple__"},
}
"""``module`` → allowed ``class_name`` of every object in a model's ``config.json``."""

DEFAULT_RUBRIC = """\
# Points of the Fashion-MNIST challenge (course grade --rubric FILE).
# accuracy: the points of the highest threshold reached (0 when the model was not scored).
[[accuracy]]
min = 0.80
points = 3

[[accuracy]]
min = 0.85
points = 5

[[accuracy]]
min = 0.90
points = 6

[[accuracy]]
min = 0.925
points = 7

# experiments.json valid: >= 4 runs varying epochs, batch_size, filters and activation.
[experiments]
points = 2

# The notebook ran top to bottom in the sandbox (only with --execute).
[notebook]
points = 1
"""
"""The rubric used without ``--rubric`` (10 points in all)."""


class GradingError(ValueError):
    """A problem with the instructor's input (folders, eval set, rubric, gradebook)."""


class SubmissionError(Exception):
    """A problem with one submission: its gradebook ``status`` and a message."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


# ------------------------------------------------------------------------ eval set


def make_eval_set(
    out: str | os.PathLike, seed: int | None = None, size: int = 5000, force: bool = False
) -> Path:
    """Write a private evaluation set ``out`` (``.npz`` with ``x`` and ``y``); return its path.

    ``size`` images are drawn, stratified, from the official Fashion-MNIST test split with
    ``seed`` (a random one when ``None``: nobody can re-derive the draw), shuffled, and given
    a little noise (each pixel moves by at most :data:`EVAL_NOISE` grey levels): no image is
    byte-identical to a public one, and a model scores on it what it scores on the test split.
    Flips and shifts keep each label but not the test split's look (every shoe points left),
    and cost a model trained without them many points: ``benchmarks/eval_set_gap.py`` measures
    it (figures in ``docs/results.md``). Instructors may bring their own images in the same
    format: ``x`` uint8 ``(N, 28, 28)``, ``y`` integers 0–9 ``(N,)``.
    """
    out = Path(out)
    if out.exists() and not force:
        raise GradingError(f"{out} already exists; pass --force to replace it")
    if not isinstance(size, int) or size < 1:
        raise GradingError(f"--size must be a positive integer, got {size!r}")
    if seed is not None and (not isinstance(seed, int) or seed < 0):
        raise GradingError(f"--seed must be an integer >= 0, got {seed!r}")
    try:
        _, (x_test, y_test) = datasets.load_fashion_mnist(fast=False)
    except (datasets.DatasetError, datasets.DatasetUnavailableError) as error:
        raise GradingError(str(error)) from error
    if size > len(y_test):
        raise GradingError(f"--size {size} is larger than the test split ({len(y_test)} images)")
    rng = np.random.default_rng(seed)
    x, y = datasets.stratified_subset(x_test, y_test, size, seed=int(rng.integers(2**31)))
    order = rng.permutation(len(y))
    noise = rng.integers(-EVAL_NOISE, EVAL_NOISE + 1, size=x.shape, dtype=np.int16)
    x = np.clip(x[order].astype(np.int16) + noise, 0, 255).astype(np.uint8)
    y = np.asarray(y)[order].astype(np.uint8)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out.parent, suffix=".npz", delete=False) as f:
        np.savez_compressed(f, x=x, y=y)
    os.replace(f.name, out)
    return out


def load_eval_set(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, str]:
    """``(x, y, fingerprint)`` of an evaluation set; ``GradingError`` if its format is wrong.

    ``fingerprint`` is the first 16 hex digits of the file's SHA-256: the gradebook records it
    so rows graded against another evaluation set are never mixed.
    """
    path = Path(path)
    if not path.is_file():
        raise GradingError(f"evaluation set not found: {path} (make one with "
                           "`course make-eval-set --out private.npz`)")
    data = path.read_bytes()
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            x, y = npz["x"], npz["y"]
    except Exception as error:
        raise GradingError(f"{path} is not an .npz with arrays 'x' and 'y': {error}") from error
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) == 0:
        raise GradingError(
            f"{path}: 'x' must be uint8 of shape (N, 28, 28) with N >= 1, "
            f"got {x.dtype} {x.shape}"
        )
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
        raise GradingError(
            f"{path}: 'y' must be integers of shape ({len(x)},), got {y.dtype} {y.shape}"
        )
    if y.min() < 0 or y.max() > 9:
        raise GradingError(f"{path}: labels must be 0–9, found {y.min()}..{y.max()}")
    return x, y.astype(np.int64), hashlib.sha256(data).hexdigest()[:16]


# ------------------------------------------------------------------------ rubric


@dataclass
class Rubric:
    """Points: by accuracy threshold, for valid experiments, for a notebook that ran."""

    accuracy: list[tuple[float, float]]
    experiments: float
    notebook: float

    @property
    def total(self) -> float:
        """The most points a submission can get."""
        best = max((points for _, points in self.accuracy), default=0.0)
        return best + self.experiments + self.notebook

    def accuracy_points(self, accuracy: float | None) -> tuple[float, float | None]:
        """Points for ``accuracy`` and the threshold reached (``None``: none)."""
        reached = [level for level in self.accuracy
                   if accuracy is not None and accuracy >= level[0]]
        if not reached:
            return 0.0, None
        minimum, points = max(reached)
        return points, minimum


def _number(value: Any, where: str, upper: float | None = None) -> float:
    """``value`` as a finite float >= 0 (and <= ``upper``); ``GradingError`` otherwise."""
    try:
        return challenge._real(value, f"rubric: {where}", upper)
    except ValueError as error:
        raise GradingError(str(error)) from None


def parse_rubric(text: str, source: str = "rubric") -> Rubric:
    """A :class:`Rubric` from TOML text in the format of :data:`DEFAULT_RUBRIC`."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise GradingError(f"{source} is not valid TOML: {error}") from error
    unknown = set(document) - {"accuracy", "experiments", "notebook"}
    if unknown:
        raise GradingError(f"{source}: unknown section(s) {sorted(unknown)}; "
                           "expected [[accuracy]], [experiments], [notebook]")
    levels = document.get("accuracy", [])
    if not isinstance(levels, list) or not levels:
        raise GradingError(f"{source}: needs at least one [[accuracy]] table with min and points")
    accuracy = []
    for i, level in enumerate(levels):
        if not isinstance(level, dict) or set(level) != {"min", "points"}:
            raise GradingError(f"{source}: [[accuracy]] number {i + 1} must have exactly the "
                               f"keys min and points, got {level!r}")
        accuracy.append((_number(level["min"], f"accuracy[{i}].min", upper=1),
                         _number(level["points"], f"accuracy[{i}].points")))
    extra = {}
    for name in ("experiments", "notebook"):
        section = document.get(name, {"points": 0})
        if not isinstance(section, dict) or set(section) != {"points"}:
            raise GradingError(f"{source}: [{name}] must have exactly one key, points")
        extra[name] = _number(section["points"], f"{name}.points")
    return Rubric(sorted(accuracy), extra["experiments"], extra["notebook"])


def load_rubric(path: str | os.PathLike | None = None) -> Rubric:
    """The rubric in TOML file ``path``, or :data:`DEFAULT_RUBRIC` when ``path`` is None."""
    if path is None:
        return parse_rubric(DEFAULT_RUBRIC, "the default rubric")
    path = Path(path)
    if not path.is_file():
        raise GradingError(f"rubric file not found: {path}")
    return parse_rubric(path.read_text(encoding="utf-8"), str(path))


# ------------------------------------------------------------------------ submissions


def list_submissions(folder: str | os.PathLike) -> dict[str, Path]:
    """``{student: entry}`` for every entry of the submissions folder (hidden ones skipped).

    The student is the entry's name without ``.zip``, with any character that is not an
    ASCII letter, digit, ``.``, ``_`` or ``-`` replaced by ``_``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise GradingError(f"submissions folder not found: {folder}")
    students: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        name = entry.name[:-4] if entry.name.lower().endswith(".zip") else entry.name
        student = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:64].strip(".") or "_"
        if student in students:
            raise GradingError(f"two entries give the same student {student!r}: "
                               f"{students[student].name} and {entry.name}; rename one")
        students[student] = entry
    return students


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/n"`` (1 ≤ i ≤ n) as ``(i, n)``; ``GradingError`` otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match:
        raise GradingError(f"--shard must look like 2/4 (shard i of n), got {text!r}")
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise GradingError(f"--shard {text}: i must be between 1 and n (shards count from 1)")
    return index, count


def in_shard(student: str, shard: tuple[int, int]) -> bool:
    """Whether ``student`` belongs to ``shard``: by a hash of the name, so every machine
    agrees whatever else its copy of the folder holds."""
    index, count = shard
    return zlib.crc32(student.encode()) % count == index - 1


class _Budget:
    """Counts files and bytes while a submission is copied."""

    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0

    def add_file(self) -> None:
        self.files += 1
        if self.files > MAX_FILES:
            raise SubmissionError("invalid_archive", f"more than {MAX_FILES} files")

    def copy(self, source: io.BufferedIOBase, target: Path) -> None:
        with open(target, "xb") as out:
            while chunk := source.read(1 << 20):
                self.bytes += len(chunk)
                if self.bytes > MAX_BYTES:
                    raise SubmissionError("invalid_archive",
                                          f"more than {MAX_BYTES // 2**20} MiB unpacked")
                out.write(chunk)


def _safe_parts(name: str) -> list[str]:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise SubmissionError("invalid_archive", f"unsafe path in the archive: {name!r}")
    return [part for part in parts if part not in ("", ".")]


def _unzip(archive: Path, target: Path) -> None:
    budget = _Budget()
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                parts = _safe_parts(info.filename)
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise SubmissionError("invalid_archive",
                                          f"symbolic link in the archive: {info.filename!r}")
                if not parts or parts[0] == "__MACOSX":
                    continue
                path = target.joinpath(*parts)
                if info.is_dir():
                    path.mkdir(parents=True, exist_ok=True)
                    continue
                budget.add_file()
                path.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source:
                    budget.copy(source, path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            RuntimeError, OSError, ValueError) as error:  # RuntimeError: encrypted
        raise SubmissionError("invalid_archive",
                              f"{archive.name} is not a readable zip: {error}") from error


def _copy_folder(folder: Path, target: Path) -> None:
    budget = _Budget()
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            if stat.S_ISLNK(os.lstat(path).st_mode):
                raise SubmissionError("invalid_archive", "symbolic link in the submission: "
                                      f"{path.relative_to(folder.parent)}")
        relative = Path(root).relative_to(folder)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            source = Path(root, name)
            if not stat.S_ISREG(os.lstat(source).st_mode):
                raise SubmissionError("invalid_archive", "not a regular file: "
                                      f"{source.relative_to(folder.parent)}")
            budget.add_file()
            with open(source, "rb") as f:
                budget.copy(f, target / relative / name)


def unpack(entry: Path, target: Path) -> Path:
    """Copy a submission (folder or ``.zip``) into the empty folder ``target``.

    Returns the folder that holds the submission's files: ``target`` itself, or its only
    subfolder when everything was zipped inside one (``submissao/``). Raises
    :class:`SubmissionError` (``invalid_archive``) for anything unsafe.
    """
    if entry.is_symlink():
        raise SubmissionError("invalid_archive", f"{entry.name} is a symbolic link")
    if entry.is_dir():
        _copy_folder(entry, target)
    elif entry.suffix.lower() == ".zip" and entry.is_file():
        _unzip(entry, target)
    else:
        raise SubmissionError("invalid_archive",
                              f"{entry.name} is neither a folder nor a .zip archive")
    root = target
    while not (root / challenge.MODEL_FILE).exists():
        children = [child for child in root.iterdir() if not child.name.startswith(".")]
        if len(children) != 1 or not children[0].is_dir():
            break
        root = children[0]
    return root


def _config_objects(node: Any) -> list[dict]:
    """Every serialized Keras object (a dict with ``class_name``) inside ``node``."""
    found, todo = [], [node]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            if "class_name" in item:
                found.append(item)
            todo.extend(value for key, value in item.items() if key != "compile_config")
        elif isinstance(item, list):
            todo.extend(item)
    return found


def check_model_file(path: Path) -> None:
    """Refuse a ``.keras`` file before loading it: ``SubmissionError`` with the status.

    ``invalid_model`` when it is not a Keras zip with a readable ``config.json`` (an HDF5 or
    pickle file renamed, for example); ``rejected_model`` when ``config.json`` names an object
    outside :data:`ALLOWED_OBJECTS` (``Lambda``, custom classes, unknown modules). Training
    settings (``compile_config``) are ignored: the grader loads with ``compile=False``.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("config.json")
            if info.file_size > MAX_CONFIG_BYTES:
                raise SubmissionError("invalid_model", "config.json is too large")
            config = json.loads(zf.read(info)[: MAX_CONFIG_BYTES + 1])
    except SubmissionError:
        raise
    except (zipfile.BadZipFile, KeyError) as error:
        raise SubmissionError(
            "invalid_model",
            f"{path.name} is not a Keras model file (a zip with config.json): {error}; "
            "save it with model.save('model.keras')") from error
    except (ValueError, OSError, RuntimeError, NotImplementedError) as error:
        raise SubmissionError("invalid_model", f"config.json is unreadable: {error}") from error
    if not isinstance(config, dict):
        raise SubmissionError("invalid_model", "config.json does not hold a model")
    for item in _config_objects(config):
        module, name = item.get("module"), item.get("class_name")
        registered = item.get("registered_name")
        allowed = ALLOWED_OBJECTS.get(module) if isinstance(module, (str, type(None))) else None
        if allowed is None or name not in allowed:
            where = f"{module}.{name}" if module else repr(name)
            kind = "a Lambda layer" if name == "Lambda" else "a class outside the allowlist"
            raise SubmissionError("rejected_model",
                                  f"the model uses {kind}: {where} (only built-in Keras layers "
                                  "are accepted; no Lambda layers, no custom classes)")
        if registered not in (None, name) and not (module == "keras.activations"):
            raise SubmissionError("rejected_model",
                                  f"the model uses a registered custom object {registered!r}")


# ------------------------------------------------------------------------ grading one


@dataclass
class Context:
    """Everything grading one submission needs; shared by the worker threads."""

    x: np.ndarray
    y: np.ndarray
    fingerprint: str
    rubric: Rubric
    limits: sandbox.Limits
    notebook_timeout: float
    execute: bool
    isolation: sandbox.Isolation
    workroot: Path
    workers: int
    stop: threading.Event


def _find_notebook(folder: Path) -> Path | None:
    notebooks = sorted(folder.rglob("*.ipynb"))
    notebooks = [path for path in notebooks if ".ipynb_checkpoints" not in path.parts]
    preferred = [path for path in notebooks if path.name.startswith("06")]
    return (preferred or notebooks or [None])[0]


def _new_workdir(context: Context, student: str, files: Path) -> Path:
    """A fresh sandbox folder holding a copy of ``files`` and a home folder."""
    workdir = Path(tempfile.mkdtemp(prefix=f"{student}-", dir=context.workroot))
    shutil.copytree(files, workdir, dirs_exist_ok=True, symlinks=True)
    for name in ("home/jupyter", "home/ipython", "home/matplotlib"):
        (workdir / name).mkdir(parents=True, exist_ok=True)
    return workdir


def _predict(context: Context, student: str, files: Path) -> tuple[str, float | None, str]:
    """Run the model in the sandbox: ``(status, accuracy, message)``."""
    workdir = _new_workdir(context, student, files)
    try:
        np.save(workdir / sandbox.IMAGES_FILE, context.x)
        outcome = sandbox.run("predict", workdir, [], context.limits, context.isolation,
                              context.stop)
        ended = _ended_status(outcome, context.limits)
        if ended:
            return ended[0], None, ended[1]
        result = sandbox.read_result(workdir)
        if result is None:
            return "crashed", None, _crash_message(outcome)
        if result["status"] != "ok":
            status = result["status"] if result["status"] in STATUSES else "crashed"
            return status, None, result["message"]
        try:
            raw = sandbox.read_untrusted(workdir / sandbox.PREDICTIONS_FILE, 64 * len(context.y)
                                         + 4096)
            predictions = np.load(io.BytesIO(raw), allow_pickle=False)
        except (OSError, ValueError) as error:
            return "wrong_predictions", None, f"unreadable predictions: {error}"
        if (predictions.shape != context.y.shape or predictions.dtype.kind not in "iu"
                or predictions.min() < 0 or predictions.max() > 9):
            return "wrong_predictions", None, (
                f"expected {len(context.y)} classes 0–9, got {predictions.dtype} "
                f"{predictions.shape}")
        return "ok", float(np.mean(predictions == context.y)), ""
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _ended_status(outcome: sandbox.Outcome, limits: sandbox.Limits) -> tuple[str, str] | None:
    """``(status, message)`` when the watchdog stopped the sandbox, else ``None``."""
    if outcome.ended == "timeout":
        return "timeout", f"stopped after {limits.timeout:g} s"
    if outcome.ended == "out_of_memory":
        return "out_of_memory", (f"stopped at {outcome.peak_memory_mb:.0f} MB "
                                 f"(limit {limits.memory_mb} MB)")
    if outcome.ended == "too_many_processes":
        return "crashed", f"stopped: more than {limits.max_processes} processes"
    return None


def _crash_message(outcome: sandbox.Outcome) -> str:
    code = outcome.returncode
    if code == sandbox.EXIT_SETUP_FAILED:
        return "the sandbox could not be set up: " + outcome.log.strip()[-500:]
    tail = outcome.log.strip().splitlines()[-3:]
    return f"exited with status {code} without an answer; " + " | ".join(tail)[-800:]


def _run_notebook(context: Context, student: str, files: Path) -> tuple[str, str]:
    """Execute the notebook in the sandbox: ``(notebook status, message)``."""
    notebook = _find_notebook(files)
    if notebook is None:
        return "missing", "no .ipynb in the submission"
    workdir = _new_workdir(context, student, files)
    try:
        name = str(notebook.relative_to(files))
        limits = dataclasses.replace(context.limits, timeout=context.notebook_timeout)
        outcome = sandbox.run("notebook", workdir, [name, str(context.notebook_timeout)],
                              limits, context.isolation, context.stop)
        ended = _ended_status(outcome, limits)
        if ended:
            return ended
        result = sandbox.read_result(workdir)
        if result is None or result["status"] not in NOTEBOOK_STATUSES:
            return "crashed", _crash_message(outcome)
        return result["status"], result["message"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _experiments(files: Path, student: str) -> tuple[str, str]:
    """``("valid" | "invalid" | "missing", message)`` for ``experiments.json``."""
    path = files / challenge.EXPERIMENTS_FILE
    if not path.is_file():
        return "missing", f"no {challenge.EXPERIMENTS_FILE}"
    if path.stat().st_size > 2**20:
        return "invalid", f"{challenge.EXPERIMENTS_FILE} is larger than 1 MiB"
    try:
        document = challenge.load_experiments(path)
    except (OSError, ValueError) as error:
        return "invalid", str(error).replace(str(path), challenge.EXPERIMENTS_FILE)
    note = ""
    if document["student_id"] != student:
        note = f"student_id in the file is {document['student_id']!r}"
    return "valid", note


def _grade_model(context: Context, student: str, files: Path) -> tuple[str, float | None, str]:
    """``(status, accuracy, message)`` of the submission's model."""
    model = files / challenge.MODEL_FILE
    if not model.is_file():
        return "missing_files", None, f"no {challenge.MODEL_FILE} in the submission"
    try:
        check_model_file(model)
    except SubmissionError as error:
        return error.status, None, str(error)
    return _predict(context, student, files)


def _spreadsheet_safe(text: str) -> str:
    """One line of at most 1000 characters that a spreadsheet will not run as a formula."""
    text = " ".join(text.split())[:1000]
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


def grade_one(student: str, entry: Path, context: Context) -> dict[str, str] | None:
    """Grade one submission; its gradebook row, or ``None`` if grading was interrupted."""
    start = time.monotonic()
    status, accuracy, messages = "ok", None, []
    experiments, notebook = "missing", ""
    unpacked = Path(tempfile.mkdtemp(prefix=f"{student}-files-", dir=context.workroot))
    try:
        files = unpack(entry, unpacked)
        experiments, note = _experiments(files, student)
        if note:
            messages.append(f"experiments: {note}")
        status, accuracy, message = _grade_model(context, student, files)
        messages.insert(0, message)
        if context.execute:  # the notebook is graded even when the model is not
            notebook, message = _run_notebook(context, student, files)
            if message:
                messages.append(f"notebook: {message}")
    except SubmissionError as error:
        status = error.status
        messages.insert(0, str(error))
    except Exception as error:  # never let one submission stop the batch
        status = "crashed"
        messages.insert(0, f"the grader failed on this submission: {type(error).__name__}: "
                           f"{error}")
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)
    if context.stop.is_set():
        return None
    points = context.rubric.accuracy_points(accuracy if status == "ok" else None)[0]
    points += context.rubric.experiments if experiments == "valid" else 0.0
    points += context.rubric.notebook if notebook == "ran" else 0.0
    return {
        "student": student,
        "status": status,
        "accuracy": "" if accuracy is None else f"{accuracy:.4f}",
        "points": f"{points:g}",
        "seconds": f"{time.monotonic() - start:.1f}",
        "message": _spreadsheet_safe(" | ".join(m for m in messages if m)),
        "experiments": experiments,
        "notebook": notebook,
        "eval_set": context.fingerprint,
    }


# ------------------------------------------------------------------------ feedback

_STATUS_PT = {
    "ok": "modelo carregado e avaliado",
    "missing_files": f"não encontrei o arquivo {challenge.MODEL_FILE} na entrega",
    "invalid_archive": "a entrega não pôde ser aberta (zip corrompido, caminhos inseguros, "
                       "links ou tamanho excessivo)",
    "invalid_model": f"{challenge.MODEL_FILE} não é um modelo Keras que carrega "
                     "(salve com model.save('model.keras'))",
    "rejected_model": "o modelo usa camadas fora da lista permitida (Lambda ou classes "
                      "próprias); use só camadas prontas do Keras",
    "timeout": "o modelo demorou demais para carregar e classificar as imagens",
    "out_of_memory": "o modelo usou memória demais",
    "crashed": "o processo do modelo terminou sem resposta",
    "wrong_predictions": "as previsões não têm o formato esperado (entrada (28, 28, 1), "
                         "saída com 10 classes)",
}

_NOTEBOOK_PT = {
    "": "não executado nesta correção",
    "ran": "rodou de cima a baixo",
    "failed": "parou com um erro",
    "timeout": "passou do tempo limite",
    "out_of_memory": "usou memória demais",
    "crashed": "o kernel morreu",
    "missing": "nenhum notebook (.ipynb) na entrega",
}

_EXPERIMENTS_PT = {
    "valid": "válidos",
    "invalid": "inválidos",
    "missing": f"{challenge.EXPERIMENTS_FILE} não encontrado",
}


def feedback_text(row: dict[str, str], rubric: Rubric, size: int) -> str:
    """The pt-BR feedback of one gradebook row (Markdown)."""
    accuracy = float(row["accuracy"]) if row["accuracy"] else None
    accuracy_points, threshold = rubric.accuracy_points(accuracy)
    lines = [
        f"# Desafio Fashion-MNIST: correção de {row['student']}",
        "",
        f"- **Situação:** `{row['status']}`: {_STATUS_PT[row['status']]}.",
    ]
    if accuracy is not None:
        reached = f" (limiar {threshold:g} atingido)" if threshold is not None else ""
        lines.append(f"- **Acurácia** no conjunto de avaliação privado ({size} imagens): "
                     f"{accuracy:.4f}{reached}: {accuracy_points:g} ponto(s).")
    experiment_points = rubric.experiments if row["experiments"] == "valid" else 0
    lines.append(f"- **Experimentos:** {_EXPERIMENTS_PT[row['experiments']]}: "
                 f"{experiment_points:g} ponto(s).")
    notebook_points = rubric.notebook if row["notebook"] == "ran" else 0
    lines.append(f"- **Notebook:** {_NOTEBOOK_PT[row['notebook']]}: "
                 f"{notebook_points:g} ponto(s).")
    lines += ["", f"**Nota: {row['points']} de {rubric.total:g}.**"]
    if row["message"]:
        lines += ["", "Detalhes (mensagem do corretor, em inglês):", "", "```text",
                  row["message"].replace("```", "'''"), "```"]
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ------------------------------------------------------------------------ gradebook


def read_gradebook(path: str | os.PathLike) -> list[dict[str, str]]:
    """The rows of a gradebook CSV; ``GradingError`` if it is not one."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise GradingError(f"{path} is not a gradebook of `course grade` (columns "
                                   f"{reader.fieldnames}, expected {list(COLUMNS)})")
            return list(reader)
    except (UnicodeDecodeError, csv.Error) as error:
        raise GradingError(f"{path} is not a gradebook of `course grade`: {error}") from error


def _open_gradebook(out: Path, fingerprint: str, force: bool) -> tuple[TextIO, set[str]]:
    """Open ``out`` for appending rows; the students it already holds (none with ``force``)."""
    done: set[str] = set()
    if out.exists() and not force:
        rows = read_gradebook(out)
        other = {row["eval_set"] for row in rows} - {fingerprint}
        if other:
            raise GradingError(
                f"{out} was graded with another evaluation set ({', '.join(sorted(other))}, "
                f"this one is {fingerprint}); pass --force to regrade everything into it, "
                "or choose another --out")
        done = {row["student"] for row in rows}
        return open(out, "a", newline="", encoding="utf-8"), done
    out.parent.mkdir(parents=True, exist_ok=True)
    f = open(out, "w", newline="", encoding="utf-8")
    csv.writer(f).writerow(COLUMNS)
    f.flush()
    return f, done


def _hidden_paths(paths: list[Path], keep: list[Path]) -> list[Path]:
    """What to hide in the sandbox: each path's folder, or the path alone when its folder
    holds something the sandbox needs (its work folder, Python, course_utils, the data)."""
    hidden = []
    for path in paths:
        folder = path if path.is_dir() else path.parent
        needed = any(folder == k or folder in k.parents for k in keep)
        hidden.append(path if needed else folder)
    return sorted(set(hidden))


def _keep_paths(workroot: Path) -> list[Path]:
    places = [workroot, Path(sys.prefix), Path(sys.base_prefix),
              Path(sys.executable).resolve().parent, Path(challenge.__file__).parent,
              Path(os.environ.get("KERAS_HOME") or os.path.expanduser("~/.keras"))]
    if os.environ.get("COURSE_DATA_DIR"):
        places.append(Path(os.environ["COURSE_DATA_DIR"]))
    return [place.resolve() for place in places]


class _Progress:
    """One progress line on stderr (redrawn on a terminal, one line per student otherwise)."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.tty = stream.isatty()

    def update(self, row: dict[str, str]) -> None:
        self.done += 1
        width = 20
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (width - filled)
        text = (f"[{bar}] {self.done}/{self.total} {row['student']}: {row['status']} "
                f"{row['accuracy'] or '-'} ({row['seconds']} s)")
        end = "" if self.tty and self.done < self.total else "\n"
        self.stream.write(("\r\033[K" if self.tty else "") + text + end)
        self.stream.flush()


def summary_table(rows: list[dict[str, str]]) -> str:
    """Count per status, as a small text table."""
    counts = Counter(row["status"] for row in rows)
    lines = ["status             count", "-----------------  -----"]
    lines += [f"{status:<17}  {counts[status]:>5}" for status in STATUSES if counts[status]]
    lines.append(f"{'total':<17}  {sum(counts.values()):>5}")
    return "\n".join(lines)


def grade(
    submissions: str | os.PathLike,
    eval_set: str | os.PathLike,
    out: str | os.PathLike,
    workers: int | None = None,
    timeout: float = 120.0,
    memory_mb: int = 3072,
    execute: bool = False,
    notebook_timeout: float = 900.0,
    shard: str | None = None,
    force: bool = False,
    rubric: str | os.PathLike | None = None,
    stream: TextIO = sys.stderr,
) -> dict[str, Any]:
    """Grade every submission (of ``shard``) not yet in gradebook ``out``; see the module doc.

    Returns ``{"graded": [rows], "skipped": int, "isolation": Isolation}``. Rows are
    appended to ``out`` one by one as they finish, and each feedback file is written to
    ``out``'s folder ``feedback/``. Ctrl-C kills the running sandboxes and keeps every
    row already written; running again grades the rest (``force``: everything again).
    """
    submissions, out = Path(submissions), Path(out)
    students = list_submissions(submissions)
    if out.resolve().is_relative_to(submissions.resolve()):
        raise GradingError(f"--out {out} must not be inside the submissions folder")
    if out.is_dir():
        raise GradingError(f"--out {out} is a folder; give a .csv file name")
    feedback = out.parent / "feedback"
    if submissions.resolve().is_relative_to(feedback.resolve()):
        raise GradingError(f"the feedback folder {feedback} of --out {out} holds the "
                           "submissions; choose another --out")
    x, y, fingerprint = load_eval_set(eval_set)
    rules = load_rubric(rubric)
    workers = (os.cpu_count() or 1) if workers is None else workers
    for option, value, least in (("--workers", workers, 1), ("--memory-mb", memory_mb, 64)):
        if value < least:
            raise GradingError(f"{option} must be at least {least}, got {value}")
    for option, value in (("--timeout", timeout), ("--notebook-timeout", notebook_timeout)):
        if not value > 0:
            raise GradingError(f"{option} must be more than 0 seconds, got {value}")
    if shard:
        index = parse_shard(shard)
        students = {s: e for s, e in students.items() if in_shard(s, index)}
    gradebook, done = _open_gradebook(out, fingerprint, force)
    todo = {s: e for s, e in students.items() if s not in done}
    workroot = Path(tempfile.mkdtemp(prefix="course-grade-"))
    try:
        feedback.mkdir(exist_ok=True)
        hide = _hidden_paths([Path(eval_set).resolve(), out.resolve(), submissions.resolve(),
                              feedback.resolve()], _keep_paths(workroot))
        isolation = sandbox.probe(hide)
        stream.write(isolation.describe() + "\n")
        context = Context(x, y, fingerprint, rules, sandbox.Limits(timeout, memory_mb),
                          notebook_timeout, execute, isolation, workroot, workers,
                          threading.Event())
        rows = _grade_all(todo, context, gradebook, feedback, stream)
    finally:
        gradebook.close()
        shutil.rmtree(workroot, ignore_errors=True)
    return {"graded": rows, "skipped": len(students) - len(todo), "isolation": isolation}


def _grade_all(todo: dict[str, Path], context: Context, gradebook: TextIO, feedback: Path,
               stream: TextIO) -> list[dict[str, str]]:
    """Grade ``todo`` on a thread pool, writing each row and feedback as it finishes."""
    writer = csv.DictWriter(gradebook, fieldnames=COLUMNS)
    progress = _Progress(len(todo), stream)
    rows: list[dict[str, str]] = []
    pool = ThreadPoolExecutor(max_workers=max(1, min(context.workers, len(todo))))
    try:
        futures = {pool.submit(grade_one, s, e, context): s for s, e in todo.items()}
        for future in _as_completed(futures):
            row = future.result()
            if row is None:
                continue
            _write_atomic(feedback / f"{row['student']}.md",
                          feedback_text(row, context.rubric, len(context.y)))
            writer.writerow(row)
            gradebook.flush()
            os.fsync(gradebook.fileno())
            rows.append(row)
            progress.update(row)
    except BaseException:
        context.stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        sandbox.kill_all()
        raise
    finally:
        pool.shutdown(wait=True)
    return rows


def _as_completed(futures: dict[Future, str]) -> Iterator[Future]:
    """Yield the futures as they finish, waking up every 0.2 s.

    Ctrl-C's signal may land on a worker thread; Python then runs its handler only when the
    main thread next runs bytecode. A blocking ``as_completed`` would hold the
    KeyboardInterrupt until the next submission finishes (minutes, for a slow model).
    """
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        yield from done


# ------------------------------------------------------------------------ merging


def merge(shards: list[str | os.PathLike], out: str | os.PathLike, force: bool = False) -> Path:
    """Join shard gradebooks into ``out`` (sorted by student); ``GradingError`` on duplicates,
    mixed evaluation sets, or an existing ``out`` without ``force``."""
    out = Path(out)
    if not shards:
        raise GradingError("give the shard gradebooks to merge")
    if out.exists() and not force:
        raise GradingError(f"{out} already exists; pass --force to replace it")
    rows: dict[str, dict[str, str]] = {}
    where: dict[str, Path] = {}
    for shard in map(Path, shards):
        if not shard.is_file():
            raise GradingError(f"shard gradebook not found: {shard}")
        if shard.resolve() == out.resolve():
            raise GradingError(f"--out {out} is also one of the shards")
        for row in read_gradebook(shard):
            student = row["student"]
            if student in rows:
                raise GradingError(f"student {student!r} is in both {where[student]} and "
                                   f"{shard}; grade each shard with a different --shard i/n")
            rows[student], where[student] = row, shard
    eval_sets = {row["eval_set"] for row in rows.values()}
    if len(eval_sets) > 1:
        raise GradingError(f"the shards were graded with different evaluation sets: "
                           f"{', '.join(sorted(eval_sets))}")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows[student] for student in sorted(rows))
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(out, buffer.getvalue())
    return out
