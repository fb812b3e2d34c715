"""The checkers of lesson 02: right answers pass, blanks are not done, usual mistakes are named."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.exercise_testing import correct, not_done, strict_check_fails, wrong

from course_utils import conv
from course_utils.exercises import lesson02
from course_utils.checks import ____
from course_utils.exercises.lesson02 import (
    EX1_ENTRY,
    EX4_CONFIGS,
    EX5_MATRIX,
    HORIZONTAL_EDGE,
    IMAGE_5X5,
    VERTICAL_EDGE,
    ex1,
    ex2,
    ex3,
    ex4,
    ex5,
)


# ---- reference solutions, written the way a student would --------------------------------


def entry_by_hand() -> float:
    i, j = EX1_ENTRY
    return np.sum(IMAGE_5X5[i:i + 3, j:j + 3] * HORIZONTAL_EDGE)


def conv2d_loops(image, kernel):
    """A right answer: the loop version of course_utils.conv (float output)."""
    return conv.conv2d_loop(image.astype(float), kernel)


def neuron(x, w, b):
    return np.dot(w.ravel(), x.ravel()) + b


SIZES = [(W - F + 2 * P) // S + 1 for W, F, S, P in EX4_CONFIGS]
POOLED = np.array([[6, 5], [7, 9]])


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, entry_by_hand()),
        (ex1, int(entry_by_hand())),
        (ex1, np.array(entry_by_hand())),
        (ex2, conv2d_loops),
        (ex2, lambda image, kernel: conv.conv2d_loop(image, kernel).tolist()),
        (ex3, neuron),
        (ex3, lambda x, w, b: np.sum(x * w) + b),
        (ex4, SIZES),
        (ex4, tuple(float(s) for s in SIZES)),
        (ex4, np.array(SIZES)),
        (ex5, POOLED),
        (ex5, POOLED.tolist()),
    ],
)
def test_right_answer_is_correct(exercise, answer):
    correct(exercise, answer)


def test_the_lesson_answers_agree_with_the_references():
    assert entry_by_hand() == conv.conv2d(IMAGE_5X5, HORIZONTAL_EDGE)[EX1_ENTRY]
    assert SIZES == [lesson02.valid_size(*c) for c in EX4_CONFIGS]
    np.testing.assert_array_equal(POOLED, conv.pool2d(EX5_MATRIX))


@pytest.mark.parametrize(
    "exercise, blank",
    [
        (ex1, ____),
        (ex2, ____),
        (ex2, lambda image, kernel: ____),
        (ex3, ____),
        (ex3, lambda x, w, b: ____),
        (ex4, ____),
        (ex4, [28, ____, 55, 3, 13, 14]),
        (ex5, ____),
    ],
)
def test_blank_is_not_done(exercise, blank, capsys):
    not_done(exercise, blank, capsys)


@pytest.mark.parametrize("exercise, answer", [(ex1, 0), (ex2, lambda a, k: a), (ex5, POOLED.T)])
def test_strict_mode_raises_on_wrong_answer(exercise, answer, monkeypatch):
    strict_check_fails(exercise, answer, monkeypatch)


def test_strict_mode_raises_on_blank(monkeypatch):
    strict_check_fails(ex2, ____, monkeypatch)


# ---- ex1: one entry ----------------------------------------------------------------------


def window():
    i, j = EX1_ENTRY
    return IMAGE_5X5[i:i + 3, j:j + 3]


def test_ex1_product_without_sum_is_named():
    wrong(ex1, window() * HORIZONTAL_EDGE, "(3, 3)", "falta somar")


def test_ex1_value_of_the_map_shown_above_is_named():
    shown = conv.conv2d(IMAGE_5X5, VERTICAL_EDGE)[EX1_ENTRY]
    assert shown != entry_by_hand()
    wrong(ex1, shown, "bordas verticais", "mostrado acima")


def test_ex1_flipped_filter_is_named():
    wrong(ex1, np.sum(window() * HORIZONTAL_EDGE[::-1, ::-1]), "girou o filtro")


def test_ex1_matrix_multiplication_is_named():
    wrong(ex1, np.sum(window() @ HORIZONTAL_EDGE), "multiplicação de matrizes")


def test_ex1_swapped_row_and_column_is_named():
    i, j = EX1_ENTRY
    wrong(ex1, np.sum(IMAGE_5X5[j:j + 3, i:i + 3] * HORIZONTAL_EDGE), "trocou linha e coluna")


def test_ex1_one_based_indices_are_named():
    i, j = EX1_ENTRY
    # "row 1, column 2" counted from 1 is the window that starts at (0, 1)
    wrong(ex1, np.sum(IMAGE_5X5[i - 1:i + 2, j - 1:j + 2] * HORIZONTAL_EDGE), "começam em 0")


def test_ex1_slips_give_different_numbers_on_this_data():
    i, j = EX1_ENTRY
    values = [
        entry_by_hand(),
        conv.conv2d(IMAGE_5X5, VERTICAL_EDGE)[i, j],
        np.sum(window() * HORIZONTAL_EDGE[::-1, ::-1]),
        np.sum(window() @ HORIZONTAL_EDGE),
        conv.conv2d(IMAGE_5X5, HORIZONTAL_EDGE)[j, i],
        conv.conv2d(IMAGE_5X5, HORIZONTAL_EDGE)[i - 1, j - 1],
    ]
    assert len(set(values)) == len(values)


@pytest.mark.parametrize("answer", [1, "425", True, None])
def test_ex1_other_wrong_answers(answer):
    wrong(ex1, answer)


# ---- ex2: conv2d with loops --------------------------------------------------------------


def test_ex2_same_size_output_says_it_shrinks():
    def no_shrink(image, kernel):
        out = np.zeros_like(image)
        out[: image.shape[0] - kernel.shape[0] + 1, : image.shape[1] - kernel.shape[0] + 1] = (
            conv2d_loops(image, kernel)
        )
        return out

    wrong(ex2, no_shrink, "esperado (26, 26), recebido (28, 28)", "encolhe F − 1")


def test_ex2_off_by_one_says_plus_one_is_missing():
    def off_by_one(image, kernel):
        return conv2d_loops(image, kernel)[:-1, :-1]

    wrong(ex2, off_by_one, "esperado (26, 26), recebido (25, 25)", "faltou o + 1")


def test_ex2_transposed_output_is_named():
    def transposed(image, kernel):
        out = conv2d_loops(image, kernel)
        return out if out.shape[0] == out.shape[1] else out.T  # square cases pass

    wrong(ex2, transposed, "Imagem 7×9", "esperado (6, 8), recebido (8, 6)", "trocadas")


def test_ex2_flipped_kernel_is_named():
    wrong(ex2, lambda image, kernel: conv2d_loops(image, kernel[::-1, ::-1]), "girado 180°")


def test_ex2_transposed_kernel_is_named():
    wrong(ex2, lambda image, kernel: conv2d_loops(image, kernel.T), "transposto")


def test_ex2_wrong_values_name_first_position():
    def one_bad_value(image, kernel):
        out = conv2d_loops(image, kernel)
        out[3, 4] += 1.0
        return out

    wrong(ex2, one_bad_value, "Imagem 28×28, filtro 3×3", "1 de 676", "[3, 4]")


def test_ex2_crash_and_missing_return_are_reported():
    wrong(ex2, lambda image, kernel: image[100], "IndexError")
    wrong(ex2, lambda image, kernel: None, "return")
    wrong(ex2, "conv2d", "função")


def test_ex2_integer_output_is_accepted_only_if_values_match():
    # rounding to integers loses the values of a random float image
    wrong(ex2, lambda image, kernel: np.round(conv2d_loops(image, kernel)).astype(int))


# ---- ex3: w . x + b ----------------------------------------------------------------------


def test_ex3_elementwise_product_is_named():
    wrong(ex3, lambda x, w, b: x * w + b, "(5, 5, 3)", "75 produtos")


def test_ex3_missing_bias_is_named():
    wrong(ex3, lambda x, w, b: np.dot(w.ravel(), x.ravel()), "viés")


def test_ex3_bias_added_75_times_is_named():
    wrong(ex3, lambda x, w, b: np.sum(x * w + b), "75 vezes")


def test_ex3_wrong_value():
    wrong(ex3, lambda x, w, b: np.dot(w.ravel(), x.ravel()) - b, "deveria ser")


# ---- ex4: output sizes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "formula, fragment",
    [
        (lambda W, F, S, P: (W - F + 2 * P) // S, "faltou o + 1"),
        (lambda W, F, S, P: W - F + 2 * P + 1, "dividir por S"),
        (lambda W, F, S, P: (W - F) // S + 1, "2P"),
        (lambda W, F, S, P: (W - F + P) // S + 1, "2P"),
    ],
)
def test_ex4_usual_slips_are_named(formula, fragment):
    wrong(ex4, [formula(*c) for c in EX4_CONFIGS], fragment)


def test_ex4_wrong_item_is_located_without_giving_the_answer():
    answer = list(SIZES)
    answer[2] += 3
    text = wrong(ex4, answer, "item 2", "W=227, F=11, S=4, P=0")
    assert str(SIZES[2]) not in text


def test_ex4_data_has_a_division_that_is_not_whole():
    assert any((W - F + 2 * P) % S for W, F, S, P in EX4_CONFIGS)


@pytest.mark.parametrize(
    "rounding, fragment",
    [(lambda x: x, "não é exata"), (math.ceil, "para cima")],
)
def test_ex4_not_dropping_the_last_window_is_named(rounding, fragment):
    answer = [rounding((W - F + 2 * P) / S + 1) for W, F, S, P in EX4_CONFIGS]
    wrong(ex4, answer, "item 4", fragment)


@pytest.mark.parametrize("answer", [SIZES[:-1], SIZES + [1], 28, "28, 32", SIZES[:-1] + ["14"]])
def test_ex4_wrong_type_or_length(answer):
    wrong(ex4, answer)


def test_ex4_non_integer_size_is_rejected():
    answer = list(SIZES)
    answer[0] = SIZES[0] + 1e-4
    wrong(ex4, answer, "inteiro")


# ---- ex5: max pooling --------------------------------------------------------------------


def test_ex5_stride_one_is_named():
    wrong(ex5, conv.pool2d(EX5_MATRIX, 2, 1), "esperado (2, 2), recebido (3, 3)", "passo 1")


def test_ex5_average_is_named():
    wrong(ex5, conv.pool2d(EX5_MATRIX, mode="avg"), "média")


def test_ex5_transposed_is_named():
    wrong(ex5, POOLED.T, "transposto")


def test_ex5_minimum_is_named():
    wrong(ex5, np.array([[1, 0], [0, 4]]), "menores")


def test_ex5_one_wrong_value_is_located():
    answer = POOLED.copy()
    answer[1, 0] = 3
    wrong(ex5, answer, "[1, 0]")


def test_ex5_wrong_shape_is_named():
    wrong(ex5, POOLED.ravel(), "(4,)", "(2, 2)")


def test_lecture_circle_map_has_three_wrong_entries_and_one_truncation():
    from course_utils.lecture_data import CIRCLE_FILTER, CIRCLE_MAP_AS_PRINTED, NINE

    ours = conv.conv2d(NINE, CIRCLE_FILTER) / CIRCLE_FILTER.size
    gap = np.abs(np.round(ours, 2) - CIRCLE_MAP_AS_PRINTED)
    assert np.argwhere(gap > 0.011).tolist() == [[3, 0], [3, 2], [4, 1]]
    assert np.argwhere((gap > 1e-9) & (gap <= 0.011)).tolist() == [[1, 0]]
    assert np.trunc(ours[1, 0] * 100) / 100 == CIRCLE_MAP_AS_PRINTED[1, 0]
