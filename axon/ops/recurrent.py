"""Recurrent sequence ops: SimpleRNN, LSTM and GRU, each a single ``Function`` over the whole sequence.

Every op takes ``x`` (N, T, D) batch-major, as Keras, and works time-major inside
so that each step's slice is contiguous:

- one matrix product projects the inputs of all steps at once
  (``x (T*N, D) @ kernel (D, G*H)``);
- one matrix product per step feeds the previous state to all gates together
  (``h (N, H) @ recurrent_kernel (H, G*H)``, computed as one call over the G gate
  blocks: LSTM and GRU keep their pre-activations gate-major, (G, T, N, H), so
  each gate at each step is one contiguous block);
- backpropagation through time is written by hand in the op's ``backward``: the
  loop only carries ``dh`` (and ``dc``) from step to step, and the weight
  gradients are one matrix product each over all steps at the end
  (``dkernel = X^T dZ``, ``drecurrent = H_prev^T dZ``, ``dx = dZ kernel^T``).

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

>>> import axon, numpy as np, axon.ops as F
>>> x = axon.Tensor(np.ones((2, 5, 3), "float32"))
>>> w, u, b = (axon.Tensor(np.full(s, 0.1, "float32")) for s in [(3, 8), (2, 8), (8,)])
>>> out, h, c = F.lstm(x, w, u, b)
>>> out.shape, h.shape, c.shape
((2, 2), (2, 2), (2, 2))
"""
import weakref

import numpy as np

from ..autograd import Function, enable_grad
from ..tensor import Tensor
from . import activations as A


# ---------------------------------------------------------------------------
# activations applied in place on preallocated arrays, with derivatives

def _sigmoid_(a):
    # 1 / (1 + e^-a) = (1 + tanh(a / 2)) / 2, in place, no overflow
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def _sigmoid_deriv(y, out):
    np.subtract(1, y, out=out)
    out *= y


def _tanh_deriv(y, out):
    np.multiply(y, y, out=out)
    np.subtract(1, out, out=out)


_FAST = {
    # name: (in-place forward, derivative from the output y written into out)
    "sigmoid": (_sigmoid_, _sigmoid_deriv),
    "tanh": (lambda a: np.tanh(a, out=a), _tanh_deriv),
    "relu": (lambda a: np.maximum(a, 0, out=a), lambda y, out: np.greater(y, 0, out=out, casting="unsafe")),
    "linear": (lambda a: a, lambda y, out: out.fill(1)),
}


class _Activation:
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
            self.apply_, self._deriv = _FAST[self.name]

    def apply_(self, a):
        a[...] = self.fn(Tensor(a)).data
        return a

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


def _act(identifier):
    if not isinstance(identifier, str):
        return _Activation(identifier)
    act = _ACT_CACHE.get(identifier)
    if act is None:
        act = _ACT_CACHE[identifier] = _Activation(identifier)
    return act


# ---------------------------------------------------------------------------
# workspace: the big per-sequence arrays are reused between calls

class _Workspace:
    """Free arrays by (shape, dtype), handed out again instead of allocating.

    Every training step allocates and frees tens of megabytes of per-sequence
    arrays; the C allocator gives such blocks back to the system and the next
    step pays page faults to get them again (a quarter of an LSTM training
    step).  Arrays come back here when the op that holds them is freed;
    beyond ``max_bytes`` the cache is emptied and starts over.
    """

    def __init__(self, max_bytes=256 << 20):
        self.max_bytes = max_bytes
        self._free = {}
        self._bytes = 0

    def take(self, shape, dtype):
        stack = self._free.get((shape, np.dtype(dtype)))
        if stack:
            a = stack.pop()
            self._bytes -= a.nbytes
            return a
        return np.empty(shape, dtype)

    def give(self, arrays):
        for a in arrays:
            if self._bytes + a.nbytes > self.max_bytes:
                self._free.clear()
                self._bytes = 0
            self._free.setdefault((a.shape, a.dtype), []).append(a)
            self._bytes += a.nbytes


_WORKSPACE = _Workspace()


class _SequenceOp(Function):
    """Base of the sequence ops: ``_new`` leases an array from the workspace for as long as
    the op lives (until its graph is freed, or at once under ``no_grad``).  Nothing handed
    to the caller may be such an array or a view of one."""

    def _new(self, shape, dtype):
        leased = self.__dict__.get("_leased")
        if leased is None:
            leased = self._leased = []
            weakref.finalize(self, _WORKSPACE.give, leased)
        a = _WORKSPACE.take(tuple(shape), dtype)
        leased.append(a)
        return a


# ---------------------------------------------------------------------------
# shared plumbing

def _time_major(fn, x, go_backwards):
    """(N, T, D) -> contiguous (T, N, D), reversed in time when ``go_backwards``."""
    src = x.transpose(1, 0, 2)
    if go_backwards:
        src = src[::-1]
    xt = fn._new(src.shape, x.dtype)
    np.copyto(xt, src)
    return xt


def _mask_time_major(mask, go_backwards):
    """(N, T) bool -> (T, N, 1) bool in processing order, or None."""
    if mask is None:
        return None
    m = np.asarray(mask, dtype=bool).T
    if go_backwards:
        m = m[::-1]
    return np.ascontiguousarray(m)[:, :, None]


def _output_keep(m, zero_output_for_mask):
    """Where the output at each step is the state (True) and where it is zero."""
    if m is None:
        return None
    return m if zero_output_for_mask else np.logical_or.accumulate(m, axis=0)


def _outputs(hs, keep, return_sequences, dtype):
    """Output sequence (N, T, H) or last output (N, H) from the states ``hs`` (T+1, N, H)."""
    if return_sequences:
        y = hs[1:] if keep is None else hs[1:] * keep
        return y.transpose(1, 0, 2).astype(dtype, order="C")     # a copy: hs is leased
    return hs[-1].copy() if keep is None else hs[-1] * keep[-1]


def _grad_outputs(gy, gh, keep, return_sequences, shape, dtype):
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


def _input_grads(fn, xt, w, dz):
    """dx and dW from the gradients ``dz`` (T, N, G) of the input projections of all steps."""
    T, N, D = xt.shape
    dz2 = dz.reshape(T * N, dz.shape[-1])
    dx = dw = None
    if fn.needs_grad[0]:
        dx = (dz2 @ w.T).reshape(T, N, D)
        if fn.go_backwards:
            dx = dx[::-1]
        dx = np.ascontiguousarray(dx.transpose(1, 0, 2))
    if fn.needs_grad[1]:
        dw = xt.reshape(T * N, D).T @ dz2
    return dx, dw


def _weight_grads(fn, xt, w, dz, hprev, first=0):
    """dx, dW, dU, db when the same ``dz`` (T, N, G) feeds the input and the recurrent products.
    ``first=1`` leaves step 0 out of dU (its previous state is zero)."""
    dx, dw = _input_grads(fn, xt, w, dz)
    ng = fn.needs_grad
    T, N, G = dz.shape
    dz2 = dz.reshape(T * N, G)
    du = hprev[first:].reshape(-1, hprev.shape[-1]).T @ dz[first:].reshape(-1, G) if ng[2] else None
    db = dz2.sum(axis=0) if len(ng) > 3 and ng[3] else None
    return dx, dw, du, db


def _zeros_state(h0, N, H, dtype):
    out = np.empty((N, H), dtype)
    if h0 is None:
        out.fill(0)
    else:
        out[...] = h0
    return out


# ---------------------------------------------------------------------------
# SimpleRNN

class SimpleRNNSeq(_SequenceOp):
    """h_t = activation(x_t W + h_{t-1} U + b); outputs (out, h_T)."""

    def forward(self, x, w, u, b=None, h0=None, mask=None, rec_mask=None, go_backwards=False,
                return_sequences=False, zero_output_for_mask=False, activation="tanh"):
        N, T, D = x.shape
        H = u.shape[0]
        dtype = np.result_type(x, w)
        act = _act(activation)
        xt = _time_major(self, x, go_backwards)
        m = _mask_time_major(mask, go_backwards)
        z = self._new((T, N, H), dtype)
        np.matmul(xt.reshape(T * N, D), w, out=z.reshape(T * N, H))
        if b is not None:
            z += b
        pre = self._new(z.shape, z.dtype) if act.needs_pre else None
        hs = self._new((T + 1, N, H), dtype)
        hs[0] = _zeros_state(h0, N, H, dtype)
        hp = hs[:-1] if rec_mask is None else self._new((T, N, H), dtype)
        for t in range(T):
            h_prev = hs[t]
            if rec_mask is not None:
                h_prev = np.multiply(h_prev, rec_mask, out=hp[t])
            zt = z[t]
            if t or h0 is not None:      # a zero initial state adds nothing
                zt += h_prev @ u
            if pre is not None:
                pre[t] = zt
            act.apply_(zt)
            if m is None:
                hs[t + 1] = zt
            else:
                np.copyto(hs[t + 1], np.where(m[t], zt, hs[t]))
        keep = _output_keep(m, zero_output_for_mask)
        self.go_backwards = go_backwards
        self.zero_start = h0 is None
        self.save(xt, w, u, z, pre, hs, hp, m, keep, rec_mask, act, return_sequences)
        return _outputs(hs, keep, return_sequences, dtype), hs[-1].copy()

    def backward(self, gy, gh):
        xt, w, u, z, pre, hs, hp, m, keep, rec_mask, act, return_sequences = self.saved
        T, N, H = z.shape
        gseq, dh = _grad_outputs(gy, gh, keep, return_sequences, (N, H), z.dtype)
        dz = _WORKSPACE.take(z.shape, z.dtype)
        uT = np.ascontiguousarray(u.T)
        for t in range(T - 1, -1, -1):
            if gseq is not None:
                dh = dh + gseq[t]
            act.deriv_(z[t], None if pre is None else pre[t], dz[t])
            dz[t] *= dh
            if m is not None:
                dz[t] *= m[t]
            if t == 0 and self.zero_start:
                break
            back = dz[t] @ uT
            if rec_mask is not None:
                back *= rec_mask
            dh = back if m is None else np.where(m[t], back, dh)
        dx, dw, du, db = _weight_grads(self, xt, w, dz, hp, int(self.zero_start))
        _WORKSPACE.give([dz])
        dh0 = dh if len(self.needs_grad) > 4 and self.needs_grad[4] else None
        return dx, dw, du, db, dh0


# ---------------------------------------------------------------------------
# LSTM and GRU work gate-major: the pre-activations of all steps are one array
# (G, T, N, H), so every gate at every step is one contiguous (N, H) block and
# the elementwise work runs on whole blocks (strided column slices of an
# (N, G*H) array cost about three times as much per element).

def _gate_major(w, G):
    """A Keras (K, G*H) kernel as a (G, K, H) view: gate g is the column block g
    (strided rows, which BLAS takes as they are: no copy of the weights per call)."""
    return w.reshape(w.shape[0], G, -1).transpose(1, 0, 2)


def _project(fn, xt, w4, bias4):
    """Input projections of all steps, (G, T, N, H): one product per gate over all steps."""
    T, N, D = xt.shape
    G, _, H = w4.shape
    z = fn._new((G, T, N, H), np.result_type(xt, w4))
    xf = xt.reshape(T * N, D)
    for g in range(G):
        zg = z[g].reshape(T * N, H)
        np.matmul(xf, w4[g], out=zg)
        if bias4 is not None:
            zg += bias4[g]
    return z


def _gate_grads(fn, xt, w, w4, dz, hprev=None, recurrent=None, first=0):
    """dx, dkernel and, when ``hprev`` is given, drecurrent, from gate-major gradients.

    ``dz`` (G, T, N, H): gradients of the input projections; ``recurrent`` (G, T, N, H)
    or a list of G (T, N, H) arrays: gradients of the recurrent products when they
    differ from ``dz``, with ``hprev`` the matching left factor (an array, or a list).
    Kernels come back in Keras layout (K, G*H).
    ``first=1`` leaves step 0 out of drecurrent (its previous state is zero).
    """
    G, T, N, H = dz.shape
    D = xt.shape[-1]
    ng = fn.needs_grad
    dx = dw = du = None
    if ng[0]:
        dxf = dz[0].reshape(T * N, H) @ w4[0].T
        for g in range(1, G):
            dxf += dz[g].reshape(T * N, H) @ w4[g].T
        dx = dxf.reshape(T, N, D)
        if fn.go_backwards:
            dx = dx[::-1]
        dx = np.ascontiguousarray(dx.transpose(1, 0, 2))
    if ng[1]:
        xf = xt.reshape(T * N, D).T
        dw = np.empty_like(w)
        for g in range(G):
            dw[:, g * H:(g + 1) * H] = xf @ dz[g].reshape(T * N, H)
    if ng[2] and hprev is not None:
        rec = dz if recurrent is None else recurrent
        du = np.empty((H, G * H), dz.dtype)
        for g in range(G):
            left = hprev[g] if isinstance(hprev, list) else hprev
            du[:, g * H:(g + 1) * H] = left[first:].reshape(-1, H).T @ rec[g][first:].reshape(-1, H)
    return dx, dw, du


def _gate_bias_grad(dz):
    """(G*H,) bias gradient in Keras layout from gate-major (G, T, N, H) gradients."""
    G, H = len(dz), dz[0].shape[-1]
    out = np.empty(G * H, dz[0].dtype)
    for g in range(G):
        out[g * H:(g + 1) * H] = dz[g].reshape(-1, H).sum(axis=0)
    return out


class LSTMSeq(_SequenceOp):
    """Keras LSTM (gates i, f, c, o): outputs (out, h_T, c_T)."""

    def forward(self, x, w, u, b=None, h0=None, c0=None, mask=None, rec_mask=None, go_backwards=False,
                return_sequences=False, zero_output_for_mask=False, activation="tanh",
                recurrent_activation="sigmoid"):
        N, T, D = x.shape
        H = u.shape[0]
        dtype = np.result_type(x, w)
        act, rec = _act(activation), _act(recurrent_activation)
        xt = _time_major(self, x, go_backwards)
        m = _mask_time_major(mask, go_backwards)
        w4, u4 = _gate_major(w, 4), _gate_major(u, 4)
        z = _project(self, xt, w4, None if b is None else b.reshape(4, H))
        pre = self._new(z.shape, z.dtype) if (act.needs_pre or rec.needs_pre) else None
        hs = self._new((T + 1, N, H), dtype)
        cs = self._new((T + 1, N, H), dtype)
        hs[0] = _zeros_state(h0, N, H, dtype)
        cs[0] = _zeros_state(c0, N, H, dtype)
        tc = self._new((T, N, H), dtype)          # activation(c_t)
        cpre = self._new((T, N, H), dtype) if act.needs_pre else None
        hp = hs[:-1] if rec_mask is None else self._new((T, N, H), dtype)
        rec4 = np.empty((4, N, H), dtype)
        buf = np.empty((N, H), dtype)
        for t in range(T):
            h_prev = hs[t]
            if rec_mask is not None:
                h_prev = np.multiply(h_prev, rec_mask, out=hp[t])
            zt = z[:, t]
            if t or h0 is not None:      # a zero initial state adds nothing
                np.matmul(h_prev, u4, out=rec4)
                zt += rec4
            if pre is not None:
                pre[:, t] = zt
            rec.apply_(zt[:2])
            act.apply_(zt[2])
            rec.apply_(zt[3])
            i, f, g, o = zt
            c = cs[t + 1]
            np.multiply(f, cs[t], out=c)
            c += np.multiply(i, g, out=buf)
            if m is not None:
                np.copyto(c, cs[t], where=~m[t])
            if cpre is not None:
                cpre[t] = c
            tct = tc[t]
            np.copyto(tct, c)
            act.apply_(tct)
            h = np.multiply(o, tct, out=hs[t + 1])
            if m is not None:
                np.copyto(h, hs[t], where=~m[t])
        keep = _output_keep(m, zero_output_for_mask)
        self.go_backwards = go_backwards
        self.zero_start = h0 is None
        self.save(xt, w, w4, u4, z, pre, hs, cs, tc, cpre, hp, m, keep, rec_mask, act, rec,
                  return_sequences)
        return _outputs(hs, keep, return_sequences, dtype), hs[-1].copy(), cs[-1].copy()

    def backward(self, gy, gh, gc):
        (xt, w, w4, u4, z, pre, hs, cs, tc, cpre, hp, m, keep, rec_mask, act, rec,
         return_sequences) = self.saved
        _, T, N, H = z.shape
        dtype = z.dtype
        gseq, dh = _grad_outputs(gy, gh, keep, return_sequences, (N, H), dtype)
        dc = np.zeros((N, H), dtype) if gc is None else gc.astype(dtype, copy=True)
        dz = _WORKSPACE.take(z.shape, z.dtype)
        u4T = u4.transpose(0, 2, 1)
        dct = np.empty((N, H), dtype)
        back = np.empty((N, H), dtype)
        tmp = np.empty((N, H), dtype)
        for t in range(T - 1, -1, -1):
            if gseq is not None:
                dh = dh + gseq[t]
            zt, dzt = z[:, t], dz[:, t]
            pt = [None] * 4 if pre is None else pre[:, t]
            i, f, g, o = zt
            d_i, d_f, d_g, d_o = dzt
            tct = tc[t]
            # h = o * act(c);  c = f * c_prev + i * g.  Each gate's derivative is written
            # straight into its gradient block: few temporaries, so a step stays in cache
            act.deriv_(tct, None if cpre is None else cpre[t], dct)
            dct *= o
            dct *= dh
            dct += dc
            rec.deriv_(o, pt[3], d_o)
            d_o *= tct
            d_o *= dh
            rec.deriv_(i, pt[0], d_i)
            d_i *= g
            d_i *= dct
            rec.deriv_(f, pt[1], d_f)
            d_f *= cs[t]
            d_f *= dct
            act.deriv_(g, pt[2], d_g)
            d_g *= i
            d_g *= dct
            if m is not None:
                dzt *= m[t]
            dct *= f
            if t == 0 and self.zero_start:   # no gradient for a zero initial state
                dc = dct if m is None else np.where(m[t], dct, dc)
                break
            np.matmul(d_i, u4T[0], out=back)
            for k in range(1, 4):
                back += np.matmul(dzt[k], u4T[k], out=tmp)
            if rec_mask is not None:
                back *= rec_mask
            if m is None:
                dh, back = back, dh
                dc, dct = dct, dc
            else:
                np.copyto(dh, back, where=m[t])
                np.copyto(dc, dct, where=m[t])
        dx, dw, du = _gate_grads(self, xt, w, w4, dz, hp, first=int(self.zero_start))
        ng = self.needs_grad
        db = _gate_bias_grad(dz) if len(ng) > 3 and ng[3] else None
        _WORKSPACE.give([dz])
        dh0 = dh if len(ng) > 4 and ng[4] else None
        dc0 = dc if len(ng) > 5 and ng[5] else None
        return dx, dw, du, db, dh0, dc0


class GRUSeq(_SequenceOp):
    """Keras GRU (gates z, r, h): outputs (out, h_T).

    reset_after=True:  hh = act(x W_h + b_in_h + r * (h U_h + b_rec_h))
    reset_after=False: hh = act(x W_h + b_h + (r * h) U_h)
    h = z * h_prev + (1 - z) * hh
    """

    def forward(self, x, w, u, b=None, h0=None, mask=None, rec_mask=None, go_backwards=False,
                return_sequences=False, zero_output_for_mask=False, activation="tanh",
                recurrent_activation="sigmoid", reset_after=True):
        N, T, D = x.shape
        H = u.shape[0]
        dtype = np.result_type(x, w)
        act, rec = _act(activation), _act(recurrent_activation)
        xt = _time_major(self, x, go_backwards)
        m = _mask_time_major(mask, go_backwards)
        w4, u4 = _gate_major(w, 3), _gate_major(u, 3)
        b_in = b_rec = None
        if b is not None:
            b_in = (b[0] if reset_after else b).reshape(3, H)
            if reset_after:
                b_rec = b[1].reshape(3, 1, H)
        z = _project(self, xt, w4, b_in)
        hs = self._new((T + 1, N, H), dtype)
        hs[0] = _zeros_state(h0, N, H, dtype)
        hp = hs[:-1] if rec_mask is None else self._new((T, N, H), dtype)
        # reset_after: the recurrent candidate term h U_h + b; else: r * h_prev
        inner = self._new((T, N, H), dtype)
        pre = self._new(z.shape, z.dtype) if (act.needs_pre or rec.needs_pre) else None
        rec3 = np.empty((3, N, H), dtype)
        buf = np.empty((N, H), dtype)
        for t in range(T):
            h_prev = hs[t]
            if rec_mask is not None:
                h_prev = np.multiply(h_prev, rec_mask, out=hp[t])
            zt = z[:, t]
            if t == 0 and h0 is None:     # a zero initial state adds nothing
                rec3.fill(0)
            elif reset_after:
                np.matmul(h_prev, u4, out=rec3)
            else:
                np.matmul(h_prev, u4[:2], out=rec3[:2])
            if b_rec is not None:
                rec3 += b_rec
            zt[:2] += rec3[:2]
            if pre is not None:
                pre[:2, t] = zt[:2]
            rec.apply_(zt[:2])
            zg, r, hh = zt
            if reset_after:
                inner[t] = rec3[2]
                hh += np.multiply(r, inner[t], out=buf)
            else:
                np.multiply(r, h_prev, out=inner[t])
                hh += np.matmul(inner[t], u4[2], out=buf)
            if pre is not None:
                pre[2, t] = hh
            act.apply_(hh)
            # h = hh + z * (h_prev - hh)
            h = np.subtract(hs[t], hh, out=hs[t + 1])
            h *= zg
            h += hh
            if m is not None:
                np.copyto(h, hs[t], where=~m[t])
        keep = _output_keep(m, zero_output_for_mask)
        self.go_backwards = go_backwards
        self.zero_start = h0 is None
        self.save(xt, w, w4, u4, z, pre, hs, hp, inner, m, keep, rec_mask, act, rec, reset_after,
                  b is not None, return_sequences)
        return _outputs(hs, keep, return_sequences, dtype), hs[-1].copy()

    def backward(self, gy, gh):
        (xt, w, w4, u4, z, pre, hs, hp, inner, m, keep, rec_mask, act, rec, reset_after, has_b,
         return_sequences) = self.saved
        _, T, N, H = z.shape
        dtype = z.dtype
        gseq, dh = _grad_outputs(gy, gh, keep, return_sequences, (N, H), dtype)
        dz = _WORKSPACE.take(z.shape, z.dtype)   # gradients of the input-projection pre-activations
        d_rec_h = _WORKSPACE.take((T, N, H), dtype) if reset_after else None  # of h U_h + b_rec
        u4T = u4.transpose(0, 2, 1)
        sig_d = np.empty((2, N, H), dtype)
        buf = np.empty((N, H), dtype)
        back3 = np.empty((3, N, H), dtype)
        di = np.empty((N, H), dtype)          # reset_after=False: gradient of r * h_prev
        for t in range(T - 1, -1, -1):
            if gseq is not None:
                dh = dh + gseq[t]
            zt, dzt = z[:, t], dz[:, t]
            pt = None if pre is None else pre[:, t]
            zg, r, hh = zt
            d_z, d_r, d_hh = dzt
            rec.deriv_(zt[:2], None if pt is None else pt[:2], sig_d)
            # h = z * h_prev + (1 - z) * hh
            np.subtract(hs[t], hh, out=d_z)
            d_z *= dh
            d_z *= sig_d[0]
            np.subtract(1, zg, out=d_hh)
            d_hh *= dh
            d_hh *= act.deriv_(hh, None if pt is None else pt[2], buf)
            if reset_after:
                np.multiply(d_hh, inner[t], out=d_r)
                d_r *= sig_d[1]
                if m is not None:
                    dzt *= m[t]
                np.multiply(d_hh, r, out=d_rec_h[t])
                if t == 0 and self.zero_start:
                    break                    # no gradient for a zero initial state
                np.matmul(dzt[:2], u4T[:2], out=back3[:2])
                np.matmul(d_rec_h[t], u4T[2], out=back3[2])
                back = back3.sum(axis=0)
            else:
                np.matmul(d_hh, u4T[2], out=di)
                np.multiply(di, hp[t], out=d_r)
                d_r *= sig_d[1]
                if m is not None:
                    dzt *= m[t]
                    di *= m[t]
                if t == 0 and self.zero_start:
                    break
                np.matmul(dzt[:2], u4T[:2], out=back3[:2])
                back = back3[0] + back3[1]
                back += di * r
            if rec_mask is not None:
                back *= rec_mask
            back += np.multiply(dh, zg, out=buf)
            dh = back if m is None else np.where(m[t], back, dh)
        if reset_after:
            dx, dw, du = _gate_grads(self, xt, w, w4, dz, hp, [dz[0], dz[1], d_rec_h],
                                     first=int(self.zero_start))
        else:
            dx, dw, du = _gate_grads(self, xt, w, w4, dz, [hp, hp, inner], first=int(self.zero_start))
        ng = self.needs_grad
        db = None
        if has_b and len(ng) > 3 and ng[3]:
            db = _gate_bias_grad(dz)
            if reset_after:
                db = np.stack([db, _gate_bias_grad([dz[0], dz[1], d_rec_h])])
        _WORKSPACE.give([dz] if d_rec_h is None else [dz, d_rec_h])
        dh0 = dh if len(ng) > 4 and ng[4] else None
        return dx, dw, du, db, dh0


# ---------------------------------------------------------------------------
# functional forms

def _state_args(states, n):
    states = list(states or [])
    return states + [None] * (n - len(states))


def simple_rnn(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None, rec_mask=None,
               go_backwards=False, return_sequences=False, zero_output_for_mask=False, activation="tanh"):
    """SimpleRNN over a whole sequence: returns ``(output, h_T)``."""
    (h0,) = _state_args(initial_state, 1)
    return SimpleRNNSeq.apply(x, kernel, recurrent_kernel, bias, h0, mask=mask, rec_mask=rec_mask,
                              go_backwards=go_backwards, return_sequences=return_sequences,
                              zero_output_for_mask=zero_output_for_mask, activation=activation)


def lstm(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None, rec_mask=None,
         go_backwards=False, return_sequences=False, zero_output_for_mask=False, activation="tanh",
         recurrent_activation="sigmoid"):
    """LSTM over a whole sequence: returns ``(output, h_T, c_T)``; ``initial_state=[h0, c0]``."""
    h0, c0 = _state_args(initial_state, 2)
    return LSTMSeq.apply(x, kernel, recurrent_kernel, bias, h0, c0, mask=mask, rec_mask=rec_mask,
                         go_backwards=go_backwards, return_sequences=return_sequences,
                         zero_output_for_mask=zero_output_for_mask, activation=activation,
                         recurrent_activation=recurrent_activation)


def gru(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None, rec_mask=None,
        go_backwards=False, return_sequences=False, zero_output_for_mask=False, activation="tanh",
        recurrent_activation="sigmoid", reset_after=True):
    """GRU over a whole sequence: returns ``(output, h_T)``."""
    (h0,) = _state_args(initial_state, 1)
    return GRUSeq.apply(x, kernel, recurrent_kernel, bias, h0, mask=mask, rec_mask=rec_mask,
                        go_backwards=go_backwards, return_sequences=return_sequences,
                        zero_output_for_mask=zero_output_for_mask, activation=activation,
                        recurrent_activation=recurrent_activation, reset_after=reset_after)
