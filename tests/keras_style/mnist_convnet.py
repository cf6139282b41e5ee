"""Simple convnet, in the idiom of the keras.io example "Simple MNIST convnet", on Fashion-MNIST.

Two convolution + max-pooling blocks, dropout and a softmax classifier, trained with
categorical cross-entropy on one-hot labels, with a validation split, then evaluated on held-out
images. Shrunk to 2,000 training and 500 test images so it runs in seconds on a CPU.
"""
import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

# Model / data parameters
num_classes = 10
input_shape = (28, 28, 1)

# Load the data and split it between train and test sets
(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
x_train, y_train = x_train[:2000], y_train[:2000]
x_test, y_test = x_test[:500], y_test[:500]

# Scale images to the [0, 1] range
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
# Make sure images have shape (28, 28, 1)
x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)
print("x_train shape:", x_train.shape)
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)
assert y_train.shape == (2000, num_classes) and np.all(y_train.sum(axis=1) == 1)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
model.summary()

batch_size = 32
epochs = 4

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1, verbose=2)

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])

assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"], history.history.keys()
assert history.history["loss"][-1] < 0.6 * history.history["loss"][0], history.history["loss"]
assert score[1] > 0.7, score   # 0.756 with this seed; chance is 0.1
# evaluate's accuracy is the share of argmax predictions that hit the label
predicted = model.predict(x_test, verbose=0).argmax(axis=1)
assert abs(np.mean(predicted == y_test.argmax(axis=1)) - score[1]) < 1e-6, score
