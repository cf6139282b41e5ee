"""Adversarial examples: FGSM and PGD through input gradients, adversarial training, the lab."""
import os

import numpy as np
import pytest

import axon
from axon.zoo.generative.adversarial import (AdversarialTraining, fgsm, input_gradient, pgd,
                                             robust_accuracy)


def mlp(inputs=784, hidden=64, classes=10, seed=0, dtype=None, **kw):
    axon.manual_seed(seed)
    extra = {} if dtype is None else {"dtype": dtype}
    return axon.Sequential([axon.Input(shape=(inputs,)), axon.layers.Dense(hidden, activation="tanh", **extra, **kw),
                            axon.layers.Dense(classes, activation="softmax", **extra)])


@pytest.fixture(scope="module")
def trained(fashion_2000):
    """An MLP trained on 1,500 Fashion-MNIST images, and the 500 held out."""
    x, y = fashion_2000
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:1500], y[:1500], epochs=5, batch_size=64, verbose=0)
    return model, x[1500:], y[1500:]


def per_sample_loss(model, x, y):
    with axon.no_grad():
        p = model(axon.Tensor(x), training=False).numpy()
    return -np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1))


def test_input_gradient_matches_finite_differences_in_float64():
    model = mlp(inputs=5, hidden=4, classes=3, dtype="float64")
    rng = np.random.default_rng(1)
    x, y = rng.random((3, 5)), np.array([0, 2, 1])
    g = input_gradient(model, x, y)
    assert g.shape == x.shape and g.dtype == np.float64
    loss = lambda z: float(np.mean(per_sample_loss(model, z, y)))
    h, numeric = 1e-6, np.zeros_like(x)
    for idx in np.ndindex(*x.shape):  # the oracle: one coordinate at a time
        e = np.zeros_like(x)
        e[idx] = h
        numeric[idx] = (loss(x + e) - loss(x - e)) / (2 * h)
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)


def test_input_gradient_runs_batch_norm_and_dropout_in_inference_mode():
    axon.manual_seed(0)
    model = axon.Sequential([axon.Input(shape=(6,)), axon.layers.Dense(8), axon.layers.BatchNormalization(),
                             axon.layers.Dropout(0.5), axon.layers.Dense(3, activation="softmax")])
    x, y = np.random.default_rng(0).random((16, 6)).astype("float32"), np.arange(16) % 3
    moving = model.layers[1].moving_mean.data.copy()
    first, second = input_gradient(model, x, y), input_gradient(model, x, y)
    np.testing.assert_array_equal(first, second)  # no dropout mask drawn
    np.testing.assert_array_equal(model.layers[1].moving_mean.data, moving)


def test_fgsm_moves_every_pixel_by_epsilon_along_the_gradient_sign(trained):
    model, x, y = trained
    x, y, eps = x[:100], y[:100], 0.1
    sign = np.sign(input_gradient(model, x, y))
    x_adv = fgsm(model, x, y, eps)
    assert x_adv.shape == x.shape and x_adv.dtype == np.float32
    free = (x + eps * sign >= 0) & (x + eps * sign <= 1) & (sign != 0)
    assert free.mean() > 0.3
    np.testing.assert_allclose((x_adv - x)[free], (eps * sign)[free], atol=1e-6)
    assert x_adv.min() >= 0 and x_adv.max() <= 1  # the rest clipped to the image range
    np.testing.assert_array_equal(x_adv[sign == 0], x[sign == 0])


def test_fgsm_raises_the_loss_and_lowers_the_accuracy(trained):
    model, x, y = trained
    x_adv = fgsm(model, x, y, 0.05)
    assert per_sample_loss(model, x_adv, y).mean() > per_sample_loss(model, x, y).mean() + 0.5
    acc = robust_accuracy(model, x, y, [0.0, 0.05, 0.1])
    assert acc[0.0] > 0.7 and acc[0.05] < acc[0.0] - 0.2 and acc[0.1] <= acc[0.05]


def test_robust_accuracy_is_the_accuracy_on_the_attacked_images(trained):
    model, x, y = trained
    fast = robust_accuracy(model, x, y, [0.0, 0.02, 0.1], batch_size=128)  # one gradient for every epsilon
    for eps in (0.02, 0.1):
        direct = np.mean(model.predict(fgsm(model, x, y, eps), verbose=0).argmax(axis=1) == y)
        assert fast[eps] == pytest.approx(direct)
    assert fast[0.0] == pytest.approx(np.mean(model.predict(x, verbose=0).argmax(axis=1) == y))
    pgd_acc = robust_accuracy(model, x[:50], y[:50], [0.05], attack="pgd", steps=3, seed=1, batch_size=20)
    direct = np.mean(model.predict(pgd(model, x[:50], y[:50], 0.05, steps=3, seed=1), verbose=0).argmax(axis=1)
                     == y[:50])
    assert abs(pgd_acc[0.05] - direct) <= 0.1  # random starts drawn per batch


def test_pgd_stays_in_the_ball_and_is_at_least_as_strong_as_fgsm(trained):
    model, x, y = trained
    eps = 0.05
    x_adv = pgd(model, x, y, eps, steps=10, seed=0)
    assert np.abs(x_adv - x).max() <= eps + 1e-6 and x_adv.min() >= 0 and x_adv.max() <= 1
    assert per_sample_loss(model, x_adv, y).mean() >= per_sample_loss(model, fgsm(model, x, y, eps), y).mean()
    strong = robust_accuracy(model, x, y, [eps], attack="pgd", steps=10, seed=0)[eps]
    assert strong <= robust_accuracy(model, x, y, [eps])[eps]
    np.testing.assert_array_equal(pgd(model, x[:20], y[:20], eps, seed=3), pgd(model, x[:20], y[:20], eps, seed=3))


def test_adversarial_training_raises_accuracy_under_attack(fashion_2000):
    x, y = fashion_2000
    x_train, y_train, x_test, y_test = x[:1500], y[:1500], x[1500:], y[1500:]
    plain = mlp()
    plain.compile("adam", "sparse_categorical_crossentropy")
    plain.fit(x_train, y_train, epochs=5, batch_size=64, verbose=0)
    net = mlp()
    robust = AdversarialTraining(net, epsilon=0.1)
    robust.compile("adam", metrics=["accuracy"])
    logs = robust.fit(x_train, y_train, epochs=5, batch_size=64, verbose=0).history
    assert logs["adv_accuracy"][-1] > logs["adv_accuracy"][0] + 0.2
    before = robust_accuracy(plain, x_test, y_test, [0.0, 0.1])
    after = robust_accuracy(net, x_test, y_test, [0.0, 0.1])
    assert after[0.1] > before[0.1] + 0.15, (before, after)
    assert after[0.0] > 0.65  # still a classifier on clean images


def test_adversarial_training_with_pgd_and_save_load(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((256, 2)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 1).astype(np.int64)
    robust = AdversarialTraining(mlp(inputs=2, hidden=16, classes=2), epsilon=0.05, attack="pgd", ratio=1.0,
                                 steps=3, seed=0)
    robust.compile(axon.optimizers.Adam(0.05), metrics=["accuracy"])
    logs = robust.fit(x, y, epochs=20, batch_size=64, verbose=0).history
    assert logs["loss"][-1] < logs["loss"][0] - 0.2
    assert np.mean(robust.predict(x, verbose=0).argmax(axis=1) == y) > 0.9
    robust.save(tmp_path / "robust.axon")
    again = axon.models.load_model(tmp_path / "robust.axon")
    assert isinstance(again, AdversarialTraining) and again.attack == "pgd" and again.epsilon == 0.05
    np.testing.assert_allclose(again.predict(x, verbose=0), robust.predict(x, verbose=0), rtol=1e-6)


def test_bad_inputs_are_refused_by_name():
    model = mlp(inputs=4, hidden=3, classes=2)
    x, y = np.full((2, 4), 0.5, "float32"), np.array([0, 1])
    with pytest.raises(ValueError, match="fgsm: epsilon must be a finite number >= 0.*got -0.1"):
        fgsm(model, x, y, -0.1)
    with pytest.raises(ValueError, match="pgd: steps must be"):
        pgd(model, x, y, 0.1, steps=0)
    with pytest.raises(ValueError, match=r"one target per input, 2, got shape \(3,\)"):
        fgsm(model, x, np.array([0, 1, 1]), 0.1)
    with pytest.raises(ValueError, match=r"non-empty batch \(N, \.\.\.\).*shape \(4,\)"):
        input_gradient(model, x[0], y[:1])
    with pytest.raises(ValueError, match=r"clip range \[0, 1\].*max 255.*x / 255"):
        fgsm(model, x * 510, y, 0.1)
    with pytest.raises(ValueError, match="needs the labels y"):
        fgsm(model, x, None, 0.1)
    with pytest.raises(ValueError, match="attack must be one of fgsm, pgd"):
        robust_accuracy(model, x, y, [0.1], attack="cw")
    with pytest.raises(ValueError, match="ratio"):
        AdversarialTraining(model, ratio=0)
    with pytest.raises(ValueError, match="epsilon"):
        AdversarialTraining(model, epsilon=float("nan"))


@pytest.mark.slow
def test_lab_in_quick_mode_writes_its_files(tmp_path):
    from axon.labs.adversarial import AdversarialConfig, FILES, run
    if not os.path.isdir("/usr/share/datasets/fashion-mnist"):
        pytest.skip("Fashion-MNIST not installed")
    results = run(AdversarialConfig(quick=True, out=str(tmp_path / "adv"), verbose=0))
    for key in ("report", "curve", "examples", "model"):
        assert os.path.isfile(results.files[key]), key
    assert set(results.before["fgsm"]) == set(results.config.epsilons) == set(results.after["fgsm"])
    assert results.after["fgsm"][0.1] > results.before["fgsm"][0.1] + 0.1
    assert results.after["pgd"][0.1] > results.before["pgd"][0.1]
    text = open(results.files["report"], encoding="utf-8").read()
    assert "FGSM" in text and "PGD" in text and "0.1" in text
    robust = axon.models.load_model(results.files["model"])
    assert robust.predict(np.zeros((1, 28, 28, 1), "float32"), verbose=0).shape == (1, 10)


def test_lab_refuses_a_missing_model_file(tmp_path):
    from axon.labs.adversarial import AdversarialConfig, run
    with pytest.raises((ValueError, OSError), match="nowhere.axon"):
        run(AdversarialConfig(model_path=str(tmp_path / "nowhere.axon"), out=str(tmp_path / "o"), verbose=0))
    with pytest.raises(ValueError, match="epsilons"):
        AdversarialConfig(epsilons=(0.1, -0.2))
