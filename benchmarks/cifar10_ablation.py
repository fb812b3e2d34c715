"""Run lesson 10's CIFAR-10 ablation on the real data; print the table and a time projection.

Usage: python benchmarks/cifar10_ablation.py [--epochs N]

Exactly what ``solutions/10_batchnorm_dropout.py`` does in its ablation in full mode, for the
five variants of ``course_utils.exercises.lesson10.VARIANTS`` (none, dropout, BN,
BN + dropout, BN + dropout + augmentation): ``build_variant(name, FULL_FILTERS)``, Adam,
sparse categorical cross-entropy, batches of ``BATCH_SIZE``, ``config.set_seed(SEED)`` and a
fresh shuffled ``make_dataset`` before each variant, the lesson's stratified split
(``reference_split``), the same number of epochs for every variant; training accuracy
measured afterwards in inference mode on a training sample as large as the validation set,
like the lesson. Each variant is also evaluated on
the test set (the lesson only tests its final model).

Fast mode is never used: the data is whatever ``load_cifar10(fast=False)`` finds
($COURSE_DATA_DIR, the Keras cache or a download), and its sizes are printed. The default
``--epochs`` is small so the run fits in about 15 minutes on two shared CPU cores with the
course's 10,000-image mirror; the lesson's full mode uses ``ABLATION_EPOCHS[0]`` epochs on
the complete 50,000-image set, and the last lines project its time on this machine from
the measured seconds per epoch. With few epochs the BN variants look worse than they are:
their accuracy is measured in inference mode, with moving statistics that still remember
their initial values (the script prints how much), as the lesson explains.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from machine import cpu_name, load_average, minutes

DEFAULT_EPOCHS = 5
"""Epochs per variant by default: small, to fit ~15 min on two shared CPU cores (10k mirror)."""

FULL_TRAIN = 50_000
"""Training images of the complete CIFAR-10 (before the validation split)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                        help=f"epochs per variant (default {DEFAULT_EPOCHS})")
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")

    import keras
    import pandas as pd
    import tensorflow as tf

    from course_utils import config
    from course_utils.datasets import load_cifar10
    from course_utils.exercises.lesson10 import (
        ABLATION_EPOCHS,
        BATCH_SIZE,
        FINAL_EPOCHS,
        FULL_FILTERS,
        VAL_FRACTION,
        VARIANTS,
        build_variant,
    )
    from course_utils.lessons import SEED, reference_split
    from course_utils.pipelines import make_dataset

    started = time.perf_counter()
    load_before = load_average()
    (x_train, y_train), (x_test, y_test) = load_cifar10(fast=False)
    x_tr, x_val, y_tr, y_val = reference_split(x_train, y_train, VAL_FRACTION)
    train_eval_ds = make_dataset(x_tr[:len(y_val)], y_tr[:len(y_val)], batch_size=256)
    val_ds = make_dataset(x_val, y_val, batch_size=256)
    test_ds = make_dataset(x_test, y_test, batch_size=256)
    print(f"data: {len(x_train)} train ({len(y_tr)} fit + {len(y_val)} validation, "
          f"stratified), {len(x_test)} test; "
          f"COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR', '(unset)')}", flush=True)

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.times: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    rows = []
    for name in VARIANTS:
        config.set_seed(SEED)
        model = build_variant(name, FULL_FILTERS)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        train_ds = make_dataset(x_tr, y_tr, batch_size=BATCH_SIZE, shuffle=True, seed=SEED)
        timer = EpochTimer()
        start = time.perf_counter()
        history = model.fit(train_ds, validation_data=val_ds, epochs=args.epochs,
                            shuffle=False, callbacks=[timer], verbose=2)
        seconds = time.perf_counter() - start
        train_acc = model.evaluate(train_eval_ds, verbose=0)[1]
        test_acc = model.evaluate(test_ds, verbose=0)[1]
        val_acc = history.history["val_accuracy"][-1]
        rows.append({
            "variant": name,
            "params": model.count_params(),
            "train acc": train_acc,
            "val acc": val_acc,
            "gap": train_acc - val_acc,
            "test acc": test_acc,
            "s/epoch": float(np.mean(timer.times)),
            # the fastest epoch is the least disturbed by other work on a shared machine
            # (every epoch includes its validation pass; the first also traces the graph)
            "s/epoch (best)": float(min(timer.times)),
            "train s": seconds,
        })
        print(f"{name}: val {val_acc:.4f}, test {test_acc:.4f}, "
              f"{np.mean(timer.times):.1f} s/epoch", flush=True)
        rows[-1]["load"] = load_average()

    table = pd.DataFrame(rows).set_index("variant")
    table = table.rename(columns={"load": "load avg"})
    gpus = tf.config.list_physical_devices("GPU")
    load_after = load_average()
    total = time.perf_counter() - started
    print()
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, "
          f"{'GPU: ' + ', '.join(g.name for g in gpus) if gpus else 'no GPU'}; "
          f"load average {load_before:.1f} before, {load_after:.1f} after; "
          f"TensorFlow {tf.__version__}, Keras {keras.__version__}")
    print(f"settings: build_vgg_style(filters={FULL_FILTERS}), Adam, batch size {BATCH_SIZE}, "
          f"seed {SEED}, {args.epochs} epoch(s) per variant, "
          f"validation {VAL_FRACTION:.0%} of train (stratified)")
    print(f"data: {len(y_tr)} fit / {len(y_val)} validation / {len(y_test)} test images")
    steps = args.epochs * int(np.ceil(len(y_tr) / BATCH_SIZE))
    momentum = keras.layers.BatchNormalization().momentum
    print(f"BN moving statistics after {steps} steps (momentum {momentum}): the initial values "
          f"still weigh {100 * momentum**steps:.1f} % (inference-mode accuracy of the BN "
          "variants is only meaningful once this is well below 1 %)")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(4).to_string())
    print(f"total wall time: {minutes(total)}")

    fit_full = FULL_TRAIN - int(round(VAL_FRACTION * FULL_TRAIN))
    scale = fit_full / len(y_tr)
    ablation_epochs, final_epochs = ABLATION_EPOCHS[0], FINAL_EPOCHS[0]
    per_epoch_full = table["s/epoch (best)"] * scale
    ablation_full = float(per_epoch_full.sum()) * ablation_epochs
    best = table["val acc"].idxmax()
    final_full = float(per_epoch_full[best]) * final_epochs
    print()
    print(f"projection for the lesson's full mode on the complete CIFAR-10 on this machine "
          f"({fit_full} fit images, {scale:.1f}× the images above; best s/epoch scaled "
          "linearly):")
    for name, seconds in per_epoch_full.items():
        print(f"  {name}: {seconds:.0f} s/epoch → {ablation_epochs} epochs "
              f"{minutes(seconds * ablation_epochs)}")
    print(f"  ablation (5 variants × {ablation_epochs} epochs): {minutes(ablation_full)}")
    print(f"  final run ('{best}', the best validation here; the lesson picks the variant from "
          f"its own table; up to {final_epochs} epochs, less with early stopping): at most "
          f"{minutes(final_full)}")
    print(f"  notebook in full mode: at most {minutes(ablation_full + final_full)} "
          "(a GPU, as in Colab, is much faster)")


if __name__ == "__main__":
    main()
