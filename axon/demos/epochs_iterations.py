"""The epochs-and-iterations slide, with the numbers of a real fit.

An *iteration* (a step) is one update of the weights from one batch of B samples; an *epoch* is
one pass over all N training samples, so it has ceil(N/B) iterations, the last batch holding the
N - (ceil(N/B) - 1) B samples that are left.  Ten epochs of N = 1000 samples in batches of 64 are
10 x 16 = 160 iterations, each epoch ending with a batch of 40.

The loss ``fit`` reports for an epoch (in ``History``) is the mean of that epoch's batch losses,
each measured on its batch *before* that batch's update: it averages over weights that kept
changing during the epoch, so it lags behind the loss of the weights at the epoch's end.

>>> iterations_per_epoch(1000, 64), last_batch_size(1000, 64)
(16, 40)
"""
import math

import numpy as np

from ..callbacks import Callback

TITLE = "epochs and iterations: ceil(N/B) updates a pass, loss per iteration and per epoch of a real fit"


def iterations_per_epoch(n, batch_size):
    """``ceil(n / batch_size)``: the updates of one pass over ``n`` samples."""
    if n < 1 or batch_size < 1:
        raise ValueError(f"iterations_per_epoch: n and batch_size must be >= 1, got n={n}, "
                         f"batch_size={batch_size}; pass the number of samples and the batch size")
    return math.ceil(n / batch_size)


def last_batch_size(n, batch_size):
    """The samples of an epoch's last batch: ``n - (iterations_per_epoch - 1) * batch_size``."""
    return n - (iterations_per_epoch(n, batch_size) - 1) * batch_size


class IterationLog(Callback):
    """Records every iteration of ``fit``: ``epoch``, ``batch_size`` (the samples the loss tracker
    counted), ``batch_loss`` (that batch's own loss, from the tracker's sums), ``running_loss`` (the
    epoch's mean so far, what the progress bar shows) and, when ``x, y, loss_fn`` are given,
    ``training_loss``: the loss of the updated weights on all of ``(x, y)`` (inference mode).
    ``start_loss`` is that loss before the first update."""

    def __init__(self, x=None, y=None, loss_fn=None):
        super().__init__()
        self.x, self.y, self.loss_fn = x, y, loss_fn
        self.epoch, self.batch_size, self.batch_loss, self.running_loss, self.training_loss = [], [], [], [], []
        self.start_loss = None

    def _training_loss(self):
        from ..autograd import no_grad
        with no_grad():
            return float(self.loss_fn(self.y, self.model(self.x, training=False)).data)

    def on_train_begin(self, logs=None):
        if self.loss_fn is not None:
            self.start_loss = self._training_loss()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._sums = epoch, (0.0, 0.0)

    def on_train_batch_end(self, batch, logs=None):
        tracker = self.model.metrics[0]  # the loss tracker: a weighted Mean over the epoch's samples
        total, count = tracker.total, tracker.count
        self.epoch.append(self._epoch)
        self.batch_size.append(int(round(count - self._sums[1])))
        self.batch_loss.append((total - self._sums[0]) / (count - self._sums[1]))
        self.running_loss.append(float(logs["loss"]))
        self._sums = (total, count)
        if self.loss_fn is not None:
            self.training_loss.append(self._training_loss())

    def arrays(self):
        """The records as NumPy arrays, by name."""
        return {k: np.asarray(getattr(self, k)) for k in
                ("epoch", "batch_size", "batch_loss", "running_loss", "training_loss")}


def _figure(r, out_dir, log, history, n, batch_size, dpi):
    from ..utils.plots import pyplot, save_figure
    from .page import figure_path
    plt = pyplot()
    a = log.arrays()
    per_epoch = iterations_per_epoch(n, batch_size)
    epochs = len(history)
    path = figure_path(r, out_dir, "iterations", f"loss per iteration and per epoch: N={n}, B={batch_size}, "
                                                 f"{per_epoch} iterations an epoch")
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.4), gridspec_kw={"width_ratios": [1.6, 1]})
    it = np.arange(1, len(a["batch_loss"]) + 1)
    ax = axes[0]
    ax.plot(it, a["batch_loss"], "-", color="tab:orange", lw=0.8, alpha=0.8, label="loss of each iteration's batch")
    ax.plot(it, a["running_loss"], "-", color="tab:green", lw=1.2, label="running mean over the epoch (progress bar)")
    ax.plot(np.concatenate([[0], it]), np.concatenate([[log.start_loss], a["training_loss"]]), "-", color="k",
            lw=1.4, label="training-set loss after each iteration")
    ends = per_epoch * np.arange(1, epochs + 1)
    ax.plot(ends, history, "o", color="tab:red", ms=6, label="History: the epoch's loss")
    for e in ends[:-1]:
        ax.axvline(e + 0.5, color="0.75", lw=0.8, ls="--", zorder=0)
    ax.set_xlabel(f"iteration (dashed lines: epoch boundaries, every {per_epoch} iterations)")
    ax.set_ylabel("cross-entropy")
    ax.set_title(f"{epochs} epochs x {per_epoch} iterations = {len(it)} updates")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ep = np.arange(1, epochs + 1)
    axes[1].plot(ep, history, "o-", color="tab:red", label="History (mean during the epoch)")
    axes[1].plot(np.concatenate([[0], ep]), np.concatenate([[log.start_loss], a["training_loss"][ends - 1]]), "s-",
                 color="k", label="training-set loss at the epoch's end")
    axes[1].set_xlabel("epoch")
    axes[1].xaxis.get_major_locator().set_params(integer=True)
    axes[1].set_ylabel("cross-entropy")
    axes[1].set_title("per epoch")
    axes[1].grid(alpha=0.3)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=dpi)


def run(out_dir, quick=False):
    """A ``fit`` of a Fashion-MNIST classifier logged every iteration; returns ``DemoResults``
    (``values``: ``n``, ``batch_size``, ``epochs``, ``iterations`` (the optimizer's count),
    ``log`` (``IterationLog.arrays()``), ``start_loss``, ``history`` (the epochs' losses))."""
    from ..labs.report import markdown_table
    from ..optimizers import Adam
    from .data import fashion_subset
    from .gradient_descent import cross_entropy, fashion_classifier
    from .page import DemoResults, write_page
    dpi = 60 if quick else 110
    n, batch_size, epochs = (600, 64, 4) if quick else (3000, 64, 10)
    (x, y), _ = fashion_subset(n, 1, seed=0)
    optimizer = Adam(learning_rate=0.001)
    model = fashion_classifier(optimizer)
    log = IterationLog(x, y, cross_entropy)
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[log]).history["loss"]
    a = log.arrays()
    per_epoch = iterations_per_epoch(n, batch_size)
    ends = per_epoch * np.arange(1, epochs + 1) - 1
    lag = np.asarray(history) - a["training_loss"][ends]

    claim = (f"An epoch is a pass over all N samples and has ceil(N/B) iterations (updates); fit's epoch "
             "loss is the mean of the epoch's batch losses, measured while the weights changed, so it "
             "lags behind the loss at the epoch's end.")
    measured = {"N (training samples)": n, "B (batch size)": batch_size,
                "iterations per epoch, ceil(N/B)": per_epoch,
                "iterations counted per epoch": int(np.bincount(a["epoch"]).max()),
                "samples in the last batch of an epoch": int(a["batch_size"][per_epoch - 1]),
                "epochs": epochs, "iterations in all (optimizer.iterations)": optimizer.iterations,
                "History loss, last epoch": history[-1],
                "training-set loss at the end of the last epoch": float(a["training_loss"][-1]),
                "mean lag of the History loss behind the epoch-end loss": float(lag.mean())}
    r = DemoResults("epochs-iterations", "Epochs and iterations", claim, measured,
                    values={"n": n, "batch_size": batch_size, "epochs": epochs, "iterations": optimizer.iterations,
                            "log": a, "start_loss": log.start_loss, "history": list(history), "lag": lag})
    _figure(r, out_dir, log, history, n, batch_size, dpi)

    sizes = [1, 32, batch_size, 256, n]
    rows = [[b, iterations_per_epoch(n, b), last_batch_size(n, b), epochs * iterations_per_epoch(n, b)]
            for b in sizes]
    table = "\n".join(markdown_table(["B", "iterations per epoch", "last batch", f"iterations in {epochs} epochs"],
                                     rows, align="rrrr"))
    e_rows = [[e + 1, f"{history[e]:.4f}", f"{a['training_loss'][ends[e]]:.4f}", f"{lag[e]:+.4f}"]
              for e in range(epochs)]
    e_table = "\n".join(markdown_table(["epoch", "History loss", "loss at the epoch's end", "lag"], e_rows,
                                       align="rrrr"))
    sections = [
        ("The definitions with numbers", (
            f"N = {n} Fashion-MNIST training images. One **iteration** is one update from one batch; one "
            f"**epoch** is one pass over all N images, ceil(N/B) iterations. For the batch sizes one might "
            f"pick:\n\n{table}\n\nB = 1 is stochastic gradient descent (N iterations an epoch), B = N batch "
            "gradient descent (one).")),
        ("A real fit, logged every iteration", (
            f"A Dense(32, relu) -> Dense(10) classifier trained by `fit(x, y, batch_size={batch_size}, "
            f"epochs={epochs})` with `Adam(learning_rate=0.001)`. An `IterationLog` callback "
            f"(`on_train_batch_end`) counted {len(a['epoch'])} iterations, {per_epoch} in every epoch, the "
            f"last of each with {int(a['batch_size'][per_epoch - 1])} images, and the optimizer "
            f"made {optimizer.iterations} updates. After every iteration it also measured the loss of the "
            f"updated weights on all {n} images.\n\n{e_table}\n\nThe History loss of an epoch is the mean of "
            "its batch losses, each taken before its update, so while the loss falls it is above the loss "
            "of the weights at the epoch's end (a positive lag).")),
    ]
    write_page(r, out_dir, sections=sections, try_next=[
        "fit with steps_per_epoch=5: an 'epoch' becomes 5 iterations, no longer a pass over the data",
        "set batch_size=1: N iterations an epoch, and the batch losses scatter over a wide band",
        "add validation_split=0.2: the validation loss is measured at the epoch's end, like the black line",
    ])
    return r
