"""Numbers for a Brazilian reader: thousands with a dot, decimals with a comma."""

import numpy as np
import pytest

from course_utils.fmt import num, pct, tick_formatter


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (60000, None, "60.000"),
        (np.int64(138357544), None, "138.357.544"),
        (-1234567, None, "-1.234.567"),
        (32112.64, 2, "32.112,64"),
        (0.93, None, "0,93"),
        (0.0316, None, "0,0316"),
        (123.456, None, "123,5"),
        (4800.0, None, "4.800"),
        (0.5, 2, "0,50"),
        (np.float32(0.25), None, "0,25"),
        (0, None, "0"),
        (1e-7, None, "1e-07"),
        (float("inf"), None, "∞"),
    ],
)
def test_num_writes_brazilian_separators(value, decimals, expected):
    assert num(value, decimals) == expected


def test_pct_multiplies_by_100_and_spaces_the_sign():
    assert pct(0.934) == "93,4 %"
    assert pct(0.5, 0) == "50 %"


@pytest.mark.parametrize("bad", ["0.5", None, True, [1]])
def test_num_refuses_what_is_not_a_number(bad):
    with pytest.raises(TypeError, match="número real"):
        num(bad)


@pytest.mark.parametrize("decimals", [-1, 1.5, True])
def test_num_refuses_bad_decimals(decimals):
    with pytest.raises(ValueError, match="decimals"):
        num(1.0, decimals)


def test_tick_formatter_uses_a_comma():
    assert tick_formatter(2)(0.25, 0) == "0,25"
    assert tick_formatter()(1500, 0) == "1.500"
