"""Checkers of lesson 12: right answers pass, blanks are "not done", usual mistakes are named;
and the lesson's shared pieces (model, split, pipeline, settings)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from tests.exercise_testing import correct, not_done, strict_check_fails, wrong

from course_utils import config
from course_utils.checks import ____
from course_utils.datasets import chest_xray_patient_id
from course_utils.exercises import lesson12
from course_utils.exercises.lesson12 import (
    class_weights,
    ex1,
    ex2,
    ex3,
    ex4,
    false_negatives_exercise,
    precision_recall,
)

# ---- ex1 ------------------------------------------------------------------------------------


def test_global_batch_right_answer_passes():
    assert "8 réplicas" in correct(ex1, lambda per_replica, s: per_replica * s.num_replicas_in_sync)


def test_global_batch_blank_is_not_done(capsys):
    not_done(ex1, ____, capsys)
    not_done(ex1, lambda per_replica, s: ____, capsys)


@pytest.mark.parametrize(
    "function, fragments",
    [
        (lambda p, s: p, ("ignorou as réplicas",)),
        (lambda p, s: p / s.num_replicas_in_sync, ("dividiu",)),
        (lambda p, s: p + s.num_replicas_in_sync, ("somou",)),
        # right value, wrong type: tf.data's batch() refuses a float
        (lambda p, s: p * s.num_replicas_in_sync / 1, ("float", "inteiro")),
        (lambda p, s: "128", ("deveria ser um número",)),
        (lambda p, s: s.replicas, ("levantou AttributeError",)),
    ],
)
def test_global_batch_mistakes_are_named(function, fragments):
    wrong(ex1, function, *fragments)


# ---- ex2 ------------------------------------------------------------------------------------


def patient_regex(path):
    name = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    match = re.match(r"(person\d+)_|((?:NORMAL2-)?IM-\d+)-\d+$", name)
    return None if match is None else match.group(1) or match.group(2)


def patient_split(path):
    """The string-splitting answer the lesson says it accepts: no regular expression."""
    name = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if name.startswith("person") and "_" in name:
        return name.split("_")[0]
    if name.startswith(("IM-", "NORMAL2-IM-")):
        return name.rsplit("-", 1)[0]
    return None


def test_patient_id_right_answers_pass():
    correct(ex2, patient_regex)
    correct(ex2, chest_xray_patient_id)
    correct(ex2, patient_split)


def test_patient_id_blank_is_not_done(capsys):
    not_done(ex2, lambda path: ____, capsys)


def whole_name(path):
    return path.rsplit("/", 1)[-1]


def with_image_number(path):
    name = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return name if name.startswith(("IM-", "NORMAL2")) else patient_regex(path)


def no_normal2(path):
    got = patient_regex(path)
    return got.replace("NORMAL2-", "") if got else got


def person_and_kind(path):
    got = patient_regex(path)
    if got and got.startswith("person"):
        return "_".join(path.rsplit("/", 1)[-1].split("_")[:2])
    return got


def never_none(path):
    return patient_regex(path) or path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


@pytest.mark.parametrize(
    "function, fragments",
    [
        (whole_name, ("nome do arquivo",)),
        (with_image_number, ("IM-0115-0001", "nome do arquivo")),
        (no_normal2, ("NORMAL2-", "outra série")),
        (person_and_kind, ("person1234_bacteria", "Sobrou")),
        (never_none, ("pneumoniamnist", "devem dar None")),
        (lambda path: 1 / 0, ("ZeroDivisionError",)),
    ],
)
def test_patient_id_mistakes_are_named(function, fragments):
    wrong(ex2, function, *fragments)


# ---- ex3 ------------------------------------------------------------------------------------


def weights_right(counts):
    total = counts.sum()
    return {0: total / (2 * counts[0]), 1: total / (2 * counts[1])}


def test_class_weights_right_answer_passes():
    correct(ex3, weights_right)
    correct(ex3, lambda counts: {k: float(v) for k, v in weights_right(counts).items()})


def test_class_weights_reference_balances_the_loss():
    counts = np.array(list(lesson12.OFFICIAL_TRAIN_COUNTS.values()))
    weights = class_weights(counts)
    assert weights[0] > 1 > weights[1]
    # each class contributes half of the weighted count, and the total stays the same
    assert np.isclose(weights[0] * counts[0], weights[1] * counts[1])
    assert np.isclose(weights[0] * counts[0] + weights[1] * counts[1], counts.sum())
    assert class_weights([7, 7]) == {0: 1.0, 1: 1.0}
    with pytest.raises(ValueError, match="dois números positivos"):
        class_weights([0, 5])


@pytest.mark.parametrize(
    "function, fragments",
    [
        (lambda c: {0: weights_right(c)[1], 1: weights_right(c)[0]}, ("trocados",)),
        (lambda c: {0: 1 / c[0], 1: 1 / c[1]}, ("1/contagem", "total/2")),
        (lambda c: {0: c.sum() / c[0], 1: c.sum() / c[1]}, ("número de classes",)),
        (lambda c: {0: c[0] / c.sum(), 1: c[1] / c.sum()}, ("proporção",)),
        # the right ratio at the wrong scale: weights normalised to sum to 1
        (lambda c: {0: c[1] / c.sum(), 1: c[0] / c.sum()}, ("somam 1",)),
        (lambda c: [1.9, 0.7], ("dicionário",)),
        (lambda c: {"normal": 1.0, "pneumonia": 1.0}, ("chaves",)),
    ],
)
def test_class_weights_mistakes_are_named(function, fragments):
    wrong(ex3, function, *fragments)


# ---- ex4 ------------------------------------------------------------------------------------


def test_precision_recall_right_answer_passes():
    correct(ex4, precision_recall)
    correct(ex4, lambda cm: (cm[1, 1] / cm[:, 1].sum(), cm[1, 1] / cm[1].sum()))


def test_precision_recall_reference_matches_sklearn():
    from sklearn.metrics import confusion_matrix, precision_score, recall_score

    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 2, 200), rng.integers(0, 2, 200)
    got = precision_recall(confusion_matrix(y_true, y_pred))
    assert np.allclose(got, (precision_score(y_true, y_pred), recall_score(y_true, y_pred)))


@pytest.mark.parametrize(
    "function, fragments",
    [
        (lambda cm: precision_recall(cm)[::-1], ("trocados",)),
        (lambda cm: precision_recall(cm[::-1, ::-1]), ("classe normal",)),
        (lambda cm: (np.trace(cm) / cm.sum(), precision_recall(cm)[1]), ("acurácia",)),
        (lambda cm: precision_recall(cm)[0], ("tupla",)),
    ],
)
def test_precision_recall_mistakes_are_named(function, fragments):
    wrong(ex4, function, *fragments)


# ---- ex5 ------------------------------------------------------------------------------------


def test_false_negatives_are_counted(capsys):
    y_true = np.array([1, 1, 1, 1, 0, 0, 0])
    y_prob = np.array([0.9, 0.2, 0.5, 0.7, 0.6, 0.1, 0.3])  # FN: 0.2 and 0.5; FP: 0.6
    ex5 = false_negatives_exercise(y_true, y_prob)
    assert ex5.key == "12/ex5"
    assert "2 das 4 radiografias" in correct(ex5, 2)
    correct(ex5, np.int64(2))
    not_done(ex5, ____, capsys)
    wrong(ex5, 1, "falsos positivos")
    wrong(ex5, 0.5, "fração")
    wrong(ex5, 2.5, "inteiro")
    wrong(ex5, "2", "deveria ser um número")


def test_false_negatives_names_true_positives():
    ex5 = false_negatives_exercise([1, 1, 1, 0], [0.9, 0.8, 0.1, 0.2])
    wrong(ex5, 2, "verdadeiros positivos")


# ---- shared pieces ----------------------------------------------------------------------------


def test_image_size_follows_fast_mode(monkeypatch):
    monkeypatch.setattr(config, "FAST", True)
    assert lesson12.image_size() == lesson12.FAST_IMAGE_SIZE
    monkeypatch.setattr(config, "FAST", False)
    assert lesson12.image_size() == (180, 180)


def test_learning_rate_decays_once_per_epoch():
    schedule = lesson12.learning_rate_schedule(steps_per_epoch=10)
    rates = [float(schedule(step)) for step in (0, 10, 20)]
    expected = [lesson12.INITIAL_LEARNING_RATE * lesson12.DECAY_RATE**k for k in range(3)]
    assert np.allclose(rates, expected)


def test_xray_model_has_the_example_blocks_and_dropout_rates():
    from course_utils.xray import build_xray_model

    model = build_xray_model((32, 32))
    assert model.output_shape == (None, 1)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("SeparableConv2D") == 8 and kinds.count("BatchNormalization") == 7
    assert kinds[1] == "Rescaling"
    rates = [layer.rate for layer in model.layers if type(layer).__name__ == "Dropout"]
    assert rates == [0.2, 0.2, 0.7, 0.5, 0.3]
    units = [layer.units for layer in model.layers if type(layer).__name__ == "Dense"]
    assert units == [512, 128, 64, 1]
    assert model.layers[-1].activation.__name__ == "sigmoid"
    with pytest.raises(ValueError, match="pelo menos 32"):
        build_xray_model((28, 28))


def test_split_by_patient_keeps_patients_whole_and_is_stratified():
    from course_utils.xray import split_by_patient

    paths, labels = [], []
    for patient in range(40):  # 40 pneumonia patients with 3 images each
        for image in range(3):
            paths.append(f"chest_xray/train/PNEUMONIA/person{patient}_virus_{patient * 3 + image}.jpeg")
            labels.append(1)
    for patient in range(30):  # 30 normal patients with 2 images each
        for image in range(2):
            paths.append(f"chest_xray/train/NORMAL/IM-{patient:04d}-{image + 1:04d}.jpeg")
            labels.append(0)
    labels = np.array(labels)
    fit, val, grouped = split_by_patient(paths, labels, 0.2, seed=0)
    assert grouped
    assert sorted(np.concatenate([fit, val]).tolist()) == list(range(len(labels)))
    fit_patients = {chest_xray_patient_id(paths[i]) for i in fit}
    val_patients = {chest_xray_patient_id(paths[i]) for i in val}
    assert not fit_patients & val_patients
    assert 0.15 < len(val) / len(labels) < 0.25
    assert 0.5 < labels[val].mean() / labels.mean() < 1.5


def test_split_without_patient_ids_is_a_stratified_split_by_image():
    from course_utils.xray import split_by_patient

    paths = [f"chest_xray/train/X/pneumoniamnist-train-{i:05d}.jpeg" for i in range(100)]
    labels = np.arange(100) % 2
    fit, val, grouped = split_by_patient(paths, labels, 0.2, seed=0)
    assert not grouped and len(val) == 20 and sorted(np.concatenate([fit, val])) == list(range(100))
    # StratifiedGroupKFold balances the classes greedily: 10 of 20 on scikit-learn 1.9, 9 on
    # 1.7 (the newest on Python 3.10).
    assert abs(labels[val].sum() - 10) <= 1


def test_take_and_pipeline_keep_the_chosen_examples_in_batches():
    import tensorflow as tf

    from course_utils.xray import make_pipeline, take

    dataset = tf.data.Dataset.from_tensor_slices((np.arange(10), np.arange(10) % 2))
    picked = [int(x) for x, _ in take(dataset, np.array([7, 1, 4]))]
    assert picked == [1, 4, 7]
    training = list(make_pipeline(take(dataset, np.arange(10)), batch_size=4, training=True))
    assert [len(x) for x, _ in training] == [4, 4]  # drop_remainder: fixed shapes
    assert all(x.dtype == tf.uint8 for x, _ in training)
    evaluation = list(make_pipeline(take(dataset, np.arange(10)), batch_size=4))
    assert [len(x) for x, _ in evaluation] == [4, 4, 2]
    assert np.concatenate([x.numpy() for x, _ in evaluation]).tolist() == list(range(10))
    split = list(make_pipeline(take(dataset, np.arange(9)), batch_size=4, replicas=2))
    assert [len(x) for x, _ in split] == [4, 4]  # 9 % 2 = 1 example left out
    with pytest.raises(ValueError, match="não enchem um lote"):
        make_pipeline(take(dataset, np.arange(3)), batch_size=4, training=True)
    with pytest.raises(ValueError, match="que divide batch_size"):
        make_pipeline(dataset, batch_size=4, replicas=3)


# ---- strict mode ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex1, lambda p, s: p),
        (ex2, whole_name),
        (ex3, lambda c: {0: 1.0, 1: 1.0}),
        (ex4, lambda cm: (0.5, 0.5)),
    ],
)
def test_strict_mode_raises_on_wrong_answer(exercise, answer, monkeypatch):
    strict_check_fails(exercise, answer, monkeypatch)


# ---- the threshold, chosen on the validation set --------------------------------------------


def test_threshold_for_recall_is_the_largest_reaching_the_target():
    y_true = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0])
    y_prob = np.array([0.9, 0.8, 0.35, 0.6, 0.7, 0.1, 0.3, 0.2, 0.95, 0.4])
    chosen = lesson12.threshold_for_recall(y_true, y_prob, 0.8)
    assert chosen == 0.6  # 4 of 5 positives at >= 0.6; 0.7 would keep only 3
    assert lesson12.threshold_for_recall(y_true, y_prob, 1.0) == 0.35
    recall = np.mean(y_prob[y_true == 1] >= chosen)
    assert recall >= 0.8
    with pytest.raises(ValueError, match="nenhum exemplo positivo"):
        lesson12.threshold_for_recall([0, 0], [0.1, 0.2], 0.9)
    with pytest.raises(ValueError, match="target"):
        lesson12.threshold_for_recall(y_true, y_prob, 0.0)


# ---- pictures -----------------------------------------------------------------------------------


def test_patient_leakage_picture_marks_patients_on_both_sides():
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from course_utils.xray import draw_patient_leakage

    fig = draw_patient_leakage((3, 2, 4, 2, 3, 2), seed=3)
    by_image, by_patient = (ax.get_title() for ax in fig.axes)
    assert "pacientes dos dois lados (em vermelho): 0" in by_patient
    assert "pacientes dos dois lados (em vermelho): 0" not in by_image
    assert sum(isinstance(p, Rectangle) for p in fig.axes[1].patches) == 16
    plt.close(fig)
    with pytest.raises(ValueError, match="films"):
        draw_patient_leakage((3,))


def test_data_parallelism_picture_names_every_replica():
    from course_utils.xray import draw_data_parallelism

    fig = draw_data_parallelism(replicas=3, per_replica=2)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert all(f"réplica {r}" in texts for r in range(3))
    assert "all-reduce" in texts and "6 imagens (3 × 2)" in texts
    fig.clf()
    with pytest.raises(ValueError, match="replicas"):
        draw_data_parallelism(replicas=1)
