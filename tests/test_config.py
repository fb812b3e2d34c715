"""Run-time settings and the sample images."""

import importlib

import numpy as np
import pytest

from course_utils import config, images


def test_fast_mode_follows_the_environment(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    assert importlib.reload(config).FAST
    assert config.epochs(10, fast=2) == 2
    assert "LIGADO" in config.fast_mode_line()
    monkeypatch.setenv("COURSE_FAST", "0")
    assert not importlib.reload(config).FAST
    assert config.epochs(10, fast=2) == 10
    assert "desligado" in config.fast_mode_line()
    monkeypatch.undo()
    importlib.reload(config)


@pytest.mark.parametrize("full, fast", [(0, 1), (5, 0)])
def test_epochs_rejects_zero(full, fast):
    with pytest.raises(ValueError, match="pelo menos 1"):
        config.epochs(full, fast)


def test_set_seed_repeats_numpy_and_keras():
    import keras

    config.set_seed(7)
    first = np.random.rand(3), keras.random.uniform((3,)).numpy()
    config.set_seed(7)
    second = np.random.rand(3), keras.random.uniform((3,)).numpy()
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True])
def test_set_seed_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="inteiro não negativo"):
        config.set_seed(seed)


def test_in_colab_is_false_here():
    assert config.in_colab() is False


def test_missing_data_file_names_it():
    with pytest.raises(FileNotFoundError, match="nope.png"):
        config.data_path("nope.png")


def test_sample_image_rgb_and_gray():
    rgb = images.load_sample_image()
    gray = images.load_sample_image(gray=True)
    assert rgb.dtype == gray.dtype == np.uint8
    assert rgb.ndim == 3 and rgb.shape[2] == 3 and gray.shape == rgb.shape[:2]
    expected = np.round(rgb[10, 20].astype(float) @ [0.299, 0.587, 0.114])
    assert gray[10, 20] == expected


def test_to_gray_rejects_gray_input():
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        images.to_gray(np.zeros((4, 4), np.uint8))


@pytest.mark.parametrize("lesson, duration, wanted", [
    (8, "12 a 14 min", "uma GPU em"), (9, "1,8 a 2 h", "uma GPU em"),
    (10, "1 a 3 h", "uma GPU em"), (12, "20 a 60 min", "uma GPU ou TPU em"),
])
def test_without_an_accelerator_the_setup_line_says_how_long_and_how_to_switch(
        monkeypatch, lesson, duration, wanted):
    monkeypatch.setattr(config, "accelerator", lambda: None)
    line = config.accelerator_line(lesson)
    assert "\n" not in line
    assert f"leva uns {duration} numa CPU" in line and wanted in line
    assert "Alterar o tipo de ambiente de execução" in line


def test_with_an_accelerator_the_setup_line_names_it(monkeypatch):
    monkeypatch.setattr(config, "accelerator", lambda: "GPU")
    assert config.accelerator_line(8) == "Acelerador: GPU encontrada; o treino desta aula roda nela."


def test_a_tpu_name_counts_as_a_tpu(monkeypatch):
    monkeypatch.setenv("TPU_NAME", "local")
    assert config.accelerator() == "TPU"


@pytest.mark.parametrize("lesson", sorted(config.CPU_MINUTES))
def test_each_long_lesson_prints_its_accelerator_line(lesson):
    [source] = (config.REPO_ROOT / "solutions").glob(f"{lesson:02d}_*.py")
    assert f"print(config.accelerator_line({lesson}))" in source.read_text(encoding="utf-8")
