"""The shared model builder of lessons 05 and 06."""

import numpy as np
import pytest

from course_utils.models import build_mnist_cnn


def test_default_model_is_the_hands_on_cnn():
    model = build_mnist_cnn()
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["InputLayer", "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D",
                     "Flatten", "Dropout", "Dense"]
    assert model.output_shape == (None, 10)
    # (3·3·1+1)·32 + (3·3·32+1)·64 + (5·5·64+1)·10
    assert model.count_params() == 10 * 32 + 289 * 64 + 1601 * 10


def test_filters_and_activation_are_used():
    model = build_mnist_cnn(filters=(8, 16, 24), activation="tanh")
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [c.filters for c in convs] == [8, 16, 24]
    assert all(c.get_config()["activation"] == "tanh" for c in convs)
    probabilities = model.predict(np.zeros((2, 28, 28, 1), np.float32), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"input_shape": (28, 28)}, "input_shape"),
        ({"filters": ()}, "filters"),
        ({"filters": (8, 0)}, "filters"),
        ({"dropout": 1.0}, "dropout"),
        ({"num_classes": 1}, "num_classes"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_mnist_cnn(**kwargs)
