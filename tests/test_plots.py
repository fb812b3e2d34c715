"""Tests for course_utils.plots: what each figure actually contains."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

from course_utils import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def titles(fig):
    return [ax.get_title() for ax in image_axes(fig)]


# --------------------------------------------------------------------- show_images
def test_show_images_grid_titles_and_axes_off():
    imgs = np.random.default_rng(0).integers(0, 256, (5, 8, 8), dtype=np.uint8)
    fig = plots.show_images(imgs, titles=list("abcde"), ncols=3, suptitle="Dígitos")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 6  # 2 rows x 3 columns, the last one empty
    assert len(image_axes(fig)) == 5
    assert titles(fig) == list("abcde")
    assert not any(ax.axison for ax in fig.axes)
    assert fig._suptitle.get_text() == "Dígitos"
    np.testing.assert_array_equal(image_axes(fig)[2].images[0].get_array(), imgs[2])


def test_show_images_uint8_grayscale_uses_fixed_0_255_scale():
    imgs = np.full((3, 6, 6, 1), 40, dtype=np.uint8)  # dark images must stay dark
    fig = plots.show_images(imgs)
    for ax in image_axes(fig):
        im = ax.images[0]
        assert im.get_clim() == (0, 255)
        assert im.get_cmap().name == "gray"
        assert im.get_array().shape == (6, 6)


def test_show_images_float_in_unit_range_uses_0_1_scale():
    imgs = np.linspace(0.2, 0.4, 2 * 4 * 4).reshape(2, 4, 4)
    fig = plots.show_images(imgs, cmap="viridis")
    assert [ax.images[0].get_clim() for ax in image_axes(fig)] == [(0, 1), (0, 1)]
    assert image_axes(fig)[0].images[0].get_cmap().name == "viridis"


def test_show_images_float_out_of_range_is_normalised_per_image():
    imgs = np.stack([np.arange(16.0).reshape(4, 4) - 5, np.arange(16.0).reshape(4, 4) * 10])
    fig = plots.show_images(imgs)
    clims = [ax.images[0].get_clim() for ax in image_axes(fig)]
    assert clims == [(-5.0, 10.0), (0.0, 150.0)]


def test_show_images_single_images_and_rgb():
    fig = plots.show_images(np.zeros((10, 12), dtype=np.uint8))
    assert len(image_axes(fig)) == 1
    rgb = np.random.default_rng(0).integers(0, 256, (10, 12, 3), dtype=np.uint8)
    fig = plots.show_images(rgb)
    (ax,) = image_axes(fig)
    shown = ax.images[0].get_array()
    assert shown.shape == (10, 12, 3)
    np.testing.assert_allclose(shown, rgb / 255.0)
    fig = plots.show_images(np.zeros((4, 10, 12, 3), dtype=np.float32))
    assert len(image_axes(fig)) == 4


def test_show_images_small_3d_array_is_a_batch_of_kernels():
    fig = plots.show_images(np.zeros((3, 3, 3)))
    assert len(image_axes(fig)) == 3
    assert image_axes(fig)[0].images[0].get_array().shape == (3, 3)


@pytest.mark.parametrize(
    ("images", "kwargs", "match"),
    [
        (np.zeros(5), {}, "2-D, 3-D ou 4-D"),
        (np.zeros((1, 2, 4, 4, 1)), {}, "2-D, 3-D ou 4-D"),
        (np.zeros((2, 4, 4, 2)), {}, "1 \\(tons de cinza\\) ou 3 \\(RGB\\) canais"),
        (np.zeros((0, 4, 4)), {}, "vazio"),
        (np.zeros((3, 4, 4)), {"titles": ["a", "b"]}, r"número de títulos \(2\).*imagens \(3\)"),
        (np.zeros((3, 4, 4)), {"ncols": 0}, "ncols"),
        (np.array([["a", "b"], ["c", "d"]]), {}, "numérico"),
    ],
)
def test_show_images_rejects_bad_input(images, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plots.show_images(images, **kwargs)


# --------------------------------------------------------------------- show_matrix
def test_show_matrix_writes_every_value():
    a = np.array([[0, 128, 255], [10, 20, 30]], dtype=np.uint8)
    fig = plots.show_matrix(a, title="Pixels")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.texts] == ["0", "128", "255", "10", "20", "30"]
    assert ax.images[0].get_clim() == (0, 255)
    assert ax.get_title() == "Pixels"
    # dark cells get white text, light cells black text
    assert ax.texts[0].get_color() == "white" and ax.texts[2].get_color() == "black"


def test_show_matrix_kernel_with_format():
    k = np.array([[-1.0, 0.0, 1.0]] * 3)
    fig = plots.show_matrix(k, fmt="{:+.1f}")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["-1,0", "+0,0", "+1,0"] * 3
    assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)


def test_show_matrix_writes_thousands_and_decimals_the_brazilian_way():
    fig = plots.show_matrix(np.array([[1234.5, 0.25]]), fmt="{:,.2f}")
    assert [t.get_text() for t in fig.axes[0].texts] == ["1.234,50", "0,25"]


def test_show_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        plots.show_matrix(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="grande demais"):
        plots.show_matrix(np.zeros((100, 100)))
    with pytest.raises(ValueError, match="fmt"):
        plots.show_matrix(np.zeros((2, 2)), fmt="{:d}")


# --------------------------------------------------------------------- plot_history
HISTORY = {
    "loss": [1.0, 0.6, 0.4],
    "accuracy": [0.5, 0.7, 0.8],
    "val_loss": [1.1, 0.8, 0.7],
    "val_accuracy": [0.45, 0.6, 0.65],
}


def test_plot_history_from_dict_and_keras_history():
    import keras

    history = keras.callbacks.History()
    history.history = HISTORY
    for source in (HISTORY, history):
        fig = plots.plot_history(source)
        assert len(fig.axes) == 2
        for ax, key in zip(fig.axes, ("loss", "accuracy")):
            assert ax.get_xlabel() == "época"
            assert [t.get_text() for t in ax.get_legend().get_texts()] == ["treino", "validação"]
            train, val = ax.get_lines()
            np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
            np.testing.assert_array_equal(train.get_ydata(), HISTORY[key])
            np.testing.assert_array_equal(val.get_ydata(), HISTORY["val_" + key])
        assert [ax.get_title() for ax in fig.axes] == ["Perda", "Acurácia"]


def test_plot_history_writes_decimal_commas_on_the_value_axis():
    fig = plots.plot_history(HISTORY)
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[1].get_yticklabels() if t.get_text()]
    assert any("," in label for label in labels) and not any("." in label for label in labels)


def test_plot_history_without_validation_and_single_metric():
    fig = plots.plot_history({"loss": [0.9, 0.5]}, metrics="loss")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["treino"]
    assert ax.get_ylabel() == "perda"


def test_plot_history_errors():
    with pytest.raises(ValueError, match="não tem 'loss'.*'accuracy'"):
        plots.plot_history({"accuracy": [0.5]})
    with pytest.raises(ValueError, match="não tem 'accuracy'"):
        plots.plot_history({"loss": [0.5]})
    with pytest.raises(ValueError, match="History do Keras ou o seu dicionário .history"):
        plots.plot_history([0.5, 0.4])
    with pytest.raises(ValueError, match="vazio"):
        plots.plot_history({"loss": []}, metrics=("loss",))


# --------------------------------------------------------------------- confusion matrix
Y_TRUE = np.array([0, 0, 1, 1, 1, 2, 2, 0, 1, 2, 2, 2])
Y_PRED = np.array([0, 1, 1, 1, 2, 2, 0, 0, 1, 2, 1, 2])


def cell_texts(ax, n):
    return np.array([t.get_text() for t in ax.texts]).reshape(n, n)


def test_confusion_matrix_counts_match_sklearn_and_missing_class_appears():
    names = ["gato", "cão", "pássaro", "sapo"]  # "sapo" never occurs
    fig = plots.plot_confusion_matrix(Y_TRUE, Y_PRED, class_names=names)
    ax = fig.axes[0]
    expected = confusion_matrix(Y_TRUE, Y_PRED, labels=range(4))
    np.testing.assert_array_equal(cell_texts(ax, 4).astype(int), expected)
    assert ax.get_xlabel() == "classe prevista"
    assert ax.get_ylabel() == "classe verdadeira"
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    assert all(t.get_rotation() == 45 for t in ax.get_xticklabels())
    assert ax.get_title() == "Matriz de confusão"


def test_confusion_matrix_normalized_and_from_scores():
    scores = np.eye(3)[Y_PRED] * 0.8 + 0.05  # like model.predict output
    fig = plots.plot_confusion_matrix(Y_TRUE, scores, normalize=True, title="Teste")
    ax = fig.axes[0]
    cm = confusion_matrix(Y_TRUE, Y_PRED, labels=range(3))
    expected = cm / cm.sum(axis=1, keepdims=True)
    written = np.char.replace(cell_texts(ax, 3), ",", ".").astype(float)
    assert all("," in text for text in cell_texts(ax, 3).ravel())
    np.testing.assert_allclose(written, expected, atol=0.005)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert ax.get_title() == "Teste"


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match="y_true tem 3 rótulos, mas y_pred tem 2"):
        plots.plot_confusion_matrix([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="índice de classe 2.*só tem 2 nomes"):
        plots.plot_confusion_matrix([0, 1, 2], [0, 1, 1], class_names=["a", "b"])
    with pytest.raises(ValueError, match="negativo"):
        plots.plot_confusion_matrix([0, -1], [0, 1])


# --------------------------------------------------------------------- show_misclassified
def labelled_images(n=40):
    """Image i is filled with the value i, so a drawn image tells which example it is."""
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 3, n)
    y_pred = np.where(rng.random(n) < 0.5, (y_true + 1) % 3, y_true)
    images = np.arange(n, dtype=np.uint8)[:, None, None] * np.ones((1, 5, 5), np.uint8)
    return images, y_true, y_pred


def test_show_misclassified_titles_match_wrong_predictions():
    images, y_true, y_pred = labelled_images()
    names = ["zero", "um", "dois"]
    fig = plots.show_misclassified(images, y_true, y_pred, class_names=names, n=6)
    axes = image_axes(fig)
    assert len(axes) == 6
    shown = []
    for ax in axes:
        i = int(ax.images[0].get_array()[0, 0])
        shown.append(i)
        assert y_true[i] != y_pred[i]
        assert ax.get_title() == f"verdadeiro: {names[y_true[i]]}\nprevisto: {names[y_pred[i]]}"
    assert shown == sorted(set(shown))
    n_wrong = int((y_true != y_pred).sum())
    assert f"6 de {n_wrong} erros" in fig._suptitle.get_text()


def test_show_misclassified_is_deterministic_and_caps_at_number_of_errors():
    images, y_true, y_pred = labelled_images()
    first = titles(plots.show_misclassified(images, y_true, y_pred, n=5, seed=3))
    again = titles(plots.show_misclassified(images, y_true, y_pred, n=5, seed=3))
    assert first == again
    n_wrong = int((y_true != y_pred).sum())
    fig = plots.show_misclassified(images[..., None], y_true, y_pred, n=1000)
    assert len(image_axes(fig)) == n_wrong


def test_show_misclassified_without_errors_shows_a_message():
    images, y_true, _ = labelled_images(8)
    fig = plots.show_misclassified(images, y_true, np.eye(3)[y_true])
    assert not image_axes(fig)
    assert "Nenhum erro" in fig.axes[0].texts[0].get_text()


def test_show_misclassified_errors():
    images, y_true, y_pred = labelled_images(8)
    with pytest.raises(ValueError, match="7 imagens, mas 8 rótulos"):
        plots.show_misclassified(images[:7], y_true, y_pred)
    with pytest.raises(ValueError, match="n deve ser um inteiro positivo"):
        plots.show_misclassified(images, y_true, y_pred, n=0)


# --------------------------------------------------------------------- show_feature_maps
@pytest.fixture(scope="module")
def tiny_model():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, name="conv"),
            keras.layers.Flatten(name="achatar"),
            keras.layers.Dense(2, name="densa"),
        ]
    )


IMAGE = np.random.default_rng(0).random((8, 8)).astype("float32")


def test_show_feature_maps_by_name_shows_every_channel(tiny_model):
    import keras

    fig = plots.show_feature_maps(tiny_model, "conv", IMAGE)
    axes = image_axes(fig)
    assert len(axes) == 4
    assert titles(fig) == ["mapa 0", "mapa 1", "mapa 2", "mapa 3"]
    conv = tiny_model.get_layer("conv")
    expected = keras.Model(tiny_model.inputs[0], conv.output)(IMAGE[None, ..., None])
    expected = keras.ops.convert_to_numpy(expected)[0]
    for k, ax in enumerate(axes):
        np.testing.assert_allclose(ax.images[0].get_array(), expected[..., k], rtol=1e-5)
        assert ax.images[0].get_clim() == pytest.approx(
            (expected[..., k].min(), expected[..., k].max()), rel=1e-5
        )
    assert "conv" in fig._suptitle.get_text()


@pytest.mark.parametrize("shape", [(8, 8), (8, 8, 1), (1, 8, 8, 1)])
def test_show_feature_maps_layer_object_max_maps_and_image_shapes(tiny_model, shape):
    conv = tiny_model.get_layer("conv")
    fig = plots.show_feature_maps(tiny_model, conv, IMAGE.reshape(shape), max_maps=2)
    assert titles(fig) == ["mapa 0", "mapa 1"]


def test_show_feature_maps_errors(tiny_model):
    import keras

    with pytest.raises(ValueError, match=r"não tem camada chamada 'nada'.*\['conv', 'achatar', 'densa'\]"):
        plots.show_feature_maps(tiny_model, "nada", IMAGE)
    with pytest.raises(ValueError, match="não 4-D.*convolucional ou de pooling"):
        plots.show_feature_maps(tiny_model, "densa", IMAGE)
    with pytest.raises(ValueError, match="não cabe na entrada do modelo"):
        plots.show_feature_maps(tiny_model, "conv", np.zeros((9, 9)))
    with pytest.raises(ValueError, match="UMA imagem"):
        plots.show_feature_maps(tiny_model, "conv", np.zeros((2, 8, 8, 1)))
    unbuilt = keras.Sequential([keras.layers.Conv2D(2, 3, name="c")])
    with pytest.raises(ValueError, match="não foi construído.*keras.Input"):
        plots.show_feature_maps(unbuilt, "c", IMAGE)


def test_show_images_rejects_images_of_different_shapes():
    with pytest.raises(ValueError, match="mesmo formato"):
        plots.show_images([np.zeros((4, 4)), np.zeros((5, 5))])


# --------------------------------------------------------------------- normalization axes
@pytest.mark.parametrize("reduced, size", [((0, 2), 6 * 5), ((0,), 6), ((2,), 5), ((0, 1, 2), 120)])
def test_normalization_group_is_what_numpy_averages_together(reduced, size):
    shape, reference = (6, 4, 5), (2, 1, 3)
    mask = plots.normalization_group(shape, reduced, reference)
    assert mask.sum() == size and mask[reference]
    values = np.random.default_rng(0).normal(size=shape)
    statistic = values.mean(axis=reduced, keepdims=True)
    index = tuple(0 if axis in reduced else reference[axis] for axis in range(3))
    assert np.isclose(values[mask].mean(), statistic[index])


def test_show_normalization_axes_draws_batch_norm_next_to_the_axis_0_slip():
    fig = plots.show_normalization_axes(batch=6, channels=4, positions=5)
    left, right = fig.axes
    assert left.name == right.name == "3d"
    assert "Normalização em lote" in left.get_title() and "30 valores" in left.get_title()
    assert "Só o eixo N" in right.get_title() and "6 valores" in right.get_title()
    assert left.get_xlabel() == plots.NORMALIZATION_AXES[0]


def test_show_normalization_axes_rejects_a_channel_outside_the_cube():
    with pytest.raises(ValueError, match="channel"):
        plots.show_normalization_axes(channels=3, channel=3)
