"""``axon.ops`` under Keras 3's ``keras.ops`` names and arguments: gradients of the differentiable
ones by finite differences (float64) and against PyTorch, and the behaviour of the others (dtypes,
shapes, NumPy and Python inputs, errors)."""
import inspect

import numpy as np
import pytest

import axon
from axon import Tensor, gradcheck, ops

R = np.random.default_rng(11)


def rand(*shape):
    return R.uniform(-1.0, 1.0, shape)


def distinct(*shape):
    """Values far apart (no ties for sort/top_k/max, no kinks for abs)."""
    n = int(np.prod(shape))
    return (R.permutation(n) - (n - 1) / 2).reshape(shape) * 0.3 + 0.07


# ----- argument names: Keras code may pass any argument by keyword

KERAS_SIGNATURES = {  # keras.ops name: its leading parameters, as keras/src/ops declares them
    "add": ["x1", "x2"], "subtract": ["x1", "x2"], "multiply": ["x1", "x2"], "divide": ["x1", "x2"],
    "power": ["x1", "x2"], "negative": ["x"], "absolute": ["x"], "abs": ["x"], "square": ["x"],
    "sqrt": ["x"], "exp": ["x"], "log": ["x"], "log1p": ["x"], "expm1": ["x"], "erf": ["x"],
    "rsqrt": ["x"], "sign": ["x"], "floor": ["x"], "ceil": ["x"], "round": ["x", "decimals"],
    "maximum": ["x1", "x2"], "minimum": ["x1", "x2"], "clip": ["x", "x_min", "x_max"],
    "where": ["condition", "x1", "x2"], "cast": ["x", "dtype"],
    "sum": ["x", "axis", "keepdims"], "mean": ["x", "axis", "keepdims"], "max": ["x", "axis", "keepdims"],
    "min": ["x", "axis", "keepdims"], "var": ["x", "axis", "keepdims"], "std": ["x", "axis", "keepdims"],
    "logsumexp": ["x", "axis", "keepdims"], "any": ["x", "axis", "keepdims"], "all": ["x", "axis", "keepdims"],
    "reshape": ["x", "newshape"], "transpose": ["x", "axes"], "swapaxes": ["x", "axis1", "axis2"],
    "broadcast_to": ["x", "shape"], "concatenate": ["xs", "axis"], "stack": ["x", "axis"],
    "split": ["x", "indices_or_sections", "axis"], "pad": ["x", "pad_width", "mode", "constant_values"],
    "expand_dims": ["x", "axis"], "squeeze": ["x", "axis"], "matmul": ["x1", "x2"],
    "argmax": ["x", "axis", "keepdims"], "argmin": ["x", "axis", "keepdims"], "argsort": ["x", "axis"],
    "sort": ["x", "axis"], "take": ["x", "indices", "axis"], "take_along_axis": ["x", "indices", "axis"],
    "top_k": ["x", "k", "sorted"], "norm": ["x", "ord", "axis", "keepdims"],
    "one_hot": ["x", "num_classes", "axis", "dtype"], "zeros": ["shape", "dtype"], "ones": ["shape", "dtype"],
    "full": ["shape", "fill_value", "dtype"], "zeros_like": ["x", "dtype"], "ones_like": ["x", "dtype"],
    "full_like": ["x", "fill_value", "dtype"], "arange": ["start", "stop", "step", "dtype"],
    "eye": ["N", "M", "k", "dtype"], "equal": ["x1", "x2"], "not_equal": ["x1", "x2"],
    "greater": ["x1", "x2"], "greater_equal": ["x1", "x2"], "less": ["x1", "x2"], "less_equal": ["x1", "x2"],
    "logical_and": ["x1", "x2"], "logical_or": ["x1", "x2"], "logical_xor": ["x1", "x2"],
    "logical_not": ["x"], "isnan": ["x"], "isinf": ["x"], "isfinite": ["x"],
    "convert_to_tensor": ["x", "dtype"], "convert_to_numpy": ["x"], "stop_gradient": ["variable"],
    "shape": ["x"], "size": ["x"], "dtype": ["x"], "softmax": ["x", "axis"], "relu": ["x"],
    "sigmoid": ["x"], "tanh": ["x"],
}


@pytest.mark.parametrize("name", sorted(KERAS_SIGNATURES))
def test_keras_argument_names(name):
    params = list(inspect.signature(getattr(ops, name)).parameters)
    expected = KERAS_SIGNATURES[name]
    assert params[:len(expected)] == expected, f"ops.{name}{inspect.signature(getattr(ops, name))}"


def test_shape_is_a_function_giving_a_tuple_of_ints():
    assert callable(ops.shape)
    s = ops.shape(Tensor(np.zeros((2, 3, 4))))
    assert s == (2, 3, 4) and type(s) is tuple and all(type(n) is int for n in s)
    assert ops.shape(np.zeros((5,))) == (5,) and ops.shape(3.0) == ()
    assert ops.size(np.zeros((2, 3))) == 6 and type(ops.size(Tensor([1.0, 2.0]))) is int


# ----- differentiable ops: finite differences in float64

IDX = np.array([[0, 2], [2, 2]])   # a repeated index: its gradients must add up

GRAD_CASES = {
    "subtract": (ops.subtract, [rand(2, 3), rand(3)]),
    "multiply": (ops.multiply, [rand(2, 3), rand(2, 1)]),
    "divide": (ops.divide, [rand(2, 3), R.uniform(0.5, 2, (3,))]),
    "power": (ops.power, [R.uniform(0.5, 2, (2, 3)), rand(3)]),
    "negative": (ops.negative, [rand(2, 2)]),
    "absolute": (ops.absolute, [distinct(2, 3)]),
    "concatenate_default_axis0": (lambda a, b: ops.concatenate([a, b]), [rand(2, 3), rand(1, 3)]),
    "concatenate_last": (lambda a, b: ops.concatenate([a, b], axis=-1), [rand(2, 3), rand(2, 1)]),
    "clip_keras_names": (lambda a: ops.clip(a, x_min=-0.3, x_max=0.4), [distinct(3, 4)]),
    "where_keras_names": (lambda a, b: ops.where(condition=a > 0, x1=a, x2=b), [distinct(2, 3), rand(3)]),
    "reshape_newshape": (lambda a: ops.reshape(a, newshape=(3, -1)), [rand(2, 3)]),
    "pad_constant_values": (lambda a: ops.pad(a, [(1, 0), (0, 2)], constant_values=0.5), [rand(2, 2)]),
    "take_flat": (lambda a: ops.take(a, IDX), [rand(2, 3)]),
    "take_axis1": (lambda a: ops.take(a, IDX, axis=1), [rand(2, 3, 2)]),
    "take_negative_axis": (lambda a: ops.take(a, np.array([1, -1]), axis=-1), [rand(2, 3)]),
    "take_along_axis": (lambda a: ops.take_along_axis(a, np.array([[2, 0, 2], [1, 1, 0]]), axis=1), [rand(2, 3)]),
    "take_along_axis_broadcast": (lambda a: ops.take_along_axis(a, np.array([[1], [0]]), axis=0), [rand(2, 4)]),
    "take_along_axis_flat": (lambda a: ops.take_along_axis(a, np.array([5, 0, 5])), [rand(2, 3)]),
    "sort": (lambda a: ops.sort(a, axis=0), [distinct(3, 4)]),
    "top_k_values": (lambda a: ops.top_k(a, 2)[0], [distinct(3, 5)]),
    "norm_l2_all": (ops.norm, [rand(2, 3)]),
    "norm_l2_axis": (lambda a: ops.norm(a, axis=-1, keepdims=True), [rand(3, 4)]),
    "norm_l1": (lambda a: ops.norm(a, ord=1, axis=0), [distinct(3, 4)]),
    "norm_inf": (lambda a: ops.norm(a, ord=np.inf, axis=1), [distinct(3, 4)]),
    "norm_neg_inf": (lambda a: ops.norm(a, ord=-np.inf, axis=1), [distinct(3, 4)]),
    "norm_p3": (lambda a: ops.norm(a, ord=3, axis=1), [distinct(2, 4)]),
    "norm_fro": (lambda a: ops.norm(a, ord="fro", axis=(1, 2)), [rand(2, 3, 4)]),
    "norm_matrix_1": (lambda a: ops.norm(a, ord=1), [distinct(3, 4)]),
    "norm_matrix_inf": (lambda a: ops.norm(a, ord=np.inf, axis=(0, 1), keepdims=True), [distinct(3, 4)]),
    "log1p": (ops.log1p, [R.uniform(-0.5, 2, (2, 3))]),
    "expm1": (ops.expm1, [rand(2, 3)]),
    "erf": (ops.erf, [R.normal(0, 1.5, (2, 3))]),
    "rsqrt": (ops.rsqrt, [R.uniform(0.5, 2, (2, 3))]),
    "cast_keeps_float_grad": (lambda a: ops.cast(a, "float64") * 2, [rand(3)]),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradcheck(name):
    fn, inputs = GRAD_CASES[name]
    assert gradcheck(fn, inputs)


def test_norm_gradient_at_zero_is_zero():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    ops.norm(x, axis=1).sum().backward()
    assert np.array_equal(x.grad, np.zeros((2, 3)))


def test_ops_take_numpy_and_python_inputs():
    a = np.array([[1.0, -2.0], [3.0, 4.0]])
    assert isinstance(ops.subtract(a, 1.0), Tensor)
    np.testing.assert_allclose(ops.multiply(a, 2).numpy(), a * 2)
    np.testing.assert_allclose(ops.concatenate([a, a], axis=1).numpy(), np.concatenate([a, a], 1))
    np.testing.assert_allclose(ops.take(a, [1]).numpy(), [-2.0])
    np.testing.assert_allclose(ops.norm(a).item(), np.linalg.norm(a), rtol=1e-12)
    np.testing.assert_allclose(ops.norm([3, 4]).item(), 5.0)    # ints are taken as floatx
    assert ops.norm([3, 4]).dtype == np.float32
    assert ops.log1p(a.clip(0)).shape == (2, 2) and ops.squeeze(np.zeros((1, 2))).shape == (2,)
    # Python lists, as Keras takes them
    assert ops.sort([3, 1, 2]).tolist() == [1, 2, 3] and ops.top_k([3.0, 1.0, 2.0], 2)[1].tolist() == [0, 2]
    assert ops.take([[1, 2], [3, 4]], [1], axis=1).tolist() == [[2], [4]]
    assert ops.take_along_axis([[1, 2]], np.array([[1, 1]]), axis=1).tolist() == [[2, 2]]
    assert ops.norm([3.0, 4.0]).item() == 5.0 and ops.cast([1, 2], "float64").dtype == np.float64


# ----- non-differentiable ops

def test_comparisons_and_logic_give_bool_tensors_without_grad():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for fn in (ops.equal, ops.not_equal, ops.greater, ops.greater_equal, ops.less, ops.less_equal):
        out = fn(x, 2.0)
        assert isinstance(out, Tensor) and out.dtype == np.bool_ and not out.requires_grad
    assert ops.greater_equal(x, 2).tolist() == [False, True, True]
    assert ops.not_equal([1, 2], np.array([1, 3])).tolist() == [False, True]
    a, b = np.array([True, True, False]), Tensor([True, False, False])
    assert ops.logical_and(a, b).tolist() == [True, False, False]
    assert ops.logical_or(a, b).tolist() == [True, True, False]
    assert ops.logical_xor(a, b).tolist() == [False, True, False]
    assert ops.logical_not(b).tolist() == [False, True, True]
    assert ops.isnan([np.nan, 1.0]).tolist() == [True, False]
    assert ops.isfinite([np.inf, 1.0]).tolist() == [False, True] and ops.isinf([np.inf]).tolist() == [True]
    m = np.array([[True, False], [True, True]])
    assert ops.any(m, axis=0).tolist() == [True, True] and ops.all(m, axis=1).tolist() == [False, True]
    assert ops.all(m, axis=[0, 1], keepdims=True).shape == (1, 1) and ops.any(m).item() is True


def test_one_hot_shape_axis_and_out_of_range_ids():
    out = ops.one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert out.shape == (2, 2, 3) and out.dtype == np.float32 and not out.requires_grad
    assert ops.one_hot([0, 2], 3, axis=0).tolist() == [[1, 0], [0, 0], [0, 1]]
    assert ops.one_hot([-1, 3, 1], 3).tolist() == [[0, 0, 0], [0, 0, 0], [0, 1, 0]]  # as Keras's TF/JAX
    assert ops.one_hot(Tensor(np.array([1])), 2, dtype="int32").dtype == np.int32
    with pytest.raises(ValueError, match="one_hot: x must hold integer class ids"):
        ops.one_hot(np.array([0.5]), 2)
    with pytest.raises(ValueError, match="num_classes must be a positive int"):
        ops.one_hot([0], 0)


def test_one_hot_matches_torch():
    torch = pytest.importorskip("torch")
    ids = R.integers(0, 5, (4, 3))
    want = torch.nn.functional.one_hot(torch.tensor(ids), 5).numpy()
    assert np.array_equal(ops.one_hot(ids, 5).numpy(), want)


def test_argmax_argmin_int32_keepdims_and_torch():
    torch = pytest.importorskip("torch")
    x = distinct(3, 4)
    for axis in (0, 1, -1):
        out = ops.argmax(x, axis=axis)
        assert out.dtype == np.int32
        assert np.array_equal(out.numpy(), torch.argmax(torch.tensor(x), dim=axis).numpy())
        assert np.array_equal(ops.argmin(Tensor(x), axis=axis).numpy(), torch.argmin(torch.tensor(x), dim=axis).numpy())
    assert ops.argmax(x, axis=1, keepdims=True).shape == (3, 1)
    assert ops.argmax(x).item() == int(np.argmax(x))           # over the flattened x, as Keras


def test_creation_dtypes_and_values():
    assert ops.zeros((2, 3)).dtype == np.float32 and ops.ones((2,), dtype="int32").tolist() == [1, 1]
    assert ops.full((2,), 7.0).tolist() == [7.0, 7.0] and ops.full((1,), 2, dtype="int64").dtype == np.int64
    x = np.array([[1, 2]], dtype=np.int64)
    assert ops.zeros_like(x).dtype == np.int64 and ops.ones_like(Tensor([1.0])).dtype == np.float32
    assert ops.full_like(x, 5, dtype="float64").tolist() == [[5.0, 5.0]]
    assert ops.arange(4).dtype == np.int32 and ops.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert ops.arange(0, 1, 0.25).dtype == np.float32 and ops.arange(2.0).tolist() == [0.0, 1.0]
    assert ops.eye(2, 3, k=1).tolist() == [[0, 1, 0], [0, 0, 1]]
    for t in (ops.zeros((1,)), ops.arange(3), ops.eye(2)):
        assert isinstance(t, Tensor) and not t.requires_grad


def test_convert_to_tensor_and_numpy():
    assert ops.convert_to_tensor([1, 2]).dtype == np.int32                 # Keras: Python ints -> int32
    assert ops.convert_to_tensor([[0.5]]).dtype == np.float32
    assert ops.convert_to_tensor(np.arange(2, dtype=np.int64)).dtype == np.int64
    assert ops.convert_to_tensor(np.float64(1.5)).dtype == np.float64
    assert ops.convert_to_tensor([1, 2], dtype="float64").dtype == np.float64
    assert ops.convert_to_tensor(True).dtype == np.bool_
    t = Tensor([1.0], requires_grad=True)
    assert ops.convert_to_tensor(t) is t
    assert ops.convert_to_tensor(t, dtype="float64").dtype == np.float64
    arr = ops.convert_to_numpy(t)
    assert type(arr) is np.ndarray and arr.tolist() == [1.0]
    arr[0] = 9.0
    assert t.data[0] == 1.0                     # a copy: writing to it leaves the tensor alone
    assert type(ops.convert_to_numpy([1, 2])) is np.ndarray
    assert ops.dtype(Tensor([1.0])) == "float32" and ops.dtype([1]) == "int32" and ops.dtype(True) == "bool"


def test_stop_gradient_blocks_the_gradient():
    x = Tensor([2.0, 3.0], requires_grad=True)
    y = (x * ops.stop_gradient(x)).sum()     # d/dx = stop_gradient(x), not 2x
    y.backward()
    assert x.grad.tolist() == [2.0, 3.0]


def test_rounding_has_no_gradient():
    x = Tensor([-1.5, 0.4, 2.5], requires_grad=True)
    for fn in (ops.sign, ops.floor, ops.ceil, ops.round):
        assert not fn(x).requires_grad
    assert ops.floor(x).tolist() == [-2.0, 0.0, 2.0] and ops.ceil(x).tolist() == [-1.0, 1.0, 3.0]
    assert ops.round(x).tolist() == [-2.0, 0.0, 2.0] and ops.sign(x).tolist() == [-1.0, 1.0, 1.0]
    assert ops.round(np.array([1.26, -0.04]), decimals=1).tolist() == [1.3, -0.0]


def test_where_without_values_gives_indices():
    rows, cols = ops.where(np.array([[True, False], [False, True]]))
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]
    with pytest.raises(ValueError, match="where: give both x1 and x2"):
        ops.where([True], 1.0)


def test_errors_name_the_op_and_argument():
    with pytest.raises(ValueError, match="pad: only mode='constant'"):
        ops.pad(np.zeros(2), [(1, 1)], mode="reflect")
    with pytest.raises(ValueError, match="give the padding value once"):
        ops.pad(np.zeros(2), [(1, 1)], constant_values=1.0, value=2.0)
    with pytest.raises(ValueError, match=r"top_k: k must be in \[1, 3\]"):
        ops.top_k(np.zeros((2, 3)), 4)
    with pytest.raises(ValueError, match="take: indices must be integers"):
        ops.take(np.zeros(3), np.array([0.0]))
    with pytest.raises(ValueError, match="take_along_axis: indices must have as many axes as x"):
        ops.take_along_axis(np.zeros((2, 3)), np.array([0]), axis=1)
    with pytest.raises(ValueError, match="nuclear and spectral norms"):
        ops.norm(np.zeros((2, 2)), ord="nuc")
    with pytest.raises(ValueError, match="x must be 1-D or 2-D"):
        ops.norm(np.zeros((2, 2, 2)), ord=1)
    with pytest.raises(ValueError, match="axis must be one int or two different ints"):
        ops.norm(np.zeros((2, 2, 2)), axis=(0, 1, 2))


def test_top_k_ties_keep_their_order():
    values, indices = ops.top_k(np.array([[1.0, 3.0, 3.0, 0.0]]), 3)
    assert values.tolist() == [[3.0, 3.0, 1.0]] and indices.tolist() == [[1, 2, 0]]
    assert indices.dtype == np.int32 and ops.top_k(np.array([2, 5, 1]), 1)[0].tolist() == [5]


# ----- PyTorch parity, values and gradients

def _torch_cases(torch):
    return {
        "cat": (lambda a, b: ops.concatenate([a, b], axis=-1), lambda a, b: torch.cat([a, b], dim=-1),
                [rand(2, 3), rand(2, 2)]),
        "take_along_axis": (lambda a: ops.take_along_axis(a, IDX, axis=1),
                            lambda a: torch.take_along_dim(a, torch.tensor(IDX), dim=1), [rand(2, 3)]),
        "take_flat": (lambda a: ops.take(a, IDX), lambda a: torch.take(a, torch.tensor(IDX)), [rand(2, 3)]),
        "index_select": (lambda a: ops.take(a, np.array([2, 0, 2]), axis=1),
                         lambda a: torch.index_select(a, 1, torch.tensor([2, 0, 2])), [rand(2, 3)]),
        "sort": (lambda a: ops.sort(a, axis=0), lambda a: torch.sort(a, dim=0).values, [distinct(4, 3)]),
        "topk": (lambda a: ops.top_k(a, 3)[0], lambda a: torch.topk(a, 3).values, [distinct(2, 5)]),
        "vector_norm": (lambda a: ops.norm(a, axis=1), lambda a: torch.linalg.vector_norm(a, dim=1),
                        [rand(3, 4)]),
        "vector_norm_p3": (lambda a: ops.norm(a, ord=3, axis=0),
                           lambda a: torch.linalg.vector_norm(a, ord=3, dim=0), [distinct(3, 4)]),
        "matrix_norm_1": (lambda a: ops.norm(a, ord=1), lambda a: torch.linalg.matrix_norm(a, ord=1),
                          [distinct(3, 4)]),
        "frobenius": (lambda a: ops.norm(a, axis=(0, 2)), lambda a: torch.linalg.norm(a, dim=(0, 2)),
                      [rand(2, 3, 2)]),
        "log1p": (ops.log1p, torch.log1p, [R.uniform(-0.5, 2, (3, 4))]),
        "expm1": (ops.expm1, torch.expm1, [rand(3, 4)]),
        "erf": (ops.erf, torch.erf, [R.normal(0, 1.5, (3, 4))]),
        "rsqrt": (ops.rsqrt, torch.rsqrt, [R.uniform(0.5, 2, (3, 4))]),
    }


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_torch_parity(dtype):
    torch = pytest.importorskip("torch")
    tol = {np.float32: dict(rtol=1e-4, atol=1e-6), np.float64: dict(rtol=1e-9, atol=1e-12)}[dtype]
    for name, (fn, tfn, inputs) in _torch_cases(torch).items():
        arrays = [a.astype(dtype) for a in inputs]
        xs = [Tensor(a, requires_grad=True) for a in arrays]
        ts = [torch.tensor(a, requires_grad=True) for a in arrays]
        out, tout = fn(*xs), tfn(*ts)
        assert out.dtype == dtype, name
        np.testing.assert_allclose(out.data, tout.detach().numpy(), err_msg=name, **tol)
        proj = R.normal(0, 1, out.shape).astype(dtype)
        (out * Tensor(proj)).sum().backward()
        (tout * torch.tensor(proj)).sum().backward()
        for x, t in zip(xs, ts):
            np.testing.assert_allclose(x.grad, t.grad.numpy(), err_msg=name, **tol)


def test_comparisons_match_torch():
    torch = pytest.importorskip("torch")
    a, b = R.integers(0, 3, (3, 4)).astype(float), R.integers(0, 3, (4,)).astype(float)
    ta, tb = torch.tensor(a), torch.tensor(b)
    pairs = [(ops.equal, torch.eq), (ops.not_equal, torch.ne), (ops.greater, torch.gt),
             (ops.greater_equal, torch.ge), (ops.less, torch.lt), (ops.less_equal, torch.le)]
    for fn, tfn in pairs:
        assert np.array_equal(fn(a, b).numpy(), tfn(ta, tb).numpy()), fn.__name__


def test_keras_style_expression_trains_a_weight():
    """A custom-layer expression in Keras idiom, differentiated end to end."""
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    scores = ops.matmul(x, ops.expand_dims(w, axis=-1))
    mask = ops.cast(ops.greater(scores, 0.0), "float64")
    loss = ops.mean(ops.square(scores) * mask) + ops.sum(ops.abs(w)) * 0.1
    loss.backward()
    s = x @ w
    want = (2 * s * (s > 0)) @ x / 2 + 0.1 * np.sign(w.data)
    np.testing.assert_allclose(w.grad, want, rtol=1e-12)
    assert axon.ops.shape(scores) == (2, 1)
