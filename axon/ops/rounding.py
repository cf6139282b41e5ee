"""Piecewise-constant functions, as Keras's ``ops``: ``sign``, ``floor``, ``ceil``, ``round``.
Their derivative is 0 wherever it exists, so they give tensors without a gradient (use a
straight-through trick, ``x + stop_gradient(round(x) - x)``, to pass one through).

>>> import axon
>>> round(axon.Tensor([0.5, 1.5, 2.5])).tolist(), sign([-2, 0, 3]).tolist()
([0.0, 2.0, 2.0], [-1, 0, 1])
"""
import numpy as np

from ..tensor import Tensor
from .conversion import keras_array


def sign(x): return Tensor(np.sign(keras_array(x)))
def floor(x): return Tensor(np.floor(keras_array(x)))
def ceil(x): return Tensor(np.ceil(keras_array(x)))


def round(x, decimals=0):
    """``x`` rounded to ``decimals`` places, halves to even (as NumPy and Keras)."""
    return Tensor(np.round(keras_array(x), decimals=decimals))
