"""Spread one Keras model over the machine's accelerators, on the JAX or the TensorFlow backend.

Keras 3 runs on several backends, and each has its own way to use many devices:

* **JAX** (the backend of Colab's TPU runtime): Keras' own distribution API,
  ``keras.distribution.DataParallel`` over ``keras.distribution.list_devices()``: the TPU
  chips, else the GPUs, else the CPU devices. Every device holds a copy of the weights and
  gets an equal slice of each batch.
* **TensorFlow**: ``tf.distribute``: a ``TPUStrategy`` where TensorFlow itself can drive a
  TPU (``TPU_NAME``, or TPU chips attached to this machine that a TPU build of TensorFlow
  starts), a ``MirroredStrategy`` over the GPUs, else the default strategy (one replica,
  the CPU).

:func:`get_strategy` picks the path for the backend Keras was imported with and prints one
line saying what it chose. What it returns has the two things a lesson needs on either
backend: ``scope()`` (build and compile the model inside it) and ``num_replicas_in_sync``
(multiply the batch by it: :func:`global_batch_size`). The backend itself must be chosen
before anything imports Keras, through the ``KERAS_BACKEND`` environment variable:
:func:`choose_backend` sets it (JAX on a machine with TPU chips, TensorFlow elsewhere, unless
the user already chose).

Colab's runtimes (2026): the TPU runtime is a TPU VM with one chip (v5e-1 or v6e-1) that
ships Keras 3 with JAX and **no TensorFlow**; the ``tensorflow-tpu`` builds stop at
TensorFlow 2.20 and no longer find Colab's TPU, so the TPU is driven by JAX. TensorFlow,
installed for the CPU only, still serves ``tf.data`` as the input pipeline. The GPU and CPU
runtimes ship TensorFlow and use the TensorFlow backend.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ContextManager, Protocol

if TYPE_CHECKING:
    import tensorflow as tf

GOOGLE_PCI_VENDOR = "0x1ae0"
"""PCI vendor id of Google, the maker of the TPU chips."""

TPU_PCI_DEVICES = frozenset({"0x0027", "0x0056", "0x005e", "0x0062", "0x0063", "0x006f", "0x0076"})
"""PCI device ids of TPU chips (v2/v3, v4, v5p, v5e, v6e, 7x), the list JAX uses."""

BACKENDS = ("jax", "tensorflow")
"""Keras backends this module distributes on."""

BFLOAT16_GPU_CAPABILITY = (8, 0)
"""Smallest CUDA compute capability with bfloat16 arithmetic (Ampere, e.g. A100, L4)."""

FLOAT16_GPU_CAPABILITY = (7, 0)
"""Smallest CUDA compute capability with float16 Tensor Cores (Volta V100, Turing T4)."""

TF_TPU_HINT = (
    "No Colab, a TPU é do JAX: rode a aula com o backend jax (KERAS_BACKEND=jax antes de "
    "importar o Keras; a primeira célula da aula 12 faz isso) e reinicie a sessão."
)


class Strategy(Protocol):
    """What the lessons use of a strategy, on either backend."""

    num_replicas_in_sync: int

    def scope(self) -> ContextManager: ...


def local_tpu_chips(pci_root: str | os.PathLike = "/sys/bus/pci/devices") -> int:
    """How many TPU chips are attached to this machine (0 on a machine without TPU)."""
    chips = 0
    for device in glob.glob(os.path.join(pci_root, "*")):
        try:
            vendor = Path(device, "vendor").read_text().strip()
            model = Path(device, "device").read_text().strip()
        except OSError:
            continue
        chips += vendor == GOOGLE_PCI_VENDOR and model in TPU_PCI_DEVICES
    return chips


def preferred_backend() -> str:
    """``"jax"`` on a machine with TPU chips (Colab's TPU runtime), else ``"tensorflow"``.

    :func:`choose_backend` uses it when ``KERAS_BACKEND`` is not set.
    """
    return "jax" if local_tpu_chips() else "tensorflow"


def choose_backend(backend: str | None = None) -> str:
    """Make ``backend`` Keras' backend before the lesson imports Keras; return it.

    ``backend`` defaults to ``$KERAS_BACKEND``, else :func:`preferred_backend`. It is written
    to ``KERAS_BACKEND``, which Keras reads when it is first imported. If Keras is already
    imported with another backend (a setup cell imported it), Keras is reloaded with
    ``keras.config.set_backend``, which is safe only before any model or layer exists and
    before modules that subclass Keras classes (``course_utils.timing``, ``xray``) are
    imported: call this first. Prints one line.
    """
    import sys
    import warnings

    chosen = backend or os.environ.get("KERAS_BACKEND") or preferred_backend()
    if chosen not in BACKENDS:
        raise ValueError(f"o backend deve ser um de {BACKENDS}, não {chosen!r}")
    os.environ["KERAS_BACKEND"] = chosen
    keras = sys.modules.get("keras")
    if keras is not None and keras.backend.backend() != chosen:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "set_backend is dangerous": no model exists yet
            keras.config.set_backend(chosen)
    print(f"Backend do Keras: {chosen}" + (" (TPU nesta máquina)" if local_tpu_chips() else ""))
    return chosen


class DataParallelStrategy:
    """Keras' ``DataParallel`` distribution (JAX backend) with a ``tf.distribute``-like face.

    Creating it makes the distribution Keras' global one, so ``fit``, ``evaluate`` and
    ``predict`` split every batch over the devices; ``scope()`` is the distribution's own
    scope, so ``with strategy.scope():`` reads the same on both backends.
    """

    def __init__(self, devices: Sequence[str]) -> None:
        import keras

        if not devices:
            raise ValueError("devices deve ter pelo menos um dispositivo, por exemplo ['cpu:0']")
        self.devices = list(devices)
        self.distribution = keras.distribution.DataParallel(devices=self.devices)
        keras.distribution.set_distribution(self.distribution)

    @property
    def num_replicas_in_sync(self) -> int:
        """One replica per device."""
        return len(self.devices)

    @property
    def platform(self) -> str:
        """``"tpu"``, ``"gpu"`` or ``"cpu"``: the kind of the devices."""
        return self.devices[0].split(":")[0].lower()

    def scope(self) -> ContextManager:
        """Context in which the distribution is current (it already is, globally)."""
        return self.distribution.scope()

    def __repr__(self) -> str:
        return f"DataParallelStrategy(devices={self.devices!r})"


def get_strategy(tpu: str | None = None, devices: Sequence[str] | None = None) -> Strategy:
    """The way to spread a model over this machine, for the backend Keras was imported with.

    JAX: a :class:`DataParallelStrategy` over ``devices`` (default
    ``keras.distribution.list_devices()``: TPU chips, else GPUs, else CPU devices).
    TensorFlow: a ``tf.distribute`` strategy, see :func:`get_tf_strategy` (``tpu`` and
    ``devices`` go to it). Prints one line with the backend, the choice and the replicas.
    Call it once per process, before building any model.

    >>> strategy = get_strategy()  # doctest: +SKIP
    Keras com TensorFlow: estratégia padrão (CPU), 1 réplica.
    """
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        strategy = DataParallelStrategy(devices or keras.distribution.list_devices())
        shown = ", ".join(strategy.devices)
        return _report(strategy, "JAX", f"keras.distribution.DataParallel em {shown}")
    if backend == "tensorflow":
        tf_strategy, name = get_tf_strategy(tpu, devices)
        return _report(tf_strategy, "TensorFlow", name)
    raise ValueError(f"o backend do Keras é {backend!r}; esta aula roda com "
                     f"{' ou '.join(BACKENDS)} (defina KERAS_BACKEND antes de importar o Keras)")


def find_tpu(tpu: str | None = None) -> tf.distribute.cluster_resolver.TPUClusterResolver | None:
    """A TensorFlow resolver for the TPU to use, or ``None`` when there is none; never raises.

    ``tpu`` names one (``"local"``, a TPU name or a ``grpc://`` address); by default a TPU
    configured in the environment, else the chips attached to this machine.
    """
    import tensorflow as tf

    resolver_class = tf.distribute.cluster_resolver.TPUClusterResolver
    candidates = [tpu] if tpu else [None] + (["local"] if local_tpu_chips() else [])
    for name in candidates:
        try:
            return resolver_class(tpu=name) if name else resolver_class()
        except (ValueError, RuntimeError, tf.errors.OpError):  # "Please provide a TPU Name"
            continue
    return None


def get_tf_strategy(
    tpu: str | None = None, devices: Sequence[str] | None = None
) -> tuple[tf.distribute.Strategy, str]:
    """``(strategy, description)``: TPU if TensorFlow can start one, else GPUs, else default.

    ``tpu`` is passed to :func:`find_tpu`; ``devices`` (e.g. ``["/cpu:0", "/cpu:1"]`` after
    splitting the CPU into logical devices) asks for a ``MirroredStrategy`` over exactly
    those devices instead of looking for accelerators. A TPU that is there but cannot be
    started is reported and the next option is used: this never fails for want of a TPU.
    """
    import tensorflow as tf

    if devices:
        return (tf.distribute.MirroredStrategy(devices=list(devices)),
                f"MirroredStrategy em {', '.join(devices)}")
    resolver = find_tpu(tpu)
    if resolver is not None:
        try:
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
            return tf.distribute.TPUStrategy(resolver), "TPUStrategy (TPU)"
        except Exception as error:  # noqa: BLE001 - any failure means "no usable TPU"
            lines = str(error).strip().splitlines()
            message = lines[0][:200] if lines else ""
            print(f"Achei uma TPU, mas o TensorFlow não pôde iniciá-la ({type(error).__name__}: "
                  f"{message}). Sigo sem TPU. {TF_TPU_HINT}")
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return (tf.distribute.MirroredStrategy(),
                f"MirroredStrategy ({len(gpus)} GPU{'s' if len(gpus) > 1 else ''})")
    if local_tpu_chips():
        print(f"Esta máquina tem TPU, mas o TensorFlow não a encontrou. {TF_TPU_HINT}")
    return tf.distribute.get_strategy(), "estratégia padrão (CPU)"


def _report(strategy: Any, backend: str, name: str) -> Any:
    replicas = strategy.num_replicas_in_sync
    print(f"Keras com {backend}: {name}, {replicas} réplica{'s' if replicas > 1 else ''}.")
    return strategy


def global_batch_size(per_replica: int, strategy: Strategy) -> int:
    """The batch size to give ``tf.data``: ``per_replica`` examples for each replica."""
    if not isinstance(per_replica, int) or isinstance(per_replica, bool) or per_replica < 1:
        raise ValueError(f"per_replica deve ser um inteiro positivo, recebi {per_replica!r}")
    return per_replica * strategy.num_replicas_in_sync


def strategy_name(strategy: Strategy) -> str:
    """A short name: ``"TPU"``, ``"GPU"``, ``"CPU"`` or ``"Mirrored"`` (TF on CPU devices)."""
    if isinstance(strategy, DataParallelStrategy):
        return strategy.platform.upper()
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.TPUStrategy):
        return "TPU"
    if isinstance(strategy, tf.distribute.MirroredStrategy):
        devices = strategy.extended.worker_devices
        return "GPU" if all("GPU" in d.upper() for d in devices) else "Mirrored"
    return "CPU"


def has_bfloat16(strategy: Strategy) -> bool:
    """True where the accelerators compute in bfloat16 natively: TPUs, and GPUs from Ampere on.

    CPUs emulate it (slower than float32), and older GPUs such as the T4 lack it.
    """
    name = strategy_name(strategy)
    if name == "TPU":
        return True
    if name != "GPU":
        return False
    capabilities = _gpu_capabilities(strategy)
    return bool(capabilities) and all(c >= BFLOAT16_GPU_CAPABILITY for c in capabilities)


def _gpu_capabilities(strategy: Strategy) -> list[tuple[int, int]]:
    if isinstance(strategy, DataParallelStrategy):
        import jax

        return [tuple(int(p) for p in str(d.compute_capability).split(".")[:2])
                for d in jax.devices("gpu")]
    import tensorflow as tf

    return [tuple(tf.config.experimental.get_device_details(gpu).get("compute_capability", (0, 0)))
            for gpu in tf.config.list_physical_devices("GPU")]


def precision_policy(strategy: Strategy) -> str:
    """The Keras dtype policy to pass to ``keras.mixed_precision.set_dtype_policy`` before
    building the model: ``"mixed_bfloat16"`` where :func:`has_bfloat16`; ``"mixed_float16"`` on
    GPUs with float16 Tensor Cores but no fast bfloat16 (the T4 of Colab's free tier, the V100),
    where ``compile`` wraps the optimizer in a ``LossScaleOptimizer`` by itself; else
    ``"float32"`` (CPUs gain nothing from 16 bits)."""
    if has_bfloat16(strategy):
        return "mixed_bfloat16"
    if strategy_name(strategy) == "GPU":
        capabilities = _gpu_capabilities(strategy)
        if capabilities and all(c >= FLOAT16_GPU_CAPABILITY for c in capabilities):
            return "mixed_float16"
    return "float32"

