"""The other sequence configurations learn: many-to-one (intent classifier), one-to-many
(character generator with temperature), many-to-many with equal lengths (tagger)."""
import numpy as np
import pytest

import axon
from axon.data import TAGS, CharVocab, Vocabulary, char_windows, make_intent_data, make_tagging_data, pad_sequences
from axon.losses import SparseCategoricalCrossentropy
from axon.zoo.sequence import CharRNN, compile_tagger, masked_accuracy, sequence_tagger, text_classifier


def test_many_to_one_intent_classifier_learns():
    axon.manual_seed(0)
    sentences, labels, names = make_intent_data(400, seed=0)
    vocab = Vocabulary.build([s.split() for s in sentences])
    x = pad_sequences([vocab.encode(s.split()) for s in sentences], padding="post")
    model = text_classifier(len(vocab), len(names), embed_dim=16, units=16)
    model.compile(optimizer=axon.optimizers.Adam(learning_rate=1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    before = model.evaluate(x[300:], labels[300:], return_dict=True)
    history = model.fit(x[:300], labels[:300], epochs=3, batch_size=32, verbose=0)
    after = model.evaluate(x[300:], labels[300:], return_dict=True)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert after["loss"] < 0.3 * before["loss"]
    assert after["accuracy"] > 0.9
    # padding does not change the prediction (the mask stops the recurrence)
    longer = np.concatenate([x[300:310], np.zeros((10, 4), x.dtype)], axis=1)
    np.testing.assert_allclose(model.predict(longer), model.predict(x[300:310]), rtol=1e-4, atol=1e-6)


def test_many_to_many_tagger_uses_context():
    axon.manual_seed(0)
    sents, tags = make_tagging_data(400, seed=1)
    vocab = Vocabulary.build(sents)
    x = pad_sequences([vocab.encode(s) for s in sents], padding="post")
    y = pad_sequences(tags, padding="post")
    model = compile_tagger(sequence_tagger(len(vocab), len(TAGS), embed_dim=16, units=16))
    assert model(x[:2]).shape == (2, x.shape[1], len(TAGS))
    before = masked_accuracy(y[300:], model.predict(x[300:]))
    history = model.fit(x[:300], y[:300], epochs=4, batch_size=32, verbose=0)
    pred = model.predict(x[300:])
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]
    assert masked_accuracy(y[300:], pred) > 0.97 > before
    # the ambiguous words get the tag their position calls for
    walk = vocab["walk"]
    is_walk = x[300:] == walk
    assert is_walk.any()
    np.testing.assert_array_equal(pred.argmax(-1)[is_walk], y[300:][is_walk])
    assert {TAGS[t] for t in y[300:][is_walk]} == {"NOUN", "VERB"}


def test_one_to_many_char_generator_and_temperature():
    axon.manual_seed(0)
    text = "the quick brown fox jumps over the lazy dog. " * 20
    vocab = CharVocab(text)
    x, y = char_windows(vocab.encode(text), 24, step=3)
    assert np.array_equal(x[:, 1:], y[:, :-1])
    model = CharRNN(len(vocab), embed_dim=12, units=48)
    model.compile(optimizer=axon.optimizers.Adam(learning_rate=1e-2),
                  loss=SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=6, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.25 * history.history["loss"][0]
    seed = vocab.encode("the quick ")
    cold = vocab.decode(model.generate(seed, 30, temperature=0.2, rng=np.random.default_rng(0)))
    assert cold.startswith("brown fox")
    # several samples at once; a high temperature gives more varied text than a low one
    seeds = np.repeat(seed[None], 8, axis=0)
    low = model.generate(seeds, 20, temperature=0.2, rng=np.random.default_rng(1))
    high = model.generate(seeds, 20, temperature=3.0, rng=np.random.default_rng(1))
    assert low.shape == high.shape == (8, 20)
    assert len({tuple(r) for r in high}) > len({tuple(r) for r in low})
    with pytest.raises(ValueError, match="not in the training text"):
        vocab.encode("Zebra")
