"""`course grade`: a class of hostile submissions, each with its expected status.

Every hostile file is built here: real Keras models saved with ``model.save`` (a Lambda
layer, a registered custom layer, a wrong output shape, models too slow or too big to run),
hand-made zips and files renamed ``model.keras``, and notebooks that loop, exit, fork, reach
for the network or open the private evaluation set. One ``grade`` call grades the whole class
(each TensorFlow sandbox costs seconds), the tests then read its gradebook.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import h5py
import keras
import nbformat
import numpy as np
import psutil
import pytest
from keras import layers

from course_utils import cli, grading
from course_utils.grading import sandbox
from course_utils.grading.sandbox import jail
from course_utils.challenge import EXPERIMENTS_FILE, MODEL_FILE, save_submission
from course_utils.models import build_mnist_cnn

pytestmark = pytest.mark.slow  # among the longest test files: conftest.py runs them first

N_IMAGES = 64
TIMEOUT = 180  # the valid models: TensorFlow's import alone takes 3-90 s on 2 loaded cores
NOTEBOOK_TIMEOUT = 60
MEMORY_MB = 1500


def make_runs() -> list[dict]:
    """Four runs that vary each hyperparameter."""
    base = {"epochs": 2, "batch_size": 64, "filters": [8], "activation": "relu",
            "val_accuracy": 0.8, "train_seconds": 1.0}
    return [base, {**base, "epochs": 3}, {**base, "batch_size": 32, "filters": [4]},
            {**base, "activation": "tanh"}]


def write_experiments(folder: Path, student: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    document = {"student_id": student, "format": 1, "runs": make_runs()}
    (folder / EXPERIMENTS_FILE).write_text(json.dumps(document))


def save_raw(model: keras.Model, folder: Path, student: str) -> None:
    """Save any model (even one save_submission refuses) as a submission folder."""
    write_experiments(folder, student)
    model.save(folder / MODEL_FILE)


def write_notebook(folder: Path, student: str, code: str) -> None:
    """A submission holding only a notebook (and experiments): no model."""
    write_experiments(folder, student)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, folder / "07_desafio_fashion_mnist.ipynb")


def zip_folder(folder: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, f"submissao/{path.relative_to(folder)}")


def write_eval_set(path: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x=rng.integers(0, 256, (N_IMAGES, 28, 28), dtype=np.uint8),
             y=rng.integers(0, 10, N_IMAGES).astype(np.uint8))
    return path


@keras.saving.register_keras_serializable(package="Custom")
class Doubler(layers.Layer):
    """A custom layer: code the grader must never run."""

    def call(self, inputs):
        return inputs * 2


def lambda_model() -> keras.Model:
    inputs = keras.Input((28, 28, 1))
    outputs = layers.Dense(10)(layers.Lambda(lambda t: keras.ops.reshape(t, (-1, 784)))(inputs))
    return keras.Model(inputs, outputs)


def custom_model() -> keras.Model:
    inputs = keras.Input((28, 28, 1))
    return keras.Model(inputs, layers.Dense(10)(layers.Flatten()(Doubler()(inputs))))


def memory_hungry_model() -> keras.Model:
    """No weights to speak of, but each batch of 64 images asks for gigabytes: 560x560x16
    floats per image after the upsampling, for three convolutions in a row. Within the rules
    (built-in layers only), this is how a model "allocates without end"."""
    inputs = keras.Input((28, 28, 1))
    x = layers.UpSampling2D((20, 20))(inputs)
    for _ in range(3):
        x = layers.Conv2D(16, 3, padding="same")(x)
    return keras.Model(inputs, layers.Dense(10)(layers.GlobalAveragePooling2D()(x)))


def slow_model() -> keras.Model:
    """Prediction that takes minutes: 224x224 images through eighty 32-filter convolutions,
    about 2.4 million million multiply-adds for 64 images (3 MB of weights). A model cannot
    run code (allowlist, safe_mode), so a genuinely slow model is how "loading or prediction
    sleeps forever" reaches the sandbox."""
    inputs = keras.Input((28, 28, 1))
    x = layers.UpSampling2D((8, 8))(inputs)
    for _ in range(80):
        x = layers.Conv2D(32, 3, padding="same")(x)
    return keras.Model(inputs, layers.Dense(10)(layers.GlobalAveragePooling2D()(x)))


def build_class(root: Path, private: Path, port: int) -> dict[str, tuple[str, str]]:
    """Write one submission per hostile case; return ``{student: (status, notebook)}``."""
    keras.utils.set_random_seed(0)
    expected: dict[str, tuple[str, str]] = {}

    save_submission(build_mnist_cnn(filters=(4,)), make_runs(), "valid", root / "valid")
    expected["valid"] = ("ok", "missing")

    valid_zip = root / "tmp_zip_source"
    save_submission(build_mnist_cnn(filters=(4,)), make_runs(), "zipped", valid_zip)
    zip_folder(valid_zip, root / "zipped.zip")
    shutil.rmtree(valid_zip)
    expected["zipped"] = ("ok", "missing")

    write_experiments(root / "no_model", "no_model")
    expected["no_model"] = ("missing_files", "missing")

    (root / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    expected["corrupt"] = ("invalid_archive", "")

    with zipfile.ZipFile(root / "traversal.zip", "w") as zf:
        zf.writestr("../../escaped.txt", "outside the sandbox")
        zf.writestr(MODEL_FILE, "x")
    expected["traversal"] = ("invalid_archive", "")

    linked = root / "symlink"
    write_experiments(linked, "symlink")
    (linked / MODEL_FILE).symlink_to(private)
    expected["symlink"] = ("invalid_archive", "")

    save_raw(lambda_model(), root / "lambda_layer", "lambda_layer")
    expected["lambda_layer"] = ("rejected_model", "missing")

    save_raw(custom_model(), root / "custom_class", "custom_class")
    expected["custom_class"] = ("rejected_model", "missing")

    write_experiments(root / "h5_renamed", "h5_renamed")
    with h5py.File(root / "h5_renamed" / MODEL_FILE, "w") as f:
        f["weights"] = np.zeros(10)
    expected["h5_renamed"] = ("invalid_model", "missing")

    write_experiments(root / "pickle_renamed", "pickle_renamed")
    (root / "pickle_renamed" / MODEL_FILE).write_bytes(pickle.dumps({"model": [1, 2, 3]}))
    expected["pickle_renamed"] = ("invalid_model", "missing")

    save_raw(build_mnist_cnn(num_classes=5, filters=(4,)), root / "wrong_output", "wrong_output")
    expected["wrong_output"] = ("wrong_predictions", "missing")

    save_raw(memory_hungry_model(), root / "memory_hog", "memory_hog")
    expected["memory_hog"] = ("out_of_memory", "missing")

    notebooks = {
        "nb_runs": ("print('olá')", "ran"),
        "nb_infinite_loop": ("while True:\n    pass", "timeout"),
        "nb_exit": ("import os\nos._exit(1)", "crashed"),
        "nb_fork_loop": ("import os, time\nfor _ in range(300):\n    if os.fork() == 0:\n"
                         "        time.sleep(60)\n        os._exit(0)\ntime.sleep(60)", "crashed"),
        "nb_network": (f"import socket\nsocket.create_connection(('127.0.0.1', {port}), "
                       "timeout=5).sendall(b'leak')", "failed"),
        "nb_reads_eval_set": (f"data = open({str(private)!r}, 'rb').read()\n"
                              "print(len(data))", "failed"),
    }
    for student, (code, notebook_status) in notebooks.items():
        write_notebook(root / student, student, code)
        expected[student] = ("missing_files", notebook_status)
    return expected


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the hostile class once (2 workers, --execute); share the results."""
    base = tmp_path_factory.mktemp("grading")
    private = write_eval_set(base / "private" / "private.npz")
    submissions = base / "submissions"
    submissions.mkdir()
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    expected = build_class(submissions, private, server.getsockname()[1])
    before = tree_digest(submissions)
    out = base / "book" / "gradebook.csv"
    log = io.StringIO()
    result = grading.grade(submissions, private, out, workers=2, timeout=TIMEOUT,
                           memory_mb=MEMORY_MB, execute=True,
                           notebook_timeout=NOTEBOOK_TIMEOUT, stream=log)
    try:
        server.accept()
        connected = True
    except BlockingIOError:
        connected = False
    server.close()
    return {
        "rows": {row["student"]: row for row in grading.read_gradebook(out)},
        "expected": expected, "out": out, "submissions": submissions, "private": private,
        "before": before, "result": result, "log": log.getvalue(), "connected": connected,
        "base": base,
    }


CASES = ["valid", "zipped", "no_model", "corrupt", "traversal", "symlink", "lambda_layer",
         "custom_class", "h5_renamed", "pickle_renamed", "wrong_output", "memory_hog",
         "nb_runs", "nb_infinite_loop", "nb_exit", "nb_fork_loop", "nb_network",
         "nb_reads_eval_set"]


@pytest.mark.parametrize("student", CASES)
def test_each_submission_gets_its_expected_status(graded, student):
    if student in ("nb_network", "nb_reads_eval_set"):
        _require_namespaces(graded)  # without them, these two succeed: see the README
    row = graded["rows"][student]
    status, notebook = graded["expected"][student]
    assert (row["status"], row["notebook"]) == (status, notebook), row
    assert (graded["out"].parent / "feedback" / f"{student}.md").is_file()


def test_the_batch_has_one_row_per_submission_and_leaves_submissions_untouched(graded):
    assert sorted(graded["rows"]) == sorted(CASES)
    assert len(grading.read_gradebook(graded["out"])) == len(CASES)
    assert tree_digest(graded["submissions"]) == graded["before"]
    assert not (graded["base"] / "escaped.txt").exists()
    assert not jail._RUNNING


def test_a_valid_model_is_scored_by_the_parent_and_gets_its_points(graded):
    row = graded["rows"]["valid"]
    assert 0.0 <= float(row["accuracy"]) <= 1.0
    rubric = grading.load_rubric()
    expected = rubric.accuracy_points(float(row["accuracy"]))[0] + rubric.experiments
    assert float(row["points"]) == pytest.approx(expected)
    feedback = (graded["out"].parent / "feedback" / "valid.md").read_text("utf-8")
    assert "Acurácia" in feedback and "Nota:" in feedback


def test_rejected_models_name_the_offending_layer(graded):
    assert "Lambda" in graded["rows"]["lambda_layer"]["message"]
    assert "Doubler" in graded["rows"]["custom_class"]["message"]
    assert "more than 64 processes" in graded["rows"]["nb_fork_loop"]["message"]


def test_the_notebook_ran_point_is_given(graded):
    rubric = grading.load_rubric()
    assert float(graded["rows"]["nb_runs"]["points"]) == rubric.experiments + rubric.notebook


def _require_namespaces(graded):
    isolation = graded["result"]["isolation"]
    if not isolation.namespaces:
        pytest.skip(f"no namespaced sandbox on this machine: {isolation.problems}")


def test_the_private_eval_set_cannot_be_opened_inside_the_sandbox(graded):
    _require_namespaces(graded)
    row = graded["rows"]["nb_reads_eval_set"]
    assert "FileNotFoundError" in row["message"] or "PermissionError" in row["message"], row
    assert "sandbox: user/network/mount/PID namespaces" in graded["log"]


def test_the_sandbox_cannot_reach_a_local_server(graded):
    _require_namespaces(graded)
    assert not graded["connected"]
    assert "unreachable" in graded["rows"]["nb_network"]["message"].lower()


def test_running_again_skips_graded_students(graded):
    result = grading.grade(graded["submissions"], graded["private"], graded["out"],
                           stream=io.StringIO())
    assert result["graded"] == [] and result["skipped"] == len(CASES)
    assert len(grading.read_gradebook(graded["out"])) == len(CASES)


def test_a_gradebook_from_another_eval_set_is_refused(graded, tmp_path):
    other = write_eval_set(tmp_path / "other.npz", seed=1)
    with pytest.raises(grading.GradingError, match="another evaluation set"):
        grading.grade(graded["submissions"], other, graded["out"], stream=io.StringIO())


SERVE_A_JOB_LEAVING_A_PROCESS = """
import os, time
from pathlib import Path
from course_utils.grading.sandbox import jail

def job():
    pid = os.fork()
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    Path("left.pid").write_text(str(pid))

jail.serve(lambda: None, job)
"""


def test_a_warm_worker_kills_what_a_job_left_running(tmp_path):
    """No model can start a process, but the worker does not rely on it: a job's orphan
    is gone before the worker answers, so it never meets the next job."""
    worker = subprocess.Popen([sys.executable, "-c", SERVE_A_JOB_LEAVING_A_PROCESS],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline() == "ready\n"
        for name in ("first", "second"):
            (tmp_path / name).mkdir()
            worker.stdin.write(f"{tmp_path / name}\n")
            worker.stdin.flush()
            assert worker.stdout.readline() == "done 0\n"
            left = int((tmp_path / name / "left.pid").read_text())
            assert not psutil.pid_exists(left)
    finally:
        worker.kill()
        worker.wait()


def test_a_model_that_never_finishes_is_stopped_and_its_worker_replaced(tmp_path):
    """One warm worker grades both, in order: the slow model's timeout kills it, and the
    next model gets a fresh one (its start not counted in the row's seconds)."""
    save_raw(slow_model(), tmp_path / "class" / "a_slow", "a_slow")
    save_submission(build_mnist_cnn(filters=(4,)), make_runs(), "b_valid",
                    tmp_path / "class" / "b_valid")
    private = write_eval_set(tmp_path / "private.npz")
    out = tmp_path / "book.csv"
    grading.grade(tmp_path / "class", private, out, workers=1, timeout=8, memory_mb=6000,
                  stream=io.StringIO())
    rows = {row["student"]: row for row in grading.read_gradebook(out)}
    assert rows["a_slow"]["status"] == "timeout", rows["a_slow"]
    assert "stopped after 8 s" in rows["a_slow"]["message"]
    assert float(rows["a_slow"]["seconds"]) < 8 + 10
    assert rows["b_valid"]["status"] == "ok", rows["b_valid"]
    assert not jail._RUNNING


# ---- the instructor's input -------------------------------------------------------------


def cheap_class(root: Path, names: list[str]) -> Path:
    """Submissions graded without any sandbox (no model): fast."""
    for name in names:
        write_experiments(root / name, name)
    return root


def test_shards_split_the_class_and_merge_back(tmp_path):
    names = [f"aluno{i:02d}" for i in range(12)]
    submissions = cheap_class(tmp_path / "subs", names)
    private = write_eval_set(tmp_path / "private.npz")
    shards = []
    for index in (1, 2, 3):
        out = tmp_path / f"shard{index}" / "gradebook.csv"
        grading.grade(submissions, private, out, shard=f"{index}/3", stream=io.StringIO())
        shards.append(out)
    sizes = [len(grading.read_gradebook(path)) for path in shards]
    assert sum(sizes) == len(names) and all(sizes)
    merged = tmp_path / "all.csv"
    assert cli.main(["grade", "merge", *map(str, shards), "--out", str(merged)]) == 0
    assert [row["student"] for row in grading.read_gradebook(merged)] == names
    with pytest.raises(grading.GradingError, match="in both"):
        grading.merge([shards[0], shards[0]], tmp_path / "dup.csv")
    with pytest.raises(grading.GradingError, match="already exists"):
        grading.merge(shards, merged)


def test_a_folder_called_merge_is_graded_as_dot_slash_merge(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cheap_class(tmp_path / "merge", ["ana"])
    write_eval_set(tmp_path / "private.npz")
    assert cli.main(["grade", "./merge", "--eval-set", "private.npz", "--out", "g.csv"]) == 0
    assert [row["student"] for row in grading.read_gradebook("g.csv")] == ["ana"]


def test_force_regrades_into_a_fresh_gradebook(tmp_path):
    submissions = cheap_class(tmp_path / "subs", ["ana", "bia"])
    private = write_eval_set(tmp_path / "private.npz")
    out = tmp_path / "g.csv"
    grading.grade(submissions, private, out, stream=io.StringIO())
    other = write_eval_set(tmp_path / "other.npz", seed=3)
    result = grading.grade(submissions, other, out, force=True, stream=io.StringIO())
    assert len(result["graded"]) == 2
    assert {row["eval_set"] for row in grading.read_gradebook(out)} == {
        grading.load_eval_set(other)[2]}


@pytest.mark.parametrize(
    "args, message",
    [
        (["grade", "nowhere", "--eval-set", "e.npz", "--out", "g.csv"],
         "submissions not found"),
        (["grade", "subs", "--eval-set", "e.npz", "--out", "g.csv", "--shard", "0/2"],
         "between 1 and n"),
        (["grade", "subs", "--eval-set", "e.npz", "--out", "g.csv", "--shard", "two"],
         "must look like 2/4"),
        (["grade", "subs", "--eval-set", "bad.npz", "--out", "g.csv"], "uint8 of shape"),
        (["grade", "subs", "--eval-set", "missing.npz", "--out", "g.csv"],
         "evaluation set not found"),
        (["grade", "subs", "--eval-set", "e.npz", "--out", "subs/g.csv"],
         "inside the submissions folder"),
        (["grade", "subs", "--eval-set", "e.npz", "--out", "g.csv", "--rubric", "r.toml"],
         "exactly the keys min and points"),
        (["grade", "subs", "--eval-set", "e.npz", "--out", "g.csv", "--workers", "0"],
         "--workers must be at least 1, got 0"),
        (["grade", "subs", "--eval-set", "e.npz", "--out", "g.csv", "--timeout", "0"],
         "--timeout must be more than 0 seconds"),
        (["grade", "feedback", "--eval-set", "e.npz", "--out", "g.csv"],
         "holds the submissions"),
        (["grade", "subs", "--eval-set", "e.npz", "--out", "bad.npz"],
         "is not a gradebook"),
        (["grade", "subs", "--eval-set", "e.npz", "--out", "g.csv", "--worksheet", "r.toml"],
         "--worksheet fills a Moodle file, but subs is not a Moodle download"),
        (["make-eval-set", "--out", "e.npz"], "already exists"),
        (["make-eval-set", "--out", "new.npz", "--seed", "-1"], "--seed must be an integer"),
    ],
    ids=["no_folder", "shard_zero", "shard_text", "eval_shapes", "no_eval_set", "out_inside",
         "bad_rubric", "no_workers", "no_timeout", "feedback_is_submissions",
         "out_not_a_gradebook", "worksheet_not_moodle", "eval_exists", "negative_seed"],
)
def test_bad_input_gets_a_clear_error(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    cheap_class(tmp_path / "subs", ["ana"])
    cheap_class(tmp_path / "feedback", ["bia"])
    write_eval_set(tmp_path / "e.npz")
    np.savez(tmp_path / "bad.npz", x=np.zeros((4, 32, 32, 3), np.uint8), y=np.zeros(4, int))
    (tmp_path / "r.toml").write_text("[[accuracy]]\nmin = 0.9\n")
    assert cli.main(args) == 2
    assert message in capsys.readouterr().err


def test_every_grade_option_is_a_flag_that_keeps_its_default(capsys):
    parser = cli.make_parser()
    required = ["grade", "subs", "--eval-set", "e.npz", "--out", "g.csv"]
    assert grading.GradeOptions.from_arguments(parser.parse_args(required)) == \
        grading.GradeOptions()
    given = parser.parse_args([*required, "--workers", "3", "--timeout", "9.5",
                               "--memory-mb", "999", "--execute", "--notebook-timeout", "30",
                               "--shard", "2/4", "--force", "--rubric", "r.toml"])
    assert grading.GradeOptions.from_arguments(given) == grading.GradeOptions(
        workers=3, timeout=9.5, memory_mb=999, execute=True, notebook_timeout=30.0,
        shard="2/4", force=True, rubric=Path("r.toml"))
    with pytest.raises(SystemExit):
        cli.main(["grade", "--help"])
    assert "seconds to load one model and predict (default 120)" in capsys.readouterr().out


@pytest.mark.parametrize("status", list(grading.Status), ids=str)
def test_the_feedback_words_each_status_as_the_status_enum_does(status):
    row = {"student": "ana", "name": "", "status": status.value, "accuracy": "",
           "points": "0", "message": "", "experiments": "missing", "notebook": "",
           "pixel_scale": "", "scale_accuracies": ""}
    text = grading.feedback_text(row, grading.load_rubric(), 10)
    assert f"`{status.value}`: {status.portuguese}." in text
    assert status.english and status.portuguese != status.english


def test_write_atomic_leaves_the_old_file_whole_when_the_rename_fails(tmp_path, monkeypatch):
    from course_utils import _atomic

    target = tmp_path / "g.csv"
    _atomic.write_atomic(target, "old\r\n")
    assert target.read_bytes() == b"old\r\n"  # no newline translation

    def fail(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(_atomic.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        _atomic.write_atomic(target, b"new")
    assert target.read_bytes() == b"old\r\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["g.csv"]


def test_rubric_points_follow_the_highest_threshold_reached():
    rubric = grading.parse_rubric(
        "[[accuracy]]\nmin = 0.5\npoints = 1\n[[accuracy]]\nmin = 0.9\npoints = 4\n"
        "[experiments]\npoints = 2\n")
    assert rubric.accuracy_points(0.95) == (4.0, 0.9)
    assert rubric.accuracy_points(0.7) == (1.0, 0.5)
    assert rubric.accuracy_points(0.1) == (0.0, None)
    assert rubric.total == 6.0 and rubric.notebook == 0.0
    assert grading.load_rubric().total == 10.0
    table = grading.load_rubric().to_markdown().splitlines()
    assert "| Acurácia de pelo menos 92,5 % no conjunto de avaliação privado | 7 |" in table
    assert table[-3] == "| **Total** | **10** |"
    with pytest.raises(grading.GradingError, match="unknown section"):
        grading.parse_rubric("[bonus]\npoints = 1\n")
    with pytest.raises(grading.GradingError, match=r"in \[0, 1\] \(a fraction"):
        grading.parse_rubric("[[accuracy]]\nmin = 92.5\npoints = 1\n")
    with pytest.raises(grading.GradingError, match="finite"):
        grading.parse_rubric("[[accuracy]]\nmin = 0.9\npoints = inf\n")


def test_make_eval_set_draws_perturbed_test_images_with_their_labels(tmp_path):
    from course_utils import datasets

    _, (x_test, y_test) = datasets.load_fashion_mnist(fast=False)
    size = min(20, len(y_test))
    path = grading.make_eval_set(tmp_path / "private.npz", seed=7, size=size)
    x, y, fingerprint = grading.load_eval_set(path)
    assert x.shape == (size, 28, 28) and x.dtype == np.uint8 and len(fingerprint) == 16
    assert sorted(np.bincount(y, minlength=10)) == sorted(
        np.bincount(datasets.stratified_subset(x_test, y_test, size, seed=0)[1], minlength=10))
    assert not any(np.array_equal(a, b) for a in x for b in x_test)  # perturbed, not copied
    for image, label in zip(x, y):  # ... yet each is a test image plus a little noise
        gaps = np.abs(x_test.astype(int) - image).max(axis=(1, 2))
        assert gaps.min() <= grading.EVAL_NOISE and y_test[gaps.argmin()] == label
    again = grading.make_eval_set(tmp_path / "again.npz", seed=7, size=size)
    assert np.array_equal(np.load(again)["x"], x)
    with pytest.raises(grading.GradingError, match="larger than the test split"):
        grading.make_eval_set(tmp_path / "big.npz", size=len(y_test) + 1)


def test_the_probe_hides_private_folders_and_files_inside_the_sandbox(tmp_path):
    try:
        subprocess.run(["unshare", "--user", "--map-root-user", "--net", "--mount", "true"],
                       check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"unshare does not work here: {error}")
    folder, lone_file = tmp_path / "secret", tmp_path / "other" / "private.npz"
    for path in (folder / "private.npz", lone_file):
        path.parent.mkdir()
        path.write_bytes(b"labels")
    # Inside, the probe opens each path, lists the folder, tries to unmount both and to
    # reach the network and to write next to Python; any success is a problem.
    isolation = sandbox.probe([folder, lone_file])
    assert isolation.namespaces, isolation.problems
    assert isolation.hide == [folder, lone_file]


def test_without_namespaces_the_sandbox_falls_back_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(jail.shutil, "which", lambda name: None)  # no `unshare` here
    write_notebook(tmp_path / "subs" / "ana", "ana", "print('olá')")
    private = write_eval_set(tmp_path / "private.npz")
    log = io.StringIO()
    result = grading.grade(tmp_path / "subs", private, tmp_path / "g.csv", execute=True,
                           notebook_timeout=NOTEBOOK_TIMEOUT, stream=log)
    assert not result["isolation"].namespaces
    assert "WARNING: sandbox without namespaces" in log.getvalue()
    [row] = grading.read_gradebook(tmp_path / "g.csv")
    assert (row["status"], row["notebook"]) == ("missing_files", "ran")


def test_ctrl_c_keeps_the_rows_written_and_a_rerun_grades_the_rest(tmp_path):
    submissions = cheap_class(tmp_path / "subs", ["ana", "bia", "caio"])
    save_raw(slow_model(), submissions / "slow", "slow")
    private = write_eval_set(tmp_path / "private.npz")
    out = tmp_path / "g.csv"
    command = [sys.executable, "-m", "course_utils.cli", "grade", str(submissions),
               "--eval-set", str(private), "--out", str(out), "--workers", "2"]
    # A shell's background job (`pytest &`, some CI runners) ignores SIGINT, and a child
    # inherits that: give the grader Ctrl-C's default action, as in an instructor's terminal.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait for the three quick rows (header + 3 lines)
        if out.exists() and len(out.read_text().splitlines()) == 4:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the three quick rows never appeared in {out}")
    time.sleep(1)  # the slow model is now in its sandbox
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "interrupted" in err.decode()
    assert sorted(row["student"] for row in grading.read_gradebook(out)) == ["ana", "bia", "caio"]

    # The same command again grades only the missing student (here stopped by a short timeout).
    grading.grade(submissions, private, out, timeout=3, stream=io.StringIO())
    rows = {row["student"]: row["status"] for row in grading.read_gradebook(out)}
    assert rows == {"ana": "missing_files", "bia": "missing_files", "caio": "missing_files",
                    "slow": "timeout"}
