"""Timeseries forecasting with an LSTM on windows cut by timeseries_dataset_from_array.

In the manner of the keras.io example "Timeseries forecasting for weather prediction": a series is
normalized with the statistics of its training part, cut into windows of the past `past` steps that
each predict the step that follows, and an LSTM learns the forecast; it must beat the naive
forecast (the next value equals the last one seen) on the held-out part.
"""
import numpy as np

import axon as keras

keras.utils.set_random_seed(0)

# ----- data: two seasonal cycles and noise, like a daily and a weekly rhythm
steps = 1200
t = np.arange(steps)
series = np.sin(2 * np.pi * t / 40) + 0.6 * np.sin(2 * np.pi * t / 11) + 0.15 * np.random.normal(size=steps)

split_fraction = 0.75
train_split = int(split_fraction * steps)
mean, std = series[:train_split].mean(), series[:train_split].std()
features = ((series - mean) / std).astype("float32")[:, None]   # (steps, 1): one feature

past = 24
batch_size = 64
train_data, val_data = features[:train_split], features[train_split:]

# each window of `past` steps predicts the step right after it: targets[i] belongs to the window
# starting at i, so the targets are the series shifted by `past`
dataset_train = keras.utils.timeseries_dataset_from_array(
    train_data[:-past], train_data[past:], sequence_length=past, batch_size=batch_size, shuffle=True, seed=0)
dataset_val = keras.utils.timeseries_dataset_from_array(
    val_data[:-past], val_data[past:], sequence_length=past, batch_size=256)

for batch in dataset_train:
    inputs, targets = batch
    break
print("Input shape:", inputs.shape, "Target shape:", targets.shape)
assert inputs.shape == (batch_size, past, 1) and targets.shape == (batch_size, 1)

# ----- the model
inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
lstm_out = keras.layers.LSTM(24)(inputs)
outputs = keras.layers.Dense(1)(lstm_out)

model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
model.summary()

history = model.fit(dataset_train, epochs=10, validation_data=dataset_val, verbose=2)

# ----- against the naive forecast on the held-out part
val_loss, val_mae = model.evaluate(dataset_val, verbose=0)
naive_errors = [np.abs(x[:, -1, :] - y) for x, y in dataset_val]   # the last value seen, as the forecast
naive_mae = float(np.mean(np.concatenate(naive_errors)))
print(f"validation MAE: LSTM {val_mae:.3f}, naive last value {naive_mae:.3f}")
assert history.history["val_loss"][-1] < history.history["val_loss"][0]
assert val_mae < 0.8 * naive_mae, (val_mae, naive_mae)

predicted = model.predict(dataset_val)
assert predicted.shape == (len(val_data) - past - past + 1, 1)
