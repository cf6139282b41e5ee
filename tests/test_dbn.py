"""Deep belief nets: greedy pretraining, the Sequential they become, pretrained against random
initialisation with few labels, generation, saving and errors."""
import os

import numpy as np
import pytest

import axon
from axon.zoo.energy.dbn import DBN, compare, labelled_subset, show
from conftest import FASHION_DIR, read_idx


@pytest.fixture(scope="module")
def small_dbn(fashion_2000):
    x, _ = fashion_2000
    dbn = DBN((32, 16), learning_rate=0.1, momentum=0.5, seed=0)
    histories = dbn.pretrain(x[:500], epochs=2, batch_size=50, verbose=0)
    return dbn, x[:500], histories


def test_pretraining_is_greedy_and_each_rbm_learns(small_dbn):
    dbn, x, histories = small_dbn
    assert [rbm.W.shape for rbm in dbn.rbms] == [(784, 32), (32, 16)]
    for history in histories:
        errors = history.history["reconstruction_error"]
        assert len(errors) == 2 and errors[-1] < errors[0]
    # the second RBM models the first one's hidden probabilities
    h1 = dbn.rbms[0].transform(x)
    np.testing.assert_allclose(dbn.transform(x), dbn.rbms[1].transform(h1), rtol=1e-6)


def test_epochs_per_layer_and_progress_per_layer(fashion_2000, capsys):
    x, _ = fashion_2000
    dbn = DBN((8, 4), seed=0)
    histories = dbn.pretrain(x[:100], epochs=[2, 1], batch_size=50, verbose=2)
    assert [len(h.history["free_energy"]) for h in histories] == [2, 1]
    out = capsys.readouterr().out
    assert "pretraining RBM 1/2 (784 -> 8 units, 2 epochs)" in out and "RBM 2/2 (8 -> 4 units" in out


def test_to_sequential_starts_from_the_rbm_weights(small_dbn):
    dbn, x, _ = small_dbn
    net = dbn.to_sequential()
    assert isinstance(net, axon.Sequential) and [layer.units for layer in net.layers] == [32, 16]
    first = net.layers[0](x).numpy()
    np.testing.assert_allclose(first, dbn.rbms[0].hidden_probabilities(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.predict(x), dbn.transform(x), rtol=1e-5, atol=1e-6)
    # a fresh softmax head; the copy is independent of the DBN
    clf = dbn.to_sequential(num_classes=10)
    assert clf.output_shape == (None, 10) and clf.layers[-1].activation.__name__ == "softmax"
    clf.layers[0].kernel.data[...] = 0.0
    assert np.abs(dbn.rbms[0].W.data).sum() > 0
    np.testing.assert_array_equal(dbn.to_sequential(10).layers[-1].kernel.data.shape, (16, 10))


def test_the_sequential_fine_tunes_with_backprop(small_dbn, fashion_2000):
    dbn, x, _ = small_dbn
    _, y = fashion_2000
    net = dbn.to_sequential(num_classes=10)
    net.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = net.fit(x, y[:500], epochs=3, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_pretrained_beats_random_initialisation_with_few_labels():
    images = os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz")
    if not os.path.exists(images):
        pytest.skip(f"Fashion-MNIST not found in {FASHION_DIR}")
    x = read_idx(images, 7000).reshape(7000, -1).astype(np.float32) / 255.0
    y = read_idx(os.path.join(FASHION_DIR, "train-labels-idx1-ubyte.gz"), 7000).astype(np.int64)
    x_test = read_idx(os.path.join(FASHION_DIR, "t10k-images-idx3-ubyte.gz"), 2000).reshape(2000, -1)
    y_test = read_idx(os.path.join(FASHION_DIR, "t10k-labels-idx1-ubyte.gz"), 2000).astype(np.int64)
    makers = {"SGD": lambda: axon.optimizers.SGD(learning_rate=0.05, momentum=0.9)}
    _, results = compare(0, x, y, (x_test.astype(np.float32) / 255.0, y_test), per_class=50, unlabelled=6000,
                         layer_sizes=(128, 128), pretrain_epochs=5, checkpoints=(5,), optimizer_makers=makers)
    pretrained, random = results["SGD"]["pretrained"], results["SGD"]["random"]
    assert pretrained[0][0] > random[0][0] + 0.03
    assert pretrained[1][0] > random[1][0]  # ahead from the first epoch


def test_labelled_subset_takes_as_many_of_every_class():
    y = np.repeat(np.arange(4), 30)
    idx = labelled_subset(y, 5, np.random.default_rng(0))
    assert np.array_equal(np.bincount(y[idx]), [5, 5, 5, 5]) and len(set(idx)) == 20


def test_generation_shape_and_range(small_dbn):
    dbn, x, _ = small_dbn
    samples = dbn.generate(7, gibbs_steps=20)
    assert samples.shape == (7, 784) and samples.dtype == np.float32
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    from_data = dbn.generate(3, gibbs_steps=5, start=x[:3])
    assert from_data.shape == (3, 784)
    single = DBN((8,), seed=0)
    single.pretrain(x[:100], epochs=1, batch_size=50, verbose=0)
    one = single.generate(4, gibbs_steps=5)
    assert one.shape == (4, 784) and 0.0 <= one.min() and one.max() <= 1.0


def test_seeded_dbns_are_identical(fashion_2000):
    x, _ = fashion_2000
    weights = []
    for _ in range(2):
        axon.manual_seed(0)
        dbn = DBN((16, 8), seed=5)
        dbn.pretrain(x[:200], epochs=1, batch_size=50, verbose=0)
        weights.append(dbn.rbms[1].W.data.copy())
    np.testing.assert_array_equal(*weights)


def test_save_and_load_round_trip(small_dbn, tmp_path):
    dbn, x, _ = small_dbn
    dbn.save(tmp_path / "dbn.axon")
    loaded = axon.models.load_model(tmp_path / "dbn.axon")
    assert isinstance(loaded, DBN) and loaded.layer_sizes == (32, 16)
    np.testing.assert_array_equal(loaded.transform(x), dbn.transform(x))
    for a, b in zip(loaded.rbms, dbn.rbms):
        np.testing.assert_array_equal(a.W.data, b.W.data)
        np.testing.assert_array_equal(a.visible_bias.data, b.visible_bias.data)
    np.testing.assert_array_equal(loaded.to_sequential().predict(x), dbn.to_sequential().predict(x))
    assert loaded.generate(2, gibbs_steps=3).shape == (2, 784)


def test_input_shape_builds_at_once():
    dbn = DBN((6, 3), input_shape=(10,), seed=0)
    assert dbn.built and dbn.n_visible == 10
    assert dbn.to_sequential(2).output_shape == (None, 2)


def test_registered():
    assert axon.zoo.registry.MODELS.get("dbn") is DBN
    assert axon.zoo.registry.MODELS.get("deep_belief_network") is DBN


@pytest.mark.parametrize("sizes", [(), (500, 0), (500, 2.5), "500", None, (True,)])
def test_bad_layer_sizes_are_refused(sizes):
    with pytest.raises(ValueError, match="layer_sizes must be 1 or more positive whole numbers.*got"):
        DBN(sizes)


def test_bad_inputs_are_refused(small_dbn):
    dbn, x, _ = small_dbn
    with pytest.raises(ValueError, match=r"expected 784 features .* got shape \(5, 100\)"):
        dbn.transform(np.zeros((5, 100), np.float32))
    with pytest.raises(ValueError, match=r"expected 784 features"):
        dbn.pretrain(np.zeros((5, 100), np.float32), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"\[0, 1\].*x / 255"):
        dbn.transform(x * 255)
    with pytest.raises(ValueError, match="flatten"):
        DBN((4,)).pretrain(np.zeros((5, 28, 28), np.float32), verbose=0)
    with pytest.raises(ValueError, match="one per layer"):
        dbn.pretrain(x, epochs=[1, 2, 3], verbose=0)
    with pytest.raises(ValueError, match="n=4 rows"):
        dbn.generate(4, gibbs_steps=2, start=x[:3])
    with pytest.raises(ValueError, match="sparsity is no BernoulliRBM option"):
        axon.zoo.energy.DeepBoltzmannMachine((4, 3)).pretrain(x, epochs=1, verbose=0, sparsity=0.1)
    with pytest.warns(UserWarning, match="layer_sizes lists the hidden layers only"):
        DBN((784, 10)).pretrain(x[:20], epochs=0, verbose=0)
    with pytest.raises(ValueError, match="num_classes"):
        dbn.to_sequential(num_classes=0)
    with pytest.raises(ValueError, match="no weights yet"):
        DBN((4,)).to_sequential()
    fresh = DBN((4,))
    fresh.compile()
    with pytest.raises(ValueError, match="pretrain"):
        fresh.fit(x[:10], epochs=1, verbose=0)


@pytest.mark.slow
def test_show_quick_holds_its_claim(tmp_path):
    if not os.path.exists(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz")):
        pytest.skip(f"Fashion-MNIST not found in {FASHION_DIR}")
    shown = show(str(tmp_path), quick=True)
    m = shown.measured
    assert m["test accuracy, pretrained (SGD, seed 0)"] > m["test accuracy, random init (SGD, seed 0)"]
    for role in ("learning curves", "samples", "page"):
        assert os.path.exists(shown.files[role])
    assert open(shown.files["page"]).read().startswith("# Deep belief network (DBN)")
