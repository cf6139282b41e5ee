"""Models with multiple inputs and outputs, in the idiom of the keras.io guide "The Functional API".

A system that ranks customer issue tickets by priority and routes them to the right department.
Three inputs: the title (text), the body (text) and tags (categorical, multi-hot); two outputs: a
priority score and a department. The outputs are named, so losses, loss weights, targets and the
logs are all keyed by name. The toy tickets are learnable: the priority follows the tags and the
department follows a keyword in the title.
"""
import io
from contextlib import redirect_stdout

import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

num_tags = 12  # Number of unique issue tags
num_words = 500  # Size of vocabulary obtained when preprocessing text data
num_departments = 4  # Number of departments for predictions

title_input = keras.Input(shape=(None,), name="title")  # Variable-length sequence of ints
body_input = keras.Input(shape=(None,), name="body")  # Variable-length sequence of ints
tags_input = keras.Input(shape=(num_tags,), name="tags")  # Binary vectors of size `num_tags`

# Embed each word in the title into a 16-dimensional vector
title_features = layers.Embedding(num_words, 16)(title_input)
# Embed each word in the text into a 16-dimensional vector
body_features = layers.Embedding(num_words, 16)(body_input)

# Reduce sequence of embedded words in the title into a single 16-dimensional vector
title_features = layers.LSTM(16)(title_features)
# Reduce sequence of embedded words in the body into a single 8-dimensional vector
body_features = layers.LSTM(8)(body_features)

# Merge all available features into a single large vector via concatenation
x = layers.concatenate([title_features, body_features, tags_input])

# Stick a logistic regression for priority prediction on top of the features
priority_pred = layers.Dense(1, name="priority")(x)
# Stick a department classifier on top of the features
department_pred = layers.Dense(num_departments, name="department")(x)

# Instantiate an end-to-end model predicting both priority and department
model = keras.Model(
    inputs=[title_input, body_input, tags_input],
    outputs={"priority": priority_pred, "department": department_pred},
)

summary = io.StringIO()
with redirect_stdout(summary):
    model.summary()
print(summary.getvalue())
for name in ("title", "body", "tags", "priority", "department"):
    assert name in summary.getvalue(), name
assert f"{model.count_params():,}" in summary.getvalue()

model.compile(
    optimizer=keras.optimizers.RMSprop(3e-3),
    loss={
        "priority": keras.losses.BinaryCrossentropy(from_logits=True),
        "department": keras.losses.CategoricalCrossentropy(from_logits=True),
    },
    loss_weights={"priority": 1.0, "department": 0.2},
)

# Dummy input data, with targets the model can learn
n = 640
title_data = np.random.randint(num_words, size=(n, 6))
body_data = np.random.randint(num_words, size=(n, 20))
tags_data = np.random.randint(2, size=(n, num_tags)).astype("float32")
department_keyword = np.random.randint(num_departments, size=n)
title_data[:, 0] = department_keyword + 1  # words 1..4 name the department

# Dummy target data
priority_targets = tags_data[:, :3].mean(axis=1, keepdims=True)  # in [0, 1]
dept_targets = keras.utils.to_categorical(department_keyword, num_departments)

history = model.fit(
    {"title": title_data, "body": body_data, "tags": tags_data},
    {"priority": priority_targets, "department": dept_targets},
    epochs=6,
    batch_size=32,
    verbose=2,
)

logs = history.history
print({k: [round(v, 3) for v in vs] for k, vs in logs.items()})
assert {"loss", "priority_loss", "department_loss"} <= set(logs), logs.keys()
assert logs["loss"][-1] < 0.8 * logs["loss"][0], logs["loss"]
assert logs["department_loss"][-1] < 0.5 * logs["department_loss"][0], logs["department_loss"]
assert logs["priority_loss"][-1] < logs["priority_loss"][0], logs["priority_loss"]
# the total is the weighted sum of the two
np.testing.assert_allclose(logs["loss"][-1], logs["priority_loss"][-1] + 0.2 * logs["department_loss"][-1],
                           rtol=1e-4)

# predictions come back keyed by output name
preds = model.predict({"title": title_data[:50], "body": body_data[:50], "tags": tags_data[:50]}, verbose=0)
assert preds["priority"].shape == (50, 1) and preds["department"].shape == (50, num_departments)
routed = np.mean(preds["department"].argmax(axis=1) == department_keyword[:50])
print(f"routed to the right department: {routed:.2f}")
assert routed > 0.9, routed
