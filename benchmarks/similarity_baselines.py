"""False positives of the grader's copied-model check on independently trained baselines.

Usage: python benchmarks/similarity_baselines.py [--models DIR] [--count 20] [--epochs 1]
       [--train-size 20000]

Trains ``--count`` copies of lesson 07's baseline (``build_mnist_cnn`` with the lesson's
``BASELINE``: filters (32, 64), ReLU, batch 128, Adam), each with its own seed, for
``--epochs`` epochs on the first ``--train-size`` images of the lesson's training split of
the Fashion-MNIST found by ``load_fashion_mnist(fast=False)``, and saves each with
``model.save`` (``--models``: a folder kept between runs, so a second run only recomputes
the comparison). Every pair is
compared by ``grading.similarity.compare`` on the test split, as the grader compares a class:
a flagged pair of independent baselines is a false positive. Then the positive controls: a
copy of baseline 0 (re-saved), baseline 0 trained one more epoch on the validation split
(a fine-tuned copy), and a second model trained with baseline 0's seed (what two students
get when both keep the lesson's seed and settings).
"""

from __future__ import annotations

import argparse
import os
import time
from itertools import combinations
from pathlib import Path

import numpy as np
from machine import cpu_name


def train(seed: int, epochs: int, data: dict, path: Path) -> None:
    """Train one baseline with ``seed`` and save it to ``path`` (skipped when it exists)."""
    if path.exists():
        return
    from course_utils import config
    from course_utils.models import build_mnist_cnn

    config.set_seed(seed)
    model = build_mnist_cnn(filters=(32, 64), activation="relu")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(data["x_tr"], data["y_tr"], epochs=epochs, batch_size=128, verbose=0)
    model.save(path)


def fine_tune(source: Path, data: dict, path: Path) -> None:
    """``source`` trained one more epoch (Adam, default rate) on the validation split."""
    if path.exists():
        return
    import keras

    model = keras.saving.load_model(source, compile=False)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(data["x_val"], data["y_val"], epochs=1, batch_size=128, verbose=0)
    model.save(path)


def record(path: Path, x_test: np.ndarray, y_test: np.ndarray) -> object:
    """The grader's record of the model file ``path`` (predictions on ``x_test``)."""
    import keras

    from course_utils.grading import similarity

    model = keras.saving.load_model(path, compile=False)
    predictions = np.argmax(model.predict(x_test, batch_size=512, verbose=0), axis=1)
    return similarity.make_record(path, predictions, y_test, "test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=Path("similarity-baselines"),
                        help="folder of the trained models (default ./similarity-baselines)")
    parser.add_argument("--count", type=int, default=20, help="baselines (default 20)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs each (default 1)")
    parser.add_argument("--train-size", type=int, default=20000,
                        help="training images (default 20000 of the split's 50000)")
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    from course_utils.challenge import prepare_images
    from course_utils.datasets import load_fashion_mnist
    from course_utils.exercises.lesson07 import VAL_FRACTION
    from course_utils.lessons import reference_split

    threads = int(os.environ.get("OMP_NUM_THREADS", "2"))
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(fast=False)
    x_tr, x_val, y_tr, y_val = reference_split(x_train, y_train, VAL_FRACTION)
    x_tr, y_tr = x_tr[: args.train_size], y_tr[: args.train_size]
    data = {"x_tr": prepare_images(x_tr), "y_tr": y_tr,
            "x_val": prepare_images(x_val), "y_val": y_val}
    x_in = prepare_images(x_test)
    print(f"machine: {cpu_name()}, {threads} TensorFlow thread(s)")
    print(f"data: {len(y_tr)} training, {len(y_val)} validation, {len(y_test)} test images")

    args.models.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    paths = [args.models / f"baseline_{seed:02d}.keras" for seed in range(args.count)]
    for seed, path in enumerate(paths):
        train(seed, args.epochs, data, path)
    fine_tuned = args.models / "baseline_00_fine_tuned.keras"
    fine_tune(paths[0], data, fine_tuned)
    twin = args.models / "baseline_00_same_seed.keras"
    train(0, args.epochs, data, twin)
    copy = args.models / "baseline_00_copy.keras"
    if not copy.exists():
        keras.saving.load_model(paths[0], compile=False).save(copy)
    print(f"training (models not already in {args.models}): "
          f"{time.perf_counter() - start:.0f} s")

    from course_utils.grading import similarity

    records = {path.stem: record(path, x_in, y_test)
               for path in [*paths, copy, fine_tuned, twin]}
    accuracies = [np.mean(records[p.stem].predictions == y_test) for p in paths]
    print(f"baseline test accuracy: {min(accuracies):.4f} to {max(accuracies):.4f}")
    distances, scores, flagged = [], [], []
    for a, b in combinations([p.stem for p in paths], 2):
        ra, rb = records[a], records[b]
        distances.append(similarity.relative_distance(ra.sample, rb.sample))
        scores.append(similarity.same_errors(ra.predictions, rb.predictions, y_test)[0])
        found = similarity.compare(ra, rb, y_test)
        if found:
            flagged.append((a, b, *found))
    pairs = len(distances)
    print(f"independent pairs: {pairs}; flagged (false positives): {len(flagged)} "
          f"= {len(flagged) / pairs:.1%}")
    for pair in flagged:
        print("  false positive:", *pair)
    print(f"weight distance of independent pairs: min {min(distances):.3f}, median "
          f"{np.median(distances):.3f} (fine_tuned flags <= {similarity.FINE_TUNED_DISTANCE})")
    print(f"same_errors score of independent pairs: median {np.median(scores):.3f}, max "
          f"{max(scores):.3f} (flags >= {similarity.SAME_ERRORS_SCORE})")

    base = records[paths[0].stem]
    controls = {"re-saved copy": records[copy.stem],
                "fine-tuned one epoch": records[fine_tuned.stem],
                "same seed and settings": records[twin.stem]}
    for name, other in controls.items():
        distance = similarity.relative_distance(base.sample, other.sample)
        score = similarity.same_errors(base.predictions, other.predictions, y_test)[0]
        print(f"control {name}: {similarity.compare(base, other, y_test)} "
              f"(weights {distance:.3f} apart, same_errors {score:.3f})")


if __name__ == "__main__":
    main()
