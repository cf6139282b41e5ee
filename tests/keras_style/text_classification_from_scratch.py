"""Text classification from scratch, in the idiom of the keras.io example of that name.

Raw review text goes through a TextVectorization layer (a custom standardization that lowercases
and drops the "<br />" tags, then words to integer ids padded to a fixed length), and a small
1D convnet (Embedding, Dropout, Conv1D, GlobalMaxPooling1D, Dense) learns the sentiment.  The
trained model is then wrapped with the vectorization layer into an end-to-end model that takes
raw strings.  The keras.io example reads the IMDB reviews; here they are synthetic: short
sentences around a few positive or negative words, with neutral filler and HTML line breaks.
"""
import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

positive = ["great", "wonderful", "brilliant", "moving", "superb", "delightful", "excellent", "charming"]
negative = ["awful", "boring", "dreadful", "clumsy", "terrible", "dull", "painful", "tedious"]
subjects = ["movie", "film", "plot", "acting", "script", "ending", "soundtrack", "cast", "story"]
filler = ["the", "a", "really", "quite", "honestly", "I", "thought", "was", "and", "this", "it", "so",
          "at", "times", "overall", "for", "me", "very", "just", "also"]


def make_review(label):
    words = positive if label == 1 else negative
    parts = []
    for _ in range(np.random.randint(2, 4)):
        sentence = [np.random.choice(filler) for _ in range(np.random.randint(1, 4))]
        if np.random.rand() < 0.5:
            sentence += [np.random.choice(subjects), "was", np.random.choice(words)]
        else:
            sentence += ["a", np.random.choice(words), np.random.choice(subjects)]
        parts.append(" ".join(sentence).capitalize() + np.random.choice([".", "!", "..."]))
    return " <br /> ".join(parts) if np.random.rand() < 0.5 else " ".join(parts)


def make_dataset(n):
    labels = np.random.randint(0, 2, size=n)
    return np.array([make_review(label) for label in labels]), labels.astype("float32")


(train_text, train_labels), (test_text, test_labels) = make_dataset(400), make_dataset(200)
print(train_text[0], "->", train_labels[0])

max_features = 200
sequence_length = 24


def custom_standardization(input_data):
    lowercase = np.char.lower(input_data)
    return np.char.replace(lowercase, "<br />", " ")


vectorize_layer = layers.TextVectorization(
    standardize=custom_standardization,
    max_tokens=max_features,
    output_mode="int",
    output_sequence_length=sequence_length,
)
vectorize_layer.adapt(train_text)
vocabulary = vectorize_layer.get_vocabulary()
print("vocabulary size:", len(vocabulary), "first entries:", vocabulary[:6])
assert vocabulary[:2] == ["", "[UNK]"] and "br" not in vocabulary and "<br" not in vocabulary


def vectorize_text(text, label):
    text = np.expand_dims(text, -1)
    return vectorize_layer(text), label


x_train, y_train = vectorize_text(train_text, train_labels)
x_test, y_test = vectorize_text(test_text, test_labels)
print("vectorized review:", keras.ops.convert_to_numpy(x_train[0]))

embedding_dim = 16
inputs = keras.Input(shape=(None,), dtype="int64")
x = layers.Embedding(max_features, embedding_dim)(inputs)
x = layers.Dropout(0.3)(x)
x = layers.Conv1D(32, 3, padding="valid", activation="relu", strides=1)(x)
x = layers.GlobalMaxPooling1D()(x)
x = layers.Dense(32, activation="relu")(x)
x = layers.Dropout(0.3)(x)
predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)

model = keras.Model(inputs, predictions)
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, validation_data=(x_test, y_test), epochs=12, batch_size=32, verbose=2)

loss, accuracy = model.evaluate(x_test, y_test)
print(f"test accuracy of the model on vectorized text: {accuracy:.3f}")
assert accuracy > 0.9, accuracy

# an end-to-end model that takes raw strings
inputs = keras.Input(shape=(1,), dtype="string")
indices = vectorize_layer(inputs)
outputs = model(indices)
end_to_end_model = keras.Model(inputs, outputs)
end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

raw_loss, raw_accuracy = end_to_end_model.evaluate(test_text[:, None], test_labels)
print(f"test accuracy of the end-to-end model on raw text: {raw_accuracy:.3f}")
assert abs(raw_accuracy - accuracy) < 1e-6 and abs(raw_loss - loss) < 1e-5

two_stage = model.predict(x_test)
end_to_end = end_to_end_model.predict(test_text[:, None])
assert np.allclose(end_to_end, two_stage, atol=1e-6), np.abs(end_to_end - two_stage).max()

reviews = ["What a superb film, the acting was wonderful!", "Honestly the plot was dull. A tedious ending..."]
scores = end_to_end_model.predict(np.array(reviews)).ravel()
print("raw reviews:", dict(zip(reviews, np.round(scores, 3))))
assert scores[0] > 0.5 > scores[1], scores
