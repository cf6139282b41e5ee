"""log Z of an RBM: exact enumeration against a brute-force double sum, and annealed importance
sampling against exact enumeration within 0.1 nats (Bernoulli and Gaussian visibles)."""
import itertools

import numpy as np
import pytest

from axon.zoo.energy import BernoulliRBM, GaussianBernoulliRBM
from axon.zoo.energy.ais import ais_log_partition, annealing_schedule, log_likelihood, log_partition_exact
from helpers import random_rbm


def _all_states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def test_exact_log_partition_matches_the_double_sum_both_ways():
    for nv, nh in ((5, 3), (3, 6)):  # enumerates the hidden, then the visible layer
        rbm = random_rbm(BernoulliRBM, nv, nh)
        W, b, c = (t.data.astype(np.float64) for t in (rbm.W, rbm.visible_bias, rbm.hidden_bias))
        V, H = _all_states(nv), _all_states(nh)
        minus_energy = (V @ b)[:, None] + (H @ c)[None, :] + V @ W @ H.T
        assert log_partition_exact(rbm) == pytest.approx(np.logaddexp.reduce(minus_energy.ravel()), abs=1e-9)


def test_log_likelihood_with_exact_log_z_is_normalised():
    rbm = random_rbm(BernoulliRBM, 6, 4)
    log_z = log_partition_exact(rbm)
    V = _all_states(6)
    log_p = np.array([log_likelihood(rbm, v[None], log_z) for v in V])
    assert np.logaddexp.reduce(log_p) == pytest.approx(0.0, abs=1e-5)


def test_gaussian_exact_log_partition_matches_numerical_integration():
    rbm = random_rbm(GaussianBernoulliRBM, 1, 3, scale=0.7)
    grid = np.linspace(-15, 15, 30001)[:, None]
    W, b, c = (t.data.astype(np.float64) for t in (rbm.W, rbm.visible_bias, rbm.hidden_bias))
    density = np.exp(-0.5 * ((grid - b) ** 2).sum(axis=1) + np.logaddexp(0, grid @ W + c).sum(axis=1))
    assert log_partition_exact(rbm) == pytest.approx(np.log(density.sum() * (grid[1, 0] - grid[0, 0])), abs=1e-4)


@pytest.mark.parametrize("cls, scale", [(BernoulliRBM, 1.0), (GaussianBernoulliRBM, 0.4)])
def test_ais_agrees_with_exact_enumeration_within_a_tenth_of_a_nat(cls, scale):
    rbm = random_rbm(cls, 12, 8, seed=1, scale=scale)
    exact = log_partition_exact(rbm)
    estimate, spread = ais_log_partition(rbm, n_runs=100, n_betas=3000, seed=0)
    assert abs(estimate - exact) < 0.1
    assert 0 < spread < 0.1


def test_ais_from_a_data_base_rate_on_a_trained_rbm():
    rng = np.random.default_rng(0)
    x = (rng.random((400, 12)) < np.linspace(0.1, 0.9, 12)).astype(np.float32)
    rbm = BernoulliRBM(8, learning_rate=0.1, seed=0)
    rbm.fit(x, epochs=5, batch_size=20, verbose=0)
    exact = log_partition_exact(rbm)
    estimate, _ = ais_log_partition(rbm, n_runs=50, n_betas=1000, seed=0, data=x)
    assert abs(estimate - exact) < 0.1
    assert log_likelihood(rbm, x, estimate) == pytest.approx(log_likelihood(rbm, x, exact), abs=0.1)


def test_schedules_and_refusals():
    betas = annealing_schedule(1500)
    assert betas[0] == 0.0 and betas[-1] == 1.0 and len(betas) == 1501 and np.all(np.diff(betas) > 0)
    rbm = random_rbm(BernoulliRBM, 4, 3)
    est, _ = ais_log_partition(rbm, n_runs=20, n_betas=np.linspace(0, 1, 200), seed=0)
    assert abs(est - log_partition_exact(rbm)) < 0.1
    with pytest.raises(ValueError, match="increasing 1-D array of inverse temperatures from 0 to 1"):
        ais_log_partition(rbm, n_betas=[0.0, 0.7, 0.5, 1.0])
    with pytest.raises(ValueError, match="n_runs must be a positive whole number"):
        ais_log_partition(rbm, n_runs=0)
    big = BernoulliRBM(30)
    big.transform(np.zeros((1, 40), np.float32))
    with pytest.raises(ValueError, match=r"2 \*\* 30 states.*ais_log_partition"):
        log_partition_exact(big)
    with pytest.raises(RuntimeError, match="not built yet"):
        log_partition_exact(BernoulliRBM(3))
