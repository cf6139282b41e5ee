"""``Translator``: a trained ``Seq2Seq`` with its vocabularies, from sentences to sentences.

``translate`` tokenizes (unknown words become ``<unk>``), decodes with beam
search and detokenizes; ``save(folder)`` writes what ``load(folder)`` and
``axon translate`` read back.  ``replace_unknown`` and ``truecase`` polish the
output of a lower-cased model.

>>> from axon.data.text import Vocabulary
>>> from axon.zoo import Seq2Seq
>>> vocab = Vocabulary(["ich", "habe", "hunger"])
>>> tr = Translator(Seq2Seq(len(vocab), len(vocab), embed_dim=4, units=8), vocab, vocab, max_len=5)
>>> r = tr.translate("Ich habe Durst.")[0]
>>> r["source_tokens"], isinstance(r["text"], str)
(['ich', 'habe', '<unk>', '<unk>', '<eos>'], True)
"""
import json
import os

import numpy as np

from ...data.text import EOS, UNK, Vocabulary, detokenize, pad_sequences, tokenize
from .seq2seq import EOS_ID


def replace_unknown(words, source_words, attention):
    """Each ``<unk>`` in ``words`` becomes the source word with the largest attention weight
    (left as ``<unk>`` without attention, or when that word is ``<eos>``)."""
    if attention is None:
        return list(words)
    out = []
    for i, w in enumerate(words):
        if w == UNK and i < len(attention):
            src = source_words[int(np.argmax(attention[i]))]
            w = src if src != EOS else w
        out.append(w)
    return out


def truecase(text):
    """Capitalise a lower-cased English sentence's first letter and the pronoun I."""
    words = text.split(" ")
    words = ["I" + w[1:] if w == "i" or w.startswith("i'") else w for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


class Translator:
    """A trained ``Seq2Seq`` with its source and target vocabularies.

    ``translate(["Ich habe Hunger."])`` tokenizes (unknown words become
    ``<unk>``), decodes, and detokenizes.  ``save(folder)`` writes
    ``model.axon``, ``src_vocab.json``, ``tgt_vocab.json`` and ``translator.json``.
    """

    def __init__(self, model, src_vocab, tgt_vocab, lower=True, max_src_len=40, max_len=30):
        self.model, self.src_vocab, self.tgt_vocab = model, src_vocab, tgt_vocab
        self.lower, self.max_src_len, self.max_len = lower, int(max_src_len), int(max_len)

    def source_words(self, sentence):
        """The sentence's tokens as the model reads them (before unknown words become ``<unk>``)."""
        return tokenize(sentence, self.lower)[:self.max_src_len - 1] + [EOS]

    def source_tokens(self, sentence):
        return [t if t in self.src_vocab else UNK for t in self.source_words(sentence)]

    def translate(self, sentences, beam=1, max_len=None, length_penalty=1.0, batch_size=128, unk_replace=False):
        """One dict per sentence: ``text``, ``tokens``, ``source_tokens`` (``<unk>`` for unknown words),
        ``source_words`` (as read), ``score`` (log-probability), ``attention`` (outputs x sources).

        ``unk_replace=True`` (attention models) writes, for each ``<unk>`` output,
        the source word that output attended to most (Luong et al., 2015): names,
        numbers and rare words the vocabulary lacks are often kept as they are.
        """
        if isinstance(sentences, str):
            sentences = [sentences]
        if max_len is not None and max_len < 1:
            raise ValueError(f"Translator.translate: max_len must be at least 1 token, got {max_len}")
        results = []
        for start in range(0, len(sentences), batch_size):
            chunk = sentences[start:start + batch_size]
            src_words = [self.source_words(s) for s in chunk]
            src = pad_sequences([self.src_vocab.encode(w) for w in src_words], padding="post", dtype="int64")
            out, scores, attn = self.model.beam_search(src, beam=beam, max_len=max_len or self.max_len,
                                                       length_penalty=length_penalty)
            for i, words_in in enumerate(src_words):
                words = self.tgt_vocab.decode(out[i])
                n_out = min(len(words) + 1, out.shape[1])  # the outputs and their <eos>
                a = None if attn is None else attn[i, :n_out, :len(words_in)]
                if unk_replace:
                    words = replace_unknown(words, words_in, a)
                text = detokenize(words)
                results.append({
                    "text": truecase(text) if self.lower else text,
                    "tokens": words + ([EOS] if EOS_ID in out[i] else []),
                    "source_tokens": [w if w in self.src_vocab else UNK for w in words_in],
                    "source_words": words_in,
                    "score": float(scores[i]),
                    "attention": a,
                })
        return results

    def save(self, folder):
        os.makedirs(folder, exist_ok=True)
        self.model.save(os.path.join(folder, "model.axon"))
        self.src_vocab.save(os.path.join(folder, "src_vocab.json"))
        self.tgt_vocab.save(os.path.join(folder, "tgt_vocab.json"))
        from ...io import atomic_write
        info = {"format": "axon-translator", "lower": self.lower, "max_src_len": self.max_src_len,
                "max_len": self.max_len}
        atomic_write(os.path.join(folder, "translator.json"), lambda f: f.write(json.dumps(info).encode()))
        return folder

    @classmethod
    def load(cls, path):
        """From the folder ``save`` wrote (or the ``model.axon`` file inside it)."""
        from ...models.saving import load_model
        folder = os.path.dirname(path) if os.path.isfile(path) else path
        need = ["model.axon", "src_vocab.json", "tgt_vocab.json", "translator.json"]
        missing = [n for n in need if not os.path.exists(os.path.join(folder, n))]
        if missing:
            raise FileNotFoundError(f"Translator.load: {folder!r} lacks {', '.join(missing)}; give the "
                                    "folder written by 'axon lab translate' (its --out)")
        with open(os.path.join(folder, "translator.json"), encoding="utf-8") as f:
            info = json.load(f)
        model = load_model(os.path.join(folder, "model.axon"), compile=False)
        return cls(model, Vocabulary.load(os.path.join(folder, "src_vocab.json")),
                   Vocabulary.load(os.path.join(folder, "tgt_vocab.json")), info["lower"],
                   info["max_src_len"], info["max_len"])


__all__ = ["Translator", "replace_unknown", "truecase"]
