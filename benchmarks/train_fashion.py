"""Train lesson 07's bigger Fashion-MNIST model on the real data; report the challenge's tier.

Usage: python benchmarks/train_fashion.py [--epochs N] [--seed S]

Exactly what ``solutions/07_desafio_fashion_mnist.py`` trains in full mode in its section
"Para subir de faixa", a cell every student sees: ``course_utils.models.build_mnist_cnn`` with
the filters and activation of ``course_utils.exercises.lesson07.FINAL_CONFIG`` grown by
``FINAL_ARCHITECTURE`` (only what lessons 02-07 teach: "same" padding, two convolutions per
block, a hidden dense layer, dropout; no batch normalization), Adam with the learning rate of
``cosine_adam``, sparse categorical cross-entropy, its epochs and batch size, seed ``--seed``
(default ``lessons.SEED``; a student's seed comes from ``lessons.student_seed``), trained on
the lesson's stratified split (``lessons.reference_split``: 5/6 of the training set, the other
1/6 for validation) and evaluated once on the test set and on an evaluation set made like the
grader's (``course make-eval-set``: a stratified half of the test split, each pixel moved by at
most 6 grey levels). Fast mode is never used: the data is whatever
``course_utils.datasets.load_fashion_mnist(fast=False)`` finds ($COURSE_DATA_DIR, the Keras
cache or a download), and its sizes are printed. The goal on the full Fashion-MNIST
(60,000 / 10,000) is the rubric's top tier (``grading.load_rubric()``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import cpu_name, print_training_report


def main() -> None:
    from course_utils import lessons
    from course_utils.exercises.lesson07 import FINAL_CONFIG, VAL_FRACTION

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--epochs", type=int, default=FINAL_CONFIG["epochs"],
        help=f"default {FINAL_CONFIG['epochs']} (FINAL_CONFIG)",
    )
    parser.add_argument("--seed", type=int, default=lessons.SEED,
                        help=f"initial weights and shuffling (default {lessons.SEED})")
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    from course_utils import config
    from course_utils.challenge import prepare_images
    from course_utils.datasets import load_fashion_mnist
    from course_utils.exercises.lesson07 import FINAL_ARCHITECTURE, cosine_adam
    from course_utils.grading import load_rubric
    from course_utils.grading.evalset import load_eval_set, make_eval_set
    from course_utils.models import build_mnist_cnn
    from course_utils.timing import StepTimer

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(fast=False)
    x_tr, x_val, y_tr, y_val = lessons.reference_split(x_train, y_train, VAL_FRACTION)
    x_tr, x_val, x_test_in = prepare_images(x_tr), prepare_images(x_val), prepare_images(x_test)
    with tempfile.TemporaryDirectory() as folder:
        x_eval, y_eval, _ = load_eval_set(make_eval_set(Path(folder) / "eval.npz", seed=0))

    config.set_seed(args.seed)
    model = build_mnist_cnn(
        filters=FINAL_CONFIG["filters"],
        activation=FINAL_CONFIG["activation"],
        **FINAL_ARCHITECTURE,
    )
    steps_per_epoch = int(np.ceil(len(y_tr) / FINAL_CONFIG["batch_size"]))
    model.compile(
        optimizer=cosine_adam(args.epochs, steps_per_epoch),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    timer = StepTimer()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    start = time.perf_counter()
    history = model.fit(
        x_tr,
        y_tr,
        epochs=args.epochs,
        batch_size=FINAL_CONFIG["batch_size"],
        validation_data=(x_val, y_val),
        callbacks=[timer],
        verbose=2,
    )
    train_seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(x_test_in, y_test, batch_size=500, verbose=0)
    _, eval_accuracy = model.evaluate(prepare_images(x_eval), y_eval, batch_size=500, verbose=0)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    rubric = load_rubric()
    goal = max(minimum for minimum, _ in rubric.accuracy)
    gpus = tf.config.list_physical_devices("GPU")
    print()
    print(f"data: {len(x_train)} train ({len(y_tr)} fit + {len(y_val)} validation, stratified), "
          f"{len(x_test)} test; COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR', '(unset)')}")
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, "
          f"{'GPU: ' + ', '.join(g.name for g in gpus) if gpus else 'no GPU'}; "
          f"load average {load_before:.1f} before, {load_after:.1f} after; "
          f"TensorFlow {tf.__version__}, Keras {keras.__version__}")
    grown = ", ".join(f"{key}={value!r}" for key, value in FINAL_ARCHITECTURE.items())
    print(f"model: build_mnist_cnn(filters={tuple(FINAL_CONFIG['filters'])}, "
          f"activation={FINAL_CONFIG['activation']!r}, {grown}), "
          f"{model.count_params()} parameters; Adam with cosine decay from 1e-3 to 0; "
          f"batch size {FINAL_CONFIG['batch_size']}, seed {args.seed}")
    print_training_report(
        history, timer.epoch_seconds, train_seconds, (test_loss, test_accuracy), goal,
        "Fashion-MNIST (60,000/10,000)", full=len(x_train) == 60000 and len(x_test) == 10000,
    )
    points, tier = rubric.accuracy_points(eval_accuracy)
    print(f"evaluation set like the grader's ({len(y_eval)} noisy test images, seed 0): "
          f"accuracy {eval_accuracy:.4f}; rubric tier {tier} ({points:g} points)")


if __name__ == "__main__":
    main()
