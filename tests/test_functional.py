"""The functional API: Input, layer calls on symbolic tensors, Model(inputs, outputs) with skip
connections, several inputs and outputs, shared layers; training and saving such models."""
import numpy as np
import pytest

import axon
from axon import Input
from axon.layers import Add, BatchNormalization, Concatenate, Dense, Dropout
from axon.models import Functional


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 1, (n, 6)).astype(np.float32)
    b = rng.normal(0, 1, (n, 3)).astype(np.float32)
    y = ((a[:, :3] * b).sum(1) + a[:, 3] > 0).astype(np.float32)[:, None]
    return a, b, y


def two_input_skip_model():
    a = Input((6,), name="a")
    b = Input((3,), name="b")
    h = Dense(8, activation="relu")(a)
    h2 = Dense(8, activation="relu")(h)
    skip = Add()([h, h2])                                    # residual connection
    g = Dense(8, activation="relu")(b)
    merged = Concatenate()([skip, g])
    merged = Dropout(0.1)(BatchNormalization()(merged))
    out = Dense(1, activation="sigmoid")(merged)
    return axon.Model([a, b], out, name="two_in")


def test_model_with_inputs_and_outputs_is_functional():
    model = two_input_skip_model()
    assert isinstance(model, Functional) and model.built
    assert model.output_shape == (None, 1)  # as Keras: the batch axis is None
    assert [type(l).__name__ for l in model.layers].count("Dense") == 4


def test_symbolic_shapes():
    x = Input((5, 4))
    h = Dense(3)(x)
    assert h.shape == (None, 5, 3)
    assert "SymbolicTensor" in repr(h)


def test_skip_connection_two_inputs_trains_and_round_trips(tmp_path):
    a, b, y = data()
    model = two_input_skip_model()
    model.compile(axon.optimizers.Adam(0.02), "binary_crossentropy", metrics=["accuracy"])
    h = model.fit([a, b], y, epochs=20, batch_size=16, verbose=0)
    assert h.history["loss"][-1] < 0.7 * h.history["loss"][0]
    assert h.history["accuracy"][-1] > 0.8
    pred = model.predict([a, b])
    assert pred.shape == (64, 1)
    path = tmp_path / "func.axon"
    model.save(path)
    back = axon.load_model(path)
    assert isinstance(back, Functional) and back.name == "two_in"
    np.testing.assert_allclose(back.predict([a, b]), pred, rtol=1e-6)
    loss_before = back.evaluate([a, b], y)
    assert loss_before == pytest.approx(model.evaluate([a, b], y), rel=1e-6)
    back.fit([a, b], y, epochs=1, verbose=0)
    # the loaded model is independent of the original
    assert not np.allclose(back.predict([a, b]), pred)


def test_gradient_flows_through_both_branches_of_the_skip():
    x = Input((4,))
    d = Dense(4, name="inner")
    out = Add()([x, d(x)])
    model = axon.Model(x, out)
    xs = axon.Tensor(np.ones((2, 4), np.float32), requires_grad=True)
    model(xs).sum().backward()
    # d(x + W^T x + b)/dx = 1 + row sums of W
    np.testing.assert_allclose(xs.grad, np.broadcast_to(1 + d.kernel.data.sum(1), (2, 4)), rtol=1e-6)


def test_multi_output_model(tmp_path):
    x = Input((4,))
    h = Dense(8, activation="relu")(x)
    out1, out2 = Dense(2)(h), Dense(3)(h)
    model = axon.Model(x, [out1, out2])
    preds = model.predict(np.ones((5, 4), np.float32))
    assert [p.shape for p in preds] == [(5, 2), (5, 3)]
    model.save(tmp_path / "multi.axon")
    back = axon.load_model(tmp_path / "multi.axon")
    for p, q in zip(preds, back.predict(np.ones((5, 4), np.float32))):
        np.testing.assert_allclose(p, q, rtol=1e-6)


def test_shared_layer_is_one_set_of_weights():
    a, b = Input((3,)), Input((3,))
    shared = Dense(2)
    model = axon.Model([a, b], Add()([shared(a), shared(b)]))
    assert len(model.weights) == 2
    x1, x2 = np.ones((1, 3), np.float32), 2 * np.ones((1, 3), np.float32)
    expected = (x1 + x2) @ shared.kernel.data + 2 * shared.bias.data
    np.testing.assert_allclose(model.predict([x1, x2]), expected, rtol=1e-5, atol=1e-6)


def test_wrong_number_of_inputs_and_non_symbolic_outputs():
    model = two_input_skip_model()
    with pytest.raises(ValueError, match=r"expected 2 inputs \(a, b\), got 1"):
        model(np.ones((1, 6), np.float32))
    with pytest.raises(TypeError, match="symbolic tensors"):
        axon.Model(Input((3,)), np.ones(3))


def test_outputs_depending_on_a_missing_input_are_refused():
    a, b = Input((3,)), Input((3,))
    out = Add()([a, b])
    with pytest.raises(ValueError, match="not among the model's inputs"):
        axon.Model(a, out)


def test_functional_summary_lists_every_layer():
    lines = []
    two_input_skip_model().summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "(Add)" in text and "(Concatenate)" in text and "(None, 16)" in text


def test_two_output_model_trains_with_weighted_losses_and_saves(tmp_path):
    axon.manual_seed(0)
    x = axon.Input((4,))
    h = Dense(16, activation="relu")(x)
    cls = Dense(3, activation="softmax", name="cls")(h)
    reg = Dense(1, name="reg")(h)
    model = axon.Model(x, [cls, reg])
    model.compile("adam", ["sparse_categorical_crossentropy", "mse"], metrics=["accuracy"],
                  loss_weights=[1.0, 0.5])
    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 4)).astype("float32")
    y1, y2 = (X[:, 0] > 0).astype(int), X[:, 1:2]
    first = model.evaluate(X, [y1, y2], return_dict=True)
    # the total is the weighted sum of the two losses, each logged unweighted as <output>_loss
    assert first["loss"] == pytest.approx(first["cls_loss"] + 0.5 * first["reg_loss"], rel=1e-5)
    p1, p2 = model.predict(X, batch_size=256)
    expected = axon.losses.get("sparse_categorical_crossentropy")(y1, p1).item() + \
        0.5 * float(((p2 - y2) ** 2).mean())
    assert first["loss"] == pytest.approx(expected, rel=1e-4)
    history = model.fit(X, [y1, y2], epochs=20, batch_size=32, verbose=0)
    assert set(history.history) == {"loss", "cls_loss", "reg_loss", "cls_accuracy", "reg_accuracy"}
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["cls_accuracy"][-1] > 0.9
    model.save(tmp_path / "two.axon")
    loaded = axon.load_model(tmp_path / "two.axon")
    assert loaded._compile_loss.weights == [1.0, 0.5]
    assert loaded.evaluate(X, [y1, y2], return_dict=True) == pytest.approx(
        model.evaluate(X, [y1, y2], return_dict=True))


def test_models_pass_on_the_mask_of_their_last_layer():
    from axon.layers import Embedding, LSTM
    model = axon.Sequential([Embedding(10, 4, mask_zero=True), LSTM(3, return_sequences=True)])
    out = model(np.array([[1, 2, 0, 0], [3, 0, 0, 0]]))
    np.testing.assert_array_equal(out._mask, [[True, True, False, False], [True, False, False, False]])


def test_arithmetic_on_symbolic_tensors_records_operator_layers(tmp_path):
    """As in Keras, ``x + y``, ``1 - x``, ``x * 0.5`` and ``x[:, 0]`` are graph nodes."""
    x = axon.Input((None, 4))
    y = Dense(4)(x)
    out = (1.0 - (x + y)[:, 0]) * 0.5
    model = axon.Model(x, out)
    assert out.shape == (None, 4) and model.output_shape == (None, 4)
    data = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    dense = model.layers[1]
    expected = (1.0 - (data + data @ dense.kernel.data + dense.bias.data)[:, 0]) * 0.5
    np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-5)
    model.save(tmp_path / "ops.axon")
    np.testing.assert_allclose(axon.load_model(tmp_path / "ops.axon").predict(data, verbose=0), expected, rtol=1e-5)
    with pytest.raises(TypeError, match="combines with numbers"):
        x + "text"
