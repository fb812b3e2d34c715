"""Dataset loaders for the course: MNIST, Fashion-MNIST, CIFAR-10 and chest X-rays.

Every file is looked up, in this order:

1. ``$COURSE_DATA_DIR/<dataset>/<file>`` (an offline copy with the official file names);
2. the Keras cache, ``$KERAS_HOME/datasets/...`` or ``~/.keras/datasets/...``;
3. the official URL in :data:`SOURCES`, downloaded into the Keras cache with
   ``keras.utils.get_file`` (which shows a progress bar and checks the sha256).

Each file is checked by *format* when it is read (shapes, dtypes, labels, magic numbers,
record framing). Files in ``$COURSE_DATA_DIR`` are not compared with the official checksum,
so a mirror may hold a subset; a broken one raises :class:`DatasetError` and is never
touched. A broken file in the Keras cache is removed and downloaded again, once.
Without network access a :class:`DatasetUnavailableError` says which files to fetch,
from where, and where to put them.

In fast mode (``config.FAST``, i.e. ``COURSE_FAST=1``) the loaders return a small,
stratified and deterministic subset (see :func:`stratified_subset`).
"""

from __future__ import annotations

import gzip
import os
import pickle
import re
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple, TypeVar

import numpy as np

from course_utils import config

if TYPE_CHECKING:  # TensorFlow is imported lazily: the array loaders do not need it.
    import tensorflow as tf


class RemoteFile(NamedTuple):
    """Where a dataset file comes from and where the Keras cache keeps it."""

    url: str
    sha256: str | None
    cache_path: str  # relative to <keras home>/datasets/


_KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_CHEST_XRAY = "https://storage.googleapis.com/download.tensorflow.org/data/ChestXRay2017/"

# Official URLs and sha256. Fashion-MNIST hashes: the official files (same sizes and hashes
# as torchvision and TFDS use for the Zalando originals). The chest X-ray TFRecords have no
# published checksum: they are checked by format and record CRC only.
SOURCES: dict[str, dict[str, RemoteFile]] = {
    "mnist": {
        "mnist.npz": RemoteFile(
            _KERAS_DATASETS + "mnist.npz",
            "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
            "mnist.npz",
        ),
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": RemoteFile(
            _KERAS_DATASETS + "train-images-idx3-ubyte.gz",
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "fashion-mnist/train-images-idx3-ubyte.gz",
        ),
        "train-labels-idx1-ubyte.gz": RemoteFile(
            _KERAS_DATASETS + "train-labels-idx1-ubyte.gz",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "fashion-mnist/train-labels-idx1-ubyte.gz",
        ),
        "t10k-images-idx3-ubyte.gz": RemoteFile(
            _KERAS_DATASETS + "t10k-images-idx3-ubyte.gz",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "fashion-mnist/t10k-images-idx3-ubyte.gz",
        ),
        "t10k-labels-idx1-ubyte.gz": RemoteFile(
            _KERAS_DATASETS + "t10k-labels-idx1-ubyte.gz",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            "fashion-mnist/t10k-labels-idx1-ubyte.gz",
        ),
    },
    "cifar10": {
        "cifar-10-python.tar.gz": RemoteFile(
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
            "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            "cifar-10-python.tar.gz",
        ),
    },
    "chest_xray": {
        f"ChestXRay2017/{split}/{kind}.tfrec": RemoteFile(
            f"{_CHEST_XRAY}{split}/{kind}.tfrec", None, f"ChestXRay2017/{split}/{kind}.tfrec"
        )
        for split in ("train", "test")
        for kind in ("images", "paths")
    },
}

MNIST_CLASSES: list[str] = [str(digit) for digit in range(10)]
FASHION_CLASSES_EN: list[str] = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip
FASHION_CLASSES: list[str] = [
    "camiseta/top", "calça", "pulôver", "vestido", "casaco",
    "sandália", "camisa", "tênis", "bolsa", "bota",
]  # fmt: skip
CIFAR10_CLASSES_EN: list[str] = [
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
]  # fmt: skip
CIFAR10_CLASSES: list[str] = [
    "avião", "automóvel", "pássaro", "gato", "cervo",
    "cachorro", "sapo", "cavalo", "navio", "caminhão",
]  # fmt: skip
CHEST_XRAY_CLASSES: list[str] = ["normal", "pneumonia"]
CHEST_XRAY_CLASSES_EN: list[str] = ["normal", "pneumonia"]

CHEST_XRAY_FAST_SIZES: dict[str, int] = {"train": 256, "test": 128}
"""Records kept by :func:`load_chest_xray` in fast mode (stratified by label)."""

Split = tuple[np.ndarray, np.ndarray]
T = TypeVar("T")


class DatasetError(ValueError):
    """A dataset file exists but is not in the expected format (corrupt or truncated)."""


class DatasetUnavailableError(FileNotFoundError):
    """A dataset file is not on disk and could not be downloaded."""


# ---------------------------------------------------------------------------- subsets


def stratified_subset(x: np.ndarray, y: np.ndarray, n: int, seed: int = 0) -> Split:
    """Keep ``n`` examples with the class proportions of ``y``; deterministic for a seed.

    The kept examples stay in their original order. If ``n >= len(y)`` everything is
    returned unchanged.
    """
    if n < 1:
        raise ValueError(f"n deve ser pelo menos 1, recebi {n}")
    labels = np.asarray(y).reshape(len(y), -1)[:, 0]
    if len(x) != len(labels):
        raise ValueError(f"x e y têm tamanhos diferentes: {len(x)} e {len(labels)}")
    if n >= len(labels):
        return x, y
    classes, counts = np.unique(labels, return_counts=True)
    rng = np.random.default_rng(seed)
    chosen = [
        rng.permutation(np.flatnonzero(labels == cls))[:quota]
        for cls, quota in zip(classes, _quotas(counts, n), strict=True)
    ]
    keep = np.sort(np.concatenate(chosen))
    return x[keep], y[keep]


def _quotas(counts: np.ndarray, n: int) -> np.ndarray:
    """Split ``n`` among classes in proportion to ``counts`` (largest remainder)."""
    exact = counts * n / counts.sum()
    quotas = np.floor(exact).astype(int)
    order = np.argsort(-(exact - quotas), kind="stable")
    quotas[order[: n - quotas.sum()]] += 1
    return quotas


def _fast(fast: bool | None) -> bool:
    return config.FAST if fast is None else bool(fast)


def _maybe_subset(train: Split, test: Split, fast: bool | None) -> tuple[Split, Split]:
    if not _fast(fast):
        return train, test
    return (
        stratified_subset(*train, config.FAST_TRAIN_SIZE, seed=0),
        stratified_subset(*test, config.FAST_TEST_SIZE, seed=0),
    )


# ---------------------------------------------------------------------- file lookup


def _spec(name: str, filename: str) -> RemoteFile:
    if name not in SOURCES:
        raise ValueError(
            f"conjunto de dados desconhecido {name!r}; nomes válidos: {sorted(SOURCES)}"
        )
    files = SOURCES[name]
    if filename not in files:
        raise ValueError(
            f"arquivo desconhecido {filename!r} de {name!r}; válidos: {sorted(files)}"
        )
    return files[filename]


def _data_dir_path(name: str, filename: str) -> Path | None:
    root = os.environ.get("COURSE_DATA_DIR")
    return Path(root).expanduser() / name / filename if root else None


def _keras_datasets_dir() -> Path:
    """Keras' default cache folder, ``$KERAS_HOME`` or ``~/.keras``, plus ``datasets``."""
    home = os.environ.get("KERAS_HOME")
    if not home:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return Path(home).expanduser() / "datasets"


def _cache_path(name: str, filename: str) -> Path:
    return _keras_datasets_dir() / _spec(name, filename).cache_path


def _dataset_file(name: str, filename: str, parse: Callable[[Path], T]) -> T:
    """Find ``filename`` of dataset ``name`` (data dir, cache, download) and parse it."""
    _spec(name, filename)
    local = _data_dir_path(name, filename)
    if local is not None and local.is_file():
        return _parse(local, parse)
    cached = _cache_path(name, filename)
    if cached.is_file():
        try:
            return _parse(cached, parse)
        except DatasetError:
            cached.unlink()
    path = _download(name, filename)
    try:
        return _parse(path, parse)
    except DatasetError as err:
        path.unlink(missing_ok=True)
        raise DatasetError(
            f"{err} (acabou de ser baixado de {_spec(name, filename).url}; foi apagado)"
        ) from err


_FORMAT_ERRORS = (
    OSError, EOFError, ValueError, KeyError, IndexError, struct.error, zlib.error,
    pickle.UnpicklingError, tarfile.TarError, zipfile.BadZipFile,
)  # fmt: skip


def _parse(path: Path, parse: Callable[[Path], T]) -> T:
    """Run ``parse(path)``; any format problem becomes a :class:`DatasetError`."""
    try:
        return parse(path)
    except _FORMAT_ERRORS as err:
        raise DatasetError(f"arquivo de dados inválido {path}: {err}") from err


def _download(name: str, filename: str) -> Path:
    """Download one file into the Keras cache; :class:`DatasetUnavailableError` if impossible."""
    spec = _spec(name, filename)
    target = _cache_path(name, filename)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        import keras

        path = keras.utils.get_file(
            fname=target.name,
            origin=spec.url,
            file_hash=spec.sha256,
            cache_subdir=str(target.parent),
        )
    except Exception as err:  # urllib, HTTP and OS errors all mean "unavailable"
        if isinstance(err, ValueError) and target.is_file():  # sha256 mismatch
            target.unlink()
            raise DatasetError(
                f"o arquivo baixado de {spec.url} não confere com o sha256 oficial "
                f"{spec.sha256}; ele foi apagado de {target}. Tente de novo mais tarde."
            ) from err
        raise DatasetUnavailableError(_unavailable_message(name, err)) from None
    return Path(path)


def _on_disk(name: str, filename: str) -> bool:
    local = _data_dir_path(name, filename)
    return (local is not None and local.is_file()) or _cache_path(name, filename).is_file()


def _unavailable_message(name: str, err: Exception) -> str:
    """One message: which files to fetch, from which URL, and where to put them."""
    missing = [(f, spec) for f, spec in SOURCES[name].items() if not _on_disk(name, f)]
    root = os.environ.get("COURSE_DATA_DIR")
    root_text = f"COURSE_DATA_DIR={root}" if root else "COURSE_DATA_DIR não está definida"
    lines = [
        f"O conjunto de dados {name!r} não está nesta máquina e não pôde ser baixado ({err}).",
        "Baixe estes arquivos numa máquina com internet:",
    ]
    for filename, spec in missing:
        data_dir = _data_dir_path(name, filename)
        shown = data_dir if data_dir is not None else f"$COURSE_DATA_DIR/{name}/{filename}"
        lines.append(f"  {spec.url}")
        lines.append(f"    -> ponha em {shown}  ou em {_keras_datasets_dir() / spec.cache_path}")
    lines.append(f"({root_text}; aponte-a para a pasta que contém {name}/.)")
    return "\n".join(lines)


# ------------------------------------------------------------------- array formats


def _check_labels(labels: np.ndarray, what: str) -> np.ndarray:
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"{what}: esperava um vetor 1-D de rótulos inteiros, recebi {labels.dtype} "
            f"{labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(
            f"{what}: os rótulos devem estar em 0..9, encontrei {labels.min()}..{labels.max()}"
        )
    return labels.astype(np.uint8)


def _check_images(images: np.ndarray, shape: tuple[int, ...], what: str) -> np.ndarray:
    if images.dtype != np.uint8 or images.shape[1:] != shape:
        raise ValueError(
            f"{what}: esperava imagens uint8 de formato (N, *{shape}), "
            f"recebi {images.dtype} {images.shape}"
        )
    return images


def _check_pair(images: np.ndarray, labels: np.ndarray, what: str) -> Split:
    if len(images) != len(labels):
        raise ValueError(f"{what}: {len(images)} imagens, mas {len(labels)} rótulos")
    return images, labels


def _parse_mnist_npz(path: Path) -> tuple[Split, Split]:
    with np.load(path, allow_pickle=False) as data:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(data.files)
        if missing:
            raise ValueError(f"faltam os arrays {sorted(missing)}")
        splits = []
        for part in ("train", "test"):
            x = _check_images(data[f"x_{part}"], (28, 28), f"x_{part}")
            y = _check_labels(data[f"y_{part}"], f"y_{part}")
            splits.append(_check_pair(x, y, part))
    return splits[0], splits[1]


def _parse_idx(path: Path, magic: int, dims: tuple[int, ...]) -> np.ndarray:
    """Read a gzipped IDX file (big-endian header: magic, count, dims) as uint8."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    header = 4 * (2 + len(dims))
    if len(raw) < header:
        raise ValueError("arquivo curto demais para um cabeçalho IDX")
    found_magic, count, *found_dims = struct.unpack(f">{2 + len(dims)}I", raw[:header])
    if found_magic != magic:
        raise ValueError(f"o número mágico IDX é {found_magic}, esperado {magic}")
    if tuple(found_dims) != dims:
        raise ValueError(f"as dimensões IDX são {tuple(found_dims)}, esperado {dims}")
    expected = header + count * int(np.prod(dims, dtype=np.int64))
    if len(raw) != expected:
        raise ValueError(
            f"o corpo IDX tem {len(raw)} bytes, esperado {expected} para {count} itens"
        )
    return np.frombuffer(raw, np.uint8, offset=header).reshape((count, *dims))


def _parse_idx_images(path: Path) -> np.ndarray:
    return _parse_idx(path, 2051, (28, 28))


def _parse_idx_labels(path: Path) -> np.ndarray:
    return _check_labels(_parse_idx(path, 2049, ()), "labels")


class _NumpyUnpickler(pickle.Unpickler):
    """Unpickler for the CIFAR batches: only plain data and NumPy arrays, no code."""

    _ALLOWED = frozenset({
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
        ("_codecs", "encode"),  # how Python 3 writes bytes in a protocol-2 pickle
    })  # fmt: skip

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"objeto inesperado {module}.{name} no pickle")
        return super().find_class(module, name)


_CIFAR_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def _cifar_batch(raw: dict, member: str) -> Split:
    if not isinstance(raw, dict) or b"data" not in raw or b"labels" not in raw:
        raise ValueError(f"{member}: esperava um dict com b'data' e b'labels'")
    data = np.asarray(raw[b"data"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(
            f"{member}: b'data' deve ter linhas uint8 de 3072, recebi {data.dtype} {data.shape}"
        )
    labels = _check_labels(np.asarray(raw[b"labels"]), member)
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # R/G/B planes -> H, W, C
    return _check_pair(np.ascontiguousarray(images), labels, member)


def _parse_cifar_tar(path: Path) -> tuple[Split, Split]:
    """Read ``cifar-10-batches-py/*`` straight from the tar.gz (nothing is extracted)."""
    batches: dict[str, Split] = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            name = PurePosixPath(member.name)
            if (
                member.isfile()
                and name.parent.name == "cifar-10-batches-py"
                and name.name in _CIFAR_BATCHES
            ):
                raw = _NumpyUnpickler(tar.extractfile(member), encoding="bytes").load()
                batches[name.name] = _cifar_batch(raw, name.name)
    missing = [b for b in _CIFAR_BATCHES if b not in batches]
    if missing:
        raise ValueError(f"falta cifar-10-batches-py/{', '.join(missing)} no arquivo compactado")
    train = [batches[b] for b in _CIFAR_BATCHES[:5]]
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    return (x_train, y_train), batches["test_batch"]


# -------------------------------------------------------------------- array loaders


def load_mnist(fast: bool | None = None) -> tuple[Split, Split]:
    """MNIST digits: ``(x_train, y_train), (x_test, y_test)``, uint8, x of shape (N, 28, 28).

    ``fast=None`` follows ``config.FAST``; fast mode keeps a stratified subset of
    ``config.FAST_TRAIN_SIZE`` / ``config.FAST_TEST_SIZE`` examples.
    """
    train, test = _dataset_file("mnist", "mnist.npz", _parse_mnist_npz)
    return _maybe_subset(train, test, fast)


def load_fashion_mnist(fast: bool | None = None) -> tuple[Split, Split]:
    """Fashion-MNIST: like :func:`load_mnist`; class names in :data:`FASHION_CLASSES`."""
    splits = []
    for prefix in ("train", "t10k"):
        x = _dataset_file("fashion-mnist", f"{prefix}-images-idx3-ubyte.gz", _parse_idx_images)
        y = _dataset_file("fashion-mnist", f"{prefix}-labels-idx1-ubyte.gz", _parse_idx_labels)
        if len(x) != len(y):
            raise DatasetError(
                f"fashion-mnist: {prefix}-images-idx3-ubyte.gz tem {len(x)} imagens, mas "
                f"{prefix}-labels-idx1-ubyte.gz tem {len(y)} rótulos"
            )
        splits.append((x, y))
    return _maybe_subset(splits[0], splits[1], fast)


def load_cifar10(fast: bool | None = None) -> tuple[Split, Split]:
    """CIFAR-10: uint8 x of shape (N, 32, 32, 3) (RGB), labels of shape (N,) uint8.

    Unlike ``keras.datasets.cifar10`` (labels of shape (N, 1)) the labels are flat.
    Class names in :data:`CIFAR10_CLASSES`.
    """
    train, test = _dataset_file("cifar10", "cifar-10-python.tar.gz", _parse_cifar_tar)
    return _maybe_subset(train, test, fast)


# ------------------------------------------------------------------------ TFRecords


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C_TABLE = _crc32c_table()


def _masked_crc32c(data: bytes) -> int:
    """The masked CRC-32C that TFRecord files store after the length and the payload."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _scan_tfrecords(path: Path, keep: int | None) -> list[tuple[int, int, bytes]]:
    """``(offset, length, payload)`` of every record, checking the framing.

    ``keep=None`` reads each whole payload and checks its CRC; otherwise only the first
    ``keep`` bytes are read (cheap for big files; TensorFlow checks the payload CRC when
    the records are read for training).
    """
    size = path.stat().st_size
    records = []
    with open(path, "rb") as f:
        while header := f.read(12):
            where = f"record {len(records)}"
            if len(header) < 12:
                raise ValueError(f"cabeçalho de TFRecord truncado em {where}")
            length, length_crc = struct.unpack("<QI", header)
            if _masked_crc32c(header[:8]) != length_crc:
                raise ValueError(f"checksum do tamanho do TFRecord errado em {where}")
            offset = f.tell()
            if offset + length + 4 > size:
                raise ValueError(f"TFRecord truncado em {where}")
            payload = f.read(length if keep is None else min(keep, length))
            if keep is None and struct.unpack("<I", f.read(4))[0] != _masked_crc32c(payload):
                raise ValueError(f"checksum dos dados do TFRecord errado em {where}")
            f.seek(offset + length + 4)
            records.append((offset, length, payload))
    return records


def _parse_chest_paths(path: Path) -> np.ndarray:
    """The image paths stored in ``paths.tfrec`` (str array), each in a NORMAL/ or PNEUMONIA/
    folder."""
    paths = []
    for _, _, payload in _scan_tfrecords(path, keep=None):
        text = payload.decode("utf-8")
        if PurePosixPath(text).parent.name not in ("NORMAL", "PNEUMONIA"):
            raise ValueError(f"o caminho {payload!r} não está numa pasta NORMAL/ ou PNEUMONIA/")
        paths.append(text)
    if not paths:
        raise ValueError("nenhum registro")
    return np.array(paths, dtype=str)


def chest_xray_labels(paths: Sequence[str]) -> np.ndarray:
    """Labels (int32: 0 normal, 1 pneumonia) from the folder of each image path.

    >>> chest_xray_labels(["train/NORMAL/a.jpeg", "train/PNEUMONIA/b.jpeg"])
    array([0, 1], dtype=int32)
    """
    return np.array([PurePosixPath(p).parent.name == "PNEUMONIA" for p in paths], dtype=np.int32)


def _parse_chest_images(path: Path) -> np.ndarray:
    """``(offset, length)`` of every JPEG record in ``images.tfrec``."""
    records = _scan_tfrecords(path, keep=2)
    for i, (_, _, head) in enumerate(records):
        if head != b"\xff\xd8":
            raise ValueError(f"o registro {i} não é uma imagem JPEG")
    return np.array([(offset, length) for offset, length, _ in records], dtype=np.int64).reshape(
        -1, 2
    )


def _check_image_size(image_size: tuple[int, int] | None) -> None:
    if image_size is None:
        return
    if len(image_size) != 2 or not all(isinstance(s, int) and s > 0 for s in image_size):
        raise ValueError(
            f"image_size deve ser (altura, largura) com inteiros positivos, recebi {image_size!r}"
        )


def _decode_fn(image_size: tuple[int, int] | None) -> Callable:
    import tensorflow as tf

    def decode(jpeg: tf.Tensor, label: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        image = tf.io.decode_jpeg(jpeg, channels=1)
        if image_size is not None:
            image = tf.image.resize(image, image_size)
        return image, label

    return decode


def _chest_xray_files(split: str, fast: bool | None) -> tuple[Path, np.ndarray, np.ndarray]:
    """``(images.tfrec path, (offset, length) records, image paths)`` of the records that
    :func:`load_chest_xray` yields, in its order (the fast-mode subset when fast)."""
    if split not in ("train", "test"):
        raise ValueError(f"split deve ser 'train' ou 'test', recebi {split!r}")
    images_name = f"ChestXRay2017/{split}/images.tfrec"
    paths_name = f"ChestXRay2017/{split}/paths.tfrec"
    records = _dataset_file("chest_xray", images_name, _parse_chest_images)
    paths = _dataset_file("chest_xray", paths_name, _parse_chest_paths)
    images_path = _resolved_path("chest_xray", images_name)
    if len(records) != len(paths):
        raise DatasetError(
            f"chest_xray {split}: {images_path} tem {len(records)} registros, mas "
            f"{_resolved_path('chest_xray', paths_name)} tem {len(paths)}"
        )
    if _fast(fast):
        index, _ = stratified_subset(
            np.arange(len(paths)), chest_xray_labels(paths), CHEST_XRAY_FAST_SIZES[split]
        )
        records, paths = records[index], paths[index]
    return images_path, records, paths


def load_chest_xray(
    split: str = "train",
    image_size: tuple[int, int] | None = None,
    fast: bool | None = None,
) -> tf.data.Dataset:
    """Chest X-rays (ChestXRay2017 TFRecords) as a ``tf.data.Dataset`` of ``(image, label)``.

    ``image`` is grayscale ``(H, W, 1)`` uint8 at its stored size, or float32 in 0..255 of
    shape ``(h, w, 1)`` when ``image_size=(h, w)``; ``label`` is int32, 0 normal and
    1 pneumonia (:data:`CHEST_XRAY_CLASSES`), read from each image's folder name.
    ``split`` is ``"train"`` or ``"test"``. Fast mode keeps
    :data:`CHEST_XRAY_FAST_SIZES` records, stratified by label. The files are checked
    (record framing, JPEG headers, paths, equal counts) before the dataset is returned.
    :func:`load_chest_xray_paths` gives the file path of each record, in the same order.
    """
    _check_image_size(image_size)
    images_path, records, paths = _chest_xray_files(split, fast)
    import tensorflow as tf

    labels = chest_xray_labels(paths)
    if _fast(fast):
        jpegs = tf.constant(_read_records(images_path, records), dtype=tf.string)
        dataset = tf.data.Dataset.from_tensor_slices((jpegs, labels))
    else:
        dataset = tf.data.Dataset.zip(
            tf.data.TFRecordDataset(str(images_path)), tf.data.Dataset.from_tensor_slices(labels)
        )
        # a TFRecord file does not tell its length; the scan above counted the records
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(len(labels)))
    return dataset.map(_decode_fn(image_size), num_parallel_calls=tf.data.AUTOTUNE)


def load_chest_xray_paths(split: str = "train", fast: bool | None = None) -> np.ndarray:
    """The path of every image :func:`load_chest_xray` yields, in the same order (str array).

    Paths look like ``chest_xray/train/PNEUMONIA/person1_bacteria_1.jpeg``; the folder is
    the label. :func:`chest_xray_patient_id` reads the patient from the file name.
    """
    return _chest_xray_files(split, fast)[2]


_PATIENT_PATTERNS = (
    re.compile(r"^(person\d+)_(?:bacteria|virus)_\d+$"),  # PNEUMONIA: person1234_virus_5678
    re.compile(r"^((?:NORMAL2-)?IM-\d+)-\d+$"),  # NORMAL: IM-0115-0001, NORMAL2-IM-1427-0001
)


def chest_xray_patient_id(path: str) -> str | None:
    """The patient of an image of the official ChestXRay2017 set, or ``None`` if the name has none.

    Official names carry the patient before the image number: ``person1234_bacteria_5678``
    → ``"person1234"``, ``IM-0115-0001`` → ``"IM-0115"``, ``NORMAL2-IM-1427-0001`` →
    ``"NORMAL2-IM-1427"`` (the folder and the extension are ignored). Other names, such as
    the offline mirror's ``pneumoniamnist-train-02551.jpeg``, give ``None``.

    >>> chest_xray_patient_id("chest_xray/train/PNEUMONIA/person7_virus_15.jpeg")
    'person7'
    """
    stem = PurePosixPath(str(path)).name.rsplit(".", 1)[0]
    for pattern in _PATIENT_PATTERNS:
        match = pattern.match(stem)
        if match:
            return match.group(1)
    return None


def _resolved_path(name: str, filename: str) -> Path:
    """Where :func:`_dataset_file` found ``filename`` (call after it succeeded)."""
    local = _data_dir_path(name, filename)
    return local if local is not None and local.is_file() else _cache_path(name, filename)


def _read_records(path: Path, records: np.ndarray) -> list[bytes]:
    with open(path, "rb") as f:
        out = []
        for offset, length in records:
            f.seek(int(offset))
            out.append(f.read(int(length)))
    return out
