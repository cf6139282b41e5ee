"""Autoencoders (axon.zoo.generative.autoencoder): each builder learns to reconstruct 2,000
Fashion-MNIST images in a few epochs; the denoising noise acts only in training; the sparse
penalties make the code sparse; saving round-trips; bad arguments are refused by name."""
import numpy as np
import pytest

import axon
from axon import zoo
from axon.zoo.generative import (Autoencoder, dense_autoencoder, conv_autoencoder, denoising_autoencoder,
                                 sparse_autoencoder)


@pytest.fixture(scope="module")
def images(fashion_2000):
    return fashion_2000[0].reshape(-1, 28, 28, 1)


def bce(ae, x):
    """Mean binary cross-entropy per pixel of the reconstructions (no penalties)."""
    p = np.clip(ae.predict(x, verbose=0), 1e-7, 1 - 1e-7)
    return float(-(x * np.log(p) + (1 - x) * np.log(1 - p)).mean())


def trained(ae, x, epochs):
    ae.compile("adam", "binary_crossentropy")
    before = bce(ae, x)
    history = ae.fit(x, x, epochs=epochs, batch_size=64, verbose=0)
    return before, history.history["loss"], bce(ae, x)


def test_dense_autoencoder_learns(images):
    ae = dense_autoencoder(latent_dim=32)
    before, losses, after = trained(ae, images, 3)
    assert before > 0.68 and after < 0.36           # from chance (log 2) to a recognisable reconstruction
    assert losses[-1] < losses[0]
    codes = ae.encode(images[:10])
    assert codes.shape == (10, 32) and ae.decode(codes).shape == (10, 28, 28, 1)
    np.testing.assert_allclose(ae.decode(codes), ae.predict(images[:10], verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_conv_autoencoder_learns(images):
    ae = conv_autoencoder(latent_dim=16, filters=(8, 16))
    assert [type(l).__name__ for l in ae.encoder.layers].count("Conv2D") == 2
    assert [type(l).__name__ for l in ae.decoder.layers].count("Conv2DTranspose") == 2
    before, losses, after = trained(ae, images[:1000], 2)
    assert after < before - 0.06 and losses[-1] < losses[0]


@pytest.mark.parametrize("noise", ["gaussian", "dropout"])
def test_denoising_autoencoder_restores_clean_images(images, noise):
    ae = denoising_autoencoder(noise=noise, amount=0.3, seed=0)
    assert type(ae.encoder.layers[0]).__name__ == ("GaussianNoise" if noise == "gaussian" else "GaussianDropout")
    before, losses, after = trained(ae, images, 3)
    assert after < 0.37 and before > 0.68
    # the corruption acts only in training: encode is deterministic, a training pass is not
    np.testing.assert_array_equal(ae.encode(images[:8]), ae.encode(images[:8]))
    with axon.no_grad():
        noisy = ae.encoder(images[:8], training=True).numpy()
    assert np.abs(noisy - ae.encode(images[:8])).max() > 1e-3
    # it restores: the reconstructions of corrupted images lie far closer to the clean ones than the corruptions
    clean = images[:200]
    with axon.no_grad():
        corrupted = ae.encoder.layers[0](clean, training=True).numpy()
    restored = ae.predict(corrupted, verbose=0)
    assert np.mean((restored - clean) ** 2) < 0.5 * np.mean((corrupted - clean) ** 2)


@pytest.mark.parametrize("penalty", ["kl", "l1"])
def test_sparse_autoencoder_codes_are_sparse(images, penalty):
    axon.manual_seed(1)
    plain = sparse_autoencoder(penalty=penalty, weight=0.0)
    trained(plain, images, 2)
    axon.manual_seed(1)
    sparse = sparse_autoencoder(penalty=penalty, weight=0.03 if penalty == "kl" else 0.005)
    before, losses, after = trained(sparse, images, 2)
    assert after < before - 0.05                     # it still learns to reconstruct
    plain_mean, sparse_mean = plain.encode(images).mean(), sparse.encode(images).mean()
    assert sparse_mean < 0.5 * plain_mean and sparse_mean < 0.15, (plain_mean, sparse_mean)
    assert sparse.encoder.layers[-1].activity_regularizer is not None


def test_autoencoder_saves_and_loads(images, tmp_path):
    ae = denoising_autoencoder(kind="dense", latent_dim=8, hidden=(32,), seed=0)
    ae.compile("adam", "binary_crossentropy")
    ae.fit(images[:256], images[:256], epochs=1, batch_size=64, verbose=0)
    path = tmp_path / "dae.axon"
    ae.save(path)
    back = axon.models.load_model(path)
    assert isinstance(back, Autoencoder)
    np.testing.assert_array_equal(back.encode(images[:5]), ae.encode(images[:5]))
    np.testing.assert_array_equal(back.decode(np.zeros((2, 8))), ae.decode(np.zeros((2, 8))))
    assert back.optimizer.iterations == ae.optimizer.iterations
    back.fit(images[:64], images[:64], epochs=1, batch_size=64, verbose=0)  # goes on training


def test_registered_in_the_zoo():
    for name in ("dense_autoencoder", "conv_autoencoder", "denoising_autoencoder", "sparse_autoencoder"):
        assert isinstance(zoo.get(name), Autoencoder)
    assert zoo.get("dae", kind="conv", noise="dropout", filters=(4,)).decoder.output_shape == (None, 28, 28, 1)
    assert zoo.family("sparse_autoencoder") == "generative"


@pytest.mark.parametrize("build, message", [
    (lambda: dense_autoencoder(input_shape=(28, 0)), "input_shape must be positive sizes"),
    (lambda: dense_autoencoder(latent_dim=0), "latent_dim must be a positive whole number"),
    (lambda: conv_autoencoder(input_shape=(28, 28, 1), filters=(8, 16, 32)), "divisible by 2\\*\\*len\\(filters\\) = 8"),
    (lambda: conv_autoencoder(input_shape=(784,)), "must be \\(height, width, channels\\)"),
    (lambda: denoising_autoencoder(noise="salt"), "noise must be one of gaussian, dropout"),
    (lambda: denoising_autoencoder(noise="dropout", amount=1.0), "amount must be a rate in \\[0, 1\\)"),
    (lambda: denoising_autoencoder(kind="conv", hidden=(8,)), "kind='conv' does not take hidden"),
    (lambda: sparse_autoencoder(penalty="l2"), "penalty must be 'kl'"),
    (lambda: sparse_autoencoder(target=1.5), "target must be the mean activation wanted, in \\(0, 1\\)"),
])
def test_bad_arguments_are_refused_by_name(build, message):
    with pytest.raises(ValueError, match=message):
        build()
