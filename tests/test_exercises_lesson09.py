"""The checkers of lesson 09: right answers pass, blanks are not done, usual mistakes are named."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from tests.exercise_testing import correct, not_done, strict_check_fails, wrong

from course_utils.checks import ____
from course_utils.exercises.lesson09 import (
    REASONS,
    TRANSFORMATIONS,
    ex1,
    ex2,
    ex3,
    ex4,
    measured_max_shift,
    reference_gap,
    reference_label_preserving,
)


# ---- answers written the way a student would ---------------------------------------------

LABEL_PRESERVING = {
    "cifar10": {
        "espelhar_horizontal",
        "girar_15_graus",
        "deslocar_3_pixels",
        "zoom_10",
        "contraste_20",
    },
    "mnist": {"girar_15_graus", "deslocar_3_pixels", "zoom_10", "contraste_20"},
}


def translation_factor(max_pixels, size):
    return max_pixels / size


def make_augmentation(seed):
    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed),
            layers.RandomTranslation(0.1, 0.1, seed=seed + 1),
            layers.RandomContrast(0.3, value_range=(0, 1), seed=seed + 2),
        ]
    )


def make_augmentation_full(seed):
    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed),
            layers.RandomTranslation(0.125, 0.125, fill_mode="constant", seed=seed + 1),
            layers.RandomRotation(0.03, seed=seed + 2),
            layers.RandomZoom(0.1, seed=seed + 3),
            layers.RandomContrast(0.2, value_range=(0, 1), seed=seed + 4),
        ]
    )


def make_augmentation_clipped(seed):
    """Contrast with the default value_range, followed by an explicit clip to [0, 1]."""
    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed),
            layers.RandomContrast(0.4, seed=seed + 1),
            layers.Lambda(lambda x: keras.ops.clip(x, 0.0, 1.0)),
        ]
    )


def make_augmentation_function(seed):
    """A plain function of a batch instead of a Keras layer."""
    flip = layers.RandomFlip("horizontal", seed=seed)
    shift = layers.RandomTranslation(0.1, 0.1, seed=seed + 1)

    def augment(images, training=True):
        if not training:
            return images
        return shift(flip(images, training=True), training=True)

    return augment


def overfitting_gap(history):
    return history["accuracy"][-1] - history["val_accuracy"][-1]


def test_reference_answer_of_ex1_follows_the_lesson():
    reference = reference_label_preserving()
    assert reference == LABEL_PRESERVING
    for dataset in ("cifar10", "mnist"):
        assert set(REASONS[dataset]) == set(TRANSFORMATIONS)
        assert "espelhar_vertical" not in reference[dataset]
        assert "girar_180" not in reference[dataset]
    assert "espelhar_horizontal" in reference["cifar10"]
    assert "espelhar_horizontal" not in reference["mnist"]


@pytest.mark.parametrize("max_pixels, size", [(4, 32), (3, 32), (2, 28)])
def test_reference_translation_factor_moves_at_most_max_pixels_in_keras(max_pixels, size):
    assert measured_max_shift(translation_factor(max_pixels, size), size=size) == max_pixels


def test_reference_gap_of_a_history():
    history = {"accuracy": [0.5, 0.8], "val_accuracy": [0.55, 0.7]}
    assert reference_gap(history) == pytest.approx(0.1)


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, LABEL_PRESERVING),
        (ex1, {key: sorted(value) for key, value in LABEL_PRESERVING.items()}),
        (ex1, {key: tuple(value) for key, value in LABEL_PRESERVING.items()}),
        (ex2, translation_factor),
        (ex2, lambda n, s: np.float32(n) / np.float32(s)),
        (ex3, make_augmentation),
        (ex3, make_augmentation_full),
        (ex3, make_augmentation_clipped),
        (ex3, make_augmentation_function),
        (ex4, overfitting_gap),
        (ex4, lambda h: float(np.asarray(h["accuracy"])[-1] - np.asarray(h["val_accuracy"])[-1])),
    ],
)
def test_right_answer_is_correct(exercise, answer):
    correct(exercise, answer)


@pytest.mark.parametrize(
    "exercise, blank",
    [
        (ex1, ____),
        (ex1, {"cifar10": ____, "mnist": {"zoom_10"}}),
        (ex2, ____),
        (ex2, lambda n, s: ____),
        (ex3, ____),
        (ex3, lambda seed: ____),
        (ex4, ____),
        (ex4, lambda history: ____),
    ],
)
def test_blank_is_not_done(exercise, blank, capsys):
    not_done(exercise, blank, capsys)


# ---- ex1 ---------------------------------------------------------------------------------


def _ex1_with(dataset, add=(), remove=()):
    answer = {key: set(value) for key, value in LABEL_PRESERVING.items()}
    answer[dataset] |= set(add)
    answer[dataset] -= set(remove)
    return answer


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (_ex1_with("cifar10", add=["espelhar_vertical"]), ["cifar10", "espelhar_vertical", "NÃO"]),
        (_ex1_with("cifar10", add=["girar_180"]), ["cifar10", "girar_180", "ponta-cabeça"]),
        (_ex1_with("mnist", add=["girar_180"]), ["mnist", "6", "9"]),
        (_ex1_with("mnist", add=["espelhar_horizontal"]), ["mnist", "espelhar_horizontal"]),
        (
            _ex1_with("cifar10", remove=["espelhar_horizontal"]),
            ["cifar10", "faltou", "espelhar_horizontal"],
        ),
        (_ex1_with("mnist", remove=["deslocar_3_pixels"]), ["mnist", "faltou"]),
        (
            _ex1_with("cifar10", add=["espelhar_vertical"], remove=["zoom_10"]),
            ["há mais 1 escolha"],
        ),
        (_ex1_with("cifar10", add=["rotacao"]), ["'rotacao'", "não é o nome"]),
        ({"cifar10": LABEL_PRESERVING["cifar10"]}, ["faltam as chaves", "mnist"]),
        ({**LABEL_PRESERVING, "fashion": set()}, ["chaves a mais", "fashion"]),
        ({"cifar10": "zoom_10", "mnist": set()}, ["única string"]),
        ({"cifar10": {1, 2}, "mnist": set()}, ["não é um nome"]),
        ({"cifar10": 3, "mnist": set()}, ["conjunto"]),
        (list(LABEL_PRESERVING["cifar10"]), ["dicionário"]),
    ],
)
def test_label_preserving_mistakes_are_named(answer, fragments):
    wrong(ex1, answer, *fragments)


def test_label_preserving_empty_sets_are_wrong():
    wrong(ex1, {"cifar10": set(), "mnist": set()}, "faltou")


# ---- ex2 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda n, s: n, ["número de pixels", "FRAÇÃO"]),
        (lambda n, s: 100 * n / s, ["porcentagem"]),
        (lambda n, s: 2 * n / s, ["o dobro"]),
        (lambda n, s: n / (s / 2), ["o dobro"]),
        (lambda n, s: n / (2 * s), ["a metade"]),
        (lambda n, s: s / n, ["invertida"]),
        (lambda n, s: (n + 1) / s, ["desloca até 5 pixels", "mais que 4"]),
        (lambda n, s: (n - 1) / s, ["menos"]),
        (lambda n, s: -n / s, ["positivo"]),
        (lambda n, s: 0.125, ["translation_factor(3, 32)"]),
        (lambda n, s: "0.125", ["número"]),
        (lambda n, s: [n / s, n / s], ["único número"]),
        (lambda n, s: n / undefined_name, ["NameError"]),  # noqa: F821
    ],
)
def test_translation_factor_mistakes_are_named(answer, fragments):
    wrong(ex2, answer, *fragments)


# ---- ex3 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (
            lambda seed: keras.Sequential(
                [
                    layers.RandomFlip("horizontal", seed=seed),
                    layers.RandomContrast(0.5, seed=seed + 1),
                ]
            ),
            ["fora de [0, 1]", "value_range=(0, 1)"],
        ),
        (
            lambda seed: keras.Sequential(
                [
                    layers.RandomFlip(seed=seed),
                    layers.RandomTranslation(0.1, 0.1, seed=seed + 1),
                ]
            ),
            ["ponta-cabeça", "RandomFlip('horizontal')"],
        ),
        (
            lambda seed: keras.Sequential(
                [
                    layers.RandomFlip("horizontal", seed=seed),
                    layers.RandomRotation(0.5, seed=seed + 1),
                ]
            ),
            ["ponta-cabeça"],
        ),
        (
            lambda seed: keras.Sequential(
                [layers.RandomFlip("horizontal"), layers.RandomTranslation(0.1, 0.1)]
            ),
            ["mesma semente", "seed="],
        ),
        (
            lambda seed: keras.Sequential(
                [
                    layers.RandomFlip("horizontal", seed=1),
                    layers.RandomTranslation(0.1, 0.1, seed=2),
                ]
            ),
            ["não está sendo usada"],
        ),
        (
            lambda seed: keras.Sequential(
                [
                    layers.RandomFlip("horizontal", seed=seed),
                    layers.RandomCrop(24, 24, seed=seed + 1),
                ]
            ),
            ["formato", "(16, 24, 24, 3)"],
        ),
        (
            lambda seed: keras.Sequential(
                [
                    layers.RandomFlip("horizontal", seed=seed),
                    layers.RandomTranslation(0.5, 0.0, fill_mode="wrap", seed=seed + 1),
                ]
            ),
            ["ponta-cabeça", "fill_mode='wrap'"],
        ),
        (lambda seed: layers.RandomFlip("horizontal", seed=seed), ["menos de duas"]),
        # never upside down, but up to a quarter turn: sideways photos
        (
            lambda seed: keras.Sequential(
                [
                    layers.RandomFlip("horizontal", seed=seed),
                    layers.RandomRotation(0.25, seed=seed + 1),
                ]
            ),
            ["mais de 45°", "fração de volta"],
        ),
        (
            lambda seed: keras.Sequential(
                [
                    layers.RandomFlip("horizontal", seed=seed),
                    layers.RandomTranslation(0.1, 0.1, seed=seed + 1),
                    layers.Lambda(lambda x: keras.ops.cast(x, "float16")),
                ]
            ),
            ["float16", "float32"],
        ),
        (lambda seed: (lambda images, training=True: images), ["mesmo resultado"]),
        (
            lambda seed: (lambda images, training=True: np.clip(images[:, ::-1] * 1.0, 0, 1)),
            ["mesmo resultado"],
        ),
        (lambda seed: "flip", ["keras.Sequential"]),
        (lambda seed: (lambda images: images), ["TypeError"]),
    ],
)
def test_augmentation_mistakes_are_named(answer, fragments):
    wrong(ex3, answer, *fragments)


def test_augmentation_that_changes_images_at_inference_is_wrong():
    def make(seed):
        rng = np.random.default_rng(seed)

        def augment(images, training=True):
            noise = rng.uniform(-0.01, 0.01, size=np.shape(images)).astype(np.float32)
            return np.clip(images + noise, 0, 1).astype(np.float32)

        return augment

    wrong(ex3, make, "training=False", "identidade")


def test_augmentation_that_returns_inputs_unchanged_in_training_is_wrong():
    calls = {"n": 0}

    def make(seed):
        def augment(images, training=True):
            calls["n"] += 1
            # first call unchanged, later calls different: "random" but not augmenting
            return images if calls["n"] == 1 else np.clip(images * 0.5, 0, 1)

        return augment

    wrong(ex3, make, "sem mudança")


# ---- ex4 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda h: h["val_accuracy"][-1] - h["accuracy"][-1], ["sinal está trocado"]),
        (lambda h: abs(h["accuracy"][-1] - h["val_accuracy"][-1]), ["negativo", "abs"]),
        (lambda h: 100 * (h["accuracy"][-1] - h["val_accuracy"][-1]), ["pontos percentuais"]),
        (lambda h: max(h["accuracy"]) - max(h["val_accuracy"]), ["ÚLTIMA época"]),
        # every training accuracy but one history's rises to the end: its maximum is its last
        (lambda h: max(h["accuracy"]) - h["val_accuracy"][-1], ["ÚLTIMA época"]),
        (lambda h: sorted(h["accuracy"])[-1] - sorted(h["val_accuracy"])[-1], ["ÚLTIMA época"]),
        # the values read by position: one history has Keras 3's key order
        (lambda h: list(h.values())[1][-1] - list(h.values())[3][-1], ["PERDAS"]),
        (lambda h: h["accuracy"][0] - h["val_accuracy"][0], ["primeira época"]),
        (lambda h: np.mean(h["accuracy"]) - np.mean(h["val_accuracy"]), ["média"]),
        (lambda h: h["val_loss"][-1] - h["loss"][-1], ["PERDAS"]),
        (lambda h: h["loss"][-1] - h["val_loss"][-1], ["PERDAS"]),
        (lambda h: h["accuracy"][-1], ["esperado"]),
        (lambda h: [h["accuracy"][-1], h["val_accuracy"][-1]], ["único número"]),
        (lambda h: h["acc"][-1], ["KeyError"]),
    ],
)
def test_gap_mistakes_are_named(answer, fragments):
    wrong(ex4, answer, *fragments)


def test_gap_that_changes_the_history_is_wrong():
    def popping(history):
        return history["accuracy"].pop() - history["val_accuracy"].pop()

    wrong(ex4, popping, "alterou o dicionário")


# ---- strict mode -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, {"cifar10": set(TRANSFORMATIONS), "mnist": set(TRANSFORMATIONS)}),
        (ex2, lambda n, s: n),
        (ex3, lambda seed: layers.RandomFlip(seed=seed)),
        (ex4, lambda h: 0.0),
    ],
)
def test_strict_mode_raises_on_wrong_answer(exercise, answer, monkeypatch):
    strict_check_fails(exercise, answer, monkeypatch)


def test_strict_mode_raises_on_blank(monkeypatch):
    strict_check_fails(ex3, ____, monkeypatch)
