"""TextVectorization, StringLookup and IntegerLookup against Keras 3's documented behaviour (the
docstring examples of keras/src/layers/preprocessing/{text_vectorization,string_lookup,
integer_lookup}.py, and tf.keras 2's): vocabulary order and ties, max_tokens, every output mode
with values worked out by hand, Keras's idf, n-grams, the standardize and split options, string
inputs through Input(dtype="string") and a functional model that trains, configs and saving."""
import math
import os

import numpy as np
import pytest

import axon
from axon import layers
from axon.layers import (Dense, Embedding, GlobalAveragePooling1D, Input, IntegerLookup, StringLookup,
                         TextVectorization)
from axon.layers.index_lookup import inverse_document_frequency
from axon.serialization import deserialize, register_keras_serializable, serialize

FOO = ["foo bar", "bar baz", "baz bada boom"]


def ids(layer, data):
    out = layer(data)
    assert isinstance(out, axon.Tensor)
    return out.numpy().tolist()


# ----- Keras's documented examples
def test_keras3_docstring_adapt_example():
    layer = TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(FOO)
    # bar and baz twice, the rest once; ties broken by the token, high to low
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    out = layer([["foo qux bar"], ["qux baz"]])
    assert out.dtype == np.int64
    assert out.numpy().tolist() == [[4, 1, 3, 0], [1, 2, 0, 0]]


def test_tf_keras2_docstring_example_ties_high_to_low():
    # tf.keras 2's example: three tokens seen once each sort foo > baz > bar
    layer = TextVectorization(max_tokens=5000, output_sequence_length=4)
    layer.adapt(["foo", "bar", "baz"])
    assert layer.get_vocabulary(include_special_tokens=False) == ["foo", "baz", "bar"]
    assert ids(layer, [["foo qux bar"], ["qux baz"]]) == [[2, 1, 4, 0], [1, 3, 0, 0]]


def test_given_vocabulary_example():
    layer = TextVectorization(max_tokens=5000, output_sequence_length=4,
                              vocabulary=["earth", "wind", "and", "fire"])
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    assert layer.vocabulary_size() == 6
    assert ids(layer, [["earth wind and fire"], ["Fire and earth, Michigan!"]]) == [[2, 3, 4, 5], [5, 4, 2, 1]]
    set_later = TextVectorization(output_sequence_length=4)
    set_later.set_vocabulary(["baz", "bar", "foo"])
    assert ids(set_later, [["foo qux bar"], ["qux baz"]]) == [[4, 1, 3, 0], [1, 2, 0, 0]]


def test_keras_standardize_examples():
    vocab = ["hello", "world", "this", "is", "nice", "test"]
    text = ["Hello, World!. This is just a nice test!"]
    assert ids(TextVectorization(vocabulary=vocab), text) == [[2, 3, 4, 5, 1, 1, 6, 7]]
    lower = TextVectorization(standardize="lower", vocabulary=["hello,"] + vocab)
    assert ids(lower, text) == [[2, 1, 5, 6, 1, 1, 7, 1]]  # "world!." keeps its punctuation
    strip = TextVectorization(standardize="strip_punctuation", vocabulary=["Hello", "World", "Test"])
    assert ids(strip, ["Hello, World! Test."]) == [[2, 3, 4]]
    none = TextVectorization(standardize=None, vocabulary=["Hello", "world"])
    assert ids(none, ["Hello hello"]) == [[2, 1]]


def test_punctuation_is_deleted_and_only_ascii_is_lowercased():
    layer = TextVectorization()
    layer.adapt(["Don't STOP-me (now)... ÉTÉ café"])
    # string.punctuation is deleted, not replaced by a space; tf.strings.lower changes A-Z only
    assert sorted(layer.get_vocabulary(include_special_tokens=False)) == sorted(
        ["dont", "stopme", "now", "ÉtÉ", "café"])


def test_whitespace_split_is_ascii_whitespace_runs():
    layer = TextVectorization(standardize=None, vocabulary=["a", "b", "c\u00a0d"])
    # tabs, newlines and repeated spaces separate words; a no-break space does not
    assert ids(layer, ["  a\t\tb\n c\u00a0d  "]) == [[2, 3, 4]]


def test_character_split_and_no_split():
    assert ids(TextVectorization(split="character", vocabulary=list("abcde")), ["abcf"]) == [[2, 3, 4, 1]]
    no_split = TextVectorization(split=None, vocabulary=["foo", "bar", "baz"])
    assert ids(no_split, [["foo"], ["bar"], ["unknown"]]) == [[2], [3], [1]]
    assert ids(no_split, [["foo", "baz"], ["", "bar"]]) == [[2, 4], [0, 3]]  # "" is the mask token


def test_standardize_and_split_callables():
    seen = []

    def standardize(texts):
        seen.append((type(texts).__name__, texts.dtype.kind, texts.shape))
        return np.char.replace(np.char.lower(texts), "-", " ")

    layer = TextVectorization(standardize=standardize, vocabulary=["foo", "bar"])
    assert ids(layer, [["Foo-bar"], ["BAR"]]) == [[2, 3], [3, 0]]
    assert seen == [("ndarray", "U", (2, 1))]  # Keras's contract off TensorFlow: an array of str
    split = lambda texts: np.char.split(texts, "|")
    # Keras's example: the default standardize deletes "|" before the split sees it
    assert ids(TextVectorization(split=split, vocabulary=["foo", "bar", "foobar"]), ["foo|bar"]) == [[4]]
    pipes = TextVectorization(standardize=None, split=split, vocabulary=["foo", "bar", "foobar"])
    assert ids(pipes, ["foo|bar", "foobar"]) == [[2, 3], [4, 0]]
    with pytest.raises(ValueError, match="same shape"):
        TextVectorization(standardize=lambda t: t[:1], vocabulary=["a"])(["a b", "c"])
    with pytest.raises(ValueError, match="one sequence of tokens per text"):
        TextVectorization(split=lambda t: [["a"]], vocabulary=["a"])(["a b", "c"])


def test_ngrams():
    two = TextVectorization(ngrams=2)
    two.adapt(["foo bar baz"])
    assert set(two.get_vocabulary()) == {"", "[UNK]", "foo", "bar", "baz", "foo bar", "bar baz"}
    one_three = TextVectorization(ngrams=(1, 3))
    one_three.adapt(["foo bar baz"])
    assert "foo bar baz" in one_three.get_vocabulary() and "foo bar" not in one_three.get_vocabulary()
    # per text: all unigrams, then all bigrams (tf.strings.ngrams order); a short text has no bigram
    layer = TextVectorization(ngrams=(1, 2), vocabulary=["a", "b", "c", "a b", "b c"])
    assert ids(layer, ["a b c", "b"]) == [[2, 3, 4, 5, 6], [3, 0, 0, 0, 0]]
    assert ids(TextVectorization(ngrams=(2,), vocabulary=["a b"], output_sequence_length=2), ["a b a"]) == [[2, 1]]


# ----- vocabulary order, max_tokens, adapt inputs
def test_adapt_counts_and_max_tokens():
    texts = ["c c c b b a d", "d d b", "e"]  # counts: d 3, c 3, b 3, a 1, e 1
    layer = TextVectorization()
    layer.adapt(texts)
    assert layer.get_vocabulary(include_special_tokens=False) == ["d", "c", "b", "e", "a"]
    capped = TextVectorization(max_tokens=5)  # "" and "[UNK]" count towards max_tokens
    capped.adapt(texts)
    assert capped.get_vocabulary() == ["", "[UNK]", "d", "c", "b"]
    bag = TextVectorization(max_tokens=5, output_mode="multi_hot")  # only "[UNK]" is reserved here
    bag.adapt(texts)
    assert bag.get_vocabulary() == ["[UNK]", "d", "c", "b", "e"]


def test_adapt_from_batches_arrays_and_steps():
    def batches():
        yield ["hello world", "foo bar"]
        yield np.array([["baz qux"], ["hello foo"]])
        yield ["never read"]

    layer = TextVectorization()
    layer.adapt(batches(), steps=2)
    assert layer.get_vocabulary(include_special_tokens=False) == ["hello", "foo", "world", "qux", "baz", "bar"]
    column = TextVectorization()
    column.adapt(np.array(FOO)[:, None])
    assert column.get_vocabulary()[:4] == ["", "[UNK]", "baz", "bar"]
    tensor = TextVectorization()
    tensor.adapt(np.array(FOO, dtype=object))
    assert tensor.get_vocabulary() == column.get_vocabulary()
    with pytest.raises(ValueError, match="steps"):
        TextVectorization().adapt(FOO, steps=1)


def test_adapt_again_replaces_the_vocabulary_and_bytes_are_decoded():
    layer = TextVectorization()
    layer.adapt(FOO)
    layer.adapt([b"caf\xc3\xa9 au lait", "au"])
    assert layer.get_vocabulary() == ["", "[UNK]", "au", "lait", "café"]
    assert ids(layer, np.array([b"au caf\xc3\xa9"])) == [[2, 4]]


def test_padding_and_truncation():
    layer = TextVectorization(vocabulary=["a", "b", "c"])
    assert ids(layer, ["a b c b", "c", ""]) == [[2, 3, 4, 3], [4, 0, 0, 0], [0, 0, 0, 0]]  # the longest
    cut = TextVectorization(vocabulary=["a", "b", "c"], output_sequence_length=2)
    assert ids(cut, np.array(["a b c b", "c", ""])) == [[2, 3], [4, 0], [0, 0]]  # cut at the end
    assert layer(np.array([], dtype=str)).shape == (0, 0)


# ----- the vector modes
def test_multi_hot_and_count():
    hot = TextVectorization(output_mode="multi_hot", vocabulary=["foo", "bar", "baz"])
    out = hot([["foo bar"], ["baz foo foo qux"]])
    assert out.dtype == np.float32
    assert out.numpy().tolist() == [[0, 1, 1, 0], [1, 1, 0, 1]]  # index 0 counts unknown tokens
    count = TextVectorization(output_mode="count", vocabulary=["foo", "bar", "baz"])
    assert ids(count, ["foo bar", "baz foo foo qux qux"]) == [[0, 1, 1, 0], [2, 2, 0, 1]]
    wide = TextVectorization(output_mode="multi_hot", vocabulary=["foo", "bar"], max_tokens=8, pad_to_max_tokens=True)
    assert ids(wide, ["foo bar"]) == [[0, 1, 1, 0, 0, 0, 0, 0]]


def test_tf_idf_given_weights():
    layer = TextVectorization(output_mode="tf_idf", vocabulary=["foo", "bar", "baz"], idf_weights=[0.3, 0.5, 0.2])
    # count * idf; the OOV weight is the weights' average (0.3+0.5+0.2)/3
    np.testing.assert_allclose(layer(["foo bar", "baz foo foo zap"]).numpy(),
                               [[0, 0.3, 0.5, 0], [1 / 3, 0.6, 0, 0.2]], rtol=1e-6)


def test_tf_idf_adapt_uses_keras_idf():
    docs = ["a a b", "a c", "a"]  # document frequency: a 3, b 1, c 1; 3 documents
    layer = TextVectorization(output_mode="tf_idf")
    layer.adapt(docs)
    assert layer.get_vocabulary() == ["[UNK]", "a", "c", "b"]
    idf = {t: math.log(1 + 3 / (1 + df)) for t, df in (("a", 3), ("b", 1), ("c", 1))}
    oov = (idf["a"] + idf["b"] + idf["c"]) / 3
    np.testing.assert_allclose(layer(["a a b zz", "c"]).numpy(),
                               [[oov, 2 * idf["a"], 0, idf["b"]], [0, 0, idf["c"], 0]], rtol=1e-6)
    np.testing.assert_allclose(inverse_document_frequency([3, 1], 3), [idf["a"], idf["b"]])


# ----- StringLookup and IntegerLookup (Keras's docstring examples)
def test_string_lookup_examples():
    data = [["a", "c", "d"], ["d", "z", "b"]]
    assert ids(StringLookup(vocabulary=["a", "b", "c", "d"]), data) == [[1, 3, 4], [4, 0, 2]]
    adapted = StringLookup()
    adapted.adapt(data)
    assert adapted.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert ids(adapted, data) == [[5, 3, 1], [1, 2, 4]]
    vocab = ["a", "b", "c", "d"]
    assert ids(StringLookup(vocabulary=vocab, output_mode="one_hot"), ["a", "b", "c", "d", "z"]) == [
        [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [1, 0, 0, 0, 0]]
    four = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    assert ids(StringLookup(vocabulary=vocab, output_mode="multi_hot"), four) == [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]
    assert ids(StringLookup(vocabulary=vocab, output_mode="count"), four) == [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]
    tfidf = StringLookup(output_mode="tf_idf")
    tfidf.set_vocabulary(vocab, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tfidf(four).numpy(), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    tfidf.set_vocabulary(["[UNK]"] + vocab, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tfidf(four).numpy(), [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)
    inverse = StringLookup(vocabulary=vocab, invert=True)
    assert ids(inverse, np.array(ids(StringLookup(vocabulary=vocab), data))) == [["a", "c", "d"], ["d", "[UNK]", "b"]]


def test_string_lookup_mask_and_no_oov():
    masked = StringLookup(vocabulary=["a", "b"], mask_token="")
    assert masked.get_vocabulary() == ["", "[UNK]", "a", "b"]
    assert ids(masked, [["a", "", "q"]]) == [[2, 0, 1]]
    assert ids(StringLookup(vocabulary=["a", "b"], mask_token="", invert=True), np.array([[2, 0, 1, 9]])) == [
        ["a", "", "[UNK]", "[UNK]"]]
    bag = StringLookup(vocabulary=["a", "b"], mask_token="", output_mode="count")
    assert ids(bag, [["a", "", "", "q"]]) == [[1, 1, 0]]  # the mask token is dropped
    strict = StringLookup(vocabulary=["a", "b"], num_oov_indices=0)
    assert ids(strict, ["b", "a"]) == [1, 0]
    with pytest.raises(ValueError, match="num_oov_indices=0.*'q'"):
        strict(["a", "q"])


def test_integer_lookup_examples():
    vocab = [12, 36, 1138, 42]
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    assert ids(IntegerLookup(vocabulary=vocab), data) == [[1, 3, 4], [4, 0, 2]]
    adapted = IntegerLookup()
    adapted.adapt(data)
    assert adapted.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    assert ids(adapted, data) == [[5, 2, 1], [1, 3, 4]]
    two_oov = IntegerLookup(vocabulary=vocab, num_oov_indices=2)  # Keras's floormod buckets
    assert ids(two_oov, np.array([[12, 1138, 42], [37, 1000, 36]])) == [[2, 4, 5], [1, 0, 3]]
    assert ids(IntegerLookup(vocabulary=vocab, invert=True), np.array([[1, 3, 4], [4, 0, 2]])) == [
        [12, 1138, 42], [42, -1, 36]]
    four = np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])
    tfidf = IntegerLookup(output_mode="tf_idf", vocabulary=vocab, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tfidf(four).numpy(), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    assert ids(IntegerLookup(vocabulary=vocab, output_mode="multi_hot"), four) == [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]


# ----- strings through models
def test_string_input_in_a_functional_model_trains_and_predicts_raw_text():
    axon.utils.set_random_seed(0)
    good, bad = ["great", "fine", "superb"], ["awful", "dull", "poor"]
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(good if i % 2 else bad, 3)) + " movie" for i in range(80)]
    labels = np.arange(80) % 2
    vectorize = TextVectorization(max_tokens=20, output_sequence_length=5)
    vectorize.adapt(texts)
    inputs = Input(shape=(1,), dtype="string")
    x = vectorize(inputs)
    assert inputs.dtype == object and x.shape == (None, 5) and x.dtype == np.int64
    x = GlobalAveragePooling1D()(Embedding(20, 8)(x))
    model = axon.Model(inputs, Dense(1, activation="sigmoid")(x))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(np.array(texts)[:, None], labels, epochs=40, batch_size=16, verbose=0)
    assert model.evaluate(np.array(texts)[:, None], labels, return_dict=True)["accuracy"] == 1.0
    p = model.predict(["superb great movie", "dull poor movie"]).ravel()
    assert p[0] > 0.5 > p[1]
    assert np.allclose(model.predict(np.array([["superb great movie"], ["dull poor movie"]])).ravel(), p)


def test_variable_length_output_reads_as_none():
    vectorize = TextVectorization(vocabulary=["a"])
    assert vectorize(Input(shape=(1,), dtype="string")).shape == (None, None)
    bag = TextVectorization(output_mode="count", vocabulary=["a", "b"])
    assert bag(Input(shape=(1,), dtype=str)).shape == (None, 3)


def test_save_and_load_inside_a_model(tmp_path):
    for mode, extra in (("int", {"output_sequence_length": 6, "ngrams": (1, 2)}),
                        ("tf_idf", {"max_tokens": 12, "pad_to_max_tokens": True})):
        vectorize = TextVectorization(output_mode=mode, **extra)
        vectorize.adapt(FOO + ["foo foo bar"])
        inputs = Input(shape=(1,), dtype="string")
        model = axon.Model(inputs, vectorize(inputs))
        data = np.array([["foo bar zap"], ["bada boom baz"]])
        path = os.path.join(tmp_path, f"{mode}.keras")
        model.save(path)
        loaded = axon.models.load_model(path)
        np.testing.assert_array_equal(loaded.predict(data), model.predict(data))
        assert loaded.layers[1].get_vocabulary() == vectorize.get_vocabulary()


def test_sequential_of_a_first_text_layer_saves(tmp_path):
    model = axon.Sequential([TextVectorization(vocabulary=["a", "b"], output_sequence_length=3),
                             Embedding(4, 2)])
    out = model(np.array([["a b"], ["b q"]]))
    assert out.shape == (2, 3, 2)
    model.save(os.path.join(tmp_path, "s.keras"))
    loaded = axon.models.load_model(os.path.join(tmp_path, "s.keras"))
    np.testing.assert_allclose(loaded(np.array([["a b"], ["b q"]])).numpy(), out.numpy())


def test_sequential_with_a_string_input_builds_on_text():
    model = axon.Sequential([Input(shape=(1,), dtype="string"), TextVectorization(vocabulary=["a", "b"]),
                             Embedding(4, 2), axon.layers.Conv1D(2, 3)])
    assert len(model.weights) == 3  # built at once, as Keras builds it, on a probe of text
    assert model(np.array([["a b a b"], ["b"]])).shape == (2, 2, 2)


def test_config_round_trip_keeps_the_adapted_vocabulary():
    layer = TextVectorization(max_tokens=6, ngrams=2)
    layer.adapt(FOO)
    config = layer.get_config()
    assert config["vocabulary"] == layer.get_vocabulary() and config["ngrams"] == 2
    copy = TextVectorization.from_config(config)
    assert copy.get_vocabulary() == layer.get_vocabulary()
    assert ids(copy, FOO) == ids(layer, FOO)
    copy.adapt(["x y"])  # an adapted layer stays adaptable after the round trip
    assert copy.get_vocabulary() == ["", "[UNK]", "y", "x y", "x"]
    fixed = deserialize(serialize(TextVectorization(vocabulary=["a"])))
    with pytest.raises(ValueError, match="cannot adapt"):
        fixed.adapt(["b"])


def test_registered_callables_are_saved_by_name():
    @register_keras_serializable(package="tvtest")
    def dashes_to_spaces(texts):
        return np.char.replace(texts, "-", " ")

    layer = TextVectorization(standardize=dashes_to_spaces, vocabulary=["a", "b"])
    copy = deserialize(serialize(layer))
    assert ids(copy, ["a-b"]) == [[2, 3]]
    with pytest.raises(TypeError, match="register"):
        serialize(TextVectorization(standardize=lambda t: t, vocabulary=["a"]))


# ----- errors
@pytest.mark.parametrize("kwargs,match", [
    ({"ragged": True}, "ragged=True and sparse=True are not supported"),
    ({"sparse": True, "output_mode": "multi_hot"}, "not supported"),
    ({"output_mode": "one_hot"}, "output_mode must be one of"),
    ({"output_mode": "multi_hot", "output_sequence_length": 5}, "only for output_mode='int'"),
    ({"ngrams": "invalid"}, "ngrams must be"),
    ({"standardize": "upper"}, "standardize must be"),
    ({"split": "comma"}, "split must be"),
    ({"max_tokens": 1}, "greater than 1"),
    ({"pad_to_max_tokens": True, "output_mode": "count"}, "needs max_tokens"),
    ({"output_mode": "tf_idf", "vocabulary": ["a"]}, "give idf_weights"),
    ({"idf_weights": [1.0], "vocabulary": ["a"]}, "only for output_mode='tf_idf'"),
    ({"vocabulary": ["a", "b", "a"]}, "repeats"),
    ({"vocabulary": ["a", "", "b"]}, "mask token"),
    ({"vocabulary": ["a", "b", "c"], "max_tokens": 4}, "more than max_tokens=4"),
    ({"vocabulary": []}, "empty vocabulary"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TextVectorization(**kwargs)


def test_bad_inputs_and_missing_vocabulary():
    layer = TextVectorization(vocabulary=["a"])
    with pytest.raises(ValueError, match=r"\(N,\) or \(N, 1\)"):
        layer(np.array([["a", "b"]]))
    with pytest.raises(TypeError, match="expected strings"):
        layer(np.zeros((2, 1)))
    with pytest.raises(RuntimeError, match="needs its vocabulary"):
        TextVectorization(output_mode="multi_hot")(["a"])
    assert ids(TextVectorization(), ["a b"]) == [[1, 1]]  # int mode without a vocabulary: all unknown
    with pytest.raises(ValueError, match="does not exist"):
        TextVectorization(vocabulary=os.path.join("no", "such", "vocab.txt"))
    with pytest.raises(ValueError, match="farmhash|FarmHash"):
        StringLookup(num_oov_indices=2)
    bag = TextVectorization(output_mode="multi_hot")
    bag.adapt(["a b"])
    with pytest.raises(RuntimeError, match="cannot change"):
        bag.adapt(["a b c"])


def test_vocabulary_file(tmp_path):
    path = os.path.join(tmp_path, "vocab.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("foo\nbar\nbaz\n")
    layer = TextVectorization(vocabulary=path)
    assert ids(layer, ["foo bar baz unknown"]) == [[2, 3, 4, 1]]
    assert layer.get_config()["vocabulary"] == ["", "[UNK]", "foo", "bar", "baz"]


def test_sequential_starting_with_a_string_input_saves_and_loads(tmp_path):
    """The input dtype is part of a Sequential's config, so load_model rebuilds it with texts."""
    texts = np.array(["a good film", "a bad film", "good good", "bad"])
    vectorize = layers.TextVectorization(max_tokens=20)
    vectorize.adapt(texts)
    model = axon.Sequential([axon.Input(shape=(1,), dtype="string"), vectorize, layers.Embedding(20, 4),
                             layers.Conv1D(4, 2, padding="same"), layers.GlobalMaxPooling1D(),
                             layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(texts[:, None], np.array([1, 0, 1, 0.0]), verbose=0)
    model.save(tmp_path / "text.keras")
    back = axon.models.load_model(tmp_path / "text.keras")
    np.testing.assert_array_equal(back.predict(texts[:, None], verbose=0), model.predict(texts[:, None], verbose=0))
