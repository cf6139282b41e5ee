"""Spatial reshaping layers: ZeroPadding2D, Cropping2D, UpSampling2D (Keras names and arguments).

>>> import numpy as np
>>> x = np.zeros((2, 5, 5, 3), "float32")
>>> ZeroPadding2D(((1, 2), (0, 1)))(x).shape, Cropping2D(1)(x).shape, UpSampling2D(2)(x).shape
((2, 8, 6, 3), (2, 3, 3, 3), (2, 10, 10, 3))
"""
from .. import ops as F
from ..ops.conv import resolve_padding, pair
from ..ops.pooling import upsample2d
from .base import Layer
from .conv import normalize_data_format, image_shape


def _sizes(value, who, what):
    if isinstance(value, str):
        raise ValueError(f"{who}: {what} must be an int, (h, w) or ((top, bottom), (left, right)), got {value!r}")
    try:
        sizes = resolve_padding(value, None, None)
    except (ValueError, TypeError):
        raise ValueError(f"{who}: {what} must be an int, (h, w) or ((top, bottom), (left, right)), "
                         f"got {value!r}") from None
    if min(min(p) for p in sizes) < 0:
        raise ValueError(f"{who}: {what} must not be negative, got {value!r}")
    return sizes


def _spatial_axes(fmt):
    return (2, 3) if fmt == "channels_first" else (1, 2)


class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around each image."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _sizes(padding, "ZeroPadding2D", "padding")
        self.data_format = normalize_data_format(data_format, "ZeroPadding2D")

    def build(self, input_shape):
        image_shape(self, input_shape, self.data_format)

    def call(self, x):
        widths = [(0, 0)] * 4
        ah, aw = _spatial_axes(self.data_format)
        widths[ah], widths[aw] = self.padding
        return F.pad(x, widths)


class Cropping2D(Layer):
    """Removes rows and columns at the edges of each image."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _sizes(cropping, "Cropping2D", "cropping")
        self.data_format = normalize_data_format(data_format, "Cropping2D")

    def build(self, input_shape):
        n, h, w, c = image_shape(self, input_shape, self.data_format)
        (t, b), (l, r) = self.cropping
        if t + b >= h or l + r >= w:
            raise ValueError(f"{self.describe()}: cropping {self.cropping} leaves nothing of an input of "
                             f"height {h} and width {w}")

    def call(self, x):
        ah, aw = _spatial_axes(self.data_format)
        index = [slice(None)] * 4
        (t, b), (l, r) = self.cropping
        index[ah] = slice(t, x.shape[ah] - b)
        index[aw] = slice(l, x.shape[aw] - r)
        return F.getitem(x, tuple(index))


class UpSampling2D(Layer):
    """Repeats rows and columns ``size`` times ('nearest') or interpolates them ('bilinear')."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = pair(size, "UpSampling2D: size")
        self.data_format = normalize_data_format(data_format, "UpSampling2D")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
        self.interpolation = interpolation

    def build(self, input_shape):
        image_shape(self, input_shape, self.data_format)

    def call(self, x):
        if self.data_format == "channels_first":
            return F.transpose(upsample2d(F.transpose(x, (0, 2, 3, 1)), self.size, self.interpolation),
                               (0, 3, 1, 2))
        return upsample2d(x, self.size, self.interpolation)
