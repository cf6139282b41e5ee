"""The optimizers slide: SGD, momentum, Nesterov, Adagrad, RMSprop and Adam compared.

Plain SGD steps against the gradient, ``p -= lr g``: in a long narrow valley the
gradient points across the valley, so SGD zig-zags across it and crawls along it.
*Momentum* keeps a velocity ``v = mu v + g`` and steps along it: the across-valley
components cancel, the along-valley ones add up.  *Nesterov* momentum looks at the
gradient one velocity step ahead and brakes before overshooting.  *Adagrad* divides
each coordinate's step by the root of its summed squared gradients (big steps for
rarely moved weights, ever-shrinking steps overall); *RMSprop* by a running average
of them instead, so the steps do not die out; *Adam* combines RMSprop's scaling
with momentum (and corrects both averages for their start at zero).

The demo runs Axon's own optimizers on a 2-element weight tensor over two classic
surfaces, an elongated bowl and Rosenbrock's banana valley, drawing each path on
the contours, and on a Fashion-MNIST classifier.

>>> from axon.optimizers import SGD
>>> d = descend(BOWL, SGD(learning_rate=0.2, momentum=0.9), steps=50)
>>> d.path.shape, bool(d.losses[-1] < d.losses[0])
((51, 2), True)
"""
import math
import time
from dataclasses import dataclass

import numpy as np

TITLE = "optimizers: SGD, momentum, Nesterov, Adagrad, RMSprop and Adam on two surfaces and on Fashion-MNIST"
TOLERANCE = 1e-3       # a path has "arrived" when the loss is this close to the minimum (0)
COLORS = {"SGD": "tab:gray", "momentum": "tab:blue", "Nesterov": "tab:cyan", "Adagrad": "tab:orange",
          "RMSprop": "tab:purple", "Adam": "tab:red"}


@dataclass(frozen=True)
class Surface:
    """A loss over two weights: ``name``, ``fn`` (Axon ops on a (2,) tensor -> a scalar tensor, and
    NumPy arrays ``(x, y)`` -> array), ``start``, ``minimum`` (where the loss is 0), the plot's
    ``window`` ((x_lo, x_hi), (y_lo, y_hi)), its ``formula`` and a ``note`` for the page."""
    name: str
    fn: object
    start: tuple
    minimum: tuple
    window: tuple
    formula: str
    note: str

    def loss(self, p):
        return self.fn(p[0], p[1])


def _bowl(x, y):
    return 0.05 * x * x + 2.0 * y * y


def _rosenbrock(x, y):
    return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)


BOWL = Surface("elongated bowl", _bowl, (-9.0, 1.5), (0.0, 0.0), ((-10, 2), (-2, 2)),
               "0.05 x² + 2 y²", "curvatures 0.1 and 4: condition number 40")
ROSENBROCK = Surface("Rosenbrock", _rosenbrock, (-1.2, 1.0), (1.0, 1.0), ((-2, 2), (-1, 3)),
                     "(1 - x)² + 100 (y - x²)²", "a curved narrow valley, minimum at (1, 1)")


def optimizer_settings(surface_or_data):
    """The six optimizers with the learning rates used on ``"bowl"``, ``"rosenbrock"`` or
    ``"fashion"``: a dict name -> a function making a fresh optimizer.  Each rate is about the
    largest that is stable for plain SGD on that problem, shared by the SGD family; the adaptive
    ones get their usual ones (their step is about lr whatever the gradient's size)."""
    from ..optimizers import SGD, Adagrad, RMSprop, Adam
    sgd, adagrad, rmsprop, adam = {"bowl": (0.2, 1.0, 0.1, 0.3), "rosenbrock": (1e-3, 0.5, 0.01, 0.05),
                                   "fashion": (0.01, 0.01, 0.001, 0.001)}[surface_or_data]
    return {"SGD": lambda: SGD(learning_rate=sgd),
            "momentum": lambda: SGD(learning_rate=sgd, momentum=0.9),
            "Nesterov": lambda: SGD(learning_rate=sgd, momentum=0.9, nesterov=True),
            "Adagrad": lambda: Adagrad(learning_rate=adagrad),
            "RMSprop": lambda: RMSprop(learning_rate=rmsprop),
            "Adam": lambda: Adam(learning_rate=adam)}


@dataclass
class Descent:
    """``path`` (steps + 1, 2): the weights from the start; ``losses`` (steps + 1,) the loss there;
    ``wall`` the seconds the steps took."""
    optimizer: str
    learning_rate: float
    path: np.ndarray
    losses: np.ndarray
    wall: float

    def steps_to(self, tolerance=TOLERANCE):
        """The step from which on the loss stays below ``tolerance`` (inf: not by the last step;
        an oscillating path that only dips below it has not arrived)."""
        above = np.flatnonzero(~(self.losses < tolerance))
        if above.size and above[-1] == len(self.losses) - 1:
            return math.inf
        return int(above[-1]) + 1 if above.size else 0


def descend(surface, optimizer, steps):
    """Minimise ``surface`` from its start by ``steps`` updates of ``optimizer`` (an
    ``axon.optimizers`` instance) on one 2-element weight tensor: ``loss.backward()``,
    ``optimizer.step()``, ``optimizer.zero_grad()``; returns a ``Descent``."""
    from ..tensor import Tensor
    p = Tensor(np.asarray(surface.start, np.float32), requires_grad=True)
    optimizer.set_params([p])
    path = [p.data.copy()]
    began = time.perf_counter()
    for _ in range(steps):
        loss = surface.loss(p)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        path.append(p.data.copy())
    wall = time.perf_counter() - began
    path = np.array(path)
    with np.errstate(over="ignore", invalid="ignore"):
        losses = surface.fn(path[:, 0].astype(np.float64), path[:, 1].astype(np.float64))
    return Descent(optimizer.name, optimizer.learning_rate, path, losses, wall)


def _surface_figure(r, out_dir, surface, runs, dpi):
    from ..utils.plots import pyplot, save_figure
    from .page import figure_path
    plt = pyplot()
    role = surface.name.split()[-1].lower()
    path = figure_path(r, out_dir, role, f"the six paths on the {surface.name} surface, and the loss per step")
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.6), gridspec_kw={"width_ratios": [1.3, 1]})
    (x0, x1), (y0, y1) = surface.window
    x, y = np.meshgrid(np.linspace(x0, x1, 240), np.linspace(y0, y1, 240))
    z = surface.fn(x, y)
    axes[0].contour(x, y, z, levels=np.geomspace(max(z.min(), 1e-3), z.max(), 22), colors="0.65", linewidths=0.6)
    for name, d in runs.items():
        plain = name == "SGD"  # drawn dashed on top: the others often run along its path
        axes[0].plot(d.path[:, 0], d.path[:, 1], "--" if plain else "-", color=COLORS[name], lw=2 if plain else 1.3,
                     alpha=0.9, zorder=3 if plain else 2, label=f"{name} (lr {d.learning_rate:g})")
        axes[0].plot(*d.path[-1], "o", color=COLORS[name], ms=5, zorder=4)
        axes[1].plot(np.arange(len(d.losses)), np.maximum(d.losses, 1e-12), color=COLORS[name], lw=1.3, label=name)
    axes[0].plot(*surface.start, "ks", ms=6)
    axes[0].plot(*surface.minimum, "k*", ms=12)
    axes[0].set_xlim(x0, x1)
    axes[0].set_ylim(y0, y1)
    axes[0].set_xlabel("x")
    axes[0].set_ylabel("y")
    axes[0].set_title(f"{surface.name}: {surface.formula}")
    axes[0].legend(fontsize=8, loc="best")
    axes[1].axhline(TOLERANCE, color="k", ls=":", lw=1)
    axes[1].set_yscale("log")
    axes[1].set_ylim(1e-9, None)
    axes[1].set_xlabel("step")
    axes[1].set_ylabel("loss")
    axes[1].set_title(f"loss per step (arrived: stays under the dotted {TOLERANCE:g})")
    axes[1].grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path, dpi=dpi)


def _fashion_figure(r, out_dir, curves, n, dpi):
    from ..utils.plots import pyplot, save_figure
    from .page import figure_path
    plt = pyplot()
    path = figure_path(r, out_dir, "fashion", f"training loss of the same classifier on {n} Fashion-MNIST images")
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for name, (record, _, _) in curves.items():
        ax.plot(np.arange(len(record.losses)), record.losses, "o-", ms=3, color=COLORS[name], label=name)
    ax.set_xlabel("epoch")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("cross-entropy on the training set")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path, dpi=dpi)


def _steps(s):
    return "never" if math.isinf(s) else str(s)


def run(out_dir, quick=False):
    """Both surfaces and the Fashion-MNIST fit; returns ``DemoResults`` (``values``: ``bowl`` and
    ``rosenbrock`` {optimizer: ``Descent``}, ``fashion`` {optimizer: losses per epoch, test
    accuracy, seconds})."""
    from ..labs.report import markdown_table
    from .data import fashion_subset
    from .gradient_descent import fashion_fit
    from .page import DemoResults, write_page
    dpi = 60 if quick else 110
    plans = {"bowl": (BOWL, 150), "rosenbrock": (ROSENBROCK, 1000 if quick else 3000)}
    surfaces = {key: {name: descend(surface, make(), steps) for name, make in optimizer_settings(key).items()}
                for key, (surface, steps) in plans.items()}
    n_img, epochs = (1000, 3) if quick else (5000, 8)
    (x, y), (xt, yt) = fashion_subset(n_img, 1000, seed=0)
    curves = {name: fashion_fit(x, y, 32, epochs, make(), x_test=xt, y_test=yt)
              for name, make in optimizer_settings("fashion").items()}

    first = {name: np.abs(d.path[1] - d.path[0]) for name, d in surfaces["bowl"].items()}
    measured = {}
    for key, (surface, steps) in plans.items():
        measured.update({f"{surface.name}: steps until the loss stays < {TOLERANCE:g}, {name}": _steps(d.steps_to())
                         for name, d in surfaces[key].items()})
    measured.update({f"Rosenbrock: loss after {plans['rosenbrock'][1]} steps, {name}": float(f"{d.losses[-1]:.3g}")
                     for name, d in surfaces["rosenbrock"].items()})
    measured.update({f"Fashion-MNIST training loss after {epochs} epochs, {name}": c[0].losses[-1]
                     for name, c in curves.items()})
    measured.update({f"Fashion-MNIST test accuracy, {name}": c[2] for name, c in curves.items()})
    claim = ("Momentum and Nesterov cross a long narrow valley far faster than plain SGD at the same "
             "learning rate; Adagrad, RMSprop and Adam scale each weight's step by its own gradient "
             "history, so their first steps are about lr in every coordinate; on a real network the "
             "momentum and adaptive methods train faster than plain SGD.")
    r = DemoResults("optimizers", "The optimizers compared: SGD, momentum, Nesterov, Adagrad, RMSprop, Adam",
                    claim, measured, values={**surfaces, "first_step_bowl": first,
                                             "fashion": {name: {"losses": c[0].losses, "test_accuracy": c[2],
                                                                "seconds": c[0].seconds[-1]}
                                                         for name, c in curves.items()}})
    for key, (surface, _) in plans.items():
        _surface_figure(r, out_dir, surface, surfaces[key], dpi)
    _fashion_figure(r, out_dir, curves, n_img, dpi)

    sections = []
    for key, (surface, steps) in plans.items():
        rows = [[name, f"{d.learning_rate:g}", _steps(d.steps_to()), f"{d.losses[-1]:.2e}",
                 f"({d.path[-1, 0]:.3f}, {d.path[-1, 1]:.3f})", f"{d.wall * 1000:.0f}"]
                for name, d in surfaces[key].items()]
        table = "\n".join(markdown_table(["optimizer", "lr", f"steps until loss stays < {TOLERANCE:g}",
                                          f"loss after {steps}", "where it ended", "ms"], rows, align="lrrrlr"))
        sections.append((f"The {surface.name}",
                         f"Loss {surface.formula} ({surface.note}), from {surface.start}, {steps} steps "
                         "of each optimizer on "
                         f"one 2-element `axon.Tensor` (momentum 0.9 for momentum and Nesterov).\n\n{table}"))
    sgd, adam = first["SGD"], first["Adam"]
    sections[0] = (sections[0][0], sections[0][1] + (
        f"\n\nThe first step from the start: SGD moves x by {sgd[0]:.3f} and y by {sgd[1]:.3f} (the gradient "
        f"times lr: y, the steep direction, {sgd[1] / sgd[0]:.1f} times as far), Adam moves x by {adam[0]:.3f} "
        f"and y by {adam[1]:.3f} (lr in each coordinate): the adaptive methods head diagonally for the "
        "minimum, the SGD family first drops into the valley and then has to travel along it."))
    rattling = [name for name, d in surfaces["bowl"].items() if math.isinf(d.steps_to()) and name != "SGD"]
    if rattling:
        sections[0] = (sections[0][0], sections[0][1] + (
            f" Not arrived on the bowl though close: {', '.join(rattling)}; at a constant rate an adaptive "
            "step stays about lr long however small the gradient, so the path rattles around the minimum "
            "(a decaying rate, `axon.optimizers.ExponentialDecay`, lets it settle)."))
    rows = [[name, f"{c[0].losses[-1]:.3f}", f"{c[2]:.3f}", f"{c[0].seconds[-1]:.2f}"] for name, c in curves.items()]
    lrs = optimizer_settings("fashion")
    sections.append(("On Fashion-MNIST", (
        f"A Dense(32, relu) -> Dense(10) classifier, the same initial weights for all, {n_img} training "
        f"images, batch size 32, {epochs} epochs; learning rates: SGD family {lrs['SGD']().learning_rate:g}, "
        f"Adagrad {lrs['Adagrad']().learning_rate:g}, RMSprop and Adam {lrs['Adam']().learning_rate:g}.\n\n"
        + "\n".join(markdown_table(["optimizer", "training loss", "test accuracy (1000 images)", "wall s"], rows,
                                   align="lrrr")))))
    write_page(r, out_dir, sections=sections, try_next=[
        "raise SGD's learning rate on the bowl to 0.6: it diverges along y, while Adam's step stays lr",
        "set momentum to 0.99 and watch the paths overshoot and spiral",
        "give Adagrad a 10 times smaller rate on Rosenbrock: its steps die out before the valley's end",
    ])
    return r
