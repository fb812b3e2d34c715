"""Time every notebook (student and solution) in fast mode, as the test suite runs them.

Usage: python benchmarks/notebook_times.py [--full] [NOTEBOOK ...]

Prints one line per notebook (seconds, including kernel start and TensorFlow import) and
the total. Uses $COURSE_DATA_DIR if set; otherwise the tests' fixture files. ``--full``
runs without fast mode (the real lesson; slow).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import nbclient
import nbformat

ROOT = Path(__file__).resolve().parent.parent


def run(path: Path, fast: bool) -> float:
    """Execute one notebook in a fresh kernel; return the wall-clock seconds."""
    os.environ["COURSE_FAST"] = "1" if fast else "0"
    os.environ["COURSE_STRICT"] = "1" if path.parent.name == "solutions" else "0"
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    nbclient.NotebookClient(notebook, timeout=3600, resources={"metadata": {"path": path.parent}}).execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--full", action="store_true", help="run without fast mode")
    args = parser.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")
    if not os.environ.get("COURSE_DATA_DIR"):
        sys.path.insert(0, str(ROOT / "tests"))
        from fixture_data import write_all

        os.environ["COURSE_DATA_DIR"] = str(write_all(Path(tempfile.mkdtemp()) / "datasets"))
    paths = args.notebooks or sorted(ROOT.glob("notebooks/*.ipynb")) + sorted(
        ROOT.glob("solutions/*.ipynb")
    )
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"data: {os.environ['COURSE_DATA_DIR']}; fast mode: {not args.full}")
    total = 0.0
    for path in paths:
        seconds = run(path.resolve(), fast=not args.full)
        total += seconds
        print(f"{seconds:7.1f} s  {path.resolve().relative_to(ROOT)}")
    print(f"{total:7.1f} s  total")


if __name__ == "__main__":
    main()
