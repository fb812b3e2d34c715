"""Canvas' round trip, checked against what Canvas' own code writes and accepts.

Download names follow ``lib/content_zipper.rb``: ``[sortable name, late, user id]`` joined
by ``_`` (``anon_<anonymous id>`` instead of name and id under anonymous grading), with
everything but word characters dropped, so a name keeps its ``_``; then
``_<attachment id>_<file>``. The gradebook export follows ``lib/gradebook_exporter.rb``
(*Points Possible* written with ``number_to_delimited``: ``1,000``, or ``1.000`` in
Portuguese). Re-uploaded comments are matched as ``infer_comment_context_from_filename``
does: the first two all-digit ``_``-separated parts are the user and the attachment.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from course_utils import grading
from course_utils.grading.lms import GradeFiles, write_lms_files
from tests.test_grading_lms import NOT_A_MODEL, experiments, write_eval, write_zip
from tests.test_grading_lms_moodle import gradebook, graded_rows, write_feedback

DOWNLOAD = {
    "o_brienpat_814_99004_model.keras": NOT_A_MODEL,  # O'Brien, Pat: the name keeps its _
    "o_brienpat_814_99005_experiments.json": experiments(),
    "da_silva_joao_late_815_99006_model-1.keras": NOT_A_MODEL,
    "souzaana_812_99001_model.keras": NOT_A_MODEL,
}

ANONYMOUS = {  # anonymous grading: no name, no user id
    "anon_a1b2c_99011_model.keras": NOT_A_MODEL,
    "anon_a1b2c_99012_experiments.json": experiments(),
    "LATE_anon_Zx9Q1_99013_model.keras": NOT_A_MODEL,
}


def canvas_export(possible: str, delimiter: str = ",") -> str:
    """Canvas' gradebook export: the assignment's *Points Possible* as Canvas writes it."""
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
             "Desafio Fashion-MNIST (22222)", "Current Score"],
            ["    Points Possible", "", "", "", "", possible, "(read only)"],
            ["Souza, Ana", "812", "2026001", "ana", "Turma A", "", ""],
            ["O'Brien, Pat", "814", "2026004", "pat", "Turma A", "", ""],
            ["da Silva, João", "815", "2026005", "joao", "Turma B", "", ""],
            ["Lima, Bia", "816", "2026006", "bia", "Turma B", "", ""],  # nothing downloaded
            ["Student, Test", "999", "", "", "Turma A", "", ""]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def canvas_comment_target(name: str) -> tuple[str, str]:
    """``infer_comment_context_from_filename``: (user id, attachment id)."""
    user, attachment = [part for part in name.split("_") if part.isdigit()][:2]
    return user, attachment


def export_column(path: Path, delimiter: str = ",") -> dict[str, str]:
    """``{ID: the assignment's cell}`` of a gradebook export."""
    records = list(csv.reader(io.StringIO(path.read_text("utf-8")), delimiter=delimiter))
    column = records[0].index("Desafio Fashion-MNIST (22222)")
    return {record[1]: record[column] for record in records[1:]}


def test_names_with_underscores_and_anonymous_grading_are_graded_not_invalid(tmp_path):
    archive = write_zip(tmp_path / "submissions.zip", DOWNLOAD | ANONYMOUS)
    out = tmp_path / "correcao" / "g.csv"
    log = io.StringIO()
    grading.grade(archive, write_eval(tmp_path / "e.npz"), out, stream=log)
    rows = {row["lms_id"]: row for row in grading.read_gradebook(out)}
    assert {key: (row["name"], row["status"]) for key, row in rows.items()} == {
        "814": ("o_brienpat", "invalid_model"), "815": ("da_silva_joao", "invalid_model"),
        "812": ("souzaana", "invalid_model"), "anon_a1b2c": ("anon_a1b2c", "invalid_model"),
        "anon_Zx9Q1": ("anon_Zx9Q1", "invalid_model")}
    assert rows["814"]["experiments"] == rows["anon_a1b2c"]["experiments"] == "valid"
    assert "Canvas download (submissions.zip): 5 student(s) from 7 entries" in log.getvalue()


def test_grades_and_feedback_go_back_to_the_students_canvas_names(tmp_path):
    roster = grading.read_class(write_zip(tmp_path / "submissions.zip", DOWNLOAD | ANONYMOUS))
    export = tmp_path / "export.csv"
    export.write_text(canvas_export("10.00"), encoding="utf-8")
    points = {"o_brienpat_814": "7.5", "da_silva_joao_815": "6", "souzaana_812": "10",
              "anon_a1b2c": "9", "anon_Zx9Q1": "8"}
    out = gradebook(tmp_path / "g.csv", graded_rows(roster, points))
    write_feedback(tmp_path / "feedback", roster.submissions)
    grades, feedback = write_lms_files(out, roster, 10, GradeFiles(canvas_export=export))
    assert export_column(tmp_path / "canvas_grades.csv") == {
        "": "10.00", "812": "10", "814": "7.5", "815": "6", "816": "", "999": ""}
    with zipfile.ZipFile(feedback.path) as zf:
        targets = {canvas_comment_target(name) for name in zf.namelist()}
    assert targets == {("812", "99001"), ("814", "99004"), ("815", "99006")}
    anonymous = ("anonymous grading: Canvas' files name no student; enter the grade in "
                 "SpeedGrader")
    assert grades.missing == [f"anon_Zx9Q1 (anon_Zx9Q1): {anonymous}",
                              f"anon_a1b2c (anon_a1b2c): {anonymous}"]
    assert feedback.missing == [f"anon_Zx9Q1 (anon_Zx9Q1): {anonymous}",
                                f"anon_a1b2c (anon_a1b2c): {anonymous}"]


def test_points_possible_of_a_thousand_are_read_with_their_separator(tmp_path):
    roster = grading.read_class(write_zip(tmp_path / "submissions.zip", DOWNLOAD))
    out = gradebook(tmp_path / "g.csv", graded_rows(
        roster, {"o_brienpat_814": "7.25", "da_silva_joao_815": "0", "souzaana_812": "10"}))
    for possible, delimiter in (("1,000", ","), ("1.000", ";"), ("1,000.00", ",")):
        export = tmp_path / "export.csv"
        export.write_text(canvas_export(possible, delimiter), encoding="utf-8")
        write_lms_files(out, roster, 10, GradeFiles(canvas_export=export))
        filled = export_column(tmp_path / "canvas_grades.csv", delimiter)
        assert (filled["814"], filled["812"]) == ("725", "1000"), possible


def test_students_of_a_group_assignment_without_files_are_listed(tmp_path):
    roster = grading.read_class(write_zip(tmp_path / "submissions.zip", DOWNLOAD))
    export = tmp_path / "export.csv"
    export.write_text(canvas_export("100"), encoding="utf-8")
    out = gradebook(tmp_path / "g.csv", graded_rows(
        roster, {"o_brienpat_814": "7", "da_silva_joao_815": "6", "souzaana_812": "10"}))
    grades, _ = write_lms_files(out, roster, 10, GradeFiles(canvas_export=export))
    assert grades.ungraded == ["Lima, Bia (816)"]  # not Canvas' test student
    assert "no submission in the download for Lima, Bia (816) (in a group assignment" in (
        grades.describe())


def test_a_submission_the_grader_failed_on_is_left_empty_in_canvas(tmp_path):
    roster = grading.read_class(write_zip(tmp_path / "submissions.zip", DOWNLOAD))
    export = tmp_path / "export.csv"
    export.write_text(canvas_export("100"), encoding="utf-8")
    out = gradebook(tmp_path / "g.csv", graded_rows(
        roster, {"o_brienpat_814": "0", "da_silva_joao_815": "0", "souzaana_812": "10"},
        status={"o_brienpat_814": "crashed", "da_silva_joao_815": "missing_files"}))
    grades, _ = write_lms_files(out, roster, 10, GradeFiles(canvas_export=export))
    filled = export_column(tmp_path / "canvas_grades.csv")
    assert (filled["814"], filled["815"], filled["812"]) == ("", "0", "100")
    assert grades.failed == ["o_brienpat (814)"] and grades.ungraded == ["Lima, Bia (816)"]
