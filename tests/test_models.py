"""The shared model builders: lessons 06 and 07 (build_mnist_cnn), 11 (build_resnet)."""

import keras
import numpy as np
import pytest

from course_utils.models import build_mnist_cnn, build_resnet


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


def test_grown_model_has_blocks_batch_norm_and_hidden_dense():
    model = build_mnist_cnn(
        filters=(8, 16), padding="same", convs_per_block=2, batch_norm=True, dense_units=32,
        block_dropout=0.25,
    )
    kinds = [type(layer).__name__ for layer in model.layers]
    conv_bn_act = ["Conv2D", "BatchNormalization", "Activation"]
    assert kinds == ["InputLayer", *conv_bn_act, *conv_bn_act, "MaxPooling2D", "Dropout",
                     *conv_bn_act, *conv_bn_act, "MaxPooling2D", "Dropout", "Flatten",
                     "Dense", "BatchNormalization", "Activation", "Dropout", "Dense"]
    # "same" keeps 28×28 through the convs: two poolings give 7×7×16 to the hidden layer
    convs = 9 * 1 * 8 + 9 * 8 * 8 + 9 * 8 * 16 + 9 * 16 * 16  # no biases: BN has β
    batch_norms = 4 * (8 + 8 + 16 + 16 + 32)
    dense = 7 * 7 * 16 * 32 + (32 + 1) * 10
    assert model.count_params() == convs + batch_norms + dense
    rates = [layer.rate for layer in model.layers if type(layer).__name__ == "Dropout"]
    assert rates == [0.25, 0.25, 0.5]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"input_shape": (28, 28)}, "input_shape"),
        ({"filters": ()}, "filters"),
        ({"filters": (8, 0)}, "filters"),
        ({"dropout": 1.0}, "dropout"),
        ({"num_classes": 1}, "num_classes"),
        ({"padding": "full"}, "padding"),
        ({"convs_per_block": 0}, "convs_per_block"),
        ({"dense_units": -1}, "dense_units"),
        ({"block_dropout": 1.0}, "block_dropout"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_mnist_cnn(**kwargs)


def test_cifar_lecture_model_matches_lecture_002():
    from course_utils.models import build_cifar_lecture_model

    model = build_cifar_lecture_model()
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [(c.filters, c.kernel_size, c.strides) for c in convs] == [
        (32, (3, 3), (2, 2)), (64, (3, 3), (2, 2)), (128, (3, 3), (2, 2))]
    # 32→15→7→3: the Flatten gives 3·3·128 inputs to Dense(1024)
    expected = (27 + 1) * 32 + (288 + 1) * 64 + (576 + 1) * 128 + (1152 + 1) * 1024 + 1025 * 10
    assert model.count_params() == expected
    rates = [layer.rate for layer in model.layers if type(layer).__name__ == "Dropout"]
    assert rates == [0.2, 0.2]


def test_vgg_style_blocks_batch_norm_and_augmentation():
    import keras

    from course_utils.models import build_vgg_style

    plain = build_vgg_style(filters=(8, 16))
    kinds = [type(layer).__name__ for layer in plain.layers]
    assert kinds.count("Conv2D") == 4 and kinds.count("MaxPooling2D") == 2
    assert "BatchNormalization" not in kinds and "Dropout" not in kinds
    flip = keras.layers.RandomFlip("horizontal")
    full = build_vgg_style(filters=(8, 16), batch_norm=True, dropout=0.3, augmentation=flip)
    kinds = [type(layer).__name__ for layer in full.layers]
    assert kinds.count("BatchNormalization") == 4 and kinds.count("Dropout") == 3
    assert full.layers[1] is flip
    assert full.output_shape == (None, 10)


@pytest.mark.parametrize("kwargs, message", [({"filters": ()}, "filters"), ({"dropout": -0.1}, "dropout")])
def test_vgg_style_rejects_bad_arguments(kwargs, message):
    from course_utils.models import build_vgg_style

    with pytest.raises(ValueError, match=message):
        build_vgg_style(**kwargs)


def test_step_timer_counts_steps_and_times_epochs():
    import keras

    from course_utils.timing import StepTimer

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    timer = StepTimer()
    with pytest.raises(ValueError, match="nenhuma época"):
        timer.ms_per_step()
    model.fit(np.zeros((10, 2)), np.zeros(10), batch_size=4, epochs=2, verbose=0,
              callbacks=[timer])
    assert timer.steps == [3, 3]
    assert len(timer.epoch_seconds) == 2
    assert all(0 < t <= e for t, e in zip(timer.train_seconds, timer.epoch_seconds))
    assert timer.ms_per_step() > 0


# ---- build_resnet: He et al. (2016)'s CIFAR family --------------------------------------------


def _paper_count(model) -> int:
    """Weights of the 3×3 convolutions and the Dense layer: what the paper's Table 6 counts."""
    counted = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D) and layer.kernel_size == (3, 3):
            counted += layer.count_params()
        elif isinstance(layer, keras.layers.Dense):
            counted += layer.count_params()
    return counted


@pytest.mark.parametrize(("depth", "millions"), [(20, 0.27), (56, 0.85)])
def test_resnet_matches_the_papers_parameter_counts(depth, millions):
    model = build_resnet(depth)
    assert round(_paper_count(model) / 1e6, 2) == millions
    assert model.output_shape == (None, 10)


def test_resnet20_has_the_papers_layers():
    model = build_resnet(20)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    three_by_three = [c for c in convs if c.kernel_size == (3, 3)]
    assert len(three_by_three) == 19  # 19 convolutions + 1 Dense = 20 layers
    projections = [c for c in convs if c.kernel_size == (1, 1)]
    assert [(c.filters, c.strides) for c in projections] == [(32, (2, 2)), (64, (2, 2))]
    assert sum(isinstance(layer, keras.layers.Add) for layer in model.layers) == 9
    assert any(isinstance(layer, keras.layers.GlobalAveragePooling2D) for layer in model.layers)
    assert model.get_layer(index=-1).activation.__name__ == "softmax"


def test_plain_twin_has_the_same_layers_and_no_shortcut():
    plain, residual = build_resnet(20, residual=False), build_resnet(20)
    assert not any(isinstance(layer, keras.layers.Add) for layer in plain.layers)
    assert _paper_count(plain) == _paper_count(residual)
    assert plain.name == "plain20" and residual.name == "resnet20"


def test_resnet_shortcut_carries_the_input():
    """With every residual branch's last BN scaled to zero, a block is the identity + ReLU."""
    model = build_resnet(8, input_shape=(8, 8, 16), num_classes=2)
    block_input = model.layers[3].output  # after the stem's ReLU
    add = next(layer for layer in model.layers if isinstance(layer, keras.layers.Add))
    probe = keras.Model(model.inputs, [block_input, add.output])
    bn_before_add = add.input[0]._keras_history.operation
    gamma, beta, mean, var = bn_before_add.get_weights()
    bn_before_add.set_weights([np.zeros_like(gamma), np.zeros_like(beta), mean, var])
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype("float32")
    before, added = probe.predict(x, verbose=0)
    np.testing.assert_allclose(added, before, atol=1e-6)


@pytest.mark.parametrize("depth", [0, 7, 21, 19.0, True, "20"])
def test_resnet_refuses_a_depth_that_is_not_6n_plus_2(depth):
    with pytest.raises(ValueError, match="6n \\+ 2"):
        build_resnet(depth)


@pytest.mark.parametrize(("kwargs", "word"), [
    ({"input_shape": (32, 32)}, "input_shape"),
    ({"num_classes": 1}, "num_classes"),
])
def test_resnet_names_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        build_resnet(20, **kwargs)
