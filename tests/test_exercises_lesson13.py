"""Checkers of lesson 13: right answers pass, blanks are "not done", usual mistakes are named;
and the lesson's shared settings."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from tests.exercise_testing import correct, not_done, strict_check_fails, wrong

from course_utils.checks import ____
from course_utils.exercises import lesson13
from course_utils.exercises.lesson13 import ex1, ex2, ex3, largest_gain_exercise

# ---- ex1 ------------------------------------------------------------------------------------


def count_right(model):
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def test_count_trainable_right_answer_passes():
    assert "três modelos" in correct(ex1, count_right)
    correct(ex1, lambda m: sum(w.numpy().size for w in m.trainable_weights))


def test_count_trainable_blank_is_not_done(capsys):
    not_done(ex1, ____, capsys)
    not_done(ex1, lambda m: ____, capsys)


@pytest.mark.parametrize(
    "function, fragments",
    [
        (lambda m: m.count_params(), ("todos os pesos", "normalização em lote")),
        (lambda m: len(m.trainable_weights), ("tensores",)),
        (lambda m: m.count_params() - count_right(m), ("não treináveis",)),
        # top-level layers: the base counts as one layer with frozen layers inside
        (lambda m: sum(layer.count_params() for layer in m.layers if layer.trainable),
         ("camada só",)),
        # trainable layers inside the base, but count_params() keeps BN's moving statistics
        (lambda m: sum(layer.count_params() for layer in m.layers[1].layers if layer.trainable)
         + sum(layer.count_params() for layer in m.layers[2:] if layer.trainable),
         ("parâmetros treináveis",)),
    ],
)
def test_count_trainable_mistakes_are_named(function, fragments):
    wrong(ex1, function, *fragments)


def test_count_trainable_strict_mode_raises(monkeypatch):
    strict_check_fails(ex1, lambda m: m.count_params(), monkeypatch)


# ---- ex2 ------------------------------------------------------------------------------------


def head_right(base, training=False, rescale=False, units=1, activation="sigmoid",
               channels=1, hidden=0):
    height, width, _ = base.input_shape[1:]
    inputs = keras.Input((height, width, channels))
    x = inputs
    if rescale:
        x = keras.layers.Rescaling(1 / 255)(x)
    if channels == 1:
        x = keras.layers.Concatenate()([x, x, x])
    x = base(x, training=training) if training is not None else base(x)
    x = keras.layers.Dropout(0.2)(x)
    if hidden:
        x = keras.layers.Dense(hidden, activation="relu")(x)
    outputs = keras.layers.Dense(units, activation=activation)(x)
    return keras.Model(inputs, outputs)


def test_head_right_answers_pass():
    assert "modo de inferência" in correct(ex2, head_right)
    correct(ex2, lambda base: head_right(base, hidden=8))  # a hidden layer is allowed


def test_head_blank_is_not_done(capsys):
    not_done(ex2, ____, capsys)
    not_done(ex2, lambda base: ____, capsys)


@pytest.mark.parametrize(
    "function, fragments",
    [
        (lambda base: head_right(base, training=None), ("sem dizer o modo",)),
        (lambda base: head_right(base, training=True), ("modo de inferência",)),
        (lambda base: head_right(base, rescale=True), ("não divida por", "255")),
        (lambda base: head_right(base, channels=3), ("(None, 8, 8, 1)", "cinza")),
        (lambda base: head_right(base, units=2, activation="softmax"), ("(None, 1)",)),
        (lambda base: head_right(base, activation=None), ("ativação", "entre 0 e 1")),
        (lambda base: head_right(keras.models.clone_model(base)), ("pesos da base",)),
        (lambda base: base, ("(None, 8, 8, 1)",)),
        (lambda base: "modelo", ("devolva o keras.Model",)),
    ],
)
def test_head_mistakes_are_named(function, fragments):
    wrong(ex2, function, *fragments)


def test_head_strict_mode_raises(monkeypatch):
    strict_check_fails(ex2, lambda base: head_right(base, training=None), monkeypatch)


# ---- ex3 ------------------------------------------------------------------------------------


def test_bn_choice_right_answer_passes():
    assert "estatísticas" in correct(ex3, "b")
    correct(ex3, " B ")


@pytest.mark.parametrize(
    "answer, fragments",
    [
        ("a", ("trainable",)),
        ("c", ("dropout da cabeça",)),
        ("d", ("gradientes",)),
        ("e", ("uma das letras",)),
        (2, ("uma das letras",)),
    ],
)
def test_bn_choice_mistakes_are_named(answer, fragments):
    wrong(ex3, answer, *fragments)


def test_bn_choice_blank_is_not_done(capsys):
    not_done(ex3, ____, capsys)


def test_bn_choices_have_one_right_answer():
    assert sorted(lesson13.BN_CHOICES) == ["a", "b", "c", "d"]
    assert [c for c in lesson13.BN_CHOICES if ex3.evaluate(c).kind == "correct"] == ["b"]


# ---- ex4 ------------------------------------------------------------------------------------

SIZES = [50, 200, 500, 2000]
SCRATCH = [0.55, 0.70, 0.85, 0.93]
TRANSFER = [0.75, 0.86, 0.90, 0.94]  # largest gain at 50, largest AUC at 2000, least gain at 2000


def test_largest_gain_right_answer_passes():
    exercise = largest_gain_exercise(SIZES, SCRATCH, TRANSFER)
    assert "50 imagens" in correct(exercise, 50)
    correct(exercise, np.int64(50))


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (2000, ("maior AUC", "diferença entre as curvas")),
        (0.2, ("diferença de AUC",)),
        (200, ("Compare a diferença",)),
        (7, ("um dos tamanhos",)),
    ],
)
def test_largest_gain_mistakes_are_named(answer, fragments):
    wrong(largest_gain_exercise(SIZES, SCRATCH, TRANSFER), answer, *fragments)


def test_largest_gain_names_the_smallest_gain_when_it_is_not_the_largest_auc():
    transfer = [0.75, 0.86, 0.86, 0.95]  # least gain at 500, largest AUC at 2000
    wrong(largest_gain_exercise(SIZES, SCRATCH, transfer), 500, "a menor")


def test_largest_gain_needs_curves_of_equal_length():
    with pytest.raises(ValueError, match="mesmo tamanho"):
        largest_gain_exercise(SIZES, SCRATCH[:2], TRANSFER)


def test_largest_gain_blank_is_not_done(capsys):
    not_done(largest_gain_exercise(SIZES, SCRATCH, TRANSFER), ____, capsys)


# ---- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize("available, fast, want", [
    (2158, False, [50, 200, 500, 2158]), (300, False, [50, 200, 300]), (205, True, [50, 205]),
    (40, True, [40]),
])
def test_curve_sizes_end_with_all(monkeypatch, available, fast, want):
    monkeypatch.setattr(lesson13.config, "FAST", fast)
    assert lesson13.curve_sizes(available) == want


def test_subset_is_stratified_and_inside():
    labels = np.array([0] * 30 + [1] * 70)
    index = lesson13.subset(labels, 20, seed=3)
    assert len(index) == 20 and np.all(np.diff(index) > 0)
    assert np.bincount(labels[index]).tolist() == [6, 14]
    assert len(lesson13.subset(labels, 500)) == 100
