"""The vanishing gradient: per-layer gradient norms of a deep sigmoid network against a ReLU one,
and through time in a simple RNN against an LSTM.

Backpropagation multiplies, layer by layer, by each layer's weights and its activation's
derivative.  The sigmoid's derivative is at most 1/4, so in a deep sigmoid network the gradient
reaching the first layers is smaller by about that factor per layer: they barely learn.  ReLU's
derivative is 1 wherever a unit is active, so the gradient keeps its size through the depth.  In
time the same happens to a recurrent network: the gradient of the loss with respect to an early
input passes through one ``tanh`` and one recurrent matrix per step and fades; the LSTM's cell
state is updated additively through the forget gate, so it fades much more slowly.  The norms
here are read from ``.grad`` after ``loss.backward()`` at initialisation, on real Fashion-MNIST
images (the deep networks) and on random sequences with an input tensor made with
``requires_grad=True`` (the recurrent ones).

>>> norms = layer_gradient_norms(deep_network("relu", depth=3, width=8), np.ones((4, 784), np.float32),
...                              np.zeros(4, np.int64))
>>> len(norms), bool(min(norms) > 0)
(4, True)
"""
import numpy as np

from .page import DemoResults, figure_path, write_page

TITLE = ("the vanishing gradient: layer by layer in a deep sigmoid net against ReLU, "
         "step by step in an RNN against an LSTM")
DEPTH, WIDTH = 10, 64
TIMESTEPS, FEATURES, UNITS = 50, 8, 32


def deep_network(activation, depth=DEPTH, width=WIDTH, seed=0):
    """784 -> ``depth`` hidden ``Dense(width, activation)`` layers -> 10 logits, weights drawn
    (Glorot uniform, Keras's default) after ``axon.manual_seed(seed)``."""
    from ..backend import manual_seed
    from ..layers import Dense
    from ..models import Input, Sequential
    manual_seed(seed)
    return Sequential([Input((784,))] + [Dense(width, activation=activation) for _ in range(depth)]
                      + [Dense(10)], name=f"deep_{activation}")


def layer_gradient_norms(model, x, y):
    """The Frobenius norm of d loss / d kernel for each ``Dense`` layer of ``model``, first layer
    first (the output layer last), after one ``backward()`` of the mean cross-entropy of ``model(x)``
    against the labels ``y``."""
    from .. import losses
    model.zero_grad()
    loss = losses.sparse_categorical_crossentropy(y, model(x), from_logits=True).mean()
    loss.backward()
    return [float(np.linalg.norm(layer.kernel.grad)) for layer in model.layers]


def recurrent_network(cell, seed=0):
    """(batch, ``TIMESTEPS``, ``FEATURES``) -> ``cell(UNITS)`` (its last state) -> 2 logits;
    ``cell`` is ``"rnn"`` (``SimpleRNN``, tanh) or ``"lstm"``."""
    from ..backend import manual_seed
    from ..layers import LSTM, Dense, SimpleRNN
    from ..models import Input, Sequential
    layers = {"rnn": SimpleRNN, "lstm": LSTM}
    if cell not in layers:
        raise ValueError(f"recurrent_network: cell must be 'rnn' or 'lstm', got {cell!r}")
    manual_seed(seed)
    return Sequential([Input((TIMESTEPS, FEATURES)), layers[cell](UNITS), Dense(2)], name=cell)


def input_gradient_norms(model, x, y):
    """The norm over batch and features of d loss / d x_t for each time step t (shape
    (timesteps,)): the loss is the mean cross-entropy of the prediction after the last step, ``x``
    becomes a leaf ``Tensor`` with ``requires_grad=True``."""
    from .. import losses
    from ..tensor import Tensor
    inputs = Tensor(np.asarray(x, dtype=np.float32), requires_grad=True)
    losses.sparse_categorical_crossentropy(y, model(inputs), from_logits=True).mean().backward()
    return np.linalg.norm(inputs.grad, axis=(0, 2))


def train_losses(model, data, epochs):
    """The training loss per epoch of ``model`` fitted with SGD (learning rate 0.1, batches of 32)."""
    from ..losses import SparseCategoricalCrossentropy
    from ..optimizers import SGD
    x, y = data
    model.compile(optimizer=SGD(0.1), loss=SparseCategoricalCrossentropy(from_logits=True))
    return [float(v) for v in model.fit(x, y, epochs=epochs, batch_size=32, verbose=0).history["loss"]]


def _geometric_mean(rows):
    return np.exp(np.mean(np.log(np.asarray(rows)), axis=0))


def _plot(r, out_dir, dpi):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    v = r.values
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    layers = np.arange(1, DEPTH + 2)
    for name, style in (("sigmoid", "o-"), ("relu", "s-")):
        axes[0].semilogy(layers, v["layer_norms"][name], style, label=f"{name} network")
    axes[0].set_xlabel("layer (1 = next to the input, 11 = output)")
    axes[0].set_ylabel("||d loss / d W|| at initialisation")
    axes[0].set_title(f"{DEPTH} hidden layers of {WIDTH} units")
    axes[0].grid(alpha=0.3, which="both")
    axes[0].legend()
    for name, losses in v["training_loss"].items():
        axes[1].plot(np.arange(1, len(losses) + 1), losses, "o-", label=f"{name} network")
    axes[1].axhline(np.log(10), color="grey", ls="--", lw=1, label="ln 10: guessing")
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("training loss")
    axes[1].set_title("Training the same two networks (SGD)")
    axes[1].grid(alpha=0.3)
    axes[1].legend()
    fig.tight_layout()
    save_figure(fig, figure_path(r, out_dir, "depth", "gradient norm per layer, deep sigmoid against ReLU"), dpi)

    fig, ax = plt.subplots(figsize=(7, 4))
    steps = np.arange(1, TIMESTEPS + 1)
    for name, label in (("rnn", "SimpleRNN (tanh)"), ("lstm", "LSTM")):
        ax.semilogy(steps, v["time_norms"][name], label=label)
    ax.set_xlabel(f"time step t (the loss is read after step {TIMESTEPS})")
    ax.set_ylabel("||d loss / d x_t||")
    ax.set_title(f"Gradient through time, {UNITS} units, at initialisation")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    caption = "gradient with respect to each time step's input, RNN against LSTM"
    save_figure(fig, figure_path(r, out_dir, "time", caption), dpi)


def run(out_dir, quick=False):
    """Measure the per-layer and per-time-step gradient norms, train both deep networks briefly,
    write ``depth.png``, ``time.png`` and ``vanishing_gradient.md``; returns ``DemoResults`` with
    ``values['layer_norms']``, ``values['time_norms']`` and ``values['training_loss']``."""
    from .data import fashion_subset
    seeds = [0] if quick else [0, 1, 2, 3, 4]
    n_train, epochs = (1000, 2) if quick else (6000, 4)
    (x, y), _ = fashion_subset(n_train, 1, seed=0)
    batch = (x[:256], y[:256])
    layer_norms = {name: _geometric_mean([layer_gradient_norms(deep_network(name, seed=s), *batch)
                                          for s in seeds]) for name in ("sigmoid", "relu")}
    rng = np.random.default_rng(0)
    seq_x = rng.normal(size=(64, TIMESTEPS, FEATURES)).astype(np.float32)
    seq_y = rng.integers(0, 2, size=64)
    time_norms = {cell: _geometric_mean([input_gradient_norms(recurrent_network(cell, s), seq_x, seq_y)
                                         for s in seeds]) for cell in ("rnn", "lstm")}
    training = {name: train_losses(deep_network(name), (x, y), epochs) for name in ("sigmoid", "relu")}

    first_ratio = layer_norms["relu"][0] / layer_norms["sigmoid"][0]
    sig_shrink = layer_norms["sigmoid"][-2] / layer_norms["sigmoid"][0]
    fade = {cell: float(n[0] / n[-1]) for cell, n in time_norms.items()}
    r = DemoResults(
        "vanishing-gradient", "The vanishing gradient, in depth and in time",
        "In a deep sigmoid network the gradient shrinks layer by layer (the sigmoid's slope is at "
        "most 1/4), so the first layers barely learn; ReLU keeps it. Through time a simple RNN's "
        "gradient fades step by step; the LSTM's cell state carries it much further.",
        measured={"first-layer gradient norm, sigmoid": float(layer_norms["sigmoid"][0]),
                  "first-layer gradient norm, ReLU": float(layer_norms["relu"][0]),
                  "ReLU / sigmoid at the first layer": f"{first_ratio:.3g}x",
                  "sigmoid: last hidden / first layer": f"{sig_shrink:.3g}x",
                  f"training loss after {epochs} epochs, sigmoid": training["sigmoid"][-1],
                  f"training loss after {epochs} epochs, ReLU": training["relu"][-1],
                  "SimpleRNN: gradient at step 1 / at step 50": f"{fade['rnn']:.2g}",
                  "LSTM: gradient at step 1 / at step 50": f"{fade['lstm']:.2g}"},
        values={"layer_norms": {k: v.tolist() for k, v in layer_norms.items()},
                "time_norms": time_norms, "training_loss": training, "first_layer_ratio": float(first_ratio),
                "fade": fade, "seeds": seeds})
    _plot(r, out_dir, 60 if quick else 110)
    per_layer = (sig_shrink ** (1 / (DEPTH - 1)))
    depth_text = (
        f"Two networks of {DEPTH} hidden layers of {WIDTH} units, identical but for the activation, "
        f"Glorot-uniform weights; one `loss.backward()` on {len(batch[0])} Fashion-MNIST images "
        f"(geometric mean over {len(seeds)} seed(s)), then `np.linalg.norm(layer.kernel.grad)` per layer. "
        f"The sigmoid network's first layer gets a gradient {first_ratio:.2g} times smaller than the "
        f"ReLU network's; from the last hidden layer down to the first it shrinks {sig_shrink:.2g} "
        f"times, about {per_layer:.2g} per layer, as the sigmoid's slope of at most 1/4 predicts. "
        f"The ReLU network's norms stay within a factor of "
        f"{max(layer_norms['relu'][:-1]) / min(layer_norms['relu'][:-1]):.2g} of each other. Trained "
        f"{epochs} epochs with the same SGD on {n_train} images, the sigmoid network's loss goes from "
        f"{training['sigmoid'][0]:.3f} to {training['sigmoid'][-1]:.3f} (ln 10 = 2.303 is guessing), "
        f"the ReLU network's from {training['relu'][0]:.3f} to {training['relu'][-1]:.3f}.")
    time_text = (
        f"A `SimpleRNN({UNITS})` and an `LSTM({UNITS})` read {TIMESTEPS} steps of {FEATURES} random "
        f"features; the loss is the cross-entropy of a `Dense(2)` on the last state. The input is a "
        f"`Tensor(x, requires_grad=True)`, so after `backward()` its `.grad` holds d loss / d x_t for "
        f"every step. From the last step back to the first the RNN's gradient falls "
        f"{1 / fade['rnn']:.2g} times, the LSTM's {1 / fade['lstm']:.2g} times: the LSTM's first-step "
        f"gradient is {time_norms['lstm'][0] / time_norms['rnn'][0]:.2g} times the RNN's. Both still "
        f"fade at initialisation (the forget gate starts near sigmoid(1) = 0.73); training can push the "
        f"forget gate towards 1 where a task needs long memory; the simple RNN has no such gate.")
    write_page(r, out_dir, sections=[("In depth", depth_text), ("In time", time_text)],
               try_next=["Give the sigmoid network He initialisation or batch normalization and measure again.",
                         "Swap the optimizer to Adam: per-weight scaling hides part of the problem.",
                         "Use `GRU` instead of `LSTM`, or make the sequences 200 steps long.",
                         "Look at exploding gradients: scale the RNN's recurrent kernel by 2."])
    return r
