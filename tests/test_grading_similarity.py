"""Copied models: a re-saved copy and a fine-tuned copy are flagged, independent models not.

Small CNNs are trained here, each in about a second: a few independently (each its own seed),
one copied (saved again, re-zipped with another layout), one fine-tuned (the copy trained a
little more). The comparison reads only their ``.keras`` files and predictions. One grading
run checks that ``similarity.csv`` and the gradebook's ``similar_to`` column come out of
``course grade`` and that no grade changes.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

from course_utils import config, grading
from course_utils.challenge import EXPERIMENTS_FILE, MODEL_FILE
from course_utils.grading import similarity
from course_utils.models import build_mnist_cnn
from tests.fixture_data import gray_images

pytestmark = pytest.mark.slow  # among the longest test files: conftest.py runs them first

N_TRAIN, N_TEST = 300, 300


def noisy_task(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixture images whose patch is dimmed for half of them: a task small models get
    partly wrong, so their errors can be compared."""
    images, labels = gray_images(n, seed)
    rng = np.random.default_rng(seed)
    dim = rng.random(n) < 0.5
    images[dim] = (images[dim] * 0.35).astype(np.uint8)
    return images, labels


def train(seed: int, x: np.ndarray, y: np.ndarray, model: keras.Model | None = None
          ) -> keras.Model:
    """One epoch of Adam: the model stays far from perfect, so it makes errors to compare."""
    config.set_seed(seed)
    if model is None:
        model = build_mnist_cnn(filters=(4,), dropout=0.0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x[..., None] / 255.0, y, epochs=1, batch_size=32, verbose=0)
    return model


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    """Files and predictions of 4 independent models, a copy and a fine-tuned copy."""
    root = tmp_path_factory.mktemp("models")
    x, y = noisy_task(N_TRAIN, seed=10)
    x_eval, y_eval = noisy_task(N_TEST, seed=11)
    models = {f"independent{seed}": train(seed, x, y) for seed in range(4)}
    files = {}
    for name, model in models.items():
        files[name] = root / f"{name}.keras"
        model.save(files[name])
    files["copy"] = root / "copy.keras"
    keras.saving.load_model(files["independent0"]).save(files["copy"])
    tuned = keras.saving.load_model(files["independent0"])
    models["fine_tuned"] = train(99, x[:200], y[:200], tuned)
    files["fine_tuned"] = root / "fine_tuned.keras"
    models["fine_tuned"].save(files["fine_tuned"])
    models["copy"] = models["independent0"]
    predictions = {name: np.argmax(model.predict(x_eval[..., None] / 255.0, verbose=0), axis=1)
                   for name, model in models.items()}
    records = {name: similarity.make_record(files[name], predictions[name], y_eval, "test")
               for name in files}
    return {"files": files, "records": records, "labels": y_eval, "root": root}


def rezip(source: Path, target: Path) -> Path:
    """The same entries in reverse order, deflated, with other timestamps."""
    with zipfile.ZipFile(source) as zf:
        entries = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in reversed(entries):
            zf.writestr(zipfile.ZipInfo(name, date_time=(2001, 2, 3, 4, 5, 6)), data)
    return target


def test_the_weight_hash_ignores_the_file_layout(trained, tmp_path):
    files = trained["files"]
    assert files["copy"].read_bytes() != files["independent0"].read_bytes()
    hashes = {similarity.weights_summary(path)[0]
              for path in (files["independent0"], files["copy"],
                           rezip(files["independent0"], tmp_path / "rezipped.keras"))}
    assert len(hashes) == 1
    assert similarity.weights_summary(files["independent1"])[0] not in hashes


def test_a_copy_and_a_fine_tuned_copy_are_flagged(trained):
    records, labels = trained["records"], trained["labels"]
    evidence, score, details = similarity.compare(records["independent0"], records["copy"],
                                                  labels)
    assert (evidence, score) == ("identical_weights", 1.0)
    evidence, score, details = similarity.compare(records["independent0"],
                                                  records["fine_tuned"], labels)
    assert evidence == "fine_tuned" and 0 < score < 1 and "apart" in details


def test_independent_models_are_not_flagged(trained):
    records, labels = trained["records"], trained["labels"]
    independent = {name: record for name, record in records.items()
                   if name.startswith("independent")}
    assert all(record.parameters == independent["independent0"].parameters
               for record in independent.values())
    assert similarity.find_pairs(independent, labels) == []
    for a, b in [("independent0", "independent1"), ("independent2", "independent3")]:
        most = similarity.same_errors(records[a].predictions, records[b].predictions, labels)[3]
        assert most >= similarity.MIN_ERRORS  # the predictions were compared too
    pairs = similarity.find_pairs(records, labels)
    flagged = {frozenset((pair.student_a, pair.student_b)) for pair in pairs}
    assert flagged == {frozenset(p) for p in [("independent0", "copy"),
                                             ("independent0", "fine_tuned"),
                                             ("copy", "fine_tuned")]}


def test_the_same_wrong_answers_are_flagged_without_the_weights():
    """Two models of different architectures (no weight evidence) whose errors coincide."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 2000)
    honest = np.where(rng.random(2000) < 0.8, labels, rng.integers(0, 10, 2000))
    other = np.where(rng.random(2000) < 0.8, labels, rng.integers(0, 10, 2000))
    copied = honest.copy()
    changed = rng.choice(2000, 20, replace=False)  # a few answers changed to hide it
    copied[changed] = labels[changed]

    def record(predictions: np.ndarray, architecture: str) -> similarity.Record:
        return similarity.Record(predictions, architecture, architecture, np.zeros(1), 1,
                                 np.zeros(10), "test")

    found = similarity.compare(record(honest, "a"), record(copied, "b"), labels)
    assert found is not None and found[0] == "same_errors" and found[1] > 0.9
    assert similarity.compare(record(honest, "a"), record(other, "b"), labels) is None
    score, observed, expected, most = similarity.same_errors(honest, other, labels)
    assert abs(observed - expected) < 4 * np.sqrt(expected) and abs(score) < 0.1


def test_a_record_reads_back_as_written(trained, tmp_path):
    record = trained["records"]["independent1"]
    similarity.save_record(tmp_path, "ana", record)
    again = similarity.load_record(tmp_path, "ana")
    assert again.weights_hash == record.weights_hash and again.eval_set == "test"
    assert np.array_equal(again.predictions, record.predictions)
    assert np.allclose(again.class_accuracy, record.class_accuracy)
    assert 0 < again.parameters == record.parameters
    assert similarity.load_record(tmp_path, "nobody") is None


def test_similar_to_lists_every_partner():
    pairs = [similarity.Pair("ana", "bia", "identical_weights", 1.0, ""),
             similarity.Pair("ana", "caio", "fine_tuned", 0.9, "")]
    assert similarity.similar_to(pairs) == {"ana": "bia;caio", "bia": "ana", "caio": "ana"}


def test_grading_writes_similarity_csv_and_the_similar_to_column(trained, tmp_path):
    """One ``course grade`` run: the copied pair is reported, the grades are untouched."""
    submissions = tmp_path / "subs"
    for student, name in (("ana", "independent0"), ("bia", "copy"), ("caio", "independent1")):
        folder = submissions / student
        folder.mkdir(parents=True)
        (folder / MODEL_FILE).write_bytes(trained["files"][name].read_bytes())
        (folder / EXPERIMENTS_FILE).write_text(json.dumps({"student_id": student}))
    x_eval, y_eval = noisy_task(64, seed=12)
    np.savez(tmp_path / "eval.npz", x=x_eval, y=y_eval)
    out = tmp_path / "grades" / "gradebook.csv"
    result = grading.grade(submissions, tmp_path / "eval.npz", out, workers=2, timeout=300,
                           memory_mb=1500, stream=io.StringIO())
    rows = {row["student"]: row for row in grading.read_gradebook(out)}
    assert {row["status"] for row in rows.values()} == {"ok"}
    assert rows["ana"]["similar_to"] == "bia" and rows["bia"]["similar_to"] == "ana"
    assert rows["caio"]["similar_to"] == ""
    assert rows["ana"]["points"] == rows["bia"]["points"]  # a flag never changes a grade
    graded = {row["student"]: row["points"] for row in result["graded"]}
    assert all(rows[student]["points"] == points for student, points in graded.items())
    with open(out.parent / similarity.SIMILARITY_FILE, newline="", encoding="utf-8") as f:
        pairs = list(csv.DictReader(f))
    assert [(p["student_a"], p["student_b"], p["evidence"]) for p in pairs] == [
        ("ana", "bia", "identical_weights")]
