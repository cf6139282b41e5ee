"""The reverse-mode engine: graph shapes, accumulation, freeing, deep graphs, grad modes."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor


def leaf(a):
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def test_diamond_graph_sums_both_paths():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 2.0          # da/dx = 2
    b = F.exp(x)         # db/dx = e^x
    (a * b).sum().backward()
    # d/dx (2x e^x) = 2 e^x + 2x e^x
    np.testing.assert_allclose(x.grad, 2 * np.exp(x.data) * (1 + x.data), rtol=1e-12)


def test_same_tensor_used_twice_in_one_op():
    x = leaf([3.0, -1.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [6.0, -2.0])


def test_leaf_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0 + 2.0, 3.0 + 4.0])
    x.zero_grad()
    assert x.grad is None


def test_accumulated_gradient_is_not_aliased_to_the_graph():
    x = leaf([1.0, 2.0])
    y = x.reshape(2)
    y.sum().backward()
    first = x.grad
    y2 = x.reshape(2)
    y2.sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 2.0])
    np.testing.assert_allclose(first, [1.0, 1.0])


def test_leaves_never_share_a_gradient_array():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    c = Tensor(np.array([3.0, 3.0]))
    ((a + b) * c).sum().backward()          # Add hands the same array to both inputs
    assert a.grad is not b.grad
    a.grad *= 2                             # in-place edits (clipping by hand) stay local
    np.testing.assert_allclose(b.grad, [3.0, 3.0])
    g = np.ones(2)
    x, y = leaf([1.0, 1.0]), leaf([1.0, 1.0])
    (x + y).backward(g)
    assert x.grad is not g and y.grad is not g and x.grad is not y.grad


def test_long_chain_has_no_recursion_limit():
    x = leaf([0.5])
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001 ** 5000], rtol=1e-9)


def test_no_grad_builds_no_graph():
    x = leaf([1.0, 2.0])
    with axon.no_grad():
        y = (x * 2.0).sum()
        assert not axon.is_grad_enabled()
    assert axon.is_grad_enabled()
    assert not y.requires_grad and y._ctx is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_enable_grad_inside_no_grad():
    x = leaf([2.0])
    with axon.no_grad():
        with axon.enable_grad():
            y = x * x
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [4.0])


def test_detach_cuts_the_graph():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    z = (y.detach() * x).sum()   # only the direct path to x counts
    z.backward()
    np.testing.assert_allclose(x.grad, y.data)
    assert not y.detach().requires_grad


def test_backward_twice_without_retain_graph_raises():
    x = leaf([1.0, 2.0])
    y = (F.exp(x) * 2.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (F.exp(x) * 2.0).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, 4 * np.exp(x.data), rtol=1e-12)


def test_non_scalar_backward_needs_grad():
    x = leaf([[1.0, 2.0]])
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"scalar.*\(1, 2\)"):
        y.backward()
    y.backward(np.array([[1.0, 10.0]]))
    np.testing.assert_allclose(x.grad, [[2.0, 20.0]])


def test_backward_on_a_leaf_scalar():
    x = leaf(3.0)
    x.backward()
    assert x.grad == 1.0


def test_multi_output_op_with_one_output_unused():
    x = leaf(np.arange(6.0))
    a, b, c = F.split(x, 3)
    (b * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad, [0, 0, 2, 2, 0, 0])


def test_multi_output_op_with_all_outputs_used():
    x = leaf(np.arange(4.0))
    a, b = F.split(x, 2)
    (a * b).sum().backward()
    np.testing.assert_allclose(x.grad, [2, 3, 0, 1])


def test_constants_get_no_gradient():
    x = leaf([1.0, 2.0])
    c = Tensor(np.array([5.0, 6.0]))
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad, [5.0, 6.0])


def test_graph_is_freed_after_backward():
    x = leaf([1.0, 2.0])
    y = F.exp(x)
    z = y.sum()
    z.backward()
    assert y._ctx.saved is None and y._ctx.inputs == ()


def test_tensor_basics():
    t = Tensor([[1.0, 2.0]])
    assert t.dtype == np.float32 and t.shape == (1, 2) and t.ndim == 2 and t.size == 2
    assert Tensor(np.arange(3)).dtype.kind == "i"           # NumPy arrays keep their dtype
    assert Tensor([1, 2], requires_grad=True).dtype == np.float32
    assert (t > 1.5).tolist() == [[False, True]]
    assert "requires_grad=True" in repr(Tensor([1.0], requires_grad=True))
    np.testing.assert_allclose(np.asarray(t.T), [[1.0], [2.0]])
    assert t.reshape(2, 1).shape == (2, 1) and t.reshape((2,)).shape == (2,)
    assert t.astype("float64").dtype == np.float64


def test_gradcheck_catches_a_wrong_backward():
    class BadSquare(axon.Function):
        def forward(self, a):
            self.save(a=a)
            return a * a

        def backward(self, g):
            return g * self.saved.a   # missing the factor 2

    with pytest.raises(AssertionError, match="input 0"):
        axon.gradcheck(lambda a: BadSquare.apply(a), [np.array([1.0, 2.0])])
    assert axon.gradcheck(lambda a: BadSquare.apply(a), [np.array([1.0])], raise_on_fail=False) is False


def test_saved_values_are_named():
    """``save`` takes keywords only: backward reads ``self.saved.name``, never a position."""
    class Scale(axon.Function):
        def forward(self, a, factor=2.0):
            self.save(factor=factor)
            return a * factor

        def backward(self, g):
            return g * self.saved.factor

    x = leaf([1.0, 2.0])
    Scale.apply(x, factor=3.0).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 3.0])

    class Positional(axon.Function):
        def forward(self, a):
            self.save(a)
            return a
    with pytest.raises(TypeError):
        Positional.apply(x)


def test_grad_returns_gradients_without_touching_dot_grad():
    """axon.grad is Keras's tape.gradient: gradients for the tensors asked for, nothing accumulated."""
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    v = Tensor(np.array([3.0]), requires_grad=True)
    unused = Tensor(np.array([5.0]), requires_grad=True)
    gw, gv, gu = axon.grad((w * w).sum() * v.sum(), [w, v, unused])
    np.testing.assert_allclose(gw, [6.0, -12.0])
    np.testing.assert_allclose(gv, [5.0])
    assert gu is None and w.grad is None and v.grad is None
    with pytest.raises(ValueError, match="leaf tensors"):
        axon.grad((w * 2).sum(), [w * 2])


def test_backward_with_inputs_fills_only_those_leaves():
    a = Tensor(np.array([2.0]), requires_grad=True)
    b = Tensor(np.array([3.0]), requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [3.0] and b.grad is None


@pytest.mark.parametrize("name", ["cupy", "jax"])
def test_only_the_numpy_backend_is_offered(name):
    """An untested backend is refused with a clear message, not half accepted."""
    with pytest.raises(ValueError, match=r"expected 'numpy' \(the only backend supported"):
        axon.set_backend(name)
    assert axon.set_backend("numpy") is np


@pytest.mark.parametrize("combine", [lambda d: d + axon.ops.exp(d), lambda d: axon.ops.exp(d) + d,
                                     lambda d: d * axon.ops.exp(d * 2.0) + axon.ops.tanh(d) * d])
def test_a_computed_tensor_used_on_several_paths_gets_every_paths_gradient(combine):
    """A diamond through a non-leaf tensor (a residual connection's shape): the op computing it may
    run its backward only after every consumer has handed it a gradient, whatever the argument
    order."""
    x = np.array([0.5, -1.0, 2.0])
    assert axon.gradcheck(lambda p: combine(p - 0.3), [x])


def test_residual_block_gradients_match_finite_differences():
    dense = axon.layers.Dense(3, activation="tanh", dtype="float64")
    x = np.random.default_rng(0).normal(size=(4, 3))
    dense(x)

    def block(w, inp):
        h = axon.ops.tanh(axon.ops.matmul(inp, w))
        return h + axon.ops.tanh(axon.ops.matmul(h, w))  # h feeds both the skip and the branch

    assert axon.gradcheck(block, [dense.kernel.data.copy(), x])
