"""Overfitting: a big network on a small training set learns it by heart, and each remedy's effect
on the gap between training and validation accuracy, cross-validated.

The lecture: a model overfits when it fits the training data much better than
data it has not seen; the symptom is the gap between training and validation
accuracy (or loss), and it grows with the model's capacity and shrinks with the
amount of data.  The remedies: more data or data augmentation (mirrored,
shifted copies of the images), a smaller model, dropout (random units dropped
while training), L2 weight decay (a penalty ``l2 * sum(w**2)`` on the weights),
early stopping (stop when the validation loss stops improving, keep the best
weights) and batch normalization (whose batch-to-batch noise regularises a
little).  Cross-validation (k folds, each held out once) measures the gap on
every part of the data, so one lucky split cannot decide which remedy works.

Here a two-hidden-layer perceptron (256 ReLU units each) trains on a few
hundred Fashion-MNIST images, first as it is, then with one remedy at a time;
the same k folds (``axon.data.KFold``) serve every variant.

>>> [name for name, _ in VARIANTS][:3]
['no remedy', 'dropout', 'L2']
"""
import numpy as np

TITLE = "overfitting: the train/validation gap of a big network on little data, and each remedy's effect"

HIDDEN = 256        # units of each of the two hidden layers
SMALL_HIDDEN = 16   # the smaller model: one hidden layer of 16 units
DROPOUT = 0.5
INPUT_DROPOUT = 0.2  # on the pixels, as in the dropout paper (Srivastava et al., 2014)
L2_STRENGTH = 0.03
#: (name, what changes): every variant changes one thing of the baseline
VARIANTS = (
    ("no remedy", f"2 x {HIDDEN} ReLU units, Adam, no regularisation"),
    ("dropout", f"Dropout({INPUT_DROPOUT}) on the pixels, Dropout({DROPOUT}) after each hidden layer"),
    ("L2", f"kernel_regularizer=L2({L2_STRENGTH}) on every Dense layer"),
    ("early stopping", "EarlyStopping(val_loss, patience=3, restore_best_weights) on 20% of the training part"),
    ("augmentation", "ImageDataGenerator: shifts of up to 2 pixels and mirroring"),
    ("smaller model", f"one hidden layer of {SMALL_HIDDEN} units"),
    ("batch norm", "BatchNormalization before each hidden ReLU"),
)
CURVES = ("no remedy", "dropout")  # the variants whose first fold's learning curves are drawn
SETTINGS = {True: dict(n=300, folds=3, epochs=20), False: dict(n=1000, folds=4, epochs=30)}


def build(variant, seed=0):
    """The compiled classifier of (N, 28, 28, 1) images for ``variant`` (a name of ``VARIANTS``)."""
    import axon
    from ..layers import Activation, BatchNormalization, Dense, Dropout, Flatten
    from ..regularizers import L2
    known = [name for name, _ in VARIANTS]
    if variant not in known:
        raise ValueError(f"variant must be one of {known}, got {variant!r}")
    axon.manual_seed(seed)
    reg = L2(L2_STRENGTH) if variant == "L2" else None
    widths = [SMALL_HIDDEN] if variant == "smaller model" else [HIDDEN, HIDDEN]
    layers = [Flatten(input_shape=(28, 28, 1))]
    if variant == "dropout":
        layers.append(Dropout(INPUT_DROPOUT))
    for units in widths:
        if variant == "batch norm":
            layers += [Dense(units, use_bias=False), BatchNormalization(), Activation("relu")]
        else:
            layers.append(Dense(units, activation="relu", kernel_regularizer=reg))
        if variant == "dropout":
            layers.append(Dropout(DROPOUT))
    layers.append(Dense(10, activation="softmax", kernel_regularizer=reg))
    model = axon.Sequential(layers)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train(variant, x, y, x_val, y_val, epochs, seed=0, curves=False):
    """Train ``variant`` on ``(x, y)``; returns its training and held-out accuracy, the gap
    between them, the epochs it ran and its per-epoch history (with ``curves``, validation on
    ``x_val`` after every epoch; early stopping only ever watches a part of the training data)."""
    from ..callbacks import EarlyStopping
    from ..data.augmentation import ImageDataGenerator
    model = build(variant, seed)
    kw = dict(epochs=epochs, verbose=0, validation_data=(x_val, y_val) if curves else None)
    if variant == "early stopping":
        stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
        history = model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, validation_split=0.2, callbacks=[stop])
    elif variant == "augmentation":
        flow = ImageDataGenerator(width_shift_range=2, height_shift_range=2, horizontal_flip=True,
                                  fill_mode="constant").flow(x, y, batch_size=32, seed=seed)
        history = model.fit(flow, **kw)
    else:
        history = model.fit(x, y, batch_size=32, **kw)
    train_acc = model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"]
    val_acc = model.evaluate(x_val, y_val, verbose=0, return_dict=True)["accuracy"]
    return {"train": float(train_acc), "val": float(val_acc), "gap": float(train_acc - val_acc),
            "epochs": len(history.history["loss"]), "history": dict(history.history)}


def cross_validate_variants(x, y, folds, epochs, seed=0):
    """Every variant trained on the same ``folds`` folds of ``(x, y)``; returns
    ``{variant: {"folds": [train() result per fold], "train"/"val"/"gap": (mean, std)}}``."""
    from ..data import KFold
    splits = list(KFold(folds, shuffle=True, seed=seed).split(x))
    out = {}
    for name, _ in VARIANTS:
        runs = [train(name, x[tr], y[tr], x[va], y[va], epochs, seed + k, curves=k == 0 and name in CURVES)
                for k, (tr, va) in enumerate(splits)]
        out[name] = {"folds": runs, **{key: (float(np.mean([r[key] for r in runs])),
                                             float(np.std([r[key] for r in runs])))
                                       for key in ("train", "val", "gap")}}
    return out


def run(out_dir, quick=False, seed=0):
    """Cross-validate every variant on a small Fashion-MNIST subset; writes ``gap.png``,
    ``remedies.png`` and ``overfitting.md``; returns ``DemoResults`` (``values['cv']`` as
    ``cross_validate_variants`` returns it); ``seed`` draws the subset, the folds and the weights."""
    from .data import fashion_subset
    from .page import DemoResults, figure_path, write_page
    s = SETTINGS[bool(quick)]
    (x, y), _ = fashion_subset(s["n"], 0, seed=seed, flat=False)
    cv = cross_validate_variants(x, y, s["folds"], s["epochs"], seed)
    base = cv["no remedy"]
    measured = {"training images": s["n"], "folds": s["folds"], "epochs": s["epochs"],
                "no remedy: training accuracy": base["train"][0], "no remedy: validation accuracy": base["val"][0]}
    for name, _ in VARIANTS:
        measured[f"gap, {name}"] = cv[name]["gap"][0]
    narrower = [name for name, _ in VARIANTS[1:] if cv[name]["gap"][0] < base["gap"][0]]
    r = DemoResults("overfitting", "Overfitting and its remedies, cross-validated",
                    "A big model trained on little data fits the training set far better than unseen data; "
                    "dropout, L2, early stopping, augmentation, a smaller model and batch normalization each "
                    "narrow that train/validation gap.",
                    measured, values={"cv": cv, "narrower": narrower, "settings": s})
    dpi = 60 if quick else 110
    _plot_curves(cv, figure_path(r, out_dir, "gap", "the gap opening epoch by epoch (fold 1): no remedy and "
                                 "dropout"), dpi)
    _plot_remedies(cv, figure_path(r, out_dir, "remedies", f"training and validation accuracy of each variant, "
                                   f"mean and spread over {s['folds']} folds"), dpi)
    rows = "\n".join(f"| {name} | {what} | {cv[name]['train'][0]:.3f} | {cv[name]['val'][0]:.3f} | "
                     f"{cv[name]['gap'][0]:.3f} ± {cv[name]['gap'][1]:.3f} |" for name, what in VARIANTS)
    table = ("| variant | what changes | training acc. | validation acc. | gap (mean ± std over folds) |\n"
             "| --- | --- | ---: | ---: | ---: |\n" + rows)
    wider = [name for name, _ in VARIANTS[1:] if name not in narrower]
    verdict = (f"Against the baseline's gap of {base['gap'][0]:.3f}, these narrowed it: "
               f"{', '.join(narrower) or 'none'}" + (f"; these did not: {', '.join(wider)}." if wider else "."))
    sections = [
        ("The setup", f"{s['n']} Fashion-MNIST training images, {s['folds']}-fold cross-validation "
                      f"(`axon.data.KFold`): every variant trains {s['epochs']} epochs (early stopping: until "
                      f"its watched loss stops improving) on the same {s['folds'] - 1} folds and is measured "
                      "on the one held out, in turn. Training accuracy is measured after training, without "
                      "dropout or augmentation, as the model will be used."),
        ("Each remedy alone", table + "\n\n" + verdict +
         " A narrower gap bought with a lower training accuracy is regularisation at work; it is only "
         "worth it when the validation accuracy holds or rises."
         + (" Batch normalization regularises only through the noise of its batch statistics; here it mostly "
            "makes the training set easier to fit." if "batch norm" in wider else "")),
    ]
    write_page(r, out_dir, sections, try_next=[
        "combine two remedies (dropout and augmentation) and see whether the gaps add up",
        "train on ten times more images: more data is the remedy that needs no tuning",
        "raise L2 or dropout until the validation accuracy falls: the point where overfitting turns "
        "into underfitting (`axon demo underfitting`)"])
    return r


def _plot_curves(cv, path, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for ax, name in zip(axes, CURVES):
        h = cv[name]["folds"][0]["history"]
        epochs = np.arange(1, len(h["accuracy"]) + 1)
        ax.plot(epochs, h["accuracy"], "o-", ms=3, label="training (as trained)")
        ax.plot(epochs, h["val_accuracy"], "s--", ms=3, label="validation")
        ax.fill_between(epochs, h["val_accuracy"], h["accuracy"], alpha=0.15, color="C3", label="the gap")
        ax.set_title(f"{name}: final gap {cv[name]['folds'][0]['gap']:.3f}", fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("accuracy")
    axes[0].legend(fontsize=8)
    save_figure(fig, path, dpi)


def _plot_remedies(cv, path, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    names = [name for name, _ in VARIANTS]
    pos = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(9, 3.6))
    for offset, key, label in ((-0.2, "train", "training"), (0.2, "val", "validation")):
        ax.bar(pos + offset, [cv[n][key][0] for n in names], 0.4, yerr=[cv[n][key][1] for n in names],
               capsize=3, label=label)
    for p, n in zip(pos, names):
        ax.text(p, cv[n]["train"][0] + 0.03, f"gap {cv[n]['gap'][0]:.2f}", ha="center", fontsize=8)
    ax.set_xticks(pos, names, rotation=15)
    lo = min(cv[n]["val"][0] for n in names)
    ax.set_ylim(max(0.0, lo - 0.15), 1.1)
    ax.set_ylabel("accuracy")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="y", alpha=0.3)
    save_figure(fig, path, dpi)
