"""VAE and conditional VAE (axon.zoo.generative.vae, .cvae): one training step matches PyTorch's
pytorch/examples VAE given the same weights and the same noise; the models learn on 2,000
Fashion-MNIST images and log reconstruction and KL separately; encode/decode/sample/interpolate;
saving round-trips; bad inputs are refused by name."""
import numpy as np
import pytest

import axon
from axon import zoo
from axon.layers import Dense
from axon.zoo.generative import VAE, ConditionalVAE, dense_vae, conv_vae, dense_cvae


@pytest.fixture(scope="module")
def images(fashion_2000):
    return fashion_2000[0].reshape(-1, 28, 28, 1)


def dense_layers(vae):
    """fc1, fc21 (z_mean), fc22 (z_log_var), fc3, fc4: pytorch/examples' names for dense_vae's layers."""
    enc = [l for l in vae.encoder.layers if isinstance(l, Dense)]
    dec = [l for l in vae.decoder.layers if isinstance(l, Dense)]
    return enc + dec


def torch_vae(torch, vae):
    """pytorch/examples' VAE (mnist) with the weights of the Axon ``vae``; forward takes eps."""
    class TorchVAE(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc21, self.fc22 = torch.nn.Linear(784, 400), torch.nn.Linear(400, 20), torch.nn.Linear(400, 20)
            self.fc3, self.fc4 = torch.nn.Linear(20, 400), torch.nn.Linear(400, 784)

        def forward(self, x, eps):
            h1 = torch.relu(self.fc1(x.view(-1, 784)))
            mu, logvar = self.fc21(h1), self.fc22(h1)
            z = mu + eps * torch.exp(0.5 * logvar)
            return torch.sigmoid(self.fc4(torch.relu(self.fc3(z)))), mu, logvar

    net = TorchVAE()
    with torch.no_grad():
        for fc, layer in zip([net.fc1, net.fc21, net.fc22, net.fc3, net.fc4], dense_layers(vae)):
            fc.weight.copy_(torch.from_numpy(layer.kernel.data.T.copy()))
            fc.bias.copy_(torch.from_numpy(layer.bias.data.copy()))
    return net


def torch_loss(torch, recon, mu, logvar, x):
    """pytorch/examples' loss_function, divided by the batch size (nats per image)."""
    bce = torch.nn.functional.binary_cross_entropy(recon, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    n = x.shape[0]
    return (bce + kld) / n, bce / n, kld / n


@pytest.mark.slow  # importing torch takes seconds
def test_one_step_matches_pytorch(images):
    torch = pytest.importorskip("torch")
    x = images[:64]
    vae = dense_vae(seed=7)
    net = torch_vae(torch, vae)
    eps = np.random.default_rng(7).standard_normal((64, 20), dtype=np.float32)  # Sampling(seed=7)'s first draw
    vae.compile(axon.optimizers.Adam(learning_rate=1e-3))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    # the loss, its two terms and every gradient, before the update
    total, reconstruction, kl = vae._parts(x, None, training=True)
    grads = axon.grad(total, vae.trainable_weights)
    tx = torch.from_numpy(x)
    t_total, t_rec, t_kl = torch_loss(torch, *net(tx, torch.from_numpy(eps)), tx)
    t_total.backward()
    for ours, theirs in [(total, t_total), (reconstruction, t_rec), (kl, t_kl)]:
        np.testing.assert_allclose(float(ours.data), theirs.item(), rtol=1e-5)
    by_weight = dict(zip(map(id, vae.trainable_weights), grads))
    for fc, layer in zip([net.fc1, net.fc21, net.fc22, net.fc3, net.fc4], dense_layers(vae)):
        for g_ours, g_theirs in [(by_weight[id(layer.kernel)], fc.weight.grad.numpy().T),
                                 (by_weight[id(layer.bias)], fc.bias.grad.numpy())]:
            np.testing.assert_allclose(g_ours, g_theirs, rtol=1e-4, atol=1e-5 * np.abs(g_theirs).max())

    # one train_step (a second draw of Sampling(seed=7) on a fresh model) against one Adam step
    fresh = dense_vae(seed=7)
    fresh.set_weights(vae.get_weights())
    fresh.compile(axon.optimizers.Adam(learning_rate=1e-3))
    logs = fresh.train_step(x)
    opt.step()
    np.testing.assert_allclose(logs["loss"], t_total.item(), rtol=1e-5)
    np.testing.assert_allclose(logs["loss"], logs["reconstruction_loss"] + logs["kl_loss"], rtol=1e-6)
    for fc, layer in zip([net.fc1, net.fc21, net.fc22, net.fc3, net.fc4], dense_layers(fresh)):
        # Adam's first step is lr * g / (|g| + eps): where |g| is near eps a rounding of g shows; atol 1% of lr
        np.testing.assert_allclose(layer.kernel.data, fc.weight.detach().numpy().T, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(layer.bias.data, fc.bias.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_vae_learns_and_logs_both_terms(images):
    vae = dense_vae(seed=0)
    vae.compile(axon.optimizers.Adam(learning_rate=1e-3))
    before = vae.evaluate(images, batch_size=500, return_dict=True)
    history = vae.fit(images, epochs=3, batch_size=128, verbose=0).history
    after = vae.evaluate(images, batch_size=500, return_dict=True)
    assert sorted(history) == ["kl_loss", "loss", "reconstruction_loss"]
    for logs in [before, after] + [{k: v[i] for k, v in history.items()} for i in range(3)]:
        assert logs["loss"] == pytest.approx(logs["reconstruction_loss"] + logs["kl_loss"], rel=1e-5)
    # from ~550 nats per image (every pixel at 1/2) to under 330 in 48 steps, with a KL of some nats:
    # the code carries information about the image
    assert before["loss"] > 500 and after["loss"] < 330 and history["loss"][-1] < history["loss"][0]
    assert 5 < after["kl_loss"] < 60
    # encode, decode, sample, interpolate
    mean, log_var = vae.encode(images[:10])
    assert mean.shape == log_var.shape == (10, 20)
    np.testing.assert_allclose(vae.decode(mean), vae.predict(images[:10], verbose=0), rtol=1e-5, atol=1e-6)
    samples = vae.sample(16, seed=3)
    assert samples.shape == (16, 28, 28, 1) and 0 <= samples.min() and samples.max() <= 1
    np.testing.assert_array_equal(samples, vae.sample(16, seed=3))
    path = vae.interpolate(images[0], images[1], steps=6)
    assert path.shape == (6, 28, 28, 1)
    np.testing.assert_allclose(path[0], vae.decode(mean[:1])[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(path[-1], vae.decode(mean[1:2])[0], rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_conv_vae_learns(images):
    vae = conv_vae(latent_dim=8, filters=(8, 16), seed=0)
    vae.compile("adam")
    before = vae.evaluate(images, batch_size=500, return_dict=True)["loss"]
    history = vae.fit(images, epochs=2, batch_size=64, verbose=0).history
    assert history["loss"][-1] < before - 50 and history["kl_loss"][-1] > 1


def test_mse_and_beta(images):
    vae = dense_vae(hidden=64, latent_dim=4, reconstruction="mse", beta=4.0, seed=0)
    vae.compile("adam")
    logs = vae.fit(images[:512], epochs=2, batch_size=64, verbose=0).history
    assert logs["loss"][-1] < logs["loss"][0]
    last = {k: v[-1] for k, v in logs.items()}
    assert last["loss"] == pytest.approx(last["reconstruction_loss"] + 4.0 * last["kl_loss"], rel=1e-5)


def test_vae_saves_and_loads(images, tmp_path):
    vae = dense_vae(hidden=64, latent_dim=8, seed=0)
    vae.compile(axon.optimizers.Adam(learning_rate=1e-3))
    vae.fit(images[:256], epochs=1, batch_size=64, verbose=0)
    path = tmp_path / "vae.axon"
    vae.save(path)
    back = axon.models.load_model(path)
    assert isinstance(back, VAE) and back.latent_dim == 8 and back.reconstruction == "bce"
    for ours, theirs in zip(back.encode(images[:5]), vae.encode(images[:5])):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(back.sample(4, seed=1), vae.sample(4, seed=1))
    assert back.optimizer.iterations == vae.optimizer.iterations
    assert sorted(back.fit(images[:64], epochs=1, batch_size=64, verbose=0).history) == \
        ["kl_loss", "loss", "reconstruction_loss"]


def test_cvae_uses_the_label(images, fashion_2000):
    labels = fashion_2000[1]
    cvae = dense_cvae(hidden=200, latent_dim=8, seed=0)
    cvae.compile(axon.optimizers.Adam(learning_rate=3e-3))
    history = cvae.fit(images, labels, epochs=6, batch_size=64, verbose=0).history
    assert history["loss"][-1] < 280 and sorted(history) == ["kl_loss", "loss", "reconstruction_loss"]
    # told the right class the decoder reconstructs better than told a wrong one
    right = cvae.evaluate(images, labels, batch_size=500, return_dict=True)["reconstruction_loss"]
    wrong = cvae.evaluate(images, (labels + 5) % 10, batch_size=500, return_dict=True)["reconstruction_loss"]
    assert wrong > right + 8, (right, wrong)
    # one-hot labels work as well as indices
    one_hot = np.eye(10, dtype=np.float32)[labels]
    np.testing.assert_allclose(cvae.encode(images[:4], one_hot[:4])[0], cvae.encode(images[:4], labels[:4])[0])
    # samples of trousers (1) and of bags (8) differ; samples of one class follow the prior draw
    trousers, bags = cvae.sample(32, labels=1, seed=0), cvae.sample(32, labels=8, seed=0)
    assert trousers.shape == (32, 28, 28, 1) and np.abs(trousers.mean(0) - bags.mean(0)).max() > 0.2
    assert cvae.interpolate(images[0], images[1], labels=[labels[0], labels[1]], steps=4).shape == (4, 28, 28, 1)


def test_registered_in_the_zoo():
    assert isinstance(zoo.get("vae"), VAE) and isinstance(zoo.get("conv_vae", filters=(4,)), VAE)
    assert isinstance(zoo.get("cvae", num_classes=3), ConditionalVAE)
    assert zoo.family("vae") == "generative"


def test_bad_inputs_are_refused(images):
    vae = dense_vae(hidden=16, latent_dim=2)
    with pytest.raises(ValueError, match="trains on its own loss"):
        vae.compile("adam", loss="mse")
    vae.compile("adam")
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\].*got min 0, max 255"):
        vae.fit(images[:8] * 255, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"codes must have shape \(N, 2\)"):
        vae.decode(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="reconstruction must be 'bce'"):
        dense_vae(reconstruction="l1")
    cvae = dense_cvae(num_classes=3, hidden=8, latent_dim=2)
    cvae.compile("adam")
    with pytest.raises(ValueError, match="needs the class labels"):
        cvae.fit(images[:8], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"labels must be class indices in \[0, 3\)"):
        cvae.fit(images[:8], np.full(8, 5), epochs=1, verbose=0)


def test_loss_terms_gradcheck_and_match_their_formulas():
    """The VAE's two terms in float64: the cross-entropy from the sigmoid's logits behind a reshape
    (the fused path) and the KL, against central differences and against the textbook formulas."""
    from axon import ops as F
    from axon.zoo.generative import kl_divergence, reconstruction_loss
    rng = np.random.default_rng(0)
    x = rng.random((3, 2, 4, 1))
    logits, mean, log_var = rng.normal(0, 3, (3, 8)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2))

    def rec(z):
        return reconstruction_loss(x, F.reshape(F.sigmoid(z), (3, 2, 4, 1)))

    assert axon.gradcheck(rec, [logits])
    assert axon.gradcheck(kl_divergence, [mean, log_var])
    p = 1 / (1 + np.exp(-logits))
    expected = -(x.reshape(3, 8) * np.log(p) + (1 - x.reshape(3, 8)) * np.log(1 - p)).sum() / 3
    np.testing.assert_allclose(float(rec(axon.Tensor(logits)).data), expected, rtol=1e-12)
    kl = -0.5 * (1 + log_var - mean ** 2 - np.exp(log_var)).sum() / 3
    np.testing.assert_allclose(float(kl_divergence(axon.Tensor(mean), axon.Tensor(log_var)).data), kl, rtol=1e-12)


def test_adam_moments_stay_out_of_the_subnormal_range():
    """Weights whose gradient stays zero (always-black pixels) have Adam moments that decay by beta_1
    each step; below float32's smallest normal (1.2e-38) every op on them is tens of times slower, so
    the optimizer flushes tiny state values every 100 steps (VAE epochs after the first took twice as
    long without it)."""
    w = axon.Tensor(np.ones(1000, np.float32), requires_grad=True)
    opt = axon.optimizers.Adam(learning_rate=1e-3)
    opt.apply([np.full(1000, 1e-4, np.float32)], [w])
    for _ in range(1500):                      # 0.9 ** 1500 * 1e-5 lies far below 1e-38
        opt.apply([np.zeros(1000, np.float32)], [w])
    m = opt.state[0]["m"]
    assert not np.any((m != 0) & (np.abs(m) < np.finfo(np.float32).tiny))
