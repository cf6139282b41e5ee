"""Between tensors and NumPy, as Keras's ``ops``: ``convert_to_tensor``, ``convert_to_numpy``,
``stop_gradient`` (the same values cut from the graph), and the static facts ``shape``, ``size``
and ``dtype`` of a tensor, an array or a Python number.

Python numbers and lists follow Keras's dtypes: floats become ``axon.floatx()`` (float32), integers
int32; NumPy arrays keep their dtype.

>>> import numpy as np
>>> convert_to_tensor([1, 2]).dtype, convert_to_tensor([0.5]).dtype, convert_to_tensor(np.arange(2)).dtype
(dtype('int32'), dtype('float32'), dtype('int64'))
>>> shape(np.zeros((2, 3))), size(np.zeros((2, 3)))
((2, 3), 6)
"""
import numpy as np

from .. import backend
from ..tensor import Tensor, as_tensor, to_numpy, unwrap


def keras_array(x):
    """``x`` as an array: a Tensor's or NumPy array's own; Python data with Keras's dtypes."""
    data = unwrap(x)
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data)
    data = np.asarray(data)
    if data.dtype.kind == "f":
        return data.astype(backend.floatx())
    if data.dtype.kind in "iu":
        return data.astype(np.int32)
    return data


def operand(x):
    """A Tensor as it is (its graph kept); anything else as an array with Keras's dtypes: what an
    op that reads ``x.shape`` or indexes ``x`` is handed."""
    return x if isinstance(x, Tensor) else keras_array(x)


def convert_to_tensor(x, dtype=None):
    """``x`` (a Tensor, a NumPy array, a Python number or nested lists) as a Tensor, cast to
    ``dtype`` when given.  A Tensor already of that dtype comes back as it is, graph included."""
    if isinstance(x, Tensor):
        return as_tensor(x, dtype)
    data = keras_array(x)
    return Tensor(data if dtype is None else data.astype(dtype))


def convert_to_numpy(x):
    """``x`` as a NumPy array (a copy for a Tensor, so writing to it leaves the tensor alone)."""
    return np.array(to_numpy(x))


def stop_gradient(variable):
    """The values of ``variable`` as a tensor that no gradient flows through."""
    return Tensor(keras_array(variable))


def shape(x):
    """The shape of ``x`` as a tuple of ints (Keras: ``ops.shape(x)``)."""
    return tuple(int(n) for n in np.shape(unwrap(x)))


def size(x):
    """The number of elements of ``x`` (an int)."""
    return int(np.size(unwrap(x)))


def dtype(x):
    """The dtype of ``x`` as Keras's standard name, e.g. ``'float32'``, ``'int32'``, ``'bool'``."""
    return keras_array(x).dtype.name
