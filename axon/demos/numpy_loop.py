"""The slide's NumPy training loop beside the same network in Axon: the same numbers.

The lecture trains a small network in plain NumPy, four steps per epoch: the forward pass
(``h = σ(X W1 + b1)``, ``out = σ(h W2 + b2)``), the loss (mean squared error), the backward pass
written by hand with the chain rule (``δ_out = 2 (out - y) / n · out (1 - out)``, ``dW2 = hᵀ δ_out``,
``δ_h = δ_out W2ᵀ · h (1 - h)``, ``dW1 = Xᵀ δ_h``) and the update ``W -= lr · dW``.  A framework does
the same: ``Sequential`` of two sigmoid ``Dense`` layers, ``loss.backward()`` instead of the
hand-written gradients, ``optimizer.step()`` instead of the update.  Started from the same weights
on the same data (XOR), both print the same loss every epoch, equal to float64 rounding.

>>> np_losses, axon_losses = train_both(epochs=3)
>>> bool(np.max(np.abs(np_losses - axon_losses)) < 1e-12)
True
"""
import numpy as np

from .. import layers, ops as F, optimizers
from ..models import Sequential
from ..tensor import Tensor
from ..utils.plots import pyplot, save_figure
from .page import DemoResults, figure_path, write_page

TITLE = "the NumPy training loop beside the same network in Axon: forward, loss, backward, update"
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def initial_weights(hidden=4, seed=0):
    """The starting weights both loops share: W1 (2, hidden), b1 (hidden,), W2 (hidden, 1), b2 (1,)."""
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 1, (2, hidden)), np.zeros(hidden), rng.normal(0, 1, (hidden, 1)), np.zeros(1)]


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_loop(weights, epochs, lr):
    """The slide's loop in plain NumPy; the loss of every epoch (before its update)."""
    W1, b1, W2, b2 = (w.copy() for w in weights)
    losses = []
    for _ in range(epochs):
        h = sigmoid(X @ W1 + b1)                    # forward
        out = sigmoid(h @ W2 + b2)
        losses.append(np.mean((out - Y) ** 2))      # loss
        d_out = 2 * (out - Y) / out.size * out * (1 - out)   # backward, by the chain rule
        dW2, db2 = h.T @ d_out, d_out.sum(axis=0)
        d_h = d_out @ W2.T * h * (1 - h)
        dW1, db1 = X.T @ d_h, d_h.sum(axis=0)
        W1 -= lr * dW1                              # update
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    return np.array(losses)


def axon_model(weights):
    """The same network as an Axon ``Sequential`` (float64) holding ``weights``."""
    hidden = weights[0].shape[1]
    model = Sequential([layers.Dense(hidden, activation="sigmoid", dtype="float64"),
                        layers.Dense(1, activation="sigmoid", dtype="float64")])
    model(Tensor(X))
    model.set_weights([w.copy() for w in weights])
    return model


def axon_loop(weights, epochs, lr):
    """The same loop with Axon doing the backward pass and the update."""
    model = axon_model(weights)
    opt = optimizers.SGD(model.trainable_weights, learning_rate=lr)
    x, y, losses = Tensor(X), Tensor(Y), []
    for _ in range(epochs):
        loss = F.mean((model(x) - y) ** 2)
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return np.array(losses)


def train_both(epochs=2000, lr=2.0, hidden=4, seed=0):
    """Both loops from the same ``initial_weights``: (NumPy losses, Axon losses), one per epoch."""
    weights = initial_weights(hidden, seed)
    return numpy_loop(weights, epochs, lr), axon_loop(weights, epochs, lr)


def run(out_dir, quick=False, print_fn=print):
    """Train both loops on XOR, print their losses side by side, write the page."""
    say = print_fn or (lambda *a: None)
    epochs = 300 if quick else 3000
    np_losses, ax_losses = train_both(epochs)
    gap = float(np.max(np.abs(np_losses - ax_losses)))
    every = max(1, epochs // 10)
    rows = [(e + 1, np_losses[e], ax_losses[e]) for e in range(0, epochs, every)] + [
        (epochs, np_losses[-1], ax_losses[-1])]
    table = "epoch   NumPy loss          Axon loss\n" + "\n".join(
        f"{e:>5}   {a:.15f}   {b:.15f}" for e, a, b in rows)
    say(table)
    say(f"largest difference over {epochs} epochs: {gap:.3g}")
    r = DemoResults(
        "numpy-loop", "The NumPy training loop beside the same network in Axon", (
            "Training is a loop of four steps: forward pass, loss, backward pass (the chain rule), "
            "update. Written by hand in NumPy or left to a framework's autograd and optimizer, the "
            "same network from the same weights gives the same losses."),
        measured={"epochs": epochs, "first loss": round(float(np_losses[0]), 6),
                  "last loss (NumPy)": float(f"{np_losses[-1]:.6g}"),
                  "last loss (Axon)": float(f"{ax_losses[-1]:.6g}"),
                  "largest difference": float(f"{gap:.3g}")},
        values={"numpy_losses": np_losses, "axon_losses": ax_losses, "max_difference": gap})
    plt = pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.5))
    epochs_axis = np.arange(1, epochs + 1)
    a.plot(epochs_axis, np_losses, lw=3, alpha=0.5, label="NumPy, by hand")
    a.plot(epochs_axis, ax_losses, "--", label="Axon")
    a.set_xlabel("epoch")
    a.set_ylabel("mean squared error")
    a.set_title("XOR: the two loops")
    a.legend()
    b.semilogy(epochs_axis, np.abs(np_losses - ax_losses) + 1e-20)
    b.set_xlabel("epoch")
    b.set_title("|NumPy loss - Axon loss| (float64 rounding)")
    save_figure(fig, figure_path(r, out_dir, "losses", "the losses of both loops and their difference"),
                dpi=60 if quick else 110)
    code = ("```python\nh = sigmoid(X @ W1 + b1); out = sigmoid(h @ W2 + b2)      # forward\n"
            "loss = np.mean((out - Y) ** 2)                            # loss\n"
            "d_out = 2 * (out - Y) / out.size * out * (1 - out)        # backward\n"
            "dW2, db2 = h.T @ d_out, d_out.sum(0); d_h = d_out @ W2.T * h * (1 - h)\n"
            "dW1, db1 = X.T @ d_h, d_h.sum(0)\n"
            "W1 -= lr * dW1; b1 -= lr * db1; W2 -= lr * dW2; b2 -= lr * db2   # update\n```\n\n"
            "```python\nloss = F.mean((model(x) - y) ** 2)   # forward and loss\n"
            "opt.zero_grad(); loss.backward()      # backward\nopt.step()                            # update\n```")
    write_page(r, out_dir, sections=[
        ("The two loops", code),
        ("The losses", f"Learning rate 2.0, 4 hidden units, float64, full batch of the 4 XOR points.\n\n"
         f"```\n{table}\n```\n\nThe largest difference over {epochs} epochs is {gap:.3g}: float "
         "rounding (the two compute the same sums in different orders).")],
        try_next=["change the loss to binary cross-entropy in both loops (its δ_out is out - y)",
                  "run the Axon loop in float32 and watch the difference grow to about 1e-7",
                  "add a third layer: one more line of the chain rule by hand, none in Axon"])
    return r
