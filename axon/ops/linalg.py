"""Matrix products: ``matmul`` and the fused dense op ``linear`` (x @ W + b)."""
import numpy as np

from ..autograd import Function
from ._util import unbroadcast


class MatMul(Function):
    def forward(self, a, b):
        self.save(a=a, b=b)
        return a @ b

    def backward(self, g):
        a, b = self.saved.a, self.saved.b
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:  # a 1-D by 1-D product is a scalar: its grad becomes (1,) here, (1, 1) below
            g2 = np.expand_dims(g2, -1 if b.ndim == 1 else -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if self.needs_grad[0]:
            ga = g2 @ np.swapaxes(b2, -1, -2)
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if self.needs_grad[1]:
            gb = np.swapaxes(a2, -1, -2) @ g2
            gb = unbroadcast(gb, b2.shape).reshape(b.shape)
        return ga, gb


class Linear(Function):
    """y = x W + b over the last axis of x; x may have any number of leading axes."""

    def forward(self, x, w, b=None):
        self.save(x=x, w=w)
        # leading axes folded into one: a single large GEMM instead of a stack of small ones
        y = x.reshape(-1, x.shape[-1]) @ w
        if b is not None:
            y += b
        return y.reshape(x.shape[:-1] + (w.shape[1],))

    def backward(self, g):
        x, w = self.saved.x, self.saved.w
        gx = gw = gb = None
        g2 = g.reshape(-1, g.shape[-1])
        if self.needs_grad[0]:  # one output (a logit): an outer product, 8x faster than OpenBLAS's 1-deep GEMM
            gx = (g2 * w.reshape(1, -1) if w.shape[1] == 1 else g2 @ w.T).reshape(x.shape)
        if self.needs_grad[1]:
            gw = x.reshape(-1, x.shape[-1]).T @ g2
        if len(self.needs_grad) > 2 and self.needs_grad[2]:
            gb = g2.sum(axis=0)
        return gx, gw, gb


def matmul(x1, x2):
    """Matrix product with NumPy's broadcasting rules for stacked matrices."""
    return MatMul.apply(x1, x2)


def linear(x, w, b=None):
    """``x @ w + b``: x (..., in), w (in, out), b (out,) -> (..., out)."""
    return Linear.apply(x, w) if b is None else Linear.apply(x, w, b)
