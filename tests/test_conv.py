"""course_utils.conv against TensorFlow/Keras, the oracle, plus the lecture's worked examples."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from course_utils.conv import (  # noqa: E402
    conv2d,
    conv2d_backward,
    conv2d_loop,
    output_size,
    pad,
    pool2d,
    relu,
    same_padding,
)
from course_utils.lecture_data import CIRCLE_FILTER, CIRCLE_MAP_AS_PRINTED, NINE  # noqa: E402

ATOL = 1e-5
RTOL = 1e-5  # float32 sums in another order differ by a few ulps of the result
CONVS = [conv2d, conv2d_loop]


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def tf_conv(x: np.ndarray, k: np.ndarray, stride: int, padding) -> np.ndarray:
    """tf.nn.conv2d on one (H, W, C) image; padding 'valid', 'same' or an int P."""
    if isinstance(padding, int):
        padding = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    else:
        padding = padding.upper()
    return tf.nn.conv2d(x[None], k, strides=stride, padding=padding)[0].numpy()


# ---- conv2d / conv2d_loop vs tf.nn.conv2d ----------------------------------------------

SIZES = [(7, 7), (6, 8), (9, 5)]  # odd, even and non-square
CONV_CASES = list(itertools.product(SIZES, [1, 2, 3, 5], [1, 3], [1, 4], [1, 2, 3], ["valid", "same"]))


@pytest.mark.parametrize("seed, case", list(enumerate(CONV_CASES)), ids=[str(c) for c in CONV_CASES])
def test_conv_matches_tf_nn_conv2d(seed, case):
    hw, f, c_in, c_out, stride, padding = case
    x, k = rand(*hw, c_in, seed=seed), rand(f, f, c_in, c_out, seed=seed + 1000)
    want = tf_conv(x, k, stride, padding)
    for fn in CONVS:
        got = fn(x, k, stride=stride, padding=padding)
        assert got.shape == want.shape, fn.__name__
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=fn.__name__)


@pytest.mark.parametrize("size", [4, 5, 6, 7, 8, 11])
@pytest.mark.parametrize("f", [1, 2, 3, 4, 5])
def test_same_padding_matches_tensorflow_at_stride_2(size, f):
    x, k = rand(size, size + 1, 2, seed=size), rand(f, f, 2, 3, seed=f)
    want = tf_conv(x, k, 2, "same")
    assert want.shape[:2] == (math.ceil(size / 2), math.ceil((size + 1) / 2))
    for fn in CONVS:
        np.testing.assert_allclose(fn(x, k, stride=2, padding="same"), want, atol=ATOL)


@pytest.mark.parametrize("size, f, s", [(s, f, st) for s in (5, 6, 7, 8) for f in (1, 2, 3, 4, 5) for st in (1, 2, 3)])
def test_same_padding_matches_tf(size, f, s):
    before, after = same_padding(size, f, s)
    x, k = rand(size, size, 1, seed=size), rand(f, f, 1, 1, seed=f)
    same = tf_conv(x, k, s, "same")
    assert same.shape[0] == math.ceil(size / s)
    # "same" is exactly "valid" after zero-padding (before, after) on both axes
    padded = tf.pad(x, [[before, after], [before, after], [0, 0]]).numpy()
    np.testing.assert_allclose(tf_conv(padded, k, s, "valid"), same, atol=ATOL)
    if before != after:  # the extra zero goes after (bottom/right), not before
        swapped = tf.pad(x, [[after, before], [after, before], [0, 0]]).numpy()
        assert not np.allclose(tf_conv(swapped, k, s, "valid"), same, atol=ATOL)


@pytest.mark.parametrize("p, stride, f", [(1, 1, 3), (2, 1, 5), (1, 2, 3), (3, 3, 2)])
def test_int_padding_matches_tf_explicit_padding(p, stride, f):
    x, k = rand(6, 7, 3, seed=p), rand(f, f, 3, 2, seed=f)
    want = tf_conv(x, k, stride, p)
    for fn in CONVS:
        np.testing.assert_allclose(fn(x, k, stride=stride, padding=p), want, atol=ATOL)


@pytest.mark.parametrize("stride, padding", [(1, "valid"), (2, "same"), (3, "same")])
def test_conv_matches_keras_conv2d_with_bias(stride, padding):
    x, k, b = rand(8, 7, 3, seed=1), rand(3, 3, 3, 4, seed=2), rand(4, seed=3)
    layer = keras.layers.Conv2D(4, 3, strides=stride, padding=padding)
    layer.build((None, 8, 7, 3))
    layer.set_weights([k, b])
    want = layer(x[None]).numpy()[0]
    for fn in CONVS:
        np.testing.assert_allclose(fn(x, k, bias=b, stride=stride, padding=padding), want, atol=ATOL)
        np.testing.assert_allclose(relu(fn(x, k, bias=b, stride=stride, padding=padding)),
                                   np.maximum(want, 0), atol=ATOL)


def test_scalar_bias_is_added_to_every_filter():
    x, k = rand(5, 5, 2), rand(3, 3, 2, 3, seed=1)
    for fn in CONVS:
        np.testing.assert_allclose(fn(x, k, bias=0.5), fn(x, k) + 0.5, atol=ATOL)


@pytest.mark.parametrize("padding", ["valid", "same", 1])
def test_2d_input_and_kernel_give_2d_output(padding):
    x, k = rand(6, 5), rand(3, 3, seed=1)
    for fn in CONVS:
        got = fn(x, k, bias=0.25, stride=2, padding=padding)
        full = fn(x[:, :, None], k[:, :, None, None], bias=np.array([0.25], np.float32),
                  stride=2, padding=padding)
        assert got.ndim == 2 and full.shape == got.shape + (1,)
        np.testing.assert_allclose(got, full[:, :, 0], atol=ATOL)
        np.testing.assert_allclose(got, tf_conv(x[:, :, None], k[:, :, None, None], 2, padding)[:, :, 0] + 0.25,
                                   atol=ATOL)


def test_2d_image_with_4d_kernels_gives_channels():
    x, k = rand(5, 6), rand(3, 3, 1, 4, seed=1)
    for fn in CONVS:
        got = fn(x, k)
        assert got.shape == (3, 4, 4)
        np.testing.assert_allclose(got, tf_conv(x[:, :, None], k, 1, "valid"), atol=ATOL)


# ---- pooling ------------------------------------------------------------------------

POOL_CASES = list(itertools.product([2, 3], [1, 2], ["max", "avg"]))


@pytest.mark.parametrize("size, stride, mode", POOL_CASES)
def test_pool2d_matches_keras_and_tf_nn(size, stride, mode):
    x = rand(7, 8, 3, seed=size * 10 + stride)
    layer_cls = keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D
    want = layer_cls(pool_size=size, strides=stride)(x[None]).numpy()[0]
    tf_pool = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    np.testing.assert_allclose(tf_pool(x[None], size, stride, "VALID")[0].numpy(), want, atol=ATOL)
    got = pool2d(x, size=size, stride=stride, mode=mode)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=ATOL)
    np.testing.assert_allclose(pool2d(x[:, :, 0], size, stride, mode), want[:, :, 0], atol=ATOL)


def test_pool2d_default_is_2x2_max_stride_2():
    np.testing.assert_array_equal(pool2d(np.arange(16).reshape(4, 4)), [[5, 7], [13, 15]])


# ---- output_size, same_padding, pad ------------------------------------------------------

@pytest.mark.parametrize("w, f, s, p", [(28, 3, 1, 0), (32, 5, 1, 0), (7, 3, 2, 0), (9, 3, 3, 0),
                                        (32, 5, 1, 2), (5, 3, 2, 1), (7, 3, 1, 1), (227, 11, 4, 0)])
def test_output_size_matches_tf_shapes(w, f, s, p):
    if p == 0:
        shape = keras.layers.Conv2D(1, f, strides=s).compute_output_shape((None, w, w, 1))
        assert output_size(w, f, s, p) == shape[1]
    x, k = np.zeros((w, w, 1), np.float32), np.zeros((f, f, 1, 1), np.float32)
    assert output_size(w, f, s, p) == tf_conv(x, k, s, p).shape[0]
    assert output_size(w, f, s, p) == conv2d(x, k, stride=s, padding=p).shape[0]


def test_output_size_rejects_non_integer():
    with pytest.raises(ValueError, match=r"14\.5 não é inteiro"):
        output_size(32, 5, 2, 0)


def test_output_size_rejects_non_positive_and_bad_stride():
    with pytest.raises(ValueError, match="não é positivo"):
        output_size(3, 5)
    with pytest.raises(ValueError, match="s deve ser um inteiro positivo"):
        output_size(5, 3, 0)


def test_same_padding_examples():
    assert same_padding(5, 3, 1) == (1, 1)
    assert same_padding(6, 3, 2) == (0, 1)  # extra zero at the bottom/right
    assert same_padding(5, 3, 2) == (1, 1)
    assert same_padding(6, 1, 2) == (0, 0)


def test_pad_adds_zeros_on_spatial_axes_only():
    out = pad(np.ones((2, 3, 4)), 1)
    assert out.shape == (4, 5, 4) and out.sum() == 24 and out[0].sum() == 0
    assert pad(np.ones((2, 2)), ((0, 1), (2, 0))).shape == (3, 4)


# ---- bad inputs -------------------------------------------------------------------------

@pytest.mark.parametrize("fn", CONVS)
@pytest.mark.parametrize("kwargs, match", [
    (dict(image=np.zeros((3, 3)), kernels=np.zeros((5, 5))), r"filtro 5x5 maior que a imagem \(com preenchimento\) 3x3"),
    (dict(image=np.zeros((3, 3)), kernels=np.zeros((5, 5)), padding="same"), None),
    (dict(stride=0), "stride deve ser um inteiro positivo, recebi 0"),
    (dict(stride=-1), "stride deve ser um inteiro positivo, recebi -1"),
    (dict(stride=1.5), "stride deve ser um inteiro positivo, recebi 1.5"),
    (dict(image=np.zeros((5, 5, 3)), kernels=np.zeros((3, 3, 2, 4))), "canais não batem: a imagem tem 3 canais"),
    (dict(image=np.zeros((1, 5, 5, 1))), r"image deve ser 2-D .* tem formato \(1, 5, 5, 1\)"),
    (dict(kernels=np.zeros((3, 3, 1))), r"kernels deve ter formato .* tem \(3, 3, 1\)"),
    (dict(padding="full"), "padding deve ser 'valid', 'same' ou um inteiro P >= 0, recebi 'full'"),
    (dict(padding=-1), "padding deve ser .* recebi -1"),
    (dict(kernels=np.zeros((3, 3, 1, 4)), bias=np.zeros(3)), r"bias deve ser um escalar ou ter formato \(4,\), mas tem \(3,\)"),
])
def test_bad_conv_inputs_raise(fn, kwargs, match):
    args = dict(image=np.zeros((5, 5)), kernels=np.zeros((3, 3))) | kwargs
    if match is None:  # "same" pads so a big kernel still fits: no error, output like the input
        assert fn(**args).shape == (3, 3)
        return
    with pytest.raises(ValueError, match=match):
        fn(**args)


@pytest.mark.parametrize("kwargs, match", [
    (dict(mode="min"), "modo de pooling desconhecido 'min'"),
    (dict(size=0), "size deve ser um inteiro positivo, recebi 0"),
    (dict(stride=0), "stride deve ser um inteiro positivo, recebi 0"),
    (dict(size=6), "janela de pooling 6 maior que a imagem 5x5"),
])
def test_bad_pool_inputs_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pool2d(np.zeros((5, 5)), **kwargs)


def test_pool_rejects_4d_image():
    with pytest.raises(ValueError, match="image deve ser 2-D"):
        pool2d(np.zeros((1, 4, 4, 1)))


# ---- the lecture's examples ---------------------------------------------------------------

# What the equation really gives, /9 and rounded to 2 decimals.
CIRCLE_MAP = np.array([
    [-0.11, 1.00, -0.11],
    [-0.56, 0.11, -0.33],
    [-0.33, 0.33, -0.33],
    [-0.56, -0.11, -0.56],
    [-0.33, -0.56, -0.33],
])
# The map printed in the lecture. It differs in 4 entries: (1,0) -0.55 is -5/9
# truncated instead of rounded; (3,0) and (3,2) -0.22 = -2/9 are impossible (nine
# products of ±1 always sum to an odd number), the true sum is -5; (4,1) is -5/9, not -3/9.


@pytest.mark.parametrize("fn", CONVS)
def test_circle_detector_from_the_lecture(fn):
    raw = fn(NINE, CIRCLE_FILTER)
    np.testing.assert_array_equal(raw, [[-1, 9, -1], [-5, 1, -3], [-3, 3, -3], [-5, -1, -5], [-3, -5, -3]])
    got = np.round(raw / 9, 2)
    np.testing.assert_array_equal(got, CIRCLE_MAP)
    differs = ~np.isclose(got, CIRCLE_MAP_AS_PRINTED)
    assert sorted(zip(*np.nonzero(differs))) == [(1, 0), (3, 0), (3, 2), (4, 1)]
    # the single perfect match (a full circle) is at the top
    assert np.unravel_index(raw.argmax(), raw.shape) == (0, 1)


@pytest.mark.parametrize("fn", CONVS)
def test_1x2_kernel_by_hand(fn):
    assert fn(np.array([[1, 2]]), np.array([[1, -1]])).tolist() == [[-1]]  # 1·1 + 2·(−1)


# ---- conv2d_backward vs tf.GradientTape (float64) -------------------------------------------

BACKWARD_CASES = list(itertools.product([(7, 7), (6, 8), (9, 5)], [1, 2, 3], [1, 2], ["valid", "same"]))


def tape_gradients(x, w, b, grad_out, stride, padding):
    """dL/dx, dL/dw, dL/db of L = sum(grad_out * (tf.nn.conv2d(x, w) + b)), in float64."""
    if isinstance(padding, int):
        padding = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    else:
        padding = padding.upper()
    variables = [tf.Variable(v) for v in (x, w, b)]
    with tf.GradientTape() as tape:
        y = tf.nn.conv2d(variables[0], variables[1], strides=stride, padding=padding) + variables[2]
        loss = tf.reduce_sum(y * grad_out)
    return [g.numpy() for g in tape.gradient(loss, variables)]


def backward_inputs(n, hw, f, c_in, c_out, stride, padding, seed):
    """Random float64 x, w, b and an upstream gradient shaped like y."""
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((n, *hw, c_in)), rng.standard_normal((f, f, c_in, c_out))
    b = rng.standard_normal(c_out)
    y = conv2d(x[0], w, stride=stride, padding=padding)
    return x, w, b, rng.standard_normal((n, *y.shape))


@pytest.mark.parametrize("seed, case", list(enumerate(BACKWARD_CASES)), ids=[str(c) for c in BACKWARD_CASES])
def test_conv2d_backward_matches_gradient_tape(seed, case):
    hw, f, stride, padding = case
    c_in, c_out = (2, 3) if seed % 2 else (3, 1)  # C_in != C_out: swapped channel axes fail
    x, w, b, grad_out = backward_inputs(2, hw, f, c_in, c_out, stride, padding, seed)
    got = conv2d_backward(x, w, grad_out, stride=stride, padding=padding)
    want = tape_gradients(x, w, b, grad_out, stride, padding)
    for name, g, t in zip(("dx", "dw", "db"), got, want):
        assert g.shape == t.shape and g.dtype == np.float64, name
        np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("size", [4, 5, 6, 7])
@pytest.mark.parametrize("f", [1, 2, 3, 4])
def test_conv2d_backward_same_padding_at_stride_2_is_asymmetric_like_tf(size, f):
    x, w, b, grad_out = backward_inputs(1, (size, size + 1), f, 2, 3, 2, "same", seed=size * 10 + f)
    got = conv2d_backward(x, w, grad_out, stride=2, padding="same")
    for g, t in zip(got, tape_gradients(x, w, b, grad_out, 2, "same")):
        np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride, padding, f", [(1, 1, 3), (2, 2, 3), (3, 1, 2), (3, "valid", 3), (3, "same", 4)])
def test_conv2d_backward_other_strides_and_int_padding(stride, padding, f):
    x, w, b, grad_out = backward_inputs(2, (8, 7), f, 3, 2, stride, padding, seed=stride + f)
    got = conv2d_backward(x, w, grad_out, stride=stride, padding=padding)
    for g, t in zip(got, tape_gradients(x, w, b, grad_out, stride, padding)):
        np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-12)


def test_conv2d_backward_of_one_image_drops_the_batch_axis():
    x, w, _, grad_out = backward_inputs(1, (6, 5), 3, 2, 4, 2, "same", seed=3)
    dx, dw, db = conv2d_backward(x[0], w, grad_out[0], stride=2, padding="same")
    batch = conv2d_backward(x, w, grad_out, stride=2, padding="same")
    assert dx.shape == x.shape[1:]
    np.testing.assert_array_equal(dx, batch[0][0])
    np.testing.assert_array_equal(dw, batch[1])
    np.testing.assert_array_equal(db, batch[2])


def test_conv2d_backward_matches_a_keras_conv2d_layer():
    x, w, b, grad_out = backward_inputs(2, (9, 8), 3, 3, 4, 2, "same", seed=7)
    layer = keras.layers.Conv2D(4, 3, strides=2, padding="same", dtype="float64")
    layer.build((None, 9, 8, 3))
    layer.set_weights([w, b])
    x_var = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x_var) * grad_out)
    dx, dw, db = tape.gradient(loss, [x_var, layer.kernel, layer.bias])
    got = conv2d_backward(x, w, grad_out, stride=2, padding="same")
    for g, t in zip(got, (dx, dw, db)):
        np.testing.assert_allclose(g, np.asarray(t), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(grad_out=np.zeros((2, 3, 3, 2))), r"grad_out deve ter o formato da saída da convolução, \(2, 4, 4, 2\), mas tem \(2, 3, 3, 2\)"),
    (dict(grad_out=np.zeros((4, 4, 2))), r"grad_out .* \(2, 4, 4, 2\), mas tem \(4, 4, 2\)"),
    (dict(x=np.zeros((6, 6))), r"x deve ter formato \(N, H, W, C_in\) ou \(H, W, C_in\), mas tem \(6, 6\)"),
    (dict(w=np.zeros((3, 3))), r"w deve ter formato \(F, F, C_in, C_out\), mas tem \(3, 3\)"),
    (dict(w=np.zeros((3, 3, 2, 2))), "canais não batem: x tem 3 canais, mas w espera C_in = 2"),
    (dict(padding="full"), "padding deve ser 'valid', 'same' ou um inteiro P >= 0, recebi 'full'"),
    (dict(stride=0), "stride deve ser um inteiro positivo, recebi 0"),
    (dict(w=np.zeros((7, 7, 3, 2))), r"filtro 7x7 maior que a imagem \(com preenchimento\) 6x6"),
])
def test_bad_conv2d_backward_inputs_raise(kwargs, match):
    args = dict(x=np.zeros((2, 6, 6, 3)), w=np.zeros((3, 3, 3, 2)), grad_out=np.zeros((2, 4, 4, 2)))
    with pytest.raises(ValueError, match=match):
        conv2d_backward(**(args | kwargs))
