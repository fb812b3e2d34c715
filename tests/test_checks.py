"""The exercise machinery: blanks, wrong answers that say what is wrong, strict mode."""

import json

import numpy as np
import pytest

from course_utils import checks
from course_utils.checks import (
    Exercise,
    ExerciseFailed,
    WrongAnswer,
    ____,
    assert_array,
    assert_value,
    call_student,
)


def double_checker(function):
    """Checker of a toy exercise: a function that doubles an array."""
    x = np.arange(6).reshape(2, 3)
    assert_array(call_student(function, x), 2 * x, name="o resultado")


@pytest.fixture
def exercise(monkeypatch):
    monkeypatch.delenv("COURSE_STRICT", raising=False)
    return Exercise("99/ex1", double_checker, hint="multiplique por 2")


def test_blank_answer_is_not_done(exercise, capsys):
    exercise.check(____)
    assert "Ainda não feito" in capsys.readouterr().out


def test_function_returning_blank_is_not_done(exercise, capsys):
    exercise.check(lambda x: ____)
    assert "Ainda não feito" in capsys.readouterr().out


def test_right_answer_is_correct(exercise, capsys):
    exercise.check(lambda x: x * 2)
    assert "Correto" in capsys.readouterr().out


def test_wrong_shape_is_named(exercise, capsys):
    exercise.check(lambda x: x.T * 2)
    out = capsys.readouterr().out
    assert "Incorreto" in out and "(3, 2)" in out and "(2, 3)" in out


def test_wrong_value_names_first_position(exercise, capsys):
    exercise.check(lambda x: x * 2 + (x == 4))
    out = capsys.readouterr().out
    assert "Incorreto" in out and "1 de 6" in out and "[1, 1]" in out


def test_crash_in_student_code_is_reported_not_raised(exercise, capsys):
    exercise.check(lambda x: 1 / 0)
    out = capsys.readouterr().out
    assert "Incorreto" in out and "ZeroDivisionError" in out


def test_strict_mode_raises_on_wrong_and_blank(exercise, monkeypatch):
    monkeypatch.setenv("COURSE_STRICT", "1")
    with pytest.raises(ExerciseFailed, match="99/ex1"):
        exercise.check(lambda x: x)
    with pytest.raises(ExerciseFailed, match="Ainda não feito"):
        exercise.check(____)
    exercise.check(lambda x: 2 * x)  # right answers never raise


def test_blank_inside_a_tuple_counts_as_not_done():
    assert checks.is_placeholder((1, ____))
    assert not checks.is_placeholder((1, 2))


@pytest.mark.parametrize(
    "answer, expected, message",
    [
        ("abc", np.zeros(2), "array NumPy"),
        (np.zeros(2, np.float64), np.zeros(2, np.uint8), "dtype float64"),
        (np.array(["a", "b"]), np.zeros(2), "números"),
    ],
)
def test_assert_array_messages(answer, expected, message):
    with pytest.raises(WrongAnswer, match=message):
        assert_array(answer, expected, check_dtype=True)


def test_assert_array_accepts_tensors():
    import tensorflow as tf

    assert_array(tf.constant([1.0, 2.0]), np.array([1.0, 2.0]))


@pytest.mark.parametrize(
    "answer, expected, message",
    [
        (3, 4, "deveria ser 4"),
        ("4", 4, "um número"),
        ((1, 2), (1, 2, 3), r"deveria ser \(1, 2, 3\)"),
        ((1, 5), (1, 2), "item 1"),
        ("gato", "cão", "deveria ser 'cão'"),
    ],
)
def test_assert_value_messages(answer, expected, message):
    with pytest.raises(WrongAnswer, match=message):
        assert_value(answer, expected)


def test_assert_value_tolerates_rounding():
    assert_value(0.1 + 0.2, 0.3)


def test_feedback_renders_html_and_text():
    feedback = checks.Feedback("wrong", "a <b> errada")
    assert "&lt;b&gt;" in feedback._repr_html_()
    assert repr(feedback) == "❌ Incorreto: a <b> errada"


def test_hint_and_solution(exercise, capsys, tmp_path, monkeypatch):
    solutions = tmp_path / "solutions.json"
    solutions.write_text(json.dumps({"99/ex1": "def double(x):\n    return 2 * x"}))
    monkeypatch.setattr(checks, "SOLUTIONS_FILE", solutions)
    exercise.hint()
    exercise.solution()
    out = capsys.readouterr().out
    assert "multiplique por 2" in out and "return 2 * x" in out


def test_solution_missing_says_to_build(exercise, tmp_path, monkeypatch):
    monkeypatch.setattr(checks, "SOLUTIONS_FILE", tmp_path / "none.json")
    with pytest.raises(LookupError, match="course build"):
        exercise.solution()


def test_bad_key_is_rejected():
    with pytest.raises(ValueError, match="01/ex1"):
        Exercise("ex1", double_checker, hint="")


@pytest.mark.parametrize("value", [3, 3.0, np.float32(3), np.array([3.0]), np.array(3)])
def test_as_number_accepts_single_numbers(value):
    assert checks.as_number(value) == 3.0


@pytest.mark.parametrize(
    "value, message",
    [(True, "um número"), ("3", "um número"), (None, "um número"), ([1, 2], r"\(2,\)")],
)
def test_as_number_names_what_is_wrong(value, message):
    with pytest.raises(WrongAnswer, match=message):
        checks.as_number(value, "o total")


# ---- hints in levels ---------------------------------------------------------------------


@pytest.fixture
def two_level(monkeypatch):
    monkeypatch.delenv("COURSE_STRICT", raising=False)
    return Exercise(
        "99/ex3", double_checker, hint=["pense no dobro", "cada valor vezes dois"]
    )


def test_hint_level_one_gives_the_idea_and_points_to_level_two(two_level, capsys):
    two_level.hint()
    out = capsys.readouterr().out
    assert "pense no dobro" in out and "vezes dois" not in out
    assert "dica 1 de 2" in out and "ex3.hint(2)" in out


def test_hint_level_two_gives_the_closer_step(two_level, capsys):
    two_level.hint(2)
    out = capsys.readouterr().out
    assert "cada valor vezes dois" in out and "pense no dobro" not in out
    assert "dica 2 de 2" in out and "Não há mais" not in out


def test_hint_past_the_last_level_shows_the_last_and_says_so(two_level, capsys):
    two_level.hint(5)
    out = capsys.readouterr().out
    assert "cada valor vezes dois" in out
    assert "Não há mais dicas" in out and "ex3.solution()" in out


def test_hint_level_below_one_shows_the_first(two_level):
    assert "pense no dobro" in two_level.hint_text(0)


def test_hint_level_must_be_an_integer(two_level):
    with pytest.raises(TypeError, match="integer"):
        two_level.hint("2")


def test_single_string_hint_is_one_level_without_numbering(exercise):
    assert exercise.hints == ("multiplique por 2",)
    assert exercise.hint_text() == "multiplique por 2"
    assert "Não há mais dicas" in exercise.hint_text(2)


def test_hint_levels_can_be_any_sequence_of_strings():
    exercise = Exercise("99/ex2", double_checker, hint=("a", "b", "c"))
    assert exercise.hints == ("a", "b", "c")
    assert "dica 3 de 3" in exercise.hint_text(3)


@pytest.mark.parametrize("hint", [[], ["ok", 3], None])
def test_empty_or_non_text_hints_are_rejected(hint):
    with pytest.raises(ValueError, match="99/ex1"):
        Exercise("99/ex1", double_checker, hint=hint)


def test_exercise_name_comes_from_its_key(exercise):
    assert exercise.name == "ex1"


# ---- values in messages ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [
        (np.int64(6), "6"),
        (np.float32(0.1), "0.1"),
        (np.bool_(True), "True"),
        (np.str_("gato"), "'gato'"),
        ((np.int64(2), np.int64(3)), "(2, 3)"),
        ((np.int64(2),), "(2,)"),
        ([np.float64(0.5), 1], "[0.5, 1]"),
        ("gato", "'gato'"),
        (7, "7"),
    ],
)
def test_format_value_prints_numpy_scalars_as_plain_numbers(value, text):
    assert checks.format_value(value) == text


def test_messages_never_show_numpy_scalar_reprs():
    with pytest.raises(WrongAnswer) as wrong:
        assert_value(np.int64(5), np.int64(6))
    assert "np." not in str(wrong.value) and "deveria ser 6, mas é 5" in str(wrong.value)
    with pytest.raises(WrongAnswer) as wrong:
        assert_array(np.array([1.5, 2.0]), np.array([1.5, 3.0]))
    assert "np." not in str(wrong.value) and "esperado 3.0, recebido 2.0" in str(wrong.value)


@pytest.mark.parametrize("value", ["mapa", True, None, b"x"])
def test_as_float_array_names_text_booleans_and_none(value):
    with pytest.raises(checks.WrongAnswer, match="o mapa deveria ser um número ou um array de números"):
        checks.as_float_array(value, "o mapa")


def test_as_float_array_takes_lists_and_tensors_as_float64():
    import tensorflow as tf

    assert checks.as_float_array([[1, 2]], "x").dtype == np.float64
    np.testing.assert_array_equal(checks.as_float_array(tf.constant([1.5]), "x"), [1.5])
    with pytest.raises(checks.WrongAnswer, match="do tipo dict"):
        checks.as_float_array({"a": 1}, "x")


# ---- as_int, as_list, close -------------------------------------------------------------


@pytest.mark.parametrize("value", [7, np.int64(7), 7.0, np.float32(7), np.array(7), np.array(7.0)])
def test_as_int_accepts_whole_numbers_of_any_kind(value):
    result = checks.as_int(value, "o total")
    assert result == 7 and type(result) is int


def test_as_int_accepts_a_scalar_tensor():
    import tensorflow as tf

    assert checks.as_int(tf.constant(7), "o total") == 7


@pytest.mark.parametrize(
    "value, shown",
    [(True, "True"), (np.bool_(False), "False"), ("7", "'7'"), (7.5, "7.5"), (None, "None"),
     (np.array([7]), "array"), ([7], r"\[7\]")],
)
def test_as_int_names_what_is_not_a_whole_number(value, shown):
    message = f"o total deveria ser um número inteiro, mas é .*{shown}"
    with pytest.raises(WrongAnswer, match=message):
        checks.as_int(value, "o total")


@pytest.mark.parametrize("value", [[1, 2, 3], (1, 2, 3), np.array([1, 2, 3])])
def test_as_list_takes_lists_tuples_and_arrays(value):
    result = checks.as_list(value, "números", n=3)
    assert result == [1, 2, 3] and type(result) is list


def test_as_list_without_a_length_takes_any_length():
    assert checks.as_list((), "formatos") == []


def test_as_list_says_how_many_items_were_expected():
    with pytest.raises(WrongAnswer, match="a lista deveria ter 3 formatos, mas tem 2"):
        checks.as_list([(1, 2), (3, 4)], "formatos", n=3)


@pytest.mark.parametrize("value, kind", [(5, "int"), ("abc", "str"), ({1: 2}, "dict")])
def test_as_list_names_the_type_that_is_not_a_list(value, kind):
    with pytest.raises(WrongAnswer, match=f"uma lista de números, mas é do tipo {kind}"):
        checks.as_list(value, "números")


@pytest.mark.parametrize(
    "got, want, atol, rtol, expected",
    [
        (1.0, 1.0 + 5e-7, 1e-6, 0.0, True),
        (1.0, 1.0 + 5e-6, 1e-6, 0.0, False),
        (1000.0, 1000.5, 0.0, 1e-3, True),
        (1000.0, 1002.0, 0.0, 1e-3, False),
        ([1.0, 2.0], np.array([1.0, 2.0]), 1e-6, 1e-6, True),
        ([1.0, 2.0], [1.0, 2.1], 1e-6, 1e-6, False),
        ([1.0, 2.0], [[1.0, 2.0]], 1e-6, 1e-6, False),  # same values, other shape
        ([1.0, 1.0], 1.0, 1e-6, 1e-6, False),  # no broadcasting
    ],
)
def test_close_needs_same_shape_and_values_within_tolerance(got, want, atol, rtol, expected):
    assert checks.close(got, want, atol=atol, rtol=rtol) is expected


# ---- as_array ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8, np.bool_])
def test_as_array_keeps_the_dtype(dtype):
    assert checks.as_array(np.zeros((2, 3), dtype=dtype)).dtype == dtype


def test_as_array_takes_lists_and_tensors():
    import tensorflow as tf

    assert checks.as_array([[1, 2], [3, 4]]).shape == (2, 2)
    assert checks.as_array(tf.constant([1.5], dtype=tf.float32)).dtype == np.float32


@pytest.mark.parametrize("value", ["abc", None, 3.0, [[1, 2], [3]], ["a", "b"], {"a": 1}])
def test_as_array_names_what_is_not_an_array_of_numbers(value):
    with pytest.raises(WrongAnswer, match="o lote deveria ser um array NumPy de números"):
        checks.as_array(value, "o lote")
