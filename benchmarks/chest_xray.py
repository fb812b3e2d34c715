"""Train lesson 12's pneumonia model on the real chest X-rays; print test figures and timings.

Usage: python benchmarks/chest_xray.py [--backend jax|tensorflow] [--image-size N] [--epochs N]

Exactly what ``solutions/12_raio_x_tpu.py`` does in full mode, with the settings of
``course_utils.exercises.lesson12`` and the model and pipeline of ``course_utils.xray``:
Keras on ``--backend`` (default: ``distribute.choose_backend()``'s choice),
``distribute.get_strategy()``, its precision policy, the global batch
``BATCH_PER_REPLICA × replicas`` (training batches of fixed shape, images cached as uint8,
``steps_per_execution``), the
validation split from the training set grouped by patient (stratified by image where the
names carry no patient id), class weights from the counts, Adam with exponential decay per
epoch, a ``.keras`` checkpoint and early stopping on the validation loss (restoring the best
weights), then one evaluation on the official test split: accuracy, precision, recall and
AUC (Keras, and scikit-learn's exact AUC), the confusion matrix, seconds per epoch; and the
test once more with the threshold chosen on the validation set (``threshold_for_recall``).

Fast mode is never used: the data is whatever ``load_chest_xray(fast=False)`` finds
($COURSE_DATA_DIR, the Keras cache or a download). The lesson resizes to 180×180; the
course's offline mirror holds 28×28 images, so ``--image-size`` (default 64, the smallest
power of two that upsamples them) keeps the run short on a CPU without inventing detail.
``--epochs`` caps the epochs (the lesson allows ``EPOCHS[0]``, early stopping ends sooner).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import cpu_name, load_average


def backend_versions() -> str:
    """`` (JAX x.y.z)`` when Keras runs on JAX, else nothing."""
    import keras

    if keras.backend.backend() != "jax":
        return ""
    import jax

    return f" (JAX {jax.__version__}, devices {', '.join(str(d) for d in jax.devices())})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image-size", type=int, default=64,
                        help="side the images are resized to (default 64; the lesson: 180)")
    parser.add_argument("--epochs", type=int, default=40,
                        help="most epochs (default 40; early stopping usually ends sooner)")
    parser.add_argument("--backend", choices=("jax", "tensorflow"), default=None,
                        help="Keras backend (default: $KERAS_BACKEND, else JAX on a TPU machine "
                             "and TensorFlow elsewhere)")
    args = parser.parse_args()
    if args.epochs < 1 or args.image_size < 32:
        parser.error("--epochs must be at least 1 and --image-size at least 32")

    from course_utils import distribute

    distribute.choose_backend(args.backend)  # before Keras is imported
    import keras
    import tensorflow as tf
    from sklearn.metrics import confusion_matrix, roc_auc_score

    from course_utils import config, xray
    from course_utils.datasets import chest_xray_labels, load_chest_xray, load_chest_xray_paths
    from course_utils.exercises.lesson12 import (
        BATCH_PER_REPLICA,
        DECAY_RATE,
        INITIAL_LEARNING_RATE,
        PATIENCE,
        TARGET_RECALL,
        THRESHOLD,
        VAL_FRACTION,
        class_weights,
        learning_rate_schedule,
        precision_recall,
        threshold_for_recall,
    )
    from course_utils.lessons import SEED
    from course_utils.timing import StepTimer

    started = time.perf_counter()
    load_before = load_average()
    config.set_seed(SEED)
    strategy = distribute.get_strategy()
    replicas = strategy.num_replicas_in_sync
    policy = distribute.precision_policy(strategy)
    keras.mixed_precision.set_dtype_policy(policy)
    global_batch = distribute.global_batch_size(BATCH_PER_REPLICA, strategy)
    image_size = (args.image_size, args.image_size)

    paths = load_chest_xray_paths("train", fast=False)
    labels = chest_xray_labels(paths)
    fit_index, val_index, grouped = xray.split_by_patient(paths, labels, VAL_FRACTION, SEED)
    counts = np.bincount(labels[fit_index], minlength=2)
    weights = class_weights(counts)
    train_all = load_chest_xray("train", image_size=image_size, fast=False)
    train_ds = xray.make_pipeline(xray.take(train_all, fit_index), global_batch, training=True,
                                  seed=SEED, replicas=replicas)
    val_ds = xray.make_pipeline(xray.take(train_all, val_index), global_batch, replicas=replicas)
    test_ds = xray.make_pipeline(load_chest_xray("test", image_size=image_size, fast=False),
                                 global_batch, replicas=replicas)
    y_test = np.concatenate([y.numpy() for _, y in test_ds])
    print(f"data: {len(paths)} train images ({len(fit_index)} fit + {len(val_index)} validation, "
          f"{'grouped by patient' if grouped else 'stratified by image: no patient ids'}), "
          f"{len(y_test)} test ({np.sum(y_test == 0)} normal / {np.sum(y_test == 1)} pneumonia); "
          f"fit counts {counts.tolist()} → class weights "
          f"{{0: {weights[0]:.3f}, 1: {weights[1]:.3f}}}; "
          f"COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR', '(unset)')}", flush=True)

    steps_per_epoch = len(fit_index) // global_batch
    config.set_seed(SEED)
    with strategy.scope():
        model = xray.build_xray_model(image_size)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate_schedule(steps_per_epoch)),
                      loss="binary_crossentropy", metrics=xray.xray_metrics(),
                      steps_per_execution=xray.STEPS_PER_EXECUTION)
    checkpoint = Path(tempfile.mkdtemp()) / "xray_model.keras"
    timer = StepTimer()
    callbacks = [
        keras.callbacks.ModelCheckpoint(checkpoint, save_best_only=True),
        keras.callbacks.EarlyStopping(patience=PATIENCE, restore_best_weights=True),
        timer,
    ]
    start = time.perf_counter()
    history = model.fit(train_ds, validation_data=val_ds, epochs=args.epochs, callbacks=callbacks,
                        class_weight=weights, shuffle=False, verbose=2)
    train_seconds = time.perf_counter() - start
    val_loss = history.history["val_loss"]
    best_epoch = int(np.argmin(val_loss)) + 1

    y_val = np.concatenate([y.numpy() for _, y in val_ds])
    chosen = threshold_for_recall(y_val, model.predict(val_ds, verbose=0).ravel(), TARGET_RECALL)
    results = model.evaluate(test_ds, verbose=0, return_dict=True)
    prob = model.predict(test_ds, verbose=0).ravel()
    pred = (prob > THRESHOLD).astype(int)
    cm = confusion_matrix(y_test, pred, labels=[0, 1])
    precision, recall = precision_recall(cm)
    cm_chosen = confusion_matrix(y_test, (prob >= chosen).astype(int), labels=[0, 1])
    precision_chosen, recall_chosen = precision_recall(cm_chosen)
    with strategy.scope():
        reloaded = keras.models.load_model(checkpoint)
    reloaded_loss = reloaded.evaluate(test_ds, verbose=0, return_dict=True)["loss"]

    gpus = tf.config.list_physical_devices("GPU")
    print()
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, "
          f"{'GPU: ' + ', '.join(g.name for g in gpus) if gpus else 'no GPU'}, strategy "
          f"{distribute.strategy_name(strategy)} × {replicas}; load average "
          f"{load_before:.1f} before, {load_average():.1f} after; Keras {keras.__version__} on "
          f"{keras.backend.backend()}{backend_versions()}; TensorFlow {tf.__version__} (tf.data)")
    print(f"settings: build_xray_model({image_size}), {model.count_params():,} parameters; Adam "
          f"{INITIAL_LEARNING_RATE} × {DECAY_RATE} per epoch; global batch {global_batch}; "
          f"seed {SEED}; early stopping patience {PATIENCE} on val_loss; dtype policy {policy}; "
          f"steps_per_execution {xray.STEPS_PER_EXECUTION}")
    print(f"epochs: {len(val_loss)} trained, best {best_epoch} (val_loss {min(val_loss):.4f}, "
          f"val_auc {history.history['val_auc'][best_epoch - 1]:.4f}, val_accuracy "
          f"{history.history['val_accuracy'][best_epoch - 1]:.4f})")
    seconds = timer.epoch_seconds
    print(f"seconds per epoch (with validation): mean {np.mean(seconds):.1f}, median "
          f"{np.median(seconds):.1f}, best {min(seconds):.1f} (first {seconds[0]:.1f}, includes "
          f"tracing); {timer.ms_per_step():.0f} ms per training step; training "
          f"{train_seconds:.0f} s")
    print(f"test: accuracy {results['accuracy']:.4f}, precision {results['precision']:.4f}, "
          f"recall {results['recall']:.4f}, AUC {results['auc']:.4f} (Keras, 200 thresholds), "
          f"AUC {roc_auc_score(y_test, prob):.4f} (scikit-learn, exact)")
    print(f"confusion matrix [[TN, FP], [FN, TP]] = {cm.tolist()}; from it: precision "
          f"{precision:.4f}, recall {recall:.4f}")
    print(f"threshold chosen on validation for recall >= {TARGET_RECALL}: {chosen:.4f}; test "
          f"with it: recall {recall_chosen:.4f}, precision {precision_chosen:.4f}, confusion "
          f"matrix {cm_chosen.tolist()}")
    print(f"checkpoint {checkpoint.name} ({checkpoint.stat().st_size / 1e6:.1f} MB) reloads with "
          f"test loss {reloaded_loss:.4f} (restored model {results['loss']:.4f})")
    print(f"total wall time: {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
