"""Numbers written for a Brazilian reader: ``60.000``, ``0,93``, ``32.112,64``, ``93,4 %``.

Everything a student reads (notebook prose computed in a cell, printed sentences, check
messages, plot titles, legends and tick labels) goes through these functions instead of
``f"{n:,}"``, which writes the English ``60,000``. Values a student types back into code (a
learning rate passed to a call, ``0.001``) keep Python's dot: they are code, not prose.

>>> num(60000)
'60.000'
>>> num(32112.6412, 2)
'32.112,64'
>>> pct(0.934)
'93,4 %'
"""

from __future__ import annotations

import math
from numbers import Integral, Real

from matplotlib.ticker import FuncFormatter

__all__ = ["num", "pct", "tick_formatter"]


def _check_real(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} deve ser um número real, recebi {value!r}")
    return float(value)


def num(value: float, decimals: int | None = None) -> str:
    """``value`` with ``.`` between thousands and ``,`` before the decimals.

    ``decimals=None`` writes an integral value without decimals and any other value with four
    significant digits, trailing zeros dropped (``0,93``, ``0,0316``, ``123,5``); an int gives
    the number of decimals exactly (``num(0.5, 2) == "0,50"``). Very small or large values keep
    scientific notation with a comma (``1e-07``, ``1,5e+10``).
    """
    x = _check_real(value, "value")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int)
                                 or decimals < 0):
        raise ValueError(f"decimals deve ser um inteiro não negativo ou None, recebi {decimals!r}")
    if not math.isfinite(x):
        return {math.inf: "∞", -math.inf: "−∞"}.get(x, "NaN")
    if decimals is None:
        if isinstance(value, Integral) or x.is_integer() and abs(x) < 1e15:
            decimals = 0
        elif x != 0 and not 1e-4 <= abs(x) < 1e15:
            return f"{x:.3g}".replace(".", ",")
        else:
            text = f"{x:,.{max(0, 4 - math.floor(math.log10(abs(x))) - 1)}f}" if x else "0"
            text = text.rstrip("0").rstrip(".") if "." in text else text
            return _swap(text)
    return _swap(f"{x:,.{decimals}f}")


def _swap(text: str) -> str:
    """English separators (``1,234.5``) to Brazilian ones (``1.234,5``)."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def pct(fraction: float, decimals: int = 1) -> str:
    """A fraction as a Brazilian percentage: ``pct(0.934) == "93,4 %"``."""
    return f"{num(100 * _check_real(fraction, 'fraction'), decimals)} %"


def tick_formatter(decimals: int | None = None) -> FuncFormatter:
    """A Matplotlib tick formatter writing :func:`num` (``ax.yaxis.set_major_formatter(...)``)."""
    return FuncFormatter(lambda value, _position: num(value, decimals))
