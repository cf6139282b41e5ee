"""Shape and indexing: reshape, transpose, concat, stack, split, getitem, pad, ..."""
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


def reshape(a, shape): return Reshape.apply(a, shape=tuple(shape))
def transpose(a, axes=None): return Transpose.apply(a, axes=axes)
def swapaxes(a, a1, a2): return SwapAxes.apply(a, a1=a1, a2=a2)
def broadcast_to(a, shape): return BroadcastTo.apply(a, shape=tuple(shape))
def concat(tensors, axis=0): return Concat.apply(*tensors, axis=axis)
def stack(tensors, axis=0): return Stack.apply(*tensors, axis=axis)


def getitem(a, index):
    """``a[index]``; tensors inside the index are used as integer or boolean arrays."""
    if isinstance(index, tuple):
        index = tuple(unwrap(i) for i in index)
    else:
        index = unwrap(index)
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
