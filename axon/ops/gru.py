"""GRU over a whole sequence as one op (Keras gates z, r, h), with backpropagation through time
written by hand.

One step, as the code below computes it (sigma: the recurrent activation, tanh: the activation)::

    z = sigma(x W_z + h_prev U_z + b_z)                      update gate
    r = sigma(x W_r + h_prev U_r + b_r)                      reset gate
    hh = tanh(x W_h + b_h + r * (h_prev U_h + b_rec_h))      candidate, reset_after=True (Keras 3, CuDNN)
    hh = tanh(x W_h + b_h + (r * h_prev) U_h)                candidate, reset_after=False
    h = z * h_prev + (1 - z) * hh

With ``reset_after=True`` the bias is (2, 3H): row 0 for the input projections, row 1 for the
recurrent ones.  Conventions (masks, ``go_backwards``, recurrent dropout) are those of every
recurrent op: see ``recurrent_base``.

Inside, the states are columns (h^T, (H, N)), and the gates of a step are one contiguous block
(3H, N) in the order candidate, update, reset (h, z, r): the input projections of all steps are
one batched product with ``[W; b]`` (columns in that order) up front, and each step makes one
product ``[U; b_rec]^T [h_prev; 1]`` for all three gates (reset_after=True; with reset_after=False
one for z and r and one for the candidate after the reset).  Backward, the gradient of a step
is the block ``[d hh, d z, d r, d (h U_h + b_rec_h)]`` (4H, N): its first three rows meet the
input weights and its last three the recurrent ones, each in one product.

>>> import axon, numpy as np, axon.ops as F
>>> x = axon.Tensor(np.ones((2, 5, 3), "float32"))
>>> w, u, b = (axon.Tensor(np.full(s, 0.1, "float32")) for s in [(3, 6), (2, 6), (2, 6)])
>>> out, h = F.gru(x, w, u, b, return_sequences=True)
>>> out.shape, h.shape
((2, 5, 2), (2, 2))
"""
import numpy as np

from .recurrent_base import (SequenceOp, loop_activation, output_keep, state_args, mask_columns, input_columns,
                             start_columns, sequence_output_columns, output_grads_columns, state_grad)


def _hzr(a, H):
    """Columns of a Keras (.., 3H) array (z, r, h) reordered to (h, z, r)."""
    return np.concatenate([a[..., 2 * H:], a[..., :2 * H]], axis=-1)


def _zrh(a, H):
    """The inverse of ``_hzr``."""
    return np.concatenate([a[..., H:], a[..., :H]], axis=-1)


class GRUSeq(SequenceOp):
    """Keras GRU (gates z, r, h): outputs (out, h_T)."""

    def forward(self, x, w, u, b=None, h0=None, mask=None, rec_mask=None, go_backwards=False,
                return_sequences=False, zero_output_for_mask=False, activation="tanh",
                recurrent_activation="sigmoid", reset_after=True):
        N, T, D = x.shape
        H = u.shape[0]
        dtype = np.result_type(x, w, u)
        act, rec = loop_activation(activation), loop_activation(recurrent_activation)
        m = mask_columns(mask, go_backwards)
        still = None if m is None else ~m
        # input projections of all steps, gates (h, z, r): z[t] = [W; b]^T [x_t; 1]
        Wb = np.zeros((D + 1, 3 * H), dtype)
        Wb[:D] = _hzr(w, H)
        Ub = np.zeros((H + 1, 3 * H), dtype)     # [U; b_rec], Keras order z, r, h
        Ub[:H] = u
        if b is not None:
            Wb[D] = _hzr(b[0] if reset_after else b, H)
            if reset_after:
                Ub[H] = b[1]
        xa = self._new((T, D + 1, N), dtype)
        input_columns(xa[:, :D], x, go_backwards)
        xa[:, D] = 1
        z = np.matmul(Wb.T, xa, out=self._new((T, 3 * H, N), dtype))
        # hs[t] = [h_t; 1]; hp[t] = [h_{t-1} (times rec_mask); 1], the left factor of the recurrent products
        hs = self._new((T + 1, H + 1, N), dtype)
        hs[:, H] = 1
        start_columns(h0, hs[0, :H])
        rm = None if rec_mask is None else np.ascontiguousarray(np.asarray(rec_mask, dtype).T)
        if rm is None:
            hp = hs[:-1]
        else:
            hp = self._new((T, H + 1, N), dtype)
            hp[:, H] = 1
        # reset_after: h_prev U + b_rec for all three gates (the candidate's part is ``inner``);
        # reset_after=False: r * h_prev
        rz = self._new((T, 3 * H, N), dtype) if reset_after else None
        inner = rz[:, 2 * H:] if reset_after else self._new((T, H, N), dtype)
        pre = self._new(z.shape, dtype) if (act.needs_pre or rec.needs_pre) else None
        UT, buf = Ub.T, np.empty((2 * H, N), dtype)
        for t in range(T):
            h_prev = hs[t, :H]
            if rm is not None:
                np.multiply(h_prev, rm, out=hp[t, :H])
            zt = z[t]
            hh, zg, r = zt[:H], zt[H:2 * H], zt[2 * H:]
            zero = t == 0 and h0 is None                         # a zero initial state adds nothing
            if reset_after:
                if zero:
                    rz[0] = Ub[H][:, None]
                else:
                    np.matmul(UT, hp[t], out=rz[t])              # h_prev U + b_rec, all gates, one product
                zt[H:] += rz[t, :2 * H]                          # z, r: x W + b + h_prev U + b_rec
            elif not zero:
                zt[H:] += np.matmul(UT[:2 * H, :H], hp[t, :H], out=buf)
            if pre is not None:
                pre[t, H:] = zt[H:]
            rec.apply_(zt[H:])                                   # z = sigma(.), r = sigma(.)
            if reset_after:
                hh += np.multiply(r, inner[t], out=buf[:H])      # x W_h + b_h + r * (h_prev U_h + b_rec_h)
            else:
                np.multiply(r, hp[t, :H], out=inner[t])
                if not zero:
                    hh += np.matmul(UT[2 * H:, :H], inner[t], out=buf[:H])  # x W_h + b_h + (r * h_prev) U_h
            if pre is not None:
                pre[t, :H] = hh
            act.apply_(hh)                                       # hh = tanh(.)
            # h = z * h_prev + (1 - z) * hh = hh + z * (h_prev - hh)
            h = np.subtract(h_prev, hh, out=hs[t + 1, :H])
            h *= zg
            h += hh
            if m is not None:
                np.copyto(h, h_prev, where=still[t])
        keep = output_keep(m, zero_output_for_mask)
        self.save(Wb=Wb, u=u, xa=xa, z=z, hs=hs, hp=hp, inner=inner, pre=pre, m=m, rm=rm, keep=keep, act=act,
                  rec=rec, reset_after=reset_after, has_bias=b is not None, return_sequences=return_sequences,
                  go_backwards=go_backwards, dims=(N, T, D, H), zero_start=h0 is None)
        return sequence_output_columns(hs[:, :H], keep, return_sequences, dtype), hs[-1, :H].T.copy()

    def backward(self, gy, gh):
        s = self.saved
        z, hs, hp, inner, pre, m, rm, act, rec = s.z, s.hs, s.hp, s.inner, s.pre, s.m, s.rm, s.act, s.rec
        reset_after = s.reset_after
        N, T, D, H = s.dims
        dtype = z.dtype
        ng = tuple(self.needs_grad) + (False,) * (5 - len(self.needs_grad))
        want_x, want_weights, want_h0 = ng[0], any(ng[1:4]), ng[4]
        gseq, dh = output_grads_columns(gy, gh, s.keep, s.return_sequences, H, N, dtype)
        u = np.asarray(s.u, dtype)
        W = s.Wb[:D]
        # d[t] = [d hh, d z, d r, d rec_h]: gradients of the pre-activations of (h, z, r) and, with
        # reset_after, of h_prev U_h + b_rec_h; input weights see rows :3H, recurrent ones rows H:
        d = np.empty((4 * H if reset_after else 3 * H, N), dtype)
        d_hh, d_z, d_r = d[:H], d[H:2 * H], d[2 * H:3 * H]
        sig_d, buf, di = np.empty((2 * H, N), dtype), np.empty((H, N), dtype), np.empty((H, N), dtype)
        back = np.empty((H, N), dtype)
        # transposed weight gradients, dWb^T (3H, D + 1) and dUb^T (3H, H + 1): they split better over threads
        dWbT = np.zeros((3 * H, D + 1), dtype) if want_weights else None
        dUbT = np.zeros((3 * H, H + 1), dtype) if want_weights else None
        step_W, step_U = np.empty((3 * H, D + 1), dtype), np.empty((3 * H, H + 1), dtype)
        dxT = np.empty((T, D, N), dtype) if want_x else None
        for t in range(T - 1, -1, -1):
            if gseq is not None:
                dh += gseq[t]
            zt = z[t]
            pt = None if pre is None else pre[t]
            hh, zg, r = zt[:H], zt[H:2 * H], zt[2 * H:]
            rec.deriv_(zt[H:], None if pt is None else pt[H:], sig_d)
            # h = z * h_prev + (1 - z) * hh
            np.subtract(hs[t, :H], hh, out=d_z)      # dz = dh * (h_prev - hh) * sigma'
            d_z *= dh
            d_z *= sig_d[:H]
            np.subtract(1, zg, out=d_hh)             # dhh = dh * (1 - z) * tanh'
            d_hh *= dh
            d_hh *= act.deriv_(hh, None if pt is None else pt[:H], buf)
            if reset_after:
                np.multiply(d_hh, inner[t], out=d_r)          # dr = dhh * (h_prev U_h + b_rec_h) * sigma'
                d_r *= sig_d[H:]
                np.multiply(d_hh, r, out=d[3 * H:])            # d(h_prev U_h + b_rec_h) = dhh * r
                if m is not None:
                    d *= m[t]
                rec_d = d[H:]                                  # recurrent products' gradients, z r h
            else:
                np.matmul(u[:, 2 * H:], d_hh, out=di)          # d(r * h_prev) = U_h dhh
                np.multiply(di, hp[t, :H], out=d_r)            # dr = d(r * h_prev) * h_prev * sigma'
                d_r *= sig_d[H:]
                if m is not None:
                    d *= m[t]
                    di *= m[t]
                rec_d = d[H:]                                  # z, r
            if want_weights:
                dWbT += np.matmul(d[:3 * H], s.xa[t].T, out=step_W)
                if t == 0 and s.zero_start:                    # h_0 = 0: only the recurrent bias
                    if reset_after:
                        dUbT[:, H] += rec_d.sum(axis=1)
                elif reset_after:
                    dUbT += np.matmul(rec_d, hp[t].T, out=step_U)
                else:
                    dUbT[:2 * H, :H] += np.matmul(rec_d, hp[t, :H].T, out=step_U[:2 * H, :H])
                    dUbT[2 * H:, :H] += np.matmul(d_hh, inner[t].T, out=step_U[2 * H:, :H])
            if want_x:
                np.matmul(W, d[:3 * H], out=dxT[t])            # dx_t = W [dhh; dz; dr]
            if t == 0 and not want_h0:
                break                                          # no input asks for dh_0
            np.matmul(u[:, :rec_d.shape[0]], rec_d, out=back)  # dh_prev: U times the recurrent gradients
            if not reset_after:
                back += np.multiply(di, r, out=buf)
            if rm is not None:
                back *= rm
            back += np.multiply(dh, zg, out=buf)               # dh_prev = back-products + dh * z
            if m is None:
                dh, back = back, dh
            else:
                np.copyto(dh, back, where=m[t])
        dx = None
        if want_x:
            src = dxT.transpose(2, 0, 1)
            dx = np.ascontiguousarray(src[:, ::-1] if s.go_backwards else src)
        dw = du = db = None
        if want_weights:
            dw, du = _zrh(dWbT[:, :D].T, H), dUbT[:, :H].T.copy()
            if s.has_bias:
                db_in = _zrh(dWbT[:, D], H)
                db = np.stack([db_in, dUbT[:, H]]) if reset_after else db_in
        return dx, dw, du, db, state_grad(dh, want_h0)


def gru(x, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None, rec_mask=None,
        go_backwards=False, return_sequences=False, zero_output_for_mask=False, activation="tanh",
        recurrent_activation="sigmoid", reset_after=True):
    """GRU over a whole sequence: returns ``(output, h_T)``."""
    (h0,) = state_args(initial_state, 1)
    return GRUSeq.apply(x, kernel, recurrent_kernel, bias, h0, mask=mask, rec_mask=rec_mask,
                        go_backwards=go_backwards, return_sequences=return_sequences,
                        zero_output_for_mask=zero_output_for_mask, activation=activation,
                        recurrent_activation=recurrent_activation, reset_after=reset_after)
