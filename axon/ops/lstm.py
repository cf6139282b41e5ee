"""LSTM over a whole sequence as one op (Keras gates i, f, c, o), with backpropagation through time
written by hand.

One step, as the code below computes it (sigma: the recurrent activation, tanh: the activation)::

    i = sigma(x W_i + h_prev U_i + b_i)      input gate
    f = sigma(x W_f + h_prev U_f + b_f)      forget gate
    g = tanh(x W_c + h_prev U_c + b_c)       candidate cell
    o = sigma(x W_o + h_prev U_o + b_o)      output gate
    c = f * c_prev + i * g
    h = o * tanh(c)

Inside, the states are columns (h^T, (H, N)) and each step stacks its inputs into one column block
``v_t = [h_prev; x_t; 1]`` (H + D + 1, N), so that a single product with the stacked weights
``V = [U; W; b]`` (H + D + 1, 4H) gives every gate's pre-activation at once: ``z_t = V^T v_t``
(4H, N), each gate a contiguous block of H rows, in the order i, f, o, g so that the three
sigmoid gates are one block.  Backward, one product ``V dz_t`` gives the
gradients of ``h_prev`` and ``x_t`` together, and the weight gradient sums ``v_t dz_t^T``.
``V`` is built from the layer's weights at every call (a copy of 4H (H + D + 1) numbers), so it
never lags behind an optimizer step.

Conventions (masks, ``go_backwards``, recurrent dropout) are those of every recurrent op:
see ``recurrent_base``.

>>> import axon, numpy as np, axon.ops as F
>>> x = axon.Tensor(np.ones((2, 5, 3), "float32"))
>>> w, u, b = (axon.Tensor(np.full(s, 0.1, "float32")) for s in [(3, 8), (2, 8), (8,)])
>>> out, h, c = F.lstm(x, w, u, b)
>>> out.shape, h.shape, c.shape
((2, 2), (2, 2), (2, 2))
"""
import numpy as np

from .recurrent_base import (SequenceOp, loop_activation, output_keep, state_args, mask_columns, input_columns,
                             start_columns, sequence_output_columns, output_grads_columns, state_grad)


def _swap_c_o(a, H):
    """The last axis of a (.., 4H) array with gates i, f, c, o in the order i, f, o, c, and back
    (the swap is its own inverse)."""
    return np.concatenate([a[..., :2 * H], a[..., 3 * H:], a[..., 2 * H:3 * H]], axis=-1)


def stacked_weights(w, u, b, dtype):
    """V = [U; W; b] (H + D + 1, 4H), gates in the order i, f, o, g: the weights of a stacked
    column [h; x; 1] (a zero bias row without a bias)."""
    H, D = u.shape[0], w.shape[0]
    v = np.empty((H + D + 1, 4 * H), dtype)
    v[:H], v[H:H + D] = _swap_c_o(u, H), _swap_c_o(w, H)
    v[H + D] = 0 if b is None else _swap_c_o(b, H)
    return v


class LSTMSeq(SequenceOp):
    """Keras LSTM (gates i, f, c, o): outputs (out, h_T, c_T)."""

    def forward(self, x, w, u, b=None, h0=None, c0=None, mask=None, rec_mask=None, go_backwards=False,
                return_sequences=False, zero_output_for_mask=False, activation="tanh",
                recurrent_activation="sigmoid"):
        N, T, D = x.shape
        H = u.shape[0]
        dtype = np.result_type(x, w, u)
        act, rec = loop_activation(activation), loop_activation(recurrent_activation)
        m = mask_columns(mask, go_backwards)
        still = None if m is None else ~m                  # steps where the state is carried over
        V = stacked_weights(w, u, b, dtype)
        VT = V.T
        # v[t] = [h_{t-1} (or h_{t-1} * rec_mask); x_t; 1]
        v = self._new((T + 1, H + D + 1, N), dtype)
        input_columns(v[:T, H:H + D], x, go_backwards)
        v[:, H + D] = 1
        hs = v[:, :H] if rec_mask is None else self._new((T + 1, H, N), dtype)
        rm = None if rec_mask is None else np.ascontiguousarray(np.asarray(rec_mask, dtype).T)
        cs = self._new((T + 1, H, N), dtype)
        start_columns(h0, hs[0])
        start_columns(c0, cs[0])
        z = self._new((T, 4 * H, N), dtype)            # gates after their activations
        pre = self._new(z.shape, dtype) if (act.needs_pre or rec.needs_pre) else None
        tc = self._new((T, H, N), dtype)               # tanh(c_t)
        cpre = self._new((T, H, N), dtype) if act.needs_pre else None
        buf = np.empty((H, N), dtype)
        for t in range(T):
            if rm is not None:
                np.multiply(hs[t], rm, out=v[t, :H])
            k = 0 if t or h0 is not None else H        # from row k of v_t: a zero initial state adds nothing
            zt = np.matmul(VT[:, k:], v[t, k:], out=z[t])   # every gate: x W + h_prev U + b, one product
            if pre is not None:
                pre[t] = zt
            i, f, o, g = zt[:H], zt[H:2 * H], zt[2 * H:3 * H], zt[3 * H:]
            rec.apply_(zt[:3 * H])                     # i, f, o = sigma(.)
            act.apply_(g)                              # g = tanh(.)
            c = np.multiply(f, cs[t], out=cs[t + 1])   # c = f * c_prev + i * g
            c += np.multiply(i, g, out=buf)
            if m is not None:
                np.copyto(c, cs[t], where=still[t])
            if cpre is not None:
                cpre[t] = c
            act.apply_to(c, tc[t])
            h = np.multiply(o, tc[t], out=hs[t + 1])   # h = o * tanh(c)
            if m is not None:
                np.copyto(h, hs[t], where=still[t])
        keep = output_keep(m, zero_output_for_mask)
        self.save(V=V, v=v, z=z, pre=pre, cs=cs, tc=tc, cpre=cpre, m=m, rm=rm, keep=keep, act=act, rec=rec,
                  return_sequences=return_sequences, go_backwards=go_backwards, dims=(N, T, D, H),
                  zero_start=h0 is None)
        return (sequence_output_columns(hs, keep, return_sequences, dtype), hs[-1].T.copy(),
                cs[-1].T.copy())

    def backward(self, gy, gh, gc):
        s = self.saved
        V, v, z, pre, cs, tc, cpre, m, rm, act, rec = (s.V, s.v, s.z, s.pre, s.cs, s.tc, s.cpre, s.m, s.rm,
                                                        s.act, s.rec)
        N, T, D, H = s.dims
        dtype = z.dtype
        ng = tuple(self.needs_grad) + (False,) * (6 - len(self.needs_grad))
        want_x, want_weights, want_h0 = ng[0], any(ng[1:4]), ng[4]
        gseq, dh = output_grads_columns(gy, gh, s.keep, s.return_sequences, H, N, dtype)
        dc = np.zeros((H, N), dtype) if gc is None else gc.T.astype(dtype, order="C")
        rows = H + D if want_x else H                  # of d v_t = V dz_t: dh_prev, then dx_t
        Vd = V[:rows]
        dvs = [np.empty((rows, N), dtype) for _ in range(2)]   # alternate: dh may still be a view of one
        dxT = np.empty((T, D, N), dtype) if want_x else None
        dVT = np.zeros(V.shape[::-1], dtype) if want_weights else None    # dV^T: splits better over threads
        step_dVT = np.empty(V.shape[::-1], dtype) if want_weights else None
        d = np.empty((4 * H, N), dtype)                # dz_t, the gradient of the pre-activations
        d_i, d_f, d_o, d_g = d[:H], d[H:2 * H], d[2 * H:3 * H], d[3 * H:]
        dct = np.empty((H, N), dtype)
        for t in range(T - 1, -1, -1):
            if gseq is not None:
                dh += gseq[t]
            zt = z[t]
            pt = [None] * 2 if pre is None else (pre[t, :3 * H], pre[t, 3 * H:])
            i, f, o, g = zt[:H], zt[H:2 * H], zt[2 * H:3 * H], zt[3 * H:]
            tct = tc[t]
            # h = o * tanh(c);  c = f * c_prev + i * g
            act.deriv_(tct, None if cpre is None else cpre[t], dct)
            dct *= o                                   # dc = dh * o * tanh'(c) + dc_next
            dct *= dh
            dct += dc
            rec.deriv_(zt[:3 * H], pt[0], d[:3 * H])   # sigma' of i, f, o
            d_i *= g                                   # di = dc * g * sigma'
            d_f *= cs[t]                               # df = dc * c_prev * sigma'
            d[:2 * H].reshape(2, H, N).__imul__(dct)
            d_o *= tct                                 # do = dh * tanh(c) * sigma'
            d_o *= dh
            act.deriv_(g, pt[1], d_g)
            d_g *= i                                   # dg = dc * i * tanh'
            d_g *= dct
            if m is not None:
                d *= m[t]
            dct *= f                                   # dc_prev = dc * f
            if want_weights:                           # dV += v_t dz_t^T
                if t or not s.zero_start:
                    dVT += np.matmul(d, v[t].T, out=step_dVT)
                else:                                  # h_0 = 0: only the input and bias rows
                    dVT[:, H:] += d @ v[t, H:].T
            if t == 0 and not (want_x or want_h0 or ng[5]):
                break                                  # no input asks for dh_0, dc_0 or dx_0
            dv = np.matmul(Vd, d, out=dvs[t % 2])      # [dh_prev; dx_t] = V dz_t: all gates, one product
            if want_x:
                dxT[t] = dv[H:]
            back = dv[:H]
            if rm is not None:
                back *= rm
            if m is None:
                dh = back
                dc, dct = dct, dc
            else:
                np.copyto(dh, back, where=m[t])
                np.copyto(dc, dct, where=m[t])
        dx = None
        if want_x:
            src = dxT.transpose(2, 0, 1)               # (N, T, D) in processing order
            dx = np.ascontiguousarray(src[:, ::-1] if s.go_backwards else src)
        dw = du = db = None
        if want_weights:
            dV = _swap_c_o(dVT.T, H)
            du, dw, db = dV[:H], dV[H:H + D], dV[H + D].copy()
        return dx, dw, du, db, state_grad(dh, want_h0), state_grad(dc, ng[5])


def lstm(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None, rec_mask=None,
         go_backwards=False, return_sequences=False, zero_output_for_mask=False, activation="tanh",
         recurrent_activation="sigmoid"):
    """LSTM over a whole sequence: returns ``(output, h_T, c_T)``; ``initial_state=[h0, c0]``."""
    h0, c0 = state_args(initial_state, 2)
    return LSTMSeq.apply(x, kernel, recurrent_kernel, bias, h0, c0, mask=mask, rec_mask=rec_mask,
                         go_backwards=go_backwards, return_sequences=return_sequences,
                         zero_output_for_mask=zero_output_for_mask, activation=activation,
                         recurrent_activation=recurrent_activation)
