"""Spike-pattern classification data for spiking networks (the liquid state machine): each class is a
template of spike times on a set of input channels; a sample is its class's template with every spike
time jittered, some spikes deleted and Poisson noise spikes added.  Spike trains are arrays
(N, T, channels) of 0/1 per time step of ``dt_ms`` milliseconds.

Every class puts the same number of spikes on each channel, only at different times, so a readout of
the channels' spike counts (their rates) sees nothing of the class: the information is all in the timing.

>>> templates = SpikeTemplates.draw(n_classes=3, channels=8, duration_ms=100, seed=0)
>>> x, y = spike_patterns(5, templates, seed=1)
>>> x.shape, x.dtype, sorted(set(np.unique(x).tolist())) <= [0.0, 1.0]
((5, 100, 8), dtype('float32'), True)
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class SpikeTemplates:
    """The class templates: ``times`` (n_classes, S) in ms of S spikes, ``channel`` (S,) the input channel
    of each spike (shared by all classes, so every class has the same spikes per channel), the
    ``duration_ms`` and ``channels``."""
    times: np.ndarray
    channel: np.ndarray
    duration_ms: float
    channels: int

    @property
    def n_classes(self):
        return len(self.times)

    @classmethod
    def draw(cls, n_classes=4, channels=40, duration_ms=200.0, rate_hz=20.0, shared_tail_ms=0.0, seed=None):
        """Random templates: each channel gets a Poisson number of spikes (mean rate_hz x duration), the
        same for every class; each class places them at its own uniformly drawn times.  With
        ``shared_tail_ms`` the last that many ms are one pattern common to all classes, so the class
        shows only earlier (a test of memory for a readout at the end)."""
        for name, value in (("n_classes", n_classes), ("channels", channels)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"SpikeTemplates.draw: {name} must be a positive whole number, got {value!r}")
        if not duration_ms > 0 or not rate_hz > 0:
            raise ValueError(f"SpikeTemplates.draw: duration_ms and rate_hz must be > 0, got {duration_ms!r} and "
                             f"{rate_hz!r}")
        rng = np.random.default_rng(seed)
        counts = np.maximum(rng.poisson(rate_hz * duration_ms / 1000.0, channels), 1)
        channel = np.repeat(np.arange(channels), counts)
        if not 0 <= shared_tail_ms < duration_ms:
            raise ValueError(f"SpikeTemplates.draw: shared_tail_ms must lie in [0, duration_ms), "
                             f"got {shared_tail_ms!r}")
        cut = duration_ms - shared_tail_ms
        tail = rng.random(len(channel)) < shared_tail_ms / duration_ms
        times = np.where(tail, rng.uniform(cut, duration_ms, len(channel)),
                         rng.uniform(0, cut, (n_classes, len(channel))))
        return cls(times, channel, float(duration_ms), int(channels))


def spike_patterns(n, templates, jitter_ms=4.0, deletion=0.1, noise_hz=2.0, dt_ms=1.0, balanced=True, seed=None):
    """``n`` samples ``(x, y)``: spike trains x (n, T, channels) float32 of 0/1, T = duration / dt_ms, and
    class labels y (n,) int64.

    Each sample is its class's template with every spike moved by N(0, jitter_ms^2) (reflected at the
    window's edges), each spike deleted
    with probability ``deletion``, and noise spikes at ``noise_hz`` per channel added.  ``balanced``
    gives each class n / n_classes samples (shuffled); otherwise classes are drawn at random.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"spike_patterns: n must be a positive whole number (samples), got {n!r}")
    if not isinstance(templates, SpikeTemplates):
        raise ValueError(f"spike_patterns: templates must be SpikeTemplates (SpikeTemplates.draw(...)), got "
                         f"{type(templates).__name__}")
    if jitter_ms < 0 or not 0 <= deletion < 1 or noise_hz < 0 or not dt_ms > 0:
        raise ValueError(f"spike_patterns: need jitter_ms >= 0, 0 <= deletion < 1, noise_hz >= 0 and dt_ms > 0, got "
                         f"{jitter_ms}, {deletion}, {noise_hz}, {dt_ms}")
    rng = np.random.default_rng(seed)
    k = templates.n_classes
    y = (np.arange(n) % k) if balanced else rng.integers(0, k, n)
    y = rng.permutation(y).astype(np.int64)
    steps = int(round(templates.duration_ms / dt_ms))
    times = templates.times[y] + rng.normal(0.0, jitter_ms, (n, templates.times.shape[1]))
    times = np.abs(times)  # jitter reflected at the edges, so no class loses spikes there
    times = np.where(times >= templates.duration_ms, 2 * templates.duration_ms - times, times)
    keep = (rng.random(times.shape) >= deletion) & (times >= 0) & (times < templates.duration_ms)
    rows, spikes = np.nonzero(keep)
    x = np.zeros((n, steps, templates.channels), np.float32)
    x[rows, np.minimum((times[rows, spikes] / dt_ms).astype(np.int64), steps - 1), templates.channel[spikes]] = 1.0
    if noise_hz > 0:
        x[rng.random(x.shape) < noise_hz * dt_ms / 1000.0] = 1.0
    return x, y


def load_spike_patterns(n_train=400, n_test=200, n_classes=4, channels=40, duration_ms=200.0, rate_hz=20.0,
                        shared_tail_ms=0.0, jitter_ms=4.0, deletion=0.1, noise_hz=2.0, dt_ms=1.0, seed=0):
    """``(x_train, y_train), (x_test, y_test)`` of ``spike_patterns`` on one set of templates (drawn from
    ``seed``; the two splits from other streams of it), as the datasets' ``load_data`` returns them."""
    templates = SpikeTemplates.draw(n_classes, channels, duration_ms, rate_hz, shared_tail_ms, seed=seed)
    kw = dict(jitter_ms=jitter_ms, deletion=deletion, noise_hz=noise_hz, dt_ms=dt_ms)
    seeds = np.random.SeedSequence(seed).spawn(2)
    return (spike_patterns(n_train, templates, seed=seeds[0], **kw),
            spike_patterns(n_test, templates, seed=seeds[1], **kw))


__all__ = ["SpikeTemplates", "spike_patterns", "load_spike_patterns"]
