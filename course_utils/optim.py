"""Gradient-descent optimisers written from scratch in NumPy (lesson 04).

Each optimiser exists twice:

* a pure **step function** (``gd_step``, ``momentum_step``, ``adagrad_step``,
  ``rmsprop_step``, ``adam_step``) that takes the parameters, the gradient and the
  optimiser's state and returns the new parameters and the new state, without modifying
  its inputs; the exercises of lesson 04 are checked against these;
* a small **class** with the same name, defaults and hyperparameters as its
  ``keras.optimizers`` counterpart (``SGD``, ``Adagrad``, ``RMSprop``, ``Adam``), which keeps
  the state between calls of :meth:`Optimizer.step`; :func:`run` uses them to record a
  trajectory.

The update rules are those of Keras 3, written out (``g`` is the gradient, ``η`` the
learning rate):

* SGD: ``θ ← θ − η g``; with momentum ``μ``: ``v ← μ v − η g``, ``θ ← θ + v``;
* Adagrad: ``r ← r + g²``, ``θ ← θ − η g / √(r + ε)``, with ``r`` starting at
  ``initial_accumulator_value`` (0.1 in Keras) and ε *inside* the square root;
* RMSprop: ``r ← ρ r + (1 − ρ) g²``, ``θ ← θ − η g / √(r + ε)`` (ε inside the root;
  Keras' ``momentum=0`` and ``centered=False``);
* Adam (Kingma & Ba, 2015): ``m ← β₁ m + (1 − β₁) g``, ``v ← β₂ v + (1 − β₂) g²``,
  ``m̂ = m / (1 − β₁ᵗ)``, ``v̂ = v / (1 − β₂ᵗ)``, ``θ ← θ − η m̂ / (√v̂ + ε)``.
  Keras computes the same update as ``θ ← θ − η_t m / (√v + ε)`` with
  ``η_t = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)``: ε is then added to ``√v`` instead of ``√v̂``, which
  equals the first form with ε replaced by ``ε / √(1 − β₂ᵗ)``. ``epsilon_mode`` chooses
  between the two ("paper", the default, or "keras"); with ε = 1e-7 they differ by far less
  than float32 rounding. (Keras also casts β₂ through float32 in the bias correction, so
  with β₂ = 0.999 its parameters drift from these float64 ones by about 1e-5 after ten
  large steps; that is rounding, not a different rule.)

Plain gradient descent and mini-batch SGD share one rule; what changes is the gradient you
pass (the whole training set or one mini-batch).

>>> opt = Adam(learning_rate=0.1)
>>> trajectory = run(opt, lambda theta: 2 * theta, np.array([1.0, -2.0]), steps=3)
>>> trajectory.shape
(4, 2)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

EPSILON_MODES = ("paper", "keras")
"""Where Adam adds ε: to √v̂ (the paper's Algorithm 1) or to √v (Keras' formulation)."""


# ------------------------------------------------------------------------- validation


def _as_float_array(value: Any, name: str) -> np.ndarray:
    """A float64 copy of an array-like; ValueError for anything non-numeric."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} deve ser um array de números, recebi {value!r}") from error
    return array


def _pair(theta: Any, grad: Any) -> tuple[np.ndarray, np.ndarray]:
    """Parameters and gradient as float64 arrays of the same shape."""
    theta = _as_float_array(theta, "theta")
    grad = _as_float_array(grad, "grad")
    if theta.shape != grad.shape:
        raise ValueError(
            f"grad deve ter o formato de theta {theta.shape}, mas tem {grad.shape}"
        )
    return theta, grad


def _state(value: Any, shape: tuple[int, ...], name: str) -> np.ndarray:
    """An optimiser state array of the parameters' shape."""
    array = _as_float_array(value, name)
    if array.shape != shape:
        raise ValueError(f"{name} deve ter o formato de theta {shape}, mas tem {array.shape}")
    return array


def _check_positive(name: str, value: float) -> None:
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} deve ser um número positivo, recebi {value!r}")


def _check_non_negative(name: str, value: float) -> None:
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} deve ser um número não negativo, recebi {value!r}")


def _check_decay(name: str, value: float) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"{name} deve estar em [0, 1), recebi {value!r}")


# ----------------------------------------------------------------------- step functions


def gd_step(theta: Any, grad: Any, learning_rate: float = 0.01) -> np.ndarray:
    """One gradient-descent step, ``θ − η g``; the same rule for full batch and mini-batch.

    >>> gd_step(np.array([1.0, 2.0]), np.array([10.0, -10.0]), learning_rate=0.1)
    array([0., 3.])
    """
    theta, grad = _pair(theta, grad)
    _check_positive("learning_rate", learning_rate)
    return theta - learning_rate * grad


def momentum_step(
    theta: Any, grad: Any, velocity: Any, learning_rate: float = 0.01, momentum: float = 0.9
) -> tuple[np.ndarray, np.ndarray]:
    """One step of SGD with momentum, as Keras does it: ``v ← μ v − η g``; ``θ ← θ + v``.

    ``velocity`` starts at zeros. Returns ``(new_theta, new_velocity)``.
    """
    theta, grad = _pair(theta, grad)
    velocity = _state(velocity, theta.shape, "velocity")
    _check_positive("learning_rate", learning_rate)
    _check_decay("momentum", momentum)
    velocity = momentum * velocity - learning_rate * grad
    return theta + velocity, velocity


def adagrad_step(
    theta: Any, grad: Any, accumulator: Any, learning_rate: float = 0.001, epsilon: float = 1e-7
) -> tuple[np.ndarray, np.ndarray]:
    """One Adagrad step: ``r ← r + g²``; ``θ ← θ − η g / √(r + ε)`` (ε inside, as Keras).

    ``accumulator`` starts at ``initial_accumulator_value`` (Keras: 0.1; the original
    algorithm: 0). Returns ``(new_theta, new_accumulator)``.
    """
    theta, grad = _pair(theta, grad)
    accumulator = _state(accumulator, theta.shape, "accumulator")
    _check_positive("learning_rate", learning_rate)
    _check_non_negative("epsilon", epsilon)
    accumulator = accumulator + grad**2
    return theta - learning_rate * grad / np.sqrt(accumulator + epsilon), accumulator


def rmsprop_step(
    theta: Any,
    grad: Any,
    velocity: Any,
    learning_rate: float = 0.001,
    rho: float = 0.9,
    epsilon: float = 1e-7,
) -> tuple[np.ndarray, np.ndarray]:
    """One RMSprop step: ``r ← ρ r + (1 − ρ) g²``; ``θ ← θ − η g / √(r + ε)``.

    ε inside the square root, as Keras (``momentum=0``, ``centered=False``). ``velocity``
    (the running average ``r`` of g²) starts at zeros. Returns ``(new_theta, new_velocity)``.
    """
    theta, grad = _pair(theta, grad)
    velocity = _state(velocity, theta.shape, "velocity")
    _check_positive("learning_rate", learning_rate)
    _check_decay("rho", rho)
    _check_non_negative("epsilon", epsilon)
    velocity = rho * velocity + (1 - rho) * grad**2
    return theta - learning_rate * grad / np.sqrt(velocity + epsilon), velocity


def adam_step(
    theta: Any,
    grad: Any,
    m: Any,
    v: Any,
    t: int,
    learning_rate: float = 0.001,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    epsilon_mode: str = "paper",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step ``t`` (1, 2, ...) of Adam; returns ``(new_theta, new_m, new_v)``.

    ``m ← β₁ m + (1 − β₁) g``, ``v ← β₂ v + (1 − β₂) g²``, ``m̂ = m / (1 − β₁ᵗ)``,
    ``v̂ = v / (1 − β₂ᵗ)`` and then

    * ``epsilon_mode="paper"``: ``θ ← θ − η m̂ / (√v̂ + ε)`` (Kingma & Ba, Algorithm 1);
    * ``epsilon_mode="keras"``: ``θ ← θ − η_t m / (√v + ε)`` with
      ``η_t = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)``, what ``keras.optimizers.Adam`` computes.

    ``m`` and ``v`` start at zeros; ``t`` counts the steps, starting at 1.
    """
    theta, grad = _pair(theta, grad)
    m = _state(m, theta.shape, "m")
    v = _state(v, theta.shape, "v")
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 1:
        raise ValueError(f"t deve ser o número do passo, um inteiro >= 1, recebi {t!r}")
    _check_positive("learning_rate", learning_rate)
    _check_decay("beta_1", beta_1)
    _check_decay("beta_2", beta_2)
    _check_non_negative("epsilon", epsilon)
    if epsilon_mode not in EPSILON_MODES:
        raise ValueError(f"epsilon_mode deve ser um de {EPSILON_MODES}, recebi {epsilon_mode!r}")
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad**2
    if epsilon_mode == "paper":
        m_hat = m / (1 - beta_1**t)
        v_hat = v / (1 - beta_2**t)
        theta = theta - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    else:
        alpha_t = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        theta = theta - alpha_t * m / (np.sqrt(v) + epsilon)
    return theta, m, v


# ---------------------------------------------------------------------------- classes


class Optimizer:
    """Base class: :meth:`step` returns new parameters and keeps the optimiser's state.

    The state is created at the first step, with the shape of the parameters; use
    :meth:`reset` (or a new object) before optimising other parameters.
    """


    def __init__(self, learning_rate: float) -> None:
        _check_positive("learning_rate", learning_rate)
        self.learning_rate = float(learning_rate)
        self.iterations = 0
        self._shape: tuple[int, ...] | None = None

    def reset(self) -> None:
        """Forget the state (momentum, accumulators, step count)."""
        self.iterations = 0
        self._shape = None

    def step(self, theta: Any, grad: Any) -> np.ndarray:
        """Return the parameters after one update with gradient ``grad``."""
        theta, grad = _pair(theta, grad)
        if self._shape is None:
            self._shape = theta.shape
            self._init_state(theta.shape)
        elif theta.shape != self._shape:
            raise ValueError(
                f"este {type(self).__name__} guarda estado de parâmetros de formato "
                f"{self._shape}, mas recebeu {theta.shape}; chame reset() antes"
            )
        self.iterations += 1
        return self._update(theta, grad)

    def _init_state(self, shape: tuple[int, ...]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _update(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.learning_rate:g})"


class SGD(Optimizer):
    """Gradient descent, with optional momentum; like ``keras.optimizers.SGD``.

    ``momentum=0`` is plain (full-batch or mini-batch) gradient descent.
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0) -> None:
        super().__init__(learning_rate)
        _check_decay("momentum", momentum)
        self.momentum = float(momentum)

    def _init_state(self, shape: tuple[int, ...]) -> None:
        self.velocity = np.zeros(shape)

    def _update(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        if self.momentum == 0:
            return gd_step(theta, grad, self.learning_rate)
        theta, self.velocity = momentum_step(
            theta, grad, self.velocity, self.learning_rate, self.momentum
        )
        return theta

    def __repr__(self) -> str:
        return f"SGD(learning_rate={self.learning_rate:g}, momentum={self.momentum:g})"


class Adagrad(Optimizer):
    """Adagrad like ``keras.optimizers.Adagrad``: the accumulator starts at 0.1."""


    def __init__(
        self,
        learning_rate: float = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
    ) -> None:
        super().__init__(learning_rate)
        _check_non_negative("initial_accumulator_value", initial_accumulator_value)
        _check_non_negative("epsilon", epsilon)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def _init_state(self, shape: tuple[int, ...]) -> None:
        self.accumulator = np.full(shape, self.initial_accumulator_value)

    def _update(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        theta, self.accumulator = adagrad_step(
            theta, grad, self.accumulator, self.learning_rate, self.epsilon
        )
        return theta

    def __repr__(self) -> str:
        return (
            f"Adagrad(learning_rate={self.learning_rate:g}, "
            f"initial_accumulator_value={self.initial_accumulator_value:g}, "
            f"epsilon={self.epsilon:g})"
        )


class RMSprop(Optimizer):
    """RMSprop like ``keras.optimizers.RMSprop`` with ``momentum=0, centered=False``."""


    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        _check_decay("rho", rho)
        _check_non_negative("epsilon", epsilon)
        self.rho = float(rho)
        self.epsilon = float(epsilon)

    def _init_state(self, shape: tuple[int, ...]) -> None:
        self.velocity = np.zeros(shape)

    def _update(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        theta, self.velocity = rmsprop_step(
            theta, grad, self.velocity, self.learning_rate, self.rho, self.epsilon
        )
        return theta

    def __repr__(self) -> str:
        return (
            f"RMSprop(learning_rate={self.learning_rate:g}, rho={self.rho:g}, "
            f"epsilon={self.epsilon:g})"
        )


class Adam(Optimizer):
    """Adam with bias correction; ``epsilon_mode="keras"`` reproduces ``keras.optimizers.Adam``.

    See :func:`adam_step` for the two places ε can go.
    """


    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        epsilon_mode: str = "paper",
    ) -> None:
        super().__init__(learning_rate)
        _check_decay("beta_1", beta_1)
        _check_decay("beta_2", beta_2)
        _check_non_negative("epsilon", epsilon)
        if epsilon_mode not in EPSILON_MODES:
            raise ValueError(
                f"epsilon_mode deve ser um de {EPSILON_MODES}, recebi {epsilon_mode!r}"
            )
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.epsilon_mode = epsilon_mode

    def _init_state(self, shape: tuple[int, ...]) -> None:
        self.m = np.zeros(shape)
        self.v = np.zeros(shape)

    def _update(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        theta, self.m, self.v = adam_step(
            theta, grad, self.m, self.v, self.iterations, self.learning_rate,
            self.beta_1, self.beta_2, self.epsilon, self.epsilon_mode,
        )
        return theta

    def __repr__(self) -> str:
        return (
            f"Adam(learning_rate={self.learning_rate:g}, beta_1={self.beta_1:g}, "
            f"beta_2={self.beta_2:g}, epsilon={self.epsilon:g}, "
            f"epsilon_mode={self.epsilon_mode!r})"
        )


# ------------------------------------------------------------------------- trajectories


def run(
    optimizer: Optimizer,
    grad_fn: Callable[[np.ndarray], Any],
    theta0: Any,
    steps: int,
) -> np.ndarray:
    """Optimise from ``theta0`` for ``steps`` steps; return every point visited.

    ``grad_fn(theta)`` returns the gradient at ``theta`` (for mini-batch SGD it may draw a
    new batch at each call). The optimiser is reset first. The result has shape
    ``(steps + 1, *theta0.shape)``; row 0 is ``theta0``.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps deve ser um inteiro não negativo, recebi {steps!r}")
    if not isinstance(optimizer, Optimizer):
        raise ValueError(
            f"optimizer deve ser um otimizador de course_utils.optim, recebi {optimizer!r}"
        )
    theta = _as_float_array(theta0, "theta0")
    optimizer.reset()
    points = [theta]
    for _ in range(int(steps)):
        theta = optimizer.step(theta, grad_fn(theta))
        points.append(theta)
    return np.stack(points)
