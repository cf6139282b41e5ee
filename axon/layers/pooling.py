"""Pooling layers: MaxPooling2D, AveragePooling2D, their 1-D and global forms (Keras names and arguments).

>>> import numpy as np
>>> x = np.zeros((2, 28, 28, 8), "float32")
>>> MaxPooling2D()(x).shape, AveragePooling2D(3, strides=2, padding="same")(x).shape
((2, 14, 14, 8), (2, 14, 14, 8))
>>> GlobalAveragePooling2D()(x).shape
(2, 8)
"""
import numpy as np

from .. import ops as F
from ..ops.conv import pair
from ..tensor import to_numpy
from ..ops.pooling import max_pool2d, avg_pool2d
from .base import Layer
from .conv import normalize_data_format, to_channels_last, from_channels_last, image_shape


class _Pooling2D(Layer):
    pool_fn = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.pool_size = pair(pool_size, f"{who}: pool_size")
        self.strides = self.pool_size if strides is None else pair(strides, f"{who}: strides")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"{who}: padding must be 'valid' or 'same', got {padding!r}; pass padding='same' "
                             "to keep the size (with strides 1) or 'valid' for no padding")
        self.data_format = normalize_data_format(data_format, who)

    def build(self, input_shape):
        n, h, w, c = image_shape(self, input_shape, self.data_format)
        if self.padding == "valid" and (h < self.pool_size[0] or w < self.pool_size[1]):
            raise ValueError(f"{self.describe()}: pool_size {self.pool_size} is larger than the input ({h}, {w}); "
                             f"use padding='same' or a smaller pool")

    def call(self, x):
        x = to_channels_last(x, self.data_format)
        try:
            y = type(self).pool_fn(x, self.pool_size, self.strides, self.padding)
        except ValueError as e:
            raise ValueError(f"{self.describe()}: {e}") from None
        return from_channels_last(y, self.data_format)


class MaxPooling2D(_Pooling2D):
    """Maximum over ``pool_size`` windows every ``strides`` (default: ``pool_size``)."""
    pool_fn = staticmethod(max_pool2d)


class AveragePooling2D(_Pooling2D):
    """Mean over ``pool_size`` windows; with 'same', windows average their real pixels only."""
    pool_fn = staticmethod(avg_pool2d)


class _Pooling1D(Layer):
    pool_fn = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.pool_size = int(pool_size)
        self.strides = self.pool_size if strides is None else int(strides)
        if self.pool_size < 1 or self.strides < 1:
            raise ValueError(f"{who}: pool_size and strides must be positive, got {pool_size!r}, {strides!r}")
        self.padding = str(padding).lower()
        self.data_format = normalize_data_format(data_format, who)

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.describe()}: expected 3-D input (batch, steps, channels), "
                             f"got shape {tuple(input_shape)}")

    def call(self, x):
        if self.data_format == "channels_first":
            x = F.transpose(x, (0, 2, 1))
        try:
            y = type(self).pool_fn(F.expand_dims(x, 1), (1, self.pool_size), (1, self.strides), self.padding)
        except ValueError as e:
            raise ValueError(f"{self.describe()}: {e}") from None
        y = F.squeeze(y, 1)
        return F.transpose(y, (0, 2, 1)) if self.data_format == "channels_first" else y


class MaxPooling1D(_Pooling1D):
    """Maximum over windows of ``pool_size`` steps of (N, steps, C)."""
    pool_fn = staticmethod(max_pool2d)


class AveragePooling1D(_Pooling1D):
    """Mean over windows of ``pool_size`` steps of (N, steps, C)."""
    pool_fn = staticmethod(avg_pool2d)


class _GlobalPooling(Layer):
    rank = 2
    reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.keepdims = keepdims

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{self.describe()}: expected {self.rank + 2}-D input, got shape {tuple(input_shape)}")

    def call(self, x):
        if self.data_format == "channels_first":
            axes = tuple(range(2, self.rank + 2))
        else:
            axes = tuple(range(1, self.rank + 1))
        return type(self).reduce(x, axis=axes, keepdims=self.keepdims)


class GlobalAveragePooling2D(_GlobalPooling):
    """(N, H, W, C) -> (N, C): the mean of each feature map (``keepdims`` keeps (N, 1, 1, C))."""
    reduce = staticmethod(F.mean)


class GlobalMaxPooling2D(_GlobalPooling):
    """(N, H, W, C) -> (N, C): the maximum of each feature map."""
    reduce = staticmethod(F.max)


class GlobalAveragePooling1D(_GlobalPooling):
    """(N, steps, C) (or (N, C, steps) with channels_first) -> (N, C): the mean over steps.  With a
    mask (N, steps) (given, or carried by the input, e.g. from ``Embedding(mask_zero=True)``) the
    mean is over the unmasked steps only, as in Keras; the output carries no mask."""
    rank = 1
    reduce = staticmethod(F.mean)
    supports_masking = True

    def call(self, x, mask=None):
        if mask is None:
            return super().call(x)
        steps = 1 if self.data_format == "channels_last" else 2
        m = np.expand_dims(to_numpy(mask).astype(x.dtype), 2 if steps == 1 else 1)
        total = F.sum(x * m, axis=steps, keepdims=self.keepdims)
        return total / m.sum(axis=steps, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling1D(_GlobalPooling):
    """(N, steps, C) -> (N, C): the maximum over steps."""
    rank = 1
    reduce = staticmethod(F.max)


__all__ = ["MaxPooling2D", "AveragePooling2D", "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling2D",
           "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalMaxPooling1D"]
