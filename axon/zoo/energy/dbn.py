"""Deep belief nets (Hinton, Osindero and Teh, 2006): a stack of RBMs learned greedily, one layer at
a time, each modelling the hidden activities of the one below; the result is a generative model
whose top two layers form an undirected associative memory and whose lower layers are directed.
Its weights also initialise a feed-forward sigmoid network that backpropagation then fine-tunes,
which helps most when labels are few and unlabelled data plentiful.

>>> import numpy as np
>>> x = (np.random.default_rng(0).random((64, 12)) < 0.3).astype("float32")
>>> dbn = DBN((8, 4), seed=0)
>>> histories = dbn.pretrain(x, epochs=2, batch_size=16, verbose=0)
>>> len(histories), dbn.transform(x).shape
(2, (64, 4))
>>> net = dbn.to_sequential(num_classes=3)
>>> [layer.units for layer in net.layers]
[8, 4, 3]
>>> dbn.generate(5, gibbs_steps=10).shape
(5, 12)
"""
import os
import warnings

import numpy as np

from ... import backend, optimizers
from ...autograd import no_grad
from ...data.datasets import fashion_mnist
from ...layers import Dense
from ...models import Model, Sequential
from ...utils.plots import pyplot, save_figure
from ..registry import register
from ..showcase import Shown, write_page
from .dbm import as_visible, check_layer_sizes
from .rbm import BernoulliRBM

RBM_OPTIONS = ("learning_rate", "cd_k", "persistent", "momentum", "weight_decay", "sparsity_target",
               "sparsity_cost")


def epochs_per_layer(owner, epochs, layers):
    """``epochs`` (one whole number for every layer, or one per layer) as a list of ``layers`` ints."""
    given = list(epochs) if isinstance(epochs, (list, tuple)) else [epochs] * layers
    if len(given) != layers or any(isinstance(e, bool) or not isinstance(e, (int, np.integer)) or e < 0
                                   for e in given):
        raise ValueError(f"{owner}.pretrain: epochs must be a whole number >= 0 or one per layer ({layers} "
                         f"of them), got {epochs!r}; pass e.g. epochs=10 or epochs=[10, 5]")
    return [int(e) for e in given]


def fit_greedily(rbms, x, epochs, batch_size, verbose, owner, callbacks=None):
    """Greedy layer-wise training: ``rbms[0]`` fit on ``x``, each next one on the hidden probabilities
    of the one below; progress per layer.  Returns the ``History`` of each RBM's ``fit``."""
    epochs = epochs_per_layer(owner, epochs, len(rbms))
    histories, h = [], x
    for i, (rbm, n) in enumerate(zip(rbms, epochs)):
        if verbose:
            print(f"{owner}: pretraining RBM {i + 1}/{len(rbms)} ({h.shape[1]} -> {rbm.n_hidden} units, "
                  f"{n} epochs)")
        histories.append(rbm.fit(h, epochs=n, batch_size=batch_size, verbose=verbose, callbacks=callbacks))
        if i < len(rbms) - 1:
            h = rbm.transform(h)
    return histories


def greedy_stack(layer_sizes, x, epochs=10, batch_size=100, verbose=1, rbm_options=None, seed=None, owner="DBN"):
    """New ``BernoulliRBM``s of ``layer_sizes`` hidden units trained greedily on ``x`` (N, features);
    returns ``(rbms, histories)``.  RBM ``i`` gets seed ``seed + i``."""
    options = dict(rbm_options or {})
    unknown = sorted(set(options) - set(RBM_OPTIONS))
    if unknown:
        raise ValueError(f"{owner}.pretrain: {', '.join(unknown)} is no BernoulliRBM option; the options are "
                         f"{', '.join(RBM_OPTIONS)}")
    rbms = [BernoulliRBM(n, seed=None if seed is None else seed + i, **options) for i, n in enumerate(layer_sizes)]
    return rbms, fit_greedily(rbms, x, epochs, batch_size, verbose, owner)


class DBN(Model):
    """A deep belief net of ``layer_sizes`` hidden units per layer, bottom to top: hidden layers only,
    so ``DBN((500, 500))`` on 784-pixel images is the 784-500-500 net (the visible width comes from
    the data, or from ``input_shape=(features,)`` to build at once).

    ``pretrain(x, epochs=..., batch_size=...)`` trains its ``BernoulliRBM``s (``dbn.rbms``) greedily
    on unlabelled data in [0, 1]; the RBM options (``learning_rate``, ``cd_k``, ``persistent``,
    ``momentum``, ``weight_decay``, ``sparsity_target``, ``sparsity_cost``) go to every RBM, and
    RBM ``i`` draws from ``seed + i``.  Then ``to_sequential(num_classes)`` gives the feed-forward
    net to fine-tune, ``transform``/``predict`` the top-layer features, ``generate`` samples.
    """

    def __init__(self, layer_sizes=(500, 500), learning_rate=0.1, cd_k=1, persistent=False, momentum=0.0,
                 weight_decay=0.0, sparsity_target=None, sparsity_cost=0.0, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.layer_sizes = check_layer_sizes(f"DBN {self.name!r}", layer_sizes)
        self.rbm_options = dict(learning_rate=learning_rate, cd_k=cd_k, persistent=persistent, momentum=momentum,
                                weight_decay=weight_decay, sparsity_target=sparsity_target,
                                sparsity_cost=sparsity_cost)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.rbms = [BernoulliRBM(n, seed=None if seed is None else seed + i, name=f"{self.name}_rbm_{i + 1}",
                                  **self.rbm_options) for i, n in enumerate(self.layer_sizes)]
        if self._batch_input_shape is not None:
            self.build_from_shape(self._batch_input_shape[1:])

    @property
    def rng(self):
        """The generator the DBN draws from (the softmax head's weights): its own with a ``seed``."""
        return self._rng if self._rng is not None else backend.rng()

    @property
    def n_visible(self):
        """The visible units (the data's features), None before the DBN is built."""
        return self.rbms[0].n_visible

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"{self.describe()}: expected inputs (samples, features), got shape "
                             f"{tuple(input_shape)}; flatten images first, e.g. x.reshape(len(x), -1)")
        width = int(input_shape[-1])
        if width == self.layer_sizes[0] and len(self.layer_sizes) > 1:
            warnings.warn(f"{self.describe()}: the first hidden layer has as many units as the data has features "
                          f"({width}); layer_sizes lists the hidden layers only (e.g. (500, 500)), the visible "
                          "width comes from the data", stacklevel=3)
        with no_grad():
            for rbm in self.rbms:
                if not rbm.built:
                    rbm.build_from_shape((width,))
                width = rbm.n_hidden

    def _visible(self, x, what):
        """``x`` checked as visible data of the DBN's width (building the DBN on first use)."""
        v = as_visible(self, what, x, self.n_visible if self.built else None)
        if not self.built:
            self.build_from_shape(v.shape[1:])
        return v

    def _check_built(self, what):
        if not self.built:
            raise ValueError(f"{self.describe()}.{what}: the DBN has no weights yet; pretrain it on data "
                             "first, or give input_shape=(features,) when making it")

    # ----- learning
    def pretrain(self, x, epochs=10, batch_size=100, verbose=1, callbacks=None):
        """Greedy layer-wise pretraining on unlabelled ``x`` (N, features) in [0, 1]: each RBM is fit
        (its own ``fit``: progress bar, ``callbacks``, History) on the hidden probabilities of the one
        below.  ``epochs``: one number for all layers or one per layer.  Returns the Histories."""
        v = self._visible(x, "pretrain")
        return fit_greedily(self.rbms, v, epochs, batch_size, verbose, self.describe(), callbacks)

    def train_step(self, data):
        raise ValueError(f"{self.describe()}: a DBN learns greedily, one RBM at a time: call "
                         "dbn.pretrain(x, epochs=...) instead of fit; to fine-tune with labels, "
                         "net = dbn.to_sequential(num_classes), then net.compile(...) and net.fit(x, y)")

    # ----- using it
    def call(self, x):
        h = x
        for rbm in self.rbms:
            h = rbm(h)
        return h

    def transform(self, x):
        """The top layer's hidden probabilities (N, layer_sizes[-1]) of ``x``: a deterministic upward pass."""
        self._check_built("transform")
        h = self._visible(x, "transform")
        for rbm in self.rbms:
            h = rbm.transform(h)
        return h

    def to_sequential(self, num_classes=None, output_activation="softmax", name=None):
        """An ordinary ``Sequential`` of ``Dense(units, activation="sigmoid")`` layers, one per RBM, whose
        kernels and biases are copies of the RBMs' ``W`` and hidden biases (so its first layer computes
        the first RBM's hidden probabilities), then, with ``num_classes``, a fresh
        ``Dense(num_classes, activation=output_activation)`` head (Glorot-uniform weights from the DBN's
        generator).  Uncompiled: compile and fit it like any model; the DBN is left untouched."""
        self._check_built("to_sequential")
        if num_classes is not None and (isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer))
                                        or num_classes < 1):
            raise ValueError(f"{self.describe()}.to_sequential: num_classes must be a positive whole number "
                             f"(the classes of the softmax head) or None, got {num_classes!r}")
        layers = [Dense(rbm.n_hidden, activation="sigmoid", **({"input_shape": (self.n_visible,)} if i == 0 else {}))
                  for i, rbm in enumerate(self.rbms)]
        if num_classes is not None:
            layers.append(Dense(int(num_classes), activation=output_activation))
        net = Sequential(layers, name=name or f"{self.name}_net")
        for layer, rbm in zip(net.layers, self.rbms):
            layer.kernel.data[...] = rbm.W.data
            layer.bias.data[...] = rbm.hidden_bias.data
        if num_classes is not None:
            head = net.layers[-1]
            limit = np.sqrt(6.0 / sum(head.kernel.shape))
            head.kernel.data[...] = self.rng.uniform(-limit, limit, head.kernel.shape)
            head.bias.data[...] = 0.0
        return net

    def generate(self, n, gibbs_steps=1000, start=None):
        """``n`` visible samples (n, n_visible), probabilities in [0, 1]: ``gibbs_steps`` of alternating
        Gibbs sampling in the top RBM (from random states, or from the upward pass of ``start``
        (n, n_visible) data), then one downward pass through the directed lower layers, drawing
        binary states in each layer but the visible one."""
        self._check_built("generate")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{self.describe()}.generate: n must be a positive whole number, got {n!r}")
        if isinstance(gibbs_steps, bool) or not isinstance(gibbs_steps, (int, np.integer)) or gibbs_steps < 1:
            raise ValueError(f"{self.describe()}.generate: gibbs_steps must be a positive whole number, "
                             f"got {gibbs_steps!r}")
        top_start = None
        if start is not None:
            top_start = self._visible(start, "generate")
            if len(top_start) != n:
                raise ValueError(f"{self.describe()}.generate: start must hold n={n} rows, got {len(top_start)}")
            for rbm in self.rbms[:-1]:
                top_start = rbm.sample_hidden(top_start)
        top = self.rbms[-1]
        h = top.sample(n, steps=gibbs_steps, start=top_start, probabilities=len(self.rbms) == 1)
        lower = self.rbms[-2::-1]
        for i, rbm in enumerate(lower):
            h = rbm.visible_probabilities(h) if i == len(lower) - 1 else rbm.sample_visible(h)
        return h


# ----- the showcase: pretraining helps when labels are few
def labelled_subset(y, per_class, rng):
    """Indices of ``per_class`` examples of every class in labels ``y``, drawn by ``rng``."""
    return np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.unique(y)])


def random_twin(net, seed):
    """``net`` with every kernel drawn afresh (Glorot uniform, from ``seed``) and every bias zero: the
    same network from random initialisation."""
    rng = np.random.default_rng(seed)
    for layer in net.layers:
        limit = np.sqrt(6.0 / sum(layer.kernel.shape))
        layer.kernel.data[...] = rng.uniform(-limit, limit, layer.kernel.shape)
        layer.bias.data[...] = 0.0
    return net


def fine_tune(net, optimizer, data, checkpoints, seed, curve_images=2000):
    """Fit ``net`` on the labelled ``data = (x, y), (x_test, y_test)`` with ``optimizer`` (batches of 32
    shuffled from ``seed``) up to each epoch count in ``checkpoints`` in turn; returns (the accuracy on
    all test images at each checkpoint, the accuracy on the first ``curve_images`` after every epoch)."""
    (x, y), (x_test, y_test) = data
    backend.manual_seed(seed)
    net.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    accuracies, curve, done = [], [], 0
    for epochs in checkpoints:
        history = net.fit(x, y, epochs=epochs, initial_epoch=done, batch_size=32, verbose=0,
                          validation_data=(x_test[:curve_images], y_test[:curve_images]))
        curve += history.history["val_accuracy"]
        accuracies.append(float(np.mean(np.argmax(net.predict(x_test, batch_size=1000), 1) == y_test)))
        done = epochs
    return accuracies, curve


PRETRAINING = {"learning_rate": 0.05, "momentum": 0.9}  # CD-1, batches of 100


def compare(seed, x, y, data_test, per_class, unlabelled, layer_sizes, pretrain_epochs, checkpoints,
            optimizer_makers):
    """One seeded run: a DBN pretrained on ``unlabelled`` training images (the labelled ones excluded),
    then, for each ``name -> make optimizer``, its fine-tuned net and the randomly initialised twin fit
    on ``per_class`` labels per class (``fine_tune`` up to each of ``checkpoints`` epochs); returns
    ``(dbn, {name: {"pretrained": (accuracies, curve), "random": (accuracies, curve)}})``."""
    rng = np.random.default_rng(seed)
    labelled = labelled_subset(y, per_class, rng)
    rest = np.setdiff1d(np.arange(len(x)), labelled)
    pool = x[rng.permutation(rest)[:unlabelled]]
    backend.manual_seed(seed)
    dbn = DBN(layer_sizes, seed=seed, **PRETRAINING)
    dbn.pretrain(pool, epochs=pretrain_epochs, batch_size=100, verbose=0)
    data = ((x[labelled], y[labelled]), data_test)
    results = {}
    for name, make in optimizer_makers.items():
        twin = random_twin(dbn.to_sequential(10), seed + 1000)
        results[name] = {"pretrained": fine_tune(dbn.to_sequential(10), make(), data, checkpoints, seed),
                         "random": fine_tune(twin, make(), data, checkpoints, seed)}
    return dbn, results


def show(out_dir, quick=False):
    """A DBN pretrained on unlabelled Fashion-MNIST, fine-tuned with 100 labels per class, against the
    same net from random initialisation (same optimizer, epochs and batches); learning curves and
    samples generated by Gibbs sampling in the top RBM."""
    (x, y), (x_test, y_test) = fashion_mnist.load_data(download=False)
    x = x.reshape(len(x), -1).astype(np.float32) / 255.0
    x_test = x_test.reshape(len(x_test), -1).astype(np.float32) / 255.0
    per_class, pretrain_epochs = 100, 5
    if quick:
        layer_sizes, unlabelled, checkpoints, seeds = (256, 256), 6000, (5,), (0,)
    else:
        layer_sizes, unlabelled, checkpoints, seeds = (500, 500), 20000, (10, 15), (0, 1, 2)
    sgd = {"SGD": lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9)}
    adam = {} if quick else {"Adam": lambda: optimizers.Adam(learning_rate=0.001)}
    runs = [compare(seed, x, y, (x_test, y_test), per_class, unlabelled, layer_sizes, pretrain_epochs, checkpoints,
                    dict(sgd, **(adam if i == 0 else {}))) for i, seed in enumerate(seeds)]
    dbn, first = runs[0]
    acc = {kind: np.array([r["SGD"][kind][0] for _, r in runs]) for kind in ("pretrained", "random")}
    arch = "-".join(str(n) for n in (784,) + layer_sizes) + "-10"
    epochs = checkpoints[0]
    measured = {"network": f"{arch}, sigmoid", "labelled images": 10 * per_class,
                "unlabelled images (pretraining)": unlabelled, "pretraining epochs per RBM": pretrain_epochs,
                "fine-tuning epochs": epochs, "seeds": ", ".join(map(str, seeds))}
    for i, seed in enumerate(seeds):
        measured[f"test accuracy, pretrained (SGD, seed {seed})"] = float(acc["pretrained"][i, 0])
        measured[f"test accuracy, random init (SGD, seed {seed})"] = float(acc["random"][i, 0])
    gain = acc["pretrained"].mean(0) - acc["random"].mean(0)
    measured["mean gain from pretraining (SGD)"] = float(gain[0])
    if len(checkpoints) > 1:
        measured[f"mean gain after {checkpoints[-1]} epochs (SGD)"] = float(gain[-1])
    if adam:
        for kind, label in (("pretrained", "pretrained"), ("random", "random init")):
            measured[f"test accuracy, {label} (Adam, seed 0)"] = first["Adam"][kind][0][0]
    seeds_text = ", ".join(map(str, seeds))
    lines = [f"A DBN {arch} (two RBMs, CD-1, learning rate {PRETRAINING['learning_rate']}, momentum "
             f"{PRETRAINING['momentum']}) is pretrained for {pretrain_epochs} epochs per layer on {unlabelled:,} "
             f"unlabelled training images, then turned into a sigmoid MLP with a softmax head and fine-tuned on "
             f"{10 * per_class:,} labelled ones for {epochs} epochs (SGD, rate 0.05, momentum 0.9, batches of 32); "
             "its twin, the same net from Glorot-uniform weights, gets the same optimizer, epochs and batches. "
             "Accuracies are on all 10,000 test images.",
             f"Pretrained: {', '.join(f'{a:.3f}' for a in acc['pretrained'][:, 0])}; random initialisation: "
             f"{', '.join(f'{a:.3f}' for a in acc['random'][:, 0])} (seed{'s' if len(seeds) > 1 else ''} {seeds_text})."]
    if len(checkpoints) > 1:
        lines.append(f"Trained on to {checkpoints[-1]} epochs: pretrained "
                     f"{', '.join(f'{a:.3f}' for a in acc['pretrained'][:, -1])} against "
                     f"{', '.join(f'{a:.3f}' for a in acc['random'][:, -1])} (mean gain {gain[-1]:.3f}); the "
                     "curves show the random net closing in, with more epoch-to-epoch noise.")
    if adam:
        (p10, p15), (r10, r15) = first["Adam"]["pretrained"][0], first["Adam"]["random"][0]
        lines.append(f"With Adam (rate 0.001, seed 0) the gap is smaller: {p10:.3f} against {r10:.3f} after "
                     f"{epochs} epochs, {p15:.3f} against {r15:.3f} after {checkpoints[-1]}; pretraining mostly "
                     "buys what a plain optimizer struggles to find from random weights with so few labels.")
    lines.append("The curves are the accuracy on the first 2,000 test images after each epoch; the samples are "
                 "drawn by 1,000 steps of Gibbs sampling in the top RBM from random states, then one pass down.")
    shown = Shown("Deep belief network (DBN)",
                  "Stacked RBMs learnt greedily, layer by layer, on unlabelled data make a generative model and a "
                  "good initialisation: fine-tuned by backpropagation with few labels, the pretrained net beats "
                  "the same net trained from random weights.", measured, lines)
    shown.files["learning curves"] = _plot_curves(first, seeds[0], epochs, os.path.join(out_dir, "dbn_curves.png"))
    samples = dbn.generate(16, gibbs_steps=1000)
    shown.files["samples"] = _plot_samples(samples, os.path.join(out_dir, "dbn_samples.png"))
    write_page(shown, out_dir, "dbn")
    return shown


def _plot_curves(results, seed, claimed_at, path):
    plt = pyplot()
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3.6), squeeze=False)
    for ax, (name, runs) in zip(axes[0], results.items()):
        for kind, style in (("pretrained", "o-"), ("random", "s--")):
            accuracies, curve = runs[kind]
            label = f"{'pretrained DBN' if kind == 'pretrained' else 'random init'} (test {accuracies[0]:.3f} at epoch {claimed_at})"
            ax.plot(np.arange(1, len(curve) + 1), curve, style, label=label)
        if claimed_at < len(curve):
            ax.axvline(claimed_at, color="grey", lw=0.8, ls=":")
        ax.set_xlabel("fine-tuning epoch")
        ax.set_ylabel("test accuracy (2,000 images)")
        ax.set_title(f"Fine-tuning with 1,000 labels, {name} (seed {seed})")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    fig.tight_layout()
    return save_figure(fig, path)


def _plot_samples(samples, path):
    plt = pyplot()
    fig, axes = plt.subplots(2, 8, figsize=(8, 2.3))
    for ax, image in zip(axes.flat, samples):
        ax.imshow(image.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
        ax.axis("off")
    fig.suptitle("DBN samples: Gibbs sampling in the top RBM, then down", fontsize=9)
    return save_figure(fig, path)


register("dbn", DBN, aliases=("deep_belief_network", "deep_belief_net"))
