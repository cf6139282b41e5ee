"""New tensors, as Keras's ``ops``: ``zeros``, ``ones``, ``full``, their ``*_like`` forms,
``arange``, ``eye`` and ``one_hot``.  None of them carries a gradient.

Float results are ``axon.floatx()`` (float32) unless ``dtype`` says otherwise; ``arange`` of whole
numbers gives int32, as Keras.

>>> import axon
>>> one_hot(axon.Tensor([0, 2]), 3).tolist()
[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
>>> arange(3).tolist(), arange(0.0, 1.0, 0.5).tolist()
([0, 1, 2], [0.0, 0.5])
"""
import numpy as np

from .. import backend
from ..tensor import Tensor, unwrap
from .conversion import keras_array


def _float(dtype):
    return np.dtype(dtype or backend.floatx())


def zeros(shape, dtype=None):
    """A tensor of ``shape`` filled with 0."""
    return Tensor(np.zeros(shape, dtype=_float(dtype)))


def ones(shape, dtype=None):
    """A tensor of ``shape`` filled with 1."""
    return Tensor(np.ones(shape, dtype=_float(dtype)))


def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value``."""
    return Tensor(np.full(shape, unwrap(fill_value), dtype=_float(dtype)))


def zeros_like(x, dtype=None):
    """Zeros of the shape of ``x``, of its dtype unless ``dtype`` is given."""
    return Tensor(np.zeros_like(keras_array(x), dtype=dtype))


def ones_like(x, dtype=None):
    """Ones of the shape of ``x``, of its dtype unless ``dtype`` is given."""
    return Tensor(np.ones_like(keras_array(x), dtype=dtype))


def full_like(x, fill_value, dtype=None):
    """``fill_value`` in the shape of ``x``, of its dtype unless ``dtype`` is given."""
    return Tensor(np.full_like(keras_array(x), unwrap(fill_value), dtype=dtype))


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in ``[start, stop)`` (``[0, start)`` when ``stop`` is None), ``step``
    apart (1 by default): int32 when all bounds are whole numbers, else ``floatx()``."""
    bounds = [b for b in (start, stop, step) if b is not None]
    if dtype is None:
        whole = all(keras_array(b).dtype.kind in "iub" for b in bounds)
        dtype = np.int32 if whole else backend.floatx()
    if stop is None:
        start, stop = 0, start
    return Tensor(np.arange(unwrap(start), unwrap(stop), 1 if step is None else unwrap(step), dtype=dtype))


def eye(N, M=None, k=0, dtype=None):
    """An ``(N, M)`` matrix (``M = N`` by default) with ones on diagonal ``k``, zeros elsewhere."""
    return Tensor(np.eye(N, M, k, dtype=_float(dtype)))


def one_hot(x, num_classes, axis=-1, dtype=None):
    """One-hot vectors of the integer class ids ``x``: shape ``x.shape + (num_classes,)``, the new
    axis placed at ``axis``.  An id outside ``[0, num_classes)`` (e.g. -1 for padding) gives a row
    of zeros, as Keras's TensorFlow and JAX backends do.
    """
    ids = keras_array(x)
    if ids.dtype.kind not in "iu":
        raise ValueError(f"one_hot: x must hold integer class ids, got dtype {ids.dtype}; "
                         "cast it first, e.g. ops.cast(x, 'int32')")
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be a positive int, got {num_classes!r}")
    out = (ids[..., None] == np.arange(num_classes)).astype(_float(dtype))
    return Tensor(out if axis == -1 else np.moveaxis(out, -1, axis))
