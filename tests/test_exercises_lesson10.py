"""The checkers of lesson 10: right answers pass, blanks are not done, usual mistakes are named."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tests.exercise_testing import correct, not_done, strict_check_fails, wrong

from course_utils import regularization
from course_utils.checks import ____
from course_utils.exercises.lesson10 import (
    FULL_FILTERS,
    VARIANTS,
    bn_parameter_count,
    build_variant,
    ex1,
    ex2,
    ex3,
    ex4,
    step_problem,
)
from course_utils.models import build_vgg_style


# ---- answers written the way a student would -----------------------------------------------


def bn_forward_train(x, gamma, beta, epsilon=1e-3):
    axes = tuple(range(x.ndim - 1))
    return gamma * (x - x.mean(axis=axes)) / np.sqrt(x.var(axis=axes) + epsilon) + beta


def keras_bn_forward(x, gamma, beta, epsilon=1e-3):
    layer = keras.layers.BatchNormalization(epsilon=epsilon)
    layer.build(x.shape)
    layer.set_weights([gamma, beta, np.zeros_like(gamma), np.ones_like(gamma)])
    return layer(x, training=True)  # a tensor answer


def moving_answer(ddof=0, swap_weights=False, epsilon=0.0):
    p = step_problem()
    x, mu = p["x"].astype(np.float64), p["momentum"]
    flat = x.reshape(-1, x.shape[-1])
    old, new = (1 - mu, mu) if swap_weights else (mu, 1 - mu)
    return (old * p["moving_mean"] + new * flat.mean(axis=0),
            old * p["moving_variance"] + new * (flat.var(axis=0, ddof=ddof) + epsilon))


def inverted_dropout(x, rate, rng):
    keep = rng.random(x.shape) >= rate
    return np.where(keep, x / (1 - rate), 0.0)


def bn_params(filters):
    channels = 2 * sum(filters)
    return 4 * channels, 2 * channels


CHANNELS = 2 * sum(FULL_FILTERS)


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, bn_forward_train),
        (ex1, keras_bn_forward),
        (ex1, lambda x, g, b, eps: regularization.batch_norm_train(x, g, b, eps)),
        (ex1, lambda x, g, b, eps: bn_forward_train(x.astype(np.float64), g, b, eps).tolist()),
        (ex2, moving_answer()),
        (ex2, [a.astype(np.float32) for a in moving_answer()]),
        (ex3, bn_params),
        (ex3, lambda f: [np.int64(8 * sum(f)), 4.0 * sum(f)]),
        (ex3, lambda f: bn_parameter_count(build_vgg_style(filters=f, batch_norm=True))),
        (ex4, inverted_dropout),
        (ex4, lambda x, rate, rng: regularization.dropout(x, rate, True, rng)),
        (ex4, lambda x, rate, rng: x * rng.binomial(1, 1 - rate, x.shape) / (1 - rate)),
    ],
)
def test_right_answer_is_correct(exercise, answer):
    correct(exercise, answer)


def test_correct_messages_say_what_was_compared():
    assert "keras.layers.BatchNormalization" in correct(ex1, bn_forward_train)
    assert "keras.layers.BatchNormalization" in correct(ex2, moving_answer())
    assert "count_params" in correct(ex3, bn_params)
    assert "keras.layers.Dropout" in correct(ex4, inverted_dropout)


@pytest.mark.parametrize(
    "exercise, blank",
    [
        (ex1, ____),
        (ex1, lambda x, g, b, eps: ____),
        (ex2, ____),
        (ex2, (____, ____)),
        (ex3, ____),
        (ex3, lambda f: (____, 896)),
        (ex4, ____),
        (ex4, lambda x, rate, rng: ____),
    ],
)
def test_blank_is_not_done(exercise, blank, capsys):
    not_done(exercise, blank, capsys)


# ---- ex1 ---------------------------------------------------------------------------------------


def bn_variant(kind):
    def forward(x, gamma, beta, epsilon=1e-3):
        axes = (0,) if kind == "axis0" else tuple(range(x.ndim - 1))
        mean = x.mean(axis=axes)
        var = x.var(axis=axes, ddof=1 if kind == "unbiased" else 0)
        if kind == "no_epsilon":
            return gamma * (x - mean) / np.sqrt(var) + beta
        if kind == "epsilon_outside":
            return gamma * (x - mean) / (np.sqrt(var) + epsilon) + beta
        if kind == "fixed_epsilon":
            return gamma * (x - mean) / np.sqrt(var + 1e-3) + beta
        x_hat = (x - mean) / np.sqrt(var + epsilon)
        if kind == "no_scale":
            return x_hat
        if kind == "swapped":
            return beta * x_hat + gamma
        if kind == "keepdims_wrong":
            return x_hat.mean(axis=-1)
        return gamma * x_hat + beta

    return forward


@pytest.mark.parametrize(
    "kind, fragments",
    [
        ("unbiased", ("ddof=0",)),
        ("no_epsilon", ("epsilon",)),
        ("epsilon_outside", ("dentro da raiz",)),
        ("fixed_epsilon", ("epsilon=0.5", "argumento `epsilon`")),
        ("no_scale", ("γ·x̂ + β",)),
        ("swapped", ("trocados",)),
        ("axis0", ("(0, 1, 2)", "eixo 0")),
        ("keepdims_wrong", ("formato",)),
    ],
)
def test_bn_mistakes_are_named(kind, fragments):
    wrong(ex1, bn_variant(kind), *fragments)


def test_bn_crash_and_non_finite_output_are_reported():
    wrong(ex1, lambda x, g, b, eps: x @ np.ones(7), "levantou")
    wrong(ex1, lambda x, g, b, eps: x * np.nan, "não finitos")
    wrong(ex1, lambda x, g, b, eps: "y", "array")


# ---- ex2 ---------------------------------------------------------------------------------------


def test_moving_with_unbiased_variance_is_named():
    wrong(ex2, moving_answer(ddof=1), "new_moving_variance", "ddof=1")


def test_moving_variance_with_epsilon_added_is_wrong():
    # Keras' default momentum 0.99 would hide this slip: it moves the answer by 0.01·ε = 1e-5
    wrong(ex2, moving_answer(epsilon=regularization.DEFAULT_EPSILON), "somou ε")


def test_moving_with_swapped_weights_is_named():
    wrong(ex2, moving_answer(swap_weights=True), "new_moving_mean", "trocados")


def test_moving_answers_that_are_batch_or_old_statistics_are_named():
    p = step_problem()
    flat = p["x"].reshape(-1, p["x"].shape[-1])
    wrong(ex2, (flat.mean(axis=0), flat.var(axis=0)), "média do lote")
    wrong(ex2, (p["moving_mean"], moving_answer()[1]), "antes do passo")


def test_moving_answer_reversed_or_with_wrong_shape_is_named():
    mean, var = moving_answer()
    wrong(ex2, (var, mean), "trocados")
    wrong(ex2, (mean,), "tupla")
    x = step_problem()["x"]
    wrong(ex2, (x.mean(axis=0), var), "formato (4, 4, 3)", "(0, 1, 2)")
    wrong(ex2, (mean[:2], var), "formato (2,)")


# ---- ex3 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, fragments",
    [
        (lambda f: bn_params(f)[::-1], ("trocados",)),
        (lambda f: (4 * sum(f), 2 * sum(f)), ("metade das camadas", "duas")),
        (lambda f: (2 * bn_params(f)[1], 2 * bn_params(f)[1]), ("mesmo número", "móveis")),
        (lambda f: (2 * sum(f), 4 * sum(f)), ("1 número por canal",)),
        (lambda f: (8 * sum(f), 2 * sum(f)), ("2 por canal",)),
        (lambda f: (8 * sum(f) + 1, 4 * sum(f)), ("4 números por canal", "6 camadas")),
        (lambda f: (8 * sum(f), 4 * sum(f) + 3), ("2 números por canal",)),
        (lambda f: (8 * sum(f),), ("tupla",)),
        (lambda f: ("1792", 896), ("inteiro",)),
        (lambda f: (1792.5, 896), ("inteiro",)),
        (lambda f: 1 / 0, ("ZeroDivisionError",)),
    ],
)
def test_bn_parameter_mistakes_are_named(answer, fragments):
    wrong(ex3, answer, *fragments)


@pytest.mark.parametrize(
    "answer, fragments",
    [
        # the pair read off the summary of the lesson's model, as a function or as numbers
        (lambda f: (4 * CHANNELS, 2 * CHANNELS), ("não depende de filters", "resumo")),
        ((4 * CHANNELS, 2 * CHANNELS), ("uma função",)),
        # counted from the lesson's model on screen instead of from the argument
        (lambda f: bn_parameter_count(build_vgg_style(filters=FULL_FILTERS, batch_norm=True)),
         ("não depende de filters",)),
    ],
)
def test_bn_parameter_count_copied_from_the_summary_is_named(answer, fragments):
    wrong(ex3, answer, *fragments)


def test_bn_parameter_slip_names_the_filters_it_failed_on():
    # right for three blocks by accident (a typed 6 layers), wrong for the others
    text = wrong(ex3, lambda f: (4 * 2 * sum(f) * 3 // len(f), 2 * 2 * sum(f) * 3 // len(f)))
    assert "filters=(8, 24)" in text


def test_bn_parameter_count_matches_keras_summary_totals():
    model = build_vgg_style(filters=(8, 16), batch_norm=True)
    total, trainable = bn_parameter_count(model)
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert (total, trainable) == (4 * 48, 2 * 48)
    assert total - trainable == non_trainable


# ---- ex4 ---------------------------------------------------------------------------------------


def dropout_variant(kind):
    def forward(x, rate, rng):
        if kind == "keep_prob":
            keep = rng.random(x.shape) < rate
        else:
            keep = rng.random(x.shape) >= rate
        if kind == "no_scale":
            return np.where(keep, x, 0.0)
        if kind == "multiply":
            return np.where(keep, x * (1 - rate), 0.0)
        if kind == "divide_rate":
            return np.where(keep, x / rate, 0.0)
        if kind == "global_rng":
            return np.where(np.random.random(x.shape) >= rate, x / (1 - rate), 0.0)
        if kind == "fixed_mask":
            fixed = np.random.default_rng(0).random(x.shape) >= rate
            return np.where(fixed, x / (1 - rate), 0.0)
        if kind == "no_drop":
            return x / (1 - rate)
        if kind == "flat":
            return np.where(keep, x / (1 - rate), 0.0).ravel()
        if kind in ("per_row", "per_column"):
            shape = (x.shape[0], 1) if kind == "per_row" else (1, x.shape[1])
            return np.where(rng.random(shape) >= rate, x / (1 - rate), 0.0)
        return np.where(keep, x / (1 - rate), 0.0)

    return forward


@pytest.mark.parametrize(
    "kind, fragments",
    [
        ("keep_prob", ("rate=0.2", "79,9 %", "probabilidade de manter")),
        ("no_scale", ("faltou dividir",)),
        ("multiply", ("multiplicou",)),
        ("divide_rate", ("dividiu por rate",)),
        ("global_rng", ("mesma semente", "rng")),
        ("fixed_mask", ("mesma máscara",)),
        ("no_drop", ("Nenhum valor foi zerado",)),
        ("flat", ("formato",)),
        ("per_row", ("uma vez por linha",)),
        ("per_column", ("uma vez por coluna",)),
    ],
)
def test_dropout_mistakes_are_named(kind, fragments):
    wrong(ex4, dropout_variant(kind), *fragments)


# ---- shared settings ----------------------------------------------------------------------------


def test_variants_add_one_technique_at_a_time():
    names = list(VARIANTS)
    assert names[0] == "nenhuma" and len(names) == 5
    flags = [(v["batch_norm"], bool(v["dropout"]), v["augmentation"]) for v in VARIANTS.values()]
    assert flags == [(False, False, False), (False, True, False), (True, False, False),
                     (True, True, False), (True, True, True)]


def test_build_variant_builds_what_the_variant_says():
    plain = build_variant("nenhuma", filters=(4, 8))
    full = build_variant("BN + dropout + aumento", filters=(4, 8))
    kinds = {type(layer).__name__ for layer in full.layers}
    assert {"BatchNormalization", "Dropout", "Sequential"} <= kinds
    assert not {"BatchNormalization", "Dropout"} & {type(layer).__name__ for layer in plain.layers}
    with pytest.raises(ValueError, match="variante desconhecida"):
        build_variant("BN+dropout")


def test_lesson_and_benchmark_use_the_course_seed_and_split():
    from pathlib import Path

    from course_utils.exercises import lesson10

    root = Path(__file__).resolve().parent.parent
    lesson = (root / "solutions" / "10_batchnorm_dropout.py").read_text(encoding="utf-8")
    benchmark = (root / "benchmarks" / "cifar10_ablation.py").read_text(encoding="utf-8")
    for source in (lesson, benchmark):
        assert "from course_utils.lessons import SEED, reference_split" in source
        assert "reference_split(x_train, y_train, VAL_FRACTION)" in source
    assert not hasattr(lesson10, "SEED") and not hasattr(lesson10, "reference_split")


# ---- strict mode ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, bn_variant("unbiased")),
        (ex2, moving_answer(swap_weights=True)),
        (ex3, (2 * CHANNELS, CHANNELS)),
        (ex4, dropout_variant("no_scale")),
    ],
)
def test_strict_mode_raises_on_wrong_answer(exercise, answer, monkeypatch):
    strict_check_fails(exercise, answer, monkeypatch)


def test_strict_mode_raises_on_blank(monkeypatch):
    strict_check_fails(ex1, ____, monkeypatch)
