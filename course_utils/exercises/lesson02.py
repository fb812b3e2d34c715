"""Exercises of lesson 02, "Convolução à mão".

* ``ex1``: one element of a feature map, computed from a 3x3 window of a 5x5 image, with the
  horizontal-edge filter (the lesson shows the vertical one's map, so it cannot be copied);
* ``ex2``: ``conv2d`` with loops (one channel, stride 1, "valid"), a function;
* ``ex3``: one neuron of a convolutional layer, ``w . x + b`` over a 5x5x3 patch, a function;
* ``ex4``: output sizes ``(W - F + 2P) / S + 1`` of several layers;
* ``ex5``: 2x2 max pooling with stride 2 of a 4x4 matrix.

Every reference is computed with :mod:`course_utils.conv`; ``ex2`` is also compared with
``tf.nn.conv2d``. The constants below are the data the lesson shows in its cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils import conv, fmt
from course_utils.checks import (
    Exercise,
    WrongAnswer,
    as_float_array,
    as_list,
    as_number,
    assert_array,
    assert_value,
    call_student,
    close,
    format_value,
)

CLOSE_ATOL = 1e-4
"""Absolute tolerance when an answer is compared with a known slip (float32 sums)."""
from course_utils.lecture_data import PIXELS_5X5

IMAGE_5X5 = PIXELS_5X5.astype(np.int64)
"""The 5x5 image of the FIAP slides as plain ints, so differences do not wrap around."""

VERTICAL_EDGE = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
"""3x3 kernel that responds where the left side is brighter than the right."""

HORIZONTAL_EDGE = VERTICAL_EDGE.T
"""3x3 filter that responds where the top is brighter than the bottom; ``ex1`` uses it."""

EX1_ENTRY = (1, 2)
"""The output element (row, column) that ``ex1`` asks for."""

EX4_CONFIGS = [(32, 5, 1, 0), (32, 5, 1, 2), (227, 11, 4, 0), (7, 3, 2, 0), (28, 3, 2, 0),
               (28, 2, 2, 0)]
"""``(W, F, S, P)`` of each layer whose output size ``ex4`` asks for.

In the fifth, (28 − 3)/2 is not whole: TensorFlow drops the window that does not fit (13),
so rounding up (14) and a float 13.5 are told apart from the right answer.
"""

EX5_MATRIX = np.array(
    [
        [1, 3, 2, 0],
        [4, 6, 5, 1],
        [7, 2, 9, 8],
        [0, 3, 4, 6],
    ]
)
"""The 4x4 matrix that ``ex5`` pools."""


def _number(answer: Any, what: str, summed_hint: str) -> float:
    """A scalar answer as float; an array with several values means the sum is missing."""
    try:
        return as_number(answer, what)
    except WrongAnswer as wrong:
        several = np.size(answer) > 1 if not isinstance(answer, (str, bytes)) else False
        raise WrongAnswer(f"{wrong} {summed_hint}" if several else str(wrong)) from None


# ---- ex1: one entry by hand ------------------------------------------------------------


def _check_entry(answer: Any) -> None:
    """ex1: element EX1_ENTRY of conv2d(IMAGE_5X5, HORIZONTAL_EDGE)."""
    value = _number(
        answer,
        "o elemento do mapa",
        "Você multiplicou elemento a elemento; falta somar os 9 produtos (np.sum).",
    )
    i, j = EX1_ENTRY
    F = HORIZONTAL_EDGE.shape[0]
    fmap = conv.conv2d(IMAGE_5X5, HORIZONTAL_EDGE)
    window = IMAGE_5X5[i:i + F, j:j + F]
    if np.isclose(value, fmap[i, j]):
        return None
    slips = [
        (conv.conv2d(IMAGE_5X5, VERTICAL_EDGE)[i, j],
         "é o valor do mapa do filtro de bordas verticais `w`, o mostrado acima; aqui o "
         "filtro é o de bordas horizontais, `w_h`."),
        (conv.conv2d(IMAGE_5X5, HORIZONTAL_EDGE[::-1, ::-1])[i, j],
         "o sinal está trocado. Você girou o filtro 180°? Aqui, como no TensorFlow, o filtro "
         "é usado como está (correlação cruzada)."),
        (np.sum(window @ HORIZONTAL_EDGE),
         "isso vem de uma multiplicação de matrizes (`@`, `np.dot`, `np.matmul`: linhas × "
         "colunas). A convolução multiplica elemento a elemento (`*`) e soma."),
        (fmap[j, i],
         f"é o elemento ({j}, {i}): você trocou linha e coluna. A janela começa na linha {i} "
         f"e na coluna {j}."),
        (fmap[i - 1, j - 1],
         f"é o elemento ({i - 1}, {j - 1}): você contou a partir de 1? Os índices começam em "
         f"0: o elemento ({i}, {j}) usa A[{i}:{i + F}, {j}:{j + F}]."),
    ]
    for wrong, why in slips:
        if np.isclose(value, wrong):
            raise WrongAnswer(f"recebido {fmt.num(float(value))}, que {why}")
    raise WrongAnswer(
        f"recebido {fmt.num(float(value))}, que não é o elemento ({i}, {j}) do mapa. Confira a janela "
        f"A[{i}:{i + F}, {j}:{j + F}] e some os produtos pelos pesos de w_h."
    )


ex1 = Exercise(
    key="02/ex1",
    checker=_check_entry,
    hint=[
        "O elemento (i, j) do mapa usa a janela 3×3 da imagem cujo canto superior esquerdo é "
        "o pixel (i, j); e o filtro aqui é `w_h`, não `w`.",
        "Quais linhas e quais colunas de `A` a janela 3×3 do elemento (1, 2) cobre? Lembre "
        "que uma fatia do NumPy não inclui o seu fim.",
    ],
)


# ---- ex2: conv2d with loops ------------------------------------------------------------

EX2_CASES = [((28, 28), 3), ((5, 5), 3), ((7, 9), 2), ((6, 8), 5), ((4, 6), 1)]
"""(image shape, F) of the random inputs on which ``ex2`` calls the student's function."""


def _tf_conv2d(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """tf.nn.conv2d of one (H, W) image with one (F, F) kernel, "VALID", stride 1."""
    import tensorflow as tf

    out = tf.nn.conv2d(
        image[None, :, :, None].astype(np.float32),
        kernel[:, :, None, None].astype(np.float32),
        strides=1,
        padding="VALID",
    )
    return out[0, :, :, 0].numpy()


def _shape_message(got: tuple, want: tuple, image_shape: tuple, F: int) -> str:
    """Explain a wrong output shape of a "valid", stride-1 convolution."""
    H, W = image_shape
    base = f"esperado {want}, recebido {got}"
    if got == (H, W):
        return (
            f"{base}: você esqueceu que a saída encolhe F − 1 = {F - 1} em cada direção? "
            "Sem preenchimento ('valid') o filtro só cabe em H − F + 1 posições."
        )
    if got == (H - F, W - F):
        return f"{base}: faltou o + 1. A janela cabe em H − F + 1 posições (a primeira é a 0)."
    if got == want[::-1]:
        return (f"{base}: linhas e colunas trocadas. "
                "A saída tem H − F + 1 linhas e W − F + 1 colunas.")
    return (f"{base}. A saída de uma imagem H×W com filtro F×F "
            "tem formato (H − F + 1, W − F + 1).")


def _check_conv2d(function: Any) -> None:
    """ex2: compare the student's conv2d with conv.conv2d and tf.nn.conv2d on random inputs."""
    rng = np.random.default_rng(2)
    for (H, W), F in EX2_CASES:
        image = rng.standard_normal((H, W))
        kernel = rng.standard_normal((F, F))
        case = f"Imagem {H}×{W}, filtro {F}×{F}"
        got = call_student(function, image.copy(), kernel.copy())
        if got is None:
            raise WrongAnswer(f"{case}: sua função não devolveu nada (None). Faltou o "
                              "`return` do mapa no fim?")
        got = as_float_array(got, f"{case}: a saída da sua função (o mapa de características)")
        want = conv.conv2d(image, kernel)
        if got.shape != want.shape:
            raise WrongAnswer(f"{case}: {_shape_message(got.shape, want.shape, (H, W), F)}")
        if F > 1 and close(got, conv.conv2d(image, kernel[::-1, ::-1]), atol=CLOSE_ATOL):
            raise WrongAnswer(
                f"{case}: seus valores são os do filtro girado 180° (a convolução 'de livro'). "
                "Aqui, como no TensorFlow, use w[i', j'] sem girar: A[i + i', j + j'] * w[i', j']."
            )
        if F > 1 and close(got, conv.conv2d(image, kernel.T), atol=CLOSE_ATOL):
            raise WrongAnswer(
                f"{case}: seus valores são os do filtro transposto. Confira os índices: a linha "
                "do filtro (i') anda junto com a linha da imagem (i + i')."
            )
        assert_array(got, want, name=f"{case}: a saída (comparada com course_utils.conv.conv2d)",
                     atol=1e-6)
        assert_array(got, _tf_conv2d(image, kernel),
                     name=f"{case}: a saída (comparada com tf.nn.conv2d)", atol=1e-4)
    return None


ex2 = Exercise(
    key="02/ex2",
    checker=_check_conv2d,
    hint=[
        "Primeiro o formato da saída: a janela cabe em H − F + 1 posições na vertical e "
        "W − F + 1 na horizontal. Crie um array de zeros desse formato e preencha-o.",
        "Cada elemento (i, j) da saída é a conta do exercício 1 com a janela que começa em "
        "(i, j). Quais valores i e j precisam percorrer?",
    ],
)


# ---- ex3: one neuron, w . x + b --------------------------------------------------------

EX3_SEEDS = [0, 1, 2]
"""Seeds of the random (x, w, b) on which ``ex3`` calls the student's function."""


def _check_neuron(function: Any) -> None:
    """ex3: w . x + b over a 5x5x3 patch, the single output of a 5x5x3 filter on a 5x5x3 image."""
    for seed in EX3_SEEDS:
        rng = np.random.default_rng(100 + seed)
        x = rng.random((5, 5, 3))
        w = rng.standard_normal((5, 5, 3))
        b = float(rng.uniform(0.5, 1.5))
        got = call_student(function, x.copy(), w.copy(), b)
        if np.asarray(got).shape == x.shape:
            raise WrongAnswer(
                f"sua função devolveu um array de formato {np.asarray(got).shape}: é o produto "
                "elemento a elemento. w·x + b é um único número: some os 75 produtos."
            )
        value = _number(got, "a saída do neurônio", "w·x + b é um único número.")
        want = float(conv.conv2d(x, w[..., None], bias=b)[0, 0, 0])
        if np.isclose(value, want - b):
            raise WrongAnswer("faltou somar o viés b ao produto escalar.")
        if np.isclose(value, want + (x.size - 1) * b):
            raise WrongAnswer(f"você somou o viés {x.size} vezes (uma por produto); "
                              "b entra uma vez só, depois da soma.")
        assert_value(value, want, name="a saída do neurônio", rel=1e-6)
    return None


ex3 = Exercise(
    key="02/ex3",
    checker=_check_neuron,
    hint=[
        "Um neurônio devolve um número só: o produto escalar entre o filtro e o pedaço da "
        "imagem (75 números cada), mais o viés uma vez.",
        "`np.dot` dá o produto escalar de dois vetores, mas `x` e `w` são arrays 5×5×3. "
        "Que formato eles precisam ter para o produto dar um número só?",
    ],
)


# ---- ex4: output sizes -----------------------------------------------------------------


def valid_size(W: int, F: int, S: int, P: int) -> int:
    """Output width of a convolution as TensorFlow computes it: windows that do not fit are
    dropped. Measured on :func:`course_utils.conv.conv2d`, not typed as a formula."""
    return conv.conv2d(np.zeros((W, W)), np.ones((F, F)), stride=S, padding=P).shape[0]


def _size_mistake(answer: float, W: int, F: int, S: int, P: int) -> str:
    """Name the usual slip behind a wrong output size, or nothing."""
    exact = (W - F + 2 * P) / S + 1
    if not exact.is_integer() and np.isclose(answer, exact):
        return (": a divisão não é exata aqui, e o TensorFlow descarta a janela que não cabe "
                "inteira na imagem (arredonda para baixo)")
    if not exact.is_integer() and np.isclose(answer, np.ceil(exact)):
        return (": você arredondou para cima, mas a janela que não cabe inteira é descartada "
                "(para baixo)")
    mistakes = [
        ((W - F + 2 * P) / S, "faltou o + 1 da fórmula"),
        (W - F + 2 * P + 1, "faltou dividir por S (o passo)"),
        ((W - F) / S + 1, "faltou o preenchimento: some 2P (P zeros de cada lado)"),
        ((W - F + P) / S + 1, "o preenchimento entra duas vezes (2P), um P de cada lado"),
        ((W + F + 2 * P) / S + 1, "o tamanho do filtro se subtrai: W − F, não W + F"),
    ]
    for value, why in mistakes:
        if np.isclose(answer, value):
            return f": {why}"
    return ""


def _check_sizes(answer: Any) -> None:
    """ex4: one output size per (W, F, S, P) of EX4_CONFIGS."""
    answer = as_list(answer, "tamanhos, um por configuração", len(EX4_CONFIGS))
    for k, (value, (W, F, S, P)) in enumerate(zip(answer, EX4_CONFIGS)):
        config = f"o item {k} (W={W}, F={F}, S={S}, P={P})"
        number = _number(value, config, "Escreva um número por configuração.")
        want = valid_size(W, F, S, P)
        if not np.isclose(number, want):
            raise WrongAnswer(f"{config} está errado, recebido {format_value(value)}"
                              f"{_size_mistake(number, W, F, S, P)}.")
        if number != int(number):
            raise WrongAnswer(
                f"{config} deveria ser um número inteiro, recebido {format_value(value)}."
            )
    return None


ex4 = Exercise(
    key="02/ex4",
    checker=_check_sizes,
    hint=[
        "Aplique a fórmula W₂ = (W₁ − F + 2P)/S + 1 a cada configuração, na ordem da lista.",
        "Quando a divisão por S não é exata, o TensorFlow arredonda para cima ou para baixo? "
        "Releia a seção sobre as colunas nunca vistas.",
    ],
)


# ---- ex5: max pooling ------------------------------------------------------------------


def _check_pool(answer: Any) -> None:
    """ex5: pool2d(EX5_MATRIX, size=2, stride=2, mode="max")."""
    want = conv.pool2d(EX5_MATRIX, size=2, stride=2, mode="max")
    got = as_float_array(answer, "o resultado do pooling")
    got_shape = got.shape
    if got_shape == conv.pool2d(EX5_MATRIX, size=2, stride=1).shape:
        raise WrongAnswer(
            f"formato esperado {want.shape}, recebido {got_shape}: esse é o pooling com passo 1. "
            "Com passo 2 as janelas 2×2 não se sobrepõem."
        )
    if close(got, conv.pool2d(EX5_MATRIX, size=2, stride=2, mode="avg")):
        raise WrongAnswer("esses valores são as médias de cada janela (average pooling); "
                          "o max pooling fica com o maior valor de cada janela.")
    if close(got, want.T):
        raise WrongAnswer("o resultado está transposto: a janela das linhas 0–1 e colunas "
                          "2–3 vai para a linha 0, coluna 1.")
    if close(got, -conv.pool2d(-EX5_MATRIX, size=2, stride=2, mode="max")):
        raise WrongAnswer("esses são os menores valores de cada janela; o max pooling fica "
                          "com o maior.")
    assert_array(got, want, name="o resultado do pooling")
    return None


ex5 = Exercise(
    key="02/ex5",
    checker=_check_pool,
    hint=[
        "Com janela 2×2 e passo 2 as janelas não se sobrepõem: M se divide em quatro blocos "
        "2×2, e cada bloco vira um número da saída 2×2.",
        "Comece pelo bloco de cima à esquerda (linhas 0 e 1, colunas 0 e 1): qual é o maior "
        "dos seus quatro números? Em que posição da saída ele fica?",
    ],
)
