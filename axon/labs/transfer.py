"""Transfer learning: does what a network learnt on some classes help with new ones?
``run(TransferConfig(...)) -> TransferResults``.

A CNN is trained on Fashion-MNIST classes 0-4 (T-shirt, trouser, pullover,
dress, coat).  Then, with only a few labelled images of classes 5-9 (sandal,
shirt, sneaker, bag, ankle boot) -- 100 and 1,000 by default -- three models
are trained and tested on all 5,000 test images of classes 5-9:

* from scratch: the same architecture, randomly initialised;
* frozen base + new head: the pretrained convolutional features (or, with
  ``cut="dense"``, everything up to the last Dense layer) with a new classifier
  (``axon.zoo.replace_head``), every pretrained layer frozen
  (``trainable = False``: no weight updates, batch norm in inference mode);
  the head alone trains, at 10 times the learning rate;
* full fine-tune: continues from that model with every layer trainable at a
  tenth of the learning rate (head first, then everything gently).

The results are a table, written to ``report.md`` in ``config.out``.

    axon lab transfer                 # a few minutes
    axon lab transfer --labels 50,500,5000 --pretrain-epochs 3
"""
import os
from dataclasses import dataclass, field

import numpy as np

from .. import zoo
from . import checks
from .report import Report, Stopwatch, Timing

SOURCE, TARGET = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)
VARIANTS = ("from scratch", "frozen base + new head", "full fine-tune")


@dataclass
class TransferConfig:
    """Settings of the transfer lab; the defaults are those measured in README.md (100 labels:
    scratch 0.731, frozen 0.885, fine-tuned 0.900; 1,000 labels: 0.918, 0.947, 0.949).

    ``labels``: numbers of labelled target images, one run each; ``pretrain_limit``:
    source-class images used for pretraining (0 for all 30,000); ``lr``: Adam's
    learning rate from scratch (the new head alone trains at 10x, fine-tuning at
    1/10); ``cut``: "features" cuts the pretrained network before its Flatten or
    global pooling, "dense" before its last Dense layer.
    """
    model: str = "cnn"
    width: float = 0.5
    labels: tuple = (100, 1000)
    pretrain_epochs: int = 2
    pretrain_limit: int = 15000
    epochs: int = 15
    batch_size: int = 32
    lr: float = 1e-3
    test_limit: int | None = None
    cut: str = "features"
    fine_tune: bool = True
    seed: int = 0
    out: str = "runs/transfer"
    verbose: int = 0

    def __post_init__(self):
        zoo.registry.check_arguments(self.model, ["input_shape", "num_classes", "width"])
        self.labels = tuple(self.labels)
        if not self.labels or min(self.labels) < len(TARGET):
            raise ValueError(f"labels needs counts of at least {len(TARGET)} (one per class), got {self.labels}")
        for name in ("pretrain_epochs", "epochs", "batch_size"):
            checks.at_least(name, getattr(self, name), 1)
        checks.at_least("pretrain_limit", self.pretrain_limit, 0)
        checks.at_least("test_limit", self.test_limit, 1, optional=True)
        checks.positive("lr", self.lr)
        checks.positive("width", self.width)
        checks.one_of("cut", self.cut, ("features", "dense"))
        checks.one_of("verbose", self.verbose, (0, 1, 2))

    @property
    def variants(self):
        return VARIANTS if self.fine_tune else VARIANTS[:2]


@dataclass
class TransferResults:
    """``accuracy[(labels, variant)]``: target test accuracy (chance is 0.2); ``seconds`` the same
    for training time; ``source_accuracy``: the pretrained model on classes 0-4."""
    config: TransferConfig
    source_accuracy: float
    pretrain: Timing
    accuracy: dict
    seconds: dict
    sizes: dict
    total: Timing
    files: dict = field(default_factory=dict)

    def table(self):
        """The comparison as a header and one row per number of labels."""
        c = self.config
        return ["labelled images", *c.variants], \
            [[n, *(f"{self.accuracy[(n, v)]:.4f}" for v in c.variants)] for n in c.labels]


def _balanced(y, n, rng):
    """``n`` indices with the classes of ``y`` as equally represented as possible."""
    classes = np.unique(y)
    picks = [rng.permutation(np.flatnonzero(y == c))[:n // len(classes) + (k < n % len(classes))]
             for k, c in enumerate(classes)]
    return rng.permutation(np.concatenate(picks))


def _cut_point(model, cut, name):
    """The layer to cut before: the first Flatten or global pooling, or None (before the last Dense)."""
    if cut == "dense":
        return None
    from ..layers import Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D
    flat = [l.name for l in model.layers if isinstance(l, (Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D))]
    if not flat:
        raise ValueError(f"cut 'features': {name} has no Flatten or global pooling layer to cut at")
    return flat[0]


def run(config, log=print):
    """Pretrain, transfer with each number of labels, report; ``log`` gets the progress lines
    (``None`` for none).  Returns ``TransferResults``."""
    import axon
    from ..data import datasets
    c = config
    say = log or (lambda *a: None)
    watch = Stopwatch()
    axon.manual_seed(c.seed)
    rng = np.random.default_rng(c.seed)
    (x, y), (xt, yt) = datasets.fashion_mnist.load_data()
    prep = lambda a: (a.astype(np.float32) / 255.0)[..., None]
    src, tgt = np.isin(y, SOURCE), np.isin(y, TARGET)
    xs, ys = x[src], y[src].astype(np.int64)
    if c.pretrain_limit:
        keep = rng.permutation(len(xs))[:c.pretrain_limit]
        xs, ys = xs[keep], ys[keep]
    xtr, ytr = x[tgt], y[tgt].astype(np.int64) - len(SOURCE)
    src_test, tgt_test = np.isin(yt, SOURCE), np.isin(yt, TARGET)
    xs_test, ys_test = prep(xt[src_test]), yt[src_test].astype(np.int64)
    xt_test, yt_test = prep(xt[tgt_test]), yt[tgt_test].astype(np.int64) - len(SOURCE)
    if c.test_limit:
        xs_test, ys_test = xs_test[:c.test_limit], ys_test[:c.test_limit]
        xt_test, yt_test = xt_test[:c.test_limit], yt_test[:c.test_limit]

    build = lambda classes: zoo.get(c.model, input_shape=(28, 28, 1), num_classes=classes, width=c.width)
    compile_ = lambda m, lr: m.compile(optimizer=axon.optimizers.Adam(learning_rate=lr),
                                       loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    accuracy = lambda m, xx, yy: float(np.mean(m.predict(xx, batch_size=500).argmax(1) == yy))

    pretrained = build(len(SOURCE))
    compile_(pretrained, c.lr)
    say(f"pretraining {c.model} on classes 0-4 ({len(xs)} images, {c.pretrain_epochs} epochs)")
    pretrained.fit(prep(xs), ys, epochs=c.pretrain_epochs, batch_size=64, verbose=c.verbose)
    source_acc = accuracy(pretrained, xs_test, ys_test)
    pretrain = watch.elapsed()
    say(f"  source test accuracy (classes 0-4): {source_acc:.4f}  ({pretrain.wall:.0f} s)")
    weights = pretrained.get_weights()

    results, seconds = {}, {}

    def record(n, variant, model, step):
        results[(n, variant)] = acc = accuracy(model, xt_test, yt_test)
        seconds[(n, variant)] = step.elapsed().wall
        say(f"  {n:>6} labels  {variant:<24} target test accuracy {acc:.4f}  ({seconds[(n, variant)]:.0f} s)")

    for n in c.labels:
        idx = _balanced(ytr, n, rng)
        xl, yl = prep(xtr[idx]), ytr[idx]
        fit = lambda m: m.fit(xl, yl, epochs=c.epochs, batch_size=c.batch_size, verbose=c.verbose)
        axon.manual_seed(c.seed + n)
        step = Stopwatch()
        scratch = build(len(TARGET))
        compile_(scratch, c.lr)
        fit(scratch)
        record(n, VARIANTS[0], scratch, step)
        step = Stopwatch()
        base = build(len(SOURCE))
        base.set_weights(weights)
        model = zoo.replace_head(base, len(TARGET), freeze_base=True, cut_before=_cut_point(base, c.cut, c.model))
        compile_(model, c.lr * 10)
        fit(model)
        record(n, VARIANTS[1], model, step)
        if c.fine_tune:  # continue from the trained head with every layer trainable
            step = Stopwatch()
            zoo.set_trainable(model, True)
            compile_(model, c.lr / 10)
            fit(model)
            record(n, VARIANTS[2], model, step)

    out = TransferResults(c, source_acc, pretrain, results, seconds,
                          {"pretraining": len(xs), "source test": len(ys_test), "target test": len(yt_test)},
                          watch.elapsed())
    out.files["report"] = write_report(out, os.path.join(c.out, "report.md"))
    return out


def write_report(results, path):
    """``report.md`` of a finished run; returns its path."""
    from ..data.datasets.fashion_mnist import CLASS_NAMES as names
    c = results.config
    r = Report("Transfer learning on Fashion-MNIST")
    r.paragraph(f"Pretrained `{c.model}` (width {c.width}) on classes 0-4 "
                f"({', '.join(names[k] for k in SOURCE)}): {results.sizes['pretraining']} images, "
                f"{c.pretrain_epochs} epochs, source test accuracy **{results.source_accuracy:.4f}**.")
    r.paragraph(f"Then trained on a few labelled images of classes 5-9 ({', '.join(names[k] for k in TARGET)}), "
                f"{c.epochs} epochs of batch {c.batch_size} each, and tested on {results.sizes['target test']} test "
                "images of those classes (accuracy; chance is 0.2):")
    header, rows = results.table()
    r.table(header, rows, align="r" * len(header))
    cut = ")`" if c.cut == "dense" else ", cut_before=<its Flatten>)`"
    kept = "layers up to the last Dense" if c.cut == "dense" else "convolutional features"
    items = [f"*from scratch*: the same architecture, random initialisation, Adam lr {c.lr};",
             f"*frozen base + new head*: `axon.zoo.replace_head(pretrained, 5, freeze_base=True{cut}: the "
             f"pretrained {kept} are kept and frozen (batch norm keeps its pretrained statistics); only the new "
             f"Dense layer trains, lr {c.lr * 10};"]
    if c.fine_tune:
        items.append(f"*full fine-tune*: continues from the frozen model with every layer trainable, lr "
                     f"{c.lr / 10}, for another {c.epochs} epochs (the two-stage recipe: head first, then "
                     "everything gently).")
    r.bullets(items)
    r.paragraph(f"Seed {c.seed}; total time {results.total.describe()} (pretraining {results.pretrain.wall:.0f} s).")
    r.paragraph("Reproduce: `axon lab transfer " + f"--model {c.model} --width {c.width} "
                f"--labels {','.join(map(str, c.labels))} --pretrain-epochs {c.pretrain_epochs} "
                f"--pretrain-limit {c.pretrain_limit} --cut {c.cut} --epochs {c.epochs} --seed {c.seed}`")
    return r.write(path)
