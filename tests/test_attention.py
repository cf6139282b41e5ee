"""Attention layers: float64 gradient checks, masks (padding, causal, query), weights for
plotting, Keras arguments, the functional API and serialization."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor
from axon.layers import Attention, AdditiveAttention, Concatenate, Dense, Embedding, GRU

V_MASK = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("kind", ["dot", "additive"])
def test_attention_gradcheck(kind, causal, rng):
    q, v, k = rng.normal(0, 1, (2, 3, 3)), rng.normal(0, 1, (2, 4, 2)), rng.normal(0, 1, (2, 4, 3))
    scale = rng.normal(0, 1, 3) if kind == "additive" else np.array(1.3)
    fn = F.additive_attention if kind == "additive" else F.dot_product_attention

    def f(q, v, k, s):
        out, w = fn(q, v, k, s, value_mask=V_MASK, causal=causal, query_mask=np.array([[1, 1, 0], [1, 1, 1]], bool))
        return F.concat([out.reshape((2, -1)), w.reshape((2, -1))], axis=1)
    assert axon.gradcheck(f, [q, v, k, scale])


@pytest.mark.parametrize("make", [lambda: Attention(use_scale=True, dtype="float64"),
                                  lambda: Attention(score_mode="concat", use_scale=True, dtype="float64"),
                                  lambda: AdditiveAttention(dtype="float64")])
def test_layer_gradcheck_through_weights(make, rng):
    layer = make()
    q, v = rng.normal(0, 1, (2, 3, 4)), rng.normal(0, 1, (2, 4, 4))
    layer([Tensor(q), Tensor(v)])
    names = [w.name.split("/")[-1] for w in layer.weights]

    def f(q, v, *weights):
        for name, w in zip(names, weights):     # the layer reads its weights from these attributes
            setattr(layer, name, w)
        return layer([q, v], mask=[None, V_MASK])
    assert axon.gradcheck(f, [q, v] + [w.data + 0.1 for w in layer.weights])


def test_masks_causal_and_weights(rng):
    q, v = rng.normal(0, 1, (2, 4, 3)).astype(np.float32), rng.normal(0, 1, (2, 4, 3)).astype(np.float32)
    for layer in (Attention(), AdditiveAttention()):
        out, w = layer([q, v], mask=[None, V_MASK], return_attention_scores=True)
        assert out.shape == (2, 4, 3) and w.shape == (2, 4, 4)
        np.testing.assert_allclose(w.data.sum(-1), 1, rtol=1e-5)
        np.testing.assert_array_equal(w.data[0, :, 3], 0)
        np.testing.assert_allclose(out.data, w.data @ v, rtol=1e-5, atol=1e-6)
        _, wc = layer([q, v], return_attention_scores=True, use_causal_mask=True)
        np.testing.assert_array_equal(np.triu(wc.data[0], 1), 0)
        np.testing.assert_allclose(wc.data[:, 0, 0], 1)
        qm = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
        masked = layer([q, v], mask=[qm, V_MASK])
        np.testing.assert_array_equal(masked.data[0, 2:], 0)
        np.testing.assert_array_equal(masked._mask, qm)


def test_keras_semantics_and_arguments(rng):
    q, v, k = (rng.normal(0, 1, (1, 2, 3)).astype(np.float32) for _ in range(3))
    out, w = Attention()([q, v, k], return_attention_scores=True)
    s = q[0] @ k[0].T
    e = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(w.data[0], e / e.sum(-1, keepdims=True), rtol=1e-5)
    add = AdditiveAttention()
    add([q, v])
    assert add.scale.shape == (3,) and len(AdditiveAttention(use_scale=False).weights) == 0
    t = np.tanh(q[0][:, None] + v[0][None])
    s = (t * add.scale.data).sum(-1)
    e = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(add([q, v], return_attention_scores=True)[1].data[0],
                               e / e.sum(-1, keepdims=True), rtol=1e-5)
    with pytest.raises(ValueError, match=r"expected a list \[query, value\]"):
        Attention()(q)
    with pytest.raises(ValueError, match="score_mode"):
        Attention(score_mode="general")
    with pytest.raises(ValueError, match="same number of steps"):
        Attention()([q, v, rng.normal(0, 1, (1, 3, 3)).astype(np.float32)])
    drop = Attention(dropout=0.5)
    a = drop([q, v], training=True, return_attention_scores=True)
    assert a[1].shape == (1, 2, 2)


def test_bahdanau_decoder_in_functional_model_with_padding_mask(tmp_path):
    rng = np.random.default_rng(0)
    src, tgt = axon.Input((5,), dtype="int64"), axon.Input((3,), dtype="int64")
    enc = GRU(6, return_sequences=True)(Embedding(11, 4, mask_zero=True)(src))
    dec = GRU(6, return_sequences=True)(Embedding(11, 4)(tgt))
    ctx, weights = AdditiveAttention()([Dense(6)(dec), enc, Dense(6)(enc)], return_attention_scores=True)
    logits = Dense(11)(Concatenate()([ctx, dec]))
    model = axon.Model([src, tgt], [logits, weights])
    s = np.array([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5]])
    t = rng.integers(1, 11, (2, 3))
    out, w = model.predict([s, t], verbose=0)
    assert out.shape == (2, 3, 11) and w.shape == (2, 3, 5)
    np.testing.assert_array_equal(w[0, :, 3:], 0)      # the encoder's padding mask reached attention
    model.save(tmp_path / "att.axon")
    out2, w2 = axon.load_model(tmp_path / "att.axon").predict([s, t], verbose=0)
    np.testing.assert_allclose(w2, w, rtol=1e-6)
