"""A multi-input, multi-output functional model drawn with keras.utils.plot_model, in the idiom of
the keras.io functional API guide: support tickets (a title, a body and tags) ranked by priority
and routed to a department; the model is plotted with its shapes, then trained briefly on a
learnable toy version of the task.
"""
import numpy as np
from PIL import Image

import axon as keras
from axon import layers

num_tags = 12
num_words = 200
num_departments = 4

keras.utils.set_random_seed(0)

title_input = keras.Input(shape=(None,), dtype="int32", name="title")
body_input = keras.Input(shape=(None,), dtype="int32", name="body")
tags_input = keras.Input(shape=(num_tags,), name="tags")

shared_embedding = layers.Embedding(num_words, 16, name="word_embedding")
title_features = layers.LSTM(16, name="title_lstm")(shared_embedding(title_input))
body_features = layers.GlobalAveragePooling1D(name="body_average")(shared_embedding(body_input))

x = layers.concatenate([title_features, body_features, tags_input], name="features")
priority = layers.Dense(1, name="priority")(x)
department = layers.Dense(num_departments, name="department")(x)

model = keras.Model(inputs=[title_input, body_input, tags_input], outputs=[priority, department],
                    name="ticket_classifier")

keras.utils.plot_model(model, "multi_input_and_output_model.png", show_shapes=True, show_layer_names=True)

with Image.open("multi_input_and_output_model.png") as image:
    image.verify()
    assert image.format == "PNG" and min(image.size) > 200, (image.format, image.size)

# what was drawn: every layer, and an edge wherever one layer's output feeds another
dot = keras.utils.model_to_dot(model, show_shapes=True)
source = dot.to_string()
for layer in model.layers:
    assert f"<b>{layer.name}</b>" in source, layer.name
assert len(dot.get_edges()) == 9, len(dot.get_edges())   # title, body -> embedding -> lstm, pooling -> ...
assert "Output shape: <b>(None, None, 16)</b>" in source   # the embedding of variable-length text

# a learnable toy task: the department is the first tag set, the priority the number of tags
n = 256
title_data = np.random.randint(1, num_words, size=(n, 6))
body_data = np.random.randint(1, num_words, size=(n, 20))
tags_data = (np.random.uniform(size=(n, num_tags)) < 0.3).astype("float32")
department_targets = np.argmax(np.concatenate([tags_data[:, :num_departments],
                                               np.full((n, 1), 0.5)], axis=1), axis=1) % num_departments
priority_targets = tags_data.sum(axis=1, keepdims=True) / num_tags

model.compile(
    optimizer=keras.optimizers.Adam(1e-2),
    loss=[keras.losses.MeanSquaredError(), keras.losses.SparseCategoricalCrossentropy(from_logits=True)],
    loss_weights=[1.0, 0.2],
)
history = model.fit([title_data, body_data, tags_data], [priority_targets, department_targets],
                    epochs=8, batch_size=32, verbose=0)
losses = history.history["loss"]
print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}")
assert losses[-1] < 0.5 * losses[0], losses
