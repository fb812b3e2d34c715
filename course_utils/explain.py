"""What a CNN looks at (lesson 14): Grad-CAM, saliency and occlusion maps, and how to test them.

Maps, each ``(N, H, W)`` at the input's resolution:

* :func:`grad_cam` -- Selvaraju et al. (2017): the feature maps of a convolutional layer
  weighted by the spatial mean of the class score's gradient, then ReLU;
  :func:`cam_from_gradients` is that last step alone, in NumPy;
* :func:`saliency` -- Simonyan et al. (2014): the gradient of the class score with respect to
  the pixels; with ``smooth_samples`` it is SmoothGrad (Smilkov et al., 2017);
* :func:`occlusion_map` -- Zeiler & Fergus (2014): slide a grey patch over one image and
  record how much the class probability drops. No gradients at all.

Is a map right? :func:`paste_on_canvas` builds data whose answer is known (an object pasted at
a random place on a larger noisy canvas), :func:`peaks` and :func:`pointing_hits` play the
pointing game (does the map's maximum fall inside the object's box?), :func:`mass_in_boxes`
says how much of each map lies in its box, and :func:`randomized_copy` (all weights at once)
or :func:`cascading_randomization` (layer by layer from the top) with :func:`rank_correlation`
is the sanity check of Adebayo et al. (2018): the maps of the same network with random weights
must differ from the trained ones.

The "class score" is the logit (the value before the softmax or sigmoid) when the model ends
in a ``Dense`` layer with a softmax or sigmoid activation, as in the Grad-CAM paper, so a
confident prediction does not saturate the gradient; otherwise it is the model's output. For a
single sigmoid unit, class 1 is the unit and class 0 its negation.

Backends: :func:`grad_cam` and :func:`saliency` take gradients with ``tf.GradientTape`` and run
on the TensorFlow backend (the course's; the only one tested); on another Keras backend they
raise ``RuntimeError``. :func:`occlusion_map` only calls the model and runs on any backend.
Models: ``keras.Sequential`` (rebuilt layer by layer as a functional graph, so it needs no
``keras.Input`` and no earlier call) and functional models with one input and one output.
Errors that reach a notebook are in Portuguese.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import keras
import numpy as np

CONV_LAYERS = (keras.layers.Conv2D, keras.layers.SeparableConv2D, keras.layers.DepthwiseConv2D)
"""Layer types :func:`grad_cam` looks for when no layer is named."""

Box = tuple[int, int, int, int]
"""An object's box ``(top, left, bottom, right)``, bottom and right excluded, like a slice."""


# ---------------------------------------------------------------------------- inputs
def _check_model(model: Any) -> None:
    if not isinstance(model, keras.Model):
        raise ValueError(f"model deveria ser um modelo Keras, mas é {type(model).__name__}.")


def _require_tensorflow() -> None:
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(
            f"grad_cam e saliency calculam gradientes com o TensorFlow, mas o Keras está usando "
            f"o backend {backend!r}. Use KERAS_BACKEND=tensorflow (o padrão do curso); "
            "occlusion_map funciona em qualquer backend."
        )


def _declared_input_shape(model: keras.Model) -> tuple | None:
    """The model's input shape without the batch axis, or None when it is not known yet."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    if not inputs:
        return None
    if len(inputs) != 1:
        raise ValueError(f"o modelo tem {len(inputs)} entradas; estes mapas precisam de uma só.")
    return tuple(inputs[0].shape[1:])


def _fits(shape: tuple, declared: tuple) -> bool:
    return len(shape) == len(declared) and all(
        want is None or want == got for want, got in zip(declared, shape)
    )


def _as_batch(model: keras.Model, images: Any) -> np.ndarray:
    """A float32 batch the model takes; (N, H, W) gets the channel axis when the model wants one."""
    batch = np.asarray(images, dtype=np.float32)
    declared = _declared_input_shape(model)
    if declared is None:
        if batch.ndim == 3:
            batch = batch[..., np.newaxis]
        if batch.ndim != 4:
            raise ValueError(
                f"images deveria ser um lote (N, altura, largura[, canais]), mas tem formato "
                f"{batch.shape}."
            )
    elif not _fits(batch.shape[1:], declared):
        if declared[-1] == 1 and _fits(batch.shape[1:] + (1,), declared):
            batch = batch[..., np.newaxis]
        elif _fits(batch.shape, declared) or (
            declared[-1] == 1 and _fits(batch.shape + (1,), declared)
        ):
            raise ValueError(
                f"images tem o formato de UMA imagem, {batch.shape}; passe um lote: "
                "images[np.newaxis] (formato (1, ...))."
            )
        else:
            raise ValueError(
                f"o lote images tem formato {batch.shape}, mas o modelo espera (N, "
                f"{', '.join(str(d) for d in declared)})."
            )
    if len(batch) == 0:
        raise ValueError("images está vazio: passe pelo menos uma imagem.")
    if batch.ndim < 3:
        raise ValueError(f"os mapas precisam de imagens 2-D, mas o lote tem formato {batch.shape}.")
    return batch


def _find_layer(model: keras.Model, layer: Any) -> keras.layers.Layer:
    """The convolutional layer Grad-CAM reads: the last one, or the one named."""
    convs = [lyr for lyr in model.layers if isinstance(lyr, CONV_LAYERS)]
    if layer is None:
        if not convs:
            raise ValueError(
                f"o modelo {model.name!r} não tem camada convolucional (Conv2D, SeparableConv2D "
                "ou DepthwiseConv2D): o Grad-CAM precisa dos mapas de características de uma."
            )
        return _activated(model, convs[-1])
    if isinstance(layer, str):
        found = [lyr for lyr in model.layers if lyr.name == layer]
        if not found:
            raise ValueError(
                f"o modelo não tem camada chamada {layer!r}; as convolucionais são "
                f"{[lyr.name for lyr in convs]}."
            )
        return found[0]
    if isinstance(layer, keras.layers.Layer) and any(lyr is layer for lyr in model.layers):
        return layer
    raise ValueError(
        f"layer deveria ser None, o nome de uma camada ou uma camada do modelo, mas é {layer!r}."
    )


def _activated(model: keras.Model, conv: keras.layers.Layer) -> keras.layers.Layer:
    """``conv``, or the BatchNormalization/activation layers that directly follow it."""
    layers = model.layers
    index = next(k for k, lyr in enumerate(layers) if lyr is conv)
    while index + 1 < len(layers) and isinstance(layers[index + 1], _AFTER_CONV):
        index += 1
    return layers[index]


_AFTER_CONV = (keras.layers.BatchNormalization, keras.layers.Activation, keras.layers.ReLU)


def _logit_head(model: keras.Model) -> keras.layers.Dense | None:
    """The final Dense layer whose softmax/sigmoid :func:`_scores` undoes, if there is one."""
    last = model.layers[-1] if model.layers else None
    if isinstance(last, keras.layers.Dense) and last.activation in (
        keras.activations.softmax,
        keras.activations.sigmoid,
    ):
        return last
    return None


def _graph(model: keras.Model, batch: np.ndarray, target: keras.layers.Layer | None) -> tuple:
    """``(keras.Model input → [target's output (if any), head], logit layer or None)``.

    The head is the input of the final Dense layer when its softmax/sigmoid is undone, else the
    model's output. A Sequential model is rebuilt layer by layer on a new ``keras.Input``.
    """
    head_layer = _logit_head(model)
    if isinstance(model, keras.Sequential):
        inputs = keras.Input(shape=batch.shape[1:])
        x, feature, head = inputs, None, None
        for lyr in model.layers:
            if isinstance(lyr, keras.layers.InputLayer):
                continue
            if lyr is head_layer:
                head = x
            x = lyr(x)
            if lyr is target:
                feature = x
        head = x if head is None else head
    else:
        if len(model.outputs) != 1:
            raise ValueError(
                f"o modelo tem {len(model.outputs)} saídas; estes mapas precisam de uma só."
            )
        inputs = model.inputs[0]
        feature = target.output if target is not None else None
        if head_layer is not None and head_layer.output is model.outputs[0]:
            head = head_layer.input
        else:
            head, head_layer = model.outputs[0], None
    if target is not None and len(feature.shape) != 4:
        raise ValueError(
            f"a camada {target.name!r} tem saída de formato {tuple(feature.shape)}, não "
            "(lote, altura, largura, canais): escolha uma camada convolucional."
        )
    outputs = [feature, head] if target is not None else [head]
    return keras.Model(inputs, outputs), head_layer


def _class_count(head_layer: keras.layers.Dense | None, head: Any) -> int:
    units = head_layer.units if head_layer is not None else int(head.shape[-1])
    return 2 if units == 1 else units


def _classes(class_index: Any, n: int, n_classes: int) -> np.ndarray | None:
    """class_index as one class per image, or None for "the predicted class"."""
    if class_index is None:
        return None
    classes = np.asarray(class_index)
    if classes.ndim == 0:
        classes = np.full(n, classes)
    if classes.shape != (n,) or not np.issubdtype(classes.dtype, np.integer):
        raise ValueError(
            f"class_index deveria ser None, um inteiro ou {n} inteiros (um por imagem), mas é "
            f"{class_index!r:.80}."
        )
    if classes.min() < 0 or classes.max() >= n_classes:
        raise ValueError(
            f"class_index deveria estar entre 0 e {n_classes - 1}, mas é {class_index!r:.80}."
        )
    return classes.astype(np.int64)


def _scores(head: Any, head_layer: keras.layers.Dense | None, classes: np.ndarray | None):
    """The class score of each image (a tensor (N,)) and the classes used."""
    from keras import ops

    if head_layer is not None:  # the logits, before the softmax or sigmoid
        head = ops.matmul(head, head_layer.kernel)
        if head_layer.use_bias:
            head = head + head_layer.bias
    if head.shape[-1] == 1:  # one unit: class 1 is the unit, class 0 its opposite
        threshold = 0.0 if head_layer is not None else 0.5
        unit = head[:, 0]
        if classes is None:
            classes = (ops.convert_to_numpy(unit) > threshold).astype(np.int64)
        sign = ops.convert_to_tensor(2.0 * classes - 1.0, dtype=unit.dtype)
        offset = 0.0 if head_layer is not None else 1.0 - ops.convert_to_tensor(classes, unit.dtype)
        return sign * unit + offset, classes
    if classes is None:
        classes = ops.convert_to_numpy(ops.argmax(head, axis=-1)).astype(np.int64)
    picked = ops.take_along_axis(head, ops.convert_to_tensor(classes[:, None]), axis=1)
    return picked[:, 0], classes


def _normalize(maps: np.ndarray) -> np.ndarray:
    """Each map divided by its maximum, in [0, 1]; an all-zero map stays zero."""
    maps = np.maximum(maps, 0.0)
    top = maps.reshape(len(maps), -1).max(axis=1).reshape(-1, *([1] * (maps.ndim - 1)))
    return np.divide(maps, top, out=np.zeros_like(maps), where=top > 0).astype(np.float32)


def _resize(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(N, h, w) → (N, H, W), bilinear."""
    if maps.shape[1:] == tuple(size):
        return maps
    resized = keras.ops.image.resize(maps[..., np.newaxis], size, interpolation="bilinear")
    return keras.ops.convert_to_numpy(resized)[..., 0]


# ---------------------------------------------------------------------------- Grad-CAM
def cam_from_gradients(activations: Any, gradients: Any) -> np.ndarray:
    """Grad-CAM's combination step: ReLU(Σ_k α_k A^k), α_k = spatial mean of ∂y/∂A^k.

    ``activations`` and ``gradients`` are ``(N, h, w, K)`` (or one map ``(h, w, K)``); the
    result is ``(N, h, w)`` (or ``(h, w)``), not normalised.
    """
    a = np.asarray(activations, dtype=np.float64)
    g = np.asarray(gradients, dtype=np.float64)
    if a.shape != g.shape or a.ndim not in (3, 4):
        raise ValueError(
            f"activations e gradients deveriam ter o mesmo formato (N, h, w, K), mas têm "
            f"{a.shape} e {g.shape}."
        )
    alphas = g.mean(axis=(-3, -2), keepdims=True)
    return np.maximum((alphas * a).sum(axis=-1), 0.0)


def grad_cam(
    model: keras.Model,
    images: Any,
    class_index: Any = None,
    layer: str | keras.layers.Layer | None = None,
    batch_size: int = 64,
) -> np.ndarray:
    """Grad-CAM maps ``(N, H, W)`` in [0, 1] at the input's resolution.

    ``images``: a batch ``(N, H, W, C)``, or ``(N, H, W)`` for a one-channel model, prepared
    as the model was trained. ``class_index``: None for each image's predicted class, an int
    for the same class everywhere, or one int per image. ``layer``: a layer (or its name)
    with 4-D output; None takes the model's last Conv2D/SeparableConv2D/DepthwiseConv2D, or
    the BatchNormalization/activation layers right after it (the activated feature maps).
    Each map is the ReLU of the layer's channels weighted by the spatial mean of the class
    score's gradient (:func:`cam_from_gradients`), resized bilinearly to H×W and divided by
    its maximum (a map with no positive evidence is all zeros).

    >>> grad_cam(model, x_test[:8]).shape  # doctest: +SKIP
    (8, 28, 28)
    """
    _check_model(model)
    _require_tensorflow()
    import tensorflow as tf

    batch = _as_batch(model, images)
    target = _find_layer(model, layer)
    graph, head_layer = _graph(model, batch, target)
    n_classes = _class_count(head_layer, graph.outputs[1])
    classes = _classes(class_index, len(batch), n_classes)
    maps = []
    for start in range(0, len(batch), batch_size):
        x = tf.convert_to_tensor(batch[start : start + batch_size])
        chunk = None if classes is None else classes[start : start + batch_size]
        with tf.GradientTape() as tape:
            feature, head = graph(x, training=False)
            score, _ = _scores(head, head_layer, chunk)
        gradients = tape.gradient(score, feature)
        maps.append(cam_from_gradients(feature.numpy(), gradients.numpy()))
    return _normalize(_resize(np.concatenate(maps).astype(np.float32), batch.shape[1:3]))


# ---------------------------------------------------------------------------- saliency
def saliency(
    model: keras.Model,
    images: Any,
    class_index: Any = None,
    smooth_samples: int = 0,
    noise: float = 0.15,
    seed: int = 0,
    batch_size: int = 64,
) -> np.ndarray:
    """Saliency maps ``(N, H, W)`` in [0, 1]: |∂ class score / ∂ pixel|, largest over channels.

    ``images`` and ``class_index`` as in :func:`grad_cam`. With ``smooth_samples`` > 0 it is
    SmoothGrad: the gradient averaged over that many copies of each image with Gaussian noise
    of standard deviation ``noise`` × (the image's max − min), the class fixed by the clean
    image. Each map is divided by its maximum.
    """
    _check_model(model)
    _require_tensorflow()
    import tensorflow as tf

    if not isinstance(smooth_samples, int) or smooth_samples < 0:
        raise ValueError(f"smooth_samples deveria ser um inteiro ≥ 0, mas é {smooth_samples!r}.")
    batch = _as_batch(model, images)
    graph, head_layer = _graph(model, batch, None)
    n_classes = _class_count(head_layer, graph.outputs[0])
    classes = _classes(class_index, len(batch), n_classes)
    rng = np.random.default_rng(seed)

    def gradient(x: np.ndarray, chunk: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        tensor = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(tensor)
            score, used = _scores(graph(tensor, training=False), head_layer, chunk)
        return tape.gradient(score, tensor).numpy(), used

    maps = []
    for start in range(0, len(batch), batch_size):
        x = batch[start : start + batch_size]
        chunk = None if classes is None else classes[start : start + batch_size]
        total, chunk = gradient(x, chunk)
        if smooth_samples:
            spread = (x.reshape(len(x), -1).max(1) - x.reshape(len(x), -1).min(1)) * noise
            spread = spread.reshape(-1, *([1] * (x.ndim - 1)))
            total = sum(
                gradient((x + rng.normal(size=x.shape) * spread).astype(np.float32), chunk)[0]
                for _ in range(smooth_samples)
            ) / smooth_samples
        grads = np.abs(total)
        maps.append(grads.max(axis=-1) if grads.ndim == 4 else grads)
    return _normalize(np.concatenate(maps))


# ---------------------------------------------------------------------------- occlusion
def _probability(model: keras.Model, batch: np.ndarray, cls: int, batch_size: int) -> np.ndarray:
    """Probability of class ``cls`` for each image (a single sigmoid unit counts as 2 classes)."""
    out = np.concatenate([
        keras.ops.convert_to_numpy(model(batch[i : i + batch_size], training=False))
        for i in range(0, len(batch), batch_size)
    ])
    if out.shape[-1] == 1:
        return out[:, 0] if cls == 1 else 1.0 - out[:, 0]
    return out[:, cls]


def occlusion_map(
    model: keras.Model,
    image: Any,
    class_index: int | None = None,
    patch: int = 8,
    stride: int = 4,
    fill: float | None = None,
    batch_size: int = 256,
) -> np.ndarray:
    """How much the class probability drops when a grey patch hides each part of ONE image.

    ``image``: ``(H, W)`` or ``(H, W, C)`` as the model takes it. A ``patch`` × ``patch``
    square filled with ``fill`` (None: the image's mean value) is put with its top-left
    corner at every ``(i, j)`` with ``i`` and ``j`` in ``range(0, H or W, stride)`` (clipped
    at the border). Returns ``(H, W)``: for each pixel, the mean drop ``p(original) −
    p(occluded)`` of the class over the patches that cover it, in [-1, 1] (negative where
    hiding a part makes the class more likely). ``class_index`` None: the predicted class.
    """
    _check_model(model)
    for name, value in (("patch", patch), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} deveria ser um inteiro ≥ 1, mas é {value!r}.")
    x = np.asarray(image, dtype=np.float32)
    try:
        batch = _as_batch(model, x[np.newaxis])
    except ValueError:
        raise ValueError(
            f"occlusion_map recebe UMA imagem, (H, W) ou (H, W, C) como o modelo espera, mas "
            f"image tem formato {x.shape}."
        ) from None
    original = batch[0]
    height, width = original.shape[:2]
    value = float(original.mean()) if fill is None else float(fill)
    if class_index is None:
        out = keras.ops.convert_to_numpy(model(batch, training=False))[0]
        class_index = int(out[0] > 0.5) if out.shape[-1] == 1 else int(out.argmax())
    corners = [(i, j) for i in range(0, height, stride) for j in range(0, width, stride)]
    occluded = np.repeat(batch, len(corners), axis=0)
    for k, (i, j) in enumerate(corners):
        occluded[k, i : i + patch, j : j + patch] = value
    base = _probability(model, batch, class_index, batch_size)[0]
    drops = base - _probability(model, occluded, class_index, batch_size)
    heat = np.zeros((height, width))
    count = np.zeros((height, width))
    for (i, j), drop in zip(corners, drops):
        heat[i : i + patch, j : j + patch] += drop
        count[i : i + patch, j : j + patch] += 1
    return (heat / count).astype(np.float32)


# ---------------------------------------------------------------------------- is it right?
def paste_on_canvas(
    objects: Any, size: int = 64, noise: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Paste each object at a random place on a ``size`` × ``size`` noisy canvas.

    ``objects``: ``(N, h, w)`` grey images (uint8 0..255 or floats in [0, 1]) with a dark
    background, such as Fashion-MNIST. The canvas is Gaussian noise of standard deviation
    ``noise`` clipped to [0, 1]; the object goes on top (the brighter of the two). Returns
    ``canvases`` float32 ``(N, size, size, 1)`` and ``boxes`` int ``(N, 4)``: the object's
    tight box ``(top, left, bottom, right)`` (its pixels brighter than 0.1), on the canvas.
    """
    obj = np.asarray(objects)
    if obj.ndim != 3:
        raise ValueError(f"objects deveria ser um lote (N, h, w), mas tem formato {obj.shape}.")
    obj = obj.astype(np.float32) / (255.0 if np.issubdtype(obj.dtype, np.integer) else 1.0)
    n, h, w = obj.shape
    if size < max(h, w):
        raise ValueError(f"size ({size}) deveria ser pelo menos o tamanho dos objetos {(h, w)}.")
    rng = np.random.default_rng(seed)
    canvases = np.clip(rng.normal(0.0, noise, size=(n, size, size)), 0, 1).astype(np.float32)
    tops = rng.integers(0, size - h + 1, size=n)
    lefts = rng.integers(0, size - w + 1, size=n)
    boxes = np.zeros((n, 4), dtype=np.int64)
    for k in range(n):
        region = canvases[k, tops[k] : tops[k] + h, lefts[k] : lefts[k] + w]
        np.maximum(region, obj[k], out=region)
        rows = np.flatnonzero(obj[k].max(axis=1) > 0.1)
        cols = np.flatnonzero(obj[k].max(axis=0) > 0.1)
        if rows.size == 0:  # an empty object: its whole square
            rows, cols = np.array([0, h - 1]), np.array([0, w - 1])
        boxes[k] = (tops[k] + rows[0], lefts[k] + cols[0],
                    tops[k] + rows[-1] + 1, lefts[k] + cols[-1] + 1)
    return canvases[..., np.newaxis], boxes


def peaks(heatmaps: Any) -> np.ndarray:
    """``(row, column)`` of each map's maximum: ``(N, 2)`` ints (the first one on ties)."""
    maps = np.asarray(heatmaps)
    if maps.ndim != 3:
        raise ValueError(f"heatmaps deveria ter formato (N, H, W), mas tem {maps.shape}.")
    flat = maps.reshape(len(maps), -1).argmax(axis=1)
    return np.stack(np.unravel_index(flat, maps.shape[1:]), axis=1)


def pointing_hits(heatmaps: Any, boxes: Any) -> np.ndarray:
    """The pointing game: for each map, is its maximum inside the box? ``(N,)`` booleans."""
    where = peaks(heatmaps)
    b = np.asarray(boxes)
    if b.shape != (len(where), 4):
        raise ValueError(f"boxes deveria ter formato ({len(where)}, 4), mas tem {b.shape}.")
    rows, cols = where[:, 0], where[:, 1]
    return (b[:, 0] <= rows) & (rows < b[:, 2]) & (b[:, 1] <= cols) & (cols < b[:, 3])


def mass_in_boxes(heatmaps: Any, boxes: Any) -> np.ndarray:
    """Each map's share of its total inside its box: ``(N,)`` in [0, 1]; 0 for an all-zero map.

    Negative values count as zero (maps here are ReLU'd or absolute values anyway).
    """
    maps = np.maximum(np.asarray(heatmaps, dtype=np.float64), 0)
    b = np.asarray(boxes)
    if maps.ndim != 3 or b.shape != (len(maps), 4):
        raise ValueError(f"heatmaps deveria ter formato (N, H, W) e boxes (N, 4), mas têm "
                         f"{maps.shape} e {b.shape}.")
    inside = np.array([m[top:bottom, left:right].sum() for m, (top, left, bottom, right)
                       in zip(maps, b)])
    total = maps.reshape(len(maps), -1).sum(axis=1)
    return np.divide(inside, total, out=np.zeros_like(inside), where=total > 0)


def box_area_fraction(boxes: Any, size: int | Sequence[int]) -> np.ndarray:
    """Each box's share of the canvas: the pointing game's hit rate of a random point."""
    b = np.asarray(boxes)
    height, width = (size, size) if np.ndim(size) == 0 else size
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) / (height * width)


def randomized_copy(model: keras.Model, seed: int = 0) -> keras.Model:
    """The same architecture with freshly initialised (random) weights: Adebayo et al.'s check.

    Seeds Keras (and so NumPy and Python) with ``seed`` first, so the copy is reproducible.
    Use a seed other than the one the model was built with: the same seed draws the model's
    own initial weights again, and the check would compare it with its starting point.
    """
    _check_model(model)
    keras.utils.set_random_seed(seed)
    return keras.models.clone_model(model)


def _weight_groups(model: keras.Model) -> list[list[keras.layers.Layer]]:
    """The model's layers with weights, input to output; a BatchNormalization joins the layer
    before it (a convolution and its normalisation are randomised together)."""
    groups: list[list[keras.layers.Layer]] = []
    for layer in model.layers:
        if not layer.weights:
            continue
        if isinstance(layer, keras.layers.BatchNormalization) and groups:
            groups[-1].append(layer)
        else:
            groups.append([layer])
    return groups


def cascading_randomization(model: keras.Model, seed: int = 0
                            ) -> Iterator[tuple[str, keras.Model]]:
    """Adebayo et al.'s cascading randomisation: re-initialise the weighted layers one at a time
    from the top (output) down, cumulatively, yielding ``(label, copy)`` after each.

    The label is the layer's type and its number among the layers of that type, counted from
    the input (``"Conv2D 4"``, ``"Dense 1"``): Keras' default names change with every model.

    The copy starts with ``model``'s weights; after the last step every weight is the one of
    :func:`randomized_copy` with the same ``seed``. The same copy is yielded each time,
    changed in place: compute its maps before asking for the next step. ``model`` is untouched.
    A BatchNormalization is randomised with the layer before it.
    """
    _check_model(model)
    fresh = randomized_copy(model, seed)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    groups = _weight_groups(model)
    kinds = [type(group[0]).__name__ for group in groups]
    labels = [f"{kind} {kinds[: k + 1].count(kind)}" for k, kind in enumerate(kinds)]
    for group, label in zip(reversed(groups), reversed(labels)):
        for layer in group:
            copy.get_layer(layer.name).set_weights(fresh.get_layer(layer.name).get_weights())
        yield label, copy


def rank_correlation(maps_a: Any, maps_b: Any) -> np.ndarray:
    """Spearman rank correlation between paired maps ``(N, H, W)``: ``(N,)``, NaN for a flat map."""
    from scipy.stats import spearmanr

    a, b = np.asarray(maps_a), np.asarray(maps_b)
    if a.shape != b.shape or a.ndim != 3:
        raise ValueError(
            f"os mapas deveriam ter o mesmo formato (N, H, W), mas têm {a.shape} e {b.shape}."
        )
    out = np.full(len(a), np.nan)
    for k in range(len(a)):
        if np.ptp(a[k]) > 0 and np.ptp(b[k]) > 0:
            out[k] = spearmanr(a[k].ravel(), b[k].ravel()).statistic
    return out
