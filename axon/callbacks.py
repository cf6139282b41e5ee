"""Callbacks with Keras's hooks: they watch and steer ``fit``.

Hooks: ``on_train_begin/end``, ``on_epoch_begin/end``, ``on_train_batch_begin/end``,
``on_test_begin/end``, ``on_test_batch_begin/end``, ``on_predict_begin/end``,
``on_predict_batch_begin/end``.  ``logs`` are dicts of floats keyed as the
model's steps return them (``loss``, ``accuracy``, ``val_loss``, or a GAN's
``d_loss`` and ``g_loss``); ``on_predict_batch_end`` gets ``{"outputs": ...}``.
Setting ``self.model.stop_training = True`` ends ``fit`` after the current batch.
"""
import csv
import math
import os
import time


class Callback:
    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


class CallbackList:
    """Calls each hook on every callback in order."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for c in self.callbacks:
            c.set_model(model)
            c.set_params(params)

    def __getattr__(self, hook):
        def call(*args, **kwargs):
            for c in self.callbacks:
                getattr(c, hook)(*args, **kwargs)
        return call


class History(Callback):
    """``history.history[key]`` is the list of per-epoch values; ``fit`` returns it."""

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


class ProgbarLogger(Callback):
    """A tqdm progress bar per epoch (``verbose=1``; works in Jupyter) or one line per epoch
    (``verbose=2``), showing the running loss and metrics."""

    def __init__(self, verbose=1):
        super().__init__()
        self.verbose = verbose
        self.bar = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.start = time.perf_counter()
        if self.verbose == 1:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=self.params.get("steps"), unit="batch", leave=True, dynamic_ncols=True,
                            desc=f"Epoch {epoch + 1}/{self.params.get('epochs')}", mininterval=0.25)
            self.last = 0.0

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self.bar.update(1)
            now = time.perf_counter()
            if now - self.last > 0.25:
                self.bar.set_postfix_str(_fmt(logs), refresh=False)
                self.last = now

    def on_epoch_end(self, epoch, logs=None):
        text = _fmt(logs)
        if self.bar is not None:
            self.bar.set_postfix_str(text)
            self.bar.close()
            self.bar = None
        elif self.verbose == 2:
            took = time.perf_counter() - self.start
            print(f"Epoch {epoch + 1}/{self.params.get('epochs')} - {took:.1f}s - {text}", flush=True)

    def on_train_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _fmt(logs):
    return " - ".join(f"{k}: {v:.4f}" for k, v in (logs or {}).items() if isinstance(v, (int, float)))


class _Monitor(Callback):
    """Shared by callbacks that watch one logged quantity for improvement."""

    def __init__(self, monitor="val_loss", mode="auto", min_delta=0.0):
        super().__init__()
        self.monitor, self.min_delta = monitor, abs(min_delta)
        if mode == "auto":
            mode = "max" if any(k in monitor for k in ("acc", "precision", "recall", "f1", "auc")) else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"{type(self).__name__}: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.mode = mode

    def _value(self, logs):
        v = (logs or {}).get(self.monitor)
        if v is None:
            raise KeyError(f"{type(self).__name__}: monitored quantity {self.monitor!r} is not in the logs "
                           f"{sorted(logs or {})}; pass validation data for 'val_' quantities")
        return v

    def _improved(self, value, best):
        if best is None:
            return True
        return value < best - self.min_delta if self.mode == "min" else value > best + self.min_delta


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs;
    optionally put back the best epoch's weights."""

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, mode="auto",
                 restore_best_weights=False, start_from_epoch=0, verbose=0):
        super().__init__(monitor, mode, min_delta)
        self.patience, self.restore_best_weights = patience, restore_best_weights
        self.start_from_epoch, self.verbose = start_from_epoch, verbose

    def on_train_begin(self, logs=None):
        self.wait, self.best, self.best_weights, self.best_epoch = 0, None, None, 0
        self.stopped_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if epoch < self.start_from_epoch:
            return
        value = self._value(logs)
        if self._improved(value, self.best):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:  # Keras: stop at the patience-th epoch without improvement
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
        if self.stopped_epoch and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping (best {self.monitor} "
                  f"{self.best:.4f} at epoch {self.best_epoch + 1})")


class ModelCheckpoint(_Monitor):
    """Save the model after each epoch (``{epoch}`` and log keys may appear in ``filepath``),
    or only when ``monitor`` improves with ``save_best_only``."""

    def __init__(self, filepath, monitor="val_loss", save_best_only=False, save_weights_only=False,
                 mode="auto", verbose=0):
        super().__init__(monitor, mode)
        self.filepath, self.save_best_only = os.fspath(filepath), save_best_only
        self.save_weights_only, self.verbose = save_weights_only, verbose
        self.best = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            value = self._value(logs)
            if not self._improved(value, self.best):
                return
            self.best = value
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved model to {path}")


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start to ``schedule(epoch, lr)`` (or ``schedule(epoch)``)."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        opt = self.model.optimizer
        try:
            lr = self.schedule(epoch, opt.lr)
        except TypeError:
            lr = self.schedule(epoch)
        opt.learning_rate = float(lr)
        if self.verbose:
            print(f"Epoch {epoch + 1}: learning rate {lr:.6g}")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = self.model.optimizer.lr


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, verbose=0):
        super().__init__(monitor, mode, min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1, got {factor}")
        self.factor, self.patience, self.cooldown, self.min_lr = factor, patience, cooldown, min_lr
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        self.wait, self.cooldown_counter, self.best = 0, 0, None

    def on_epoch_end(self, epoch, logs=None):
        value = self._value(logs)
        opt = self.model.optimizer
        if logs is not None:
            logs["learning_rate"] = opt.lr
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(value, self.best):
            self.best, self.wait = value, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait >= self.patience and opt.lr > self.min_lr:
            new = max(opt.lr * self.factor, self.min_lr)
            opt.learning_rate = new
            self.cooldown_counter, self.wait = self.cooldown, 0
            if self.verbose:
                print(f"Epoch {epoch + 1}: ReduceLROnPlateau lowered the learning rate to {new:.6g}")


class CSVLogger(Callback):
    """Append one CSV row of logs per epoch to ``filename``."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self.file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer, self.keys, self.header_done = None, None, exists

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.writer is None:
            self.keys = sorted(logs)
            self.writer = csv.DictWriter(self.file, ["epoch"] + self.keys, delimiter=self.sep)
            if not self.header_done:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{k: logs.get(k, "") for k in self.keys}})
        self.file.flush()

    def on_train_end(self, logs=None):
        self.file.close()


class TerminateOnNaN(Callback):
    """Stop training quietly when the loss becomes NaN or infinite (instead of raising)."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: invalid loss {loss}, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from functions: ``on_epoch_end=lambda epoch, logs: ...`` and so on."""

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if not hasattr(Callback, name):
                raise ValueError(f"LambdaCallback: unknown hook {name!r}")
            setattr(self, name, _with_logs(fn, 1 if "epoch" in name or "batch" in name else 0))


def _with_logs(fn, n_args):
    """``fn`` called as Keras calls LambdaCallback hooks: ``(epoch or batch, logs)`` or ``(logs)``,
    with ``{}`` where ``fit`` passes no logs."""
    def hook(*args, logs=None):
        if len(args) > n_args:
            args, logs = args[:n_args], args[n_args]
        return fn(*args, {} if logs is None else logs)
    return hook


__all__ = ["Callback", "History", "ProgbarLogger", "EarlyStopping", "ModelCheckpoint",
           "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger", "TerminateOnNaN",
           "LambdaCallback"]
