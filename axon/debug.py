"""Anomaly mode: find the op where NaN or Inf first appears, forward or backward.

Inside ``with axon.debug.detect_anomaly():`` every op's forward outputs and backward input
gradients are checked; the first that holds NaN or Inf raises ``NonFiniteError`` (a
``FloatingPointError``) naming the op, the layer it ran in, the pass, and the shapes and dtypes
around it, and saying whether what the op received was already non-finite (then the culprit is
earlier: the data, or an op that ran before the anomaly mode began).  For a backward failure the
layer is the one the op ran in during the forward pass, so run the forward pass inside the block
too.  Checking every array costs about one pass over each op's outputs: a debugging tool, as
PyTorch's ``torch.autograd.detect_anomaly``.

>>> import numpy as np, axon, axon.ops as F
>>> x = axon.Tensor(np.array([4.0, -1.0]), requires_grad=True)
>>> with np.errstate(invalid="ignore"), detect_anomaly():
...     y = F.log(x)
Traceback (most recent call last):
...
axon.debug.NonFiniteError: Log (outside any layer) produced 1 NaN in output 0 (2 values) during the forward pass; ...
"""
import math

import numpy as np

from .hooks import FunctionHook


class NonFiniteError(FloatingPointError):
    """An op produced NaN or Inf.  ``op`` (its type name), ``layer_path`` (None when unknown),
    ``phase`` (``'forward'`` or ``'backward'``) and ``inherited`` (whether what it received was
    already non-finite) say where."""

    def __init__(self, message, op, layer_path, phase, inherited):
        super().__init__(message)
        self.op, self.layer_path, self.phase, self.inherited = op, layer_path, phase, inherited


class AnomalyMode(FunctionHook):
    """The hook behind ``detect_anomaly()``: raises ``NonFiniteError`` at the first non-finite
    forward output or input gradient."""

    def forward_postprocess(self, function, in_arrays, out_arrays):
        bad = _first_nonfinite(out_arrays)
        if bad is not None:
            raise _error(function, "forward", f"output {bad}", out_arrays[bad],
                         [("inputs", in_arrays), ("outputs", out_arrays)],
                         _received("inputs", in_arrays))

    def backward_postprocess(self, function, in_arrays, out_grads, in_grads):
        bad = _first_nonfinite(in_grads)
        if bad is not None:
            inherited = (_received("output gradients", out_grads)
                         or _received("forward inputs", in_arrays))
            raise _error(function, "backward", f"the gradient of input {bad}", in_grads[bad],
                         [("inputs", in_arrays), ("output gradients", out_grads),
                          ("input gradients", in_grads)], inherited)


def detect_anomaly():
    """A context manager that stops at the first op producing NaN or Inf (see the module)."""
    return AnomalyMode()


def _nonfinite(a):
    """Whether ``a`` (an array, a NumPy or Python scalar, or anything else) holds NaN or Inf."""
    if isinstance(a, float):
        return not math.isfinite(a)
    return isinstance(a, (np.ndarray, np.generic)) and a.dtype.kind in "fc" and not np.isfinite(a).all()


def _first_nonfinite(arrays):
    return next((i for i, a in enumerate(arrays) if _nonfinite(a)), None)


def _received(what, arrays):
    """'its WHAT i, j' for the ``arrays`` that already held NaN/Inf, or '' when none did."""
    bad = [str(i) for i, a in enumerate(arrays) if _nonfinite(a)]
    return f"its {what} {', '.join(bad)}" if bad else ""


def _describe(a):
    if a is None:
        return "None"
    if isinstance(a, (np.ndarray, np.generic)):
        return f"{a.shape} {a.dtype}" + (" with NaN/Inf" if _nonfinite(a) else "")
    return type(a).__name__


def _where(layer_path):
    if layer_path is None:
        return "layer not recorded: it ran forward before detect_anomaly() began"
    return f"layer {layer_path!r}" if layer_path else "outside any layer"


def _error(function, phase, what, array, groups, inherited):
    op = type(function).__name__
    counts = " and ".join(f"{n} {kind}" for n, kind in ((int(np.isnan(array).sum()), "NaN"),
                                                          (int(np.isinf(array).sum()), "Inf")) if n)
    arrays = "; ".join(f"{name}: [{', '.join(_describe(a) for a in group)}]" for name, group in groups)
    if inherited:
        verdict = (f"{inherited} already held NaN/Inf, so the culprit is earlier (the data, or an op "
                   "that ran before detect_anomaly() began)")
    else:
        verdict = f"what it received was finite, so this op's {phase} pass is where the NaN/Inf starts"
    msg = (f"{op} ({_where(function.layer_path)}) produced {counts} in {what} ({array.size} values) "
           f"during the {phase} pass; {arrays}. {verdict[0].upper()}{verdict[1:]}.")
    return NonFiniteError(msg, op, function.layer_path, phase, bool(inherited))
