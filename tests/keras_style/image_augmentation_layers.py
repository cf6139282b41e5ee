"""Image classification with preprocessing and augmentation layers inside the model.

In the manner of the keras.io examples that put `Rescaling` and a `data_augmentation` stack of
random layers at the start of the model ("Image classification from scratch", the Keras guide
to preprocessing layers): the layers augment the images only while the model trains, and pass
them through unchanged when it evaluates or predicts.  On a small slice of Fashion-MNIST.
"""
import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
x_train, y_train = x_train[:2000, :, :, None], y_train[:2000]      # (N, 28, 28, 1) uint8 pixels
x_test, y_test = x_test[:1000, :, :, None], y_test[:1000]

data_augmentation = keras.Sequential(
    [
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.02),
        layers.RandomZoom(0.05),
        layers.RandomTranslation(0.05, 0.05),
        layers.RandomContrast(0.1),
    ],
    name="data_augmentation",
)

# the augmentation changes images when called in training mode, and leaves them alone otherwise
sample = x_train[:8].astype("float32")
augmented = data_augmentation(sample, training=True)
assert augmented.shape == sample.shape
assert not np.allclose(keras.ops.convert_to_numpy(augmented), sample)
unchanged = data_augmentation(sample, training=False)
assert np.array_equal(keras.ops.convert_to_numpy(unchanged), sample)

model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        data_augmentation,
        layers.Rescaling(1.0 / 255),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ]
)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=4, verbose=0)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy {accuracy:.3f} (training loss {history.history['loss'][0]:.3f} -> "
      f"{history.history['loss'][-1]:.3f})")
assert history.history["loss"][-1] < 0.6 * history.history["loss"][0], history.history["loss"]
assert accuracy > 0.72, accuracy

# predict runs the augmentation layers in inference mode: the same images give the same answers
first = model.predict(x_test[:16], verbose=0)
second = model.predict(x_test[:16], verbose=0)
assert np.array_equal(first, second)
