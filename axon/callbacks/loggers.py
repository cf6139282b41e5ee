"""Callbacks that record or show the logs: ``History`` (what ``fit`` returns), the progress bar,
and a CSV file of one row per epoch."""
import csv
import os
import time

from .base import Callback


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
