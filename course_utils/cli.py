"""The ``course`` command line.

``course build [--check] [--force]``, ``course make-eval-set``, ``course grade``,
``course grade merge`` and ``course grade report`` (see docs/instructors.md).
``merge`` or ``report`` right after ``grade`` is that subcommand; to grade a submissions
folder with one of these names, write it as ``./merge`` or ``./report``.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from course_utils import build, grading
from course_utils.grading import report as class_report


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
        args.submissions, args.eval_set, args.out, grading.GradeOptions.from_arguments(args),
        lms=args.lms, worksheet=args.worksheet, canvas_export=args.canvas_export,
        canvas_column=args.canvas_column,
    )
    rows = result["graded"]
    print(grading.summary_table(rows))
    if result["similar"]:
        print(f"{len(result['similar'])} pair(s) of similar models (possible copies; no grade "
              f"changed): {Path(args.out).parent / class_report.similarity.SIMILARITY_FILE}")
    for written in result["exports"]:
        print(written.describe())
    if result["skipped"]:
        print(f"{result['skipped']} student(s) already in {args.out} were skipped "
              "(--force grades them again)")
    print(f"gradebook: {args.out}; feedback: {Path(args.out).parent / 'feedback'}/")
    if not result["isolation"].namespaces:
        print(result["isolation"].describe(), file=sys.stderr)
    return 0


def _merge(args: argparse.Namespace) -> int:
    files = grading.GradeFiles(args.worksheet, args.canvas_export, args.canvas_column)
    roster = grading.read_class(args.submissions, args.lms) if args.submissions else None
    if roster is not None:
        grading.check_grade_files(roster, files, args.submissions)
    elif files.given() or args.lms:
        raise grading.GradingError("--lms, --worksheet, --canvas-export and --canvas-column "
                                   "need --submissions, the download the shards graded")
    path = grading.merge(args.shards, args.out, force=args.force)
    print(f"wrote {path}: {len(grading.read_gradebook(path))} students")
    if roster is not None:
        feedback = [Path(gradebook).parent / "feedback" for gradebook in (path, *args.shards)]
        for written in grading.write_lms_files(path, roster, grading.load_rubric(args.rubric).total,
                                               files, feedback):
            print(written.describe())
    return 0


def _report(args: argparse.Namespace) -> int:
    path = class_report.write_report(args.gradebook, args.out, leaderboard=args.leaderboard)
    print(f"wrote {path}")
    if args.leaderboard:
        print(f"ranking to show the class: {path.with_name(class_report.LEADERBOARD_FILE)}; "
              "each student's pseudonym (keep it private): "
              f"{path.with_name(class_report.PSEUDONYMS_FILE)}")
    return 0


def _grade_parser(commands: argparse._SubParsersAction) -> None:
    grade = commands.add_parser(
        "grade", help="grade a class's Fashion-MNIST submissions in a sandbox",
        description="Grade every submission in SUBMISSIONS: Moodle's or Canvas' download "
                    "(its .zip or folder), or a folder with a folder or .zip per student. "
                    "`course grade merge SHARD.csv ... --out FILE` joins shard gradebooks; "
                    "a submissions folder called merge must be written ./merge.")
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                       help="the LMS's download (.zip or its folder: Moodle, Canvas), or a "
                            "folder with one folder or .zip per student")
    _lms_arguments(grade)
    grade.add_argument("--eval-set", type=Path, required=True,
                       help="private evaluation set (.npz from `course make-eval-set`)")
    grade.add_argument("--out", type=Path, required=True, help="gradebook CSV to write")
    grading.GradeOptions.add_arguments(grade)
    grade.set_defaults(run=_grade)


def _lms_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the LMS's files: its layout and the grade files to fill."""
    parser.add_argument("--lms", choices=grading.LMS_NAMES,
                        help="layout of SUBMISSIONS (default: recognised by the names)")
    parser.add_argument("--worksheet", type=Path,
                        help="Moodle's grading worksheet (CSV) to fill: moodle_grades.csv")
    parser.add_argument("--canvas-export", type=Path,
                        help="Canvas' exported gradebook (CSV) to fill: canvas_grades.csv")
    parser.add_argument("--canvas-column",
                        help="part of the assignment's column name in --canvas-export "
                             "(needed when it has several assignments)")


def _merge_parser(commands: argparse._SubParsersAction) -> None:
    merge = commands.add_parser("grade merge", help="join shard gradebooks into one")
    merge.add_argument("shards", type=Path, nargs="+", metavar="SHARD.csv")
    merge.add_argument("--out", type=Path, required=True, help="merged gradebook CSV")
    merge.add_argument("--force", action="store_true", help="replace --out if it exists")
    merge.add_argument("--submissions", type=Path,
                       help="the LMS's download the shards graded: write the LMS's files "
                            "(moodle_grades.csv, ...) for the merged gradebook")
    merge.add_argument("--rubric", type=Path,
                       help="the shards' rubric TOML (default: the built-in one)")
    _lms_arguments(merge)
    merge.set_defaults(run=_merge)


def _report_parser(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "grade report", help="write the class report (one HTML page) of a gradebook")
    report.add_argument("gradebook", type=Path, metavar="GRADEBOOK.csv")
    report.add_argument("--out", type=Path, help="HTML page to write (default: report.html "
                        "next to the gradebook; only a report is ever replaced)")
    report.add_argument("--leaderboard", action="store_true",
                        help="add a ranking under pseudonyms, also written alone as "
                             "leaderboard.html to show the class")
    report.set_defaults(run=_report)


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
    _report_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``course`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] in (["grade", "merge"], ["grade", "report"]):
        argv[:2] = [f"grade {argv[1]}"]
    args = make_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt as error:
        signum = error.signum if isinstance(error, grading.Stopped) else signal.SIGINT
        try:
            print(f"\ncourse {args.command}: interrupted ({signal.Signals(signum).name}); "
                  "every row already written is kept, run the same command again to grade "
                  "the rest", file=sys.stderr)
        except OSError:  # SIGHUP: the terminal may be gone
            pass
        return 128 + signum
    except (build.BuildError, grading.GradingError) as error:
        print(f"course {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
