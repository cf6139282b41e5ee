"""The recurrent-network demos (issue 13): the RNN configurations, the intent classifier read word by
word, the name tagger and the LSTM / GRU gates, each run in quick mode and held to its claim."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

from axon import demos

from helpers import pictures_and_page


@pytest.mark.slow
def test_every_rnn_configuration_learns_its_task(tmp_path):
    from axon.demos import rnn_configurations as rc
    r = demos.run("rnn-configurations", tmp_path, quick=True)
    page = pictures_and_page(r, ["configurations", "learning_curves"], exact=True)
    runs = r.values["runs"]
    assert list(runs) == [c.key for c in rc.CONFIGURATIONS]
    for c in rc.CONFIGURATIONS:
        run = runs[c.key]
        assert run["accuracy"] > 0.9, (c.key, run["accuracy"])
        assert run["accuracy"] > run["chance"] + 0.35, (c.key, run)
        assert run["loss"][-1] < 0.5 * run["loss"][0]
        assert f"{run['accuracy']:.1%}" in page
    assert runs["encoder_decoder"]["sequence_accuracy"] > 0.8  # most reversals entirely right


def test_rnn_configuration_tasks_are_what_they_say():
    from axon.demos import rnn_configurations as rc
    rng = np.random.default_rng(1)
    x, y = rc.counting_task(rng, 50, steps=3)
    start, step = x[:, :rc.DIGITS].argmax(1), x[:, rc.DIGITS:].argmax(1) + 1
    np.testing.assert_array_equal(y[:, 2], (start + 3 * step) % 10)
    x, y = rc.count_ones_task(rng, 20)
    np.testing.assert_array_equal(y, x[..., 0].sum(1))
    x, y = rc.reversal_task(rng, 20)
    np.testing.assert_array_equal(y, x.argmax(-1)[:, ::-1])
    assert rc.chance(np.array([0, 0, 0, 1])) == 0.75


# ----- intent
def test_intent_classifier_sharpens_word_by_word(tmp_path):
    from axon.demos import intent
    r = demos.run("intent", tmp_path, quick=True)
    page = pictures_and_page(r, ["hidden_states", "word_by_word"], exact=True)
    assert r.values["words"] == ["what", "time", "is", "it", "?"]
    assert r.values["hidden"].shape == (5, 16) and np.abs(r.values["hidden"]).max() <= 1  # tanh units
    probs = r.values["probabilities"]
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-5)
    t, w = intent.INTENTS.index("time"), intent.INTENTS.index("weather")
    # "what" could be the time or the weather; the network hedges about as the data does
    assert 0.2 < probs[0, t] < 0.95 and probs[0, w] > 0.05
    assert abs(probs[0, t] - r.values["what_is_time"]) < 0.2
    assert probs[1, t] > 0.9 and probs[-1, t] > 0.9   # "what time" settles it
    assert r.values["accuracy"] > 0.95
    for sentence, p in r.values["traces"].items():
        assert intent.INTENTS[int(p[-1].argmax())] == intent.intent_of(sentence)
    assert f"{r.values['accuracy']:.4g}" in page and "generated" in page


def test_intent_requests_come_from_their_templates():
    from axon.demos import intent
    sentences, labels = intent.make_requests(np.random.default_rng(3), 40)
    assert [intent.INTENTS[k] for k in labels] == [intent.intent_of(s) for s in sentences]
    x, y = intent.prefixes(["play some music"], [2])
    assert x == ["play", "play some", "play some music"] and list(y) == [2, 2, 2]
    with pytest.raises(ValueError, match="no template"):
        intent.intent_of("open the pod bay doors")


# ----- name-tagging
def test_bidirectional_tagger_finds_the_names(tmp_path):
    from axon.demos import name_tagging as nt
    r = demos.run("name-tagging", tmp_path, quick=True)
    page = pictures_and_page(r, ["tagged_sentences", "scores"], exact=True)
    bi, fw = r.values["bidirectional"], r.values["forward"]
    assert bi["test"]["token_accuracy"] > 0.97 and bi["test"]["entity_f1"] > 0.95
    assert bi["unseen"]["entity_f1"] > 0.9          # names it never saw, tagged from their context
    assert bi["test"]["ambiguous_count"] > 20
    # a sentence-first "Florence" needs the words after it: the backward LSTM brings them
    assert bi["test"]["ambiguous_accuracy"] > fw["test"]["ambiguous_accuracy"] + 0.05
    assert r.values["examples"][nt.SENTENCE]["bidirectional"] == ["B-PER", "I-PER", "O", "B-PER", "I-PER",
                                                                 "O", "O", "O", "O"]
    assert r.values["examples"]["Florence is lovely in spring"]["bidirectional"][0] == "O"
    assert r.values["examples"]["Florence smiled"]["bidirectional"][0] == "B-PER"
    assert f"{bi['test']['entity_f1']:.4g}" in page and "Harry/B-PER Potter/I-PER" in page


def test_entity_spans_and_f1():
    from axon.demos import name_tagging as nt
    assert nt.spans(["B-PER", "B-PER", "I-PER", "O", "I-PER", "I-PER"]) == [(0, 1), (1, 3), (4, 6)]
    assert nt.spans(["O", "O"]) == []
    assert nt.entity_f1([[(0, 2)], []], [[(0, 1)], []]) == 0.0     # half a name is no name
    assert nt.entity_f1([[]], [[]]) == 1.0
    words, tags = nt.make_sentences(np.random.default_rng(0), 30, unseen=1.0)
    names = {w for s, t in zip(words, tags) for w, g in zip(s, t) if g != "O"}
    assert names and names <= set(nt.UNSEEN_FIRST + nt.UNSEEN_LAST)


# ----- lstm-gates
@pytest.mark.slow
def test_trained_gates_are_the_gate_equations_by_hand(tmp_path):
    r = demos.run("lstm-gates", tmp_path, quick=True)
    page = pictures_and_page(r, ["lstm_gates", "gru_gates", "hand_vs_layer"], exact=True)
    gaps = r.values["gaps"]
    assert max(gaps.values()) < 1e-5           # NumPy from get_weights() = what the layers compute
    for cell in ("lstm", "gru"):
        assert r.values[cell]["mae"] < 0.25 * r.values[cell]["baseline_mae"]   # it remembers the value
    g = r.values["lstm_gates"]
    for key in "ifo":
        assert 0 <= g[key].min() and g[key].max() <= 1
    np.testing.assert_allclose(g["c"][:, 1:], g["f"][:, 1:] * g["c"][:, :-1] + g["i"][:, 1:] * g["g"][:, 1:])
    i, f, u = r.values["input_gate"], r.values["forget_gate"], r.values["writer"]
    assert i["at"][u] > i["after"][u] + 0.3     # the input gate opens when the mark comes ...
    assert f["after"][u] > f["at"][u]           # ... and the forget gate keeps more after it
    z, v = r.values["update_gate"], r.values["gru_writer"]
    assert z["after"][v] > z["at"][v] + 0.15    # the GRU keeps its old state less at the mark
    assert f"{gaps['lstm c']:.1e}" in page and f"{r.values['lstm']['mae']:.3f}" in page


@pytest.mark.parametrize("reset_after", [True, False])
def test_gate_equations_by_hand_match_fresh_layers(reset_after):
    import axon
    from axon.demos import lstm_gates as lg
    from axon.layers import GRU, LSTM
    axon.manual_seed(3)
    x = np.random.default_rng(0).normal(size=(4, 7, 3)).astype(np.float32)
    lstm, gru = LSTM(5), GRU(5, reset_after=reset_after)
    lstm(x), gru(x)
    w = [np.random.default_rng(1).normal(scale=0.5, size=a.shape).astype(np.float32) for a in lstm.get_weights()]
    lstm.set_weights(w)                          # nonzero biases, so the gate order matters
    hand, layer = lg.lstm_by_hand(x, *lstm.get_weights()), lg.layer_states(lstm, x)
    np.testing.assert_allclose(hand["h"], layer["h"], atol=1e-5)
    np.testing.assert_allclose(hand["c"], layer["c"], atol=1e-5)
    swapped = lstm.get_weights()                 # the forget and input columns exchanged: no longer the layer
    swapped = [np.concatenate([a[..., 5:10], a[..., :5], a[..., 10:]], axis=-1) for a in swapped]
    assert np.abs(lg.lstm_by_hand(x, *swapped)["h"] - layer["h"]).max() > 1e-3
    gw = [np.random.default_rng(2).normal(scale=0.5, size=a.shape).astype(np.float32) for a in gru.get_weights()]
    gru.set_weights(gw)
    hand = lg.gru_by_hand(x, *gru.get_weights(), reset_after=reset_after)
    np.testing.assert_allclose(hand["h"], lg.layer_states(gru, x)["h"], atol=1e-5)


def test_gates_by_hand_name_bad_weights():
    from axon.demos import lstm_gates as lg
    x = np.zeros((1, 3, 2))
    with pytest.raises(ValueError, match=r"lstm_by_hand.*\(H, 4H\)"):
        lg.lstm_by_hand(x, np.zeros((2, 9)), np.zeros((3, 9)))     # GRU-shaped weights
    with pytest.raises(ValueError, match="gru_by_hand"):
        lg.gru_by_hand(x, np.zeros((2, 12)), np.zeros((3, 12)))
