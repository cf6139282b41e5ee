"""``axon predict MODEL IMAGE...``: classify your own image files with a saved model.

Each image is read with Pillow, converted to the model's channels (grayscale
or RGB), resized to its input size, scaled to [0, 1] and, for models trained
on light-on-dark images such as Fashion-MNIST, inverted when its border is
light (a photo of a shirt on a white table).  The top classes are printed with
their probabilities.

Class names come from ``classes.json`` beside the model (written by
``axon lab classify`` and ``axon train``; either a list of names or an object
with ``class_names``), or from ``--classes``.

    axon predict runs/classify/model.axon shirt.jpg boot.png --top 3
"""
import json
import os
import sys


def add_arguments(p):
    p.add_argument("model", help="a model saved by model.save (e.g. runs/classify/model.axon)")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files to classify")
    p.add_argument("--classes", default=None,
                   help="JSON file with the class names (default: classes.json beside the model)")
    p.add_argument("--top", type=int, default=3, help="how many classes to show per image (default 3)")
    p.add_argument("--invert", default="auto", choices=("auto", "yes", "no"),
                   help="invert grey levels: auto does it for light-background images when the model "
                        "was trained on dark backgrounds")


def read_metadata(model_path, classes_path=None):
    """The class names and input description saved beside ``model_path`` (a dict)."""
    path = classes_path or os.path.join(os.path.dirname(os.path.abspath(model_path)), "classes.json")
    if not os.path.exists(path):
        if classes_path:
            raise FileNotFoundError(f"--classes file {classes_path!r} does not exist")
        return {}
    with open(path) as f:
        meta = json.load(f)
    return {"class_names": meta} if isinstance(meta, list) else meta


def input_shape(model):
    """Per-sample input shape (H, W, C) the model was built for."""
    shapes = getattr(model, "_build_shapes", None)
    if not shapes:
        raise ValueError(f"{model.describe()}: the saved model records no input shape")
    shape = tuple(shapes[0][0][1:])
    if len(shape) != 3:
        raise ValueError(f"{model.describe()}: expects inputs of shape {shape}, not images (H, W, C)")
    return shape


def prepare(paths, shape, dark_background=False, invert="auto"):
    """Images at ``paths`` as a float32 batch of ``shape`` (H, W, C) in [0, 1]."""
    import numpy as np
    from ..data.image import load_img
    h, w, c = shape
    if c not in (1, 3, 4):
        raise ValueError(f"the model expects {c} channels; only 1 (grayscale), 3 (RGB) or 4 are images")
    mode = {1: "grayscale", 3: "rgb", 4: "rgba"}[c]
    batch = np.empty((len(paths),) + tuple(shape), dtype=np.float32)
    for k, path in enumerate(paths):
        img = load_img(path, color_mode=mode, target_size=(h, w), interpolation="bilinear")
        x = np.asarray(img, dtype=np.float32).reshape(h, w, c) / 255.0
        border = np.concatenate([x[0].ravel(), x[-1].ravel(), x[:, 0].ravel(), x[:, -1].ravel()])
        if invert == "yes" or (invert == "auto" and dark_background and border.mean() > 0.5):
            x = 1.0 - x
        batch[k] = x
    return batch


def run(args):
    import numpy as np
    from ..models.saving import load_model
    if args.top < 1:
        raise ValueError(f"--top must be at least 1, got {args.top}")
    missing = [p for p in args.images if not os.path.exists(p)]
    if missing:
        print(f"axon predict: no such image file(s): {', '.join(missing)}", file=sys.stderr)
        return 2
    model = load_model(args.model)
    meta = read_metadata(args.model, args.classes)
    shape = input_shape(model)
    x = prepare(args.images, shape, meta.get("dark_background", False), args.invert)
    probs = model.predict(x, batch_size=64)
    if probs.min() < 0 or not np.allclose(probs.sum(axis=1), 1, atol=1e-3):  # logits
        e = np.exp(probs - probs.max(axis=1, keepdims=True))
        probs = e / e.sum(axis=1, keepdims=True)
    names = meta.get("class_names") or [str(i) for i in range(probs.shape[1])]
    if len(names) != probs.shape[1]:
        raise ValueError(f"the model has {probs.shape[1]} outputs but {len(names)} class names were found")
    for path, p in zip(args.images, probs):
        top = np.argsort(-p)[:args.top]
        print(f"{path}: " + ", ".join(f"{names[i]} {p[i]:.3f}" for i in top))
    return 0
