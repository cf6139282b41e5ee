"""The radial basis function network (Broomhead & Lowe, 1988; Moody & Darken, 1989): a hidden layer of
Gaussian units, each answering to inputs near its centre, and a linear readout.  Training is in two
stages: the centres come unsupervised from the data (k-means clustering, or samples drawn at random),
their widths from a rule, and the readout is then a linear least-squares problem, solved in closed form
(or by gradient descent).  With enough centres it approximates any smooth function (a universal
approximator) and separates classes no line can.

>>> import numpy as np
>>> x = np.linspace(-3, 3, 200, dtype="float32")[:, None]
>>> net = RBFNetwork(units=12, seed=0)
>>> _ = net.fit(x, np.sin(x), verbose=0)
>>> float(np.abs(net.predict(x) - np.sin(x)).max()) < 0.05
True
"""
import os

import numpy as np

from ... import backend
from ...models.model import Model
from ...tensor import to_numpy
from .elm import ClosedFormReadout, _outputs_of

WIDTH_RULES = ("max_distance", "nearest")


def kmeans(x, k, iterations=100, tol=1e-6, seed=None):
    """Lloyd's k-means with k-means++ seeding: ``(centres (k, D), labels (N,), inertia)`` for points
    ``x`` (N, D); inertia is the sum of squared distances of the points to their centres.

    >>> x = np.array([[0, 0], [0, 1], [10, 10], [10, 11]], dtype="float32")
    >>> c, labels, inertia = kmeans(x, 2, seed=0)
    >>> sorted(c[:, 0].tolist()), float(inertia)
    ([0.0, 10.0], 1.0)
    """
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    n = len(x)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueError(f"kmeans: k must be a whole number from 1 to the number of points ({n}), got {k!r}; "
                         "ask for fewer centres or pass more data")
    rng = np.random.default_rng(seed) if seed is not None else backend.rng()
    # k-means++ (Arthur & Vassilvitskii, 2007): each new centre drawn with probability ~ D(x)^2
    centres = np.empty((k, x.shape[1]))
    centres[0] = x[rng.integers(n)]
    closest = _sq_distances(x, centres[:1])[:, 0]
    for j in range(1, k):
        total = closest.sum()
        i = rng.choice(n, p=closest / total) if total > 0 else rng.integers(n)
        centres[j] = x[i]
        closest = np.minimum(closest, _sq_distances(x, centres[j:j + 1])[:, 0])
    previous = np.inf
    for _ in range(int(iterations)):
        d = _sq_distances(x, centres)
        labels = d.argmin(1)
        inertia = float(d[np.arange(n), labels].sum())
        counts = np.bincount(labels, minlength=k)
        order = np.argsort(labels, kind="stable")
        present = counts > 0
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[present]
        centres[present] = np.add.reduceat(x[order], starts, axis=0) / counts[present, None]
        if not present.all():  # an empty cluster restarts at the points farthest from their centres
            far = np.argsort(-d[np.arange(n), labels])[:int((~present).sum())]
            centres[~present] = x[far]
        if np.isfinite(previous) and previous - inertia <= tol * previous:
            break
        previous = inertia
    d = _sq_distances(x, centres)
    labels = d.argmin(1)
    return centres, labels, float(d[np.arange(n), labels].sum())


def _sq_distances(x, c):
    """Squared Euclidean distances (N, K) between rows of x (N, D) and c (K, D)."""
    d = (x * x).sum(1)[:, None] - 2.0 * (x @ c.T) + (c * c).sum(1)[None, :]
    return np.maximum(d, 0.0)


def width_from_rule(centres, rule):
    """The Gaussian widths sigma (K,) of the centres (K, D) by ``rule``: ``"max_distance"`` gives every
    unit sigma = d_max / sqrt(2K) (Haykin), ``"nearest"`` each unit the distance to its nearest other
    centre."""
    centres = np.asarray(centres, dtype=np.float64)
    k = len(centres)
    if k == 1:
        return np.ones(1)
    d = np.sqrt(_sq_distances(centres, centres))
    if rule == "max_distance":
        sigma = np.full(k, d.max() / np.sqrt(2.0 * k))
    else:
        np.fill_diagonal(d, np.inf)
        sigma = d.min(1)
    return np.maximum(sigma, 1e-6 * max(d[np.isfinite(d)].max(), 1e-12))


class RBFNetwork(ClosedFormReadout):
    """Gaussian units ``phi_j(x) = exp(-|x - c_j|^2 / (2 sigma_j^2))`` (``units`` of them) and a linear
    readout: inputs (N, D) -> outputs (N, outputs).

    ``centres``: ``"kmeans"`` (k-means on the training inputs) or ``"random"`` (training inputs drawn
    at random); they are placed by the first ``fit``.  ``sigma``: one width for all units (in input
    units), or None to take the widths from ``width_rule`` (see ``width_from_rule``).  ``readout``:
    ``"lstsq"`` solves the readout in closed form during ``fit`` (no compile needed; see
    ``ClosedFormReadout`` for targets and ``ridge``), ``"gradient"`` trains it by the loss and
    optimizer given to ``compile`` (e.g. ``compile("adam", SparseCategoricalCrossentropy(from_logits=True))``).
    """

    def __init__(self, units=10, sigma=None, width_rule="max_distance", centres="kmeans", readout="lstsq",
                 ridge=1e-6, outputs=None, seed=None, name=None, **kwargs):
        super().__init__(outputs=outputs, ridge=ridge, name=name, **kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"RBFNetwork: units must be a positive whole number (Gaussian units), got {units!r}")
        if sigma is not None and not (np.isscalar(sigma) and sigma > 0):
            raise ValueError(f"RBFNetwork: sigma must be a positive number (the Gaussians' width) or None for "
                             f"width_rule, got {sigma!r}")
        for arg, value, allowed in (("width_rule", width_rule, WIDTH_RULES), ("centres", centres, ("kmeans", "random")),
                                    ("readout", readout, ("lstsq", "gradient"))):
            if value not in allowed:
                raise ValueError(f"RBFNetwork: {arg} must be one of {', '.join(map(repr, allowed))}, got {value!r}")
        self.units, self.sigma, self.width_rule = int(units), sigma, width_rule
        self.centre_rule, self.readout, self.seed = centres, readout, seed
        self.closed_form = readout == "lstsq"

    def build_features(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"{self.describe()}: inputs must be (N, features), got samples of shape "
                             f"{tuple(input_shape)[1:]}; "
                             "flatten them first, e.g. x.reshape(len(x), -1)")
        self.centres = self.add_weight("centres", (self.units, input_shape[1]), "zeros", trainable=False)
        self.widths = self.add_weight("widths", (self.units,), "ones", trainable=False)
        self.placed = self.add_weight("placed", (1,), "zeros", trainable=False)

    def num_features(self):
        return self.units

    def features(self, x):
        """Gaussian activations (N, units) for inputs (N, D)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.centres.shape[1]:
            raise ValueError(f"{self.describe()}: inputs must have shape (N, {self.centres.shape[1]}), got "
                             f"{x.shape}")
        d = _sq_distances(x, self.centres.data.astype(np.float64))
        return np.exp(-d / (2.0 * self.widths.data.astype(np.float64) ** 2))

    def place_centres(self, x):
        """Place the centres on the inputs ``x`` (N, D) by the centre rule and set their widths; ``fit``
        calls it the first time.  Returns the centres (units, D)."""
        x = np.asarray(to_numpy(x), dtype=np.float64)
        if x.ndim != 2 or len(x) < self.units:
            raise ValueError(f"{self.describe()}: placing {self.units} centres needs at least {self.units} inputs "
                             f"of shape (N, D), got shape {x.shape}; pass more data or ask for fewer units")
        if not np.isfinite(x).all():
            raise ValueError(f"{self.describe()}: the inputs hold NaN or Inf; clean them (np.isfinite) first")
        rng = self._rng()
        if self.centre_rule == "kmeans":
            centres = kmeans(x, self.units, seed=rng.integers(2 ** 31))[0]
        else:
            centres = x[rng.choice(len(x), self.units, replace=False)]
        self.centres.data[...] = centres
        self.widths.data[...] = self.sigma if self.sigma is not None else width_from_rule(centres, self.width_rule)
        self.placed.data[...] = 1
        return self.centres.data

    def fit(self, x=None, y=None, batch_size=None, epochs=None, verbose=1, **kwargs):
        """Place the centres on ``x`` (the first time), then train the readout: with ``readout="lstsq"``
        in one pass (``epochs`` defaults to 1, no compile needed), with ``"gradient"`` as the compiled
        loss and optimizer say (``epochs`` defaults to 1 as in Keras).  ``x`` must be an array (N, D)."""
        if not isinstance(x, np.ndarray) and not hasattr(x, "shape"):
            raise ValueError(f"{self.describe()}.fit: x must be an array (N, D) (k-means needs all the inputs), got "
                             f"{type(x).__name__}")
        x = np.asarray(to_numpy(x))
        if y is not None and self.outputs is None and not self.built:
            self.outputs = _outputs_of(self, y)
        if not self.built:
            if x.ndim != 2:
                raise ValueError(f"{self.describe()}: inputs must be (N, features), got shape {x.shape}; flatten them")
            self.build_from_shape(x.shape[1:], dtype=np.float32)
        if not self.placed.data[0]:
            self.place_centres(x)
        epochs = 1 if epochs is None else epochs
        if self.closed_form:
            return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, **kwargs)
        self._check_compiled("fit", "train_step")
        return Model.fit(self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, **kwargs)

    def train_step(self, data):
        if self.closed_form:
            return super().train_step(data)
        return Model.train_step(self, data)

    def test_step(self, data):
        if self.closed_form:
            return super().test_step(data)
        return Model.test_step(self, data)


# ----- show

def _two_moons(n, noise=0.1, seed=0):
    """Two interleaving half circles: points (n, 2) float32 and labels (n,) in {0, 1}."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    angle = rng.uniform(0, np.pi, n)
    x = np.stack([np.cos(angle) + label * 1.0, np.sin(angle) * (1 - 2 * label) + label * 0.5], 1)
    return (x + rng.normal(0, noise, x.shape)).astype(np.float32), label.astype(np.int64)


def show(out_dir, quick=False):
    """A 1-D function fit and a 2-D classification (two moons) with the k-means centres drawn."""
    from ...losses import SparseCategoricalCrossentropy
    from ...optimizers import Adam
    from ...utils.plots import pyplot, save_figure
    from ..showcase import Shown, write_page

    rng = np.random.default_rng(0)
    x1 = np.sort(rng.uniform(-3, 3, 80 if quick else 200)).astype(np.float32)[:, None]
    y1 = (np.sin(2 * x1) + 0.3 * x1 + rng.normal(0, 0.1, x1.shape)).astype(np.float32)
    grid1 = np.linspace(-3, 3, 400, dtype=np.float32)[:, None]
    fit1 = RBFNetwork(units=12, width_rule="nearest", ridge=1e-4, seed=0)
    fit1.fit(x1, y1, verbose=0)
    truth = np.sin(2 * grid1) + 0.3 * grid1
    rmse = float(np.sqrt(np.mean((fit1.predict(grid1) - truth) ** 2)))

    n = 300 if quick else 1000
    x, y = _two_moons(n, noise=0.15, seed=1)
    xt, yt = _two_moons(1000, noise=0.15, seed=2)
    net = RBFNetwork(units=20, seed=0)
    net.fit(x, y, verbose=0)
    acc = float((net.predict(xt).argmax(1) == yt).mean())
    grad_net = RBFNetwork(units=20, readout="gradient", seed=0)
    grad_net.compile(optimizer=Adam(learning_rate=0.05), loss=SparseCategoricalCrossentropy(from_logits=True))
    backend.manual_seed(0)
    grad_net.fit(x, y, epochs=20 if quick else 60, batch_size=32, verbose=0)
    grad_acc = float((grad_net.predict(xt).argmax(1) == yt).mean())
    # the same readout on the raw inputs: a linear classifier
    h = np.concatenate([x, np.ones((len(x), 1))], 1)
    w = np.linalg.lstsq(h, np.eye(2)[y], rcond=None)[0]
    linear_acc = float(((np.concatenate([xt, np.ones((len(xt), 1))], 1) @ w).argmax(1) == yt).mean())

    plt = pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    a.plot(x1[:, 0], y1[:, 0], ".", color="0.6", label="noisy samples")
    a.plot(grid1[:, 0], truth[:, 0], "k--", lw=1, label="true function")
    a.plot(grid1[:, 0], fit1.predict(grid1)[:, 0], "C3", lw=2, label="RBF network")
    phi = fit1.features(grid1) * fit1.readout_kernel.data[:, 0]
    a.plot(grid1[:, 0], phi + fit1.readout_bias.data[0], color="C0", lw=0.7, alpha=0.6)
    a.plot(fit1.centres.data[:, 0], np.full(12, y1.min() - 0.3), "k^", label="k-means centres")
    a.set_title(f"1-D fit: 12 Gaussian units, RMSE {rmse:.3f}")
    a.legend(loc="upper left", fontsize=8)
    g = np.stack(np.meshgrid(np.linspace(-1.6, 2.6, 200), np.linspace(-1.1, 1.6, 200)), -1).reshape(-1, 2)
    z = net.predict(g.astype(np.float32), batch_size=4096)
    b.contourf(g[:, 0].reshape(200, 200), g[:, 1].reshape(200, 200), (z[:, 1] - z[:, 0]).reshape(200, 200),
               levels=[-10, 0, 10], colors=["#c6dbef", "#fcbba1"], alpha=0.8)
    b.scatter(x[:, 0], x[:, 1], c=np.where(y == 1, "C3", "C0"), s=6)
    for c, s in zip(net.centres.data, net.widths.data):
        b.add_patch(plt.Circle(c, s, fill=False, color="k", lw=0.6, alpha=0.5))
    b.plot(net.centres.data[:, 0], net.centres.data[:, 1], "kx", ms=8, mew=2, label="centres (radius sigma)")
    b.set_xlim(-1.6, 2.6)
    b.set_ylim(-1.1, 1.6)
    b.set_aspect("equal")
    b.legend(loc="lower left", fontsize=8)
    b.set_title(f"Two moons: 20 units, test accuracy {acc:.3f} (linear {linear_acc:.3f})")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "rbf.png")
    save_figure(fig, path)
    shown = Shown(
        "Radial basis network (RBF)",
        "Gaussian units placed on the data by k-means, with a linear readout solved by least squares, "
        "approximate smooth functions and separate classes that no straight line can.",
        {"1-D fit RMSE to the true function": rmse, "two moons test accuracy (least squares)": acc,
         "two moons test accuracy (gradient readout)": grad_acc, "linear classifier test accuracy": linear_acc},
        [f"Left: 12 Gaussian units (k-means centres, each as wide as the distance to its nearest neighbour) "
         f"and a least-squares readout fit sin(2x) + 0.3x from {len(x1)} noisy samples; the thin curves are "
         "the weighted units that sum to the fit.", "",
         f"Right: 20 units (widths d_max / sqrt(2K)) on {n} two-moons points; the least-squares readout "
         f"reaches {acc:.3f} test accuracy "
         f"and a readout trained by Adam {grad_acc:.3f}, where a linear classifier of the raw inputs gets "
         f"{linear_acc:.3f}."],
        {"figure": path})
    write_page(shown, out_dir, "rbf")
    return shown


__all__ = ["RBFNetwork", "kmeans", "width_from_rule", "show"]

from ..registry import register  # noqa: E402

register("rbf_network", RBFNetwork, aliases=("rbf",))
