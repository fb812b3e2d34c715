"""Time `course grade` (model only) on a class's Moodle download.

Usage: python benchmarks/grade_class.py [--students 200] [--size 2000] [--workers N]

Builds what an instructor downloads from Moodle ("Download all submissions", 4.1+ folders):
one ``<Nome>_<id>_assignsubmission_file/entrega_<id>.zip`` per student, the archive
``save_submission`` writes (small CNNs of 4 to 16 filters, a quarter of them with their own
``Rescaling(1/255)`` taking pixels 0-255; untrained), zipped as the class's ``.zip``; and a
private evaluation set. It grades the zip once as an instructor would (default workers: the
number of cores, each a warm sandbox that imports Keras once), and prints the seconds per
submission, the machine, and one cold ``python -c "import keras"`` timed in the same run, so
that the figures carry to another machine as ratios. The evaluation set is drawn from
``$COURSE_DATA_DIR`` when it is set, else random images.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from course_utils import grading

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import cpu_name  # noqa: E402


def build_class(root: Path, students: int) -> Path:
    """``students`` submissions as Moodle's download zip; its path."""
    import keras

    from course_utils.challenge import save_submission
    from course_utils.models import build_mnist_cnn

    base = {"epochs": 2, "batch_size": 64, "filters": [8], "activation": "relu",
            "val_accuracy": 0.8, "train_seconds": 1.0}
    runs = [base, {**base, "epochs": 3}, {**base, "batch_size": 32, "filters": [4]},
            {**base, "activation": "tanh"}]
    notebook = Path(__file__).resolve().parents[1] / "solutions" / "07_desafio_fashion_mnist.ipynb"
    keras.utils.set_random_seed(0)
    download = root / "Desafio-Fashion-MNIST.zip"
    with zipfile.ZipFile(download, "w") as zf:
        for i in range(students):
            model = build_mnist_cnn(filters=(4 + 4 * (i % 4),))
            if i % 4 == 3:  # preprocessing inside, as Keras advises: takes pixels 0-255
                model = keras.Sequential([keras.Input((28, 28, 1)),
                                          keras.layers.Rescaling(1 / 255), model])
            with contextlib.redirect_stdout(io.StringIO()):
                archive = save_submission(model, runs, f"aluno{i:03d}", root / f"s{i:03d}",
                                          notebook=notebook)
            folder = f"Estudante Número {i:03d}_{1000 + i}_assignsubmission_file"
            zf.write(archive, f"{folder}/{archive.name}")
            shutil.rmtree(root / f"s{i:03d}")
    return download


def eval_set(path: Path, size: int) -> str:
    """Write the evaluation set; say where its images come from."""
    if os.environ.get("COURSE_DATA_DIR"):
        grading.make_eval_set(path, seed=0, size=size)
        return f"Fashion-MNIST test split ({os.environ['COURSE_DATA_DIR']}), {size} images"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.integers(0, 256, (size, 28, 28), dtype=np.uint8),
             y=rng.integers(0, 10, size))
    return f"{size} random images"


def cold_import_seconds() -> float:
    """Wall seconds of one ``python -c "import keras"`` in a fresh interpreter."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import keras"], check=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--size", type=int, default=2000, help="images in the evaluation set")
    parser.add_argument("--workers", type=int, default=None, help="default: the cores")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="grade-bench-") as tmp:
        root = Path(tmp)
        download = build_class(root, args.students)
        source = eval_set(root / "private.npz", args.size)
        command = [sys.executable, "-m", "course_utils.cli", "grade", str(download),
                   "--eval-set", str(root / "private.npz"), "--out", str(root / "gradebook.csv")]
        if args.workers:
            command += ["--workers", str(args.workers)]
        load_before = os.getloadavg()[0]
        cold_import = cold_import_seconds()
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        rows = grading.read_gradebook(root / "gradebook.csv")

    statuses = {row["status"] for row in rows}
    per_student = [float(row["seconds"]) for row in rows]
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, load average {load_before:.1f} "
          f"before, {os.getloadavg()[0]:.1f} after")
    print(f"evaluation set: {source}")
    scales = sorted({row["pixel_scale"] for row in rows})
    print(f"{len(rows)} submissions (a Moodle download zip), statuses {sorted(statuses)}, "
          f"pixel scales {scales}, workers {args.workers or os.cpu_count()}")
    print(f"wall clock: {seconds:.1f} s in all, {seconds / len(rows):.2f} s per submission")
    print(f"one submission (a fresh child of its worker's warm sandbox; the worker's start "
          f"not counted): median {statistics.median(per_student):.1f} s, "
          f"max {max(per_student):.1f} s")
    print(f"one cold `python -c \"import keras\"`, same run: {cold_import:.1f} s; the class "
          f"took {seconds / cold_import:.1f} of them, one submission "
          f"{seconds / len(rows) / cold_import:.2f}")


if __name__ == "__main__":
    main()
