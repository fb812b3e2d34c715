"""Batch normalization and dropout written in NumPy, the way Keras computes them (lesson 10).

Batch normalization normalizes each channel (the last axis, like Keras' ``axis=-1``) with
statistics taken over every other axis: the batch axis of an ``(N, C)`` input, the batch and
spatial axes of an ``(N, H, W, C)`` one. In training mode it uses the batch's mean and
biased variance and updates the moving statistics with Keras' rule
``moving = moving * momentum + batch * (1 - momentum)``; in inference mode it uses the
moving statistics. Dropout is *inverted* dropout, as in ``keras.layers.Dropout``: in
training each value is zeroed with probability ``rate`` and the survivors are multiplied
by ``1 / (1 - rate)``; at inference it is the identity.

>>> bn = BatchNorm(3)
>>> y = bn.forward(np.random.default_rng(0).normal(5, 2, size=(64, 3)), training=True)
>>> bool(np.allclose(y.mean(axis=0), 0, atol=1e-6))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DEFAULT_MOMENTUM = 0.99
"""Keras' default ``momentum`` of ``BatchNormalization``."""

DEFAULT_EPSILON = 1e-3
"""Keras' default ``epsilon`` of ``BatchNormalization``."""


def _as_float_array(x: np.ndarray, name: str = "x") -> np.ndarray:
    array = np.asarray(x)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise ValueError(f"{name} deve conter números, mas tem dtype {array.dtype}")
    return array.astype(np.result_type(array.dtype, np.float32), copy=False)


def _check_batch(x: np.ndarray) -> np.ndarray:
    array = _as_float_array(x)
    if array.ndim < 2:
        raise ValueError(
            "x deve ter um eixo de lote e um eixo de canais, por exemplo (N, C) ou "
            f"(N, H, W, C); mas tem formato {array.shape}"
        )
    if array.shape[0] < 1 or array.shape[-1] < 1:
        raise ValueError(
            f"x deve ter pelo menos um exemplo e um canal, mas tem formato {array.shape}"
        )
    return array


def _check_channel_vector(value: np.ndarray, channels: int, name: str) -> np.ndarray:
    vector = _as_float_array(value, name)
    if vector.shape != (channels,):
        raise ValueError(f"{name} deve ter formato ({channels},), um por canal, "
                         f"mas tem {vector.shape}")
    return vector


def _check_momentum_epsilon(momentum: float, epsilon: float) -> None:
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum deve estar em [0, 1], recebi {momentum!r}")
    if not epsilon > 0.0:
        raise ValueError(f"epsilon deve ser positivo, recebi {epsilon!r}")


def batch_moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and **biased** variance over every axis but the last.

    ``x`` is ``(N, C)`` or ``(N, H, W, C)``; both results have shape ``(C,)``.
    The variance divides by the number of values (``ddof=0``), as Keras does.
    """
    array = _check_batch(x)
    axes = tuple(range(array.ndim - 1))
    return array.mean(axis=axes), array.var(axis=axes)


def normalize(
    x: np.ndarray,
    mean: np.ndarray,
    variance: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    epsilon: float = DEFAULT_EPSILON,
) -> np.ndarray:
    r"""``gamma * (x - mean) / sqrt(variance + epsilon) + beta``, per channel (last axis).

    This is the step shared by both modes: training passes the batch's statistics,
    inference the moving ones. ``mean``, ``variance``, ``gamma`` and ``beta`` have shape
    ``(C,)``.
    """
    array = _check_batch(x)
    channels = array.shape[-1]
    mean, variance, gamma, beta = (
        _check_channel_vector(v, channels, name)
        for v, name in ((mean, "mean"), (variance, "variance"), (gamma, "gamma"), (beta, "beta"))
    )
    if not epsilon > 0.0:
        raise ValueError(f"epsilon deve ser positivo, recebi {epsilon!r}")
    if np.any(variance < 0):
        raise ValueError("variance não pode ser negativa")
    return gamma * (array - mean) / np.sqrt(variance + epsilon) + beta


def batch_norm_train(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    epsilon: float = DEFAULT_EPSILON,
) -> np.ndarray:
    """Training-mode batch normalization of ``x`` with the batch's own statistics.

    Equal to ``keras.layers.BatchNormalization(epsilon=epsilon)(x, training=True)`` with
    the same ``gamma`` and ``beta`` (the moving statistics are not touched here; see
    :class:`BatchNorm` for the layer with state).
    """
    mean, variance = batch_moments(x)
    return normalize(x, mean, variance, gamma, beta, epsilon)


def update_moving(moving: np.ndarray, batch: np.ndarray, momentum: float = DEFAULT_MOMENTUM
                  ) -> np.ndarray:
    """Keras' moving-average rule: ``moving * momentum + batch * (1 - momentum)``.

    With ``momentum=0.99`` each step moves the moving statistic 1 % of the way to the
    batch statistic. (PyTorch's ``momentum=0.1`` is the weight of the *batch*: the same
    rule with ``1 - momentum``.)
    """
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum deve estar em [0, 1], recebi {momentum!r}")
    moving_array = _as_float_array(moving, "moving")
    batch_array = _as_float_array(batch, "batch")
    if moving_array.shape != batch_array.shape:
        raise ValueError(f"moving e batch devem ter o mesmo formato, mas têm "
                         f"{moving_array.shape} e {batch_array.shape}")
    return moving_array * momentum + batch_array * (1.0 - momentum)


class BatchNorm:
    """A batch normalization layer with state, equal to ``keras.layers.BatchNormalization()``.

    ``gamma`` (scale) and ``beta`` (offset) are what training learns; ``moving_mean`` and
    ``moving_variance`` are running averages kept for inference. They start like Keras':
    ones, zeros, zeros and ones. :meth:`get_weights` / :meth:`set_weights` use Keras' order
    ``[gamma, beta, moving_mean, moving_variance]``.
    """

    def __init__(self, channels: int, momentum: float = DEFAULT_MOMENTUM,
                 epsilon: float = DEFAULT_EPSILON) -> None:
        if not isinstance(channels, (int, np.integer)) or isinstance(channels, bool) \
                or channels < 1:
            raise ValueError(f"channels deve ser um inteiro positivo, recebi {channels!r}")
        _check_momentum_epsilon(momentum, epsilon)
        self.channels = int(channels)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.gamma = np.ones(self.channels, dtype=np.float32)
        self.beta = np.zeros(self.channels, dtype=np.float32)
        self.moving_mean = np.zeros(self.channels, dtype=np.float32)
        self.moving_variance = np.ones(self.channels, dtype=np.float32)

    def __repr__(self) -> str:
        return (f"BatchNorm(channels={self.channels}, momentum={self.momentum}, "
                f"epsilon={self.epsilon})")

    def get_weights(self) -> list[np.ndarray]:
        """``[gamma, beta, moving_mean, moving_variance]``, copies, in Keras' order."""
        return [w.copy() for w in (self.gamma, self.beta, self.moving_mean,
                                   self.moving_variance)]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Set ``[gamma, beta, moving_mean, moving_variance]`` (e.g. a Keras layer's)."""
        if len(weights) != 4:
            raise ValueError("weights deve ser [gamma, beta, moving_mean, moving_variance], "
                             f"recebi {len(weights)} arrays")
        names = ("gamma", "beta", "moving_mean", "moving_variance")
        values = [_check_channel_vector(w, self.channels, n) for w, n in zip(weights, names)]
        if np.any(values[3] < 0):
            raise ValueError("moving_variance não pode ser negativa")
        self.gamma, self.beta, self.moving_mean, self.moving_variance = (
            v.astype(np.float32) for v in values
        )

    def count_params(self) -> int:
        """4 numbers per channel: 2 trainable (gamma, beta), 2 not (the moving statistics)."""
        return 4 * self.channels

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Normalize ``x`` of shape ``(N, C)`` or ``(N, H, W, C)``; the last axis is ``C``.

        ``training=True``: batch statistics, and the moving statistics are updated.
        ``training=False``: the moving statistics, nothing changes.
        """
        array = _check_batch(x)
        if array.shape[-1] != self.channels:
            raise ValueError(f"x tem {array.shape[-1]} canais no último eixo, mas "
                             f"esta camada foi feita para {self.channels}")
        if training:
            mean, variance = batch_moments(array)
            self.moving_mean = update_moving(self.moving_mean, mean, self.momentum)
            self.moving_variance = update_moving(self.moving_variance, variance, self.momentum)
        else:
            mean, variance = self.moving_mean, self.moving_variance
        return normalize(array, mean, variance, self.gamma, self.beta, self.epsilon)

    __call__ = forward


def dropout(
    x: np.ndarray,
    rate: float,
    training: bool,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Inverted dropout, as ``keras.layers.Dropout(rate)``.

    In training, each value is zeroed independently with probability ``rate`` and the kept
    ones are divided by ``1 - rate``, so the expected value of every output equals its
    input. At inference (``training=False``) ``x`` comes back unchanged (as a float array).
    ``rng`` draws the mask (``np.random.default_rng()`` when ``None``).
    """
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating, np.integer)):
        raise ValueError(f"rate deve ser um número em [0, 1), recebi {rate!r}")
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"rate deve estar em [0, 1) (a fração de valores descartados), "
                         f"recebi {rate!r}")
    array = _as_float_array(x)
    if not training or rate == 0:
        return array.copy()
    if rng is None:
        rng = np.random.default_rng()
    elif not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng deve ser um numpy.random.Generator, recebi {type(rng).__name__}")
    keep = rng.random(array.shape) >= rate
    return np.where(keep, array / (1.0 - rate), 0.0).astype(array.dtype)
