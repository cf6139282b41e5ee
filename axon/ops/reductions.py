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
        self.save(a.shape, axes, keepdims)
        return np.asarray(a.sum(axis=axes, keepdims=keepdims))

    def backward(self, g):
        shape, axes, keepdims = self.saved
        return _expand(g, shape, axes, keepdims)


class Mean(Function):
    def forward(self, a, axis=None, keepdims=False):
        axes = normalize_axis(axis, a.ndim)
        self.save(a.shape, axes, keepdims)
        return np.asarray(a.mean(axis=axes, keepdims=keepdims))

    def backward(self, g):
        shape, axes, keepdims = self.saved
        n = int(np.prod([shape[i] for i in axes]))
        return _expand(g / n, shape, axes, keepdims)


class _Extreme(Function):
    """Max or min; the gradient is shared equally among tied extremes (as torch.amax)."""
    reduce = None

    def forward(self, a, axis=None, keepdims=False):
        axes = normalize_axis(axis, a.ndim)
        out = np.asarray(self.reduce(a, axis=axes, keepdims=True))
        self.save(a, out, axes, keepdims)
        return out if keepdims else np.squeeze(out, axes)

    def backward(self, g):
        a, out, axes, keepdims = self.saved
        hit = a == out
        count = hit.sum(axis=axes, keepdims=True)
        if not keepdims:
            g = np.expand_dims(g, axes)
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
        self.save(centered, axes, keepdims, n - ddof)
        return np.asarray((centered * centered).sum(axis=axes, keepdims=keepdims) / (n - ddof))

    def backward(self, g):
        centered, axes, keepdims, denom = self.saved
        if not keepdims:
            g = np.expand_dims(g, axes)
        # d var / dx = 2 (x - mean) / (n - ddof)
        return g * centered * (2.0 / denom)


class LogSumExp(Function):
    def forward(self, a, axis=None, keepdims=False):
        axes = normalize_axis(axis, a.ndim)
        m = a.max(axis=axes, keepdims=True)
        s = np.exp(a - m)
        total = s.sum(axis=axes, keepdims=True)
        out = np.log(total) + m
        self.save(s / total, axes, keepdims)
        return out if keepdims else np.squeeze(out, axes)

    def backward(self, g):
        softmax, axes, keepdims = self.saved
        if not keepdims:
            g = np.expand_dims(g, axes)
        return g * softmax


def sum(a, axis=None, keepdims=False): return Sum.apply(a, axis=axis, keepdims=keepdims)
def mean(a, axis=None, keepdims=False): return Mean.apply(a, axis=axis, keepdims=keepdims)
def max(a, axis=None, keepdims=False): return Max.apply(a, axis=axis, keepdims=keepdims)
def min(a, axis=None, keepdims=False): return Min.apply(a, axis=axis, keepdims=keepdims)
def var(a, axis=None, keepdims=False, ddof=0): return Var.apply(a, axis=axis, keepdims=keepdims, ddof=ddof)
def logsumexp(a, axis=None, keepdims=False): return LogSumExp.apply(a, axis=axis, keepdims=keepdims)


def std(a, axis=None, keepdims=False, ddof=0):
    from .elementwise import sqrt
    return sqrt(var(a, axis, keepdims, ddof))
