"""image_dataset_from_directory: Keras 3's labels, file order, seeded shuffle and split, image
sizes and errors, on folders of small PNGs written by the tests."""
import os

import numpy as np
import pytest
from PIL import Image

import axon
from axon.data.image import load_img
from axon.layers import Dense, Flatten
from axon.utils import image_dataset_from_directory

CLASSES = {"cat": 40, "dog": 120, "owl": 200}   # every pixel of an image of a class: value + file number


@pytest.fixture
def folder(tmp_path):
    """3 classes of 8x8 RGB PNGs (4, 5 and 3 files, one in a sub-folder) and a hidden folder."""
    for (name, value), count in zip(CLASSES.items(), (4, 5, 3)):
        os.makedirs(tmp_path / name / "more")
        for k in range(count):
            where = tmp_path / name / ("more" if k == count - 1 else "") / f"img{k}.png"
            Image.new("RGB", (8, 8), (value + k, value + k, 255 - value)).save(where)
    os.makedirs(tmp_path / ".ipynb_checkpoints")
    Image.new("RGB", (8, 8)).save(tmp_path / ".ipynb_checkpoints" / "x.png")
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    return tmp_path


def every(ds):
    xs, ys = zip(*ds)
    return np.concatenate(xs), np.concatenate(ys)


def test_images_and_inferred_labels_in_kerass_order(folder):
    ds = image_dataset_from_directory(folder, image_size=(8, 8), batch_size=5, shuffle=False, verbose=False)
    assert ds.class_names == ["cat", "dog", "owl"] and len(ds) == 3
    rel = [os.path.relpath(p, folder) for p in ds.file_paths]
    assert rel == ["cat/img0.png", "cat/img1.png", "cat/img2.png", "cat/more/img3.png",
                   "dog/img0.png", "dog/img1.png", "dog/img2.png", "dog/img3.png", "dog/more/img4.png",
                   "owl/img0.png", "owl/img1.png", "owl/more/img2.png"]
    x, y = every(ds)
    assert x.shape == (12, 8, 8, 3) and x.dtype == np.float32 and y.dtype == np.int32
    np.testing.assert_array_equal(y, [0] * 4 + [1] * 5 + [2] * 3)
    firsts = [40, 41, 42, 43, 120, 121, 122, 123, 124, 200, 201, 202]
    np.testing.assert_array_equal(x[:, 3, 5, 0], firsts)               # pixel values as stored, 0..255
    np.testing.assert_array_equal(x[:, 0, 0, 2], 255 - np.repeat([40, 120, 200], [4, 5, 3]))


def test_label_modes_and_color_modes(folder):
    kw = dict(image_size=(8, 8), batch_size=32, shuffle=False, verbose=False)
    x, y = every(image_dataset_from_directory(folder, label_mode="categorical", **kw))
    assert y.dtype == np.float32 and y.shape == (12, 3)
    np.testing.assert_array_equal(y.argmax(1), [0] * 4 + [1] * 5 + [2] * 3)
    assert set(np.unique(y)) == {0.0, 1.0}
    x, y = every(image_dataset_from_directory(folder, label_mode="binary", class_names=["owl", "cat"], **kw))
    assert y.shape == (7, 1) and y.dtype == np.float32
    np.testing.assert_array_equal(y[:, 0], [0] * 3 + [1] * 4)            # class_names sets the order
    gray = image_dataset_from_directory(folder, color_mode="grayscale", label_mode=None, **kw)
    rgba = image_dataset_from_directory(folder, color_mode="rgba", label_mode=None, **kw)
    assert gray[0].shape == (13, 8, 8, 1) and rgba[0].shape == (13, 8, 8, 4)  # no labels: the hidden file too
    np.testing.assert_array_equal(rgba[0][..., 3], 255)
    with pytest.raises(ValueError, match="label_mode='binary' needs exactly 2 classes, found 3"):
        image_dataset_from_directory(folder, label_mode="binary", **kw)


def test_seeded_shuffle_and_split_are_kerass(folder):
    both = image_dataset_from_directory(folder, image_size=(8, 8), seed=7, validation_split=0.25,
                                        subset="both", verbose=False)
    plain = image_dataset_from_directory(folder, image_size=(8, 8), shuffle=False, verbose=False)
    keras_order = list(plain.file_paths)
    np.random.RandomState(7).shuffle(keras_order)   # Keras: index_directory shuffles the file list so
    train, val = both                               # and keeps the last int(0.25 * 12) = 3 for validation
    assert train.file_paths == keras_order[:9] and val.file_paths == keras_order[9:]
    alone = [image_dataset_from_directory(folder, image_size=(8, 8), seed=7, validation_split=0.25,
                                          subset=s, verbose=False).file_paths for s in ("training", "validation")]
    assert alone == [train.file_paths, val.file_paths]
    # labels travel with their files
    x, y = every(train)
    owner = {p: plain.labels[i] for i, p in enumerate(plain.file_paths)}
    assert sorted(y.tolist()) == sorted(owner[p] for p in train.file_paths)
    np.testing.assert_array_equal(y, np.digitize(x[:, 0, 0, 0], [100, 180]))


def test_training_batches_are_reshuffled_each_epoch_and_validation_ones_are_not(folder):
    train, val = image_dataset_from_directory(folder, image_size=(8, 8), batch_size=4, seed=1,
                                              validation_split=0.5, subset="both", verbose=False)
    t1, t2 = (every(train)[0][:, 3, 5, 0] for _ in range(2))
    v1, v2 = (every(val)[0][:, 3, 5, 0] for _ in range(2))
    assert sorted(t1) == sorted(t2) and not np.array_equal(t1, t2)
    np.testing.assert_array_equal(v1, v2)


def test_resizing_and_the_centre_crop_of_crop_to_aspect_ratio(tmp_path):
    os.makedirs(tmp_path / "a")
    wide = np.zeros((4, 8, 3), np.uint8)
    wide[:, :, 0] = np.arange(8) * 30                    # columns 0, 30, ..., 210
    Image.fromarray(wide).save(tmp_path / "a" / "wide.png")
    kw = dict(label_mode=None, shuffle=False, verbose=False, interpolation="nearest")
    squeezed = image_dataset_from_directory(tmp_path, image_size=(4, 4), **kw)[0]
    cropped = image_dataset_from_directory(tmp_path, image_size=(4, 4), crop_to_aspect_ratio=True, **kw)[0]
    # Keras's crop: width min(8, 4 * 4 // 4) = 4 columns from (8 - 4) // 2 = 2
    np.testing.assert_array_equal(cropped[0, 0, :, 0], [60, 90, 120, 150])
    np.testing.assert_array_equal(squeezed[0, 0, :, 0], [30, 90, 150, 210])
    np.testing.assert_array_equal(load_img(tmp_path / "a" / "wide.png", target_size=(2, 2), keep_aspect_ratio=True,
                                           interpolation="nearest").size, (2, 2))
    smooth = image_dataset_from_directory(tmp_path, image_size=(3, 6), label_mode=None, verbose=False)[0]
    assert smooth.shape == (1, 3, 6, 3) and smooth.min() >= 0 and smooth.max() <= 210


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic", "area", "lanczos3"])
def test_every_offered_interpolation_resizes_and_keeps_a_flat_image_flat(folder, interpolation):
    ds = image_dataset_from_directory(folder, image_size=(5, 3), interpolation=interpolation, shuffle=False,
                                      batch_size=12, verbose=False)
    x, _ = ds[0]
    assert x.shape == (12, 5, 3, 3)
    np.testing.assert_array_equal(x[:, :, :, 0], np.broadcast_to(x[:, :1, :1, 0], (12, 5, 3)))
    np.testing.assert_array_equal(x[:, 0, 0, 0], [40, 41, 42, 43, 120, 121, 122, 123, 124, 200, 201, 202])


def test_follow_links_decides_whether_linked_folders_are_read(folder, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    Image.new("RGB", (8, 8), (99, 99, 99)).save(elsewhere / "linked.png")
    os.symlink(elsewhere, folder / "owl" / "link", target_is_directory=True)
    kw = dict(image_size=(8, 8), shuffle=False, verbose=False)
    assert len(image_dataset_from_directory(folder, **kw).file_paths) == 12
    followed = image_dataset_from_directory(folder, follow_links=True, **kw).file_paths
    assert len(followed) == 13 and os.path.relpath(followed[-2], folder) == "owl/link/linked.png"


def test_no_labels_or_a_list_of_labels_index_the_whole_tree(folder):
    # as in Keras, the whole tree: hidden folders too (only class folders leave them out)
    ds = image_dataset_from_directory(folder, labels=None, image_size=(8, 8), shuffle=False, verbose=False)
    assert ds.class_names is None and ds[0].shape == (13, 8, 8, 3)
    assert os.path.relpath(ds.file_paths[0], folder) == ".ipynb_checkpoints/x.png"
    mine = [k % 2 for k in range(13)]
    ds = image_dataset_from_directory(folder, labels=mine, image_size=(8, 8), shuffle=False, verbose=False)
    assert ds.class_names == ["0", "1"]
    np.testing.assert_array_equal(every(ds)[1], mine)
    with pytest.raises(ValueError, match="labels must be 13 integers, one per image file"):
        image_dataset_from_directory(folder, labels=[0, 1], verbose=False)


def test_a_damaged_file_is_skipped_with_a_warning_naming_it(folder):
    (folder / "dog" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.warns(UserWarning, match=r"skipped 1 unreadable image file\(s\): dog/broken.png"):
        ds = image_dataset_from_directory(folder, image_size=(8, 8), shuffle=False, verbose=False)
    assert len(ds.file_paths) == 12


def test_fit_trains_on_the_folder(folder):
    ds = image_dataset_from_directory(folder, image_size=(8, 8), batch_size=4, seed=0, verbose=False)
    model = axon.Sequential([axon.layers.Rescaling(1 / 255.0, input_shape=(8, 8, 3)), Flatten(), Dense(3)])
    model.compile(optimizer="adam", loss=axon.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(ds, epochs=30, verbose=0)
    assert model.optimizer.iterations == 30 * 3 and history.history["accuracy"][-1] == 1.0


def test_mistakes_are_named(folder, tmp_path_factory, capsys):
    missing = str(folder / "nope")
    with pytest.raises(FileNotFoundError, match=f"image folder '{missing}' does not exist .* only place looked at"):
        image_dataset_from_directory(missing)
    os.makedirs(folder / "emu")
    with pytest.raises(ValueError, match=r"class folder '.*/emu' holds no image files; add its images or remove"):
        image_dataset_from_directory(folder, verbose=False)
    os.rmdir(folder / "emu")
    cases = [
        (dict(validation_split=0.2, subset="training"), "pass a seed"),
        (dict(subset="training"), "validation_split and subset go together"),
        (dict(validation_split=0.2, subset="test", seed=1), "subset must be one of"),
        (dict(validation_split=1.5, subset="both", seed=1), r"validation_split must be in \(0, 1\)"),
        (dict(validation_split=0.01, subset="both", seed=1), "leaves no validation images"),
        (dict(label_mode="sparse"), "label_mode must be one of"),
        (dict(color_mode="bgr"), "color_mode must be one of"),
        (dict(interpolation="gaussian"), "interpolation must be one of"),
        (dict(image_size=(8,)), r"image_size must be \(height, width\)"),
        (dict(labels=None, class_names=["cat"]), "class_names is only used with labels='inferred'"),
        (dict(class_names=["cat", "emu"]), r"no sub-folder for classes \['emu'\]"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            image_dataset_from_directory(folder, verbose=False, **kwargs)
    empty = tmp_path_factory.mktemp("empty")
    with pytest.raises(ValueError, match="has no sub-folders"):
        image_dataset_from_directory(empty)
    image_dataset_from_directory(folder, image_size=8, seed=2, validation_split=0.25, subset="both")
    assert capsys.readouterr().out.splitlines() == ["Found 12 files belonging to 3 classes.",
                                                     "Using 9 files for training.", "Using 3 files for validation."]
