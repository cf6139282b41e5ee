"""Image files as a model's inputs: your own files as one batch (the preparation ``axon predict``
applies), and a folder of class sub-folders as a batch source for ``fit`` (Keras 3's
``image_dataset_from_directory``).

For ``load_image_batch`` each file is read with Pillow, converted to the model's channels (grayscale,
RGB or RGBA), resized to its input size (bilinear), scaled to [0, 1] and, for
models trained on light-on-dark images such as Fashion-MNIST, inverted when its
border is light (a photo of a shirt on a white table).

>>> import os, tempfile
>>> from PIL import Image
>>> path = os.path.join(tempfile.mkdtemp(), "white.png")
>>> Image.new("L", (40, 30), 255).save(path)
>>> batch = load_image_batch([path], (28, 28, 1), dark_background=True)
>>> batch.shape, float(batch.max())
((1, 28, 28, 1), 0.0)
"""
import os

import numpy as np

from .. import backend
from .batches import Batches, pack_x_y_sample_weight
from .image import (COLOR_MODES, IMAGE_EXTENSIONS, _resample, check_folder, class_folders, keep_readable, list_image_files,
                    load_img)

INVERT = ("auto", "yes", "no")


def load_image_batch(paths, input_shape, dark_background=False, invert="auto"):
    """Images at ``paths`` as a float32 batch (N, H, W, C) in [0, 1] for ``input_shape`` (H, W, C).

    ``invert``: "auto" inverts a light-bordered image when ``dark_background``
    (the training images were light on dark), "yes" always, "no" never.  Every
    missing file is named in one ``FileNotFoundError``.
    """
    if invert not in INVERT:
        raise ValueError(f"invert must be one of {', '.join(INVERT)}, got {invert!r}")
    h, w, c = input_shape
    if c not in (1, 3, 4):
        raise ValueError(f"the model expects {c} channels; only 1 (grayscale), 3 (RGB) or 4 (RGBA) are images")
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        raise FileNotFoundError(f"no such image file(s): {', '.join(map(str, missing))}")
    mode = {1: "grayscale", 3: "rgb", 4: "rgba"}[c]
    batch = np.empty((len(paths), h, w, c), dtype=np.float32)
    for k, path in enumerate(paths):
        img = load_img(path, color_mode=mode, target_size=(h, w), interpolation="bilinear")
        x = np.asarray(img, dtype=np.float32).reshape(h, w, c) / 255.0
        border = np.concatenate([x[0].ravel(), x[-1].ravel(), x[:, 0].ravel(), x[:, -1].ravel()])
        if invert == "yes" or (invert == "auto" and dark_background and border.mean() > 0.5):
            x = 1.0 - x
        batch[k] = x
    return batch


class ImageFolderDataset(Batches):
    """Batches of images read from files (made by ``image_dataset_from_directory``): float32
    ``(batch, height, width, channels)`` in [0, 255], with their labels unless ``label_mode`` is
    ``None``.  ``class_names`` and ``file_paths`` are as Keras names them."""

    def __init__(self, file_paths, labels, class_names, label_mode, color_mode, image_size, interpolation,
                 crop_to_aspect_ratio, batch_size, shuffle, seed):
        self.file_paths, self.labels, self.class_names = file_paths, labels, class_names
        self.label_mode, self.color_mode, self.image_size = label_mode, color_mode, tuple(image_size)
        self.interpolation, self.crop_to_aspect_ratio = interpolation, crop_to_aspect_ratio
        self.channels = {"grayscale": 1, "rgb": 3, "rgba": 4}[color_mode]
        super().__init__(len(file_paths), batch_size, shuffle, seed)

    def batch(self, indices):
        h, w = self.image_size
        images = np.empty((len(indices), h, w, self.channels), dtype=np.float32)
        for k, i in enumerate(indices):
            img = load_img(self.file_paths[i], self.color_mode, (h, w), self.interpolation,
                           keep_aspect_ratio=self.crop_to_aspect_ratio)
            images[k] = np.asarray(img, dtype=np.float32).reshape(h, w, self.channels)
        return pack_x_y_sample_weight(images, None if self.label_mode is None else self._labels(indices))

    def _labels(self, indices):
        labels = self.labels[indices]
        if self.label_mode == "binary":
            return labels.astype(np.float32)[:, None]
        if self.label_mode == "categorical":
            return np.eye(len(self.class_names), dtype=np.float32)[labels]
        return labels.astype(np.int32)


LABEL_MODES = ("int", "categorical", "binary", None)
SUBSETS = ("training", "validation", "both")


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True,
                                 seed=None, validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False, verbose=True):
    """Batches of the image files in ``directory``, as Keras 3 makes them.

    ``labels="inferred"``: one sub-folder per class (sorted names, or the order
    of ``class_names``), searched recursively; ``None``: images only, from the
    whole tree; or a list of integer labels, one per file in Keras's order of
    the files (``list_image_files``).  ``label_mode``: "int" (int32 ``(batch,)``),
    "categorical" (float32 one-hot), "binary" (float32 ``(batch, 1)``, exactly
    two classes) or ``None``.  Images are resized to ``image_size`` (height,
    width) with Pillow's ``interpolation`` ("bilinear", "nearest", "bicubic",
    "area", "lanczos3"); ``crop_to_aspect_ratio`` first cuts the largest centred
    window of that aspect ratio.

    ``shuffle`` shuffles the files once with ``seed`` as Keras does
    (``numpy.random.RandomState(seed).shuffle``, so a seed splits a folder as
    Keras splits it) and then the order of every training epoch.
    ``validation_split`` keeps its last fraction of those files for validation:
    ``subset`` "training" or "validation" returns one part, "both" the pair
    ``(train, val)``.  Files that do not decode are skipped with a warning; a
    class sub-folder without images is an error.  Returns an
    ``ImageFolderDataset`` (or two).
    """
    directory = check_folder(directory)
    inferred = isinstance(labels, str) and labels == "inferred"
    if not (inferred or labels is None or isinstance(labels, (list, tuple, np.ndarray))):
        raise ValueError(f"image_dataset_from_directory: labels must be 'inferred', None or a list of integer "
                         f"labels, one per image file; got {labels!r}")
    if class_names is not None and not inferred:
        raise ValueError("image_dataset_from_directory: class_names is only used with labels='inferred'")
    if label_mode not in LABEL_MODES:
        raise ValueError(f"image_dataset_from_directory: label_mode must be one of {LABEL_MODES}, "
                         f"got {label_mode!r}")
    if color_mode not in COLOR_MODES:
        raise ValueError(f"image_dataset_from_directory: color_mode must be one of {sorted(COLOR_MODES)}, "
                         f"got {color_mode!r}")
    image_size = (image_size, image_size) if isinstance(image_size, int) else image_size
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2 or min(image_size) < 1:
        raise ValueError(f"image_dataset_from_directory: image_size must be (height, width), got {image_size!r}")
    _resample(interpolation)
    _check_split(validation_split, subset, shuffle, seed)
    if labels is None or label_mode is None:
        labels, label_mode, inferred = None, None, False

    paths, y, class_names = _index(directory, "inferred" if inferred else labels, class_names, follow_links)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f"image_dataset_from_directory: label_mode='binary' needs exactly 2 classes, "
                         f"found {len(class_names)}: {class_names}")
    if verbose:
        print(f"Found {len(paths)} files" + ("." if y is None else f" belonging to {len(class_names)} classes."))
    if shuffle:
        seed = int(backend.rng().integers(1_000_000)) if seed is None else seed
        order = np.arange(len(paths))
        np.random.RandomState(seed).shuffle(order)  # the permutation Keras applies to its file list
        paths = [paths[i] for i in order]
        y = None if y is None else y[order]

    def part(rows, name, epoch_shuffle):
        if rows.start == rows.stop:
            raise ValueError(f"image_dataset_from_directory: validation_split={validation_split} of "
                             f"{len(paths)} files in {directory!r} leaves no {name} images; use more images "
                             "or another split")
        if verbose and validation_split:
            print(f"Using {rows.stop - rows.start} files for {name}.")
        return ImageFolderDataset(paths[rows], None if y is None else y[rows], class_names, label_mode,
                                  color_mode, image_size, interpolation, crop_to_aspect_ratio, batch_size,
                                  epoch_shuffle, seed)

    cut = len(paths) - int((validation_split or 0) * len(paths))
    train, val = slice(0, cut), slice(cut, len(paths))
    if subset == "both":
        return part(train, "training", shuffle), part(val, "validation", False)
    if subset == "validation":
        return part(val, "validation", shuffle)
    return part(train, "training", shuffle)


def _check_split(validation_split, subset, shuffle, seed):
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"image_dataset_from_directory: validation_split must be in (0, 1), got {validation_split}")
    if bool(validation_split) != bool(subset):
        raise ValueError("image_dataset_from_directory: validation_split and subset go together: pass both "
                         "(subset 'training', 'validation' or 'both') or neither")
    if subset is not None and subset not in SUBSETS:
        raise ValueError(f"image_dataset_from_directory: subset must be one of {SUBSETS}, got {subset!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError("image_dataset_from_directory: with validation_split and shuffle pass a seed, so that "
                         "the training and validation calls split the files the same way")


def _index(directory, labels, class_names, follow_links):
    """``(file paths, labels or None, class names or None)`` of the readable images, in Keras's order."""
    if isinstance(labels, str):  # "inferred"
        class_names = class_folders(directory, class_names)
        files, y = [], []
        for label, name in enumerate(class_names):
            found = list_image_files(os.path.join(directory, name), follow_links)
            if not found:
                raise ValueError(f"image_dataset_from_directory: class folder "
                                 f"{os.path.join(directory, name)!r} holds no image files; add its images "
                                 "or remove the folder (or leave it out of class_names)")
            files += [os.path.join(name, f) for f in found]
            y += [label] * len(found)
        y = np.asarray(y, dtype=np.int64)
    else:
        files = list_image_files(directory, follow_links)
        if labels is not None:
            y = np.asarray(labels)
            if len(y) != len(files) or y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
                raise ValueError(f"image_dataset_from_directory: labels must be {len(files)} integers, one per "
                                 f"image file in {directory!r}; got {len(y)} of dtype {y.dtype}")
            class_names = [str(c) for c in sorted(set(y.tolist()))]
            if y.min() < 0 or y.max() >= len(class_names):
                raise ValueError("image_dataset_from_directory: labels must be the integers 0..K-1 of K "
                                 f"classes; got the values {class_names}")
    if not files:
        raise ValueError(f"image_dataset_from_directory: no image files ({', '.join(IMAGE_EXTENSIONS)}) in "
                         f"{directory!r}; check the path or put the images there")
    keep, _ = keep_readable(directory, files)
    if not keep.any():
        raise ValueError(f"image_dataset_from_directory: none of the {len(files)} image files in "
                         f"{directory!r} could be read")
    paths = [os.path.join(directory, f) for f, k in zip(files, keep) if k]
    return paths, (None if labels is None else y[keep]), (class_names if labels is not None else None)
