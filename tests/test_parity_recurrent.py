"""Parity of the recurrent layers and attention with PyTorch: nn.RNN, nn.LSTM, nn.GRU (one way and
bidirectional) and attention written by hand in torch give the same outputs and the same gradients
of inputs and every weight, after mapping weights and gate orders:

- LSTM: torch and Keras share the gate order i, f, g(c), o; Keras has one bias = b_ih + b_hh.
- GRU: torch orders r, z, n, Keras z, r, h; Keras reset_after's bias (2, 3H) is [b_ih; b_hh].
"""
import numpy as np
import pytest

from axon import Tensor
from axon.layers import SimpleRNN, LSTM, GRU, Bidirectional, Attention, AdditiveAttention

torch = pytest.importorskip("torch")

N, T, D, H = 3, 5, 4, 6
TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}


def _np(t):
    return t.detach().numpy()


def _gru_perm(a, h):
    """torch (r, z, n) blocks on axis 0 -> Keras (z, r, h)."""
    return np.concatenate([a[h:2 * h], a[:h], a[2 * h:]], axis=0)


def keras_weights(kind, mod, suffix=""):
    """The Keras kernel, recurrent_kernel, bias of torch module ``mod`` (direction ``suffix``)."""
    w_ih = _np(getattr(mod, "weight_ih_l0" + suffix))
    w_hh = _np(getattr(mod, "weight_hh_l0" + suffix))
    b_ih = _np(getattr(mod, "bias_ih_l0" + suffix))
    b_hh = _np(getattr(mod, "bias_hh_l0" + suffix))
    if kind == "gru":
        h = w_hh.shape[1]
        return [_gru_perm(w_ih, h).T, _gru_perm(w_hh, h).T,
                np.stack([_gru_perm(b_ih, h), _gru_perm(b_hh, h)])]
    return [w_ih.T, w_hh.T, b_ih + b_hh]


def torch_grads_as_keras(kind, mod, suffix=""):
    """The torch weight gradients mapped the same way (the Keras bias gets b_ih's gradient,
    which equals b_hh's for LSTM and SimpleRNN)."""
    g = lambda name: getattr(mod, name + "_l0" + suffix).grad.numpy()
    if kind == "gru":
        h = g("weight_hh").shape[1]
        return [_gru_perm(g("weight_ih"), h).T, _gru_perm(g("weight_hh"), h).T,
                np.stack([_gru_perm(g("bias_ih"), h), _gru_perm(g("bias_hh"), h)])]
    return [g("weight_ih").T, g("weight_hh").T, g("bias_ih")]


TORCH = {"rnn": lambda **k: torch.nn.RNN(D, H, batch_first=True, nonlinearity="tanh", **k),
         "lstm": lambda **k: torch.nn.LSTM(D, H, batch_first=True, **k),
         "gru": lambda **k: torch.nn.GRU(D, H, batch_first=True, **k)}
AXON = {"rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}


def _setup(kind, dtype, seed, bidirectional=False):
    torch.manual_seed(seed)
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    mod = TORCH[kind](bidirectional=bidirectional).to(tdt)
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (N, T, D)).astype(dtype)
    return mod, tdt, rng, x


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("with_state", [False, True])
def test_recurrent_matches_torch(kind, dtype, with_state):
    mod, tdt, rng, x = _setup(kind, dtype, 1)
    n_states = 2 if kind == "lstm" else 1
    states = [rng.normal(0, 1, (N, H)).astype(dtype) for _ in range(n_states)] if with_state else None
    proj = rng.normal(0, 1, (N, T, H)).astype(dtype)
    proj_h = rng.normal(0, 1, (N, H)).astype(dtype)

    tx = torch.tensor(x, requires_grad=True)
    ts = [torch.tensor(s[None], requires_grad=True) for s in states] if states else None
    init = None if ts is None else (tuple(ts) if kind == "lstm" else ts[0])
    t_out, t_hn = mod(tx, init)
    t_h = (t_hn[0] if kind == "lstm" else t_hn)[0]
    loss = (t_out * torch.tensor(proj)).sum() + (t_h * torch.tensor(proj_h)).sum()
    if kind == "lstm":
        loss = loss + (t_hn[1][0] * torch.tensor(proj_h)).sum()
    loss.backward()

    layer = AXON[kind](H, return_sequences=True, return_state=True, dtype=dtype)
    ax = Tensor(x, requires_grad=True)
    layer.build_from_shape((T, D), dtype=dtype)
    layer.set_weights(keras_weights(kind, mod))
    a_states = [Tensor(s, requires_grad=True) for s in states] if states else None
    outs = layer(ax, initial_state=a_states)
    a_loss = (outs[0] * Tensor(proj)).sum() + (outs[1] * Tensor(proj_h)).sum()
    if kind == "lstm":
        a_loss = a_loss + (outs[2] * Tensor(proj_h)).sum()
    a_loss.backward()

    tol = TOL[dtype]
    np.testing.assert_allclose(outs[0].data, _np(t_out), **tol)
    np.testing.assert_allclose(outs[1].data, _np(t_h), **tol)
    np.testing.assert_allclose(ax.grad, tx.grad.numpy(), **tol)
    for got, want in zip([w.grad for w in layer.weights], torch_grads_as_keras(kind, mod)):
        np.testing.assert_allclose(got, want, **tol)
    if states:
        for a_s, t_s in zip(a_states, ts):
            np.testing.assert_allclose(a_s.grad, t_s.grad.numpy()[0], **tol)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_bidirectional_matches_torch(kind):
    dtype = np.float64
    mod, tdt, rng, x = _setup(kind, dtype, 2, bidirectional=True)
    proj = rng.normal(0, 1, (N, T, 2 * H))
    tx = torch.tensor(x, requires_grad=True)
    t_out, t_hn = mod(tx)
    (t_out * torch.tensor(proj)).sum().backward()

    bi = Bidirectional(AXON[kind](H, return_sequences=True, dtype=dtype), dtype=dtype)
    bi.build_from_shape((T, D), dtype=dtype)
    bi.forward_layer.set_weights(keras_weights(kind, mod))
    bi.backward_layer.set_weights(keras_weights(kind, mod, "_reverse"))
    ax = Tensor(x, requires_grad=True)
    out = bi(ax)
    (out * Tensor(proj)).sum().backward()
    tol = TOL[dtype]
    np.testing.assert_allclose(out.data, _np(t_out), **tol)
    np.testing.assert_allclose(ax.grad, tx.grad.numpy(), **tol)
    for layer, suffix in ((bi.forward_layer, ""), (bi.backward_layer, "_reverse")):
        for got, want in zip([w.grad for w in layer.weights], torch_grads_as_keras(kind, mod, suffix)):
            np.testing.assert_allclose(got, want, **tol)


def test_bidirectional_states_match_torch():
    mod, tdt, rng, x = _setup("lstm", np.float64, 3, bidirectional=True)
    t_out, (t_h, t_c) = mod(torch.tensor(x))
    bi = Bidirectional(LSTM(H, return_state=True, dtype="float64"), merge_mode="sum", dtype="float64")
    bi.build_from_shape((T, D), dtype=np.float64)
    bi.forward_layer.set_weights(keras_weights("lstm", mod))
    bi.backward_layer.set_weights(keras_weights("lstm", mod, "_reverse"))
    out, hf, cf, hb, cb = bi(Tensor(x))
    np.testing.assert_allclose(hf.data, _np(t_h[0]), rtol=1e-9)
    np.testing.assert_allclose(cb.data, _np(t_c[1]), rtol=1e-9)
    # the last output of each direction is its final state
    np.testing.assert_allclose(out.data, _np(t_h[0] + t_h[1]), rtol=1e-9)


def test_masked_lstm_matches_torch_packed_sequences():
    mod, tdt, rng, x = _setup("lstm", np.float64, 4)
    lengths = [5, 3, 2]
    mask = np.arange(T)[None, :] < np.array(lengths)[:, None]
    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first=True)
    _, (t_h, t_c) = mod(packed)
    layer = LSTM(H, return_state=True, dtype="float64")
    layer.build_from_shape((T, D), dtype=np.float64)
    layer.set_weights(keras_weights("lstm", mod))
    _, h, c = layer(Tensor(x), mask=mask)
    np.testing.assert_allclose(h.data, _np(t_h[0]), rtol=1e-9)
    np.testing.assert_allclose(c.data, _np(t_c[0]), rtol=1e-9)


def _torch_attention(q, v, k, scores_fn, v_mask=None, causal=False):
    s = scores_fn(q, k)
    allowed = torch.ones(s.shape, dtype=torch.bool)
    if v_mask is not None:
        allowed = allowed & torch.tensor(v_mask)[:, None, :]
    if causal:
        allowed = allowed & torch.tril(torch.ones(s.shape[-2:], dtype=torch.bool))
    s = s - 1e9 * (~allowed).to(s.dtype)
    w = torch.softmax(s, -1)
    return w @ v, w


@pytest.mark.parametrize("layer_cls", ["dot", "additive"])
@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_torch(layer_cls, causal):
    rng = np.random.default_rng(5)
    tq, tv, d = 4, 5, 3
    q, v, k = (rng.normal(0, 1, (2, t, d)) for t in (tq, tv, tv))
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    proj = rng.normal(0, 1, (2, tq, d))
    proj_w = rng.normal(0, 1, (2, tq, tv))
    tq_, tv_, tk_ = (torch.tensor(a, requires_grad=True) for a in (q, v, k))
    if layer_cls == "dot":
        layer = Attention(use_scale=True, dtype="float64")
        scale = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
        scores_fn = lambda a, b: scale * (a @ b.transpose(1, 2))
        layer_scale = np.float64(1.7)
    else:
        layer = AdditiveAttention(use_scale=True, dtype="float64")
        sv = rng.normal(0, 1, d)
        scale = torch.tensor(sv, requires_grad=True)
        scores_fn = lambda a, b: (scale * torch.tanh(a[:, :, None] + b[:, None])).sum(-1)
        layer_scale = sv
    t_out, t_w = _torch_attention(tq_, tv_, tk_, scores_fn, v_mask, causal)
    ((t_out * torch.tensor(proj)).sum() + (t_w * torch.tensor(proj_w)).sum()).backward()

    aq, av, ak = (Tensor(a, requires_grad=True) for a in (q, v, k))
    out, w = layer([aq, av, ak], mask=[None, v_mask], return_attention_scores=True,
                   use_causal_mask=causal)
    layer.scale.data[...] = layer_scale
    out, w = layer([aq, av, ak], mask=[None, v_mask], return_attention_scores=True,
                   use_causal_mask=causal)
    ((out * Tensor(proj)).sum() + (w * Tensor(proj_w)).sum()).backward()
    tol = dict(rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(out.data, _np(t_out), **tol)
    np.testing.assert_allclose(w.data, _np(t_w), **tol)
    for a, t in ((aq, tq_), (av, tv_), (ak, tk_)):
        np.testing.assert_allclose(a.grad, t.grad.numpy(), **tol)
    np.testing.assert_allclose(layer.scale.grad, scale.grad.numpy(), **tol)
