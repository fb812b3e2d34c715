"""Exercises of lesson 06, "MNIST, mão na massa".

* ``ex1``: ``prepare(images)``, uint8 (N, 28, 28) → float32 (N, 28, 28, 1) in [0, 1];
* ``ex2``: ``one_hot(labels, num_classes)`` with NumPy, compared with
  ``keras.utils.to_categorical``;
* ``ex3``: the number of parameters of each layer of ``build_mnist_cnn()`` built for
  32×32 RGB images (:data:`EX3_INPUT_SHAPE`), not the 28×28×1 model whose summary the
  lesson shows, so the answer cannot be copied from the screen;
* ``ex4``: ``accuracy_from_probs(probs, labels)``, compared with Keras' sparse categorical
  accuracy;
* ``ex5``: ``most_confused(cm)``, the (true, predicted) pair of the largest off-diagonal
  entry of a confusion matrix.

Function answers are called on random inputs, so they cannot depend on the notebook's data;
every reference is computed with NumPy or Keras, never typed in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils import fmt
from course_utils.checks import (
    Exercise,
    WrongAnswer,
    as_array,
    as_list,
    as_number,
    assert_array,
    call_student,
)

LAYER_NAMES_PT = {
    "Conv2D": "convolução",
    "MaxPooling2D": "max pooling",
    "Flatten": "achatamento (Flatten)",
    "Dropout": "dropout",
    "Dense": "densa (Dense)",
}
"""Portuguese names of the layer types of ``build_mnist_cnn``, for messages."""


# ---- ex1: prepare a batch of images ----------------------------------------------------


EX1_RANGES = ((5, 0, 255), (1, 3, 200), (12, 0, 170))
"""(N, lowest, highest pixel) of each batch ``ex1`` tries. Only the first holds both 0 and
255: on the others, stretching each batch (or image) to [0, 1] by its own minimum and
maximum differs from dividing by 255."""


def _ex1_batches() -> list[np.ndarray]:
    """Random uint8 batches spanning exactly the ranges of :data:`EX1_RANGES`."""
    rng = np.random.default_rng(5)
    batches = []
    for n, low, high in EX1_RANGES:
        batch = rng.integers(low, high + 1, size=(n, 28, 28), dtype=np.uint8)
        batch[0, 0, 0], batch[0, 0, 1] = low, high
        batches.append(batch)
    return batches


def _stretch_slip(images: np.ndarray, got: np.ndarray) -> str:
    """The message for a batch scaled by its own extremes instead of by 255, or ""."""
    x = images.astype(np.float64)[..., np.newaxis]
    per_image = (1, 2, 3)
    stretched = {
        "min-max do lote": (x - x.min()) / (x.max() - x.min()),
        "pelo maior valor do lote": x / x.max(),
        "min-max de cada imagem": (x - x.min(axis=per_image, keepdims=True))
        / (x.max(axis=per_image, keepdims=True) - x.min(axis=per_image, keepdims=True)),
        "pelo maior valor de cada imagem": x / x.max(axis=per_image, keepdims=True),
    }
    for name, value in stretched.items():
        if got.shape == value.shape and np.allclose(got, value, atol=1e-6):
            return (
                f"a escala saiu de uma normalização {name}: neste lote os pixels vão de "
                f"{images.min()} a {images.max()}, e o resultado depende do lote. Divida "
                "sempre por 255, o maior valor possível de um uint8, para que o mesmo pixel "
                "valha o mesmo em qualquer lote (no treino, no teste e numa imagem nova)."
            )
    return ""


def _reference_prepare(images: np.ndarray) -> np.ndarray:
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]


def _check_prepare(prepare: Any) -> None:
    """ex1: float32, shape (N, 28, 28, 1), values images / 255, input left untouched."""
    for batch in _ex1_batches():
        original = batch.copy()
        got = as_array(call_student(prepare, batch), "o que sua função devolveu")
        if not np.array_equal(batch, original):
            raise WrongAnswer(
                "sua função alterou o array de entrada. Crie um array novo "
                "(images.astype(...) já devolve uma cópia) em vez de modificar images."
            )
        n = len(batch)
        want = _reference_prepare(batch)
        if got.shape != want.shape:
            shape_messages = {
                (n, 28, 28): "falta o eixo do canal no fim: o Conv2D espera (N, 28, 28, 1). "
                "Use images[..., np.newaxis] ou reshape.",
                (n, 1, 28, 28): "o canal ficou na frente (N, 1, 28, 28); o Keras espera os "
                "canais por último: (N, 28, 28, 1).",
                (n, 28 * 28): "as imagens foram achatadas; a rede convolucional precisa da "
                "grade 28×28 e de um eixo de canal: (N, 28, 28, 1).",
                (28, 28, 1): "o eixo do lote (N) sumiu; cada imagem continua no seu lugar: "
                "(N, 28, 28, 1).",
            }
            detail = shape_messages.get(
                got.shape, "confira o formato (lote, altura, largura, canais)."
            )
            raise WrongAnswer(
                f"para um lote de formato {batch.shape} o esperado é {want.shape}, "
                f"mas sua função devolveu {got.shape}: {detail}"
            )
        if np.issubdtype(got.dtype, np.integer) or got.dtype == np.bool_:
            raise WrongAnswer(
                f"o resultado tem dtype {got.dtype}: continua inteiro. Converta com "
                "astype('float32') e divida por 255."
            )
        if got.dtype != np.float32:
            raise WrongAnswer(
                f"o resultado tem dtype {got.dtype}, mas o esperado é float32 (o tipo que o "
                "Keras usa; ocupa metade da memória de float64). Use astype('float32')."
            )
        if got.max() > 1.0 + 1e-6:
            raise WrongAnswer(
                f"os valores vão até {fmt.num(float(got.max()))}: falta dividir por 255 para "
                "ficar em [0, 1]."
            )
        if np.allclose(got, (batch // 255)[..., np.newaxis]):
            raise WrongAnswer(
                "quase tudo virou 0: isso é divisão inteira (//). Use / depois de converter "
                "para float32."
            )
        if np.allclose(got, (batch / 256.0)[..., np.newaxis], atol=1e-6):
            raise WrongAnswer("divida por 255 (o maior valor de um uint8), não por 256.")
        slip = "" if np.allclose(got, want, atol=1e-6) else _stretch_slip(batch, got)
        if slip:
            raise WrongAnswer(slip)
        assert_array(got, want, name="o lote preparado", atol=1e-6)
    return None


ex1 = Exercise(
    key="06/ex1",
    checker=_check_prepare,
    hint=[
        (
            "Três mudanças: o tipo (de inteiros uint8 para float32), a escala (de 0–255 para 0–1) "
            "e o formato (um eixo de canal, de tamanho 1, no fim)."
        ),
        (
            "Qual é o dtype do resultado quando você divide um array uint8 por 255: é o float32 "
            "que o Keras usa? E o eixo do canal vai no fim, como na célula que preparou uma imagem "
            "só, logo antes do exercício."
        ),
    ],
)


# ---- ex2: one-hot by hand --------------------------------------------------------------

EX2_CASES = [
    (np.array([5, 0, 4, 1, 9, 2, 1, 3], dtype=np.uint8), 10),
    (np.array([0, 2, 1, 2]), 5),
    (np.random.default_rng(2).integers(0, 10, size=30), 10),
]
"""(labels, num_classes) on which ex2 calls the function; the second lacks the last classes."""


def _check_one_hot(one_hot: Any) -> None:
    """ex2: one row per label, one column per class, a single 1 at the label's column."""
    import keras

    for labels, num_classes in EX2_CASES:
        result = call_student(one_hot, labels.copy(), num_classes)
        got = as_array(result, "o que sua função devolveu")
        want = keras.utils.to_categorical(labels, num_classes)
        n = len(labels)
        if got.shape != want.shape:
            if got.shape == (num_classes, n):
                detail = "linhas e colunas trocadas: uma LINHA por exemplo, uma COLUNA por classe."
            elif got.shape == (n,):
                detail = "isso ainda é um rótulo por exemplo; one-hot é uma matriz."
            elif got.ndim == 2 and got.shape[0] == n and got.shape[1] == int(labels.max()) + 1:
                detail = (
                    "o número de colunas saiu de labels.max() + 1; use num_classes, porque um "
                    "lote pode não ter todas as classes."
                )
            else:
                detail = "confira (número de rótulos, num_classes)."
            raise WrongAnswer(
                f"para {n} rótulos e num_classes={num_classes} o esperado é {want.shape}, "
                f"mas sua função devolveu {got.shape}: {detail}"
            )
        if not np.isin(got, (0, 1)).all():
            raise WrongAnswer("uma codificação one-hot só tem 0 e 1.")
        if not np.allclose(got.sum(axis=1), 1):
            raise WrongAnswer("cada linha deveria ter exatamente um 1 (na coluna do rótulo).")
        if np.allclose(got, want):
            continue
        for shift in (-1, 1):
            moved = (labels.astype(np.int64) + shift) % num_classes
            shifted = keras.utils.to_categorical(moved, num_classes)
            if np.array_equal(got, shifted):
                raise WrongAnswer(
                    f"o 1 está uma coluna {'à esquerda' if shift < 0 else 'à direita'} da "
                    "certa: o rótulo k vai na coluna k (contando a partir de 0)."
                )
        assert_array(got, want, name="a matriz one-hot")
    return None


ex2 = Exercise(
    key="06/ex2",
    checker=_check_one_hot,
    hint=[
        (
            "Comece com uma matriz de zeros com uma linha por rótulo e uma coluna por classe "
            "(num_classes colunas, mesmo que o lote não tenha todas as classes)."
        ),
        (
            "Na linha i, o 1 vai na coluna labels[i]. Releia o exemplo de índice avançado logo "
            "antes do exercício: quais números de linha e quais de coluna você quer, e quantos "
            "de cada?"
        ),
    ],
)


# ---- ex3: parameters of each layer -----------------------------------------------------

EX3_INPUT_SHAPE = (32, 32, 3)
"""Input of the model ``ex3`` asks about: ``build_mnist_cnn(input_shape=EX3_INPUT_SHAPE)``.

Three channels change the first convolution; 32 pixels give 30 → 15 → 13 → 6 (13 is odd,
so rounding the pooling up gives another answer) and a different Flatten than MNIST's.
"""


def _model_layers(input_shape: tuple[int, int, int] = EX3_INPUT_SHAPE) -> list:
    """The layers (without the input) of a fresh ``build_mnist_cnn(input_shape)``."""
    import keras

    from course_utils.models import build_mnist_cnn

    model = build_mnist_cnn(input_shape=input_shape)
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _flatten_slip(value: float, units: int, channels: int) -> str:
    """Name the slip behind a wrong Dense count, from the Flatten size it implies.

    ``channels`` is the depth of the last feature map, ``units`` the Dense layer's outputs.
    """
    side = EX3_INPUT_SHAPE[0]
    after_conv2 = (side - 2) // 2 - 2  # each 'valid' 3×3 removes 2 pixels
    slips = {
        -(-after_conv2 // 2): (f"depois da segunda convolução o mapa tem {after_conv2}×"
                               f"{after_conv2}, e o pooling arredonda para baixo: "
                               f"{after_conv2}/2 vira {after_conv2 // 2}."),
        side // 4: ("a convolução 'valid' tira 2 pixels de altura e de largura antes de cada "
                    "pooling; siga o formato camada a camada."),
        5: ("esse é o Flatten do modelo do MNIST (5×5×64), com imagens 28×28; aqui as "
            f"imagens são {side}×{side}."),
    }
    for size, message in slips.items():
        if value == (size * size * channels + 1) * units:
            return message
    return ""


def _layer_label(index: int, layer: Any) -> str:
    kind = type(layer).__name__
    return f"o item {index} ({LAYER_NAMES_PT.get(kind, kind)})"


def _check_layer_params(answer: Any) -> None:
    """ex3: a list with the parameter count of each layer, in order."""
    layers = _model_layers()
    order = ", ".join(LAYER_NAMES_PT.get(type(layer).__name__, "?") for layer in layers)
    answer = as_list(answer, "números")
    if len(answer) != len(layers):
        extra = (
            " A camada de entrada (keras.Input) não conta: ela não é uma camada com pesos."
            if len(answer) == len(layers) + 1
            else ""
        )
        raise WrongAnswer(
            f"a lista deveria ter {len(layers)} números, um por camada ({order}), mas tem "
            f"{len(answer)}.{extra}"
        )
    mnist_counts = [layer.count_params() for layer in _model_layers((28, 28, 1))]
    numbers = all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                  for v in answer)
    if numbers and [float(v) for v in answer] == mnist_counts:
        raise WrongAnswer(
            "esses são os parâmetros do modelo do MNIST, com imagens 28×28×1, os do resumo "
            f"acima. A pergunta é sobre a mesma rede com imagens {EX3_INPUT_SHAPE}: pense em "
            "quais contas dependem do número de canais e do tamanho da imagem."
        )
    depth = [layer for layer in layers if hasattr(layer, "filters")][-1].filters
    for index, (value, layer) in enumerate(zip(answer, layers)):
        label = _layer_label(index, layer)
        got = as_number(value, label)
        want = layer.count_params()
        if got == want:
            continue
        if not layer.weights:
            raise WrongAnswer(
                f"{label} vale {fmt.num(got)}, mas essa camada não tem pesos treináveis: só "
                "reorganiza, resume ou desliga valores. Quantos parâmetros isso dá?"
            )
        kernel = tuple(int(d) for d in layer.kernel.shape)
        if got == int(np.prod(kernel)):
            raise WrongAnswer(f"{label} vale {fmt.num(got)}: faltam os vieses, um por saída.")
        if len(kernel) == 4 and kernel[2] > 1 and got == (kernel[0] * kernel[1] + 1) * kernel[3]:
            raise WrongAnswer(
                f"{label} vale {fmt.num(got)}, a conta de uma entrada com 1 canal. Esta camada "
                f"recebe {kernel[2]} canais, e cada filtro cobre TODOS os canais: F × F × "
                f"{kernel[2]} pesos."
            )
        slip = _flatten_slip(got, kernel[1], depth) if len(kernel) == 2 else ""
        if slip:
            raise WrongAnswer(f"{label} vale {fmt.num(got)}: {slip}")
        if len(kernel) == 4:
            formula = "(F × F × canais de entrada + 1) × número de filtros"
        else:
            formula = "(entradas + 1) × saídas, e as entradas são o que o Flatten entrega"
        raise WrongAnswer(f"{label} vale {fmt.num(got)}, o que não confere. Lembre: {formula}.")
    return None


ex3 = Exercise(
    key="06/ex3",
    checker=_check_layer_params,
    hint=[
        (
            "Siga o formato da imagem camada a camada, a partir de 32×32×3: cada convolução "
            "'valid' 3×3 tira 2 pixels, cada pooling 2×2 divide por 2 arredondando para baixo. Só "
            "as convoluções e a densa têm parâmetros."
        ),
        (
            "Duas perguntas decidem a resposta: quantos canais cada filtro da primeira convolução "
            "cobre agora? E qual é a altura e a largura do mapa que chega ao Flatten? As contas de "
            "parâmetros são as mesmas do texto antes do resumo do modelo."
        ),
    ],
)


# ---- ex4: accuracy by hand -------------------------------------------------------------


def _ex4_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """(probs, labels) pairs: softmax rows and labels right about 70 % of the time."""
    import keras

    rng = np.random.default_rng(4)
    cases = []
    for n, dtype in ((50, np.uint8), (37, np.int64)):
        logits = rng.normal(size=(n, 10)).astype(np.float32) * 3
        probs = keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1))
        labels = probs.argmax(axis=1)
        flip = rng.random(n) < 0.3
        labels[flip] = (labels[flip] + rng.integers(1, 10, size=flip.sum())) % 10
        cases.append((probs, labels.astype(dtype)))
    return cases


def _keras_accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    import keras

    metric = keras.metrics.SparseCategoricalAccuracy()
    metric.update_state(labels, probs)
    return float(metric.result())


def _check_accuracy(accuracy_from_probs: Any) -> None:
    """ex4: fraction of rows whose argmax equals the label, as Keras computes it."""
    for probs, labels in _ex4_cases():
        result = call_student(accuracy_from_probs, probs.copy(), labels.copy())
        if hasattr(result, "numpy") and callable(result.numpy):
            result = result.numpy()
        size = np.size(result) if isinstance(result, (np.ndarray, list, tuple)) else 1
        if size == len(labels):
            raise WrongAnswer(
                "sua função devolveu um valor por exemplo (acertou ou não); a acurácia é a "
                "média disso: np.mean(...)."
            )
        if size == probs.shape[1]:
            raise WrongAnswer(
                "sua função devolveu um valor por classe: o argmax foi no eixo errado. "
                "Cada LINHA é um exemplo, então use argmax(axis=1)."
            )
        got = as_number(result, "a acurácia")
        want = _keras_accuracy(probs, labels)
        correct = want * len(labels)
        if np.isclose(got, want, atol=1e-6):
            continue
        if np.isclose(got, correct):
            raise WrongAnswer(
                f"{fmt.num(got)} é o número de acertos; divida pelo número de exemplos para ter "
                "a fração."
            )
        if np.isclose(got, 100 * want, atol=1e-4):
            raise WrongAnswer(
                f"{fmt.num(got)} está em porcentagem; devolva a fração entre 0 e 1, como o Keras."
            )
        if np.isclose(got, 1 - want, atol=1e-6):
            raise WrongAnswer(
                f"{fmt.num(got)} é a fração de ERROS; a acurácia é a fração de acertos."
            )
        raise WrongAnswer(
            f"para um lote de teste sua função deu {fmt.num(got, 4)}, mas a acurácia do Keras é "
            f"{fmt.num(want, 4)}. A classe prevista é a coluna de maior probabilidade de cada "
            "linha."
        )
    return None


ex4 = Exercise(
    key="06/ex4",
    checker=_check_accuracy,
    hint=[
        (
            "A classe prevista de cada exemplo é a coluna de maior probabilidade da sua linha. A "
            "acurácia é a fração de exemplos em que ela é igual ao rótulo."
        ),
        (
            "Qual método do NumPy dá a posição do maior valor (argmax)? Você quer uma posição por "
            "linha, não uma para a matriz inteira. E qual é a média de um array de verdadeiros e "
            "falsos?"
        ),
    ],
)


# ---- ex5: the most confused pair -------------------------------------------------------


def _ex5_matrices() -> list[np.ndarray]:
    """Confusion matrices with a large diagonal and one largest off-diagonal entry.

    In the first two the transposed entry is the second largest, so swapping row and
    column is caught.
    """
    rng = np.random.default_rng(9)
    matrices = []
    for size, (i, j) in ((10, (4, 9)), (10, (7, 2)), (3, (0, 2))):
        cm = rng.integers(0, 5, size=(size, size))
        np.fill_diagonal(cm, rng.integers(80, 120, size=size))
        cm[i, j], cm[j, i] = 30, 20
        matrices.append(cm)
    return matrices


def _reference_most_confused(cm: np.ndarray) -> tuple[int, int]:
    off = np.array(cm, copy=True)
    np.fill_diagonal(off, 0)
    i, j = np.unravel_index(np.argmax(off), off.shape)
    return int(i), int(j)


def _check_most_confused(most_confused: Any) -> None:
    """ex5: (true, predicted) of the largest off-diagonal entry; ``cm`` left untouched."""
    for cm in _ex5_matrices():
        given = cm.copy()
        result = call_student(most_confused, given)
        if not np.array_equal(given, cm):
            raise WrongAnswer(
                "sua função alterou a matriz que recebeu (np.fill_diagonal muda o array no "
                "lugar). Trabalhe numa cópia: off = cm.copy()."
            )
        if isinstance(result, (int, np.integer)) and not isinstance(result, bool):
            raise WrongAnswer(
                f"sua função devolveu um único número ({result}): esse é o índice no array "
                "achatado. Converta para (linha, coluna) com np.unravel_index."
            )
        pair = as_array(result, "o par devolvido").ravel()
        if pair.size != 2:
            raise WrongAnswer(
                f"a resposta deveria ser um par (classe verdadeira, classe prevista), mas tem "
                f"{pair.size} valores."
            )
        got = tuple(int(v) for v in pair)
        i, j = _reference_most_confused(cm)
        if got == (i, j):
            continue
        if got == (j, i):
            raise WrongAnswer(
                f"{got} está invertido: a linha é a classe verdadeira e a coluna a prevista."
            )
        if got[0] == got[1]:
            raise WrongAnswer(
                f"{got} está na diagonal, que conta os ACERTOS. Zere a diagonal (numa cópia) "
                "antes de procurar o maior valor."
            )
        raise WrongAnswer(
            f"{got} não é a posição do maior valor fora da diagonal nesta matriz de teste."
        )
    return None


ex5 = Exercise(
    key="06/ex5",
    checker=_check_most_confused,
    hint=[
        (
            "Os acertos estão na diagonal; os erros, fora dela. Procure o maior valor fora da "
            "diagonal, sem estragar a matriz que você recebeu."
        ),
        (
            "Se a diagonal de uma cópia valesse zero, onde estaria o maior valor? O NumPy diz a "
            "posição do maior valor contando no array achatado, como se a matriz fosse uma fila "
            "só: qual função traduz essa posição de volta em (linha, coluna)? Procure por "
            "np.unravel_index."
        ),
    ],
)
