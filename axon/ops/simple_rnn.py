"""SimpleRNN over a whole sequence as one op: h_t = activation(x_t W + h_{t-1} U + b).

Conventions (layout, masks, ``go_backwards``, recurrent dropout) are those of every recurrent op:
see ``recurrent_base``.

>>> import axon, numpy as np, axon.ops as F
>>> x = axon.Tensor(np.ones((2, 5, 3), "float32"))
>>> w, u, b = (axon.Tensor(np.full(s, 0.1, "float32")) for s in [(3, 2), (2, 2), (2,)])
>>> out, h = F.simple_rnn(x, w, u, b, return_sequences=True)
>>> out.shape, h.shape
((2, 5, 2), (2, 2))
"""
import numpy as np

from .recurrent_base import (SequenceOp, WORKSPACE, loop_activation, time_major, mask_time_major, output_keep,
                             sequence_output, output_grads, start_state, state_args, batch_major)


def _weight_grads(fn, xt, w, dz, hprev, first):
    """dx, dW, dU, db from the gradients ``dz`` (T, N, H) of the pre-activations of all steps, which
    feed both the input and the recurrent products.  ``first=1`` leaves step 0 out of dU (its
    previous state is zero)."""
    T, N, D = xt.shape
    H = dz.shape[-1]
    dz2 = dz.reshape(T * N, H)
    ng = fn.needs_grad
    dx = dw = du = db = None
    if ng[0]:
        dx = batch_major((dz2 @ w.T).reshape(T, N, D), fn.saved.go_backwards)
    if ng[1]:
        dw = xt.reshape(T * N, D).T @ dz2
    if ng[2]:
        du = hprev[first:].reshape(-1, H).T @ dz[first:].reshape(-1, H)
    if len(ng) > 3 and ng[3]:
        db = dz2.sum(axis=0)
    return dx, dw, du, db


class SimpleRNNSeq(SequenceOp):
    """h_t = activation(x_t W + h_{t-1} U + b); outputs (out, h_T)."""

    def forward(self, x, w, u, b=None, h0=None, mask=None, rec_mask=None, go_backwards=False,
                return_sequences=False, zero_output_for_mask=False, activation="tanh"):
        N, T, D = x.shape
        H = u.shape[0]
        dtype = np.result_type(x, w)
        act = loop_activation(activation)
        xt = time_major(self, x, go_backwards)
        m = mask_time_major(mask, go_backwards)
        z = self._new((T, N, H), dtype)
        np.matmul(xt.reshape(T * N, D), w, out=z.reshape(T * N, H))     # x W for all steps at once
        if b is not None:
            z += b
        pre = self._new(z.shape, z.dtype) if act.needs_pre else None
        hs = self._new((T + 1, N, H), dtype)
        hs[0] = start_state(h0, N, H, dtype)
        hp = hs[:-1] if rec_mask is None else self._new((T, N, H), dtype)
        for t in range(T):
            h_prev = hs[t]
            if rec_mask is not None:
                h_prev = np.multiply(h_prev, rec_mask, out=hp[t])
            zt = z[t]
            if t or h0 is not None:      # a zero initial state adds nothing
                zt += h_prev @ u         # z = x W + b + h_prev U
            if pre is not None:
                pre[t] = zt
            act.apply_(zt)               # h = activation(z)
            if m is None:
                hs[t + 1] = zt
            else:
                np.copyto(hs[t + 1], np.where(m[t], zt, hs[t]))
        keep = output_keep(m, zero_output_for_mask)
        self.save(xt=xt, w=w, u=u, z=z, pre=pre, hs=hs, hp=hp, m=m, keep=keep, rec_mask=rec_mask, act=act,
                  return_sequences=return_sequences, go_backwards=go_backwards, zero_start=h0 is None)
        return sequence_output(hs, keep, return_sequences, dtype), hs[-1].copy()

    def backward(self, gy, gh):
        s = self.saved
        z, pre, m, rec_mask, act = s.z, s.pre, s.m, s.rec_mask, s.act
        T, N, H = z.shape
        gseq, dh = output_grads(gy, gh, s.keep, s.return_sequences, (N, H), z.dtype)
        dz = WORKSPACE.take(z.shape, z.dtype)
        uT = np.ascontiguousarray(s.u.T)
        for t in range(T - 1, -1, -1):
            if gseq is not None:
                dh = dh + gseq[t]
            act.deriv_(z[t], None if pre is None else pre[t], dz[t])
            dz[t] *= dh                  # dz = dh * activation'(z)
            if m is not None:
                dz[t] *= m[t]
            if t == 0 and s.zero_start:
                break
            back = dz[t] @ uT            # dh_prev = dz U^T
            if rec_mask is not None:
                back *= rec_mask
            dh = back if m is None else np.where(m[t], back, dh)
        dx, dw, du, db = _weight_grads(self, s.xt, s.w, dz, s.hp, int(s.zero_start))
        WORKSPACE.give([dz])
        dh0 = dh if len(self.needs_grad) > 4 and self.needs_grad[4] else None
        return dx, dw, du, db, dh0


def simple_rnn(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None, rec_mask=None,
               go_backwards=False, return_sequences=False, zero_output_for_mask=False, activation="tanh"):
    """SimpleRNN over a whole sequence: returns ``(output, h_T)``."""
    (h0,) = state_args(initial_state, 1)
    return SimpleRNNSeq.apply(x, kernel, recurrent_kernel, bias, h0, mask=mask, rec_mask=rec_mask,
                              go_backwards=go_backwards, return_sequences=return_sequences,
                              zero_output_for_mask=zero_output_for_mask, activation=activation)
