"""Regularization layers for images and sequences: SpatialDropout1D/2D, GaussianNoise.

>>> import numpy as np, axon
>>> y = SpatialDropout2D(0.5)(np.ones((1, 4, 4, 8), "float32"), training=True).data
>>> bool(((y == 0).all(axis=(1, 2)) | (y == 2).all(axis=(1, 2))).all())  # whole maps dropped or kept
True
"""
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


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` during training."""
    supports_masking = True

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if stddev < 0:
            raise ValueError(f"GaussianNoise: stddev must be non-negative, got {stddev}")
        self.stddev, self.seed = stddev, seed

    def call(self, x, training=None):
        if not training or self.stddev == 0:
            return x
        noise = backend.rng().standard_normal(x.shape, dtype=np.float32).astype(x.dtype, copy=False)
        return x + Tensor(noise * x.dtype.type(self.stddev))
