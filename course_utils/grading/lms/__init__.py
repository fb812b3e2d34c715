"""The class's submissions as the instructor has them (the LMS's download, one row per
student), and the grades and feedback going back to the LMS.

``course grade SUBMISSIONS`` takes a folder or the LMS's ``.zip`` of the whole class and
recognises its layout by the entries' names alone; each LMS is one module with a
:class:`~.base.Layout`: :mod:`~.moodle`, :mod:`~.canvas`, and :mod:`~.plain` (anything else:
one folder or ``.zip`` per student, named by the student). In an LMS layout an entry whose
name does not fit is graded as a plain entry of its own. A new LMS is one new module whose
layout is added to :data:`LAYOUTS`.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from course_utils.grading.errors import GradingError
from course_utils.grading.gradebook import read_gradebook
from course_utils.grading.lms.base import (
    Download,
    Export,
    FeedbackZip,
    Filled,
    GradeFiles,
    Graded,
    Layout,
    Member,
    NotWritten,
    Part,
    Submission,
    option_flag,
    shown_list,
    slug,
    unpack,
)
from course_utils.grading.lms.canvas import Canvas
from course_utils.grading.lms.moodle import Moodle
from course_utils.grading.lms.plain import Plain, plain_submission

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (Moodle(), Canvas(), Plain())}
"""Every layout, by its ``--lms`` name."""

LMS_NAMES = tuple(LAYOUTS)
"""Values of ``--lms``."""


def looks_like_class(entries: dict[str, bool]) -> bool:
    """Whether some entry is named as an LMS names a download's entries."""
    return any(layout.matches(name) for layout in LAYOUTS.values() for name in entries)


def detect(entries: dict[str, bool]) -> str:
    """The LMS whose names most entries have (``"plain"`` when none has any)."""
    counts = Counter(next((name for name, layout in LAYOUTS.items() if layout.matches(entry)),
                          None) for entry in entries)
    counts.pop(None, None)
    return counts.most_common(1)[0][0] if counts else "plain"


@dataclass
class Class:
    """The class read from a download: its layout, its submissions and what was noticed."""

    download: Download
    lms: str
    submissions: list[Submission]
    others: list[str]

    @property
    def layout(self) -> Layout:
        """The LMS that named the download."""
        return LAYOUTS[self.lms]

    def describe(self) -> str:
        """One line for the grader's output: what was found, and how."""
        label = self.layout.label
        text = (f"submissions: {label} ({self.download.path.name}): "
                f"{len(self.submissions)} student(s) from {len(self.download.entries)} "
                "entries")
        teams = [s.name for s in self.submissions if len(s.members) > 1]
        if teams:
            text += (f"; {len(teams)} team(s) whose members' entries hold the same files, "
                     f"graded once: {shown_list(teams)}")
        if self.others and self.lms != "plain":
            text += (f"; {len(self.others)} entr(y/ies) not named as {self.layout.title} "
                     f"names them, graded one per entry: {shown_list(self.others)}")
        return text


def read_class(path: str | os.PathLike, lms: str | None = None) -> Class:
    """The submissions in the folder or ``.zip`` ``path``; ``lms`` forces the layout."""
    if lms is not None and lms not in LMS_NAMES:
        raise GradingError(f"--lms must be one of {', '.join(LMS_NAMES)}, got {lms!r}")
    download = Download(path, looks_like_class)
    name = lms or detect(download.entries)
    submissions, others = LAYOUTS[name].read(download)
    submissions += [plain_submission(entry) for entry in others]
    keys: dict[str, Submission] = {}
    for submission in submissions:
        if submission.student in keys:
            first = keys[submission.student]
            raise GradingError(
                f"two entries give the same student {submission.student!r}: "
                f"{first.parts[0].entry} and {submission.parts[0].entry}; rename one")
        keys[submission.student] = submission
    ordered = [keys[key] for key in sorted(keys)]
    return Class(download, name, ordered, others)


def check_grade_files(roster: Class, files: GradeFiles, submissions: str | os.PathLike) -> None:
    """Before any grading: refuse grade files of another LMS than ``roster``'s, and grade
    files its LMS could not take (``GradingError``)."""
    layout = roster.layout
    for option in files.given():
        owner = next(other for other in LAYOUTS.values() if option in other.options)
        if owner is not layout:
            raise GradingError(
                f"{option_flag(option)} fills a {owner.title} file, but {submissions} is not a "
                f"{owner.title} download ({roster.describe()}); pass --lms {owner.name} if it "
                "is one")
    layout.check(files)


def write_lms_files(out: str | os.PathLike, roster: Class, total: float,
                    files: GradeFiles = GradeFiles(),
                    feedback: list[Path] | None = None) -> list[Export]:
    """Next to gradebook ``out``: the grades and the feedback files in the LMS's formats.

    Every row of ``out`` counts, including those of earlier runs; ``total`` is the
    rubric's. Feedback files are looked for in ``feedback`` (default: the ``feedback/``
    folder next to ``out``). Moodle: ``moodle_grades.csv`` and ``moodle_feedback.zip``;
    Canvas: ``canvas_grades.csv`` and ``canvas_feedback.zip``; nothing for a plain folder.
    """
    out = Path(out)
    by_student = {submission.student: submission for submission in roster.submissions}
    graded = [Graded(row, by_student.get(row["student"])) for row in read_gradebook(out)]
    return roster.layout.export(graded, total, out.parent, files,
                                feedback or [out.parent / "feedback"])


__all__ = [
    "LAYOUTS", "LMS_NAMES", "Class", "Download", "Export", "FeedbackZip", "Filled", "GradeFiles",
    "Graded", "Layout", "Member", "NotWritten", "Part", "Submission", "check_grade_files",
    "detect", "looks_like_class", "read_class", "slug", "unpack", "write_lms_files",
]
