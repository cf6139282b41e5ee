"""The reparameterisation trick of the variational autoencoder (Kingma and Welling, 2014).

The encoder of a VAE gives the mean and log-variance of a Gaussian over the latent space; instead
of drawing ``z`` from it (which no gradient can pass), ``z`` is written as a deterministic
function of those two outputs and of noise drawn outside the network,
``z = mean + exp(log_var / 2) * eps`` with ``eps ~ N(0, I)``, so backpropagation reaches the encoder.

>>> import numpy as np
>>> z = Sampling(seed=0)([np.zeros((4, 2), "float32"), np.full((4, 2), -50.0, "float32")])
>>> z.shape, bool(abs(z.data).max() < 1e-9)  # variance exp(-50): z is the mean
((4, 2), True)
"""
import numpy as np

from .. import backend
from .. import ops as F
from ..tensor import Tensor
from .base import Layer


class Sampling(Layer):
    """Draws ``z = z_mean + exp(0.5 * z_log_var) * eps``, ``eps ~ N(0, 1)``, called on
    ``[z_mean, z_log_var]`` (each ``(N, latent)``, or any equal shapes); returns ``z``, of that shape.

    Gradients flow to both inputs.  As the Sampling layer of the keras.io VAE example, it samples
    at inference too (``predict`` draws a fresh ``z`` each call); use ``z_mean`` itself for a
    deterministic code.  With ``seed`` the layer draws from its own generator (a reproducible
    sequence of draws); otherwise from Axon's shared one (``axon.random.set_seed``).
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def build(self, input_shape):
        if not (isinstance(input_shape, list) and len(input_shape) == 2
                and all(isinstance(s, tuple) for s in input_shape)):
            raise ValueError(f"{self.describe()}: expected a list of two tensors [z_mean, z_log_var], got "
                             f"inputs of shape {input_shape}; call it as Sampling()([z_mean, z_log_var])")
        _check_shapes(self, *input_shape)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"{self.describe()}: expected a list of two tensors [z_mean, z_log_var], "
                             f"got {type(inputs).__name__}; call it as Sampling()([z_mean, z_log_var])")
        z_mean, z_log_var = inputs
        _check_shapes(self, tuple(z_mean.shape), tuple(z_log_var.shape))
        gen = self._rng if self._rng is not None else backend.rng()
        draw_dtype = np.float64 if z_mean.dtype == np.float64 else np.float32
        eps = gen.standard_normal(z_mean.shape, dtype=draw_dtype).astype(z_mean.dtype, copy=False)
        return z_mean + F.exp(z_log_var * 0.5) * Tensor(eps)

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def _check_shapes(layer, mean_shape, log_var_shape):
    if tuple(mean_shape) != tuple(log_var_shape):
        raise ValueError(f"{layer.describe()}: z_mean and z_log_var must have the same shape, got z_mean "
                         f"{tuple(mean_shape)} and z_log_var {tuple(log_var_shape)}; give both encoder heads "
                         "the same number of units (the latent size)")
