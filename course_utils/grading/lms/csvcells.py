"""An LMS's own CSV, edited cell by cell: every byte outside the changed cells stays as the
LMS wrote it (BOM, quotes, delimiter, line ends, other columns and rows)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from course_utils._atomic import write_atomic
from course_utils.grading.errors import GradingError

Span = tuple[int, int]
"""``(start, end)`` of one field in the CSV's text, quotes included."""


def csv_spans(text: str, delimiter: str = ",") -> list[list[Span]]:
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


def cell_value(text: str, span: Span) -> str:
    """The value of the field at ``span`` (quotes removed, doubled quotes undone)."""
    raw = text[span[0]:span[1]]
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        return raw[1:-1].replace('""', '"')
    return raw


def replace_cells(text: str, changes: dict[Span, str], delimiter: str = ",") -> str:
    """``text`` with the fields at the given spans set to new values, quoted as they were
    (or when the value needs it)."""
    pieces, last = [], 0
    for (start, end), value in sorted(changes.items()):
        quoted = text[start:end].startswith('"') or any(c in value for c in delimiter + '"\r\n')
        pieces += [text[last:start], '"' + value.replace('"', '""') + '"' if quoted else value]
        last = end
    return "".join(pieces) + text[last:]


@dataclass
class LmsCsv:
    """An LMS's CSV as read: its text without the BOM, its delimiter and its fields."""

    path: Path
    bom: str
    text: str
    delimiter: str
    records: list[list[Span]]

    @classmethod
    def read(cls, path: str | Path, option: str) -> LmsCsv:
        """The CSV at ``path`` (given as ``option``); ``GradingError`` if it is unreadable."""
        path = Path(path)
        if not path.is_file():
            raise GradingError(f"{option} {path}: file not found")
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            raise GradingError(f"{option} {path} is not UTF-8 text: {error}; save it from the "
                               "LMS again, as it was downloaded") from None
        bom = "\ufeff" if text.startswith("\ufeff") else ""
        text = text[len(bom):]
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        return cls(path, bom, text, delimiter, csv_spans(text, delimiter))

    @property
    def header(self) -> list[str]:
        """The values of the first record."""
        return [self.cell(self.records[0], i) for i in range(len(self.records[0]))] \
            if self.records else []

    def cell(self, record: list[Span], column: int | None) -> str:
        """The value of ``record``'s field ``column`` (empty when the record is shorter)."""
        if column is None or column >= len(record):
            return ""
        return cell_value(self.text, record[column])

    def write(self, out: Path, changes: dict[Span, str]) -> None:
        """Write to ``out`` this file with ``changes``, every other byte as read."""
        write_atomic(out, self.bom + replace_cells(self.text, changes, self.delimiter))


def decimal_number(text: str) -> float | None:
    """A number with one decimal separator, comma or point, and no thousands separator
    (``10,00``, ``100.00``: Moodle's ``format_float``); ``None`` if it is not one."""
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def delimited_number(text: str) -> float | None:
    """A number that may have thousands separators (Canvas' ``number_to_delimited``:
    ``1,000`` and ``1,000.5`` in English, ``1.000`` and ``1.000,5`` in Portuguese);
    ``None`` if it is not one.

    With both separators the last one is the decimal separator; a lone separator is a
    thousands separator when it comes back or has exactly three digits after it
    (``1,000``), a decimal separator otherwise (``12,5``, ``100.00``).
    """
    text = text.strip()
    if not re.fullmatch(r"[+-]?\d[\d.,]*", text):
        return None
    separators = [char for char in text if char in ".,"]
    if not separators:
        return float(text)
    last = separators[-1]
    if len(set(separators)) == 2:
        thousands = "," if last == "." else "."
        decimal = last
    elif len(separators) > 1 or re.search(rf"\{last}\d{{3}}$", text):
        thousands, decimal = last, None
    else:
        thousands, decimal = None, last
    if thousands and not re.fullmatch(rf"[+-]?\d{{1,3}}(\{thousands}\d{{3}})*([.,]\d*)?", text):
        return None
    plain = text.replace(thousands, "") if thousands else text
    return float(plain.replace(decimal, ".") if decimal else plain)


def format_grade(points: float, total: float, maximum: float | None, comma: bool) -> str:
    """``points`` out of ``total`` on the LMS's scale (``maximum``; ``None``: as they are),
    as the LMS writes numbers (decimal comma or point), at most two decimals."""
    value = points * (maximum / total if maximum and total else 1.0)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if comma else text
