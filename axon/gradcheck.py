"""Finite-difference gradient checking in float64."""
import numpy as np

from .tensor import Tensor, to_numpy


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0, raise_on_fail=True):
    """Compare ``backward()`` of ``fn(*inputs)`` with central differences.

    ``inputs``: arrays or tensors (converted to float64 tensors that require
    grad; integer arrays are passed through as constants).  The output is
    reduced with a fixed random projection so every output element counts.
    Returns True, or raises AssertionError naming the input and the worst
    element when ``raise_on_fail``.

    >>> import axon, numpy as np
    >>> axon.gradcheck(lambda x: (x * x).sum(), [np.array([1.0, -2.0])])
    True
    """
    tensors = []
    for a in inputs:
        arr = to_numpy(a)
        if arr.dtype.kind == "f":
            tensors.append(Tensor(arr.astype(np.float64), requires_grad=True))
        else:
            tensors.append(arr)
    out = fn(*tensors)
    proj = np.random.default_rng(seed).standard_normal(out.shape)

    def objective():
        return float((fn(*tensors).data * proj).sum())

    (out * Tensor(proj)).sum().backward()
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            continue
        analytic = np.zeros_like(t.data) if t.grad is None else t.grad
        numeric = numerical_grad(objective, t.data, eps)
        bad = ~np.isclose(analytic, numeric, atol=atol, rtol=rtol)
        if bad.any():
            if not raise_on_fail:
                return False
            k = np.unravel_index(np.argmax(np.abs(analytic - numeric)), numeric.shape)
            raise AssertionError(f"gradcheck: input {i} (shape {t.shape}): {bad.sum()} of {bad.size} "
                                 f"elements differ; worst at {k}: backward {analytic[k]:.6g}, "
                                 f"finite difference {numeric[k]:.6g}")
    return True


def numerical_grad(f, array, eps=1e-6):
    """Central differences of the scalar ``f()`` with respect to ``array`` (float64, contiguous),
    which ``f`` reads: each element is moved by +-eps in place, then restored.

    >>> import numpy as np
    >>> a = np.array([1.0, 3.0])
    >>> numerical_grad(lambda: float((a * a).sum()), a).round(6).tolist()
    [2.0, 6.0]
    """
    grad = np.zeros_like(array)
    flat, gflat = array.reshape(-1), grad.reshape(-1)
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + eps
        up = f()
        flat[j] = old - eps
        down = f()
        flat[j] = old
        gflat[j] = (up - down) / (2 * eps)
    return grad
