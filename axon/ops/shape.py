"""Shape and indexing: reshape, transpose, concat, stack, split, getitem, pad, ..."""
import numpy as np

from ..autograd import Function
from ._util import data


class Reshape(Function):
    def forward(self, a, shape=None):
        self.save(a.shape)
        return a.reshape(shape)

    def backward(self, g):
        return g.reshape(self.saved[0])


class Transpose(Function):
    def forward(self, a, axes=None):
        axes = tuple(reversed(range(a.ndim))) if axes is None else tuple(ax % a.ndim for ax in axes)
        self.save(axes)
        return a.transpose(axes)

    def backward(self, g):
        return g.transpose(np.argsort(self.saved[0]))


class SwapAxes(Function):
    def forward(self, a, a1=0, a2=1):
        self.save(a1, a2)
        return a.swapaxes(a1, a2)

    def backward(self, g):
        return g.swapaxes(*self.saved)


class BroadcastTo(Function):
    def forward(self, a, shape=None):
        self.save(a.shape)
        return np.broadcast_to(a, shape)

    def backward(self, g):
        from ._util import unbroadcast
        return unbroadcast(g, self.saved[0])


def _is_basic(index):
    """True when ``index`` is basic indexing (ints, slices, None, Ellipsis): no duplicates possible."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items)


class GetItem(Function):
    def forward(self, a, index=None):
        self.save(a.shape, a.dtype, index)
        return a[index]

    def backward(self, g):
        shape, dtype, index = self.saved
        out = np.zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g
        else:
            np.add.at(out, index, g)  # repeated fancy indices must add up
        return out


class Concat(Function):
    def forward(self, *arrays, axis=0):
        axis = axis % arrays[0].ndim
        self.save(axis, np.cumsum([a.shape[axis] for a in arrays])[:-1])
        return np.concatenate(arrays, axis=axis)

    def backward(self, g):
        axis, cuts = self.saved
        return tuple(np.split(g, cuts, axis=axis))


class Stack(Function):
    def forward(self, *arrays, axis=0):
        self.save(axis, len(arrays))
        return np.stack(arrays, axis=axis)

    def backward(self, g):
        axis, n = self.saved
        return tuple(np.take(g, i, axis=axis) for i in range(n))


class Split(Function):
    def forward(self, a, sections=None, axis=0):
        parts = np.split(a, sections, axis=axis)
        self.save(axis, [p.shape for p in parts], a.dtype)
        return tuple(parts)

    def backward(self, *grads):
        axis, shapes, dtype = self.saved
        return np.concatenate([np.zeros(s, dtype) if g is None else g for g, s in zip(grads, shapes)], axis=axis)


class Pad(Function):
    def forward(self, a, pad_width=None, value=0.0):
        self.save(tuple(slice(lo, lo + n) for (lo, _), n in zip(pad_width, a.shape)))
        return np.pad(a, pad_width, constant_values=value)

    def backward(self, g):
        return g[self.saved[0]]


def reshape(a, shape): return Reshape.apply(a, shape=tuple(shape))
def transpose(a, axes=None): return Transpose.apply(a, axes=axes)
def swapaxes(a, a1, a2): return SwapAxes.apply(a, a1=a1, a2=a2)
def broadcast_to(a, shape): return BroadcastTo.apply(a, shape=tuple(shape))
def concat(tensors, axis=0): return Concat.apply(*tensors, axis=axis)
def stack(tensors, axis=0): return Stack.apply(*tensors, axis=axis)


def getitem(a, index):
    """``a[index]``; tensors inside the index are used as integer or boolean arrays."""
    if isinstance(index, tuple):
        index = tuple(data(i) for i in index)
    else:
        index = data(index)
    return GetItem.apply(a, index=index)


def split(a, sections, axis=0):
    """``np.split``: a count of equal parts or a list of cut points; a tuple of tensors."""
    return Split.apply(a, sections=sections, axis=axis)


def pad(a, pad_width, value=0.0):
    """Constant padding; ``pad_width`` is one ``(before, after)`` pair per axis."""
    return Pad.apply(a, pad_width=tuple(tuple(p) for p in pad_width), value=value)


def flatten(a, start_axis=1):
    """Merge all axes from ``start_axis`` on: ``(N, H, W, C) -> (N, H*W*C)``."""
    shape = a.shape
    return reshape(a, shape[:start_axis] + (-1,))


def expand_dims(a, axis):
    return reshape(a, np.expand_dims(np.broadcast_to(False, a.shape), axis).shape)


def squeeze(a, axis=None):
    return reshape(a, np.squeeze(np.broadcast_to(False, a.shape), axis).shape)
