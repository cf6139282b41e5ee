"""``axon lab transfer``: does what a network learnt on some classes help with new ones?

A CNN is trained on Fashion-MNIST classes 0-4 (T-shirt, trouser, pullover,
dress, coat).  Then, with only a few labelled images of classes 5-9 (sandal,
shirt, sneaker, bag, ankle boot) -- 100 and 1,000 by default -- three models
are trained and tested on all 5,000 test images of classes 5-9:

* from scratch: the same architecture, randomly initialised;
* frozen base + new head: the pretrained convolutional features (or, with
  ``--cut dense``, everything up to the last Dense layer) with a new classifier
  (``axon.zoo.replace_head``), every pretrained layer frozen
  (``trainable = False``: no weight updates, batch norm in inference mode);
  the head alone trains, at 10 times the learning rate;
* full fine-tune: continues from that model with every layer trainable at a
  tenth of the learning rate (head first, then everything gently).

The results are printed as a table and written to ``report.md`` in ``--out``.

    axon lab transfer                 # a few minutes
    axon lab transfer --labels 50,500,5000 --pretrain-epochs 3
"""
import os
import time

import numpy as np

SOURCE, TARGET = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)


def add_arguments(p):
    p.add_argument("--model", default="cnn", help="zoo model (default: cnn, the small CNN)")
    p.add_argument("--width", type=float, default=0.5, help="width multiplier of the model (default 0.5)")
    p.add_argument("--labels", default="100,1000", help="numbers of labelled target images, comma separated")
    p.add_argument("--pretrain-epochs", type=int, default=2)
    p.add_argument("--pretrain-limit", type=int, default=15000,
                   help="source-class training images used for pretraining (0 for all 30,000)")
    p.add_argument("--epochs", type=int, default=15, help="epochs over the labelled target images")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3,
                   help="Adam learning rate from scratch; the new head alone trains at 10x, fine-tuning at 1/10")
    p.add_argument("--test-limit", type=int, default=None,
                   help="use only this many test images per task (default: all 5,000)")
    p.add_argument("--cut", default="features", choices=("features", "dense"),
                   help="where the pretrained network is cut: before its Flatten/global pooling, keeping "
                        "the convolutional features (default), or before its last Dense layer")
    p.add_argument("--no-fine-tune", action="store_true", help="skip the full fine-tuning variant")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/transfer", help="output folder for report.md")
    p.add_argument("--verbose", type=int, default=0, choices=(0, 1, 2))


def _labels(text):
    counts = [int(t) for t in str(text).split(",") if t.strip()]
    if not counts or min(counts) < len(TARGET):
        raise ValueError(f"--labels needs counts of at least {len(TARGET)} (one per class), got {text!r}")
    return counts


def _balanced(y, n, rng):
    """``n`` indices with the classes of ``y`` as equally represented as possible."""
    classes = np.unique(y)
    picks = [rng.permutation(np.flatnonzero(y == c))[:n // len(classes) + (k < n % len(classes))]
             for k, c in enumerate(classes)]
    return rng.permutation(np.concatenate(picks))


def run(args):
    import axon
    from .. import zoo
    from ..data import datasets
    from ..io import write_text

    counts = _labels(args.labels)
    zoo.registry.resolve(args.model)
    axon.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    (x, y), (xt, yt) = datasets.fashion_mnist.load_data()
    names = datasets.fashion_mnist.CLASS_NAMES
    prep = lambda a: (a.astype(np.float32) / 255.0)[..., None]
    src, tgt = np.isin(y, SOURCE), np.isin(y, TARGET)
    xs, ys = x[src], y[src].astype(np.int64)
    if args.pretrain_limit:
        keep = rng.permutation(len(xs))[:args.pretrain_limit]
        xs, ys = xs[keep], ys[keep]
    xtr, ytr = x[tgt], y[tgt].astype(np.int64) - len(SOURCE)
    src_test, tgt_test = np.isin(yt, SOURCE), np.isin(yt, TARGET)
    xs_test, ys_test = prep(xt[src_test]), yt[src_test].astype(np.int64)
    xt_test, yt_test = prep(xt[tgt_test]), yt[tgt_test].astype(np.int64) - len(SOURCE)
    if args.test_limit:
        xs_test, ys_test = xs_test[:args.test_limit], ys_test[:args.test_limit]
        xt_test, yt_test = xt_test[:args.test_limit], yt_test[:args.test_limit]

    build = lambda: zoo.get(args.model, input_shape=(28, 28, 1), num_classes=len(SOURCE), width=args.width)
    compile_ = lambda m, lr: m.compile(optimizer=axon.optimizers.Adam(learning_rate=lr),
                                       loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    accuracy = lambda m, xx, yy: float(np.mean(m.predict(xx, batch_size=500).argmax(1) == yy))

    start = time.perf_counter()
    pretrained = build()
    compile_(pretrained, args.lr)
    print(f"pretraining {args.model} on classes 0-4 ({len(xs)} images, {args.pretrain_epochs} epochs)", flush=True)
    pretrained.fit(prep(xs), ys, epochs=args.pretrain_epochs, batch_size=64, verbose=args.verbose)
    source_acc = accuracy(pretrained, xs_test, ys_test)
    pretrain_s = time.perf_counter() - start
    print(f"  source test accuracy (classes 0-4): {source_acc:.4f}  ({pretrain_s:.0f} s)", flush=True)
    weights = pretrained.get_weights()

    def copy_of_pretrained():
        model = build()
        model.set_weights(weights)
        return model

    def cut_point(model):
        if args.cut == "dense":
            return None
        from ..layers import Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D
        flat = [l.name for l in model.layers if isinstance(l, (Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D))]
        if not flat:
            raise ValueError(f"--cut features: {args.model} has no Flatten or global pooling layer to cut at")
        return flat[0]

    variants = ["from scratch", "frozen base + new head"] + ([] if args.no_fine_tune else ["full fine-tune"])
    results = {}

    def record(n, label, model, t0):
        acc = accuracy(model, xt_test, yt_test)
        results[(n, label)] = acc
        print(f"  {n:>6} labels  {label:<24} target test accuracy {acc:.4f}  ({time.perf_counter() - t0:.0f} s)",
              flush=True)

    for n in counts:
        idx = _balanced(ytr, n, rng)
        xl, yl = prep(xtr[idx]), ytr[idx]
        fit = lambda m: m.fit(xl, yl, epochs=args.epochs, batch_size=args.batch_size, verbose=args.verbose)
        axon.manual_seed(args.seed + n)
        t0 = time.perf_counter()
        scratch = zoo.get(args.model, input_shape=(28, 28, 1), num_classes=len(TARGET), width=args.width)
        compile_(scratch, args.lr)
        fit(scratch)
        record(n, "from scratch", scratch, t0)
        t0 = time.perf_counter()
        base = copy_of_pretrained()
        model = zoo.replace_head(base, len(TARGET), freeze_base=True, cut_before=cut_point(base))
        compile_(model, args.lr * 10)
        fit(model)
        record(n, "frozen base + new head", model, t0)
        if not args.no_fine_tune:  # continue from the trained head with every layer trainable
            t0 = time.perf_counter()
            zoo.set_trainable(model, True)
            compile_(model, args.lr / 10)
            fit(model)
            record(n, "full fine-tune", model, t0)

    header = "| labelled images | " + " | ".join(variants) + " |"
    rule = "| ---: |" + " ---: |" * len(variants)
    rows = [f"| {n} | " + " | ".join(f"{results[(n, label)]:.4f}" for label in variants) + " |" for n in counts]
    print()
    print("\n".join([header, rule] + rows))
    total = time.perf_counter() - start
    lines = ["# Transfer learning on Fashion-MNIST", "",
             f"Pretrained `{args.model}` (width {args.width}) on classes 0-4 "
             f"({', '.join(names[c] for c in SOURCE)}): {len(xs)} images, {args.pretrain_epochs} epochs, "
             f"source test accuracy **{source_acc:.4f}**.", "",
             f"Then trained on a few labelled images of classes 5-9 ({', '.join(names[c] for c in TARGET)}), "
             f"{args.epochs} epochs of batch {args.batch_size} each, and tested on {len(yt_test)} test "
             "images of those classes (accuracy; chance is 0.2):", "",
             header, rule] + rows + ["",
             "- *from scratch*: the same architecture, random initialisation, Adam "
             f"lr {args.lr};",
             "- *frozen base + new head*: `axon.zoo.replace_head(pretrained, 5, freeze_base=True"
             + (")`" if args.cut == "dense" else ", cut_before=<its Flatten>)`") + ": the pretrained "
             + ("layers up to the last Dense" if args.cut == "dense" else "convolutional features")
             + f" are kept and frozen (batch norm keeps its pretrained statistics); only the new Dense "
             f"layer trains, lr {args.lr * 10};",
             ] + ([f"- *full fine-tune*: continues from the frozen model with every layer trainable, lr "
                   f"{args.lr / 10}, for another {args.epochs} epochs (the two-stage recipe: head first, "
                   "then everything gently)."] if not args.no_fine_tune else []) + [
             "", f"Seed {args.seed}; total time {total:.0f} s (pretraining {pretrain_s:.0f} s).", "",
             "Reproduce: `axon lab transfer " + f"--model {args.model} --width {args.width} --labels {args.labels} "
             f"--pretrain-epochs {args.pretrain_epochs} --pretrain-limit {args.pretrain_limit} --cut {args.cut} "
             f"--epochs {args.epochs} --seed {args.seed}`", ""]
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "report.md")
    text = "\n".join(lines)
    write_text(path, text)
    print(f"\nwrote {path}")
    return 0
