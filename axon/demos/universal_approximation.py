"""Universal approximation: one hidden layer, made wide enough, fits a continuous 1-D function, and
it does so by summing bumps.

The lecture's argument (Cybenko 1989, Hornik 1991; Nielsen's visual proof): two steep sigmoid
units, one switched on at ``a`` and one subtracted at ``b``, make a bump of height h on [a, b];
enough bumps side by side approximate any continuous function on an interval, and their sum is
one hidden layer followed by a linear output.  Three ReLUs make a hat (a triangular bump); hats
at the grid points sum to the function's piecewise-linear interpolation.  Both are built here as
real ``Dense`` networks with their weights set by hand, and compared with the same one-hidden-
layer networks trained by gradient descent at growing widths: the error falls with the width.
The theorem says a wide enough layer exists, not that training finds it, nor how wide it must be.

>>> x = np.linspace(-1, 1, 5, dtype=np.float32)[:, None]
>>> net = relu_interpolation(np.abs, 4)
>>> np.round(net(x).data[:, 0], 3).tolist()
[1.0, 0.5, 0.0, 0.5, 1.0]
"""
import numpy as np

from .page import DemoResults, figure_path, write_page

TITLE = "universal approximation: one hidden layer of growing width fits a 1-D function, as a sum of bumps"
LOW, HIGH = -1.0, 1.0
#: the units per construction or network; the quick run uses every other one
WIDTHS = (1, 2, 4, 8, 16, 32, 64)
QUICK_WIDTHS = (1, 4, 16)
STEPS, QUICK_STEPS = 3000, 500
LEARNING_RATE = 0.01


def target(x):
    """The function to fit on [-1, 1]: sin(2 pi x) + x^2 / 2 (two periods on a parabola)."""
    return np.sin(2 * np.pi * x) + 0.5 * x ** 2


def _one_hidden_layer(units, activation, kernel, bias, out_kernel, out_bias):
    from ..layers import Dense
    from ..models import Input, Sequential
    net = Sequential([Input((1,)), Dense(units, activation=activation), Dense(1)])
    net.layers[0].set_weights([np.asarray(kernel, np.float32).reshape(1, units), np.asarray(bias, np.float32)])
    net.layers[1].set_weights([np.asarray(out_kernel, np.float32).reshape(units, 1),
                               np.asarray([out_bias], np.float32)])
    return net


def sigmoid_steps(fn, bumps, steepness=5.0):
    """A ``Dense(bumps - 1, sigmoid) -> Dense(1)`` network whose weights are set so that it sums
    ``bumps`` sigmoid bumps of height ``fn(centre)`` over equal intervals of [-1, 1]: unit i switches
    on at edge i with slope ``steepness * bumps`` and the output weight is the change of height there
    (the differences of neighbouring bumps telescope into one unit per inner edge)."""
    if bumps < 2:
        raise ValueError(f"sigmoid_steps: bumps must be at least 2, got {bumps}")
    edges = np.linspace(LOW, HIGH, bumps + 1)
    heights = fn((edges[:-1] + edges[1:]) / 2)
    k = steepness * bumps
    inner = edges[1:-1]
    return _one_hidden_layer(bumps - 1, "sigmoid", np.full(bumps - 1, k), -k * inner, np.diff(heights), heights[0])


def relu_interpolation(fn, pieces):
    """A ``Dense(pieces, relu) -> Dense(1)`` network whose weights are set so that it is the
    piecewise-linear interpolation of ``fn`` at ``pieces + 1`` equally spaced points of [-1, 1]:
    unit j has its kink at knot j and its output weight is the change of slope there."""
    if pieces < 1:
        raise ValueError(f"relu_interpolation: pieces must be at least 1, got {pieces}")
    knots = np.linspace(LOW, HIGH, pieces + 1)
    slopes = np.diff(fn(knots)) / np.diff(knots)
    return _one_hidden_layer(pieces, "relu", np.ones(pieces), -knots[:-1], np.diff(slopes, prepend=0.0),
                             fn(knots[0]))


def unit_contributions(net, x):
    """Each hidden unit's term of the output, ``out_kernel[j] * act(x w_j + b_j)``: shape (N, units)."""
    hidden = net.layers[0](x).data
    return hidden * net.layers[1].kernel.data[:, 0]


def train_network(activation, units, x, y, steps, seed=0):
    """A ``Dense(units, activation) -> Dense(1)`` network fitted to ``(x, y)`` by the lecture's loop
    (full batch, mean squared error, ``backward()``, Adam steps); the hidden weights and biases start
    uniform in [-4, 4], so the units' kinks or slopes spread over the interval.  Returns the network
    and its loss per step."""
    from ..backend import manual_seed
    from ..initializers import RandomUniform
    from ..layers import Dense
    from ..models import Input, Sequential
    from ..optimizers import Adam
    manual_seed(seed)
    spread = RandomUniform(-4.0, 4.0)
    net = Sequential([Input((1,)), Dense(units, activation=activation, kernel_initializer=spread,
                                         bias_initializer=spread), Dense(1)])
    optimizer = Adam(net.parameters(), learning_rate=LEARNING_RATE)
    history = []
    for _ in range(steps):
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        history.append(float(loss.data))
    return net, history


def rms_error(net, x):
    """The root-mean-square gap between ``net(x)`` and ``target(x)``."""
    from ..autograd import no_grad
    with no_grad():
        return float(np.sqrt(np.mean((net(x).data - target(x)) ** 2)))


def _per_doubling(errors, narrow, wide):
    """How many times the error shrinks per doubling of the width between ``narrow`` and ``wide``."""
    return (errors[narrow] / errors[wide]) ** (1 / np.log2(wide / narrow))


def _plot_bumps(r, out_dir, grid, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    n = r.values["bump_count"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    edges = np.linspace(LOW, HIGH, n + 1)
    heights = target((edges[:-1] + edges[1:]) / 2)
    k = 5.0 * n
    from ..ops.special import logistic
    sig = [logistic(k * (grid - e)) for e in edges[1:-1]]
    on = [np.ones_like(grid)] + sig
    off = sig + [np.zeros_like(grid)]
    for i in range(n):
        axes[0].plot(grid, heights[i] * (on[i] - off[i]), lw=1)
    axes[0].plot(grid, r.values["sigmoid_steps_output"], "k", lw=2, label=f"sum = network output ({n - 1} units)")
    axes[0].set_title(f"{n} sigmoid bumps: sigmoid(k(x - a)) - sigmoid(k(x - b)), times f(centre)")
    knots = np.linspace(LOW, HIGH, n + 1)
    h = knots[1] - knots[0]
    for j, c in enumerate(knots):
        hat = np.maximum(0.0, 1 - np.abs(grid - c) / h)  # = (relu(x-c+h) - 2 relu(x-c) + relu(x-c-h)) / h
        axes[1].plot(grid, target(c) * hat, lw=1)
    axes[1].plot(grid, r.values["relu_interpolation_output"], "k", lw=2, label=f"sum = network output ({n} units)")
    axes[1].set_title(f"{n + 1} ReLU hats (3 ReLUs each), times f(knot)")
    contrib = r.values["trained_contributions"]
    for j in range(contrib.shape[1]):
        axes[2].plot(grid, contrib[:, j], lw=1)
    axes[2].plot(grid, r.values["trained_output"], "k", lw=2, label="network output (+ bias)")
    axes[2].set_title(f"trained: the {contrib.shape[1]} ReLU units' terms w_j relu(a_j x + b_j)")
    axes[2].set_ylim(-3, 3)  # large ramps that cancel each other run out of the frame
    for ax in axes:
        ax.plot(grid, target(grid), "--", color="grey", label="f(x)")
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    save_figure(fig, figure_path(r, out_dir, "bumps", "bumps of sigmoid and ReLU units summed into f"), dpi)


def _plot_width(r, out_dir, grid, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    v = r.values
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for key, label, style in (("sigmoid_steps", "sigmoid bumps, set by hand", "o--"),
                              ("relu_interpolation", "ReLU interpolation, set by hand", "s--"),
                              ("trained_sigmoid", "sigmoid, trained", "o-"), ("trained_relu", "ReLU, trained", "s-")):
        units, errors = zip(*v["errors"][key].items())
        axes[0].loglog(units, errors, style, label=label)
    axes[0].set_xlabel("hidden units (width)")
    axes[0].set_ylabel("RMS error on [-1, 1]")
    axes[0].set_title("One hidden layer: error against width")
    axes[0].grid(alpha=0.3, which="both")
    axes[0].legend(fontsize=8)
    axes[1].plot(grid, target(grid), "k--", lw=2, label="f(x)")
    for units, out in v["trained_fits"].items():
        axes[1].plot(grid, out, label=f"{units} ReLU unit{'s' if units > 1 else ''}")
    axes[1].set_title("Trained ReLU networks of growing width")
    axes[1].set_xlabel("x")
    axes[1].grid(alpha=0.3)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, figure_path(r, out_dir, "width", "error against width, and the trained fits"), dpi)


def run(out_dir, quick=False):
    """Build the hand-set networks and train both kinds at each width, write ``bumps.png``,
    ``width.png`` and ``universal_approximation.md``; returns ``DemoResults`` with
    ``values['errors'][kind][units]`` (RMS error; kinds ``sigmoid_steps``, ``relu_interpolation``,
    ``trained_sigmoid``, ``trained_relu``)."""
    from ..autograd import no_grad
    from ..labs.report import markdown_table
    widths, steps = (QUICK_WIDTHS, QUICK_STEPS) if quick else (WIDTHS, STEPS)
    x = np.linspace(LOW, HIGH, 200, dtype=np.float32)[:, None]
    y = target(x).astype(np.float32)
    grid = np.linspace(LOW, HIGH, 1001, dtype=np.float32)[:, None]
    errors = {"sigmoid_steps": {}, "relu_interpolation": {}, "trained_sigmoid": {}, "trained_relu": {}}
    fits, nets = {}, {}
    for units in widths:
        errors["relu_interpolation"][units] = rms_error(relu_interpolation(target, units), grid)
        errors["sigmoid_steps"][units] = rms_error(sigmoid_steps(target, units + 1), grid)
        for act in ("sigmoid", "relu"):
            net, _ = train_network(act, units, x, y, steps)
            errors[f"trained_{act}"][units] = rms_error(net, grid)
            if act == "relu":
                nets[units] = net
                with no_grad():
                    fits[units] = net(grid).data[:, 0]
    bump_count = 8
    shown = min(nets, key=lambda u: abs(u - 8))
    with no_grad():
        steps_out = sigmoid_steps(target, bump_count)(grid).data[:, 0]
        interp_out = relu_interpolation(target, bump_count)(grid).data[:, 0]
        contributions = unit_contributions(nets[shown], grid)
    wide, narrow = max(widths), min(widths)
    below = sorted(widths)[-2]
    r = DemoResults(
        "universal-approximation", "Universal approximation: one hidden layer, growing width",
        "One hidden layer with enough units approximates any continuous function on an interval "
        "as closely as wanted: steep sigmoid units pair into bumps, ReLUs into hats, and their sum "
        "follows the function.",
        measured={f"RMS error, trained ReLU, {narrow} unit(s)": errors["trained_relu"][narrow],
                  f"RMS error, trained ReLU, {wide} units": errors["trained_relu"][wide],
                  f"RMS error, trained sigmoid, {wide} units": errors["trained_sigmoid"][wide],
                  f"RMS error, ReLU interpolation set by hand, {wide} units": errors["relu_interpolation"][wide],
                  f"RMS error, sigmoid bumps set by hand, {wide} units": errors["sigmoid_steps"][wide]},
        values={"errors": errors, "trained_fits": fits, "grid": grid[:, 0], "bump_count": bump_count,
                "sigmoid_steps_output": steps_out, "relu_interpolation_output": interp_out,
                "trained_contributions": contributions,
                "trained_output": contributions.sum(axis=1) + float(nets[shown].layers[1].bias.data[0]),
                "steps": steps})
    dpi = 60 if quick else 110
    _plot_bumps(r, out_dir, grid[:, 0], dpi)
    _plot_width(r, out_dir, grid[:, 0], dpi)
    rows = [[str(u)] + [f"{errors[k][u]:.4f}" for k in errors] for u in widths]
    table = "\n".join(markdown_table(["hidden units", "sigmoid bumps (by hand)", "ReLU interpolation (by hand)",
                                      "sigmoid (trained)", "ReLU (trained)"], rows, align="lrrrr"))
    text = (
        f"The function is f(x) = sin(2 pi x) + x^2 / 2 on [-1, 1]. Every model is one `Dense(units, "
        f"activation)` layer and a linear `Dense(1)`; the error is the root-mean-square gap to f on "
        f"1001 points. *By hand*: the weights are set so that the sigmoid units make a staircase of "
        f"bumps (height f at each interval's centre) or the ReLUs the piecewise-linear interpolation "
        f"of f. *Trained*: the same shape from random weights, {steps} full-batch Adam steps "
        f"(learning rate {LEARNING_RATE}) on 200 points of f.\n\n{table}\n\n"
        f"From {narrow} to {wide} units the trained ReLU network's error falls from "
        f"{errors['trained_relu'][narrow]:.3f} to {errors['trained_relu'][wide]:.3f}, the trained "
        f"sigmoid's from {errors['trained_sigmoid'][narrow]:.3f} to {errors['trained_sigmoid'][wide]:.3f}. "
        f"Between {below} and {wide} units the hand-set ReLU interpolation's error shrinks "
        f"{_per_doubling(errors['relu_interpolation'], below, wide):.1f} times per doubling of the width "
        f"(4 would be error ~ 1/width^2), the sigmoid staircase's "
        f"{_per_doubling(errors['sigmoid_steps'], below, wide):.1f} times (2 would be ~ 1/width). "
        f"Trained networks do not follow a law: "
        f"gradient descent may leave units unused or stop short, which is the theorem's caveat: it "
        f"promises that good weights exist, not that training finds them, and says nothing of how "
        f"many units a function needs. The right panel of the bumps picture splits a trained "
        f"{shown}-unit ReLU network into its units' terms: each is a ramp starting at its kink (some "
        f"run far out of the frame and cancel each other), and the ramps add up to the curve.")
    write_page(r, out_dir, sections=[("Error against width", text)],
               try_next=["Change `target` to a function with a jump (np.sign): the bumps still converge, "
                         "except right at the jump.",
                         "Train longer, or with a smaller learning rate, and see which widths improve.",
                         "Fit the same function with two hidden layers of 8 units: fewer weights, same error?"])
    return r
