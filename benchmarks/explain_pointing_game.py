"""Lesson 14's pointing game on the real Fashion-MNIST: is each map's peak on the object?

Usage: python benchmarks/explain_pointing_game.py [--train N] [--epochs N] [--mapped N]
[--occluded N]

Each Fashion-MNIST item is pasted at a random place on a 64×64 noisy canvas
(``course_utils.explain.paste_on_canvas``, lesson 14's settings from
``course_utils.exercises.lesson14``), a VGG-style CNN is trained on the training canvases, and
on correctly classified test canvases we count how often the maximum of each map falls inside
the item's box: Grad-CAM, saliency, SmoothGrad and occlusion. Then the randomisation check of
Adebayo et al. (2018): the mean Spearman rank correlation between each method's maps for the
trained network and for the same architecture with random weights. Also the seconds per image
of each method. Fast mode is never used; the data is whatever ``load_fashion_mnist(fast=False)``
finds ($COURSE_DATA_DIR, the Keras cache or a download).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from machine import cpu_name

from course_utils import explain
from course_utils.datasets import load_fashion_mnist
from course_utils.exercises.lesson14 import (
    CANVAS,
    MAPPED,
    NOISE,
    OCCLUDED,
    PATCH,
    POINTING_EPOCHS,
    POINTING_FILTERS,
    POINTING_TRAIN,
    SMOOTH_SAMPLES,
    STRIDE,
    train_pointing_model,
)
from course_utils.lessons import SEED


def timed(function, *args, **kwargs) -> tuple[np.ndarray, float]:
    """``function(*args, **kwargs)`` and the seconds it took."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=POINTING_TRAIN)
    parser.add_argument("--epochs", type=int, default=POINTING_EPOCHS[0])
    parser.add_argument("--mapped", type=int, default=MAPPED[0])
    parser.add_argument("--occluded", type=int, default=OCCLUDED[0])
    args = parser.parse_args()
    print(f"machine: {cpu_name()}, {os.cpu_count()} CPU(s), load average "
          f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}")
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(fast=False)
    x_train, y_train = x_train[: args.train], y_train[: args.train]
    canvases, _ = explain.paste_on_canvas(x_train, CANVAS, NOISE, seed=SEED)
    test_canvases, boxes = explain.paste_on_canvas(x_test, CANVAS, NOISE, seed=SEED + 1)
    print(f"data: {len(x_train)} training / {len(x_test)} test canvases {CANVAS}×{CANVAS}, "
          f"noise {NOISE}; filters {POINTING_FILTERS}, {args.epochs} epochs")

    model, seconds = timed(train_pointing_model, canvases, y_train, POINTING_FILTERS,
                           args.epochs, verbose=2)
    predicted = model.predict(test_canvases, verbose=0).argmax(axis=1)
    right = np.flatnonzero(predicted == y_test)
    print(f"training: {seconds:.0f} s, {model.count_params():,} parameters; test accuracy "
          f"{len(right) / len(y_test):.4f}")
    chosen = right[: args.mapped]
    x, box, classes = test_canvases[chosen], boxes[chosen], predicted[chosen]
    chance = explain.box_area_fraction(box, CANVAS).mean()
    print(f"pointing game on {len(chosen)} correctly classified test canvases; a random point "
          f"hits {chance:.1%} (mean box area / canvas)")

    def occlusion(net, images, class_index):
        return np.stack([explain.occlusion_map(net, image, int(c), patch=PATCH, stride=STRIDE)
                         for image, c in zip(images, class_index)])

    methods = {
        "Grad-CAM": lambda net, images, c: explain.grad_cam(net, images, c),
        "saliency": lambda net, images, c: explain.saliency(net, images, c),
        f"SmoothGrad ({SMOOTH_SAMPLES})": lambda net, images, c: explain.saliency(
            net, images, c, smooth_samples=SMOOTH_SAMPLES),
        f"occlusion ({PATCH}×{PATCH}, stride {STRIDE})": occlusion,
    }
    # not the training seed: with it, the "random" weights would be the training's initial ones
    random_model = explain.randomized_copy(model, seed=SEED + 1)
    print("| method | images | hit rate | s per image | rank corr. with random weights |")
    print("| --- | --- | --- | --- | --- |")
    for name, method in methods.items():
        n = args.occluded if name.startswith("occlusion") or name.startswith("Smooth") else len(x)
        maps, seconds = timed(method, model, x[:n], classes[:n])
        hits = explain.pointing_hits(maps, box[:n]).mean()
        random_maps = method(random_model, x[:n], classes[:n])
        correlation = explain.rank_correlation(maps, random_maps)
        print(f"| {name} | {n} | {hits:.1%} | {seconds / n:.4f} | {np.nanmean(correlation):.3f} "
              f"(median {np.nanmedian(correlation):.3f}, {np.isnan(correlation).sum()} flat maps "
              f"left out; {np.nan_to_num(correlation, nan=0.0).mean():.3f} counting them as 0) |",
              flush=True)


if __name__ == "__main__":
    main()
