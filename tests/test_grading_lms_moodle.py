"""Moodle's round trip, checked against what Moodle's own code accepts.

The downloads are named as Moodle names them (``mod/assign/locallib.php``'s
``download_submissions`` up to 4.0, ``classes/downloader.php`` from 4.1), the worksheets
as ``gradingtable.php`` writes them. What Moodle accepts back is re-run here in Python:
the worksheet importer (``importgradeslib.php``: ``init()`` needs the Identifier, Grade and
Last modified (grade) columns; ``next()`` reads the participant after ``Participant ``) and
both feedback-zip importers (``importziplib.php``: up to 4.0 the path must split on ``_``
into five parts; from 4.1 each path part into at least four). See
``../shared/reviews/lms-2026-12-05.md`` for each rule's source.

Most tests fill the LMS files from a gradebook written here (what ``course grade`` wrote
after grading), so they need no sandbox; the team tests grade a real download.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest

from course_utils import cli, grading
from course_utils.grading.lms import GradeFiles, write_lms_files
from tests.test_grading_lms import NOT_A_MODEL, experiments, write_eval, write_zip, zip_bytes

ROOT = Path(__file__).resolve().parents[1]

HEADER_EN = ('"Identifier","Full name","Email address","Status","Group","Grade",'
             '"Maximum Grade","Grade can be changed","Last modified (submission)",'
             '"Last modified (grade)","Feedback comments"\r\n')


def worksheet_row(participant: str, name: str, group: str, status: str = "Submitted for "
                  "grading", maximum: str = "100.00", comment: str = "") -> str:
    """One participant's row, as Moodle 4.x writes it in English."""
    return (f'"Participant {participant}","{name}","{name.split()[0].lower()}@example.org",'
            f'"{status}","{group}",,"{maximum}","Yes","Monday, 1 December 2026, 10:00 AM",'
            f'"-","{comment}"\r\n')


def gradebook(path: Path, rows: list[dict[str, str]]) -> Path:
    """A gradebook as ``course grade`` writes it, with the given columns filled."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=grading.COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: "" for column in grading.COLUMNS} | {
                "status": "invalid_model", "eval_set": "e"} | row)
    return path


def graded_rows(roster: grading.Class, points: dict[str, str],
                status: dict[str, str] | None = None) -> list[dict[str, str]]:
    """A row per submission of ``roster`` (keyed by student), with its points."""
    status = status or {}
    return [{"student": s.student, "name": s.name, "lms_id": s.lms_id,
             "points": points[s.student], "status": status.get(s.student, "ok")}
            for s in roster.submissions]


def write_feedback(folder: Path, submissions: list[grading.Submission]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for submission in submissions:
        (folder / f"{submission.student}.md").write_bytes(f"# {submission.name}\n".encode())


def without_column(text: str, name: str) -> str:
    """The worksheet ``text`` without its column ``name``."""
    records = list(csv.reader(io.StringIO(text)))
    column = records[0].index(name)
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(
        record[:column] + record[column + 1:] for record in records)
    return buffer.getvalue()


# ---- what Moodle's code accepts, in Python ---------------------------------------------------


def moodle_imports_worksheet(path: Path, decimal_separator: str = ".") -> dict[int, float]:
    """The grades Moodle's worksheet importer reads from the English worksheet at ``path``:
    ``{participant: grade}``; ``ValueError`` where Moodle stops with invalidgradeimport."""
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    text = re.sub("\r\n?", "\n", text)  # csv_import_reader normalises line ends
    records = list(csv.reader(io.StringIO(text)))
    header = records[0]
    for column in ("Identifier", "Grade", "Last modified (grade)"):  # init()
        if column not in header:
            raise ValueError(f"invalidgradeimport: no {column}")
    if any(len(record) != len(header) for record in records):
        raise ValueError("csvweirdcolumns")
    grades = {}
    for record in records[1:]:  # next(): substr(idstr, strlen('Participant '))
        participant = int(record[header.index("Identifier")][len("Participant "):])
        grade = record[header.index("Grade")]
        if grade.strip():  # unformat_float: the uploader's separator, then (float)
            number = re.match(r"-?\d*\.?\d*", grade.replace(decimal_separator, "."))[0]
            grades[participant] = float(number or 0)
    return grades


def moodle_4_0_zip_import(name: str) -> int | None:
    """The participant the classic importer (Moodle <= 4.0) gives a zip entry to:
    ``explode('_', filepath . filename, 5)``, five parts or nothing."""
    info = ("/" + name).split("_", 4)
    if len(info) < 5 or not info[1].isdigit() or info[2:4] != ["assignsubmission", "file"]:
        return None
    return int(info[1])


def moodle_4_1_zip_import(name: str) -> int | None:
    """The participant (or group) the path-walking importer (Moodle >= 4.1) gives a zip
    entry to: the first path part that splits on ``_`` into at least four."""
    for part in name.split("/"):
        info = part.split("_", 4)
        if len(info) >= 4 and info[1].isdigit() and info[2:4] == ["assignsubmission", "file"]:
            return int(info[1])
    return None


# ---- 1. Moodle 4.1+ teams: a group id is never a participant --------------------------------


def moodle_4_1_team_download(tmp_path: Path) -> Path:
    """Team submissions in Moodle 4.1+: one folder per group, ``<group>_<group id>``, and
    the default group's folder with no id; one student submitting alone."""
    return write_zip(tmp_path / "Desafio-57.zip", {
        "Grupo 1_57_assignsubmission_file/model.keras": NOT_A_MODEL,
        "Default group_assignsubmission_file/model.keras": NOT_A_MODEL,
        "Eva Mendes_815_assignsubmission_file/model.keras": NOT_A_MODEL,
    })


TEAM_WORKSHEET = HEADER_EN + "".join([
    worksheet_row("57", "Carla Dias", "Grupo 2", "No submission"),  # the group's id, by chance
    worksheet_row("812", "Ana Souza", "Grupo 1"),
    worksheet_row("813", "Bruno Lima", "Grupo 1"),
    worksheet_row("814", "Caio Prado", "Default group"),
    worksheet_row("815", "Eva Mendes", "Grupo 3"),
])


def test_a_4_1_team_s_grade_goes_to_its_members_never_to_the_participant_with_its_id(
        tmp_path):
    roster = grading.read_class(moodle_4_1_team_download(tmp_path))
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_bytes(TEAM_WORKSHEET.encode())
    points = {"Grupo_1_57": "9", "Default_group": "7.5", "Eva_Mendes_815": "4"}
    out = gradebook(tmp_path / "correcao" / "gradebook.csv", graded_rows(roster, points))
    grades, _ = write_lms_files(out, roster, 10, GradeFiles(worksheet=worksheet))
    assert moodle_imports_worksheet(out.parent / "moodle_grades.csv") == {
        812: 90, 813: 90, 814: 75, 815: 40}  # Carla Dias (57) untouched
    assert (grades.filled, grades.missing) == (4, [])


def test_a_4_1_team_without_a_group_column_is_entered_by_hand(tmp_path):
    roster = grading.read_class(moodle_4_1_team_download(tmp_path))
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_bytes(without_column(TEAM_WORKSHEET, "Group").encode())
    points = {"Grupo_1_57": "9", "Default_group": "7.5", "Eva_Mendes_815": "4"}
    out = gradebook(tmp_path / "gradebook.csv", graded_rows(roster, points))
    grades, _ = write_lms_files(out, roster, 10, GradeFiles(worksheet=worksheet))
    assert moodle_imports_worksheet(tmp_path / "moodle_grades.csv") == {815: 40}
    assert grades.missing == ["Default group (Default_group)", "Grupo 1 (57)"]
    assert "enter by hand: Default group (Default_group), Grupo 1 (57)" in grades.describe()


# ---- 2. the feedback zip: names every Moodle version imports --------------------------------


@pytest.mark.parametrize("entry", [
    "Ana Souza_812_assignsubmission_file/model.keras",  # 4.1+ folders
    "Ana Souza_812_assignsubmission_file_/model.keras",  # 3.x and 4.0 folders
    "Ana Souza_812_assignsubmission_file_model.keras",  # flat files
], ids=["4.1", "3.x", "flat"])
def test_the_feedback_zip_is_imported_by_moodle_up_to_4_0_and_from_4_1(tmp_path, entry):
    roster = grading.read_class(write_zip(tmp_path / "d.zip", {entry: NOT_A_MODEL}))
    out = gradebook(tmp_path / "g.csv", graded_rows(roster, {"Ana_Souza_812": "5"}))
    write_feedback(tmp_path / "feedback", roster.submissions)
    _, feedback = write_lms_files(out, roster, 10)
    with zipfile.ZipFile(feedback.path) as zf:
        [name] = zf.namelist()
    assert moodle_4_0_zip_import(name) == moodle_4_1_zip_import(name) == 812
    assert name.endswith("/correcao.md") and feedback.files == 1


def test_the_default_group_has_no_place_in_the_feedback_zip_and_is_listed(tmp_path):
    roster = grading.read_class(moodle_4_1_team_download(tmp_path))
    points = {"Grupo_1_57": "9", "Default_group": "7.5", "Eva_Mendes_815": "4"}
    out = gradebook(tmp_path / "g.csv", graded_rows(roster, points))
    write_feedback(tmp_path / "feedback", roster.submissions)
    _, feedback = write_lms_files(out, roster, 10)
    with zipfile.ZipFile(feedback.path) as zf:
        assert {moodle_4_1_zip_import(name) for name in zf.namelist()} == {57, 815}
    assert feedback.missing == ["Default group (Default_group): Moodle's download gives the "
                                "default group no id; upload its members' feedback one by one"]


# ---- 3. no worksheet: nothing Moodle would refuse --------------------------------------------


def test_without_a_worksheet_no_grades_file_is_written_and_the_output_says_how(tmp_path):
    roster = grading.read_class(write_zip(tmp_path / "d.zip", {
        "Ana Souza_812_assignsubmission_file/model.keras": NOT_A_MODEL}))
    out = gradebook(tmp_path / "g.csv", graded_rows(roster, {"Ana_Souza_812": "5"}))
    grades, feedback = write_lms_files(out, roster, 10)
    assert not (tmp_path / "moodle_grades.csv").exists()
    assert "pass --worksheet" in grades.describe()
    assert "Grading action (Actions in 4.3+) > Download grading worksheet" in grades.describe()
    assert feedback.path.is_file()


@pytest.mark.parametrize("drop, message", [
    ("Last modified (grade)", 'no "Last modified \\(grade\\)" column, without which Moodle '
                              "refuses the upload"),
    ("Maximum Grade", 'no "Maximum Grade" column: the grader cannot scale its points'),
], ids=["no_last_modified", "no_maximum"])
def test_a_worksheet_moodle_would_refuse_or_not_scale_is_refused_before_grading(
        tmp_path, drop, message):
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_bytes(without_column(TEAM_WORKSHEET, drop).encode())
    out = tmp_path / "g.csv"
    with pytest.raises(grading.GradingError, match=message):
        grading.grade(moodle_4_1_team_download(tmp_path), write_eval(tmp_path / "e.npz"), out,
                      worksheet=worksheet, stream=io.StringIO())
    assert not out.exists()  # refused before grading anyone


# ---- 4. scale grading: refused, never raw points -----------------------------------------------


def test_a_worksheet_of_a_scale_assignment_is_refused_with_what_to_do(tmp_path):
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_bytes(TEAM_WORKSHEET.replace('"Maximum Grade"', '"Scale"').encode())
    code = cli.main(["grade", str(moodle_4_1_team_download(tmp_path)), "--eval-set",
                     str(write_eval(tmp_path / "e.npz")), "--out", str(tmp_path / "g.csv"),
                     "--worksheet", str(worksheet)])
    assert code == 2
    with pytest.raises(grading.GradingError, match="grades with a scale.*set the assignment's "
                                                   "grade type to Point"):
        grading.check_grade_files(grading.read_class(moodle_4_1_team_download(tmp_path)),
                                  GradeFiles(worksheet=worksheet), "d.zip")


# ---- 6. Moodle skips rows changed after the download: said where the instructor looks --------


def test_the_stale_row_rule_is_in_the_manual_and_in_the_grader_s_output(tmp_path):
    manual = " ".join((ROOT / "docs" / "instructors.md").read_text().split())
    moodle_steps = manual[manual.index("**Round trip with Moodle.**"):
                          manual.index("**Round trip with Canvas.**")]
    assert "Allow updating records that have been modified more recently" in moodle_steps
    assert "right before uploading" in moodle_steps
    roster = grading.read_class(moodle_4_1_team_download(tmp_path))
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_bytes(TEAM_WORKSHEET.encode())
    out = gradebook(tmp_path / "g.csv", graded_rows(
        roster, {"Grupo_1_57": "9", "Default_group": "7.5", "Eva_Mendes_815": "4"}))
    grades, _ = write_lms_files(out, roster, 10, GradeFiles(worksheet=worksheet))
    assert "Allow updating records that have been modified more recently" in grades.describe()


# ---- 7. Moodle <= 4.0 teams: one grading, no copy flag between teammates ---------------------


def moodle_3_team_download() -> dict[str, bytes | str]:
    """Up to Moodle 4.0 a team's files are in one folder per member, ``<group>-<name>``;
    two teams that sent the same files are not one."""
    team = zip_bytes({"model.keras": NOT_A_MODEL, "experiments.json": experiments()})
    return {
        "Grupo 1-Ana Souza_812_assignsubmission_file_/entrega.zip": team,
        "Grupo 1-Bruno Lima_813_assignsubmission_file_/entrega.zip": team,
        "Default group-Caio Prado_814_assignsubmission_file_/model.keras": NOT_A_MODEL,
        # two teams with the same files: a copy to flag, not one team
        "Grupo 2-Lia Reis_815_assignsubmission_file_/model.keras": NOT_A_MODEL,
        "Grupo 3-Rui Reis_816_assignsubmission_file_/model.keras": NOT_A_MODEL,
    }


def test_a_3_x_team_is_graded_once_and_its_grade_goes_to_every_member(tmp_path):
    archive = write_zip(tmp_path / "todos.zip", moodle_3_team_download())
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_bytes((HEADER_EN + "".join([
        worksheet_row("812", "Ana Souza", "Grupo 1"), worksheet_row("813", "Bruno Lima", "Grupo 1"),
        worksheet_row("814", "Caio Prado", "Default group"),
        worksheet_row("815", "Lia Reis", "Grupo 2"), worksheet_row("816", "Rui Reis", "Grupo 3")
    ])).encode())
    out = tmp_path / "correcao" / "g.csv"
    log = io.StringIO()
    result = grading.grade(archive, write_eval(tmp_path / "e.npz"), out, worksheet=worksheet,
                           stream=log)
    rows = {row["student"]: row for row in grading.read_gradebook(out)}
    assert sorted(rows) == ["Default_group-Caio_Prado_814", "Grupo_1_812",
                            "Grupo_2-Lia_Reis_815", "Grupo_3-Rui_Reis_816"]
    assert (rows["Grupo_1_812"]["name"], rows["Grupo_1_812"]["lms_id"]) == ("Grupo 1", "812;813")
    assert rows["Grupo_1_812"]["experiments"] == "valid"
    assert "1 team(s) whose members' entries hold the same files, graded once: Grupo 1" in (
        log.getvalue())
    grades = moodle_imports_worksheet(out.parent / "moodle_grades.csv")
    assert grades[812] == grades[813] == float(rows["Grupo_1_812"]["points"]) * 10
    assert set(grades) == {812, 813, 814, 815, 816} and result["exports"][0].missing == []
    with zipfile.ZipFile(out.parent / "moodle_feedback.zip") as zf:
        assert sorted(map(moodle_4_0_zip_import, zf.namelist())) == [812, 813, 814, 815, 816]


# ---- 10. byte for byte, whatever the OS writes for "\n" --------------------------------------


def test_the_filled_worksheet_keeps_every_other_byte_even_where_text_mode_would_not(
        tmp_path, monkeypatch):
    def windows_write_text(self, data, encoding=None, errors=None, newline=None):
        return Path.write_bytes(self, data.replace("\n", "\r\n").encode(encoding or "utf-8"))

    monkeypatch.setattr(Path, "write_text", windows_write_text)  # what Windows' text mode does
    roster = grading.read_class(moodle_4_1_team_download(tmp_path))
    original = ("\ufeff" + TEAM_WORKSHEET.replace(
        worksheet_row("815", "Eva Mendes", "Grupo 3"),
        worksheet_row("815", "Eva Mendes", "Grupo 3", comment="linha 1\nlinha 2"))).encode()
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_bytes(original)
    out = gradebook(tmp_path / "g.csv", graded_rows(
        roster, {"Grupo_1_57": "9", "Default_group": "7.5", "Eva_Mendes_815": "4"}))
    write_lms_files(out, roster, 10, GradeFiles(worksheet=worksheet))
    assert (tmp_path / "moodle_grades.csv").read_bytes() == original.replace(
        b'"Grupo 1",,', b'"Grupo 1",90,').replace(
        b'"Default group",,', b'"Default group",75,').replace(b'"Grupo 3",,', b'"Grupo 3",40,')


# ---- 11. the grader's failures are not zeros; merge writes the LMS files ---------------------


def test_a_submission_the_grader_failed_on_is_not_written_as_a_zero(tmp_path):
    roster = grading.read_class(moodle_4_1_team_download(tmp_path))
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_bytes(TEAM_WORKSHEET.encode())
    out = gradebook(tmp_path / "g.csv", graded_rows(
        roster, {"Grupo_1_57": "0", "Default_group": "7.5", "Eva_Mendes_815": "0"},
        status={"Grupo_1_57": "crashed", "Eva_Mendes_815": "invalid_model"}))
    grades, _ = write_lms_files(out, roster, 10, GradeFiles(worksheet=worksheet))
    assert moodle_imports_worksheet(tmp_path / "moodle_grades.csv") == {814: 75, 815: 0}
    assert grades.failed == ["Grupo 1 (57)"]
    assert "the grader failed on them (status crashed, not a grade of zero): Grupo 1 (57)" in (
        grades.describe())


def test_merge_writes_the_lms_files_of_the_merged_gradebook(tmp_path, capsys):
    archive = moodle_4_1_team_download(tmp_path)
    roster = grading.read_class(archive)
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_bytes(TEAM_WORKSHEET.encode())
    rows = graded_rows(roster, {"Grupo_1_57": "9", "Default_group": "7.5", "Eva_Mendes_815": "4"})
    shards = [gradebook(tmp_path / f"shard{i}" / "g.csv", rows[i::2]) for i in range(2)]
    for i, shard in enumerate(shards):  # each shard's feedback stays in its own folder
        write_feedback(shard.parent / "feedback", roster.submissions[i::2])
    merged = tmp_path / "all" / "gradebook.csv"
    assert cli.main(["grade", "merge", *map(str, shards), "--out", str(merged),
                     "--submissions", str(archive), "--worksheet", str(worksheet)]) == 0
    assert moodle_imports_worksheet(merged.parent / "moodle_grades.csv") == {
        812: 90, 813: 90, 814: 75, 815: 40}
    with zipfile.ZipFile(merged.parent / "moodle_feedback.zip") as zf:
        assert len(zf.namelist()) == 2  # the default group has no id
    assert "grades for Moodle" in capsys.readouterr().out
    assert cli.main(["grade", "merge", *map(str, shards), "--out", str(merged), "--force",
                     "--worksheet", str(worksheet)]) == 2  # which download: not said
