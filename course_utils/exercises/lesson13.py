"""Exercises of lesson 13, "Transferência de aprendizado", and the lesson's shared settings.

* ``ex1``: trainable parameters of a model, a function ``(model) -> int`` checked against
  :func:`course_utils.transfer.trainable_parameters` on a model with a frozen base, an
  unfrozen base with batch normalization and a base frozen layer by layer;
* ``ex2``: the new head, a function ``(base) -> keras.Model`` checked on a small base with
  batch normalization: gray input, the base called in inference mode, one sigmoid output;
* ``ex3``: why the base runs with ``training=False`` during fine-tuning (a choice among four);
* ``ex4`` (made by :func:`largest_gain_exercise` from the run's learning curve): with how many
  target images transfer beats training from scratch by the most.

The settings (image size, epochs, learning rates, the sizes of the learning curve) are shared
by ``solutions/13_transferencia_de_aprendizado.py`` and ``benchmarks/transfer_xray.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils import config
from course_utils.checks import Exercise, WrongAnswer, as_int, as_number, call_student
from course_utils.fmt import num

# ---- the lesson's settings (the seed is the course's, lessons.SEED) --------------------------

IMAGE_SIZE = (32, 32)
"""Side of the X-rays: the size of the source images (CIFAR-10) and the smallest lesson 12's
model takes; the offline mirror's X-rays are 28×28."""

BATCH_SIZE = 16
"""Images per step, for both models (lesson 12's batch per replica)."""

VAL_FRACTION = 0.2
"""Share of the training X-rays (in whole patients) kept for validation, as in lesson 12."""

HEAD_EPOCHS = (10, 1)
"""``config.epochs(*HEAD_EPOCHS)``: epochs of feature extraction (base frozen)."""

FINE_EPOCHS = (10, 1)
"""``config.epochs(*FINE_EPOCHS)``: epochs of fine-tuning after it; training from scratch gets
the two together, the same budget."""

LEARNING_RATE = 1e-3
"""Adam's learning rate from scratch and for the new head (lesson 12's initial rate)."""

FINE_LEARNING_RATE = 1e-4
"""Adam's learning rate while fine-tuning: ten times lower, so the pretrained weights move a
little instead of being overwritten."""

CURVE_SIZES = ((50, 200, 500), (50,))
"""Target-set sizes of the learning curve besides "all of the training split" (full, fast)."""

MIRROR_CURVE = {
    "sizes": (50, 200, 500, 2158),
    "scratch": (0.504, 0.935, 0.947, 0.958),
    "transfer": (0.916, 0.943, 0.953, 0.968),
    "seeds": (3, 3, 3, 1),
}
"""The learning curve of full mode as ``benchmarks/transfer_xray.py`` measured it (mean test
AUC over seeds, each seed its own subset and initial weights): the offline mirror's X-rays
(PneumoniaMNIST, 28×28 resized to 32×32; 2,158 training images after the split, 468 test),
the course's CIFAR-10 base (the mirror's 10,000 images, 8 epochs, test accuracy 0.600), on 2
CPU cores, 2026-12-05. ``docs/results.md``, "Lesson 13", has the spread and the accuracies."""


def epochs() -> tuple[int, int]:
    """``(head_epochs, fine_epochs)`` for this mode; from scratch trains their sum."""
    return config.epochs(*HEAD_EPOCHS), config.epochs(*FINE_EPOCHS)


def curve_sizes(available: int) -> list[int]:
    """The learning curve's sizes below ``available``, then ``available`` itself (all)."""
    sizes = CURVE_SIZES[1] if config.FAST else CURVE_SIZES[0]
    return [n for n in sizes if n < available] + [int(available)]


def subset(labels: Any, n: int, seed: int = 0) -> np.ndarray:
    """Positions of ``n`` of ``labels``, stratified by class, sorted; all when ``n >= len``."""
    from course_utils.datasets import stratified_subset

    labels = np.asarray(labels)
    index, _ = stratified_subset(np.arange(len(labels)), labels, n, seed=seed)
    return index


# ---- ex1: trainable parameters -----------------------------------------------------------------


def _probe_base(name: str = "base_de_teste") -> Any:
    """A small RGB base with batch normalization and non-default layer names (Keras 3)."""
    import keras
    from keras import layers

    inputs = keras.Input((8, 8, 3), name=f"{name}_entrada")
    x = layers.Rescaling(1.0 / 255, name=f"{name}_escala")(inputs)
    x = layers.Conv2D(4, 3, padding="same", name=f"{name}_conv_a")(x)
    x = layers.BatchNormalization(name=f"{name}_bn_a")(x)
    x = layers.Activation("relu", name=f"{name}_relu_a")(x)
    x = layers.Conv2D(6, 3, padding="same", use_bias=False, name=f"{name}_conv_b")(x)
    x = layers.BatchNormalization(name=f"{name}_bn_b")(x)
    outputs = layers.GlobalAveragePooling2D(name=f"{name}_media")(x)
    return keras.Model(inputs, outputs, name=name)


def _probe_models() -> list[tuple[str, Any]]:
    """Models ``ex1`` counts: a frozen base + head, one frozen layer by layer (inside the base
    and in the head), an unfrozen one; each base has batch normalization."""
    import keras
    from keras import layers

    cases = []
    for case in ("base congelada", "a primeira convolução e a camada oculta congeladas",
                 "base descongelada"):
        keras.utils.set_random_seed(0)
        base = _probe_base()
        hidden = layers.Dense(5, activation="relu", name="oculta")
        if case == "base congelada":
            base.trainable = False
        elif case.startswith("a primeira"):
            base.get_layer("base_de_teste_conv_a").trainable = False
            hidden.trainable = False
        inputs = keras.Input((8, 8, 3))
        x = hidden(base(inputs, training=False))
        outputs = layers.Dense(1, activation="sigmoid", name="saida")(x)
        cases.append((case, keras.Model(inputs, outputs, name="modelo_de_teste")))
    return cases


def _layer_count(model: Any) -> int:
    """The slip of counting ``count_params()`` of the top-level layers marked trainable."""
    return int(sum(layer.count_params() for layer in model.layers if layer.trainable))


def _check_trainable(function: Any) -> str:
    from course_utils.transfer import trainable_parameters

    for case, model in _probe_models():
        got = as_number(call_student(function, model), f"o resultado ({case})")
        want = trainable_parameters(model)
        if got == want:
            continue
        message = (f"no modelo de teste com {case}, sua função devolveu {num(got)}; ele tem "
                   f"{num(want)} parâmetros treináveis.")
        if got == model.count_params():
            message += (" Você contou todos os pesos, também os que o otimizador não mexe: os "
                        "de uma base congelada e as médias e variâncias móveis da "
                        "normalização em lote.")
        elif got == len(model.trainable_weights):
            message += (" Esse é o número de tensores de pesos (um kernel, um viés, ...); a "
                        "pergunta quer quantos números há dentro deles.")
        elif got == model.count_params() - want:
            message += " Esses são os parâmetros não treináveis: o contrário do pedido."
        elif got == _layer_count(model):
            message += (" Olhar camada por camada do modelo não basta: a base inteira é uma "
                        "camada só, com camadas congeladas (e estatísticas da normalização "
                        "em lote) dentro dela. Olhe os pesos treináveis do modelo.")
        raise WrongAnswer(message)
    return ("nos três modelos de teste: base congelada, descongelada (com normalização em "
            "lote) e congelada camada por camada.")


ex1 = Exercise(
    key="13/ex1",
    checker=_check_trainable,
    hint=[
        (
            "Um parâmetro treinável é um número que o otimizador atualiza. Todo modelo do "
            "Keras sabe quais dos seus pesos são treináveis."
        ),
        (
            "Cada peso treinável é um tensor com um formato; quantos números cabem num tensor "
            "de formato (3, 3, 4, 6)?"
        ),
    ],
)


# ---- ex2: the new head -------------------------------------------------------------------------


def _check_head(function: Any) -> str:
    import keras

    keras.utils.set_random_seed(1)
    base = _probe_base()
    base.trainable = False
    model = call_student(function, base)
    if not isinstance(model, keras.Model):
        raise WrongAnswer(f"a função devolveu {type(model).__name__}; devolva o keras.Model "
                          "com a base e a cabeça nova.")
    if tuple(model.input_shape) != (None, 8, 8, 1):
        raise WrongAnswer(f"o modelo recebe {tuple(model.input_shape)}; para uma base de "
                          "entrada (8, 8, 3) ele deve receber (None, 8, 8, 1): a radiografia "
                          "cinza, com um canal, do tamanho da base.")
    own = {id(w) for w in model.weights}
    if not all(id(w) in own for w in base.weights):
        raise WrongAnswer("o modelo não usa os pesos da base que a função recebeu; chame a "
                          "própria base (e não uma cópia ou um modelo novo).")
    if tuple(model.output_shape) != (None, 1):
        raise WrongAnswer(f"a saída tem formato {tuple(model.output_shape)}; deve ser (None, 1): "
                          "uma probabilidade de pneumonia por radiografia.")
    calls = [node.arguments.kwargs.get("training") for node in base._inbound_nodes]
    if not calls or any(training is not False for training in calls):
        raise WrongAnswer("a base foi chamada sem dizer o modo, ou em modo de treino: quando "
                          "o modelo treina, a normalização em lote dela passaria a usar as "
                          "estatísticas de cada lote. Ela deve rodar em modo de inferência "
                          "mesmo quando o modelo treina.")
    images = np.random.default_rng(0).uniform(0, 255, (16, 8, 8, 1)).astype("float32")
    out = np.asarray(model(images, training=False))
    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    if activation != "sigmoid" or out.min() < 0 or out.max() > 1:
        raise WrongAnswer(f"a última camada ({last.name}) tem ativação '{activation}'; a saída "
                          "deve ser uma probabilidade entre 0 e 1, como no modelo da aula 12.")
    features = np.asarray(base(np.repeat(images, 3, axis=-1), training=False))
    kernel, bias = (np.asarray(w) for w in last.weights)
    if kernel.shape[0] == features.shape[1]:
        want = 1 / (1 + np.exp(-(features @ kernel + bias)))
        got = np.asarray(model(images, training=False))
        if not np.allclose(got, want, atol=1e-4):
            raise WrongAnswer("a base recebe outra coisa que o canal cinza repetido nos três "
                              "canais: ela já reescala 0..255 sozinha, então não divida por "
                              "255 nem mude as imagens antes dela.")
    return "a base roda em modo de inferência e a cabeça dá uma probabilidade por radiografia."


ex2 = Exercise(
    key="13/ex2",
    checker=_check_head,
    hint=[
        (
            "O modelo recebe a radiografia cinza, de um canal; a base quer três canais, "
            "roda sem treinar as suas estatísticas e devolve um vetor de características, "
            "que a cabeça nova transforma numa probabilidade."
        ),
        (
            "Como a base pode rodar em modo de inferência mesmo quando o modelo inteiro "
            "está treinando? Pense no argumento que toda camada do Keras aceita ao ser chamada."
        ),
    ],
)


# ---- ex3: why training=False -------------------------------------------------------------------

BN_CHOICES = {
    "a": "para que os pesos da base não mudem durante o ajuste fino",
    "b": "para que a normalização em lote continue usando as médias e variâncias aprendidas "
         "na fonte, em vez de trocá-las pelas de cada lote pequeno de radiografias",
    "c": "para desligar o dropout da cabeça nova",
    "d": "para o treino ficar mais rápido, sem calcular gradientes da base",
}
"""The four answers of ``ex3``; the right one is ``"b"``."""

_BN_WRONG = {
    "a": "quem decide se os pesos mudam é `trainable`, não o argumento `training`: no ajuste "
         "fino a base está descongelada e os seus pesos mudam, com `training=False` ou não.",
    "c": "o argumento vale para a chamada da base; o dropout da cabeça continua ligado no "
         "treino.",
    "d": "com a base descongelada, os gradientes dela são calculados do mesmo jeito; o "
         "argumento muda o comportamento de algumas camadas, não o custo.",
}


def _check_bn_choice(answer: Any) -> str:
    if not isinstance(answer, str) or answer.strip().lower() not in BN_CHOICES:
        raise WrongAnswer(f"responda com uma das letras {', '.join(BN_CHOICES)} (um texto, "
                          f"como \"a\"); recebi {answer!r}.")
    choice = answer.strip().lower()
    if choice in _BN_WRONG:
        raise WrongAnswer(f"({choice}) não: {_BN_WRONG[choice]}")
    return ("com lotes pequenos de um conjunto novo, as estatísticas de cada lote são "
            "ruidosas e diferentes das da fonte; trocá-las de repente destruiria o que a "
            "base aprendeu (o guia de transferência do Keras diz o mesmo).")


ex3 = Exercise(
    key="13/ex3",
    checker=_check_bn_choice,
    hint=[
        (
            "`trainable` e `training` são coisas diferentes: um diz se os pesos recebem "
            "gradiente, o outro em que modo as camadas calculam a saída."
        ),
        (
            "Que camada da base calcula a saída de um jeito no treino e de outro na "
            "inferência, e que números ela guarda que não são aprendidos por gradiente?"
        ),
    ],
)


# ---- ex4: reading the learning curve ------------------------------------------------------------


def largest_gain_exercise(sizes: Any, scratch: Any, transferred: Any) -> Exercise:
    """``ex4`` for this run: the size of the target set at which the transfer model's test
    AUC beats the from-scratch model's by the most (``sizes[argmax(transferred - scratch)]``)."""
    sizes = [int(n) for n in sizes]
    scratch = np.asarray(scratch, dtype=float)
    transferred = np.asarray(transferred, dtype=float)
    if not len(sizes) == len(scratch) == len(transferred) or not sizes:
        raise ValueError(f"sizes, scratch e transferred devem ter o mesmo tamanho, recebi "
                         f"{len(sizes)}, {len(scratch)} e {len(transferred)}")
    gains = transferred - scratch
    best = sizes[int(np.argmax(gains))]

    def check(answer: Any) -> str:
        got = as_number(answer, "a resposta")
        if not float(got).is_integer() and np.any(np.isclose(got, gains)):
            raise WrongAnswer(f"{num(got, 3)} é uma diferença de AUC; a pergunta quer o número "
                              "de imagens em que essa diferença é a maior.")
        got = as_int(answer, "a resposta (um número de imagens)")
        if got == best:
            return (f"com {num(best)} imagens a transferência ganhou por "
                    f"{num(float(gains.max()), 3)} de AUC.")
        message = f"a resposta é um dos tamanhos {sizes}, e não {num(got)}."
        if got in sizes and got == sizes[int(np.argmax(transferred))] != best:
            message += (" Nesse tamanho a transferência tem a maior AUC, mas a pergunta é a "
                        "vantagem sobre o modelo do zero, a diferença entre as curvas.")
        elif got in sizes and got == sizes[int(np.argmin(gains))]:
            message += " Nesse tamanho a diferença é a menor, não a maior."
        elif got in sizes:
            message += " Compare a diferença entre as curvas em cada tamanho."
        raise WrongAnswer(message)

    return Exercise(
        key="13/ex4",
        checker=check,
        hint=[
            "Para cada número de imagens, quanto a AUC da transferência passa a do zero?",
            "A vantagem é a distância vertical entre as duas curvas; em que ponto do eixo x "
            "ela é a maior?",
        ],
    )
