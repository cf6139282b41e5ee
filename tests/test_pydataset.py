"""Keras 3's PyDataset (keras.utils.PyDataset / Sequence) in fit/evaluate/predict, and Keras's
epoch rule for steps_per_epoch (arrays, PyDatasets, batch sources)."""
import threading
import time

import numpy as np
import pytest

import axon
from axon.data.adapter import adapt
from axon.data.pydataset import prefetch
from axon.layers import Dense


def blobs(n=64, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 4)).astype("float32") + 2.0 * y[:, None]
    return x, y


def classifier():
    model = axon.Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(2)])
    model.compile(optimizer="sgd", loss=axon.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


class Blobs(axon.utils.PyDataset):
    """Batches of ``blobs``; records which batches were asked for, on which threads, and the hooks."""

    def __init__(self, x, y, w=None, batch_size=16, as_list=False, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.w, self.batch_size, self.as_list = x, y, w, batch_size, as_list
        self.asked, self.threads, self.hooks = [], set(), []

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, idx):
        self.asked.append(idx)
        self.threads.add(threading.current_thread().name)
        rows = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
        batch = (self.x[rows], self.y[rows]) if self.w is None else (self.x[rows], self.y[rows], self.w[rows])
        return list(batch) if self.as_list else batch

    def on_epoch_begin(self):
        self.hooks.append("begin")

    def on_epoch_end(self):
        self.hooks.append("end")


class Endless(axon.utils.PyDataset):
    def __init__(self, x, y, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.asked = x, y, []

    @property
    def num_batches(self):
        return None

    def __getitem__(self, idx):
        self.asked.append(idx)
        rows = np.arange(idx * 8, idx * 8 + 8) % len(self.x)
        return self.x[rows], self.y[rows]


def pool_threads():
    return [t for t in threading.enumerate() if t.name.startswith("pydataset")]


def test_sequence_is_the_keras_3_alias_and_the_base_class_iterates_in_order():
    assert axon.utils.Sequence is axon.utils.PyDataset
    x, y = blobs(40)
    ds = Blobs(x, y)
    assert ds.num_batches == len(ds) == 3 and (ds.workers, ds.use_multiprocessing, ds.max_queue_size) == (1, False, 10)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in ds]), y)
    assert ds.asked == [0, 1, 2]


def test_fit_runs_len_batches_an_epoch_with_the_hooks_around_each_epoch():
    x, y = blobs()
    ds, model = Blobs(x, y), classifier()
    history = model.fit(ds, epochs=3, verbose=0, shuffle=False)
    assert model.optimizer.iterations == 3 * 4 and len(history.history["loss"]) == 3
    assert ds.hooks == ["begin", "end"] * 3
    assert ds.asked == [0, 1, 2, 3] * 3


def test_fit_shuffles_the_batch_order_of_each_epoch_and_evaluate_keeps_it():
    x, y = blobs(160)
    ds = Blobs(x, y)
    classifier().fit(ds, epochs=3, verbose=0)  # shuffle=True is fit's default, as in Keras
    epochs = [ds.asked[i:i + 10] for i in range(0, 30, 10)]
    assert all(sorted(e) == list(range(10)) for e in epochs)       # every batch once an epoch
    assert len({tuple(e) for e in epochs}) == 3 and epochs[0] != list(range(10))
    ds.asked.clear()
    classifier().evaluate(ds)
    assert ds.asked == list(range(10))


def test_the_three_batch_forms_and_a_list_read_as_x_y():
    x, y = blobs()
    model = classifier()
    model.fit(Blobs(x, y, as_list=True), epochs=1, verbose=0)   # Keras reads a list as (x, y)

    class OnlyX(axon.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, idx):
            return x[idx * 32:(idx + 1) * 32] if idx == 0 else (x[32:],)

    np.testing.assert_allclose(model.predict(OnlyX()), model.predict(x), rtol=1e-6)

    class Four(OnlyX):
        def __getitem__(self, idx):
            return x, y, y, y

    with pytest.raises(ValueError, match=r"must return x, \(x,\), \(x, y\) or \(x, y, sample_weight\); "
                                         "got a tuple of 4 items"):
        model.fit(Four(), verbose=0)


def test_sample_weights_from_the_batches_reach_the_loss_by_kerass_rule():
    # Keras 3 losses reduce with "sum_over_batch_size": the weighted per-sample losses are summed and
    # divided by the number of samples in the batch, not by the sum of the weights.
    x, y = blobs(32)
    w = np.r_[np.ones(16), np.zeros(16)].astype("float32")
    model = classifier()
    logits = model.predict(x)
    per_sample = np.log(np.exp(logits).sum(1)) - logits[np.arange(32), y]
    weighted = model.evaluate(Blobs(x, y, w, batch_size=32), return_dict=True)["loss"]
    unweighted = model.evaluate(Blobs(x, y, batch_size=32), return_dict=True)["loss"]
    assert weighted == pytest.approx(float((w * per_sample).sum() / 32), rel=1e-5)
    assert unweighted == pytest.approx(float(per_sample.mean()), rel=1e-5)
    assert abs(weighted - per_sample[:16].mean()) > 1e-3    # not the weighted mean sum(w*l)/sum(w)

    before = model.get_weights()                              # zero weights: no gradient at all
    model.fit(Blobs(x, y, np.zeros(32, "float32"), batch_size=32), epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_workers_fetch_ahead_on_threads_in_the_same_order_with_the_same_result():
    x, y = blobs(96)
    results = []
    for workers in (1, 3):
        axon.manual_seed(0)
        ds, model = Blobs(x, y, workers=workers, max_queue_size=2), classifier()
        model.fit(ds, epochs=2, verbose=0)
        results.append((model.get_weights(), ds.asked[:6], ds.asked[6:], ds.threads))
        assert not pool_threads()                                  # the pool is shut down after each epoch
    (w1, e1a, e1b, t1), (w3, e3a, e3b, t3) = results
    assert sorted(e3a) == list(range(6)) and (e1a, e1b) == (e3a, e3b)   # same shuffled order
    for a, b in zip(w1, w3):
        np.testing.assert_array_equal(a, b)
    assert t1 == {threading.current_thread().name} and all(t.startswith("pydataset") for t in t3)


def test_prefetch_keeps_at_most_max_queue_size_batches_ahead_and_stops_when_closed():
    started = []

    def fetch(i):
        started.append(i)
        return i

    gen = prefetch(fetch, range(20), workers=2, max_queue_size=3)
    for k, item in enumerate(gen):
        assert item == k and len(started) <= k + 4     # the one in hand and 3 ahead
        time.sleep(0.005)
        if k == 5:
            break
    deadline = time.monotonic() + 5
    while len(started) < 9 and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)
    assert sorted(started) == list(range(9))      # 6 taken, 3 queued ahead, and nothing more
    gen.close()
    assert not pool_threads()


def test_a_training_loop_that_breaks_off_shuts_the_pool_down():
    x, y = blobs(160)
    stop = axon.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: setattr(model, "stop_training", b == 2))
    model = classifier()
    model.fit(Blobs(x, y, workers=2), epochs=3, verbose=0, callbacks=[stop])
    assert model.optimizer.iterations == 3 and not pool_threads()


def test_a_failing_batch_is_raised_in_the_training_loop():
    class Broken(Blobs):
        def __getitem__(self, idx):
            if idx == 2:
                raise OSError("batch 2 is on a broken disk")
            return super().__getitem__(idx)

    x, y = blobs()
    with pytest.raises(OSError, match="broken disk"):
        classifier().fit(Broken(x, y, workers=2), verbose=0, shuffle=False)
    assert not pool_threads()


def test_what_is_not_offered_is_refused_by_name():
    x, y = blobs()
    with pytest.raises(ValueError, match="use_multiprocessing=True is not supported.*threads"):
        Blobs(x, y, use_multiprocessing=True)
    ds = Blobs(x, y)
    ds.workers = -1
    with pytest.raises(ValueError, match="Blobs: workers must be an integer >= 0"):
        classifier().fit(ds, verbose=0)
    with pytest.raises(ValueError, match="max_queue_size must be a positive integer"):
        Blobs(x, y, max_queue_size=0)
    with pytest.raises(ValueError, match="y and sample_weight must not be given"):
        classifier().fit(Blobs(x, y), y, verbose=0)
    with pytest.raises(ValueError, match="has no end .* pass steps_per_epoch"):
        classifier().fit(Endless(x, y), verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch .* must be a positive integer, got 2.5"):
        classifier().fit(x, y, steps_per_epoch=2.5, verbose=0)


def test_a_subclass_that_forgets_super_init_is_warned_and_gets_the_defaults():
    class NoSuper(axon.utils.PyDataset):
        def __init__(self):
            self.x, self.y = blobs(16)

        def __len__(self):
            return 1

        def __getitem__(self, idx):
            return self.x, self.y

    with pytest.warns(UserWarning, match=r"should call super\(\).__init__\(\*\*kwargs\)"):
        classifier().fit(NoSuper(), verbose=0)


def test_steps_per_epoch_goes_on_through_the_pass_and_ends_it_early_with_a_warning():
    # Keras 3's EpochIterator: an epoch of steps_per_epoch batches continues the current pass;
    # a pass that runs out ends the epoch early ("ran out of data") and the next epoch starts anew.
    x, y = blobs(80)
    ds = Blobs(x, y)                                          # 5 batches
    with pytest.warns(UserWarning, match="ran out of data after 1 of 2 batches"):
        classifier().fit(ds, steps_per_epoch=2, epochs=4, verbose=0, shuffle=False)
    assert ds.asked == [0, 1, 2, 3, 4, 0, 1]
    assert ds.hooks == ["begin", "end"] * 4                   # the hooks run around every epoch

    endless = Endless(x, y)
    classifier().fit(endless, steps_per_epoch=3, epochs=2, verbose=0)
    assert endless.asked == list(range(6))


class Counter(axon.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.steps_param, self.per_epoch = self.params["steps"], []

    def on_epoch_begin(self, epoch, logs=None):
        self.per_epoch.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.per_epoch[-1] += 1


def test_fit_on_arrays_with_steps_per_epoch_counts_that_many_batches_an_epoch():
    x, y = blobs(100)                                         # 7 batches of 16 a pass
    counter, model = Counter(), classifier()
    with pytest.warns(UserWarning, match="ran out of data after 1 of 3 batches"):
        history = model.fit(x, y, batch_size=16, steps_per_epoch=3, epochs=3, verbose=0, callbacks=[counter])
    assert counter.steps_param == 3 and counter.per_epoch == [3, 3, 1] and len(history.history["loss"]) == 3
    assert model.optimizer.iterations == 7


def test_array_epochs_with_steps_take_the_following_batches_and_a_new_order_per_pass():
    x = np.arange(10, dtype="float32")[:, None]
    source = adapt(x, x[:, 0], batch_size=2, shuffle=True, steps=3)
    with pytest.warns(UserWarning, match="ran out of data after 2 of 3 batches"):
        epochs = [np.concatenate([b[1] for b in source]) for _ in range(4)]
    assert [len(e) for e in epochs] == [6, 4, 6, 4]
    first, second = np.r_[epochs[0], epochs[1]], np.r_[epochs[2], epochs[3]]
    assert sorted(first) == sorted(second) == list(range(10)) and not np.array_equal(first, second)
    # Keras's rule without a batch size: steps batches make one pass
    assert [len(b[0]) for b in adapt(x, x, batch_size=None, steps=3)] == [4, 4, 2]
    assert [len(b[0]) for b in adapt(x, x, batch_size=None)] == [10]


def test_validation_steps_go_on_through_the_validation_data_across_epochs():
    x, y = blobs(64)
    val = Blobs(x, y)
    classifier().fit(x, y, epochs=2, verbose=0, validation_data=val, validation_steps=2)
    assert val.asked == [0, 1, 2, 3]
