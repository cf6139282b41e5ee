"""The Hopfield network (Hopfield, 1982): N bipolar units, fully connected by symmetric weights with
no self-connections, storing patterns by Hebb's rule ``W = (1/N) sum_p p p^T``.  Updating one unit
at a time (asynchronously) never raises the energy ``E = -1/2 s^T W s + theta . s``, so the state
slides into a minimum: a stored pattern is recalled from a corrupted copy (content-addressable
memory).  Synchronous updates may instead oscillate between two states.  Recall holds up to about
0.14 N random patterns (Amit, Gutfreund and Sompolinsky, 1985); beyond, the memories break down
into spurious states.

>>> from axon.data.logic import random_bipolar_patterns, flip_bits
>>> patterns = random_bipolar_patterns(5, 100, seed=0)
>>> net = HopfieldNetwork(100, seed=0).store(patterns)
>>> noisy = flip_bits(patterns, 0.2, seed=1)
>>> bool((net.recall(noisy) == patterns).all())
True
"""
import os

import numpy as np

from ... import backend
from ...autograd import no_grad
from ...data.batches import unpack_x_y_sample_weight
from ...data.logic import flip_bits, random_bipolar_patterns
from ...metrics import Mean
from ...models import Model
from ...tensor import Tensor, to_numpy
from ..registry import register
from ..showcase import Shown, write_page

_DEFAULT_SWEEPS = {"async": 30, "sync": 100}


def hebbian_weights(patterns):
    """``(1/N) sum_p p p^T`` with a zero diagonal for bipolar ``patterns`` (..., P, N): (..., N, N)
    float32 (a leading axis stacks independent networks)."""
    p = np.asarray(patterns, dtype=np.float32)
    w = np.matmul(np.swapaxes(p, -1, -2), p) / p.shape[-1]
    idx = np.arange(p.shape[-1])
    w[..., idx, idx] = 0.0
    return w


def energies_of(weights, threshold, states):
    """``E = -1/2 s^T W s + theta . s`` of each state: weights (..., N, N), states (..., B, N) ->
    (..., B) float32."""
    return (-0.5 * np.sum(np.matmul(states, weights) * states, axis=-1) + states @ threshold).astype(np.float32)


def async_updates(weights, threshold, states, rng, max_sweeps, every_update=False):
    """Asynchronous dynamics: each sweep updates every unit once, in a random order, ``s_i =
    sign(W_i . s - theta_i)`` (a zero field keeps the unit), all states (..., B, N) at once with
    (..., N, N) weights; stops after a sweep that changes nothing.  Returns the final states,
    the energies (..., B, records) after each sweep (or each update, ``every_update``) and the
    number of sweeps run."""
    s = np.array(states, dtype=np.float32)
    n = s.shape[-1]
    energy = energies_of(weights, threshold, s)
    records = [energy]
    sweeps = 0
    for sweeps in range(1, max_sweeps + 1):
        changed = False
        for i in rng.permutation(n):
            h = np.matmul(s, weights[..., i, :, None])[..., 0] - threshold[i]
            old = s[..., i]
            new = np.where(h > 0, 1.0, np.where(h < 0, -1.0, old)).astype(np.float32)
            flipped = new != old
            if flipped.any():
                changed = True
                if every_update:
                    energy = energy - (new - old) * h  # W_ii = 0: only unit i's terms change
                s[..., i] = new
            if every_update:
                records.append(energy)
        if not every_update:
            records.append(energies_of(weights, threshold, s))
        if not changed:
            break
    return s, np.stack(records, axis=-1), sweeps


class HopfieldNetwork(Model):
    """A Hopfield network of ``n_units`` bipolar (-1/+1) units: ``kernel`` (N, N) symmetric with a
    zero diagonal, ``threshold`` (N,) (zero under Hebbian storage) and the count of ``patterns``
    stored.  ``store(patterns)`` or ``fit(patterns)`` writes them in by Hebb's rule; ``recall``
    runs the dynamics; ``energy`` gives E of states.  ``seed`` fixes the order of asynchronous
    updates.  ``fit`` logs ``patterns`` (stored so far) and ``stable`` (the share of the batch's
    patterns that are fixed points afterwards); each epoch stores the patterns again, which scales
    the weights and leaves recall as it was."""

    def __init__(self, n_units, seed=None, name=None):
        super().__init__(name=name)
        if isinstance(n_units, bool) or not isinstance(n_units, (int, np.integer)) or n_units < 2:
            raise ValueError(f"HopfieldNetwork: n_units must be a whole number >= 2 (the length of a pattern), "
                             f"got {n_units!r}")
        self.n_units = int(n_units)
        self.seed = seed
        self._rng = backend.rng() if seed is None else np.random.default_rng(seed)
        self.kernel = self.add_weight(name="kernel", shape=(n_units, n_units), initializer="zeros", trainable=False)
        self.threshold = self.add_weight(name="threshold", shape=(n_units,), initializer="zeros", trainable=False)
        self.patterns = self.add_weight(name="patterns", shape=(1,), initializer="zeros", trainable=False)
        self.stable_tracker = Mean(name="stable")
        self.built = True

    @property
    def metrics(self):
        return [self.stable_tracker]

    @property
    def n_patterns(self):
        """How many patterns have been stored (each presentation counts)."""
        return int(self.patterns.data[0])

    # ----- checking
    def _states(self, states, what):
        s = to_numpy(states, np.float32)
        single = s.ndim == 1
        s = s[None] if single else s
        if s.ndim != 2 or s.shape[1] != self.n_units:
            raise ValueError(f"HopfieldNetwork.{what}: each pattern must have {self.n_units} units (the network's "
                             f"n_units), got shape {np.shape(states)}; pass an array (patterns, {self.n_units}), "
                             f"e.g. images flattened with x.reshape(len(x), -1), or build HopfieldNetwork("
                             f"{s.shape[-1] if s.ndim else '...'}) for patterns of that length")
        bad = (s != 1) & (s != -1)
        if bad.any():
            values = np.unique(s[bad])[:5].tolist()
            hint = " (binary 0/1 data: pass 2 * x - 1)" if set(np.unique(s).tolist()) <= {0.0, 1.0} else ""
            raise ValueError(f"HopfieldNetwork.{what}: units are bipolar, every value must be -1 or +1, got "
                             f"{values}{hint}; binarise, e.g. np.where(x > threshold, 1, -1)")
        return s, single

    # ----- storage
    def store(self, patterns, append=False):
        """Store bipolar ``patterns`` (P, n_units) by Hebb's rule, replacing what was stored unless
        ``append``; returns the network."""
        p, _ = self._states(patterns, "store")
        with no_grad():
            if not append:
                self.kernel.data[...] = 0.0
                self.patterns.data[...] = 0.0
            self.kernel.data += hebbian_weights(p)
            self.patterns.data += len(p)
        return self

    def train_step(self, data):
        x, _, _ = unpack_x_y_sample_weight(data)
        p, _ = self._states(x, "fit")
        self.store(p, append=True)
        field = p @ self.kernel.data - self.threshold.data
        stable = np.all(np.where(field == 0, p, np.sign(field)) == p, axis=1)
        self.stable_tracker.update_state(stable.astype(np.float64))
        return {"patterns": float(self.n_patterns), "stable": self.stable_tracker.result()}

    # ----- dynamics
    def energy(self, states):
        """``E = -1/2 s^T W s + theta . s`` of each state (samples,) float32 (a float for one state)."""
        s, single = self._states(states, "energy")
        e = energies_of(self.kernel.data, self.threshold.data, s)
        return float(e[0]) if single else e

    def recall(self, states, mode="async", max_sweeps=None, return_energies=False, energy_every="sweep",
               seed=None):
        """Run the dynamics from ``states`` (samples, n_units) or (n_units,) until nothing changes or
        ``max_sweeps`` passes (30 asynchronous sweeps, 100 synchronous steps by default).

        ``mode="async"`` updates one unit at a time in a random order (the energy never rises);
        ``"sync"`` updates all units at once (it may end in a two-state cycle).  Returns the final
        states, float32 -1/+1, and with ``return_energies`` also the energies (samples, records)
        recorded at the start and after each sweep (``energy_every="update"``: after each single
        asynchronous unit update)."""
        if mode not in _DEFAULT_SWEEPS:
            raise ValueError(f"HopfieldNetwork.recall: mode must be 'async' or 'sync', got {mode!r}")
        if energy_every not in ("sweep", "update"):
            raise ValueError(f"HopfieldNetwork.recall: energy_every must be 'sweep' or 'update', got {energy_every!r}")
        max_sweeps = _DEFAULT_SWEEPS[mode] if max_sweeps is None else max_sweeps
        if isinstance(max_sweeps, bool) or not isinstance(max_sweeps, (int, np.integer)) or max_sweeps < 1:
            raise ValueError(f"HopfieldNetwork.recall: max_sweeps must be a whole number >= 1, got {max_sweeps!r}")
        s, single = self._states(states, "recall")
        w, theta = self.kernel.data, self.threshold.data
        if mode == "async":
            rng = self._rng if seed is None else np.random.default_rng(seed)
            s, energies, _ = async_updates(w, theta, s, rng, max_sweeps, energy_every == "update")
        else:
            s, energies = self._synchronous(s, max_sweeps)
        if single:
            s, energies = s[0], energies[0]
        return (s, energies) if return_energies else s

    def _synchronous(self, s, max_sweeps):
        w, theta = self.kernel.data, self.threshold.data
        records, previous = [energies_of(w, theta, s)], None
        for _ in range(max_sweeps):
            h = s @ w - theta
            new = np.where(h > 0, 1.0, np.where(h < 0, -1.0, s)).astype(np.float32)
            records.append(energies_of(w, theta, new))
            done = np.array_equal(new, s) or (previous is not None and np.array_equal(new, previous))
            previous, s = s, new
            if done:  # a fixed point, or every state in a two-cycle
                break
        return s, np.stack(records, axis=-1)

    def call(self, x):
        return Tensor(self.recall(to_numpy(x, np.float32)))


register("hopfield", HopfieldNetwork, aliases=("hopfield_network", "hn"))


def capacity_curve(n_units=100, loads=None, trials=10, flip_fraction=0.0, max_sweeps=20, seed=None):
    """Recall quality against the load ``P / N``: for each load, ``trials`` networks of ``n_units``
    units (all at once) store ``round(load * N)`` random patterns and recall each from itself
    flipped by ``flip_fraction``.  Returns a dict of arrays over ``loads``: ``"loads"``,
    ``"overlap"`` (the mean overlap ``s . p / N`` of recalled state and pattern), ``"recalled"``
    (the share recalled with at most 1% of the bits wrong, overlap >= 0.98) and ``"exact"`` (the
    share recalled exactly)."""
    loads = np.linspace(0.02, 0.3, 15) if loads is None else np.asarray(loads, dtype=np.float64)
    rng = backend.rng() if seed is None else np.random.default_rng(seed)
    out = {"loads": loads, "overlap": [], "recalled": [], "exact": []}
    for load in loads:
        count = max(1, int(round(load * n_units)))
        patterns = np.where(rng.random((trials, count, n_units)) < 0.5, -1.0, 1.0).astype(np.float32)
        w = hebbian_weights(patterns)
        start = flip_bits(patterns, flip_fraction, seed=rng.integers(2 ** 31)) if flip_fraction else patterns
        final, _, _ = async_updates(w, np.zeros(n_units, np.float32), start, rng, max_sweeps)
        overlap = np.mean(final * patterns, axis=-1)
        out["overlap"].append(overlap.mean())
        out["recalled"].append(np.mean(overlap >= 0.98))
        out["exact"].append(np.mean(overlap == 1.0))
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


# ----- the show
def _fashion_patterns(count, quick):
    """``count`` binarised Fashion-MNIST images (+1 ink, -1 background) of different classes, chosen
    for small overlaps with each other; falls back to random patterns without the data set."""
    from ...data.datasets import fashion_mnist
    try:
        (x, y), _ = fashion_mnist.load_data(download=False)
    except (OSError, ValueError):
        return random_bipolar_patterns(count, 784, seed=0), "random patterns (Fashion-MNIST not found)"
    x = x[:2000 if quick else 6000].reshape(-1, 784).astype(np.float32)
    p = np.where(x > np.median(x, axis=1, keepdims=True), 1.0, -1.0).astype(np.float32)
    chosen = [int(np.argmin(np.abs(p.mean(1))))]  # the most balanced image first
    for _ in range(count - 1):  # greedily the image least like those chosen, from an unused class
        worst = np.max(np.abs(p @ p[chosen].T) / 784, axis=1)
        worst[np.isin(y[:len(p)], y[chosen])] = np.inf
        chosen.append(int(np.argmin(worst)))
    return p[chosen], "binarised Fashion-MNIST images (ink above each image's median)"


def show(out_dir, quick=False):
    """Store a few images, recall them from 20% flipped bits, plot the energy during recall and the
    capacity curve (``hopfield_recall.png``, ``hopfield_energy.png``, ``hopfield_capacity.png``)."""
    from ...utils.plots import pyplot, save_figure
    patterns, source = _fashion_patterns(6, quick)
    net = HopfieldNetwork(784, seed=0).store(patterns)
    noisy = flip_bits(patterns, 0.2, seed=1)
    recalled, energies = net.recall(noisy, return_energies=True, energy_every="update")
    correct = np.mean(recalled == patterns, axis=1)
    sync = net.recall(noisy, mode="sync")
    loaded = HopfieldNetwork(100, seed=0).store(random_bipolar_patterns(20, 100, seed=2))
    starts = random_bipolar_patterns(8, 100, seed=3)
    ends, sync_energies = loaded.recall(starts, mode="sync", return_energies=True)
    sync_rose = int(np.sum(np.any(np.diff(sync_energies, axis=1) > 1e-4, axis=1)))
    cycles = int(np.sum(np.any(loaded.recall(ends, mode="sync", max_sweeps=1) != ends, axis=1)))
    sizes = (100, 200) if quick else (100, 200, 400)
    curves = {n: capacity_curve(n, np.linspace(0.02, 0.3, 15), trials=8 if quick else 12, flip_fraction=0.1,
                                seed=n) for n in sizes}
    n_cap = sizes[-1]
    curve = curves[n_cap]
    half = curve["loads"][np.argmax(curve["recalled"] < 0.5)] if np.any(curve["recalled"] < 0.5) else np.nan
    plt = pyplot()
    fig, axes = plt.subplots(3, len(patterns), figsize=(1.6 * len(patterns), 5.2))
    for j in range(len(patterns)):
        for i, (row, title) in enumerate(((patterns, "stored"), (noisy, "20% flipped"), (recalled, "recalled"))):
            axes[i, j].imshow(row[j].reshape(28, 28), cmap="gray", vmin=-1, vmax=1)
            axes[i, j].set_xticks([])
            axes[i, j].set_yticks([])
            if j == 0:
                axes[i, j].set_ylabel(title)
        axes[2, j].set_xlabel(f"{correct[j]:.0%} bits right", fontsize=8)
    fig.suptitle(f"Hopfield network of 784 units storing {len(patterns)} images: recall from 20% flipped bits")
    fig.tight_layout()
    recall_png = save_figure(fig, os.path.join(out_dir, "hopfield_recall.png"))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    axes[0].plot(np.arange(energies.shape[1]) / 784, energies.T)
    axes[0].set_xlabel("sweeps (784 single-unit updates each)")
    axes[0].set_ylabel("energy E")
    axes[0].set_title("asynchronous recall: E never rises")
    axes[1].plot(sync_energies.T, ".-")
    axes[1].set_xlabel("synchronous step")
    axes[1].set_title(f"synchronous, N=100, P=20, random starts:\nE rose in {sync_rose} of 8 runs, "
                      f"{cycles} end in a two-cycle", fontsize=10)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    energy_png = save_figure(fig, os.path.join(out_dir, "hopfield_energy.png"))
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for n, c in curves.items():
        ax.plot(c["loads"], c["recalled"], "s-", label=f"N={n}: share recalled with <= 1% bits wrong")
    ax.plot(curve["loads"], curve["overlap"], "o--", label=f"N={n_cap}: mean overlap of recalled state and pattern")
    ax.axvline(0.138, color="k", linestyle="--", label="0.138 (theory, large N)")
    ax.set_xlabel("load P / N (recall from 10% flipped bits)")
    ax.set_ylabel("recall quality")
    ax.set_title("Capacity of Hebbian storage")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    capacity_png = save_figure(fig, os.path.join(out_dir, "hopfield_capacity.png"))
    steps = np.diff(energies, axis=1)
    measured = {"patterns stored": len(patterns), "units": 784,
                "bits right after recall from 20% flips (worst pattern)": float(correct.min()),
                "patterns recalled exactly": int(np.sum(correct == 1.0)),
                "largest energy rise in asynchronous recall": float(max(steps.max(), 0.0)),
                "synchronous recall, patterns exact": int(np.sum(np.all(sync == patterns, axis=1))),
                "synchronous runs (N=100, P=20) whose energy rose": sync_rose,
                f"capacity N={n_cap}: load where recall (<=1% wrong) falls below half": float(half)}
    shown = Shown("Hopfield network (HN)",
                  "Hebbian storage makes each pattern an energy minimum; asynchronous updates never raise the "
                  "energy, so a corrupted pattern slides back to the stored one; recall breaks down above "
                  "about 0.14 N random patterns.", measured,
                  [f"{len(patterns)} {source} were stored in a 784-unit network; started from copies with 20% "
                   f"of the bits flipped, asynchronous recall restored {np.sum(correct == 1.0)} of them exactly "
                   f"(worst {correct.min():.1%} of bits right) in {energies.shape[1] // 784} sweeps.",
                   f"The energy recorded after every single-unit update never rose (largest step "
                   f"{max(steps.max(), 0.0):.3g}); synchronous updates of an overloaded network raised it in "
                   f"{sync_rose} of 8 runs, {cycles} ending in a two-state cycle.",
                   f"With N = {n_cap}, random patterns and recall from 10% flipped bits, the share recalled with at most 1% wrong bits fell "
                   f"below one half at load {half:.2f}; the theory of large "
                   "networks puts the breakdown at 0.138 (finite networks blur it upward)."],
                  {"recall": recall_png, "energy": energy_png, "capacity": capacity_png})
    write_page(shown, out_dir, "hopfield")
    return shown
