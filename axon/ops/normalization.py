"""Batch normalization and layer normalization with closed-form backward passes."""
import numpy as np

from ..autograd import Function


class BatchNorm(Function):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta, statistics over every axis but ``axis``.

    Training mode uses the batch statistics (returned for the moving averages);
    inference mode uses the given ``mean`` and ``var`` and is a per-channel affine map.
    """

    def forward(self, x, gamma, beta, mean=None, var=None, axis=-1, eps=1e-3, training=True):
        axis = axis % x.ndim
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
        self.save(xhat, gamma, inv, red, shape, training)
        out = xhat * gamma.reshape(shape) + beta.reshape(shape)
        return (out, mean, var) if training else out

    def backward(self, g, *_):
        xhat, gamma, inv, red, shape, training = self.saved
        gbeta = g.sum(axis=red)
        ggamma = (g * xhat).sum(axis=red)
        gx = None
        if self.needs_grad[0]:
            scale = (gamma * inv).reshape(shape)
            if training:
                m = g.size // gbeta.size
                # dx = gamma/sigma * (g - mean(g) - xhat * mean(g * xhat))
                gx = scale * (g - (gbeta / m).reshape(shape) - xhat * (ggamma / m).reshape(shape))
            else:
                gx = g * scale
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
        self.save(xhat, gamma, gamma_b, inv, axes)
        return xhat * gamma_b + beta.reshape(bshape)

    def backward(self, g):
        xhat, gamma, gamma_b, inv, axes = self.saved
        outer = tuple(i for i in range(g.ndim) if i not in axes)
        ggamma = (g * xhat).sum(axis=outer)
        gbeta = g.sum(axis=outer)
        gxhat = g * gamma_b
        gx = inv * (gxhat - gxhat.mean(axis=axes, keepdims=True)
                    - xhat * (gxhat * xhat).mean(axis=axes, keepdims=True))
        return gx, ggamma.reshape(gamma.shape), gbeta.reshape(gamma.shape)


def batch_norm(x, gamma, beta, mean=None, var=None, axis=-1, eps=1e-3, training=True):
    """Batch normalization.  Training: returns ``(y, batch_mean, batch_var)`` (biased variance);
    inference: returns ``y`` using the given ``mean`` and ``var`` arrays."""
    return BatchNorm.apply(x, gamma, beta, mean=mean, var=var, axis=axis, eps=eps, training=training)


def layer_norm(x, gamma, beta, axes=(-1,), eps=1e-3):
    """Layer normalization over ``axes`` of each sample."""
    return LayerNorm.apply(x, gamma, beta, axes=tuple(axes), eps=eps)
