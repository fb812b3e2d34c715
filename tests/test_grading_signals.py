"""A grader that dies leaves nothing behind: SIGTERM, SIGHUP and SIGKILL.

The class holds a student without a notebook (graded at once) and one whose notebook never
ends (``time.sleep`` in a cell, under ``--execute``). Once that notebook's kernel runs in
its sandbox, the grader gets the signal; every process of the sandbox must then be gone,
and the row already written must be kept.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_utils import grading
from course_utils.grading import sandbox
from tests.test_grading import cheap_class, write_eval_set, write_notebook

pytestmark = pytest.mark.slow  # among the longest test files: conftest.py runs them first

NEVER_ENDS = "import time\ntime.sleep(10**6)"


def alive(pid: int) -> bool:
    """Whether ``pid`` is a living process (a zombie is dead)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def wait_for_kernel(grader: subprocess.Popen, out: Path, timeout: float = 120) -> list[int]:
    """The grader's descendants once the never-ending notebook's kernel runs in them (and
    the quick student's row is written)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert grader.poll() is None, grader.communicate()
        tree = sandbox.process_tree(grader.pid)[1:]
        written = out.exists() and len(out.read_text().splitlines()) == 2
        if written and any("ipykernel" in cmdline(pid) for pid in tree):
            return tree
        time.sleep(0.3)
    pytest.fail("the notebook's kernel never started")


def start_grader(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    submissions = cheap_class(tmp_path / "subs", ["ana"])
    write_notebook(submissions / "zeca", "zeca", NEVER_ENDS)
    private = write_eval_set(tmp_path / "private.npz")
    out = tmp_path / "g.csv"
    command = [sys.executable, "-m", "course_utils.cli", "grade", str(submissions),
               "--eval-set", str(private), "--out", str(out), "--workers", "2", "--execute",
               "--notebook-timeout", "600"]
    grader = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"},
                              preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL))
    return grader, out


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL],
                         ids=["SIGTERM", "SIGHUP", "SIGKILL"])
def test_no_sandbox_outlives_a_killed_grader(tmp_path, signum):
    grader, out = start_grader(tmp_path)
    try:
        sandboxed = wait_for_kernel(grader, out)
        grader.send_signal(signum)
        _, err = grader.communicate(timeout=60)
    finally:
        if grader.poll() is None:
            grader.kill()
    deadline = time.monotonic() + 20  # SIGKILL: the kernel tears the namespace down
    while time.monotonic() < deadline and any(map(alive, sandboxed)):
        time.sleep(0.2)
    survivors = {pid: cmdline(pid) for pid in sandboxed if alive(pid)}
    assert not survivors, survivors
    if signum != signal.SIGKILL:
        assert grader.returncode == 128 + signum, err
        assert f"interrupted ({signal.Signals(signum).name})" in err.decode()
    assert [row["student"] for row in grading.read_gradebook(out)] == ["ana"]


def test_after_sigterm_a_rerun_grades_the_rest(tmp_path):
    grader, out = start_grader(tmp_path)
    try:
        wait_for_kernel(grader, out)
        grader.terminate()
        grader.communicate(timeout=60)
    finally:
        if grader.poll() is None:
            grader.kill()
    grading.grade(tmp_path / "subs", tmp_path / "private.npz", out, execute=True,
                  notebook_timeout=3, stream=io.StringIO())
    rows = {row["student"]: row["notebook"] for row in grading.read_gradebook(out)}
    assert rows == {"ana": "missing", "zeca": "timeout"}
