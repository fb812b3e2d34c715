"""NumPy reference for lesson 02, "Convolução à mão": convolution, padding and pooling;
and for lesson 05, "Retropropagação": the convolution's backward pass (``conv2d_backward``).

Everything follows the lecture equation (0-indexed, stride ``S``)::

    (A * w)[i, j, o] = sum_i' sum_j' sum_c  A[i*S + i', j*S + j', c] * w[i', j', c, o]  + b[o]

Like every deep-learning framework this is *cross-correlation*: the kernel is not
flipped. Layouts are TensorFlow's: images ``(H, W, C)``, kernels ``(F, F, C_in, C_out)``.
``conv2d`` is the fast, vectorised version; ``conv2d_loop`` is the same thing written
with plain loops, the way you would write it by hand. Both match ``tf.nn.conv2d``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Padding = str | int


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0) elementwise. ``relu(np.array([-1, 2]))`` -> ``[0, 2]``."""
    return np.maximum(x, 0)


def output_size(w: int, f: int, s: int = 1, p: int = 0) -> int:
    """Output size ``(W1 - F + 2P) / S + 1``. ``output_size(32, 5, 1, 2)`` -> ``32``.

    Raises ValueError when the division is not exact or the result is not positive.
    """
    _check_positive_int("s", s)
    num = w - f + 2 * p
    size = num / s + 1
    if num % s != 0:
        raise ValueError(f"tamanho da saída ({w} - {f} + 2*{p})/{s} + 1 = {num}/{s} + 1 = "
                         f"{size:g} não é inteiro: esse passo não cabe na imagem")
    if size < 1:
        raise ValueError(f"tamanho da saída ({w} - {f} + 2*{p})/{s} + 1 = {size:g} não é "
                         "positivo: o filtro é maior que a imagem com preenchimento")
    return int(size)


def same_padding(size: int, f: int, s: int) -> tuple[int, int]:
    """Zeros (before, after) that TensorFlow's ``padding="same"`` adds along one axis.

    The output has ``ceil(size / s)`` positions; an odd total puts the extra zero
    after (bottom/right). ``same_padding(6, 3, 2)`` -> ``(0, 1)``.
    """
    out = -(-size // s)  # ceil(size / s)
    total = max((out - 1) * s + f - size, 0)
    return total // 2, total - total // 2


def pad(image: np.ndarray, p: int | tuple[tuple[int, int], tuple[int, int]]) -> np.ndarray:
    """Zero-pad the two spatial axes of ``(H, W)`` or ``(H, W, C)``; channels untouched.

    ``p`` is an int (same on every side) or ``((top, bottom), (left, right))``.
    ``pad(np.ones((2, 2)), 1).shape`` -> ``(4, 4)``.
    """
    image = np.asarray(image)
    widths = ((p, p), (p, p)) if isinstance(p, (int, np.integer)) else tuple(p)
    return np.pad(image, widths + ((0, 0),) * (image.ndim - 2))


def conv2d(image: np.ndarray, kernels: np.ndarray, bias: float | np.ndarray | None = None,
           stride: int = 1, padding: Padding = "valid") -> np.ndarray:
    """Vectorised 2-D convolution (cross-correlation), same result as ``tf.nn.conv2d``.

    image: ``(H, W)`` or ``(H, W, C_in)``. kernels: ``(F, F)`` (one filter, one channel)
    or ``(F, F, C_in, C_out)``; rectangular ``F_h x F_w`` also works. bias: scalar or
    ``(C_out,)``. padding: ``"valid"``, ``"same"`` (exactly as TensorFlow) or an int P.
    Returns ``(H2, W2)`` for a 2-D image with a 2-D kernel, otherwise ``(H2, W2, C_out)``.

    >>> conv2d(np.array([[1, 2]]), np.array([[1, -1]]))
    array([[-1]])
    """
    x, w, b, s, squeeze = _prepare(image, kernels, bias, stride, padding)
    # windows[i, j, c, i', j'] = x[i + i', j + j', c]; keep every S-th window
    windows = sliding_window_view(x, w.shape[:2], axis=(0, 1))[::s, ::s]
    out = np.einsum("ijcab,abco->ijo", windows, w, optimize=True) + b
    return out[:, :, 0] if squeeze else out


def conv2d_loop(image: np.ndarray, kernels: np.ndarray, bias: float | np.ndarray | None = None,
                stride: int = 1, padding: Padding = "valid") -> np.ndarray:
    """Same as :func:`conv2d`, written with loops that read like the equation (slow)."""
    A, w, b, S, squeeze = _prepare(image, kernels, bias, stride, padding)
    H, W, C_in = A.shape
    F_h, F_w, _, C_out = w.shape
    H2 = (H - F_h) // S + 1
    W2 = (W - F_w) // S + 1
    out = np.zeros((H2, W2, C_out), dtype=np.result_type(A, w, b))
    for i in range(H2):
        for j in range(W2):
            for o in range(C_out):
                total = 0
                for di in range(F_h):
                    for dj in range(F_w):
                        for c in range(C_in):
                            total += A[i * S + di, j * S + dj, c] * w[di, dj, c, o]
                out[i, j, o] = total + b[o]
    return out[:, :, 0] if squeeze else out


def pool2d(image: np.ndarray, size: int = 2, stride: int = 2, mode: str = "max") -> np.ndarray:
    """Max or average pooling of each channel, "valid" padding (Keras' default).

    image: ``(H, W)`` or ``(H, W, C)``; output ``(H2, W2)`` or ``(H2, W2, C)`` with
    ``H2 = (H - size) // stride + 1``. ``pool2d(np.arange(16).reshape(4, 4))`` -> ``[[5, 7], [13, 15]]``.
    """
    image = np.asarray(image)
    _check_image(image)
    _check_positive_int("size", size)
    _check_positive_int("stride", stride)
    if mode not in ("max", "avg"):
        raise ValueError(f"modo de pooling desconhecido {mode!r}: use 'max' ou 'avg'")
    if size > min(image.shape[:2]):
        raise ValueError(
            f"janela de pooling {size} maior que a imagem {image.shape[0]}x{image.shape[1]}"
        )
    windows = sliding_window_view(image, (size, size), axis=(0, 1))[::stride, ::stride]
    reduce = np.max if mode == "max" else np.mean
    return reduce(windows, axis=(-2, -1))


def conv2d_backward(x: np.ndarray, w: np.ndarray, grad_out: np.ndarray, stride: int = 1,
                    padding: Padding = "valid") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients ``(dx, dw, db)`` of ``y = conv2d(x, w) + b`` given ``grad_out = dL/dy``.

    x: ``(N, H, W, C_in)`` (NHWC) or one image ``(H, W, C_in)``; w: ``(F_h, F_w, C_in, C_out)``;
    grad_out: the shape of ``y``, ``(N, H2, W2, C_out)`` or ``(H2, W2, C_out)``. padding:
    ``"valid"``, ``"same"`` (TensorFlow's, the extra zero after at stride 2) or an int P.
    Returns dx like x, dw like w and db of shape ``(C_out,)``: the gradients
    ``tf.GradientTape`` gives for ``tf.nn.conv2d``. Both are written with :func:`conv2d`:

    * ``dw`` is the correlation of the (padded) input with the upstream gradient, each
      gradient element spread ``stride`` apart (zeros in between) and summed over the batch;
    * ``dx`` is a "full" convolution of that spread gradient, padded with ``F - 1`` zeros,
      with the kernel turned 180° and its two channel axes swapped; the padding's rows and
      columns are then cut off.
    """
    x, w, grad_out = np.asarray(x), np.asarray(w), np.asarray(grad_out)
    if x.ndim not in (3, 4):
        raise ValueError(f"x deve ter formato (N, H, W, C_in) ou (H, W, C_in), mas tem {x.shape}")
    if w.ndim != 4:
        raise ValueError(f"w deve ter formato (F, F, C_in, C_out), mas tem {w.shape}")
    if x.shape[-1] != w.shape[2]:
        raise ValueError(f"canais não batem: x tem {x.shape[-1]} canais, "
                         f"mas w espera C_in = {w.shape[2]}")
    single = x.ndim == 3
    batch, grads = (x[None], grad_out[None]) if single else (x, grad_out)
    padded = np.stack([_prepare(image, w, None, stride, padding)[0] for image in batch])
    y_shape = (len(batch),) + conv2d(padded[0], w, stride=stride).shape
    if grads.shape != y_shape:
        want = y_shape[1:] if single else y_shape
        raise ValueError(f"grad_out deve ter o formato da saída da convolução, {want}, "
                         f"mas tem {grad_out.shape}")
    F_h, F_w = w.shape[:2]
    spread = _spread(grads, stride)  # (N, (H2-1)S+1, (W2-1)S+1, C_out)
    # dw[a, b, c, o] = sum_n,u,v padded[n, u + a, v + b, c] * spread[n, u, v, o]
    images = padded.transpose(1, 2, 0, 3)  # (Hp, Wp, N, C_in): the batch becomes channels
    kernels = spread.transpose(1, 2, 0, 3)  # (H_s, W_s, N, C_out)
    dw = np.stack([conv2d(images[..., c], kernels)[:F_h, :F_w] for c in range(w.shape[2])],
                  axis=2)
    # dx_padded = full convolution of spread with w turned 180°, channels swapped; the
    # rows/columns that no window reached (when S does not divide) get zeros at the end.
    rest_h = padded.shape[1] - (spread.shape[1] + F_h - 1)
    rest_w = padded.shape[2] - (spread.shape[2] + F_w - 1)
    flipped = w[::-1, ::-1].transpose(0, 1, 3, 2)
    dx_padded = np.stack([conv2d(pad(g, ((F_h - 1, F_h - 1 + rest_h), (F_w - 1, F_w - 1 + rest_w))),
                                 flipped) for g in spread])
    (top, bottom), (left, right) = (_pad_widths(x.shape[-3], F_h, stride, padding),
                                    _pad_widths(x.shape[-2], F_w, stride, padding))
    dx = dx_padded[:, top:dx_padded.shape[1] - bottom, left:dx_padded.shape[2] - right]
    db = grads.sum(axis=(0, 1, 2))
    return (dx[0] if single else dx), dw, db


def _spread(grads: np.ndarray, stride: int) -> np.ndarray:
    """``(N, H2, W2, C)`` with ``stride - 1`` zeros between neighbours on both spatial axes."""
    n, h, w, c = grads.shape
    out = np.zeros((n, (h - 1) * stride + 1, (w - 1) * stride + 1, c), dtype=grads.dtype)
    out[:, ::stride, ::stride] = grads
    return out


def _pad_widths(size: int, f: int, stride: int, padding: Padding) -> tuple[int, int]:
    """Zeros (before, after) that :func:`conv2d` adds along one axis (padding already valid)."""
    if isinstance(padding, str):
        return same_padding(size, f, stride) if padding.lower() == "same" else (0, 0)
    return int(padding), int(padding)


# ---- validation shared by conv2d and conv2d_loop ------------------------------------

def _check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} deve ser um inteiro positivo, recebi {value!r}")


def _check_image(image: np.ndarray) -> None:
    if image.ndim not in (2, 3):
        raise ValueError(
            f"image deve ser 2-D (H, W) ou 3-D (H, W, C), mas tem formato {image.shape}"
        )


def _prepare(image, kernels, bias, stride, padding):
    """Validate; return image (H, W, C), kernels (F, F, C_in, C_out), bias (C_out,), S, squeeze."""
    x, w = np.asarray(image), np.asarray(kernels)
    _check_image(x)
    if w.ndim not in (2, 4):
        raise ValueError(f"kernels deve ter formato (F, F) ou (F, F, C_in, C_out), mas tem "
                         f"{w.shape} (para um filtro sobre C canais use kernels[..., None])")
    _check_positive_int("stride", stride)
    squeeze = x.ndim == 2 and w.ndim == 2
    x = x[:, :, None] if x.ndim == 2 else x
    w = w[:, :, None, None] if w.ndim == 2 else w
    if x.shape[2] != w.shape[2]:
        raise ValueError(f"canais não batem: a imagem tem {x.shape[2]} canais, "
                         f"mas kernels espera C_in = {w.shape[2]}")
    b = np.zeros(w.shape[3], dtype=w.dtype) if bias is None else np.asarray(bias)
    if b.shape not in ((), (w.shape[3],)):
        raise ValueError(
            f"bias deve ser um escalar ou ter formato ({w.shape[3]},), mas tem {b.shape}"
        )
    b = np.broadcast_to(b, (w.shape[3],))
    if isinstance(padding, str) and padding.lower() == "same":
        x = pad(x, (same_padding(x.shape[0], w.shape[0], stride),
                    same_padding(x.shape[1], w.shape[1], stride)))
    elif isinstance(padding, (int, np.integer)) and not isinstance(padding, bool) and padding >= 0:
        x = pad(x, int(padding))
    elif not (isinstance(padding, str) and padding.lower() == "valid"):
        raise ValueError(
            f"padding deve ser 'valid', 'same' ou um inteiro P >= 0, recebi {padding!r}"
        )
    if w.shape[0] > x.shape[0] or w.shape[1] > x.shape[1]:
        raise ValueError(f"filtro {w.shape[0]}x{w.shape[1]} maior que a imagem (com "
                         f"preenchimento) {x.shape[0]}x{x.shape[1]}")
    return x, w, b, stride, squeeze
