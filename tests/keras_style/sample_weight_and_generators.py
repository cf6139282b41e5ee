"""Sample weights with arrays and with a Python generator, in the idiom of the keras.io guide
"Training & evaluation with the built-in methods" (sections "Using sample weighting and class
weighting" and "Training with Python generators"), on a slice of Fashion-MNIST.

A third of the training labels are corrupted (shuffled to wrong classes). Given weight 0 those
samples change nothing: the model trains exactly as if their labels were right, whether the
weights come with arrays or from a generator yielding (x, y, sample_weight). Without the weights
the corruption costs accuracy. evaluate() with sample weights follows Keras's rule: the sum of the
weighted per-sample losses divided by the number of samples.
"""
import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
x_train = x_train[:2000].reshape(-1, 784).astype("float32") / 255
x_test = x_test[:500].reshape(-1, 784).astype("float32") / 255
y_train, y_test = y_train[:2000].astype("int64"), y_test[:500].astype("int64")

corrupted = np.random.uniform(size=len(y_train)) < 1 / 3
y_noisy = y_train.copy()
y_noisy[corrupted] = (y_train[corrupted] + np.random.randint(1, 10, size=corrupted.sum())) % 10
assert np.all(y_noisy[corrupted] != y_train[corrupted]) and np.all(y_noisy[~corrupted] == y_train[~corrupted])

# weight 0 for the corrupted samples, 1 for the others
sample_weight = np.where(corrupted, 0.0, 1.0).astype("float32")


def get_compiled_model():
    keras.utils.set_random_seed(1)  # every model starts from the same weights
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
        weighted_metrics=["sparse_categorical_accuracy"],
    )
    return model


def accuracy_on_test_set(model):
    return model.evaluate(x_test, y_test, verbose=0, return_dict=True)["sparse_categorical_accuracy"]


# ----- sample weights with NumPy arrays
clean = get_compiled_model()
clean.fit(x_train, y_train, sample_weight=sample_weight, batch_size=64, epochs=3, shuffle=False, verbose=0)

weighted = get_compiled_model()
weighted.fit(x_train, y_noisy, sample_weight=sample_weight, batch_size=64, epochs=3, shuffle=False, verbose=0)

unweighted = get_compiled_model()
unweighted.fit(x_train, y_noisy, batch_size=64, epochs=3, shuffle=False, verbose=0)

print(f"test accuracy: zero-weighted corrupt labels {accuracy_on_test_set(weighted):.3f}, "
      f"correct labels {accuracy_on_test_set(clean):.3f}, corrupt labels unweighted {accuracy_on_test_set(unweighted):.3f}")
# the zero-weighted labels had no influence at all: the same weights as with correct labels
for a, b in zip(weighted.get_weights(), clean.get_weights()):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
assert accuracy_on_test_set(weighted) > 0.7, accuracy_on_test_set(weighted)
assert accuracy_on_test_set(unweighted) < accuracy_on_test_set(weighted) - 0.02, (accuracy_on_test_set(unweighted), accuracy_on_test_set(weighted))


# ----- sample weights from a Python generator, with steps_per_epoch
def weighted_batches(batch_size=64):
    while True:  # an endless generator: fit draws steps_per_epoch batches per epoch
        for start in range(0, len(x_train), batch_size):
            end = start + batch_size
            yield x_train[start:end], y_noisy[start:end], sample_weight[start:end]


steps_per_epoch = int(np.ceil(len(x_train) / 64))
from_generator = get_compiled_model()
history = from_generator.fit(weighted_batches(), steps_per_epoch=steps_per_epoch, epochs=3, verbose=0)
assert history.history["loss"][-1] < history.history["loss"][0], history.history
for a, b in zip(from_generator.get_weights(), clean.get_weights()):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
print(f"generator of (x, y, sample_weight): test accuracy {accuracy_on_test_set(from_generator):.3f}")

# ----- evaluate with sample weights: Keras's rule
eval_weight = np.random.uniform(0, 2, size=len(y_test)).astype("float32")
results = weighted.evaluate(x_test, y_test, sample_weight=eval_weight, batch_size=100, verbose=0, return_dict=True)
probs = weighted.predict(x_test, verbose=0)
per_sample_loss = -np.log(np.clip(probs[np.arange(len(y_test)), y_test], 1e-7, 1.0))
hits = probs.argmax(axis=1) == y_test
print("evaluate with sample weights:", {k: round(v, 4) for k, v in results.items()})
# the loss: the sum of the weighted per-sample losses divided by the number of samples
np.testing.assert_allclose(results["loss"], np.sum(eval_weight * per_sample_loss) / len(y_test), rtol=1e-4)
# metrics ignore the weights, weighted_metrics use them (a weighted mean)
np.testing.assert_allclose(results["sparse_categorical_accuracy"], hits.mean(), rtol=1e-6)
np.testing.assert_allclose(results["weighted_sparse_categorical_accuracy"],
                           np.sum(eval_weight * hits) / np.sum(eval_weight), rtol=1e-5)
