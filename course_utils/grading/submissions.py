"""A class's submissions: one entry per student, copied or unzipped safely, sharded."""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
import zlib
from pathlib import Path

from course_utils import challenge
from course_utils.grading.errors import GradingError, SubmissionError

MAX_FILES = 2000
"""Most files a submission may hold."""

MAX_BYTES = 512 * 2**20
"""Most bytes a submission may hold, unpacked."""

def list_submissions(folder: str | os.PathLike) -> dict[str, Path]:
    """``{student: entry}`` for every entry of the submissions folder (hidden ones skipped).

    The student is the entry's name without ``.zip``, with any character that is not an
    ASCII letter, digit, ``.``, ``_`` or ``-`` replaced by ``_``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise GradingError(f"submissions folder not found: {folder}")
    students: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        name = entry.name[:-4] if entry.name.lower().endswith(".zip") else entry.name
        student = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:64].strip(".") or "_"
        if student in students:
            raise GradingError(f"two entries give the same student {student!r}: "
                               f"{students[student].name} and {entry.name}; rename one")
        students[student] = entry
    return students


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


class _Budget:
    """Counts files and bytes while a submission is copied."""

    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0

    def add_file(self) -> None:
        self.files += 1
        if self.files > MAX_FILES:
            raise SubmissionError("invalid_archive", f"more than {MAX_FILES} files")

    def copy(self, source: io.BufferedIOBase, target: Path) -> None:
        with open(target, "xb") as out:
            while chunk := source.read(1 << 20):
                self.bytes += len(chunk)
                if self.bytes > MAX_BYTES:
                    raise SubmissionError("invalid_archive",
                                          f"more than {MAX_BYTES // 2**20} MiB unpacked")
                out.write(chunk)


def _safe_parts(name: str) -> list[str]:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise SubmissionError("invalid_archive", f"unsafe path in the archive: {name!r}")
    return [part for part in parts if part not in ("", ".")]


def _unzip(archive: Path, target: Path) -> None:
    budget = _Budget()
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                parts = _safe_parts(info.filename)
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise SubmissionError("invalid_archive",
                                          f"symbolic link in the archive: {info.filename!r}")
                if not parts or parts[0] == "__MACOSX":
                    continue
                path = target.joinpath(*parts)
                if info.is_dir():
                    path.mkdir(parents=True, exist_ok=True)
                    continue
                budget.add_file()
                path.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source:
                    budget.copy(source, path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            RuntimeError, OSError, ValueError) as error:  # RuntimeError: encrypted
        raise SubmissionError("invalid_archive",
                              f"{archive.name} is not a readable zip: {error}") from error


def _copy_folder(folder: Path, target: Path) -> None:
    budget = _Budget()
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            if stat.S_ISLNK(os.lstat(path).st_mode):
                raise SubmissionError("invalid_archive", "symbolic link in the submission: "
                                      f"{path.relative_to(folder.parent)}")
        relative = Path(root).relative_to(folder)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            source = Path(root, name)
            if not stat.S_ISREG(os.lstat(source).st_mode):
                raise SubmissionError("invalid_archive", "not a regular file: "
                                      f"{source.relative_to(folder.parent)}")
            budget.add_file()
            with open(source, "rb") as f:
                budget.copy(f, target / relative / name)


def unpack(entry: Path, target: Path) -> Path:
    """Copy a submission (folder or ``.zip``) into the empty folder ``target``.

    Returns the folder that holds the submission's files: ``target`` itself, or its only
    subfolder when everything was zipped inside one (``submissao/``). Raises
    :class:`SubmissionError` (``invalid_archive``) for anything unsafe.
    """
    if entry.is_symlink():
        raise SubmissionError("invalid_archive", f"{entry.name} is a symbolic link")
    if entry.is_dir():
        _copy_folder(entry, target)
    elif entry.suffix.lower() == ".zip" and entry.is_file():
        _unzip(entry, target)
    else:
        raise SubmissionError("invalid_archive",
                              f"{entry.name} is neither a folder nor a .zip archive")
    root = target
    while not (root / challenge.MODEL_FILE).exists():
        children = [child for child in root.iterdir() if not child.name.startswith(".")]
        if len(children) != 1 or not children[0].is_dir():
            break
        root = children[0]
    return root
