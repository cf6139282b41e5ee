"""The batch protocol: what every batch source yields, and the one class that cuts samples
into (shuffled) mini-batches.

A batch is ``x`` alone, ``(x, y)`` or ``(x, y, sample_weight)``, as in Keras;
``x`` (and ``y``) may be one array or a list of arrays (several inputs or
outputs).  Arrays, ``DataLoader``, ``ImageDataGenerator.flow`` and the text
pipelines all yield batches of this form, and a model's ``train_step(data)``
receives them as they are.

>>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
>>> batches = ArrayBatches(x, y, batch_size=2)
>>> len(batches), [yb.tolist() for xb, yb in batches]
(3, [[0, 1], [2, 3], [4]])
>>> unpack_x_y_sample_weight(batches[0])[2] is None
True
"""
import math

import numpy as np

from .. import backend
from ..tensor import Tensor, to_numpy


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch for ``x``, ``y`` and weights: ``x`` alone when there are no targets (a list of
    several inputs is wrapped in a 1-tuple so it cannot be read as ``(x, y)``)."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a batch, ``None`` for what it does not hold.  A tuple is the
    batch's structure; a list is several inputs."""
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"a batch is x, (x, y) or (x, y, sample_weight); got a tuple of {len(data)} items")


def _several(x):
    """Whether ``x`` holds several arrays (inputs or targets) rather than one array written as a
    Python list of numbers (Keras reads nested lists of numbers as one array too)."""
    return isinstance(x, (list, tuple)) and any(isinstance(a, (np.ndarray, Tensor)) for a in x)


def as_structure(x):
    """``x`` as one array or a list of arrays (several inputs or outputs)."""
    if x is None:
        return None
    return [to_numpy(a) for a in x] if _several(x) else to_numpy(x)


def num_samples(x):
    """The number of samples in an array or in each array of a list."""
    return len(x[0]) if _several(x) else len(x)


def take(x, idx):
    """Rows ``idx`` (an index array or a slice) of an array or of each array of a list."""
    return [a[idx] for a in x] if _several(x) else x[idx]


def to_floatx(x):
    """float64 arrays of ``x`` converted to the default float type; others as they are."""
    if isinstance(x, list):
        return [to_floatx(a) for a in x]
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        return x.astype(backend.floatx())
    return x


class Batches:
    """Mini-batches of ``n`` samples: ``len``, ``[i]`` and ``on_epoch_end()`` (Keras's
    ``PyDataset`` protocol); iterating gives one epoch and then starts the next.

    Subclasses define ``batch(indices)``: the batch of the samples at ``indices``
    (a 1-D integer array).  With ``shuffle`` the order is redrawn for every
    epoch, when its first batch is taken, from a private generator (``seed``) or
    from Axon's shared one (``axon.manual_seed`` makes it reproducible).
    ``drop_last`` skips a final short batch.  A subclass may group the samples
    differently by overriding ``draw_batches``.
    """

    def __init__(self, n, batch_size=32, shuffle=False, seed=None, drop_last=False):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"{type(self).__name__}: batch_size must be a positive integer, got {batch_size!r}; "
                             "pass e.g. batch_size=32")
        self.n, self.batch_size = int(n), int(batch_size)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.rng = np.random.default_rng(seed) if seed is not None else None
        if len(self) == 0:
            raise ValueError(f"{type(self).__name__}: {self.n} samples make no batch of {self.batch_size}"
                             + (" with drop_last=True" if self.drop_last else "")
                             + "; is the data empty?")
        self.batches = None  # this epoch's index arrays, drawn when its first batch is asked for

    @property
    def random(self):
        """The random generator of this source: its own (seeded) or Axon's shared one."""
        return self.rng if self.rng is not None else backend.rng()

    def __len__(self):
        """The number of batches per epoch."""
        return self.n // self.batch_size if self.drop_last else math.ceil(self.n / self.batch_size)

    def draw_batches(self):
        """The sample indices of each batch of a new epoch, in the order they are served."""
        order = self.random.permutation(self.n) if self.shuffle else np.arange(self.n)
        return [order[i * self.batch_size:(i + 1) * self.batch_size] for i in range(len(self))]

    def on_epoch_end(self):
        """End the epoch: the next batch asked for starts a new one (a new order when shuffling)."""
        if self.shuffle:
            self.batches = None

    def indices(self, i):
        """The sample indices of batch ``i`` of the current epoch."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"{type(self).__name__}: batch {i} out of range for {len(self)} batches")
        if self.batches is None:
            self.batches = self.draw_batches()
        return self.batches[i]

    def __getitem__(self, i):
        return self.batch(self.indices(i))

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]
        self.on_epoch_end()


class ArrayBatches(Batches):
    """Batches of in-memory arrays ``x`` (and ``y``, ``sample_weight``), in the batch protocol;
    float64 becomes the default float type."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, seed=None):
        self.x, self.y = to_floatx(as_structure(x)), as_structure(y)
        self.sample_weight = None if sample_weight is None else to_numpy(sample_weight)
        n = num_samples(self.x)
        for name, part in (("y", self.y), ("sample_weight", self.sample_weight)):
            if part is not None and num_samples(part) != n:
                raise ValueError(f"x has {n} samples but {name} has {num_samples(part)}; they must match")
        if self.sample_weight is not None and self.y is None:
            raise ValueError("sample_weight was given without targets y")
        super().__init__(n, batch_size, shuffle, seed)

    def batch(self, indices):
        if not self.shuffle:  # in order: a contiguous slice is a view, not a copy
            indices = slice(int(indices[0]), int(indices[-1]) + 1)
        y = None if self.y is None else take(self.y, indices)
        w = None if self.sample_weight is None else self.sample_weight[indices]
        return pack_x_y_sample_weight(take(self.x, indices), y, w)


class LengthBuckets(Batches):
    """Batches of token sequences with similar lengths, each trimmed to its longest member:
    ``([src, dec_in], dec_out)`` for ``fit`` of an encoder-decoder.

    Padding (``pad_id``, at the end) costs recurrent steps: sorting the pairs by
    length (ties broken at random) before cutting them into batches, then
    shuffling the order of the batches every epoch, makes most batches much
    shorter than the longest sentence.
    """

    def __init__(self, src, dec_in, dec_out, batch_size=64, seed=0, pad_id=0):
        self.src, self.dec_in, self.dec_out = np.asarray(src), np.asarray(dec_in), np.asarray(dec_out)
        self.src_len = (self.src != pad_id).sum(1)
        self.tgt_len = (self.dec_out != pad_id).sum(1)
        super().__init__(len(self.src), batch_size, shuffle=True, seed=seed)

    def draw_batches(self):
        rng = self.random
        order = np.lexsort((rng.random(self.n), self.tgt_len, self.src_len))
        batches = [order[i:i + self.batch_size] for i in range(0, self.n, self.batch_size)]
        return [batches[i] for i in rng.permutation(len(batches))]

    def batch(self, idx):
        s, t = max(int(self.src_len[idx].max()), 1), max(int(self.tgt_len[idx].max()), 1)
        return [self.src[idx, :s], self.dec_in[idx, :t]], self.dec_out[idx, :t]
