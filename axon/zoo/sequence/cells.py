"""The recurrent layers a sequence model can be built with, by name: 'gru', 'lstm', 'rnn'.

>>> cell("lstm").__name__
'LSTM'
"""
from ...layers import GRU, LSTM, SimpleRNN
from ...registry import Registry

CELLS = Registry("recurrent cell")
CELLS.register("gru", GRU)
CELLS.register("lstm", LSTM)
CELLS.register("rnn", SimpleRNN, aliases=("simple_rnn",))


def cell(name):
    """The recurrent layer class called ``name``; a "did you mean" error for an unknown one."""
    return CELLS.get(name)
