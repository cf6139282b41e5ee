"""Keras 3's model API on Axon: variable-length inputs, introspection, named (dict) inputs and
outputs, custom layers, losses and metrics, and saving them by name."""
import json

import numpy as np
import pytest

import axon
from axon import layers, ops
from axon.layers import Dense, Embedding, LSTM, GlobalAveragePooling1D, InputLayer, Concatenate


def _text_model():
    tokens = axon.Input(shape=(None,), dtype="int32", name="tokens")
    x = Embedding(50, 8, mask_zero=True, name="embedding")(tokens)
    x = LSTM(6, return_sequences=True, name="lstm")(x)
    x = GlobalAveragePooling1D(name="pool")(x)
    return axon.Model(tokens, Dense(1, activation="sigmoid", name="score")(x))


# ----- 1. inputs and introspection
def test_variable_length_input_runs_any_length_and_reports_none():
    model = _text_model()
    assert model.input.shape == (None, None)
    assert model.get_layer("lstm").output.shape == (None, None, 6)
    assert model.output_shape == (None, 1)
    for length in (3, 11, 40):
        assert model.predict(np.ones((2, length), "int32"), verbose=0).shape == (2, 1)


def test_variable_length_model_trains_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(1, 50, (64, 9)).astype("int32")
    y = (x[:, 0] > 25).astype("float32")
    model = _text_model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "text.keras")
    back = axon.models.load_model(tmp_path / "text.keras")
    assert back.input.shape == (None, None)
    short = x[:5, :4]
    np.testing.assert_allclose(back.predict(short, verbose=0), model.predict(short, verbose=0), rtol=1e-6)


def test_dense_on_a_variable_axis_is_refused_by_name():
    x = axon.Input(shape=(None,))
    with pytest.raises(ValueError, match=r"Dense .*vary in length.*fixed size"):
        Dense(3)(x)


def test_inputs_outputs_layers_and_get_layer():
    model = _text_model()
    assert isinstance(model.layers[0], InputLayer) and model.layers[0].name == "tokens"
    assert model.inputs == [model.input] and model.outputs == [model.output]
    assert model.get_layer(index=0) is model.layers[0]
    assert model.get_layer("score").output is model.output
    assert model.get_layer("embedding").input is model.input
    with pytest.raises(ValueError, match="no layer named 'nope'.*tokens"):
        model.get_layer("nope")
    with pytest.raises(AttributeError, match="has no output"):
        Dense(2).output


def test_feature_extractor_from_inner_layer_outputs():
    """Keras's feature-extraction idiom: a new Model from an inner layer's output."""
    model = _text_model()
    features = axon.Model(model.input, model.get_layer("pool").output)
    assert features.predict(np.ones((3, 5), "int32"), verbose=0).shape == (3, 6)


def test_summary_options():
    inner = axon.Sequential([Dense(4, input_shape=(3,)), Dense(2)], name="inner")
    x = axon.Input((3,))
    model = axon.Model(x, Dense(1, name="head")(inner(x)))
    model.get_layer("head").trainable = False
    lines = []
    model.summary(print_fn=lines.append, expand_nested=True, show_trainable=True)
    text = "\n".join(lines)
    assert "Trainable" in lines[2] and "└ " in text
    head = next(l for l in lines if l.startswith("head"))
    assert head.rstrip().endswith("N") and "(None, 1)" in head
    assert "Total params: 29" in text and "Non-trainable params: 3" in text
    few = []
    model.summary(print_fn=few.append, layer_range=("inner", "head"))
    assert not any(l.startswith("input_layer") for l in few) and any(l.startswith("inner") for l in few)


def test_sequential_takes_an_input_layer():
    model = axon.Sequential([InputLayer(shape=(3,)), Dense(2)])
    assert model.predict(np.ones((4, 3)), verbose=0).shape == (4, 2)
    assert [type(l).__name__ for l in model.layers] == ["Dense"]  # as Keras: no InputLayer in a Sequential


# ----- 2. the functional API in full
def _two_heads():
    a = axon.Input(shape=(4,), name="a")
    b = axon.Input(shape=(3,), name="b")
    h = Dense(8, activation="relu")(Concatenate()([a, b]))
    return axon.Model({"a": a, "b": b}, {"value": Dense(1, name="value")(h),
                                         "kind": Dense(2, activation="softmax", name="kind")(h)})


def _two_heads_data(n=96):
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(n, 4)).astype("float32"), rng.normal(size=(n, 3)).astype("float32")
    return {"a": xa, "b": xb}, {"value": xa[:, :1] + xb[:, :1], "kind": (xb[:, 1] > 0).astype("int64")}


def test_dict_inputs_and_outputs_fit_with_per_output_losses_in_the_logs():
    model = _two_heads()
    model.compile(optimizer="adam", loss={"value": "mse", "kind": "sparse_categorical_crossentropy"},
                  loss_weights={"value": 1.0, "kind": 0.5}, metrics={"kind": ["accuracy"]})
    x, y = _two_heads_data()
    history = model.fit(x, y, epochs=15, verbose=0, validation_split=0.25)
    assert set(history.history) == {"loss", "value_loss", "kind_loss", "kind_accuracy", "val_loss",
                                    "val_value_loss", "val_kind_loss", "val_kind_accuracy"}
    logs = model.evaluate(x, y, return_dict=True)
    # Keras's total: the loss_weights-weighted sum of the per-output losses
    assert logs["loss"] == pytest.approx(logs["value_loss"] + 0.5 * logs["kind_loss"], rel=1e-5)
    assert history.history["loss"][-1] < history.history["loss"][0]
    out = model.predict(x, verbose=0)
    assert set(out) == {"value", "kind"} and out["kind"].shape == (96, 2)


def test_an_output_left_out_of_the_loss_dict_is_not_trained():
    model = _two_heads()
    model.compile(optimizer="sgd", loss={"value": "mse"})
    x, y = _two_heads_data()
    before = model.get_layer("kind").get_weights()
    logs = model.fit(x, y, epochs=1, verbose=0).history
    assert "kind_loss" not in logs and "value_loss" in logs
    for w0, w1 in zip(before, model.get_layer("kind").get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_metrics_as_list_of_lists_and_wrong_keys():
    model = _two_heads()
    with pytest.raises(KeyError, match=r"keyed by \['valu'\].*\['value', 'kind'\]"):
        model.compile(loss={"valu": "mse"})
    a, b = axon.Input((2,)), axon.Input((2,))
    m = axon.Model([a, b], [Dense(1, name="p")(a), Dense(1, name="q")(b)])
    m.compile(loss="mse", metrics=[["mae"], ["mse", "mae"]])
    logs = m.evaluate([np.ones((4, 2))] * 2, [np.ones((4, 1))] * 2, return_dict=True)
    assert set(logs) == {"loss", "p_loss", "q_loss", "p_mae", "q_mse", "q_mae"}
    with pytest.raises(KeyError, match=r"x has no entry for the inputs \['b'\]"):
        _two_heads().predict({"a": np.ones((2, 4))}, verbose=0)


def test_functional_json_and_from_config_round_trip():
    model = _two_heads()
    x, _ = _two_heads_data(8)
    again = axon.models.model_from_json(model.to_json())
    assert again.input_names == ["a", "b"] and again.output_names == ["value", "kind"]
    again.set_weights(model.get_weights())
    np.testing.assert_allclose(again.predict(x, verbose=0)["kind"], model.predict(x, verbose=0)["kind"], rtol=1e-6)
    clone = axon.Model.from_config(model.get_config())
    assert type(clone).__name__ == "Functional" and set(clone.predict(x, verbose=0)) == {"value", "kind"}
    assert json.loads(model.to_json())["class_name"] == "Functional"
    with pytest.raises(ValueError, match="not JSON"):
        axon.models.model_from_json("{oops")


# ----- 3. custom layers, losses and metrics
class Linear(layers.Layer):
    """The keras.io custom-layer guide's layer, with an activity penalty."""

    def __init__(self, units=3, penalty=0.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.penalty = units, penalty

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                 trainable=True, name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True, name="b")
        self.steps = self.add_variable(shape=(), initializer="zeros", trainable=False, dtype="int64")

    def call(self, x):
        out = ops.matmul(x, self.w) + self.b
        if self.penalty:
            self.add_loss(self.penalty * ops.mean(ops.square(out)))
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "penalty": self.penalty})
        return config


def test_add_weight_keywords_and_kinds():
    layer = Linear(4)
    layer(np.ones((2, 5), "float32"))
    assert [w.name for w in layer.trainable_weights] == ["linear/w", "linear/b"]
    assert layer.steps.dtype == np.int64 and layer.non_trainable_weights == [layer.steps]
    assert layer.w.shape == (5, 4) and abs(layer.w.data.std() - 0.05) < 0.03  # Keras's random_normal
    with pytest.raises(ValueError, match="constraints are not supported"):
        Linear().add_weight(shape=(2,), constraint=object())


def test_add_loss_counts_once_per_forward_pass_and_enters_the_training_loss():
    layer = Linear(2, penalty=0.5)
    x = np.ones((3, 4), "float32")
    out = layer(x)
    assert len(layer.losses) == 1
    layer(x)
    assert len(layer.losses) == 1  # the last pass's only
    np.testing.assert_allclose(layer.losses[0].item(), 0.5 * float((out.data ** 2).mean()), rtol=1e-6)
    model = axon.Sequential([Linear(2, penalty=10.0)])
    model.compile(optimizer="sgd", loss="mse")
    y = np.zeros((3, 2), "float32")
    pred = model.predict(x, verbose=0)
    logged = model.evaluate(x, y)
    assert logged == pytest.approx(float((pred ** 2).mean()) * 11.0, rel=1e-5)


def test_custom_layer_config_and_custom_objects(tmp_path):
    model = axon.Sequential([axon.Input((4,)), Linear(3, penalty=0.1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((8, 4)), np.zeros((8, 3)), verbose=0)
    path = tmp_path / "custom.keras"
    model.save(path)
    back = axon.models.load_model(path, custom_objects={"Linear": Linear})
    assert back.layers[0].units == 3 and back.layers[0].penalty == 0.1
    np.testing.assert_allclose(back.predict(np.ones((2, 4))), model.predict(np.ones((2, 4))), rtol=1e-6)


class ScaledError(axon.losses.Loss):
    def __init__(self, scale=1.0, name="scaled_error", **kwargs):
        super().__init__(name=name, **kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return ops.mean(ops.square(y_pred - y_true), axis=-1) * self.scale


def test_loss_subclass_reductions_follow_keras():
    """Keras reduces the per-sample values: "sum_over_batch_size" divides the weighted sum by the
    number of values, "sum" keeps it, "mean_with_sample_weight" divides by the sum of weights,
    "none" returns the weighted values."""
    y, p = np.zeros((4, 2), "float32"), np.arange(8, dtype="float32").reshape(4, 2)
    per_sample = (p ** 2).mean(-1) * 2.0
    w = np.array([1.0, 0.0, 2.0, 1.0])
    assert ScaledError(2.0)(y, p).item() == pytest.approx(per_sample.mean())
    assert ScaledError(2.0, reduction="sum")(y, p, w).item() == pytest.approx((per_sample * w).sum())
    assert ScaledError(2.0, reduction="mean_with_sample_weight")(y, p, w).item() == \
        pytest.approx((per_sample * w).sum() / w.sum())
    np.testing.assert_allclose(ScaledError(2.0, reduction="none")(y, p, w).numpy(), per_sample * w, rtol=1e-6)
    assert ScaledError().name == "scaled_error"
    # a built-in loss with a non-default reduction takes the per-sample path
    assert axon.losses.MeanSquaredError(reduction="sum")(y, p).item() == pytest.approx((p ** 2).mean(-1).sum())
    with pytest.raises(ValueError, match="reduction must be one of"):
        ScaledError(reduction="average")


def test_custom_loss_trains_and_saves(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    model = axon.Sequential([axon.Input((3,)), Dense(1)])
    model.compile(optimizer=axon.optimizers.SGD(0.05), loss=ScaledError(0.5))
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.01 * history.history["loss"][0]
    model.save(tmp_path / "loss.keras")
    back = axon.models.load_model(tmp_path / "loss.keras")
    assert isinstance(back.loss, ScaledError) and back.loss.scale == 0.5


class TruePositives(axon.metrics.Metric):
    def __init__(self, name="true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.count_tp = self.add_variable(shape=(), initializer="zeros", name="tp")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = ops.logical_and(ops.equal(ops.cast(y_true, "bool"), True), ops.greater(y_pred, 0.5))
        values = ops.cast(hits, "float32")
        if sample_weight is not None:
            values = ops.multiply(values, ops.reshape(ops.cast(sample_weight, "float32"), values.shape))
        self.count_tp.assign_add(ops.sum(values))

    def result(self):
        return self.count_tp


def test_metric_subclass_with_variables_is_reset_each_epoch():
    model = axon.Sequential([axon.Input((1,)), Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", metrics=[TruePositives()])
    x, y = np.ones((10, 1), "float32"), np.ones((10, 1), "float32")
    model.layers[0].set_weights([np.ones((1, 1)), np.ones(1)])  # predicts 0.88 for every sample
    logs = model.evaluate(x, y, batch_size=4, return_dict=True)
    assert logs["true_positives"] == 10.0
    assert model.evaluate(x, y, batch_size=4, return_dict=True)["true_positives"] == 10.0  # reset in between


def test_lowercase_functions_are_per_sample_and_usable_in_compile():
    y = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")
    p = np.array([[0.2, 0.8], [0.4, 0.6]], "float32")
    assert axon.losses.binary_crossentropy(y, p).shape == (2,)
    assert axon.metrics.categorical_accuracy(y, p).tolist() == [1.0, 0.0]
    assert axon.metrics.binary_accuracy(y, p).tolist() == [1.0, 0.0]  # the mean over the last axis
    assert axon.metrics.binary_accuracy(y, np.array([[0.2, 0.8], [0.6, 0.6]])).tolist() == [1.0, 0.5]
    model = axon.Sequential([axon.Input((2,)), Dense(2, activation="softmax")])
    model.compile(loss=axon.losses.categorical_crossentropy, metrics=[axon.metrics.categorical_accuracy])
    logs = model.evaluate(y, y, return_dict=True)
    assert set(logs) == {"loss", "categorical_accuracy"}
    expected = axon.losses.CategoricalCrossentropy()(y, model.predict(y, verbose=0)).item()
    assert logs["loss"] == pytest.approx(expected, rel=1e-5)


def test_register_keras_serializable_function_loss(tmp_path):
    @axon.saving.register_keras_serializable(package="tests")
    def halved_mse(y_true, y_pred):
        return ops.mean(ops.square(y_pred - y_true), axis=-1) * 0.5

    model = axon.Sequential([axon.Input((2,)), Dense(1)])
    model.compile(optimizer="adam", loss=halved_mse)
    model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
    model.save(tmp_path / "fn.keras")
    assert axon.models.load_model(tmp_path / "fn.keras").loss is halved_mse
    assert axon.saving.get_custom_objects()["tests>halved_mse"] is halved_mse


# ----- the per-sample loss functions: gradients and PyTorch parity
PAIRS = {
    "mean_squared_error": (np.random.default_rng(1).normal(size=(4, 3)), None),
    "mean_absolute_error": (np.random.default_rng(2).normal(size=(4, 3)), None),
    "huber": (np.random.default_rng(3).normal(size=(4, 3)) * 2, None),
    "log_cosh": (np.random.default_rng(4).normal(size=(4, 3)), None),
    "binary_crossentropy": (np.random.default_rng(5).uniform(0.1, 0.9, (4, 3)), "binary"),
    "categorical_crossentropy": (np.random.default_rng(6).dirichlet(np.ones(3), 4), "onehot"),
    "kl_divergence": (np.random.default_rng(7).dirichlet(np.ones(3), 4), "dist"),
    "poisson": (np.random.default_rng(8).uniform(0.5, 2.0, (4, 3)), None),
    "hinge": (np.random.default_rng(9).normal(size=(4, 3)), "binary"),
    "squared_hinge": (np.random.default_rng(10).normal(size=(4, 3)), "binary"),
    "cosine_similarity": (np.random.default_rng(11).normal(size=(4, 3)), None),
    "mean_squared_logarithmic_error": (np.random.default_rng(12).uniform(0.1, 2.0, (4, 3)), "positive"),
    "mean_absolute_percentage_error": (np.random.default_rng(13).normal(size=(4, 3)), None),
}


def _target(kind, shape):
    rng = np.random.default_rng(99)
    if kind == "binary":
        return (rng.uniform(size=shape) > 0.5).astype("float64")
    if kind == "onehot":
        return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[0])]
    if kind in ("dist",):
        return rng.dirichlet(np.ones(shape[-1]), shape[0])
    if kind == "positive":
        return rng.uniform(0.1, 2.0, shape)
    return rng.normal(size=shape)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_per_sample_loss_gradcheck(name):
    pred, kind = PAIRS[name]
    target = _target(kind, pred.shape)
    fn = getattr(axon.losses, name)
    assert axon.gradcheck(lambda p: fn(target, p), [pred])


def test_sparse_categorical_crossentropy_per_sample_with_ignore_class():
    logits = np.random.default_rng(0).normal(size=(5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    values = axon.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True, ignore_class=1).numpy()
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -log_p[np.arange(5), labels] * (labels != 1)
    np.testing.assert_allclose(values, expected, rtol=1e-6)
    assert axon.gradcheck(lambda z: axon.losses.sparse_categorical_crossentropy(labels, z, from_logits=True), [logits])


def test_per_sample_losses_match_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, (6, 4))
    t = (rng.uniform(size=(6, 4)) > 0.5).astype("float64")
    tp, tt = torch.tensor(p), torch.tensor(t)
    L = axon.losses
    checks = {
        "mean_squared_error": F.mse_loss(tp, tt, reduction="none").mean(-1),
        "mean_absolute_error": F.l1_loss(tp, tt, reduction="none").mean(-1),
        "binary_crossentropy": F.binary_cross_entropy(tp, tt, reduction="none").mean(-1),
        "huber": F.huber_loss(tp, tt, reduction="none", delta=1.0).mean(-1),
        "poisson": F.poisson_nll_loss(tp, tt, log_input=False, full=False, eps=1e-7, reduction="none").mean(-1),
        "cosine_similarity": -F.cosine_similarity(tp, tt, dim=-1),
    }
    for name, expected in checks.items():
        np.testing.assert_allclose(getattr(L, name)(t, p).numpy(), expected.numpy(), rtol=1e-6, atol=1e-7,
                                   err_msg=name)
    logits = rng.normal(size=(6, 4))
    onehot = np.eye(4)[rng.integers(0, 4, 6)]
    ce = F.cross_entropy(torch.tensor(logits), torch.tensor(onehot), reduction="none", label_smoothing=0.2)
    np.testing.assert_allclose(L.categorical_crossentropy(onehot, logits, from_logits=True, label_smoothing=0.2)
                               .numpy(), ce.numpy(), rtol=1e-6)
    bce = F.binary_cross_entropy_with_logits(torch.tensor(logits), tt, reduction="none").mean(-1)
    np.testing.assert_allclose(L.binary_crossentropy(t, logits, from_logits=True).numpy(), bce.numpy(), rtol=1e-6)


# ----- the small Keras namespaces scripts reach for
def test_config_activations_variable_and_clear_session():
    assert axon.config.floatx() == "float32" and axon.config.backend() == "numpy"
    with pytest.raises(ValueError, match="only 'channels_last'"):
        axon.config.set_image_data_format("channels_first")
    x = np.array([-4.0, -1.0, 0.0, 2.0, 8.0])
    np.testing.assert_allclose(axon.activations.relu6(x).numpy(), [0, 0, 0, 2, 6])
    np.testing.assert_allclose(axon.activations.hard_sigmoid(x).numpy(), np.clip(x / 6 + 0.5, 0, 1))
    np.testing.assert_allclose(axon.activations.mish(x).numpy(), x * np.tanh(np.log1p(np.exp(x))), rtol=1e-6)
    assert axon.gradcheck(axon.activations.mish, [x]) and axon.gradcheck(axon.activations.softsign, [x])
    layer = Dense(2, activation=axon.activations.softsign)
    layer(np.ones((1, 3)))
    assert Dense.from_config(layer.get_config()).activation is axon.activations.softsign
    v = axon.Variable(initializer="zeros", shape=(3,), name="acc")
    v.assign_add(np.ones(3)).assign_sub([0.5, 0.5, 0.5])
    assert v.tolist() == [0.5, 0.5, 0.5] and v.requires_grad
    with pytest.raises(ValueError, match="needs shape="):
        axon.Variable(initializer="zeros")
    with pytest.raises(ValueError, match="has shape"):
        v.assign(np.ones(4))
    assert isinstance(axon.regularizers.l2(1e-3), axon.regularizers.L2)
    Dense(2)
    axon.utils.clear_session()
    assert Dense(2).name == "dense"


def _doubled_tanh(x):
    return ops.tanh(x) * 2.0


def _row_mse(y_true, y_pred):
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


def test_plain_functions_save_by_name_and_load_where_defined_or_from_custom_objects(tmp_path):
    """As Keras: an unregistered function is saved by its name; loading finds it in the module that
    defined it (when imported) or in custom_objects; a lambda has no name and is refused at save."""
    from axon.serialization import deserialize, serialize
    model = axon.Sequential([axon.Input((3,)), Dense(2, activation=_doubled_tanh)])
    model.compile(optimizer="adam", loss=_row_mse)
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    model.save(tmp_path / "fn.keras")
    back = axon.models.load_model(tmp_path / "fn.keras")
    assert back.loss is _row_mse and back.layers[0].activation is _doubled_tanh
    saved = serialize(_row_mse)
    missing = dict(saved, module="a_module_nobody_imported")
    with pytest.raises(ValueError, match=r"custom_objects=\{'_row_mse': _row_mse\}"):
        deserialize(missing)
    assert deserialize(missing, custom_objects={"_row_mse": _row_mse}) is _row_mse
    with pytest.raises(TypeError, match="a lambda has no name"):
        serialize(lambda t, p: p)


def test_class_weight_weighs_generator_batches_as_it_weighs_arrays():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x[:, 0] > 0.5).astype("int64")
    weights = {0: 1.0, 1: 4.0}

    def run(data_kind):
        axon.manual_seed(0)
        model = axon.Sequential([axon.Input((3,)), Dense(2, activation="softmax")])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        if data_kind == "arrays":
            model.fit(x, y, batch_size=16, epochs=2, shuffle=False, class_weight=weights, verbose=0)
        else:
            def batches():
                while True:
                    for i in range(0, 64, 16):
                        yield x[i:i + 16], y[i:i + 16]
            model.fit(batches(), steps_per_epoch=4, epochs=2, class_weight=weights, verbose=0)
        return model.get_weights()

    for a, b in zip(run("arrays"), run("generator")):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_steps_per_epoch_without_batch_size_splits_a_pass_into_that_many_batches():
    """Keras's rule for arrays: with steps_per_epoch and no batch_size, each batch holds
    ceil(samples / steps) samples."""
    seen = []

    class Recording(axon.Sequential):
        def train_step(self, data):
            seen.append(len(data[0]))
            return super().train_step(data)

    model = Recording([axon.Input((2,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((100, 2)), np.ones((100, 1)), steps_per_epoch=4, epochs=1, verbose=0)
    assert seen == [25, 25, 25, 25]


def test_calling_one_model_leaves_another_models_add_loss_values():
    """Keras clears the add_loss values of the layers inside the model being called, not of every
    model (a GAN's generator keeps its penalty while the discriminator runs)."""
    gen = axon.Sequential([axon.Input((3,)), Linear(3, penalty=1.0)])
    disc = axon.Sequential([axon.Input((3,)), Linear(1, penalty=1.0)])
    x = np.ones((2, 3), "float32")
    disc(gen(x))
    assert len(gen.losses) == 1 and len(disc.losses) == 1
    disc(x)
    assert len(gen.losses) == 1 and len(disc.losses) == 1  # disc's refreshed, gen's kept
    gen(x)
    gen(x)
    assert len(gen.losses) == 1


def test_variable_length_through_attention_layers():
    tokens = axon.Input(shape=(None,), dtype="int32")
    x = Embedding(50, 16)(tokens)
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=8)(x, x)
    x = layers.LayerNormalization()(x + attended)
    x = layers.Attention()([x, x])
    assert attended.shape == (None, None, 16) and x.shape == (None, None, 16)
    model = axon.Model(tokens, Dense(1)(GlobalAveragePooling1D()(x)))
    for length in (5, 17):
        assert model.predict(np.ones((2, length), "int32"), verbose=0).shape == (2, 1)
