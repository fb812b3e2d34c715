"""Small example arrays from the source lectures, shared by the lessons, their checks and tests.

They are written here once, exactly as the lectures print them (including a lecture's
mistakes, which the lessons point out by computing the right values).
"""

from __future__ import annotations

import numpy as np

PIXELS_5X5 = np.array(
    [
        [0, 0, 0, 255, 255],
        [170, 255, 170, 0, 255],
        [255, 255, 255, 170, 0],
        [255, 255, 255, 255, 0],
        [255, 255, 255, 170, 0],
    ],
    dtype=np.uint8,
)
"""The 5x5 grayscale image of the FIAP lecture and slides (0 = black, 255 = white)."""

NINE = np.array(
    [
        [-1, 1, 1, 1, -1],
        [-1, 1, -1, 1, -1],
        [-1, 1, 1, 1, -1],
        [-1, -1, -1, 1, -1],
        [-1, -1, -1, 1, -1],
        [-1, -1, 1, -1, -1],
        [-1, 1, -1, -1, -1],
    ]
)
"""The digit 9 of the optional lecture *Camadas convolucionais e Dropout*, drawn with +1 (ink)
and -1 (background), 7x5."""

CIRCLE_FILTER = np.array([[1, 1, 1], [1, -1, 1], [1, 1, 1]])
"""The same lecture's circle detector: a ring of +1 around a -1."""

CIRCLE_MAP_AS_PRINTED = np.array(
    [
        [-0.11, 1, -0.11],
        [-0.55, 0.11, -0.33],
        [-0.33, 0.33, -0.33],
        [-0.22, -0.11, -0.22],
        [-0.33, -0.33, -0.33],
    ]
)
"""The normalised circle map as the optional lecture prints it, two decimals.

Three entries are wrong, (3, 0), (3, 2) and (4, 1): they do not come from :data:`NINE` and
:data:`CIRCLE_FILTER`. One more, (1, 0), is truncated instead of rounded (-5/9 = -0.5556
printed as -0.55). Lesson 02 computes the right map and points out each difference.
"""
