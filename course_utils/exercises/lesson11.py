"""Exercises of lesson 11, "Redes residuais", and the lesson's shared settings.

* ``ex1``: a function ``block_params(c_in, c_out) -> int``, the parameters of one block of
  :func:`course_utils.models.build_resnet` that takes ``c_in`` channels to ``c_out`` (two 3×3
  convolutions without bias, a BN after each, and a 1×1 projection with its BN where the
  channels change), checked against Keras' ``count_params`` of the block built by
  ``build_resnet`` itself;
* ``ex2``: a residual block written with the functional API, ``residual_block(x, filters,
  stride) -> tensor``, built on three cases (identity shortcut; projection with stride 2;
  projection with stride 1), given the same weights as the reference block of
  ``build_resnet`` and compared output against output; a ReLU before the addition, a missing
  shortcut or final ReLU, a projection where the identity fits, and a shortcut with the wrong
  stride are named;
* ``ex3``: a function ``stage_shapes(height, width) -> list`` of the shapes after the first
  convolution and after each of the three stages of ``build_resnet`` for a ``(height, width, 3)``
  input, checked against the model's own shapes on sizes with odd numbers (where ``same``
  padding with stride 2 rounds up);
* ``ex4``: a function ``training_gap(deep, shallow) -> float`` reading two training histories,
  the deeper network's final training loss minus the shallower one's, checked on the histories
  of :func:`curve_problem`, built so that validation loss, the best epoch, the first epoch and
  accuracy each give a different number.

The training settings (depths, epochs, batch size, images) are shared by
``solutions/11_redes_residuais.py`` and ``benchmarks/resnet_cifar10.py``. Keras is imported
only when needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from course_utils import fmt
from course_utils.checks import (
    Exercise,
    WrongAnswer,
    as_int,
    as_list,
    as_number,
    call_student,
    close,
)

if TYPE_CHECKING:
    import keras

# ---- the lesson's settings -----------------------------------------------------------------

DEPTHS = (20, 56)
"""Depths compared in full mode and in the benchmark: the paper's ResNet-20 and ResNet-56."""

FAST_DEPTHS = (8, 20)
"""Depths compared in fast mode (n = 1 and n = 3 blocks per stage), so four models train in
seconds on a CPU."""

EPOCHS = (15, 3)
"""``config.epochs(*EPOCHS)``: epochs of each of the four models (full, fast)."""

FAST_TRAIN_IMAGES = 1000
"""Training images in fast mode (the first ones of the fast-mode sample)."""

BATCH_SIZE = 128
"""Images per gradient step, as in He et al. (2016)."""

FAST_BATCH_SIZE = 64
"""Images per step in fast mode: twice the steps of ``BATCH_SIZE`` in the same seconds (48 in
3 epochs of :data:`FAST_TRAIN_IMAGES`), enough for the deeper plain network to fall behind
(measured on the mirror's sample: Plain-20 1.83 against Plain-8 1.79, ResNet-20 1.60)."""

MODEL_NAMES = {False: "Plain", True: "ResNet"}
"""How the lesson writes a model's family: ``"Plain-20"``, ``"ResNet-56"``."""


def model_name(depth: int, residual: bool) -> str:
    """``"ResNet-20"`` or ``"Plain-20"``: the names of He et al. (2016)."""
    return f"{MODEL_NAMES[bool(residual)]}-{depth}"


# ---- ex1: the parameters of a block --------------------------------------------------------


EX1_CASES = ((16, 16), (16, 32), (32, 64), (24, 8), (3, 40))
"""``(c_in, c_out)`` pairs ``ex1`` tries: the three kinds of block of ResNet-20, plus a block
that narrows and one with c_in and c_out far apart, so that swapping them shows."""


def reference_block(x: Any, filters: int, stride: int) -> Any:
    """The residual block of :func:`course_utils.models.build_resnet`, on a Keras tensor."""
    from course_utils.models import _resnet_block

    return _resnet_block(x, filters, stride, True)


def _block_stride(c_in: int, c_out: int) -> int:
    """The stride ``build_resnet`` uses where a block changes the channels: 2, else 1."""
    return 1 if c_in == c_out else 2


def block_parameter_count(c_in: int, c_out: int) -> int:
    """``count_params`` of the block of ``build_resnet`` from ``c_in`` to ``c_out`` channels."""
    import keras

    inputs = keras.Input(shape=(8, 8, c_in))
    model = keras.Model(inputs, reference_block(inputs, c_out, _block_stride(c_in, c_out)))
    return int(model.count_params())


def _block_slips(c_in: int, c_out: int) -> dict[str, int]:
    """What the usual counting mistakes give for a block from ``c_in`` to ``c_out``."""
    convs = 9 * c_in * c_out + 9 * c_out * c_out
    bn = 4 * c_out
    changes = c_in != c_out
    projection = c_in * c_out + bn if changes else 0
    return {
        "bias": convs + 2 * bn + projection + 2 * c_out + (c_out if changes else 0),
        "bn_trainable": convs + c_out * 2 * 2 + (c_in * c_out + 2 * c_out if changes else 0),
        "no_projection": convs + 2 * bn,
        "projection_no_bn": convs + 2 * bn + (c_in * c_out if changes else 0),
        "projection_always": convs + 2 * bn + c_in * c_out + bn,
        "projection_3x3": convs + 2 * bn + (9 * c_in * c_out + bn if changes else 0),
        "first_conv_c_out": 18 * c_out * c_out + 2 * bn + projection,
        "no_bn": convs + (c_in * c_out if changes else 0),
    }


_BLOCK_ADVICE = {
    "bias": ("as convoluções do bloco não têm viés (use_bias=False): o β da normalização em "
             "lote que vem logo depois já faz o papel dele"),
    "bn_trainable": ("cada camada de normalização em lote tem 4 números por canal (γ, β e as "
                     "duas estatísticas móveis), e count_params conta os 4"),
    "no_projection": ("faltou a projeção do atalho: onde os canais mudam, x não pode ser somado "
                      "a F(x) sem uma convolução 1×1 (seguida da sua normalização em lote)"),
    "projection_no_bn": "a projeção 1×1 do atalho também é seguida de uma normalização em lote",
    "projection_always": ("onde a entrada e a saída têm os mesmos canais, o atalho é a "
                          "identidade, sem nenhum parâmetro"),
    "projection_3x3": "a projeção do atalho é uma convolução 1×1, não 3×3",
    "first_conv_c_out": ("a primeira convolução recebe c_in canais, não c_out: cada filtro "
                         "dela tem 3·3·c_in pesos"),
    "no_bn": "faltaram as camadas de normalização em lote (uma depois de cada convolução)",
}


def _check_block_params(block_params: Any) -> str:
    """``block_params(c_in, c_out) -> int`` equal to Keras' count on every case."""
    if not callable(block_params):
        raise WrongAnswer("a resposta é uma função block_params(c_in, c_out), que devolve um "
                          "número inteiro para quaisquer canais, não um número só.")
    for c_in, c_out in EX1_CASES:
        got = as_int(call_student(block_params, c_in, c_out),
                     f"block_params({c_in}, {c_out})")
        want = block_parameter_count(c_in, c_out)
        if got == want:
            continue
        message = (f"block_params({c_in}, {c_out}) devolveu {fmt.num(got)}, mas o bloco de "
                   f"{c_in} para {c_out} canais tem {fmt.num(want)} parâmetros.")
        if got == block_parameter_count(c_out, c_in):
            message += " Parece que c_in e c_out estão trocados."
        else:
            for name, value in _block_slips(c_in, c_out).items():
                if got == value:
                    message += f" Parece que {_BLOCK_ADVICE[name]}."
                    break
        raise WrongAnswer(message)
    c_in, c_out = EX1_CASES[1]
    return (f"igual a count_params do Keras nos {len(EX1_CASES)} blocos testados; o de "
            f"{c_in} para {c_out} canais tem {fmt.num(block_parameter_count(c_in, c_out))} "
            "parâmetros.")


ex1 = Exercise(
    key="11/ex1",
    checker=_check_block_params,
    hint=[
        (
            "Some as peças do bloco uma a uma: as duas convoluções 3×3, as normalizações em "
            "lote depois de cada convolução e, só onde os canais mudam, a projeção do atalho. "
            "A aula 03 contou os pesos de uma Conv2D; a aula 10, os de uma normalização em lote."
        ),
        (
            "Quantos canais de entrada tem a segunda convolução: c_in ou c_out?"
        ),
    ],
)


# ---- ex2: a residual block with the functional API -------------------------------------------


EX2_CASES = ((8, 8, 1), (8, 16, 2), (8, 16, 1))
"""``(c_in, filters, stride)`` of the blocks ``ex2`` builds: an identity shortcut, a
projection with stride 2 (as in ResNet-20) and a projection with stride 1 (channels change,
size does not), so that a stride typed in instead of the argument shows."""

EX2_SIZE = 7
"""Height and width of ``ex2``'s inputs: odd, so a stride-2 path and a stride-1 one differ."""


def _rng_for(*key: int) -> np.random.Generator:
    return np.random.default_rng([11, *key])


def set_block_weights(model: keras.Model) -> None:
    """Give the layers of a block fixed weights that do not depend on how it was written.

    A convolution's kernel depends on its shape and on its order among the convolutions of
    that shape (the model lists layers from the input on); its bias, if any, is zero. Every
    batch normalization with ``C`` channels gets the same γ, β and moving statistics, drawn
    for ``C`` (so the order of the BN layers does not matter, and none is the identity).
    """
    seen: dict[tuple[int, ...], int] = {}
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            shape = tuple(int(s) for s in layer.kernel.shape)
            order = seen[shape] = seen.get(shape, -1) + 1
            kernel = _rng_for(*shape, order).normal(size=shape) * np.sqrt(
                2.0 / np.prod(shape[:3]))
            weights = [kernel]
            if layer.use_bias:
                weights.append(np.zeros(shape[-1]))
            layer.set_weights([w.astype(np.float32) for w in weights])
        elif kind == "BatchNormalization":
            channels = int(layer.gamma.shape[0])
            rng = _rng_for(channels)
            layer.set_weights([
                rng.uniform(0.5, 1.5, channels).astype(np.float32),
                rng.normal(0.0, 0.5, channels).astype(np.float32),
                rng.normal(0.0, 0.5, channels).astype(np.float32),
                rng.uniform(0.5, 2.0, channels).astype(np.float32),
            ])


def _block_input(c_in: int) -> np.ndarray:
    """The batch each block of ``ex2`` is run on: values of both signs, as a block may get
    (a ReLU before the addition only shows where the shortcut brings negative numbers)."""
    return _rng_for(c_in, EX2_SIZE).normal(size=(4, EX2_SIZE, EX2_SIZE, c_in)).astype(
        np.float32)


def block_output(block: Any, c_in: int, filters: int, stride: int) -> np.ndarray:
    """The output of ``block(x, filters, stride)`` with :func:`set_block_weights`'s weights,
    in inference mode, on :func:`_block_input`."""
    import keras

    inputs = keras.Input(shape=(EX2_SIZE, EX2_SIZE, c_in))
    model = keras.Model(inputs, block(inputs, filters, stride))
    set_block_weights(model)
    return keras.ops.convert_to_numpy(model(_block_input(c_in), training=False))


def slip_block(kind: str) -> Any:
    """A residual block with one of the usual mistakes (``kind``), for naming them."""
    from keras import layers

    def conv_bn(x, filters, size, stride):
        x = layers.Conv2D(filters, size, strides=stride, padding="same", use_bias=False)(x)
        return layers.BatchNormalization()(x)

    def block(x, filters, stride):
        first, second = (1, stride) if kind == "stride_on_second" else (stride, 1)
        y = layers.Activation("relu")(conv_bn(x, filters, 3, first))
        y = conv_bn(y, filters, 3, second)
        if kind == "no_shortcut":
            return layers.Activation("relu")(y)
        changes = stride != 1 or x.shape[-1] != filters
        if kind == "projection_always" or changes:
            if kind == "projection_no_bn":
                shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
            else:
                shortcut = conv_bn(x, filters, 1, stride)
        else:
            shortcut = x
        if kind in ("relu_before_add", "relu_before_and_after"):
            y = layers.Activation("relu")(y)
        y = layers.Add()([y, shortcut])
        if kind in ("no_final_relu", "relu_before_add"):
            return y
        return layers.Activation("relu")(y)

    return block


_SLIP_ADVICE = {
    "relu_before_add": ("a ReLU do fim vem depois da soma: y = ReLU(F(x) + x). Com a ReLU "
                        "antes, o ramo F só consegue somar números positivos a x"),
    "relu_before_and_after": ("há uma ReLU a mais antes da soma: o bloco é "
                              "y = ReLU(F(x) + x), com F terminando na normalização em lote"),
    "no_shortcut": "faltou o atalho: some a entrada x (ou a projeção dela) à saída de F",
    "no_final_relu": "faltou a ReLU depois da soma: y = ReLU(F(x) + x)",
    "projection_always": ("onde a entrada já tem os mesmos canais e o mesmo tamanho da saída, "
                          "o atalho é a própria entrada x, sem convolução"),
    "projection_no_bn": "a projeção 1×1 do atalho também é seguida de uma normalização em lote",
    "stride_on_second": ("o passo (stride) vai na primeira convolução do bloco, a que reduz o "
                         "tamanho; a segunda tem passo 1"),
}


def _try_block(block: Any, c_in: int, filters: int, stride: int) -> np.ndarray:
    """The student's block output, or WrongAnswer saying what went wrong while building it."""
    import keras

    where = f"com {c_in} canais de entrada, filters={filters} e stride={stride}"
    inputs = keras.Input(shape=(EX2_SIZE, EX2_SIZE, c_in))
    try:
        outputs = call_student(block, inputs, filters, stride)
    except WrongAnswer as error:
        message = f"{where}, {error}."
        if stride != 1 or c_in != filters:
            message += (" Onde o bloco muda o formato, F(x) e x não podem ser somados como "
                        "estão: o atalho precisa de uma convolução 1×1 com o mesmo passo "
                        "(stride) do caminho principal, para os dois terem o mesmo formato.")
        else:
            message += (" Aqui o atalho é a própria entrada; para F(x) ter o formato de x, "
                        "as convoluções usam padding='same' e a do passo é 1.")
        raise WrongAnswer(message) from None
    if not isinstance(outputs, keras.KerasTensor):
        raise WrongAnswer(f"{where}, sua função devolveu {type(outputs).__name__}; ela deve "
                          "devolver o tensor de saída do bloco (o resultado da última camada).")
    model = keras.Model(inputs, outputs)
    set_block_weights(model)
    return keras.ops.convert_to_numpy(model(_block_input(c_in), training=False))


def _check_block(block: Any) -> str:
    """``residual_block(x, filters, stride)`` gives the reference block's outputs."""
    if not callable(block):
        raise WrongAnswer("a resposta é a função residual_block(x, filters, stride), não "
                          f"{type(block).__name__}.")
    for c_in, filters, stride in EX2_CASES:
        where = f"com {c_in} canais de entrada, filters={filters} e stride={stride}"
        got = _try_block(block, c_in, filters, stride)
        want = block_output(reference_block, c_in, filters, stride)
        if got.shape != want.shape:
            raise WrongAnswer(f"{where}, a saída do bloco tem formato {got.shape[1:]} por "
                              f"imagem, mas deveria ter {want.shape[1:]}. Confira o passo "
                              "(stride) e o preenchimento (padding='same') das convoluções.")
        if close(got, want, atol=1e-4, rtol=1e-4):
            continue
        message = f"{where}, a saída do bloco difere da do bloco de referência."
        for kind, advice in _SLIP_ADVICE.items():
            slip = block_output(slip_block(kind), c_in, filters, stride)
            if close(got, slip, atol=1e-4, rtol=1e-4):
                message += f" Parece que {advice}."
                break
        else:
            message += (" O bloco é conv 3×3 → BN → ReLU → conv 3×3 → BN, mais o atalho, e "
                        "uma ReLU depois da soma; as convoluções usam padding='same'.")
        raise WrongAnswer(message)
    return (f"nos {len(EX2_CASES)} blocos testados (atalho identidade; projeção com passo 2; "
            "projeção com passo 1), a saída é igual à do bloco de build_resnet com os "
            "mesmos pesos.")


ex2 = Exercise(
    key="11/ex2",
    checker=_check_block,
    hint=[
        (
            "Guarde a entrada x antes de tudo: o caminho principal F é conv 3×3 → BN → ReLU → "
            "conv 3×3 → BN, e no fim a saída de F é somada ao atalho e passa por uma ReLU."
        ),
        (
            "Quando o atalho pode ser a própria entrada x, e quando ele precisa mudar de "
            "formato para ser somado a F(x)?"
        ),
    ],
)


# ---- ex3: the shape after each stage -------------------------------------------------------


EX3_SIZES = ((32, 32), (15, 15), (28, 9), (64, 40))
"""``(height, width)`` of the inputs ``ex3`` tries: CIFAR-10's, and odd sizes, where a stride
of 2 with ``same`` padding rounds up (15 → 8 → 4), so ``// 2`` shows."""


def reference_stage_shapes(height: int, width: int) -> list[tuple[int, int, int]]:
    """``(H, W, C)`` after the first convolution and after each stage of ``build_resnet``."""
    from course_utils.models import build_resnet

    model = build_resnet(8, input_shape=(height, width, 3))
    stem = next(layer for layer in model.layers if type(layer).__name__ == "Activation")
    adds = [layer for layer in model.layers if type(layer).__name__ == "Add"]
    return [tuple(int(s) for s in layer.output.shape[1:]) for layer in (stem, *adds)]


def _shape_slips(height: int, width: int) -> dict[str, list[tuple[int, int, int]]]:
    """What the usual mistakes give, to name the one a student made."""
    def halve(n: int, times: int, rounding) -> int:
        for _ in range(times):
            n = rounding(n)
        return n

    ceil, floor = (lambda n: -(-n // 2)), (lambda n: n // 2)
    return {
        "floor": [(halve(height, k, floor), halve(width, k, floor), c)
                  for k, c in ((0, 16), (0, 16), (1, 32), (2, 64))],
        "halve_stage1": [(halve(height, k, ceil), halve(width, k, ceil), c)
                         for k, c in ((0, 16), (1, 16), (2, 32), (3, 64))],
        "channels_fixed": [(halve(height, k, ceil), halve(width, k, ceil), 16)
                           for k in (0, 0, 1, 2)],
    }


_SHAPE_ADVICE = {
    "floor": ("com padding='same' e passo 2, um tamanho ímpar arredonda para cima: "
              "15 vira 8, não 7"),
    "halve_stage1": ("o primeiro estágio não reduz o tamanho: só o primeiro bloco dos "
                     "estágios 2 e 3 tem passo 2"),
    "channels_fixed": "os estágios têm 16, 32 e 64 filtros: os canais dobram quando o tamanho cai",
}


def _shape(value: Any, what: str) -> tuple[int, ...]:
    items = as_list(value, "números")
    return tuple(as_int(v, what) for v in items)


def _check_stage_shapes(stage_shapes: Any) -> str:
    """``stage_shapes(height, width)`` equal to the model's shapes on every size."""
    if not callable(stage_shapes):
        raise WrongAnswer("a resposta é uma função stage_shapes(height, width), que vale para "
                          "qualquer tamanho de imagem, não uma lista só.")
    for height, width in EX3_SIZES:
        call = f"stage_shapes({height}, {width})"
        answer = as_list(call_student(stage_shapes, height, width), "formatos")
        want = reference_stage_shapes(height, width)
        if len(answer) != len(want):
            raise WrongAnswer(
                f"{call} devolveu {len(answer)} formatos; são {len(want)}: depois da primeira "
                "convolução e depois de cada um dos três estágios.")
        got = [_shape(item, f"um número de {call}") for item in answer]
        if all(len(g) == 3 for g in got) and got == [(c, h, w) for h, w, c in want]:
            raise WrongAnswer(f"{call}: os canais vêm por último no Keras, (altura, largura, "
                              "canais).")
        if got == want:
            continue
        wrong_at = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
        names = ("a primeira convolução", "o estágio 1", "o estágio 2", "o estágio 3")
        message = (f"{call}: depois d{names[wrong_at][0]} {names[wrong_at][2:]} o formato é "
                   f"{want[wrong_at]}, mas sua função deu {got[wrong_at]}.")
        for name, value in _shape_slips(height, width).items():
            if got == value:
                message += f" Parece que {_SHAPE_ADVICE[name]}."
                break
        raise WrongAnswer(message)
    return (f"igual aos formatos do modelo de build_resnet nos {len(EX3_SIZES)} tamanhos "
            "testados, inclusive os ímpares.")


ex3 = Exercise(
    key="11/ex3",
    checker=_check_stage_shapes,
    hint=[
        (
            "Siga uma imagem pela rede: a primeira convolução muda só os canais; em cada "
            "estágio, só o primeiro bloco pode mudar o tamanho, e os filtros do estágio dão "
            "os canais."
        ),
        (
            "Com padding='same' e passo 2, quantos pixels de saída tem uma imagem de 15 "
            "pixels de largura?"
        ),
    ],
)


# ---- ex4: reading the training curves ------------------------------------------------------


def curve_problem() -> dict[str, dict[str, list[float]]]:
    """Four made-up training histories shaped like Figure 1 of He et al. (2016), as
    ``History.history`` dicts: the deeper plain network ends with a higher training loss than
    the shallower one, the deeper residual network with a lower one. The last epoch is not
    the best one, the validation loss and the accuracy give other numbers, so reading the
    wrong entry or the wrong epoch shows."""
    epochs = np.arange(1, 11)
    shapes = {
        "Plain-20": (2.3, 0.62, 0.35, 0.07),
        "Plain-56": (2.4, 0.90, 0.25, 0.05),
        "ResNet-20": (2.2, 0.55, 0.38, 0.09),
        "ResNet-56": (2.2, 0.41, 0.40, 0.12),
    }
    histories = {}
    for index, (name, (start, floor, rate, overfit)) in enumerate(shapes.items()):
        wiggle = 0.03 * np.sin(1.7 * epochs + index)
        loss = floor + (start - floor) * np.exp(-rate * (epochs - 1)) + wiggle
        val_loss = loss + overfit * epochs / 10 + 0.08
        accuracy = 1.0 - loss / 2.6
        histories[name] = {
            "loss": [round(float(v), 4) for v in loss],
            "val_loss": [round(float(v), 4) for v in val_loss],
            "accuracy": [round(float(v), 4) for v in accuracy],
            "val_accuracy": [round(float(v) - 0.05, 4) for v in accuracy],
        }
    return histories


EX4_PAIRS = (("Plain-56", "Plain-20"), ("ResNet-56", "ResNet-20"), ("Plain-20", "ResNet-56"))
"""``(deep, shallow)`` names of :func:`curve_problem` that ``ex4`` passes to the function."""


def reference_gap(deep: dict[str, list[float]], shallow: dict[str, list[float]]) -> float:
    """Final training loss of ``deep`` minus that of ``shallow``."""
    return float(deep["loss"][-1] - shallow["loss"][-1])


def _gap_slips(deep: dict[str, list[float]], shallow: dict[str, list[float]]
               ) -> dict[str, float]:
    return {
        "reversed": shallow["loss"][-1] - deep["loss"][-1],
        "val_loss": deep["val_loss"][-1] - shallow["val_loss"][-1],
        "best_epoch": min(deep["loss"]) - min(shallow["loss"]),
        "first_epoch": deep["loss"][0] - shallow["loss"][0],
        "mean": float(np.mean(deep["loss"]) - np.mean(shallow["loss"])),
        "accuracy": deep["accuracy"][-1] - shallow["accuracy"][-1],
    }


_GAP_ADVICE = {
    "reversed": "a ordem está trocada: é a perda da mais profunda menos a da mais rasa",
    "val_loss": ("você leu a perda de validação ('val_loss'); a degradação aparece já na "
                 "perda de treino ('loss'), e é isso que a separa do sobreajuste"),
    "best_epoch": "você pegou a menor perda; a pergunta é sobre a última época",
    "first_epoch": "você pegou a primeira época; a pergunta é sobre a última",
    "mean": "você tirou a média das épocas; a pergunta é sobre a última",
    "accuracy": "você leu a acurácia; a pergunta é sobre a perda de treino ('loss')",
}


def _check_gap(training_gap: Any) -> str:
    """``training_gap(deep, shallow)`` equal to the reference on every pair."""
    if not callable(training_gap):
        raise WrongAnswer("a resposta é uma função training_gap(deep, shallow), que vale para "
                          "quaisquer dois históricos, não um número só.")
    histories = curve_problem()
    for deep_name, shallow_name in EX4_PAIRS:
        deep, shallow = histories[deep_name], histories[shallow_name]
        call = f"training_gap({deep_name}, {shallow_name})"
        got = as_number(call_student(training_gap, deep, shallow), call)
        want = reference_gap(deep, shallow)
        if close(got, want, atol=1e-6):
            continue
        message = f"{call} devolveu {fmt.num(got, 4)}, mas deveria ser {fmt.num(want, 4)}."
        for name, value in _gap_slips(deep, shallow).items():
            if close(got, value, atol=1e-6):
                message += f" Parece que {_GAP_ADVICE[name]}."
                break
        raise WrongAnswer(message)
    plain = reference_gap(histories["Plain-56"], histories["Plain-20"])
    return (f"igual à referência nos {len(EX4_PAIRS)} pares testados; nestas curvas, a Plain-56 "
            f"termina com perda de treino {fmt.num(plain, 4)} acima da Plain-20.")


ex4 = Exercise(
    key="11/ex4",
    checker=_check_gap,
    hint=[
        (
            "Cada histórico é um dicionário como o `history.history` do Keras: uma lista de "
            "valores por época para cada medida. Qual medida e qual época a pergunta pede?"
        ),
        (
            "A degradação é um problema de treino, não de generalização: qual das chaves do "
            "dicionário mede o quanto a rede aprendeu as próprias imagens de treino?"
        ),
    ],
)
