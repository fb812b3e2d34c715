"""The checkers of lesson 06: right answers pass, blanks are not done, usual mistakes are named."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.exercise_testing import correct, not_done, strict_check_fails, wrong

from course_utils.checks import ____
from course_utils.exercises.lesson06 import EX3_INPUT_SHAPE, ex1, ex2, ex3, ex4, ex5
from course_utils.models import build_mnist_cnn


# ---- answers written the way a student would ---------------------------------------------


def prepare(images):
    return (images.astype("float32") / 255)[..., np.newaxis]


def prepare_reshape(images):
    return images.reshape(len(images), 28, 28, 1).astype(np.float32) / np.float32(255)


def prepare_tf(images):
    return tf.cast(images, tf.float32)[..., tf.newaxis] / 255.0


def one_hot(labels, num_classes):
    result = np.zeros((len(labels), num_classes))
    result[np.arange(len(labels)), labels] = 1
    return result


def one_hot_eye(labels, num_classes):
    return np.eye(num_classes, dtype=int)[labels]


# ex3 asks about the same network on 32×32×3 images: 30 → 15 → 13 → 6 pixels, 64 maps
PARAMS = [(3 * 3 * 3 + 1) * 32, 0, (3 * 3 * 32 + 1) * 64, 0, 0, 0, (6 * 6 * 64 + 1) * 10]
MNIST_PARAMS = [(3 * 3 * 1 + 1) * 32, 0, (3 * 3 * 32 + 1) * 64, 0, 0, 0, (5 * 5 * 64 + 1) * 10]


def accuracy(probs, labels):
    return np.mean(probs.argmax(axis=1) == labels)


def accuracy_keras_ops(probs, labels):
    return keras.ops.mean(keras.ops.cast(keras.ops.argmax(probs, axis=1) == labels, "float32"))


def most_confused(cm):
    off = cm.copy()
    np.fill_diagonal(off, 0)
    i, j = np.unravel_index(np.argmax(off), off.shape)
    return int(i), int(j)


def most_confused_masked(cm):
    masked = np.where(np.eye(len(cm), dtype=bool), -1, cm)
    return np.array(np.unravel_index(masked.argmax(), cm.shape))


def test_parameter_counts_match_the_shared_model():
    model = build_mnist_cnn(input_shape=EX3_INPUT_SHAPE)
    assert PARAMS == [layer.count_params() for layer in model.layers[1:]]
    assert MNIST_PARAMS == [layer.count_params() for layer in build_mnist_cnn().layers[1:]]


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, prepare),
        (ex1, prepare_reshape),
        (ex1, prepare_tf),
        (ex2, one_hot),
        (ex2, one_hot_eye),
        (ex2, lambda labels, n: keras.utils.to_categorical(labels, n).tolist()),
        (ex3, PARAMS),
        (ex3, tuple(PARAMS)),
        (ex3, np.array(PARAMS)),
        (ex3, [float(p) for p in PARAMS]),
        (ex4, accuracy),
        (ex4, accuracy_keras_ops),
        (ex4, lambda probs, labels: float(np.sum(probs.argmax(1) == labels)) / len(labels)),
        (ex5, most_confused),
        (ex5, most_confused_masked),
        (ex5, lambda cm: list(most_confused(cm))),
    ],
)
def test_right_answer_is_correct(exercise, answer):
    correct(exercise, answer)


@pytest.mark.parametrize(
    "exercise, blank",
    [
        (ex1, ____),
        (ex1, lambda images: ____),
        (ex2, ____),
        (ex2, lambda labels, n: ____),
        (ex3, ____),
        (ex3, [896, 0, ____, 0, 0, 0, 23050]),
        (ex4, ____),
        (ex4, lambda probs, labels: ____),
        (ex5, ____),
        (ex5, lambda cm: ____),
    ],
)
def test_blank_is_not_done(exercise, blank, capsys):
    not_done(exercise, blank, capsys)


# ---- ex1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda x: x.astype("float32") / 255, ["(N, 28, 28, 1)", "eixo do canal"]),
        (lambda x: (x.astype("float32") / 255)[:, np.newaxis], ["canais por último"]),
        (lambda x: x.reshape(len(x), -1).astype("float32") / 255, ["achatadas"]),
        (lambda x: (x / 255)[..., np.newaxis], ["float64", "float32"]),
        (lambda x: x[..., np.newaxis], ["uint8", "inteiro"]),
        (lambda x: x[..., np.newaxis].astype("float32"), ["255", "[0, 1]"]),
        (lambda x: (x // 255)[..., np.newaxis].astype("float32"), ["divisão inteira"]),
        (lambda x: (x.astype("float32") / 256)[..., np.newaxis], ["256"]),
        (lambda x: (x.astype("float32") / 255)[0, ..., np.newaxis], ["lote"]),
    ],
)
def test_prepare_mistakes_are_named(answer, fragments):
    wrong(ex1, answer, *fragments)


def _scaled(images, low, high):
    return ((images.astype("float32") - low) / (high - low))[..., np.newaxis]


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda x: _scaled(x, x.min(), x.max()), ["min-max do lote", "255"]),
        (lambda x: _scaled(x, 0, x.max()), ["maior valor do lote"]),
        (lambda x: _scaled(x, x.min(axis=(1, 2), keepdims=True),
                           x.max(axis=(1, 2), keepdims=True)), ["min-max de cada imagem"]),
        (lambda x: _scaled(x, 0, x.max(axis=(1, 2), keepdims=True)),
         ["maior valor de cada imagem"]),
    ],
)
def test_prepare_that_stretches_each_batch_to_its_extremes_is_wrong(answer, fragments):
    wrong(ex1, answer, *fragments)


def test_prepare_that_changes_its_input_is_wrong():
    def in_place(images):
        images[...] = 0
        return prepare(images)

    wrong(ex1, in_place, "alterou o array de entrada")


def test_prepare_that_crashes_is_reported():
    wrong(ex1, lambda images: images.nope, "AttributeError")


def test_prepare_that_ignores_its_input_is_wrong():
    fixed = prepare(np.zeros((5, 28, 28), dtype=np.uint8))
    wrong(ex1, lambda images: fixed, "formato")


# ---- ex2 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda y, n: one_hot(y, n).T, ["linhas e colunas trocadas"]),
        (lambda y, n: np.asarray(y), ["ainda é um rótulo"]),
        (lambda y, n: one_hot(y, int(np.max(y)) + 1), ["labels.max() + 1", "num_classes"]),
        (lambda y, n: one_hot((np.asarray(y, dtype=int) - 1) % n, n), ["à esquerda"]),
        (lambda y, n: one_hot((np.asarray(y, dtype=int) + 1) % n, n), ["à direita"]),
        (lambda y, n: 2 * one_hot(y, n), ["só tem 0 e 1"]),
        (lambda y, n: np.zeros((len(y), n)), ["exatamente um 1"]),
        (lambda y, n: "one-hot", ["array NumPy"]),
    ],
)
def test_one_hot_mistakes_are_named(answer, fragments):
    wrong(ex2, answer, *fragments)


def test_one_hot_with_a_wrong_column_is_wrong():
    def swapped(labels, num_classes):
        result = one_hot(labels, num_classes)
        result[0] = np.roll(result[0], 3)
        return result

    wrong(ex2, swapped, "valores diferem")


# ---- ex3 ---------------------------------------------------------------------------------


def _with(index, value):
    answer = list(PARAMS)
    answer[index] = value
    return answer


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (_with(0, 3 * 3 * 3 * 32), ["item 0", "vieses"]),
        (_with(2, 3 * 3 * 32 * 64), ["item 2", "vieses"]),
        (_with(6, 6 * 6 * 64 * 10), ["item 6", "vieses"]),
        (_with(0, (3 * 3 + 1) * 32), ["item 0", "1 canal", "recebe 3 canais"]),
        (_with(2, (3 * 3 + 1) * 64), ["item 2", "TODOS os canais"]),
        (_with(1, 15 * 15 * 32), ["item 1", "não tem pesos"]),
        (_with(4, 2304), ["item 4", "não tem pesos"]),
        (_with(6, (32 * 32 * 3 + 1) * 10), ["item 6", "Flatten"]),
        # the answer on screen: the summary of the 28×28×1 model
        (MNIST_PARAMS, ["modelo do MNIST", "resumo", "(32, 32, 3)"]),
        (_with(6, (5 * 5 * 64 + 1) * 10), ["item 6", "modelo do MNIST", "32×32"]),
        # rounding 13/2 up in the second pooling: a 7×7 map
        (_with(6, (7 * 7 * 64 + 1) * 10), ["item 6", "13×13", "arredonda para baixo"]),
        # forgetting that 'valid' convolutions shrink the image: 32 → 16 → 8
        (_with(6, (8 * 8 * 64 + 1) * 10), ["item 6", "'valid' tira 2 pixels"]),
        (_with(0, 1234), ["item 0", "F × F × canais de entrada + 1"]),
        ([0] + PARAMS, ["7 números", "keras.Input"]),
        (PARAMS[:3], ["7 números"]),
        (sum(PARAMS), ["lista"]),
        (_with(3, "zero"), ["item 3", "número"]),
    ],
)
def test_parameter_mistakes_are_named(answer, fragments):
    wrong(ex3, answer, *fragments)


# ---- ex4 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda p, y: np.sum(p.argmax(axis=1) == y), ["número de acertos"]),
        (lambda p, y: 100 * np.mean(p.argmax(axis=1) == y), ["porcentagem"]),
        (lambda p, y: np.mean(p.argmax(axis=1) != y), ["ERROS"]),
        (lambda p, y: p.argmax(axis=1) == y, ["um valor por exemplo", "média"]),
        (lambda p, y: p.max(axis=0), ["eixo errado", "axis=1"]),
        (lambda p, y: np.mean(p.argmin(axis=1) == y), ["acurácia do Keras"]),
        (lambda p, y: np.mean(p.argmax(axis=0) == y), ["ValueError"]),
        (lambda p, y: "0.7", ["número"]),
    ],
)
def test_accuracy_mistakes_are_named(answer, fragments):
    wrong(ex4, answer, *fragments)


# ---- ex5 ---------------------------------------------------------------------------------


def test_most_confused_transposed_is_wrong():
    wrong(ex5, lambda cm: most_confused(cm)[::-1], "invertido", "linha é a classe verdadeira")


def test_most_confused_on_the_diagonal_is_wrong():
    wrong(
        ex5,
        lambda cm: np.unravel_index(np.argmax(cm), cm.shape),
        "diagonal",
        "ACERTOS",
    )


def test_most_confused_that_changes_the_matrix_is_wrong():
    def in_place(cm):
        np.fill_diagonal(cm, 0)
        return most_confused(cm)

    wrong(ex5, in_place, "alterou a matriz", "cm.copy()")


def test_most_confused_flat_index_is_wrong():
    def flat(cm):
        off = cm.copy()
        np.fill_diagonal(off, 0)
        return np.argmax(off)

    wrong(ex5, flat, "np.unravel_index")


def test_most_confused_smallest_is_wrong():
    def smallest(cm):
        off = cm.copy().astype(float)
        np.fill_diagonal(off, np.inf)
        return np.unravel_index(np.argmin(off), off.shape)

    wrong(ex5, smallest, "maior valor fora da diagonal")


def test_most_confused_with_three_values_is_wrong():
    wrong(ex5, lambda cm: (1, 2, 3), "par")


# ---- strict mode -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, lambda x: x),
        (ex2, lambda y, n: one_hot(y, n).T),
        (ex3, [0] * 7),
        (ex4, lambda p, y: 0.5),
        (ex5, lambda cm: (0, 0)),
    ],
)
def test_strict_mode_raises_on_wrong_answer(exercise, answer, monkeypatch):
    strict_check_fails(exercise, answer, monkeypatch)


def test_strict_mode_raises_on_blank(monkeypatch):
    strict_check_fails(ex1, ____, monkeypatch)
