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

from course_utils import challenge
from course_utils.grading import sandbox, similarity
from course_utils.grading.errors import SubmissionError
from course_utils.grading.gradebook import format_scale_accuracies, spreadsheet_safe
from course_utils.grading.lms import Download, Submission, unpack
from course_utils.grading.modelfile import check_model_file
from course_utils.grading.options import GradeOptions
from course_utils.grading.rubric import Rubric
from course_utils.grading.sandbox import tasks
from course_utils.grading.status import ExperimentsStatus, NotebookStatus, Status


@dataclass(frozen=True, kw_only=True)
class GradeJob:
    """Everything grading one submission needs; shared by the grading threads."""

    x: np.ndarray
    """The private evaluation images: the sandbox sees them, never their labels ``y``."""
    y: np.ndarray
    public_x: np.ndarray
    """Public images (and ``public_y``, their labels) on which each pixel scale is chosen."""
    public_y: np.ndarray
    fingerprint: str
    rubric: Rubric
    options: GradeOptions
    isolation: sandbox.Isolation
    workroot: Path
    workers: sandbox.Workers
    """The warm ``predict`` sandboxes, one per grading thread."""
    stop: threading.Event
    records: Path | None = None
    """Folder of the records of the copied-model check (:mod:`~.similarity`); ``None``:
    none kept."""


def _find_notebook(folder: Path) -> Path | None:
    notebooks = sorted(folder.rglob("*.ipynb"))
    notebooks = [path for path in notebooks if ".ipynb_checkpoints" not in path.parts]
    preferred = [path for path in notebooks if "desafio_fashion_mnist" in path.name]
    return (preferred or notebooks or [None])[0]


def _fill_workdir(workdir: Path, files: Path) -> Path:
    """``workdir``, a fresh sandbox folder, given a copy of ``files`` and a home folder."""
    shutil.copytree(files, workdir, dirs_exist_ok=True, symlinks=True)
    for name in ("home/jupyter", "home/ipython", "home/matplotlib"):
        (workdir / name).mkdir(parents=True, exist_ok=True)
    return workdir


@dataclass(frozen=True)
class Scored:
    """What the model's run gave: its status, its accuracy and the pixel scale it was
    scored with (with the accuracy under each scale on the public images)."""

    status: Status
    accuracy: float | None = None
    message: str = ""
    scale: str = ""
    scale_accuracies: dict[str, float] = dataclasses.field(default_factory=dict)
    predictions: np.ndarray | None = None
    """The class predicted for each evaluation image, under ``scale``."""
    waited: float = 0.0
    """Seconds spent starting a warm sandbox first (shared work, not this submission's)."""


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


def _score(job: GradeJob, workdir: Path) -> Scored:
    """Choose the pixel scale on the public images, score the evaluation set with it."""
    try:
        public = _read_classes(workdir, tasks.PUBLIC_PREDICTIONS_FILE, len(job.public_y))
        private = _read_classes(workdir, tasks.PREDICTIONS_FILE, len(job.y))
    except (OSError, ValueError) as error:
        return Scored(Status.WRONG_PREDICTIONS, message=f"unreadable predictions: {error}")
    scales = list(challenge.PIXEL_SCALES)
    scale, accuracies = challenge.choose_pixel_scale(dict(zip(scales, public)), job.public_y)
    accuracy = float(np.mean(private[scales.index(scale)] == job.y))
    message = ""
    if max(accuracies.values()) < challenge.CHANCE_ACCURACY:
        message = "at chance on the public images under every pixel scale"
    elif scale != challenge.DEFAULT_SCALE:
        message = f"scored with pixel scale {scale} (the model expects it)"
    return Scored(Status.OK, accuracy, message, scale, accuracies, private[scales.index(scale)])


def _keep_record(job: GradeJob, student: str, files: Path, scored: Scored) -> Scored:
    """Keep what :mod:`~.similarity` needs of a scored model (its file as unpacked here,
    never the sandbox's copy); ``scored``, with a note when the record could not be made
    (the grade never depends on it)."""
    if scored.status != Status.OK or job.records is None or scored.predictions is None:
        return scored
    note = similarity.keep_record(job.records, student, files / challenge.MODEL_FILE,
                                  scored.predictions, job.y, job.fingerprint)
    return dataclasses.replace(scored, message="; ".join(filter(None, [scored.message, note])))


def _predict(job: GradeJob, student: str, files: Path) -> Scored:
    """Run the model in this thread's warm sandbox on the evaluation and public images;
    score it here."""
    worker = job.workers.mine()
    workdir = _fill_workdir(worker.new_job(f"{student}-"), files)
    try:
        np.save(workdir / tasks.IMAGES_FILE, job.x)
        np.save(workdir / tasks.PUBLIC_IMAGES_FILE, job.public_x)
        outcome = worker.run(workdir, job.options.limits(), job.stop)
        scored = _judge(job, student, files, workdir, outcome)
        return dataclasses.replace(scored, waited=outcome.waited)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _judge(job: GradeJob, student: str, files: Path, workdir: Path,
           outcome: sandbox.Outcome) -> Scored:
    """What the ``predict`` sandbox's run in ``workdir`` means for the submission."""
    ended = _ended_status(outcome, job.options.limits())
    if ended:
        return Scored(Status(ended[0]), message=ended[1])
    result = sandbox.read_result(workdir)
    if result is None:
        return Scored(Status.CRASHED, message=_crash_message(outcome))
    if result["status"] != Status.OK:
        known = result["status"] in Status.values()
        return Scored(Status(result["status"]) if known else Status.CRASHED,
                      message=result["message"])
    return _keep_record(job, student, files, _score(job, workdir))


def _ended_status(outcome: sandbox.Outcome, limits: sandbox.Limits) -> tuple[str, str] | None:
    """``(status, message)`` when the watchdog stopped the sandbox, else ``None``; the
    status is a value of both :class:`~.status.Status` and :class:`~.status.NotebookStatus`."""
    if outcome.ended == "timeout":
        return Status.TIMEOUT.value, f"stopped after {limits.timeout:g} s"
    if outcome.ended == "out_of_memory":
        return Status.OUT_OF_MEMORY.value, (f"stopped at {outcome.peak_memory_mb:.0f} MB "
                                            f"(limit {limits.memory_mb} MB)")
    if outcome.ended == "too_many_processes":
        return Status.CRASHED.value, f"stopped: more than {limits.max_processes} processes"
    return None


def _crash_message(outcome: sandbox.Outcome) -> str:
    code = outcome.returncode
    if code == sandbox.EXIT_SETUP_FAILED:
        return "the sandbox could not be set up: " + outcome.log.strip()[-500:]
    tail = outcome.log.strip().splitlines()[-3:]
    return f"exited with status {code} without an answer; " + " | ".join(tail)[-800:]


def _run_notebook(job: GradeJob, student: str, files: Path) -> tuple[NotebookStatus, str]:
    """Execute the notebook in a fresh sandbox of its own: ``(status, message)``."""
    notebook = _find_notebook(files)
    if notebook is None:
        return NotebookStatus.MISSING, NotebookStatus.MISSING.english
    workdir = Path(tempfile.mkdtemp(prefix=f"{student}-", dir=job.workroot))
    try:
        _fill_workdir(workdir, files)
        limits = job.options.notebook_limits()
        outcome = sandbox.run("notebook", workdir,
                              [str(notebook.relative_to(files)), f"{limits.timeout}"],
                              limits, job.isolation, job.stop)
        ended = _ended_status(outcome, limits)
        if ended:
            return NotebookStatus(ended[0]), ended[1]
        result = sandbox.read_result(workdir)
        if result is None or result["status"] not in NotebookStatus.values():
            return NotebookStatus.CRASHED, _crash_message(outcome)
        return NotebookStatus(result["status"]), result["message"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _experiments(files: Path, student: str | None) -> tuple[ExperimentsStatus, str]:
    """Whether ``experiments.json`` follows the format, and why not; a note when its
    ``student_id`` is not ``student`` (``None``: not checked)."""
    path = files / challenge.EXPERIMENTS_FILE
    if not path.is_file():
        return ExperimentsStatus.MISSING, ExperimentsStatus.MISSING.english
    if path.stat().st_size > 2**20:
        return ExperimentsStatus.INVALID, f"{challenge.EXPERIMENTS_FILE} is larger than 1 MiB"
    try:
        document = challenge.load_experiments(path)
    except (OSError, ValueError) as error:
        return (ExperimentsStatus.INVALID,
                str(error).replace(str(path), challenge.EXPERIMENTS_FILE))
    note = ""
    if student is not None and document["student_id"] != student:
        note = f"student_id in the file is {document['student_id']!r}"
    return ExperimentsStatus.VALID, note


def _grade_model(job: GradeJob, student: str, files: Path) -> Scored:
    """How the submission's model scores (or why it does not)."""
    model = files / challenge.MODEL_FILE
    if not model.is_file():
        return Scored(Status.MISSING_FILES, message=Status.MISSING_FILES.english)
    try:
        check_model_file(model)
    except SubmissionError as error:
        return Scored(Status(error.status), message=str(error))
    return _predict(job, student, files)


def grade_one(submission: Submission, download: Download,
              job: GradeJob) -> dict[str, str] | None:
    """Grade one submission; its gradebook row, or ``None`` if grading was interrupted."""
    start = time.monotonic()
    student = submission.student
    scored, messages = Scored(Status.OK), []
    experiments, notebook = ExperimentsStatus.MISSING, NotebookStatus.NOT_RUN
    unpacked = Path(tempfile.mkdtemp(prefix=f"{student}-files-", dir=job.workroot))
    try:
        files = unpack(submission, download, unpacked)
        # In an LMS download the key is the LMS's, not the id the student chose.
        experiments, note = _experiments(files, None if submission.lms_id else student)
        if note:
            messages.append(f"experiments: {note}")
        scored = _grade_model(job, student, files)
        messages.insert(0, scored.message)
        if job.options.execute:  # the notebook is graded even when the model is not
            notebook, message = _run_notebook(job, student, files)
            if message:
                messages.append(f"notebook: {message}")
    except SubmissionError as error:
        scored = Scored(Status(error.status))
        messages.insert(0, str(error))
    except Exception as error:  # never let one submission stop the batch
        scored = Scored(Status.CRASHED)
        messages.insert(0, f"the grader failed on this submission: {type(error).__name__}: "
                           f"{error}")
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)
    if job.stop.is_set():
        return None
    seconds = time.monotonic() - start - scored.waited
    return _row(submission, scored, experiments, notebook, messages, job, seconds)


def _row(submission: Submission, scored: Scored, experiments: ExperimentsStatus,
         notebook: NotebookStatus, messages: list[str], job: GradeJob,
         seconds: float) -> dict[str, str]:
    """The gradebook row of a graded submission (see :data:`~.gradebook.COLUMNS`)."""
    accuracy = scored.accuracy if scored.status == Status.OK else None
    points = job.rubric.accuracy_points(accuracy)[0]
    points += job.rubric.experiments if experiments == ExperimentsStatus.VALID else 0.0
    points += job.rubric.notebook if notebook == NotebookStatus.RAN else 0.0
    return {
        "student": submission.student,
        "name": spreadsheet_safe(submission.name),
        "lms_id": submission.lms_id,
        "status": scored.status.value,
        "accuracy": "" if accuracy is None else f"{accuracy:.4f}",
        "points": f"{points:g}",
        "seconds": f"{seconds:.1f}",
        "message": spreadsheet_safe(" | ".join(m for m in messages if m)),
        "experiments": experiments.value,
        "notebook": notebook.value,
        "pixel_scale": scored.scale,
        "scale_accuracies": format_scale_accuracies(scored.scale_accuracies),
        "eval_set": job.fingerprint,
    }
