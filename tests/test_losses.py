"""Losses: float64 gradchecks of both the probability and the logits paths, values computed by
hand, the fused softmax/sigmoid + cross-entropy path, the Loss classes and their aliases."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor, gradcheck
from axon.ops.activations import Softmax, Sigmoid

R = np.random.default_rng(5)
N, C = 4, 3
Y_INT = np.array([0, 2, 1, 2])
Y_HOT = np.eye(C)[Y_INT]
Y_SOFT = R.dirichlet(np.ones(C), N)
Y_BIN = np.array([[1.0], [0.0], [1.0], [0.0]])
PROBS = R.uniform(0.1, 0.9, (N, C))          # not normalised on purpose
P_BIN = R.uniform(0.1, 0.9, (N, 1))
LOGITS = R.normal(0, 2, (N, C))
Z_BIN = R.normal(0, 2, (N, 1))
REG_Y = R.normal(0, 1, (N, 2))
W = np.array([0.5, 2.0, 0.0, 1.5])           # one weight per sample
REG_P = REG_Y + np.array([[0.5, -0.3], [-1.7, 0.2], [2.5, -0.4], [0.15, 1.2]])   # no |d| near 0 or delta


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


GRAD_CASES = {
    "mse": (lambda p: F.mean_squared_error(REG_Y, p), [REG_P]),
    "mae": (lambda p: F.mean_absolute_error(REG_Y, p), [REG_P]),
    "huber": (lambda p: F.huber(REG_Y, p, delta=1.0), [REG_P]),
    "bce_probs": (lambda p: F.binary_crossentropy(Y_BIN, p), [P_BIN]),
    "bce_logits": (lambda z: F.binary_crossentropy(Y_BIN, z, from_logits=True), [Z_BIN]),
    "bce_fused_sigmoid": (lambda z: F.binary_crossentropy(Y_BIN, F.sigmoid(z)), [Z_BIN]),
    "cce_probs": (lambda p: F.categorical_crossentropy(Y_HOT, p), [PROBS]),
    "cce_probs_soft_targets": (lambda p: F.categorical_crossentropy(Y_SOFT, p), [PROBS]),
    "cce_logits": (lambda z: F.categorical_crossentropy(Y_SOFT, z, from_logits=True), [LOGITS]),
    "cce_fused_softmax": (lambda z: F.categorical_crossentropy(Y_HOT, F.softmax(z)), [LOGITS]),
    "sparse_probs": (lambda p: F.sparse_categorical_crossentropy(Y_INT, p), [PROBS]),
    "sparse_logits": (lambda z: F.sparse_categorical_crossentropy(Y_INT, z, from_logits=True), [LOGITS]),
    "sparse_fused_softmax": (lambda z: F.sparse_categorical_crossentropy(Y_INT, F.softmax(z)), [LOGITS]),
    "sparse_sequence_logits": (lambda z: F.sparse_categorical_crossentropy(np.array([[0, 1], [2, 2]]), z,
                                                                          from_logits=True),
                               [R.normal(0, 1, (2, 2, 3))]),
    "kld": (lambda p: F.kl_divergence(Y_SOFT, p), [PROBS]),
    # per-sample weights and ignored targets
    "mse_weighted": (lambda p: F.mean_squared_error(REG_Y, p, sample_weight=W), [REG_P]),
    "mae_weighted": (lambda p: F.mean_absolute_error(REG_Y, p, sample_weight=W), [REG_P]),
    "huber_weighted": (lambda p: F.huber(REG_Y, p, sample_weight=W), [REG_P]),
    "bce_probs_weighted": (lambda p: F.binary_crossentropy(Y_BIN, p, sample_weight=W), [P_BIN]),
    "bce_logits_weighted": (lambda z: F.binary_crossentropy(Y_BIN, z, from_logits=True, sample_weight=W),
                            [Z_BIN]),
    "cce_probs_weighted": (lambda p: F.categorical_crossentropy(Y_SOFT, p, sample_weight=W), [PROBS]),
    "cce_logits_weighted": (lambda z: F.categorical_crossentropy(Y_SOFT, z, from_logits=True, sample_weight=W),
                            [LOGITS]),
    "sparse_logits_weighted": (lambda z: F.sparse_categorical_crossentropy(Y_INT, z, from_logits=True,
                                                                           sample_weight=W), [LOGITS]),
    "sparse_ignore_class": (lambda z: F.sparse_categorical_crossentropy(Y_INT, z, from_logits=True,
                                                                        ignore_class=2), [LOGITS]),
    "sparse_sequence_ignore_weighted": (
        lambda z: F.sparse_categorical_crossentropy(np.array([[0, 1], [2, 0]]), z, from_logits=True,
                                                    ignore_class=0, sample_weight=np.array([0.5, 2.0])),
        [R.normal(0, 1, (2, 2, 3))]),
    "kld_weighted": (lambda p: F.kl_divergence(Y_SOFT, p, sample_weight=W), [PROBS]),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradcheck(name):
    fn, inputs = GRAD_CASES[name]
    assert gradcheck(fn, inputs)


def value(t):
    return float(t.data)


def test_values_by_hand():
    d = REG_P - REG_Y
    assert value(F.mean_squared_error(REG_Y, Tensor(REG_P))) == pytest.approx(np.mean(d ** 2), rel=1e-12)
    assert value(F.mean_absolute_error(REG_Y, Tensor(REG_P))) == pytest.approx(np.mean(np.abs(d)), rel=1e-12)
    hub = np.where(np.abs(d) <= 1, 0.5 * d ** 2, np.abs(d) - 0.5)
    assert value(F.huber(REG_Y, Tensor(REG_P))) == pytest.approx(hub.mean(), rel=1e-12)
    bce = -(Y_BIN * np.log(P_BIN) + (1 - Y_BIN) * np.log(1 - P_BIN)).mean()
    assert value(F.binary_crossentropy(Y_BIN, Tensor(P_BIN))) == pytest.approx(bce, rel=1e-12)
    assert value(F.binary_crossentropy(Y_BIN, Tensor(Z_BIN), from_logits=True)) == pytest.approx(
        -(Y_BIN * np.log(1 / (1 + np.exp(-Z_BIN))) + (1 - Y_BIN) * np.log(1 - 1 / (1 + np.exp(-Z_BIN)))).mean())
    q = PROBS / PROBS.sum(-1, keepdims=True)
    assert value(F.categorical_crossentropy(Y_HOT, Tensor(PROBS))) == pytest.approx(
        -(Y_HOT * np.log(q)).sum(-1).mean(), rel=1e-12)
    assert value(F.categorical_crossentropy(Y_SOFT, Tensor(LOGITS), from_logits=True)) == pytest.approx(
        -(Y_SOFT * np.log(softmax(LOGITS))).sum(-1).mean(), rel=1e-12)
    assert value(F.sparse_categorical_crossentropy(Y_INT, Tensor(LOGITS), from_logits=True)) == pytest.approx(
        -np.log(softmax(LOGITS)[np.arange(N), Y_INT]).mean(), rel=1e-12)
    assert value(F.sparse_categorical_crossentropy(Y_INT, Tensor(PROBS))) == pytest.approx(
        -np.log(q[np.arange(N), Y_INT]).mean(), rel=1e-12)
    assert value(F.kl_divergence(Y_SOFT, Tensor(q))) == pytest.approx(
        (Y_SOFT * np.log(Y_SOFT / q)).sum(-1).mean(), rel=1e-12)


@pytest.mark.parametrize("loss", [F.mean_squared_error, F.mean_absolute_error, F.huber, F.binary_crossentropy])
def test_column_and_flat_targets_mean_the_same(loss):
    y, p = Y_BIN[:, 0], P_BIN[:, 0]
    ref = value(loss(y, Tensor(p)))
    for yy, pp in [(y[:, None], p), (y, p[:, None]), (y[:, None], p[:, None])]:
        pt = Tensor(pp, requires_grad=True)
        out = loss(yy, pt)
        assert value(out) == pytest.approx(ref, rel=1e-12)
        out.backward()
        assert pt.grad.shape == pp.shape


def test_sparse_and_categorical_agree():
    a = F.sparse_categorical_crossentropy(Y_INT, Tensor(LOGITS), from_logits=True)
    b = F.categorical_crossentropy(Y_HOT, Tensor(LOGITS), from_logits=True)
    assert value(a) == pytest.approx(value(b), rel=1e-12)
    # labels as (N, 1) column and as whole-number floats are accepted too
    assert value(F.sparse_categorical_crossentropy(Y_INT[:, None], Tensor(LOGITS), from_logits=True)) == \
        pytest.approx(value(a), rel=1e-12)
    assert value(F.sparse_categorical_crossentropy(Y_INT.astype(float), Tensor(LOGITS), from_logits=True)) == \
        pytest.approx(value(a), rel=1e-12)


@pytest.mark.parametrize("loss,act", [(F.categorical_crossentropy, F.softmax),
                                      (F.sparse_categorical_crossentropy, F.softmax),
                                      (F.binary_crossentropy, F.sigmoid)])
def test_fused_path_uses_the_logits(loss, act):
    """softmax/sigmoid followed by cross-entropy is one op on the logits, as in Keras: exact for
    saturated outputs where the probability path would be clipped at log(1e-7)."""
    if act is F.sigmoid:
        z, y = np.array([[60.0], [-60.0]]), np.array([[0.0], [1.0]])
    else:
        z, y = np.array([[60.0, 0.0, 0.0], [0.0, -60.0, 0.0]]), np.array([1, 1])
        if loss is F.categorical_crossentropy:
            y = np.eye(3)[y]
    zt = Tensor(z, requires_grad=True)
    out = loss(y, act(zt))
    assert not isinstance(out._ctx.inputs[1]._ctx, (Softmax, Sigmoid))   # graph skips the activation
    assert out._ctx.inputs[1] is zt
    assert value(out) == pytest.approx(value(loss(y, Tensor(z), from_logits=True)), rel=1e-12)
    assert value(out) > 30          # not clipped to -log(1e-7) = 16.1
    out.backward()
    assert np.all(np.isfinite(zt.grad))


def test_fused_softmax_gradient_is_softmax_minus_onehot():
    z = Tensor(LOGITS, requires_grad=True)
    F.categorical_crossentropy(Y_HOT, F.softmax(z)).backward()
    np.testing.assert_allclose(z.grad, (softmax(LOGITS) - Y_HOT) / N, rtol=1e-12)


def test_sparse_logits_large_margins_are_exact():
    z = Tensor(np.array([[0.0, 200.0], [300.0, 0.0]], np.float32), requires_grad=True)
    loss = F.sparse_categorical_crossentropy(np.array([0, 1]), z, from_logits=True)
    assert value(loss) == pytest.approx(250.0, rel=1e-6)
    loss.backward()
    np.testing.assert_allclose(z.grad, [[-0.5, 0.5], [0.5, -0.5]], atol=1e-6)


def test_fused_path_after_the_activation_graph_was_freed():
    z = Tensor(LOGITS, requires_grad=True)
    p = F.softmax(z)
    (F.categorical_crossentropy(Y_HOT, p) + p.sum()).backward()   # frees the softmax node
    again = F.categorical_crossentropy(Y_HOT, p)
    q = softmax(LOGITS)
    assert value(again) == pytest.approx(-(Y_HOT * np.log(q)).sum(-1).mean(), rel=1e-9)


def test_probability_path_clips_like_keras():
    p = Tensor(np.array([[0.0], [1.0]]))
    y = np.array([[1.0], [0.0]])
    assert value(F.binary_crossentropy(y, p)) == pytest.approx(-np.log(1e-7), rel=1e-6)


def test_losses_keep_float32_and_return_scalars():
    p = Tensor(PROBS.astype(np.float32))
    for out in [F.categorical_crossentropy(Y_HOT, p), F.sparse_categorical_crossentropy(Y_INT, p),
                F.mean_squared_error(Y_HOT, p), F.binary_crossentropy(Y_HOT, p)]:
        assert out.shape == () and out.dtype == np.float32


@pytest.mark.parametrize("alias,cls", [("mse", axon.losses.MeanSquaredError),
                                       ("mean_absolute_error", axon.losses.MeanAbsoluteError),
                                       ("huber", axon.losses.Huber),
                                       ("binary_crossentropy", axon.losses.BinaryCrossentropy),
                                       ("categorical_crossentropy", axon.losses.CategoricalCrossentropy),
                                       ("sparse_categorical_crossentropy",
                                        axon.losses.SparseCategoricalCrossentropy),
                                       ("kld", axon.losses.KLDivergence)])
def test_loss_aliases(alias, cls):
    assert isinstance(axon.losses.get(alias), cls)


def test_loss_classes_match_the_functions():
    cce = axon.losses.CategoricalCrossentropy(from_logits=True)
    assert value(cce(Y_HOT, Tensor(LOGITS))) == pytest.approx(
        value(F.categorical_crossentropy(Y_HOT, Tensor(LOGITS), from_logits=True)))
    assert value(axon.losses.Huber(delta=0.5)(REG_Y, Tensor(REG_P))) == pytest.approx(
        value(F.huber(REG_Y, Tensor(REG_P), delta=0.5)))
    fn = lambda y, p: F.mean_squared_error(y, p)
    assert axon.losses.get(fn) is fn


def test_sample_weights_weigh_each_sample_and_divide_by_the_count():
    """Keras's sum_over_batch_size: sum of weighted per-sample losses over the number of samples."""
    per = ((REG_P - REG_Y) ** 2).mean(-1)
    assert value(F.mean_squared_error(REG_Y, Tensor(REG_P), sample_weight=W)) == pytest.approx(
        (W * per).sum() / N, rel=1e-12)
    per = -np.log(softmax(LOGITS)[np.arange(N), Y_INT])
    assert value(F.sparse_categorical_crossentropy(Y_INT, Tensor(LOGITS), from_logits=True,
                                                   sample_weight=W)) == pytest.approx((W * per).sum() / N)
    ones = F.categorical_crossentropy(Y_SOFT, Tensor(PROBS), sample_weight=np.ones(N))
    assert value(ones) == pytest.approx(value(F.categorical_crossentropy(Y_SOFT, Tensor(PROBS))), rel=1e-12)


def test_sample_weights_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match=r"mean_squared_error: sample_weight has shape \(3,\).*\(4,\)"):
        F.mean_squared_error(REG_Y, Tensor(REG_P), sample_weight=np.ones(3))


def test_ignore_class_means_over_the_other_targets():
    y = np.array([[4, 1, 0, 0], [2, 3, 3, 0]])         # 0 pads the sequences
    z = R.normal(0, 1, (2, 4, 5))
    logp = np.log(softmax(z))
    keep = y != 0
    expected = -np.take_along_axis(logp, y[..., None], -1)[..., 0][keep].mean()
    got = F.sparse_categorical_crossentropy(y, Tensor(z), from_logits=True, ignore_class=0)
    assert value(got) == pytest.approx(expected, rel=1e-12)
    # an ignored label may lie outside the class range (Keras users write -1 for "no label")
    y_neg = np.where(keep, y, -1)
    got = F.sparse_categorical_crossentropy(y_neg, Tensor(z), from_logits=True, ignore_class=-1)
    assert value(got) == pytest.approx(expected, rel=1e-12)
    loss = axon.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    assert value(loss(y, Tensor(z))) == pytest.approx(expected, rel=1e-12)


def test_a_loss_subclass_defines_only_the_per_sample_values():
    class Absolute(axon.losses.Loss):
        def call(self, y_true, y_pred):
            return F.abs(y_pred - y_true).sum(axis=-1)

    p = Tensor(REG_P, requires_grad=True)
    out = Absolute()(REG_Y, p, sample_weight=W)
    assert value(out) == pytest.approx((W * np.abs(REG_P - REG_Y).sum(-1)).mean(), rel=1e-12)
    out.backward()
    np.testing.assert_allclose(p.grad, W[:, None] * np.sign(REG_P - REG_Y) / N, rtol=1e-12)


def test_a_loss_subclass_without_call_says_what_it_lacks():
    class Empty(axon.losses.Loss):
        """A loss that forgot its call()."""

    with pytest.raises(TypeError, match=r"Empty: a Loss subclass defines call\(y_true, y_pred\)"):
        Empty()(REG_Y, Tensor(REG_P))
