"""course_utils.transfer: the pretrained base on both paths, the transfer model, freezing."""

import urllib.error

import keras
import numpy as np
import pytest

from course_utils import transfer


def _no_network(input_shape):
    """What keras.utils.get_file raises offline: a bare Exception raised from a URLError."""
    try:
        raise urllib.error.URLError("[Errno -2] Name or service not known")
    except urllib.error.URLError as error:
        raise Exception(f"URL fetch failure on https://example.invalid: None -- {error}")


def test_imagenet_base_is_used_when_its_weights_load():
    made = []

    def loaded(input_shape):
        made.append(transfer.build_source_base(input_shape))
        return made[-1]

    base, source = transfer.pretrained_base((32, 32, 3), imagenet=loaded)
    assert base is made[0] and source.startswith("ImageNet")


def test_failed_download_falls_back_to_the_cifar10_base():
    base, source = transfer.pretrained_base((32, 32, 3), imagenet=_no_network)
    assert base.name == "cifar10_base" and source.startswith("CIFAR-10")
    assert base.output_shape == (None, transfer.SOURCE_FILTERS[-1])


def test_keras_applications_download_failure_is_recognised(monkeypatch, tmp_path):
    """The real keras.applications path, with the download itself made to fail."""
    from keras.src.utils import file_utils

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("no network in this test")

    monkeypatch.setattr(file_utils, "urlretrieve", refuse)
    monkeypatch.setattr(file_utils.config, "keras_home", lambda: str(tmp_path))  # no cached file
    with pytest.raises(Exception) as caught:
        transfer.imagenet_base((32, 32, 3))
    assert transfer.is_download_failure(caught.value)


@pytest.mark.parametrize("error", [ValueError("Incomplete or corrupted file detected"),
                                   KeyError("weights")])
def test_other_errors_are_not_swallowed(error):
    def broken(input_shape):
        raise error

    assert not transfer.is_download_failure(error)
    with pytest.raises(type(error)):
        transfer.pretrained_base((32, 32, 3), imagenet=broken)


def test_pretraining_learns_cifar10_above_chance():
    base, accuracy, images = transfer.pretrain_on_cifar10((32, 32, 3), epochs=10)
    assert images > 0 and 0 <= accuracy <= 1
    assert accuracy > 0.1 + 0.05  # ten balanced classes: chance is 0.1


def test_transfer_model_calls_the_base_in_inference_mode():
    base = transfer.build_source_base((32, 32, 3))
    model = transfer.build_transfer_model(base)
    assert model.input_shape == (None, 32, 32, 1) and model.output_shape == (None, 1)
    assert [node.arguments.kwargs.get("training") for node in base._inbound_nodes] == [False]


def test_fine_tuning_after_unfreeze_top_leaves_batch_norm_statistics_alone():
    """fit calls the model with training=True; Keras 3.15 lets that override the
    base's training=False (keras-team/keras#20285), so frozen BN layers are what protects."""
    base = transfer.build_source_base((32, 32, 3))
    model = transfer.build_transfer_model(base)
    transfer.unfreeze_top(base)
    bn = [layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization)]
    before = [layer.moving_mean.numpy() for layer in bn]
    kernel_before = base.layers[2].kernel.numpy()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    rng = np.random.default_rng(0)
    model.fit(rng.uniform(0, 255, (16, 32, 32, 1)), np.arange(16) % 2, epochs=1, verbose=0)
    for layer, old in zip(bn, before):
        np.testing.assert_array_equal(layer.moving_mean.numpy(), old)
    assert not np.array_equal(base.layers[2].kernel.numpy(), kernel_before)  # convs did train


def test_transfer_model_repeats_the_gray_channel():
    base = transfer.build_source_base((32, 32, 3))
    model = transfer.build_transfer_model(base, dropout=0.0)
    gray = np.random.default_rng(1).uniform(0, 255, (4, 32, 32, 1)).astype("float32")
    features = np.asarray(base(np.repeat(gray, 3, axis=-1), training=False))
    kernel, bias = (np.asarray(w) for w in model.layers[-1].weights)
    want = 1 / (1 + np.exp(-(features @ kernel + bias)))
    np.testing.assert_allclose(np.asarray(model(gray)), want, atol=1e-5)


def test_build_transfer_model_rejects_a_gray_base():
    inputs = keras.Input((32, 32, 1))
    gray_base = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(inputs))
    with pytest.raises(ValueError, match="RGB"):
        transfer.build_transfer_model(gray_base)


def test_unfreeze_top_opens_the_last_layers_but_not_batch_norm():
    base = transfer.build_source_base((32, 32, 3))
    base.trainable = False
    transfer.unfreeze_top(base, 4)
    opened = [layer.name for layer in base.layers if layer.trainable]
    last_four = base.layers[-4:]
    assert opened == [layer.name for layer in last_four
                      if not isinstance(layer, keras.layers.BatchNormalization)]
    transfer.unfreeze_top(base)
    assert not any(layer.trainable for layer in base.layers
                   if isinstance(layer, keras.layers.BatchNormalization))
    assert any(isinstance(layer, keras.layers.Conv2D) and layer.trainable for layer in base.layers)


def test_trainable_parameters_counts_numbers_in_trainable_weights():
    base = transfer.build_source_base((32, 32, 3))
    model = transfer.build_transfer_model(base)
    base.trainable = False
    assert transfer.trainable_parameters(model) == transfer.SOURCE_FILTERS[-1] + 1
    base.trainable = True
    bn_stats = sum(2 * layer.moving_mean.shape[0] for layer in base.layers
                   if isinstance(layer, keras.layers.BatchNormalization))
    assert transfer.trainable_parameters(model) == model.count_params() - bn_stats


@pytest.mark.parametrize("freeze", ["all", "bn", "none"])
def test_copy_base_keeps_weights_and_frozen_layers(freeze):
    base = transfer.build_source_base((32, 32, 3))
    if freeze == "all":
        base.trainable = False
    elif freeze == "bn":
        transfer.unfreeze_top(base)
    copy = transfer.copy_base(base)
    assert copy.trainable == base.trainable
    assert [layer.trainable for layer in copy.layers] == [layer.trainable for layer in base.layers]
    for a, b in zip(base.get_weights(), copy.get_weights()):
        np.testing.assert_array_equal(a, b)
    if freeze == "all":  # unfreezing the frozen copy reaches its layers, as for the base
        copy.trainable = True
        assert all(layer.trainable for layer in copy.layers)


def test_train_transfer_leaves_the_given_base_untouched():
    base = transfer.build_source_base((32, 32, 3))
    before = [w.copy() for w in base.get_weights()]
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (32, 32, 32, 1), dtype=np.uint8)
    y = np.arange(32) % 2
    model, histories = transfer.train_transfer(base, x, y, head_epochs=1, fine_epochs=1)
    assert len(histories) == 2 and model.output_shape == (None, 1)
    for old, new in zip(before, base.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert 0 <= transfer.roc_auc(model, x, y) <= 1


def test_xray_arrays_match_the_dataset():
    x, y = transfer.xray_arrays("test", (32, 32))
    assert x.dtype == np.uint8 and x.shape[1:] == (32, 32, 1) and len(x) == len(y)
    assert set(np.unique(y)) <= {0, 1}


def test_draw_phases_shows_both_phases_with_their_rates():
    import matplotlib.pyplot as plt

    fig = transfer.draw_phases()
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert len(titles) == 2 and "congelada" in titles[0] and "0,0001" in titles[1]
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert any("BN congelada" in t for t in texts)
    plt.close(fig)


def test_the_imagenet_architecture_runs_the_same_code():
    """MobileNetV3Small without its weights (no network here): the lesson's steps still work."""

    def untrained_mobilenet(input_shape):
        return keras.applications.MobileNetV3Small(
            input_shape=input_shape, include_top=False, weights=None, pooling="avg",
            include_preprocessing=True)

    base, source = transfer.pretrained_base((32, 32, 3), imagenet=untrained_mobilenet)
    assert source.startswith("ImageNet")
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (16, 32, 32, 1), dtype=np.uint8)
    y = np.arange(16) % 2
    model, histories = transfer.train_transfer(base, x, y, head_epochs=1, fine_epochs=1)
    inner = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    assert not any(layer.trainable for layer in inner.layers
                   if isinstance(layer, keras.layers.BatchNormalization))
    head = inner.output_shape[-1] + 1  # Dense(1) on the pooled features
    assert transfer.trainable_parameters(inner) > 0
    assert transfer.trainable_parameters(model) == transfer.trainable_parameters(inner) + head
    assert 0 <= transfer.roc_auc(model, x, y) <= 1
