"""Input normalization: the same network on raw 0-255 pixels, on pixels / 255 and on z-scores,
each with and without batch normalization.

The lecture's advice: scale the inputs before training.  Raw pixels up to 255 make the first
layer's pre-activations hundreds of times larger than its initialisation expects; the first SGD
steps are then huge, the loss explodes and ReLU units die.  Dividing by 255 puts the inputs in
[0, 1]; the z-score (subtract each pixel's training mean, divide by its standard deviation)
centres them too, which makes the loss surface rounder and plain gradient descent faster.  Batch
normalization does the same for each layer's pre-activations, from the batch's own statistics, so
a network with it hardly cares how its inputs were scaled.

>>> x = np.array([[0.0, 255.0], [255.0, 255.0]], np.float32)
>>> scalings(x, x)["z-score"][0].tolist()
[[-1.0, 0.0], [1.0, 0.0]]
"""
import numpy as np

from .page import DemoResults, figure_path, write_page

TITLE = "input normalization: raw 0-255 against /255 against z-score, with and without batch norm"
HIDDEN = (128, 64)
LEARNING_RATE = 0.05
BATCH_SIZE = 32
#: the smallest standard deviation the z-score divides by, in raw grey levels: pixels that never
#: change in the training images (the corners) stay 0 instead of blowing up in a test image
STD_FLOOR = 2.55
#: (training images, test images, epochs) for the full and the quick run
FULL, QUICK = (12000, 3000, 6), (2000, 1000, 3)


def scalings(x_raw, x_test_raw):
    """``{"raw 0-255": (x, x_test), "/ 255": ..., "z-score": ...}`` from raw grey levels (N, 784)
    in 0..255 (float32); the z-score uses each pixel's training mean and standard deviation
    (at least ``STD_FLOOR``) for both sets."""
    mean = x_raw.mean(axis=0)
    std = np.maximum(x_raw.std(axis=0), STD_FLOOR)
    return {"raw 0-255": (x_raw, x_test_raw), "/ 255": (x_raw / 255.0, x_test_raw / 255.0),
            "z-score": ((x_raw - mean) / std, (x_test_raw - mean) / std)}


def build_network(batch_norm, seed=0):
    """784 -> 128 -> 64 -> 10 logits with ReLU; with ``batch_norm`` each hidden ``Dense`` is followed
    by ``BatchNormalization`` before its ReLU.  Weights drawn after ``axon.manual_seed(seed)``."""
    from ..backend import manual_seed
    from ..layers import Activation, BatchNormalization, Dense
    from ..models import Input, Sequential
    manual_seed(seed)
    layers = [Input((784,))]
    for n in HIDDEN:
        layers += [Dense(n), BatchNormalization(), Activation("relu")] if batch_norm else [Dense(n, activation="relu")]
    return Sequential(layers + [Dense(10)], name="mlp_bn" if batch_norm else "mlp")


def dead_fraction(model, x):
    """The fraction of the first hidden layer's ReLU units that output 0 for every row of ``x``."""
    from ..autograd import no_grad
    upto = 1 if len(model.layers) == len(HIDDEN) + 1 else 3  # Dense(relu), or Dense, BN, ReLU
    with no_grad(), np.errstate(all="ignore"):
        h = x
        for layer in model.layers[:upto]:
            h = layer(h, training=False) if hasattr(layer, "moving_mean") else layer(h)
    return float(np.mean(np.all(np.asarray(h.data) <= 0, axis=0)))


def train(x, y, x_test, y_test, batch_norm, epochs, seed=0):
    """``(training loss per epoch, test accuracy, dead fraction of the first layer's units on the
    test images)`` of ``build_network(batch_norm)`` trained with
    SGD (learning rate 0.05, batches of 32); a loss that becomes NaN or infinite ends the run
    there (the remaining epochs are NaN, the accuracy is measured on the weights left)."""
    from ..backend import manual_seed
    from ..callbacks import TerminateOnNaN
    from ..losses import SparseCategoricalCrossentropy
    from ..optimizers import SGD
    import contextlib
    import io
    model = build_network(batch_norm, seed)
    model.compile(optimizer=SGD(LEARNING_RATE), loss=SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    manual_seed(seed)
    with contextlib.redirect_stdout(io.StringIO()):  # TerminateOnNaN's one line
        history = model.fit(x, y, epochs=epochs, batch_size=BATCH_SIZE, verbose=0, callbacks=[TerminateOnNaN()])
    losses = [float(v) for v in history.history["loss"]]
    losses += [float("nan")] * (epochs - len(losses))
    with np.errstate(all="ignore"):
        _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    return losses, float(accuracy), dead_fraction(model, x_test)


def _plot(r, out_dir, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    v = r.values
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    colors = {"raw 0-255": "tab:red", "/ 255": "tab:blue", "z-score": "tab:green"}
    for (scaling, bn), losses in v["loss"].items():
        axes[0].semilogy(np.arange(1, len(losses) + 1), losses, "s--" if bn else "o-", color=colors[scaling],
                         label=f"{scaling}{', batch norm' if bn else ''}")
    axes[0].axhline(np.log(10), color="grey", lw=1, ls=":", label="ln 10: guessing")
    finite = np.array([l for ls in v["loss"].values() for l in ls if np.isfinite(l)])
    top = 30.0
    axes[0].set_ylim(0.8 * finite.min(), top)
    off = [f"{label}, epoch {i + 1}: {l:.2g}" for (s, bn), ls in v["loss"].items()
           for i, l in enumerate(ls) if not np.isfinite(l) or l > top
           for label in [f"{s}{', batch norm' if bn else ''}"]]
    if off:
        axes[0].text(0.02, 0.97, "off the chart: " + "; ".join(off[:3]), transform=axes[0].transAxes,
                     va="top", fontsize=8, color="tab:red")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("training loss (log scale)")
    axes[0].set_title("Same network, same seed, same SGD")
    axes[0].grid(alpha=0.3, which="both")
    axes[0].legend(fontsize=8, ncol=2, loc="upper right", bbox_to_anchor=(1, 0.9))
    names = list(colors)
    pos = np.arange(len(names))
    for offset, bn in ((-0.2, False), (0.2, True)):
        acc = [100 * v["accuracy"][(s, bn)] for s in names]
        bars = axes[1].bar(pos + offset, acc, 0.4, label="with batch norm" if bn else "without",
                           color=[colors[s] for s in names], alpha=1.0 if bn else 0.55, hatch="//" if bn else None)
        axes[1].bar_label(bars, fmt="%.1f", fontsize=8)
    axes[1].set_xticks(pos, names)
    axes[1].set_ylabel("test accuracy (%)")
    axes[1].set_ylim(0, 100)
    axes[1].set_title("Test accuracy (faded: without batch norm, hatched: with)")
    axes[1].grid(axis="y", alpha=0.3)
    fig.tight_layout()
    save_figure(fig, figure_path(r, out_dir, "normalization", "training loss and test accuracy per input scaling"),
                dpi)


def run(out_dir, quick=False):
    """Train the six combinations, write ``normalization.png`` and ``normalization.md``; returns
    ``DemoResults`` with ``values['loss'][(scaling, batch_norm)]`` (per epoch) and
    ``values['accuracy'][(scaling, batch_norm)]``."""
    from ..labs.report import markdown_table
    from .data import fashion_subset
    n_train, n_test, epochs = QUICK if quick else FULL
    (x, y), (xt, yt) = fashion_subset(n_train, n_test, seed=0)
    inputs = scalings(np.round(x * 255.0), np.round(xt * 255.0))
    losses, accuracy, dead = {}, {}, {}
    for name, (a, b) in inputs.items():
        for bn in (False, True):
            losses[(name, bn)], accuracy[(name, bn)], dead[(name, bn)] = train(a, y, b, yt, bn, epochs)
    label = {(s, bn): f"{s}{', batch norm' if bn else ''}" for s, bn in accuracy}
    r = DemoResults(
        "normalization", "Input normalization, with and without batch norm",
        "Scale the inputs: raw 0-255 pixels make training unstable, /255 fixes it, a z-score "
        "(mean 0, standard deviation 1 per input) trains fastest; batch normalization makes the "
        "network nearly indifferent to the input's scale.",
        measured={**{f"test accuracy, {label[k]}": f"{v:.1%}" for k, v in accuracy.items()},
                  "first-epoch loss, raw 0-255": losses[("raw 0-255", False)][0],
                  "first-epoch loss, z-score": losses[("z-score", False)][0],
                  "dead first-layer ReLUs, raw 0-255": f"{dead[('raw 0-255', False)]:.0%}",
                  "dead first-layer ReLUs, / 255": f"{dead[('/ 255', False)]:.0%}"},
        values={"loss": losses, "accuracy": accuracy, "dead": dead,
                "n_train": n_train, "n_test": n_test, "epochs": epochs,
                "input_range": {k: (float(a.min()), float(a.max())) for k, (a, _) in inputs.items()}})
    _plot(r, out_dir, 60 if quick else 110)
    rows = [[s, f"{lo:.3g} to {hi:.3g}", f"{losses[(s, False)][0]:.4g}", f"{losses[(s, False)][-1]:.3f}",
             f"{accuracy[(s, False)]:.1%}", f"{losses[(s, True)][-1]:.3f}", f"{accuracy[(s, True)]:.1%}"]
            for s, (lo, hi) in r.values["input_range"].items()]
    table = "\n".join(markdown_table(
        ["inputs", "range", "loss, epoch 1", f"loss, epoch {epochs}", "test accuracy",
         f"with batch norm: loss, epoch {epochs}", "test accuracy"], rows, align="llrrrrr"))
    raw, unit, z = (losses[(s, False)] for s in inputs)
    same = np.allclose(losses[("raw 0-255", True)], losses[("/ 255", True)], rtol=1e-3)
    text = (
        f"A 784-{HIDDEN[0]}-{HIDDEN[1]}-10 ReLU network, the same initial weights (`axon.manual_seed(0)`) "
        f"and the same plain SGD (learning rate {LEARNING_RATE}, batches of {BATCH_SIZE}) on {n_train} "
        f"Fashion-MNIST training images for {epochs} epochs, tested on {n_test}; only the inputs' scale "
        f"changes, and with batch norm a `BatchNormalization` sits between each hidden `Dense` and its ReLU.\n\n"
        f"{table}\n\n"
        f"On raw grey levels the first epoch's mean loss is {raw[0]:.3g}: the first steps overshoot, "
        f"{dead[('raw 0-255', False)]:.0%} of the first layer's ReLU units end up dead (0 on every test "
        f"image, against {dead[('/ 255', False)]:.0%} with /255 inputs) and the network is left near "
        f"guessing ({accuracy[('raw 0-255', False)]:.1%}). Divided by 255 it learns "
        f"({accuracy[('/ 255', False)]:.1%}); "
        f"centred and scaled per pixel (z-score) it learns fastest (first-epoch loss {z[0]:.3f} against "
        f"{unit[0]:.3f}, {accuracy[('z-score', False)]:.1%}). With batch normalization all three train: "
        f"the first layer's pre-activations are re-standardised batch by batch, so their scale no longer "
        f"depends on the inputs'" + (
            " (raw and /255 inputs then give the same training losses to four digits: batch norm "
            "undoes a constant factor exactly, up to its epsilon)." if same else ".") +
        " The test accuracies with batch norm use its moving averages (momentum 0.99), which lag "
        "after few steps.")
    write_page(r, out_dir, sections=[("Six runs", text)],
               try_next=["Lower the learning rate to 0.001 and train on raw pixels again: stable, but slow.",
                         "Use Adam instead of SGD: it rescales each weight's step and tolerates raw inputs better.",
                         "Put `axon.layers.Normalization` (with `adapt`) as the model's first layer, so the "
                         "z-score travels with the saved model."])
    return r
