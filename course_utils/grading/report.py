"""The class report: ``course grade report gradebook.csv`` writes one self-contained HTML page.

Its plots are PNG images inside the page (base64), so the file opens in any browser, offline,
and can be mailed as it is: the points' histogram, accuracy against the number of parameters,
the class's accuracy per Fashion-MNIST class, the count per status, the pairs of
:mod:`~.similarity` (``similarity.csv``) and, with ``leaderboard=True``, a ranking under
pseudonyms. The page is in Portuguese, like everything students may see; the ranking is also
written alone (``leaderboard.html``) to be shown to the class, with the pseudonym of each
student in ``leaderboard-pseudonyms.csv`` for the instructor only. Pseudonyms are an HMAC of
the student under a random key kept in ``grading-data/``: the same at every report, and
nobody without the key can compute a classmate's.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import html
import io
import os
import secrets
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from course_utils import datasets
from course_utils.grading import similarity
from course_utils.grading.errors import GradingError
from course_utils._atomic import write_atomic
from course_utils.grading.gradebook import read_gradebook
from course_utils.grading.status import Status

MARKER = "<!-- course grade report -->"
"""First line of every page this module writes: only such a file is ever replaced."""

LEADERBOARD_FILE = "leaderboard.html"
PSEUDONYMS_FILE = "leaderboard-pseudonyms.csv"
KEY_FILE = "pseudonym.key"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; }
th { background: #eee; } td.n { text-align: right; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
"""


# ------------------------------------------------------------------------ plots


def _png(figure: Any) -> str:
    """An ``<img>`` holding ``figure`` as a base64 PNG; the figure is closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{data}">'


def _figure(title: str, xlabel: str, ylabel: str) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(7, 3.6))
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    return figure, ax


def _integer_counts(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def points_histogram(points: list[float]) -> str:
    """Histogram of every student's points."""
    figure, ax = _figure("Distribuição das notas", "pontos", "alunos")
    top = max(points, default=0.0)
    ax.hist(points, bins=np.arange(0, np.ceil(top) + 1.5) - 0.5, color="#4878a8",
            edgecolor="white")
    _integer_counts(ax)
    return _png(figure)


def accuracy_vs_parameters(accuracy: list[float], parameters: list[int]) -> str:
    """Scatter of accuracy against the number of parameters (log scale)."""
    figure, ax = _figure("Acurácia × tamanho do modelo", "parâmetros (escala log)",
                         "acurácia")
    ax.scatter(parameters, accuracy, color="#4878a8", alpha=0.7)
    ax.set_xscale("log")
    return _png(figure)


def class_accuracy_plot(per_class: np.ndarray) -> str:
    """Bar chart of the mean accuracy of the class's models on each Fashion-MNIST class."""
    figure, ax = _figure("Acurácia média da turma por classe", "classe", "acurácia")
    ax.bar(datasets.FASHION_CLASSES, per_class, color="#4878a8")
    ax.set_ylim(0, 1)
    ax.tick_params(axis="x", rotation=45)
    return _png(figure)


def status_plot(counts: Counter) -> str:
    """Bar chart of the number of submissions per status."""
    figure, ax = _figure("Situação das entregas", "situação", "entregas")
    names = [status for status in Status.values() if counts[status]]
    ax.bar(names, [counts[name] for name in names], color="#4878a8")
    ax.tick_params(axis="x", rotation=45)
    _integer_counts(ax)
    return _png(figure)


# ------------------------------------------------------------------------ page parts


def _table(header: list[str], rows: list[list[Any]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{html.escape(str(v))}</td>'
                         for i, v in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _page(title: str, body: str) -> str:
    return (f"{MARKER}\n<!DOCTYPE html>\n<html lang=\"pt-BR\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>\n")


def pseudonyms(students: list[str], key: bytes) -> dict[str, str]:
    """``{student: "Participante XXXXXX"}``: an HMAC of the name under ``key``."""
    names = {}
    for student in students:
        digest = hmac.new(key, student.encode(), hashlib.sha256).digest()
        names[student] = "Participante " + base64.b32encode(digest).decode()[:6]
    return names


def _key(folder: Path) -> bytes:
    """The pseudonym key in ``folder`` (created once, random)."""
    path = folder / KEY_FILE
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, secrets.token_hex(32))
    return bytes.fromhex(path.read_text(encoding="utf-8").strip())


def leaderboard_rows(rows: list[dict[str, str]], names: dict[str, str]) -> list[list[Any]]:
    """``[rank, pseudonym, accuracy, points]`` of the scored models, best first."""
    scored = [row for row in rows if row["status"] == "ok" and row["accuracy"]]
    scored.sort(key=lambda row: (-float(row["accuracy"]), -float(row["points"]),
                                 names[row["student"]]))
    return [[rank, names[row["student"]], f"{float(row['accuracy']):.2%}", row["points"]]
            for rank, row in enumerate(scored, start=1)]


# ------------------------------------------------------------------------ the report


def _writable(path: Path) -> None:
    """Refuse to replace a file this module did not write."""
    if path.exists():
        with open(path, encoding="utf-8", errors="replace") as f:
            if f.readline().strip() != MARKER:
                raise GradingError(f"{path} exists and is not a report of `course grade "
                                   "report`; choose another --out")


def write_report(gradebook: str | os.PathLike, out: str | os.PathLike | None = None,
                 leaderboard: bool = False) -> Path:
    """Write the class report of ``gradebook`` (default ``report.html`` next to it).

    Reads the gradebook, its ``grading-data/`` records (parameters, per-class accuracy) and
    ``similarity.csv``; a part without its data says so instead of a plot. With
    ``leaderboard``, also writes :data:`LEADERBOARD_FILE` and :data:`PSEUDONYMS_FILE`.
    """
    gradebook = Path(gradebook)
    if not gradebook.is_file():
        raise GradingError(f"gradebook not found: {gradebook}")
    rows = read_gradebook(gradebook)
    out = gradebook.with_name("report.html") if out is None else Path(out)
    folder = gradebook.parent / similarity.DATA_FOLDER
    targets = [out] + ([out.with_name(LEADERBOARD_FILE)] if leaderboard else [])
    for target in targets:
        _writable(target)
    records = {row["student"]: similarity.load_record(folder, row["student"])
               for row in rows if row["status"] == "ok"}
    sections = [_summary(rows), _accuracy_parts(rows, records),
                _similarity_part(gradebook.parent / similarity.SIMILARITY_FILE)]
    if leaderboard:
        board = _leaderboard(rows, _key(folder), out.with_name(PSEUDONYMS_FILE))
        write_atomic(out.with_name(LEADERBOARD_FILE),
                     _page("Desafio Fashion-MNIST: ranking da turma", board))
        sections.append(board)
    write_atomic(out, _page(f"Desafio Fashion-MNIST: relatório da turma ({len(rows)} "
                            "entregas)", "".join(sections)))
    return out


def _summary(rows: list[dict[str, str]]) -> str:
    counts = Counter(row["status"] for row in rows)
    table = _table(["situação", "entregas"],
                   [[status, counts[status]] for status in Status.values() if counts[status]], {1})
    points = [float(row["points"]) for row in rows]
    parts = ["<h2>Situação das entregas</h2>", table]
    if rows:
        parts += [status_plot(counts), "<h2>Notas</h2>",
                  f"<p>Média {np.mean(points):.2f}, mediana {np.median(points):.2f} "
                  f"pontos.</p>", points_histogram(points)]
    return "".join(parts)


def _accuracy_parts(rows: list[dict[str, str]], records: dict[str, Any]) -> str:
    found = {student: record for student, record in records.items() if record is not None}
    parts = ["<h2>Acurácia × número de parâmetros</h2>"]
    if not found:
        return "".join(parts + ["<p>Sem dados dos modelos (pasta grading-data/ ausente).</p>"])
    accuracy = {row["student"]: float(row["accuracy"]) for row in rows if row["student"] in found}
    parts.append(accuracy_vs_parameters([accuracy[s] for s in found],
                                        [found[s].parameters for s in found]))
    per_class = np.mean([record.class_accuracy for record in found.values()], axis=0)
    parts += ["<h2>Acurácia da turma por classe</h2>", class_accuracy_plot(per_class),
              _table(["classe", "acurácia média"],
                     [[name, f"{value:.2%}"]
                      for name, value in zip(datasets.FASHION_CLASSES, per_class)], {1})]
    return "".join(parts)


def _similarity_part(path: Path) -> str:
    parts = ["<h2>Modelos parecidos (possíveis cópias)</h2>"]
    if not path.is_file():
        return "".join(parts + ["<p>Sem similarity.csv: comparação não feita.</p>"])
    pairs = similarity.read_pairs(path)
    if not pairs:
        return "".join(parts + ["<p>Nenhum par de modelos parecidos.</p>"])
    parts.append("<p>Indícios para o professor olhar; nenhuma nota foi alterada.</p>")
    parts.append(_table(["aluno A", "aluno B", "indício", "escore", "detalhes"],
                        [[p.student_a, p.student_b, p.evidence, f"{p.score:.2f}", p.details]
                         for p in pairs], {3}))
    return "".join(parts)


def _leaderboard(rows: list[dict[str, str]], key: bytes, mapping: Path) -> str:
    names = pseudonyms([row["student"] for row in rows], key)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["student", "pseudonym"])
    writer.writerows(sorted(names.items()))
    write_atomic(mapping, buffer.getvalue())
    table = _table(["posição", "participante", "acurácia", "pontos"],
                   leaderboard_rows(rows, names), {0, 2, 3})
    return ("<h2>Ranking (pseudônimos)</h2><p>Cada aluno recebe do professor o seu "
            "pseudônimo.</p>" + table)
