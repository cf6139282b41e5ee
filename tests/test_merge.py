"""Merge layers and Keras's functional merge helpers: values, gradients (float64 checks), Dot
against NumPy and PyTorch, shape errors, the functional API and saving."""
import numpy as np
import pytest

import axon
from axon import Tensor, gradcheck
from axon.layers import (Add, Average, Concatenate, Dense, Dot, Maximum, Minimum, Multiply, Subtract, add,
                         average, concatenate, dot, maximum, minimum, multiply, subtract)
from axon.serialization import deserialize, serialize

R = np.random.default_rng(6)
A, B, C = (R.normal(0, 1, (3, 4)) for _ in range(3))


@pytest.mark.parametrize("helper,cls,ref", [
    (add, Add, lambda a, b, c: a + b + c), (multiply, Multiply, lambda a, b, c: a * b * c),
    (average, Average, lambda a, b, c: (a + b + c) / 3),
    (maximum, Maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
    (minimum, Minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
    (concatenate, Concatenate, lambda a, b, c: np.concatenate([a, b, c], -1))])
def test_helpers_build_the_layer_and_call_it(helper, cls, ref):
    out = helper([A, B, C], name=f"merged_{cls.__name__.lower()}")
    np.testing.assert_allclose(out.data, ref(A, B, C), rtol=1e-6)
    np.testing.assert_allclose(cls()([A, B, C]).data, out.data, rtol=0)
    assert gradcheck(lambda a, b, c: helper([a, b, c]), [A, B, C])


def test_subtract_and_concatenate_axis():
    np.testing.assert_allclose(subtract([A, B]).data, A - B, rtol=1e-6)
    x, y = R.normal(0, 1, (2, 3, 4)), R.normal(0, 1, (2, 5, 4))
    np.testing.assert_allclose(concatenate([x, y], axis=1).data, np.concatenate([x, y], 1), rtol=1e-6)
    with pytest.raises(ValueError, match="must match except on axis -1"):
        concatenate([x, y])
    with pytest.raises(ValueError, match="inputs must have equal shapes"):
        maximum([A, np.ones((3, 5))])


@pytest.mark.parametrize("shapes,axes,ref", [
    (((3, 4), (3, 4)), 1, lambda a, b: (a * b).sum(-1, keepdims=True)),
    (((3, 4), (3, 4)), -1, lambda a, b: (a * b).sum(-1, keepdims=True)),
    (((2, 3, 4), (2, 5, 4)), 2, lambda a, b: np.einsum("ntd,nsd->nts", a, b)),
    (((2, 3, 4), (2, 3, 5)), 1, lambda a, b: np.einsum("ntd,nte->nde", a, b)),
    (((2, 3, 4), (2, 4, 5)), (2, 1), lambda a, b: a @ b)])
def test_dot_batch_products(shapes, axes, ref):
    a, b = R.normal(0, 1, shapes[0]), R.normal(0, 1, shapes[1])
    np.testing.assert_allclose(dot([a, b], axes=axes).data, ref(a, b), rtol=1e-5, atol=1e-6)
    assert gradcheck(lambda x, y: Dot(axes)([x, y]), [a, b])


def test_dot_normalize_is_cosine_similarity_as_torch():
    torch = pytest.importorskip("torch")
    a, b = A.astype(np.float32), B.astype(np.float32)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = dot([ta, tb], axes=1, normalize=True)
    pa, pb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ref = torch.nn.functional.cosine_similarity(pa, pb, dim=1)[:, None]
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = R.normal(0, 1, (3, 1)).astype(np.float32)
    (out * Tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ta.grad, pa.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(tb.grad, pb.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert gradcheck(lambda x, y: Dot(1, normalize=True)([x, y]), [A, B])


def test_dot_errors():
    with pytest.raises(ValueError, match="Dot: axes must be an int or a pair"):
        Dot((1, 2, 3))
    with pytest.raises(ValueError, match="sizes on axes 1 and 1 differ: 4 and 5"):
        dot([A, np.ones((3, 5))], axes=1)
    with pytest.raises(ValueError, match="include the batch axis 0"):
        dot([A, B], axes=0)
    with pytest.raises(ValueError, match="expected exactly 2 inputs"):
        dot([A, B, C], axes=1)


def test_functional_model_with_helpers_saves(tmp_path):
    a_in, b_in = axon.Input((4,)), axon.Input((4,))
    ha, hb = Dense(4)(a_in), Dense(4)(b_in)
    merged = concatenate([maximum([ha, hb]), minimum([ha, hb]), dot([ha, hb], axes=1, normalize=True),
                          subtract([ha, hb]), average([ha, hb])])
    model = axon.Model([a_in, b_in], Dense(1)(merged))
    expected = model.predict([A.astype(np.float32), B.astype(np.float32)], verbose=0)
    assert expected.shape == (3, 1)
    model.save(tmp_path / "merge.axon")
    loaded = axon.load_model(tmp_path / "merge.axon")
    np.testing.assert_allclose(loaded.predict([A.astype(np.float32), B.astype(np.float32)], verbose=0), expected,
                               rtol=1e-5)
    layer = Dot((2, 1), normalize=True, name="d")
    assert deserialize(serialize(layer)).get_config() == layer.get_config()
