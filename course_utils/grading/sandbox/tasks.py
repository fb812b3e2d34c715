"""What runs inside the sandbox: the challenge's ``predict`` protocol and the ``notebook`` run.

``predict``
    Load ``model.keras`` (``safe_mode=True, compile=False``), check its shapes, and write the
    predicted class of every image under every pixel scale of
    :data:`course_utils.challenge.PIXEL_SCALES`: :data:`PREDICTIONS_FILE` for the evaluation
    images (:data:`IMAGES_FILE`), :data:`PUBLIC_PREDICTIONS_FILE` for the public images
    (:data:`PUBLIC_IMAGES_FILE`) on which the grader chooses the scale. It runs no student
    code (allowlist and ``safe_mode``), so it runs in a warm worker (``serve predict``):
    Keras is imported once per worker, each model is loaded in a fresh child forked for it.
``notebook``
    Execute the student's notebook with nbclient in fast mode (``COURSE_FAST=1``), in a
    fresh sandbox of its own.

Each task writes its answer with :func:`~.jail.write_result`; the grader reads everything
here as untrusted data.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from course_utils.grading.sandbox.jail import serve, write_result
from course_utils.grading.status import NotebookStatus, Status

IMAGES_FILE = "x.npy"
"""The unlabelled images (uint8, ``(N, 28, 28)``) copied into the work folder."""

PUBLIC_IMAGES_FILE = "public.npy"
"""Public images (uint8, ``(M, 28, 28)``, Fashion-MNIST training split) for the pixel scale."""

PREDICTIONS_FILE = "predictions.npy"
"""The classes of ``x.npy`` predicted by the ``predict`` task: uint8 ``(scales, N)``, one row
per pixel scale, in the order of :data:`course_utils.challenge.PIXEL_SCALES`."""

PUBLIC_PREDICTIONS_FILE = "public_predictions.npy"
"""The classes of ``public.npy``, in the same layout as :data:`PREDICTIONS_FILE`."""


def _is_out_of_memory(error: BaseException) -> bool:
    text = f"{type(error).__name__} {error}"
    return isinstance(error, MemoryError) or "ResourceExhausted" in text or "OOM" in text


def _prepare_predict() -> None:
    """Import what ``predict`` needs, running no TensorFlow operation (see :func:`serve`)."""
    import keras  # noqa: F401
    import numpy  # noqa: F401

    from course_utils import challenge  # noqa: F401


def predict() -> None:
    """Load ``model.keras`` safely, check its shapes, predict ``x.npy`` and ``public.npy``
    under every pixel scale; write the classes."""
    import numpy as np

    from course_utils import challenge

    try:
        import keras

        model = keras.saving.load_model(challenge.MODEL_FILE, compile=False, safe_mode=True)
    except Exception as error:
        write_result(Status.INVALID_MODEL, f"{type(error).__name__}: {error}")
        return
    try:
        challenge.validate_model(model)
    except ValueError as error:
        write_result(Status.WRONG_PREDICTIONS, str(error))
        return
    outputs = {PREDICTIONS_FILE: IMAGES_FILE, PUBLIC_PREDICTIONS_FILE: PUBLIC_IMAGES_FILE}
    classes = {}
    try:
        for output, images in outputs.items():
            by_scale = challenge.classes_by_scale(model, np.load(images, allow_pickle=False))
            classes[output] = np.stack([by_scale[scale] for scale in challenge.PIXEL_SCALES])
    except ValueError as error:  # predict_classes: not one finite score per class
        write_result(Status.WRONG_PREDICTIONS, str(error))
        return
    except Exception as error:
        status = Status.OUT_OF_MEMORY if _is_out_of_memory(error) else Status.CRASHED
        write_result(status, f"prediction failed: {type(error).__name__}: {error}")
        return
    for output, array in classes.items():
        np.save(output, array)
    write_result(Status.OK)


def _watch_kernel(manager: Any, running: threading.Event) -> None:
    """Answer ``crashed`` as soon as the kernel process dies during a cell (``os._exit``):
    nbclient itself may wait for the dead kernel's reply until the timeout."""
    while True:
        time.sleep(0.5)
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if running.is_set() and process is not None and process.poll() is not None:
            write_result(NotebookStatus.CRASHED,
                         f"the kernel died (exit status {process.returncode})")
            os._exit(0)


def notebook(name: str, timeout: float) -> None:
    """Execute notebook ``name`` top to bottom with nbclient; write whether it ran."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    try:
        document = nbformat.read(name, as_version=4)
    except Exception as error:
        write_result(NotebookStatus.FAILED,
                     f"cannot read the notebook: {type(error).__name__}: {error}")
        return
    manager = KernelManager(kernel_name="python3", transport="ipc")  # no TCP, even loopback
    running = threading.Event()  # set while a cell executes
    threading.Thread(target=_watch_kernel, args=(manager, running), daemon=True).start()
    client = NotebookClient(document, km=manager, timeout=timeout, kernel_name="python3",
                            allow_errors=False, record_timing=False,
                            on_cell_execute=lambda **_: running.set(),
                            on_cell_executed=lambda **_: running.clear())
    try:
        client.execute(cwd=os.getcwd())
    except CellTimeoutError as error:
        write_result(NotebookStatus.TIMEOUT, str(error)[-500:])
    except DeadKernelError as error:
        write_result(NotebookStatus.CRASHED, f"the kernel died: {str(error)[-500:]}")
    except CellExecutionError as error:
        write_result(NotebookStatus.FAILED, f"a cell raised {error.ename}: {error.evalue}"[:1500])
    except Exception as error:
        write_result(NotebookStatus.FAILED, f"{type(error).__name__}: {str(error)[-1000:]}")
    else:
        write_result(NotebookStatus.RAN)


SERVED = {"predict": (_prepare_predict, predict)}
"""The tasks a warm worker can serve: ``(prepare once, run per job)``."""


def serve_task(task: str) -> None:
    """Serve ``task`` as a warm worker (:func:`~.jail.serve`)."""
    prepare, job = SERVED[task]
    serve(prepare, job)
