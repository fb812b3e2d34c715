"""summary_by_block: one row per block, parameters that add up to the model's."""

import keras
import pytest

from course_utils.summary import summary_by_block
from course_utils.xray import build_xray_model


def small_cnn():
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Rescaling(1 / 255),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])


def test_small_cnn_is_grouped_by_pooling_and_dense():
    model = small_cnn()
    table = summary_by_block(model)
    assert list(table["camadas"])[:-1] == [
        "Rescaling → Conv2D ×2 → MaxPooling2D",
        "Conv2D → MaxPooling2D",
        "Flatten",
        "Dense → Dropout",
        "Dense",
    ]
    assert table.loc[1, "formato da saída"] == "(None, 12, 12, 8)"
    assert table.loc[5, "formato da saída"] == "(None, 10)"
    assert table.loc[4, "parâmetros"] == 400 * 32 + 32
    assert table.loc["total", "parâmetros"] == model.count_params()
    assert table.index.name == "bloco"


def test_lesson_10_model_fits_in_a_dozen_rows():
    model = build_xray_model((32, 32))
    table = summary_by_block(model)
    assert len(model.layers) > 30 and len(table) <= 12
    assert table.loc["total", "parâmetros"] == model.count_params()
    assert "SeparableConv2D ×2 → BatchNormalization → MaxPooling2D" in set(table["camadas"])
    assert "SeparableConv2D ×2 → BatchNormalization → MaxPooling2D → Dropout" in set(
        table["camadas"]
    )  # the dropout after a pooling belongs to the block it closes


def test_nested_model_is_one_block():
    base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3)], name="base")
    model = keras.Sequential([keras.Input((8, 8, 3)), base, keras.layers.Flatten(),
                              keras.layers.Dense(2)])
    table = summary_by_block(model)
    assert list(table["camadas"])[:-1] == ["base", "Flatten", "Dense"]
    assert table.loc[1, "parâmetros"] == base.count_params()


def test_unbuilt_model_and_non_model_are_rejected():
    with pytest.raises(ValueError, match="keras.Input"):
        summary_by_block(keras.Sequential([keras.layers.Dense(2)]))
    with pytest.raises(TypeError, match="modelo do Keras"):
        summary_by_block("modelo")


def test_parameter_counts_print_for_a_brazilian_reader_and_stay_ints():
    model = keras.Sequential([keras.Input((100,)), keras.layers.Dense(20000)])
    table = summary_by_block(model)
    total = table.loc["total", "parâmetros"]
    assert total == 2_020_000 and isinstance(total, int) and total + 1 == 2_020_001
    assert "2.020.000" in table.to_string() and "2.020.000" in table.to_html()
