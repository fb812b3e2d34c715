"""Tests for course_utils.distribute: backend and strategy choice, two replicas on each backend.

Keras reads ``KERAS_BACKEND`` once, when first imported, and logical devices must be
configured before TensorFlow (or JAX) initialises its devices; pytest runs every test in one
process (Keras on TensorFlow), so whatever needs another backend or fresh devices runs in a
subprocess. The JAX tests emulate two CPU devices with ``XLA_FLAGS``, and lesson 12's two
notebooks run there end to end (the nbval run covers them on TensorFlow).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from course_utils import distribute
from course_utils.exercises.lesson12 import BATCH_PER_REPLICA

pytestmark = pytest.mark.slow  # among the longest test files: conftest.py runs them first

ROOT = Path(__file__).resolve().parents[1]


JAX_TWO_DEVICES = {
    "KERAS_BACKEND": "jax",
    "JAX_PLATFORMS": "cpu",
    "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
    "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
}
"""Environment of a process whose Keras runs on JAX over two emulated CPU devices. With
``JAX_COMPILATION_CACHE_DIR`` (:func:`jax_env`) the processes share compiled programs: JAX
compiles every small initializer op of a model, and the cache cuts that from ~20 s to ~2 s."""


@pytest.fixture(scope="module")
def jax_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """:data:`JAX_TWO_DEVICES` with a compilation cache shared by this module's JAX processes."""
    return {**JAX_TWO_DEVICES,
            "JAX_COMPILATION_CACHE_DIR": str(tmp_path_factory.mktemp("jax-cache"))}


def run_python(code: str, timeout: int = 600, env: dict[str, str] | None = None,
               args: tuple[str, ...] = ()) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line last, which is returned."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow",
             **(env or {})},
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
    assert "Keras com TensorFlow: estratégia padrão (CPU), 1 réplica." in capsys.readouterr().out


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
    assert "não pôde iniciá-la" in out["stdout"] and "KERAS_BACKEND=jax" in out["stdout"]
    assert out["replicas"] >= 1


SMALL_MODEL = '''
def build():
    """A tiny conv net with SGD, seeded: every call starts from the same weights."""
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input((6, 6, 1)),
        keras.layers.Conv2D(3, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    return model
'''
"""Source of ``build()`` for the two-replica subprocesses (``keras`` imported before it)."""


def test_mirrored_strategy_on_two_logical_cpus_splits_the_batch_and_trains() -> None:
    """One SGD step on two replicas equals the same step on one device with the whole batch."""
    out = run_python(textwrap.dedent("""
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

    """) + SMALL_MODEL + textwrap.dedent("""
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
    """))
    assert "MirroredStrategy em /cpu:0, /cpu:1, 2 réplicas" in out["stdout"]
    assert out["replicas"] == 2 and out["name"] == "Mirrored" and out["batch"] == 8
    assert out["sizes"] == [4, 4]
    assert out["devices"][0] != out["devices"][1]
    assert out["same_start"]
    assert out["changed"] > 1e-3  # the step really moved the weights ...
    assert out["gap"] < 1e-5  # ... exactly as one device with the whole batch would
    assert out["loss_after"] < out["loss_before"]


# ---- the backend -------------------------------------------------------------------------------


def test_preferred_backend_is_jax_only_on_a_tpu_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(distribute, "local_tpu_chips", lambda: 1)
    assert distribute.preferred_backend() == "jax"
    monkeypatch.setattr(distribute, "local_tpu_chips", lambda: 0)
    assert distribute.preferred_backend() == "tensorflow"


def test_choose_backend_rejects_an_unknown_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match="'torch'"):
        distribute.choose_backend("torch")
    assert os.environ["KERAS_BACKEND"] == "tensorflow"


def test_choose_backend_switches_a_keras_already_imported() -> None:
    """A setup cell may import Keras (on TensorFlow) before the lesson chooses JAX."""
    out = run_python("""
        import json, os
        import keras
        from course_utils import distribute

        before = keras.backend.backend()
        chosen = distribute.choose_backend("jax")
        import keras
        from course_utils import xray

        model = xray.build_xray_model((32, 32))
        print(json.dumps({"before": before, "chosen": chosen, "after": keras.backend.backend(),
                          "env": os.environ["KERAS_BACKEND"],
                          "weights": type(model.weights[0].value).__module__}))
    """, env={"JAX_PLATFORMS": "cpu"})
    assert out["before"] == "tensorflow" and out["chosen"] == out["after"] == out["env"] == "jax"
    assert out["weights"].startswith("jax")
    assert "Backend do Keras: jax" in out["stdout"]


# ---- precision -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, capabilities, policy",
    [("TPU", [], "mixed_bfloat16"), ("GPU", [(8, 0), (9, 0)], "mixed_bfloat16"),
     ("GPU", [(7, 5)], "mixed_float16"), ("GPU", [(8, 6), (7, 5)], "mixed_float16"),
     ("GPU", [(6, 0)], "float32"), ("GPU", [], "float32"), ("CPU", [], "float32"),
     ("Mirrored", [], "float32")],
)
def test_16_bit_policies_only_where_the_hardware_has_them(monkeypatch: pytest.MonkeyPatch, name: str,
                                                 capabilities: list, policy: str) -> None:
    monkeypatch.setattr(distribute, "strategy_name", lambda strategy: name)
    monkeypatch.setattr(distribute, "_gpu_capabilities", lambda strategy: capabilities)
    assert distribute.precision_policy(object()) == policy


def test_step_timer_counts_every_step_with_steps_per_execution() -> None:
    import keras

    from course_utils.timing import StepTimer

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=4)
    timer = StepTimer()
    model.fit(np.zeros((10, 2)), np.zeros(10), batch_size=2, epochs=2, verbose=0,
              callbacks=[timer])
    assert timer.steps == [5, 5]  # called back after steps 4 and 5, not twice


# ---- JAX: keras.distribution over two CPU devices ------------------------------------------------


def test_jax_data_parallel_on_two_devices_equals_one_device_step(jax_env: dict) -> None:
    """One SGD step over two devices equals the same step on one device with the whole batch."""
    out = run_python(textwrap.dedent("""
        import json
        import keras
        import numpy as np
        from course_utils import distribute

        strategy = distribute.get_strategy()
        batch = distribute.global_batch_size(4, strategy)
        rng = np.random.default_rng(0)
        x = rng.normal(size=(batch, 6, 6, 1)).astype("float32")
        y = (x.mean(axis=(1, 2, 3)) > 0).astype("float32")
        shard = strategy.distribution.get_data_layout(x.shape).backend_layout.shard_shape(x.shape)

    """) + SMALL_MODEL + textwrap.dedent("""
        with strategy.scope():
            parallel = build()
        start = parallel.get_weights()
        weight_devices = len(parallel.weights[0].value.devices())
        loss_before = float(parallel.evaluate(x, y, batch_size=batch, verbose=0))
        parallel.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        loss_after = float(parallel.evaluate(x, y, batch_size=batch, verbose=0))
        keras.distribution.set_distribution(None)
        single = build()  # same seed, one device
        single_devices = len(single.weights[0].value.devices())
        same_start = all(np.array_equal(a, b) for a, b in zip(start, single.get_weights()))
        single.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        changed = max(float(np.abs(a - b).max()) for a, b in zip(start, parallel.get_weights()))
        gap = max(float(np.abs(a - b).max())
                  for a, b in zip(parallel.get_weights(), single.get_weights()))
        print(json.dumps({
            "replicas": strategy.num_replicas_in_sync, "name": distribute.strategy_name(strategy),
            "batch": batch, "shard": list(shard), "weight_devices": weight_devices,
            "single_devices": single_devices, "same_start": same_start, "changed": changed,
            "gap": gap, "loss_before": loss_before, "loss_after": loss_after,
        }))
    """), env=jax_env)
    assert "Keras com JAX: keras.distribution.DataParallel em cpu:0, cpu:1, 2 réplicas." in out["stdout"]
    assert out["replicas"] == 2 and out["name"] == "CPU" and out["batch"] == 8
    assert out["shard"] == [4, 6, 6, 1]  # each device gets half of the batch ...
    assert out["weight_devices"] == 2 and out["single_devices"] == 1  # ... and all the weights
    assert out["same_start"]
    assert out["changed"] > 1e-3  # the step really moved the weights ...
    assert out["gap"] < 1e-5  # ... exactly as one device with the whole batch would
    assert out["loss_after"] < out["loss_before"]


# ---- .keras files cross backends -----------------------------------------------------------------

CHECKPOINT_STEP = """
    import json, sys
    import keras
    import numpy as np
    from course_utils import xray

    data, load, save = sys.argv[1:4]
    x, y = np.load(data)["x"], np.load(data)["y"]
    out = {"backend": keras.backend.backend()}
    if load:
        model = keras.models.load_model(load)
        out["loaded_pred"] = model.predict(x, verbose=0).ravel().tolist()
        out["loaded_loss"] = float(model.evaluate(x, y, verbose=0, return_dict=True)["loss"])
        out["loaded_iterations"] = int(model.optimizer.iterations)
    else:
        keras.utils.set_random_seed(0)
        model = xray.build_xray_model((32, 32))
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=xray.xray_metrics())
    if save:
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)  # training goes on after loading
        out["pred"] = model.predict(x, verbose=0).ravel().tolist()
        out["iterations"] = int(model.optimizer.iterations)
        model.save(save)
    print(json.dumps(out))
"""


def binary_crossentropy(y: np.ndarray, p: np.ndarray) -> float:
    """Keras' binary cross-entropy (probabilities clipped to [1e-7, 1 - 1e-7]), batch mean."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-7, 1 - 1e-7)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def test_keras_checkpoint_trained_on_one_backend_loads_on_the_other(tmp_path: Path,
                                                                     jax_env: dict) -> None:
    """Train on JAX → load, evaluate and train on TensorFlow → load and evaluate on JAX."""
    rng = np.random.default_rng(0)
    data = tmp_path / "data.npz"
    x = rng.integers(0, 256, (16, 32, 32, 1), dtype=np.uint8)
    y = (np.arange(16) % 2).astype("float32")
    np.savez(data, x=x, y=y)
    steps = [("jax", "", "a.keras"), ("tensorflow", "a.keras", "b.keras"), ("jax", "b.keras", "")]
    runs = [run_python(CHECKPOINT_STEP, env={**jax_env, "KERAS_BACKEND": backend},
                       args=(str(data), load and str(tmp_path / load), save and str(tmp_path / save)))
            for backend, load, save in steps]
    assert [run["backend"] for run in runs] == ["jax", "tensorflow", "jax"]
    for saved, loaded in zip(runs, runs[1:]):
        np.testing.assert_allclose(loaded["loaded_pred"], saved["pred"], atol=1e-4)
        assert abs(loaded["loaded_loss"] - binary_crossentropy(y, saved["pred"])) < 1e-4
        assert loaded["loaded_iterations"] == saved["iterations"] > 0  # optimizer state too
    assert runs[1]["iterations"] == runs[0]["iterations"] + 2  # TF trained on from JAX's state


# ---- lesson 12 end to end on JAX ------------------------------------------------------------------


@pytest.mark.parametrize("notebook", ["solutions/12_raio_x_tpu.ipynb", "notebooks/12_raio_x_tpu.ipynb"])
def test_lesson12_runs_on_jax_over_two_devices(notebook: str, jax_env: dict,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Both versions of lesson 12, fast mode, Keras on JAX with data parallelism over two devices.

    Solutions run strict (a wrong reference answer fails), as in the nbval run.
    """
    import nbformat
    from nbclient import NotebookClient

    for name, value in jax_env.items():
        monkeypatch.setenv(name, value)  # the kernel inherits them; this process' Keras is loaded
    monkeypatch.setenv("COURSE_STRICT", "1" if notebook.startswith("solutions") else "0")
    path = ROOT / notebook
    executed = nbformat.read(path, as_version=4)
    NotebookClient(executed, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    printed = "".join(output.get("text", "") for cell in executed.cells
                      for output in cell.get("outputs", []))
    assert "Backend do Keras: jax" in printed
    assert "Keras com JAX: keras.distribution.DataParallel em cpu:0, cpu:1, 2 réplicas." in printed
    assert f"2 réplica(s) × {BATCH_PER_REPLICA} imagens = lote global de {2 * BATCH_PER_REPLICA}" in printed
