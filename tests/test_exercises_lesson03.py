"""The checkers of lesson 03: right answers pass, blanks are not done, usual mistakes are named."""

from __future__ import annotations

import math
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers

from tests.exercise_testing import correct, not_done, strict_check_fails, wrong

from course_utils.checks import ____
from course_utils.exercises import lesson03
from course_utils.exercises.lesson03 import (
    EX2_CASES,
    EX4_FEATURE_MAP,
    EX4_UNITS,
    EX_INPUT_SHAPE,
    describe_stack,
    ex1,
    ex2,
    ex3,
    ex4,
    ex5,
    exercise_layers,
)
from course_utils.models import build_mnist_cnn


# ---- reference answers, written the way a student would (by formula, not by Keras) -------


def shapes_by_formula():
    h0 = (67 - 5) // 1 + 1
    h1 = h0 // 2
    h2 = h1
    h3 = math.ceil(h2 / 2)
    h4 = (h3 - 3) // 2 + 1
    return [(h0, h0, 16), (h1, h1, 16), (h2, h2, 32), (h3, h3, 32), (h4, h4, 64),
            (h4 * h4 * 64,), (10,)]


SHAPES = shapes_by_formula()
PARAMS = [(5 * 5 * 3 + 1) * 16, 0, (3 * 3 * 16 + 1) * 32, (3 * 3 * 32 + 1) * 32,
          (3 * 3 * 32 + 1) * 64, 0, (7 * 7 * 64 + 1) * 10]
H, W, C = EX4_FEATURE_MAP
FLAT_GMP = ((H * W * C + 1) * EX4_UNITS, (C + 1) * EX4_UNITS)


def conv_params(F, C_in, K, use_bias=True):
    return (F * F * C_in + use_bias) * K


def dense_share(model):
    dense = sum(l.count_params() for l in model.layers if isinstance(l, keras.layers.Dense))
    return dense / model.count_params()


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, SHAPES),
        (ex1, tuple(SHAPES)),
        (ex1, [list(s) for s in SHAPES]),
        (ex1, SHAPES[:5] + [SHAPES[5][0], SHAPES[6][0]]),  # 1-D shapes as plain ints
        (ex1, [tuple(np.int64(d) for d in s) for s in SHAPES]),
        (ex2, conv_params),
        (ex2, lambda F, C_in, K, use_bias=True: float(F * F * C_in * K + (K if use_bias else 0))),
        (ex3, PARAMS),
        (ex3, np.array(PARAMS)),
        (ex4, FLAT_GMP),
        (ex4, list(FLAT_GMP)),
        (ex4, (np.int64(FLAT_GMP[0]), float(FLAT_GMP[1]))),
        (ex5, dense_share),
        (ex5, lambda m: np.float32(dense_share(m))),
    ],
)
def test_right_answer_is_correct(exercise, answer):
    correct(exercise, answer)


def test_the_answers_by_formula_agree_with_keras():
    model = keras.Sequential([keras.Input(EX_INPUT_SHAPE)] + exercise_layers())
    assert SHAPES == [tuple(l.output.shape[1:]) for l in model.layers]
    assert PARAMS == [l.count_params() for l in model.layers]
    for F, C_in, K, use_bias in EX2_CASES:
        layer = layers.Conv2D(K, F, use_bias=use_bias)
        layer.build((None, 16, 16, C_in))
        assert conv_params(F, C_in, K, use_bias) == layer.count_params()


def test_describe_stack_lists_every_layer_with_its_hyperparameters():
    text = describe_stack()
    lines = text.splitlines()
    assert lines[0] == f"entrada: {EX_INPUT_SHAPE}"
    assert len(lines) == 1 + len(exercise_layers())
    assert "Conv2D: 32 filtros 3×3, passo 2, padding 'same', ativação relu" in text
    assert "MaxPooling2D: janela 2×2, passo 2" in text
    assert "Dense: 10 neurônios, ativação softmax" in text


@pytest.mark.parametrize(
    "exercise, blank",
    [
        (ex1, ____),
        (ex1, SHAPES[:3] + [____] + SHAPES[4:]),
        (ex2, ____),
        (ex2, lambda F, C_in, K, use_bias=True: ____),
        (ex3, ____),
        (ex3, [____] * len(PARAMS)),
        (ex4, (____, ____)),
        (ex4, (FLAT_GMP[0], ____)),
        (ex5, ____),
        (ex5, lambda model: ____),
    ],
)
def test_blank_is_not_done(exercise, blank, capsys):
    not_done(exercise, blank, capsys)


@pytest.mark.parametrize(
    "exercise, answer",
    [(ex1, SHAPES[::-1]), (ex2, lambda F, C_in, K, use_bias=True: 0), (ex3, PARAMS[:-1]),
     (ex4, FLAT_GMP[::-1]), (ex5, lambda model: 2.0)],
)
def test_strict_mode_raises_on_wrong_answer(exercise, answer, monkeypatch):
    strict_check_fails(exercise, answer, monkeypatch)


def test_strict_mode_raises_on_blank(monkeypatch):
    strict_check_fails(ex4, (____, ____), monkeypatch)


# ---- ex1: shapes through the stack --------------------------------------------------------


def with_item(answer, k, value):
    answer = list(answer)
    answer[k] = value
    return answer


def test_ex1_depth_kept_from_input_is_named():
    wrong(ex1, with_item(SHAPES, 0, (63, 63, 3)), "camada 0", "profundidade 3", "D2 = K")


def test_ex1_same_with_stride_two_is_named():
    wrong(ex1, with_item(SHAPES, 3, (31, 31, 32)), "camada 3", "passo 2", "⌈W/S⌉")


def test_ex1_valid_without_division_by_stride_is_named():
    wrong(ex1, with_item(SHAPES, 4, (14, 14, 64)), "camada 4", "dividir por S")


def test_ex1_valid_without_plus_one_is_named():
    wrong(ex1, with_item(SHAPES, 0, (62, 62, 16)), "camada 0", "+ 1")


def test_ex1_valid_that_does_not_shrink_is_named():
    wrong(ex1, with_item(SHAPES, 0, (67, 67, 16)), "'valid'", "encolhe")


def test_ex1_pooling_mistakes_are_named():
    wrong(ex1, with_item(SHAPES, 1, (31, 31, 8)), "camada 1", "canal")
    wrong(ex1, with_item(SHAPES, 1, (63, 63, 16)), "camada 1", "divide")


def test_ex1_flatten_and_dense_mistakes_are_named():
    wrong(ex1, with_item(SHAPES, 5, (7, 7, 64)), "camada 5", "vetor")
    wrong(ex1, with_item(SHAPES, 5, (49,)), "camada 5", "altura × largura × canais")
    wrong(ex1, with_item(SHAPES, 6, (64,)), "camada 6", "neurônio")


def test_ex1_pooling_rounded_up_is_named():
    wrong(ex1, with_item(SHAPES, 1, (32, 32, 16)), "camada 1", "ímpar", "para baixo")


def test_ex1_same_with_stride_two_rounded_down_is_named():
    wrong(ex1, with_item(SHAPES, 3, (15, 15, 32)), "camada 3", "⌈W/S⌉", "para cima")


def test_ex1_valid_with_stride_two_rounded_up_is_named():
    wrong(ex1, with_item(SHAPES, 4, (8, 8, 64)), "camada 4", "'valid'", "para baixo")


def test_ex1_stack_data_separates_the_rounding_slips():
    # each rounding slip must give a different number from the right answer
    assert SHAPES[1][0] == 63 // 2 != math.ceil(63 / 2)
    assert SHAPES[3][0] == math.ceil(31 / 2) != 31 // 2
    assert SHAPES[4][0] == (16 - 3) // 2 + 1 != math.ceil((16 - 3) / 2) + 1


def test_ex1_batch_axis_is_named():
    wrong(ex1, [(None,) + s for s in SHAPES], "lote")


def test_ex1_message_does_not_give_the_answer():
    text = wrong(ex1, with_item(SHAPES, 4, (8, 8, 64)), "camada 4")
    assert "(7, 7, 64)" not in text


@pytest.mark.parametrize(
    "answer",
    [SHAPES[:-1], SHAPES + [(10,)], (63, 63, 16), "63, 63, 16", 3136,
     with_item(SHAPES, 2, "31x31x32"), with_item(SHAPES, 2, (31.5, 31, 32))],
)
def test_ex1_wrong_type_or_length(answer):
    wrong(ex1, answer)


# ---- ex2: conv_params -----------------------------------------------------------------------


def test_ex2_missing_bias_is_named():
    wrong(ex2, lambda F, C_in, K, use_bias=True: F * F * C_in * K, "vieses")


def test_ex2_bias_ignored_when_false_is_named():
    wrong(ex2, lambda F, C_in, K, use_bias=True: (F * F * C_in + 1) * K, "use_bias=False")


def test_ex2_missing_input_channels_is_named():
    wrong(ex2, lambda F, C_in, K, use_bias=True: (F * F + use_bias) * K, "C_in")


def test_ex2_f_instead_of_f_squared_is_named():
    wrong(ex2, lambda F, C_in, K, use_bias=True: (F * C_in + use_bias) * K, "F·F")


def test_ex2_crash_and_non_numbers_are_reported():
    wrong(ex2, lambda F, C_in, K: F * F * C_in * K, "TypeError")  # no use_bias parameter
    wrong(ex2, lambda F, C_in, K, use_bias=True: None, "inteiro")
    wrong(ex2, lambda F, C_in, K, use_bias=True: conv_params(F, C_in, K, use_bias) + 0.5,
          "inteiro")
    wrong(ex2, 1216, "função")


# ---- ex3: parameters of each layer ----------------------------------------------------------


def test_ex3_missing_conv_bias_is_named():
    wrong(ex3, with_item(PARAMS, 2, 3 * 3 * 16 * 32), "camada 2", "vieses")


def test_ex3_image_channels_instead_of_previous_depth_is_named():
    wrong(ex3, with_item(PARAMS, 2, (3 * 3 * 3 + 1) * 32), "camada 2", "C_in", "16")


def test_ex3_pooling_with_parameters_is_named():
    wrong(ex3, with_item(PARAMS, 1, 16), "camada 1", "não tem pesos")


def test_ex3_dense_without_bias_is_named():
    wrong(ex3, with_item(PARAMS, 6, 7 * 7 * 64 * 10), "camada 6", "vieses")


def test_ex3_message_does_not_give_the_answer():
    text = wrong(ex3, with_item(PARAMS, 4, PARAMS[4] + 1), "camada 4")
    assert str(PARAMS[4]) not in text


@pytest.mark.parametrize("answer", [PARAMS[:-1], 68970, with_item(PARAMS, 0, "1216"),
                                    with_item(PARAMS, 0, 1216.5)])
def test_ex3_wrong_type_or_length(answer):
    wrong(ex3, answer)


# ---- ex4: Flatten vs GlobalMaxPooling2D -----------------------------------------------------


def test_ex4_swapped_is_named():
    wrong(ex4, FLAT_GMP[::-1], "trocados")


def test_ex4_missing_bias_is_named():
    wrong(ex4, (H * W * C * EX4_UNITS, FLAT_GMP[1]), "dense_flatten", "vieses")
    wrong(ex4, (FLAT_GMP[0], C * EX4_UNITS), "dense_gmp", "vieses")


def test_ex4_gmp_per_position_is_named():
    wrong(ex4, (FLAT_GMP[0], (H * W + 1) * EX4_UNITS), "dense_gmp", "por canal")


def test_ex4_flatten_without_channels_is_named():
    wrong(ex4, ((H * W + 1) * EX4_UNITS, FLAT_GMP[1]), "dense_flatten", "canais")


@pytest.mark.parametrize("answer", [FLAT_GMP[0], [FLAT_GMP[0]], (FLAT_GMP[0], "2570"),
                                    (*FLAT_GMP, 0)])
def test_ex4_wrong_type_or_length(answer):
    wrong(ex4, answer)


# ---- ex5: dense share -------------------------------------------------------------------------


def test_ex5_percentage_is_named():
    wrong(ex5, lambda m: 100 * dense_share(m), "porcentagem")


def test_ex5_count_instead_of_fraction_is_named():
    wrong(ex5, lambda m: dense_share(m) * m.count_params(), "dividir pelo total")


def test_ex5_complement_is_named():
    wrong(ex5, lambda m: 1 - dense_share(m), "NÃO")


def test_ex5_counting_conv_layers_too_is_named():
    def with_conv(model):
        kinds = (keras.layers.Dense, keras.layers.Conv2D)
        return sum(l.count_params() for l in model.layers if isinstance(l, kinds)) / (
            model.count_params())

    wrong(ex5, with_conv, "Conv2D")


def test_ex5_choosing_layers_by_name_is_named():
    def by_name(model):
        named = sum(l.count_params() for l in model.layers if "dense" in l.name)
        return named / model.count_params()

    wrong(ex5, by_name, "pelo nome")


def test_ex5_data_has_renamed_dense_layers_and_a_conv_called_dense():
    model = lesson03._ex5_models()[lesson03.NAMED_MODEL]
    names = {type(l).__name__: [] for l in model.layers}
    for l in model.layers:
        names[type(l).__name__].append(l.name)
    assert not any("dense" in n for n in names["Dense"])
    assert "dense_features" in names["Conv2D"]
    assert not np.isclose(lesson03._share_by_name(model), dense_share(model))


def test_ex5_class_name_test_is_still_right():
    correct(ex5, lambda m: sum(l.count_params() for l in m.layers
                               if type(l).__name__ == "Dense") / m.count_params())


def test_ex5_crash_and_non_numbers_are_reported():
    wrong(ex5, lambda m: m.nope, "AttributeError")
    wrong(ex5, lambda m: "0.5", "0 e 1")
    wrong(ex5, lambda m: None, "0 e 1")


def test_ex5_is_tested_on_a_model_with_no_dense_layer():
    # a function that assumes a Dense layer exists must fail on the conv-only test model
    def assumes_dense(model):
        dense = [l for l in model.layers if isinstance(l, keras.layers.Dense)]
        dense[0]  # noqa: B018 - raises IndexError when there is none
        return dense_share(model)

    wrong(ex5, assumes_dense, "IndexError")


def test_ex5_reference_matches_a_known_model():
    model = build_mnist_cnn(filters=(8, 16))
    dense = [l for l in model.layers if isinstance(l, layers.Dense)]
    assert dense_share(model) == pytest.approx(dense[0].count_params() / model.count_params())


def test_the_lesson_text_states_the_ex4_data_the_checker_uses():
    source = (Path(__file__).resolve().parent.parent / "solutions" / "03_anatomia_cnn.py")
    text = source.read_text(encoding="utf-8")
    assert f"mapa {H}×{W}×{C}" in text
    assert f"`Dense({EX4_UNITS})`" in text
