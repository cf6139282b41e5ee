"""The activations-and-signals demos (issue 13): activations, vanishing-gradient, normalization,
softmax and universal-approximation, each run in quick mode and checked for the claim it shows."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

from axon import demos
from axon.demos import softmax, universal_approximation, vanishing_gradient

from helpers import pictures_and_page, skip_without_fashion_mnist


@pytest.mark.slow
def test_activations_table_sigmoid_lags_and_derivatives_come_from_autograd(tmp_path, capsys):
    skip_without_fashion_mnist()
    r = demos.run("activations", tmp_path, quick=True)
    acc = r.values["accuracy"]
    assert set(acc) == {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish"}
    # the slide's lesson that survives re-measuring: saturating sigmoid learns slowest with SGD
    others = [v for k, v in acc.items() if k != "sigmoid"]
    assert acc["sigmoid"] + 0.05 < min(others)
    assert min(others) > 0.5  # everything else clearly learned (chance is 0.1)
    x, d = r.values["x"], r.values["derivatives"]
    assert abs(d["sigmoid"].max() - 0.25) < 1e-4
    np.testing.assert_allclose(d["tanh"], 1 - np.tanh(x) ** 2, atol=1e-6)
    assert np.all(d["relu"][x < 0] == 0) and np.all(d["relu"][x > 0] == 1)
    np.testing.assert_allclose(d["leaky_relu"][x < 0], 0.01)
    printed = capsys.readouterr().out
    page = pictures_and_page(r, ["functions", "accuracy"])
    for text in (printed, page):
        assert "81.5%" in text and "89.5%" in text  # the slide's column beside the measured one
        assert f"{acc['relu']:.1%}" in text and f"{acc['sigmoid']:.1%}" in text
    assert "the order may differ" in page


def test_vanishing_gradient_in_depth_and_in_time(tmp_path):
    skip_without_fashion_mnist()
    r = demos.run("vanishing-gradient", tmp_path, quick=True)
    sig, relu = (np.array(r.values["layer_norms"][k]) for k in ("sigmoid", "relu"))
    assert len(sig) == len(relu) == vanishing_gradient.DEPTH + 1
    # the sigmoid net's first-layer gradient is orders of magnitude below the ReLU net's
    assert relu[0] / sig[0] > 1e3
    assert np.all(np.diff(sig) > 0)  # shrinking at every layer on the way back
    assert relu[:-1].max() / relu[:-1].min() < 10  # ReLU keeps its size through the depth
    losses = r.values["training_loss"]
    assert losses["sigmoid"][-1] > 2.2 and losses["relu"][-1] < losses["sigmoid"][-1] - 0.1
    rnn, lstm = r.values["time_norms"]["rnn"], r.values["time_norms"]["lstm"]
    assert rnn.shape == lstm.shape == (vanishing_gradient.TIMESTEPS,)
    assert rnn[0] < 1e-3 * rnn[-1]  # the RNN's gradient fades through time
    assert r.values["fade"]["lstm"] > 10 * r.values["fade"]["rnn"]  # the LSTM's much less
    page = pictures_and_page(r, ["depth", "time"])
    assert f"{r.measured['first-layer gradient norm, sigmoid']:.4g}" in page


def test_vanishing_gradient_recurrent_network_names_its_cells():
    with pytest.raises(ValueError, match="'rnn' or 'lstm'"):
        vanishing_gradient.recurrent_network("gru")


@pytest.mark.slow
def test_normalization_raw_pixels_fail_and_batch_norm_rescues_them(tmp_path):
    skip_without_fashion_mnist()
    r = demos.run("normalization", tmp_path, quick=True)
    acc, loss, dead = r.values["accuracy"], r.values["loss"], r.values["dead"]
    assert len(acc) == 6
    assert acc[("raw 0-255", False)] < 0.2 and dead[("raw 0-255", False)] > 0.5
    assert loss[("raw 0-255", False)][0] > 100  # the first steps overshoot
    assert acc[("raw 0-255", True)] > 0.6 and dead[("raw 0-255", True)] < 0.1
    assert acc[("/ 255", False)] > 0.6 and acc[("z-score", False)] > 0.6
    assert loss[("z-score", False)][0] < loss[("/ 255", False)][0]  # centred inputs train faster
    page = pictures_and_page(r, ["normalization"])
    assert f"{acc[('z-score', False)]:.1%}" in page and "raw 0-255" in page


def test_softmax_numbers_match_axon_ops_losses_and_autograd(tmp_path):
    r = demos.run("softmax", tmp_path, quick=True)
    v = r.values
    np.testing.assert_allclose(v["probabilities"], [0.659, 0.242, 0.099], atol=1e-3)
    assert abs(v["loss"] - 0.417) < 1e-3
    assert v["max_difference"] < 1e-12
    np.testing.assert_allclose(v["axon_gradient"], v["probabilities"] - np.eye(3)[0], atol=1e-12)
    assert abs(v["gradient"].sum()) < 1e-12
    assert np.isnan(v["naive_shifted"]).all()
    np.testing.assert_allclose(v["stable_shifted"], v["probabilities"], atol=1e-6)
    # a higher temperature: flatter probabilities, a larger loss for the (top-scoring) true class
    assert np.all(np.diff(v["temperature_entropy"]) > 0) and np.all(np.diff(v["temperature_loss"]) > 0)
    assert v["scaled_by_10"][0] > 0.99
    page = pictures_and_page(r, ["steps", "temperature"])
    assert "0.417" in page and "7.389" in page and "[-0.341, 0.242, 0.099]" in page


def test_softmax_steps_wants_a_vector_of_scores():
    with pytest.raises(ValueError, match="1-D array"):
        softmax.softmax_steps(3.0)


def test_universal_approximation_error_falls_with_width(tmp_path):
    r = demos.run("universal-approximation", tmp_path, quick=True)
    e = r.values["errors"]
    widths = sorted(e["trained_relu"])
    assert e["trained_relu"][widths[-1]] < 0.5 * e["trained_relu"][widths[0]]
    assert e["trained_sigmoid"][widths[-1]] < 0.5 * e["trained_sigmoid"][widths[0]]
    for kind in ("sigmoid_steps", "relu_interpolation"):  # set by hand: strictly better when wider
        assert e[kind][widths[-1]] < e[kind][widths[-2]] < e[kind][widths[0]]
    # the trained network is the sum of its units' terms plus the bias
    fits = r.values["trained_fits"]
    shown = r.values["trained_contributions"].shape[1]
    np.testing.assert_allclose(r.values["trained_output"], fits[shown], atol=1e-4)
    page = pictures_and_page(r, ["bumps", "width"])
    assert f"{e['trained_relu'][widths[-1]]:.4f}" in page


def test_hand_set_networks_interpolate_and_step():
    x = np.linspace(-1, 1, 9, dtype=np.float32)[:, None]
    net = universal_approximation.relu_interpolation(universal_approximation.target, 8)
    np.testing.assert_allclose(net(x).data, universal_approximation.target(x), atol=1e-5)  # exact at the knots
    steps = universal_approximation.sigmoid_steps(np.cos, 4, steepness=50.0)
    centres = np.array([[-0.75], [-0.25], [0.25], [0.75]], np.float32)
    np.testing.assert_allclose(steps(centres).data, np.cos(centres), atol=1e-3)
    with pytest.raises(ValueError, match="at least 2"):
        universal_approximation.sigmoid_steps(np.cos, 1)
