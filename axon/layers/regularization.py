"""Regularization layers for images and sequences: SpatialDropout1D/2D, GaussianNoise, GaussianDropout.

>>> import numpy as np, axon
>>> y = SpatialDropout2D(0.5)(np.ones((1, 4, 4, 8), "float32"), training=True).data
>>> bool(((y == 0).all(axis=(1, 2)) | (y == 2).all(axis=(1, 2))).all())  # whole maps dropped or kept
True
"""
import math
import numbers

import numpy as np

from .. import backend
from .. import ops as F
from ..tensor import Tensor
from .base import Layer
from .conv import normalize_data_format


class SpatialDropout2D(Layer):
    """Drops whole feature maps (one mask per sample and channel) during training."""

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"SpatialDropout2D: rate must be in [0, 1), got {rate}")
        self.rate = rate
        self.data_format = normalize_data_format(data_format, "SpatialDropout2D")

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"{self.describe()}: expected 4-D input, got shape {tuple(input_shape)}")

    def call(self, x, training=None):
        n = x.shape[0]
        shape = (n, x.shape[1], 1, 1) if self.data_format == "channels_first" else (n, 1, 1, x.shape[3])
        return F.dropout(x, self.rate, training, shape)


class SpatialDropout1D(Layer):
    """Drops whole channels of (N, steps, C) sequences during training."""

    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"SpatialDropout1D: rate must be in [0, 1), got {rate}")
        self.rate = rate

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.describe()}: expected 3-D input (batch, steps, channels), "
                             f"got shape {tuple(input_shape)}")

    def call(self, x, training=None):
        return F.dropout(x, self.rate, training, (x.shape[0], 1, x.shape[2]))


def _noise_generator(seed):
    """The layer's own generator with a seed (a reproducible sequence of draws), else None (the
    shared ``backend.rng()``, which ``axon.random.set_seed`` seeds)."""
    return None if seed is None else np.random.default_rng(seed)


def _standard_normal(rng, x):
    """N(0, 1) noise shaped and typed as ``x`` (drawn in float32 unless ``x`` is float64)."""
    gen = rng if rng is not None else backend.rng()
    draw_dtype = np.float64 if x.dtype == np.float64 else np.float32
    return gen.standard_normal(x.shape, dtype=draw_dtype).astype(x.dtype, copy=False)


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` (in the units of the input)
    during training; identity at inference (``predict``, ``evaluate``).  Output shape = input shape.
    With ``seed`` the layer draws from its own generator (a reproducible sequence)."""
    supports_masking = True

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, numbers.Real) or not stddev >= 0:
            raise ValueError(f"GaussianNoise: stddev must be a number >= 0 (the noise standard deviation), "
                             f"got {stddev!r}; pass e.g. GaussianNoise(0.1)")
        self.stddev, self.seed = stddev, seed
        self._rng = _noise_generator(seed)

    def call(self, x, training=None):
        if not training or self.stddev == 0:
            return x
        return x + Tensor(_standard_normal(self._rng, x) * x.dtype.type(self.stddev))


class GaussianDropout(Layer):
    """Multiplies the input by 1-centred Gaussian noise of standard deviation
    ``sqrt(rate / (1 - rate))`` during training (the variance of Dropout's rescaled keep mask,
    Srivastava et al. 2014); identity at inference.  Output shape = input shape.
    With ``seed`` the layer draws from its own generator (a reproducible sequence).

    >>> import numpy as np
    >>> layer = GaussianDropout(0.2, seed=0)
    >>> x = np.ones((2, 3), "float32")
    >>> bool((layer(x, training=False).data == x).all()), bool((layer(x, training=True).data == x).any())
    (True, False)
    """
    supports_masking = True

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, (bool, str)) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
            raise ValueError(f"GaussianDropout: rate must be in [0, 1) (the drop probability of the Dropout "
                             f"it imitates), got {rate!r}; pass e.g. GaussianDropout(0.2)")
        self.rate, self.seed = rate, seed
        self._rng = _noise_generator(seed)

    def call(self, x, training=None):
        if not training or self.rate == 0:
            return x
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = _standard_normal(self._rng, x) * x.dtype.type(stddev)
        noise += x.dtype.type(1)
        return x * Tensor(noise)
