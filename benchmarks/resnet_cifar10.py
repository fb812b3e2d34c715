"""Train lesson 11's four networks on CIFAR-10; print training loss, test accuracy and time.

Usage: python benchmarks/resnet_cifar10.py [--epochs N]

Plain-20, Plain-56, ResNet-20 and ResNet-56 (``course_utils.models.build_resnet`` with
``residual=False`` and ``True``, the depths of ``course_utils.exercises.lesson11.DEPTHS``),
trained as ``solutions/11_redes_residuais.py`` trains them in full mode: Adam, sparse
categorical cross-entropy, batches of ``BATCH_SIZE``, ``config.set_seed(SEED)`` and a fresh
shuffled ``make_dataset`` (same seed, so the same order of images) before each model, the
same number of epochs for all four. The degradation problem is read off the training loss,
not the test accuracy: the script prints each model's training loss after every epoch (the
mean over the epoch, as ``fit`` reports it) and then its test accuracy and time per epoch.

Fast mode is never used: the data is whatever ``load_cifar10(fast=False)`` finds
($COURSE_DATA_DIR, the Keras cache or a download), and its sizes are printed; all training
images are used (no validation split: nothing is tuned here). The default ``--epochs`` is
small so the run fits in about 15 minutes on two shared CPU cores with the course's
10,000-image mirror; the last lines project the lesson's full mode (``EPOCHS[0]`` epochs on
the complete 45,000 fit images) on this machine from the fastest epoch of each model.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from machine import cpu_name, load_average, minutes

DEFAULT_EPOCHS = 2
"""Epochs per model by default: fits ~15 min on two shared CPU cores with the 10k mirror."""

FULL_FIT = 45_000
"""Training images of the lesson in full mode: CIFAR-10's 50,000 less a 10 % validation."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                        help=f"epochs per model (default {DEFAULT_EPOCHS})")
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")

    import keras
    import pandas as pd
    import tensorflow as tf

    from course_utils import config
    from course_utils.datasets import load_cifar10
    from course_utils.exercises.lesson11 import BATCH_SIZE, DEPTHS, EPOCHS, model_name
    from course_utils.lessons import SEED
    from course_utils.models import build_resnet
    from course_utils.pipelines import make_dataset

    started = time.perf_counter()
    load_before = load_average()
    (x_train, y_train), (x_test, y_test) = load_cifar10(fast=False)
    test_ds = make_dataset(x_test, y_test, batch_size=256)
    print(f"data: {len(x_train)} train, {len(x_test)} test; "
          f"COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR', '(unset)')}", flush=True)

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.times: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    rows = []
    for residual in (False, True):
        for depth in DEPTHS:
            name = model_name(depth, residual)
            config.set_seed(SEED)
            model = build_resnet(depth, residual=residual)
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])
            train_ds = make_dataset(x_train, y_train, batch_size=BATCH_SIZE, shuffle=True,
                                    seed=SEED)
            timer = EpochTimer()
            history = model.fit(train_ds, epochs=args.epochs, shuffle=False,
                                callbacks=[timer], verbose=2)
            test_loss, test_acc = model.evaluate(test_ds, verbose=0)
            losses = history.history["loss"]
            rows.append({
                "model": name,
                "params": model.count_params(),
                "train loss per epoch": " ".join(f"{v:.3f}" for v in losses),
                "final train loss": losses[-1],
                "final train acc": history.history["accuracy"][-1],
                "test loss": test_loss,
                "test acc": test_acc,
                "s/epoch": float(np.mean(timer.times)),
                # the fastest epoch is the least disturbed by other work on a shared machine
                "s/epoch (best)": float(min(timer.times)),
                "load avg": load_average(),
            })
            print(f"{name}: train loss {losses[-1]:.4f}, test acc {test_acc:.4f}, "
                  f"{np.mean(timer.times):.1f} s/epoch", flush=True)

    table = pd.DataFrame(rows).set_index("model")
    gpus = tf.config.list_physical_devices("GPU")
    print()
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, "
          f"{'GPU: ' + ', '.join(g.name for g in gpus) if gpus else 'no GPU'}; "
          f"load average {load_before:.1f} before, {load_average():.1f} after; "
          f"TensorFlow {tf.__version__}, Keras {keras.__version__}")
    print(f"settings: build_resnet(depth, residual) for depths {DEPTHS}, Adam, batch size "
          f"{BATCH_SIZE}, seed {SEED}, {args.epochs} epoch(s) per model, "
          f"{len(y_train)} train / {len(y_test)} test images")
    with pd.option_context("display.width", 250, "display.max_columns", 20,
                           "display.max_colwidth", 60):
        print(table.round(4).to_string())
    shallow, deep = DEPTHS
    for family in ("Plain", "ResNet"):
        gap = (table.loc[f"{family}-{deep}", "final train loss"]
               - table.loc[f"{family}-{shallow}", "final train loss"])
        print(f"{family}: final training loss of depth {deep} minus depth {shallow}: {gap:+.4f}"
              f" ({'the deeper one trains worse' if gap > 0 else 'the deeper one trains better'})")
    print(f"total wall time: {minutes(time.perf_counter() - started)}")

    scale = FULL_FIT / len(y_train)
    per_epoch_full = table["s/epoch (best)"] * scale
    print()
    print(f"projection for the lesson's full mode ({EPOCHS[0]} epochs of {FULL_FIT} images per "
          f"model, {scale:.1f}× the images above, best s/epoch scaled linearly) on this machine:")
    for name, seconds in per_epoch_full.items():
        print(f"  {name}: {seconds:.0f} s/epoch → {minutes(seconds * EPOCHS[0])}")
    print(f"  all four: {minutes(float(per_epoch_full.sum()) * EPOCHS[0])} "
          "(a GPU, as in Colab, is much faster)")


if __name__ == "__main__":
    main()
