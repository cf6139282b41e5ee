"""Activation layers with Keras names and arguments: ReLU, LeakyReLU, PReLU, ELU, Softmax.

Each keeps the shape of its input and passes its mask on; only PReLU has
weights (its slopes ``alpha``, learned).

>>> import numpy as np
>>> x = np.array([[-10.0, -5.0, 0.0, 5.0, 10.0]], "float32")
>>> ReLU(max_value=6.0)(x).tolist(), LeakyReLU()(x).tolist()
([[0.0, 0.0, 0.0, 5.0, 6.0]], [[-3.0, -1.5, 0.0, 5.0, 10.0]])
>>> Softmax()(np.array([[1.0, 2.0, 1.0]])).numpy().astype(float).round(4).tolist()
[[0.2119, 0.5761, 0.2119]]
"""
import warnings

import numpy as np

from ..ops import activations as A
from .base import Layer, InputSpec


def _non_negative(who, **values):
    for name, v in values.items():
        if v is None or v < 0:
            raise ValueError(f"{who}: {name} must be a number >= 0, got {v!r}; pass a non-negative value "
                             f"such as {name}=0.2")


def rectifier_fusion(layer, following):
    """The slope of the rectifier layer ``following`` (ReLU: 0, LeakyReLU: its negative slope)
    when ``layer`` can apply it inside its own op (``layer(x, rectify=slope)``, as batch
    normalization and a linear convolution can), else None.  A model runs such a pair as one
    call, TensorFlow's fused batch norm and convolution with their activation: one pass less over
    the activations each way.  Both layers must be built and carry no activity regularizer (the
    pair's output and gradients are bitwise those of the two calls)."""
    slope_of = getattr(following, "rectifier_slope", None)
    absorbs = getattr(layer, "absorbs_rectifier", None)
    if slope_of is None or absorbs is None or not (layer.built and following.built):
        return None
    if layer.activity_regularizer is not None or following.activity_regularizer is not None:
        return None
    slope = slope_of()
    return slope if slope is not None and absorbs(slope) else None


class ReLU(Layer):
    """``min(x, max_value)`` above ``threshold``, ``negative_slope * (x - threshold)`` at or
    below it (plain ``max(x, 0)`` with the defaults)."""
    supports_masking = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        _non_negative("ReLU", negative_slope=negative_slope, threshold=threshold)
        if max_value is not None:
            _non_negative("ReLU", max_value=max_value)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, x):
        return A.relu(x, negative_slope=self.negative_slope, max_value=self.max_value, threshold=self.threshold)

    def rectifier_slope(self):
        """``a`` where this layer is ``max(x, a x)`` with 0 <= a <= 1 (no cap, no threshold), else None."""
        plain = type(self).call is ReLU.call and self.max_value is None and self.threshold == 0
        return float(self.negative_slope) if plain and self.negative_slope <= 1 else None


class LeakyReLU(Layer):
    """``x`` where positive, ``negative_slope * x`` elsewhere (Keras 3's default 0.3; the Keras 2
    keyword ``alpha`` is accepted, with a deprecation warning, as Keras does)."""
    supports_masking = True

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: the argument alpha is deprecated; use negative_slope",
                          DeprecationWarning, stacklevel=2)
            self._init_args = ((), dict(kwargs, negative_slope=negative_slope))  # saved by the new name
        super().__init__(**kwargs)
        _non_negative("LeakyReLU", negative_slope=negative_slope)
        self.negative_slope = negative_slope

    def call(self, x):
        return A.leaky_relu(x, self.negative_slope)

    def rectifier_slope(self):
        """``negative_slope`` where this layer is ``max(x, negative_slope * x)`` (0 < slope <= 1), else None."""
        plain = type(self).call is LeakyReLU.call and 0 < self.negative_slope <= 1
        return float(self.negative_slope) if plain else None


class PReLU(Layer):
    """Parametric ReLU: ``x`` where positive, ``alpha * x`` elsewhere, ``alpha`` a weight of the
    input's per-sample shape, shared (size 1) along ``shared_axes`` (e.g. ``[1, 2]`` for one slope
    per channel of (N, H, W, C) images).  Axes count with the batch axis as 0, as in Keras."""
    supports_masking = True

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        if alpha_constraint is not None:
            raise ValueError("PReLU: alpha_constraint is not supported (Axon has no weight constraints "
                             "yet); leave it None")
        self.alpha_initializer, self.alpha_regularizer = alpha_initializer, alpha_regularizer
        if shared_axes is None:
            self.shared_axes = None
        else:
            self.shared_axes = [int(a) for a in (shared_axes if isinstance(shared_axes, (list, tuple))
                                                 else [shared_axes])]

    def build(self, input_shape):
        ndim = len(input_shape)
        shape = list(input_shape[1:])
        for a in self.shared_axes or []:
            if not 1 <= a < ndim:
                raise ValueError(f"{self.describe()}: shared_axes must name axes 1..{ndim - 1} of the "
                                 f"input (shape {tuple(input_shape)}), got {self.shared_axes}")
            shape[a - 1] = 1
        self.alpha = self.add_weight("alpha", shape, self.alpha_initializer, self.alpha_regularizer)
        kept = {i: input_shape[i] for i in range(1, ndim) if i not in (self.shared_axes or [])}
        self.input_spec = InputSpec(ndim=ndim, axes=kept)

    def call(self, x):
        return A.prelu(x, self.alpha)


class ELU(Layer):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""
    supports_masking = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, x):
        return A.elu(x, self.alpha)


class Softmax(Layer):
    """Softmax over ``axis`` (an int or a list of ints).  ``mask`` (call argument, or the mask the
    input carries): booleans broadcastable to the input, True to keep; masked positions get the
    score -1e9 before the softmax and exactly 0 after it, as in Keras."""
    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, (list, tuple)) else int(axis)

    def call(self, x, mask=None):
        try:
            return A.softmax(x, axis=self.axis, mask=None if mask is None else np.asarray(mask))
        except ValueError as e:
            raise ValueError(f"{self.describe()}: {e}; pass an axis of the input (shape {tuple(x.shape)}), "
                             "e.g. axis=-1") from None
