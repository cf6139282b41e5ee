"""The chunked convolution paths behind the DCGAN's hot path: transposed convolution (a product per
chunk of images scattered by kernel offset), the convolution's input gradient (the same scatter)
and its kernel gradient (columns built again chunk by chunk).  Checked against the textbook loop
nest, float64 gradient checks and PyTorch, with chunks forced small so that several chunks (and a
short last one) run, and bitwise the same on one thread and on three."""
import numpy as np
import pytest

import axon.ops as F
import axon.ops.conv as C
import axon.ops.parallel as P
from axon import Tensor, grad, gradcheck
from axon.ops.conv_transpose import deconv_output_size

R = np.random.default_rng(5)


def conv2d_transpose_loops(x, w, b, strides, padding, output_padding, dilation):
    """The lecture's transposed convolution: every input pixel x[n, a, c] spreads x[n, a, c] @ w[i, j]^T
    over the output pixels (a*s + i*d, c*s + j*d) of the full output, which Keras then crops."""
    (s0, s1), (d0, d1) = strides, dilation
    kh, kw, f, _ = w.shape
    n, h, wd, _ = x.shape
    (oh, top), (ow, left) = [deconv_output_size(m, k, s, d, padding, output_padding)
                             for m, k, s, d in zip((h, wd), (kh, kw), strides, dilation)]
    full = np.zeros((n, max((h - 1) * s0 + (kh - 1) * d0 + 1, top + oh),
                     max((wd - 1) * s1 + (kw - 1) * d1 + 1, left + ow), f))
    for a in range(h):                  # every input pixel
        for c in range(wd):
            for i in range(kh):         # every kernel offset
                for j in range(kw):
                    full[:, a * s0 + i * d0, c * s1 + j * d1, :] += x[:, a, c, :] @ w[i, j].T
    return full[:, top:top + oh, left:left + ow, :] + b


@pytest.fixture(params=[1, 2, None], ids=["chunks of 1", "chunks of 2", "one chunk"])
def chunks(request, monkeypatch):
    """Images per chunk of every column buffer (None: the sizes decide, here the whole batch)."""
    if request.param is not None:
        monkeypatch.setattr(C, "_images_per_chunk", lambda n, per_image: min(n, request.param))
    return request.param


@pytest.mark.parametrize("strides,padding,output_padding,kernel,dilation", [
    ((2, 2), "same", None, (5, 5), (1, 1)),     # the DCGAN generator's layers
    ((2, 2), "same", None, (4, 4), (1, 1)),
    ((2, 2), "valid", 1, (3, 3), (1, 1)),
    ((1, 2), "same", None, (3, 2), (1, 1)),
    ((3, 3), "valid", None, (2, 2), (1, 1)),     # stride larger than the kernel: gaps stay zero (or bias)
    ((1, 1), "same", None, (3, 3), (2, 2)),      # dilation
])
def test_conv2d_transpose_matches_the_loop_nest(chunks, strides, padding, output_padding, kernel, dilation):
    x, w, b = R.uniform(-1, 1, (3, 4, 3, 5)), R.uniform(-1, 1, kernel + (2, 5)), R.uniform(-1, 1, 2)
    want = conv2d_transpose_loops(x, w, b, strides, padding, output_padding, dilation)
    got = F.conv2d_transpose(x, w, b, strides, padding, output_padding, dilation).data
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    no_bias = F.conv2d_transpose(x, w, None, strides, padding, output_padding, dilation).data
    np.testing.assert_allclose(no_bias, want - b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("strides,padding,kernel,channels_out", [
    (2, "same", (5, 5), 2), (2, "same", (4, 4), 1), ((2, 1), "valid", (3, 2), 3), (3, "valid", (2, 2), 2)])
def test_conv2d_transpose_gradcheck_in_chunks(chunks, strides, padding, kernel, channels_out):
    x, w = R.uniform(-1, 1, (3, 3, 4, 2)), R.uniform(-1, 1, kernel + (channels_out, 2))
    b = R.uniform(-1, 1, channels_out)
    assert gradcheck(lambda x, w, b: F.conv2d_transpose(x, w, b, strides, padding), [x, w, b])


@pytest.mark.parametrize("strides,padding,kernel,channels", [
    (2, "same", (5, 5), 3), (2, "same", (4, 4), 1), (1, "same", (3, 3), 2), (2, ((2, 0), (1, 3)), (3, 2), 2)])
def test_conv2d_gradcheck_in_chunks(chunks, strides, padding, kernel, channels):
    """Conv2D builds its columns again in the backward pass, chunk by chunk, for the kernel gradient."""
    x, w, b = R.uniform(-1, 1, (3, 6, 5, channels)), R.uniform(-1, 1, kernel + (channels, 3)), R.uniform(-1, 1, 3)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, strides, padding), [x, w, b])


def test_conv2d_transpose_gradients_one_input_at_a_time():
    """Only the gradients asked for are computed, and they are the same as when all are."""
    x, w, b = R.uniform(-1, 1, (4, 3, 3, 6)), R.uniform(-1, 1, (5, 5, 4, 6)), R.uniform(-1, 1, 4)
    g = R.uniform(-1, 1, (4, 6, 6, 4))
    ts = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    every = grad((F.conv2d_transpose(*ts, 2, "same") * g).sum(), ts)
    for i in range(3):
        one = [Tensor(a, requires_grad=k == i) for k, a in enumerate((x, w, b))]
        only, = grad((F.conv2d_transpose(*one, 2, "same") * g).sum(), [one[i]])
        np.testing.assert_allclose(only, every[i], rtol=1e-12)


def _dcgan_layers(dtype):
    """Outputs and gradients of the DCGAN's convolutions (both generator layers, both
    discriminator layers) on a batch of 6, as one list of arrays."""
    rs = np.random.default_rng(2)
    layers = [(F.conv2d_transpose, (6, 7, 7, 16), (5, 5, 8, 16), 8),
              (F.conv2d_transpose, (6, 14, 14, 8), (4, 4, 1, 8), 1),
              (F.conv2d, (6, 28, 28, 1), (5, 5, 1, 8), 8), (F.conv2d, (6, 14, 14, 8), (5, 5, 8, 16), 16)]
    out = []
    for op, xshape, wshape, f in layers:
        ts = [Tensor(rs.standard_normal(shape).astype(dtype), requires_grad=True) for shape in (xshape, wshape, f)]
        y = op(*ts, strides=2, padding="same")
        gy = rs.standard_normal(y.shape).astype(dtype)
        out += [y.data] + grad((y * gy).sum(), ts)
    return out


def test_results_do_not_depend_on_the_thread_count(monkeypatch):
    """The same bits on one thread and on three (float32: any change of summation order would show)."""
    monkeypatch.setattr(C, "_images_per_chunk", lambda n, per_image: min(n, 4))  # chunks of 4 and 2 images
    monkeypatch.setattr(P, "_PARALLEL_MIN", 0)
    monkeypatch.setitem(P._threads, "n", 1)
    one = _dcgan_layers(np.float32)
    monkeypatch.setitem(P._threads, "n", 3)
    three = _dcgan_layers(np.float32)
    for a, b in zip(one, three):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("kernel", [4, 5])
def test_dcgan_layers_match_pytorch(kernel):
    """Generator and discriminator layers at the DCGAN's shapes (smaller channels), against
    PyTorch's transposed convolution cropped by Keras's 'same' rule and its padded convolution."""
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    rs = np.random.default_rng(kernel)
    k2 = (kernel, kernel)
    cases = [("transpose", (3, 7, 7, 16), k2 + (8, 16)), ("transpose", (3, 14, 14, 8), k2 + (1, 8)),
             ("conv", (3, 28, 28, 1), k2 + (1, 8)), ("conv", (3, 14, 14, 8), k2 + (8, 16))]
    for kind, xshape, wshape in cases:
        x, w = rs.standard_normal(xshape).astype(np.float32), rs.standard_normal(wshape).astype(np.float32)
        f = wshape[2] if kind == "transpose" else wshape[3]
        b = rs.standard_normal(f).astype(np.float32)
        tx = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)
        tw = torch.tensor(w.transpose(3, 2, 0, 1).copy(), requires_grad=True)  # (in, out, kh, kw) / (out, in, kh, kw)
        tb = torch.tensor(b, requires_grad=True)
        if kind == "transpose":
            full = tf.conv_transpose2d(tx, tw, None, 2)
            size, top = deconv_output_size(xshape[1], kernel, 2, 1, "same")
            ty = full[:, :, top:top + size, top:top + size] + tb[:, None, None]
        else:
            total = kernel - 2  # TensorFlow's 'same' for stride 2 on an even size: the odd pixel after
            ty = tf.conv2d(tf.pad(tx, (total // 2, total - total // 2) * 2), tw, tb, 2)
        gy = rs.standard_normal(ty.shape).astype(np.float32)
        (ty * torch.tensor(gy)).sum().backward()
        ts = [Tensor(a, requires_grad=True) for a in (x, w, b)]
        op = F.conv2d_transpose if kind == "transpose" else F.conv2d
        y = op(*ts, strides=2, padding="same")
        gx, gw, gb = grad((y * gy.transpose(0, 2, 3, 1)).sum(), ts)
        close = dict(rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(y.data, ty.detach().numpy().transpose(0, 2, 3, 1), **close)
        np.testing.assert_allclose(gx, tx.grad.numpy().transpose(0, 2, 3, 1), **close)
        np.testing.assert_allclose(gw, tw.grad.numpy().transpose(2, 3, 1, 0), **close)
        np.testing.assert_allclose(gb, tb.grad.numpy(), **close)


@pytest.mark.parametrize("alpha", [0.2, 1.0, 0.0, 1.5])
def test_leaky_relu_is_exactly_the_select(alpha, monkeypatch):
    """The blocked max(x, alpha x) and its max([y > 0], alpha) slope give np.where's numbers bit for
    bit, signed zeros, infinities and NaN included, on any number of threads (the discriminator's
    activation); slopes outside (0, 1] keep np.where."""
    monkeypatch.setattr(P, "_PARALLEL_MIN", 0)
    monkeypatch.setitem(P._threads, "n", 3)
    monkeypatch.setattr(P, "_BLOCK", 64)
    x = R.standard_normal(1000).astype(np.float32)
    x[:6] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45]
    g = R.standard_normal(1000).astype(np.float32)
    t = Tensor(x.reshape(10, 10, 10), requires_grad=True)
    with np.errstate(invalid="ignore"):  # 0 * inf, NaN * g
        y = F.leaky_relu(t, alpha)
        gx, = grad((y * g.reshape(10, 10, 10)).sum(), [t])
        want = np.where(x > 0, x, np.float32(alpha) * x)
    assert y.data.dtype == np.float32 and gx.dtype == np.float32
    np.testing.assert_array_equal(y.data.reshape(-1), want)
    assert np.array_equal(np.signbit(y.data.reshape(-1)), np.signbit(want))
    np.testing.assert_array_equal(gx.reshape(-1), np.where(x > 0, g, np.float32(alpha) * g))
    assert gradcheck(lambda v: F.leaky_relu(v, alpha), [R.uniform(-1, 1, (3, 4))])


@pytest.mark.parametrize("padding,kernel,dilation", [
    ("same", (3, 3), (1, 1)), ("valid", (3, 2), (1, 1)), ("same", (4, 4), (1, 1)), ("same", (3, 3), (2, 2)),
    (((2, 0), (1, 3)), (3, 2), (1, 1)),   # more padding than the kernel reaches: the scatter's way
    (((0, 2), (2, 1)), (3, 3), (1, 1))])
def test_stride_one_scatter_as_correlation_matches_the_scatter(chunks, monkeypatch, padding, kernel, dilation):
    """With stride 1 the input gradient of conv2d and the forward pass of conv2d_transpose are a
    convolution of the padded grid with the flipped kernel; the same values as the offset scatter."""
    c = C._CORRELATION_MIN_CHANNELS  # fewer image channels take the scatter anyway
    x, w, b = R.uniform(-1, 1, (3, 6, 5, c)), R.uniform(-1, 1, kernel + (c, 3)), R.uniform(-1, 1, c)
    xt, wt = R.uniform(-1, 1, (3, 4, 5, 3)), R.uniform(-1, 1, kernel + (c, 3))

    def run():
        xs, ws = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
        y = F.conv2d(xs, ws, b[:3], 1, padding, dilation, relu=True)
        (y * y).sum().backward()
        tpad = padding if isinstance(padding, str) else "same"
        yt = F.conv2d_transpose(xt, wt, b, 1, tpad, None, dilation).data
        return xs.grad, ws.grad, yt

    fast = run()
    monkeypatch.setattr(C, "correlation_padding", lambda *args: None)  # always the scatter
    for a, b_ in zip(fast, run()):
        np.testing.assert_allclose(a, b_, rtol=1e-12, atol=1e-12)


def test_correlation_padding_applies_within_the_kernels_reach():
    same = C.resolve_padding("same", (6, 5), (3, 3))
    assert C.correlation_padding((6, 5), (6, 5), (3, 3), (1, 1), same) == ((1, 1), (1, 1))
    assert C.correlation_padding((4, 3), (6, 5), (3, 3), (1, 1), ((0, 0), (0, 0))) == ((2, 2), (2, 2))
    # a (3, 2) kernel over 6x5 images padded ((2, 0), (1, 3)): 6x8 outputs, 3 columns of padding on
    # the right where the kernel reaches 1: the grid would have to be cropped
    assert C.correlation_padding((6, 8), (6, 5), (3, 2), (1, 1), ((2, 0), (1, 3))) is None
    grid, c = np.ones((1, 6, 5, 3)), C._CORRELATION_MIN_CHANNELS
    assert C.offset_products_as_correlation(grid, np.ones((3, 9 * c)), (3, 3), (6, 5), (1, 1), same).shape == (30, c)
    assert C.offset_products_as_correlation(grid, np.ones((3, 9 * (c - 1))), (3, 3), (6, 5), (1, 1), same) is None
