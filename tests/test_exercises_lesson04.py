"""The checkers of lesson 04: right answers pass, blanks are not done, usual mistakes are named."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tests.exercise_testing import correct, not_done, strict_check_fails, wrong

from course_utils import optim
from course_utils.checks import ____
from course_utils.exercises.lesson04 import PROBLEMS, bce_cases, ex1, ex2, ex3, ex4


# ---- reference solutions, written the way a student would --------------------------------


def bce(y_true, y_pred, eps=1e-7):
    p = np.clip(y_pred, eps, 1 - eps)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def momentum_step(theta, grad, velocity, learning_rate, momentum):
    velocity = momentum * velocity - learning_rate * grad
    return theta + velocity, velocity


def adam_step(theta, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
              epsilon=1e-7):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad**2
    m_hat = m / (1 - beta_1**t)
    v_hat = v / (1 - beta_2**t)
    return theta - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


LOSSES = tuple(expected for _, expected in PROBLEMS)


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, bce),
        (ex1, lambda y, p: keras.losses.BinaryCrossentropy()(y, p)),  # a tensor answer
        (ex1, lambda y, p: bce(y.astype("float32"), p.astype("float32"))),
        (ex2, LOSSES),
        (ex2, list(LOSSES)),
        (ex2, ("MSE", "BinaryCrossentropy", "SparseCategoricalCrossentropy",
               "categorical crossentropy", "binary-crossentropy")),
        (ex2, (keras.losses.MeanSquaredError(), keras.losses.BinaryCrossentropy,
               keras.losses.sparse_categorical_crossentropy,
               keras.losses.CategoricalCrossentropy(), "binary_crossentropy")),
        (ex3, momentum_step),
        (ex3, lambda th, g, v, learning_rate, momentum: optim.momentum_step(
            th, g, v, learning_rate, momentum)),
        (ex4, adam_step),
        (ex4, lambda *args, **kwargs: optim.adam_step(*args, **kwargs)),
    ],
)
def test_right_answer_is_correct(exercise, answer):
    correct(exercise, answer)


def test_correct_messages_say_what_was_compared():
    assert "BinaryCrossentropy" in correct(ex1, bce)
    assert "keras.optimizers.SGD" in correct(ex3, momentum_step)
    assert "keras.optimizers.Adam" in correct(ex4, adam_step)


def test_bce_cases_include_predictions_of_exactly_zero_and_one():
    predictions = np.concatenate([p.ravel() for _, p in bce_cases()])
    assert 0.0 in predictions and 1.0 in predictions


@pytest.mark.parametrize(
    "exercise, blank",
    [
        (ex1, ____),
        (ex1, lambda y, p: ____),
        (ex2, ____),
        (ex2, ("mse", ____, "sparse_categorical_crossentropy", ____, ____)),
        (ex3, ____),
        (ex3, lambda th, g, v, learning_rate, momentum: ____),
        (ex4, ____),
        (ex4, lambda *args, **kwargs: ____),
    ],
)
def test_blank_is_not_done(exercise, blank, capsys):
    not_done(exercise, blank, capsys)


# ---- ex1 ------------------------------------------------------------------------------


def test_bce_without_clipping_is_told_to_clip():
    def unclipped(y, p):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    wrong(ex1, unclipped, "np.clip", "log(0)")


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (lambda y, p: -np.sum(y * np.log(np.clip(p, 1e-7, 1 - 1e-7))
                              + (1 - y) * np.log(1 - np.clip(p, 1e-7, 1 - 1e-7))), "média"),
        (lambda y, p: -bce(y, p), "sinal"),
        (lambda y, p: -np.mean(y * np.log(np.clip(p, 1e-7, 1 - 1e-7))), "(1 − y)"),
        (lambda y, p: bce(y, p) / np.log(10), "np.log10"),
        (lambda y, p: bce(p, y), "trocados"),
        (lambda y, p: bce(y, p, eps=1e-15), "1e-7"),
        (lambda y, p: -(y * np.log(np.clip(p, 1e-7, 1 - 1e-7))
                        + (1 - y) * np.log(1 - np.clip(p, 1e-7, 1 - 1e-7))), "formato"),
        (lambda y, p: "0.5", "número"),
    ],
)
def test_bce_mistakes_are_named(answer, fragment):
    wrong(ex1, answer, fragment)


def test_bce_crash_is_reported_not_raised():
    wrong(ex1, lambda y, p: y @ np.ones(3), "levantou")


# ---- ex2 ------------------------------------------------------------------------------


def with_answer(index: int, value: str) -> tuple:
    answer = list(LOSSES)
    answer[index] = value
    return tuple(answer)


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (with_answer(2, "categorical_crossentropy"), ("problema 3", "inteiros")),
        (with_answer(3, "sparse_categorical_crossentropy"), ("problema 4", "one-hot")),
        (with_answer(4, "categorical_crossentropy"), ("problema 5", "independente")),
        (with_answer(0, "binary_crossentropy"), ("problema 1", "número real")),
        (with_answer(1, "mse"), ("problema 2", "sigmoide")),
        (with_answer(0, "mae"), ("'mae'", "sparse_categorical_crossentropy")),
        (LOSSES[:4], ("5 respostas",)),
        ("mse", ("tupla",)),
    ],
)
def test_wrong_loss_choices_are_explained(answer, fragments):
    wrong(ex2, answer, *fragments)


# ---- ex3 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda th, g, v, learning_rate, momentum: (th - learning_rate * g,
                                                    momentum * v - learning_rate * g),
         ("passo 2", "sem momentum")),
        (lambda th, g, v, learning_rate, momentum: (th + learning_rate * g,
                                                    momentum * v + learning_rate * g),
         ("passo 1", "morro acima")),
        (lambda th, g, v, learning_rate, momentum: (th - learning_rate * g + momentum * v, v),
         ("velocidade de entrada",)),
        (lambda th, g, v, learning_rate, momentum: (th - (momentum * v + learning_rate * g),
                                                    momentum * v + learning_rate * g),
         ("sinal trocado",)),
        (lambda th, g, v, learning_rate, momentum: th - learning_rate * g, ("2 valores",)),
        # PyTorch's convention: v = μv + g, θ ← θ − ηv gives the same θ, another velocity
        (lambda th, g, v, learning_rate, momentum: (th - learning_rate * (momentum * v + g),
                                                    momentum * v + g),
         ("passo 1", "PyTorch", "v = μ·v − η·g")),
        (lambda th, g, v, learning_rate, momentum: (th[:2], v[:2]), ("formato",)),
        # the moving-average form: (1 − μ) in place of η, equal to it when η = 0.1, μ = 0.9
        (lambda th, g, v, learning_rate, momentum: (th + momentum * v - (1 - momentum) * g,
                                                    momentum * v - (1 - momentum) * g),
         ("passo 1", "1 − μ", "taxa de aprendizado η")),
    ],
)
def test_momentum_mistakes_are_named(answer, fragments):
    wrong(ex3, answer, *fragments)


def test_momentum_that_modifies_its_inputs_is_wrong():
    def in_place(theta, grad, velocity, learning_rate, momentum):
        velocity *= momentum
        velocity -= learning_rate * grad
        theta += velocity
        return theta, velocity

    wrong(ex3, in_place, "alterou")


# ---- ex4 ------------------------------------------------------------------------------


def adam_variant(kind):
    def step(theta, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
             epsilon=1e-7):
        b1, b2 = (beta_2, beta_1) if kind == "swapped" else (beta_1, beta_2)
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad**2
        power = {"lecture": 1, "t_plus_one": t + 1, "t_minus_one": t - 1}.get(kind, t)
        with np.errstate(divide="ignore", invalid="ignore"):
            m_hat, v_hat = m / (1 - beta_1**power), v / (1 - beta_2**power)
        if kind == "no_correction":
            m_hat, v_hat = m, v
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "no_sqrt":
                return theta - learning_rate * m_hat / (v_hat + epsilon), m, v
            if kind == "no_epsilon":
                return theta - learning_rate * m_hat / np.sqrt(v_hat), m, v
        if kind == "t_minus_one":
            with np.errstate(divide="ignore", invalid="ignore"):
                return theta - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v
        if kind == "epsilon_inside_root":
            return theta - learning_rate * m_hat / np.sqrt(v_hat + epsilon), m, v
        if kind == "keras_form":
            rate = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
            return theta - rate * m / (np.sqrt(v) + epsilon), m, v
        if kind == "uphill":
            return theta + learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v
        new_theta = theta - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
        if kind == "returns_hats":
            return new_theta, m_hat, v_hat
        return new_theta, m, v

    return step


@pytest.mark.parametrize(
    "kind, fragments",
    [
        ("no_correction", ("t = 1", "sem correção de viés")),
        ("lecture", ("t = 2", "slides do IFCE")),
        ("no_sqrt", ("sem a raiz",)),
        ("no_epsilon", ("gradiente pequeno", "sem o ε", "√v̂ + ε")),
        ("t_plus_one", ("t = 1", "t + 1", "começando em 1")),
        ("t_minus_one", ("t = 1", "não finitos", "1 − β⁰ = 0")),
        ("uphill", ("morro acima",)),
        ("returns_hats", ("m̂ e v̂",)),
        ("swapped", ("trocados",)),
        ("epsilon_inside_root", ("gradiente pequeno", "ε dentro da raiz", "√v̂ + ε")),
        ("keras_form", ("gradiente pequeno", "forma do Keras", "Para ir além")),
    ],
)
def test_adam_mistakes_are_named(kind, fragments):
    wrong(ex4, adam_variant(kind), *fragments)


def test_adam_with_the_default_constants_written_in_is_wrong():
    def hard_coded(theta, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                   epsilon=1e-7):
        return adam_step(theta, grad, m, v, t, learning_rate)

    wrong(ex4, hard_coded, "t = 1", "valores padrão", "beta_1=0.8")


def test_adam_with_the_default_epsilon_written_in_fails_on_small_gradients():
    def hard_coded_epsilon(theta, grad, m, v, t, learning_rate=0.001, beta_1=0.9,
                           beta_2=0.999, epsilon=1e-7):
        return adam_step(theta, grad, m, v, t, learning_rate, beta_1, beta_2)

    wrong(ex4, hard_coded_epsilon, "gradiente pequeno")


def test_adam_returning_two_values_is_wrong():
    wrong(ex4, lambda *args, **kwargs: adam_step(*args, **kwargs)[:2], "3 valores")


def test_the_reference_adam_variant_is_right():
    correct(ex4, adam_variant("right"))


# ---- strict mode ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, lambda y, p: -bce(y, p)),
        (ex2, with_answer(2, "categorical_crossentropy")),
        (ex3, lambda th, g, v, learning_rate, momentum: (th, v)),
        (ex4, adam_variant("no_correction")),
    ],
)
def test_strict_mode_raises_on_wrong_answer(exercise, answer, monkeypatch):
    strict_check_fails(exercise, answer, monkeypatch)
