"""Image augmentation layers with Keras names and arguments: RandomFlip, RandomRotation,
RandomZoom, RandomTranslation, RandomContrast, RandomCrop.

They transform only while training (inside ``fit``, or when called with
``training=True``, or called directly in training mode, as Keras's do) and pass
images through unchanged in ``evaluate``/``predict``; RandomCrop then
center-crops instead (see its docstring).  Each image of a batch draws its
own transform (RandomCrop: one window for the whole batch, as Keras), from the
layer's own generator when ``seed`` is given, else from Axon's
(``axon.manual_seed``).  The geometric layers resample the whole batch at once
(``axon.ops.image``); gradients flow through all of them to their inputs.

>>> import numpy as np
>>> x = np.arange(8, dtype="float32").reshape(1, 2, 4, 1)
>>> RandomFlip("horizontal", seed=2)(x, training=True)[0, :, :, 0].numpy().tolist()
[[3.0, 2.0, 1.0, 0.0], [7.0, 6.0, 5.0, 4.0]]
>>> RandomFlip("horizontal", seed=1)(x, training=False)[0, 0, :, 0].numpy().tolist()
[0.0, 1.0, 2.0, 3.0]
"""
import math

import numpy as np

from .. import backend, ops as F
from ..ops import image as image_ops
from .preprocessing import ImageLayer, smart_resize

FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


def _is_number(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def factor_range(value, name, who, lo=-1.0, hi=1.0, lo_open=False):
    """``(lower, upper)`` from a number f (``(-f, f)``) or a pair, each inside [lo, hi]
    ((lo, hi] when ``lo_open``); a clear error naming the layer and argument otherwise."""
    pair = (-abs(value), abs(value)) if _is_number(value) \
        else tuple(value) if isinstance(value, (list, tuple)) and len(value) == 2 else None
    bad = pair is None or any(not _is_number(v) or v > hi or v < lo or (lo_open and v == lo) for v in pair)
    if bad:
        interval = f"({lo}, {hi}]" if lo_open else f"[{lo}, {hi}]"
        raise ValueError(f"{who}: {name} must be a number or a pair (lower, upper) in {interval}, "
                         f"got {value!r}")
    return tuple(sorted(float(v) for v in pair))


class _RandomImageLayer(ImageLayer):
    """Draws from its own generator with ``seed``, else from Axon's; identity unless training."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    @property
    def rng(self):
        return self._rng if self._rng is not None else backend.rng()

    def transform(self, x, training):
        return self.augment(x) if training else x


class _AffineLayer(_RandomImageLayer):
    """A random affine transform per image, resampled with ``fill_mode`` and ``interpolation``."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        image_ops.check_modes(interpolation, fill_mode, type(self).__name__)
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, float(fill_value)

    def augment(self, x):
        n, h, w = x.shape[:3]
        return image_ops.affine_transform(x, self.matrices(n, h, w), self.interpolation, self.fill_mode,
                                          self.fill_value)


def _affine_rows(n, a0, a1, a2, b0, b1, b2):
    """(n, 8) transforms ``[a0, a1, a2, b0, b1, b2, 0, 0]`` (see ``axon.ops.image.affine_transform``)."""
    t = np.zeros((n, 8))
    for i, v in enumerate((a0, a1, a2, b0, b1, b2)):
        t[:, i] = v
    return t


class RandomFlip(_RandomImageLayer):
    """Flip each image with probability 1/2: left-right ('horizontal'), top-bottom ('vertical'),
    or, for 'horizontal_and_vertical', both at once (Keras draws one decision for the two)."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        if mode not in FLIP_MODES:
            raise ValueError(f"RandomFlip: mode must be one of {FLIP_MODES}, got {mode!r}")
        self.mode = mode

    def augment(self, x):
        flip = (self.rng.random(x.shape[0]) <= 0.5).reshape(-1, 1, 1, 1)
        out = x
        if self.mode != "vertical":
            out = F.where(flip, out[:, :, ::-1], out)
        if self.mode != "horizontal":
            out = F.where(flip, out[:, ::-1], out)
        return out


class RandomRotation(_AffineLayer):
    """Rotate each image about its centre by a random angle: ``factor`` is a fraction of a full
    turn, f for [-f, f] or a pair (lower, upper); positive angles turn counter-clockwise."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor_range(factor, "factor", "RandomRotation")

    def matrices(self, n, h, w):
        angle = self.rng.uniform(self.factor[0], self.factor[1], n) * 2 * math.pi
        c, s = np.cos(angle), np.sin(angle)
        cx, cy = (w - 1) / 2, (h - 1) / 2
        return _affine_rows(n, c, -s, cx - cx * c + cy * s, s, c, cy - cx * s - cy * c)


class RandomZoom(_AffineLayer):
    """Zoom each image about its centre: ``height_factor`` f draws the vertical zoom from
    [-f, f] (or a pair), positive values zooming out, negative in; ``width_factor`` likewise,
    or None to keep the aspect ratio (one draw for both)."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = factor_range(height_factor, "height_factor", "RandomZoom", lo_open=True)
        self.width_factor = None if width_factor is None else \
            factor_range(width_factor, "width_factor", "RandomZoom", lo_open=True)

    def matrices(self, n, h, w):
        zy = 1 + self.rng.uniform(*self.height_factor, n)
        zx = zy if self.width_factor is None else 1 + self.rng.uniform(*self.width_factor, n)
        return _affine_rows(n, zx, 0, (w - 1) / 2 * (1 - zx), 0, zy, (h - 1) / 2 * (1 - zy))


class RandomTranslation(_AffineLayer):
    """Shift each image by a random fraction of its height (``height_factor``: f for [-f, f], or a
    pair; positive moves down) and width (``width_factor``; positive moves right)."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = factor_range(height_factor, "height_factor", "RandomTranslation")
        self.width_factor = factor_range(width_factor, "width_factor", "RandomTranslation")

    def matrices(self, n, h, w):
        dy = self.rng.uniform(*self.height_factor, n) * h
        dx = self.rng.uniform(*self.width_factor, n) * w
        return _affine_rows(n, 1, 0, -dx, 0, 1, -dy)


class RandomContrast(_RandomImageLayer):
    """Scale each image's deviation from its per-channel mean by a random factor from
    [1 - lower, 1 + upper] (``factor`` f for lower = upper = f, as Keras documents it), then clip
    to ``value_range``."""

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        pair = (factor, factor) if _is_number(factor) else factor
        self.factor = factor_range(pair, "factor", "RandomContrast", lo=0.0)
        if len(value_range) != 2 or value_range[0] >= value_range[1]:
            raise ValueError(f"RandomContrast: value_range must be (low, high) with low < high, "
                             f"got {value_range!r}")
        self.value_range = tuple(value_range)

    def augment(self, x):
        f = self.rng.uniform(1 - self.factor[0], 1 + self.factor[1], (x.shape[0], 1, 1, 1)).astype(self.dtype)
        mean = F.mean(x, axis=(1, 2), keepdims=True)
        return F.clip((x - mean) * f + mean, self.value_range[0], self.value_range[1])


class RandomCrop(_RandomImageLayer):
    """Crop a random (height, width) window, the same for the whole batch, while training.  In
    inference, and in training when the images are not larger than the window, the largest
    centred window with the target aspect ratio is resized to (height, width) instead (Keras's
    documented rule), so the output shape never changes."""

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.height, self.width = int(height), int(width)
        if self.height < 1 or self.width < 1:
            raise ValueError(f"RandomCrop: height and width must be positive, got {height!r}, {width!r}")

    def transform(self, x, training):
        h, w = x.shape[1:3]
        if training and h > self.height and w > self.width:
            top = int(self.rng.uniform(0, h - self.height + 1))
            left = int(self.rng.uniform(0, w - self.width + 1))
            return x[:, top:top + self.height, left:left + self.width]
        return smart_resize(x, self.height, self.width)
