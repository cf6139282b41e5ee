"""The fast paths of the LSTM and GRU ops (states as columns, one product per step for all gates,
stacked weights built per call, backward that skips what no input asks for, the workspace) against
short textbook step loops as oracles, at sizes where N, T, D and H all differ so that a transposed
layout cannot pass by accident; results that do not depend on the thread count."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor
from axon.ops.recurrent_base import _Workspace
from helpers import train_in_process

N, T, D, H = 5, 6, 3, 4
MASK = np.array([[1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [1, 0, 1, 1, 0, 1],
                 [0, 1, 1, 1, 1, 1]], bool)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def lstm_step(x, h, c, W, U, b, rec_mask):
    i, f, g, o = np.split(x @ W + (h * rec_mask) @ U + b, 4, axis=-1)
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c), c


def gru_step(x, h, W, U, b, rec_mask, reset_after):
    hr = h * rec_mask
    if reset_after:
        xz, xr, xh = np.split(x @ W + b[0], 3, axis=-1)
        hz, hr_, hh = np.split(hr @ U + b[1], 3, axis=-1)
        z, r = _sigmoid(xz + hz), _sigmoid(xr + hr_)
        cand = np.tanh(xh + r * hh)
    else:
        xz, xr, xh = np.split(x @ W + b, 3, axis=-1)
        Uz, Ur, Uh = np.split(U, 3, axis=-1)
        z, r = _sigmoid(xz + hr @ Uz), _sigmoid(xr + hr @ Ur)
        cand = np.tanh(xh + (r * hr) @ Uh)
    return (z * h + (1 - z) * cand,)


def textbook(step, x, states, mask, go_backwards):
    """Outputs (N, T, H) in processing order and the final states of ``step`` over ``x``, a masked
    step carrying the states over and repeating the previous output (zeros before the first)."""
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outs, out = [], np.zeros_like(states[0])
    for t in order:
        new = step(x[:, t], *states)
        if mask is not None:
            keep = mask[:, t:t + 1]
            new = [np.where(keep, a, s) for a, s in zip(new, states)]
            out = np.where(keep, new[0], out)
        else:
            out = new[0]
        states = list(new)
        outs.append(out)
    return [np.stack(outs, axis=1), *states]


CASES = {
    "lstm": (F.lstm, 4, 2, {}),
    "gru": (F.gru, 3, 1, {}),
    "gru_reset_before": (F.gru, 3, 1, {"reset_after": False}),
}


def _arrays(name, rng, dtype=np.float64):
    fn, g, n_states, kw = CASES[name]
    w = rng.normal(0, 0.6, (D, g * H))
    u = rng.normal(0, 0.6, (H, g * H))
    b = rng.normal(0, 0.3, (2, g * H) if name == "gru" else (g * H,))
    x = rng.normal(0, 1, (N, T, D))
    states = [rng.normal(0, 1, (N, H)) for _ in range(n_states)]
    return fn, kw, [a.astype(dtype) for a in (x, w, u, b, *states)]


def _step(name, w, u, b, rec_mask):
    if name == "lstm":
        return lambda x, h, c: lstm_step(x, h, c, w, u, b, rec_mask)
    return lambda x, h: gru_step(x, h, w, u, b, rec_mask, reset_after=name == "gru")


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("dropout", [False, True])
def test_fast_op_equals_the_textbook_loop(name, go_backwards, masked, dropout, rng):
    fn, kw, (x, w, u, b, *states) = _arrays(name, rng)
    mask = MASK if masked else None
    rec_mask = (rng.random((N, H)) > 0.3) / 0.7 if dropout else np.ones((N, H))
    want = textbook(_step(name, w, u, b, rec_mask), x, states, mask, go_backwards)
    got = fn(x, w, u, b, states, mask=mask, rec_mask=rec_mask if dropout else None,
             go_backwards=go_backwards, return_sequences=True, **kw)
    for g, ref in zip(got, want):
        np.testing.assert_allclose(g.data, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("masked", [False, True])
def test_gradcheck_at_sizes_that_all_differ(name, masked, rng):
    fn, kw, arrays = _arrays(name, rng)
    rec_mask = (rng.random((N, H)) > 0.3) / 0.7
    mask = MASK if masked else None

    def f(x, w, u, b, *st):
        out, *final = fn(x, w, u, b, list(st), mask=mask, rec_mask=rec_mask, go_backwards=masked,
                         return_sequences=True, **kw)
        return (out * out).sum() + sum((s * (k + 1.5)).sum() for k, s in enumerate(final))
    assert axon.gradcheck(f, arrays)


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_when_only_some_inputs_want_them(name, rng):
    """Backward skips dx, the weight gradients or the state gradients when no input asks for them;
    what is asked for is the same as when everything is."""
    fn, kw, arrays = _arrays(name, rng)

    def grads(wanted):
        ts = [Tensor(a, requires_grad=k in wanted) for k, a in enumerate(arrays)]
        out, *_ = fn(*ts[:4], ts[4:], return_sequences=True, **kw)
        (out * out).sum().backward()
        return {k: ts[k].grad for k in wanted}
    every = grads(set(range(len(arrays))))
    for wanted in ({0}, {1}, {2, 3}, {4}, {len(arrays) - 1}):
        for k, g in grads(wanted).items():
            np.testing.assert_allclose(g, every[k], rtol=1e-12, atol=1e-12, err_msg=f"input {k} of {wanted}")


@pytest.mark.parametrize("name", list(CASES))
def test_weights_changed_in_place_are_used_at_the_next_call(name, rng):
    """The stacked weights are built at every call: an optimizer's in-place update is never stale."""
    fn, kw, (x, w, u, b, *states) = _arrays(name, rng, np.float32)
    kernel, recurrent = Tensor(w), Tensor(u)
    fn(x, kernel, recurrent, b, states, **kw)
    kernel.data *= 0.5
    recurrent.data += 0.1
    got = fn(x, kernel, recurrent, b, states, return_sequences=True, **kw)[0].data
    want = textbook(_step(name, kernel.data, recurrent.data, b, np.ones((N, H))), x, states, None, False)[0]
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


def test_workspace_keeps_only_the_last_few_arrays_of_the_last_shapes():
    ws = _Workspace(max_bytes=1 << 20, per_shape=2, shapes=3)
    a = ws.take((4, 5), np.float32)
    ws.give([a])
    assert ws.take((4, 5), np.float32) is a           # handed out again
    ws.give([np.empty((4, 5), np.float32) for _ in range(5)])
    assert len(ws._free[((4, 5), np.dtype(np.float32))]) == 2
    for n in range(6, 12):
        ws.give([np.empty((n,), np.float32)])
    assert len(ws._free) == 3 and ((11,), np.dtype(np.float32)) in ws._free
    assert ws._bytes == sum(x.nbytes for stack in ws._free.values() for x in stack)
    ws.give([np.empty(3 << 16, np.float32)])          # 0.75 MiB: fits
    assert len(ws._free) == 3
    ws.give([np.empty((3 << 16) + 1, np.float32)])    # over max_bytes: starts over
    assert list(ws._free) == [((196609,), np.dtype(np.float32))] and ws._bytes == 4 * 196609


TRAIN = """
import sys
import numpy as np
import axon
from axon import layers
from axon.ops import parallel
assert parallel.num_threads() == int(sys.argv[2]), parallel.num_threads()
axon.manual_seed(0)
rs = np.random.default_rng(0)
x = rs.normal(size=(48, 7, 5)).astype("float32")
y = rs.integers(0, 3, size=48)
weights = []
for cell in (layers.LSTM, layers.GRU):
    model = axon.Sequential([layers.Input((7, 5)), cell(16, return_sequences=True, recurrent_dropout=0.2),
                             cell(8), layers.Dense(3)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=2, shuffle=True, verbose=0)
    weights += [w.data for _, w in model.named_weights()]
np.savez(sys.argv[1], *weights)
"""


def _train(tmp_path, threads):
    return train_in_process(TRAIN, tmp_path, threads)


def test_lstm_and_gru_training_with_one_and_two_threads_gives_the_same_weights(tmp_path):
    one, two = _train(tmp_path, 1), _train(tmp_path, 2)
    assert len(one) == len(two) == 2 * 8
    for a, b in zip(one, two):
        assert np.array_equal(a, b)
