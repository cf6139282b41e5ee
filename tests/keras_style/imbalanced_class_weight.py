"""Imbalanced classification with class weights, in the idiom of the keras.io example
"Imbalanced classification: credit card fraud detection", on a rare class of Fashion-MNIST.

The positives are shirts, kept to about 3% of the training images; every other garment is a
negative, and the T-shirts, pullovers and coats among them look much like shirts. A classifier
trained on this plainly learns to say "no"; weighing each class by the inverse of its frequency
makes the rare class count as much as the common one, and recall on it rises.
"""
import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

(x_all, y_all), (x_test_all, y_test_all) = keras.datasets.fashion_mnist.load_data()
positive_class = 6  # "Shirt"


def one_vs_rest(images, labels, keep_positives):
    positives = np.flatnonzero(labels == positive_class)[:keep_positives]
    negatives = np.flatnonzero(labels != positive_class)
    index = np.sort(np.concatenate([positives, negatives]))
    features = images[index].reshape(len(index), -1).astype("float32")
    targets = (labels[index] == positive_class).astype("uint8")[:, None]
    return features, targets


train_features, train_targets = one_vs_rest(x_all[:3000], y_all[:3000], keep_positives=90)
val_features, val_targets = one_vs_rest(x_test_all[:1000], y_test_all[:1000], keep_positives=1000)
print("train_features.shape:", train_features.shape)
print("val_features.shape:", val_features.shape)

# ----- analyze class imbalance in the targets
counts = np.bincount(train_targets[:, 0])
print(
    "Number of positive samples in training data: {} ({:.2f}% of total)".format(
        counts[1], 100 * float(counts[1]) / len(train_targets)
    )
)
assert counts[1] == 90 and counts[1] / len(train_targets) < 0.04
weight_for_0 = 1.0 / counts[0]
weight_for_1 = 1.0 / counts[1]

# ----- normalize the data using training set statistics
mean = np.mean(train_features, axis=0)
train_features -= mean
val_features -= mean
std = np.std(train_features, axis=0) + 1e-3
train_features /= std
val_features /= std


# ----- build a binary classification model
def make_model():
    return keras.Sequential(
        [
            keras.Input(shape=train_features.shape[1:]),
            layers.Dense(64, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


metrics = [
    keras.metrics.FalseNegatives(name="fn"),
    keras.metrics.FalsePositives(name="fp"),
    keras.metrics.TrueNegatives(name="tn"),
    keras.metrics.TruePositives(name="tp"),
    keras.metrics.Precision(name="precision"),
    keras.metrics.Recall(name="recall"),
]


def train(class_weight=None):
    keras.utils.set_random_seed(0)  # the same initial weights and batches for both runs
    model = make_model()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=metrics)
    model.fit(
        train_features,
        train_targets,
        batch_size=256,
        epochs=8,
        verbose=0,
        validation_data=(val_features, val_targets),
        class_weight=class_weight,
    )
    return model, model.evaluate(val_features, val_targets, verbose=0, return_dict=True)


# ----- train the model without, then with class weights
_, plain = train()
class_weight = {0: weight_for_0, 1: weight_for_1}
model, weighted = train(class_weight)
print("without class weights:", {k: round(v, 3) for k, v in plain.items()})
print("with class weights:   ", {k: round(v, 3) for k, v in weighted.items()})

# the counts are those of the thresholded predictions
predicted = model.predict(val_features, verbose=0)[:, 0] > 0.5
actual = val_targets[:, 0] == 1
assert weighted["tp"] == np.sum(predicted & actual) and weighted["fn"] == np.sum(~predicted & actual)
assert weighted["fp"] == np.sum(predicted & ~actual) and weighted["tn"] == np.sum(~predicted & ~actual)
np.testing.assert_allclose(weighted["recall"], weighted["tp"] / (weighted["tp"] + weighted["fn"]), rtol=1e-6)
np.testing.assert_allclose(weighted["precision"], weighted["tp"] / (weighted["tp"] + weighted["fp"]), rtol=1e-6)

# weighing the rare class finds many more of its members, at the price of more false alarms
print(f"recall on shirts: {plain['recall']:.3f} -> {weighted['recall']:.3f}")
assert weighted["recall"] > plain["recall"] + 0.2, (plain, weighted)
assert weighted["recall"] > 0.5, weighted
assert weighted["fp"] > plain["fp"], (plain, weighted)
