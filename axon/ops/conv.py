"""2-D convolution, channels-last, Keras kernel layout, and the passes it shares with the
transposed convolution (``ops/conv_transpose.py``).

Images are ``(N, H, W, C)``.  ``conv2d`` takes a kernel ``(kh, kw, C // groups,
filters)`` as Keras ``Conv2D``.  ``padding`` is ``"valid"``, ``"same"``
(TensorFlow's rule: the output has ``ceil(n / stride)`` positions and the odd
pixel of padding goes to the bottom/right), an int, a pair of ints, or
``((top, bottom), (left, right))``.

A convolution builds the columns of its receptive fields (im2col, ``ops/im2col.py``) a few
images at a time in one reused buffer that stays in cache, and does one matrix product per
chunk; the backward pass builds them again for the kernel gradient.  The input gradient, and the
forward pass of the transposed convolution, is the other way round: one product per chunk into
a column buffer, then one strided add per kernel offset into the image (col2im; never
``np.add.at``); with stride 1 both are instead a convolution of the padded grid with the flipped
kernel, whose columns copy longer runs than the scatter adds.  The transposed convolution's
backward pass is a convolution of the gradient.  Chunks depend on the sizes only and run whole
on each thread, with OpenBLAS on one thread meanwhile (``parallel.over_chunks``), so results do
not depend on the thread count.

>>> import numpy as np, axon.ops as F
>>> x = np.ones((1, 5, 5, 1), "float32"); w = np.ones((3, 3, 1, 2), "float32")
>>> F.conv2d(x, w, padding="same").shape
(1, 5, 5, 2)
>>> F.conv2d(x, w, strides=2).data[0, :, :, 0].tolist()
[[9.0, 9.0], [9.0, 9.0]]
"""
import numpy as np

from ..autograd import Function, is_grad_enabled
from ..tensor import unwrap
from .im2col import _clipped, _crop, _padded, col2im, im2col, im2col_single_channel, padded_frame, per_image, windows
from .im2col import offset_slices  # noqa: F401  (pooling imports it from here)
from .activations import rectifier_grad, rectify
from .parallel import _PARALLEL_MIN, over_batch, over_chunks, sum_rows, workspace

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


_CHUNK_ELEMENTS = 1 << 20  # values in one chunk of a column buffer (4 MB in float32)


def _images_per_chunk(n, per_image):
    """Images per chunk of a column buffer of ``per_image`` values an image: about
    ``_CHUNK_ELEMENTS`` values, so the buffer stays in cache.  Depends on the sizes only, never on
    the thread count (every product and sum then runs the same way on any number of threads)."""
    return max(1, min(n, _CHUNK_ELEMENTS // max(per_image, 1)))


def chunk_bounds(n, per_image):
    """``(start, stop)`` image ranges of the chunks of a batch of ``n``: at most
    ``_images_per_chunk`` images each, sizes within one of each other, and beyond two chunks
    their count a multiple of four (so that they share out evenly over 2 or 4 threads); a
    batch worth threading (``_PARALLEL_MIN`` values) has at least four.  Depends on the sizes
    only."""
    count = -(-n // _images_per_chunk(n, per_image))
    if n * per_image >= _PARALLEL_MIN:
        count = max(count, 4)
    if count > 2:
        count = min(n, -(-count // 4) * 4)
    return [(n * i // count, n * (i + 1) // count) for i in range(count)]


def column_pass(xp, out_hw, kernel, strides, dilation, fn):
    """``[fn(start, stop, cols) for each chunk]``: ``cols`` the (images * Ho * Wo, kh * kw * C)
    im2col matrix of images start..stop-1 of ``xp``, built in the running thread's own reused
    buffer (valid during the call); the chunks run over the threads (``over_chunks``)."""
    n = xp.shape[0]
    win = windows(xp, out_hw, kernel, strides, dilation)
    bounds = chunk_bounds(n, int(np.prod(win.shape[1:])))
    cap = max(e - s for s, e in bounds)
    rows = out_hw[0] * out_hw[1]

    def run(s, e):
        buf = workspace("columns", (cap,) + win.shape[1:], xp.dtype)[:e - s]
        np.copyto(buf, win[s:e])
        return fn(s, e, buf.reshape((e - s) * rows, -1))
    return over_chunks(run, bounds, n * int(np.prod(win.shape[1:])))


def sum_in_order(parts):
    """The sum of ``parts`` added left to right (chunk order: the same on any thread count)."""
    total = parts[0]
    for part in parts[1:]:
        total += part
    return total


def add_offset_products(a2, kernel_cols, kernel_size, out, in_hw, strides, dilation, padding=_ZERO_PAD):
    """``out[:, rows(i), cols(j), :] += a2 @ kernel_cols[:, (i, j)]`` for every kernel offset (i, j):
    the input gradient of a convolution and the forward pass of a transposed one (col2im).

    ``a2`` is (N*Hi*Wi, K) over an input grid ``in_hw``; ``kernel_cols`` (K, kh*kw*C) holds the
    offsets' (K, C) blocks side by side; ``out`` is the (N, Ho', Wo', C) image the offsets scatter
    into, less ``padding`` (positions that fall in the padding are dropped).  A few images at a
    time, on the threads: one matrix product into a column buffer that stays in cache, then one
    strided add per kernel offset (never ``np.add.at``)."""
    n, c = out.shape[0], out.shape[3]
    kh, kw = kernel_size
    r = in_hw[0] * in_hw[1]
    (top, _), (left, _) = padding
    taps = []  # (i, j, grid rows, grid cols, out rows, out cols) of the offsets that land in ``out``
    for i in range(kh):
        ts, rs = _clipped(i * dilation[0], strides[0], in_hw[0], top, out.shape[1])
        for j in range(kw):
            us, cs = _clipped(j * dilation[1], strides[1], in_hw[1], left, out.shape[2])
            if ts is not None and us is not None:
                taps.append((i, j, ts, us, rs, cs))
    if not taps:
        return
    bounds = chunk_bounds(n, r * kh * kw * c)
    cap = max(e - s for s, e in bounds)

    def run(s, e):
        buf = workspace("offsets", (cap * r, kh * kw * c), out.dtype)
        cols = np.matmul(a2[s * r:e * r], kernel_cols, out=buf[:(e - s) * r])
        c6 = cols.reshape(e - s, in_hw[0], in_hw[1], kh, kw, c)
        o = out[s:e]
        for i, j, ts, us, rs, cs in taps:  # out[y*s + i*d, x*s + j*d] += cols[y, x, (i, j)]
            o[:, rs, cs, :] += c6[:, ts, us, i, j, :]
    over_chunks(run, bounds, n * r * kh * kw * c)


_CORRELATION_MIN_CHANNELS = 8  # image channels from which the correlation beats the scatter


def correlation_padding(in_hw, out_hw, kernel, dilation, padding):
    """The padding of the input grid under which ``add_offset_products`` with stride 1 is a
    convolution of that grid with the flipped kernel, or None where the image's ``padding``
    exceeds the kernel's reach (the grid would have to be cropped instead)."""
    pads = []
    for n_in, n_out, k, d, (top, _) in zip(in_hw, out_hw, kernel, dilation, padding):
        before = (k - 1) * d - top
        after = n_out + (k - 1) * d - n_in - before
        if before < 0 or after < 0:
            return None
        pads.append((before, after))
    return tuple(pads)


def offset_products_as_correlation(a4, kernel_cols, kernel_size, out_hw, dilation, padding, finish=None):
    """What ``add_offset_products`` adds onto a zero (N, Ho', Wo', C) image for stride 1, as the
    (N*Ho'*Wo', C) rows of a convolution: the (N, Hi, Wi, K) grid ``a4`` padded, with the kernel
    flipped and its two channel axes swapped (``finish`` as in ``_conv_in_chunks``).  None where
    ``correlation_padding`` is.  Columns with runs of kw*K values and one product a chunk, where
    the scatter adds runs of C values once per kernel offset: 1.1x faster on the CNN's 14x14
    maps, 1.6x on 28x28 ones, for 32 channels.  Below ``_CORRELATION_MIN_CHANNELS`` channels
    the scatter is faster (3.4x for one) and this returns None too."""
    plan = correlation_plan(kernel_cols, kernel_size, a4.shape[1:3], out_hw, dilation, padding)
    if plan is None:
        return None
    pads, flipped = plan
    return _conv_in_chunks(_padded(a4, pads), flipped, out_hw, (1, 1), dilation, finish)


def correlation_plan(kernel_cols, kernel_size, in_hw, out_hw, dilation, padding):
    """``(padding of the grid, flipped kernel (kh, kw, K, C))`` of
    ``offset_products_as_correlation``, or None where it does not apply."""
    (kh, kw), k = kernel_size, kernel_cols.shape[0]
    if kernel_cols.shape[1] < _CORRELATION_MIN_CHANNELS * kh * kw:
        return None
    pads = correlation_padding(in_hw, out_hw, kernel_size, dilation, padding)
    if pads is None:
        return None
    flipped = kernel_cols.reshape(k, kh, kw, -1)[:, ::-1, ::-1, :].transpose(1, 2, 0, 3)  # (kh, kw, K, C)
    return pads, np.ascontiguousarray(flipped)


def _conv_in_chunks(xp, w, out_hw, strides, dilation, finish=None):
    """``im2col(xp) @ w`` a few images at a time, each chunk's columns in a reused buffer that
    stays in cache, then ``finish(rows)`` on the chunk's output rows while they are in cache
    (the backward pass builds the columns again, the same way, for the kernel gradient)."""
    f, r = w.shape[-1], out_hw[0] * out_hw[1]
    w2 = w.reshape(-1, f)
    y = np.empty((xp.shape[0] * r, f), dtype=np.result_type(xp, w))

    def product(s, e, cols):
        rows = np.matmul(cols, w2, out=y[s * r:e * r])
        if finish is not None:
            finish(rows)
    column_pass(xp, out_hw, w.shape[:2], strides, dilation, product)
    return y


def _rectifier_masked(g2, rectified, slope, n):
    """``g2 * max([rectified > 0], slope)`` (both (rows, F), rows image by image; ``rectified`` may
    be the boolean ``> 0`` already) in a reused buffer, on the threads (the result does not
    outlive the backward pass that asks for it)."""
    masked = workspace("masked gradient", g2.shape, g2.dtype)
    g3, y3, o3 = (a.reshape(n, -1, g2.shape[1]) for a in (g2, rectified, masked))
    over_batch(lambda s, e: rectifier_grad(g3[s:e], y3[s:e], slope, o3[s:e]), n, g2.size)
    return masked


def kernel_gradient_pass(xp, g2, out_hw, kernel, strides, dilation, need_b=False, rectified=None, slope=0,
                         store=None):
    """``(dw, db)`` of a convolution in one column pass: ``dw = im2col(xp)^T g`` as (kh*kw*C, F)
    and, with ``need_b``, ``db`` the column sums of g (else None), both summed chunk by chunk in
    order.  On the way each chunk's rows of ``g2`` (N*Ho*Wo, F) are taken through a fused
    rectifier (output ``rectified``, ``slope`` 0 for ReLU) and copied into ``store`` (N, Ho, Wo,
    F), if given, while they are in cache: what the input gradient needs of g, without passes of
    its own over the whole array."""
    n, r, f = xp.shape[0], out_hw[0] * out_hw[1], g2.shape[1]
    cap = max(e - s for s, e in chunk_bounds(n, r * kernel[0] * kernel[1] * xp.shape[3]))
    in_place = rectified is not None and store is not None and store.flags.c_contiguous  # mask into store

    def fn(s, e, cols):
        rows = g2[s * r:e * r]
        if rectified is not None:
            dst = store[s:e].reshape(-1, f) if in_place else workspace("masked rows", (cap * r, f), g2.dtype)[:(e - s) * r]
            rectifier_grad(rows, rectified[s * r:e * r], slope, dst)
            rows = dst
        if store is not None and not in_place:
            store[s:e] = rows.reshape((e - s,) + tuple(out_hw) + (f,))
        return cols.T @ rows, sum_rows(rows) if need_b else None
    parts = column_pass(xp, out_hw, kernel, strides, dilation, fn)
    return sum_in_order([p[0] for p in parts]), sum_in_order([p[1] for p in parts]) if need_b else None


class Conv2D(Function):
    """y = im2col(pad(x)) @ kernel + bias, one matrix product (batched over groups).

    With ``slope`` (0 <= slope <= 1) the rectifier max(y, slope * y) (ReLU for 0, leaky ReLU
    above) is applied in place on the output (and its mask to the incoming gradient), saving a
    separate op and array.
    One-channel inputs use offset-major columns with the bias folded into the product.
    Otherwise (one group) the columns are built a few images at a time in one reused buffer,
    for the product and again in the backward pass for the kernel gradient, instead of for
    the whole batch (a 4 MB buffer in cache rather than, say, 40 MB written and read back).
    """

    def forward(self, x, w, b=None, strides=(1, 1), padding=_ZERO_PAD, dilation=(1, 1), groups=1, slope=None):
        n, h, wd, c = x.shape
        kh, kw, cg, f = w.shape
        xp = _padded(x, padding)
        ho = conv_output_size(h, kh, strides[0], dilation[0], padding[0])
        wo = conv_output_size(wd, kw, strides[1], dilation[1], padding[1])
        m = n * ho * wo
        single = c == 1 and groups == 1
        positive = None
        if single:
            cols = im2col_single_channel(xp, (ho, wo), (kh, kw), strides, dilation, b is not None)
            w2 = w.reshape(-1, f)
            if b is not None:
                w2 = np.concatenate([w2, b.reshape(1, f).astype(w2.dtype, copy=False)])
            y = np.empty((m, f), dtype=np.result_type(cols, w2))
            y3 = y.reshape(n, -1, f)
            # a first layer's rectifier mask, kept as booleans for its kernel gradient (is_grad_enabled:
            # a graph will be recorded); written block by block while the output is in cache
            positive = np.empty(y3.shape, dtype=bool) if slope is not None and is_grad_enabled() else None

            def rectify_blocks(s, e):
                rectify(y3[s:e], slope)
                if positive is not None:
                    np.greater(y3[s:e], 0, out=positive[s:e])
            per_image(lambda a, bb, out: np.matmul(a.transpose(0, 2, 1), bb, out=out), cols, w2, y, n,
                      finish=None if slope is None else rectify_blocks)
        elif groups == 1:
            cols = None  # the backward pass builds them again, chunk by chunk

            def finish(rows):  # bias and rectifier on each chunk's rows while they are in cache
                if b is not None:
                    rows += b
                if slope is not None:
                    rectify(rows, slope)
            y = _conv_in_chunks(xp, w, (ho, wo), strides, dilation, finish if b is not None or slope is not None else None)
        else:
            cols = im2col(xp, (ho, wo), (kh, kw), strides, dilation)
            og = f // groups
            cols = cols.reshape(m, kh * kw, groups, cg).transpose(2, 0, 1, 3).reshape(groups, m, kh * kw * cg)
            wg = w.reshape(kh * kw * cg, groups, og).transpose(1, 0, 2)
            y = np.matmul(cols, wg).transpose(1, 0, 2).reshape(m, f)
            y3 = y.reshape(n, -1, f)

            def bias_rectify(s, e):
                if b is not None:
                    y3[s:e] += b
                if slope is not None:
                    rectify(y3[s:e], slope)
            if b is not None or slope is not None:
                over_batch(bias_rectify, n, y.size)
        self.save(cols=cols, xp=xp if cols is None else None, w=w, x_shape=x.shape, xp_shape=xp.shape, out_hw=(ho, wo), strides=strides,
                  padding=padding, dilation=dilation, groups=groups, rectified=None if slope is None else y, slope=slope,
                  single=single, positive=positive)
        return y.reshape(n, ho, wo, f)

    def backward(self, g):
        saved = self.saved
        cols, w, x_shape, out_hw = saved.cols, saved.w, saved.x_shape, saved.out_hw
        strides, dilation, groups, y, slope = saved.strides, saved.dilation, saved.groups, saved.rectified, saved.slope
        kh, kw, cg, f = w.shape
        n, h, wd, c = x_shape
        m = n * out_hw[0] * out_hw[1]
        g2 = g.reshape(m, f)
        fused_mask = y is not None and saved.single and not self.needs_grad[0]  # masked in per_image
        # the kernel gradient's column pass masks g chunk by chunk (groups == 1): else mask it whole now
        in_pass = groups == 1 and not saved.single and self.needs_grad[1]
        masked = None
        if y is not None and not fused_mask and not in_pass:
            masked = g2 = _rectifier_masked(g2, y if saved.positive is None else saved.positive, slope, n)
        gx = gw = gb = None
        need_b = len(self.needs_grad) > 2 and self.needs_grad[2]
        if groups == 1:
            if saved.single and (self.needs_grad[1] or need_b):
                parts = np.empty((n, cols.shape[0], f), dtype=g2.dtype)
                per_image(lambda a, gg, out: np.matmul(a, gg, out=out), cols, g2, parts, n, rows_of_b=True,
                          keep=(y if saved.positive is None else saved.positive).reshape(m, f) if fused_mask else None,
                          slope=slope)
                gwb = parts.sum(axis=0)  # the ones row gives the bias gradient
                gw = gwb[:kh * kw].reshape(w.shape) if self.needs_grad[1] else None
                gb = gwb[kh * kw] if need_b else None
                need_b = False
            elif self.needs_grad[1]:  # dw = im2col(x)^T g, and what dx and db need of g on the way
                plan = grid = store = None
                if self.needs_grad[0] and strides == (1, 1):
                    plan = correlation_plan(w.reshape(-1, f).T, (kh, kw), out_hw, (h, wd), dilation, saved.padding)
                if plan is not None:  # the (masked) gradient goes straight into the grid dx correlates
                    grid, store = padded_frame((n,) + tuple(out_hw) + (f,), plan[0], g2.dtype)
                elif self.needs_grad[0] and y is not None:
                    masked = workspace("masked gradient", g2.shape, g2.dtype)
                    store = masked.reshape(n, out_hw[0], out_hw[1], f)
                gw, gb = kernel_gradient_pass(saved.xp, g2, out_hw, (kh, kw), strides, dilation, need_b, y, slope, store)
                gw, need_b = gw.reshape(w.shape), False
                if grid is not None:  # dx: the gradient's padded grid correlated with the flipped kernel
                    gx = _conv_in_chunks(grid, plan[1], (h, wd), (1, 1), dilation).reshape(x_shape)
                elif masked is not None:
                    g2 = masked
            if self.needs_grad[0] and gx is None:  # dx = col2im(g w^T)
                if strides == (1, 1):
                    gx = offset_products_as_correlation(g2.reshape(n, out_hw[0], out_hw[1], f), w.reshape(-1, f).T,
                                                        (kh, kw), (h, wd), dilation, saved.padding)
                if gx is None:
                    gx = np.zeros(x_shape, dtype=g.dtype)
                    add_offset_products(g2, w.reshape(-1, f).T, (kh, kw), gx, out_hw, strides, dilation,
                                        saved.padding)
                gx = gx.reshape(x_shape)
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


def _arrays(*ts):
    return [unwrap(t) for t in ts]


def conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation=1, groups=1, relu=False, slope=None):
    """2-D convolution (cross-correlation, as every framework) of ``x`` (N, H, W, C) with
    ``kernel`` (kh, kw, C // groups, filters); ``bias`` (filters,) or None; ``relu=True``
    fuses a ReLU on the output, ``slope`` (in [0, 1]) a leaky ReLU ``max(y, slope * y)``."""
    if relu:
        slope = 0.0
    if slope is not None and not 0 <= slope <= 1:
        raise ValueError(f"conv2d: slope must be in [0, 1] (0 for ReLU, a leaky ReLU's negative slope "
                         f"above), got {slope!r}")
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
    return Conv2D.apply(*args, strides=strides, padding=pad, dilation=dilation, groups=int(groups), slope=slope)
