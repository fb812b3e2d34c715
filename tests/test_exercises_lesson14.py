"""Checkers of lesson 14: right answers pass, blanks are "not done", usual mistakes are named."""

from __future__ import annotations

import numpy as np
import pytest
from tests.exercise_testing import correct, not_done, strict_check_fails, wrong

from course_utils import config, explain
from course_utils.checks import ____
from course_utils.exercises import lesson14
from course_utils.exercises.lesson14 import ex1, ex2, ex3

# ---- answers written the way a student would ---------------------------------------------


def _covered(image, patch, stride, fill):
    """Corners and the covered copies of the image, one per position."""
    height, width = image.shape[:2]
    corners = [(i, j) for i in range(0, height, stride) for j in range(0, width, stride)]
    copies = np.repeat(image[np.newaxis], len(corners), axis=0)
    for copy, (i, j) in zip(copies, corners):
        copy[i : i + patch, j : j + patch] = fill
    return corners, copies


def occlusion(model, image, class_index, patch, stride, fill=None, total=False, sign=1):
    """The lesson's loop with one batched call; the keywords make the usual slips."""
    value = image.mean() if fill is None else fill
    corners, copies = _covered(image, patch, stride, value)
    original = model.predict(image[np.newaxis], verbose=0)[0, class_index]
    probabilities = model.predict(copies, verbose=0)[:, class_index]
    heat, count = np.zeros(image.shape[:2]), np.zeros(image.shape[:2])
    for (i, j), p in zip(corners, probabilities):
        heat[i : i + patch, j : j + patch] += sign * (original - p)
        count[i : i + patch, j : j + patch] += 1
    return heat if total else heat / count


def occlusion_grid(model, image, class_index, patch, stride):
    """One drop per position, not spread over the pixels."""
    corners, copies = _covered(image, patch, stride, image.mean())
    original = model.predict(image[np.newaxis], verbose=0)[0, class_index]
    drops = original - model.predict(copies, verbose=0)[:, class_index]
    return drops.reshape(-(-image.shape[0] // stride), -(-image.shape[1] // stride))


def occlusion_in_place(model, image, class_index, patch, stride):
    result = explain.occlusion_map(model, image.copy(), class_index, patch=patch, stride=stride)
    image[:2, :2] = 0
    return result


def combine(activations, gradients):
    alphas = gradients.mean(axis=(0, 1))
    return np.maximum((activations * alphas).sum(axis=-1), 0)


def combine_einsum(activations, gradients):
    return np.maximum(np.einsum("hwk,k->hw", activations, gradients.mean(axis=(0, 1))), 0)


def hit_rate(heatmaps, boxes):
    hits = []
    for heatmap, (top, left, bottom, right) in zip(heatmaps, boxes):
        row, col = np.unravel_index(np.argmax(heatmap), heatmap.shape)
        hits.append(top <= row < bottom and left <= col < right)
    return np.mean(hits)


def hit_rate_inclusive(heatmaps, boxes):
    hits = []
    for heatmap, (top, left, bottom, right) in zip(heatmaps, boxes):
        row, col = np.unravel_index(np.argmax(heatmap), heatmap.shape)
        hits.append(top <= row <= bottom and left <= col <= right)
    return np.mean(hits)


def hit_rate_right_inclusive(heatmaps, boxes):
    """Slices on the rows, but the right column counted inside."""
    hits = []
    for heatmap, (top, left, bottom, right) in zip(heatmaps, boxes):
        row, col = np.unravel_index(np.argmax(heatmap), heatmap.shape)
        hits.append(top <= row < bottom and left <= col <= right)
    return np.mean(hits)


def hit_rate_start_exclusive(heatmaps, boxes):
    """The first row and column of the box counted outside."""
    hits = []
    for heatmap, (top, left, bottom, right) in zip(heatmaps, boxes):
        row, col = np.unravel_index(np.argmax(heatmap), heatmap.shape)
        hits.append(top < row < bottom and left < col < right)
    return np.mean(hits)


def hit_rate_swapped(heatmaps, boxes):
    hits = []
    for heatmap, (top, left, bottom, right) in zip(heatmaps, boxes):
        row, col = np.unravel_index(np.argmax(heatmap), heatmap.shape)
        hits.append(top <= col < bottom and left <= row < right)
    return np.mean(hits)


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, occlusion),
        (ex1, lambda m, x, c, p, s: explain.occlusion_map(m, x, c, patch=p, stride=s)),
        (ex2, combine),
        (ex2, combine_einsum),
        (ex2, lambda a, g: explain.cam_from_gradients(a, g).tolist()),
        (ex3, hit_rate),
        (ex3, lambda maps, boxes: float(explain.pointing_hits(maps, boxes).mean())),
    ],
)
def test_right_answer_is_correct(exercise, answer):
    correct(exercise, answer)


@pytest.mark.parametrize(
    "exercise, blank",
    [
        (ex1, ____),
        (ex1, lambda m, x, c, p, s: ____),
        (ex2, ____),
        (ex2, lambda a, g: ____),
        (ex3, ____),
        (ex3, lambda maps, boxes: ____),
    ],
)
def test_blank_is_not_done(exercise, blank, capsys):
    not_done(exercise, blank, capsys)


# ---- ex1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (occlusion_grid, ["uma queda por posição", "divida"]),
        (lambda m, x, c, p, s: occlusion(m, x, c, p, s, sign=-1), ["sinal está trocado"]),
        (lambda m, x, c, p, s: occlusion(m, x, c, p, s, fill=0.0), ["média da imagem"]),
        # the middle of the 0-1 scale is not the image's own grey (its mean is kept off 0.5)
        (lambda m, x, c, p, s: occlusion(m, x, c, p, s, fill=0.5), ["0,5", "média da imagem"]),
        (lambda m, x, c, p, s: occlusion(m, x, c, p, s, total=True), ["SOMA"]),
        (lambda m, x, c, p, s: occlusion(m, x, c, p + 1, s), ["deveria valer"]),
        (lambda m, x, c, p, s: np.zeros(x.shape), ["formato"]),
        (occlusion_in_place, ["alterou a imagem"]),
        (lambda m, x, c, p, s: "mapa", ["array de números"]),
    ],
)
def test_occlusion_mistakes_are_named(answer, fragments):
    wrong(ex1, answer, *fragments)


# ---- ex2 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda a, g: (a * g.mean(axis=(0, 1))).sum(axis=-1), ["ReLU"]),
        (lambda a, g: np.maximum((a * g.sum(axis=(0, 1))).sum(axis=-1), 0), ["MÉDIA"]),
        (lambda a, g: np.maximum((a * g).sum(axis=-1), 0), ["UM peso"]),
        (lambda a, g: g.mean(axis=(0, 1)), ["pesos α"]),
        (lambda a, g: np.maximum(a * g.mean(axis=(0, 1)), 0), ["Some no eixo dos canais"]),
        (lambda a, g: np.maximum((a * g.mean(axis=(0, 1))).mean(axis=-1), 0), ["deveria valer"]),
        (lambda a, g: combine(a, g) / combine(a, g).max(), ["dividiu o mapa pelo seu máximo"]),
    ],
)
def test_combine_mistakes_are_named(answer, fragments):
    wrong(ex2, answer, *fragments)


# ---- ex3 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (hit_rate_inclusive, ["de FORA", "<"]),
        (hit_rate_right_inclusive, ["de FORA"]),
        (hit_rate_start_exclusive, ["DENTRO", "<="]),
        (hit_rate_swapped, ["trocadas"]),
        (lambda maps, boxes: hit_rate(maps, boxes) * len(maps), ["número de acertos"]),
        (lambda maps, boxes: explain.pointing_hits(maps, boxes), ["um valor por mapa"]),
        (lambda maps, boxes: 1 - hit_rate(maps, boxes), ["taxa de acerto é"]),
    ],
)
def test_hit_rate_mistakes_are_named(answer, fragments):
    wrong(ex3, answer, *fragments)


# ---- strict mode and settings -------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise, answer",
    [(ex1, occlusion_grid), (ex2, lambda a, g: g), (ex3, lambda maps, boxes: 0.0), (ex3, ____)],
)
def test_strict_mode_raises(exercise, answer, monkeypatch):
    strict_check_fails(exercise, answer, monkeypatch)


def test_pointing_settings_follow_fast_mode(monkeypatch):
    monkeypatch.setattr(config, "FAST", True)
    fast = lesson14.pointing_settings()
    monkeypatch.setattr(config, "FAST", False)
    full = lesson14.pointing_settings()
    assert fast["filters"] == lesson14.POINTING_FILTERS_FAST
    assert full["filters"] == lesson14.POINTING_FILTERS
    assert fast["train"] < full["train"] and fast["epochs"] < full["epochs"]
    assert fast["occluded"] <= fast["mapped"] and full["occluded"] <= full["mapped"]


# ---- ex4: object or background? ------------------------------------------------------------


def _judged_case():
    """Four maps on 8×8 with the box [2:6, 2:6]: 1 and 3 mostly inside, 2 and 4 mostly outside."""
    maps = np.zeros((4, 8, 8))
    maps[0, 3, 3], maps[0, 0, 0] = 5, 1  # 5/6 inside
    maps[1, 0, :] = 1                    # a whole row outside
    maps[1, 3, 3] = 2                    # ... but the peak is inside: 2/10 inside
    maps[2, 2:6, 2:6] = 1
    maps[3, 7, 7] = 1
    boxes = np.array([[2, 2, 6, 6]] * 4)
    return maps, boxes


def test_object_or_background_right_answer_passes_in_any_case():
    ex4 = lesson14.object_or_background_exercise(*_judged_case())
    assert ex4.key == "14/ex4"
    assert "peça em 2" in correct(ex4, ["objeto", "fundo", "objeto", "fundo"])
    correct(ex4, (" Objeto", "FUNDO", "objeto ", "fundo"))
    correct(ex4, np.array(["objeto", "fundo", "objeto", "fundo"]))


def test_object_or_background_blank_is_not_done(capsys):
    not_done(lesson14.object_or_background_exercise(*_judged_case()), ____, capsys)


@pytest.mark.parametrize(
    "answer, fragments",
    [
        # judging by the peak alone: map 2's peak is inside the box, most of its colour is not
        (["objeto", "objeto", "objeto", "fundo"], ["imagem 2", "maior parte da cor"]),
        (["objeto"] * 4, ["'objeto' para todas"]),
        (["fundo", "objeto", "fundo", "objeto"], ["imagem 1", "4 de 4"]),
        (["objeto", "fundo", "objeto"], ["4"]),
        (["objeto", "fundo", "objeto", "talvez"], ["'objeto' ou 'fundo'", "imagem 4"]),
        ("objeto", ["lista"]),
    ],
)
def test_object_or_background_mistakes_are_named(answer, fragments):
    wrong(lesson14.object_or_background_exercise(*_judged_case()), answer, *fragments)


def test_peak_and_colour_disagree_on_the_case_that_tells_them_apart():
    maps, boxes = _judged_case()
    assert explain.pointing_hits(maps, boxes)[1] and explain.mass_in_boxes(maps, boxes)[1] < 0.5


def test_judged_maps_takes_clear_cases_of_both_kinds():
    maps = np.zeros((12, 8, 8))
    maps[:, 3, 3] = maps[:, 0, 0] = 1  # half inside, half outside: not clear
    boxes = np.array([[2, 2, 6, 6]] * 12)
    for k in (1, 4, 7):
        maps[k, 2:6, 2:6] += 1  # clearly on the object
    for k in (2, 9):
        maps[k, 0, :] += 1  # clearly on the background
    np.testing.assert_array_equal(lesson14.judged_maps(maps, boxes, n=4), [1, 2, 4, 9])
    only_objects = lesson14.judged_maps(maps[[1, 4, 7, 0]], boxes[:4], n=3)
    np.testing.assert_array_equal(only_objects, [0, 1, 2])


def test_ex4_hints_give_neither_the_code_nor_the_cut():
    """ex4 is made per run, so test_hints does not see it: its hints name no call of the
    solution and not the 50 % cut that decides the answer."""
    from course_utils.checks import load_solutions

    exercise = lesson14.object_or_background_exercise(*_judged_case())
    solution = load_solutions()["14/ex4"]
    assert "mass_in_boxes" in solution
    assert len(exercise.hints) == 2 and len(set(exercise.hints)) == 2
    for hint in exercise.hints:
        assert not any(word in hint for word in ("mass_in_boxes", "share", "0.5", "0,5", ">="))


def test_hit_rate_test_data_is_not_symmetric():
    """A rate of 1/2 would let '1 − rate' pass; each seed's rate is clearly off it."""
    for seed in (3, 4):
        maps, boxes = lesson14._ex3_case(seed)
        rate = explain.pointing_hits(maps, boxes).mean()
        assert abs(rate - 0.5) > 0.02, (seed, rate)
