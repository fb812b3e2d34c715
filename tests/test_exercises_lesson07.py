"""The checkers of lesson 07: right answers pass, blanks are not done, usual mistakes are named."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from tests.exercise_testing import correct, not_done, wrong

from course_utils import fmt
from course_utils.checks import ExerciseFailed, ____
from course_utils.datasets import load_fashion_mnist
from course_utils.exercises import lesson07
from course_utils.exercises.lesson07 import (
    FINAL_CONFIG,
    VAL_FRACTION,
    best_run,
    ex1,
    ex2,
    ex3,
    ex4,
    ex5,
)
from course_utils.lessons import SEED


def reference_split(x, y):
    """The call ex2 asks for: stratified, VAL_FRACTION held out, the course's seed."""
    return tuple(train_test_split(x, y, test_size=VAL_FRACTION, stratify=y, random_state=SEED))


@pytest.mark.parametrize("exercise", [ex1, ex2, ex3, ex4, ex5])
def test_a_blank_is_not_done(exercise, capsys):
    not_done(exercise, ____, capsys)


def test_a_wrong_answer_raises_in_strict_mode(monkeypatch):
    monkeypatch.setenv("COURSE_STRICT", "1")
    with pytest.raises(ExerciseFailed):
        ex1.check("a b")
    with pytest.raises(ExerciseFailed):
        ex1.check(____)
    ex1.check("maria.silva")  # a right answer does not raise


# ---- ex2: stratified split ---------------------------------------------------------------


@pytest.fixture(scope="module")
def train():
    (x_train, y_train), _ = load_fashion_mnist()
    return x_train, y_train


def test_ex2_accepts_the_stratified_split(train):
    x, y = train
    correct(ex2, tuple(train_test_split(x, y, test_size=VAL_FRACTION, stratify=y,
                                        random_state=SEED)))
    # normalised images with a channel axis: still the right split
    x_float = (x / 255.0).astype("float32")[..., None]
    correct(ex2, tuple(train_test_split(x_float, y, test_size=VAL_FRACTION, stratify=y,
                                        random_state=SEED)))


def test_ex2_names_the_usual_mistakes(train):
    x, y = train
    x_tr, x_val, y_tr, y_val = reference_split(x, y)
    wrong(ex2, (x_tr, x_val, y_tr), "quatro partes")
    wrong(ex2, (x_tr, y_tr, x_val, y_val), "ordem")
    wrong(ex2, (x_val, x_tr, y_val, y_tr), "trocados")
    wrong(ex2, (x_tr[:-1], x_val, y_tr, y_val), "mesmo tamanho")
    wrong(ex2, (x_tr[:-2], x_val, y_tr[:-2], y_val), "somam", fmt.num(len(y)))
    wrong(ex2, tuple(train_test_split(x, y, test_size=0.3, stratify=y, random_state=SEED)),
          "validação tem", "VAL_FRACTION")
    # not stratified: the last images after sorting by label are all of the last classes
    order = np.argsort(y, kind="stable")
    n_val = len(y_val)
    unstratified = (x[order[:-n_val]], x[order[-n_val:]], y[order[:-n_val]], y[order[-n_val:]])
    wrong(ex2, unstratified, "não está estratificada", "stratify=y_train")
    # labels shuffled apart from the images
    shuffled = np.random.default_rng(0).permutation(y_val)
    assert (shuffled != y_val).any()
    wrong(ex2, (x_tr, x_val, y_tr, shuffled), "não combinam")
    # a part with images that are not training images
    noise = np.random.default_rng(1).integers(0, 256, x_val.shape, dtype=np.uint8)
    wrong(ex2, (x_tr, noise, y_tr, y_val), "não está em x_train")
    # labels duplicated from one part to the other
    wrong(ex2, (x_tr, x_val, y_tr, np.sort(y_val)[::-1] * 0), "sumiu ou se repetiu")
    wrong(ex2, "x_tr, x_val, y_tr, y_val", "quatro partes")


@pytest.mark.parametrize("seed", [7, None])
def test_ex2_needs_the_course_seed(train, seed):
    x, y = train
    split = train_test_split(x, y, test_size=VAL_FRACTION, stratify=y, random_state=seed)
    wrong(ex2, tuple(split), "random_state=SEED")


# ---- ex3: experiment configurations ------------------------------------------------------

BASE = {"epochs": 2, "batch_size": 128, "filters": (32, 64), "activation": "relu"}


def grid() -> list[dict]:
    return [
        BASE,
        {**BASE, "epochs": 4},
        {**BASE, "batch_size": 32},
        {**BASE, "filters": (16, 32)},
        {**BASE, "activation": "tanh"},
    ]


def test_ex3_accepts_a_one_factor_at_a_time_grid():
    note = correct(ex3, grid())
    assert "5 treinos" in note and "12 épocas" in note
    correct(ex3, [dict(c, filters=list(c["filters"])) for c in grid()])  # lists are fine
    correct(ex3, [{**BASE, "epochs": 3, "batch_size": 64, "filters": (8, 16, 32),
                   "activation": "elu"}] + grid()[:3])


def test_ex3_names_the_usual_mistakes():
    wrong(ex3, BASE, "lista de dicionários")
    wrong(ex3, grid()[:3], "3 configuração", "pelo menos 4")
    wrong(ex3, [c for c in grid() if c["activation"] == "relu"], "activation='relu'")
    no_epochs_change = [c for c in grid() if c["epochs"] == 2]
    wrong(ex3, no_epochs_change + [{**BASE, "batch_size": 64}], "epochs=2")
    wrong(ex3, grid() + [BASE], "1 e 6 são iguais")
    wrong(ex3, grid()[:4] + [{**BASE, "activaton": "tanh"}], "'activaton'", "'activation'?")
    wrong(ex3, grid()[:4] + [{k: v for k, v in BASE.items() if k != "batch_size"}],
          "falta a chave 'batch_size'")
    wrong(ex3, grid()[:4] + [{**BASE, "epochs": 0}], "epochs", "≥ 1")
    wrong(ex3, grid()[:4] + [{**BASE, "batch_size": 32.0}], "batch_size")
    wrong(ex3, grid()[:4] + [{**BASE, "filters": 32}], "filters", "(32, 64)")
    wrong(ex3, grid()[:4] + [{**BASE, "activation": "rellu"}], "não conhece", "'rellu'")
    wrong(ex3, grid()[:4] + [{**BASE, "filters": (8, 16, 32, 64)}], "blocos demais")
    wrong(ex3, grid()[:4] + ["relu"], "configuração 5", "dicionário")


# ---- ex4: best run -------------------------------------------------------------------------


def test_ex4_accepts_idxmax_and_equivalents():
    correct(ex4, lambda table: table["val_accuracy"].idxmax())
    correct(ex4, lambda table: table.sort_values("val_accuracy").index[-1])
    correct(ex4, best_run)


@pytest.mark.parametrize(
    "student, fragment",
    [
        (lambda t: t["val_accuracy"].max(), "a maior val_accuracy"),
        (lambda t: t["val_accuracy"].idxmin(), "MENOR"),
        (lambda t: int(t["val_accuracy"].to_numpy().argmax()), "posição"),
        (lambda t: t["train_seconds"].idxmax(), "train_seconds"),
        (lambda t: t.loc[t["val_accuracy"].idxmax()], "linha ou coluna"),
        (lambda t: t.sort_values("val_accuracy", inplace=True), "alterou a tabela"),
        (lambda t: t.index[-1], "a melhor execução é"),
        (lambda t: 1 / 0, "ZeroDivisionError"),
    ],
    ids=["max_value", "idxmin", "position", "wrong_column", "whole_row", "inplace_sort",
         "last_row", "crash"],
)
def test_ex4_names_the_usual_mistakes(student, fragment):
    wrong(ex4, student, fragment)


def test_ex4_and_best_run_agree_with_a_real_table():
    table = lesson07._table([0.8, 0.95, 0.9], [5, 1, 9], [1, 2, 3])
    assert best_run(table) == 2


# ---- ex5: bootstrap interval of the test accuracy -----------------------------------------


def _resampled(hits, n_resamples, rng, size=None, replace=True):
    """Accuracies of ``n_resamples`` resamples of ``hits`` (``size`` images each)."""
    size = len(hits) if size is None else size
    return rng.choice(hits, size=(n_resamples, size), replace=replace).mean(axis=1)


def _loop(hits, n_resamples, rng):
    accuracies = []
    for _ in range(n_resamples):
        sample = hits[rng.integers(0, len(hits), len(hits))]
        accuracies.append(np.mean(sample))
    return tuple(np.quantile(accuracies, [0.025, 0.975]))


def test_ex5_accepts_percentile_bootstraps():
    correct(ex5, lambda h, n, rng: np.percentile(_resampled(h, n, rng), [2.5, 97.5]))
    correct(ex5, _loop)  # a loop, np.quantile, a tuple
    correct(ex5, lesson07.bootstrap_interval)


def test_ex5_reference_is_within_tolerance_for_any_generator():
    for seed in range(20):
        for n, right in ((250, 236), (400, 321)):
            hits = lesson07._hits(n, right, seed=n, as_bool=True)
            got = lesson07.bootstrap_interval(hits, 10_000, np.random.default_rng(seed))
            exact = lesson07._exact_interval(hits, lesson07.CONFIDENCE)
            assert np.all(np.abs(got - exact) <= 1 / n + 0.002)


@pytest.mark.parametrize(
    "student, fragments",
    [
        (lambda h, n, rng: np.percentile(
            [rng.permutation(h).mean() for _ in range(n)], [2.5, 97.5]),
         ["quase sem largura", "com reposição"]),
        (lambda h, n, rng: np.percentile(
            rng.choice(h, size=(n, len(h))).mean(axis=0), [2.5, 97.5]),
         ["quase sem largura", "amostra inteira"]),
        (lambda h, n, rng: 100 * np.percentile(_resampled(h, n, rng), [2.5, 97.5]),
         ["porcentagem"]),
        (lambda h, n, rng: np.percentile(_resampled(h, n, rng), [5, 95]),
         ["estreito demais", "2,5 ao 97,5"]),
        (lambda h, n, rng: (lambda a: (a.mean() - a.std(), a.mean() + a.std()))(
            _resampled(h, n, rng)), ["estreito demais", "desvio padrão"]),
        (lambda h, n, rng: np.percentile(_resampled(h, n, rng, size=100), [2.5, 97.5]),
         ["largo demais", "tamanho do teste"]),
        (lambda h, n, rng: np.percentile(_resampled(h, n, rng), [0.5, 99.5]),
         ["largo demais", "2,5 ao 97,5"]),
        (lambda h, n, rng: np.percentile(h, [2.5, 97.5]), ["próprios acertos"]),
        (lambda h, n, rng: np.percentile(_resampled(h, n, rng), [97.5, 2.5]), ["trocados"]),
        (lambda h, n, rng: np.percentile(_resampled(h, 1000, rng), [2.5, 97.5]),
         ["n_resamples=1"]),
        (lambda h, n, rng: (lambda p: (p - 1.96 * np.sqrt(p * (1 - p) / len(h)),
                                       p + 1.96 * np.sqrt(p * (1 - p) / len(h))))(np.mean(h)),
         ["n_resamples=1"]),
        (lambda h, n, rng: _resampled(h, n, rng).std(), ["lista de limites"]),
        (lambda h, n, rng: np.quantile(_resampled(h, n, rng), [2.5, 97.5]), ["ValueError"]),
    ],
    ids=["without_replacement", "mean_over_resamples", "percent", "ninety_percent",
         "mean_plus_std", "small_resamples", "ninety_nine_percent", "percentiles_of_hits",
         "reversed", "ignores_n_resamples", "normal_approximation", "std_only",
         "quantile_in_percent"],
)
def test_ex5_names_the_usual_mistakes(student, fragments):
    wrong(ex5, student, *fragments)


# ---- ex1: student id -----------------------------------------------------------------------


def test_ex1_accepts_safe_ids():
    assert "maria.silva" in correct(ex1, "maria.silva")
    correct(ex1, "RA-2024_0042")


@pytest.mark.parametrize(
    "answer, fragment",
    [
        ("", "vazio"),
        ("maria silva", "' '"),
        ("../x", "'/'"),
        ("joão", "'ã'"),
        ("..", "só tem pontos"),
        ("x" * 65, "longo demais"),
        (42, "texto entre aspas"),
    ],
)
def test_ex1_names_the_problem(answer, fragment):
    wrong(ex1, answer, fragment)


# ---- shared constants ----------------------------------------------------------------------


def test_final_config_passes_the_configuration_checks():
    lesson07._check_config(FINAL_CONFIG, 1)
    lesson07._check_depth(tuple(FINAL_CONFIG["filters"]))
    assert FINAL_CONFIG["epochs"] >= 10


def test_final_architecture_grows_the_same_builder():
    from course_utils.exercises.lesson07 import FINAL_ARCHITECTURE
    from course_utils.models import build_mnist_cnn

    model = build_mnist_cnn(
        filters=FINAL_CONFIG["filters"], activation=FINAL_CONFIG["activation"],
        **FINAL_ARCHITECTURE,
    )
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert len(convs) == 2 * len(FINAL_CONFIG["filters"])
    assert model.output_shape == (None, 10)
    # only what lessons 01-07 teach: batch normalization waits for lesson 10
    assert not any(type(layer).__name__ == "BatchNormalization" for layer in model.layers)


def test_cosine_adam_falls_from_the_rate_to_zero():
    from course_utils.exercises.lesson07 import cosine_adam

    optimizer = cosine_adam(epochs=3, steps_per_epoch=10, learning_rate=0.002)
    rates = []
    for step in (0, 15, 30):  # start, half-way (half the rate), end of the 3 × 10 steps
        optimizer.iterations.assign(step)
        rates.append(float(optimizer.learning_rate))
    assert rates == pytest.approx([0.002, 0.001, 0.0], abs=1e-9)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        cosine_adam(epochs=3, steps_per_epoch=0)
