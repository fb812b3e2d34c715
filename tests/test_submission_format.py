"""``docs/submission-format.md`` is the one prose statement of the hand-in format: it states
the code's own names and limits, and the code's documentation points to it."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from course_utils import challenge, fmt
from course_utils.challenge import archive, scoring

DOC = Path(__file__).resolve().parents[1] / "docs" / "submission-format.md"
TEXT = DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("fact", [
    f"`{challenge.MODEL_FILE}`",
    f"`{challenge.EXPERIMENTS_FILE}`",
    f"`{challenge.ARCHIVE_TEMPLATE.format(student_id='<student_id>')}`",
    *[f"| `{key}` |" for key in challenge.RUN_KEYS],
    *[f"`{name}`" for name in challenge.HYPERPARAMETERS],
    f"`format` | a versão deste formato: `{challenge.FORMAT_VERSION}`",
    f"pelo menos {challenge.MIN_RUNS} execuções",
    f"de 1 a {challenge.STUDENT_ID_MAX} caracteres",
    *[f"`{shape}`" for shape in challenge.INPUT_SHAPES],
    f"`{challenge.OUTPUT_SHAPE}`",
    f"mais de {fmt.num(archive.MAX_FILES)} arquivos",
    f"mais de {archive.MAX_BYTES // 2**20} MiB",
    f"Abaixo de {fmt.num(scoring.CHANCE_ACCURACY)} de acurácia",
])
def test_the_page_states_the_codes_names_and_limits(fact):
    assert fact in TEXT


@pytest.mark.parametrize("module", ["__init__", "contract", "scoring", "handin", "selfcheck"])
def test_the_challenges_modules_point_to_the_page(module):
    name = "course_utils.challenge" + ("" if module == "__init__" else f".{module}")
    assert "docs/submission-format.md" in importlib.import_module(name).__doc__


def test_the_instructors_manual_links_to_the_page_instead_of_restating_it():
    manual = (DOC.parent / "instructors.md").read_text(encoding="utf-8")
    assert "(submission-format.md)" in manual
    assert '"val_accuracy": float' not in manual
