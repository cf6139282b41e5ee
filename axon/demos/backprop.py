"""The backpropagation slide: Matt Mazur's worked example ("A Step by Step Backpropagation Example"),
every number of it computed by Axon and explained by the derivation trace.

A 2-2-2 network, sigmoid everywhere: inputs i1 = 0.05, i2 = 0.10; hidden ``net_h1 = w1·i1 + w2·i2 +
b1`` (w1..w4 = 0.15, 0.20, 0.25, 0.30, b1 = 0.35), output ``net_o1 = w5·out_h1 + w6·out_h2 + b2``
(w5..w8 = 0.40, 0.45, 0.50, 0.55, b2 = 0.60), targets 0.01 and 0.99, error ``E = Σ ½ (target - out)²``
and learning rate 0.5.  The forward pass gives ``E_total = 0.298371109``; the chain rule gives, for
an output weight, ``dE/dw5 = dE/dout_o1 · dout_o1/dnet_o1 · dnet_o1/dw5 = 0.74136507 · 0.186815602 ·
0.593269992 = 0.082167041`` and ``w5+ = 0.35891648``; a hidden weight reaches the error through both
outputs, so ``dE/dout_h1`` is a sum (0.036350306) and ``w1+ = 0.149780716``.  Like the slide, the
demo updates the eight weights and leaves the biases as they are; 10,000 such steps bring the
error to the slide's 0.0000351085.  In float64 throughout.

>>> net = mazur_network()
>>> round(net.error.item(), 9)
0.298371109
"""
import numpy as np

from .. import ops as F
from ..tensor import Tensor
from ..tracing import trace
from ..utils.plots import pyplot, save_figure
from .page import DemoResults, figure_path, write_page

TITLE = "backpropagation by the chain rule: Mazur's worked example, every number, through axon.trace"
INPUTS = {"i1": 0.05, "i2": 0.10}
WEIGHTS = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
BIASES = {"b1": 0.35, "b2": 0.60}
TARGETS = (0.01, 0.99)
LEARNING_RATE = 0.5
FORWARD = ("net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2")


class MazurNetwork:
    """The example's forward pass on named float64 scalar tensors: ``weights``, ``biases`` (name ->
    leaf tensor), ``values`` (net_h1 .. out_o2, E_o1, E_o2 -> tensor) and ``error`` (E_total)."""

    def __init__(self, weights=None, biases=None):
        def leaf(value, name, grad):
            return Tensor(np.float64(value), requires_grad=grad, dtype="float64", name=name)
        self.inputs = {k: leaf(v, k, False) for k, v in INPUTS.items()}
        self.weights = {k: leaf(v, k, True) for k, v in (weights or WEIGHTS).items()}
        self.biases = {k: leaf(v, k, True) for k, v in (biases or BIASES).items()}
        i1, i2 = self.inputs["i1"], self.inputs["i2"]
        w, b = self.weights, self.biases
        v = self.values = {}

        def unit(name, x1, wa, x2, wb, bias):
            v[f"net_{name}"] = net = wa * x1 + wb * x2 + bias
            v[f"out_{name}"] = F.sigmoid(net)
            return v[f"out_{name}"]
        h1 = unit("h1", i1, w["w1"], i2, w["w2"], b["b1"])
        h2 = unit("h2", i1, w["w3"], i2, w["w4"], b["b1"])
        o1 = unit("o1", h1, w["w5"], h2, w["w6"], b["b2"])
        o2 = unit("o2", h1, w["w7"], h2, w["w8"], b["b2"])
        for name, t in v.items():
            t.name = name
        v["E_o1"] = 0.5 * (TARGETS[0] - o1) ** 2   # left unnamed: the chain rule starts at dE/dout_o1
        v["E_o2"] = 0.5 * (TARGETS[1] - o2) ** 2
        self.error = v["E_o1"] + v["E_o2"]


def mazur_network(weights=None, biases=None):
    """The example's network with its forward pass done (see ``MazurNetwork``)."""
    return MazurNetwork(weights, biases)


def backprop_step(net, lr=LEARNING_RATE, print_fn=None):
    """Backpropagate ``net.error`` under the trace; returns (trace, {weight: Explanation}) with the
    update of every weight (the biases are explained but, as on the slide, not updated)."""
    with trace(output_name="E", print_fn=print_fn) as t:
        net.error.backward()
    explained = {name: t.explain(w, lr=lr) for name, w in net.weights.items()}
    return t, explained


def train(iterations, lr=LEARNING_RATE):
    """The error after each of ``iterations`` steps of the slide's update (weights only)."""
    weights, errors = dict(WEIGHTS), []
    for _ in range(iterations):
        net = mazur_network(weights)
        net.error.backward()
        errors.append(net.error.item())
        weights = {k: float(w.data - lr * w.grad) for k, w in net.weights.items()}
    return np.array(errors), weights


def run(out_dir, quick=False, print_fn=print):
    """Reproduce the example, print every number (``print_fn``, None: silent), write the page."""
    say = print_fn or (lambda *a: None)
    net = mazur_network()
    v = net.values
    forward = [f"{k} = {v[k].item():.9f}".rstrip("0") for k in FORWARD]
    forward += [f"E_o1 = {v['E_o1'].item():.9f}", f"E_o2 = {v['E_o2'].item():.9f}",
                f"E_total = E_o1 + E_o2 = {net.error.item():.9f}"]
    say("The forward pass:\n  " + "\n  ".join(forward))
    t, explained = backprop_step(net, print_fn=None)
    say("\nThe backward pass, by the chain rule (learning rate 0.5):")
    for name, e in explained.items():
        say(str(e))
    biases = {name: t.explain(b, print_fn=None) for name, b in net.biases.items()}
    say("\nThe biases' gradients (the slide leaves the biases as they are):")
    for e in biases.values():
        say(str(e))
    iterations = 1000 if quick else 10000
    errors, _ = train(iterations)
    say(f"\nAfter {iterations} steps the error is {errors[-1]:.10f} (it was {errors[0]:.9f}).")

    new = {k: e.update for k, e in explained.items()}
    r = DemoResults(
        "backprop", "Backpropagation by the chain rule: Mazur's worked example", (
            "Backpropagation is the chain rule applied from the error back to every weight: each "
            "gradient is a product of local derivatives (a sum of products where a weight reaches "
            "the error by several paths), and gradient descent moves each weight by minus the "
            "learning rate times its gradient."),
        measured={"E_total": round(net.error.item(), 9), "dE/dw5": round(explained["w5"].gradient, 9),
                  "w5+": round(new["w5"], 9), "dE/dw1": round(explained["w1"].gradient, 9),
                  "w1+": round(new["w1"], 9), f"E after {iterations} steps": float(f"{errors[-1]:.6g}")},
        values={"forward": {k: t_.item() for k, t_ in v.items()}, "E_total": net.error.item(),
                "gradients": {k: e.gradient for k, e in explained.items()}, "updated": new,
                "explanations": explained, "bias_gradients": {k: e.gradient for k, e in biases.items()},
                "errors": errors, "trace_ops": len(t)})
    _draw_network(r, out_dir, net, explained, quick)
    _draw_errors(r, out_dir, errors, quick)
    block = "\n\n".join(str(e) for e in explained.values())
    write_page(r, out_dir, sections=[
        ("The forward pass", "```\n" + "\n".join(forward) + "\n```"),
        ("The backward pass, as `axon.trace().explain(w, lr=0.5)` writes it",
         "Each factor is named after the tensors of the network (`out_o1`, `net_o1`, ...); "
         f"the trace recorded {len(t)} ops of the backward pass.\n\n```\n{block}\n```"),
        ("The biases", "As on the slide, the biases are not updated; their gradients would be "
         + ", ".join(f"dE/d{k} = {e.gradient:.9f}" for k, e in biases.items()) + "."),
        ("Training on", f"Repeating the step {iterations} times takes the error from "
         f"{errors[0]:.9f} to {errors[-1]:.10f}"
         + (" (the slide: 0.0000351085 after 10,000)." if iterations == 10000 else
            "; the full run's 10,000 steps reach the slide's 0.0000351085."))],
        try_next=["update the biases too (`b.data -= 0.5 * b.grad`) and compare the errors",
                  "name fewer tensors and see the trace fold the unnamed ops into longer factors",
                  "explain a weight of a Dense layer: `t.explain(layer.kernel, index=(0, 1))`"])
    return r


def _draw_network(r, out_dir, net, explained, quick):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    pos = {"i1": (0, 1), "i2": (0, 0), "h1": (1, 1), "h2": (1, 0), "o1": (2, 1), "o2": (2, 0)}
    edges = {"w1": ("i1", "h1"), "w2": ("i2", "h1"), "w3": ("i1", "h2"), "w4": ("i2", "h2"),
             "w5": ("h1", "o1"), "w6": ("h2", "o1"), "w7": ("h1", "o2"), "w8": ("h2", "o2")}
    for name, (a, b) in edges.items():
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.plot([x0, x1], [y0, y1], color="0.6", zorder=1)
        f = 0.5 if y0 == y1 else 0.27
        xm, ym = x0 + f * (x1 - x0), y0 + f * (y1 - y0)
        e = explained[name]
        ax.text(xm, ym, f"{name}: {WEIGHTS[name]:.2f} → {e.update:.6f}\ndE/d{name} = {e.gradient:.6f}",
                fontsize=7, ha="center", va="center", bbox=dict(fc="white", ec="none", alpha=0.85))
    values = {k: net.values[f"out_{k}"].item() for k in ("h1", "h2", "o1", "o2")}
    values.update(INPUTS)
    for k, (x, y) in pos.items():
        ax.scatter([x], [y], s=900, color="#cfe3f7", edgecolor="k", zorder=2)
        ax.text(x, y, f"{k}\n{values[k]:.4f}", ha="center", va="center", fontsize=8, zorder=3)
    ax.set_xlim(-0.2, 2.2)
    ax.set_ylim(-0.3, 1.3)
    ax.axis("off")
    ax.set_title(f"One step of backpropagation (lr {LEARNING_RATE}): weight → new weight, gradient")
    save_figure(fig, figure_path(r, out_dir, "network", "the network with each weight's gradient and update"),
                dpi=60 if quick else 110)


def _draw_errors(r, out_dir, errors, quick):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.semilogy(np.arange(1, len(errors) + 1), errors)
    ax.set_xlabel("step")
    ax.set_ylabel("E_total (log scale)")
    ax.set_title("Repeating the step: the error falls")
    ax.grid(True, alpha=0.3)
    save_figure(fig, figure_path(r, out_dir, "error", "E_total over the training steps"), dpi=60 if quick else 110)
