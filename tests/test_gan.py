"""GANs: the adversarial step and its logs, one-sided label smoothing, the shape check, learning on a
ring of Gaussians, DCGAN shapes, the conditional GAN honouring labels, the sample grid, saving."""
import os

import numpy as np
import pytest

import axon
from axon import layers as L
from axon.zoo.generative import (GAN, ConditionalGAN, SampleGrid, conditional_gan, dcgan, dcgan_discriminator,
                                 dcgan_generator, image_grid, mlp_gan, LAB_DEFAULTS)
from axon.zoo.generative.gan import mode_coverage, ring_of_gaussians


def _softplus(x):
    return np.logaddexp(0.0, x)


def _bce_logits(target, logits):
    return float(np.mean(target * _softplus(-logits) + (1 - target) * _softplus(logits)))


def _toy_gan(label_smoothing=0.1, seed=0, hidden=16):
    return mlp_gan(image_shape=(2,), latent_dim=4, g_hidden=(hidden,), d_hidden=(hidden,), dropout=0.0,
                   label_smoothing=label_smoothing, seed=seed)


def test_train_step_logs_the_four_numbers_and_updates_both_networks():
    gan = _toy_gan()
    gan.compile()
    assert gan.d_optimizer.lr == pytest.approx(2e-4) and gan.d_optimizer.beta_1 == 0.5
    assert gan.g_optimizer is not gan.d_optimizer
    g_before, d_before = gan.generator.get_weights(), gan.discriminator.get_weights()
    x, _ = ring_of_gaussians(32)
    logs = gan.train_step(x)
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(v) for v in logs.values())
    assert 0 < logs["d_real"] < 1 and 0 < logs["d_fake"] < 1
    assert logs["d_loss"] == pytest.approx(2 * np.log(2), abs=0.1)  # N(0, 0.02) weights: D says 1/2 to all
    assert gan.d_optimizer.iterations == gan.g_optimizer.iterations == 1
    assert all(not np.array_equal(a, b) for a, b in zip(g_before, gan.generator.get_weights()))
    assert all(not np.array_equal(a, b) for a, b in zip(d_before, gan.discriminator.get_weights()))
    history = gan.fit(x, epochs=2, batch_size=16, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}


def test_one_sided_smoothing_targets_real_at_0_9_and_fake_at_0():
    """The logged d_loss is the cross-entropy of the discriminator (before its update) against targets
    1 - label_smoothing for the real batch and exactly 0 for the generated one."""
    x, _ = ring_of_gaussians(16, seed=3)
    for smoothing in (0.1, 0.0, 0.3):
        gan = _toy_gan(label_smoothing=smoothing, seed=5)
        gan.compile()
        z = np.random.default_rng(5).standard_normal((16, 4), dtype=np.float32)  # the GAN's first draw
        fake = gan.generator.predict(z, verbose=0)
        real_logits = gan.discriminator.predict(x, verbose=0)
        fake_logits = gan.discriminator.predict(fake, verbose=0)
        expected = _bce_logits(1 - smoothing, real_logits) + _bce_logits(0.0, fake_logits)
        logs = gan.train_step(x)
        assert logs["d_loss"] == pytest.approx(expected, rel=1e-5)
        assert logs["d_real"] == pytest.approx(float(np.mean(1 / (1 + np.exp(-real_logits)))), rel=1e-5)
        assert logs["d_fake"] == pytest.approx(float(np.mean(1 / (1 + np.exp(-fake_logits)))), rel=1e-5)
    with pytest.raises(ValueError, match=r"label_smoothing must lie in \[0, 1\).*got 1.5"):
        _toy_gan(label_smoothing=1.5)


def test_discriminator_tells_real_from_fake_early(fashion_2000):
    """On real Fashion-MNIST images D(x) climbs above D(G(z)) within a few DCGAN steps."""
    x = (fashion_2000[0][:1024] * 2 - 1).reshape(-1, 28, 28, 1)
    gan = dcgan(latent_dim=16, width=8, seed=0)
    gan.compile()
    pairs = []
    for i in range(12):
        gan.reset_metrics()
        logs = gan.train_step(x[64 * i:64 * (i + 1)])
        pairs.append((logs["d_real"], logs["d_fake"]))
    assert pairs[-1][0] > pairs[0][0] + 0.05  # D(x) rises
    assert pairs[-1][0] > pairs[-1][1] + 0.15  # above D(G(z))


def test_generator_output_must_fit_the_discriminator_input():
    gan = GAN(dcgan_generator(8, (28, 28, 1), width=4), dcgan_discriminator((32, 32, 1), width=4), 8)
    with pytest.raises(ValueError, match=r"generator's output shape \(None, 28, 28, 1\) does not match the "
                                         r"discriminator's input shape \(None, 32, 32, 1\)"):
        gan.compile()
    with pytest.raises(ValueError, match=r"generator takes inputs of shape \(None, 8\), but latent_dim=5"):
        GAN(dcgan_generator(8, width=4), dcgan_discriminator(width=4), 5).compile()
    two = axon.Sequential([L.Input((2,)), L.Dense(2)])
    with pytest.raises(ValueError, match=r"one logit per sample.*got \(None, 2\)"):
        GAN(axon.Sequential([L.Input((4,)), L.Dense(2)]), two, 4).compile()
    good = _toy_gan()
    good.compile()
    with pytest.raises(ValueError, match=r"must lie in \[-1, 1\].*max 255.*x / 127.5 - 1"):
        good.fit(np.full((8, 2), 255.0, "float32"), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"real samples have shape \(None, 3\), the generator makes \(None, 2\)"):
        good.fit(np.zeros((8, 3), "float32"), epochs=1, verbose=0)
    with pytest.raises(RuntimeError, match="compile"):
        _toy_gan().train_step(np.zeros((4, 2), "float32"))


def test_dcgan_step_runs_with_radfords_shapes_and_init():
    gan = dcgan(image_shape=(8, 8, 1), latent_dim=6, width=4, seed=0)
    gan.compile()
    g, d = gan.generator, gan.discriminator
    assert [type(l).__name__ for l in g.layers] == ["Dense", "BatchNormalization", "ReLU", "Reshape",
                                                   "Conv2DTranspose", "BatchNormalization", "ReLU",
                                                   "Conv2DTranspose"]
    assert [l.output_shape for l in g.layers][3:] == [(None, 2, 2, 8), (None, 4, 4, 4), (None, 4, 4, 4),
                                                      (None, 4, 4, 4), (None, 8, 8, 1)]
    assert [type(l).__name__ for l in d.layers] == ["Conv2D", "LeakyReLU", "Conv2D", "BatchNormalization",
                                                   "LeakyReLU", "Flatten", "Dense"]
    assert d.layers[0].strides == (2, 2) and d.layers[1].negative_slope == 0.2
    assert abs(float(g.layers[0].kernel.data.std()) - 0.02) < 0.004
    logs = gan.train_step(np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)).astype("float32"))
    assert all(np.isfinite(v) for v in logs.values())
    samples = gan.generate(5, seed=1)
    assert samples.shape == (5, 8, 8, 1) and samples.dtype == np.float32
    assert samples.min() >= -1 and samples.max() <= 1  # tanh
    np.testing.assert_array_equal(samples, gan.sample(5, seed=1))
    assert dcgan_generator(10, (32, 32, 3), width=4).output_shape == (None, 32, 32, 3)
    with pytest.raises(ValueError, match="multiples of 4"):
        dcgan_generator(10, (30, 30, 1))
    assert set(LAB_DEFAULTS) == {"dcgan", "mlp", "cgan"}
    assert LAB_DEFAULTS["dcgan"]["batch_size"] == 128 and LAB_DEFAULTS["dcgan"]["beta_1"] == 0.5


def test_sample_grid_saves_one_fixed_noise_grid_per_epoch(tmp_path):
    gan = dcgan(image_shape=(8, 8, 1), latent_dim=6, width=4, seed=0)
    gan.compile()
    grid = SampleGrid(tmp_path / "grids", n=16, seed=3)
    x = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
    gan.fit(x, epochs=2, batch_size=16, verbose=0, callbacks=[grid])
    assert [os.path.basename(p) for p in grid.paths] == ["epoch_000.png", "epoch_001.png", "epoch_002.png"]
    assert all(os.path.getsize(p) > 0 for p in grid.paths)
    picture = image_grid(-np.ones((10, 8, 8, 1)), cols=8, pad=2)
    assert picture.shape == (2 * 10 - 2, 8 * 10 - 2) and picture.min() == 0 and picture.max() == 1


def test_zoo_registry_builds_the_three_gans():
    assert isinstance(axon.zoo.get("dcgan", image_shape=(8, 8, 1), latent_dim=4, width=4), GAN)
    assert isinstance(axon.zoo.get("gan", image_shape=(2,), latent_dim=4), GAN)
    assert isinstance(axon.zoo.get("cgan", image_shape=(8, 8, 1), num_classes=3, latent_dim=4, width=4),
                      ConditionalGAN)


def test_save_and_load_the_whole_gan_and_the_generator_alone(tmp_path):
    gan = dcgan(image_shape=(8, 8, 1), latent_dim=6, width=4, seed=0)
    gan.compile()
    x = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
    gan.fit(x, epochs=1, batch_size=16, verbose=0)
    gan.save(tmp_path / "gan.axon")
    again = axon.models.load_model(tmp_path / "gan.axon")
    assert type(again) is GAN and again.latent_dim == 6 and again.label_smoothing == pytest.approx(0.1)
    np.testing.assert_array_equal(again.generate(4, seed=2), gan.generate(4, seed=2))
    assert again.d_optimizer.iterations == gan.d_optimizer.iterations == 2
    again.fit(x, epochs=1, batch_size=16, verbose=0)  # goes on training
    assert again.g_optimizer.iterations == 4
    gan.generator.save(tmp_path / "generator.axon")
    generator = axon.models.load_model(tmp_path / "generator.axon")
    z = np.random.default_rng(1).standard_normal((3, 6)).astype("float32")
    np.testing.assert_array_equal(generator.predict(z, verbose=0), gan.generator.predict(z, verbose=0))

    cgan = conditional_gan((8, 8, 1), num_classes=3, latent_dim=4, width=4, seed=0)
    cgan.compile()
    cgan.fit(x, np.arange(32) % 3, epochs=1, batch_size=16, verbose=0)
    cgan.save(tmp_path / "cgan.axon")
    restored = axon.models.load_model(tmp_path / "cgan.axon")
    assert type(restored) is ConditionalGAN and restored.num_classes == 3
    np.testing.assert_array_equal(restored.generate(6, labels=[0, 1, 2, 0, 1, 2], seed=0),
                                  cgan.generate(6, labels=[0, 1, 2, 0, 1, 2], seed=0))


def test_conditional_gan_checks_its_labels():
    cgan = conditional_gan((8, 8, 1), num_classes=3, latent_dim=4, width=4, seed=0)
    cgan.compile()
    x = np.zeros((4, 8, 8, 1), "float32")
    with pytest.raises(ValueError, match=r"give the class labels too, fit\(x, y\)"):
        cgan.train_step(x)
    with pytest.raises(ValueError, match=r"class ids in \[0, 3\), got min 0, max 7"):
        cgan.train_step((x, np.array([0, 1, 2, 7])))
    assert cgan.generate(4, labels=1, seed=0).shape == (4, 8, 8, 1)


def _toy_conditional(num_classes=4, latent_dim=4, hidden=64):
    z, label = L.Input((latent_dim,)), L.Input((1,))
    h = L.Concatenate()([z, L.Flatten()(L.Embedding(num_classes, 8)(label))])
    h = L.LeakyReLU(0.2)(L.Dense(hidden)(h))
    generator = axon.Model([z, label], L.Dense(2, activation="tanh")(L.LeakyReLU(0.2)(L.Dense(hidden)(h))))
    point, label = L.Input((2,)), L.Input((1,))
    h = L.Concatenate()([point, L.Flatten()(L.Embedding(num_classes, 8)(label))])
    h = L.LeakyReLU(0.2)(L.Dense(hidden)(L.LeakyReLU(0.2)(L.Dense(hidden)(h))))
    discriminator = axon.Model([point, label], L.Dense(1)(h))
    return ConditionalGAN(generator, discriminator, latent_dim, num_classes, seed=0)


@pytest.mark.slow
def test_conditional_generator_draws_the_class_it_is_asked_for():
    """Four classes, each a Gaussian at one corner: samples asked for class k land nearest corner k."""
    axon.manual_seed(0)
    corners = np.array([[0.6, 0.6], [-0.6, 0.6], [-0.6, -0.6], [0.6, -0.6]], np.float32)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 2048)
    x = (corners[y] + 0.05 * rng.standard_normal((2048, 2))).astype(np.float32)
    cgan = _toy_conditional()
    cgan.compile(axon.optimizers.Adam(2e-3, beta_1=0.5), axon.optimizers.Adam(2e-3, beta_1=0.5))
    cgan.fit(x, y, epochs=15, batch_size=64, verbose=0)
    asked = np.repeat(np.arange(4), 250)
    samples = cgan.generate(1000, labels=asked, seed=1)
    nearest = np.linalg.norm(samples[:, None] - corners[None], axis=2).argmin(1)
    for k in range(4):
        assert np.mean(nearest[asked == k] == k) >= 0.8


@pytest.mark.slow
def test_mlp_gan_covers_the_modes_of_a_ring_of_gaussians():
    x, _ = ring_of_gaussians(4096, seed=0)
    gan = mlp_gan(image_shape=(2,), latent_dim=8, g_hidden=(128, 128), d_hidden=(128, 128), dropout=0.0, seed=0)
    gan.compile(axon.optimizers.Adam(2e-3, beta_1=0.5), axon.optimizers.Adam(2e-3, beta_1=0.5))
    before_near, _ = mode_coverage(gan.generate(2000, seed=1))
    gan.fit(x, epochs=100, batch_size=128, verbose=0)
    near, fractions = mode_coverage(gan.generate(2000, seed=1))
    assert before_near < 0.05  # untrained: a blob at the centre
    assert near > 0.6 and fractions.min() > 0.03  # every one of the 8 modes, none dropped


@pytest.mark.slow
def test_show_page_says_what_the_ring_gan_did(tmp_path):
    from axon.zoo.generative.gan import show
    shown = show(tmp_path, quick=True)
    assert shown.measured["ring: modes covered (of 8, each >= 2 % of samples)"] == 8
    assert os.path.exists(shown.files["ring"]) and os.path.exists(shown.files["page"])
    assert "ring of 8 Gaussians" in open(shown.files["page"]).read()
