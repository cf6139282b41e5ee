"""Sequence helpers: ``RepeatVector`` and ``Masking``.

>>> import axon, numpy as np
>>> from axon.layers import RepeatVector, Masking
>>> RepeatVector(3)(np.ones((2, 4), "float32")).shape
(2, 3, 4)
>>> x = np.array([[[1.0], [0.0]]], "float32")
>>> Masking(0.0)(x)._mask.tolist()
[[True, False]]
"""
import numpy as np

from .. import ops as F
from ..tensor import Tensor
from .base import Layer, InputSpec


class RepeatVector(Layer):
    """(N, D) -> (N, n, D): the same vector at every step (e.g. an encoder summary fed to a decoder)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if int(n) <= 0:
            raise ValueError(f"RepeatVector: n must be a positive integer, got {n!r}")
        self.n = int(n)

    def build(self, input_shape):
        self.input_spec = InputSpec(ndim=2)

    def call(self, x):
        return F.broadcast_to(F.expand_dims(x, 1), (x.shape[0], self.n, x.shape[1]))


class Masking(Layer):
    """Marks steps whose features all equal ``mask_value`` as padding: the output carries the
    mask (N, T) that recurrent and attention layers use, and masked steps are zeroed."""
    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"{self.describe()}: expected input (batch, timesteps, features), "
                             f"got shape {tuple(input_shape)}")

    def _keep(self, x):
        return np.any(x.data != self.mask_value, axis=-1)

    def call(self, x):
        return x * Tensor(self._keep(x)[..., None].astype(x.dtype))

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs)
