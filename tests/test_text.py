"""Text tools: tokenizer, vocabularies, Keras pad_sequences semantics, pair readers and splits."""
import os

import numpy as np
import pytest

from axon.data.text import (CharVocab, Tokenizer, Vocabulary, char_windows, clean_ding, detokenize, one_hot_encode,
                            pad_sequences, read_trans_de_en, read_tsv_pairs, split_by_source, tokenize, TRANS_DE_EN)


# ----- tokenizer and vocabulary

def test_tokenize_keeps_umlauts_and_splits_punctuation():
    assert tokenize("Größe, Maß und Übermut!") == ["Größe", ",", "Maß", "und", "Übermut", "!"]
    assert tokenize("Ich HABE Hunger.", lower=True) == ["ich", "habe", "hunger", "."]
    assert tokenize("We’re sure it's fine?") == ["We're", "sure", "it's", "fine", "?"]


def test_detokenize_round_trip():
    text = "Hello, world! (It's me.)"
    assert detokenize(tokenize(text)) == text


def test_vocabulary_specials_and_round_trip():
    v = Vocabulary.build([["a", "b", "b"], ["c", "b", "a"], ["d"]], max_size=6)
    assert v.itos[:4] == ["<pad>", "<unk>", "<sos>", "<eos>"]
    assert (v.pad_id, v.unk_id, v.sos_id, v.eos_id) == (0, 1, 2, 3)
    assert v.itos[4:] == ["b", "a"]  # the two most frequent words fill max_size
    ids = v.encode(["a", "b", "zzz"], add_sos=True, add_eos=True)
    assert ids == [2, 5, 4, 1, 3]
    assert v.decode(ids) == ["a", "b", "<unk>"]
    assert v.decode(ids, strip_special=False) == ["<sos>", "a", "b", "<unk>", "<eos>"]
    assert v.decode([4, 3, 5]) == ["b"]  # stops at <eos>


def test_vocabulary_min_freq_and_json(tmp_path):
    v = Vocabulary.build(["der Hund bellt", "der Hund schläft"], min_freq=2)
    assert len(v) == 6 and "Hund" in v and "bellt" not in v
    path = tmp_path / "v.json"
    v.save(path)
    w = Vocabulary.load(path)
    assert w.itos == v.itos
    assert "schläft" not in w and w["Hund"] == v["Hund"]
    with pytest.raises(ValueError, match="axon-vocabulary"):
        Vocabulary.from_json('{"tokens": []}')


def test_keras_tokenizer():
    tok = Tokenizer(num_words=3)
    tok.fit_on_texts(["The cat, the hat.", "A cat!"])
    assert tok.word_index == {"the": 1, "cat": 2, "hat": 3, "a": 4}
    assert tok.texts_to_sequences(["the hat cat"]) == [[1, 2]]  # index >= num_words dropped
    tok2 = Tokenizer(oov_token="<OOV>")
    tok2.fit_on_texts(["the cat"])
    assert tok2.texts_to_sequences(["the dog"]) == [[2, 1]]
    again = Tokenizer.from_json(tok2.to_json())
    assert again.sequences_to_texts([[2, 3, 1]]) == ["the cat <OOV>"]


def test_char_vocab_and_windows_cover_the_text():
    text = "abcabd"
    vocab = CharVocab(text)
    assert len(vocab) == 4 and vocab.decode(vocab.encode(text)) == text
    ids = vocab.encode(text)
    x, y = char_windows(ids, 2, step=1)
    assert len(x) == len(text) - 2  # every window whose next-character targets exist, the last one too
    assert np.array_equal(x[:, 1:], y[:, :-1]) and y[-1].tolist() == ids[-2:].tolist()
    with pytest.raises(ValueError, match=r"\['z'\] were not in the training text"):
        vocab.encode("az")


def test_one_hot_encode():
    x = one_hot_encode([[0, 2], [1, 1]], 3)
    assert x.shape == (2, 2, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(x.argmax(-1), [[0, 2], [1, 1]])
    with pytest.raises(ValueError, match="indices"):
        one_hot_encode([3], 3)


# ----- pad_sequences, Keras semantics

SEQS = [[1, 2, 3, 4, 5], [6, 7], [], [8]]


@pytest.mark.parametrize("padding,truncating,expected", [
    ("pre", "pre", [[2, 3, 4, 5], [0, 0, 6, 7], [0, 0, 0, 0], [0, 0, 0, 8]]),
    ("post", "pre", [[2, 3, 4, 5], [6, 7, 0, 0], [0, 0, 0, 0], [8, 0, 0, 0]]),
    ("pre", "post", [[1, 2, 3, 4], [0, 0, 6, 7], [0, 0, 0, 0], [0, 0, 0, 8]]),
    ("post", "post", [[1, 2, 3, 4], [6, 7, 0, 0], [0, 0, 0, 0], [8, 0, 0, 0]]),
])
def test_pad_sequences_keras_semantics(padding, truncating, expected):
    out = pad_sequences(SEQS, maxlen=4, padding=padding, truncating=truncating)
    assert out.dtype == np.int32
    assert out.tolist() == expected


def test_pad_sequences_defaults_value_dtype_and_errors():
    out = pad_sequences([[1], [2, 3]])
    assert out.tolist() == [[0, 1], [2, 3]]  # maxlen = longest, 'pre' padding
    out = pad_sequences([[1.5], [2.5, 3.5]], dtype="float32", value=-1.0, padding="post")
    assert out.tolist() == [[1.5, -1.0], [2.5, 3.5]]
    out = pad_sequences([[[1, 1]], [[2, 2], [3, 3]]])  # items with a shape of their own
    assert out.shape == (2, 2, 2) and out[0, 0].tolist() == [0, 0]
    out = pad_sequences([["a"], ["b", "c"]], dtype=object, value="<pad>")
    assert out.tolist() == [["<pad>", "a"], ["b", "c"]]
    assert pad_sequences([], maxlen=3).shape == (0, 3)
    with pytest.raises(ValueError, match="padding"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="truncating"):
        pad_sequences([[1]], truncating="both")


# ----- readers

def test_read_tsv_pairs_with_attribution(tmp_path):
    path = tmp_path / "deu.txt"
    path.write_text("Go.\tGeh.\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM)\n"
                    "Hi.\tHallo!\tCC-BY 2.0 (France) Attribution: tatoeba.org #538123 (CM)\n"
                    "\n"
                    "I'm hungry.\tIch habe Hunger.\tCC-BY 2.0\n", encoding="utf-8")
    assert read_tsv_pairs(path) == [("Go.", "Geh."), ("Hi.", "Hallo!"), ("I'm hungry.", "Ich habe Hunger.")]
    de_en = read_tsv_pairs(path, source_column=1, target_column=0, limit=2)
    assert de_en == [("Geh.", "Go."), ("Hallo!", "Hi.")]
    bad = tmp_path / "bad.txt"
    bad.write_text("only one column\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.txt:1"):
        read_tsv_pairs(bad)


def test_clean_ding_annotations():
    assert clean_ding("Er hat (schon) Hunger {m} [ugs.].") == "Er hat Hunger."
    assert clean_ding("Das ist ((sehr)) gut.") == "Das ist gut."


def test_read_trans_de_en_synthetic(tmp_path):
    path = tmp_path / "de-en"
    path.write_text(
        "# Version :: test\n"
        "Hunger {m} | Ich habe Hunger. | Hast du Hunger? :: hunger | I am hungry. | Are you hungry?\n"
        "heiraten {vt} | Wir haben im Ausland geheiratet.; Wir heirateten im Ausland. :: "
        "to marry | We married abroad.; We got married abroad.\n"
        "Haus {n} | zu Hause :: house | at home\n"
        "Ungleich | Zwei Teile. :: unequal\n"
        "Gut | Das ist gut. [ugs.] :: good | That is good (enough). [coll.]\n", encoding="utf-8")
    pairs = read_trans_de_en(path)
    assert pairs == [("Ich habe Hunger.", "I am hungry."), ("Hast du Hunger?", "Are you hungry?"),
                     ("Wir haben im Ausland geheiratet.", "We married abroad."),
                     ("Das ist gut.", "That is good.")]
    with pytest.raises(FileNotFoundError, match="trans-de-en"):
        read_trans_de_en(tmp_path / "missing")


@pytest.mark.skipif(not os.path.exists(TRANS_DE_EN), reason="Debian package trans-de-en not installed")
def test_read_trans_de_en_real_file():
    pairs = read_trans_de_en()
    assert 15_000 <= len(pairs) <= 19_000
    assert ("Wir haben im Ausland geheiratet.", "We married abroad.") in pairs
    for de, en in pairs[:500]:
        assert de[0].isupper() and en[-1] in ".?!" and 3 <= len(en.split()) <= 12


def test_split_by_source_keeps_sources_disjoint():
    rng = np.random.default_rng(0)
    pairs = [(f"s{rng.integers(40)}", f"t{i}") for i in range(300)]
    train, test = split_by_source(pairs, test_fraction=0.2, seed=1)
    assert len(train) + len(test) == 300
    assert 0.15 * 300 <= len(test) <= 0.3 * 300
    assert not {s for s, _ in train} & {s for s, _ in test}
    assert sorted(train + test) == sorted(pairs)
    assert split_by_source(pairs, 0.2, seed=1) == (train, test)  # deterministic
