"""course_utils.regularization against keras.layers.BatchNormalization and keras.layers.Dropout."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils import regularization as reg

SHAPES = {"2d": (32, 5), "4d": (8, 6, 7, 4)}
"""Inputs: a dense layer's (N, C) and a conv layer's (N, H, W, C)."""


def random_weights(channels: int, seed: int) -> list[np.ndarray]:
    """Non-default [gamma, beta, moving_mean, moving_variance], so no default can hide a bug."""
    rng = np.random.default_rng(seed)
    return [
        rng.uniform(0.5, 2.0, channels).astype(np.float32),
        rng.normal(0.0, 1.0, channels).astype(np.float32),
        rng.normal(0.0, 2.0, channels).astype(np.float32),
        rng.uniform(0.5, 3.0, channels).astype(np.float32),
    ]


def batches(shape: tuple[int, ...], steps: int, seed: int) -> list[np.ndarray]:
    """Batches whose channels have different means and scales, like conv activations."""
    rng = np.random.default_rng(seed)
    channels = shape[-1]
    means = rng.uniform(-3, 3, channels)
    scales = rng.uniform(0.2, 4, channels)
    return [(rng.normal(size=shape) * scales + means).astype(np.float32) for _ in range(steps)]


def keras_pair(shape, weights, **kwargs):
    layer = keras.layers.BatchNormalization(**kwargs)
    layer.build(shape)
    layer.set_weights(weights)
    ours = reg.BatchNorm(shape[-1], **kwargs)
    ours.set_weights(weights)
    return layer, ours


def test_defaults_are_keras_defaults():
    layer = keras.layers.BatchNormalization()
    assert reg.DEFAULT_MOMENTUM == layer.momentum == 0.99
    assert reg.DEFAULT_EPSILON == layer.epsilon == 1e-3
    layer.build((None, 3))
    ours = reg.BatchNorm(3)
    for got, want in zip(ours.get_weights(), layer.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", sorted(SHAPES))
@pytest.mark.parametrize(
    "kwargs", [{}, {"momentum": 0.9, "epsilon": 1e-5}, {"momentum": 0.5, "epsilon": 0.1}]
)
def test_training_steps_match_keras_output_and_moving_statistics(kind, kwargs):
    shape = SHAPES[kind]
    layer, ours = keras_pair(shape, random_weights(shape[-1], 1), **kwargs)
    for step, x in enumerate(batches(shape, steps=5, seed=2), 1):
        want = keras.ops.convert_to_numpy(layer(x, training=True))
        got = ours.forward(x, training=True)
        assert got.shape == x.shape
        np.testing.assert_allclose(got, want, atol=1e-5, err_msg=f"output at step {step}")
        keras_mean, keras_var = layer.get_weights()[2:]
        np.testing.assert_allclose(ours.moving_mean, keras_mean, atol=1e-5,
                                   err_msg=f"moving_mean after step {step}")
        np.testing.assert_allclose(ours.moving_variance, keras_var, atol=1e-5,
                                   err_msg=f"moving_variance after step {step}")


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_inference_matches_keras_and_leaves_moving_statistics_alone(kind):
    shape = SHAPES[kind]
    weights = random_weights(shape[-1], 3)
    layer, ours = keras_pair(shape, weights)
    x = batches(shape, steps=1, seed=4)[0]
    want = keras.ops.convert_to_numpy(layer(x, training=False))
    np.testing.assert_allclose(ours.forward(x, training=False), want, atol=1e-5)
    np.testing.assert_allclose(ours(x), want, atol=1e-5)  # inference is the default
    for got, before in zip(ours.get_weights()[2:], weights[2:], strict=True):
        np.testing.assert_array_equal(got, before)


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_inference_after_training_steps_matches_keras(kind):
    shape = SHAPES[kind]
    layer, ours = keras_pair(shape, random_weights(shape[-1], 5))
    for x in batches(shape, steps=3, seed=6):
        layer(x, training=True)
        ours.forward(x, training=True)
    x = batches(shape, steps=1, seed=7)[0]
    np.testing.assert_allclose(
        ours.forward(x, training=False),
        keras.ops.convert_to_numpy(layer(x, training=False)),
        atol=1e-5,
    )


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_batch_norm_train_function_matches_keras_training_output(kind):
    shape = SHAPES[kind]
    gamma, beta = random_weights(shape[-1], 8)[:2]
    x = batches(shape, steps=1, seed=9)[0]
    layer = keras.layers.BatchNormalization(epsilon=1e-4)
    layer.build(shape)
    layer.set_weights([gamma, beta, *layer.get_weights()[2:]])
    want = keras.ops.convert_to_numpy(layer(x, training=True))
    np.testing.assert_allclose(reg.batch_norm_train(x, gamma, beta, epsilon=1e-4), want,
                               atol=1e-5)


def test_training_output_has_zero_mean_and_unit_variance_per_channel():
    x = batches(SHAPES["4d"], steps=1, seed=10)[0]
    y = reg.batch_norm_train(x, np.ones(4), np.zeros(4), epsilon=1e-8)
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 1, 2)), 1, atol=1e-4)


def test_batch_moments_use_the_biased_variance_over_batch_and_spatial_axes():
    x = batches(SHAPES["4d"], steps=1, seed=11)[0].astype(np.float64)
    mean, variance = reg.batch_moments(x)
    flat = x.reshape(-1, x.shape[-1])
    np.testing.assert_allclose(mean, flat.mean(axis=0))
    np.testing.assert_allclose(variance, flat.var(axis=0, ddof=0))
    assert not np.allclose(variance, flat.var(axis=0, ddof=1))


def test_update_moving_is_kerass_rule_not_pytorchs():
    moving, batch = np.array([0.0, 1.0]), np.array([10.0, 3.0])
    np.testing.assert_allclose(reg.update_moving(moving, batch), [0.1, 1.02])
    np.testing.assert_allclose(reg.update_moving(moving, batch, momentum=0.9), [1.0, 1.2])


def test_inference_output_of_one_example_does_not_depend_on_the_batch():
    ours = reg.BatchNorm(4)
    ours.set_weights(random_weights(4, 12))
    x = batches(SHAPES["4d"], steps=1, seed=13)[0]
    np.testing.assert_allclose(ours(x)[:1], ours(x[:1]), atol=1e-6)
    trained = reg.BatchNorm(4)
    assert not np.allclose(trained.forward(x, training=True)[:2],
                           reg.BatchNorm(4).forward(x[:2], training=True), atol=1e-3)


def test_count_params_matches_keras():
    layer = keras.layers.BatchNormalization()
    layer.build((None, 8, 8, 6))
    assert reg.BatchNorm(6).count_params() == layer.count_params() == 24


# ---- dropout -------------------------------------------------------------------------------

BIG = (400, 2500)
"""A million values: the dropped fraction's standard error is below 0.0005."""


def positive_tensor(shape=BIG, seed=0) -> np.ndarray:
    """Values in [1, 2): a zero in the output can only be a dropped value.

    Masks are drawn with other seeds: the same seed would correlate the mask with x.
    """
    return np.random.default_rng(seed).uniform(1, 2, size=shape).astype(np.float32)


@pytest.mark.parametrize("rate", [0.1, 0.2, 0.5, 0.8])
def test_dropout_scaling_and_rate_match_keras(rate):
    x = positive_tensor()
    theirs = keras.ops.convert_to_numpy(keras.layers.Dropout(rate, seed=0)(x, training=True))
    ours = reg.dropout(x, rate, training=True, rng=np.random.default_rng(123))
    for name, out in (("keras", theirs), ("ours", ours)):
        kept = out != 0
        np.testing.assert_allclose(out[kept], x[kept] / (1 - rate), rtol=1e-6,
                                   err_msg=f"{name}: kept values are not x / (1 - rate)")
        assert abs((~kept).mean() - rate) < 0.005, f"{name}: dropped {(~kept).mean():.4f}"
        assert abs(out.mean() - x.mean()) < 0.01 * x.mean(), f"{name}: mean not preserved"
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < 0.007


@pytest.mark.parametrize("rate", [0.0, 0.2, 0.9])
def test_dropout_is_the_identity_at_inference_like_keras(rate):
    x = positive_tensor((20, 30), seed=1)
    np.testing.assert_array_equal(reg.dropout(x, rate, training=False), x)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(keras.layers.Dropout(rate)(x, training=False)), x
    )


def test_dropout_rate_zero_keeps_everything_in_training():
    x = positive_tensor((10, 10))
    np.testing.assert_array_equal(reg.dropout(x, 0.0, training=True), x)


def test_dropout_is_reproducible_with_a_seeded_generator():
    x = positive_tensor((50, 50))
    a = reg.dropout(x, 0.3, True, np.random.default_rng(5))
    b = reg.dropout(x, 0.3, True, np.random.default_rng(5))
    c = reg.dropout(x, 0.3, True, np.random.default_rng(6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_dropout_mask_is_independent_per_value_on_4d_input():
    x = positive_tensor((16, 8, 8, 3), seed=2)
    out = reg.dropout(x, 0.5, True, np.random.default_rng(1))
    assert out.shape == x.shape and out.dtype == np.float32
    dropped = out == 0
    # not whole channels or images: each position is drawn on its own
    assert 0 < dropped.mean(axis=(0, 1, 2)).min() and dropped.mean(axis=(0, 1, 2)).max() < 1


# ---- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, "0.2", True, None])
def test_dropout_rejects_a_rate_outside_zero_one(rate):
    with pytest.raises(ValueError, match="rate"):
        reg.dropout(np.ones(4), rate, training=True)


def test_dropout_rejects_a_bad_generator():
    with pytest.raises(ValueError, match="rng"):
        reg.dropout(np.ones(4), 0.5, True, rng=42)


def test_dropout_rejects_non_numbers():
    with pytest.raises(ValueError, match="números"):
        reg.dropout(np.array(["a", "b"]), 0.5, True)


def test_batchnorm_rejects_wrong_channel_count():
    with pytest.raises(ValueError, match="3 canais.*feita para 4"):
        reg.BatchNorm(4).forward(np.ones((2, 3)), training=True)


@pytest.mark.parametrize("shape", [(5,), ()])
def test_batchnorm_rejects_inputs_without_batch_and_channel_axes(shape):
    with pytest.raises(ValueError, match="eixo de lote"):
        reg.BatchNorm(5).forward(np.ones(shape), training=True)
    with pytest.raises(ValueError, match="eixo de lote"):
        reg.batch_moments(np.ones(shape))


def test_batchnorm_set_weights_checks_count_and_shapes():
    bn = reg.BatchNorm(3)
    with pytest.raises(ValueError, match="recebi 2 arrays"):
        bn.set_weights([np.ones(3), np.zeros(3)])
    with pytest.raises(ValueError, match=r"moving_mean deve ter formato \(3,\)"):
        bn.set_weights([np.ones(3), np.zeros(3), np.zeros(4), np.ones(3)])
    with pytest.raises(ValueError, match="não pode ser negativa"):
        bn.set_weights([np.ones(3), np.zeros(3), np.zeros(3), -np.ones(3)])


@pytest.mark.parametrize(
    "kwargs, match",
    [({"channels": 0}, "channels"), ({"channels": 2.5}, "channels"),
     ({"channels": 3, "momentum": 1.5}, "momentum"), ({"channels": 3, "epsilon": 0.0}, "epsilon")],
)
def test_batchnorm_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        reg.BatchNorm(**kwargs)


def test_normalize_checks_the_statistics_shape():
    with pytest.raises(ValueError, match=r"gamma deve ter formato \(4,\)"):
        reg.normalize(np.ones((2, 4)), np.zeros(4), np.ones(4), np.ones(3), np.zeros(4))


def test_update_moving_checks_shapes_and_momentum():
    with pytest.raises(ValueError, match="mesmo formato"):
        reg.update_moving(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="momentum"):
        reg.update_moving(np.zeros(3), np.zeros(3), momentum=-0.1)
