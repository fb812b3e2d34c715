"""Sample images shipped in the repository's ``data/`` folder."""

from __future__ import annotations

import matplotlib.image
import numpy as np

from course_utils.config import data_path

SAMPLE_IMAGE = "grace_hopper.jpg"
"""The default photo: Grace Hopper, public domain (see ``data/README.md``)."""


def load_sample_image(name: str = SAMPLE_IMAGE, gray: bool = False) -> np.ndarray:
    """Load a photo from ``data/`` as uint8: (H, W, 3) RGB, or (H, W) if ``gray``.

    Gray uses the ITU-R BT.601 luma weights 0.299 R + 0.587 G + 0.114 B.
    """
    image = matplotlib.image.imread(data_path(name))
    if image.dtype != np.uint8:  # PNG files are read as floats in [0, 1]
        image = np.round(image * 255).astype(np.uint8)
    image = image[..., :3] if image.ndim == 3 else image
    if gray and image.ndim == 3:
        return to_gray(image)
    return image


def to_gray(image: np.ndarray) -> np.ndarray:
    """Convert an (H, W, 3) uint8 RGB image to (H, W) uint8 gray."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"esperava uma imagem RGB (H, W, 3), mas tem formato {image.shape}")
    gray = image.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    return np.clip(np.round(gray), 0, 255).astype(np.uint8)
