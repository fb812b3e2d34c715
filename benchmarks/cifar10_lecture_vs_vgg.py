"""Train lesson 08's two CIFAR-10 models on the real data and compare them.

Usage: python benchmarks/cifar10_lecture_vs_vgg.py [--epochs N]

Same settings as ``solutions/08_cifar10.py`` outside fast mode (they live in
``course_utils.exercises.lesson08``): the LAMIA bootcamp report's model
(``course_utils.models.build_cifar_lecture_model()``) and the VGG-style model
(``build_vgg_style(filters=VGG_FILTERS)``, no batch norm, no dropout), Adam, sparse
categorical cross-entropy, batch size 32, 5 epochs, seed 42, the same stratified 80/20
train/validation split of the training set and the same ``make_dataset`` pipeline. The test
set is evaluated once per model, at the end. Fast mode is never used: the data is whatever
``course_utils.datasets.load_cifar10(fast=False)`` finds ($COURSE_DATA_DIR, the Keras cache
or a download), and its sizes are printed.

Seconds per epoch include the validation pass; ms/step is the training part of each epoch
divided by its steps, the median over the epochs after the first (the first also traces the
graph), like the "ms/step" Keras prints.
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np


def main() -> None:
    from course_utils import lessons
    from course_utils.exercises import lesson08

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=lesson08.EPOCHS,
                        help=f"default {lesson08.EPOCHS}")
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    from course_utils import config
    from course_utils.datasets import load_cifar10
    from course_utils.models import build_cifar_lecture_model, build_vgg_style
    from course_utils.pipelines import make_dataset
    from course_utils.timing import StepTimer

    (x_train, y_train), (x_test, y_test) = load_cifar10(fast=False)
    x_tr, x_val, y_tr, y_val = lessons.reference_split(x_train, y_train, lesson08.VAL_FRACTION)
    batch = lesson08.BATCH_SIZE

    builders = {
        "lecture": build_cifar_lecture_model,
        "vgg_style": lambda: build_vgg_style(filters=lesson08.VGG_FILTERS),
    }
    results = {}
    for name, build in builders.items():
        config.set_seed(lessons.SEED)
        train_ds = make_dataset(x_tr, y_tr, batch, shuffle=True, seed=lessons.SEED)
        val_ds = make_dataset(x_val, y_val, batch)
        test_ds = make_dataset(x_test, y_test, batch)
        model = build()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        timer = StepTimer()
        print(f"\n== {name}: {model.count_params():,} parameters", flush=True)
        history = model.fit(train_ds, validation_data=val_ds, epochs=args.epochs,
                            shuffle=False, callbacks=[timer], verbose=2)
        _, test_accuracy = model.evaluate(test_ds, verbose=0)
        ms_per_step = [1000 * s / n for s, n in zip(timer.train_seconds, timer.steps)]
        steady = ms_per_step[1:] or ms_per_step
        results[name] = {
            "params": model.count_params(),
            "val_accuracy": history.history["val_accuracy"][-1],
            "test_accuracy": test_accuracy,
            "s_per_epoch": float(np.median(timer.epoch_seconds[1:] or timer.epoch_seconds)),
            "first_epoch_s": timer.epoch_seconds[0],
            "ms_per_step": float(np.median(steady)),
            "steps": timer.steps[0],
            "val_history": history.history["val_accuracy"],
        }

    print()
    print(f"data: {len(x_train)} train ({len(y_tr)} fit + {len(y_val)} validation, stratified, "
          f"seed {lessons.SEED}), {len(x_test)} test; "
          f"COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR', '(unset)')}")
    print(f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} cores "
          f"(sched affinity: {len(os.sched_getaffinity(0))}); TensorFlow {tf.__version__}, "
          f"Keras {keras.__version__}; GPUs: {len(tf.config.list_physical_devices('GPU'))}")
    print(f"epochs: {args.epochs}; batch size {batch}; VGG filters {lesson08.VGG_FILTERS}")
    header = (f"{'model':<10} {'params':>10} {'val acc':>8} {'test acc':>9} "
              f"{'s/epoch':>8} {'1st ep s':>9} {'ms/step':>8} {'steps':>6}")
    print(header)
    for name, r in results.items():
        print(f"{name:<10} {r['params']:>10,} {r['val_accuracy']:>8.4f} "
              f"{r['test_accuracy']:>9.4f} {r['s_per_epoch']:>8.1f} {r['first_epoch_s']:>9.1f} "
              f"{r['ms_per_step']:>8.1f} {r['steps']:>6}")
    for name, r in results.items():
        print(f"{name} validation accuracy by epoch: "
              + " ".join(f"{a:.3f}" for a in r["val_history"]))
    lecture, vgg = results["lecture"], results["vgg_style"]
    print(f"ratio vgg_style / lecture: validation accuracy "
          f"{vgg['val_accuracy'] / lecture['val_accuracy']:.3f}, test accuracy "
          f"{vgg['test_accuracy'] / lecture['test_accuracy']:.3f}, ms/step "
          f"{vgg['ms_per_step'] / lecture['ms_per_step']:.2f}")


if __name__ == "__main__":
    main()
