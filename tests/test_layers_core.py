"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Lambda, normalization, merge layers,
weights bookkeeping, freezing, regularizers, custom layers with sub-layers."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor, gradcheck
from axon.layers import (Activation, Add, Average, BatchNormalization, Concatenate, Dense, Dropout,
                         Flatten, Lambda, Layer, LayerNormalization, Multiply, Reshape, Subtract)
from axon.regularizers import L1, L2, L1L2

R = np.random.default_rng(3)


def f64(*shape):
    return Tensor(R.normal(0, 1, shape))


def test_dense_shapes_and_values():
    layer = Dense(4, activation="relu")
    x = R.normal(0, 1, (3, 5)).astype(np.float32)
    y = layer(x)
    assert y.shape == (3, 4) and y.dtype == np.float32
    assert layer.kernel.shape == (5, 4) and layer.bias.shape == (4,)
    np.testing.assert_allclose(y.data, np.maximum(x @ layer.kernel.data + layer.bias.data, 0), rtol=1e-6)
    assert layer.count_params() == 24
    assert Dense(2)(np.ones((2, 3, 5), np.float32)).shape == (2, 3, 2)   # any leading axes
    assert Dense(2, use_bias=False)(np.ones((1, 3), np.float32)) is not None


def test_dense_gradcheck_in_float64():
    layer = Dense(3, activation="tanh", dtype="float64")
    layer.build_from_shape((4,), dtype=np.float64)
    assert layer.kernel.dtype == np.float64
    assert gradcheck(lambda x: layer(x), [R.normal(0, 1, (2, 4))])


def test_dense_weight_gradients_by_finite_differences():
    layer = Dense(2, dtype="float64")
    x = f64(3, 4)
    (layer(x) ** 2).sum().backward()
    k = layer.kernel.data
    num = np.zeros_like(k)
    for i in np.ndindex(k.shape):
        old = k[i]
        k[i] = old + 1e-6
        up = float((F.linear(x, layer.kernel, layer.bias) ** 2).sum().data)
        k[i] = old - 1e-6
        down = float((F.linear(x, layer.kernel, layer.bias) ** 2).sum().data)
        k[i] = old
        num[i] = (up - down) / 2e-6
    np.testing.assert_allclose(layer.kernel.grad, num, rtol=1e-6)


def test_dense_rejects_bad_units():
    with pytest.raises(ValueError, match="units"):
        Dense(0)


def test_glorot_uniform_limits():
    layer = Dense(300)
    layer.build_from_shape((200,))
    limit = np.sqrt(6 / 500)
    k = layer.kernel.data
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.95 * limit
    np.testing.assert_array_equal(layer.bias.data, 0)


def test_activation_flatten_reshape_lambda():
    x = R.normal(0, 1, (2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(Activation("tanh")(x).data, np.tanh(x), rtol=1e-6)
    assert Flatten()(x).shape == (2, 12)
    assert Reshape((4, 3))(x).shape == (2, 4, 3)
    assert Reshape((-1, 2))(x).shape == (2, 6, 2)
    with pytest.raises(ValueError, match=r"cannot reshape samples of shape \(3, 4\)"):
        Reshape((5, 2))(x)
    np.testing.assert_allclose(Lambda(lambda t: t * 2.0)(x).data, 2 * x)


def test_dropout_layer_training_and_inference():
    layer = Dropout(0.5)
    x = np.ones((100, 40), np.float32)
    np.testing.assert_array_equal(layer(x, training=False).data, x)
    y = layer(x, training=True).data
    assert set(np.unique(y)) == {0.0, 2.0}
    # PyTorch way: the mode set by train()/eval() is used when training is not given
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, x)
    layer.train()
    assert (layer(x).data == 0).any()
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.5)


def test_dropout_noise_shape_with_none():
    y = Dropout(0.5, noise_shape=(None, 1, 6))(np.ones((4, 5, 6), np.float32), training=True).data
    assert np.all((y == y[:, :1, :]))          # one mask shared along axis 1


def test_dropout_layer_gradcheck_with_seed():
    layer = Dropout(0.4)

    def fn(x):
        axon.manual_seed(9)
        return layer(x, training=True)
    assert gradcheck(fn, [R.normal(0, 1, (3, 4))])


def test_batch_norm_layer_updates_moving_statistics():
    layer = BatchNormalization(momentum=0.5)
    x = R.normal(3, 2, (64, 3)).astype(np.float32)
    layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.data, 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.data, 0.5 + 0.5 * x.var(0, ddof=1), rtol=1e-5)
    before = layer.moving_mean.data.copy()
    layer(x, training=False)
    np.testing.assert_array_equal(layer.moving_mean.data, before)
    assert [w.name.split("/")[1] for w in layer.trainable_weights] == ["gamma", "beta"]
    assert len(layer.non_trainable_weights) == 2


def test_batch_norm_layer_gradcheck_train_nhwc():
    layer = BatchNormalization(dtype="float64")
    layer.build_from_shape((2, 2, 3), dtype=np.float64)
    assert gradcheck(lambda x: layer(x, training=True), [R.normal(0, 1, (2, 2, 2, 3))])


def test_frozen_batch_norm_uses_and_keeps_moving_statistics():
    layer = BatchNormalization()
    layer.build_from_shape((3,))
    layer.moving_mean.data[...] = [1.0, 2.0, 3.0]
    layer.trainable = False
    x = R.normal(0, 1, (8, 3)).astype(np.float32)
    y = layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.data, [1, 2, 3])
    np.testing.assert_allclose(y.data, (x - [1, 2, 3]) / np.sqrt(1 + 1e-3), rtol=1e-5)
    assert not layer.gamma.requires_grad and layer.trainable_weights == []


def test_layer_normalization_layer():
    layer = LayerNormalization(dtype="float64")
    layer.build_from_shape((5,), dtype=np.float64)
    x = R.normal(2, 3, (4, 5))
    y = layer(Tensor(x)).data
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-12)
    assert gradcheck(lambda t: layer(t), [x])


@pytest.mark.parametrize("axis", [1, (1, 2), (2, 0), -1])
def test_layer_normalization_over_any_axes(axis):
    x = R.normal(1, 2, (2, 3, 4))
    layer = LayerNormalization(axis=axis, epsilon=0.0, dtype="float64")
    y = layer(Tensor(x)).data
    axes = axis if isinstance(axis, tuple) else (axis,)
    ref = (x - x.mean(axes, keepdims=True)) / x.std(axes, keepdims=True)
    np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-12)
    assert layer.gamma.shape == tuple(x.shape[a] for a in sorted(a % 3 for a in axes))


def test_merge_layers():
    a, b = R.normal(0, 1, (2, 3)).astype(np.float32), R.normal(0, 1, (2, 3)).astype(np.float32)
    np.testing.assert_allclose(Add()([a, b]).data, a + b)
    np.testing.assert_allclose(Subtract()([a, b]).data, a - b)
    np.testing.assert_allclose(Multiply()([a, b]).data, a * b)
    np.testing.assert_allclose(Average()([a, b, a]).data, (2 * a + b) / 3, rtol=1e-6)
    assert Concatenate()([a, np.ones((2, 5), np.float32)]).shape == (2, 8)
    with pytest.raises(ValueError, match="equal shapes"):
        Add()([a, np.ones((2, 4), np.float32)])
    with pytest.raises(ValueError, match="at least 2 inputs"):
        Add()([a])


def test_merge_gradients_flow_to_every_input():
    a, b = f64(2, 3), f64(2, 3)
    assert gradcheck(lambda x, y: Multiply()([x, y]), [a.data, b.data])
    assert gradcheck(lambda x, y: Concatenate(axis=0)([x, y]), [a.data, b.data])


def test_trainable_flag_freezes_weights_and_sub_layers():
    class Block(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = Dense(3)
            self.outs = [Dense(2), Dense(1)]

        def call(self, x):
            return self.outs[1](self.outs[0](self.inner(x)))

    block = Block()
    block(np.ones((1, 4), np.float32))
    assert len(block.layers) == 3 and len(block.trainable_weights) == 6 and len(block.parameters()) == 6
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 6
    assert not any(w.requires_grad for w in block.weights)
    assert len(block.parameters()) == 6            # PyTorch-style: frozen ones are still listed
    block.trainable = True
    assert all(w.requires_grad for w in block.weights)


def test_get_and_set_weights():
    layer = Dense(2)
    layer.build_from_shape((3,))
    ws = layer.get_weights()
    assert [w.shape for w in ws] == [(3, 2), (2,)]
    layer.set_weights([np.ones((3, 2)), np.arange(2.0)])
    np.testing.assert_array_equal(layer.bias.data, [0, 1])
    with pytest.raises(ValueError, match=r"'dense\S*/kernel' has shape \(3, 2\).*\(2, 3\)"):
        layer.set_weights([np.ones((2, 3)), np.zeros(2)])
    with pytest.raises(ValueError, match="got 1 arrays"):
        layer.set_weights([np.ones((3, 2))])


@pytest.mark.parametrize("reg,expected", [(L1(0.1), lambda k: 0.1 * np.abs(k).sum()),
                                          (L2(0.01), lambda k: 0.01 * (k ** 2).sum()),
                                          (L1L2(0.1, 0.01), lambda k: 0.1 * np.abs(k).sum() + 0.01 * (k ** 2).sum()),
                                          ("l2", lambda k: 0.01 * (k ** 2).sum())])
def test_regularizer_penalty(reg, expected):
    layer = Dense(3, kernel_regularizer=reg, dtype="float64")
    layer.build_from_shape((4,), dtype=np.float64)
    (penalty,) = layer.losses
    assert float(penalty.data) == pytest.approx(expected(layer.kernel.data), rel=1e-12)
    penalty.backward()
    assert layer.kernel.grad is not None


def test_auto_names_are_unique():
    a, b = Dense(1), Dense(1)
    assert a.name != b.name and a.name.startswith("dense") and b.name.startswith("dense")
    assert BatchNormalization().name.startswith("batch_normalization")
    assert Dense(1, name="head").name == "head"


def test_layer_config_round_trip():
    from axon.serialization import deserialize, serialize
    layer = Dense(5, activation="gelu", kernel_regularizer=L2(0.001), name="d5")
    back = deserialize(serialize(layer))
    assert isinstance(back, Dense) and back.units == 5 and back.name == "d5"
    assert back.activation is F.gelu and back.kernel_regularizer.l2 == 0.001


@pytest.mark.parametrize("name,std", [("he_normal", np.sqrt(2 / 400)), ("glorot_normal", np.sqrt(2 / 600)),
                                      ("lecun_normal", np.sqrt(1 / 400)), ("he_uniform", np.sqrt(2 / 400)),
                                      ("glorot_uniform", np.sqrt(2 / 600)), ("random_normal", 0.05)])
def test_initializer_scales(name, std):
    w = axon.initializers.get(name)((400, 200))
    assert w.dtype == np.float32 and w.shape == (400, 200)
    assert w.std() == pytest.approx(std, rel=0.03)
    assert abs(w.mean()) < 0.05 * std
    if name.endswith("_normal") and name != "random_normal":
        assert np.abs(w).max() <= 2 * std / 0.8796 + 1e-6         # truncated at two std devs


def test_initializer_fans_of_a_conv_kernel_and_orthogonal():
    assert axon.initializers.compute_fans((3, 3, 8, 16)) == (72, 144)
    q = axon.initializers.get("orthogonal")((6, 4)).astype(np.float64)
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-6)
    np.testing.assert_array_equal(axon.initializers.Constant(0.5)((2,)), [0.5, 0.5])


def test_dropout_seed_gives_its_own_reproducible_masks():
    x = np.ones((6, 10), np.float32)
    a, b, c = Dropout(0.5, seed=3), Dropout(0.5, seed=3), Dropout(0.5, seed=4)
    ma = [a(x, training=True).data for _ in range(2)]
    axon.manual_seed(123)                       # the shared generator does not matter
    mb = [b(x, training=True).data for _ in range(2)]
    for u, v in zip(ma, mb):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(ma[0], ma[1])     # a sequence, not one mask repeated
    assert not np.array_equal(ma[0], c(x, training=True).data)


def test_frozen_layer_penalty_is_left_out_of_the_loss():
    layer = Dense(3, kernel_regularizer=axon.regularizers.L2(0.1))
    layer(np.ones((2, 4), "float32"))
    assert len(layer.losses) == 1
    layer.trainable = False
    assert layer.losses == []
