"""GRU over a whole sequence as one op (Keras gates z, r, h), with backpropagation through time
written by hand.

One step, as the code below computes it (sigma: the recurrent activation, tanh: the activation)::

    z = sigma(x W_z + h_prev U_z + b_z)                      update gate
    r = sigma(x W_r + h_prev U_r + b_r)                      reset gate
    hh = tanh(x W_h + b_h + r * (h_prev U_h + b_rec_h))      candidate, reset_after=True (Keras 3, CuDNN)
    hh = tanh(x W_h + b_h + (r * h_prev) U_h)                candidate, reset_after=False
    h = z * h_prev + (1 - z) * hh

With ``reset_after=True`` the bias is (2, 3H): row 0 for the input projections, row 1 for the
recurrent ones.  Conventions (layout, masks, ``go_backwards``, recurrent dropout) are those of every
recurrent op: see ``recurrent_base``.

>>> import axon, numpy as np, axon.ops as F
>>> x = axon.Tensor(np.ones((2, 5, 3), "float32"))
>>> w, u, b = (axon.Tensor(np.full(s, 0.1, "float32")) for s in [(3, 6), (2, 6), (2, 6)])
>>> out, h = F.gru(x, w, u, b, return_sequences=True)
>>> out.shape, h.shape
((2, 5, 2), (2, 2))
"""
import numpy as np

from .recurrent_base import (SequenceOp, WORKSPACE, loop_activation, time_major, mask_time_major, output_keep,
                             sequence_output, output_grads, start_state, state_args, gate_major, project_inputs,
                             gate_grads, gate_bias_grad)


class GRUSeq(SequenceOp):
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
        act, rec = loop_activation(activation), loop_activation(recurrent_activation)
        xt = time_major(self, x, go_backwards)
        m = mask_time_major(mask, go_backwards)
        w4, u4 = gate_major(w, 3), gate_major(u, 3)
        b_in = b_rec = None
        if b is not None:
            b_in = (b[0] if reset_after else b).reshape(3, H)
            if reset_after:
                b_rec = b[1].reshape(3, 1, H)
        z = project_inputs(self, xt, w4, b_in)
        hs = self._new((T + 1, N, H), dtype)
        hs[0] = start_state(h0, N, H, dtype)
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
            zt[:2] += rec3[:2]           # z, r: x W + b + h_prev U (+ b_rec)
            if pre is not None:
                pre[:2, t] = zt[:2]
            rec.apply_(zt[:2])           # z = sigma(.), r = sigma(.)
            zg, r, hh = zt
            if reset_after:
                inner[t] = rec3[2]
                hh += np.multiply(r, inner[t], out=buf)      # x W_h + b_h + r * (h_prev U_h + b_rec_h)
            else:
                np.multiply(r, h_prev, out=inner[t])
                hh += np.matmul(inner[t], u4[2], out=buf)    # x W_h + b_h + (r * h_prev) U_h
            if pre is not None:
                pre[2, t] = hh
            act.apply_(hh)               # hh = tanh(.)
            # h = z * h_prev + (1 - z) * hh = hh + z * (h_prev - hh)
            h = np.subtract(hs[t], hh, out=hs[t + 1])
            h *= zg
            h += hh
            if m is not None:
                np.copyto(h, hs[t], where=~m[t])
        keep = output_keep(m, zero_output_for_mask)
        self.save(xt=xt, w=w, w4=w4, u4=u4, z=z, pre=pre, hs=hs, hp=hp, inner=inner, m=m, keep=keep,
                  rec_mask=rec_mask, act=act, rec=rec, reset_after=reset_after, has_bias=b is not None,
                  return_sequences=return_sequences, go_backwards=go_backwards, zero_start=h0 is None)
        return sequence_output(hs, keep, return_sequences, dtype), hs[-1].copy()

    def backward(self, gy, gh):
        s = self.saved
        z, pre, hs, hp, inner, m, rec_mask, act, rec = s.z, s.pre, s.hs, s.hp, s.inner, s.m, s.rec_mask, s.act, s.rec
        reset_after = s.reset_after
        _, T, N, H = z.shape
        dtype = z.dtype
        gseq, dh = output_grads(gy, gh, s.keep, s.return_sequences, (N, H), dtype)
        dz = WORKSPACE.take(z.shape, z.dtype)   # gradients of the input-projection pre-activations
        d_rec_h = WORKSPACE.take((T, N, H), dtype) if reset_after else None  # of h U_h + b_rec
        u4T = s.u4.transpose(0, 2, 1)
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
            np.subtract(hs[t], hh, out=d_z)     # dz = dh * (h_prev - hh) * sigma'
            d_z *= dh
            d_z *= sig_d[0]
            np.subtract(1, zg, out=d_hh)        # dhh = dh * (1 - z) * tanh'
            d_hh *= dh
            d_hh *= act.deriv_(hh, None if pt is None else pt[2], buf)
            if reset_after:
                np.multiply(d_hh, inner[t], out=d_r)     # dr = dhh * (h_prev U_h + b_rec_h) * sigma'
                d_r *= sig_d[1]
                if m is not None:
                    dzt *= m[t]
                np.multiply(d_hh, r, out=d_rec_h[t])     # d(h_prev U_h + b_rec_h) = dhh * r
                if t == 0 and s.zero_start:
                    break                    # no gradient for a zero initial state
                np.matmul(dzt[:2], u4T[:2], out=back3[:2])
                np.matmul(d_rec_h[t], u4T[2], out=back3[2])
                back = back3.sum(axis=0)
            else:
                np.matmul(d_hh, u4T[2], out=di)          # d(r * h_prev) = dhh U_h^T
                np.multiply(di, hp[t], out=d_r)          # dr = d(r * h_prev) * h_prev * sigma'
                d_r *= sig_d[1]
                if m is not None:
                    dzt *= m[t]
                    di *= m[t]
                if t == 0 and s.zero_start:
                    break
                np.matmul(dzt[:2], u4T[:2], out=back3[:2])
                back = back3[0] + back3[1]
                back += di * r
            if rec_mask is not None:
                back *= rec_mask
            back += np.multiply(dh, zg, out=buf)         # dh_prev = back-products + dh * z
            dh = back if m is None else np.where(m[t], back, dh)
        first = int(s.zero_start)
        if reset_after:
            dx, dw, du = gate_grads(self, s.xt, s.w, s.w4, dz, hp, [dz[0], dz[1], d_rec_h], first=first)
        else:
            dx, dw, du = gate_grads(self, s.xt, s.w, s.w4, dz, [hp, hp, inner], first=first)
        ng = self.needs_grad
        db = None
        if s.has_bias and len(ng) > 3 and ng[3]:
            db = gate_bias_grad(dz)
            if reset_after:
                db = np.stack([db, gate_bias_grad([dz[0], dz[1], d_rec_h])])
        WORKSPACE.give([dz] if d_rec_h is None else [dz, d_rec_h])
        dh0 = dh if len(ng) > 4 and ng[4] else None
        return dx, dw, du, db, dh0


def gru(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None, rec_mask=None,
        go_backwards=False, return_sequences=False, zero_output_for_mask=False, activation="tanh",
        recurrent_activation="sigmoid", reset_after=True):
    """GRU over a whole sequence: returns ``(output, h_T)``."""
    (h0,) = state_args(initial_state, 1)
    return GRUSeq.apply(x, kernel, recurrent_kernel, bias, h0, mask=mask, rec_mask=rec_mask,
                        go_backwards=go_backwards, return_sequences=return_sequences,
                        zero_output_for_mask=zero_output_for_mask, activation=activation,
                        recurrent_activation=recurrent_activation, reset_after=reset_after)
