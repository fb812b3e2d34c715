"""The pt-BR feedback of one gradebook row, as the student reads it."""

from __future__ import annotations

from course_utils import challenge
from course_utils.grading.gradebook import parse_scale_accuracies
from course_utils.grading.rubric import Rubric
from course_utils.grading.status import ExperimentsStatus, NotebookStatus, Status


def feedback_text(row: dict[str, str], rubric: Rubric, size: int) -> str:
    """The pt-BR feedback of one gradebook row (Markdown)."""
    accuracy = float(row["accuracy"]) if row["accuracy"] else None
    accuracy_points, threshold = rubric.accuracy_points(accuracy)
    lines = [
        f"# Desafio Fashion-MNIST: correção de {row['name'] or row['student']}",
        "",
        f"- **Situação:** `{row['status']}`: {Status(row['status']).portuguese}.",
    ]
    if accuracy is not None:
        reached = f" (limiar {threshold:g} atingido)" if threshold is not None else ""
        lines.append(f"- **Acurácia** no conjunto de avaliação privado ({size} imagens): "
                     f"{accuracy:.4f}{reached}: {accuracy_points:g} ponto(s).")
    lines += _scale_lines(row)
    experiments = ExperimentsStatus(row["experiments"])
    experiment_points = rubric.experiments if experiments == ExperimentsStatus.VALID else 0
    lines.append(f"- **Experimentos:** {experiments.portuguese}: "
                 f"{experiment_points:g} ponto(s).")
    notebook = NotebookStatus(row["notebook"])
    notebook_points = rubric.notebook if notebook == NotebookStatus.RAN else 0
    lines.append(f"- **Notebook:** {notebook.portuguese}: "
                 f"{notebook_points:g} ponto(s).")
    lines += ["", f"**Nota: {row['points']} de {rubric.total:g}.**"]
    if row["message"]:
        lines += ["", "Detalhes (mensagem do corretor, em inglês):", "", "```text",
                  row["message"].replace("```", "'''"), "```"]
    return "\n".join(lines) + "\n"


def _scale_lines(row: dict[str, str]) -> list[str]:
    """The pixel scale the model was scored with and, when unusual, why (pt-BR)."""
    if row["pixel_scale"] not in challenge.SCALE_NAMES:
        return []
    lines = [f"- **Escala de pixels** usada para avaliar o modelo: "
             f"{challenge.SCALE_NAMES[row['pixel_scale']]} (escolhida em imagens públicas de "
             "treino do Fashion-MNIST, fora do conjunto de avaliação)."]
    accuracies = parse_scale_accuracies(row["scale_accuracies"])
    if set(accuracies) == set(challenge.PIXEL_SCALES):
        diagnosis = challenge.scale_diagnosis(accuracies)
        if diagnosis:
            lines.append(f"- **Atenção:** {diagnosis}.")
    return lines

