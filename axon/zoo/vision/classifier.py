"""``ImageClassifier``: a trained image model with its class names, ready for your own image files.

``save`` writes the model and, beside it, ``classes.json`` (the class names
and how the training images looked: size, colour mode, light on dark or not);
``load`` reads both back, and ``predict_files`` gives the top classes of image
files.  ``axon lab classify`` saves one, ``axon predict`` loads it.

>>> import os, tempfile, axon
>>> from PIL import Image
>>> folder = tempfile.mkdtemp()
>>> clf = ImageClassifier(axon.zoo.get("lenet", num_classes=3), ["cat", "dog", "owl"])
>>> path = clf.save(os.path.join(folder, "model.axon"))
>>> Image.new("L", (20, 20), 128).save(os.path.join(folder, "grey.png"))
>>> top = ImageClassifier.load(path).predict_files([os.path.join(folder, "grey.png")], top=2)
>>> len(top[0]), {name for name, p in top[0]} <= {"cat", "dog", "owl"}, top[0][0][1] >= top[0][1][1]
(2, True, True)
"""
import json
import os

import numpy as np

from ...data.image_files import load_image_batch
from ...io import write_text

CLASSES_FILE = "classes.json"


class ImageClassifier:
    """``model`` (images (N, H, W, C) in [0, 1] -> class probabilities or logits), its
    ``class_names`` (default "0", "1", ...) and ``dark_background`` (its training images were
    light on dark, as Fashion-MNIST's are: light photos are then inverted before predicting)."""

    def __init__(self, model, class_names=None, dark_background=False):
        self.model = model
        self.dark_background = bool(dark_background)
        self.input_shape = _image_input_shape(model)
        outputs = model.output_shape[-1]
        self.class_names = list(class_names) if class_names is not None else [str(i) for i in range(outputs)]
        if len(self.class_names) != outputs:
            raise ValueError(f"{model.describe()} has {outputs} outputs but {len(self.class_names)} class "
                             "names were given")

    def predict_files(self, paths, top=3, invert="auto", engine="axon"):
        """For each image file, its ``top`` (class name, probability) pairs, most likely first
        (``engine``: as ``Model.predict``'s, "axon" or "onnxruntime")."""
        if top < 1:
            raise ValueError(f"top must be at least 1, got {top}")
        x = load_image_batch(paths, self.input_shape, self.dark_background, invert)
        probs = self.model.predict(x, batch_size=64, **({} if engine == "axon" else {"engine": engine}))
        if probs.min() < 0 or not np.allclose(probs.sum(axis=1), 1, atol=1e-3):  # logits
            e = np.exp(probs - probs.max(axis=1, keepdims=True))
            probs = e / e.sum(axis=1, keepdims=True)
        best = np.argsort(-probs, axis=1, kind="stable")[:, :top]
        return [[(self.class_names[i], float(p[i])) for i in row] for row, p in zip(best, probs)]

    def save(self, model_path, **info):
        """Write the model to ``model_path`` and ``classes.json`` beside it (with any ``info``,
        e.g. the test accuracy); returns ``model_path``."""
        self.model.save(model_path)
        h, w, c = self.input_shape
        meta = {"class_names": self.class_names, "input_shape": [h, w, c],
                "color_mode": {1: "grayscale", 3: "rgb", 4: "rgba"}.get(c, f"{c} channels"),
                "scale": 1 / 255, "dark_background": self.dark_background, **info}
        write_text(os.path.join(os.path.dirname(os.path.abspath(model_path)), CLASSES_FILE),
                   json.dumps(meta, indent=1))
        return model_path

    @classmethod
    def load(cls, model_path, classes_path=None):
        """The model at ``model_path`` with the class names of ``classes_path`` (default:
        ``classes.json`` beside the model, when there is one; either a list of names or an object
        with ``class_names``)."""
        from ...models.saving import load_model
        model = load_model(model_path, compile=False)
        meta = _read_classes(model_path, classes_path)
        return cls(model, meta.get("class_names"), meta.get("dark_background", False))


def _read_classes(model_path, classes_path):
    path = classes_path or os.path.join(os.path.dirname(os.path.abspath(model_path)), CLASSES_FILE)
    if not os.path.isfile(path):
        if classes_path:
            raise FileNotFoundError(f"class names file {classes_path!r} does not exist")
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path!r} is not a JSON file of class names: {e}") from None
    meta = {"class_names": meta} if isinstance(meta, list) else meta
    if not isinstance(meta, dict) or not isinstance(meta.get("class_names", []), list):
        raise ValueError(f"{path!r} holds neither a list of class names nor an object with 'class_names'")
    return meta


def _image_input_shape(model):
    """Per-sample input shape (H, W, C) the model was built for."""
    shapes = getattr(model, "_build_shapes", None)
    if not shapes:
        raise ValueError(f"{model.describe()}: records no input shape; call it on a batch of images first")
    shape = tuple(shapes[0][0][1:])
    if len(shape) != 3:
        raise ValueError(f"{model.describe()}: expects inputs of shape {shape}, not images (H, W, C)")
    return shape
