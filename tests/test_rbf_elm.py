"""RBF networks and extreme learning machines: k-means centres, Gaussian units, readouts solved in
closed form through the training contract (or by gradient descent), against NumPy's and
scikit-learn's solutions."""
import os

import numpy as np
import pytest

import axon
from axon.models import load_model
from axon.zoo.classic.elm import ExtremeLearningMachine
from axon.zoo.classic.rbf import RBFNetwork, _two_moons, kmeans, width_from_rule


def blobs(seed=0, n=300):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [6, 0], [0, 6]], dtype=float)
    labels = rng.integers(0, 3, n)
    return (centres[labels] + rng.normal(0, 0.7, (n, 2))).astype(np.float32), labels, centres


def test_kmeans_finds_separated_clusters():
    x, labels, centres = blobs()
    found, assign, inertia = kmeans(x, 3, seed=0)
    nearest = np.sqrt(((found[:, None] - centres[None]) ** 2).sum(-1)).min(1)
    assert nearest.max() < 0.2
    assert len(np.unique(assign)) == 3
    assert np.isclose(inertia, ((x - found[assign]) ** 2).sum(), rtol=1e-6)


def test_kmeans_matches_scikit_learn_inertia():
    cluster = pytest.importorskip("sklearn.cluster")
    x = np.random.default_rng(3).normal(size=(400, 4))
    ours = kmeans(x, 8, seed=0)[2]
    theirs = cluster.KMeans(8, n_init=1, random_state=0).fit(x).inertia_
    assert ours <= theirs * 1.05


def test_width_rules():
    c = np.array([[0.0, 0.0], [1.0, 0.0], [4.0, 0.0]])
    assert np.allclose(width_from_rule(c, "max_distance"), 4 / np.sqrt(6))
    assert np.allclose(width_from_rule(c, "nearest"), [1, 1, 3])


def test_rbf_least_squares_fits_a_function_and_is_numpys_solution():
    x = np.linspace(-3, 3, 200, dtype=np.float32)[:, None]
    t = np.sin(2 * x) + 0.3 * x
    net = RBFNetwork(units=15, ridge=1e-8, seed=0)
    history = net.fit(x, t, verbose=0)
    assert "loss" in history.history
    assert np.abs(net.predict(x) - t).max() < 0.05
    exact = RBFNetwork(units=15, width_rule="nearest", ridge=0.0, seed=0)
    exact.fit(x, t, verbose=0)
    h = np.concatenate([exact.features(x), np.ones((200, 1))], 1)
    w = np.linalg.lstsq(h, t.astype(np.float64), rcond=None)[0]
    assert np.allclose(exact.predict(x), h @ w, atol=1e-4)


def test_rbf_separates_two_moons_where_a_line_cannot():
    x, y = _two_moons(400, noise=0.15, seed=1)
    xt, yt = _two_moons(400, noise=0.15, seed=2)
    net = RBFNetwork(units=20, seed=0)
    net.fit(x, y, verbose=0)
    h = np.concatenate([x, np.ones((len(x), 1))], 1)
    w = np.linalg.lstsq(h, np.eye(2)[y], rcond=None)[0]
    linear = ((np.concatenate([xt, np.ones((len(xt), 1))], 1) @ w).argmax(1) == yt).mean()
    assert (net.predict(xt).argmax(1) == yt).mean() > 0.96 > 0.9 > linear


def test_closed_form_readout_ignores_batch_size_and_epochs():
    x, y = _two_moons(300, seed=4)
    one = RBFNetwork(units=12, centres="random", seed=5)
    one.fit(x, y, batch_size=300, verbose=0)
    many = RBFNetwork(units=12, centres="random", seed=5)
    many.fit(x, y, batch_size=17, epochs=3, verbose=0)
    assert np.allclose(one.centres.data, many.centres.data)
    assert np.allclose(one.predict(x), many.predict(x), atol=1e-4)


def test_rbf_gradient_readout_trains_through_compile_and_fit():
    x, y = _two_moons(300, noise=0.1, seed=1)
    net = RBFNetwork(units=20, readout="gradient", seed=0)
    net.compile(optimizer=axon.optimizers.Adam(learning_rate=0.05),
                loss=axon.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = net.fit(x, y, epochs=15, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert history.history["accuracy"][-1] > 0.95
    assert [w.name.rsplit("/", 1)[-1] for w in net.trainable_weights] == ["readout_kernel", "readout_bias"]


def test_elm_is_the_pseudo_inverse_and_scikit_learns_ridge():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5)).astype(np.float32)
    t = (np.sin(x[:, :2]) + 0.1 * rng.normal(size=(120, 2))).astype(np.float32)
    pinv = ExtremeLearningMachine(units=40, ridge=0.0, seed=1)
    pinv.fit(x, t, verbose=0)
    h = np.concatenate([pinv.features(x), np.ones((120, 1))], 1).astype(np.float64)
    assert np.allclose(pinv.predict(x), h @ (np.linalg.pinv(h) @ t), atol=1e-3)
    linear_model = pytest.importorskip("sklearn.linear_model")
    ridge = ExtremeLearningMachine(units=40, ridge=1e-2, seed=1)
    ridge.fit(x, t, verbose=0)
    reference = linear_model.Ridge(alpha=1e-2 * 120).fit(ridge.features(x), t)
    assert np.allclose(ridge.readout_kernel.data, reference.coef_.T, atol=1e-4)
    assert np.allclose(ridge.readout_bias.data, reference.intercept_, atol=1e-4)


def test_elm_classifies_digits():
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()
    x = (digits.data / 16).astype(np.float32)
    y = digits.target.astype(np.int64)
    elm = ExtremeLearningMachine(units=400, seed=0)
    elm.compile(metrics=["accuracy"])
    history = elm.fit(x[:1400], y[:1400], batch_size=256, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
    assert (elm.predict(x[1400:]).argmax(1) == y[1400:]).mean() > 0.9


def test_elm_save_load_round_trip_and_goes_on_fitting(tmp_path):
    x, y = _two_moons(200, seed=6)
    elm = ExtremeLearningMachine(units=60, seed=2)
    elm.fit(x[:100], y[:100], verbose=0)
    path = str(tmp_path / "elm.axon")
    elm.save(path)
    again = load_model(path)
    assert np.array_equal(again.predict(x), elm.predict(x))
    again.fit(x[100:], y[100:], verbose=0)  # the normal equations were saved: the same as one fit of all
    whole = ExtremeLearningMachine(units=60, seed=2)
    whole.fit(x, y, verbose=0)
    assert np.allclose(again.predict(x), whole.predict(x), atol=1e-4)


def test_seed_makes_runs_identical():
    x, y = _two_moons(100, seed=7)
    a, b = RBFNetwork(units=8, seed=3), RBFNetwork(units=8, seed=3)
    a.fit(x, y, verbose=0)
    b.fit(x, y, verbose=0)
    assert np.array_equal(a.predict(x), b.predict(x))


@pytest.mark.parametrize("build, match", [
    (lambda: RBFNetwork(units=0), "units must be a positive whole number"),
    (lambda: RBFNetwork(readout="newton"), "readout must be one of 'lstsq', 'gradient'"),
    (lambda: RBFNetwork(sigma=-1.0), "sigma must be a positive number"),
    (lambda: ExtremeLearningMachine(ridge=-1), "ridge must be a number >= 0"),
    (lambda: ExtremeLearningMachine(outputs=0), "outputs must be a positive whole number"),
    (lambda: kmeans(np.zeros((3, 2)), 5), "k must be a whole number from 1 to the number of points"),
])
def test_bad_arguments_are_refused(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_bad_data_is_refused():
    x = np.zeros((10, 3), np.float32)
    with pytest.raises(ValueError, match=r"needs at least 20 inputs"):
        RBFNetwork(units=20).fit(x, np.zeros(10, np.int64), verbose=0)
    elm = ExtremeLearningMachine(units=5, outputs=3, seed=0)
    with pytest.raises(ValueError, match=r"class labels must lie in 0\.\.2 \(outputs=3\), got min 0, max 7"):
        elm.fit(x, np.array([0, 7] * 5), verbose=0)
    with pytest.raises(ValueError, match=r"inputs have 4 features but the model was built for 3"):
        elm.predict(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match=r"fit needs targets"):
        ExtremeLearningMachine(units=5, outputs=2).fit(x, verbose=0)
    with pytest.raises(ValueError, match=r"number of outputs is unknown"):
        ExtremeLearningMachine(units=5)(x)


def test_rbf_show_draws_its_claims(tmp_path):
    from axon.zoo.classic.rbf import show
    shown = show(str(tmp_path), quick=True)
    m = shown.measured
    assert m["1-D fit RMSE to the true function"] < 0.1
    assert m["two moons test accuracy (least squares)"] > 0.95 > 0.9 > m["linear classifier test accuracy"]
    assert m["two moons test accuracy (gradient readout)"] > 0.95
    assert os.path.exists(shown.files["figure"]) and shown.files["page"].endswith("rbf.md")


def test_elm_show_is_faster_than_backprop(tmp_path, fashion_2000):
    from axon.zoo.classic.elm import show
    shown = show(str(tmp_path), quick=True)
    m = shown.measured
    assert m["ELM test accuracy"] > 0.75 and m["MLP test accuracy"] > 0.7
    assert m["ELM fit time (s)"] < m["MLP fit time (s)"]
    assert os.path.exists(shown.files["figure"])


def test_closed_form_fit_validates_evaluates_and_weighs_samples():
    x, y = _two_moons(300, seed=8)
    elm = ExtremeLearningMachine(units=50, seed=0)
    elm.compile(metrics=["accuracy"])
    history = elm.fit(x, y, validation_split=0.2, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    logs = elm.evaluate(x, y, return_dict=True)
    assert logs["accuracy"] > 0.95 and logs["loss"] < 0.1
    # weights are counts: a sample of weight 2 is that sample twice
    doubled = ExtremeLearningMachine(units=50, seed=0)
    doubled.fit(np.concatenate([x, x[:50]]), np.concatenate([y, y[:50]]), verbose=0)
    weighted = ExtremeLearningMachine(units=50, seed=0)
    weighted.fit(x, y, sample_weight=np.r_[np.full(50, 2.0), np.ones(250)], verbose=0)
    assert np.allclose(doubled.predict(x), weighted.predict(x), atol=1e-4)
