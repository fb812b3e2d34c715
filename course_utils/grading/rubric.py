"""The rubric: points per accuracy threshold, for the experiments and for the notebook."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_utils import challenge
from course_utils.grading.errors import GradingError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

DEFAULT_RUBRIC = """\
# Points of the Fashion-MNIST challenge (course grade --rubric FILE).
# accuracy: the points of the highest threshold reached (0 when the model was not scored).
# The top threshold is what lesson 07's bigger model, built only from what lessons 01-07
# teach, reached with every seed measured (docs/results.md; tests/test_rubric.py).
[[accuracy]]
min = 0.80
points = 3

[[accuracy]]
min = 0.85
points = 5

[[accuracy]]
min = 0.90
points = 6

[[accuracy]]
min = 0.925
points = 7

# experiments.json valid: >= 4 runs varying epochs, batch_size, filters and activation.
[experiments]
points = 2

# The notebook ran top to bottom in the sandbox (only with --execute).
[notebook]
points = 1
"""
"""The rubric used without ``--rubric`` (10 points in all)."""


@dataclass
class Rubric:
    """Points: by accuracy threshold, for valid experiments, for a notebook that ran."""

    accuracy: list[tuple[float, float]]
    experiments: float
    notebook: float

    @property
    def total(self) -> float:
        """The most points a submission can get."""
        best = max((points for _, points in self.accuracy), default=0.0)
        return best + self.experiments + self.notebook

    def accuracy_points(self, accuracy: float | None) -> tuple[float, float | None]:
        """Points for ``accuracy`` and the threshold reached (``None``: none)."""
        reached = [level for level in self.accuracy
                   if accuracy is not None and accuracy >= level[0]]
        if not reached:
            return 0.0, None
        minimum, points = max(reached)
        return points, minimum

    def to_markdown(self) -> str:
        """The rubric as a pt-BR Markdown table, for the students (lesson 07 shows it)."""
        rows = ["| Critério | Pontos |", "| :--- | ---: |"]
        rows += [f"| Acurácia de pelo menos {_decimal(100 * minimum)} % no conjunto de "
                 f"avaliação privado | {_decimal(points)} |"
                 for minimum, points in self.accuracy]
        rows.append(f"| `{challenge.EXPERIMENTS_FILE}` válido (pelo menos "
                    f"{challenge.MIN_RUNS} rodadas variando "
                    f"{', '.join(challenge.HYPERPARAMETERS)}) | {_decimal(self.experiments)} |")
        rows.append(f"| O notebook roda de cima a baixo | {_decimal(self.notebook)} |")
        rows.append(f"| **Total** | **{_decimal(self.total)}** |")
        return ("\n".join(rows) + "\n\nDas faixas de acurácia, vale só a mais alta atingida.\n")


def _decimal(value: float) -> str:
    """``value`` as pt-BR writes it: ``92,5``, ``3``."""
    return f"{value:g}".replace(".", ",")


def _number(value: Any, where: str, upper: float | None = None) -> float:
    """``value`` as a finite float >= 0 (and <= ``upper``); ``GradingError`` otherwise.

    challenge's check, with the message in English: the instructor reads it."""
    try:
        return challenge.real_number(value, where, upper)
    except ValueError:
        expected = f"in [0, {upper:g}]" if upper is not None else "a finite number >= 0"
        big = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 1
        hint = " (a fraction, not a percentage)" if upper == 1 and big else ""
        raise GradingError(f"rubric: {where} must be {expected}{hint}, got {value!r}") from None


def parse_rubric(text: str, source: str = "rubric") -> Rubric:
    """A :class:`Rubric` from TOML text in the format of :data:`DEFAULT_RUBRIC`."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise GradingError(f"{source} is not valid TOML: {error}") from error
    unknown = set(document) - {"accuracy", "experiments", "notebook"}
    if unknown:
        raise GradingError(f"{source}: unknown section(s) {sorted(unknown)}; "
                           "expected [[accuracy]], [experiments], [notebook]")
    levels = document.get("accuracy", [])
    if not isinstance(levels, list) or not levels:
        raise GradingError(f"{source}: needs at least one [[accuracy]] table with min and points")
    accuracy = []
    for i, level in enumerate(levels):
        if not isinstance(level, dict) or set(level) != {"min", "points"}:
            raise GradingError(f"{source}: [[accuracy]] number {i + 1} must have exactly the "
                               f"keys min and points, got {level!r}")
        accuracy.append((_number(level["min"], f"accuracy[{i}].min", upper=1),
                         _number(level["points"], f"accuracy[{i}].points")))
    extra = {}
    for name in ("experiments", "notebook"):
        section = document.get(name, {"points": 0})
        if not isinstance(section, dict) or set(section) != {"points"}:
            raise GradingError(f"{source}: [{name}] must have exactly one key, points")
        extra[name] = _number(section["points"], f"{name}.points")
    return Rubric(sorted(accuracy), extra["experiments"], extra["notebook"])


def load_rubric(path: str | os.PathLike | None = None) -> Rubric:
    """The rubric in TOML file ``path``, or :data:`DEFAULT_RUBRIC` when ``path`` is None."""
    if path is None:
        return parse_rubric(DEFAULT_RUBRIC, "the default rubric")
    path = Path(path)
    if not path.is_file():
        raise GradingError(f"rubric file not found: {path}")
    return parse_rubric(path.read_text(encoding="utf-8"), str(path))
