"""Refuse a model file before loading it: only built-in Keras objects, nothing outside the file.

``safe_mode`` has had repeated bypasses (:data:`KERAS_FIXES`); the grader never relies on it
alone. :func:`check_model_file` reads the ``.keras`` zip, its ``config.json`` and its
``model.weights.h5`` (with h5py, never Keras) and refuses what a model of built-in layers
saved by ``model.save`` never holds: unsafe or extra archive entries, decompression bombs,
objects outside the allowlist, file paths and URLs, HDF5 links and external storage.
:func:`require_safe_keras` keeps the grader off a Keras older than the newest known fix.
"""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

from course_utils.grading.errors import GradingError, SubmissionError

MAX_CONFIG_BYTES = 16 * 2**20
"""Largest ``config.json`` inside a ``.keras`` file that is read."""

ALLOWED_LAYERS = frozenset({
    "InputLayer", "Conv1D", "Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose",
    "Dense", "Flatten", "Reshape", "Permute", "RepeatVector", "Dropout", "SpatialDropout2D",
    "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
    "MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling2D",
    "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
    "BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
    "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
    "ZeroPadding2D", "Cropping2D", "UpSampling2D", "Add", "Subtract", "Multiply", "Average",
    "Maximum", "Minimum", "Concatenate", "Rescaling", "Normalization", "Resizing",
    "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
    "RandomContrast", "RandomBrightness", "RandomCrop",
})
"""Layer classes of ``keras.layers`` a submitted model may use (no ``Lambda``, no custom)."""

ALLOWED_OBJECTS = {
    "keras": {"Sequential", "Model", "Functional", "DTypePolicy", "FloatDTypePolicy"},
    "keras.src.models.functional": {"Functional"},
    "keras.src.models.sequential": {"Sequential"},
    "keras.src.models.model": {"Model"},
    "keras.initializers": {
        "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
        "LecunNormal", "RandomUniform", "RandomNormal", "TruncatedNormal", "Zeros", "Ones",
        "Constant", "Orthogonal", "Identity", "VarianceScaling",
    },
    "keras.regularizers": {"L1", "L2", "L1L2", "OrthogonalRegularizer"},
    "keras.constraints": {"MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"},
    "keras.activations": {"function"},  # a built-in activation, named by a string
    "keras.layers": ALLOWED_LAYERS,
    None: {"__keras_tensor__", "__tuple__"},
}
"""``module`` → allowed ``class_name`` of every object in a model's ``config.json``."""

MAX_MODEL_BYTES = 256 * 2**20
"""Most bytes the entries of a ``.keras`` file may unpack to, all together."""

MAX_RATIO = 100
"""Largest compression ratio of an entry over 1 MiB: more is a decompression bomb."""

MODEL_ENTRIES = frozenset({"config.json", "metadata.json", "model.weights.h5"})
"""The files of a ``.keras`` file whose layers are all in :data:`ALLOWED_LAYERS` (none of
them has assets)."""

MAX_H5_OBJECTS = 10_000
"""Most groups and datasets walked in ``model.weights.h5``."""

KERAS_FIXES = (
    ("3.9.0", "CVE-2025-1550", "config.json naming any Python module and function"),
    ("3.11.0", "CVE-2025-8747", "safe_mode bypassed through Keras' own functions"),
    ("3.11.0", "CVE-2025-9906", "config.json turning safe_mode off"),
    ("3.11.3", "CVE-2025-9905", "legacy HDF5 models loaded with safe_mode ignored"),
    ("3.12.0", "CVE-2025-12058", "a vocabulary read from any file path or URL"),
    ("3.13.2", "CVE-2026-1669", "HDF5 external datasets reading local files"),
    ("3.13.2", "CVE-2026-1462", "TFSMLayer loading an external SavedModel"),
    ("3.14.0", "GHSA-hqp4-2352-xf5r", "path traversal during archive extraction"),
)
"""``(first fixed Keras release, advisory, what a crafted file could do)``: the safe_mode
bypasses the grader knows of. :func:`require_safe_keras` refuses anything older than the
newest; :func:`check_model_file` also refuses, before loading, every file that would need
one of them (so an unknown regression of these fixes stays harmless)."""

_PATH_LIKE = re.compile(r"[/\\]|\.\.|^~|://")


def _version_tuple(version: str) -> tuple[int, ...]:
    """``"3.13.2"`` → ``(3, 13, 2)``; a pre-release (``3.14.0rc1``) sorts before its release."""
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?(.*)", version)
    if not match:
        return (0,)
    numbers = tuple(int(part or 0) for part in match.groups()[:3])
    return numbers if not match[4] or match[4].startswith(("+", ".post")) else (
        *numbers[:2], numbers[2] - 1, 999)


def installed_keras() -> str:
    """The version of the installed ``keras`` package (read without importing it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("keras")
    except PackageNotFoundError:
        return "0 (not installed)"


def require_safe_keras(version: str | None = None) -> None:
    """``GradingError`` unless Keras ``version`` (default: installed) has every known fix.

    The grader refuses to load students' models on an older Keras; the lessons themselves
    keep working on it (Colab may lag behind): only ``course grade`` calls this.
    """
    version = installed_keras() if version is None else version
    missing = [fix for fix in KERAS_FIXES if _version_tuple(version) < _version_tuple(fix[0])]
    if missing:
        newest = max((fix[0] for fix in KERAS_FIXES), key=_version_tuple)
        fixes = "; ".join(f"{release}: {advisory}, {what}" for release, advisory, what in missing)
        raise GradingError(
            f"Keras {version} is installed: the grader loads students' models only with "
            f"Keras >= {newest}, the first release with every fix it knows of. Missing "
            f"fixes: {fixes}. Upgrade the grader's environment (pip install -U "
            f"'keras>={newest}'; these Keras releases need Python >= 3.11, so on Python 3.10 "
            f"grade with a newer Python); the lessons keep working on this Keras.")


def _reject(message: str) -> SubmissionError:
    return SubmissionError("rejected_model", f"refused before loading: {message}")


def _check_entries(zf: zipfile.ZipFile) -> None:
    """The archive's entry names, sizes and files, as only ``model.save`` writes them."""
    seen, total = set(), 0
    for info in zf.infolist():
        name = info.filename
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in re.split(
                r"[/\\]", name):
            raise _reject(f"a path in the archive: {name!r} (GHSA-hqp4-2352-xf5r)")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _reject(f"a symbolic link in the archive: {name!r}")
        if name in seen:
            raise _reject(f"two entries named {name!r} in the archive")
        seen.add(name)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 2**20 and ratio > MAX_RATIO:
            raise _reject(f"a decompression bomb: {name!r} unpacks to "
                          f"{info.file_size / 2**20:.0f} MiB, {ratio:.0f} times its "
                          "compressed size")
        if total > MAX_MODEL_BYTES:
            raise _reject(f"the archive unpacks to more than {MAX_MODEL_BYTES // 2**20} MiB")
    extra = sorted(name for name in seen - MODEL_ENTRIES if not name.endswith("/"))
    if extra:
        raise _reject(f"unexpected file(s) in the archive: {', '.join(map(repr, extra[:5]))} "
                      "(a model of built-in layers saved with model.save holds only "
                      f"{', '.join(sorted(MODEL_ENTRIES))})")


def _check_known_bypasses(config: dict) -> None:
    """Refuse, by name, the objects of known bypasses: a TFSMLayer, a vocabulary given as a
    file, an activation that is not one (``keras.activations.deserialize`` as a gadget)."""
    for item in _config_objects(config):
        name, settings = item.get("class_name"), item.get("config")
        if name == "TFSMLayer":
            raise _reject("a TFSMLayer, which loads a SavedModel from outside the file "
                          "(CVE-2026-1462)")
        if isinstance(settings, dict) and isinstance(settings.get("vocabulary"), str):
            raise _reject(f"a vocabulary read from the file {settings['vocabulary']!r} in "
                          f"{name} (CVE-2025-12058)")
        if item.get("module") == "keras.activations" and (
                not isinstance(settings, str) or not re.fullmatch(r"[a-z0-9_]{1,40}", settings)
                or settings in ("get", "serialize", "deserialize")):
            raise _reject(f"an activation that is not a built-in one: {settings!r}")


def _check_strings(config: Any, where: str = "") -> None:
    """Refuse any string in ``config`` that looks like a file path or a URL (a layer name
    such as ``../../x`` makes Keras write outside its folder, CVE-2026-12479)."""
    if isinstance(config, dict):
        for key, value in config.items():
            if key != "compile_config":
                _check_strings(value, f"{where}.{key}")
    elif isinstance(config, list):
        for i, value in enumerate(config):
            _check_strings(value, f"{where}[{i}]")
    elif isinstance(config, str) and _PATH_LIKE.search(config):
        raise _reject(f"a file path or URL in config.json: {where.lstrip('.')} = "
                      f"{config[:200]!r}")


def _check_weights(data: bytes) -> None:
    """Refuse links and external storage in ``model.weights.h5`` (CVE-2026-1669), and
    datasets too large or not plain numbers (CVE-2026-0897)."""
    import h5py

    try:
        with h5py.File(io.BytesIO(data), "r") as f:
            todo, walked, total = [("", f)], 0, 0
            while todo:
                prefix, group = todo.pop()
                for name in group:
                    path = f"{prefix}/{name}"
                    walked += 1
                    if walked > MAX_H5_OBJECTS:
                        raise _reject(f"model.weights.h5 holds more than {MAX_H5_OBJECTS} "
                                      "objects")
                    link = group.get(name, getlink=True)
                    if isinstance(link, h5py.ExternalLink):
                        raise _reject(f"an external link in model.weights.h5: {path} → "
                                      f"{link.filename!r} (CVE-2026-1669)")
                    if isinstance(link, h5py.SoftLink):
                        raise _reject(f"a soft link in model.weights.h5: {path}")
                    item = group[name]
                    if isinstance(item, h5py.Group):
                        todo.append((path, item))
                        continue
                    total += _check_dataset(path, item)
                    if total > MAX_MODEL_BYTES:
                        raise _reject(f"the weights take more than {MAX_MODEL_BYTES // 2**20} "
                                      "MiB")
    except SubmissionError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError) as error:
        raise SubmissionError("invalid_model", f"model.weights.h5 is unreadable: {error}") \
            from error


def _check_dataset(path: str, dataset: Any) -> int:
    """Bytes of one weight dataset; refuses external storage, virtual or non-numeric ones."""
    if dataset.external:
        files = ", ".join(repr(entry[0]) for entry in dataset.external[:3])
        raise _reject(f"a dataset stored in external file(s) in model.weights.h5: {path} → "
                      f"{files} (CVE-2026-1669)")
    if dataset.is_virtual:
        raise _reject(f"a virtual dataset (data from other files) in model.weights.h5: {path}")
    if dataset.dtype.kind not in "biuf":
        raise _reject(f"a dataset of {dataset.dtype} in model.weights.h5: {path} (weights are "
                      "numbers)")
    return int(dataset.size) * dataset.dtype.itemsize


def _config_objects(node: Any) -> list[dict]:
    """Every serialized Keras object (a dict with ``class_name``) inside ``node``."""
    found, todo = [], [node]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            if "class_name" in item:
                found.append(item)
            todo.extend(value for key, value in item.items() if key != "compile_config")
        elif isinstance(item, list):
            todo.extend(item)
    return found


def check_model_file(path: Path) -> None:
    """Refuse a ``.keras`` file before loading it: ``SubmissionError`` with the status.

    ``invalid_model`` when it is not a Keras zip with a readable ``config.json`` and
    ``model.weights.h5`` (an HDF5 or pickle file renamed, for example); ``rejected_model``
    (message "refused before loading: ...") for a path, link, extra file or decompression
    bomb in the archive, a TFSMLayer or a vocabulary file, an object outside
    :data:`ALLOWED_OBJECTS` (``Lambda``, custom classes, unknown modules), a string in
    ``config.json`` that looks like a path or URL, and links, external storage or non-numeric
    datasets in the weights. Training settings (``compile_config``) are ignored: the grader
    loads with ``compile=False``.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            _check_entries(zf)
            info = zf.getinfo("config.json")
            if info.file_size > MAX_CONFIG_BYTES:
                raise SubmissionError("invalid_model", "config.json is too large")
            config = json.loads(zf.read(info)[: MAX_CONFIG_BYTES + 1])
            weights = zf.read("model.weights.h5")
    except SubmissionError:
        raise
    except (zipfile.BadZipFile, KeyError) as error:
        raise SubmissionError(
            "invalid_model",
            f"{path.name} is not a Keras model file (a zip with config.json and "
            f"model.weights.h5): {error}; "
            "save it with model.save('model.keras')") from error
    except (ValueError, OSError, RuntimeError, NotImplementedError) as error:
        raise SubmissionError("invalid_model", f"config.json is unreadable: {error}") from error
    if not isinstance(config, dict):
        raise SubmissionError("invalid_model", "config.json does not hold a model")
    _check_known_bypasses(config)
    for item in _config_objects(config):
        module, name = item.get("module"), item.get("class_name")
        registered = item.get("registered_name")
        allowed = ALLOWED_OBJECTS.get(module) if isinstance(module, (str, type(None))) else None
        if allowed is None or name not in allowed:
            where = f"{module}.{name}" if module else repr(name)
            kind = "a Lambda layer" if name == "Lambda" else "a class outside the allowlist"
            raise SubmissionError("rejected_model",
                                  f"the model uses {kind}: {where} (only built-in Keras layers "
                                  "are accepted; no Lambda layers, no custom classes)")
        if registered not in (None, name) and not (module == "keras.activations"):
            raise SubmissionError("rejected_model",
                                  f"the model uses a registered custom object {registered!r}")
    _check_strings(config)
    _check_weights(weights)
