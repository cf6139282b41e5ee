"""PyTorch parity of convolution, transposed convolution, pooling and upsampling (float32).

Outputs and gradients (input, kernel, bias) are compared with the same
numbers in PyTorch.  Layouts: Axon NHWC and kernels (kh, kw, in, out) / for
the transpose (kh, kw, out, in); PyTorch NCHW and (out, in, kh, kw) / (in,
out, kh, kw).  TensorFlow's 'same' padding (extra pixel bottom/right) is
mirrored with an explicit ``F.pad``.
"""
import itertools

import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor
from axon.ops.conv import resolve_padding, pair
from axon.ops.conv_transpose import deconv_output_size

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RTOL, ATOL = 1e-4, 1e-5
R = np.random.default_rng(11)


def nchw(a, grad=False):
    return torch.tensor(np.ascontiguousarray(a.transpose(0, 3, 1, 2)), requires_grad=grad)


def nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


def tpad(pad):
    (t, b), (l, r) = pad
    return (l, r, t, b)


def run_axon(fn, arrays, gy):
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts)
    (y * Tensor(gy)).sum().backward()
    return y.data, [t.grad for t in ts]


CONV_GRID = [(s, p, d, k, g, 4) for s, p, d, k, g in itertools.product(
    (1, 2), ("valid", "same"), (1, 2), ((3, 3), (2, 2), (1, 3)), (1, 2)) if not (s == 2 and d == 2)]
CONV_GRID += [(1, "same", 1, (3, 3), 1, 1), (2, "same", 1, (2, 2), 1, 1), (1, "valid", 2, (3, 3), 1, 1)]


@pytest.mark.parametrize("strides,padding,dilation,kernel,groups,channels", CONV_GRID)
def test_conv2d_parity(strides, padding, dilation, kernel, groups, channels):
    x = R.standard_normal((2, 7, 6, channels), dtype=np.float32)
    w = R.standard_normal(kernel + (channels // groups, 6), dtype=np.float32)
    b = R.standard_normal(6, dtype=np.float32)
    pad = resolve_padding(padding, (7, 6), kernel, (strides,) * 2, (dilation,) * 2)
    tx, tw, tb = nchw(x, True), torch.tensor(w.transpose(3, 2, 0, 1).copy(), requires_grad=True), \
        torch.tensor(b, requires_grad=True)
    ty = TF.conv2d(TF.pad(tx, tpad(pad)), tw, tb, strides, 0, dilation, groups)
    gy = R.standard_normal(nhwc(ty).shape, dtype=np.float32)
    (ty * nchw(gy)).sum().backward()
    y, (gx, gw, gb) = run_axon(lambda x, w, b: F.conv2d(x, w, b, strides, padding, dilation, groups), [x, w, b], gy)
    close(y, nhwc(ty))
    close(gx, nhwc(tx.grad))
    close(gw, tw.grad.numpy().transpose(2, 3, 1, 0))
    close(gb, tb.grad.numpy())


@pytest.mark.parametrize("strides,padding,output_padding,kernel,dilation", [
    (1, "valid", None, (3, 3), 1), (1, "same", None, (3, 3), 1), (2, "same", None, (3, 3), 1),
    (2, "valid", None, (3, 3), 1), (2, "valid", 1, (3, 3), 1), (2, "same", 1, (3, 3), 1),
    (2, "same", None, (2, 2), 1), (2, "valid", None, (1, 3), 1), (3, "valid", None, (2, 2), 1),
    (1, "same", None, (3, 3), 2), (1, "valid", None, (2, 3), 2),
])
def test_conv2d_transpose_parity(strides, padding, output_padding, kernel, dilation):
    """PyTorch computes the full transposed convolution; Keras crops it by its padding rule."""
    x = R.standard_normal((2, 4, 5, 3), dtype=np.float32)
    w = R.standard_normal(kernel + (2, 3), dtype=np.float32)
    b = R.standard_normal(2, dtype=np.float32)
    tx, tw, tb = nchw(x, True), torch.tensor(w.transpose(3, 2, 0, 1).copy(), requires_grad=True), \
        torch.tensor(b, requires_grad=True)
    full = TF.conv_transpose2d(tx, tw, None, strides, 0, 0, 1, dilation)
    (lh, oh), (lw, ow) = [deconv_output_size(n, k, strides, dilation, padding, output_padding)
                          for n, k in zip((4, 5), kernel)]
    full = TF.pad(full, (0, max(0, ow + lw - full.shape[3]), 0, max(0, oh + lh - full.shape[2])))
    ty = full[:, :, oh:oh + lh, ow:ow + lw] + tb[:, None, None]
    gy = R.standard_normal(nhwc(ty).shape, dtype=np.float32)
    (ty * nchw(gy)).sum().backward()
    y, (gx, gw, gb) = run_axon(
        lambda x, w, b: F.conv2d_transpose(x, w, b, strides, padding, output_padding, dilation), [x, w, b], gy)
    close(y, nhwc(ty))
    close(gx, nhwc(tx.grad))
    close(gw, tw.grad.numpy().transpose(2, 3, 1, 0))
    close(gb, tb.grad.numpy())


def test_conv2d_transpose_symmetric_case_matches_torch_padding():
    """Keras 'same', kernel 4, stride 2 is PyTorch's padding=1 (the DCGAN generator layer)."""
    x = R.standard_normal((2, 5, 5, 3), dtype=np.float32)
    w = R.standard_normal((4, 4, 2, 3), dtype=np.float32)
    ty = TF.conv_transpose2d(nchw(x), torch.tensor(w.transpose(3, 2, 0, 1).copy()), None, 2, 1)
    close(F.conv2d_transpose(x, w, None, 2, "same").data, nhwc(ty))


POOL_GRID = [(2, None, "valid"), (2, None, "same"), (3, 1, "valid"), (3, 2, "same"), ((2, 3), (2, 1), "valid"),
             (3, None, "valid")]


@pytest.mark.parametrize("pool,strides,padding", POOL_GRID)
@pytest.mark.parametrize("hw", [(7, 6), (8, 8)])
def test_max_pool_parity(pool, strides, padding, hw):
    x = R.standard_normal((2,) + hw + (3,), dtype=np.float32)
    p = pair(pool)
    s = p if strides is None else pair(strides)
    pad = resolve_padding(padding, hw, p, s)
    tx = nchw(x, True)
    ty = TF.max_pool2d(TF.pad(tx, tpad(pad), value=-np.inf), p, s)
    gy = R.standard_normal(nhwc(ty).shape, dtype=np.float32)
    (ty * nchw(gy)).sum().backward()
    y, (gx,) = run_axon(lambda x: F.max_pool2d(x, pool, strides, padding), [x], gy)
    close(y, nhwc(ty))
    close(gx, nhwc(tx.grad))


@pytest.mark.parametrize("pool,strides,padding", POOL_GRID)
@pytest.mark.parametrize("hw", [(7, 6), (8, 8)])
def test_avg_pool_parity(pool, strides, padding, hw):
    """'same' divides by the real pixels under each window: sum-pool over count-pool in PyTorch."""
    x = R.standard_normal((2,) + hw + (3,), dtype=np.float32)
    p = pair(pool)
    s = p if strides is None else pair(strides)
    pad = tpad(resolve_padding(padding, hw, p, s))
    tx = nchw(x, True)
    ty = TF.avg_pool2d(TF.pad(tx, pad), p, s) / TF.avg_pool2d(TF.pad(torch.ones_like(tx), pad), p, s)
    gy = R.standard_normal(nhwc(ty).shape, dtype=np.float32)
    (ty * nchw(gy)).sum().backward()
    y, (gx,) = run_axon(lambda x: F.avg_pool2d(x, pool, strides, padding), [x], gy)
    close(y, nhwc(ty))
    close(gx, nhwc(tx.grad))


def test_max_pool_ties_after_relu_match_torch():
    """After ReLU many windows are all zero; the gradient must go to one pixel, the first, as PyTorch."""
    x = np.maximum(R.standard_normal((2, 8, 8, 3), dtype=np.float32), 0)
    x[0, :4, :4, :] = 0
    tx = nchw(x, True)
    ty = TF.max_pool2d(tx, 2)
    ty.sum().backward()
    y, (gx,) = run_axon(lambda x: F.max_pool2d(x, 2), [x], np.ones(nhwc(ty).shape, np.float32))
    close(gx, nhwc(tx.grad))


@pytest.mark.parametrize("fn,tfn", [(F.global_avg_pool2d, lambda t: t.mean(dim=(2, 3))),
                                    (F.global_max_pool2d, lambda t: t.amax(dim=(2, 3)))])
def test_global_pool_parity(fn, tfn):
    x = R.standard_normal((2, 5, 4, 3), dtype=np.float32)
    tx = nchw(x, True)
    ty = tfn(tx)
    gy = R.standard_normal(ty.shape, dtype=np.float32)
    (ty * torch.tensor(gy)).sum().backward()
    y, (gx,) = run_axon(fn, [x], gy)
    close(y, ty.detach().numpy())
    close(gx, nhwc(tx.grad))


@pytest.mark.parametrize("interpolation,size", [("nearest", (2, 2)), ("nearest", (2, 3)), ("bilinear", (2, 2)),
                                                ("bilinear", (3, 2))])
def test_upsampling_parity(interpolation, size):
    x = R.standard_normal((2, 4, 5, 3), dtype=np.float32)
    tx = nchw(x, True)
    extra = {"align_corners": False} if interpolation == "bilinear" else {}
    ty = TF.interpolate(tx, scale_factor=size, mode=interpolation, **extra)
    gy = R.standard_normal(nhwc(ty).shape, dtype=np.float32)
    (ty * nchw(gy)).sum().backward()
    y, (gx,) = run_axon(lambda x: F.upsample2d(x, size, interpolation), [x], gy)
    close(y, nhwc(ty))
    close(gx, nhwc(tx.grad))


def test_cnn_layers_parity_with_torch_model():
    """A whole small CNN (Conv-ReLU-Pool-Conv-ReLU-Pool-Dense) with copied weights: logits and weight grads."""
    from axon.layers import Conv2D, MaxPooling2D, Flatten, Dense
    model = axon.Sequential([Conv2D(4, 3, padding="same", activation="relu", input_shape=(8, 8, 2)),
                             MaxPooling2D(), Conv2D(6, 3, strides=1, padding="same", activation="relu"),
                             MaxPooling2D(), Flatten(), Dense(5)])
    x = R.standard_normal((3, 8, 8, 2), dtype=np.float32)
    model.predict(x, verbose=0)
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1),
                        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(24, 5))
    c1, c2, d = model.layers[0], model.layers[2], model.layers[5]
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(c1.kernel.data.transpose(3, 2, 0, 1)))
        net[0].bias.copy_(torch.tensor(c1.bias.data))
        net[3].weight.copy_(torch.tensor(c2.kernel.data.transpose(3, 2, 0, 1)))
        net[3].bias.copy_(torch.tensor(c2.bias.data))
        # Axon flattens NHWC, PyTorch NCHW: permute the dense rows accordingly
        k = d.kernel.data.reshape(2, 2, 6, 5).transpose(2, 0, 1, 3).reshape(24, 5)
        net[7].weight.copy_(torch.tensor(k.T.copy()))
        net[7].bias.copy_(torch.tensor(d.bias.data))
    out = model(Tensor(x))
    out.sum().backward()
    tout = net(nchw(x))
    tout.sum().backward()
    close(out.data, tout.detach().numpy())
    close(c1.kernel.grad, net[0].weight.grad.numpy().transpose(2, 3, 1, 0))
    close(c2.kernel.grad, net[3].weight.grad.numpy().transpose(2, 3, 1, 0))
    close(c2.bias.grad, net[3].bias.grad.numpy())


@pytest.mark.parametrize("kernel,dilation,strides", [(3, 1, 1), (3, 2, 1), (2, 3, 2), (1, 1, 1)])
def test_conv1d_causal_matches_torch_with_left_padding(kernel, dilation, strides):
    """Keras's 'causal' padding: dilation * (kernel - 1) zeros on the left only, then 'valid'."""
    from axon.layers import Conv1D
    layer = Conv1D(3, kernel, strides=strides, padding="causal", dilation_rate=dilation,
                   bias_initializer="random_normal")
    x = R.normal(0, 1, (2, 9, 4)).astype(np.float32)
    tx_ = Tensor(x, requires_grad=True)
    y = layer(tx_)
    tx = torch.tensor(x.transpose(0, 2, 1), requires_grad=True)
    tw = torch.tensor(layer.kernel.data.transpose(2, 1, 0), requires_grad=True)   # (out, in, k)
    tb = torch.tensor(layer.bias.data, requires_grad=True)
    ty = TF.conv1d(TF.pad(tx, (dilation * (kernel - 1), 0)), tw, tb, stride=strides, dilation=dilation)
    close(y.data, ty.detach().numpy().transpose(0, 2, 1))
    g = R.normal(0, 1, y.shape).astype(np.float32)
    (y * Tensor(g)).sum().backward()
    (ty * torch.tensor(g.transpose(0, 2, 1))).sum().backward()
    close(tx_.grad, tx.grad.numpy().transpose(0, 2, 1))
    close(layer.kernel.grad, tw.grad.numpy().transpose(2, 1, 0))
    close(layer.bias.grad, tb.grad.numpy())
