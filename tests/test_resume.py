"""Resuming training from a file gives bitwise the weights of an uninterrupted run.

fit 2 epochs -> ``save(include_rng=True)`` -> ``load_model`` in a new process -> fit 2 more equals
4 epochs straight, with shuffling and dropout drawing from Axon's shared generator; Adam's slots
and iteration count come back from the file, the generator state with ``include_rng``.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import axon
from axon import backend, layers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = """
import sys
import numpy as np
import axon
from axon import layers

mode, path, out = sys.argv[1:4]
rs = np.random.default_rng(0)
x = rs.normal(size=(96, 8)).astype("float32")
y = (x[:, 0] + x[:, 1] > 0).astype("int64")
if mode == "resume":
    model = axon.models.load_model(path)
else:
    axon.manual_seed(0)
    model = axon.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu"), layers.Dropout(0.3),
                             layers.BatchNormalization(), layers.Dense(2)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
epochs = 4 if mode == "straight" else 2
model.fit(x, y, batch_size=16, epochs=epochs, shuffle=True, verbose=0)
if mode == "first":
    model.save(path, include_rng=sys.argv[4] == "rng")
np.savez(out, *[w.data for _, w in model.named_weights()])
"""


def _run(tmp_path, *args):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", SCRIPT, *map(str, args)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(args[2]) as f:
        return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]


def test_resumed_training_in_a_new_process_matches_an_uninterrupted_run(tmp_path):
    path = tmp_path / "half.axon"
    straight = _run(tmp_path, "straight", path, tmp_path / "straight.npz")
    _run(tmp_path, "first", path, tmp_path / "first.npz", "rng")
    resumed = _run(tmp_path, "resume", path, tmp_path / "resumed.npz")
    assert len(resumed) == len(straight) == 8
    for a, b in zip(straight, resumed):
        assert np.array_equal(a, b)
    # without the generator state the resumed run draws other shuffles and masks
    _run(tmp_path, "first", path, tmp_path / "first.npz", "no")
    other = _run(tmp_path, "resume", path, tmp_path / "other.npz")
    assert not all(np.array_equal(a, b) for a, b in zip(straight, other))


def _small_model():
    model = axon.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dropout(0.5), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_load_model_leaves_the_random_state_untouched(tmp_path):
    path = tmp_path / "m.axon"
    _small_model().save(path)
    axon.manual_seed(5)
    expected = backend.rng().random(4)
    axon.manual_seed(5)
    axon.models.load_model(path)
    assert np.array_equal(backend.rng().random(4), expected)


def test_load_model_restores_the_saved_random_state(tmp_path):
    path = tmp_path / "m.axon"
    axon.manual_seed(3)
    _small_model().save(path, include_rng=True)
    expected = backend.rng().random(4)
    axon.manual_seed(99)
    axon.models.load_model(path)
    assert np.array_equal(backend.rng().random(4), expected)


def test_rng_state_round_trip_and_bad_state():
    state = backend.get_rng_state()
    a = backend.rng().integers(1 << 30, size=3)
    backend.set_rng_state(state)
    assert np.array_equal(backend.rng().integers(1 << 30, size=3), a)
    with pytest.raises(ValueError, match=r"set_rng_state: expected the dict get_rng_state\(\) returns, got 3"):
        backend.set_rng_state(3)
    with pytest.raises(ValueError, match="unknown bit generator 'Nope'.*expected one of"):
        backend.set_rng_state({"bit_generator": "Nope", "state": {}})
