"""The lessons' schematic drawings: the numbers they write are the ones computed."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils import diagrams


def texts(fig):
    """Every text of a figure: axes texts, titles and the suptitle."""
    found = [t.get_text() for ax in fig.axes for t in ax.texts]
    found += [ax.get_title() for ax in fig.axes]
    return found + ([fig._suptitle.get_text()] if fig._suptitle else [])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_neuron_writes_weighted_sum_and_activation_in_brazilian_numbers():
    fig = diagrams.draw_neuron([0.5, 1.0, 0.2], [0.8, -0.4, 1.5], 0.1)
    written = texts(fig)
    z = 0.5 * 0.8 - 0.4 + 0.2 * 1.5 + 0.1
    assert np.isclose(z, 0.4)
    assert "Σ + b\nz = 0,40" in written and "a = 0,40" in written
    assert "$w_2$ = -0,4" in written and "viés b = 0,1" in written


def test_neuron_output_follows_the_activation():
    fig = diagrams.draw_neuron([1.0, 1.0], [-1.0, -1.0], 0.0, activation="sigmoide")
    assert "a = 0,12" in texts(fig)  # sigmoide(-2) = 0,119
    fig = diagrams.draw_neuron([1.0, 1.0], [-1.0, -1.0], 0.0, activation="ReLU")
    assert "a = 0,00" in texts(fig)


@pytest.mark.parametrize(
    "inputs, weights, activation",
    [([1, 2], [1], "ReLU"), ([1], [1], "ReLU"), ([1, 2], [1, 2], "tanh")],
)
def test_neuron_rejects_mismatched_inputs_or_unknown_activation(inputs, weights, activation):
    with pytest.raises(ValueError):
        diagrams.draw_neuron(inputs, weights, 0.0, activation)


def test_rgb_filter_counts_the_numbers_of_one_filter():
    written = " ".join(texts(diagrams.draw_rgb_filter(32, 5, 3)))
    assert "75 números" in written and "filtro 5×5×3" in written and "28×28×1" in written
    assert "27 números" in " ".join(texts(diagrams.draw_rgb_filter(10, 3, 3)))


def test_receptive_field_names_shared_weights_and_the_dense_count():
    written = " ".join(texts(diagrams.draw_receptive_field(8, 3)))
    assert "9 pesos" in written and "saída 6×6" in written and "64 pesos só dela" in written


@pytest.mark.parametrize("call", [lambda: diagrams.draw_rgb_filter(4, 5),
                                  lambda: diagrams.draw_receptive_field(3, 3)])
def test_impossible_sizes_are_rejected(call):
    with pytest.raises(ValueError):
        call()
