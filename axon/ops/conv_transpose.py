"""Transposed convolution (the "deconvolution" of generators and decoders), channels-last, with
Keras ``Conv2DTranspose`` semantics: ``x`` (N, H, W, C), kernel ``(kh, kw, filters, C)``.

It is the input gradient of a convolution run forward: each input pixel's products with the
kernel are scattered by kernel offset into the output (``conv.add_offset_products``; with stride 1
a correlation of the padded input with the flipped kernel instead), and its backward pass is a
convolution of the gradient (``conv.column_pass``).

>>> import numpy as np, axon.ops as F
>>> F.conv2d_transpose(np.ones((1, 2, 2, 1), "float32"), np.ones((3, 3, 1, 1), "float32"), strides=2).shape
(1, 5, 5, 1)
"""
import numpy as np

from ..autograd import Function
from .conv import _arrays, add_offset_products, column_pass, offset_products_as_correlation, pair, sum_in_order
from .im2col import _padded
from .parallel import over_batch, sum_rows


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
    """The transpose (input gradient) of conv2d: ``y = col2im(x @ kernel) + bias``, each image's
    products scattered by kernel offset straight into the cropped output; the backward pass is
    a convolution of the gradient (im2col, chunk by chunk, and two matrix products)."""

    def forward(self, x, w, b=None, strides=(1, 1), out_hw=None, offset=(0, 0), dilation=(1, 1)):
        n, h, wd, c = x.shape
        kh, kw, f, _ = w.shape
        # the full output (every position some tap reaches) holds the cropped one at ``offset``
        full = (max((h - 1) * strides[0] + (kh - 1) * dilation[0] + 1, offset[0] + out_hw[0]),
                max((wd - 1) * strides[1] + (kw - 1) * dilation[1] + 1, offset[1] + out_hw[1]))
        crop = tuple((o, m - o - k) for o, m, k in zip(offset, full, out_hw))  # the full output's margins
        self.save(x=x, w=w, crop=crop, strides=strides, dilation=dilation)
        rows = None
        if strides == (1, 1):  # a convolution of the padded input with the flipped kernel

            def add_bias(chunk_rows):
                chunk_rows += b
            rows = offset_products_as_correlation(x, w.reshape(-1, c).T, (kh, kw), out_hw, dilation, crop,
                                                  None if b is None else add_bias)
        if rows is not None:
            return rows.reshape((n,) + tuple(out_hw) + (f,))
        y = np.empty((n,) + tuple(out_hw) + (f,), dtype=np.result_type(x, w) if b is None else np.result_type(x, w, b))
        y3 = y.reshape(n, -1, f)

        def start(s, e):  # y = bias, then the taps are added
            y3[s:e] = 0 if b is None else b
        over_batch(start, n, y.size)
        # y[a*s + i*d, c*s + j*d] += x[a, c] @ w[i, j]^T, for every kernel offset (i, j)
        add_offset_products(x.reshape(-1, c), w.reshape(-1, c).T, (kh, kw), y, (h, wd), strides, dilation, crop)
        return y

    def backward(self, g):
        saved = self.saved
        x, w, strides, dilation = saved.x, saved.w, saved.strides, saved.dilation
        n, h, wd, c = x.shape
        kh, kw, f, _ = w.shape
        gp = _padded(g, saved.crop)  # the gradient of the full output: zero where it was cropped
        need_x, need_w = self.needs_grad[:2]
        gx = np.empty((n * h * wd, c), dtype=np.result_type(gp, w)) if need_x else None
        w2, x2, r = w.reshape(-1, c), x.reshape(-1, c), h * wd

        def products(s, e, cols):  # one pass over the columns for both gradients
            if need_x:
                np.matmul(cols, w2, out=gx[s * r:e * r])  # dx = im2col(g) w
            return cols.T @ x2[s * r:e * r] if need_w else None  # dw = im2col(g)^T x, by chunk
        parts = column_pass(gp, (h, wd), (kh, kw), strides, dilation, products)
        gw = sum_in_order(parts) if need_w else None
        gb = None
        gx = None if gx is None else gx.reshape(x.shape)
        gw = None if gw is None else gw.reshape(w.shape)
        if len(self.needs_grad) > 2 and self.needs_grad[2]:
            gb = sum_rows(g.reshape(-1, f))
        return gx, gw, gb


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
