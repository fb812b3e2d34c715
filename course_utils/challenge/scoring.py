"""How a challenge model is scored, on the student's side and the grader's alike.

A model gets uint8 images ``(N, 28, 28)`` prepared by :func:`prepare_images` under each pixel
scale of :data:`PIXEL_SCALES`; :func:`choose_pixel_scale` picks the scale it scores best with
on public **training** images (:func:`public_sample`), and its predicted class is the
``argmax`` of its output. The grader's sandbox runs :func:`classes_by_scale`; the labels stay
outside it. The rule in prose: ``docs/submission-format.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from course_utils.challenge.contract import OUTPUT_SHAPE

PIXEL_SCALES: dict[str, float] = {"0-1": 1 / 255, "0-255": 1.0}
"""Input conventions a model may expect: name → factor applied to the uint8 pixels.

``"0-1"`` (pixel / 255) is how the lessons train; ``"0-255"`` (raw pixels) fits a model that
normalises inside itself, e.g. with ``keras.layers.Rescaling(1 / 255)`` as its first layer."""

DEFAULT_SCALE = "0-1"
"""The convention the lessons use; it wins every tie of :func:`choose_pixel_scale`."""

SCALE_NAMES = {"0-1": "pixels de 0 a 1 (pixel / 255)", "0-255": "pixels de 0 a 255"}
"""Each pixel scale in words, for the Portuguese messages."""

CHANCE_ACCURACY = 0.2
"""Accuracy under which a 10-class model is treated as guessing (chance is 0.1)."""

PUBLIC_SAMPLE_SIZE = 500
"""Training images used to choose a model's pixel scale (never the test or evaluation set)."""


def _check_scale(scale: str) -> float:
    if scale not in PIXEL_SCALES:
        raise ValueError(
            f"escala de pixels desconhecida {scale!r}; use uma de {sorted(PIXEL_SCALES)}"
        )
    return PIXEL_SCALES[scale]


def prepare_images(
    images: np.ndarray, channel_axis: bool = True, scale: str = DEFAULT_SCALE
) -> np.ndarray:
    """uint8 images ``(N, 28, 28)`` as the grader feeds them: float32, scaled by ``scale``.

    ``scale="0-1"`` (the default) divides by 255; ``"0-255"`` keeps the raw pixel values (see
    :data:`PIXEL_SCALES`). With ``channel_axis`` the result has shape ``(N, 28, 28, 1)``.
    """
    factor = _check_scale(scale)
    x = np.asarray(images, dtype=np.float32) * np.float32(factor)
    return x[..., np.newaxis] if channel_axis else x


def predict_classes(
    model: Any, images: np.ndarray, scale: str = DEFAULT_SCALE, batch_size: int = 256
) -> np.ndarray:
    """Predicted class (``argmax`` of the output) of each uint8 image, as ``uint8`` ``(N,)``.

    The images are prepared by :func:`prepare_images` with ``scale`` and with the channel axis
    when the model's input has one. Raises ``ValueError`` when the output is not ``(N, 10)``
    finite scores.
    """
    _check_scale(scale)
    channel_axis = len(model.input_shape) == 4
    x = prepare_images(images, channel_axis, scale)
    scores = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    expected = (len(x), OUTPUT_SHAPE[1])
    if scores.shape != expected:
        raise ValueError(
            f"o modelo devolveu saída de formato {scores.shape}; esperado {expected} "
            "(uma pontuação por classe para cada imagem)"
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError("o modelo devolveu valores não finitos (NaN ou infinito)")
    return np.argmax(scores, axis=1).astype(np.uint8)


def classes_by_scale(model: Any, images: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`predict_classes` of ``images`` under every scale of :data:`PIXEL_SCALES`."""
    return {scale: predict_classes(model, images, scale) for scale in PIXEL_SCALES}


def choose_pixel_scale(
    classes_by_scale: Mapping[str, np.ndarray], labels: np.ndarray
) -> tuple[str, dict[str, float]]:
    """The pixel scale under which a model scores best, and the accuracy under each scale.

    ``classes_by_scale`` maps each scale of :data:`PIXEL_SCALES` to the classes predicted for
    the same public images (not the evaluation set), whose true classes are ``labels``. A tie
    goes to :data:`DEFAULT_SCALE`. Pure function: the grader calls it outside the sandbox,
    where the labels are.
    """
    labels = np.asarray(labels)
    missing = [scale for scale in PIXEL_SCALES if scale not in classes_by_scale]
    if missing:
        raise ValueError(f"faltam as previsões das escalas {missing}")
    accuracies = {}
    for scale in PIXEL_SCALES:
        classes = np.asarray(classes_by_scale[scale])
        if classes.shape != labels.shape:
            raise ValueError(
                f"escala {scale}: {classes.shape} previsões para {labels.shape} rótulos"
            )
        accuracies[scale] = float(np.mean(classes == labels)) if len(labels) else 0.0
    return _best_scale(accuracies), accuracies


def _best_scale(accuracies: Mapping[str, float]) -> str:
    return max(PIXEL_SCALES, key=lambda scale: (accuracies[scale], scale == DEFAULT_SCALE))


def scale_diagnosis(accuracies: Mapping[str, float]) -> str | None:
    """A Portuguese line explaining the per-scale accuracies, or ``None`` when all is normal.

    At chance (below :data:`CHANCE_ACCURACY`) under every scale: the model did not learn (or
    is not the trained one). Best under a scale other than :data:`DEFAULT_SCALE`: the model
    expects that scale, and it is scored with it.
    """
    best = _best_scale(accuracies)
    if accuracies[best] < CHANCE_ACCURACY:
        tried = ", ".join(f"{accuracies[s]:.2f} com {SCALE_NAMES[s]}" for s in PIXEL_SCALES)
        return (
            f"o modelo acerta só por acaso com qualquer escala de pixels ({tried}; o acaso é "
            "0.10): confira se ele foi treinado (model.fit) e se foi o modelo treinado que você "
            "salvou"
        )
    if best != DEFAULT_SCALE:
        return (
            f"com {SCALE_NAMES[DEFAULT_SCALE]} o modelo acerta {accuracies[DEFAULT_SCALE]:.2f}, "
            f"com {SCALE_NAMES[best]} acerta {accuracies[best]:.2f}: ele espera "
            f"{SCALE_NAMES[best]} (tem uma camada Rescaling(1/255) dentro, ou foi treinado sem "
            f"dividir por 255) e é avaliado assim"
        )
    return None


def public_sample(size: int = PUBLIC_SAMPLE_SIZE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``size`` images and labels drawn from the Fashion-MNIST **training** split.

    Public images for :func:`choose_pixel_scale`: they are never in the test split nor in the
    grader's evaluation set (drawn from the test split). Fewer in fast mode if the split is
    smaller.
    """
    from course_utils import datasets

    (x_train, y_train), _ = datasets.load_fashion_mnist()
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(y_train), size=min(size, len(y_train)), replace=False)
    return x_train[chosen], y_train[chosen]


def model_accuracy(
    model: Any, images: np.ndarray, labels: np.ndarray, scale: str | None = None
) -> float:
    """Fraction of ``images`` (uint8, ``(N, 28, 28)``) whose predicted class is the label.

    ``scale`` is the pixel scale (see :data:`PIXEL_SCALES`); ``None`` chooses it on these
    images with :func:`choose_pixel_scale`. To score as the grader does, choose the scale on
    :func:`public_sample` and pass it here.
    """
    labels = np.asarray(labels)
    if scale is None:
        scale, accuracies = choose_pixel_scale(classes_by_scale(model, images), labels)
        return accuracies[scale]
    return float(np.mean(predict_classes(model, images, scale) == labels))
