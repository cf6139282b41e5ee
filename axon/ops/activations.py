"""Activation functions, each with its derivative beside it."""
import math

import numpy as np

from ..autograd import Function
from ..registry import Registry
from ..serialization import register_function
from ..tensor import to_numpy
from ._util import unbroadcast
from .parallel import filled, in_blocks, workspace
from .special import logistic, scipy_erf


class Sigmoid(Function):
    def forward(self, x):
        out = logistic(x)
        self.save(out=out)
        return out

    def backward(self, g):
        s = self.saved.out
        return g * s * (1 - s)


class Tanh(Function):
    def forward(self, x):
        out = np.tanh(x)
        self.save(out=out)
        return out

    def backward(self, g):
        t = self.saved.out
        return g * (1 - t * t)


def rectify(z, slope, out=None):
    """Write ``max(z, slope * z)`` into ``out`` (into ``z`` itself when ``out`` is None): ReLU for
    slope 0, leaky ReLU for a slope in (0, 1].  One block of a blocked pass; no select, no mask."""
    if not slope:
        np.maximum(z, filled(0, z), out=z if out is None else out)
    elif out is None:
        np.maximum(z, np.multiply(z, slope, out=workspace("rectifier", z.shape, z.dtype)), out=z)
    else:
        np.multiply(z, slope, out=out)
        np.maximum(out, z, out=out)


def rectifier_grad(g, y, slope, out):
    """Write ``g * max([y > 0], slope)`` into ``out`` and return it: the gradient through ``y = rectify(z, slope)``
    (``y > 0`` exactly where ``z > 0``): exactly ``g`` there, ``slope * g`` elsewhere."""
    np.greater(y, 0, out=out)
    if slope:
        np.maximum(out, filled(slope, out), out=out)
    out *= g
    return out


class ReLU(Function):
    """max(x, 0), in cache-sized blocks over the threads (it follows most convolutions)."""

    def forward(self, x):
        x1 = x.reshape(-1)
        out = np.empty_like(x1)
        in_blocks(lambda s, e: rectify(x1[s:e], 0, out[s:e]), x1.size, 1)
        out = out.reshape(x.shape)
        self.save(out=out)
        return out

    def backward(self, g):
        out = self.saved.out.reshape(-1)
        g1 = np.ascontiguousarray(g).reshape(-1)
        gx = np.empty(g1.shape, dtype=np.result_type(g1, out))
        def run(s, e):
            rectifier_grad(g1[s:e], out[s:e], 0, gx[s:e])
        in_blocks(run, g1.size, 1)
        return gx.reshape(g.shape)


class ThresholdedReLU(Function):
    """Keras's general relu: ``min(x, max_value)`` above ``threshold``, ``negative_slope *
    (x - threshold)`` at or below it; the gradient is 1 between the two, ``negative_slope``
    below the threshold and 0 at or above ``max_value``."""

    def forward(self, x, negative_slope=0.0, max_value=None, threshold=0.0):
        above = x > threshold
        below = negative_slope * (x - threshold) if negative_slope else 0  # no -0.0 from 0 * x
        out = np.where(above, x, below).astype(x.dtype, copy=False)
        slope = np.where(above, 1.0, negative_slope).astype(x.dtype, copy=False)
        if max_value is not None:
            capped = above & (x >= max_value)
            out[capped] = max_value
            slope[capped] = 0
        self.save(slope=slope)
        return out

    def backward(self, g):
        return g * self.saved.slope


class PReLU(Function):
    """Parametric ReLU: ``x`` where positive, ``alpha * x`` elsewhere, with ``alpha`` learned
    (any shape that broadcasts against ``x``, e.g. one slope per channel)."""

    def forward(self, x, alpha):
        positive = x > 0
        self.save(x=x, alpha=alpha, positive=positive)
        return np.where(positive, x, alpha * x)

    def backward(self, g):
        s = self.saved
        gx = np.where(s.positive, g, s.alpha * g) if self.needs_grad[0] else None
        ga = unbroadcast(np.where(s.positive, 0, g * s.x), np.shape(s.alpha)) if self.needs_grad[1] else None
        return gx, ga


class LeakyReLU(Function):
    """x where positive, alpha * x elsewhere.  A slope in (0, 1] (a GAN discriminator's 0.2) runs in
    cache-sized blocks over the threads, without np.where's slow per-element select and without a
    mask: y = max(x, alpha x), dy/dx = max([y > 0], alpha) (y > 0 exactly where x > 0)."""

    def forward(self, x, alpha=0.01):
        if not (np.ndim(alpha) == 0 and 0 < alpha <= 1):
            self.save(positive=x > 0, alpha=alpha, out=None)
            return np.where(x > 0, x, alpha * x)
        x1 = x.reshape(-1)
        out = np.empty(x1.shape, dtype=np.result_type(x, alpha))
        in_blocks(lambda s, e: rectify(x1[s:e], alpha, out[s:e]), x1.size, 1)
        out = out.reshape(x.shape)
        self.save(out=out, alpha=alpha)
        return out

    def backward(self, g):
        s = self.saved
        if s.out is None:
            return np.where(s.positive, g, s.alpha * g)
        y, g1 = s.out.reshape(-1), np.ascontiguousarray(g).reshape(-1)
        gx = np.empty(g1.shape, dtype=np.result_type(g1, s.alpha))
        def run(a, b):
            rectifier_grad(g1[a:b], y[a:b], s.alpha, gx[a:b])
        in_blocks(run, g1.size, 1)
        return gx.reshape(g.shape)


class ELU(Function):
    def forward(self, x, alpha=1.0):
        neg = alpha * np.expm1(np.minimum(x, 0))
        out = np.where(x > 0, x, neg)
        self.save(positive=x > 0, neg=neg, alpha=alpha)
        return out

    def backward(self, g):
        s = self.saved
        # d/dx alpha (e^x - 1) = alpha e^x = neg + alpha
        return np.where(s.positive, g, g * (s.neg + s.alpha))


_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


class Softplus(Function):
    def forward(self, x):
        self.save(x=x)
        return np.logaddexp(0, x).astype(x.dtype, copy=False)

    def backward(self, g):
        return g * logistic(self.saved.x)


class SiLU(Function):
    """Swish / SiLU: x * sigmoid(x)."""

    def forward(self, x):
        s = logistic(x)
        self.save(x=x, sigmoid=s)
        return x * s

    def backward(self, g):
        x, s = self.saved.x, self.saved.sigmoid
        return g * (s * (1 + x * (1 - s)))


class GELU(Function):
    """x * Phi(x), exact (erf) or with the tanh approximation."""

    def forward(self, x, approximate=False):
        if approximate:
            c = math.sqrt(2 / math.pi)
            u = c * (x + 0.044715 * x ** 3)
            t = np.tanh(u)
            self.save(x=x, tanh=t, approximate=True)
            return 0.5 * x * (1 + t)
        erf = scipy_erf("gelu(approximate=False)", "or use approximate=True")
        cdf = (0.5 * (1 + erf(x / math.sqrt(2)))).astype(x.dtype, copy=False)
        self.save(x=x, cdf=cdf, approximate=False)
        return x * cdf

    def backward(self, g):
        s = self.saved
        x = s.x
        if s.approximate:
            c = math.sqrt(2 / math.pi)
            du = c * (1 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1 + s.tanh) + 0.5 * x * (1 - s.tanh * s.tanh) * du)
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return g * (s.cdf + x * pdf)


class Softmax(Function):
    def forward(self, x, axis=-1):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        self.save(out=out, axis=axis)
        return out

    def backward(self, g):
        s, axis = self.saved.out, self.saved.axis
        # J^T g = s * (g - sum(g * s))
        return s * (g - (g * s).sum(axis=axis, keepdims=True))


class MaskedSoftmax(Function):
    """Softmax over ``axis`` of the positions where ``mask`` holds (Keras's ``Softmax`` layer
    with a mask): masked scores become -1e9 before it and exactly 0 after it, so a row with
    every position masked is all zeros.  ``mask``: booleans broadcastable to ``x``."""

    def forward(self, x, mask=None, axis=-1):
        z = np.where(mask, x, np.asarray(-1e9, x.dtype))
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        out *= mask
        self.save(out=out, axis=axis)
        return out

    def backward(self, g):
        s, axis = self.saved.out, self.saved.axis
        # masked outputs are constant zeros, so their s (zeroed) takes them out of the sum
        return s * (g - (g * s).sum(axis=axis, keepdims=True))


class LogSoftmax(Function):
    def forward(self, x, axis=-1):
        z = x - x.max(axis=axis, keepdims=True)
        out = z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
        self.save(out=out, axis=axis)
        return out

    def backward(self, g):
        s = self.saved
        return g - np.exp(s.out) * g.sum(axis=s.axis, keepdims=True)


class Step(Function):
    """Heaviside step (1 where x >= 0): the classic perceptron's output; its gradient is zero."""

    def forward(self, x):
        return (x >= 0).astype(x.dtype if x.dtype.kind == "f" else np.float32)

    def backward(self, g):
        return np.zeros_like(g)


def sigmoid(x): return Sigmoid.apply(x)
def tanh(x): return Tanh.apply(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0); with Keras's arguments, ``min(x, max_value)`` above ``threshold`` and
    ``negative_slope * (x - threshold)`` below it.

    >>> import axon
    >>> relu(axon.Tensor([-10.0, -5.0, 0.0, 5.0, 10.0]), negative_slope=0.5, max_value=8.0).tolist()
    [-5.0, -2.5, 0.0, 5.0, 8.0]
    """
    if negative_slope == 0 and max_value is None and threshold == 0:
        return ReLU.apply(x)
    if negative_slope < 0 or threshold < 0 or (max_value is not None and max_value < 0):
        raise ValueError(f"relu: negative_slope, max_value and threshold must be >= 0, got "
                         f"{negative_slope}, {max_value}, {threshold}")
    return ThresholdedReLU.apply(x, negative_slope=negative_slope, max_value=max_value, threshold=threshold)


def leaky_relu(x, negative_slope=0.01, alpha=None):
    """``x`` where positive, ``negative_slope * x`` elsewhere (``alpha``: the older name)."""
    return LeakyReLU.apply(x, alpha=negative_slope if alpha is None else alpha)


def prelu(x, alpha):
    """Parametric ReLU with the learned slope(s) ``alpha`` (broadcast against ``x``)."""
    return PReLU.apply(x, alpha)


def elu(x, alpha=1.0): return ELU.apply(x, alpha=alpha)
def softplus(x): return Softplus.apply(x)
def silu(x): return SiLU.apply(x)
def gelu(x, approximate=False): return GELU.apply(x, approximate=approximate)


def softmax(x, axis=-1, mask=None):
    """exp(x) / sum(exp(x)) over ``axis`` (an int or a tuple of ints).  With ``mask`` (booleans,
    or numbers where > 0.5 holds, broadcastable to ``x``) only the positions where it holds take
    part and the others are exactly 0.

    >>> import axon
    >>> softmax(axon.Tensor([1.0, 1.0, 5.0]), mask=[True, True, False]).tolist()
    [0.5, 0.5, 0.0]
    """
    if mask is None:
        return Softmax.apply(x, axis=axis)
    m = to_numpy(mask)
    m = m if m.dtype == bool else m > 0.5
    if m.ndim > x.ndim or any(a not in (1, b) for a, b in zip(m.shape[::-1], x.shape[::-1])):
        raise ValueError(f"softmax: the mask (shape {m.shape}) must broadcast to the input (shape "
                         f"{tuple(x.shape)}): each of its axes 1 or the input's size")
    return MaskedSoftmax.apply(x, mask=m, axis=axis)


def log_softmax(x, axis=-1): return LogSoftmax.apply(x, axis=axis)
def step(x): return Step.apply(x)
def linear(x): return x


def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants."""
    return ELU.apply(x, alpha=_SELU_ALPHA) * _SELU_SCALE


swish = silu
heaviside = step

ACTIVATIONS = Registry("activation")
for _name, _fn, _aliases in [
        ("sigmoid", sigmoid, ()), ("tanh", tanh, ()), ("relu", relu, ()), ("leaky_relu", leaky_relu, ()),
        ("elu", elu, ()), ("selu", selu, ()), ("silu", silu, ("swish",)), ("gelu", gelu, ()),
        ("softplus", softplus, ()), ("softmax", softmax, ()), ("log_softmax", log_softmax, ()),
        ("linear", linear, ()), ("step", step, ("heaviside",))]:
    ACTIVATIONS.register(_name, _fn, aliases=_aliases)
    register_function(_fn, _name)  # a layer given the function itself saves it by this name


def get(identifier):
    """An activation function from its name, a callable, or None (linear)."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str):
        return ACTIVATIONS.get(identifier)
    raise ValueError(f"activation must be a name ({ACTIVATIONS.describe()}), a callable or None, "
                     f"got {identifier!r}")
