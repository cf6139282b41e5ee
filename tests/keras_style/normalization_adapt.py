"""Regression on tabular data with a Normalization layer adapted to the training features.

In the manner of the "basic regression" tutorial (predicting fuel efficiency from car features):
`Normalization.adapt` learns each feature's mean and variance from the training set, the layer
sits first in the model, and a linear model and a small deep network are fitted on top.  The
features here are synthetic, on very different scales (engine displacement in hundreds, weight
in thousands, acceleration in tens), and the target depends on them linearly plus noise.
"""
import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

n = 800
displacement = np.random.uniform(70, 450, n)
weight = np.random.uniform(1600, 5000, n)
acceleration = np.random.uniform(8, 25, n)
features = np.stack([displacement, weight, acceleration], axis=1).astype("float32")
target = (46.0 - 0.02 * displacement - 0.005 * weight + 0.3 * acceleration
          + np.random.normal(0, 1.0, n)).astype("float32")
train_features, test_features = features[:640], features[640:]
train_labels, test_labels = target[:640], target[640:]

normalizer = layers.Normalization(axis=-1)
normalizer.adapt(train_features)
print("feature means:", np.round(normalizer.mean.numpy(), 1))
assert np.allclose(normalizer.mean.numpy(), train_features.mean(axis=0), rtol=1e-5)
assert np.allclose(normalizer.variance.numpy(), train_features.var(axis=0), rtol=1e-4)
first = normalizer(train_features[:1]).numpy()
assert np.allclose(first, (train_features[:1] - train_features.mean(0)) / train_features.std(0), rtol=1e-4)

# ----- a linear model: Normalization, then one Dense unit
linear_model = keras.Sequential([keras.Input(shape=(3,)), normalizer, layers.Dense(units=1)])
linear_model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error")
history = linear_model.fit(train_features, train_labels, epochs=60, batch_size=64, verbose=0,
                           validation_split=0.2)
linear_mae = linear_model.evaluate(test_features, test_labels, verbose=0)
print(f"linear model: test mean absolute error {linear_mae:.3f}")
assert history.history["loss"][-1] < 0.1 * history.history["loss"][0], history.history["loss"]
assert linear_mae < 1.0, linear_mae     # the noise alone gives 0.8

# the learned weights are the true coefficients, in the units of the standardized features
kernel = linear_model.layers[1].kernel.numpy()[:, 0]
true = np.array([-0.02, -0.005, 0.3]) * train_features.std(axis=0)
assert np.allclose(kernel, true, rtol=0.15, atol=0.1), (kernel, true)

# ----- a deep model on the same normalizer
dnn_model = keras.Sequential([normalizer, layers.Dense(32, activation="relu"), layers.Dense(32, activation="relu"),
                              layers.Dense(1)])
dnn_model.compile(loss="mean_absolute_error", optimizer=keras.optimizers.Adam(0.01))
dnn_model.fit(train_features, train_labels, validation_split=0.2, verbose=0, epochs=40, batch_size=64)
dnn_mae = dnn_model.evaluate(test_features, test_labels, verbose=0)
print(f"deep model: test mean absolute error {dnn_mae:.3f}")
assert dnn_mae < 1.2, dnn_mae

# the adapted statistics are saved with the model
linear_model.save("linear_model.keras")
reloaded = keras.models.load_model("linear_model.keras")
expected = linear_model.predict(test_features[:5], verbose=0)
assert np.allclose(reloaded.predict(test_features[:5], verbose=0), expected, rtol=1e-5)
