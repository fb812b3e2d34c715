"""The checkers of lesson 11: right answers pass, blanks are not done, usual mistakes are named."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from tests.exercise_testing import correct, not_done, strict_check_fails, wrong

from course_utils.checks import ____
from course_utils.exercises.lesson11 import (
    DEPTHS,
    EX2_CASES,
    FAST_DEPTHS,
    curve_problem,
    ex1,
    ex2,
    ex3,
    ex4,
    model_name,
    reference_block,
    reference_stage_shapes,
    slip_block,
)
from course_utils.models import build_resnet

pytestmark = pytest.mark.slow  # builds a few hundred small Keras models: tens of seconds


# ---- answers written the way a student would -----------------------------------------------


def block_params(c_in, c_out):
    total = 9 * c_in * c_out + 4 * c_out + 9 * c_out * c_out + 4 * c_out
    if c_in != c_out:
        total += c_in * c_out + 4 * c_out
    return total


def residual_block(x, filters, stride):
    shortcut = x
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization()(y)
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    return layers.ReLU()(y + shortcut)


def block_shortcut_first_with_bias(x, filters, stride):
    """Right too: the shortcut written first, biases left on (they are zero here), keras.ops."""
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=stride)(x))
    y = layers.Conv2D(filters, (3, 3), strides=(stride, stride), padding="same")(x)
    y = keras.ops.relu(layers.BatchNormalization()(y))
    y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(y))
    return keras.ops.relu(layers.add([shortcut, y]))


def stage_shapes(height, width):
    shapes = [(height, width, 16), (height, width, 16)]
    for filters in (32, 64):
        height, width = (height + 1) // 2, (width + 1) // 2
        shapes.append((height, width, filters))
    return shapes


def training_gap(deep, shallow):
    return deep["loss"][-1] - shallow["loss"][-1]


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, block_params),
        (ex1, lambda a, b: np.int64(block_params(a, b))),
        (ex1, lambda a, b: float(block_params(a, b))),
        (ex2, residual_block),
        (ex2, block_shortcut_first_with_bias),
        (ex2, reference_block),
        (ex3, stage_shapes),
        (ex3, lambda h, w: [list(s) for s in stage_shapes(h, w)]),
        (ex3, lambda h, w: np.array(stage_shapes(h, w))),
        (ex4, training_gap),
        (ex4, lambda d, s: np.float32(d["loss"][-1]) - np.float32(s["loss"][-1])),
    ],
)
def test_right_answer_is_correct(exercise, answer):
    correct(exercise, answer)


def test_correct_messages_say_what_was_compared():
    assert "count_params" in correct(ex1, block_params)
    assert "build_resnet" in correct(ex2, residual_block)
    assert "build_resnet" in correct(ex3, stage_shapes)
    assert "Plain-56" in correct(ex4, training_gap)


@pytest.mark.parametrize(
    "exercise, blank",
    [
        (ex1, ____),
        (ex1, lambda a, b: ____),
        (ex2, ____),
        (ex2, lambda x, f, s: ____),
        (ex3, ____),
        (ex3, lambda h, w: [____, (h, w, 16)]),
        (ex4, ____),
        (ex4, lambda d, s: ____),
    ],
)
def test_blank_is_not_done(exercise, blank, capsys):
    not_done(exercise, blank, capsys)


# ---- ex1 ---------------------------------------------------------------------------------------


def test_block_params_reference_is_keras_count_of_build_resnet():
    # ResNet-20 = first conv + BN, 3 blocks per stage, GAP, Dense: the blocks add up to it
    blocks = 3 * block_params(16, 16) + block_params(16, 32) + 2 * block_params(32, 32)
    blocks += block_params(32, 64) + 2 * block_params(64, 64)
    first, dense = 3 * 3 * 3 * 16 + 4 * 16, 64 * 10 + 10
    assert first + blocks + dense == build_resnet(20).count_params()


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda a, b: block_params(a, b) + 2 * b + (b if a != b else 0), ("use_bias=False",)),
        (lambda a, b: 9 * a * b + 9 * b * b + 4 * b + (a * b + 2 * b if a != b else 0),
         ("4 números por canal",)),
        (lambda a, b: 9 * a * b + 9 * b * b + 8 * b, ("faltou a projeção",)),
        (lambda a, b: 9 * a * b + 9 * b * b + 8 * b + (a * b if a != b else 0),
         ("também é seguida",)),
        (lambda a, b: 9 * a * b + 9 * b * b + 12 * b + a * b, ("identidade",)),
        (lambda a, b: 9 * a * b + 9 * b * b + 8 * b + (9 * a * b + 4 * b if a != b else 0),
         ("1×1",)),
        (lambda a, b: 18 * b * b + 8 * b + (a * b + 4 * b if a != b else 0), ("3·3·c_in",)),
        (lambda a, b: 9 * a * b + 9 * b * b + (a * b if a != b else 0),
         ("normalização em lote",)),
        (lambda a, b: block_params(b, a), ("trocados",)),
        (lambda a, b: block_params(16, 32), ("block_params(16, 16)",)),
        (lambda a, b: block_params(a, b) + 0.5, ("inteiro",)),
        (lambda a, b: 1 / 0, ("ZeroDivisionError",)),
        (14720, ("uma função",)),
    ],
)
def test_block_parameter_mistakes_are_named(answer, fragments):
    wrong(ex1, answer, *fragments)


# ---- ex2 ---------------------------------------------------------------------------------------


def test_slip_block_right_kind_is_the_reference():
    correct(ex2, slip_block("right"))


@pytest.mark.parametrize(
    "kind, fragments",
    [
        ("relu_before_add", ("depois da soma", "ReLU(F(x) + x)")),
        ("relu_before_and_after", ("ReLU a mais",)),
        ("no_shortcut", ("faltou o atalho",)),
        ("no_final_relu", ("faltou a ReLU",)),
        ("projection_always", ("sem convolução", "stride=1")),
        ("projection_no_bn", ("também é seguida",)),
        ("stride_on_second", ("primeira convolução",)),
    ],
)
def test_block_mistakes_are_named(kind, fragments):
    wrong(ex2, slip_block(kind), *fragments)


def block_with(shortcut_stride=None, identity_always=False, padding="same", returns=None):
    def block(x, filters, stride):
        y = layers.Conv2D(filters, 3, strides=stride, padding=padding, use_bias=False)(x)
        y = layers.Activation("relu")(layers.BatchNormalization()(y))
        y = layers.Conv2D(filters, 3, padding=padding, use_bias=False)(y)
        y = layers.BatchNormalization()(y)
        shortcut = x
        if not identity_always and (stride != 1 or x.shape[-1] != filters):
            step = stride if shortcut_stride is None else shortcut_stride
            shortcut = layers.BatchNormalization()(
                layers.Conv2D(filters, 1, strides=step, use_bias=False)(x))
        out = layers.Activation("relu")(layers.Add()([y, shortcut]))
        return out if returns is None else returns(out)

    return block


def test_shortcut_with_wrong_stride_is_named():
    # stride 1 on the projection while the main path halves the size: the sum cannot be made
    wrong(ex2, block_with(shortcut_stride=1), "stride=2", "mesmo passo")
    # a stride of 2 typed into the projection: right at stride 2, wrong where stride=1
    wrong(ex2, block_with(shortcut_stride=2), "stride=1", "mesmo passo")


def test_identity_shortcut_where_channels_change_is_named():
    wrong(ex2, block_with(identity_always=True), "filters=16", "convolução 1×1")


def test_block_with_valid_padding_or_not_a_tensor_is_named():
    wrong(ex2, block_with(padding="valid"), "padding='same'")
    wrong(ex2, block_with(returns=lambda out: keras.Model), "tensor de saída")
    wrong(ex2, 3, "residual_block")


def test_block_cases_cover_identity_and_both_projections():
    kinds = {(c_in == filters, stride) for c_in, filters, stride in EX2_CASES}
    assert kinds == {(True, 1), (False, 2), (False, 1)}


# ---- ex3 ---------------------------------------------------------------------------------------


def test_stage_shapes_reference_reads_the_model():
    assert reference_stage_shapes(32, 32) == [(32, 32, 16), (32, 32, 16), (16, 16, 32),
                                              (8, 8, 64)]
    assert reference_stage_shapes(15, 15)[-1] == (4, 4, 64)


def shapes_with(rounding=lambda n: (n + 1) // 2, halve_first=False, channels=(16, 32, 64),
                stem=True, order="hwc"):
    def answer(height, width):
        shapes = [(height, width, 16)] if stem else []
        for stage, filters in enumerate(channels):
            if stage > 0 or halve_first:
                height, width = rounding(height), rounding(width)
            shapes.append((height, width, filters))
        if order == "chw":
            return [(c, h, w) for h, w, c in shapes]
        return shapes

    return answer


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (shapes_with(rounding=lambda n: n // 2), ("stage_shapes(15, 15)", "arredonda para cima")),
        (shapes_with(halve_first=True), ("não reduz",)),
        (shapes_with(channels=(16, 16, 16)), ("dobram",)),
        (shapes_with(stem=False), ("3 formatos", "primeira convolução")),
        (shapes_with(order="chw"), ("canais vêm por último",)),
        (lambda h, w: [(32, 32, 16), (32, 32, 16), (16, 16, 32), (8, 8, 64)],
         ("stage_shapes(15, 15)",)),
        (lambda h, w: [(h, w), (h, w), (h, w), (h, w)], ("formato",)),
        (lambda h, w: "32x32", ("lista",)),
        ([(32, 32, 16)], ("uma função",)),
    ],
)
def test_stage_shape_mistakes_are_named(answer, fragments):
    wrong(ex3, answer, *fragments)


# ---- ex4 ---------------------------------------------------------------------------------------


def test_curve_problem_degrades_in_plain_and_not_in_resnet():
    h = curve_problem()
    assert h["Plain-56"]["loss"][-1] > h["Plain-20"]["loss"][-1]
    assert h["ResNet-56"]["loss"][-1] < h["ResNet-20"]["loss"][-1]
    # the last epoch is not always the best one, so min() cannot pass for it
    assert any(v["loss"][-1] > min(v["loss"]) for v in h.values())


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda d, s: s["loss"][-1] - d["loss"][-1], ("ordem está trocada",)),
        (lambda d, s: d["val_loss"][-1] - s["val_loss"][-1], ("validação", "'loss'")),
        (lambda d, s: min(d["loss"]) - min(s["loss"]), ("menor perda",)),
        (lambda d, s: d["loss"][0] - s["loss"][0], ("primeira época",)),
        (lambda d, s: np.mean(d["loss"]) - np.mean(s["loss"]), ("média",)),
        (lambda d, s: d["accuracy"][-1] - s["accuracy"][-1], ("acurácia",)),
        (lambda d, s: d["loss"][-1], ("deveria ser",)),
        (lambda d, s: "plain", ("número",)),
        (0.37, ("uma função",)),
    ],
)
def test_gap_mistakes_are_named(answer, fragments):
    wrong(ex4, answer, *fragments)


# ---- shared settings ----------------------------------------------------------------------------


def test_depths_are_of_the_paper_family_and_named_as_in_the_paper():
    for depth in (*DEPTHS, *FAST_DEPTHS):
        assert (depth - 2) % 6 == 0
    assert DEPTHS == (20, 56) and FAST_DEPTHS[0] < FAST_DEPTHS[1]
    assert model_name(56, False) == "Plain-56" and model_name(20, True) == "ResNet-20"


def test_lesson_and_benchmark_train_with_the_shared_settings():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    lesson = (root / "solutions" / "11_redes_residuais.py").read_text(encoding="utf-8")
    benchmark = (root / "benchmarks" / "resnet_cifar10.py").read_text(encoding="utf-8")
    for source in (lesson, benchmark):
        assert "build_resnet(depth, residual=residual)" in source
        assert 'optimizer="adam", loss="sparse_categorical_crossentropy"' in source
    assert "batch_size = FAST_BATCH_SIZE if config.FAST else BATCH_SIZE" in lesson
    assert "batch_size=batch_size, shuffle=True, seed=SEED" in lesson
    assert "batch_size=BATCH_SIZE, shuffle=True" in benchmark


# ---- strict mode ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, lambda a, b: block_params(b, a)),
        (ex2, slip_block("no_shortcut")),
        (ex3, shapes_with(rounding=lambda n: n // 2)),
        (ex4, lambda d, s: s["loss"][-1] - d["loss"][-1]),
    ],
)
def test_strict_mode_raises_on_wrong_answer(exercise, answer, monkeypatch):
    strict_check_fails(exercise, answer, monkeypatch)


def test_strict_mode_raises_on_blank(monkeypatch):
    strict_check_fails(ex1, ____, monkeypatch)
