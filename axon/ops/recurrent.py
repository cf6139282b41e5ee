"""Recurrent sequence ops: SimpleRNN, LSTM and GRU, each a single ``Function`` over the whole sequence.

Every op takes ``x`` (N, T, D) batch-major, as Keras, and works time-major inside
so that each step's slice is contiguous:

- one matrix product projects the inputs of all steps at once
  (``x (T*N, D) @ kernel (D, G*H)``);
- one matrix product per step feeds the previous state to all gates together
  (``h (N, H) @ recurrent_kernel (H, G*H)``);
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


def _tanh_(a):
    return np.tanh(a, out=a)


def _relu_(a):
    return np.maximum(a, 0, out=a)


def _linear_(a):
    return a


_FAST = {
    # name: (in-place forward, derivative from the output y)
    "sigmoid": (_sigmoid_, lambda y: y * (1 - y)),
    "tanh": (_tanh_, lambda y: 1 - y * y),
    "relu": (_relu_, lambda y: (y > 0).astype(y.dtype)),
    "linear": (_linear_, lambda y: np.ones_like(y)),
}


class _Activation:
    """An activation usable inside the recurrent loops.

    Known names run in place and take their derivative from the output; any
    other elementwise axon activation (name or function) runs through its own
    autograd op, keeping the pre-activation for the derivative.
    """

    def __init__(self, identifier):
        fn = A.get(identifier)
        self.name = next((n for n, f in A.ACTIVATIONS.items() if f is fn), None)
        if self.name in _FAST:
            self.apply_, self._deriv = _FAST[self.name]
            self.needs_pre = False
        else:
            self.fn = fn
            self.needs_pre = True

    def apply_(self, a):
        a[...] = self.fn(Tensor(a)).data
        return a

    def deriv(self, y, pre=None):
        """dy/da, from the output ``y`` (and the pre-activation ``pre`` when needed)."""
        if not self.needs_pre:
            return self._deriv(y)
        t = Tensor(pre.copy(), requires_grad=True)
        with enable_grad():
            self.fn(t).backward(np.ones_like(pre))
        return t.grad


_ACT_CACHE = {}


def _act(identifier):
    if not isinstance(identifier, str):
        return _Activation(identifier)
    act = _ACT_CACHE.get(identifier)
    if act is None:
        act = _ACT_CACHE[identifier] = _Activation(identifier)
    return act


# ---------------------------------------------------------------------------
# shared plumbing

def _time_major(x, go_backwards):
    """(N, T, D) -> contiguous (T, N, D), reversed in time when ``go_backwards``."""
    xt = x.transpose(1, 0, 2)
    if go_backwards:
        xt = xt[::-1]
    return np.ascontiguousarray(xt)


def _mask_time_major(mask, go_backwards, dtype):
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
        return np.ascontiguousarray(y.transpose(1, 0, 2), dtype=dtype)
    return hs[-1].copy() if keep is None else hs[-1] * keep[-1]


def _grad_outputs(gy, keep, return_sequences, T):
    """The output gradient as (T, N, H) time-major per-step terms, or a last-step term."""
    if gy is None:
        return None, None
    if return_sequences:
        g = gy.transpose(1, 0, 2)
        return (g if keep is None else g * keep), None
    return None, (gy if keep is None else gy * keep[-1])


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


def _weight_grads(fn, xt, w, dz, hprev):
    """dx, dW, dU, db when the same ``dz`` (T, N, G) feeds the input and the recurrent products."""
    dx, dw = _input_grads(fn, xt, w, dz)
    ng = fn.needs_grad
    T, N, G = dz.shape
    dz2 = dz.reshape(T * N, G)
    du = hprev.reshape(T * N, -1).T @ dz2 if ng[2] else None
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

class SimpleRNNSeq(Function):
    """h_t = activation(x_t W + h_{t-1} U + b); outputs (out, h_T)."""

    def forward(self, x, w, u, b=None, h0=None, mask=None, rec_mask=None, go_backwards=False,
                return_sequences=False, zero_output_for_mask=False, activation="tanh"):
        N, T, D = x.shape
        H = u.shape[0]
        dtype = np.result_type(x, w)
        act = _act(activation)
        xt = _time_major(x, go_backwards)
        m = _mask_time_major(mask, go_backwards, dtype)
        z = (xt.reshape(T * N, D) @ w).reshape(T, N, H)
        if b is not None:
            z += b
        pre = np.empty_like(z) if act.needs_pre else None
        hs = np.empty((T + 1, N, H), dtype)
        hs[0] = _zeros_state(h0, N, H, dtype)
        hp = hs[:-1] if rec_mask is None else np.empty((T, N, H), dtype)
        for t in range(T):
            h_prev = hs[t]
            if rec_mask is not None:
                h_prev = np.multiply(h_prev, rec_mask, out=hp[t])
            zt = z[t]
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
        self.save(xt, w, u, z, pre, hs, hp, m, keep, rec_mask, act, return_sequences)
        return _outputs(hs, keep, return_sequences, dtype), hs[-1].copy()

    def backward(self, gy, gh):
        xt, w, u, z, pre, hs, hp, m, keep, rec_mask, act, return_sequences = self.saved
        T, N, H = z.shape
        gseq, glast = _grad_outputs(gy, keep, return_sequences, T)
        dh = np.zeros((N, H), z.dtype) if gh is None else gh.astype(z.dtype, copy=True)
        if glast is not None:
            dh += glast
        dz = np.empty_like(z)
        uT = np.ascontiguousarray(u.T)
        for t in range(T - 1, -1, -1):
            if gseq is not None:
                dh = dh + gseq[t]
            d = act.deriv(z[t], None if pre is None else pre[t])
            np.multiply(dh, d, out=dz[t])
            if m is not None:
                dz[t] *= m[t]
            back = dz[t] @ uT
            if rec_mask is not None:
                back *= rec_mask
            dh = back if m is None else np.where(m[t], back, dh)
        dx, dw, du, db = _weight_grads(self, xt, w, dz, hp)
        dh0 = dh if len(self.needs_grad) > 4 and self.needs_grad[4] else None
        return dx, dw, du, db, dh0


# ---------------------------------------------------------------------------
# LSTM

class LSTMSeq(Function):
    """Keras LSTM (gates i, f, c, o): outputs (out, h_T, c_T)."""

    def forward(self, x, w, u, b=None, h0=None, c0=None, mask=None, rec_mask=None, go_backwards=False,
                return_sequences=False, zero_output_for_mask=False, activation="tanh",
                recurrent_activation="sigmoid"):
        N, T, D = x.shape
        H = u.shape[0]
        dtype = np.result_type(x, w)
        act, rec = _act(activation), _act(recurrent_activation)
        xt = _time_major(x, go_backwards)
        m = _mask_time_major(mask, go_backwards, dtype)
        z = (xt.reshape(T * N, D) @ w).reshape(T, N, 4 * H)
        if b is not None:
            z += b
        pre = np.empty_like(z) if (act.needs_pre or rec.needs_pre) else None
        hs = np.empty((T + 1, N, H), dtype)
        cs = np.empty((T + 1, N, H), dtype)
        hs[0] = _zeros_state(h0, N, H, dtype)
        cs[0] = _zeros_state(c0, N, H, dtype)
        tc = np.empty((T, N, H), dtype)          # activation(c_t)
        cpre = np.empty((T, N, H), dtype) if act.needs_pre else None
        hp = hs[:-1] if rec_mask is None else np.empty((T, N, H), dtype)
        H2, H3 = 2 * H, 3 * H
        for t in range(T):
            h_prev = hs[t]
            if rec_mask is not None:
                h_prev = np.multiply(h_prev, rec_mask, out=hp[t])
            zt = z[t]
            zt += h_prev @ u
            if pre is not None:
                pre[t] = zt
            rec.apply_(zt[:, :H2])
            act.apply_(zt[:, H2:H3])
            rec.apply_(zt[:, H3:])
            c = cs[t + 1]
            np.multiply(zt[:, H:H2], cs[t], out=c)
            c += zt[:, :H] * zt[:, H2:H3]
            if m is not None:
                np.copyto(c, cs[t], where=~m[t])
            if cpre is not None:
                cpre[t] = c
            np.copyto(tc[t], c)
            act.apply_(tc[t])
            h = hs[t + 1]
            np.multiply(zt[:, H3:], tc[t], out=h)
            if m is not None:
                np.copyto(h, hs[t], where=~m[t])
        keep = _output_keep(m, zero_output_for_mask)
        self.go_backwards = go_backwards
        self.save(xt, w, u, z, pre, hs, cs, tc, cpre, hp, m, keep, rec_mask, act, rec, return_sequences)
        return _outputs(hs, keep, return_sequences, dtype), hs[-1].copy(), cs[-1].copy()

    def backward(self, gy, gh, gc):
        (xt, w, u, z, pre, hs, cs, tc, cpre, hp, m, keep, rec_mask, act, rec,
         return_sequences) = self.saved
        T, N, G = z.shape
        H = G // 4
        H2, H3 = 2 * H, 3 * H
        gseq, glast = _grad_outputs(gy, keep, return_sequences, T)
        dh = np.zeros((N, H), z.dtype) if gh is None else gh.astype(z.dtype, copy=True)
        if glast is not None:
            dh += glast
        dc = np.zeros((N, H), z.dtype) if gc is None else gc.astype(z.dtype, copy=True)
        dz = np.empty_like(z)
        uT = np.ascontiguousarray(u.T)
        for t in range(T - 1, -1, -1):
            if gseq is not None:
                dh = dh + gseq[t]
            zt, dzt = z[t], dz[t]
            pt = None if pre is None else pre[t]
            i, f, g, o = zt[:, :H], zt[:, H:H2], zt[:, H2:H3], zt[:, H3:]
            # h = o * act(c)
            np.multiply(dh, tc[t], out=dzt[:, H3:])
            dzt[:, H3:] *= rec.deriv(o, None if pt is None else pt[:, H3:])
            dct = dh * o
            dct *= act.deriv(tc[t], None if cpre is None else cpre[t])
            dct += dc
            # c = f * c_prev + i * g
            np.multiply(dct, g, out=dzt[:, :H])
            dzt[:, :H] *= rec.deriv(i, None if pt is None else pt[:, :H])
            np.multiply(dct, cs[t], out=dzt[:, H:H2])
            dzt[:, H:H2] *= rec.deriv(f, None if pt is None else pt[:, H:H2])
            np.multiply(dct, i, out=dzt[:, H2:H3])
            dzt[:, H2:H3] *= act.deriv(g, None if pt is None else pt[:, H2:H3])
            if m is not None:
                dzt *= m[t]
            back = dzt @ uT
            if rec_mask is not None:
                back *= rec_mask
            if m is None:
                dh = back
                dc = dct * f
            else:
                dh = np.where(m[t], back, dh)
                dc = np.where(m[t], dct * f, dc)
        dx, dw, du, db = _weight_grads(self, xt, w, dz, hp)
        ng = self.needs_grad
        dh0 = dh if len(ng) > 4 and ng[4] else None
        dc0 = dc if len(ng) > 5 and ng[5] else None
        return dx, dw, du, db, dh0, dc0


# ---------------------------------------------------------------------------
# GRU

class GRUSeq(Function):
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
        H2 = 2 * H
        dtype = np.result_type(x, w)
        act, rec = _act(activation), _act(recurrent_activation)
        xt = _time_major(x, go_backwards)
        m = _mask_time_major(mask, go_backwards, dtype)
        z = (xt.reshape(T * N, D) @ w).reshape(T, N, 3 * H)
        b_rec = None
        if b is not None:
            if reset_after:
                z += b[0]
                b_rec = b[1]
            else:
                z += b
        hs = np.empty((T + 1, N, H), dtype)
        hs[0] = _zeros_state(h0, N, H, dtype)
        hp = hs[:-1] if rec_mask is None else np.empty((T, N, H), dtype)
        # reset_after: the recurrent candidate term h U_h (+ b); else: r * h_prev
        inner = np.empty((T, N, H), dtype)
        pre = np.empty_like(z) if (act.needs_pre or rec.needs_pre) else None
        u_zr, u_h = (u, None) if reset_after else (u[:, :H2], u[:, H2:])
        for t in range(T):
            h_prev = hs[t]
            if rec_mask is not None:
                h_prev = np.multiply(h_prev, rec_mask, out=hp[t])
            zt = z[t]
            rt = h_prev @ u_zr
            if b_rec is not None:
                rt += b_rec
            zt[:, :H2] += rt[:, :H2]
            if pre is not None:
                pre[t, :, :H2] = zt[:, :H2]
            rec.apply_(zt[:, :H2])
            r = zt[:, H:H2]
            if reset_after:
                inner[t] = rt[:, H2:]
                zt[:, H2:] += r * inner[t]
            else:
                np.multiply(r, h_prev, out=inner[t])
                zt[:, H2:] += inner[t] @ u_h
            if pre is not None:
                pre[t, :, H2:] = zt[:, H2:]
            act.apply_(zt[:, H2:])
            # h = hh + z * (h_prev - hh)
            h = hs[t + 1]
            np.subtract(hs[t], zt[:, H2:], out=h)
            h *= zt[:, :H]
            h += zt[:, H2:]
            if m is not None:
                np.copyto(h, hs[t], where=~m[t])
        keep = _output_keep(m, zero_output_for_mask)
        self.go_backwards = go_backwards
        self.save(xt, w, u, z, pre, hs, hp, inner, m, keep, rec_mask, act, rec, reset_after,
                  b is not None, return_sequences)
        return _outputs(hs, keep, return_sequences, dtype), hs[-1].copy()

    def backward(self, gy, gh):
        (xt, w, u, z, pre, hs, hp, inner, m, keep, rec_mask, act, rec, reset_after, has_b,
         return_sequences) = self.saved
        T, N, G = z.shape
        H = G // 3
        H2 = 2 * H
        gseq, glast = _grad_outputs(gy, keep, return_sequences, T)
        dh = np.zeros((N, H), z.dtype) if gh is None else gh.astype(z.dtype, copy=True)
        if glast is not None:
            dh += glast
        dx_gates = np.empty_like(z)        # gradient of the input-projection pre-activations
        d_rec = np.empty_like(z) if reset_after else None   # of h U (+ b_rec)
        di = np.empty((N, H), z.dtype)   # reset_after=False: gradient of (r * h_prev) at one step
        u_zr = u if reset_after else u[:, :H2]
        uT = np.ascontiguousarray(u_zr.T)
        uhT = None if reset_after else np.ascontiguousarray(u[:, H2:].T)
        for t in range(T - 1, -1, -1):
            if gseq is not None:
                dh = dh + gseq[t]
            zt, dxt = z[t], dx_gates[t]
            pt = None if pre is None else pre[t]
            zz, r, hh = zt[:, :H], zt[:, H:H2], zt[:, H2:]
            h_prev = hs[t]
            # h = z * h_prev + (1 - z) * hh
            np.subtract(h_prev, hh, out=dxt[:, :H])
            dxt[:, :H] *= dh
            dxt[:, :H] *= rec.deriv(zz, None if pt is None else pt[:, :H])
            np.subtract(1, zz, out=dxt[:, H2:])
            dxt[:, H2:] *= dh
            dxt[:, H2:] *= act.deriv(hh, None if pt is None else pt[:, H2:])
            da_h = dxt[:, H2:]
            dr_pre = rec.deriv(r, None if pt is None else pt[:, H:H2])
            if reset_after:
                np.multiply(da_h, inner[t], out=dxt[:, H:H2])
                dxt[:, H:H2] *= dr_pre
                if m is not None:
                    dxt *= m[t]
                drt = d_rec[t]
                drt[:, :H2] = dxt[:, :H2]
                np.multiply(da_h, r, out=drt[:, H2:])
                back = drt @ uT
            else:
                np.matmul(da_h, uhT, out=di)
                # inner = r * h_prev_dropped
                h_in = hp[t]
                np.multiply(di, h_in, out=dxt[:, H:H2])
                dxt[:, H:H2] *= dr_pre
                if m is not None:
                    dxt *= m[t]
                    di *= m[t]
                back = dxt[:, :H2] @ uT
                back += di * r
            if rec_mask is not None:
                back *= rec_mask
            direct = dh * zz
            back += direct
            dh = back if m is None else np.where(m[t], back, dh)
        ng = self.needs_grad
        n_in = len(ng)
        dx, dw = _input_grads(self, xt, w, dx_gates)
        du = db = None
        if ng[2]:
            hp2 = hp.reshape(T * N, H)
            if reset_after:
                du = hp2.T @ d_rec.reshape(T * N, G)
            else:
                du = np.empty_like(u)
                du[:, :H2] = hp2.T @ dx_gates[:, :, :H2].reshape(T * N, H2)
                du[:, H2:] = inner.reshape(T * N, H).T @ dx_gates[:, :, H2:].reshape(T * N, H)
        if has_b and n_in > 3 and ng[3]:
            db = dx_gates.reshape(T * N, G).sum(axis=0)
            if reset_after:
                db = np.stack([db, d_rec.reshape(T * N, G).sum(axis=0)])
        dh0 = dh if n_in > 4 and ng[4] else None
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
