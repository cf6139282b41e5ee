"""Random tensors, Keras's ``keras.random``: drawn from Axon's shared generator (reset by
``axon.manual_seed``), or from ``seed`` when one is given (the same seed, the same values).

>>> import axon
>>> normal((2, 3)).shape
(2, 3)
>>> bool((uniform((4,), seed=7).numpy() == uniform((4,), seed=7).numpy()).all())
True
"""
import numpy as np

from . import backend
from .tensor import Tensor, to_numpy


def _generator(seed):
    return backend.rng() if seed is None else np.random.default_rng(seed)


def _float(dtype):
    return np.dtype(dtype or backend.floatx())


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A tensor of ``shape`` drawn from N(mean, stddev^2)."""
    values = _generator(seed).normal(mean, stddev, size=tuple(shape))
    return Tensor(values.astype(_float(dtype)))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """A tensor of ``shape`` drawn uniformly from [minval, maxval)."""
    values = _generator(seed).uniform(minval, maxval, size=tuple(shape))
    return Tensor(values.astype(_float(dtype)))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """A tensor of ``shape`` of integers drawn uniformly from [minval, maxval)."""
    return Tensor(_generator(seed).integers(minval, maxval, size=tuple(shape)).astype(dtype))


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries along ``axis`` in a random order (a new tensor)."""
    data = to_numpy(x)
    order = _generator(seed).permutation(data.shape[axis])
    return Tensor(np.take(data, order, axis=axis))
