"""The tf.data pipeline of the CIFAR-10 lessons."""

import numpy as np
import pytest

from course_utils.pipelines import make_dataset


def batches(dataset):
    return [(x.numpy(), y.numpy()) for x, y in dataset]


def test_scales_to_unit_float_and_keeps_order_without_shuffle():
    x = np.arange(5 * 2 * 2 * 3, dtype=np.uint8).reshape(5, 2, 2, 3)
    y = np.arange(5)
    out = batches(make_dataset(x, y, batch_size=2))
    assert [len(b[1]) for b in out] == [2, 2, 1]
    images = np.concatenate([b[0] for b in out])
    assert images.dtype == np.float32
    np.testing.assert_allclose(images, x / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in out]), y)


def test_grayscale_gets_a_channel_axis_and_shuffle_keeps_pairs():
    x = np.repeat(np.arange(20, dtype=np.uint8)[:, None, None], 3, axis=1).repeat(3, axis=2)
    y = np.arange(20)
    out = batches(make_dataset(x, y, batch_size=8, shuffle=True, seed=1))
    images = np.concatenate([b[0] for b in out])
    labels = np.concatenate([b[1] for b in out])
    assert images.shape == (20, 3, 3, 1)
    assert sorted(labels) == list(range(20)) and list(labels) != list(range(20))
    np.testing.assert_allclose(images[:, 0, 0, 0] * 255, labels, atol=1e-4)


def test_augment_runs_on_batches():
    calls = []

    def augment(images, training):
        calls.append(training)
        return 1.0 - images

    x = np.zeros((4, 2, 2, 3), np.uint8)
    out = batches(make_dataset(x, np.zeros(4), batch_size=4, augment=augment))
    np.testing.assert_allclose(out[0][0], 1.0)
    assert calls and all(calls)


@pytest.mark.parametrize(
    "x, y, batch_size, message",
    [
        (np.zeros((3, 4, 4)), np.zeros(2), 2, "mesmo tamanho"),
        (np.zeros((3, 4)), np.zeros(3), 2, "formato"),
        (np.zeros((3, 4, 4)), np.zeros(3), 0, "batch_size"),
    ],
)
def test_bad_inputs_are_named(x, y, batch_size, message):
    with pytest.raises(ValueError, match=message):
        make_dataset(x, y, batch_size=batch_size)
