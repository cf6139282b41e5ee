"""What ``fit``/``evaluate``/``predict`` are given, turned into one epoch's batches.

Accepted: arrays (or lists of arrays for several inputs or outputs), with
``batch_size`` and shuffling; objects with ``__len__`` and ``__getitem__``
returning batches (Keras ``PyDataset``-style: ``DataLoader``,
``ImageDataGenerator.flow``, ``LengthBuckets``); and plain iterators or
generators of batches, with ``steps`` per epoch.  Every source yields batches
in the protocol of ``axon.data.batches``.

>>> source = adapt(np.zeros((5, 3)), np.arange(5), batch_size=2)
>>> len(source), [len(b[0]) for b in source]
(3, [2, 2, 1])
"""
import warnings

import numpy as np

from ..tensor import Tensor
from .batches import (ArrayBatches, as_structure, num_samples, pack_x_y_sample_weight, take,
                      to_floatx, unpack_x_y_sample_weight)


def is_array_like(x):
    return isinstance(x, (np.ndarray, Tensor, list, tuple)) and not hasattr(x, "__next__")


class SequenceBatches:
    """Batches from an indexable batch source (``len`` and ``[i]``); ``steps`` of them an epoch,
    after which the source's ``on_epoch_end`` runs."""

    def __init__(self, source, steps=None):
        self.source, self.steps = source, steps or len(source)
        if not self.steps:
            raise ValueError(f"{type(source).__name__} holds no batches (len 0); is the data empty?")

    def __len__(self):
        return self.steps

    def __iter__(self):
        for i in range(self.steps):
            yield _float_inputs(self.source[i % len(self.source)])
        if hasattr(self.source, "on_epoch_end"):
            self.source.on_epoch_end()


class IteratorBatches:
    """Batches drawn from an iterator: ``steps`` of them make an epoch.  An iterator that runs
    out ends the epoch with a warning."""

    def __init__(self, iterator, steps):
        if steps is None:
            raise ValueError("a generator or iterator needs steps_per_epoch (or steps) to know "
                             "where an epoch ends")
        self.it, self.steps = iter(iterator), int(steps)

    def __len__(self):
        return self.steps

    def __iter__(self):
        count = 0
        while count < self.steps:
            try:
                batch = next(self.it)
            except StopIteration:
                warnings.warn(f"the input ran out of data after {count} of {self.steps} batches of this "
                              "epoch; make sure the generator yields at least steps_per_epoch * epochs "
                              "batches (or pass an endless one)", stacklevel=2)
                return
            count += 1
            yield _float_inputs(batch)


def _float_inputs(batch):
    return as_batch(*unpack_x_y_sample_weight(batch))


def as_batch(x, y=None, sample_weight=None):
    """A batch in the protocol from arrays (float64 inputs become the default float type)."""
    return pack_x_y_sample_weight(to_floatx(as_structure(x)), as_structure(y), sample_weight)


def adapt(x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None, seed=None):
    """The batch source for ``x`` (and ``y``, ``sample_weight``)."""
    if x is None:
        raise ValueError("no input data: pass x (arrays, a batch generator or an iterator)")
    if is_array_like(x):
        if num_samples(as_structure(x)) == 0:
            raise ValueError(f"x holds no samples (shape {np.shape(as_structure(x))}); there is nothing to "
                             "train or evaluate on")
        source = ArrayBatches(x, y, sample_weight, batch_size, shuffle, seed)
        if steps is not None and steps < len(source):
            source = SequenceBatches(source, steps)
        return source
    if y is not None or sample_weight is not None:
        raise ValueError("y and sample_weight must not be given when x is a generator or dataset; "
                         "let it yield (x, y) or (x, y, sample_weight) batches")
    if hasattr(x, "__getitem__") and hasattr(x, "__len__"):
        return SequenceBatches(x, steps)
    return IteratorBatches(x, steps)


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
