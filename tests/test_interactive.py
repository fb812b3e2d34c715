"""Lesson 02's convolution explorer and the stride/padding picture."""

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from course_utils import conv, interactive
from course_utils.interactive import ConvolutionState, formula_lines

IMAGE = np.arange(25, dtype=float).reshape(5, 5)
KERNEL = np.array([[1.0, 0, -1], [1, 0, -1], [1, 0, -1]])


def test_state_output_and_window_follow_stride_and_padding():
    state = ConvolutionState(IMAGE, KERNEL, stride=2, padding=1, row=1, col=2)
    np.testing.assert_array_equal(state.output, conv.conv2d(IMAGE, KERNEL, stride=2, padding=1))
    np.testing.assert_array_equal(state.window, conv.pad(IMAGE, 1)[2:5, 4:7])
    assert state.output[1, 2] == np.sum(state.window * KERNEL)


def test_clamped_moves_the_position_inside_the_output():
    state = ConvolutionState(IMAGE, KERNEL, stride=2, row=5, col=-1).clamped()
    assert (state.row, state.col) == (1, 0)


def test_formula_lines_show_the_products_and_the_size():
    state = ConvolutionState(IMAGE, KERNEL, row=0, col=1)
    value_line, size_line = formula_lines(state)
    assert value_line.startswith("saída[0, 1] = ")
    assert "1·1 + 2·0 + 3·-1" in value_line
    assert value_line.endswith(f"= {conv.conv2d(IMAGE, KERNEL)[0, 1]:g}")
    assert size_line.endswith("= 3")


def test_formula_writes_decimals_with_a_comma():
    value_line, _ = formula_lines(ConvolutionState(IMAGE / 4, KERNEL, row=0, col=0))
    assert "0,5·-1" in value_line and "0.5" not in value_line


def test_formula_says_when_a_window_is_dropped():
    image = np.zeros((6, 6))
    _, size_line = formula_lines(ConvolutionState(image, KERNEL, stride=2))
    assert "= 2,5 → 2" in size_line and "descartada" in size_line


def test_convolution_figure_has_input_filter_and_output_panels():
    fig = interactive.convolution_figure(ConvolutionState(IMAGE, KERNEL, stride=2, padding=1))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["entrada com preenchimento P = 1", "filtro", "saída 3×3 (passo S = 2)"]


def test_stride_padding_picture_names_each_output_size():
    fig = interactive.show_stride_padding(5, 3, [(1, 0), (2, 0), (1, 1), (2, 1)])
    assert [ax.get_title() for ax in fig.axes] == [
        "S = 1, P = 0: saída 3×3", "S = 2, P = 0: saída 2×2",
        "S = 1, P = 1: saída 5×5", "S = 2, P = 1: saída 3×3",
    ]


def test_outside_a_kernel_the_explorer_shows_a_static_figure(capsys):
    assert interactive.explore_convolution(IMAGE, KERNEL) is None


def test_widgets_drive_the_state():
    pytest.importorskip("ipywidgets")
    explorer = interactive.ConvolutionExplorer(IMAGE, KERNEL)
    assert (explorer.row.max, explorer.col.max) == (2, 2)
    explorer.col.value = 2
    explorer.stride.value = 2
    assert explorer.state.stride == 2 and (explorer.row.max, explorer.col.max) == (1, 1)
    assert explorer.state.col == 1  # moved back inside the smaller output
    explorer.padding.value = 1
    assert explorer.state.output.shape == (3, 3)
    explorer.cells[0][0].value = 5.0
    assert explorer.state.kernel[0, 0] == 5.0
    expected = conv.conv2d(IMAGE, explorer.state.kernel, stride=2, padding=1)
    np.testing.assert_array_equal(explorer.state.output, expected)


def contrast_ratio(a, b):
    """WCAG contrast ratio of two RGB colours (1 = none, 21 = black on white)."""
    def luminance(color):
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                    for c in to_rgb(color)]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("cmap", ["gray", "coolwarm", "viridis", "Greys"])
def test_every_cell_text_contrasts_with_its_background(cmap):
    values = conv.pad(np.linspace(-3, 255, 25).reshape(5, 5), 1)
    for row in interactive.cell_colors(values, padding=1, cmap=cmap):
        for background, color in row:
            assert contrast_ratio(background, color) >= 4.5, (cmap, background, color)


def test_text_is_dark_on_white_and_light_grey_cells_and_white_on_black():
    assert interactive.text_color("white") == "black"
    assert interactive.text_color(interactive.PAD_COLOR) == "black"
    assert interactive.text_color("black") == "white"


def test_the_figure_writes_each_value_in_its_cell_colour():
    state = ConvolutionState(IMAGE * 10, KERNEL, padding=1)
    fig = interactive.convolution_figure(state)
    expected = interactive.cell_colors(state.padded, 1, "gray")
    texts = fig.axes[0].texts
    assert len(texts) == state.padded.size
    for text in texts:
        c, r = (int(round(v)) for v in text.get_position())
        assert text.get_color() == expected[r][c][1]
    assert {t.get_color() for t in texts} == {"black", "white"}


@pytest.mark.parametrize(
    "image, kernel, message",
    [(np.zeros((5, 5, 3)), KERNEL, "2-D"), (np.zeros((2, 2)), KERNEL, "não cabe")],
)
def test_bad_image_or_filter_is_named(image, kernel, message):
    with pytest.raises(ValueError, match=message):
        interactive.explore_convolution(image, kernel)


@pytest.mark.parametrize("case", [(0, 0), (1, -1)])
def test_impossible_stride_or_padding_is_named(case):
    with pytest.raises(ValueError, match="impossível"):
        interactive.show_stride_padding(5, 3, [case])
