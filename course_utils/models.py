"""Model builders shared by lessons, notebooks and benchmarks (MNIST in 06, the Fashion-MNIST
challenge in 07, CIFAR-10 in 08-10, residual networks in 11)."""

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
    padding: str = "valid",
    convs_per_block: int = 1,
    batch_norm: bool = False,
    dense_units: int = 0,
    block_dropout: float = 0.0,
) -> keras.Model:
    """The hands-on CNN: [Conv → MaxPool] per entry of ``filters`` → Flatten → Dropout → Dense.

    The output is a softmax over ``num_classes``. Inputs are float images in [0, 1] of
    ``input_shape`` (H, W, C). The model is returned uncompiled. With the defaults it is
    Keras' "Simple MNIST convnet" example, the model of lesson 06's hands-on (the FIAP
    slides announce that exercise without showing a network); the other arguments grow it
    for harder data (lesson 07):
    ``convs_per_block`` convolutions before each pooling, ``padding`` of those convolutions,
    ``batch_norm`` (a BatchNormalization between each convolution and its activation, and
    after the hidden dense layer), ``dense_units`` (a hidden dense layer before the
    dropout; 0 for none) and ``block_dropout`` (a Dropout after each pooling; 0 for none).

    >>> build_mnist_cnn(filters=(8, 16)).output_shape
    (None, 10)
    """
    if len(input_shape) != 3 or min(input_shape) < 1:
        raise ValueError(
            f"input_shape deve ser (altura, largura, canais), recebi {input_shape!r}"
        )
    if not filters or any(int(f) < 1 for f in filters):
        raise ValueError(
            f"filters deve ser uma lista não vazia de inteiros positivos, recebi {filters!r}"
        )
    for name, rate in (("dropout", dropout), ("block_dropout", block_dropout)):
        if not 0 <= rate < 1:
            raise ValueError(f"{name} deve estar em [0, 1), recebi {rate!r}")
    if num_classes < 2:
        raise ValueError(f"num_classes deve ser pelo menos 2, recebi {num_classes!r}")
    if padding not in ("valid", "same"):
        raise ValueError(f"padding deve ser 'valid' ou 'same', recebi {padding!r}")
    if convs_per_block < 1:
        raise ValueError(f"convs_per_block deve ser pelo menos 1, recebi {convs_per_block!r}")
    if dense_units < 0:
        raise ValueError(
            f"dense_units deve ser 0 (sem camada escondida) ou mais, recebi {dense_units!r}"
        )
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for count in filters:
        for _ in range(convs_per_block):
            x = _conv(x, int(count), kernel_size, activation, padding, batch_norm)
        x = layers.MaxPooling2D(pool_size=2)(x)
        x = layers.Dropout(block_dropout)(x) if block_dropout else x
    x = layers.Flatten()(x)
    if dense_units:
        x = layers.Dense(dense_units, use_bias=not batch_norm)(x)
        x = layers.BatchNormalization()(x) if batch_norm else x
        x = layers.Activation(activation)(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="mnist_cnn")


def _conv(x, filters: int, kernel_size: int, activation: str, padding: str, batch_norm: bool):
    """Conv2D with its activation, or Conv2D (no bias) → BatchNormalization → activation."""
    if not batch_norm:
        return layers.Conv2D(filters, kernel_size, padding=padding, activation=activation)(x)
    x = layers.Conv2D(filters, kernel_size, padding=padding, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation(activation)(x)


def build_cifar_lecture_model(input_shape: tuple[int, int, int] = (32, 32, 3)) -> keras.Model:
    """The CIFAR-10 model of the LAMIA bootcamp report (Korte Junior), layer for layer.

    Conv2D 32, 64, 128 (3×3, stride 2, ReLU) → Flatten → Dropout 0.2 → Dense 1024 ReLU →
    Dropout 0.2 → Dense 10 softmax. Uncompiled; inputs are floats in [0, 1].
    """
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for count in (32, 64, 128):
        x = layers.Conv2D(count, 3, strides=2, activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Dense(1024, activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="cifar_lecture")


def build_vgg_style(
    input_shape: tuple[int, int, int] = (32, 32, 3),
    num_classes: int = 10,
    filters: Sequence[int] = (32, 64, 128),
    batch_norm: bool = False,
    dropout: float = 0.0,
    augmentation: keras.layers.Layer | None = None,
) -> keras.Model:
    """A VGG-style CNN: per entry of ``filters``, two 3×3 "same" convs (+ BN) and 2×2 max pooling.

    Then GlobalAveragePooling2D → Dropout → Dense softmax. ``batch_norm`` puts a
    BatchNormalization between each conv and its ReLU; ``dropout`` is applied after each
    block and before the classifier; ``augmentation`` (e.g. a Sequential of Random* layers)
    runs first, only in training. Uncompiled; inputs are floats in [0, 1].
    """
    if not filters or any(int(f) < 1 for f in filters):
        raise ValueError(
            f"filters deve ser uma lista não vazia de inteiros positivos, recebi {filters!r}"
        )
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout deve estar em [0, 1), recebi {dropout!r}")
    inputs = keras.Input(shape=input_shape)
    x = augmentation(inputs) if augmentation is not None else inputs
    for count in filters:
        for _ in range(2):
            x = layers.Conv2D(int(count), 3, padding="same", use_bias=not batch_norm)(x)
            if batch_norm:
                x = layers.BatchNormalization()(x)
            x = layers.Activation("relu")(x)
        x = layers.MaxPooling2D(2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    x = layers.GlobalAveragePooling2D()(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="vgg_style")


def build_resnet(
    depth: int,
    input_shape: tuple[int, int, int] = (32, 32, 3),
    num_classes: int = 10,
    residual: bool = True,
) -> keras.Model:
    """He et al. (2016)'s CIFAR-10 ResNet of ``depth`` = 6n + 2 layers, or its plain twin.

    A 3×3 convolution with 16 filters, then three stages of ``n`` blocks with 16, 32 and 64
    filters (the first block of stages 2 and 3 halves the resolution with stride 2), global
    average pooling and a softmax Dense. A block is conv 3×3 → BN → ReLU → conv 3×3 → BN, plus
    the shortcut, then ReLU. Where the shape changes the shortcut is a 1×1 convolution with
    stride 2 and BN (the paper's option B); elsewhere it is the identity. ``residual=False``
    drops every shortcut: the "plain" network of the paper's Figure 6, same layers otherwise.
    Convolutions have no bias (the BN after each one has its own shift). Uncompiled.
    The paper's Table 6 (ResNet-20: 0.27 M, ResNet-56: 0.85 M parameters) counts the weights of
    the 3×3 convolutions and the Dense layer, with parameter-free shortcuts: 268,346 and 848,954
    here. ``count_params()`` adds BN's four numbers per channel and the 1×1 shortcuts.

    >>> build_resnet(20).count_params()
    274042
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
        raise ValueError(f"depth deve ser 6n + 2 com n >= 1 (8, 14, 20, 32, 44, 56, ...), "
                         f"recebi {depth!r}")
    if len(input_shape) != 3 or min(input_shape) < 1:
        raise ValueError(f"input_shape deve ser (altura, largura, canais), recebi {input_shape!r}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes deve ser um inteiro >= 2, recebi {num_classes!r}")
    blocks = (depth - 2) // 6
    inputs = keras.Input(shape=input_shape)
    x = _conv_bn(inputs, 16, 3, 1)
    x = layers.Activation("relu")(x)
    for stage, filters in enumerate((16, 32, 64)):
        for block in range(blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            x = _resnet_block(x, filters, stride, residual)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    name = f"{'resnet' if residual else 'plain'}{depth}"
    return keras.Model(inputs, outputs, name=name)


def _conv_bn(x, filters: int, kernel_size: int, strides: int):
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False,
                      kernel_initializer="he_normal")(x)
    return layers.BatchNormalization()(x)


def _resnet_block(x, filters: int, stride: int, residual: bool):
    """conv-BN-ReLU-conv-BN (+ shortcut) → ReLU."""
    y = layers.Activation("relu")(_conv_bn(x, filters, 3, stride))
    y = _conv_bn(y, filters, 3, 1)
    if residual:
        shortcut = x if stride == 1 and x.shape[-1] == filters else _conv_bn(x, filters, 1, stride)
        y = layers.Add()([y, shortcut])
    return layers.Activation("relu")(y)
