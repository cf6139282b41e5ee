"""LSTM over a whole sequence as one op (Keras gates i, f, c, o), with backpropagation through time
written by hand.

One step, as the code below computes it (sigma: the recurrent activation, tanh: the activation)::

    i = sigma(x W_i + h_prev U_i + b_i)      input gate
    f = sigma(x W_f + h_prev U_f + b_f)      forget gate
    g = tanh(x W_c + h_prev U_c + b_c)       candidate cell
    o = sigma(x W_o + h_prev U_o + b_o)      output gate
    c = f * c_prev + i * g
    h = o * tanh(c)

Conventions (layout, masks, ``go_backwards``, recurrent dropout) are those of every recurrent op:
see ``recurrent_base``.

>>> import axon, numpy as np, axon.ops as F
>>> x = axon.Tensor(np.ones((2, 5, 3), "float32"))
>>> w, u, b = (axon.Tensor(np.full(s, 0.1, "float32")) for s in [(3, 8), (2, 8), (8,)])
>>> out, h, c = F.lstm(x, w, u, b)
>>> out.shape, h.shape, c.shape
((2, 2), (2, 2), (2, 2))
"""
import numpy as np

from .recurrent_base import (SequenceOp, WORKSPACE, loop_activation, time_major, mask_time_major, output_keep,
                             sequence_output, output_grads, start_state, state_args, gate_major, project_inputs,
                             gate_grads, gate_bias_grad)


class LSTMSeq(SequenceOp):
    """Keras LSTM (gates i, f, c, o): outputs (out, h_T, c_T)."""

    def forward(self, x, w, u, b=None, h0=None, c0=None, mask=None, rec_mask=None, go_backwards=False,
                return_sequences=False, zero_output_for_mask=False, activation="tanh",
                recurrent_activation="sigmoid"):
        N, T, D = x.shape
        H = u.shape[0]
        dtype = np.result_type(x, w)
        act, rec = loop_activation(activation), loop_activation(recurrent_activation)
        xt = time_major(self, x, go_backwards)
        m = mask_time_major(mask, go_backwards)
        w4, u4 = gate_major(w, 4), gate_major(u, 4)
        z = project_inputs(self, xt, w4, None if b is None else b.reshape(4, H))
        pre = self._new(z.shape, z.dtype) if (act.needs_pre or rec.needs_pre) else None
        hs = self._new((T + 1, N, H), dtype)
        cs = self._new((T + 1, N, H), dtype)
        hs[0] = start_state(h0, N, H, dtype)
        cs[0] = start_state(c0, N, H, dtype)
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
                zt += rec4               # every gate: x W + b + h_prev U
            if pre is not None:
                pre[:, t] = zt
            rec.apply_(zt[:2])           # i = sigma(.), f = sigma(.)
            act.apply_(zt[2])            # g = tanh(.)
            rec.apply_(zt[3])            # o = sigma(.)
            i, f, g, o = zt
            c = cs[t + 1]
            np.multiply(f, cs[t], out=c)     # c = f * c_prev + i * g
            c += np.multiply(i, g, out=buf)
            if m is not None:
                np.copyto(c, cs[t], where=~m[t])
            if cpre is not None:
                cpre[t] = c
            tct = tc[t]
            np.copyto(tct, c)
            act.apply_(tct)
            h = np.multiply(o, tct, out=hs[t + 1])      # h = o * tanh(c)
            if m is not None:
                np.copyto(h, hs[t], where=~m[t])
        keep = output_keep(m, zero_output_for_mask)
        self.save(xt=xt, w=w, w4=w4, u4=u4, z=z, pre=pre, cs=cs, tc=tc, cpre=cpre, hp=hp, m=m, keep=keep,
                  rec_mask=rec_mask, act=act, rec=rec, return_sequences=return_sequences,
                  go_backwards=go_backwards, zero_start=h0 is None)
        return sequence_output(hs, keep, return_sequences, dtype), hs[-1].copy(), cs[-1].copy()

    def backward(self, gy, gh, gc):
        s = self.saved
        z, pre, cs, tc, cpre, m, rec_mask, act, rec = s.z, s.pre, s.cs, s.tc, s.cpre, s.m, s.rec_mask, s.act, s.rec
        _, T, N, H = z.shape
        dtype = z.dtype
        gseq, dh = output_grads(gy, gh, s.keep, s.return_sequences, (N, H), dtype)
        dc = np.zeros((N, H), dtype) if gc is None else gc.astype(dtype, copy=True)
        dz = WORKSPACE.take(z.shape, z.dtype)
        u4T = s.u4.transpose(0, 2, 1)
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
            dct *= o                     # dc = dh * o * tanh'(c) + dc_next
            dct *= dh
            dct += dc
            rec.deriv_(o, pt[3], d_o)
            d_o *= tct                   # do = dh * tanh(c) * sigma'
            d_o *= dh
            rec.deriv_(i, pt[0], d_i)
            d_i *= g                     # di = dc * g * sigma'
            d_i *= dct
            rec.deriv_(f, pt[1], d_f)
            d_f *= cs[t]                 # df = dc * c_prev * sigma'
            d_f *= dct
            act.deriv_(g, pt[2], d_g)
            d_g *= i                     # dg = dc * i * tanh'
            d_g *= dct
            if m is not None:
                dzt *= m[t]
            dct *= f                     # dc_prev = dc * f
            if t == 0 and s.zero_start:  # no gradient for a zero initial state
                dc = dct if m is None else np.where(m[t], dct, dc)
                break
            np.matmul(d_i, u4T[0], out=back)     # dh_prev = sum over gates of d_gate U_gate^T
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
        dx, dw, du = gate_grads(self, s.xt, s.w, s.w4, dz, s.hp, first=int(s.zero_start))
        ng = self.needs_grad
        db = gate_bias_grad(dz) if len(ng) > 3 and ng[3] else None
        WORKSPACE.give([dz])
        dh0 = dh if len(ng) > 4 and ng[4] else None
        dc0 = dc if len(ng) > 5 and ng[5] else None
        return dx, dw, du, db, dh0, dc0


def lstm(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None, rec_mask=None,
         go_backwards=False, return_sequences=False, zero_output_for_mask=False, activation="tanh",
         recurrent_activation="sigmoid"):
    """LSTM over a whole sequence: returns ``(output, h_T, c_T)``; ``initial_state=[h0, c0]``."""
    h0, c0 = state_args(initial_state, 2)
    return LSTMSeq.apply(x, kernel, recurrent_kernel, bias, h0, c0, mask=mask, rec_mask=rec_mask,
                         go_backwards=go_backwards, return_sequences=return_sequences,
                         zero_output_for_mask=zero_output_for_mask, activation=activation,
                         recurrent_activation=recurrent_activation)
