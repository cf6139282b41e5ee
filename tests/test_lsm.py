"""The liquid state machine and its spike-pattern task: the generator's promises, the LIF liquid's
dynamics and wiring, and the claim that a readout of the liquid sees timing a readout of the input's
spike counts cannot."""
import numpy as np
import pytest

from axon.data.spikes import SpikeTemplates, load_spike_patterns, spike_patterns
from axon.models import load_model
from axon.zoo.classic.lsm import LiquidStateMachine, SpikeReadout, filtered_states


def test_templates_share_spike_counts_per_channel():
    t = SpikeTemplates.draw(n_classes=3, channels=12, duration_ms=150, rate_hz=30, seed=0)
    x, y = spike_patterns(6, t, jitter_ms=0.0, deletion=0.0, noise_hz=0.0, seed=1)
    counts = x.sum(1)  # (samples, channels); rounding can merge two spikes in one 1 ms step
    assert np.abs(counts - counts[0]).max() <= 2
    assert np.array_equal(counts.sum(0) / len(x), np.bincount(t.channel, minlength=12)) or \
        np.abs(counts.mean(0) - np.bincount(t.channel, minlength=12)).max() <= 2
    assert sorted(np.bincount(y).tolist()) == [2, 2, 2]


def test_noise_free_samples_are_their_templates():
    t = SpikeTemplates.draw(n_classes=2, channels=5, duration_ms=100, seed=3)
    x, y = spike_patterns(4, t, jitter_ms=0.0, deletion=0.0, noise_hz=0.0, seed=0)
    for sample, label in zip(x, y):
        expected = np.zeros((100, 5), np.float32)
        expected[t.times[label].astype(int), t.channel] = 1
        assert np.array_equal(sample, expected)


def test_generator_is_reproducible_and_splits_differ():
    (a, ya), (b, yb) = load_spike_patterns(20, 20, channels=8, duration_ms=80, seed=5)
    (c, yc), _ = load_spike_patterns(20, 20, channels=8, duration_ms=80, seed=5)
    assert np.array_equal(a, c) and np.array_equal(ya, yc)
    assert not np.array_equal(a, b)
    assert a.shape == (20, 80, 8) and a.dtype == np.float32


def test_shared_tail_makes_the_end_alike():
    t = SpikeTemplates.draw(n_classes=3, channels=6, duration_ms=100, shared_tail_ms=40, seed=0)
    late = t.times.min(0) >= 60
    assert late.any() and np.allclose(t.times[:, late], t.times[0, late])
    assert (t.times[:, ~late] < 60).all()


def test_filtered_states_and_counts():
    spikes = np.zeros((1, 10, 2), np.float32)
    spikes[0, [0, 9], 0] = 1
    counts = filtered_states(spikes, samples=2, state="counts")
    assert counts.tolist() == [[1, 0, 1, 0]]
    f = filtered_states(spikes, tau_ms=5.0, samples=1)
    assert np.allclose(f, [[1 + np.exp(-9 / 5), 0]])


def test_liquid_is_silent_without_input_and_respects_refractoriness():
    lsm = LiquidStateMachine(n_neurons=45, outputs=2, refractory_ms=(3.0, 2.0), seed=0)
    x = np.zeros((2, 100, 8), np.float32)
    lsm.build_from_shape(x.shape[1:])
    assert lsm.simulate(x).sum() == 0  # background 13.5 mV stays below threshold 15 mV
    x[:, ::2] = 1  # strong drive
    spikes = lsm.simulate(x)
    assert spikes.mean() > 0.01
    exc = lsm.excitatory_mask.data.astype(bool)
    for sample in spikes:
        t, n = np.nonzero(sample)
        for kind, gap in ((exc, 4), (~exc, 3)):  # refractory 3 / 2 ms at dt = 1 ms: a spike, then silence
            keep = kind[n]
            order = np.lexsort((t[keep], n[keep]))
            tt, nn = t[keep][order], n[keep][order]
            same = nn[1:] == nn[:-1]
            assert (np.diff(tt)[same] >= gap).all()


def test_wiring_follows_distance_and_dale():
    lsm = LiquidStateMachine(n_neurons=135, outputs=2, seed=1)
    lsm.build_from_shape((50, 10))
    w = lsm.recurrent_kernel.data
    exc = lsm.excitatory_mask.data.astype(bool)
    assert abs(exc.mean() - 0.8) < 0.01
    assert (w[exc] >= 0).all() and (w[~exc] <= 0).all()  # a neuron's synapses share its sign
    assert (np.diag(w) == 0).all()
    pos = lsm.positions.data
    d = np.sqrt(((pos[:, None] - pos[None]) ** 2).sum(-1))
    near, far = (w[(d > 0) & (d <= 1)] != 0).mean(), (w[d >= 4] != 0).mean()
    assert near > 0.1 > 0.001 > far
    random = LiquidStateMachine(n_neurons=135, connectivity="random", p_connect=0.1, outputs=2, seed=1)
    random.build_from_shape((50, 10))
    assert abs((random.recurrent_kernel.data != 0).mean() - 0.1) < 0.01


def test_liquid_readout_sees_timing_that_input_counts_do_not():
    (x, y), (xt, yt) = load_spike_patterns(160, 100, n_classes=4, channels=40, jitter_ms=6.0, seed=0)
    liquid = LiquidStateMachine(state="counts", samples=1, seed=0)
    history = liquid.fit(x, y, batch_size=80, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    raw = SpikeReadout(state="counts", samples=1)
    raw.fit(x, y, verbose=0)
    liquid_acc = (liquid.predict(xt).argmax(1) == yt).mean()
    raw_acc = (raw.predict(xt).argmax(1) == yt).mean()
    assert liquid_acc > 0.8 and raw_acc < 0.45


def test_seeded_liquids_are_identical_and_round_trip(tmp_path):
    (x, y), (xt, _) = load_spike_patterns(40, 10, n_classes=2, channels=10, duration_ms=60, seed=2)
    a = LiquidStateMachine(n_neurons=27, seed=4)
    a.fit(x, y, verbose=0)
    b = LiquidStateMachine(n_neurons=27, seed=4)
    b.fit(x, y, verbose=0)
    assert np.array_equal(a.predict(xt), b.predict(xt))
    path = str(tmp_path / "lsm.axon")
    a.save(path)
    again = load_model(path)
    assert np.array_equal(again.simulate(xt), a.simulate(xt))
    assert np.array_equal(again.predict(xt), a.predict(xt))


@pytest.mark.parametrize("build, match", [
    (lambda: LiquidStateMachine(n_neurons=1), "n_neurons must be a whole number >= 2"),
    (lambda: LiquidStateMachine(connectivity="small_world"), "connectivity must be 'distance'"),
    (lambda: LiquidStateMachine(excitatory=1.5), "excitatory must be a probability"),
    (lambda: LiquidStateMachine(threshold=10.0, reset=13.5), r"threshold \(10.0 mV\) must lie above reset"),
    (lambda: LiquidStateMachine(state="voltage"), "state must be 'filtered' or 'counts'"),
    (lambda: SpikeTemplates.draw(n_classes=0), "n_classes must be a positive whole number"),
    (lambda: spike_patterns(5, "templates"), "templates must be SpikeTemplates"),
    (lambda: spike_patterns(5, SpikeTemplates.draw(seed=0), deletion=1.0), "0 <= deletion < 1"),
])
def test_bad_arguments_are_refused(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_bad_inputs_are_refused():
    lsm = LiquidStateMachine(n_neurons=18, seed=0)
    with pytest.raises(ValueError, match=r"spike trains \(N, T, channels\), got samples of shape \(5,\)"):
        lsm.fit(np.zeros((10, 5), np.float32), np.zeros(10, np.int64), verbose=0)
    (x, y), _ = load_spike_patterns(10, 2, n_classes=2, channels=6, duration_ms=30, seed=0)
    lsm = LiquidStateMachine(n_neurons=18, seed=0)
    lsm.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match=r"inputs must be spike trains \(N, T, 6\), got shape \(2, 30, 7\)"):
        lsm.simulate(np.zeros((2, 30, 7), np.float32))


def test_show_rasters_the_liquid_and_compares_readouts(tmp_path):
    import os
    from axon.zoo.classic.lsm import show
    shown = show(str(tmp_path), quick=True)
    m = shown.measured
    assert m["liquid, spike-count readout: test accuracy"] > 0.8 > 0.45 > m["input, spike-count readout: test accuracy"]
    assert m["liquid, filtered-state readout: test accuracy"] > 0.9
    assert os.path.exists(shown.files["figure"]) and shown.files["page"].endswith("lsm.md")
