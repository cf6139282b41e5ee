"""The zoo chart's recurrent networks -- the plain RNN, the LSTM and the GRU -- each trained for
``axon zoo show`` on the recall task (``axon.data.make_recall_data``): read a sequence of symbols and
name the first one, which means keeping it in the state while ``lag`` others go by.

``show_rnn``, ``show_lstm`` and ``show_gru`` take ``(out_dir, quick=False)``, write a PNG and a page,
and return an ``axon.zoo.showcase.Shown``.
"""
import os

import numpy as np

from ... import optimizers
from ...data.synthetic import make_recall_data
from ...layers import GRU, LSTM, Dense, Input, SimpleRNN
from ...models import Sequential
from ...utils.plots import pyplot, save_figure
from ..showcase import Shown, write_page

SYMBOLS = 4
CELLS = {
    "rnn": (SimpleRNN, "Recurrent neural network (RNN)",
            "A hidden state fed back at every step carries what the network has read so far; trained by "
            "backpropagation through time, its gradient shrinks or grows with each step back."),
    "lstm": (LSTM, "Long / short term memory (LSTM)",
             "A memory cell with input, forget and output gates: the cell keeps a value for as long as the "
             "forget gate stays open, so information and gradients survive long gaps."),
    "gru": (GRU, "Gated recurrent unit (GRU)",
            "An LSTM with fewer gates: an update gate mixes the old state with a candidate, a reset gate "
            "decides how much of the past the candidate sees."),
}


def train_recall(cell, lag, n=2000, epochs=20, units=32, seed=0):
    """Train a ``cell`` ("rnn", "lstm", "gru") of ``units`` and a softmax on the recall task at ``lag``;
    returns (history, test accuracy on 500 fresh sequences)."""
    from ...backend import manual_seed
    layer, _, _ = CELLS[cell]
    x, y = make_recall_data(n, lag, SYMBOLS, seed=seed)
    x_test, y_test = make_recall_data(500, lag, SYMBOLS, seed=seed + 1)
    manual_seed(seed)
    model = Sequential([Input((lag + 1, SYMBOLS)), layer(units), Dense(SYMBOLS, activation="softmax")], name=cell)
    model.compile(optimizer=optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    return history, float(model.evaluate(x_test, y_test, verbose=0)[1])


def _show(cell, out_dir, quick):
    lag = 10 if quick else 15
    epochs = {"rnn": 12, "lstm": 12, "gru": 15}[cell] if quick else 40
    history, accuracy = train_recall(cell, lag, epochs=epochs)
    _, name, claim = CELLS[cell]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.plot(np.arange(1, epochs + 1), history.history["accuracy"], "o-", ms=3, label=f"{cell.upper()} (training)")
    ax.axhline(1 / SYMBOLS, color="gray", ls=":", label="chance")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"Name the first of {lag + 1} symbols")
    ax.legend()
    shown = Shown(name, claim, {"lag (steps to remember across)": lag, "test accuracy": accuracy,
                                "chance": 1 / SYMBOLS, "epochs": epochs},
                  [f"A {cell.upper()} of 32 units reads {lag + 1} one-hot symbols (of {SYMBOLS}) and must name the "
                   f"first: after {epochs} epochs on 2,000 sequences it names it for {accuracy:.1%} of 500 fresh ones "
                   f"(chance {1 / SYMBOLS:.0%}).",
                   "Try a longer lag (`axon.zoo.sequence.shows.train_recall(cell, lag=...)`) and compare the cells."])
    shown.files["figure"] = save_figure(fig, os.path.join(out_dir, f"{cell}.png"))
    write_page(shown, out_dir, cell)
    return shown


def show_rnn(out_dir, quick=False):
    """The plain (Elman) RNN on the recall task."""
    return _show("rnn", out_dir, quick)


def show_lstm(out_dir, quick=False):
    """The LSTM on the recall task."""
    return _show("lstm", out_dir, quick)


def show_gru(out_dir, quick=False):
    """The GRU on the recall task."""
    return _show("gru", out_dir, quick)
