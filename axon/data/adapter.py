"""What ``fit``/``evaluate``/``predict`` are given, turned into one epoch's batches.

Accepted: arrays (or lists of arrays for several inputs or outputs), with
``batch_size`` and shuffling; a ``PyDataset``, and other objects with
``__len__`` and ``__getitem__`` returning batches (``DataLoader``,
``ImageDataGenerator.flow``, ``LengthBuckets``, the time series and image
folder datasets); and plain iterators or generators of batches, with
``steps`` per epoch.  Every source yields batches in the protocol of
``axon.data.batches``; ``steps`` follows Keras 3's epoch rule (see
``SequenceBatches``).

>>> source = adapt(np.zeros((5, 3)), np.arange(5), batch_size=2)
>>> len(source), [len(b[0]) for b in source]
(3, [2, 2, 1])
"""
import itertools
import math
import os
import warnings
from contextlib import closing

import numpy as np

from .. import backend
from ..tensor import Tensor
from .batches import (ArrayBatches, Batches, as_structure, num_samples, pack_x_y_sample_weight, take,
                      to_floatx, unpack_x_y_sample_weight)
from .pydataset import PyDataset, parallelism, prefetch


def is_array_like(x):
    return isinstance(x, (np.ndarray, Tensor, list, tuple)) and not hasattr(x, "__next__")


class SequenceBatches:
    """Batches of an indexable source (``len`` and ``[i]``, or a ``PyDataset``), an epoch at a time,
    by Keras 3's rule.

    Without ``steps`` an epoch is one pass over the source.  With ``steps`` an
    epoch is the next ``steps`` batches of the current pass, so the next epoch
    goes on where this one stopped; a pass that runs out ends its epoch early,
    with a warning, and the next epoch starts a new pass.  A ``PyDataset`` gets
    Keras's treatment: with ``shuffle`` every pass visits its batches in a new
    random order, ``workers`` threads fetch ahead, its ``on_epoch_begin`` and
    ``on_epoch_end`` run around every epoch, a list it returns is read as
    ``(x, y[, sample_weight])``, and one without an end (``num_batches`` is
    ``None``) needs ``steps``.  Axon's own ``Batches`` (arrays, ``DataLoader``,
    the image iterators) end their epoch, and so redraw their order, only when
    a pass is complete, so that every sample comes once per pass.
    """

    def __init__(self, source, steps=None, shuffle=False):
        self.source, self.steps = source, check_steps(steps)
        self.keras = isinstance(source, PyDataset)
        total = source.num_batches if self.keras else len(source)
        name = type(source).__name__
        if total is None and self.steps is None:
            raise ValueError(f"{name} has no end (num_batches is None): pass steps_per_epoch (or steps) to "
                             "know where an epoch ends")
        if total is not None and int(total) < 1:
            raise ValueError(f"{name} holds no batches (len {total}); is the data empty?")
        self.total = None if total is None else int(total)
        self.shuffle = bool(shuffle) and self.keras and self.total is not None
        self.workers, self.max_queue_size = parallelism(source) if self.keras else (1, 1)
        self.order, self.served = None, 0  # the current pass's batch order, and how many it has served

    def __len__(self):
        return self.steps or self.total

    def __iter__(self):
        if self.keras:
            self.source.on_epoch_begin()
        if self.order is None:
            self.order = (backend.rng().permutation(self.total) if self.shuffle else
                          itertools.count() if self.total is None else range(self.total))
            self.served = 0
        todo = len(self) if self.total is None else min(len(self), self.total - self.served)
        indices = [int(i) for i in (itertools.islice(self.order, todo) if self.total is None else
                                    self.order[self.served:self.served + todo])]
        with closing(self._fetch(indices)) as batches:
            for batch in batches:
                self.served += 1
                yield _float_inputs(_keras_batch(batch) if self.keras else batch)
        if todo < len(self):
            _ran_out(todo, len(self))
        finished = self.total is not None and self.served >= self.total
        if finished:
            self.order = None
        if (finished or not isinstance(self.source, Batches)) and hasattr(self.source, "on_epoch_end"):
            self.source.on_epoch_end()

    def _fetch(self, indices):
        if self.workers > 1:
            return prefetch(self.source.__getitem__, indices, self.workers, self.max_queue_size)
        return (self.source[i] for i in indices)


def check_steps(steps):
    """``steps_per_epoch`` (or ``steps``) as an int, or ``None``."""
    if steps is None:
        return None
    if isinstance(steps, bool) or not float(steps).is_integer() or steps < 1:
        raise ValueError(f"steps_per_epoch (or steps) must be a positive integer, got {steps!r}; "
                         "for a fraction of the data use math.ceil(len(x) / batch_size)")
    return int(steps)


def _ran_out(count, steps):
    warnings.warn(f"the input ran out of data after {count} of {steps} batches of this epoch, which ends "
                  "here; make sure the source yields at least steps_per_epoch * epochs batches (or pass an "
                  "endless one)", stacklevel=3)


def _keras_batch(batch):
    """A ``PyDataset`` batch as Keras reads it: an array is ``x``, a list is ``(x, y[, sample_weight])``."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if isinstance(batch, tuple) and len(batch) not in (1, 2, 3):
        raise ValueError(f"PyDataset.__getitem__ must return x, (x,), (x, y) or (x, y, sample_weight); "
                         f"got a {type(batch).__name__} of {len(batch)} items")
    return batch


class IteratorBatches:
    """Batches drawn from an iterator: ``steps`` of them make an epoch, and the next epoch goes on
    drawing.  An iterator that runs out ends the epoch with a warning."""

    def __init__(self, iterator, steps):
        if steps is None:
            raise ValueError("a generator or iterator needs steps_per_epoch (or steps) to know "
                             "where an epoch ends")
        self.it, self.steps = iter(iterator), check_steps(steps)

    def __len__(self):
        return self.steps

    def __iter__(self):
        for count in range(self.steps):
            try:
                batch = next(self.it)
            except StopIteration:
                _ran_out(count, self.steps)
                return
            yield _float_inputs(batch)


def _float_inputs(batch):
    return as_batch(*unpack_x_y_sample_weight(batch))


def as_batch(x, y=None, sample_weight=None):
    """A batch in the protocol from arrays (float64 inputs become the default float type)."""
    return pack_x_y_sample_weight(to_floatx(as_structure(x)), as_structure(y), sample_weight)


def adapt(x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None, seed=None):
    """The batch source for ``x`` (and ``y``, ``sample_weight``).

    For arrays, ``steps`` limits the batches of each epoch, the next epoch
    going on with the following ones (see ``SequenceBatches``); without a
    ``batch_size``, Keras's rule applies: ``steps`` batches make one pass
    (``ceil(samples / steps)`` each), or 32 samples a batch without ``steps``.
    """
    if x is None:
        raise ValueError("no input data: pass x (arrays, a batch generator or an iterator)")
    _check_source(x)
    if is_array_like(x):
        x, y = _rectangular("x", x), _rectangular("y", y)
        n = num_samples(as_structure(x))
        if n == 0:
            raise ValueError(f"x holds no samples (shape {np.shape(as_structure(x))}); there is nothing to "
                             "train on, evaluate or predict: pass at least one sample (check how the data was "
                             "loaded or filtered)")
        steps = check_steps(steps)
        if batch_size is None:
            batch_size = math.ceil(n / steps) if steps else 32
        source = ArrayBatches(x, y, sample_weight, batch_size, shuffle, seed)
        return source if steps is None else SequenceBatches(source, steps)
    if y is not None or sample_weight is not None:
        raise ValueError("y and sample_weight must not be given when x is a generator or dataset; "
                         "let it yield (x, y) or (x, y, sample_weight) batches")
    if isinstance(x, PyDataset) or (hasattr(x, "__getitem__") and hasattr(x, "__len__")):
        return SequenceBatches(x, steps, shuffle)
    return IteratorBatches(x, steps)


def _check_source(x):
    """A ``ValueError`` for an ``x`` that is no data at all: a file name, a dict that reached the
    adapter (only a functional model with named inputs turns one into its list of inputs), or an
    object that can be neither indexed nor iterated."""
    if isinstance(x, (str, bytes, os.PathLike)):
        raise ValueError(f"x is the {type(x).__name__} {x!r}, not data; load the file first (np.load, "
                         "axon.datasets, image_dataset_from_directory) and pass the arrays or the dataset")
    if isinstance(x, dict):
        raise ValueError(f"x is a dict with keys {sorted(map(str, x))}, which only a functional model with "
                         "inputs of those names takes; pass the array itself (or a list of arrays in the "
                         "model's input order)")
    if not (is_array_like(x) or hasattr(x, "__getitem__") or hasattr(x, "__iter__")):
        raise ValueError(f"x of type {type(x).__name__} ({x!r:.60}) is not data; pass arrays, a PyDataset or "
                         "DataLoader, or a generator of (x, y) batches")


def _rectangular(name, value):
    """``value`` unchanged, unless it is a NumPy object array of rows of different lengths (what
    ``np.array(ragged, dtype=object)`` makes): then a ``ValueError`` naming ``name`` and the lengths.
    (The model refuses a ragged Python list before it gets here.)"""
    if isinstance(value, np.ndarray) and value.dtype == object and value.size \
            and isinstance(value.flat[0], (list, tuple, np.ndarray)):
        lengths = sorted({len(row) if hasattr(row, "__len__") else 1 for row in value.flat})
        raise ValueError(f"{name} is a ragged list: its samples have lengths {lengths[:10]} (an object array), and "
                         f"a model needs one rectangular array; pad them to one length first (axon.utils."
                         f"pad_sequences({name}, padding='post')) or pass a generator of batches")
    return value


def validation_source(validation_data, batch_size, steps=None):
    """The batch source of ``fit(validation_data=...)``: ``(x_val, y_val)``, ``(x_val, y_val,
    sample_weight)`` (a tuple or, as Keras also accepts, a list), or a batch source."""
    if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3) \
            and not isinstance(validation_data[0], (int, float)):
        return adapt(*validation_data, batch_size=batch_size, steps=steps)
    return adapt(validation_data, batch_size=batch_size, steps=steps)


def split_validation(x, y, sample_weight, fraction):
    """Keras's ``validation_split``: the last ``fraction`` of the samples, taken before shuffling.
    Returns ``(x, y, sample_weight)`` for training and for validation."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {fraction}")
    if not is_array_like(x):
        raise ValueError("validation_split needs arrays; for a generator pass validation_data")
    x, y = as_structure(x), as_structure(y)
    w = None if sample_weight is None else np.asarray(sample_weight)
    n = num_samples(x)
    cut = int(n * (1 - fraction))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={fraction} leaves an empty split of {n} samples")
    parts = []
    for rows in (slice(0, cut), slice(cut, n)):
        parts.append((take(x, rows), None if y is None else take(y, rows), None if w is None else w[rows]))
    return parts
