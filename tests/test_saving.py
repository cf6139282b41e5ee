"""Saving and loading: identical predictions, exact continuation of training, atomic writes,
refusal of truncated, foreign and mismatched files with messages that name the problem."""
import os
import zipfile

import numpy as np
import pytest

import axon
from axon.layers import BatchNormalization, Dense, Dropout, Lambda
from axon.models import saving
from axon.optimizers import SGD, Adam, ExponentialDecay, RMSprop


def data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, 5)).astype(np.float32)
    y = (x[:, 0] - x[:, 2] > 0).astype(np.int64) + (x[:, 1] > 1)
    return x, y


def build(optimizer=None):
    model = axon.Sequential([Dense(16, activation="relu", input_shape=(5,)), BatchNormalization(),
                             Dropout(0.2), Dense(3, activation="softmax")])
    model.compile(optimizer or Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_load_model_predicts_identically(tmp_path):
    x, y = data()
    model = build()
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "model.axon"
    model.save(path)
    back = axon.load_model(path)
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    assert [w.name for w in back.weights] == [w.name for w in model.weights]
    assert back.evaluate(x, y, return_dict=True) == model.evaluate(x, y, return_dict=True)
    assert back.metrics_names == ["loss", "accuracy"]


@pytest.mark.parametrize("make_opt", [lambda: Adam(ExponentialDecay(0.02, 5, 0.8), amsgrad=True),
                                      lambda: SGD(0.05, momentum=0.9, nesterov=True),
                                      lambda: RMSprop(0.01, centered=True, momentum=0.5)])
def test_training_continues_exactly_after_load(tmp_path, make_opt):
    x, y = data()
    model = axon.Sequential([Dense(16, activation="relu", input_shape=(5,)), BatchNormalization(), Dense(3)])
    model.compile(make_opt(), axon.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    path = tmp_path / "mid.axon"
    model.save(path)
    model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)       # uninterrupted

    resumed = axon.load_model(path)
    assert resumed.optimizer.iterations == 6
    resumed.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    assert resumed.optimizer.iterations == model.optimizer.iterations == 15
    for a, b in zip(model.get_weights(), resumed.get_weights()):   # BN moving statistics included
        np.testing.assert_array_equal(a, b)


def test_optimizer_slots_are_restored(tmp_path):
    x, y = data()
    model = build(Adam(0.01))
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.axon")
    back = axon.load_model(tmp_path / "m.axon")
    assert back.optimizer.iterations == model.optimizer.iterations
    for s, t in zip(model.optimizer.state, back.optimizer.state):
        assert s["t"] == t["t"]
        np.testing.assert_array_equal(s["m"], t["m"])
        np.testing.assert_array_equal(s["v"], t["v"])


def test_compiled_but_untrained_model_round_trips(tmp_path):
    x, y = data()
    model = build()
    model.predict(x)                                # built, optimizer not yet bound to parameters
    model.save(tmp_path / "fresh.axon")
    back = axon.load_model(tmp_path / "fresh.axon")
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    back.fit(x, y, epochs=1, verbose=0)
    assert back.optimizer.iterations == 2


def test_load_without_compile(tmp_path):
    x, _ = data()
    model = build()
    model.predict(x)
    model.save(tmp_path / "m.axon")
    back = axon.load_model(tmp_path / "m.axon", compile=False)
    assert back.optimizer is None
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


def test_uncompiled_model_round_trips(tmp_path):
    model = axon.Sequential([Dense(3, input_shape=(2,))])
    model(np.zeros((1, 2), np.float32))
    model.save(tmp_path / "plain.axon")
    back = axon.load_model(tmp_path / "plain.axon")
    np.testing.assert_array_equal(back.get_weights()[0], model.get_weights()[0])


def test_save_weights_and_load_weights(tmp_path):
    x, y = data()
    model = build()
    model.fit(x, y, epochs=1, verbose=0)
    model.save_weights(tmp_path / "w.axon")
    other = build()
    other.load_weights(tmp_path / "w.axon")
    np.testing.assert_array_equal(other.predict(x), model.predict(x))


def test_save_leaves_no_temporary_files(tmp_path):
    model = build()
    model.predict(data()[0])
    for _ in range(2):                              # the second save replaces the first
        model.save(tmp_path / "m.axon")
    assert os.listdir(tmp_path) == ["m.axon"]


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    x, y = data()
    model = build()
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "m.axon"
    model.save(path)
    old = path.read_bytes()
    calls = {"n": 0}
    real = saving._npy

    def failing(array):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(array)

    monkeypatch.setattr(saving, "_npy", failing)
    model.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert calls["n"] == 3                         # it failed midway through the members
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["m.axon"]
    monkeypatch.undo()
    np.testing.assert_array_equal(axon.load_model(path).predict(x).shape, (48, 3))


def test_truncated_file_is_refused(tmp_path):
    model = build()
    model.predict(data()[0])
    path = tmp_path / "m.axon"
    model.save(path)
    blob = path.read_bytes()
    bad = tmp_path / "truncated.axon"
    bad.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match=r"truncated\.axon.*not a readable Axon model file"):
        axon.load_model(bad)


def test_non_model_files_are_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a readable Axon model file"):
        axon.load_model(text)
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("data.csv", "1,2,3")
    with pytest.raises(ValueError, match="not a readable Axon model file"):
        axon.load_model(other_zip)
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as z:
        z.writestr("axon.json", '{"format": "something-else"}')
    with pytest.raises(ValueError, match="not an Axon model file"):
        axon.load_model(foreign)
    with pytest.raises(FileNotFoundError, match="no model file"):
        axon.load_model(tmp_path / "missing.axon")


def test_corrupt_weight_member_is_refused(tmp_path):
    model = build()
    model.predict(data()[0])
    path = tmp_path / "m.axon"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["weights/0000.npy"] = b"garbage"
    bad = tmp_path / "bad.axon"
    with zipfile.ZipFile(bad, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)
    with pytest.raises(ValueError, match="weights/0000.npy is missing or corrupt"):
        axon.load_model(bad)


def test_wrong_weight_shapes_are_refused_by_name(tmp_path):
    small = axon.Sequential([Dense(4, input_shape=(5,), name="hidden"), Dense(3, name="out")])
    small.build_from_shape((5,))
    small.save_weights(tmp_path / "w.axon")
    wide = axon.Sequential([Dense(6, input_shape=(5,), name="hidden"), Dense(3, name="out")])
    wide.build_from_shape((5,))
    with pytest.raises(ValueError, match=r"weight 'hidden/kernel' has shape \(5, 4\).*\(5, 6\)"):
        wide.load_weights(tmp_path / "w.axon")
    deeper = axon.Sequential([Dense(4, input_shape=(5,)), Dense(4), Dense(3)])
    deeper.build_from_shape((5,))
    with pytest.raises(ValueError, match="holds 4 weights but .* has 6"):
        deeper.load_weights(tmp_path / "w.axon")


def test_unsavable_and_unbuilt_models_explain(tmp_path):
    with pytest.raises(RuntimeError, match="not built yet"):
        axon.Sequential([Dense(2)]).save(tmp_path / "x.axon")
    model = axon.Sequential([Lambda(lambda t: t * 2.0, input_shape=(3,)), Dense(2)])
    model.build_from_shape((3,))
    with pytest.raises(TypeError, match="cannot save its architecture"):
        model.save(tmp_path / "lam.axon")
    assert not os.path.exists(tmp_path / "lam.axon")


def test_frozen_layers_round_trip_into_the_right_weights(tmp_path):
    """Freezing moves weights to the end of ``weights``; saving must not depend on that order."""
    x, y = data()
    model = axon.Sequential([Dense(5, input_shape=(5,), name="base"), BatchNormalization(name="bn"),
                             Dense(5, name="top"), Dense(3, name="head")])
    model.compile(Adam(0.01), axon.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.layers[0].trainable = False
    model.layers[1].trainable = False
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "frozen.axon")
    model.save_weights(tmp_path / "frozen-w.axon")
    back = axon.load_model(tmp_path / "frozen.axon")
    assert not back.layers[0].trainable and not back.layers[1].trainable and back.layers[2].trainable
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    fresh = axon.Sequential([Dense(5, input_shape=(5,)), BatchNormalization(), Dense(5), Dense(3)])
    fresh.load_weights(tmp_path / "frozen-w.axon")             # nothing frozen here
    np.testing.assert_array_equal(fresh.predict(x), model.predict(x))
    back.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(back.layers[0].kernel.data, model.layers[0].kernel.data)


def test_weights_of_another_kind_are_refused_by_name(tmp_path):
    a = axon.Sequential([Dense(3, input_shape=(3,), use_bias=False), BatchNormalization()])
    a.build_from_shape((3,))
    a.save_weights(tmp_path / "a.axon")
    b = axon.Sequential([Dense(3, input_shape=(3,)), Dense(3, use_bias=False), Dense(3)])
    b.build_from_shape((3,))
    with pytest.raises(ValueError, match=r"^'[^']*a\.axon': weight 1 is '\w+/gamma' in the file but '\w+/bias'"):
        b.load_weights(tmp_path / "a.axon")


def test_sequential_with_declared_input_shape_saves_before_any_call(tmp_path):
    model = axon.Sequential([Dense(3, input_shape=(4,))])
    model.save(tmp_path / "m.axon")
    loaded = axon.load_model(tmp_path / "m.axon")
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])
    with pytest.raises(RuntimeError, match="not built yet"):
        axon.Sequential([Dense(3)]).save(tmp_path / "unbuilt.axon")


def test_load_model_on_a_weights_file_says_to_build_and_load_weights(tmp_path):
    model = axon.Sequential([Dense(3, input_shape=(4,))])
    model.save_weights(tmp_path / "w.axon")
    with pytest.raises(ValueError, match=r"load_model: '[^']*w\.axon' holds only weights \(written by save_weights\), "
                                         r"not a model; build the model in code and call model\.load_weights"):
        axon.load_model(tmp_path / "w.axon")
    back = axon.Sequential([Dense(3, input_shape=(4,))])
    back.load_weights(tmp_path / "w.axon")  # what the message says to do works
    np.testing.assert_array_equal(back.get_weights()[0], model.get_weights()[0])


def test_save_model_function_takes_include_rng(tmp_path):
    model = axon.Sequential([Dense(3, input_shape=(4,))])
    saving.save_model(model, tmp_path / "r.axon", include_rng=True)
    saving.save_model(model, tmp_path / "n.axon")
    with zipfile.ZipFile(tmp_path / "r.axon") as z:
        assert '"rng"' in z.read("axon.json").decode()
    with zipfile.ZipFile(tmp_path / "n.axon") as z:
        assert '"rng"' not in z.read("axon.json").decode()
