"""The whole hand-in, end to end: a notebook run as JupyterLab runs it calls save_submission,
the zip it writes holds the notebook, running it again changes nothing, and ``course grade
--execute`` on that zip re-runs the notebook in the sandbox: ``notebook = ran``."""

from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from course_utils import grading
from course_utils.challenge import EXPERIMENTS_FILE, MODEL_FILE

pytestmark = pytest.mark.slow  # among the longest test files: conftest.py runs them first

STUDENT_CODE = """\
from course_utils.challenge import save_submission, self_check
from course_utils.models import build_mnist_cnn

base = {"epochs": 1, "batch_size": 32, "filters": [4], "activation": "relu",
        "val_accuracy": 0.5, "train_seconds": 1.0}
runs = [base, {**base, "epochs": 2}, {**base, "batch_size": 64, "filters": [8]},
        {**base, "activation": "tanh"}]
archive = save_submission(build_mnist_cnn(filters=(4,)), runs, "maria", "submissao")
self_check(archive)
"""


def run_in_jupyterlab(notebook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Execute ``notebook`` in its folder with the kernel environment Jupyter Server gives."""
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    client = NotebookClient(nbformat.read(notebook, as_version=4), timeout=300,
                            kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}})
    client.execute()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_notebook_that_saves_its_submission_is_graded_ran_from_its_zip(tmp_path,
                                                                        monkeypatch):
    notebook = tmp_path / "lab" / "07_desafio_fashion_mnist.ipynb"
    notebook.parent.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(STUDENT_CODE)]),
                   notebook)
    run_in_jupyterlab(notebook, monkeypatch)
    folder = notebook.parent / "submissao"
    archive = folder / "entrega_maria.zip"
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == sorted([MODEL_FILE, EXPERIMENTS_FILE, notebook.name])
        assert zf.read(notebook.name) == notebook.read_bytes()

    before = snapshot(folder)
    run_in_jupyterlab(notebook, monkeypatch)  # the student runs everything again
    assert snapshot(folder) == before

    monkeypatch.delenv("JPY_SESSION_NAME")
    submissions = tmp_path / "turma"
    submissions.mkdir()
    (submissions / archive.name).write_bytes(archive.read_bytes())
    private = tmp_path / "privado" / "avaliacao.npz"
    private.parent.mkdir()
    rng = np.random.default_rng(0)
    np.savez(private, x=rng.integers(0, 256, (32, 28, 28), dtype=np.uint8),
             y=rng.integers(0, 10, 32).astype(np.uint8))
    result = grading.grade(submissions, private, tmp_path / "notas" / "notas.csv", workers=1,
                           timeout=120, execute=True, notebook_timeout=240)
    [row] = result["graded"]
    assert (row["status"], row["experiments"], row["notebook"]) == ("ok", "valid", "ran"), row
