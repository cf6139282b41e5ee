"""Randomness in Keras 3: keras.utils.set_random_seed makes a whole run repeatable, and custom
layers draw their noise with keras.random and a SeedGenerator they own (the idiom of the keras.io
guides on random number generation in layers): fresh noise at each training step, none at
inference.
"""
import numpy as np

import axon as keras
from axon import layers, ops


class GaussianInputNoise(layers.Layer):
    """Adds N(0, stddev^2) noise to the inputs while training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = stddev
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        noise = keras.random.normal(ops.shape(inputs), stddev=self.stddev, seed=self.seed_generator)
        return inputs + noise


class FeatureDropout(layers.Layer):
    """Drops whole features, the same ones for every sample of a batch (noise_shape)."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        return keras.random.dropout(inputs, self.rate, noise_shape=(1, None), seed=self.seed_generator)


def make_data(n=600, dim=10):
    centers = np.random.normal(0, 1, size=(2, dim))
    labels = np.random.randint(0, 2, size=n)
    points = centers[labels] + np.random.normal(0, 0.9, size=(n, dim))
    return points.astype("float32"), labels


def run(seed):
    keras.utils.set_random_seed(seed)
    x, y = make_data()
    model = keras.Sequential([
        keras.Input(shape=(10,)),
        GaussianInputNoise(0.3),            # seeded from the global seed
        layers.Dense(16, activation="relu"),
        FeatureDropout(0.25, seed=1337),    # its own fixed seed
        layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    return model, x, y, history.history


model, x, y, logs = run(seed=0)
print(f"loss {logs['loss'][0]:.3f} -> {logs['loss'][-1]:.3f}, accuracy {logs['accuracy'][-1]:.3f}")
assert logs["loss"][-1] < 0.7 * logs["loss"][0], logs["loss"]
_, accuracy = model.evaluate(x, y, verbose=0)
assert accuracy > 0.9, accuracy

# inference draws no noise: two predictions agree exactly
first, second = model.predict(x[:50], verbose=0), model.predict(x[:50], verbose=0)
assert np.array_equal(ops.convert_to_numpy(first), ops.convert_to_numpy(second))

# while training, each call draws new noise; feature dropout zeroes whole columns
noise = GaussianInputNoise(0.5, seed=1)
n1, n2 = noise(x[:4], training=True), noise(x[:4], training=True)
assert not np.array_equal(ops.convert_to_numpy(n1), ops.convert_to_numpy(n2))
assert np.array_equal(ops.convert_to_numpy(noise(x[:4], training=False)), x[:4])
dropped = ops.convert_to_numpy(FeatureDropout(0.5, seed=2)(np.ones((4, 6), "float32"), training=True))
assert all(len(set(column)) == 1 for column in dropped.T) and set(np.unique(dropped)) == {0.0, 2.0}

# the same seed repeats the whole run; another seed does not
_, _, _, again = run(seed=0)
assert again["loss"] == logs["loss"], (again["loss"], logs["loss"])
_, _, _, other = run(seed=1)
assert other["loss"] != logs["loss"]

# keras.random: an int seed repeats, a SeedGenerator moves on, deterministically from its seed
a = keras.random.uniform((3,), seed=42)
b = keras.random.uniform((3,), seed=42)
assert np.array_equal(ops.convert_to_numpy(a), ops.convert_to_numpy(b))
gen, twin = keras.random.SeedGenerator(7), keras.random.SeedGenerator(7)
draws = [ops.convert_to_numpy(keras.random.normal((2, 2), seed=gen)) for _ in range(3)]
assert not np.array_equal(draws[0], draws[1])
assert all(np.array_equal(d, ops.convert_to_numpy(keras.random.normal((2, 2), seed=twin))) for d in draws)

# sampling classes from the trained model's probabilities (the text-generation idiom)
probs = ops.convert_to_numpy(model.predict(x[:1], verbose=0))
samples = ops.convert_to_numpy(keras.random.categorical(ops.log(probs), 2000, seed=3))
share = float(np.mean(samples == int(np.argmax(probs))))
print(f"most likely class p={probs.max():.3f}, drawn {share:.3f} of the time")
assert abs(share - probs.max()) < 0.05

# shuffling keeps the rows, in a new order
order = ops.convert_to_numpy(keras.random.shuffle(ops.arange(10), seed=5))
assert sorted(order.tolist()) == list(range(10)) and order.tolist() != list(range(10))
