"""Float64 finite-difference checks of every differentiable op, plus forward values and
broadcasting rules.  Inputs are small: gradcheck costs two forward passes per element."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor, gradcheck

R = np.random.default_rng(7)


def rand(*shape, lo=-1.0, hi=1.0):
    return R.uniform(lo, hi, shape)


def pos(*shape):
    return R.uniform(0.5, 2.0, shape)


def distinct(*shape):
    """Values far apart from each other (no ties for max/min, no kinks for abs)."""
    n = int(np.prod(shape))
    return (R.permutation(n) - (n - 1) / 2).reshape(shape) * 0.3 + 0.07


IDX = np.array([0, 2, 0, 0, 1])   # repeated indices: the gradient must add up (scatter-add)

CASES = {
    # elementwise, with broadcasting of both arguments
    "add": (lambda a, b: a + b, [rand(2, 3), rand(3)]),
    "add_scalar_right": (lambda a: 2.5 + a, [rand(2, 3)]),
    "sub": (lambda a, b: a - b, [rand(2, 1), rand(1, 3)]),
    "rsub": (lambda a: 1.0 - a, [rand(3)]),
    "mul": (lambda a, b: a * b, [rand(2, 3), rand(2, 1)]),
    "div": (lambda a, b: a / b, [rand(2, 3), pos(3)]),
    "rdiv": (lambda a: 2.0 / a, [pos(3)]),
    "neg": (lambda a: -a, [rand(2, 2)]),
    "pow_both": (lambda a, b: a ** b, [pos(2, 3), rand(3)]),
    "pow_const_exp": (lambda a: a ** 3, [rand(4)]),
    "pow_const_base": (lambda b: 2.0 ** b, [rand(4)]),
    "exp": (F.exp, [rand(2, 3)]),
    "log": (F.log, [pos(2, 3)]),
    "sqrt": (F.sqrt, [pos(2, 3)]),
    "abs": (F.abs, [distinct(2, 3)]),
    "square": (F.square, [rand(3)]),
    "clip": (lambda a: F.clip(a, -0.4, 0.4), [distinct(2, 4)]),
    "clip_lower_only": (lambda a: F.clip(a, 0.1, None), [distinct(6)]),
    "maximum": (F.maximum, [distinct(2, 3), rand(3) * 0.01 + 0.05]),
    "minimum": (F.minimum, [distinct(2, 3), rand(2, 1) * 0.01 + 0.05]),
    "maximum_scalar": (lambda a: F.maximum(a, 0.0), [distinct(5)]),
    "where": (lambda a, b: F.where(np.array([True, False, True]), a, b), [rand(2, 3), rand(3)]),
    "cast_float64": (lambda a: F.cast(a, "float64") * 2.0, [rand(3)]),
    # reductions with axis / keepdims variants
    "sum_all": (lambda a: F.sum(a), [rand(2, 3)]),
    "sum_axis0": (lambda a: F.sum(a, 0), [rand(2, 3)]),
    "sum_axes_keep": (lambda a: F.sum(a, (0, 2), keepdims=True), [rand(2, 3, 2)]),
    "mean_all": (lambda a: F.mean(a), [rand(2, 3)]),
    "mean_neg_axis": (lambda a: F.mean(a, -1), [rand(2, 3)]),
    "mean_keep": (lambda a: F.mean(a, 1, keepdims=True), [rand(2, 3, 2)]),
    "max_all": (lambda a: F.max(a), [distinct(2, 3)]),
    "max_axis": (lambda a: F.max(a, 1), [distinct(2, 3)]),
    "max_keep": (lambda a: F.max(a, (0, 1), keepdims=True), [distinct(2, 3, 2)]),
    "min_axis": (lambda a: F.min(a, 0), [distinct(3, 2)]),
    "min_keep": (lambda a: F.min(a, -1, keepdims=True), [distinct(2, 3)]),
    "var_all": (lambda a: F.var(a), [rand(2, 3)]),
    "var_axis_ddof": (lambda a: F.var(a, 0, ddof=1), [rand(3, 2)]),
    "var_keep": (lambda a: F.var(a, -1, keepdims=True), [rand(2, 4)]),
    "std_axis": (lambda a: F.std(a, 1), [rand(2, 4)]),
    "std_keep_ddof": (lambda a: F.std(a, 0, keepdims=True, ddof=1), [rand(3, 2)]),
    "logsumexp_all": (lambda a: F.logsumexp(a), [rand(2, 3)]),
    "logsumexp_axis": (lambda a: F.logsumexp(a, 1), [rand(2, 3)]),
    "logsumexp_keep": (lambda a: F.logsumexp(a, 0, keepdims=True), [rand(2, 3)]),
    # shape and indexing
    "reshape": (lambda a: F.reshape(a, (3, 2)) * np.arange(6.0).reshape(3, 2), [rand(2, 3)]),
    "transpose": (lambda a: F.transpose(a, (2, 0, 1)), [rand(2, 3, 2)]),
    "transpose_default": (lambda a: a.T, [rand(2, 3)]),
    "swapaxes": (lambda a: F.swapaxes(a, 0, 2), [rand(2, 1, 3)]),
    "broadcast_to": (lambda a: F.broadcast_to(a, (2, 3, 3)), [rand(3, 1)]),
    "concat": (lambda a, b: F.concat([a, b], axis=1), [rand(2, 1), rand(2, 3)]),
    "concat_neg_axis": (lambda a, b, c: F.concat([a, b, c], axis=-1), [rand(2, 2), rand(2, 1), rand(2, 2)]),
    "stack": (lambda a, b: F.stack([a, b], axis=1), [rand(2, 3), rand(2, 3)]),
    "stack_last": (lambda a, b: F.stack([a, b], axis=-1), [rand(3), rand(3)]),
    "split_cuts": (lambda a: F.split(a, [1, 3], axis=1)[2] * 2.0 + F.split(a, [1, 3], axis=1)[0], [rand(2, 4)]),
    "getitem_slice": (lambda a: a[1:, ::2], [rand(3, 4)]),
    "getitem_int_none_ellipsis": (lambda a: a[..., 1, None], [rand(2, 3)]),
    "getitem_fancy_repeated": (lambda a: a[IDX], [rand(3, 2)]),
    "getitem_fancy_2d_repeated": (lambda a: a[np.array([0, 0, 1]), np.array([1, 1, 2])], [rand(2, 3)]),
    "getitem_slice_and_fancy": (lambda a: a[:, [2, 2, 0]], [rand(2, 3)]),
    "getitem_bool_mask": (lambda a: a[np.array([True, False, True])], [rand(3, 2)]),
    "getitem_tensor_index": (lambda a: a[Tensor(IDX)], [rand(3)]),
    "pad": (lambda a: F.pad(a, [(1, 0), (2, 1)], value=3.0), [rand(2, 2)]),
    "flatten": (lambda a: F.flatten(a), [rand(2, 2, 3)]),
    "flatten_start0": (lambda a: F.flatten(a, 0), [rand(2, 3)]),
    "expand_dims": (lambda a: F.expand_dims(a, 1), [rand(2, 3)]),
    "squeeze": (lambda a: F.squeeze(a, 1), [rand(2, 1, 3)]),
    "squeeze_all": (lambda a: F.squeeze(a), [rand(1, 3, 1)]),
    # linear algebra
    "matmul_1d_1d": (F.matmul, [rand(3), rand(3)]),
    "matmul_1d_2d": (F.matmul, [rand(3), rand(3, 2)]),
    "matmul_2d_1d": (F.matmul, [rand(2, 3), rand(3)]),
    "matmul_2d": (F.matmul, [rand(2, 3), rand(3, 4)]),
    "matmul_batched": (F.matmul, [rand(2, 2, 3), rand(2, 3, 2)]),
    "matmul_broadcast_batch": (F.matmul, [rand(2, 1, 2, 3), rand(3, 3, 2)]),
    "matmul_1d_batched": (F.matmul, [rand(3), rand(2, 3, 2)]),
    "matmul_operator": (lambda a, b: a @ b, [rand(2, 3), rand(3, 2)]),
    "linear": (F.linear, [rand(2, 3), rand(3, 4), rand(4)]),
    "linear_no_bias": (F.linear, [rand(2, 3), rand(3, 4)]),
    "linear_3d_input": (F.linear, [rand(2, 2, 3), rand(3, 2), rand(2)]),
    "linear_one_output": (F.linear, [rand(4, 3), rand(3, 1), rand(1)]),  # the outer-product input gradient
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    fn, inputs = CASES[name]
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("a_shape,b_shape", [((2, 3), (3,)), ((2, 1, 3), (4, 1)), ((1,), (2, 2)),
                                              ((), (2, 3))])
@pytest.mark.parametrize("op", [F.add, F.sub, F.mul, F.div, F.maximum])
def test_broadcast_gradients_reduce_to_input_shape(op, a_shape, b_shape):
    a = Tensor(pos(*a_shape), requires_grad=True)
    b = Tensor(pos(*b_shape) + 3.0, requires_grad=True)
    out = op(a, b)
    assert out.shape == np.broadcast_shapes(a_shape, b_shape)
    out.sum().backward()
    assert a.grad.shape == a_shape and b.grad.shape == b_shape


def test_forward_values_match_numpy():
    a, b = pos(2, 3), pos(3)
    for fn, ref in [(F.add, np.add), (F.sub, np.subtract), (F.mul, np.multiply), (F.div, np.divide),
                    (F.pow, np.power), (F.maximum, np.maximum), (F.minimum, np.minimum)]:
        np.testing.assert_allclose(fn(Tensor(a), Tensor(b)).data, ref(a, b), rtol=1e-12)
    for fn, ref in [(F.exp, np.exp), (F.log, np.log), (F.sqrt, np.sqrt), (F.abs, np.abs)]:
        np.testing.assert_allclose(fn(Tensor(a)).data, ref(a), rtol=1e-12)
    x = rand(3, 4)
    np.testing.assert_allclose(F.var(Tensor(x), 1, ddof=1).data, x.var(1, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(F.std(Tensor(x), 0).data, x.std(0), rtol=1e-12)
    m = x.max(1, keepdims=True)
    np.testing.assert_allclose(F.logsumexp(Tensor(x), 1).data, (m + np.log(np.exp(x - m).sum(1, keepdims=True)))[:, 0])
    np.testing.assert_allclose(F.pad(Tensor(x), [(0, 1), (1, 1)], value=2.0).data,
                               np.pad(x, [(0, 1), (1, 1)], constant_values=2.0))
    np.testing.assert_allclose(F.clip(Tensor(x), -0.2, 0.3).data, np.clip(x, -0.2, 0.3))


def test_logsumexp_is_stable_for_large_inputs():
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0]])
    np.testing.assert_allclose(F.logsumexp(Tensor(x), 1).data, [1000 + np.log(2), -1000 + np.log(2)])


def test_max_shares_the_gradient_among_ties():
    x = Tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    F.max(x).backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.5, 0.5])


def test_getitem_repeated_indices_add_up():
    x = Tensor(np.arange(3.0), requires_grad=True)
    x[IDX].sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 1.0, 1.0])


def test_split_returns_equal_parts_and_cut_points():
    x = Tensor(np.arange(6.0))
    assert [p.tolist() for p in F.split(x, 3)] == [[0, 1], [2, 3], [4, 5]]
    assert [p.shape for p in F.split(x, [1, 4])] == [(1,), (3,), (2,)]


def test_gradcheck_cast_through_float32():
    # float32 rounding needs a coarse step; the op is linear, so a large eps is exact
    assert gradcheck(lambda a: F.cast(F.cast(a, "float32") * 3.0, "float64"), [rand(3)], eps=1e-2, atol=1e-4)


def test_cast_returns_the_gradient_in_the_input_dtype():
    x = Tensor(np.ones(3, np.float64), requires_grad=True)
    y = F.cast(x, "float32")
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float64


def test_where_gives_no_gradient_to_the_condition():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.zeros(3), requires_grad=True)
    F.where(Tensor(np.array([True, False, True])), a, b).sum().backward()
    np.testing.assert_allclose(a.grad, [1, 0, 1])
    np.testing.assert_allclose(b.grad, [0, 1, 0])


# ----- normalization and dropout

def test_gradcheck_batch_norm_train_nc():
    def fn(x, g, b):
        return F.batch_norm(x, g, b, axis=-1, eps=1e-3, training=True)[0]
    assert gradcheck(fn, [rand(4, 3), pos(3), rand(3)])


def test_gradcheck_batch_norm_train_nhwc():
    def fn(x, g, b):
        return F.batch_norm(x, g, b, axis=-1, training=True)[0]
    assert gradcheck(fn, [rand(2, 2, 2, 3), pos(3), rand(3)])


def test_gradcheck_batch_norm_train_nchw():
    def fn(x, g, b):
        return F.batch_norm(x, g, b, axis=1, training=True)[0]
    assert gradcheck(fn, [rand(2, 2, 2, 2), pos(2), rand(2)])


def test_gradcheck_batch_norm_inference():
    mean, var = rand(3), pos(3)

    def fn(x, g, b):
        return F.batch_norm(x, g, b, mean, var, axis=-1, training=False)
    assert gradcheck(fn, [rand(4, 3), pos(3), rand(3)])


def test_batch_norm_forward_statistics():
    x = rand(6, 2, 2, 3)
    y, mean, var = F.batch_norm(Tensor(x), Tensor(np.ones(3)), Tensor(np.zeros(3)), eps=1e-5)
    np.testing.assert_allclose(mean.data, x.mean((0, 1, 2)))
    np.testing.assert_allclose(var.data, x.var((0, 1, 2)))
    np.testing.assert_allclose(y.data.mean((0, 1, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(y.data.var((0, 1, 2)), x.var((0, 1, 2)) / (x.var((0, 1, 2)) + 1e-5))


def test_gradcheck_layer_norm():
    assert gradcheck(lambda x, g, b: F.layer_norm(x, g, b), [rand(3, 4), pos(4), rand(4)])


def test_gradcheck_layer_norm_two_axes():
    assert gradcheck(lambda x, g, b: F.layer_norm(x, g, b, axes=(-2, -1)), [rand(2, 2, 3), pos(2, 3), rand(2, 3)])


def test_gradcheck_layer_norm_middle_axis():
    # gamma and beta have the size of axis 1 and broadcast over the others
    assert gradcheck(lambda x, g, b: F.layer_norm(x, g, b, axes=(1,)), [rand(2, 3, 2), pos(3), rand(3)])


def test_layer_norm_forward():
    x = rand(3, 5)
    y = F.layer_norm(Tensor(x), Tensor(np.ones(5)), Tensor(np.zeros(5)), eps=0.0).data
    np.testing.assert_allclose(y, (x - x.mean(1, keepdims=True)) / x.std(1, keepdims=True), rtol=1e-10)


def test_gradcheck_dropout_with_a_fixed_mask():
    def fn(x):
        axon.manual_seed(3)      # the same mask on every evaluation
        return F.dropout(x, 0.5)
    assert gradcheck(fn, [rand(4, 5)])


def test_dropout_scales_kept_units_and_is_identity_in_inference():
    x = Tensor(np.ones((200, 50), np.float32))
    y = F.dropout(x, 0.3).data
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.02
    assert F.dropout(x, 0.3, training=False) is x
    with pytest.raises(ValueError, match="rate"):
        F.dropout(x, 1.0)


def test_dropout_noise_shape_drops_whole_columns():
    y = F.dropout(Tensor(np.ones((8, 20), np.float32)), 0.5, noise_shape=(1, 20)).data
    assert np.all((y == 0).all(0) | (y != 0).all(0))


def test_scalar_results_keep_float64():
    x = Tensor(np.array([1.0, 2.0, 3.0]))
    assert F.matmul(x, x).dtype == np.float64          # NumPy returns a scalar here, not an array
    assert (x.sum() * 2.0).dtype == np.float64
    assert float(F.matmul(x, x)) == 14.0
    assert Tensor(np.float64(0.1)).data == np.float64(0.1)


def test_batch_norm_float32_statistics_survive_a_large_offset():
    """Channels-last float32 statistics are two-pass: a mean of 100 does not swamp a spread of 0.01."""
    x = (100 + 0.01 * np.random.default_rng(0).standard_normal((32, 6, 6, 4))).astype(np.float32)
    y, mean, var = F.batch_norm(x, np.ones(4, "float32"), np.zeros(4, "float32"), eps=1e-7, training=True)
    x64 = x.astype(np.float64).reshape(-1, 4)
    np.testing.assert_allclose(mean.data, x64.mean(0), rtol=1e-6)
    np.testing.assert_allclose(var.data, x64.var(0), rtol=1e-3)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data.reshape(-1, 4).std(0), 1, atol=0.01)
