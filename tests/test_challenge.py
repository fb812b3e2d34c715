"""The Fashion-MNIST submission: what is saved, what is refused, and what self_check reports."""

from __future__ import annotations

import json
import os

import keras
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


# ---- a valid submission ---------------------------------------------------------------------


def test_save_writes_both_files_and_self_check_accepts_them(model, tmp_path, capsys):
    folder = save_submission(model, make_runs(), "maria.silva", tmp_path / "entrega")
    assert folder == tmp_path / "entrega"
    assert files_in(folder) == sorted([MODEL_FILE, EXPERIMENTS_FILE])  # no temporary file left

    document = json.loads((folder / EXPERIMENTS_FILE).read_text("utf-8"))
    assert document == {"student_id": "maria.silva", "format": 1, "runs": make_runs()}
    assert load_experiments(folder) == document

    reloaded = keras.saving.load_model(folder / MODEL_FILE, compile=False, safe_mode=True)
    x = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)

    report = self_check(folder)
    assert report["valid"] is True
    assert report["problems"] == []
    assert isinstance(report["accuracy"], float) and 0.0 <= report["accuracy"] <= 1.0
    printed = capsys.readouterr().out
    assert "❌" not in printed
    assert printed.count("✅") == 6  # two files, loads, shapes, experiments, accuracy
    assert "pronta para a entrega" in printed


def test_a_dataframe_with_numpy_values_becomes_plain_json(model, tmp_path):
    table = pd.DataFrame(make_runs())
    table["filters"] = [tuple(f) for f in table["filters"]]  # tuples, as a notebook stores them
    assert isinstance(table["epochs"].iloc[0], np.integer)
    table["val_loss"] = [0.5, 0.4, np.nan, 0.6]  # an extra column is kept, NaN becomes null
    save_submission(model, table, "aluno_01", tmp_path)
    runs = json.loads((tmp_path / EXPERIMENTS_FILE).read_text("utf-8"))["runs"]
    assert runs[2]["filters"] == [16, 32]
    assert type(runs[0]["epochs"]) is int
    assert [run["val_loss"] for run in runs] == [0.5, 0.4, None, 0.6]


def test_a_model_without_channel_axis_is_accepted_and_scored(tmp_path):
    inputs = keras.Input(shape=(28, 28))
    outputs = layers.Dense(10, activation="softmax")(layers.Flatten()(inputs))
    flat_model = keras.Model(inputs, outputs)
    save_submission(flat_model, make_runs(), "x", tmp_path)
    report = self_check(tmp_path, verbose=False)
    assert report["valid"], report
    assert 0.0 <= report["accuracy"] <= 1.0


def test_accuracy_is_the_fraction_of_argmax_hits():
    inputs = keras.Input(shape=(28, 28, 1))
    bias = keras.initializers.Constant([0, 0, 0, 5, 0, 0, 0, 0, 0, 0])
    dense = layers.Dense(10, kernel_initializer="zeros", bias_initializer=bias)
    always_three = keras.Model(inputs, dense(layers.Flatten()(inputs)))
    _, (x_test, y_test) = datasets.load_fashion_mnist()
    accuracy = challenge.model_accuracy(always_three, x_test, y_test)
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
        (build_mnist_cnn(input_shape=(32, 32, 3), filters=(4,)), "input shape"),
        (build_mnist_cnn(num_classes=5, filters=(4,)), r"output shape must be \(None, 10\)"),
        ("model.keras", "must be a keras.Model"),
        (keras.Sequential([layers.Dense(10)]), "no defined input"),
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
    save_submission(model, make_runs(), "maria", tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in files_in(tmp_path)}
    with pytest.raises(ValueError, match="safe_mode"):
        save_submission(lambda_model(), make_runs(), "maria", tmp_path, overwrite=True)
    assert {name: (tmp_path / name).read_bytes() for name in files_in(tmp_path)} == before


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
        (make_runs()[:3], ["at least 4 runs", "got 3"]),
        (with_change(3, activation="relu"), ["'activation' is always 'relu'"]),
        (without_key("train_seconds"), ["runs[1]", "'train_seconds'"]),
        (with_change(2, val_accuracy=1.5), ["runs[2]['val_accuracy']", "percentage"]),
        (with_change(1, epochs=-3), ["runs[1]['epochs']", "at least 1"]),
        (with_change(1, batch_size="128"), ["runs[1]['batch_size']", "integer"]),
        (with_change(1, epochs=4.0), ["runs[1]['epochs']", "integer"]),
        (with_change(2, filters="16,32"), ["runs[2]['filters']", "list"]),
        (with_change(2, filters=[16, 0]), ["runs[2]['filters'][1]"]),
        (with_change(0, activation=""), ["runs[0]['activation']"]),
        (with_change(0, train_seconds=-1.0), ["runs[0]['train_seconds']"]),
        (with_change(0, val_accuracy=True), ["runs[0]['val_accuracy']", "number"]),
        (make_runs()[:3] + ["not a dict"], ["runs[3] must be a dict"]),
        ({"runs": make_runs()}, ["list of dicts or a pandas DataFrame"]),
        (pd.DataFrame(make_runs()).drop(columns="activation"), ["no column 'activation'"]),
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
    assert "'epochs' is always 3" in message and "'batch_size' is always 32" in message
    assert "'filters'" not in message and "'activation'" not in message


@pytest.mark.parametrize("student_id", ["", "../x", "a b", "..", "joão", "x" * 65, 42, ____])
def test_bad_student_ids_are_refused(model, student_id, tmp_path):
    with pytest.raises(ValueError, match="student_id"):
        save_submission(model, make_runs(), student_id, tmp_path / "entrega")
    assert not (tmp_path / "entrega").exists()


# ---- never overwrite by accident ------------------------------------------------------------


def test_an_existing_submission_is_not_overwritten(model, tmp_path):
    save_submission(model, make_runs(), "maria", tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in (MODEL_FILE, EXPERIMENTS_FILE)}
    other = with_change(0, val_accuracy=0.5)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_submission(model, other, "maria", tmp_path)
    assert {name: (tmp_path / name).read_bytes() for name in before} == before

    save_submission(model, other, "maria", tmp_path, overwrite=True)
    assert load_experiments(tmp_path)["runs"][0]["val_accuracy"] == 0.5
    assert files_in(tmp_path) == sorted([MODEL_FILE, EXPERIMENTS_FILE])


def test_a_lone_experiments_file_also_blocks_the_save(model, tmp_path):
    (tmp_path / EXPERIMENTS_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(FileExistsError):
        save_submission(model, make_runs(), "maria", tmp_path)
    assert files_in(tmp_path) == [EXPERIMENTS_FILE]
    assert (tmp_path / EXPERIMENTS_FILE).read_text("utf-8") == "{}"


# ---- self_check reports, never raises ---------------------------------------------------------


def test_self_check_of_a_missing_folder(tmp_path):
    report = self_check(tmp_path / "nada", verbose=False)
    assert report == {"valid": False, "problems": [f"a pasta {tmp_path / 'nada'} não existe"],
                      "accuracy": None}


def test_self_check_of_an_empty_folder_names_both_files(tmp_path, capsys):
    report = self_check(tmp_path)
    assert report["valid"] is False and report["accuracy"] is None
    assert len(report["problems"]) == 2
    assert MODEL_FILE in report["problems"][0] and EXPERIMENTS_FILE in report["problems"][1]
    assert capsys.readouterr().out.count("❌") == 2


def test_self_check_of_a_corrupt_model(model, tmp_path):
    save_submission(model, make_runs(), "maria", tmp_path)
    (tmp_path / MODEL_FILE).write_bytes(np.random.default_rng(1).bytes(500))
    report = self_check(tmp_path, verbose=False)
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
        ("{not json", "not valid UTF-8 JSON"),
        (json.dumps({"student_id": "maria", "format": 1, "runs": make_runs()[:3]}), "at least 4"),
        (json.dumps({"student_id": "maria", "format": 2, "runs": make_runs()}), "format 2"),
        (json.dumps({"student_id": "a b", "format": 1, "runs": make_runs()}), "student_id"),
        (json.dumps({"format": 1, "runs": make_runs()}), "no key 'student_id'"),
        (json.dumps([1, 2]), "JSON object"),
    ],
    ids=["not_json", "3_runs", "format_2", "bad_student_id", "no_student_id", "a_list"],
)
def test_self_check_of_bad_experiments(model, text, fragment, tmp_path):
    save_submission(model, make_runs(), "maria", tmp_path)
    (tmp_path / EXPERIMENTS_FILE).write_text(text, encoding="utf-8")
    report = self_check(tmp_path, verbose=False)
    assert report["valid"] is False
    assert len(report["problems"]) == 1
    assert report["problems"][0].startswith(f"{EXPERIMENTS_FILE} inválido")
    assert fragment in report["problems"][0]
    assert isinstance(report["accuracy"], float)  # the model itself is fine


def test_self_check_without_test_data_warns_but_keeps_the_verdict(model, tmp_path, monkeypatch,
                                                                   capsys):
    save_submission(model, make_runs(), "maria", tmp_path)

    def unavailable(fast=None):
        raise datasets.DatasetUnavailableError("no network")

    monkeypatch.setattr(datasets, "load_fashion_mnist", unavailable)
    report = self_check(tmp_path)
    assert report == {"valid": True, "problems": [], "accuracy": None}
    assert "⚠️" in capsys.readouterr().out
