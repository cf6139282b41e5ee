"""Parity with PyTorch: the same ops, activations, losses, layers and optimizer steps on the
same inputs give the same outputs and gradients (float32 rtol 1e-4; float64 1e-9)."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor
from axon.layers import BatchNormalization, Dense, LayerNormalization

torch = pytest.importorskip("torch")
tF = torch.nn.functional

R = np.random.default_rng(21)
N, C = 5, 4
Y_INT = np.array([0, 3, 1, 2, 3])
Y_HOT = np.eye(C)[Y_INT]
Y_SOFT = R.dirichlet(np.ones(C), N)
Y_BIN = R.integers(0, 2, (N, C)).astype(np.float64)
REG_Y = R.normal(0, 1, (N, C))
W = np.random.default_rng(7).uniform(0, 2, N)  # per-sample weights (own generator: R feeds other tests)

TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}


def randn(*shape):
    return lambda: R.normal(0, 1, shape)


def unif(lo, hi, *shape):
    return lambda: R.uniform(lo, hi, shape)


def tt(a, dtype):
    """A constant torch tensor of ``dtype`` (a torch dtype)."""
    return torch.tensor(a, dtype=dtype)


# name: (axon fn, torch fn, input makers); constant targets are closed over.
CASES = {
    "matmul_batched": (F.matmul, torch.matmul, [randn(2, 3, 4), randn(4, 2)]),
    "linear": (F.linear, lambda x, w, b: x @ w + b, [randn(3, 4), randn(4, 2), randn(2)]),
    "pow": (F.pow, torch.pow, [unif(0.5, 2, 3, 4), randn(4)]),
    "div_broadcast": (F.div, torch.div, [randn(3, 4), unif(0.5, 2, 3, 1)]),
    "logsumexp": (lambda x: F.logsumexp(x, 1), lambda x: torch.logsumexp(x, 1), [randn(3, 4)]),
    "var_unbiased": (lambda x: F.var(x, 0, ddof=1), lambda x: torch.var(x, 0, correction=1), [randn(5, 3)]),
    "std": (lambda x: F.std(x, -1, keepdims=True), lambda x: torch.std(x, -1, keepdim=True, correction=0),
            [randn(3, 5)]),
    "amax": (lambda x: F.max(x, 1), lambda x: torch.amax(x, 1), [randn(3, 5)]),
    "getitem_repeated": (lambda x: x[np.array([0, 2, 2])], lambda x: x[torch.tensor([0, 2, 2])], [randn(3, 2)]),
    "sigmoid": (F.sigmoid, torch.sigmoid, [randn(3, 4)]),
    "tanh": (F.tanh, torch.tanh, [randn(3, 4)]),
    "relu": (F.relu, torch.relu, [randn(3, 4)]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda x: tF.leaky_relu(x, 0.1), [randn(3, 4)]),
    "elu": (F.elu, tF.elu, [randn(3, 4)]),
    "selu": (F.selu, tF.selu, [randn(3, 4)]),
    "silu": (F.silu, tF.silu, [randn(3, 4)]),
    "gelu": (F.gelu, tF.gelu, [randn(3, 4)]),
    "gelu_tanh": (lambda x: F.gelu(x, approximate=True), lambda x: tF.gelu(x, approximate="tanh"), [randn(3, 4)]),
    "softplus": (F.softplus, tF.softplus, [randn(3, 4)]),
    "softmax": (F.softmax, lambda x: torch.softmax(x, -1), [randn(3, 4)]),
    "log_softmax": (lambda x: F.log_softmax(x, 0), lambda x: torch.log_softmax(x, 0), [randn(3, 4)]),
    "mse": (lambda p: F.mean_squared_error(REG_Y, p), lambda p: tF.mse_loss(p, tt(REG_Y, p.dtype)),
            [randn(N, C)]),
    "mae": (lambda p: F.mean_absolute_error(REG_Y, p), lambda p: tF.l1_loss(p, tt(REG_Y, p.dtype)),
            [randn(N, C)]),
    "huber": (lambda p: F.huber(REG_Y, p, 0.7), lambda p: tF.huber_loss(p, tt(REG_Y, p.dtype), delta=0.7),
              [randn(N, C)]),
    "bce": (lambda p: F.binary_crossentropy(Y_BIN, p), lambda p: tF.binary_cross_entropy(p, tt(Y_BIN, p.dtype)),
            [unif(0.05, 0.95, N, C)]),
    "bce_logits": (lambda z: F.binary_crossentropy(Y_BIN, z, from_logits=True),
                   lambda z: tF.binary_cross_entropy_with_logits(z, tt(Y_BIN, z.dtype)), [randn(N, C)]),
    "bce_sigmoid_fused": (lambda z: F.binary_crossentropy(Y_BIN, F.sigmoid(z)),
                          lambda z: tF.binary_cross_entropy_with_logits(z, tt(Y_BIN, z.dtype)), [randn(N, C)]),
    "cce_logits_soft": (lambda z: F.categorical_crossentropy(Y_SOFT, z, from_logits=True),
                        lambda z: tF.cross_entropy(z, tt(Y_SOFT, z.dtype)), [randn(N, C)]),
    "cce_softmax_fused": (lambda z: F.categorical_crossentropy(Y_HOT, F.softmax(z)),
                          lambda z: tF.cross_entropy(z, torch.tensor(Y_INT)), [randn(N, C)]),
    "cce_probs": (lambda p: F.categorical_crossentropy(Y_HOT, p),
                  lambda p: -(tt(Y_HOT, p.dtype) * torch.log(p / p.sum(-1, keepdim=True))).sum(-1).mean(),
                  [unif(0.05, 1, N, C)]),
    "sparse_logits": (lambda z: F.sparse_categorical_crossentropy(Y_INT, z, from_logits=True),
                      lambda z: tF.cross_entropy(z, torch.tensor(Y_INT)), [randn(N, C)]),
    "sparse_probs": (lambda p: F.sparse_categorical_crossentropy(Y_INT, p),
                     lambda p: tF.nll_loss(torch.log(p / p.sum(-1, keepdim=True)), torch.tensor(Y_INT)),
                     [unif(0.05, 1, N, C)]),
    "sparse_ignore_index": (lambda z: F.sparse_categorical_crossentropy(Y_INT, z, from_logits=True, ignore_class=3),
                            lambda z: tF.cross_entropy(z, torch.tensor(Y_INT), ignore_index=3), [randn(N, C)]),
    "sparse_weighted": (lambda z: F.sparse_categorical_crossentropy(Y_INT, z, from_logits=True, sample_weight=W),
                        lambda z: (tF.cross_entropy(z, torch.tensor(Y_INT), reduction="none") * tt(W, z.dtype)).mean(),
                        [randn(N, C)]),
    "mse_weighted": (lambda p: F.mean_squared_error(REG_Y, p, sample_weight=W),
                     lambda p: (tF.mse_loss(p, tt(REG_Y, p.dtype), reduction="none").mean(-1) * tt(W, p.dtype)).mean(),
                     [randn(N, C)]),
    "kld": (lambda p: F.kl_divergence(Y_SOFT, p),
            lambda p: tF.kl_div(torch.log(p), tt(Y_SOFT, p.dtype), reduction="batchmean"),
            [unif(0.05, 0.95, N, C)]),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_op_parity(name, dtype):
    fn, tfn, makers = CASES[name]
    arrays = [m().astype(dtype) for m in makers]
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn(*xs), tfn(*ts)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL[dtype])
    proj = R.normal(0, 1, out.shape).astype(dtype)
    (out * Tensor(proj)).sum().backward()
    (tout * torch.tensor(proj)).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad, t.grad.numpy(), **TOL[dtype])


# ----- layers

def test_dense_matches_linear():
    layer = Dense(3, activation="tanh", dtype="float64")
    x = R.normal(0, 1, (4, 5))
    xa = Tensor(x, requires_grad=True)
    y = layer(xa)
    lin = torch.nn.Linear(5, 3).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(layer.kernel.data.T))   # torch stores (out, in)
        lin.bias.copy_(torch.tensor(layer.bias.data))
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.tanh(lin(xt))
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(layer.kernel.grad, lin.weight.grad.numpy().T, rtol=1e-10)
    np.testing.assert_allclose(layer.bias.grad, lin.bias.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(xa.grad, xt.grad.numpy(), rtol=1e-10)


def _bn_pair(c, torch_cls, momentum=0.9, eps=1e-5):
    layer = BatchNormalization(momentum=momentum, epsilon=eps, dtype="float64")
    tbn = torch_cls(c, eps=eps, momentum=1 - momentum).double()
    return layer, tbn


@pytest.mark.parametrize("kind", ["1d", "2d_nhwc", "2d_channels_first_axis1"])
def test_batch_norm_matches_torch_train_and_eval(kind):
    c = 3
    if kind == "1d":
        layer, tbn = _bn_pair(c, torch.nn.BatchNorm1d)
        shape, to_torch = (8, c), lambda a: a
    elif kind == "2d_nhwc":
        layer, tbn = _bn_pair(c, torch.nn.BatchNorm2d)
        shape, to_torch = (4, 3, 2, c), lambda a: np.ascontiguousarray(a.transpose(0, 3, 1, 2))
    else:
        layer = BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, dtype="float64")
        tbn = torch.nn.BatchNorm2d(c, eps=1e-5, momentum=0.1).double()
        shape, to_torch = (4, c, 3, 2), lambda a: a
    gamma, beta = R.uniform(0.5, 1.5, c), R.normal(0, 1, c)
    layer.build_from_shape(shape[1:], dtype=np.float64)
    layer.gamma.data[...] = gamma
    layer.beta.data[...] = beta
    with torch.no_grad():
        tbn.weight.copy_(torch.tensor(gamma))
        tbn.bias.copy_(torch.tensor(beta))
    tbn.train()
    for step in range(3):
        x = R.normal(step, 2.0, shape)
        layer.zero_grad()
        tbn.zero_grad()
        xa = Tensor(x, requires_grad=True)
        y = layer(xa, training=True)
        xt = torch.tensor(to_torch(x), requires_grad=True)
        yt = tbn(xt)
        np.testing.assert_allclose(to_torch(y.data), yt.detach().numpy(), rtol=1e-9, atol=1e-12)
        proj = R.normal(0, 1, shape)
        (y * Tensor(proj)).sum().backward()
        (yt * torch.tensor(to_torch(proj))).sum().backward()
        np.testing.assert_allclose(to_torch(xa.grad), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(layer.gamma.grad, tbn.weight.grad.numpy(), rtol=1e-9)
        np.testing.assert_allclose(layer.beta.grad, tbn.bias.grad.numpy(), rtol=1e-9)
        # running statistics: Axon momentum m is torch momentum 1 - m; both keep the unbiased variance
        np.testing.assert_allclose(layer.moving_mean.data, tbn.running_mean.numpy(), rtol=1e-9)
        np.testing.assert_allclose(layer.moving_variance.data, tbn.running_var.numpy(), rtol=1e-9)
    tbn.eval()
    x = R.normal(0, 1, shape)
    y = layer(Tensor(x), training=False)
    with torch.no_grad():
        yt = tbn(torch.tensor(to_torch(x)))
    np.testing.assert_allclose(to_torch(y.data), yt.numpy(), rtol=1e-9, atol=1e-12)


def test_layer_norm_matches_torch():
    d = 6
    layer = LayerNormalization(epsilon=1e-5, dtype="float64")
    layer.build_from_shape((3, d), dtype=np.float64)
    ln = torch.nn.LayerNorm(d, eps=1e-5).double()
    gamma, beta = R.uniform(0.5, 1.5, d), R.normal(0, 1, d)
    layer.gamma.data[...] = gamma
    layer.beta.data[...] = beta
    with torch.no_grad():
        ln.weight.copy_(torch.tensor(gamma))
        ln.bias.copy_(torch.tensor(beta))
    x = R.normal(1, 3, (2, 3, d))
    xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = layer(xa), ln(xt)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-9, atol=1e-12)
    proj = R.normal(0, 1, x.shape)
    (y * Tensor(proj)).sum().backward()
    (yt * torch.tensor(proj)).sum().backward()
    np.testing.assert_allclose(xa.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.gamma.grad, ln.weight.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(layer.beta.grad, ln.bias.grad.numpy(), rtol=1e-9)


# ----- optimizers: several steps on the same parameters and gradients

O = axon.optimizers
TO = torch.optim
OPTIMIZERS = {
    "sgd": (lambda p: O.SGD(p, 0.1), lambda p: TO.SGD(p, 0.1)),
    "sgd_momentum": (lambda p: O.SGD(p, 0.1, momentum=0.9), lambda p: TO.SGD(p, 0.1, momentum=0.9)),
    "sgd_nesterov": (lambda p: O.SGD(p, 0.1, momentum=0.9, nesterov=True),
                     lambda p: TO.SGD(p, 0.1, momentum=0.9, nesterov=True)),
    "sgd_weight_decay": (lambda p: O.SGD(p, 0.1, momentum=0.5, weight_decay=0.05),
                         lambda p: TO.SGD(p, 0.1, momentum=0.5, weight_decay=0.05)),
    "adagrad": (lambda p: O.Adagrad(p, 0.1, initial_accumulator_value=0.0, epsilon=1e-10),
                lambda p: TO.Adagrad(p, 0.1, eps=1e-10)),
    "adagrad_init_acc": (lambda p: O.Adagrad(p, 0.1, initial_accumulator_value=0.1, epsilon=1e-10),
                         lambda p: TO.Adagrad(p, 0.1, initial_accumulator_value=0.1, eps=1e-10)),
    "rmsprop": (lambda p: O.RMSprop(p, 0.01, rho=0.8, epsilon=1e-8),
                lambda p: TO.RMSprop(p, 0.01, alpha=0.8, eps=1e-8)),
    "rmsprop_centered": (lambda p: O.RMSprop(p, 0.01, rho=0.9, epsilon=1e-8, centered=True),
                         lambda p: TO.RMSprop(p, 0.01, alpha=0.9, eps=1e-8, centered=True)),
    "rmsprop_momentum": (lambda p: O.RMSprop(p, 0.01, momentum=0.7, epsilon=1e-8),
                         lambda p: TO.RMSprop(p, 0.01, alpha=0.9, momentum=0.7, eps=1e-8)),
    "rmsprop_all": (lambda p: O.RMSprop(p, 0.01, rho=0.95, momentum=0.5, centered=True, epsilon=1e-6,
                                        weight_decay=0.01),
                    lambda p: TO.RMSprop(p, 0.01, alpha=0.95, momentum=0.5, centered=True, eps=1e-6,
                                         weight_decay=0.01)),
    "adam": (lambda p: O.Adam(p, 0.01), lambda p: TO.Adam(p, 0.01)),
    "adam_betas_eps": (lambda p: O.Adam(p, 0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-6),
                       lambda p: TO.Adam(p, 0.02, betas=(0.8, 0.99), eps=1e-6)),
    "adam_amsgrad": (lambda p: O.Adam(p, 0.01, amsgrad=True), lambda p: TO.Adam(p, 0.01, amsgrad=True)),
    "adam_weight_decay": (lambda p: O.Adam(p, 0.01, weight_decay=0.1), lambda p: TO.Adam(p, 0.01, weight_decay=0.1)),
    "adamw": (lambda p: O.AdamW(p, 0.01, weight_decay=0.1), lambda p: TO.AdamW(p, 0.01, weight_decay=0.1)),
    "adamw_amsgrad": (lambda p: O.AdamW(p, 0.01, weight_decay=0.05, amsgrad=True),
                      lambda p: TO.AdamW(p, 0.01, weight_decay=0.05, amsgrad=True)),
    "adam_lr_keyword": (lambda p: O.Adam(p, lr=0.03), lambda p: TO.Adam(p, lr=0.03)),
}


def _run_steps(make_axon, make_torch, steps=6, clip=None):
    shapes = [(3, 2), (2,)]
    init = [R.normal(0, 1, s) for s in shapes]
    grads = [[R.normal(0, 2, s) for s in shapes] for _ in range(steps)]
    ps = [Tensor(a.copy(), requires_grad=True) for a in init]
    tps = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    opt, topt = make_axon(ps), make_torch(tps)
    for gs in grads:
        for p, tp, g in zip(ps, tps, gs):
            p.grad = g.copy()
            tp.grad = torch.tensor(g)
        opt.step()
        opt.zero_grad()
        if clip is not None:
            clip(tps)
        topt.step()
        topt.zero_grad()
        for p, tp in zip(ps, tps):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert opt.iterations == steps
    assert all(p.grad is None for p in ps)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_matches_torch(name):
    _run_steps(*OPTIMIZERS[name])


def _per_tensor_norm(max_norm):
    def clip(ps):
        for p in ps:
            torch.nn.utils.clip_grad_norm_([p], max_norm)
    return clip


@pytest.mark.parametrize("name,kwargs,clip", [
    ("clipnorm", dict(clipnorm=1.0), _per_tensor_norm(1.0)),
    ("global_clipnorm", dict(global_clipnorm=1.5), lambda ps: torch.nn.utils.clip_grad_norm_(ps, 1.5)),
    ("clipvalue", dict(clipvalue=0.5), lambda ps: torch.nn.utils.clip_grad_value_(ps, 0.5)),
])
def test_gradient_clipping_matches_torch(name, kwargs, clip):
    # torch divides by (norm + 1e-6): compare at a tolerance that allows for that (a relative 1e-6 of
    # each clipped step, up to 1 here); a generator of its own, so the draws do not depend on which
    # tests ran before
    R = np.random.default_rng(7)
    shapes = [(3, 2), (2,)]
    ps = [Tensor(R.normal(0, 1, s), requires_grad=True) for s in shapes]
    tps = [torch.tensor(p.data.copy(), requires_grad=True) for p in ps]
    opt = O.SGD(ps, 1.0, **kwargs)
    topt = TO.SGD(tps, 1.0)
    for _ in range(3):
        for p, tp in zip(ps, tps):
            g = R.normal(0, 3, p.shape)
            p.grad, tp.grad = g.copy(), torch.tensor(g)
        opt.step()
        clip(tps)
        topt.step()
        for p, tp in zip(ps, tps):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-6, atol=2e-6)
