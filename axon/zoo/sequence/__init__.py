"""Sequence models, by how inputs and outputs line up (docs/sequences.md):

- many-to-one: ``text_classifier`` (a sentence or intent classifier);
- one-to-many: ``CharRNN`` (a character-level text generator);
- many-to-many, equal lengths: ``sequence_tagger`` (one tag per token);
- many-to-many, different lengths: ``Seq2Seq`` (an encoder-decoder with Bahdanau
  attention) and ``Translator`` (a trained one with its vocabularies).
"""
from ..registry import register
from .cells import CELLS
from .classifiers import text_classifier, sequence_tagger, masked_accuracy, compile_tagger
from .char_rnn import CharRNN
from .seq2seq import Seq2Seq, make_arrays
from .translator import Translator, replace_unknown, truecase

register("text_classifier", text_classifier)
register("sequence_tagger", sequence_tagger)
register("char_rnn", CharRNN)
register("seq2seq", Seq2Seq)

__all__ = ["text_classifier", "sequence_tagger", "masked_accuracy", "compile_tagger", "CharRNN", "Seq2Seq",
           "make_arrays", "Translator", "replace_unknown", "truecase", "CELLS"]
