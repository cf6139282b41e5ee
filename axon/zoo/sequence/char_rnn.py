"""``CharRNN``: a character-level language model (one-to-many) that generates text from a seed,
one sampled character at a time, with a temperature.

Train it on windows of a text with the same window shifted by one as target
(``axon.data.CharVocab`` and ``axon.data.char_windows``); see docs/sequences.md.

>>> import numpy as np
>>> model = CharRNN(vocab_size=10, embed_dim=4, units=8)
>>> model(np.array([[1, 2, 3]])).shape
(1, 3, 10)
>>> model.generate([1, 2], 5, temperature=0).shape
(5,)
"""
import numpy as np

from ... import backend
from ... import ops as F
from ...autograd import no_grad
from ...layers import Dense, Embedding
from ...models.model import Model
from ...tensor import Tensor
from .cells import cell as recurrent_layer


class CharRNN(Model):
    """Next-character model: ids (N, T) -> logits (N, T, vocab_size); ``generate`` samples text.

    ``generate(seed, length, temperature)``: the seed primes the state and each
    sampled character is fed back.  A temperature below 1 sharpens the
    distribution (towards the arg-max; 0 is the arg-max), above 1 flattens it.
    """

    def __init__(self, vocab_size, embed_dim=16, units=64, cell="gru", name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.vocab_size = int(vocab_size)
        self.embed = Embedding(vocab_size, embed_dim)
        self.rnn = recurrent_layer(cell)(units, return_sequences=True, return_state=True)
        self.out = Dense(vocab_size)

    def step(self, ids, states=None, training=None):
        """Logits (N, T, vocab_size) for ids (N, T) and the recurrent states after them."""
        outs = self.rnn(self.embed(ids), initial_state=states, training=training)
        seq = outs[0]
        n, t, h = seq.shape
        logits = F.reshape(self.out(F.reshape(seq, (n * t, h))), (n, t, self.vocab_size))
        return logits, list(outs[1:])

    def call(self, ids, training=None):
        return self.step(ids, None, training)[0]

    def generate(self, seed_ids, length, temperature=1.0, rng=None):
        """``length`` sampled ids following ``seed_ids`` (a list of ids, or (N, S) for N samples at once)."""
        rng = rng or backend.rng()
        seed = np.atleast_2d(np.asarray(seed_ids, dtype=np.int64))
        out = np.zeros((seed.shape[0], int(length)), dtype=np.int64)
        with no_grad():
            logits, states = self.step(Tensor(seed), None, training=False)
            for t in range(int(length)):
                z = logits.data[:, -1].astype(np.float64)
                if temperature <= 0:
                    nxt = z.argmax(-1)
                else:
                    z = z / temperature
                    p = np.exp(z - z.max(-1, keepdims=True))
                    p /= p.sum(-1, keepdims=True)
                    u = rng.random((len(p), 1))
                    nxt = np.minimum((p.cumsum(-1) < u).sum(-1), p.shape[-1] - 1)  # inverse CDF, batched
                out[:, t] = nxt
                logits, states = self.step(Tensor(nxt[:, None]), states, training=False)
        return out if np.ndim(seed_ids) == 2 else out[0]


__all__ = ["CharRNN"]
