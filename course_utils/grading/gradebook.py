"""The gradebook CSV: its columns, reading it, appending to it, and merging shards."""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from pathlib import Path
from typing import TextIO

from course_utils._atomic import write_atomic
from course_utils.grading.errors import GradingError
from course_utils.grading.status import Status

COLUMNS = ("student", "name", "lms_id", "status", "accuracy", "points", "seconds", "message",
           "experiments", "notebook", "pixel_scale", "scale_accuracies", "eval_set",
           "similar_to")
"""The gradebook's columns, in order. ``name`` and ``lms_id``: as the LMS's download gives
them (empty for a plain folder); ``pixel_scale``: the input convention the model was scored
with; ``scale_accuracies``: its accuracy on the public images under each scale
(:func:`format_scale_accuracies`); ``similar_to``: the students whose model looks copied
from this one or into it, ``;``-separated (:mod:`~.similarity`, filled once the class is
graded; evidence for the instructor, never a change of grade)."""


def format_scale_accuracies(accuracies: dict[str, float]) -> str:
    """``{"0-1": 0.1, "0-255": 0.84}`` as ``0-1=0.100;0-255=0.840`` (empty when unscored)."""
    return ";".join(f"{scale}={value:.3f}" for scale, value in accuracies.items())


def parse_scale_accuracies(text: str) -> dict[str, float]:
    """The inverse of :func:`format_scale_accuracies`; ``{}`` for text it did not write."""
    try:
        pairs = [item.split("=") for item in text.split(";") if item]
        return {scale: float(value) for scale, value in pairs}
    except ValueError:
        return {}


def spreadsheet_safe(text: str) -> str:
    """One line of at most 1000 characters that a spreadsheet will not run as a formula."""
    text = " ".join(text.split())[:1000]
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


def read_gradebook(path: str | os.PathLike) -> list[dict[str, str]]:
    """The rows of a gradebook CSV; ``GradingError`` if it is not one."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise GradingError(f"{path} is not a gradebook of `course grade` (columns "
                                   f"{reader.fieldnames}, expected {list(COLUMNS)})")
            return list(reader)
    except (UnicodeDecodeError, csv.Error) as error:
        raise GradingError(f"{path} is not a gradebook of `course grade`: {error}") from error


def open_gradebook(out: Path, fingerprint: str, force: bool) -> tuple[TextIO, set[str]]:
    """Open ``out`` for appending rows; the students it already holds (none with ``force``)."""
    done: set[str] = set()
    if out.exists() and not force:
        rows = read_gradebook(out)
        other = {row["eval_set"] for row in rows} - {fingerprint}
        if other:
            raise GradingError(
                f"{out} was graded with another evaluation set ({', '.join(sorted(other))}, "
                f"this one is {fingerprint}); pass --force to regrade everything into it, "
                "or choose another --out")
        done = {row["student"] for row in rows}
        return open(out, "a", newline="", encoding="utf-8"), done
    out.parent.mkdir(parents=True, exist_ok=True)
    f = open(out, "w", newline="", encoding="utf-8")
    csv.writer(f).writerow(COLUMNS)
    f.flush()
    return f, done


def summary_table(rows: list[dict[str, str]]) -> str:
    """Count per status, as a small text table."""
    counts = Counter(row["status"] for row in rows)
    lines = ["status             count", "-----------------  -----"]
    lines += [f"{status:<17}  {counts[status]:>5}" for status in Status if counts[status]]
    lines.append(f"{'total':<17}  {sum(counts.values()):>5}")
    return "\n".join(lines)


def merge(shards: list[str | os.PathLike], out: str | os.PathLike, force: bool = False) -> Path:
    """Join shard gradebooks into ``out`` (sorted by student); ``GradingError`` on duplicates,
    mixed evaluation sets, or an existing ``out`` without ``force``."""
    out = Path(out)
    if not shards:
        raise GradingError("give the shard gradebooks to merge")
    if out.exists() and not force:
        raise GradingError(f"{out} already exists; pass --force to replace it")
    rows: dict[str, dict[str, str]] = {}
    where: dict[str, Path] = {}
    for shard in map(Path, shards):
        if not shard.is_file():
            raise GradingError(f"shard gradebook not found: {shard}")
        if shard.resolve() == out.resolve():
            raise GradingError(f"--out {out} is also one of the shards")
        for row in read_gradebook(shard):
            student = row["student"]
            if student in rows:
                raise GradingError(f"student {student!r} is in both {where[student]} and "
                                   f"{shard}; grade each shard with a different --shard i/n")
            rows[student], where[student] = row, shard
    eval_sets = {row["eval_set"] for row in rows.values()}
    if len(eval_sets) > 1:
        raise GradingError(f"the shards were graded with different evaluation sets: "
                           f"{', '.join(sorted(eval_sets))}")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows[student] for student in sorted(rows))
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, buffer.getvalue())
    return out
