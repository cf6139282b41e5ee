"""The earliest networks: McCulloch-Pitts gates, Hebb's rule, Rosenblatt's perceptron and Adaline.
Each claim of the lecture is trained for real and asserted: the perceptron learns AND (and any
separable set) and never learns XOR; so does Adaline; Hebb learns bipolar AND in one pass."""
import numpy as np
import pytest

import axon
from axon.data.logic import separable_points, truth_table
from axon.zoo.classic.mcculloch_pitts import HebbianNeuron, McCullochPittsNeuron
from axon.zoo.classic.perceptron import Adaline, Perceptron


def trained(cls, x, y, epochs, batch_size=1, **kwargs):
    model = cls(seed=0, **kwargs)
    model.compile()
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    return model, history.history


@pytest.mark.parametrize("gate", ["and", "or", "nand", "nor", "not"])
def test_mcculloch_pitts_gates_compute_their_truth_tables(gate):
    x, y = truth_table(gate)
    np.testing.assert_array_equal(McCullochPittsNeuron.logic(gate).predict(x), y)


def test_mcculloch_pitts_three_input_and_and_its_refusals():
    x, y = truth_table("and", n_inputs=3)
    np.testing.assert_array_equal(McCullochPittsNeuron.logic("and", n_inputs=3).predict(x), y)
    neuron = McCullochPittsNeuron([1, 1], 2)
    neuron.compile()
    with pytest.raises(TypeError, match="does not learn"):
        neuron.fit(x[:, :2], y, verbose=0)
    with pytest.raises(ValueError, match=r"inputs must be \(samples, 2\).*got shape \(8, 3\)"):
        neuron.predict(x)
    with pytest.raises(ValueError, match="unknown gate 'xor'"):
        McCullochPittsNeuron.logic("xor")


def test_hebb_learns_bipolar_and_in_one_pass_but_not_xor():
    x, y = truth_table("and", bipolar=True)
    hebb = HebbianNeuron()
    hebb.compile()
    hebb.fit(x, y, epochs=1, batch_size=1, shuffle=False, verbose=0)
    np.testing.assert_array_equal(hebb.kernel.data, [2.0, 2.0])  # the textbook weights
    np.testing.assert_array_equal(hebb.predict(x), y)
    x, y = truth_table("xor", bipolar=True)
    hebb = HebbianNeuron()
    hebb.compile()
    hebb.fit(x, y, epochs=3, batch_size=1, verbose=0)
    assert np.mean(hebb.predict(x) == y) <= 0.75


def test_perceptron_learns_and_and_stops_changing():
    x, y = truth_table("and")
    model, history = trained(Perceptron, x, y, epochs=30)
    assert model.score(x, y) == 1.0
    first = history["error_rate"].index(0.0)
    assert all(e == 0.0 for e in history["error_rate"][first:])  # converged: no more mistakes, no more changes
    np.testing.assert_array_equal(model.predict(x), y)


def test_perceptron_never_learns_xor():
    x, y = truth_table("xor")
    model, history = trained(Perceptron, x, y, epochs=100)
    assert model.score(x, y) <= 0.75
    assert min(history["error_rate"]) > 0  # not one error-free epoch


def test_perceptron_converges_on_separable_points_with_bipolar_labels():
    x, y = separable_points(200, n_features=5, margin=0.1, seed=1, bipolar=True)
    model, history = trained(Perceptron, x, y, epochs=40)
    assert history["error_rate"][-1] == 0.0 and model.score(x, y) == 1.0
    assert set(np.unique(model.predict(x))) == {-1.0, 1.0}  # answers in the labels it was given


def test_adaline_converges_on_separable_data_and_fails_xor():
    x, y = separable_points(200, margin=0.1, seed=2)
    model, history = trained(Adaline, x, y, epochs=300, batch_size=200, learning_rate=0.2)
    assert model.score(x, y) == 1.0
    assert history["mse"][-1] < 0.5 * history["mse"][0]
    assert np.all(np.diff(history["mse"]) <= 1e-6)  # full-batch gradient descent on a quadratic
    xa, ya = truth_table("and")
    assert trained(Adaline, xa, ya, epochs=300, batch_size=4, learning_rate=0.2)[0].score(xa, ya) == 1.0
    xx, yx = truth_table("xor")
    model, history = trained(Adaline, xx, yx, epochs=300, batch_size=4, learning_rate=0.2)
    assert model.score(xx, yx) <= 0.75
    assert history["mse"][-1] == pytest.approx(1.0, abs=1e-3)  # the least-squares line: w = 0, b = 0


def test_perceptron_is_reproducible_with_a_seed():
    x, y = separable_points(50, seed=3)
    a, b = Perceptron(n_features=2, seed=7), Perceptron(n_features=2, seed=7)
    np.testing.assert_array_equal(a.kernel.data, b.kernel.data)


def test_perceptron_save_and_load_round_trip(tmp_path):
    x, y = separable_points(80, n_features=3, seed=4, bipolar=True)
    model, _ = trained(Perceptron, x, y, epochs=5)
    path = tmp_path / "perceptron.axon"
    model.save(path)
    restored = axon.models.load_model(path)
    assert isinstance(restored, Perceptron)
    np.testing.assert_array_equal(restored.kernel.data, model.kernel.data)
    np.testing.assert_array_equal(restored.predict(x), model.predict(x))
    restored.fit(x, y, epochs=1, batch_size=1, verbose=0)  # goes on learning


def test_perceptron_refuses_bad_labels_and_shapes():
    x, _ = truth_table("and")
    model = Perceptron()
    model.compile()
    with pytest.raises(ValueError, match=r"labels must be in \{0, 1\} or in \{-1, 1\}, got \[0.0, 1.0, 2.0\]"):
        model.fit(x, np.array([0, 1, 2, 1]), verbose=0)
    model.fit(x, np.array([0, 0, 0, 1]), verbose=0)
    with pytest.raises(ValueError, match="it has 2 inputs, got x with 3 features"):
        model.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="learning_rate must be a number > 0"):
        Perceptron(learning_rate=0)


def test_registered_in_the_zoo():
    from axon.zoo import registry
    assert registry.MODELS.get("perceptron") is Perceptron and registry.MODELS.get("adaline") is Adaline
    assert registry.MODELS.get("mcculloch_pitts") is McCullochPittsNeuron
    assert registry.MODELS.get("hebbian_neuron") is HebbianNeuron


def test_shows_write_their_pages(tmp_path):
    from axon.zoo.classic import mcculloch_pitts, perceptron
    shown = perceptron.show(str(tmp_path), quick=True)
    assert shown.measured["perceptron AND accuracy"] == 1.0 and shown.measured["perceptron XOR accuracy"] <= 0.75
    assert shown.measured["adaline separable accuracy"] == 1.0 and shown.measured["adaline XOR accuracy"] <= 0.75
    shown = mcculloch_pitts.show(str(tmp_path), quick=True)
    assert shown.measured["Hebb AND accuracy"] == 1.0 and shown.measured["Hebb XOR accuracy"] <= 0.75
    for path in shown.files.values():
        assert (tmp_path / path.split("/")[-1]).exists()


def test_side_by_side_with_scikit_learn_perceptron():
    linear_model = pytest.importorskip("sklearn.linear_model")
    x, y = separable_points(120, n_features=4, margin=0.1, seed=5)
    ours, _ = trained(Perceptron, x, y, epochs=20)
    theirs = linear_model.Perceptron(eta0=1.0, max_iter=30, tol=None, random_state=0).fit(x, y)
    assert ours.score(x, y) == theirs.score(x, y) == 1.0
    xx, yx = truth_table("xor")
    ours, _ = trained(Perceptron, xx, yx, epochs=30)
    theirs = linear_model.Perceptron(eta0=1.0, max_iter=30, tol=None, random_state=0).fit(xx, yx)
    assert ours.score(xx, yx) <= 0.75 and theirs.score(xx, yx) <= 0.75
