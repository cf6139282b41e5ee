"""Vector and matrix norms, as ``keras.ops.norm`` (``np.linalg.norm``'s arguments), differentiable.

The 2-norm (and the Frobenius norm, the 2-norm of all entries) is one fused op whose gradient
``x / ||x||`` is taken as 0 at ``x = 0``, as PyTorch does; the other orders are built from
``abs``, ``sum``, ``max``, ``min`` and ``pow``.

>>> import axon
>>> norm(axon.Tensor([3.0, -4.0])).item(), norm(axon.Tensor([3.0, -4.0]), ord=1).item()
(5.0, 7.0)
"""
import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import unwrap
from .conversion import operand
from ._util import normalize_axis
from .elementwise import abs, cast, pow
from .reductions import max, min, sum
from .shaping import squeeze


class L2Norm(Function):
    def forward(self, x, axes=None, keepdims=False):
        out = np.sqrt((x * x).sum(axis=axes, keepdims=True))
        self.save(x=x, out=out, axes=axes, keepdims=keepdims)
        return out if keepdims else np.squeeze(out, axes)

    def backward(self, g):
        s = self.saved
        if not s.keepdims:
            g = np.expand_dims(g, s.axes)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s.out > 0, g * s.x / s.out, 0).astype(s.x.dtype, copy=False)


def _vector(x, ord, axes):
    """The ``ord``-norm over ``axes``, keeping them (length 1)."""
    if ord is None or ord == 2:
        return L2Norm.apply(x, axes=axes, keepdims=True)
    if ord == 0:  # how many entries are nonzero: piecewise constant, no gradient
        return cast(sum(unwrap(x) != 0, axes, keepdims=True), unwrap(x).dtype)
    if ord == np.inf:
        return max(abs(x), axes, keepdims=True)
    if ord == -np.inf:
        return min(abs(x), axes, keepdims=True)
    if ord == 1:
        return sum(abs(x), axes, keepdims=True)
    if isinstance(ord, (int, float)) and not isinstance(ord, bool):
        return pow(sum(pow(abs(x), ord), axes, keepdims=True), 1.0 / ord)
    raise ValueError(f"norm: for a vector norm, ord must be a number, got ord={ord!r}")


def _matrix(x, ord, axes):
    """The ``ord``-norm of the matrices spanned by ``axes`` (rows, columns), keeping them."""
    rows, cols = axes
    if ord is None or ord == "fro":
        return L2Norm.apply(x, axes=axes, keepdims=True)
    if ord in (1, -1):  # the largest (smallest) column sum of |x|
        pick = max if ord == 1 else min
        return pick(sum(abs(x), rows, keepdims=True), cols, keepdims=True)
    if ord in (np.inf, -np.inf):  # the largest (smallest) row sum of |x|
        pick = max if ord == np.inf else min
        return pick(sum(abs(x), cols, keepdims=True), rows, keepdims=True)
    raise ValueError(f"norm: matrix norms of ord 'fro', 1, -1, inf and -inf are supported, got "
                     f"ord={ord!r} (the nuclear and spectral norms need an SVD, not offered yet)")


def norm(x, ord=None, axis=None, keepdims=False):
    """The ``ord``-norm of ``x``: of vectors along ``axis`` (an int), of matrices over ``axis``
    (two ints); with ``axis=None``, of ``x`` as a vector (1-D, or any ``x`` when ``ord`` is None)
    or as a matrix (2-D).  Integer ``x`` is taken as ``floatx()``."""
    x = operand(x)
    data = unwrap(x)
    ndim = data.ndim
    if data.dtype.kind not in "fc":
        x = cast(x, backend.floatx())
    if axis is None:
        if ord is not None and ndim > 2:
            raise ValueError(f"norm: with axis=None and ord={ord!r}, x must be 1-D or 2-D, got "
                             f"{ndim}-D; give axis= (one int for vectors, two for matrices)")
        axes = tuple(range(ndim))
        matrix = ord is not None and ndim == 2
    else:
        axes = normalize_axis(axis, ndim)
        if len(axes) not in (1, 2) or len(set(axes)) != len(axes):
            raise ValueError(f"norm: axis must be one int or two different ints, got axis={axis!r}")
        matrix = len(axes) == 2
    out = _matrix(x, ord, axes) if matrix else _vector(x, ord, axes)
    return out if keepdims else squeeze(out, axes)
