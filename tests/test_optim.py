"""course_utils.optim against keras.optimizers, step by step, on the same problem."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils import optim

# A small linear regression, y ≈ 0.5 x + 2: parameters θ = (w, b), loss = MSE.
_RNG = np.random.default_rng(0)
X_DATA = _RNG.uniform(-3, 3, size=40)
Y_DATA = 0.5 * X_DATA + 2 + _RNG.normal(0, 0.3, size=40)
DESIGN = np.stack([X_DATA, np.ones_like(X_DATA)], axis=1)
THETA0 = np.array([-1.0, 0.5])
STEPS = 10


def mse_gradient(theta: np.ndarray) -> np.ndarray:
    """Gradient of mean((X θ − y)²) with respect to θ, in NumPy."""
    return 2 * DESIGN.T @ (DESIGN @ theta - Y_DATA) / len(Y_DATA)


def keras_trajectory(keras_optimizer, steps: int = STEPS) -> np.ndarray:
    """θ after each of Keras' steps; the gradient comes from tf.GradientTape on Keras' MSE."""
    variable = tf.Variable(THETA0.astype(np.float32))
    design = tf.constant(DESIGN, dtype=tf.float32)
    target = tf.constant(Y_DATA, dtype=tf.float32)
    loss_fn = keras.losses.MeanSquaredError()
    points = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = loss_fn(target, tf.linalg.matvec(design, variable))
        keras_optimizer.apply_gradients([(tape.gradient(loss, variable), variable)])
        points.append(variable.numpy().astype(np.float64))
    return np.stack(points)


def ours_trajectory(optimizer, steps: int = STEPS) -> np.ndarray:
    return optim.run(optimizer, mse_gradient, THETA0, steps)[1:]


# Each pair: our optimiser and the Keras one, with the same (often non-default) settings.
PAIRS = {
    "sgd": (lambda: optim.SGD(0.1), lambda: keras.optimizers.SGD(0.1)),
    "sgd_default": (optim.SGD, keras.optimizers.SGD),
    "momentum": (
        lambda: optim.SGD(0.05, momentum=0.9),
        lambda: keras.optimizers.SGD(0.05, momentum=0.9),
    ),
    "adagrad_default": (optim.Adagrad, keras.optimizers.Adagrad),
    "adagrad": (lambda: optim.Adagrad(0.5), lambda: keras.optimizers.Adagrad(0.5)),
    "adagrad_no_initial_accumulator_big_epsilon": (
        lambda: optim.Adagrad(0.5, initial_accumulator_value=0.0, epsilon=0.5),
        lambda: keras.optimizers.Adagrad(0.5, initial_accumulator_value=0.0, epsilon=0.5),
    ),
    "rmsprop_default": (optim.RMSprop, keras.optimizers.RMSprop),
    "rmsprop": (lambda: optim.RMSprop(0.05), lambda: keras.optimizers.RMSprop(0.05)),
    "rmsprop_rho_big_epsilon": (
        lambda: optim.RMSprop(0.05, rho=0.5, epsilon=0.3),
        lambda: keras.optimizers.RMSprop(0.05, rho=0.5, epsilon=0.3),
    ),
    "adam_default": (optim.Adam, keras.optimizers.Adam),
    "adam_paper": (lambda: optim.Adam(0.1), lambda: keras.optimizers.Adam(0.1)),
    "adam_keras": (
        lambda: optim.Adam(0.1, epsilon_mode="keras"),
        lambda: keras.optimizers.Adam(0.1),
    ),
    "adam_betas": (
        lambda: optim.Adam(0.05, beta_1=0.5, beta_2=0.9),
        lambda: keras.optimizers.Adam(0.05, beta_1=0.5, beta_2=0.9),
    ),
    "adam_keras_big_epsilon": (
        lambda: optim.Adam(0.1, epsilon=1.0, epsilon_mode="keras"),
        lambda: keras.optimizers.Adam(0.1, epsilon=1.0),
    ),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_optimizer_matches_keras_after_every_step(name):
    ours, theirs = PAIRS[name]
    ours_points, keras_points = ours_trajectory(ours()), keras_trajectory(theirs())
    assert not np.allclose(ours_points[-1], THETA0)  # the optimiser did move
    np.testing.assert_allclose(ours_points, keras_points, atol=1e-5, rtol=0)


def test_adam_matches_keras_tightly_with_float32_exact_hyperparameters():
    # In the bias correction Keras casts β₂ through float32 (0.999 -> 0.99900001...) but
    # not in the moving average; with exactly representable values the only difference
    # left is float32 arithmetic.
    settings = dict(learning_rate=0.125, beta_1=0.875, beta_2=0.9921875, epsilon=2.0**-10)
    ours = ours_trajectory(optim.Adam(**settings, epsilon_mode="keras"), steps=20)
    theirs = keras_trajectory(keras.optimizers.Adam(**settings), steps=20)
    np.testing.assert_allclose(ours, theirs, atol=1e-6, rtol=0)


def test_adam_paper_and_keras_epsilon_differ_when_epsilon_is_large():
    paper = ours_trajectory(optim.Adam(0.1, epsilon=1.0))
    keras_form = ours_trajectory(optim.Adam(0.1, epsilon=1.0, epsilon_mode="keras"))
    theirs = keras_trajectory(keras.optimizers.Adam(0.1, epsilon=1.0))
    assert np.max(np.abs(paper - theirs)) > 1e-2
    np.testing.assert_allclose(keras_form, theirs, atol=1e-5, rtol=0)


def test_adagrad_initial_accumulator_value_matters():
    # Keras starts the accumulator at 0.1; starting at 0 is a different optimiser.
    from_zero = ours_trajectory(optim.Adagrad(0.5, initial_accumulator_value=0.0))
    theirs = keras_trajectory(keras.optimizers.Adagrad(0.5))
    assert np.max(np.abs(from_zero - theirs)) > 1e-3


def test_rmsprop_epsilon_goes_inside_the_square_root():
    theta, velocity = optim.rmsprop_step(
        np.array([1.0]), np.array([0.0]), np.array([0.0]), learning_rate=1.0, epsilon=0.25
    )
    assert velocity[0] == 0.0 and theta[0] == 1.0  # zero gradient: no move, no NaN
    theta, _ = optim.rmsprop_step(
        np.array([0.0]), np.array([1.0]), np.array([0.0]), learning_rate=1.0, rho=0.0,
        epsilon=0.25,
    )
    np.testing.assert_allclose(theta, [-1 / np.sqrt(1.25)])  # not -1 / (1 + 0.25)


def test_gd_step_is_theta_minus_learning_rate_times_gradient():
    np.testing.assert_allclose(
        optim.gd_step(np.array([1.0, 2.0]), np.array([10.0, -10.0]), 0.1), [0.0, 3.0]
    )


def test_momentum_velocity_is_a_decaying_sum_of_past_gradients():
    theta, velocity, velocities = np.zeros(1), np.zeros(1), []
    for g in [1.0, 2.0, -1.0]:
        theta, velocity = optim.momentum_step(theta, np.array([g]), velocity, 0.1, 0.5)
        velocities.append(velocity[0])
    # v₃ = −η (μ² g₁ + μ g₂ + g₃) and θ₃ = θ₀ + v₁ + v₂ + v₃
    np.testing.assert_allclose(velocity, [-0.1 * (0.25 * 1.0 + 0.5 * 2.0 - 1.0)])
    np.testing.assert_allclose(theta, [sum(velocities)])


def test_adam_first_step_moves_each_parameter_by_the_learning_rate():
    # With bias correction m̂ = g and v̂ = g² at t = 1, so the step is lr · sign(g).
    theta, m, v = optim.adam_step(
        np.zeros(3), np.array([5.0, -0.01, 300.0]), np.zeros(3), np.zeros(3), t=1,
        learning_rate=0.1, epsilon=0.0,
    )
    np.testing.assert_allclose(theta, [-0.1, 0.1, -0.1])
    np.testing.assert_allclose(m, [0.5, -0.001, 30.0])


@pytest.mark.parametrize("mode", optim.EPSILON_MODES)
def test_adam_class_and_step_function_agree(mode):
    grads = np.random.default_rng(1).normal(size=(4, 3))
    opt = optim.Adam(0.01, epsilon=1e-3, epsilon_mode=mode)
    theta = theta_ref = np.ones(3)
    m = v = np.zeros(3)
    for t, g in enumerate(grads, 1):
        theta = opt.step(theta, g)
        theta_ref, m, v = optim.adam_step(theta_ref, g, m, v, t, 0.01, epsilon=1e-3,
                                          epsilon_mode=mode)
        np.testing.assert_allclose(theta, theta_ref)
    assert opt.iterations == len(grads)


def test_step_functions_do_not_modify_their_inputs():
    theta, grad, state = np.ones(2), np.full(2, 0.5), np.full(2, 0.2)
    optim.momentum_step(theta, grad, state)
    optim.adagrad_step(theta, grad, state)
    optim.rmsprop_step(theta, grad, state)
    optim.adam_step(theta, grad, state, state, t=3)
    np.testing.assert_array_equal(theta, 1.0)
    np.testing.assert_array_equal(state, 0.2)


def test_run_records_every_point_and_resets_the_optimizer():
    opt = optim.SGD(0.1, momentum=0.9)
    first = optim.run(opt, mse_gradient, THETA0, steps=5)
    second = optim.run(opt, mse_gradient, THETA0, steps=5)
    assert first.shape == (6, 2)
    np.testing.assert_array_equal(first[0], THETA0)
    np.testing.assert_array_equal(first, second)


def test_optimizer_refuses_parameters_of_another_shape_until_reset():
    opt = optim.Adam()
    opt.step(np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="reset"):
        opt.step(np.zeros(3), np.ones(3))
    opt.reset()
    opt.step(np.zeros(3), np.ones(3))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: optim.gd_step(np.zeros(2), np.zeros(3)), "formato"),
        (lambda: optim.gd_step(np.zeros(2), np.zeros(2), learning_rate=0), "learning_rate"),
        (lambda: optim.momentum_step(np.zeros(2), np.zeros(2), np.zeros(2), 0.1, 1.0),
         "momentum"),
        (lambda: optim.adam_step(np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), t=0), "t "),
        (lambda: optim.adam_step(np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1), 1,
                                 epsilon_mode="torch"), "epsilon_mode"),
        (lambda: optim.RMSprop(rho=1.5), "rho"),
        (lambda: optim.Adagrad(initial_accumulator_value=-1), "initial_accumulator_value"),
        (lambda: optim.run(optim.SGD(), mse_gradient, THETA0, steps=-1), "steps"),
        (lambda: optim.gd_step("abc", np.zeros(1)), "theta"),
    ],
)
def test_invalid_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
