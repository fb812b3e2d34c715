"""What every LMS layout shares: a download read entry by entry, its submissions, and the
interface one LMS implements (:class:`Layout`)."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from course_utils._atomic import write_atomic
from course_utils._slug import slug  # the layouts take it from here
from course_utils.challenge.archive import (
    ZIP_ERRORS,
    Budget,
    copy_folder,
    extract_member,
    open_inner_zips,
    safe_parts,
    unzip,
)
from course_utils.grading.errors import GradingError, SubmissionError
from course_utils.grading.status import Status
from course_utils.grading.submissions import invalid_archive

FEEDBACK_FILE = "correcao.md"
"""Name of each student's feedback file inside the feedback zip."""


@dataclass
class Part:
    """One entry of the download that belongs to a submission.

    ``rename`` empty: a folder or zip whose contents are the submission's files; otherwise a
    single file, written under that name.
    """

    entry: str
    rename: str = ""


@dataclass
class Member:
    """Someone a submission's grade belongs to, as the download names them."""

    name: str
    lms_id: str = ""
    """Moodle's participant id or Canvas' user id; empty when the download gives none."""


@dataclass
class Submission:
    """One student's (or one team's) submission in the download."""

    student: str
    """The gradebook key: ASCII, unique, stable from one run to the next."""
    name: str = ""
    """The name the LMS shows (UTF-8, accents kept); empty in a plain layout."""
    lms_id: str = ""
    """The id in the download's names: Moodle's participant id (a group id for a Moodle 4.1+
    team), Canvas' user id or ``anon_<id>``; the members' ids, ``;``-separated, for a Moodle
    3.x team; empty in a plain layout."""
    parts: list[Part] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    """Whom the download says the submission is from: one member, or a Moodle 3.x team's."""
    team: str = ""
    """The group's name when the download says this is a team submission."""
    feedback: list[str] = field(default_factory=list)
    """Where the student's feedback file goes in the LMS's feedback zip (none: it has no
    place there, see :attr:`no_feedback`)."""
    no_feedback: str = ""
    """Why the feedback zip has no place for this submission."""


def shown_list(items: list[str], limit: int = 5) -> str:
    """The first ``limit`` items, comma-separated, with `` ...`` when there are more."""
    return ", ".join(items[:limit]) + (" ..." if len(items) > limit else "")


# ------------------------------------------------------------------------ the download


class Download:
    """A folder or a ``.zip`` of the class's submissions, read entry by entry.

    A single folder wrapping the class (a zip of ``turma/``) is looked through when
    ``looks_like_class`` says its entries are a class. The zip is opened again for each
    extraction, so worker threads never share a file handle.
    """

    def __init__(self, path: str | os.PathLike,
                 looks_like_class: Callable[[dict[str, bool]], bool]) -> None:
        self.path = Path(path)
        self.is_zip = self.path.is_file() and self.path.suffix.lower() == ".zip"
        self.prefix = ""
        self._looks_like_class = looks_like_class
        if self.is_zip:
            self.entries = self._zip_entries()
        elif self.path.is_dir():
            self.entries = self._folder_entries()
        else:
            raise GradingError(f"submissions not found: {self.path} (give the folder or the "
                               "LMS's .zip of the whole class)")

    def _folder_entries(self) -> dict[str, bool]:
        root = self.path
        entries = _visible({p.name: p.is_dir() and not p.is_symlink() for p in root.iterdir()})
        while self._wrapper(entries):
            (name,) = entries
            inner = _visible({p.name: p.is_dir() and not p.is_symlink()
                              for p in (root / name).iterdir()})
            if not self._wraps_a_class(inner):
                break
            self.prefix, root, entries = self.prefix + name + "/", root / name, inner
        return entries

    def _zip_entries(self) -> dict[str, bool]:
        names = [name for name, _ in self._members()]
        entries = _entries_at(names, "")
        while self._wrapper(entries):
            (name,) = entries
            inner = _entries_at(names, self.prefix + name + "/")
            if not self._wraps_a_class(inner):
                break
            self.prefix, entries = self.prefix + name + "/", inner
        return entries

    def _members(self) -> list[tuple[str, zipfile.ZipInfo]]:
        try:
            with zipfile.ZipFile(self.path) as zf:
                return [(member_name(info), info) for info in zf.infolist()]
        except (zipfile.BadZipFile, OSError) as error:
            raise GradingError(f"{self.path} is not a readable zip: {error}") from error

    def _wrapper(self, entries: dict[str, bool]) -> bool:
        return len(entries) == 1 and all(entries.values()) and not self._looks_like_class(entries)

    def _wraps_a_class(self, inner: dict[str, bool]) -> bool:
        """Whether a lone folder's ``inner`` entries are a class (LMS names, or several
        folders and zips) rather than one student's files."""
        several = len(inner) > 1 and all(is_dir or name.lower().endswith(".zip")
                                         for name, is_dir in inner.items())
        return self._looks_like_class(inner) or several

    def files(self, part: Part) -> list[tuple[str, int, int]]:
        """``(path inside the submission, size, CRC-32)`` of each file of ``part``: what two
        entries holding the same files have in common. Links and special files are left
        out (unpacking refuses them anyway)."""
        if self.is_zip:
            name = self.prefix + part.entry
            found = [(member[len(name) + 1:] if member != name else part.rename or member,
                      info.file_size, info.CRC) for member, info in self._members()
                     if not info.is_dir() and (member == name or member.startswith(name + "/"))]
            return sorted(found)
        path = self.path / self.prefix / part.entry
        if path.is_file() and not path.is_symlink():
            return [(part.rename or part.entry, path.stat().st_size, _crc(path))]
        return sorted((str(file.relative_to(path)), file.stat().st_size, _crc(file))
                      for file in path.rglob("*") if file.is_file() and not file.is_symlink())

    def extract(self, part: Part, target: Path, budget: Budget) -> None:
        """Copy ``part`` of a submission into ``target``; ``SubmissionError`` if unsafe."""
        if self.is_zip:
            self._extract_member(part, target, budget)
            return
        path = self.path / self.prefix / part.entry
        if path.is_symlink():
            raise SubmissionError(Status.INVALID_ARCHIVE, f"{part.entry} is a symbolic link")
        if path.is_dir():
            copy_folder(path, target, budget)
        elif path.is_file() and part.rename:
            file = target.joinpath(*safe_parts(part.rename))
            file.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "rb") as source:
                budget.copy(source, file)
        elif path.is_file() and path.suffix.lower() == ".zip":
            unzip(path, target, budget, part.entry)
        else:
            raise SubmissionError(Status.INVALID_ARCHIVE,
                                  f"{part.entry} is neither a folder nor a .zip archive")

    def _extract_member(self, part: Part, target: Path, budget: Budget) -> None:
        name = self.prefix + part.entry
        with zipfile.ZipFile(self.path) as zf:
            members = [(member_name(info), info) for info in zf.infolist()]
            members = [(member, info) for member, info in members
                       if member == name or member.startswith(name + "/")]
            if self.entries.get(part.entry):  # a folder
                for member, info in members:
                    _extract_one(zf, info, member[len(name) + 1:], target, budget)
                return
            info = next((info for member, info in members if member == name), None)
            if info is None:
                raise SubmissionError(Status.INVALID_ARCHIVE, f"{part.entry} is missing")
            if part.rename:
                _extract_one(zf, info, part.rename, target, budget)
            elif part.entry.lower().endswith(".zip"):
                scratch = Path(tempfile.mkdtemp(dir=target.parent))
                try:
                    _extract_one(zf, info, "entry.zip", scratch, budget)
                    unzip(scratch / "entry.zip", target, budget, part.entry)
                finally:
                    shutil.rmtree(scratch, ignore_errors=True)
            else:
                raise SubmissionError(Status.INVALID_ARCHIVE,
                                      f"{part.entry} is neither a folder nor a .zip archive")


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name in UTF-8. Without the zip's UTF-8 flag Python reads names as
    cp437; an LMS (or a zip tool) that wrote UTF-8 bytes without setting the flag gets
    them back as written (``Jo├úo`` → ``João``)."""
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    try:
        return name.encode("cp437").decode("utf-8")
    except UnicodeError:
        return name


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def _extract_one(zf: zipfile.ZipFile, info: zipfile.ZipInfo, relative: str, target: Path,
                 budget: Budget) -> None:
    """Write one member of the class's zip at ``target/relative``, with the safety rules."""
    try:
        extract_member(zf, info, relative, target, budget)
    except ZIP_ERRORS as error:
        raise SubmissionError(Status.INVALID_ARCHIVE,
                              f"{info.filename} is unreadable in the download: {error}") from error


def _visible(entries: dict[str, bool]) -> dict[str, bool]:
    return {name: is_dir for name, is_dir in sorted(entries.items())
            if not name.startswith(".") and name != "__MACOSX"}


def _entries_at(names: list[str], prefix: str) -> dict[str, bool]:
    """Top-level entries under ``prefix`` of a zip's member names: ``{name: is_folder}``."""
    entries: dict[str, bool] = {}
    for name in names:
        if not name.startswith(prefix) or name == prefix:
            continue
        first, slash, _ = name[len(prefix):].partition("/")
        entries[first] = entries.get(first, False) or bool(slash)
    return _visible(entries)


def unpack(submission: Submission, download: Download, target: Path) -> Path:
    """Copy ``submission``'s files into the empty folder ``target``; the folder holding them.

    Zips among the files are opened when needed
    (:func:`~course_utils.challenge.archive.open_inner_zips`). Raises
    :class:`SubmissionError` (``invalid_archive``) for anything unsafe.
    """
    budget = Budget()
    with invalid_archive():
        for part in submission.parts:
            download.extract(part, target, budget)
        return open_inner_zips(target, budget)


# ------------------------------------------------------------------------ what goes back


@dataclass(frozen=True)
class GradeFiles:
    """The LMS's own grade files to fill (``--worksheet``, ``--canvas-export``,
    ``--canvas-column``); each layout reads the ones it names in :attr:`Layout.options`."""

    worksheet: Path | None = None
    canvas_export: Path | None = None
    canvas_column: str | None = None

    def given(self) -> list[str]:
        """The names of the fields that were given."""
        return [name for name, value in vars(self).items() if value is not None]


def option_flag(name: str) -> str:
    """The command-line flag of a :class:`GradeFiles` field: ``canvas_export`` →
    ``--canvas-export``."""
    return "--" + name.replace("_", "-")


@dataclass
class Graded:
    """One gradebook row and the submission it grades (``None``: not in this download)."""

    row: dict[str, str]
    submission: Submission | None

    @property
    def label(self) -> str:
        """How the instructor finds the row: the LMS's name and id."""
        row = self.row
        return f"{row['name'] or row['student']} ({row['lms_id'] or row['student']})"


@dataclass
class Filled:
    """What filling an LMS's grade file did: where it is, how many grades went in, and
    whose grades the instructor has to enter by hand (and why)."""

    path: Path
    what: str = "grades for the LMS"
    filled: int = 0
    missing: list[str] = field(default_factory=list)
    """Graded here, but no row of the LMS's file is theirs."""
    failed: list[str] = field(default_factory=list)
    """Not written: the grader failed on them (status ``crashed``), not a grade of zero."""
    ungraded: list[str] = field(default_factory=list)
    """Rows of the LMS's file left empty: no submission of theirs in the download."""
    note: str = ""

    def describe(self) -> str:
        """One line for the grader's output."""
        text = f"{self.what}: {self.path} ({self.filled} grade(s) filled)"
        if self.missing:
            text += f"; not in it, enter by hand: {shown_list(self.missing)}"
        if self.failed:
            text += ("; not filled because the grader failed on them (status crashed, not a "
                     f"grade of zero): {shown_list(self.failed)}")
        if self.ungraded:
            text += (f"; no submission in the download for {shown_list(self.ungraded)} (in a "
                     "group assignment only one member's files are downloaded: give the "
                     "others the group's grade)")
        return text + (f". {self.note}" if self.note else "")


@dataclass
class FeedbackZip:
    """The feedback files zipped for the LMS's upload, and who has none in it."""

    path: Path
    files: int = 0
    missing: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line for the grader's output."""
        text = f"feedback files for the LMS: {self.path} ({self.files} file(s))"
        if self.missing:
            text += f"; not in it, give by hand: {shown_list(self.missing)}"
        return text


@dataclass
class NotWritten:
    """An LMS file the grader could not write, and what to do about it."""

    what: str
    reason: str

    def describe(self) -> str:
        """One line for the grader's output."""
        return f"{self.what}: not written; {self.reason}"


Export = Filled | FeedbackZip | NotWritten
"""One line of what went back to the LMS."""


def feedback_zip(graded: list[Graded], feedback: list[Path], out: Path) -> FeedbackZip:
    """Zip each graded submission's ``<student>.md`` (from the first folder of ``feedback``
    holding it) under the names of :attr:`Submission.feedback`."""
    result = FeedbackZip(out)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in graded:
            source = next((folder / f"{item.row['student']}.md" for folder in feedback
                           if (folder / f"{item.row['student']}.md").is_file()), None)
            names = item.submission.feedback if item.submission else []
            if source is None or not names:
                why = ("not in the download" if item.submission is None
                       else "no feedback file" if source is None
                       else item.submission.no_feedback or "not named as the LMS names entries")
                result.missing.append(f"{item.label}: {why}")
                continue
            for name in names:
                zf.write(source, name)
                result.files += 1
    write_atomic(out, buffer.getvalue())
    return result


class Layout:
    """How one LMS names a class's download and takes grades and feedback back.

    A new LMS is one module with a subclass, registered in :data:`~.lms.LAYOUTS`.
    """

    name = ""
    """The value of ``--lms``."""
    title = ""
    """The LMS's name for people: ``Moodle``."""
    label = ""
    """What a download of this layout is, for the grader's first line."""
    options: tuple[str, ...] = ()
    """The :class:`GradeFiles` fields this LMS's grade files come from."""

    def matches(self, entry: str) -> bool:
        """Whether a download entry is named as this LMS names them."""
        raise NotImplementedError

    def read(self, download: Download) -> tuple[list[Submission], list[str]]:
        """The submissions in ``download``'s entries, and the entries named otherwise."""
        raise NotImplementedError

    def check(self, files: GradeFiles) -> None:
        """Refuse, before any grading, grade files this LMS could not take
        (``GradingError``)."""

    def export(self, graded: list[Graded], total: float, folder: Path, files: GradeFiles,
               feedback: list[Path]) -> list[Export]:
        """Write into ``folder`` the files the LMS imports; what was written."""
        return []


def fill_status(graded: list[Graded]) -> tuple[list[Graded], list[str]]:
    """The rows whose grade may go to the LMS, and the labels of those whose grader failed
    (status ``crashed``: not the student's zero, so never written as one)."""
    failed = [item.label for item in graded if item.row["status"] == Status.CRASHED]
    return [item for item in graded if item.row["status"] != Status.CRASHED], failed
