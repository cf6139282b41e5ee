"""Lab 1, image classification end to end: ``run(ClassifyConfig(...)) -> ClassifyResults``.

Trains a zoo model on Fashion-MNIST (or MNIST, or any folder of images laid
out one sub-folder per class), tests it on held-out images, and writes to
``config.out``: the model (``model.axon``) with ``classes.json`` beside it (an
``axon.zoo.ImageClassifier``, read by ``axon predict``), ``report.md``
(test accuracy, per-class precision/recall/F1, time per epoch, settings) and
PNGs of the learning curves, the confusion matrix, misclassified test images
and the first layer's filters.

    axon lab classify                              # small CNN, 6 epochs, about 0.91-0.92
    axon lab classify --model vgg --augment --epochs 12 --batch-size 128   # 0.93, under 30 min on 2 cores
    axon lab classify --data-dir photos/ --image-size 64 --color-mode rgb

``axon train`` is this lab with its own defaults (``TRAIN_DEFAULTS``): an MLP,
5 epochs of batch 128 at a constant learning rate.
"""
import math
import os
from dataclasses import dataclass, field

import numpy as np

from .. import zoo
from ..optimizers import OPTIMIZERS
from . import checks
from .report import EpochTimer, Report, Stopwatch, Timing, mean_timing

DATASETS = ("fashion-mnist", "mnist")
FILES = {"model": "model.axon", "classes": "classes.json", "report": "report.md",
         "curves": "learning_curves.png", "confusion": "confusion_matrix.png",
         "errors": "misclassified.png", "filters": "filters.png"}
CAPTIONS = {"curves": "Learning curves", "confusion": "Confusion matrix (rows: true class)",
            "errors": "Misclassified test images", "filters": "First-layer filters"}


@dataclass
class ClassifyConfig:
    """Settings of Lab 1; the defaults are those measured in README.md (the small CNN, 6 epochs,
    cosine decay: test accuracy 0.914-0.916 on Fashion-MNIST).

    ``data_dir``: a folder with one sub-folder of images per class, used instead
    of ``dataset`` (``test_split`` of it held out, images resized to
    ``image_size`` (H, W), default 32x32); ``dataset_path``: the folder holding
    the dataset's four IDX files (default: where ``axon.datasets`` finds them).
    ``hidden``: the MLP's hidden units.  ``augment``: random whole-pixel shifts of up
    to ``shift`` pixels (default 1/28 of the image size) and mirroring (except for digits).
    """
    model: str = "cnn"
    dataset: str = "fashion-mnist"
    dataset_path: str | None = None
    data_dir: str | None = None
    image_size: tuple | None = None
    color_mode: str = "grayscale"
    test_split: float = 0.2
    epochs: int = 6
    batch_size: int = 64
    optimizer: str = "adam"
    lr: float | None = None
    schedule: str = "cosine"
    width: float = 1.0
    hidden: tuple | None = None
    augment: bool = False
    shift: int | None = None
    validation_split: float = 0.1
    limit: int | None = None
    test_limit: int | None = None
    seed: int = 0
    out: str = "runs/classify"
    verbose: int = 1

    def __post_init__(self):
        # an unknown name, or a model that is no image classifier, fails here
        zoo.registry.check_arguments(self.model, ["input_shape", "num_classes", "width"]
                                     + ([] if self.hidden is None else ["hidden"]))
        checks.one_of("dataset", self.dataset, DATASETS)
        checks.one_of("color_mode", self.color_mode, ("grayscale", "rgb"))
        checks.one_of("schedule", self.schedule, ("cosine", "constant"))
        checks.one_of("verbose", self.verbose, (0, 1, 2))
        OPTIMIZERS.resolve(self.optimizer)
        checks.fraction("test_split", self.test_split)
        checks.fraction("validation_split", self.validation_split, zero_ok=True)
        for name in ("epochs", "batch_size"):
            checks.at_least(name, getattr(self, name), 1)
        for name in ("limit", "test_limit"):
            checks.at_least(name, getattr(self, name), 1, optional=True)
        checks.at_least("shift", self.shift, 0, optional=True)
        checks.positive("lr", self.lr, optional=True)
        checks.positive("width", self.width)
        if self.image_size is not None:
            if self.data_dir is None:
                raise ValueError("image_size applies to data_dir images; the standard datasets are 28x28")
            self.image_size = tuple(self.image_size)
            if len(self.image_size) != 2 or min(self.image_size) < 1:
                raise ValueError(f"image_size must be (height, width) of at least 1 pixel, got {self.image_size}")
        if self.data_dir is not None and self.dataset_path is not None:
            raise ValueError("give data_dir (a folder of class folders) or dataset_path (the dataset's IDX "
                             "files), not both")
        if self.hidden is not None:
            self.hidden = tuple(self.hidden)
            for units in self.hidden:
                checks.at_least("hidden units", units, 1)


#: ``axon train``: Lab 1 as a plain training run of the MLP (measured: test accuracy 0.876-0.879)
TRAIN_DEFAULTS = dict(model="mlp", epochs=5, batch_size=128, schedule="constant", out="runs/train")


@dataclass
class ClassScore:
    """Test-set precision, recall and F1 of one class, and its number of test images."""
    name: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class ClassifyResults:
    """What Lab 1 measured and wrote.  ``history``: per-epoch logs (loss, accuracy, val_loss,
    val_accuracy); ``epochs``: the ``Timing`` of each epoch; ``sizes``: images for
    training, validation and test; ``files``: what was written, by key of ``FILES``."""
    config: ClassifyConfig
    model: object
    accuracy: float
    per_class: list
    confusion: np.ndarray
    history: dict
    epochs: list
    total: Timing
    source: str
    sizes: dict
    parameters: int
    augmentation: dict | None = None
    files: dict = field(default_factory=dict)

    def summary(self):
        """The result in one line, as ``axon lab classify`` prints it."""
        each = mean_timing(self.epochs)
        return (f"test accuracy: {self.accuracy:.4f}  ({each.wall:.1f} s per epoch, {each.cpu:.1f} s CPU; "
                f"{self.total.wall:.0f} s in all)")


@dataclass
class _Source:
    """What the lab's images are: class names, where they came from, how they look."""
    names: list
    source: str
    dark_background: bool
    mirror: bool


def load_images(config):
    """``(x, y), (x_test, y_test), source``: the lab's images as uint8 (N, H, W, C) with int64
    labels, and their description (class names, source)."""
    if config.data_dir is not None:
        from ..data.image import load_image_folder
        from ..data.splits import train_test_split
        x, y, names = load_image_folder(config.data_dir, target_size=config.image_size or (32, 32),
                                        color_mode=config.color_mode)
        x, xt, y, yt = train_test_split(x, y, test_size=config.test_split, seed=config.seed, stratify=y)
        source = (f"folder {config.data_dir} ({len(x) + len(xt)} images, {config.test_split:.0%} held out "
                  "for testing)")
        return (x, y), (xt, yt), _Source(list(names), source, dark_background=False, mirror=True)
    from ..data import datasets
    module = datasets.fashion_mnist if config.dataset == "fashion-mnist" else datasets.mnist
    (x, y), (xt, yt) = module.load_data(path=config.dataset_path)
    names = list(getattr(module, "CLASS_NAMES", [str(i) for i in range(10)]))
    source = config.dataset if config.dataset_path is None else f"{config.dataset} from {config.dataset_path}"
    return (x[..., None], y.astype(np.int64)), (xt[..., None], yt.astype(np.int64)), \
        _Source(names, source, dark_background=True, mirror=config.dataset == "fashion-mnist")


def _subset(x, y, limit, rng):
    if limit is None or limit >= len(x):
        return x, y
    idx = rng.permutation(len(x))[:limit]
    return x[idx], y[idx]


def run(config):
    """Train, test and report as ``config`` says; returns ``ClassifyResults``."""
    import axon
    from ..data.augmentation import ImageDataGenerator
    from ..metrics import confusion_matrix, precision_recall_f1
    from ..optimizers.schedules import CosineDecay

    watch = Stopwatch()
    axon.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    (x, y), (xt, yt), data = load_images(config)
    x, y = _subset(x, y, config.limit, rng)  # no other reference keeps the full set alive
    xt, yt = _subset(xt, yt, config.test_limit, rng)
    n_val = int(len(x) * config.validation_split)
    order = rng.permutation(len(x))
    val_idx, train_idx = order[:n_val], order[n_val:]
    scale = np.float32(1 / 255)
    xv, yv = x[val_idx].astype(np.float32) * scale, y[val_idx]
    x, y = x[train_idx], y[train_idx]
    x_test = xt.astype(np.float32) * scale
    input_shape = x.shape[1:]

    extra = {} if config.hidden is None else {"hidden": config.hidden}
    model = zoo.get(config.model, input_shape=input_shape, num_classes=len(data.names), width=config.width, **extra)
    optimizer = axon.optimizers.get(config.optimizer, **({} if config.lr is None else {"learning_rate": config.lr}))
    if config.schedule == "cosine":
        steps = config.epochs * math.ceil(len(x) / config.batch_size)
        optimizer.learning_rate = CosineDecay(optimizer.learning_rate, steps, alpha=0.05)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if config.verbose:
        model.summary()
        print(f"data: {data.source}; training {len(x)}, validation {len(xv)}, test {len(xt)} images "
              f"of {input_shape}, {len(data.names)} classes")

    timer = EpochTimer()
    fit_kw = dict(epochs=config.epochs, verbose=config.verbose, callbacks=[timer],
                  validation_data=(xv, yv) if len(xv) else None)
    augmentation = None
    if config.augment:
        # whole-pixel shifts (by default 1/28 of the size) and mirroring: exact, so training images
        # stay as sharp as the test images (sub-pixel shifts, rotations and zoom blur them)
        shift = config.shift if config.shift is not None else max(1, round(min(input_shape[:2]) / 28))
        augmentation = dict(width_shift_range=shift, height_shift_range=shift,
                            horizontal_flip=data.mirror, fill_mode="constant")
        flow = ImageDataGenerator(rescale=1 / 255, **augmentation).flow(x, y, batch_size=config.batch_size,
                                                                        seed=config.seed)
        history = model.fit(flow, **fit_kw)
    else:
        history = model.fit(x.astype(np.float32) * scale, y, batch_size=config.batch_size, shuffle=True, **fit_kw)

    probs = model.predict(x_test, batch_size=500)
    pred = probs.argmax(axis=1)
    accuracy = float(np.mean(pred == yt))
    matrix = confusion_matrix(yt, pred, len(data.names))
    precision, recall, f1 = precision_recall_f1(matrix)
    per_class = [ClassScore(n, float(p), float(r), float(f), int(s))
                 for n, p, r, f, s in zip(data.names, precision, recall, f1, matrix.sum(axis=1))]

    os.makedirs(config.out, exist_ok=True)
    path = lambda key: os.path.join(config.out, FILES[key])
    files = {"model": zoo.ImageClassifier(model, data.names, data.dark_background).save(
        path("model"), model=config.model, test_accuracy=accuracy), "classes": path("classes")}
    files.update(write_plots(config, model, input_shape, history.history, matrix, data.names, x_test, yt, pred, probs))
    results = ClassifyResults(config, model, accuracy, per_class, matrix, dict(history.history), timer.epochs,
                              watch.elapsed(), data.source, {"training": len(x), "validation": len(xv),
                                                             "test": len(xt)},
                              model.count_params(), augmentation, files)
    files["report"] = write_report(results, path("report"))
    return results


def _first_kernel(model, input_shape):
    """The first layer's weights as filters (kh, kw, in, out): a conv kernel, or the first
    Dense layer's columns after a Flatten shown as images."""
    from ..layers import Conv2D, Dense, Flatten
    flat_input = False
    for layer in model.layers:
        if isinstance(layer, Conv2D):
            return layer.kernel.data, "first convolution layer"
        if isinstance(layer, Flatten):
            flat_input = True
        if isinstance(layer, Dense) and flat_input:
            k = layer.kernel.data[:, :32]
            return k.reshape(tuple(input_shape[:2]) + (-1, k.shape[1])), "first Dense layer's weights as images"
    return None, None


def write_plots(config, model, input_shape, logs, matrix, names, x_test, yt, pred, probs):
    """The lab's PNGs; returns their paths by key of ``FILES``."""
    from ..utils.plots import plot_confusion_matrix, plot_filters, plot_history, plot_image_grid
    path = lambda key: os.path.join(config.out, FILES[key])
    done = {"curves": plot_history(logs, path("curves"), title=f"{config.model}: learning curves"),
            "confusion": plot_confusion_matrix(matrix, names, path("confusion"),
                                               title=f"{config.model}: test confusion matrix")}
    wrong = np.flatnonzero(pred != yt)[:32]
    if len(wrong):
        short = lambda i: names[i] if len(names[i]) <= 12 else names[i][:11] + "."
        titles = [f"true: {short(yt[i])}\npred: {short(pred[i])} {probs[i, pred[i]]:.2f}" for i in wrong]
        done["errors"] = plot_image_grid(x_test[wrong], titles, path("errors"), cols=8,
                                         title="Misclassified test images")
    kernel, what = _first_kernel(model, input_shape)
    if kernel is not None:
        done["filters"] = plot_filters(kernel, path("filters"), title=f"{config.model}: {what}")
    return done


def write_report(results, path):
    """``report.md`` of a finished run; returns its path."""
    from .. import __version__
    c, logs = results.config, results.history
    r = Report(f"Lab 1: image classification with `{c.model}`")
    r.paragraph(f"**Test accuracy: {results.accuracy:.4f}** on {results.sizes['test']} test images "
                f"({results.source}).")
    r.section("Per-class results (test set)")
    scores = results.per_class
    macro = [np.mean([getattr(s, k) for s in scores]) for k in ("precision", "recall", "f1")]
    r.table(["class", "precision", "recall", "F1", "support"],
            [[s.name, s.precision, s.recall, s.f1, s.support] for s in scores]
            + [["**macro average**", *macro, sum(s.support for s in scores)]], align="lrrrr")
    r.section("Training")
    value = lambda key, e: f"{logs[key][e]:.4f}" if key in logs else "-"
    r.table(["epoch", "loss", "accuracy", "val loss", "val accuracy", "wall s", "CPU s"],
            [[e + 1, value("loss", e), value("accuracy", e), value("val_loss", e), value("val_accuracy", e),
              f"{t.wall:.1f}", f"{t.cpu:.1f}"] for e, t in enumerate(results.epochs)], align="rrrrrrr")
    each = mean_timing(results.epochs)
    r.paragraph(f"Time per epoch: {each.wall:.1f} s wall clock, {each.cpu:.1f} s CPU (all threads); "
                f"training took {sum(t.wall for t in results.epochs):.0f} s in all, the whole run "
                f"{results.total.describe()}.")
    r.section("Settings")
    r.settings({"model": f"`{c.model}` ({results.parameters:,} parameters, width {c.width}"
                         + (f", hidden {list(c.hidden)}" if c.hidden else "") + ")",
                "data": results.source,
                "images": ", ".join(f"{k} {v}" for k, v in results.sizes.items()),
                "epochs": c.epochs, "batch size": c.batch_size,
                "optimizer": f"{c.optimizer}, learning rate {c.lr if c.lr is not None else 'default'} ({c.schedule})",
                "augmentation": results.augmentation or "none", "seed": c.seed, "axon": __version__})
    r.section("Figures")
    r.figures({CAPTIONS[k]: results.files[k] for k in CAPTIONS if k in results.files}, c.out)
    r.section("Using the model")
    r.code(f"axon predict {results.files['model']} my_image.png")
    return r.write(path)
