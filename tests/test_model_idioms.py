"""Keras 3 model idioms that the keras.io guides rely on (tests/keras_style runs the guides
themselves; these pin down each piece Axon had to learn for them)."""
import numpy as np
import pytest

import axon
from axon import layers


# ----- a Model subclass built from inputs and outputs (the "Customizing fit()" guide)
class StepCounting(axon.Model):
    """Keeps the functional graph, overrides the step: counts the steps it ran."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = 0

    def train_step(self, data):
        self.steps += 1
        return super().train_step(data)


def _graph(units=1):
    inputs = axon.Input(shape=(3,))
    return inputs, layers.Dense(units, name="out")(inputs)


def test_subclass_from_inputs_and_outputs_runs_the_graph_and_its_own_step():
    inputs, outputs = _graph()
    model = StepCounting(inputs, outputs)
    assert isinstance(model, StepCounting) and model.inputs == [inputs] and model.steps == 0
    x = np.arange(12, dtype="float32").reshape(4, 3)
    kernel, bias = model.get_layer("out").get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ kernel + bias, rtol=1e-6)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.ones((4, 1)), batch_size=2, epochs=3, verbose=0)
    assert model.steps == 6


def test_subclass_by_keywords_and_its_subclasses_are_functional_too():
    class Deeper(StepCounting):
        pass

    inputs, outputs = _graph(2)
    model = Deeper(inputs=inputs, outputs=outputs)
    assert model.output_names == ["out"] and model.predict(np.ones((5, 3)), verbose=0).shape == (5, 2)
    assert isinstance(model, StepCounting)


def test_functional_subclass_saves_and_loads_as_itself(tmp_path):
    inputs, outputs = _graph()
    model = StepCounting(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    path = str(tmp_path / "m.axon")
    model.save(path)
    restored = axon.load_model(path)
    assert type(restored) is StepCounting and restored.steps == 0
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_a_plain_subclass_still_builds_from_its_own_layers():
    class Plain(axon.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    with pytest.raises(TypeError):
        Plain(*_graph())  # its __init__ takes no inputs and outputs ...
    assert Plain()(np.ones((1, 3), "float32")).shape == (1, 2)  # ... and the mistake changed nothing


# ----- a custom Metric whose reset_state uses the variables its __init__ creates (the guide's
# CategoricalTruePositives): the base constructor must not call the override before they exist
class Hits(axon.metrics.Metric):
    def __init__(self, name="hits", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hits = self.add_variable(shape=(), name="hits", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.hits.assign_add(np.sum(np.argmax(y_pred, axis=1) == np.ravel(y_true)))

    def result(self):
        return self.hits

    def reset_state(self):
        self.hits.assign(0.0)


def test_custom_metric_reset_state_override_runs_after_init_and_each_epoch():
    metric = Hits()
    metric.update_state(np.array([1, 0]), np.array([[0.1, 0.9], [0.2, 0.8]]))
    assert float(metric.result()) == 1.0
    metric.reset_state()
    assert float(metric.result()) == 0.0
    inputs = axon.Input(shape=(2,))
    model = axon.Model(inputs, layers.Dense(2, activation="softmax")(inputs))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=[Hits()])
    x, y = np.eye(2, dtype="float32").repeat(5, 0), np.arange(2).repeat(5)
    history = model.fit(x, y, epochs=2, verbose=0).history
    assert all(0 <= h <= 10 for h in history["hits"])  # one epoch's count: reset between epochs


@pytest.mark.parametrize("make", [lambda: axon.metrics.Precision(), lambda: axon.metrics.Recall(),
                                  lambda: axon.metrics.ConfusionMatrix(2)])
def test_built_in_metrics_start_empty(make):
    metric = make()
    first = np.asarray(metric.result()).copy()
    metric.update_state(np.array([1, 0, 1]), np.array([0.9, 0.2, 0.4]))
    metric.reset_state()
    np.testing.assert_array_equal(np.asarray(metric.result()), first)


# ----- keras.models.clone_model
def test_clone_model_gives_the_architecture_with_new_weights():
    inputs = axon.Input(shape=(3,))
    model = axon.Model(inputs, layers.Dense(2, name="out")(layers.Dense(4, activation="relu")(inputs)))
    clone = axon.models.clone_model(model)
    assert type(clone) is type(model) and clone.get_config() == model.get_config()
    assert all(a is not b for a, b in zip(clone.weights, model.weights))
    x = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
    assert not np.allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_clone_model_of_a_functional_subclass_keeps_the_class_and_refuses_rewiring():
    model = StepCounting(*_graph())
    clone = axon.models.clone_model(model)
    assert type(clone) is StepCounting and clone.steps == 0
    with pytest.raises(ValueError, match="clone_function is not supported"):
        axon.models.clone_model(model, clone_function=lambda layer: layer)


# ----- layer.build(shape) called directly, as the transfer-learning guide does
def test_a_layer_built_by_hand_is_built_and_keeps_its_weights_on_the_first_call():
    layer = layers.Dense(3)
    layer.build((None, 4))
    assert layer.built and len(layer.weights) == 2 and len(layer.trainable_weights) == 2
    layer.set_weights([np.ones((4, 3), "float32"), np.zeros(3, "float32")])
    np.testing.assert_allclose(layer(np.ones((2, 4), "float32")).numpy(), np.full((2, 3), 4.0))
    norm = layers.BatchNormalization()
    norm.build((None, 4))
    assert norm.built and (len(norm.trainable_weights), len(norm.non_trainable_weights)) == (2, 2)


def test_a_custom_layer_build_is_marked_built_even_without_super_build():
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    layer = Scale()
    layer.build((None, 5))
    scale = layer.scale
    layer(np.ones((1, 5), "float32"))
    assert layer.built and layer.scale is scale and layer.weights == [scale]


def test_sequential_build_creates_every_layer_for_summary_and_saving(tmp_path):
    model = axon.Sequential([layers.Dense(3, activation="relu"), layers.Dense(2)])
    model.build((None, 4))
    assert model.built and [w.shape for w in model.weights] == [(4, 3), (3,), (3, 2), (2,)]
    lines = []
    model.summary(print_fn=lines.append)
    assert any("(None, 2)" in line for line in lines)
    x = np.random.default_rng(2).normal(size=(3, 4)).astype("float32")
    model.save(str(tmp_path / "m.axon"))
    np.testing.assert_allclose(axon.load_model(str(tmp_path / "m.axon")).predict(x, verbose=0),
                               model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="expected input with size 4"):
        model.build((None, 5))  # its layers were built for 4 features


def test_sequential_build_needs_a_shape():
    with pytest.raises(ValueError, match="give the input shape"):
        axon.Sequential([layers.Dense(2)]).build()
    with pytest.raises(ValueError, match="variable-length"):
        axon.Sequential([layers.Embedding(10, 4)]).build((None, None))


# ----- base(inputs, training=False): a reused model kept in inference mode (transfer learning)
def _frozen_mode_model():
    base_in = axon.Input(shape=(4,))
    base = axon.Model(base_in, layers.Dropout(0.5)(layers.BatchNormalization()(base_in)), name="base")
    inputs = axon.Input(shape=(4,))
    return base, axon.Model(inputs, layers.Dense(1)(base(inputs, training=False)))


def test_training_false_at_graph_building_wins_over_fit_training():
    base, model = _frozen_mode_model()
    norm = base.layers[1]
    x = np.random.default_rng(3).normal(5.0, 2.0, size=(32, 4)).astype("float32")
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((32, 1)), epochs=2, verbose=0)
    np.testing.assert_array_equal(norm.moving_mean.numpy(), np.zeros(4))  # inference mode: not updated
    # dropout is off too: a training call is deterministic
    np.testing.assert_array_equal(model(x, training=True).numpy(), model(x, training=True).numpy())
    # the same model without the fixed mode does update the statistics
    inputs = axon.Input(shape=(4,))
    free = axon.Model(inputs, layers.Dense(1)(base(inputs)))
    free.compile(optimizer="sgd", loss="mse")
    free.fit(x, np.zeros((32, 1)), epochs=1, verbose=0)
    assert np.all(norm.moving_mean.numpy() > 0.01)  # one step of momentum 0.99 towards 5


def test_training_false_survives_the_config_round_trip():
    _, model = _frozen_mode_model()
    clone = axon.Model.from_config(model.get_config())
    x = np.random.default_rng(4).normal(size=(8, 4)).astype("float32")
    np.testing.assert_array_equal(clone(x, training=True).numpy(), clone(x, training=True).numpy())


# ----- the confusion-count metrics of the imbalanced-classification example
@pytest.mark.parametrize("name, predicted, actual", [("TruePositives", True, True), ("FalsePositives", True, False),
                                                     ("TrueNegatives", False, False), ("FalseNegatives", False, True)])
def test_confusion_counts_match_numpy_with_weights_and_thresholds(name, predicted, actual):
    rng = np.random.default_rng(5)
    y = (rng.uniform(size=(40, 3)) < 0.3).astype("float32")
    p = rng.uniform(size=(40, 3)).astype("float32")
    w = rng.uniform(size=40).astype("float32")
    for threshold in (None, 0.7):
        metric = getattr(axon.metrics, name)(thresholds=threshold)
        metric.update_state(y[:25], p[:25], sample_weight=w[:25])
        metric.update_state(y[25:], p[25:], sample_weight=w[25:])
        cell = ((p > (threshold or 0.5)) == predicted) & ((y != 0) == actual)
        np.testing.assert_allclose(metric.result(), np.sum(cell * w[:, None]), rtol=1e-6)
        metric.reset_state()
        assert metric.result() == 0.0


def test_confusion_counts_in_fit_logs_and_their_config():
    inputs = axon.Input(shape=(2,))
    model = axon.Model(inputs, layers.Dense(1, activation="sigmoid")(inputs))
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=[axon.metrics.TruePositives(name="tp"), axon.metrics.FalseNegatives(name="fn")])
    x = np.random.default_rng(6).normal(size=(30, 2)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["tp"] + logs["fn"] == y.sum()
    twin = axon.metrics.TruePositives.from_config(axon.metrics.TruePositives(0.3, name="tp").get_config())
    assert twin.thresholds == 0.3 and twin.name == "tp"
    with pytest.raises(ValueError, match="a list of thresholds is not supported"):
        axon.metrics.TruePositives(thresholds=[0.3, 0.6])
