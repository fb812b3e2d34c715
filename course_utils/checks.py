"""Self-checking exercises in the style of Kaggle's learntools.

A lesson defines its exercises in ``course_utils.exercises.lessonNN``; a notebook then
says ``ex1.check(answer)``, ``ex1.hint()`` (the idea), ``ex1.hint(2)`` (a question, or the one
concept that unblocks the next step; never the recipe) or ``ex1.solution()`` (the code). The student notebook
ships with the blank ``____`` in place of each answer: checking a blank prints
"ainda não feito" instead of raising, so the notebook runs top to bottom as shipped.
A wrong answer says what is wrong (shape, dtype, the first value that differs).

With ``COURSE_STRICT=1`` (set by the tests for solution notebooks) an unfinished or
wrong answer raises :class:`ExerciseFailed`, so CI catches a broken solution.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

SOLUTIONS_FILE = Path(__file__).with_name("solutions.json")
"""Solution code of every exercise, extracted from ``solutions/*.py`` by ``course build``."""


class _Placeholder:
    """The blank a student replaces with an answer; shown as ``____``."""

    def __repr__(self) -> str:
        return "____"


____ = _Placeholder()


class WrongAnswer(Exception):
    """Raised by a checker: the message (in Portuguese) says what is wrong."""


class NotDone(Exception):
    """Raised by a checker when the answer still contains the blank ``____``."""


class ExerciseFailed(AssertionError):
    """Raised in strict mode when an exercise is unfinished or wrong."""


def is_placeholder(value: Any) -> bool:
    """True if ``value`` is the blank ``____`` or a list/tuple/dict holding one."""
    if value is ____:
        return True
    if isinstance(value, (list, tuple)):
        return any(is_placeholder(v) for v in value)
    if isinstance(value, dict):
        return any(is_placeholder(v) for v in value.values())
    return False


def strict_mode() -> bool:
    """True when ``COURSE_STRICT=1``: failures raise instead of printing."""
    return os.environ.get("COURSE_STRICT", "") == "1"


def format_value(value: Any) -> str:
    """A value as a student should read it in a message: ``6``, not ``np.int64(6)``.

    NumPy scalars print as plain numbers (at their own precision, so a float32 0.1 is
    ``0.1``), tuples and lists element by element, anything else with ``repr``.
    """
    if isinstance(value, np.str_):
        return repr(str(value))
    if isinstance(value, np.generic):
        return str(value)
    if isinstance(value, tuple):
        inner = ", ".join(format_value(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return repr(value)


def _as_array(value: Any, name: str) -> np.ndarray:
    """Convert NumPy arrays, tensors and nested lists; reject anything else."""
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    if isinstance(value, (np.ndarray, list, tuple, np.generic, int, float)):
        return np.asarray(value)
    raise WrongAnswer(f"{name} deveria ser um array NumPy, mas é do tipo {type(value).__name__}.")


def as_float_array(value: Any, name: str) -> np.ndarray:
    """An answer (number, array, tensor, nested list) as a float64 array; anything else is wrong.

    Text, booleans and ``None`` raise :class:`WrongAnswer` naming ``name`` and the value.
    """
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:
        raise WrongAnswer(
            f"{name} deveria ser um número ou um array de números, mas é {value!r:.80}."
        )
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise WrongAnswer(
            f"{name} deveria ser um número ou um array de números, "
            f"mas é do tipo {type(value).__name__}."
        ) from None


def as_array(value: Any, what: str = "a resposta") -> np.ndarray:
    """An array answer (NumPy array, tensor, nested list or tuple) as a NumPy array that keeps
    its dtype, so a checker can tell float32 from float64 or int; anything that is not an
    array of numbers or booleans (text, ``None``, a bare number) raises :class:`WrongAnswer`.
    """
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    if isinstance(value, (np.ndarray, list, tuple)):
        try:
            array = np.asarray(value)
        except ValueError:  # ragged nested lists
            array = None
        if array is not None and (
            np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
        ):
            return array
    raise WrongAnswer(f"{what} deveria ser um array NumPy de números, mas é {value!r:.80}.")


def assert_array(
    answer: Any,
    expected: Any,
    name: str = "a resposta",
    atol: float = 1e-5,
    check_dtype: bool = False,
) -> None:
    """Compare an array answer with the expected one; raise WrongAnswer saying what differs."""
    got = _as_array(answer, name)
    want = np.asarray(expected)
    if got.shape != want.shape:
        raise WrongAnswer(
            f"{name} tem formato (shape) {got.shape}, mas o esperado é {want.shape}."
        )
    if not np.issubdtype(got.dtype, np.number) and not np.issubdtype(got.dtype, np.bool_):
        raise WrongAnswer(f"{name} deveria conter números, mas tem dtype {got.dtype}.")
    if check_dtype and got.dtype != want.dtype:
        raise WrongAnswer(f"{name} tem dtype {got.dtype}, mas o esperado é {want.dtype}.")
    close = np.isclose(got.astype(np.float64), want.astype(np.float64), atol=atol, rtol=0)
    if not close.all():
        wrong = np.argwhere(~close)
        where = tuple(int(i) for i in wrong[0])
        raise WrongAnswer(
            f"{name} tem o formato certo, mas {len(wrong)} de {close.size} valores diferem. "
            f"O primeiro está na posição {list(where)}: "
            f"esperado {format_value(want[where])}, "
            f"recebido {format_value(got[where])}."
        )


def assert_value(answer: Any, expected: Any, name: str = "a resposta", rel: float = 1e-6) -> None:
    """Compare a scalar, string or tuple answer; numbers with a relative tolerance."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(answer, (tuple, list)) or len(answer) != len(expected):
            raise WrongAnswer(
                f"{name} deveria ser {format_value(expected)}, mas é {format_value(answer)}."
            )
        for i, (a, e) in enumerate(zip(answer, expected)):
            assert_value(a, e, f"o item {i} de {name}", rel)
        return
    if isinstance(expected, (int, float, np.number)) and not isinstance(expected, bool):
        if isinstance(answer, (str, bytes, bool)) or not np.isscalar(answer):
            raise WrongAnswer(f"{name} deveria ser um número, mas é {format_value(answer)}.")
        if not np.isclose(float(answer), float(expected), rtol=rel, atol=0):
            raise WrongAnswer(
                f"{name} deveria ser {format_value(expected)}, mas é {format_value(answer)}."
            )
        return
    if answer != expected:
        raise WrongAnswer(
            f"{name} deveria ser {format_value(expected)}, mas é {format_value(answer)}."
        )


def as_number(value: Any, what: str = "a resposta") -> float:
    """A single-number answer (Python, NumPy or a tensor) as float, or WrongAnswer saying why."""
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        raise WrongAnswer(f"{what} deveria ser um número, mas é {format_value(value)}.")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise WrongAnswer(
            f"{what} deveria ser um número, mas é {format_value(value):.80}."
        ) from None
    if array.size != 1:
        raise WrongAnswer(f"{what} deveria ser um único número, mas tem formato {array.shape}.")
    return float(array.reshape(()))


def as_int(value: Any, what: str = "a resposta") -> int:
    """A whole-number answer (int, NumPy integer, 0-d array or tensor, or a float with no
    fraction) as int; booleans, text and fractions raise :class:`WrongAnswer`."""
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise WrongAnswer(f"{what} deveria ser um número inteiro, mas é {format_value(value)}.")
    if not float(value).is_integer():
        raise WrongAnswer(f"{what} deveria ser um número inteiro, mas é {format_value(value)}.")
    return int(value)


def as_list(value: Any, what: str, n: int | None = None) -> list:
    """A list, tuple or 1-D array answer as a list, with exactly ``n`` items when ``n`` is given.

    ``what`` names the items in the message (``"formatos"``, ``"números"``).
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise WrongAnswer(
            f"a resposta deveria ser uma lista de {what}, mas é do tipo {type(value).__name__}."
        )
    if n is not None and len(value) != n:
        raise WrongAnswer(f"a lista deveria ter {n} {what}, mas tem {len(value)}.")
    return list(value)


def close(got: Any, want: Any, atol: float = 1e-6, rtol: float = 1e-6) -> bool:
    """True when two numbers or arrays of the same shape agree within the tolerances."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return got.shape == want.shape and bool(np.allclose(got, want, atol=atol, rtol=rtol))


def call_student(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a student's function; a crash or a returned ``____`` becomes a clear outcome."""
    if not callable(function):
        raise WrongAnswer(f"esperava uma função, mas recebi {type(function).__name__}.")
    try:
        result = function(*args, **kwargs)
    except Exception as error:  # the student's code: report, never crash the notebook
        raise WrongAnswer(
            f"sua função levantou {type(error).__name__}: {error}"
        ) from error
    if is_placeholder(result):
        raise NotDone()
    return result


@dataclass(frozen=True)
class Feedback:
    """The outcome of a check, a hint or a solution: HTML in Jupyter, text elsewhere."""

    kind: str  # "correct", "wrong", "not_done", "hint" or "solution"
    text: str

    _STYLES = {
        "correct": ("✅ Correto!", "#e6f4ea", "#137333"),
        "wrong": ("❌ Incorreto:", "#fce8e6", "#a50e0e"),
        "not_done": ("⏳ Ainda não feito:", "#e8f0fe", "#174ea6"),
        "hint": ("💡 Dica:", "#fef7e0", "#8a5300"),
        "solution": ("📝 Solução:", "#f1f3f4", "#202124"),
    }

    def __repr__(self) -> str:
        label = self._STYLES[self.kind][0]
        return f"{label} {self.text}".strip()

    def _repr_html_(self) -> str:
        label, background, color = self._STYLES[self.kind]
        body = html.escape(self.text)
        if self.kind == "solution":
            body = f"<pre style='margin:0.3em 0 0 0'>{body}</pre>"
        return (
            f"<div style='background:{background};color:{color};padding:0.5em 0.8em;"
            f"border-radius:4px'><b>{label}</b> {body}</div>"
        )


def _show(feedback: Feedback) -> None:
    """Display rich feedback inside IPython/Jupyter, plain text elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        print(repr(feedback))
        return
    if get_ipython() is None:
        print(repr(feedback))
    else:
        display(feedback)


def load_solutions() -> dict[str, str]:
    """Solution code of every exercise, keyed ``"NN/exK"``."""
    if not SOLUTIONS_FILE.is_file():
        return {}
    return json.loads(SOLUTIONS_FILE.read_text(encoding="utf-8"))


class Exercise:
    """One checked exercise: ``check(answer)``, ``hint()`` and ``solution()``.

    ``checker(answer)`` raises :class:`WrongAnswer` with a message in Portuguese when the
    answer is wrong (use :func:`assert_array`, :func:`assert_value`, :func:`call_student`)
    and returns nothing (or a short note to add to "Correto!") when it is right.
    ``key`` is ``"NN/exK"``: the solution shown is the block marked ``# BEGIN SOLUTION exK``
    in ``solutions/NN_*.py``.
    """

    def __init__(
        self, key: str, checker: Callable[[Any], str | None], hint: str | Sequence[str]
    ) -> None:
        if "/" not in key:
            raise ValueError(f"exercise key must look like '01/ex1', got {key!r}")
        self.key = key
        self._checker = checker
        hints = (hint,) if isinstance(hint, str) else tuple(hint or ())
        if not hints or not all(isinstance(h, str) for h in hints):
            raise ValueError(f"exercise {key}: hint must be a string or a list of strings")
        self.hints: tuple[str, ...] = hints

    def __repr__(self) -> str:
        return f"Exercise({self.key!r})"

    def check(self, answer: Any) -> None:
        """Check an answer and say whether it is right, wrong (and why) or unfinished."""
        feedback = self.evaluate(answer)
        _show(feedback)
        if strict_mode() and feedback.kind != "correct":
            raise ExerciseFailed(f"exercise {self.key}: {feedback!r}")

    def evaluate(self, answer: Any) -> Feedback:
        """The verdict on ``answer`` without showing it: ``Feedback(kind, text)`` with kind
        ``"correct"``, ``"wrong"`` (text says why) or ``"not_done"``; never raises."""
        if is_placeholder(answer):
            return Feedback("not_done", _NOT_DONE)
        try:
            note = self._checker(answer)
        except NotDone:
            return Feedback("not_done", _NOT_DONE)
        except WrongAnswer as wrong:
            return Feedback("wrong", str(wrong))
        return Feedback("correct", note or "")

    def hint(self, level: int = 1) -> None:
        """Show hint number ``level``: 1 gives the idea, 2 the question or the concept that
        unblocks the next step.

        A level past the last shows the last hint and says there are no more (the next
        step is ``solution()``); a level below 1 shows the first.
        """
        _show(Feedback("hint", self.hint_text(level)))

    def hint_text(self, level: int = 1) -> str:
        """The text ``hint(level)`` shows, with "(dica N de M)" when there are several."""
        if isinstance(level, bool) or not isinstance(level, (int, np.integer)):
            raise TypeError(f"hint level must be an integer such as 1 or 2, got {level!r}")
        count = len(self.hints)
        index = min(max(int(level), 1), count)
        text = self.hints[index - 1]
        if count > 1:
            text = f"(dica {index} de {count}) {text}"
        if level > count:
            text += (
                f" Não há mais dicas depois desta (são {count}); "
                f"para ver o código, use `{self.name}.solution()`."
            )
        elif index < count:
            text += f" Mais perto da resposta: `{self.name}.hint({index + 1})`."
        return text

    @property
    def name(self) -> str:
        """The name a notebook gives this exercise: ``"ex3"`` for key ``"06/ex3"``."""
        return self.key.split("/", 1)[1]

    def solution(self) -> None:
        """Show the solution code."""
        code = load_solutions().get(self.key)
        if code is None:
            raise LookupError(
                f"no solution recorded for exercise {self.key}; run `course build`"
            )
        _show(Feedback("solution", code))


_NOT_DONE = "substitua ____ pela sua resposta e rode a célula de novo."
