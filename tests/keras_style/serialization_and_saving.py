"""Saving, serializing and reloading models, in the idiom of the keras.io guide "Save, serialize,
and export models".

A functional model with a registered custom layer and a registered custom activation function is
saved whole to a .keras file and loaded back; the same model without registration loads with
custom_objects=; the architecture goes through get_config/from_config and JSON; the weights alone
go through get_weights/set_weights and save_weights/load_weights. Every reloaded model must
predict exactly as the original.
"""
import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)


@keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
def custom_fn(x):
    return x**2


@keras.saving.register_keras_serializable(package="MyLayers")
class CustomLayer(layers.Layer):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor})
        return config


def get_model():
    inputs = keras.Input(shape=(4,))
    mid = CustomLayer(0.5)(inputs)
    x = layers.Dense(8, activation=custom_fn)(mid)
    outputs = layers.Dense(3)(x)
    return keras.Model(inputs, outputs)


x = np.random.random((64, 4)).astype("float32")
y = np.random.random((64, 3)).astype("float32")

model = get_model()
model.compile(optimizer="rmsprop", loss="mean_squared_error")
model.fit(x, y, epochs=2, verbose=0)
expected = model.predict(x, verbose=0)

# ----- the whole model: architecture, weights, compile settings and optimizer state
model.save("custom_model.keras")
reconstructed_model = keras.models.load_model("custom_model.keras")
np.testing.assert_allclose(reconstructed_model.predict(x, verbose=0), expected)
assert isinstance(reconstructed_model.layers[1], CustomLayer) and reconstructed_model.layers[1].factor == 0.5
assert reconstructed_model.layers[2].activation is custom_fn

# the reconstructed model is already compiled and has retained the optimizer state,
# so training can resume: one more epoch on both gives the same weights
model.fit(x, y, epochs=1, shuffle=False, verbose=0)
reconstructed_model.fit(x, y, epochs=1, shuffle=False, verbose=0)
np.testing.assert_allclose(reconstructed_model.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
expected = model.predict(x, verbose=0)


# ----- custom objects that are not registered: pass them to load_model
class UnregisteredScale(layers.Layer):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor})
        return config


inputs = keras.Input(shape=(4,))
outputs = layers.Dense(3, activation="tanh")(UnregisteredScale(3.0)(inputs))
plain = keras.Model(inputs, outputs)
plain_expected = plain.predict(x, verbose=0)
plain.save("unregistered.keras")
restored = keras.models.load_model(
    "unregistered.keras",
    custom_objects={"UnregisteredScale": UnregisteredScale},
)
np.testing.assert_allclose(restored.predict(x, verbose=0), plain_expected)
with keras.saving.custom_object_scope({"UnregisteredScale": UnregisteredScale}):
    restored = keras.models.load_model("unregistered.keras")
np.testing.assert_allclose(restored.predict(x, verbose=0), plain_expected)

# ----- the architecture only: config and JSON give a fresh model, the weights are set separately
config = model.get_config()
new_model = keras.Model.from_config(config)
assert len(new_model.layers) == len(model.layers)
assert not np.allclose(new_model.predict(x, verbose=0), expected)  # freshly initialised
new_model.set_weights(model.get_weights())
np.testing.assert_allclose(new_model.predict(x, verbose=0), expected)

json_config = model.to_json()
new_model = keras.models.model_from_json(json_config)
new_model.set_weights(model.get_weights())
np.testing.assert_allclose(new_model.predict(x, verbose=0), expected)

# in-memory cloning: the same architecture, new weights
clone = keras.models.clone_model(model)
assert clone is not model and clone.get_config() == model.get_config()
clone.set_weights(model.get_weights())
np.testing.assert_allclose(clone.predict(x, verbose=0), expected)

# a Sequential model through its config too
sequential = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(5, activation="relu"), layers.Dense(2)])
sequential_clone = keras.Sequential.from_config(sequential.get_config())
sequential_clone.set_weights(sequential.get_weights())
np.testing.assert_allclose(sequential_clone.predict(x, verbose=0), sequential.predict(x, verbose=0))

# ----- the weights only: transfer between two models of the same architecture
weights = model.get_weights()
assert [w.shape for w in weights] == [(4, 8), (8,), (8, 3), (3,)], [w.shape for w in weights]
other = get_model()
other.set_weights(weights)
np.testing.assert_allclose(other.predict(x, verbose=0), expected)

model.save_weights("ckpt.weights.h5")
other = get_model()
other.load_weights("ckpt.weights.h5")
np.testing.assert_allclose(other.predict(x, verbose=0), expected)
print("every reloaded model predicts as the original")
