"""The sample metrics (Fréchet distance, Inception Score, class histogram, k-NN precision/recall,
memorisation) against closed forms and toy point clouds, and the evaluator's cache, on a tiny CNN
trained in a second on 1,500 Fashion-MNIST images."""
import json
import os

import numpy as np
import pytest
import scipy.linalg

from axon.zoo.generative import evaluator as evaluator_module
from axon.zoo.generative import sample_metrics as sm
from axon.zoo.generative.evaluator import Evaluator, as_images, default_cache_dir

TINY = dict(width=0.25, epochs=2, batch_size=32)


def random_spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T + 0.5 * np.eye(d)


# ----- Fréchet distance
def frechet_oracle(mu1, s1, mu2, s2):
    """The textbook form tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2), square roots by eigendecomposition."""
    def sqrt_psd(m):
        w, v = np.linalg.eigh((m + m.T) / 2)
        return (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    r1 = sqrt_psd(s1)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * sqrt_psd(r1 @ s2 @ r1)))


def test_frechet_from_stats_closed_forms(rng):
    d = 5
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    a, b = rng.uniform(0.5, 3, size=d), rng.uniform(0.5, 3, size=d)
    # diagonal covariances: |mu1 - mu2|^2 + sum (sqrt(a) - sqrt(b))^2
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert sm.frechet_distance_from_stats(mu1, np.diag(a), mu2, np.diag(b), eps=0) == pytest.approx(expected)
    s1, s2 = random_spd(rng, d), random_spd(rng, d)
    assert sm.frechet_distance_from_stats(mu1, s1, mu2, s2, eps=0) == pytest.approx(
        frechet_oracle(mu1, s1, mu2, s2), rel=1e-9)
    # the same covariance: only the means count
    assert sm.frechet_distance_from_stats(mu1, s1, mu2, s1) == pytest.approx(np.sum((mu1 - mu2) ** 2), rel=1e-6)


def test_frechet_distance_of_samples_matches_the_gaussians(rng):
    d = 3
    mu1, mu2 = np.array([0.0, 1.0, -1.0]), np.array([0.5, 0.0, 0.0])
    s1, s2 = random_spd(rng, d), random_spd(rng, d)
    x = rng.multivariate_normal(mu1, s1, size=200_000)
    y = rng.multivariate_normal(mu2, s2, size=200_000)
    exact = frechet_oracle(mu1, s1, mu2, s2)
    assert sm.frechet_distance(x, y) == pytest.approx(exact, rel=0.02)
    assert sm.frechet_distance(x, y) == pytest.approx(sm.frechet_distance(y, x), rel=1e-9)
    assert abs(sm.frechet_distance(x, x)) < 1e-8
    assert isinstance(sm.frechet_distance(x[:100], y[:100]), float)


def test_frechet_distance_degenerate_features_stay_finite(rng):
    """Fewer samples than dimensions and dead units: eps I keeps the square root real."""
    x, y = np.zeros((20, 50)), np.zeros((20, 50))
    x[:, :10], y[:, :10] = rng.random((20, 10)), rng.random((20, 10)) + 1
    fd = sm.frechet_distance(x, y)
    assert np.isfinite(fd) and fd > 9


def test_frechet_distance_refuses_mismatched_widths():
    with pytest.raises(ValueError, match="same width, got 4 and 5"):
        sm.frechet_distance(np.zeros((10, 4)), np.zeros((10, 5)))


# ----- Inception Score and the class histogram
def test_inception_score_extremes():
    one_hots = np.eye(10)[np.arange(1000) % 10]
    mean, std = sm.inception_score(one_hots, splits=10)
    assert mean == pytest.approx(10.0) and std == pytest.approx(0.0, abs=1e-9)
    assert sm.inception_score(np.eye(10)[np.zeros(1000, int)])[0] == pytest.approx(1.0)
    assert sm.inception_score(np.full((1000, 10), 0.1))[0] == pytest.approx(1.0)
    # confident over 5 of 10 classes: 5
    assert sm.inception_score(np.eye(10)[np.arange(1000) % 5])[0] == pytest.approx(5.0)


def test_inception_score_refuses_non_probabilities():
    with pytest.raises(ValueError, match="probability distribution"):
        sm.inception_score(np.ones((100, 10)))
    with pytest.raises(ValueError, match="splits must be between 1 and the 100 samples"):
        sm.inception_score(np.full((100, 10), 0.1), splits=101)


def test_class_histogram_from_labels_and_probabilities(rng):
    labels = np.array([0, 1, 1, 2, 2, 2, 9, 9, 9, 9])
    expected = np.array([0.1, 0.2, 0.3, 0, 0, 0, 0, 0, 0, 0.4])
    np.testing.assert_allclose(sm.class_histogram(labels), expected)
    probs = np.eye(10)[labels] * 0.9 + 0.01
    np.testing.assert_allclose(sm.class_histogram(probs), expected)
    assert sm.class_histogram(rng.integers(0, 10, 500)).sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="labels must lie in 0..9"):
        sm.class_histogram(np.array([0, 10]))
    with pytest.raises(ValueError, match="3 columns, num_classes is 10"):
        sm.class_histogram(np.full((4, 3), 1 / 3))


# ----- k-NN precision and recall
def blobs(rng, centres, n_per, scale=0.3):
    return np.concatenate([c + scale * rng.normal(size=(n_per, len(c))) for c in centres])


def test_knn_precision_recall_on_toy_clouds(rng):
    centres = 10.0 * np.eye(4)
    real = blobs(rng, centres, 250)
    assert sm.knn_precision_recall(real, real) == (1.0, 1.0)
    far = real + 100.0
    assert sm.knn_precision_recall(real, far) == (0.0, 0.0)
    same = blobs(rng, centres, 250)  # a fresh draw of the same distribution
    p, r = sm.knn_precision_recall(real, same)
    assert p > 0.9 and r > 0.9
    half = blobs(rng, centres[:2], 500)  # every sample good, half the modes missing
    p, r = sm.knn_precision_recall(real, half)
    assert p > 0.9 and 0.4 < r < 0.6


def test_knn_blocks_give_the_same_answer(rng, monkeypatch):
    real, fake = rng.normal(size=(300, 3)), rng.normal(size=(200, 3)) + 0.5
    whole = sm.knn_precision_recall(real, fake, k=3)
    radii = sm.knn_radii(real, 3)
    monkeypatch.setattr(sm, "MAX_BLOCK_ELEMENTS", 700)  # blocks of 2-3 rows
    assert sm.knn_precision_recall(real, fake, k=3) == whole
    np.testing.assert_allclose(sm.knn_radii(real, 3), radii)
    d = np.sqrt(((real[:, None] - real[None]) ** 2).sum(-1))
    np.testing.assert_allclose(radii, np.sort(d, axis=1)[:, 3], atol=1e-9)


# ----- memorisation
def test_nearest_training_images_finds_copies(rng):
    train = rng.random((500, 28, 28)).astype(np.float32)
    picked = np.array([3, 141, 499, 0])
    copies = train[picked]
    index, dist = sm.nearest_training_images(copies, train)
    np.testing.assert_array_equal(index, picked)
    np.testing.assert_allclose(dist, 0.0, atol=1e-6)
    fresh = rng.random((10, 784))
    _, d_fresh = sm.nearest_training_images(fresh, train)
    assert d_fresh.min() > 5.0  # independent uniform images lie about 11 apart


# ----- the evaluator
@pytest.fixture(scope="module")
def small_data():
    from conftest import FASHION_DIR, read_idx
    images = os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz")
    if not os.path.exists(images):
        pytest.skip(f"Fashion-MNIST not found in {FASHION_DIR}")
    x = read_idx(images, 2000).astype(np.float32) / 255.0
    y = read_idx(os.path.join(FASHION_DIR, "train-labels-idx1-ubyte.gz"), 2000).astype(np.int64)
    return (x[:1500], y[:1500]), (x[1500:], y[1500:])


@pytest.fixture(scope="module")
def tiny_evaluator(small_data, tmp_path_factory):
    return Evaluator.load(cache_dir=tmp_path_factory.mktemp("evaluator"), data=small_data, verbose=0, **TINY)


def test_evaluator_is_cached_and_not_retrained(small_data, tmp_path, monkeypatch):
    ev = Evaluator.load(cache_dir=tmp_path, data=small_data, verbose=0, **TINY)
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 2 and names[0].endswith(".json") and names[1].endswith(".keras")
    assert os.path.dirname(ev.path) == str(tmp_path)
    info = json.load(open(os.path.join(tmp_path, names[0])))
    assert info["test_accuracy"] == ev.test_accuracy > 0.5  # 2 epochs on 1,500 images
    monkeypatch.setattr(Evaluator, "_train", staticmethod(lambda *a: pytest.fail("retrained")))
    again = Evaluator.load(cache_dir=tmp_path, data=small_data, verbose=0, **TINY)
    x = small_data[1][0][:20]
    np.testing.assert_array_equal(again.features(x), ev.features(x))
    assert again.test_accuracy == ev.test_accuracy
    with pytest.raises(FileNotFoundError, match="no evaluator in"):  # other settings: another file
        Evaluator.load(cache_dir=tmp_path, data=small_data, verbose=0, train_if_missing=False, width=0.5)


def test_evaluator_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == os.path.join(str(tmp_path), "axon", "evaluator")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == os.path.join(os.path.expanduser("~"), ".cache", "axon", "evaluator")
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "empty")):  # only the folder given
        Evaluator.load(cache_dir=tmp_path / "empty", train_if_missing=False, verbose=0)


def test_evaluator_save_is_atomic(small_data, tmp_path, monkeypatch):
    """A crash while saving leaves no half-written model, so the next load trains again."""
    import axon.io
    real_replace = os.replace

    def crash(src, dst):
        raise KeyboardInterrupt("killed while saving")

    monkeypatch.setattr(axon.io.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        Evaluator.load(cache_dir=tmp_path, data=small_data, verbose=0, width=0.25, epochs=1)
    assert os.listdir(tmp_path) == []
    monkeypatch.setattr(axon.io.os, "replace", real_replace)
    ev = Evaluator.load(cache_dir=tmp_path, data=small_data, verbose=0, width=0.25, epochs=1)
    assert os.path.exists(ev.path)


def test_evaluator_outputs_and_bad_images(tiny_evaluator, small_data):
    x = small_data[1][0][:30]
    f, p = tiny_evaluator.features(x), tiny_evaluator.probabilities(x)
    assert f.shape == (30, tiny_evaluator.feature_dim) and f.dtype == np.float64
    assert p.shape == (30, 10) and np.allclose(p.sum(1), 1)
    np.testing.assert_allclose(tiny_evaluator.features(x.reshape(30, 28, 28, 1)), f)
    np.testing.assert_allclose(tiny_evaluator.features(x.reshape(30, 784)), f)
    np.testing.assert_allclose(tiny_evaluator.features(x * 2 - 1, value_range=(-1, 1)), f, atol=1e-5)
    np.testing.assert_allclose(tiny_evaluator.features(np.round(x * 255).astype(np.uint8)), f, atol=1e-4)
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28\).*got shape \(4, 32, 32\)"):
        tiny_evaluator.features(np.zeros((4, 32, 32)))
    with pytest.raises(ValueError, match=r"got shape \(4, 28, 28, 3\)"):
        tiny_evaluator.probabilities(np.zeros((4, 28, 28, 3)))
    with pytest.raises(ValueError, match=r"\[0, 1\], got min -1, max 1; pass value_range=\(-1, 1\)"):
        tiny_evaluator.features(x * 2 - 1)
    with pytest.raises(ValueError, match="got min 0, max 255"):
        tiny_evaluator.features(x * 255)
    with pytest.raises(ValueError, match="got min nan"):
        tiny_evaluator.features(np.full((2, 28, 28), np.nan))
    with pytest.raises(ValueError, match="value_range must be"):
        tiny_evaluator.features(x, value_range=(0, 255))


def test_memorisation_in_feature_space(tiny_evaluator, small_data):
    train = small_data[0][0][:300]
    index, dist = sm.nearest_training_images(train[[7, 8]], train, in_features=tiny_evaluator)
    np.testing.assert_array_equal(index, [7, 8])
    np.testing.assert_allclose(dist, 0.0, atol=1e-5)  # float32 features, batched differently


def test_evaluate_samples_and_calibration(tiny_evaluator, small_data, monkeypatch):
    (x_train, _), (x_test, _) = small_data
    copies = evaluate = sm.evaluate_samples(tiny_evaluator, x_train[:400], x_train, x_test, n=400)
    assert copies["nn_train_median"] == 0.0 and copies["near_copies"] == 1.0 and copies["nn_ratio"] == 0.0
    rows = sm.calibration(tiny_evaluator, n=400, data=small_data)
    assert list(rows) == list(sm.CALIBRATION_ROWS)
    real = rows["real test vs real train"]
    for key in ("fd", "is_mean", "is_std", "precision", "recall", "class_fractions", "class_tv",
                "nn_train_median", "nn_test_median", "near_copies"):
        assert key in real
    assert len(real["class_fractions"]) == 10 and sum(real["class_fractions"]) == pytest.approx(1)
    assert real["fd"] == min(r["fd"] for r in rows.values())
    assert real["nn_ratio"] == pytest.approx(1.0, rel=0.2)
    assert rows["test + Gaussian noise σ=0.2"]["nn_train_median"] > real["nn_train_median"] + 1
    assert rows["test classes 0-4 only"]["recall"] < real["recall"]
    # cached beside the model: the second call computes nothing
    monkeypatch.setattr(sm, "evaluate_samples", lambda *a, **k: pytest.fail("recomputed"))
    assert sm.calibration(tiny_evaluator, n=400, data=small_data) == rows
    lines = sm.calibration_table(rows, evaluate)
    assert len(lines) == 2 + 4 + 1 and lines[0].startswith("| set | FD | IS |")
    assert lines[-1].startswith("| **samples** | ") and "1.000" in lines[-1]
    named = sm.calibration_table(rows, {"GAN": evaluate, "VAE": evaluate})
    assert named[-2].startswith("| **GAN** |") and named[-1].startswith("| **VAE** |")


def test_as_images_refuses_no_images():
    with pytest.raises(ValueError, match="got no images"):
        as_images(np.zeros((0, 28, 28)))
    assert evaluator_module.IMAGE_SHAPES in str(pytest.raises(ValueError, as_images, np.zeros((5,))).value)


def test_evaluator_training_is_seeded_and_leaves_the_global_generator(small_data, tmp_path):
    from axon import backend
    before = backend.get_rng_state()
    a = Evaluator.load(cache_dir=tmp_path / "a", data=small_data, verbose=0, width=0.25, epochs=1)
    assert backend.get_rng_state() == before
    b = Evaluator.load(cache_dir=tmp_path / "b", data=small_data, verbose=0, width=0.25, epochs=1)
    x = small_data[1][0][:10]
    np.testing.assert_array_equal(a.features(x), b.features(x))
    assert os.path.basename(a.path) == os.path.basename(b.path)
