"""LiveTraining: one figure per run redrawn each epoch, or one summary line in fast mode."""

import keras
import numpy as np
import pytest

from course_utils import plots, progress


def tiny_fit(callback, epochs=3, metrics=("accuracy",)):
    """Train a two-weight model for a few epochs on random data, silently."""
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=list(metrics))
    return model.fit(x, y, validation_split=0.25, epochs=epochs, verbose=0,
                     callbacks=[callback])


def test_outside_a_notebook_it_prints_one_summary_line(capsys):
    callback = progress.LiveTraining()
    history = tiny_fit(callback)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Treino: 3 época(s)")
    assert "perda" in lines[0] and "acurácia" in lines[0] and "validação" in lines[0]
    assert callback.history["loss"] == pytest.approx(history.history["loss"])


def test_live_mode_updates_one_display(monkeypatch):
    shown = []

    class Handle:
        def update(self, image):
            shown.append(("update", image))

    def fake_display(image, display_id):
        shown.append(("display", image))
        return Handle()

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", fake_display)
    tiny_fit(progress.LiveTraining(live=True), epochs=3)
    assert [kind for kind, _ in shown] == ["display", "update", "update"]
    assert all(image.data[:4] == b"\x89PNG" for _, image in shown)


def test_figure_has_a_panel_per_metric_and_a_title_with_the_epoch():
    callback = progress.LiveTraining()
    tiny_fit(callback, epochs=2)
    fig = callback.figure(2)
    assert [ax.get_title() for ax in fig.axes] == ["Perda", "Acurácia"]
    assert fig._suptitle.get_text().startswith("época 2 de 2: perda")


def test_five_metrics_wrap_to_two_rows():
    callback = progress.LiveTraining()
    tiny_fit(callback, epochs=1, metrics=("accuracy", keras.metrics.Precision(name="precision"),
                                          keras.metrics.Recall(name="recall"),
                                          keras.metrics.AUC(name="auc")))
    fig = callback.figure(1)
    assert len(fig.axes) == 5
    rows = {round(ax.get_subplotspec().rowspan.start) for ax in fig.axes}
    assert rows == {0, 1}


def test_asking_for_a_metric_fit_did_not_report_names_it():
    callback = progress.LiveTraining(metrics=("loss", "auc"))
    with pytest.raises(ValueError, match="'auc'"):
        tiny_fit(callback, epochs=1)


def test_format_logs_pairs_training_and_validation():
    logs = {"loss": 0.5, "val_loss": 0.75, "accuracy": 0.9}
    text = progress.format_logs(logs, ["loss", "accuracy"])
    assert text == "perda 0,5 (validação 0,75) · acurácia 0,9"


def test_plot_history_wraps_to_three_panels_per_row_with_portuguese_titles():
    history = {name: [0.5, 0.6] for name in ("loss", "accuracy", "precision", "recall", "auc")}
    fig = plots.plot_history(history, metrics=tuple(history))
    assert len(fig.axes) == 5
    assert [ax.get_title() for ax in fig.axes] == [
        "Perda", "Acurácia", "Precisão", "Revocação", "AUC"
    ]
    starts = [(ax.get_subplotspec().rowspan.start, ax.get_subplotspec().colspan.start)
              for ax in fig.axes]
    assert starts == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    width, height = fig.get_size_inches()
    assert width <= 3 * 4.8 + 1e-9 and height > 3.6


@pytest.mark.parametrize("n, grid", [(1, (1, 1)), (3, (1, 3)), (4, (2, 3)), (6, (2, 3)),
                                     (7, (3, 3))])
def test_history_grid(n, grid):
    assert plots.history_grid(n) == grid
