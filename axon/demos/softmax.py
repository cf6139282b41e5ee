"""Softmax and cross-entropy with numbers: scores -> exp -> normalise -> probabilities, the loss of
the true class, its gradient softmax - onehot, and what scaling the scores (the temperature) does.

The lecture's network ends in one score (logit) per class.  Softmax makes them probabilities:
exponentiate each score (all become positive, larger scores much larger) and divide by the sum
(they add to 1).  Cross-entropy is minus the log of the probability given to the true class: 0
when the network is sure and right, large when it is sure and wrong.  Its gradient with respect
to the scores is simply ``softmax - onehot``: push the true class's score up by 1 - p, every other
one down by its own probability.  Dividing the scores by a temperature T > 1 flattens the
probabilities, T < 1 sharpens them towards the largest score.  Every number is computed by hand
in NumPy and checked against ``axon.ops.softmax``, ``axon.losses`` and autograd.

>>> steps = softmax_steps(np.array([2.0, 1.0, 0.1]))
>>> np.round(steps["exp"], 3).tolist(), round(float(steps["sum"]), 3)
([7.389, 2.718, 1.105], 11.213)
>>> np.round(steps["probabilities"], 3).tolist()
[0.659, 0.242, 0.099]
"""
import numpy as np

from .page import DemoResults, figure_path, write_page

TITLE = "softmax and cross-entropy with numbers: scores, exp, probabilities, the loss, its gradient, the temperature"
SCORES = (2.0, 1.0, 0.1)
TRUE_CLASS = 0
TEMPERATURES = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0)


def softmax_steps(scores):
    """The lecture's steps for a 1-D array of scores: ``{"scores", "shifted" (minus the largest),
    "exp", "sum", "probabilities"}`` (float64; subtracting the largest score changes nothing but
    keeps exp from overflowing)."""
    z = np.asarray(scores, dtype=np.float64)
    if z.ndim != 1 or z.size < 2:
        raise ValueError(f"softmax_steps: scores must be a 1-D array of at least 2 class scores, got shape {z.shape}")
    shifted = z - z.max()
    e = np.exp(shifted)
    return {"scores": z, "shifted": shifted, "exp": np.exp(z), "sum": float(np.exp(z).sum()),
            "probabilities": e / e.sum()}


def cross_entropy(probabilities, true_class):
    """-log p[true_class]: the loss in nats."""
    return float(-np.log(probabilities[true_class]))


def gradient_by_hand(probabilities, true_class):
    """d loss / d scores = softmax - onehot."""
    onehot = np.zeros_like(probabilities)
    onehot[true_class] = 1.0
    return probabilities - onehot


def by_axon(scores, true_class):
    """``(probabilities from axon.ops.softmax, loss from axon.losses.SparseCategoricalCrossentropy,
    loss from the fused axon.ops.sparse_categorical_crossentropy, d loss / d scores from backward())``
    for one sample, in float64."""
    from .. import losses
    from .. import ops as F
    from ..tensor import Tensor
    logits = Tensor(np.asarray(scores, dtype=np.float64)[None], requires_grad=True)
    probabilities = F.softmax(logits).data[0]
    labels = np.array([true_class])
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    loss.backward()
    fused = F.sparse_categorical_crossentropy(labels, logits.data, from_logits=True)
    return probabilities, float(loss.data), float(np.asarray(fused.data).mean()), logits.grad[0].copy()


def temperature_table(scores, true_class, temperatures=TEMPERATURES):
    """Per temperature T: the probabilities of softmax(scores / T) (rows), the loss of the true
    class, and the entropy in nats; ``(probabilities (len(T), C), losses, entropies)``."""
    probs = np.array([softmax_steps(np.asarray(scores) / t)["probabilities"] for t in temperatures])
    loss = -np.log(probs[:, true_class])
    entropy = -(probs * np.log(np.maximum(probs, 1e-300))).sum(axis=1)
    return probs, loss, entropy


def _fmt(a, digits=3):
    return "[" + ", ".join(f"{v:.{digits}f}" for v in np.atleast_1d(a)) + "]"


def _plot_steps(r, out_dir, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    v = r.values
    classes = [f"class {k}" + (" (true)" if k == TRUE_CLASS else "") for k in range(len(SCORES))]
    panels = [("1. scores z", v["scores"]), ("2. exp(z)", v["exp"]),
              (f"3. exp(z) / {v['sum']:.3f} = probabilities", v["probabilities"]),
              ("4. gradient: softmax - onehot", v["gradient"])]
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.4))
    for ax, (title, values) in zip(axes, panels):
        colors = ["tab:green" if k == TRUE_CLASS else "tab:blue" for k in range(len(values))]
        bars = ax.bar(range(len(values)), values, color=colors)
        ax.bar_label(bars, fmt="%.3f", fontsize=8)
        ax.set_xticks(range(len(values)), classes, fontsize=8)
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(title, fontsize=10)
        ax.margins(y=0.2)
    fig.suptitle(f"Softmax and cross-entropy: loss = -ln {v['probabilities'][TRUE_CLASS]:.3f} = {v['loss']:.3f}")
    fig.tight_layout()
    save_figure(fig, figure_path(r, out_dir, "steps", "scores to probabilities, the loss and its gradient"), dpi)


def _plot_temperature(r, out_dir, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    v = r.values
    t = np.geomspace(0.1, 20, 200)
    probs, loss, entropy = temperature_table(SCORES, TRUE_CLASS, t)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for k in range(len(SCORES)):
        axes[0].semilogx(t, probs[:, k], label=f"class {k} (score {SCORES[k]:g})")
    axes[0].axhline(1 / len(SCORES), color="grey", ls="--", lw=1, label="uniform")
    axes[0].set_xlabel("temperature T (scores divided by T)")
    axes[0].set_ylabel("probability")
    axes[0].set_title("Large T flattens, small T sharpens")
    axes[0].legend(fontsize=8)
    axes[0].grid(alpha=0.3, which="both")
    axes[1].semilogx(t, loss, label="loss of the true class (nats)")
    axes[1].semilogx(t, entropy, "--", label="entropy of the probabilities")
    axes[1].axhline(np.log(len(SCORES)), color="grey", ls=":", lw=1, label=f"ln {len(SCORES)}")
    axes[1].set_xlabel("temperature T")
    axes[1].set_title("Loss and uncertainty against the temperature")
    axes[1].legend(fontsize=8)
    axes[1].grid(alpha=0.3, which="both")
    fig.tight_layout()
    save_figure(fig, figure_path(r, out_dir, "temperature", "probabilities, loss and entropy against the temperature"),
                dpi)


def run(out_dir, quick=False):
    """Compute the steps by hand and by Axon, write ``steps.png``, ``temperature.png`` and
    ``softmax.md``; returns ``DemoResults`` (``values`` holds every array of the page and
    ``max_difference``, the largest gap between the hand numbers and Axon's)."""
    from ..labs.report import markdown_table
    steps = softmax_steps(SCORES)
    p = steps["probabilities"]
    loss = cross_entropy(p, TRUE_CLASS)
    grad = gradient_by_hand(p, TRUE_CLASS)
    p_axon, loss_axon, loss_fused, grad_axon = by_axon(SCORES, TRUE_CLASS)
    gap = float(max(np.abs(p - p_axon).max(), abs(loss - loss_axon), abs(loss - loss_fused),
                    np.abs(grad - grad_axon).max()))
    big = np.asarray(SCORES) + 1000.0
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(big) / np.exp(big).sum()
    from .. import ops as F
    stable = F.softmax(big).data
    probs_t, loss_t, entropy_t = temperature_table(SCORES, TRUE_CLASS)
    wrong = 1 + int(np.argmax(p[1:]))
    scaled = softmax_steps(10 * np.asarray(SCORES))["probabilities"]
    r = DemoResults(
        "softmax", "Softmax and cross-entropy with numbers",
        "Softmax turns scores into probabilities (exp, then divide by the sum); cross-entropy is "
        "-log of the true class's probability, and its gradient with respect to the scores is "
        "softmax - onehot. Dividing the scores by a temperature flattens (T > 1) or sharpens (T < 1) "
        "the probabilities.",
        measured={"probabilities": _fmt(p), "sum of probabilities": float(p.sum()),
                  f"loss of true class {TRUE_CLASS}": loss,
                  "gradient softmax - onehot": _fmt(grad),
                  "largest gap to axon.ops / axon.losses / backward()": f"{gap:.1e}",
                  "loss at T = 0.25 / T = 10": f"{loss_t[0]:.3f} / {loss_t[-1]:.3f}"},
        values={**steps, "loss": loss, "gradient": grad, "axon_probabilities": p_axon, "axon_loss": loss_axon,
                "fused_loss": loss_fused, "axon_gradient": grad_axon, "max_difference": gap,
                "naive_shifted": naive, "stable_shifted": stable, "temperatures": list(TEMPERATURES),
                "temperature_probabilities": probs_t, "temperature_loss": loss_t,
                "temperature_entropy": entropy_t, "scaled_by_10": scaled})
    dpi = 60 if quick else 110
    _plot_steps(r, out_dir, dpi)
    _plot_temperature(r, out_dir, dpi)
    rows = [[f"{k}" + (" (true)" if k == TRUE_CLASS else ""), f"{steps['scores'][k]:g}", f"{steps['exp'][k]:.3f}",
             f"{p[k]:.3f}", f"{grad[k]:+.3f}"] for k in range(len(p))]
    rows.append(["sum", "", f"{steps['sum']:.3f}", f"{p.sum():.3f}", f"{grad.sum():+.3f}"])
    numbers = "\n".join(markdown_table(["class", "score z", "exp(z)", "p = exp(z) / sum", "softmax - onehot"],
                                       rows, align="lrrrr"))
    loss_text = (
        f"The true class is {TRUE_CLASS}, so the loss is -ln p[{TRUE_CLASS}] = -ln {p[TRUE_CLASS]:.3f} = "
        f"**{loss:.3f}** nats. Had the true class been {wrong} it would be -ln {p[wrong]:.3f} = "
        f"{cross_entropy(p, wrong):.3f}: confident and wrong costs most. The gradient with respect to "
        f"the scores, softmax - onehot = {_fmt(grad)}, sums to 0; a gradient step raises the true "
        f"score by a multiple of {1 - p[TRUE_CLASS]:.3f} and lowers the others in proportion to their "
        f"probabilities.\n\nChecked against Axon (float64): `axon.ops.softmax` gives {_fmt(p_axon)}, "
        f"`axon.losses.SparseCategoricalCrossentropy(from_logits=True)` {loss_axon:.6f}, the fused "
        f"`axon.ops.sparse_categorical_crossentropy` {loss_fused:.6f}, and `backward()` through the "
        f"loss leaves {_fmt(grad_axon)} in the scores' `.grad`; the largest difference from the "
        f"numbers above is {gap:.1e}.")
    stability = (
        f"Adding 1000 to every score changes no probability, but exp(1002) overflows float64: the "
        f"naive formula gives {_fmt(naive)}. Subtracting the largest score first (exp(0) = 1 at most), "
        f"as `axon.ops.softmax` does, gives {_fmt(stable)}.")
    t_rows = [[f"{t:g}", _fmt(probs_t[i]), f"{loss_t[i]:.3f}", f"{entropy_t[i]:.3f}"]
              for i, t in enumerate(TEMPERATURES)]
    temperature = (
        "Softmax of scores / T:\n\n" + "\n".join(markdown_table(
            ["T", "probabilities", f"loss (class {TRUE_CLASS})", "entropy (nats)"], t_rows, align="lrrr"))
        + f"\n\nScaling the scores by 10 (T = 0.1) gives {_fmt(scaled)}: nearly one-hot. A large T "
        f"approaches the uniform {1 / len(p):.3f} each (entropy ln {len(p)} = {np.log(len(p)):.3f}). A "
        f"network can lower its training loss just by growing its scores when it is right, which is "
        f"why over-confident networks are calibrated afterwards by a learned temperature.")
    write_page(r, out_dir, sections=[("The numbers", numbers), ("The loss and its gradient", loss_text),
                                     ("Why softmax subtracts the largest score", stability),
                                     ("The temperature", temperature)],
               try_next=["Change `SCORES` so the true class does not have the largest score and watch the loss.",
                         "Add label smoothing (`CategoricalCrossentropy(label_smoothing=0.1)`): the targets become "
                         "0.9 + 0.1 / C and 0.1 / C, so the loss stops rewarding ever larger scores.",
                         "Sample text from a trained character model at T = 0.5 and T = 1.5."])
    return r
