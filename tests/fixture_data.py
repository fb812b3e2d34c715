"""Tiny dataset files in the official formats, laid out like the offline mirror.

``write_all(root)`` creates ``root/{mnist,fashion-mnist,cifar10,chest_xray}/...`` with the
official file names, so ``COURSE_DATA_DIR=root`` makes the course loaders read them exactly
as they read the real data. The images are not pure noise: each class has a bright patch at
its own position (and, for CIFAR, its own colour), so a tiny CNN can learn them. Everything
is deterministic (seeded) and written with the standard library, NumPy and Pillow only
(no TensorFlow import), so it takes well under a second.
"""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

from course_utils.datasets import _masked_crc32c

CIFAR_LABEL_NAMES = [
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
]  # fmt: skip

CIFAR_MARKERS = {(0, 1): (10, 20, 30), (1, 0): (40, 50, 60)}
"""Known RGB pixels ``(row, col) -> (r, g, b)`` of the first CIFAR training image."""

_SEEDS = {"mnist": 1, "fashion-mnist": 2, "cifar10": 3, "chest_xray": 4}


def balanced_labels(n: int, classes: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` labels using every class about equally often, in shuffled order."""
    return rng.permutation(np.arange(n) % classes).astype(np.uint8)


def _patch_corner(label: int, size: int, patch: int) -> tuple[int, int]:
    """Top-left corner of the bright patch of ``label`` on a 2 x 5 grid."""
    row = 2 if label < 5 else size - patch - 2
    col = 1 + (label % 5) * (size - patch - 2) // 4
    return row, col


def gray_images(n: int, seed: int, size: int = 28) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (n, size, size) with a bright square whose position gives the label."""
    rng = np.random.default_rng(seed)
    labels = balanced_labels(n, 10, rng)
    images = rng.integers(0, 60, size=(n, size, size), dtype=np.uint8)
    patch = size // 4
    for image, label in zip(images, labels, strict=True):
        row, col = _patch_corner(int(label), size, patch)
        image[row : row + patch, col : col + patch] = rng.integers(180, 256, dtype=np.uint8)
    return images, labels


def color_images(n: int, seed: int, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (n, size, size, 3) with a coloured square placed and tinted by label."""
    rng = np.random.default_rng(seed)
    labels = balanced_labels(n, 10, rng)
    images = rng.integers(0, 60, size=(n, size, size, 3), dtype=np.uint8)
    patch = size // 4
    for image, label in zip(images, labels, strict=True):
        row, col = _patch_corner(int(label), size, patch)
        colour = [200 if (int(label) >> bit) & 1 else 90 for bit in range(3)]
        image[row : row + patch, col : col + patch] = colour
    return images, labels


def mnist_arrays(n_train: int = 60, n_test: int = 20) -> tuple[tuple, tuple]:
    """The arrays :func:`write_mnist` writes."""
    seed = _SEEDS["mnist"]
    return gray_images(n_train, seed), gray_images(n_test, seed + 100)


def fashion_mnist_arrays(n_train: int = 60, n_test: int = 20) -> tuple[tuple, tuple]:
    """The arrays :func:`write_fashion_mnist` writes."""
    seed = _SEEDS["fashion-mnist"]
    return gray_images(n_train, seed), gray_images(n_test, seed + 100)


def cifar10_arrays(n_train: int = 50, n_test: int = 20) -> tuple[tuple, tuple]:
    """The arrays :func:`write_cifar10` writes (HWC, with :data:`CIFAR_MARKERS` set)."""
    seed = _SEEDS["cifar10"]
    (x_train, y_train), test = color_images(n_train, seed), color_images(n_test, seed + 100)
    for (row, col), rgb in CIFAR_MARKERS.items():
        x_train[0, row, col] = rgb
    return (x_train, y_train), test


def write_mnist(root: Path, n_train: int = 60, n_test: int = 20) -> Path:
    """Write ``root/mnist/mnist.npz`` (Keras layout) and return the file."""
    (x_train, y_train), (x_test, y_test) = mnist_arrays(n_train, n_test)
    path = Path(root) / "mnist" / "mnist.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


def idx_bytes(array: np.ndarray) -> bytes:
    """An uncompressed IDX file: magic (2049 labels / 2051 images), count, dims, data."""
    magic = 2049 if array.ndim == 1 else 2051
    header = struct.pack(f">{1 + array.ndim}I", magic, *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_fashion_mnist(root: Path, n_train: int = 60, n_test: int = 20) -> Path:
    """Write the four gzipped IDX files in ``root/fashion-mnist/`` and return the folder."""
    folder = Path(root) / "fashion-mnist"
    folder.mkdir(parents=True, exist_ok=True)
    train, test = fashion_mnist_arrays(n_train, n_test)
    for prefix, (images, labels) in (("train", train), ("t10k", test)):
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            with gzip.open(folder / f"{prefix}-{kind}-ubyte.gz", "wb", compresslevel=1) as f:
                f.write(idx_bytes(array))
    return folder


def _cifar_batch(images: np.ndarray, labels: np.ndarray, batch_label: str, start: int) -> bytes:
    """One pickled batch like the official python version: rows of R, G, B planes."""
    data = images.transpose(0, 3, 1, 2).reshape(len(images), 3072)
    batch = {
        b"batch_label": batch_label.encode(),
        b"labels": [int(label) for label in labels],
        b"data": np.ascontiguousarray(data, dtype=np.uint8),
        b"filenames": [f"fixture_{start + i:05d}.png".encode() for i in range(len(images))],
    }
    return pickle.dumps(batch, protocol=2)


def add_tar_member(tar: tarfile.TarFile, name: str, payload: bytes) -> None:
    """Add ``cifar-10-batches-py/<name>`` holding ``payload`` to an open tar archive."""
    info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
    info.size = len(payload)
    info.mtime = 1_262_304_000  # fixed, so the archive is reproducible
    tar.addfile(info, io.BytesIO(payload))


def write_cifar10(root: Path, n_train: int = 50, n_test: int = 20) -> Path:
    """Write ``root/cifar10/cifar-10-python.tar.gz`` (5 train batches, test, meta)."""
    (x_train, y_train), (x_test, y_test) = cifar10_arrays(n_train, n_test)
    path = Path(root) / "cifar10" / "cifar-10-python.tar.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {b"label_names": [n.encode() for n in CIFAR_LABEL_NAMES], b"num_vis": 3072}
    meta[b"num_cases_per_batch"] = -(-n_train // 5)
    batches = zip(np.array_split(x_train, 5), np.array_split(y_train, 5), strict=True)
    members = [("batches.meta", pickle.dumps(meta, protocol=2))]
    start = 0
    for i, (x, y) in enumerate(batches, start=1):
        members.append((f"data_batch_{i}", _cifar_batch(x, y, f"training batch {i} of 5", start)))
        start += len(x)
    members.append(("test_batch", _cifar_batch(x_test, y_test, "testing batch 1 of 1", 0)))
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w") as tar,
    ):
        for name, payload in members:
            add_tar_member(tar, name, payload)
    return path


def tfrecord_bytes(records: list[bytes]) -> bytes:
    """A TFRecord file: per record, length, masked CRC-32C of it, data, masked CRC-32C.

    The checksum comes from course_utils; TensorFlow reading these files in the tests
    checks it independently.
    """
    out = bytearray()
    for record in records:
        length = struct.pack("<Q", len(record))
        out += length + struct.pack("<I", _masked_crc32c(length))
        out += record + struct.pack("<I", _masked_crc32c(record))
    return bytes(out)


def chest_images(n: int, seed: int, size: int = 28) -> tuple[np.ndarray, np.ndarray]:
    """Grayscale "X-rays" (n, size, size): pneumonia (label 1) has a bright central blob."""
    rng = np.random.default_rng(seed)
    labels = balanced_labels(n, 2, rng)
    yy, xx = np.mgrid[:size, :size] / (size - 1) - 0.5
    lungs = 90 + 60 * (np.abs(xx) > 0.1) * (np.abs(xx) < 0.4) * (np.abs(yy) < 0.35)
    blob = 110 * np.exp(-((xx / 0.15) ** 2 + (yy / 0.2) ** 2))
    noise = rng.normal(0, 12, size=(n, size, size))
    images = lungs + labels[:, None, None] * blob + noise
    return np.clip(images, 0, 255).astype(np.uint8), labels


def _jpeg(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def chest_xray_arrays(n_train: int = 40, n_test: int = 20) -> tuple[tuple, tuple]:
    """The images (before JPEG) and labels :func:`write_chest_xray` writes."""
    seed = _SEEDS["chest_xray"]
    return chest_images(n_train, seed), chest_images(n_test, seed + 100)


def chest_xray_file_name(label: int, k: int) -> str:
    """Official-style name of the ``k``-th image of a class: several images per patient.

    Pneumonia: ``person{p}_bacteria_{k}.jpeg`` / ``person{p}_virus_{k}.jpeg`` (3 images per
    patient); normal: ``IM-{p}-{n}.jpeg`` and, for every other patient,
    ``NORMAL2-IM-{p}-{n}.jpeg`` (2 images per patient), as in ChestXRay2017.
    """
    if label:
        patient = k // 3
        kind = "virus" if patient % 2 else "bacteria"
        return f"person{patient + 1}_{kind}_{k + 1}.jpeg"
    patient, image = divmod(k, 2)
    prefix = "NORMAL2-" if patient % 2 else ""
    return f"{prefix}IM-{patient + 100:04d}-{image + 1:04d}.jpeg"


def chest_xray_paths(split: str, labels: np.ndarray) -> list[str]:
    """The paths :func:`write_chest_xray` stores for ``labels`` (folder = class)."""
    seen = [0, 0]
    paths = []
    for label in labels:
        label = int(label)
        folder = "PNEUMONIA" if label else "NORMAL"
        paths.append(f"chest_xray/{split}/{folder}/{chest_xray_file_name(label, seen[label])}")
        seen[label] += 1
    return paths


def write_chest_xray(root: Path, n_train: int = 40, n_test: int = 20) -> Path:
    """Write ``root/chest_xray/ChestXRay2017/{train,test}/{images,paths}.tfrec``."""
    folder = Path(root) / "chest_xray" / "ChestXRay2017"
    splits = zip(("train", "test"), chest_xray_arrays(n_train, n_test), strict=True)
    for split, (images, labels) in splits:
        paths = chest_xray_paths(split, labels)
        (folder / split).mkdir(parents=True, exist_ok=True)
        (folder / split / "images.tfrec").write_bytes(tfrecord_bytes([_jpeg(im) for im in images]))
        (folder / split / "paths.tfrec").write_bytes(tfrecord_bytes([p.encode() for p in paths]))
    return folder


def write_all(root: Path, n_train: int = 600, n_test: int = 200) -> Path:
    """Write all four datasets under ``root`` (the ``COURSE_DATA_DIR`` layout); return ``root``."""
    root = Path(root)
    write_mnist(root, n_train, n_test)
    write_fashion_mnist(root, n_train, n_test)
    write_cifar10(root, n_train, n_test)
    write_chest_xray(root, n_train, n_test)
    return root
