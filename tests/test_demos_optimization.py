"""The optimization demos (gradient-descent, batch-size, optimizers, epochs-iterations): each quick
run shows the claim its page makes.  Work is counted (samples processed, updates), never timed."""
import math

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from axon import demos
from axon.demos import batch_size, epochs_iterations, gradient_descent, optimizers

from helpers import pictures_and_page, skip_without_fashion_mnist


@pytest.fixture
def fashion():
    skip_without_fashion_mnist()


def test_regression_descent_counts_its_work():
    x, y = gradient_descent.regression_data(100, seed=0)
    w, b = gradient_descent.least_squares(x, y)
    assert abs(w - gradient_descent.TRUE_W) < 0.2 and abs(b - gradient_descent.TRUE_B) < 0.2
    full = gradient_descent.descend_on_batches(x, y, 100, 3, 0.1)
    mini = gradient_descent.descend_on_batches(x, y, 30, 3, 0.1)   # 30, 30, 30, 10
    assert full.updates == 3 and mini.updates == 12
    np.testing.assert_array_equal(mini.samples[:5], [0, 30, 60, 90, 100])
    assert mini.samples[-1] == full.samples[-1] == 300
    # the recorded losses come from the same surface the page draws
    surface = gradient_descent.mse_surface(x, y, full.path[:, 0], full.path[:, 1])
    assert np.all(np.diff(surface) < 0)
    assert gradient_descent.roughness(surface) == pytest.approx(1.0)
    assert gradient_descent.roughness([3.0, 1.0, 2.0, 1.0]) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="batch_size"):
        gradient_descent.descend_on_batches(x, y, 0, 1, 0.1)


@pytest.mark.slow
def test_gradient_descent_mini_batch_is_cheaper_than_batch_and_steadier_than_stochastic(tmp_path, fashion):
    r = demos.run("gradient-descent", tmp_path, quick=True)
    v = r.values
    runs, work = v["runs"], v["samples_to_target"]
    n = runs["batch"].batch_size
    assert runs["batch"].updates * n == runs["stochastic"].updates == runs["mini-batch"].samples[-1]
    # less work than batch to reach the same loss...
    assert math.isfinite(work["batch"]) and work["mini-batch"] < work["batch"] / 3
    # ...and a far steadier descent than stochastic
    assert v["roughness"]["batch"] == pytest.approx(1.0, abs=1e-3)
    assert v["roughness"]["mini-batch"] < 1.5 < 5 < v["roughness"]["stochastic"]
    assert v["spread"]["mini-batch"] < v["spread"]["stochastic"] / 10
    assert v["losses"]["mini-batch"][-1] < v["target"]
    # on Fashion-MNIST, the same epochs (the same samples processed): mini-batch far ahead of batch
    f = v["fashion"]
    assert f["mini-batch"]["losses"][-1] < f["batch"]["losses"][-1] - 0.3
    epochs = len(f["batch"]["losses"]) - 1
    n_img = f["stochastic"]["updates"] // epochs          # B = 1: one update a sample
    assert f["batch"]["updates"] == epochs and f["mini-batch"]["updates"] == epochs * math.ceil(n_img / 32)
    assert len(f["batch"]["seconds"]) == epochs + 1 and f["batch"]["seconds"][0] == 0.0
    pictures_and_page(r, ["paths", "fashion"], [f"{v['target']:.3f}", str(int(work["mini-batch"])),
                                                "wall seconds"])


def test_optimizers_descend_a_two_weight_tensor_on_both_surfaces():
    from axon.optimizers import SGD, Adam
    for surface in (optimizers.BOWL, optimizers.ROSENBROCK):
        assert surface.fn(*surface.minimum) == 0
    d = optimizers.descend(optimizers.BOWL, SGD(learning_rate=0.1), steps=3)
    # the first SGD step is lr times the gradient (0.1 x, 4 y) at the start (-9, 1.5)
    np.testing.assert_allclose(d.path[1], [-9 + 0.1 * 0.9, 1.5 - 0.1 * 6.0], rtol=1e-6)
    np.testing.assert_allclose(d.losses[0], 0.05 * 81 + 2 * 2.25)
    a = optimizers.descend(optimizers.BOWL, Adam(learning_rate=0.3), steps=1)
    np.testing.assert_allclose(np.abs(a.path[1] - a.path[0]), [0.3, 0.3], rtol=1e-4)
    oscillating = optimizers.Descent("x", 0.1, np.zeros((4, 2)), np.array([1.0, 1e-4, 1.0, 1e-4]), 0.0)
    assert oscillating.steps_to(1e-3) == 3
    assert optimizers.Descent("x", 0.1, np.zeros((3, 2)), np.array([1.0, 1e-4, 1.0]), 0.0).steps_to() == math.inf


@pytest.mark.slow
def test_optimizers_momentum_and_adaptive_beat_plain_sgd(tmp_path, fashion):
    r = demos.run("optimizers", tmp_path, quick=True)
    v = r.values
    bowl, rosen = v["bowl"], v["rosenbrock"]
    # the narrow valley: momentum and Nesterov arrive, plain SGD at the same rate does not
    assert math.isinf(bowl["SGD"].steps_to()) and math.isinf(rosen["SGD"].steps_to())
    for name in ("momentum", "Nesterov"):
        assert bowl[name].steps_to() < len(bowl[name].losses) and rosen[name].steps_to() < len(rosen[name].losses)
        assert rosen[name].losses[-1] < rosen["SGD"].losses[-1] / 1000
    assert rosen["Adam"].losses[-1] < rosen["SGD"].losses[-1] / 100
    assert bowl["Adam"].steps_to() < 150
    # the adaptive methods step about lr in each coordinate, SGD in proportion to the gradient
    first = v["first_step_bowl"]
    assert first["SGD"][1] / first["SGD"][0] > 5
    for name in ("Adam", "RMSprop"):
        assert first[name][1] / first[name][0] == pytest.approx(1.0, rel=0.01)
    # on Fashion-MNIST, every other optimizer trains faster than plain SGD
    f = v["fashion"]
    for name in ("momentum", "Nesterov", "Adagrad", "RMSprop", "Adam"):
        assert f[name]["losses"][-1] < f["SGD"]["losses"][-1] - 0.2, name
        assert f[name]["test_accuracy"] > f["SGD"]["test_accuracy"]
    pictures_and_page(r, ["bowl", "rosenbrock", "fashion"],
                      [str(bowl["momentum"].steps_to()), f"{f['Adam']['losses'][-1]:.3f}", "Nesterov"])


def test_batch_size_arithmetic_and_noise_law():
    assert [batch_size.updates_per_epoch(100, b) for b in (1, 8, 32, 100)] == [100, 13, 4, 1]
    assert batch_size.predicted_noise(2.0, 50, 50) == 0.0
    assert batch_size.predicted_noise(2.0, 50, 1) == 2.0


def test_batch_size_trades_updates_for_noise(tmp_path, fashion):
    r = demos.run("batch-size", tmp_path, quick=True)
    v = r.values
    sizes, n, epochs = v["sizes"], v["n"], v["epochs"]
    assert sizes[-1] == n
    for b in sizes:
        assert v["updates"][b] == epochs * math.ceil(n / b)
    # the gradient noise falls as 1/B (the finite-population law), within the sampling error
    noise = v["noise"]
    assert all(noise[a] > noise[b] for a, b in zip(sizes, sizes[1:]))
    for b in sizes[1:-1]:
        ratio = noise[b] / batch_size.predicted_noise(noise[1], n, b)
        assert 0.6 < ratio < 1.6, (b, ratio)
    # the same epochs: more, smaller updates get further, down to the noisy end
    final = {b: v["losses"][b][-1] for b in sizes}
    assert final[32] < final[128] < final[n]
    assert min(final, key=final.get) in (1, 8, 32)
    pictures_and_page(r, ["batch_size"], [f"{final[32]:.3f}", f"{noise[8]:.3g}", "ms per epoch"])


def test_epochs_iterations_definitions():
    assert epochs_iterations.iterations_per_epoch(1000, 64) == 16
    assert epochs_iterations.last_batch_size(1000, 64) == 40
    assert epochs_iterations.last_batch_size(1024, 64) == 64
    assert epochs_iterations.iterations_per_epoch(5, 100) == 1
    with pytest.raises(ValueError, match="batch_size"):
        epochs_iterations.iterations_per_epoch(10, 0)


def test_epochs_iterations_counts_a_real_fit(tmp_path, fashion):
    r = demos.run("epochs-iterations", tmp_path, quick=True)
    v = r.values
    n, b, epochs, log = v["n"], v["batch_size"], v["epochs"], v["log"]
    per_epoch = math.ceil(n / b)
    assert n % b  # the quick run has a short last batch
    assert v["iterations"] == epochs * per_epoch == len(log["epoch"])
    np.testing.assert_array_equal(np.bincount(log["epoch"]), [per_epoch] * epochs)
    sizes = log["batch_size"].reshape(epochs, per_epoch)
    assert np.all(sizes[:, :-1] == b) and np.all(sizes[:, -1] == n - (per_epoch - 1) * b)
    # History's epoch loss is the sample-weighted mean of that epoch's batch losses...
    losses = log["batch_loss"].reshape(epochs, per_epoch)
    np.testing.assert_allclose((losses * sizes).sum(1) / n, v["history"], rtol=1e-6)
    np.testing.assert_allclose(log["running_loss"].reshape(epochs, per_epoch)[:, -1], v["history"], rtol=1e-6)
    # ...taken while the weights changed: above the loss at the epoch's end while training improves
    assert np.all(v["lag"] > 0)
    assert log["training_loss"][-1] < v["start_loss"] / 2
    pictures_and_page(r, ["iterations"], [f"ceil(N/B) | {per_epoch}", f"{v['history'][-1]:.4f}"])
