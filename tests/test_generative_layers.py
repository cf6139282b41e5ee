"""Layers and penalties of autoencoders and VAEs: GaussianNoise, GaussianDropout, Sampling (the
reparameterisation trick), activity_regularizer on every layer, and the KLSparsity penalty."""
import math

import numpy as np
import pytest

import axon
from axon import Tensor, gradcheck, layers, regularizers
from axon.layers import Dense, GaussianDropout, GaussianNoise, Layer, Sampling
from axon.regularizers import L1, KLSparsity

R = np.random.default_rng(5)


class Probe(Layer):
    """Identity that records what it was given (to see what a noise layer passed on)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, x):
        self.seen.append(x.data.copy())
        return x


# ----- GaussianNoise and GaussianDropout

def test_gaussian_dropout_noise_has_mean_one_and_the_dropout_variance():
    rate = 0.3
    y = GaussianDropout(rate, seed=1)(np.ones((400, 500), np.float32), training=True).data
    n = y.size
    var = rate / (1 - rate)
    assert y.dtype == np.float32
    assert abs(y.mean() - 1.0) < 5 * math.sqrt(var / n)
    assert abs(y.var() - var) < 5 * var * math.sqrt(2 / n)   # the sample variance's standard error
    # the same statistics as Dropout's rescaled keep mask, which it imitates
    keep = axon.layers.Dropout(rate, seed=1)(np.ones((400, 500), np.float32), training=True).data
    assert abs(keep.var() - y.var()) < 0.02


def test_gaussian_dropout_statistics_match_torch_dropout():
    torch = pytest.importorskip("torch")
    rate = 0.4
    torch.manual_seed(0)
    t = torch.nn.functional.dropout(torch.ones(200_000, dtype=torch.float64), p=rate, training=True).numpy()
    y = GaussianDropout(rate, seed=2)(np.ones(200_000, np.float64), training=True).data
    assert abs(y.mean() - t.mean()) < 0.01
    assert abs(y.var() - t.var()) / t.var() < 0.02


def test_gaussian_dropout_multiplies_and_passes_gradients():
    x = R.normal(0, 1, (3, 4))

    def fn(x):
        return GaussianDropout(0.25, seed=4)(x, training=True)
    assert gradcheck(fn, [x])
    noise = GaussianDropout(0.25, seed=4)(Tensor(np.ones((3, 4))), training=True).data
    np.testing.assert_allclose(fn(Tensor(x)).data, x * noise, rtol=1e-12)


@pytest.mark.parametrize("make", [lambda: GaussianNoise(0.5, seed=3), lambda: GaussianDropout(0.5, seed=3)],
                         ids=["noise", "dropout"])
def test_noise_layers_are_identity_at_inference_and_active_in_fit(make):
    x = R.normal(0, 1, (16, 4)).astype(np.float32)
    y = R.normal(0, 1, (16, 1)).astype(np.float32)
    probe = Probe()
    model = axon.Sequential([make(), probe, Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.predict(x, verbose=0)
    model.evaluate(x, y, verbose=0)
    assert len(probe.seen) == 2 and all(np.array_equal(s, x) for s in probe.seen)
    probe.seen.clear()
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    assert len(probe.seen) == 2 and all(not np.allclose(s, x) for s in probe.seen)
    assert not np.array_equal(probe.seen[0], probe.seen[1])   # a fresh draw each step


def test_noise_layers_are_reproducible_with_a_seed_and_keep_keras_signatures():
    x = np.zeros((3, 5), np.float32)
    a = GaussianNoise(0.2, seed=7)(x, training=True).data
    b = GaussianNoise(stddev=0.2, seed=7)(x, training=True).data
    np.testing.assert_array_equal(a, b)
    assert 0.05 < a.std() < 0.5
    assert GaussianDropout(rate=0.1, seed=1).get_config()["seed"] == 1
    assert GaussianNoise(0.2).get_config()["stddev"] == 0.2


@pytest.mark.parametrize("rate", [1.0, -0.1, "0.5", True])
def test_gaussian_dropout_rejects_a_rate_outside_0_1(rate):
    with pytest.raises(ValueError, match=r"GaussianDropout: rate must be in \[0, 1\)"):
        GaussianDropout(rate)


def test_gaussian_noise_rejects_a_negative_stddev():
    with pytest.raises(ValueError, match="GaussianNoise: stddev must be a number >= 0"):
        GaussianNoise(-1.0)


# ----- Sampling

def _eps(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.float64)


def test_sampling_is_the_reparameterisation_trick():
    mean, log_var = R.normal(0, 1, (6, 3)), R.normal(0, 1, (6, 3))
    z = Sampling(seed=11)([Tensor(mean), Tensor(log_var)]).data
    np.testing.assert_allclose(z, mean + np.exp(0.5 * log_var) * _eps(11, (6, 3)), rtol=1e-12)


def test_sampling_gradcheck_in_float64():
    def fn(mean, log_var):
        return Sampling(seed=3)([mean, log_var])
    assert gradcheck(fn, [R.normal(0, 1, (4, 2)), R.normal(0, 1, (4, 2))])


def test_sampling_matches_torch_with_the_same_noise():
    torch = pytest.importorskip("torch")
    mean, log_var = R.normal(0, 1, (5, 3)), R.normal(0, 0.5, (5, 3))
    m, lv = Tensor(mean, requires_grad=True), Tensor(log_var, requires_grad=True)
    z = Sampling(seed=8)([m, lv])
    (z * z).sum().backward()
    tm = torch.tensor(mean, requires_grad=True)
    tlv = torch.tensor(log_var, requires_grad=True)
    tz = tm + torch.exp(0.5 * tlv) * torch.tensor(_eps(8, (5, 3)))
    (tz * tz).sum().backward()
    np.testing.assert_allclose(z.data, tz.detach().numpy(), rtol=1e-9)
    np.testing.assert_allclose(m.grad, tm.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(lv.grad, tlv.grad.numpy(), rtol=1e-9)


def test_sampling_draws_at_inference_too_and_in_a_functional_encoder():
    inputs = axon.Input((8,))
    h = Dense(16, activation="relu")(inputs)
    z_mean, z_log_var = Dense(2)(h), Dense(2)(h)
    encoder = axon.Model(inputs, [z_mean, z_log_var, Sampling()([z_mean, z_log_var])])
    x = R.normal(0, 1, (4, 8)).astype(np.float32)
    m1, _, z1 = encoder.predict(x, verbose=0)
    m2, _, z2 = encoder.predict(x, verbose=0)
    assert z1.shape == (4, 2) and z1.dtype == np.float32
    np.testing.assert_array_equal(m1, m2)
    assert not np.allclose(z1, z2)    # as the keras.io VAE example: a fresh draw each call


def test_sampling_names_both_shapes_when_they_differ():
    with pytest.raises(ValueError, match=r"z_mean \(2, 3\) and z_log_var \(2, 4\)"):
        Sampling()([np.zeros((2, 3), np.float32), np.zeros((2, 4), np.float32)])
    with pytest.raises(ValueError, match=r"\[z_mean, z_log_var\]"):
        Sampling()(np.zeros((2, 3), np.float32))


# ----- activity_regularizer

def test_activity_penalty_is_divided_by_the_batch_size_as_in_keras_3():
    layer = Dense(4, activation="sigmoid", activity_regularizer=L1(1e-2))
    x = R.normal(0, 1, (8, 3)).astype(np.float32)
    out = layer(x).data
    (penalty,) = layer.losses
    np.testing.assert_allclose(float(penalty.data), 1e-2 * np.abs(out).sum() / 8, rtol=1e-5)
    layer(x[:2])
    assert len(layer.losses) == 1          # replaced, not accumulated, by the next call
    np.testing.assert_allclose(float(layer.losses[0].data), 1e-2 * np.abs(layer(x[:2]).data).sum() / 2,
                               rtol=1e-5)


def test_activity_regularizer_accepts_names_and_works_on_any_layer():
    act = axon.layers.Activation("relu", activity_regularizer="l2")
    y = act(np.array([[1.0, -2.0, 3.0]], np.float32)).data
    np.testing.assert_allclose(float(act.losses[0].data), 0.01 * (y ** 2).sum(), rtol=1e-6)
    assert isinstance(Dense(2, activity_regularizer="kl_sparsity").activity_regularizer, KLSparsity)
    assert Dense(2).activity_regularizer is None and Dense(2).losses == []


def test_activity_regularised_dense_total_loss_gradcheck():
    layer = Dense(3, activation="sigmoid", dtype="float64",
                  activity_regularizer=regularizers.L1L2(l1=0.3, l2=0.2))
    layer.build_from_shape((4,), dtype=np.float64)

    def total(x, kernel, bias):
        layer.kernel, layer.bias = kernel, bias
        out = layer(x)
        loss = axon.ops.mean(axon.ops.square(out - 0.5))
        for penalty in layer.losses:
            loss = loss + penalty
        return loss
    assert gradcheck(total, [R.normal(0, 1, (5, 4)), R.normal(0, 1, (4, 3)), R.normal(0, 1, (3,))])


def test_activity_penalty_is_part_of_the_loss_fit_reports():
    x = R.normal(0, 1, (10, 3)).astype(np.float32)
    y = R.normal(0, 1, (10, 2)).astype(np.float32)
    model = axon.Sequential([Dense(8, activation="sigmoid", activity_regularizer=L1(0.5), input_shape=(3,)),
                             Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    hidden = model.layers[0](x).data
    mse = float(np.mean((model(x).data - y) ** 2))
    penalty = 0.5 * np.abs(hidden).sum() / 10
    assert penalty > mse / 10                 # large enough to see
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse + penalty, rel=1e-5)
    history = model.fit(x, y, epochs=1, batch_size=10, shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(mse + penalty, rel=1e-5)
    model.predict(x, verbose=0)
    assert len(model.losses) == 1             # cleared per outer call, as add_loss values are


def test_activity_regularizer_round_trips_in_configs_and_saved_models(tmp_path):
    model = axon.Sequential([
        Dense(16, activation="sigmoid", activity_regularizer=KLSparsity(target=0.1, weight=0.02), input_shape=(6,)),
        GaussianDropout(0.2, seed=1),
        Dense(6, activity_regularizer=L1(1e-3)),
    ])
    model.compile(optimizer="adam", loss="mse")
    x = R.random((12, 6)).astype(np.float32)
    model.fit(x, x, epochs=1, batch_size=6, verbose=0)
    model.save(tmp_path / "sae.axon")
    back = axon.load_model(tmp_path / "sae.axon")
    reg = back.layers[0].activity_regularizer
    assert isinstance(reg, KLSparsity) and (reg.target, reg.weight) == (0.1, 0.02)
    assert isinstance(back.layers[1], GaussianDropout) and back.layers[1].rate == 0.2
    assert isinstance(back.layers[2].activity_regularizer, L1)
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose([float(t.data) for t in back.losses], [float(t.data) for t in model.losses],
                               rtol=1e-5)
    late = Dense(3)
    late.activity_regularizer = "l2"   # set after construction, as Keras allows
    assert isinstance(Dense.from_config(late.get_config()).activity_regularizer, regularizers.L2)


# ----- KLSparsity

def _kl_numpy(a, target, weight):
    rho = np.clip(a.mean(axis=0), 1e-7, 1 - 1e-7)
    return weight * np.sum(target * np.log(target / rho) + (1 - target) * np.log((1 - target) / (1 - rho)))


def test_kl_sparsity_is_the_sparse_autoencoder_penalty():
    a = R.uniform(0.01, 0.99, (20, 7))
    assert float(KLSparsity(0.05, 0.3)(a).data) == pytest.approx(_kl_numpy(a, 0.05, 0.3), rel=1e-12)
    assert float(KLSparsity(0.2, 1.0)(np.full((5, 4), 0.2)).data) == pytest.approx(0.0, abs=1e-12)
    assert np.isfinite(float(KLSparsity()(np.zeros((3, 2))).data))   # clipped, not infinite
    assert KLSparsity(0.05, 1.0)(np.full((4, 3), 0.05, np.float32)).dtype == np.float32


def test_kl_sparsity_gradcheck_in_float64():
    assert gradcheck(KLSparsity(0.1, 0.5), [R.uniform(0.05, 0.95, (6, 4))])


def test_kl_sparsity_matches_torch():
    torch = pytest.importorskip("torch")
    a = R.uniform(0.01, 0.99, (9, 5))
    t = Tensor(a, requires_grad=True)
    KLSparsity(0.05, 0.7)(t).backward()
    ta = torch.tensor(a, requires_grad=True)
    rho = ta.mean(0)
    p = torch.full_like(rho, 0.05)
    # KL(p || rho) of Bernoulli variables, summed over the units (torch's kl_div: sum target * (log target - input))
    kl = torch.nn.functional.kl_div(torch.log(rho), p, reduction="sum") + \
        torch.nn.functional.kl_div(torch.log(1 - rho), 1 - p, reduction="sum")
    (0.7 * kl).backward()
    assert float(KLSparsity(0.05, 0.7)(a).data) == pytest.approx(0.7 * kl.item(), rel=1e-9)
    np.testing.assert_allclose(t.grad, ta.grad.numpy(), rtol=1e-9)


def test_kl_sparsity_is_not_divided_by_the_batch_size_again():
    layer = Dense(5, activation="sigmoid", activity_regularizer=KLSparsity(0.05, 0.1))
    out = layer(R.normal(0, 1, (32, 3)).astype(np.float32)).data
    assert float(layer.losses[0].data) == pytest.approx(_kl_numpy(out.astype(np.float64), 0.05, 0.1), rel=1e-4)


def test_kl_sparsity_is_serialisable_and_registered():
    reg = regularizers.get("kl_sparsity")
    assert isinstance(reg, KLSparsity) and (reg.target, reg.weight) == (0.05, 1e-3)
    back = KLSparsity.from_config(KLSparsity(0.2, 0.5).get_config())
    assert (back.target, back.weight) == (0.2, 0.5)


@pytest.mark.parametrize("kwargs, pattern", [({"target": 0.0}, "target must lie in \\(0, 1\\)"),
                                             ({"target": 1.5}, "target must lie in \\(0, 1\\)"),
                                             ({"weight": -1.0}, "weight must be a number >= 0")])
def test_kl_sparsity_rejects_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match="KLSparsity: " + pattern):
        KLSparsity(**kwargs)


def test_sparse_autoencoder_pulls_mean_hidden_activity_to_the_target(fashion_2000):
    x = fashion_2000[0]

    def train(activity_regularizer):
        axon.manual_seed(0)
        model = axon.Sequential([
            Dense(32, activation="sigmoid", activity_regularizer=activity_regularizer, input_shape=(784,)),
            Dense(784, activation="sigmoid")])
        model.compile(optimizer=axon.optimizers.Adam(1e-2), loss="mse")
        model.fit(x, x, epochs=12, batch_size=50, verbose=0)
        hidden = model.layers[0](x, training=False).data
        mse = float(np.mean((model.predict(x, verbose=0) - x) ** 2))
        return hidden.mean(axis=0), mse

    plain, plain_mse = train(None)
    sparse, sparse_mse = train(KLSparsity(target=0.05, weight=0.1))
    assert plain.mean() > 0.3
    assert abs(sparse.mean() - 0.05) < 0.015                 # the mean activity reaches the target
    assert np.median(np.abs(sparse - 0.05)) < 0.02           # unit by unit
    assert sparse_mse < 0.6 * float(np.mean((x - x.mean(axis=0)) ** 2))   # and it beats the mean image
    assert plain_mse < sparse_mse                            # sparsity costs some reconstruction
