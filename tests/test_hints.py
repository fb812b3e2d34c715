"""Hints teach: they give the idea and a closer step in words, never the solution's code.

Every lesson's exercise module (``course_utils/exercises/lessonNN.py``) is covered.
"""

import importlib
import pkgutil
import re

import pytest

import course_utils.exercises
from course_utils.checks import Exercise, load_solutions

LESSONS = sorted(
    info.name.removeprefix("lesson")
    for info in pkgutil.iter_modules(course_utils.exercises.__path__)
    if info.name.startswith("lesson")
)

CHECK_CALL = re.compile(r"^ex\d+\.(check|hint|solution)\(")
CODE_SIGNS = re.compile(r"[()\[\]=+*/<>%]")


def _squeeze(text: str) -> str:
    """Code with every space removed, so spacing cannot hide a copied fragment."""
    return re.sub(r"\s+", "", text)


def solution_lines(code: str) -> list[str]:
    """The lines of a solution that are real code: no blanks, comments or check calls."""
    lines = [line.split("#", 1)[0].strip() for line in code.splitlines()]
    return [line for line in lines if len(line) >= 6 and not CHECK_CALL.match(line)]


def code_in_hint(hint: str, solution: str) -> list[str]:
    """The pieces of ``solution``'s code that ``hint`` shows; empty when it shows none.

    A piece is a whole solution line (or the right-hand side of an assignment), or a
    backticked span of the hint that is an expression (it has a call, an index or an
    operator) found in the solution. A bare name such as ```np.transpose``` is allowed:
    saying which function to use is the idea, not the code.
    """
    squeezed_hint, squeezed_solution = _squeeze(hint), _squeeze(solution)
    found = []
    for line in solution_lines(solution):
        pieces = [line]
        if "=" in line and not line.startswith(("def ", "return ")):
            pieces.append(line.split("=", 1)[1])
        found += [p for p in pieces if len(_squeeze(p)) >= 6 and _squeeze(p) in squeezed_hint]
    for span in re.findall(r"`([^`]+)`", hint):
        if CODE_SIGNS.search(span) and len(_squeeze(span)) >= 5:
            if _squeeze(span) in squeezed_solution:
                found.append(span)
    return found


def _exercises(lesson: str) -> list[Exercise]:
    module = importlib.import_module(f"course_utils.exercises.lesson{lesson}")
    exercises = [v for v in vars(module).values() if isinstance(v, Exercise)]
    assert exercises, f"lesson {lesson} defines no exercises"
    return exercises


COVERED = [
    pytest.param(exercise, id=exercise.key)
    for lesson in LESSONS
    for exercise in _exercises(lesson)
]


@pytest.mark.parametrize("exercise", COVERED)
def test_hints_show_no_solution_code(exercise):
    solution = load_solutions()[exercise.key]
    for level, hint in enumerate(exercise.hints, start=1):
        assert not code_in_hint(hint, solution), (exercise.key, level, hint)


@pytest.mark.parametrize("exercise", COVERED)
def test_hints_have_an_idea_and_a_closer_step(exercise):
    assert len(exercise.hints) >= 2, exercise.key
    assert len(set(exercise.hints)) == len(exercise.hints), exercise.key


# ---- the detector itself -----------------------------------------------------------------

SOLUTION = "n_bright = int((pixels > 128).sum())\nex1.check(n_bright)"


@pytest.mark.parametrize(
    "hint",
    [
        "Escreva n_bright = int((pixels > 128).sum()).",
        "Use `int( (pixels>128).sum() )`.",
        "A máscara é `pixels > 128`.",
    ],
)
def test_detector_finds_copied_code(hint):
    assert code_in_hint(hint, SOLUTION)


@pytest.mark.parametrize(
    "hint",
    [
        "Compare cada pixel com o limite: o resultado é uma máscara de verdadeiros e falsos.",
        "Some a máscara; a função `np.count_nonzero` também serve.",
        "O nome `ex1.check` confere a resposta.",
    ],
)
def test_detector_allows_ideas_and_function_names(hint):
    assert not code_in_hint(hint, SOLUTION)


def test_check_calls_are_not_counted_as_solution_code():
    assert solution_lines(SOLUTION) == ["n_bright = int((pixels > 128).sum())"]
