"""One submission's files onto disk, and which shard a student belongs to.

The unpacking rules (a budget of files and bytes; no links, special files or paths that
leave the target) have one home, :mod:`course_utils.challenge.archive`, which the student's
``self_check`` applies too; here its :class:`~course_utils.challenge.archive.UnsafeArchive`
becomes the status ``invalid_archive`` (:func:`invalid_archive`).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from course_utils.challenge.archive import MAX_BYTES, MAX_FILES, UnsafeArchive
from course_utils.grading.errors import GradingError, SubmissionError
from course_utils.grading.status import Status

__all__ = ["MAX_BYTES", "MAX_FILES", "in_shard", "invalid_archive", "parse_shard"]


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/n"`` (1 ≤ i ≤ n) as ``(i, n)``; ``GradingError`` otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match:
        raise GradingError(f"--shard must look like 2/4 (shard i of n), got {text!r}")
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise GradingError(f"--shard {text}: i must be between 1 and n (shards count from 1)")
    return index, count


def in_shard(student: str, shard: tuple[int, int]) -> bool:
    """Whether ``student`` belongs to ``shard``: by a hash of the name, so every machine
    agrees whatever else its copy of the folder holds."""
    index, count = shard
    return zlib.crc32(student.encode()) % count == index - 1


@contextmanager
def invalid_archive() -> Iterator[None]:
    """Turn an :class:`~course_utils.challenge.archive.UnsafeArchive` raised inside into
    ``SubmissionError(invalid_archive)``, with its English message."""
    try:
        yield
    except UnsafeArchive as error:
        raise SubmissionError(Status.INVALID_ARCHIVE, str(error)) from error
