"""Kohonen's self-organising map: the errors against brute force, the schedules and neighbourhoods
against MiniSom's formulas, training identical to MiniSom's on the same data, order and start,
learning on Fashion-MNIST, saving, and the mistakes it refuses."""
import numpy as np
import pytest

import axon
from axon.zoo.classic.som import SelfOrganizingMap, learning_rate_decay, sigma_decay, plot_u_matrix, plot_prototypes


def _trained(x, grid=(4, 5), **kwargs):
    som = SelfOrganizingMap(grid=grid, seed=0, **kwargs)
    som.fit(x, epochs=2, verbose=0)
    return som


@pytest.fixture
def blobs(rng):
    centres = rng.normal(0, 3, (6, 5))
    return (centres[rng.integers(0, 6, 400)] + rng.normal(0, 0.5, (400, 5))).astype(np.float32)


def test_errors_match_brute_force(blobs):
    som = _trained(blobs, sigma=1.2)
    w = som.codebook.data.astype(np.float64)
    rows, cols = som.grid
    qe, te = [], []
    for x in blobs.astype(np.float64):  # the textbook definitions, one sample at a time
        d = [np.sqrt(np.sum((x - w[j]) ** 2)) for j in range(len(w))]
        order = np.argsort(d, kind="stable")
        qe.append(d[order[0]])
        (r1, c1), (r2, c2) = divmod(int(order[0]), cols), divmod(int(order[1]), cols)
        te.append(max(abs(r1 - r2), abs(c1 - c2)) > 1)
    assert som.quantization_error(blobs) == pytest.approx(np.mean(qe), rel=1e-5)
    assert som.topographic_error(blobs) == pytest.approx(np.mean(te))
    hits = np.zeros(rows * cols, int)
    for x in blobs:
        hits[int(np.argmin(((w - x) ** 2).sum(1)))] += 1
    np.testing.assert_array_equal(som.hit_map(blobs).ravel(), hits)
    assert som.winner(blobs[0]) == divmod(int(np.argmin(((w - blobs[0]) ** 2).sum(1))), cols)


def test_decays_are_minisoms_formulas():
    t, steps = np.arange(0, 1001, 250), 1000
    np.testing.assert_allclose(learning_rate_decay("asymptotic", 0.5, t, steps), 0.5 / (1 + t / 500))
    np.testing.assert_allclose(learning_rate_decay("linear", 0.5, t, steps), 0.5 * (1 - t / 1000))
    np.testing.assert_allclose(learning_rate_decay("inverse", 0.5, t, steps), 0.5 * 10 / (10 + t))
    np.testing.assert_allclose(sigma_decay("asymptotic", 3.0, t, steps), 3.0 / (1 + t / 500))
    np.testing.assert_allclose(sigma_decay("linear", 3.0, t, steps), 3.0 + t * (1 - 3.0) / 1000)
    np.testing.assert_allclose(sigma_decay("inverse", 3.0, t, steps), 3.0 / (1 + t * 2.0 / 1000))
    minisom = pytest.importorskip("minisom")
    m = minisom.MiniSom(3, 3, 2)
    for kind, theirs in (("asymptotic", m._asymptotic_decay), ("linear", m._linear_decay_to_zero),
                         ("inverse", m._inverse_decay_to_zero)):
        assert learning_rate_decay(kind, 0.5, 300, steps) == pytest.approx(theirs(0.5, 300, steps))
    for kind, theirs in (("asymptotic", m._asymptotic_decay), ("linear", m._linear_decay_to_one),
                         ("inverse", m._inverse_decay_to_one)):
        assert sigma_decay(kind, 3.0, 300, steps) == pytest.approx(theirs(3.0, 300, steps))


def test_neighbourhood_shrinks_as_training_goes(blobs):
    som = SelfOrganizingMap(grid=(5, 5), sigma=2.0, learning_rate=0.5, decay="linear", sigma_decay="linear", seed=0)
    logs = som.fit(blobs, epochs=4, verbose=0).history
    assert np.all(np.diff(logs["sigma"]) < 0) and np.all(np.diff(logs["learning_rate"]) < 0)
    t_last = 4 * len(blobs) - 1  # the sample count of the last update
    assert logs["sigma"][-1] == pytest.approx(2.0 + t_last * (1 - 2.0) / (4 * len(blobs)))
    h_wide, h_narrow = som.neighbourhood([12], 2.0)[0], som.neighbourhood([12], 0.5)[0]
    assert h_wide[12] == h_narrow[12] == 1.0
    assert h_wide[13] == pytest.approx(np.exp(-1 / 8)) and h_narrow[13] == pytest.approx(np.exp(-2))
    assert logs["quantization_error"][-1] < logs["quantization_error"][0]


@pytest.mark.parametrize("kind", ["gaussian", "bubble", "mexican_hat", "triangle"])
def test_neighbourhoods_match_minisom(kind):
    minisom = pytest.importorskip("minisom")
    som = SelfOrganizingMap(grid=(4, 6), neighborhood=kind)
    with pytest.warns(UserWarning) if kind in ("bubble", "triangle") else _nothing():
        m = minisom.MiniSom(4, 6, 3, neighborhood_function=kind, sigma=1.5)
    for unit in (0, 9, 23):
        for sigma in (0.7, 1.5, 2.0):
            ours = som.neighbourhood([unit], sigma)[0].reshape(4, 6)
            np.testing.assert_allclose(ours, m.neighborhood(divmod(unit, 6), sigma), rtol=1e-12, atol=1e-15)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _side_by_side(x, mode, dtype, epochs, neighborhood="gaussian"):
    minisom = pytest.importorskip("minisom")
    rows, cols = 5, 6
    som = SelfOrganizingMap(grid=(rows, cols), sigma=1.5, learning_rate=0.5, neighborhood=neighborhood, mode=mode,
                            seed=0, dtype=dtype)
    som.initialize(x)
    with pytest.warns(UserWarning) if neighborhood == "bubble" else _nothing():
        theirs = minisom.MiniSom(rows, cols, x.shape[1], sigma=1.5, learning_rate=0.5,
                                 neighborhood_function=neighborhood, random_seed=3)
    theirs._weights = som.get_codebook().astype(np.float64)  # the same start
    if mode == "online":
        iterations = epochs * len(x)
        order = np.arange(iterations) % len(x)  # train_random's order, drawn from its generator
        np.random.RandomState(3).shuffle(order)
        som.fit(x[order], epochs=1, shuffle=False, verbose=0)
        theirs._random_generator = np.random.RandomState(3)  # drawing its random start moved it on
        theirs.train_random(x, iterations)
    else:
        som.fit(x, epochs=epochs, verbose=0)
        theirs.train_batch_offline(x, epochs)
    return som, theirs


@pytest.mark.parametrize("mode,neighborhood", [("online", "gaussian"), ("batch", "gaussian"), ("online", "bubble")])
def test_training_is_minisoms_in_float64(fashion_2000, mode, neighborhood):
    x = fashion_2000[0][:200].astype(np.float64)
    som, theirs = _side_by_side(x, mode, "float64", 2 if mode == "online" else 3, neighborhood)
    np.testing.assert_allclose(som.get_codebook(), theirs.get_weights(), atol=1e-10)
    assert som.quantization_error(x) == pytest.approx(theirs.quantization_error(x), rel=1e-10)
    assert som.topographic_error(x) == pytest.approx(theirs.topographic_error(x))
    np.testing.assert_allclose(som.u_matrix(), theirs.distance_map(), atol=1e-10)
    np.testing.assert_allclose(som.u_matrix("mean"), theirs.distance_map("mean"), atol=1e-10)
    np.testing.assert_array_equal(som.hit_map(x), theirs.activation_response(x))


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_quality_at_least_minisoms_in_float32(fashion_2000, mode):
    x = fashion_2000[0][:300]
    som, theirs = _side_by_side(x, mode, "float32", 2 if mode == "online" else 3)
    assert som.codebook.dtype == np.float32
    # float32 prototypes, float64 theirs: the same map to rounding, so the same errors
    assert som.quantization_error(x) <= theirs.quantization_error(x) * (1 + 1e-4)
    assert som.topographic_error(x) <= theirs.topographic_error(x) + 2 / len(x)


def test_learns_fashion_mnist(fashion_2000):
    x = fashion_2000[0][:600]
    som = SelfOrganizingMap(grid=(6, 6), sigma=1.5, seed=0)
    som.initialize(x)
    before = som.quantization_error(x)
    logs = som.fit(x, epochs=2, verbose=0).history
    after = som.quantization_error(x)
    assert after < 0.85 * before and after < 5.5
    assert som.topographic_error(x) < 0.2
    assert len(logs["quantization_error"]) == 2
    batch = SelfOrganizingMap(grid=(6, 6), sigma=1.5, learning_rate=1.0, mode="batch", seed=0)  # Kohonen's batch map
    batch.fit(x, epochs=5, verbose=0)
    assert batch.quantization_error(x) < 0.87 * before and batch.topographic_error(x) < 0.1


def test_evaluate_and_training_past_the_schedule(blobs):
    som = _trained(blobs, decay="linear", sigma_decay="linear")
    assert som.evaluate(blobs) == pytest.approx(som.quantization_error(blobs), rel=1e-6)
    logs = som.train_on_batch(blobs[:64], return_dict=True)  # past the schedule: the final rates, not negative
    assert logs["learning_rate"] == pytest.approx(0.0) and logs["sigma"] == pytest.approx(1.0)


def test_large_maps_compute_grid_distances_per_winner(blobs):
    table, direct = (SelfOrganizingMap(grid=(8, 8), sigma=2.0, seed=0) for _ in range(2))
    direct._d2 = None  # as a map over 1,024 units runs
    for som in (table, direct):
        som.fit(blobs, verbose=0)
    np.testing.assert_allclose(direct.codebook.data, table.codebook.data, rtol=1e-6, atol=1e-6)
    big = SelfOrganizingMap(grid=(33, 32), seed=0)
    assert big._d2 is None
    square = np.random.default_rng(0).random((1100, 2)).astype(np.float32)
    big.fit(square, verbose=0)
    assert big.quantization_error(square) < 0.03  # 1,056 units spread over the unit square


def test_seeded_training_is_reproducible(blobs):
    a, b = _trained(blobs), _trained(blobs)
    np.testing.assert_array_equal(a.codebook.data, b.codebook.data)


def test_save_load_round_trip(tmp_path, blobs):
    som = SelfOrganizingMap(grid=(4, 4), sigma=1.5, mode="online", seed=0)
    som.fit(blobs, epochs=2, verbose=0)
    path = tmp_path / "som.axon"
    som.save(path)
    loaded = axon.models.load_model(path)
    assert isinstance(loaded, SelfOrganizingMap) and loaded.grid == (4, 4)
    np.testing.assert_array_equal(loaded.codebook.data, som.codebook.data)
    np.testing.assert_array_equal(loaded.predict(blobs), som.predict(blobs))
    assert loaded.quantization_error(blobs) == som.quantization_error(blobs)
    np.testing.assert_array_equal(loaded.u_matrix(), som.u_matrix())
    # the schedule goes on where it stopped: the same step on both gives the same prototypes
    assert int(loaded.iterations.data[0]) == int(som.iterations.data[0]) == 2 * len(blobs)
    som.train_on_batch(blobs[:50])
    loaded.train_on_batch(blobs[:50])
    np.testing.assert_array_equal(loaded.codebook.data, som.codebook.data)


def test_grid_larger_than_the_data_is_refused(rng):
    x = rng.random((50, 4)).astype(np.float32)
    with pytest.raises(ValueError, match=r"10x10 grid has 100 map units but the data hold only 50 samples.*"
                                         r"smaller grid, e.g. grid=\(\d+, \d+\)"):
        SelfOrganizingMap(grid=(10, 10)).fit(x, verbose=0)
    with pytest.raises(ValueError, match="100 map units but the data hold only 50"):
        SelfOrganizingMap(grid=(10, 10)).initialize(x)


def test_bad_inputs_are_refused(blobs):
    with pytest.raises(ValueError, match=r"grid must be \(rows, cols\)"):
        SelfOrganizingMap(grid=(10, 0))
    with pytest.raises(ValueError, match="topology 'hexagonal' is not supported"):
        SelfOrganizingMap(topology="hexagonal")
    with pytest.raises(ValueError, match="neighborhood must be one of"):
        SelfOrganizingMap(neighborhood="gauss")
    with pytest.raises(ValueError, match="sigma must be a positive number, got -1"):
        SelfOrganizingMap(sigma=-1)
    with pytest.raises(ValueError, match="learns without targets"):
        SelfOrganizingMap(grid=(3, 3)).fit(blobs, np.zeros(len(blobs)), verbose=0)
    with pytest.raises(ValueError, match="NaN or Inf"):
        SelfOrganizingMap(grid=(3, 3)).fit(np.full((20, 2), np.nan), verbose=0)
    som = _trained(blobs, grid=(3, 3))
    with pytest.raises(ValueError, match="prototypes have 5 features but x has 4"):
        som.quantization_error(blobs[:, :4])
    with pytest.raises(RuntimeError, match="no prototypes yet; call fit"):
        SelfOrganizingMap(grid=(3, 3)).u_matrix()
    with pytest.raises(ValueError, match="decay schedule is unknown; pass decay_steps"):
        SelfOrganizingMap(grid=(3, 3)).fit(iter([blobs]), verbose=0)


def test_generator_with_decay_steps_and_plots(tmp_path, blobs):
    som = SelfOrganizingMap(grid=(3, 4), decay_steps=len(blobs), seed=0)
    som.initialize(blobs)
    som.fit(axon.data.ArrayBatches(blobs, batch_size=100), verbose=0)
    assert int(som.iterations.data[0]) == len(blobs)
    labels = np.arange(len(blobs)) % 3
    assert plot_u_matrix(som, tmp_path / "u.png", blobs, labels).endswith("u.png")
    square = SelfOrganizingMap(grid=(2, 2), seed=0)
    square.fit(blobs[:, :4], verbose=0)
    assert (tmp_path / "u.png").stat().st_size > 0
    assert plot_prototypes(square, tmp_path / "p.png", (2, 2)).endswith("p.png")


def test_registered_in_the_zoo():
    from axon.zoo import registry
    assert registry.resolve("kohonen") == "som"
    assert isinstance(registry.get("som", grid=(3, 3)), SelfOrganizingMap)


@pytest.mark.slow
def test_show_quick(tmp_path):
    from axon.zoo.classic.som import show
    try:
        shown = show(tmp_path, quick=True)
    except (FileNotFoundError, OSError) as e:
        pytest.skip(f"Fashion-MNIST not available offline: {e}")
    assert shown.measured["quantization error"] < 5.5 and shown.measured["topographic error"] < 0.2
    assert all((tmp_path / p).exists() for p in ("som.md", "som_u_matrix.png", "som_prototypes.png"))
