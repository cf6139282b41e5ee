"""Shape and indexing: reshape, transpose, concat, stack, split, getitem, pad, ... (Keras's
argument names: ``reshape(x, newshape)``, ``concatenate(xs, axis=0)``, ``stack(x, axis=0)``)."""
import numpy as np

from ..autograd import Function
from ..tensor import unwrap
from ._util import unbroadcast


class Reshape(Function):
    def forward(self, a, shape=None):
        self.save(shape=a.shape)
        return a.reshape(shape)

    def backward(self, g):
        return g.reshape(self.saved.shape)


class Transpose(Function):
    def forward(self, a, axes=None):
        axes = tuple(reversed(range(a.ndim))) if axes is None else tuple(ax % a.ndim for ax in axes)
        self.save(axes=axes)
        return a.transpose(axes)

    def backward(self, g):
        return g.transpose(np.argsort(self.saved.axes))


class SwapAxes(Function):
    def forward(self, a, a1=0, a2=1):
        self.save(a1=a1, a2=a2)
        return a.swapaxes(a1, a2)

    def backward(self, g):
        return g.swapaxes(self.saved.a1, self.saved.a2)


class BroadcastTo(Function):
    def forward(self, a, shape=None):
        self.save(shape=a.shape)
        return np.broadcast_to(a, shape)

    def backward(self, g):
        return unbroadcast(g, self.saved.shape)


def _is_basic(index):
    """True when ``index`` is basic indexing (ints, slices, None, Ellipsis): no duplicates possible."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items)


class GetItem(Function):
    def forward(self, a, index=None):
        self.save(shape=a.shape, index=index)
        return a[index]

    def backward(self, g):
        index = self.saved.index
        out = np.zeros(self.saved.shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g
        else:
            np.add.at(out, index, g)  # repeated fancy indices must add up
        return out


class Concat(Function):
    def forward(self, *arrays, axis=0):
        axis = axis % arrays[0].ndim
        self.save(axis=axis, cuts=np.cumsum([a.shape[axis] for a in arrays])[:-1])
        return np.concatenate(arrays, axis=axis)

    def backward(self, g):
        return tuple(np.split(g, self.saved.cuts, axis=self.saved.axis))


class Stack(Function):
    def forward(self, *arrays, axis=0):
        self.save(axis=axis, count=len(arrays))
        return np.stack(arrays, axis=axis)

    def backward(self, g):
        return tuple(np.take(g, i, axis=self.saved.axis) for i in range(self.saved.count))


class Split(Function):
    def forward(self, a, sections=None, axis=0):
        parts = np.split(a, sections, axis=axis)
        self.save(axis=axis, shapes=[p.shape for p in parts], dtype=a.dtype)
        return tuple(parts)

    def backward(self, *grads):
        s = self.saved
        return np.concatenate([np.zeros(shape, s.dtype) if g is None else g for g, shape in zip(grads, s.shapes)],
                              axis=s.axis)


class Pad(Function):
    def forward(self, a, pad_width=None, value=0.0):
        self.save(inside=tuple(slice(lo, lo + n) for (lo, _), n in zip(pad_width, a.shape)))
        return np.pad(a, pad_width, constant_values=value)

    def backward(self, g):
        return g[self.saved.inside]


def reshape(x, newshape):
    """``x`` with the shape ``newshape`` (one entry may be -1), as ``keras.ops.reshape``."""
    return Reshape.apply(x, shape=tuple(newshape))


def transpose(x, axes=None):
    """``x`` with its axes permuted by ``axes`` (reversed when None)."""
    return Transpose.apply(x, axes=axes)


def swapaxes(x, axis1, axis2): return SwapAxes.apply(x, a1=axis1, a2=axis2)
def broadcast_to(x, shape): return BroadcastTo.apply(x, shape=tuple(shape))


def concat(xs, axis=0):
    """Join the tensors ``xs`` along an existing ``axis`` (``keras.ops.concatenate``).

    >>> import axon
    >>> concat([axon.Tensor([[1.0]]), axon.Tensor([[2.0, 3.0]])], axis=-1).tolist()
    [[1.0, 2.0, 3.0]]
    """
    return Concat.apply(*xs, axis=axis)


def stack(x, axis=0):
    """Join the equally shaped tensors of the list ``x`` along a new ``axis``."""
    return Stack.apply(*x, axis=axis)


def getitem(a, index):
    """``a[index]``; tensors inside the index are used as integer or boolean arrays."""
    if isinstance(index, tuple):
        index = tuple(unwrap(i) for i in index)
    else:
        index = unwrap(index)
    return GetItem.apply(a, index=index)


def split(x, indices_or_sections, axis=0):
    """``np.split``: a count of equal parts or a list of cut points; a tuple of tensors."""
    return Split.apply(x, sections=indices_or_sections, axis=axis)


def pad(x, pad_width, mode="constant", constant_values=None, value=None):
    """Constant padding, as ``keras.ops.pad``: ``pad_width`` is one ``(before, after)`` pair per
    axis; the padding holds ``constant_values`` (``value`` is Axon's older name for it; 0 when
    neither is given).  Only ``mode="constant"`` is supported.

    >>> import axon
    >>> pad(axon.Tensor([1.0, 2.0]), [(1, 0)], constant_values=9.0).tolist()
    [9.0, 1.0, 2.0]
    """
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    if constant_values is not None and value is not None:
        raise ValueError("pad: give the padding value once, as constant_values= (value= is its "
                         f"older name); got constant_values={constant_values!r} and value={value!r}")
    fill = constant_values if constant_values is not None else (0.0 if value is None else value)
    return Pad.apply(x, pad_width=tuple(tuple(p) for p in pad_width), value=fill)


def flatten(x, start_axis=1):
    """Merge all axes from ``start_axis`` on: ``(N, H, W, C) -> (N, H*W*C)``."""
    return reshape(x, x.shape[:start_axis] + (-1,))


def expand_dims(x, axis):
    """``x`` with a new axis of length 1 at ``axis`` (a tuple of positions adds several)."""
    return reshape(x, np.expand_dims(np.broadcast_to(False, np.shape(x)), axis).shape)


def squeeze(x, axis=None):
    """``x`` without its axes of length 1 (only ``axis`` when given)."""
    return reshape(x, np.squeeze(np.broadcast_to(False, np.shape(x)), axis).shape)
