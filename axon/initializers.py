"""Weight initializers with Keras names: ``glorot_uniform``, ``he_normal``, ...

Each is a callable ``init(shape, dtype) -> array``; fans follow Keras (for a
convolution kernel ``(kh, kw, in, out)``, fan_in = kh*kw*in, fan_out = kh*kw*out).
"""
import math

import numpy as np

from . import backend
from .registry import Registry
from .serialization import Serializable


def compute_fans(shape):
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer(Serializable):
    def __call__(self, shape, dtype=None):
        return self.sample(tuple(shape)).astype(dtype or backend.floatx(), copy=False)


class Zeros(Initializer):
    def sample(self, shape):
        return np.zeros(shape)


class Ones(Initializer):
    def sample(self, shape):
        return np.ones(shape)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def sample(self, shape):
        return np.full(shape, self.value)


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05):
        self.mean, self.stddev = mean, stddev

    def sample(self, shape):
        return backend.rng().normal(self.mean, self.stddev, shape)


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05):
        self.minval, self.maxval = minval, maxval

    def sample(self, shape):
        return backend.rng().uniform(self.minval, self.maxval, shape)


class VarianceScaling(Initializer):
    """Variance ``scale / fan`` with fan from ``mode``; ``distribution`` uniform, normal or truncated_normal."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal"):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be fan_in, fan_out or fan_avg, got {mode!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def sample(self, shape):
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        var = self.scale / max(1.0, fan)
        r = backend.rng()
        if self.distribution == "uniform":
            lim = math.sqrt(3 * var)
            return r.uniform(-lim, lim, shape)
        if self.distribution == "normal":
            return r.normal(0, math.sqrt(var), shape)
        # truncated at two standard deviations; 0.8796 is the std of N(0,1) truncated there
        std = math.sqrt(var) / 0.87962566103423978
        x = r.normal(0, 1, shape)
        bad = np.abs(x) > 2
        while bad.any():
            x[bad] = r.normal(0, 1, bad.sum())
            bad = np.abs(x) > 2
        return x * std


class GlorotUniform(VarianceScaling):
    def __init__(self):
        super().__init__(1.0, "fan_avg", "uniform")


class GlorotNormal(VarianceScaling):
    def __init__(self):
        super().__init__(1.0, "fan_avg", "truncated_normal")


class HeUniform(VarianceScaling):
    def __init__(self):
        super().__init__(2.0, "fan_in", "uniform")


class HeNormal(VarianceScaling):
    def __init__(self):
        super().__init__(2.0, "fan_in", "truncated_normal")


class LecunNormal(VarianceScaling):
    def __init__(self):
        super().__init__(1.0, "fan_in", "truncated_normal")


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix over the last axis, as for recurrent kernels."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def sample(self, shape):
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = backend.rng().normal(0, 1, (max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q[:rows, :cols].reshape(shape)


INITIALIZERS = Registry("initializer")
for _cls, _name, _aliases in [
        (Zeros, "zeros", ()), (Ones, "ones", ()), (Constant, "constant", ()), (RandomNormal, "random_normal", ()),
        (RandomUniform, "random_uniform", ()), (GlorotUniform, "glorot_uniform", ("xavier_uniform",)),
        (GlorotNormal, "glorot_normal", ("xavier_normal",)), (HeUniform, "he_uniform", ()),
        (HeNormal, "he_normal", ()), (LecunNormal, "lecun_normal", ()), (Orthogonal, "orthogonal", ())]:
    INITIALIZERS.register(_name, _cls, aliases=_aliases)


def get(identifier):
    """An initializer from a name, an instance or a callable ``(shape, dtype) -> array``."""
    if isinstance(identifier, str):
        return INITIALIZERS.get(identifier)()
    if callable(identifier):
        return identifier
    raise ValueError(f"initializer must be a name ({INITIALIZERS.describe()}), an Initializer or a "
                     f"callable, got {identifier!r}")
