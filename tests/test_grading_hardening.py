"""Model-file hardening: one crafted ``.keras`` file per known class of safe_mode bypass.

Each file starts from a real model saved with ``model.save`` and changes one thing, as an
attacker would: a TFSMLayer, a vocabulary read from a file, HDF5 external links and external
storage in ``model.weights.h5``, a decompression bomb in the assets, paths in the archive.
``check_model_file`` must refuse each before anything loads it, naming what it found; the
grader also refuses to run on a Keras older than the newest fix it knows of.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
from keras import layers

from course_utils import cli, grading
from course_utils.challenge import MODEL_FILE
from course_utils.grading import modelfile
from course_utils.grading.errors import GradingError, SubmissionError


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict[str, bytes]:
    """The entries of a small valid model's ``.keras`` file."""
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(4, 3, activation="relu")(inputs)
    outputs = layers.Dense(10, activation="softmax")(layers.Flatten()(x))
    path = tmp_path_factory.mktemp("base") / MODEL_FILE
    keras.Model(inputs, outputs).save(path)
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write(path: Path, entries: dict[str, bytes],
          compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


def with_config(base: dict[str, bytes], change: Callable[[dict], None]) -> dict[str, bytes]:
    config = json.loads(base["config.json"])
    change(config)
    return {**base, "config.json": json.dumps(config).encode()}


def with_weights(base: dict[str, bytes], change: Callable[[h5py.File], None]) -> dict[str, bytes]:
    buffer = io.BytesIO(base["model.weights.h5"])
    with h5py.File(buffer, "r+") as f:
        change(f)
    return {**base, "model.weights.h5": buffer.getvalue()}


def add_layer(config: dict, layer: dict) -> None:
    config["config"]["layers"].append(
        {"module": "keras.layers", "registered_name": None, **layer})


def refused(path: Path) -> str:
    with pytest.raises(SubmissionError) as error:
        modelfile.check_model_file(path)
    assert error.value.status == "rejected_model"
    assert str(error.value).startswith("refused before loading")
    return str(error.value)


def test_a_model_saved_by_keras_is_accepted(base, tmp_path):
    modelfile.check_model_file(write(tmp_path / MODEL_FILE, base))
    modelfile.check_model_file(write(tmp_path / "deflated.keras", base, zipfile.ZIP_DEFLATED))


def test_a_model_file_without_weights_is_invalid(base, tmp_path):
    entries = {name: data for name, data in base.items() if name != "model.weights.h5"}
    with pytest.raises(SubmissionError) as error:
        modelfile.check_model_file(write(tmp_path / MODEL_FILE, entries))
    assert error.value.status == "invalid_model" and "model.weights.h5" in str(error.value)


def test_a_tfsmlayer_is_refused(base, tmp_path):
    layer = {"class_name": "TFSMLayer", "config": {
        "name": "saved", "filepath": "saved_model", "call_endpoint": "serve"}}
    entries = with_config(base, lambda config: add_layer(config, layer))
    assert "TFSMLayer" in refused(write(tmp_path / MODEL_FILE, entries))


@pytest.mark.parametrize("layer, vocabulary", [
    ("StringLookup", "/etc/passwd"),
    ("TextVectorization", "vocabulario.txt"),  # relative: no slash to give it away
    ("IntegerLookup", "https://example.com/vocab.txt"),
])
def test_a_vocabulary_read_from_a_file_is_refused(base, tmp_path, layer, vocabulary):
    crafted = {"class_name": layer, "config": {"name": "lookup", "vocabulary": vocabulary}}
    entries = with_config(base, lambda config: add_layer(config, crafted))
    message = refused(write(tmp_path / MODEL_FILE, entries))
    assert "vocabulary" in message and vocabulary in message and "CVE-2025-12058" in message


def test_a_layer_name_that_is_a_path_is_refused(base, tmp_path):
    def rename(config: dict) -> None:
        config["config"]["layers"][-1]["config"]["name"] = "../../../tmp/escaped"

    message = refused(write(tmp_path / MODEL_FILE, with_config(base, rename)))
    assert "../../../tmp/escaped" in message


def test_an_hdf5_external_link_is_refused(base, tmp_path):
    def link(f: h5py.File) -> None:
        f["layers/dense/vars/2"] = h5py.ExternalLink("/etc/passwd", "/")

    message = refused(write(tmp_path / MODEL_FILE, with_weights(base, link)))
    assert "external link" in message and "/etc/passwd" in message


def test_an_hdf5_dataset_stored_in_an_external_file_is_refused(base, tmp_path):
    def external(f: h5py.File) -> None:
        f.create_dataset("layers/dense/vars/2", shape=(64,), dtype="u1",
                         external=[("/etc/hostname", 0, 64)])

    message = refused(write(tmp_path / MODEL_FILE, with_weights(base, external)))
    assert "external file" in message and "/etc/hostname" in message


def test_an_hdf5_dataset_of_references_is_refused(base, tmp_path):
    def references(f: h5py.File) -> None:
        f.create_dataset("layers/dense/vars/2", (1,), dtype=h5py.ref_dtype)

    assert "model.weights.h5" in refused(
        write(tmp_path / MODEL_FILE, with_weights(base, references)))


def test_a_decompression_bomb_in_the_assets_is_refused(base, tmp_path):
    bomb = {**base, "assets/vocabulary.txt": bytes(64 * 2**20)}  # 64 MiB of zeros: ~64 KB
    path = write(tmp_path / MODEL_FILE, bomb, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 2**20
    message = refused(path)
    assert "decompression bomb" in message and "assets/vocabulary.txt" in message


def test_an_unexpected_file_in_the_archive_is_refused(base, tmp_path):
    entries = {**base, "assets/vocabulary.txt": b"a\nb\n"}
    assert "unexpected file" in refused(write(tmp_path / MODEL_FILE, entries))


@pytest.mark.parametrize("name", ["../model.weights.h5", "/etc/cron.d/evil",
                                  "assets/../../escaped.txt", "C:/Windows/evil.dll"])
def test_a_path_in_the_archive_is_refused(base, tmp_path, name):
    entries = {**base, name: b"x"}
    assert "a path in the archive" in refused(write(tmp_path / MODEL_FILE, entries))


@pytest.mark.parametrize("version, refused_", [
    ("3.13.2", True), ("3.10.0", True), ("3.14.0rc1", True),
    ("3.14.0", False), ("3.15.1", False), ("4.0.0", False),
])
def test_the_grader_needs_the_newest_keras_fix(version, refused_):
    if not refused_:
        modelfile.require_safe_keras(version)
        return
    with pytest.raises(GradingError) as error:
        modelfile.require_safe_keras(version)
    message = str(error.value)
    assert f"Keras {version} is installed" in message and ">= 3.14.0" in message
    assert "GHSA-hqp4-2352-xf5r" in message and "pip install -U" in message


def test_grading_on_an_old_keras_stops_before_any_submission(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(modelfile, "installed_keras", lambda: "3.13.2")
    (tmp_path / "subs" / "ana").mkdir(parents=True)
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "eval.npz", x=rng.integers(0, 256, (8, 28, 28), dtype=np.uint8),
             y=np.arange(8, dtype=np.uint8))
    out = tmp_path / "out" / "gradebook.csv"
    code = cli.main(["grade", str(tmp_path / "subs"), "--eval-set", str(tmp_path / "eval.npz"),
                     "--out", str(out)])
    assert code != 0
    assert "Keras 3.13.2 is installed" in capsys.readouterr().err
    assert not out.exists()


def test_crafted_files_get_rejected_model_rows(base, tmp_path):
    """End to end: the grader writes a clear row for each crafted file and loads none."""
    crafted = {
        "tfsm": with_config(base, lambda c: add_layer(c, {"class_name": "TFSMLayer",
                                                           "config": {"filepath": "m"}})),
        "bomb": {**base, "assets/x.txt": bytes(8 * 2**20)},
        "link": with_weights(base, lambda f: f.__setitem__(
            "layers/dense/vars/2", h5py.ExternalLink("/etc/passwd", "/"))),
    }
    for student, entries in crafted.items():
        (tmp_path / "subs" / student).mkdir(parents=True)
        write(tmp_path / "subs" / student / MODEL_FILE, entries, zipfile.ZIP_DEFLATED)
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "eval.npz", x=rng.integers(0, 256, (8, 28, 28), dtype=np.uint8),
             y=np.arange(8, dtype=np.uint8))
    result = grading.grade(tmp_path / "subs", tmp_path / "eval.npz", tmp_path / "out.csv",
                           workers=1, stream=io.StringIO())
    rows = {row["student"]: row for row in result["graded"]}
    assert {row["status"] for row in rows.values()} == {"rejected_model"}
    assert "TFSMLayer" in rows["tfsm"]["message"]
    assert "decompression bomb" in rows["bomb"]["message"]
    assert "external link" in rows["link"]["message"]
