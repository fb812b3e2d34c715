"""Tests for course_utils.datasets: lookup order, formats, fast mode, errors.

Every test runs offline: the official URLs are replaced by a closed local port (or a
``file://`` URL), ``KERAS_HOME`` is an empty temporary folder and ``COURSE_DATA_DIR``
points at tiny fixture files written by ``fixture_data``. The tests at the end read the
real offline mirror and are skipped when it is absent.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from tests import fixture_data as fx
import numpy as np
import pytest

from course_utils import config
from course_utils import datasets as ds

MIRROR = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
DEAD_URL = "http://127.0.0.1:9/"  # nothing listens there: fails at once, never the internet


@pytest.fixture(autouse=True)
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Empty Keras cache, no COURSE_DATA_DIR, and every URL pointing at a dead port."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    for name, files in ds.SOURCES.items():
        for filename, spec in files.items():
            dead = spec._replace(url=f"{DEAD_URL}{name}/{filename}")
            monkeypatch.setitem(files, filename, dead)
    return tmp_path / "keras" / "datasets"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A COURSE_DATA_DIR with small fixture files of all four datasets."""
    root = tmp_path / "data"
    fx.write_mnist(root)
    fx.write_fashion_mnist(root)
    fx.write_cifar10(root)
    fx.write_chest_xray(root)
    monkeypatch.setenv("COURSE_DATA_DIR", str(root))
    return root


def assert_splits_equal(got: tuple, expected: tuple) -> None:
    for (x, y), (x_exp, y_exp) in zip(got, expected, strict=True):
        assert x.dtype == np.uint8 and y.dtype == np.uint8
        assert x.shape == x_exp.shape and y.shape == y_exp.shape
        np.testing.assert_array_equal(x, x_exp)
        np.testing.assert_array_equal(y, y_exp)


# ------------------------------------------------------------------ reading formats


def test_load_mnist_returns_the_npz_arrays_exactly(data_dir: Path) -> None:
    assert_splits_equal(ds.load_mnist(fast=False), fx.mnist_arrays())


def test_load_fashion_mnist_parses_the_gzipped_idx_files(data_dir: Path) -> None:
    got = ds.load_fashion_mnist(fast=False)
    assert got[0][0].shape == (60, 28, 28)
    assert_splits_equal(got, fx.fashion_mnist_arrays())


def test_load_cifar10_turns_rgb_planes_into_height_width_channels(data_dir: Path) -> None:
    (x_train, y_train), (x_test, y_test) = ds.load_cifar10(fast=False)
    assert x_train.shape == (50, 32, 32, 3) and y_train.shape == (50,)
    for (row, col), rgb in fx.CIFAR_MARKERS.items():
        assert x_train[0, row, col].tolist() == list(rgb)
    assert_splits_equal(((x_train, y_train), (x_test, y_test)), fx.cifar10_arrays())


def test_chest_xray_yields_grayscale_uint8_images_and_labels_from_paths(data_dir: Path) -> None:
    (images, labels), _ = fx.chest_xray_arrays()
    dataset = ds.load_chest_xray("train", fast=False)
    got = [(image.numpy(), int(label)) for image, label in dataset]
    assert [label for _, label in got] == labels.tolist()
    assert all(image.dtype == np.uint8 and image.shape == (28, 28, 1) for image, _ in got)
    decoded = np.stack([image[..., 0] for image, _ in got]).astype(float)
    assert np.abs(decoded - images).mean() < 3  # JPEG quality 95: almost the same pixels


@pytest.mark.parametrize("fast", [False, True])
def test_chest_xray_dataset_knows_its_length(data_dir: Path, fast: bool) -> None:
    dataset = ds.load_chest_xray("test", fast=fast)
    n = len(fx.chest_xray_arrays()[1][1])
    assert int(dataset.cardinality()) == n == sum(1 for _ in dataset)


def test_chest_xray_image_size_resizes_to_float32(data_dir: Path) -> None:
    dataset = ds.load_chest_xray("test", image_size=(16, 20), fast=False)
    image, label = next(iter(dataset))
    assert image.shape == (16, 20, 1) and image.dtype.name == "float32"
    assert label.dtype.name == "int32"
    assert 0 <= float(image.numpy().min()) and float(image.numpy().max()) <= 255


def test_chest_xray_rejects_an_unknown_split(data_dir: Path) -> None:
    with pytest.raises(ValueError, match="'train' ou 'test'"):
        ds.load_chest_xray("val")


def test_chest_xray_rejects_a_bad_image_size(data_dir: Path) -> None:
    with pytest.raises(ValueError, match="image_size"):
        ds.load_chest_xray("train", image_size=(0, 28))


def test_unknown_dataset_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="imagenet.*fashion-mnist.*mnist"):
        ds._spec("imagenet", "train.tar")


def test_class_name_lists_follow_the_official_order() -> None:
    assert ds.MNIST_CLASSES == [str(i) for i in range(10)]
    assert ds.FASHION_CLASSES_EN[0] == "T-shirt/top" and ds.FASHION_CLASSES_EN[9] == "Ankle boot"
    assert ds.FASHION_CLASSES[7] == "tênis"
    assert ds.CIFAR10_CLASSES_EN == fx.CIFAR_LABEL_NAMES
    assert ds.CIFAR10_CLASSES[3] == "gato"
    assert ds.CHEST_XRAY_CLASSES == ["normal", "pneumonia"]


# ------------------------------------------------------------------------ fast mode


def test_stratified_subset_keeps_class_proportions_and_order() -> None:
    y = np.array([0] * 70 + [1] * 20 + [2] * 10)
    x = np.arange(100)
    xs, ys = ds.stratified_subset(x, y, 10, seed=0)
    assert np.bincount(ys).tolist() == [7, 2, 1]
    assert np.all(np.diff(xs) > 0)  # original order kept
    np.testing.assert_array_equal(y[xs], ys)


def test_stratified_subset_is_deterministic_and_depends_on_the_seed() -> None:
    y = np.arange(1000) % 10
    x = np.arange(1000)
    first = ds.stratified_subset(x, y, 50, seed=0)[0]
    np.testing.assert_array_equal(first, ds.stratified_subset(x, y, 50, seed=0)[0])
    assert not np.array_equal(first, ds.stratified_subset(x, y, 50, seed=1)[0])


def test_stratified_subset_returns_everything_when_n_is_large() -> None:
    x, y = np.arange(5), np.arange(5)
    assert ds.stratified_subset(x, y, 5)[0] is x


def test_stratified_subset_rejects_n_below_one() -> None:
    with pytest.raises(ValueError, match="pelo menos 1"):
        ds.stratified_subset(np.arange(5), np.arange(5), 0)


def test_fast_mode_returns_a_stratified_deterministic_subset(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "FAST_TRAIN_SIZE", 30)
    monkeypatch.setattr(config, "FAST_TEST_SIZE", 10)
    monkeypatch.setattr(config, "FAST", True)
    (x_train, y_train), (x_test, y_test) = ds.load_fashion_mnist()  # fast=None follows config
    assert x_train.shape == (30, 28, 28) and x_test.shape == (10, 28, 28)
    assert np.bincount(y_train, minlength=10).tolist() == [3] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [1] * 10
    again = ds.load_fashion_mnist(fast=True)
    np.testing.assert_array_equal(again[0][0], x_train)
    full = ds.load_fashion_mnist(fast=False)[0][0]
    assert full.shape == (60, 28, 28)
    assert all(any(np.array_equal(image, other) for other in full) for image in x_train)


def test_chest_xray_fast_mode_is_stratified(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ds.CHEST_XRAY_FAST_SIZES, "train", 10)
    labels = [int(label) for _, label in ds.load_chest_xray("train", fast=True)]
    assert sorted(labels) == [0] * 5 + [1] * 5


@pytest.mark.parametrize("fast", [False, True])
def test_chest_xray_paths_follow_the_records_in_order(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    monkeypatch.setitem(ds.CHEST_XRAY_FAST_SIZES, "train", 10)
    (images, labels), _ = fx.chest_xray_arrays()
    paths = ds.load_chest_xray_paths("train", fast=fast)
    got = [(image.numpy()[..., 0], int(label)) for image, label in
           ds.load_chest_xray("train", fast=fast)]
    assert len(paths) == len(got) == (10 if fast else len(labels))
    written = fx.chest_xray_paths("train", labels)
    for path, (image, label) in zip(paths, got, strict=True):
        index = written.index(path)  # the record the path was written with ...
        assert label == labels[index] and ("PNEUMONIA" in path) == bool(label)
        assert np.abs(image.astype(float) - images[index]).mean() < 3  # ... holds its image
    assert ds.chest_xray_labels(paths).tolist() == [label for _, label in got]


@pytest.mark.parametrize(
    ("path", "patient"),
    [
        ("chest_xray/train/PNEUMONIA/person1234_bacteria_5678.jpeg", "person1234"),
        ("chest_xray/test/PNEUMONIA/person7_virus_15.jpeg", "person7"),
        ("person7_virus_16.jpeg", "person7"),
        ("chest_xray/train/NORMAL/IM-0115-0001.jpeg", "IM-0115"),
        ("chest_xray/train/NORMAL/NORMAL2-IM-1427-0001.jpeg", "NORMAL2-IM-1427"),
        ("chest_xray/train/PNEUMONIA/pneumoniamnist-train-02551.jpeg", None),
        ("chest_xray/train/NORMAL/IM-0115.jpeg", None),
        ("chest_xray/train/NORMAL/person1_bacteria.jpeg", None),
    ],
)
def test_chest_xray_patient_id_reads_the_official_names(path: str, patient: str | None) -> None:
    assert ds.chest_xray_patient_id(path) == patient


def test_chest_xray_fixture_names_group_several_images_per_patient(data_dir: Path) -> None:
    paths = ds.load_chest_xray_paths("train", fast=False)
    patients = [ds.chest_xray_patient_id(p) for p in paths]
    assert None not in patients
    assert len(set(patients)) < len(paths) / 2  # 2 or 3 images per patient
    assert any(p.startswith("NORMAL2-IM-") for p in patients)


# ---------------------------------------------------------------------- file lookup


def _copy_into_cache(source_root: Path, cache: Path) -> None:
    """Lay out fixture files the way the Keras cache keeps them."""
    for name, files in ds.SOURCES.items():
        for filename, spec in files.items():
            target = cache / spec.cache_path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source_root / name / filename, target)


def test_keras_cache_is_used_when_course_data_dir_is_unset(tmp_path: Path, offline: Path) -> None:
    fx.write_mnist(tmp_path / "src")
    fx.write_fashion_mnist(tmp_path / "src")
    fx.write_cifar10(tmp_path / "src")
    fx.write_chest_xray(tmp_path / "src")
    _copy_into_cache(tmp_path / "src", offline)
    assert (offline / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").is_file()
    assert_splits_equal(ds.load_mnist(fast=False), fx.mnist_arrays())
    assert_splits_equal(ds.load_fashion_mnist(fast=False), fx.fashion_mnist_arrays())
    assert_splits_equal(ds.load_cifar10(fast=False), fx.cifar10_arrays())
    labels = [int(label) for _, label in ds.load_chest_xray("test", fast=False)]
    assert labels == fx.chest_xray_arrays()[1][1].tolist()


def test_course_data_dir_takes_priority_over_the_cache(data_dir: Path, offline: Path) -> None:
    fx.write_mnist(offline.parent / "other", n_train=10, n_test=10)
    offline.mkdir(parents=True)
    shutil.copyfile(offline.parent / "other" / "mnist" / "mnist.npz", offline / "mnist.npz")
    assert ds.load_mnist(fast=False)[0][0].shape == (60, 28, 28)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _wrong_idx_magic(path: Path) -> None:
    import gzip

    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[3] = 0x01  # 2051 -> 2049
    path.write_bytes(gzip.compress(bytes(raw)))


def _bad_chest_path(path: Path) -> None:
    path.write_bytes(fx.tfrecord_bytes([b"chest_xray/train/OTHER/x.jpeg"] * 40))


CORRUPTIONS = [
    ("mnist/mnist.npz", _truncate, lambda: ds.load_mnist(fast=False), "mnist.npz"),
    (
        "fashion-mnist/train-images-idx3-ubyte.gz",
        _truncate,
        lambda: ds.load_fashion_mnist(fast=False),
        "train-images-idx3-ubyte.gz",
    ),
    (
        "fashion-mnist/t10k-images-idx3-ubyte.gz",
        _wrong_idx_magic,
        lambda: ds.load_fashion_mnist(fast=False),
        "número mágico IDX é 2049, esperado 2051",
    ),
    (
        "cifar10/cifar-10-python.tar.gz",
        _truncate,
        lambda: ds.load_cifar10(fast=False),
        "cifar-10-python",
    ),
    (
        "chest_xray/ChestXRay2017/train/images.tfrec",
        _truncate,
        lambda: ds.load_chest_xray("train", fast=False),
        "images.tfrec: cabeçalho de TFRecord truncado|images.tfrec: TFRecord truncado",
    ),
    (
        "chest_xray/ChestXRay2017/train/paths.tfrec",
        _bad_chest_path,
        lambda: ds.load_chest_xray("train", fast=False),
        "paths.tfrec: o caminho .* NORMAL/ ou PNEUMONIA/",
    ),
]


@pytest.mark.parametrize(
    ("relpath", "corrupt", "load", "message"),
    CORRUPTIONS,
    ids=[c[0] + "-" + c[1].__name__ for c in CORRUPTIONS],
)
def test_corrupt_file_in_course_data_dir_raises_dataset_error_and_is_kept(
    data_dir: Path, relpath: str, corrupt, load, message: str
) -> None:
    path = data_dir / relpath
    corrupt(path)
    before = path.read_bytes()
    with pytest.raises(ds.DatasetError, match=message) as info:
        load()
    assert str(path) in str(info.value)
    assert path.read_bytes() == before


def test_cifar_archive_without_test_batch_is_rejected(data_dir: Path) -> None:
    import tarfile

    path = data_dir / "cifar10" / "cifar-10-python.tar.gz"
    with tarfile.open(path) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar if not m.name.endswith("test_batch")]
    with tarfile.open(path, "w:gz") as tar:
        for member, payload in members:
            fx.add_tar_member(tar, Path(member.name).name, payload)
    with pytest.raises(ds.DatasetError, match="falta cifar-10-batches-py/test_batch"):
        ds.load_cifar10(fast=False)


def test_chest_xray_files_with_different_record_counts_are_rejected(data_dir: Path) -> None:
    paths = data_dir / "chest_xray" / "ChestXRay2017" / "train" / "paths.tfrec"
    paths.write_bytes(fx.tfrecord_bytes([b"chest_xray/train/NORMAL/x.jpeg"] * 39))
    with pytest.raises(ds.DatasetError, match="40 registros, mas .*paths.tfrec tem 39"):
        ds.load_chest_xray("train", fast=False)


# ------------------------------------------------------------------------ downloads


def _serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sha256: str | None = "auto") -> Path:
    """Point the MNIST URL at a fixture file (file://) with its real sha256."""
    served = fx.write_mnist(tmp_path / "server", n_train=30, n_test=10)
    digest = hashlib.sha256(served.read_bytes()).hexdigest() if sha256 == "auto" else sha256
    spec = ds.SOURCES["mnist"]["mnist.npz"]
    monkeypatch.setitem(
        ds.SOURCES["mnist"], "mnist.npz", spec._replace(url=served.as_uri(), sha256=digest)
    )
    return served


@pytest.fixture
def get_file_calls(monkeypatch: pytest.MonkeyPatch) -> list:
    """Record every call of the real keras.utils.get_file."""
    import keras

    real, calls = keras.utils.get_file, []

    def spy(*args, **kwargs):
        calls.append(kwargs["origin"])
        return real(*args, **kwargs)

    monkeypatch.setattr(keras.utils, "get_file", spy)
    return calls


def test_corrupt_cache_file_is_removed_and_downloaded_again_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: Path, get_file_calls: list
) -> None:
    served = _serve(tmp_path, monkeypatch)
    offline.mkdir(parents=True)
    (offline / "mnist.npz").write_bytes(b"not a zip file")
    (x_train, _), (x_test, _) = ds.load_mnist(fast=False)
    assert x_train.shape == (30, 28, 28) and x_test.shape == (10, 28, 28)
    assert get_file_calls == [served.as_uri()]
    assert (offline / "mnist.npz").read_bytes() == served.read_bytes()
    ds.load_mnist(fast=False)  # now served from the cache
    assert len(get_file_calls) == 1


def test_corrupt_cache_file_without_official_hash_is_downloaded_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: Path, get_file_calls: list
) -> None:
    server = fx.write_chest_xray(tmp_path / "server") / "test"
    cache = offline / "ChestXRay2017" / "test"
    cache.mkdir(parents=True)
    shutil.copyfile(server / "images.tfrec", cache / "images.tfrec")
    (cache / "paths.tfrec").write_bytes(b"\x00" * 7)  # truncated TFRecord
    name = "ChestXRay2017/test/paths.tfrec"
    spec = ds.SOURCES["chest_xray"][name]
    assert spec.sha256 is None
    uri = (server / "paths.tfrec").as_uri()
    monkeypatch.setitem(ds.SOURCES["chest_xray"], name, spec._replace(url=uri))
    labels = [int(label) for _, label in ds.load_chest_xray("test", fast=False)]
    assert labels == fx.chest_xray_arrays()[1][1].tolist()
    assert get_file_calls == [uri]
    assert (cache / "paths.tfrec").read_bytes() == (server / "paths.tfrec").read_bytes()


def test_download_that_is_still_bad_raises_after_one_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: Path, get_file_calls: list
) -> None:
    served = _serve(tmp_path, monkeypatch)
    served.write_bytes(b"still not a zip file")
    _serve_hash = hashlib.sha256(served.read_bytes()).hexdigest()
    spec = ds.SOURCES["mnist"]["mnist.npz"]
    monkeypatch.setitem(ds.SOURCES["mnist"], "mnist.npz", spec._replace(sha256=_serve_hash))
    offline.mkdir(parents=True)
    (offline / "mnist.npz").write_bytes(b"broken")
    with pytest.raises(ds.DatasetError, match="mnist.npz.*acabou de ser baixado"):
        ds.load_mnist(fast=False)
    assert len(get_file_calls) == 1
    assert not (offline / "mnist.npz").exists()


def test_download_with_wrong_sha256_is_rejected_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: Path
) -> None:
    _serve(tmp_path, monkeypatch, sha256="0" * 64)
    with pytest.raises(ds.DatasetError, match="sha256"):
        ds.load_mnist(fast=False)
    assert not (offline / "mnist.npz").exists()


def test_no_network_raises_one_message_with_urls_and_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: Path
) -> None:
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(ds.DatasetUnavailableError) as info:
        ds.load_fashion_mnist(fast=False)
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    for filename in ds.SOURCES["fashion-mnist"]:
        assert f"{DEAD_URL}fashion-mnist/{filename}" in message
        assert str(tmp_path / "empty" / "fashion-mnist" / filename) in message
        assert str(offline / "fashion-mnist" / filename) in message


def test_no_network_message_explains_course_data_dir_when_unset(offline: Path) -> None:
    with pytest.raises(
        ds.DatasetUnavailableError, match=r"\$COURSE_DATA_DIR/cifar10/cifar-10-python.tar.gz"
    ):
        ds.load_cifar10(fast=False)
    assert not (offline / "cifar-10-python.tar.gz").exists()


# -------------------------------------------------------------- the real offline mirror

needs_mirror = pytest.mark.skipif(
    not MIRROR.is_dir(), reason=f"offline mirror {MIRROR} not present"
)


@pytest.fixture
def mirror(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COURSE_DATA_DIR", str(MIRROR))
    return MIRROR


@needs_mirror
@pytest.mark.parametrize(
    ("load", "n_train", "n_test", "image_shape"),
    [
        (ds.load_mnist, 8000, 2000, (28, 28)),
        (ds.load_fashion_mnist, 60000, 10000, (28, 28)),
        (ds.load_cifar10, 10000, 2000, (32, 32, 3)),
    ],
    ids=["mnist", "fashion-mnist", "cifar10"],
)
def test_mirror_arrays_have_the_documented_sizes(
    mirror: Path, load, n_train, n_test, image_shape
) -> None:
    (x_train, y_train), (x_test, y_test) = load(fast=False)
    assert x_train.shape == (n_train, *image_shape) and y_train.shape == (n_train,)
    assert x_test.shape == (n_test, *image_shape) and y_test.shape == (n_test,)
    assert set(np.unique(y_train)) == set(range(10)) and x_train.dtype == np.uint8


@needs_mirror
def test_mirror_chest_xray_names_carry_no_patient_id(mirror: Path) -> None:
    paths = ds.load_chest_xray_paths("train", fast=False)
    assert len(paths) == 2698
    assert all(ds.chest_xray_patient_id(p) is None for p in paths)


@needs_mirror
@pytest.mark.parametrize(("split", "n"), [("train", 2698), ("test", 468)])
def test_mirror_chest_xray_has_balanced_labels(mirror: Path, split: str, n: int) -> None:
    dataset = ds.load_chest_xray(split, fast=False)
    labels = np.concatenate([y.numpy() for y in dataset.map(lambda x, y: y).batch(1024)])
    assert np.bincount(labels).tolist() == [n // 2, n // 2]
