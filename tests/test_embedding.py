"""Embedding: lookup, gradient (scatter-add of repeated ids), mask_zero, Keras initialization,
validation of ids, and use inside models."""
import numpy as np
import pytest

import axon
from axon import Tensor
from axon.layers import Embedding, Dense, GlobalAveragePooling1D
from axon.layers.embedding import embedding, embedding_grad


def test_lookup_and_gradcheck_with_repeated_ids(rng):
    ids = np.array([[1, 3, 1], [0, 3, 3]])
    table = rng.normal(0, 1, (5, 3))
    assert axon.gradcheck(lambda t: embedding(ids, t) * embedding(ids, t), [table])
    out = embedding(ids, Tensor(table))
    np.testing.assert_array_equal(out.data, table[ids])


def test_gradient_matches_add_at_with_and_without_scipy(rng, monkeypatch):
    ids = rng.integers(0, 50, (8, 7))
    ids[:, 5:] = 0
    g = rng.normal(0, 1, (8, 7, 6)).astype(np.float32)
    want = np.zeros((50, 6), np.float32)
    np.add.at(want, ids.reshape(-1), g.reshape(-1, 6))
    got = embedding_grad(ids, g, 50)
    assert got.dtype == np.float32 and got.shape == (50, 6)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    import builtins
    real_import = builtins.__import__

    def no_scipy(name, *args, **kwargs):
        if name.startswith("scipy"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_scipy)
    np.testing.assert_allclose(embedding_grad(ids, g, 50), want, rtol=1e-6, atol=1e-6)


def test_layer_mask_initialization_and_weights():
    emb = Embedding(100, 8, mask_zero=True)
    ids = np.array([[5, 9, 0, 0], [1, 0, 0, 0]])
    out = emb(ids)
    assert out.shape == (2, 4, 8) and emb.embeddings.shape == (100, 8)
    np.testing.assert_array_equal(out._mask, ids != 0)
    assert np.abs(emb.embeddings.data).max() <= 0.05          # Keras: RandomUniform(-0.05, 0.05)
    assert Embedding(10, 2)(ids % 10)._mask is None
    out.sum().backward()
    np.testing.assert_allclose(emb.embeddings.grad[0], 5.0)     # five padding positions
    np.testing.assert_allclose(emb.embeddings.grad[2], 0.0)


def test_float_ids_from_symbolic_inputs_and_errors():
    emb = Embedding(10, 3)
    np.testing.assert_array_equal(emb(np.array([[1.0, 2.0]])).data, emb(np.array([[1, 2]])).data)
    with pytest.raises(ValueError, match=r"Embedding 'embedding_\d+': ids must be in \[0, 10\)"):
        emb(np.array([[3, 10]]))
    with pytest.raises(ValueError, match="integer ids"):
        emb(np.array([[1.5]]))
    with pytest.raises(ValueError, match="input_length"):
        Embedding(10, 3, input_length=4)(np.array([[1, 2]]))


def test_embedding_model_learns_and_saves(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(1, 20, (300, 6))
    y = (x < 10).sum(1) > 3      # mostly small ids -> class 1
    model = axon.Sequential([Embedding(20, 8, input_length=6), GlobalAveragePooling1D(), Dense(2)])
    model.compile(optimizer=axon.optimizers.Adam(learning_rate=0.05),
                  loss=axon.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y.astype(np.int64), epochs=15, batch_size=32, verbose=0)
    assert (model.predict(x, verbose=0).argmax(-1) == y).mean() > 0.9
    model.save(tmp_path / "emb.axon")
    np.testing.assert_allclose(axon.load_model(tmp_path / "emb.axon").predict(x[:5], verbose=0),
                               model.predict(x[:5], verbose=0), rtol=1e-6)
