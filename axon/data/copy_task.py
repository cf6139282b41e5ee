"""The copy task of the neural Turing machine paper (Graves, Wayne and Danihelka 2014, section 4.1):
a network reads a sequence of random bit vectors, then a delimiter, and must then write the same
sequence out again with no input.

One sequence of length L over ``bits`` bits takes 2L + 1 time steps and ``bits + 1`` input channels:

- steps 0 .. L-1: the vectors on channels 0 .. bits-1 (the delimiter channel ``bits`` is 0);
- step L: the delimiter alone (channel ``bits`` is 1);
- steps L+1 .. 2L: no input; the targets hold the vectors here, and ``sample_weight`` is 1 here
  only, so a loss counts the answer and nothing else.

>>> x, y, sw = copy_sequences(2, length=3, bits=4, rng=0)
>>> x.shape, y.shape, sw.shape
((2, 7, 5), (2, 7, 4), (2, 7))
>>> bool((y[:, 4:] == x[:, :3, :4]).all()), sw[0].tolist()
(True, [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
>>> bit_errors(y, y, sw)
{'bit_errors_per_sequence': 0.0, 'bit_error_rate': 0.0}
"""
import numpy as np

from .. import backend
from .pydataset import PyDataset


def _generator(rng):
    if isinstance(rng, np.random.Generator):
        return rng
    return backend.rng() if rng is None else np.random.default_rng(rng)


def _positive(who, **values):
    for name, v in values.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{who}: {name} must be a positive integer, got {v!r}")


def copy_sequences(batch_size, length, bits=8, rng=None, dtype=None):
    """One batch of copy-task sequences: ``(x, y, sample_weight)`` with x (batch_size, 2L+1, bits+1),
    y (batch_size, 2L+1, bits) and sample_weight (batch_size, 2L+1) as the module says; the bits are
    fair coin flips.  ``rng``: a seed, a ``numpy.random.Generator`` or None (Axon's generator)."""
    _positive("copy_sequences", batch_size=batch_size, length=length, bits=bits)
    dtype = dtype or backend.floatx()
    seq = (_generator(rng).random((batch_size, length, bits)) < 0.5).astype(dtype)
    steps = 2 * length + 1
    x = np.zeros((batch_size, steps, bits + 1), dtype)
    x[:, :length, :bits] = seq
    x[:, length, bits] = 1
    y = np.zeros((batch_size, steps, bits), dtype)
    y[:, length + 1:] = seq
    sample_weight = np.zeros((batch_size, steps), dtype)
    sample_weight[:, length + 1:] = 1
    return x, y, sample_weight


def bit_errors(y_true, y_pred, sample_weight=None):
    """How wrong a copy is: the predictions are thresholded at 0.5 and compared bit by bit where
    ``sample_weight`` is 1 (everywhere when None).  Returns ``bit_errors_per_sequence`` (wrong bits
    per sequence, the paper's measure) and ``bit_error_rate`` (the fraction of answer bits wrong)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 3:
        raise ValueError(f"bit_errors: y_true and y_pred must both be (batch, steps, bits), got "
                         f"{y_true.shape} and {y_pred.shape}")
    wrong = (y_pred > 0.5) != (y_true > 0.5)
    counted = np.ones(y_true.shape[:2], bool) if sample_weight is None else np.asarray(sample_weight) > 0
    wrong = wrong & counted[..., None]
    n_bits = counted.sum() * y_true.shape[-1]
    return {"bit_errors_per_sequence": float(wrong.sum() / len(y_true)),
            "bit_error_rate": float(wrong.sum() / max(n_bits, 1))}


class CopyTask(PyDataset):
    """Fresh copy-task batches without end (train with ``fit(..., steps_per_epoch=...)``): each batch
    holds ``batch_size`` sequences of one length drawn uniformly from ``min_length .. max_length`` (a
    curriculum when ``min_length < max_length``).  With a ``seed`` the batches are the same run to run.

    >>> task = CopyTask(batch_size=4, min_length=1, max_length=5, bits=3, seed=0)
    >>> x, y, sw = task[0]
    >>> x.shape[0], x.shape[2], (x.shape[1] - 1) // 2 in range(1, 6), task.num_batches
    (4, 4, True, None)
    """

    def __init__(self, batch_size=32, min_length=1, max_length=8, bits=8, seed=None, **kwargs):
        super().__init__(**kwargs)
        _positive("CopyTask", batch_size=batch_size, min_length=min_length, max_length=max_length, bits=bits)
        if min_length > max_length:
            raise ValueError(f"CopyTask: min_length ({min_length}) must not exceed max_length ({max_length}); "
                             f"pass e.g. CopyTask(min_length=1, max_length={max(min_length, max_length)})")
        self.batch_size, self.min_length, self.max_length, self.bits = batch_size, min_length, max_length, bits
        self._base = int(backend.rng().integers(2 ** 63)) if seed is None else int(seed)
        self._epoch = 0

    @property
    def num_batches(self):
        return None

    def __getitem__(self, idx):
        rng = np.random.default_rng((self._base, self._epoch, int(idx)))
        length = int(rng.integers(self.min_length, self.max_length + 1))
        return copy_sequences(self.batch_size, length, self.bits, rng)

    def on_epoch_end(self):
        self._epoch += 1
