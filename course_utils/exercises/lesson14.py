"""Exercises of lesson 14, "O que a CNN olha", and the lesson's shared settings.

* ``ex1``: occlusion by hand, a function ``(model, image, class_index, patch, stride) -> (H, W)``
  checked against :func:`course_utils.explain.occlusion_map` on a small random network;
* ``ex2``: Grad-CAM's combination step for one image, a function
  ``(activations, gradients) -> (h, w)`` checked against
  :func:`course_utils.explain.cam_from_gradients`;
* ``ex3``: the pointing game's hit rate, a function ``(heatmaps, boxes) -> float`` checked
  against :func:`course_utils.explain.pointing_hits`.

The settings of the pointing game (canvas, model, epochs, how many images each method sees)
are shared by ``solutions/14_o_que_a_cnn_olha.py`` and ``benchmarks/explain_pointing_game.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils import config
from course_utils.checks import Exercise, WrongAnswer, as_float_array, call_student

# ---- the lesson's settings -----------------------------------------------------------------

SEED = 42
"""Seed of the canvases, the training runs and the randomised copy."""

CANVAS = 64
"""Side of the noisy canvas the Fashion-MNIST items (28×28) are pasted on."""

NOISE = 0.25
"""Standard deviation of the canvas' Gaussian noise (pixels in [0, 1])."""

POINTING_FILTERS = (8, 16, 32)
"""Filters of the pointing game's VGG-style blocks (``build_vgg_style``) outside fast mode."""

POINTING_FILTERS_FAST = (8, 16)
"""The same in fast mode: a smaller network, same code."""

POINTING_TRAIN = 6_000
"""Training canvases outside fast mode (the first of Fashion-MNIST's training images)."""

POINTING_TRAIN_FAST = 500
"""Training canvases in fast mode (at most: the fast-mode loader may hold fewer)."""

POINTING_EPOCHS = (5, 1)
"""``config.epochs(*POINTING_EPOCHS)``."""

MAPPED = (300, 30)
"""Correctly classified test canvases each method maps: full mode, fast mode."""

OCCLUDED = (50, 4)
"""Test canvases the occlusion maps cover (one model call per patch): full, fast."""

PATCH, STRIDE = 12, 4
"""Occlusion patch side and stride on the 64×64 canvas."""

SMOOTH_SAMPLES = 20
"""Noisy copies per image for SmoothGrad."""


def pointing_settings() -> dict[str, Any]:
    """The pointing game's settings for this run (fast mode or not)."""
    fast = config.FAST
    return {
        "filters": POINTING_FILTERS_FAST if fast else POINTING_FILTERS,
        "epochs": config.epochs(*POINTING_EPOCHS),
        "train": POINTING_TRAIN_FAST if fast else POINTING_TRAIN,
        "mapped": MAPPED[fast],
        "occluded": OCCLUDED[fast],
    }


def train_pointing_model(x: np.ndarray, y: np.ndarray, filters: tuple[int, ...], epochs: int,
                         verbose: int = 0) -> Any:
    """The pointing game's CNN: ``build_vgg_style`` with batch norm on (CANVAS, CANVAS, 1), Adam.

    Without batch normalization the network barely left chance level in its first epoch on
    6,000 canvases (accuracy 0.104): the global average over a mostly-noise canvas dilutes
    the object's signal.
    """
    from course_utils.models import build_vgg_style

    config.set_seed(SEED)
    model = build_vgg_style(input_shape=(CANVAS, CANVAS, 1), filters=filters, batch_norm=True)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=verbose)
    return model




# ---- ex1: occlusion by hand ------------------------------------------------------------------

EX1_SHAPE = (12, 12, 1)
EX1_CASES = ((0, 4, 2), (2, 5, 3))
"""(class_index, patch, stride) on which ex1 calls the function."""


def _ex1_model_and_image():
    """A small random CNN (3 classes) and one image it is tried on; the same every time."""
    import keras

    from course_utils.models import build_mnist_cnn

    keras.utils.set_random_seed(11)
    model = build_mnist_cnn(input_shape=EX1_SHAPE, num_classes=3, filters=(4,), dropout=0.0)
    image = np.random.default_rng(11).random(EX1_SHAPE).astype(np.float32)
    return model, image


def _coverage(shape: tuple[int, int], patch: int, stride: int) -> np.ndarray:
    """How many windows cover each pixel."""
    count = np.zeros(shape)
    for i in range(0, shape[0], stride):
        for j in range(0, shape[1], stride):
            count[i : i + patch, j : j + patch] += 1
    return count


def _check_occlusion(occlusion: Any) -> None:
    """ex1: the mean probability drop of the patches covering each pixel, image untouched."""
    from course_utils.explain import occlusion_map

    model, image = _ex1_model_and_image()
    height, width = EX1_SHAPE[:2]
    for class_index, patch, stride in EX1_CASES:
        given = image.copy()
        result = call_student(occlusion, model, given, class_index, patch, stride)
        if not np.array_equal(given, image):
            raise WrongAnswer(
                "sua função alterou a imagem que recebeu. Cubra uma CÓPIA a cada posição "
                "(image.copy())."
            )
        got = as_float_array(result, "o mapa devolvido")
        want = occlusion_map(model, image, class_index, patch=patch, stride=stride)
        positions = (-(-height // stride), -(-width // stride))
        if got.shape == positions:
            raise WrongAnswer(
                f"o mapa tem formato {got.shape}: uma queda por posição da janela. O mapa tem o "
                f"tamanho da imagem, {want.shape}: some a queda em todos os pixels que a janela "
                "cobre e divida pelo número de janelas que cobriram cada pixel."
            )
        if got.shape != want.shape:
            raise WrongAnswer(
                f"para uma imagem {EX1_SHAPE} o mapa deveria ter formato {want.shape}, mas tem "
                f"{got.shape}."
            )
        if np.allclose(got, -want, atol=1e-4) and np.abs(want).max() > 1e-3:
            raise WrongAnswer(
                "o sinal está trocado: a queda é p(original) − p(coberta), positiva onde cobrir "
                "a imagem faz a classe perder probabilidade."
            )
        if not np.allclose(got, want, atol=1e-4):
            patched = occlusion_map(model, image, class_index, patch=patch, stride=stride, fill=0.0)
            if np.allclose(got, patched, atol=1e-4):
                raise WrongAnswer(
                    "você cobriu com 0 (preto); cubra com a média da imagem, um cinza neutro."
                )
            if np.allclose(got, want * _coverage(EX1_SHAPE[:2], patch, stride), atol=1e-4):
                raise WrongAnswer(
                    "os valores estão grandes demais: parece a SOMA das quedas em cada pixel. "
                    "Divida pela quantidade de janelas que cobriram o pixel."
                )
            where = np.unravel_index(np.argmax(np.abs(got - want)), want.shape)
            raise WrongAnswer(
                f"com class_index={class_index}, patch={patch}, stride={stride} o pixel "
                f"{list(map(int, where))} deveria valer {want[where]:.4f}, mas vale "
                f"{got[where]:.4f}. Confira as posições da janela: range(0, altura, stride)."
            )


ex1 = Exercise(
    key="14/ex1",
    checker=_check_occlusion,
    hint=(
        "Percorra as posições do canto da janela de stride em stride, nas linhas e nas colunas. "
        "Em cada posição, cubra uma cópia da imagem com a média da imagem, meça a "
        "probabilidade da classe e guarde a queda em relação à imagem original.",
        "Mantenha dois arrays do tamanho da imagem: um soma a queda em todos os pixels que a "
        "janela cobriu, o outro conta quantas janelas cobriram cada pixel. O mapa é a soma "
        "dividida pela contagem. Juntar as imagens cobertas num lote e chamar o modelo uma vez "
        "só é bem mais rápido que uma chamada por posição.",
    ),
)


# ---- ex2: Grad-CAM's combination step -----------------------------------------------------


def _ex2_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """(activations, gradients) of one image, (h, w, K); gradients of both signs."""
    rng = np.random.default_rng(2)
    cases = []
    for h, w, k in ((5, 5, 8), (3, 4, 6)):
        activations = np.maximum(rng.normal(size=(h, w, k)), 0)
        gradients = rng.normal(size=(h, w, k)) * 0.1
        cases.append((activations, gradients))
    return cases


def _check_combine(combine: Any) -> None:
    """ex2: ReLU(Σ_k α_k A^k) with α_k the spatial mean of the gradients of channel k."""
    from course_utils.explain import cam_from_gradients

    for activations, gradients in _ex2_cases():
        got = as_float_array(call_student(combine, activations.copy(), gradients.copy()), "o mapa")
        want = cam_from_gradients(activations, gradients)
        h, w, k = activations.shape
        if got.shape == (k,):
            raise WrongAnswer(
                f"sua função devolveu {k} números, um por canal: esses são os pesos α. Falta "
                "somar os canais pesados por eles."
            )
        if got.shape != want.shape:
            raise WrongAnswer(
                f"para ativações {activations.shape} o mapa deveria ter formato {want.shape} "
                f"(altura, largura), mas tem {got.shape}. Some no eixo dos canais."
            )
        raw = (gradients.mean(axis=(0, 1)) * activations).sum(axis=-1)
        if got.min() < -1e-9 and np.allclose(got, raw, atol=1e-6):
            raise WrongAnswer("o mapa tem valores negativos: falta a ReLU no fim.")
        if np.allclose(got, want * h * w, atol=1e-6) and want.max() > 0:
            raise WrongAnswer(
                f"os valores estão {h * w} vezes maiores: α é a MÉDIA dos gradientes do canal, "
                "não a soma."
            )
        elementwise = np.maximum((gradients * activations).sum(axis=-1), 0)
        if np.allclose(got, elementwise, atol=1e-6):
            raise WrongAnswer(
                "você multiplicou cada gradiente pela ativação da mesma posição. No Grad-CAM "
                "cada canal tem UM peso α, a média dos seus gradientes em todas as posições."
            )
        if not np.allclose(got, want, atol=1e-6):
            where = np.unravel_index(np.argmax(np.abs(got - want)), want.shape)
            raise WrongAnswer(
                f"na posição {list(map(int, where))} o mapa deveria valer {want[where]:.5f}, "
                f"mas vale {got[where]:.5f}."
            )


ex2 = Exercise(
    key="14/ex2",
    checker=_check_combine,
    hint=(
        "Primeiro um número por canal: a média dos gradientes daquele canal em todas as "
        "posições (altura e largura). Depois, em cada posição, some as ativações dos canais "
        "multiplicadas por esses pesos, e por fim zere o que ficou negativo.",
        "Os pesos saem de uma média nos eixos 0 e 1, e ficam com formato (K,). Multiplicar "
        "as ativações (h, w, K) por eles funciona por broadcasting; a soma é no último eixo, "
        "e a ReLU é o máximo entre cada valor e 0.",
    ),
)


# ---- ex3: the pointing game ---------------------------------------------------------------


def _ex3_case(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random maps (N, H, W) and boxes (N, 4), some peaks on a box's last row or column."""
    rng = np.random.default_rng(seed)
    n, h, w = 40, 12, 16
    maps = rng.random((n, h, w))
    tops, lefts = rng.integers(0, 6, size=n), rng.integers(0, 8, size=n)
    boxes = np.stack([tops, lefts, tops + 5, lefts + 7], axis=1)
    for k in range(0, n, 4):  # a peak just outside: on the excluded bottom row
        maps[k, boxes[k, 2], boxes[k, 1] + 1] = 2.0
    for k in range(1, n, 4):  # a peak just inside the last row and column
        maps[k, boxes[k, 2] - 1, boxes[k, 3] - 1] = 2.0
    return maps, boxes


def _check_hit_rate(hit_rate: Any) -> None:
    """ex3: the share of maps whose maximum lies in [top, bottom) × [left, right)."""
    from course_utils.checks import as_number
    from course_utils.explain import pointing_hits

    for seed in (3, 4):
        maps, boxes = _ex3_case(seed)
        result = call_student(hit_rate, maps.copy(), boxes.copy())
        if np.size(result) == len(maps) and np.ndim(result) == 1:
            raise WrongAnswer(
                "sua função devolveu um valor por mapa (acertou ou não); a taxa de acerto é a "
                "média deles."
            )
        got = as_number(result, "a taxa de acerto")
        want = float(pointing_hits(maps, boxes).mean())
        if np.isclose(got, want, atol=1e-9):
            continue
        if np.isclose(got, want * len(maps)):
            raise WrongAnswer(f"{got:g} é o número de acertos; divida pelo número de mapas.")
        swapped = pointing_hits(maps.transpose(0, 2, 1), boxes).mean()
        inclusive = _inclusive_rate(maps, boxes)
        if np.isclose(got, inclusive):
            raise WrongAnswer(
                "o fim da caixa (bottom, right) fica de FORA, como numa fatia [top:bottom]: use "
                "< e não <= nesses dois lados."
            )
        if np.isclose(got, swapped) and not np.isclose(swapped, want):
            raise WrongAnswer(
                "linha e coluna parecem trocadas: a caixa é (top, left, bottom, right), as "
                "linhas vão com top/bottom e as colunas com left/right."
            )
        raise WrongAnswer(
            f"nestes mapas de teste a taxa de acerto é {want:.3f}, mas sua função deu {got:.3f}."
        )


def _inclusive_rate(maps: np.ndarray, boxes: np.ndarray) -> float:
    from course_utils.explain import peaks

    rows, cols = peaks(maps).T
    inside = (boxes[:, 0] <= rows) & (rows <= boxes[:, 2]) & (boxes[:, 1] <= cols) & (
        cols <= boxes[:, 3]
    )
    return float(inside.mean())


ex3 = Exercise(
    key="14/ex3",
    checker=_check_hit_rate,
    hint=(
        "Para cada mapa, ache a linha e a coluna do seu maior valor e pergunte se elas estão "
        "dentro da caixa. A taxa de acerto é a fração de mapas em que a resposta é sim.",
        "O argmax de um array 2-D devolve um índice do array achatado; np.unravel_index o "
        "converte em (linha, coluna). A caixa inclui top e left e exclui bottom e right, como "
        "uma fatia do NumPy.",
    ),
)
