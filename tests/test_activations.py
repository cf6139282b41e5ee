"""Activations: float64 gradchecks, forward values against formulas, lookup by name."""
import math

import numpy as np
import pytest

import axon.ops as F
from axon import Tensor, gradcheck
from axon.ops import activations as A

R = np.random.default_rng(11)
X = R.uniform(-3, 3, (3, 4))
X[np.abs(X) < 0.05] = 0.3          # keep away from the kinks of relu-like functions


def erf(v):
    return np.vectorize(math.erf)(v)


def sig(v):
    return 1 / (1 + np.exp(-v))


CASES = {
    "sigmoid": (F.sigmoid, sig),
    "tanh": (F.tanh, np.tanh),
    "relu": (F.relu, lambda v: np.maximum(v, 0)),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda v: np.where(v > 0, v, 0.2 * v)),
    "elu": (lambda x: F.elu(x, 0.7), lambda v: np.where(v > 0, v, 0.7 * (np.exp(v) - 1))),
    "selu": (F.selu, lambda v: 1.0507009873554805 * np.where(v > 0, v, 1.6732632423543772 * (np.exp(v) - 1))),
    "silu": (F.silu, lambda v: v * sig(v)),
    "swish": (F.swish, lambda v: v * sig(v)),
    "gelu_exact": (F.gelu, lambda v: 0.5 * v * (1 + erf(v / np.sqrt(2)))),
    "gelu_tanh": (lambda x: F.gelu(x, approximate=True),
                  lambda v: 0.5 * v * (1 + np.tanh(np.sqrt(2 / np.pi) * (v + 0.044715 * v ** 3)))),
    "softplus": (F.softplus, lambda v: np.log1p(np.exp(v))),
    "softmax": (F.softmax, lambda v: np.exp(v) / np.exp(v).sum(-1, keepdims=True)),
    "softmax_axis0": (lambda x: F.softmax(x, axis=0), lambda v: np.exp(v) / np.exp(v).sum(0, keepdims=True)),
    "log_softmax": (F.log_softmax, lambda v: v - np.log(np.exp(v).sum(-1, keepdims=True))),
    "log_softmax_axis0": (lambda x: F.log_softmax(x, axis=0), lambda v: v - np.log(np.exp(v).sum(0, keepdims=True))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    fn, _ = CASES[name]
    assert gradcheck(fn, [X])


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_matches_formula(name):
    fn, ref = CASES[name]
    np.testing.assert_allclose(fn(Tensor(X)).data, ref(X), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "softmax", "log_softmax", "tanh", "silu"])
def test_extreme_inputs_stay_finite(name):
    x = Tensor(np.array([[-1000.0, 0.0, 1000.0]], np.float32), requires_grad=True)
    y = CASES[name][0](x)
    assert np.all(np.isfinite(y.data))
    y.sum().backward()
    assert np.all(np.isfinite(x.grad))


def test_step_has_zero_gradient():
    x = Tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    y = F.step(x)
    np.testing.assert_allclose(y.data, [0, 1, 1])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 0)


def test_activations_keep_float32():
    x = Tensor(X.astype(np.float32))
    for name, (fn, _) in CASES.items():
        assert fn(x).dtype == np.float32, name


@pytest.mark.parametrize("name", ["relu", "ReLU", "sigmoid", "softmax", "gelu", "swish", "selu", "linear"])
def test_get_by_name(name):
    fn = A.get(name)
    assert callable(fn)
    assert A.get(None) is A.linear and A.get(F.tanh) is F.tanh


def test_get_unknown_name_lists_the_choices():
    with pytest.raises(ValueError, match=r"unknown activation 'relux'; did you mean 'relu'"):
        A.get("relux")
