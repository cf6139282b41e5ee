"""Columns of receptive fields (im2col) and their sum back onto an image (col2im): the data
movement under convolution, transposed convolution and pooling, channels-last ``(N, H, W, C)``.

A strided view gives every output position's receptive field without a copy (``windows``);
a copy of it is the column matrix one matrix product turns into a convolution.  Going back,
each kernel offset adds its slice of the columns into a strided slice of the image, one
whole-array add per offset (never ``np.add.at``).  Copies and adds are split over the batch
on the threads (``over_batch``).

>>> import numpy as np
>>> windows(np.arange(16.0).reshape(1, 4, 4, 1), (2, 2), (3, 3), (1, 1), (1, 1))[0, 1, 1, :, :, 0].tolist()
[[5.0, 6.0, 7.0], [9.0, 10.0, 11.0], [13.0, 14.0, 15.0]]
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .activations import rectifier_grad
from .parallel import one_blas_thread, over_batch, workspace

def _padded(x, pad, fill=0.0):
    """``x`` (N, H, W, C) padded on H and W (the array itself when there is no padding)."""
    (t, b), (l, r) = pad
    if not (t or b or l or r):
        return x
    out, inner = padded_frame(x.shape, pad, x.dtype, fill)

    def copy(s, e):
        inner[s:e] = x[s:e]
    over_batch(copy, x.shape[0], x.size)
    return out


def padded_frame(shape, pad, dtype, fill=0.0):
    """An (N, H + top + bottom, W + left + right, C) array for images of ``shape`` (N, H, W, C),
    its padding set to ``fill``, and the view of its (H, W) interior (left for the caller to fill)."""
    (t, b), (l, r) = pad
    n, h, w, c = shape
    out = np.empty((n, h + t + b, w + l + r, c), dtype=dtype)
    if t:
        out[:, :t] = fill
    if b:
        out[:, h + t:] = fill
    if l:
        out[:, t:t + h, :l] = fill
    if r:
        out[:, t:t + h, w + l:] = fill
    return out, out[:, t:t + h, l:l + w]


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


_BLAS_THREADING_MIN = 1 << 18  # multiply-adds above which OpenBLAS threads a product (65536 x 4)


_MASK_BLOCK = 1 << 18  # values of a masked block of ``other`` (it stays in L2 for the product)


def per_image(product, cols, other, out, n, rows_of_b=False, keep=None, slope=0, finish=None):
    """Matrix products of offset-major columns ``cols`` (K, n*r) one image (r columns) at a time,
    images split over the threads.  A single (n*r, K) x (K, F) or (K, n*r) x (n*r, F) product has a
    tiny output and a huge inner or outer size; OpenBLAS threads it badly (on a busy machine a 1 ms
    product was seen to stall for seconds), while per-image products are small and single-threaded.

    ``rows_of_b``: ``other`` is (n*r, F) and split with the images (``out`` is (n, K, F));
    otherwise ``other`` is shared and ``out`` (n*r, F) is split.  Images large enough for OpenBLAS
    to thread each product run with OpenBLAS on one thread meanwhile (no threads inside threads),
    or, where its thread count cannot be set, all on the calling thread.

    ``keep`` (with ``rows_of_b``): an array of ``other``'s shape (a rectifier's output); ``other`` is
    used where it is positive and times ``slope`` (0 for ReLU) elsewhere, masked a few images at a
    time into a reused block that the product reads while it is in cache (not masked whole and
    read back).

    ``keep`` may also be a boolean mask of where ``other`` is used (a ReLU's saved ``y > 0``: a
    quarter of the memory to read).

    ``finish`` (shared ``other``): ``finish(start, stop)`` is called after the products of images
    start..stop-1, a few at a time, while their output is in cache (say a ReLU in place), instead
    of on the whole output afterwards."""
    k = cols.shape[0]
    c3 = cols.reshape(k, n, -1).transpose(1, 0, 2)  # (n, K, r)
    single_threaded = c3.shape[1] * c3.shape[2] * out.shape[-1] < _BLAS_THREADING_MIN
    if rows_of_b and keep is not None:
        o3, k3 = other.reshape(n, -1, other.shape[-1]), keep.reshape(n, -1, other.shape[-1])
        per = max(1, _MASK_BLOCK // max(o3[0].size, 1))

        def run(s, e):
            block = workspace("masked block", (min(per, e - s),) + o3.shape[1:], other.dtype)
            for a in range(s, e, per):
                b = min(e, a + per)
                masked = block[:b - a]
                rectifier_grad(o3[a:b], k3[a:b], slope, masked)
                product(c3[a:b], masked, out[a:b])
    elif rows_of_b:
        o3 = other.reshape(n, -1, other.shape[-1])

        def run(s, e):
            product(c3[s:e], o3[s:e], out[s:e])
    else:
        out3 = out.reshape(n, -1, out.shape[-1])
        per = max(1, _MASK_BLOCK // max(out3[0].size, 1)) if finish is not None else n

        def run(s, e):
            for a in range(s, e, per):
                b = min(e, a + per)
                product(c3[a:b], other, out3[a:b])
                if finish is not None:
                    finish(a, b)
    with one_blas_thread() as alone:
        if single_threaded or alone:
            over_batch(run, n, cols.size)
        else:
            run(0, n)
