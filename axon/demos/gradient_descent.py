"""The "solve a learning problem" slides: batch, stochastic and mini-batch gradient descent.

Gradient descent moves the weights against the gradient of the training loss,
``theta <- theta - lr * grad L``.  *Batch* gradient descent computes that gradient on
all N training samples: one accurate update per epoch (a pass over the data).
*Stochastic* gradient descent uses one sample at a time: N cheap, noisy updates
per epoch.  *Mini-batch* gradient descent uses B samples (32 here): N/B updates per
epoch, each almost as well aimed as the batch one and, on vectorised hardware,
almost as cheap as the stochastic one.  So mini-batch reaches a given loss after
processing far fewer samples (less time) than batch, along a much steadier path
than stochastic.

The demo shows the three paths on the loss surface of a two-weight problem,
linear regression ``y = w x + b`` fitted by mean squared error (the surface over
(w, b) is a bowl), and the same three on Fashion-MNIST, plotted against epochs and
against measured wall-clock seconds.

>>> x, y = regression_data(200, seed=0)
>>> run_ = descend_on_batches(x, y, batch_size=32, epochs=2, learning_rate=0.1, start=(0.0, 0.0))
>>> run_.path.shape, int(run_.samples[-1])    # ceil(200 / 32) = 7 updates an epoch
((15, 2), 400)
"""
import math
import time
from dataclasses import dataclass

import numpy as np

from ..callbacks import Callback

TITLE = "gradient descent: batch, stochastic and mini-batch paths on a loss surface and on Fashion-MNIST"
TRUE_W, TRUE_B = 2.0, -1.0
START = (-1.0, 3.0)          # where every path on the (w, b) surface starts
COLORS = {"batch": "tab:blue", "stochastic": "tab:red", "mini-batch": "tab:green"}


def regression_data(n, seed=0, noise=0.5):
    """``n`` samples ``(x, y)`` of ``y = 2 x - 1 + noise``, x ~ N(0.5, 1): two float32 arrays (n,)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.5, 1.0, n)
    y = TRUE_W * x + TRUE_B + rng.normal(0.0, noise, n)
    return x.astype(np.float32), y.astype(np.float32)


def mse_surface(x, y, w, b):
    """The mean squared error of ``w x + b`` over all the data, for arrays ``w`` and ``b`` of any
    (same) shape: a grid for a contour plot or the points of a path."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    sx, sy, sxx, sxy, syy = x.mean(), y.mean(), (x * x).mean(), (x * y).mean(), (y * y).mean()
    w, b = np.asarray(w, np.float64), np.asarray(b, np.float64)
    return w * w * sxx + 2 * w * b * sx + b * b - 2 * w * sxy - 2 * b * sy + syy


def least_squares(x, y):
    """The (w, b) of the smallest mean squared error (the bottom of the bowl)."""
    a = np.stack([x, np.ones_like(x)], axis=1).astype(np.float64)
    return np.linalg.lstsq(a, np.asarray(y, np.float64), rcond=None)[0]


@dataclass
class Descent:
    """One run of gradient descent on the regression: ``path`` (updates + 1, 2) the (w, b) after
    every update (row 0: the start), ``samples`` (updates + 1,) the samples processed so far
    (the work: gradient terms computed), ``wall`` the seconds the updates took."""
    batch_size: int
    path: np.ndarray
    samples: np.ndarray
    wall: float

    @property
    def updates(self):
        return len(self.path) - 1


def descend_on_batches(x, y, batch_size, epochs, learning_rate, start=START, seed=0):
    """Fit ``y = w x + b`` by mean squared error with ``axon.optimizers.SGD`` on batches of
    ``batch_size`` samples (``len(x)``: batch gradient descent, 1: stochastic), reshuffled every
    epoch; the weights are one 2-element Axon tensor.  Returns a ``Descent``."""
    from .. import ops as F
    from ..optimizers import SGD
    from ..tensor import Tensor
    n = len(x)
    if not 1 <= batch_size <= n:
        raise ValueError(f"descend_on_batches: batch_size must be in [1, {n}] (the samples), got {batch_size}; "
                         f"pass 1 (stochastic), {n} (batch) or a size between")
    theta = Tensor(np.asarray(start, np.float32), requires_grad=True)
    opt = SGD([theta], learning_rate=learning_rate)
    rng = np.random.default_rng(seed)
    path, samples = [theta.data.copy()], [0]
    began = time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(n)
        for first in range(0, n, batch_size):
            idx = order[first:first + batch_size]
            xb, yb = Tensor(x[idx]), Tensor(y[idx])
            loss = F.mean(F.square(xb * theta[0] + theta[1] - yb))
            loss.backward()
            opt.step()
            opt.zero_grad()
            path.append(theta.data.copy())
            samples.append(samples[-1] + len(idx))
    wall = time.perf_counter() - began
    return Descent(batch_size, np.array(path), np.array(samples), wall)


def work_to_reach(losses, samples, target):
    """The samples processed when ``losses`` first fall to ``target`` or below (inf: never)."""
    hit = np.flatnonzero(np.asarray(losses) <= target)
    return float(samples[hit[0]]) if hit.size else math.inf


def roughness(losses):
    """How much the loss went up and down per unit of its net drop: the sum of ``|L[t+1] - L[t]|``
    over the run divided by ``L[0] - L[-1]`` (1 for a steady descent, large for a noisy one)."""
    losses = np.asarray(losses, np.float64)
    return float(np.abs(np.diff(losses)).sum() / max(losses[0] - losses[-1], 1e-12))


class TrainingLoss(Callback):
    """Records, after every epoch of ``fit``, the loss on the whole training set ``(x, y)`` (in
    inference mode) in ``losses`` and the wall seconds of training so far in ``seconds`` (the
    time of these evaluations left out); row 0 is the untrained model at 0 s."""

    def __init__(self, x, y, loss_fn):
        super().__init__()
        self.x, self.y, self.loss_fn = x, y, loss_fn
        self.losses, self.seconds = [], []

    def _measure(self):
        from ..autograd import no_grad
        with no_grad():
            self.losses.append(float(self.loss_fn(self.y, self.model(self.x, training=False)).data))

    def on_train_begin(self, logs=None):
        self._measure()
        self.seconds.append(0.0)
        self._began = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(self.seconds[-1] + time.perf_counter() - self._began)
        self._measure()
        self._began = time.perf_counter()


def fashion_classifier(optimizer, hidden=32, seed=0, n_inputs=784):
    """A built and compiled Dense(hidden, relu) -> Dense(10) classifier of flat 28x28 images
    (logits; sparse categorical cross-entropy), its initial weights fixed by ``seed``."""
    from ..backend import manual_seed
    from ..layers import Dense
    from ..losses import SparseCategoricalCrossentropy
    from ..models import Sequential
    manual_seed(seed)
    model = Sequential([Dense(hidden, activation="relu"), Dense(10)])
    model.compile(optimizer, loss=SparseCategoricalCrossentropy(from_logits=True))
    model(np.zeros((1, n_inputs), np.float32))
    return model


def cross_entropy(labels, logits):
    """The mean sparse categorical cross-entropy of ``logits`` (N, 10) for int ``labels`` (N,)."""
    from .. import ops as F
    return F.sparse_categorical_crossentropy(labels, logits, from_logits=True)


def fashion_fit(x, y, batch_size, epochs, optimizer, hidden=32, seed=0, x_test=None, y_test=None):
    """Train ``fashion_classifier(optimizer, hidden, seed)`` on ``(x, y)`` by ``fit`` with
    ``batch_size``; returns the ``TrainingLoss`` record (``.losses``, ``.seconds``, ``.model``), the
    optimizer's update count and the test accuracy (None without test data)."""
    model = fashion_classifier(optimizer, hidden, seed, x.shape[1])
    record = TrainingLoss(x, y, cross_entropy)
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[record])
    accuracy = None
    if x_test is not None:
        accuracy = float(np.mean(model.predict(x_test, verbose=0).argmax(1) == y_test))
    return record, optimizer.iterations, accuracy


def _surface_figure(r, out_dir, x, y, runs, losses, best, target, dpi):
    from ..utils.plots import pyplot, save_figure
    from .page import figure_path
    plt = pyplot()
    path = figure_path(r, out_dir, "paths", "the three paths on the loss surface over (w, b)")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    pts = np.concatenate([d.path for d in runs.values()])
    lo, hi = pts.min(0) - 0.4, pts.max(0) + 0.4
    w, b = np.meshgrid(np.linspace(lo[0], hi[0], 160), np.linspace(lo[1], hi[1], 160))
    surface = mse_surface(x, y, w, b)
    axes[0].contour(w, b, surface, levels=np.geomspace(surface.min() + 1e-3, surface.max(), 18),
                    cmap="Greys", linewidths=0.7)
    for name, d in runs.items():
        noisy = d.batch_size == 1
        axes[0].plot(d.path[:, 0], d.path[:, 1], "-", color=COLORS[name], lw=0.5 if noisy else 1.6,
                     marker="o" if d.updates < 80 else None, ms=3, alpha=0.45 if noisy else 0.95,
                     zorder=1 if noisy else 2, label=f"{name} (B={d.batch_size}, {d.updates} updates)")
    axes[0].plot(*best, "k*", ms=12, label="least squares")
    axes[0].plot(*START, "ks", ms=6)
    axes[0].set_xlabel("w")
    axes[0].set_ylabel("b")
    axes[0].set_title("paths on the mean-squared-error surface")
    axes[0].legend(fontsize=8)
    for name, d in runs.items():
        noisy = d.batch_size == 1
        axes[1].plot(d.samples / len(x), losses[name], color=COLORS[name], lw=0.5 if noisy else 1.6,
                     alpha=0.6 if noisy else 1.0, zorder=1 if noisy else 2, label=name)
    axes[1].axhline(target, color="k", ls=":", lw=1, label=f"target MSE {target:.3f}")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("epochs (samples processed / N)")
    axes[1].set_ylabel("mean squared error on all the data")
    axes[1].set_title("loss after every update")
    axes[1].grid(alpha=0.3)
    axes[1].legend()
    fig.tight_layout()
    save_figure(fig, path, dpi=dpi)


def _fashion_figure(r, out_dir, curves, n, dpi):
    from ..utils.plots import pyplot, save_figure
    from .page import figure_path
    plt = pyplot()
    path = figure_path(r, out_dir, "fashion", f"training loss on {n} Fashion-MNIST images against epochs "
                                              "and against measured wall seconds")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    for name, (record, _, _) in curves.items():
        epochs = np.arange(len(record.losses))
        axes[0].plot(epochs, record.losses, "o-", color=COLORS[name], ms=3, label=name)
        axes[1].plot(record.seconds[1:], record.losses[1:], "o-", color=COLORS[name], ms=3, label=name)
    axes[0].set_xlabel("epoch")
    axes[0].xaxis.get_major_locator().set_params(integer=True)
    axes[1].set_xscale("log")
    axes[1].set_xlabel("wall seconds of training, log scale (measured on this machine)")
    axes[1].set_title("one point per epoch")
    for ax in axes:
        ax.set_ylabel("cross-entropy on the training set")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    save_figure(fig, path, dpi=dpi)


def run(out_dir, quick=False):
    """The paths on the (w, b) surface and the Fashion-MNIST curves; returns ``DemoResults``
    (``values``: ``runs`` the ``Descent`` of each method, ``losses`` their full-data losses,
    ``target``, ``samples_to_target``, ``roughness``, ``spread``, ``fashion`` the losses, seconds and updates)."""
    from ..optimizers import SGD
    from .data import fashion_subset
    from .page import DemoResults, write_page
    dpi = 60 if quick else 110
    n, epochs, lr, mini = (128, 20, 0.15, 16) if quick else (512, 20, 0.15, 32)
    x, y = regression_data(n, seed=0)
    best = least_squares(x, y)
    sizes = {"batch": n, "stochastic": 1, "mini-batch": mini}
    runs = {name: descend_on_batches(x, y, b, epochs, lr, seed=1) for name, b in sizes.items()}
    losses = {name: mse_surface(x, y, d.path[:, 0], d.path[:, 1]) for name, d in runs.items()}
    floor, top = float(mse_surface(x, y, *best)), float(mse_surface(x, y, *START))
    target = floor + 0.01 * (top - floor)
    to_target = {name: work_to_reach(losses[name], d.samples, target) for name, d in runs.items()}
    rough = {name: roughness(losses[name]) for name in runs}
    # the spread of the loss over the last epoch's updates (batch: its last two updates)
    spread = {name: float(np.std(losses[name][-max(len(losses[name]) // epochs, 2):])) for name in runs}

    n_img, img_epochs = (400, 3) if quick else (4000, 6)
    (xf, yf), (xt, yt) = fashion_subset(n_img, 1000, seed=0)
    f_sizes = {"batch": n_img, "stochastic": 1, "mini-batch": 32}
    curves = {name: fashion_fit(xf, yf, b, img_epochs, SGD(learning_rate=0.05), x_test=xt, y_test=yt)
              for name, b in f_sizes.items()}

    claim = ("Batch gradient descent makes one accurate update per pass over the data, stochastic N "
             "noisy ones, mini-batch N/B nearly as accurate ones: mini-batch reaches a given loss after "
             "far less work (time) than batch, along a far steadier path than stochastic.")
    measured = {f"samples processed to reach MSE {target:.3f}, {name}": (
        "never" if math.isinf(s) else int(s)) for name, s in to_target.items()}
    measured.update({f"roughness of the loss curve, {name}": round(v, 2) for name, v in rough.items()})
    measured.update({f"loss spread over the last epoch, {name}": float(f"{v:.3g}") for name, v in spread.items()})
    measured.update({f"Fashion-MNIST training loss after {img_epochs} epochs, {name}": c[0].losses[-1]
                     for name, c in curves.items()})
    measured.update({f"Fashion-MNIST wall seconds for {img_epochs} epochs, {name}": round(c[0].seconds[-1], 3)
                     for name, c in curves.items()})
    r = DemoResults("gradient-descent", "Batch, stochastic and mini-batch gradient descent", claim, measured,
                    values={"runs": runs, "losses": losses, "target": target, "floor": floor,
                            "samples_to_target": to_target, "roughness": rough, "spread": spread,
                            "fashion": {name: {"losses": c[0].losses, "seconds": c[0].seconds, "updates": c[1],
                                               "test_accuracy": c[2]} for name, c in curves.items()}})
    _surface_figure(r, out_dir, x, y, runs, losses, best, target, dpi)
    _fashion_figure(r, out_dir, curves, n_img, dpi)

    rows = [[name, d.batch_size, math.ceil(n / d.batch_size), d.updates,
             "never" if math.isinf(to_target[name]) else f"{int(to_target[name])}",
             f"{rough[name]:.2f}", f"{spread[name]:.2g}", f"{d.wall:.3f}"] for name, d in runs.items()]
    from ..labs.report import markdown_table
    table = "\n".join(markdown_table(
        ["method", "batch size B", "updates per epoch", "updates", f"samples to MSE {target:.3f}",
         "roughness", "loss spread (last epoch)", "wall s"], rows, align="lrrrrrrr"))
    f_rows = [[name, f_sizes[name], c[1], f"{c[0].losses[-1]:.3f}", f"{c[2]:.3f}", f"{c[0].seconds[-1]:.3f}",
               f"{c[0].seconds[-1] / img_epochs * 1000:.0f}"] for name, c in curves.items()]
    f_table = "\n".join(markdown_table(
        ["method", "B", "updates", "training loss", "test accuracy", "wall s", "ms per epoch"], f_rows,
        align="lrrrrrr"))
    sections = [
        ("A two-weight problem",
         f"{n} samples of y = {TRUE_W:g} x {'-' if TRUE_B < 0 else '+'} {abs(TRUE_B):g} + noise, "
         "fitted by mean squared error with "
         f"`axon.optimizers.SGD(learning_rate={lr})` on a 2-element weight tensor (w, b), from "
         f"(w, b) = {START} for {epochs} epochs. Least squares gives (w, b) = ({best[0]:.3f}, "
         f"{best[1]:.3f}) with MSE {floor:.3f}; the target is 1% of the way from there to the start's "
         f"MSE, {target:.3f}.\n\n{table}\n\n"
         "The work to reach the target is counted in samples processed (gradient terms computed), "
         "which is what the time of a real, large problem is made of; the wall seconds measured "
         "here for this tiny problem are mostly Python overhead per update. Roughness is the "
         "total up-and-down of the loss curve divided by its net drop (1: every update lowered "
         "the loss); the spread is the standard deviation of the loss over the last epoch's "
         "updates. Stochastic descent keeps jumping around the bottom of the bowl; mini-batch "
         "descent needs far fewer samples than batch and stays on course."),
        ("The same three on Fashion-MNIST",
         f"A Dense(32, relu) -> Dense(10) classifier on {n_img} training images, "
         f"`SGD(learning_rate=0.05)`, {img_epochs} epochs, the same initial weights for all three; "
         f"the training loss is measured on all {n_img} images after every epoch, the time is that "
         f"of `fit` on this machine.\n\n{f_table}\n\n"
         "Per epoch, batch descent is fastest but makes one update, so its loss barely moves; "
         "stochastic descent pays the per-update overhead N times an epoch; mini-batch descent "
         "gets most of the progress per epoch at a small part of the stochastic time."),
    ]
    write_page(r, out_dir, sections=sections, try_next=[
        "raise the learning rate to 0.45 for the regression: batch and mini-batch descent still settle, "
        "stochastic descent's loss scatters far wider",
        "decay the learning rate (axon.optimizers.ExponentialDecay) so stochastic descent settles",
        "try mini-batch sizes 4 and 128 and watch the path's jitter and the updates per epoch",
    ])
    return r
