"""Preprocessing: rescaling, scalers fitted on training data only, one-hot labels, L2 normalization.

Scalers learn their statistics in ``fit`` (call it on the training split
only) and apply them unchanged in ``transform`` to every split, so no
information leaks from validation or test data.  ``per`` chooses what a
statistic is computed for:

- ``"feature"``: one value per feature, i.e. per position after the sample
  axis (per pixel and channel for images);
- ``"channel"``: one value per channel (``channel_axis``, last by default),
  pooled over samples and spatial positions, as is usual for images;
- ``"global"``: one value for the whole array.
"""
import numpy as np

from .. import backend

_PER = ("feature", "channel", "global")


def _float(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(backend.floatx())


def rescale(x, scale, offset=0.0, dtype=None):
    """``x * scale + offset`` as floats (``floatx()`` unless ``dtype``), e.g. ``rescale(x, 1/255)``.

    >>> rescale(np.array([0, 64, 255], np.uint8), 1 / 255)
    array([0.       , 0.2509804, 1.       ], dtype=float32)
    """
    x = np.asarray(x)
    dtype = np.dtype(dtype or (x.dtype if x.dtype.kind == "f" else backend.floatx()))
    out = x.astype(dtype)
    out *= dtype.type(scale)
    if offset:
        out += dtype.type(offset)
    return out


class _Scaler:
    """Shared fitting machinery: which axes are pooled and shape checks."""

    def __init__(self, per="feature", channel_axis=-1):
        if per not in _PER:
            raise ValueError(f"{type(self).__name__}: per must be one of {_PER}, got {per!r}")
        self.per, self.channel_axis = per, channel_axis
        self.shape_ = None

    def _axes(self, ndim):
        if self.per == "feature":
            return (0,)
        if self.per == "global":
            return tuple(range(ndim))
        if ndim < 2:
            raise ValueError(f"{type(self).__name__}(per='channel') needs at least 2 dimensions "
                             f"(samples, ..., channels), got an array of {ndim}")
        channel = self.channel_axis % ndim
        if channel == 0:
            raise ValueError(f"{type(self).__name__}: channel_axis={self.channel_axis} is the sample "
                             "axis; pass the axis of the channels")
        return tuple(a for a in range(ndim) if a != channel)

    def _check_input(self, x, what):
        x = _float(x)
        if x.ndim == 0 or len(x) == 0:
            raise ValueError(f"{type(self).__name__}.{what}: expected an array of samples, "
                             f"got shape {x.shape}")
        return x

    def fit(self, x):
        """Learn the statistics from ``x`` (the training data only); returns ``self``."""
        x = self._check_input(x, "fit")
        self.shape_ = x.shape[1:]
        self._fit(x, self._axes(x.ndim))
        return self

    def _fitted(self, x, what):
        if self.shape_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(x_train) before {what}")
        x = self._check_input(x, what)
        if x.shape[1:] != self.shape_:
            raise ValueError(f"{type(self).__name__}.{what}: fitted on samples of shape {self.shape_}, "
                             f"got samples of shape {x.shape[1:]}")
        return x

    def fit_transform(self, x):
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)

    def transform(self, x):
        """``x`` scaled with the statistics learnt in ``fit``."""
        x = self._fitted(x, "transform")
        return ((x - self.offset_.astype(x.dtype)) / self.scale_.astype(x.dtype)).astype(x.dtype, copy=False)

    def inverse_transform(self, x):
        """Undo ``transform``: back to the original units."""
        x = self._fitted(x, "inverse_transform")
        return (x * self.scale_.astype(x.dtype) + self.offset_.astype(x.dtype)).astype(x.dtype, copy=False)


class MinMaxScaler(_Scaler):
    """Map the training range of each feature (or channel) to ``feature_range``.

    >>> s = MinMaxScaler().fit(np.array([[0., 10.], [2., 30.]]))
    >>> s.transform(np.array([[1., 20.], [4., 10.]]))
    array([[0.5, 0.5],
           [2. , 0. ]])
    """

    def __init__(self, feature_range=(0.0, 1.0), per="feature", channel_axis=-1):
        super().__init__(per, channel_axis)
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError(f"MinMaxScaler: feature_range must be (low, high) with low < high, "
                             f"got {feature_range!r}")
        self.feature_range = (float(lo), float(hi))

    def _fit(self, x, axes):
        self.data_min_ = x.min(axis=axes, keepdims=True)[0].astype(np.float64)
        self.data_max_ = x.max(axis=axes, keepdims=True)[0].astype(np.float64)
        span = self.data_max_ - self.data_min_
        span[span == 0] = 1.0           # a constant feature maps to the low end, not to NaN
        lo, hi = self.feature_range
        self.scale_ = span / (hi - lo)
        self.offset_ = self.data_min_ - lo * self.scale_


class StandardScaler(_Scaler):
    """Z-scores: subtract the training mean, divide by the training standard deviation.

    Features with zero variance are only centred (their scale is 1).

    >>> s = StandardScaler().fit(np.array([[1., 5.], [3., 5.]]))
    >>> s.mean_, s.scale_
    (array([2., 5.]), array([1., 1.]))
    """

    def __init__(self, with_mean=True, with_std=True, per="feature", channel_axis=-1):
        super().__init__(per, channel_axis)
        self.with_mean, self.with_std = with_mean, with_std

    def _fit(self, x, axes):
        self.mean_ = x.mean(axis=axes, dtype=np.float64, keepdims=True)[0]
        self.var_ = x.var(axis=axes, dtype=np.float64, keepdims=True)[0]
        std = np.sqrt(self.var_)
        std[std == 0] = 1.0
        self.scale_ = std if self.with_std else np.ones_like(std)
        self.offset_ = self.mean_ if self.with_mean else np.zeros_like(self.mean_)


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encoding of integer labels, as Keras: shape ``y.shape + (num_classes,)``.

    A trailing axis of size 1, as in labels of shape ``(N, 1)``, is dropped first.

    >>> to_categorical([0, 2, 1], 3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    y = np.asarray(y)
    if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
        raise ValueError("to_categorical: labels must be whole numbers, got non-integer values")
    y = y.astype(np.int64)
    shape = y.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    y = y.reshape(-1)
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"to_categorical: labels must lie in [0, {num_classes}), got values from "
                         f"{y.min()} to {y.max()}")
    out = np.zeros((y.size, num_classes), dtype=dtype)
    out[np.arange(y.size), y] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (zero vectors stay zero), as Keras.

    >>> normalize(np.array([[3., 4.], [0., 0.]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    x = _float(x)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    norm[norm == 0] = 1
    return x / norm
