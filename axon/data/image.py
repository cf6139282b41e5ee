"""Image files: reading them with Pillow (``load_img``), converting to and from arrays, and whole
folders laid out one sub-folder per class (``load_image_folder``).

>>> import numpy as np
>>> img = array_to_img(np.zeros((4, 6, 1), "float32"))
>>> img.size, img_to_array(img).shape
((6, 4), (4, 6, 1))
"""
import io
import os
import warnings

import numpy as np

from .. import backend

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".pgm", ".tif", ".tiff", ".gif", ".webp")
COLOR_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}


def _pil_image():
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("reading images needs Pillow: pip install 'axon[vision]'") from e
    return Image


def _resample(interpolation):
    Image = _pil_image()
    methods = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
               "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS,
               "box": Image.Resampling.BOX, "hamming": Image.Resampling.HAMMING,
               # the names Keras 3's image_dataset_from_directory uses for two of them
               "area": Image.Resampling.BOX, "lanczos3": Image.Resampling.LANCZOS}
    if interpolation not in methods:
        raise ValueError(f"interpolation must be one of {sorted(methods)}, got {interpolation!r}")
    return methods[interpolation]


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """The image file ``path`` as a PIL image in ``color_mode`` ('grayscale', 'rgb', 'rgba'),
    resized to ``target_size`` = (height, width) when given.  With
    ``keep_aspect_ratio`` the largest centred window of the target's aspect
    ratio is cut out first (Keras's rule), so nothing is stretched.

    Raises ``ValueError`` naming the file when it is not a readable image.
    """
    Image = _pil_image()
    if color_mode not in COLOR_MODES:
        raise ValueError(f"load_img: color_mode must be one of {sorted(COLOR_MODES)}, got {color_mode!r}")
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    try:
        img = Image.open(io.BytesIO(raw))
        img.load()
    except Exception as e:  # Pillow raises many kinds for damaged files
        raise ValueError(f"load_img: cannot read image {path!r}: {e}") from e
    img = _to_8_bits(img)
    if img.mode != COLOR_MODES[color_mode]:
        if color_mode == "grayscale" and img.mode in ("RGBA", "LA", "P"):
            img = img.convert("RGBA").convert("L")
        else:
            img = img.convert(COLOR_MODES[color_mode])
    if target_size is not None:
        h, w = (int(s) for s in target_size)
        box = _centre_crop(img.size, (h, w)) if keep_aspect_ratio else None
        if img.size != (w, h) or box is not None:
            img = img.resize((w, h), _resample(interpolation), box=box)
    return img


def _to_8_bits(img):
    """A 16-bit grey image (Pillow modes ``I;16*``, or ``I`` holding values above 255, as 16-bit
    PNGs open) scaled to 8 bits (``v / 257``: 65535 -> 255); Pillow's own conversion clips
    every value above 255 to white."""
    if not (img.mode.startswith("I;16") or img.mode == "I"):
        return img
    values = np.asarray(img, dtype=np.float64)
    if img.mode == "I" and values.max(initial=0) <= 255:
        return img.convert("L")
    return _pil_image().fromarray(np.clip(np.rint(values / 257.0), 0, 255).astype(np.uint8), "L")


def check_target_size(target_size, who, name="target_size"):
    """``target_size`` as a ``(height, width)`` tuple of positive ints, else ``ValueError`` naming ``who``."""
    if (not isinstance(target_size, (tuple, list)) or len(target_size) != 2
            or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1
                       for s in target_size)):
        raise ValueError(f"{who}: {name} must be a tuple (height, width) of two positive whole numbers, got "
                         f"{target_size!r}; for square images write {name}=(n, n)")
    return int(target_size[0]), int(target_size[1])


def _centre_crop(size, target_size):
    """The box (left, top, right, bottom) of the largest centred window of an image of ``size``
    (width, height) with the aspect ratio of ``target_size`` (height, width)."""
    width, height = size
    th, tw = target_size
    crop_h = max(min(height, width * th // tw), 1)
    crop_w = max(min(width, height * tw // th), 1)
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return left, top, left + crop_w, top + crop_h


def img_to_array(img, data_format="channels_last", dtype=None):
    """A PIL image as a float array (H, W, C) (or (C, H, W) for ``channels_first``).

    >>> from PIL import Image
    >>> img_to_array(Image.new("L", (5, 3))).shape
    (3, 5, 1)
    """
    x = np.asarray(img, dtype=dtype or backend.floatx())
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise ValueError(f"img_to_array: expected an image of 2 or 3 dimensions, got shape {x.shape}")
    return np.moveaxis(x, -1, 0) if data_format == "channels_first" else x


def array_to_img(x, data_format="channels_last", scale=True):
    """An array (H, W, C) with 1, 3 or 4 channels as a PIL image; ``scale`` maps its
    minimum..maximum to 0..255, otherwise values are clipped to 0..255.

    >>> array_to_img(np.zeros((4, 6, 3))).size
    (6, 4)
    """
    Image = _pil_image()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    if data_format == "channels_first":
        x = np.moveaxis(x, 0, -1)
    if x.ndim != 3 or x.shape[-1] not in (1, 3, 4):
        raise ValueError(f"array_to_img: expected (height, width, 1|3|4 channels), got shape {x.shape}")
    if scale:
        x = x - x.min()
        top = x.max()
        x = x * (255.0 / top) if top > 0 else x
    x = np.clip(np.rint(x), 0, 255).astype(np.uint8)
    if x.shape[-1] == 1:
        return Image.fromarray(x[:, :, 0], "L")
    return Image.fromarray(x, "RGB" if x.shape[-1] == 3 else "RGBA")


def list_image_files(directory, follow_links=False):
    """Paths (relative to ``directory``) of the image files in it and in all its sub-folders, in
    Keras's order: folder by folder sorted by path, files sorted by name in each."""
    walk = sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0])
    return [os.path.relpath(os.path.join(root, f), directory)
            for root, _, files in walk for f in sorted(files) if f.lower().endswith(IMAGE_EXTENSIONS)]


def check_folder(directory):
    """``directory`` as a string, if it is a folder; a path the user gives is the only place looked at."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"image folder {directory!r} does not exist or is not a folder; check the "
                                "path (it is the only place looked at)")
    return directory


def class_folders(directory, classes=None):
    """The class names of ``directory``: its sub-folders sorted by name (hidden ones, such as
    ``.ipynb_checkpoints``, left out), or ``classes`` after checking that each has a sub-folder."""
    if classes is None:
        classes = sorted(d for d in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, d)) and not d.startswith("."))
        if not classes:
            raise ValueError(f"image folder {directory!r} has no sub-folders; put each class's images "
                             "in a sub-folder named after the class")
    else:
        missing = [c for c in classes if not os.path.isdir(os.path.join(directory, c))]
        if missing:
            raise ValueError(f"image folder {directory!r} has no sub-folder for classes {missing}")
    return list(classes)


def keep_readable(directory, filenames, validate=True):
    """A boolean mask of the ``filenames`` (relative to ``directory``) that decode as images, all
    True without ``validate``, and ``(filename, reason)`` for the others, named in one warning."""
    reasons = [_unreadable(os.path.join(directory, rel)) if validate else None for rel in filenames]
    skipped = [(rel, r) for rel, r in zip(filenames, reasons) if r is not None]
    if skipped:
        listed = "; ".join(f"{f} ({r})" for f, r in skipped[:20])
        more = f"; and {len(skipped) - 20} more" if len(skipped) > 20 else ""
        warnings.warn(f"image folder {directory!r}: skipped {len(skipped)} unreadable image file(s): "
                      f"{listed}{more}", stacklevel=4)
    return np.array([r is None for r in reasons], dtype=bool), skipped


def scan_directory(directory, classes=None, follow_links=False, validate=True):
    """Files of an image folder laid out one sub-folder per class.

    Returns ``(filenames, labels, class_names, skipped)``: paths relative to
    ``directory`` (in ``list_image_files`` order, class by class), int labels
    (index into the sorted class names, or into ``classes`` when given), and
    ``(filename, reason)`` for every file that could not be decoded (only
    checked when ``validate``; each image is then decoded once, up front, so a
    damaged file never stops training mid-epoch).
    """
    directory = check_folder(directory)
    classes = class_folders(directory, classes)
    filenames, labels = [], []
    for label, name in enumerate(classes):
        found = list_image_files(os.path.join(directory, name), follow_links)
        filenames += [os.path.join(name, rel) for rel in found]
        labels += [label] * len(found)
    keep, skipped = keep_readable(directory, filenames, validate)
    filenames = [f for f, k in zip(filenames, keep) if k]
    if not filenames:
        raise ValueError(f"image folder {directory!r}: no readable images with extensions "
                         f"{IMAGE_EXTENSIONS} in the class sub-folders {list(classes)}")
    return filenames, np.asarray(labels, dtype=np.int64)[keep], list(classes), skipped


def _unreadable(path):
    """None when ``path`` decodes as an image, else the reason it does not."""
    Image = _pil_image()
    try:
        with Image.open(path) as img:
            img.load()
    except Exception as e:  # Pillow raises many kinds for damaged files
        return f"{type(e).__name__}: {e}"
    return None


def load_image_folder(directory, target_size=None, color_mode="rgb", classes=None,
                      interpolation="bilinear"):
    """All images of a class-per-sub-folder layout in memory: ``(x, y, class_names)`` with ``x``
    uint8 (N, H, W, C), ``y`` int64.  Unreadable files are skipped with a warning naming them.

    Without ``target_size`` every image must have the size of the first one.
    """
    filenames, labels, names, _ = scan_directory(directory, classes)
    first = None
    images = []
    for rel in filenames:
        img = load_img(os.path.join(directory, rel), color_mode, target_size, interpolation)
        arr = np.asarray(img, dtype=np.uint8)
        arr = arr[:, :, None] if arr.ndim == 2 else arr
        if first is None:
            first = (rel, arr.shape)
        elif arr.shape != first[1]:
            raise ValueError(f"image folder {directory!r}: {rel} has shape {arr.shape} but {first[0]} has "
                             f"{first[1]}; pass target_size=(height, width) to resize them all")
        images.append(arr)
    return np.stack(images), labels, names
