"""Exercises of lesson 03, "Anatomia de uma CNN".

* ``ex1``: the output shape of each layer of a described stack (:func:`exercise_layers`);
* ``ex2``: a function counting the parameters of a ``Conv2D`` layer, ``(F·F·C_in + 1)·K``;
* ``ex3``: the number of parameters of each layer of the same stack;
* ``ex4``: the weights of a ``Dense`` layer after ``Flatten`` and after ``GlobalMaxPooling2D``;
* ``ex5``: a function giving the fraction of a model's parameters that are in ``Dense`` layers.

Every reference is computed by Keras itself (output shapes of a built model,
``count_params()`` of built layers), never typed in. The stack the lesson shows is built by
:func:`exercise_layers`, and :func:`describe_layer` writes the description the student reads,
so the notebook and the checkers can never disagree.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from course_utils import fmt
from course_utils.checks import (
    Exercise,
    NotDone,
    WrongAnswer,
    as_int,
    as_list,
    as_number,
    call_student,
    format_value,
    is_placeholder,
)

EX_INPUT_SHAPE = (67, 67, 3)
"""Input (height, width, channels) of the stack of ``ex1`` and ``ex3``.

Odd on purpose: the pooling then meets 63 rows (rounds down to 31), the 'same' convolution
with stride 2 meets 31 (rounds up to 16) and the 'valid' one with stride 2 meets 16
((16 − 3)/2 + 1 = 7.5, rounds down to 7), so each rounding slip gives a different answer.
"""

EX4_FEATURE_MAP = (6, 6, 256)
"""The last feature map (H, W, C) before the dense layer of ``ex4``."""

EX4_UNITS = 100
"""Units of the dense layer of ``ex4``."""


def exercise_layers() -> list:
    """Fresh (unbuilt) Keras layers of the stack that ``ex1`` and ``ex3`` ask about."""
    from keras import layers

    return [
        layers.Conv2D(16, 5, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(64, 3, strides=2, activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ]


def describe_layer(layer: Any) -> str:
    """One line, in Portuguese, with the hyperparameters of a Conv2D/pooling/Flatten/Dense layer."""
    from keras import layers

    activation = getattr(layer, "activation", None)
    act_name = getattr(activation, "__name__", "linear")
    act = "" if act_name == "linear" else f", ativação {act_name}"
    if isinstance(layer, layers.Conv2D):
        F_h, F_w = layer.kernel_size
        return (f"Conv2D: {layer.filters} filtros {F_h}×{F_w}, passo {layer.strides[0]}, "
                f"padding '{layer.padding}'{act}")
    if isinstance(layer, (layers.MaxPooling2D, layers.AveragePooling2D)):
        kind = "MaxPooling2D" if isinstance(layer, layers.MaxPooling2D) else "AveragePooling2D"
        p_h, p_w = layer.pool_size
        return f"{kind}: janela {p_h}×{p_w}, passo {layer.strides[0]}, padding '{layer.padding}'"
    if isinstance(layer, layers.Flatten):
        return "Flatten"
    if isinstance(layer, layers.Dense):
        return f"Dense: {layer.units} neurônios{act}"
    return type(layer).__name__


def describe_stack() -> str:
    """The stack of ``ex1``/``ex3`` as numbered lines, starting with its input shape."""
    lines = [f"entrada: {EX_INPUT_SHAPE}"]
    lines += [f"camada {k}: {describe_layer(layer)}" for k, layer in enumerate(exercise_layers())]
    return "\n".join(lines)


@lru_cache(maxsize=1)
def _stack_reference() -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    """(output shape without batch, parameter count) of each layer, computed by Keras."""
    import keras

    model = keras.Sequential([keras.Input(EX_INPUT_SHAPE)] + exercise_layers())
    shapes = tuple(tuple(int(d) for d in layer.output.shape[1:]) for layer in model.layers)
    params = tuple(int(layer.count_params()) for layer in model.layers)
    return shapes, params


def _stack_inputs() -> list[tuple[int, ...]]:
    """Input shape of each layer of the stack (the previous layer's output)."""
    shapes, _ = _stack_reference()
    return [EX_INPUT_SHAPE] + list(shapes[:-1])


# ---- ex1: output shapes of a stack ------------------------------------------------------


def _shape(value: Any, where: str) -> tuple[int, ...]:
    """One shape answer as a tuple of ints; an int n is the 1-D shape (n,)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return (int(value),)
    if not isinstance(value, (tuple, list)):
        raise WrongAnswer(f"{where} deveria ser uma tupla como (altura, largura, canais), "
                          f"mas é {format_value(value)}.")
    if value and value[0] is None:
        raise WrongAnswer(f"{where}: recebido {format_value(tuple(value))}. Escreva o formato sem o eixo "
                          "do lote (o None): (altura, largura, canais).")
    return tuple(as_int(v, where) for v in value)


def _shape_mistake(layer: Any, got: tuple, want: tuple, given: tuple) -> str:
    """Name the usual slip behind a wrong output shape of one layer, or give a generic nudge."""
    from keras import layers

    if isinstance(layer, layers.Conv2D):
        F = layer.kernel_size[0]
        S = layer.strides[0]
        H = given[0]
        if len(got) == 3 and got[:2] == want[:2] and got[2] != want[2]:
            if got[2] == given[2]:
                return (f"a profundidade {got[2]} é a da entrada; a saída de uma convolução "
                        "tem um canal por filtro (D2 = K).")
            return ("a altura e a largura estão certas, mas a profundidade não: D2 = K, o "
                    "número de filtros.")
        if len(got) == 3 and got[2] == want[2] and got[0] == got[1]:
            size = got[0]
            if layer.padding == "same" and size == H and S > 1:
                return (f"com passo {S}, 'same' não mantém o tamanho: a saída tem ⌈W/S⌉ "
                        "posições.")
            if layer.padding == "valid" and size == H:
                return "com padding 'valid' não há zeros em volta: a saída encolhe."
            if layer.padding == "valid" and size == H - F + 1 and S > 1:
                return f"faltou dividir por S = {S}: W2 = (W1 − F + 2P)/S + 1."
            if layer.padding == "valid" and size == (H - F) // S:
                return "faltou o + 1 da fórmula W2 = (W1 − F + 2P)/S + 1."
            if layer.padding == "same" and size == H - F + 1:
                return "com padding 'same' o Keras completa com zeros: nada se perde na borda."
            if layer.padding == "same" and S > 1 and size == H // S:
                return (f"com padding 'same' e passo {S} a saída tem ⌈W/S⌉ posições: a "
                        "divisão arredonda para cima (os zeros completam a última janela).")
            if layer.padding == "valid" and S > 1 and size == -(-(H - F) // S) + 1:
                return ("com padding 'valid' a divisão (W1 − F)/S arredonda para baixo: a "
                        "janela que não cabe inteira na entrada é descartada.")
        return "use W2 = (W1 − F + 2P)/S + 1 na altura e na largura, e D2 = K."
    if isinstance(layer, layers.MaxPooling2D):
        if len(got) == 3 and got[2] != want[2]:
            return "o pooling age em cada canal separadamente: a profundidade não muda."
        if len(got) == 3 and got[:2] == given[:2]:
            return "um pooling 2×2 com passo 2 divide a altura e a largura por 2."
        if len(got) == 3 and given[0] % 2 and got[:2] == ((given[0] + 1) // 2,) * 2:
            return (f"{given[0]} é ímpar, e o pooling arredonda para baixo: a última linha e "
                    "a última coluna, que não completam uma janela 2×2, ficam de fora.")
        return "o pooling usa a mesma fórmula, com F = tamanho da janela e S = passo."
    if isinstance(layer, layers.Flatten):
        if len(got) != 1:
            return "Flatten devolve um vetor: o formato tem um número só, (n,)."
        return "Flatten enfileira todos os números do mapa: n = altura × largura × canais."
    if isinstance(layer, layers.Dense):
        return "uma camada densa devolve um número por neurônio."
    return ""


def _check_shapes(answer: Any) -> None:
    """ex1: the output shape (without batch) of each layer of exercise_layers()."""
    shapes, _ = _stack_reference()
    items = as_list(answer, "formatos, um por camada", len(shapes))
    if any(is_placeholder(v) for v in items):
        raise NotDone()
    stack = exercise_layers()
    for k, (value, want, given, layer) in enumerate(zip(items, shapes, _stack_inputs(), stack)):
        where = f"o formato da camada {k} ({describe_layer(layer)})"
        got = _shape(value, where)
        if got != want:
            why = _shape_mistake(layer, got, want, given)
            raise WrongAnswer(f"{where} não é {got}: a entrada dela tem formato {given}; {why}")
    return None


ex1 = Exercise(
    key="03/ex1",
    checker=_check_shapes,
    hint=[
        (
            "Vá camada por camada: a saída de uma camada é a entrada da seguinte. Nas convoluções, "
            "W2 = (W1 − F + 2P)/S + 1 e a profundidade vira o número de filtros; pooling e Flatten "
            "não criam canais novos."
        ),
        (
            "Em quais camadas a divisão por S não é exata? Nesses casos, para que lado o Keras "
            "arredonda com 'same', e para que lado com 'valid' e no pooling?"
        ),
    ],
)


# ---- ex2: parameters of a Conv2D layer --------------------------------------------------

EX2_CASES = [(3, 1, 32, True), (5, 3, 6, True), (3, 64, 128, True), (1, 256, 64, True),
             (11, 3, 96, True), (5, 3, 64, False), (3, 32, 16, False)]
"""(F, C_in, K, use_bias) of the layers on which ``ex2`` calls the student's function."""


def _keras_conv_params(F: int, C_in: int, K: int, use_bias: bool) -> int:
    """count_params() of a Conv2D(K, F) built on C_in input channels."""
    from keras import layers

    layer = layers.Conv2D(K, F, use_bias=use_bias)
    layer.build((None, F + 8, F + 8, C_in))
    return int(layer.count_params())


def _check_conv_params(function: Any) -> None:
    """ex2: conv_params(F, C_in, K, use_bias) against Keras' count_params on several layers."""
    for F, C_in, K, use_bias in EX2_CASES:
        case = f"conv_params({F}, {C_in}, {K}, use_bias={use_bias})"
        got = call_student(function, F, C_in, K, use_bias=use_bias)
        value = as_int(got, case)
        want = _keras_conv_params(F, C_in, K, use_bias)
        if value == want:
            continue
        bias = K if use_bias else 0
        if use_bias and value == F * F * C_in * K:
            raise WrongAnswer(f"{case} devolveu {value}: faltaram os vieses, um por filtro "
                              "(o + 1 dentro dos parênteses).")
        if not use_bias and value == (F * F * C_in + 1) * K:
            raise WrongAnswer(f"{case} devolveu {value}: com use_bias=False a camada não tem "
                              "vieses, só os pesos dos filtros.")
        if value == F * F * K + bias:
            raise WrongAnswer(f"{case} devolveu {value}: faltou C_in. Cada filtro atravessa "
                              "todos os canais da entrada: tem F·F·C_in pesos.")
        if value == F * C_in * K + bias:
            raise WrongAnswer(f"{case} devolveu {value}: um filtro F×F tem F·F pesos por canal, "
                              "não F.")
        if value == (F * F * C_in + 1) * K + K:
            raise WrongAnswer(f"{case} devolveu {value}: você contou os vieses duas vezes.")
        raise WrongAnswer(f"{case} devolveu {value}, mas uma Conv2D({K}, {F}) sobre {C_in} "
                          f"canais {'com' if use_bias else 'sem'} viés tem outro número de "
                          "parâmetros (o Keras conta com count_params()).")
    return None


ex2 = Exercise(
    key="03/ex2",
    checker=_check_conv_params,
    hint=[
        (
            "Conte os números de um filtro: ele cobre uma janela F×F em cada um dos C_in canais da "
            "entrada. Some o viés, se houver, e multiplique pelo número de filtros."
        ),
        (
            "Quantos números tem um único filtro F×F que atravessa C_in canais? E quantos "
            "vieses um filtro traz quando use_bias é True, e quando é False?"
        ),
    ],
)


# ---- ex3: parameters of each layer of the stack -----------------------------------------


def _params_mistake(layer: Any, value: int, given: tuple) -> str:
    """Name the usual slip behind a wrong parameter count of one layer, or nudge."""
    from keras import layers

    if isinstance(layer, layers.Conv2D):
        F, K, C_in = layer.kernel_size[0], layer.filters, given[-1]
        if value == F * F * C_in * K:
            return "faltaram os vieses, um por filtro."
        if value == (F * F * EX_INPUT_SHAPE[-1] + 1) * K and C_in != EX_INPUT_SHAPE[-1]:
            return (f"C_in é a profundidade da entrada desta camada ({C_in}), não os "
                    f"{EX_INPUT_SHAPE[-1]} canais da imagem.")
        if value == (F * F + 1) * K:
            return "faltou C_in: cada filtro tem F·F·C_in pesos."
        return "use (F·F·C_in + 1)·K, com C_in = profundidade da entrada desta camada."
    if isinstance(layer, (layers.MaxPooling2D, layers.Flatten)):
        return "esta camada não tem pesos: ela só reorganiza ou resume os números."
    if isinstance(layer, layers.Dense):
        n_in = int(np.prod(given))
        if value == n_in * layer.units:
            return "faltaram os vieses, um por neurônio."
        return "uma camada densa tem (entradas + 1) × neurônios parâmetros."
    return ""


def _check_stack_params(answer: Any) -> None:
    """ex3: count_params() of each layer of exercise_layers()."""
    _, params = _stack_reference()
    items = as_list(answer, "números, um por camada", len(params))
    if any(is_placeholder(v) for v in items):
        raise NotDone()
    stack = exercise_layers()
    for k, (value, want, given, layer) in enumerate(zip(items, params, _stack_inputs(), stack)):
        where = f"a camada {k} ({describe_layer(layer)})"
        number = as_int(value, f"o número de parâmetros de {where}")
        if number != want:
            why = _params_mistake(layer, number, given)
            raise WrongAnswer(f"{where}, com entrada {given}, não tem {number} parâmetros: {why}")
    return None


ex3 = Exercise(
    key="03/ex3",
    checker=_check_stack_params,
    hint=[
        (
            "Aplique a regra do exercício 2 a cada convolução, com C_in igual à profundidade da "
            "saída da camada anterior (os formatos do exercício 1). Pooling e Flatten não têm "
            "pesos."
        ),
        (
            "Qual é o C_in de cada camada? É a profundidade da saída da camada anterior, não os "
            "3 canais da imagem."
        ),
    ],
)


# ---- ex4: Flatten or GlobalMaxPooling2D before the dense layer --------------------------


def _dense_after(pooling: str) -> int:
    """count_params() of Dense(EX4_UNITS) after Flatten or GlobalMaxPooling2D."""
    import keras
    from keras import layers

    bridge = layers.Flatten() if pooling == "flatten" else layers.GlobalMaxPooling2D()
    dense = layers.Dense(EX4_UNITS)
    keras.Sequential([keras.Input(EX4_FEATURE_MAP), bridge, dense])
    return int(dense.count_params())


def _check_flatten_vs_gmp(answer: Any) -> None:
    """ex4: (weights of the dense layer after Flatten, after GlobalMaxPooling2D)."""
    if not isinstance(answer, (list, tuple, np.ndarray)) or len(answer) != 2:
        raise WrongAnswer("a resposta deveria ser um par (dense_flatten, dense_gmp), "
                          f"mas é {format_value(answer)}.")
    got_flat = as_int(answer[0], "dense_flatten")
    got_gmp = as_int(answer[1], "dense_gmp")
    want_flat, want_gmp = _dense_after("flatten"), _dense_after("gmp")
    H, W, C = EX4_FEATURE_MAP
    if (got_flat, got_gmp) == (want_gmp, want_flat):
        raise WrongAnswer("os dois números estão trocados: o primeiro é o da camada densa "
                          "depois do Flatten.")
    if got_flat != want_flat:
        if got_flat == H * W * C * EX4_UNITS:
            why = "faltaram os vieses, um por neurônio."
        elif got_flat == (H * W + 1) * EX4_UNITS:
            why = f"o Flatten enfileira todos os canais: o vetor tem {H}·{W}·{C} números."
        else:
            why = "o Flatten devolve um vetor de altura × largura × canais números."
        raise WrongAnswer(f"dense_flatten não é {got_flat}: {why}")
    if got_gmp != want_gmp:
        if got_gmp == C * EX4_UNITS:
            why = "faltaram os vieses, um por neurônio."
        elif got_gmp == (H * W + 1) * EX4_UNITS:
            why = ("o GlobalMaxPooling2D guarda o máximo de cada canal, então o vetor tem um "
                   "número por canal, não por posição.")
        else:
            why = "o GlobalMaxPooling2D devolve um número por canal (o máximo de cada mapa)."
        raise WrongAnswer(f"dense_gmp não é {got_gmp}: {why}")
    return None


ex4 = Exercise(
    key="03/ex4",
    checker=_check_flatten_vs_gmp,
    hint=[
        (
            "Comece pelo tamanho do vetor que chega à camada densa: o Flatten guarda todos os "
            "números do mapa; o GlobalMaxPooling2D guarda um número por canal."
        ),
        (
            "Numa camada densa, cada neurônio tem um peso para cada número do vetor que chega. "
            "O que mais cada neurônio tem?"
        ),
    ],
)


# ---- ex5: share of the parameters in Dense layers ----------------------------------------


def _ex5_models() -> list:
    """Small models with different shares of dense parameters (one has none)."""
    import keras
    from keras import layers

    from course_utils.models import build_mnist_cnn

    def functional(bridge: Any, hidden: int) -> Any:
        inputs = keras.Input((32, 32, 3))
        x = layers.Conv2D(8, 3, activation="relu")(inputs)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Conv2D(16, 3, activation="relu")(x)
        x = bridge(x)
        x = layers.Dense(hidden, activation="relu")(x)
        return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))

    conv_only = keras.Sequential([keras.Input((16, 16, 1)), layers.Conv2D(4, 3),
                                  layers.GlobalAveragePooling2D()])
    inputs = keras.Input((16, 16, 3))
    x = layers.Conv2D(8, 3, activation="relu", name="dense_features")(inputs)
    x = layers.Conv2D(8, 3, activation="relu", name="conv_b")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(16, activation="relu", name="fc1")(x)
    renamed = keras.Model(inputs, layers.Dense(10, activation="softmax", name="predictions")(x))
    return [
        build_mnist_cnn(filters=(8, 16)),
        functional(layers.Flatten(), 32),
        functional(layers.GlobalMaxPooling2D(), 64),
        conv_only,
        renamed,
    ]


NAMED_MODEL = 4
"""Index in :func:`_ex5_models` of the model whose layer names lie (VGG16-style "fc1" and
"predictions" for the Dense layers, one of its two Conv2D called "dense_features"), so
that choosing layers by name gives a share different from every other slip's."""


def _share_by_name(model: Any) -> float:
    """The wrong method: the share of the layers whose *name* contains "dense"."""
    named = sum(l.count_params() for l in model.layers if "dense" in l.name.lower())
    return named / model.count_params()


def _dense_share(model: Any) -> float:
    """Fraction of model.count_params() that sits in Dense layers."""
    from keras import layers

    dense = sum(l.count_params() for l in model.layers if isinstance(l, layers.Dense))
    return dense / model.count_params()


def _check_dense_share(function: Any) -> None:
    """ex5: dense_share(model) on small models, against the Dense layers' count_params."""
    from keras import layers

    for number, model in enumerate(_ex5_models()):
        case = f"No modelo de teste {number} ({len(model.layers)} camadas),"
        got = call_student(function, model)
        try:
            value = as_number(got, "o resultado")
        except WrongAnswer:
            raise WrongAnswer(f"{case} sua função devolveu {format_value(got):.80}; deveria "
                              "devolver um número entre 0 e 1.") from None
        want = _dense_share(model)
        if np.isclose(value, want, rtol=1e-6, atol=1e-9):
            continue
        total = model.count_params()
        dense = want * total
        conv = sum(l.count_params() for l in model.layers if isinstance(l, layers.Conv2D))
        if np.isclose(value, 100 * want):
            raise WrongAnswer(f"{case} sua função devolveu {fmt.num(float(value))}, uma porcentagem; "
                              "devolva a fração, entre 0 e 1 (sem multiplicar por 100).")
        if np.isclose(value, dense):
            raise WrongAnswer(f"{case} sua função devolveu {fmt.num(float(value))}, a contagem das camadas "
                              "densas; falta dividir pelo total do modelo.")
        if np.isclose(value, 1 - want):
            raise WrongAnswer(f"{case} sua função devolveu a fração das camadas que NÃO são "
                              "Dense.")
        if np.isclose(value, _share_by_name(model)):
            raise WrongAnswer(f"{case} sua função escolheu as camadas pelo nome. O nome de "
                              "uma camada pode ser qualquer um (na VGG16 as densas se chamam "
                              "'fc1', 'fc2' e 'predictions'); pergunte a classe da camada.")
        if conv and np.isclose(value, (dense + conv) / total):
            raise WrongAnswer(f"{case} sua função também contou as camadas Conv2D; conte só as "
                              "Dense (isinstance(camada, keras.layers.Dense)).")
        if 0 < dense < total and np.isclose(value, dense / (total - dense)):
            raise WrongAnswer(f"{case} você dividiu pelos parâmetros que não são densos; "
                              "divida pelo total, model.count_params().")
        raise WrongAnswer(f"{case} sua função devolveu {fmt.num(float(value))}, que não é a fração dos "
                          "parâmetros que está nas camadas Dense.")
    return None


ex5 = Exercise(
    key="03/ex5",
    checker=_check_dense_share,
    hint=[
        (
            "Percorra as camadas do modelo, some os parâmetros só das que são densas e divida "
            "pelo total do modelo."
        ),
        (
            "Como saber se uma camada é densa sem olhar o nome dela, que pode ser qualquer um "
            "(na VGG16, 'fc1' e 'predictions')? Pergunte de que classe ela é."
        ),
    ],
)
