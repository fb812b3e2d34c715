"""The grader's two errors: the instructor's input, and one submission's status."""

from __future__ import annotations


class GradingError(ValueError):
    """A problem with the instructor's input (folders, eval set, rubric, gradebook)."""


class SubmissionError(Exception):
    """A problem with one submission: its gradebook ``status`` and a message."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
