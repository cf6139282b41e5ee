"""Callbacks steering fit: early stopping, checkpoints, learning-rate control, CSV logs,
NaN termination, lambdas and stop_training from a custom callback."""
import csv

import numpy as np
import pytest

import axon
from axon.callbacks import (Callback, CSVLogger, EarlyStopping, LambdaCallback, LearningRateScheduler,
                            ModelCheckpoint, ReduceLROnPlateau, TerminateOnNaN)
from axon.layers import Dense
from axon.optimizers import SGD


def problem(n=32):
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (n, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.3).astype(np.float32)[:, None]
    return x, y


def model(lr=0.01):
    m = axon.Sequential([Dense(4, activation="tanh", input_shape=(3,)), Dense(1)])
    m.compile(SGD(lr), "mse")
    return m


class Score(Callback):
    """Puts a scripted value under logs['score'] at each epoch end (listed before the callback under test)."""

    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = self.values[epoch]


class WeightsLog(Callback):
    def on_train_begin(self, logs=None):
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(self.model.get_weights())


def test_early_stopping_patience():
    x, y = problem()
    es = EarlyStopping(monitor="score", patience=2)
    h = model().fit(x, y, epochs=20, verbose=0, callbacks=[Score([5, 4, 4.5, 4.2, 3, 2, 1] + [0] * 13), es])
    # best 4 at epoch 1; epochs 2 and 3 do not improve: stop after epoch 3
    assert len(h.history["loss"]) == 4 and es.stopped_epoch == 3 and es.best == 4


def test_early_stopping_min_delta_and_mode():
    x, y = problem()
    es = EarlyStopping(monitor="score", patience=1, min_delta=0.1)
    h = model().fit(x, y, epochs=10, verbose=0, callbacks=[Score([5, 4.95, 4.9, 4.85] + [0] * 6), es])
    assert len(h.history["loss"]) == 2           # 4.95 is not an improvement of 0.1
    es = EarlyStopping(monitor="score_acc", patience=1)        # 'acc' in the name: higher is better
    assert es.mode == "max"


def test_early_stopping_restores_the_best_weights():
    x, y = problem()
    log = WeightsLog()
    es = EarlyStopping(monitor="score", patience=2, restore_best_weights=True)
    m = model(lr=0.05)
    h = m.fit(x, y, epochs=10, verbose=0, callbacks=[Score([3, 1, 2, 2.5, 0, 0, 0, 0, 0, 0]), log, es])
    assert len(h.history["loss"]) == 4
    for now, best, last in zip(m.get_weights(), log.seen[1], log.seen[-1]):
        np.testing.assert_array_equal(now, best)
        assert not np.array_equal(best, last)


def test_model_checkpoint_every_epoch(tmp_path):
    x, y = problem()
    m = model()
    m.fit(x, y, epochs=3, verbose=0, callbacks=[ModelCheckpoint(str(tmp_path / "ckpt-{epoch:02d}.axon"))])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt-01.axon", "ckpt-02.axon", "ckpt-03.axon"]
    np.testing.assert_allclose(axon.load_model(tmp_path / "ckpt-03.axon").predict(x), m.predict(x), rtol=1e-6)
    assert not np.allclose(axon.load_model(tmp_path / "ckpt-01.axon").predict(x), m.predict(x))


def test_model_checkpoint_save_best_only(tmp_path):
    x, y = problem()
    log = WeightsLog()
    path = tmp_path / "best-{epoch}.axon"
    cp = ModelCheckpoint(str(path), monitor="score", save_best_only=True)
    model().fit(x, y, epochs=4, verbose=0, callbacks=[Score([3, 1, 2, 1.5]), log, cp])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best-1.axon", "best-2.axon"]
    best = axon.load_model(tmp_path / "best-2.axon")
    for w, ref in zip(best.get_weights(), log.seen[1]):
        np.testing.assert_array_equal(w, ref)


def test_model_checkpoint_weights_only_with_log_keys(tmp_path):
    x, y = problem()
    m = model()
    m.fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
          callbacks=[ModelCheckpoint(str(tmp_path / "w-{epoch}-{val_loss:.3f}.axon"), save_weights_only=True)])
    (f,) = list(tmp_path.iterdir())
    assert f.name == f"w-1-{m.history.history['val_loss'][0]:.3f}.axon"
    other = model()
    other.load_weights(f)
    np.testing.assert_allclose(other.predict(x), m.predict(x), rtol=1e-6)


def test_learning_rate_scheduler_changes_and_logs_the_rate():
    x, y = problem(16)
    used = []
    watch = LambdaCallback(on_train_batch_begin=lambda batch, logs: used.append(m.optimizer.lr))
    m = model(lr=1.0)
    h = m.fit(x, y, epochs=3, batch_size=8, verbose=0,
              callbacks=[LearningRateScheduler(lambda epoch: 0.1 * 0.5 ** epoch), watch])
    assert used == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    assert h.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])


def test_learning_rate_scheduler_two_argument_form():
    x, y = problem(16)
    m = model(lr=0.2)
    m.fit(x, y, epochs=3, verbose=0, callbacks=[LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
    assert m.optimizer.lr == pytest.approx(0.2 * 0.5 ** 3)


def test_reduce_lr_on_plateau():
    x, y = problem(16)
    m = model(lr=0.1)
    cb = ReduceLROnPlateau(monitor="score", factor=0.5, patience=2, min_lr=0.02, min_delta=0.0)
    h = m.fit(x, y, epochs=8, verbose=0, callbacks=[Score([1.0] * 8), cb])
    # no improvement after epoch 0: halved at epochs 2, 4, then floored at min_lr
    assert h.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02])
    assert m.optimizer.lr == pytest.approx(0.02)
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(factor=1.5)


def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    x, y = problem()
    path = tmp_path / "log.csv"
    h = model().fit(x, y, epochs=3, verbose=0, validation_data=(x, y), callbacks=[CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert set(rows[0]) == {"epoch", "loss", "val_loss"}
    np.testing.assert_allclose([float(r["val_loss"]) for r in rows], h.history["val_loss"], rtol=1e-6)
    model().fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path, append=True)])
    with open(path) as f:
        assert len(f.read().strip().splitlines()) == 1 + 3 + 2     # one header


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_stops_quietly(capsys):
    x, y = problem()
    x[5] = np.inf
    m = model()
    h = m.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0, callbacks=[TerminateOnNaN()])
    assert m.optimizer.iterations == 1 and len(h.history["loss"]) == 1
    assert "invalid loss" in capsys.readouterr().out


def test_lambda_callback_hooks_get_keras_arguments():
    x, y = problem(16)
    calls = []
    cb = LambdaCallback(on_train_begin=lambda logs: calls.append(("train_begin", logs)),
                        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
                        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch, sorted(logs))),
                        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
                        on_train_end=lambda logs: calls.append(("train_end",)))
    model().fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[cb])
    assert calls == [("train_begin", {}), ("epoch_begin", 0), ("batch_end", 0, ["loss"]),
                     ("batch_end", 1, ["loss"]), ("epoch_end", 0, ["loss"]), ("train_end",)]
    with pytest.raises(ValueError, match="unknown hook 'on_epoch_finish'"):
        LambdaCallback(on_epoch_finish=print)


def test_custom_callback_sets_stop_training():
    class StopAfter(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                self.model.stop_training = True

    x, y = problem()
    m = model()
    h = m.fit(x, y, epochs=5, batch_size=4, verbose=0, callbacks=[StopAfter()])
    assert m.optimizer.iterations == 3 and len(h.history["loss"]) == 1


def test_missing_monitored_quantity_is_named():
    """As Keras: a warning naming the missing and the available metrics, and training goes on."""
    x, y = problem()
    with pytest.warns(UserWarning, match=r"EarlyStopping: early stopping is conditioned on metric `val_loss` which is not "
                      r"available\. Available metrics are: loss\. .*validation_data= or validation_split="):
        h = model().fit(x, y, epochs=2, verbose=0, callbacks=[EarlyStopping(patience=0)])
    assert len(h.history["loss"]) == 2
    with pytest.warns(UserWarning, match=r"ReduceLROnPlateau: learning rate reduction is conditioned on metric "
                      r"`val_loss` which is not available"):
        h = model().fit(x, y, epochs=2, verbose=0, callbacks=[ReduceLROnPlateau(patience=0)])
    assert len(h.history["learning_rate"]) == 2


def test_progress_output_verbose_2(capsys):
    x, y = problem()
    model().fit(x, y, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "loss:" in out


def test_tensorboard_logs_the_rate_reduce_lr_on_plateau_set(tmp_path):
    pytest.importorskip("tensorboard")
    pytest.importorskip("tensorboardX")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from axon.callbacks import TensorBoard
    x, y = problem(16)
    m = model(lr=0.1)
    plateau = ReduceLROnPlateau(monitor="score", factor=0.5, patience=1, min_delta=0.0)
    h = m.fit(x, y, epochs=4, verbose=0, callbacks=[Score([1.0] * 4), plateau, TensorBoard(tmp_path)])
    train = EventAccumulator(str(tmp_path / "train"))
    train.Reload()
    # the rate of the epoch's last step as TensorBoard sees it after the plateau callback has acted
    logged = [e.value for e in train.Scalars("epoch_learning_rate")]
    assert logged == pytest.approx([0.1, 0.05, 0.025, 0.0125])
    assert h.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.05, 0.025])   # read before it acts
    assert [e.value for e in train.Scalars("epoch_score")] == [1.0] * 4


def test_every_callback_keeps_its_import_path():
    import axon.callbacks as cbks
    from axon.callbacks import base, learning_rate, loggers, monitors, tensorboard
    homes = {"Callback": base, "CallbackList": base, "LambdaCallback": base, "History": loggers,
             "ProgbarLogger": loggers, "CSVLogger": loggers, "EarlyStopping": monitors,
             "ModelCheckpoint": monitors, "TerminateOnNaN": monitors, "LearningRateScheduler": learning_rate,
             "ReduceLROnPlateau": learning_rate, "TensorBoard": tensorboard}
    for name, module in homes.items():
        assert getattr(cbks, name) is getattr(module, name), name
    assert set(cbks.__all__) == set(homes) - {"CallbackList"}


def test_callbacks_cannot_set_the_rate_of_a_schedule_driven_optimizer():
    x, y = problem(16)
    m = axon.Sequential([Dense(1, input_shape=(3,))])
    m.compile(SGD(axon.optimizers.ExponentialDecay(0.1, 10, 0.5)), "mse")
    with pytest.raises(TypeError, match="driven by the schedule ExponentialDecay"):   # as in Keras
        m.fit(x, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: 0.01)])
    h = m.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[LambdaCallback(
        on_epoch_end=lambda epoch, logs: logs.update(rate=m.optimizer.learning_rate))])
    # the failed fit made no step; then two steps an epoch: the rate after 2 and after 4 updates
    assert h.history["rate"] == pytest.approx([0.1 * 0.5 ** (2 / 10), 0.1 * 0.5 ** (4 / 10)])


def test_model_checkpoint_missing_format_key_is_named_after_the_first_epoch(tmp_path):
    x, y = problem()
    m = model()
    ran = []
    with pytest.raises(KeyError, match=r"ModelCheckpoint: filepath .*names \{val_loss\}, which is not in the "
                       r"logs.*available keys are epoch, loss\..*validation_data= or validation_split=.*"
                       r"or use a key that is logged"):
        m.fit(x, y, epochs=3, batch_size=8, verbose=0,
              callbacks=[LambdaCallback(on_epoch_end=lambda e, logs: ran.append(e)),
                         ModelCheckpoint(str(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.keras"))])
    assert ran == [0] and list(tmp_path.iterdir()) == []


def test_model_checkpoint_unlogged_metric_key_says_compile_metrics(tmp_path):
    x, y = problem()
    with pytest.raises(KeyError, match=r"names \{mae\}.*compile\(metrics=\.\.\.\)"):
        model().fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(str(tmp_path / "m-{mae}.keras"))])


@pytest.mark.parametrize("path, match", [("m-{epoch:02d.keras", "not a valid format string"),
                                         ("m-{}.keras", "positional placeholder")])
def test_model_checkpoint_bad_format_string_fails_at_construction(tmp_path, path, match):
    with pytest.raises(ValueError, match=f"ModelCheckpoint: filepath .*{match}"):
        ModelCheckpoint(str(tmp_path / path))


def test_model_checkpoint_logged_keys_and_validation_format_fine(tmp_path):
    x, y = problem()
    model().fit(x, y, epochs=2, verbose=0, validation_split=0.25,
                callbacks=[ModelCheckpoint(str(tmp_path / "m-{epoch:02d}-{val_loss:.2f}-{loss:.1f}.keras"))])
    assert len(list(tmp_path.glob("m-0?-*.keras"))) == 2


def test_model_checkpoint_save_best_only_without_monitor_warns_and_skips(tmp_path):
    x, y = problem()
    with pytest.warns(UserWarning, match="saving the best model is conditioned on metric `val_loss`.*"
                                         "Available metrics are: loss"):
        model().fit(x, y, epochs=1, verbose=0,
                    callbacks=[ModelCheckpoint(str(tmp_path / "best.keras"), save_best_only=True)])
    assert list(tmp_path.iterdir()) == []
