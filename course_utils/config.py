"""Run-time settings shared by every lesson: fast mode, strict checks, seeds, paths.

Fast mode (``COURSE_FAST=1``) is what the test suite uses: loaders return a small,
stratified and deterministic subset of each dataset and :func:`epochs` returns a
small number, so every notebook runs in under a minute on two CPU cores. Students
never see it unless they set the variable themselves.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import numpy as np

FAST: bool = os.environ.get("COURSE_FAST", "") == "1"
"""True when ``COURSE_FAST=1``: small data and few epochs."""

STRICT: bool = os.environ.get("COURSE_STRICT", "") == "1"
"""True when ``COURSE_STRICT=1``: a failing or unfinished exercise check raises."""

FAST_TRAIN_SIZE = 2000
"""Training examples kept by the dataset loaders in fast mode."""

FAST_TEST_SIZE = 500
"""Test examples kept by the dataset loaders in fast mode."""

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The repository this package was installed from (``pip install -e .``)."""


def set_seed(seed: int = 42) -> None:
    """Seed Python, NumPy and Keras/TensorFlow so a run can be repeated."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


def epochs(full: int, fast: int = 1) -> int:
    """Number of training epochs: ``full`` normally, ``fast`` in fast mode."""
    if full < 1 or fast < 1:
        raise ValueError(f"epochs must be at least 1, got full={full}, fast={fast}")
    return fast if FAST else full


def fast_mode_line() -> str:
    """One line, in Portuguese, saying whether fast mode is on and what it does."""
    if FAST:
        return (
            "Modo rápido LIGADO (COURSE_FAST=1): poucos dados e poucas épocas, "
            "só para testar que o notebook roda. Os números não são os da aula completa."
        )
    return (
        "Modo rápido desligado: dados completos e todas as épocas. "
        "(Os testes ligam COURSE_FAST=1 para rodar tudo em segundos com poucos dados.)"
    )


def data_path(name: str) -> Path:
    """Path of a small file shipped in the repository's ``data/`` folder."""
    path = REPO_ROOT / "data" / name
    if not path.is_file():
        raise FileNotFoundError(
            f"data file {name!r} not found in {path.parent}; "
            "install the course with `pip install -e .` from a clone of the repository"
        )
    return path
