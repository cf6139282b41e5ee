"""``axon.random`` as ``keras.random`` (seeds: None, int, SeedGenerator; distributions; dropout)
and ``keras.utils.set_random_seed``."""
import random as python_random

import numpy as np
import pytest

import axon
from axon import Tensor, gradcheck
from axon import random as kr
from axon.utils import set_random_seed

DRAWS = {  # name: a call taking seed=
    "normal": lambda seed: kr.normal((3, 4), seed=seed),
    "truncated_normal": lambda seed: kr.truncated_normal((3, 4), seed=seed),
    "uniform": lambda seed: kr.uniform((3, 4), seed=seed),
    "randint": lambda seed: kr.randint((3, 4), 0, 1000, seed=seed),
    "categorical": lambda seed: kr.categorical(np.zeros((3, 50)), 4, seed=seed),
    "gamma": lambda seed: kr.gamma((3, 4), 2.0, seed=seed),
    "binomial": lambda seed: kr.binomial((3, 4), 10, 0.5, seed=seed),
    "beta": lambda seed: kr.beta((3, 4), 2.0, 3.0, seed=seed),
    "dropout": lambda seed: kr.dropout(np.ones((3, 4)), 0.5, seed=seed),
    "shuffle": lambda seed: kr.shuffle(np.arange(20), seed=seed),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_seeds_as_keras(name):
    draw = DRAWS[name]
    # an int seed: the same values at every call
    assert np.array_equal(draw(5).numpy(), draw(5).numpy())
    # a SeedGenerator: fresh values at every call, the sequence fixed by its seed
    gen = kr.SeedGenerator(5)
    first, second = draw(gen).numpy(), draw(gen).numpy()
    assert not np.array_equal(first, second)
    again = kr.SeedGenerator(5)
    assert np.array_equal(draw(again).numpy(), first) and np.array_equal(draw(again).numpy(), second)
    assert not np.array_equal(draw(kr.SeedGenerator(6)).numpy(), first)
    # None: Axon's shared generator, fixed by manual_seed
    axon.manual_seed(3)
    a = draw(None).numpy()
    axon.manual_seed(3)
    assert np.array_equal(draw(None).numpy(), a)


def test_seed_generator_state_and_config():
    gen = kr.SeedGenerator(7, name="noise_seed")
    assert gen.count == 0
    gen.next(), gen.next()
    assert gen.count == 2
    clone = kr.SeedGenerator.from_config(gen.get_config())
    assert clone.seed == 7 and clone.name == "noise_seed" and clone.count == 0
    # without a seed, its seed comes from Axon's generator: set_random_seed makes it repeatable
    set_random_seed(11)
    s1 = kr.SeedGenerator().seed
    set_random_seed(11)
    assert kr.SeedGenerator().seed == s1
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(ValueError, match="SeedGenerator: seed must be a non-negative int"):
            kr.SeedGenerator(bad)
    with pytest.raises(ValueError, match="seed must be None, a non-negative int or a keras.random.SeedGenerator"):
        kr.normal((2,), seed=2.5)


def test_distributions_shapes_dtypes_and_moments():
    n = (200, 100)
    x = kr.normal(n, mean=2.0, stddev=3.0, seed=0).numpy()
    assert x.dtype == np.float32 and abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.1
    t = kr.truncated_normal(n, mean=1.0, stddev=0.5, dtype="float64", seed=0).numpy()
    assert t.dtype == np.float64 and t.min() >= 0.0 and t.max() <= 2.0
    assert abs(t.std() - 0.5 * 0.8796) < 0.01          # the std of N(0, 1) cut at +-2 is 0.8796
    u = kr.uniform(n, minval=-1.0, maxval=3.0, seed=0).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    r = kr.randint(n, 2, 5, seed=0).numpy()
    assert r.dtype == np.int32 and set(np.unique(r)) == {2, 3, 4}
    g = kr.gamma(n, 3.0, seed=0).numpy()
    assert g.dtype == np.float32 and abs(g.mean() - 3.0) < 0.1
    b = kr.binomial(n, 10, 0.3, seed=0).numpy()
    assert b.dtype == np.float32 and abs(b.mean() - 3.0) < 0.05
    be = kr.beta(n, 2.0, 6.0, seed=0).numpy()
    assert abs(be.mean() - 0.25) < 0.01
    assert kr.normal(4, seed=0).shape == (4,)                   # an int shape, as NumPy takes it
    with pytest.raises(ValueError, match="expected a float dtype"):
        kr.normal((2,), dtype="int32")


def test_categorical_follows_the_softmax_and_skips_minus_inf():
    logits = np.log(np.array([[0.1, 0.6, 0.3], [1.0, 0.0, 0.0]]) + 1e-300)
    logits[1, 1:] = -np.inf
    ids = kr.categorical(logits, 20000, seed=0).numpy()
    assert ids.shape == (2, 20000) and ids.dtype == np.int32
    freq = np.bincount(ids[0], minlength=3) / 20000
    np.testing.assert_allclose(freq, [0.1, 0.6, 0.3], atol=0.015)
    assert (ids[1] == 0).all()
    assert kr.categorical(np.zeros((1, 4)), 3, dtype="int64", seed=1).dtype == np.int64
    with pytest.raises(ValueError, match="categorical: logits must be 2-D"):
        kr.categorical(np.zeros(3), 1)


def test_dropout_as_keras():
    x = np.ones((400, 50), dtype=np.float32)
    y = kr.dropout(x, 0.25, seed=0).numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.01
    assert abs(y.mean() - 1.0) < 0.02                     # kept units scaled: the mean is kept
    # noise_shape: None entries take the input's size; one mask broadcast over the other axes
    z = kr.dropout(np.ones((4, 6, 8)), 0.5, noise_shape=(None, 1, 8), seed=1).numpy()
    assert (z == z[:, :1, :]).all() and 0 < (z == 0).mean() < 1
    assert np.array_equal(kr.dropout(x, 1.0).numpy(), np.zeros_like(x))
    t = Tensor(x)
    assert kr.dropout(t, 0.0) is t
    with pytest.raises(ValueError, match=r"dropout: rate must be in \[0, 1\]"):
        kr.dropout(x, 1.5)
    with pytest.raises(ValueError, match="noise_shape needs one entry per axis"):
        kr.dropout(x, 0.5, noise_shape=(1,))


def test_dropout_is_differentiable_through_its_mask():
    x = Tensor(np.arange(1.0, 13.0).reshape(3, 4), requires_grad=True)
    y = kr.dropout(x, 0.5, seed=3)
    (y * y).sum().backward()
    mask = y.numpy() / x.numpy()                     # 0 or 2 per entry
    np.testing.assert_allclose(x.grad, 2 * y.numpy() * mask)
    # the same seed gives the same mask, so finite differences see the op backward() saw
    assert gradcheck(lambda a: kr.dropout(a, 0.3, seed=4), [np.random.default_rng(0).normal(size=(3, 5))])


def test_shuffle_permutes_whole_slices():
    x = np.arange(12).reshape(4, 3)
    y = kr.shuffle(x, seed=2).numpy()
    assert sorted(map(tuple, y)) == sorted(map(tuple, x))
    cols = kr.shuffle(x, axis=1, seed=2).numpy()
    assert all(sorted(r) == sorted(c) for r, c in zip(cols.tolist(), x.tolist()))


def test_set_random_seed_seeds_axon_python_and_numpy():
    def draws():
        layer = axon.layers.Dense(3)
        layer(Tensor(np.zeros((1, 2), np.float32)))
        return (kr.normal((3,)).numpy(), python_random.random(), np.random.rand(), layer.kernel.numpy().copy())

    set_random_seed(123)
    a = draws()
    set_random_seed(123)
    b = draws()
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    set_random_seed(124)
    c = draws()
    assert not any(np.array_equal(p, q) for p, q in zip(a, c))
    for bad in (-1, 2 ** 32, 1.0, None):
        with pytest.raises(ValueError, match="set_random_seed: seed must be an int"):
            set_random_seed(bad)
