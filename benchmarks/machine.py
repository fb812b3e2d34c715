"""What the benchmark scripts print: the machine they ran on, and a training run's figures."""

from __future__ import annotations

import os
import platform

import numpy as np


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo where there is one, else what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> float:
    """The one-minute load average (NaN where the system has none): how busy the cores were."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def minutes(seconds: float) -> str:
    """A duration for the report: minutes up to 90, then hours."""
    return f"{seconds / 60:.1f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def print_training_report(
    history: object,
    epoch_seconds: list[float],
    train_seconds: float,
    test: tuple[float, float],
    goal: float,
    dataset: str,
    full: bool,
) -> None:
    """Print epochs and their times, validation accuracy, test loss/accuracy and the goal.

    ``history`` is what ``model.fit`` returned, ``epoch_seconds`` each epoch's wall time
    (``course_utils.timing.StepTimer.epoch_seconds``), ``test`` the ``(loss, accuracy)`` of
    ``model.evaluate``; ``full`` says whether the data is the whole ``dataset``, to which
    ``goal`` (a test accuracy) applies.
    """
    val = history.history["val_accuracy"]
    print(f"epochs: {len(val)}; seconds per epoch: {np.mean(epoch_seconds):.1f} "
          f"(first {epoch_seconds[0]:.1f}, median {np.median(epoch_seconds):.1f}); "
          f"training total {train_seconds:.0f} s")
    print(f"validation accuracy: final {val[-1]:.4f}, "
          f"best {max(val):.4f} at epoch {int(np.argmax(val)) + 1}")
    test_loss, test_accuracy = test
    print(f"test loss: {test_loss:.4f}")
    print(f"test accuracy: {test_accuracy:.4f} ({100 * test_accuracy:.2f} %)")
    verdict = "met" if test_accuracy >= goal else "NOT met"
    note = "" if full else f" (the data is not the full {dataset}: the goal does not apply)"
    print(f"goal >= {100 * goal:.1f} % on the full {dataset}: {verdict}{note}")
