"""Canvas: "Download Submissions", the exported gradebook, "Re-Upload Submissions".

The download (``lib/content_zipper.rb``) names each file
``<sortable name>_[late_]<user id>_<attachment id>_<file>``: the sortable name lowercased
with everything but letters, digits and ``_`` dropped (so it may hold ``_``:
``o_brienpat``), ``LATE`` or ``late`` for a late submission, and ``anon_<anonymous id>``
instead of name and user id under anonymous grading. A file uploaded again has ``-1``
before the extension (``model-1.keras`` is read as ``model.keras``).

Grades go back through the instructor's gradebook export (:func:`fill_gradebook`),
feedback files as comments through "Re-Upload Submissions"
(``<name>_<user id>_<attachment id>_correcao.md``: Canvas takes the first two all-digit
``_``-separated parts as user and attachment).
"""

from __future__ import annotations

import re
from pathlib import Path

from course_utils import challenge
from course_utils.grading.errors import GradingError
from course_utils.grading.lms.base import (
    FEEDBACK_FILE,
    Download,
    Export,
    Filled,
    GradeFiles,
    Graded,
    Layout,
    Member,
    NotWritten,
    Part,
    Submission,
    feedback_zip,
    fill_status,
    slug,
)
from course_utils.grading.lms.csvcells import LmsCsv, Span, delimited_number, format_grade

ANONYMOUS_ENTRY = re.compile(
    r"(?:(?i:late)_)?anon_(?P<anon>[A-Za-z0-9]+)_(?P<attachment>\d+)_(?P<file>.+)", re.S)
"""A download entry under anonymous grading: no name, an anonymous id."""

ENTRY = re.compile(
    r"(?P<name>.+?)_(?:(?i:late)_)?(?P<id>\d+)_(?P<attachment>\d+)_(?P<file>.+)", re.S)
"""A download entry: one file of one student (the name up to the first ``_<id>_<id>_``)."""

REUPLOAD = re.compile(r"(?P<stem>.+)-\d+(?P<suffix>\.[^.]+)")
"""Canvas' name for a file uploaded again: ``model-1.keras``."""

EXPORT_HOWTO = "export it with Grades > Export > Export Entire Gradebook"

ANONYMOUS_NOTE = ("anonymous grading: Canvas' files name no student; enter the grade in "
                  "SpeedGrader")


class Canvas(Layout):
    """Canvas' download, gradebook export and re-upload zip."""

    name = "canvas"
    title = "Canvas"
    label = "Canvas download"
    options = ("canvas_export", "canvas_column")

    def matches(self, entry: str) -> bool:
        return bool(ANONYMOUS_ENTRY.fullmatch(entry) or ENTRY.fullmatch(entry))

    def read(self, download: Download) -> tuple[list[Submission], list[str]]:
        found: dict[str, Submission] = {}
        others = []
        for entry, is_dir in download.entries.items():
            anonymous = ANONYMOUS_ENTRY.fullmatch(entry)
            match = anonymous or ENTRY.fullmatch(entry)
            if not match or is_dir:
                others.append(entry)
                continue
            key = f"anon_{match['anon']}" if anonymous else match["id"]
            submission = found.setdefault(key, _anonymous(key) if anonymous else Submission(
                f"{slug(match['name'], 48)}_{key}", match["name"], key,
                members=[Member(match["name"], key)],
                feedback=[f"{match['name']}_{key}_{match['attachment']}_{FEEDBACK_FILE}"]))
            submission.parts.append(Part(entry, match["file"]))
        for submission in found.values():
            _undo_reupload_names(submission)
        return list(found.values()), others

    def check(self, files: GradeFiles) -> None:
        if files.canvas_column is not None and files.canvas_export is None:
            raise GradingError("--canvas-column names a column of --canvas-export; pass both")
        if files.canvas_export is not None:
            Gradebook.read(files.canvas_export, files.canvas_column)

    def export(self, graded: list[Graded], total: float, folder: Path, files: GradeFiles,
               feedback: list[Path]) -> list[Export]:
        target = folder / "canvas_grades.csv"
        if files.canvas_export is None:
            grades: Export = NotWritten(
                f"grades for Canvas ({target.name})",
                f"pass --canvas-export with the course's gradebook ({EXPORT_HOWTO}) and run "
                "the same command again: the students already in the gradebook are not "
                "graded again")
        else:
            grades = fill_gradebook(graded, total, Gradebook.read(files.canvas_export,
                                                                  files.canvas_column), target)
        return [grades, feedback_zip(graded, feedback, folder / "canvas_feedback.zip")]


def _anonymous(key: str) -> Submission:
    return Submission(key, key, key, members=[Member(key)], no_feedback=ANONYMOUS_NOTE)


def _undo_reupload_names(submission: Submission) -> None:
    """``model-1.keras`` → ``model.keras`` (the files the grader looks for by name), unless
    the student's files already hold that name."""
    names = {part.rename for part in submission.parts}
    for part in submission.parts:
        match = REUPLOAD.fullmatch(part.rename)
        wanted = match and match["stem"] + match["suffix"]
        if wanted in (challenge.MODEL_FILE, challenge.EXPERIMENTS_FILE) and wanted not in names:
            names.add(wanted)
            part.rename = wanted


# ------------------------------------------------------------------------ the gradebook


class Gradebook:
    """Canvas' exported gradebook, with its ``ID`` column and the assignment's column."""

    def __init__(self, csv: LmsCsv, id_column: int, grade_column: int) -> None:
        self.csv, self.id_column, self.grade_column = csv, id_column, grade_column

    @classmethod
    def read(cls, path: Path, wanted: str | None) -> Gradebook:
        """The export at ``path``, its column ``wanted`` (a part of the assignment's column
        name; needed when it has several); ``GradingError`` otherwise."""
        csv = LmsCsv.read(path, "--canvas-export")
        header = csv.header
        if "ID" not in header or "Student" not in header:
            raise GradingError(f"--canvas-export {path} is not a Canvas gradebook export (no "
                               f"Student and ID columns); {EXPORT_HOWTO}")
        columns = [i for i, name in enumerate(header) if re.search(r"\(\d+\)\s*$", name)]
        if wanted:
            columns = [i for i in columns if wanted.lower() in header[i].lower()]
        if len(columns) != 1:
            shown = "; ".join(header[i] for i in columns) or "none"
            raise GradingError(
                f"--canvas-export {path}: {len(columns)} assignment column(s) match "
                f"({shown}); pass --canvas-column with a part of the assignment's column name")
        return cls(csv, header.index("ID"), columns[0])

    def points_possible(self) -> float:
        """The assignment's *Points Possible* (written ``1,000`` from 1000 up)."""
        for record in self.csv.records[1:]:
            if self.csv.cell(record, 0).strip() == "Points Possible":
                text = self.csv.cell(record, self.grade_column)
                value = delimited_number(text)
                if not value:
                    break
                return value
        raise GradingError(f"--canvas-export {self.csv.path}: no Points Possible for "
                           f"{self.csv.header[self.grade_column]}; {EXPORT_HOWTO}")

    def students(self) -> list[list[Span]]:
        """The rows of students (a numeric user ``ID``; Canvas' test student left out)."""
        return [record for record in self.csv.records[1:]
                if self.csv.cell(record, self.id_column).strip().isdigit()
                and self.csv.cell(record, 0).strip() not in ("Test Student", "Student, Test")
                and len(record) > self.grade_column]


def fill_gradebook(graded: list[Graded], total: float, gradebook: Gradebook,
                   out: Path) -> Filled:
    """Write to ``out`` the gradebook export with the assignment's column filled.

    Rows are matched by Canvas' user ``ID``; points are scaled to the assignment's *Points
    Possible*. Canvas imports the file with Grades > Import. Students of the export with
    no submission in the download and an empty cell are listed (a group assignment's
    download holds one member's files).
    """
    fillable, failed = fill_status(graded)
    filled = Filled(out, "grades for Canvas", failed=failed)
    by_id = {item.row["lms_id"]: item for item in fillable if item.row["lms_id"]}
    possible = gradebook.points_possible()
    csv, changes = gradebook.csv, {}
    for record in gradebook.students():
        item = by_id.pop(csv.cell(record, gradebook.id_column).strip(), None)
        if item is not None:
            changes[record[gradebook.grade_column]] = format_grade(
                float(item.row["points"]), total, possible, False)
            filled.filled += 1
        elif not csv.cell(record, gradebook.grade_column).strip() and not any(
                csv.cell(record, gradebook.id_column).strip() == i.row["lms_id"]
                for i in graded):
            filled.ungraded.append(
                f"{csv.cell(record, 0)} ({csv.cell(record, gradebook.id_column)})")
    csv.write(out, changes)
    filled.missing = sorted(
        f"{item.label}: {ANONYMOUS_NOTE}" if item.row["lms_id"].startswith("anon_") else item.label
        for item in by_id.values())
    filled.missing += [item.label for item in fillable if not item.row["lms_id"]]
    return filled
