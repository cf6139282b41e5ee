"""The generalization demos (overfitting, underfitting, bias-variance) in quick mode: each asserts the
lecture's claim on real Fashion-MNIST numbers of its own run."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

from axon import demos
from axon.demos import bias_variance, underfitting

from helpers import pictures_and_page, skip_without_fashion_mnist


@pytest.fixture(scope="module", autouse=True)
def _fashion_mnist():
    skip_without_fashion_mnist()


@pytest.mark.slow
def test_overfitting_each_remedy_narrows_the_cross_validated_gap(tmp_path):
    r = demos.run("overfitting", tmp_path, quick=True)
    cv = r.values["cv"]
    base = cv["no remedy"]
    assert base["train"][0] > 0.95 and base["gap"][0] > 0.15      # a big net learns 200 images by heart
    for remedy in ("dropout", "L2", "early stopping", "augmentation"):
        assert cv[remedy]["gap"][0] < base["gap"][0] - 0.01, remedy
    assert cv["dropout"]["train"][0] < base["train"][0] - 0.05       # by fitting the training set less
    assert len(base["folds"]) == r.values["settings"]["folds"] == 3
    assert set(r.values["narrower"]) >= {"dropout", "L2", "early stopping", "augmentation"}
    page = pictures_and_page(r, ("gap", "remedies"))
    for name in ("dropout", "L2", "early stopping", "augmentation", "smaller model", "batch norm"):
        assert f"| {name} |" in page
    assert f"{base['gap'][0]:.3f}" in page and "KFold" in page


def test_underfitting_is_high_training_error_and_each_remedy_lowers_it(tmp_path):
    r = demos.run("underfitting", tmp_path, quick=True)
    ref_train = r.measured["reference: training accuracy"]
    ref_gap = ref_train - r.measured["reference: validation accuracy"]
    assert ref_train > 0.8
    for case, c in r.values["cases"].items():
        _, train, val = c["underfit"]
        assert train < ref_train - 0.15, case                      # the training error itself is high
        assert abs(train - val) < min(0.1, ref_gap), case          # and there is little gap to close
        assert c["remedied"][1] > train + 0.15, case               # the remedy fits the training data
    assert r.values["cases"]["too short"]["underfit"][0] == 1      # one epoch against the whole run
    page = pictures_and_page(r, ("knobs",))
    for remedy in ("bigger model", "train longer", "less regularisation", "better features"):
        assert remedy in page
    assert f"{ref_train:.4g}" in page


def test_block_means_are_the_features_the_poor_model_sees():
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(underfitting.block_means(x, 1)[:, 0], x.mean(axis=(1, 2, 3)), rtol=1e-5)
    assert underfitting.block_means(x, 28).shape == (3, 784)
    with pytest.raises(ValueError, match="side must divide"):
        underfitting.block_means(x, 5)


def test_bias_variance_small_models_have_bias_big_ones_variance(tmp_path):
    r = demos.run("bias-variance", tmp_path, quick=True)
    models = r.values["models"]
    assert [m["units"] for m in models] == sorted(m["units"] for m in models)
    assert models[0]["diagnosis"].startswith("high bias") and models[0]["focus"] == "bias"
    assert models[-1]["diagnosis"] == "high variance" and models[-1]["focus"] == "variance"
    assert models[-1]["train"] < models[0]["train"] - 0.5
    assert models[-1]["variance"] > models[0]["variance"]
    assert r.values["sizes"] == (300, 300, 300)
    assert 0 < r.values["test_error"] < 0.5
    for case in r.values["lecture"]:                               # the lecture's table, read by the rule
        said = case["lecture"]
        assert said == (f"focus on {case['focus']}" if said.startswith("focus") else case["diagnosis"]), case
    page = pictures_and_page(r, ("errors",))
    assert "human-level" in page and "| 15.0 % | 30.0 % |" in page
    assert f"{100 * models[-1]['dev']:.1f} %" in page


def test_diagnose_checks_its_inputs():
    d = bias_variance.diagnose(0.01, 0.08, 0.10)
    assert d["diagnosis"] == "high bias" and np.isclose(d["avoidable_bias"], 0.07)
    with pytest.raises(ValueError, match="train error must be a fraction"):
        bias_variance.diagnose(0.0, 8.0, 10.0)
