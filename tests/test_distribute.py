"""Tests for course_utils.distribute: strategy choice on CPU, TPU detection, two replicas.

Logical devices must be configured before TensorFlow initialises its devices, and pytest runs
every test in one process, so whatever needs a fresh TensorFlow runs in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from course_utils import distribute

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, timeout: int = 180) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line last, which is returned."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {"stdout": result.stdout, **json.loads(result.stdout.strip().splitlines()[-1])}


def test_cpu_only_machine_gets_the_default_strategy(capsys: pytest.CaptureFixture) -> None:
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU") or distribute.local_tpu_chips():
        pytest.skip("this machine has an accelerator")
    strategy = distribute.get_strategy()
    assert strategy is tf.distribute.get_strategy()
    assert not isinstance(strategy, (tf.distribute.MirroredStrategy, tf.distribute.TPUStrategy))
    assert strategy.num_replicas_in_sync == 1
    assert distribute.strategy_name(strategy) == "CPU"
    assert "padrão (CPU), 1 réplica" in capsys.readouterr().out


def test_find_tpu_returns_none_without_a_tpu(monkeypatch: pytest.MonkeyPatch) -> None:
    if distribute.local_tpu_chips():
        pytest.skip("this machine has a TPU")
    for name in ("TPU_NAME", "COLAB_TPU_ADDR", "KUBE_GOOGLE_CLOUD_TPU_ENDPOINTS"):
        monkeypatch.delenv(name, raising=False)
    assert distribute.find_tpu() is None


def _fake_pci(root: Path, devices: dict[str, tuple[str, str]]) -> Path:
    for name, (vendor, device) in devices.items():
        (root / name).mkdir(parents=True)
        (root / name / "vendor").write_text(vendor + "\n")
        (root / name / "device").write_text(device + "\n")
    return root


def test_local_tpu_chips_counts_google_tpu_pci_devices_only(tmp_path: Path) -> None:
    root = _fake_pci(tmp_path, {
        "0000:00:04.0": ("0x1ae0", "0x0027"),  # TPU v2/v3 chip
        "0000:00:05.0": ("0x1ae0", "0x0027"),
        "0000:00:06.0": ("0x1ae0", "0x0063"),  # TPU v5e chip
        "0000:00:07.0": ("0x1ae0", "0x0042"),  # Google gVNIC network card: not a TPU
        "0000:00:08.0": ("0x10de", "0x0027"),  # another vendor
    })
    (root / "0000:00:09.0").mkdir()  # unreadable entry: skipped
    assert distribute.local_tpu_chips(root) == 3
    assert distribute.local_tpu_chips(tmp_path / "missing") == 0


def test_global_batch_size_scales_with_replicas() -> None:
    class Replicas:
        def __init__(self, n: int) -> None:
            self.num_replicas_in_sync = n

    assert [distribute.global_batch_size(16, Replicas(n)) for n in (1, 2, 8)] == [16, 32, 128]
    with pytest.raises(ValueError, match="per_replica"):
        distribute.global_batch_size(0, Replicas(1))


def test_a_tpu_that_cannot_start_falls_back_without_raising() -> None:
    # A "local" resolver always builds; starting it on a machine without TPU chips fails.
    out = run_python("""
        import json
        import tensorflow as tf
        from course_utils import distribute

        distribute.find_tpu = lambda tpu=None: (
            tf.distribute.cluster_resolver.TPUClusterResolver(tpu="local"))
        strategy = distribute.get_strategy()
        print(json.dumps({"name": distribute.strategy_name(strategy),
                          "replicas": strategy.num_replicas_in_sync}))
    """)
    if out["name"] == "TPU":
        pytest.skip("this machine has a TPU")
    assert "não pôde ser iniciada" in out["stdout"] and "tensorflow-tpu" in out["stdout"]
    assert out["replicas"] >= 1


def test_mirrored_strategy_on_two_logical_cpus_splits_the_batch_and_trains() -> None:
    """One SGD step on two replicas equals the same step on one device with the whole batch."""
    out = run_python("""
        import json
        import numpy as np
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import keras
        from course_utils import distribute

        strategy = distribute.get_strategy(devices=["/cpu:0", "/cpu:1"])
        batch = distribute.global_batch_size(4, strategy)
        rng = np.random.default_rng(0)
        x = rng.normal(size=(batch, 6, 6, 1)).astype("float32")
        y = (x.mean(axis=(1, 2, 3)) > 0).astype("float32")
        dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)

        per_replica = next(iter(strategy.experimental_distribute_dataset(dataset)))[0]
        sizes = [int(t.shape[0]) for t in strategy.experimental_local_results(per_replica)]
        devices = [t.device for t in strategy.experimental_local_results(per_replica)]

        def build():
            keras.utils.set_random_seed(1)
            model = keras.Sequential([
                keras.Input((6, 6, 1)),
                keras.layers.Conv2D(3, 3, activation="relu"),
                keras.layers.Flatten(),
                keras.layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
            return model

        with strategy.scope():
            mirrored = build()
        start = [w.copy() for w in mirrored.get_weights()]
        loss_before = float(mirrored.evaluate(dataset, verbose=0))
        mirrored.fit(dataset, epochs=1, verbose=0)
        loss_after = float(mirrored.evaluate(dataset, verbose=0))
        single = build()  # same seed, same initial weights, default strategy
        same_start = all(np.array_equal(a, b) for a, b in zip(start, single.get_weights()))
        single.fit(dataset, epochs=1, verbose=0)
        changed = max(float(np.abs(a - b).max()) for a, b in zip(start, mirrored.get_weights()))
        gap = max(float(np.abs(a - b).max())
                  for a, b in zip(mirrored.get_weights(), single.get_weights()))
        print(json.dumps({
            "replicas": strategy.num_replicas_in_sync, "name": distribute.strategy_name(strategy),
            "batch": batch, "sizes": sizes, "devices": devices, "same_start": same_start,
            "changed": changed, "gap": gap, "loss_before": loss_before, "loss_after": loss_after,
        }))
    """)
    assert "MirroredStrategy em /cpu:0, /cpu:1, 2 réplicas" in out["stdout"]
    assert out["replicas"] == 2 and out["name"] == "Mirrored" and out["batch"] == 8
    assert out["sizes"] == [4, 4]
    assert out["devices"][0] != out["devices"][1]
    assert out["same_start"]
    assert out["changed"] > 1e-3  # the step really moved the weights ...
    assert out["gap"] < 1e-5  # ... exactly as one device with the whole batch would
    assert out["loss_after"] < out["loss_before"]
