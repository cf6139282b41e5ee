"""Convolution ops and layers: float64 gradient checks, the textbook loop nest as oracle, Keras shape rules,
formats, errors, learning."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor, gradcheck
from axon.layers import (Conv2D, Conv2DTranspose, DepthwiseConv2D, Conv1D, BatchNormalization, MaxPooling2D,
                         Flatten, Dense)
from axon.ops.conv import same_padding, resolve_padding

R = np.random.default_rng(3)


def rand(*shape):
    return R.uniform(-1, 1, shape)


# ----- gradient checks (float64, tiny sizes)

@pytest.mark.parametrize("strides,padding,dilation,kernel,groups", [
    (1, "valid", 1, (3, 3), 1),
    (2, "same", 1, (3, 3), 1),
    (1, "same", 1, (2, 2), 1),      # even kernel: TF puts the extra pixel bottom/right
    (2, "same", 1, (1, 3), 1),
    (1, "same", 2, (2, 3), 1),      # dilation
    (2, "valid", 1, (2, 2), 2),     # groups
    (1, "same", 1, (3, 3), 3),      # depthwise-like
    (1, ((1, 0), (2, 1)), 1, (3, 2), 1),  # explicit asymmetric padding
    (2, ((4, 1), (0, 5)), 1, (2, 3), 1),  # padding wider than the kernel: offsets that see only padding
])
def test_conv2d_gradcheck(strides, padding, dilation, kernel, groups):
    c = 3 if groups != 2 else 4
    x = rand(2, 5, 5, c)
    w = rand(*kernel, c // groups, 6 if groups == 3 else 4)
    b = rand(w.shape[-1])
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, strides, padding, dilation, groups), [x, w, b])


@pytest.mark.parametrize("strides,padding,output_padding,kernel", [
    (1, "valid", None, (3, 3)),
    (2, "same", None, (3, 3)),
    (2, "valid", 1, (3, 2)),
    (2, "same", 1, (3, 3)),
    (3, "valid", None, (2, 2)),     # stride larger than the kernel leaves zero gaps
])
def test_conv2d_transpose_gradcheck(strides, padding, output_padding, kernel):
    x, w, b = rand(2, 3, 4, 2), rand(*kernel, 3, 2), rand(3)
    assert gradcheck(lambda x, w, b: F.conv2d_transpose(x, w, b, strides, padding, output_padding), [x, w, b])


@pytest.mark.parametrize("strides,padding,dilation,bias", [(1, "same", 1, True), (2, "valid", 2, False),
                                                           ((2, 1), "same", 1, True)])
def test_conv2d_single_channel_gradcheck(strides, padding, dilation, bias):
    """One-channel inputs take the offset-major column path with the bias folded into the product."""
    x, w, b = rand(2, 6, 5, 1), rand(3, 2, 1, 3), rand(3)
    if bias:
        assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, strides, padding, dilation, relu=True), [x, w, b])
    else:
        assert gradcheck(lambda x, w: F.conv2d(x, w, None, strides, padding, dilation), [x, w])


@pytest.mark.parametrize("strides,relu,bias,x_grad", [(1, True, True, True), (1, False, True, True),
                                                     (1, True, False, False), (2, True, True, True),
                                                     (2, False, False, True)])
def test_kernel_gradient_pass_feeds_the_input_gradient(monkeypatch, strides, relu, bias, x_grad):
    """The kernel gradient's column pass masks g by the fused ReLU chunk by chunk and hands it to the
    input gradient on the way (into the padded grid of the stride-1 correlation, 8 channels, or a
    masked copy for the scatter): gradients checked by finite differences, over several chunks."""
    import axon.ops.conv as C
    monkeypatch.setattr(C, "_CHUNK_ELEMENTS", 800)  # 720 column values an image: a chunk each
    x, w, b = rand(3, 5, 4, 8), rand(3, 3, 8, 4), rand(4)
    args = [x, w, b] if bias else [x, w]

    def fn(*ts):
        return F.conv2d(ts[0], ts[1], ts[2] if bias else None, strides, "same", relu=relu)
    if x_grad:
        assert gradcheck(fn, args)
    else:
        assert gradcheck(lambda *ts: fn(x, *ts), args[1:])
    y = fn(*args)
    assert not relu or ((y.data == 0).any() and (y.data > 0).any())  # the mask matters


def test_fused_relu_equals_conv_then_relu():
    x, w, b = rand(2, 5, 5, 3), rand(3, 3, 3, 4), rand(4)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, 1, "same", relu=True), [x, w, b])
    np.testing.assert_allclose(F.conv2d(x, w, b, 2, "same", relu=True).data,
                               F.relu(F.conv2d(x, w, b, 2, "same")).data)


def test_first_layer_skips_input_gradient():
    x = np.ones((2, 5, 5, 1))
    w = Tensor(rand(3, 3, 1, 2), requires_grad=True)
    F.conv2d(x, w, padding="same").sum().backward()
    assert w.grad.shape == (3, 3, 1, 2)
    np.testing.assert_allclose(w.grad[1, 1, 0], [50.0, 50.0])  # the centre tap sees every pixel


# ----- the textbook oracle: the convolution as the loop nest the lecture draws

def conv2d_loops(x, w, b, strides, padding, dilation):
    """y[n, i, j, f] = b[f] + sum over kernel offsets (di, dj) and channels c of
    x_padded[n, i*s + di*d, j*s + dj*d, c] * w[di, dj, c, f]; x (N, H, W, C), w (kh, kw, C, F),
    padding ((top, bottom), (left, right)).  The channel sum is the product ``pixel @ w[di, dj]``."""
    (top, bottom), (left, right) = padding
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    kh, kw, _, f = w.shape
    ho = (xp.shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    wo = (xp.shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    y = np.zeros((x.shape[0], ho, wo, f))
    for i in range(ho):                       # every output pixel
        for j in range(wo):
            for di in range(kh):              # every kernel offset
                for dj in range(kw):
                    pixel = xp[:, i * strides[0] + di * dilation[0], j * strides[1] + dj * dilation[1], :]
                    y[:, i, j, :] += pixel @ w[di, dj]
    return y + b


def conv2d_loops_backward(x, w, gy, strides, padding, dilation):
    """The same loop nest backwards: each output gradient flows to the pixels and kernel taps
    that made it.  Returns (dx, dw, db)."""
    (top, bottom), (left, right) = padding
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    kh, kw = w.shape[:2]
    for i in range(gy.shape[1]):
        for j in range(gy.shape[2]):
            for di in range(kh):
                for dj in range(kw):
                    r, c = i * strides[0] + di * dilation[0], j * strides[1] + dj * dilation[1]
                    dxp[:, r, c, :] += gy[:, i, j, :] @ w[di, dj].T
                    dw[di, dj] += xp[:, r, c, :].T @ gy[:, i, j, :]
    dx = dxp[:, top:top + x.shape[1], left:left + x.shape[2], :]
    return dx, dw, gy.sum(axis=(0, 1, 2))


@pytest.mark.parametrize("strides,padding,dilation,kernel,channels", [
    ((1, 1), ((0, 0), (0, 0)), (1, 1), (3, 3), 3),
    ((2, 1), ((0, 0), (0, 0)), (1, 1), (3, 2), 3),
    ((2, 2), ((1, 1), (1, 1)), (1, 1), (3, 3), 2),
    ((1, 2), ((1, 0), (2, 1)), (2, 1), (2, 3), 3),      # dilation, asymmetric padding
    ((1, 1), ((2, 2), (2, 2)), (2, 2), (3, 3), 2),      # 'same' for a dilated 3x3
    ((2, 2), ((4, 1), (0, 5)), (1, 1), (2, 3), 2),      # padding wider than the kernel
    ((1, 1), ((1, 1), (0, 1)), (1, 1), (3, 2), 1),      # one channel: the offset-major column path
    ((2, 1), ((0, 0), (1, 1)), (1, 2), (3, 2), 1),
])
def test_conv2d_matches_the_loop_nest(strides, padding, dilation, kernel, channels):
    x, w, b = rand(2, 6, 5, channels), rand(*kernel, channels, 4), rand(4)
    want = conv2d_loops(x, w, b, strides, padding, dilation)
    # without a graph (inference: chunked columns) and with one (training: kept columns)
    np.testing.assert_allclose(F.conv2d(x, w, b, strides, padding, dilation).data, want, rtol=1e-12, atol=1e-12)
    xt, wt, bt = (Tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.conv2d(xt, wt, bt, strides, padding, dilation)
    np.testing.assert_allclose(y.data, want, rtol=1e-12, atol=1e-12)
    gy = rand(*want.shape)
    y.backward(gy)
    for got, ref in zip((xt.grad, wt.grad, bt.grad), conv2d_loops_backward(x, w, gy, strides, padding, dilation)):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


# ----- padding and shape rules

@pytest.mark.parametrize("n,k,s,d,expected", [
    (5, 3, 1, 1, (1, 1)), (5, 2, 1, 1, (0, 1)), (6, 3, 2, 1, (0, 1)), (7, 3, 2, 1, (1, 1)),
    (5, 3, 1, 2, (2, 2)), (4, 1, 3, 1, (0, 0)),
])
def test_same_padding_follows_tensorflow(n, k, s, d, expected):
    assert same_padding(n, k, s, d) == expected


def test_resolve_padding_forms():
    assert resolve_padding("valid", (5, 5), (3, 3)) == ((0, 0), (0, 0))
    assert resolve_padding(1, None, None) == ((1, 1), (1, 1))
    assert resolve_padding((1, 2), None, None) == ((1, 1), (2, 2))
    assert resolve_padding(((0, 1), (2, 3)), None, None) == ((0, 1), (2, 3))
    with pytest.raises(ValueError, match="padding"):
        resolve_padding("full", (5, 5), (3, 3))


@pytest.mark.parametrize("kwargs,in_hw,out_hw", [
    (dict(kernel_size=3), (28, 28), (26, 26)),
    (dict(kernel_size=3, padding="same"), (28, 28), (28, 28)),
    (dict(kernel_size=3, strides=2, padding="same"), (7, 6), (4, 3)),
    (dict(kernel_size=(2, 4), strides=(1, 2)), (7, 6), (6, 2)),
    (dict(kernel_size=3, dilation_rate=2), (9, 9), (5, 5)),
])
def test_conv2d_output_shapes(kwargs, in_hw, out_hw):
    y = Conv2D(5, **kwargs)(np.zeros((2,) + in_hw + (3,), "float32"))
    assert y.shape == (2,) + out_hw + (5,)


@pytest.mark.parametrize("kwargs,in_hw,out_hw", [
    (dict(kernel_size=3, strides=2, padding="same"), (7, 7), (14, 14)),
    (dict(kernel_size=3, strides=2, padding="valid"), (7, 7), (15, 15)),
    (dict(kernel_size=3, strides=2, padding="valid", output_padding=1), (7, 7), (16, 16)),
    (dict(kernel_size=2, strides=2), (4, 5), (8, 10)),
    (dict(kernel_size=3, strides=1, padding="same"), (4, 5), (4, 5)),
])
def test_conv2d_transpose_output_shapes_follow_keras(kwargs, in_hw, out_hw):
    y = Conv2DTranspose(2, **kwargs)(np.zeros((1,) + in_hw + (3,), "float32"))
    assert y.shape == (1,) + out_hw + (2,)


@pytest.mark.parametrize("strides,padding,output_padding", [(2, "same", None), (2, "valid", 1), (3, "same", 2)])
def test_conv2d_transpose_is_the_input_gradient_of_conv2d(strides, padding, output_padding):
    """TensorFlow defines the transposed convolution as conv2d's input gradient; check that directly."""
    x, w = rand(2, 3, 4, 3), rand(3, 3, 2, 3)
    y = F.conv2d_transpose(x, w, None, strides, padding, output_padding).data
    z = Tensor(np.zeros(y.shape), requires_grad=True)
    (F.conv2d(z, w, None, strides, padding) * Tensor(x)).sum().backward()
    np.testing.assert_allclose(y, z.grad, rtol=1e-10, atol=1e-12)


# ----- layers

def test_conv2d_layer_weights_and_params():
    layer = Conv2D(8, 3, input_shape=(10, 10, 3))
    layer.build_from_shape((10, 10, 3))
    assert layer.kernel.shape == (3, 3, 3, 8) and layer.bias.shape == (8,)
    assert layer.count_params() == 3 * 3 * 3 * 8 + 8
    assert Conv2D(4, 3, use_bias=False, groups=2).build_from_shape((6, 6, 4)).count_params() == 3 * 3 * 2 * 4


def test_channels_first_matches_channels_last():
    x = R.standard_normal((2, 7, 6, 3)).astype(np.float32)
    a = Conv2D(4, 3, strides=2, padding="same", activation="relu")
    b = Conv2D(4, 3, strides=2, padding="same", activation="relu", data_format="channels_first")
    ya = a(x)
    b.build_from_shape((3, 7, 6))
    b.set_weights(a.get_weights())
    yb = b(x.transpose(0, 3, 1, 2))
    np.testing.assert_allclose(yb.data.transpose(0, 2, 3, 1), ya.data, rtol=1e-5, atol=1e-6)


def test_depthwise_equals_grouped_conv():
    x = rand(2, 5, 5, 3)
    layer = DepthwiseConv2D(3, depth_multiplier=2, padding="same", dtype="float64")
    y = layer(Tensor(x)).data
    k = layer.depthwise_kernel.data
    ref = np.concatenate([F.conv2d(x[..., c:c + 1], k[:, :, c:c + 1, :], padding="same").data
                          for c in range(3)], axis=-1)
    np.testing.assert_allclose(y, ref, rtol=1e-10)


def test_conv1d_causal_sees_no_future():
    layer = Conv1D(2, 3, padding="causal", dtype="float64")
    x = rand(1, 8, 2)
    y1 = layer(Tensor(x)).data
    x2 = x.copy()
    x2[:, 5:] += 1.0
    y2 = layer(Tensor(x2)).data
    assert y1.shape == (1, 8, 2)
    np.testing.assert_allclose(y1[:, :5], y2[:, :5])
    assert not np.allclose(y1[:, 5:], y2[:, 5:])


def test_conv1d_shapes():
    assert Conv1D(4, 3)(np.zeros((2, 10, 3), "float32")).shape == (2, 8, 4)
    assert Conv1D(4, 3, strides=2, padding="same")(np.zeros((2, 10, 3), "float32")).shape == (2, 5, 4)


def test_conv_layer_gradcheck_float64():
    layer = Conv2D(2, 3, strides=2, padding="same", activation="tanh", dtype="float64")
    x = rand(2, 5, 5, 2)
    layer(Tensor(x))

    def f(x, k, b):
        layer.kernel.data, layer.bias.data = k.data, b.data
        return F.tanh(F.conv2d(x, k, b, 2, "same"))
    assert gradcheck(f, [x, layer.kernel.data.copy(), layer.bias.data.copy()])


def test_batchnorm_over_image_channels():
    x = R.standard_normal((8, 4, 4, 3)).astype(np.float32) * 3 + 5
    bn = BatchNormalization()
    y = bn(x, training=True).data
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(0, 1, 2)), 1, atol=1e-2)
    assert gradcheck(lambda x, g, b: F.batch_norm(x, g, b, axis=-1, training=True)[0],
                     [rand(2, 3, 3, 2), rand(2) + 2, rand(2)])


# ----- errors name the layer

def test_kernel_larger_than_input_is_reported():
    with pytest.raises(ValueError, match=r"Conv2D 'big'.*larger than the input"):
        Conv2D(4, 5, name="big")(np.zeros((1, 3, 3, 1), "float32"))


def test_wrong_channel_count_on_later_call():
    layer = Conv2D(4, 3, name="c1")
    layer(np.zeros((1, 8, 8, 3), "float32"))
    with pytest.raises(ValueError, match=r"Conv2D 'c1'.*size 3"):
        layer(np.zeros((1, 8, 8, 2), "float32"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="groups"):
        Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="4-D"):
        Conv2D(4, 3)(np.zeros((3, 8, 8), "float32"))
    with pytest.raises(ValueError, match="output_padding"):
        Conv2DTranspose(4, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="data_format"):
        Conv2D(4, 3, data_format="nhwc")


def test_smaller_input_on_later_call_is_reported():
    layer = Conv2D(2, 3, name="c2")
    layer(np.zeros((1, 8, 8, 1), "float32"))
    with pytest.raises(ValueError, match=r"Conv2D 'c2'.*larger than the padded input"):
        layer(np.zeros((1, 2, 2, 1), "float32"))


# ----- serialization and learning

def test_cnn_save_and_load_roundtrip(tmp_path):
    model = axon.Sequential([Conv2D(4, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
                             MaxPooling2D(), Conv2DTranspose(2, 3, strides=2, padding="same"), Flatten(),
                             Dense(3)])
    x = R.random((4, 8, 8, 1)).astype(np.float32)
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / "cnn.axon")
    model.save(path)
    again = axon.load_model(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-6)


@pytest.mark.slow
def test_small_cnn_learns_fashion_mnist(fashion_2000):
    x, y = fashion_2000
    x = x.reshape(-1, 28, 28, 1)
    model = axon.Sequential([Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)), MaxPooling2D(),
                             Conv2D(16, 3, activation="relu"), MaxPooling2D(), Flatten(), Dense(10)])
    model.compile(optimizer=axon.optimizers.Adam(learning_rate=3e-3),
                  loss=axon.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    hist = model.fit(x[:1500], y[:1500], epochs=2, batch_size=64, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    _, acc = model.evaluate(x[1500:], y[1500:], verbose=0)
    assert acc > 0.65


def test_threaded_batch_chunks_match_serial(monkeypatch):
    """Large batches split their element-wise work over threads, and batch norm works in blocks;
    force both on small inputs."""
    import axon.ops.parallel as P
    x, w, b = rand(5, 8, 6, 3), rand(3, 3, 3, 4), rand(4)
    x1, w1 = rand(5, 7, 6, 1), rand(2, 3, 1, 4)
    gamma, beta = rand(4), rand(4)

    def run():
        out = []
        for xx, ww, kw in ((x, w, dict(strides=1, padding="same", relu=True)), (x1, w1, dict(strides=2))):
            ts = [Tensor(a, requires_grad=True) for a in (xx, ww, b, gamma, beta)]
            y = F.conv2d(ts[0], ts[1], ts[2], **kw)
            z = F.max_pool2d(y, 2, 1, "same") + F.avg_pool2d(y, 3, 1, "same")
            p = F.max_pool2d(y, 2)  # tiles the 8x6 maps
            n, mean, var = F.batch_norm(y, ts[3], ts[4], training=True)
            ((z * z).sum() + (p * p).sum() + (n * n * y).sum()).backward()
            out += [y.data, z.data, n.data, mean.data, var.data] + [t.grad for t in ts]
        return out

    serial = run()
    monkeypatch.setattr(P, "_PARALLEL_MIN", 0)
    monkeypatch.setitem(P._threads, "n", 3)
    monkeypatch.setattr(P, "_BLOCK", 16)  # batch norm: blocks of two rows of 8
    monkeypatch.setattr(P, "_ROW", 8)
    for a, b_ in zip(run(), serial):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("given, expected", [(None, "18"), ("7", "7")])
def test_import_sets_openblas_spin_unless_user_did(given, expected):
    """Importing axon shortens OpenBLAS's spin wait (before NumPy loads it); a value set by the user wins."""
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    if given is not None:
        env["OPENBLAS_THREAD_TIMEOUT"] = given
    code = "import os, sys, axon; assert 'numpy' in sys.modules; print(os.environ['OPENBLAS_THREAD_TIMEOUT'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected


def test_inference_in_chunks_matches_training_path(monkeypatch):
    """Without a graph the columns are built a few images at a time; the result must not change."""
    import axon.ops.conv as C
    x, w, b = rand(7, 6, 5, 3), rand(3, 2, 3, 4), rand(4)
    with_graph = F.conv2d(Tensor(x, requires_grad=True), w, b, 2, "same", relu=True).data
    monkeypatch.setattr(C, "_CHUNK_ELEMENTS", 400)  # 162 values per image: chunks of 2, 2, 2, 1
    with axon.no_grad():
        chunked = F.conv2d(Tensor(x, requires_grad=True), w, b, 2, "same", relu=True).data
    np.testing.assert_allclose(chunked, with_graph, rtol=1e-12)


def test_first_layer_relu_mask_fused_into_kernel_gradient(monkeypatch):
    """A one-channel first layer (no input gradient) masks the ReLU's gradient block by block inside
    its per-image products; the kernel and bias gradients equal those of the unfused path."""
    import axon.ops.im2col as IM
    monkeypatch.setattr(IM, "_MASK_BLOCK", 120)  # 60 values an image: blocks of two images, a short last one
    x, w, b = rand(5, 6, 5, 1), rand(3, 3, 1, 2), rand(2)

    def grads(x_needs_grad):
        ts = [Tensor(x, requires_grad=x_needs_grad), Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)]
        y = F.conv2d(*ts, strides=1, padding="same", relu=True)
        (y * y).sum().backward()
        assert (y.data == 0).any() and (y.data > 0).any()  # the mask matters
        return ts[1].grad, ts[2].grad

    for fused, unfused in zip(grads(False), grads(True)):
        np.testing.assert_allclose(fused, unfused, rtol=1e-12, atol=1e-12)
