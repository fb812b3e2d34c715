"""Pick a ``tf.distribute`` strategy for the machine: TPU, GPUs or the CPU.

:func:`get_strategy` returns

* a ``TPUStrategy`` when a TPU is reachable: a TPU named by ``TPU_NAME`` (or the old Colab
  ``COLAB_TPU_ADDR``) as ``TPUClusterResolver()`` finds it, or TPU chips attached to this
  machine (a TPU VM, as Colab's TPU runtimes are), through ``TPUClusterResolver(tpu="local")``;
* a ``MirroredStrategy`` over every GPU when there is at least one GPU;
* the default strategy (one replica, the CPU) otherwise.

It prints which one it chose and how many replicas it has, and it never fails because a TPU
is absent: a TPU that is there but cannot be started is reported and the next option is used.
Build and compile the model inside ``strategy.scope()`` and multiply the batch size by
``strategy.num_replicas_in_sync`` (:func:`global_batch_size`): each replica gets
``batch / replicas`` examples per step and the gradients are averaged over the whole batch.

Colab's TPU runtime, what to know (2025):

* Colab no longer installs TensorFlow on TPU runtimes (only JAX and PyTorch), and the plain
  ``tensorflow`` package cannot drive a TPU (``No OpKernel was registered to support Op
  'ConfigureDistributedTPU'``). Before the course's install cell, install TensorFlow's TPU
  build with the matching ``libtpu``, same version for both, e.g.::

      pip install tensorflow==2.18.0
      pip install tensorflow-tpu==2.18.0 \\
          --find-links https://storage.googleapis.com/libtpu-tf-releases/index.html

  then restart the session. ``pip install -e`` of the course then finds ``tensorflow`` already
  installed and leaves it alone. Without this the lesson still runs, on the TPU VM's CPUs.
* The TPU runtime is a TPU VM: the chips are local, so the resolver is
  ``TPUClusterResolver(tpu="local")`` (the old ``grpc://`` TPU nodes and ``COLAB_TPU_ADDR``
  are gone). :func:`get_strategy` finds the chips by their PCI ids, as JAX does.
* A TPU wants big, fixed-size batches (multiples of 8 per replica, ``drop_remainder`` where
  shapes must be static) and a ``tf.data`` pipeline that keeps it fed (cache, prefetch).
  Files must be local or on Google Cloud Storage; ``.keras`` checkpoints are written by the
  host, so a local path works.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tensorflow as tf

GOOGLE_PCI_VENDOR = "0x1ae0"
"""PCI vendor id of Google, the maker of the TPU chips."""

TPU_PCI_DEVICES = frozenset({"0x0027", "0x0056", "0x005e", "0x0062", "0x0063", "0x006f", "0x0076"})
"""PCI device ids of TPU chips (v2/v3, v4, v5p, v5e, v6e, 7x), the list JAX uses."""

COLAB_TPU_HINT = (
    "No Colab, o ambiente de TPU não traz o TensorFlow para TPU: instale `tensorflow` e "
    "`tensorflow-tpu` da mesma versão (veja a docstring de course_utils.distribute) e "
    "reinicie a sessão."
)


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


def find_tpu(tpu: str | None = None) -> tf.distribute.cluster_resolver.TPUClusterResolver | None:
    """A resolver for the TPU to use, or ``None`` when there is none; never raises.

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


def get_strategy(tpu: str | None = None, devices: list[str] | None = None) -> tf.distribute.Strategy:
    """The best ``tf.distribute`` strategy here: TPU, else GPUs (mirrored), else the default.

    Prints the choice and the number of replicas. ``tpu`` is passed to :func:`find_tpu`;
    ``devices`` (e.g. ``["/cpu:0", "/cpu:1"]`` after splitting the CPU into logical devices)
    asks for a ``MirroredStrategy`` over exactly those devices instead of looking for
    accelerators. Call it once per process, before building any model.

    >>> strategy = get_strategy()  # doctest: +SKIP
    Estratégia: padrão (CPU), 1 réplica.
    """
    import tensorflow as tf

    if devices:
        strategy: tf.distribute.Strategy = tf.distribute.MirroredStrategy(devices=list(devices))
        return _report(strategy, f"MirroredStrategy em {', '.join(devices)}")
    resolver = find_tpu(tpu)
    if resolver is not None:
        try:
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
            return _report(tf.distribute.TPUStrategy(resolver), "TPUStrategy (TPU)")
        except Exception as error:  # noqa: BLE001 - any failure means "no usable TPU"
            lines = str(error).strip().splitlines()
            message = lines[0][:200] if lines else ""
            print(f"Achei uma TPU, mas ela não pôde ser iniciada ({type(error).__name__}: "
                  f"{message}). Sigo sem TPU. {COLAB_TPU_HINT}")
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return _report(tf.distribute.MirroredStrategy(),
                       f"MirroredStrategy ({len(gpus)} GPU{'s' if len(gpus) > 1 else ''})")
    if local_tpu_chips():
        print(f"Esta máquina tem TPU, mas o TensorFlow não a encontrou. {COLAB_TPU_HINT}")
    return _report(tf.distribute.get_strategy(), "padrão (CPU)")


def _report(strategy: tf.distribute.Strategy, name: str) -> tf.distribute.Strategy:
    replicas = strategy.num_replicas_in_sync
    print(f"Estratégia: {name}, {replicas} réplica{'s' if replicas > 1 else ''}.")
    return strategy


def global_batch_size(per_replica: int, strategy: tf.distribute.Strategy) -> int:
    """The batch size to give ``tf.data``: ``per_replica`` examples for each replica."""
    if not isinstance(per_replica, int) or isinstance(per_replica, bool) or per_replica < 1:
        raise ValueError(f"per_replica must be a positive int, got {per_replica!r}")
    return per_replica * strategy.num_replicas_in_sync


def strategy_name(strategy: tf.distribute.Strategy) -> str:
    """A short name: ``"TPU"``, ``"GPU"``, ``"CPU"`` (default) or ``"Mirrored"`` (e.g. CPUs)."""
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.TPUStrategy):
        return "TPU"
    if isinstance(strategy, tf.distribute.MirroredStrategy):
        devices = strategy.extended.worker_devices
        return "GPU" if all("GPU" in d.upper() for d in devices) else "Mirrored"
    return "CPU"
