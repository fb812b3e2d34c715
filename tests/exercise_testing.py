"""Assertions shared by the tests of every lesson's exercise checkers."""

from course_utils.checks import Exercise


def wrong(exercise: Exercise, answer, *fragments: str) -> str:
    """Evaluate an answer that must be wrong; every fragment must be in the message."""
    feedback = exercise._evaluate(answer)
    assert feedback.kind == "wrong", feedback
    for fragment in fragments:
        assert fragment in feedback.text, feedback.text
    return feedback.text


def correct(exercise: Exercise, answer) -> str:
    """Evaluate an answer that must be right; return the note shown with "Correto!"."""
    feedback = exercise._evaluate(answer)
    assert feedback.kind == "correct", feedback
    return feedback.text
