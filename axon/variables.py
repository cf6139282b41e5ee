"""Keras's ``keras.Variable``: a tensor that holds state (weights, counters) and is updated in place.

>>> v = Variable(initializer="ones", shape=(2,), name="count")
>>> v.assign_add([1.0, 2.0]).tolist(), v.requires_grad
([2.0, 3.0], True)
>>> Variable([[1, 2]], dtype="int64", trainable=False).dtype
dtype('int64')
"""
import numpy as np

from . import backend, initializers
from .tensor import Tensor, unwrap


def Variable(initializer, shape=None, dtype=None, trainable=True, name=None):
    """A tensor of ``shape`` whose values come from ``initializer`` (an array, or an initializer
    name or object called with ``shape``); it requires grad when ``trainable`` and a float."""
    if callable(initializer) or isinstance(initializer, str):
        if shape is None:
            raise ValueError("Variable: an initializer needs shape=, e.g. Variable(initializer='zeros', shape=(3,))")
        dtype = np.dtype(dtype or backend.floatx())
        value = initializers.get(initializer)(tuple(shape), dtype.type)
    else:
        value = np.array(unwrap(initializer), dtype=dtype)
        if value.dtype == np.float64 and dtype is None:
            value = value.astype(backend.floatx())
        if shape is not None and tuple(shape) != value.shape:
            raise ValueError(f"Variable: the value has shape {value.shape}, shape= says {tuple(shape)}")
    value = np.ascontiguousarray(value)
    return Tensor(value, requires_grad=bool(trainable) and value.dtype.kind == "f", name=name)
