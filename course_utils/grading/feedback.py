"""The pt-BR feedback of one gradebook row, as the student reads it."""

from __future__ import annotations

from course_utils import challenge
from course_utils.grading.gradebook import parse_scale_accuracies
from course_utils.grading.rubric import Rubric

_STATUS_PT = {
    "ok": "modelo carregado e avaliado",
    "missing_files": f"não encontrei o arquivo {challenge.MODEL_FILE} na entrega",
    "invalid_archive": "a entrega não pôde ser aberta (zip corrompido, caminhos inseguros, "
                       "links ou tamanho excessivo)",
    "invalid_model": f"{challenge.MODEL_FILE} não é um modelo Keras que carrega "
                     "(salve com model.save('model.keras'))",
    "rejected_model": "o arquivo do modelo foi recusado antes de carregar: camadas fora da "
                      "lista permitida (Lambda ou classes próprias) ou algo que model.save "
                      "não grava (caminhos de arquivo, links, arquivos extras); use só "
                      "camadas prontas do Keras e salve com model.save('model.keras')",
    "timeout": "o modelo demorou demais para carregar e classificar as imagens",
    "out_of_memory": "o modelo usou memória demais",
    "crashed": "o processo do modelo terminou sem resposta",
    "wrong_predictions": "as previsões não têm o formato esperado (entrada (28, 28, 1), "
                         "saída com 10 classes)",
}

_NOTEBOOK_PT = {
    "": "não executado nesta correção",
    "ran": "rodou de cima a baixo",
    "failed": "parou com um erro",
    "timeout": "passou do tempo limite",
    "out_of_memory": "usou memória demais",
    "crashed": "o kernel morreu",
    "missing": "nenhum notebook (.ipynb) na entrega",
}

_EXPERIMENTS_PT = {
    "valid": "válidos",
    "invalid": "inválidos",
    "missing": f"{challenge.EXPERIMENTS_FILE} não encontrado",
}


def feedback_text(row: dict[str, str], rubric: Rubric, size: int) -> str:
    """The pt-BR feedback of one gradebook row (Markdown)."""
    accuracy = float(row["accuracy"]) if row["accuracy"] else None
    accuracy_points, threshold = rubric.accuracy_points(accuracy)
    lines = [
        f"# Desafio Fashion-MNIST: correção de {row['name'] or row['student']}",
        "",
        f"- **Situação:** `{row['status']}`: {_STATUS_PT[row['status']]}.",
    ]
    if accuracy is not None:
        reached = f" (limiar {threshold:g} atingido)" if threshold is not None else ""
        lines.append(f"- **Acurácia** no conjunto de avaliação privado ({size} imagens): "
                     f"{accuracy:.4f}{reached}: {accuracy_points:g} ponto(s).")
    lines += _scale_lines(row)
    experiment_points = rubric.experiments if row["experiments"] == "valid" else 0
    lines.append(f"- **Experimentos:** {_EXPERIMENTS_PT[row['experiments']]}: "
                 f"{experiment_points:g} ponto(s).")
    notebook_points = rubric.notebook if row["notebook"] == "ran" else 0
    lines.append(f"- **Notebook:** {_NOTEBOOK_PT[row['notebook']]}: "
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

