"""The Fashion-MNIST submission: what is saved and zipped, what is refused, how a model is
scored (the pixel scale it expects) and what self_check reports."""

from __future__ import annotations

import json
import os
import sys
import types
import zipfile
from pathlib import Path

import keras
import nbformat
import numpy as np
import pandas as pd
import pytest
from keras import layers

from course_utils import challenge, datasets
from course_utils.challenge import (
    EXPERIMENTS_FILE,
    MODEL_FILE,
    load_experiments,
    save_submission,
    self_check,
    validate_experiments,
)
from course_utils.checks import ____
from course_utils.models import build_mnist_cnn
from tests.fixture_data import gray_images


@pytest.fixture(scope="module")
def model():
    """A tiny, untrained model with the challenge's shapes."""
    keras.utils.set_random_seed(0)
    return build_mnist_cnn(filters=(4,))


def make_runs() -> list[dict]:
    """Four runs that vary each hyperparameter at least once."""
    base = {"epochs": 2, "batch_size": 64, "filters": [8, 16], "activation": "relu",
            "val_accuracy": 0.81, "train_seconds": 3.5}
    return [
        base,
        {**base, "epochs": 4, "val_accuracy": 0.84},
        {**base, "batch_size": 128, "filters": [16, 32], "val_accuracy": 0.85},
        {**base, "activation": "tanh", "val_accuracy": 0.79, "train_seconds": 0.0},
    ]


def files_in(folder) -> list[str]:
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def contents(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` with its bytes."""
    return {name: (folder / name).read_bytes() for name in files_in(folder)}


def zipped(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_notebook(path: Path, code: str = "print('oi')") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), path)
    return path


@pytest.fixture(autouse=True)
def no_notebook_environment(monkeypatch):
    """No JupyterLab session around the unit tests, unless a test sets one."""
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)




# ---- a valid submission ---------------------------------------------------------------------


def test_save_writes_the_files_and_their_archive_and_self_check_accepts_both(model, tmp_path,
                                                                           capsys):
    notebook = write_notebook(tmp_path / "07_desafio.ipynb")
    out = tmp_path / "entrega"
    archive = save_submission(model, make_runs(), "maria.silva", out, notebook=notebook)
    assert archive == out / "entrega_maria.silva.zip"
    names = [MODEL_FILE, EXPERIMENTS_FILE, "07_desafio.ipynb"]
    assert files_in(out) == sorted([*names, archive.name])  # no temporary file left
    assert zipped(archive) == {name: (out / name).read_bytes() for name in names}
    assert (out / "07_desafio.ipynb").read_bytes() == notebook.read_bytes()

    document = json.loads((out / EXPERIMENTS_FILE).read_text("utf-8"))
    assert document == {"student_id": "maria.silva", "format": 1, "runs": make_runs()}
    assert load_experiments(out) == document

    reloaded = keras.saving.load_model(out / MODEL_FILE, compile=False, safe_mode=True)
    x = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert f"Entrega salva: {archive}" in capsys.readouterr().out

    for path in (out, archive):
        report = self_check(path)
        assert report["valid"] is True and report["problems"] == []
        assert report["scale"] == "0-1"
        assert isinstance(report["accuracy"], float) and 0.0 <= report["accuracy"] <= 1.0
        printed = capsys.readouterr().out
        assert "❌" not in printed
        assert printed.count("✅") == 7  # 2 files, notebook, loads, shapes, experiments, score
        assert "pronto para a entrega" in printed


def test_a_dataframe_with_numpy_values_becomes_plain_json(model, tmp_path):
    table = pd.DataFrame(make_runs())
    table["filters"] = [tuple(f) for f in table["filters"]]  # tuples, as a notebook stores them
    assert isinstance(table["epochs"].iloc[0], np.integer)
    table["val_loss"] = [0.5, 0.4, np.nan, 0.6]  # an extra column is kept, NaN becomes null
    save_submission(model, table, "aluno_01", tmp_path / "e")
    runs = json.loads((tmp_path / "e" / EXPERIMENTS_FILE).read_text("utf-8"))["runs"]
    assert runs[2]["filters"] == [16, 32]
    assert type(runs[0]["epochs"]) is int
    assert [run["val_loss"] for run in runs] == [0.5, 0.4, None, 0.6]


def test_a_model_without_channel_axis_is_accepted_and_scored(tmp_path):
    inputs = keras.Input(shape=(28, 28))
    outputs = layers.Dense(10, activation="softmax")(layers.Flatten()(inputs))
    flat_model = keras.Model(inputs, outputs)
    save_submission(flat_model, make_runs(), "x", tmp_path / "e")
    report = self_check(tmp_path / "e", verbose=False)
    assert report["valid"], report
    assert 0.0 <= report["accuracy"] <= 1.0


def test_accuracy_is_the_fraction_of_argmax_hits():
    _, (x_test, y_test) = datasets.load_fashion_mnist()
    accuracy = challenge.model_accuracy(constant_model(3), x_test, y_test)
    assert accuracy == pytest.approx(np.mean(y_test == 3))


# ---- scoring: the pixel scale the model expects ---------------------------------------------


@pytest.fixture(scope="module")
def patches():
    """Fixture images whose class is the position of a bright patch, and their labels."""
    return gray_images(200, seed=5)


def template_model(images, labels, rescaling: bool) -> keras.Model:
    """A linear classifier with fixed weights (class-mean templates of pixels / 255).

    With ``rescaling`` it holds its own ``Rescaling(1/255)`` and so expects pixels 0-255;
    fed pixels / 255 instead, its scores shrink 255-fold and the bias of class 3 wins.
    """
    means = np.stack([images[labels == k].mean(axis=0) for k in range(10)]) / 255
    kernel = (means - means.mean(axis=0)).reshape(10, -1).T
    bias = np.zeros(10)
    bias[3] = 1.0
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Rescaling(1 / 255)(inputs) if rescaling else inputs
    dense = layers.Dense(10, kernel_initializer=keras.initializers.Constant(kernel),
                         bias_initializer=keras.initializers.Constant(bias))
    return keras.Model(inputs, dense(layers.Flatten()(x)))


def constant_model(favourite: int = 3) -> keras.Model:
    """A model that answers ``favourite`` for every image: chance on balanced labels."""
    inputs = keras.Input(shape=(28, 28, 1))
    bias = np.eye(10)[favourite] * 5
    dense = layers.Dense(10, kernel_initializer="zeros",
                         bias_initializer=keras.initializers.Constant(bias))
    return keras.Model(inputs, dense(layers.Flatten()(inputs)))


def test_prepare_images_divides_by_255_by_default_and_keeps_raw_pixels_on_request():
    images = np.array([[[0, 51], [255, 102]]], dtype=np.uint8)
    np.testing.assert_allclose(challenge.prepare_images(images)[0, :, :, 0],
                               [[0, 0.2], [1, 0.4]])
    raw = challenge.prepare_images(images, channel_axis=False, scale="0-255")
    assert raw.dtype == np.float32 and raw.shape == (1, 2, 2)
    np.testing.assert_array_equal(raw, images)
    with pytest.raises(ValueError, match="escala de pixels desconhecida '0-100'"):
        challenge.prepare_images(images, scale="0-100")


def test_a_model_with_its_own_rescaling_is_scored_on_raw_pixels(patches):
    images, labels = patches
    model = template_model(images, labels, rescaling=True)
    scale, accuracies = challenge.choose_pixel_scale(challenge.classes_by_scale(model, images),
                                                     labels)
    assert scale == "0-255"
    assert accuracies["0-255"] == 1.0
    assert accuracies["0-1"] == pytest.approx(np.mean(labels == 3))  # always the bias' class
    assert challenge.model_accuracy(model, images, labels) == 1.0
    assert challenge.model_accuracy(model, images, labels, scale="0-1") == accuracies["0-1"]
    line = challenge.scale_diagnosis(accuracies)
    assert "espera pixels de 0 a 255" in line and "Rescaling(1/255)" in line
    assert "0.10" in line and "1.00" in line


def test_a_tie_between_scales_goes_to_pixels_divided_by_255(patches):
    images, labels = patches
    model = template_model(images, labels, rescaling=False)  # linear: argmax ignores scale
    scale, accuracies = challenge.choose_pixel_scale(challenge.classes_by_scale(model, images),
                                                     labels)
    assert accuracies == {"0-1": 1.0, "0-255": 1.0}
    assert scale == "0-1"
    assert challenge.scale_diagnosis(accuracies) is None
    both_wrong = {"0-255": np.zeros(4, np.uint8), "0-1": np.ones(4, np.uint8)}
    assert challenge.choose_pixel_scale(both_wrong, [2, 2, 2, 2]) == (
        "0-1", {"0-1": 0.0, "0-255": 0.0})


def test_a_model_at_chance_under_both_scales_is_flagged(patches):
    images, labels = patches
    classes = challenge.classes_by_scale(constant_model(), images)
    scale, accuracies = challenge.choose_pixel_scale(classes, labels)
    assert scale == "0-1"
    assert max(accuracies.values()) < challenge.CHANCE_ACCURACY
    line = challenge.scale_diagnosis(accuracies)
    assert "só por acaso com qualquer escala" in line and "model.fit" in line


def test_choose_pixel_scale_names_missing_or_misshapen_predictions():
    labels = np.zeros(5, np.uint8)
    with pytest.raises(ValueError, match="faltam as previsões das escalas \\['0-255'\\]"):
        challenge.choose_pixel_scale({"0-1": labels}, labels)
    with pytest.raises(ValueError, match="escala 0-255: \\(4,\\) previsões para \\(5,\\)"):
        challenge.choose_pixel_scale({"0-1": labels, "0-255": labels[:4]}, labels)


def test_predict_classes_refuses_an_output_that_is_not_ten_scores(patches):
    images, _ = patches
    inputs = keras.Input(shape=(28, 28))
    five = keras.Model(inputs, layers.Dense(5)(layers.Flatten()(inputs)))
    with pytest.raises(ValueError, match=r"formato \(200, 5\); esperado \(200, 10\)"):
        challenge.predict_classes(five, images)


# ---- refused before anything is written -----------------------------------------------------


def lambda_model() -> keras.Model:
    inputs = keras.Input(shape=(28, 28, 1))
    outputs = layers.Lambda(lambda t: keras.ops.softmax(keras.ops.ones_like(t[:, 0, :10, 0])))(
        inputs
    )
    return keras.Model(inputs, outputs)


@pytest.mark.parametrize(
    "bad_model, message",
    [
        (build_mnist_cnn(input_shape=(32, 32, 3), filters=(4,)), "entrada do modelo deve ter"),
        (build_mnist_cnn(num_classes=5, filters=(4,)), r"saída do modelo .* \(None, 10\)"),
        ("model.keras", "deve ser um keras.Model"),
        (keras.Sequential([layers.Dense(10)]), "não tem formato de entrada e saída definido"),
    ],
    ids=["input_32x32x3", "output_5", "not_a_model", "unbuilt"],
)
def test_bad_models_are_refused_and_nothing_is_written(bad_model, message, tmp_path):
    out = tmp_path / "entrega"
    with pytest.raises(ValueError, match=message):
        save_submission(bad_model, make_runs(), "maria", out)
    assert not out.exists()


def test_a_model_that_cannot_be_loaded_safely_leaves_no_file(tmp_path):
    out = tmp_path / "entrega"
    with pytest.raises(ValueError, match="safe_mode"):
        save_submission(lambda_model(), make_runs(), "maria", out)
    assert not out.exists()  # the folder it created is removed again


def test_a_failed_overwrite_keeps_the_previous_submission(model, tmp_path):
    out = tmp_path / "entrega"
    save_submission(model, make_runs(), "maria", out)
    before = {name: (out / name).read_bytes() for name in files_in(out)}
    with pytest.raises(ValueError, match="safe_mode"):
        save_submission(lambda_model(), make_runs(), "maria", out, overwrite=True)
    assert {name: (out / name).read_bytes() for name in files_in(out)} == before


def with_change(index: int, **change) -> list[dict]:
    runs = make_runs()
    runs[index] = {**runs[index], **change}
    return runs


def without_key(key: str) -> list[dict]:
    runs = make_runs()
    del runs[1][key]
    return runs


@pytest.mark.parametrize(
    "runs, fragments",
    [
        (make_runs()[:3], ["pelo menos 4 execuções", "recebi 3"]),
        (with_change(3, activation="relu"), ["'activation' é sempre 'relu'"]),
        (without_key("train_seconds"), ["runs[1]", "'train_seconds'"]),
        (with_change(2, val_accuracy=1.5), ["runs[2]['val_accuracy']", "porcentagem"]),
        (with_change(1, epochs=-3), ["runs[1]['epochs']", "pelo menos 1"]),
        (with_change(1, batch_size="128"), ["runs[1]['batch_size']", "inteiro"]),
        (with_change(1, epochs=4.0), ["runs[1]['epochs']", "inteiro"]),
        (with_change(2, filters="16,32"), ["runs[2]['filters']", "lista"]),
        (with_change(2, filters=[16, 0]), ["runs[2]['filters'][1]"]),
        (with_change(0, activation=""), ["runs[0]['activation']"]),
        (with_change(0, train_seconds=-1.0), ["runs[0]['train_seconds']"]),
        (with_change(0, val_accuracy=True), ["runs[0]['val_accuracy']", "número"]),
        (make_runs()[:3] + ["not a dict"], ["runs[3] deve ser um dicionário"]),
        ({"runs": make_runs()}, ["lista de dicionários ou um DataFrame do pandas"]),
        (pd.DataFrame(make_runs()).drop(columns="activation"), ["não tem a coluna 'activation'"]),
    ],
    ids=[
        "3_runs", "activation_never_varies", "missing_key", "val_accuracy_1.5",
        "negative_epochs", "batch_size_string", "epochs_float", "filters_string",
        "filters_zero", "empty_activation", "negative_seconds", "bool_accuracy", "run_not_dict",
        "not_a_list", "dataframe_missing_column",
    ],
)
def test_bad_experiments_are_refused_and_named(model, runs, fragments, tmp_path):
    with pytest.raises(ValueError) as error:
        save_submission(model, runs, "maria", tmp_path / "entrega")
    for fragment in fragments:
        assert fragment in str(error.value), str(error.value)
    assert not (tmp_path / "entrega").exists()


def test_only_the_hyperparameters_that_never_vary_are_named():
    runs = [{**run, "epochs": 3, "batch_size": 32} for run in make_runs()]
    message = str(pytest.raises(ValueError, validate_experiments, runs).value)
    assert "'epochs' é sempre 3" in message and "'batch_size' é sempre 32" in message
    assert "'filters'" not in message and "'activation'" not in message


@pytest.mark.parametrize("student_id", ["", "../x", "a b", "..", "joão", "x" * 65, 42, ____])
def test_bad_student_ids_are_refused(model, student_id, tmp_path):
    with pytest.raises(ValueError, match="student_id"):
        save_submission(model, make_runs(), student_id, tmp_path / "entrega")
    assert not (tmp_path / "entrega").exists()


# ---- hand-in: the running notebook and the archive ------------------------------------------


def test_jupyterlab_names_the_notebook_in_jpy_session_name(tmp_path, monkeypatch):
    notebook = write_notebook(tmp_path / "aulas" / "07 desafio.ipynb")
    monkeypatch.chdir(notebook.parent)
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))  # Jupyter Server 2: absolute
    assert challenge.current_notebook() == ("07_desafio.ipynb", notebook.read_bytes())
    monkeypatch.setenv("JPY_SESSION_NAME", "aulas/07 desafio.ipynb")  # relative to the server
    assert challenge.current_notebook() == ("07_desafio.ipynb", notebook.read_bytes())


def test_vscode_names_the_notebook_in_the_user_namespace(tmp_path, monkeypatch):
    import IPython

    notebook = write_notebook(tmp_path / "minha aula.ipynb")
    shell = types.SimpleNamespace(user_ns={"__vsc_ipynb_file__": str(notebook)})
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert challenge.current_notebook() == ("minha_aula.ipynb", notebook.read_bytes())


def fake_colab(monkeypatch, notebook: dict | None) -> list[str]:
    """Stand-in ``google.colab`` modules; the list fills with the files offered for download."""
    downloads: list[str] = []
    message = types.ModuleType("google.colab._message")
    message.blocking_request = lambda kind, request="", timeout_sec=None: (
        {"ipynb": notebook} if kind == "get_ipynb" and notebook else None)
    files = types.ModuleType("google.colab.files")
    files.download = downloads.append
    colab = types.ModuleType("google.colab")
    colab._message, colab.files = message, files
    google = types.ModuleType("google")
    google.colab = colab
    for name, module in {"google": google, "google.colab": colab,
                         "google.colab._message": message, "google.colab.files": files}.items():
        monkeypatch.setitem(sys.modules, name, module)
    return downloads


def test_in_colab_the_notebook_comes_from_the_page_and_the_archive_is_downloaded(
        model, tmp_path, monkeypatch, capsys):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    notebook.metadata["colab"] = {"name": "Cópia de 07_desafio_fashion_mnist.ipynb"}
    downloads = fake_colab(monkeypatch, notebook)
    archive = save_submission(model, make_runs(), "maria", tmp_path / "submissao")
    assert downloads == [str(archive)]
    saved = zipped(archive)["Copia_de_07_desafio_fashion_mnist.ipynb"]
    assert nbformat.reads(saved.decode("utf-8"), as_version=4).cells[0].source == "1 + 1"
    assert "O navegador vai baixar entrega_maria.zip" in capsys.readouterr().out


def test_without_its_notebook_the_rest_is_saved_and_the_student_is_told_how(model, tmp_path,
                                                                            capsys):
    archive = save_submission(model, make_runs(), "maria", tmp_path / "e")
    assert sorted(zipped(archive)) == sorted([MODEL_FILE, EXPERIMENTS_FILE])
    printed = capsys.readouterr().out
    assert "A entrega vai sem o notebook: não descobri qual é o arquivo deste notebook" in printed
    assert "notebook='caminho/do/notebook.ipynb', overwrite=True" in printed
    report = self_check(archive, verbose=False)
    assert report["valid"] is True
    assert report["warnings"][0] == ("nenhum notebook (.ipynb) na entrega: o ponto do "
                                     "notebook fica zerado")


def test_a_file_that_is_not_a_notebook_is_named_and_left_out(model, tmp_path, capsys):
    fake = tmp_path / "falso.ipynb"
    fake.write_text("isto não é json", encoding="utf-8")
    archive = save_submission(model, make_runs(), "maria", tmp_path / "e", notebook=fake)
    assert "falso.ipynb" not in zipped(archive)
    assert f"{fake} não é um notebook (JSON inválido" in capsys.readouterr().out


# ---- never overwrite by accident ------------------------------------------------------------


def test_running_the_notebook_again_leaves_the_submission_untouched(model, tmp_path, capsys):
    out = tmp_path / "submissao"
    notebook = write_notebook(tmp_path / "06.ipynb")
    archive = save_submission(model, make_runs(), "maria", out, notebook=notebook)
    before = contents(out)
    other = with_change(0, val_accuracy=0.5)
    write_notebook(notebook, "print('mudou')")
    capsys.readouterr()
    assert save_submission(model, other, "maria", out, notebook=notebook) == archive
    assert contents(out) == before
    printed = capsys.readouterr().out
    assert "Já existe uma entrega em" in printed and "não mudei nada" in printed
    assert "overwrite=True" in printed

    save_submission(model, other, "maria", out, overwrite=True, notebook=notebook)
    assert load_experiments(out)["runs"][0]["val_accuracy"] == 0.5
    assert json.loads(zipped(archive)[EXPERIMENTS_FILE])["runs"][0]["val_accuracy"] == 0.5
    assert b"mudou" in zipped(archive)["06.ipynb"]
    assert files_in(out) == sorted([MODEL_FILE, EXPERIMENTS_FILE, "06.ipynb", archive.name])


def test_a_complete_folder_without_its_archive_gets_one_and_nothing_else_changes(model,
                                                                               tmp_path):
    out = tmp_path / "e"
    archive = save_submission(model, make_runs(), "maria", out)
    archive.unlink()
    before = contents(out)
    save_submission(model, with_change(0, val_accuracy=0.5), "maria", out)
    assert zipped(archive) == before
    assert contents(out) == {**before, archive.name: archive.read_bytes()}


def test_a_lone_experiments_file_blocks_the_save(model, tmp_path):
    (tmp_path / EXPERIMENTS_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(FileExistsError, match="não há uma entrega completa.*overwrite=True"):
        save_submission(model, make_runs(), "maria", tmp_path)
    assert files_in(tmp_path) == [EXPERIMENTS_FILE]
    assert (tmp_path / EXPERIMENTS_FILE).read_text("utf-8") == "{}"


# ---- self_check reports, never raises ---------------------------------------------------------


def test_self_check_of_a_missing_folder(tmp_path):
    report = self_check(tmp_path / "nada", verbose=False)
    assert report == {
        "valid": False,
        "problems": [f"{tmp_path / 'nada'} não existe (passe a pasta da entrega ou o seu .zip)"],
        "warnings": [], "accuracy": None, "scale": None,
    }


def test_self_check_of_an_empty_folder_names_both_files(tmp_path, capsys):
    report = self_check(tmp_path)
    assert report["valid"] is False and report["accuracy"] is None
    assert len(report["problems"]) == 2
    assert MODEL_FILE in report["problems"][0] and EXPERIMENTS_FILE in report["problems"][1]
    assert capsys.readouterr().out.count("❌") == 2


def test_self_check_of_archives_that_are_broken_or_unsafe(tmp_path):
    fake = tmp_path / "entrega_x.zip"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    assert self_check(fake, verbose=False)["problems"] == [
        "entrega_x.zip não é um arquivo zip válido: File is not a zip file"]
    unsafe = tmp_path / "fuga.zip"
    with zipfile.ZipFile(unsafe, "w") as zf:
        zf.writestr("../model.keras", b"x")
    assert self_check(unsafe, verbose=False)["problems"] == [
        "caminho inseguro no zip: '../model.keras' (o avaliador recusa caminhos absolutos, com "
        "letra de unidade ou com '..')"]


def test_self_check_of_an_archive_holding_the_folder(model, tmp_path):
    out = tmp_path / "submissao"
    save_submission(model, make_runs(), "maria", out)
    by_hand = tmp_path / "feito_a_mao.zip"
    with zipfile.ZipFile(by_hand, "w") as zf:
        for name in (MODEL_FILE, EXPERIMENTS_FILE):
            zf.write(out / name, f"submissao/{name}")
    assert self_check(by_hand, verbose=False)["valid"] is True


def test_self_check_of_a_corrupt_model(model, tmp_path):
    save_submission(model, make_runs(), "maria", tmp_path / "e")
    (tmp_path / "e" / MODEL_FILE).write_bytes(np.random.default_rng(1).bytes(500))
    report = self_check(tmp_path / "e", verbose=False)
    assert report["valid"] is False and report["accuracy"] is None
    assert len(report["problems"]) == 1
    assert report["problems"][0].startswith(f"{MODEL_FILE} não carrega")


def test_self_check_of_a_model_with_the_wrong_output(tmp_path):
    build_mnist_cnn(num_classes=5, filters=(4,)).save(tmp_path / MODEL_FILE)
    report = self_check(tmp_path, verbose=False)
    assert report["accuracy"] is None
    assert any("formato do modelo errado" in p and "(None, 10)" in p for p in report["problems"])


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("{not json", "não é um JSON UTF-8 válido"),
        (json.dumps({"student_id": "maria", "format": 1, "runs": make_runs()[:3]}),
         "pelo menos 4"),
        (json.dumps({"student_id": "maria", "format": 2, "runs": make_runs()}), "formato 2"),
        (json.dumps({"student_id": "a b", "format": 1, "runs": make_runs()}), "student_id"),
        (json.dumps({"format": 1, "runs": make_runs()}), "não tem a chave 'student_id'"),
        (json.dumps([1, 2]), "objeto JSON"),
    ],
    ids=["not_json", "3_runs", "format_2", "bad_student_id", "no_student_id", "a_list"],
)
def test_self_check_of_bad_experiments(model, text, fragment, tmp_path):
    save_submission(model, make_runs(), "maria", tmp_path / "e")
    (tmp_path / "e" / EXPERIMENTS_FILE).write_text(text, encoding="utf-8")
    report = self_check(tmp_path / "e", verbose=False)
    assert report["valid"] is False
    assert len(report["problems"]) == 1
    assert report["problems"][0].startswith(f"{EXPERIMENTS_FILE} inválido")
    assert fragment in report["problems"][0]
    assert isinstance(report["accuracy"], float)  # the model itself is fine


def test_self_check_without_data_warns_but_keeps_the_verdict(model, tmp_path, monkeypatch,
                                                              capsys):
    save_submission(model, make_runs(), "maria", tmp_path / "e")

    def unavailable(fast=None):
        raise datasets.DatasetUnavailableError("no network")

    monkeypatch.setattr(datasets, "load_fashion_mnist", unavailable)
    report = self_check(tmp_path / "e")
    assert report["valid"] is True and report["accuracy"] is None
    assert report["warnings"][-1] == ("não consegui carregar imagens do Fashion-MNIST para "
                                      "medir o modelo: no network")
    assert "⚠️" in capsys.readouterr().out


@pytest.fixture
def training_split_only(monkeypatch, patches):
    """The Fashion-MNIST loader returns ``patches`` as training split and an empty test split:
    self_check must score on training images alone."""
    empty = (np.empty((0, 28, 28), np.uint8), np.empty(0, np.uint8))
    monkeypatch.setattr(datasets, "load_fashion_mnist", lambda fast=None: (patches, empty))


def test_self_check_scores_a_rescaling_model_as_the_grader_does(training_split_only, patches,
                                                                tmp_path):
    save_submission(template_model(*patches, rescaling=True), make_runs(), "maria",
                    tmp_path / "e")
    report = self_check(tmp_path / "e", verbose=False)
    assert report["valid"] is True
    assert (report["scale"], report["accuracy"]) == ("0-255", 1.0)
    assert "espera pixels de 0 a 255" in report["warnings"][-1]


def test_self_check_flags_a_model_at_chance(training_split_only, tmp_path, capsys):
    save_submission(constant_model(), make_runs(), "maria", tmp_path / "e")
    capsys.readouterr()
    report = self_check(tmp_path / "e")
    assert report["accuracy"] < challenge.CHANCE_ACCURACY
    assert "só por acaso com qualquer escala de pixels" in report["warnings"][-1]
    assert "⚠️ o modelo acerta só por acaso" in capsys.readouterr().out
