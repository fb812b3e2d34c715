"""Build the notebooks from the single source of each lesson.

Each lesson is written once, as ``solutions/NN_name.py`` in jupytext's py:percent format.
``course build`` turns it into

* ``solutions/NN_name.ipynb``: the complete lesson, solution markers removed;
* ``notebooks/NN_name.ipynb``: the student version, where every block between
  ``# BEGIN SOLUTION exK`` and ``# END SOLUTION`` becomes a stub with the blank ``____``
  and every cell tagged ``solution`` is dropped;
* ``course_utils/solutions.json``: the code of each exercise, shown by ``exK.solution()``;
* the lesson table of ``README.md`` (between its ``lessons`` markers).

Output is deterministic, has no outputs or execution counts, and starts with a Colab
badge and a setup cell (a Colab form showing only its title) that installs the course in
Colab and imports TensorFlow without its start-up noise. A cell holding only commented
``exK.hint()``/``exK.solution()`` calls becomes the same help cell in every lesson.
``course build --check`` rebuilds in memory and lists the files that are out of date.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

REPOSITORY = "cnn-curso-ptbr/curso-cnn"
"""GitHub ``owner/name`` of the course: the only place it is written."""

BRANCH = "main"
SOURCE_PATTERN = re.compile(r"^(\d\d)_[a-z0-9_]+\.py$")
BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION (ex\d+)\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
SOLUTION_TAG = "solution"
README_START = "<!-- lessons:start -->"
README_END = "<!-- lessons:end -->"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
STUB_COMMENT = "  # seu código aqui"
SETUP_TITLE = "Preparação do ambiente (rode esta célula primeiro)"
HELP_LINE = re.compile(r"^#\s*(ex\d+)\.(?:hint|solution)\(\d*\)\s*(?:#.*)?$")
CELL_MARKER = re.compile(r"^# %%(?P<rest>.*)$")
MARKDOWN_HEADING = re.compile(r"^#\s?#{1,6}\s+\S")
"""A comment line that jupytext would render as a Markdown heading (``# ## Seção``)."""


class BuildError(ValueError):
    """A lesson source that cannot be built; the message names the file and line."""


@dataclass
class Block:
    """One solution block of a code cell."""

    exercise: str
    indent: str
    lines: list[str]


def colab_url(notebook: str) -> str:
    """URL that opens a notebook of the repository in Colab."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{notebook}"


def colab_badge(notebook: str) -> str:
    """Markdown of the "Open in Colab" badge for a notebook path of the repository."""
    return (
        f"[![Abrir no Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"({colab_url(notebook)})"
    )


def colab_install_code() -> str:
    """Code of the first cell: in Colab, install course_utils; everywhere, import TF quietly.

    Its first line is a Colab form title: with the cell's ``cellView: form`` metadata, Colab
    shows only that title, so the lesson's own title is the first text a student reads.
    """
    return textwrap.dedent(
        f"""\
        # @title {SETUP_TITLE}
        # No Google Colab, baixa o curso e instala course_utils. Em qualquer máquina, importa o
        # TensorFlow sem as mensagens de inicialização que ele escreve quando não há GPU.
        import os
        import subprocess
        import sys

        if "google.colab" in sys.modules:
            COURSE_DIR = "/content/curso-cnn"
            if not os.path.isdir(COURSE_DIR):
                subprocess.run(["git", "clone", "--depth", "1",
                                "https://github.com/{REPOSITORY}.git", COURSE_DIR], check=True)
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", COURSE_DIR],
                           check=True)
            sys.path.insert(0, COURSE_DIR)

        from course_utils.quiet import import_tensorflow

        import_tensorflow()"""
    )


def setup_cell() -> nbformat.NotebookNode:
    """The install cell, as a Colab form that shows only its title."""
    cell = nbformat.v4.new_code_cell(colab_install_code())
    cell.metadata["cellView"] = "form"
    return cell


def help_cell_exercise(source: str) -> str | None:
    """``"exK"`` if a code cell only holds commented ``exK.hint()``/``exK.solution()`` calls."""
    matches = [HELP_LINE.match(line) for line in source.strip().splitlines()]
    if not matches or not all(matches):
        return None
    names = {match.group(1) for match in matches if match}
    return names.pop() if len(names) == 1 else None


def help_cell_code(exercise: str) -> str:
    """The help cell under every exercise: a one-line reminder, then the calls to uncomment."""
    return "\n".join(
        [
            "# Travou? Apague o # de uma linha abaixo e rode a célula.",
            f"# {exercise}.hint()      # a ideia",
            f"# {exercise}.hint(2)     # a pergunta que destrava o próximo passo",
            f"# {exercise}.solution()  # o código da resposta",
        ]
    )


def split_blocks(source: str, where: str) -> list[str | Block]:
    """Split a code cell into plain lines and solution blocks."""
    parts: list[str | Block] = []
    block: Block | None = None
    for number, line in enumerate(source.splitlines(), 1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if block is not None:
                raise BuildError(f"{where}, line {number}: BEGIN SOLUTION inside another block")
            block = Block(begin.group(2), begin.group(1), [])
        elif end:
            if block is None:
                raise BuildError(f"{where}, line {number}: END SOLUTION without BEGIN")
            if not block.lines:
                raise BuildError(f"{where}, line {number}: empty solution block")
            parts.append(block)
            block = None
        elif block is not None:
            block.lines.append(line)
        elif "SOLUTION" in line and line.lstrip().startswith("#"):
            raise BuildError(f"{where}, line {number}: malformed marker {line.strip()!r}")
        else:
            parts.append(line)
    if block is not None:
        raise BuildError(f"{where}: BEGIN SOLUTION {block.exercise} is never closed")
    return parts


def headings_in_code(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every Markdown heading sitting inside a code cell.

    A heading such as ``# ### Exercício 4`` at the end of a code cell is a comment in the
    notebook: the student sees no heading and no table-of-contents entry, and may miss the
    exercise. It means a ``# %% [markdown]`` marker is missing above it.
    """
    found, in_code = [], False
    for number, line in enumerate(text.splitlines(), 1):
        marker = CELL_MARKER.match(line)
        if marker:
            in_code = "[markdown]" not in marker.group("rest")
        elif in_code and MARKDOWN_HEADING.match(line):
            found.append((number, line.strip()))
    return found


def check_headings(source: Path, text: str) -> None:
    """Raise :class:`BuildError` naming file and line of a heading trapped in a code cell."""
    trapped = headings_in_code(text)
    if trapped:
        places = "; ".join(f"{source.name}, line {n}: {line!r}" for n, line in trapped)
        raise BuildError(
            f"Markdown heading inside a code cell ({places}); add a '# %% [markdown]' "
            "line above it"
        )


def stub(block: Block, where: str) -> list[str]:
    """Student version of a block: ``return ____`` or ``name = ____`` for each assigned name."""
    body = textwrap.dedent("\n".join(block.lines))
    try:
        tree = ast.parse("def _block():\n" + textwrap.indent(body, "    "))
    except SyntaxError as error:
        raise BuildError(f"{where}: solution {block.exercise} is not valid Python: {error}")
    statements = tree.body[0].body  # type: ignore[attr-defined]
    if any(isinstance(s, ast.Return) for s in statements):
        return [f"{block.indent}return ____{STUB_COMMENT}"]
    names: list[str] = []
    for statement in statements:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name) and node.id not in names:
                    names.append(node.id)
    if not names:
        raise BuildError(
            f"{where}: solution {block.exercise} neither assigns a name nor returns; "
            "the student version would have nothing to fill in"
        )
    return [f"{block.indent}{name} = ____{STUB_COMMENT}" for name in names]


def render(parts: list[str | Block], student: bool, where: str) -> str:
    """Join a split cell back, with solutions (teacher) or stubs (student)."""
    lines: list[str] = []
    for part in parts:
        if isinstance(part, Block):
            lines.extend(stub(part, where) if student else part.lines)
        else:
            lines.append(part)
    return "\n".join(lines)


def _new_notebook(cells: list, source_name: str) -> nbformat.NotebookNode:
    """A notebook with stable metadata, deterministic ids and a fingerprint of its cells."""
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number:03d}"
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
        "course": {"source": source_name, "fingerprint": fingerprint(notebook)},
    }
    return notebook


def fingerprint(notebook: nbformat.NotebookNode) -> str:
    """Hash of a notebook's cell types and sources: tells a hand-edited notebook apart."""
    content = [(cell["cell_type"], cell["source"]) for cell in notebook["cells"]]
    return hashlib.sha256(json.dumps(content).encode("utf-8")).hexdigest()[:16]


def build_lesson(source: Path) -> tuple[str, str, dict[str, str]]:
    """Build one lesson: (solution notebook JSON, student notebook JSON, solutions by key)."""
    match = SOURCE_PATTERN.match(source.name)
    if not match:
        raise BuildError(f"{source}: lesson sources must be named NN_name.py (lowercase)")
    number, stem = match.group(1), source.stem
    check_headings(source, source.read_text(encoding="utf-8"))
    try:
        lesson = jupytext.read(source, fmt="py:percent")
    except Exception as error:
        raise BuildError(f"{source}: jupytext could not read it: {error}") from error
    solution_path, student_path = f"solutions/{stem}.ipynb", f"notebooks/{stem}.ipynb"
    teacher_cells, student_cells, solutions = [], [], {}
    for index, cell in enumerate(lesson.cells, 1):
        where = f"{source.name}, cell {index}"
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "markdown":
            teacher_cells.append(nbformat.v4.new_markdown_cell(cell.source))
            if SOLUTION_TAG not in tags:
                student_cells.append(nbformat.v4.new_markdown_cell(cell.source))
            continue
        help_for = help_cell_exercise(cell.source)
        if help_for:
            teacher_cells.append(nbformat.v4.new_code_cell(help_cell_code(help_for)))
            student_cells.append(nbformat.v4.new_code_cell(help_cell_code(help_for)))
            continue
        parts = split_blocks(cell.source, where)
        teacher_source = render(parts, student=False, where=where)
        teacher_cells.append(nbformat.v4.new_code_cell(teacher_source))
        for exercise in dict.fromkeys(p.exercise for p in parts if isinstance(p, Block)):
            key = f"{number}/{exercise}"
            solutions[key] = (solutions[key] + "\n\n" if key in solutions else "") + teacher_source
        if SOLUTION_TAG in tags:
            continue
        student_cells.append(nbformat.v4.new_code_cell(render(parts, student=True, where=where)))
    notebooks = []
    for path, cells in ((solution_path, teacher_cells), (student_path, student_cells)):
        header = [
            nbformat.v4.new_markdown_cell(colab_badge(path)),
            setup_cell(),
        ]
        notebook = _new_notebook(header + cells, f"solutions/{source.name}")
        notebooks.append(nbformat.writes(notebook) + "\n")
    return notebooks[0], notebooks[1], solutions


def lesson_title(source: Path) -> str:
    """First Markdown heading of a lesson source, without the leading ``#``."""
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("# # "):
            return line[4:].strip()
    raise BuildError(f"{source}: no title; start the first markdown cell with '# Title'")


def readme_table(sources: list[Path]) -> str:
    """The README's lesson table: title and Colab badges of both versions of each lesson."""
    rows = ["| aula | notebook do aluno | solução |", "| --- | --- | --- |"]
    for source in sources:
        stem = source.stem
        rows.append(
            f"| {lesson_title(source)} | {colab_badge(f'notebooks/{stem}.ipynb')} "
            f"| {colab_badge(f'solutions/{stem}.ipynb')} |"
        )
    return "\n".join(rows)


def update_readme(readme: str, table: str) -> str:
    """Replace the text between the README's lesson markers with ``table``."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise BuildError(f"README.md must contain {README_START} and {README_END}, in order")
    return readme[: start + len(README_START)] + "\n" + table + "\n" + readme[end:]


def expected_files(root: Path) -> dict[Path, str]:
    """Every generated file of the repository at ``root`` and its expected content."""
    sources = sorted((root / "solutions").glob("[0-9][0-9]_*.py"))
    if not sources:
        raise BuildError(f"no lesson sources (solutions/NN_name.py) under {root}")
    files: dict[Path, str] = {}
    solutions: dict[str, str] = {}
    for source in sources:
        teacher, student, lesson_solutions = build_lesson(source)
        files[root / "solutions" / f"{source.stem}.ipynb"] = teacher
        files[root / "notebooks" / f"{source.stem}.ipynb"] = student
        solutions.update(lesson_solutions)
    solutions_json = json.dumps(solutions, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    files[root / "course_utils" / "solutions.json"] = solutions_json
    readme = root / "README.md"
    if readme.is_file():
        files[readme] = update_readme(readme.read_text(encoding="utf-8"), readme_table(sources))
    return files


def stale_files(root: Path) -> list[Path]:
    """Generated files that are missing or differ from a fresh build, plus orphan notebooks."""
    files = expected_files(root)
    stale = [p for p, text in files.items() if not p.is_file() or p.read_text("utf-8") != text]
    generated = set(files)
    for folder in ("notebooks", "solutions"):
        stale += [p for p in sorted((root / folder).glob("*.ipynb")) if p not in generated]
    return stale


def hand_edited(path: Path) -> bool:
    """True if a generated notebook's cells were changed since it was generated."""
    if path.suffix != ".ipynb" or not path.is_file():
        return False
    try:
        notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except Exception:
        return True
    recorded = notebook.metadata.get("course", {}).get("fingerprint")
    return recorded != fingerprint(notebook)


def build(root: Path, force: bool = False) -> list[Path]:
    """Write every generated file that changed; return the paths written.

    A notebook edited by hand (its cells no longer match its fingerprint) is not
    overwritten unless ``force``: edit ``solutions/NN_name.py`` instead.
    """
    files = expected_files(root)
    changed = [p for p, text in files.items() if not p.is_file() or p.read_text("utf-8") != text]
    edited = [p for p in changed if hand_edited(p)]
    if edited and not force:
        names = ", ".join(str(p.relative_to(root)) for p in edited)
        raise BuildError(
            f"refusing to overwrite notebooks edited by hand: {names}. Move your changes to "
            "the lesson source solutions/NN_name.py, or run `course build --force`."
        )
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
    return changed
