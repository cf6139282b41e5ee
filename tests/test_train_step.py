"""The training contract (Keras 3): models that define their own train_step train with fit,
show their own logs, get callbacks and saving; the default steps, sample and class weights,
the model's own metrics, and every callback hook."""
import os
import re

import numpy as np
import pytest

import axon
import axon.ops as F
from axon.layers import Dense
from axon.metrics import Mean

DOCS = os.path.join(os.path.dirname(__file__), "..", "docs", "training.md")


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    """Runs every Python block of docs/training.md (a GAN and a VAE on Fashion-MNIST, a checkpoint
    and a reload) in a fresh folder, and returns the names they define."""
    if not os.path.exists("/usr/share/datasets/fashion-mnist"):
        pytest.skip("Fashion-MNIST not installed (Debian package dataset-fashion-mnist)")
    blocks = re.findall(r"```python\n(.*?)```", open(DOCS, encoding="utf-8").read(), re.S)
    folder = tmp_path_factory.mktemp("docs")
    cwd = os.getcwd()
    os.chdir(folder)
    axon.manual_seed(0)
    names = {}
    try:
        for block in blocks:
            exec(compile(block, DOCS, "exec"), names)
    finally:
        os.chdir(cwd)
    names["folder"] = folder
    return names


def test_gan_trains_with_fit_and_logs_its_own_losses(docs):
    gan, history = docs["gan"], docs["history"]
    assert set(docs["gan"].history.history) == {"d_loss", "g_loss"}
    assert all(np.isfinite(v) for vs in gan.history.history.values() for v in vs)
    assert gan.d_optimizer.iterations == gan.g_optimizer.iterations == 2 * 32 + 0  # 2 epochs of 32 batches
    assert set(history.history) == {"loss", "reconstruction_loss", "kl_loss"}  # the VAE's, run last
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_gan_checkpoint_restores_networks_and_both_optimizers(docs):
    gan, restored = docs["gan"], docs["restored"]
    assert type(restored).__name__ == "GAN" and os.path.exists(docs["folder"] / "gan.axon")
    # restored from the last checkpoint, then trained one more epoch in the docs: load it again
    again = axon.load_model(docs["folder"] / "gan.axon")
    z = axon.random.normal((8, docs["latent_dim"]), seed=3).numpy()
    np.testing.assert_array_equal(again.generator.predict(z), gan.generator.predict(z))
    for name in ("d_optimizer", "g_optimizer"):
        mine, theirs = getattr(gan, name), getattr(again, name)
        assert theirs.iterations == mine.iterations and theirs.lr == pytest.approx(mine.lr)
        assert len(theirs.variables) == len(mine.variables)
        for a, b in zip(mine.state, theirs.state):
            for key in (k for k in a if not k.startswith("_")):  # "_" keys are scratch buffers
                np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]))
    assert restored.d_optimizer.iterations == gan.d_optimizer.iterations + 32  # the docs' extra epoch


def test_custom_step_logs_reach_the_progress_line(docs, capsys):
    gan = docs["GAN"](_mlp(1, 8, 1, "sigmoid"), _mlp(2, 8, 1, None), latent_dim=2)
    gan.compile(axon.optimizers.Adam(1e-3), axon.optimizers.Adam(1e-3), axon.losses.BinaryCrossentropy())
    gan.fit(np.random.default_rng(0).normal(size=(64, 1)).astype("float32"), epochs=1, batch_size=32, verbose=2)
    line = capsys.readouterr().out
    assert re.search(r"Epoch 1/1 - .* d_loss: \d+\.\d{4} - g_loss: \d+\.\d{4}", line)


def _mlp(n_in, hidden, n_out, activation):
    return axon.Sequential([Dense(hidden, activation="relu", input_shape=(n_in,)),
                            Dense(n_out, activation=activation)])


def test_gan_learns_a_one_dimensional_distribution(docs):
    """The docs' GAN, on numbers drawn from N(4, 0.5): the generated samples move to the data."""
    axon.manual_seed(1)
    gan = docs["GAN"](_mlp(1, 16, 1, "sigmoid"), _mlp(4, 16, 1, None), latent_dim=4)
    gan.compile(axon.optimizers.Adam(2e-3, beta_1=0.5), axon.optimizers.Adam(2e-3, beta_1=0.5),
                axon.losses.BinaryCrossentropy())
    data = np.random.default_rng(0).normal(4.0, 0.5, size=(1024, 1)).astype("float32")
    before = gan.generator.predict(axon.random.normal((2000, 4), seed=0).numpy())
    gan.fit(data, epochs=40, batch_size=64, verbose=0)
    after = gan.generator.predict(axon.random.normal((2000, 4), seed=0).numpy())
    assert abs(before.mean() - 4.0) > 3.0
    assert abs(after.mean() - 4.0) < 0.5 and 0.1 < after.std() < 1.5


# ----- the default steps

def _classifier(seed=0):
    axon.manual_seed(seed)
    model = axon.Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(3)])
    model.compile(axon.optimizers.Adam(0.01), axon.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.build_from_shape((4,))  # weights drawn now, from this seed
    return model


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1)


def test_default_steps_return_logs_and_the_model_owns_its_metrics():
    model = _classifier()
    x, y = _data()
    logs = model.train_step((x[:16], y[:16]))
    assert set(logs) == {"loss", "accuracy"} == set(model.metrics_names)
    assert [type(m).__name__ for m in model.metrics] == ["Mean", "SparseCategoricalAccuracy"]
    assert model.predict_step(x[:5]).shape == (5, 3)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert model.metrics[1].count == len(x)  # reset at the start of the second epoch: one epoch's samples
    model.reset_metrics()
    test = model.test_step((x, y))
    assert test["accuracy"] == pytest.approx(float(np.mean(model.predict(x).argmax(1) == y)))


def test_train_and_test_on_batch_return_lists_or_dicts():
    model = _classifier()
    x, y = _data()
    loss, acc = model.train_on_batch(x, y)
    assert isinstance(loss, float) and 0 <= acc <= 1
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert model.predict_on_batch(x).shape == (48, 3)


def test_optimizer_apply_is_step_from_given_gradients():
    w1 = axon.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w2 = axon.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    a, b = axon.optimizers.Adam([w1], 0.1), axon.optimizers.Adam(learning_rate=0.1)
    for _ in range(3):
        (w1 * w1).sum().backward()
        a.step()
        a.zero_grad()
        b.apply_gradients(zip(axon.grad((w2 * w2).sum(), [w2]), [w2]))
    np.testing.assert_allclose(w1.data, w2.data, rtol=1e-12)
    assert a.iterations == b.iterations == 3 and b.variables == [w2]


def test_a_layer_added_after_fit_is_trained_too():
    x, y = _data()
    model = axon.Sequential([Dense(4, input_shape=(4,))])
    model.compile("adam", "mse")
    model.fit(x, x, epochs=1, verbose=0)
    model.add(Dense(4))
    model.fit(x, x, epochs=1, verbose=0)  # builds the new layer, whose weights the optimizer adopts
    new = model.layers[-1].kernel.data.copy()
    model.fit(x, x, epochs=1, verbose=0)
    assert not np.allclose(new, model.layers[-1].kernel.data)


def test_sample_weights_in_batches_are_used_not_dropped():
    model = _classifier()
    x, y = _data()
    before = model.get_weights()
    batches = iter([(x[:24], y[:24], np.zeros(24)), (x[24:], y[24:], np.zeros(24))])
    model.fit(batches, steps_per_epoch=2, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):  # zero weights: zero gradients, no update
        np.testing.assert_array_equal(a, b)
    w = np.linspace(0, 2, len(x))
    logits = model.predict(x)
    per = -(logits[np.arange(len(y)), y] - np.log(np.exp(logits).sum(1)))
    assert model.evaluate(x, y, sample_weight=w, batch_size=len(x), return_dict=True)["loss"] == \
        pytest.approx(float((w * per).mean()), rel=1e-5)


def test_class_weight_is_a_weight_per_class():
    x, y = _data()
    a, b = _classifier(), _classifier()
    a.fit(x, y, class_weight={0: 1.0, 1: 0.5, 2: 3.0}, epochs=2, batch_size=16, shuffle=False, verbose=0)
    b.fit(x, y, sample_weight=np.array([1.0, 0.5, 3.0])[y], epochs=2, batch_size=16, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)
    with pytest.raises(ValueError, match=r"class_weight has no weight for the classes \[2\]"):
        a.fit(x, y, class_weight={0: 1.0, 1: 1.0}, verbose=0)


def test_metrics_set_as_attributes_belong_to_the_model():
    class Tracked(axon.Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(1)
            self.seen = Mean(name="seen")

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            self.seen.update_state(np.ones(len(data)))
            return {"seen": self.seen.result(), "count": self.seen.count}

    model = Tracked()
    model.compile()
    model(np.zeros((1, 4)))
    history = model.fit(np.zeros((10, 4), "float32"), epochs=2, batch_size=4, verbose=0)
    assert model.seen in model.metrics
    assert history.history["count"] == [10.0, 10.0]  # reset by fit at each epoch start


def test_every_callback_hook_fires_in_order():
    calls = []

    class Recorder(axon.callbacks.Callback):
        def __getattribute__(self, name):
            if name.startswith("on_"):
                return lambda *args, **kwargs: calls.append(name)
            return super().__getattribute__(name)

    model = _classifier()
    x, y = _data(8)
    model.fit(x, y, epochs=1, batch_size=4, validation_data=(x, y), callbacks=[Recorder()], verbose=0)
    assert calls == ["on_train_begin", "on_epoch_begin",
                     "on_train_batch_begin", "on_train_batch_end", "on_train_batch_begin", "on_train_batch_end",
                     "on_test_begin", "on_test_batch_begin", "on_test_batch_end",
                     "on_test_batch_begin", "on_test_batch_end", "on_test_end",
                     "on_epoch_end", "on_train_end"]
    calls.clear()
    model.predict(x, batch_size=8, callbacks=[Recorder()])
    assert calls == ["on_predict_begin", "on_predict_batch_begin", "on_predict_batch_end", "on_predict_end"]
    calls.clear()
    model.evaluate(x, y, batch_size=8, callbacks=[Recorder()])
    assert calls == ["on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_end"]


def test_nan_in_the_inputs_is_named_as_the_cause():
    model = _classifier()
    x, y = _data()
    x[5, 2] = np.nan
    with pytest.raises(axon.models.NonFiniteLossError, match="the batch's inputs already held NaN or Inf"):
        model.fit(x, y, epochs=1, batch_size=48, verbose=0)


def test_a_loss_and_a_metric_of_the_same_class_name_load_back_as_what_they_were(tmp_path):
    model = axon.Sequential([Dense(2, input_shape=(3,))])
    model.compile("sgd", loss=axon.losses.MeanSquaredError(), metrics=[axon.metrics.MeanSquaredError()])
    model.save(tmp_path / "m.axon")
    back = axon.load_model(tmp_path / "m.axon")
    assert isinstance(back._compile_loss.losses[0], axon.losses.MeanSquaredError)
    assert isinstance(back.metrics[1], axon.metrics.MeanSquaredError)


def test_custom_loss_function_returning_per_sample_values_is_weighted():
    model = axon.Sequential([Dense(1, input_shape=(2,))])
    model.compile("sgd", loss=lambda y, p: F.mean(F.square(p - y), axis=-1))
    x = np.ones((4, 2), "float32")
    y = np.zeros((4, 1), "float32")
    p = model.predict(x)[:, 0]
    w = np.array([1.0, 0.0, 2.0, 1.0])
    assert model.evaluate(x, y, sample_weight=w) == pytest.approx(float((w * p ** 2).mean()), rel=1e-5)
