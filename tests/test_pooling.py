"""Pooling, resampling, padding/cropping and spatial regularization: gradients, values, shapes, errors."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor, gradcheck
from axon.layers import (MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D,
                         MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D,
                         UpSampling2D, ZeroPadding2D, Cropping2D, SpatialDropout2D, SpatialDropout1D,
                         GaussianNoise)

R = np.random.default_rng(5)


def distinct(*shape):
    """Values far apart (no ties inside a pooling window, so max is differentiable)."""
    n = int(np.prod(shape))
    return (R.permutation(n) - n / 2).reshape(shape) * 0.1


# ----- gradient checks

@pytest.mark.parametrize("pool,strides,padding,hw", [
    (2, None, "valid", (4, 4)),        # tiles the input
    (2, None, "valid", (5, 5)),        # a leftover row and column
    (3, 1, "valid", (5, 4)),           # overlapping windows
    (3, 2, "same", (5, 6)),
    ((2, 3), (1, 2), "same", (4, 5)),
    (2, 3, "valid", (7, 7)),           # gaps between windows
])
@pytest.mark.parametrize("op", ["max", "avg"])
def test_pool_gradcheck(op, pool, strides, padding, hw):
    fn = F.max_pool2d if op == "max" else F.avg_pool2d
    assert gradcheck(lambda x: fn(x, pool, strides, padding), [distinct(2, *hw, 2)])


@pytest.mark.parametrize("fn", [F.global_avg_pool2d, F.global_max_pool2d])
def test_global_pool_gradcheck(fn):
    assert gradcheck(fn, [distinct(2, 3, 4, 2)])


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_upsample_gradcheck(interpolation):
    assert gradcheck(lambda x: F.upsample2d(x, (2, 3), interpolation), [distinct(2, 3, 2, 2)])


# ----- values

def test_max_pool_values_and_first_maximum_gets_the_gradient():
    x = Tensor(np.array([[1, 3, 2, 2], [3, 0, 2, 1], [0, 0, 5, 6], [0, 0, 7, 4]],
                        dtype=np.float64).reshape(1, 4, 4, 1), requires_grad=True)
    y = F.max_pool2d(x, 2)
    np.testing.assert_array_equal(y.data[0, :, :, 0], [[3, 2], [0, 7]])
    y.sum().backward()
    # ties: the first maximum in row-major window order takes the gradient, as PyTorch
    np.testing.assert_array_equal(x.grad[0, :, :, 0], [[0, 1, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0]])


def test_avg_pool_same_averages_real_pixels_only():
    x = np.ones((1, 5, 5, 1))
    np.testing.assert_allclose(F.avg_pool2d(x, 3, 2, "same").data, 1.0)
    y = F.max_pool2d(-np.ones((1, 5, 5, 1)), 3, 2, "same").data
    np.testing.assert_allclose(y, -1.0)  # the padding never wins a max


@pytest.mark.parametrize("layer,shape,out", [
    (MaxPooling2D(), (2, 28, 28, 3), (2, 14, 14, 3)),
    (MaxPooling2D(3, strides=2), (2, 7, 7, 3), (2, 3, 3, 3)),
    (MaxPooling2D(2, padding="same"), (2, 7, 7, 3), (2, 4, 4, 3)),
    (AveragePooling2D((2, 3)), (2, 6, 7, 3), (2, 3, 2, 3)),
    (MaxPooling2D(data_format="channels_first"), (2, 3, 8, 6), (2, 3, 4, 3)),
    (GlobalAveragePooling2D(), (2, 5, 5, 4), (2, 4)),
    (GlobalMaxPooling2D(keepdims=True), (2, 5, 5, 4), (2, 1, 1, 4)),
    (GlobalAveragePooling2D(data_format="channels_first"), (2, 4, 5, 5), (2, 4)),
    (MaxPooling1D(), (2, 9, 3), (2, 4, 3)),
    (AveragePooling1D(3, strides=1, padding="same"), (2, 9, 3), (2, 9, 3)),
    (GlobalAveragePooling1D(), (2, 9, 3), (2, 3)),
    (GlobalMaxPooling1D(), (2, 9, 3), (2, 3)),
    (UpSampling2D((2, 3)), (2, 3, 4, 5), (2, 6, 12, 5)),
    (UpSampling2D(2, data_format="channels_first"), (2, 5, 3, 4), (2, 5, 6, 8)),
    (ZeroPadding2D(((1, 2), (3, 4))), (2, 3, 4, 5), (2, 6, 11, 5)),
    (ZeroPadding2D(1, data_format="channels_first"), (2, 5, 3, 4), (2, 5, 5, 6)),
    (Cropping2D(((1, 0), (1, 2))), (2, 5, 6, 3), (2, 4, 3, 3)),
])
def test_layer_output_shapes(layer, shape, out):
    assert layer(np.zeros(shape, "float32")).shape == out


def test_channels_first_pooling_matches_channels_last():
    x = distinct(2, 6, 5, 3).astype(np.float32)
    a = AveragePooling2D(3, strides=2, padding="same")(x).data
    b = AveragePooling2D(3, strides=2, padding="same", data_format="channels_first")(x.transpose(0, 3, 1, 2)).data
    np.testing.assert_allclose(b.transpose(0, 2, 3, 1), a, rtol=1e-6)


def test_global_average_is_the_mean():
    x = distinct(2, 3, 4, 5).astype(np.float32)
    np.testing.assert_allclose(GlobalAveragePooling2D()(x).data, x.mean(axis=(1, 2)), rtol=1e-5)
    np.testing.assert_allclose(GlobalMaxPooling2D()(x).data, x.max(axis=(1, 2)))


def test_padding_and_cropping_values():
    x = np.arange(6, dtype=np.float32).reshape(1, 2, 3, 1)
    padded = ZeroPadding2D(((1, 0), (0, 2)))(x).data[0, :, :, 0]
    np.testing.assert_array_equal(padded, [[0, 0, 0, 0, 0], [0, 1, 2, 0, 0], [3, 4, 5, 0, 0]])
    np.testing.assert_array_equal(Cropping2D(((0, 1), (1, 1)))(x).data[0, :, :, 0], [[1]])


def test_nearest_upsampling_repeats():
    x = np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1)
    np.testing.assert_array_equal(UpSampling2D(2)(x).data[0, :, :, 0],
                                  [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]])


def test_bilinear_upsampling_keeps_constants_and_interpolates():
    y = UpSampling2D(3, interpolation="bilinear")(np.full((1, 2, 2, 2), 4.0, "float32")).data
    np.testing.assert_allclose(y, 4.0, rtol=1e-6)
    ramp = np.array([0.0, 1.0], dtype=np.float32).reshape(1, 1, 2, 1)
    row = UpSampling2D((1, 2), interpolation="bilinear")(ramp).data[0, 0, :, 0]
    np.testing.assert_allclose(row, [0, 0.25, 0.75, 1.0])  # half-pixel centres, as TF and PyTorch


# ----- regularization layers

def test_spatial_dropout_drops_whole_maps_in_training_only():
    x = np.ones((4, 5, 5, 16), "float32")
    layer = SpatialDropout2D(0.5)
    y = layer(x, training=True).data
    per_map = y.reshape(4, 25, 16)
    assert np.all(per_map.min(axis=1) == per_map.max(axis=1))  # each map all zero or all 2
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1
    np.testing.assert_array_equal(layer(x, training=False).data, x)
    z = SpatialDropout2D(0.5, data_format="channels_first")(np.ones((2, 8, 3, 3), "float32"), training=True).data
    assert np.all(z.min(axis=(2, 3)) == z.max(axis=(2, 3)))
    s = SpatialDropout1D(0.5)(np.ones((2, 6, 8), "float32"), training=True).data
    assert np.all(s.min(axis=1) == s.max(axis=1))


def test_gaussian_noise_in_training_only():
    x = np.zeros((200, 50), "float32")
    layer = GaussianNoise(0.5)
    y = layer(x, training=True).data
    assert abs(y.std() - 0.5) < 0.02 and y.dtype == np.float32
    np.testing.assert_array_equal(layer(x, training=False).data, x)


# ----- errors

def test_pool_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"MaxPooling2D 'mp'.*larger than the input"):
        MaxPooling2D(5, name="mp")(np.zeros((1, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="padding"):
        AveragePooling2D(padding="full")
    with pytest.raises(ValueError, match="4-D"):
        MaxPooling2D()(np.zeros((2, 4, 4), "float32"))
    with pytest.raises(ValueError, match=r"Cropping2D.*leaves nothing"):
        Cropping2D(2)(np.zeros((1, 4, 4, 1), "float32"))
    with pytest.raises(ValueError, match="interpolation"):
        UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match="negative"):
        ZeroPadding2D(-1)


def test_pooling_in_a_trained_model_passes_gradients():
    model = axon.Sequential([axon.layers.Conv2D(4, 3, padding="same", input_shape=(6, 6, 1)),
                             MaxPooling2D(), AveragePooling2D(), GlobalAveragePooling2D(), axon.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = R.random((8, 6, 6, 1)).astype(np.float32), R.random((8, 2)).astype(np.float32)
    model.predict(x, verbose=0)
    before = model.layers[0].kernel.data.copy()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not np.allclose(before, model.layers[0].kernel.data)


def test_global_average_pooling_1d_masks_and_formats():
    """Keras: with a mask (N, steps) the mean is over the unmasked steps; the output has no mask."""
    from axon.layers import Embedding
    x = R.normal(0, 1, (2, 5, 3))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    out = GlobalAveragePooling1D()(x, mask=mask)
    np.testing.assert_allclose(out.data[0], x[0, :3].mean(0), rtol=1e-6)
    np.testing.assert_allclose(out.data[1], x[1].mean(0), rtol=1e-6)
    assert out._mask is None
    first = GlobalAveragePooling1D(data_format="channels_first", keepdims=True)(x.transpose(0, 2, 1), mask=mask)
    assert first.shape == (2, 3, 1)
    np.testing.assert_allclose(first.data[..., 0], out.data, rtol=1e-6)
    assert gradcheck(lambda t: GlobalAveragePooling1D(dtype="float64")(t, mask=mask), [x])
    tokens = np.array([[4, 2, 0, 0], [1, 2, 3, 4]])
    emb = Embedding(6, 3, mask_zero=True)
    pooled = GlobalAveragePooling1D()(emb(tokens))             # the mask the embedding carries is used
    np.testing.assert_allclose(pooled.data[0], emb.embeddings.data[[4, 2]].mean(0), rtol=1e-6)


@pytest.mark.parametrize("pool,strides,padding", [(2, None, "valid"), (3, 2, "same"), (3, 1, "valid")])
def test_max_pool_in_blocks_of_images_matches_one_block(monkeypatch, pool, strides, padding):
    """The pooling passes visit the batch a few images at a time (operands in cache); the values and
    the gradient, ties included (ReLU zeros, first maximum wins), do not depend on the block size."""
    import axon.ops.pooling as P
    x = np.maximum(R.normal(size=(7, 6, 8, 3)), 0).astype("float32")  # many all-zero windows

    def run():
        t = Tensor(x, requires_grad=True)
        y = F.max_pool2d(t, pool, strides, padding)
        (y * Tensor(np.arange(y.data.size, dtype="float32").reshape(y.shape))).sum().backward()
        return y.data, t.grad

    whole = run()
    monkeypatch.setattr(P, "_BLOCK_VALUES", 80)  # 36 or 72 output values an image: blocks of 1 or 2 images
    for a, b in zip(run(), whole):
        assert np.array_equal(a, b)
    assert P._blocks(0, 7, 36) == [(0, 2), (2, 4), (4, 6), (6, 7)]
