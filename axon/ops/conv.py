"""2-D convolution and transposed convolution, channels-last, Keras kernel layouts.

Images are ``(N, H, W, C)``.  ``conv2d`` takes a kernel ``(kh, kw, C // groups,
filters)`` as Keras ``Conv2D``; ``conv2d_transpose`` takes ``(kh, kw, filters,
C)`` as Keras ``Conv2DTranspose``.  ``padding`` is ``"valid"``, ``"same"``
(TensorFlow's rule: the output has ``ceil(n / stride)`` positions and the odd
pixel of padding goes to the bottom/right), an int, a pair of ints, or
``((top, bottom), (left, right))``.

The forward pass gathers the receptive fields into one contiguous column
buffer (im2col through a strided view) and does one matrix product; the
backward pass reuses that buffer for the kernel gradient, and computes the
input gradient as one product per kernel offset added into the strided input
positions (col2im without a column-gradient matrix; never ``np.add.at``).
The element-wise parts (copies, masks, adds) are split over the batch on
as many threads as BLAS uses; see ``over_batch``.

>>> import numpy as np, axon.ops as F
>>> x = np.ones((1, 5, 5, 1), "float32"); w = np.ones((3, 3, 1, 2), "float32")
>>> F.conv2d(x, w, padding="same").shape
(1, 5, 5, 2)
>>> F.conv2d(x, w, strides=2).data[0, :, :, 0].tolist()
[[9.0, 9.0], [9.0, 9.0]]
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor, unwrap
from .parallel import over_batch, sum_rows

_ZERO_PAD = ((0, 0), (0, 0))


def pair(value, name="value"):
    """``value`` as a pair of positive ints (an int means the same on both axes)."""
    given = value
    if isinstance(value, (int, np.integer)):
        value = (int(value), int(value))
    try:
        value = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        value = ()
    if len(value) != 2 or min(value) < 1:
        arg = name.rsplit(": ", 1)[-1]  # "Conv2D: kernel_size" -> kernel_size
        raise ValueError(f"{name} must be a positive int or a pair of positive ints, got {given!r}; "
                         f"pass e.g. {arg}=3 or {arg}=(3, 3)")
    return value


def same_padding(n, k, stride, dilation=1):
    """TensorFlow's 'same' padding of one axis: ``(before, after)``, the extra pixel after."""
    out = -(-n // stride)
    total = max((out - 1) * stride + (k - 1) * dilation + 1 - n, 0)
    return total // 2, total - total // 2


def resolve_padding(padding, size, kernel, strides=(1, 1), dilation=(1, 1)):
    """Explicit ``((top, bottom), (left, right))`` padding from any accepted form."""
    if isinstance(padding, str):
        p = padding.lower()
        if p == "valid":
            return _ZERO_PAD
        if p == "same":
            return tuple(same_padding(n, k, s, d) for n, k, s, d in zip(size, kernel, strides, dilation))
        raise ValueError(f"padding must be 'valid', 'same' or explicit sizes, got {padding!r}")
    if isinstance(padding, (int, np.integer)):
        return ((int(padding),) * 2,) * 2
    padding = tuple(padding)
    if len(padding) == 2 and all(isinstance(p, (int, np.integer)) for p in padding):
        return tuple((int(p), int(p)) for p in padding)
    if len(padding) == 2 and all(len(p) == 2 for p in padding):
        return tuple((int(a), int(b)) for a, b in padding)
    raise ValueError(f"padding must be 'valid', 'same', an int, (ph, pw) or ((top, bottom), (left, right)), "
                     f"got {padding!r}")


def conv_output_size(n, k, stride, dilation, pad):
    """Output length of one axis for input length ``n`` and padding ``pad = (before, after)``."""
    return (n + pad[0] + pad[1] - (k - 1) * dilation - 1) // stride + 1


def _padded(x, pad, fill=0.0):
    """``x`` (N, H, W, C) padded on H and W (the array itself when there is no padding)."""
    (t, b), (l, r) = pad
    if not (t or b or l or r):
        return x
    n, h, w, c = x.shape
    out = np.empty((n, h + t + b, w + l + r, c), dtype=x.dtype)
    if t:
        out[:, :t] = fill
    if b:
        out[:, h + t:] = fill
    if l:
        out[:, t:t + h, :l] = fill
    if r:
        out[:, t:t + h, w + l:] = fill

    def copy(s, e):
        out[s:e, t:t + h, l:l + w] = x[s:e]
    over_batch(copy, n, x.size)
    return out


def windows(xp, out_hw, kernel, strides, dilation):
    """Read-only strided view (N, Ho, Wo, kh, kw, C) of the receptive fields of ``xp``."""
    n, _, _, c = xp.shape
    sn, sh, sw, sc = xp.strides
    return as_strided(xp, (n, out_hw[0], out_hw[1], kernel[0], kernel[1], c),
                      (sn, sh * strides[0], sw * strides[1], sh * dilation[0], sw * dilation[1], sc),
                      writeable=False)


def im2col(xp, out_hw, kernel, strides, dilation):
    """Contiguous column buffer (N, Ho, Wo, kh, kw, C) of ``xp``'s receptive fields."""
    win = windows(xp, out_hw, kernel, strides, dilation)
    cols = np.empty(win.shape, dtype=xp.dtype)

    def copy(s, e):
        np.copyto(cols[s:e], win[s:e])
    over_batch(copy, xp.shape[0], cols.size)
    return cols


def offset_slices(i, j, out_hw, strides, dilation):
    """The (rows, cols) slices of the padded input that kernel offset (i, j) touches."""
    r0, c0 = i * dilation[0], j * dilation[1]
    return (slice(r0, r0 + strides[0] * (out_hw[0] - 1) + 1, strides[0]),
            slice(c0, c0 + strides[1] * (out_hw[1] - 1) + 1, strides[1]))


def col2im(cols, padded_shape, strides, dilation):
    """Sum the column gradient (N, Ho, Wo, kh, kw, C) back onto a zero image of ``padded_shape``."""
    _, ho, wo, kh, kw, _ = cols.shape
    out = np.zeros(padded_shape, dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            rs, cs = offset_slices(i, j, (ho, wo), strides, dilation)
            out[:, rs, cs, :] += cols[:, :, :, i, j, :]
    return out


def _clipped(start, step, count, before, size):
    """Of the positions ``start + step * t`` (t < count) of a padded axis, those inside the image
    (``before`` pixels of padding, then ``size``): the slice of t and the slice of image positions."""
    lo = max(0, -(-(before - start) // step))
    hi = min(count - 1, (size - 1 + before - start) // step)
    if hi < lo:
        return None, None
    first = start + step * lo - before
    return slice(lo, hi + 1), slice(first, first + step * (hi - lo) + 1, step)


def add_offset_products(a2, kernel_at, kernel_size, out, in_hw, strides, dilation, padding=_ZERO_PAD):
    """``out[:, rows(i), cols(j), :] += a2 @ kernel_at(i, j)`` for every kernel offset (i, j).

    ``a2`` is (N*Hi*Wi, K) over an input grid ``in_hw``; ``out`` the (N, Ho', Wo', C) image the
    offsets scatter into, less ``padding`` (positions that fall in the padding are dropped).  One
    contiguous product per offset, added into strided positions (col2im without the
    (N*Hi*Wi, kh*kw*C) column matrix): the input gradient of a convolution and the forward pass of
    a transposed one."""
    n, c = out.shape[0], out.shape[3]
    part = np.empty((a2.shape[0], c), dtype=out.dtype)
    part4 = part.reshape(n, in_hw[0], in_hw[1], c)
    (top, _), (left, _) = padding
    for i in range(kernel_size[0]):
        ts, rs = _clipped(i * dilation[0], strides[0], in_hw[0], top, out.shape[1])
        for j in range(kernel_size[1]):
            us, cs = _clipped(j * dilation[1], strides[1], in_hw[1], left, out.shape[2])
            if ts is None or us is None:
                continue
            np.matmul(a2, kernel_at(i, j), out=part)

            def add(s, e, rs=rs, cs=cs, ts=ts, us=us):
                out[s:e, rs, cs, :] += part4[s:e, ts, us]
            over_batch(add, n, part.size)


def _crop(xp, pad, hw):
    (t, _), (l, _) = pad
    if xp.shape[1:3] == tuple(hw):
        return xp
    return xp[:, t:t + hw[0], l:l + hw[1], :]


def im2col_single_channel(xp, out_hw, kernel, strides, dilation, bias_row):
    """Columns of one-channel images as a (kh*kw [+1], N*Ho*Wo) matrix: one contiguous row per
    kernel offset, copied from a strided slice, plus a row of ones that carries the bias through
    the matrix product.  For C=1 this is ~2x faster than the (M, kh*kw) layout, whose rows are 9
    values long."""
    kh, kw = kernel
    k = kh * kw
    rows = np.empty((k + bias_row, xp.shape[0] * out_hw[0] * out_hw[1]), dtype=xp.dtype)
    offsets = rows[:k].reshape(kh, kw, xp.shape[0], out_hw[0], out_hw[1])
    x3 = xp[..., 0]

    def copy(s, e):
        for i in range(kh):
            for j in range(kw):
                rs, cs = offset_slices(i, j, out_hw, strides, dilation)
                offsets[i, j, s:e] = x3[s:e, rs, cs]
    over_batch(copy, xp.shape[0], offsets.size)
    if bias_row:
        rows[k] = 1
    return rows


_CHUNK_ELEMENTS = 1 << 21  # column-buffer size of one inference chunk (8 MB in float32)
_BLAS_THREADING_MIN = 1 << 18  # multiply-adds above which OpenBLAS threads a product (65536 x 4)


def _conv_in_chunks(xp, w, out_hw, strides, dilation):
    """``im2col(xp) @ w`` a few images at a time through one reused buffer that stays in cache:
    the forward pass when no backward pass needs the columns."""
    kh, kw, c, f = w.shape
    n, r = xp.shape[0], out_hw[0] * out_hw[1]
    w2 = w.reshape(-1, f)
    per = max(1, min(n, _CHUNK_ELEMENTS // (r * kh * kw * c)))
    win = windows(xp, out_hw, (kh, kw), strides, dilation)
    buf = np.empty((per,) + win.shape[1:], dtype=xp.dtype)
    y = np.empty((n * r, f), dtype=np.result_type(xp, w))
    for s in range(0, n, per):
        e = min(n, s + per)
        chunk = buf[:e - s]

        def copy(a, b, s=s, chunk=chunk):
            np.copyto(chunk[a:b], win[s + a:s + b])
        over_batch(copy, e - s, chunk.size)
        np.matmul(chunk.reshape((e - s) * r, -1), w2, out=y[s * r:e * r])
    return y


def per_image(product, cols, other, out, n, rows_of_b=False):
    """Matrix products of offset-major columns ``cols`` (K, n*r) one image (r columns) at a time,
    images split over the threads.  A single (n*r, K) x (K, F) or (K, n*r) x (n*r, F) product has a
    tiny output and a huge inner or outer size; OpenBLAS threads it badly (on a busy machine a 1 ms
    product was seen to stall for seconds), while per-image products are small and single-threaded.

    ``rows_of_b``: ``other`` is (n*r, F) and split with the images (``out`` is (n, K, F));
    otherwise ``other`` is shared and ``out`` (n*r, F) is split.  Images large enough for OpenBLAS
    to thread each product stay on the calling thread (no threads inside threads)."""
    k = cols.shape[0]
    c3 = cols.reshape(k, n, -1).transpose(1, 0, 2)  # (n, K, r)
    single_threaded = c3.shape[1] * c3.shape[2] * out.shape[-1] < _BLAS_THREADING_MIN
    if rows_of_b:
        o3 = other.reshape(n, -1, other.shape[-1])

        def run(s, e):
            product(c3[s:e], o3[s:e], out[s:e])
    else:
        out3 = out.reshape(n, -1, out.shape[-1])

        def run(s, e):
            product(c3[s:e], other, out3[s:e])
    if single_threaded:
        over_batch(run, n, cols.size)
    else:
        run(0, n)


class Conv2D(Function):
    """y = im2col(pad(x)) @ kernel + bias, one matrix product (batched over groups).

    With ``relu=True`` the ReLU is applied in place on the output (and its mask
    applied to the incoming gradient), saving a separate op and array.
    One-channel inputs use offset-major columns with the bias folded into the product.
    Without a graph (``keep=False``: inference) the columns are built a few images at a time
    in one reused buffer instead of for the whole batch.
    """

    def forward(self, x, w, b=None, strides=(1, 1), padding=_ZERO_PAD, dilation=(1, 1), groups=1, relu=False,
                keep=True):
        n, h, wd, c = x.shape
        kh, kw, cg, f = w.shape
        xp = _padded(x, padding)
        ho = conv_output_size(h, kh, strides[0], dilation[0], padding[0])
        wo = conv_output_size(wd, kw, strides[1], dilation[1], padding[1])
        m = n * ho * wo
        single = c == 1 and groups == 1
        if single:
            cols = im2col_single_channel(xp, (ho, wo), (kh, kw), strides, dilation, b is not None)
            w2 = w.reshape(-1, f)
            if b is not None:
                w2 = np.concatenate([w2, b.reshape(1, f).astype(w2.dtype, copy=False)])
            y = np.empty((m, f), dtype=np.result_type(cols, w2))
            per_image(lambda a, bb, out: np.matmul(a.transpose(0, 2, 1), bb, out=out), cols, w2, y, n)
        elif groups == 1 and not keep:
            cols = None
            y = _conv_in_chunks(xp, w, (ho, wo), strides, dilation)
        elif groups == 1:
            cols = im2col(xp, (ho, wo), (kh, kw), strides, dilation).reshape(m, kh * kw * c)
            y = cols @ w.reshape(-1, f)
        else:
            cols = im2col(xp, (ho, wo), (kh, kw), strides, dilation)
            og = f // groups
            cols = cols.reshape(m, kh * kw, groups, cg).transpose(2, 0, 1, 3).reshape(groups, m, kh * kw * cg)
            wg = w.reshape(kh * kw * cg, groups, og).transpose(1, 0, 2)
            y = np.matmul(cols, wg).transpose(1, 0, 2).reshape(m, f)
        if (b is not None and not single) or relu:
            y3 = y.reshape(n, -1, f)

            def finish(s, e):
                if b is not None and not single:
                    y3[s:e] += b
                if relu:
                    np.maximum(y3[s:e], 0, out=y3[s:e])
            over_batch(finish, n, y.size)
        self.save(cols=cols, w=w, x_shape=x.shape, xp_shape=xp.shape, out_hw=(ho, wo), strides=strides,
                  padding=padding, dilation=dilation, groups=groups, relu_out=y if relu else None, single=single)
        return y.reshape(n, ho, wo, f)

    def backward(self, g):
        saved = self.saved
        cols, w, x_shape, out_hw = saved.cols, saved.w, saved.x_shape, saved.out_hw
        strides, dilation, groups, y = saved.strides, saved.dilation, saved.groups, saved.relu_out
        kh, kw, cg, f = w.shape
        n, h, wd, c = x_shape
        m = n * out_hw[0] * out_hw[1]
        g2 = g.reshape(m, f)
        if y is not None:
            masked = np.empty(g2.shape, dtype=g2.dtype)
            g3, y3, o3 = g2.reshape(n, -1, f), y.reshape(n, -1, f), masked.reshape(n, -1, f)

            def mask(s, e):
                np.multiply(g3[s:e], y3[s:e] > 0, out=o3[s:e])
            over_batch(mask, n, g2.size)
            g2 = masked
        gx = gw = gb = None
        need_b = len(self.needs_grad) > 2 and self.needs_grad[2]
        if groups == 1:
            if saved.single and (self.needs_grad[1] or need_b):
                parts = np.empty((n, cols.shape[0], f), dtype=g2.dtype)
                per_image(lambda a, gg, out: np.matmul(a, gg, out=out), cols, g2, parts, n, rows_of_b=True)
                gwb = parts.sum(axis=0)  # the ones row gives the bias gradient
                gw = gwb[:kh * kw].reshape(w.shape) if self.needs_grad[1] else None
                gb = gwb[kh * kw] if need_b else None
                need_b = False
            elif self.needs_grad[1]:
                gw = (cols.T @ g2).reshape(w.shape)
            if self.needs_grad[0]:
                gx = np.zeros(x_shape, dtype=g.dtype)
                add_offset_products(g2, lambda i, j: w[i, j].T, (kh, kw), gx, out_hw, strides, dilation, saved.padding)
        else:
            og = f // groups
            gg = g2.reshape(m, groups, og).transpose(1, 0, 2)
            if self.needs_grad[1]:
                gw = np.matmul(cols.transpose(0, 2, 1), gg)  # (G, kh*kw*cg, og)
                gw = gw.transpose(1, 0, 2).reshape(w.shape)
            if self.needs_grad[0]:
                wg = w.reshape(kh * kw * cg, groups, og).transpose(1, 0, 2)
                dcols = np.matmul(gg, wg.transpose(0, 2, 1))  # (G, m, kh*kw*cg)
                dcols = dcols.reshape(groups, m, kh * kw, cg).transpose(1, 2, 0, 3)
                dcols = dcols.reshape(n, out_hw[0], out_hw[1], kh, kw, c)
                gx = _crop(col2im(dcols, saved.xp_shape, strides, dilation), saved.padding, (h, wd))
        if need_b:
            gb = sum_rows(g2)
        return gx, gw, gb


def deconv_output_size(n, k, stride, dilation, padding, output_padding=None):
    """Keras ``Conv2DTranspose`` output length of one axis and the crop offset of the full result."""
    ke = (k - 1) * dilation + 1
    same = padding == "same"
    if output_padding is None:
        length = n * stride if same else n * stride + max(ke - stride, 0)
    else:
        length = (n - 1) * stride + ke - 2 * (ke // 2 if same else 0) + output_padding
    before = max((n - 1) * stride + ke - length, 0) // 2 if same else 0
    return length, before


class Conv2DTranspose(Function):
    """The transpose (input gradient) of conv2d: one product per kernel offset scattered into the
    full output, then cropped; the backward pass is a convolution of the gradient (im2col + GEMMs)."""

    def forward(self, x, w, b=None, strides=(1, 1), out_hw=None, offset=(0, 0), dilation=(1, 1)):
        n, h, wd, c = x.shape
        kh, kw, f, _ = w.shape
        full = (max((h - 1) * strides[0] + (kh - 1) * dilation[0] + 1, offset[0] + out_hw[0]),
                max((wd - 1) * strides[1] + (kw - 1) * dilation[1] + 1, offset[1] + out_hw[1]))
        y = np.zeros((n, full[0], full[1], f), dtype=np.result_type(x, w))
        add_offset_products(x.reshape(-1, c), lambda i, j: w[i, j].T, (kh, kw), y, (h, wd), strides, dilation)
        y = y[:, offset[0]:offset[0] + out_hw[0], offset[1]:offset[1] + out_hw[1], :]
        y = y + b if b is not None else np.ascontiguousarray(y)
        self.save(x=x, w=w, full=full, offset=offset, strides=strides, dilation=dilation)
        return y

    def backward(self, g):
        saved = self.saved
        x, w, full, offset, strides, dilation = (saved.x, saved.w, saved.full, saved.offset, saved.strides,
                                                 saved.dilation)
        n, h, wd, c = x.shape
        kh, kw, f, _ = w.shape
        ho, wo = g.shape[1:3]
        gfull = np.zeros((n, full[0], full[1], f), dtype=g.dtype)
        gfull[:, offset[0]:offset[0] + ho, offset[1]:offset[1] + wo, :] = g
        cols = im2col(gfull, (h, wd), (kh, kw), strides, dilation).reshape(-1, kh * kw * f)
        gx = gw = gb = None
        if self.needs_grad[0]:
            gx = (cols @ w.reshape(kh * kw * f, c)).reshape(x.shape)
        if self.needs_grad[1]:
            gw = (cols.T @ x.reshape(-1, c)).reshape(w.shape)
        if len(self.needs_grad) > 2 and self.needs_grad[2]:
            gb = sum_rows(g.reshape(-1, f))
        return gx, gw, gb


def _arrays(*ts):
    return [unwrap(t) for t in ts]


def conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation=1, groups=1, relu=False):
    """2-D convolution (cross-correlation, as every framework) of ``x`` (N, H, W, C) with
    ``kernel`` (kh, kw, C // groups, filters); ``bias`` (filters,) or None; ``relu=True``
    fuses a ReLU on the output."""
    xs, ks = _arrays(x, kernel)
    strides, dilation = pair(strides, "conv2d: strides"), pair(dilation, "conv2d: dilation_rate")
    if xs.ndim != 4 or ks.ndim != 4:
        raise ValueError(f"conv2d: expected input (N, H, W, C) and kernel (kh, kw, in, out), "
                         f"got shapes {xs.shape} and {ks.shape}")
    kh, kw, cg, f = ks.shape
    if xs.shape[3] != cg * groups or f % groups:
        raise ValueError(f"conv2d: input has {xs.shape[3]} channels; kernel {ks.shape} with groups={groups} "
                         f"expects {cg * groups} and filters divisible by groups")
    pad = resolve_padding(padding, xs.shape[1:3], (kh, kw), strides, dilation)
    for axis, (n, k, s, d, p) in enumerate(zip(xs.shape[1:3], (kh, kw), strides, dilation, pad)):
        if conv_output_size(n, k, s, d, p) < 1:
            raise ValueError(f"conv2d: kernel {(kh, kw)} (dilation {dilation}) is larger than the padded input "
                             f"{xs.shape[1:3]} + padding {pad}; use padding='same' or a smaller kernel")
    args = (x, kernel) if bias is None else (x, kernel, bias)
    keep = is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in args)
    return Conv2D.apply(*args, strides=strides, padding=pad, dilation=dilation, groups=int(groups), relu=bool(relu),
                        keep=keep)


def conv2d_transpose(x, kernel, bias=None, strides=1, padding="valid", output_padding=None, dilation=1):
    """Transposed convolution with Keras ``Conv2DTranspose`` semantics: ``x`` (N, H, W, C),
    ``kernel`` (kh, kw, filters, C); ``output_padding`` None or an int/pair below the strides."""
    xs, ks = _arrays(x, kernel)
    strides, dilation = pair(strides, "conv2d_transpose: strides"), pair(dilation, "conv2d_transpose: dilation")
    if xs.ndim != 4 or ks.ndim != 4 or xs.shape[3] != ks.shape[3]:
        raise ValueError(f"conv2d_transpose: expected input (N, H, W, C) and kernel (kh, kw, filters, C), "
                         f"got shapes {xs.shape} and {ks.shape}")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"conv2d_transpose: padding must be 'valid' or 'same', got {padding!r}")
    padding = padding.lower()
    if output_padding is None:
        ops = (None, None)
    else:
        ops = (output_padding,) * 2 if isinstance(output_padding, (int, np.integer)) else tuple(output_padding)
        if len(ops) != 2 or any(not 0 <= o < s for o, s in zip(ops, strides)):
            raise ValueError(f"conv2d_transpose: output_padding must be below the strides {strides}, "
                             f"got {output_padding!r}")
    sizes = [deconv_output_size(n, k, s, d, padding, o)
             for n, k, s, d, o in zip(xs.shape[1:3], ks.shape[:2], strides, dilation, ops)]
    out_hw = tuple(int(s[0]) for s in sizes)
    if min(out_hw) < 1:
        raise ValueError(f"conv2d_transpose: input {xs.shape} and kernel {ks.shape} give an empty output {out_hw}")
    for n, k, s, d, length in zip(xs.shape[1:3], ks.shape[:2], strides, dilation, out_hw):
        back = -(-length // s) if padding == "same" else (length - (k - 1) * d - 1) // s + 1
        if back != n:
            raise ValueError(f"conv2d_transpose: output_padding={output_padding!r} gives output size {out_hw}, "
                             f"which a {padding!r} convolution would not map back to the input size "
                             f"{xs.shape[1:3]}; choose another output_padding (or None)")
    offset = tuple(int(s[1]) for s in sizes)
    args = (x, kernel) if bias is None else (x, kernel, bias)
    return Conv2DTranspose.apply(*args, strides=strides, out_hw=out_hw, offset=offset, dilation=dilation)
