"""``python -m course_utils.grading.sandbox TASK ARGS...``: what the sandbox's command lines run.

The grader builds these command lines (:mod:`.jail`); run in the task's work folder:
``guard GRADER_PID -- COMMAND...``, ``enter WORKDIR HIDE... -- COMMAND...``, ``probe HIDE...``,
``notebook NAME TIMEOUT`` and ``serve TASK`` (a warm worker, e.g. ``serve predict``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from course_utils.grading.sandbox import jail


def main(argv: list[str]) -> None:
    """Run the sandbox step that ``argv`` names."""
    task, args = (argv[0], argv[1:]) if argv else ("", [])
    jail.limit_self()
    if task == "guard" and args[1:2] == ["--"]:
        jail.guard(int(args[0]), args[2:])
    elif task == "enter" and "--" in args:
        split = args.index("--")
        jail.enter(Path(args[0]).resolve(), args[1:split], args[split + 1:])
    elif task == "probe":
        jail.probe_inside(args)
    elif task in ("notebook", "serve"):
        _task(task, args)
    else:
        _usage(argv)


def _task(task: str, args: list[str]) -> None:
    """A task of :mod:`.tasks`, imported only here: the jail's steps stay import-light."""
    from course_utils.grading.sandbox import tasks

    if task == "notebook" and len(args) == 2:
        tasks.notebook(args[0], float(args[1]))
    elif task == "serve" and len(args) == 1 and args[0] in tasks.SERVED:
        tasks.serve_task(args[0])
    else:
        _usage([task, *args])


def _usage(argv: list[str]) -> None:
    sys.exit(f"usage: python -m {jail.ENTRY} guard|enter|probe|notebook|serve ..., got {argv}")


if __name__ == "__main__":
    main(sys.argv[1:])
