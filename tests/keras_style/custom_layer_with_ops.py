"""Custom layers and a subclassed model written with keras.ops, trained with fit.

In the manner of the keras.io guide "Making new layers and models via subclassing": a Linear layer
with its own weights, a feature layer and an activation built from ops, a loss function written
with ops, all on three concentric rings of 2-D points, which no linear model can separate.
"""
import numpy as np

import axon as keras
from axon import layers, ops

keras.utils.set_random_seed(0)

# ----- data: three rings of radius 1, 2 and 3, with noise
num_classes = 3
n = 900
labels = np.random.randint(0, num_classes, size=n)
angles = np.random.uniform(0, 2 * np.pi, size=n)
radii = 1.0 + labels + np.random.normal(0, 0.15, size=n)
points = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1).astype("float32")
x_train, y_train = points[:700], labels[:700]
x_test, y_test = points[700:], labels[700:]


# ----- layers
class Linear(layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                 trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


class RadialFeatures(layers.Layer):
    """Appends each point's distance to the origin, so rings become easy to tell apart."""

    def call(self, inputs):
        radius = ops.norm(inputs, axis=-1, keepdims=True)
        return ops.concatenate([inputs, radius, ops.square(radius)], axis=-1)


class LeakyActivation(layers.Layer):
    def __init__(self, slope=0.1, **kwargs):
        super().__init__(**kwargs)
        self.slope = slope

    def call(self, inputs):
        return ops.where(ops.greater(inputs, 0.0), inputs, ops.multiply(inputs, self.slope))


class RingClassifier(keras.Model):
    def __init__(self, num_classes, hidden=32, **kwargs):
        super().__init__(**kwargs)
        self.features = RadialFeatures()
        self.hidden = Linear(hidden)
        self.activation = LeakyActivation()
        self.classifier = Linear(num_classes)

    def call(self, inputs):
        x = self.features(inputs)
        x = self.activation(self.hidden(x))
        return ops.softmax(self.classifier(x), axis=-1)


def smoothed_crossentropy(y_true, y_pred):
    """Cross-entropy against one-hot targets smoothed by 0.1."""
    targets = ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), num_classes)
    targets = targets * 0.9 + 0.1 / num_classes
    log_probs = ops.log(ops.clip(y_pred, 1e-7, 1.0))
    return ops.negative(ops.mean(ops.sum(targets * log_probs, axis=-1)))


model = RingClassifier(num_classes)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss=smoothed_crossentropy)
history = model.fit(x_train, y_train, epochs=30, batch_size=64, verbose=0)
losses = history.history["loss"]
print(f"loss: {losses[0]:.3f} -> {losses[-1]:.3f}")
assert losses[-1] < 0.6 * losses[0], losses

# ----- evaluation, written with ops too
probs = model.predict(x_test, verbose=0)
predicted = ops.argmax(probs, axis=-1)
accuracy = float(ops.convert_to_numpy(ops.mean(ops.cast(ops.equal(predicted, y_test), "float32"))))
_, top2 = ops.top_k(probs, k=2)
top2_accuracy = float(ops.convert_to_numpy(
    ops.mean(ops.cast(ops.any(ops.equal(top2, ops.expand_dims(y_test, -1)), axis=-1), "float32"))))
print(f"test accuracy {accuracy:.3f}, top-2 accuracy {top2_accuracy:.3f}")
assert ops.shape(probs) == (200, num_classes)
assert accuracy > 0.95, accuracy
assert top2_accuracy >= accuracy
