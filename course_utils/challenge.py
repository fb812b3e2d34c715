"""Submission of the Fashion-MNIST challenge (lesson 06): save, validate and self-check.

A student hands in **one folder** holding two files; the instructors' grader reads the folder
with the public functions of this module (:func:`load_experiments`,
:func:`validate_experiments`, :func:`validate_model`, :func:`prepare_images`).

``model.keras``
    The trained model in Keras' native format (``model.save``). It must load with
    ``keras.saving.load_model(path, compile=False, safe_mode=True)`` (so no ``Lambda`` layers
    and no custom classes), take one input of shape ``(None, 28, 28, 1)`` or ``(None, 28, 28)``
    and return one output of shape ``(None, 10)``. The grader feeds it the Fashion-MNIST test
    images exactly as :func:`prepare_images` makes them (float32, pixel / 255, so in [0, 1],
    with the channel axis when the model's input has it) and takes the ``argmax`` of the output
    as the predicted class (softmax probabilities or logits both work).

``experiments.json``
    UTF-8 JSON describing every training run the student made::

        {
          "student_id": "maria.silva",   # ASCII letters, digits, ".", "_", "-"; the grader's
                                         # folder name for this student
          "format": 1,                   # version of this schema
          "runs": [                      # at least 4 runs, one object per training
            {
              "epochs": 5,               # int >= 1
              "batch_size": 128,         # int >= 1
              "filters": [32, 64],       # list of ints >= 1, one per convolutional block
              "activation": "relu",      # non-empty string, the convolutions' activation
              "val_accuracy": 0.9013,    # float in [0, 1], accuracy on the validation split
              "train_seconds": 41.7      # float >= 0, wall-clock training time
            },
            ...
          ]
        }

    Across the runs each of the four hyperparameters (``epochs``, ``batch_size``, ``filters``,
    ``activation``) takes at least two different values. A run may carry extra keys (for
    example ``"val_loss"``) whose values are JSON numbers, strings, booleans or null; they are
    kept and ignored by the checks.

:func:`save_submission` validates everything before writing, never overwrites an existing
submission unless asked to, and writes each file atomically (a temporary file renamed into
place), so a failed save leaves no half-written file. :func:`self_check` tells a student,
in Portuguese, whether a folder is ready to hand in and what the model scores on the test
split. Exceptions carry English messages, like the rest of ``course_utils``.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = "model.keras"
"""Name of the model file inside a submission folder."""

EXPERIMENTS_FILE = "experiments.json"
"""Name of the experiments file inside a submission folder."""

FORMAT_VERSION = 1
"""Version of the ``experiments.json`` schema written by :func:`save_submission`."""

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

_STUDENT_ID = re.compile(r"[A-Za-z0-9._-]+")
_STUDENT_ID_MAX = 64


# ------------------------------------------------------------------------ validation


def validate_student_id(student_id: Any) -> str:
    """Return ``student_id`` if it is a safe folder name, else raise ``ValueError``.

    Allowed: 1 to 64 ASCII letters, digits, ``.``, ``_`` and ``-``, not only dots.
    """
    if not isinstance(student_id, str):
        raise ValueError(f"student_id must be a string, got {type(student_id).__name__}")
    if not student_id:
        raise ValueError(
            "student_id is empty; use your student number or your name, e.g. 'maria.silva'"
        )
    if len(student_id) > _STUDENT_ID_MAX:
        raise ValueError(
            f"student_id has {len(student_id)} characters; use at most {_STUDENT_ID_MAX}"
        )
    if not _STUDENT_ID.fullmatch(student_id) or set(student_id) == {"."}:
        bad = sorted({c for c in student_id if not _STUDENT_ID.fullmatch(c)})
        detail = f" (found {''.join(bad)!r})" if bad else ""
        raise ValueError(
            f"student_id {student_id!r} is not a valid folder name{detail}: use only ASCII "
            "letters, digits, '.', '_' and '-', and not only dots"
        )
    return student_id


def validate_model(model: Any) -> None:
    """Raise ``ValueError`` unless ``model`` is a Keras model with the challenge's shapes.

    Input ``(None, 28, 28, 1)`` or ``(None, 28, 28)``, output ``(None, 10)``.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, got {type(model).__name__}")
    try:
        input_shape, output_shape = model.input_shape, model.output_shape
    except (AttributeError, ValueError) as error:
        raise ValueError(
            "model has no defined input/output shape; build it from "
            "keras.Input(shape=(28, 28, 1)) (as build_mnist_cnn does)"
        ) from error
    if not isinstance(input_shape, tuple) or tuple(input_shape) not in INPUT_SHAPES:
        raise ValueError(
            f"model input shape must be (None, 28, 28, 1) or (None, 28, 28), got {input_shape}"
        )
    if not isinstance(output_shape, tuple) or tuple(output_shape) != OUTPUT_SHAPE:
        raise ValueError(
            f"model output shape must be {OUTPUT_SHAPE} (one score per class), got {output_shape}"
        )


def _records(experiments: Any) -> list[Any]:
    """The runs as a list: a list/tuple as is, a pandas DataFrame row by row."""
    if hasattr(experiments, "to_dict") and hasattr(experiments, "columns"):  # a DataFrame
        missing = [key for key in RUN_KEYS if key not in experiments.columns]
        if missing:
            raise ValueError(
                f"the experiments table has no column {', '.join(map(repr, missing))}; "
                f"required columns: {', '.join(RUN_KEYS)}"
            )
        return experiments.to_dict(orient="records")
    if isinstance(experiments, (list, tuple)):
        return list(experiments)
    raise ValueError(
        "experiments must be a list of dicts or a pandas DataFrame, "
        f"got {type(experiments).__name__}"
    )


def _integer(value: Any, where: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{where} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{where} must be at least 1, got {value!r}")
    return int(value)


def _real(value: Any, where: str, upper: float | None) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{where} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (upper is not None and number > upper):
        expected = f"in [0, {upper:g}]" if upper is not None else "a finite number >= 0"
        hint = " (a fraction, not a percentage)" if upper == 1 and number > 1 else ""
        raise ValueError(f"{where} must be {expected}{hint}, got {value!r}")
    return number


def _filters(value: Any, where: str) -> list[int]:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(
            f"{where} must be a non-empty list of filter counts such as [32, 64], got {value!r}"
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
        f"{where} must be a number, a string, a boolean or None, got {type(value).__name__}"
    )


def _validate_run(run: Any, index: int) -> dict[str, Any]:
    where = f"runs[{index}]"
    if not isinstance(run, Mapping):
        raise ValueError(f"{where} must be a dict, got {type(run).__name__}")
    missing = [key for key in RUN_KEYS if key not in run]
    if missing:
        raise ValueError(
            f"{where} has no key {', '.join(map(repr, missing))}; every run needs "
            f"{', '.join(RUN_KEYS)}"
        )
    activation = run["activation"]
    if not isinstance(activation, str) or not activation.strip():
        raise ValueError(f"{where}['activation'] must be a non-empty string, got {activation!r}")
    clean = {
        "epochs": _integer(run["epochs"], f"{where}['epochs']"),
        "batch_size": _integer(run["batch_size"], f"{where}['batch_size']"),
        "filters": _filters(run["filters"], f"{where}['filters']"),
        "activation": activation,
        "val_accuracy": _real(run["val_accuracy"], f"{where}['val_accuracy']", upper=1),
        "train_seconds": _real(run["train_seconds"], f"{where}['train_seconds']", upper=None),
    }
    for key, value in run.items():
        if key not in clean:
            if not isinstance(key, str):
                raise ValueError(f"{where} has a key that is not a string: {key!r}")
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
        raise ValueError(f"at least {MIN_RUNS} runs are required, got {len(records)}")
    clean = [_validate_run(run, i) for i, run in enumerate(records)]
    unvaried = unvaried_hyperparameters(clean)
    if unvaried:
        detail = "; ".join(
            f"{name!r} is always {clean[0][name]!r}" for name in unvaried
        )
        raise ValueError(
            f"each hyperparameter must take at least 2 different values across the runs: "
            f"{detail} in all {len(clean)} runs"
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
        raise FileNotFoundError(f"experiments file not found: {path}")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not valid UTF-8 JSON: {error}") from error
    if not isinstance(document, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(document).__name__}")
    missing = [key for key in ("student_id", "format", "runs") if key not in document]
    if missing:
        raise ValueError(f"{path} has no key {', '.join(map(repr, missing))}")
    if document["format"] != FORMAT_VERSION or isinstance(document["format"], bool):
        raise ValueError(
            f"{path}: unsupported format {document['format']!r}, expected {FORMAT_VERSION}"
        )
    if not isinstance(document["runs"], list):
        raise ValueError(f"{path}: 'runs' must be a list, got {type(document['runs']).__name__}")
    return {
        "student_id": validate_student_id(document["student_id"]),
        "format": FORMAT_VERSION,
        "runs": validate_experiments(document["runs"]),
    }


# ---------------------------------------------------------------------------- saving


def _temporary_file(folder: Path, suffix: str) -> Path:
    handle, name = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    os.close(handle)
    return Path(name)


def _load_model(path: Path) -> Any:
    import keras

    return keras.saving.load_model(path, compile=False, safe_mode=True)


def save_submission(
    model: Any,
    experiments: Any,
    student_id: str,
    out_dir: str | os.PathLike = "submissao",
    overwrite: bool = False,
) -> Path:
    """Write ``out_dir/model.keras`` and ``out_dir/experiments.json``; return ``out_dir``.

    Everything is validated first (:func:`validate_model`, :func:`validate_experiments`,
    :func:`validate_student_id`; ``ValueError`` otherwise). If ``out_dir`` already holds
    either file, raises ``FileExistsError`` unless ``overwrite=True``. The model is saved to a
    temporary file and loaded back with ``safe_mode=True`` (the grader's way) before both
    files are renamed into place, so a failed save leaves neither file half-written.
    """
    student_id = validate_student_id(student_id)
    validate_model(model)
    runs = validate_experiments(experiments)
    document = {"student_id": student_id, "format": FORMAT_VERSION, "runs": runs}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} exists and is not a folder")
    existing = [folder / name for name in (MODEL_FILE, EXPERIMENTS_FILE)]
    existing = [path for path in existing if path.exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{', '.join(map(str, existing))} already exist(s); choose another out_dir "
            "or pass overwrite=True to replace the submission"
        )
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    temporary: list[Path] = []
    try:
        model_tmp = _temporary_file(folder, ".keras")
        temporary.append(model_tmp)
        model.save(model_tmp)
        try:
            _load_model(model_tmp)
        except Exception as error:
            raise ValueError(
                "the saved model cannot be loaded back with safe_mode=True (Lambda layers "
                f"and custom classes are not allowed): {error}"
            ) from error
        json_tmp = _temporary_file(folder, ".json")
        temporary.append(json_tmp)
        json_tmp.write_text(text, encoding="utf-8")
        os.replace(model_tmp, folder / MODEL_FILE)
        os.replace(json_tmp, folder / EXPERIMENTS_FILE)
    except BaseException:
        for path in temporary:
            path.unlink(missing_ok=True)
        if created:
            try:
                folder.rmdir()  # only if it is still empty
            except OSError:
                pass
        raise
    return folder


# ------------------------------------------------------------------------ scoring


PIXEL_SCALES: dict[str, float] = {"0-1": 1 / 255, "0-255": 1.0}
"""Input conventions a model may expect: name → factor applied to the uint8 pixels.

``"0-1"`` (pixel / 255) is how the lessons train; ``"0-255"`` (raw pixels) fits a model that
normalises inside itself, e.g. with ``keras.layers.Rescaling(1 / 255)`` as its first layer."""

DEFAULT_SCALE = "0-1"
"""The convention the lessons use; it wins every tie of :func:`choose_pixel_scale`."""

SCALE_NAMES = {"0-1": "pixels de 0 a 1 (pixel / 255)", "0-255": "pixels de 0 a 255"}
"""Each pixel scale in words, for the Portuguese messages."""

CHANCE_ACCURACY = 0.2
"""Accuracy under which a 10-class model is treated as guessing (chance is 0.1)."""

PUBLIC_SAMPLE_SIZE = 500
"""Training images used to choose a model's pixel scale (never the test or evaluation set)."""


def _check_scale(scale: str) -> float:
    if scale not in PIXEL_SCALES:
        raise ValueError(
            f"escala de pixels desconhecida {scale!r}; use uma de {sorted(PIXEL_SCALES)}"
        )
    return PIXEL_SCALES[scale]


def prepare_images(
    images: np.ndarray, channel_axis: bool = True, scale: str = DEFAULT_SCALE
) -> np.ndarray:
    """uint8 images ``(N, 28, 28)`` as the grader feeds them: float32, scaled by ``scale``.

    ``scale="0-1"`` (the default) divides by 255; ``"0-255"`` keeps the raw pixel values (see
    :data:`PIXEL_SCALES`). With ``channel_axis`` the result has shape ``(N, 28, 28, 1)``.
    """
    factor = _check_scale(scale)
    x = np.asarray(images, dtype=np.float32) * np.float32(factor)
    return x[..., np.newaxis] if channel_axis else x


def predict_classes(
    model: Any, images: np.ndarray, scale: str = DEFAULT_SCALE, batch_size: int = 256
) -> np.ndarray:
    """Predicted class (``argmax`` of the output) of each uint8 image, as ``uint8`` ``(N,)``.

    The images are prepared by :func:`prepare_images` with ``scale`` and with the channel axis
    when the model's input has one. Raises ``ValueError`` when the output is not ``(N, 10)``
    finite scores.
    """
    _check_scale(scale)
    channel_axis = len(model.input_shape) == 4
    x = prepare_images(images, channel_axis, scale)
    scores = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    expected = (len(x), OUTPUT_SHAPE[1])
    if scores.shape != expected:
        raise ValueError(
            f"o modelo devolveu saída de formato {scores.shape}; esperado {expected} "
            "(uma pontuação por classe para cada imagem)"
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError("o modelo devolveu valores não finitos (NaN ou infinito)")
    return np.argmax(scores, axis=1).astype(np.uint8)


def classes_by_scale(model: Any, images: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`predict_classes` of ``images`` under every scale of :data:`PIXEL_SCALES`."""
    return {scale: predict_classes(model, images, scale) for scale in PIXEL_SCALES}


def choose_pixel_scale(
    classes_by_scale: Mapping[str, np.ndarray], labels: np.ndarray
) -> tuple[str, dict[str, float]]:
    """The pixel scale under which a model scores best, and the accuracy under each scale.

    ``classes_by_scale`` maps each scale of :data:`PIXEL_SCALES` to the classes predicted for
    the same public images (not the evaluation set), whose true classes are ``labels``. A tie
    goes to :data:`DEFAULT_SCALE`. Pure function: the grader calls it outside the sandbox,
    where the labels are.
    """
    labels = np.asarray(labels)
    missing = [scale for scale in PIXEL_SCALES if scale not in classes_by_scale]
    if missing:
        raise ValueError(f"faltam as previsões das escalas {missing}")
    accuracies = {}
    for scale in PIXEL_SCALES:
        classes = np.asarray(classes_by_scale[scale])
        if classes.shape != labels.shape:
            raise ValueError(
                f"escala {scale}: {classes.shape} previsões para {labels.shape} rótulos"
            )
        accuracies[scale] = float(np.mean(classes == labels)) if len(labels) else 0.0
    return _best_scale(accuracies), accuracies


def _best_scale(accuracies: Mapping[str, float]) -> str:
    return max(PIXEL_SCALES, key=lambda scale: (accuracies[scale], scale == DEFAULT_SCALE))


def scale_diagnosis(accuracies: Mapping[str, float]) -> str | None:
    """A Portuguese line explaining the per-scale accuracies, or ``None`` when all is normal.

    At chance (below :data:`CHANCE_ACCURACY`) under every scale: the model did not learn (or
    is not the trained one). Best under a scale other than :data:`DEFAULT_SCALE`: the model
    expects that scale, and it is scored with it.
    """
    best = _best_scale(accuracies)
    if accuracies[best] < CHANCE_ACCURACY:
        tried = ", ".join(f"{accuracies[s]:.2f} com {SCALE_NAMES[s]}" for s in PIXEL_SCALES)
        return (
            f"o modelo acerta só por acaso com qualquer escala de pixels ({tried}; o acaso é "
            "0.10): confira se ele foi treinado (model.fit) e se foi o modelo treinado que você "
            "salvou"
        )
    if best != DEFAULT_SCALE:
        return (
            f"com {SCALE_NAMES[DEFAULT_SCALE]} o modelo acerta {accuracies[DEFAULT_SCALE]:.2f}, "
            f"com {SCALE_NAMES[best]} acerta {accuracies[best]:.2f}: ele espera "
            f"{SCALE_NAMES[best]} (tem uma camada Rescaling(1/255) dentro, ou foi treinado sem "
            f"dividir por 255) e é avaliado assim"
        )
    return None


def public_sample(size: int = PUBLIC_SAMPLE_SIZE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``size`` images and labels drawn from the Fashion-MNIST **training** split.

    Public images for :func:`choose_pixel_scale`: they are never in the test split nor in the
    grader's evaluation set (drawn from the test split). Fewer in fast mode if the split is
    smaller.
    """
    from course_utils import datasets

    (x_train, y_train), _ = datasets.load_fashion_mnist()
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(y_train), size=min(size, len(y_train)), replace=False)
    return x_train[chosen], y_train[chosen]


def model_accuracy(
    model: Any, images: np.ndarray, labels: np.ndarray, scale: str | None = None
) -> float:
    """Fraction of ``images`` (uint8, ``(N, 28, 28)``) whose predicted class is the label.

    ``scale`` is the pixel scale (see :data:`PIXEL_SCALES`); ``None`` chooses it on these
    images with :func:`choose_pixel_scale`. To score as the grader does, choose the scale on
    :func:`public_sample` and pass it here.
    """
    labels = np.asarray(labels)
    if scale is None:
        scale, accuracies = choose_pixel_scale(classes_by_scale(model, images), labels)
        return accuracies[scale]
    return float(np.mean(predict_classes(model, images, scale) == labels))


# ------------------------------------------------------------------------ self-check


def self_check(folder: str | os.PathLike, verbose: bool = True) -> dict[str, Any]:
    """Check a submission folder as the grader will, and print a short report in Portuguese.

    Returns ``{"valid": bool, "problems": [str, ...], "accuracy": float | None}``;
    ``accuracy`` is measured on the Fashion-MNIST test split of
    :func:`course_utils.datasets.load_fashion_mnist` (the small subset in fast mode). Never
    raises for a broken folder: every problem is reported instead.
    """
    folder = Path(folder)
    lines: list[str] = []
    problems: list[str] = []

    def ok(text: str) -> None:
        lines.append(f"✅ {text}")

    def bad(text: str) -> None:
        lines.append(f"❌ {text}")
        problems.append(text)

    model = None
    accuracy = None
    if not folder.is_dir():
        bad(f"a pasta {folder} não existe")
    else:
        model_path, experiments_path = folder / MODEL_FILE, folder / EXPERIMENTS_FILE
        for path in (model_path, experiments_path):
            if path.is_file():
                ok(f"{path.name} encontrado")
            else:
                bad(f"{path.name} não encontrado em {folder}")
        if model_path.is_file():
            try:
                model = _load_model(model_path)
                ok(f"{MODEL_FILE} carrega (safe_mode=True)")
            except Exception as error:  # a broken file: report, never raise
                bad(f"{MODEL_FILE} não carrega: {type(error).__name__}: {error}")
        if model is not None:
            try:
                validate_model(model)
                ok(f"formato do modelo: entrada {model.input_shape}, saída {model.output_shape}")
            except ValueError as error:
                bad(f"formato do modelo errado: {error}")
                model = None
        if experiments_path.is_file():
            try:
                document = load_experiments(experiments_path)
                ok(
                    f"{EXPERIMENTS_FILE} válido: {len(document['runs'])} execuções, "
                    f"student_id {document['student_id']!r}"
                )
            except (OSError, ValueError) as error:
                bad(f"{EXPERIMENTS_FILE} inválido: {error}")
        if model is not None:
            accuracy = _test_accuracy(model, ok, bad, lines)

    if problems:
        lines.append(f"Corrija {len(problems)} problema(s) antes de entregar a pasta {folder}.")
    else:
        lines.append(f"Tudo certo: a pasta {folder} está pronta para a entrega.")
    if verbose:
        print("\n".join(lines))
    return {"valid": not problems, "problems": problems, "accuracy": accuracy}


def _test_accuracy(model: Any, ok: Any, bad: Any, lines: list[str]) -> float | None:
    """Accuracy on the test split; a missing dataset is a warning, not a folder problem."""
    from course_utils import config, datasets

    try:
        _, (x_test, y_test) = datasets.load_fashion_mnist()
    except Exception as error:  # no data here: the folder may still be fine
        lines.append(
            f"⚠️ não consegui carregar o teste do Fashion-MNIST para medir a acurácia: {error}"
        )
        return None
    try:
        accuracy = model_accuracy(model, x_test, y_test)
    except Exception as error:
        bad(f"o modelo falhou ao classificar o teste: {type(error).__name__}: {error}")
        return None
    mode = ", modo rápido" if config.FAST else ""
    ok(f"acurácia no teste ({len(y_test)} imagens{mode}): {accuracy:.4f}")
    return accuracy
