"""Grading one submission: its files, its model and notebook run in sandboxes, its row."""

from __future__ import annotations

import dataclasses
import io
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils import challenge, sandbox
from course_utils.grading.errors import SubmissionError
from course_utils.grading.gradebook import NOTEBOOK_STATUSES, STATUSES, spreadsheet_safe
from course_utils.grading.modelfile import check_model_file
from course_utils.grading.rubric import Rubric
from course_utils.grading.submissions import unpack

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
        "message": spreadsheet_safe(" | ".join(m for m in messages if m)),
        "experiments": experiments,
        "notebook": notebook,
        "eval_set": context.fingerprint,
    }
