"""The grader's options, declared once: each with its default, its check and its help.

:class:`GradeOptions` is what :func:`~.batch.grade` takes; ``course grade``'s flags are
built from it (:meth:`GradeOptions.add_arguments`), so a new option is one new field here.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_utils.grading.errors import GradingError
from course_utils.grading.sandbox import Limits
from course_utils.grading.submissions import parse_shard


def _option(help: str, least: float | None = None, seconds: bool = False) -> dict[str, Any]:
    """A field's metadata: its help, and its check (at least ``least``; seconds > 0)."""
    return {"help": help, "least": least, "seconds": seconds}


def _cores() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class GradeOptions:
    """How ``course grade`` grades a class; every value is checked when it is made
    (:class:`~.errors.GradingError` naming the flag)."""

    workers: int = field(default_factory=_cores, metadata=_option(
        "submissions graded at once, one warm sandbox each (default: the number of CPU "
        "cores)", least=1))
    timeout: float = field(default=120.0, metadata=_option(
        "seconds to load one model and predict (default {default:g})", seconds=True))
    memory_mb: int = field(default=3072, metadata=_option(
        "memory (PSS) of one sandbox, in MB (default {default})", least=64))
    execute: bool = field(default=False, metadata=_option(
        "also run each student's notebook in a sandbox of its own (fast mode)"))
    notebook_timeout: float = field(default=900.0, metadata=_option(
        "seconds for the whole notebook with --execute (default {default:g})", seconds=True))
    shard: str | None = field(default=None, metadata=_option(
        "grade only shard i of n, e.g. 2/4 (counted from 1)"))
    force: bool = field(default=False, metadata=_option(
        "grade again the students already in --out (rewrites it)"))
    rubric: Path | None = field(default=None, metadata=_option(
        "rubric TOML (default: the built-in one)"))

    def __post_init__(self) -> None:
        for option in dataclasses.fields(self):
            value, check = getattr(self, option.name), option.metadata
            flag = _flag(option.name)
            if check["least"] is not None and value < check["least"]:
                raise GradingError(f"{flag} must be at least {check['least']}, got {value}")
            if check["seconds"] and not value > 0:
                raise GradingError(f"{flag} must be more than 0 seconds, got {value}")
        if self.shard is not None:
            parse_shard(self.shard)

    def limits(self) -> Limits:
        """What loading and predicting with one model may use."""
        return Limits(self.timeout, self.memory_mb)

    def notebook_limits(self) -> Limits:
        """What running one notebook may use (``--execute``)."""
        return Limits(self.notebook_timeout, self.memory_mb)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Add one flag per option to ``parser`` (left unset: the option's default)."""
        types = typing.get_type_hints(cls)
        for option in dataclasses.fields(cls):
            default = None if option.default is dataclasses.MISSING else option.default
            help = option.metadata["help"].format(default=default)
            kind = types[option.name]
            if kind is bool:
                parser.add_argument(_flag(option.name), action="store_true", default=None,
                                    help=help)
            else:
                convert = next(t for t in (int, float, Path, str) if t in typing.get_args(kind)
                               or t is kind)
                parser.add_argument(_flag(option.name), type=convert, default=None, help=help)

    @classmethod
    def from_arguments(cls, args: argparse.Namespace) -> GradeOptions:
        """The options given on the command line (:meth:`add_arguments`), the rest default."""
        given = {option.name: getattr(args, option.name) for option in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in given.items() if value is not None})


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")
