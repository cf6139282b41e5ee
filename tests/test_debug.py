"""axon.debug.detect_anomaly(): the first NaN/Inf, forward or backward, is named by op, layer and pass."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import hooks
from axon.debug import NonFiniteError, detect_anomaly
from axon.layers import Dense, Lambda

X = np.random.default_rng(0).normal(size=(3, 5)).astype(np.float32)


def _raised(fn):
    with np.errstate(all="ignore"), pytest.raises(NonFiniteError) as info:
        with detect_anomaly():
            fn()
    assert hooks.active == []
    return info.value


def test_nan_in_a_forward_pass_names_the_op_the_layer_and_the_shapes():
    """A weight made negative feeds a log: the Log op in layer net/logs is the culprit."""
    model = axon.Sequential([Dense(4, name="proj"), Lambda(F.log, name="logs"), Dense(2, name="head")],
                            name="net")
    with np.errstate(all="ignore"):
        model.build_from_shape((5,))                 # log(0) of the zero sample: -inf, unchecked
    model.layers[0].kernel.data[...] = -1.0          # every projection negative for positive rows
    err = _raised(lambda: model(np.abs(X)))
    assert isinstance(err, FloatingPointError)
    assert (err.op, err.layer_path, err.phase, err.inherited) == ("Log", "net/logs", "forward", False)
    msg = str(err)
    assert msg.startswith("Log (layer 'net/logs') produced 12 NaN in output 0 (12 values) during the forward pass")
    assert "inputs: [(3, 4) float32]; outputs: [(3, 4) float32 with NaN/Inf]" in msg
    assert "this op's forward pass is where the NaN/Inf starts" in msg


def test_inf_only_in_the_backward_pass_names_the_layer_the_op_ran_in_forward():
    """sqrt(relu(x)) is finite forward; its gradient 1 / (2 sqrt(0)) is Inf where relu cut."""
    model = axon.Sequential([Dense(4, name="proj"), Lambda(lambda t: F.sqrt(F.relu(t)), name="root")],
                            name="net")
    with np.errstate(all="ignore"):
        with detect_anomaly():
            loss = model(X).sum()                    # forward passes the check
        assert np.isfinite(loss.data)
    err = _raised(lambda: model(X).sum().backward())
    assert (err.op, err.layer_path, err.phase, err.inherited) == ("Sqrt", "net/root", "backward", False)
    msg = str(err)
    assert "Sqrt (layer 'net/root') produced" in msg and "Inf in the gradient of input 0" in msg
    assert "during the backward pass" in msg
    assert "output gradients: [(3, 4) float32]; input gradients: [(3, 4) float32 with NaN/Inf]" in msg


def test_nan_in_the_data_is_reported_as_coming_from_earlier():
    x = X.copy()
    x[1, 2] = np.nan
    model = axon.Sequential([Dense(4, name="proj")], name="net")
    err = _raised(lambda: model(x))
    assert (err.op, err.layer_path, err.inherited) == ("Linear", "net/proj", True)
    assert "Its inputs 0 already held NaN/Inf, so the culprit is earlier (the data" in str(err)
    assert "inputs: [(3, 5) float32 with NaN/Inf, (5, 4) float32, (4,) float32]" in str(err)


def test_outside_any_layer_and_ops_recorded_before_the_mode():
    w = axon.Tensor(np.array([0.0, 1.0]), requires_grad=True)
    err = _raised(lambda: F.log(w))
    assert "Log (outside any layer) produced 1 Inf in output 0" in str(err)
    y = F.sqrt(w).sum()                              # recorded before the mode began
    err = _raised(lambda: y.backward())
    assert err.phase == "backward" and err.layer_path is None
    assert "layer not recorded: it ran forward before detect_anomaly() began" in str(err)


def test_finite_training_runs_unchanged_inside_the_mode():
    model = axon.Sequential([Dense(4, activation="relu"), Dense(2)])
    y = np.array([0, 1, 1])
    out = model(X)
    want = F.sparse_categorical_crossentropy(y, out, from_logits=True)
    want.backward()
    g = model.layers[0].kernel.grad.copy()
    model.zero_grad()
    with detect_anomaly():
        loss = F.sparse_categorical_crossentropy(y, model(X), from_logits=True)
        loss.backward()
    np.testing.assert_array_equal(loss.data, want.data)
    np.testing.assert_array_equal(model.layers[0].kernel.grad, g)
    assert hooks.active == []


def test_zero_dimensional_values_are_checked_too():
    """NumPy ops on 0-d arrays give NumPy scalars, not arrays: they are checked as well."""
    err = _raised(lambda: F.log(axon.Tensor(np.array(-1.0))))
    assert err.op == "Log" and "inputs: [() float64]; outputs: [() float64 with NaN/Inf]" in str(err)
    w = axon.Tensor(np.array(0.0), requires_grad=True)
    err = _raised(lambda: F.sqrt(w).backward())
    assert (err.op, err.phase) == ("Sqrt", "backward")
