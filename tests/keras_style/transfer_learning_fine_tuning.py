"""Transfer learning and fine-tuning, in the idiom of the keras.io guide "Transfer learning &
fine-tuning", with a small convnet pretrained here instead of an ImageNet model.

A base convnet learns Fashion-MNIST's first five classes (T-shirt, trouser, pullover, dress,
coat). It is then frozen and reused, in inference mode, under a new classifier for the other five
(sandal, shirt, sneaker, bag, ankle boot); last, the whole network is unfrozen and fine-tuned with
a low learning rate. The script also checks the guide's rules about trainable weights.
"""
import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

# ----- the trainable attribute, as the guide introduces it
layer = layers.Dense(3)
layer.build((None, 4))  # Create the weights
assert (len(layer.weights), len(layer.trainable_weights), len(layer.non_trainable_weights)) == (2, 2, 0)

layer = layers.BatchNormalization()
layer.build((None, 4))
assert (len(layer.weights), len(layer.trainable_weights), len(layer.non_trainable_weights)) == (4, 2, 2)

layer = layers.Dense(3)
layer.build((None, 4))
layer.trainable = False  # Freeze the layer
assert (len(layer.weights), len(layer.trainable_weights), len(layer.non_trainable_weights)) == (2, 0, 2)

# a frozen layer's weights do not change during training
layer1 = layers.Dense(3, activation="relu")
layer2 = layers.Dense(3, activation="sigmoid")
model = keras.Sequential([keras.Input(shape=(3,)), layer1, layer2])
layer1.trainable = False
initial_layer1_weights_values = layer1.get_weights()
initial_layer2_weights_values = layer2.get_weights()
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.random((2, 3)), np.random.random((2, 3)), verbose=0)
for before, after in zip(initial_layer1_weights_values, layer1.get_weights()):
    np.testing.assert_allclose(before, after)
assert not np.allclose(initial_layer2_weights_values[0], layer2.get_weights()[0])

# trainable is recursive: freezing a model freezes every layer inside it
inner_model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(3, activation="relu"),
                                layers.Dense(3, activation="relu")])
model = keras.Sequential([keras.Input(shape=(3,)), inner_model, layers.Dense(3, activation="sigmoid")])
model.trainable = False  # Freeze the outer model
assert inner_model.trainable is False  # All layers in `model` are now frozen
assert inner_model.layers[0].trainable is False  # `trainable` is propagated recursively

# ----- data: classes 0-4 to pretrain on, classes 5-9 to transfer to
(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
x_train, y_train = x_train[:2000].astype("float32")[..., None] / 255, y_train[:2000]
x_test, y_test = x_test[:600].astype("float32")[..., None] / 255, y_test[:600]
first, second = y_train < 5, y_train >= 5
x_first, y_first = x_train[first], y_train[first]
x_second, y_second = x_train[second], y_train[second] - 5
x_second_test, y_second_test = x_test[y_test >= 5], y_test[y_test >= 5] - 5

# ----- the base model, pretrained on the first five classes
base_inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(8, 3, activation="relu")(base_inputs)
x = layers.BatchNormalization()(x)
x = layers.MaxPooling2D(2)(x)
x = layers.Conv2D(16, 3, activation="relu")(x)
x = layers.MaxPooling2D(2)(x)
base_outputs = layers.Flatten()(x)
base_model = keras.Model(base_inputs, base_outputs, name="base")

inputs = keras.Input(shape=(28, 28, 1))
pretrain_model = keras.Model(inputs, layers.Dense(5)(base_model(inputs)))
pretrain_model.compile(optimizer=keras.optimizers.Adam(3e-3),
                       loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                       metrics=[keras.metrics.SparseCategoricalAccuracy()])
pretrain_model.fit(x_first, y_first, batch_size=64, epochs=3, verbose=0)
_, pretrain_accuracy = pretrain_model.evaluate(x_test[y_test < 5], y_test[y_test < 5], verbose=0)
print(f"pretrained on classes 0-4: accuracy {pretrain_accuracy:.3f}")
assert pretrain_accuracy > 0.55, pretrain_accuracy

# ----- transfer: freeze the base, run it in inference mode, train a new head on classes 5-9
base_model.trainable = False

inputs = keras.Input(shape=(28, 28, 1))
# the base runs in inference mode (training=False), so its batch normalization keeps its
# statistics, also once the base is unfrozen for fine-tuning
x = base_model(inputs, training=False)
x = layers.Dropout(0.2)(x)  # Regularize with dropout
outputs = layers.Dense(5)(x)
model = keras.Model(inputs, outputs)
model.summary(show_trainable=True)

assert len(model.trainable_weights) == 2  # only the new head's kernel and bias
assert len(model.non_trainable_weights) == len(base_model.weights) == 8

model.compile(optimizer=keras.optimizers.Adam(1e-2),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=[keras.metrics.SparseCategoricalAccuracy()])
base_weights = base_model.get_weights()
history = model.fit(x_second, y_second, batch_size=64, epochs=4, validation_split=0.1, verbose=2)
for before, after in zip(base_weights, base_model.get_weights()):
    np.testing.assert_allclose(before, after)  # the frozen base did not move
_, transfer_accuracy = model.evaluate(x_second_test, y_second_test, verbose=0)
print(f"frozen base, new head on classes 5-9: accuracy {transfer_accuracy:.3f}")
assert transfer_accuracy > 0.6, transfer_accuracy

# ----- fine-tuning: unfreeze the base and train end to end with a very low learning rate
base_model.trainable = True
assert len(model.trainable_weights) == 8  # 2 conv layers + batch norm's gamma and beta + the head
assert len(model.non_trainable_weights) == 2  # batch norm's moving mean and variance

# recompile so that the change is taken into account
model.compile(optimizer=keras.optimizers.Adam(1e-4),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=[keras.metrics.SparseCategoricalAccuracy()])
norm = base_model.layers[2]
moving_mean = norm.moving_mean.numpy().copy()
fine_tuning = model.fit(x_second, y_second, batch_size=64, epochs=2, verbose=2)
assert fine_tuning.history["loss"][-1] < history.history["loss"][-1], (history.history, fine_tuning.history)
np.testing.assert_allclose(norm.moving_mean.numpy(), moving_mean)  # inference mode: statistics kept
assert not np.allclose(base_model.get_weights()[0], base_weights[0])  # the base now learns
_, fine_tuned_accuracy = model.evaluate(x_second_test, y_second_test, verbose=0)
print(f"fine-tuned: accuracy {fine_tuned_accuracy:.3f}")
# a low learning rate adapts the features without wrecking them
assert fine_tuned_accuracy > transfer_accuracy - 0.03, (transfer_accuracy, fine_tuned_accuracy)
