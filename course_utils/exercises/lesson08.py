"""Exercises of lesson 08, "CIFAR-10", and the lesson's shared settings.

* ``ex1``: ``channel_stats(images)``, the per-channel mean and standard deviation of a uint8
  batch (N, H, W, 3) scaled to [0, 1], compared with NumPy;
* ``ex2``: ``build_pipeline(x, y, batch_size, shuffle, seed)``, a ``tf.data`` pipeline
  (scale → cache → shuffle → batch → prefetch), checked on its ``element_spec`` and on what it
  yields: float32 batches in [0, 1] of shape (None, 32, 32, 3), the labels still paired with
  their images, every example once per epoch, a fresh order each epoch only when asked;
* ``ex3``: ``per_class_accuracy(cm)``, the diagonal of a confusion matrix over its row sums,
  compared with scikit-learn's per-class recall;
* ``ex4``: the receptive field of two stacked 3×3 convolutions and the parameters of that
  stack and of one 5×5 convolution (``STACK_CHANNELS`` channels in and out, with biases);
  the receptive field is measured with TensorFlow gradients, the counts with Keras layers.

Function answers are called on random inputs, so they cannot depend on the notebook's data.
The settings below (:data:`VAL_FRACTION`, :data:`BATCH_SIZE`, ...) are shared by the lesson
and by ``benchmarks/cifar10_lecture_vs_vgg.py``; the seed and the split are the course's
(:data:`course_utils.lessons.SEED`, :func:`course_utils.lessons.reference_split`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils import fmt
from course_utils.checks import (
    Exercise,
    WrongAnswer,
    as_float_array,
    as_int,
    assert_array,
    call_student,
)

VAL_FRACTION = 0.2
"""Share of the training set kept for validation (stratified)."""

BATCH_SIZE = 32
"""Batch size of both models: Keras' default, the one the LAMIA bootcamp report trained with."""

EPOCHS = 5
"""Epochs of both models outside fast mode: the lecture's five."""

VGG_FILTERS = (32, 64, 128)
"""Filters of the VGG-style blocks outside fast mode."""

VGG_FILTERS_FAST = (16, 32)
"""Filters of the VGG-style blocks in fast mode (a smaller model, same code)."""

STACK_CHANNELS = 64
"""Channels in and out of the convolutions compared in ex4."""


# ---- ex1: per-channel statistics ---------------------------------------------------------


def _ex1_batches() -> list[np.ndarray]:
    """Random uint8 batches whose three channels have clearly different statistics.

    No batch holds a 0 or a 255, so scaling by the batch's own minimum and maximum (instead
    of the fixed 255) gives other numbers and is caught.
    """
    rng = np.random.default_rng(7)
    batches = []
    for n, size in ((6, 32), (3, 8)):
        red = rng.integers(100, 251, size=(n, size, size))
        green = rng.integers(5, 251, size=(n, size, size))
        blue = rng.integers(3, 90, size=(n, size, size))
        batch = np.stack([red, green, blue], axis=-1).astype(np.uint8)
        batch[0] = batch[0] // 3  # one darker image: the per-image statistics differ
        batches.append(batch)
    return batches


def reference_channel_stats(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each channel of uint8 images scaled to [0, 1]."""
    x = np.asarray(images, dtype=np.float64) / 255.0
    return x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))


def _batch_scaled_stats(batch: np.ndarray, label: str) -> list[np.ndarray]:
    """The statistic named by ``label`` when the batch is scaled by its own max or range."""
    x = batch.astype(np.float64)
    scaled = [x / x.max(), (x - x.min()) / (x.max() - x.min())]
    low, high = x.min(axis=(0, 1, 2)), x.max(axis=(0, 1, 2))
    scaled.append((x - low) / (high - low))  # each channel stretched on its own
    if label == "a média":
        return [s.mean(axis=(0, 1, 2)) for s in scaled]
    return [s.std(axis=(0, 1, 2)) for s in scaled]


def _check_channel_stats(channel_stats: Any) -> None:
    """ex1: (mean, std), each of shape (3,), over all pixels of all images, in [0, 1] units."""
    for batch in _ex1_batches():
        original = batch.copy()
        result = call_student(channel_stats, batch)
        if not np.array_equal(batch, original):
            raise WrongAnswer(
                "sua função alterou o array de entrada; trabalhe numa cópia "
                "(images.astype('float32') já devolve uma)."
            )
        if isinstance(result, np.ndarray) and result.ndim == 2 and result.shape[0] == 2:
            result = (result[0], result[1])
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise WrongAnswer(
                "sua função deveria devolver dois arrays, (média, desvio_padrão), "
                f"mas devolveu {type(result).__name__}."
            )
        mean_ref, std_ref = reference_channel_stats(batch)
        x = batch.astype(np.float64) / 255.0
        for got_value, want, label in (
            (result[0], mean_ref, "a média"),
            (result[1], std_ref, "o desvio padrão"),
        ):
            got = as_float_array(got_value, label)
            if got.shape != (3,):
                if got.shape == ():
                    detail = (
                        "é um número só: você juntou os três canais. Calcule um valor por "
                        "canal com axis=(0, 1, 2)."
                    )
                elif got.shape == batch.shape[1:]:
                    detail = (
                        "tem um valor por pixel: a conta foi só sobre o eixo das imagens "
                        "(axis=0). Inclua altura e largura: axis=(0, 1, 2)."
                    )
                elif got.shape == (len(batch),) or got.shape == (len(batch), 3):
                    detail = (
                        "tem valores por imagem: inclua também o eixo das imagens, "
                        "axis=(0, 1, 2)."
                    )
                else:
                    detail = "o esperado é um valor por canal (R, G, B): axis=(0, 1, 2)."
                raise WrongAnswer(
                    f"{label} tem formato {got.shape}, mas o esperado é (3,): {detail}"
                )
            if label == "o desvio padrão" and np.allclose(
                got, x.std(axis=(0, 1, 2), ddof=1), atol=1e-4
            ):
                continue  # the sample standard deviation (ddof=1) is fine too
            if np.allclose(got, 255.0 * want, rtol=1e-3):
                raise WrongAnswer(
                    f"{label} está na escala 0–255. Divida as imagens por 255 antes (é a escala "
                    "que a rede vê)."
                )
            if any(np.allclose(got, stat, rtol=1e-3) for stat in _batch_scaled_stats(batch, label)):
                raise WrongAnswer(
                    f"{label} foi calculado(a) com as imagens divididas pelo maior valor (ou "
                    "esticadas entre o menor e o maior) deste lote. Divida sempre por 255, a "
                    "escala fixa dos pixels: assim todo lote, e o teste, usa a mesma conta."
                )
            if label == "a média" and np.allclose(got, std_ref, rtol=1e-3):
                raise WrongAnswer("a ordem está trocada: devolva (média, desvio_padrão).")
            if label == "o desvio padrão" and np.allclose(got, std_ref**2, rtol=1e-3):
                raise WrongAnswer(
                    "o segundo valor é a variância; o desvio padrão é a raiz dela (np.std)."
                )
            if label == "o desvio padrão" and np.allclose(
                got, x.std(axis=(1, 2)).mean(axis=0), rtol=1e-3
            ):
                raise WrongAnswer(
                    "o desvio padrão foi calculado imagem por imagem e depois tirada a média; "
                    "assim some a variação ENTRE imagens. Calcule sobre todos os pixels de "
                    "todas as imagens de uma vez: axis=(0, 1, 2)."
                )
            if np.allclose(got, want[::-1], rtol=1e-3):
                raise WrongAnswer(
                    f"{label} está com os canais na ordem invertida (B, G, R); a ordem é R, G, B."
                )
            assert_array(got, want, name=label, atol=1e-4)
    return None


ex1 = Exercise(
    key="08/ex1",
    checker=_check_channel_stats,
    hint=[
        (
            "Leve as imagens para a escala [0, 1] e faça as contas de modo que sobre um valor "
            "por canal: sobre quais eixos a média e o desvio padrão devem correr?"
        ),
        (
            "Quantos valores do canal vermelho há num lote de N imagens 32×32? A média e o "
            "desvio padrão do canal usam todos eles juntos: a diferença entre uma imagem clara "
            "e uma escura também faz parte do espalhamento que você quer medir."
        ),
    ],
)


# ---- ex2: the tf.data pipeline -----------------------------------------------------------

EX2_SIZE = 2003
"""Examples in the arrays ex2 feeds to the pipeline: more than a fixed ``shuffle(1000)``
buffer, so a buffer smaller than the data shows (with 50 examples it could not)."""

EX2_MAX_PIXEL = 249
"""The largest pixel of ex2's images: below 255, so dividing by the data's maximum shows."""

_INDEX_BASE = EX2_MAX_PIXEL + 1


def _ex2_arrays() -> tuple[np.ndarray, np.ndarray]:
    """Random images whose pixels [0, 0, 0:2] write their index in base 250, random labels."""
    rng = np.random.default_rng(11)
    x = rng.integers(0, EX2_MAX_PIXEL + 1, size=(EX2_SIZE, 32, 32, 3), dtype=np.uint8)
    index = np.arange(EX2_SIZE)
    x[:, 0, 0, 0], x[:, 0, 0, 1] = index // _INDEX_BASE, index % _INDEX_BASE
    y = rng.integers(0, 10, size=EX2_SIZE).astype(np.uint8)
    return x, y


def _stages(dataset: Any) -> list[str] | None:
    """Class names of the dataset and of its inputs, outermost first; None if unknown.

    Uses ``Dataset._inputs()``, a private method; if it is gone the structural checks are
    skipped and only the behaviour is checked.
    """
    names = []
    try:
        while dataset is not None:
            names.append(type(dataset).__name__.lower())
            inputs = dataset._inputs()
            dataset = inputs[0] if inputs else None
    except Exception:  # noqa: BLE001 - private API: never fail the student because of it
        return None
    return names


def _epoch(dataset: Any, x: np.ndarray, y: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Iterate once: the index of each example, by batch, after checking values and pairs."""
    batches = []
    for element in dataset:
        if not isinstance(element, (tuple, list)) or len(element) != 2:
            raise WrongAnswer(
                "cada elemento do dataset deveria ser um par (imagens, rótulos)."
            )
        images, labels = (np.asarray(t) for t in element)
        if images.size and images.max() > 1.0 + 1e-6:
            raise WrongAnswer(
                f"os pixels vão até {fmt.num(float(images.max()))}: falta dividir por 255 para ficar em [0, 1]."
            )
        if images.size and images.max() > EX2_MAX_PIXEL / 255.0 + 1e-6:
            raise WrongAnswer(
                f"os pixels chegam a {fmt.num(float(images.max()), 4)}, mas o maior pixel destas "
                f"imagens é {EX2_MAX_PIXEL}, que dividido por 255 dá "
                f"{fmt.num(EX2_MAX_PIXEL / 255, 4)}: divida por 255, a escala fixa dos pixels, "
                "e não pelo maior valor dos dados."
            )
        digits = np.rint(images[:, 0, 0, :2] * 255.0).astype(int)
        index = digits[:, 0] * _INDEX_BASE + digits[:, 1]
        if index.min() < 0 or index.max() >= len(x):
            raise WrongAnswer("as imagens que saem do dataset não são as que entraram.")
        if not np.allclose(images, x[index] / 255.0, atol=1e-6):
            raise WrongAnswer(
                "os pixels que saem do dataset não são imagem / 255: confira a conversão "
                "tf.cast(imagem, tf.float32) / 255.0."
            )
        if not np.array_equal(labels.reshape(-1), y[index]):
            raise WrongAnswer(
                "os rótulos não acompanham as suas imagens: embaralhe os pares juntos "
                "(um único Dataset.from_tensor_slices((x, y)))."
            )
        batches.append(index)
    if not batches:
        raise WrongAnswer("o dataset está vazio.")
    order = np.concatenate(batches)
    if len(order) < len(x):
        raise WrongAnswer(
            f"uma época entregou {len(order)} exemplos de {len(x)}: imagens se perderam "
            "(drop_remainder=True? take?)."
        )
    if len(order) > len(x) or len(set(order.tolist())) != len(x):
        raise WrongAnswer(
            f"uma época entregou {len(order)} exemplos, com repetições; cada exemplo deveria "
            f"aparecer uma única vez (sem repeat)."
        )
    return batches, order


def _runs(sizes: list[int]) -> str:
    """Batch sizes in words, run by run: ``"125 lotes de 16 e 1 lote de 3"``."""
    runs: list[list[int]] = []
    for size in sizes:
        if runs and runs[-1][0] == size:
            runs[-1][1] += 1
        else:
            runs.append([size, 1])
    words = [f"{count} {'lote' if count == 1 else 'lotes'} de {size}" for size, count in runs]
    return ", ".join(words[:-1]) + " e " + words[-1] if len(words) > 1 else words[0]


def _check_pipeline(build_pipeline: Any) -> None:
    """ex2: element_spec, values, pairs, batch sizes, shuffling (and reshuffling) on request."""
    import tensorflow as tf

    x, y = _ex2_arrays()
    batch_size = 16
    dataset = call_student(build_pipeline, x.copy(), y.copy(), batch_size=batch_size,
                           shuffle=False, seed=0)
    if not isinstance(dataset, tf.data.Dataset):
        raise WrongAnswer(
            f"sua função deveria devolver um tf.data.Dataset, mas devolveu "
            f"{type(dataset).__name__}."
        )
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) != 2:
        raise WrongAnswer(
            f"cada elemento deveria ser um par (imagens, rótulos), mas o element_spec é {spec}."
        )
    image_spec, label_spec = spec
    shape = tuple(image_spec.shape)
    if len(shape) == 3:
        raise WrongAnswer(
            f"o element_spec das imagens é {shape}: uma imagem por vez. Falta agrupar em "
            "lotes com .batch(batch_size)."
        )
    if len(shape) != 4 or shape[1:] != (32, 32, 3):
        raise WrongAnswer(
            f"o element_spec das imagens é {shape}, mas o esperado é (None, 32, 32, 3)."
        )
    if shape[0] is not None:
        raise WrongAnswer(
            f"o element_spec das imagens é {shape}: o tamanho do lote é fixo, então o último "
            "lote incompleto foi descartado (drop_remainder=True). Use só .batch(batch_size)."
        )
    if image_spec.dtype != tf.float32:
        raise WrongAnswer(
            f"as imagens saem como {image_spec.dtype.name}, mas o esperado é float32: "
            "tf.cast(imagem, tf.float32) / 255.0."
        )
    if tuple(label_spec.shape) != (None,):
        raise WrongAnswer(
            f"os rótulos têm element_spec {tuple(label_spec.shape)}, mas o esperado é (None,): "
            "um rótulo inteiro por imagem do lote."
        )
    batches, order = _epoch(dataset, x, y)
    sizes = [len(b) for b in batches]
    want_sizes = [batch_size] * (len(x) // batch_size) + [len(x) % batch_size]
    if sizes != want_sizes:
        raise WrongAnswer(
            f"com batch_size={batch_size} e {fmt.num(len(x))} exemplos deveriam sair "
            f"{_runs(want_sizes)}, mas saíram {_runs(sizes)}."
        )
    if not np.array_equal(order, np.arange(len(x))):
        raise WrongAnswer(
            "com shuffle=False a ordem deveria ser a original (a validação e o teste não "
            "precisam de embaralhamento), mas saiu embaralhada."
        )

    shuffled = call_student(build_pipeline, x.copy(), y.copy(), batch_size=batch_size,
                            shuffle=True, seed=1)
    if not isinstance(shuffled, tf.data.Dataset):
        raise WrongAnswer("com shuffle=True sua função não devolveu um tf.data.Dataset.")
    first_batches, first = _epoch(shuffled, x, y)
    second_batches, second = _epoch(shuffled, x, y)
    if np.array_equal(first, np.arange(len(x))):
        raise WrongAnswer("com shuffle=True a ordem continuou a original: faltou o .shuffle.")
    if all(np.array_equal(np.sort(b), np.arange(b.min(), b.max() + 1)) for b in first_batches):
        raise WrongAnswer(
            "cada lote tem exemplos vizinhos: você embaralhou lotes inteiros. O .shuffle "
            "vem ANTES do .batch, para embaralhar os exemplos."
        )
    if np.array_equal(first, second):
        raise WrongAnswer(
            "as duas épocas saíram na mesma ordem. O .cache() deve vir antes do .shuffle "
            "(depois dele, a primeira ordem fica congelada), e o shuffle precisa reembaralhar "
            "a cada época (reshuffle_each_iteration=True, o padrão)."
        )
    window = len(x) - len(x) // 4
    if first_batches[0].max() < window and second_batches[0].max() < window:
        raise WrongAnswer(
            "os primeiros lotes só têm exemplos do começo do conjunto: o buffer do shuffle é "
            "pequeno demais. Use um buffer do tamanho dos dados: .shuffle(len(x))."
        )
    stages = _stages(shuffled)
    if stages is not None:
        if "prefetch" not in stages[0]:
            raise WrongAnswer(
                "o último passo deveria ser .prefetch(tf.data.AUTOTUNE), para preparar o "
                "próximo lote enquanto o modelo treina com o atual."
            )
        if not any("cache" in name for name in stages):
            raise WrongAnswer(
                "falta o .cache() (depois da conversão, antes do shuffle): sem ele a "
                "conversão é refeita em toda época."
            )
    return None


ex2 = Exercise(
    key="08/ex2",
    checker=_check_pipeline,
    hint=[
        (
            "Siga os seis passos da lista acima, na ordem: criar o dataset com os pares, "
            "converter, guardar em cache, embaralhar (só quando pedido), agrupar em lotes e "
            "fazer o prefetch."
        ),
        (
            "A ordem dos passos é o que importa: se o embaralhamento viesse depois de os "
            "exemplos estarem agrupados, o que ele embaralharia, imagens ou lotes inteiros? E "
            "se viesse antes do passo que guarda o resultado na memória, que ordem ficaria "
            "gravada para todas as épocas?"
        ),
    ],
)


# ---- ex3: accuracy of each class ---------------------------------------------------------


def _ex3_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """(y_true, y_pred) pairs with every class present and unequal class sizes."""
    rng = np.random.default_rng(3)
    cases = []
    for n_classes, n in ((10, 400), (4, 60)):
        y_true = np.concatenate([np.arange(n_classes), rng.integers(0, n_classes, n)])
        y_true = np.concatenate([y_true, np.zeros(n // 4, dtype=y_true.dtype)])  # unbalanced
        right = rng.random(len(y_true)) < 0.6
        y_pred = np.where(right, y_true, rng.integers(0, n_classes, len(y_true)))
        cases.append((y_true, y_pred))
    return cases


def _check_per_class_accuracy(per_class_accuracy: Any) -> None:
    """ex3: cm.diagonal() / cm.sum(axis=1), the recall of each class."""
    from sklearn.metrics import confusion_matrix, precision_score, recall_score

    for y_true, y_pred in _ex3_cases():
        n_classes = int(y_true.max()) + 1
        cm = confusion_matrix(y_true, y_pred, labels=range(n_classes))
        given = cm.copy()
        result = call_student(per_class_accuracy, given)
        if not np.array_equal(given, cm):
            raise WrongAnswer("sua função alterou a matriz que recebeu; trabalhe numa cópia.")
        got = as_float_array(result, "o que sua função devolveu")
        want = recall_score(y_true, y_pred, average=None, labels=range(n_classes))
        if got.shape != want.shape:
            if got.shape == ():
                detail = (
                    "é um número só (a acurácia geral?); o esperado é um valor por classe."
                )
            elif got.shape in ((n_classes, 1), (1, n_classes)):
                detail = "sobrou um eixo de tamanho 1: devolva um vetor simples (sem keepdims)."
            else:
                detail = "o esperado é um valor por classe, na ordem das linhas."
            raise WrongAnswer(
                f"para uma matriz {cm.shape} o esperado é formato {want.shape}, mas sua função "
                f"devolveu {got.shape}: {detail}"
            )
        if np.allclose(got, want, atol=1e-6):
            continue
        if np.allclose(got, np.diag(cm)):
            raise WrongAnswer(
                "isso é o número de acertos de cada classe; divida pelo total de exemplos "
                "da classe (a soma da linha)."
            )
        if np.allclose(got, 100 * want, atol=1e-4):
            raise WrongAnswer("os valores estão em porcentagem; devolva frações entre 0 e 1.")
        precision = precision_score(y_true, y_pred, average=None, labels=range(n_classes),
                                    zero_division=0)
        if np.allclose(got, precision, atol=1e-6):
            raise WrongAnswer(
                "você dividiu pela soma das COLUNAS (as previsões de cada classe): isso é a "
                "precisão. A acurácia da classe divide pela soma da LINHA, os exemplos que "
                "de fato são dessa classe: cm.sum(axis=1)."
            )
        if np.allclose(got, np.diag(cm) / cm.sum(), atol=1e-6):
            raise WrongAnswer(
                "você dividiu pelo total da matriz; divida cada acerto pelo total da sua "
                "linha (os exemplos daquela classe)."
            )
        assert_array(got, want, name="a acurácia por classe", atol=1e-6)
    return None


ex3 = Exercise(
    key="08/ex3",
    checker=_check_per_class_accuracy,
    hint=[
        (
            "Cada linha da matriz reúne as imagens de uma classe verdadeira; os acertos dessa "
            "classe estão na diagonal."
        ),
        (
            "Pense numa classe só, 'gato': quantas imagens de gato havia ao todo, contando as "
            "que a rede acertou e as que ela chamou de outra coisa? Onde estão todas elas na "
            "matriz?"
        ),
    ],
)


# ---- ex4: two 3×3 convolutions vs one 5×5 -------------------------------------------------


def measured_receptive_field(kernel_sizes: tuple[int, ...], size: int = 15) -> int:
    """Side of the input window that one output pixel of stacked convolutions depends on.

    The convolutions (stride 1, "valid", one channel, all weights 1, no bias) are stacked in a
    Keras model and TensorFlow's gradient of the centre output pixel with respect to the input
    says which input pixels it depends on.
    """
    import keras
    import tensorflow as tf

    inputs = keras.Input(shape=(size, size, 1))
    h = inputs
    for k in kernel_sizes:
        h = keras.layers.Conv2D(1, k, use_bias=False, kernel_initializer="ones")(h)
    model = keras.Model(inputs, h)
    image = tf.random.uniform((1, size, size, 1))
    with tf.GradientTape() as tape:
        tape.watch(image)
        out = model(image)
        centre = out.shape[1] // 2
        pixel = out[0, centre, centre, 0]
    grad = tape.gradient(pixel, image).numpy()[0, :, :, 0]
    rows = np.flatnonzero(np.abs(grad).sum(axis=1) > 0)
    return int(rows[-1] - rows[0] + 1)


def reference_stack_params(channels: int = STACK_CHANNELS) -> tuple[int, int]:
    """Parameters of two 3×3 convolutions and of one 5×5 (``channels`` in and out, biases)."""
    import keras

    inputs = keras.Input(shape=(32, 32, channels))
    conv3a = keras.layers.Conv2D(channels, 3, padding="same")
    conv3b = keras.layers.Conv2D(channels, 3, padding="same")
    conv5 = keras.layers.Conv2D(channels, 5, padding="same")
    conv3b(conv3a(inputs))
    conv5(inputs)
    return conv3a.count_params() + conv3b.count_params(), conv5.count_params()


def _check_stack(answer: Any) -> None:
    """ex4: (receptive field of two 3×3, params of two 3×3, params of one 5×5)."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        raise WrongAnswer(
            "a resposta deveria ser (rf_two_3x3, params_two_3x3, params_one_5x5), três números."
        )
    rf = as_int(answer[0], "rf_two_3x3")
    p3 = as_int(answer[1], "params_two_3x3")
    p5 = as_int(answer[2], "params_one_5x5")
    c = STACK_CHANNELS
    want_rf = measured_receptive_field((3, 3))
    want_p3, want_p5 = reference_stack_params(c)
    if rf != want_rf:
        if rf == 6:
            detail = "as janelas se sobrepõem: a segunda camada anda 1 pixel, não 3 (3 + 3 − 1)."
        elif rf == 9:
            detail = "9 é o número de pixels de UMA janela 3×3, não o lado do campo."
        elif rf == 3:
            detail = "3 é o campo de uma camada; a segunda olha 3×3 saídas da primeira."
        else:
            detail = "cada camada 3×3 (passo 1) aumenta o lado do campo em 2 pixels."
        raise WrongAnswer(f"rf_two_3x3 = {rf}, mas o lado do campo receptivo é outro: {detail}")
    for got, want, name, k, layers in ((p3, want_p3, "params_two_3x3", 3, 2),
                                       (p5, want_p5, "params_one_5x5", 5, 1)):
        if got == want:
            continue
        if got == layers * k * k * c * c:
            detail = "faltam os vieses, um por filtro em cada camada."
        elif got == want // 2 and layers == 2:
            detail = "essa é uma camada só; são duas convoluções 3×3."
        elif got == layers * (k * k * c + 1):
            detail = f"isso é um filtro só; cada camada tem {c} filtros."
        elif got == layers * (k * k + 1) * c:
            detail = f"cada filtro cobre TODOS os {c} canais da entrada: k × k × {c} pesos."
        else:
            detail = "uma camada k×k com C canais na entrada e C filtros tem (k·k·C + 1)·C."
        raise WrongAnswer(f"{name} = {got}, mas não é o número de parâmetros: {detail}")
    return None


ex4 = Exercise(
    key="08/ex4",
    checker=_check_stack,
    hint=[
        (
            "Desenhe uma linha de pixels: cada pixel da segunda camada vê 3 vizinhos da "
            "primeira, e cada um deles vê 3 da imagem, com sobreposição. Para os parâmetros, "
            "conte os pesos e o viés de cada filtro."
        ),
        (
            "Um filtro de uma convolução olha só um canal da entrada ou todos os "
            "STACK_CHANNELS de uma vez? Responda isso e conte os pesos de um filtro; o resto é "
            "saber quantos filtros cada camada tem."
        ),
    ],
)
