"""Keras's ``keras.config``: the global settings, as strings.

>>> floatx(), backend(), image_data_format()
('float32', 'numpy', 'channels_last')
"""
import numpy as np

from . import backend as _backend

_EPSILON = 1e-7  # the fuzz factor of the losses (axon.ops.losses.EPSILON)


def floatx():
    """The default float type of new tensors and weights, as a string."""
    return np.dtype(_backend.floatx()).name


def set_floatx(value):
    """Change the default float type (``"float32"`` or ``"float64"``)."""
    _backend.set_floatx(value)


def backend():
    """The array backend's name: always ``"numpy"``."""
    return "numpy"


def epsilon():
    """The fuzz factor that keeps logarithms of probabilities finite (1e-7)."""
    return _EPSILON


def image_data_format():
    """The default image layout of the layers: ``"channels_last"`` (N, H, W, C)."""
    return "channels_last"


def set_image_data_format(data_format):
    """Only ``"channels_last"`` can be the global default; a layer takes ``data_format="channels_first"``
    for itself."""
    if data_format != "channels_last":
        raise ValueError(f"set_image_data_format: only 'channels_last' can be the default, got {data_format!r}; "
                         "pass data_format='channels_first' to the layers that read such images")


def enable_unsafe_deserialization():
    """Accepted for Keras's API: Axon's model files hold no code (no lambdas are unpickled), so there is
    nothing unsafe to enable."""
