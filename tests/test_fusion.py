"""Rectifier fusion: batch norm or a linear convolution followed by ReLU / LeakyReLU runs as one op.

A Sequential model hands the rectifier's slope to the layer before it (``rectify=``); the pair's
outputs, gradients and moving statistics must be bitwise those of calling the layers one by one.
"""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor, gradcheck, layers as L
from axon.hooks import FunctionHook
from axon.models import Sequential

R = np.random.default_rng(7)


class OpNames(FunctionHook):
    def __init__(self):
        self.seen = []

    def forward_postprocess(self, function, in_arrays, out_arrays):
        self.seen.append(type(function).__name__)


def _run(model, x, fused, training):
    """Output, input gradient and weight gradients of one forward/backward, either through the
    model (fused pairs) or layer by layer (no fusion)."""
    xt = Tensor(x, requires_grad=True)
    y = xt
    if fused:
        y = model(xt, training=training)
    else:
        for layer in model.layers:
            y = layer(y, training=training)
    (y * y).sum().backward()
    out = [y.data, xt.grad] + [w.grad for w in model.trainable_weights]
    for w in model.trainable_weights:
        w.grad = None
    return out


def _same_both_ways(model, x, training):
    start = [w.data.copy() for w in model.weights]
    fused = _run(model, x, True, training)
    after = [w.data.copy() for w in model.weights]
    for w, v in zip(model.weights, start):
        w.data[...] = v
    plain = _run(model, x, False, training)
    for a, b in zip(fused, plain):
        assert np.array_equal(a, b)
    for a, w in zip(after, model.weights):  # moving mean and variance moved the same way
        assert np.array_equal(a, w.data)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("training", [True, False])
def test_fused_pairs_match_the_layers_one_by_one(dtype, channels, training):
    model = Sequential([
        L.Input((12, 12, channels)),
        L.Conv2D(6, 4, strides=2, padding="same"), L.LeakyReLU(0.2),         # one-channel path when C = 1
        L.DepthwiseConv2D(3, padding="same"), L.ReLU(),                        # grouped path
        L.Conv2D(8, 3, padding="same", use_bias=False), L.BatchNormalization(), L.LeakyReLU(0.2),
        L.Conv2D(4, 3, strides=2), L.Activation("relu"),                       # chunked path, strided
        L.Flatten(), L.Dense(6), L.BatchNormalization(momentum=0.5), L.ReLU(),
        L.Dense(3)])
    for w in model.weights:
        w.data = w.data.astype(dtype)
    x = R.standard_normal((40, 12, 12, channels)).astype(dtype)
    _same_both_ways(model, x, training)


def test_a_fused_model_runs_no_separate_rectifier_op():
    model = Sequential([L.Input((6, 6, 2)), L.Conv2D(4, 3), L.LeakyReLU(0.2), L.BatchNormalization(), L.ReLU(),
                        L.Flatten(), L.Dense(2)])
    with OpNames() as names:
        model(np.zeros((2, 6, 6, 2), "float32"), training=True)
    assert names.seen == ["Conv2D", "BatchNorm", "Reshape", "Linear"]


@pytest.mark.parametrize("pair", [
    lambda: [L.Dense(4, activity_regularizer="l2"), L.BatchNormalization(activity_regularizer="l2"), L.ReLU()],
    lambda: [L.Dense(4), L.BatchNormalization(), L.ReLU(max_value=6.0)],        # a cap is not a rectifier
    lambda: [L.Dense(4), L.BatchNormalization(), L.LeakyReLU(1.5)],             # a slope above 1 is not
    lambda: [L.Dense(4), L.BatchNormalization(), L.Activation("tanh")],
])
def test_pairs_that_are_not_fused_run_their_own_op(pair):
    model = Sequential([L.Input((5,))] + pair())
    with OpNames() as names:
        model(np.ones((3, 5), "float32"), training=True)
    assert names.seen[-1] != "BatchNorm"


def test_a_convolution_with_its_own_activation_or_a_subclassed_rectifier_is_not_fused():
    class Shifted(L.ReLU):
        def call(self, x):
            return super().call(x) + 1.0

    for layers, last in (([L.Conv2D(2, 3, activation="tanh"), L.ReLU()], "ReLU"),
                         ([L.Conv2D(2, 3), Shifted()], "Add")):
        model = Sequential([L.Input((5, 5, 1))] + layers)
        with OpNames() as names:
            y = model(np.ones((2, 5, 5, 1), "float32"))
        assert names.seen[-1] == last
        if last == "Add":
            assert float(y.data.min()) >= 1.0


def test_batch_norm_rectified_gradcheck():
    def rand(*shape):
        return R.normal(0, 1, shape)
    gamma, beta = R.uniform(0.5, 1.5, 3), R.normal(0, 1, 3)
    for slope in (0.0, 0.2):
        for shape, axis in (((5, 3), -1), ((2, 3, 3, 3), -1), ((2, 3, 2, 2), 1)):
            assert gradcheck(lambda x, g, b: F.batch_norm(x, g, b, axis=axis, training=True, slope=slope)[0],
                             [rand(*shape), gamma.copy(), beta.copy()])
        mean, var = rand(3), R.uniform(0.5, 2, 3)
        assert gradcheck(lambda x, g, b: F.batch_norm(x, g, b, mean, var, training=False, slope=slope),
                         [rand(4, 3), gamma.copy(), beta.copy()])


@pytest.mark.parametrize("case", [dict(c=1, strides=2), dict(c=3, strides=1), dict(c=3, strides=2),
                                  dict(c=4, strides=1, groups=2)])
def test_convolution_leaky_rectified_gradcheck(case):
    c, groups = case["c"], case.get("groups", 1)
    x = R.normal(0, 1, (2, 6, 6, c))
    w = R.normal(0, 0.5, (3, 3, c // groups, 4))
    b = R.normal(0, 0.5, 4)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, case["strides"], "same", groups=groups, slope=0.2), [x, w, b])


def test_rectifier_slope_out_of_range_is_refused_by_name():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="batch_norm: slope must be in"):
        F.batch_norm(x, np.ones(3), np.zeros(3), slope=1.5)
    with pytest.raises(ValueError, match="conv2d: slope must be in"):
        F.conv2d(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 1)), slope=-0.1)


def test_batch_norm_leaky_relu_matches_torch():
    torch = pytest.importorskip("torch")
    x = R.normal(1.0, 2.0, (6, 4, 4, 3))
    gamma, beta, proj = R.uniform(0.5, 1.5, 3), R.normal(0, 1, 3), R.normal(0, 1, x.shape)
    xa, ga, ba = (Tensor(v, requires_grad=True) for v in (x, gamma, beta))
    y = F.batch_norm(xa, ga, ba, eps=1e-5, training=True, slope=0.2)[0]
    (y * Tensor(proj)).sum().backward()
    nchw = lambda a: np.ascontiguousarray(a.transpose(0, 3, 1, 2))  # noqa: E731
    xt, gt, bt = (torch.tensor(v, requires_grad=True) for v in (nchw(x), gamma, beta))
    yt = torch.nn.functional.leaky_relu(torch.nn.functional.batch_norm(xt, None, None, gt, bt, training=True,
                                                                       eps=1e-5), 0.2)
    (yt * torch.tensor(nchw(proj))).sum().backward()
    np.testing.assert_allclose(nchw(y.data), yt.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(nchw(xa.grad), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ga.grad, gt.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(ba.grad, bt.grad.numpy(), rtol=1e-9)


def test_fused_dcgan_discriminator_learns():
    """The zoo DCGAN's discriminator pattern (conv + leaky, conv + BN + leaky) trained as a
    classifier through the fused path: the loss falls."""
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (64, 8, 8, 1)).astype("float32")
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype("float32")[:, None]
    axon.utils.set_random_seed(0)
    model = Sequential([L.Input((8, 8, 1)), L.Conv2D(8, 4, strides=2, padding="same"), L.LeakyReLU(0.2),
                        L.Conv2D(16, 4, strides=2, padding="same", use_bias=False), L.BatchNormalization(),
                        L.LeakyReLU(0.2), L.Flatten(), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=axon.optimizers.Adam(1e-2), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < 0.5 * history[0]


@pytest.mark.parametrize("slope", [0.0, 0.2])
def test_rectifier_ops_over_several_blocks_match_their_formula(slope):
    """ReLU and LeakyReLU (and the fused ops through the same block helpers) on an array of many
    cache-sized blocks: y = where(x > 0, x, slope x), dx = where(x > 0, g, slope g)."""
    x = R.standard_normal((3, 300, 401)).astype("float32")
    g = R.standard_normal(x.shape).astype("float32")
    xt = Tensor(x, requires_grad=True)
    y = F.relu(xt) if slope == 0 else F.leaky_relu(xt, slope)
    y.backward(g)
    np.testing.assert_array_equal(y.data, np.where(x > 0, x, np.float32(slope) * x))
    np.testing.assert_array_equal(xt.grad, np.where(x > 0, g, np.float32(slope) * g))
