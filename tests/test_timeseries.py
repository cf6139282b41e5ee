"""timeseries_dataset_from_array: Keras 3's windowing rule, checked against its documented examples
and against the windows cut one by one in a Python loop (the textbook version)."""
import numpy as np
import pytest

import axon
from axon.layers import Dense, Flatten
from axon.utils import timeseries_dataset_from_array


def loop_windows(data, targets, length, stride, rate, start, end):
    """The windows and targets as the definition says, one window at a time."""
    xs, ys = [], []
    s = start
    while s + (length - 1) * rate < end and (targets is None or s < len(targets)):
        xs.append(np.stack([data[s + j * rate] for j in range(length)]))
        ys.append(None if targets is None else targets[s])
        s += stride
    return np.stack(xs), (None if targets is None else np.stack(ys))


def gather(ds):
    batches = list(ds)
    if isinstance(batches[0], tuple):
        return np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
    return np.concatenate(batches), None


def test_keras_example_1_indices_of_the_windows():
    ds = timeseries_dataset_from_array(np.arange(99), None, sequence_length=10, sampling_rate=2,
                                       sequence_stride=3)
    x, _ = gather(ds)
    np.testing.assert_array_equal(x[0], [0, 2, 4, 6, 8, 10, 12, 14, 16, 18])
    np.testing.assert_array_equal(x[1], [3, 5, 7, 9, 11, 13, 15, 17, 19, 21])
    np.testing.assert_array_equal(x[2], [6, 8, 10, 12, 14, 16, 18, 20, 22, 24])
    np.testing.assert_array_equal(x[-1], [78, 80, 82, 84, 86, 88, 90, 92, 94, 96])
    assert len(x) == 27 and len(ds) == 1                      # batch_size 128 by default


def test_keras_example_2_each_window_predicts_the_step_after_it():
    data = np.sin(np.arange(200) / 7.0)
    ds = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10, batch_size=32)
    inputs, targets = ds[0]
    np.testing.assert_array_equal(inputs[0], data[:10])
    assert targets[0] == data[10]
    x, y = gather(ds)
    assert len(x) == 181 and len(ds) == 6
    np.testing.assert_array_equal(y, data[10:191])
    np.testing.assert_array_equal(x[:, -1], data[9:190])      # the target follows each window's end


def test_keras_example_3_many_to_many_without_overlap():
    X = np.arange(100)
    Y = X * 2
    inputs = timeseries_dataset_from_array(X, None, sequence_length=20, sequence_stride=20)
    targets = timeseries_dataset_from_array(Y, None, sequence_length=20, sequence_stride=20)
    for a, b in zip(inputs, targets):
        np.testing.assert_array_equal(a[0], X[:20])
        np.testing.assert_array_equal(b[1], Y[20:40])
        assert a.shape == (5, 20)


@pytest.mark.parametrize("length,stride,rate,start,end", [(4, 1, 1, None, None), (3, 2, 3, 5, 40),
                                                          (5, 3, 2, 2, None), (1, 7, 1, None, 45)])
def test_windows_and_targets_match_the_loop(length, stride, rate, start, end):
    rng = np.random.default_rng(0)
    data, targets = rng.normal(size=(50, 3)).astype("float32"), rng.integers(0, 9, 50)
    ds = timeseries_dataset_from_array(data, targets, length, stride, rate, batch_size=4,
                                       start_index=start, end_index=end)
    want_x, want_y = loop_windows(data, targets, length, stride, rate, start or 0, end or 50)
    x, y = gather(ds)
    np.testing.assert_array_equal(x, want_x)
    np.testing.assert_array_equal(y, want_y)
    assert x.dtype == np.float32 and x.shape[1:] == (length, 3) and len(ds) == -(-len(want_x) // 4)


def test_fewer_targets_than_windows_limit_the_windows():
    data = np.arange(30.0)
    ds = timeseries_dataset_from_array(data, np.arange(12), sequence_length=5, batch_size=100)
    x, y = gather(ds)
    np.testing.assert_array_equal(y, np.arange(12))
    np.testing.assert_array_equal(x[-1], [11, 12, 13, 14, 15])


def test_windows_are_a_view_of_the_data_and_batches_gather_them():
    data = np.arange(1000.0).reshape(500, 2)
    ds = timeseries_dataset_from_array(data, None, sequence_length=50, batch_size=64)
    assert np.shares_memory(ds.windows, data) and ds.windows.shape == (451, 50, 2)
    assert ds[0].shape == (64, 50, 2) and not np.shares_memory(ds[0], data)


def test_shuffle_draws_every_window_once_an_epoch_in_new_orders_with_targets_kept():
    data = np.arange(40.0)
    ds = timeseries_dataset_from_array(data, data + 100, sequence_length=3, batch_size=8, shuffle=True, seed=1)
    epochs = [gather(ds) for _ in range(2)]
    for x, y in epochs:
        assert sorted(x[:, 0]) == list(range(38))
        np.testing.assert_array_equal(y, x[:, 0] + 100)
    assert not np.array_equal(epochs[0][0], epochs[1][0])
    again = timeseries_dataset_from_array(data, data + 100, sequence_length=3, batch_size=8, shuffle=True, seed=1)
    np.testing.assert_array_equal(gather(again)[0], epochs[0][0])


def test_fit_trains_on_the_windows():
    t = np.arange(400)
    series = np.sin(t / 5.0).astype("float32")
    ds = timeseries_dataset_from_array(series[:-8], series[8:], sequence_length=8, batch_size=32)
    model = axon.Sequential([Flatten(input_shape=(8,)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(ds, epochs=8, verbose=0)
    assert model.optimizer.iterations == 8 * len(ds) == 8 * 13
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]


def test_bad_arguments_are_named():
    data = np.arange(20.0)
    cases = [
        (dict(sequence_length=0), "sequence_length must be a positive integer, got 0"),
        (dict(sequence_length=3, sampling_rate=20), r"sampling_rate must be lower than the length of the data \(20\)"),
        (dict(sequence_length=3, sequence_stride=0), "sequence_stride must be a positive integer"),
        (dict(sequence_length=3, start_index=20), r"start_index must be in \[0, 20\)"),
        (dict(sequence_length=3, end_index=20), "end_index must be above start_index .* below the length"),
        (dict(sequence_length=3, start_index=5, end_index=5), "end_index must be above start_index"),
        (dict(sequence_length=30), "hold no window of sequence_length=30"),
        (dict(sequence_length=3, batch_size=None), "batch_size=None .* is not supported"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            timeseries_dataset_from_array(data, None, **kwargs)
