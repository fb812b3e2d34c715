"""Lesson 12's chest X-ray model and input pipeline, shared with ``benchmarks/chest_xray.py``.

The model is the one of Keras' example "Pneumonia Classification on TPU" (Amy MiHyun Jang),
rewritten for Keras 3: :func:`conv_block`, :func:`dense_block` and :func:`build_xray_model`.
The pipeline helpers turn :func:`course_utils.datasets.load_chest_xray` into batches
(:func:`make_pipeline`) and split the training set into fit and validation parts by patient
(:func:`split_by_patient`, :func:`take`). Two pictures for the lesson, drawn with Matplotlib:
:func:`draw_data_parallelism` and :func:`draw_patient_leakage`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import layers
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

DENSE_BLOCKS: tuple[tuple[int, float], ...] = ((512, 0.7), (128, 0.5), (64, 0.3))
"""``(units, dropout rate)`` of the three dense blocks, as in the Keras example."""

CONV_FILTERS: tuple[int, ...] = (32, 64, 128, 256)
"""Filters of the four conv blocks, after the two plain 16-filter convolutions."""

CONV_DROPOUT = 0.2
"""Dropout after the 128- and 256-filter conv blocks."""

STEPS_PER_EXECUTION = 8
"""Training steps per compiled call (``compile(steps_per_execution=...)``): the host hands
the accelerator 8 batches at a time instead of one, fewer round trips (a TPU's bottleneck)."""

MIN_IMAGE_SIZE = 32
"""Smallest side the model takes: five 2×2 poolings halve it five times (32 → 1)."""


def conv_block(filters: int, inputs: keras.KerasTensor) -> keras.KerasTensor:
    """Two 3×3 separable convolutions (ReLU, "same") → BatchNormalization → 2×2 max pooling."""
    x = layers.SeparableConv2D(filters, 3, activation="relu", padding="same")(inputs)
    x = layers.SeparableConv2D(filters, 3, activation="relu", padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.MaxPooling2D()(x)


def dense_block(units: int, dropout_rate: float, inputs: keras.KerasTensor) -> keras.KerasTensor:
    """Dense (ReLU) → BatchNormalization → Dropout(``dropout_rate``)."""
    x = layers.Dense(units, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    return layers.Dropout(dropout_rate)(x)


def build_xray_model(
    image_size: tuple[int, int] = (180, 180),
    channels: int = 1,
    dense_blocks: Sequence[tuple[int, float]] = DENSE_BLOCKS,
) -> keras.Model:
    """The pneumonia classifier: images in 0..255 (uint8 or float) → probability of pneumonia.

    Rescaling(1/255) → two Conv2D 16 → max pooling → conv blocks 32, 64, 128 (+ dropout 0.2)
    and 256 (+ dropout 0.2) → Flatten → the dense blocks → Dense(1, sigmoid), which computes
    in float32 whatever the dtype policy. Uncompiled.
    ``image_size`` must be at least :data:`MIN_IMAGE_SIZE` on each side.

    >>> build_xray_model((32, 32)).output_shape
    (None, 1)
    """
    if len(image_size) != 2 or min(image_size) < MIN_IMAGE_SIZE:
        raise ValueError(
            f"image_size deve ser (altura, largura), cada um pelo menos {MIN_IMAGE_SIZE} "
            f"(o modelo divide o tamanho por 2 cinco vezes), recebi {image_size!r}"
        )
    inputs = keras.Input(shape=(*image_size, channels))
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
    x = layers.MaxPooling2D()(x)
    for filters in CONV_FILTERS:
        x = conv_block(filters, x)
        if filters >= 128:
            x = layers.Dropout(CONV_DROPOUT)(x)
    x = layers.Flatten()(x)
    for units, rate in dense_blocks:
        x = dense_block(units, rate, x)
    # the probability in float32 even under mixed precision: a bfloat16 sigmoid saturates
    outputs = layers.Dense(1, activation="sigmoid", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="xray_pneumonia")


def xray_metrics() -> list[keras.metrics.Metric]:
    """Binary accuracy, precision, recall and AUC (ROC), the example's metrics."""
    return [
        keras.metrics.BinaryAccuracy(name="accuracy"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
        keras.metrics.AUC(name="auc"),
    ]


def split_by_patient(
    paths: Sequence[str], labels: np.ndarray, val_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(fit_index, val_index, grouped)``: a stratified split that keeps each patient whole.

    The patient comes from each file name (:func:`course_utils.datasets.chest_xray_patient_id`);
    an image whose name has no patient id is its own group, so without any id (the offline
    mirror) this is a plain stratified split by image and ``grouped`` is False. About
    ``val_fraction`` of the images (in whole patients) go to validation.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    from course_utils.datasets import chest_xray_patient_id

    labels = np.asarray(labels)
    if len(paths) != len(labels):
        raise ValueError(
            f"paths e labels têm tamanhos diferentes: {len(paths)} e {len(labels)}"
        )
    if not 0 < val_fraction < 0.5:
        raise ValueError(f"val_fraction deve estar em (0, 0.5), recebi {val_fraction!r}")
    patients = [chest_xray_patient_id(p) for p in paths]
    groups = [p if p is not None else f"image-{i}" for i, p in enumerate(patients)]
    splitter = StratifiedGroupKFold(n_splits=round(1 / val_fraction), shuffle=True,
                                    random_state=seed)
    fit_index, val_index = next(splitter.split(np.zeros(len(labels)), labels, groups))
    return fit_index, val_index, any(p is not None for p in patients)


def take(dataset: tf.data.Dataset, index: np.ndarray) -> tf.data.Dataset:
    """The elements of ``dataset`` at positions ``index`` (kept in the dataset's order)."""
    index = np.asarray(index, dtype=np.int64)
    if index.size == 0 or index.min() < 0:
        raise ValueError(f"index deve conter posições não negativas, recebi {index!r}")
    mask = np.zeros(int(index.max()) + 1, dtype=bool)
    mask[index] = True
    keep, last = tf.constant(mask), len(mask) - 1

    def chosen(i: tf.Tensor, element: object) -> tf.Tensor:
        return tf.logical_and(i <= last, tf.gather(keep, tf.minimum(i, last)))

    selected = dataset.enumerate().filter(chosen).map(lambda i, element: element)
    # a filter hides the length from Keras; state it (the count is checked while iterating)
    return selected.apply(tf.data.experimental.assert_cardinality(len(np.unique(index))))


def make_pipeline(
    dataset: tf.data.Dataset,
    batch_size: int,
    training: bool = False,
    seed: int = 0,
    replicas: int = 1,
) -> tf.data.Dataset:
    """Decoded ``(image, label)`` examples → uint8 → cache → [shuffle] → batch → prefetch.

    ``batch_size`` is the global batch (per replica × ``strategy.num_replicas_in_sync``)
    and ``replicas`` that number of replicas. Images are rounded to ``uint8`` before the
    cache, a quarter of the memory of float32 (the model rescales them itself).
    ``training=True`` reshuffles every epoch and drops the last incomplete batch, so every
    step has the same shape (compiled once on a TPU). Otherwise every example is kept except
    the last ``len % replicas``: under JAX each batch must split evenly over the replicas
    (none is dropped with one replica). The dataset's length must be known.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size deve ser um inteiro positivo, recebi {batch_size!r}")
    if not isinstance(replicas, int) or replicas < 1 or batch_size % replicas:
        raise ValueError(f"replicas deve ser um inteiro positivo que divide batch_size "
                         f"{batch_size}, recebi {replicas!r}")
    count = int(dataset.cardinality())
    if count < 0:
        raise ValueError(
            "o tamanho do dataset é desconhecido; passe um com cardinalidade conhecida"
        )
    if training and count < batch_size:
        raise ValueError(
            f"{count} exemplos de treino não enchem um lote de {batch_size}"
        )
    if not training:
        dataset = dataset.take(count - count % replicas)
    dataset = dataset.map(to_uint8, num_parallel_calls=tf.data.AUTOTUNE).cache()
    if training:
        dataset = dataset.shuffle(4096, seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=training).prefetch(tf.data.AUTOTUNE)


def to_uint8(image: tf.Tensor, label: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """``image`` (0..255, any dtype) rounded and saturated to uint8; ``label`` unchanged."""
    return tf.saturate_cast(tf.round(tf.cast(image, tf.float32)), tf.uint8), label


# ---- pictures for the lesson ------------------------------------------------------------------


def _box(ax: Axes, x: float, y: float, width: float, height: float, text: str,
         color: str = "0.92", fontsize: float = 9) -> None:
    """A rounded box with centred text, in data coordinates."""
    ax.add_patch(FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0.02",
                                facecolor=color, edgecolor="0.3"))
    ax.text(x + width / 2, y + height / 2, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": "0.3", "linewidth": 1.3})


def draw_data_parallelism(replicas: int = 2, per_replica: int = 4) -> Figure:
    """Data parallelism in one picture: the global batch split into one shard per replica,
    each replica with a copy of the weights computing its gradient, the gradients summed
    across replicas (all-reduce) and the same update applied to every copy."""
    if not 2 <= replicas <= 4 or not 1 <= per_replica <= 6:
        raise ValueError(f"replicas deve ir de 2 a 4 e per_replica de 1 a 6, recebi {replicas}, "
                         f"{per_replica}")
    total = replicas * per_replica
    width = max(total, 3 * replicas) + 1.0
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * width, 5.2))
    ax.set_xlim(0, width)
    ax.set_ylim(0, 7.2)
    ax.axis("off")
    colors = [f"C{r}" for r in range(replicas)]
    left = (width - total) / 2
    for k in range(total):
        ax.add_patch(Rectangle((left + k + 0.1, 6.2), 0.8, 0.7, color=colors[k // per_replica],
                               alpha=0.6))
    ax.text(width / 2, 7.05, f"lote global: {total} imagens ({replicas} × {per_replica})",
            ha="center", fontsize=10)
    column = width / replicas
    for r in range(replicas):
        center = column * (r + 0.5)
        shard = left + r * per_replica + per_replica / 2
        _arrow(ax, (shard, 6.15), (center, 5.05))
        _box(ax, center - 1.3, 3.7, 2.6, 1.3,
             f"réplica {r}\ncópia dos pesos W\n{per_replica} imagens → $g_{r}$", color=colors[r])
        _arrow(ax, (center, 3.65), (width / 2, 2.65))
    grads = " + ".join(f"$g_{r}$" for r in range(replicas))
    _box(ax, width / 2 - 2.4, 1.6, 4.8, 1.0,
         f"soma entre as réplicas (all-reduce)\ng = {grads}", color="0.85")
    _box(ax, width / 2 - 2.4, 0.1, 4.8, 0.95,
         "W ← W − taxa · g\no mesmo passo em todas as cópias", color="0.95")
    _arrow(ax, (width / 2, 1.55), (width / 2, 1.1))
    ax.set_title("Paralelismo de dados: cada réplica calcula o gradiente do seu pedaço do lote",
                 fontsize=11, pad=14)
    return fig


_PATIENT_COLORS = ("C0", "C1", "C2", "C4", "C5", "C6", "C8", "C9")
"""One colour per patient, without Matplotlib's red (C3), which marks the leaked ones."""


def draw_patient_leakage(films: Sequence[int] = (3, 2, 4, 2, 3, 2), seed: int = 3) -> Figure:
    """Two splits of the same patients' films into training and validation: by image (a
    patient's films fall on both sides, outlined in red) and by patient (each patient whole).

    ``films`` holds the number of X-rays of each patient; the by-image split draws a random
    third of the films for validation with ``seed``.
    """
    films = [int(n) for n in films]
    if not 2 <= len(films) <= 8 or min(films) < 1:
        raise ValueError(f"films deve ter de 2 a 8 contagens positivas, recebi {films!r}")
    owner = np.repeat(np.arange(len(films)), films)
    rng = np.random.default_rng(seed)
    by_image = np.zeros(len(owner), dtype=bool)
    by_image[rng.choice(len(owner), size=len(owner) // 3, replace=False)] = True
    by_patient = np.isin(owner, np.arange(len(films))[1::3])
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
    for ax, in_val, title in [(axes[0], by_image, "por imagem: há vazamento"),
                              (axes[1], by_patient, "por paciente: sem vazamento")]:
        leaked = {p for p in range(len(films)) if len(set(in_val[owner == p])) == 2}
        ax.set_xlim(0, 2)
        ax.set_ylim(-0.4, max(np.sum(~in_val), np.sum(in_val)) * 0.45 + 0.6)
        ax.axis("off")
        for side, name in ((False, "treino"), (True, "validação")):
            x0 = 1.05 if side else 0.0
            ax.text(x0 + 0.475, -0.3, name, ha="center", fontsize=10)
            for row, film in enumerate(np.flatnonzero(in_val == side)):
                patient = owner[film]
                ax.add_patch(Rectangle((x0 + 0.05, row * 0.45), 0.85, 0.38,
                                       facecolor=_PATIENT_COLORS[patient], alpha=0.55,
                                       edgecolor="red" if patient in leaked else "none",
                                       linewidth=2.5))
                ax.text(x0 + 0.475, row * 0.45 + 0.19, f"paciente {patient + 1}",
                        ha="center", va="center", fontsize=8)
        ax.set_title(f"Divisão {title}\n"
                     f"pacientes dos dois lados (em vermelho): {len(leaked)}", fontsize=10)
    fig.suptitle("Radiografias de cada paciente (uma cor por paciente)", fontsize=11)
    return fig
