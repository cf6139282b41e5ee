"""Sequence to sequence: an encoder-decoder translator with optional Bahdanau (additive) attention.

The encoder reads the source (``Embedding`` with ``mask_zero`` + ``GRU`` or
``LSTM``); its final state starts the decoder.  In training the decoder reads
the target shifted right (``<sos> + target[:-1]``, teacher forcing) in one pass
of the recurrent layer; with attention each decoder output is the query of an
additive score ``v . tanh(W1 q + W2 k)`` over the encoder outputs (padding
masked), and the context vector joins the decoder output before the softmax
layer.  This placement (attention after the decoder's recurrence, as in the
TensorFlow NMT tutorial) keeps training one fused recurrent op per side; at
inference the same layers run one step at a time.

Train it with the cross-entropy over target tokens, padding left out:
``loss=SparseCategoricalCrossentropy(from_logits=True, ignore_class=PAD_ID)``
(``PAD_ID`` is 0); ``translator.Translator`` bundles a trained model with its
vocabularies.

>>> import numpy as np, axon
>>> _ = axon.manual_seed(0)
>>> m = Seq2Seq(20, 30, embed_dim=8, units=16)
>>> src = np.array([[5, 6, 7, 3], [8, 9, 3, 0]]); dec_in = np.array([[2, 4, 5], [2, 6, 0]])
>>> m(src, dec_in).shape
(2, 3, 30)
>>> tokens, scores, attn = m.beam_search(src, beam=3, max_len=4)
>>> tokens.shape[0], attn.shape[0], attn.shape[2]
(2, 2, 4)
"""
import numpy as np

from ... import ops as F
from ...autograd import no_grad
from ...data.text import tokenize, pad_sequences
from ...layers import Dense
from ...losses import SparseCategoricalCrossentropy
from ...models.model import Model
from ...serialization import register
from ...tensor import Tensor
from .cells import cell as recurrent_layer

PAD_ID, UNK_ID, SOS_ID, EOS_ID = 0, 1, 2, 3


class _SavedMaskedLoss:
    """Models saved before the cross-entropy took ``ignore_class`` name their loss
    ``MaskedSparseCategoricalCrossentropy(pad_id=0)``; it loads as the same loss,
    ``SparseCategoricalCrossentropy(from_logits=True, ignore_class=pad_id)``."""

    @staticmethod
    def from_config(config):
        return SparseCategoricalCrossentropy(from_logits=True, ignore_class=config.get("pad_id", PAD_ID))


register(_SavedMaskedLoss, "MaskedSparseCategoricalCrossentropy")


# ----- the model

class Seq2Seq(Model):
    """Encoder-decoder over token indices; ``model(src, dec_in)`` gives logits (N, T, tgt_vocab_size).

    ``src`` (N, S) and ``dec_in`` (N, T) hold indices with 0 as padding (at the
    end).  ``attention=True`` adds Bahdanau attention.  Decode with
    ``greedy`` or ``beam_search``; both are vectorized over the batch and beams.
    """

    def __init__(self, src_vocab_size, tgt_vocab_size, embed_dim=128, units=256, cell="gru",
                 attention=True, dropout=0.0, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        from ...layers import Embedding, Dropout
        rnn = recurrent_layer(cell)
        self.src_vocab_size, self.tgt_vocab_size = int(src_vocab_size), int(tgt_vocab_size)
        self.units, self.cell, self.use_attention = int(units), cell, bool(attention)
        self.src_embed = Embedding(src_vocab_size, embed_dim, mask_zero=True)
        self.tgt_embed = Embedding(tgt_vocab_size, embed_dim, mask_zero=True)
        self.encoder = rnn(units, return_sequences=True, return_state=True)
        self.decoder = rnn(units, return_sequences=True, return_state=True)
        self.drop = Dropout(dropout)
        if self.use_attention:
            from ...layers import AdditiveAttention
            self.query_proj = Dense(units, use_bias=False)
            self.key_proj = Dense(units, use_bias=False)
            self.attention = AdditiveAttention()
        self.combine = Dense(units, activation="tanh")
        self.out = Dense(tgt_vocab_size)

    # the pieces, used both by training (whole sequences) and decoding (one step)
    def encode(self, src, training=None):
        """Encoder outputs, attention keys, decoder initial states, source mask."""
        src = src if isinstance(src, Tensor) else Tensor(np.asarray(src))
        outs = self.encoder(self.drop(self.src_embed(src), training=training), training=training)
        seq, states = outs[0], list(outs[1:])
        keys = _time_distributed(self.key_proj, seq) if self.use_attention else None
        return seq, keys, states, src.data != PAD_ID

    def decode(self, dec_in, states, memory, training=None):
        """Logits (N, T, V), new states and attention weights (N, T, S) (None without attention)."""
        seq_enc, keys, _, src_mask = memory
        dec_in = dec_in if isinstance(dec_in, Tensor) else Tensor(np.asarray(dec_in))
        emb = self.drop(self.tgt_embed(dec_in), training=training)
        outs = self.decoder(emb, initial_state=states, training=training)
        seq, new_states = outs[0], list(outs[1:])
        scores = None
        h = seq
        if self.use_attention:
            query = _time_distributed(self.query_proj, seq)
            context, scores = self.attention([query, seq_enc, keys], mask=[None, Tensor(src_mask)],
                                             return_attention_scores=True)
            h = F.concat([seq, context], axis=-1)
        logits = _time_distributed(lambda x: self.out(self.drop(self.combine(x), training=training)), h)
        return logits, new_states, scores

    def call(self, src, dec_in, training=None):
        memory = self.encode(src, training)
        logits, _, _ = self.decode(dec_in, memory[2], memory, training)
        return logits

    # ----- inference
    def greedy(self, src, max_len=20):
        """Greedy decoding: the beam search with one beam."""
        return self.beam_search(src, beam=1, max_len=max_len, length_penalty=0.0)

    def beam_search(self, src, beam=4, max_len=20, length_penalty=1.0):
        """Best output per source: (tokens (N, L) padded with 0 after ``<eos>``, log-probabilities (N,),
        attention (N, L, S) or None).

        All ``N * beam`` hypotheses advance together: one decoder step, one
        top-k over ``beam * vocabulary`` candidates per source.  Finished
        hypotheses keep their score; at the end each is ranked by its
        log-probability divided by ``length ** length_penalty``.  The returned
        score is the raw log-probability of the chosen output.
        """
        src = np.asarray(src)
        N, S = src.shape
        K = int(beam)
        if K < 1:
            raise ValueError(f"{self.describe()}: beam must be >= 1, got {beam}")
        with no_grad():
            seq, keys, states, mask = self.encode(src, training=False)
            rep = np.repeat(np.arange(N), K)
            memory = (Tensor(seq.data[rep]), None if keys is None else Tensor(keys.data[rep]), None, mask[rep])
            states = [Tensor(s.data[rep]) for s in states]
            scores = np.full((N, K), -np.inf, dtype=np.float64)
            scores[:, 0] = 0.0
            tokens = np.full(N * K, SOS_ID, dtype=np.int64)
            finished = np.zeros(N * K, dtype=bool)
            lengths = np.zeros(N * K, dtype=np.int64)
            history = np.zeros((N * K, 0), dtype=np.int64)
            attn_hist = np.zeros((N * K, 0, S), dtype=np.float32) if self.use_attention else None
            base = (np.arange(N) * K)[:, None]
            for _ in range(int(max_len)):
                logits, new_states, attn = self.decode(tokens[:, None], states, memory, training=False)
                logp = _log_softmax(logits.data[:, 0].astype(np.float64))
                V = logp.shape[-1]
                logp[finished] = -np.inf
                logp[finished, PAD_ID] = 0.0  # a finished hypothesis only pads, at no cost
                cand = (scores.reshape(-1, 1) + logp).reshape(N, K * V)
                top = np.argpartition(-cand, K - 1, axis=1)[:, :K]
                top_scores = np.take_along_axis(cand, top, axis=1)
                order = np.argsort(-top_scores, axis=1, kind="stable")
                top = np.take_along_axis(top, order, axis=1)
                scores = np.take_along_axis(top_scores, order, axis=1)
                parent = (base + top // V).ravel()
                tok = (top % V).ravel()
                was_finished = finished[parent]
                lengths = lengths[parent] + ~was_finished
                finished = was_finished | (tok == EOS_ID)
                history = np.concatenate([history[parent], tok[:, None]], axis=1)
                if attn is not None:
                    step_attn = attn.data[parent][:, :1] * ~was_finished[:, None, None]
                    attn_hist = np.concatenate([attn_hist[parent], step_attn.astype(np.float32)], axis=1)
                states = [Tensor(s.data[parent]) for s in new_states]
                tokens = np.where(finished, EOS_ID, tok)
                if finished.all():
                    break
        ranked = scores / np.maximum(lengths.reshape(N, K), 1) ** length_penalty
        best = (np.arange(N) * K) + np.argmax(np.where(np.isfinite(ranked), ranked, -np.inf), axis=1)
        out = history[best]
        return out, scores.ravel()[best], (attn_hist[best] if attn_hist is not None else None)

    def sequence_log_prob(self, src, tgt):
        """Log-probability of each target (N, T) given its source, ``<eos>`` included when present."""
        tgt = np.asarray(tgt)
        dec_in = np.concatenate([np.full((len(tgt), 1), SOS_ID), tgt[:, :-1]], axis=1)
        with no_grad():
            logits = self(np.asarray(src), dec_in, training=False).data.astype(np.float64)
        logp = np.take_along_axis(_log_softmax(logits), tgt[..., None], axis=-1)[..., 0]
        keep = np.cumsum(tgt == EOS_ID, axis=1) - (tgt == EOS_ID) == 0  # up to and including <eos>
        keep &= tgt != PAD_ID
        return (logp * keep).sum(axis=1)


def _time_distributed(fn, x):
    """``fn`` on (N*T, C) instead of (N, T, C): one 2-D matrix product, several times faster
    in NumPy than the stacked one."""
    n, t, c = x.shape
    y = fn(F.reshape(x, (n * t, c)))
    return F.reshape(y, (n, t, y.shape[-1]))


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


# ----- the data layout of teacher forcing, and batches of similar lengths

def make_arrays(pairs, src_vocab, tgt_vocab, lower=True, max_src_len=None, max_tgt_len=None):
    """Padded index arrays ``src`` (``words + <eos>``), ``dec_in`` (``<sos> + words``) and
    ``dec_out`` (``words + <eos>``) for teacher forcing; padding 0 at the end."""
    src = [src_vocab.encode(tokenize(s, lower), add_eos=True) for s, _ in pairs]
    tgt = [tgt_vocab.encode(tokenize(t, lower)) for _, t in pairs]
    dec_in = [[SOS_ID] + t for t in tgt]
    dec_out = [t + [EOS_ID] for t in tgt]
    pad = lambda seqs, n: pad_sequences(seqs, maxlen=n, padding="post", truncating="post", dtype="int64")
    return pad(src, max_src_len), pad(dec_in, max_tgt_len), pad(dec_out, max_tgt_len)


__all__ = ["Seq2Seq", "make_arrays", "PAD_ID", "UNK_ID", "SOS_ID", "EOS_ID"]
