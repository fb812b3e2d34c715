"""The class report: one HTML page with its plots inside, opened in a real (headless) browser.

A gradebook of a made-up class is written here (every status, scored models with their
``grading-data`` records, a similarity pair); ``course grade report`` turns it into
``report.html``. Headless Chromium then opens the page and takes a screenshot: the plots must
be drawn in it, not only present in the file.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course_utils import cli, datasets, grading
from course_utils.grading import report, similarity

PLOT_BLUE = (0x48, 0x78, 0xA8)
"""The colour of the report's bars and points."""


def write_class(folder: Path) -> Path:
    """A gradebook of 12 students (9 scored, one of each other status kind) with records."""
    rng = np.random.default_rng(0)
    labels = np.arange(200) % 10
    rows = []
    for i in range(12):
        status = "ok" if i < 9 else ("rejected_model", "timeout", "missing_files")[i - 9]
        row = dict.fromkeys(grading.COLUMNS, "")
        row.update(student=f"estudante.{i:02d}", status=status, points="0", eval_set="abc",
                   experiments="valid")
        if status == "ok":
            predictions = np.where(rng.random(200) < 0.7 + 0.025 * i, labels,
                                   rng.integers(0, 10, 200))
            accuracy = float(np.mean(predictions == labels))
            row.update(accuracy=f"{accuracy:.4f}", points=str(3 + i % 5))
            matrix = similarity.confusion(predictions, labels)
            record = similarity.Record(predictions.astype(np.uint8), f"h{i}", "arch",
                                       np.zeros(4, np.float32), 10_000 * (i + 1),
                                       np.diag(matrix) / matrix.sum(axis=1), "abc")
            similarity.save_record(folder / similarity.DATA_FOLDER, row["student"], record)
        rows.append(row)
    gradebook = folder / "gradebook.csv"
    with open(gradebook, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=grading.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    pair = similarity.Pair("estudante.01", "estudante.02", "identical_weights", 1.0,
                           "the same weight arrays")
    similarity.write_pairs([pair], folder / similarity.SIMILARITY_FILE)
    return gradebook


def images(page: str) -> list[Image.Image]:
    found = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    return [Image.open(io.BytesIO(base64.b64decode(data))) for data in found]


def test_the_report_holds_every_part_with_its_plots(tmp_path):
    gradebook = write_class(tmp_path)
    assert cli.main(["grade", "report", str(gradebook)]) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    plots = images(page)
    assert len(plots) == 4  # status, points, accuracy × parameters, per class
    assert all(plot.format == "PNG" and min(plot.size) > 100 for plot in plots)
    for text in ("rejected_model", "timeout", "missing_files", "estudante.01", "estudante.02",
                 "identical_weights", *datasets.FASHION_CLASSES):
        assert text in page
    assert "Ranking" not in page and not (tmp_path / report.LEADERBOARD_FILE).exists()


def test_the_leaderboard_uses_stable_pseudonyms_and_no_names(tmp_path):
    gradebook = write_class(tmp_path)
    assert cli.main(["grade", "report", str(gradebook), "--leaderboard"]) == 0
    board = (tmp_path / report.LEADERBOARD_FILE).read_text(encoding="utf-8")
    assert "estudante." not in board
    with open(tmp_path / report.PSEUDONYMS_FILE, newline="", encoding="utf-8") as f:
        names = {row["student"]: row["pseudonym"] for row in csv.DictReader(f)}
    assert len(set(names.values())) == 12
    ranked = re.findall(r"<td>(Participante \w+)</td>", board)
    accuracy = {row["student"]: float(row["accuracy"])
                for row in grading.read_gradebook(gradebook) if row["accuracy"]}
    best = max(accuracy, key=accuracy.get)
    assert len(ranked) == 9 and ranked[0] == names[best]
    assert cli.main(["grade", "report", str(gradebook), "--leaderboard"]) == 0
    assert (tmp_path / report.LEADERBOARD_FILE).read_text(encoding="utf-8") == board


def test_a_file_the_report_did_not_write_is_never_replaced(tmp_path, capsys):
    gradebook = write_class(tmp_path)
    (tmp_path / "report.html").write_text("<p>minhas notas</p>")
    assert cli.main(["grade", "report", str(gradebook)]) == 2
    assert "not a report" in capsys.readouterr().err
    assert (tmp_path / "report.html").read_text() == "<p>minhas notas</p>"


def test_the_report_without_records_or_pairs_says_so(tmp_path):
    gradebook = write_class(tmp_path)
    shutil.rmtree(tmp_path / similarity.DATA_FOLDER)
    (tmp_path / similarity.SIMILARITY_FILE).unlink()
    page = (report.write_report(gradebook)).read_text(encoding="utf-8")
    assert len(images(page)) == 2 and "grading-data" in page and "similarity.csv" in page


def chromium() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                "google-chrome"))), None)


@pytest.mark.skipif(chromium() is None, reason="no chromium binary on PATH "
                    "(apt-get install chromium; .ci/run installs it)")
def test_the_report_opens_in_a_real_browser(tmp_path):
    """Headless Chromium renders the page: the screenshot shows the plots' colour."""
    gradebook = write_class(tmp_path)
    page = report.write_report(gradebook)
    shot = tmp_path / "shot.png"
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
               "--window-size=1000,2400", "--hide-scrollbars", f"--screenshot={shot}",
               page.resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert shot.is_file(), done.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape[:2] == (2400, 1000)
    blue = np.all(np.abs(pixels.astype(int) - PLOT_BLUE) <= 8, axis=-1)
    assert blue.sum() > 5000  # bars and points of the plots, drawn on screen
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200  # text, axes, antialiasing
