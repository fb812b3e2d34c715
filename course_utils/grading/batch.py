"""Grading a class: checks of the options, the sandbox probe, a pool of workers, progress,
signals, and the files the LMS imports afterwards."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import os
import signal
import shutil
import sys
import tempfile
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from course_utils import challenge, datasets
from course_utils._atomic import write_atomic
from course_utils.grading import sandbox
from course_utils.grading.errors import GradingError
from course_utils.grading.evalset import load_eval_set
from course_utils.grading.feedback import feedback_text
from course_utils.grading.gradebook import COLUMNS, open_gradebook
from course_utils.grading.lms import (
    Download,
    GradeFiles,
    Submission,
    check_grade_files,
    read_class,
    write_lms_files,
)
from course_utils.grading import similarity
from course_utils.grading.modelfile import require_safe_keras
from course_utils.grading.rubric import load_rubric
from course_utils.grading.options import GradeOptions
from course_utils.grading.runner import GradeJob, grade_one
from course_utils.grading.submissions import in_shard, parse_shard


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
              Path(sys.executable).resolve().parent, Path(challenge.__file__).parents[1],
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


class Stopped(KeyboardInterrupt):
    """The grader got SIGTERM or SIGHUP: it stops as on Ctrl-C (sandboxes killed, rows kept)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Stopped` in the main thread, as SIGINT raises
    KeyboardInterrupt; the previous handlers come back afterwards. A signal ignored on
    purpose (``nohup course grade ...`` ignores SIGHUP) stays ignored; outside the main
    thread (signals cannot be handled there) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGHUP)
                if signal.getsignal(signum) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _check_places(submissions: Path, out: Path) -> Path:
    """Refuse an ``out`` inside the submissions (or the reverse); the feedback folder."""
    if out.resolve().is_relative_to(submissions.resolve()):
        raise GradingError(f"--out {out} must not be inside the submissions folder")
    if out.is_dir():
        raise GradingError(f"--out {out} is a folder; give a .csv file name")
    feedback = out.parent / "feedback"
    if submissions.resolve().is_relative_to(feedback.resolve()):
        raise GradingError(f"the feedback folder {feedback} of --out {out} holds the "
                           "submissions; choose another --out")
    return feedback


def _public_sample() -> tuple[np.ndarray, np.ndarray]:
    """The public images (Fashion-MNIST training split) on which pixel scales are chosen."""
    try:
        return challenge.public_sample()
    except (datasets.DatasetError, datasets.DatasetUnavailableError) as error:
        raise GradingError(f"the Fashion-MNIST training split is needed to choose each "
                           f"model's pixel scale: {error}") from error


def grade(
    submissions: str | os.PathLike,
    eval_set: str | os.PathLike,
    out: str | os.PathLike,
    options: GradeOptions | None = None,
    *,
    stream: TextIO = sys.stderr,
    lms: str | None = None,
    worksheet: str | os.PathLike | None = None,
    canvas_export: str | os.PathLike | None = None,
    canvas_column: str | None = None,
    **option_values: Any,
) -> dict[str, Any]:
    """Grade every submission (of ``options.shard``) not yet in gradebook ``out``; see the
    module doc. ``options`` (default: :class:`~.options.GradeOptions`'s defaults) may be
    changed by keyword: ``grade(..., workers=2, timeout=60)``.

    ``submissions`` is a folder or the LMS's ``.zip`` of the class (:mod:`~.lms`; ``lms``
    forces the layout). Returns ``{"graded": [rows], "skipped": int, "isolation":
    Isolation, "class": Class, "exports": [lms.Export], "similar": [Pair]}``. Rows
    are appended to ``out`` one by one as they finish, and each feedback file is written to
    ``out``'s folder ``feedback/``. Ctrl-C, SIGTERM and SIGHUP kill the running sandboxes
    and keep every row already written; running again grades the rest (``force``:
    everything again). Once the
    class is graded, every pair of scored models is compared (:mod:`~.similarity`:
    ``similarity.csv`` and the ``similar_to`` column) and the files the LMS imports are
    written next to ``out`` (:func:`write_lms_files`).
    """
    options = dataclasses.replace(options or GradeOptions(), **option_values)
    submissions, out = Path(submissions), Path(out)
    feedback = _check_places(submissions, out)
    lms_class = read_class(submissions, lms)
    x, y, fingerprint = load_eval_set(eval_set)
    rules = load_rubric(options.rubric)
    require_safe_keras()
    files = GradeFiles(*(None if path is None else Path(path)
                         for path in (worksheet, canvas_export)), canvas_column)
    check_grade_files(lms_class, files, submissions)
    students = lms_class.submissions
    if options.shard:
        index = parse_shard(options.shard)
        students = [s for s in students if in_shard(s.student, index)]
    public_x, public_y = _public_sample()
    stream.write(lms_class.describe() + "\n")
    gradebook, done = open_gradebook(out, fingerprint, options.force)
    todo = [s for s in students if s.student not in done]
    workroot = Path(tempfile.mkdtemp(prefix="course-grade-"))
    records = out.parent / similarity.DATA_FOLDER
    workers: sandbox.Workers | None = None
    try:
        with _stop_on_signals():
            feedback.mkdir(exist_ok=True)
            records.mkdir(exist_ok=True)
            hide = _hidden_paths([Path(eval_set).resolve(), out.resolve(),
                                  submissions.resolve(), feedback.resolve(),
                                  records.resolve()], _keep_paths(workroot))
            isolation = sandbox.probe(hide)
            stream.write(isolation.describe() + "\n")
            workers = sandbox.Workers("predict", workroot, isolation)
            job = GradeJob(x=x, y=y, public_x=public_x, public_y=public_y,
                           fingerprint=fingerprint, rubric=rules, options=options,
                           isolation=isolation, workroot=workroot, workers=workers,
                           stop=threading.Event(), records=records)
            rows = _grade_all(todo, lms_class.download, job, gradebook, feedback, stream)
    finally:
        if workers is not None:
            workers.close()
        gradebook.close()
        shutil.rmtree(workroot, ignore_errors=True)
    pairs = similarity.check_class(out, y, fingerprint)
    exports = write_lms_files(out, lms_class, rules.total, files)
    return {"graded": rows, "skipped": len(students) - len(todo), "isolation": isolation,
            "class": lms_class, "exports": exports, "similar": pairs}


def _grade_all(todo: list[Submission], download: Download, job: GradeJob,
               gradebook: TextIO, feedback: Path, stream: TextIO) -> list[dict[str, str]]:
    """Grade ``todo`` on a thread pool (each thread with its warm sandbox), writing each
    row and feedback as it finishes."""
    writer = csv.DictWriter(gradebook, fieldnames=COLUMNS)
    progress = _Progress(len(todo), stream)
    rows: list[dict[str, str]] = []
    pool = ThreadPoolExecutor(max_workers=max(1, min(job.options.workers, len(todo))))
    try:
        futures = {pool.submit(grade_one, s, download, job): s.student for s in todo}
        for future in _as_completed(futures):
            row = future.result()
            if row is None:
                continue
            write_atomic(feedback / f"{row['student']}.md",
                         feedback_text(row, job.rubric, len(job.y)))
            writer.writerow(row)
            gradebook.flush()
            os.fsync(gradebook.fileno())
            rows.append(row)
            progress.update(row)
    except BaseException:
        job.stop.set()
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
