"""Assertions shared by the tests of every lesson's exercise checkers."""

import pytest

from course_utils.checks import Exercise, ExerciseFailed


def wrong(exercise: Exercise, answer, *fragments: str) -> str:
    """Evaluate an answer that must be wrong; every fragment must be in the message."""
    feedback = exercise.evaluate(answer)
    assert feedback.kind == "wrong", feedback
    for fragment in fragments:
        assert fragment in feedback.text, feedback.text
    return feedback.text


def correct(exercise: Exercise, answer) -> str:
    """Evaluate an answer that must be right; return the note shown with "Correto!"."""
    feedback = exercise.evaluate(answer)
    assert feedback.kind == "correct", feedback
    return feedback.text


def not_done(exercise: Exercise, blank, capsys) -> None:
    """A blank answer is "not done", and check() says so without raising (lenient mode)."""
    assert exercise.evaluate(blank).kind == "not_done"
    exercise.check(blank)
    assert "Ainda não feito" in capsys.readouterr().out


def strict_check_fails(exercise: Exercise, answer, monkeypatch) -> None:
    """In strict mode (the solution notebooks), check() raises on a wrong or blank answer."""
    monkeypatch.setenv("COURSE_STRICT", "1")
    with pytest.raises(ExerciseFailed):
        exercise.check(answer)
