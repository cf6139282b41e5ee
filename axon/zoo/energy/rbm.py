"""Restricted Boltzmann machines: Smolensky's harmonium, trained by contrastive divergence.

An RBM is a two-layer undirected model, visible units ``v`` and hidden units ``h`` with no
connections inside a layer, of energy ``E(v, h) = -b.v - c.h - v W h``; so each layer is
conditionally independent given the other, ``p(h_j = 1 | v) = sigmoid(c_j + v W_j)``, and block
Gibbs sampling alternates the two.  Hinton's contrastive divergence (CD-k) follows the gradient
of the log-likelihood with the model's expectation replaced by k Gibbs steps from the data;
persistent CD (Tieleman 2008) keeps the negative chains running across updates.

>>> import numpy as np
>>> x = (np.random.default_rng(0).random((64, 6)) < 0.3).astype("float32")
>>> rbm = BernoulliRBM(4, learning_rate=0.1, seed=0)
>>> history = rbm.fit(x, epochs=2, batch_size=16, verbose=0)
>>> rbm.W.shape, rbm.transform(x).shape, sorted(history.history)
((6, 4), (64, 4), ['free_energy', 'reconstruction_error'])
"""
import numpy as np

from ... import backend
from ... import callbacks as cbks
from ...autograd import no_grad
from ...data.batches import unpack_x_y_sample_weight
from ...models import Model
from ...ops.special import log1pexp, logistic
from ...tensor import Tensor
from ..registry import register


HINTON_MOMENTUM = "hinton"  # 0.5 for the first 5 epochs, then 0.9 (Hinton's practical guide, section 9)


class _EpochCounter(cbks.Callback):
    """Tells the RBM which epoch ``fit`` is in (the momentum schedule reads it)."""

    def __init__(self, rbm):
        super().__init__()
        self.rbm = rbm

    def on_epoch_begin(self, epoch, logs=None):
        self.rbm.epoch = epoch


class BernoulliRBM(Model):
    """An RBM with binary visible and binary hidden units.

    ``n_hidden``: the hidden units; the visible ones come from the data's feature count on
    first use (inputs ``(N, n_visible)`` with values in [0, 1]; flatten images first).
    ``learning_rate`` multiplies the batch-mean gradient (scikit-learn's semantics), ``cd_k`` is
    the Gibbs steps of each negative phase, ``persistent=True`` keeps the negative chains from
    update to update (PCD; as many chains as the first batch has rows, not saved with the model:
    a loaded RBM starts new ones).  The model's statistics of each update are the sampled visible
    states of the last Gibbs step and their hidden probabilities.  As in Hinton's
    practical guide: ``momentum`` (a float, ``"hinton"`` for 0.5 during the first 5 epochs of
    ``fit`` then 0.9, or a function ``epoch -> momentum``, which cannot be saved),
    ``weight_decay`` (L2 on ``W``), and ``sparsity_target`` with ``sparsity_cost`` (pulls the
    running mean activity of each hidden unit, decayed by 0.9 per batch, towards the target).

    Weights (not trained by gradients): ``W`` (n_visible, n_hidden), ``visible_bias``,
    ``hidden_bias``, and the momentum velocities and the hidden-activity estimate.
    ``train_step`` logs the running means over the epoch of ``reconstruction_error`` and
    ``free_energy`` per example, measured on the first and then every ``log_every``-th batch (an
    unbiased estimate that keeps small-batch training fast; ``log_every=1`` measures them all).
    Calling the model (or ``predict``) gives the hidden probabilities, the RBM's features.
    """

    sparsity_decay = 0.9

    def __init__(self, n_hidden, learning_rate=0.1, cd_k=1, persistent=False, momentum=0.0, weight_decay=0.0,
                 sparsity_target=None, sparsity_cost=0.0, seed=None, name=None, log_every=10):
        super().__init__(name=name)
        cls = type(self).__name__
        if isinstance(n_hidden, bool) or not isinstance(n_hidden, (int, np.integer)) or n_hidden <= 0:
            raise ValueError(f"{cls}: n_hidden must be a positive whole number (the hidden units), got "
                             f"{n_hidden!r}; pass e.g. {cls}(100)")
        if isinstance(cd_k, bool) or not isinstance(cd_k, (int, np.integer)) or cd_k < 1:
            raise ValueError(f"{cls}: cd_k must be a whole number >= 1 (Gibbs steps per update), got {cd_k!r}")
        for arg, value in (("learning_rate", learning_rate), ("weight_decay", weight_decay),
                           ("sparsity_cost", sparsity_cost)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not value >= 0:
                raise ValueError(f"{cls}: {arg} must be a number >= 0, got {value!r}")
        if not (callable(momentum) or momentum == HINTON_MOMENTUM or
                (isinstance(momentum, (int, float, np.number)) and not isinstance(momentum, bool)
                 and 0 <= momentum < 1)):
            raise ValueError(f"{cls}: momentum must be a number in [0, 1), 'hinton' (0.5 then 0.9 from "
                             f"epoch 6) or a function of the epoch, got {momentum!r}")
        if sparsity_target is not None and not 0 < sparsity_target < 1:
            raise ValueError(f"{cls}: sparsity_target must lie in (0, 1) (the wanted mean activity of a "
                             f"hidden unit, e.g. 0.05), got {sparsity_target!r}")
        if sparsity_cost and sparsity_target is None:
            raise ValueError(f"{cls}: sparsity_cost={sparsity_cost!r} needs a sparsity_target (e.g. 0.05)")
        self.n_hidden = int(n_hidden)
        self.learning_rate = float(learning_rate)
        self.cd_k = int(cd_k)
        self.persistent = bool(persistent)
        self.momentum = momentum
        self.weight_decay = float(weight_decay)
        self.sparsity_target = None if sparsity_target is None else float(sparsity_target)
        self.sparsity_cost = float(sparsity_cost)
        self.seed = seed
        if isinstance(log_every, bool) or not isinstance(log_every, (int, np.integer)) or log_every < 1:
            raise ValueError(f"{cls}: log_every must be a whole number >= 1 (measure the logs on every "
                             f"log_every-th batch), got {log_every!r}")
        self.log_every = int(log_every)
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.epoch = 0
        self._checked_by_fit = False
        self.chains = None  # PCD: the hidden states of the persistent negative chains
        self.reset_metrics()

    # ----- state
    @property
    def rng(self):
        """The generator this RBM draws from: its own when given a seed, else Axon's shared one."""
        return self._rng if self._rng is not None else backend.rng()

    @property
    def n_visible(self):
        return None if not self.built else self.W.shape[0]

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"{self.describe()}: expected inputs (N, n_visible), got shape {tuple(input_shape)}; "
                             "flatten images first, e.g. x.reshape(len(x), -1)")
        nv, nh = int(input_shape[1]), self.n_hidden
        self.W = self.add_weight("W", (nv, nh), "zeros", trainable=False)
        self.W.data[...] = 0.01 * self.rng.standard_normal((nv, nh), dtype=np.float32)
        self.visible_bias = self.add_weight("visible_bias", (nv,), "zeros", trainable=False)
        self.hidden_bias = self.add_weight("hidden_bias", (nh,), "zeros", trainable=False)
        self.W_velocity = self.add_weight("W_velocity", (nv, nh), "zeros", trainable=False)
        self.visible_bias_velocity = self.add_weight("visible_bias_velocity", (nv,), "zeros", trainable=False)
        self.hidden_bias_velocity = self.add_weight("hidden_bias_velocity", (nh,), "zeros", trainable=False)
        self.hidden_activity = self.add_weight("hidden_activity", (nh,), "zeros", trainable=False)
        if self.sparsity_target is not None:
            self.hidden_activity.data[...] = self.sparsity_target

    def _ensure_built(self, what):
        if not self.built:
            raise RuntimeError(f"{self.describe()} is not built yet, so {what}() has no weights: fit it first "
                               "(the visible units come from the data's feature count)")

    def reset_metrics(self):
        """Start the epoch's running means of the logs afresh (``fit`` and ``evaluate`` call it)."""
        super().reset_metrics()
        self._logged = [0.0, 0.0, 0, 0]  # summed reconstruction error, summed free energy, examples, batches

    def _log(self, error_sum, energy_sum, n):
        """Add a batch's summed per-example reconstruction error and free energy; the running means."""
        logged = self._logged
        logged[3] += 1
        if error_sum is None:  # a batch not measured
            return {"reconstruction_error": logged[0] / logged[2], "free_energy": logged[1] / logged[2]}
        logged[0] += error_sum
        logged[1] += energy_sum
        logged[2] += n
        return {"reconstruction_error": logged[0] / logged[2], "free_energy": logged[1] / logged[2]}

    # ----- input checks
    def _as_visible(self, v, where):
        """``v`` as a float32 (N, n_visible) array, checked (building the RBM on first use)."""
        v = v.data if isinstance(v, Tensor) else v
        v = np.asarray(v)
        if v.dtype.kind not in "fiub":
            raise TypeError(f"{type(self).__name__}.{where}: expected numbers, got an array of dtype {v.dtype}")
        v = np.asarray(v, dtype=self.dtype)
        if v.ndim != 2:
            raise ValueError(f"{type(self).__name__}.{where}: expected visible values (N, n_visible), got "
                             f"shape {v.shape}; flatten images first, e.g. x.reshape(len(x), -1)")
        if not self.built:
            with no_grad():
                self.build_from_shape(v.shape[1:])
        if v.shape[1] != self.W.shape[0]:
            raise ValueError(f"{type(self).__name__}.{where}: the RBM has {self.W.shape[0]} visible units, "
                             f"got data of shape {v.shape} ({v.shape[1]} features)")
        self._check_values(v, where)
        return v

    def _check_values(self, v, where):
        lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
        if not (lo >= 0.0 and hi <= 1.0):  # NaN fails both
            raise ValueError(f"{type(self).__name__}.{where}: visible values must lie in [0, 1] (Bernoulli "
                             f"units), got min {lo:g}, max {hi:g}; scale the data, e.g. x / 255 or "
                             "min-max scaling, or use GaussianBernoulliRBM for real-valued data")

    def _as_hidden(self, h, where):
        self._ensure_built(where)
        h = np.asarray(h.data if isinstance(h, Tensor) else h, dtype=self.dtype)
        if h.ndim != 2 or h.shape[1] != self.n_hidden:
            raise ValueError(f"{type(self).__name__}.{where}: expected hidden values (N, {self.n_hidden}), "
                             f"got shape {h.shape}")
        return h

    # ----- the conditionals (internal: float32 arrays, no checks)
    def _hidden_mean(self, v):
        pre = v @ self.W.data
        pre += self.hidden_bias.data
        return logistic(pre, out=pre)

    def _visible_mean(self, h):
        pre = h @ self.W.data.T
        pre += self.visible_bias.data
        return logistic(pre, out=pre)

    def _bernoulli(self, p):
        """Binary states (float) drawn with probabilities ``p``."""
        u = self.rng.random(p.shape, dtype=np.float32)
        return np.less(u, p, out=u if self.dtype == np.float32 else None).astype(self.dtype, copy=False)

    def _sample_visible_given_mean(self, mean):
        return self._bernoulli(mean)

    def _visible_energy(self, v):
        """The part of the free energy that depends on the visible units alone, (N,)."""
        return -(v @ self.visible_bias.data)

    def _visible_energy_sum(self, v, v_sum):
        """``_visible_energy(v).sum()`` given ``v_sum``, the column sums of ``v``."""
        return -float(v_sum @ self.visible_bias.data)

    def _free_energy(self, v, pre=None):
        pre = v @ self.W.data + self.hidden_bias.data if pre is None else pre
        return self._visible_energy(v) - log1pexp(pre).sum(axis=1)

    # ----- public, NumPy in and out
    def hidden_probabilities(self, v):
        """``p(h_j = 1 | v)`` for visible values ``v`` (N, n_visible): (N, n_hidden)."""
        return self._hidden_mean(self._as_visible(v, "hidden_probabilities"))

    def visible_probabilities(self, h):
        """``p(v_i = 1 | h)`` (the mean of the visible units) for hidden values ``h`` (N, n_hidden)."""
        return self._visible_mean(self._as_hidden(h, "visible_probabilities"))

    def sample_hidden(self, v):
        """Binary hidden states drawn from ``p(h | v)``, (N, n_hidden) float32."""
        return self._bernoulli(self.hidden_probabilities(v))

    def sample_visible(self, h):
        """Visible states drawn from ``p(v | h)``, (N, n_visible) float32."""
        return self._sample_visible_given_mean(self.visible_probabilities(h))

    def transform(self, v):
        """The features: hidden probabilities of ``v`` (N, n_hidden), as scikit-learn's ``transform``."""
        return self.hidden_probabilities(v)

    def gibbs(self, v, steps=1):
        """``steps`` block Gibbs steps (h ~ p(h|v), then v ~ p(v|h)) from ``v``; the visible samples."""
        v = self._as_visible(v, "gibbs")
        for _ in range(int(steps)):
            v = self._sample_visible_given_mean(self._visible_mean(self._bernoulli(self._hidden_mean(v))))
        return v

    def sample(self, n, steps=1000, start=None, probabilities=False):
        """``n`` samples from the model: Gibbs chains run ``steps`` steps from ``start`` (N, n_visible) or
        from random visible states; the visible samples, or with ``probabilities=True`` the mean of
        ``p(v | h)`` at the last step (smoother pictures)."""
        self._ensure_built("sample")
        if start is None:
            v = self._bernoulli(np.full((int(n), self.n_visible), 0.5, dtype=self.dtype))
        else:
            v = self._as_visible(start, "sample")
        h = self._bernoulli(self._hidden_mean(v))
        for _ in range(int(steps) - 1):
            h = self._bernoulli(self._hidden_mean(self._sample_visible_given_mean(self._visible_mean(h))))
        mean = self._visible_mean(h)
        return mean if probabilities else self._sample_visible_given_mean(mean)

    def free_energy(self, v):
        """``F(v) = -log sum_h exp(-E(v, h))`` for each row of ``v``: (N,) nats; ``p(v) = exp(-F(v)) / Z``."""
        return self._free_energy(self._as_visible(v, "free_energy"))

    def reconstruction_error(self, v):
        """Mean over the rows of ``v`` of the summed squared difference between ``v`` and its mean-field
        reconstruction ``E[v | h = p(h | v)]`` (per example, squared units)."""
        v = self._as_visible(v, "reconstruction_error")
        return float(((v - self._visible_mean(self._hidden_mean(v))) ** 2).sum(axis=1).mean())

    def score_samples(self, v, seed=None):
        """The pseudo-likelihood of each row of ``v``, as scikit-learn's ``BernoulliRBM.score_samples``
        estimates it: ``n_visible * log sigmoid(F(v~) - F(v))`` with ``v~`` the row with one randomly
        chosen unit flipped; (N,) nats.  ``seed`` fixes the flipped units; ``pseudo_likelihood`` in
        ``rbm_scores`` sums over all units instead."""
        v = self._as_visible(v, "score_samples")
        rng = np.random.default_rng(seed) if seed is not None else self.rng
        flip = rng.integers(0, v.shape[1], len(v))
        v_flipped = v.copy()
        rows = np.arange(len(v))
        v_flipped[rows, flip] = 1.0 - v_flipped[rows, flip]
        return -v.shape[1] * log1pexp(-(self._free_energy(v_flipped) - self._free_energy(v)))

    def call(self, x):
        return Tensor(self._hidden_mean(self._as_visible(x, "call")))

    # ----- learning
    def current_momentum(self):
        """The momentum of updates in the current epoch of ``fit``."""
        if callable(self.momentum):
            return float(self.momentum(self.epoch))
        if self.momentum == HINTON_MOMENTUM:
            return 0.5 if self.epoch < 5 else 0.9
        return float(self.momentum)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None, **kwargs):
        """``Model.fit`` on visible data ``x`` (N, n_visible), compiling first when needed (an RBM needs no
        loss or optimizer); targets are ignored.  Returns the ``History``."""
        if not self.compiled:
            self.compile()
        if isinstance(x, (np.ndarray, Tensor, list)):
            x = self._as_visible(x, "fit")  # checked once here, not batch by batch
        callbacks = list(callbacks or []) + [_EpochCounter(self)]
        self._checked_by_fit = isinstance(x, np.ndarray)
        try:
            return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
                               **kwargs)
        finally:
            self._checked_by_fit = False

    def train_step(self, data):
        """One CD-k (or PCD-k) update on the batch ``data`` (visible values (B, n_visible)); returns the
        epoch's running mean ``reconstruction_error`` and ``free_energy`` of the batches so far (each
        measured on the batch before its update)."""
        v0, _, _ = unpack_x_y_sample_weight(data)
        if self._checked_by_fit and isinstance(v0, np.ndarray) and v0.dtype == self.dtype:
            pass  # fit checked the whole array once
        else:
            v0 = self._as_visible(v0, "train_step")
        W, b, c = self.W.data, self.visible_bias.data, self.hidden_bias.data
        n = len(v0)
        pre0 = v0 @ W
        pre0 += c
        h0 = logistic(pre0)
        v0_sum = np.add.reduce(v0, axis=0)
        error = energy = None
        if self._logged[3] % self.log_every == 0:
            # logs of the batch before the update: the mean-field reconstruction and the free energy
            rec = self._visible_mean(h0)
            rec -= v0
            error = float(np.vdot(rec, rec))
            energy = self._visible_energy_sum(v0, v0_sum) - float(np.add.reduce(log1pexp(pre0), axis=None))
        # negative phase: k Gibbs steps from the data (CD) or from the persistent chains (PCD); the
        # model's statistics are the sampled visible states and their hidden probabilities
        if self.persistent:
            if self.chains is None or self.chains.shape[1] != self.n_hidden:
                self.chains = np.zeros((n, self.n_hidden), dtype=self.dtype)
            h = self.chains
        else:
            h = self._bernoulli(h0)
        for step in range(self.cd_k):
            vk = self._sample_visible_given_mean(self._visible_mean(h))
            hk = self._hidden_mean(vk)
            if step < self.cd_k - 1 or self.persistent:
                h = self._bernoulli(hk)
        if self.persistent:
            self.chains = h
        self._update(v0, v0_sum, h0, vk, hk)
        return self._log(error, energy, n)

    def _row_weights(self, n, m, lr):
        """``lr / n`` for each of ``n`` data rows and ``-lr / m`` for each of ``m`` model rows (cached)."""
        key = (n, m, lr)
        cached = self.__dict__.get("_row_weights_cache")
        if cached is None or cached[0] != key:
            weights = np.concatenate([np.full(n, lr / n), np.full(m, -lr / m)]).astype(self.dtype)
            self.__dict__["_row_weights_cache"] = cached = (key, weights)
        return cached[1]

    def test_step(self, data):
        """The batch's mean ``reconstruction_error`` and ``free_energy`` (no update): ``evaluate`` and
        the ``val_`` logs of ``fit``."""
        v, _, _ = unpack_x_y_sample_weight(data)
        v = self._as_visible(v, "test_step")
        return self._log(self.reconstruction_error(v) * len(v), float(self._free_energy(v).sum()), len(v))

    def _update(self, v0, v0_sum, h0, vk, hk):
        """Move the weights along the CD gradient of the batch: data statistics ``v0, h0`` (B rows,
        ``v0_sum`` the column sums of ``v0``), model statistics ``vk, hk`` (C rows), plus weight decay,
        sparsity and momentum.  ``learning_rate`` multiplies the batch-mean gradient."""
        W, b, c = self.W.data, self.visible_bias.data, self.hidden_bias.data
        lr = self.learning_rate
        n, m = len(v0), len(vk)
        # the CD step lr (<v h>_data - <v h>_model) as one product of the data and model rows stacked,
        # the model's hidden rows negated and each side scaled by lr / rows
        v = np.concatenate([v0, vk])
        h = np.concatenate([h0, hk])
        h[:n] *= lr / n
        h[n:] *= -lr / m
        step_W = v.T @ h
        step_c = np.add.reduce(h, axis=0)
        step_b = self._row_weights(n, m, lr) @ v
        if self.weight_decay:
            step_W -= (lr * self.weight_decay) * W
        if self.sparsity_target is not None:
            q = self.hidden_activity.data
            q *= self.sparsity_decay
            q += (1.0 - self.sparsity_decay) / n * np.add.reduce(h0, axis=0)
            if self.sparsity_cost:
                pull = (lr * self.sparsity_cost) * (q - self.sparsity_target)
                step_c -= pull
                step_W -= np.outer(v0_sum * (1.0 / n), pull)
        momentum = self.current_momentum()
        if momentum:
            for weight, velocity, step in ((W, self.W_velocity.data, step_W),
                                           (b, self.visible_bias_velocity.data, step_b),
                                           (c, self.hidden_bias_velocity.data, step_c)):
                velocity *= momentum
                velocity += step
                weight += velocity
        else:
            W += step_W
            b += step_b
            c += step_c


class GaussianBernoulliRBM(BernoulliRBM):
    """An RBM with real-valued, unit-variance Gaussian visible units and binary hidden units:
    ``E(v, h) = |v - b|^2 / 2 - c.h - v W h``, so ``v | h ~ N(b + W h, I)``.

    Standardise the data first (each feature of zero mean and unit variance); a smaller learning
    rate than for binary data (say 0.001 to 0.01) is usual.  Same arguments and methods as
    ``BernoulliRBM``, except the pseudo-likelihood (``score_samples``), which is for binary units.
    """

    def _check_values(self, v, where):
        if v.size and not np.isfinite(v).all():
            raise ValueError(f"{type(self).__name__}.{where}: visible values must be finite, got NaN or Inf; "
                             "clean the data (np.isfinite) and standardise it")

    def _visible_mean(self, h):
        return h @ self.W.data.T + self.visible_bias.data

    def _sample_visible_given_mean(self, mean):
        return mean + self.rng.standard_normal(mean.shape, dtype=np.float32)

    def _visible_energy(self, v):
        return 0.5 * ((v - self.visible_bias.data) ** 2).sum(axis=1)

    def _visible_energy_sum(self, v, v_sum):
        d = v - self.visible_bias.data
        return 0.5 * float(np.vdot(d, d))

    def sample(self, n, steps=1000, start=None, probabilities=False):
        """``n`` samples from the model by ``steps`` Gibbs steps from ``start`` or from N(b, I); with
        ``probabilities=True`` the mean ``b + W h`` of the last step instead of a draw."""
        self._ensure_built("sample")
        if start is None:
            start = self.visible_bias.data + self.rng.standard_normal((int(n), self.n_visible), dtype=np.float32)
        return super().sample(n, steps, start=start, probabilities=probabilities)

    def visible_probabilities(self, h):
        """The mean ``b + W h`` of the Gaussian visible units given hidden values ``h`` (N, n_hidden)."""
        return super().visible_probabilities(h)

    def score_samples(self, v, seed=None):
        raise ValueError("GaussianBernoulliRBM.score_samples: the pseudo-likelihood flips binary visible units, "
                         "and these are real-valued; compare Gaussian RBMs by reconstruction_error, or by "
                         "log-likelihood with axon.zoo.energy.ais")


def show(out_dir, quick=False):
    """``axon zoo show rbm``: an RBM trained by PCD on binarised Fashion-MNIST (8x8 digits when
    ``quick``), its filters, Gibbs samples, reconstruction error and AIS test log-likelihood in nats
    (``rbm_show.show_rbm``); returns the ``axon.zoo.showcase.Shown``."""
    from .rbm_show import show_rbm
    return show_rbm(out_dir, quick)


register("bernoulli_rbm", BernoulliRBM, aliases=("rbm",))
register("gaussian_bernoulli_rbm", GaussianBernoulliRBM)
