"""Test-suite settings: fast mode, offline data, strict checks for solution notebooks.

``pytest`` runs the unit tests in ``tests/`` and, through nbval, every notebook in
``notebooks/`` (student version, run unfilled) and ``solutions/`` (run strict, so a
wrong solution fails). Notebooks run in fast mode on ``$COURSE_DATA_DIR``: the real
offline mirror when it is set, otherwise tiny fixture files in the official formats.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.fixture_data import write_all

ROOT = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    """Set the environment every notebook kernel inherits."""
    os.environ["COURSE_FAST"] = "1"
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    scratch = Path(tempfile.mkdtemp(prefix="course-tests-"))
    os.environ["KERAS_HOME"] = str(scratch / "keras")  # never read or fill the user's cache
    if not os.environ.get("COURSE_DATA_DIR"):
        os.environ["COURSE_DATA_DIR"] = str(write_all(scratch / "datasets"))


GRADER_TEST_FILES = ("test_grading", "test_challenge_handin")
"""Test files that run the instructors' grader (``course grade``)."""


def _grader_unavailable() -> str | None:
    """Why the grader cannot run here (an old Keras, so an old Python), or None."""
    try:
        from course_utils.grading.errors import GradingError
        from course_utils.grading.modelfile import require_safe_keras
    except ImportError:  # a broken grader package: let its own tests say why
        return None
    try:
        require_safe_keras()
    except GradingError as error:
        return f"the grader needs a newer Keras (and so Python >= 3.11): {error}"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the grader's tests where it cannot run; then longest files first.

    The lessons run on Python 3.10, whose newest Keras (3.12) lacks fixes the grader requires;
    there its tests skip with that reason instead of failing.

    Longest files first, so the parallel workers (pytest-xdist) finish together.

    Test files marked ``slow`` run first, then the notebooks (later lessons first: they train
    more), then the other unit tests. Each file keeps its own order.
    """
    reason = _grader_unavailable()
    if reason:
        for item in items:
            if item.path.name.startswith(GRADER_TEST_FILES):
                item.add_marker(pytest.mark.skip(reason=reason))
    slow = [item for item in items if item.get_closest_marker("slow")]
    notebooks = [item for item in items if item.path.suffix == ".ipynb"]
    notebooks.sort(key=lambda item: item.path.name, reverse=True)  # stable: cells stay in order
    first = {id(item) for item in slow + notebooks}
    items[:] = slow + notebooks + [item for item in items if id(item) not in first]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Solution notebooks run strict; student notebooks run unfilled and lenient.

    This runs before the notebook's kernel starts, so the kernel inherits the setting.
    """
    path = Path(str(item.fspath))
    strict = path.suffix == ".ipynb" and path.parent == ROOT / "solutions"
    os.environ["COURSE_STRICT"] = "1" if strict else "0"


@pytest.fixture(autouse=True)
def lenient_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests see lenient checks (print, don't raise) unless they turn strict mode on."""
    monkeypatch.delenv("COURSE_STRICT", raising=False)
