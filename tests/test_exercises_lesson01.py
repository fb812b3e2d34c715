"""Checkers of lesson 01: right answers pass, blanks are unfinished, wrong ones say why."""

import numpy as np
import pytest
import tensorflow as tf

from tests.exercise_testing import correct, not_done, wrong

from course_utils.checks import ExerciseFailed, ____
from course_utils.exercises import lesson01
from course_utils.exercises.lesson01 import PIXELS_5X5, ex1, ex2, ex3, ex4, ex5
from course_utils.images import load_sample_image

T = lesson01.BRIGHT_THRESHOLD


@pytest.fixture(scope="module")
def photo():
    return load_sample_image()


@pytest.mark.parametrize("exercise", [ex1, ex2, ex3, ex4, ex5])
def test_blank_is_not_done(exercise, capsys):
    not_done(exercise, ____, capsys)


def test_function_returning_blank_is_not_done(capsys):
    not_done(ex3, lambda batch: ____, capsys)
    not_done(ex5, lambda images: ____, capsys)


def test_ex4_blank_pair_is_not_done(capsys):
    not_done(ex4, (____, ____), capsys)


# ---- ex1 ---------------------------------------------------------------------------------


def test_lecture_matrix_is_the_one_the_lesson_builds():
    assert PIXELS_5X5.dtype == np.uint8 and PIXELS_5X5.shape == (5, 5)
    assert set(np.unique(PIXELS_5X5).tolist()) == {0, 170, 255}


@pytest.mark.parametrize(
    "answer",
    [
        int((PIXELS_5X5 > T).sum()),
        np.count_nonzero(PIXELS_5X5 > T),
        (PIXELS_5X5 > T).sum(),
        tf.reduce_sum(tf.cast(PIXELS_5X5 > T, tf.int32)),
    ],
)
def test_ex1_accepts_the_count_in_any_numeric_type(answer):
    correct(ex1, answer)


def test_ex1_threshold_is_a_value_of_the_matrix_so_strict_and_not_strict_differ():
    assert (PIXELS_5X5 == T).any()
    assert (PIXELS_5X5 > T).sum() != (PIXELS_5X5 > lesson01.SHOWN_THRESHOLD).sum()


def test_ex1_mask_instead_of_count_says_to_sum():
    wrong(ex1, PIXELS_5X5 > T, "(5, 5)", ".sum()")


def test_ex1_greater_or_equal_is_named():
    wrong(ex1, int((PIXELS_5X5 >= T).sum()), "`>=`", f"iguais a {T}")


def test_ex1_count_copied_from_the_mask_on_screen_is_named():
    shown = int((PIXELS_5X5 > lesson01.SHOWN_THRESHOLD).sum())
    wrong(ex1, shown, "`> 128`")


def test_ex1_dark_pixels_are_named():
    dark = int((PIXELS_5X5 <= T).sum())
    wrong(ex1, dark, f"(<= {T})")


def test_ex1_sum_of_values_is_named():
    wrong(ex1, int(PIXELS_5X5[PIXELS_5X5 > T].astype(int).sum()), "somou")


def test_ex1_off_by_one_is_wrong_and_printed_as_a_plain_number():
    right = int((PIXELS_5X5 > T).sum())
    text = wrong(ex1, np.int64(right - 1))
    assert "deveria ser" in text and str(right) in text and "np." not in text


# ---- ex2 ---------------------------------------------------------------------------------


def test_ex2_red_channel_is_correct(photo):
    correct(ex2, photo[:, :, 0])
    correct(ex2, tf.constant(photo)[..., 0])


@pytest.mark.parametrize("channel, name", [(1, "verde"), (2, "azul")])
def test_ex2_other_channel_is_named(photo, channel, name):
    wrong(ex2, photo[:, :, channel], name, f"índice {channel}")


def test_ex2_whole_photo_is_named(photo):
    wrong(ex2, photo, "foto inteira", str(photo.shape))


def test_ex2_slice_keeping_the_channel_axis_is_named(photo):
    wrong(ex2, photo[:, :, 0:1], "eixo de canal", "0:1")


def test_ex2_first_row_is_named(photo):
    wrong(ex2, photo[0], "linha")


def test_ex2_transposed_channel_names_both_shapes(photo):
    h, w = photo.shape[:2]
    wrong(ex2, photo[:, :, 0].T, str((w, h)), str((h, w)))


def test_ex2_wrong_values_are_reported(photo):
    wrong(ex2, photo[:, :, 0] // 2, "valores diferem")


def test_ex2_non_array_is_rejected():
    wrong(ex2, "vermelho", "array NumPy")


# ---- ex3 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "function",
    [
        lambda b: np.transpose(b, (0, 3, 1, 2)),
        lambda b: np.moveaxis(b, -1, 1),
        lambda b: tf.transpose(b, perm=[0, 3, 1, 2]),
    ],
)
def test_ex3_correct_conversions_pass(function):
    correct(ex3, function)


def test_ex3_swapped_height_and_width_is_named():
    wrong(ex3, lambda b: np.transpose(b, (0, 3, 2, 1)), "altura e a largura")


def test_ex3_reshape_is_named():
    wrong(ex3, lambda b: b.reshape(b.shape[0], b.shape[3], b.shape[1], b.shape[2]),
        "reshape",
        "np.transpose",
    )


def test_ex3_inverse_order_is_named():
    wrong(ex3, lambda b: np.transpose(b, (0, 2, 3, 1)), "ordem da volta")


def test_ex3_single_image_order_moves_the_batch_axis():
    wrong(ex3, lambda b: np.transpose(b, (3, 0, 1, 2)), "lote (N)")


def test_ex3_unchanged_batch_names_shapes():
    wrong(ex3, lambda b: b, "(2, 5, 7, 3)", "(2, 3, 5, 7)")


def test_ex3_crash_is_reported():
    wrong(ex3, lambda b: np.transpose(b, (0, 3, 1)), "ValueError")


def test_ex3_wrong_values_with_right_shape():
    wrong(ex3, lambda b: np.transpose(b, (0, 3, 1, 2))[:, ::-1], "diferem")


# ---- ex4 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        (4, (32, 64, 64, 3)),
        (4, [32, 64, 64, 3]),
        (np.int64(4), np.zeros((32, 64, 64, 3)).shape),
        (tf.rank(tf.zeros((32, 64, 64, 3))), tf.zeros((32, 64, 64, 3)).shape),
    ],
)
def test_ex4_right_rank_and_shape_pass(answer):
    correct(ex4, answer)


def test_ex4_rank_of_single_image_is_named():
    wrong(ex4, (3, (32, 64, 64, 3)), "única imagem")


def test_ex4_missing_batch_axis_is_named():
    wrong(ex4, (4, (64, 64, 3)), "eixo do lote")


def test_ex4_channels_first_is_named():
    wrong(ex4, (4, (32, 3, 64, 64)), "channels_first")


def test_ex4_other_shape_is_wrong():
    wrong(ex4, (4, (32, 64, 64, 1)), "(32, 64, 64, 1)", "(N, H, W, C)")


def test_ex4_single_value_asks_for_the_pair():
    wrong(ex4, 4, "tupla")


def test_ex4_non_integer_rank_and_shape_are_rejected():
    wrong(ex4, ("4", (32, 64, 64, 3)), "inteiro")
    wrong(ex4, (4, "32x64x64x3"), "tupla de inteiros")


# ---- ex5 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "function",
    [
        lambda x: x.astype(np.float32) / 255.0,
        lambda x: (x / 255.0).astype(np.float32),
        lambda x: tf.cast(x, tf.float32) / 255.0,
    ],
)
def test_ex5_correct_normalisations_pass(function):
    correct(ex5, function)


def test_ex5_float64_is_named():
    wrong(ex5, lambda x: x / 255.0, "float64", "float32")


def test_ex5_float16_is_named():
    wrong(ex5, lambda x: x.astype(np.float16) / 255, "float16")


def test_ex5_missing_division_is_named():
    wrong(ex5, lambda x: x.astype(np.float32), "255")


def test_ex5_integer_division_is_named():
    wrong(ex5, lambda x: x // 255, "uint8", "float32")


def test_ex5_division_by_256_is_named():
    wrong(ex5, lambda x: x.astype(np.float32) / 256, "exatamente 1:", "0,996")


def test_ex5_standardisation_is_named():
    wrong(ex5, lambda x: ((x - x.mean()) / x.std()).astype(np.float32), "padronização"
    )


def test_ex5_changed_shape_is_named():
    wrong(ex5, lambda x: x.reshape(len(x), -1).astype(np.float32) / 255, "(8, 784)"
    )


def test_ex5_in_place_change_of_the_input_is_named():
    def in_place(x):
        x[...] = 0
        return x.astype(np.float32)

    wrong(ex5, in_place, "alterou")


def test_ex5_min_max_of_each_batch_is_named():
    def min_max(x):
        x = x.astype(np.float32)
        return (x - x.min()) / (x.max() - x.min())

    wrong(ex5, min_max, "min-max", "20 a 180")


def test_ex5_division_by_the_batch_maximum_is_named():
    wrong(ex5, lambda x: x.astype(np.float32) / x.max(), "maior valor do lote")


def test_ex5_data_has_a_batch_without_the_ends_of_the_range():
    full, narrow = lesson01.normalize_batches()
    assert full.min() == 0 and full.max() == 255
    assert narrow.min() > 0 and narrow.max() < 255


def test_ex5_wrong_values_in_range_are_reported():
    wrong(ex5, lambda x: (x.astype(np.float32) / 255) ** 2, "diferem")


# ---- strict mode -------------------------------------------------------------------------


def test_strict_mode_raises_on_wrong_answer(monkeypatch, photo):
    monkeypatch.setenv("COURSE_STRICT", "1")
    with pytest.raises(ExerciseFailed, match="01/ex2"):
        ex2.check(photo[:, :, 1])
    with pytest.raises(ExerciseFailed, match="01/ex5"):
        ex5.check(lambda x: x / 255.0)


def test_strict_mode_accepts_right_answer(monkeypatch, photo):
    monkeypatch.setenv("COURSE_STRICT", "1")
    ex2.check(photo[:, :, 0])
    ex3.check(lambda b: np.transpose(b, (0, 3, 1, 2)))


def test_cached_photo_is_read_only():
    assert not lesson01._photo().flags.writeable


def test_ex4_whole_float_rank_is_accepted_and_a_fraction_is_printed_as_a_plain_number():
    correct(ex4, (np.float64(4.0), (32, 64, 64, 3)))
    text = wrong(ex4, (np.float64(4.5), (32, 64, 64, 3)))
    assert "inteiro" in text and "4.5" in text and "np." not in text
