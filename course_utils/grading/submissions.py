"""One submission's files, copied or unzipped safely; which shard a student belongs to.

Every copy counts files and bytes (:class:`Budget`) and refuses links, special files and
paths that leave the target (``invalid_archive``). Inside a student's files, a ``.zip``
(the ``entrega_<id>.zip`` of ``save_submission``, or any zip) is opened with the same rules
when the files themselves hold no ``model.keras``.
"""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path

from course_utils import challenge
from course_utils.grading.errors import GradingError, SubmissionError

MAX_FILES = 2000
"""Most files a submission may hold."""

MAX_BYTES = 512 * 2**20
"""Most bytes a submission may hold, unpacked."""


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


class Budget:
    """Counts files and bytes while a submission is copied."""

    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0

    def add_file(self) -> None:
        """Count one more file; ``SubmissionError`` past :data:`MAX_FILES`."""
        self.files += 1
        if self.files > MAX_FILES:
            raise SubmissionError("invalid_archive", f"more than {MAX_FILES} files")

    def copy(self, source: io.BufferedIOBase, target: Path) -> None:
        """Copy ``source`` into the new file ``target``, counting its bytes."""
        self.add_file()
        try:
            out = open(target, "xb")
        except FileExistsError:
            raise SubmissionError("invalid_archive",
                                  f"two files would be called {target.name}") from None
        with out:
            while chunk := source.read(1 << 20):
                self.bytes += len(chunk)
                if self.bytes > MAX_BYTES:
                    raise SubmissionError("invalid_archive",
                                          f"more than {MAX_BYTES // 2**20} MiB unpacked")
                out.write(chunk)


def safe_parts(name: str) -> list[str]:
    """The parts of an archive member's path; ``SubmissionError`` if it could leave the
    target (absolute, a drive letter, ``..``)."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise SubmissionError("invalid_archive", f"unsafe path in the archive: {name!r}")
    return [part for part in parts if part not in ("", ".")]


def extract_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, relative: str, target: Path,
                   budget: Budget) -> None:
    """Write the member ``info`` of ``zf`` at ``target/relative``: no path leaving
    ``target``, no symbolic link, within ``budget``; ``__MACOSX/`` skipped."""
    parts = safe_parts(relative)
    if stat.S_ISLNK(info.external_attr >> 16):
        raise SubmissionError("invalid_archive", f"symbolic link in the archive: {info.filename!r}")
    if not parts or parts[0] == "__MACOSX":
        return
    path = target.joinpath(*parts)
    if info.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(info) as source:
        budget.copy(source, path)


ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
              RuntimeError, OSError, ValueError)
"""What reading a broken zip raises (``RuntimeError``: encrypted)."""


def unzip(archive: Path | io.BufferedIOBase, target: Path, budget: Budget, name: str) -> None:
    """Unpack the zip ``archive`` (a path or a seekable file) named ``name`` into ``target``."""
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                extract_member(zf, info, info.filename, target, budget)
    except ZIP_ERRORS as error:
        raise SubmissionError("invalid_archive",
                              f"{name} is not a readable zip: {error}") from error


def copy_folder(folder: Path, target: Path, budget: Budget) -> None:
    """Copy the contents of ``folder`` into ``target``: regular files and folders only."""
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
            with open(source, "rb") as f:
                budget.copy(f, target / relative / name)


def find_root(folder: Path) -> Path:
    """The folder holding ``model.keras``: ``folder``, or the one folder it alone holds
    (and so on down), as when everything was zipped inside ``submissao/``."""
    root = folder
    while not (root / challenge.MODEL_FILE).exists():
        children = [child for child in root.iterdir() if not child.name.startswith(".")]
        if len(children) != 1 or not children[0].is_dir():
            break
        root = children[0]
    return root


def open_inner_zips(folder: Path, budget: Budget) -> Path:
    """The folder holding the submission, once the zips among ``folder``'s files are opened.

    When :func:`find_root` finds no ``model.keras``, each ``.zip`` of that folder is
    unpacked next to it (``entrega_ana.zip`` → ``entrega_ana.zip.<random>/``), with ``budget``'s
    limits; the first one holding ``model.keras`` is the submission. Zips inside those
    zips are not opened.
    """
    root = find_root(folder)
    if (root / challenge.MODEL_FILE).exists():
        return root
    archives = [path for path in sorted(root.iterdir())
                if path.suffix.lower() == ".zip" and path.is_file()]
    for archive in archives:
        target = Path(tempfile.mkdtemp(prefix=f"{archive.name}.", dir=root))
        unzip(archive, target, budget, archive.name)
        inner = find_root(target)
        if (inner / challenge.MODEL_FILE).exists():
            return inner
    return root
