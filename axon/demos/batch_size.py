"""The mini-batch size slide: what B changes, with everything else kept the same.

An epoch over N samples in batches of B makes ceil(N/B) updates.  Each update
follows the batch's mean gradient, an estimate of the full-data gradient whose
noise (its mean squared distance from the full gradient) falls as 1/B: drawing B
of N samples without replacement, ``E|g_B - g|² = s² (N - B) / (B (N - 1))`` with s²
the noise of a single sample's gradient.  So small batches make many cheap, noisy
updates per epoch; large batches few accurate ones, each costing more.  After the
same number of epochs at the same learning rate, a loss that falls as B shrinks,
until the noise of tiny batches takes over; an epoch takes longer the smaller B, because
every update has a fixed cost (the Python and framework overhead of one step) that
vectorised arithmetic over a bigger batch does not.

>>> updates_per_epoch(1000, 32), updates_per_epoch(1000, 1000)
(32, 1)
>>> round(predicted_noise(1.0, 100, 10), 4)   # a tenth of one sample's noise, a bit less
0.0909
"""
import math

import numpy as np

TITLE = "mini-batch size: updates per epoch, gradient noise, loss and time per epoch for B = 1 ... N"


def updates_per_epoch(n, batch_size):
    """``ceil(n / batch_size)``: the updates of one pass over ``n`` samples (the last batch may be
    smaller)."""
    return math.ceil(n / batch_size)


def predicted_noise(single, n, batch_size):
    """The mean squared distance of a B-sample mean gradient from the full one, drawing without
    replacement from ``n`` samples, for a single-sample noise ``single``."""
    return single * (n - batch_size) / (batch_size * (n - 1))


def gradient_noise(model, x, y, batch_size, draws=64, seed=0):
    """The mean over ``draws`` random batches of ``batch_size`` samples of ``|g_B - g|²``: the
    squared distance between the batch's gradient of the mean cross-entropy and the full-data
    one, over all trainable weights of ``model`` (a float)."""
    from ..autograd import grad
    from ..tensor import Tensor
    from .gradient_descent import cross_entropy
    weights = model.trainable_weights

    def gradient(idx):
        loss = cross_entropy(y[idx], model(Tensor(x[idx]), training=True))
        return np.concatenate([g.ravel() for g in grad(loss, weights)]).astype(np.float64)

    n = len(x)
    full = gradient(np.arange(n))
    rng = np.random.default_rng(seed)
    total = 0.0
    for _ in range(draws):
        diff = gradient(rng.choice(n, batch_size, replace=False)) - full
        total += float(diff @ diff)
    return total / draws


def _figure(r, out_dir, sizes, curves, noise, n, dpi):
    from ..utils.plots import pyplot, save_figure
    from .page import figure_path
    plt = pyplot()
    path = figure_path(r, out_dir, "batch_size", "loss per epoch and against wall seconds, and the gradient "
                                                 "noise, for every batch size")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(sizes)))
    for color, b in zip(colors, sizes):
        record = curves[b][0]
        label = f"B={b}" + (" (batch)" if b == n else "")
        axes[0].plot(np.arange(len(record.losses)), record.losses, "o-", ms=3, color=color, label=label)
        axes[1].plot(record.seconds[1:], record.losses[1:], "o-", ms=3, color=color, label=label)
    axes[0].set_xlabel("epoch")
    axes[0].xaxis.get_major_locator().set_params(integer=True)
    axes[1].set_xscale("log")
    axes[1].set_xlabel("wall seconds of training, log scale (measured)")
    for ax in axes[:2]:
        ax.set_ylabel("cross-entropy on the training set")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    noisy = [b for b in sizes if b < n]
    axes[2].loglog(noisy, [noise[b] for b in noisy], "o", color="k", label="measured")
    grid = np.geomspace(1, max(noisy), 50)
    axes[2].loglog(grid, predicted_noise(noise[1], n, grid), "-", color="tab:red", lw=1,
                   label="s² (N - B) / (B (N - 1))")
    axes[2].set_xlabel("batch size B")
    axes[2].set_ylabel("|g_B - g|², mean over random batches")
    axes[2].set_title("gradient noise at the initial weights")
    axes[2].grid(alpha=0.3, which="both")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=dpi)


def run(out_dir, quick=False):
    """Train the same classifier from the same weights with each batch size for the same epochs;
    returns ``DemoResults`` (``values``: ``sizes``, and by batch size ``losses`` per epoch,
    ``updates``, ``seconds`` per epoch, ``test_accuracy``, ``noise``)."""
    from ..labs.report import markdown_table
    from ..optimizers import SGD
    from .data import fashion_subset
    from .gradient_descent import fashion_classifier, fashion_fit
    from .page import DemoResults, write_page
    dpi = 60 if quick else 110
    n, epochs, lr, draws = (512, 2, 0.05, 48) if quick else (4096, 4, 0.05, 128)
    (x, y), (xt, yt) = fashion_subset(n, 1000, seed=0)
    sizes = [1, 8, 32, 128, n]
    curves = {b: fashion_fit(x, y, b, epochs, SGD(learning_rate=lr), x_test=xt, y_test=yt) for b in sizes}
    start = fashion_classifier(SGD(learning_rate=lr))
    noise = {b: gradient_noise(start, x, y, b, draws=draws, seed=1) for b in sizes if b < n}
    noise[n] = 0.0  # the full batch is the full gradient
    losses = {b: curves[b][0].losses[-1] for b in sizes}
    per_epoch = {b: curves[b][0].seconds[-1] / epochs for b in sizes}

    claim = ("The batch size B sets ceil(N/B) updates per epoch and gradient noise falling as 1/B: after "
             "the same epochs small batches reach a lower loss than large ones (until the noise of tiny "
             "batches takes over), while an epoch takes longer the smaller the batch.")
    measured = {f"training loss after {epochs} epochs, B={b}": losses[b] for b in sizes}
    measured.update({f"updates per epoch, B={b}": curves[b][1] // epochs for b in sizes})
    measured.update({f"gradient noise |g_B - g|², B={b}": float(f"{noise[b]:.3g}") for b in sizes if b < n})
    measured.update({f"wall ms per epoch, B={b}": round(per_epoch[b] * 1000, 1) for b in sizes})
    r = DemoResults("batch-size", "The mini-batch size: updates, noise, loss and time", claim, measured,
                    values={"sizes": sizes, "n": n, "epochs": epochs,
                            "losses": {b: curves[b][0].losses for b in sizes},
                            "updates": {b: curves[b][1] for b in sizes}, "seconds_per_epoch": per_epoch,
                            "test_accuracy": {b: curves[b][2] for b in sizes}, "noise": noise})
    _figure(r, out_dir, sizes, curves, noise, n, dpi)
    rows = [[f"{b}" + (" (batch)" if b == n else ""), updates_per_epoch(n, b), curves[b][1],
             f"{noise[b]:.3g}", f"{predicted_noise(noise[1], n, b):.3g}", f"{losses[b]:.3f}",
             f"{curves[b][2]:.3f}", f"{per_epoch[b] * 1000:.1f}"] for b in sizes]
    table = "\n".join(markdown_table(
        ["B", "updates per epoch", "updates", "gradient noise", "predicted from B=1", "training loss",
         "test accuracy", "ms per epoch"], rows, align="rrrrrrrr"))
    best = min(sizes, key=losses.get)
    fastest = min(sizes, key=per_epoch.get)
    sections = [("Same data, same model, same epochs, different B", (
        f"{n} Fashion-MNIST training images, a Dense(32, relu) -> Dense(10) classifier from the same "
        f"initial weights, `SGD(learning_rate={lr})`, {epochs} epochs for every batch size. Gradient noise is "
        f"the mean of |g_B - g|² over {draws} random batches at the initial weights, g the gradient on all "
        f"{n} images; the prediction scales the B=1 value by (N - B) / (B (N - 1)). Time is that of `fit` "
        f"on this machine.\n\n{table}\n\n"
        f"Lowest loss after {epochs} epochs: B={best}; fastest epoch: B={fastest}. The time per epoch is "
        "roughly (updates x the fixed cost of one step) + (samples x the cost of one sample's arithmetic): "
        "below a few dozen samples a batch, the fixed cost dominates."))]
    write_page(r, out_dir, sections=sections, try_next=[
        "scale the learning rate with the batch size (lr proportional to B) and compare the losses again",
        "train B=1 with a 5 times smaller learning rate: less noise, but still N updates an epoch",
        "time an epoch with AXON_NUM_THREADS=1 and =4: large batches gain from threads, B=1 does not",
    ])
    return r
