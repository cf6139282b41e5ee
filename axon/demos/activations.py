"""The activation-function slide: the same network trained once per activation, its test accuracy
beside the slide's, and each function drawn with its derivative.

The lecture's table (test accuracy of one network on Fashion-MNIST, only the hidden activation
changed) reads sigmoid 81.5%, ReLU 85.5%, tanh 86.5%, leaky ReLU 89.5%.  Its lesson: sigmoid
saturates (its derivative is at most 1/4 and vanishes for large |x|), so it learns slowest; tanh is
zero-centred with slope 1 at 0; ReLU and its variants do not saturate for positive inputs, and the
leaky one keeps a small slope for negative inputs, so no unit dies.  Here the table is measured
again: the same two-hidden-layer network, the same seed (so the same initial weights up to the
activation), the same data and plain SGD, one row per activation, plus ELU, GELU and swish.  The
derivatives in the plots come from Axon's autograd (``backward()`` through the activation), not
from a formula.

>>> d = derivative("sigmoid", np.array([0.0]))
>>> float(d[0])
0.25
>>> derivative("relu", np.array([-1.0, 2.0])).tolist()
[0.0, 1.0]
"""
import numpy as np

from .page import DemoResults, figure_path, write_page

TITLE = "activation functions: the slide's accuracy table re-measured, each function and its derivative"
#: the lecture's test accuracies (its own network, data and training; not measured here)
SLIDE = {"sigmoid": 0.815, "relu": 0.855, "tanh": 0.865, "leaky_relu": 0.895}
#: the activations measured, by their names in ``axon.activations``
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish")
LABELS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leaky ReLU (slope 0.01)",
          "elu": "ELU", "gelu": "GELU", "swish": "swish (SiLU)"}
HIDDEN = (128, 64)
LEARNING_RATE = 0.1
BATCH_SIZE = 32
#: (training images, test images, epochs) for the full and the quick run
FULL, QUICK = (20000, 5000, 8), (2000, 1000, 3)


def derivative(name, x):
    """d activation / dx at the points ``x`` (a 1-D array), from ``backward()`` through
    ``axon.activations.get(name)``; float64, same shape as ``x``."""
    from .. import activations
    from ..tensor import Tensor
    t = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    activations.get(name)(t).sum().backward()
    return np.asarray(t.grad, dtype=np.float64)


def build_network(activation, seed=0):
    """784 -> 128 -> 64 -> 10 logits, both hidden layers with ``activation``; weights drawn after
    ``axon.manual_seed(seed)``, so every activation starts from the same initial weights."""
    from ..backend import manual_seed
    from ..layers import Dense
    from ..models import Input, Sequential
    manual_seed(seed)
    return Sequential([Input((784,))] + [Dense(n, activation=activation) for n in HIDDEN] + [Dense(10)],
                      name=f"mlp_{activation}")


def measure(activations, data, epochs, seed=0):
    """``{activation: (test accuracy, final training loss)}`` for the network of ``build_network``
    trained ``epochs`` epochs with SGD (learning rate 0.1, batches of 32, shuffled with ``seed``)
    on ``data = ((x, y), (x_test, y_test))``."""
    from ..backend import manual_seed
    from ..losses import SparseCategoricalCrossentropy
    from ..optimizers import SGD
    (x, y), (xt, yt) = data
    out = {}
    for name in activations:
        model = build_network(name, seed)
        model.compile(optimizer=SGD(LEARNING_RATE), loss=SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        manual_seed(seed)
        history = model.fit(x, y, epochs=epochs, batch_size=BATCH_SIZE, verbose=0)
        _, accuracy = model.evaluate(xt, yt, verbose=0)
        out[name] = (float(accuracy), float(history.history["loss"][-1]))
    return out


def table_rows(measured):
    """Rows (activation, slide's accuracy or '-', measured accuracy, measured rank) in ``measured``'s
    order; ranks 1 = best."""
    order = sorted(measured, key=lambda k: -measured[k][0])
    return [[LABELS[k], f"{SLIDE[k]:.1%}" if k in SLIDE else "-", f"{measured[k][0]:.1%}",
             str(order.index(k) + 1)] for k in measured]


def _plot_functions(r, out_dir, dpi):
    from ..utils.plots import pyplot, save_figure
    from .. import activations
    from ..tensor import Tensor
    plt = pyplot()
    x = np.linspace(-4, 4, 401)
    fig, axes = plt.subplots(2, 4, figsize=(13, 6))
    for ax, name in zip(axes.flat, ACTIVATIONS):
        f = activations.get(name)(Tensor(x)).data
        d = r.values["derivatives"][name]
        ax.plot(x, f, label="f(x)")
        ax.plot(x, d, "--", label="f'(x) by autograd")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(LABELS[name])
        ax.set_ylim(-1.5, 3)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper left", fontsize=8)
    ax = axes.flat[-1]
    for name in ACTIVATIONS:
        ax.plot(x, r.values["derivatives"][name], label=LABELS[name].split(" (")[0])
    ax.set_title("all derivatives")
    ax.set_ylim(-0.2, 1.3)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.suptitle("Activation functions (solid) and their derivatives from backward() (dashed)")
    fig.tight_layout()
    save_figure(fig, figure_path(r, out_dir, "functions", "each activation and its derivative (autograd)"), dpi)


def _plot_accuracies(r, out_dir, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    names = list(r.values["accuracy"])
    pos = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(9, 3.8))
    ax.bar(pos - 0.2, [100 * r.values["accuracy"][k] for k in names], 0.4, label="measured here")
    slide = [100 * SLIDE.get(k, np.nan) for k in names]
    ax.bar(pos + 0.2, slide, 0.4, label="the slide")
    ax.set_xticks(pos, [LABELS[k].split(" (")[0] for k in names])
    ax.set_ylabel("test accuracy (%)")
    low = min(100 * min(r.values["accuracy"].values()), 81.5)
    ax.set_ylim(max(0, low - 10), 100)
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    ax.set_title("Same network, same seed, one activation per bar (Fashion-MNIST test images)")
    fig.tight_layout()
    save_figure(fig, figure_path(r, out_dir, "accuracy", "test accuracy per activation, measured and the slide's"),
                dpi)


def run(out_dir, quick=False):
    """Train the network once per activation, print the measured table beside the slide's, write
    ``functions.png``, ``accuracy.png`` and ``activations.md``; returns ``DemoResults`` with
    ``values['accuracy']``, ``values['loss']`` and ``values['derivatives']`` (on x in [-4, 4])."""
    from ..labs.report import markdown_table
    from .data import fashion_subset
    n_train, n_test, epochs = QUICK if quick else FULL
    data = fashion_subset(n_train, n_test, seed=0)
    scores = measure(ACTIVATIONS, data, epochs, seed=0)
    x = np.linspace(-4, 4, 401)
    derivatives = {name: derivative(name, x) for name in ACTIVATIONS}
    others = [v[0] for k, v in scores.items() if k != "sigmoid"]
    spread, lag = max(others) - min(others), min(others) - scores["sigmoid"][0]
    best = max(scores, key=lambda k: scores[k][0])
    worst = min(scores, key=lambda k: scores[k][0])
    r = DemoResults(
        "activations", "Activation functions: the same network, one activation at a time",
        "With everything else fixed, the activation changes what the network reaches: sigmoid "
        "81.5%, ReLU 85.5%, tanh 86.5%, leaky ReLU 89.5% test accuracy on the slide; saturating "
        "sigmoid learns slowest.",
        measured={**{f"test accuracy, {LABELS[k]}": f"{v[0]:.1%}" for k, v in scores.items()},
                  "best here": LABELS[best], "worst here": LABELS[worst],
                  "sigmoid's largest slope (autograd)": float(derivatives["sigmoid"].max())},
        values={"accuracy": {k: v[0] for k, v in scores.items()}, "loss": {k: v[1] for k, v in scores.items()},
                "derivatives": derivatives, "x": x, "n_train": n_train, "n_test": n_test, "epochs": epochs})
    table = "\n".join(markdown_table(["activation", "the slide", "measured here", "rank here"], table_rows(scores),
                                      align="lrrr"))
    print(f"Test accuracy per activation ({n_train} training and {n_test} test Fashion-MNIST images, "
          f"{epochs} epochs of SGD):")
    print(table)
    dpi = 60 if quick else 110
    _plot_functions(r, out_dir, dpi)
    _plot_accuracies(r, out_dir, dpi)
    setup = (f"A 784-{HIDDEN[0]}-{HIDDEN[1]}-10 network (`Dense` layers, Glorot-uniform weights drawn after "
             f"`axon.manual_seed(0)`, so every activation starts from the same weights), trained {epochs} "
             f"epochs with plain SGD (learning rate {LEARNING_RATE}, batches of {BATCH_SIZE}, the same "
             f"shuffling) on {n_train} Fashion-MNIST training images scaled to [0, 1] and tested on "
             f"{n_test} test images. Only the hidden layers' activation changes.")
    why = ("The slide's numbers are the lecture's own run (its network, epochs, optimizer and data); "
           "the measured column is this run's, so the order may differ. Here tanh, ReLU and its "
           f"variants end within {100 * spread:.1f} points of each other, and which of them leads "
           "depends on the learning rate, the epochs and the seed. What holds up is the sigmoid's "
           f"lag with plain SGD ({100 * lag:.1f} points behind the next worst here): its slope is at "
           f"most {derivatives['sigmoid'].max():.2f} (the dashed curve), so each sigmoid layer "
           "multiplies the gradient passing back through it by a quarter or less (times its weights) "
           "and the first layers learn slowly (see `axon demo vanishing-gradient`). Leaky ReLU's slope 0.01 for "
           "negative inputs keeps units from dying; ELU, GELU and swish are smooth versions of the "
           "same idea.")
    write_page(r, out_dir, sections=[("The network", setup), ("The table", table),
                                     ("Why the order can differ from the slide", why)],
               try_next=["Train longer (more epochs) and see the gaps between tanh, ReLU and its variants close.",
                         "Switch the optimizer to Adam: it rescales small gradients, and sigmoid catches up.",
                         "Make the network deeper (five hidden layers) and watch sigmoid fall further behind.",
                         "Try `axon.activations.get('leaky_relu')` with a larger slope, or PReLU, "
                         "which learns it."])
    return r
