"""Image resampling on channels-last batches (N, H, W, C): resizing and affine transforms as one
sampling grid and a bilinear (or nearest) gather over the whole batch, differentiable in the
images.  The resizing and augmentation layers are built on these.

Coordinates are in pixels, 0 being the centre of the first row or column.  Points that fall
outside the image are filled by ``fill_mode`` (Keras's names):
'reflect' ``(d c b a | a b c d | d c b a)``, 'wrap' ``(a b c d | a b c d | a b c d)``,
'nearest' ``(a a a a | a b c d | d d d d)``, 'constant' ``(k k k k | a b c d | k k k k)`` with
``k = fill_value``.  With bilinear interpolation each of the four neighbours is fetched by that
rule, so the border blends into the fill as in Keras.

>>> import numpy as np
>>> img = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)
>>> resize(img, (4, 4))[0, :, :, 0].numpy().tolist()[0]
[0.0, 0.25, 0.75, 1.0]
>>> shift_right = [[1, 0, -1, 0, 1, 0, 0, 0]]           # output (x, y) reads input (x - 1, y)
>>> affine_transform(img, shift_right)[0, :, :, 0].numpy().tolist()
[[0.0, 0.0], [0.0, 2.0]]
"""
import numpy as np

from ..autograd import Function
from ..tensor import unwrap

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")


def check_modes(interpolation, fill_mode, who):
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"{who}: interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"{who}: fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")


def _fix_index(i, n, fill_mode):
    """Integer indices mapped into [0, n) by ``fill_mode``; for 'constant', also where they were
    inside (elsewhere the fill value is read)."""
    if fill_mode == "wrap":
        return np.mod(i, n), None
    if fill_mode == "reflect":
        m = np.mod(i, 2 * n)
        return np.minimum(m, 2 * n - 1 - m), None
    inside = (i >= 0) & (i < n) if fill_mode == "constant" else None
    return np.clip(i, 0, n - 1), inside


def _taps(coords, n, interpolation, fill_mode):
    """(index, inside, weight) of the neighbours that interpolate at ``coords`` along one axis
    (``inside`` None when every index is inside the image)."""
    if interpolation == "nearest":
        lo = np.floor(coords + 0.5)
        starts, weights = [lo.astype(np.int32)], [1.0]
    else:
        lo = np.floor(coords)
        frac = coords - lo
        lo = lo.astype(np.int32)
        starts, weights = [lo, lo + 1], [1 - frac, frac]
    if starts[0].min() >= 0 and starts[-1].max() < n:  # the usual case: no index to fix
        return [(i, None, wt) for i, wt in zip(starts, weights)]
    return [(*_fix_index(i, n, fill_mode), wt) for i, wt in zip(starts, weights)]


class GridSample(Function):
    """``out[n, i, j] = images[n]`` interpolated at row ``ys[n, i, j]``, column ``xs[n, i, j]``
    (grids of shape (N or 1, Ho, Wo)); the gradient scatters back with the same weights."""

    def forward(self, images, ys=None, xs=None, interpolation="bilinear", fill_mode="constant",
                fill_value=0.0):
        images = images.astype(np.result_type(images.dtype, np.float32), copy=False)
        n, h, w, c = images.shape
        dtype = images.dtype
        shape = (n,) + np.broadcast_shapes(ys.shape, xs.shape)[1:]
        flat = images.reshape(n * h * w, c)
        start = (np.arange(n) * (h * w)).reshape(-1, 1, 1)
        out, fill_share = np.zeros(shape + (c,), dtype), 0
        index, weight = [], []
        for iy, in_y, wy in _taps(ys.astype(dtype), h, interpolation, fill_mode):
            for ix, in_x, wx in _taps(xs.astype(dtype), w, interpolation, fill_mode):
                wt = np.broadcast_to(np.asarray(wy * wx, dtype), shape)
                if in_y is not None or in_x is not None:  # 'constant': neighbours outside read the fill value
                    inside = in_x if in_y is None else in_y if in_x is None else in_y & in_x
                    if fill_value:
                        fill_share = fill_share + wt * ~inside
                    wt = wt * inside
                idx = np.broadcast_to(start + iy * w + ix, shape)
                out += flat[idx] * wt[..., None]
                index.append(idx)
                weight.append(wt)
        if fill_value and not np.isscalar(fill_share):
            out += (fill_share * dtype.type(fill_value))[..., None]
        self.save(index=index, weight=weight, shape=images.shape)
        return out

    def backward(self, g):
        s = self.saved
        n, h, w, c = s.shape
        channel = np.arange(c)
        positions = np.concatenate([(i[..., None] * c + channel).ravel() for i in s.index])
        values = np.concatenate([(wt[..., None] * g).ravel() for wt in s.weight])
        gx = np.bincount(positions, weights=values, minlength=n * h * w * c)
        return gx.astype(g.dtype, copy=False).reshape(s.shape)


def grid_sample(images, ys, xs, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """Sample ``images`` (N, H, W, C) at rows ``ys`` and columns ``xs`` (pixel coordinates,
    arrays of shape (N or 1, Ho, Wo)); returns (N, Ho, Wo, C)."""
    check_modes(interpolation, fill_mode, "grid_sample")
    if np.ndim(unwrap(images)) != 4:
        raise ValueError(f"grid_sample: expected images (N, H, W, C), got shape {np.shape(unwrap(images))}")
    return GridSample.apply(images, ys=np.asarray(ys), xs=np.asarray(xs),
                            interpolation=interpolation, fill_mode=fill_mode, fill_value=float(fill_value))


def resize(images, size, interpolation="bilinear"):
    """Resize (N, H, W, C) to (N, height, width, C) with half-pixel centres (as Keras, TensorFlow
    and PyTorch's ``align_corners=False``), without antialiasing; edges repeat the border pixels."""
    h, w = np.shape(unwrap(images))[1:3]
    out_h, out_w = (int(s) for s in size)
    if out_h < 1 or out_w < 1:
        raise ValueError(f"resize: size must be two positive ints (height, width), got {size!r}")
    ys = (np.arange(out_h) + 0.5) * (h / out_h) - 0.5
    xs = (np.arange(out_w) + 0.5) * (w / out_w) - 0.5
    return grid_sample(images, ys[None, :, None], xs[None, None, :], interpolation, "nearest")


def aspect_crop_box(height, width, target_height, target_width):
    """(top, left, crop height, crop width) of the largest centred window of a (height, width)
    image with the aspect ratio of the target, by Keras's rounding."""
    crop_h = max(min(height, int(width * target_height / target_width)), 1)
    crop_w = max(min(width, int(height * target_width / target_height)), 1)
    return int((height - crop_h) / 2), int((width - crop_w) / 2), crop_h, crop_w


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """Apply projective transforms to (N, H, W, C) images.  ``transform`` (N, 8) or (8,):
    ``[a0, a1, a2, b0, b1, b2, c0, c1]`` maps each output point (x, y) (column, row) to the input
    point ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``, ``k = c0 x + c1 y + 1``, as Keras
    and TensorFlow define it."""
    t = np.asarray(transform, np.float64)
    t = t[None] if t.ndim == 1 else t
    if t.ndim != 2 or t.shape[1] != 8:
        raise ValueError(f"affine_transform: transform must be (8,) or (N, 8), got shape {t.shape}")
    h, w = np.shape(unwrap(images))[1:3]
    y, x = np.mgrid[0:h, 0:w].astype(np.result_type(unwrap(images).dtype, np.float32))
    t = t.astype(y.dtype)
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, i, None, None] for i in range(8))
    k = c0 * x + c1 * y + 1
    return grid_sample(images, (b0 * x + b1 * y + b2) / k, (a0 * x + a1 * y + a2) / k,
                       interpolation, fill_mode, fill_value)
