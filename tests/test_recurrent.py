"""Recurrent layers: float64 gradient checks of the sequence ops (both directions, masks, initial
states, return_sequences on and off, recurrent dropout, any activation), the LSTM and GRU steps as
their textbook gate equations as oracles, mask semantics, layer arguments, wrappers, serialization
and a learning test."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor
from axon.gradcheck import numerical_grad
from axon.layers import (SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed, RepeatVector, Masking,
                         Embedding, Dense, LayerNormalization)

N, T, D, H = 2, 4, 3, 2
MASK = np.array([[1, 1, 1, 0], [0, 1, 1, 1]], bool)
CELLS = {
    "rnn": (F.simple_rnn, 1, 1, {}),
    "lstm": (F.lstm, 4, 2, {}),
    "gru": (F.gru, 3, 1, {}),
    "gru_reset_before": (F.gru, 3, 1, {"reset_after": False}),
}


def _weights(name, rng):
    fn, g, n_states, kw = CELLS[name]
    w = rng.normal(0, 0.6, (D, g * H))
    u = rng.normal(0, 0.6, (H, g * H))
    b = rng.normal(0, 0.3, (2, g * H) if name == "gru" else (g * H,))
    states = [rng.normal(0, 1, (N, H)) for _ in range(n_states)]
    return fn, kw, w, u, b, states


def _objective(outs):
    """Every output counts, with different weights."""
    total = outs[0].sum()
    for k, o in enumerate(outs):
        total = total + (o * o).sum() * (0.3 + k)
    return total


@pytest.mark.parametrize("name", list(CELLS))
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_sequence_op_gradcheck(name, go_backwards, return_sequences, masked, rng):
    fn, kw, w, u, b, states = _weights(name, rng)
    x = rng.normal(0, 1, (N, T, D))
    mask = MASK if masked else None

    def f(x, w, u, b, *st):
        return _objective(fn(x, w, u, b, list(st), mask=mask, go_backwards=go_backwards,
                             return_sequences=return_sequences, **kw))
    assert axon.gradcheck(f, [x, w, u, b, *states])


@pytest.mark.parametrize("name", list(CELLS))
def test_gradcheck_recurrent_dropout_and_other_activations(name, rng):
    fn, kw, w, u, b, states = _weights(name, rng)
    x = rng.normal(0, 1, (N, T, D))
    rec_mask = rng.uniform(0.5, 1.5, (N, H))
    acts = {"activation": "elu"} if name == "rnn" else {"activation": "softplus",
                                                          "recurrent_activation": "tanh"}

    def f(x, w, u, b):
        return _objective(fn(x, w, u, b, rec_mask=rec_mask, mask=MASK, return_sequences=True,
                             zero_output_for_mask=True, **acts, **kw))
    assert axon.gradcheck(f, [x, w, u, b])


@pytest.mark.parametrize("name", list(CELLS))
@pytest.mark.parametrize("go_backwards", [False, True])
def test_gradcheck_from_a_zero_state(name, go_backwards, rng):
    """Without an initial state the ops skip the recurrent products of the first step."""
    fn, kw, w, u, b, _ = _weights(name, rng)
    x = rng.normal(0, 1, (N, T, D))
    rec_mask = rng.uniform(0.5, 1.5, (N, H))

    def f(x, w, u, b):
        return _objective(fn(x, w, u, b, mask=MASK, rec_mask=rec_mask, go_backwards=go_backwards,
                             return_sequences=True, **kw))
    assert axon.gradcheck(f, [x, w, u, b])


def test_gradcheck_without_bias_and_relu(rng):
    x, w, u = rng.normal(0, 1, (N, T, D)), rng.normal(0, 0.5, (D, H)), rng.normal(0, 0.5, (H, H))
    assert axon.gradcheck(lambda x, w, u: _objective(F.simple_rnn(x, w, u, activation="relu",
                                                                  return_sequences=True)), [x, w, u])


# ----- textbook oracles: one step as its gate equations in NumPy, unrolled over the sequence

def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def lstm_step(x, h, c, W, U, b):
    """One LSTM step as the textbook writes it (Keras gate order i, f, c, o)."""
    i, f, g, o = np.split(x @ W + h @ U + b, 4, axis=-1)
    i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
    c = f * c + i * g
    h = o * np.tanh(c)
    return h, c


def gru_step(x, h, W, U, b, reset_after):
    """One GRU step as the textbook writes it (Keras gate order z, r, h)."""
    if reset_after:                    # b (2, 3H): input and recurrent biases
        xz, xr, xh = np.split(x @ W + b[0], 3, axis=-1)
        hz, hr, hh = np.split(h @ U + b[1], 3, axis=-1)
        z, r = _sigmoid(xz + hz), _sigmoid(xr + hr)
        candidate = np.tanh(xh + r * hh)
    else:                              # b (3H,); the reset gate scales h before its product
        xz, xr, xh = np.split(x @ W + b, 3, axis=-1)
        Uz, Ur, Uh = np.split(U, 3, axis=-1)
        z, r = _sigmoid(xz + h @ Uz), _sigmoid(xr + h @ Ur)
        candidate = np.tanh(xh + (r * h) @ Uh)
    return z * h + (1 - z) * candidate


def _unrolled(step, x, states):
    """The output sequence (N, T, H) and final states of ``step`` run over the steps of ``x``."""
    outs = []
    for t in range(x.shape[1]):
        states = step(x[:, t], *states)
        outs.append(states[0])
    return [np.stack(outs, axis=1), *states]


TEXTBOOK_STEPS = {  # step(x_t, *states, W, U, b) -> new states, h first
    "lstm": lstm_step,
    "gru": lambda x, h, W, U, b: (gru_step(x, h, W, U, b, reset_after=True),),
    "gru_reset_before": lambda x, h, W, U, b: (gru_step(x, h, W, U, b, reset_after=False),),
}


@pytest.mark.parametrize("name", list(TEXTBOOK_STEPS))
@pytest.mark.parametrize("with_state", [False, True])
def test_fused_op_matches_the_textbook_step_unrolled(name, with_state, rng):
    """The fused op's outputs, and its hand-written backpropagation through time, equal the gate
    equations run step by step (their gradients by central differences)."""
    fn, kw, w, u, b, states = _weights(name, rng)
    x = rng.normal(0, 1, (N, T, D))
    if not with_state:
        states = [np.zeros((N, H)) for _ in states]
    arrays = [x, w, u, b, *states]

    def step(x_t, *st):
        return TEXTBOOK_STEPS[name](x_t, *st, w, u, b)
    want = _unrolled(step, x, states)             # [outputs (N, T, H), h_T(, c_T)]
    proj = [rng.normal(0, 1, o.shape) for o in want]

    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    got = fn(*tensors[:4], tensors[4:] if with_state else None, return_sequences=True, **kw)
    for g, ref in zip(got, want):
        np.testing.assert_allclose(g.data, ref, rtol=1e-12, atol=1e-12)
    sum((g * Tensor(p)).sum() for g, p in zip(got, proj)).backward()

    def textbook_objective():
        return float(sum((o * p).sum() for o, p in zip(_unrolled(step, x, states), proj)))
    for k, (t, a) in enumerate(zip(tensors, arrays[:len(arrays) if with_state else 4])):
        np.testing.assert_allclose(t.grad, numerical_grad(textbook_objective, a), rtol=1e-6, atol=1e-8,
                                   err_msg=f"gradient of input {k}")


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("pre_padding", [False, True])
def test_padded_batch_gives_the_states_of_each_sequence_alone(cls, go_backwards, pre_padding, rng):
    lengths = [5, 2, 4]
    layer = cls(3, return_state=True, go_backwards=go_backwards)
    seqs = [rng.normal(0, 1, (n, D)).astype(np.float32) for n in lengths]
    x = np.zeros((len(lengths), 5, D), np.float32)
    mask = np.zeros((len(lengths), 5), bool)
    for i, s in enumerate(seqs):
        sl = slice(5 - len(s), 5) if pre_padding else slice(0, len(s))
        x[i, sl], mask[i, sl] = s, True
    batch = layer(x, mask=mask)
    for i, s in enumerate(seqs):
        alone = layer(s[None])
        for got, want in zip(batch[1:], alone[1:]):
            np.testing.assert_allclose(got.data[i], want.data[0], rtol=1e-5, atol=1e-6)


def test_masked_steps_repeat_the_previous_output_or_zero(rng):
    x = rng.normal(0, 1, (1, 4, D)).astype(np.float32)
    mask = np.array([[False, True, False, True]])
    carry = LSTM(2, return_sequences=True)
    y = carry(x, mask=mask).data[0]
    np.testing.assert_array_equal(y[0], 0)          # before the first real step
    np.testing.assert_array_equal(y[2], y[1])       # masked step repeats the last output
    assert not np.allclose(y[3], y[1])
    zero = LSTM(2, return_sequences=True, zero_output_for_mask=True)
    zero.build_from_shape((4, D))
    zero.set_weights(carry.get_weights())
    z = zero(x, mask=mask).data[0]
    np.testing.assert_array_equal(z[2], 0)
    np.testing.assert_allclose(z[[1, 3]], y[[1, 3]])


def test_embedding_mask_reaches_the_lstm_in_sequential_and_functional_models(rng):
    ids = np.array([[4, 2, 7, 0, 0], [3, 0, 0, 0, 0]])
    emb, lstm = Embedding(10, 4, mask_zero=True), LSTM(3, return_sequences=True)
    out = lstm(emb(ids))
    np.testing.assert_array_equal(out._mask, ids != 0)    # return_sequences passes the mask on
    np.testing.assert_array_equal(axon.Sequential([emb, lstm])(ids).data, out.data)
    np.testing.assert_array_equal(out.data[1, 1:], np.repeat(out.data[1, :1], 4, axis=0))
    inp = axon.Input((5,), dtype="int64")
    model = axon.Model(inp, LSTM(3)(Embedding(10, 4, mask_zero=True)(inp)))
    short = model.predict(np.array([[5, 1]]), verbose=0)
    padded = model.predict(np.array([[5, 1, 0, 0, 0]]), verbose=0)
    np.testing.assert_allclose(short, padded, rtol=1e-6)


def test_return_state_initial_state_and_go_backwards(rng):
    x = rng.normal(0, 1, (2, 5, D)).astype(np.float32)
    out, h, c = LSTM(4, return_state=True)(x)
    assert out.shape == h.shape == c.shape == (2, 4)
    np.testing.assert_array_equal(out.data, h.data)
    gru = GRU(4, return_sequences=True)
    h0 = rng.normal(0, 1, (2, 4)).astype(np.float32)
    a, b = gru(x).data, gru(x, initial_state=h0).data
    assert a.shape == (2, 5, 4) and not np.allclose(a, b)
    fwd = SimpleRNN(3, return_sequences=True)
    bwd = SimpleRNN(3, return_sequences=True, go_backwards=True)
    fwd.build_from_shape((5, D))
    bwd.build_from_shape((5, D))
    bwd.set_weights(fwd.get_weights())
    np.testing.assert_allclose(bwd(x).data, fwd(x[:, ::-1].copy()).data, rtol=1e-6)
    with pytest.raises(ValueError, match="initial_state needs 2"):
        LSTM(4)(x, initial_state=[h0])
    with pytest.raises(ValueError, match=r"expected input \(batch, timesteps, features\)"):
        GRU(4)(np.ones((2, 3), np.float32))


def test_weights_shapes_and_keras_initialization():
    lstm = LSTM(5, input_shape=(7, 3))
    lstm.build_from_shape((7, 3))
    assert [w.shape for w in lstm.weights] == [(3, 20), (5, 20), (20,)]
    np.testing.assert_array_equal(lstm.bias.data, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    u = lstm.recurrent_kernel.data.astype(np.float64)
    np.testing.assert_allclose(u @ u.T, np.eye(5), atol=1e-5)   # orthogonal rows
    gru = GRU(5)
    gru.build_from_shape((7, 3))
    assert gru.bias.shape == (2, 15)
    old = GRU(5, reset_after=False, use_bias=True)
    old.build_from_shape((7, 3))
    assert old.bias.shape == (15,)
    assert SimpleRNN(5, use_bias=False).build_from_shape((7, 3)).count_params() == 3 * 5 + 5 * 5


def test_dropout_masks_only_in_training(rng):
    x = rng.normal(0, 1, (4, 6, D)).astype(np.float32)
    layer = LSTM(8, dropout=0.5, recurrent_dropout=0.5)
    a = layer(x, training=False).data
    np.testing.assert_array_equal(a, layer(x, training=False).data)
    b, c = layer(x, training=True).data, layer(x, training=True).data
    assert not np.allclose(b, c) and not np.allclose(a, b)
    with pytest.raises(ValueError, match="dropout"):
        GRU(3, dropout=1.0)


def test_bidirectional_merge_modes_states_and_masks(rng):
    x = rng.normal(0, 1, (2, 5, D)).astype(np.float32)
    base = Bidirectional(GRU(3, return_sequences=True), merge_mode=None)
    yf, yb = base(x)
    assert yf.shape == yb.shape == (2, 5, 3)
    for mode, fn in (("concat", lambda a, b: np.concatenate([a, b], -1)), ("sum", np.add),
                     ("mul", np.multiply), ("ave", lambda a, b: (a + b) / 2)):
        bi = Bidirectional(GRU(3, return_sequences=True), merge_mode=mode)
        bi.build_from_shape((5, D))
        bi.set_weights(base.get_weights())
        np.testing.assert_allclose(bi(x).data, fn(yf.data, yb.data), rtol=1e-6)
    outs = Bidirectional(LSTM(3, return_state=True))(x, initial_state=[np.zeros((2, 3), np.float32)] * 4)
    assert len(outs) == 5 and outs[0].shape == (2, 6)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    y = Bidirectional(LSTM(3, return_sequences=True))(x, mask=mask)
    np.testing.assert_array_equal(y.data[0, 3:], 0)
    np.testing.assert_array_equal(y._mask, mask)
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(LSTM(3), merge_mode="max")
    model = axon.Sequential([Bidirectional(LSTM(3, input_shape=(5, D))), Dense(2)])
    assert model.count_params() == 2 * (4 * 3 * (D + 3 + 1)) + 6 * 2 + 2


def test_time_distributed_repeat_vector_masking(rng):
    x = rng.normal(0, 1, (2, 4, D)).astype(np.float32)
    dense = Dense(5)
    y = TimeDistributed(dense)(x)
    np.testing.assert_allclose(y.data[:, 2], dense(x[:, 2]).data, rtol=1e-6)
    v = Tensor(rng.normal(0, 1, (2, 3)), requires_grad=True)
    r = RepeatVector(4)(v)
    assert r.shape == (2, 4, 3)
    (r * Tensor(np.arange(4.0)[None, :, None])).sum().backward()
    np.testing.assert_allclose(v.grad, np.full((2, 3), 6.0))
    xp = x.copy()
    xp[0, 2:] = 0.0
    m = Masking(0.0)(xp)
    np.testing.assert_array_equal(m._mask, [[True, True, False, False], [True] * 4])
    lstm = LSTM(3)
    np.testing.assert_allclose(lstm(m).data[0], lstm(x[:1, :2]).data[0], rtol=1e-5)


def test_layer_normalization_on_sequences(rng):
    x = rng.normal(2, 3, (2, 4, 5))
    ln = LayerNormalization(dtype="float64", epsilon=1e-6)
    y = ln(Tensor(x)).data
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-9)
    np.testing.assert_allclose(y.std(-1), 1, rtol=1e-5)
    ln.build_from_shape((4, 5), dtype=np.float64)
    assert axon.gradcheck(lambda x, g, b: F.layer_norm(x, g, b, eps=1e-6),
                          [x, rng.normal(1, 0.1, 5), rng.normal(0, 0.1, 5)])
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    assert ln(Tensor(x), mask=mask)._mask is mask


def test_models_with_recurrent_layers_save_and_load(tmp_path, rng):
    ids = rng.integers(0, 12, (3, 6))
    ids[0, 4:] = 0
    inp = axon.Input((6,), dtype="int64")
    e = Embedding(12, 5, mask_zero=True)(inp)
    seq, h, c = LSTM(4, return_sequences=True, return_state=True)(e)
    g = GRU(4, return_sequences=True)(seq, initial_state=h)
    b = Bidirectional(SimpleRNN(3, return_sequences=True), merge_mode="ave")(g)
    out = TimeDistributed(Dense(2))(LayerNormalization()(b))
    model = axon.Model(inp, out)
    want = model.predict(ids, verbose=0)
    model.save(tmp_path / "rnn.axon")
    loaded = axon.load_model(tmp_path / "rnn.axon")
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), want, rtol=1e-6)


def _contains_task(rng, n, steps=8):
    """Token sequences of variable length (0 pads); label: does token 1 occur?"""
    x = np.zeros((n, steps), np.int64)
    y = np.zeros(n, np.int64)
    for i in range(n):
        k = rng.integers(3, steps + 1)
        seq = rng.integers(2, 10, k)
        if rng.random() < 0.5:
            seq[rng.integers(0, k)] = 1
            y[i] = 1
        x[i, :k] = seq
    return x, y


@pytest.mark.parametrize("cell", [LSTM, GRU])
def test_many_to_one_classifier_learns_a_sequence_task(cell):
    rng = np.random.default_rng(0)
    x, y = _contains_task(rng, 600)
    xt, yt = _contains_task(rng, 200)
    model = axon.Sequential([Embedding(10, 8, mask_zero=True), cell(16), Dense(2)])
    model.compile(optimizer=axon.optimizers.Adam(learning_rate=0.02),
                  loss=axon.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    acc = (model.predict(xt, verbose=0).argmax(-1) == yt).mean()
    assert acc >= 0.95


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_reused_workspace_never_changes_earlier_results(cls, rng):
    layer = cls(3, return_sequences=True, return_state=True)
    a, b = (rng.normal(0, 1, (2, 4, D)).astype(np.float32) for _ in range(2))
    with axon.no_grad():
        first = [o.data.copy() for o in layer(a)]
        kept = layer(a)
        layer(b)
        layer(b)
    for want, got in zip(first, kept):
        np.testing.assert_array_equal(got.data, want)
    x = Tensor(a, requires_grad=True)
    out = layer(x)[0].sum()
    out.backward(retain_graph=True)
    g1 = x.grad.copy()
    layer(Tensor(b, requires_grad=True))[0].sum().backward()     # another op reuses the arrays
    x.grad = None
    out.backward()
    np.testing.assert_allclose(x.grad, g1, rtol=1e-6)
