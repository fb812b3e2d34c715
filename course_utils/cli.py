"""The ``course`` command line: ``course build [--check] [--force]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course_utils import build


def _find_root(start: Path) -> Path:
    """The repository root: the nearest folder, upwards, holding ``solutions/``."""
    for folder in (start, *start.parents):
        if (folder / "solutions").is_dir() and (folder / "course_utils").is_dir():
            return folder
    raise build.BuildError(
        f"no course repository (with solutions/ and course_utils/) at or above {start}; "
        "run the command inside the repository or pass --root"
    )


def _build(args: argparse.Namespace) -> int:
    root = args.root.resolve() if args.root else _find_root(Path.cwd())
    if args.check:
        stale = build.stale_files(root)
        for path in stale:
            print(f"out of date: {path.relative_to(root)}")
        if stale:
            print("run `course build` and commit the result", file=sys.stderr)
            return 1
        print("all generated files are up to date")
        return 0
    written = build.build(root, force=args.force)
    for path in written:
        print(f"wrote {path.relative_to(root)}")
    if not written:
        print("nothing to do: all generated files are up to date")
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of ``course``."""
    parser = argparse.ArgumentParser(prog="course", description="Tools of the CNN course.")
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser(
        "build", help="generate the student and solution notebooks from solutions/NN_name.py"
    )
    build_parser.add_argument("--check", action="store_true",
                              help="only list out-of-date files; exit 1 if there are any")
    build_parser.add_argument("--force", action="store_true",
                              help="overwrite notebooks that were edited by hand")
    build_parser.add_argument("--root", type=Path, help="repository root (default: search upwards)")
    build_parser.set_defaults(run=_build)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``course`` console script."""
    args = make_parser().parse_args(argv)
    try:
        return args.run(args)
    except build.BuildError as error:
        print(f"course {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
