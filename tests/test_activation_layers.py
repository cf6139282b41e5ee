"""Activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax) and the ops under them: float64
gradient checks, PyTorch parity, Keras's formulas and arguments, masks, saving."""
import warnings

import numpy as np
import pytest

import axon
import axon.ops as F
from axon.ops import activations as A
from axon import Tensor, gradcheck
from axon.layers import Dense, ELU, LeakyReLU, PReLU, ReLU, Softmax
from axon.serialization import deserialize, serialize

R = np.random.default_rng(5)
X = R.uniform(-8, 8, (4, 6))
X[np.abs(X - np.round(X)) < 0.05] += 0.2   # keep away from the kinks (0, thresholds 1 and 2, cap 6)
TOL = dict(rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kw", [dict(negative_slope=0.3), dict(max_value=6.0), dict(threshold=2.0),
                                dict(negative_slope=0.2, max_value=5.0, threshold=1.0)])
def test_general_relu_gradcheck_and_keras_formula(kw):
    assert gradcheck(lambda x: F.relu(x, **kw), [X])
    slope, cap, thr = kw.get("negative_slope", 0.0), kw.get("max_value"), kw.get("threshold", 0.0)
    expected = np.where(X > thr, X if cap is None else np.minimum(X, cap), slope * (X - thr))
    np.testing.assert_allclose(F.relu(Tensor(X), **kw).data, expected, rtol=1e-12)


def test_relu_matches_keras_docstring_examples():
    x = Tensor(np.array([-10, -5, 0.0, 5, 10]))
    assert F.relu(x, negative_slope=0.5).tolist() == [-5.0, -2.5, 0.0, 5.0, 10.0]
    assert F.relu(x, max_value=5.0).tolist() == [0.0, 0.0, 0.0, 5.0, 5.0]
    assert F.relu(x, threshold=5.0).tolist() == [0.0, 0.0, 0.0, 0.0, 10.0]


def test_prelu_gradcheck_in_input_and_slopes():
    alpha = R.uniform(0.05, 0.5, (1, 6))  # one slope per feature, shared over the batch
    assert gradcheck(A.prelu, [X, alpha])
    assert gradcheck(A.prelu, [X, np.array(0.25)])


def test_masked_softmax_gradcheck_and_zero_rows():
    mask = R.random((4, 6)) > 0.3
    mask[2] = False                            # a row with nothing allowed: all zeros, no gradient
    assert gradcheck(lambda x: F.softmax(x, mask=mask), [X])
    out = F.softmax(Tensor(X), mask=mask).data
    np.testing.assert_array_equal(out[~mask], 0)
    np.testing.assert_allclose(out[[0, 1, 3]].sum(-1), 1, rtol=1e-12)
    np.testing.assert_array_equal(out[2], 0)


def test_parity_with_torch():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    x32 = X.astype(np.float32)
    alpha = R.uniform(0.05, 0.5, 6).astype(np.float32)
    mask = R.random((4, 6)) > 0.3
    cases = [
        (lambda x: F.relu(x, max_value=6.0), lambda t: tF.relu6(t)),
        (lambda x: F.relu(x, threshold=2.0), lambda t: tF.threshold(t, 2.0, 0.0)),
        (lambda x: F.leaky_relu(x, negative_slope=0.3), lambda t: tF.leaky_relu(t, 0.3)),
        (lambda x: F.elu(x, 0.7), lambda t: tF.elu(t, 0.7)),
        (lambda x: F.softmax(x, mask=mask),
         lambda t: torch.softmax(t.masked_fill(~torch.tensor(mask), -1e9), -1)),
    ]
    g = R.normal(0, 1, X.shape).astype(np.float32)
    for ours, theirs in cases:
        x = Tensor(x32, requires_grad=True)
        y = ours(x)
        (y * Tensor(g)).sum().backward()
        tx = torch.tensor(x32, requires_grad=True)
        ty = theirs(tx)
        (ty * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), **TOL)
    x, a = Tensor(x32, requires_grad=True), Tensor(alpha, requires_grad=True)
    (A.prelu(x, a) * Tensor(g)).sum().backward()
    tx, ta = torch.tensor(x32, requires_grad=True), torch.tensor(alpha, requires_grad=True)
    (tF.prelu(tx, ta) * torch.tensor(g)).sum().backward()   # torch: one slope per channel (axis 1)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), **TOL)
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), **TOL)


def test_layers_compute_keras_formulas():
    x = np.array([[-10.0, -5.0, 0.0, 5.0, 10.0]], np.float32)
    assert ReLU()(x).tolist() == [[0.0, 0.0, 0.0, 5.0, 10.0]]
    assert ReLU(max_value=10, negative_slope=0.5, threshold=0)(x).tolist() == [[-5.0, -2.5, 0.0, 5.0, 10.0]]
    assert LeakyReLU()(x).tolist() == [[-3.0, -1.5, 0.0, 5.0, 10.0]]            # Keras 3's default 0.3
    assert LeakyReLU(negative_slope=0.5)(x).tolist() == [[-5.0, -2.5, 0.0, 5.0, 10.0]]
    np.testing.assert_allclose(ELU(alpha=2.0)(x).data, np.where(x > 0, x, 2 * np.expm1(x)), rtol=1e-6)
    np.testing.assert_allclose(Softmax()(np.array([[1.0, 2.0, 1.0]], np.float32)).data,
                               [[0.21194157, 0.5761169, 0.21194157]], rtol=1e-6)


def test_argument_errors_name_the_layer():
    for make, match in [(lambda: ReLU(max_value=-1), "ReLU: max_value"),
                        (lambda: ReLU(negative_slope=-0.1), "ReLU: negative_slope"),
                        (lambda: ReLU(threshold=None), "ReLU: threshold"),
                        (lambda: LeakyReLU(negative_slope=-1), "LeakyReLU: negative_slope"),
                        (lambda: PReLU(alpha_constraint="non_neg"), "PReLU: alpha_constraint")]:
        with pytest.raises(ValueError, match=match):
            make()
    with pytest.raises(ValueError, match="shared_axes must name axes 1..3"):
        PReLU(shared_axes=[4])(np.zeros((2, 3, 3, 2), np.float32))
    with pytest.raises(ValueError, match=r"Softmax 'softmax.*': softmax: the mask \(shape \(3,\)\) must broadcast"):
        Softmax(name="softmax")(np.zeros((2, 4), np.float32), mask=np.ones(3, bool))


def test_leaky_relu_accepts_the_old_alpha_keyword():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = LeakyReLU(alpha=0.1)
    assert any("negative_slope" in str(w.message) for w in caught)
    assert layer.negative_slope == 0.1
    config = layer.get_config()
    assert config["negative_slope"] == 0.1 and "alpha" not in config


def test_prelu_shares_slopes_and_learns_them():
    layer = PReLU(shared_axes=[1, 2], alpha_initializer="ones")
    x = np.random.default_rng(0).normal(0, 1, (2, 4, 5, 3)).astype(np.float32)
    y = layer(Tensor(x))
    assert layer.alpha.shape == (1, 1, 3)
    np.testing.assert_allclose(y.data, x, rtol=1e-6)        # alpha = 1: the identity
    assert PReLU()(np.zeros((2, 4, 5, 3), np.float32)).shape == (2, 4, 5, 3)
    # a slope that must become 0.25: y = x for x > 0, 0.25 x otherwise
    rng = np.random.default_rng(1)
    xs = rng.normal(0, 1, (256, 4)).astype(np.float32)
    ys = np.where(xs > 0, xs, 0.25 * xs)
    model = axon.Sequential([PReLU(input_shape=(4,))])
    model.compile(optimizer=axon.optimizers.Adam(0.05), loss="mse")
    model.fit(xs, ys, epochs=60, batch_size=64, verbose=0)
    np.testing.assert_allclose(model.layers[0].alpha.data, 0.25, atol=0.02)


def test_softmax_layer_mask_and_axes():
    x = np.random.default_rng(2).normal(0, 1, (2, 3, 4)).astype(np.float32)
    mask = np.array([[1, 1, 0, 1]], bool)            # broadcast over batch and rows
    out = Softmax()(x, mask=mask).data
    np.testing.assert_array_equal(out[..., 2], 0)
    np.testing.assert_allclose(out.sum(-1), 1, rtol=1e-6)
    joint = Softmax(axis=[1, 2])(x).data
    np.testing.assert_allclose(joint.sum(axis=(1, 2)), 1, rtol=1e-6)
    e = np.exp(x - x.max(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(joint, e / e.sum(axis=(1, 2), keepdims=True), rtol=1e-5)


def test_configs_round_trip_and_models_save(tmp_path):
    layers = [ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5), LeakyReLU(0.2), ELU(0.5),
              Softmax(axis=[1, 2]), PReLU(alpha_initializer="ones", shared_axes=[1])]
    for layer in layers:
        copy = deserialize(serialize(layer))
        assert type(copy) is type(layer) and copy.get_config() == layer.get_config()
    model = axon.Sequential([Dense(6, input_shape=(4,)), PReLU(), LeakyReLU(), ELU(), ReLU(max_value=3.0),
                             Dense(3), Softmax()])
    x = np.random.default_rng(3).normal(0, 1, (5, 4)).astype(np.float32)
    model.predict(x, verbose=0)
    model.layers[1].alpha.data[...] = np.linspace(0.1, 0.6, 6)
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "acts.axon")
    loaded = axon.load_model(tmp_path / "acts.axon")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(loaded.layers[1].alpha.data, np.linspace(0.1, 0.6, 6), rtol=1e-6)
