"""The Markov-chain text generator: counts and add-k probabilities, perplexity against the order,
sampling, its model call, saving, and the comparison with the char RNN on the same text."""
import os

import numpy as np
import pytest

from axon.models import load_model
from axon.zoo.classic.markov_chain import GPL_3, MarkovChain, _rnn_perplexity, show

TEXT = ("the cat sat on the mat. the dog sat on the log. a cat and a dog sat on a mat and a log. " * 4)


def gpl():
    if not os.path.exists(GPL_3):
        pytest.skip(f"{GPL_3} not found (Debian's base-files ships it)")
    return open(GPL_3, encoding="utf-8").read()


def test_probabilities_are_smoothed_counts():
    mc = MarkovChain(order=1, k=0.5).fit("abab")
    ids = mc.encode("ab")
    v = len(mc.vocabulary) + 1  # the symbols and the unknown one
    # after 'a' the text has 'b' twice, nothing else: (2 + k) / (2 + k V)
    assert np.isclose(np.exp(mc.log_probabilities(ids))[1], (2 + 0.5) / (2 + 0.5 * v))
    p = mc.next_distribution(ids[0])
    assert np.isclose(p.sum(), 1) and p[0] == 0 and np.isclose(p[ids[1]], 2.5 / (2 + 0.5 * v))


def test_a_deterministic_text_has_perplexity_near_one():
    mc = MarkovChain(order=2, k=1e-3).fit("abcd" * 50)
    assert mc.perplexity("abcd" * 10) < 1.05
    assert MarkovChain(order=0, k=1e-3).fit("abcd" * 50).perplexity("abcd" * 10) > 3.9  # no context: ~4


def test_held_out_perplexity_falls_then_rises_with_the_order():
    text = gpl()
    train = text[:20000]
    known = set(train)
    test = "".join(c for c in text[30000:] if c in known)
    ppl = {o: MarkovChain(order=o, k=0.05).fit(train).perplexity(test) for o in (0, 1, 3, 5)}
    assert ppl[3] < ppl[1] < ppl[0] and ppl[5] > ppl[3]


def test_fitting_twice_adds_the_counts():
    once = MarkovChain(order=2).fit(TEXT)
    twice = MarkovChain(order=2).fit(TEXT).fit(TEXT)
    assert np.array_equal(twice.ngram_codes.data, once.ngram_codes.data)
    assert np.array_equal(twice.ngram_counts.data, 2 * once.ngram_counts.data)
    assert once.ngram_counts.data.sum() == len(TEXT)


def test_model_call_gives_normalised_next_symbol_log_probabilities():
    mc = MarkovChain(order=3, k=0.1).fit(TEXT)
    ids = mc.encode("the dog sat")
    logp = mc(ids[None]).numpy()
    assert logp.shape == (1, len(ids), mc.base)
    assert np.allclose(np.exp(logp).sum(-1), 1, atol=1e-5)
    assert np.allclose(logp[0, :-1][np.arange(len(ids) - 1), ids[1:]], mc.log_probabilities(ids)[1:], atol=1e-5)


def test_sampling():
    mc = MarkovChain(order=4, seed=0).fit(TEXT)
    a = mc.sample(200, seed_text="the ")
    assert len(a) == 200 and set(a) <= set(TEXT)
    assert MarkovChain(order=4, seed=0).fit(TEXT).sample(200, seed_text="the ") == a  # seeded
    greedy = mc.sample(12, seed_text="the d", temperature=0)
    assert greedy == mc.sample(12, seed_text="the d", temperature=0) and greedy.startswith("og sat on")
    # every 5-gram of a sample of an order-4 chain occurs in the text (sampling follows the counts)
    text = "the " + a
    assert all(text[i:i + 5] in TEXT for i in range(len(text) - 4))
    assert len(mc.sample(30, seed_text="xyz unseen ")) == 30  # an unseen seed backs off


def test_word_level_chain():
    mc = MarkovChain(order=2, level="word", seed=1).fit(TEXT)
    out = mc.sample(12, seed_text="the cat", temperature=0)
    assert out.split()[:3] == ["sat", "on", "the"]
    assert mc.perplexity("the cat sat on the mat.") < MarkovChain(order=0, level="word").fit(TEXT).perplexity(
        "the cat sat on the mat.")


def test_save_load_round_trip(tmp_path):
    mc = MarkovChain(order=3, k=0.2, seed=0).fit(TEXT)
    path = str(tmp_path / "chain.axon")
    mc.save(path)
    again = load_model(path)
    assert again.perplexity("a dog sat on the mat") == mc.perplexity("a dog sat on the mat")
    assert again.sample(40, temperature=0) == mc.sample(40, temperature=0)


@pytest.mark.slow
def test_show_compares_the_chain_with_the_char_rnn(tmp_path):
    gpl()
    shown = show(str(tmp_path), quick=True)
    m = shown.measured
    assert m[f"chain order {m['best chain order']} perplexity"] < m["chain order 0 perplexity"] / 2
    assert m["char RNN perplexity"] < m["chain order 0 perplexity"]  # the RNN learnt beyond symbol frequencies
    assert os.path.exists(shown.files["figure"]) and os.path.exists(shown.files["page"])
    page = open(shown.files["page"]).read()
    assert "Char RNN, sampled after the same seed" in page and "GPL" in page


def test_rnn_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    from axon.zoo.sequence.char_rnn import CharRNN
    rnn = CharRNN(vocab_size=7, embed_dim=2, units=3)
    rnn.out.build((None, 3))
    rnn.out.kernel.data[...] = 0
    rnn.out.bias.data[...] = 0
    assert np.isclose(_rnn_perplexity(rnn, np.arange(7).repeat(3)), 7.0)


@pytest.mark.parametrize("call, match", [
    (lambda: MarkovChain(order=-1), "order must be a whole number >= 0"),
    (lambda: MarkovChain(level="syllable"), "level must be 'char' or 'word'"),
    (lambda: MarkovChain(k=0), "k must be a number > 0"),
    (lambda: MarkovChain().fit(["a", "b"]), "the text must be a str, got list"),
    (lambda: MarkovChain().fit(""), "the text holds no characters"),
    (lambda: MarkovChain().sample(5), "the chain has counted nothing; call fit"),
    (lambda: MarkovChain().fit("abc").sample(5, temperature=-1), "temperature must be a number >= 0"),
    (lambda: MarkovChain().fit("abc").sample(2.5), "n must be a whole number >= 0"),
    (lambda: MarkovChain(order=6, level="word").fit(" ".join(str(i) for i in range(2000))), "do not fit 64-bit"),
])
def test_bad_inputs_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()
