"""Moodle: "Download all submissions", the offline grading worksheet, the feedback zip.

The download (``mod/assign``'s ``download_submissions`` up to 4.0, ``classes/downloader.php``
from 4.1) names each entry ``<Full name>_<participant id>_assignsubmission_<plugin>``:

* a folder (4.1+), the same with a trailing ``_`` (3.x and 4.0), or flat files
  ``..._assignsubmission_file_<file>``; online text is ``_assignsubmission_onlinetext``;
* blind marking: ``Participant`` (``Participante`` in Portuguese) for the name;
* team submissions, 4.1+: ``<group>_<group id>``, once per group (the id is a **group** id,
  never to be read as a participant's), and ``<Default group>`` with no id at all;
* team submissions, up to 4.0: ``<group>-<Full name>_<participant id>``, one entry per member
  holding the same files: read as one submission of the group.

Grades go back through the grading worksheet the instructor downloads
(:func:`fill_worksheet`), feedback files through "Upload multiple feedback files in a zip"
(``<name>_<id>_assignsubmission_file_/correcao.md``, which the importers of every version
accept: up to 4.0 the name must split on ``_`` into five parts).
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

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
from course_utils.grading.lms.csvcells import LmsCsv, Span, decimal_number, format_grade

ENTRY = re.compile(
    r"(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)(?:_(?P<file>.*))?", re.S)
"""A download entry: folder (``file`` None or empty) or flat file (``file``)."""

TEAM_WITHOUT_ID = re.compile(
    r"(?P<name>[^_]+)_assignsubmission_(?P<plugin>[a-z0-9]+)(?:_(?P<file>.*))?", re.S)
"""Moodle 4.1+'s entry of the default team (``Default group``): a name and no id."""

BLIND_NAMES = ("Participant", "Participante")
"""The name Moodle writes instead of the student's under blind marking (en, pt)."""

HEADERS = {
    "en": {"id": "Identifier", "name": "Full name", "grade": "Grade", "max": "Maximum Grade",
           "modified": "Last modified (grade)", "group": "Group", "scale": "Scale"},
    "pt": {"id": "Identificador", "name": "Nome completo", "grade": "Nota",
           "max": "Nota máxima", "modified": "Última modificação (nota)", "group": "Grupo",
           "scale": "Escala"},
}
"""Headers of the grading worksheet in English and in Portuguese (``mod/assign`` language
strings ``recordid``, ``fullname``, ``gradenoun``, ``maxgrade``, ``lastmodifiedgrade``,
``submissionteam``, ``scale``)."""

WORKSHEET_HOWTO = ("download it on the assignment's View all submissions page (Submissions in "
                   "Moodle 4.x): Grading action (Actions in 4.3+) > Download grading worksheet")

STALE_NOTE = ("Upload it before moodle_feedback.zip, with a worksheet downloaded after the "
              "last grade change in Moodle: Moodle skips, without an error, every row changed "
              "since the worksheet was downloaded unless \"Allow updating records that have "
              "been modified more recently in Moodle than in the spreadsheet\" is ticked")


def feedback_folder(name: str, lms_id: str) -> str:
    """The feedback zip's entry for one download folder: the 3.x name, trailing ``_``."""
    return f"{name}_{lms_id}_assignsubmission_file_/{FEEDBACK_FILE}"


class Moodle(Layout):
    """Moodle's download, grading worksheet and feedback zip."""

    name = "moodle"
    title = "Moodle"
    label = "Moodle download"
    options = ("worksheet",)

    def matches(self, entry: str) -> bool:
        return bool(ENTRY.fullmatch(entry) or TEAM_WITHOUT_ID.fullmatch(entry))

    def read(self, download: Download) -> tuple[list[Submission], list[str]]:
        found: dict[str, Submission] = {}
        others = []
        for entry, is_dir in download.entries.items():
            match = ENTRY.fullmatch(entry) or TEAM_WITHOUT_ID.fullmatch(entry)
            flat = match and not is_dir and match["file"]
            if not match or not (is_dir or flat):
                others.append(entry)
                continue
            lms_id = match.groupdict().get("id") or ""  # none: 4.1+'s default group
            submission = found.setdefault(lms_id or f"team:{match['name']}",
                                          _submission(match["name"], lms_id))
            submission.parts.append(Part(entry, match["file"] if flat else ""))
        return _merge_old_teams(list(found.values()), download), others

    def check(self, files: GradeFiles) -> None:
        if files.worksheet is not None:
            Worksheet.read(files.worksheet)

    def export(self, graded: list[Graded], total: float, folder: Path, files: GradeFiles,
               feedback: list[Path]) -> list[Export]:
        target = folder / "moodle_grades.csv"
        what = "grades for Moodle"
        if files.worksheet is None:
            grades: Export = NotWritten(
                f"{what} ({target.name})",
                f"pass --worksheet with the assignment's grading worksheet ({WORKSHEET_HOWTO}) "
                "and run the same command again: the students already in the gradebook are "
                "not graded again")
        else:
            grades = fill_worksheet(graded, total, Worksheet.read(files.worksheet), target)
        return [grades, feedback_zip(graded, feedback, folder / "moodle_feedback.zip")]


def _submission(name: str, lms_id: str) -> Submission:
    """A download folder's submission: a student's, a 4.1+ team's, or the default team's."""
    if not lms_id:
        return Submission(slug(name, 48), name, members=[Member(name)], team=name,
                          no_feedback=("Moodle's download gives the default group no id; "
                                       "upload its members' feedback one by one"))
    shown = f"{name} {lms_id}" if name in BLIND_NAMES else name
    return Submission(f"{slug(name, 48)}_{lms_id}", shown, lms_id,
                      members=[Member(name, lms_id)],
                      feedback=[feedback_folder(name, lms_id)])


def _merge_old_teams(submissions: list[Submission], download: Download) -> list[Submission]:
    """Up to Moodle 4.0 a team's submission is one entry per member, ``<group>-<member>``,
    each with the same files: one submission of the group (graded once, never compared
    with itself). Entries with the same files but no common ``<group>-`` stay apart."""
    candidates: dict[str, list[Submission]] = defaultdict(list)
    for submission in submissions:
        if "-" in submission.name and submission.lms_id:
            candidates[submission.name.split("-", 1)[0]].append(submission)
    merged: dict[str, Submission] = {}
    for group in candidates.values():
        if len(group) < 2:
            continue
        by_files: dict[tuple, list[Submission]] = defaultdict(list)
        for submission in group:
            files = tuple(sorted(f for part in submission.parts for f in download.files(part)))
            by_files[files].append(submission)
        for files, members in by_files.items():
            team = _group_name([member.name for member in members])
            if files and len(members) > 1 and team:
                members.sort(key=lambda member: int(member.lms_id))
                whole = _team(team, members)
                merged.update({member.student: whole for member in members})
    teams = list({id(team): team for team in merged.values()}.values())
    return [s for s in submissions if s.student not in merged] + teams


def _group_name(names: list[str]) -> str:
    """The ``<group>`` of member entries ``<group>-<member>``: their common start up to its
    last ``-`` (empty when there is none)."""
    common = os.path.commonprefix(names)
    return common[:common.rfind("-")].strip() if common.rfind("-") > 0 else ""


def _team(team: str, members: list[Submission]) -> Submission:
    return Submission(
        f"{slug(team, 48)}_{members[0].lms_id}", team,
        ";".join(member.lms_id for member in members), parts=members[0].parts,
        members=[m for member in members for m in member.members], team=team,
        feedback=[f for member in members for f in member.feedback])


# ------------------------------------------------------------------------ the worksheet


def _same_name(text: str) -> str:
    """A name as the download writes it (``clean_filename``: no ``& < > " ` | ' : \\ /``,
    ``_`` made a space), for comparing a download's names with the worksheet's."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    text = re.sub(r"[\x00-\x1f\x7f&<>\"`|':\\/]", "", text).replace("_", " ")
    return " ".join(text.split()).casefold()


@dataclass
class Worksheet:
    """Moodle's grading worksheet as downloaded, with its columns found."""

    csv: LmsCsv
    columns: dict[str, int | None]

    @classmethod
    def read(cls, path: Path) -> Worksheet:
        """The worksheet at ``path``; ``GradingError`` when Moodle would refuse it filled,
        or its grades could not be written on the assignment's scale."""
        csv = LmsCsv.read(path, "--worksheet")
        header = csv.header
        names = next((names for names in HEADERS.values()
                      if names["id"] in header and names["grade"] in header), None)
        if names is None:
            raise GradingError(
                f"--worksheet {path} is not a Moodle grading worksheet: no Identifier/Grade "
                f"(or Identificador/Nota) columns in its first line; {WORKSHEET_HOWTO} (in "
                "English or Portuguese)")
        if names["modified"] not in header:
            raise GradingError(
                f"--worksheet {path} has no \"{names['modified']}\" column, without which "
                f"Moodle refuses the upload; {WORKSHEET_HOWTO}, and give it unchanged")
        if names["max"] not in header:
            why = ("it grades with a scale, and the grader's points are not items of a scale: "
                   "set the assignment's grade type to Point" if names["scale"] in header
                   else "the grader cannot scale its points to the assignment's maximum")
            raise GradingError(
                f"--worksheet {path} has no \"{names['max']}\" column: {why}; {WORKSHEET_HOWTO} "
                "(in English or Portuguese)")
        return cls(csv, {key: header.index(value) if value in header else None
                         for key, value in names.items()})

    @property
    def max_header(self) -> str:
        """The maximum's column as the worksheet names it."""
        return self.csv.header[self.columns["max"]]

    def participant(self, record: list[Span]) -> str:
        """The participant id of a row: ``Participant 123`` or ``Participante123``."""
        match = re.search(r"(\d+)\s*$", self.csv.cell(record, self.columns["id"]))
        return match[1] if match else ""

    def rows_of(self, submission: Submission) -> list[list[Span]]:
        """The worksheet rows whose grade ``submission`` gives: its members' rows (same id
        and same name), or else, for a team, its group's rows. A group id is never read as
        a participant's: a row needs both the id and the name."""
        records = self.csv.records[1:]
        rows = [record for member in submission.members if member.lms_id
                for record in records if self.participant(record) == member.lms_id
                and self._is(record, member.name)]
        group = self.columns["group"]
        team = _same_name(submission.team or submission.name)
        if rows or group is None or not team:
            return rows
        return [record for record in records if _same_name(self.csv.cell(record, group)) == team]

    def _is(self, record: list[Span], name: str) -> bool:
        if name.rsplit("-", 1)[-1] in BLIND_NAMES:  # blind marking: no names to compare
            return True
        if self.columns["name"] is None:
            return False
        full, mine = _same_name(self.csv.cell(record, self.columns["name"])), _same_name(name)
        return bool(full) and (mine == full or mine.endswith("-" + full))  # 3.x: <group>-<name>


def fill_worksheet(graded: list[Graded], total: float, worksheet: Worksheet,
                   out: Path) -> Filled:
    """Write to ``out`` the grading worksheet with the grades of ``graded`` filled.

    Each grade is scaled to its row's *Maximum Grade* and written with the worksheet's
    decimal separator; every other byte stays as Moodle wrote it. A submission with no row
    of its own (see :meth:`Worksheet.rows_of`) is listed to be entered by hand.
    """
    fillable, failed = fill_status(graded)
    filled = Filled(out, "grades for Moodle", failed=failed, note=STALE_NOTE)
    changes: dict[Span, str] = {}
    for item in fillable:
        grade = worksheet.columns["grade"]
        rows = [record for record in worksheet.rows_of(item.submission)
                if len(record) > grade] if item.submission else []
        if not rows or any(record[grade] in changes for record in rows):
            filled.missing.append(item.label)
            continue
        maxima = [worksheet.csv.cell(record, worksheet.columns["max"]) for record in rows]
        if any(decimal_number(maximum) is None for maximum in maxima):
            filled.missing.append(f"{item.label}: no number in its {worksheet.max_header}")
            continue
        for record, maximum in zip(rows, maxima):
            changes[record[grade]] = format_grade(float(item.row["points"]), total,
                                                  decimal_number(maximum), "," in maximum)
        filled.filled += len(rows)
    worksheet.csv.write(out, changes)
    filled.missing.sort()
    return filled
