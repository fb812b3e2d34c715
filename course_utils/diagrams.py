"""Schematic drawings for the lessons, made with Matplotlib (no image files).

* :func:`draw_neuron` -- an artificial neuron: inputs, weights, weighted sum plus bias, the
  activation and its output (lesson 01);
* :func:`draw_rgb_filter` -- a 5×5×3 filter over an RGB volume: 75 numbers give one
  number of the output map (lesson 02);
* :func:`draw_receptive_field` -- local receptive fields and weight sharing of a
  convolution, next to a dense layer where one output sees every pixel (lesson 03).

Each function draws a new figure with ``plt.figure`` and returns it, like
:mod:`course_utils.plots`: end the notebook line with ``;``. Text in the figures is in
Portuguese, with Brazilian numbers (:mod:`course_utils.fmt`).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, Polygon, Rectangle

from course_utils import fmt

ACTIVATIONS = {
    "ReLU": lambda z: np.maximum(z, 0.0),
    "sigmoide": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "identidade": lambda z: z,
}
"""The activations :func:`draw_neuron` knows, by the name it writes in the figure."""


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float],
           color: str = "0.3") -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14,
                                 color=color, linewidth=1.4, shrinkA=0, shrinkB=0))


def draw_neuron(inputs: Sequence[float], weights: Sequence[float], bias: float,
                activation: str = "ReLU") -> Figure:
    """An artificial neuron with its numbers: ``z = w · x + b`` and ``a = g(z)``.

    ``inputs`` and ``weights`` have the same length (2 to 6); ``activation`` is a key of
    :data:`ACTIVATIONS`. The figure writes each input, each weight on its arrow, ``z`` in
    the sum node and ``a`` at the output.
    """
    x, w = np.asarray(inputs, dtype=float), np.asarray(weights, dtype=float)
    if x.ndim != 1 or x.shape != w.shape or not 2 <= x.size <= 6:
        raise ValueError(f"inputs e weights devem ser duas sequências 1-D do mesmo tamanho "
                         f"(de 2 a 6), recebi formatos {x.shape} e {w.shape}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation deve ser uma de {sorted(ACTIVATIONS)}, recebi {activation!r}")
    z = float(np.dot(w, x) + bias)
    a = float(ACTIVATIONS[activation](z))
    fig = plt.figure(figsize=(9, 1.2 + 0.75 * x.size))
    ax = fig.add_axes((0, 0, 1, 0.88))
    ax.set_xlim(-0.6, 10.2)
    ax.set_ylim(-0.9 * x.size, 0.9 * x.size)
    ax.set_aspect("equal")
    ax.axis("off")
    ys = np.linspace(0.75 * (x.size - 1), -0.75 * (x.size - 1), x.size)
    for k, (xi, wi, y) in enumerate(zip(x, w, ys), start=1):
        ax.add_patch(Circle((0.6, y), 0.42, facecolor="#e8f0fe", edgecolor="0.3"))
        ax.text(0.6, y, f"$x_{k}$\n{fmt.num(xi)}", ha="center", va="center", fontsize=8)
        _arrow(ax, (1.05, y), (4.0, 0.12 * y), "tab:red" if wi < 0 else "tab:blue")
        ax.text(2.2, 0.55 * y + 0.22, f"$w_{k}$ = {fmt.num(wi)}", fontsize=8,
                ha="center", color="tab:red" if wi < 0 else "tab:blue")
    ax.add_patch(Circle((4.6, 0), 0.62, facecolor="#fef7e0", edgecolor="0.3"))
    ax.text(4.6, 0.05, f"Σ + b\nz = {fmt.num(z, 2)}", ha="center", va="center", fontsize=8)
    ax.text(4.6, -0.95, f"viés b = {fmt.num(bias)}", ha="center", fontsize=8)
    _arrow(ax, (5.25, 0), (6.25, 0))
    ax.add_patch(Rectangle((6.3, -0.45), 1.5, 0.9, facecolor="#e6f4ea", edgecolor="0.3"))
    ax.text(7.05, 0, activation, ha="center", va="center", fontsize=9)
    _arrow(ax, (7.85, 0), (8.9, 0))
    ax.text(9.0, 0, f"a = {fmt.num(a, 2)}", va="center", fontsize=9)
    fig.suptitle(f"Um neurônio: z = w·x + b, depois a ativação a = {activation}(z)",
                 fontsize=10)
    return fig


def _box(ax: Axes, x0: float, y0: float, width: float, height: float, depth: float,
         face: str, alpha: float = 1.0) -> None:
    """A box in oblique projection: front face at (x0, y0), depth drawn up and right."""
    dx, dy = 0.5 * depth, 0.35 * depth
    front = [(x0, y0), (x0 + width, y0), (x0 + width, y0 + height), (x0, y0 + height)]
    top = [(x0, y0 + height), (x0 + width, y0 + height),
           (x0 + width + dx, y0 + height + dy), (x0 + dx, y0 + height + dy)]
    side = [(x0 + width, y0), (x0 + width + dx, y0 + dy),
            (x0 + width + dx, y0 + height + dy), (x0 + width, y0 + height)]
    for corners, shade in ((side, 0.8), (top, 0.9), (front, 1.0)):
        ax.add_patch(Polygon(corners, closed=True, facecolor=face, edgecolor="0.2",
                             alpha=alpha * shade, linewidth=1))


def draw_rgb_filter(size: int = 32, f: int = 5, channels: int = 3) -> Figure:
    """A ``size``×``size``×``channels`` image, one ``f``×``f``×``channels`` filter on it, and
    the one number of the output map that this position gives (``f·f·channels`` products
    summed, plus the bias)."""
    if not (1 <= f <= size and channels >= 1):
        raise ValueError(f"need 1 <= f <= size and channels >= 1, got size={size}, f={f}, "
                         f"channels={channels}")
    n = f * f * channels
    out = size - f + 1
    fig = plt.figure(figsize=(11, 4.2))
    ax = fig.add_axes((0, 0, 1, 0.9))
    ax.set_xlim(-1, 23)
    ax.set_ylim(-2.6, 8.5)
    ax.set_aspect("equal")
    ax.axis("off")
    colors = ["tab:red", "tab:green", "tab:blue"] + ["0.6"] * max(channels - 3, 0)
    for c in reversed(range(channels)):  # the last channel at the back
        offset = 0.45 * c
        ax.add_patch(Rectangle((offset, offset), 6, 6, facecolor=colors[c], alpha=0.35,
                               edgecolor="0.2"))
    ax.text(3.4, -0.9, f"imagem {size}×{size}×{channels}\n(um plano por canal)",
            ha="center", va="top", fontsize=9)
    scale = 6 / size
    corner = (1.2, 2.6)
    _box(ax, *corner, f * scale, f * scale, 0.45 * (channels - 1) / 0.5 + 0.3, "gold")
    _box(ax, 9.0, 2.2, 2.2, 2.2, 1.6, "gold")
    ax.text(10.5, 1.7, f"filtro {f}×{f}×{channels}\n= {n} números (pesos)", ha="center",
            va="top", fontsize=9)
    _arrow(ax, (corner[0] + f * scale + 0.9, corner[1] + 0.5), (8.8, 3.2))
    ax.text(8.7, 5.2, "a mesma profundidade\nda imagem", ha="center", fontsize=8)
    ax.text(14.8, 3.6, f"soma de {n} produtos\n+ viés b", ha="center", fontsize=9)
    _arrow(ax, (12.8, 3.3), (16.9, 3.3))
    ax.add_patch(Rectangle((17.0, 0.8), 5, 5, facecolor="#e8f0fe", edgecolor="0.2"))
    cell = 5 / out
    ax.add_patch(Rectangle((17.0 + cell * 6, 0.8 + 5 - cell * 7), cell, cell, facecolor="gold",
                           edgecolor="0.2"))
    ax.text(19.5, 0.2, f"mapa de características\n{out}×{out}×1: um número por posição",
            ha="center", va="top", fontsize=9)
    fig.suptitle(f"Um filtro {f}×{f}×{channels} atravessa os {channels} canais: "
                 f"{n} números dão um único número do mapa", fontsize=10)
    return fig


def _grid(ax: Axes, x0: float, y0: float, n: int, cell: float, label: str) -> None:
    for r in range(n):
        for c in range(n):
            ax.add_patch(Rectangle((x0 + c * cell, y0 + (n - 1 - r) * cell), cell, cell,
                                   facecolor="white", edgecolor="0.75", linewidth=0.8))
    ax.text(x0 + n * cell / 2, y0 - 0.35, label, ha="center", va="top", fontsize=9)


def _window(ax: Axes, x0: float, y0: float, n: int, cell: float, row: int, col: int,
            f: int, color: str) -> tuple[float, float]:
    """Shade an ``f``×``f`` window at (row, col) of a grid; return its centre."""
    left, bottom = x0 + col * cell, y0 + (n - row - f) * cell
    ax.add_patch(Rectangle((left, bottom), f * cell, f * cell, facecolor=color, alpha=0.35,
                           edgecolor=color, linewidth=2))
    return left + f * cell / 2, bottom + f * cell / 2


def draw_receptive_field(size: int = 8, f: int = 3) -> Figure:
    """Left: a convolution; two outputs, each seeing only its ``f``×``f`` window, both with
    the same ``f·f`` weights. Right: a dense layer; one output sees all ``size²`` pixels."""
    if not 2 <= f < size:
        raise ValueError(f"need 2 <= f < size, got f={f}, size={size}")
    cell, out = 0.5, size - f + 1
    fig = plt.figure(figsize=(12, 4.6))
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1]})
    for ax in axes:
        ax.set_aspect("equal")
        ax.axis("off")
    ax = axes[0]
    _grid(ax, 0, 0, size, cell, f"entrada {size}×{size}")
    _grid(ax, 7.2, 0.5 * cell * (size - out), out, cell, f"saída {out}×{out}")
    for (row, col), color in (((0, 0), "tab:orange"), ((3, 4), "tab:purple")):
        start = _window(ax, 0, 0, size, cell, row, col, f, color)
        end = _window(ax, 7.2, 0.5 * cell * (size - out), out, cell, row, col, 1, color)
        _arrow(ax, start, end, color)
    for r in range(f):
        for c in range(f):
            ax.add_patch(Rectangle((5.0 + c * 0.3, 4.6 + r * 0.3), 0.3, 0.3, facecolor="gold",
                                   edgecolor="0.2"))
    ax.text(5.0 + f * 0.15, 4.35, f"o mesmo filtro ({f * f} pesos)\nem todas as posições",
            ha="center", va="top", fontsize=8)
    ax.set_xlim(-0.3, 7.5 + out * cell)
    ax.set_ylim(-1.2, 6.3)
    ax.set_title(f"Convolução {f}×{f}: cada saída vê só a sua janela (campo receptivo local)",
                 fontsize=9)
    ax = axes[1]
    _grid(ax, 0, 0, size, cell, f"entrada {size}×{size}")
    target = (6.0, size * cell / 2)
    for r in range(size):
        for c in range(size):
            start = (c * cell + cell / 2, (size - 1 - r) * cell + cell / 2)
            ax.plot([start[0], target[0]], [start[1], target[1]], color="tab:purple",
                    linewidth=0.4, alpha=0.5)
    ax.add_patch(Circle(target, 0.3, facecolor="tab:purple", alpha=0.6))
    ax.text(target[0], target[1] - 0.5, f"1 saída:\n{fmt.num(size * size)} pesos só dela",
            ha="center", va="top", fontsize=8)
    ax.set_xlim(-0.3, 7.2)
    ax.set_ylim(-1.2, 6.3)
    ax.set_title("Densa: cada saída vê todos os pixels, com pesos próprios", fontsize=9)
    return fig
