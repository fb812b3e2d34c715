"""tf.data input pipelines shared by the CIFAR-10 lessons (08–10)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

AUTOTUNE = tf.data.AUTOTUNE


def make_dataset(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int = 64,
    shuffle: bool = False,
    augment: Callable[[tf.Tensor], tf.Tensor] | None = None,
    seed: int = 0,
) -> tf.data.Dataset:
    """Images uint8 (N, H, W[, C]) and labels (N,) → batches of (float32 in [0, 1], label).

    Order: scale to [0, 1] → cache → shuffle (if ``shuffle``, reshuffled each epoch) →
    batch → ``augment`` (if given, on whole batches, in training mode) → prefetch.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x e y devem ter o mesmo tamanho, recebi {len(x)} e {len(y)}")
    if x.ndim not in (3, 4):
        raise ValueError(f"x deve ser (N, H, W) ou (N, H, W, C), mas tem formato {x.shape}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size deve ser um inteiro positivo, recebi {batch_size!r}")
    if x.ndim == 3:
        x = x[..., np.newaxis]
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.map(lambda image, label: (tf.cast(image, tf.float32) / 255.0, label),
                          num_parallel_calls=AUTOTUNE).cache()
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if augment is not None:
        dataset = dataset.map(lambda images, labels: (augment(images, training=True), labels),
                              num_parallel_calls=AUTOTUNE)
    return dataset.prefetch(AUTOTUNE)
