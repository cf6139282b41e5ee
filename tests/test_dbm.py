"""The deep Boltzmann machine: its Gibbs sampler against exact enumeration, mean-field fixed points,
learning on binarised Fashion-MNIST, pretraining, saving and its errors."""
import itertools
import os

import numpy as np
import pytest

import axon
from axon.ops.special import logistic as sigmoid
from axon.zoo.energy.dbm import DeepBoltzmannMachine


def tiny_dbm(seed=0):
    """A 3-2-2 DBM with strong random weights (built, not trained)."""
    dbm = DeepBoltzmannMachine((2, 2), n_chains=4, seed=seed)
    dbm.build_from_shape((3,))
    rng = np.random.default_rng(seed + 10)
    for p in dbm.kernels + dbm.biases:
        p.data[...] = rng.normal(0.0, 1.5, p.shape)
    return dbm


def exact_visible_means(dbm):
    """E[v] under the DBM by enumerating all joint states: p(v, h1, h2) ~ exp(-E)."""
    sizes = dbm.sizes
    states = np.array(list(itertools.product([0.0, 1.0], repeat=sum(sizes))))
    cuts = np.cumsum(sizes)[:-1]
    layers = np.split(states, cuts, axis=1)
    neg_energy = sum(layers[l] @ dbm.biases[l].data for l in range(len(sizes)))
    neg_energy += sum(np.einsum("ni,ij,nj->n", layers[l], dbm.kernels[l].data, layers[l + 1])
                      for l in range(len(sizes) - 1))
    p = np.exp(neg_energy - neg_energy.max())
    p /= p.sum()
    return p @ layers[0]


def test_gibbs_sampler_matches_exact_enumeration():
    dbm = tiny_dbm()
    sampled = dbm.sample(20000, steps=40, seed=1).mean(0)
    np.testing.assert_allclose(sampled, exact_visible_means(dbm), atol=0.015)


def test_mean_field_reaches_a_fixed_point_of_the_mean_field_equations():
    dbm = tiny_dbm()
    v = np.array([[1, 0, 1], [0, 1, 1]], np.float32)
    mu1, mu2 = dbm.mean_field(v, steps=200)
    k0, k1 = dbm.kernels[0].data, dbm.kernels[1].data
    np.testing.assert_allclose(mu1, sigmoid(v @ k0 + mu2 @ k1.T + dbm.biases[1].data), atol=1e-5)
    np.testing.assert_allclose(mu2, sigmoid(mu1 @ k1 + dbm.biases[2].data), atol=1e-5)
    assert dbm.transform(v).shape == (2, 2)


@pytest.fixture(scope="module")
def binary_fashion(fashion_2000):
    x, _ = fashion_2000
    return (x > 0.5).astype(np.float32)


def test_dbm_learns_binarised_fashion(binary_fashion):
    x = binary_fashion[:1000]
    dbm = DeepBoltzmannMachine((100, 50), learning_rate=0.01, n_chains=50, mean_field_steps=5, seed=0)
    dbm.compile()
    dbm.build_from_shape((784,))
    before = float(np.mean((x - dbm.reconstruct(x)) ** 2))
    history = dbm.fit(x, epochs=8, batch_size=50, verbose=0)
    errors = history.history["reconstruction_error"]
    after = float(np.mean((x - dbm.reconstruct(x)) ** 2))
    assert after < 0.6 * before and errors[-1] < errors[0]
    # the persistent chains dream images whose pixel means follow the data's
    dreams = dbm.fantasy_particles()
    assert np.corrcoef(dreams.mean(0), x.mean(0))[0, 1] > 0.8
    assert dbm.sample(4, steps=20, seed=0).shape == (4, 784)


def test_seeded_training_is_reproducible(binary_fashion):
    x = binary_fashion[:200]
    kernels = []
    for _ in range(2):
        axon.manual_seed(0)
        dbm = DeepBoltzmannMachine((20, 10), n_chains=10, seed=3)
        dbm.compile()
        dbm.fit(x, epochs=2, batch_size=50, verbose=0)
        kernels.append(dbm.kernels[1].data.copy())
    np.testing.assert_array_equal(*kernels)


def test_pretraining_from_rbms_gives_a_better_start(binary_fashion):
    x = binary_fashion[:500]
    pretrained = DeepBoltzmannMachine((64, 32), seed=0)
    histories = pretrained.pretrain(x, epochs=3, batch_size=20, verbose=0, learning_rate=0.1)
    assert len(histories) == 2 and len(histories[0].history["reconstruction_error"]) == 3
    # the mean-field reconstruction, before any DBM training, beats the best guess without hidden
    # units (every image the mean image): the RBM weights carry over
    error = float(np.mean((x - pretrained.reconstruct(x)) ** 2))
    assert error < 0.8 * float(np.mean((x - x.mean(0)) ** 2))


def test_save_and_load_round_trip(tmp_path, binary_fashion):
    x = binary_fashion[:100]
    dbm = DeepBoltzmannMachine((16, 8), n_chains=10, seed=0)
    dbm.compile()
    dbm.fit(x, epochs=1, batch_size=50, verbose=0)
    dbm.save(tmp_path / "dbm.axon")
    loaded = axon.models.load_model(tmp_path / "dbm.axon")
    assert isinstance(loaded, DeepBoltzmannMachine) and loaded.layer_sizes == (16, 8)
    np.testing.assert_array_equal(loaded.transform(x), dbm.transform(x))
    np.testing.assert_array_equal(loaded.fantasy_particles(), dbm.fantasy_particles())
    loaded.fit(x, epochs=1, batch_size=50, verbose=0)  # training goes on from the saved chains


def test_registered_as_dbm():
    assert axon.zoo.registry.MODELS.get("dbm") is DeepBoltzmannMachine
    assert axon.zoo.registry.MODELS.get("deep_boltzmann_machine") is DeepBoltzmannMachine


@pytest.mark.parametrize("kwargs, words", [
    ({"layer_sizes": (10,)}, "2 or more"),
    ({"layer_sizes": (10, 0)}, "layer_sizes"),
    ({"layer_sizes": "10,10"}, "layer_sizes"),
    ({"n_chains": 0}, "n_chains"),
    ({"momentum": 1.0}, "momentum"),
    ({"learning_rate": 0}, "learning_rate"),
])
def test_bad_arguments_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        DeepBoltzmannMachine(**kwargs)


def test_bad_data_is_refused():
    dbm = DeepBoltzmannMachine((4, 3))
    dbm.compile()
    with pytest.raises(ValueError, match=r"\[0, 1\].*x / 255"):
        dbm.fit(np.full((8, 5), 255.0, np.float32), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="flatten"):
        dbm.fit(np.zeros((8, 2, 2), np.float32), epochs=1, verbose=0)
    dbm.fit(np.zeros((8, 5), np.float32), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="expected 5 features.*shape \\(2, 6\\)"):
        dbm.mean_field(np.zeros((2, 6), np.float32))
    with pytest.raises(ValueError, match="not built"):
        DeepBoltzmannMachine((4, 3)).sample(3)


def test_pretraining_halves_the_intermediate_kernels(binary_fashion):
    from axon.zoo.energy.dbn import greedy_stack
    x = binary_fashion[:200]
    axon.manual_seed(0)
    dbm = DeepBoltzmannMachine((16, 8, 4), seed=2)
    dbm.pretrain(x, epochs=1, batch_size=50, verbose=0)
    axon.manual_seed(0)
    rbms, _ = greedy_stack((16, 8, 4), x, epochs=1, batch_size=50, verbose=0, seed=2)
    np.testing.assert_array_equal(dbm.kernels[0].data, rbms[0].W.data)
    np.testing.assert_array_equal(dbm.kernels[1].data, 0.5 * rbms[1].W.data)
    np.testing.assert_array_equal(dbm.kernels[2].data, rbms[2].W.data)
    np.testing.assert_array_equal(dbm.biases[0].data, rbms[0].visible_bias.data)
    np.testing.assert_array_equal(dbm.biases[3].data, rbms[2].hidden_bias.data)


def test_show_quick_learns(tmp_path, fashion_2000):
    from axon.zoo.energy.dbm import show
    shown = show(str(tmp_path), quick=True)
    m = shown.measured
    assert m["reconstruction error, last epoch"] < 0.75 * m["reconstruction error, first epoch"]
    assert m["reconstruction error, last epoch"] < m["reconstruction error of the mean image (no hidden units)"]
    assert m["correlation of the fantasy particles' mean image with the data's"] > 0.7
    assert os.path.exists(shown.files["figure"]) and os.path.exists(shown.files["page"])
