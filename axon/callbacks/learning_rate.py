"""Callbacks that steer the optimizer's learning rate: by a schedule over epochs, or down when a
monitored quantity stops improving."""
import math
import numbers

from .base import Callback
from .monitors import _Monitor


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start to ``schedule(epoch, lr)`` (or ``schedule(epoch)``)."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function of (epoch, lr) or (epoch) "
                            f"returning the learning rate, got {schedule!r}; pass e.g. lambda epoch, lr: lr * 0.9, "
                            "or give the optimizer a LearningRateSchedule such as CosineDecay")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        opt = self.model.optimizer
        try:
            lr = self.schedule(epoch, opt.learning_rate)
        except TypeError:
            lr = self.schedule(epoch)
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 <= lr < math.inf:
            raise ValueError(f"LearningRateScheduler: the schedule must return a float >= 0 (the learning "
                             f"rate of epoch {epoch}), got {lr!r}; make schedule(epoch, lr) return a "
                             "number, e.g. lr * 0.9")
        opt.learning_rate = float(lr)
        if self.verbose:
            print(f"Epoch {epoch + 1}: learning rate {lr:.6g}")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = self.model.optimizer.learning_rate


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, verbose=0):
        super().__init__(monitor, mode, min_delta)
        if not 0 < factor < 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), the number the learning rate is "
                             f"multiplied by on a plateau, got {factor!r}; pass e.g. factor=0.1 or 0.5")
        for argument, value in (("patience", patience), ("cooldown", cooldown), ("min_lr", min_lr)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
                raise ValueError(f"ReduceLROnPlateau: {argument} must be a number >= 0, got {value!r}; pass e.g. "
                                 f"{argument}={0 if argument == 'min_lr' else 5}")
        self.factor, self.patience, self.cooldown, self.min_lr = factor, patience, cooldown, min_lr
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        self.wait, self.cooldown_counter, self.best = 0, 0, None

    def on_epoch_end(self, epoch, logs=None):
        opt = self.model.optimizer
        if logs is not None:
            logs["learning_rate"] = opt.learning_rate
        value = self._current(logs, "learning rate reduction")
        if value is None:  # as Keras: warned, and the rate is left alone this epoch
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(value, self.best):
            self.best, self.wait = value, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait >= self.patience and opt.learning_rate > self.min_lr:
            new = max(opt.learning_rate * self.factor, self.min_lr)
            opt.learning_rate = new
            self.cooldown_counter, self.wait = self.cooldown, 0
            if self.verbose:
                print(f"Epoch {epoch + 1}: ReduceLROnPlateau lowered the learning rate to {new:.6g}")
