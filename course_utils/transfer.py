"""Lesson 13's transfer learning, shared with ``benchmarks/transfer_xray.py``.

A pretrained base (:func:`pretrained_base`): Keras' MobileNetV3Small with ImageNet weights
where they can be downloaded, else a small CNN the course pretrains itself on CIFAR-10
(:func:`build_source_base`, :func:`pretrain_on_cifar10`). Both take RGB images in 0..255 and
end in global average pooling. On top of either, :func:`build_transfer_model` puts the new
head for the chest X-rays (grayscale in 0..255 → probability of pneumonia), calling the base
with ``training=False`` so its batch normalization stays in inference mode, and
:func:`unfreeze_top` opens the top of the base for fine-tuning. :func:`train_scratch` and
:func:`train_transfer` train both sides of the comparison with the same budget of epochs,
:func:`xray_arrays` loads the X-rays as NumPy arrays and :func:`draw_phases` draws the two
phases for the lesson.
"""

from __future__ import annotations

import urllib.error
import warnings
from collections.abc import Callable

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from course_utils import config
from course_utils.datasets import load_chest_xray, load_cifar10
from course_utils.fmt import num

SOURCE_FILTERS: tuple[int, ...] = (32, 64, 128)
"""Filters of the three blocks of the course's CIFAR-10 base (two 3×3 convs each)."""

SOURCE_EPOCHS = (8, 1)
"""``config.epochs(*SOURCE_EPOCHS)``: epochs of the CIFAR-10 pretraining (full, fast)."""

BATCH_SIZE = 32
"""Batch size of the CIFAR-10 pretraining."""

BN_MOMENTUM = 0.9
"""Momentum of the base's moving statistics (Keras' default is 0.99): they settle within a
few dozen steps, so even the short pretraining of fast mode leaves usable statistics."""

IMAGENET_MODEL = "MobileNetV3Small"
"""The ``keras.applications`` model whose ImageNet weights are tried first."""


# ---- the bases ----------------------------------------------------------------------------------


def build_source_base(input_shape: tuple[int, int, int] = (32, 32, 3)) -> keras.Model:
    """The course's base: Rescaling(1/255) → per entry of :data:`SOURCE_FILTERS`, two 3×3
    convs (no bias) → BatchNormalization (:data:`BN_MOMENTUM`) → ReLU, then 2×2 max pooling
    → global average pooling.

    RGB images in 0..255 → a feature vector of ``SOURCE_FILTERS[-1]`` numbers. Uncompiled.

    >>> build_source_base().output_shape
    (None, 128)
    """
    inputs = keras.Input(shape=input_shape)
    x = layers.Rescaling(1.0 / 255)(inputs)
    for filters in SOURCE_FILTERS:
        for _ in range(2):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
            x = layers.Activation("relu")(x)
        x = layers.MaxPooling2D()(x)
    outputs = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, outputs, name="cifar10_base")


def pretrain_on_cifar10(
    input_shape: tuple[int, int, int] = (32, 32, 3),
    epochs: int | None = None,
    seed: int = 0,
) -> tuple[keras.Model, float, int]:
    """Train :func:`build_source_base` with a 10-class softmax on CIFAR-10's training images.

    Returns ``(base, test_accuracy, train_images)``: the base alone (its head dropped), the
    accuracy of base + head on CIFAR-10's test images and how many training images it saw.
    ``epochs`` defaults to ``config.epochs(*SOURCE_EPOCHS)``; images are resized to
    ``input_shape`` when it is not 32×32.
    """
    (x_train, y_train), (x_test, y_test) = load_cifar10()
    if input_shape[:2] != x_train.shape[1:3]:
        x_train, x_test = (keras.ops.convert_to_numpy(keras.ops.image.resize(x, input_shape[:2]))
                           for x in (x_train, x_test))
    keras.utils.set_random_seed(seed)
    base = build_source_base(input_shape)
    classifier = keras.Sequential([base, layers.Dense(10, activation="softmax")],
                                  name="cifar10_classifier")
    classifier.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                       metrics=["accuracy"])
    classifier.fit(x_train.astype("float32"), y_train, batch_size=BATCH_SIZE,
                   epochs=epochs or config.epochs(*SOURCE_EPOCHS), verbose=0)
    _, accuracy = classifier.evaluate(x_test.astype("float32"), y_test, verbose=0)
    return base, float(accuracy), len(y_train)


def imagenet_base(input_shape: tuple[int, int, int] = (32, 32, 3)) -> keras.Model:
    """:data:`IMAGENET_MODEL` with ImageNet weights, no top, global average pooling; it
    rescales RGB images in 0..255 itself. Downloads the weights the first time."""
    with warnings.catch_warnings():  # "weights for (224, 224) will be loaded": they fit any size
        warnings.filterwarnings("ignore", message=".*rows. is not 224", category=UserWarning)
        return keras.applications.MobileNetV3Small(
            input_shape=input_shape, include_top=False, weights="imagenet", pooling="avg",
            include_preprocessing=True,
        )


def is_download_failure(error: BaseException) -> bool:
    """True when ``error`` or an exception it was raised from is a failed download.

    ``keras.utils.get_file`` turns a ``urllib.error.URLError`` (no network, name not
    resolved, refused, HTTP error) into a bare ``Exception`` raised while handling it; the
    original stays in ``__context__``. Any other error (a corrupt file, a wrong shape) is not
    a download failure.
    """
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, (urllib.error.URLError, ConnectionError, TimeoutError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def pretrained_base(
    input_shape: tuple[int, int, int] = (32, 32, 3),
    imagenet: Callable[[tuple[int, int, int]], keras.Model] = imagenet_base,
    seed: int = 0,
) -> tuple[keras.Model, str]:
    """``(base, source_description)``: ImageNet weights when they download, else the course's
    CIFAR-10 base (:func:`pretrain_on_cifar10`).

    The description, in Portuguese, names the source and, for CIFAR-10, how many images it
    saw and the test accuracy it reached. Only a download failure (:func:`is_download_failure`)
    falls back to CIFAR-10; any other error is raised.
    """
    try:
        base = imagenet(input_shape)
    except Exception as error:
        if not is_download_failure(error):
            raise
    else:
        return base, f"ImageNet ({IMAGENET_MODEL} do keras.applications, 1,3 milhão de imagens)"
    base, accuracy, images = pretrain_on_cifar10(input_shape, seed=seed)
    return base, (f"CIFAR-10 (a base do curso, pré-treinada aqui com {num(images)} imagens; "
                  f"acurácia {num(accuracy, 3)} no teste do CIFAR-10)")


def copy_base(base: keras.Model) -> keras.Model:
    """A new base with the same architecture, weights and frozen layers (each training gets
    its own).

    ``clone_model`` alone keeps each inner layer's ``trainable`` but always gives a trainable
    outer model, whose ``trainable = True`` would then change nothing; the flags are copied.
    """
    copy = keras.models.clone_model(base)
    copy.set_weights(base.get_weights())
    copy.trainable = base.trainable
    for source, layer in zip(base.layers, copy.layers, strict=True):
        layer.trainable = source.trainable
    return copy


# ---- the transfer model -------------------------------------------------------------------------


def build_transfer_model(base: keras.Model, dropout: float = 0.2) -> keras.Model:
    """Gray X-rays in 0..255 → the base (``training=False``) → Dropout → Dense(1, sigmoid).

    The gray channel is repeated three times, because the base expects RGB. The base is
    called with ``training=False``, as Keras' transfer-learning guide says, so its batch
    normalization should keep the source's statistics; Keras 3.15 lets ``fit``'s
    ``training=True`` override that inside a functional model (keras-team/keras#20285), so
    :func:`unfreeze_top` also keeps the BatchNormalization layers frozen, which always runs
    them in inference mode. The base is used as is: freeze it (``base.trainable = False``)
    before compiling to train only the head.
    """
    height, width, channels = base.input_shape[1:]
    if channels != 3:
        raise ValueError(f"a base deve receber imagens RGB (3 canais), recebe {channels}")
    inputs = keras.Input(shape=(height, width, 1))
    x = layers.Concatenate()([inputs, inputs, inputs])
    x = base(x, training=False)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(1, activation="sigmoid", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="xray_transfer")


def unfreeze_top(base: keras.Model, layers_to_train: int | None = None) -> None:
    """Unfreeze the last ``layers_to_train`` layers of ``base`` (all when None).

    Batch normalization layers stay frozen: their scale and shift were learned with the
    source's statistics, and the model calls the base in inference mode anyway.
    """
    base.trainable = True
    chosen = base.layers if layers_to_train is None else base.layers[-layers_to_train:]
    for layer in base.layers:
        opened = any(layer is c for c in chosen)
        layer.trainable = opened and not isinstance(layer, layers.BatchNormalization)


def trainable_parameters(model: keras.Model) -> int:
    """How many numbers an optimizer would update: the sizes of ``model.trainable_weights``."""
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


# ---- data and training --------------------------------------------------------------------------


def xray_arrays(split: str, image_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)`` of a chest X-ray split as NumPy arrays: uint8 ``(N, h, w, 1)`` and
    int ``(N,)`` (0 normal, 1 pneumonia), in :func:`load_chest_xray`'s order."""
    dataset = load_chest_xray(split, image_size=image_size).batch(256)
    images, labels = [], []
    for x, y in dataset.as_numpy_iterator():
        images.append(np.clip(np.round(x), 0, 255).astype(np.uint8))
        labels.append(y.astype(int))
    return np.concatenate(images), np.concatenate(labels)


def _compile(model: keras.Model, learning_rate: float) -> None:
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=[keras.metrics.AUC(name="auc"),
                           keras.metrics.BinaryAccuracy(name="accuracy")])


def _fit(model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int,
         validation: tuple[np.ndarray, np.ndarray] | None, class_weight: dict | None):
    return model.fit(x.astype("float32"), y, epochs=epochs, batch_size=batch_size,
                     validation_data=validation, class_weight=class_weight, verbose=0)


def train_scratch(
    x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int = 16,
    learning_rate: float = 1e-3, validation: tuple[np.ndarray, np.ndarray] | None = None,
    class_weight: dict | None = None, seed: int = 0,
) -> tuple[keras.Model, keras.callbacks.History]:
    """Lesson 12's model (:func:`course_utils.xray.build_xray_model`) trained from random
    weights for ``epochs`` epochs with Adam at ``learning_rate``."""
    from course_utils.xray import build_xray_model

    keras.utils.set_random_seed(seed)
    model = build_xray_model(x.shape[1:3])
    _compile(model, learning_rate)
    return model, _fit(model, x, y, epochs, batch_size, validation, class_weight)


def train_transfer(
    base: keras.Model, x: np.ndarray, y: np.ndarray, head_epochs: int, fine_epochs: int,
    batch_size: int = 16, learning_rate: float = 1e-3, fine_learning_rate: float = 1e-4,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    class_weight: dict | None = None, seed: int = 0,
) -> tuple[keras.Model, list[keras.callbacks.History]]:
    """Feature extraction, then fine-tuning, on a copy of ``base`` (``base`` is untouched).

    ``head_epochs`` with the base frozen at ``learning_rate``; then the whole base unfrozen
    (:func:`unfreeze_top`, batch normalization kept frozen and in inference mode) and
    ``fine_epochs`` more at ``fine_learning_rate``. Returns the model and both histories.
    """
    keras.utils.set_random_seed(seed)
    own_base = copy_base(base)
    own_base.trainable = False
    model = build_transfer_model(own_base)
    _compile(model, learning_rate)
    histories = [_fit(model, x, y, head_epochs, batch_size, validation, class_weight)]
    if fine_epochs:
        unfreeze_top(own_base)
        _compile(model, fine_learning_rate)  # recompile: the trainable weights changed
        histories.append(_fit(model, x, y, fine_epochs, batch_size, validation, class_weight))
    return model, histories


def draw_phases(learning_rate: float = 1e-3, fine_learning_rate: float = 1e-4) -> Figure:
    """The two phases in one picture: the same chain (gray X-ray → three channels → base →
    new head → probability) with the base frozen, then unfrozen except its batch
    normalization; frozen parts in blue-gray, trained parts in orange, with each phase's
    learning rate."""
    from course_utils.xray import _arrow, _box

    frozen, trained = "#c9d6e3", "#f6c28b"
    fig, axes = plt.subplots(2, 1, figsize=(10, 4.6), layout="constrained")
    phases = [
        ("1. Extração de características: a base congelada, só a cabeça treina "
         f"(taxa {num(learning_rate)})", frozen, "base pré-treinada\ncongelada"),
        ("2. Ajuste fino: a base descongelada, a normalização em lote congelada "
         f"(taxa {num(fine_learning_rate)})", trained,
         "base pré-treinada\ndescongelada\n(BN congelada)"),
    ]
    for ax, (title, base_color, base_text) in zip(axes, phases):
        ax.set_xlim(0, 10.4)
        ax.set_ylim(0, 1.6)
        ax.axis("off")
        boxes = [("radiografia\ncinza, 1 canal", "0.95"), ("canal repetido\n3 vezes", "0.95"),
                 (base_text, base_color), ("cabeça nova\nDropout, Dense(1)", trained),
                 ("probabilidade\nde pneumonia", "0.95")]
        for k, (text, color) in enumerate(boxes):
            _box(ax, 0.1 + 2.1 * k, 0.2, 1.8, 1.0, text, color=color)
            if k:
                _arrow(ax, (2.1 * k - 0.15, 0.7), (2.1 * k + 0.05, 0.7))
        ax.set_title(title, fontsize=10, loc="left")
    fig.legend(handles=[Patch(facecolor=frozen, edgecolor="0.3", label="congelado"),
                        Patch(facecolor=trained, edgecolor="0.3", label="treina")],
               loc="upper right", ncols=2, fontsize=9)
    return fig


def roc_auc(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    """The exact ROC AUC (scikit-learn) of ``model``'s probabilities on ``(x, y)``."""
    from sklearn.metrics import roc_auc_score

    # called directly, not through predict(): a fresh model's predict() traces a new function,
    # and TensorFlow warns about retracing when a lesson scores several models in a loop
    probabilities = np.concatenate([
        np.asarray(model(x[start:start + 256].astype("float32"), training=False)).ravel()
        for start in range(0, len(x), 256)
    ])
    return float(roc_auc_score(y, probabilities))
