"""The ``course`` command line.

``course build [--check] [--force]``, ``course make-eval-set``, ``course grade`` and
``course grade merge`` (see the README's instructors section). ``merge`` right after
``grade`` is the merge subcommand; to grade a submissions folder that is called ``merge``,
write it as ``./merge``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course_utils import build, grading


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


def _make_eval_set(args: argparse.Namespace) -> int:
    path = grading.make_eval_set(args.out, seed=args.seed, size=args.size, force=args.force)
    print(f"wrote {path}: {args.size} images with labels; keep it private "
          "(outside the students' reach, out of the repository)")
    return 0


def _grade(args: argparse.Namespace) -> int:
    result = grading.grade(
        args.submissions, args.eval_set, args.out, workers=args.workers, timeout=args.timeout,
        memory_mb=args.memory_mb, execute=args.execute, notebook_timeout=args.notebook_timeout,
        shard=args.shard, force=args.force, rubric=args.rubric,
    )
    rows = result["graded"]
    print(grading.summary_table(rows))
    if result["skipped"]:
        print(f"{result['skipped']} student(s) already in {args.out} were skipped "
              "(--force grades them again)")
    print(f"gradebook: {args.out}; feedback: {Path(args.out).parent / 'feedback'}/")
    if not result["isolation"].namespaces:
        print(result["isolation"].describe(), file=sys.stderr)
    return 0


def _merge(args: argparse.Namespace) -> int:
    path = grading.merge(args.shards, args.out, force=args.force)
    print(f"wrote {path}: {len(grading.read_gradebook(path))} students")
    return 0


def _grade_parser(commands: argparse._SubParsersAction) -> None:
    grade = commands.add_parser(
        "grade", help="grade a class's Fashion-MNIST submissions in a sandbox",
        description="Grade every submission (a folder or .zip per student) in SUBMISSIONS. "
                    "`course grade merge SHARD.csv ... --out FILE` joins shard gradebooks; "
                    "a submissions folder called merge must be written ./merge.")
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                       help="folder with one folder or .zip per student, named by student id")
    grade.add_argument("--eval-set", type=Path, required=True,
                       help="private evaluation set (.npz from `course make-eval-set`)")
    grade.add_argument("--out", type=Path, required=True, help="gradebook CSV to write")
    grade.add_argument("--workers", type=int, default=None,
                       help="submissions graded at once (default: the number of CPU cores)")
    grade.add_argument("--timeout", type=float, default=120.0,
                       help="seconds to load the model and predict (default 120)")
    grade.add_argument("--memory-mb", type=int, default=3072,
                       help="memory (PSS) of one sandbox, in MB (default 3072)")
    grade.add_argument("--execute", action="store_true",
                       help="also run each student's notebook in the sandbox (fast mode)")
    grade.add_argument("--notebook-timeout", type=float, default=900.0,
                       help="seconds for the whole notebook with --execute (default 900)")
    grade.add_argument("--shard", help="grade only shard i of n, e.g. 2/4 (counted from 1)")
    grade.add_argument("--force", action="store_true",
                       help="grade again the students already in --out (rewrites it)")
    grade.add_argument("--rubric", type=Path, help="rubric TOML (default: the built-in one)")
    grade.set_defaults(run=_grade)


def _merge_parser(commands: argparse._SubParsersAction) -> None:
    merge = commands.add_parser("grade merge", help="join shard gradebooks into one")
    merge.add_argument("shards", type=Path, nargs="+", metavar="SHARD.csv")
    merge.add_argument("--out", type=Path, required=True, help="merged gradebook CSV")
    merge.add_argument("--force", action="store_true", help="replace --out if it exists")
    merge.set_defaults(run=_merge)


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
    eval_parser = commands.add_parser(
        "make-eval-set", help="build a private evaluation set from the Fashion-MNIST test split",
        description="Draw --size images of the official Fashion-MNIST test split with a secret "
                    f"seed and add a little noise (at most {grading.EVAL_NOISE} grey levels a "
                    "pixel). You may instead bring your own images: an .npz with x uint8 "
                    "(N, 28, 28) and y integers 0-9 (N,).")
    eval_parser.add_argument("--out", type=Path, required=True, help="the .npz to write")
    eval_parser.add_argument("--seed", type=int, default=None,
                             help="seed of the draw (default: a random one, never stored)")
    eval_parser.add_argument("--size", type=int, default=5000,
                             help="number of images (default 5000)")
    eval_parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    eval_parser.set_defaults(run=_make_eval_set)
    _grade_parser(commands)
    _merge_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``course`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["grade", "merge"]:
        argv[:2] = ["grade merge"]
    args = make_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print(f"\ncourse {args.command}: interrupted; every row already written is kept, "
              "run the same command again to grade the rest", file=sys.stderr)
        return 130
    except (build.BuildError, grading.GradingError) as error:
        print(f"course {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
