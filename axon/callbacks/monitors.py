"""Callbacks that watch a logged quantity and act on it: stop early, save checkpoints, stop on a
non-finite loss."""
import math
import os
import string
import warnings

from .base import Callback


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

    def _current(self, logs, what):
        """The monitored value in ``logs``, or ``None`` after a warning (as Keras) naming the keys
        that are logged; ``what`` says what the quantity conditions."""
        v = (logs or {}).get(self.monitor)
        if v is None:
            warnings.warn(f"{type(self).__name__}: {what} is conditioned on metric `{self.monitor}` which is "
                          f"not available. Available metrics are: {','.join(logs or {})}. "
                          + _how_to_log(self.monitor) + ".", stacklevel=3)
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
        value = self._current(logs, "early stopping")
        if value is None:
            return
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
        self._keys = _format_keys(self.filepath)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self._check_keys(logs)
        if self.save_best_only:
            value = self._current(logs, "saving the best model")
            if value is None or not self._improved(value, self.best):
                return
            self.best = value
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved model to {path}")

    def _check_keys(self, logs):
        """Raise before saving when ``filepath`` names a key that is not logged this epoch."""
        missing = [k for k in self._keys if k != "epoch" and k not in logs]
        if missing:
            raise KeyError(f"ModelCheckpoint: filepath {self.filepath!r} names {{{missing[0]}}}, which is not "
                           f"in the logs of this epoch; the available keys are epoch, {', '.join(logs)}. "
                           + _how_to_log(missing[0]) + ", or use a key that is logged")


def _format_keys(filepath):
    """The field names ``{name...}`` of the format string ``filepath``, checked for syntax.

    >>> _format_keys("m-{epoch:02d}-{val_loss:.2f}.keras")
    ['epoch', 'val_loss']
    """
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(filepath) if f is not None]
    except ValueError as e:
        raise ValueError(f"ModelCheckpoint: filepath {filepath!r} is not a valid format string ({e}); "
                         "write placeholders as {epoch:02d} or {val_loss:.2f}, and double {{ }} for braces") from e
    names = []
    for f in fields:
        name = f.split(".")[0].split("[")[0]
        if not name or name.isdigit():
            raise ValueError(f"ModelCheckpoint: filepath {filepath!r} has a positional placeholder {{{f}}}; "
                             "name a key such as {epoch} or {val_loss}")
        if name not in names:
            names.append(name)
    return names


def _how_to_log(key):
    """What to do so that ``key`` appears in the epoch logs."""
    if key.startswith("val_"):
        return f"`{key}` is logged only with validation: pass validation_data= or validation_split= to fit"
    return f"`{key}` is logged only when it is the loss or a metric passed to compile(metrics=...)"


class TerminateOnNaN(Callback):
    """Stop training quietly when the loss becomes NaN or infinite (instead of raising)."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: invalid loss {loss}, terminating training")
            self.model.stop_training = True
