"""Hopfield networks: Hebbian storage, recall from 20% flipped bits, an energy that asynchronous
updates never raise, the capacity curve's drop near 0.14 N, refusals and saving."""
import numpy as np
import pytest

import axon
from axon.data.logic import flip_bits, random_bipolar_patterns
from axon.zoo.energy.hopfield import HopfieldNetwork, async_updates, capacity_curve, hebbian_weights


@pytest.fixture
def stored():
    patterns = random_bipolar_patterns(8, 200, seed=0)
    return HopfieldNetwork(200, seed=0).store(patterns), patterns


def test_hebbian_weights_are_symmetric_with_a_zero_diagonal_and_the_outer_product_rule(stored):
    net, patterns = stored
    w = net.kernel.data
    np.testing.assert_array_equal(w, w.T)
    assert np.all(np.diag(w) == 0)
    expected = sum(np.outer(p, p) for p in patterns) / 200.0  # the textbook sum, pattern by pattern
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(w, expected, atol=1e-6)
    assert net.n_patterns == 8


def test_recalls_stored_patterns_from_20_percent_flipped_bits(stored):
    net, patterns = stored
    noisy = flip_bits(patterns, 0.2, seed=1)
    assert np.all(np.sum(noisy != patterns, axis=1) == 40)
    np.testing.assert_array_equal(net.recall(noisy), patterns)
    np.testing.assert_array_equal(net.recall(noisy, mode="sync"), patterns)
    np.testing.assert_array_equal(net.recall(noisy[0]), patterns[0])  # one state of shape (N,)
    np.testing.assert_array_equal(net.predict(noisy, verbose=0), patterns)  # the Keras way


def test_asynchronous_energy_never_rises():
    net = HopfieldNetwork(100, seed=3).store(random_bipolar_patterns(25, 100, seed=2))  # overloaded: long paths
    starts = random_bipolar_patterns(16, 100, seed=4)
    for every in ("update", "sweep"):
        final, energies = net.recall(starts, return_energies=True, energy_every=every)
        assert np.all(np.diff(energies, axis=1) <= 1e-4), every
        np.testing.assert_allclose(energies[:, -1], net.energy(final), rtol=1e-5, atol=1e-3)
    assert energies.shape[1] > 2 and np.all(energies[:, -1] < energies[:, 0])
    # the end is a fixed point: one more sweep changes nothing
    np.testing.assert_array_equal(net.recall(final, max_sweeps=1), final)


def test_synchronous_updates_can_oscillate_where_asynchronous_ones_cannot():
    patterns = np.array([[1, 1, -1, -1], [1, -1, 1, -1]], np.float32)
    net = HopfieldNetwork(4).store(patterns)
    net.kernel.data[...] = 1.0 - np.eye(4)  # all-excitatory: + - + - flips to - + - + and back
    start = np.array([[1, -1, 1, -1]], np.float32)
    final, energies = net.recall(start, mode="sync", max_sweeps=10, return_energies=True)
    np.testing.assert_array_equal(net.recall(final, mode="sync", max_sweeps=1), -final)  # a two-cycle
    async_final = net.recall(start, seed=0)
    assert abs(async_final.sum()) == 4  # all units agree: a fixed point


def test_energy_matches_its_definition(stored):
    net, patterns = stored
    s = flip_bits(patterns, 0.3, seed=5)
    w = net.kernel.data.astype(np.float64)
    np.testing.assert_allclose(net.energy(s), [-0.5 * x @ w @ x for x in s.astype(np.float64)], rtol=1e-5)
    assert np.all(net.energy(patterns) < net.energy(s))  # stored patterns lie lower


def test_fit_stores_by_the_same_rule_as_store():
    patterns = random_bipolar_patterns(6, 64, seed=6)
    net = HopfieldNetwork(64, seed=0)
    net.compile()
    history = net.fit(patterns, epochs=1, batch_size=4, verbose=0)
    np.testing.assert_allclose(net.kernel.data, hebbian_weights(patterns), atol=1e-6)
    assert history.history["patterns"] == [6.0] and history.history["stable"] == [1.0]


def test_capacity_curve_drops_near_0_14_n():
    loads = np.array([0.05, 0.08, 0.25, 0.3])
    curve = capacity_curve(100, loads, trials=6, flip_fraction=0.1, seed=0)
    assert curve["recalled"][0] == 1.0 and curve["recalled"][1] > 0.9
    assert curve["recalled"][2] < 0.3 and curve["recalled"][3] < 0.3
    assert curve["overlap"][0] > 0.99 > curve["overlap"][3]


def test_async_updates_run_stacks_of_networks_at_once():
    patterns = random_bipolar_patterns(6, 50, seed=7).reshape(2, 3, 50)
    w = hebbian_weights(patterns)
    final, energies, sweeps = async_updates(w, np.zeros(50, np.float32), patterns, np.random.default_rng(0), 5)
    np.testing.assert_array_equal(final, patterns)  # few patterns: each is a fixed point
    assert energies.shape == (2, 3, 2) and sweeps == 1


def test_pattern_of_the_wrong_length_names_the_expected_size(stored):
    net, patterns = stored
    with pytest.raises(ValueError, match=r"each pattern must have 200 units.*got shape \(8, 199\)"):
        net.recall(patterns[:, :199])
    with pytest.raises(ValueError, match="must have 200 units"):
        net.store(np.ones((2, 10)))
    with pytest.raises(ValueError, match=r"-1 or \+1.*binary 0/1 data: pass 2 \* x - 1"):
        net.recall((patterns > 0).astype(np.float32))
    with pytest.raises(ValueError, match="mode must be 'async' or 'sync'"):
        net.recall(patterns, mode="parallel")
    with pytest.raises(ValueError, match="n_units must be a whole number >= 2"):
        HopfieldNetwork(1)


def test_seeded_recall_is_reproducible():
    patterns = random_bipolar_patterns(30, 100, seed=8)  # overloaded, so the update order matters
    starts = flip_bits(patterns, 0.2, seed=9)
    a = HopfieldNetwork(100, seed=11).store(patterns).recall(starts)
    b = HopfieldNetwork(100, seed=11).store(patterns).recall(starts)
    np.testing.assert_array_equal(a, b)


def test_save_and_load_round_trip(stored, tmp_path):
    net, patterns = stored
    net.compile()
    path = tmp_path / "hopfield.axon"
    net.save(path)
    restored = axon.models.load_model(path)
    assert isinstance(restored, HopfieldNetwork) and restored.n_patterns == 8
    np.testing.assert_array_equal(restored.kernel.data, net.kernel.data)
    np.testing.assert_array_equal(restored.recall(flip_bits(patterns, 0.2, seed=1)), patterns)


@pytest.mark.slow
def test_registered_and_shown(tmp_path):
    from axon.zoo import registry
    from axon.zoo.energy import hopfield
    assert registry.MODELS.get("hopfield") is HopfieldNetwork
    shown = hopfield.show(str(tmp_path), quick=True)
    assert shown.measured["bits right after recall from 20% flips (worst pattern)"] == 1.0
    assert shown.measured["largest energy rise in asynchronous recall"] == 0.0
    assert 0.1 <= [v for k, v in shown.measured.items() if "falls below half" in k][0] <= 0.22
    assert {"recall", "energy", "capacity", "page"} <= set(shown.files)
