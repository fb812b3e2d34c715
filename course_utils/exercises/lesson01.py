"""Exercises of lesson 01, "Pixels e tensores".

* ``ex1``: how many pixels of the lecture's 5x5 grayscale matrix are brighter than 170 (its
  middle gray: so ``>`` and ``>=`` give different counts, and the mask printed above the
  question, ``pixels > 128``, does not give the answer);
* ``ex2``: the red channel of the sample photo, shape (H, W);
* ``ex3``: a function converting a batch from channels_last (N, H, W, C) to
  channels_first (N, C, H, W);
* ``ex4``: rank and shape of a batch of 32 RGB images of 64x64 pixels, in Keras' layout;
* ``ex5``: a function normalising a uint8 MNIST batch to float32 in [0, 1].

Every reference is computed here with NumPy from the data the lesson shows
(the lecture's matrix, :func:`course_utils.images.load_sample_image`) or from random
batches, so that a function answer is tested on inputs it has never seen.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from course_utils import fmt
from course_utils.checks import (
    Exercise,
    WrongAnswer,
    as_array,
    as_int,
    assert_array,
    assert_value,
    call_student,
    close,
    format_value,
)
from course_utils.images import load_sample_image
from course_utils.lecture_data import PIXELS_5X5


BRIGHT_THRESHOLD = 170
"""``ex1`` counts the pixels strictly greater than this value (one of the matrix's values)."""

SHOWN_THRESHOLD = 128
"""The lesson prints the mask ``pixels > 128`` just above ``ex1``."""

EX4_BATCH = (32, 64, 64, 3)
"""The batch ``ex4`` describes: 32 RGB images, 64 pixels high and 64 wide (N, H, W, C)."""


@lru_cache(maxsize=1)
def _photo() -> np.ndarray:
    """The sample photo, read once (read-only, so a checker cannot change it)."""
    photo = load_sample_image()
    photo.setflags(write=False)
    return photo


# ---- ex1: counting bright pixels ---------------------------------------------------------


def _check_bright_count(answer: Any) -> None:
    """The number of pixels > BRIGHT_THRESHOLD in the lecture's matrix, as a single integer."""
    if hasattr(answer, "numpy") and callable(answer.numpy):
        answer = answer.numpy()
    if isinstance(answer, np.ndarray):
        if answer.size != 1:
            raise WrongAnswer(
                f"a resposta é um array de formato {answer.shape}, não um número. "
                "Uma comparação dá uma máscara de True/False, um valor por pixel; "
                "some os True (cada um vale 1) com `.sum()` ou `np.count_nonzero`."
            )
        answer = answer.reshape(())
    answer = as_int(answer, "a contagem")
    total = PIXELS_5X5.size
    expected = int(np.count_nonzero(PIXELS_5X5 > BRIGHT_THRESHOLD))
    at_least = int(np.count_nonzero(PIXELS_5X5 >= BRIGHT_THRESHOLD))
    shown = int(np.count_nonzero(PIXELS_5X5 > SHOWN_THRESHOLD))
    if answer != expected:
        if answer in (at_least, shown):
            raise WrongAnswer(
                f"{format_value(answer)} conta também os pixels iguais a {BRIGHT_THRESHOLD}: "
                f"você usou `>=` em vez de `>`, ou a máscara `> {SHOWN_THRESHOLD}` mostrada "
                f"acima? Queremos os estritamente maiores que {BRIGHT_THRESHOLD}."
            )
        if answer == total - expected:
            raise WrongAnswer(
                f"{format_value(answer)} é o número de pixels até {BRIGHT_THRESHOLD} "
                f"(<= {BRIGHT_THRESHOLD}); "
                f"queremos os claros, maiores que {BRIGHT_THRESHOLD}."
            )
        if answer == total:
            raise WrongAnswer(
                f"{format_value(answer)} é o total de pixels da matriz; "
                "conte só os maiores que "
                f"{BRIGHT_THRESHOLD}."
            )
        if answer > total:
            raise WrongAnswer(
                f"{format_value(answer)} é mais do que os {total} pixels da matriz: "
                "você somou os "
                "valores dos pixels em vez de contar quantos passam do limite?"
            )
    assert_value(answer, expected, name=f"o número de pixels mais claros que {BRIGHT_THRESHOLD}")


ex1 = Exercise(
    key="01/ex1",
    checker=_check_bright_count,
    hint=[
        "Compare a matriz inteira com o limite de uma vez: o resultado é uma máscara de "
        "True/False do mesmo formato. Depois, conte os True.",
        "Numa soma, quanto vale cada True, e quanto vale cada False? E um pixel igual a 170 "
        "é \"mais claro que 170\"?",
    ],
)


# ---- ex2: the red channel ----------------------------------------------------------------

_CHANNEL_NAMES = ["vermelho (R)", "verde (G)", "azul (B)"]


def _check_red_channel(answer: Any) -> None:
    """The red channel of the sample photo: photo[:, :, 0], shape (H, W)."""
    photo = _photo()
    height, width, channels = photo.shape
    red = as_array(answer, "o canal vermelho")
    if red.shape == photo.shape:
        raise WrongAnswer(
            f"a resposta tem formato {red.shape}: é a foto inteira, com os "
            f"{channels} canais. Pegue só o canal 0 do último eixo."
        )
    if red.shape == (height, width, 1):
        raise WrongAnswer(
            f"a resposta tem formato {red.shape}: sobrou um eixo de canal de tamanho 1. "
            "Use o índice inteiro 0 (`photo[:, :, 0]`), não a fatia `0:1`."
        )
    if red.shape == (width, channels):
        raise WrongAnswer(
            f"a resposta tem formato {red.shape}: isso é uma linha da foto (`photo[0]`). "
            "O canal é o último eixo, não o primeiro."
        )
    if red.shape == (height, channels):
        raise WrongAnswer(
            f"a resposta tem formato {red.shape}: isso é uma coluna da foto "
            "(`photo[:, 0]`). O canal é o último eixo."
        )
    if red.shape == (height, width):
        for c in (1, 2):
            if np.array_equal(red, photo[:, :, c]):
                raise WrongAnswer(
                    f"esse é o canal {_CHANNEL_NAMES[c]}, de índice {c}. Os canais vêm "
                    "na ordem R, G, B, e a contagem começa em 0."
                )
    assert_array(red, photo[:, :, 0], name="o canal vermelho", atol=0)


ex2 = Exercise(
    key="01/ex2",
    checker=_check_red_channel,
    hint=[
        "A foto tem três eixos: altura, largura e canais (R, G, B, nessa ordem). O vermelho "
        "é o primeiro canal do último eixo.",
        "Um índice inteiro num eixo faz esse eixo sumir do resultado; uma fatia o mantém. "
        "Qual dos dois deixa um array 2-D?",
    ],
)


# ---- ex3: channels_last -> channels_first ------------------------------------------------


def _check_channels_first(function: Any) -> None:
    """A function (N, H, W, C) -> (N, C, H, W), tried on non-square random batches."""
    rng = np.random.default_rng(1)
    for shape in [(2, 5, 7, 3), (4, 6, 3, 1)]:
        batch = rng.integers(0, 256, size=shape, dtype=np.uint8)
        expected = np.transpose(batch, (0, 3, 1, 2))
        got = as_array(call_student(function, batch.copy()), "o resultado")
        n, h, w, c = shape
        if got.shape != expected.shape:
            message = (
                f"para um lote de formato {shape} (N, H, W, C), sua função devolveu "
                f"formato {got.shape}, mas o esperado é {expected.shape} (N, C, H, W)."
            )
            if got.shape == (n, c, w, h):
                message += " A altura e a largura ficaram trocadas: H vem antes de W."
            elif got.shape == (n, w, c, h):
                message += (
                    " Você usou a ordem da volta (a que leva channels_first para channels_last)."
                    " Em `np.transpose`, o eixo novo i é o eixo antigo na posição i da lista."
                )
            elif got.shape[0] != n:
                message += " O eixo do lote (N) deve continuar sendo o primeiro."
            raise WrongAnswer(message)
        if not np.array_equal(got, expected):
            if np.array_equal(got, batch.reshape(expected.shape)):
                raise WrongAnswer(
                    f"para um lote de formato {shape}, o formato {got.shape} está certo, mas "
                    "os pixels ficaram embaralhados: `reshape` só reinterpreta a ordem dos "
                    "números na memória, não move eixos. Use `np.transpose`."
                )
            assert_array(got, expected, name=f"o resultado para um lote de formato {shape}")


ex3 = Exercise(
    key="01/ex3",
    checker=_check_channels_first,
    hint=[
        "Os números não mudam, só a ordem dos eixos: é trabalho para `np.transpose`, que "
        "recebe a nova ordem dos eixos (e não para `reshape`).",
        "Numere os eixos da entrada: 0 = N, 1 = H, 2 = W, 3 = C. Na saída, (N, C, H, W), de "
        "qual eixo da entrada vem cada posição?",
    ],
)


# ---- ex4: rank and shape of a batch ------------------------------------------------------


def _as_shape(shape: Any) -> tuple[int, ...]:
    """A shape given as tuple, list, TensorShape or array, as a tuple of ints."""
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    if hasattr(shape, "numpy") and callable(shape.numpy):
        shape = shape.numpy()
    if isinstance(shape, np.ndarray):
        shape = shape.tolist()
    if not isinstance(shape, (tuple, list)):
        raise WrongAnswer(
            "o formato deveria ser uma tupla de inteiros, como (2, 3), "
            f"mas é {format_value(shape)}."
        )
    return tuple(as_int(s, f"o eixo {k} do formato") for k, s in enumerate(shape))


def _check_rank_and_shape(answer: Any) -> None:
    """``(rank, shape)`` of a batch of 32 RGB images of 64x64 in channels_last."""
    reference = np.zeros(EX4_BATCH, dtype=np.uint8)
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise WrongAnswer(
            "passe os dois valores juntos, como uma tupla: `ex4.check((posto, formato))`."
        )
    rank, shape = answer
    rank = as_int(rank, "o posto")
    n, h, w, c = reference.shape
    if rank != reference.ndim:
        message = f"o posto deveria ser o número de eixos do tensor, mas você respondeu {rank}."
        if rank == reference.ndim - 1:
            message += (
                " Esse é o posto de uma única imagem colorida (H, W, C); o lote acrescenta "
                "mais um eixo."
            )
        raise WrongAnswer(message)
    shape = _as_shape(shape)
    if shape == reference.shape:
        return
    if shape == (h, w, c):
        raise WrongAnswer(
            f"o formato {shape} é o de uma única imagem: faltou o eixo do lote, que vem primeiro."
        )
    if shape == (n, c, h, w):
        raise WrongAnswer(
            f"o formato {shape} é channels_first (N, C, H, W); no Keras, o padrão é "
            "channels_last (N, H, W, C)."
        )
    if len(shape) != rank:
        raise WrongAnswer(
            f"o formato {shape} tem {len(shape)} eixos, mas o posto que você deu é {rank}: "
            "o posto é sempre `len(formato)`."
        )
    raise WrongAnswer(
        f"o formato {shape} não descreve {n} imagens RGB de {h}×{w} pixels na ordem "
        "(N, H, W, C)."
    )


ex4 = Exercise(
    key="01/ex4",
    checker=_check_rank_and_shape,
    hint=[
        "No Keras, um lote de imagens tem os eixos na ordem: número de imagens, altura, "
        "largura, canais.",
        "Quantos números tem a tupla do formato? Esse é o posto.",
    ],
)


# ---- ex5: normalising to float32 in [0, 1] -----------------------------------------------


def normalize_batches() -> list[np.ndarray]:
    """The uint8 batches ``ex5`` normalises, (N, 28, 28) each.

    The first holds both ends of the range, 0 and 255. The second lies in 20..180, so that
    min-max scaling of each batch, ``(x - x.min()) / (x.max() - x.min())``, or dividing by
    the batch's own maximum, gives other values than ``x / 255``.
    """
    rng = np.random.default_rng(5)
    full = rng.integers(0, 256, size=(8, 28, 28), dtype=np.uint8)
    full[0, 0, :2] = (0, 255)
    narrow = rng.integers(20, 181, size=(4, 28, 28), dtype=np.uint8)
    return [full, narrow]


def _per_batch_mistake(values: np.ndarray, batch: np.ndarray) -> str | None:
    """Name a scaling that depends on the batch (min-max, or its own maximum), or None."""
    x = batch.astype(np.float64)
    low, high = int(batch.min()), int(batch.max())
    if high > low and close(values, (x - low) / (high - low), atol=1e-5):
        return (f"para um lote com pixels de {format_value(low)} a {format_value(high)}, "
                "você esticou o menor valor do lote para 0 e o maior para 1 (min-max). "
                "Normalizar aqui é dividir pelo maior valor possível de um pixel, igual para "
                "todo lote: um pixel 180 tem que virar o mesmo número em qualquer lote.")
    if high > 0 and close(values, x / high, atol=1e-5):
        return (f"para um lote cujo pixel mais claro é {format_value(high)}, você dividiu "
                "pelo maior valor do lote. Divida pelo maior valor possível de um pixel "
                "uint8, que não depende do lote.")
    return None


def _check_normalize_batch(function: Any, batch: np.ndarray) -> None:
    """One batch of ex5: float32 in [0, 1] equal to batch / 255, the input untouched."""
    original = batch.copy()
    got = as_array(call_student(function, batch), "o resultado")
    if not np.array_equal(batch, original):
        raise WrongAnswer(
            "sua função alterou o lote que recebeu; devolva um array novo e deixe a "
            "entrada como estava."
        )
    expected = batch.astype(np.float32) / np.float32(255)
    if got.shape != expected.shape:
        raise WrongAnswer(
            f"para um lote de formato {batch.shape}, sua função devolveu formato "
            f"{got.shape}; normalizar não muda o formato."
        )
    if not np.issubdtype(got.dtype, np.floating):
        raise WrongAnswer(
            f"o resultado tem dtype {got.dtype}, um tipo inteiro, que não guarda valores "
            "como 0,5. Converta para float32 (`.astype(np.float32)`) antes de dividir."
        )
    values = got.astype(np.float64)
    if values.min() < -1e-6:
        raise WrongAnswer(
            f"o resultado tem valores negativos (mínimo {fmt.num(float(values.min()))}): isso parece "
            "padronização (média e desvio). Aqui queremos só a escala [0, 1]: divida por 255."
        )
    if values.max() > 1.0 + 1e-6:
        raise WrongAnswer(
            f"o maior valor do resultado é {fmt.num(float(values.max()))}: ainda está na escala 0 a 255. "
            "Faltou dividir por 255."
        )
    mistake = _per_batch_mistake(values, batch)
    if mistake and not close(values, expected, atol=1e-6):
        raise WrongAnswer(mistake)
    if (batch == 255).any():
        top = values[batch == 255][0]
        if not np.isclose(top, 1.0, atol=1e-6):
            raise WrongAnswer(
                f"o pixel 255 virou {fmt.num(float(top))}, mas deveria virar exatamente 1: divida por 255 "
                "(o maior valor possível), não por outro número."
            )
    if got.dtype not in (np.float32, np.float64):
        raise WrongAnswer(
            f"o resultado tem dtype {got.dtype}; o Keras trabalha com float32. "
            "Use `.astype(np.float32)`."
        )
    assert_array(got, expected, name="o resultado", atol=1e-6)
    if got.dtype != np.float32:
        raise WrongAnswer(
            f"os valores estão certos, mas o dtype é {got.dtype}; o Keras trabalha com "
            "float32. Em NumPy, `x / 255.0` dá float64: use `.astype(np.float32)`."
        )


def _check_normalize(function: Any) -> None:
    """ex5: a function uint8 (N, 28, 28) -> float32 x / 255, tried on every test batch."""
    for batch in normalize_batches():
        _check_normalize_batch(function, batch)


ex5 = Exercise(
    key="01/ex5",
    checker=_check_normalize,
    hint=[
        "Dois passos: mudar o tipo para float32 e dividir pelo maior valor que um pixel "
        "`uint8` pode ter.",
        "Que tipo sai quando o NumPy divide um array `uint8` por um número com ponto: "
        "float32 ou float64? O Keras quer float32.",
    ],
)
