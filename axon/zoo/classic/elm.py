"""The extreme learning machine (Huang, Zhu & Siew, 2006): one hidden layer whose weights are drawn
at random and never trained, and a linear readout solved in closed form by the Moore-Penrose
pseudo-inverse (or ridge regression).  Training is one linear solve instead of many epochs of
backpropagation, so it fits in a fraction of the time, at the price of needing more hidden units for
the same accuracy.

``ClosedFormReadout`` is the part it shares with the RBF network and the liquid state machine:
fixed features followed by a least-squares linear readout, fitted through the training contract.

>>> import numpy as np
>>> x = np.random.default_rng(0).normal(size=(200, 2)).astype("float32")
>>> y = (x[:, 0] * x[:, 1] > 0).astype("int64")          # XOR of the signs: not linear
>>> elm = ExtremeLearningMachine(units=100, ridge=1e-6, seed=0)
>>> _ = elm.fit(x, y, verbose=0)
>>> float((elm.predict(x).argmax(1) == y).mean()) > 0.95
True
"""
import time

import numpy as np

from ... import backend
from ... import ops as F
from ...activations import get as get_activation
from ...autograd import no_grad
from ...data.batches import unpack_x_y_sample_weight
from ...models.model import Model
from ...tensor import Tensor, to_numpy


class ClosedFormReadout(Model):
    """A model ``features(x) @ W + b`` whose features are fixed and whose readout ``W`` (F, outputs),
    ``b`` (outputs,) is the ridge-regression solution over every batch ``fit`` has seen.

    Subclasses define ``build_features(input_shape)`` (create the fixed weights), ``num_features()``
    and ``features(x) -> (N, F)`` float array.  ``fit(x, y)`` takes integer class labels (N,) (the
    readout then regresses one-hot targets and ``predict`` gives one score per class) or real
    targets (N,) / (N, outputs).  Each ``train_step`` adds the batch, weighted by its sample weights,
    to the normal equations (``HᵀH``, ``HᵀY``, kept in float64 as weights) and solves them again:
    any batch size and any number of epochs give the same readout (the sums are averaged over the
    samples seen), a further ``fit`` (also of a reloaded model) adds its data to what was seen, and
    ``reset_readout()`` forgets it.  ``ridge`` is λ in (1/N) Σ |h W + b - t|² + λ‖W‖²; ``0`` is
    the minimum-norm least-squares solution (the pseudo-inverse).  ``evaluate`` and validation log
    that mean squared error as ``loss`` and the compiled metrics.
    """

    closed_form = True

    def __init__(self, outputs=None, ridge=0.0, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if outputs is not None and (isinstance(outputs, bool) or not isinstance(outputs, (int, np.integer))
                                    or outputs < 1):
            raise ValueError(f"{type(self).__name__}: outputs must be a positive whole number (the classes, "
                             f"or the target columns), got {outputs!r}; or leave it None to take it from y")
        if not np.isscalar(ridge) or not ridge >= 0:
            raise ValueError(f"{type(self).__name__}: ridge must be a number >= 0 (the L2 penalty of the "
                             f"readout), got {ridge!r}; pass e.g. ridge=1e-3, or 0 for the pseudo-inverse")
        self.outputs = None if outputs is None else int(outputs)
        self.ridge = float(ridge)

    def get_config(self):
        config = super().get_config()
        config["outputs"] = self.outputs  # learnt from y by fit when not given
        return config

    # ----- what subclasses define
    def build_features(self, input_shape):
        raise NotImplementedError

    def num_features(self):
        raise NotImplementedError

    def features(self, x):
        raise NotImplementedError

    def _rng(self):
        seed = getattr(self, "seed", None)
        return np.random.default_rng(seed) if seed is not None else backend.rng()

    # ----- weights
    def build(self, input_shape):
        if self.outputs is None:
            raise ValueError(f"{self.describe()}: the number of outputs is unknown; pass outputs= (the classes "
                             "or target columns) or call fit(x, y) first, which takes it from y")
        self.build_features(tuple(input_shape))
        f, k = self.num_features(), self.outputs
        gradient = not self.closed_form
        self.readout_kernel = self.add_weight("readout_kernel", (f, k), "glorot_uniform" if gradient else "zeros",
                                              trainable=gradient)
        self.readout_bias = self.add_weight("readout_bias", (k,), "zeros", trainable=gradient)
        self.gram = self.add_weight("gram", (f + 1, f + 1), "zeros", dtype="float64", trainable=False)
        self.cross = self.add_weight("cross", (f + 1, k), "zeros", dtype="float64", trainable=False)
        self.samples_seen = self.add_weight("samples_seen", (1,), "zeros", dtype="float64", trainable=False)

    def call(self, x):
        h = Tensor(np.asarray(self.features(to_numpy(x)), dtype=self.readout_kernel.dtype))
        return F.matmul(h, self.readout_kernel) + self.readout_bias

    # ----- fitting
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, **kwargs):
        """``Model.fit`` with ``epochs=1`` as the default (one pass solves the readout) and without the
        need to ``compile`` first (there is nothing to choose; ``compile(metrics=[...])`` adds metrics).
        ``outputs`` is taken from ``y`` when not given.  Returns the ``History``."""
        if y is not None and self.outputs is None and not self.built:
            self.outputs = _outputs_of(self, y)
        if not self.compiled:
            self.compile()
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, **kwargs)

    def targets(self, y):
        """``y`` as the (N, outputs) float64 matrix the readout regresses (one-hot for class labels)."""
        y = np.asarray(to_numpy(y))
        k = self.outputs
        if y.ndim == 2 and y.shape[1] == 1 and k != 1:
            y = y[:, 0]
        if y.dtype.kind in "iub" and y.ndim == 1 and k > 1:
            if y.size and (y.min() < 0 or y.max() >= k):
                raise ValueError(f"{self.describe()}: class labels must lie in 0..{k - 1} (outputs={k}), got "
                                 f"min {y.min()}, max {y.max()}; relabel them, or build with outputs={y.max() + 1}")
            return np.eye(k)[y]
        y = y.reshape(len(y), -1).astype(np.float64)
        if y.shape[1] != k:
            raise ValueError(f"{self.describe()}: targets have {y.shape[1]} columns but the readout has "
                             f"outputs={k}; pass y of shape (N, {k}), integer class labels (N,), or a new model")
        return y

    def train_step(self, data):
        """Add the batch (weighted by its sample weights, if any) to the normal equations, solve them,
        and log the running mean squared error of the batches under the readout solved on them."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        if y is None:
            raise ValueError(f"{self.describe()}.fit needs targets: fit(x, y) with class labels or real targets")
        with no_grad():
            if not self.built:
                self(Tensor(np.asarray(to_numpy(x))[:1]), training=False)
            h = np.asarray(self.features(to_numpy(x)), dtype=np.float64)
            h1 = np.concatenate([h, np.ones((len(h), 1))], axis=1)
            t = self.targets(y)
            w = _weights(sample_weight, len(h1))
            self.gram.data += (h1 * w[:, None]).T @ h1
            self.cross.data += (h1 * w[:, None]).T @ t
            self.samples_seen.data += w.sum()
            self.solve()
        return self._log(x, y, h, t, sample_weight)

    def test_step(self, data):
        """The mean squared error of the readout's outputs to the targets (and the compiled metrics)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        if y is None:
            raise ValueError(f"{self.describe()}.evaluate needs targets: evaluate(x, y)")
        h = np.asarray(self.features(to_numpy(x)), dtype=np.float64)
        return self._log(x, y, h, self.targets(y), sample_weight)

    def _log(self, x, y, h, t, sample_weight):
        out = h @ self.readout_kernel.data.astype(np.float64) + self.readout_bias.data
        per_sample = np.mean((out - t) ** 2, axis=1)
        w = _weights(sample_weight, len(h))
        self._loss_tracker.update_state(float((per_sample * w).sum() / max(w.sum(), 1e-12)), sample_weight=len(h))
        logs = self.compute_metrics(x, y, Tensor(out.astype(self.readout_kernel.dtype)), sample_weight)
        logs["loss"] = self._loss_tracker.result()
        return logs

    def solve(self):
        """Set the readout to the ridge solution of the normal equations gathered so far."""
        n = max(float(self.samples_seen.data[0]), 1.0)
        g = self.gram.data / n
        penalty = np.full(len(g), self.ridge)
        penalty[-1] = 0.0  # the bias is not penalised
        a = g + np.diag(penalty)
        b = self.cross.data / n
        if self.ridge > 0:
            try:
                w = np.linalg.solve(a, b)
            except np.linalg.LinAlgError:
                w = np.linalg.lstsq(a, b, rcond=None)[0]
        else:
            w = np.linalg.pinv(a, rcond=1e-10, hermitian=True) @ b  # pinv(HᵀH) Hᵀ Y = pinv(H) Y
        self.readout_kernel.data[...] = w[:-1]
        self.readout_bias.data[...] = w[-1]

    def reset_readout(self):
        """Forget the batches seen (the readout then learns afresh on the next ``fit``)."""
        for w in (self.gram, self.cross, self.samples_seen, self.readout_kernel, self.readout_bias):
            w.data[...] = 0


def _weights(sample_weight, n):
    """Sample weights as a float64 vector (n,), ones when there are none."""
    return np.ones(n) if sample_weight is None else np.asarray(to_numpy(sample_weight), np.float64).reshape(-1)


def _outputs_of(model, y):
    """The number of outputs ``y`` asks for: classes for integer labels, columns for real targets."""
    y = np.asarray(to_numpy(y))
    if y.ndim == 0 or len(y) == 0:
        raise ValueError(f"{model.describe()}.fit: y must hold one target per sample, got shape {y.shape}")
    if y.dtype.kind in "iub" and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        if y.min() < 0:
            raise ValueError(f"{model.describe()}.fit: class labels must be >= 0, got min {y.min()}; relabel "
                             "them 0..K-1 (or pass float targets for regression)")
        return int(y.max()) + 1
    return 1 if y.ndim == 1 else int(np.prod(y.shape[1:]))


class ExtremeLearningMachine(ClosedFormReadout):
    """Random hidden layer ``h = activation(x W + b)`` (``units`` wide; W ~ N(0, weight_scale^2 /
    in_features), b ~ N(0, 1)) and a closed-form linear readout (see ``ClosedFormReadout``).

    Inputs (N, ...) are flattened to (N, in_features); scale them to about unit range first (pixels
    / 255).  ``ridge=0`` is Huang's pseudo-inverse; a small ridge (1e-4) generalises better when
    ``units`` approaches the number of samples.
    """

    def __init__(self, units=1000, activation="sigmoid", ridge=1e-4, weight_scale=3.0, outputs=None, seed=None,
                 name=None, **kwargs):
        super().__init__(outputs=outputs, ridge=ridge, name=name, **kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"ExtremeLearningMachine: units must be a positive whole number (hidden units), got "
                             f"{units!r}; pass e.g. units=1000")
        if not np.isscalar(weight_scale) or not weight_scale > 0:
            raise ValueError(f"ExtremeLearningMachine: weight_scale must be a number > 0, got {weight_scale!r}")
        self.units, self.weight_scale = int(units), float(weight_scale)
        self.activation = get_activation(activation)
        self.seed = seed

    def build_features(self, input_shape):
        d = int(np.prod(input_shape[1:]))
        rng = self._rng()
        self.hidden_kernel = self.add_weight("hidden_kernel", (d, self.units), "zeros", trainable=False)
        self.hidden_bias = self.add_weight("hidden_bias", (self.units,), "zeros", trainable=False)
        self.hidden_kernel.data[...] = rng.standard_normal((d, self.units)) * (self.weight_scale / np.sqrt(d))
        self.hidden_bias.data[...] = rng.standard_normal(self.units)

    def num_features(self):
        return self.units

    def features(self, x):
        """Hidden activations (N, units) for inputs (N, ...)."""
        x = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
        d = self.hidden_kernel.shape[0]
        if x.shape[1] != d:
            raise ValueError(f"{self.describe()}: inputs have {x.shape[1]} features but the model was built for "
                             f"{d}; pass inputs of the shape it was fitted on")
        with no_grad():
            return to_numpy(self.activation(Tensor(x @ self.hidden_kernel.data + self.hidden_bias.data)))


# ----- show

def show(out_dir, quick=False):
    """ELM against a backprop MLP of the same size on Fashion-MNIST: accuracy and fit time."""
    import os
    from ...data.datasets import fashion_mnist
    from ...layers import Dense
    from ...losses import SparseCategoricalCrossentropy
    from ...models.sequential import Sequential
    from ...utils.plots import pyplot, save_figure
    from ..showcase import Shown, write_page

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(download=False)
    n_train, n_test, units = (1500, 500, 256) if quick else (10000, 2000, 1000)
    x = x_train[:n_train].reshape(n_train, -1).astype("float32") / 255
    y = y_train[:n_train].astype("int64")
    xt = x_test[:n_test].reshape(n_test, -1).astype("float32") / 255
    yt = y_test[:n_test].astype("int64")

    start = time.perf_counter()
    elm = ExtremeLearningMachine(units=units, seed=0)
    elm.fit(x, y, batch_size=1000, verbose=0)
    elm_time = time.perf_counter() - start
    elm_acc = float((elm.predict(xt, batch_size=1000).argmax(1) == yt).mean())

    backend.manual_seed(0)
    mlp = Sequential([Dense(units, activation="sigmoid"), Dense(10)])
    mlp.compile(optimizer="adam", loss=SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    epochs = 2 if quick else 5
    accs, times = [], []
    start = time.perf_counter()
    for _ in range(epochs):
        mlp.fit(x, y, epochs=1, batch_size=64, verbose=0)
        times.append(time.perf_counter() - start)
        accs.append(float((mlp.predict(xt, batch_size=1000).argmax(1) == yt).mean()))
    mlp_time = times[-1]

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(times, accs, "o-", label=f"backprop MLP ({units} sigmoid units, Adam)")
    ax.plot([elm_time], [elm_acc], "r*", markersize=14, label=f"ELM ({units} random units, one solve)")
    ax.set_xlabel("fit time (s)")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"Fashion-MNIST, {n_train} training images")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=9)
    path = os.path.join(out_dir, "elm_vs_mlp.png")
    os.makedirs(out_dir, exist_ok=True)
    save_figure(fig, path)
    shown = Shown(
        "Extreme learning machine (ELM)",
        "A single hidden layer with random, untrained weights and a readout solved by the pseudo-inverse "
        "learns in one linear solve, several times faster than backpropagation trains a network of the same "
        "size, and on a small training set about as accurately.",
        {"ELM test accuracy": elm_acc, "ELM fit time (s)": elm_time,
         "MLP test accuracy": accs[-1], "MLP fit time (s)": mlp_time, "MLP epochs": epochs,
         "speed-up (MLP time / ELM time)": mlp_time / elm_time},
        [f"Both networks have {units} sigmoid hidden units and see the same {n_train} Fashion-MNIST images "
         f"(tested on {n_test} others).  The ELM draws its hidden weights at random and solves its readout "
         f"(ridge 1e-4) in {elm_time:.2f} s for {elm_acc:.3f} accuracy; the MLP trains every weight by "
         f"backpropagation with Adam for {epochs} epochs in {mlp_time:.1f} s for {accs[-1]:.3f}."],
        {"figure": path})
    write_page(shown, out_dir, "elm")
    return shown


__all__ = ["ClosedFormReadout", "ExtremeLearningMachine", "show"]

from ..registry import register  # noqa: E402

register("extreme_learning_machine", ExtremeLearningMachine, aliases=("elm",))
