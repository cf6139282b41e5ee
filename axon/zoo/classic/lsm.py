"""The liquid state machine (Maass, Natschläger & Markram, 2002): a fixed, randomly connected circuit of
spiking leaky integrate-and-fire neurons (the "liquid") driven by input spike trains, and a trained
linear readout of its low-pass filtered activity.  The liquid is never trained; its recurrent dynamics
turn the recent history of the input into a high-dimensional state (fading memory, nonlinear mixing),
in which a linear readout can tell apart inputs that differ only in their spike timing.  It is the
spiking sibling of the echo state network (reservoir computing).

>>> from axon.data.spikes import load_spike_patterns
>>> (x, y), (xt, yt) = load_spike_patterns(120, 60, n_classes=2, channels=10, duration_ms=100, seed=0)
>>> lsm = LiquidStateMachine(n_neurons=54, seed=0)
>>> _ = lsm.fit(x, y, verbose=0)
>>> float((lsm.predict(xt).argmax(1) == yt).mean()) > 0.8
True
"""
import os

import numpy as np

from ...tensor import to_numpy
from .elm import ClosedFormReadout

# Maass et al. (2002): connection probability C exp(-(D / lambda)^2) and strength A (nA) by the
# (pre, post) types, E excitatory and I inhibitory
CONNECTION_C = {"EE": 0.3, "EI": 0.2, "IE": 0.4, "II": 0.1}
STRENGTH_NA = {"EE": 30.0, "EI": 60.0, "IE": -19.0, "II": -19.0}
INPUT_NA = {"E": 18.0, "I": 9.0}
STATES = ("filtered", "counts")


def filtered_states(spikes, tau_ms=30.0, samples=1, state="filtered", dt_ms=1.0):
    """Readout features (N, samples * units) of spike trains (N, T, units).

    ``"filtered"``: each unit's spikes low-pass filtered, r(t) = sum exp(-(t - t_spike) / tau_ms), read at
    ``samples`` equally spaced times ending with the last step; ``"counts"``: the spikes counted in
    ``samples`` equal time bins.
    """
    spikes = np.asarray(spikes, dtype=np.float32)
    if spikes.ndim != 3:
        raise ValueError(f"filtered_states: spike trains must be (N, T, units), got shape {spikes.shape}")
    n, t, units = spikes.shape
    at = np.unique(np.linspace(0, t, samples + 1).astype(np.int64)[1:] - 1)
    if state == "counts":
        edges = np.concatenate([[0], at + 1])
        return np.add.reduceat(spikes, edges[:-1], axis=1).reshape(n, -1)
    decay = np.float32(np.exp(-dt_ms / tau_ms))
    r = np.zeros((n, units), np.float32)
    out = []
    for step in range(t):  # the filter runs along time
        r = r * decay + spikes[:, step]
        if step in at:
            out.append(r.copy())
    return np.stack(out, 1).reshape(n, -1)


class LiquidStateMachine(ClosedFormReadout):
    """A liquid of ``n_neurons`` LIF neurons and a ridge-regression readout: spike trains (N, T, channels)
    of 0/1 per ``dt_ms`` ms -> one score per class (or target).

    ``connectivity="distance"`` places the neurons on a 3-D grid of columns 3 x 3 wide (Maass's 15 x 3 x 3
    for 135 neurons) and connects a to b with probability C exp(-(D(a, b) / lambda_)^2), C by the
    synapse type (EE 0.3, EI 0.2, IE 0.4, II 0.1); ``"random"`` connects any pair with probability
    ``p_connect``.  ``excitatory`` is the fraction of excitatory neurons (the rest inhibit).  A neuron's
    membrane potential v (mV) follows tau_m dv/dt = -v + R (I_syn + I_b), R = 1 MOhm; it fires at
    ``threshold`` mV, resets to ``reset`` mV and stays silent for ``refractory_ms``.  Synaptic currents
    decay with 3 ms (excitatory) and 6 ms (inhibitory) time constants.  Each input channel reaches each
    neuron with probability ``p_input``.  Synaptic strengths are Maass's (nA) times ``weight_scale``
    (0.5 by default: these synapses are static, without the depression of Maass's dynamic ones), input
    strengths times ``input_scale``.

    The readout sees ``filtered_states`` of the liquid's spikes (``state``, ``tau_readout``,
    ``samples``); ``fit``, ``ridge``, targets: see ``ClosedFormReadout``.  ``simulate(x)`` returns the
    liquid's spikes (N, T, n_neurons) for a raster plot.
    """

    def __init__(self, n_neurons=135, connectivity="distance", lambda_=2.0, p_connect=0.1, excitatory=0.8,
                 p_input=0.1, input_scale=1.0, weight_scale=0.5, tau_m=30.0, threshold=15.0, reset=13.5,
                 background=13.5, refractory_ms=(3.0, 2.0), dt_ms=1.0, state="filtered", tau_readout=30.0,
                 samples=4, ridge=1e-2, outputs=None, seed=None, name=None, **kwargs):
        super().__init__(outputs=outputs, ridge=ridge, name=name, **kwargs)
        if isinstance(n_neurons, bool) or not isinstance(n_neurons, (int, np.integer)) or n_neurons < 2:
            raise ValueError(f"LiquidStateMachine: n_neurons must be a whole number >= 2, got {n_neurons!r}")
        if connectivity not in ("distance", "random"):
            raise ValueError(f"LiquidStateMachine: connectivity must be 'distance' (Maass's 3-D grid) or 'random', "
                             f"got {connectivity!r}")
        if state not in STATES:
            raise ValueError(f"LiquidStateMachine: state must be 'filtered' or 'counts', got {state!r}")
        for arg, value in (("p_connect", p_connect), ("excitatory", excitatory), ("p_input", p_input)):
            if not 0 <= value <= 1:
                raise ValueError(f"LiquidStateMachine: {arg} must be a probability in [0, 1], got {value!r}")
        for arg, value in (("lambda_", lambda_), ("tau_m", tau_m), ("dt_ms", dt_ms), ("tau_readout", tau_readout)):
            if not value > 0:
                raise ValueError(f"LiquidStateMachine: {arg} must be > 0 (ms, or grid units for lambda_), "
                                 f"got {value!r}")
        if not threshold > reset:
            raise ValueError(f"LiquidStateMachine: threshold ({threshold} mV) must lie above reset ({reset} mV)")
        if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
            raise ValueError(f"LiquidStateMachine: samples must be a positive whole number (readout times), got "
                             f"{samples!r}")
        refractory = np.broadcast_to(np.asarray(refractory_ms, dtype=float), (2,))
        self.n_neurons, self.connectivity = int(n_neurons), connectivity
        self.lambda_, self.p_connect, self.excitatory, self.p_input = lambda_, p_connect, excitatory, p_input
        self.input_scale, self.weight_scale = input_scale, weight_scale
        self.tau_m, self.threshold, self.reset, self.background = tau_m, threshold, reset, background
        self.refractory_ms, self.dt_ms = tuple(float(r) for r in refractory), dt_ms
        self.state, self.tau_readout, self.samples, self.seed = state, tau_readout, int(samples), seed

    # ----- the liquid
    def build_features(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.describe()}: inputs must be spike trains (N, T, channels), got samples of "
                             f"shape {tuple(input_shape)[1:]}")
        n, channels = self.n_neurons, int(input_shape[-1])
        rng = self._rng()
        exc = rng.permutation(n) < int(round(self.excitatory * n))
        kinds = np.where(exc, "E", "I")
        pair = np.char.add(kinds[:, None], kinds[None, :])  # (pre, post) synapse types
        if self.connectivity == "distance":
            columns = -(-n // 9)
            grid = np.stack(np.meshgrid(np.arange(columns), np.arange(3), np.arange(3), indexing="ij"), -1)
            pos = grid.reshape(-1, 3)[:n].astype(np.float64)
            d2 = ((pos[:, None, :] - pos[None, :, :]) ** 2).sum(-1)
            c = np.vectorize(CONNECTION_C.get)(pair)
            p = c * np.exp(-d2 / self.lambda_ ** 2)
        else:
            pos = rng.uniform(0, 1, (n, 3))
            p = np.full((n, n), float(self.p_connect))
        np.fill_diagonal(p, 0.0)
        strength = np.vectorize(STRENGTH_NA.get)(pair)
        w = np.where(rng.random((n, n)) < p, strength * np.abs(rng.normal(1.0, 0.5, (n, n))), 0.0)
        w_in = np.where(rng.random((channels, n)) < self.p_input,
                        np.where(exc, INPUT_NA["E"], INPUT_NA["I"]) * np.abs(rng.normal(1.0, 0.5, (channels, n))), 0.0)
        values = {"recurrent_kernel": w * self.weight_scale, "input_kernel": w_in * self.input_scale,
                  "excitatory_mask": exc.astype(np.float32), "positions": pos}
        for key, value in values.items():
            weight = self.add_weight(key, value.shape, "zeros", trainable=False)
            weight.data[...] = value
            setattr(self, key, weight)

    def num_features(self):
        return self.n_neurons * self.samples

    def simulate(self, x):
        """The liquid's spikes (N, T, n_neurons) float32 of 0/1 for input spike trains x (N, T, channels)."""
        x = np.asarray(to_numpy(x), dtype=np.float32)
        channels = self.input_kernel.shape[0]
        if x.ndim != 3 or x.shape[2] != channels:
            raise ValueError(f"{self.describe()}: inputs must be spike trains (N, T, {channels}), got shape {x.shape}")
        n, steps = len(x), x.shape[1]
        dt = self.dt_ms
        exc = self.excitatory_mask.data.astype(bool)
        w, w_in = self.recurrent_kernel.data, self.input_kernel.data
        w_e, w_i = w[exc], w[~exc]
        decay_e, decay_i = np.float32(np.exp(-dt / 3.0)), np.float32(np.exp(-dt / 6.0))
        refractory_steps = np.where(exc, self.refractory_ms[0], self.refractory_ms[1]) / dt
        v = np.full((n, self.n_neurons), self.reset, np.float32)
        i_e = np.zeros_like(v)
        i_i = np.zeros_like(v)
        silent = np.zeros_like(v)
        spikes = np.zeros((n, steps, self.n_neurons), np.float32)
        s = np.zeros_like(v)
        for t in range(steps):  # the circuit's dynamics, step by step (all samples and neurons at once)
            i_e = i_e * decay_e + x[:, t] @ w_in + s[:, exc] @ w_e
            i_i = i_i * decay_i + s[:, ~exc] @ w_i
            active = silent <= 0
            v = np.where(active, v + dt / self.tau_m * (-v + i_e + i_i + self.background), v)
            s = (v >= self.threshold).astype(np.float32)
            v = np.where(s > 0, self.reset, v)
            silent = np.where(s > 0, refractory_steps, silent - 1)
            spikes[:, t] = s
        return spikes

    def features(self, x):
        """Readout features (N, samples * n_neurons) of the liquid's response to x (N, T, channels)."""
        return filtered_states(self.simulate(x), self.tau_readout, self.samples, self.state, self.dt_ms)


class SpikeReadout(ClosedFormReadout):
    """The baseline without a liquid: the same ridge readout on ``filtered_states`` of the input spike
    trains themselves (N, T, channels)."""

    def __init__(self, state="filtered", tau_readout=30.0, samples=4, dt_ms=1.0, ridge=1e-2, outputs=None, name=None,
                 **kwargs):
        super().__init__(outputs=outputs, ridge=ridge, name=name, **kwargs)
        if state not in STATES:
            raise ValueError(f"SpikeReadout: state must be 'filtered' or 'counts', got {state!r}")
        self.state, self.tau_readout, self.samples, self.dt_ms = state, tau_readout, int(samples), dt_ms

    def build_features(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.describe()}: inputs must be spike trains (N, T, channels), got samples of "
                             f"shape {tuple(input_shape)[1:]}")
        self.channels = int(input_shape[-1])

    def num_features(self):
        return self.channels * self.samples

    def features(self, x):
        return filtered_states(x, self.tau_readout, self.samples, self.state, self.dt_ms)


# ----- show

def show(out_dir, quick=False):
    """Raster of the liquid and readout accuracy on the spike-pattern task, liquid vs raw input spikes."""
    import time
    from ...data.spikes import load_spike_patterns
    from ...utils.plots import pyplot, save_figure
    from ..showcase import Shown, write_page

    n_train, n_test = (160, 100) if quick else (400, 400)
    (x, y), (xt, yt) = load_spike_patterns(n_train, n_test, n_classes=4, channels=40, duration_ms=200.0,
                                           jitter_ms=6.0, seed=0)
    results, fit_time = {}, 0.0
    for state, samples, label in (("counts", 1, "spike counts"), ("filtered", 4, "filtered states at 4 times")):
        for source in ("liquid", "input"):
            start = time.perf_counter()
            model = (LiquidStateMachine(state=state, samples=samples, seed=0) if source == "liquid"
                     else SpikeReadout(state=state, samples=samples))
            model.fit(x, y, batch_size=100, verbose=0)
            if source == "liquid" and state == "counts":
                fit_time, liquid = time.perf_counter() - start, model
            results[(source, label)] = float((model.predict(xt, batch_size=100).argmax(1) == yt).mean())

    sample = xt[:1]
    spikes = liquid.simulate(sample)[0]
    exc = liquid.excitatory_mask.data.astype(bool)
    order = np.concatenate([np.flatnonzero(exc), np.flatnonzero(~exc)])
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), gridspec_kw={"width_ratios": [1, 1.2, 1]})
    t_in, c_in = np.nonzero(sample[0])
    axes[0].plot(t_in, c_in, "k|", ms=4)
    axes[0].set(title=f"Input: one sample of class {yt[0]} (40 channels)", xlabel="time (ms)", ylabel="input channel")
    t_l, n_l = np.nonzero(spikes[:, order])
    inhib = n_l >= exc.sum()
    axes[1].plot(t_l[~inhib], n_l[~inhib], "|", color="C3", ms=3, label="excitatory")
    axes[1].plot(t_l[inhib], n_l[inhib], "|", color="C0", ms=3, label="inhibitory")
    axes[1].set(title=f"The liquid's answer: {liquid.n_neurons} LIF neurons, {spikes.mean() * 1000:.0f} Hz mean rate",
                xlabel="time (ms)", ylabel="neuron")
    axes[1].legend(loc="upper right", fontsize=8, markerscale=3)
    labels = ["spike counts", "filtered states at 4 times"]
    pos = np.arange(2)
    axes[2].bar(pos - 0.2, [results[("input", l)] for l in labels], 0.4, label="readout of the input spikes")
    axes[2].bar(pos + 0.2, [results[("liquid", l)] for l in labels], 0.4, label="readout of the liquid")
    axes[2].axhline(0.25, color="k", ls=":", lw=1, label="chance (4 classes)")
    axes[2].set_xticks(pos, ["spike counts\n(rates, no timing)", "low-pass filtered\nstates at 4 times"])
    axes[2].set(ylim=(0, 1.4), yticks=np.linspace(0, 1, 6), ylabel="test accuracy", title="Linear (ridge) readout")
    axes[2].legend(loc="upper center", fontsize=8)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "lsm.png")
    save_figure(fig, path)
    raw_counts, lsm_counts = results[("input", "spike counts")], results[("liquid", "spike counts")]
    raw_f, lsm_f = results[("input", "filtered states at 4 times")], results[("liquid", "filtered states at 4 times")]
    shown = Shown(
        "Liquid state machine (LSM)",
        "A fixed random circuit of spiking neurons turns the temporal structure of its input into a spatial "
        "pattern of activity, so that a linear readout trained on the liquid alone can classify spike patterns "
        "that differ only in their timing.",
        {"liquid, spike-count readout: test accuracy": lsm_counts,
         "input, spike-count readout: test accuracy": raw_counts,
         "liquid, filtered-state readout: test accuracy": lsm_f,
         "input, filtered-state readout: test accuracy": raw_f,
         "liquid neurons": liquid.n_neurons, "liquid fit time (s)": fit_time},
        [f"Task (axon.data.spikes): 4 classes of 200 ms spike patterns on 40 input channels; every class puts "
         f"the same number of spikes on each channel, at its own times, and each sample jitters them by 6 ms, "
         f"deletes 10% and adds 2 Hz noise ({n_train} training, {n_test} test samples).", "",
         f"A ridge readout of how often each input channel fired cannot tell the classes apart "
         f"({raw_counts:.3f}, chance 0.25); the same readout of how often each of the {liquid.n_neurons} liquid "
         f"neurons (Maass's 15 x 3 x 3 grid, distance-dependent connections, 80% excitatory) fired reaches "
         f"{lsm_counts:.3f}: the liquid has turned timing into which neurons fire how much.", "",
         f"A readout that sees time itself (low-pass filtered states at 4 times) does well on both "
         f"(input {raw_f:.3f}, liquid {lsm_f:.3f}): on this task the liquid's gain is for readouts blind to time."],
        {"figure": path})
    write_page(shown, out_dir, "lsm")
    return shown


__all__ = ["LiquidStateMachine", "SpikeReadout", "filtered_states", "show"]

from ..registry import register  # noqa: E402

register("liquid_state_machine", LiquidStateMachine, aliases=("lsm",))
