"""Preprocessing and augmentation layers (Rescaling, Normalization, Resizing, CenterCrop, RandomFlip,
RandomRotation, RandomZoom, RandomTranslation, RandomContrast, RandomCrop) and the resampling op
under them: Keras's rules, oracles (PyTorch's interpolate, SciPy's ndimage), gradients to the
inputs, training-only augmentation, configs and saving."""
import numpy as np
import pytest

import axon
from axon import Tensor, gradcheck
from axon.layers import (CenterCrop, Dense, Normalization, RandomContrast, RandomCrop, RandomFlip,
                         RandomRotation, RandomTranslation, RandomZoom, Rescaling, Resizing)
from axon.ops import image as image_ops
from axon.serialization import deserialize, serialize

R = np.random.default_rng(8)
IMAGES = R.uniform(0, 1, (3, 7, 9, 2))


# ----- the resampling op
@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "nearest", "constant"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_matches_scipy(fill_mode, interpolation):
    ndimage = pytest.importorskip("scipy.ndimage")
    # rotation by 0.3 rad about the centre and a zoom: points land outside the image too
    t = np.array([np.cos(0.3) * 1.2, -np.sin(0.3), 1.5, np.sin(0.3), np.cos(0.3) * 0.9, -2.0, 0, 0])
    out = image_ops.affine_transform(IMAGES, t, interpolation, fill_mode, fill_value=0.5).data
    y, x = np.mgrid[0:7, 0:9].astype(float)
    coords = [t[3] * x + t[4] * y + t[5], t[0] * x + t[1] * y + t[2]]   # input (row, col)
    mode = {"wrap": "grid-wrap", "constant": "grid-constant"}.get(fill_mode, fill_mode)
    order = 1 if interpolation == "bilinear" else 0
    for n in range(3):
        for c in range(2):
            ref = ndimage.map_coordinates(IMAGES[n, :, :, c], coords, order=order, mode=mode, cval=0.5)
            if interpolation == "nearest":  # SciPy rounds halves differently; compare off the ties
                off_tie = (np.abs(np.abs(coords[0] % 1) - 0.5) > 1e-6) & (np.abs(np.abs(coords[1] % 1) - 0.5) > 1e-6)
                np.testing.assert_allclose(out[n, :, :, c][off_tie], ref[off_tie], atol=1e-12)
            else:
                np.testing.assert_allclose(out[n, :, :, c], ref, atol=1e-12)


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "nearest", "constant"])
def test_grid_sample_gradcheck(fill_mode):
    ys = R.uniform(-3, 9, (3, 4, 5))
    xs = R.uniform(-3, 11, (1, 4, 5))        # one grid of columns for every image
    assert gradcheck(lambda im: image_ops.grid_sample(im, ys, xs, "bilinear", fill_mode, 0.7), [IMAGES])


@pytest.mark.parametrize("size", [(14, 18), (3, 4), (7, 4), (5, 13)])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_resize_matches_torch_interpolate(size, interpolation):
    torch = pytest.importorskip("torch")
    x = IMAGES.astype(np.float32)
    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    mode = {"bilinear": "bilinear", "nearest": "nearest-exact"}[interpolation]   # half-pixel centres
    kw = {"align_corners": False} if interpolation == "bilinear" else {}
    ty = torch.nn.functional.interpolate(tx, size=size, mode=mode, antialias=False, **kw)
    layer_x = Tensor(x, requires_grad=True)
    y = Resizing(*size, interpolation=interpolation)(layer_x)
    np.testing.assert_allclose(y.data, ty.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-6)
    g = R.normal(0, 1, y.shape).astype(np.float32)
    (y * Tensor(g)).sum().backward()
    (ty * torch.tensor(g.transpose(0, 3, 1, 2))).sum().backward()
    np.testing.assert_allclose(layer_x.grad, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-5)


# ----- Rescaling, Normalization
def test_rescaling():
    x = np.array([[[[0, 255], [51, 102]]]], np.uint8)         # (1, 1, 2, 2)
    np.testing.assert_allclose(Rescaling(1 / 255)(x).data, x / 255, rtol=1e-6)
    np.testing.assert_allclose(Rescaling(1 / 127.5, offset=-1)(x).data, x / 127.5 - 1, rtol=1e-6)
    per_channel = Rescaling([1.0, 0.5], offset=[0.0, 1.0])(x)
    np.testing.assert_allclose(per_channel.data, x * [1.0, 0.5] + [0.0, 1.0], rtol=1e-6)
    assert per_channel.dtype == np.float32


def test_normalization_adapt_is_keras_rule():
    """Keras: mean and population variance over every axis but ``axis``; the output is
    (x - mean) / max(sqrt(variance), 1e-7)."""
    data = R.normal(3, 2, (50, 4, 3))
    data[:, :, 2] = 7.0                               # a constant feature: variance 0, floored at 1e-7
    layer = Normalization()
    layer.adapt(data)
    mean, var = data.mean(axis=(0, 1)), data.var(axis=(0, 1))
    np.testing.assert_allclose(layer.mean.data, mean, rtol=1e-6)
    np.testing.assert_allclose(layer.variance.data, var, rtol=1e-5, atol=1e-12)
    x = R.normal(3, 2, (5, 4, 3))
    expected = (x - mean) / np.maximum(np.sqrt(var), 1e-7)
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-4, atol=1e-4)
    per_position = Normalization(axis=(1, 2))
    per_position.adapt(data)
    assert per_position.mean.shape == (4, 3)
    np.testing.assert_allclose(per_position.variance.data, data.var(axis=0), rtol=1e-5, atol=1e-12)
    inverse = Normalization(invert=True)
    inverse.adapt(data[..., :2])
    np.testing.assert_allclose(inverse(np.zeros((1, 4, 2))).data[0, 0], data[..., :2].mean(axis=(0, 1)), rtol=1e-5)


def test_normalization_adapts_over_batches_exactly():
    data = R.normal(-1, 3, (70, 5))
    whole, batched = Normalization(), Normalization()
    whole.adapt(data)
    batched.adapt([data[:32], (data[32:64], None), data[64:]])      # (x, y) batches use x
    np.testing.assert_allclose(batched.mean.data, whole.mean.data, rtol=1e-6)
    np.testing.assert_allclose(batched.variance.data, whole.variance.data, rtol=1e-6)


def test_normalization_given_statistics_and_errors():
    layer = Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(layer(np.array([[1.0], [2.0], [3.0]])).data.ravel(),
                               [-1.4142135, -0.70710677, 0.0], rtol=1e-6)
    per_feature = Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0])
    np.testing.assert_allclose(per_feature(np.array([[3.0, 8.0]])).data, [[1.0, 2.0]], rtol=1e-6)
    assert per_feature.weights == []
    with pytest.raises(ValueError, match="give mean and variance together"):
        Normalization(mean=1.0)
    with pytest.raises(ValueError, match="same shape"):
        Normalization(mean=[1.0, 2.0], variance=[1.0])
    with pytest.raises(ValueError, match="were given to the constructor"):
        Normalization(mean=1.0, variance=1.0).adapt(np.ones((3, 1)))
    built = Normalization()
    built.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"built for inputs of shape \(4, 3\).*got data of shape \(4, 2\)"):
        built.adapt(np.ones((4, 2)))


def test_adapted_normalization_survives_save_and_load(tmp_path):
    x = R.normal(5, 3, (64, 3)).astype(np.float32)
    norm = Normalization()
    norm.adapt(x)
    model = axon.Sequential([axon.Input((3,)), norm, Dense(2)])
    expected = model.predict(x[:4], verbose=0)
    model.save(tmp_path / "norm.axon")
    loaded = axon.load_model(tmp_path / "norm.axon")
    np.testing.assert_allclose(loaded.predict(x[:4], verbose=0), expected, rtol=1e-6)
    restored = loaded.layers[0]
    np.testing.assert_allclose(restored.mean.data, x.mean(0), rtol=1e-5)
    assert restored.trainable_weights == [] and len(restored.non_trainable_weights) == 2


def test_gradients_reach_the_inputs():
    x = R.normal(0, 1, (2, 6, 5, 2))
    norm = Normalization(mean=[1.0, -1.0], variance=[4.0, 2.0], dtype="float64")
    for layer in (Rescaling(0.5, 1.0, dtype="float64"), norm, Resizing(4, 7, dtype="float64"),
                  Resizing(3, 3, crop_to_aspect_ratio=True, dtype="float64"), CenterCrop(3, 3, dtype="float64"),
                  CenterCrop(8, 8, dtype="float64")):
        assert gradcheck(layer, [x]), layer
    for make in (lambda: RandomFlip(seed=3, dtype="float64"), lambda: RandomCrop(4, 3, seed=1, dtype="float64"),
                 lambda: RandomRotation(0.2, seed=2, dtype="float64")):
        assert gradcheck(lambda t: make()(t, training=True), [x])   # a fresh layer: the same draw each time


# ----- Resizing, CenterCrop
def test_resizing_crop_to_aspect_ratio_and_channels_first():
    x = np.arange(2 * 4 * 8, dtype=np.float32).reshape(1, 4, 8, 2)
    out = Resizing(4, 4, crop_to_aspect_ratio=True)(x).data        # the central 4x4 window, unchanged
    np.testing.assert_array_equal(out, x[:, :, 2:6])
    cf = Resizing(2, 4, data_format="channels_first")(x.transpose(0, 3, 1, 2)).data
    np.testing.assert_allclose(cf.transpose(0, 2, 3, 1), Resizing(2, 4)(x).data, rtol=1e-6)
    with pytest.raises(ValueError, match="interpolation must be one of"):
        Resizing(2, 2, interpolation="bicubic")
    with pytest.raises(ValueError, match="not supported"):
        Resizing(2, 2, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match=r"Resizing .*expected 4-D input"):
        Resizing(2, 2)(np.zeros((4, 4, 3), np.float32))


def test_center_crop_keras_rule():
    x = np.arange(7 * 6, dtype=np.float32).reshape(1, 7, 6, 1)
    np.testing.assert_array_equal(CenterCrop(4, 3)(x).data, x[:, 1:5, 1:4])     # odd margins: extra at the end
    small = CenterCrop(10, 3)(x).data          # taller than the image: crop 7x2 (aspect 10:3), resize
    np.testing.assert_allclose(small, Resizing(10, 3)(x[:, :, 2:4]).data, rtol=1e-6)


# ----- augmentation
AUGMENTERS = [lambda: RandomFlip(seed=0), lambda: RandomRotation(0.3, seed=0), lambda: RandomZoom(0.3, seed=0),
              lambda: RandomTranslation(0.2, 0.3, seed=0), lambda: RandomContrast(0.5, value_range=(0, 1), seed=0),
              lambda: RandomCrop(5, 5, seed=0)]


@pytest.mark.parametrize("make", AUGMENTERS)
def test_augmenters_transform_in_training_only(make):
    x = IMAGES.astype(np.float32)
    layer = make()
    train = layer(x, training=True).data
    crop = isinstance(layer, RandomCrop)
    assert train.shape == ((3, 5, 5, 2) if crop else x.shape)
    assert crop or not np.allclose(train, x)
    again = make()(x, training=True).data
    np.testing.assert_array_equal(train, again)                  # seeded: reproducible
    infer = layer(x, training=False).data
    if crop:
        np.testing.assert_allclose(infer, Resizing(5, 5, crop_to_aspect_ratio=True)(x).data, rtol=1e-6)
    else:
        np.testing.assert_array_equal(infer, x)
    model = axon.Sequential([axon.Input((7, 9, 2)), make()])
    np.testing.assert_allclose(model.predict(x, verbose=0), infer, rtol=1e-6)    # predict: inference


def test_random_flip_modes():
    x = IMAGES.astype(np.float32)
    rng = np.random.default_rng(0)
    flipped = rng.random(3) <= 0.5         # the draws the layer makes with seed 0
    assert 0 < flipped.sum() < 3
    for mode, ref in [("horizontal", x[:, :, ::-1]), ("vertical", x[:, ::-1]),
                      ("horizontal_and_vertical", x[:, ::-1, ::-1])]:
        out = RandomFlip(mode, seed=0)(x, training=True).data
        np.testing.assert_array_equal(out[flipped], ref[flipped])
        np.testing.assert_array_equal(out[~flipped], x[~flipped])
    with pytest.raises(ValueError, match="RandomFlip: mode must be one of"):
        RandomFlip("diagonal")


def test_geometric_layers_follow_keras_transforms():
    ndimage = pytest.importorskip("scipy.ndimage")
    x = R.uniform(0, 1, (2, 9, 9, 1))
    quarter = RandomRotation((0.25, 0.25), fill_mode="constant")(x, training=True).data    # +90 degrees
    np.testing.assert_allclose(quarter, np.rot90(x, k=1, axes=(1, 2)), atol=1e-12)   # counter-clockwise
    zoom_in = RandomZoom((-0.5, -0.5), fill_mode="nearest")(x, training=True).data       # zoom factor 0.5
    ref = ndimage.affine_transform(x[0, :, :, 0], np.diag([0.5, 0.5]), offset=[2.0, 2.0], order=1, mode="nearest")
    np.testing.assert_allclose(zoom_in[0, :, :, 0], ref, atol=1e-12)
    wide = RandomZoom((0.0, 0.0), width_factor=(1.0, 1.0), fill_mode="constant")(x, training=True).data
    np.testing.assert_allclose(wide[:, :, 4], x[:, :, 4], atol=1e-12)     # x 2 on columns: centre column stays
    np.testing.assert_allclose(wide[:, :, 5], x[:, :, 6], atol=1e-12)   # column 5 reads 2 * 5 - 4
    assert np.all(wide[:, :, :2] == 0)                                    # columns 0, 1 read outside
    shifted = RandomTranslation((1 / 3, 1 / 3), (-2 / 9, -2 / 9), fill_mode="constant", fill_value=-1.0)(
        x, training=True).data                                             # 3 rows down, 2 columns left
    np.testing.assert_allclose(shifted[:, 3:, :-2], x[:, :-3, 2:], atol=1e-12)
    assert np.all(shifted[:, :3] == -1) and np.all(shifted[:, :, -2:] == -1)
    for make, match in [(lambda: RandomRotation(1.5), "RandomRotation: factor must be"),
                        (lambda: RandomZoom(-1.0), r"RandomZoom: height_factor must be .* in \(-1.0, 1.0\]"),
                        (lambda: RandomTranslation(0.1, (0.1, 0.2, 0.3)), "RandomTranslation: width_factor"),
                        (lambda: RandomRotation(0.1, fill_mode="mirror"), "fill_mode must be one of"),
                        (lambda: RandomContrast(1.5), "RandomContrast: factor")]:
        with pytest.raises(ValueError, match=match):
            make()


def test_random_contrast_keeps_channel_means():
    x = R.uniform(0.3, 0.7, (4, 6, 6, 3)).astype(np.float32)
    out = RandomContrast(0.4, value_range=(0, 1), seed=5)(x, training=True).data
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out.mean(axis=(1, 2), keepdims=True), mean, atol=1e-5)
    factor = ((out - mean) / (x - mean)).reshape(4, -1)
    np.testing.assert_allclose(factor, factor[:, :1] * np.ones_like(factor), rtol=1e-3)   # one per image
    assert np.all((factor > 0.6 - 1e-4) & (factor < 1.4 + 1e-4)) and np.ptp(factor[:, 0]) > 0
    clipped = RandomContrast((0.0, 0.0), value_range=(0, 0.5))(x, training=True).data
    np.testing.assert_allclose(clipped, np.minimum(x, 0.5), rtol=1e-6)


def test_random_crop_windows():
    x = np.arange(2 * 8 * 10, dtype=np.float32).reshape(2, 8, 10, 1)
    out = RandomCrop(3, 4, seed=9)(x, training=True).data
    top, left = divmod(int(out[0, 0, 0, 0]), 10)
    np.testing.assert_array_equal(out, x[:, top:top + 3, left:left + 4])   # one window for the batch
    same = RandomCrop(8, 10)(x, training=True).data                   # not larger: the inference rule
    np.testing.assert_array_equal(same, x)


def test_configs_round_trip_and_augmented_model_saves(tmp_path):
    layers = [Rescaling(1 / 255, offset=0.5), Normalization(axis=None, mean=2.0, variance=3.0),
              Resizing(4, 5, interpolation="nearest", crop_to_aspect_ratio=True), CenterCrop(3, 2),
              RandomFlip("vertical", seed=1), RandomRotation((-0.1, 0.2), fill_mode="wrap", seed=2),
              RandomZoom(0.2, (-0.1, 0.1), interpolation="nearest"), RandomTranslation(0.1, 0.2, fill_value=1.0),
              RandomContrast((0.1, 0.3), value_range=(0, 1)), RandomCrop(3, 3, data_format="channels_first")]
    for layer in layers:
        copy = deserialize(serialize(layer))
        assert type(copy) is type(layer) and copy.get_config() == layer.get_config()
    model = axon.Sequential([axon.Input((7, 9, 2)), Rescaling(2.0), RandomFlip(), RandomRotation(0.1),
                             RandomZoom(0.1), RandomTranslation(0.1, 0.1), RandomContrast(0.2), RandomCrop(5, 5),
                             Resizing(4, 4), CenterCrop(3, 3), axon.layers.Flatten(), Dense(2)])
    x = IMAGES.astype(np.float32)
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "aug.axon")
    np.testing.assert_allclose(axon.load_model(tmp_path / "aug.axon").predict(x, verbose=0), expected, rtol=1e-6)
