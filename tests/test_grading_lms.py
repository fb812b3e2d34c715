"""`course grade` on the LMS's own download, and the grades and feedback going back to it.

Each test builds a download as Moodle (3.x and 4.1+, folders and flat files, online text,
blind marking, teams, accented names) or Canvas (flat files, late, re-uploads) writes it,
zips it as the LMS hands it over, grades the zip and reads the gradebook. Most models are
files that are no Keras model (``invalid_model``: proof the grader found ``model.keras``
without a sandbox); one real model per download is scored in the sandbox.
"""

from __future__ import annotations

import csv
import io
import json
import pickle
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

from course_utils import challenge, cli, datasets, grading
from course_utils.grading.lms import canvas, csvcells
from tests.test_challenge import constant_model, template_model
from tests.test_grading import make_runs

pytestmark = pytest.mark.slow  # among the longest test files: conftest.py runs them first

NOT_A_MODEL = pickle.dumps({"weights": [1, 2, 3]})


def experiments(student: str = "aluno") -> str:
    return json.dumps({"student_id": student, "format": 1, "runs": make_runs()})


def zip_bytes(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def write_zip(path: Path, files: dict[str, bytes | str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zip_bytes(files))
    return path


def model_bytes(model, tmp_path: Path) -> bytes:
    """``model`` as a student would save it: its weights, default initializers in its
    config (test_challenge's models hold theirs as constants, which the grader refuses)."""
    config = model.get_config()
    for layer in config["layers"]:
        for key in ("kernel_initializer", "bias_initializer"):
            layer["config"].pop(key, None)
    copy = keras.Model.from_config(config)
    copy.set_weights(model.get_weights())
    path = tmp_path / "scratch" / challenge.MODEL_FILE
    path.parent.mkdir(exist_ok=True)
    copy.save(path)
    return path.read_bytes()


def eval_set_from_test_split(path: Path, size: int = 200) -> Path:
    """Labelled test-split images (fast mode: the fixture or the mirror)."""
    _, (x_test, y_test) = datasets.load_fashion_mnist()
    np.savez(path, x=x_test[:size], y=y_test[:size].astype(np.uint8))
    return path


def rows_by_id(out: Path) -> dict[str, dict[str, str]]:
    return {row["lms_id"] or row["student"]: row for row in grading.read_gradebook(out)}


# ---- Moodle ------------------------------------------------------------------------------


def moodle_4_download(model: bytes) -> dict[str, bytes | str]:
    """Moodle 4.1+ "Download all submissions": one folder per student and plugin."""
    entrega = zip_bytes({challenge.MODEL_FILE: model, challenge.EXPERIMENTS_FILE: experiments(),
                         "07_desafio_fashion_mnist.ipynb": "{}"})
    return {
        # the archive save_submission writes, uploaded as is
        "João da Silva_101_assignsubmission_file/entrega_joao.zip": entrega,
        # loose files, and an online text of the same student: one row
        "Maria Conceição_102_assignsubmission_file/model.keras": NOT_A_MODEL,
        "Maria Conceição_102_assignsubmission_file/experiments.json": experiments(),
        "Maria Conceição_102_assignsubmission_onlinetext/onlinetext.html": "<p>Olá</p>",
        # a zip of a folder, blind marking in Portuguese
        "Participante_103_assignsubmission_file/submissao.zip": zip_bytes(
            {"submissao/model.keras": NOT_A_MODEL, "submissao/experiments.json": experiments()}),
        # a team submission: the group's name and id
        "Grupo Azul_104_assignsubmission_file/model.keras": NOT_A_MODEL,
        # online text only: nothing to grade, still one row
        "Zé Ninguém_105_assignsubmission_onlinetext/onlinetext.html": "<p>esqueci</p>",
        # an unsafe zip inside one student's folder touches that student only
        "Eva Mendes_106_assignsubmission_file/entrega.zip": zip_bytes(
            {"../../fora.txt": "x", challenge.MODEL_FILE: NOT_A_MODEL}),
    }


def moodle_3_download() -> dict[str, bytes | str]:
    """Moodle 3.x: folders end in ``_file_``; older downloads are flat files."""
    return {
        "Ana Souza_201_assignsubmission_file_/model.keras": NOT_A_MODEL,
        "Bruno Lima_202_assignsubmission_file_model.keras": NOT_A_MODEL,
        "Bruno Lima_202_assignsubmission_file_experiments.json": experiments(),
        "Participant_203_assignsubmission_file_/entrega_x.zip": zip_bytes(
            {challenge.MODEL_FILE: NOT_A_MODEL}),
        "Cecília Árvore_204_assignsubmission_onlinetext_onlinetext.html": "<p>oi</p>",
    }


@pytest.fixture(scope="module")
def moodle_graded(tmp_path_factory):
    """A Moodle 4.1+ download, zipped, graded with a Portuguese grading worksheet."""
    base = tmp_path_factory.mktemp("moodle")
    x, y = challenge.public_sample()
    model = model_bytes(template_model(x, y, rescaling=True), base)  # takes pixels 0-255
    download = write_zip(base / "Desafio-Fashion-MNIST-123.zip", moodle_4_download(model))
    worksheet = base / "Notas-Desafio-123.csv"
    worksheet.write_bytes(MOODLE_WORKSHEET_PT.encode("utf-8"))
    private = eval_set_from_test_split(base / "private.npz")
    out = base / "correcao" / "gradebook.csv"
    log = io.StringIO()
    result = grading.grade(download, private, out, workers=2, timeout=120,
                           worksheet=worksheet, stream=log)
    return {"out": out, "rows": rows_by_id(out), "log": log.getvalue(), "result": result,
            "worksheet": worksheet, "private": private, "base": base}


MOODLE_WORKSHEET_PT = (
    '"Identificador","Nome completo","Endereço de email","Status","Nota","Nota máxima",'
    '"A nota pode ser alterada","Última modificação (envio)","Texto online",'
    '"Última modificação (nota)","Comentários de feedback"\r\n'
    '"Participante 101","João da Silva","joao@example.org","Enviado para avaliação",,'
    '"10,00","Sim","segunda, 1 dez 2026, 10:00",,"-",\r\n'
    '"Participante 102","Maria Conceição","maria@example.org","Enviado para avaliação",,'
    '"10,00","Sim","segunda, 1 dez 2026, 11:00","<p>Olá</p>","-","comentário\r\n'
    'em duas linhas, com ""aspas"""\r\n'
    '"Participante 107","Sem Entrega","sem@example.org","Nenhum envio",,"10,00","Sim","-",,'
    '"-",\r\n'
    '"Participante 103","Participante 103","p103@example.org","Enviado para avaliação",,'
    '"10,00","Sim","-",,"-",\r\n'
)
"""A Portuguese worksheet: quoted cells, a multi-line comment, a student who sent nothing."""


def test_a_moodle_download_zip_gives_one_row_per_student_with_its_lms_id(moodle_graded):
    rows = moodle_graded["rows"]
    assert sorted(rows) == ["101", "102", "103", "104", "105", "106"]
    assert rows["101"]["name"] == "João da Silva" and rows["101"]["student"] == (
        "Joao_da_Silva_101")
    assert rows["103"]["name"] == "Participante 103"  # blind marking
    assert rows["104"]["name"] == "Grupo Azul"  # a team: one row per group
    assert {key: rows[key]["status"] for key in ("102", "103", "104")} == {
        "102": "invalid_model", "103": "invalid_model", "104": "invalid_model"}
    assert rows["102"]["experiments"] == "valid"  # student_id is not the LMS's key
    assert rows["105"]["status"] == "missing_files"
    assert rows["106"]["status"] == "invalid_archive"
    assert "unsafe path" in rows["106"]["message"]
    assert "submissions: Moodle download (Desafio-Fashion-MNIST-123.zip): 6 student(s) from " \
           "7 entries" in moodle_graded["log"]


def test_a_model_with_its_own_rescaling_is_scored_on_raw_pixels(moodle_graded):
    row = moodle_graded["rows"]["101"]
    assert row["status"] == "ok", row
    assert row["pixel_scale"] == "0-255"
    x, y, _ = grading.load_eval_set(moodle_graded["private"])
    public_x, public_y = challenge.public_sample()
    model = template_model(public_x, public_y, rescaling=True)
    expected = challenge.model_accuracy(model, x, y, scale="0-255")
    assert float(row["accuracy"]) == pytest.approx(expected, abs=1e-4)
    assert expected > challenge.model_accuracy(model, x, y, scale="0-1") + 0.2
    feedback = (moodle_graded["out"].parent / "feedback" / "Joao_da_Silva_101.md").read_text()
    assert "Escala de pixels** usada para avaliar o modelo: pixels de 0 a 255" in feedback
    assert "espera pixels de 0 a 255" in feedback


def test_the_portuguese_worksheet_gets_its_grades_and_nothing_else_changes(moodle_graded):
    filled = (moodle_graded["out"].parent / "moodle_grades.csv").read_bytes().decode()
    original = moodle_graded["worksheet"].read_bytes().decode()
    before = list(csv.reader(io.StringIO(original)))
    after = list(csv.reader(io.StringIO(filled)))
    assert len(before) == len(after) and before[0] == after[0]
    grade = before[0].index("Nota")
    points = {row["lms_id"]: row["points"] for row in moodle_graded["rows"].values()}
    for old, new in zip(before[1:], after[1:]):
        participant = old[0].split()[-1]
        expected = points.get(participant, "").replace(".", ",")
        assert new[grade] == expected, (old, new)
        assert new[:grade] + new[grade + 1:] == old[:grade] + old[grade + 1:]
    # rows not graded are the very same bytes, and so is the header
    for line in ('"Participante 107","Sem Entrega",', '"Identificador","Nome completo"'):
        assert next(x for x in original.split("\r\n") if x.startswith(line)) == next(
            x for x in filled.split("\r\n") if x.startswith(line))
    exports = moodle_graded["result"]["exports"]
    assert exports[0].filled == 3  # 101, 102, 103; 104-106 are not in this worksheet
    assert "Grupo Azul (104)" in exports[0].missing


def test_the_moodle_feedback_zip_uses_the_download_s_folders(moodle_graded):
    with zipfile.ZipFile(moodle_graded["out"].parent / "moodle_feedback.zip") as zf:
        names = set(zf.namelist())
        text = zf.read("João da Silva_101_assignsubmission_file_/correcao.md").decode()
    assert "Participante_103_assignsubmission_file_/correcao.md" in names
    assert len(names) == 6
    assert text.startswith("# Desafio Fashion-MNIST: correção de João da Silva")


def test_moodle_3_folders_flat_files_and_english_blind_marking(tmp_path):
    download = tmp_path / "download"
    for name, data in moodle_3_download().items():
        (download / name).parent.mkdir(parents=True, exist_ok=True)
        (download / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    archive = write_zip(tmp_path / "todos.zip", {
        f"Desafio/{path.relative_to(download)}": path.read_bytes()
        for path in sorted(download.rglob("*")) if path.is_file()})  # wrapped in a folder
    out = tmp_path / "g.csv"
    for source in (download, archive):  # the folder and the zip give the same rows
        grading.grade(source, write_eval(tmp_path / "e.npz"), out, force=True,
                      stream=io.StringIO())
        rows = rows_by_id(out)
        assert {key: row["status"] for key, row in rows.items()} == {
            "201": "invalid_model", "202": "invalid_model", "203": "invalid_model",
            "204": "missing_files"}
        assert rows["202"]["experiments"] == "valid"
        assert rows["203"]["name"] == "Participant 203"
        assert rows["204"]["name"] == "Cecília Árvore"
    assert not (tmp_path / "moodle_grades.csv").exists()  # no --worksheet was given


def write_eval(path: Path) -> Path:
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.integers(0, 256, (16, 28, 28), dtype=np.uint8),
             y=rng.integers(0, 10, 16).astype(np.uint8))
    return path


def test_lms_plain_overrides_the_detection(tmp_path):
    archive = write_zip(tmp_path / "moodle.zip", moodle_3_download())
    log = io.StringIO()
    grading.grade(archive, write_eval(tmp_path / "e.npz"), tmp_path / "g.csv", lms="plain",
                  stream=log)
    rows = grading.read_gradebook(tmp_path / "g.csv")
    assert len(rows) == 5 and all(row["lms_id"] == "" for row in rows)
    assert "submissions: one folder or .zip per student (moodle.zip): 5 student(s)" in (
        log.getvalue())
    assert not (tmp_path / "moodle_grades.csv").exists()


# ---- Canvas ------------------------------------------------------------------------------


def canvas_download(model: bytes) -> dict[str, bytes | str]:
    """Canvas "Download Submissions": flat files, ``late`` in either case, re-uploads."""
    return {
        "silvajoao_101_5001_model.keras": model,
        "silvajoao_101_5002_experiments.json": experiments(),
        "souzaana_LATE_102_5003_entrega_ana.zip": zip_bytes(
            {"entrega/model.keras": NOT_A_MODEL, "entrega/experiments.json": experiments()}),
        "limabruno_late_103_5004_model-1.keras": NOT_A_MODEL,  # uploaded a second time
        "limabruno_late_103_5005_experiments.json": experiments(),
        "conceicaomaria_104_5006_notas.txt": "só um texto",
    }


CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Lista 1 (11111),"
    "Desafio Fashion-MNIST (22222),Current Score\n"
    "    Points Possible,,,,,10.00,100.00,(read only)\n"
    '"Silva, João",101,2026001,joao,Turma A,8.00,,80.00\n'
    '"Souza, Ana",102,2026002,ana,Turma A,9.50,,95.00\n'
    '"Lima, Bruno",103,2026003,bruno,Turma B,,,\n'
    '"Conceição, Maria",104,2026004,maria,Turma B,7.00,,70.00\n'
    '"Alves, Caio",105,2026005,caio,Turma B,6.00,,60.00\n'
)


def test_a_canvas_download_zip_is_graded_and_its_gradebook_filled(tmp_path):
    model = model_bytes(constant_model(), tmp_path)  # answers one class: chance
    archive = write_zip(tmp_path / "submissions.zip", canvas_download(model))
    export_csv = tmp_path / "2026-12-01T1000_Notas-CNN.csv"
    export_csv.write_text(CANVAS_EXPORT, encoding="utf-8")
    out = tmp_path / "correcao" / "gradebook.csv"
    code = cli.main(["grade", str(archive), "--eval-set",
                     str(eval_set_from_test_split(tmp_path / "e.npz")), "--out", str(out),
                     "--canvas-export", str(export_csv), "--canvas-column", "desafio"])
    assert code == 0
    rows = rows_by_id(out)
    assert {key: row["status"] for key, row in rows.items()} == {
        "101": "ok", "102": "invalid_model", "103": "invalid_model", "104": "missing_files"}
    assert rows["101"]["name"] == "silvajoao" and rows["101"]["experiments"] == "valid"
    assert rows["103"]["experiments"] == "valid"
    feedback = (out.parent / "feedback" / "silvajoao_101.md").read_text()
    assert "acerta só por acaso com qualquer escala de pixels" in feedback

    filled = list(csv.reader(io.StringIO((out.parent / "canvas_grades.csv").read_text())))
    before = list(csv.reader(io.StringIO(CANVAS_EXPORT)))
    column = before[0].index("Desafio Fashion-MNIST (22222)")
    for old, new in zip(before, filled):
        key = old[1]
        if key in rows:  # scaled to the 100 points possible
            assert new[column] == f"{float(rows[key]['points']) * 10:g}", new
        else:
            assert new[column] == old[column]
        assert new[:column] + new[column + 1:] == old[:column] + old[column + 1:]
    with zipfile.ZipFile(out.parent / "canvas_feedback.zip") as zf:
        assert "silvajoao_101_5001_correcao.md" in zf.namelist()


def test_a_canvas_export_with_several_assignments_needs_the_column(tmp_path):
    export_csv = tmp_path / "export.csv"
    export_csv.write_text(CANVAS_EXPORT, encoding="utf-8")
    with pytest.raises(grading.GradingError, match="2 assignment column"):
        canvas.Gradebook.read(export_csv, None)


def test_csv_spans_keep_every_byte_outside_the_cell_changed():
    text = 'a,"b, ""c""\r\nd",e\r\n1,,3\n'
    spans = csvcells.csv_spans(text)
    assert [[csvcells.cell_value(text, span) for span in record] for record in spans] == [
        ["a", 'b, "c"\r\nd', "e"], ["1", "", "3"]]
    changed = csvcells.replace_cells(text, {spans[1][1]: "7,5"})
    assert changed == 'a,"b, ""c""\r\nd",e\r\n1,"7,5",3\n'


def test_a_plain_folder_of_save_submission_archives_names_each_student_by_its_id(tmp_path):
    write_zip(tmp_path / "turma" / "entrega_maria.zip",
              {challenge.MODEL_FILE: NOT_A_MODEL, challenge.EXPERIMENTS_FILE: experiments("maria")})
    out = tmp_path / "g.csv"
    grading.grade(tmp_path / "turma", write_eval(tmp_path / "e.npz"), out, stream=io.StringIO())
    [row] = grading.read_gradebook(out)
    assert (row["student"], row["status"], row["experiments"]) == (
        "maria", "invalid_model", "valid")
    assert "student_id" not in row["message"]


def test_utf8_names_without_the_zip_s_utf8_flag_keep_their_accents(tmp_path, monkeypatch):
    def without_flag(info):  # what some zip tools write: UTF-8 bytes, flag unset
        return info.filename.encode("utf-8"), info.flag_bits & ~0x800

    monkeypatch.setattr(zipfile.ZipInfo, "_encodeFilenameFlags", without_flag)
    archive = write_zip(tmp_path / "todos.zip", {
        "Cecília Árvore_204_assignsubmission_file/model.keras": NOT_A_MODEL})
    monkeypatch.undo()
    with zipfile.ZipFile(archive) as zf:
        assert zf.namelist()[0].startswith("Cec├¡lia")  # how Python reads it: cp437
    out = tmp_path / "g.csv"
    grading.grade(archive, write_eval(tmp_path / "e.npz"), out, stream=io.StringIO())
    [row] = grading.read_gradebook(out)
    assert (row["name"], row["lms_id"], row["status"]) == (
        "Cecília Árvore", "204", "invalid_model")


def test_a_zip_of_a_folder_of_student_folders_is_a_class(tmp_path):
    archive = write_zip(tmp_path / "turma.zip", {
        "turma/ana/model.keras": NOT_A_MODEL, "turma/bia.zip": zip_bytes({"x.txt": "x"})})
    out = tmp_path / "g.csv"
    grading.grade(archive, write_eval(tmp_path / "e.npz"), out, stream=io.StringIO())
    assert {row["student"]: row["status"] for row in grading.read_gradebook(out)} == {
        "ana": "invalid_model", "bia": "missing_files"}
