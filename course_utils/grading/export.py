"""Grades back into the LMS: Moodle's grading worksheet, Canvas' gradebook, feedback zips.

The LMS's own CSV is filled in place: only the cells of the grade column of the graded
students change, byte for byte everything else stays as the LMS wrote it (quotes, line
ends, other columns, students without a submission). Points are scaled to the LMS's
maximum for the assignment when it differs from the rubric's total.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from course_utils.grading.errors import GradingError
from course_utils.grading.gradebook import write_atomic
from course_utils.grading.lms import Submission

MOODLE_HEADERS = {
    "en": {"id": "Identifier", "name": "Full name", "grade": "Grade", "max": "Maximum Grade"},
    "pt": {"id": "Identificador", "name": "Nome completo", "grade": "Nota",
           "max": "Nota máxima"},
}
"""Headers of Moodle's offline grading worksheet in English and in Portuguese."""

MOODLE_PARTICIPANT = {"en": "Participant", "pt": "Participante"}
"""How the worksheet's ``Identifier`` column names a participant: ``Participant 123``."""

FEEDBACK_FILE = "correcao.md"
"""Name of each student's feedback file inside the feedback zip."""


@dataclass
class Filled:
    """What filling an LMS file did: where it is, how many grades went in, who is missing."""

    path: Path
    filled: int = 0
    missing: list[str] = field(default_factory=list)

    def describe(self, what: str) -> str:
        """One line for the grader's output."""
        text = f"{what}: {self.path} ({self.filled} grade(s) filled)"
        if self.missing:
            shown = ", ".join(self.missing[:5]) + (" ..." if len(self.missing) > 5 else "")
            text += f"; not in it, enter by hand: {shown}"
        return text


# ------------------------------------------------------------------------ CSV, byte for byte


def csv_spans(text: str, delimiter: str = ",") -> list[list[tuple[int, int]]]:
    """``(start, end)`` of every field of every record of CSV ``text``, quotes included.

    Quoted fields may hold delimiters, quotes (doubled) and line breaks. Replacing a span
    changes that cell alone: every other byte of the file stays as it was.
    """
    records, record = [], []
    start, i, quoted = 0, 0, False
    while i < len(text):
        char = text[i]
        if quoted:
            if char == '"':
                if text[i + 1:i + 2] == '"':
                    i += 1
                else:
                    quoted = False
        elif char == '"' and i == start:
            quoted = True
        elif char == delimiter:
            record.append((start, i))
            start = i + 1
        elif char in "\r\n":
            record.append((start, i))
            records.append(record)
            record = []
            if char == "\r" and text[i + 1:i + 2] == "\n":
                i += 1
            start = i + 1
        i += 1
    if start < len(text) or record:
        record.append((start, len(text)))
        records.append(record)
    return records


def cell_value(text: str, span: tuple[int, int]) -> str:
    """The value of the field at ``span`` (quotes removed, doubled quotes undone)."""
    raw = text[span[0]:span[1]]
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        return raw[1:-1].replace('""', '"')
    return raw


def _replace_cells(text: str, changes: dict[tuple[int, int], str]) -> str:
    """``text`` with the fields at the given spans set to new values, quoted as they were."""
    pieces, last = [], 0
    for (start, end), value in sorted(changes.items()):
        quoted = text[start:end].startswith('"') or any(c in value for c in ',;"\r\n')
        pieces += [text[last:start], '"' + value.replace('"', '""') + '"' if quoted else value]
        last = end
    return "".join(pieces) + text[last:]


def _read_lms_csv(path: Path, option: str) -> tuple[str, str, str]:
    """``(bom, text, delimiter)`` of an LMS's CSV; ``GradingError`` if it cannot be read."""
    if not Path(path).is_file():
        raise GradingError(f"{option} {path}: file not found")
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise GradingError(f"{option} {path} is not UTF-8 text: {error}") from None
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom):]
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return bom, text, delimiter


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def _grade(points: str, total: float, maximum: float | None, comma: bool) -> str:
    """Points on the LMS's scale, as the LMS writes numbers (decimal comma or point)."""
    value = float(points) * (maximum / total if maximum and total else 1.0)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if comma else text


# ------------------------------------------------------------------------ Moodle


def fill_moodle_worksheet(rows: list[dict[str, str]], total: float, worksheet: Path,
                          out: Path) -> Filled:
    """Write to ``out`` the Moodle grading worksheet ``worksheet`` with its grades filled.

    Each worksheet row whose ``Identifier`` (``Participant 123`` or ``Participante 123``)
    is the ``lms_id`` of a gradebook row gets that row's points, scaled to the row's
    ``Maximum Grade``. English and Portuguese worksheets are both read.
    """
    bom, text, delimiter = _read_lms_csv(worksheet, "--worksheet")
    records = csv_spans(text, delimiter)
    header = [cell_value(text, span) for span in records[0]] if records else []
    language = next((lang for lang, names in MOODLE_HEADERS.items()
                     if names["id"] in header and names["grade"] in header), None)
    if language is None:
        raise GradingError(
            f"--worksheet {worksheet} is not a Moodle grading worksheet: no "
            "Identifier/Grade (or Identificador/Nota) columns in its first line; download it "
            "with Assignment > View all submissions > Grading action > Download grading "
            "worksheet")
    names = MOODLE_HEADERS[language]
    id_column, grade_column = header.index(names["id"]), header.index(names["grade"])
    max_column = header.index(names["max"]) if names["max"] in header else None
    by_id = {row["lms_id"]: row for row in rows if row["lms_id"]}
    filled = Filled(out)
    changes = {}
    for record in records[1:]:
        if len(record) <= max(id_column, grade_column):
            continue
        match = re.search(r"(\d+)\s*$", cell_value(text, record[id_column]))
        row = by_id.pop(match[1], None) if match else None
        if row is None:
            continue
        maximum_text = cell_value(text, record[max_column]) if max_column is not None else ""
        changes[record[grade_column]] = _grade(row["points"], total, _number(maximum_text),
                                               "," in maximum_text)
        filled.filled += 1
    write_atomic(out, bom + _replace_cells(text, changes))
    filled.missing = sorted(f"{row['name'] or row['student']} ({row['lms_id']})"
                            for row in by_id.values())
    return filled


def new_moodle_worksheet(rows: list[dict[str, str]], out: Path, language: str = "en") -> Filled:
    """A minimal worksheet (Identifier, Full name, Grade) when none was downloaded."""
    names = MOODLE_HEADERS[language]
    lines = [[names["id"], names["name"], names["grade"]]]
    lines += [[f"{MOODLE_PARTICIPANT[language]} {row['lms_id']}", row["name"], row["points"]]
              for row in rows if row["lms_id"]]
    body = "".join(",".join('"' + cell.replace('"', '""') + '"' for cell in line) + "\n"
                   for line in lines)
    write_atomic(out, body)
    return Filled(out, len(lines) - 1)


# ------------------------------------------------------------------------ Canvas


def _canvas_column(header: list[str], wanted: str | None, path: Path) -> int:
    """The assignment column of a Canvas gradebook export: ``Name (12345)``."""
    columns = [i for i, name in enumerate(header) if re.search(r"\(\d+\)\s*$", name)]
    if wanted:
        columns = [i for i in columns if wanted.lower() in header[i].lower()]
    if len(columns) == 1:
        return columns[0]
    shown = "; ".join(header[i] for i in columns) or "none"
    raise GradingError(
        f"--canvas-export {path}: {len(columns)} assignment column(s) match "
        f"({shown}); pass --canvas-column with a part of the assignment's column name")


def fill_canvas_gradebook(rows: list[dict[str, str]], total: float, export: Path, out: Path,
                          column: str | None = None) -> Filled:
    """Write to ``out`` the Canvas gradebook export ``export`` with one assignment filled.

    Rows are matched by Canvas' user ``ID``; points are scaled to the assignment's
    ``Points Possible``. Canvas imports the file with Grades > Import.
    """
    bom, text, delimiter = _read_lms_csv(export, "--canvas-export")
    records = csv_spans(text, delimiter)
    header = [cell_value(text, span) for span in records[0]] if records else []
    if "ID" not in header or "Student" not in header:
        raise GradingError(f"--canvas-export {export} is not a Canvas gradebook export (no "
                           "Student and ID columns); export it with Grades > Export > "
                           "Export Entire Gradebook")
    id_column, grade_column = header.index("ID"), _canvas_column(header, column, export)
    by_id = {row["lms_id"]: row for row in rows if row["lms_id"]}
    possible = None
    filled = Filled(out)
    changes = {}
    for record in records[1:]:
        if len(record) <= max(id_column, grade_column):
            continue
        if cell_value(text, record[0]).strip() == "Points Possible":
            possible = _number(cell_value(text, record[grade_column]))
            continue
        row = by_id.pop(cell_value(text, record[id_column]).strip(), None)
        if row is not None:
            changes[record[grade_column]] = _grade(row["points"], total, possible, False)
            filled.filled += 1
    write_atomic(out, bom + _replace_cells(text, changes))
    filled.missing = sorted(f"{row['name'] or row['student']} ({row['lms_id']})"
                            for row in by_id.values())
    return filled


# ------------------------------------------------------------------------ feedback files


def feedback_zip(rows: list[dict[str, str]], submissions: list[Submission], lms: str,
                 feedback: Path, out: Path) -> Path:
    """Zip each graded student's feedback as the LMS's feedback upload expects it.

    Moodle ("Upload multiple feedback files in a zip"): ``<name>_<id>_assignsubmission_file/
    correcao.md``, the folder names of the download. Canvas ("Re-Upload Submissions"):
    ``<name>_<user id>_<attachment id>_correcao.md``, attached as a comment.
    """
    prefixes = {submission.student: submission.feedback_prefix for submission in submissions}
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for row in rows:
            prefix = prefixes.get(row["student"])
            source = feedback / f"{row['student']}.md"
            if not prefix or not source.is_file():
                continue
            name = f"{prefix}/{FEEDBACK_FILE}" if lms == "moodle" else f"{prefix}_{FEEDBACK_FILE}"
            zf.write(source, name)
    tmp.replace(out)
    return out
