"""The order conftest.py gives the collected tests: longest files first, each file in order."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import conftest


def fake_item(path: str, name: str, slow: bool = False) -> SimpleNamespace:
    """What the hook reads of a pytest item: its path, its name and its ``slow`` marker."""
    def get_closest_marker(marker: str) -> str | None:
        return "mark" if slow and marker == "slow" else None

    return SimpleNamespace(path=Path(path), name=name, get_closest_marker=get_closest_marker)


def test_slow_files_then_later_lessons_then_the_rest_each_file_in_its_order() -> None:
    items = [
        fake_item("tests/test_a.py", "a1"),
        fake_item("notebooks/01_x.ipynb", "01 cell 0"),
        fake_item("notebooks/01_x.ipynb", "01 cell 1"),
        fake_item("solutions/02_y.ipynb", "02 cell 0"),
        fake_item("solutions/02_y.ipynb", "02 cell 1"),
        fake_item("tests/test_slow.py", "slow1", slow=True),
        fake_item("tests/test_b.py", "b1"),
        fake_item("tests/test_slow.py", "slow2", slow=True),
        fake_item("notebooks/02_y.ipynb", "student 02 cell 0"),
        fake_item("tests/test_a.py", "a2"),
    ]
    conftest.pytest_collection_modifyitems(items)
    assert [item.name for item in items] == [
        "slow1", "slow2",
        "02 cell 0", "02 cell 1", "student 02 cell 0",
        "01 cell 0", "01 cell 1",
        "a1", "b1", "a2",
    ]
