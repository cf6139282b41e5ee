"""Seq2seq: shapes, the loss with padding ignored, teacher-forcing training, greedy vs beam search,
saving (and loading files saved before the zoo moved), <unk>."""
import json
import zipfile

import numpy as np
import pytest

import axon
import axon.ops as F
from axon.data.text import Vocabulary
from axon.losses import SparseCategoricalCrossentropy
from axon.zoo.sequence.seq2seq import EOS_ID, PAD_ID, SOS_ID, Seq2Seq, make_arrays
from axon.zoo.sequence.translator import Translator, truecase

PADDING_IGNORED = dict(from_logits=True, ignore_class=PAD_ID)

V = 12  # tokens 4..11 are "words"


def reverse_task(n, seed=0):
    """Sources of 2-5 words + <eos>; the target is the reversed source."""
    rng = np.random.default_rng(seed)
    src = np.zeros((n, 6), np.int64)
    dec_in = np.zeros((n, 6), np.int64)
    dec_out = np.zeros((n, 6), np.int64)
    for i in range(n):
        k = rng.integers(2, 6)
        words = rng.integers(4, V, k)
        src[i, :k + 1] = list(words) + [EOS_ID]
        tgt = list(words[::-1])
        dec_in[i, :k + 1] = [SOS_ID] + tgt
        dec_out[i, :k + 1] = tgt + [EOS_ID]
    return src, dec_in, dec_out


@pytest.fixture(scope="module")
def trained():
    """A small attention model trained on the reverse task (shared by several tests)."""
    axon.manual_seed(0)
    src, dec_in, dec_out = reverse_task(400)
    model = Seq2Seq(V, V, embed_dim=16, units=40, attention=True)
    model.compile(optimizer=axon.optimizers.Adam(learning_rate=1e-2),
                  loss=SparseCategoricalCrossentropy(**PADDING_IGNORED))
    first = model.evaluate([src, dec_in], dec_out, batch_size=200)
    history = model.fit([src, dec_in], dec_out, batch_size=32, epochs=12, verbose=0)
    return model, first, history, (src, dec_in, dec_out)


def test_shapes_and_attention_weights():
    axon.manual_seed(1)
    src, dec_in, _ = reverse_task(5)
    for cell in ("gru", "lstm", "rnn"):
        m = Seq2Seq(V, V + 3, embed_dim=8, units=10, cell=cell, attention=True)
        assert m(src, dec_in).shape == (5, 6, V + 3)
        memory = m.encode(src)
        logits, states, weights = m.decode(dec_in, memory[2], memory)
        assert len(states) == (2 if cell == "lstm" else 1)
        w = weights.data
        assert w.shape == (5, 6, 6)
        np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-5)
        assert np.all(w[np.broadcast_to((src == PAD_ID)[:, None, :], w.shape)] == 0)  # padding gets no weight
    m = Seq2Seq(V, V, embed_dim=8, units=10, attention=False)
    tokens, scores, attn = m.beam_search(src, beam=2, max_len=7)
    assert tokens.shape[0] == 5 and tokens.shape[1] <= 7 and scores.shape == (5,) and attn is None
    with pytest.raises(ValueError, match="recurrent cell 'transformer'"):
        Seq2Seq(V, V, cell="transformer")


def _numpy_masked_cross_entropy(y, logits, pad_id=PAD_ID):
    """What the fused MaskedSoftmaxCrossentropy of the translator computed: the mean over
    non-padding positions of -log softmax(logits)[target], and its gradient."""
    z = logits.astype(np.float64)
    z = z - z.max(-1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    keep = y != pad_id
    n = max(int(keep.sum()), 1)
    picked = np.take_along_axis(p, y[..., None], axis=-1)[..., 0]
    grad = p.copy()
    np.put_along_axis(grad, y[..., None], np.take_along_axis(grad, y[..., None], axis=-1) - 1, axis=-1)
    return -np.log(picked[keep]).sum() / n, grad * keep[..., None] / n


def test_cross_entropy_with_padding_ignored_is_the_old_masked_loss():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 4, 7)).astype(np.float32)
    y = rng.integers(1, 7, (3, 4))
    y[0, 2:] = 0
    y[2, 1:] = 0
    keep = y != 0
    expected, expected_grad = _numpy_masked_cross_entropy(y, logits)
    for loss_fn in (SparseCategoricalCrossentropy(**PADDING_IGNORED),
                    lambda t, x: F.sparse_categorical_crossentropy(t, x, **PADDING_IGNORED)):
        x = axon.Tensor(logits, requires_grad=True)
        loss = loss_fn(y, x)
        np.testing.assert_allclose(float(loss.data), expected, rtol=1e-5)
        loss.backward()
        np.testing.assert_allclose(x.grad, expected_grad, rtol=1e-4, atol=1e-7)
        assert np.all(x.grad[~keep] == 0)
    changed = logits.copy()
    changed[~keep] += 100.0  # what the model says at padding does not matter
    np.testing.assert_allclose(float(F.sparse_categorical_crossentropy(y, axon.Tensor(changed), **PADDING_IGNORED).data),
                               expected, rtol=1e-5)
    axon.gradcheck(lambda t: F.sparse_categorical_crossentropy(y, t, **PADDING_IGNORED), [logits.astype(np.float64)])


def _as_saved_before_the_move(model, folder, module, loss=None):
    """``model`` saved, then its file rewritten as the code before the zoo's sub-packages wrote
    it: the class named with its old ``module`` and, if given, the old ``loss``."""
    path = folder / "new.axon"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    manifest = json.loads(members["axon.json"])
    manifest["model"]["module"] = module
    if loss is not None:
        manifest["compile"]["loss"] = loss
    members["axon.json"] = json.dumps(manifest).encode()
    old = folder / "old.axon"
    with zipfile.ZipFile(old, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return old


def test_char_rnn_saved_before_the_zoo_moved_loads(tmp_path):
    from axon.zoo import CharRNN
    model = CharRNN(9, embed_dim=4, units=6)
    ids = np.array([[1, 2, 3, 4]])
    model.compile(optimizer="adam", loss=SparseCategoricalCrossentropy(from_logits=True))
    model.fit(ids, ids, epochs=1, verbose=0)
    loaded = axon.load_model(_as_saved_before_the_move(model, tmp_path, "axon.zoo.sequence"))
    assert type(loaded) is CharRNN
    np.testing.assert_allclose(loaded.predict(ids), model.predict(ids), rtol=1e-5, atol=1e-6)


def test_model_saved_before_the_zoo_moved_loads_and_predicts_alike(tmp_path):
    """Files written before axon.zoo had sub-packages name the class's old module and compile with
    the old fused loss class; both still load."""
    src, dec_in, dec_out = reverse_task(8, seed=2)
    model = Seq2Seq(V, V, embed_dim=6, units=8)
    model.compile(optimizer="adam", loss=SparseCategoricalCrossentropy(**PADDING_IGNORED))
    model.fit([src, dec_in], dec_out, epochs=1, verbose=0)
    loaded = axon.load_model(_as_saved_before_the_move(model, tmp_path, "axon.zoo.seq2seq", {
        "class_name": "MaskedSparseCategoricalCrossentropy", "module": "axon.zoo.seq2seq", "config": {}}))
    assert type(loaded) is Seq2Seq
    np.testing.assert_allclose(loaded.predict([src, dec_in]), model.predict([src, dec_in]), rtol=1e-5, atol=1e-6)
    # compiled with the loss the old class stood for: padding ignored, from logits
    logs = loaded.evaluate([src, dec_in], dec_out, batch_size=len(src), return_dict=True)
    expected, _ = _numpy_masked_cross_entropy(dec_out, loaded.predict([src, dec_in]))
    np.testing.assert_allclose(logs["loss"], expected, rtol=1e-5)
    loaded.fit([src, dec_in], dec_out, epochs=1, verbose=0)  # and it trains on


def test_teacher_forcing_training_learns_the_reverse_task(trained):
    model, first, history, _ = trained
    losses = history.history["loss"]
    assert losses[-1] < 0.3 * first
    src, _, dec_out = reverse_task(100, seed=9)  # sequences not seen in training
    tokens, _, _ = model.greedy(src, max_len=7)
    n = tokens.shape[1]
    target = np.zeros((100, max(n, 6)), np.int64)
    target[:, :6] = dec_out
    exact = np.mean([np.array_equal(tokens[i], target[i, :n]) for i in range(100)])
    assert exact > 0.6


def test_beam_search_scores_at_least_greedy(trained):
    model, _, _, (src, _, _) = trained
    g_tokens, g_scores, _ = model.greedy(src[:40], max_len=8)
    b_tokens, b_scores, b_attn = model.beam_search(src[:40], beam=4, max_len=8, length_penalty=0.0)
    assert np.all(b_scores >= g_scores - 1e-4)
    # the reported scores are the model's log-probabilities of the returned outputs
    np.testing.assert_allclose(model.sequence_log_prob(src[:40], g_tokens), g_scores, atol=1e-3)
    np.testing.assert_allclose(model.sequence_log_prob(src[:40], b_tokens), b_scores, atol=1e-3)
    assert b_attn.shape[:2] == b_tokens.shape and b_attn.shape[2] == src.shape[1]


def test_save_load_round_trip_translates_identically(trained, tmp_path):
    model, _, _, _ = trained
    words = [f"w{i}" for i in range(4, V)]
    vocab = Vocabulary(words)
    assert vocab.itos[4:] == words
    tr = Translator(model, vocab, vocab, lower=True, max_src_len=6, max_len=8)
    sentences = ["w4 w5 w6", "w7 w8", "w9 w10 w11 w4"]
    before = tr.translate(sentences, beam=3)
    assert before[0]["tokens"][:3] == ["w6", "w5", "w4"]
    tr.save(tmp_path / "tr")
    again = Translator.load(str(tmp_path / "tr"))
    after = again.translate(sentences, beam=3)
    assert [r["text"] for r in after] == [r["text"] for r in before]
    np.testing.assert_allclose([r["score"] for r in after], [r["score"] for r in before], rtol=1e-5)
    np.testing.assert_allclose(after[0]["attention"], before[0]["attention"], rtol=1e-5, atol=1e-7)
    loaded = axon.load_model(str(tmp_path / "tr" / "model.axon"))  # the loss is saved with the model
    src, dec_in, dec_out = reverse_task(20, seed=5)
    np.testing.assert_allclose(loaded.predict([src, dec_in]), model.predict([src, dec_in]), rtol=1e-5, atol=1e-6)
    logs = loaded.evaluate([src, dec_in], dec_out, batch_size=len(src), return_dict=True)
    np.testing.assert_allclose(logs["loss"], _numpy_masked_cross_entropy(dec_out, loaded.predict([src, dec_in]))[0],
                               rtol=1e-5)


def test_unknown_words_become_unk(trained):
    model, _, _, _ = trained
    vocab = Vocabulary([f"w{i}" for i in range(4, V)])
    tr = Translator(model, vocab, vocab, lower=True, max_src_len=6, max_len=8)
    r = tr.translate("W4 Zebra w5.")[0]
    assert r["source_tokens"] == ["w4", "<unk>", "w5", "<unk>", "<eos>"]
    assert isinstance(r["text"], str)
    assert r["attention"].shape == (len(r["tokens"]), 5)


def test_make_arrays_teacher_forcing_layout():
    de = Vocabulary.build([["ich", "habe", "hunger", "."]])
    en = Vocabulary.build([["i", "am", "hungry", "."]])
    src, dec_in, dec_out = make_arrays([("Ich habe Hunger.", "I am hungry."), ("Ich schlafe.", "I sleep.")], de, en)
    assert src[0].tolist() == de.encode(["ich", "habe", "hunger", "."]) + [EOS_ID]
    assert src[1].tolist() == [de["ich"], 1, de["."], EOS_ID, 0]
    assert dec_in[0].tolist() == [SOS_ID] + en.encode(["i", "am", "hungry", "."])
    assert dec_out[0].tolist() == en.encode(["i", "am", "hungry", "."]) + [EOS_ID]
    words = dec_out[:, :-1] != EOS_ID
    assert np.array_equal(dec_in[:, 1:][words], dec_out[:, :-1][words])  # decoder input = <sos> + target[:-1]


def test_truecase():
    assert truecase("i think i'm right.") == "I think I'm right."


def test_length_buckets_cover_every_pair_once_trimmed():
    from axon.data.batches import LengthBuckets
    src, dec_in, dec_out = reverse_task(150, seed=3)
    buckets = LengthBuckets(src, dec_in, dec_out, batch_size=16, seed=0)
    assert len(buckets) == 10
    for epoch in range(2):
        seen = []
        for i in range(len(buckets)):
            (s, d), o = buckets[i]
            assert s.shape[1] == (s != PAD_ID).sum(1).max() and o.shape[1] == (o != PAD_ID).sum(1).max()
            assert d.shape == o.shape
            seen += buckets.batches[i].tolist()
        assert sorted(seen) == list(range(150))
        buckets.on_epoch_end()


def test_unknown_outputs_replaced_by_attended_source_word():
    from axon.zoo.sequence.translator import replace_unknown
    attention = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
    assert replace_unknown(["hello", "<unk>", "<unk>"], ["hallo", "müller", "<eos>"], attention) == \
        ["hello", "müller", "<unk>"]
    assert replace_unknown(["<unk>"], ["x", "<eos>"], None) == ["<unk>"]
