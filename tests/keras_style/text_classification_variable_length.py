"""A bidirectional LSTM on variable-length token sequences, in the idiom of the keras.io example
"Bidirectional LSTM on IMDB", shrunk to a synthetic review set.

Each "review" is a sequence of word indices (1..vocab-1) of length 4 to 24; a handful of words
carry sentiment, the rest are noise. A review is positive when it holds more positive words than
negative ones. Reviews are padded with 0 by keras.utils.pad_sequences and the Embedding masks the
padding, so the model reads every review at its own length.
"""
import numpy as np

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

max_features = 60  # vocabulary size: word 0 is padding
maxlen = 24  # only consider the first 24 words of each review
positive_words = [2, 3, 4, 5]
negative_words = [6, 7, 8, 9]


def make_reviews(n):
    reviews, labels = [], []
    for _ in range(n):
        length = np.random.randint(4, maxlen + 1)
        review = np.random.randint(10, max_features, size=length)
        n_pos, n_neg = np.random.randint(0, 3), np.random.randint(0, 3)
        if n_pos == n_neg:
            n_pos += 1
        slots = np.random.choice(length, size=min(length, n_pos + n_neg), replace=False)
        review[slots[:n_pos]] = np.random.choice(positive_words, size=len(slots[:n_pos]))
        review[slots[n_pos:]] = np.random.choice(negative_words, size=len(slots[n_pos:]))
        reviews.append(review.tolist())
        labels.append(int(np.isin(review, positive_words).sum() > np.isin(review, negative_words).sum()))
    return reviews, np.array(labels)


x_train, y_train = make_reviews(1200)
x_val, y_val = make_reviews(300)
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
print("Lengths from", min(map(len, x_train)), "to", max(map(len, x_train)))

x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)
assert x_train.shape == (1200, maxlen) and (x_train[:, 0] == 0).any()  # padded at the front

# Input for variable-length sequences of integers
inputs = keras.Input(shape=(None,), dtype="int64")
# Embed each integer in a 16-dimensional vector; 0 is padding and is masked
x = layers.Embedding(max_features, 16, mask_zero=True)(inputs)
# Add a bidirectional LSTM
x = layers.Bidirectional(layers.LSTM(16))(x)
# Add a classifier
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.summary()

model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
              metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=6, validation_data=(x_val, y_val), verbose=2)

val_accuracy = history.history["val_accuracy"][-1]
print(f"validation accuracy {val_accuracy:.3f}")
assert val_accuracy > 0.9, history.history

# the model reads batches of any length: unpadded short reviews and longer padded ones
short_reviews = np.array([[2, 20, 30], [6, 20, 30], [3, 4, 40]])
long_reviews = keras.utils.pad_sequences([[2, 20, 30], [6, 20, 30], [3, 4, 40]], maxlen=40)
short_scores = model.predict(short_reviews, verbose=0)
long_scores = model.predict(long_reviews, verbose=0)
print("scores", short_scores.ravel().round(3))
assert short_scores.shape == (3, 1) and long_scores.shape == (3, 1)
assert list(short_scores.ravel() > 0.5) == [True, False, True], short_scores
# padding is masked, so extra zeros in front change nothing
np.testing.assert_allclose(short_scores, long_scores, atol=1e-5)
