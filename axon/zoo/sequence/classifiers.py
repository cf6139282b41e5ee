"""Recurrent classifiers: of a whole sequence (many-to-one) or of every token (many-to-many,
equal lengths).

- ``text_classifier``, a sentence (or intent) classifier: embedding, a recurrent
  encoder whose last state feeds a softmax layer;
- ``sequence_tagger``, one tag per token (part of speech, capitalisation, named
  entities), with tag 0 for padding, left out of the loss (``compile_tagger``).

``axon.data.make_intent_data`` and ``axon.data.make_tagging_data`` generate
small data sets that make each learn in seconds; see docs/sequences.md.

>>> import numpy as np
>>> model = text_classifier(vocab_size=50, num_classes=3)
>>> model(np.array([[5, 6, 7, 0]])).shape
(1, 3)
>>> sequence_tagger(vocab_size=50, num_tags=5)(np.array([[5, 6, 7, 0]])).shape
(1, 4, 5)
"""
import numpy as np

from ...layers import Bidirectional, Dense, Dropout, Embedding
from ...losses import SparseCategoricalCrossentropy
from ...models.sequential import Sequential
from .cells import cell as recurrent_layer


def text_classifier(vocab_size, num_classes, embed_dim=32, units=32, cell="gru", bidirectional=False,
                    dropout=0.0):
    """Token ids (N, T), 0 = padding -> class probabilities (N, num_classes).

    Compile with ``loss="sparse_categorical_crossentropy"``.
    """
    rnn = recurrent_layer(cell)(units)
    return Sequential([
        Embedding(vocab_size, embed_dim, mask_zero=True),
        Bidirectional(rnn) if bidirectional else rnn,
        Dropout(dropout),
        Dense(num_classes, activation="softmax"),
    ])


def sequence_tagger(vocab_size, num_tags, embed_dim=32, units=32, cell="gru", bidirectional=True):
    """Token ids (N, T) -> tag logits (N, T, num_tags), one tag per token.

    Tag 0 is reserved for padding: compile with
    ``loss=SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)``
    (``compile_tagger`` does) so padded steps do not count.
    """
    rnn = recurrent_layer(cell)(units, return_sequences=True)
    return Sequential([
        Embedding(vocab_size, embed_dim, mask_zero=True),
        Bidirectional(rnn) if bidirectional else rnn,
        Dense(num_tags),
    ])


def masked_accuracy(y_true, logits, pad_id=0):
    """Share of non-padding positions whose arg-max matches the tag."""
    y = np.asarray(y_true)
    keep = y != pad_id
    pred = np.asarray(logits).argmax(-1)
    return float((pred == y)[keep].mean())


def compile_tagger(model, learning_rate=1e-2):
    """Adam and the cross-entropy with padding (tag 0) ignored, the usual settings for
    ``sequence_tagger``."""
    from ... import optimizers
    model.compile(optimizer=optimizers.Adam(learning_rate=learning_rate),
                  loss=SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    return model


__all__ = ["text_classifier", "sequence_tagger", "masked_accuracy", "compile_tagger"]
