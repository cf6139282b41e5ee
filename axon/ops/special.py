"""Elementwise functions that need care near their edges, as Keras's ``ops``: ``log1p`` and
``expm1`` (exact for small ``x``, where ``log(1 + x)`` and ``exp(x) - 1`` lose digits), ``erf``
(the Gaussian error function, from SciPy), ``rsqrt``.

>>> import axon, numpy as np
>>> x = axon.Tensor([1e-10])                                  # float32
>>> bool(np.isclose(log1p(x).item(), 1e-10)), float(np.log(1 + x.numpy())[0])
(True, 0.0)
"""
import math

import numpy as np

from ..autograd import Function


def scipy_erf(needed_by="erf", alternative="or axon[vision]"):
    """SciPy's ``erf``; a clear ImportError naming ``needed_by`` when SciPy is missing (the core
    needs NumPy only)."""
    try:
        from scipy.special import erf
    except ImportError as e:
        raise ImportError(f"{needed_by} needs SciPy's erf: pip install scipy ({alternative})") from e
    return erf


def logistic(x, out=None):
    """The logistic function ``1 / (1 + e^-x)`` of a NumPy array (no graph), as ``(1 + tanh(x / 2)) / 2``
    so that it never overflows; written into ``out`` (which may be ``x`` itself) when given.

    >>> logistic(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    out = np.asarray(np.multiply(x, 0.5, out=out))  # a 0-d input gives a NumPy scalar: make it an array
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def log1pexp(x):
    """``log(1 + e^x)`` (softplus) of a NumPy array (no graph), as ``max(x, 0) + log1p(e^-|x|)`` so that it
    never overflows.

    >>> [round(float(v), 4) for v in log1pexp(np.array([-1000.0, 0.0, 1000.0]))]
    [0.0, 0.6931, 1000.0]
    """
    out = np.abs(x)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(x, 0)
    return out


class Log1p(Function):
    def forward(self, x):
        self.save(x=x)
        return np.log1p(x)

    def backward(self, g):
        return g / (1 + self.saved.x)


class Expm1(Function):
    def forward(self, x):
        out = np.expm1(x)
        self.save(out=out)
        return out

    def backward(self, g):
        return g * (self.saved.out + 1)  # d(e^x - 1)/dx = e^x


class Erf(Function):
    def forward(self, x):
        self.save(x=x)
        return np.asarray(scipy_erf()(x)).astype(np.result_type(x, np.float32), copy=False)

    def backward(self, g):
        x = self.saved.x
        return g * (2 / math.sqrt(math.pi)) * np.exp(-x * x)


class Rsqrt(Function):
    def forward(self, x):
        out = 1 / np.sqrt(x)
        self.save(out=out)
        return out

    def backward(self, g):
        return g * -0.5 * self.saved.out ** 3  # d x^(-1/2) = -1/2 x^(-3/2)


def log1p(x): return Log1p.apply(x)
def expm1(x): return Expm1.apply(x)
def erf(x): return Erf.apply(x)
def rsqrt(x): return Rsqrt.apply(x)
