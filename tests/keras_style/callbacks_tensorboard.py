"""Training with the standard callbacks, in the idiom of the keras.io guides on callbacks and
TensorBoard: TensorBoard logs, early stopping that restores the best weights, a best-only
checkpoint and a learning rate that drops on a plateau, on a small two-spirals problem.
"""
import glob
import os

import numpy as np

import axon as keras
from axon import layers


def two_spirals(n=400, noise=1.0):
    t = np.sqrt(np.random.uniform(0.05, 1.0, size=n)) * 3 * np.pi
    labels = np.random.randint(0, 2, size=n)
    sign = np.where(labels == 1, 1.0, -1.0)
    points = np.stack([sign * t * np.cos(t), sign * t * np.sin(t)], axis=1) / (3 * np.pi)
    points += np.random.normal(0, noise / (3 * np.pi), size=points.shape)
    return points.astype("float32"), labels


keras.utils.set_random_seed(0)
x, y = two_spirals()
x_val, y_val = two_spirals(200)

model = keras.Sequential([
    keras.Input(shape=(2,)),
    layers.Dense(64, activation="relu"),
    layers.Dense(64, activation="relu"),
    layers.Dense(2, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])

callbacks = [
    keras.callbacks.TensorBoard(log_dir="logs", histogram_freq=5, update_freq=10),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=8, restore_best_weights=True),
    keras.callbacks.ModelCheckpoint("best.keras", monitor="val_loss", save_best_only=True),
    keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3, min_lr=1e-4),
]
history = model.fit(x, y, batch_size=32, epochs=80, validation_data=(x_val, y_val), callbacks=callbacks,
                    verbose=0)

epochs_run = len(history.history["loss"])
best = int(np.argmin(history.history["val_loss"]))
print(f"{epochs_run} epochs, best val_loss {history.history['val_loss'][best]:.4f} at epoch {best + 1}, "
      f"val_accuracy there {history.history['val_accuracy'][best]:.3f}")

# early stopping ended training 8 epochs (its patience) after the best one
assert epochs_run == best + 1 + 8 < 80, (epochs_run, best)

# TensorBoard wrote one event file per run: `tensorboard --logdir logs` shows them
for run in ("train", "validation"):
    assert glob.glob(os.path.join("logs", run, "events.out.tfevents.*")), run

# the learning rate was lowered on a plateau, and each drop halved it
rates = history.history["learning_rate"]
assert rates[0] == 1e-2 and min(rates) < rates[0], rates
assert all(np.isclose(b, a) or np.isclose(b, max(a * 0.5, 1e-4)) for a, b in zip(rates, rates[1:])), rates

# the noisy spirals are learned: the best epoch separates most validation points
assert history.history["val_accuracy"][best] > 0.85, history.history["val_accuracy"][best]

# the checkpoint holds the best epoch's model, and early stopping put those weights back, so the
# reloaded model predicts exactly what the trained one does
restored = keras.models.load_model("best.keras")
np.testing.assert_allclose(restored.predict(x_val, verbose=0), model.predict(x_val, verbose=0), rtol=1e-6)
val_loss, _ = restored.evaluate(x_val, y_val, verbose=0)
assert np.isclose(val_loss, history.history["val_loss"][best], rtol=1e-5), (val_loss, history.history["val_loss"][best])
