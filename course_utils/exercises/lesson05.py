"""Exercises of lesson 05, "Retropropagação".

* ``ex1``: the backward pass of a dense layer ``y = x @ W + b``, a function returning
  ``(dx, dW, db)``, compared with ``tf.GradientTape`` (float64);
* ``ex2``: a gradient check, a function returning the relative error
  ``‖a − n‖ / (‖a‖ + ‖n‖)`` between an analytic gradient ``a`` and central differences ``n``;
* ``ex3``: ``dw`` of a convolution (one image, stride 1, "valid"): the correlation of the
  input with the upstream gradient, compared with :func:`course_utils.conv.conv2d_backward`;
* ``ex4``: ``dx`` of the same convolution: a "full" convolution of the upstream gradient
  with the kernel turned 180°, compared with :func:`course_utils.conv.conv2d_backward`.

Every case has more than one example, non-square shapes, ``C_in != C_out`` and random
(never symmetric) kernels, so that a transposed matrix, a sum over the wrong axis or a
kernel that was not turned gives a different answer, and the message names that slip.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from course_utils import conv, fmt
from course_utils.checks import (
    Exercise,
    WrongAnswer,
    as_float_array,
    as_number,
    call_student,
    close,
)

# ---- shared helpers ----------------------------------------------------------------------


def _results(result: Any, names: tuple[str, ...]) -> list[np.ndarray]:
    """A tuple of ``len(names)`` arrays, or a message saying what to return."""
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = (f"{len(result)} valores" if isinstance(result, (tuple, list))
               else f"um {type(result).__name__}")
        raise WrongAnswer(f"sua função deveria devolver {len(names)} valores, "
                          f"`return {', '.join(names)}`, mas devolveu {got}.")
    return [as_float_array(value, name) for value, name in zip(result, names)]


def _call(function: Any, *args: Any, reminder: str) -> Any:
    """Call the student's function; a crash gets a reminder of the shapes involved."""
    try:
        return call_student(function, *args)
    except WrongAnswer as wrong:
        if str(wrong).startswith("sua função levantou"):
            raise WrongAnswer(f"{wrong}. {reminder}") from None
        raise


def _first_difference(got: np.ndarray, want: np.ndarray) -> str:
    """Where two arrays of the same shape first differ, for a message."""
    index = tuple(int(i) for i in np.argwhere(~np.isclose(got, want, rtol=1e-7, atol=1e-9))[0])
    return (f"o primeiro valor diferente está na posição {list(index)}: esperado "
            f"{fmt.num(want[index])}, recebido {fmt.num(got[index])}")


# ---- ex1: the dense layer's backward pass -------------------------------------------------

EX1_SHAPES = [(5, 3, 4), (7, 4, 2), (3, 6, 5)]
"""``(N, D_in, D_out)`` of the cases ``ex1`` tries: N > 1 and the three sizes all different."""


def ex1_case(shape: tuple[int, int, int], seed: int) -> tuple[np.ndarray, ...]:
    """Random float64 ``x (N, D_in)``, ``W (D_in, D_out)``, ``b (D_out,)`` and
    ``grad_y (N, D_out)``."""
    n, d_in, d_out = shape
    rng = np.random.default_rng(50 + seed)
    return (rng.standard_normal((n, d_in)), rng.standard_normal((d_in, d_out)),
            rng.standard_normal(d_out), rng.standard_normal((n, d_out)))


def _dense_tape(x: np.ndarray, W: np.ndarray, b: np.ndarray,
                grad_y: np.ndarray) -> list[np.ndarray]:
    """dL/dx, dL/dW, dL/db of L = sum(grad_y * (x @ W + b)), by tf.GradientTape in float64."""
    import tensorflow as tf

    variables = [tf.Variable(v) for v in (x, W, b)]
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(grad_y * (variables[0] @ variables[1] + variables[2]))
    return [g.numpy() for g in tape.gradient(loss, variables)]


def _dense_slip(name: str, got: np.ndarray, want: np.ndarray, x: np.ndarray,
                grad_y: np.ndarray) -> str:
    """The likely slip behind a wrong dx, dW or db of the right shape, or a generic hint."""
    n = len(x)
    if close(got, want / n):
        return (f"{name} é o certo dividido por N = {n}: a perda aqui já é a soma dada por "
                "grad_y, não divida de novo.")
    if close(got, -want):
        return f"{name} tem o sinal trocado."
    if name == "db" and close(got, grad_y.sum(axis=0)[::-1]):
        return "db está com os elementos em ordem trocada."
    return f"{name} não bate com o tf.GradientTape; {_first_difference(got, want)}."


def _check_dense(function: Any) -> str:
    """``(x, W, grad_y) -> (dx, dW, db)`` for ``y = x @ W + b``, against tf.GradientTape."""
    for seed, shape in enumerate(EX1_SHAPES):
        x, W, b, grad_y = ex1_case(shape, seed)
        n, d_in, d_out = shape
        where = f"com x {x.shape}, W {W.shape} e grad_y {grad_y.shape}"
        result = _call(function, x.copy(), W.copy(), grad_y.copy(),
                       reminder=f"Confira os formatos ({where}): dx tem o formato de x, dW o "
                                "de W e db o de b.")
        dx, dW, db = _results(result, ("dx", "dW", "db"))
        want_dx, want_dW, want_db = _dense_tape(x, W, b, grad_y)
        if dx.shape != x.shape:
            raise WrongAnswer(f"{where}, dx deveria ter o formato de x, {x.shape}, mas tem "
                              f"{dx.shape}.")
        if dW.shape == W.shape[::-1]:
            raise WrongAnswer(f"{where}, dW tem formato {dW.shape}: está transposto. dW tem o "
                              f"formato de W, {W.shape}: uma linha por entrada, uma coluna "
                              "por neurônio.")
        if dW.shape != W.shape:
            raise WrongAnswer(f"{where}, dW deveria ter o formato de W, {W.shape}, mas tem "
                              f"{dW.shape}.")
        if db.shape == (n,):
            raise WrongAnswer(f"{where}, db tem formato {db.shape}, um número por exemplo: "
                              "você somou no eixo errado. O viés é o mesmo para todos os "
                              "exemplos do lote, então db tem um número por neurônio, "
                              f"{(d_out,)}.")
        if db.shape != (d_out,):
            raise WrongAnswer(f"{where}, db deveria ter o formato de b, {(d_out,)}, mas tem "
                              f"{db.shape}.")
        if close(db, grad_y.mean(axis=0)):
            raise WrongAnswer(f"{where}, db é a média de grad_y sobre os exemplos; o viés "
                              "recebe a soma: cada exemplo contribui com o seu gradiente.")
        for name, got, want in (("dx", dx, want_dx), ("dW", dW, want_dW), ("db", db, want_db)):
            if not close(got, want, atol=1e-9, rtol=1e-9):
                raise WrongAnswer(f"{where}, {_dense_slip(name, got, want, x, grad_y)}")
    return (f"dx, dW e db iguais aos do tf.GradientTape em {len(EX1_SHAPES)} camadas de "
            "formatos diferentes.")


ex1 = Exercise(
    key="05/ex1",
    checker=_check_dense,
    hint=[
        (
            "Escreva a regra da cadeia para um elemento: y[n, j] = Σᵢ x[n, i]·W[i, j] + b[j]. "
            "Quanto y[n, j] muda quando W[i, j] muda? E quando x[n, i] muda? Depois junte as "
            "contribuições de todos os exemplos n e neurônios j que dependem desse peso ou "
            "dessa entrada."
        ),
        (
            "Cada gradiente tem o formato da variável dele. Que produto de matrizes entre x "
            "(ou W) e grad_y dá exatamente o formato de dW (ou de dx)?"
        ),
    ],
)


# ---- ex2: the gradient check --------------------------------------------------------------

EX2_EPS = 1e-5
"""The finite-difference step ``ex2`` passes as ``eps``."""


def ex2_functions() -> list[tuple[str, Callable[[np.ndarray], float], Callable, np.ndarray]]:
    """``(description, f, gradient of f, x)`` of each case: x of 2 and 3 axes, curved f."""
    rng = np.random.default_rng(52)
    c = rng.standard_normal((2, 3, 2))
    return [
        ("f(x) = Σ sen(x)·x²",
         lambda x: float(np.sum(np.sin(x) * x**2)),
         lambda x: np.cos(x) * x**2 + 2 * x * np.sin(x),
         rng.uniform(-2, 2, size=(3, 4))),
        ("f(x) = Σ c·tanh(x)",
         lambda x: float(np.sum(c * np.tanh(x))),
         lambda x: c * (1 - np.tanh(x) ** 2),
         rng.uniform(-1.5, 1.5, size=(2, 3, 2))),
    ]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       eps: float = EX2_EPS, central: bool = True) -> np.ndarray:
    """Finite differences of ``f`` at ``x``, one element at a time (x is restored exactly)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        up = f(x)
        x[index] = old - eps if central else old
        down = f(x)
        x[index] = old
        grad[index] = (up - down) / (2 * eps if central else eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``‖a − b‖ / (‖a‖ + ‖b‖)``, 0 when both are zero."""
    total = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / total) if total else 0.0


def _gradient_check_variants(f: Callable, x: np.ndarray, a: np.ndarray) -> dict[str, float]:
    """What a few common slips return, by their explanation."""
    n = numerical_gradient(f, x)
    forward = numerical_gradient(f, x, central=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        elementwise = float(np.max(np.abs(a - n) / np.maximum(np.abs(a), np.abs(n))))
    return {
        "isso é o erro relativo com a diferença para a frente, (f(x + h) − f(x))/h, que erra "
        "na ordem de h; use a diferença central, que erra na ordem de h²":
            relative_error(a, forward),
        "a diferença central divide por 2h, não por h (seu gradiente numérico saiu o dobro)":
            relative_error(a, 2 * n),
        "isso é o erro absoluto ‖a − n‖; divida pela soma das normas, ‖a‖ + ‖n‖":
            float(np.linalg.norm(a - n)),
        "o denominador é a soma das duas normas, ‖a‖ + ‖n‖, não só uma delas":
            float(np.linalg.norm(a - n) / np.linalg.norm(n)),
        "isso é o maior erro relativo elemento a elemento; nesta aula o erro relativo usa as "
        "normas dos arrays inteiros, ‖a − n‖ / (‖a‖ + ‖n‖)": elementwise,
    }


def _one_gradient_check(function: Any, f: Callable, x: np.ndarray, grad: np.ndarray,
                        where: str) -> float:
    """Call the student's gradient check; x must come back untouched."""
    x_given = x.copy()
    value = as_number(call_student(function, f, x_given, grad.copy(), EX2_EPS),
                      "o erro relativo")
    if not np.allclose(x_given, x, rtol=0, atol=1e-12):
        raise WrongAnswer(f"{where}: sua função mudou x e não o deixou como estava. Depois de "
                          "mexer num elemento, devolva-o ao valor original: o próximo elemento "
                          "precisa ser derivado no mesmo ponto.")
    return value


def _check_gradient_check(function: Any) -> str:
    """``(f, x, analytic, eps) -> relative error`` with central differences."""
    for description, f, gradient, x in ex2_functions():
        right = gradient(x)
        wrong = right * np.linspace(0.6, 1.4, right.size).reshape(right.shape)
        where = f"com {description} e x de formato {x.shape}"
        got_right = _one_gradient_check(function, f, x, right, f"{where}, gradiente certo")
        got_wrong = _one_gradient_check(function, f, x, wrong, f"{where}, gradiente errado")
        want_wrong = relative_error(wrong, numerical_gradient(f, x))
        for got, a, label in ((got_right, right, "certo"), (got_wrong, wrong, "errado")):
            ok = got < 1e-7 if label == "certo" else np.isclose(got, want_wrong, rtol=1e-4)
            if ok:
                continue
            expected = "menor que 1e-7" if label == "certo" else fmt.num(want_wrong)
            message = (f"{where}, com o gradiente analítico {label} o erro relativo deveria "
                       f"ser {expected}, mas sua função deu {fmt.num(got)}.")
            for why, value in _gradient_check_variants(f, x, a).items():
                if np.isclose(got, value, rtol=1e-3):
                    message += f" Parece que {why}."
                    break
            raise WrongAnswer(message)
    return ("erro relativo certo com gradientes certos (menor que 1e-7) e errados, em x de 2 e "
            "de 3 eixos.")


ex2 = Exercise(
    key="05/ex2",
    checker=_check_gradient_check,
    hint=[
        (
            "Para cada elemento de x, calcule f com só esse elemento eps acima do seu valor e "
            "com ele eps abaixo: a diferença das duas, dividida pela distância entre os dois "
            "pontos, aproxima a derivada parcial daquele elemento. Depois compare o array "
            "inteiro com o gradiente analítico pelo erro relativo da fórmula."
        ),
        (
            "Como visitar todos os elementos de um array com qualquer número de eixos, com um "
            "índice que serve para ler e escrever? Veja `np.ndindex`."
        ),
    ],
)


# ---- ex3 and ex4: the convolution's backward pass -----------------------------------------

EX3_CASES = [((7, 6), 3, 3, 2), ((6, 8), 2, 2, 4), ((9, 7), 4, 1, 3)]
"""``((H, W), F, C_in, C_out)`` of the convolutions ``ex3`` and ``ex4`` use (stride 1, "valid")."""


def conv_case(case: tuple, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random float64 ``x (H, W, C_in)``, kernel ``w (F, F, C_in, C_out)`` and
    ``grad_out (H - F + 1, W - F + 1, C_out)``."""
    (h, w_size), f, c_in, c_out = case
    rng = np.random.default_rng(530 + seed)
    x = rng.standard_normal((h, w_size, c_in))
    w = rng.standard_normal((f, f, c_in, c_out))
    grad_out = rng.standard_normal((h - f + 1, w_size - f + 1, c_out))
    return x, w, grad_out


def _conv_reference(x: np.ndarray, w: np.ndarray, grad_out: np.ndarray):
    """(dx, dw) of conv2d(x, w) by the course's conv2d_backward (tested against TensorFlow)."""
    dx, dw, _ = conv.conv2d_backward(x, w, grad_out)
    return dx, dw


def _answer(result: Any, name: str) -> np.ndarray:
    """One array answer; a tuple means the function returned more than asked."""
    if isinstance(result, tuple):
        raise WrongAnswer(f"sua função deveria devolver só {name}, mas devolveu "
                          f"{len(result)} valores.")
    return as_float_array(result, name)


def _check_dw(function: Any) -> str:
    """``(x, grad_out) -> dw`` of a stride-1 "valid" convolution."""
    for seed, case in enumerate(EX3_CASES):
        x, w, grad_out = conv_case(case, seed)
        _, want = _conv_reference(x, w, grad_out)
        f = w.shape[0]
        where = f"com x {x.shape} e grad_out {grad_out.shape} (F = {f})"
        dw = _answer(_call(function, x.copy(), grad_out.copy(),
                           reminder=f"Confira os formatos ({where}): dw tem o formato do "
                                    f"filtro, {w.shape}."), "dw")
        if dw.shape == want.shape[:2] + want.shape[2:][::-1] and dw.shape != want.shape:
            raise WrongAnswer(f"{where}, dw tem formato {dw.shape}: os eixos de canais estão "
                              f"trocados. dw tem o formato do filtro, (F, F, C_in, C_out) = "
                              f"{want.shape}.")
        if dw.shape != want.shape:
            raise WrongAnswer(f"{where}, dw deveria ter o formato do filtro, {want.shape}, mas "
                              f"tem {dw.shape}. Lembre: F = H − H2 + 1.")
        slips = [
            (want[::-1, ::-1], "é o dw certo girado 180°: o gradiente dos pesos é uma "
                               "correlação, como a própria convolução, sem girar nada"),
            (want.transpose(1, 0, 2, 3), "é o dw certo com linhas e colunas trocadas: o "
                                         "deslocamento vertical a anda junto com as linhas"),
            (want / grad_out[..., 0].size, "é o dw certo dividido pelo número de posições da "
                                           "saída: os gradientes de todas as posições se somam"),
            (-want, "tem o sinal trocado"),
        ]
        for value, why in slips:
            if close(dw, value):
                raise WrongAnswer(f"{where}, o seu dw {why}.")
        if not close(dw, want, atol=1e-9, rtol=1e-9):
            raise WrongAnswer(f"{where}, dw não bate com course_utils.conv.conv2d_backward; "
                              f"{_first_difference(dw, want)}.")
    return (f"dw igual ao de conv.conv2d_backward (e do tf.GradientTape) em {len(EX3_CASES)} "
            "convoluções de formatos diferentes.")


ex3 = Exercise(
    key="05/ex3",
    checker=_check_dw,
    hint=[
        (
            "O peso w[a, b, c, o] tocou, em cada posição (i, j) da saída, o pixel "
            "x[i + a, j + b, c], e o gradiente que chegou ali é grad_out[i, j, o]. dw[a, b, c, o] "
            "soma esses produtos sobre todas as posições: é uma correlação da entrada com o "
            "gradiente que veio de cima."
        ),
        (
            "Para um deslocamento (a, b) fixo, quais pixels de x o peso w[a, b] tocou? Eles "
            "formam uma janela de que tamanho?"
        ),
    ],
)


def _check_dx(function: Any) -> str:
    """``(grad_out, w) -> dx`` of a stride-1 "valid" convolution."""
    for seed, case in enumerate(EX3_CASES):
        x, w, grad_out = conv_case(case, seed)
        want, _ = _conv_reference(x, w, grad_out)
        f = w.shape[0]
        where = f"com grad_out {grad_out.shape} e w {w.shape}"
        dx = _answer(_call(function, grad_out.copy(), w.copy(),
                           reminder=f"Confira os formatos ({where}): dx tem o formato de x, "
                                    f"{x.shape}; na volta, os canais de saída do filtro "
                                    "(C_out) fazem o papel dos de entrada."), "dx")
        if dx.shape[:2] == grad_out.shape[:2]:
            raise WrongAnswer(f"{where}, dx tem formato {dx.shape}, o tamanho de grad_out: dx "
                              f"tem o tamanho de x, {x.shape[:2]}, F − 1 = {f - 1} maior em "
                              "cada direção. A convolução da volta é 'cheia': cada pixel "
                              "de x, até os das bordas, recebe gradiente, então grad_out "
                              "precisa de zeros em volta, F − 1 de cada lado.")
        if dx.shape != x.shape:
            raise WrongAnswer(f"{where}, dx deveria ter o formato de x, {x.shape}, mas tem "
                              f"{dx.shape}.")
        unflipped = conv.conv2d(conv.pad(grad_out, f - 1), w.transpose(0, 1, 3, 2))
        slips = [
            (unflipped, "é o que sai sem girar o filtro: na volta, o peso w[a, b] liga a "
                        "saída (i, j) à entrada (i + a, j + b), então, visto da entrada, o "
                        "filtro aparece girado 180°"),
            (conv.conv2d(conv.pad(grad_out, f - 1), w[::-1].transpose(0, 1, 3, 2)),
             "é o que sai girando o filtro só na vertical; girar 180° inverte as linhas e as "
             "colunas"),
            (conv.conv2d(conv.pad(grad_out, f - 1), w[:, ::-1].transpose(0, 1, 3, 2)),
             "é o que sai girando o filtro só na horizontal; girar 180° inverte as linhas e "
             "as colunas"),
            (conv.conv2d(conv.pad(grad_out, f - 1), w.transpose(1, 0, 3, 2)),
             "é o que sai transpondo o filtro (trocando linhas por colunas); girar 180° é "
             "outra coisa: inverte a ordem das linhas e das colunas"),
            (-want, "tem o sinal trocado"),
        ]
        for value, why in slips:
            if close(dx, value):
                raise WrongAnswer(f"{where}, o seu dx {why}.")
        if not close(dx, want, atol=1e-9, rtol=1e-9):
            raise WrongAnswer(f"{where}, dx não bate com course_utils.conv.conv2d_backward; "
                              f"{_first_difference(dx, want)}.")
    return (f"dx igual ao de conv.conv2d_backward (e do tf.GradientTape) em {len(EX3_CASES)} "
            "convoluções de formatos diferentes.")


ex4 = Exercise(
    key="05/ex4",
    checker=_check_dx,
    hint=[
        (
            "O pixel x[p, q, c] entrou em várias saídas (i, j), pelo peso w[p − i, q − j, c, o]. "
            "dx soma o gradiente de cada uma dessas saídas vezes esse peso. Escrito como "
            "convolução, isso é uma convolução 'cheia' de grad_out com o filtro girado 180° e "
            "com os eixos de canais trocados."
        ),
        (
            "Quantos zeros você precisa pôr em volta de grad_out para que uma convolução "
            "'valid' com um filtro F×F devolva um mapa do tamanho de x?"
        ),
    ],
)
