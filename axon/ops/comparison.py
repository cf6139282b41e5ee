"""Comparisons and logic, as Keras's ``ops``: elementwise ``equal``, ``greater``, ...,
``logical_and``/``or``/``not``/``xor``, the tests ``isnan``/``isinf``/``isfinite`` and the
reductions ``any``/``all`` (which shadow the builtins inside this module).  Each takes tensors, NumPy arrays or Python numbers (broadcasting)
and gives a boolean tensor without a gradient.

>>> import axon
>>> greater(axon.Tensor([1.0, 3.0]), 2).tolist()
[False, True]
>>> all(less_equal([1, 2], [1, 3])).item()
True
"""
import numpy as np

from ..tensor import Tensor, unwrap


def equal(x1, x2): return Tensor(np.equal(unwrap(x1), unwrap(x2)))
def not_equal(x1, x2): return Tensor(np.not_equal(unwrap(x1), unwrap(x2)))
def greater(x1, x2): return Tensor(np.greater(unwrap(x1), unwrap(x2)))
def greater_equal(x1, x2): return Tensor(np.greater_equal(unwrap(x1), unwrap(x2)))
def less(x1, x2): return Tensor(np.less(unwrap(x1), unwrap(x2)))
def less_equal(x1, x2): return Tensor(np.less_equal(unwrap(x1), unwrap(x2)))
def logical_and(x1, x2): return Tensor(np.logical_and(unwrap(x1), unwrap(x2)))
def logical_or(x1, x2): return Tensor(np.logical_or(unwrap(x1), unwrap(x2)))
def logical_xor(x1, x2): return Tensor(np.logical_xor(unwrap(x1), unwrap(x2)))
def logical_not(x): return Tensor(np.logical_not(unwrap(x)))
def isnan(x): return Tensor(np.isnan(unwrap(x)))
def isinf(x): return Tensor(np.isinf(unwrap(x)))
def isfinite(x): return Tensor(np.isfinite(unwrap(x)))


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def any(x, axis=None, keepdims=False):
    """Whether any entry of ``x`` is true (nonzero), over ``axis`` (all axes when None)."""
    return Tensor(np.any(unwrap(x), axis=_axis(axis), keepdims=keepdims))


def all(x, axis=None, keepdims=False):
    """Whether every entry of ``x`` is true (nonzero), over ``axis`` (all axes when None)."""
    return Tensor(np.all(unwrap(x), axis=_axis(axis), keepdims=keepdims))

