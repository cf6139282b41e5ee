"""Data augmentation and image batches: Keras's ``ImageDataGenerator``.

``ImageDataGenerator(...)`` describes random transforms and standardization;
``flow(x, y)`` serves batches of in-memory arrays and ``flow_from_directory``
batches of image files labelled by their sub-folder.  Both return objects with
``len()`` and ``[i]`` (batches) and ``on_epoch_end()`` (reshuffle), which
``model.fit`` takes directly.

A batch goes through, in order: the geometric transform (rotation, shifts,
shear and zoom combined into one affine matrix per image, applied with
``scipy.ndimage.affine_transform``), channel shift, flips, brightness, hue
shift, grayscale, random crop; then standardization (``preprocessing_function``,
``rescale``, sample-wise, then feature-wise centring and scaling); Gaussian noise
comes last, so ``noise_std`` is in the units of the standardized output.

>>> import numpy as np
>>> gen = ImageDataGenerator(rescale=1 / 255, horizontal_flip=True)
>>> batches = gen.flow(np.zeros((10, 8, 8, 1), "uint8"), np.arange(10), batch_size=4, seed=0)
>>> len(batches), batches[0][0].shape, batches[2][0].shape
(3, (4, 8, 8, 1), (2, 8, 8, 1))
"""
import os

import numpy as np

from .. import backend
from .batches import Batches
from .image import COLOR_MODES, _resample, check_target_size, load_img, scan_directory

FILL_MODES = ("nearest", "constant", "reflect", "wrap")
CLASS_MODES = ("categorical", "binary", "sparse", "input", None)
# fill_mode -> SciPy ndimage mode (Keras's 'wrap' is abcd|abcd, SciPy's 'grid-wrap') and np.pad mode
_NDIMAGE_MODES = {"nearest": "nearest", "constant": "constant", "reflect": "reflect", "wrap": "grid-wrap"}
_PAD_MODES = {"nearest": "edge", "constant": "constant", "reflect": "symmetric", "wrap": "wrap"}
_LUMA = np.array([0.299, 0.587, 0.114])


def _pair(value, name, around_one=False):
    if value is None or value == 0:
        return None
    if np.isscalar(value):
        v = float(value)
        return (1 - v, 1 + v) if around_one else (-v, v)
    if len(value) != 2:
        raise ValueError(f"ImageDataGenerator: {name} must be a number or a pair (low, high), got {value!r}")
    return float(value[0]), float(value[1])


class ImageDataGenerator:
    """Random image transforms and standardization, with Keras's arguments.

    Geometry: ``rotation_range`` (degrees), ``width_shift_range`` and
    ``height_shift_range`` (a fraction of the size when below 1, else pixels;
    an int draws whole pixels; a list draws from it), ``shear_range`` (degrees),
    ``zoom_range`` (float z for [1-z, 1+z] or a pair; below 1 zooms in),
    ``fill_mode`` ('nearest', 'constant' with ``cval``, 'reflect', 'wrap').
    Flips: ``horizontal_flip`` (alias ``mirror``), ``vertical_flip``.
    Colour: ``brightness_range`` (factor pair), ``channel_shift_range``,
    ``hue_shift_range`` (fraction of the colour circle, RGB only),
    ``grayscale`` (probability of turning an RGB image grey).
    ``random_crop=(h, w)`` with ``crop_padding`` pixels added around first.
    Standardization: ``preprocessing_function`` (per image), ``rescale``,
    ``samplewise_center``/``samplewise_std_normalization``,
    ``featurewise_center``/``featurewise_std_normalization`` (per channel,
    statistics from ``fit(x)``).  ``noise_std``: Gaussian noise added last.
    ``validation_split`` with ``subset='training'|'validation'`` in ``flow``:
    as in Keras, the validation part is the *first* fraction of the samples
    (of each class's sorted files in ``flow_from_directory``).
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 rotation_range=0.0, width_shift_range=0.0, height_shift_range=0.0,
                 brightness_range=None, shear_range=0.0, zoom_range=0.0, channel_shift_range=0.0,
                 fill_mode="nearest", cval=0.0, horizontal_flip=False, vertical_flip=False,
                 rescale=None, preprocessing_function=None, data_format="channels_last",
                 validation_split=0.0, interpolation_order=1, dtype=None,
                 hue_shift_range=0.0, grayscale=0.0, noise_std=0.0, random_crop=None, crop_padding=0,
                 mirror=False):
        if fill_mode not in FILL_MODES:
            raise ValueError(f"ImageDataGenerator: fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError("ImageDataGenerator: data_format must be 'channels_last' or 'channels_first', "
                             f"got {data_format!r}")
        if not 0 <= validation_split < 1:
            raise ValueError(f"ImageDataGenerator: validation_split must be in [0, 1), got {validation_split}")
        if not 0 <= grayscale <= 1:
            raise ValueError(f"ImageDataGenerator: grayscale is a probability in [0, 1], got {grayscale}")
        if random_crop is not None and (len(random_crop) != 2 or min(random_crop) < 1):
            raise ValueError(f"ImageDataGenerator: random_crop must be (height, width), got {random_crop!r}")
        self.featurewise_center, self.samplewise_center = featurewise_center, samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.rotation_range = float(rotation_range)
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.brightness_range = _pair(brightness_range, "brightness_range")
        self.shear_range = float(shear_range)
        self.zoom_range = _pair(zoom_range, "zoom_range", around_one=True)
        self.channel_shift_range = float(channel_shift_range)
        self.fill_mode, self.cval = fill_mode, float(cval)
        self.horizontal_flip = bool(horizontal_flip or mirror)
        self.vertical_flip = bool(vertical_flip)
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.data_format = data_format
        self.validation_split = float(validation_split)
        self.interpolation_order = int(interpolation_order)
        self.dtype = np.dtype(dtype or backend.floatx())
        self.hue_shift_range = float(hue_shift_range)
        self.grayscale, self.noise_std = float(grayscale), float(noise_std)
        self.random_crop = None if random_crop is None else (int(random_crop[0]), int(random_crop[1]))
        self.crop_padding = int(crop_padding)
        self.mean = self.std = None

    # ----- statistics
    def fit(self, x, augment=False, rounds=1, seed=None):
        """Per-channel mean and std for the feature-wise options, from images ``x`` (N, H, W, C)
        after the stages of standardization that come before them (``rescale``, sample-wise).
        ``augment`` computes them over ``rounds`` randomly transformed copies."""
        x = self._to_last(np.asarray(x, dtype=self.dtype))
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit: expected images (N, H, W, C), got shape {x.shape}")
        if augment:
            rng = np.random.default_rng(seed)
            x = np.concatenate([self._augment(x, rng) for _ in range(rounds)])
        x = self._pre_featurewise(x)
        if self.featurewise_center:
            self.mean = x.mean(axis=(0, 1, 2), keepdims=True)[0]
            x = x - self.mean
        if self.featurewise_std_normalization:
            self.std = x.std(axis=(0, 1, 2), keepdims=True)[0]
        return self

    # ----- standardization
    def standardize(self, x):
        """Standardize a batch (N, H, W, C) (or one image); returns a new float array."""
        single = np.ndim(x) == 3
        x = np.asarray(x, dtype=self.dtype)
        x = self._to_last(x[None] if single else x)
        x = self._pre_featurewise(x)
        if self.featurewise_center:
            if self.mean is None:
                raise RuntimeError("ImageDataGenerator has featurewise_center=True but was not fitted: "
                                   "call fit(x_train) first")
            x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                raise RuntimeError("ImageDataGenerator has featurewise_std_normalization=True but was not "
                                   "fitted: call fit(x_train) first")
            x /= self.std + 1e-6
        x = self._to_format(x)
        return x[0] if single else x

    def _pre_featurewise(self, x):
        if self.preprocessing_function is not None:
            x = np.stack([np.asarray(self.preprocessing_function(img), dtype=self.dtype) for img in x])
        else:
            x = x.copy()
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= x.mean(axis=(1, 2, 3), keepdims=True)
        if self.samplewise_std_normalization:
            x /= x.std(axis=(1, 2, 3), keepdims=True) + 1e-6
        return x

    def _to_last(self, x):
        return np.moveaxis(x, -3, -1) if self.data_format == "channels_first" else x

    def _to_format(self, x):
        return np.moveaxis(x, -1, -3) if self.data_format == "channels_first" else x

    # ----- random transforms
    def random_transform(self, x, seed=None):
        """One randomly transformed copy of one image (H, W, C) (no standardization)."""
        rng = np.random.default_rng(seed) if seed is not None else backend.rng()
        x = self._to_last(np.asarray(x, dtype=self.dtype)[None])
        return self._to_format(self._augment(x, rng))[0]

    def transform_batch(self, x, rng=None):
        """Augment then standardize a batch (N, H, W, C) in the generator's data format."""
        rng = rng if rng is not None else backend.rng()
        x = self._to_last(np.asarray(x, dtype=self.dtype))
        x = self._augment(x, rng)
        x = self.standardize(self._to_format(x))
        if self.noise_std:
            x = x + rng.normal(0.0, self.noise_std, x.shape).astype(self.dtype)
        return x

    def _augment(self, x, rng):
        """The random transforms of a channels-last batch, as a new array."""
        x = self._affine(x, rng)
        n = len(x)
        if self.channel_shift_range:
            shift = rng.uniform(-self.channel_shift_range, self.channel_shift_range, (n, 1, 1, 1))
            lo = x.min(axis=(1, 2), keepdims=True)
            hi = x.max(axis=(1, 2), keepdims=True)
            x = np.clip(x + shift.astype(x.dtype), lo, hi)
        if self.horizontal_flip:
            flip = rng.random(n) < 0.5
            x[flip] = x[flip, :, ::-1]
        if self.vertical_flip:
            flip = rng.random(n) < 0.5
            x[flip] = x[flip, ::-1]
        if self.brightness_range:
            x = x * rng.uniform(*self.brightness_range, (n, 1, 1, 1)).astype(x.dtype)
        if self.hue_shift_range:
            x = self._hue_shift(x, rng.uniform(-self.hue_shift_range, self.hue_shift_range, n))
        if self.grayscale and x.shape[-1] == 3:
            grey = rng.random(n) < self.grayscale
            luma = x[grey] @ _LUMA.astype(x.dtype)
            x[grey] = luma[..., None]
        if self.random_crop:
            x = self._crop(x, rng)
        return x

    def _shift(self, value, size, n, rng):
        if isinstance(value, (list, tuple, np.ndarray)):
            return rng.choice(np.asarray(value, dtype=np.float64), n)
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1:
            return rng.integers(-value, value + 1, n).astype(np.float64)
        v = float(value)
        return rng.uniform(-v, v, n) * (size if v < 1 else 1)

    def _affine(self, x, rng):
        """Rotation, shift, shear and zoom as one matrix per image (output -> input coordinates)."""
        n, h, w = x.shape[:3]
        rot = np.deg2rad(rng.uniform(-self.rotation_range, self.rotation_range, n)) \
            if self.rotation_range else np.zeros(n)
        tx = self._shift(self.height_shift_range, h, n, rng) if np.any(self.height_shift_range) else np.zeros(n)
        ty = self._shift(self.width_shift_range, w, n, rng) if np.any(self.width_shift_range) else np.zeros(n)
        shear = np.deg2rad(rng.uniform(-self.shear_range, self.shear_range, n)) \
            if self.shear_range else np.zeros(n)
        zx, zy = (rng.uniform(*self.zoom_range, (2, n)) if self.zoom_range else np.ones((2, n)))
        if not (rot.any() or tx.any() or ty.any() or shear.any() or (zx != 1).any() or (zy != 1).any()):
            return x.copy()
        c, s = np.cos(rot), np.sin(rot)
        # rotation @ shear @ zoom, the 2x2 part; then the shift, all about the image centre
        a = np.empty((n, 2, 2))
        a[:, 0, 0] = zx * c
        a[:, 0, 1] = zy * (-c * np.sin(shear) - s * np.cos(shear))
        a[:, 1, 0] = zx * s
        a[:, 1, 1] = zy * (-s * np.sin(shear) + c * np.cos(shear))
        centre = np.array([(h - 1) / 2.0, (w - 1) / 2.0])
        shift = np.stack([c * tx - s * ty, s * tx + c * ty], 1)  # rotation @ (tx, ty)
        offset = centre - a @ centre + shift
        from scipy import ndimage
        out = np.empty_like(x)
        mode = _NDIMAGE_MODES[self.fill_mode]
        order = self.interpolation_order
        for i in range(n):
            for ch in range(x.shape[-1]):
                ndimage.affine_transform(x[i, :, :, ch], a[i], offset[i], output=out[i, :, :, ch],
                                         order=order, mode=mode, cval=self.cval, prefilter=False)
        return out

    @staticmethod
    def _hue_shift(x, turns):
        """Rotate the chroma of RGB images in YIQ space by ``turns`` of the colour circle."""
        if x.shape[-1] != 3:
            raise ValueError(f"ImageDataGenerator: hue_shift_range needs RGB images (3 channels), "
                             f"got {x.shape[-1]}")
        to_yiq = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
        th = 2 * np.pi * turns
        rot = np.zeros((len(x), 3, 3))
        rot[:, 0, 0] = 1
        rot[:, 1, 1] = rot[:, 2, 2] = np.cos(th)
        rot[:, 1, 2], rot[:, 2, 1] = -np.sin(th), np.sin(th)
        m = np.linalg.inv(to_yiq) @ rot @ to_yiq  # (n, 3, 3), applied to row vectors as x @ m.T
        lo, hi = x.min(), x.max()
        out = np.einsum("nhwc,ndc->nhwd", x, m.astype(x.dtype), optimize=True)
        return np.clip(out, lo, hi)

    def _crop(self, x, rng):
        ch, cw = self.random_crop
        p = self.crop_padding
        if p:
            kw = {"constant_values": self.cval} if self.fill_mode == "constant" else {}
            x = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)), mode=_PAD_MODES[self.fill_mode], **kw)
        n, h, w = x.shape[:3]
        if ch > h or cw > w:
            raise ValueError(f"ImageDataGenerator: random_crop {self.random_crop} is larger than the "
                             f"(padded) images {(h, w)}")
        oy = rng.integers(0, h - ch + 1, n)
        ox = rng.integers(0, w - cw + 1, n)
        windows = np.lib.stride_tricks.sliding_window_view(x, (ch, cw), axis=(1, 2))
        return np.ascontiguousarray(np.moveaxis(windows[np.arange(n), oy, ox], 1, -1))

    # ----- batch sources
    def flow(self, x, y=None, batch_size=32, shuffle=True, seed=None, sample_weight=None, subset=None):
        """Batches ``(x, y)`` (or ``x`` alone without ``y``) of augmented, standardized images."""
        return NumpyArrayIterator(x, y, self, batch_size, shuffle, seed, sample_weight, subset)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                            follow_links=False, subset=None, interpolation="nearest", validate=True):
        """Batches of the images in ``directory``, labelled by sub-folder (see ``DirectoryIterator``)."""
        return DirectoryIterator(directory, self, target_size, color_mode, classes, class_mode,
                                 batch_size, shuffle, seed, follow_links, subset, interpolation, validate)


class _BatchIterator(Batches):
    """Reshuffling batches of images (``len``, ``[i]``, ``on_epoch_end``) that are also an endless
    iterator, as Keras's image iterators are."""

    def __init__(self, n, batch_size, shuffle, seed):
        self.batch_index = 0
        super().__init__(n, batch_size, shuffle, seed)

    def __iter__(self):
        return self

    def __next__(self):
        batch = self[self.batch_index]
        self.batch_index += 1
        if self.batch_index == len(self):
            self.batch_index = 0
            self.on_epoch_end()
        return batch

    def reset(self):
        self.batch_index = 0


class NumpyArrayIterator(_BatchIterator):
    """Batches of arrays through an ``ImageDataGenerator`` (made by ``flow``)."""

    def __init__(self, x, y, generator, batch_size=32, shuffle=True, seed=None, sample_weight=None,
                 subset=None):
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise ValueError(f"flow: x must hold numbers (pixel values), got dtype {x.dtype}; read image files "
                             "with flow_from_directory, or convert x with np.asarray(x, 'float32')")
        if x.ndim != 4:
            raise ValueError(f"flow: expected images of 4 dimensions (N, H, W, C), got shape {x.shape}; "
                             "add a channel axis with x[..., None]")
        if y is not None and len(y) != len(x):
            raise ValueError(f"flow: x has {len(x)} samples but y has {len(y)}")
        if sample_weight is not None and len(sample_weight) != len(x):
            raise ValueError(f"flow: x has {len(x)} samples but sample_weight has {len(sample_weight)}")
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f"flow: subset must be 'training' or 'validation', got {subset!r}")
            if not generator.validation_split:
                raise ValueError("flow: subset given but the generator has no validation_split")
            cut = int(len(x) * generator.validation_split)
            part = slice(0, cut) if subset == "validation" else slice(cut, None)
            x = x[part]
            y = None if y is None else np.asarray(y)[part]
            sample_weight = None if sample_weight is None else np.asarray(sample_weight)[part]
        self.x, self.y = x, (None if y is None else np.asarray(y))
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.generator = generator
        super().__init__(len(x), batch_size, shuffle, seed)

    def batch(self, idx):
        xb = self.generator.transform_batch(self.x[idx], self.random)
        if self.y is None:
            return xb
        if self.sample_weight is None:
            return xb, self.y[idx]
        return xb, self.y[idx], self.sample_weight[idx]


class DirectoryIterator(_BatchIterator):
    """Batches of image files from ``directory/<class>/...`` through an ``ImageDataGenerator``.

    Attributes: ``class_indices`` (name -> index, sorted names unless
    ``classes`` is given), ``filenames`` (relative paths), ``filepaths``,
    ``classes`` (label per file), ``samples``, ``num_classes``, ``image_shape``
    and ``skipped`` (files that could not be decoded, with the reason; a
    warning names them).  ``class_mode``: 'categorical' (one-hot), 'binary'
    (0/1 floats, two classes), 'sparse' (int labels), 'input' (the images
    themselves, for autoencoders) or None (images only).
    """

    def __init__(self, directory, generator, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, follow_links=False,
                 subset=None, interpolation="nearest", validate=True):
        if color_mode not in COLOR_MODES:
            raise ValueError(f"flow_from_directory: color_mode must be one of {sorted(COLOR_MODES)}, "
                             f"got {color_mode!r}")
        if class_mode not in CLASS_MODES:
            raise ValueError(f"flow_from_directory: class_mode must be one of {CLASS_MODES}, got {class_mode!r}")
        target_size = check_target_size(target_size, "flow_from_directory")
        _resample(interpolation)
        self.directory = os.fspath(directory)
        filenames, labels, names, self.skipped = scan_directory(directory, classes, follow_links, validate)
        if class_mode == "binary" and len(names) != 2:
            raise ValueError(f"flow_from_directory: class_mode='binary' needs exactly 2 classes, "
                             f"found {len(names)}: {names}")
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f"flow_from_directory: subset must be 'training' or 'validation', got {subset!r}")
            if not generator.validation_split:
                raise ValueError("flow_from_directory: subset given but the generator has no validation_split")
            keep = np.zeros(len(labels), dtype=bool)
            for c in range(len(names)):
                where = np.flatnonzero(labels == c)
                cut = int(len(where) * generator.validation_split)
                keep[where[:cut] if subset == "validation" else where[cut:]] = True
            filenames = [f for f, k in zip(filenames, keep) if k]
            labels = labels[keep]
        self.filenames, self.classes = filenames, labels
        self.filepaths = [os.path.join(self.directory, f) for f in filenames]
        self.class_indices = {name: i for i, name in enumerate(names)}
        self.num_classes, self.samples = len(names), len(filenames)
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")  # as Keras does
        self.target_size = target_size
        self.color_mode, self.class_mode, self.interpolation = color_mode, class_mode, interpolation
        channels = {"grayscale": 1, "rgb": 3, "rgba": 4}[color_mode]
        size = generator.random_crop or self.target_size  # the shape of the batches served
        self.image_shape = size + (channels,) if generator.data_format == "channels_last" \
            else (channels,) + size
        self.generator = generator
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def labels(self):
        return self.classes

    def batch(self, idx):
        h, w = self.target_size
        channels = {"grayscale": 1, "rgb": 3, "rgba": 4}[self.color_mode]
        raw = np.empty((len(idx), h, w, channels), dtype=self.generator.dtype)
        for k, i in enumerate(idx):
            img = load_img(self.filepaths[i], self.color_mode, self.target_size, self.interpolation)
            arr = np.asarray(img, dtype=self.generator.dtype)
            raw[k] = arr[:, :, None] if arr.ndim == 2 else arr
        xb = self.generator.transform_batch(self.generator._to_format(raw), self.random)
        labels = self.classes[idx]
        if self.class_mode is None:
            return xb
        if self.class_mode == "input":
            return xb, xb.copy()
        if self.class_mode == "sparse":
            return xb, labels
        if self.class_mode == "binary":
            return xb, labels.astype(self.generator.dtype)
        return xb, np.eye(self.num_classes, dtype=self.generator.dtype)[labels]
