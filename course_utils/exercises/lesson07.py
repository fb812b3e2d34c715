"""Exercises of lesson 07, "Desafio Fashion-MNIST", and the lesson's shared constants.

* ``ex1``: the student id: the submission's folder name and the seed of every training
  run (:func:`course_utils.lessons.student_seed`);
* ``ex2``: a stratified train/validation split of the Fashion-MNIST training set, given as
  ``(x_tr, x_val, y_tr, y_val)`` (the order of ``train_test_split``);
* ``ex3``: the list of experiment configurations (dicts with ``epochs``, ``batch_size``,
  ``filters``, ``activation``): at least 4, each hyperparameter taking 2 values or more,
  checked before any training (and with :func:`course_utils.challenge.validate_experiments`);
* ``ex4``: a function that picks the best run (the index label with the highest
  ``val_accuracy``) of an experiments table;
* ``ex5``: a function that gives a 95 % percentile bootstrap interval of the test accuracy
  from the per-image hits (:func:`bootstrap_interval` is the notebook's reference).

The references are computed in code: the split from
:func:`course_utils.datasets.load_fashion_mnist` and ``train_test_split`` with the course's
``SEED``, the bootstrap interval from the binomial distribution it converges to.
:data:`FINAL_CONFIG`, :data:`FINAL_ARCHITECTURE` and :func:`cosine_adam` are the lesson's bigger
model (section "Para subir de faixa"), also trained by ``benchmarks/train_fashion.py``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import numpy as np

from course_utils import challenge, datasets, fmt, lessons
from course_utils.checks import Exercise, WrongAnswer, as_float_array, as_list, call_student

VAL_FRACTION = 1 / 6
"""Share of the training set kept for validation (10,000 of the 60,000 images)."""

FINAL_CONFIG = {"epochs": 15, "batch_size": 64, "filters": (32, 64), "activation": "relu"}
"""The hyperparameters of the lesson's bigger model (full mode), as the benchmark trains it."""

FINAL_ARCHITECTURE = {
    "padding": "same",
    "convs_per_block": 2,
    "dense_units": 128,
    "block_dropout": 0.25,
}
"""How the lesson's bigger model grows ``build_mnist_cnn`` with what lessons 02-07 teach: two
"same" convolutions per block (lessons 02-03), a hidden Dense(128), dropout after each pooling
(lesson 06). It is trained with :func:`cosine_adam` (lesson 07). No batch normalization: that
is lesson 10."""

MEASURED = {
    "seeds": (42, 1609920271),
    "test_accuracy": (0.9324, 0.9316),
    "eval_accuracy": (0.9338, 0.9298),
    "train_minutes": (17.4, 20.8),
}
"""What ``benchmarks/train_fashion.py`` measured for the bigger model in full mode, on the
complete Fashion-MNIST with 2 shared CPU cores and no GPU (docs/results.md, 2026-12-05): one
value per seed (the course's and ``student_seed("gabarito")``); ``eval_accuracy`` on a set
made like the grader's. ``tests/test_rubric.py`` keeps the rubric's top tier below it."""

HYPERPARAMETERS = challenge.HYPERPARAMETERS


def cosine_schedule(epochs: int, steps_per_epoch: int, learning_rate: float = 1e-3) -> Any:
    """A learning rate that falls from ``learning_rate`` to 0 along half a cosine period.

    Keras' ``CosineDecay`` over ``epochs * steps_per_epoch`` training steps; call it with a
    step number to read the rate at that step (lesson 07 draws it).
    """
    import keras

    if epochs < 1 or steps_per_epoch < 1:
        raise ValueError(
            f"epochs e steps_per_epoch devem ser pelo menos 1, recebi {epochs!r}, "
            f"{steps_per_epoch!r}"
        )
    return keras.optimizers.schedules.CosineDecay(learning_rate, epochs * steps_per_epoch)


def cosine_adam(epochs: int, steps_per_epoch: int, learning_rate: float = 1e-3) -> Any:
    """Adam whose learning rate follows :func:`cosine_schedule` over the run.

    Big steps early, small steps at the end: the last epochs settle into a minimum instead
    of jumping around it, so the accuracy of the last epoch stops swinging from epoch to epoch.
    """
    import keras

    schedule = cosine_schedule(epochs, steps_per_epoch, learning_rate)
    return keras.optimizers.Adam(learning_rate=schedule)


def best_run(table: Any) -> Any:
    """Index label of the run with the highest ``val_accuracy`` (the first one on a tie)."""
    return table["val_accuracy"].idxmax()


def _class_name(label: int) -> str:
    return datasets.FASHION_CLASSES[int(label)]


# ---- ex1: the student id --------------------------------------------------------------


def _check_student_id(answer: Any) -> str:
    """ex1: a non-empty ASCII id that is a safe folder name."""
    if not isinstance(answer, str):
        raise WrongAnswer(
            f"student_id deveria ser um texto entre aspas, como 'maria.silva', mas é "
            f"{type(answer).__name__}."
        )
    try:
        challenge.validate_student_id(answer)
    except ValueError:
        bad = sorted({c for c in answer if not (c.isascii() and (c.isalnum() or c in "._-"))})
        if not answer:
            problem = "está vazio"
        elif bad:
            problem = f"tem caracteres não permitidos: {' '.join(repr(c) for c in bad)}"
        elif set(answer) == {"."}:
            problem = "só tem pontos"
        else:
            problem = f"é longo demais ({len(answer)} caracteres; o máximo é 64)"
        raise WrongAnswer(
            f"student_id {problem}. Use só letras sem acento, dígitos, '.', '_' e '-' "
            "(ele vira o nome de uma pasta na correção)."
        ) from None
    return f"sua entrega vai se chamar {answer!r}."


ex1 = Exercise(
    key="07/ex1",
    checker=_check_student_id,
    hint=[
        (
            "A identificação vira o nome de uma pasta na correção e a semente dos seus "
            "treinos: só letras sem acento, dígitos, ponto, sublinhado e hífen."
        ),
        (
            "Que texto identifica só você, sem espaços nem acentos? A matrícula serve; um nome "
            "também, escrito como maria.silva."
        ),
    ],
)


# ---- ex2: stratified split -------------------------------------------------------------


def _array(value: Any, name: str) -> np.ndarray:
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    if not isinstance(value, (np.ndarray, list, tuple)):
        raise WrongAnswer(f"{name} deveria ser um array NumPy, mas é {type(value).__name__}.")
    return np.asarray(value)


def _pixels(images: np.ndarray, name: str) -> np.ndarray:
    """Images as uint8 rows of 784 pixels, undoing a division by 255 if there was one."""
    rows = images.reshape(len(images), -1)
    if rows.shape[1] != 28 * 28:
        raise WrongAnswer(
            f"{name} tem formato {images.shape}: cada imagem deveria ter 28×28 pixels."
        )
    if np.issubdtype(rows.dtype, np.floating):
        scale = 255.0 if rows.size and rows.max() <= 1.0 else 1.0
        rows = np.rint(rows * scale)
    return rows.astype(np.uint8)


def _check_split(answer: Any) -> None:
    """ex2: a stratified split of the training set with VAL_FRACTION for validation."""
    order = "(x_tr, x_val, y_tr, y_val), a ordem em que train_test_split devolve"
    if not isinstance(answer, (tuple, list)) or len(answer) != 4:
        raise WrongAnswer(f"passe as quatro partes numa tupla: {order}.")
    x_tr, x_val, y_tr, y_val = (
        _array(part, name) for part, name in zip(answer, ("x_tr", "x_val", "y_tr", "y_val"))
    )
    if x_tr.ndim < 2 or x_val.ndim < 2 or y_tr.ndim != 1 or y_val.ndim != 1:
        shapes = ", ".join(str(part.shape) for part in (x_tr, x_val, y_tr, y_val))
        raise WrongAnswer(
            f"as partes têm formatos {shapes}: esperava imagens, imagens, rótulos, rótulos. "
            f"A ordem é {order}."
        )
    if len(x_tr) != len(y_tr) or len(x_val) != len(y_val):
        raise WrongAnswer(
            f"x_tr tem {fmt.num(len(x_tr))} imagens e y_tr {fmt.num(len(y_tr))} rótulos; x_val "
            f"tem {fmt.num(len(x_val))} e y_val {fmt.num(len(y_val))}. Imagens e rótulos de "
            "cada parte devem ter o mesmo tamanho."
        )
    (x_train, y_train), _ = datasets.load_fashion_mnist()
    n = len(y_train)
    ref_tr, ref_val = _requested_split(y_train)
    if len(y_tr) + len(y_val) != n:
        raise WrongAnswer(
            f"as duas partes somam {fmt.num(len(y_tr) + len(y_val))} exemplos, mas o treino "
            f"tem {fmt.num(n)}. Divida x_train e y_train inteiros (o teste fica de fora)."
        )
    if len(y_val) == len(ref_tr) and len(y_tr) == len(ref_val):
        raise WrongAnswer(
            f"treino e validação estão trocados: a validação tem {fmt.num(len(y_val))} "
            f"exemplos e o treino {fmt.num(len(y_tr))}. A ordem é {order}."
        )
    if len(y_val) != len(ref_val):
        raise WrongAnswer(
            f"a validação tem {fmt.num(len(y_val))} exemplos ({fmt.pct(len(y_val) / n)} do "
            f"treino), mas deveria ter {fmt.num(len(ref_val))} ({fmt.pct(VAL_FRACTION)}). "
            "Use test_size=VAL_FRACTION."
        )
    counts = np.bincount(y_tr, minlength=10) + np.bincount(y_val, minlength=10)
    if not np.array_equal(counts, np.bincount(y_train, minlength=10)):
        raise WrongAnswer(
            "os rótulos das duas partes não são os do treino: algum exemplo sumiu ou se "
            "repetiu. Divida x_train e y_train numa única chamada de train_test_split."
        )
    got, want = np.bincount(y_val, minlength=10), np.bincount(y_train[ref_val], minlength=10)
    if np.abs(got - want).max() > 1:
        worst = int(np.argmax(np.abs(got - want)))
        raise WrongAnswer(
            f"a validação não está estratificada: a classe '{_class_name(worst)}' é "
            f"{fmt.pct(got[worst] / len(y_val))} da validação, mas "
            f"{fmt.pct(np.mean(y_train == worst))} do treino. "
            "Passe stratify=y_train para train_test_split."
        )
    parts = [(x_tr, y_tr, "x_tr", "y_tr"), (x_val, y_val, "x_val", "y_val")]
    _check_pairs(x_train, y_train, parts)
    got_images = sorted(row.tobytes() for row in _pixels(x_val, "x_val"))
    want_images = sorted(row.tobytes() for row in _pixels(x_train[ref_val], "x_train"))
    if got_images != want_images:
        raise WrongAnswer(
            "a divisão está estratificada e do tamanho certo, mas a validação não tem as "
            "imagens que random_state=SEED sorteia: com outra semente (ou nenhuma), cada "
            "execução do notebook separa outra validação. Passe random_state=SEED."
        )


def _requested_split(y_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, validation)`` of the call ex2 asks for, with the course's seed."""
    from sklearn.model_selection import train_test_split

    return train_test_split(np.arange(len(y_train)), test_size=VAL_FRACTION, stratify=y_train,
                            random_state=lessons.SEED)


def _check_pairs(x_train: np.ndarray, y_train: np.ndarray, parts: list) -> None:
    """Every image of each part is a training image, with one of its labels."""
    labels: dict[bytes, set[int]] = {}
    for row, label in zip(_pixels(x_train, "x_train"), y_train):
        labels.setdefault(row.tobytes(), set()).add(int(label))
    for images, part_labels, x_name, y_name in parts:
        for i, (row, label) in enumerate(zip(_pixels(images, x_name), part_labels)):
            known = labels.get(row.tobytes())
            if known is None:
                raise WrongAnswer(
                    f"a imagem {x_name}[{i}] não está em x_train. Divida os arrays que "
                    "load_fashion_mnist devolveu, sem transformá-los antes."
                )
            if int(label) not in known:
                raise WrongAnswer(
                    f"{x_name}[{i}] e {y_name}[{i}] não combinam: a imagem é de "
                    f"'{_class_name(min(known))}', mas o rótulo diz '{_class_name(label)}'. "
                    "Imagens e rótulos foram separados de jeitos diferentes? Passe x e y "
                    "na mesma chamada de train_test_split."
                )


ex2 = Exercise(
    key="07/ex2",
    checker=_check_split,
    hint=[
        (
            "Use a função do scikit-learn que separa arrays em duas partes: ela recebe a "
            "fração da validação, os rótulos cujas proporções devem ser mantidas e a semente."
        ),
        (
            "Estratificar é manter as proporções de alguma coisa: de qual array são as "
            "proporções que a validação deve copiar?"
        ),
    ],
)


# ---- ex3: the experiment configurations -----------------------------------------------


def _describe(config: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={config[key]!r}" for key in HYPERPARAMETERS if key in config)


def _check_config(config: Any, number: int) -> dict[str, Any]:
    where = f"a configuração {number}"
    if not isinstance(config, Mapping):
        raise WrongAnswer(
            f"{where} deveria ser um dicionário como "
            "{'epochs': 5, 'batch_size': 128, 'filters': (32, 64), 'activation': 'relu'}, "
            f"mas é {type(config).__name__}."
        )
    unknown = [key for key in config if key not in HYPERPARAMETERS]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(str(key), HYPERPARAMETERS, n=1)
        guess = f" Você quis dizer '{close[0]}'?" if close else ""
        raise WrongAnswer(
            f"{where} tem a chave desconhecida {key!r}.{guess} As chaves são "
            f"{', '.join(HYPERPARAMETERS)}."
        )
    missing = [key for key in HYPERPARAMETERS if key not in config]
    if missing:
        raise WrongAnswer(f"falta a chave {missing[0]!r} na {where[2:]} ({_describe(config)}).")
    for key in ("epochs", "batch_size"):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise WrongAnswer(
                f"{key} da {where[2:]} deveria ser um inteiro ≥ 1, mas é {value!r}."
            )
    filters = config["filters"]
    if (
        not isinstance(filters, (tuple, list))
        or not filters
        or any(
            isinstance(f, bool) or not isinstance(f, (int, np.integer)) or f < 1 for f in filters
        )
    ):
        raise WrongAnswer(
            f"filters da {where[2:]} deveria ser uma tupla de inteiros positivos, um por bloco "
            f"convolucional, como (32, 64); recebi {filters!r}."
        )
    activation = config["activation"]
    if not isinstance(activation, str):
        raise WrongAnswer(
            f"activation da {where[2:]} deveria ser o nome de uma função, como 'relu'; "
            f"recebi {activation!r}."
        )
    import keras

    try:
        keras.activations.get(activation)
    except (ValueError, TypeError):
        raise WrongAnswer(
            f"o Keras não conhece a ativação {activation!r} (da {where[2:]}). "
            "Experimente 'relu', 'tanh', 'elu', 'gelu' ou 'sigmoid'."
        ) from None
    return dict(config, filters=tuple(int(f) for f in filters))


def _check_depth(filters: tuple[int, ...]) -> None:
    """Each [Conv 3×3 → MaxPool 2] block needs a map of at least 3×3 to work on."""
    size = 28
    for block in range(len(filters)):
        if size < 3:
            raise WrongAnswer(
                f"filters={filters} tem blocos demais: antes do bloco {block + 1} o mapa já tem "
                f"{size}×{size} pixels, menor que o filtro 3×3. Use no máximo 3 blocos."
            )
        size = (size - 2) // 2


def _check_configs(answer: Any) -> str:
    """ex3: at least 4 valid configurations that vary each hyperparameter."""
    if not isinstance(answer, (list, tuple)):
        raise WrongAnswer(
            f"configs deveria ser uma lista de dicionários, mas é {type(answer).__name__}."
        )
    configs = [_check_config(config, i) for i, config in enumerate(answer, 1)]
    if len(configs) < challenge.MIN_RUNS:
        raise WrongAnswer(
            f"configs tem {len(configs)} configuração(ões); a entrega pede pelo menos "
            f"{challenge.MIN_RUNS}."
        )
    for config in configs:
        _check_depth(config["filters"])
    seen: dict[tuple, int] = {}
    for number, config in enumerate(configs, 1):
        key = tuple(config[k] for k in HYPERPARAMETERS)
        if key in seen:
            raise WrongAnswer(
                f"as configurações {seen[key]} e {number} são iguais ({_describe(config)}): "
                "seria treinar duas vezes a mesma coisa."
            )
        seen[key] = number
    unvaried = challenge.unvaried_hyperparameters(configs)
    if unvaried:
        which = ", ".join(f"{name}={configs[0][name]!r}" for name in unvaried)
        raise WrongAnswer(
            f"todas as configurações usam {which}. Cada hiperparâmetro (épocas, batch_size, "
            "filtros e ativação) precisa de pelo menos 2 valores diferentes."
        )
    rows = [dict(config, val_accuracy=0.0, train_seconds=0.0) for config in configs]
    try:
        challenge.validate_experiments(rows)
    except ValueError as error:  # should not happen after the checks above
        raise WrongAnswer(f"a tabela resultante não passaria na entrega: {error}") from None
    total = sum(config["epochs"] for config in configs)
    return f"{len(configs)} treinos, {total} épocas no total."


ex3 = Exercise(
    key="07/ex3",
    checker=_check_configs,
    hint=[
        (
            "Comece pela linha de base (BASELINE) e, em cada configuração nova, mude um único "
            "hiperparâmetro; no fim, cada um dos quatro precisa aparecer com pelo menos dois "
            "valores."
        ),
        (
            "Para cada um dos quatro hiperparâmetros, que outro valor você acha que vale "
            "testar, e por quê? Não há uma lista certa: escolha os seus valores, a regra é só "
            "que cada hiperparâmetro apareça com pelo menos dois."
        ),
    ],
)


# ---- ex4: the best run of a table -----------------------------------------------------


def _table(accuracies: list[float], seconds: list[float], index: list[int]) -> Any:
    """A small experiments table like the lesson's (index: run number)."""
    import pandas as pd

    n = len(accuracies)
    return pd.DataFrame(
        {
            "epochs": [(1, 2, 5, 10)[i % 4] for i in range(n)],
            "batch_size": [(32, 128)[i % 2] for i in range(n)],
            "filters": [(32, 64)] * n,
            "activation": ["relu"] * n,
            "val_accuracy": accuracies,
            "train_seconds": seconds,
        },
        index=pd.Index(index, name="execução"),
    )


def _check_best(answer: Any) -> None:
    """ex4: pick_best(table) returns the label with the highest val_accuracy."""
    tables = [
        _table([0.88, 0.91, 0.90, 0.87, 0.905, 0.89], [40, 60, 95, 30, 12, 50], list(range(1, 7))),
        _table([0.83, 0.86, 0.89, 0.85], [20, 25, 30, 35], [3, 5, 8, 9]),  # labels ≠ positions
        _table([0.92, 0.90, 0.92], [10, 10, 10], [1, 2, 3]),  # a tie: either best is right
    ]
    for table in tables:
        before = table.copy()
        got = call_student(answer, table)
        if not table.equals(before):
            raise WrongAnswer("sua função alterou a tabela; ela só deveria ler a tabela.")
        accuracy = table["val_accuracy"]
        best = set(accuracy.index[accuracy == accuracy.max()])
        labels = (f"rótulos {', '.join(str(label) for label in table.index)}; val_accuracy "
                  f"{'; '.join(fmt.num(value) for value in accuracy)}")
        if hasattr(got, "index") and hasattr(got, "shape"):
            raise WrongAnswer(
                "sua função devolveu uma linha ou coluna da tabela; devolva só o rótulo "
                "(o número da execução), por exemplo com .idxmax()."
            )
        if isinstance(got, (bool, np.bool_)) or not np.isscalar(got):
            raise WrongAnswer(f"sua função devolveu {got!r}; devolva o número da execução.")
        if isinstance(got, (float, np.floating)) and np.isclose(got, accuracy.max()):
            raise WrongAnswer(
                f"sua função devolveu {fmt.num(got)}, a maior val_accuracy; queremos o número da "
                f"execução que a atingiu ({labels})."
            )
        if got in best:
            continue
        if got == accuracy.idxmin():
            raise WrongAnswer(
                f"sua função devolveu {got!r}, a execução com a MENOR val_accuracy ({labels})."
            )
        if got == int(np.argmax(accuracy.to_numpy())):
            raise WrongAnswer(
                f"sua função devolveu {got!r}, a posição (contando de 0) da melhor linha; "
                f"queremos o rótulo do índice ({labels}). Use .idxmax(), não .argmax()."
            )
        if got in (table["train_seconds"].idxmax(), table["train_seconds"].idxmin()):
            raise WrongAnswer(
                f"sua função devolveu {got!r}: parece ter olhado a coluna train_seconds. "
                "A escolha é pela val_accuracy."
            )
        raise WrongAnswer(
            f"sua função devolveu {got!r}, mas a melhor execução é {sorted(best)[0]} "
            f"({labels})."
        )


ex4 = Exercise(
    key="07/ex4",
    checker=_check_best,
    hint=[
        (
            "A coluna val_accuracy tem um valor por execução, e o índice da tabela é o número "
            "da execução: você quer o rótulo do índice da maior acurácia, não o valor nem a "
            "posição."
        ),
        (
            "Qual é a diferença entre a posição de uma linha e o rótulo dela? A tabela começa "
            "na execução 1, e uma tabela filtrada pode ter rótulos como 3, 5, 8."
        ),
    ],
)


# ---- ex5: a bootstrap interval of the test accuracy -------------------------------------

CONFIDENCE = 0.95
"""Coverage of the bootstrap interval of ex5: percentiles 2.5 and 97.5."""


def bootstrap_interval(hits: Any, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """The lesson's reference for ex5: ``[low, high]``, a 95 % percentile bootstrap interval.

    ``hits`` holds one 0/1 (or bool) per test image; each of the ``n_resamples`` resamples
    draws ``len(hits)`` of them with replacement and takes their mean.
    """
    hits = np.asarray(hits, dtype=np.float64)
    accuracies = rng.choice(hits, size=(n_resamples, len(hits)), replace=True).mean(axis=1)
    tail = 100 * (1 - CONFIDENCE) / 2
    return np.percentile(accuracies, [tail, 100 - tail])


def _hits(n: int, right: int, seed: int, as_bool: bool) -> np.ndarray:
    """``right`` hits among ``n`` test images, shuffled."""
    hits = np.zeros(n, dtype=bool)
    hits[:right] = True
    hits = np.random.default_rng(seed).permutation(hits)
    return hits if as_bool else hits.astype(np.int64)


def _exact_interval(hits: np.ndarray, confidence: float) -> np.ndarray:
    """The interval a bootstrap converges to: the mean of n draws is Binomial(n, p)/n."""
    from scipy.stats import binom

    n, p = len(hits), float(np.mean(hits))
    tail = (1 - confidence) / 2
    return binom.ppf([tail, 1 - tail], n, p) / n


def _interval(got: Any) -> np.ndarray:
    """The student's answer as ``[low, high]`` floats, or a message saying what it is."""
    values = as_float_array(as_list(got, "limites (inferior, superior)", 2), "o intervalo")
    if not np.all(np.isfinite(values)):
        raise WrongAnswer(f"o intervalo tem um limite que não é um número: {values.tolist()}.")
    return values


def _check_bootstrap(answer: Any) -> None:
    """ex5: bootstrap_interval(hits, n_resamples, rng) ≈ the percentiles 2.5 and 97.5."""
    # p far from 0.5 (the interval is not symmetric), bool and int hits, two sizes
    for n, right, as_bool in ((250, 236, False), (400, 321, True)):
        hits = _hits(n, right, seed=n, as_bool=as_bool)
        accuracy = right / n
        got = _interval(call_student(answer, hits.copy(), 10_000, np.random.default_rng(n)))
        low, high = got
        exact = _exact_interval(hits, CONFIDENCE)
        # the interval moves in steps of 1/n; 10,000 resamples add about 0.001 of noise
        tolerance = 1 / n + 0.002
        if np.all(np.abs(got - exact) <= tolerance):
            continue
        shown = f"({fmt.num(low, 4)}, {fmt.num(high, 4)})"
        where = (f"com {n} imagens e acurácia {fmt.num(accuracy, 4)}, o intervalo de 95 % é "
                 f"cerca de ({fmt.num(exact[0], 4)}, {fmt.num(exact[1], 4)}), e sua função "
                 f"devolveu {shown}")
        if low > 1.5 or high > 1.5:
            raise WrongAnswer(f"{where}: em porcentagem? Devolva frações entre 0 e 1.")
        if low > high:
            raise WrongAnswer(f"{where}: os limites estão trocados; o inferior vem primeiro.")
        if np.isclose(low, 0) and np.isclose(high, 1):
            raise WrongAnswer(
                f"{where}: os percentis saíram dos próprios acertos (zeros e uns). Eles vêm "
                "das acurácias das amostras sorteadas, uma por amostra."
            )
        width, exact_width = high - low, exact[1] - exact[0]
        if width < 0.25 * exact_width:
            raise WrongAnswer(
                f"{where}: quase sem largura. Cada amostra sorteada tem as mesmas imagens do "
                "teste? O sorteio é com reposição (a mesma imagem pode sair mais de uma vez), e "
                "cada acurácia sorteada é a média de uma amostra inteira."
            )
        if width < exact_width - 2 * tolerance:
            raise WrongAnswer(
                f"{where}: estreito demais. O intervalo de 95 % vai do percentil 2,5 ao 97,5 "
                "das acurácias sorteadas (não é a média ± um desvio padrão, nem 5 a 95)."
            )
        if width > exact_width + 2 * tolerance:
            raise WrongAnswer(
                f"{where}: largo demais. Cada amostra sorteada tem o tamanho do teste "
                f"(len(hits) = {n}; amostras menores variam mais), e o intervalo de 95 % vai "
                "do percentil 2,5 ao 97,5."
            )
        raise WrongAnswer(f"{where}. Ele deveria ficar em volta da acurácia do teste.")
    hits = _hits(200, 170, seed=3, as_bool=True)
    low, high = _interval(call_student(answer, hits, 1, np.random.default_rng(3)))
    if not np.isclose(low, high):
        raise WrongAnswer(
            f"com n_resamples=1 há uma só acurácia sorteada, então os dois limites deveriam ser "
            f"iguais, mas sua função devolveu ({fmt.num(low, 4)}, {fmt.num(high, 4)}). Use "
            "n_resamples como o número de amostras sorteadas."
        )


ex5 = Exercise(
    key="07/ex5",
    checker=_check_bootstrap,
    hint=[
        (
            "O teste é uma amostra de imagens; outra amostra do mesmo tipo daria outra "
            "acurácia. O bootstrap imita essas outras amostras sorteando do próprio teste, "
            "muitas vezes, e olha quanto a acurácia varia de um sorteio para outro."
        ),
        (
            "Um sorteio com reposição pode trazer a mesma imagem duas vezes e deixar outras de "
            "fora: é isso que faz uma amostra sorteada, do tamanho do teste, ser diferente do "
            "teste. Depois, qual fatia das acurácias sorteadas deixa 2,5 % de cada lado?"
        ),
    ],
)
