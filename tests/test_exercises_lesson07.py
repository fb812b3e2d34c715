"""The checkers of lesson 07: right answers pass, blanks are not done, usual mistakes are named."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from tests.exercise_testing import correct, wrong

from course_utils.checks import ExerciseFailed, ____
from course_utils.datasets import load_fashion_mnist
from course_utils.exercises import lesson07
from course_utils.exercises.lesson07 import (
    FINAL_CONFIG,
    SEED,
    VAL_FRACTION,
    best_run,
    ex1,
    ex2,
    ex3,
    ex4,
    ex5,
    reference_split,
)


@pytest.mark.parametrize("exercise", [ex1, ex2, ex3, ex4, ex5])
def test_a_blank_is_not_done(exercise):
    assert exercise._evaluate(____).kind == "not_done"


def test_a_wrong_answer_raises_in_strict_mode(monkeypatch):
    monkeypatch.setenv("COURSE_STRICT", "1")
    with pytest.raises(ExerciseFailed):
        ex5.check("a b")
    with pytest.raises(ExerciseFailed):
        ex5.check(____)
    ex5.check("maria.silva")  # a right answer does not raise


# ---- ex1: stratified split ---------------------------------------------------------------


@pytest.fixture(scope="module")
def train():
    (x_train, y_train), _ = load_fashion_mnist()
    return x_train, y_train


def test_ex1_accepts_the_stratified_split(train):
    x, y = train
    correct(ex1, tuple(train_test_split(x, y, test_size=VAL_FRACTION, stratify=y,
                                        random_state=SEED)))
    correct(ex1, reference_split(x, y))
    # another seed, normalised images with a channel axis, lists: still the right split
    correct(ex1, tuple(train_test_split(x, y, test_size=VAL_FRACTION, stratify=y,
                                        random_state=7)))
    x_float = (x / 255.0).astype("float32")[..., None]
    correct(ex1, tuple(train_test_split(x_float, y, test_size=VAL_FRACTION, stratify=y,
                                        random_state=SEED)))


def test_ex1_names_the_usual_mistakes(train):
    x, y = train
    x_tr, x_val, y_tr, y_val = reference_split(x, y)
    wrong(ex1, (x_tr, x_val, y_tr), "quatro partes")
    wrong(ex1, (x_tr, y_tr, x_val, y_val), "ordem")
    wrong(ex1, (x_val, x_tr, y_val, y_tr), "trocados")
    wrong(ex1, (x_tr[:-1], x_val, y_tr, y_val), "mesmo tamanho")
    wrong(ex1, (x_tr[:-2], x_val, y_tr[:-2], y_val), "somam", str(len(y)))
    wrong(ex1, tuple(train_test_split(x, y, test_size=0.3, stratify=y, random_state=SEED)),
          "validação tem", "VAL_FRACTION")
    # not stratified: the last images after sorting by label are all of the last classes
    order = np.argsort(y, kind="stable")
    n_val = len(y_val)
    unstratified = (x[order[:-n_val]], x[order[-n_val:]], y[order[:-n_val]], y[order[-n_val:]])
    wrong(ex1, unstratified, "não está estratificada", "stratify=y_train")
    # labels shuffled apart from the images
    shuffled = np.random.default_rng(0).permutation(y_val)
    assert (shuffled != y_val).any()
    wrong(ex1, (x_tr, x_val, y_tr, shuffled), "não combinam")
    # a part with images that are not training images
    noise = np.random.default_rng(1).integers(0, 256, x_val.shape, dtype=np.uint8)
    wrong(ex1, (x_tr, noise, y_tr, y_val), "não está em x_train")
    # labels duplicated from one part to the other
    wrong(ex1, (x_tr, x_val, y_tr, np.sort(y_val)[::-1] * 0), "sumiu ou se repetiu")
    wrong(ex1, "x_tr, x_val, y_tr, y_val", "quatro partes")


# ---- ex2: experiment configurations ------------------------------------------------------

BASE = {"epochs": 2, "batch_size": 128, "filters": (32, 64), "activation": "relu"}


def grid() -> list[dict]:
    return [
        BASE,
        {**BASE, "epochs": 4},
        {**BASE, "batch_size": 32},
        {**BASE, "filters": (16, 32)},
        {**BASE, "activation": "tanh"},
    ]


def test_ex2_accepts_a_one_factor_at_a_time_grid():
    note = correct(ex2, grid())
    assert "5 treinos" in note and "12 épocas" in note
    correct(ex2, [dict(c, filters=list(c["filters"])) for c in grid()])  # lists are fine
    correct(ex2, [{**BASE, "epochs": 3, "batch_size": 64, "filters": (8, 16, 32),
                   "activation": "elu"}] + grid()[:3])


def test_ex2_names_the_usual_mistakes():
    wrong(ex2, BASE, "lista de dicionários")
    wrong(ex2, grid()[:3], "3 configuração", "pelo menos 4")
    wrong(ex2, [c for c in grid() if c["activation"] == "relu"], "activation='relu'")
    no_epochs_change = [c for c in grid() if c["epochs"] == 2]
    wrong(ex2, no_epochs_change + [{**BASE, "batch_size": 64}], "epochs=2")
    wrong(ex2, grid() + [BASE], "1 e 6 são iguais")
    wrong(ex2, grid()[:4] + [{**BASE, "activaton": "tanh"}], "'activaton'", "'activation'?")
    wrong(ex2, grid()[:4] + [{k: v for k, v in BASE.items() if k != "batch_size"}],
          "falta a chave 'batch_size'")
    wrong(ex2, grid()[:4] + [{**BASE, "epochs": 0}], "epochs", "≥ 1")
    wrong(ex2, grid()[:4] + [{**BASE, "batch_size": 32.0}], "batch_size")
    wrong(ex2, grid()[:4] + [{**BASE, "filters": 32}], "filters", "(32, 64)")
    wrong(ex2, grid()[:4] + [{**BASE, "activation": "rellu"}], "não conhece", "'rellu'")
    wrong(ex2, grid()[:4] + [{**BASE, "filters": (8, 16, 32, 64)}], "blocos demais")
    wrong(ex2, grid()[:4] + ["relu"], "configuração 5", "dicionário")


# ---- ex3: best run -------------------------------------------------------------------------


def test_ex3_accepts_idxmax_and_equivalents():
    correct(ex3, lambda table: table["val_accuracy"].idxmax())
    correct(ex3, lambda table: table.sort_values("val_accuracy").index[-1])
    correct(ex3, best_run)


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
def test_ex3_names_the_usual_mistakes(student, fragment):
    wrong(ex3, student, fragment)


def test_ex3_and_best_run_agree_with_a_real_table():
    table = lesson07._table([0.8, 0.95, 0.9], [5, 1, 9], [1, 2, 3])
    assert best_run(table) == 2


# ---- ex4: accuracy -------------------------------------------------------------------------


def test_ex4_accepts_the_mean_of_hits():
    correct(ex4, lambda p, y: np.mean(np.argmax(p, axis=1) == y))
    correct(ex4, lambda p, y: float((p.argmax(-1) == y).sum() / len(y)))
    correct(ex4, lambda p, y: np.array([np.mean(p.argmax(1) == y)]))  # one-element array


@pytest.mark.parametrize(
    "student, fragment",
    [
        (lambda p, y: np.sum(p.argmax(1) == y), "número de acertos"),
        (lambda p, y: 100 * np.mean(p.argmax(1) == y), "porcentagem"),
        (lambda p, y: np.mean(p.argmax(1) != y), "taxa de erro"),
        (lambda p, y: p.argmax(1) == y, "devolva um número"),
        (lambda p, y: np.mean(p.argmax(0) == y) if len(y) == 10 else np.mean(p.argmax(1) == y),
         "eixo 0"),
        (lambda p, y: np.mean(p.max(1) == y), "acurácia esperada"),
        (lambda p, y: "0.5", "devolva um número"),
    ],
    ids=["count", "percent", "error_rate", "array", "axis_0", "max_not_argmax", "string"],
)
def test_ex4_names_the_usual_mistakes(student, fragment):
    wrong(ex4, student, fragment)


def test_ex4_axis_0_crash_is_reported():
    wrong(ex4, lambda p, y: np.mean(p.argmax(0) == y), "sua função")


# ---- ex5: student id -----------------------------------------------------------------------


def test_ex5_accepts_safe_ids():
    assert "maria.silva" in correct(ex5, "maria.silva")
    correct(ex5, "RA-2024_0042")


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
def test_ex5_names_the_problem(answer, fragment):
    wrong(ex5, answer, fragment)


# ---- shared constants ----------------------------------------------------------------------


def test_reference_split_is_stratified_and_sized_by_val_fraction():
    y = np.repeat(np.arange(10), 60)
    x = np.arange(len(y))
    x_tr, x_val, y_tr, y_val = reference_split(x, y)
    assert len(y_val) == len(y) // 6
    assert np.array_equal(np.bincount(y_val), np.full(10, len(y) // 60))
    assert set(x_tr).isdisjoint(x_val)


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
