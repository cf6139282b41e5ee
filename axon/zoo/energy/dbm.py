"""The deep Boltzmann machine (Salakhutdinov and Hinton, 2009): an undirected stack of binary layers,
each connected only to the layers just below and above it, so every hidden layer gets input from
both sides.  The posterior over the hidden layers is intractable; learning approximates the
data-dependent statistics with mean-field inference and the model's statistics with persistent
Gibbs chains ("fantasy particles"), and the layers can first be pretrained as a stack of RBMs.

>>> import numpy as np
>>> x = (np.random.default_rng(0).random((64, 12)) < 0.3).astype("float32")
>>> dbm = DeepBoltzmannMachine((8, 4), n_chains=16, seed=0)
>>> dbm.compile()
>>> history = dbm.fit(x, epochs=2, batch_size=16, verbose=0)
>>> sorted(history.history)
['reconstruction_error']
>>> [h.shape for h in dbm.mean_field(x[:3])]
[(3, 8), (3, 4)]
>>> dbm.sample(5, steps=10).shape
(5, 12)
"""
import os

import numpy as np

from ... import backend
from ...autograd import no_grad
from ...data.batches import unpack_x_y_sample_weight
from ...data.datasets import fashion_mnist
from ...metrics import Mean
from ...models import Model
from ...tensor import Tensor
from ...ops.special import logistic
from ...utils.plots import pyplot, save_figure
from ..registry import register
from ..showcase import Shown, write_page


def as_visible(model, what, v, width=None):
    """``v`` as a float32 array (N, width) with values in [0, 1]; a clear ValueError otherwise."""
    v = v.data if isinstance(v, Tensor) else np.asarray(v)
    if v.dtype.kind not in "fiub":
        raise ValueError(f"{model.describe()}.{what}: expected numbers (N, features), got dtype {v.dtype}")
    v = v.astype(np.float32, copy=False)
    if v.ndim != 2:
        raise ValueError(f"{model.describe()}.{what}: expected a 2-D array (samples, features), got shape "
                         f"{v.shape}; flatten images first, e.g. x.reshape(len(x), -1)")
    if width is not None and v.shape[1] != width:
        raise ValueError(f"{model.describe()}.{what}: expected {width} features per sample (the model was "
                         f"built for them), got shape {v.shape}")
    if v.size and (not np.isfinite(v).all() or v.min() < 0 or v.max() > 1):
        raise ValueError(f"{model.describe()}.{what}: visible values must lie in [0, 1] (binary units, or "
                         f"their probabilities), got min {np.nanmin(v):g}, max {np.nanmax(v):g}; scale the "
                         "data, e.g. x / 255")
    return v


def check_layer_sizes(owner, layer_sizes, at_least=1):
    """``layer_sizes`` as a tuple of positive ints (at least ``at_least`` of them); a clear ValueError
    naming ``owner`` otherwise."""
    if isinstance(layer_sizes, (int, np.integer)):
        layer_sizes = (layer_sizes,)
    sizes = tuple(layer_sizes) if isinstance(layer_sizes, (list, tuple)) else None
    if sizes is None or len(sizes) < at_least or any(
            isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
        raise ValueError(f"{owner}: layer_sizes must be {at_least} or more positive whole numbers, the units of "
                         f"each hidden layer from the bottom up, got {layer_sizes!r}; pass e.g. (500, 500)")
    return tuple(int(s) for s in sizes)


class DeepBoltzmannMachine(Model):
    """A DBM with binary visible units (their number taken from the data) and binary hidden layers of
    ``layer_sizes`` units, bottom to top (two or more).

    ``fit(x, epochs=..., batch_size=...)`` runs the learning rule on data in [0, 1]: per batch,
    ``mean_field_steps`` sweeps of mean-field inference give the data-dependent statistics,
    ``gibbs_steps`` sweeps of ``n_chains`` persistent Gibbs chains give the model's, and the weights
    move by ``learning_rate`` times their difference (with ``momentum`` and L2 ``weight_decay``).
    It logs the mean squared error of the mean-field reconstruction of the batch.  Built by its first
    batch, the model starts its visible biases at that batch's log-odds (Hinton's practical guide).

    Weights: ``kernels[l]`` (units of layer l, units of layer l + 1) with layer 0 the visible one,
    ``biases[l]``; the chains' states are weights too, so ``save``/``load_model`` resume training.
    """

    def __init__(self, layer_sizes=(500, 500), learning_rate=0.005, n_chains=100, mean_field_steps=10,
                 gibbs_steps=1, momentum=0.5, weight_decay=0.0002, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        what = f"DeepBoltzmannMachine {self.name!r}"
        self.layer_sizes = check_layer_sizes(what, layer_sizes, at_least=2)
        for arg, value, low in (("learning_rate", learning_rate, 0.0), ("momentum", momentum, 0.0),
                                ("weight_decay", weight_decay, 0.0)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low \
                    or (arg == "momentum" and value >= 1) or (arg == "learning_rate" and value == 0):
                bound = "in [0, 1)" if arg == "momentum" else "> 0" if arg == "learning_rate" else ">= 0"
                raise ValueError(f"{what}: {arg} must be a number {bound}, got {value!r}")
        for arg, value in (("n_chains", n_chains), ("mean_field_steps", mean_field_steps),
                           ("gibbs_steps", gibbs_steps)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{what}: {arg} must be a positive whole number, got {value!r}")
        self.learning_rate, self.momentum, self.weight_decay = float(learning_rate), float(momentum), float(weight_decay)
        self.n_chains, self.mean_field_steps, self.gibbs_steps = int(n_chains), int(mean_field_steps), int(gibbs_steps)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.reconstruction_tracker = Mean("reconstruction_error")
        self.kernels, self.biases, self.chains, self._velocities = [], [], [], []

    @property
    def rng(self):
        """The generator the model draws from: its own with a ``seed``, else Axon's shared one."""
        return self._rng if self._rng is not None else backend.rng()

    @property
    def metrics(self):
        return [self.reconstruction_tracker]

    @property
    def sizes(self):
        """Units per layer, visible first (known once built)."""
        return (self.n_visible,) + self.layer_sizes

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"{self.describe()}: expected inputs (samples, features), got shape "
                             f"{tuple(input_shape)}; flatten images first, e.g. x.reshape(len(x), -1)")
        self.n_visible = int(input_shape[-1])
        sizes = self.sizes
        for l in range(len(sizes) - 1):
            w = self.add_weight(f"kernel_{l}", shape=(sizes[l], sizes[l + 1]), initializer="zeros", trainable=False)
            w.data[...] = 0.01 * self.rng.standard_normal(w.shape)
            self.kernels.append(w)
        self.biases = [self.add_weight(f"bias_{l}", shape=(n,), initializer="zeros", trainable=False)
                       for l, n in enumerate(sizes)]
        # the fantasy particles start as random binary states
        self.chains = [self.add_weight(f"chain_{l}", shape=(self.n_chains, n), initializer="zeros",
                                       trainable=False) for l, n in enumerate(sizes)]
        for c in self.chains:
            c.data[...] = self.rng.random(c.shape) < 0.5
        if self.momentum:
            names = [f"kernel_{l}" for l in range(len(self.kernels))] + [f"bias_{l}" for l in range(len(sizes))]
            self._velocities = [self.add_weight(f"velocity_{n}", shape=p.shape, initializer="zeros",
                                                trainable=False) for n, p in zip(names, self.kernels + self.biases)]

    # ----- inference
    def _net_input(self, states, l):
        """The total input of layer ``l`` from its neighbours' ``states`` (a list, one per layer)."""
        a = self.biases[l].data
        if l > 0:
            a = a + states[l - 1] @ self.kernels[l - 1].data
        if l < len(states) - 1:
            a = a + states[l + 1] @ self.kernels[l].data.T
        return a

    def mean_field(self, v, steps=None):
        """The mean-field posterior of every hidden layer given visible ``v`` (N, n_visible) in [0, 1]:
        a list of (N, units) probabilities, bottom to top, after ``steps`` sweeps (default
        ``mean_field_steps``), started from a bottom-up pass with the weights into the hidden layers
        below the top doubled (they will also get input from above)."""
        self._check_built("mean_field")
        v = as_visible(self, "mean_field", v, self.n_visible)
        return self._mean_field(v, self.mean_field_steps if steps is None else steps)[1:]

    def _mean_field(self, v, steps):
        top = len(self.sizes) - 1
        mu = [v]
        for l in range(1, top + 1):
            scale = 1.0 if l == top else 2.0
            mu.append(logistic(scale * (mu[l - 1] @ self.kernels[l - 1].data) + self.biases[l].data))
        for _ in range(steps):
            for l in range(1, top + 1):
                mu[l] = logistic(self._net_input(mu, l))
        return mu

    def reconstruct(self, v, steps=None):
        """The visible probabilities (N, n_visible) the mean-field posterior of the first hidden layer
        gives back for ``v``."""
        self._check_built("reconstruct")
        v = as_visible(self, "reconstruct", v, self.n_visible)
        mu = self._mean_field(v, self.mean_field_steps if steps is None else steps)
        return logistic(mu[1] @ self.kernels[0].data.T + self.biases[0].data)

    def transform(self, v):
        """The top hidden layer's mean-field probabilities (N, layer_sizes[-1]) for ``v``: the features."""
        return self.mean_field(v)[-1]

    def _gibbs_sweep(self, states, rng):
        """One sweep of block Gibbs sampling: the odd layers given the even ones, then the even ones
        (visible included) given the odd ones; ``states`` is updated in place, probabilities returned."""
        probs = [None] * len(states)
        for parity in (1, 0):
            for l in range(parity, len(states), 2):
                probs[l] = logistic(self._net_input(states, l))
                states[l] = (rng.random(probs[l].shape, dtype=np.float32) < probs[l]).astype(np.float32)
        return probs

    def sample(self, n, steps=1000, seed=None):
        """Visible probabilities (n, n_visible) after ``steps`` sweeps of Gibbs sampling of fresh chains
        started from random binary states (``seed`` for a reproducible draw)."""
        self._check_built("sample")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{self.describe()}.sample: n must be a positive whole number, got {n!r}")
        rng = self.rng if seed is None else np.random.default_rng(seed)
        states = [(rng.random((n, k)) < 0.5).astype(np.float32) for k in self.sizes]
        probs = [states[0]]
        for _ in range(steps):
            probs = self._gibbs_sweep(states, rng)
        return probs[0]

    def fantasy_particles(self, probabilities=False):
        """The persistent chains' visible states (n_chains, n_visible), what the model currently dreams;
        with ``probabilities=True`` the visible probabilities given the chains' first hidden layer
        (smoother pictures)."""
        self._check_built("fantasy_particles")
        if probabilities:
            return logistic(self.chains[1].data @ self.kernels[0].data.T + self.biases[0].data)
        return self.chains[0].data.copy()

    def call(self, x):
        with no_grad():
            return Tensor(self.transform(x))

    def _check_built(self, what):
        if not self.built:
            raise ValueError(f"{self.describe()}.{what}: the model is not built yet; fit it (or call it on data "
                             "of the visible width) first")

    # ----- learning
    def train_step(self, data):
        """One update on a batch (N, n_visible) in [0, 1]: mean-field positive phase, persistent-chain
        negative phase; returns ``{"reconstruction_error": running mean}``."""
        x, _, _ = unpack_x_y_sample_weight(data)
        if not self.built:  # as Hinton's guide advises, the visible biases start at the data's log-odds
            self(as_visible(self, "fit", x)[:1])
            p = np.clip(as_visible(self, "fit", x).mean(0), 0.01, 0.99)
            self.biases[0].data[...] = np.log(p / (1 - p))
        v = as_visible(self, "fit", x, self.n_visible)
        with no_grad():
            mu = self._mean_field(v, self.mean_field_steps)
            states = [c.data for c in self.chains]
            for _ in range(self.gibbs_steps):
                self._gibbs_sweep(states, self.rng)
            for c, s in zip(self.chains, states):
                c.data[...] = s
            n, m = len(v), self.n_chains
            grads = [mu[l].T @ mu[l + 1] / n - states[l].T @ states[l + 1] / m for l in range(len(self.kernels))]
            grads = [g - self.weight_decay * w.data for g, w in zip(grads, self.kernels)]
            grads += [mu[l].mean(0) - states[l].mean(0) for l in range(len(self.biases))]
            params = self.kernels + self.biases
            if self.momentum:
                for p, vel, g in zip(params, self._velocities, grads):
                    vel.data *= self.momentum
                    vel.data += self.learning_rate * g
                    p.data += vel.data
            else:
                for p, g in zip(params, grads):
                    p.data += self.learning_rate * g
            recon = logistic(mu[1] @ self.kernels[0].data.T + self.biases[0].data)
            self.reconstruction_tracker.update_state(float(np.mean((v - recon) ** 2)), sample_weight=n)
        return {"reconstruction_error": self.reconstruction_tracker.result()}

    def test_step(self, data):
        x, _, _ = unpack_x_y_sample_weight(data)
        v = as_visible(self, "evaluate", x, self.n_visible)
        self.reconstruction_tracker.update_state(float(np.mean((v - self.reconstruct(v)) ** 2)),
                                                 sample_weight=len(v))
        return {"reconstruction_error": self.reconstruction_tracker.result()}

    def pretrain(self, x, epochs=10, batch_size=100, verbose=1, **rbm_options):
        """Greedy layer-wise initialisation: a stack of ``BernoulliRBM``s, each fit on the hidden
        probabilities of the one below, gives the kernels and hidden biases (the intermediate kernels
        halved, as each of those layers gets input from both sides in the DBM; the visible biases
        from the bottom RBM).  ``rbm_options`` go to every RBM; returns their ``History`` objects."""
        from .dbn import greedy_stack  # the DBN module owns greedy layer-wise training
        v = as_visible(self, "pretrain", x, self.n_visible if self.built else None)
        if not self.built:
            self(v[:1])
        rbms, histories = greedy_stack(self.layer_sizes, v, epochs, batch_size, verbose, rbm_options,
                                       seed=self.seed, owner=self.describe())
        top = len(rbms) - 1
        for l, rbm in enumerate(rbms):
            scale = 1.0 if l in (0, top) else 0.5
            self.kernels[l].data[...] = scale * rbm.W.data
            self.biases[l + 1].data[...] = rbm.hidden_bias.data
        self.biases[0].data[...] = rbms[0].visible_bias.data
        return histories


def show(out_dir, quick=False):
    """A two-hidden-layer DBM learns binarised Fashion-MNIST: the mean-field reconstruction error falls
    and the persistent chains' fantasy particles come to look like clothes."""
    (x, _), _ = fashion_mnist.load_data(download=False)
    n, layer_sizes, epochs = (3000, (100, 50), 10) if quick else (10000, (300, 100), 20)
    x = (x[:n].reshape(n, -1) > 127).astype(np.float32)
    backend.manual_seed(0)
    dbm = DeepBoltzmannMachine(layer_sizes, learning_rate=0.005 if not quick else 0.01, n_chains=100,
                               mean_field_steps=5, seed=0)
    dbm.compile()
    errors = dbm.fit(x, epochs=epochs, batch_size=100, verbose=0).history["reconstruction_error"]
    baseline = float(np.mean((x - x.mean(0)) ** 2))
    final = float(np.mean((x - dbm.reconstruct(x)) ** 2))
    dreams = dbm.fantasy_particles(probabilities=True)
    likeness = float(np.corrcoef(dreams.mean(0), x.mean(0))[0, 1])
    arch = "-".join(str(k) for k in (784,) + layer_sizes)
    measured = {"network": arch, "binarised training images": n, "epochs": epochs,
                "reconstruction error, first epoch": float(errors[0]),
                "reconstruction error, last epoch": float(errors[-1]),
                "reconstruction error of the mean image (no hidden units)": baseline,
                "correlation of the fantasy particles' mean image with the data's": likeness}
    lines = [f"A DBM {arch} (binary units; per batch of 100, 5 mean-field sweeps for the data's statistics and "
             f"one Gibbs sweep of 100 persistent chains for the model's) trained for {epochs} epochs on {n:,} "
             "Fashion-MNIST images thresholded at 0.5.",
             f"The mean squared error of the mean-field reconstruction falls from {errors[0]:.4f} (first epoch) to "
             f"{errors[-1]:.4f}; guessing the mean image for every input gives {baseline:.4f}.",
             "The fantasy particles are the persistent chains at the end of training, samples of the model, drawn "
             f"as the visible probabilities given their first hidden layer; their mean image correlates "
             f"{likeness:.2f} with the data's."]
    shown = Shown("Deep Boltzmann machine (DBM)",
                  "An undirected stack of binary layers; learning pairs mean-field inference (the data-dependent "
                  "statistics) with persistent Gibbs chains (the model's), so the model's samples come to look "
                  "like the data.", measured, lines)
    shown.files["figure"] = _plot(x[:8], dbm.reconstruct(x[:8]), dreams[:16], errors,
                                  os.path.join(out_dir, "deep_boltzmann_machine.png"))
    write_page(shown, out_dir, "deep_boltzmann_machine")
    return shown


def _plot(data, reconstructions, dreams, errors, path):
    plt = pyplot()
    fig = plt.figure(figsize=(12, 4.8))
    grid = fig.add_gridspec(4, 12, left=0.01, right=0.99, bottom=0.1, top=0.93, wspace=0.08, hspace=0.3)
    rows = (("data", data), ("mean-field reconstructions", reconstructions),
            ("fantasy particles: p(v | h1) of the persistent chains", dreams[:8]), ("", dreams[8:16]))
    for r, (title, images) in enumerate(rows):
        for c, image in enumerate(images):
            ax = fig.add_subplot(grid[r, c])
            ax.imshow(image.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            ax.axis("off")
            if c == 0 and title:
                ax.set_title(title, fontsize=9, loc="left")
    ax = fig.add_subplot(grid[:, 9:])
    ax.plot(np.arange(1, len(errors) + 1), errors, "o-")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error")
    ax.set_title("mean-field reconstruction error", fontsize=9)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


register("deep_boltzmann_machine", DeepBoltzmannMachine, aliases=("dbm",))
