"""Text classification with a Transformer block, as in the keras.io example of that name.

A TransformerBlock layer (multi-head self-attention and a feed-forward network, each with a
residual connection, layer normalization and dropout) on top of a TokenAndPositionEmbedding
layer, pooled and classified.  The keras.io example reads IMDB reviews; here the reviews are
synthetic: sentences of neutral words with a few "positive" and "negative" words scattered in,
labelled 1 when the positive ones outnumber the negative ones.
"""
import numpy as np

import axon as keras
from axon import layers, ops

keras.utils.set_random_seed(0)

vocab_size = 60  # 0 is padding, 1-8 positive words, 9-16 negative words, the rest neutral
maxlen = 24


def make_reviews(n):
    x = np.random.randint(17, vocab_size, size=(n, maxlen))
    y = np.zeros(n, dtype="int64")
    for i in range(n):
        length = np.random.randint(12, maxlen + 1)
        x[i, length:] = 0
        n_pos, n_neg = np.random.choice(5, size=2, replace=False)  # never a tie
        places = np.random.choice(length, size=n_pos + n_neg, replace=False)
        x[i, places[:n_pos]] = np.random.randint(1, 9, size=n_pos)
        x[i, places[n_pos:]] = np.random.randint(9, 17, size=n_neg)
        y[i] = int(n_pos > n_neg)
    return x, y


(x_train, y_train), (x_val, y_val) = make_reviews(1200), make_reviews(400)
print(len(x_train), "training sequences,", len(x_val), "validation sequences")


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


embed_dim = 16  # embedding size for each token
num_heads = 2  # number of attention heads
ff_dim = 32  # hidden layer size in the feed-forward network inside the transformer

inputs = layers.Input(shape=(maxlen,))
embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
x = embedding_layer(inputs)
transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
x = transformer_block(x)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dropout(0.1)(x)
x = layers.Dense(20, activation="relu")(x)
x = layers.Dropout(0.1)(x)
outputs = layers.Dense(2, activation="softmax")(x)

model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=6, validation_data=(x_val, y_val), verbose=0)

val_accuracy = history.history["val_accuracy"][-1]
print(f"validation accuracy after {len(history.history['loss'])} epochs: {val_accuracy:.3f}")
assert history.history["loss"][-1] < 0.3 * history.history["loss"][0], history.history["loss"]
assert val_accuracy > 0.95, val_accuracy

# the attention layer's weights have the Keras shapes: (embed_dim, num_heads, key_dim) and back
kernel_shapes = [tuple(w.shape) for w in transformer_block.att.weights if w.name.endswith("kernel")]
assert kernel_shapes == [(16, 2, 16)] * 3 + [(2, 16, 16)], kernel_shapes
