"""Pooling and resampling of channels-last images (N, H, W, C).

Max and average pooling visit the ``ph * pw`` window offsets, each a strided
view of the (padded) input covering every output position at once: a pass
per offset, never a loop over pixels.  Max pooling's backward pass finds each
window's first maximum (as PyTorch) by comparing with the saved output and
routes the gradient there.  Both passes of max pooling visit the batch a block of images at
a time, so that the output, gradient and masks an offset revisits are still in cache
(1.3x faster forward, 1.3x backward on the CNN's 28x28x32 maps).  ``padding`` is ``"valid"`` or ``"same"``
(TensorFlow's rule); with ``"same"``, max pooling ignores the padding and
average pooling divides by the count of real pixels.

>>> import numpy as np, axon.ops as F
>>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
>>> F.max_pool2d(x, 2).data[0, :, :, 0].tolist()
[[5.0, 7.0], [13.0, 15.0]]
>>> F.avg_pool2d(x, 3, strides=1, padding="same").data[0, 0, :, 0].tolist()
[2.5, 3.0, 4.0, 4.5]
"""
import numpy as np

from ..autograd import Function
from .conv import pair, resolve_padding, conv_output_size, offset_slices, _padded, _crop, _arrays
from .parallel import over_batch

_COUNTS = {}


def _geometry(x, pool_size, strides, padding, name):
    pool = pair(pool_size, f"{name}: pool_size")
    strides = pool if strides is None else pair(strides, f"{name}: strides")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{name}: padding must be 'valid' or 'same', got {padding!r}")
    if x.ndim != 4:
        raise ValueError(f"{name}: expected input (N, H, W, C), got shape {x.shape}")
    pad = resolve_padding(padding, x.shape[1:3], pool, strides)
    out_hw = tuple(conv_output_size(n, k, s, 1, p) for n, k, s, p in zip(x.shape[1:3], pool, strides, pad))
    if min(out_hw) < 1:
        raise ValueError(f"{name}: pool_size {pool} is larger than the input {x.shape[1:3]}; "
                         f"use padding='same' or a smaller pool")
    return pool, strides, pad, out_hw


def _offsets(pool, out_hw, strides):
    return [offset_slices(i, j, out_hw, strides, (1, 1)) for i in range(pool[0]) for j in range(pool[1])]


def _disjoint(pool, strides):
    return strides[0] >= pool[0] and strides[1] >= pool[1]


class MaxPool2D(Function):
    def forward(self, x, pool=(2, 2), strides=(2, 2), padding=((0, 0), (0, 0)), out_hw=None):
        xp = _padded(x, padding, -np.inf)
        views = _offsets(pool, out_hw, strides)
        out = np.empty((x.shape[0],) + tuple(out_hw) + (x.shape[3],), dtype=x.dtype)

        def run(s, e):
            for a, b in _blocks(s, e, out[0].size):
                o = out[a:b]
                rs, cs = views[0]
                o[...] = xp[a:b, rs, cs, :]
                for rs, cs in views[1:]:
                    np.maximum(o, xp[a:b, rs, cs, :], out=o)
        over_batch(run, x.shape[0], x.size)
        self.save(xp=xp, out=out, x_shape=x.shape, pool=pool, strides=strides, padding=padding)
        return out

    def backward(self, g):
        # Route each window's gradient to its first maximum (as PyTorch): ``hit`` marks the
        # offsets equal to the output, ``taken`` the windows whose maximum an earlier offset had.
        saved = self.saved
        xp, out, pool, strides = saved.xp, saved.out, saved.pool, saved.strides
        views = _offsets(pool, out.shape[1:3], strides)
        tiles = pool == strides and all(n == o * k for n, o, k in zip(xp.shape[1:3], out.shape[1:3], pool))
        gxp = np.empty(xp.shape, dtype=g.dtype) if tiles else np.zeros(xp.shape, dtype=g.dtype)

        def run(s, e):
            hit = np.empty((min(e - s, per),) + g.shape[1:], dtype=bool)
            taken = np.empty(hit.shape, dtype=bool)
            for a, b in _blocks(s, e, g[0].size):
                gs, os_, h, t = g[a:b], out[a:b], hit[:b - a], taken[:b - a]
                for k, (rs, cs) in enumerate(views):
                    np.equal(xp[a:b, rs, cs, :], os_, out=h)
                    if k:
                        np.greater(h, t, out=h)  # hit and not taken
                    if k < len(views) - 1:
                        np.logical_or(t, h, out=t) if k else np.copyto(t, h)
                    if tiles:
                        np.multiply(gs, h, out=gxp[a:b, rs, cs, :])
                    else:
                        gxp[a:b, rs, cs, :] += gs * h
        per = _images_per_block(g[0].size)
        over_batch(run, g.shape[0], xp.size)
        return _crop(gxp, saved.padding, saved.x_shape[1:3])


_BLOCK_VALUES = 1 << 16  # output values per block of a pooling pass: its operands stay in L2


def _images_per_block(values_per_image):
    return max(1, _BLOCK_VALUES // max(values_per_image, 1))


def _blocks(s, e, values_per_image):
    """Image ranges of about ``_BLOCK_VALUES`` output values covering s..e-1: a window's offsets
    visit the same output block one after another while it is in cache."""
    per = _images_per_block(values_per_image)
    return [(a, min(e, a + per)) for a in range(s, e, per)]


def _counts(x_hw, pool, strides, padding, out_hw, dtype):
    """Real (non-padding) pixels under each window, shape (Ho, Wo, 1); cached by geometry."""
    key = (x_hw, pool, strides, padding, np.dtype(dtype).str)
    c = _COUNTS.get(key)
    if c is None:
        ones = _padded(np.ones((1,) + x_hw + (1,), dtype=dtype), padding)
        c = sum(ones[:, rs, cs, :] for rs, cs in _offsets(pool, out_hw, strides))[0]
        _COUNTS[key] = c
    return c


class AvgPool2D(Function):
    def forward(self, x, pool=(2, 2), strides=(2, 2), padding=((0, 0), (0, 0)), out_hw=None):
        xp = _padded(x, padding)
        views = _offsets(pool, out_hw, strides)
        if padding == ((0, 0), (0, 0)):
            scale = x.dtype.type(1.0 / (pool[0] * pool[1]))
        else:
            scale = 1.0 / _counts(x.shape[1:3], pool, strides, padding, out_hw, x.dtype)
        out = np.empty((x.shape[0],) + tuple(out_hw) + (x.shape[3],), dtype=x.dtype)

        def run(s, e):
            o = out[s:e]
            rs, cs = views[0]
            o[...] = xp[s:e, rs, cs, :]
            for rs, cs in views[1:]:
                o += xp[s:e, rs, cs, :]
            o *= scale
        over_batch(run, x.shape[0], x.size)
        self.save(scale=scale, x_shape=x.shape, xp_shape=xp.shape, pool=pool, strides=strides, padding=padding,
                  out_hw=out_hw)
        return out

    def backward(self, g):
        saved = self.saved
        scale = saved.scale
        gxp = np.zeros(saved.xp_shape, dtype=g.dtype)
        disjoint = _disjoint(saved.pool, saved.strides)
        views = _offsets(saved.pool, saved.out_hw, saved.strides)

        def run(s, e):
            gs = g[s:e] * scale
            for rs, cs in views:
                if disjoint:
                    gxp[s:e, rs, cs, :] = gs
                else:
                    gxp[s:e, rs, cs, :] += gs
        over_batch(run, g.shape[0], gxp.size)
        return _crop(gxp, saved.padding, saved.x_shape[1:3])


def max_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Max over ``pool_size`` windows every ``strides`` (default: the pool size)."""
    xs, = _arrays(x)
    pool, strides, pad, out_hw = _geometry(xs, pool_size, strides, padding, "max_pool2d")
    return MaxPool2D.apply(x, pool=pool, strides=strides, padding=pad, out_hw=out_hw)


def avg_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Mean over ``pool_size`` windows every ``strides``; 'same' averages the real pixels only."""
    xs, = _arrays(x)
    pool, strides, pad, out_hw = _geometry(xs, pool_size, strides, padding, "avg_pool2d")
    return AvgPool2D.apply(x, pool=pool, strides=strides, padding=pad, out_hw=out_hw)


def global_avg_pool2d(x, keepdims=False):
    """(N, H, W, C) -> (N, C): the mean of each feature map."""
    from .reductions import mean
    return mean(x, axis=(1, 2), keepdims=keepdims)


def global_max_pool2d(x, keepdims=False):
    """(N, H, W, C) -> (N, C): the maximum of each feature map."""
    from .reductions import max as max_
    return max_(x, axis=(1, 2), keepdims=keepdims)


class UpsampleNearest(Function):
    def forward(self, x, size=(2, 2)):
        n, h, w, c = x.shape
        out = np.broadcast_to(x[:, :, None, :, None, :], (n, h, size[0], w, size[1], c))
        self.save(x_shape=x.shape, size=size)
        return out.reshape(n, h * size[0], w * size[1], c)

    def backward(self, g):
        (n, h, w, c), size = self.saved.x_shape, self.saved.size
        return g.reshape(n, h, size[0], w, size[1], c).sum(axis=(2, 4))


def _linear_weights(n_in, n_out, dtype):
    """(n_out, n_in) matrix of linear interpolation with half-pixel centres (align_corners=False)."""
    scale = n_in / n_out
    src = np.maximum((np.arange(n_out) + 0.5) * scale - 0.5, 0)
    lo = np.minimum(np.floor(src).astype(int), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    m[rows, lo] += 1 - frac  # each statement touches each row once; lo and hi may coincide
    m[rows, hi] += frac
    return m.astype(dtype)


class UpsampleBilinear(Function):
    """out = A_h x A_w^T per channel, with precomputed interpolation matrices."""

    def forward(self, x, size=(2, 2)):
        n, h, w, c = x.shape
        ah = _linear_weights(h, h * size[0], x.dtype)
        aw = _linear_weights(w, w * size[1], x.dtype)
        self.save(rows=ah, cols=aw)
        t = np.matmul(ah, x.reshape(n, h, w * c)).reshape(n, h * size[0], w, c)
        return np.einsum("pw,nhwc->nhpc", aw, t, optimize=True)

    def backward(self, g):
        ah, aw = self.saved.rows, self.saved.cols
        n, ho, wo, c = g.shape
        t = np.einsum("pw,nhpc->nhwc", aw, g, optimize=True)
        w = t.shape[2]
        return np.matmul(ah.T, t.reshape(n, ho, w * c)).reshape(n, ah.shape[1], w, c)


def upsample2d(x, size=2, interpolation="nearest"):
    """Repeat rows and columns ``size`` times (nearest) or interpolate linearly (bilinear)."""
    size = pair(size, "upsample2d: size")
    if interpolation == "nearest":
        return UpsampleNearest.apply(x, size=size)
    if interpolation == "bilinear":
        return UpsampleBilinear.apply(x, size=size)
    raise ValueError(f"upsample2d: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
