"""The private evaluation set: drawn from the Fashion-MNIST test split, read back checked."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np

from course_utils import datasets
from course_utils._atomic import write_atomic
from course_utils.grading.errors import GradingError

EVAL_NOISE = 6
"""Largest change, in grey levels (0–255), that ``make-eval-set`` adds to a pixel."""


def make_eval_set(
    out: str | os.PathLike, seed: int | None = None, size: int = 5000, force: bool = False
) -> Path:
    """Write a private evaluation set ``out`` (``.npz`` with ``x`` and ``y``); return its path.

    ``size`` images are drawn, stratified, from the official Fashion-MNIST test split with
    ``seed`` (a random one when ``None``: nobody can re-derive the draw), shuffled, and given
    a little noise (each pixel moves by at most :data:`EVAL_NOISE` grey levels): no image is
    byte-identical to a public one, and a model scores on it what it scores on the test split.
    Flips and shifts keep each label but not the test split's look (every shoe points left),
    and cost a model trained without them many points: ``benchmarks/eval_set_gap.py`` measures
    it (figures in ``docs/results.md``). Instructors may bring their own images in the same
    format: ``x`` uint8 ``(N, 28, 28)``, ``y`` integers 0–9 ``(N,)``.
    """
    out = Path(out)
    if out.exists() and not force:
        raise GradingError(f"{out} already exists; pass --force to replace it")
    if not isinstance(size, int) or size < 1:
        raise GradingError(f"--size must be a positive integer, got {size!r}")
    if seed is not None and (not isinstance(seed, int) or seed < 0):
        raise GradingError(f"--seed must be an integer >= 0, got {seed!r}")
    try:
        _, (x_test, y_test) = datasets.load_fashion_mnist(fast=False)
    except (datasets.DatasetError, datasets.DatasetUnavailableError) as error:
        raise GradingError(str(error)) from error
    if size > len(y_test):
        raise GradingError(f"--size {size} is larger than the test split ({len(y_test)} images)")
    rng = np.random.default_rng(seed)
    x, y = datasets.stratified_subset(x_test, y_test, size, seed=int(rng.integers(2**31)))
    order = rng.permutation(len(y))
    noise = rng.integers(-EVAL_NOISE, EVAL_NOISE + 1, size=x.shape, dtype=np.int16)
    x = np.clip(x[order].astype(np.int16) + noise, 0, 255).astype(np.uint8)
    y = np.asarray(y)[order].astype(np.uint8)
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=x, y=y)
    return write_atomic(out, buffer.getvalue())


def load_eval_set(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, str]:
    """``(x, y, fingerprint)`` of an evaluation set; ``GradingError`` if its format is wrong.

    ``fingerprint`` is the first 16 hex digits of the file's SHA-256: the gradebook records it
    so rows graded against another evaluation set are never mixed.
    """
    path = Path(path)
    if not path.is_file():
        raise GradingError(f"evaluation set not found: {path} (make one with "
                           "`course make-eval-set --out private.npz`)")
    data = path.read_bytes()
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            x, y = npz["x"], npz["y"]
    except Exception as error:
        raise GradingError(f"{path} is not an .npz with arrays 'x' and 'y': {error}") from error
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) == 0:
        raise GradingError(
            f"{path}: 'x' must be uint8 of shape (N, 28, 28) with N >= 1, "
            f"got {x.dtype} {x.shape}"
        )
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
        raise GradingError(
            f"{path}: 'y' must be integers of shape ({len(x)},), got {y.dtype} {y.shape}"
        )
    if y.min() < 0 or y.max() > 9:
        raise GradingError(f"{path}: labels must be 0–9, found {y.min()}..{y.max()}")
    return x, y.astype(np.int64), hashlib.sha256(data).hexdigest()[:16]
