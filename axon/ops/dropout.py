"""Inverted dropout: zero a fraction ``rate`` of units and scale the rest by 1 / (1 - rate)."""
import numpy as np

from .. import backend
from ..autograd import Function


class Dropout(Function):
    def forward(self, x, rate=0.5, noise_shape=None, rng=None):
        shape = x.shape if noise_shape is None else noise_shape
        keep = ((rng or backend.rng()).random(shape, dtype=np.float32) >= rate)
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - rate))
        self.save(mask=mask)
        return x * mask

    def backward(self, g):
        return g * self.saved.mask


def dropout(x, rate=0.5, training=True, noise_shape=None, rng=None):
    """Dropout in training mode, identity otherwise.  ``noise_shape`` broadcasts
    one mask over some axes (e.g. ``(N, 1, 1, C)`` drops whole feature maps);
    ``rng`` is a NumPy Generator to draw masks from (Axon's shared one by default)."""
    if not training or rate == 0:
        return x
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    return Dropout.apply(x, rate=rate, noise_shape=noise_shape, rng=rng)
