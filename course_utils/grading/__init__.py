"""The instructors' grader of the Fashion-MNIST challenge: ``course grade``.

A class's submissions (one folder or ``.zip`` per student, as an LMS exports them) are graded
against a **private evaluation set** (:func:`make_eval_set`): each model runs in a sandbox
(:mod:`~.sandbox`), which sees the images but never the labels; this process alone compares
the predictions with the labels. Every submission gets one row in the gradebook CSV, written
as soon as it is graded, and a ``feedback/<student>.md`` in Portuguese. The statuses, with
their meaning in English and Portuguese, are in :mod:`~.status`; the options, with their
defaults and checks, in :mod:`~.options`.

Experiments (``experiments.json``) and, with ``execute=True``, the notebook are graded
alongside (columns ``experiments`` and ``notebook``); the rubric turns all three into points.

The steps, one module each: :mod:`~.lms` (the LMS's download, one submission per student,
and the grades and feedback going back to it; one module per LMS), :mod:`~.submissions` (a
submission's files unpacked by the rules of :mod:`course_utils.challenge.archive`, which
``self_check`` shares), :mod:`~.evalset` (the private evaluation set), :mod:`~.rubric`
(points), :mod:`~.modelfile` (a model file refused before loading), :mod:`~.runner` (one
submission in its sandboxes, scored with the pixel scale it expects), :mod:`~.batch` (a
whole class on a pool of workers), :mod:`~.gradebook` (the CSV, shards merged),
:mod:`~.feedback` (the student's pt-BR feedback), :mod:`~.similarity` (copied models, once
the class is graded) and :mod:`~.report` (the class report, one HTML page).

The names below are imported on first use (PEP 562): a sandbox's process, which runs
``python -m course_utils.grading.sandbox``, imports this package without the grader.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "batch": ("Stopped", "grade"),
    "errors": ("GradingError", "SubmissionError"),
    "evalset": ("EVAL_NOISE", "load_eval_set", "make_eval_set"),
    "feedback": ("feedback_text",),
    "gradebook": ("COLUMNS", "merge", "read_gradebook", "summary_table"),
    "lms": ("LMS_NAMES", "Class", "Download", "Filled", "GradeFiles", "Submission",
            "check_grade_files", "read_class", "unpack", "write_lms_files"),
    "modelfile": ("ALLOWED_LAYERS", "ALLOWED_OBJECTS", "check_model_file"),
    "options": ("GradeOptions",),
    "rubric": ("DEFAULT_RUBRIC", "Rubric", "load_rubric", "parse_rubric"),
    "runner": ("GradeJob", "grade_one"),
    "status": ("ExperimentsStatus", "NotebookStatus", "Status"),
    "submissions": ("MAX_BYTES", "MAX_FILES", "in_shard", "parse_shard"),
}
"""Each public name's module."""

_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    """Import a public name from its module (or a submodule) on first use."""
    if name in _MODULE_OF:
        value = getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    else:
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
