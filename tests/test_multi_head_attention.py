"""MultiHeadAttention: parity with torch.nn.MultiheadAttention (copied weights, outputs, weights
and gradients), padding/causal/explicit masks, Keras's weight shapes and arguments, a float64
gradient check through inputs and weights, dropout, saving; LayerNormalization's Keras arguments."""
import numpy as np
import pytest

import axon
from axon import Tensor, gradcheck
from axon.layers import add, Dense, Embedding, GlobalAveragePooling1D, LayerNormalization, MultiHeadAttention
from axon.serialization import deserialize, serialize

R = np.random.default_rng(3)
H, K = 2, 4


def torch_copy(mha, dq, dk, dv):
    """A torch.nn.MultiheadAttention holding ``mha``'s weights (Keras layout -> PyTorch layout)."""
    torch = pytest.importorskip("torch")
    t = torch.nn.MultiheadAttention(dq, H, batch_first=True, kdim=dk, vdim=dv)
    (qk, qb), (kk, kb), (vk, vb), (ok, ob) = mha.query_dense, mha.key_dense, mha.value_dense, mha.output_dense
    w = [x.data.reshape(x.shape[0], -1).T for x in (qk, kk, vk)]
    with torch.no_grad():
        if t._qkv_same_embed_dim:
            t.in_proj_weight.copy_(torch.tensor(np.concatenate(w)))
        else:
            for p, a in zip((t.q_proj_weight, t.k_proj_weight, t.v_proj_weight), w):
                p.copy_(torch.tensor(a))
        t.in_proj_bias.copy_(torch.tensor(np.concatenate([b.data.ravel() for b in (qb, kb, vb)])))
        t.out_proj.weight.copy_(torch.tensor(ok.data.reshape(-1, ok.shape[-1]).T))
        t.out_proj.bias.copy_(torch.tensor(ob.data))
    return t


@pytest.mark.parametrize("dims", [(8, 8, 8), (8, 6, 5)])
@pytest.mark.parametrize("masking", ["none", "padding", "causal", "both"])
def test_matches_torch(dims, masking):
    torch = pytest.importorskip("torch")
    dq, dk, dv = dims
    t, s = (4, 4) if masking in ("causal", "both") else (3, 5)
    q = R.normal(0, 1, (2, t, dq)).astype(np.float32)
    v = R.normal(0, 1, (2, s, dv)).astype(np.float32)
    k = R.normal(0, 1, (2, s, dk)).astype(np.float32) if dk != dv else v
    pad = np.ones((2, s), bool)
    pad[0, -2:] = False                                    # sample 0: its last two value steps are padding
    mha = MultiHeadAttention(num_heads=H, key_dim=K, bias_initializer="random_normal")
    mha(q, v, key=k)
    ref = torch_copy(mha, dq, dk, dv)
    kw, tkw = {}, {}
    if masking in ("padding", "both"):
        kw["value_mask"], tkw["key_padding_mask"] = pad, torch.tensor(~pad)
    if masking in ("causal", "both"):
        kw["use_causal_mask"] = True
        tkw["attn_mask"] = torch.tensor(np.triu(np.ones((t, s), bool), 1))
    tq, tv, tk = (Tensor(a, requires_grad=True) for a in (q, v, k if dk != dv else v.copy()))
    out, w = mha(tq, tv, key=tk if dk != dv else None, return_attention_scores=True, **kw)
    pq, pv, pk = (torch.tensor(a, requires_grad=True) for a in (q, v, k if dk != dv else v.copy()))
    p_out, p_w = ref(pq, pk if dk != dv else pv, pv, average_attn_weights=False, **tkw)
    np.testing.assert_allclose(out.data, p_out.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(w.data, p_w.detach().numpy(), rtol=1e-4, atol=1e-6)
    g = R.normal(0, 1, out.shape).astype(np.float32)
    (out * Tensor(g)).sum().backward()
    (p_out * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(tq.grad, pq.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(tv.grad, pv.grad.numpy(), rtol=1e-4, atol=1e-5)
    if dk != dv:
        np.testing.assert_allclose(tk.grad, pk.grad.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(mha.key_dense[0].grad.reshape(dk, -1).T, ref.k_proj_weight.grad.numpy(),
                                   rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mha.output_dense[0].grad.reshape(-1, dq).T, ref.out_proj.weight.grad.numpy(),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.concatenate([b.grad.ravel() for b in (mha.query_dense[1], mha.key_dense[1],
                                                                        mha.value_dense[1])]),
                               ref.in_proj_bias.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_gradcheck_through_inputs_and_weights():
    mha = MultiHeadAttention(2, 3, value_dim=2, output_shape=4, dtype="float64", bias_initializer="random_normal")
    q, v = R.normal(0, 1, (2, 3, 5)), R.normal(0, 1, (2, 4, 3))
    mha(q, v)
    mask = np.array([[[1, 1, 0, 1], [1, 0, 1, 1], [1, 1, 1, 0]]] * 2, bool)
    attrs = ("query_dense", "key_dense", "value_dense", "output_dense")

    def f(q, v, *ws):
        for i, name in enumerate(attrs):            # the layer reads its weights from these pairs
            setattr(mha, name, (ws[2 * i], ws[2 * i + 1]))
        return mha(q, v, attention_mask=mask, use_causal_mask=False)
    assert gradcheck(f, [q, v] + [w.data.copy() for w in mha.weights])


def test_masks_from_inputs_and_explicit():
    emb = Embedding(10, 8, mask_zero=True)
    tokens = np.array([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5]])
    x = emb(tokens)
    mha = MultiHeadAttention(2, 4)
    out, w = mha(x, x, return_attention_scores=True)
    np.testing.assert_array_equal(w.data[0, :, :, 3:], 0)            # padded keys get no weight
    np.testing.assert_array_equal(w.data[0, :, 3:], 0)               # padded queries attend to nothing
    np.testing.assert_allclose(w.data[0, :, :3].sum(-1), 1, rtol=1e-6)
    np.testing.assert_allclose(out.data[0, 3:], np.broadcast_to(mha.output_dense[1].data, (2, 8)), atol=1e-7)
    np.testing.assert_array_equal(out._mask, tokens != 0)            # the output carries the query mask
    _, causal = mha(x, x, return_attention_scores=True, use_causal_mask=True)
    np.testing.assert_array_equal(np.triu(causal.data[1, 0], 1), 0)
    explicit = np.tril(np.ones((2, 5, 5), bool))
    plain = Tensor(x.data)                                            # no mask carried
    a = mha(plain, plain, attention_mask=explicit, return_attention_scores=True)[1].data
    b = mha(plain, plain, use_causal_mask=True, return_attention_scores=True)[1].data
    np.testing.assert_allclose(a, b, rtol=1e-6)
    with pytest.raises(ValueError, match=r"attention_mask must be \(batch, 5, 5\)"):
        mha(plain, plain, attention_mask=np.ones((2, 5), bool))


def test_keras_weights_and_arguments():
    mha = MultiHeadAttention(num_heads=3, key_dim=4, value_dim=5, output_shape=7)
    out = mha(np.ones((2, 6, 8), np.float32), np.ones((2, 9, 10), np.float32), key=np.ones((2, 9, 11), np.float32))
    assert out.shape == (2, 6, 7)
    assert [tuple(w.shape) for w in mha.weights] == [(8, 3, 4), (3, 4), (11, 3, 4), (3, 4), (10, 3, 5), (3, 5),
                                                      (3, 5, 7), (7,)]
    assert [w.name.split("/", 1)[1] for w in mha.weights] == [
        "query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias",
        "attention_output/kernel", "attention_output/bias"]
    no_bias = MultiHeadAttention(2, 4, use_bias=False)
    no_bias(np.ones((1, 3, 8), np.float32), np.ones((1, 3, 8), np.float32))
    assert len(no_bias.weights) == 4
    for make, match in [(lambda: MultiHeadAttention(0, 4), "num_heads must be a positive integer"),
                        (lambda: MultiHeadAttention(2, 4, attention_axes=(1, 2)), "attention_axes=.* not supported"),
                        (lambda: MultiHeadAttention(2, 4, dropout=1.0), r"dropout must be in \[0, 1\)")]:
        with pytest.raises(ValueError, match=match):
            make()
    with pytest.raises(ValueError, match=r"query must be \(batch, steps, features\)"):
        MultiHeadAttention(2, 4)(np.ones((2, 3, 3, 8), np.float32), np.ones((2, 3, 8), np.float32))
    with pytest.raises(ValueError, match="key and value need the same number of steps"):
        MultiHeadAttention(2, 4)(np.ones((2, 3, 8), np.float32), np.ones((2, 3, 8), np.float32),
                                 key=np.ones((2, 4, 8), np.float32))
    with pytest.raises(ValueError, match=r"built for \(query, key, value\) features \(8, 8, 8\)"):
        mha2 = MultiHeadAttention(2, 4)
        mha2(np.ones((1, 3, 8), np.float32), np.ones((1, 3, 8), np.float32))
        mha2(np.ones((1, 3, 6), np.float32), np.ones((1, 3, 8), np.float32))


def test_dropout_drops_weights_in_training_only():
    x = R.normal(0, 1, (2, 5, 8)).astype(np.float32)
    mha = MultiHeadAttention(2, 4, dropout=0.5, seed=1)
    infer, w_infer = mha(x, x, return_attention_scores=True, training=False)
    train, w_train = mha(x, x, return_attention_scores=True, training=True)
    np.testing.assert_allclose(w_train.data, w_infer.data, rtol=1e-6)     # scores are returned before dropout
    assert not np.allclose(train.data, infer.data)


def test_functional_model_trains_saves_and_loads(tmp_path):
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 12, (64, 6))
    y = (tokens == 3).any(axis=1).astype(np.int64)                          # does token 3 occur?
    inputs = axon.Input((6,), dtype="int64")
    x = Embedding(12, 8)(inputs)
    x = LayerNormalization(epsilon=1e-6)(add([x, MultiHeadAttention(2, 4)(x, x)]))
    outputs = Dense(2)(GlobalAveragePooling1D()(x))
    model = axon.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=axon.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(tokens, y, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    expected = model.predict(tokens[:4], verbose=0)
    model.save(tmp_path / "mha.axon")
    np.testing.assert_allclose(axon.load_model(tmp_path / "mha.axon").predict(tokens[:4], verbose=0), expected,
                               rtol=1e-5, atol=1e-6)
    mha = MultiHeadAttention(4, 8, value_dim=3, dropout=0.1, output_shape=(5,), use_bias=False, seed=2)
    assert deserialize(serialize(mha)).get_config() == mha.get_config()


def test_layer_normalization_keras_arguments():
    x = R.normal(2, 3, (2, 3, 4)).astype(np.float32)
    layer = LayerNormalization()
    assert layer.epsilon == 1e-3 and layer.center and layer.scale
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(layer(x).data, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    both = LayerNormalization(axis=[1, 2], epsilon=1e-6, center=False, scale=False)
    mean, var = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(both(x).data, (x - mean) / np.sqrt(var + 1e-6), rtol=1e-4, atol=1e-5)
    assert both.trainable_weights == []
