"""Linear and kernel SVMs: hinge loss + L2 through compile/fit, random Fourier features against the
exact kernel, and scikit-learn's LinearSVC / SVC side by side."""
import numpy as np
import pytest

import axon
from axon import ops as F
from axon.models import load_model
from axon.optimizers import Adam
from axon.zoo.classic.svm import LinearSVM, RandomFourierFeatures, _circles, kernel_svm


def blobs(n=200, seed=0, gap=2.0):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal((-gap, -1), 0.7, (n // 2, 2)), rng.normal((gap, 1), 0.7, (n // 2, 2))])
    return x.astype(np.float32), np.repeat([-1, 1], n // 2)


@pytest.mark.parametrize("op, ref", [(F.sin, np.sin), (F.cos, np.cos)])
def test_sin_cos_gradcheck_and_values(op, ref):
    x = np.random.default_rng(0).normal(size=(3, 4))
    assert axon.gradcheck(op, [x])
    assert np.allclose(op(axon.Tensor(x)).numpy(), ref(x))


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_sin_cos_match_torch(name):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).normal(size=(5,)).astype(np.float32)
    ours = axon.Tensor(x, requires_grad=True)
    F.sum(getattr(F, name)(ours) * 2.0).backward()
    theirs = torch.tensor(x, requires_grad=True)
    (getattr(torch, name)(theirs) * 2.0).sum().backward()
    assert np.allclose(ours.grad, theirs.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kernel", ["gaussian", "laplacian"])
def test_random_fourier_features_approach_the_kernel(kernel):
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    errors = []
    for d in (30, 300, 3000):
        rff = RandomFourierFeatures(d, kernel_initializer=kernel, scale=1.5, seed=1)
        z = rff(x).numpy().astype(np.float64)
        errors.append(np.abs(z @ z.T - rff.kernel_function(x, x)).mean())
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.02
    assert errors[0] / errors[2] > 5  # about sqrt(100) = 10: the error falls as 1 / sqrt(features)


def test_linear_svm_finds_the_margin_and_agrees_with_scikit_learns_svc():
    x, y = blobs()
    svm = LinearSVM(l2=1e-3, seed=0)
    svm.compile(optimizer=Adam(learning_rate=0.01))
    history = svm.fit(x, y, epochs=400, batch_size=len(x), verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] >= 0.99 and (svm.predict(x) == y).mean() >= 0.99
    scores = svm.decision_function(x)
    assert scores.shape == (len(x),)
    sv = svm.support_vectors(x, y)
    assert 2 <= len(sv) < 0.2 * len(x)  # only the points at the margin hold the solution
    svm_mod = pytest.importorskip("sklearn.svm")
    reference = svm_mod.SVC(kernel="linear", C=1 / (2 * 1e-3 * len(x))).fit(x, y)  # the same objective
    xt, yt = blobs(400, seed=1)
    assert (svm.predict(xt) == reference.predict(xt)).mean() > 0.97
    w, w_ref = svm.kernel.data[:, 0], reference.coef_[0]
    assert np.dot(w, w_ref) / np.linalg.norm(w) / np.linalg.norm(w_ref) > 0.98  # the same hyperplane direction


def test_labels_come_back_in_their_own_terms():
    x, y = blobs(100, seed=2, gap=3)
    zero_one = LinearSVM(seed=0)
    zero_one.compile(optimizer=Adam(learning_rate=0.05))
    zero_one.fit(x, (y > 0).astype(np.int64), epochs=20, batch_size=50, verbose=0)
    assert set(zero_one.predict(x).tolist()) == {0, 1}
    assert (zero_one.predict(x) == (y > 0)).mean() == 1.0


def test_one_vs_rest_on_digits_against_linear_svc():
    datasets = pytest.importorskip("sklearn.datasets")
    svm_mod = pytest.importorskip("sklearn.svm")
    digits = datasets.load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))
    x = (digits.data / 16).astype(np.float32)[order]
    y = digits.target.astype(np.int64)[order]
    svm = LinearSVM(l2=1e-4, seed=0)
    svm.compile(optimizer=Adam(learning_rate=0.05))
    svm.fit(x[:1400], y[:1400], epochs=15, batch_size=64, verbose=0)
    assert svm.num_classes == 10 and svm.decision_function(x[:3]).shape == (3, 10)
    ours = (svm.predict(x[1400:]) == y[1400:]).mean()
    theirs = svm_mod.LinearSVC(C=1 / (2 * 1e-4 * 1400)).fit(x[:1400], y[:1400]).score(x[1400:], y[1400:])
    assert ours > 0.94 and ours > theirs - 0.03


def test_kernel_svm_solves_rings_the_linear_one_cannot():
    x, y = _circles(400, seed=1)
    xt, yt = _circles(400, seed=2)
    linear = LinearSVM(seed=0)
    linear.compile(optimizer=Adam(learning_rate=0.01))
    linear.fit(x, y, epochs=20, batch_size=32, verbose=0)
    kernel = kernel_svm(output_dim=300, scale=0.3, seed=0)
    kernel.compile(optimizer=Adam(learning_rate=0.01))
    kernel.fit(x, y, epochs=20, batch_size=32, verbose=0)
    assert (linear.predict(xt) == yt).mean() < 0.7
    ours = (kernel.predict(xt) == yt).mean()
    assert ours > 0.97
    svm_mod = pytest.importorskip("sklearn.svm")
    assert svm_mod.SVC(kernel="rbf", gamma=1 / (2 * 0.3 ** 2)).fit(x, y).score(xt, yt) > 0.97


def test_kernel_svm_save_load_round_trip(tmp_path):
    x, y = _circles(200, seed=3)
    svm = kernel_svm(output_dim=64, scale=0.3, seed=0)
    svm.compile(optimizer=Adam(learning_rate=0.01))
    svm.fit(x, y, epochs=2, batch_size=32, verbose=0)
    path = str(tmp_path / "svm.axon")
    svm.save(path)
    again = load_model(path)
    assert np.array_equal(again.decision_function(x), svm.decision_function(x))
    assert np.array_equal(again.predict(x), svm.predict(x))
    again.fit(x, y, epochs=1, batch_size=32, verbose=0)  # compiled as saved, it trains on


def test_seeded_svms_train_identically():
    x, y = blobs(60, seed=4)
    runs = []
    for _ in range(2):
        axon.manual_seed(1)
        svm = LinearSVM(seed=0)
        svm.compile()
        svm.fit(x, y, epochs=3, batch_size=16, verbose=0)
        runs.append(svm.decision_function(x))
    assert np.array_equal(*runs)


@pytest.mark.parametrize("build, match", [
    (lambda: RandomFourierFeatures(0), "output_dim must be a positive whole number"),
    (lambda: RandomFourierFeatures(10, kernel_initializer="polynomial"), "must be 'gaussian' or 'laplacian'"),
    (lambda: RandomFourierFeatures(10, trainable=True), "a trainable scale is not supported"),
    (lambda: RandomFourierFeatures(10, scale=0), "scale must be a positive number"),
    (lambda: LinearSVM(num_classes=1), "num_classes must be a whole number >= 2"),
    (lambda: LinearSVM(l2=-1.0), "l2 must be a number >= 0"),
    (lambda: LinearSVM(features="rff"), "features must be a layer"),
])
def test_bad_arguments_are_refused(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_bad_labels_are_refused():
    x = np.zeros((6, 2), np.float32)
    svm = LinearSVM()
    svm.compile()
    with pytest.raises(ValueError, match="more than two labels must be class ids 0..K-1"):
        svm.fit(x, np.array([-1, 0, 1, -1, 0, 1]), verbose=0)
    with pytest.raises(ValueError, match="holds one class only"):
        LinearSVM().fit(x, np.ones(6), verbose=0)
    binary = LinearSVM(seed=0)
    binary.compile()
    binary.fit(x, np.array([-1, 1] * 3), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"labels must be -1 or 1 \(as in the first fit\), got \[2\]"):
        binary.fit(x, np.array([-1, 2] * 3), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="number of classes is unknown"):
        LinearSVM()(x)


def test_show_draws_the_margin_and_the_kernel_solution(tmp_path):
    import os
    from axon.zoo.classic.svm import show
    shown = show(str(tmp_path), quick=True)
    m = shown.measured
    assert m["blobs training accuracy"] >= 0.98 and m["support vectors"] >= 2
    assert m["rings test accuracy, RFF kernel SVM"] > 0.97 > 0.7 > m["rings test accuracy, linear SVM"]
    assert os.path.exists(shown.files["figure"]) and shown.files["page"].endswith("svm.md")


def test_evaluate_and_validation_log_the_hinge_loss_and_accuracy():
    x, y = blobs(100, seed=5)
    svm = LinearSVM(seed=0)
    svm.compile(optimizer=Adam(learning_rate=0.05))
    history = svm.fit(x, y, epochs=5, batch_size=20, validation_split=0.2, verbose=0)
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history.history)
    logs = svm.evaluate(x, y, return_dict=True)
    assert logs["accuracy"] > 0.95 and 0 <= logs["loss"] < 0.5
