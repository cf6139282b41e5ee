"""Underfitting: a model too small, too regularised, trained too briefly or fed poor features fits
not even its training data, and each remedy.

The lecture: a model underfits when its training error itself is high (high
bias); the validation error is then about as high, so there is no gap to close
and the overfitting remedies (more data, dropout, L2) do not help.  The remedies
go the other way: a bigger model, training longer, less regularisation, better
features.

Here a one-hidden-layer perceptron on Fashion-MNIST is crippled one way at a
time and then given back what it lacked, along a knob each: the hidden units
(``HIDDEN_UNITS``), the L2 strength (``L2_STRENGTHS``), the epochs, and the
input's resolution (each image averaged over blocks to ``FEATURE_SIDES`` x
itself pixels; 28 is the whole image).  The reference model (128 units, no L2,
the whole image, all epochs) is every knob's remedy.

>>> block_means(np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1), 2)[0]
array([ 2.5,  4.5, 10.5, 12.5], dtype=float32)
"""
import numpy as np

TITLE = "underfitting: too small, too regularised, too short, poor features, and each remedy"

REFERENCE = dict(units=128, l2=0.0, side=28)
#: each case's crippled setting, on its knob's sweep in both modes
UNDERFIT = dict(units=2, l2=0.3, epochs=1, side=2)
SETTINGS = {True: dict(n_train=400, n_val=400, epochs=10, units=(2, 16), l2=(0.3, 0.03), sides=(2, 7)),
            False: dict(n_train=2000, n_val=2000, epochs=20, units=(1, 2, 4, 16, 32), l2=(1.0, 0.3, 0.1, 0.01, 0.001),
                        sides=(1, 2, 4, 7, 14))}
#: case -> (the knob it turns, its remedy)
CASES = {"too small": ("units", "bigger model"), "too regularised": ("l2", "less regularisation"),
         "too short": ("epochs", "train longer"), "poor features": ("side", "better features")}


def block_means(images, side):
    """Images (N, H, W, 1) averaged over blocks to (N, side * side) features (``side`` must divide
    H and W)."""
    n, h, w = images.shape[:3]
    if h % side or w % side:
        raise ValueError(f"side must divide the image size {h}x{w}, got {side}")
    return images.reshape(n, side, h // side, side, w // side).mean(axis=(2, 4)).reshape(n, side * side)


def build(inputs, units, l2, seed=0):
    """The compiled classifier: ``inputs`` features, one hidden ReLU layer of ``units``, L2 ``l2``
    on both Dense layers' weights (0: none)."""
    import axon
    from ..layers import Dense
    from ..regularizers import L2
    axon.manual_seed(seed)
    reg = L2(l2) if l2 else None
    model = axon.Sequential([Dense(units, activation="relu", kernel_regularizer=reg, input_shape=(inputs,)),
                             Dense(10, activation="softmax", kernel_regularizer=reg)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train(x, y, x_val, y_val, epochs, units=128, l2=0.0, side=28, seed=0, curve=False):
    """Train one variant; returns its training and validation accuracy (measured under
    ``evaluate`` after training) and, with ``curve``, their lists after every epoch."""
    f, f_val = block_means(x, side), block_means(x_val, side)
    model = build(side * side, units, l2, seed)
    train_acc, val_acc = [], []
    for _ in range(epochs if curve else 1):
        model.fit(f, y, batch_size=32, epochs=1 if curve else epochs, verbose=0)
        train_acc.append(float(model.evaluate(f, y, verbose=0, return_dict=True)["accuracy"]))
        val_acc.append(float(model.evaluate(f_val, y_val, verbose=0, return_dict=True)["accuracy"]))
    return {"train": train_acc[-1], "val": val_acc[-1], "train_curve": train_acc, "val_curve": val_acc}


def sweeps(x, y, x_val, y_val, s, seed=0):
    """Every knob's sweep: ``{knob: [(value, train accuracy, validation accuracy), ...]}``, the
    reference's value last; ``"epochs"`` is the reference's own learning curve."""
    ref = train(x, y, x_val, y_val, s["epochs"], seed=seed, curve=True, **REFERENCE)
    point = lambda value, r: (value, r["train"], r["val"])
    out = {"epochs": [(e + 1, t, v) for e, (t, v) in enumerate(zip(ref["train_curve"], ref["val_curve"]))]}
    for knob, values in (("units", s["units"]), ("l2", s["l2"]), ("side", s["sides"])):
        out[knob] = [point(v, train(x, y, x_val, y_val, s["epochs"], seed=seed, **{**REFERENCE, knob: v}))
                     for v in values] + [point(REFERENCE[knob], ref)]
    return out


def run(out_dir, quick=False, seed=0):
    """Sweep the four knobs on a Fashion-MNIST subset; writes ``knobs.png`` and
    ``underfitting.md``; returns ``DemoResults`` (``values['cases']``: per case the crippled
    and the remedied (knob value, training accuracy, validation accuracy)); ``seed`` draws the
    subset and the weights."""
    from .data import fashion_subset
    from .page import DemoResults, figure_path, write_page
    s = SETTINGS[bool(quick)]
    (x, y), (xv, yv) = fashion_subset(s["n_train"], s["n_val"], seed=seed, flat=False)
    sw = sweeps(x, y, xv, yv, s, seed)
    # each case's crippled setting (UNDERFIT) and its remedy, the reference (the sweep's last point)
    cases = {case: {"knob": knob, "remedy": remedy, "remedied": sw[knob][-1],
                    "underfit": next(p for p in sw[knob] if p[0] == UNDERFIT[knob])}
             for case, (knob, remedy) in CASES.items()}
    measured = {"training images": s["n_train"], "validation images": s["n_val"],
                "reference: training accuracy": sw["units"][-1][1],
                "reference: validation accuracy": sw["units"][-1][2]}
    for case, c in cases.items():
        measured[f"{case}: training accuracy"] = c["underfit"][1]
        measured[f"{case}: train - validation gap"] = c["underfit"][1] - c["underfit"][2]
    r = DemoResults("underfitting", "Underfitting and its remedies",
                    "An underfitting model has a high training error (high bias) and validation error to "
                    "match; the remedies are a bigger model, training longer, less regularisation and better "
                    "features, not the overfitting ones.", measured, values={"sweeps": sw, "cases": cases})
    _plot(sw, s, figure_path(r, out_dir, "knobs", "training and validation accuracy along each knob; the "
                             "reference model is the right end of every panel"), 60 if quick else 110)
    label = {"units": lambda v: f"{v} hidden units", "l2": lambda v: f"L2({v:g})" if v else "no L2",
             "epochs": lambda v: f"{v} epoch{'s' if v > 1 else ''}",
             "side": lambda v: "the 28x28 pixels" if v == 28 else f"{v}x{v} block means"}
    rows = "\n".join(
        f"| {case} | {label[c['knob']](c['underfit'][0])} | {c['underfit'][1]:.3f} | {c['underfit'][2]:.3f} | "
        f"{c['remedy']}: {label[c['knob']](c['remedied'][0])} | {c['remedied'][1]:.3f} | {c['remedied'][2]:.3f} |"
        for case, c in cases.items())
    table = ("| case | underfitting model | train acc. | val. acc. | remedy | train acc. | val. acc. |\n"
             "| --- | --- | ---: | ---: | --- | ---: | ---: |\n" + rows)
    gaps = [c["underfit"][1] - c["underfit"][2] for c in cases.values()]
    ref_gap = sw["units"][-1][1] - sw["units"][-1][2]
    sections = [
        ("The setup", f"{s['n_train']} Fashion-MNIST training and {s['n_val']} validation images. The "
                      f"reference: the whole 28x28 image, one hidden layer of {REFERENCE['units']} ReLU units, "
                      f"no L2, Adam for {s['epochs']} epochs. Each case changes one of these; the 'poor "
                      "features' see only the mean brightness of a few blocks of the image."),
        ("Each case and its remedy", table + f"\n\nThe underfitting models' train - validation gaps are "
                                     f"{min(gaps):+.3f} to {max(gaps):+.3f} (the reference's: {ref_gap:+.3f}): "
                                     "the training error is the problem, "
                                     "not the gap, and every remedy lowers it."),
    ]
    write_page(r, out_dir, sections, try_next=[
        "add dropout to the 2-unit model: the validation accuracy does not rise (`axon demo overfitting`)",
        "give the 2x2-pixel model 1000 hidden units: a bigger model cannot make up for features that "
        "lack the information",
        "compare train and dev errors against human-level error (`axon demo bias-variance`)"])
    return r


def _plot(sw, s, path, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    panels = (("units", "hidden units (model size)", "log"), ("l2", "L2 strength (0 at the right)", "rev"),
              ("epochs", "epochs trained", "lin"), ("side", "input side in pixels (features)", "log"))
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.3), sharey=True)
    for ax, (knob, xlabel, scale) in zip(axes, panels):
        pts = np.array(sw[knob], dtype=float)
        pos = np.arange(len(pts)) if scale == "rev" else pts[:, 0]
        ax.plot(pos, pts[:, 1], "o-", ms=4, label="training")
        ax.plot(pos, pts[:, 2], "s--", ms=4, label="validation")
        k = int(np.flatnonzero(pts[:, 0] == UNDERFIT[knob])[0])
        ax.plot(pos[k], pts[k, 1], "o", ms=11, mfc="none", mec="k", label="the underfitting case")
        if scale == "log":
            ax.set_xscale("log", base=2)
        if scale != "lin":
            ax.set_xticks(pos, [f"{v:g}" for v in pts[:, 0]], fontsize=8)
        ax.set_xlabel(xlabel, fontsize=9)
        ax.grid(alpha=0.3)
        case = next(c for c, (k, _) in CASES.items() if k == knob)
        ax.set_title(f"{case} -> {CASES[case][1]}", fontsize=9)
    axes[0].set_ylabel("accuracy")
    axes[0].legend(fontsize=8)
    save_figure(fig, path, dpi)
