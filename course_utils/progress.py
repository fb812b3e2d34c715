"""Training progress as one live figure instead of a line per epoch.

``model.fit(..., verbose=0, callbacks=[LiveTraining()])`` shows, in Jupyter or Colab, a
single figure of the training curves (the layout of :func:`course_utils.plots.plot_history`)
that is redrawn in place after every epoch, headed by the epoch and its numbers. Without a
notebook front end, or in fast mode (``COURSE_FAST=1``, the tests), nothing is drawn: the
callback prints one line when training ends. Either way the run's ``History`` is unchanged.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from typing import Any

import keras
from matplotlib.figure import Figure

from course_utils import config
from course_utils.fmt import num
from course_utils.plots import draw_history, history_grid, metric_label


def in_notebook() -> bool:
    """True inside a Jupyter/Colab kernel, where a display can be updated in place."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def figure_png(fig: Figure) -> bytes:
    """A figure rendered as PNG bytes, to display without pyplot (so it never shows twice)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def format_logs(logs: dict[str, float], metrics: Sequence[str]) -> str:
    """One epoch's numbers in Portuguese: ``"perda 0,412 (validação 0,53) · acurácia ..."``."""
    parts = []
    for name in metrics:
        if name not in logs:
            continue
        text = f"{metric_label(name)} {num(float(logs[name]))}"
        if f"val_{name}" in logs:
            text += f" (validação {num(float(logs[f'val_{name}']))})"
        parts.append(text)
    return " · ".join(parts)


class LiveTraining(keras.callbacks.Callback):
    """Redraw one figure of the training curves per epoch; in fast mode, print one line.

    ``metrics`` names the curves (default: every metric ``fit`` reports, loss first);
    ``live=None`` draws only in a notebook and outside fast mode, ``True``/``False``
    force it. Use it with ``verbose=0`` so Keras prints no line per epoch.
    """

    def __init__(self, metrics: Sequence[str] | None = None, live: bool | None = None) -> None:
        super().__init__()
        if isinstance(metrics, str):
            metrics = (metrics,)
        self.metrics = tuple(metrics) if metrics is not None else None
        self.live = live
        self.history: dict[str, list[float]] = {}
        self._handle: Any = None
        self._start = 0.0

    def _drawing(self) -> bool:
        if self.live is not None:
            return self.live
        return not config.FAST and in_notebook()

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        self.history = {}
        self._handle = None
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        if self._drawing():
            self._show(self.figure(epoch + 1))

    def on_train_end(self, logs: dict[str, float] | None = None) -> None:
        print(self.summary_line())

    def chosen_metrics(self) -> tuple[str, ...]:
        """The metrics drawn: those asked for, or every non-validation one reported."""
        if self.metrics is not None:
            missing = [m for m in self.metrics if m not in self.history]
            if missing and self.history:
                raise ValueError(
                    f"o fit não informou {missing[0]!r} (informou {sorted(self.history)}); "
                    "passe metrics= com nomes desta lista"
                )
            return self.metrics
        names = [n for n in self.history if not n.startswith("val_") and n != "learning_rate"]
        return tuple(sorted(names, key=lambda n: n != "loss"))

    def figure(self, epochs_done: int) -> Figure:
        """The training curves so far, titled with the epoch and its numbers."""
        metrics = self.chosen_metrics()
        nrows, ncols = history_grid(len(metrics))
        fig = Figure(figsize=(4.8 * ncols, 3.6 * nrows + 0.4), layout="constrained")
        draw_history(list(fig.subplots(nrows, ncols, squeeze=False).flat), self.history, metrics)
        total = (self.params or {}).get("epochs", epochs_done)
        last = {name: values[-1] for name, values in self.history.items()}
        fig.suptitle(f"época {epochs_done} de {total}: {format_logs(last, metrics)}")
        return fig

    def _show(self, fig: Figure) -> None:
        """Show the figure as a PNG in the same output area, replacing the previous one."""
        from IPython.display import Image, display

        image = Image(data=figure_png(fig), format="png")
        if self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)

    def summary_line(self) -> str:
        """One line: epochs run, time taken and the last epoch's numbers."""
        epochs = len(next(iter(self.history.values()), []))
        seconds = time.perf_counter() - self._start
        last = {name: values[-1] for name, values in self.history.items()}
        numbers = format_logs(last, self.chosen_metrics()) if self.history else "sem épocas"
        return f"Treino: {epochs} época(s) em {num(seconds, 0)} s; última época: {numbers}."
