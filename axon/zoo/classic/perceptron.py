"""Rosenblatt's perceptron (1958) and Widrow and Hoff's Adaline (1960): one threshold unit over a
weighted sum of the inputs.  The perceptron rule changes the weights only on mistakes and, by the
convergence theorem, stops changing after finitely many on linearly separable data; Adaline's delta
(LMS) rule does gradient descent on the squared error of the linear output before the threshold.
Both draw a single straight line through the input space, so neither can learn XOR (Minsky and
Papert, 1969): that needs a hidden layer.

>>> from axon.data.logic import truth_table
>>> x, y = truth_table("and")
>>> p = Perceptron(seed=0)
>>> p.compile()
>>> _ = p.fit(x, y, epochs=10, batch_size=1, verbose=0, shuffle=False)
>>> p.predict(x).tolist(), p.score(x, y)
([0.0, 0.0, 0.0, 1.0], 1.0)
"""
import os

import numpy as np

from ... import backend
from ...autograd import no_grad
from ...data.batches import unpack_x_y_sample_weight
from ...data.logic import separable_points, truth_table
from ...metrics import Mean
from ...models import Model
from ...tensor import Tensor, to_numpy
from ..registry import register
from ..showcase import Shown, write_page


class LinearThresholdUnit(Model):
    """One unit ``y = step(x . w + b)`` over ``n_features`` inputs (found from the first batch when
    None); labels in {0, 1} or {-1, 1} (``classes``, as the training targets were).  The subclasses
    bring the learning rule in ``train_step``."""

    def __init__(self, n_features=None, learning_rate=1.0, seed=None, name=None):
        super().__init__(name=name)
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be a number > 0, got {learning_rate!r}; "
                             "pass e.g. learning_rate=0.1")
        if n_features is not None and (isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer))
                                       or n_features < 1):
            raise ValueError(f"{type(self).__name__}: n_features must be a positive whole number or None (found "
                             f"from the data), got {n_features!r}")
        self.n_features = n_features
        self.learning_rate = float(learning_rate)
        self.seed = seed
        self._rng = backend.rng() if seed is None else np.random.default_rng(seed)
        self.error_rate_tracker = Mean(name="error_rate")
        if n_features is not None:
            self.build_from_shape((n_features,))

    def build(self, input_shape):
        d = int(input_shape[-1])
        self.kernel = self.add_weight(name="kernel", shape=(d,), initializer="zeros", trainable=False)
        self.bias = self.add_weight(name="bias", shape=(1,), initializer="zeros", trainable=False)
        self.classes = self.add_weight(name="classes", shape=(2,), initializer="zeros", trainable=False)
        self.kernel.data[...] = self._rng.uniform(-0.05, 0.05, d)
        self.classes.data[...] = (0.0, 1.0)

    @property
    def metrics(self):
        return [self.error_rate_tracker]

    # ----- checking
    def _inputs(self, x, what):
        x = to_numpy(x, np.float32)
        if x.ndim != 2:
            raise ValueError(f"{self.describe()}.{what}: x must be (samples, features), got shape {x.shape}; "
                             "reshape it, e.g. x.reshape(len(x), -1)")
        if not self.built:
            self.build_from_shape(x.shape[1:])
        elif x.shape[1] != self.kernel.shape[0]:
            raise ValueError(f"{self.describe()}.{what}: it has {self.kernel.shape[0]} inputs, got x with "
                             f"{x.shape[1]} features (shape {x.shape}); pass data with {self.kernel.shape[0]} columns")
        return x

    def _targets(self, y, n, what, remember=True):
        """``y`` as bipolar targets (n,), remembering which label set it used."""
        if y is None:
            raise ValueError(f"{self.describe()}.{what}: needs targets y (labels in {{0, 1}} or {{-1, 1}}); "
                             "call fit(x, y)")
        y = to_numpy(y, np.float32).reshape(len(to_numpy(y)), -1)
        if y.shape != (n, 1):
            raise ValueError(f"{self.describe()}.{what}: y must hold one label per sample, shape ({n},), got "
                             f"shape {y.shape}")
        values = set(np.unique(y).tolist())
        if values <= {0.0, 1.0}:
            low = 0.0
        elif values <= {-1.0, 1.0}:
            low = -1.0
        else:
            raise ValueError(f"{self.describe()}.{what}: labels must be in {{0, 1}} or in {{-1, 1}}, got "
                             f"{sorted(values)[:6]}; map the two classes to 0 and 1")
        if remember and values != {1.0}:  # all ones says nothing of the label set
            self.classes.data[0] = low
        return np.where(y[:, 0] > 0, 1.0, -1.0).astype(np.float32)

    # ----- the unit
    def decision_function(self, x):
        """The weighted sums ``x . w + b`` (samples,), float32; positive means the upper class."""
        x = self._inputs(x, "decision_function")
        return x @ self.kernel.data + self.bias.data

    def call(self, x):
        s = to_numpy(x, np.float32) @ self.kernel.data + self.bias.data
        return Tensor(np.where(s > 0, self.classes.data[1], self.classes.data[0]).astype(np.float32))

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None):
        """The predicted labels (samples,), in the label set of the training targets."""
        x = self._inputs(x, "predict")
        return super().predict(x, batch_size=batch_size, verbose=verbose, steps=steps, callbacks=callbacks)

    def score(self, x, y):
        """The share of samples of ``x`` whose predicted label is ``y`` (accuracy, in [0, 1])."""
        x = self._inputs(x, "score")
        t = self._targets(y, len(x), "score", remember=False)
        return float(np.mean(np.where(self.decision_function(x) > 0, 1.0, -1.0) == t))


class Perceptron(LinearThresholdUnit):
    """Rosenblatt's perceptron: on a mistake ``w += learning_rate * (t - y) x`` (t, y in {0, 1}), else
    nothing.  ``fit(x, y, batch_size=1)`` is the original online rule; a larger batch adds the
    corrections of all its mistakes at once.  Logs ``error_rate``, the share of samples misclassified
    as the epoch went (0 once it has converged)."""

    def train_step(self, data):
        x, y, _ = unpack_x_y_sample_weight(data)
        x = self._inputs(x, "fit")
        t = self._targets(y, len(x), "fit")
        with no_grad():
            y_hat = np.where(x @ self.kernel.data + self.bias.data > 0, 1.0, -1.0)
            correction = 0.5 * self.learning_rate * (t - y_hat)  # (t - y) of {0, 1} units
            self.kernel.data += correction @ x
            self.bias.data += correction.sum()
        self.error_rate_tracker.update_state(np.mean(y_hat != t), sample_weight=len(x))
        return {"error_rate": self.error_rate_tracker.result()}


class Adaline(LinearThresholdUnit):
    """Widrow and Hoff's adaptive linear neuron: the delta (LMS) rule
    ``w += learning_rate * mean((t - x . w - b) x)`` on bipolar targets t, that is gradient descent
    on the squared error of the linear output; the prediction thresholds that output at 0.  Logs
    ``mse`` (of the linear output, before the update) and ``error_rate``."""

    def __init__(self, n_features=None, learning_rate=0.05, seed=None, name=None):
        super().__init__(n_features=n_features, learning_rate=learning_rate, seed=seed, name=name)
        self.mse_tracker = Mean(name="mse")

    @property
    def metrics(self):
        return [self.mse_tracker, self.error_rate_tracker]

    def train_step(self, data):
        x, y, _ = unpack_x_y_sample_weight(data)
        x = self._inputs(x, "fit")
        t = self._targets(y, len(x), "fit")
        with no_grad():
            net = x @ self.kernel.data + self.bias.data
            delta = t - net
            step = self.learning_rate / len(x) * delta
            self.kernel.data += step @ x
            self.bias.data += step.sum()
        self.mse_tracker.update_state(float(np.mean(delta ** 2)), sample_weight=len(x))
        self.error_rate_tracker.update_state(np.mean(np.where(net > 0, 1.0, -1.0) != t), sample_weight=len(x))
        return {"mse": self.mse_tracker.result(), "error_rate": self.error_rate_tracker.result()}


register("perceptron", Perceptron, aliases=("rosenblatt",))
register("adaline", Adaline, aliases=("widrow_hoff",))


# ----- the show
def _train(cls, x, y, epochs, seed, **kwargs):
    model = cls(seed=seed, **kwargs)
    model.compile()
    history = model.fit(x, y, epochs=epochs, batch_size=1 if cls is Perceptron else len(x), verbose=0,
                        shuffle=False)  # a fixed order: the page is the same run to run
    return model, history.history


def _boundary(ax, model, x, y, title):
    lo, hi = x.min(0) - 0.5, x.max(0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    z = model.decision_function(np.c_[gx.ravel(), gy.ravel()].astype(np.float32)).reshape(gx.shape)
    ax.contourf(gx, gy, z > 0, levels=[-0.5, 0.5, 1.5], colors=["#fde0c5", "#c6dbef"], alpha=0.9)
    ax.contour(gx, gy, z, levels=[0], colors="k", linewidths=1.5)
    up = y > 0
    ax.scatter(x[~up, 0], x[~up, 1], c="#d95f02", marker="o", s=60 if len(x) < 10 else 14, edgecolors="k",
               label="class 0")
    ax.scatter(x[up, 0], x[up, 1], c="#1f78b4", marker="s", s=60 if len(x) < 10 else 14, edgecolors="k",
               label="class 1")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def show(out_dir, quick=False):
    """Train the perceptron and Adaline on AND, on XOR and on separable points; write the decision
    boundaries and the errors per epoch (``perceptron_boundaries.png``, ``perceptron_errors.png``)."""
    from ...utils.plots import pyplot, save_figure
    epochs = 30 if quick else 100
    xa, ya = truth_table("and")
    xx, yx = truth_table("xor")
    xs, ys = separable_points(60 if quick else 200, margin=0.1, seed=3)
    runs = {
        ("Perceptron", "AND"): (_train(Perceptron, xa, ya, epochs, 0), xa, ya),
        ("Perceptron", "XOR"): (_train(Perceptron, xx, yx, epochs, 0), xx, yx),
        ("Perceptron", "separable"): (_train(Perceptron, xs, ys, epochs, 0), xs, ys),
        ("Adaline", "AND"): (_train(Adaline, xa, ya, 4 * epochs, 0, learning_rate=0.2), xa, ya),
        ("Adaline", "XOR"): (_train(Adaline, xx, yx, 4 * epochs, 0, learning_rate=0.2), xx, yx),
        ("Adaline", "separable"): (_train(Adaline, xs, ys, 4 * epochs, 0, learning_rate=0.2), xs, ys),
    }
    accuracy = {k: m.score(x, y) for k, ((m, _), x, y) in runs.items()}
    converged = {k: next((i + 1 for i, e in enumerate(h["error_rate"]) if e == 0), None)
                 for k, ((_, h), _, _) in runs.items()}
    plt = pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(10, 6.6))
    for ax, ((rule, task), ((model, _), x, y)) in zip(axes.ravel(), runs.items()):
        _boundary(ax, model, x, y, f"{rule} on {task}: accuracy {accuracy[rule, task]:.2f}")
    axes[0, 0].legend(fontsize=7, loc="upper left")
    fig.suptitle("One threshold unit draws one straight line: AND and separable points yes, XOR no")
    fig.tight_layout()
    boundaries = save_figure(fig, os.path.join(out_dir, "perceptron_boundaries.png"))
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
    for (rule, task), ((_, h), _, _) in runs.items():
        ax = axes[0 if rule == "Perceptron" else 1]
        ax.plot(np.arange(1, len(h["error_rate"]) + 1), h["error_rate"], label=task)
        if rule == "Adaline":
            axes[2].plot(np.arange(1, len(h["mse"]) + 1), h["mse"], label=task)
    for ax, title, label in zip(axes, ("Perceptron (online rule)", "Adaline (delta rule, full batch)",
                                       "Adaline: the squared error it descends"),
                                ("share misclassified in the epoch",) * 2 + ("mean squared error",)):
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_xscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    errors = save_figure(fig, os.path.join(out_dir, "perceptron_errors.png"))
    measured = {"perceptron AND accuracy": accuracy["Perceptron", "AND"],
                "perceptron AND converged at epoch": converged["Perceptron", "AND"],
                "perceptron XOR accuracy": accuracy["Perceptron", "XOR"],
                "perceptron XOR error-free epochs": sum(e == 0 for e in runs["Perceptron", "XOR"][0][1]["error_rate"]),
                "perceptron separable accuracy": accuracy["Perceptron", "separable"],
                "adaline AND accuracy": accuracy["Adaline", "AND"],
                "adaline separable accuracy": accuracy["Adaline", "separable"],
                "adaline separable final mse": runs["Adaline", "separable"][0][1]["mse"][-1],
                "adaline XOR accuracy": accuracy["Adaline", "XOR"],
                "adaline XOR final mse": runs["Adaline", "XOR"][0][1]["mse"][-1]}
    shown = Shown("Perceptron (P)",
                  "Rosenblatt's rule converges on linearly separable data (AND) and never on XOR; Adaline's "
                  "delta rule descends the squared error to its least-squares minimum, which separates AND "
                  "but cannot separate XOR.", measured,
                  [f"The perceptron reproduced AND after {converged['Perceptron', 'AND']} epochs of the online "
                   f"rule and stopped changing; on XOR it kept making mistakes for all {epochs} epochs "
                   f"(accuracy {accuracy['Perceptron', 'XOR']:.2f}, at best 0.75 for any line).",
                   f"Adaline's mean squared error on XOR settled at "
                   f"{runs['Adaline', 'XOR'][0][1]['mse'][-1]:.3f} (the least-squares line, w near 0), its "
                   f"accuracy {accuracy['Adaline', 'XOR']:.2f}; on separable points it reached "
                   f"{accuracy['Adaline', 'separable']:.2f}."],
                  {"boundaries": boundaries, "errors": errors})
    write_page(shown, out_dir, "perceptron")
    return shown
