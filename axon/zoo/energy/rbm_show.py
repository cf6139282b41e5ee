"""What ``axon zoo show rbm`` trains and draws: a Bernoulli RBM on binarised Fashion-MNIST (8x8
digits in quick mode) by persistent CD, its filters, Gibbs samples from the model, the
reconstruction error per epoch, and the test log-likelihood in nats from annealed importance
sampling (checked against exact enumeration where the RBM is small enough, in quick mode)."""
import os
import time

import numpy as np

from ... import backend
from ..showcase import Shown, write_page

CLAIM = ("An RBM learns a generative model of its data by contrastive divergence: its hidden units become "
         "feature detectors (strokes, edges, parts), Gibbs sampling from it produces data-like images, and "
         "annealed importance sampling estimates its partition function, so its test log-likelihood can be "
         "measured in nats (Salakhutdinov & Murray 2008).")


def _data(quick):
    """Binary training and test images, flattened, the image side, and where they came from."""
    if quick:
        from ...data.datasets import digits
        (x_train, _), (x_test, _) = digits.load_data()
        x_train, x_test = x_train[:1000], x_test[:300]
        binary = lambda x: (x.reshape(len(x), -1) >= 8).astype(np.float32)
        return binary(x_train), binary(x_test), 8, "8x8 digits (pixels >= 8 of 16 on)"
    from ...data.datasets import fashion_mnist
    (x_train, _), (x_test, _) = fashion_mnist.load_data(download=False)
    x_train, x_test = x_train[:20000], x_test[:2000]
    binary = lambda x: (x.reshape(len(x), -1) >= 128).astype(np.float32)
    return binary(x_train), binary(x_test), 28, "Fashion-MNIST (pixels >= 128 of 255 on)"


def _base_rate_log_likelihood(x_train, x_test):
    """Mean test log-likelihood (nats) of independent pixels with the training data's (smoothed) means:
    the baseline an RBM must beat, and the base model AIS starts from."""
    p = (x_train.mean(axis=0) * len(x_train) + 0.05) / (len(x_train) + 0.1)
    return float((x_test @ np.log(p) + (1 - x_test) @ np.log1p(-p)).mean())


def _grid(ax, images, side, rows, cols):
    canvas = np.full((rows * (side + 1) - 1, cols * (side + 1) - 1), 0.5)  # grey between images
    for k, image in enumerate(images[:rows * cols]):
        r, c = divmod(k, cols)
        canvas[r * (side + 1):r * (side + 1) + side, c * (side + 1):c * (side + 1) + side] = image.reshape(side, side)
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])


def show_rbm(out_dir, quick=False):
    """Train, measure and draw (``rbm_filters.png``, ``rbm_samples.png``, ``rbm_reconstruction.png``);
    write ``rbm.md``; return the ``Shown``."""
    from ...utils.plots import pyplot, save_figure
    from .ais import ais_log_partition, log_likelihood, log_partition_exact
    from .rbm import BernoulliRBM
    from .rbm_scores import pseudo_likelihood
    x_train, x_test, side, source = _data(quick)
    # PCD with as many chains as a batch has rows; 50 chains at rate 0.02 train the 784-200 RBM
    # steadily (about -190 nats per test image whatever the seed)
    n_hidden, epochs, rate, momentum, batch = (16, 30, 0.05, 0.5, 20) if quick else (200, 10, 0.02, 0.0, 50)
    backend.manual_seed(0)  # fit's shuffling: the page is the same run to run
    rbm = BernoulliRBM(n_hidden, learning_rate=rate, persistent=True, momentum=momentum, seed=0)
    start = time.perf_counter()
    history = rbm.fit(x_train, epochs=epochs, batch_size=batch, validation_data=x_test, verbose=0)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    log_z, spread = ais_log_partition(rbm, n_runs=100, n_betas=1000 if quick else 5000, seed=0, data=x_train)
    ais_seconds = time.perf_counter() - start
    test_ll = log_likelihood(rbm, x_test, log_z)
    errors = history.history["reconstruction_error"]
    measured = {"data": source, "training images": len(x_train), "hidden units": n_hidden,
                f"epochs (PCD-1, {batch} chains, learning rate {rate:g}, momentum {momentum:g}, batch {batch})": epochs,
                "fit seconds": round(fit_seconds, 1),
                "base-rate model test log-likelihood (nats per image)": _base_rate_log_likelihood(x_train, x_test),
                "reconstruction error, first epoch": errors[0], "reconstruction error, last epoch": errors[-1],
                "AIS log Z (nats)": log_z, "AIS spread (nats, one standard error)": spread,
                "AIS seconds": round(ais_seconds, 1),
                "test log-likelihood (nats per image)": test_ll,
                "train log-likelihood (nats per image)": log_likelihood(rbm, x_train, log_z),
                "test pseudo-likelihood (nats per image)": float(pseudo_likelihood(rbm, x_test).mean())}
    lines = [f"A {side * side}-{n_hidden} RBM trained by persistent CD on {len(x_train)} binarised images of "
             f"{source}.  The reconstruction error (squared, per image) fell from {errors[0]:.1f} to "
             f"{errors[-1]:.1f}.  AIS (100 runs, {1000 if quick else 5000} temperatures, base rate from the "
             f"training data) gives log Z = "
             f"{log_z:.2f} +- {spread:.2f} nats, so the test log-likelihood is {test_ll:.2f} nats per image, against "
             f"{measured['base-rate model test log-likelihood (nats per image)']:.2f} for independent pixels."]
    if quick:
        exact = log_partition_exact(rbm)
        measured["exact log Z (enumerating the hidden layer)"] = exact
        measured["|AIS - exact| (nats)"] = abs(log_z - exact)
        lines.append(f"This RBM is small enough to enumerate its 2^{n_hidden} hidden states: the exact log Z "
                     f"is {exact:.2f}, {abs(log_z - exact):.3f} nats from the AIS estimate.")
    plt = pyplot()
    files = {}
    n_filters = min(n_hidden, 64)
    order = np.argsort(-np.abs(rbm.W.data).sum(axis=0))[:n_filters]
    filters = rbm.W.data[:, order].T
    filters = (filters - filters.min(axis=1, keepdims=True)) / np.ptp(filters, axis=1, keepdims=True).clip(1e-8)
    cols = 8 if n_filters >= 8 else n_filters
    fig, ax = plt.subplots(figsize=(8, 8 * ((n_filters + cols - 1) // cols) / cols))
    _grid(ax, filters, side, (n_filters + cols - 1) // cols, cols)
    ax.set_title(f"RBM filters: the weights into {n_filters} of the {n_hidden} hidden units")
    files["filters"] = save_figure(fig, os.path.join(out_dir, "rbm_filters.png"))
    steps = (0, 1, 10, 100, 1000)
    starts = x_test[:8]
    columns = [starts] + [rbm.sample(len(starts), steps=s, start=starts, probabilities=True) for s in steps[1:]]
    fig, axes = plt.subplots(1, len(steps), figsize=(2 * len(steps), 2 * 8 / 2))
    for ax, images, s in zip(axes, columns, steps):
        _grid(ax, images, side, 8, 1)
        ax.set_title("test image" if s == 0 else f"{s} Gibbs steps", fontsize=9)
    fig.suptitle("Gibbs chains of the RBM started at test images (p(v | h) at the last step)")
    files["samples"] = save_figure(fig, os.path.join(out_dir, "rbm_samples.png"))
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(np.arange(1, epochs + 1), errors, "o-", label="training (running mean)")
    ax.plot(np.arange(1, epochs + 1), history.history["val_reconstruction_error"], "s--", label="test")
    ax.set_xlabel("epoch")
    ax.set_ylabel("squared reconstruction error per image")
    ax.set_title("RBM reconstruction error")
    ax.legend()
    files["reconstruction error"] = save_figure(fig, os.path.join(out_dir, "rbm_reconstruction.png"))
    shown = Shown("Restricted Boltzmann machine (RBM)", CLAIM, measured, lines, files)
    write_page(shown, out_dir, "rbm")
    return shown
