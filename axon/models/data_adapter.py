"""Turning what ``fit``/``evaluate``/``predict`` are given into batches.

Accepted: arrays (or lists of arrays for several inputs) with batch_size and
shuffling; objects with ``__len__`` and ``__getitem__`` returning batches (Keras
``Sequence``-style, such as ``ImageDataGenerator.flow``); and plain iterators
of ``(x, y)`` batches with ``steps``.
"""
import math

import numpy as np

from .. import backend
from ..tensor import Tensor


def _arr(a):
    if isinstance(a, Tensor):
        return a.numpy()
    return a if isinstance(a, np.ndarray) else np.asarray(a)


def _to_float(a):
    a = _arr(a)
    return a.astype(backend.floatx()) if a.dtype == np.float64 else a


def _several(x):
    """Whether ``x`` holds several inputs (or targets): a list of arrays.  A list of numbers or of
    nested lists of numbers is one array written in Python (Keras reads it so too)."""
    return isinstance(x, (list, tuple)) and any(isinstance(a, (np.ndarray, Tensor)) for a in x)


def _one_or_several(x):
    if isinstance(x, (list, tuple)) and not _several(x):
        return np.asarray(x)
    return x


def _length(x):
    return len(x[0]) if _several(x) else len(x)


def _take(x, idx):
    if isinstance(x, (list, tuple)):
        return [a[idx] for a in x]
    return x[idx]


def is_array_like(x):
    return isinstance(x, (np.ndarray, Tensor, list, tuple)) and not hasattr(x, "__next__")


class ArrayBatches:
    """Batches of in-memory arrays, reshuffled each epoch when ``shuffle``."""

    def __init__(self, x, y=None, batch_size=32, shuffle=False):
        if batch_size is None or int(batch_size) < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.x = [_to_float(a) for a in x] if isinstance(x, (list, tuple)) else _to_float(x)
        self.y = None if y is None else ([_arr(a) for a in y] if isinstance(y, (list, tuple)) else _arr(y))
        self.n = _length(self.x)
        if self.y is not None and _length(self.y) != self.n:
            raise ValueError(f"x has {self.n} samples but y has {_length(self.y)}; they must match")
        self.batch_size, self.shuffle = int(batch_size), shuffle

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def __iter__(self):
        bs = self.batch_size
        order = backend.rng().permutation(self.n) if self.shuffle else None
        for start in range(0, self.n, bs):
            idx = order[start:start + bs] if order is not None else slice(start, start + bs)
            yield _take(self.x, idx), (None if self.y is None else _take(self.y, idx))


class SequenceBatches:
    """Batches from an indexable batch source (``len`` and ``[i]``), e.g. a generator's ``flow``."""

    def __init__(self, source, steps=None):
        self.source, self.steps = source, steps or len(source)

    def __len__(self):
        return self.steps

    def __iter__(self):
        for i in range(self.steps):
            yield _split(self.source[i % len(self.source)])
        if hasattr(self.source, "on_epoch_end"):
            self.source.on_epoch_end()


class IteratorBatches:
    """Batches drawn from an endless iterator; ``steps`` of them make an epoch."""

    def __init__(self, iterator, steps):
        if steps is None:
            raise ValueError("a generator or iterator needs steps_per_epoch (or steps) to know "
                             "where an epoch ends")
        self.it, self.steps = iter(iterator), steps

    def __len__(self):
        return self.steps

    def __iter__(self):
        for _ in range(self.steps):
            yield _split(next(self.it))


def _split(batch):
    """``(x, y)`` from a batch that is ``(x, y)``, ``(x, y, weights)`` or ``x`` alone."""
    x, y = (batch[0], batch[1]) if isinstance(batch, tuple) and len(batch) in (2, 3) else (batch, None)
    x = [_to_float(a) for a in x] if isinstance(x, list) else _to_float(x)
    return x, y


def adapt(x, y=None, batch_size=32, shuffle=False, steps=None):
    """The batch source for ``x`` (and ``y``)."""
    if x is None:
        raise ValueError("no input data: pass x (arrays, a batch generator or an iterator)")
    x = _one_or_several(x)
    y = None if y is None else _one_or_several(y)
    if is_array_like(x):
        return ArrayBatches(x, y, batch_size, shuffle)
    if y is not None:
        raise ValueError("y must not be given when x is a generator or dataset that yields (x, y) batches")
    if hasattr(x, "__getitem__") and hasattr(x, "__len__"):
        return SequenceBatches(x, steps)
    return IteratorBatches(x, steps)


def split_validation(x, y, fraction):
    """Keras's ``validation_split``: the last ``fraction`` of the samples, taken before shuffling."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {fraction}")
    x = _one_or_several(x)
    y = None if y is None else _one_or_several(y)
    if not is_array_like(x):
        raise ValueError("validation_split needs arrays; for a generator pass validation_data")
    n = _length(x)
    cut = int(n * (1 - fraction))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={fraction} leaves an empty split of {n} samples")
    first, last = slice(0, cut), slice(cut, n)
    return (_take(x, first), None if y is None else _take(y, first)), \
           (_take(x, last), None if y is None else _take(y, last))
