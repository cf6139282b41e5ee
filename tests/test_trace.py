"""The derivation trace: explain() writes the chain rule with the numbers of Mazur's worked example
(float64, to 8-9 digits), for any graph of Axon ops, and says clearly what it cannot explain."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon.demos.backprop import backprop_step, mazur_network

FORWARD = {"net_h1": 0.3775, "out_h1": 0.593269992, "out_h2": 0.596884378, "net_o1": 1.105905967,
           "out_o1": 0.75136507, "out_o2": 0.772928465, "E_o1": 0.274811083, "E_o2": 0.023560026}
UPDATED = {"w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229,
           "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121}


@pytest.fixture(scope="module")
def mazur():
    net = mazur_network()
    t, explained = backprop_step(net)
    return net, t, explained


def test_forward_pass_is_the_slides(mazur):
    net = mazur[0]
    for name, value in FORWARD.items():
        assert net.values[name].item() == pytest.approx(value, abs=1e-9), name
    assert net.error.item() == pytest.approx(0.298371109, abs=1e-9)


def test_output_weight_chain_has_the_slides_factors(mazur):
    e = mazur[2]["w5"]
    assert [label for label, _ in e.factors] == ["dE/dout_o1", "dout_o1/dnet_o1", "dnet_o1/dw5"]
    np.testing.assert_allclose([v for _, v in e.factors], [0.74136507, 0.186815602, 0.593269992], atol=1e-9)
    assert e.gradient == pytest.approx(0.082167041, abs=1e-9)
    assert "dE/dw5 = dE/dout_o1 · dout_o1/dnet_o1 · dnet_o1/dw5" in str(e)
    assert "0.74136507 · 0.186815602 · 0.593269992 = 0.082167041" in str(e)
    assert "w5+ = w5 - lr · dE/dw5 = 0.4 - 0.5 · 0.082167041 = 0.35891648" in str(e)


def test_hidden_weight_sums_over_both_outputs(mazur):
    e = mazur[2]["w1"]
    assert [label for label, _ in e.factors] == ["dE/dout_h1", "dout_h1/dnet_h1", "dnet_h1/dw1"]
    np.testing.assert_allclose([v for _, v in e.factors], [0.036350306, 0.241300709, 0.05], atol=1e-9)
    assert e.gradient == pytest.approx(0.000438568, abs=1e-9)
    parts = e.splits["dE/dout_h1"]
    np.testing.assert_allclose([v for _, v in parts], [0.055399425, -0.019049119], atol=1.5e-9)
    assert "where dE/dout_h1 = dE/dnet_o1 · dnet_o1/dout_h1 + dE/dnet_o2 · dnet_o2/dout_h1" in str(e)


def test_every_weight_update_is_the_slides(mazur):
    net, t, explained = mazur
    for name, value in UPDATED.items():
        assert explained[name].update == pytest.approx(value, abs=1e-8), name
        # the chain's product is the gradient backward() accumulated
        assert explained[name].gradient == pytest.approx(float(net.weights[name].grad), rel=1e-12)


def test_array_element_is_one_chain_rule_step_through_its_ops():
    axon.manual_seed(0)
    model = axon.Sequential([axon.layers.Dense(3, activation="relu"), axon.layers.Dense(1)])
    x = axon.Tensor(np.random.default_rng(0).normal(size=(5, 2)))
    with axon.trace(print_fn=None) as t:
        F.mean((model(x) - 1.0) ** 2).backward()
    kernel = model.layers[0].kernel
    assert kernel.name.endswith("/kernel")
    e = t.explain(kernel, index=(0, 1), lr=0.1)
    assert e.gradient == pytest.approx(float(kernel.grad[0, 1]), rel=1e-5)
    assert sum(v for _, v in e.factors) == pytest.approx(e.gradient, rel=1e-5)
    assert e.update == pytest.approx(float(kernel.data[0, 1] - 0.1 * kernel.grad[0, 1]), rel=1e-5)
    assert "Σ_k" in str(e) and f"({kernel.name}[0, 1])" in str(e)
    np.testing.assert_allclose(t.gradient(kernel), kernel.grad, rtol=1e-6)
    with pytest.raises(ValueError, match="has shape .2, 3.; pass index="):
        t.explain(kernel)
    with pytest.raises(ValueError, match="index must pick one element"):
        t.explain(kernel, index=(5, 0))


def test_unnamed_chain_folds_into_one_factor_and_names_are_optional():
    w = axon.Tensor(2.0, requires_grad=True, dtype="float64", name="w")
    with axon.trace(output_name="L", print_fn=None) as t:
        F.exp(F.sin(w) * 3.0).backward()
    e = t.explain(w)
    assert [label for label, _ in e.factors] == ["dL/dw"]
    assert e.gradient == pytest.approx(3 * np.cos(2.0) * np.exp(3 * np.sin(2.0)), rel=1e-12)


def test_bad_input_says_what_is_wrong(mazur):
    t = mazur[1]
    with pytest.raises(ValueError, match="'w9' .* took no part in the recorded backward pass"):
        t.explain(axon.Tensor(1.0, requires_grad=True, name="w9"))
    with pytest.raises(ValueError, match="no backward pass yet"):
        axon.trace().explain(mazur[0].weights["w1"])
    with pytest.raises(ValueError, match="must be an axon.Tensor"):
        t.explain(0.5)


def test_explain_prints_with_the_given_function(mazur):
    lines = []
    mazur[1].explain(mazur[0].weights["w8"], lr=0.5, print_fn=lines.append)
    assert len(lines) == 1 and "w8+ = " in lines[0] and "0.561370121" in lines[0]


def test_each_backward_pass_is_recorded_apart():
    w = axon.Tensor(1.5, requires_grad=True, dtype="float64", name="w")
    with axon.trace(print_fn=None) as t:
        (w * w).backward()
        (w * 3.0).backward()
    assert len(t.passes) == 2
    assert t.explain(w).gradient == pytest.approx(3.0)   # the last pass w took part in
