"""The perceptron slide: Rosenblatt's learning rule learns AND and OR, and cannot learn XOR.

A perceptron is one threshold unit, ``y = step(w · x + b)``: it splits the plane by the straight
line ``w · x + b = 0``.  Its learning rule changes the weights only on a mistake, ``w += lr (t - y) x``,
moving the line towards the misclassified point; on linearly separable data (AND, OR) it stops after
finitely many mistakes (the convergence theorem).  XOR's two classes lie on the diagonals of the
square, which no straight line separates: the rule keeps moving the line and never stops making
mistakes, which takes a hidden layer (Minsky and Papert, 1969).  The unit is
``axon.zoo.classic.Perceptron``, trained one epoch at a time to record the line.

>>> lines, errors = train_recording("and", epochs=10)
>>> float(errors[-1]), len(lines)
(0.0, 11)
"""
import numpy as np

from ..data.logic import truth_table
from ..utils.plots import pyplot, save_figure
from ..zoo.classic.perceptron import Perceptron
from .page import DemoResults, figure_path, write_page

TITLE = "the perceptron learning rule: AND and OR learned, XOR never (one straight line)"
TASKS = ("and", "or", "xor")


def train_recording(task, epochs=20, learning_rate=0.5, seed=0):
    """Train a ``Perceptron`` on the truth table ``task`` with the online rule (samples in a fixed
    order); returns the decision line (w1, w2, b) before training and after each epoch, (epochs + 1,
    3), and the share of mistakes in each epoch, (epochs,)."""
    x, y = truth_table(task)
    p = Perceptron(n_features=2, learning_rate=learning_rate, seed=seed)
    p.compile()
    lines, errors = [np.r_[p.kernel.data, p.bias.data]], []
    for _ in range(epochs):
        h = p.fit(x, y, epochs=1, batch_size=1, verbose=0, shuffle=False)
        errors.append(float(h.history["error_rate"][-1]))
        lines.append(np.r_[p.kernel.data, p.bias.data])
    return np.array(lines, dtype=np.float64), np.array(errors)


def _draw_line(ax, w, **kw):
    """The line w1 x1 + w2 x2 + b = 0 across the square [-0.5, 1.5]²."""
    xs = np.linspace(-0.5, 1.5, 2)
    if abs(w[1]) > 1e-9:
        ax.plot(xs, -(w[0] * xs + w[2]) / w[1], **kw)
    elif abs(w[0]) > 1e-9:
        ax.plot([-w[2] / w[0]] * 2, [-0.5, 1.5], **kw)


def run(out_dir, quick=False, print_fn=print):
    """Train on AND, OR and XOR; draw the line moving over the epochs; write the page."""
    say = print_fn or (lambda *a: None)
    epochs = 15 if quick else 40
    results = {task: train_recording(task, epochs) for task in TASKS}
    converged, accuracy = {}, {}
    for task, (lines, errors) in results.items():
        zero = np.flatnonzero(errors == 0)
        converged[task] = int(zero[0]) + 1 if len(zero) else None
        x, y = truth_table(task)
        w = lines[-1]
        accuracy[task] = float(np.mean((x @ w[:2] + w[2] > 0) == (y > 0)))
        say(f"{task.upper():>3}: accuracy {accuracy[task]:.2f}, "
            + (f"no mistakes from epoch {converged[task]} on" if converged[task] else
               f"still {int(round(errors[-1] * 4))} mistake(s) in epoch {epochs}"))
    r = DemoResults(
        "perceptron", "The perceptron learning rule: AND and OR, not XOR", (
            "A perceptron draws one straight line. Its learning rule moves the line only on a mistake "
            "and stops after finitely many on linearly separable data (AND, OR); no straight line "
            "separates XOR, so the rule never stops making mistakes there."),
        measured={**{f"{t.upper()} accuracy": accuracy[t] for t in TASKS},
                  **{f"{t.upper()} converged at epoch": converged[t] or f"never ({epochs} epochs)"
                     for t in TASKS}},
        values={"lines": {t: results[t][0] for t in TASKS}, "errors": {t: results[t][1] for t in TASKS},
                "accuracy": accuracy, "converged": converged})
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.9))
    for ax, task in zip(axes, TASKS):
        lines, errors = results[task]
        x, y = truth_table(task)
        shown = lines[1:]
        for i, w in enumerate(shown):
            _draw_line(ax, w, color=plt.cm.viridis(i / max(1, len(shown) - 1)), alpha=0.25 + 0.6 * i / len(shown),
                       lw=1)
        _draw_line(ax, lines[-1], color="k", lw=2.5, label=f"after epoch {epochs}")
        ax.scatter(x[y == 0, 0], x[y == 0, 1], s=90, c="#d95f02", edgecolors="k", label="0", zorder=3)
        ax.scatter(x[y == 1, 0], x[y == 1, 1], s=90, c="#1f78b4", marker="s", edgecolors="k", label="1", zorder=3)
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(-0.5, 1.5)
        ax.set_aspect("equal")
        state = f"converged at epoch {converged[task]}" if converged[task] else "never converges"
        ax.set_title(f"{task.upper()}: accuracy {accuracy[task]:.2f}, {state}", fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    fig.suptitle("The decision line over the epochs (light: early, dark: late; black: last)")
    fig.tight_layout()
    save_figure(fig, figure_path(r, out_dir, "lines", "the decision line moving during training"),
                dpi=60 if quick else 110)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for task in TASKS:
        ax.plot(np.arange(1, epochs + 1), results[task][1], marker="o", ms=3, label=task.upper())
    ax.set_xlabel("epoch")
    ax.set_ylabel("share of the 4 samples misclassified")
    ax.set_title("Mistakes per epoch: AND and OR reach 0, XOR never")
    ax.legend()
    ax.grid(alpha=0.3)
    save_figure(fig, figure_path(r, out_dir, "mistakes", "mistakes per epoch"), dpi=60 if quick else 110)
    write_page(r, out_dir, sections=[
        ("The rule", "`w += lr · (t - y) · x`, `b += lr · (t - y)` on each mistake, nothing otherwise "
         f"(learning rate 0.5, the four samples in a fixed order, {epochs} epochs), with "
         "`axon.zoo.classic.Perceptron`."),
        ("What happened", "; ".join(
            f"{t.upper()}: " + (f"no mistakes from epoch {converged[t]} on" if converged[t] else
                                f"accuracy {accuracy[t]:.2f} after {epochs} epochs, still cycling")
            for t in TASKS) + ".")],
        try_next=["`axon demo numpy-loop`: a hidden layer of sigmoid units learns XOR",
                  "try NAND and XNOR (`axon.data.logic.truth_table`)",
                  "compare with Adaline (`axon.zoo.classic.Adaline`), which descends the squared error"])
    return r
