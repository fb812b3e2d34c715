"""The single-source build: solution and student notebooks, stubs, --check, safety."""

import json
import textwrap
from pathlib import Path

import nbformat
import pytest

from course_utils import build, cli

ROOT = Path(__file__).resolve().parent.parent

LESSON = textwrap.dedent(
    '''\
    # %% [markdown]
    # # 01 · Demonstração
    #
    # Texto.

    # %%
    import numpy as np
    from course_utils.checks import ____

    # %%
    # BEGIN SOLUTION ex1
    red = np.zeros(3)
    a, b = 1, 2
    # END SOLUTION
    print("check")

    # %%
    def double(x):
        """Double x."""
        # BEGIN SOLUTION ex2
        y = 2 * x
        return y
        # END SOLUTION

    # %% tags=["solution"]
    print("only in the solution")

    # %% [markdown] tags=["solution"]
    # Discussão da resposta.
    '''
)


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "course_utils").mkdir()
    (tmp_path / "solutions" / "01_demo.py").write_text(LESSON, encoding="utf-8")
    (tmp_path / "README.md").write_text(
        f"# Course\n\n{build.README_START}\nold table\n{build.README_END}\nrest\n"
    )
    return tmp_path


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)


def code_sources(notebook) -> list[str]:
    return [c.source for c in notebook.cells if c.cell_type == "code"]


def test_student_notebook_gets_stubs_and_loses_solution_cells(repo):
    build.build(repo)
    student = read(repo / "notebooks" / "01_demo.ipynb")
    sources = "\n".join(c.source for c in student.cells)
    assert "red = ____  # seu código aqui\na = ____" in sources
    assert "b = ____" in sources
    assert '"""Double x."""\n    return ____' in sources
    assert "np.zeros(3)" not in sources and "2 * x" not in sources
    assert "only in the solution" not in sources and "Discussão" not in sources
    nbformat.validate(student)


def test_solution_notebook_keeps_code_without_markers(repo):
    build.build(repo)
    solution = read(repo / "solutions" / "01_demo.ipynb")
    sources = "\n".join(c.source for c in solution.cells)
    assert "red = np.zeros(3)" in sources and "only in the solution" in sources
    assert "BEGIN SOLUTION" not in sources and "END SOLUTION" not in sources


def test_notebooks_have_colab_header_kernelspec_and_no_outputs(repo):
    build.build(repo)
    for path in (repo / "notebooks" / "01_demo.ipynb", repo / "solutions" / "01_demo.ipynb"):
        notebook = read(path)
        assert build.colab_url(str(path.relative_to(repo))) in notebook.cells[0].source
        assert "google.colab" in notebook.cells[1].source
        assert notebook.cells[1].source.startswith(f"# @title {build.SETUP_TITLE}\n")
        assert notebook.cells[1].metadata["cellView"] == "form"
        assert notebook.cells[2].source.startswith("# 01 · Demonstração")
        assert notebook.metadata.kernelspec.name == "python3"
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


def test_colab_cell_is_valid_python_that_only_imports_tensorflow_outside_colab():
    namespace: dict = {}
    exec(build.colab_install_code(), namespace)
    assert "COURSE_DIR" not in namespace
    assert "import_tensorflow" in namespace


@pytest.mark.parametrize(
    "source, exercise",
    [
        ("# ex1.hint()\n# ex1.solution()", "ex1"),
        ("# ex12.hint()\n# ex12.hint(2)\n#ex12.solution()\n", "ex12"),
        ("# ex3.solution()  # só se travar", "ex3"),
        ("# ex1.hint()\n# ex2.solution()", None),
        ("# ex1.hint()\nprint(1)", None),
        ("ex1.hint()", None),
        ("", None),
    ],
)
def test_help_cells_are_recognised(source, exercise):
    assert build.help_cell_exercise(source) == exercise


def test_every_help_cell_becomes_the_same_reminder_in_both_notebooks(repo):
    lesson = LESSON.replace(
        'print("check")\n', 'print("check")\n\n# %%\n# ex1.hint()\n# ex1.solution()\n'
    )
    (repo / "solutions" / "01_demo.py").write_text(lesson, encoding="utf-8")
    build.build(repo)
    for folder in ("notebooks", "solutions"):
        sources = code_sources(read(repo / folder / "01_demo.ipynb"))
        assert build.help_cell_code("ex1") in sources
    reminder = build.help_cell_code("ex1").splitlines()
    assert reminder[0].startswith("# Travou?")
    assert [line.split("#")[1].strip() for line in reminder[1:]] == [
        "ex1.hint()", "ex1.hint(2)", "ex1.solution()"
    ]


def test_solutions_json_holds_whole_cells_by_key(repo):
    build.build(repo)
    solutions = json.loads((repo / "course_utils" / "solutions.json").read_text())
    assert set(solutions) == {"01/ex1", "01/ex2"}
    assert solutions["01/ex2"].startswith("def double(x):")
    assert "return y" in solutions["01/ex2"]


def test_readme_table_is_replaced_between_markers(repo):
    build.build(repo)
    readme = (repo / "README.md").read_text()
    assert "old table" not in readme and readme.endswith("rest\n")
    assert "01 · Demonstração" in readme
    assert build.colab_url("notebooks/01_demo.ipynb") in readme


def test_build_is_deterministic_and_check_is_clean(repo):
    build.build(repo)
    first = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    assert build.build(repo) == []
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == first
    assert build.stale_files(repo) == []


def test_check_lists_stale_and_orphan_files(repo, capsys):
    build.build(repo)
    source = repo / "solutions" / "01_demo.py"
    source.write_text(source.read_text().replace("Texto.", "Outro texto."))
    (repo / "notebooks" / "99_orphan.ipynb").write_text("{}")
    assert cli.main(["build", "--check", "--root", str(repo)]) == 1
    out = capsys.readouterr().out
    assert "solutions/01_demo.ipynb" in out and "notebooks/01_demo.ipynb" in out
    assert "notebooks/99_orphan.ipynb" in out


def test_hand_edited_notebook_is_not_overwritten_without_force(repo):
    build.build(repo)
    student = repo / "notebooks" / "01_demo.ipynb"
    notebook = read(student)
    notebook.cells[2].source += "\nMinha anotação."
    student.write_text(nbformat.writes(notebook))
    source = repo / "solutions" / "01_demo.py"
    source.write_text(source.read_text().replace("Texto.", "Novo texto."))
    with pytest.raises(build.BuildError, match="edited by hand"):
        build.build(repo)
    assert "Minha anotação." in student.read_text()
    build.build(repo, force=True)
    assert "Minha anotação." not in student.read_text()


@pytest.mark.parametrize(
    "cell, message",
    [
        ("# BEGIN SOLUTION ex1\nx = 1\n", "never closed"),
        ("x = 1\n# END SOLUTION\n", "without BEGIN"),
        ("# BEGIN SOLUTION ex1\n# BEGIN SOLUTION ex2\n", "inside another block"),
        ("# BEGIN SOLUTION ex1\nprint(1)\n# END SOLUTION\n", "neither assigns"),
        ("# BEGIN SOLUTION ex1\nx = (\n# END SOLUTION\n", "not valid Python"),
        ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "malformed marker"),
    ],
)
def test_malformed_sources_raise_with_the_place(repo, cell, message):
    (repo / "solutions" / "02_bad.py").write_text(f"# %% [markdown]\n# # 02 · Ruim\n\n# %%\n{cell}")
    with pytest.raises(build.BuildError, match=message) as error:
        build.build(repo)
    assert "02_bad.py" in str(error.value)


TRAPPED = "# %% [markdown]\n# # 02 · Ruim\n\n# %%\nshow(x);\n#\n# ### Exercício 4 · Tamanhos\n"


def test_heading_inside_a_code_cell_fails_build_and_check_naming_file_and_line(repo, capsys):
    (repo / "solutions" / "02_bad.py").write_text(TRAPPED)
    with pytest.raises(build.BuildError, match=r"02_bad.py, line 7: '# ### Exercício 4"):
        build.build(repo)
    assert cli.main(["build", "--check", "--root", str(repo)]) == 2
    assert "02_bad.py, line 7" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text",
    [
        "# %% [markdown]\n# ## Seção\n\n# %%\nx = 1  # ## não é título\n",
        "# %% [markdown] tags=[\"solution\"]\n# ### Discussão\n",
        "# %%\n# comentário comum\n#\n# %% [markdown]\n# ### Exercício 1\n",
        "# %%\nprint('# ## dentro de um texto')\n",
    ],
)
def test_headings_in_markdown_cells_and_plain_comments_are_allowed(text):
    assert build.headings_in_code(text) == []


@pytest.mark.parametrize("heading", ["# ## Seção", "# ### Exercício 2", "## Seção", "# #### x"])
def test_every_heading_level_in_a_code_cell_is_found(heading):
    text = f"# %% tags=[\"solution\"]\nx = 1\n{heading}\n"
    assert build.headings_in_code(text) == [(3, heading)]


@pytest.mark.parametrize(
    "source", sorted((ROOT / "solutions").glob("[0-9][0-9]_*.py")), ids=lambda p: p.name
)
def test_no_lesson_has_a_markdown_heading_inside_a_code_cell(source):
    assert build.headings_in_code(source.read_text(encoding="utf-8")) == []


def test_badly_named_source_is_rejected(repo):
    with pytest.raises(build.BuildError, match="NN_name.py"):
        build.build_lesson(repo / "solutions" / "1_Demo.py")


def test_cli_reports_build_errors_without_traceback(tmp_path, capsys):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "course_utils").mkdir()
    assert cli.main(["build", "--root", str(tmp_path)]) == 2
    assert "no lesson sources" in capsys.readouterr().err


def test_committed_generated_files_are_up_to_date(capsys):
    """The repository itself: `course build --check` must be clean."""
    assert cli.main(["build", "--check", "--root", str(ROOT)]) == 0, capsys.readouterr().out
