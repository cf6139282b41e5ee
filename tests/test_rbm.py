"""Restricted Boltzmann machines: the CD and PCD updates against a textbook loop, the free energy and
pseudo-likelihood against brute force, learning, sampling, bad input, saving, and scikit-learn's
BernoulliRBM side by side on its own example."""
import itertools
import math

import numpy as np
import pytest

import axon
from axon.zoo.energy import BernoulliRBM, GaussianBernoulliRBM
from axon.zoo.energy.rbm_scores import pseudo_likelihood
from helpers import random_rbm


def _sig(x):
    return 1.0 / (1.0 + math.exp(-x))


def textbook_updates(W, b, c, batches, rng, k=1, persistent=False, lr=0.1, momentum=0.0, weight_decay=0.0,
                     target=None, cost=0.0):
    """CD-k / PCD-k as the lecture writes it, one unit and one example at a time, with Hinton's
    momentum, weight decay and sparsity target; drawing the same uniforms in the same order as the
    fast implementation.  Returns the weights after one update per batch."""
    W, b, c = W.astype(np.float64).copy(), b.astype(np.float64).copy(), c.astype(np.float64).copy()
    nv, nh = W.shape
    vel_W, vel_b, vel_c = np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)
    q = np.full(nh, target if target is not None else 0.0)
    chains = None
    for V in batches:
        B = len(V)
        ph0 = [[_sig(c[j] + sum(V[n][i] * W[i][j] for i in range(nv))) for j in range(nh)] for n in range(B)]
        if persistent:
            h = chains if chains is not None else [[0.0] * nh for _ in range(B)]
        else:
            u = rng.random((B, nh), dtype=np.float32)
            h = [[1.0 if u[n][j] < ph0[n][j] else 0.0 for j in range(nh)] for n in range(B)]
        for step in range(k):
            u = rng.random((B, nv), dtype=np.float32)
            pv = [[_sig(b[i] + sum(h[n][j] * W[i][j] for j in range(nh))) for i in range(nv)] for n in range(B)]
            vk = [[1.0 if u[n][i] < pv[n][i] else 0.0 for i in range(nv)] for n in range(B)]
            hk = [[_sig(c[j] + sum(vk[n][i] * W[i][j] for i in range(nv))) for j in range(nh)] for n in range(B)]
            if step < k - 1 or persistent:
                u = rng.random((B, nh), dtype=np.float32)
                h = [[1.0 if u[n][j] < hk[n][j] else 0.0 for j in range(nh)] for n in range(B)]
        chains = h
        gW, gb, gc = np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)
        for i in range(nv):
            for j in range(nh):
                gW[i][j] = (sum(V[n][i] * ph0[n][j] for n in range(B)) / B
                            - sum(vk[n][i] * hk[n][j] for n in range(B)) / B - weight_decay * W[i][j])
        for i in range(nv):
            gb[i] = sum(V[n][i] for n in range(B)) / B - sum(vk[n][i] for n in range(B)) / B
        for j in range(nh):
            gc[j] = sum(ph0[n][j] for n in range(B)) / B - sum(hk[n][j] for n in range(B)) / B
        if target is not None:
            for j in range(nh):
                q[j] = 0.9 * q[j] + 0.1 * sum(ph0[n][j] for n in range(B)) / B
                gc[j] -= cost * (q[j] - target)
                for i in range(nv):
                    gW[i][j] -= cost * (q[j] - target) * sum(V[n][i] for n in range(B)) / B
        for w, vel, g in ((W, vel_W, gW), (b, vel_b, gb), (c, vel_c, gc)):
            vel *= momentum
            vel += lr * g
            w += vel
    return W, b, c


def _tiny_batches(rng, n_batches=2, rows=3, nv=4):
    return [(rng.random((rows, nv)) < 0.5).astype(np.float32) for _ in range(n_batches)]


@pytest.mark.parametrize("settings", [
    dict(k=1, persistent=False),
    dict(k=2, persistent=False),
    dict(k=1, persistent=True),
    dict(k=3, persistent=True, momentum=0.5, weight_decay=0.01, target=0.1, cost=0.5),
], ids=["cd1", "cd2", "pcd1", "pcd3-momentum-decay-sparsity"])
def test_cd_update_matches_textbook_loop(settings):
    batches = _tiny_batches(np.random.default_rng(3))
    rbm = BernoulliRBM(3, learning_rate=0.1, cd_k=settings["k"], persistent=settings["persistent"],
                       momentum=settings.get("momentum", 0.0), weight_decay=settings.get("weight_decay", 0.0),
                       sparsity_target=settings.get("target"), sparsity_cost=settings.get("cost", 0.0), seed=7)
    rbm.transform(batches[0])  # build: W drawn first from the RBM's generator
    rbm.visible_bias.data[...] = [0.2, -0.1, 0.0, 0.3]
    rbm.hidden_bias.data[...] = [-0.2, 0.1, 0.05]
    rbm.W.data[...] *= 50  # weights big enough that the updates matter
    W0, b0, c0 = rbm.W.data.copy(), rbm.visible_bias.data.copy(), rbm.hidden_bias.data.copy()
    oracle_rng = np.random.default_rng(7)
    oracle_rng.standard_normal(W0.shape, dtype=np.float32)  # the draw build made
    for batch in batches:
        logs = rbm.train_step(batch)
    W, b, c = textbook_updates(W0, b0, c0, batches, oracle_rng, k=settings["k"], persistent=settings["persistent"],
                               lr=0.1, momentum=settings.get("momentum", 0.0),
                               weight_decay=settings.get("weight_decay", 0.0), target=settings.get("target"),
                               cost=settings.get("cost", 0.0))
    assert not np.allclose(W, W0)
    np.testing.assert_allclose(rbm.W.data, W, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rbm.visible_bias.data, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rbm.hidden_bias.data, c, rtol=1e-5, atol=1e-6)
    assert set(logs) == {"reconstruction_error", "free_energy"}


def _brute_free_energy(rbm, v, gaussian=False):
    W, b, c = (t.data.astype(np.float64) for t in (rbm.W, rbm.visible_bias, rbm.hidden_bias))
    out = []
    for row in np.asarray(v, np.float64):
        total = 0.0
        for h in itertools.product([0.0, 1.0], repeat=len(c)):
            h = np.array(h)
            visible = -0.5 * ((row - b) ** 2).sum() if gaussian else row @ b
            total += math.exp(visible + c @ h + row @ W @ h)   # exp(-E(v, h))
        out.append(-math.log(total))
    return np.array(out)


def test_free_energy_matches_brute_force_sum_over_hidden_states():
    rbm = random_rbm(BernoulliRBM, 5, 4)
    v = (np.random.default_rng(1).random((6, 5)) < 0.5).astype(np.float32)
    np.testing.assert_allclose(rbm.free_energy(v), _brute_free_energy(rbm, v), rtol=1e-5, atol=1e-4)
    g = random_rbm(GaussianBernoulliRBM, 3, 4, scale=0.5)
    x = np.random.default_rng(2).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(g.free_energy(x), _brute_free_energy(g, x, gaussian=True), rtol=1e-5, atol=1e-4)


def test_pseudo_likelihood_exact_and_sklearn_style_estimate():
    rbm = random_rbm(BernoulliRBM, 6, 3)
    v = (np.random.default_rng(4).random((4, 6)) < 0.5).astype(np.float32)
    # brute force: sum_i log p(v_i | v_-i) from the free energies of v and of v with unit i flipped
    expected = np.zeros(len(v))
    for i in range(6):
        flipped = v.copy()
        flipped[:, i] = 1 - flipped[:, i]
        f, f_flip = _brute_free_energy(rbm, v), _brute_free_energy(rbm, flipped)
        expected += -f - np.logaddexp(-f, -f_flip)
    np.testing.assert_allclose(pseudo_likelihood(rbm, v), expected, rtol=1e-5)
    # scikit-learn's score: n_visible * one random term, so its mean over many draws is the exact sum
    many = np.repeat(v, 3000, axis=0)
    estimate = rbm.score_samples(many, seed=0).reshape(4, 3000).mean(axis=1)
    np.testing.assert_allclose(estimate, expected, rtol=0.05)


def test_pseudo_likelihood_and_free_energy_agree_with_sklearn_on_the_same_weights():
    sklearn_rbm = pytest.importorskip("sklearn.neural_network").BernoulliRBM
    x = (np.random.default_rng(0).random((40, 8)) < 0.4).astype(np.float64)
    theirs = sklearn_rbm(n_components=5, n_iter=3, random_state=0).fit(x)
    ours = BernoulliRBM(5)
    ours.transform(x.astype(np.float32))
    ours.W.data[...] = theirs.components_.T
    ours.visible_bias.data[...] = theirs.intercept_visible_
    ours.hidden_bias.data[...] = theirs.intercept_hidden_
    np.testing.assert_allclose(ours.free_energy(x), theirs._free_energy(x), rtol=1e-5)
    np.testing.assert_allclose(ours.transform(x), theirs.transform(x), rtol=1e-5)
    np.testing.assert_allclose(pseudo_likelihood(ours, x), pseudo_likelihood(theirs, x), rtol=1e-5)


def test_learning_lowers_reconstruction_error_and_gibbs_samples_look_like_the_data():
    rng = np.random.default_rng(0)
    prototypes = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]], np.float32)
    x = prototypes[rng.integers(0, 2, 600)]
    x = np.abs(x - (rng.random(x.shape) < 0.05)).astype(np.float32)  # 5% of the bits flipped
    rbm = BernoulliRBM(6, learning_rate=0.3, persistent=True, momentum=0.5, seed=0)
    history = rbm.fit(x, epochs=8, batch_size=20, verbose=0)
    errors = history.history["reconstruction_error"]
    assert errors[-1] < 0.5 * errors[0]
    samples = rbm.sample(200, steps=200)
    distance = np.abs(samples[:, None, :] - prototypes[None]).sum(axis=2).min(axis=1)
    assert (distance <= 1).mean() > 0.8
    mixed = np.array([[1, 0, 1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1, 0, 1]], np.float32)
    assert rbm.free_energy(prototypes).max() < rbm.free_energy(mixed).min()  # the data are more probable
    np.testing.assert_allclose(rbm.predict(x[:5], verbose=0), rbm.transform(x[:5]), rtol=1e-6)


def test_hinton_momentum_schedule_follows_the_epochs_of_fit():
    x = (np.random.default_rng(0).random((20, 4)) < 0.5).astype(np.float32)
    rbm = BernoulliRBM(3, momentum="hinton", seed=0)
    seen = []
    rbm.fit(x, epochs=7, batch_size=10, verbose=0,
            callbacks=[axon.callbacks.LambdaCallback(
                on_epoch_end=lambda epoch, logs: seen.append(rbm.current_momentum()))])
    assert seen == [0.5] * 5 + [0.9] * 2
    assert BernoulliRBM(3, momentum=lambda epoch: 0.1 * epoch).current_momentum() == 0.0


def test_gaussian_rbm_learns_standardised_data():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 2, (3, 6))
    x = (centres[rng.integers(0, 3, 900)] + rng.normal(0, 0.3, (900, 6))).astype(np.float32)
    x = (x - x.mean(0)) / x.std(0)
    rbm = GaussianBernoulliRBM(8, learning_rate=0.05, momentum=0.5, seed=0)
    before = rbm.reconstruction_error(x)
    rbm.fit(x, epochs=10, batch_size=30, verbose=0)
    assert rbm.reconstruction_error(x) < 0.4 * before
    assert rbm.sample(4, steps=5).shape == (4, 6)


def test_seeded_rbm_is_reproducible():
    x = (np.random.default_rng(0).random((64, 10)) < 0.3).astype(np.float32)
    runs = []
    for _ in range(2):
        axon.manual_seed(1)
        rbm = BernoulliRBM(5, persistent=True, seed=3)
        rbm.fit(x, epochs=2, batch_size=8, verbose=0)
        runs.append(rbm.W.data.copy())
    np.testing.assert_array_equal(*runs)


def test_bad_input_is_refused_with_the_expected_range():
    rbm = BernoulliRBM(4)
    with pytest.raises(ValueError, match=r"BernoulliRBM.fit: visible values must lie in \[0, 1\].*min -0.5, max 3"):
        rbm.fit(np.array([[0.0, -0.5], [3.0, 1.0]], np.float32), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"\[0, 1\].*NaN|min nan"):
        rbm.transform(np.array([[np.nan, 0.5]]))
    with pytest.raises(ValueError, match="flatten images first"):
        rbm.transform(np.zeros((2, 3, 3)))
    rbm = BernoulliRBM(4)
    rbm.transform(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="has 5 visible units, got data of shape \\(2, 7\\)"):
        rbm.free_energy(np.zeros((2, 7)))
    with pytest.raises(ValueError, match="expected hidden values \\(N, 4\\)"):
        rbm.visible_probabilities(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="n_hidden must be a positive whole number"):
        BernoulliRBM(0)
    with pytest.raises(ValueError, match="momentum must be"):
        BernoulliRBM(3, momentum=1.5)
    with pytest.raises(ValueError, match="needs a sparsity_target"):
        BernoulliRBM(3, sparsity_cost=0.1)
    with pytest.raises(ValueError, match="cd_k must be"):
        BernoulliRBM(3, cd_k=0)
    gaussian = GaussianBernoulliRBM(3)
    gaussian.transform(np.array([[-4.0, 7.0]]))  # real values are fine for Gaussian visibles
    with pytest.raises(ValueError, match="must be finite"):
        gaussian.transform(np.array([[np.inf, 0.0]]))
    with pytest.raises(ValueError, match="pseudo-likelihood flips binary"):
        gaussian.score_samples(np.zeros((1, 2)))
    with pytest.raises(RuntimeError, match="not built yet"):
        BernoulliRBM(3).sample(2)


def test_save_and_load_round_trip(tmp_path):
    x = (np.random.default_rng(0).random((60, 12)) < 0.3).astype(np.float32)
    rbm = BernoulliRBM(5, learning_rate=0.05, persistent=True, momentum=0.5, sparsity_target=0.1,
                       sparsity_cost=0.2, seed=0)
    rbm.fit(x, epochs=2, batch_size=10, verbose=0)
    path = tmp_path / "rbm.axon"
    rbm.save(path)
    loaded = axon.models.load_model(path)
    assert type(loaded) is BernoulliRBM and loaded.n_hidden == 5 and loaded.persistent
    assert loaded.sparsity_target == 0.1 and loaded.momentum == 0.5
    for name in ("W", "visible_bias", "hidden_bias", "W_velocity", "hidden_activity"):
        np.testing.assert_array_equal(getattr(loaded, name).data, getattr(rbm, name).data)
    np.testing.assert_allclose(loaded.transform(x), rbm.transform(x))
    loaded.fit(x, epochs=1, batch_size=10, verbose=0)  # goes on training


def test_zoo_registry_names():
    assert isinstance(axon.zoo.get("rbm", n_hidden=3), BernoulliRBM)
    assert isinstance(axon.zoo.get("gaussian_bernoulli_rbm", n_hidden=3), GaussianBernoulliRBM)


@pytest.mark.slow
def test_side_by_side_with_sklearn_on_its_digits_example():
    """scikit-learn's 'RBM features for digit classification': Axon's RBM with PCD and with CD-1
    (momentum 0.5, the practical guide's start) reaches >= 0.92 accuracy and at least scikit-learn's
    pseudo-likelihood on the same test split; speed is compared in benchmarks/bench_rbm.py."""
    sklearn = pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import BernoulliRBM as SklearnRBM
    from axon.data.datasets.digits import nudged_arrays
    assert sklearn
    x, y = nudged_arrays()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0)

    def accuracy(model):
        clf = LogisticRegression(C=6000, max_iter=1000).fit(model.transform(x_train), y_train)
        return clf.score(model.transform(x_test), y_test)

    theirs = SklearnRBM(n_components=100, learning_rate=0.06, n_iter=10, batch_size=10, random_state=0).fit(x_train)
    their_pl = pseudo_likelihood(theirs, x_test).mean()
    for persistent in (True, False):
        axon.manual_seed(0)
        ours = BernoulliRBM(100, learning_rate=0.06, persistent=persistent, momentum=0.5, seed=0)
        ours.fit(x_train, epochs=10, batch_size=10, verbose=0)
        assert accuracy(ours) >= 0.92
        assert pseudo_likelihood(ours, x_test).mean() >= their_pl


def test_show_quick_draws_and_measures(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")  # the 8x8 digits ship with scikit-learn
    from axon.zoo.energy.rbm import show
    shown = show(tmp_path, quick=True)
    assert shown.name == "Restricted Boltzmann machine (RBM)"
    for role in ("filters", "samples", "reconstruction error", "page"):
        assert (tmp_path / shown.files[role].split("/")[-1]).exists()
    m = shown.measured
    assert m["|AIS - exact| (nats)"] < 0.1
    assert m["test log-likelihood (nats per image)"] > m["base-rate model test log-likelihood (nats per image)"]
    assert m["reconstruction error, last epoch"] < m["reconstruction error, first epoch"]
