"""The echo state network (Jaeger, 2001): reservoir computing.

A large, fixed, random recurrent network (the reservoir), scaled so that its spectral radius is
below about one, turns an input sequence into a rich echo of its recent past; only a linear
readout of the reservoir's states is trained, in closed form by ridge regression.  Fed its own
predictions, the trained network runs freely and generates the sequence on (chaotic Mackey-Glass
included, for a while).

>>> import numpy as np
>>> from axon.data.mackey_glass import mackey_glass, to_forecasting
>>> x, y = to_forecasting(mackey_glass(700))
>>> esn = EchoStateNetwork(units=100, spectral_radius=0.9, leak_rate=0.3, ridge=1e-8, washout=50, seed=0)
>>> _ = esn.fit(x[:500], y[:500], verbose=0)
>>> bool(nrmse(y[500:], esn.predict(x[:699])[500:]) < 0.01)
True
>>> esn.generate(3, warmup=x[:600]).shape
(3, 1)
"""
import numpy as np

from ... import backend
from ...autograd import no_grad
from ...callbacks import Callback
from ...data.batches import unpack_x_y_sample_weight
from ...models import Model
from ...tensor import Tensor, to_numpy

_NORMS = ("minmax", "var", "mean", "q1q3")


def nrmse(y_true, y_pred, norm="minmax"):
    """Root mean squared error over all values, divided as reservoirpy's ``observables.nrmse`` divides
    it: by the range of ``y_true`` (``"minmax"``, the default there and here), its variance
    (``"var"``: the variance, not the standard deviation, as reservoirpy does), its mean (``"mean"``)
    or its interquartile range (``"q1q3"``).

    >>> nrmse(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 3.0]))
    0.28867513459481287
    """
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.shape != p.shape:
        raise ValueError(f"nrmse: y_true has shape {t.shape} but y_pred {p.shape}; pass arrays of one shape")
    if norm not in _NORMS:
        raise ValueError(f"nrmse: norm must be one of {', '.join(_NORMS)}, got {norm!r}")
    scale = {"minmax": lambda: np.ptp(t), "var": t.var, "mean": t.mean,
             "q1q3": lambda: np.quantile(t, 0.75) - np.quantile(t, 0.25)}[norm]()
    return float(np.sqrt(np.mean((t - p) ** 2)) / scale)


def spectral_radius(w):
    """The largest eigenvalue modulus of the square matrix ``w``: ARPACK's (``scipy.sparse.linalg.eigs``
    on the sparse matrix, as reservoirpy computes it) when SciPy is installed, else from all the
    eigenvalues (``numpy.linalg.eigvals``, slower for large reservoirs); the two agree to rounding.

    >>> round(spectral_radius(np.array([[0.0, 2.0], [-2.0, 0.0]])), 6)
    2.0
    """
    w = np.asarray(w, dtype=np.float64)
    if not w.any():
        return 0.0
    if len(w) > 10:
        try:
            from scipy import sparse
            from scipy.sparse.linalg import ArpackNoConvergence, eigs
        except ImportError:
            pass
        else:
            try:
                values = eigs(sparse.csr_array(w), k=1, which="LM", return_eigenvectors=False,
                              v0=np.ones(len(w)), maxiter=20 * len(w))
                return float(np.max(np.abs(values)))
            except ArpackNoConvergence:
                pass
    return float(np.max(np.abs(np.linalg.eigvals(w))))


class _FreshNormalEquations(Callback):
    """Empties the normal equations at each epoch's start, so that the readout fitted in the last
    epoch is the ridge solution on one pass over the data, however many epochs ``fit`` runs."""

    def on_epoch_begin(self, epoch, logs=None):
        self.model.reset_readout()


class EchoStateNetwork(Model):
    """A leaky-tanh reservoir of ``units`` neurons and a linear readout fitted by ridge regression.

    State update (as reservoirpy's ``Reservoir``), for input ``u_t`` (features,) and state ``s``:
    ``s <- (1 - leak_rate) s + leak_rate tanh(u_t W_in + s W + b)``; output ``y_t = s W_out + b_out``.
    ``W`` (units, units) has a fraction ``connectivity`` of N(0, 1) entries, rescaled so its largest
    eigenvalue modulus (``spectral_radius(W)``) is ``spectral_radius``; ``W_in`` (features,
    units) has a fraction ``input_connectivity`` of entries ±``input_scaling``; ``b`` is uniform in
    ±``bias_scaling`` (0 by default, as reservoirpy).  States start at zero for every sequence.

    Data are sequences: ``x`` (batch, time, features) or one sequence (time, features); targets ``y``
    the same with ``outputs`` features (default: as many as the input, for forecasting).  ``fit(x, y)``
    is the Keras path: each ``train_step`` runs the reservoir over its batch of sequences, adds the
    states after the first ``washout`` steps to the normal equations (the centred ``HcᵀHc``, ``HcᵀYc``
    and the means, float64 weights) and solves ``(HcᵀHc + ridge I) W_out = HcᵀYc``, as reservoirpy's
    ``Ridge`` does (the bias is not penalised; ``ridge`` is added to the summed, not averaged, Gram
    matrix).  Each epoch starts the sums afresh; ``train_on_batch`` keeps adding.  (A closed form
    in ``train_step`` rather than a ``fit`` of its own: callbacks, History, validation, ``evaluate``
    and saving work as for any model, and data too long for one batch can come batch by batch.)
    ``predict`` gives the one-step outputs, ``generate`` runs freely on its own outputs.
    """

    def __init__(self, units=500, spectral_radius=0.9, leak_rate=0.3, input_scaling=1.0, ridge=1e-8,
                 connectivity=0.1, input_connectivity=0.1, bias_scaling=0.0, washout=0, outputs=None, seed=None,
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.units = _whole(units, "units", 1, "units=500")
        self.spectral_radius = _number(spectral_radius, "spectral_radius", 0, None, "spectral_radius=0.9", open_low=True)
        self.leak_rate = _number(leak_rate, "leak_rate", 0, 1, "leak_rate=0.3 (1 is no leak)", open_low=True)
        self.input_scaling = _number(input_scaling, "input_scaling", 0, None, "input_scaling=1.0", open_low=True)
        self.ridge = _number(ridge, "ridge", 0, None, "ridge=1e-8, or 0 for plain least squares")
        self.connectivity = _number(connectivity, "connectivity", 0, 1, "connectivity=0.1", open_low=True)
        self.input_connectivity = _number(input_connectivity, "input_connectivity", 0, 1, "input_connectivity=0.1",
                                          open_low=True)
        self.bias_scaling = _number(bias_scaling, "bias_scaling", 0, None, "bias_scaling=0.0")
        self.washout = _whole(washout, "washout", 0, "washout=100 (time steps left out of the fit)")
        self.outputs = None if outputs is None else _whole(outputs, "outputs", 1, "outputs=1")
        self.seed = seed

    def get_config(self):
        config = super().get_config()
        config["outputs"] = self.outputs  # taken from the input when not given
        return config

    # ----- weights
    def build(self, input_shape):
        features = int(input_shape[-1])
        if self.outputs is None:
            self.outputs = features
        n, k = self.units, self.outputs
        rng = np.random.default_rng(self.seed) if self.seed is not None else backend.rng()
        w = rng.standard_normal((n, n)) * (rng.random((n, n)) < self.connectivity)
        radius = spectral_radius(w)
        if radius < 1e-12:
            raise ValueError(f"{self.describe()}: the random reservoir of {n} units at connectivity "
                             f"{self.connectivity} has no non-zero eigenvalue, so it cannot be scaled to "
                             f"spectral_radius={self.spectral_radius}; raise connectivity (e.g. 10 / units) or units")
        w *= self.spectral_radius / radius
        w_in = rng.choice([-1.0, 1.0], size=(features, n)) * (rng.random((features, n)) < self.input_connectivity)
        bias = rng.uniform(-self.bias_scaling, self.bias_scaling, n) if self.bias_scaling else np.zeros(n)
        # the reservoir's weights are kept transposed: states are rows, so a step is s @ kernel
        self.reservoir_kernel = self.add_weight("reservoir_kernel", (n, n), "zeros", trainable=False)
        self.input_kernel = self.add_weight("input_kernel", (features, n), "zeros", trainable=False)
        self.reservoir_bias = self.add_weight("reservoir_bias", (n,), "zeros", trainable=False)
        self.reservoir_kernel.data[...] = w.T
        self.input_kernel.data[...] = w_in * self.input_scaling
        self.reservoir_bias.data[...] = bias
        self.readout_kernel = self.add_weight("readout_kernel", (n, k), "zeros", trainable=False)
        self.readout_bias = self.add_weight("readout_bias", (k,), "zeros", trainable=False)
        self.gram = self.add_weight("gram", (n + 1, n + 1), "zeros", dtype="float64", trainable=False)
        self.cross = self.add_weight("cross", (n + 1, k), "zeros", dtype="float64", trainable=False)

    def reservoir_matrix(self):
        """The recurrent matrix ``W`` (units, units), column j feeding unit i as in ``W @ s``."""
        return self.reservoir_kernel.data.T

    # ----- running the reservoir
    def states(self, x, initial_state=None):
        """Reservoir states (batch, time, units) for inputs ``x`` (batch, time, features), from zero
        states (or ``initial_state`` (batch, units)); also returns the last state (batch, units)."""
        x = self._sequences(x, "states")
        self._build_for(x)
        self._check_features(x, "states")
        return self._run(x, self._initial(initial_state, x, "states"))

    def _run(self, x, initial_state=None):
        b, steps, _ = x.shape
        dtype = self.reservoir_kernel.dtype
        drive = x.astype(dtype, copy=False) @ self.input_kernel.data  # every step's input at once
        drive += self.reservoir_bias.data
        s = np.zeros((b, self.units), dtype) if initial_state is None else np.array(initial_state, dtype=dtype)
        out = np.empty((b, steps, self.units), dtype)
        buf = np.empty((b, self.units), dtype)
        kernel, a = self.reservoir_kernel.data, dtype.type(self.leak_rate)
        keep = dtype.type(1.0 - self.leak_rate)
        for t in range(steps):  # a recurrence in time; each step is whole-array over batch and units
            np.matmul(s, kernel, out=buf)
            buf += drive[:, t]
            new = out[:, t]  # the step's state is written where it is kept
            if keep:
                np.tanh(buf, out=buf)
                buf *= a
                np.multiply(s, keep, out=new)
                new += buf
            else:  # no leak
                np.tanh(buf, out=new)
            s = new
        return out, s.copy()

    def _readout(self, states):
        return states @ self.readout_kernel.data + self.readout_bias.data

    def call(self, x):
        s, _ = self._run(np.asarray(to_numpy(x)))
        return Tensor(self._readout(s))

    # ----- fitting
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None, **kwargs):
        """Fit the readout on sequences ``x`` (batch, time, features) or one sequence (time, features)
        and targets ``y`` of the same layout; no ``compile`` needed, one epoch suffices (more give the
        same readout).  Returns the ``History``."""
        if y is None:
            raise ValueError(f"{self.describe()}.fit needs targets: fit(x, y), y the value to predict at each step "
                             "(for forecasting, axon.data.mackey_glass.to_forecasting(series) makes the pair)")
        x, y = self._sequences(x, "fit"), self._sequences(y, "fit", "y")
        if x.shape[:2] != y.shape[:2]:
            raise ValueError(f"{self.describe()}.fit: x holds {x.shape[0]} sequences of {x.shape[1]} steps but y "
                             f"{y.shape[0]} of {y.shape[1]}; give one target per input step (for forecasting, "
                             "axon.data.mackey_glass.to_forecasting(series) makes the pair)")
        if self.outputs is None and not self.built:
            self.outputs = y.shape[2]
        if not self.compiled:
            self.compile()
        if isinstance(kwargs.get("validation_data"), (tuple, list)):
            kwargs["validation_data"] = tuple(self._sequences(v, "fit", "validation_data")
                                              for v in kwargs["validation_data"])
        cbs = [_FreshNormalEquations()] + (list(callbacks) if isinstance(callbacks, (list, tuple))
                                           else [callbacks] if callbacks is not None else [])
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=cbs, **kwargs)

    def train_step(self, data):
        """Add a batch of sequences to the normal equations, solve them, log its mean squared error."""
        x, y, _ = unpack_x_y_sample_weight(data)
        if y is None:
            raise ValueError(f"{self.describe()}.fit needs targets: fit(x, y), y the value to predict at each step")
        with no_grad():
            x, y = self._sequences(x, "fit"), self._sequences(y, "fit", "y")
            self._build_for(x)
            self._check_features(x, "fit")
            if y.shape[2] != self.outputs:
                raise ValueError(f"{self.describe()}.fit: y has {y.shape[2]} features per step but the readout has "
                                 f"outputs={self.outputs}; pass y of shape (batch, time, {self.outputs}) or build a "
                                 f"new model with outputs={y.shape[2]}")
            if x.shape[1] <= self.washout:
                raise ValueError(f"{self.describe()}.fit: the sequences have {x.shape[1]} steps, no more than "
                                 f"washout={self.washout}, so no state is left to fit; pass longer sequences or "
                                 "a smaller washout")
            s, _ = self._run(x)
            h = s[:, self.washout:].reshape(-1, self.units).astype(np.float64)
            t = y[:, self.washout:].reshape(-1, self.outputs).astype(np.float64)
            self._accumulate(h, t)
            self.solve()
            mse = float(np.mean((h @ self.readout_kernel.data.astype(np.float64) + self.readout_bias.data - t) ** 2))
            self._loss_tracker.update_state(mse, sample_weight=len(h))
        return {"loss": self._loss_tracker.result()}

    def test_step(self, data):
        """The mean squared error of the one-step outputs after the washout (``evaluate(x, y)``)."""
        x, y, _ = unpack_x_y_sample_weight(data)
        if y is None:
            raise ValueError(f"{self.describe()}.evaluate needs targets: evaluate(x, y)")
        x, y = self._sequences(x, "evaluate"), self._sequences(y, "evaluate", "y")
        self._check_fitted("evaluate")
        self._check_features(x, "evaluate")
        start = self.washout if x.shape[1] > self.washout else 0
        out = self._readout(self._run(x)[0])[:, start:].astype(np.float64)
        mse = float(np.mean((out - y[:, start:]) ** 2))
        self._loss_tracker.update_state(mse, sample_weight=out.shape[0] * out.shape[1])
        return {"loss": self._loss_tracker.result()}

    def _accumulate(self, h, t):
        """Merge the states ``h`` (n, units) and targets ``t`` (n, outputs) into the centred sums kept in
        ``gram`` ([0, 0] the count, [0, 1:] the mean state, [1:, 1:] the centred scatter HcᵀHc) and
        ``cross`` ([0] the mean target, [1:] HcᵀYc): Chan's pairwise update, which keeps the scatter
        accurate where raw sums minus n·mean² would cancel."""
        g, c = self.gram.data, self.cross.data
        n_a, n_b = g[0, 0], float(len(h))
        mean_h, mean_t = h.mean(0), t.mean(0)
        hc, tc = h - mean_h, t - mean_t
        d_h, d_t = mean_h - g[0, 1:], mean_t - c[0]
        n = n_a + n_b
        g[1:, 1:] += hc.T @ hc + np.outer(d_h, d_h) * (n_a * n_b / n)
        c[1:] += hc.T @ tc + np.outer(d_h, d_t) * (n_a * n_b / n)
        g[0, 1:] += d_h * (n_b / n)
        c[0] += d_t * (n_b / n)
        g[0, 0] = n

    def solve(self):
        """Set the readout to the ridge solution of the normal equations gathered so far."""
        if self.gram.data[0, 0] == 0:
            return
        mean_h, mean_y = self.gram.data[0, 1:], self.cross.data[0]
        a = self.gram.data[1:, 1:].copy()
        b = self.cross.data[1:]
        a[np.diag_indices_from(a)] += self.ridge
        try:
            w = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:  # ridge=0 and fewer independent states than units
            w = np.linalg.lstsq(a, b, rcond=None)[0]
        self.readout_kernel.data[...] = w
        self.readout_bias.data[...] = mean_y - mean_h @ w

    def reset_readout(self):
        """Forget the sequences seen (the next ``train_step`` fits afresh)."""
        if self.built:
            for w in (self.gram, self.cross, self.readout_kernel, self.readout_bias):
                w.data[...] = 0

    # ----- using it
    def predict(self, x, batch_size=None, verbose=0, **kwargs):
        """One-step outputs (batch, time, outputs) for sequences ``x``, or (time, outputs) for one
        sequence (time, features); each sequence starts from a zero state."""
        one = np.ndim(x) == 2
        x = self._sequences(x, "predict")
        self._check_fitted("predict")
        self._check_features(x, "predict")
        out = super().predict(x, batch_size=batch_size, verbose=verbose, **kwargs)
        return out[0] if one else out

    def evaluate(self, x=None, y=None, **kwargs):
        """The mean squared one-step error after the washout on sequences ``x``, ``y`` (batch, time,
        features) or one sequence (time, features); ``Model.evaluate``'s keywords."""
        if y is None:
            raise ValueError(f"{self.describe()}.evaluate needs targets: evaluate(x, y)")
        return super().evaluate(self._sequences(x, "evaluate"), self._sequences(y, "evaluate", "y"), **kwargs)

    def generate(self, n_steps, warmup, initial_state=None):
        """Run freely for ``n_steps``: drive the reservoir with the true ``warmup`` sequence (time,
        features) or sequences (batch, time, features), from zero states or ``initial_state``
        ((batch, units), as ``states`` returns the last one), then feed each output back as the
        next input.  Returns the ``n_steps`` values that follow the warmup, (n_steps, features) or
        (batch, n_steps, features).  Needs ``outputs`` equal to the input features."""
        n_steps = _whole(n_steps, "n_steps", 1, "n_steps=100", where="generate")
        one = np.ndim(warmup) == 2
        x = self._sequences(warmup, "generate", "warmup")
        self._check_fitted("generate")
        self._check_features(x, "generate")
        if self.outputs != x.shape[2]:
            raise ValueError(f"{self.describe()}.generate: the readout gives {self.outputs} values per step but the "
                             f"input takes {x.shape[2]}, so outputs cannot be fed back; fit with y of the input's "
                             "shape (the next step of the same series)")
        with no_grad():
            _, s = self._run(x, self._initial(initial_state, x, "generate"))
            y = self._readout(s)  # the prediction of the step after the warmup
            out = np.empty((x.shape[0], n_steps, self.outputs), y.dtype)
            for t in range(n_steps):  # free run: each output is the next input
                out[:, t] = y
                if t + 1 < n_steps:
                    _, s = self._run(y[:, None, :], s)
                    y = self._readout(s)
        return out[0] if one else out

    # ----- checks
    def _sequences(self, x, where, argument="x"):
        if x is None:
            raise ValueError(f"{self.describe()}.{where}: {argument} is missing; pass sequences (batch, time, "
                             "features) or one sequence (time, features)")
        a = np.asarray(to_numpy(x))
        if a.dtype.kind not in "fiub":
            raise ValueError(f"{self.describe()}.{where}: {argument} must be numbers, got dtype {a.dtype}")
        if a.ndim == 1:
            raise ValueError(f"{self.describe()}.{where}: {argument} has shape {a.shape}, one axis; pass one sequence "
                             f"as (time, features), e.g. {argument}.reshape(-1, 1), or several as (batch, time, "
                             "features)")
        if a.ndim == 2:
            a = a[None]
        if a.ndim != 3 or a.shape[1] == 0:
            raise ValueError(f"{self.describe()}.{where}: {argument} must be (batch, time, features) or (time, "
                             f"features) with at least one step, got shape {a.shape}")
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ValueError(f"{self.describe()}.{where}: {argument} holds NaN or Inf; clean the series first")
        return a

    def _initial(self, state, x, where):
        if state is None:
            return None
        state = np.asarray(to_numpy(state))
        if state.ndim == 1:
            state = state[None]
        if state.shape != (x.shape[0], self.units):
            raise ValueError(f"{self.describe()}.{where}: initial_state must be (batch, units) = ({x.shape[0]}, "
                             f"{self.units}), got shape {state.shape}; pass the last state states() returned")
        return state

    def _build_for(self, x):
        if not self.built:
            self._build_shapes = [((1,) + x.shape[1:], str(np.dtype(self.dtype)))]  # what loading rebuilds from
            self.build(x.shape)
            self.built = True

    def _check_features(self, x, where):
        features = self.input_kernel.shape[0]
        if x.shape[2] != features:
            raise ValueError(f"{self.describe()}.{where}: the reservoir takes {features} input features per step, "
                             f"got {x.shape[2]} (shape {x.shape}); pass sequences of (time, {features})")

    def _check_fitted(self, where):
        if not self.built or self.gram.data[0, 0] == 0:
            raise RuntimeError(f"{self.describe()}.{where}: the readout is not fitted yet; call fit(x, y) first")


def _whole(value, argument, low, example, where=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"EchoStateNetwork{'.' + where if where else ''}: {argument} must be a whole number >= {low}, "
                         f"got {value!r}; pass e.g. {example}")
    return int(value)


def _number(value, argument, low, high, example, open_low=False):
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and np.isfinite(value) and (value > low if open_low else value >= low) and (high is None or value <= high)
    if not ok:
        span = f"{'>' if open_low else '>='} {low}" + (f" and <= {high}" if high is not None else "")
        raise ValueError(f"EchoStateNetwork: {argument} must be a number {span}, got {value!r}; pass e.g. {example}")
    return float(value)


def show(out_dir, quick=False):
    """Mackey-Glass (tau = 17): one-step predictions and a 100-step free run against the truth."""
    import os
    from ...data.mackey_glass import mackey_glass
    from ...utils.plots import pyplot, save_figure
    from ..showcase import Shown, write_page
    units, train, test, free = (200, 1000, 300, 100) if quick else (500, 2000, 1000, 100)
    series = mackey_glass(train + test + free + 1)
    lo, hi = series.min(), series.max()
    s = 2 * (series - lo) / (hi - lo) - 1  # to [-1, 1]
    x, y = s[:-1], s[1:]
    esn = EchoStateNetwork(units=units, spectral_radius=0.9, leak_rate=0.3, input_scaling=1.0, ridge=1e-8,
                           washout=100, seed=0)
    esn.fit(x[:train], y[:train], verbose=0)
    one_step = esn.predict(x[:train + test])[train:]
    one = nrmse(y[train:train + test], one_step)
    run = esn.generate(free, warmup=x[:train + test])
    truth = s[train + test:train + test + free]  # the values that follow the warmup
    gen = nrmse(truth, run)
    plt = pyplot()
    fig, axes = plt.subplots(2, 1, figsize=(12, 6))
    steps = np.arange(train, train + test)
    axes[0].plot(steps, y[train:train + test, 0], color="black", lw=1.2, label="Mackey-Glass (truth)")
    axes[0].plot(steps, one_step[:, 0], color="tab:orange", lw=0.9, ls="--", label="ESN one-step prediction")
    axes[0].set_title(f"One step ahead, fed the true series: NRMSE {one:.2e}")
    ahead = np.arange(train + test, train + test + free)
    before = np.arange(train + test - 2 * free, train + test)
    axes[1].plot(before, s[before, 0], color="grey", lw=1.2, label="warmup (true series driving the reservoir)")
    axes[1].axvline(train + test - 0.5, color="grey", ls=":", lw=1)
    axes[1].plot(ahead, truth[:, 0], color="black", lw=1.2, label="Mackey-Glass (truth)")
    axes[1].plot(ahead, run[:, 0], color="tab:red", lw=1.2, ls="--", label="ESN free run (its own outputs fed back)")
    axes[1].set_title(f"{free} steps of free-running generation: NRMSE {gen:.2e}")
    for ax in axes:
        ax.set_xlabel("time step")
        ax.set_ylabel("x (scaled to [-1, 1])")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path = save_figure(fig, os.path.join(out_dir, "esn_mackey_glass.png"))
    shown = Shown("Echo state network (ESN)",
                  "A fixed random recurrent reservoir with spectral radius below one echoes the input's past; "
                  "training only a linear readout (ridge regression, closed form) predicts a chaotic series, and "
                  "fed its own outputs the network generates it on by itself.",
                  {"one-step NRMSE (range-normalised)": one, f"{free}-step free-run NRMSE": gen,
                   "reservoir units": units, "training steps": train},
                  [f"{units} leaky tanh units (spectral radius 0.9, leak rate 0.3, 10 % connectivity), readout "
                   f"fitted on {train} steps of Mackey-Glass (tau = 17, scaled to [-1, 1]) after a 100-step washout.",
                   f"One step ahead on the next {test} steps: NRMSE {one:.2e} (RMSE over the truth's range, as "
                   f"reservoirpy's nrmse); running freely for {free} steps from there: NRMSE {gen:.2e}."],
                  {"figure": path})
    write_page(shown, out_dir, "esn")
    return shown


from ..registry import register  # noqa: E402

register("echo_state_network", EchoStateNetwork, aliases=("esn",))
