"""Train lesson 07's final Fashion-MNIST configuration on the real data; report test accuracy.

Usage: python benchmarks/train_fashion.py [--epochs N]

Exactly what ``solutions/07_desafio_fashion_mnist.py`` does for its final run in full mode:
``course_utils.models.build_mnist_cnn`` with the filters and activation of
``course_utils.exercises.lesson07.FINAL_CONFIG`` grown by ``FINAL_ARCHITECTURE``, Adam with the
learning rate of ``cosine_adam``, sparse categorical cross-entropy, its epochs and batch size,
seed ``SEED``, trained on the lesson's stratified split (``reference_split``: 5/6 of the
training set, the other 1/6 for validation) and evaluated once on the test set. Fast mode is never used: the data is whatever
``course_utils.datasets.load_fashion_mnist(fast=False)`` finds ($COURSE_DATA_DIR, the Keras
cache or a download), and its sizes are printed. The goal on the full Fashion-MNIST
(60,000 / 10,000) is a test accuracy of at least 92.5 %.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from machine import cpu_name, print_training_report

GOAL = 0.925
"""Test accuracy expected on the full Fashion-MNIST."""


def main() -> None:
    from course_utils.exercises.lesson07 import FINAL_CONFIG, SEED

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--epochs", type=int, default=FINAL_CONFIG["epochs"],
        help=f"default {FINAL_CONFIG['epochs']} (FINAL_CONFIG)",
    )
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    from course_utils import config
    from course_utils.challenge import prepare_images
    from course_utils.datasets import load_fashion_mnist
    from course_utils.exercises.lesson07 import FINAL_ARCHITECTURE, cosine_adam, reference_split
    from course_utils.models import build_mnist_cnn
    from course_utils.timing import StepTimer

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(fast=False)
    x_tr, x_val, y_tr, y_val = reference_split(x_train, y_train)
    x_tr, x_val, x_test_in = prepare_images(x_tr), prepare_images(x_val), prepare_images(x_test)

    config.set_seed(SEED)
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
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

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
          f"batch size {FINAL_CONFIG['batch_size']}, seed {SEED}")
    print_training_report(
        history, timer.epoch_seconds, train_seconds, (test_loss, test_accuracy), GOAL,
        "Fashion-MNIST (60,000/10,000)", full=len(x_train) == 60000 and len(x_test) == 10000,
    )


if __name__ == "__main__":
    main()
