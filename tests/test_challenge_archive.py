"""``self_check`` opens a submission by the grader's own rules: what the grader refuses as
``invalid_archive``, ``self_check`` refuses too, for the same reason."""

from __future__ import annotations

import os
import shutil
import stat
import warnings
import zipfile
from pathlib import Path

import pytest

from course_utils import grading
from course_utils.challenge import EXPERIMENTS_FILE, MODEL_FILE, archive, self_check


def write_zip(path: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    """A zip holding ``members`` as written, names and attributes unchecked."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a duplicate name
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in members:
                zf.writestr(name, data)
    return path


def symlink_member(name: str, points_to: str) -> tuple[zipfile.ZipInfo, bytes]:
    """A zip member that unpacks as a symbolic link (as `zip --symlinks` writes it)."""
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, points_to.encode()


def grader_verdict(entry: Path, tmp_path: Path) -> tuple[str, str]:
    """The grader's unpacking of a class holding this one student's entry (a zip or a
    folder): ``("ok", "")`` or the status and its message."""
    turma = tmp_path / "turma"
    turma.mkdir()
    if entry.is_dir():
        shutil.copytree(entry, turma / "ana", symlinks=True)
    else:
        shutil.copy(entry, turma / "entrega_ana.zip")
    roster = grading.read_class(turma)
    (submission,) = roster.submissions
    target = tmp_path / "unpacked"
    target.mkdir()
    try:
        grading.unpack(submission, roster.download, target)
    except grading.SubmissionError as error:
        return str(error.status), str(error)
    return "ok", ""


FILES = [(MODEL_FILE, b"not really a model"), (EXPERIMENTS_FILE, b"{}")]

HOSTILE = {
    "symlink": (FILES[1:] + [symlink_member(MODEL_FILE, "/etc/passwd")],
                "symbolic link in the archive", "link simbólico no zip"),
    "dot_dot": (FILES + [("../fora.txt", b"x")], "unsafe path", "caminho inseguro"),
    "absolute": (FILES + [("/tmp/fora.txt", b"x")], "unsafe path", "caminho inseguro"),
    "drive_letter": (FILES + [("C:/fora.txt", b"x")], "unsafe path", "caminho inseguro"),
    "same_name_twice": (FILES + [FILES[0]], "two files would be called model.keras",
                        "dois arquivos da entrega se chamariam model.keras"),
}


@pytest.mark.parametrize("members, english, portuguese", HOSTILE.values(), ids=HOSTILE.keys())
def test_an_archive_the_grader_refuses_fails_self_check_for_the_same_reason(
        members, english, portuguese, tmp_path):
    entry = write_zip(tmp_path / "entrega_ana.zip", members)
    status, message = grader_verdict(entry, tmp_path)
    assert status == "invalid_archive" and english in message
    report = self_check(entry, verbose=False)
    assert report["valid"] is False
    assert len(report["problems"]) == 1 and portuguese in report["problems"][0]


@pytest.mark.parametrize("limit, members, english, portuguese", [
    ("MAX_BYTES", FILES + [("pesado.bin", bytes(4096))], "MiB unpacked", "MiB descompactada"),
    ("MAX_FILES", FILES + [(f"{i}.txt", b"x") for i in range(3)], "more than 4 files",
     "mais de 4 arquivos"),
], ids=["too_many_bytes", "too_many_files"])
def test_an_archive_over_the_budget_fails_both(limit, members, english, portuguese, tmp_path,
                                                monkeypatch):
    monkeypatch.setattr(archive, limit, 4 if limit == "MAX_FILES" else 1024)
    entry = write_zip(tmp_path / "entrega_ana.zip", members)
    status, message = grader_verdict(entry, tmp_path)
    assert status == "invalid_archive" and english in message
    problems = self_check(entry, verbose=False)["problems"]
    assert len(problems) == 1 and portuguese in problems[0]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this system")
def test_a_folder_holding_a_symbolic_link_fails_both(tmp_path):
    folder = tmp_path / "submissao"
    folder.mkdir()
    (folder / EXPERIMENTS_FILE).write_text("{}", encoding="utf-8")
    (folder / MODEL_FILE).symlink_to("/etc/passwd")
    status, message = grader_verdict(folder, tmp_path)
    assert status == "invalid_archive" and "symbolic link" in message
    problems = self_check(folder, verbose=False)["problems"]
    assert problems == ["link simbólico na entrega: submissao/model.keras (o avaliador aceita "
                        "só arquivos comuns)"]


def test_an_archive_both_open_reaches_the_checks_of_its_files(tmp_path):
    entry = write_zip(tmp_path / "entrega_ana.zip",
                      [(f"submissao/{name}", data) for name, data in FILES])
    assert grader_verdict(entry, tmp_path) == ("ok", "")
    problems = self_check(entry, verbose=False)["problems"]
    assert [problem.split(":")[0] for problem in problems] == [
        f"{MODEL_FILE} não carrega", f"{EXPERIMENTS_FILE} inválido"]
