"""axon.profile(): calls and time per op type, forward and backward, as a table and as rows."""
import itertools

import numpy as np
import pytest

import axon
import axon.ops as F
from axon import hooks, profiler
from axon.layers import Dense


@pytest.fixture
def clock(monkeypatch):
    """A fake perf_counter that advances one second per reading: times become exact."""
    ticks = itertools.count()
    monkeypatch.setattr(profiler.time, "perf_counter", lambda: float(next(ticks)))


def _train_steps(model, steps):
    x = np.ones((3, 5), np.float32)
    y = np.array([0, 1, 1])
    for _ in range(steps):
        F.sparse_categorical_crossentropy(y, model(x), from_logits=True).backward()


def test_counts_match_a_known_forward_and_backward_and_the_table_lists_them():
    model = axon.Sequential([Dense(4, activation="relu"), Dense(2)])
    printed = []
    with axon.profile(print_fn=printed.append) as prof:
        _train_steps(model, 3)
    counts = {r.op: (r.forward_calls, r.backward_calls) for r in prof.rows}
    assert counts == {"Linear": (6, 6), "ReLU": (3, 3), "SparseSoftmaxCrossentropy": (3, 3)}
    assert hooks.active == []
    (text,) = printed
    assert text == prof.table()
    lines = text.splitlines()
    assert lines[0].split() == ["op", "fwd", "calls", "fwd", "ms", "bwd", "calls", "bwd", "ms", "total", "ms", "%"]
    linear = next(line.split() for line in lines if line.startswith("Linear"))
    assert linear[1] == "6" and linear[3] == "6"
    total = lines[-1].split()
    assert total[0] == "total" and total[1] == "12" and total[3] == "12" and total[-1] == "100.0"
    seconds = [r.seconds for r in prof.rows]
    assert seconds == sorted(seconds, reverse=True)


def test_inference_counts_forward_only_and_sort_options():
    model = axon.Sequential([Dense(4, activation="relu"), Dense(2)])
    with axon.no_grad(), axon.profile(print_fn=None, sort="name") as prof:
        model(np.ones((2, 5), np.float32))
    assert [(r.op, r.forward_calls, r.backward_calls) for r in prof.rows] == [("Linear", 2, 0), ("ReLU", 1, 0)]
    prof.sort = "calls"
    assert prof.rows[0].op == "Linear"
    with pytest.raises(ValueError, match="sort must be one of time, calls, name"):
        axon.profile(sort="slowest")


class Outer(axon.Function):
    """An op whose forward runs another op (as a recurrent op with a custom activation does)."""

    def forward(self, x):
        return F.exp(axon.Tensor(x)).data

    def backward(self, g):
        return g


def test_each_op_is_charged_its_own_time_only(clock):
    with axon.profile(print_fn=None) as prof:
        Outer.apply(axon.Tensor([1.0]))
    rows = {r.op: r for r in prof.rows}
    # clock: Outer starts 0, Exp runs 1..2 (1 s), Outer stops at 3: 3 s of which 2 its own
    assert rows["Exp"].forward_seconds == 1.0 and rows["Outer"].forward_seconds == 2.0
    assert sum(r.seconds for r in prof.rows) == 3.0


def test_an_op_that_raises_does_not_disturb_the_next_timings(clock):
    class Fails(axon.Function):
        def forward(self, x):
            raise ArithmeticError("no")

    with axon.profile(print_fn=None) as prof:
        with pytest.raises(ArithmeticError):
            Fails.apply(axon.Tensor([1.0]))
        F.exp(axon.Tensor([1.0]))
    assert [(r.op, r.forward_calls, r.forward_seconds) for r in prof.rows] == [("Exp", 1, 1.0)]
