"""The generated Colab first cell, executed as Colab would run it.

The cell only acts when ``google.colab`` is imported, so nbval never runs its body. Here a
fresh Python process gets a stand-in ``google.colab`` module, git redirects the course's
GitHub URL to a local clone of this repository (``url.<base>.insteadOf``), and the cell runs
twice, in a virtual environment of its own (so its ``pip install -e`` cannot touch the test
suite's environment); then ``course_utils`` must import from the clone and load a dataset.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from course_utils import build

pytestmark = pytest.mark.slow  # among the longest test files: conftest.py runs them first

ROOT = Path(__file__).resolve().parent.parent
COLAB_DIR = "/content/curso-cnn"
GITHUB_URL = f"https://github.com/{build.REPOSITORY}.git"

RUNNER = textwrap.dedent(
    """\
    import json, sys
    import google.colab  # Colab imports it at start-up; the cell looks for it in sys.modules

    cell = open(sys.argv[1], encoding="utf-8").read()
    for _ in range(2):  # running the cell twice must be harmless
        exec(compile(cell, "colab-first-cell", "exec"), {"__name__": "__main__"})

    import course_utils
    from course_utils import datasets

    (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    print(json.dumps({"course_utils": course_utils.__file__, "train": list(x_train.shape),
                      "dtype": str(x_train.dtype), "labels": sorted(set(y_train.tolist()))}))
    """
)


def first_code_cell(notebook: Path) -> str:
    """Source of the first code cell of a committed notebook."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return next("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")


def colab_target(tmp_path: Path) -> str:
    """Where the cell clones the course: Colab's own folder when writable, else a temporary one."""
    content = Path(COLAB_DIR).parent
    if content.is_dir() and os.access(content, os.W_OK) and not Path(COLAB_DIR).exists():
        return COLAB_DIR
    return str(tmp_path / "content" / "curso-cnn")


@pytest.fixture
def colab_like_python(tmp_path: Path) -> Path:
    """A fresh venv that sees the suite's packages (read-only) but installs into itself."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    own = subprocess.run([python, "-c", "import site; print(site.getsitepackages()[0])"],
                         check=True, capture_output=True, text=True).stdout.strip()
    Path(own, "suite_packages.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python


def test_every_notebook_starts_with_the_same_colab_cell():
    notebooks = sorted(ROOT.glob("notebooks/*.ipynb")) + sorted(ROOT.glob("solutions/*.ipynb"))
    cells = {first_code_cell(path) for path in notebooks}
    assert len(notebooks) >= 2 and cells == {build.colab_install_code()}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout")
def test_colab_first_cell_installs_the_course_and_loads_a_dataset(tmp_path, colab_like_python):
    cell = first_code_cell(ROOT / "notebooks" / "01_pixels_tensores.ipynb")
    assert COLAB_DIR in cell and GITHUB_URL in cell, "the Colab cell changed: update this test"
    target = colab_target(tmp_path)
    cell_file = tmp_path / "cell.py"
    cell_file.write_text(cell.replace(COLAB_DIR, target), encoding="utf-8")
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER, encoding="utf-8")
    stand_in = tmp_path / "stand_in" / "google" / "colab"
    stand_in.mkdir(parents=True)
    (stand_in / "__init__.py").write_text('"""Stand-in for Colab\'s google.colab."""\n')
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f'[url "file://{ROOT}"]\n\tinsteadOf = {GITHUB_URL}\n')
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(gitconfig), "GIT_CONFIG_NOSYSTEM": "1",
           "PYTHONPATH": str(tmp_path / "stand_in"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    try:
        result = subprocess.run([colab_like_python, str(runner), str(cell_file)], env=env,
                                cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        report = json.loads(result.stdout.strip().splitlines()[-1])
        assert Path(report["course_utils"]).resolve().is_relative_to(Path(target).resolve())
        assert (Path(target) / ".git").is_dir()
        assert report["train"][1:] == [28, 28] and report["train"][0] > 0
        assert report["dtype"] == "uint8" and set(report["labels"]) <= set(range(10))
    finally:
        if target == COLAB_DIR:
            shutil.rmtree(target, ignore_errors=True)
