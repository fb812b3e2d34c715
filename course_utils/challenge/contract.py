"""Submission of the Fashion-MNIST challenge (lesson 07): save, validate, score, self-check.

A student hands in **one archive**, ``entrega_<student_id>.zip``, written by
:func:`save_submission` into a folder that also holds the same files unzipped. The instructors' grader
reads it with the public functions of this module (:func:`load_experiments`,
:func:`validate_experiments`, :func:`validate_model`, :func:`predict_classes`,
:func:`choose_pixel_scale`), so a student's :func:`self_check` and the grader agree.

``model.keras``
    The trained model in Keras' native format (``model.save``). It must load with
    ``keras.saving.load_model(path, compile=False, safe_mode=True)`` (so no ``Lambda`` layers
    and no custom classes), take one input of shape ``(None, 28, 28, 1)`` or ``(None, 28, 28)``
    and return one output of shape ``(None, 10)``. The images are fed as :func:`prepare_images`
    makes them (float32, with the channel axis when the model's input has it) in the pixel
    scale the model expects: pixel / 255 as in the lessons, or raw pixels 0–255 for a model
    that normalises inside itself (``Rescaling(1/255)``); :func:`choose_pixel_scale` decides
    on public training images. The predicted class is the ``argmax`` of the output (softmax
    probabilities or logits both work).

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

``<notebook>.ipynb``
    The notebook that trained the model, as :func:`current_notebook` finds it (Colab's own
    export, ``JPY_SESSION_NAME`` in JupyterLab / Notebook 7, ``__vsc_ipynb_file__`` in VS
    Code). The grader's ``--execute`` runs it again.

:func:`save_submission` validates everything before writing, never replaces an existing
submission unless asked to (re-running the notebook leaves a complete one untouched), and
writes each file atomically (a temporary file renamed into place), so a failed save leaves no
half-written file. :func:`self_check` tells a student whether a folder or archive is ready to
hand in. Everything a student reads from this module (messages and exceptions) is in
Portuguese; the grader's own messages are the instructors' and stay in English.
"""

from __future__ import annotations

import io
import json
import math
import numbers
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from course_utils._atomic import write_atomic

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
        raise ValueError(
            f"student_id deve ser um texto (str), recebi {type(student_id).__name__}"
        )
    if not student_id:
        raise ValueError(
            "student_id está vazio; use a sua matrícula ou o seu nome, por exemplo 'maria.silva'"
        )
    if len(student_id) > _STUDENT_ID_MAX:
        raise ValueError(
            f"student_id tem {len(student_id)} caracteres; use no máximo {_STUDENT_ID_MAX}"
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


def _real(value: Any, where: str, upper: float | None) -> float:
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
        "val_accuracy": _real(run["val_accuracy"], f"{where}['val_accuracy']", upper=1),
        "train_seconds": _real(run["train_seconds"], f"{where}['train_seconds']", upper=None),
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


# ---------------------------------------------------------------------------- saving

ARCHIVE_TEMPLATE = "entrega_{student_id}.zip"
"""Name of the archive :func:`save_submission` writes, the one file to upload to the LMS."""

NOTEBOOK_FALLBACK = "07_desafio_fashion_mnist.ipynb"
"""Name given to the notebook when its environment does not tell its file name."""


def archive_path(out_dir: str | os.PathLike, student_id: str) -> Path:
    """Where :func:`save_submission` puts the archive: inside ``out_dir``, with the files."""
    return Path(out_dir) / ARCHIVE_TEMPLATE.format(
        student_id=validate_student_id(student_id)
    )


def _temporary_file(folder: Path, suffix: str) -> Path:
    handle, name = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    os.close(handle)
    return Path(name)


def _load_model(path: Path) -> Any:
    import keras

    return keras.saving.load_model(path, compile=False, safe_mode=True)


def _safe_notebook_name(name: str) -> str:
    """``name`` as a plain ASCII file name ending in ``.ipynb`` ("Cópia de x" → "Copia_de_x")."""
    ascii_name = unicodedata.normalize("NFKD", Path(name).name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name.removesuffix(".ipynb")).strip("._")
    return f"{stem or Path(NOTEBOOK_FALLBACK).stem}.ipynb"


def _notebook_bytes(data: bytes, where: str) -> bytes:
    """``data`` if it is a Jupyter notebook (JSON with ``cells``), else ``ValueError``."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{where} não é um notebook (JSON inválido: {error})") from error
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise ValueError(f"{where} não é um notebook Jupyter (não tem a lista 'cells')")
    return data


def _colab_notebook() -> tuple[str, bytes]:
    """The notebook as Colab's page holds it (Colab's own export, ``get_ipynb``)."""
    from google.colab import _message  # type: ignore[import-not-found]

    reply = _message.blocking_request("get_ipynb", request="", timeout_sec=60)
    if not isinstance(reply, dict) or not isinstance(reply.get("ipynb"), dict):
        raise FileNotFoundError("o Colab não devolveu o conteúdo do notebook")
    notebook = reply["ipynb"]
    name = notebook.get("metadata", {}).get("colab", {}).get("name") or NOTEBOOK_FALLBACK
    data = json.dumps(notebook, ensure_ascii=False, indent=1).encode("utf-8")
    return _safe_notebook_name(name), _notebook_bytes(data, "o notebook do Colab")


def _notebook_file() -> Path | None:
    """The running notebook's file: VS Code's ``__vsc_ipynb_file__`` or ``JPY_SESSION_NAME``.

    Jupyter Server (JupyterLab, Notebook 7) puts the notebook's path, absolute or relative to
    the server's folder, in the kernel's ``JPY_SESSION_NAME``.
    """
    candidates = []
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None and shell.user_ns.get("__vsc_ipynb_file__"):
        candidates.append(Path(shell.user_ns["__vsc_ipynb_file__"]))
    session = os.environ.get("JPY_SESSION_NAME")
    if session:
        path = Path(session)
        candidates += [path] if path.is_absolute() else [Path.cwd() / path, Path.cwd() / path.name]
    return next((c for c in candidates if c.suffix == ".ipynb" and c.is_file()), None)


def current_notebook() -> tuple[str, bytes]:
    """The running notebook: ``(file name, contents of the .ipynb)``.

    In Colab, the notebook as the browser holds it; in JupyterLab, Notebook 7 and VS Code,
    the notebook's file **as last saved**. Raises ``FileNotFoundError`` (in Portuguese) when
    the environment does not say which notebook is running (a plain ``python``, nbconvert).
    """
    from course_utils import config

    if config.in_colab():
        return _colab_notebook()
    path = _notebook_file()
    if path is None:
        raise FileNotFoundError(
            "não descobri qual é o arquivo deste notebook (isso funciona no Colab, no "
            "JupyterLab, no Jupyter Notebook 7 e no VS Code)"
        )
    return _safe_notebook_name(path.name), _notebook_bytes(path.read_bytes(), str(path))


def _notebook_for_submission(notebook: str | os.PathLike | None) -> tuple[str, bytes]:
    if notebook is None:
        return current_notebook()
    path = Path(notebook)
    if not path.is_file():
        raise FileNotFoundError(f"o notebook {path} não existe")
    return _safe_notebook_name(path.name), _notebook_bytes(path.read_bytes(), str(path))


def _write_archive(archive: Path, folder: Path, names: list[str]) -> None:
    """Zip ``folder/name`` for each name, flat, into ``archive`` (atomically)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            zf.write(folder / name, arcname=name)
    write_atomic(archive, buffer.getvalue())


def _notebooks_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.ipynb") if path.is_file())


def _offer_download(archive: Path) -> None:
    """In Colab, start the browser's download of ``archive``; elsewhere say where it is."""
    from course_utils import config

    if not config.in_colab():
        print(f"Envie o arquivo {archive} no ambiente da disciplina (Moodle, Canvas, Classroom).")
        return
    try:
        from google.colab import files  # type: ignore[import-not-found]

        files.download(str(archive))
        print(f"O navegador vai baixar {archive.name}: envie esse arquivo no ambiente da "
              "disciplina (Moodle, Canvas, Classroom).")
    except Exception as error:  # a blocked pop-up, a closed tab: say how to get it by hand
        print(f"⚠️ O download automático falhou ({error}). Abra o painel Arquivos (ícone de "
              f"pasta, à esquerda), clique nos três pontos ao lado de {archive.name} e escolha "
              "Fazer download.")


def _keep_existing(folder: Path, archive: Path) -> Path:
    """An existing complete submission is left as it is (its archive made if missing)."""
    if not archive.exists():
        names = [MODEL_FILE, EXPERIMENTS_FILE, *_notebooks_in(folder)]
        _write_archive(archive, folder, names)
    print(f"ℹ️ Já existe uma entrega em {folder} ({archive.name}): não mudei nada. Para "
          "substituí-la pelo modelo e pela tabela de agora, chame save_submission(..., "
          "overwrite=True).")
    return archive


def save_submission(
    model: Any,
    experiments: Any,
    student_id: str,
    out_dir: str | os.PathLike = "submissao",
    overwrite: bool = False,
    notebook: str | os.PathLike | None = None,
) -> Path:
    """Save the hand-in and return the archive to upload, ``entrega_<student_id>.zip``.

    Writes ``out_dir/model.keras``, ``out_dir/experiments.json`` and a copy of the running
    notebook (:func:`current_notebook`, or the file ``notebook``), then zips the three, flat,
    into :func:`archive_path` (in ``out_dir`` too: nothing is written outside it); in Colab
    the browser downloads it.
    Everything is validated first (:func:`validate_model`, :func:`validate_experiments`,
    :func:`validate_student_id`; ``ValueError`` otherwise). The model is saved to a temporary
    file and loaded back with ``safe_mode=True`` (the grader's way) before anything is renamed
    into place, so a failed save leaves no file half-written.

    An existing submission is never replaced unless ``overwrite=True``: a complete one
    (model and experiments) is left untouched with a message, so re-running the notebook,
    as the grader does, changes nothing; a partial one raises ``FileExistsError``. A notebook
    that cannot be found is reported with what to do, and the rest is saved anyway.
    """
    student_id = validate_student_id(student_id)
    validate_model(model)
    runs = validate_experiments(experiments)
    document = {"student_id": student_id, "format": FORMAT_VERSION, "runs": runs}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    folder = Path(out_dir)
    archive = archive_path(folder, student_id)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} existe e não é uma pasta")
    existing = [path for path in (folder / MODEL_FILE, folder / EXPERIMENTS_FILE, archive)
                if path.exists()]
    if existing and not overwrite:
        if (folder / MODEL_FILE).is_file() and (folder / EXPERIMENTS_FILE).is_file():
            return _keep_existing(folder, archive)
        raise FileExistsError(
            f"{', '.join(map(str, existing))} já existe(m), mas não há uma entrega completa em "
            f"{folder}; escolha outra pasta (out_dir) ou passe overwrite=True para substituir"
        )
    _write_model_and_experiments(model, text, folder)
    names = [MODEL_FILE, EXPERIMENTS_FILE]
    try:
        name, data = _notebook_for_submission(notebook)
        write_atomic(folder / name, data)
        names.append(name)
    except (OSError, ValueError) as error:
        print(f"⚠️ A entrega vai sem o notebook: {error}. Salve o notebook e chame "
              "save_submission(..., notebook='caminho/do/notebook.ipynb', overwrite=True), "
              f"ou ponha uma cópia do .ipynb em {folder} e dentro de {archive.name}.")
    _write_archive(archive, folder, names)
    print(f"✅ Entrega salva: {archive} ({', '.join(names)}).")
    _offer_download(archive)
    return archive


def _write_model_and_experiments(model: Any, text: str, folder: Path) -> None:
    """Write both files through temporary files, renamed into place only if all worked."""
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
                "o modelo salvo não carrega de volta com safe_mode=True (camadas Lambda e "
                f"classes próprias não são permitidas): {error}"
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


def _unzip_submission(archive: Path, target: Path) -> Path:
    """Extract the student's own archive into ``target``; the folder holding ``model.keras``.

    ``ValueError`` for a file that is not a zip or holds paths outside the archive.
    """
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                parts = Path(member).parts
                if Path(member).is_absolute() or ".." in parts:
                    raise ValueError(f"{archive.name} tem um caminho inseguro: {member!r}")
            zf.extractall(target)
    except zipfile.BadZipFile as error:
        raise ValueError(f"{archive.name} não é um arquivo zip válido: {error}") from error
    root = target
    while not (root / MODEL_FILE).exists():
        children = [child for child in root.iterdir() if not child.name.startswith(".")]
        if len(children) != 1 or not children[0].is_dir():
            break
        root = children[0]
    return root


def self_check(path: str | os.PathLike, verbose: bool = True) -> dict[str, Any]:
    """Check a submission (its folder or its ``.zip``) as the grader will; print a report.

    The report is in Portuguese. The model is scored as the grader scores it: the pixel scale
    (:data:`PIXEL_SCALES`) is chosen on :func:`public_sample`, a sample of **training**
    images, so the test split stays untouched; a model near chance gets a warning with the
    likely cause. Returns ``{"valid": bool, "problems": [str], "warnings": [str],
    "accuracy": float | None, "scale": str | None}`` (``accuracy`` on that sample). Never
    raises for a broken submission: every problem is reported instead.
    """
    path = Path(path)
    report = _Report()
    if path.is_file() and path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory() as scratch:
            try:
                folder = _unzip_submission(path, Path(scratch))
            except ValueError as error:
                report.bad(str(error))
            else:
                _check_folder(folder, report)
    elif path.is_dir():
        _check_folder(path, report)
    else:
        report.bad(f"{path} não existe (passe a pasta da entrega ou o seu .zip)")
    if report.problems:
        report.lines.append(f"Corrija {len(report.problems)} problema(s) antes de entregar {path}.")
    else:
        report.lines.append(f"Tudo certo: {path} está pronto para a entrega.")
    if verbose:
        print("\n".join(report.lines))
    return {"valid": not report.problems, "problems": report.problems,
            "warnings": report.warnings, "accuracy": report.accuracy, "scale": report.scale}


class _Report:
    """The lines of a :func:`self_check` report and what they found."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.accuracy: float | None = None
        self.scale: str | None = None

    def ok(self, text: str) -> None:
        self.lines.append(f"✅ {text}")

    def bad(self, text: str) -> None:
        self.lines.append(f"❌ {text}")
        self.problems.append(text)

    def warn(self, text: str) -> None:
        self.lines.append(f"⚠️ {text}")
        self.warnings.append(text)


def _check_folder(folder: Path, report: _Report) -> None:
    model_path, experiments_path = folder / MODEL_FILE, folder / EXPERIMENTS_FILE
    for file in (model_path, experiments_path):
        if file.is_file():
            report.ok(f"{file.name} encontrado")
        else:
            report.bad(f"{file.name} não encontrado em {folder.name or folder}")
    notebooks = _notebooks_in(folder)
    if notebooks:
        report.ok(f"notebook encontrado: {', '.join(notebooks)}")
    else:
        report.warn("nenhum notebook (.ipynb) na entrega: o ponto do notebook fica zerado")
    model = None
    if model_path.is_file():
        try:
            model = _load_model(model_path)
            report.ok(f"{MODEL_FILE} carrega (safe_mode=True)")
        except Exception as error:  # a broken file: report, never raise
            report.bad(f"{MODEL_FILE} não carrega: {type(error).__name__}: {error}")
    if model is not None:
        try:
            validate_model(model)
            report.ok(
                f"formato do modelo: entrada {model.input_shape}, saída {model.output_shape}"
            )
        except ValueError as error:
            report.bad(f"formato do modelo errado: {error}")
            model = None
    if experiments_path.is_file():
        try:
            document = load_experiments(experiments_path)
            report.ok(
                f"{EXPERIMENTS_FILE} válido: {len(document['runs'])} execuções, "
                f"student_id {document['student_id']!r}"
            )
        except (OSError, ValueError) as error:
            report.bad(f"{EXPERIMENTS_FILE} inválido: {error}")
    if model is not None:
        _score(model, report)


def _score(model: Any, report: _Report) -> None:
    """Choose the pixel scale and measure the accuracy on :func:`public_sample`."""
    from course_utils import config

    try:
        images, labels = public_sample()
    except Exception as error:  # no data here: the submission may still be fine
        report.warn(f"não consegui carregar imagens do Fashion-MNIST para medir o modelo: {error}")
        return
    try:
        classes = classes_by_scale(model, images)
    except Exception as error:
        report.bad(f"o modelo falhou ao classificar imagens: {type(error).__name__}: {error}")
        return
    report.scale, accuracies = choose_pixel_scale(classes, labels)
    report.accuracy = accuracies[report.scale]
    mode = ", modo rápido" if config.FAST else ""
    report.ok(
        f"acurácia em {len(labels)} imagens de treino{mode}, com {SCALE_NAMES[report.scale]}: "
        f"{report.accuracy:.4f} (imagens que o modelo já viu: só um sinal de vida; a nota vem "
        "de um conjunto de avaliação privado)"
    )
    diagnosis = scale_diagnosis(accuracies)
    if diagnosis:
        report.warn(diagnosis)
