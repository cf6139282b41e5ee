"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Lambda."""
import numpy as np

from .. import ops as F
from ..ops import activations as A
from .base import Layer, InputSpec


class Dense(Layer):
    """Fully connected layer: ``activation(x @ kernel + bias)`` over the last axis.

    Input (N, ..., in) -> output (N, ..., units); ``in`` is taken from the
    first input.

    >>> import axon, numpy as np
    >>> Dense(3)(np.ones((2, 5), "float32")).shape
    (2, 3)
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"Dense: units must be a positive integer (the number of outputs), got "
                             f"{units!r}; pass e.g. Dense(10)")
        self.units = int(units)
        self.activation = A.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(f"{self.describe()}: expected input (batch, features), got shape {input_shape}")
        n_in = input_shape[-1]
        self.kernel = self.add_weight("kernel", (n_in, self.units), self.kernel_initializer,
                                      self.kernel_regularizer)
        self.bias = self.add_weight("bias", (self.units,), self.bias_initializer,
                                    self.bias_regularizer) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: n_in})

    def call(self, x):
        return self.activation(F.linear(x, self.kernel, self.bias))


class Activation(Layer):
    """Applies an activation by name (``"relu"``, ``"softmax"``, ...) or function."""
    supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = A.get(activation)

    def call(self, x):
        return self.activation(x)

    def rectifier_slope(self):
        """0 for ``Activation("relu")`` (``max(x, 0 x)``, see ``activation.rectifier_fusion``), else None."""
        return 0.0 if type(self).call is Activation.call and self.activation is A.relu else None


class Dropout(Layer):
    """Sets a fraction ``rate`` of inputs to zero during training, scaling the rest by 1/(1-rate).
    With ``seed`` the layer draws its masks from its own generator (a reproducible sequence)."""
    supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, (str, bool)) or not 0 <= rate < 1:
            raise ValueError(f"Dropout: rate must be in [0, 1), the fraction of inputs to drop, got {rate!r}; "
                             "pass e.g. Dropout(0.5)")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def call(self, x, training=None):
        shape = None
        if self.noise_shape is not None:
            shape = tuple(x.shape[i] if s is None else s for i, s in enumerate(self.noise_shape))
        return F.dropout(x, self.rate, training, shape, rng=self._rng)


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1*d2*...)."""

    def call(self, x):
        return F.flatten(x, 1)


class Reshape(Layer):
    """Reshape every sample to ``target_shape`` (batch axis kept; one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def build(self, input_shape):
        n = int(np.prod(input_shape[1:]))
        t = self.target_shape
        known = int(np.prod([s for s in t if s != -1]))
        if (-1 not in t and known != n) or (-1 in t and n % known):
            raise ValueError(f"{self.describe()}: cannot reshape samples of shape {tuple(input_shape[1:])} "
                             f"({n} values) to {t}; give a target_shape holding {n} values, or -1 on one "
                             "axis to infer it")

    def call(self, x):
        return F.reshape(x, (x.shape[0],) + self.target_shape)


class Lambda(Layer):
    """Wraps a function of tensors as a layer (not savable unless the function is registered)."""

    def __init__(self, function, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable, got {function!r} ({type(function).__name__}); "
                            "pass e.g. Lambda(lambda x: x * 2)")
        self.function = function

    def call(self, x):
        return self.function(x)
