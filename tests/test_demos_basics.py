"""The first lectures' demos (--quick): each shows its claim, writes its PNGs and names its numbers."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

from axon import demos

from helpers import pictures_and_page, skip_without_fashion_mnist


def test_backprop_prints_every_number_of_the_worked_example(tmp_path):
    lines = []
    r = demos.get("backprop").run(tmp_path, quick=True, print_fn=lines.append)
    out = "\n".join(lines)
    for number in ("0.298371109", "0.74136507 · 0.186815602 · 0.593269992 = 0.082167041", "0.35891648",
                   "0.408666186", "0.51130127", "0.561370121", "0.036350306 · 0.241300709 · 0.05 = 0.000438568",
                   "0.149780716", "0.199561432", "0.249751144", "0.299502287", "out_h1 = 0.593269992",
                   "net_o1 = 1.105905967", "out_o2 = 0.772928465", "E_o1 = 0.274811083", "E_o2 = 0.023560026"):
        assert number in out, number
    assert r.values["errors"][-1] < r.values["errors"][0] / 10    # training on lowers the error
    page = pictures_and_page(r, numbers=("0.082167041", "0.149780716", "not updated",))
    assert "dE/dout_h1 = dE/dnet_o1 · dnet_o1/dout_h1 + dE/dnet_o2 · dnet_o2/dout_h1" in page


def test_numpy_loop_and_axon_give_the_same_losses(tmp_path):
    r = demos.run("numpy-loop", tmp_path, quick=True)
    a, b = r.values["numpy_losses"], r.values["axon_losses"]
    assert len(a) == len(b) == r.measured["epochs"]
    assert r.values["max_difference"] < 1e-12
    assert a[-1] < a[0]                      # and it learns
    pictures_and_page(r, numbers=("largest difference", f"{a[-1]:.15f}",))


def test_perceptron_learns_and_or_but_not_xor(tmp_path):
    r = demos.run("perceptron", tmp_path, quick=True)
    assert r.values["accuracy"]["and"] == r.values["accuracy"]["or"] == 1.0
    assert r.values["converged"]["and"] and r.values["converged"]["or"]
    assert r.values["converged"]["xor"] is None and r.values["accuracy"]["xor"] < 1.0
    assert (r.values["errors"]["xor"] > 0).all()
    lines = r.values["lines"]["and"]
    assert not np.allclose(lines[0], lines[-1])   # the decision line moved
    pictures_and_page(r, numbers=("XOR accuracy", "never",))


def test_logistic_unit_beats_the_base_rate(tmp_path):
    skip_without_fashion_mnist()
    r = demos.run("logistic-unit", tmp_path, quick=True)
    assert r.values["accuracy"] > r.values["base_rate"] + 0.03
    assert r.values["weights"].shape == (28, 28)
    pictures_and_page(r, numbers=("base rate", f"{r.measured['test accuracy']:.4g}",))


def test_housing_relu_neuron_is_a_clipped_line_and_the_net_does_better(tmp_path):
    r = demos.run("housing-relu", tmp_path, quick=True)
    v = r.values
    assert v["slope"] > 0 and 0 < v["kink"] < 100      # zero for small houses, rising after
    assert v["rmse_net"] < 0.5 * v["rmse_neuron"]
    page = pictures_and_page(r, numbers=("generated", f"{r.measured['small net test RMSE (thousands)']:.4g}",))
    assert "max(0," in page
