"""The logistic-unit slide: one sigmoid unit answers a yes/no question about an image.

A logistic unit computes ``p = σ(w · x + b)`` over the 784 pixels of an image and reads ``p`` as the
probability of "yes"; trained with binary cross-entropy, it learns one weight per pixel.  Here the
question is "is this a bag?" on Fashion-MNIST (one image in ten is a bag, so always answering "no"
is already right 90% of the time: the base rate the unit must beat).  Drawn as a 28x28 image, the
weights show what the unit looks for: positive weights where bags have ink and other clothes do not.

>>> round(base_rate(np.array([0, 8, 8, 1])), 2)
0.5
"""
import numpy as np

from .. import layers
from ..backend import manual_seed
from ..data.datasets import fashion_mnist
from ..models import Sequential
from ..utils.plots import pyplot, save_figure
from .data import fashion_subset
from .page import DemoResults, figure_path, write_page

TITLE = "a logistic unit answers a yes/no question: 'is this a bag?' on Fashion-MNIST"
POSITIVE = 8   # Fashion-MNIST's "Bag"


def base_rate(labels, positive=POSITIVE):
    """The accuracy of always answering the more common answer."""
    share = float(np.mean(np.asarray(labels) == positive))
    return max(share, 1 - share)


def run(out_dir, quick=False, print_fn=print):
    """Train one sigmoid unit on the yes/no question, compare its accuracy with the base rate,
    draw its weights; write the page."""
    say = print_fn or (lambda *a: None)
    n_train, n_test, epochs = (3000, 1000, 5) if quick else (20000, 5000, 10)
    (x, labels), (xt, labels_t) = fashion_subset(n_train, n_test, seed=0)
    y, yt = (labels == POSITIVE).astype(np.float32), (labels_t == POSITIVE).astype(np.float32)
    manual_seed(0)
    model = Sequential([layers.Input((784,)), layers.Dense(1, activation="sigmoid", name="unit")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    p = np.asarray(model.predict(xt, verbose=0)).reshape(-1)
    accuracy = float(np.mean((p > 0.5) == (yt > 0.5)))
    base = base_rate(labels_t)
    hits = (p > 0.5) & (yt > 0.5)
    recall = float(hits.sum() / max(1, (yt > 0.5).sum()))
    precision = float(hits.sum() / max(1, (p > 0.5).sum()))
    name = fashion_mnist.CLASS_NAMES[POSITIVE]
    say(f"is this a {name.lower()}? test accuracy {accuracy:.3f} against a base rate of {base:.3f} "
        f"(recall {recall:.3f}, precision {precision:.3f})")
    r = DemoResults(
        "logistic-unit", f"A logistic unit: 'is this a {name.lower()}?'", (
            "One sigmoid unit over the pixels gives the probability of 'yes'; trained with binary "
            "cross-entropy it answers a yes/no question about an image better than always giving "
            "the more common answer, and its weights, one per pixel, show what it looks for."),
        measured={"test accuracy": round(accuracy, 4), "base rate (always 'no')": round(base, 4),
                  "recall": round(recall, 4), "precision": round(precision, 4),
                  "training images": n_train, "epochs": epochs},
        values={"accuracy": accuracy, "base_rate": base, "probabilities": p, "targets": yt,
                "weights": model.layers[-1].kernel.data.reshape(28, 28).copy(),
                "loss": history.history["loss"]})
    plt = pyplot()
    w = r.values["weights"]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.1, 1, 1]})
    m = float(np.abs(w).max())
    im = axes[0].imshow(w, cmap="RdBu_r", vmin=-m, vmax=m)
    axes[0].set_title("the unit's 784 weights (red: 'yes')", fontsize=9)
    fig.colorbar(im, ax=axes[0], fraction=0.046)
    for ax, want, title in ((axes[1], 1, f"{name}s"), (axes[2], 0, "everything else")):
        ax.imshow(xt[yt == want].mean(0).reshape(28, 28), cmap="gray_r")
        ax.set_title(f"mean test image: {title}", fontsize=9)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    save_figure(fig, figure_path(r, out_dir, "weights", "the weights as an image beside the mean images"),
                dpi=60 if quick else 110)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    bins = np.linspace(0, 1, 26)
    ax.hist(p[yt == 0], bins, alpha=0.7, label="not a " + name.lower())
    ax.hist(p[yt == 1], bins, alpha=0.7, label=name.lower())
    ax.axvline(0.5, color="k", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("p(yes) on the test images")
    ax.set_title(f"accuracy {accuracy:.3f} vs base rate {base:.3f}")
    ax.legend()
    save_figure(fig, figure_path(r, out_dir, "probabilities", "the predicted probabilities by true answer"),
                dpi=60 if quick else 110)
    write_page(r, out_dir, sections=[
        ("The unit", "`Sequential([Input((784,)), Dense(1, activation='sigmoid')])`, binary cross-entropy, "
         f"Adam, {epochs} epochs on {n_train} training images (a seeded subset of Fashion-MNIST), "
         f"tested on {n_test} others."),
        ("Against the base rate", f"Always answering 'no' is right {base:.1%} of the time; the unit is "
         f"right {accuracy:.1%} of the time and finds {recall:.1%} of the {name.lower()}s.")],
        try_next=["ask another question: POSITIVE = 7 (sneaker) or 0 (T-shirt)",
                  "add a hidden layer and compare the accuracy",
                  "train without the bias and see where the weights change"])
    return r

