"""A dense network with activation layers: LeakyReLU, PReLU, ELU, ReLU(max_value=...), Softmax.

Activations as their own layers, as Keras code often writes them (`Dense` without an activation,
then `layers.LeakyReLU(negative_slope=0.2)`), on the two-spirals problem, which a linear model
cannot solve.  PReLU learns its negative slopes, one per unit, during training.
"""
import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

# ----- the layers on their own: Keras's formulas
x = np.array([[-10.0, -5.0, 0.0, 5.0, 10.0]], dtype="float32")
assert np.allclose(layers.LeakyReLU()(x), [[-3.0, -1.5, 0.0, 5.0, 10.0]])   # default slope 0.3
assert np.allclose(layers.LeakyReLU(negative_slope=0.5)(x), [[-5.0, -2.5, 0.0, 5.0, 10.0]])
assert np.allclose(layers.ReLU(max_value=6.0)(x), [[0.0, 0.0, 0.0, 5.0, 6.0]])
assert np.allclose(layers.ELU(alpha=1.0)(x), [[np.expm1(-10), np.expm1(-5), 0.0, 5.0, 10.0]])
assert np.allclose(layers.PReLU(alpha_initializer="ones")(x), x)

# ----- two interleaved spirals
n = 600
t = np.sqrt(np.random.uniform(0.05, 1.0, n)) * 3 * np.pi
labels = np.random.randint(0, 2, n)
radius = t / (3 * np.pi) * 2
angle = t + np.pi * labels
points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
points = (points + np.random.normal(0, 0.03, points.shape)).astype("float32")
x_train, y_train, x_test, y_test = points[:480], labels[:480], points[480:], labels[480:]

model = keras.Sequential(
    [
        keras.Input(shape=(2,)),
        layers.Dense(64),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Dense(64),
        layers.PReLU(),
        layers.Dense(64),
        layers.ELU(),
        layers.Dense(32),
        layers.ReLU(max_value=6.0),
        layers.Dense(2),
        layers.Softmax(),
    ]
)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=60, batch_size=32, verbose=0)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy {accuracy:.3f}, training loss {history.history['loss'][0]:.3f} -> "
      f"{history.history['loss'][-1]:.3f}")
assert accuracy > 0.95, accuracy

prelu = model.layers[3]
slopes = prelu.get_weights()[0]
print("PReLU slopes: mean", slopes.mean().round(3), "range", slopes.min().round(3), slopes.max().round(3))
assert slopes.shape == (64,) and np.abs(slopes).max() > 0.01     # learned away from their zero start
