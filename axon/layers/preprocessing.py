"""Preprocessing layers with Keras names and arguments: Rescaling, Normalization (with ``adapt``),
Resizing and CenterCrop.

They run in the model, in training and inference alike, and gradients flow
through them to their inputs.  Images are (N, H, W, C), or (N, C, H, W) with
``data_format="channels_first"``; the outputs are floats.

>>> import numpy as np
>>> norm = Normalization(axis=None)
>>> norm.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], "float32"))
>>> norm(np.array([1.0, 2.0, 3.0])).numpy().astype(float).round(4).tolist()
[-1.4142, -0.7071, 0.0]
>>> Resizing(4, 6)(np.zeros((2, 8, 8, 3), "float32")).shape, CenterCrop(4, 4)(np.zeros((2, 8, 6, 3))).shape
((2, 4, 6, 3), (2, 4, 4, 3))
"""
import numpy as np

from .. import ops as F
from ..ops import image as image_ops
from ..tensor import Tensor, to_numpy
from .base import Layer
from .conv import normalize_data_format, to_channels_last, from_channels_last, image_shape

EPSILON = 1e-7  # Keras's backend.epsilon(): the smallest standard deviation Normalization divides by


def as_float(layer, x):
    """``x`` in the layer's float dtype (images often come as uint8)."""
    return x if x.dtype == layer.dtype else F.cast(x, layer.dtype)


class ImageLayer(Layer):
    """What the image layers share: ``data_format`` and a check that inputs are 4-D images."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)

    def build(self, input_shape):
        image_shape(self, input_shape, self.data_format)

    def call(self, x, training=None):
        x = to_channels_last(as_float(self, x), self.data_format)
        return from_channels_last(self.transform(x, bool(training)), self.data_format)


def smart_resize(x, height, width, interpolation="bilinear"):
    """The largest centred window of (N, H, W, C) images with the target aspect ratio, resized to
    (height, width) (Keras's rule for CenterCrop and RandomCrop when an image is too small)."""
    top, left, ch, cw = image_ops.aspect_crop_box(x.shape[1], x.shape[2], height, width)
    if (ch, cw) != tuple(x.shape[1:3]):
        x = x[:, top:top + ch, left:left + cw]
    return image_ops.resize(x, (height, width), interpolation)


class Rescaling(Layer):
    """``x * scale + offset``, e.g. ``Rescaling(1 / 255)`` for [0, 1] or ``Rescaling(1 / 127.5,
    offset=-1)`` for [-1, 1] pixels; ``scale`` and ``offset`` may be per-channel arrays."""
    supports_masking = True

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, x):
        scale = np.asarray(self.scale, self.dtype)
        offset = np.asarray(self.offset, self.dtype)
        return as_float(self, x) * scale + offset


class Normalization(Layer):
    """Shift and scale to mean 0 and standard deviation 1: ``(x - mean) / max(sqrt(variance), 1e-7)``
    (``invert=True``: ``mean + x * max(sqrt(variance), 1e-7)``), Keras's rule.

    ``axis``: the axis (or axes) that keep a separate mean and variance per index (-1: one per
    feature; None: a single scalar).  ``mean`` and ``variance`` given together are used as they
    are (broadcast to the kept axes); otherwise ``adapt(data)`` computes them, over every axis but
    ``axis``, the variance being the population variance (ddof 0), and stores them as the
    non-trainable weights ``mean`` and ``variance``, which ``model.save`` keeps.
    """
    supports_masking = True

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (int(axis),) if np.isscalar(axis) else tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: give mean and variance together (or neither, and call "
                             f"adapt), got mean={mean!r}, variance={variance!r}")
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(f"Normalization: mean and variance must have the same shape, got "
                             f"{np.shape(mean)} and {np.shape(variance)}")
        if mean is not None and np.ndim(mean) > len(self.axis):
            raise ValueError(f"Normalization: mean has {np.ndim(mean)} dimensions but axis={axis!r} keeps "
                             f"only {len(self.axis)}")
        self.input_mean, self.input_variance, self.invert = mean, variance, invert

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"{self.describe()}: axis {self.axis} is out of range for inputs of shape "
                             f"{tuple(input_shape)}")
        self._keep = tuple(sorted(a % ndim for a in self.axis))
        self._reduce = tuple(d for d in range(ndim) if d not in self._keep)
        self._broadcast = tuple(input_shape[d] if d in self._keep else 1 for d in range(ndim))
        self._build_input_shape = tuple(input_shape)
        stats_shape = tuple(input_shape[d] for d in self._keep)
        if self.input_mean is None:
            self.mean = self.add_weight("mean", stats_shape, "zeros", trainable=False)
            self.variance = self.add_weight("variance", stats_shape, "ones", trainable=False)
            return
        expanded = [1] * ndim  # the given values' axes line up with the last kept axes
        for i, size in enumerate(np.shape(self.input_mean)[::-1]):
            expanded[self._keep[-1 - i]] = size
        self._fixed = tuple(np.broadcast_to(np.reshape(np.asarray(v, self.dtype), expanded), self._broadcast)
                            for v in (self.input_mean, self.input_variance))

    def adapt(self, data):
        """Compute the mean and variance from ``data``: an array (or tensor), or an iterable of
        batches (arrays, or ``(x, y)`` tuples whose ``x`` is used), combined exactly."""
        if self.input_mean is not None:
            raise ValueError(f"{self.describe()}: mean and variance were given to the constructor; "
                             "adapt() would overwrite nothing")
        batches = [data] if isinstance(data, (np.ndarray, Tensor)) else data
        total = mean = var = None
        for batch in batches:
            batch = to_numpy(batch[0] if isinstance(batch, tuple) else batch).astype(np.float64)
            if not self.built:
                self.build(batch.shape)
                self._build_shapes = [(batch.shape, str(np.dtype(self.dtype)))]
                self.built = True
            self._check_adapt_shape(batch.shape)
            count = int(np.prod([batch.shape[d] for d in self._reduce]))
            b_mean, b_var = batch.mean(axis=self._reduce), batch.var(axis=self._reduce)
            if total is None:
                total, mean, var = count, b_mean, b_var
                continue
            # merge two groups' means and population variances (Chan et al.)
            new_total = total + count
            delta = b_mean - mean
            var = (var * total + b_var * count + delta ** 2 * total * count / new_total) / new_total
            mean = mean + delta * count / new_total
            total = new_total
        if total is None:
            raise ValueError(f"{self.describe()}: adapt() got no data (an empty iterable of batches)")
        self.mean.data[...] = mean
        self.variance.data[...] = var

    def _check_adapt_shape(self, shape):
        if len(shape) != len(self._build_input_shape) or any(
                shape[d] != self._build_input_shape[d] for d in self._keep):
            raise ValueError(f"{self.describe()}: the layer was built for inputs of shape "
                             f"{self._build_input_shape} (axis {self.axis} kept), adapt() got data of "
                             f"shape {tuple(shape)}")

    def call(self, x):
        if self.input_mean is None:
            mean = self.mean.data.reshape(self._broadcast)
            var = self.variance.data.reshape(self._broadcast)
        else:
            mean, var = self._fixed
        std = np.maximum(np.sqrt(var), EPSILON).astype(self.dtype)
        x = as_float(self, x)
        return mean + x * std if self.invert else (x - mean) / std


class Resizing(ImageLayer):
    """Resize images to (height, width): 'bilinear' (half-pixel centres, no antialiasing) or
    'nearest'.  ``crop_to_aspect_ratio=True`` first takes the largest centred window with the
    target aspect ratio, so images are not distorted."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, antialias=False, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        if interpolation not in image_ops.INTERPOLATIONS:
            raise ValueError(f"Resizing: interpolation must be one of {image_ops.INTERPOLATIONS} "
                             f"(the others Keras offers are not supported), got {interpolation!r}")
        if pad_to_aspect_ratio or antialias:
            raise ValueError("Resizing: pad_to_aspect_ratio and antialias are not supported; leave them False")
        self.height, self.width = int(height), int(width)
        self.interpolation, self.crop_to_aspect_ratio = interpolation, crop_to_aspect_ratio

    def transform(self, x, training):
        if self.crop_to_aspect_ratio:
            return smart_resize(x, self.height, self.width, self.interpolation)
        return image_ops.resize(x, (self.height, self.width), self.interpolation)


class CenterCrop(ImageLayer):
    """The central (height, width) window of each image; an image smaller than that is cropped
    to the target aspect ratio and resized (bilinear) instead, as in Keras.  When the margin is
    odd the extra row or column is left at the bottom/right."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.height, self.width = int(height), int(width)

    def transform(self, x, training):
        h, w = x.shape[1:3]
        if h >= self.height and w >= self.width:
            top, left = (h - self.height) // 2, (w - self.width) // 2
            return x[:, top:top + self.height, left:left + self.width]
        return smart_resize(x, self.height, self.width)
