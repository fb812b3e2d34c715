"""course_utils.explain: maps on models whose answer is known, the randomisation check, errors.

Known answers come two ways: a hand-set network that detects a bright square (every map must
peak on the square), and a small CNN trained in a few seconds to tell two shapes pasted at
random places on noisy canvases (the pointing game, above a threshold).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils import explain
from course_utils.plots import overlay

pytestmark = pytest.mark.slow  # among the longest test files: conftest.py runs them first

SIZE = 24
SQUARE = 6


# ---- a hand-set square detector ------------------------------------------------------------


def _square_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Dim noise (N, 24, 24, 1) with one bright 6×6 square each; its boxes (N, 4)."""
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 0.3, size=(n, SIZE, SIZE, 1)).astype(np.float32)
    boxes = np.zeros((n, 4), dtype=int)
    for k in range(n):
        top, left = rng.integers(0, SIZE - SQUARE + 1, size=2)
        images[k, top : top + SQUARE, left : left + SQUARE] = 1.0
        boxes[k] = (top, left, top + SQUARE, left + SQUARE)
    return images, boxes


def _detector_layers(units: int = 2, activation: str = "softmax") -> list:
    conv = keras.layers.Conv2D(
        1, 5, padding="same", activation="relu", name="detector",
        kernel_initializer=keras.initializers.Constant(1 / 25),
        bias_initializer=keras.initializers.Constant(-0.6),
    )
    head = keras.layers.Dense(
        units, activation=activation,
        kernel_initializer=keras.initializers.Constant([[5.0, -5.0][:units]]),
    )
    return [conv, keras.layers.GlobalAveragePooling2D(), head]


def square_detector(kind: str, units: int = 2, activation: str = "softmax") -> keras.Model:
    """Conv (mean of a 5×5 window − 0.6, ReLU) → global mean → Dense: class 0 = "a square"."""
    layers = _detector_layers(units, activation)
    if kind == "sequential":  # no keras.Input: the model is only built when first called
        return keras.Sequential(layers)
    inputs = keras.Input(shape=(SIZE, SIZE, 1))
    x = inputs
    for layer in layers:
        x = layer(x)
    return keras.Model(inputs, x)


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_every_map_points_at_the_square_of_a_hand_set_detector(kind):
    model = square_detector(kind)
    images, boxes = _square_images(12)
    for maps in (
        explain.grad_cam(model, images),
        explain.saliency(model, images),
        explain.saliency(model, images, smooth_samples=4),
        np.stack([explain.occlusion_map(model, image, patch=4, stride=2) for image in images]),
    ):
        assert maps.shape == (12, SIZE, SIZE)
        assert explain.pointing_hits(maps, boxes).all()


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_grad_cam_shape_range_and_dtype(kind):
    model = square_detector(kind)
    images, _ = _square_images(5)
    maps = explain.grad_cam(model, images)
    assert maps.shape == (5, SIZE, SIZE) and maps.dtype == np.float32
    assert maps.min() >= 0 and np.allclose(maps.max(axis=(1, 2)), 1)


def test_inputs_without_channel_axis_give_the_same_maps():
    model = square_detector("functional")
    images, _ = _square_images(4)
    np.testing.assert_allclose(explain.grad_cam(model, images[..., 0]),
                               explain.grad_cam(model, images), atol=1e-6)
    np.testing.assert_allclose(explain.saliency(model, images[..., 0]),
                               explain.saliency(model, images), atol=1e-6)
    np.testing.assert_allclose(explain.occlusion_map(model, images[0, ..., 0]),
                               explain.occlusion_map(model, images[0]), atol=1e-6)


def test_sequential_and_functional_models_with_the_same_weights_agree():
    images, _ = _square_images(4)
    sequential, functional = square_detector("sequential"), square_detector("functional")
    np.testing.assert_allclose(explain.grad_cam(sequential, images),
                               explain.grad_cam(functional, images), atol=1e-6)


def test_a_single_sigmoid_unit_has_two_classes():
    """Class 1 is the unit ("a square"): its map points at the square; class 0 has no evidence."""
    model = square_detector("functional", units=1, activation="sigmoid")
    images, boxes = _square_images(6)
    assert explain.pointing_hits(explain.grad_cam(model, images, class_index=1), boxes).all()
    assert np.all(explain.grad_cam(model, images, class_index=0) == 0)
    assert explain.pointing_hits(explain.grad_cam(model, images), boxes).all()  # predicted: 1
    occluded = explain.occlusion_map(model, images[0], class_index=0, patch=4, stride=2)
    assert not explain.pointing_hits(occluded[np.newaxis], boxes[:1]).any()


# ---- against TensorFlow, written out ------------------------------------------------------


def _small_cnn(activation: str) -> keras.Model:
    keras.utils.set_random_seed(3)
    inputs = keras.Input(shape=(16, 16, 2))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="c1")(inputs)
    x = keras.layers.Conv2D(6, 3, activation="relu", name="c2")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(3, activation=activation)(x))


def test_grad_cam_matches_the_equation_computed_with_gradient_tape():
    """Softmax undone: the map uses the logit, as a copy without softmax computes it."""
    model = _small_cnn("softmax")
    linear = _small_cnn(None)
    x = np.random.default_rng(1).random((3, 16, 16, 2)).astype(np.float32)
    classes = np.array([0, 2, 1])
    graph = keras.Model(linear.inputs[0], [linear.get_layer("c2").output, linear.output])
    with tf.GradientTape() as tape:
        feature, logits = graph(x)
        score = tf.gather(logits, classes, axis=1, batch_dims=1)
    grads = tape.gradient(score, feature).numpy()
    weights = grads.mean(axis=(1, 2))
    cam = np.maximum(np.einsum("nhwk,nk->nhw", feature.numpy(), weights), 0)
    cam = tf.image.resize(cam[..., None], (16, 16)).numpy()[..., 0]
    want = cam / cam.max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(explain.grad_cam(model, x, classes), want, atol=1e-5)
    np.testing.assert_allclose(explain.cam_from_gradients(feature.numpy(), grads),
                               np.maximum(np.einsum("nhwk,nk->nhw", feature.numpy(), weights), 0),
                               atol=1e-6)


def test_layer_by_name_or_object_and_class_per_image():
    model = _small_cnn("softmax")
    x = np.random.default_rng(2).random((4, 16, 16, 2)).astype(np.float32)
    by_name = explain.grad_cam(model, x, layer="c1")
    np.testing.assert_allclose(by_name, explain.grad_cam(model, x, layer=model.get_layer("c1")))
    assert not np.allclose(by_name, explain.grad_cam(model, x))  # default: the last conv, c2
    per_image = explain.grad_cam(model, x, class_index=[0, 1, 2, 0])
    np.testing.assert_allclose(per_image[1], explain.grad_cam(model, x[1:2], class_index=1)[0],
                               atol=1e-6)
    predicted = model.predict(x, verbose=0).argmax(axis=1)
    np.testing.assert_allclose(explain.grad_cam(model, x),
                               explain.grad_cam(model, x, class_index=predicted), atol=1e-6)


def test_saliency_is_the_absolute_gradient_largest_over_channels():
    model = _small_cnn(None)
    x = np.random.default_rng(4).random((2, 16, 16, 2)).astype(np.float32)
    tensor = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        score = model(tensor)[:, 1]
    grads = np.abs(tape.gradient(score, tensor).numpy()).max(axis=-1)
    want = grads / grads.max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(explain.saliency(model, x, class_index=1), want, atol=1e-5)


def test_occlusion_map_is_the_mean_drop_of_each_patch_written_as_a_loop():
    model = _small_cnn("softmax")
    image = np.random.default_rng(5).random((16, 16, 2)).astype(np.float32)
    patch, stride, fill = 5, 3, 0.5
    base = model.predict(image[None], verbose=0)[0, 2]
    heat, count = np.zeros((16, 16)), np.zeros((16, 16))
    for i in range(0, 16, stride):
        for j in range(0, 16, stride):
            hidden = image.copy()
            hidden[i : i + patch, j : j + patch] = fill
            drop = base - model.predict(hidden[None], verbose=0)[0, 2]
            heat[i : i + patch, j : j + patch] += drop
            count[i : i + patch, j : j + patch] += 1
    got = explain.occlusion_map(model, image, class_index=2, patch=patch, stride=stride, fill=fill)
    np.testing.assert_allclose(got, heat / count, atol=1e-5)


# ---- the pointing game and the randomisation check, on a trained CNN ----------------------


def _shapes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """8×8 objects: a filled square (class 0), a plus sign (1) or a hollow frame (2), uint8.

    Three classes, not two: with two, the network may learn one class as "not the other" and
    then its evidence for that class is the background (measured: 51 % hits for the plus).
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    objects = np.zeros((n, 8, 8), dtype=np.uint8)
    objects[labels == 0, 1:7, 1:7] = 255
    objects[labels == 1, 3:5, :] = 255
    objects[labels == 1, :, 3:5] = 255
    objects[labels == 2] = 255
    objects[labels == 2, 1:7, 1:7] = 0
    return objects, labels


@pytest.fixture(scope="module")
def pointing_game():
    """A small CNN trained to tell the shapes apart on 32×32 noisy canvases, and test data."""
    keras.utils.set_random_seed(0)
    objects, labels = _shapes(600, seed=1)
    x, _ = explain.paste_on_canvas(objects, size=32, noise=0.2, seed=2)
    inputs = keras.Input(shape=(32, 32, 1))
    h = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(h))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(x, labels, epochs=6, batch_size=32, verbose=0)
    test_objects, test_labels = _shapes(150, seed=3)
    x_test, boxes = explain.paste_on_canvas(test_objects, size=32, noise=0.2, seed=4)
    right = model.predict(x_test, verbose=0).argmax(axis=1) == test_labels
    return model, x_test[right], boxes[right], right.mean()


def test_grad_cam_wins_the_pointing_game_on_a_trained_cnn(pointing_game):
    model, x, boxes, accuracy = pointing_game
    assert accuracy >= 0.9
    hits = explain.pointing_hits(explain.grad_cam(model, x), boxes)
    chance = explain.box_area_fraction(boxes, 32).mean()
    assert chance < 0.1
    assert hits.mean() >= 0.9


def test_maps_of_a_randomised_copy_differ_from_the_trained_ones(pointing_game):
    model, x, _, _ = pointing_game
    trained = explain.grad_cam(model, x)
    classes = model.predict(x, verbose=0).argmax(axis=1)
    random_model = explain.randomized_copy(model, seed=1)
    assert not np.allclose(random_model.get_weights()[0], model.get_weights()[0])
    randomised = explain.grad_cam(random_model, x, class_index=classes)
    assert np.nanmean(explain.rank_correlation(trained, randomised)) < 0.5
    np.testing.assert_allclose(explain.rank_correlation(trained, trained)[:5], 1.0)


# ---- helpers -------------------------------------------------------------------------------


def test_paste_on_canvas_boxes_hold_the_object():
    objects = np.zeros((20, 10, 10), dtype=np.uint8)
    objects[:, 2:5, 3:9] = 200
    canvases, boxes = explain.paste_on_canvas(objects, size=30, noise=0.1, seed=7)
    assert canvases.shape == (20, 30, 30, 1) and canvases.dtype == np.float32
    assert canvases.min() >= 0 and canvases.max() <= 1
    assert np.all(boxes[:, 2] - boxes[:, 0] == 3) and np.all(boxes[:, 3] - boxes[:, 1] == 6)
    for canvas, (top, left, bottom, right) in zip(canvases[..., 0], boxes):
        assert np.allclose(canvas[top:bottom, left:right], 200 / 255)
    again, _ = explain.paste_on_canvas(objects, size=30, noise=0.1, seed=7)
    np.testing.assert_array_equal(canvases, again)
    np.testing.assert_allclose(explain.box_area_fraction(boxes, 30), 18 / 900)


def test_peaks_and_pointing_hits():
    maps = np.zeros((3, 5, 6))
    maps[0, 1, 2] = maps[1, 4, 5] = maps[2, 0, 0] = 1
    np.testing.assert_array_equal(explain.peaks(maps), [[1, 2], [4, 5], [0, 0]])
    boxes = np.array([[0, 0, 2, 3], [0, 0, 4, 6], [0, 0, 1, 1]])
    np.testing.assert_array_equal(explain.pointing_hits(maps, boxes), [True, False, True])


def test_rank_correlation_of_a_flat_map_is_nan():
    maps = np.random.default_rng(0).random((2, 4, 4))
    flat = maps.copy()
    flat[1] = 0
    result = explain.rank_correlation(maps, flat)
    assert np.isfinite(result[0]) and np.isnan(result[1])


# ---- clear errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda m, x: explain.grad_cam(m, x, layer="nope"), "não tem camada chamada 'nope'"),
        (lambda m, x: explain.grad_cam(m, x[0]), "UMA imagem"),
        (lambda m, x: explain.grad_cam(m, x[0, ..., 0]), "UMA imagem"),
        (lambda m, x: explain.grad_cam(m, x[:, :20]), "o modelo espera (N, 24, 24, 1)"),
        (lambda m, x: explain.grad_cam(m, x[:0]), "vazio"),
        (lambda m, x: explain.grad_cam(m, x, class_index=2), "entre 0 e 1"),
        (lambda m, x: explain.grad_cam(m, x, class_index=[0, 1]), "um por imagem"),
        (lambda m, x: explain.saliency(m, x, smooth_samples=-1), "smooth_samples"),
        (lambda m, x: explain.occlusion_map(m, x), "UMA imagem"),
        (lambda m, x: explain.occlusion_map(m, x[0], patch=0), "patch"),
        (lambda m, x: explain.grad_cam("model", x), "modelo Keras"),
    ],
)
def test_bad_input_is_named(call, fragment):
    model = square_detector("functional")
    images, _ = _square_images(3)
    with pytest.raises(ValueError) as error:
        call(model, images)
    assert fragment in str(error.value)


def test_a_model_without_convolution_is_refused():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match="não tem camada convolucional"):
        explain.grad_cam(model, np.zeros((1, 8, 8, 1)))
    assert explain.saliency(model, np.ones((1, 8, 8, 1))).shape == (1, 8, 8)


def test_a_layer_without_feature_maps_is_refused():
    model = square_detector("functional")
    name = model.layers[-2].name  # the global average pooling: (batch, channels)
    with pytest.raises(ValueError, match="escolha uma camada convolucional"):
        explain.grad_cam(model, np.zeros((1, SIZE, SIZE, 1)), layer=name)


def test_gradient_maps_need_the_tensorflow_backend(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(RuntimeError, match="occlusion_map funciona em qualquer backend"):
        explain.grad_cam(square_detector("functional"), np.zeros((1, SIZE, SIZE, 1)))


# ---- overlay -------------------------------------------------------------------------------


def test_overlay_keeps_the_image_where_the_map_is_zero():
    image = np.arange(16, dtype=np.uint8).reshape(4, 4) * 16
    heat = np.zeros((4, 4))
    heat[1, 2] = 3.0
    out = overlay(image, heat, alpha=0.5)
    assert out.shape == (4, 4, 3) and out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(out[0, 0], [0, 0, 0])
    np.testing.assert_allclose(out[3, 3], [240 / 255] * 3)
    assert not np.allclose(out[1, 2], image[1, 2] / 255)
    rgb = np.random.default_rng(0).random((4, 4, 3))
    np.testing.assert_allclose(overlay(rgb, np.zeros((4, 4))), rgb)


@pytest.mark.parametrize(
    "image, heat, fragment",
    [
        (np.zeros((4, 4)), np.zeros((5, 4)), "mesma altura e largura"),
        (np.zeros((2, 4, 4)), np.zeros((4, 4)), "UMA imagem"),
        (np.zeros((4, 4)), np.zeros((4, 4)), None),
    ],
)
def test_overlay_errors(image, heat, fragment):
    if fragment is None:
        with pytest.raises(ValueError, match="alpha"):
            overlay(image, heat, alpha=2)
    else:
        with pytest.raises(ValueError, match=fragment):
            overlay(image, heat)


def test_default_layer_is_the_activated_output_of_the_last_convolution():
    from course_utils.models import build_vgg_style

    keras.utils.set_random_seed(0)
    model = build_vgg_style(input_shape=(16, 16, 1), filters=(4,), batch_norm=True)
    activation = [lyr for lyr in model.layers if isinstance(lyr, keras.layers.Activation)][-1]
    x = np.random.default_rng(0).random((2, 16, 16, 1)).astype(np.float32)
    np.testing.assert_allclose(explain.grad_cam(model, x),
                               explain.grad_cam(model, x, layer=activation.name))
    conv = [lyr for lyr in model.layers if isinstance(lyr, keras.layers.Conv2D)][-1]
    assert not np.allclose(explain.grad_cam(model, x), explain.grad_cam(model, x, layer=conv))


# ---- cascading randomisation and mass in the box ---------------------------------------------


def test_cascading_randomization_goes_from_the_top_down_to_a_fully_random_copy(pointing_game):
    model, x, _, _ = pointing_game
    before = [w.copy() for w in model.get_weights()]
    steps = []
    for name, copy in explain.cascading_randomization(model, seed=1):
        same = [np.array_equal(a, b) for a, b in zip(copy.get_weights(), before)]
        steps.append((name, same))
    assert [name for name, _ in steps] == ["Dense 1", "Conv2D 2", "Conv2D 1"]
    # after the first step only the Dense layer (its kernel and bias, the last two) changed
    assert steps[0][1] == [True] * (len(before) - 2) + [False, False]
    assert not any(steps[-1][1])
    fully_random = explain.randomized_copy(model, seed=1).get_weights()
    for got, want in zip(copy.get_weights(), fully_random):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(model.get_weights(), before):  # the trained model is untouched
        np.testing.assert_array_equal(got, want)


def test_cascading_randomization_keeps_batch_norm_with_its_convolution():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3),
                              keras.layers.BatchNormalization(), keras.layers.ReLU(),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)])
    names = [name for name, _ in explain.cascading_randomization(model)]
    assert names == ["Dense 1", "Conv2D 1"]


def test_mass_in_boxes_is_the_share_of_each_map_inside_its_box():
    maps = np.zeros((3, 4, 4))
    maps[0, 0, 0], maps[0, 3, 3] = 3, 1  # 3 of 4 inside [0:2, 0:2]
    maps[1] = 1  # uniform: 4 of 16 pixels inside
    boxes = np.array([[0, 0, 2, 2]] * 3)  # maps[2] is all zero
    np.testing.assert_allclose(explain.mass_in_boxes(maps, boxes), [0.75, 0.25, 0.0])
    with pytest.raises(ValueError, match="boxes"):
        explain.mass_in_boxes(maps, boxes[:2])


def test_a_randomised_copy_with_the_building_seed_redraws_the_initial_weights():
    """Why the lesson randomises with another seed than the training's."""
    def build():
        return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3),
                                 keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)])

    keras.utils.set_random_seed(5)
    model = build()
    initial = model.get_weights()
    same = explain.randomized_copy(model, seed=5).get_weights()
    other = explain.randomized_copy(model, seed=6).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(initial, same))
    assert not np.array_equal(initial[0], other[0])
