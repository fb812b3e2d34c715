"""Refuse a model file before loading it: only built-in Keras objects may be named in it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from course_utils.grading.errors import SubmissionError

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

    ``invalid_model`` when it is not a Keras zip with a readable ``config.json`` (an HDF5 or
    pickle file renamed, for example); ``rejected_model`` when ``config.json`` names an object
    outside :data:`ALLOWED_OBJECTS` (``Lambda``, custom classes, unknown modules). Training
    settings (``compile_config``) are ignored: the grader loads with ``compile=False``.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("config.json")
            if info.file_size > MAX_CONFIG_BYTES:
                raise SubmissionError("invalid_model", "config.json is too large")
            config = json.loads(zf.read(info)[: MAX_CONFIG_BYTES + 1])
    except SubmissionError:
        raise
    except (zipfile.BadZipFile, KeyError) as error:
        raise SubmissionError(
            "invalid_model",
            f"{path.name} is not a Keras model file (a zip with config.json): {error}; "
            "save it with model.save('model.keras')") from error
    except (ValueError, OSError, RuntimeError, NotImplementedError) as error:
        raise SubmissionError("invalid_model", f"config.json is unreadable: {error}") from error
    if not isinstance(config, dict):
        raise SubmissionError("invalid_model", "config.json does not hold a model")
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
