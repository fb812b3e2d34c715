"""The hand-in contract of the Fashion-MNIST challenge (lesson 07): names, schema, checks.

The format itself (``model.keras``, ``experiments.json``, the notebook, ``entrega_<id>.zip``)
is stated once, in ``docs/submission-format.md``; this module is its code. The student's side
(:mod:`.handin`, :mod:`.selfcheck`) and the instructors' grader both check a submission with
these functions, so they agree. Every message a student reads is in Portuguese.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = "model.keras"
"""Name of the model file inside a submission folder."""

EXPERIMENTS_FILE = "experiments.json"
"""Name of the experiments file inside a submission folder."""

ARCHIVE_TEMPLATE = "entrega_{student_id}.zip"
"""Name of the archive :func:`~.handin.save_submission` writes, the one file to upload."""

FORMAT_VERSION = 1
"""Version of the ``experiments.json`` schema (its ``"format"`` key)."""

MIN_RUNS = 4
"""Fewest runs a submission must record."""

HYPERPARAMETERS = ("epochs", "batch_size", "filters", "activation")
"""Hyperparameters that must each take at least two values across the runs."""

RUN_KEYS = (*HYPERPARAMETERS, "val_accuracy", "train_seconds")
"""Keys every run must have."""

INPUT_SHAPES = ((None, 28, 28, 1), (None, 28, 28))
"""Accepted model input shapes (batch axis first)."""

OUTPUT_SHAPE = (None, 10)
"""Required model output shape: one score per Fashion-MNIST class."""

STUDENT_ID_MAX = 64
"""Longest ``student_id``, in characters."""

_STUDENT_ID = re.compile(r"[A-Za-z0-9._-]+")


def validate_student_id(student_id: Any) -> str:
    """Return ``student_id`` if it is a safe folder name, else raise ``ValueError``.

    Allowed: 1 to 64 ASCII letters, digits, ``.``, ``_`` and ``-``, not only dots.
    """
    if not isinstance(student_id, str):
        raise ValueError(
            f"student_id deve ser um texto (str), recebi {type(student_id).__name__}"
        )
    if not student_id:
        raise ValueError(
            "student_id está vazio; use a sua matrícula ou o seu nome, por exemplo 'maria.silva'"
        )
    if len(student_id) > STUDENT_ID_MAX:
        raise ValueError(
            f"student_id tem {len(student_id)} caracteres; use no máximo {STUDENT_ID_MAX}"
        )
    if not _STUDENT_ID.fullmatch(student_id) or set(student_id) == {"."}:
        bad = sorted({c for c in student_id if not _STUDENT_ID.fullmatch(c)})
        detail = f" (encontrei {''.join(bad)!r})" if bad else ""
        raise ValueError(
            f"student_id {student_id!r} não serve como nome de pasta{detail}: use só letras "
            "sem acento, dígitos, '.', '_' e '-', e não só pontos"
        )
    return student_id


def validate_model(model: Any) -> None:
    """Raise ``ValueError`` unless ``model`` is a Keras model with the challenge's shapes.

    Input ``(None, 28, 28, 1)`` or ``(None, 28, 28)``, output ``(None, 10)``.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model deve ser um keras.Model, recebi {type(model).__name__}")
    try:
        input_shape, output_shape = model.input_shape, model.output_shape
    except (AttributeError, ValueError) as error:
        raise ValueError(
            "o modelo não tem formato de entrada e saída definido; construa-o a partir de "
            "keras.Input(shape=(28, 28, 1)) (como build_mnist_cnn faz)"
        ) from error
    if not isinstance(input_shape, tuple) or tuple(input_shape) not in INPUT_SHAPES:
        raise ValueError(
            "a entrada do modelo deve ter formato (None, 28, 28, 1) ou (None, 28, 28), "
            f"mas tem {input_shape}"
        )
    if not isinstance(output_shape, tuple) or tuple(output_shape) != OUTPUT_SHAPE:
        raise ValueError(
            f"a saída do modelo deve ter formato {OUTPUT_SHAPE} (uma pontuação por classe), "
            f"mas tem {output_shape}"
        )


def _records(experiments: Any) -> list[Any]:
    """The runs as a list: a list/tuple as is, a pandas DataFrame row by row."""
    if hasattr(experiments, "to_dict") and hasattr(experiments, "columns"):  # a DataFrame
        missing = [key for key in RUN_KEYS if key not in experiments.columns]
        if missing:
            raise ValueError(
                f"a tabela de experimentos não tem a coluna {', '.join(map(repr, missing))}; "
                f"colunas obrigatórias: {', '.join(RUN_KEYS)}"
            )
        return experiments.to_dict(orient="records")
    if isinstance(experiments, (list, tuple)):
        return list(experiments)
    raise ValueError(
        "experiments deve ser uma lista de dicionários ou um DataFrame do pandas, "
        f"recebi {type(experiments).__name__}"
    )


def _integer(value: Any, where: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{where} deve ser um número inteiro, recebi {value!r}")
    if value < 1:
        raise ValueError(f"{where} deve ser pelo menos 1, recebi {value!r}")
    return int(value)


def real_number(value: Any, where: str, upper: float | None) -> float:
    """``value`` as a finite float >= 0 (and <= ``upper``); a Portuguese ``ValueError``
    naming ``where`` otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{where} deve ser um número, recebi {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (upper is not None and number > upper):
        expected = f"entre 0 e {upper:g}" if upper is not None else "um número finito >= 0"
        hint = " (uma fração, não uma porcentagem)" if upper == 1 and number > 1 else ""
        raise ValueError(f"{where} deve ser {expected}{hint}, recebi {value!r}")
    return number


def _filters(value: Any, where: str) -> list[int]:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(
            f"{where} deve ser uma lista não vazia de números de filtros, como [32, 64], "
            f"recebi {value!r}"
        )
    return [_integer(count, f"{where}[{i}]") for i, count in enumerate(value)]


def _extra(value: Any, where: str) -> Any:
    """An extra key's value as a JSON scalar (NumPy scalars converted, NaN becomes None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise ValueError(
        f"{where} deve ser um número, um texto, um booleano ou None, "
        f"recebi {type(value).__name__}"
    )


def _validate_run(run: Any, index: int) -> dict[str, Any]:
    where = f"runs[{index}]"
    if not isinstance(run, Mapping):
        raise ValueError(f"{where} deve ser um dicionário, recebi {type(run).__name__}")
    missing = [key for key in RUN_KEYS if key not in run]
    if missing:
        raise ValueError(
            f"{where} não tem a chave {', '.join(map(repr, missing))}; toda execução precisa "
            f"de {', '.join(RUN_KEYS)}"
        )
    activation = run["activation"]
    if not isinstance(activation, str) or not activation.strip():
        raise ValueError(
            f"{where}['activation'] deve ser um texto não vazio, recebi {activation!r}"
        )
    clean = {
        "epochs": _integer(run["epochs"], f"{where}['epochs']"),
        "batch_size": _integer(run["batch_size"], f"{where}['batch_size']"),
        "filters": _filters(run["filters"], f"{where}['filters']"),
        "activation": activation,
        "val_accuracy": real_number(run["val_accuracy"], f"{where}['val_accuracy']", upper=1),
        "train_seconds": real_number(run["train_seconds"], f"{where}['train_seconds']", upper=None),
    }
    for key, value in run.items():
        if key not in clean:
            if not isinstance(key, str):
                raise ValueError(f"{where} tem uma chave que não é texto: {key!r}")
            clean[key] = _extra(value, f"{where}[{key!r}]")
    return clean


def unvaried_hyperparameters(runs: list[Mapping[str, Any]]) -> list[str]:
    """Names of the hyperparameters that take a single value across ``runs``."""
    unvaried = []
    for name in HYPERPARAMETERS:
        values = {tuple(run[name]) if name == "filters" else run[name] for run in runs}
        if len(values) < 2:
            unvaried.append(name)
    return unvaried


def validate_experiments(runs: Any) -> list[dict[str, Any]]:
    """Check the experiment runs and return them as plain JSON-ready dicts.

    ``runs`` is a list of dicts or a pandas DataFrame with the columns of :data:`RUN_KEYS`.
    Raises ``ValueError`` naming the run and key at fault, or the hyperparameter that never
    varies. ``filters`` comes back as a list of ints, NumPy numbers as Python numbers.
    """
    records = _records(runs)
    if len(records) < MIN_RUNS:
        raise ValueError(
            f"são necessárias pelo menos {MIN_RUNS} execuções, recebi {len(records)}"
        )
    clean = [_validate_run(run, i) for i, run in enumerate(records)]
    unvaried = unvaried_hyperparameters(clean)
    if unvaried:
        detail = "; ".join(
            f"{name!r} é sempre {clean[0][name]!r}" for name in unvaried
        )
        raise ValueError(
            "cada hiperparâmetro deve ter pelo menos 2 valores diferentes entre as execuções: "
            f"{detail} nas {len(clean)} execuções"
        )
    return clean


def load_experiments(path: str | os.PathLike) -> dict[str, Any]:
    """Read and validate ``experiments.json`` (``path`` is the file or its folder).

    Returns ``{"student_id": str, "format": 1, "runs": [...]}`` with the runs as
    :func:`validate_experiments` returns them. Raises ``FileNotFoundError`` if the file is
    missing and ``ValueError`` if it is not valid JSON or does not follow the schema.
    """
    path = Path(path)
    if path.is_dir():
        path = path / EXPERIMENTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"arquivo de experimentos não encontrado: {path}")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} não é um JSON UTF-8 válido: {error}") from error
    if not isinstance(document, dict):
        raise ValueError(
            f"{path} deve conter um objeto JSON, recebi {type(document).__name__}"
        )
    missing = [key for key in ("student_id", "format", "runs") if key not in document]
    if missing:
        raise ValueError(f"{path} não tem a chave {', '.join(map(repr, missing))}")
    if document["format"] != FORMAT_VERSION or isinstance(document["format"], bool):
        raise ValueError(
            f"{path}: formato {document['format']!r} não suportado, esperado {FORMAT_VERSION}"
        )
    if not isinstance(document["runs"], list):
        raise ValueError(
            f"{path}: 'runs' deve ser uma lista, recebi {type(document['runs']).__name__}"
        )
    return {
        "student_id": validate_student_id(document["student_id"]),
        "format": FORMAT_VERSION,
        "runs": validate_experiments(document["runs"]),
    }


def archive_path(out_dir: str | os.PathLike, student_id: str) -> Path:
    """Where :func:`~.handin.save_submission` puts the archive: inside ``out_dir``, with the
    files."""
    return Path(out_dir) / ARCHIVE_TEMPLATE.format(
        student_id=validate_student_id(student_id)
    )


def notebooks_in(folder: Path) -> list[str]:
    """The names of the notebooks (``*.ipynb`` files) directly inside ``folder``."""
    return sorted(path.name for path in folder.glob("*.ipynb") if path.is_file())


def load_model(path: str | os.PathLike) -> Any:
    """Load a submission's model as the grader does: ``compile=False, safe_mode=True``."""
    import keras

    return keras.saving.load_model(path, compile=False, safe_mode=True)
