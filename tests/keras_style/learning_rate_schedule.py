"""A learning-rate schedule with warm-up driving Adam, in the idiom of the keras.io examples that
train transformers: CosineDecay rises linearly to its warmup_target, then decays along a cosine.
A custom callback reads optimizer.learning_rate (the current rate, a float) at every batch.
"""
import math

import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

# a small regression problem: y = sin of a random projection of x, plus noise
x_train = np.random.normal(size=(640, 8)).astype("float32")
projection = np.random.normal(size=(8, 1)) / math.sqrt(8)
y_train = (np.sin(2 * x_train @ projection) + 0.05 * np.random.normal(size=(640, 1))).astype("float32")

batch_size = 32
epochs = 15
steps_per_epoch = math.ceil(len(x_train) / batch_size)
total_steps = steps_per_epoch * epochs
warmup_steps = steps_per_epoch            # one epoch of warm-up
target_learning_rate = 1e-2
alpha = 0.05

schedule = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate=0.0,
    decay_steps=total_steps - warmup_steps,
    alpha=alpha,
    warmup_target=target_learning_rate,
    warmup_steps=warmup_steps,
)


class LearningRateTracker(keras.callbacks.Callback):
    """Records the rate each training step is about to use."""

    def on_train_begin(self, logs=None):
        self.rates = []

    def on_train_batch_begin(self, batch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))


model = keras.Sequential([
    keras.Input(shape=(8,)),
    layers.Dense(32, activation="relu"),
    layers.Dense(32, activation="relu"),
    layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss="mse")
tracker = LearningRateTracker()
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, callbacks=[tracker], verbose=0)

losses = history.history["loss"]
print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}; peak rate {max(tracker.rates):.4g} at step "
      f"{int(np.argmax(tracker.rates))}")

# the curve Keras documents: linear warm-up from 0 to the target, then the cosine down to alpha * target
rates = np.array(tracker.rates)
step = np.arange(total_steps)
warmup = target_learning_rate * step / warmup_steps
decay_fraction = np.clip(step - warmup_steps, 0, None) / (total_steps - warmup_steps)
cosine = target_learning_rate * ((1 - alpha) * 0.5 * (1 + np.cos(np.pi * decay_fraction)) + alpha)
expected = np.where(step < warmup_steps, warmup, cosine)
assert rates.shape == (total_steps,), rates.shape
np.testing.assert_allclose(rates, expected, rtol=1e-9, atol=1e-15)
assert rates[0] == 0.0 and int(np.argmax(rates)) == warmup_steps
assert np.all(np.diff(rates[: warmup_steps + 1]) > 0) and np.all(np.diff(rates[warmup_steps:]) < 0)

# after training the optimizer has made every step and sits at the end of the schedule
assert model.optimizer.iterations == total_steps
assert math.isclose(model.optimizer.learning_rate, alpha * target_learning_rate)

# a schedule drives this optimizer, so a number cannot be assigned to its rate (as in Keras)
try:
    model.optimizer.learning_rate = 1e-3
except TypeError:
    pass
else:
    raise AssertionError("assigning a float to a schedule-driven optimizer should raise TypeError")

# and it learned: the loss fell to a fraction of where it started
assert losses[-1] < 0.2 * losses[0], losses
