"""Batch normalization and layer normalization with closed-form backward passes."""
import numpy as np

from ..autograd import Function
from .activations import rectifier_grad, rectify
from .parallel import channel_rows, in_blocks, sum_rows, workspace


def _fold(tiled_sums, k):
    """Per-channel sums from the sums of a ``channel_rows`` view's k*C columns (k tiles, added in
    order)."""
    return tiled_sums.reshape(k, -1).sum(axis=0)


class BatchNorm(Function):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta, statistics over every axis but ``axis``;
    with ``slope`` (0 <= slope <= 1) followed by the rectifier max(y, slope * y) in the same
    passes (ReLU for 0, leaky ReLU above): TensorFlow's fused batch norm with its activation.

    Training mode uses the batch statistics (returned for the moving averages);
    inference mode uses the given ``mean`` and ``var`` and is a per-channel affine map.
    Contiguous channels-last input (``axis`` last: dense and NHWC layers) takes the fast
    path: sums as ones-vector products, the rest in cache-sized blocks over the threads.
    """

    def forward(self, x, gamma, beta, mean=None, var=None, axis=-1, eps=1e-3, training=True, slope=None):
        axis = axis % x.ndim
        if axis == x.ndim - 1 and x.flags.c_contiguous:
            return self._forward_last(x, gamma, beta, mean, var, eps, training, slope)
        red = tuple(i for i in range(x.ndim) if i != axis)
        shape = [1] * x.ndim
        shape[axis] = x.shape[axis]
        if training:
            mean = x.mean(axis=red)
            xc = x - mean.reshape(shape)
            var = (xc * xc).mean(axis=red)
        else:
            xc = x - mean.reshape(shape)
        inv = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        xhat = xc * inv.reshape(shape)
        out = xhat * gamma.reshape(shape) + beta.reshape(shape)
        if slope is not None:
            rectify(out, slope)
        self.save(last_axis=False, xhat=xhat, gamma=gamma, inv=inv, red=red, shape=shape, training=training,
                  slope=slope, rectified=None if slope is None else out)
        return (out, mean, var) if training else out

    def _forward_last(self, x, gamma, beta, mean, var, eps, training, slope):
        c = x.shape[-1]
        m = x.size // c
        (xr, out), k = channel_rows(x, np.empty_like(x))
        if training:
            mean = sum_rows(x.reshape(-1, c)) / x.dtype.type(m)
            mean_k = np.tile(mean, k)

            def squares(s, e):  # two-pass variance: sum (x - mean)^2 per channel, block by block
                d = np.subtract(xr[s:e], mean_k, out=workspace("batch norm block", (e - s, xr.shape[1]), x.dtype))
                return sum_rows(np.multiply(d, d, out=d))
            var = _fold(in_blocks(squares, *xr.shape), k) / x.dtype.type(m)
        inv = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        scale = (gamma * inv).astype(x.dtype, copy=False)
        shift = (beta - mean * scale).astype(x.dtype, copy=False)
        scale_k, shift_k = np.tile(scale, k), np.tile(shift, k)

        def affine(s, e):  # y = x * gamma/sigma + (beta - mean * gamma/sigma), then the rectifier
            o = out[s:e]
            np.multiply(xr[s:e], scale_k, out=o)
            o += shift_k
            if slope is not None:
                rectify(o, slope)
        in_blocks(affine, xr.shape[0], xr.shape[1])
        out = out.reshape(x.shape)
        self.save(last_axis=True, x=x, inv=inv, mean=mean, scale=scale, training=training, slope=slope,
                  rectified=None if slope is None else out)
        return (out, mean, var) if training else out

    def backward(self, g, *_):
        if self.saved.last_axis:
            return self._backward_last(g)
        s = self.saved
        xhat, red, shape = s.xhat, s.red, s.shape
        if s.rectified is not None:  # through the rectifier first
            g = rectifier_grad(g, s.rectified, s.slope, np.empty(g.shape, np.result_type(g, s.rectified)))
        gbeta = g.sum(axis=red)
        ggamma = (g * xhat).sum(axis=red)
        gx = None
        if self.needs_grad[0]:
            scale = (s.gamma * s.inv).reshape(shape)
            if s.training:
                m = g.size // gbeta.size
                # dx = gamma/sigma * (g - mean(g) - xhat * mean(g * xhat))
                gx = scale * (g - (gbeta / m).reshape(shape) - xhat * (ggamma / m).reshape(shape))
            else:
                gx = g * scale
        return gx, ggamma, gbeta

    def _backward_last(self, g):
        saved = self.saved
        x, inv, mean, scale, slope = saved.x, saved.inv, saved.mean, saved.scale, saved.slope
        c = x.shape[-1]
        g = np.ascontiguousarray(g, dtype=x.dtype)
        m = g.size // c
        rectified = saved.rectified if saved.rectified is not None else g  # (a stand-in, unread)
        (gr, xr, yr, out), k = channel_rows(g, x, rectified, np.empty_like(g))
        # through the rectifier first: into the input gradient's buffer when there is one, which
        # the last pass then scales in place
        src = gr if saved.rectified is None else out

        def sums(s, e):  # sum g and sum g * x per channel, in one pass over g
            gs = gr[s:e]
            if saved.rectified is not None:
                gs = out[s:e] if self.needs_grad[0] else workspace("rectified gradient", gs.shape, g.dtype)
                rectifier_grad(gr[s:e], yr[s:e], slope, gs)
            gx = np.multiply(gs, xr[s:e], out=workspace("batch norm block", gs.shape, g.dtype))
            return np.concatenate([sum_rows(gs), sum_rows(gx)])
        both = in_blocks(sums, *gr.shape)
        gbeta, gx_sum = _fold(both[:k * c], k), _fold(both[k * c:], k)
        # sum g * xhat = (sum g * x - mean * sum g) / sigma
        ggamma = (gx_sum - mean * gbeta) * inv
        gx = None
        if self.needs_grad[0]:
            if saved.training:
                # dx = gamma/sigma * (g - mean(g) - xhat * mean(g * xhat)) = g * a + x * b + c
                b = -scale * inv * ggamma / m
                coefs = (scale, b, -scale * gbeta / m - mean * b)
            else:
                coefs = (scale, None, None)
            a_k, b_k, c_k = (None if v is None else np.tile(v.astype(g.dtype, copy=False), k) for v in coefs)

            def combine(s, e):
                o = out[s:e]
                np.multiply(src[s:e], a_k, out=o)
                if b_k is not None:
                    o += np.multiply(xr[s:e], b_k, out=workspace("batch norm block", o.shape, o.dtype))
                    o += c_k
            in_blocks(combine, gr.shape[0], gr.shape[1])
            gx = out.reshape(x.shape)
        return gx, ggamma, gbeta


class LayerNorm(Function):
    """Normalize over ``axes`` (any axes, e.g. the trailing ones); gamma and beta have those
    axes' sizes, in increasing axis order."""

    def forward(self, x, gamma, beta, axes=(-1,), eps=1e-3):
        axes = tuple(sorted(a % x.ndim for a in axes))
        bshape = tuple(n if i in axes else 1 for i, n in enumerate(x.shape))
        gamma_b = gamma.reshape(bshape)  # broadcastable also when the axes are not trailing
        mean = x.mean(axis=axes, keepdims=True)
        xc = x - mean
        var = (xc * xc).mean(axis=axes, keepdims=True)
        inv = 1.0 / np.sqrt(var + eps)
        xhat = xc * inv
        self.save(xhat=xhat, gamma_shape=gamma.shape, gamma_b=gamma_b, inv=inv, axes=axes)
        return xhat * gamma_b + beta.reshape(bshape)

    def backward(self, g):
        s = self.saved
        xhat, inv, axes = s.xhat, s.inv, s.axes
        outer = tuple(i for i in range(g.ndim) if i not in axes)
        ggamma = (g * xhat).sum(axis=outer)
        gbeta = g.sum(axis=outer)
        gxhat = g * s.gamma_b
        gx = inv * (gxhat - gxhat.mean(axis=axes, keepdims=True)
                    - xhat * (gxhat * xhat).mean(axis=axes, keepdims=True))
        return gx, ggamma.reshape(s.gamma_shape), gbeta.reshape(s.gamma_shape)


def batch_norm(x, gamma, beta, mean=None, var=None, axis=-1, eps=1e-3, training=True, slope=None):
    """Batch normalization.  Training: returns ``(y, batch_mean, batch_var)`` (biased variance);
    inference: returns ``y`` using the given ``mean`` and ``var`` arrays.  With ``slope`` in
    [0, 1], ``y`` is rectified in the same op: ``max(y, slope * y)`` (0: ReLU)."""
    if slope is not None and not 0 <= slope <= 1:
        raise ValueError(f"batch_norm: slope must be in [0, 1] (0 for ReLU, a leaky ReLU's negative "
                         f"slope above), got {slope!r}")
    return BatchNorm.apply(x, gamma, beta, mean=mean, var=var, axis=axis, eps=eps, training=training, slope=slope)


def layer_norm(x, gamma, beta, axes=(-1,), eps=1e-3):
    """Layer normalization over ``axes`` of each sample."""
    return LayerNorm.apply(x, gamma, beta, axes=tuple(axes), eps=eps)
