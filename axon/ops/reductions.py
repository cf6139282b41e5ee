"""Reductions over axes: sum, mean, max, min, var, std, logsumexp."""
import numpy as np

from ..autograd import Function
from ._util import normalize_axis


def _expand(g, shape, axes, keepdims):
    """Reshape a reduced gradient so that it broadcasts against the input ``shape``."""
    if not keepdims:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


class Sum(Function):
    def forward(self, a, axis=None, keepdims=False):
        axes = normalize_axis(axis, a.ndim)
        self.save(shape=a.shape, axes=axes, keepdims=keepdims)
        return np.asarray(a.sum(axis=axes, keepdims=keepdims))

    def backward(self, g):
        s = self.saved
        return _expand(g, s.shape, s.axes, s.keepdims)


class Mean(Function):
    def forward(self, a, axis=None, keepdims=False):
        axes = normalize_axis(axis, a.ndim)
        self.save(shape=a.shape, axes=axes, keepdims=keepdims)
        return np.asarray(a.mean(axis=axes, keepdims=keepdims))

    def backward(self, g):
        s = self.saved
        n = int(np.prod([s.shape[i] for i in s.axes]))
        return _expand(g / n, s.shape, s.axes, s.keepdims)


class _Extreme(Function):
    """Max or min; the gradient is shared equally among tied extremes (as torch.amax)."""
    reduce = None

    def forward(self, a, axis=None, keepdims=False):
        axes = normalize_axis(axis, a.ndim)
        out = np.asarray(self.reduce(a, axis=axes, keepdims=True))
        self.save(a=a, out=out, axes=axes, keepdims=keepdims)
        return out if keepdims else np.squeeze(out, axes)

    def backward(self, g):
        s = self.saved
        hit = s.a == s.out
        count = hit.sum(axis=s.axes, keepdims=True)
        if not s.keepdims:
            g = np.expand_dims(g, s.axes)
        return hit * (g / count)


class Max(_Extreme):
    reduce = staticmethod(np.max)


class Min(_Extreme):
    reduce = staticmethod(np.min)


class Var(Function):
    def forward(self, a, axis=None, keepdims=False, ddof=0):
        axes = normalize_axis(axis, a.ndim)
        mu = a.mean(axis=axes, keepdims=True)
        centered = a - mu
        n = int(np.prod([a.shape[i] for i in axes]))
        self.save(centered=centered, axes=axes, keepdims=keepdims, denom=n - ddof)
        return np.asarray((centered * centered).sum(axis=axes, keepdims=keepdims) / (n - ddof))

    def backward(self, g):
        s = self.saved
        if not s.keepdims:
            g = np.expand_dims(g, s.axes)
        # d var / dx = 2 (x - mean) / (n - ddof)
        return g * s.centered * (2.0 / s.denom)


class LogSumExp(Function):
    def forward(self, a, axis=None, keepdims=False):
        axes = normalize_axis(axis, a.ndim)
        m = a.max(axis=axes, keepdims=True)
        s = np.exp(a - m)
        total = s.sum(axis=axes, keepdims=True)
        out = np.log(total) + m
        self.save(softmax=s / total, axes=axes, keepdims=keepdims)
        return out if keepdims else np.squeeze(out, axes)

    def backward(self, g):
        s = self.saved
        if not s.keepdims:
            g = np.expand_dims(g, s.axes)
        return g * s.softmax


def sum(x, axis=None, keepdims=False): return Sum.apply(x, axis=axis, keepdims=keepdims)
def mean(x, axis=None, keepdims=False): return Mean.apply(x, axis=axis, keepdims=keepdims)
def max(x, axis=None, keepdims=False): return Max.apply(x, axis=axis, keepdims=keepdims)
def min(x, axis=None, keepdims=False): return Min.apply(x, axis=axis, keepdims=keepdims)
def var(x, axis=None, keepdims=False, ddof=0): return Var.apply(x, axis=axis, keepdims=keepdims, ddof=ddof)
def logsumexp(x, axis=None, keepdims=False): return LogSumExp.apply(x, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False, ddof=0):
    from .elementwise import sqrt
    return sqrt(var(x, axis, keepdims, ddof))
