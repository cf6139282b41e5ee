"""ImageDataGenerator transforms, flow, flow_from_directory and the image file helpers."""
import os
import warnings

import numpy as np
import pytest

pytest.importorskip("scipy")
Image = pytest.importorskip("PIL.Image")

from axon.data.augmentation import ImageDataGenerator
from axon.data.image import array_to_img, img_to_array, load_image_folder, load_img


def _dot(h=9, w=9, r=4, c=4):
    img = np.zeros((1, h, w, 1), "float32")
    img[0, r, c, 0] = 1.0
    return img


def test_default_generator_is_identity_and_keeps_shape():
    x = np.random.default_rng(0).random((5, 7, 6, 3)).astype("float32")
    out = ImageDataGenerator().transform_batch(x, np.random.default_rng(0))
    assert out.shape == x.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out, x)
    assert out is not x


def test_flips_are_exact():
    rng = np.random.default_rng(0)
    x = rng.random((64, 5, 4, 2)).astype("float32")
    out = ImageDataGenerator(horizontal_flip=True).transform_batch(x, rng)
    flipped = np.all(out == x[:, :, ::-1], axis=(1, 2, 3))
    same = np.all(out == x, axis=(1, 2, 3))
    assert np.all(flipped | same) and 10 < flipped.sum() < 54
    out = ImageDataGenerator(vertical_flip=True).transform_batch(x, rng)
    assert np.all(np.all(out == x[:, ::-1], axis=(1, 2, 3)) | np.all(out == x, axis=(1, 2, 3)))
    assert ImageDataGenerator(mirror=True).horizontal_flip


@pytest.mark.parametrize("arg,axis", [("width_shift_range", 1), ("height_shift_range", 0)])
def test_shift_moves_content_by_whole_pixels(arg, axis):
    out = ImageDataGenerator(**{arg: [2]}).transform_batch(_dot(), np.random.default_rng(0))
    (pos,) = np.argwhere(out[0, :, :, 0] > 0.5)
    expect = [4, 4]
    expect[axis] = 2
    assert list(pos) == expect and out.sum() == pytest.approx(1.0)


def test_rotation_turns_content_about_the_centre():
    x = np.zeros((16, 21, 21, 1), "float32")
    x[:, 4, 10, 0] = 1.0  # 6 pixels above the centre (10, 10)
    out = ImageDataGenerator(rotation_range=60, fill_mode="constant").transform_batch(
        x, np.random.default_rng(0))
    rows, cols = np.mgrid[:21, :21]
    mass = out[..., 0].sum(axis=(1, 2))
    r = (out[..., 0] * rows).sum(axis=(1, 2)) / mass - 10
    c = (out[..., 0] * cols).sum(axis=(1, 2)) / mass - 10
    np.testing.assert_allclose(np.hypot(r, c), 6, atol=0.3)
    angles = np.degrees(np.arctan2(c, -r))
    assert np.all(np.abs(angles) <= 60.5) and angles.std() > 10


def test_fill_modes_and_zoom_keep_shape_and_range():
    x = np.random.default_rng(1).random((4, 10, 10, 3)).astype("float32")
    for mode in ("nearest", "constant", "reflect", "wrap"):
        gen = ImageDataGenerator(rotation_range=30, zoom_range=0.2, shear_range=10, fill_mode=mode, cval=0.5)
        out = gen.transform_batch(x, np.random.default_rng(0))
        assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
    with pytest.raises(ValueError, match="fill_mode"):
        ImageDataGenerator(fill_mode="mirror")


def test_constant_fill_uses_cval_where_content_left():
    x = np.ones((1, 6, 6, 1), "float32")
    out = ImageDataGenerator(width_shift_range=[3], fill_mode="constant", cval=-1).transform_batch(
        x, np.random.default_rng(0))
    assert np.all(out[0, :, :3] == 1) and np.all(out[0, :, 3:] == -1)


def test_colour_transforms():
    rng = np.random.default_rng(0)
    x = rng.random((32, 4, 4, 3)).astype("float32")
    out = ImageDataGenerator(brightness_range=(0.5, 0.5)).transform_batch(x, rng)
    np.testing.assert_allclose(out, x * 0.5, rtol=1e-6)
    grey = ImageDataGenerator(grayscale=1.0).transform_batch(x, rng)
    np.testing.assert_allclose(grey[..., 0], grey[..., 2])
    np.testing.assert_allclose(grey[..., 0], x @ np.array([0.299, 0.587, 0.114], "float32"), rtol=1e-5)
    hue = ImageDataGenerator(hue_shift_range=0.5).transform_batch(x, rng)
    luma = np.array([0.299, 0.587, 0.114], "float32")
    assert hue.shape == x.shape and not np.allclose(hue, x)
    grey_pixels = np.full((1, 2, 2, 3), 0.5, "float32")  # hue leaves greys unchanged
    np.testing.assert_allclose(ImageDataGenerator(hue_shift_range=0.5).transform_batch(grey_pixels, rng),
                               grey_pixels, atol=1e-5)
    assert np.abs((hue @ luma) - (x @ luma)).mean() < 0.05
    with pytest.raises(ValueError, match="RGB"):
        ImageDataGenerator(hue_shift_range=0.1).transform_batch(x[..., :1], rng)


def test_noise_is_added_after_rescale():
    x = np.full((200, 8, 8, 1), 255, "uint8")
    out = ImageDataGenerator(rescale=1 / 255, noise_std=0.1).transform_batch(x, np.random.default_rng(0))
    assert abs(out.mean() - 1.0) < 0.01 and abs(out.std() - 0.1) < 0.01


def test_random_crop_with_padding_takes_windows_of_the_padded_image():
    x = np.arange(2 * 6 * 6, dtype="float32").reshape(2, 6, 6, 1)
    gen = ImageDataGenerator(random_crop=(6, 6), crop_padding=2, fill_mode="constant", cval=-1)
    rng = np.random.default_rng(0)
    for _ in range(5):
        out = gen.transform_batch(x, rng)
        assert out.shape == x.shape
        for img, src in zip(out, x):
            padded = np.pad(src[..., 0], 2, constant_values=-1)
            windows = np.lib.stride_tricks.sliding_window_view(padded, (6, 6))
            assert np.any(np.all(windows == img[..., 0], axis=(2, 3)))
    small = ImageDataGenerator(random_crop=(4, 3)).transform_batch(x, rng)
    assert small.shape == (2, 4, 3, 1)


def test_random_transform_of_one_image_is_seeded():
    gen = ImageDataGenerator(rotation_range=30, width_shift_range=0.2, channel_shift_range=5)
    img = np.random.default_rng(0).random((6, 5, 2)).astype("float32") * 10
    a, b = gen.random_transform(img, seed=3), gen.random_transform(img, seed=3)
    assert a.shape == img.shape
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, img)


def test_featurewise_statistics_are_fitted_per_channel():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(100, 5, 5, 3)) * [1.0, 2.0, 3.0] + [10.0, 20.0, 30.0]).astype("float32")
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    with pytest.raises(RuntimeError, match="fit"):
        gen.standardize(x)
    gen.fit(x)
    assert gen.mean.shape == (1, 1, 3)
    np.testing.assert_allclose(gen.mean.ravel(), x.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(gen.std.ravel(), x.std(axis=(0, 1, 2)), rtol=1e-4)
    z = gen.standardize(x)
    np.testing.assert_allclose(z.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(z.std(axis=(0, 1, 2)), 1, atol=1e-4)


def test_samplewise_and_rescale_and_preprocessing_function():
    x = np.random.default_rng(0).random((3, 4, 4, 1)).astype("float32") * 255
    z = ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True).standardize(x)
    np.testing.assert_allclose(z.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=(1, 2, 3)), 1, atol=1e-4)
    gen = ImageDataGenerator(rescale=1 / 255, preprocessing_function=lambda img: 255 - img)
    np.testing.assert_allclose(gen.standardize(x), (255 - x) / 255, rtol=1e-5)


def test_channels_first():
    x = np.random.default_rng(0).random((4, 3, 5, 6)).astype("float32")
    gen = ImageDataGenerator(data_format="channels_first", horizontal_flip=True, rotation_range=10)
    assert gen.transform_batch(x, np.random.default_rng(0)).shape == x.shape


def test_flow_batches_labels_and_reshuffles():
    x = np.arange(10, dtype="float32").reshape(10, 1, 1, 1)
    y = np.arange(10)
    flow = ImageDataGenerator().flow(x, y, batch_size=4, shuffle=True, seed=1)
    assert len(flow) == 3
    first = np.concatenate([flow[i][1] for i in range(3)])
    assert sorted(first) == list(range(10))
    for i in range(3):  # images travel with their labels
        xb, yb = flow[i]
        np.testing.assert_array_equal(xb[:, 0, 0, 0], yb)
    flow.on_epoch_end()
    second = np.concatenate([flow[i][1] for i in range(3)])
    assert sorted(second) == list(range(10)) and list(second) != list(first)
    ordered = ImageDataGenerator().flow(x, y, batch_size=4, shuffle=False)
    np.testing.assert_array_equal(ordered[1][1], [4, 5, 6, 7])
    assert ImageDataGenerator().flow(x, batch_size=5)[0].shape == (5, 1, 1, 1)
    weighted = ImageDataGenerator().flow(x, y, sample_weight=np.ones(10), batch_size=5)[0]
    assert len(weighted) == 3
    with pytest.raises(IndexError):
        flow[3]
    with pytest.raises(ValueError, match="4 dimensions"):
        ImageDataGenerator().flow(x[..., 0], y)


def test_flow_is_reproducible_with_a_seed_and_iterable():
    x = np.random.default_rng(0).random((8, 6, 6, 1)).astype("float32")
    gen = ImageDataGenerator(rotation_range=20, horizontal_flip=True)
    a = gen.flow(x, batch_size=8, seed=5)[0]
    b = gen.flow(x, batch_size=8, seed=5)[0]
    np.testing.assert_array_equal(a, b)
    it = iter(gen.flow(x, batch_size=3, seed=0))
    assert [len(next(it)) for _ in range(4)] == [3, 3, 2, 3]


def test_validation_split_subsets():
    x = np.arange(10, dtype="float32").reshape(10, 1, 1, 1)
    gen = ImageDataGenerator(validation_split=0.3)
    val = gen.flow(x, np.arange(10), batch_size=10, shuffle=False, subset="validation")
    train = gen.flow(x, np.arange(10), batch_size=10, shuffle=False, subset="training")
    np.testing.assert_array_equal(val[0][1], [0, 1, 2])
    np.testing.assert_array_equal(train[0][1], np.arange(3, 10))
    with pytest.raises(ValueError, match="validation_split"):
        ImageDataGenerator().flow(x, subset="validation")


def test_fit_accepts_a_flow():
    import axon
    from axon.layers import Dense, Flatten
    axon.manual_seed(0)
    x = np.random.default_rng(0).random((20, 4, 4, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("int64")
    model = axon.Sequential([Flatten(input_shape=(4, 4, 1)), Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(ImageDataGenerator(horizontal_flip=True).flow(x, y, batch_size=8), epochs=2,
                        verbose=0)
    assert len(history.history["loss"]) == 2


# ----------------------------------------------------------------- folders

def _write_folder(root, corrupt=False):
    rng = np.random.default_rng(0)
    for name, value in (("cat", 40), ("dog", 200)):
        os.makedirs(os.path.join(root, name, "sub"), exist_ok=True)
        for i in range(3):
            arr = np.clip(rng.normal(value, 5, (12, 10, 3)), 0, 255).astype("uint8")
            where = os.path.join(root, name, "sub" if i == 2 else "", f"{i}.png")
            Image.fromarray(arr, "RGB").save(where)
    with open(os.path.join(root, "dog", "notes.txt"), "w") as f:
        f.write("not an image")
    if corrupt:
        with open(os.path.join(root, "cat", "broken.png"), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n this is not a png")


def test_flow_from_directory_labels_from_folder_names(tmp_path):
    _write_folder(tmp_path)
    gen = ImageDataGenerator(rescale=1 / 255)
    it = gen.flow_from_directory(tmp_path, target_size=(8, 6), batch_size=4, shuffle=False)
    assert it.class_indices == {"cat": 0, "dog": 1}
    assert it.samples == 6 and len(it) == 2 and it.num_classes == 2
    assert it.filenames[0] == os.path.join("cat", "0.png") and os.path.join("cat", "sub", "2.png") in it.filenames
    np.testing.assert_array_equal(it.classes, [0, 0, 0, 1, 1, 1])
    xb, yb = it[0]
    assert xb.shape == (4, 8, 6, 3) and yb.shape == (4, 2)
    np.testing.assert_array_equal(yb.argmax(1), [0, 0, 0, 1])
    assert xb[:3].mean() < 0.3 < 0.6 < xb[3].mean() <= 1.0
    assert it.image_shape == (8, 6, 3)
    cropped = ImageDataGenerator(random_crop=(4, 4)).flow_from_directory(tmp_path, target_size=(8, 6))
    assert cropped.image_shape == (4, 4, 3) and cropped[0][0].shape[1:] == (4, 4, 3)


@pytest.mark.parametrize("mode,check", [
    ("sparse", lambda x, y: y.dtype.kind == "i" and list(y) == [0, 0, 0, 1, 1, 1]),
    ("binary", lambda x, y: y.dtype == np.float32 and list(y) == [0, 0, 0, 1, 1, 1]),
    ("input", lambda x, y: np.array_equal(x, y)),
])
def test_flow_from_directory_class_modes(tmp_path, mode, check):
    _write_folder(tmp_path)
    it = ImageDataGenerator().flow_from_directory(tmp_path, target_size=(5, 5), class_mode=mode,
                                                  batch_size=6, shuffle=False)
    assert check(*it[0])


def test_flow_from_directory_no_labels_grayscale_and_classes(tmp_path):
    _write_folder(tmp_path)
    it = ImageDataGenerator().flow_from_directory(tmp_path, target_size=(5, 5), class_mode=None,
                                                  color_mode="grayscale", batch_size=6)
    assert it[0].shape == (6, 5, 5, 1)
    only = ImageDataGenerator().flow_from_directory(tmp_path, target_size=(5, 5), classes=["dog"],
                                                    class_mode="sparse")
    assert only.samples == 3 and only.class_indices == {"dog": 0}
    rgba = ImageDataGenerator().flow_from_directory(tmp_path, target_size=(5, 5), color_mode="rgba")
    assert rgba[0][0].shape[-1] == 4
    with pytest.raises(ValueError, match="binary"):
        ImageDataGenerator().flow_from_directory(tmp_path, classes=["cat"], class_mode="binary")
    with pytest.raises(ValueError, match="color_mode"):
        ImageDataGenerator().flow_from_directory(tmp_path, color_mode="cmyk")


def test_flow_from_directory_validation_split_per_class(tmp_path):
    _write_folder(tmp_path)
    gen = ImageDataGenerator(validation_split=0.4)
    val = gen.flow_from_directory(tmp_path, target_size=(5, 5), subset="validation")
    train = gen.flow_from_directory(tmp_path, target_size=(5, 5), subset="training")
    assert val.samples == 2 and train.samples == 4
    assert not set(val.filenames) & set(train.filenames)
    assert sorted(val.classes) == [0, 1]


def test_corrupt_image_is_reported_by_name_and_skipped(tmp_path):
    _write_folder(tmp_path, corrupt=True)
    with pytest.warns(UserWarning, match=r"broken\.png"):
        it = ImageDataGenerator().flow_from_directory(tmp_path, target_size=(5, 5), batch_size=7)
    assert it.samples == 6 and [f for f, _ in it.skipped] == [os.path.join("cat", "broken.png")]
    for i in range(len(it)):  # a whole epoch runs
        it[i]


def test_corrupt_image_without_validation_fails_naming_the_file(tmp_path):
    _write_folder(tmp_path, corrupt=True)
    it = ImageDataGenerator().flow_from_directory(tmp_path, target_size=(5, 5), batch_size=7,
                                                  shuffle=False, validate=False)
    with pytest.raises(ValueError, match=r"broken\.png"):
        it[0]


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        ImageDataGenerator().flow_from_directory(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="sub-folder"):
        ImageDataGenerator().flow_from_directory(tmp_path)


def test_file_helpers_round_trip(tmp_path):
    arr = np.zeros((6, 4, 3), "uint8")
    arr[:, :2] = 255
    path = tmp_path / "a.png"
    array_to_img(arr, scale=False).save(path)
    img = load_img(path)
    assert img.mode == "RGB" and img.size == (4, 6)
    np.testing.assert_array_equal(img_to_array(img), arr)
    grey = load_img(path, color_mode="grayscale", target_size=(3, 2))
    assert img_to_array(grey).shape == (3, 2, 1)
    assert img_to_array(img, data_format="channels_first").shape == (3, 6, 4)
    with pytest.raises(ValueError, match="a.txt"):
        (tmp_path / "a.txt").write_text("hello")
        load_img(tmp_path / "a.txt")


def test_load_image_folder(tmp_path):
    _write_folder(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x, y, names = load_image_folder(tmp_path, target_size=(7, 7), color_mode="grayscale")
    assert x.shape == (6, 7, 7, 1) and x.dtype == np.uint8 and names == ["cat", "dog"]
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 1])
