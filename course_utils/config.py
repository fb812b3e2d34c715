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
        raise ValueError(f"seed deve ser um inteiro não negativo, recebi {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)
        _reset_keras_seed_generator()


def _reset_keras_seed_generator() -> None:
    """Forget Keras' global SeedGenerator, so ``keras.random`` without a seed restarts too.

    Keras 3.13+ does this inside ``set_random_seed``; Keras 3.12 (the newest on Python 3.10)
    keeps the generator, and a second ``set_seed`` in the same session would not repeat the
    same initial weights. The attribute name is Keras' own (``seed_generator.py``).
    """
    from keras.src.backend.common import global_state

    global_state.set_global_attribute("global_seed_generator", None)


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


def epochs(full: int, fast: int = 1) -> int:
    """Number of training epochs: ``full`` normally, ``fast`` in fast mode."""
    if full < 1 or fast < 1:
        raise ValueError(f"epochs deve ser pelo menos 1, recebi full={full}, fast={fast}")
    return fast if FAST else full


CPU_MINUTES: dict[int, tuple[int, int]] = {8: (12, 14), 9: (110, 120), 10: (60, 180), 12: (20, 60),
                                           13: (10, 40), 11: (500, 750)}
"""Rough minutes (low, high) each long lesson takes in full mode on 2 CPU cores, no GPU.

Source: ``docs/results.md``, per-epoch times measured on a 2-core AMD EPYC without GPU and
projected to the full datasets. Lesson 08: 5 epochs of the lecture model (32–48 s) plus 5 of
the VGG-style model (108–119 s). Lesson 09: 2 trainings of 30 epochs of that VGG-style model.
Lesson 10: 5 variants × 10 epochs and up to 40 more at 71–149 s, "up to about 3 hours".
Lesson 11: 4 networks (Plain/ResNet-20 and -56) × 15 epochs of 45,000 images, 363–754 s per
epoch at the best and 8.4–12.5 h in all (best to mean epoch, measured at load 14).
Lesson 12: "20–60 minutes for a 25–40-epoch run" at 180×180.
Lesson 13: 16 min for benchmarks/transfer_xray.py on the mirror at load 5–14 (6.4 of them
pretraining the CIFAR-10 base on 10,000 images; the full 50,000 make that part 5 times longer)."""

TPU_LESSONS = (12,)
"""Lessons written to run on a TPU too (through :func:`course_utils.distribute.get_strategy`)."""


def accelerator() -> str | None:
    """``"TPU"`` or ``"GPU"`` when this machine has one the lessons can use, else ``None``.

    TPU: chips attached to this machine (a Colab TPU VM) or ``TPU_NAME`` set; GPU: one that
    TensorFlow sees. Neither is initialised here.
    """
    from course_utils import distribute

    if os.environ.get("TPU_NAME") or distribute.local_tpu_chips():
        return "TPU"
    try:
        import tensorflow as tf
    except ImportError:  # a runtime without TensorFlow (JAX only): no GPU it can see here
        return None
    return "GPU" if tf.config.list_physical_devices("GPU") else None


def _minutes(low: int, high: int) -> str:
    if high < 90:
        return f"{low} a {high} min"
    hours = [f"{m / 60:.1f}".removesuffix(".0").replace(".", ",") for m in (low, high)]
    return f"{hours[0]} a {hours[1]} h"


def accelerator_line(lesson: int) -> str:
    """One line, in Portuguese: the accelerator found or, without one, how to get one in Colab
    and roughly how long ``lesson`` takes in full mode on a CPU (:data:`CPU_MINUTES`)."""
    found = accelerator()
    if found:
        return f"Acelerador: {found} encontrada; o treino desta aula roda nela."
    duration = _minutes(*CPU_MINUTES[lesson])
    wanted = "uma GPU ou TPU" if lesson in TPU_LESSONS else "uma GPU"
    return (
        f"Acelerador: nenhum (só CPU). No modo completo, esta aula leva uns {duration} "
        f"numa CPU de 2 núcleos; no Colab, troque para {wanted} em Ambiente de execução → "
        "Alterar o tipo de ambiente de execução (Runtime → Change runtime type) e rode de novo."
    )


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
            f"arquivo de dados {name!r} não encontrado em {path.parent}; "
            "instale o curso com `pip install -e .` a partir de um clone do repositório"
        )
    return path
