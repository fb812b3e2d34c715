"""A submission's files unpacked safely: the grader's rules, which ``self_check`` applies too.

Every copy counts files and bytes (:class:`Budget`, at most :data:`MAX_FILES` files and
:data:`MAX_BYTES` bytes) and refuses symbolic links, special files and paths that would
leave the target (absolute, a drive letter, ``..``), raising :class:`UnsafeArchive`. The
grader turns it into the status ``invalid_archive``; :func:`~.selfcheck.self_check` reports
its Portuguese wording to the student, so a submission ``self_check`` accepts is one the
grader can open. Inside a student's files, a ``.zip`` (the ``entrega_<id>.zip`` of
``save_submission``, or any zip) is opened with the same rules when the files themselves hold
no ``model.keras`` (:func:`open_inner_zips`).
"""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile
import zipfile
from pathlib import Path

from course_utils.challenge.contract import MODEL_FILE

MAX_FILES = 2000
"""Most files a submission may hold."""

MAX_BYTES = 512 * 2**20
"""Most bytes a submission may hold, unpacked."""


class UnsafeArchive(Exception):
    """Files that break the unpacking rules. ``str()`` is the instructors' English;
    :attr:`portuguese` says the same to the student."""

    def __init__(self, english: str, portuguese: str) -> None:
        super().__init__(english)
        self.portuguese = portuguese


class Budget:
    """Counts files and bytes while a submission is copied."""

    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0

    def add_file(self) -> None:
        """Count one more file; :class:`UnsafeArchive` past :data:`MAX_FILES`."""
        from course_utils import fmt

        self.files += 1
        if self.files > MAX_FILES:
            raise UnsafeArchive(f"more than {MAX_FILES} files",
                                f"a entrega tem mais de {fmt.num(MAX_FILES)} arquivos")

    def copy(self, source: io.BufferedIOBase, target: Path) -> None:
        """Copy ``source`` into the new file ``target``, counting its bytes."""
        self.add_file()
        try:
            out = open(target, "xb")
        except FileExistsError:
            raise UnsafeArchive(f"two files would be called {target.name}",
                                f"dois arquivos da entrega se chamariam {target.name}") from None
        with out:
            while chunk := source.read(1 << 20):
                self.bytes += len(chunk)
                if self.bytes > MAX_BYTES:
                    mib = MAX_BYTES // 2**20
                    raise UnsafeArchive(f"more than {mib} MiB unpacked",
                                        f"a entrega tem mais de {mib} MiB descompactada")
                out.write(chunk)


def safe_parts(name: str) -> list[str]:
    """The parts of an archive member's path; :class:`UnsafeArchive` if it could leave the
    target (absolute, a drive letter, ``..``)."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise UnsafeArchive(f"unsafe path in the archive: {name!r}",
                            f"caminho inseguro no zip: {name!r} (o avaliador recusa caminhos "
                            "absolutos, com letra de unidade ou com '..')")
    return [part for part in parts if part not in ("", ".")]


def extract_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, relative: str, target: Path,
                   budget: Budget) -> None:
    """Write the member ``info`` of ``zf`` at ``target/relative``: no path leaving
    ``target``, no symbolic link, within ``budget``; ``__MACOSX/`` skipped."""
    parts = safe_parts(relative)
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeArchive(f"symbolic link in the archive: {info.filename!r}",
                            f"link simbólico no zip: {info.filename!r} (o avaliador aceita só "
                            "arquivos comuns; ponha o arquivo no lugar do link)")
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
        raise UnsafeArchive(f"{name} is not a readable zip: {error}",
                            f"{name} não é um arquivo zip válido: {error}") from error


def copy_folder(folder: Path, target: Path, budget: Budget) -> None:
    """Copy the contents of ``folder`` into ``target``: regular files and folders only."""
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            if stat.S_ISLNK(os.lstat(path).st_mode):
                shown = path.relative_to(folder.parent)
                raise UnsafeArchive(f"symbolic link in the submission: {shown}",
                                    f"link simbólico na entrega: {shown} (o avaliador aceita "
                                    "só arquivos comuns)")
        relative = Path(root).relative_to(folder)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            source = Path(root, name)
            if not stat.S_ISREG(os.lstat(source).st_mode):
                shown = source.relative_to(folder.parent)
                raise UnsafeArchive(f"not a regular file: {shown}",
                                    f"{shown} não é um arquivo comum")
            with open(source, "rb") as f:
                budget.copy(f, target / relative / name)


def find_root(folder: Path) -> Path:
    """The folder holding ``model.keras``: ``folder``, or the one folder it alone holds
    (and so on down), as when everything was zipped inside ``submissao/``."""
    root = folder
    while not (root / MODEL_FILE).exists():
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
    if (root / MODEL_FILE).exists():
        return root
    archives = [path for path in sorted(root.iterdir())
                if path.suffix.lower() == ".zip" and path.is_file()]
    for archive in archives:
        target = Path(tempfile.mkdtemp(prefix=f"{archive.name}.", dir=root))
        unzip(archive, target, budget, archive.name)
        inner = find_root(target)
        if (inner / MODEL_FILE).exists():
            return inner
    return root


def unpack_submission(path: Path, target: Path) -> Path:
    """Unpack one student's folder or ``.zip`` into the empty folder ``target`` as the grader
    does; the folder holding the submission's files."""
    budget = Budget()
    if path.is_dir():
        copy_folder(path, target, budget)
    else:
        unzip(path, target, budget, path.name)
    return open_inner_zips(target, budget)
