"""The training contract of Keras 3: a model's steps, and the loops that run them.

``train_step(data)``, ``test_step(data)`` and ``predict_step(data)`` get one
batch as the batch source yields it (``x``, ``(x, y)`` or ``(x, y,
sample_weight)``); the train and test steps return a dict of logs.  The
default train step is forward, ``compute_loss``, gradients, ``optimizer.apply``
and ``compute_metrics``.  ``fit``, ``evaluate`` and ``predict`` know nothing of
what a step does: they iterate the batches, call the step, hand its logs to
the callbacks (progress bar, ``History``, checkpoints) and reset the model's
metrics (``model.metrics``) each epoch.  So a GAN, a VAE or an RBM is a
``Model`` that overrides ``train_step``.
"""
import inspect
import math
import warnings

import numpy as np

from .. import callbacks as cbks
from ..autograd import grad, no_grad
from ..data.adapter import adapt, as_batch, split_validation, validation_source
from ..data.batches import num_samples, unpack_x_y_sample_weight
from ..tensor import Tensor, to_numpy


class NonFiniteLossError(FloatingPointError):
    """Raised by ``fit`` when a logged loss becomes NaN or infinite (unless a callback stops training)."""


class Trainer:
    """The steps and loops of ``Model`` (mixed into it; see ``axon.models.Model``)."""

    # ----- metrics
    @property
    def metrics(self):
        """The metric objects ``fit`` and ``evaluate`` reset each epoch: the loss tracker, the
        compiled metrics, then any ``Metric`` set as an attribute of the model."""
        out = []
        if self.compiled:
            out.append(self._loss_tracker)
            if self._compile_loss is not None:
                out += self._compile_loss.metrics  # <output>_loss of each output
            out += self._compile_metrics.metrics
        return out + [m for m in self._tracked_metrics if all(m is not o for o in out)]

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self):
        """``{name: value}`` of every metric in ``self.metrics``."""
        logs = {}
        for m in self.metrics:
            value = m.result()
            if isinstance(value, dict):
                logs.update(value)
            else:
                logs[m.name] = value
        return _pythonify(logs)

    # ----- the parts of a step
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss (weighted over outputs) plus the layers' penalties (regularizers),
        a scalar tensor."""
        terms = []
        if self._compile_loss is not None:
            if y is None:
                raise ValueError(f"{self.describe()}: the compiled loss needs targets, but the data gave no y; "
                                 "pass y= to fit/evaluate (the labels), yield (x, y) batches, or for "
                                 "validation_data pass (x_val, y_val)")
            terms.append(self._compile_loss(y, y_pred, sample_weight))
        terms += self.losses
        if not terms:
            raise ValueError(f"{self.describe()}: no loss to compute; pass loss= to compile(), e.g. "
                             "compile(optimizer='adam', loss='sparse_categorical_crossentropy')")
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with this batch; returns ``get_metrics_result()``."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _compute_loss(self, x, y, y_pred, sample_weight, training):
        """``compute_loss``, also when an override does not take ``training``."""
        params = _parameters(type(self).compute_loss)
        if "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def _forward(self, x, training):
        return self(*x, training=training) if isinstance(x, list) else self(x, training=training)

    # ----- the steps
    def train_step(self, data):
        """One update on one batch; returns the logs (the running value of every metric)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self._forward(x, training=True)
        loss = self._compute_loss(x, y, y_pred, sample_weight, training=True)
        self._loss_tracker.update_state(loss, sample_weight=num_samples(x))
        weights = self.trainable_weights
        if weights:
            self.optimizer.apply(grad(loss, weights), weights)
        elif not getattr(self, "_warned_untrainable", False):
            warnings.warn(f"{self.describe()} has no trainable weights: fit only evaluates it", stacklevel=3)
            self._warned_untrainable = True
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """The loss and metrics of one batch in inference mode; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self._forward(x, training=False)
        loss = self._compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=num_samples(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch, in inference mode."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self._forward(x, training=False)

    # ----- fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` passes over the data; returns the ``History``.

        ``batch_size=len(x)`` is batch gradient descent, ``1`` stochastic,
        anything between mini-batch (default 32).  ``x`` may also be a batch
        source (``DataLoader``, ``ImageDataGenerator.flow``) or an iterator with
        ``steps_per_epoch``.  ``class_weight`` ({class: weight}) and
        ``sample_weight`` weigh the samples' losses.
        """
        self._check_compiled("fit", "train_step")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"{self.describe()}.fit: epochs must be a whole number >= 0 (the passes over the "
                             f"data), got {epochs!r}; pass e.g. epochs=10")
        if isinstance(validation_freq, bool) or not isinstance(validation_freq, (int, np.integer)) \
                or validation_freq < 1:
            raise ValueError(f"{self.describe()}.fit: validation_freq must be a positive whole number (validate "
                             f"every that many epochs), got {validation_freq!r}; pass e.g. validation_freq=1")
        if class_weight is not None and not isinstance(class_weight, dict):
            raise ValueError(f"{self.describe()}.fit: class_weight must be a dict {{class index: weight}}, got a "
                             f"{type(class_weight).__name__}; pass e.g. class_weight={{0: 1.0, 1: 5.0}}")
        if isinstance(validation_data, tuple) and len(validation_data) not in (2, 3):
            raise ValueError(f"{self.describe()}.fit: validation_data must be (x_val, y_val) or (x_val, y_val, "
                             f"sample_weight_val), got a tuple of {len(validation_data)}; pass the targets too")
        x, y, sample_weight = self._by_position(x, y, sample_weight)
        if isinstance(validation_data, tuple):
            validation_data = self._by_position(*validation_data)[:len(validation_data)]
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = split_validation(x, y, sample_weight, validation_split)
        if class_weight is not None and y is not None:
            sample_weight = _class_sample_weights(y, class_weight, sample_weight)
        # without batch_size, Keras's rule: steps_per_epoch batches make a pass, else 32 a batch
        train = adapt(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        if class_weight is not None and y is None:  # a generator or dataset: weigh each batch's samples
            train = _ClassWeighted(train, class_weight)
        batch_size = 32 if batch_size is None else batch_size
        val = None
        if validation_data is not None:
            val = validation_source(validation_data, validation_batch_size or batch_size, validation_steps)
        history = cbks.History()
        # History comes after the user's callbacks, as in Keras, so it records what they add to
        # the logs (LearningRateScheduler and ReduceLROnPlateau log the learning rate)
        cb_list = _as_list(callbacks) + [history]
        if verbose:
            cb_list.append(cbks.ProgbarLogger(1 if verbose == "auto" else verbose))
        params = {"epochs": epochs, "steps": len(train), "verbose": verbose, "batch_size": batch_size}
        cb = cbks.CallbackList(cb_list, self, params)
        self.stop_training = False
        self.history = history
        cb.on_train_begin()
        training_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cb.on_epoch_begin(epoch)
            logs, steps = {}, 0
            for step, data in enumerate(train):
                cb.on_train_batch_begin(step)
                logs = _pythonify(self.train_step(data))
                cb.on_train_batch_end(step, logs)
                steps += 1
                self._stop_if_not_finite(logs, data, epoch, step, cb)
                if self.stop_training:
                    break
            if steps == 0:
                warnings.warn(f"{self.describe()}: epoch {epoch + 1} got no batches (the input ran out); "
                              "training stops", stacklevel=2)
                break
            epoch_logs = dict(self._metrics_result_or(logs))
            if val is not None and (epoch + 1) % validation_freq == 0 and not _losses_not_finite(logs):
                val_logs = self._evaluate_batches(val, cb)
                epoch_logs.update(("val_" + k, v) for k, v in val_logs.items())
            cb.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training:
                break
        cb.on_train_end(training_logs)
        return history

    def _stop_if_not_finite(self, logs, data, epoch, step, cb):
        bad = _losses_not_finite(logs)
        if not bad or self.stop_training:
            return
        cb.on_train_end(logs)
        where = ("the batch's inputs already held NaN or Inf: clean the data (np.isfinite) or fix "
                 "how it is loaded" if _holds_not_finite(data) else
                 "the batch's inputs were finite: try a lower learning rate, gradient clipping "
                 "(clipnorm=1.0) or scaled inputs")
        raise NonFiniteLossError(f"{self.describe()}: the {bad[0]} became {logs[bad[0]]} at epoch {epoch + 1}, "
                                 f"batch {step}; {where}; or add the TerminateOnNaN callback to stop "
                                 "quietly instead")

    def _metrics_result_or(self, logs):
        """The model's metric results when they are what the step logged (the default steps), else the
        step's own logs (a custom step that logs other things)."""
        results = self.get_metrics_result()
        return results if set(results) == set(logs) else logs

    # ----- evaluate and predict
    def _evaluate_batches(self, batches, cb):
        self.reset_metrics()
        cb.on_test_begin()
        logs = {}
        with no_grad():
            for step, data in enumerate(batches):
                cb.on_test_batch_begin(step)
                logs = _pythonify(self.test_step(data))
                cb.on_test_batch_end(step, logs)
        logs = self._metrics_result_or(logs)
        cb.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose=0, sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """Loss and metrics on the data in inference mode: a float, a list in ``metrics_names``
        order, or a dict."""
        self._check_compiled("evaluate", "test_step")
        x, y, sample_weight = self._by_position(x, y, sample_weight)
        batches = adapt(x, y, sample_weight, batch_size, False, steps)
        cb = cbks.CallbackList(_as_list(callbacks), self, {"steps": len(batches), "verbose": verbose})
        logs = self._evaluate_batches(batches, cb)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items() if isinstance(v, float)))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, engine="axon"):
        """Outputs for ``x`` in inference mode, batch by batch, as NumPy arrays (a list of arrays for
        several outputs, a dict for named ones).  ``engine="onnxruntime"`` runs the model exported
        to ONNX in onnxruntime instead (exported again whenever the weights changed; see
        ``axon.export.runtime``); ``steps`` and ``callbacks`` then do not apply."""
        if engine != "axon":
            return self._predict_elsewhere(x, batch_size, steps, callbacks, engine)
        x = self._by_position(x)[0]
        batches = adapt(x, None, None, batch_size, False, steps)
        cb = cbks.CallbackList(_as_list(callbacks), self, {"steps": len(batches), "verbose": verbose})
        it = batches
        if verbose:
            from tqdm.auto import tqdm
            it = tqdm(batches, total=len(batches), unit="batch", desc="predict")
        outs = []
        cb.on_predict_begin()
        with no_grad():
            for step, data in enumerate(it):
                cb.on_predict_batch_begin(step)
                out = _numpy(self.predict_step(data))
                outs.append(out)
                cb.on_predict_batch_end(step, {"outputs": out})
        cb.on_predict_end()
        if outs and isinstance(outs[0], dict):
            return {k: np.concatenate([o[k] for o in outs]) for k in outs[0]}
        if outs and isinstance(outs[0], list):
            return [np.concatenate(parts) for parts in zip(*outs)]
        return np.concatenate(outs)

    def _predict_elsewhere(self, x, batch_size, steps, callbacks, engine):
        from ..export.runtime import ENGINES, predict_onnxruntime
        if engine not in ENGINES:
            raise ValueError(f"{self.describe()}.predict: engine must be one of {', '.join(ENGINES)}, got "
                             f"{engine!r}")
        if steps is not None or callbacks:
            raise ValueError(f"{self.describe()}.predict: steps and callbacks need engine='axon'; onnxruntime "
                             "takes arrays")
        return predict_onnxruntime(self, x, batch_size)

    # ----- one batch
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One ``train_step`` on this batch; returns ``[loss, *metrics]`` (the loss alone when there
        are no metrics) or, with ``return_dict``, the logs."""
        self._check_compiled("train_on_batch", "train_step")
        if class_weight is not None:
            sample_weight = _class_sample_weights(y, class_weight, sample_weight)
        logs = _pythonify(self.train_step(as_batch(*self._by_position(x, y, sample_weight))))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """One ``test_step`` on this batch, as ``train_on_batch`` returns it."""
        self._check_compiled("test_on_batch", "test_step")
        with no_grad():
            logs = _pythonify(self.test_step(as_batch(*self._by_position(x, y, sample_weight))))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        with no_grad():
            return _numpy(self.predict_step(as_batch(self._by_position(x)[0])))

    def _by_position(self, x, y=None, sample_weight=None):
        """Dicts of arrays keyed by input or output name (a functional model's) as lists in the model's
        order, so that batches can be cut from them."""
        for argument, value in (("x", x), ("y", y), ("sample_weight", sample_weight)):
            _refuse_ragged(self, argument, value)
        if isinstance(x, dict) and hasattr(self, "input_names"):
            xs = self.flatten_inputs(x)
            x = xs if len(xs) > 1 else xs[0]
        if hasattr(self, "output_names"):
            y, sample_weight = (self._outputs_by_position(v) for v in (y, sample_weight))
        return x, y, sample_weight

    def _outputs_by_position(self, y):
        if not isinstance(y, dict):
            return y
        ys = self.flatten_outputs(y)
        return ys if self._multi_out else ys[0]

    def _flatten_metrics_in_order(self, logs):
        names = self.metrics_names
        values = [logs[n] for n in names if n in logs] + [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    def _check_compiled(self, what, step):
        if not self.compiled:
            raise RuntimeError(f"{self.describe()}: call compile(optimizer=..., loss=...) before {what}()")
        default = getattr(type(self), step) is getattr(Trainer, step)
        if default and self._compile_loss is None and type(self).compute_loss is Trainer.compute_loss \
                and not self.losses:
            raise ValueError(f"{self.describe()}: compile() was given no loss, and {what}() runs the "
                             f"default {step}, which needs one: compile(optimizer=..., loss=...), e.g. "
                             "loss='sparse_categorical_crossentropy'; or override train_step/compute_loss")


_PARAMS = {}


def _parameters(fn):
    if fn not in _PARAMS:
        _PARAMS[fn] = inspect.signature(fn).parameters
    return _PARAMS[fn]


def _pythonify(logs):
    """Logs with Python floats for scalar values (tensors, NumPy scalars and 0-d arrays)."""
    if not isinstance(logs, dict):
        raise TypeError(f"a train_step/test_step must return a dict of logs, got {type(logs).__name__}")
    out = {}
    for k, v in logs.items():
        if isinstance(v, Tensor):
            v = v.data
        if isinstance(v, (np.ndarray, np.generic)) and np.size(v) == 1:
            v = float(v)
        out[k] = float(v) if isinstance(v, int) and not isinstance(v, bool) else v
    return out


def _numpy(out):
    if isinstance(out, dict):
        return {k: _numpy(v) for k, v in out.items()}
    if isinstance(out, (list, tuple)):
        return [_numpy(o) for o in out]
    return to_numpy(out)


def _losses_not_finite(logs):
    """The logged losses (``loss``, ``d_loss``, ...) that are NaN or infinite."""
    return [k for k, v in logs.items() if (k == "loss" or k.endswith("_loss")) and isinstance(v, float)
            and not math.isfinite(v)]


def _holds_not_finite(data):
    x, _, _ = unpack_x_y_sample_weight(data)
    arrays = x if isinstance(x, list) else [x]
    return any(np.asarray(a).dtype.kind == "f" and not np.isfinite(a).all() for a in arrays)


class _ClassWeighted:
    """A batch source whose batches' sample weights are multiplied by their classes' weights
    (``fit(class_weight=...)`` with a generator or dataset, as Keras weighs them batch by batch)."""

    def __init__(self, source, class_weight):
        self.source, self.class_weight = source, class_weight

    def __len__(self):
        return len(self.source)

    def __iter__(self):
        for data in self.source:
            x, y, sample_weight = unpack_x_y_sample_weight(data)
            if y is None:
                raise ValueError("class_weight needs targets, but the data yields batches without y")
            yield x, y, _class_sample_weights(to_numpy(y), self.class_weight, sample_weight)


def _class_sample_weights(y, class_weight, sample_weight):
    """Keras's ``class_weight``: each sample's weight times the weight of its class (from integer
    labels or one-hot rows)."""
    if y is None or isinstance(y, list):
        raise ValueError("class_weight needs the targets y as one array of class labels")
    labels = np.asarray(y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(-1)
    labels = labels.reshape(len(labels), -1)[:, 0].astype(np.int64)
    missing = sorted(set(np.unique(labels).tolist()) - set(int(c) for c in class_weight))
    if missing:
        raise ValueError(f"class_weight has no weight for the classes {missing}; give one for every class")
    table = np.zeros(max(int(c) for c in class_weight) + 1)
    for c, w in class_weight.items():
        table[int(c)] = w
    weights = table[labels]
    return weights if sample_weight is None else weights * np.asarray(sample_weight)


def _refuse_ragged(model, argument, value):
    """A clear error for a Python list of samples of different lengths, before NumPy's own."""
    if not isinstance(value, (list, tuple)) or not value or isinstance(value[0], (np.ndarray, Tensor, dict)):
        return
    try:
        np.asarray(value)
    except ValueError:
        lengths = sorted({len(v) if isinstance(v, (list, tuple)) else 1 for v in value})
        raise ValueError(f"{model.describe()}: {argument} is a ragged list: its samples have lengths "
                         f"{lengths[:5]}, but every sample must have one shape; pad the sequences to "
                         "one length (axon.utils.pad_sequences) or pass a NumPy array") from None


def _as_list(callbacks):
    """``callbacks=`` as a list: None is none, one Callback is itself alone (as Keras flattens it)."""
    if callbacks is None:
        return []
    return [callbacks] if isinstance(callbacks, cbks.Callback) else list(callbacks)
