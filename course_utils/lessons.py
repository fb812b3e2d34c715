"""Settings that several lessons share: the course's seed and its train/validation split.

Each lesson's own settings (epochs, filters, ...) stay in ``course_utils.exercises.lessonNN``;
what two lessons, a checker and a benchmark all need lives here once.
"""

from __future__ import annotations

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
        raise ValueError(f"fraction must be between 0 and 1, got {fraction!r}")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    size = max(int(round(fraction * len(y))), len(np.unique(y)))
    return train_test_split(x, y, test_size=size, stratify=y, random_state=seed)
