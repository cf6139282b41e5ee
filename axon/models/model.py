"""``Model``: a layer that trains.  Keras's ``compile``/``fit``/``evaluate``/``predict``,
``summary`` and ``save`` live here; ``Sequential`` and functional models derive from it.

Subclassing::

    class MLP(axon.Model):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(128, activation="relu")
            self.out = Dense(10)

        def call(self, x):
            return self.out(self.hidden(x))
"""
import math

import numpy as np

from .. import callbacks as cbks
from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import optimizers
from ..autograd import no_grad
from ..layers.base import Layer
from ..tensor import Tensor
from . import data_adapter


class NonFiniteLossError(FloatingPointError):
    """Raised by ``fit`` when the loss becomes NaN or infinite (unless a callback stops training)."""


class Model(Layer):
    keeps_inner_masks = True

    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs):
            from .functional_model import Functional
            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.optimizer = None
        self.compiled_loss = None
        self.compiled_metrics = []
        self.stop_training = False
        self.history = None
        self._compile_config = None

    # ----- compile
    def compile(self, optimizer="adam", loss=None, metrics=None, loss_weights=None):
        """Choose the optimizer, the loss and the metrics (strings resolve to the classes).

        A model with several outputs takes one loss for all of them or a list
        (one per output), ``loss_weights`` to weigh them in the total, and logs
        each metric per output as ``<output layer>_<metric>``.
        """
        self.optimizer = optimizers.get(optimizer)
        if loss is None:
            raise ValueError(f"{self.describe()}.compile: a loss is needed, e.g. "
                             "loss='sparse_categorical_crossentropy'")
        n_out = len(self._outputs) if getattr(self, "_multi_out", False) else 1
        per_output = list(loss) if isinstance(loss, (list, tuple)) else [loss] * n_out
        if len(per_output) != n_out:
            raise ValueError(f"{self.describe()}.compile: got {len(per_output)} losses for {n_out} outputs")
        if loss_weights is not None and len(loss_weights) != n_out:
            raise ValueError(f"{self.describe()}.compile: got {len(loss_weights)} loss_weights for "
                             f"{n_out} outputs")
        self.compiled_loss = [losses_mod.get(l) for l in per_output]
        self.loss_weights = [float(w) for w in loss_weights] if loss_weights is not None else [1.0] * n_out
        self.compiled_metrics, self._metric_outputs = [], []
        for i in range(n_out):
            for m in metrics or []:
                if n_out > 1 and isinstance(m, metrics_mod.Metric):
                    m = type(m).from_config(m.get_config())  # each output keeps its own state
                metric = metrics_mod.get(m, per_output[i])
                if n_out > 1:
                    metric.name = f"{self._outputs[i].layer.name}_{metric.name}"
                self.compiled_metrics.append(metric)
                self._metric_outputs.append(i)
        self._compile_args = {"loss": loss, "metrics": list(metrics or []), "loss_weights": loss_weights}
        if self.optimizer.params is None and self.built:
            self.optimizer.set_params(self.parameters())

    def _check_compiled(self, what):
        if self.compiled_loss is None:
            raise RuntimeError(f"{self.describe()}: call compile(optimizer=..., loss=...) before {what}()")

    # ----- one batch
    def compute_loss(self, y, y_pred):
        """The compiled loss (weighted over outputs) plus the layers' regularization penalties."""
        if len(self.compiled_loss) == 1:
            loss = self.compiled_loss[0](y, y_pred)
        else:
            ys = list(y) if isinstance(y, (list, tuple)) else [y]
            if len(ys) != len(y_pred):
                raise ValueError(f"{self.describe()}: the model has {len(y_pred)} outputs but y holds "
                                 f"{len(ys)} targets; pass a list with one array per output")
            loss = 0.0
            for fn, w, yi, pi in zip(self.compiled_loss, self.loss_weights, ys, y_pred):
                loss = loss + fn(yi, pi) * w
        for penalty in self.losses:
            loss = loss + penalty
        return loss

    def train_step(self, x, y):
        """Forward, loss, backward and one optimizer update; returns (loss value, predictions)."""
        y_pred = self(*x, training=True) if isinstance(x, list) else self(x, training=True)
        loss = self.compute_loss(y, y_pred)
        loss.backward()
        opt = self.optimizer
        if opt.params is None:
            opt.set_params(self.parameters())
        opt.step()
        opt.zero_grad()
        return float(loss.data), _data(y_pred)

    def test_step(self, x, y):
        y_pred = self(*x, training=False) if isinstance(x, list) else self(x, training=False)
        return float(self.compute_loss(y, y_pred).data), _data(y_pred)

    def train_on_batch(self, x, y):
        """One update on one batch; returns the loss."""
        self._check_compiled("train_on_batch")
        xb, yb = next(iter(data_adapter.adapt(x, y, batch_size=data_adapter._length(x))))
        return self.train_step(xb, yb)[0]

    def test_on_batch(self, x, y):
        self._check_compiled("test_on_batch")
        xb, yb = next(iter(data_adapter.adapt(x, y, batch_size=data_adapter._length(x))))
        with no_grad():
            return self.test_step(xb, yb)[0]

    # ----- fit
    def fit(self, x=None, y=None, batch_size=32, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None):
        """Train for ``epochs`` passes over the data; returns the ``History``.

        ``batch_size=len(x)`` is batch gradient descent, ``1`` stochastic,
        anything between mini-batch.  ``x`` may also be a batch generator
        (``ImageDataGenerator.flow``) or an iterator with ``steps_per_epoch``.
        """
        self._check_compiled("fit")
        if validation_split and validation_data is None:
            (x, y), validation_data = data_adapter.split_validation(x, y, validation_split)
        train = data_adapter.adapt(x, y, batch_size, shuffle, steps_per_epoch)
        val = None
        if validation_data is not None:
            # (x_val, y_val) as a tuple or, as Keras also accepts, a list of two; else a batch source
            pair = isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3)
            vx, vy = (validation_data[0], validation_data[1]) if pair else (validation_data, None)
            val = data_adapter.adapt(vx, vy, validation_batch_size or batch_size, False, validation_steps)
        history = cbks.History()
        # History comes after the user's callbacks, as in Keras, so it records what they add to
        # the logs (LearningRateScheduler and ReduceLROnPlateau log the learning rate)
        cb_list = list(callbacks or []) + [history]
        if verbose:
            cb_list.append(cbks.ProgbarLogger(1 if verbose == "auto" else verbose))
        params = {"epochs": epochs, "steps": len(train), "verbose": verbose, "batch_size": batch_size}
        cb = cbks.CallbackList(cb_list, self, params)
        self.stop_training = False
        self.history = history
        loss_mean = metrics_mod.Mean("loss")
        cb.on_train_begin()
        logs = {}
        for epoch in range(initial_epoch, epochs):
            loss_mean.reset_state()
            for m in self.compiled_metrics:
                m.reset_state()
            cb.on_epoch_begin(epoch)
            for step, (xb, yb) in enumerate(train):
                cb.on_train_batch_begin(step)
                value, pred = self.train_step(xb, yb)
                n = data_adapter._length(xb)
                loss_mean.update_state(value, n)
                self._update_metrics(yb, pred)
                batch_logs = {"loss": value if not math.isfinite(value) else loss_mean.result()}
                batch_logs.update((m.name, float(m.result())) for m in self.compiled_metrics)
                cb.on_train_batch_end(step, batch_logs)
                if not math.isfinite(value) and not self.stop_training:
                    cb.on_train_end(batch_logs)
                    raise NonFiniteLossError(
                        f"{self.describe()}: the loss became {value} at epoch {epoch + 1}, batch {step}. "
                        "Try a lower learning rate, gradient clipping (clipnorm=1.0), scaled inputs, "
                        "or add the TerminateOnNaN callback to stop quietly instead.")
                if self.stop_training:
                    break
            logs = {"loss": loss_mean.result()}
            logs.update((m.name, float(m.result())) for m in self.compiled_metrics)
            if val is not None and not (self.stop_training and not math.isfinite(logs["loss"])):
                val_logs = self._evaluate_batches(val, cb)
                logs.update(("val_" + k, v) for k, v in val_logs.items())
            cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cb.on_train_end(logs)
        return history

    def _update_metrics(self, y, pred):
        if len(self.compiled_loss) == 1:
            for m in self.compiled_metrics:
                m.update_state(y, pred)
        else:
            for m, i in zip(self.compiled_metrics, self._metric_outputs):
                m.update_state(y[i], pred[i])

    # ----- evaluate and predict
    def _evaluate_batches(self, batches, cb=None):
        loss_mean = metrics_mod.Mean("loss")
        for m in self.compiled_metrics:
            m.reset_state()
        if cb is not None:
            cb.on_test_begin()
        with no_grad():
            for step, (xb, yb) in enumerate(batches):
                value, pred = self.test_step(xb, yb)
                loss_mean.update_state(value, data_adapter._length(xb))
                self._update_metrics(yb, pred)
        logs = {"loss": loss_mean.result()}
        logs.update((m.name, float(m.result())) for m in self.compiled_metrics)
        if cb is not None:
            cb.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=32, verbose=0, steps=None, return_dict=False,
                 callbacks=None):
        """Loss (and metrics) on the data in inference mode: a float, a list, or a dict."""
        self._check_compiled("evaluate")
        batches = data_adapter.adapt(x, y, batch_size, False, steps)
        cb = cbks.CallbackList(list(callbacks or []), self, {"steps": len(batches)})
        logs = self._evaluate_batches(batches, cb)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=32, verbose=0, steps=None):
        """Outputs for ``x`` in inference mode, batch by batch, as NumPy arrays."""
        batches = data_adapter.adapt(x, None, batch_size, False, steps)
        outs = []
        it = batches
        if verbose:
            from tqdm.auto import tqdm
            it = tqdm(batches, total=len(batches), unit="batch", desc="predict")
        with no_grad():
            for xb, _ in it:
                out = self(*xb, training=False) if isinstance(xb, list) else self(xb, training=False)
                outs.append([_data(o) for o in out] if isinstance(out, (list, tuple)) else _data(out))
        if outs and isinstance(outs[0], list):
            return [np.concatenate(parts) for parts in zip(*outs)]
        return np.concatenate(outs)

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=data_adapter._length(x))

    # ----- description and saving
    def summary(self, print_fn=print):
        """Print the layers, their output shapes and parameter counts."""
        self._ensure_built("summary")
        rows = [(f"{l.name} ({type(l).__name__})", _shape_text(l.output_shape), f"{l.count_params():,}")
                for l in self.layers]
        w0 = max([len("Layer (type)")] + [len(r[0]) for r in rows]) + 2
        w1 = max([len("Output Shape")] + [len(r[1]) for r in rows]) + 2
        line = "=" * (w0 + w1 + 12)
        print_fn(f'Model: "{self.name}"')
        print_fn(line)
        print_fn(f"{'Layer (type)':<{w0}}{'Output Shape':<{w1}}{'Param #':>10}")
        print_fn(line)
        for r in rows:
            print_fn(f"{r[0]:<{w0}}{r[1]:<{w1}}{r[2]:>10}")
        print_fn(line)
        trainable = sum(w.size for w in self.trainable_weights)
        total = self.count_params()
        print_fn(f"Total params: {total:,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {total - trainable:,}")

    def _ensure_built(self, what):
        if not self.built:
            raise RuntimeError(f"{self.describe()} is not built yet, so {what}() has no shapes: call it "
                               "on a batch, fit it, or give the first layer input_shape=")

    def save(self, path):
        """Write architecture, weights and optimizer state to one file (atomically)."""
        from .saving import save_model
        save_model(self, path)

    def save_weights(self, path):
        from .saving import save_weights
        save_weights(self, path)

    def load_weights(self, path):
        from .saving import load_weights
        load_weights(self, path)


def _data(t):
    return t.data if isinstance(t, Tensor) else t


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return str((None,) + tuple(shape[1:]))
