"""Exercises of lesson 12, "Raio-X com TPU", and the lesson's shared settings.

* ``ex1``: the global batch size, a function ``(per_replica, strategy) -> int``, tried on
  strategies of 1, 2 and 8 replicas;
* ``ex2``: the patient of an image, a function ``(path) -> str | None`` checked against
  :func:`course_utils.datasets.chest_xray_patient_id` on official and mirror names;
* ``ex3``: class weights from the class counts, a function ``(counts) -> {0: w0, 1: w1}``,
  checked against :func:`class_weights` (each class weighs half of the loss);
* ``ex4``: precision and recall of the pneumonia class from a confusion matrix, a function
  ``(cm) -> (precision, recall)``, checked against scikit-learn;
* ``ex5`` (made by :func:`false_negatives_exercise` from the run's test predictions): how
  many test X-rays with pneumonia the model classified as normal (false negatives).

The settings (image size, batches, epochs, the learning-rate schedule, the split) are shared
by ``solutions/12_raio_x_tpu.py`` and ``benchmarks/chest_xray.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from course_utils import config
from course_utils.checks import Exercise, WrongAnswer, as_int, as_number, call_student
from course_utils.datasets import chest_xray_patient_id
from course_utils.fmt import num

if TYPE_CHECKING:
    import keras

# ---- the lesson's settings (the seed is the course's, lessons.SEED) --------------------------

IMAGE_SIZE = (180, 180)
"""Size the images are resized to in full mode, as in the Keras example."""

FAST_IMAGE_SIZE = (32, 32)
"""Image size in fast mode: the smallest the model takes (five 2×2 poolings)."""

BATCH_PER_REPLICA = 16
"""Images per replica and step; the global batch multiplies it by the number of replicas."""

VAL_FRACTION = 0.2
"""Share of the training images (in whole patients) kept for validation."""

EPOCHS = (100, 2)
"""``config.epochs(*EPOCHS)``: at most 100 epochs (early stopping ends sooner), 2 when fast."""

PATIENCE = 10
"""Epochs without a better validation loss before early stopping, as in the example."""

INITIAL_LEARNING_RATE = 1e-3
"""Adam's learning rate at the first step."""

DECAY_RATE = 0.9
"""The learning rate is multiplied by this once per epoch (exponential decay)."""

THRESHOLD = 0.5
"""Probability above which an X-ray is called pneumonia (the default threshold)."""

TARGET_RECALL = 0.95
"""Recall the lesson's threshold must reach on the validation set (:func:`threshold_for_recall`)."""

OFFICIAL_TRAIN_COUNTS = {"normal": 1349, "pneumonia": 3883}
"""Class counts of the official ChestXRay2017 ``train/`` TFRecords (5,232 images: the data
set's train and val folders together), as the Keras example counts them."""

OFFICIAL_TEST_COUNTS = {"normal": 234, "pneumonia": 390}
"""Class counts of the official ChestXRay2017 test set (624 images)."""

OFFICIAL_VAL_IMAGES = 16
"""Images in the data set's own validation folder (8 per class), too few to validate on; the
TFRecords put them with the training images."""

REFERENCE_RESULTS = {
    "keras.io, o exemplo (180×180, teste oficial)": {
        "acurácia": "≈ 0,79–0,83 (conforme a versão da página)", "revocação": "≈ 0,98–0,99"},
    "MedMNIST v2, ResNet-18 (28×28, PneumoniaMNIST)": {"acurácia": "0,854", "AUC": "0,944"},
}
"""Published test results to compare with: the Keras example's own runs (its published
versions print test accuracies from 0.79 to about 0.83, recall 0.98–0.99) and MedMNIST v2's
(Yang et al., 2023, table of PneumoniaMNIST results)."""


def image_size() -> tuple[int, int]:
    """:data:`IMAGE_SIZE`, or :data:`FAST_IMAGE_SIZE` in fast mode."""
    return FAST_IMAGE_SIZE if config.FAST else IMAGE_SIZE


def learning_rate_schedule(steps_per_epoch: int) -> keras.optimizers.schedules.ExponentialDecay:
    """Exponential decay: :data:`INITIAL_LEARNING_RATE` × :data:`DECAY_RATE` per epoch."""
    import keras

    return keras.optimizers.schedules.ExponentialDecay(
        INITIAL_LEARNING_RATE, decay_steps=max(int(steps_per_epoch), 1), decay_rate=DECAY_RATE
    )


def class_weights(counts: Any) -> dict[int, float]:
    """``{class: total / (2 · count)}``: each of the two classes weighs half of the loss.

    >>> class_weights([1349, 3883])
    {0: 1.939214232765011, 1: 0.6737058975019315}
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.shape != (2,) or np.any(counts <= 0):
        raise ValueError(f"counts deve ter dois números positivos, recebi {counts!r}")
    total = counts.sum()
    return {k: float(total / (2 * counts[k])) for k in range(2)}


def threshold_for_recall(y_true: Any, y_prob: Any, target: float = TARGET_RECALL) -> float:
    """The largest threshold ``t`` whose rule ``y_prob >= t`` reaches recall ``target``.

    Computed with scikit-learn's ``precision_recall_curve`` (the same ``>=`` rule); among the
    thresholds that reach the recall, the largest one has the fewest false positives.
    """
    from sklearn.metrics import precision_recall_curve

    y_true = np.asarray(y_true).astype(int).ravel()
    if not 0 < target <= 1:
        raise ValueError(f"target deve estar em (0, 1], recebi {target!r}")
    if not np.any(y_true == 1):
        raise ValueError("y_true não tem nenhum exemplo positivo: a revocação não existe")
    _, recalls, thresholds = precision_recall_curve(y_true, np.asarray(y_prob).ravel())
    return float(thresholds[recalls[:-1] >= target].max())


def precision_recall(cm: Any) -> tuple[float, float]:
    """Precision and recall of the pneumonia class (1) from a 2×2 confusion matrix.

    ``cm[i, j]`` counts the images of true class ``i`` predicted as ``j`` (scikit-learn's
    layout): ``[[TN, FP], [FN, TP]]``. A class never predicted gets precision 0.
    """
    cm = np.asarray(cm, dtype=np.float64)
    (tn, fp), (fn, tp) = cm
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return float(precision), float(recall)


# ---- ex1: the global batch ---------------------------------------------------------------------


class _Replicas:
    """A stand-in strategy: only ``num_replicas_in_sync``, as the exercise needs."""

    def __init__(self, replicas: int) -> None:
        self.num_replicas_in_sync = replicas

    def __repr__(self) -> str:
        return f"<estratégia com {self.num_replicas_in_sync} réplica(s)>"


def _check_global_batch(function: Any) -> str:
    cases = [(16, 1), (16, 2), (16, 8), (32, 8), (5, 4)]
    floats = []
    for per_replica, replicas in cases:
        strategy = _Replicas(replicas)
        result = call_student(function, per_replica, strategy)
        if isinstance(result, (float, np.floating)):
            floats.append((per_replica, replicas, float(result)))
        got = as_number(result, "o resultado")
        want = per_replica * replicas
        if got == want:
            continue
        where = f"com {per_replica} imagens por réplica e {replicas} réplicas"
        message = f"{where}, sua função devolveu {num(got)}; o lote global é {want}."
        if got == per_replica:
            message += (" Você ignorou as réplicas: cada uma recebe o seu pedaço do lote "
                        "global, então ele precisa ser maior.")
        elif replicas > 1 and np.isclose(got, per_replica / replicas):
            message += " Você dividiu; o lote global multiplica o lote por réplica."
        elif got == per_replica + replicas:
            message += " Você somou; o lote global multiplica o lote por réplica."
        raise WrongAnswer(message)
    if floats:
        per_replica, replicas, result = floats[0]
        raise WrongAnswer(f"com {per_replica} imagens por réplica e {replicas} réplicas, sua "
                          f"função devolveu {result!r}, um float: o valor está certo, mas o "
                          "tamanho de um lote é um número inteiro, e o tf.data recusa um float. "
                          "Use só operações entre inteiros.")
    return (f"em {len(cases)} casos, de 1 a 8 réplicas (a TPU v5e-1 ou v6e-1 do Colab tem 1 "
            "chip, uma réplica; uma v5e-8 teria 8: 16 por réplica dariam lotes globais de 128).")


ex1 = Exercise(
    key="12/ex1",
    checker=_check_global_batch,
    hint=[
        (
            "Cada réplica processa per_replica imagens por passo, e todas as réplicas "
            "trabalham ao mesmo tempo, cada uma com o seu pedaço do lote."
        ),
        (
            "Num passo, quantas imagens todas as réplicas juntas processam? O número de "
            "réplicas é um atributo da estratégia, o mesmo que a seção da distribuição usou."
        ),
    ],
)


# ---- ex2: the patient of an image --------------------------------------------------------------

PATIENT_CASES = [
    "chest_xray/train/PNEUMONIA/person1234_bacteria_5678.jpeg",
    "chest_xray/train/PNEUMONIA/person7_virus_15.jpeg",
    "chest_xray/train/PNEUMONIA/person7_virus_16.jpeg",
    "chest_xray/train/NORMAL/IM-0115-0001.jpeg",
    "chest_xray/train/NORMAL/NORMAL2-IM-1427-0001.jpeg",
    "chest_xray/train/PNEUMONIA/pneumoniamnist-train-02551.jpeg",
    "chest_xray/test/NORMAL/pneumoniamnist-test-00012.jpeg",
]
"""Paths the checker of ``ex2`` tries: official names of both classes and mirror names."""


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _check_patient_id(function: Any) -> str:
    for path in PATIENT_CASES:
        got = call_student(function, path)
        want = chest_xray_patient_id(path)
        if got == want:
            continue
        message = f"para {path!r} sua função devolveu {got!r}, mas o esperado é {want!r}."
        name, stem = path.rsplit("/", 1)[-1], _stem(path)
        if want is None:
            message += (" Nomes sem identificação de paciente (como os da cópia reduzida, "
                        "`pneumoniamnist-...`) devem dar None.")
        elif got in (name, stem, path):
            message += " Você devolveu o nome do arquivo; o paciente é só a parte antes do número da imagem."
        elif isinstance(got, str) and got == stem.rsplit("-", 1)[0].replace("NORMAL2-", ""):
            message += " O prefixo `NORMAL2-` faz parte do paciente: é outra série de exames."
        elif isinstance(got, str) and got.startswith(want) and got != want:
            message += " Sobrou o número da imagem (ou o tipo da pneumonia) no fim."
        raise WrongAnswer(message)
    return (f"nos {len(PATIENT_CASES)} caminhos testados, com nomes oficiais das duas classes e "
            "nomes da cópia reduzida (PneumoniaMNIST).")


ex2 = Exercise(
    key="12/ex2",
    checker=_check_patient_id,
    hint=[
        (
            "Olhe só o nome do arquivo, sem pasta e sem extensão, e compare os dois formatos "
            "oficiais: em cada um, o paciente é um pedaço fixo do começo do nome."
        ),
        (
            "Em cada formato, que caractere separa o paciente do resto do nome, e o paciente "
            "fica antes ou depois dele? Um nome que não segue nenhum dos dois formatos não "
            "tem paciente."
        ),
    ],
)


# ---- ex3: class weights ------------------------------------------------------------------------

WEIGHT_CASES = [(1349, 3883), (1349, 1349), (100, 300), (250, 50)]
"""Counts (normal, pneumonia) the checker of ``ex3`` tries."""


def _weights_dict(answer: Any, counts: tuple[int, int]) -> dict[int, float]:
    if not isinstance(answer, dict):
        raise WrongAnswer(f"para as contagens {counts}, a função devolveu "
                          f"{type(answer).__name__}; o Keras quer um dicionário "
                          "{0: peso_normal, 1: peso_pneumonia}.")
    if sorted(answer, key=str) != [0, 1]:
        raise WrongAnswer(f"as chaves do dicionário devem ser as classes 0 e 1 (inteiros), "
                          f"mas são {sorted(answer, key=str)!r}.")
    return {k: as_number(answer[k], f"o peso da classe {k}") for k in (0, 1)}


def _check_class_weights(function: Any) -> str:
    for counts in WEIGHT_CASES:
        got = _weights_dict(call_student(function, np.array(counts)), counts)
        want = class_weights(counts)
        if all(np.isclose(got[k], want[k], rtol=1e-6) for k in (0, 1)):
            continue
        n0, n1 = counts
        total = n0 + n1
        message = (f"para as contagens (normal, pneumonia) = {counts}, os pesos deveriam ser "
                   f"{num(want[0], 4)} (classe 0) e {num(want[1], 4)} (classe 1), mas são "
                   f"{num(got[0], 4)} e {num(got[1], 4)}.")
        if np.isclose(got[0], want[1]) and np.isclose(got[1], want[0]):
            message += " Os pesos estão trocados: a classe rara deve pesar mais."
        elif np.isclose(got[0], 1 / n0) and np.isclose(got[1], 1 / n1):
            message += (" Você usou 1/contagem: a proporção está certa, mas multiplique por "
                        "total/2, para a perda média manter a escala de sempre.")
        elif np.isclose(got[0], total / n0) and np.isclose(got[1], total / n1):
            message += " Faltou dividir pelo número de classes (2)."
        elif np.isclose(got[0], n0 / total) and np.isclose(got[1], n1 / total):
            message += " Isso é a proporção de cada classe; o peso é o inverso dela, dividido por 2."
        elif np.isclose(got[0] + got[1], 1) and np.isclose(got[0] / got[1], want[0] / want[1]):
            message += (" A proporção entre os pesos está certa, mas eles somam 1: com pesos "
                        "tão pequenos a perda média encolhe, e a taxa de aprendizado efetiva "
                        "também. Escolha a escala em que a soma ponderada dos exemplos continua "
                        "igual ao total de exemplos.")
        raise WrongAnswer(message)
    return ("nos casos testados, equilibrados e desequilibrados: com esses pesos cada classe "
            "responde por metade da perda.")


ex3 = Exercise(
    key="12/ex3",
    checker=_check_class_weights,
    hint=[
        (
            "Cada classe deve pesar o mesmo na perda: uma classe com metade dos exemplos "
            "precisa de peso dobrado."
        ),
        (
            "Na perda ponderada, a classe k contribui com peso × (exemplos da classe k). Que "
            "valor essa contribuição deve ter para que as duas classes somem o total de "
            "exemplos, metade cada uma?"
        ),
    ],
)


# ---- ex4: precision and recall -----------------------------------------------------------------

CM_CASES = [
    np.array([[180, 54], [10, 380]]),
    np.array([[200, 34], [40, 194]]),
    np.array([[50, 0], [25, 25]]),
]
"""Confusion matrices ``[[TN, FP], [FN, TP]]`` the checker of ``ex4`` tries."""


def _check_precision_recall(function: Any) -> str:
    from sklearn.metrics import precision_score, recall_score

    for cm in CM_CASES:
        answer = call_student(function, cm.copy())
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise WrongAnswer("devolva os dois números juntos, numa tupla: (precisão, revocação).")
        precision = as_number(answer[0], "a precisão")
        recall = as_number(answer[1], "a revocação")
        # the reference, from predictions rebuilt from the matrix, by scikit-learn
        y_true = np.repeat([0, 0, 1, 1], cm.ravel())
        y_pred = np.repeat([0, 1, 0, 1], cm.ravel())
        want_p, want_r = precision_score(y_true, y_pred), recall_score(y_true, y_pred)
        if np.isclose(precision, want_p) and np.isclose(recall, want_r):
            continue
        (tn, fp), (fn, tp) = cm
        message = (f"para a matriz {cm.tolist()} (linhas: classe real; colunas: prevista), "
                   f"o esperado é precisão {num(want_p, 4)} e revocação {num(want_r, 4)}; "
                   f"você deu {num(precision, 4)} e {num(recall, 4)}.")
        if np.isclose(precision, want_r) and np.isclose(recall, want_p):
            message += (" Estão trocados: a precisão olha a coluna dos previstos como pneumonia "
                        "(VP / (VP + FP)); a revocação, a linha das radiografias com pneumonia "
                        "(VP / (VP + FN)).")
        elif np.isclose(precision, tn / (tn + fn)) and np.isclose(recall, tn / (tn + fp)):
            message += " Você calculou para a classe normal (0); a positiva é pneumonia (1)."
        elif np.isclose(precision, (tp + tn) / cm.sum()) or np.isclose(recall, (tp + tn) / cm.sum()):
            message += " Esse número é a acurácia, não a precisão nem a revocação."
        raise WrongAnswer(message)
    return "igual a sklearn.metrics.precision_score e recall_score nas matrizes testadas."


ex4 = Exercise(
    key="12/ex4",
    checker=_check_precision_recall,
    hint=[
        (
            "Precisão: dos que o modelo chamou de pneumonia, quantos tinham? Revocação: dos "
            "que tinham pneumonia, quantos ele achou?"
        ),
        (
            "Nas linhas ficam as classes reais e nas colunas as previstas. Quais casas formam "
            "a coluna dos que o modelo chamou de pneumonia, e quais formam a linha dos que "
            "tinham pneumonia?"
        ),
    ],
)


# ---- ex5: a question answered from the run -------------------------------------------------------


def false_negatives_exercise(y_true: Any, y_prob: Any, threshold: float = THRESHOLD) -> Exercise:
    """``ex5`` for this run: how many test X-rays with pneumonia got a probability
    ``<= threshold`` (false negatives: classified as normal)."""
    y_true = np.asarray(y_true).astype(int).ravel()
    y_pred = (np.asarray(y_prob).ravel() > threshold).astype(int)
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true e y_prob têm tamanhos diferentes: {len(y_true)} e {len(y_pred)}"
        )
    fn = int(np.sum((y_true == 1) & (y_pred == 0)))
    fp = int(np.sum((y_true == 0) & (y_pred == 1)))
    sick = int(np.sum(y_true == 1))

    def check(answer: Any) -> str:
        got = as_number(answer, "a resposta")
        if sick and not float(got).is_integer() and np.isclose(got, fn / sick):
            raise WrongAnswer(f"{num(got)} é a fração (1 − revocação); a pergunta quer a "
                              "contagem de radiografias.")
        got = as_int(answer, "a resposta (uma contagem de radiografias)")
        if got == fn:
            return (f"{fn} das {sick} radiografias com pneumonia do teste foram classificadas "
                    "como normais: são os falsos negativos deste modelo.")
        message = f"a resposta é uma contagem de radiografias, {fn}, mas você deu {num(got)}."
        if got == fp and fp != fn:
            message += (" Esses são os falsos positivos (radiografias normais classificadas "
                        "como pneumonia); a pergunta quer os falsos negativos.")
        elif got == sick - fn:
            message += (" Essas são as radiografias com pneumonia que o modelo achou "
                        "(verdadeiros positivos).")
        raise WrongAnswer(message)

    return Exercise(
        key="12/ex5",
        checker=check,
        hint=[
            "Na matriz de confusão, as linhas são a classe real e as colunas a prevista: "
            "procure a casa das radiografias com pneumonia que o modelo chamou de normais.",
            "Um falso negativo tem qual classe real e qual classe prevista? A linha de cm é a "
            "classe real e a coluna, a prevista.",
        ],
    )

