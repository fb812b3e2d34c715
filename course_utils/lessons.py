"""Settings that several lessons share: the course's seed, a student's seed, the split.

Each lesson's own settings (epochs, filters, ...) stay in ``course_utils.exercises.lessonNN``;
what two lessons, a checker and a benchmark all need lives here once.
"""

from __future__ import annotations

import hashlib

import numpy as np

SEED = 42
"""The course's seed: validation splits, shuffling and initial weights of every lesson."""


def reference_split(
    x: np.ndarray, y: np.ndarray, fraction: float, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_tr, x_val, y_tr, y_val)``: a stratified split holding out ``fraction`` of ``y``.

    The validation part keeps at least one image per class, so tiny test sets still split.
    """
    from sklearn.model_selection import train_test_split

    if not 0 < fraction < 1:
        raise ValueError(f"fraction deve estar entre 0 e 1, recebi {fraction!r}")
    if len(x) != len(y):
        raise ValueError(f"x e y devem ter o mesmo tamanho, recebi {len(x)} e {len(y)}")
    size = max(int(round(fraction * len(y))), len(np.unique(y)))
    return train_test_split(x, y, test_size=size, stratify=y, random_state=seed)


def student_seed(student_id: str) -> int:
    """A seed of one's own: the same for a ``student_id`` on every run and platform.

    The first four bytes of the SHA-256 of the UTF-8 id, as an int in ``[0, 2**31)`` (what
    NumPy, TensorFlow and Keras accept). Two students who make the same choices with the
    course's :data:`SEED` train bit-identical models on a CPU; with their own seeds they don't.

    >>> student_seed("maria.silva") == student_seed("maria.silva") != student_seed("joao.souza")
    True
    """
    if not isinstance(student_id, str) or not student_id:
        raise ValueError(f"student_id deve ser um texto não vazio, recebi {student_id!r}")
    digest = hashlib.sha256(student_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 2**31
