"""Train lesson 06's MNIST CNN on the real data and report its test accuracy.

Usage: python benchmarks/train_mnist.py [--epochs N]

Same model and hyperparameters as ``solutions/06_mnist_mao_na_massa.py``:
``course_utils.models.build_mnist_cnn()`` (Conv 32 → Pool → Conv 64 → Pool → Flatten →
Dropout 0.5 → Dense softmax), Adam, sparse categorical cross-entropy, 15 epochs, batch
size 128, ``validation_split=0.1``, seed 42. Fast mode is never used: the data is
whatever ``course_utils.datasets.load_mnist(fast=False)`` finds ($COURSE_DATA_DIR, the
Keras cache or a download), and its sizes are printed. The goal on the full MNIST
(60,000 / 10,000) is a test accuracy of at least 99.2 %.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from machine import print_training_report

EPOCHS = 15
BATCH_SIZE = 128
VALIDATION_SPLIT = 0.1
SEED = 42
GOAL = 0.992
"""Test accuracy expected on the full MNIST."""


def preprocess(x: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) → float32 (N, 28, 28, 1) in [0, 1], as in the lesson."""
    return (x.astype("float32") / 255.0)[..., np.newaxis]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"default {EPOCHS}")
    args = parser.parse_args()

    import keras

    from course_utils import config
    from course_utils.datasets import load_mnist
    from course_utils.models import build_mnist_cnn
    from course_utils.timing import StepTimer

    config.set_seed(SEED)
    (x_train, y_train), (x_test, y_test) = load_mnist(fast=False)
    x_train, x_test = preprocess(x_train), preprocess(x_test)

    model = build_mnist_cnn()
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    timer = StepTimer()
    start = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=args.epochs,
        validation_split=VALIDATION_SPLIT,
        callbacks=[timer],
        verbose=2,
    )
    train_seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)

    n_fit = len(x_train) - int(round(len(x_train) * VALIDATION_SPLIT))
    print()
    print(f"data: {len(x_train)} train ({n_fit} fit + {len(x_train) - n_fit} validation), "
          f"{len(x_test)} test; COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR', '(unset)')}")
    print(f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} cores; "
          f"TensorFlow {keras.config.backend()} backend, Keras {keras.__version__}")
    print(f"model: build_mnist_cnn(), {model.count_params()} parameters; "
          f"batch size {BATCH_SIZE}, seed {SEED}")
    print_training_report(
        history, timer.epoch_seconds, train_seconds, (test_loss, test_accuracy), GOAL,
        "MNIST (60,000/10,000)", full=len(x_train) == 60000 and len(x_test) == 10000,
    )


if __name__ == "__main__":
    main()
