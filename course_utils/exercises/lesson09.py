"""Exercises of lesson 09, "Aumento de dados".

* ``ex1``: which transformations of :data:`TRANSFORMATIONS` preserve the label in CIFAR-10
  and in MNIST, as a dict ``{"cifar10": set, "mnist": set}``; every wrong choice comes with
  the reason it is wrong (:data:`REASONS`);
* ``ex2``: ``translation_factor(max_pixels, size)``, the ``RandomTranslation`` factor that
  moves an image of ``size`` pixels by at most ``max_pixels``; checked on several sizes and
  measured on ``keras.layers.RandomTranslation`` itself;
* ``ex3``: ``make_augmentation(seed)``, an augmentation pipeline for CIFAR-10 (a Keras layer
  such as a ``keras.Sequential``, or a function ``f(images, training)``): float32, same shape,
  values in [0, 1], random in training, reproducible for a seed, identity at inference and
  never upside down;
* ``ex4``: ``overfitting_gap(history)``, the last training accuracy minus the last
  validation accuracy of a ``History.history`` dict.

Function answers are called on inputs made here, so they cannot depend on the notebook's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from course_utils import fmt
from course_utils.checks import (
    Exercise,
    NotDone,
    WrongAnswer,
    as_number,
    call_student,
    is_placeholder,
)

# ---- ex1: which transformations preserve the label ------------------------------------

TRANSFORMATIONS: dict[str, str] = {
    "espelhar_horizontal": "espelhar da esquerda para a direita (RandomFlip('horizontal'))",
    "espelhar_vertical": "espelhar de cima para baixo (RandomFlip('vertical'))",
    "girar_180": "girar meia volta, deixando de ponta-cabeça",
    "girar_15_graus": "girar até 15° para um lado ou para o outro (RandomRotation)",
    "deslocar_3_pixels": "deslocar até 3 pixels na vertical e na horizontal (RandomTranslation)",
    "zoom_10": "aproximar ou afastar até 10 % (RandomZoom)",
    "contraste_20": "aumentar ou reduzir o contraste até 20 % (RandomContrast)",
}
"""Names a student may choose from in ex1, with a description in Portuguese."""

DATASETS_EX1 = ("cifar10", "mnist")
"""The datasets ex1 asks about, in this order."""

REASONS: dict[str, dict[str, tuple[bool, str]]] = {
    "cifar10": {
        "espelhar_horizontal": (
            True,
            "um carro, um gato ou um navio espelhado da esquerda para a direita continua sendo "
            "uma foto realista da mesma classe: o mundo não tem um lado preferido.",
        ),
        "espelhar_vertical": (
            False,
            "um navio, um caminhão ou um gato de ponta-cabeça não é uma foto que o CIFAR-10 "
            "contém (o céu fica embaixo, as rodas em cima); a rede gastaria esforço aprendendo "
            "imagens que nunca vai ver.",
        ),
        "girar_180": (
            False,
            "meia volta deixa a foto de ponta-cabeça, como o espelho vertical: céu embaixo, "
            "rodas em cima. Não é uma imagem realista do CIFAR-10.",
        ),
        "girar_15_graus": (
            True,
            "fotos tiradas com a câmera um pouco inclinada são comuns; um gato girado 15° "
            "continua um gato.",
        ),
        "deslocar_3_pixels": (
            True,
            "o objeto não precisa estar exatamente no centro; 3 de 32 pixels não tiram o objeto "
            "da foto.",
        ),
        "zoom_10": (
            True,
            "o mesmo objeto fotografado um pouco mais perto ou mais longe continua da mesma "
            "classe.",
        ),
        "contraste_20": (
            True,
            "luz mais forte ou mais fraca muda o contraste da foto, não o que ela mostra.",
        ),
    },
    "mnist": {
        "espelhar_horizontal": (
            False,
            "um 3, um 7 ou um 2 espelhados não são dígitos que alguém escreve; alguns dígitos "
            "nem continuam sendo dígitos.",
        ),
        "espelhar_vertical": (
            False,
            "espelhar de cima para baixo transforma um 6 em algo que parece um 9 e um 7 em algo "
            "que não é dígito: o rótulo deixa de valer.",
        ),
        "girar_180": (
            False,
            "um 6 de ponta-cabeça vira um 9 (e um 9 vira um 6): a imagem continua um dígito, "
            "mas com o rótulo errado.",
        ),
        "girar_15_graus": (
            True,
            "cada pessoa escreve com uma inclinação; 15° não transformam um dígito em outro.",
        ),
        "deslocar_3_pixels": (
            True,
            "um dígito um pouco fora do centro continua o mesmo dígito.",
        ),
        "zoom_10": (
            True,
            "um dígito um pouco maior ou menor continua o mesmo dígito.",
        ),
        "contraste_20": (
            True,
            "tinta mais forte ou mais fraca não muda qual dígito foi escrito.",
        ),
    },
}
"""For each dataset and transformation: (preserves the label?, why)."""


def reference_label_preserving() -> dict[str, set[str]]:
    """The answer of ex1, derived from :data:`REASONS`."""
    return {
        name: {t for t, (keeps, _) in reasons.items() if keeps}
        for name, reasons in REASONS.items()
    }


def _as_name_set(value: Any, dataset: str) -> set[str]:
    """A set/list/tuple of transformation names, or a WrongAnswer saying what it is."""
    if isinstance(value, str):
        raise WrongAnswer(
            f"a escolha de {dataset!r} é uma única string ({value!r}); use um conjunto de "
            "nomes, por exemplo {'espelhar_horizontal', 'zoom_10'}."
        )
    if not isinstance(value, (set, frozenset, list, tuple)):
        raise WrongAnswer(
            f"a escolha de {dataset!r} deveria ser um conjunto (set) de nomes, mas é "
            f"{type(value).__name__}."
        )
    names = set()
    for item in value:
        if not isinstance(item, str):
            raise WrongAnswer(
                f"a escolha de {dataset!r} contém {item!r}, que não é um nome; use as "
                "strings de TRANSFORMATIONS."
            )
        if item not in TRANSFORMATIONS:
            known = ", ".join(TRANSFORMATIONS)
            raise WrongAnswer(
                f"{item!r} não é o nome de uma transformação. Os nomes possíveis são: "
                f"{known}."
            )
        names.add(item)
    return names


def _check_label_preserving(answer: Any) -> str:
    """ex1: a dict {"cifar10": set, "mnist": set} equal to the reference; reasons for errors."""
    if not isinstance(answer, Mapping):
        raise WrongAnswer(
            "a resposta deveria ser um dicionário {'cifar10': {...}, 'mnist': {...}}, mas é "
            f"{type(answer).__name__}."
        )
    missing = [name for name in DATASETS_EX1 if name not in answer]
    if missing:
        raise WrongAnswer(
            f"faltam as chaves {missing} no dicionário; ele precisa de uma escolha para cada "
            f"conjunto de dados: {list(DATASETS_EX1)}."
        )
    extra = [name for name in answer if name not in DATASETS_EX1]
    if extra:
        raise WrongAnswer(
            f"o dicionário tem chaves a mais: {extra}; use só {list(DATASETS_EX1)}."
        )
    for dataset in DATASETS_EX1:
        if is_placeholder(answer[dataset]):
            raise NotDone()
    reference = reference_label_preserving()
    problems = []
    for dataset in DATASETS_EX1:
        chosen = _as_name_set(answer[dataset], dataset)
        for name in TRANSFORMATIONS:  # a fixed order: the first problem is always the same
            keeps, why = name in reference[dataset], REASONS[dataset][name][1]
            if name in chosen and not keeps:
                problems.append(f"no {dataset}, {name!r} NÃO preserva o rótulo: {why}")
            elif name not in chosen and keeps:
                problems.append(
                    f"no {dataset}, faltou {name!r}, que preserva o rótulo: {why}"
                )
    if problems:
        more = (
            f" (há mais {len(problems) - 1} escolha(s) a rever depois desta)"
            if len(problems) > 1
            else ""
        )
        raise WrongAnswer(f"{problems[0]}{more}")
    return (
        "no CIFAR-10 vale espelhar na horizontal, mas nada que deixe a foto de ponta-cabeça; "
        "no MNIST, nenhum espelho e nenhuma meia volta."
    )


ex1 = Exercise(
    key="09/ex1",
    checker=_check_label_preserving,
    hint=[
        (
            "Para cada transformação, imagine o resultado numa imagem típica do conjunto e "
            "pergunte: isto ainda é uma imagem realista da MESMA classe?"
        ),
        (
            "Teste cada transformação no caso mais difícil de cada conjunto. No CIFAR-10: as "
            "fotos têm um lado de cima e um de baixo? E um lado esquerdo e um direito? No "
            "MNIST: existe algum par de dígitos que uma transformação grande troque um pelo "
            "outro, ou algum dígito que ela transforme em algo que ninguém escreve?"
        ),
    ],
)


# ---- ex2: the RandomTranslation factor for at most N pixels ----------------------------

EX2_CASES = [(4, 32), (3, 32), (2, 28), (20, 224)]
"""(max_pixels, size) on which ex2 calls the function."""


def reference_translation_factor(max_pixels: int, size: int) -> float:
    """Factor of ``RandomTranslation``: the shift is drawn in [-factor, factor] × size."""
    return max_pixels / size


def measured_max_shift(factor: float, size: int = 32, samples: int = 256, seed: int = 0) -> int:
    """Largest shift, in pixels, that ``RandomTranslation(factor, factor)`` gives in ``samples``.

    An image with a single bright pixel in the centre is translated (nearest interpolation,
    constant fill) and the bright pixel is looked for in each output.
    """
    import keras

    image = np.zeros((size, size, 1), dtype=np.float32)
    centre = size // 2
    image[centre, centre, 0] = 1.0
    layer = keras.layers.RandomTranslation(
        factor, factor, fill_mode="constant", interpolation="nearest", seed=seed
    )
    batch = np.repeat(image[np.newaxis], samples, axis=0)
    out = keras.ops.convert_to_numpy(layer(batch, training=True))[..., 0]
    shifts = []
    for moved in out:
        if moved.max() < 0.5:  # the pixel left the image
            shifts.append(size)
            continue
        row, col = np.unravel_index(np.argmax(moved), moved.shape)
        shifts.append(max(abs(int(row) - centre), abs(int(col) - centre)))
    return int(max(shifts))


def _check_translation_factor(translation_factor: Any) -> None:
    """ex2: max_pixels / size for every case; common slips get their own message."""
    for max_pixels, size in EX2_CASES:
        got = as_number(
            call_student(translation_factor, max_pixels, size),
            f"translation_factor({max_pixels}, {size})",
        )
        want = reference_translation_factor(max_pixels, size)
        if np.isclose(got, want, rtol=1e-6, atol=0):
            continue
        call = f"translation_factor({max_pixels}, {size}) devolveu {fmt.num(got)}"
        if got <= 0:
            raise WrongAnswer(
                f"{call}: o fator deve ser positivo; um fator f já sorteia deslocamentos "
                "para os dois lados, de −f a +f."
            )
        if np.isclose(got, max_pixels):
            raise WrongAnswer(
                f"{call}: isso é o número de pixels. O fator é uma FRAÇÃO da altura (ou da "
                "largura): divida pelo tamanho da imagem."
            )
        if np.isclose(got, 100 * want):
            raise WrongAnswer(
                f"{call}: isso está em porcentagem; o Keras quer a fração (0 a 1)."
            )
        if np.isclose(got, 2 * want):
            raise WrongAnswer(
                f"{call}: o dobro do certo. Um fator f já sorteia deslocamentos de −f a +f "
                "vezes o tamanho; não divida pela metade da imagem."
            )
        if np.isclose(got, want / 2):
            raise WrongAnswer(
                f"{call}: a metade do certo. Um fator f sorteia de −f a +f vezes o tamanho, "
                "então o maior deslocamento para um lado já é f × tamanho."
            )
        if got != 0 and np.isclose(got, size / max_pixels):
            raise WrongAnswer(f"{call}: a divisão está invertida (tamanho / pixels).")
        if got > want:
            measured = measured_max_shift(got, size) if got < 1 else size
            raise WrongAnswer(
                f"{call}: com esse fator o RandomTranslation desloca até {measured} pixels "
                f"numa imagem de {size}, mais que {max_pixels}."
            )
        raise WrongAnswer(
            f"{call}: esse fator desloca menos do que os {max_pixels} pixels permitidos; "
            "use todo o deslocamento permitido."
        )
    return None


ex2 = Exercise(
    key="09/ex2",
    checker=_check_translation_factor,
    hint=[
        (
            "O fator do RandomTranslation é uma fração do tamanho da imagem, não um número de "
            "pixels."
        ),
        (
            "Até quantos pixels um fator 0,25 desloca uma imagem de 32 pixels de lado? Agora "
            "faça a pergunta ao contrário, partindo de max_pixels e size."
        ),
    ],
)


# ---- ex3: an augmentation pipeline for CIFAR-10 -----------------------------------------

EX3_SEEDS = (3, 11)
"""Seeds with which ex3 builds the student's pipeline."""

MAX_ROTATION_DEGREES = 45
"""ex3 rejects a pipeline that turns an image by more than this: sideways is not a photo."""


def _ex3_batch() -> np.ndarray:
    """Float32 batch (16, 32, 32, 3) in [0, 1]: noise, saturated images and a gradient."""
    rng = np.random.default_rng(8)
    batch = rng.random((16, 32, 32, 3)).astype(np.float32)
    batch[0] = 0.0
    batch[1] = 1.0
    batch[2] = np.linspace(0, 1, 32, dtype=np.float32)[:, np.newaxis, np.newaxis]
    batch[3, :, :16] = 1.0  # half white, half black
    batch[3, :, 16:] = 0.0
    return batch


def _gradient_batch(n: int = 64) -> np.ndarray:
    """``n`` copies of an image dark at the top and bright at the bottom."""
    column = np.linspace(0.0, 1.0, 32, dtype=np.float32)[:, np.newaxis, np.newaxis]
    image = np.broadcast_to(column, (32, 32, 3))
    return np.repeat(image[np.newaxis], n, axis=0).copy()


def _ramp_angles(images: np.ndarray) -> np.ndarray:
    """Direction, in degrees, of the brightness ramp in the centre of each image.

    0° is the ramp of :func:`_gradient_batch` (brighter downwards); a rotation by θ turns it
    by θ, while flips left-right, small shifts, zoom and contrast leave it near 0°.
    """
    centre = images[:, 8:24, 8:24].mean(axis=-1)
    down = np.diff(centre, axis=1).mean(axis=(1, 2))
    right = np.diff(centre, axis=2).mean(axis=(1, 2))
    return np.degrees(np.arctan2(right, down))


def _is_keras_layer(obj: Any) -> bool:
    try:
        import keras
    except ImportError:  # pragma: no cover - keras is a dependency of the course
        return False
    return isinstance(obj, keras.layers.Layer)


def _apply(pipeline: Any, images: np.ndarray, training: bool) -> np.ndarray:
    """Call a layer or a function ``f(images, training=...)``; return a NumPy array."""
    import keras

    result = call_student(pipeline, images.copy(), training=training)
    try:
        return np.asarray(keras.ops.convert_to_numpy(result))
    except Exception:  # noqa: BLE001 - a student's odd return value
        raise WrongAnswer(
            f"o pipeline devolveu {type(result).__name__}, não um lote de imagens."
        ) from None


def _build(make_augmentation: Any, seed: int) -> Any:
    pipeline = call_student(make_augmentation, seed)
    if not callable(pipeline):
        raise WrongAnswer(
            f"make_augmentation(seed) devolveu {type(pipeline).__name__}; deveria devolver um "
            "keras.Sequential (ou uma função f(images, training))."
        )
    return pipeline


def _random_layers(layer: Any) -> list[Any]:
    """The Random* preprocessing layers inside a Keras layer (Sequential or single)."""
    import keras

    found = []
    stack = [layer]
    while stack:
        current = stack.pop()
        if isinstance(current, keras.Sequential) or hasattr(current, "layers"):
            stack.extend(getattr(current, "layers", []))
        if type(current).__name__.startswith("Random"):
            found.append(current)
    return found


def _check_augmentation(make_augmentation: Any) -> None:
    """ex3: the contract of an augmentation pipeline for CIFAR-10 images in [0, 1]."""
    batch = _ex3_batch()
    first = _build(make_augmentation, EX3_SEEDS[0])
    if _is_keras_layer(first) and len(_random_layers(first)) < 2:
        raise WrongAnswer(
            "o pipeline tem menos de duas camadas aleatórias (Random...); combine pelo menos "
            "duas transformações, por exemplo um espelho e um deslocamento."
        )
    out = _apply(first, batch, training=True)
    if out.shape != batch.shape:
        raise WrongAnswer(
            f"para um lote de formato {batch.shape} o pipeline devolveu {out.shape}: o aumento "
            "não pode mudar o formato (a rede espera 32×32×3). Evite recortes sem "
            "redimensionar."
        )
    if out.dtype != np.float32:
        raise WrongAnswer(f"o pipeline devolveu dtype {out.dtype}; o esperado é float32.")
    if not np.isfinite(out).all():
        raise WrongAnswer("o pipeline devolveu valores NaN ou infinitos.")
    low, high = float(out.min()), float(out.max())
    if low < -1e-6 or high > 1 + 1e-6:
        contrast = ""
        if _is_keras_layer(first) and any(
            type(layer).__name__ in ("RandomContrast", "RandomBrightness")
            and tuple(getattr(layer, "value_range", (0, 1))) != (0, 1)
            for layer in _random_layers(first)
        ):
            contrast = (
                " O RandomContrast (ou RandomBrightness) só corta os valores dentro de "
                "value_range, que por padrão é (0, 255); passe value_range=(0, 1)."
            )
        raise WrongAnswer(
            f"depois do aumento os valores vão de {fmt.num(low, 3)} a {fmt.num(high, 3)}, fora de [0, 1]."
            f"{contrast}"
        )
    again = _apply(first, batch, training=True)
    if np.allclose(out, again, atol=1e-6):
        raise WrongAnswer(
            "duas chamadas em modo de treino deram exatamente o mesmo resultado: o aumento "
            "precisa sortear uma transformação nova a cada chamada."
        )
    if np.allclose(out, batch, atol=1e-6):
        raise WrongAnswer("em modo de treino o pipeline devolveu as imagens sem mudança.")
    inference = _apply(first, batch, training=False)
    if inference.shape != batch.shape or not np.allclose(inference, batch, atol=1e-6):
        raise WrongAnswer(
            "com training=False o pipeline mudou as imagens; na inferência (evaluate, "
            "predict) o aumento deve ser a identidade."
        )
    twin = _build(make_augmentation, EX3_SEEDS[0])
    if not np.allclose(_apply(twin, batch, training=True), out, atol=1e-6):
        raise WrongAnswer(
            "dois pipelines criados com a mesma semente deram resultados diferentes na primeira "
            "chamada: passe seed=... (derivada de seed) a cada camada aleatória."
        )
    other = _build(make_augmentation, EX3_SEEDS[1])
    if np.allclose(_apply(other, batch, training=True), out, atol=1e-6):
        raise WrongAnswer(
            f"make_augmentation({EX3_SEEDS[0]}) e make_augmentation({EX3_SEEDS[1]}) deram o "
            "mesmo resultado: a semente recebida não está sendo usada."
        )
    gradient = _gradient_batch()
    moved = _apply(_build(make_augmentation, EX3_SEEDS[0]), gradient, training=True)
    top, bottom = moved[:, :16].mean(axis=(1, 2, 3)), moved[:, 16:].mean(axis=(1, 2, 3))
    upside_down = int(np.sum(top > bottom))
    if upside_down:
        wrap = ""
        if _is_keras_layer(first) and any(
            getattr(layer, "fill_mode", None) == "wrap" for layer in _random_layers(first)
        ):
            wrap = (
                " Com fill_mode='wrap', um deslocamento grande também traz a parte de baixo "
                "para cima: use deslocamentos pequenos ou outro fill_mode."
            )
        raise WrongAnswer(
            f"{upside_down} de {len(gradient)} imagens (escuras em cima, claras embaixo) saíram "
            "de ponta-cabeça. No CIFAR-10 isso não preserva o rótulo: use "
            "RandomFlip('horizontal') (o padrão espelha também na vertical) e rotações "
            f"pequenas.{wrap}"
        )
    sideways = int(np.sum(np.abs(_ramp_angles(moved)) > MAX_ROTATION_DEGREES))
    if sideways:
        raise WrongAnswer(
            f"{sideways} de {len(gradient)} imagens saíram giradas mais de "
            f"{MAX_ROTATION_DEGREES}°, quase deitadas. Uma foto do CIFAR-10 assim não é "
            "realista: use rotações pequenas (RandomRotation(0.05) já vai a 18°; o fator é "
            "uma fração de volta, não graus)."
        )
    return None


ex3 = Exercise(
    key="09/ex3",
    checker=_check_augmentation,
    hint=[
        (
            "Junte num keras.Sequential duas ou mais camadas de aumento da seção anterior que "
            "preservem o rótulo no CIFAR-10, cada uma com a sua semente derivada de seed."
        ),
        (
            "Releia a contagem feita com o espelho sem argumento, mais acima na aula: o que o "
            "modo padrão faz com cerca de metade das imagens? Isso preserva o rótulo no "
            "CIFAR-10?"
        ),
    ],
)


# ---- ex4: the overfitting gap ----------------------------------------------------------


def _ex4_histories() -> list[dict[str, list[float]]]:
    """History dicts on which ex4 calls the function.

    In the first the last epoch is neither the best nor the mean, and training is ahead of
    validation; in the second validation ends above training (a negative gap); the third
    has a single epoch; in the fourth the training accuracy dips at the last epoch (so its
    maximum is not its last value) and the keys come in Keras 3's order, not the one above
    (so reading the values by position fails).
    """
    return [
        {
            "loss": [1.62, 1.21, 0.98, 0.80, 0.66, 0.55],
            "accuracy": [0.41, 0.57, 0.65, 0.72, 0.77, 0.81],
            "val_loss": [1.35, 1.10, 0.97, 0.93, 0.95, 1.01],
            "val_accuracy": [0.52, 0.61, 0.66, 0.69, 0.70, 0.68],
        },
        {
            "loss": [1.90, 1.45, 1.30, 1.21],
            "accuracy": [0.30, 0.47, 0.53, 0.56],
            "val_loss": [1.60, 1.32, 1.22, 1.15],
            "val_accuracy": [0.42, 0.52, 0.57, 0.59],
        },
        {
            "loss": [1.75],
            "accuracy": [0.37],
            "val_loss": [1.48],
            "val_accuracy": [0.46],
        },
        {
            "accuracy": [0.44, 0.58, 0.66, 0.71, 0.69],
            "loss": [1.55, 1.17, 0.95, 0.83, 0.88],
            "val_accuracy": [0.50, 0.60, 0.64, 0.63, 0.62],
            "val_loss": [1.38, 1.12, 1.02, 1.05, 1.08],
        },
    ]


def reference_gap(history: Mapping[str, Any]) -> float:
    """Training accuracy minus validation accuracy at the last epoch."""
    return float(history["accuracy"][-1]) - float(history["val_accuracy"][-1])


def _check_gap(overfitting_gap: Any) -> None:
    """ex4: last accuracy − last val_accuracy, on several histories; slips named."""
    for history in _ex4_histories():
        given = {key: list(values) for key, values in history.items()}
        got = as_number(call_student(overfitting_gap, given), "o vão")
        if given != history:
            raise WrongAnswer("sua função alterou o dicionário history; só leia os valores.")
        want = reference_gap(history)
        if np.isclose(got, want, atol=1e-9):
            continue
        train, val = np.asarray(history["accuracy"]), np.asarray(history["val_accuracy"])
        slips = [
            (
                abs(want),
                "o vão pode ser negativo (validação acima do treino); não use abs.",
            ),
            (-want, "o sinal está trocado: é treino MENOS validação."),
            (
                100 * want,
                "isso está em pontos percentuais; devolva a fração (como as acurácias).",
            ),
            (train.max() - val.max(), "use a ÚLTIMA época ([-1]), não o maior valor."),
            (train.max() - val[-1], "use a ÚLTIMA época ([-1]), não o maior valor."),
            (train[-1] - val.max(), "use a ÚLTIMA época ([-1]), não o maior valor."),
            (train[0] - val[0], "essa é a primeira época; use a última ([-1])."),
            (train.mean() - val.mean(), "essa é a média das épocas; use a última ([-1])."),
            (
                float(history["val_loss"][-1]) - float(history["loss"][-1]),
                "isso é a diferença das PERDAS; o vão pedido é o das acurácias.",
            ),
            (
                float(history["loss"][-1]) - float(history["val_loss"][-1]),
                "isso é a diferença das PERDAS; o vão pedido é o das acurácias.",
            ),
        ]
        for value, message in slips:
            if np.isclose(got, value, atol=1e-9):
                raise WrongAnswer(f"sua função devolveu {fmt.num(got, 4)}: {message}")
        raise WrongAnswer(
            f"para um histórico de {len(train)} época(s) sua função devolveu {fmt.num(got, 4)}, mas "
            f"o esperado é {fmt.num(want, 4)} (acurácia de treino menos a de validação, na última "
            "época)."
        )
    return None


ex4 = Exercise(
    key="09/ex4",
    checker=_check_gap,
    hint=[
        (
            "history guarda uma lista por métrica, com um valor por época; o vão usa só a "
            "última época."
        ),
        (
            "Como você pega o último elemento de uma lista em Python sem saber quantas épocas "
            "o treino teve?"
        ),
    ],
)
