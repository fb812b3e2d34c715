"""The class's submissions as the instructor has them: the LMS's download, one row per student.

``course grade SUBMISSIONS`` takes a folder or the LMS's ``.zip`` of the whole class and
recognises its layout by the entries' names alone:

Moodle ("Download all submissions")
    ``<Full name>_<participant id>_assignsubmission_file`` folders (Moodle 4.1+), the same
    with a trailing ``_`` (3.x), flat files ``<Full name>_<id>_assignsubmission_file_<file>``,
    online text (``_assignsubmission_onlinetext``), blind marking (``Participant`` or
    ``Participante`` for the name) and team submissions (``<group>_<group id>``, one row per
    group). Every entry of one id is one student.
Canvas ("Download Submissions")
    flat files ``<name>_[late_]<user id>_<attachment id>_<file>``; a re-upload has ``-1``
    before the extension (``model-1.keras`` is read as ``model.keras``). Every file of one user
    id is one student.
plain
    anything else: one folder or ``.zip`` per student, named by the student.

In an LMS layout an entry whose name does not fit is graded as a plain entry of its own.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from course_utils import challenge
from course_utils.grading.errors import GradingError, SubmissionError
from course_utils.grading.submissions import (
    ZIP_ERRORS,
    Budget,
    copy_folder,
    extract_member,
    open_inner_zips,
    safe_parts,
    unzip,
)

LMS_NAMES = ("moodle", "canvas", "plain")
"""Values of ``--lms``."""

MOODLE_ENTRY = re.compile(
    r"(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<file>.*))?", re.S)
"""A Moodle download entry: folder (``file`` None or empty) or flat file (``file``)."""

CANVAS_ENTRY = re.compile(
    r"(?P<name>[^_]+)_(?:(?i:late)_)?(?P<id>\d+)_(?P<attachment>\d+)_(?P<file>.+)", re.S)
"""A Canvas download entry: one file of one student."""

BLIND_NAMES = ("Participant", "Participante")
"""The name Moodle writes instead of the student's under blind marking (en, pt)."""

REUPLOAD = re.compile(r"(?P<stem>.+)-\d+(?P<suffix>\.[^.]+)")
"""Canvas' name for a file uploaded again: ``model-1.keras``."""


@dataclass
class Part:
    """One entry of the download that belongs to a submission.

    ``rename`` empty: a folder or zip whose contents are the submission's files; otherwise a
    single file, written under that name.
    """

    entry: str
    rename: str = ""


@dataclass
class Submission:
    """One student's (or one team's) submission in the download."""

    student: str
    """The gradebook key: ASCII, unique, stable from one run to the next."""
    name: str = ""
    """The name the LMS shows (UTF-8, accents kept); empty in a plain layout."""
    lms_id: str = ""
    """Moodle's participant id or Canvas' user id; empty in a plain layout."""
    parts: list[Part] = field(default_factory=list)
    feedback_prefix: str = ""
    """Moodle: ``<name>_<id>_assignsubmission_file``; Canvas: ``<name>_<id>_<attachment>``."""


def slug(text: str, limit: int = 64) -> str:
    """``text`` as an ASCII key: accents dropped, anything but letters, digits, ``.``, ``_``
    and ``-`` made ``_``, at most ``limit`` characters."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]", "_", plain)[:limit].strip(".") or "_"


class Download:
    """A folder or a ``.zip`` of the class's submissions, read entry by entry.

    A single folder wrapping the class (a zip of ``turma/``) is looked through. The zip is
    opened again for each extraction, so worker threads never share a file handle.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.is_zip = self.path.is_file() and self.path.suffix.lower() == ".zip"
        self.prefix = ""
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
        while len(entries) == 1 and all(entries.values()) and not _any_lms(entries):
            (name,) = entries
            inner = _visible({p.name: p.is_dir() and not p.is_symlink()
                              for p in (root / name).iterdir()})
            if not _wraps_a_class(inner):
                break
            self.prefix, root, entries = self.prefix + name + "/", root / name, inner
        return entries

    def _zip_entries(self) -> dict[str, bool]:
        try:
            with zipfile.ZipFile(self.path) as zf:
                names = [member_name(info) for info in zf.infolist()]
        except (zipfile.BadZipFile, OSError) as error:
            raise GradingError(f"{self.path} is not a readable zip: {error}") from error
        entries = _entries_at(names, "")
        while len(entries) == 1 and all(entries.values()) and not _any_lms(entries):
            (name,) = entries
            inner = _entries_at(names, self.prefix + name + "/")
            if not _wraps_a_class(inner):
                break
            self.prefix, entries = self.prefix + name + "/", inner
        return entries

    def extract(self, part: Part, target: Path, budget: Budget) -> None:
        """Copy ``part`` of a submission into ``target``; ``SubmissionError`` if unsafe."""
        if self.is_zip:
            self._extract_member(part, target, budget)
            return
        path = self.path / self.prefix / part.entry
        if path.is_symlink():
            raise SubmissionError("invalid_archive", f"{part.entry} is a symbolic link")
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
            raise SubmissionError("invalid_archive",
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
                raise SubmissionError("invalid_archive", f"{part.entry} is missing")
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
                raise SubmissionError("invalid_archive",
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


def _extract_one(zf: zipfile.ZipFile, info: zipfile.ZipInfo, relative: str, target: Path,
                 budget: Budget) -> None:
    """Write one member of the class's zip at ``target/relative``, with the safety rules."""
    try:
        extract_member(zf, info, relative, target, budget)
    except ZIP_ERRORS as error:
        raise SubmissionError("invalid_archive",
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


def _any_lms(entries: dict[str, bool]) -> bool:
    return any(MOODLE_ENTRY.fullmatch(name) or CANVAS_ENTRY.fullmatch(name) for name in entries)


def _wraps_a_class(inner: dict[str, bool]) -> bool:
    """Whether a lone folder's ``inner`` entries are a class (LMS names, or several folders
    and zips) rather than one student's files."""
    several = len(inner) > 1 and all(is_dir or name.lower().endswith(".zip")
                                     for name, is_dir in inner.items())
    return _any_lms(inner) or several


def detect(entries: dict[str, bool]) -> str:
    """The LMS whose names most entries have (``"plain"`` when none has any)."""
    counts = Counter()
    for name in entries:
        if MOODLE_ENTRY.fullmatch(name):
            counts["moodle"] += 1
        elif CANVAS_ENTRY.fullmatch(name):
            counts["canvas"] += 1
    return counts.most_common(1)[0][0] if counts else "plain"


def _moodle(entries: dict[str, bool]) -> tuple[list[Submission], list[str]]:
    found: dict[str, Submission] = {}
    others = []
    for entry, is_dir in entries.items():
        match = MOODLE_ENTRY.fullmatch(entry)
        flat = match and not is_dir and match["file"]
        if not match or not (is_dir or flat):
            others.append(entry)
            continue
        name, lms_id = match["name"], match["id"]
        shown = f"{name} {lms_id}" if name in BLIND_NAMES else name
        submission = found.setdefault(lms_id, Submission(
            f"{slug(name, 48)}_{lms_id}", shown, lms_id,
            feedback_prefix=f"{name}_{lms_id}_assignsubmission_file"))
        submission.parts.append(Part(entry, match["file"] if flat else ""))
    return list(found.values()), others


def _canvas(entries: dict[str, bool]) -> tuple[list[Submission], list[str]]:
    found: dict[str, Submission] = {}
    others = []
    for entry, is_dir in entries.items():
        match = CANVAS_ENTRY.fullmatch(entry)
        if not match or is_dir:
            others.append(entry)
            continue
        lms_id = match["id"]
        submission = found.setdefault(lms_id, Submission(
            f"{slug(match['name'], 48)}_{lms_id}", match["name"], lms_id,
            feedback_prefix=f"{match['name']}_{lms_id}_{match['attachment']}"))
        submission.parts.append(Part(entry, match["file"]))
    for submission in found.values():
        _undo_reupload_names(submission)
    return list(found.values()), others


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


def _plain(entry: str) -> Submission:
    """One entry, one student: named by the entry, without ``.zip`` and without the
    ``entrega_`` of ``save_submission``'s archive (``entrega_maria.zip`` is ``maria``)."""
    name = entry[:-4] if entry.lower().endswith(".zip") else entry
    prefix = challenge.ARCHIVE_TEMPLATE.split("{", 1)[0]
    if name.startswith(prefix) and len(name) > len(prefix):
        name = name[len(prefix):]
    return Submission(slug(name), parts=[Part(entry)])


@dataclass
class Class:
    """The class read from a download: its layout, its submissions and what was noticed."""

    download: Download
    lms: str
    submissions: list[Submission]
    others: list[str]

    def describe(self) -> str:
        """One line for the grader's output: what was found, and how."""
        label = {"moodle": "Moodle download", "canvas": "Canvas download",
                 "plain": "one folder or .zip per student"}[self.lms]
        text = (f"submissions: {label} ({self.download.path.name}): "
                f"{len(self.submissions)} student(s) from {len(self.download.entries)} "
                "entries")
        if self.others and self.lms != "plain":
            shown = ", ".join(self.others[:5]) + (" ..." if len(self.others) > 5 else "")
            text += (f"; {len(self.others)} entr(y/ies) not named as {label.split()[0]} names "
                     f"them, graded one per entry: {shown}")
        return text


def read_class(path: str | os.PathLike, lms: str | None = None) -> Class:
    """The submissions in the folder or ``.zip`` ``path``; ``lms`` forces the layout."""
    if lms is not None and lms not in LMS_NAMES:
        raise GradingError(f"--lms must be one of {', '.join(LMS_NAMES)}, got {lms!r}")
    download = Download(path)
    layout = lms or detect(download.entries)
    if layout == "moodle":
        submissions, others = _moodle(download.entries)
    elif layout == "canvas":
        submissions, others = _canvas(download.entries)
    else:
        submissions, others = [], list(download.entries)
    submissions += [_plain(entry) for entry in others]
    keys: dict[str, Submission] = {}
    for submission in submissions:
        if submission.student in keys:
            first = keys[submission.student]
            raise GradingError(
                f"two entries give the same student {submission.student!r}: "
                f"{first.parts[0].entry} and {submission.parts[0].entry}; rename one")
        keys[submission.student] = submission
    ordered = [keys[key] for key in sorted(keys)]
    return Class(download, layout, ordered, others)


def unpack(submission: Submission, download: Download, target: Path) -> Path:
    """Copy ``submission``'s files into the empty folder ``target``; the folder holding them.

    Zips among the files are opened when needed (:func:`~.submissions.open_inner_zips`).
    Raises :class:`SubmissionError` (``invalid_archive``) for anything unsafe.
    """
    budget = Budget()
    for part in submission.parts:
        download.extract(part, target, budget)
    return open_inner_zips(target, budget)
