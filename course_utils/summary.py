"""A compact model summary: one row per block of layers instead of one per layer.

``model.summary()`` of a deep network runs over pages (35 rows for lesson 12's model).
:func:`summary_by_block` groups the layers the way the lessons describe the architecture:
a block runs up to and including a pooling or ``Flatten`` layer (and the dropout or
normalization right after it), every ``Dense`` starts a block of its own (with the
normalization and dropout that follow it), and a nested model
(a pre-trained base such as VGG16) is a single block. Each row names the layers (repeated
ones counted: ``Conv2D ×2``), the block's output shape and its number of parameters, written
for a Brazilian reader (``3.496.513``) but still an ``int`` for arithmetic and comparisons.
"""

from __future__ import annotations

from typing import Any

import keras
import pandas as pd

from course_utils import fmt

ENDS_BLOCK = ("Pooling1D", "Pooling2D", "Pooling3D", "Flatten")
"""Layer class names (suffixes) after which a block closes."""

STARTS_BLOCK = ("Dense",)
"""Layer class names that open a new block."""

JOINS_PREVIOUS = ("Dropout", "SpatialDropout2D", "BatchNormalization", "Activation", "ReLU")
"""Layers that, right after a block closed, still belong to it (``MaxPooling2D → Dropout``)."""

COLUMNS = ("camadas", "formato da saída", "parâmetros")
"""Column names of the table (Portuguese: the students read it)."""


class ParameterCount(int):
    """An ``int`` that prints with a dot between thousands (``3.496.513``), via :mod:`fmt`."""

    def __repr__(self) -> str:
        return fmt.num(int(self))

    __str__ = __repr__


def _layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The model's layers in order, without the ``InputLayer``."""
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _blocks(layers: list[keras.layers.Layer]) -> list[list[keras.layers.Layer]]:
    """Split consecutive layers into blocks (see the module's description)."""
    blocks: list[list[keras.layers.Layer]] = []
    current: list[keras.layers.Layer] = []
    for layer in layers:
        kind = type(layer).__name__
        nested = isinstance(layer, keras.Model)
        if not current and blocks and kind in JOINS_PREVIOUS:
            blocks[-1].append(layer)
            continue
        if current and (nested or kind in STARTS_BLOCK):
            blocks.append(current)
            current = []
        current.append(layer)
        if nested or kind.endswith(ENDS_BLOCK):
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _describe(block: list[keras.layers.Layer]) -> str:
    """``"Conv2D ×2 → MaxPooling2D"``: layer kinds in order, runs counted."""
    names = [layer.name if isinstance(layer, keras.Model) else type(layer).__name__
             for layer in block]
    runs: list[list[Any]] = []
    for name in names:
        if runs and runs[-1][0] == name:
            runs[-1][1] += 1
        else:
            runs.append([name, 1])
    return " → ".join(name if count == 1 else f"{name} ×{count}" for name, count in runs)


def _shape(layer: keras.layers.Layer) -> str:
    """The layer's output shape with the batch axis written as ``None``."""
    return str(tuple(layer.output.shape))


def summary_by_block(model: keras.Model) -> pd.DataFrame:
    """One row per block: its layers, output shape and parameter count; a total row last.

    The model must be built (have an ``Input``). The index counts blocks from 1; the last
    row, ``"total"``, sums the parameters, which equal ``model.count_params()``.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"esperava um modelo do Keras, recebi {type(model).__name__}")
    if not model.built or not _layers(model):
        raise ValueError(
            "o modelo ainda não tem camadas construídas: comece-o com keras.Input (ou chame-o "
            "uma vez com um lote) antes de resumi-lo"
        )
    blocks = _blocks(_layers(model))
    counts = [ParameterCount(sum(layer.count_params() for layer in block)) for block in blocks]
    counts.append(ParameterCount(sum(counts)))
    table = pd.DataFrame(
        {COLUMNS[0]: [_describe(block) for block in blocks] + [""],
         COLUMNS[1]: [_shape(block[-1]) for block in blocks] + [""],
         # object dtype keeps the ParameterCount values (pandas would make them int64)
         COLUMNS[2]: pd.Series(counts, dtype=object).to_numpy()},
        index=pd.Index([*range(1, len(blocks) + 1), "total"], name="bloco"),
    )
    return table
