"""``axon lab classify``: Lab 1, image classification end to end.

Trains a zoo model on Fashion-MNIST (or MNIST, or any folder of images laid
out one sub-folder per class), evaluates it on the held-out test set, and
writes to ``--out``: the model (``model.axon``), ``classes.json`` (class
names and the input format, read by ``axon predict``), ``report.md`` (test
accuracy, per-class precision/recall/F1, time per epoch, settings) and PNGs of
the learning curves, the confusion matrix, misclassified test images and the
first layer's filters.

    axon lab classify                              # small CNN, 6 epochs, about 0.91-0.92
    axon lab classify --model vgg --augment --epochs 12 --batch-size 128   # 0.93, under 30 min on 2 cores
    axon lab classify --data-dir photos/ --image-size 64 --color-mode rgb
"""
import argparse
import json
import math
import os
import time

from ..callbacks import Callback

MODELS = ("cnn", "mlp", "lenet", "mnist-cnn", "alexnet", "vgg", "resnet", "densenet")
DATASETS = ("fashion-mnist", "mnist")
FILES = {"model": "model.axon", "classes": "classes.json", "report": "report.md",
         "curves": "learning_curves.png", "confusion": "confusion_matrix.png",
         "errors": "misclassified.png", "filters": "filters.png"}


def add_arguments(p):
    p.add_argument("--model", default="cnn",
                   help=f"zoo model: {', '.join(MODELS)} or any name of axon.zoo.names() (default: cnn)")
    p.add_argument("--dataset", default="fashion-mnist", choices=DATASETS,
                   help="standard dataset when no --data-dir is given")
    p.add_argument("--data-dir", default=None,
                   help="a folder with one sub-folder of images per class, used instead of the dataset; "
                        "--test-split of it is held out for testing")
    p.add_argument("--image-size", default=None,
                   help="HxW or one number: images of --data-dir are resized to it (default 32)")
    p.add_argument("--color-mode", default="grayscale", choices=("grayscale", "rgb"),
                   help="colour mode for --data-dir images")
    p.add_argument("--test-split", type=float, default=0.2, help="fraction of --data-dir held out for testing")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--optimizer", default="adam", help="sgd, adagrad, rmsprop, adam or adamw")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: the optimizer's)")
    p.add_argument("--schedule", default="cosine", choices=("cosine", "constant"),
                   help="learning rate: cosine decay to 1/20 over the run (default) or constant")
    p.add_argument("--width", type=float, default=1.0, help="width multiplier of the model's layers")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=False,
                   help="random whole-pixel shifts (and mirroring, except for digits) while training")
    p.add_argument("--shift", type=int, default=None,
                   help="with --augment: largest shift in pixels (default: 1/28 of the image size; 0: mirroring only)")
    p.add_argument("--validation-split", type=float, default=0.1,
                   help="fraction of the training data held out to watch over-fitting (0 for none)")
    p.add_argument("--limit", type=int, default=None, help="use only this many training samples")
    p.add_argument("--test-limit", type=int, default=None, help="use only this many test samples")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/classify", help="output folder (default: runs/classify)")
    p.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2), help="1: progress bars, 2: a line per epoch")


def _size(text):
    if text is None:
        return None
    parts = str(text).lower().replace("x", ",").split(",")
    h, w = (int(parts[0]), int(parts[-1]))
    if h < 1 or w < 1:
        raise ValueError(f"--image-size must be positive, got {text!r}")
    return h, w


def load_data(args):
    """((x, y), (x_test, y_test), class names, info): uint8 images (N, H, W, C), int64 labels."""
    import numpy as np
    if args.data_dir:
        from ..data.image import load_image_folder
        from ..data.splits import train_test_split
        size = _size(args.image_size) or (32, 32)
        x, y, names = load_image_folder(args.data_dir, target_size=size, color_mode=args.color_mode)
        x, xt, y, yt = train_test_split(x, y, test_size=args.test_split, seed=args.seed, stratify=y)
        source = f"folder {args.data_dir} ({len(x) + len(xt)} images, {args.test_split:.0%} held out for testing)"
        return (x, y), (xt, yt), names, {"source": source, "dark_background": False,
                                         "color_mode": args.color_mode, "mirror": True}
    from ..data import datasets
    module = datasets.fashion_mnist if args.dataset == "fashion-mnist" else datasets.mnist
    (x, y), (xt, yt) = module.load_data()
    names = list(getattr(module, "CLASS_NAMES", [str(i) for i in range(10)]))
    if args.image_size:
        raise ValueError("--image-size applies to --data-dir images; the standard datasets are 28x28")
    return (x[..., None], y.astype(np.int64)), (xt[..., None], yt.astype(np.int64)), names, \
        {"source": args.dataset, "dark_background": True, "color_mode": "grayscale",
         "mirror": args.dataset == "fashion-mnist"}


class EpochTimer(Callback):
    """Wall-clock and CPU seconds of every epoch (CPU time tells the work apart from waiting
    on a busy machine)."""

    def __init__(self):
        super().__init__()
        self.wall, self.cpu = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = (time.perf_counter(), time.process_time())

    def on_epoch_end(self, epoch, logs=None):
        self.wall.append(time.perf_counter() - self.start[0])
        self.cpu.append(time.process_time() - self.start[1])


def _subset(x, y, limit, rng):
    if limit is None or limit >= len(x):
        return x, y
    idx = rng.permutation(len(x))[:limit]
    return x[idx], y[idx]


def run(args):
    import numpy as np

    import axon
    from .. import zoo
    from ..data.image import ImageDataGenerator
    from ..metrics import confusion_matrix, precision_recall_f1
    from ..optimizers.schedules import CosineDecay

    zoo.registry.resolve(args.model)  # an unknown name fails before the data is loaded
    axon.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    (x, y), (xt, yt), names, info = load_data(args)
    x, y = _subset(x, y, args.limit, rng)
    xt, yt = _subset(xt, yt, args.test_limit, rng)
    n_val = int(len(x) * args.validation_split)
    order = rng.permutation(len(x))
    val_idx, train_idx = order[:n_val], order[n_val:]
    scale = np.float32(1 / 255)
    xv, yv = x[val_idx].astype(np.float32) * scale, y[val_idx]
    x, y = x[train_idx], y[train_idx]
    x_test = xt.astype(np.float32) * scale
    input_shape = x.shape[1:]

    model = zoo.get(args.model, input_shape=input_shape, num_classes=len(names), width=args.width)
    opt_kwargs = {} if args.lr is None else {"learning_rate": args.lr}
    optimizer = axon.optimizers.get(args.optimizer, **opt_kwargs)
    if args.schedule == "cosine":
        steps = args.epochs * math.ceil(len(x) / args.batch_size)
        optimizer.learning_rate = CosineDecay(optimizer.lr, steps, alpha=0.05)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if args.verbose:
        model.summary()
        print(f"data: {info['source']}; training {len(x)}, validation {len(xv)}, test {len(xt)} images "
              f"of {input_shape}, {len(names)} classes")

    timer = EpochTimer()
    fit_kw = dict(epochs=args.epochs, verbose=args.verbose, callbacks=[timer],
                  validation_data=(xv, yv) if len(xv) else None)
    augmentation = None
    if args.augment:
        # whole-pixel shifts (by default 1/28 of the size) and mirroring: exact, so training images
        # stay as sharp as the test images (sub-pixel shifts, rotations and zoom blur them)
        shift = args.shift if args.shift is not None else max(1, round(min(input_shape[:2]) / 28))
        augmentation = dict(width_shift_range=shift, height_shift_range=shift,
                            horizontal_flip=info["mirror"], fill_mode="constant")
        flow = ImageDataGenerator(rescale=1 / 255, **augmentation).flow(x, y, batch_size=args.batch_size,
                                                                        seed=args.seed)
        history = model.fit(flow, **fit_kw)
    else:
        history = model.fit(x.astype(np.float32) * scale, y, batch_size=args.batch_size, shuffle=True, **fit_kw)

    probs = model.predict(x_test, batch_size=500)
    pred = probs.argmax(axis=1)
    accuracy = float(np.mean(pred == yt))
    matrix = confusion_matrix(yt, pred, len(names))
    precision, recall, f1 = precision_recall_f1(matrix)

    os.makedirs(args.out, exist_ok=True)
    path = lambda key: os.path.join(args.out, FILES[key])
    model.save(path("model"))
    with open(path("classes"), "w") as f:
        json.dump({"class_names": names, "input_shape": list(input_shape), "color_mode": info["color_mode"],
                   "scale": 1 / 255, "dark_background": info["dark_background"],
                   "model": args.model, "test_accuracy": accuracy}, f, indent=1)
    plots = write_plots(args, model, history, matrix, names, x_test, yt, pred, probs)
    write_report(path("report"), args, model, info, names, accuracy, matrix, precision, recall, f1,
                 timer, history, augmentation, (len(x), len(xv), len(xt)), plots)
    mean_wall = float(np.mean(timer.wall)) if timer.wall else 0.0
    print(f"test accuracy: {accuracy:.4f}  ({mean_wall:.1f} s per epoch, "
          f"{np.mean(timer.cpu) if timer.cpu else 0:.1f} s CPU)")
    print(f"wrote {args.out}/: {', '.join(sorted(os.listdir(args.out)))}")
    return 0


def _first_kernel(model):
    """The first layer's weights as filters (kh, kw, in, out): a conv kernel, or the first
    Dense layer's columns shown as images."""
    import numpy as np
    from ..layers import Conv2D, Dense, Flatten
    from ..models import Sequential
    layers = model.layers
    flat_input = False
    for layer in layers:
        if isinstance(layer, Conv2D):
            return layer.kernel.data, "first convolution layer"
        if isinstance(layer, Flatten):
            flat_input = True
        if isinstance(layer, Dense) and flat_input and isinstance(model, Sequential):
            shape = model._batch_input_shape[1:]
            k = layer.kernel.data[:, :32]
            return k.reshape(tuple(shape[:2]) + (-1, k.shape[1])), "first Dense layer's weights as images"
    return None, None


def write_plots(args, model, history, matrix, names, x_test, yt, pred, probs):
    import numpy as np
    from ..utils.plots import plot_confusion_matrix, plot_filters, plot_history, plot_image_grid
    path = lambda key: os.path.join(args.out, FILES[key])
    done = {}
    done["curves"] = plot_history(history, path("curves"), title=f"{args.model}: learning curves")
    done["confusion"] = plot_confusion_matrix(matrix, names, path("confusion"),
                                              title=f"{args.model}: test confusion matrix")
    wrong = np.flatnonzero(pred != yt)[:32]
    if len(wrong):
        short = lambda i: names[i] if len(names[i]) <= 12 else names[i][:11] + "."
        titles = [f"true: {short(yt[i])}\npred: {short(pred[i])} {probs[i, pred[i]]:.2f}" for i in wrong]
        done["errors"] = plot_image_grid(x_test[wrong], titles, path("errors"), cols=8,
                                         title="Misclassified test images")
    kernel, what = _first_kernel(model)
    if kernel is not None:
        done["filters"] = plot_filters(kernel, path("filters"), title=f"{args.model}: {what}")
    return done


def write_report(path, args, model, info, names, accuracy, matrix, precision, recall, f1, timer, history,
                 augmentation, sizes, plots):
    import numpy as np
    from .. import __version__
    from ..io import write_text
    support = matrix.sum(axis=1)
    logs = history.history
    lines = [f"# Lab 1: image classification with `{args.model}`", "",
             f"**Test accuracy: {accuracy:.4f}** on {sizes[2]} test images ({info['source']}).", "",
             "## Per-class results (test set)", "",
             "| class | precision | recall | F1 | support |", "| --- | ---: | ---: | ---: | ---: |"]
    for i, name in enumerate(names):
        lines.append(f"| {name} | {precision[i]:.3f} | {recall[i]:.3f} | {f1[i]:.3f} | {support[i]} |")
    lines.append(f"| **macro average** | {precision.mean():.3f} | {recall.mean():.3f} | {f1.mean():.3f} | "
                 f"{support.sum()} |")
    lines += ["", "## Training", "",
              "| epoch | loss | accuracy | val loss | val accuracy | wall s | CPU s |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for e in range(len(logs.get("loss", []))):
        val = lambda k: f"{logs[k][e]:.4f}" if k in logs else "-"
        lines.append(f"| {e + 1} | {logs['loss'][e]:.4f} | {val('accuracy')} | {val('val_loss')} | "
                     f"{val('val_accuracy')} | {timer.wall[e]:.1f} | {timer.cpu[e]:.1f} |")
    total = sum(timer.wall)
    lines += ["", f"Time per epoch: {np.mean(timer.wall):.1f} s wall clock, {np.mean(timer.cpu):.1f} s CPU "
              f"(all threads); training took {total:.0f} s in all.", "",
              "## Settings", "", "| setting | value |", "| --- | --- |",
              f"| model | `{args.model}` ({model.count_params():,} parameters, width {args.width}) |",
              f"| data | {info['source']} |",
              f"| images | training {sizes[0]}, validation {sizes[1]}, test {sizes[2]} |",
              f"| epochs | {args.epochs} |", f"| batch size | {args.batch_size} |",
              f"| optimizer | {args.optimizer}, learning rate {args.lr if args.lr is not None else 'default'} "
              f"({args.schedule}) |",
              f"| augmentation | {augmentation if augmentation else 'none'} |",
              f"| seed | {args.seed} |", f"| axon | {__version__} |", "",
              "## Figures", ""]
    captions = {"curves": "Learning curves", "confusion": "Confusion matrix (rows: true class)",
                "errors": "Misclassified test images", "filters": "First-layer filters"}
    for key, caption in captions.items():
        if key in plots:
            lines += [f"![{caption}]({FILES[key]})", ""]
    lines += ["## Using the model", "", "```", f"axon predict {os.path.join(args.out, FILES['model'])} "
              "my_image.png", "```", ""]
    text = "\n".join(lines)
    write_text(path, text)
