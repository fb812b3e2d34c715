"""Lesson 02's convolution you can touch, and stride and padding drawn as pictures.

:func:`explore_convolution` shows a small image (zero padding shaded), the filter and the
output map; in Jupyter or Colab, with ``ipywidgets`` (7.x or 8.x), sliders move the window,
change the stride and the padding, and text boxes edit the filter, and the figure and the
formulas under it are redrawn. Without ``ipywidgets`` or outside a notebook kernel it shows
the same figure once, static, so an automated run of the notebook still works.
:func:`show_stride_padding` draws where the window lands for a few strides and paddings.
Everything a student reads is in Portuguese.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from course_utils import conv, fmt
from course_utils.progress import figure_png, in_notebook

WINDOW_COLORS = ("tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple")
"""Outline colours of successive window positions in :func:`show_stride_padding`."""

PAD_COLOR = "0.85"
"""Fill of the zero-padding cells (light grey)."""


@dataclass(frozen=True)
class ConvolutionState:
    """What the explorer shows: image, filter, stride, padding and the output cell chosen."""

    image: np.ndarray
    kernel: np.ndarray
    stride: int = 1
    padding: int = 0
    row: int = 0
    col: int = 0

    @property
    def padded(self) -> np.ndarray:
        """The image with ``padding`` rings of zeros."""
        return conv.pad(self.image, self.padding)

    @property
    def output(self) -> np.ndarray:
        """The whole output map (windows that do not fit are dropped, as in TensorFlow)."""
        return conv.conv2d(self.padded, self.kernel, stride=self.stride)

    def clamped(self) -> ConvolutionState:
        """The same state with ``row``/``col`` moved inside the output map."""
        rows, cols = self.output.shape
        return replace(self, row=min(max(self.row, 0), rows - 1),
                       col=min(max(self.col, 0), cols - 1))

    @property
    def window(self) -> np.ndarray:
        """The part of the padded image under the filter for output cell (row, col)."""
        f_rows, f_cols = self.kernel.shape
        top, left = self.row * self.stride, self.col * self.stride
        return self.padded[top:top + f_rows, left:left + f_cols]


def _as_matrices(image: Any, kernel: Any) -> tuple[np.ndarray, np.ndarray]:
    """Image and filter as 2-D float arrays; a clear error (in Portuguese) otherwise."""
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            f"a imagem e o filtro devem ser matrizes 2-D; recebi formatos {image.shape} "
            f"e {kernel.shape}"
        )
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError(
            f"o filtro {kernel.shape} é maior que a imagem {image.shape}: não cabe nenhuma janela"
        )
    return image, kernel


def _number(value: float) -> str:
    """A number as the figure writes it, for a Brazilian reader: ``3``, ``-1``, ``0,5``."""
    return fmt.num(float(value))


def formula_lines(state: ConvolutionState) -> list[str]:
    """The two formulas under the figure: the chosen output value and the output size."""
    terms = [f"{_number(a)}·{_number(w)}"
             for a, w in zip(state.window.ravel(), state.kernel.ravel())]
    value = state.output[state.row, state.col]
    width, f_size = state.image.shape[1], state.kernel.shape[1]
    exact = (width - f_size + 2 * state.padding) / state.stride + 1
    size = state.output.shape[1]
    size_text = (
        f"largura da saída: (W₁ − F + 2P)/S + 1 = ({width} − {f_size} + 2·{state.padding})"
        f"/{state.stride} + 1 = {_number(exact)}"
    )
    if size != exact:
        size_text += f" → {size} (a janela que não cabe inteira é descartada)"
    return [
        f"saída[{state.row}, {state.col}] = soma de janela × filtro, elemento a elemento = "
        + " + ".join(terms) + f" = {_number(value)}",
        size_text,
    ]


def _is_pad(r: int, c: int, shape: tuple[int, int], padding: int) -> bool:
    """True if cell (r, c) of a padded grid of ``shape`` is in one of the ``padding`` rings."""
    rows, cols = shape
    return bool(padding) and not (padding <= r < rows - padding and padding <= c < cols - padding)


def text_color(background: Any) -> str:
    """``"black"`` or ``"white"``, whichever contrasts more with ``background`` (any
    Matplotlib colour).

    The choice uses the WCAG relative luminance ``L``: black text on a background has
    contrast ``(L + 0.05) / 0.05``, white text ``1.05 / (L + 0.05)``; they are equal at
    ``L ≈ 0.179``, so the better of the two is always at least 4.58 : 1.
    """
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
              for c in to_rgb(background)]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "black" if (luminance + 0.05) ** 2 > 0.05 * 1.05 else "white"


def cell_colors(values: np.ndarray, padding: int = 0,
                cmap: str = "gray") -> list[list[tuple[tuple[float, float, float], str]]]:
    """(background RGB, text colour) of each cell as :func:`_draw_grid` paints it.

    A cell's background is its value's colour in ``cmap`` (scaled from ``min(values, 0)`` to
    ``max(values, 1)``), or :data:`PAD_COLOR` in the ``padding`` rings; the text colour is
    the one of black and white that contrasts with it.
    """
    norm = Normalize(vmin=min(values.min(), 0), vmax=max(values.max(), 1))
    colormap = plt.get_cmap(cmap)
    rows, cols = values.shape
    colors = []
    for r in range(rows):
        row = []
        for c in range(cols):
            is_pad = _is_pad(r, c, values.shape, padding)
            background = to_rgb(PAD_COLOR if is_pad else colormap(norm(values[r, c])))
            row.append((background, text_color(background)))
        colors.append(row)
    return colors


def _draw_grid(ax: Any, values: np.ndarray, padding: int = 0, title: str = "",
               cmap: str = "gray") -> None:
    """A matrix as coloured cells with each value written in a contrasting colour; padding
    cells shaded."""
    ax.imshow(values, cmap=cmap, vmin=min(values.min(), 0), vmax=max(values.max(), 1))
    rows, cols = values.shape
    for r, row in enumerate(cell_colors(values, padding, cmap)):
        for c, (_, color) in enumerate(row):
            if _is_pad(r, c, values.shape, padding):
                ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, color=PAD_COLOR, zorder=1))
            ax.text(c, r, _number(values[r, c]), ha="center", va="center", fontsize=8,
                    color=color, zorder=2)
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.tick_params(labelsize=7)
    ax.set_title(title, fontsize=10)


def _outline(ax: Any, top: int, left: int, height: int, width: int, color: str,
             offset: float = 0.0) -> None:
    """Outline cells [top, top + height) × [left, left + width) of a grid."""
    ax.add_patch(Rectangle((left - 0.5 + offset, top - 0.5 + offset), width - 2 * offset,
                           height - 2 * offset, fill=False, edgecolor=color, linewidth=2.5,
                           zorder=3))


def convolution_figure(state: ConvolutionState) -> Figure:
    """Padded input with the window, the filter, the output with the chosen cell, formulas."""
    state = state.clamped()
    fig = Figure(figsize=(11, 4.4))
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [3, 1.4, 2]})
    padded, f_rows, f_cols = state.padded, *state.kernel.shape
    _draw_grid(axes[0], padded, state.padding,
               f"entrada com preenchimento P = {state.padding}")
    _outline(axes[0], state.row * state.stride, state.col * state.stride, f_rows, f_cols,
             "tab:red")
    _draw_grid(axes[1], state.kernel, title="filtro", cmap="coolwarm")
    output = state.output
    _draw_grid(axes[2], output, title=f"saída {output.shape[0]}×{output.shape[1]} "
               f"(passo S = {state.stride})", cmap="viridis")
    _outline(axes[2], state.row, state.col, 1, 1, "tab:red")
    for line, y in zip(formula_lines(state), (0.08, 0.02)):
        fig.text(0.01, y, line, fontsize=9, family="monospace")
    fig.subplots_adjust(bottom=0.2, top=0.92, wspace=0.25)
    return fig


def show_stride_padding(size: int = 5, f: int = 3,
                        cases: Sequence[tuple[int, int]] = ((1, 0), (2, 0), (1, 1))) -> Figure:
    """Where the window lands along the first row, for each ``(stride, padding)`` case.

    Each panel is a ``size``×``size`` image (padding shaded) with the first windows of the
    top row outlined in different colours, and the output size in the title. Drawn with
    pyplot, like :mod:`course_utils.plots`: end the notebook line with ``;``.
    """
    for stride, padding in cases:
        if stride < 1 or padding < 0 or f > size + 2 * padding:
            raise ValueError(
                f"caso (passo {stride}, preenchimento {padding}) impossível para uma janela "
                f"{f}×{f} numa imagem {size}×{size}: o passo deve ser >= 1, o preenchimento "
                "não pode ser negativo e a janela precisa caber"
            )
    fig = plt.figure(figsize=(4.2 * len(cases), 4.4), layout="constrained")
    for ax, (stride, padding) in zip(fig.subplots(1, len(cases), squeeze=False)[0], cases):
        padded = conv.pad(np.ones((size, size)), padding)
        out = (size - f + 2 * padding) // stride + 1
        _draw_grid(ax, padded, padding,
                   f"S = {stride}, P = {padding}: saída {out}×{out}", cmap="Greys")
        for k in range(min(out, len(WINDOW_COLORS))):
            _outline(ax, 0, k * stride, f, f, WINDOW_COLORS[k], offset=0.06 * k)
    fig.suptitle(f"Janela {f}×{f} numa imagem {size}×{size}: primeiras posições da linha de "
                 "cima (uma cor por posição)")
    return fig


def _widgets_available() -> bool:
    """True inside a notebook kernel that has ``ipywidgets``."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return in_notebook()


class ConvolutionExplorer:
    """Widgets that drive a :class:`ConvolutionState` and redraw its figure on every change."""

    def __init__(self, image: Any, kernel: Any, max_stride: int = 3, max_padding: int = 2):
        import ipywidgets as widgets

        self.state = ConvolutionState(*_as_matrices(image, kernel))
        self.output = widgets.Output()
        self.stride = widgets.IntSlider(value=1, min=1, max=max_stride, description="passo S")
        self.padding = widgets.IntSlider(value=0, min=0, max=max_padding,
                                         description="preench. P")
        self.row = widgets.IntSlider(value=0, min=0, max=0, description="linha")
        self.col = widgets.IntSlider(value=0, min=0, max=0, description="coluna")
        self.cells = [[widgets.FloatText(value=float(v), layout=widgets.Layout(width="64px"))
                       for v in row] for row in self.state.kernel]
        for control in [self.stride, self.padding, self.row, self.col,
                        *[cell for row in self.cells for cell in row]]:
            control.observe(self._changed, names="value")
        kernel_box = widgets.VBox([widgets.HTML("<b>filtro</b> (edite)")]
                                  + [widgets.HBox(row) for row in self.cells])
        sliders = widgets.VBox([self.stride, self.padding, self.row, self.col])
        self.box = widgets.VBox([widgets.HBox([sliders, kernel_box]), self.output])
        self._changed()

    def _changed(self, change: Any = None) -> None:
        """Read every control, fit the position sliders to the output, redraw."""
        from IPython.display import Image, display

        kernel = np.array([[cell.value for cell in row] for row in self.cells], dtype=float)
        state = replace(self.state, kernel=kernel, stride=self.stride.value,
                        padding=self.padding.value, row=self.row.value, col=self.col.value)
        rows, cols = state.output.shape
        self.row.max, self.col.max = rows - 1, cols - 1
        self.state = state.clamped()
        with self.output:
            self.output.clear_output(wait=True)
            display(Image(data=figure_png(convolution_figure(self.state)), format="png"))


def explore_convolution(image: Any, kernel: Any) -> ConvolutionExplorer | None:
    """Show the interactive convolution; the static figure when widgets cannot run.

    Returns the explorer (its ``state`` follows the controls) or ``None`` when static.
    """
    from IPython.display import Image, display

    if _widgets_available():
        explorer = ConvolutionExplorer(image, kernel)
        display(explorer.box)
        return explorer
    state = ConvolutionState(*_as_matrices(image, kernel))
    display(Image(data=figure_png(convolution_figure(state)), format="png"))
    return None
