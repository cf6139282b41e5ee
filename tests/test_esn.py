"""Echo state networks: the reservoir as asked (spectral radius, connectivity, scaling), the states,
readout and generation identical to reservoirpy's on the same matrices, learning Mackey-Glass, the
Mackey-Glass series and NRMSE identical to reservoirpy's, the fitting contract, saving, mistakes."""
import numpy as np
import pytest

import axon
from axon.data.mackey_glass import mackey_glass, to_forecasting
from axon.zoo.classic.esn import EchoStateNetwork, nrmse


@pytest.fixture(scope="module")
def series():
    s = mackey_glass(1700)
    return 2 * (s - s.min()) / (s.max() - s.min()) - 1


def _esn(**kwargs):
    settings = dict(units=200, spectral_radius=0.9, leak_rate=0.3, input_scaling=1.0, ridge=1e-8, washout=100, seed=0)
    settings.update(kwargs)
    return EchoStateNetwork(**settings)


def test_reservoir_is_scaled_as_asked():
    esn = EchoStateNetwork(units=200, spectral_radius=1.25, connectivity=0.2, input_connectivity=0.5,
                           input_scaling=0.4, seed=1)
    esn.build((1, 10, 2))
    w = esn.reservoir_matrix().astype(np.float64)
    assert np.max(np.abs(np.linalg.eigvals(w))) == pytest.approx(1.25, rel=1e-5)
    assert np.mean(w != 0) == pytest.approx(0.2, abs=0.01)
    w_in = esn.input_kernel.data
    assert w_in.shape == (2, 200) and set(np.unique(np.abs(w_in))) <= {0.0, np.float32(0.4)}
    assert np.mean(w_in != 0) == pytest.approx(0.5, abs=0.05)
    other = EchoStateNetwork(units=200, spectral_radius=1.25, connectivity=0.2, seed=1)
    other.build((1, 10, 2))
    np.testing.assert_array_equal(other.reservoir_matrix(), esn.reservoir_matrix())  # seeded: the same draw


def test_spectral_radius_arpack_agrees_with_all_eigenvalues(rng):
    from axon.zoo.classic.esn import spectral_radius
    w = rng.standard_normal((120, 120)) * (rng.random((120, 120)) < 0.1)
    assert spectral_radius(w) == pytest.approx(np.max(np.abs(np.linalg.eigvals(w))), rel=1e-10)
    assert spectral_radius(np.zeros((20, 20))) == 0.0


def test_generate_goes_on_from_a_given_state(series):
    x, y = to_forecasting(series[:701])
    esn = _esn(units=60, washout=50)
    esn.fit(x[:500], y[:500], verbose=0)
    _, state = esn.states(x[:599])
    np.testing.assert_allclose(esn.generate(30, warmup=x[599:600], initial_state=state),
                               esn.generate(30, warmup=x[:600]), atol=1e-6)
    with pytest.raises(ValueError, match=r"initial_state must be \(batch, units\) = \(1, 60\), got shape \(1, 5\)"):
        esn.generate(3, warmup=x[:10], initial_state=np.zeros(5))


def test_learns_mackey_glass(series):
    x, y = to_forecasting(series)
    esn = _esn()
    history = esn.fit(x[:1000], y[:1000], verbose=0)
    assert history.history["loss"][0] < 1e-6
    one_step = nrmse(y[1000:1500], esn.predict(x[:1500])[1000:])
    free = nrmse(series[1500:1600], esn.generate(100, warmup=x[:1500]))
    persistence = nrmse(series[1500:1600], np.repeat(series[1499:1500], 100, axis=0))  # repeat the last value
    assert one_step < 2e-3 and free < 0.1 < persistence
    assert esn.evaluate(x[:1500], y[:1500]) < 1e-6  # the one-step mean squared error after the washout
    assert "val_loss" in _esn().fit(x[:1000], y[:1000], validation_data=(x[:1500], y[:1500]), verbose=0).history
    # an untrained-looking readout (a huge ridge) does far worse: the fit is what predicts
    flat = _esn(ridge=1e3)
    flat.fit(x[:1000], y[:1000], verbose=0)
    assert nrmse(y[1000:1500], flat.predict(x[:1500])[1000:]) > 10 * one_step


def test_states_readout_and_generation_are_reservoirpys(series):
    rpy = pytest.importorskip("reservoirpy")
    from reservoirpy.nodes import Reservoir, Ridge
    x, y = to_forecasting(series)
    ours = _esn(bias_scaling=0.2, ridge=1e-6, dtype="float64")
    ours.fit(x[:800], y[:800], verbose=0)
    reservoir = Reservoir(W=ours.reservoir_matrix().copy(), Win=ours.input_kernel.data.T.copy(),
                          bias=ours.reservoir_bias.data.copy(), lr=0.3)
    theirs = reservoir >> Ridge(ridge=1e-6)
    theirs.fit(x[:800], y[:800], warmup=100)
    states = ours.states(x[:800])[0][0]
    reservoir.reset()  # reservoirpy's nodes keep their last state; ours start each sequence from zero
    np.testing.assert_allclose(states, reservoir.run(x[:800]), atol=1e-12)
    readout = theirs.nodes[1]
    np.testing.assert_allclose(ours.readout_kernel.data, readout.Wout, rtol=1e-4, atol=1e-4 * np.abs(readout.Wout).max())
    np.testing.assert_allclose(ours.readout_bias.data, readout.bias, rtol=1e-4)
    reservoir.reset()
    predicted = theirs.run(x[:1200])
    # fit and predict take their data through the batch protocol, which rounds float64 inputs to float32:
    # the readouts agree to ~1e-5, the outputs as closely
    np.testing.assert_allclose(ours.predict(x[:1200]), predicted, atol=2e-5)
    # free run: their model fed its own output, from the state the warmup left
    value, generated = predicted[-1], [predicted[-1]]
    for _ in range(49):
        value = theirs(value)
        generated.append(value)
    np.testing.assert_allclose(ours.generate(50, warmup=x[:1200]), np.array(generated).reshape(-1, 1), atol=2e-4)
    assert rpy.__version__


def test_float32_quality_at_least_reservoirpys(series):
    pytest.importorskip("reservoirpy")
    from reservoirpy.nodes import Reservoir, Ridge
    from reservoirpy.observables import nrmse as their_nrmse
    x, y = to_forecasting(series)
    ours = _esn()
    ours.fit(x[:1000], y[:1000], verbose=0)
    assert ours.reservoir_kernel.dtype == np.float32
    reservoir = Reservoir(W=ours.reservoir_matrix().astype(np.float64), Win=ours.input_kernel.data.T.astype(np.float64),
                          lr=0.3)
    theirs = reservoir >> Ridge(ridge=1e-8)
    theirs.fit(x[:1000], y[:1000], warmup=100)
    reservoir.reset()
    theirs_one = their_nrmse(y[1000:1500], theirs.run(x[:1500])[1000:])
    ours_one = nrmse(y[1000:1500], ours.predict(x[:1500])[1000:])
    assert ours_one <= theirs_one * 1.05


def test_mackey_glass_and_nrmse_are_reservoirpys():
    pytest.importorskip("reservoirpy")
    from reservoirpy.datasets import mackey_glass as their_mackey_glass
    from reservoirpy.observables import nrmse as their_nrmse
    for kwargs in ({}, {"tau": 30, "seed": 7}, {"h": 0.5, "x0": 1.0, "n": 9}):
        np.testing.assert_array_equal(mackey_glass(2000, **kwargs), their_mackey_glass(2000, **kwargs))
    history = np.linspace(0.5, 1.0, 17)
    np.testing.assert_array_equal(mackey_glass(300, history=history), their_mackey_glass(300, history=history))
    rng = np.random.default_rng(0)
    t, p = rng.random((50, 1)), rng.random((50, 1))
    for norm in ("minmax", "var", "mean", "q1q3"):
        assert nrmse(t, p, norm) == pytest.approx(their_nrmse(t, p, norm=norm), rel=1e-12)


def test_fit_contract_batches_epochs_and_train_on_batch(series):
    x, y = to_forecasting(series[:801])
    xs, ys = np.stack([x[:400], x[400:]]), np.stack([y[:400], y[400:]])  # two sequences of 400 steps
    one = _esn(units=80, washout=20, ridge=1e-6, dtype="float64")
    one.fit(xs, ys, batch_size=2, verbose=0)
    split = _esn(units=80, washout=20, ridge=1e-6, dtype="float64")
    split.fit(xs, ys, batch_size=1, epochs=3, verbose=0)  # two batches a pass, three passes: the same readout
    np.testing.assert_allclose(split.readout_kernel.data, one.readout_kernel.data, rtol=1e-6, atol=1e-6)
    step = _esn(units=80, washout=20, ridge=1e-6, dtype="float64")
    step.compile()
    step.train_on_batch(xs[:1], ys[:1])
    step.train_on_batch(xs[1:], ys[1:])  # train_on_batch keeps adding
    np.testing.assert_allclose(step.readout_kernel.data, one.readout_kernel.data, rtol=1e-6, atol=1e-6)
    # the batch of sequences runs as each sequence alone
    together = one.predict(xs)
    np.testing.assert_allclose(together[1], one.predict(xs[1]), atol=1e-6)
    assert one.generate(5, warmup=xs).shape == (2, 5, 1)


def test_save_load_round_trip(tmp_path, series):
    x, y = to_forecasting(series[:601])
    esn = _esn(units=60, washout=50)
    esn.fit(x, y, verbose=0)
    path = tmp_path / "esn.axon"
    esn.save(path)
    loaded = axon.models.load_model(path)
    assert isinstance(loaded, EchoStateNetwork) and loaded.units == 60
    np.testing.assert_array_equal(loaded.reservoir_matrix(), esn.reservoir_matrix())
    np.testing.assert_array_equal(loaded.predict(x), esn.predict(x))
    np.testing.assert_array_equal(loaded.generate(20, warmup=x), esn.generate(20, warmup=x))


def test_bad_inputs_are_refused(series):
    x, y = to_forecasting(series[:301])
    with pytest.raises(ValueError, match="spectral_radius must be a number > 0, got -1"):
        EchoStateNetwork(spectral_radius=-1)
    with pytest.raises(ValueError, match="leak_rate must be a number > 0 and <= 1, got 1.5"):
        EchoStateNetwork(leak_rate=1.5)
    with pytest.raises(ValueError, match="units must be a whole number >= 1, got 0"):
        EchoStateNetwork(units=0)
    with pytest.raises(ValueError, match=r"one axis; pass one sequence as \(time, features\)"):
        _esn().fit(x[:, 0], y, verbose=0)
    with pytest.raises(ValueError, match="x holds 1 sequences of 300 steps but y 1 of 299"):
        _esn().fit(x, y[1:], verbose=0)
    with pytest.raises(ValueError, match="300 steps, no more than washout=300"):
        _esn(units=20, washout=300).fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="needs targets"):
        _esn().fit(x, verbose=0)
    with pytest.raises(RuntimeError, match="not fitted yet; call fit"):
        _esn().predict(x)
    esn = _esn(units=30, washout=10)
    esn.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="takes 1 input features per step, got 2"):
        esn.predict(np.concatenate([x, x], axis=1))
    with pytest.raises(ValueError, match="NaN or Inf"):
        esn.predict(np.full((10, 1), np.nan))
    two = _esn(units=30, washout=10)
    two.fit(x, np.concatenate([y, y], axis=1), verbose=0)
    with pytest.raises(ValueError, match="gives 2 values per step but the input takes 1"):
        two.generate(5, warmup=x)
    with pytest.raises(ValueError, match="n_steps must be a whole number >= 1"):
        esn.generate(0, warmup=x)
    with pytest.raises(ValueError, match="needs at least 17"):
        mackey_glass(10, history=np.ones(5))


def test_registered_in_the_zoo():
    from axon.zoo import registry
    assert registry.resolve("esn") == "echo_state_network"
    assert isinstance(registry.get("esn", units=10), EchoStateNetwork)


@pytest.mark.slow
def test_show_quick(tmp_path):
    from axon.zoo.classic.esn import show
    shown = show(tmp_path, quick=True)
    assert shown.measured["one-step NRMSE (range-normalised)"] < 2e-3
    assert (tmp_path / "esn.md").exists() and (tmp_path / "esn_mackey_glass.png").exists()
