"""Function hooks: what they are called with, in which order, nesting, removal, and the layer path."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor, hooks
from axon.hooks import FunctionHook
from axon.layers import Dense, Lambda


class Recorder(FunctionHook):
    """Logs every call as (tag, event, op name, extra)."""

    def __init__(self, tag="h", log=None):
        self.tag, self.log = tag, [] if log is None else log

    def forward_preprocess(self, function, in_arrays):
        self.log.append((self.tag, "fwd-pre", type(function).__name__, len(in_arrays)))

    def forward_postprocess(self, function, in_arrays, out_arrays):
        self.log.append((self.tag, "fwd-post", type(function).__name__, [o.shape for o in out_arrays]))

    def backward_preprocess(self, function, in_arrays, out_grads):
        self.log.append((self.tag, "bwd-pre", type(function).__name__, [g.shape for g in out_grads]))

    def backward_postprocess(self, function, in_arrays, out_grads, in_grads):
        self.log.append((self.tag, "bwd-post", type(function).__name__,
                         [None if g is None else g.shape for g in in_grads]))


def test_hook_sees_forward_and_backward_of_every_op_with_arrays_and_gradients():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    w = Tensor(np.ones((3, 4)), requires_grad=True)
    with Recorder() as rec:
        y = F.matmul(x, w).sum()
        y.backward()
    assert rec.log == [
        ("h", "fwd-pre", "MatMul", 2), ("h", "fwd-post", "MatMul", [(2, 4)]),
        ("h", "fwd-pre", "Sum", 1), ("h", "fwd-post", "Sum", [()]),
        ("h", "bwd-pre", "Sum", [()]), ("h", "bwd-post", "Sum", [(2, 4)]),
        ("h", "bwd-pre", "MatMul", [(2, 4)]), ("h", "bwd-post", "MatMul", [(2, 3), (3, 4)]),
    ]
    np.testing.assert_allclose(x.grad, 4.0)      # the hook changed nothing


def test_hook_receives_the_actual_input_arrays_and_none_for_unneeded_gradients():
    seen = {}

    class Grab(FunctionHook):
        def forward_preprocess(self, function, in_arrays):
            seen["fwd"] = in_arrays

        def backward_postprocess(self, function, in_arrays, out_grads, in_grads):
            seen["bwd"] = (in_arrays, in_grads)

    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = np.array([3.0, 4.0])
    with Grab():
        (a * b).backward(np.ones(2))
    assert seen["fwd"][0] is a.data and seen["fwd"][1] is b
    arrays, grads = seen["bwd"]
    assert arrays[0] is a.data
    np.testing.assert_allclose(grads[0], b)
    assert grads[1] is None


def test_several_hooks_nest_pre_in_entry_order_post_in_reverse():
    log = []
    with Recorder("outer", log):
        with Recorder("inner", log):
            F.exp(Tensor([1.0]))
        F.exp(Tensor([1.0]))
    assert [(tag, event) for tag, event, *_ in log] == [
        ("outer", "fwd-pre"), ("inner", "fwd-pre"), ("inner", "fwd-post"), ("outer", "fwd-post"),
        ("outer", "fwd-pre"), ("outer", "fwd-post")]
    assert hooks.active == []


def test_hooks_are_removed_on_exit_even_when_the_block_raises():
    rec = Recorder()
    with pytest.raises(ZeroDivisionError):
        with rec:
            1 / 0
    assert hooks.active == []
    F.exp(Tensor([1.0]))
    assert rec.log == []
    with rec:                          # and it can be entered again
        F.exp(Tensor([1.0]))
    assert len(rec.log) == 2


def test_a_hook_cannot_be_entered_twice_at_once():
    rec = Recorder()
    with rec:
        with pytest.raises(RuntimeError, match="already active"):
            rec.__enter__()
    assert hooks.active == []


def test_ops_under_no_grad_call_forward_hooks_only():
    with Recorder() as rec, axon.no_grad():
        F.exp(Tensor([1.0], requires_grad=True))
    assert [e for _, e, *_ in rec.log] == ["fwd-pre", "fwd-post"]


class LayerPaths(FunctionHook):
    def __init__(self):
        self.paths, self.backward_paths = [], []

    def forward_postprocess(self, function, in_arrays, out_arrays):
        self.paths.append((type(function).__name__, function.layer_path, hooks.current_layer()))

    def backward_preprocess(self, function, in_arrays, out_grads):
        self.backward_paths.append((type(function).__name__, function.layer_path))


def test_each_op_records_the_innermost_layer_and_its_path():
    inner = axon.Sequential([Dense(3, name="dense_a"), Lambda(F.tanh, name="squash")], name="block")
    model = axon.Sequential([inner, Dense(2, name="head")], name="net")
    x = np.ones((4, 5), np.float32)
    model(x)                                     # built outside the hook
    with LayerPaths() as rec:
        loss = model(x).sum()
        loss.backward()
    names = [(op, path) for op, path, _ in rec.paths]
    assert names == [("Linear", "net/block/dense_a"), ("Tanh", "net/block/squash"),
                     ("Linear", "net/head"), ("Sum", "")]
    assert [layer.name if layer else None for _, _, layer in rec.paths] == ["dense_a", "squash", "head", None]
    # at backward time the path is the one recorded during the forward pass
    assert rec.backward_paths == [("Sum", ""), ("Linear", "net/head"), ("Tanh", "net/block/squash"),
                                  ("Linear", "net/block/dense_a")]
    assert hooks.running_layers == []


def test_the_layer_stack_is_unwound_when_a_layer_raises():
    def fail(x):
        raise ValueError("boom")
    model = axon.Sequential([Dense(2), Lambda(fail)])
    with pytest.raises(ValueError, match="boom"):
        model(np.ones((1, 3), np.float32))
    assert hooks.running_layers == []


def test_without_hooks_no_layer_path_is_recorded():
    y = axon.Sequential([Dense(2)])(np.ones((1, 3), np.float32))
    assert y._ctx is None or y._ctx.layer_path is None
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    assert F.matmul(np.ones((1, 3)), w)._ctx.layer_path is None
