"""Keras's ``keras.activations``: the activation functions by name, for ``activation=`` or to call.

>>> import numpy as np
>>> relu(np.array([-1.0, 2.0])).tolist(), get("gelu") is gelu
([0.0, 2.0], True)
"""
from .ops.activations import (ACTIVATIONS, elu, gelu, get, leaky_relu, linear, log_softmax, relu, selu,
                              sigmoid, silu, softmax, softplus, swish, tanh)
from .serialization import register_function
from .tensor import as_tensor
from . import ops as F


def exponential(x):
    """e^x."""
    return F.exp(as_tensor(x))


def relu6(x):
    """min(max(x, 0), 6)."""
    return F.minimum(F.relu(as_tensor(x)), 6.0)


def hard_sigmoid(x):
    """The piecewise-linear sigmoid: 0 below -3, 1 above 3, x / 6 + 1/2 between (Keras 3)."""
    return F.clip(as_tensor(x) / 6.0 + 0.5, 0.0, 1.0)


def softsign(x):
    """x / (1 + |x|)."""
    x = as_tensor(x)
    return x / (F.abs(x) + 1.0)


def mish(x):
    """x tanh(softplus(x))."""
    x = as_tensor(x)
    return x * F.tanh(F.softplus(x))


for _fn in (exponential, relu6, hard_sigmoid, softsign, mish):
    ACTIVATIONS.register(_fn.__name__, _fn)
    register_function(_fn, _fn.__name__)


def serialize(activation):
    """The name an activation function is saved under."""
    name = ACTIVATIONS.name_of(activation)
    if name is None:
        raise ValueError(f"serialize: {activation!r} is not a registered activation; register it with "
                         "axon.saving.register_keras_serializable")
    return name


def deserialize(name):
    return get(name)


__all__ = ["elu", "exponential", "gelu", "get", "hard_sigmoid", "leaky_relu", "linear", "log_softmax", "mish",
           "relu", "relu6", "selu", "serialize", "deserialize", "sigmoid", "silu", "softmax", "softplus",
           "softsign", "swish", "tanh"]
