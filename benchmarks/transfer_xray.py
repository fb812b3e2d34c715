"""Lesson 13's learning curve on the real chest X-rays: from scratch against transfer.

Usage: python benchmarks/transfer_xray.py [--seeds N] [--source-epochs N]

What ``solutions/13_transferencia_de_aprendizado.py`` does in full mode, with the settings of
``course_utils.exercises.lesson13`` and the code of ``course_utils.transfer``: the pretrained
base of :func:`transfer.pretrained_base` (ImageNet weights when they download, else the
course's CIFAR-10 base, pretrained here for ``--source-epochs``), the training X-rays split by
patient as lesson 12 does (``xray.split_by_patient``, validation left out), and for each size
of the learning curve (``lesson13.curve_sizes``) and each of ``--seeds`` seeds (each seed its
own stratified subset and initial weights): lesson 12's model from scratch for
``HEAD_EPOCHS + FINE_EPOCHS`` epochs, and the transfer model (feature extraction, then
fine-tuning) for the same epochs. Prints the test AUC and accuracy of each (the whole test
split, scikit-learn's exact AUC), their mean over seeds, the machine and the load.

Fast mode is never used: the data is whatever the loaders find ($COURSE_DATA_DIR, the Keras
cache or a download); the offline mirror's X-rays are 28×28, resized to 32×32.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from machine import cpu_name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per size (default 3)")
    parser.add_argument("--source-epochs", type=int, default=None,
                        help="epochs of the CIFAR-10 pretraining (default: the lesson's)")
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")

    import keras

    from course_utils import config, lessons, transfer, xray
    from course_utils.datasets import load_chest_xray_paths
    from course_utils.exercises import lesson13
    from course_utils.exercises.lesson12 import class_weights

    assert not config.FAST, "run without COURSE_FAST"
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}; "
          f"Keras {keras.__version__}, backend {keras.backend.backend()}; "
          f"COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR', '(unset)')}", flush=True)
    start = time.perf_counter()
    shape = (*lesson13.IMAGE_SIZE, 3)
    if args.source_epochs:
        transfer.SOURCE_EPOCHS = (args.source_epochs, 1)
    base, source = transfer.pretrained_base(shape, seed=lessons.SEED)
    print(f"base: {source}; {time.perf_counter() - start:.0f} s", flush=True)

    x_train, y_train = transfer.xray_arrays("train", lesson13.IMAGE_SIZE)
    x_test, y_test = transfer.xray_arrays("test", lesson13.IMAGE_SIZE)
    fit_index, _, grouped = xray.split_by_patient(load_chest_xray_paths("train"), y_train,
                                                  lesson13.VAL_FRACTION, seed=lessons.SEED)
    x_fit, y_fit = x_train[fit_index], y_train[fit_index]
    print(f"X-rays {x_train.shape[1]}x{x_train.shape[2]}: fit {len(y_fit)} (split by patient: "
          f"{grouped}), test {len(y_test)} ({int(y_test.sum())} pneumonia)", flush=True)
    head, fine = lesson13.epochs()
    rows = []
    for n in lesson13.curve_sizes(len(y_fit)):
        seeds = range(args.seeds) if n < len(y_fit) else range(1)  # "all" has one subset
        for seed in seeds:
            index = lesson13.subset(y_fit, n, seed=seed)
            x, y = x_fit[index], y_fit[index]
            weights = class_weights(np.bincount(y, minlength=2))
            tick = time.perf_counter()
            scratch, _ = transfer.train_scratch(
                x, y, head + fine, lesson13.BATCH_SIZE, lesson13.LEARNING_RATE,
                class_weight=weights, seed=seed)
            middle = time.perf_counter()
            transferred, _ = transfer.train_transfer(
                base, x, y, head, fine, lesson13.BATCH_SIZE, lesson13.LEARNING_RATE,
                lesson13.FINE_LEARNING_RATE, class_weight=weights, seed=seed)
            end = time.perf_counter()
            row = (n, seed, transfer.roc_auc(scratch, x_test, y_test),
                   transfer.roc_auc(transferred, x_test, y_test),
                   scratch.evaluate(x_test.astype("float32"), y_test, verbose=0)[2],
                   transferred.evaluate(x_test.astype("float32"), y_test, verbose=0)[2])
            rows.append(row)
            print(f"n={n:5d} seed={seed}: AUC scratch {row[2]:.3f} transfer {row[3]:.3f}; "
                  f"accuracy scratch {row[4]:.3f} transfer {row[5]:.3f}; "
                  f"{middle - tick:.0f} s + {end - middle:.0f} s; load "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
    print("\nmean over seeds (test AUC, accuracy):")
    table = np.array(rows)
    for n in np.unique(table[:, 0]):
        part = table[table[:, 0] == n]
        mean = part[:, 2:].mean(axis=0)
        spread = part[:, 2:4].std(axis=0)
        print(f"| {int(n)} | {len(part)} | {mean[0]:.3f} ± {spread[0]:.3f} | "
              f"{mean[1]:.3f} ± {spread[1]:.3f} | {mean[2]:.3f} | {mean[3]:.3f} |")
    print(f"epochs: scratch {head + fine}; transfer {head} (frozen base) + {fine} (fine-tuning); "
          f"total {time.perf_counter() - start:.0f} s; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
