"""Overriding the training and evaluation steps of a Model, in the idiom of the keras.io guide
"Customizing what happens in fit() with PyTorch".

Axon's low level is PyTorch-style, so the step is written as the guide writes it for the torch
backend: clear the leftover gradients with zero_grad(), backpropagate with loss.backward(), read
each weight's gradient and hand the gradients to optimizer.apply(). fit() then runs this step and
keeps its callbacks, progress and History; evaluate() runs the custom test_step.
"""
import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)


class CustomModel(keras.Model):
    def train_step(self, data):
        # Unpack the data: (x, y) or, with sample weights, (x, y, sample_weight)
        if len(data) == 3:
            x, y, sample_weight = data
        else:
            sample_weight = None
            x, y = data

        # Clear the leftover gradients of the weights from the previous train step
        self.zero_grad()

        # Compute the loss
        y_pred = self(x, training=True)  # Forward pass
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)

        # Backpropagate to fill in the gradients of the weights
        loss.backward()

        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.grad for v in trainable_weights]

        # Update the weights
        self.optimizer.apply(gradients, trainable_weights)

        # Update the metrics (includes the metric that tracks the loss)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)

        # Return a dict mapping metric names to current value
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


# A noisy linear target: 32 features, one output
x = np.random.random((1000, 32)).astype("float32")
true_w = np.random.normal(size=(32, 1)).astype("float32")
y = x @ true_w + 0.05 * np.random.normal(size=(1000, 1)).astype("float32")

# Construct and compile an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="mse", metrics=["mae"])

# Just use `fit` as usual
history = model.fit(x, y, epochs=5, verbose=2)
losses = history.history["loss"]
assert sorted(history.history) == ["loss", "mae"], history.history.keys()
assert losses[-1] < 0.1 * losses[0], losses

# Sample weights reach the step through fit()
sample_weight = np.random.random((1000,)).astype("float32")
weighted = model.fit(x, y, sample_weight=sample_weight, epochs=1, verbose=0).history
assert weighted["loss"][0] < losses[0], weighted

# Evaluate with the custom test_step: the tracked metrics come back, in model.metrics order
loss, mae = model.evaluate(x, y, verbose=0)
results = model.evaluate(x, y, verbose=0, return_dict=True)
print("evaluate:", results)
assert set(results) == {"loss", "mae"} and abs(results["loss"] - loss) < 1e-6
predictions = model.predict(x, verbose=0)
np.testing.assert_allclose(mae, np.mean(np.abs(predictions - y)), rtol=1e-4)
# the loss tracker averages the batches' losses (batches of 32, the last one of 8): one value per step
batch_losses = [np.mean((predictions[i:i + 32] - y[i:i + 32]) ** 2) for i in range(0, 1000, 32)]
np.testing.assert_allclose(loss, np.mean(batch_losses), rtol=1e-4)
assert mae < 0.2, mae


# ----- Going lower-level: no compiled loss, the model keeps its own trackers
class LowLevelModel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.loss_fn(y, y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.grad for v in trainable_weights]
        self.optimizer.apply(gradients, trainable_weights)

        # Compute our own metrics
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        # Listed here, the metrics are reset at the start of each epoch and of evaluate()
        return [self.loss_tracker, self.mae_metric]


inputs = keras.Input(shape=(32,))
outputs = layers.Dense(1)(inputs)
model = LowLevelModel(inputs, outputs)

# We don't pass a loss or metrics here
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05))
history = model.fit(x, y, epochs=5, verbose=0)
losses = history.history["loss"]
print("low-level losses:", [round(v, 4) for v in losses])
assert losses[-1] < 0.1 * losses[0], losses
# the trackers were reset each epoch: the last epoch's mean is that epoch's, not a running total
assert float(model.loss_tracker.count) == 32, model.loss_tracker.count  # 1000 samples in batches of 32
