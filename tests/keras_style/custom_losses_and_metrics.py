"""Custom losses and metrics, in the idiom of the keras.io guide "Training & evaluation with the
built-in methods" (sections "Custom losses" and "Custom metrics"), on a slice of Fashion-MNIST.

A plain function loss, a Loss subclass with call() and a reduction, a Metric subclass keeping its
state in a variable, a built-in metric function, and sample weights; every value is checked
against the same quantity computed with NumPy.
"""
import numpy as np

import axon as keras
from axon import layers, ops

keras.utils.set_random_seed(0)

(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
x_train = x_train[:2000].reshape(-1, 784).astype("float32") / 255
x_test = x_test[:500].reshape(-1, 784).astype("float32") / 255
y_train, y_test = y_train[:2000].astype("int64"), y_test[:500].astype("int64")
y_train_one_hot = keras.utils.to_categorical(y_train, num_classes=10)
y_test_one_hot = keras.utils.to_categorical(y_test, num_classes=10)


def get_uncompiled_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


# ----- a loss function: y_true and y_pred in, one loss per sample out
def custom_mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


model = get_uncompiled_model()
model.compile(optimizer=keras.optimizers.Adam(), loss=custom_mean_squared_error)
history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=2, verbose=0)
print("custom_mean_squared_error:", [round(v, 4) for v in history.history["loss"]])
assert history.history["loss"][-1] < 0.7 * history.history["loss"][0], history.history
probs = model.predict(x_test, verbose=0)
expected = np.mean(np.mean((y_test_one_hot - probs) ** 2, axis=-1))
np.testing.assert_allclose(model.evaluate(x_test, y_test_one_hot, batch_size=500, verbose=0), expected, rtol=1e-5)


# ----- a Loss subclass: the mean squared error plus a term pulling predictions towards 0.5
class CustomMSE(keras.losses.Loss):
    def __init__(self, regularization_factor=0.1, name="custom_mse", reduction="sum_over_batch_size"):
        super().__init__(name=name, reduction=reduction)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
        reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
        return mse + reg * self.regularization_factor


y_true = y_test_one_hot[:8]
y_pred = probs[:8]
per_sample = np.mean((y_true - y_pred) ** 2, axis=-1) + 0.1 * np.mean((0.5 - y_pred) ** 2, axis=-1)
weights = np.array([1.0, 0.0, 2.0, 1.0, 0.5, 0.0, 1.0, 3.0], dtype="float32")

value = float(CustomMSE()(y_true, y_pred))
np.testing.assert_allclose(value, per_sample.mean(), rtol=1e-5)
value = float(CustomMSE(reduction="sum")(y_true, y_pred))
np.testing.assert_allclose(value, per_sample.sum(), rtol=1e-5)
values = ops.convert_to_numpy(CustomMSE(reduction="none")(y_true, y_pred))
np.testing.assert_allclose(values, per_sample, rtol=1e-5)
# Keras's default reduction with sample weights: sum of the weighted losses / number of samples
value = float(CustomMSE()(y_true, y_pred, sample_weight=weights))
np.testing.assert_allclose(value, np.sum(per_sample * weights) / 8, rtol=1e-5)

model = get_uncompiled_model()
model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE())
history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=2, verbose=0)
print("CustomMSE:", [round(v, 4) for v in history.history["loss"]])
assert history.history["loss"][-1] < history.history["loss"][0], history.history


# ----- a Metric subclass: how many samples were classified correctly
class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(ops.reshape(y_true, (-1, 1)), "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(ops.reshape(sample_weight, (-1, 1)), "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        # The state of the metric will be reset at the start of each epoch.
        self.true_positives.assign(0.0)


model = get_uncompiled_model()
model.compile(
    optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(),
    metrics=[CategoricalTruePositives()],
    weighted_metrics=[CategoricalTruePositives(name="weighted_true_positives")],
)
history = model.fit(x_train, y_train, batch_size=64, epochs=2, verbose=0)
true_positives = history.history["categorical_true_positives"]
print("true positives per epoch:", true_positives)
# reset each epoch: the count of one pass over the 2,000 images, and it grows as the model learns
assert all(0 < t <= 2000 for t in true_positives) and true_positives[-1] > true_positives[0], true_positives

results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
correct = model.predict(x_test, verbose=0).argmax(axis=1) == y_test
print("evaluate:", results)
assert results["categorical_true_positives"] == correct.sum(), (results, correct.sum())
assert correct.mean() > 0.6, correct.mean()   # 0.672 after two epochs; chance is 0.1

# sample weights reach the weighted metric only
test_weights = np.where(y_test == 0, 2.0, 1.0).astype("float32")
results = model.evaluate(x_test, y_test, sample_weight=test_weights, verbose=0, return_dict=True)
assert results["categorical_true_positives"] == correct.sum(), results
np.testing.assert_allclose(results["weighted_true_positives"], np.sum(correct * test_weights), rtol=1e-6)


# ----- a built-in metric function: is the item footwear (sandal, sneaker, ankle boot)?
footwear_train = np.isin(y_train, [5, 7, 9]).astype("float32")
footwear_test = np.isin(y_test, [5, 7, 9]).astype("float32")
inputs = keras.Input(shape=(784,))
x = layers.Dense(32, activation="relu")(inputs)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.binary_accuracy])
model.fit(x_train, footwear_train, batch_size=64, epochs=2, verbose=0)
loss, accuracy = model.evaluate(x_test, footwear_test, verbose=0)
scores = model.predict(x_test, verbose=0)
print(f"footwear: loss {loss:.4f}, binary_accuracy {accuracy:.4f}")
np.testing.assert_allclose(accuracy, np.mean((scores[:, 0] > 0.5) == footwear_test), rtol=1e-6)
per_sample_accuracy = ops.convert_to_numpy(keras.metrics.binary_accuracy(footwear_test[:, None], scores))
assert per_sample_accuracy.shape == (500,)
np.testing.assert_allclose(per_sample_accuracy.mean(), accuracy, rtol=1e-6)
assert accuracy > 0.9, accuracy
