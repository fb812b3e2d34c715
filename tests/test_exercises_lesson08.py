"""The checkers of lesson 08: right answers pass, blanks are not done, usual mistakes are named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from tests.exercise_testing import correct, not_done, strict_check_fails, wrong

from course_utils.checks import ____
from course_utils.exercises import lesson08
from course_utils.exercises.lesson08 import STACK_CHANNELS, ex1, ex2, ex3, ex4
from course_utils.pipelines import make_dataset

SOURCE = Path(__file__).resolve().parent.parent / "solutions" / "08_cifar10.py"


# ---- answers written the way a student would ---------------------------------------------


def channel_stats(images):
    x = images.astype("float32") / 255
    return x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))


def channel_stats_loop(images):
    means, stds = [], []
    for c in range(3):
        channel = images[..., c] / 255.0
        means.append(channel.mean())
        stds.append(channel.std(ddof=1))
    return np.array(means), np.array(stds)


def channel_stats_tf(images):
    x = tf.cast(images, tf.float32) / 255.0
    mean = tf.reduce_mean(x, axis=[0, 1, 2])
    return mean, tf.math.reduce_std(x, axis=[0, 1, 2])


def pipeline(x, y, batch_size=32, shuffle=False, seed=0, *, order="good", buffer=None,
             cache=True, prefetch=True, drop_remainder=False, scale=255.0, dtype=tf.float32,
             reshuffle=True):
    """The lesson's pipeline, with switches that produce the usual mistakes."""
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.map(lambda image, label: (tf.cast(image, dtype) / scale, label))
    if order == "shuffle_before_cache" and shuffle:
        dataset = dataset.shuffle(len(x), seed=seed)
    if cache:
        dataset = dataset.cache()
    if order == "good" and shuffle:
        dataset = dataset.shuffle(buffer or len(x), seed=seed,
                                  reshuffle_each_iteration=reshuffle)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    if order == "shuffle_batches" and shuffle:
        dataset = dataset.shuffle(100, seed=seed)
    return dataset.prefetch(tf.data.AUTOTUNE) if prefetch else dataset


def per_class_accuracy(cm):
    return np.diag(cm) / cm.sum(axis=1)


def per_class_accuracy_loop(cm):
    return [cm[k, k] / cm[k].sum() for k in range(len(cm))]


C = STACK_CHANNELS
STACK = (5, 2 * (3 * 3 * C + 1) * C, (5 * 5 * C + 1) * C)


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, channel_stats),
        (ex1, channel_stats_loop),
        (ex1, channel_stats_tf),
        (ex1, lambda images: np.stack(channel_stats(images))),
        (ex2, pipeline),
        (ex2, lambda x, y, batch_size, shuffle, seed: make_dataset(
            x, y, batch_size, shuffle=shuffle, seed=seed)),
        (ex2, lambda x, y, batch_size, shuffle, seed: pipeline(
            x, y, batch_size, shuffle, seed, buffer=10_000)),
        (ex3, per_class_accuracy),
        (ex3, per_class_accuracy_loop),
        (ex3, lambda cm: tf.linalg.diag_part(cm) / tf.reduce_sum(cm, axis=1)),
        (ex4, STACK),
        (ex4, list(STACK)),
        (ex4, tuple(float(v) for v in STACK)),
        (ex4, tuple(np.int64(v) for v in STACK)),
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
        (ex2, lambda x, y, batch_size, shuffle, seed: ____),
        (ex3, ____),
        (ex3, lambda cm: ____),
        (ex4, ____),
        (ex4, (____, ____, ____)),
        (ex4, (5, ____, STACK[2])),
    ],
)
def test_blank_is_not_done(exercise, blank, capsys):
    not_done(exercise, blank, capsys)


# ---- ex1 ---------------------------------------------------------------------------------


def _scaled(images):
    return images.astype(np.float64) / 255


def channel_stats_of(scaled):
    """Mean and standard deviation per channel of images already scaled (right or wrong)."""
    return scaled.mean(axis=(0, 1, 2)), scaled.std(axis=(0, 1, 2))


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda im: (im.mean(axis=(0, 1, 2)), im.std(axis=(0, 1, 2))), ["escala 0–255"]),
        (lambda im: (_scaled(im).mean(), _scaled(im).std()), ["(3,)", "número só"]),
        (lambda im: (_scaled(im).mean(axis=0), _scaled(im).std(axis=0)), ["um valor por pixel"]),
        (lambda im: (_scaled(im).mean(axis=(1, 2, 3)), _scaled(im).std(axis=(1, 2, 3))),
         ["por imagem"]),
        (lambda im: (_scaled(im).mean(axis=(1, 2)), _scaled(im).std(axis=(1, 2))),
         ["por imagem"]),
        (lambda im: channel_stats(im)[::-1], ["ordem está trocada"]),
        (lambda im: (channel_stats(im)[0], channel_stats(im)[1] ** 2), ["variância"]),
        (lambda im: (channel_stats(im)[0], _scaled(im).std(axis=(1, 2)).mean(axis=0)),
         ["imagem por imagem", "ENTRE imagens"]),
        (lambda im: (channel_stats(im)[0][::-1], channel_stats(im)[1][::-1]), ["(B, G, R)"]),
        (lambda im: channel_stats(im)[0], ["dois arrays"]),
        (lambda im: ("média", "desvio"), ["array de números"]),
        (lambda im: (_scaled(im).mean(axis=(0, 1, 2)) + 0.01, channel_stats(im)[1]),
         ["valores diferem"]),
        # scaled by the batch's own maximum or range: the test batches hold no 0 and no 255
        (lambda im: channel_stats_of(im / im.max()), ["maior valor", "255"]),
        (lambda im: channel_stats_of((im - im.min()) / (im.max() - im.min())), ["255"]),
        (lambda im: channel_stats_of((im - im.min(axis=(0, 1, 2))) / np.ptp(im, axis=(0, 1, 2))),
         ["255"]),
    ],
)
def test_channel_stats_mistakes_are_named(answer, fragments):
    wrong(ex1, answer, *fragments)


def test_channel_stats_that_changes_its_input_is_wrong():
    def in_place(images):
        images //= 2
        return channel_stats(images)

    wrong(ex1, in_place, "alterou o array de entrada")


def test_channel_stats_reference_matches_numpy_on_real_shaped_data():
    images = np.random.default_rng(0).integers(0, 256, size=(20, 32, 32, 3), dtype=np.uint8)
    mean, std = lesson08.reference_channel_stats(images)
    assert mean.shape == std.shape == (3,)
    for c in range(3):
        np.testing.assert_allclose(mean[c], images[..., c].mean() / 255)
        np.testing.assert_allclose(std[c], images[..., c].std() / 255)


# ---- ex2 ---------------------------------------------------------------------------------


def _with(**switches):
    return lambda x, y, batch_size, shuffle, seed: pipeline(
        x, y, batch_size, shuffle, seed, **switches)


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (_with(drop_remainder=True), ["drop_remainder"]),
        (_with(scale=1.0), ["falta dividir por 255", "[0, 1]"]),
        (_with(dtype=tf.float64), ["float64", "float32"]),
        (_with(order="shuffle_batches"), ["lotes inteiros", "ANTES do .batch"]),
        (_with(order="shuffle_before_cache"), ["mesma ordem", ".cache() deve vir antes"]),
        (_with(reshuffle=False), ["mesma ordem", "reshuffle_each_iteration"]),
        (_with(buffer=8), ["buffer", "shuffle(len(x))"]),
        # a fixed buffer smaller than the data: the test feeds more examples than 1,000
        (_with(buffer=1000), ["buffer", "shuffle(len(x))"]),
        (lambda x, y, batch_size, shuffle, seed: pipeline(
            x, y, batch_size, shuffle, seed, scale=float(x.max())), ["maior pixel", "255"]),
        (_with(prefetch=False), ["prefetch"]),
        (_with(cache=False), ["cache"]),
        (lambda x, y, batch_size, shuffle, seed: pipeline(x, y, batch_size, False, seed),
         ["shuffle=True", "original"]),
        (lambda x, y, batch_size, shuffle, seed: pipeline(x, y, batch_size, True, seed),
         ["shuffle=False", "embaralhada"]),
        (lambda x, y, batch_size, shuffle, seed: pipeline(x, y, 32, shuffle, seed),
         ["batch_size=16"]),
        (lambda x, y, batch_size, shuffle, seed: pipeline(x, y, batch_size, shuffle, seed).unbatch(),
         ["uma imagem por vez", ".batch"]),
        (lambda x, y, batch_size, shuffle, seed: (x / 255.0, y), ["tf.data.Dataset", "tuple"]),
        (lambda x, y, batch_size, shuffle, seed: tf.data.Dataset.from_tensor_slices(
            x / 255).batch(batch_size), ["par (imagens, rótulos)"]),
        (lambda x, y, batch_size, shuffle, seed: pipeline(x, y, batch_size, shuffle, seed).repeat(2),
         ["repetições"]),
        (lambda x, y, batch_size, shuffle, seed: pipeline(x, y, batch_size, shuffle, seed).take(2),
         ["se perderam"]),
        (lambda x, y, batch_size, shuffle, seed: pipeline(
            x, np.random.default_rng(seed).permutation(y), batch_size, shuffle, seed),
         ["rótulos não acompanham"]),
        (lambda x, y, batch_size, shuffle, seed: pipeline(
            x, y[:, None], batch_size, shuffle, seed), ["(None,)"]),
        (lambda x, y, batch_size, shuffle, seed: pipeline(
            x[..., :1], y, batch_size, shuffle, seed), ["(None, 32, 32, 3)"]),
    ],
)
def test_pipeline_mistakes_are_named(answer, fragments):
    wrong(ex2, answer, *fragments)


def test_pipeline_that_crashes_is_reported():
    wrong(ex2, lambda x, y, batch_size, shuffle, seed: tf.data.Dataset.nope, "AttributeError")


# ---- ex3 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda cm: np.diag(cm) / cm.sum(axis=0), ["COLUNAS", "precisão"]),
        (lambda cm: (np.diag(cm) / cm.sum(axis=1)).T, []),  # a 1-D transpose is harmless
        (lambda cm: np.diag(cm), ["número de acertos"]),
        (lambda cm: 100 * np.diag(cm) / cm.sum(axis=1), ["porcentagem"]),
        (lambda cm: np.trace(cm) / cm.sum(), ["número só"]),
        (lambda cm: np.diag(cm) / cm.sum(), ["total da matriz"]),
        (lambda cm: (np.diag(cm) / cm.sum(axis=1))[:, None], ["eixo de tamanho 1"]),
        (lambda cm: np.diag(cm)[:-1] / cm.sum(axis=1)[:-1], ["formato"]),
        (lambda cm: np.roll(np.diag(cm) / cm.sum(axis=1), 1), ["valores diferem"]),
    ],
)
def test_per_class_accuracy_mistakes_are_named(answer, fragments):
    if not fragments:
        correct(ex3, answer)
        return
    wrong(ex3, answer, *fragments)


def test_per_class_accuracy_that_changes_the_matrix_is_wrong():
    def in_place(cm):
        result = np.diag(cm) / cm.sum(axis=1)
        np.fill_diagonal(cm, 0)
        return result

    wrong(ex3, in_place, "alterou a matriz")


# ---- ex4 ---------------------------------------------------------------------------------


def test_receptive_fields_measured_by_tensorflow():
    assert lesson08.measured_receptive_field((3,)) == 3
    assert lesson08.measured_receptive_field((3, 3)) == 5
    assert lesson08.measured_receptive_field((5,)) == 5
    assert lesson08.measured_receptive_field((3, 3, 3)) == 7


def test_reference_stack_params_match_the_formula():
    assert lesson08.reference_stack_params(C) == STACK[1:]


@pytest.mark.parametrize(
    "answer, fragments",
    [
        ((6, STACK[1], STACK[2]), ["rf_two_3x3", "sobrepõem"]),
        ((9, STACK[1], STACK[2]), ["rf_two_3x3", "UMA janela"]),
        ((3, STACK[1], STACK[2]), ["rf_two_3x3", "uma camada"]),
        ((7, STACK[1], STACK[2]), ["rf_two_3x3", "2 pixels"]),
        ((5, 2 * 9 * C * C, STACK[2]), ["params_two_3x3", "vieses"]),
        ((5, STACK[1], 25 * C * C), ["params_one_5x5", "vieses"]),
        ((5, STACK[1] // 2, STACK[2]), ["params_two_3x3", "uma camada só"]),
        ((5, 2 * (9 * C + 1), STACK[2]), ["params_two_3x3", "filtro só"]),
        ((5, STACK[1], (25 + 1) * C), ["params_one_5x5", "TODOS os"]),
        ((5, STACK[1], STACK[2] + 1), ["params_one_5x5", "(k·k·C + 1)·C"]),
        ((5.5, STACK[1], STACK[2]), ["inteiro"]),
        (("5", STACK[1], STACK[2]), ["número"]),
        ((5, STACK[1]), ["três números"]),
        (sum(STACK), ["três números"]),
    ],
)
def test_stack_mistakes_are_named(answer, fragments):
    wrong(ex4, answer, *fragments)


# ---- strict mode -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, lambda im: (im.mean(axis=(0, 1, 2)), im.std(axis=(0, 1, 2)))),
        (ex2, _with(prefetch=False)),
        (ex3, lambda cm: np.diag(cm)),
        (ex4, (6, 0, 0)),
    ],
)
def test_strict_mode_raises_on_wrong_answer(exercise, answer, monkeypatch):
    strict_check_fails(exercise, answer, monkeypatch)


def test_strict_mode_raises_on_blank(monkeypatch):
    strict_check_fails(ex2, ____, monkeypatch)


# ---- the lesson and the benchmark share their settings -----------------------------------


def test_lesson_uses_the_shared_settings():
    source = SOURCE.read_text(encoding="utf-8")
    assert f"EPOCHS = config.epochs({lesson08.EPOCHS}, 1)" in source
    assert "VGG_FILTERS_FAST if config.FAST else VGG_FILTERS" in source
    assert "from course_utils.lessons import SEED, reference_split" in source
    assert "reference_split(x_train_all, y_train_all, VAL_FRACTION)" in source
    assert not hasattr(lesson08, "SEED") and not hasattr(lesson08, "reference_split")
