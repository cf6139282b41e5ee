"""Picking entries by position, as Keras's ``ops``: ``argmax``/``argmin``/``argsort`` (int32
positions, no gradient), and ``take``, ``take_along_axis``, ``sort`` and ``top_k``, whose values
are differentiable: they are ``getitem`` with integer index arrays, so the gradient of each picked
value goes back to the entry it came from (added up where one entry is picked twice).

>>> import axon
>>> x = axon.Tensor([[3.0, 1.0, 2.0]])
>>> argmax(x, axis=-1).tolist(), take(x, [2, 0], axis=1).tolist()
([0], [[2.0, 3.0]])
>>> values, indices = top_k(x, 2)
>>> values.tolist(), indices.tolist()
([[3.0, 2.0]], [[0, 2]])
"""
import numpy as np

from ..tensor import Tensor, unwrap
from .conversion import operand
from .shaping import getitem, reshape


def _indices(indices, name):
    idx = np.asarray(unwrap(indices))
    if idx.dtype.kind not in "iu":
        raise ValueError(f"{name}: indices must be integers, got dtype {idx.dtype}; "
                         "cast them first, e.g. ops.cast(indices, 'int32')")
    return idx


def argmax(x, axis=None, keepdims=False):
    """Positions of the largest entries along ``axis`` (of the flattened ``x`` when None), int32."""
    return Tensor(np.argmax(unwrap(x), axis=axis, keepdims=keepdims).astype(np.int32))


def argmin(x, axis=None, keepdims=False):
    """Positions of the smallest entries along ``axis`` (of the flattened ``x`` when None), int32."""
    return Tensor(np.argmin(unwrap(x), axis=axis, keepdims=keepdims).astype(np.int32))


def argsort(x, axis=-1):
    """The positions that sort ``x`` ascending along ``axis`` (stable: ties keep their order)."""
    return Tensor(np.argsort(unwrap(x), axis=axis, kind="stable").astype(np.int32))


def take(x, indices, axis=None):
    """``np.take``: the entries of ``x`` at ``indices`` along ``axis`` (of the flattened ``x``
    when None); the result has ``indices``' shape in place of that axis."""
    x, idx = operand(x), _indices(indices, "take")
    if axis is None:
        return getitem(reshape(x, (-1,)), idx)
    axis = axis % np.ndim(unwrap(x))
    return getitem(x, (slice(None),) * axis + (idx,))


def take_along_axis(x, indices, axis=None):
    """``np.take_along_axis``: along ``axis``, entry ``i`` of the result is ``x`` at
    ``indices[i]``; ``indices`` has ``x``'s number of axes (its others broadcast against ``x``)."""
    x, idx = operand(x), _indices(indices, "take_along_axis")
    if axis is None:
        return getitem(reshape(x, (-1,)), idx.reshape(-1))
    shape = np.shape(unwrap(x))
    if idx.ndim != len(shape):
        raise ValueError(f"take_along_axis: indices must have as many axes as x ({len(shape)}), "
                         f"got shape {idx.shape} for x of shape {shape}")
    axis = axis % len(shape)
    grid = tuple(idx if d == axis else np.arange(n).reshape([-1 if e == d else 1 for e in range(len(shape))])
                 for d, n in enumerate(shape))
    return getitem(x, grid)


def sort(x, axis=-1):
    """``x`` sorted ascending along ``axis``; each value's gradient goes back to where it was."""
    return take_along_axis(x, argsort(x, axis).data, axis)


def top_k(x, k, sorted=True):
    """The ``k`` largest entries along the last axis, largest first, and their int32 positions:
    ``(values, indices)``, each of shape ``x.shape[:-1] + (k,)``.  The values are always sorted
    (``sorted=False`` allows any order, so sorted is one of them); ties keep their order."""
    x = operand(x)
    data = unwrap(x)
    if not 1 <= k <= data.shape[-1]:
        raise ValueError(f"top_k: k must be in [1, {data.shape[-1]}] (the size of the last axis), got {k}")
    keys = data if data.dtype.kind == "f" else data.astype(np.int64)
    indices = np.argsort(-keys, axis=-1, kind="stable")[..., :k].astype(np.int32)
    return take_along_axis(x, indices, axis=-1), Tensor(indices)
