"""Plots for the lessons: image grids, training curves, confusion matrices, feature maps.

Every function draws a new figure with ``plt.subplots`` and returns the
:class:`~matplotlib.figure.Figure`; none calls ``plt.show()``. Titles and axis
labels are in Portuguese.

In Jupyter the inline backend already shows every figure created in a cell, so a
cell whose *last line* is one of these calls would show the figure twice (once by
the backend, once as the cell's value). End such a line with ``;`` or assign the
result (``fig = show_images(x)``)::

    show_images(x_treino[:16], titles=y_treino[:16]);

Functions:

* :func:`show_images` -- grid of images (grayscale or RGB, ``uint8`` or ``float``);
* :func:`show_matrix` -- a small matrix with each value written in its cell;
* :func:`plot_history` -- loss/metric curves from ``model.fit``, at most three per row;
* :func:`plot_confusion_matrix` -- confusion matrix with counts or fractions;
* :func:`show_misclassified` -- some of the wrongly classified examples;
* :func:`show_feature_maps` -- the channels a convolutional/pooling layer outputs;
* :func:`show_normalization_axes` -- which values of a batch one normalization statistic
  averages (batch normalization: one channel over N, H and W), drawn as cubes;
* :func:`overlay` -- a heatmap (Grad-CAM, saliency, occlusion) painted over its image. It
  returns the blended image, not a figure, so that a grid of them goes through
  :func:`show_images` with its titles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from course_utils.fmt import num, tick_formatter

__all__ = [
    "show_images",
    "show_matrix",
    "plot_history",
    "plot_confusion_matrix",
    "show_misclassified",
    "show_feature_maps",
    "show_normalization_axes",
    "overlay",
]

_METRIC_LABELS = {
    "loss": "perda",
    "accuracy": "acurácia",
    "acc": "acurácia",
    "sparse_categorical_accuracy": "acurácia",
    "categorical_accuracy": "acurácia",
    "binary_accuracy": "acurácia",
    "mae": "erro absoluto médio",
    "mse": "erro quadrático médio",
    "precision": "precisão",
    "recall": "revocação",
    "auc": "AUC",
    "learning_rate": "taxa de aprendizado",
}

HISTORY_COLUMNS = 3
"""At most this many training-curve panels side by side; more metrics wrap to a new row."""


# --------------------------------------------------------------------------- helpers
def _brazilian(text: str) -> str:
    """Number text written the English way (``1,234.5``) with Brazilian separators."""
    return text.translate(str.maketrans(",.", ".,"))


def _check_positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} deve ser um inteiro positivo, recebi {value!r}")
    return int(value)


def _as_batch(images: Any, *, batch: bool) -> np.ndarray:
    """Return images as (N, H, W) or (N, H, W, 3).

    With ``batch=False`` a single image -- (H, W), or (H, W, 3) when its last axis
    is 3 and the other two are larger than 3 -- becomes a batch of one; with
    ``batch=True`` the first axis is always the number of images.
    """
    try:
        arr = np.asarray(images)
    except ValueError as error:  # a list of images of different shapes
        raise ValueError(f"todas as imagens devem ter o mesmo formato: {error}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise ValueError(f"images deve ser um array numérico, mas tem dtype {arr.dtype}")
    if arr.dtype == bool:
        arr = arr.astype(np.uint8) * 255
    if not batch:
        if arr.ndim == 2:
            arr = arr[np.newaxis]
        elif arr.ndim == 3 and arr.shape[-1] == 3 and min(arr.shape[:2]) > 3:
            arr = arr[np.newaxis]
    if arr.ndim not in (3, 4):
        expected = "(N, H, W), (N, H, W, 1) ou (N, H, W, 3)"
        if not batch:
            expected = "(H, W), (H, W, 3), " + expected
        raise ValueError(
            f"images deve ser 2-D, 3-D ou 4-D com formato {expected}; mas tem {arr.shape}"
        )
    if arr.ndim == 4:
        if arr.shape[-1] == 1:
            arr = arr[..., 0]
        elif arr.shape[-1] != 3:
            raise ValueError(
                "imagens num array 4-D devem ter 1 (tons de cinza) ou 3 (RGB) canais, "
                f"mas o formato é {arr.shape}"
            )
    if arr.shape[0] == 0:
        raise ValueError("images está vazio: não há nada para mostrar")
    if arr.shape[1] == 0 or arr.shape[2] == 0:
        raise ValueError(f"as imagens têm altura ou largura vazia: formato {arr.shape}")
    return arr


def _display_range(arr: np.ndarray, normalize: str) -> tuple[str, tuple[float, float] | None]:
    """Decide how to scale values: ("fixed", (vmin, vmax)) or ("per_image", None)."""
    if normalize == "per_image":
        return "per_image", None
    if np.issubdtype(arr.dtype, np.integer):
        if arr.min() >= 0 and arr.max() <= 255:
            return "fixed", (0.0, 255.0)
        return "per_image", None
    finite = arr[np.isfinite(arr)]
    if finite.size and finite.min() >= 0.0 and finite.max() <= 1.0:
        return "fixed", (0.0, 1.0)
    return "per_image", None


def _draw_image(ax: Any, img: np.ndarray, mode: str, limits: tuple[float, float] | None,
                cmap: str | None) -> None:
    if img.ndim == 3:  # RGB: imshow has no vmin/vmax for colour images, scale to [0, 1]
        rgb = img.astype(np.float64)
        lo, hi = limits if mode == "fixed" else (np.nanmin(rgb), np.nanmax(rgb))
        rgb = (rgb - lo) / (hi - lo) if hi > lo else np.zeros_like(rgb)
        ax.imshow(np.clip(rgb, 0.0, 1.0))
    else:
        if mode == "fixed":
            vmin, vmax = limits
        else:
            vmin, vmax = float(np.nanmin(img)), float(np.nanmax(img))
            if not vmax > vmin:  # constant image: show it at the bottom of the colormap
                vmax = vmin + 1.0
        ax.imshow(img, cmap=cmap or "gray", vmin=vmin, vmax=vmax)
    ax.set_axis_off()


def _image_grid(arr: np.ndarray, titles: Sequence[Any] | None, ncols: int, cmap: str | None,
                figsize: tuple[float, float] | None, suptitle: str | None,
                normalize: str = "auto", cell: float = 1.6) -> Figure:
    n = arr.shape[0]
    if titles is not None:
        if isinstance(titles, str) or not isinstance(titles, (Sequence, np.ndarray)):
            raise ValueError(
                f"titles deve ser uma lista com um título por imagem, recebi {titles!r}"
            )
        if len(titles) != n:
            raise ValueError(
                f"o número de títulos ({len(titles)}) difere do número de imagens ({n})"
            )
    ncols = min(_check_positive_int(ncols, "ncols"), n)
    nrows = -(-n // ncols)
    if figsize is None:
        title_lines = 0
        if titles is not None:
            title_lines = max(str(t).count("\n") + 1 for t in titles)
        figsize = (
            max(ncols * cell, 2.5),
            nrows * (cell + 0.2 * title_lines) + (0.4 if suptitle else 0.0),
        )
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False,
                             layout="constrained")
    mode, limits = _display_range(arr, normalize)
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_axis_off()
            continue
        _draw_image(ax, arr[i], mode, limits, cmap)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def _text_color(cmap: Any, norm: Normalize, value: float) -> str:
    """Black or white, whichever reads better on the cell's colour."""
    r, g, b, _ = plt.get_cmap(cmap)(norm(value))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def _as_labels(y: Any, name: str) -> np.ndarray:
    """Class indices from labels (N,) or from scores / one-hot rows (N, C) via argmax."""
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 2:
        arr = arr.argmax(axis=1)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} deve ter rótulos (N,) ou pontuações (N, classes), mas tem formato "
            f"{arr.shape}"
        )
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.issubdtype(arr.dtype, np.number) or not np.all(arr == np.round(arr)):
            raise ValueError(
                f"{name} deve conter índices de classe inteiros, recebi {arr[:5]!r}..."
            )
        arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} tem um índice de classe negativo ({arr.min()})")
    return arr.astype(np.int64)


def _paired_labels(y_true: Any, y_pred: Any,
                   class_names: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray, int]:
    yt = _as_labels(y_true, "y_true")
    yp = _as_labels(y_pred, "y_pred")
    if len(yt) != len(yp):
        raise ValueError(f"y_true tem {len(yt)} rótulos, mas y_pred tem {len(yp)}")
    if len(yt) == 0:
        raise ValueError("y_true e y_pred estão vazios")
    highest = int(max(yt.max(), yp.max()))
    if class_names is not None:
        n_classes = len(class_names)
        if highest >= n_classes:
            raise ValueError(
                f"encontrei o índice de classe {highest}, mas class_names só tem "
                f"{n_classes} nomes"
            )
    else:
        n_classes = highest + 1
    return yt, yp, n_classes


def _class_name(k: int, class_names: Sequence[str] | None) -> str:
    return str(class_names[k]) if class_names is not None else str(k)


# --------------------------------------------------------------------------- public
def show_images(images: Any, titles: Sequence[Any] | None = None, ncols: int = 8,
                cmap: str | None = None, figsize: tuple[float, float] | None = None,
                suptitle: str | None = None) -> Figure:
    """Show images in a grid (axes off) and return the figure.

    ``images`` may be a batch (N, H, W), (N, H, W, 1) or (N, H, W, 3), or a single
    image (H, W) or (H, W, 3). A 3-D array is read as one RGB image only when its
    last axis is 3 and the other two are larger than 3; otherwise it is N
    grayscale images (use ``img[None]`` to force a batch of one).

    Values: integers in 0..255 (e.g. ``uint8``) are shown on the fixed scale 0..255
    and floats in [0, 1] on 0..1, so a dark image stays dark; anything else (e.g.
    feature maps, standardised inputs) is stretched image by image from its own
    minimum to its maximum instead of being clipped. Grayscale uses ``cmap``
    (default ``"gray"``); RGB ignores it.
    """
    arr = _as_batch(images, batch=False)
    return _image_grid(arr, titles, ncols, cmap, figsize, suptitle)


def show_matrix(a: Any, title: str | None = None, fmt: str = "{:g}",
                cmap: str = "gray") -> Figure:
    """Show a small 2-D matrix (pixels, a kernel) as an image with each value written in it.

    Integer matrices in 0..255 use the fixed scale 0 = black, 255 = white; any other
    matrix goes from its minimum to its maximum. ``fmt`` formats each value, e.g.
    ``"{:.2f}"``, and the text is then written the Brazilian way (``0,25``, ``1.000``).
    Rows and columns are numbered from 0, like NumPy indices.
    """
    m = np.asarray(a)
    if m.ndim != 2:
        raise ValueError(f"show_matrix precisa de uma matriz 2-D, mas o formato é {m.shape}")
    if m.size == 0:
        raise ValueError("show_matrix recebeu uma matriz vazia")
    if m.dtype == bool:
        m = m.astype(np.uint8)
    if not np.issubdtype(m.dtype, np.number):
        raise ValueError(f"show_matrix precisa de números, mas o dtype é {m.dtype}")
    if max(m.shape) > 40:
        raise ValueError(
            f"a matriz {m.shape} é grande demais para escrever cada valor; "
            "mostre um pedaço (por exemplo a[:20, :20]) ou use show_images"
        )
    try:
        fmt.format(m.flat[0])
    except (ValueError, IndexError, KeyError, AttributeError) as err:
        raise ValueError(
            f"fmt {fmt!r} não consegue formatar um valor como {m.flat[0]!r}: {err}"
        ) from None

    rows, cols = m.shape
    if np.issubdtype(m.dtype, np.integer) and m.min() >= 0 and m.max() <= 255:
        vmin, vmax = 0.0, 255.0
    else:
        vmin, vmax = float(m.min()), float(m.max())
        if not vmax > vmin:
            vmax = vmin + 1.0
    norm = Normalize(vmin=vmin, vmax=vmax)

    longest = max(len(fmt.format(v)) for v in m.flat)
    cell = 0.55 if max(rows, cols) <= 12 else 0.45
    cell = max(cell, 0.09 * longest)
    scale = min(1.0, 14.0 / (cols * cell))  # keep the figure at most ~14 inches wide
    cell *= scale
    figsize = (max(cols * cell + 1.0, 3.0), max(rows * cell + (1.0 if title else 0.6), 2.5))
    fontsize = max(5.0, min(11.0, 72 * cell / max(longest, 2) * 0.9))

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.imshow(m, cmap=cmap, norm=norm)
    for (i, j), v in np.ndenumerate(m):
        ax.text(j, i, _brazilian(fmt.format(v)), ha="center", va="center", fontsize=fontsize,
                color=_text_color(cmap, norm, float(v)))
    step = 1 if max(rows, cols) <= 16 else 2
    ax.set_xticks(range(0, cols, step))
    ax.set_yticks(range(0, rows, step))
    ax.tick_params(labelsize=8, length=0)
    ax.xaxis.tick_top()
    if title:
        ax.set_title(title)
    return fig


def plot_history(history: Any, metrics: Sequence[str] | str = ("loss", "accuracy")) -> Figure:
    """Plot training curves, one subplot per metric, with the ``val_`` curve when present.

    ``history`` is what ``model.fit`` returns (a ``keras.callbacks.History``) or its
    ``.history`` dict. Epochs are numbered from 1.
    """
    hist = getattr(history, "history", history)
    if not isinstance(hist, Mapping):
        raise ValueError(
            "history deve ser um History do Keras ou o seu dicionário .history, "
            f"recebi {type(history).__name__}"
        )
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = tuple(metrics)
    if not metrics:
        raise ValueError("metrics está vazio: dê pelo menos um nome, por exemplo ('loss',)")
    available = ", ".join(repr(k) for k in hist) or "nenhuma"
    for name in metrics:
        if name not in hist:
            raise ValueError(
                f"history não tem {name!r} (disponíveis: {available}); "
                "passe metrics= com nomes desta lista"
            )
        if len(hist[name]) == 0:
            raise ValueError(f"history[{name!r}] está vazio: o modelo foi treinado?")

    nrows, ncols = history_grid(len(metrics))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.8 * ncols, 3.6 * nrows),
                             squeeze=False, layout="constrained")
    draw_history(list(axes.flat), hist, metrics)
    return fig


def history_grid(n_metrics: int) -> tuple[int, int]:
    """(rows, columns) of the training-curve panels: at most three panels per row."""
    ncols = min(n_metrics, HISTORY_COLUMNS)
    return -(-n_metrics // ncols), ncols


def metric_label(name: str) -> str:
    """The Portuguese name of a Keras metric (``"val_"`` dropped), e.g. ``"perda"``."""
    name = name.removeprefix("val_")
    return _METRIC_LABELS.get(name, name)


def draw_history(axes: Sequence[Any], hist: Mapping[str, Sequence[float]],
                 metrics: Sequence[str]) -> None:
    """Draw one metric per axis (training and, when present, validation); remove spare axes."""
    for ax, name in zip(axes, metrics):
        label = metric_label(name)
        train = np.asarray(hist[name], dtype=float)
        ax.plot(np.arange(1, len(train) + 1), train, marker="o", markersize=4, label="treino")
        val_key = f"val_{name}"
        if val_key in hist and len(hist[val_key]):
            val = np.asarray(hist[val_key], dtype=float)
            ax.plot(np.arange(1, len(val) + 1), val, marker="o", markersize=4,
                    label="validação")
        ax.set_title(label[:1].upper() + label[1:])
        ax.set_xlabel("época")
        ax.set_ylabel(label)
        ax.yaxis.set_major_formatter(tick_formatter())
        n_epochs = max(len(train), len(hist.get(val_key, ())))
        if n_epochs <= 10:
            ax.set_xticks(range(1, n_epochs + 1))
            ax.set_xlim(0.5, n_epochs + 0.5)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    for ax in axes[len(metrics):]:
        ax.remove()


def plot_confusion_matrix(y_true: Any, y_pred: Any, class_names: Sequence[str] | None = None,
                          normalize: bool = False, title: str | None = None) -> Figure:
    """Plot the confusion matrix (rows: true class, columns: predicted class).

    Labels may be class indices (N,) or scores / one-hot rows (N, classes), whose
    argmax is taken, so ``model.predict(x)`` can be passed directly. Every class
    0..n-1 appears even when absent (n = ``len(class_names)``, or the largest
    index + 1). Each cell shows the count, or with ``normalize=True`` the fraction
    of that row (of the examples of that true class). Returns only the figure; for
    the numbers use ``sklearn.metrics.confusion_matrix(y_true, y_pred,
    labels=range(n))``, which is exactly what is drawn.
    """
    from sklearn.metrics import confusion_matrix

    yt, yp, n = _paired_labels(y_true, y_pred, class_names)
    cm = confusion_matrix(yt, yp, labels=list(range(n)))
    if normalize:
        totals = cm.sum(axis=1, keepdims=True)
        values = np.divide(cm, totals, out=np.zeros(cm.shape, dtype=float), where=totals > 0)
        decimals = 2
    else:
        values = cm
        decimals = 0
    if title is None:
        title = "Matriz de confusão" + (" (fração por classe verdadeira)" if normalize else "")
    names = [_class_name(k, class_names) for k in range(n)]

    side = max(4.5, 0.6 * n + 2.5)
    fig, ax = plt.subplots(figsize=(side + 1.0, side), layout="constrained")
    cmap = "Blues"
    norm = Normalize(vmin=0.0, vmax=1.0 if normalize else max(float(cm.max()), 1.0))
    im = ax.imshow(values, cmap=cmap, norm=norm)
    fig.colorbar(im, ax=ax, shrink=0.8)
    fontsize = 10 if n <= 10 else max(5, 10 - (n - 10) // 3)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, num(v, decimals), ha="center", va="center", fontsize=fontsize,
                color=_text_color(cmap, norm, float(v)))
    ax.set_xticks(range(n), names, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("classe prevista")
    ax.set_ylabel("classe verdadeira")
    ax.set_title(title)
    return fig


def show_misclassified(images: Any, y_true: Any, y_pred: Any,
                       class_names: Sequence[str] | None = None, n: int = 10,
                       seed: int = 0) -> Figure:
    """Show up to ``n`` wrongly classified examples, titled with true and predicted class.

    ``images`` is a batch (N, H, W), (N, H, W, 1) or (N, H, W, 3) aligned with the
    labels; labels may be indices or scores (argmax is taken). The examples are
    drawn at random with ``seed`` (same seed, same examples) and shown in their
    original order. With no mistakes the figure just says so.
    """
    n = _check_positive_int(n, "n")
    arr = _as_batch(images, batch=True)
    yt, yp, _ = _paired_labels(y_true, y_pred, class_names)
    if len(yt) != arr.shape[0]:
        raise ValueError(f"{arr.shape[0]} imagens, mas {len(yt)} rótulos: devem ser iguais")

    wrong = np.flatnonzero(yt != yp)
    if wrong.size == 0:
        fig, ax = plt.subplots(figsize=(5, 1.6), layout="constrained")
        ax.text(0.5, 0.5, f"Nenhum erro: as {len(yt)} previsões estão corretas.",
                ha="center", va="center", fontsize=12, transform=ax.transAxes)
        ax.set_axis_off()
        return fig

    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(wrong, size=min(n, wrong.size), replace=False))
    titles = [
        f"verdadeiro: {_class_name(yt[i], class_names)}\n"
        f"previsto: {_class_name(yp[i], class_names)}"
        for i in chosen
    ]
    suptitle = (
        f"Exemplos classificados errado ({len(chosen)} de {wrong.size} erros "
        f"em {len(yt)} exemplos)"
    )
    return _image_grid(arr[chosen], titles, ncols=5, cmap=None, figsize=None,
                       suptitle=suptitle, cell=2.0)


def show_feature_maps(model: Any, layer: Any, image: Any, max_maps: int = 16) -> Figure:
    """Run one image through ``model`` and show the channels output by ``layer``.

    ``layer`` is a layer name or a layer object of ``model`` (functional or
    Sequential); its output must be 4-D (batch, height, width, channels), i.e. a
    convolutional or pooling layer. ``image`` is (H, W), (H, W, C) or (1, H, W, C),
    already preprocessed like the training data. The first ``max_maps`` channels are
    shown, each stretched from its own minimum to its maximum, titled "mapa k"
    where k is the channel index (``saida[..., k]``).
    """
    import keras

    max_maps = _check_positive_int(max_maps, "max_maps")
    if not isinstance(model, keras.Model):
        raise ValueError(f"model deve ser um modelo Keras, recebi {type(model).__name__}")
    names = [lyr.name for lyr in model.layers]
    if isinstance(layer, str):
        matches = [lyr for lyr in model.layers if lyr.name == layer]
        if not matches:
            raise ValueError(f"o modelo não tem camada chamada {layer!r}; camadas: {names}")
        layer_obj = matches[0]
    elif isinstance(layer, keras.layers.Layer):
        if not any(lyr is layer for lyr in model.layers):
            raise ValueError(
                f"a camada {layer.name!r} não é deste modelo; camadas: {names}"
            )
        layer_obj = layer
    else:
        raise ValueError(
            f"layer deve ser o nome de uma camada ou uma camada Keras, recebi {layer!r}"
        )

    try:
        inputs = model.inputs
        output = layer_obj.output
    except (AttributeError, ValueError) as err:
        raise ValueError(
            "o modelo ainda não foi construído, então as camadas não têm saídas: comece-o "
            "com keras.Input(shape=...), ou treine-o / chame-o com dados antes "
            f"({err})"
        ) from None
    if len(inputs) != 1:
        raise ValueError(
            f"show_feature_maps precisa de um modelo com uma entrada, mas ele tem {len(inputs)}"
        )
    if len(output.shape) != 4:
        raise ValueError(
            f"a camada {layer_obj.name!r} tem saída de formato {tuple(output.shape)}, não 4-D "
            "(lote, altura, largura, canais): escolha uma camada convolucional ou de pooling"
        )

    x = np.asarray(image, dtype="float32")
    in_shape = tuple(inputs[0].shape)  # (None, H, W, C)
    if x.ndim == 2 and len(in_shape) == 4 and in_shape[-1] == 1:
        x = x[..., np.newaxis]
    if x.ndim == 3:
        x = x[np.newaxis]
    if x.ndim != 4 or x.shape[0] != 1:
        raise ValueError(
            f"image deve ser UMA imagem (H, W), (H, W, C) ou (1, H, W, C), mas tem formato "
            f"{np.shape(image)}"
        )
    if len(in_shape) != 4 or any(
        want is not None and want != got for want, got in zip(in_shape[1:], x.shape[1:])
    ):
        raise ValueError(
            f"o formato da imagem {x.shape[1:]} não cabe na entrada do modelo {in_shape[1:]}"
        )

    extractor = keras.Model(inputs[0], output)
    maps = keras.ops.convert_to_numpy(extractor(x, training=False))[0]  # (h, w, channels)
    total = maps.shape[-1]
    shown = min(max_maps, total)
    maps = np.moveaxis(maps[..., :shown], -1, 0)
    return _image_grid(
        maps, [f"mapa {k}" for k in range(shown)], ncols=min(8, shown), cmap="gray",
        figsize=None,
        suptitle=f"Mapas de características da camada '{layer_obj.name}' ({shown} de {total})",
        normalize="per_image",
    )


def _unit_range(image: np.ndarray) -> np.ndarray:
    """An image as floats in [0, 1]: 0..255 values divided by 255, others stretched."""
    img = image.astype(np.float64)
    low, high = float(np.nanmin(img)), float(np.nanmax(img))
    if np.issubdtype(image.dtype, np.integer) or (low >= 0 and 1 < high <= 255):
        return np.clip(img / 255.0, 0.0, 1.0)
    if low >= 0 and high <= 1:
        return img
    return (img - low) / (high - low) if high > low else np.zeros_like(img)


def overlay(image: Any, heatmap: Any, alpha: float = 0.6, cmap: str = "jet") -> np.ndarray:
    """Paint ``heatmap`` over ``image``: an RGB image ``(H, W, 3)`` of floats in [0, 1].

    ``image`` is ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``, integers 0..255 or floats;
    ``heatmap`` is ``(H, W)`` (from ``course_utils.explain``), shown relative to its own
    maximum, negative values as 0. Each pixel mixes the image with the colour of its heat
    in proportion ``alpha`` × heat, so where the map is 0 the image shows unchanged. Show
    it with :func:`show_images`, e.g. ``show_images([overlay(x, m) for x, m in zip(xs, ms)])``.
    """
    img = np.asarray(image)
    heat = np.asarray(heatmap, dtype=np.float64)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[-1] != 3):
        raise ValueError(
            f"image deveria ser UMA imagem (H, W), (H, W, 1) ou (H, W, 3), mas tem formato "
            f"{np.shape(image)}."
        )
    if heat.shape != img.shape[:2]:
        raise ValueError(
            f"o mapa tem formato {heat.shape}, mas a imagem tem {img.shape[:2]}: eles "
            "precisam ter a mesma altura e largura."
        )
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha deveria estar entre 0 e 1, mas é {alpha!r}.")
    rgb = _unit_range(img)
    rgb = np.repeat(rgb[..., np.newaxis], 3, axis=-1) if rgb.ndim == 2 else rgb
    heat = np.maximum(np.nan_to_num(heat), 0.0)
    if heat.max() > 0:
        heat = heat / heat.max()
    colours = plt.get_cmap(cmap)(heat)[..., :3]
    weight = alpha * heat[..., np.newaxis]
    return (1 - weight) * rgb + weight * colours


NORMALIZATION_AXES = ("N (imagens do lote)", "C (canais)", "H × W (posições)")
"""The three axes of the cubes of :func:`show_normalization_axes`, in the order of its arrays."""


def normalization_group(shape: tuple[int, int, int], reduced: Sequence[int],
                        reference: tuple[int, int, int]) -> np.ndarray:
    """Mask of the values averaged together with ``reference`` when reducing ``reduced`` axes.

    ``shape`` is (N, C, H·W). Batch normalization reduces axes ``(0, 2)``: every value of the
    reference's channel, in every image and position. ``np.mean(x, axis=reduced)`` gives one
    statistic per group; the mask is the group of the value at ``reference``.
    """
    if len(shape) != 3 or len(reference) != 3:
        raise ValueError(f"shape e reference devem ter 3 eixos (N, C, H·W), recebi {shape}, "
                         f"{reference}")
    if not set(reduced) <= {0, 1, 2}:
        raise ValueError(f"reduced deve conter eixos entre 0 e 2, recebi {tuple(reduced)}")
    index = np.indices(shape)
    mask = np.ones(shape, dtype=bool)
    for axis in set(range(3)) - set(reduced):
        mask &= index[axis] == reference[axis]
    return mask


def show_normalization_axes(batch: int = 6, channels: int = 4, positions: int = 5,
                            channel: int = 0) -> Figure:
    """Two cubes (N, C, H·W) with the values that one statistic averages painted in.

    Left, batch normalization: one channel, all images and positions (``axis=(0, 1, 2)`` of
    an (N, H, W, C) batch). Right, the usual slip: the image axis only (``axis=0``), one
    statistic per channel *and* position. The height and width of the images are drawn as
    one axis, as in Wu and He's Group Normalization figure and in d2l.
    """
    shape = (_check_positive_int(batch, "batch"), _check_positive_int(channels, "channels"),
             _check_positive_int(positions, "positions"))
    if not 0 <= channel < channels:
        raise ValueError(f"channel deve estar entre 0 e {channels - 1}, recebi {channel!r}")
    reference = (0, channel, positions - 1)  # on the faces the drawing shows
    panels = (
        ((0, 2), "Normalização em lote:\numa média por canal, sobre N, H e W"),
        ((0,), "Só o eixo N (um erro comum):\numa média por canal e posição"),
    )
    fig = plt.figure(figsize=(10, 4.6), layout="constrained")
    for k, (reduced, title) in enumerate(panels, start=1):
        ax = fig.add_subplot(1, 2, k, projection="3d")
        group = normalization_group(shape, reduced, reference)
        colors = np.where(group, "#1f77b4", "#eeeeee")
        ax.voxels(np.ones(shape, dtype=bool), facecolors=colors, edgecolor="#555555",
                  linewidth=0.3)
        ax.set_box_aspect(shape)
        ax.view_init(elev=22, azim=-58)
        for set_label, label in zip((ax.set_xlabel, ax.set_ylabel, ax.set_zlabel),
                                    NORMALIZATION_AXES):
            set_label(label, labelpad=-8)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_zticks([])
        ax.set_title(f"{title}\n({num(int(group.sum()))} valores por média)", fontsize=10)
    return fig
