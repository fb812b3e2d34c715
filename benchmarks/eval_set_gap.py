"""What perturbing a private evaluation set costs a model: why make-eval-set adds noise only.

Usage: python benchmarks/eval_set_gap.py [--epochs N]

Trains the lectures' MNIST model (``build_mnist_cnn()``) on the Fashion-MNIST training set
found by ``load_fashion_mnist(fast=False)``, then prints its accuracy on the test split as it
is and after each label-keeping change: a left-right flip, a shift of up to one pixel, the
noise of ``course make-eval-set`` (``grading.EVAL_NOISE``), and an evaluation set written by
``grading.make_eval_set`` itself. The grader's rubric assumes the last one scores like the
test split.
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np
from machine import cpu_name


def shifted(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each image rolled by -1, 0 or 1 pixel along each axis."""
    return np.stack([np.roll(image, tuple(rng.integers(-1, 2, size=2)), axis=(0, 1))
                     for image in images])


def noisy(images: np.ndarray, rng: np.random.Generator, levels: int) -> np.ndarray:
    """Each pixel moved by at most ``levels`` grey levels, clipped to 0..255."""
    noise = rng.integers(-levels, levels + 1, size=images.shape, dtype=np.int16)
    return np.clip(images.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4, help="default 4")
    args = parser.parse_args()

    from course_utils import config, grading
    from course_utils.challenge import model_accuracy, prepare_images
    from course_utils.datasets import load_fashion_mnist
    from course_utils.models import build_mnist_cnn

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(fast=False)
    config.set_seed(0)
    model = build_mnist_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(prepare_images(x_train), y_train, epochs=args.epochs, batch_size=128, verbose=0)
    rng = np.random.default_rng(0)
    variants = {
        "test split as is": x_test,
        "flipped left-right": x_test[:, :, ::-1],
        "shifted by up to 1 pixel": shifted(x_test, rng),
        f"noise of at most {grading.EVAL_NOISE} grey levels": noisy(
            x_test, rng, grading.EVAL_NOISE
        ),
    }
    print(f"data: {len(y_train)} train / {len(y_test)} test; "
          f"COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR', '(unset)')}; "
          f"machine: {cpu_name()}, {os.cpu_count()} cores")
    print(f"model: build_mnist_cnn(), {args.epochs} epochs, batch 128, seed 0")
    for name, images in variants.items():
        print(f"{name:>40}: accuracy {model_accuracy(model, images, y_test):.4f}")
    with tempfile.TemporaryDirectory() as folder:
        for seed in (1, 2):
            path = grading.make_eval_set(os.path.join(folder, f"{seed}.npz"), seed=seed,
                                         size=min(5000, len(y_test)))
            x, y, _ = grading.load_eval_set(path)
            name = f"make_eval_set(seed={seed})"
            print(f"{name:>40}: accuracy {model_accuracy(model, x, y):.4f}")


if __name__ == "__main__":
    main()
