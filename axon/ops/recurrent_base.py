"""What the recurrent sequence ops share: ``simple_rnn``, ``lstm`` and ``gru`` (one module each) are
each a single ``Function`` over the whole sequence, and they agree on what follows.

Every op takes ``x`` (N, T, D) batch-major, as Keras, and works time-major inside
so that each step's slice is contiguous:

- SimpleRNN keeps its states as rows, h (N, H): one product projects the inputs
  of all steps at once (``x (T*N, D) @ kernel (D, H)``) and one per step adds
  the previous state (``h (N, H) @ recurrent_kernel``);
- LSTM and GRU keep their states as columns, h^T (H, N), so that all G gates of
  a step are one contiguous (G*H, N) block, gate g in rows g*H:(g+1)*H: one
  product per step (transposed weights times the column states) fills every
  gate, and each gate is a contiguous (H, N) block for the element-wise work
  (column slices of an (N, G*H) array cost two to five times as much per
  element);
- backpropagation through time is written by hand in the op's ``backward``: the
  loop carries ``dh`` (and ``dc``) from step to step, one product per step gives
  the gradient of the previous state for all gates together, and the weight
  gradients gather one product per step.

Gate layouts follow Keras: LSTM kernels hold the gates ``i, f, c, o``; GRU kernels
hold ``z, r, h`` (update, reset, candidate).  GRU ``reset_after=True`` (the Keras 2/3
and CuDNN/PyTorch form) has a bias of shape (2, 3H): row 0 for the input
projection, row 1 for the recurrent one, and applies the reset gate after the
recurrent product; ``reset_after=False`` has a bias (3H,) and applies it before.

Masks (N, T), True for real steps.  At a masked step the state (h, and c for the
LSTM) is carried over unchanged.  The output at a masked step is, as in Keras,
the previous output (zeros before the first real step), or zeros when
``zero_output_for_mask=True`` (what ``Bidirectional`` asks for).  With
``return_sequences=False`` the output is the output of the last step, which
for real sequences is the final state.

``go_backwards=True`` reads the sequence from the end; the output sequence is
then in processing (reversed) order, as in Keras.

``rec_mask`` (N, H) is a recurrent-dropout mask (already scaled by 1/(1-rate))
multiplied into the previous state before the recurrent product at every step,
the same mask at all steps (Gal and Ghahramani, as Keras).  Input dropout is
applied by the layers before the op.

Here: the in-place activations of the loops, the workspace that recycles the big per-sequence
arrays, the conversions to and from time-major order (rows) and column states, masks and initial
states, and the start of every backward pass.
"""
import weakref

import numpy as np

from ..autograd import Function, enable_grad
from ..tensor import Tensor
from . import activations as A
from .special import logistic


# ---------------------------------------------------------------------------
# activations applied in place on preallocated arrays, with derivatives

def _sigmoid_to(a, out):
    return logistic(a, out=out)


def _sigmoid_deriv(y, out):
    np.subtract(1, y, out=out)
    out *= y


def _tanh_deriv(y, out):
    np.multiply(y, y, out=out)
    np.subtract(1, out, out=out)


def _copy_to(a, out):
    np.copyto(out, a)
    return out


_FAST = {
    # name: (forward from a into out (out may be a), derivative from the output y written into out)
    "sigmoid": (_sigmoid_to, _sigmoid_deriv),
    "tanh": (lambda a, out: np.tanh(a, out=out), _tanh_deriv),
    "relu": (lambda a, out: np.maximum(a, 0, out=out),
             lambda y, out: np.greater(y, 0, out=out, casting="unsafe")),
    "linear": (_copy_to, lambda y, out: out.fill(1)),
}


class LoopActivation:
    """An activation usable inside the recurrent loops.

    Known names run in place and take their derivative from the output; any
    other elementwise axon activation (name or function) runs through its own
    autograd op, and its derivative needs the pre-activation, which the ops
    then keep (``needs_pre``).
    """

    def __init__(self, identifier):
        fn = A.get(identifier)
        self.name = A.ACTIVATIONS.name_of(fn)
        self.needs_pre = self.name not in _FAST
        if self.needs_pre:
            self.fn = fn
        else:
            self._to, self._deriv = _FAST[self.name]

    def apply_to(self, a, out):
        """activation(a) written into ``out`` (which may be ``a`` itself)."""
        if not self.needs_pre:
            return self._to(a, out)
        out[...] = self.fn(Tensor(np.array(a))).data
        return out

    def apply_(self, a):
        """activation(a) in place."""
        return self.apply_to(a, a)

    def deriv_(self, y, pre, out):
        """dy/da into ``out``, from the output ``y`` (and the pre-activation ``pre`` when needed)."""
        if not self.needs_pre:
            self._deriv(y, out)
            return out
        t = Tensor(np.array(pre), requires_grad=True)
        with enable_grad():
            self.fn(t).backward(np.ones_like(t.data))
        out[...] = t.grad
        return out


_ACT_CACHE = {}


def loop_activation(identifier):
    if not isinstance(identifier, str):
        return LoopActivation(identifier)
    act = _ACT_CACHE.get(identifier)
    if act is None:
        act = _ACT_CACHE[identifier] = LoopActivation(identifier)
    return act


# ---------------------------------------------------------------------------
# workspace: the big per-sequence arrays are reused between calls

class _Workspace:
    """Free arrays by (shape, dtype), handed out again instead of allocating.

    Every training step allocates and frees tens of megabytes of per-sequence
    arrays; the C allocator gives such blocks back to the system and the next
    step pays page faults to get them again (a quarter of an LSTM training
    step).  Arrays come back here when the op that holds them is freed.  Only
    the last few arrays of each shape are kept (``per_shape``), only the
    shapes used most recently (``shapes``), and beyond ``max_bytes`` the cache
    is emptied and starts over: a run over many sequence lengths does not pile
    up arrays it will not use again.
    """

    def __init__(self, max_bytes=256 << 20, per_shape=6, shapes=12):
        self.max_bytes, self.per_shape, self.shapes = max_bytes, per_shape, shapes
        self._free = {}            # insertion order: least recently given first
        self._bytes = 0

    def take(self, shape, dtype):
        stack = self._free.get((tuple(shape), np.dtype(dtype)))
        if stack:
            a = stack.pop()
            self._bytes -= a.nbytes
            return a
        return np.empty(shape, dtype)

    def give(self, arrays):
        for a in arrays:
            if self._bytes + a.nbytes > self.max_bytes:
                self.clear()
            key = (a.shape, a.dtype)
            stack = self._free.pop(key, [])
            self._free[key] = stack            # now the most recent shape
            if len(stack) >= self.per_shape:
                continue
            stack.append(a)
            self._bytes += a.nbytes
        while len(self._free) > self.shapes:
            stack = self._free.pop(next(iter(self._free)))
            self._bytes -= sum(a.nbytes for a in stack)

    def clear(self):
        self._free.clear()
        self._bytes = 0


WORKSPACE = _Workspace()


class SequenceOp(Function):
    """Base of the sequence ops: ``_new`` leases an array from the workspace for as long as
    the op lives (until its graph is freed, or at once under ``no_grad``).  Nothing handed
    to the caller may be such an array or a view of one."""

    def _new(self, shape, dtype):
        leased = self.__dict__.get("_leased")
        if leased is None:
            leased = self._leased = []
            weakref.finalize(self, WORKSPACE.give, leased)
        a = WORKSPACE.take(tuple(shape), dtype)
        leased.append(a)
        return a


# ---------------------------------------------------------------------------
# shared plumbing

def time_major(fn, x, go_backwards):
    """(N, T, D) -> contiguous (T, N, D), reversed in time when ``go_backwards``."""
    src = x.transpose(1, 0, 2)
    if go_backwards:
        src = src[::-1]
    xt = fn._new(src.shape, x.dtype)
    np.copyto(xt, src)
    return xt


def batch_major(dxt, go_backwards):
    """The inverse of ``time_major`` for a gradient: (T, N, D) -> contiguous (N, T, D), in input order."""
    if go_backwards:
        dxt = dxt[::-1]
    return np.ascontiguousarray(dxt.transpose(1, 0, 2))


def mask_time_major(mask, go_backwards):
    """(N, T) bool -> (T, N, 1) bool in processing order, or None."""
    if mask is None:
        return None
    m = np.asarray(mask, dtype=bool).T
    if go_backwards:
        m = m[::-1]
    return np.ascontiguousarray(m)[:, :, None]


def output_keep(m, zero_output_for_mask):
    """Where the output at each step is the state (True) and where it is zero."""
    if m is None:
        return None
    return m if zero_output_for_mask else np.logical_or.accumulate(m, axis=0)


def sequence_output(hs, keep, return_sequences, dtype):
    """Output sequence (N, T, H) or last output (N, H) from the states ``hs`` (T+1, N, H)."""
    if return_sequences:
        y = hs[1:] if keep is None else hs[1:] * keep
        return y.transpose(1, 0, 2).astype(dtype, order="C")     # a copy: hs is leased
    return hs[-1].copy() if keep is None else hs[-1] * keep[-1]


def output_grads(gy, gh, keep, return_sequences, shape, dtype):
    """The backward pass's start: the output gradient as (T, N, H) time-major per-step terms
    (or None), and the gradient reaching the last state, dh (N, H): from ``gh`` and, for a
    last-step output, from ``gy``."""
    dh = np.zeros(shape, dtype) if gh is None else gh.astype(dtype, copy=True)
    if gy is None:
        return None, dh
    if return_sequences:
        g = gy.transpose(1, 0, 2)
        return (g if keep is None else g * keep), dh
    dh += gy if keep is None else gy * keep[-1]
    return None, dh


def start_state(h0, N, H, dtype):
    """The initial state (N, H) as a new array: ``h0``, or zeros when it is None."""
    out = np.empty((N, H), dtype)
    if h0 is None:
        out.fill(0)
    else:
        out[...] = h0
    return out


def state_args(states, n):
    """The ``initial_state`` list of a functional form padded with None to ``n`` states."""
    states = list(states or [])
    return states + [None] * (n - len(states))


# ---------------------------------------------------------------------------
# LSTM and GRU keep their states as columns, h^T (H, N): one step's gates are
# then one contiguous (G*H, N) block, gate g in rows g*H:(g+1)*H, and a single
# product per step (weights^T @ column states) fills all of them.  These
# helpers move arrays between the callers' batch-major layout and columns.

def mask_columns(mask, go_backwards):
    """(N, T) bool -> (T, 1, N) bool in processing order (broadcasts over a step's rows), or None."""
    m = mask_time_major(mask, go_backwards)
    return None if m is None else m.transpose(0, 2, 1)


def input_columns(out, x, go_backwards):
    """Write x (N, T, D) into ``out`` (T, D, N), step t holding x_t^T in processing order."""
    src = x.transpose(1, 2, 0)
    np.copyto(out, src[::-1] if go_backwards else src)


def start_columns(h0, out):
    """The initial state (N, H), or zeros when it is None, written into ``out`` (H, N)."""
    if h0 is None:
        out.fill(0)
    else:
        out[...] = h0.T


def sequence_output_columns(hs, keep, return_sequences, dtype):
    """Output sequence (N, T, H) or last output (N, H) from column states ``hs`` (T+1, H, N)."""
    if return_sequences:
        y = hs[1:] if keep is None else hs[1:] * keep
        return y.transpose(2, 0, 1).astype(dtype, order="C")     # a copy: hs is leased
    last = hs[-1] if keep is None else hs[-1] * keep[-1]
    return last.T.astype(dtype, order="C")


def output_grads_columns(gy, gh, keep, return_sequences, H, N, dtype):
    """``output_grads`` for column states: per-step terms (T, H, N) or None, and dh (H, N)."""
    dh = np.zeros((H, N), dtype) if gh is None else gh.T.astype(dtype, order="C")
    if gy is None:
        return None, dh
    if return_sequences:
        g = gy.transpose(1, 2, 0)
        return (g * keep if keep is not None else g.astype(dtype, order="C")), dh
    dh += (gy if keep is None else gy * keep[-1].T).T
    return None, dh


def state_grad(dh_columns, wanted):
    """The gradient of an initial state (N, H) from its columns, or None when not ``wanted``."""
    return dh_columns.T.copy() if wanted else None
