"""Your own image files as a model's input batch: the preparation ``axon predict`` applies.

Each file is read with Pillow, converted to the model's channels (grayscale,
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

from .image import load_img

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
