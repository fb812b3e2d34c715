"""``self_check``: a student's submission checked as the grader will check it.

It unpacks with the grader's rules (:mod:`.archive`), validates with :mod:`.contract` and
scores with :mod:`.scoring`, so a submission it accepts is one the grader can open, read and
score. The format it checks is stated in ``docs/submission-format.md``. The report is in
Portuguese.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from course_utils.challenge.archive import UnsafeArchive, unpack_submission
from course_utils.challenge.contract import (
    EXPERIMENTS_FILE,
    MODEL_FILE,
    load_experiments,
    load_model,
    notebooks_in,
    validate_model,
)
from course_utils.challenge.scoring import (
    SCALE_NAMES,
    choose_pixel_scale,
    classes_by_scale,
    public_sample,
    scale_diagnosis,
)

def self_check(path: str | os.PathLike, verbose: bool = True) -> dict[str, Any]:
    """Check a submission (its folder or its ``.zip``) as the grader will; print a report.

    The files are unpacked by the grader's own rules (:mod:`.archive`: no links, no paths
    leaving the archive, a budget of files and bytes), so what the grader would refuse as
    ``invalid_archive`` is a problem here too. The report is in Portuguese. The model is
    scored as the grader scores it: the pixel scale (:data:`~.scoring.PIXEL_SCALES`) is
    chosen on :func:`~.scoring.public_sample`, a sample of **training** images, so the test
    split stays untouched; a model near chance gets a warning with the likely cause. Returns
    ``{"valid": bool, "problems": [str], "warnings": [str], "accuracy": float | None,
    "scale": str | None}`` (``accuracy`` on that sample). Never raises for a broken
    submission: every problem is reported instead.
    """
    path = Path(path)
    report = _Report()
    if path.is_dir() or (path.is_file() and path.suffix.lower() == ".zip"):
        with tempfile.TemporaryDirectory(prefix="self-check-") as scratch:
            try:
                folder = unpack_submission(path, Path(scratch))
            except UnsafeArchive as error:
                report.bad(error.portuguese)
            else:
                _check_folder(folder, path.name, report)
    else:
        report.bad(f"{path} não existe (passe a pasta da entrega ou o seu .zip)")
    if report.problems:
        report.lines.append(f"Corrija {len(report.problems)} problema(s) antes de entregar {path}.")
    else:
        report.lines.append(f"Tudo certo: {path} está pronto para a entrega.")
    if verbose:
        print("\n".join(report.lines))
    return {"valid": not report.problems, "problems": report.problems,
            "warnings": report.warnings, "accuracy": report.accuracy, "scale": report.scale}


class _Report:
    """The lines of a :func:`self_check` report and what they found."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.accuracy: float | None = None
        self.scale: str | None = None

    def ok(self, text: str) -> None:
        self.lines.append(f"✅ {text}")

    def bad(self, text: str) -> None:
        self.lines.append(f"❌ {text}")
        self.problems.append(text)

    def warn(self, text: str) -> None:
        self.lines.append(f"⚠️ {text}")
        self.warnings.append(text)


def _check_folder(folder: Path, shown: str, report: _Report) -> None:
    """Check the unpacked files in ``folder``; ``shown`` names the submission in messages."""
    model_path, experiments_path = folder / MODEL_FILE, folder / EXPERIMENTS_FILE
    for file in (model_path, experiments_path):
        if file.is_file():
            report.ok(f"{file.name} encontrado")
        else:
            report.bad(f"{file.name} não encontrado em {shown}")
    notebooks = notebooks_in(folder)
    if notebooks:
        report.ok(f"notebook encontrado: {', '.join(notebooks)}")
    else:
        report.warn("nenhum notebook (.ipynb) na entrega: o ponto do notebook fica zerado")
    model = None
    if model_path.is_file():
        try:
            model = load_model(model_path)
            report.ok(f"{MODEL_FILE} carrega (safe_mode=True)")
        except Exception as error:  # a broken file: report, never raise
            report.bad(f"{MODEL_FILE} não carrega: {type(error).__name__}: {error}")
    if model is not None:
        try:
            validate_model(model)
            report.ok(
                f"formato do modelo: entrada {model.input_shape}, saída {model.output_shape}"
            )
        except ValueError as error:
            report.bad(f"formato do modelo errado: {error}")
            model = None
    if experiments_path.is_file():
        try:
            document = load_experiments(experiments_path)
            report.ok(
                f"{EXPERIMENTS_FILE} válido: {len(document['runs'])} execuções, "
                f"student_id {document['student_id']!r}"
            )
        except (OSError, ValueError) as error:
            report.bad(f"{EXPERIMENTS_FILE} inválido: {error}")
    if model is not None:
        _score(model, report)


def _score(model: Any, report: _Report) -> None:
    """Choose the pixel scale and measure the accuracy on :func:`public_sample`."""
    from course_utils import config

    try:
        images, labels = public_sample()
    except Exception as error:  # no data here: the submission may still be fine
        report.warn(f"não consegui carregar imagens do Fashion-MNIST para medir o modelo: {error}")
        return
    try:
        classes = classes_by_scale(model, images)
    except Exception as error:
        report.bad(f"o modelo falhou ao classificar imagens: {type(error).__name__}: {error}")
        return
    report.scale, accuracies = choose_pixel_scale(classes, labels)
    report.accuracy = accuracies[report.scale]
    mode = ", modo rápido" if config.FAST else ""
    report.ok(
        f"acurácia em {len(labels)} imagens de treino{mode}, com {SCALE_NAMES[report.scale]}: "
        f"{report.accuracy:.4f} (imagens que o modelo já viu: só um sinal de vida; a nota vem "
        "de um conjunto de avaliação privado)"
    )
    diagnosis = scale_diagnosis(accuracies)
    if diagnosis:
        report.warn(diagnosis)
