"""Import TensorFlow without its start-up log on a machine that has no GPU.

On a CPU-only machine, importing TensorFlow and touching its devices for the first time
writes a dozen lines straight to the process' standard error, from C++, before Python's
logging exists: "oneDNN custom operations are on", "Could not find cuda drivers",
``cpu_feature_guard``'s instruction list, and a red ``failed call to cuInit: ... (303)``
that looks like an error but only says there is no GPU. ``TF_CPP_MIN_LOG_LEVEL`` alone does
not catch all of them (some are written before TensorFlow reads it).

:func:`import_tensorflow` captures file descriptor 2 while TensorFlow is imported and its
devices are listed, drops the lines that match :data:`NOISE` and writes every other line
back, so a real error still shows. With a GPU present it does nothing special: there the
CUDA lines are information worth seeing.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NOISE = re.compile(
    "|".join(
        [
            r"All log messages before absl::InitializeLog\(\) is called",
            r"oneDNN custom operations are on",
            r"TF_ENABLE_ONEDNN_OPTS=0",
            r"Could not find cuda drivers on your machine",
            r"cpu_feature_guard\.cc",
            r"This TensorFlow binary is optimized to use available CPU instructions",
            r"To enable the following instructions: .* rebuild TensorFlow",
            r"failed call to cuInit",
            r"Unable to register cu(DNN|FFT|BLAS) factory",
            r"computation placer already registered",
            r"TF-TRT Warning: Could not find TensorRT",
        ]
    )
)
"""Start-up lines that only say "no GPU here" or describe the build: never errors."""

GPU_DEVICE_FILES = ("/dev/nvidia0", "/dev/nvidiactl", "/dev/dxg")
"""Device files that exist when an NVIDIA GPU (or WSL's GPU bridge) is present."""


def gpu_present() -> bool:
    """True when the machine has a GPU device file, without importing TensorFlow."""
    return any(Path(path).exists() for path in GPU_DEVICE_FILES)


def drop_noise(text: str) -> str:
    """``text`` without the lines that match :data:`NOISE`; every other line is kept."""
    kept = [line for line in text.splitlines(keepends=True) if not NOISE.search(line)]
    return "".join(kept)


@contextmanager
def _stderr_filtered() -> Iterator[None]:
    """Capture file descriptor 2 inside the block; afterwards write back all but the noise."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            rest = drop_noise(capture.read().decode("utf-8", errors="replace"))
            if rest:
                sys.stderr.write(rest)
                sys.stderr.flush()


def import_tensorflow() -> None:
    """Import TensorFlow and Keras once; without a GPU, hide only their start-up noise.

    Also sets ``TF_CPP_MIN_LOG_LEVEL=1`` unless already set, which hides TensorFlow's
    C++ *information* lines for the session; its warnings and errors still show. Returns
    nothing, so a notebook cell ending with the call prints nothing.
    """
    if "tensorflow" in sys.modules or gpu_present():
        importlib.import_module("tensorflow")
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    with _stderr_filtered():
        tensorflow = importlib.import_module("tensorflow")
        importlib.import_module("keras")
        tensorflow.config.list_physical_devices()  # the cuInit line comes from here
