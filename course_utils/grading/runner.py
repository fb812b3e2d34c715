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
from course_utils.grading import similarity
from course_utils.grading.errors import SubmissionError
from course_utils.grading.gradebook import (
    NOTEBOOK_STATUSES,
    STATUSES,
    format_scale_accuracies,
    spreadsheet_safe,
)
from course_utils.grading.modelfile import check_model_file
from course_utils.grading.rubric import Rubric
from course_utils.grading.lms import Download, Submission, unpack

@dataclass
class Context:
    """Everything grading one submission needs; shared by the worker threads."""

    x: np.ndarray
    y: np.ndarray
    public_x: np.ndarray
    public_y: np.ndarray
    fingerprint: str
    rubric: Rubric
    limits: sandbox.Limits
    notebook_timeout: float
    execute: bool
    isolation: sandbox.Isolation
    workroot: Path
    workers: int
    stop: threading.Event
    records: Path | None = None
    """Folder of the records of the copied-model check (:mod:`~.similarity`); ``None``:
    none kept."""


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


@dataclass
class Scored:
    """What the model's run gave: its status, its accuracy and the pixel scale it was
    scored with (with the accuracy under each scale on the public images)."""

    status: str
    accuracy: float | None = None
    message: str = ""
    scale: str = ""
    scale_accuracies: dict[str, float] = dataclasses.field(default_factory=dict)
    predictions: np.ndarray | None = None
    """The class predicted for each evaluation image, under ``scale``."""


def _read_classes(workdir: Path, name: str, count: int) -> np.ndarray:
    """The classes the sandbox wrote in ``name``: uint8 ``(scales, count)`` in 0–9.

    Raises ``ValueError`` (unreadable, wrong shape or values): the sandbox is untrusted."""
    rows = len(challenge.PIXEL_SCALES)
    raw = sandbox.read_untrusted(workdir / name, rows * count + 4096)
    classes = np.load(io.BytesIO(raw), allow_pickle=False)
    if (classes.shape != (rows, count) or classes.dtype.kind not in "iu"
            or classes.min() < 0 or classes.max() > 9):
        raise ValueError(f"{name}: expected {rows} x {count} classes 0–9, got "
                         f"{classes.dtype} {classes.shape}")
    return classes


def _score(context: Context, workdir: Path) -> Scored:
    """Choose the pixel scale on the public images, score the evaluation set with it."""
    try:
        public = _read_classes(workdir, sandbox.PUBLIC_PREDICTIONS_FILE, len(context.public_y))
        private = _read_classes(workdir, sandbox.PREDICTIONS_FILE, len(context.y))
    except (OSError, ValueError) as error:
        return Scored("wrong_predictions", message=f"unreadable predictions: {error}")
    scales = list(challenge.PIXEL_SCALES)
    scale, accuracies = challenge.choose_pixel_scale(dict(zip(scales, public)),
                                                     context.public_y)
    accuracy = float(np.mean(private[scales.index(scale)] == context.y))
    message = ""
    if max(accuracies.values()) < challenge.CHANCE_ACCURACY:
        message = "at chance on the public images under every pixel scale"
    elif scale != challenge.DEFAULT_SCALE:
        message = f"scored with pixel scale {scale} (the model expects it)"
    return Scored("ok", accuracy, message, scale, accuracies, private[scales.index(scale)])


def _keep_record(context: Context, student: str, files: Path, scored: Scored) -> Scored:
    """Keep what :mod:`~.similarity` needs of a scored model (its file as unpacked here,
    never the sandbox's copy); ``scored``, with a note when the record could not be made
    (the grade never depends on it)."""
    if scored.status != "ok" or context.records is None or scored.predictions is None:
        return scored
    note = similarity.keep_record(context.records, student, files / challenge.MODEL_FILE,
                                  scored.predictions, context.y, context.fingerprint)
    return dataclasses.replace(scored, message="; ".join(filter(None, [scored.message, note])))


def _predict(context: Context, student: str, files: Path) -> Scored:
    """Run the model in the sandbox on the evaluation and public images; score it here."""
    workdir = _new_workdir(context, student, files)
    try:
        np.save(workdir / sandbox.IMAGES_FILE, context.x)
        np.save(workdir / sandbox.PUBLIC_IMAGES_FILE, context.public_x)
        outcome = sandbox.run("predict", workdir, [], context.limits, context.isolation,
                              context.stop)
        ended = _ended_status(outcome, context.limits)
        if ended:
            return Scored(*ended)
        result = sandbox.read_result(workdir)
        if result is None:
            return Scored("crashed", message=_crash_message(outcome))
        if result["status"] != "ok":
            status = result["status"] if result["status"] in STATUSES else "crashed"
            return Scored(status, message=result["message"])
        return _keep_record(context, student, files, _score(context, workdir))
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


def _experiments(files: Path, student: str | None) -> tuple[str, str]:
    """``("valid" | "invalid" | "missing", message)`` for ``experiments.json``; a note when
    its ``student_id`` is not ``student`` (``None``: not checked)."""
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
    if student is not None and document["student_id"] != student:
        note = f"student_id in the file is {document['student_id']!r}"
    return "valid", note


def _grade_model(context: Context, student: str, files: Path) -> Scored:
    """How the submission's model scores (or why it does not)."""
    model = files / challenge.MODEL_FILE
    if not model.is_file():
        return Scored("missing_files", message=f"no {challenge.MODEL_FILE} in the submission")
    try:
        check_model_file(model)
    except SubmissionError as error:
        return Scored(error.status, message=str(error))
    return _predict(context, student, files)


def grade_one(submission: Submission, download: Download,
              context: Context) -> dict[str, str] | None:
    """Grade one submission; its gradebook row, or ``None`` if grading was interrupted."""
    start = time.monotonic()
    student = submission.student
    scored, messages = Scored("ok"), []
    experiments, notebook = "missing", ""
    unpacked = Path(tempfile.mkdtemp(prefix=f"{student}-files-", dir=context.workroot))
    try:
        files = unpack(submission, download, unpacked)
        # In an LMS download the key is the LMS's, not the id the student chose.
        experiments, note = _experiments(files, None if submission.lms_id else student)
        if note:
            messages.append(f"experiments: {note}")
        scored = _grade_model(context, student, files)
        messages.insert(0, scored.message)
        if context.execute:  # the notebook is graded even when the model is not
            notebook, message = _run_notebook(context, student, files)
            if message:
                messages.append(f"notebook: {message}")
    except SubmissionError as error:
        scored = Scored(error.status)
        messages.insert(0, str(error))
    except Exception as error:  # never let one submission stop the batch
        scored = Scored("crashed")
        messages.insert(0, f"the grader failed on this submission: {type(error).__name__}: "
                           f"{error}")
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)
    if context.stop.is_set():
        return None
    return _row(submission, scored, experiments, notebook, messages, context,
                time.monotonic() - start)


def _row(submission: Submission, scored: Scored, experiments: str, notebook: str,
         messages: list[str], context: Context, seconds: float) -> dict[str, str]:
    """The gradebook row of a graded submission (see :data:`~.gradebook.COLUMNS`)."""
    accuracy = scored.accuracy if scored.status == "ok" else None
    points = context.rubric.accuracy_points(accuracy)[0]
    points += context.rubric.experiments if experiments == "valid" else 0.0
    points += context.rubric.notebook if notebook == "ran" else 0.0
    return {
        "student": submission.student,
        "name": spreadsheet_safe(submission.name),
        "lms_id": submission.lms_id,
        "status": scored.status,
        "accuracy": "" if accuracy is None else f"{accuracy:.4f}",
        "points": f"{points:g}",
        "seconds": f"{seconds:.1f}",
        "message": spreadsheet_safe(" | ".join(m for m in messages if m)),
        "experiments": experiments,
        "notebook": notebook,
        "pixel_scale": scored.scale,
        "scale_accuracies": format_scale_accuracies(scored.scale_accuracies),
        "eval_set": context.fingerprint,
    }
