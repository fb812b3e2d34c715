"""Model builders shared by several lessons (MNIST in 05, the Fashion-MNIST challenge in 06)."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers


def build_mnist_cnn(
    input_shape: tuple[int, ...] = (28, 28, 1),
    num_classes: int = 10,
    filters: Sequence[int] = (32, 64),
    kernel_size: int = 3,
    activation: str = "relu",
    dropout: float = 0.5,
) -> keras.Model:
    """The hands-on CNN: [Conv → MaxPool] per entry of ``filters`` → Flatten → Dropout → Dense.

    The output is a softmax over ``num_classes``. Inputs are float images in [0, 1] of
    ``input_shape`` (H, W, C). The model is returned uncompiled.

    >>> build_mnist_cnn(filters=(8, 16)).output_shape
    (None, 10)
    """
    if len(input_shape) != 3 or min(input_shape) < 1:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}")
    if not filters or any(int(f) < 1 for f in filters):
        raise ValueError(f"filters must be a non-empty list of positive ints, got {filters!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes!r}")
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for count in filters:
        x = layers.Conv2D(int(count), kernel_size, activation=activation)(x)
        x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="mnist_cnn")
