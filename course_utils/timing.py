"""Timing of training runs, for the lessons' and benchmarks' speed figures."""

from __future__ import annotations

import time

import keras
import numpy as np


class StepTimer(keras.callbacks.Callback):
    """Keras callback: seconds of each epoch (whole, and its training part) and its steps.

    The training part ends at the last batch, so it leaves out the validation pass.
    """

    def __init__(self) -> None:
        super().__init__()
        self.epoch_seconds: list[float] = []
        self.train_seconds: list[float] = []
        self.steps: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch_seconds, self.train_seconds, self.steps = [], [], []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._steps = 0

    def on_train_batch_end(self, batch, logs=None):
        # ``batch`` is the index of the last step run: with compile(steps_per_execution=n)
        # Keras calls back once every n steps (on_epoch_end caps the last call's count)
        self._steps = batch + 1
        self._last_step = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(time.perf_counter() - self._start)
        self.train_seconds.append(self._last_step - self._start)
        known = self.params.get("steps") if self.params else None
        self.steps.append(min(self._steps, known) if known else self._steps)

    def ms_per_step(self) -> float:
        """Median milliseconds per training step, leaving out the first epoch if there are more."""
        if not self.steps:
            raise ValueError(
                "nenhuma época foi medida: passe o timer para fit(callbacks=[...]) antes"
            )
        per_epoch = [1000 * s / n for s, n in zip(self.train_seconds, self.steps)]
        return float(np.median(per_epoch[1:] or per_epoch))
