"""Training from a keras.utils.PyDataset that builds every batch in Python.

In the manner of the keras.io guides on data loading: a PyDataset subclass returns whole batches from
`__getitem__`, here `(images, labels, sample_weights)` with random flips drawn per batch, and two
worker threads prepare batches ahead of the training step. The training set is imbalanced (many
T-shirts, few trousers, sneakers and bags); the sample weights give each class the same total weight,
so the rare classes are still learned.
"""
import math

import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
class_ids = [0, 1, 7, 8]                       # T-shirt/top, Trouser, Sneaker, Bag
per_class = {0: 1200, 1: 120, 7: 120, 8: 120}  # an imbalanced training set

rows = np.concatenate([np.flatnonzero(y_train == c)[:per_class[c]] for c in class_ids])
images, labels = x_train[rows], np.searchsorted(class_ids, y_train[rows])
test_rows = np.isin(y_test, class_ids)
test_images, test_labels = x_test[test_rows], np.searchsorted(class_ids, y_test[test_rows])

counts = np.bincount(labels)
class_weight = len(labels) / (len(class_ids) * counts)
sample_weights = class_weight[labels].astype("float32")
print("training images per class:", counts.tolist(), "weights:", np.round(class_weight, 2).tolist())


class FashionBatches(keras.utils.PyDataset):
    def __init__(self, images, labels, batch_size, sample_weights=None, augment=False, **kwargs):
        super().__init__(**kwargs)
        self.images, self.labels = images, labels
        self.sample_weights, self.augment = sample_weights, augment
        self.batch_size = batch_size
        self.order = np.arange(len(images))
        self.epoch = 0

    def __len__(self):
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, idx):
        rows = self.order[idx * self.batch_size:(idx + 1) * self.batch_size]
        x = self.images[rows].astype("float32")[..., None] / 255.0
        if self.augment:
            # a generator per (epoch, batch): the same flips whichever worker thread builds the batch
            rng = np.random.default_rng([self.epoch, idx])
            flip = rng.random(len(rows)) < 0.5
            x[flip] = x[flip, :, ::-1]
        y = self.labels[rows]
        if self.sample_weights is None:
            return x, y
        return x, y, self.sample_weights[rows]

    def on_epoch_end(self):
        self.epoch += 1
        if self.augment:
            np.random.default_rng(self.epoch).shuffle(self.order)


train_batches = FashionBatches(images, labels, 64, sample_weights, augment=True, workers=2, max_queue_size=8)
test_batches = FashionBatches(test_images, test_labels, 256, workers=2)

x, y, w = train_batches[0]
assert x.shape == (64, 28, 28, 1) and y.shape == (64,) and w.shape == (64,)

model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Flatten(),
    layers.Dense(128, activation="relu"),
    layers.Dense(len(class_ids), activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(train_batches, epochs=6, verbose=2)
assert train_batches.epoch == 6                         # on_epoch_end ran after every epoch

loss, accuracy = model.evaluate(test_batches, verbose=0)
predicted = model.predict(test_batches).argmax(axis=1)
recall = [float(np.mean(predicted[test_labels == k] == k)) for k in range(len(class_ids))]
print(f"test accuracy {accuracy:.3f}; recall per class {np.round(recall, 3).tolist()}")
assert history.history["loss"][-1] < history.history["loss"][0]
assert accuracy > 0.9, accuracy
assert min(recall) > 0.8, recall
