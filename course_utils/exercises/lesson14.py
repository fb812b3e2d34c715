"""Exercises of lesson 14, "O que a CNN olha", and the lesson's shared settings.

* ``ex1``: occlusion by hand, a function ``(model, image, class_index, patch, stride) -> (H, W)``
  checked against :func:`course_utils.explain.occlusion_map` on a small random network;
* ``ex2``: Grad-CAM's combination step for one image, a function
  ``(activations, gradients) -> (h, w)`` checked against
  :func:`course_utils.explain.cam_from_gradients`;
* ``ex3``: the pointing game's hit rate, a function ``(heatmaps, boxes) -> float`` checked
  against :func:`course_utils.explain.pointing_hits`;
* ``ex4`` (made by :func:`object_or_background_exercise` from the run's Grad-CAM maps of
  misclassified canvases): for each map shown, did the network look at the object or at the
  background? A list of ``"objeto"``/``"fundo"``, checked against the share of each map inside
  the object's box (:func:`course_utils.explain.mass_in_boxes`).

The settings of the pointing game (canvas, model, epochs, how many images each method sees)
are shared by ``solutions/14_o_que_a_cnn_olha.py`` and ``benchmarks/explain_pointing_game.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils import config
from course_utils.checks import (
    Exercise,
    WrongAnswer,
    as_float_array,
    as_list,
    as_number,
    call_student,
)
from course_utils.fmt import num
from course_utils.lessons import SEED

# ---- the lesson's settings (the seed is the course's, lessons.SEED) --------------------------

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

OCCLUDED = (50, 3)
"""Test canvases the occlusion maps cover (one model call per patch): full, fast."""

PATCH, STRIDE = 12, 4
"""Occlusion patch side and stride on the 64×64 canvas."""

SMOOTH_SAMPLES = 20
"""Noisy copies per image for SmoothGrad."""

CASCADE = (100, 10)
"""Correctly classified test canvases the cascading randomisation maps at every step: full,
fast (each step computes Grad-CAM and saliency once more)."""

JUDGED = 4
"""Misclassified canvases ``ex4`` asks about."""

CLEAR_SHARE = (0.3, 0.7)
"""``ex4`` shows maps with at most 30 % (background) or at least 70 % (object) of their total
inside the object's box, so that the eye can tell; the answer's cut is 50 %."""

FULL_MODE_RESULTS = {"Grad-CAM": 1.0, "saliência": 0.617, "oclusão": 0.90, "acaso": 0.116}
"""The pointing game in full mode (6,000 training canvases, 5 epochs; 300 correctly classified
test canvases, 50 for occlusion), measured with ``benchmarks/explain_pointing_game.py`` on
2026-12-02 (``docs/results.md``, "Lesson 14"): the share of maps whose maximum falls in the box,
and a random point's chance."""


def pointing_settings() -> dict[str, Any]:
    """The pointing game's settings for this run (fast mode or not)."""
    fast = config.FAST
    return {
        "filters": POINTING_FILTERS_FAST if fast else POINTING_FILTERS,
        "epochs": config.epochs(*POINTING_EPOCHS),
        "train": POINTING_TRAIN_FAST if fast else POINTING_TRAIN,
        "mapped": MAPPED[fast],
        "occluded": OCCLUDED[fast],
        "cascade": CASCADE[fast],
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
    """A small random CNN (3 classes) and one image it is tried on; the same every time.

    The image's values lie in [0, 0.6), so its mean (the right fill) is far from 0.5 and 0."""
    import keras

    from course_utils.models import build_mnist_cnn

    keras.utils.set_random_seed(11)
    model = build_mnist_cnn(input_shape=EX1_SHAPE, num_classes=3, filters=(4,), dropout=0.0)
    image = (0.6 * np.random.default_rng(11).random(EX1_SHAPE)).astype(np.float32)
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
            half = occlusion_map(model, image, class_index, patch=patch, stride=stride, fill=0.5)
            if np.allclose(got, half, atol=1e-4):
                raise WrongAnswer(
                    "você cobriu com 0,5, o cinza do meio da escala; cubra com a média da "
                    f"imagem ({num(float(image.mean()), 3)} nesta), o cinza neutro dela."
                )
            if np.allclose(got, want * _coverage(EX1_SHAPE[:2], patch, stride), atol=1e-4):
                raise WrongAnswer(
                    "os valores estão grandes demais: parece a SOMA das quedas em cada pixel. "
                    "Divida pela quantidade de janelas que cobriram o pixel."
                )
            where = np.unravel_index(np.argmax(np.abs(got - want)), want.shape)
            raise WrongAnswer(
                f"com class_index={class_index}, patch={patch}, stride={stride} o pixel "
                f"{list(map(int, where))} deveria valer {num(float(want[where]), 4)}, mas vale "
                f"{num(float(got[where]), 4)}. Confira as posições da janela: range(0, altura, "
                "stride)."
            )


ex1 = Exercise(
    key="14/ex1",
    checker=_check_occlusion,
    hint=(
        "Percorra as posições do canto da janela de stride em stride, nas linhas e nas colunas. "
        "Em cada posição, cubra uma cópia da imagem com a média da imagem, meça a "
        "probabilidade da classe e guarde a queda em relação à imagem original.",
        "Um pixel pode ser coberto por várias janelas, e por um número diferente de janelas "
        "no meio e nas bordas. Como tirar a média das quedas de cada pixel sem saber de "
        "antemão quantas janelas o cobrem?",
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
        if want.max() > 0 and np.allclose(got, want / want.max(), atol=1e-6):
            raise WrongAnswer(
                "você dividiu o mapa pelo seu máximo. Essa normalização é para desenhar; o "
                "exercício quer o mapa antes dela."
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
                f"na posição {list(map(int, where))} o mapa deveria valer "
                f"{num(float(want[where]), 5)}, mas vale {num(float(got[where]), 5)}."
            )


ex2 = Exercise(
    key="14/ex2",
    checker=_check_combine,
    hint=(
        "O Grad-CAM dá a cada canal um peso, um número só tirado dos gradientes daquele "
        "canal, soma os mapas dos canais multiplicados pelos seus pesos e, no fim, fica só "
        "com a parte positiva.",
        "Quais eixos de um array (h, w, K) são as posições, e qual é o dos canais? Os pesos "
        "α saem de uma média sobre um desses grupos, e a soma pesada, sobre o outro.",
    ),
)


# ---- ex3: the pointing game ---------------------------------------------------------------


def _ex3_case(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random maps (N, H, W) and boxes (N, 4). Four of every five maps have their peak on an
    edge of the box: just below it, just right of it (both outside), on its last row and
    column, on its first row and column (both inside); the fifth is left random, so the hit
    rate is not the 1/2 that would let ``1 − rate`` pass."""
    rng = np.random.default_rng(seed)
    n, h, w = 40, 12, 16
    maps = rng.random((n, h, w))
    tops, lefts = rng.integers(0, 6, size=n), rng.integers(0, 8, size=n)
    boxes = np.stack([tops, lefts, tops + 5, lefts + 7], axis=1)
    for k in range(0, n, 5):  # a peak just outside: on the excluded bottom row
        maps[k, boxes[k, 2], boxes[k, 1] + 1] = 2.0
    for k in range(1, n, 5):  # a peak just inside the last row and column
        maps[k, boxes[k, 2] - 1, boxes[k, 3] - 1] = 2.0
    for k in range(2, n, 5):  # a peak just outside: on the excluded right column
        maps[k, boxes[k, 0] + 1, boxes[k, 3]] = 2.0
    for k in range(3, n, 5):  # a peak just inside: the top-left corner
        maps[k, boxes[k, 0], boxes[k, 1]] = 2.0
    return maps, boxes


def _check_hit_rate(hit_rate: Any) -> None:
    """ex3: the share of maps whose maximum lies in [top, bottom) × [left, right)."""
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
            raise WrongAnswer(f"{num(got)} é o número de acertos; divida pelo número de mapas.")
        swapped = pointing_hits(maps.transpose(0, 2, 1), boxes).mean()
        if np.isclose(got, _edge_rate(maps, boxes, end_inside=True)) or np.isclose(
                got, _edge_rate(maps, boxes, end_inside=True, rows_only=True)) or np.isclose(
                got, _edge_rate(maps, boxes, end_inside=True, cols_only=True)):
            raise WrongAnswer(
                "o fim da caixa (bottom, right) fica de FORA, como numa fatia [top:bottom]: use "
                "< e não <= nesses dois lados."
            )
        if np.isclose(got, _edge_rate(maps, boxes, start_inside=False)):
            raise WrongAnswer(
                "o começo da caixa (top, left) fica DENTRO, como numa fatia [top:bottom]: use "
                "<= e não < nesses dois lados."
            )
        if np.isclose(got, swapped) and not np.isclose(swapped, want):
            raise WrongAnswer(
                "linha e coluna parecem trocadas: a caixa é (top, left, bottom, right), as "
                "linhas vão com top/bottom e as colunas com left/right."
            )
        raise WrongAnswer(
            f"nestes mapas de teste a taxa de acerto é {num(want, 3)}, mas sua função deu "
            f"{num(got, 3)}."
        )


def _edge_rate(maps: np.ndarray, boxes: np.ndarray, start_inside: bool = True,
               end_inside: bool = False, rows_only: bool = False,
               cols_only: bool = False) -> float:
    """The hit rate with the box's edges counted differently: the start (top, left) and the
    end (bottom, right) inside or outside, on both axes or only on the rows or the columns."""
    from course_utils.explain import peaks

    def within(value: np.ndarray, start: np.ndarray, end: np.ndarray, changed: bool) -> np.ndarray:
        low = start <= value if (start_inside or not changed) else start < value
        high = value <= end if (end_inside and changed) else value < end
        return low & high

    rows, cols = peaks(maps).T
    inside = within(rows, boxes[:, 0], boxes[:, 2], not cols_only) & within(
        cols, boxes[:, 1], boxes[:, 3], not rows_only)
    return float(inside.mean())


ex3 = Exercise(
    key="14/ex3",
    checker=_check_hit_rate,
    hint=(
        "Para cada mapa, ache a linha e a coluna do seu maior valor e pergunte se elas estão "
        "dentro da caixa. A taxa de acerto é a fração de mapas em que a resposta é sim.",
        "O argmax de um array 2-D devolve uma posição só, contada como se o mapa fosse uma "
        "linha. Como voltar dela para linha e coluna? E lembre: a caixa exclui bottom e "
        "right, como uma fatia do NumPy.",
    ),
)


# ---- ex4: object or background? -------------------------------------------------------------

ANSWERS = ("objeto", "fundo")
"""What ``ex4`` accepts for each map, in Portuguese."""


def judged_maps(heatmaps: Any, boxes: Any, n: int = JUDGED) -> np.ndarray:
    """Indices (sorted) of up to ``n`` maps that ``ex4`` shows: half clearly on the object,
    half clearly on the background (:data:`CLEAR_SHARE`) where there are enough; the rest, the
    maps farthest from a 50 % share."""
    from course_utils.explain import mass_in_boxes

    share = mass_in_boxes(heatmaps, boxes)
    low, high = CLEAR_SHARE
    objects, background = np.flatnonzero(share >= high), np.flatnonzero(share <= low)
    half = n // 2
    chosen = list(objects[: max(half, n - len(background))])
    chosen += list(background[: n - len(chosen)])
    rest = [k for k in np.argsort(-np.abs(share - 0.5), kind="stable") if k not in chosen]
    chosen += rest[: n - len(chosen)]
    return np.sort(np.array(chosen, dtype=int))


def _judgements(answer: Any, n: int) -> list[str]:
    """The student's list as lower-case words, each "objeto" or "fundo"."""
    items = as_list(answer, "respostas ('objeto' ou 'fundo')", n)
    words = []
    for k, item in enumerate(items, start=1):
        word = item.strip().lower() if isinstance(item, str) else item
        if word not in ANSWERS:
            raise WrongAnswer(f"cada resposta é 'objeto' ou 'fundo'; a da imagem {k} é {item!r}.")
        words.append(word)
    return words


def object_or_background_exercise(heatmaps: Any, boxes: Any) -> Exercise:
    """``ex4`` for this run: for each map (``(N, H, W)``, the Grad-CAM of a misclassified
    canvas) and its object's box, "objeto" when at least half of the map lies in the box,
    else "fundo"."""
    from course_utils.explain import mass_in_boxes

    share = mass_in_boxes(heatmaps, boxes)
    expected = ["objeto" if s >= 0.5 else "fundo" for s in share]

    def check(answer: Any) -> str:
        got = _judgements(answer, len(expected))
        wrong = [k for k, (g, e) in enumerate(zip(got, expected), start=1) if g != e]
        if not wrong:
            looked = expected.count("objeto")
            return (f"a rede olhou para a peça em {looked} destes erros e para o ruído em "
                    f"{len(expected) - looked}. Olhar a peça e errar é confundir classes "
                    "parecidas; olhar o fundo é decidir por algo que não é a peça.")
        if len(set(got)) == 1 and len(set(expected)) == 2:
            raise WrongAnswer(
                f"você deu '{got[0]}' para todas, mas os mapas não são iguais. Olhe cada um."
            )
        raise WrongAnswer(
            f"a imagem {wrong[0]} não está certa ({len(wrong)} de {len(expected)} erradas). "
            "Olhe onde fica a maior parte da cor do mapa em relação à caixa verde: dentro dela "
            "(a peça) ou fora (o ruído)?"
        )

    return Exercise(
        key="14/ex4",
        checker=check,
        hint=(
            "O Grad-CAM pinta onde a rede buscou evidência para a classe que ela previu. A "
            "caixa verde marca a peça; fora dela só há ruído.",
            "Não procure só o ponto mais quente: a maior parte da cor do mapa está dentro ou "
            "fora da caixa?",
        ),
    )
