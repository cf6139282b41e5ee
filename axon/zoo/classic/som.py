"""Kohonen's self-organising map (1982): competitive learning on a grid.

Every unit of a two-dimensional grid holds a prototype vector.  For each input the unit whose
prototype is closest wins, and the winner and its grid neighbours move their prototypes towards
the input, by a learning rate and a neighbourhood width that shrink as training goes on; the map
ends up a topology-preserving, quantised picture of the data (neighbouring units, similar inputs).
Quality is the quantisation error (mean distance to the winner) and the topographic error (inputs
whose two best units are not neighbours); the U-matrix shows the cluster borders.

>>> import numpy as np
>>> x = np.random.default_rng(0).random((500, 3)).astype("float32")
>>> som = SelfOrganizingMap(grid=(6, 6), sigma=1.5, learning_rate=0.5, seed=0)
>>> _ = som.fit(x, epochs=2, verbose=0)
>>> bool(som.quantization_error(x) < 0.2), som.u_matrix().shape, som.winner(x[0])
(True, (6, 6), (0, 1))
"""
import math
import warnings

import numpy as np

from ... import backend
from ... import metrics as metrics_mod
from ...autograd import no_grad
from ...data.batches import ArrayBatches, unpack_x_y_sample_weight
from ...models import Model
from ...tensor import Tensor, to_numpy

MODES = ("online", "batch")
NEIGHBORHOODS = ("gaussian", "bubble", "mexican_hat", "triangle")
DECAYS = ("asymptotic", "linear", "inverse")
INITS = ("pca", "sample", "random")


def learning_rate_decay(kind, rate, t, steps):
    """The learning rate at step(s) ``t`` of ``steps``, as MiniSom's decay functions: ``"asymptotic"``
    rate / (1 + 2t / steps) (to a third), ``"linear"`` rate (1 - t / steps) (to zero), ``"inverse"``
    rate C / (C + t) with C = steps / 100 (towards zero).

    >>> learning_rate_decay("asymptotic", 0.5, np.array([0, 50, 100]), 100).tolist()
    [0.5, 0.25, 0.16666666666666666]
    """
    t = np.asarray(t, dtype=np.float64)
    if kind == "asymptotic":
        return rate / (1.0 + t / (steps / 2.0))
    if kind == "linear":
        return rate * (1.0 - t / steps)
    c = steps / 100.0
    return rate * c / (c + t)


def sigma_decay(kind, sigma, t, steps):
    """The neighbourhood width at step(s) ``t`` of ``steps``, as MiniSom's: ``"asymptotic"`` as for the
    learning rate (to a third), ``"linear"`` sigma + t (1 - sigma) / steps (to one), ``"inverse"``
    sigma / (1 + t (sigma - 1) / steps) (to one)."""
    t = np.asarray(t, dtype=np.float64)
    if kind == "asymptotic":
        return sigma / (1.0 + t / (steps / 2.0))
    if kind == "linear":
        return sigma + t * (1.0 - sigma) / steps
    return sigma / (1.0 + t * (sigma - 1.0) / steps)


class SelfOrganizingMap(Model):
    """A ``grid=(rows, cols)`` map of prototypes (the codebook, rows * cols by features) trained by
    Kohonen's rule, as MiniSom trains it.

    ``mode="online"``: one update per sample, in the order ``fit`` gives them (shuffled each epoch):
    ``w_j += eta(t) h_j(c, sigma(t)) (x - w_j)`` for every unit j, c the winner (nearest prototype,
    Euclidean), t counting samples: MiniSom's ``train_random`` with ``num_iteration = epochs * N``.
    ``mode="batch"``: Kohonen's batch map, one closed-form update per batch (the whole data set by
    default, so one per epoch) from the winners of all its samples: ``w_j <- (1 - eta) w_j + eta
    sum_i h_j(c_i) x_i / sum_i h_j(c_i)`` (eta = 1 is the pure batch map), t counting updates:
    MiniSom's ``train_batch_offline`` with ``num_iteration = epochs``.

    ``neighborhood``: ``"gaussian"`` exp(-(dr² + dc²) / 2 sigma²), ``"bubble"`` (|dr| < sigma and
    |dc| < sigma), ``"mexican_hat"``, ``"triangle"`` (sigma - |dr|)+ (sigma - |dc|)+, dr and dc the
    grid offsets from the winner.  ``decay`` (learning rate) and ``sigma_decay``: see
    ``learning_rate_decay`` and ``sigma_decay``; their horizon is the whole ``fit`` run (``epochs``
    times the updates per epoch) unless ``decay_steps`` fixes it.  ``init``: ``"pca"`` (a grid on
    the plane of the first two principal components, +-1 standard deviation), ``"sample"`` (random
    samples) or ``"random"`` (uniform in each feature's range), done on the first ``fit``.
    Only the ``"rectangular"`` topology is offered.  Inputs (N, ...) are flattened to (N, features).
    """

    def __init__(self, grid=(10, 10), sigma=1.0, learning_rate=0.5, neighborhood="gaussian", decay="asymptotic",
                 sigma_decay="asymptotic", mode="online", topology="rectangular", init="pca", decay_steps=None,
                 seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        grid = (grid, grid) if isinstance(grid, (int, np.integer)) and not isinstance(grid, bool) else grid
        if not (isinstance(grid, (tuple, list)) and len(grid) == 2 and all(
                isinstance(g, (int, np.integer)) and not isinstance(g, bool) and g >= 1 for g in grid)):
            raise ValueError(f"SelfOrganizingMap: grid must be (rows, cols), two whole numbers >= 1, got {grid!r}; "
                             "pass e.g. grid=(10, 10)")
        self.grid = (int(grid[0]), int(grid[1]))
        for argument, value in (("sigma", sigma), ("learning_rate", learning_rate)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not (
                    np.isfinite(value) and value > 0):
                raise ValueError(f"SelfOrganizingMap: {argument} must be a positive number, got {value!r}; pass e.g. "
                                 f"{argument}={'1.0' if argument == 'sigma' else '0.5'}")
        self.sigma, self.learning_rate = float(sigma), float(learning_rate)
        for argument, value, allowed in (("neighborhood", neighborhood, NEIGHBORHOODS), ("decay", decay, DECAYS),
                                         ("sigma_decay", sigma_decay, DECAYS), ("mode", mode, MODES),
                                         ("init", init, INITS)):
            if value not in allowed:
                raise ValueError(f"SelfOrganizingMap: {argument} must be one of {', '.join(map(repr, allowed))}, "
                                 f"got {value!r}")
        if topology != "rectangular":
            raise ValueError(f"SelfOrganizingMap: topology {topology!r} is not supported; only 'rectangular' "
                             "(each unit's 8 surrounding units are its neighbours) is offered")
        if decay_steps is not None and (isinstance(decay_steps, bool) or not isinstance(decay_steps, (int, np.integer))
                                        or decay_steps < 1):
            raise ValueError(f"SelfOrganizingMap: decay_steps must be a whole number >= 1 (updates over which eta "
                             f"and sigma decay), got {decay_steps!r}; or leave it None to decay over each fit run")
        self.neighborhood, self.decay, self.sigma_decay_kind = neighborhood, decay, sigma_decay
        self.mode, self.topology, self.init, self.decay_steps, self.seed = mode, topology, init, decay_steps, seed
        self.quantization_tracker = metrics_mod.Mean("quantization_error")
        rows, cols = self.grid
        self._row, self._col = (a.astype(np.float64) for a in np.divmod(np.arange(rows * cols), cols))
        # squared grid distances between all units, looked up by the online step; for maps over 1,024 units
        # (8 MB a table) they are computed per winner instead
        self._d2 = self._offsets(np.arange(self.units), squared=True) if self.units <= 1024 else None

    units = property(lambda self: self.grid[0] * self.grid[1], doc="The number of map units, rows * cols.")

    # ----- weights
    def build(self, input_shape):
        features = int(np.prod(input_shape[1:]))
        self.codebook = self.add_weight("codebook", (self.units, features), "zeros", trainable=False)
        self.iterations = self.add_weight("iterations", (1,), "zeros", dtype="int64", trainable=False)
        self.schedule_steps = self.add_weight("schedule_steps", (1,), "zeros", dtype="int64", trainable=False)
        self.initialized = self.add_weight("initialized", (1,), "zeros", dtype="int64", trainable=False)
        if self.decay_steps is not None:
            self.schedule_steps.data[0] = self.decay_steps

    def get_codebook(self):
        """The prototypes as (rows, cols, features)."""
        self._check_trained("get_codebook")
        return self.codebook.data.reshape(self.grid + (-1,)).copy()

    def initialize(self, x):
        """Set the prototypes from the data ``x`` (N, ...) as ``init`` says."""
        x = self._flat(x, "initialize")
        self._build_for(x)
        self._check_enough(x, "initialize")
        rng = np.random.default_rng(self.seed) if self.seed is not None else backend.rng()
        x64 = x.astype(np.float64)
        if self.init == "sample":
            w = x64[rng.choice(len(x), self.units, replace=False)]
        elif self.init == "random":
            w = rng.uniform(x64.min(0), x64.max(0), (self.units, x.shape[1]))
        else:
            sub = x64[rng.choice(len(x), min(len(x), 2000), replace=False)]
            mean = x64.mean(0)
            values, vectors = np.linalg.eigh(np.atleast_2d(np.cov(sub - mean, rowvar=False)))
            order = np.argsort(values)[::-1][:2]
            pcs = vectors[:, order] * np.sqrt(np.maximum(values[order], 0))  # one standard deviation each
            pcs = np.pad(pcs, ((0, 0), (0, 2 - pcs.shape[1])))  # one feature: no second component
            a, b = (2 * k / max(n - 1, 1) - (n > 1) for k, n in ((self._row, self.grid[0]), (self._col, self.grid[1])))
            a, b = (b, a) if self.grid[0] == 1 else (a, b)  # a single row lies along PC1
            w = mean + a[:, None] * pcs[:, 0] + b[:, None] * pcs[:, 1]  # rows span -1..1 along PC1, columns PC2
        self.codebook.data[...] = w
        self.initialized.data[0] = 1
        return self

    # ----- the neighbourhood and the schedules
    def _offsets(self, winners, squared=False):
        """Grid offsets |dr|, |dc| (len(winners), units) of every unit from each winner, or with
        ``squared`` the squared grid distance dr² + dc²."""
        winners = np.asarray(winners)
        dr = np.abs(self._row[None, :] - self._row[winners][:, None])
        dc = np.abs(self._col[None, :] - self._col[winners][:, None])
        return dr * dr + dc * dc if squared else (dr, dc)

    def neighbourhood(self, winners, sigma):
        """h (len(winners), units): each unit's neighbourhood weight around each winner's unit, for the
        widths ``sigma`` (one per winner, or one for all)."""
        sigma = np.asarray(sigma, dtype=np.float64).reshape(-1, 1)
        kind = self.neighborhood
        if kind in ("gaussian", "mexican_hat"):
            p, d = self._offsets(winners, squared=True), 2.0 * sigma * sigma
            return np.exp(-p / d) if kind == "gaussian" else np.exp(-p / d) * (1.0 - 2.0 / d * p)
        dr, dc = self._offsets(winners)
        if kind == "bubble":
            return ((dr < sigma) & (dc < sigma)).astype(np.float64)
        return np.maximum(sigma - dr, 0.0) * np.maximum(sigma - dc, 0.0)

    def rates(self, t):
        """(learning rate, sigma) at update(s) ``t`` of the schedule; past its end (training on after
        the run it was set for) they stay at their final values."""
        steps = int(self.schedule_steps.data[0])
        t = np.minimum(t, steps)
        return (learning_rate_decay(self.decay, self.learning_rate, t, steps),
                sigma_decay(self.sigma_decay_kind, self.sigma, t, steps))

    # ----- training
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, shuffle=True, initial_epoch=0, **kwargs):
        """Train on ``x`` (N, features) or (N, ...) for ``epochs`` passes, no ``compile`` needed; the first
        fit initialises the prototypes from ``x``, eta and sigma decay over the whole run unless
        ``decay_steps`` was given.  ``batch_size``: 128 online (it only groups the updates), N in batch
        mode (one update an epoch).  Returns the ``History`` (``quantization_error``: the samples'
        mean distance to their winners as they were met; ``sigma``, ``learning_rate``)."""
        if y is not None:
            raise ValueError(f"{self.describe()}.fit: a self-organising map learns without targets, got y; call "
                             "fit(x) (labels can be shown on the map afterwards, see plot_u_matrix(labels=...))")
        if isinstance(x, (np.ndarray, list, Tensor)) or hasattr(x, "__array__"):
            x = self._flat(x, "fit")
            self._build_for(x)
            self._check_enough(x, "fit")
            if batch_size is None:
                batch_size = 128 if self.mode == "online" else len(x)
            if not self.initialized.data[0]:
                self.initialize(x)
            if self.decay_steps is None:
                per_epoch = len(x) if self.mode == "online" else math.ceil(len(x) / batch_size)
                self.schedule_steps.data[0] = max(1, epochs * per_epoch)
                self.iterations.data[0] = initial_epoch * per_epoch
            if shuffle and self.seed is not None:  # the map's own generator orders the samples: reproducible
                x, shuffle = ArrayBatches(x, batch_size=batch_size, shuffle=True, seed=[self.seed, 1]), False
        elif self.decay_steps is None:
            raise ValueError(f"{self.describe()}.fit: with a generator or dataset the length of the decay schedule "
                             "is unknown; pass decay_steps= to the constructor (samples in online mode, updates in "
                             "batch mode) or fit on an array")
        if not self.compiled:
            self.compile()
        return super().fit(x, batch_size=batch_size, epochs=epochs, verbose=verbose, shuffle=shuffle,
                           initial_epoch=initial_epoch, **kwargs)

    def train_step(self, data):
        """Kohonen updates for one batch (one per sample online, one batch-map update in batch mode);
        returns the logs."""
        x, _, _ = unpack_x_y_sample_weight(data)
        with no_grad():
            x = self._flat(x, "train_step")
            self._build_for(x)
            if not self.initialized.data[0]:
                self._check_enough(x, "train_step")
                self.initialize(x)
            if self.schedule_steps.data[0] < 1:
                raise ValueError(f"{self.describe()}.train_step: the decay schedule has no length; call fit(x, "
                                 "epochs=...) or pass decay_steps= to the constructor")
            x = x.astype(self.codebook.dtype, copy=False)
            t = int(self.iterations.data[0])
            if self.mode == "online":
                errors, (eta, sigma) = self._online(x, t), self.rates(t + len(x) - 1)
                self.iterations.data[0] = t + len(x)
            else:
                errors, (eta, sigma) = self._batch(x, t), self.rates(t)
                self.iterations.data[0] = t + 1
            self.quantization_tracker.update_state(float(errors.mean()), sample_weight=len(x))
        return {"quantization_error": self.quantization_tracker.result(), "sigma": float(sigma),
                "learning_rate": float(eta)}

    def test_step(self, data):
        """The quantisation error of a batch (``evaluate(x)``, validation during ``fit``)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        x = self._prepared(x, "evaluate")
        best = self._squared_distances(x).argmin(1)
        errors = np.linalg.norm(x.astype(np.float64) - self.codebook.data[best], axis=1)
        self.quantization_tracker.update_state(float(errors.mean()), sample_weight=len(x))
        return {"quantization_error": self.quantization_tracker.result()}

    def _online(self, x, t):
        """Sequential per-sample updates (the algorithm is sequential); each is whole-array over units.
        Returns each sample's distance to its winner before its update."""
        w = self.codebook.data
        etas, sigmas = self.rates(t + np.arange(len(x)))
        gaussian = self.neighborhood == "gaussian"
        coef = -0.5 / (sigmas * sigmas)  # the Gaussian's exponent per squared grid distance, per sample
        w_sq = np.einsum("ij,ij->i", w, w, dtype=np.float64)
        x_sq = np.einsum("ij,ij->i", x, x, dtype=np.float64)
        errors = np.empty(len(x))
        buf = np.empty_like(w)
        d2 = self._d2
        negligible = np.sqrt(np.finfo(w.dtype).tiny)  # 1e-19 in float32: g * (x - w) stays a normal number
        for i in range(len(x)):  # one Kohonen step per sample, in order
            xi = x[i]
            dots = w @ xi
            dist = w_sq - 2.0 * dots
            c = int(dist.argmin())
            errors[i] = dist[c] + x_sq[i]
            if gaussian:
                g = np.exp((d2[c] if d2 is not None else self._offsets([c], squared=True)[0]) * coef[i]) * etas[i]
            else:
                g = self.neighbourhood([c], sigmas[i])[0] * etas[i]
            # a weight too small to move a prototype by anything but subnormal numbers, whose arithmetic
            # is tens of times slower, is zero (the Gaussian's far tail late in training)
            g[np.abs(g) < negligible] = 0.0
            np.subtract(xi, w, out=buf)
            buf *= g.astype(w.dtype)[:, None]
            w += buf
            # |w + g (x - w)|² from the dot products already at hand, instead of another pass over w
            w_sq = (1.0 - g) ** 2 * w_sq + 2.0 * g * (1.0 - g) * dots + g * g * x_sq[i]
        return np.sqrt(np.maximum(errors, 0.0))

    def _batch(self, x, t):
        """One batch-map update from the winners of all of ``x``; returns their distances."""
        w = self.codebook.data
        eta, sigma = self.rates(t)
        dist = self._squared_distances(x)
        winners = dist.argmin(1)
        h = self.neighbourhood(winners, sigma)
        numerator = h.T @ x.astype(np.float64)  # sums over the whole batch: in float64 whatever w's type
        denominator = h.sum(0)
        hit = denominator > 0
        w[hit] = (1.0 - eta) * w[hit] + eta * (numerator[hit] / denominator[hit, None])
        return np.sqrt(np.maximum(dist[np.arange(len(x)), winners], 0.0))

    # ----- using the map
    def _squared_distances(self, x):
        w = self.codebook.data
        x_sq = np.einsum("ij,ij->i", x, x)[:, None]
        return np.maximum(x_sq - 2.0 * (x @ w.T) + np.einsum("ij,ij->i", w, w)[None, :], 0.0)

    def call(self, x):
        return Tensor(np.sqrt(self._squared_distances(self._flat(x, "call").astype(self.codebook.dtype))))

    def transform(self, x):
        """Euclidean distances (N, units) of the samples to every prototype."""
        return np.sqrt(self._squared_distances(self._prepared(x, "transform")))

    def predict(self, x, batch_size=None, verbose=0, **kwargs):
        """The index (row * cols + col) of each sample's best-matching unit, (N,) int, as KMeans.predict."""
        return self._squared_distances(self._prepared(x, "predict")).argmin(1)

    def winner(self, x):
        """Grid coordinates of the best-matching unit: a (row, col) tuple for one sample (features,),
        an (N, 2) int array for samples (N, features)."""
        x = np.asarray(to_numpy(x))
        one = x.ndim == 1
        flat = self.predict(x[None] if one else x)
        coords = np.stack(np.divmod(flat, self.grid[1]), axis=1)
        return tuple(int(v) for v in coords[0]) if one else coords

    def quantization_error(self, x):
        """Mean Euclidean distance of the samples to their best-matching prototypes."""
        x = self._prepared(x, "quantization_error")
        best = self._squared_distances(x).argmin(1)
        return float(np.linalg.norm(x.astype(np.float64) - self.codebook.data[best], axis=1).mean())

    def topographic_error(self, x):
        """The fraction of samples whose best and second-best units are not grid neighbours (the 8
        surrounding units count, as MiniSom's rectangular topographic error)."""
        x = self._prepared(x, "topographic_error")
        if self.units == 1:
            warnings.warn("SelfOrganizingMap.topographic_error: not defined for a 1x1 map", stacklevel=2)
            return float("nan")
        dist = self._squared_distances(x)
        a, b = np.argpartition(dist, 1, axis=1)[:, :2].T
        return float(np.mean((np.abs(self._row[a] - self._row[b]) > 1) | (np.abs(self._col[a] - self._col[b]) > 1)))

    def hit_map(self, x):
        """How many samples each unit wins, (rows, cols)."""
        return np.bincount(self.predict(x), minlength=self.units).reshape(self.grid)

    def u_matrix(self, scaling="sum"):
        """The U-matrix (MiniSom's ``distance_map``): each unit's summed (``"sum"``) or mean (``"mean"``)
        distance to the prototypes of its (up to 8) grid neighbours, divided by the largest; (rows, cols).
        High values are borders between clusters."""
        if scaling not in ("sum", "mean"):
            raise ValueError(f"SelfOrganizingMap.u_matrix: scaling must be 'sum' or 'mean', got {scaling!r}")
        self._check_trained("u_matrix")
        rows, cols = self.grid
        w = self.codebook.data.reshape(rows, cols, -1).astype(np.float64)
        padded = np.full((rows + 2, cols + 2, w.shape[2]), np.nan)
        padded[1:-1, 1:-1] = w
        offsets = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
        d = np.stack([np.linalg.norm(padded[1 + i:rows + 1 + i, 1 + j:cols + 1 + j] - w, axis=2) for i, j in offsets])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a 1x1 map has no neighbours
            um = np.nanmean(d, axis=0) if scaling == "mean" else np.nansum(d, axis=0)
        top = np.nanmax(um) if np.isfinite(um).any() else 0.0
        return um / top if top > 0 else um

    # ----- checks
    def _flat(self, x, where):
        if x is None:
            raise ValueError(f"{self.describe()}.{where}: x is missing; pass samples (N, features)")
        a = np.asarray(to_numpy(x))
        if a.dtype.kind not in "fiub" or a.ndim < 2:
            raise ValueError(f"{self.describe()}.{where}: x must be numbers shaped (N, features) or (N, ...), got "
                             f"shape {a.shape} and dtype {a.dtype}; for one sample use x[None]")
        a = a.reshape(len(a), -1)
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ValueError(f"{self.describe()}.{where}: x holds NaN or Inf; clean the data first")
        return a

    def _build_for(self, x):
        if not self.built:
            self._build_shapes = [((1,) + x.shape[1:], str(self.dtype().dtype))]
            self.build(x.shape)
            self.built = True
        if x.shape[1] != self.codebook.shape[1]:
            raise ValueError(f"{self.describe()}: the prototypes have {self.codebook.shape[1]} features but x has "
                             f"{x.shape[1]} (shape {x.shape}); pass samples of the data the map was trained on")

    def _check_enough(self, x, where):
        n = len(x)
        if n < self.units:
            side = max(1, int(math.sqrt(min(n, 5 * math.sqrt(n)))))
            raise ValueError(f"{self.describe()}.{where}: the {self.grid[0]}x{self.grid[1]} grid has {self.units} "
                             f"map units but the data hold only {n} samples; a map needs at least as many samples as "
                             f"units (a rule of thumb is 5 * sqrt(N) units): pass more data or a smaller grid, e.g. "
                             f"grid=({side}, {side})")

    def _check_trained(self, where):
        if not self.built or not self.initialized.data[0]:
            raise RuntimeError(f"{self.describe()}.{where}: the map has no prototypes yet; call fit(x) first")

    def _prepared(self, x, where):
        x = self._flat(x, where)
        self._check_trained(where)
        self._build_for(x)
        return x.astype(self.codebook.dtype, copy=False)


def plot_u_matrix(som, path, x=None, labels=None, class_names=None, title=None):
    """The U-matrix (mean distance to the neighbours) as a heat map (dark: prototypes close to their
    neighbours; light: cluster borders); with ``x``, each unit's hit count as a dot's size, and with ``labels`` the most
    frequent class of the samples it wins.  Writes a PNG and returns its path."""
    from ...utils.plots import pyplot, save_figure
    plt = pyplot()
    from matplotlib import patheffects
    um = som.u_matrix(scaling="mean")  # mean: edge units, with fewer neighbours, are not lighter for it
    rows, cols = som.grid
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * cols, 0.6 + 0.55 * rows))
    im = ax.imshow(um, cmap="bone", origin="upper")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="distance to neighbours (scaled)")
    if x is not None:
        hits = som.hit_map(x)
        rr, cc = np.nonzero(hits)
        ax.scatter(cc, rr, s=200 * hits[rr, cc] / hits.max(), color="tab:orange", alpha=0.6, label="hits")
        if labels is not None:
            labels = np.asarray(labels)
            flat = som.predict(x)
            k = int(labels.max()) + 1
            table = np.bincount(flat * k + labels, minlength=som.units * k).reshape(som.units, k)
            for u in np.nonzero(table.sum(1))[0]:
                k = int(table[u].argmax())
                text = class_names[k] if class_names is not None else str(k)
                ax.text(u % cols, u // cols, text, ha="center", va="center", fontsize=6, color="white",
                        path_effects=[patheffects.withStroke(linewidth=1.5, foreground="black")])
    ax.set(xticks=range(cols), yticks=range(rows), title=title or "U-matrix")
    return save_figure(fig, path)


def plot_prototypes(som, path, image_shape, title=None):
    """Every unit's prototype drawn as an image of ``image_shape``, in its place on the grid."""
    from ...utils.plots import pyplot, save_figure
    plt = pyplot()
    rows, cols = som.grid
    w = som.get_codebook().reshape(rows, cols, *image_shape)
    mosaic = np.concatenate([np.concatenate(list(w[r]), axis=1) for r in range(rows)], axis=0)
    fig, ax = plt.subplots(figsize=(0.7 * cols + 0.4, 0.7 * rows + 0.5))
    ax.imshow(mosaic, cmap="gray_r")
    ax.set(xticks=[], yticks=[], title=title or "Prototypes")
    return save_figure(fig, path)


def show(out_dir, quick=False):
    """A 10x10 map of 10,000 Fashion-MNIST images (quick: 6x6 on 1,000): U-matrix, prototypes, QE, TE."""
    import os
    from ...data.datasets import fashion_mnist
    from ..showcase import Shown, write_page
    (images, labels), _ = fashion_mnist.load_data(download=False)
    n, grid, epochs = (1000, (6, 6), 2) if quick else (10000, (10, 10), 5)
    x = images[:n].reshape(n, -1).astype(np.float32) / 255.0
    som = SelfOrganizingMap(grid=grid, sigma=1.5, learning_rate=0.5, mode="online", seed=0)
    history = som.fit(x, epochs=epochs, verbose=0)
    qe, te = som.quantization_error(x), som.topographic_error(x)
    names = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"]
    u_path = plot_u_matrix(som, os.path.join(out_dir, "som_u_matrix.png"), x, labels[:n], names,
                           title=f"U-matrix, hits and majority class ({grid[0]}x{grid[1]})")
    p_path = plot_prototypes(som, os.path.join(out_dir, "som_prototypes.png"), (28, 28),
                             title="Prototypes: neighbouring units hold similar garments")
    start = history.history["quantization_error"][0]
    shown = Shown("Kohonen network (KN)",
                  "A self-organising map learns without labels: competitive learning with a shrinking "
                  "neighbourhood spreads prototypes over the data so that neighbouring units respond to similar "
                  "inputs, a topology-preserving two-dimensional map.",
                  {"quantization error": qe, "topographic error": te, "units": som.units, "samples": n,
                   "epochs": epochs},
                  [f"A {grid[0]}x{grid[1]} map trained online (sigma 1.5 -> 0.5, learning rate 0.5 -> 0.17, "
                   f"asymptotic decay) for {epochs} epochs on {n} Fashion-MNIST images scaled to [0, 1].",
                   f"Quantisation error (mean distance to the winning prototype) {qe:.3f} (first epoch's running "
                   f"mean {start:.3f}); topographic error {te:.3f}: the share of images whose two best units are not "
                   "neighbours.", "The prototypes change gradually across the grid, and each garment group (trousers, "
                   "tops, bags, footwear) holds a region of its own; in the U-matrix, light cells are large steps "
                   "between neighbouring prototypes (borders, and the varied bags), dark cells smooth regions."],
                  {"u_matrix": u_path, "prototypes": p_path})
    write_page(shown, out_dir, "som")
    return shown


from ..registry import register  # noqa: E402

register("som", SelfOrganizingMap, aliases=("kohonen", "self_organizing_map"))
