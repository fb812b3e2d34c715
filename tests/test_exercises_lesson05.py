"""The checkers of lesson 05: right answers pass, blanks are not done, usual slips are named."""

from __future__ import annotations

import numpy as np
import pytest

from tests.exercise_testing import correct, not_done, strict_check_fails, wrong

from course_utils import conv
from course_utils.checks import ____
from course_utils.exercises.lesson05 import (
    EX1_SHAPES,
    EX3_CASES,
    conv_case,
    ex1,
    ex2,
    ex2_functions,
    ex3,
    ex4,
    numerical_gradient,
    relative_error,
)

tf = pytest.importorskip("tensorflow")


# ---- reference solutions, written the way a student would --------------------------------


def dense_backward(x, W, grad_y):
    return grad_y @ W.T, x.T @ grad_y, grad_y.sum(axis=0)


def dense_backward_tape(x, W, grad_y):
    """The same gradients from TensorFlow, returned as tensors."""
    x, W = tf.Variable(x), tf.Variable(W)
    b = tf.Variable(tf.zeros(W.shape[1], dtype=W.dtype))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(grad_y * (x @ W + b))
    return tuple(tape.gradient(loss, [x, W, b]))


def gradient_check(f, x, analytic, eps=1e-5):
    numeric = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        up = f(x)
        x[index] = old - eps
        down = f(x)
        x[index] = old
        numeric[index] = (up - down) / (2 * eps)
    return np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))


def gradient_check_flat(f, x, analytic, eps=1e-5):
    """Another right way: copies instead of changing x in place."""
    numeric = np.zeros(x.size)
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = eps
        step = step.reshape(x.shape)
        numeric[k] = (f(x + step) - f(x - step)) / (2 * eps)
    numeric = numeric.reshape(x.shape)
    return np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))


def conv_dw_loops(x, grad_out):
    F = x.shape[0] - grad_out.shape[0] + 1
    H2, W2 = grad_out.shape[:2]
    dw = np.zeros((F, F, x.shape[2], grad_out.shape[2]))
    for a in range(F):
        for b in range(F):
            window = x[a:a + H2, b:b + W2]  # (H2, W2, C_in)
            dw[a, b] = np.einsum("ijc,ijo->co", window, grad_out)
    return dw


def conv_dw_with_conv2d(x, grad_out):
    """dw as a correlation: each input channel with grad_out as the kernel."""
    return np.stack([conv.conv2d(x[:, :, c:c + 1], grad_out[:, :, None, :])
                     for c in range(x.shape[2])], axis=2)


def conv_dx(grad_out, w):
    F = w.shape[0]
    return conv.conv2d(conv.pad(grad_out, F - 1), w[::-1, ::-1].transpose(0, 1, 3, 2))


def conv_dx_loops(grad_out, w):
    F = w.shape[0]
    H2, W2, _ = grad_out.shape
    dx = np.zeros((H2 + F - 1, W2 + F - 1, w.shape[2]))
    for i in range(H2):
        for j in range(W2):
            dx[i:i + F, j:j + F] += w @ grad_out[i, j]
    return dx


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, dense_backward),
        (ex1, dense_backward_tape),
        (ex1, lambda x, W, g: [g @ W.T, (g.T @ x).T, g.sum(axis=0).tolist()]),
        (ex2, gradient_check),
        (ex2, gradient_check_flat),
        (ex3, conv_dw_loops),
        (ex3, conv_dw_with_conv2d),
        (ex4, conv_dx),
        (ex4, conv_dx_loops),
        (ex4, lambda g, w: tf.constant(conv_dx(g, w))),
    ],
)
def test_right_answer_is_correct(exercise, answer):
    correct(exercise, answer)


def test_correct_messages_say_what_was_compared():
    assert "tf.GradientTape" in correct(ex1, dense_backward)
    assert "conv2d_backward" in correct(ex3, conv_dw_loops)
    assert "conv2d_backward" in correct(ex4, conv_dx)


@pytest.mark.parametrize(
    "exercise, blank",
    [
        (ex1, ____),
        (ex1, lambda x, W, g: ____),
        (ex2, lambda f, x, a, eps: ____),
        (ex3, lambda x, g: ____),
        (ex4, lambda g, w: ____),
    ],
)
def test_blank_is_not_done(exercise, blank, capsys):
    not_done(exercise, blank, capsys)


# ---- the checkers' data do not hide the slips ---------------------------------------------


def test_dense_cases_tell_transposes_and_axes_apart():
    for n, d_in, d_out in EX1_SHAPES:
        assert len({n, d_in, d_out}) == 3 and n > 1


def test_conv_cases_tell_flips_transposes_and_channels_apart():
    for seed, case in enumerate(EX3_CASES):
        x, w, grad_out = conv_case(case, seed)
        assert x.shape[0] != x.shape[1] and w.shape[2] != w.shape[3] and w.shape[0] > 1
        assert not np.allclose(w, w[::-1, ::-1]) and not np.allclose(w, w.transpose(1, 0, 2, 3))
        assert grad_out.shape[0] != grad_out.shape[1]


def test_gradient_check_cases_have_several_axes_and_curvature():
    shapes = [x.shape for _, _, _, x in ex2_functions()]
    assert {len(s) for s in shapes} == {2, 3}
    for _, f, gradient, x in ex2_functions():
        central = relative_error(gradient(x), numerical_gradient(f, x))
        forward = relative_error(gradient(x), numerical_gradient(f, x, central=False))
        assert central < 1e-9 < 1e-7 < forward  # the forward difference fails the check


def test_numerical_gradient_restores_x():
    _, f, _, x = ex2_functions()[0]
    before = x.copy()
    numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)


# ---- ex1 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda x, W, g: (g @ W.T, g.T @ x, g.sum(axis=0)), ("dW", "transposto")),
        (lambda x, W, g: (g @ W.T, x.T @ g, g.sum(axis=1)), ("eixo errado",)),
        (lambda x, W, g: (g @ W.T, x.T @ g, g.mean(axis=0)), ("média", "soma")),
        (lambda x, W, g: (g @ W.T, x.T @ g, g.sum()), ("db deveria ter o formato de b",)),
        (lambda x, W, g: (g @ W.T, x.T @ g / len(x), g.sum(axis=0)), ("dW", "dividido por N")),
        (lambda x, W, g: (-(g @ W.T), x.T @ g, g.sum(axis=0)), ("dx", "sinal trocado")),
        (lambda x, W, g: ((g @ W.T).T, x.T @ g, g.sum(axis=0)), ("dx deveria ter o formato de x",)),
        (lambda x, W, g: (g @ W, x.T @ g, g.sum(axis=0)), ("levantou", "dx tem o formato de x")),
        (lambda x, W, g: (x.T @ g, g.sum(axis=0)), ("3 valores", "return dx, dW, db")),
        (lambda x, W, g: (g @ W.T, x.T @ g, "db"), ("db deveria ser um número",)),
        (lambda x, W, g: (g @ W.T + 0.1, x.T @ g, g.sum(axis=0)), ("dx", "posição [0, 0]")),
    ],
)
def test_dense_slips_are_named(answer, fragments):
    wrong(ex1, answer, *fragments)


# ---- ex2 ----------------------------------------------------------------------------------


def check_variant(kind):
    def check(f, x, analytic, eps=1e-5):
        numeric = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            old = x[index]
            x[index] = old + eps
            up = f(x)
            x[index] = old if kind == "forward" else old - eps
            down = f(x)
            if kind != "no_restore":
                x[index] = old
            step = eps if kind in ("forward", "no_two") else 2 * eps
            numeric[index] = (up - down) / step
        diff = np.linalg.norm(analytic - numeric)
        if kind == "absolute":
            return diff
        if kind == "one_norm":
            return diff / np.linalg.norm(numeric)
        if kind == "elementwise":
            return np.max(np.abs(analytic - numeric) / np.maximum(np.abs(analytic), np.abs(numeric)))
        return diff / (np.linalg.norm(analytic) + np.linalg.norm(numeric))

    return check


@pytest.mark.parametrize(
    "kind, fragments",
    [
        ("forward", ("gradiente analítico certo", "diferença para a frente")),
        ("no_two", ("divide por 2h",)),
        ("absolute", ("gradiente analítico errado", "erro absoluto")),
        ("one_norm", ("soma das duas normas",)),
        ("elementwise", ("elemento a elemento",)),
        ("no_restore", ("mudou x",)),
    ],
)
def test_gradient_check_slips_are_named(kind, fragments):
    wrong(ex2, check_variant(kind), *fragments)


def test_the_reference_gradient_check_variant_is_right():
    correct(ex2, check_variant("right"))


def test_gradient_check_must_return_one_number():
    wrong(ex2, lambda f, x, a, eps: np.abs(a), "um único número")
    wrong(ex2, lambda f, x, a, eps: "pequeno", "deveria ser um número")


# ---- ex3 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda x, g: conv_dw_loops(x, g)[::-1, ::-1], ("girado 180°", "correlação")),
        (lambda x, g: conv_dw_loops(x, g).transpose(1, 0, 2, 3), ("linhas e colunas trocadas",)),
        (lambda x, g: conv_dw_loops(x, g).transpose(0, 1, 3, 2), ("canais estão trocados",)),
        (lambda x, g: conv_dw_loops(x, g) / g[..., 0].size, ("dividido pelo número de posições",)),
        (lambda x, g: -conv_dw_loops(x, g), ("sinal trocado",)),
        (lambda x, g: conv_dw_loops(x, g)[:-1, :-1], ("F = H − H2 + 1",)),
        (lambda x, g: conv_dw_loops(x, g) + 0.01, ("posição [0, 0, 0, 0]",)),
        (lambda x, g: (conv_dw_loops(x, g), g.sum(axis=(0, 1))), ("só dw", "2 valores")),
        (lambda x, g: x @ g, ("levantou", "formato do filtro")),
    ],
)
def test_dw_slips_are_named(answer, fragments):
    wrong(ex3, answer, *fragments)


# ---- ex4 ----------------------------------------------------------------------------------


def dx_with(kernel_of):
    def dx(grad_out, w):
        return conv.conv2d(conv.pad(grad_out, w.shape[0] - 1), kernel_of(w))

    return dx


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (dx_with(lambda w: w.transpose(0, 1, 3, 2)), ("sem girar o filtro",)),
        (dx_with(lambda w: w[::-1].transpose(0, 1, 3, 2)), ("só na vertical",)),
        (dx_with(lambda w: w[:, ::-1].transpose(0, 1, 3, 2)), ("só na horizontal",)),
        (dx_with(lambda w: w.transpose(1, 0, 3, 2)), ("transpondo o filtro",)),
        (dx_with(lambda w: w[::-1, ::-1]), ("levantou", "canais não batem", "C_out")),
        (lambda g, w: conv.conv2d(g, w[::-1, ::-1].transpose(0, 1, 3, 2), padding="same"),
         ("tamanho de grad_out", "zeros em volta")),
        (lambda g, w: conv.conv2d(conv.pad(g, w.shape[0]), w[::-1, ::-1].transpose(0, 1, 3, 2)),
         ("dx deveria ter o formato de x",)),
        (lambda g, w: conv.conv2d(conv.pad(g, w.shape[0] - 2), w[::-1, ::-1].transpose(0, 1, 3, 2)),
         ("tamanho de grad_out", "F − 1 de cada lado")),
        (lambda g, w: -conv_dx(g, w), ("sinal trocado",)),
        (lambda g, w: conv_dx(g, w) * 2, ("posição",)),
    ],
)
def test_dx_slips_are_named(answer, fragments):
    wrong(ex4, answer, *fragments)


# ---- strict mode --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, lambda x, W, g: (g @ W.T, x.T @ g, g.mean(axis=0))),
        (ex2, check_variant("forward")),
        (ex3, lambda x, g: conv_dw_loops(x, g)[::-1, ::-1]),
        (ex4, dx_with(lambda w: w.transpose(0, 1, 3, 2))),
    ],
)
def test_strict_mode_raises_on_wrong_answer(exercise, answer, monkeypatch):
    strict_check_fails(exercise, answer, monkeypatch)
