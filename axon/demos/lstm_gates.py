"""The LSTM and GRU slides: the gates of a trained cell over time, and the gate equations computed by
hand in NumPy from the layer's own weights, giving the layer's numbers.

An LSTM step (Keras gate order i, f, c, o: the kernel (D, 4H) and recurrent kernel (H, 4H) hold
the four gates' columns side by side)::

    i = sigmoid(x W_i + h U_i + b_i)     input gate: how much of the candidate to write
    f = sigmoid(x W_f + h U_f + b_f)     forget gate: how much of the old cell to keep
    g = tanh(x W_c + h U_c + b_c)        candidate
    o = sigmoid(x W_o + h U_o + b_o)     output gate: how much of the cell to show
    c = f * c_prev + i * g               h = o * tanh(c)

A GRU step (gates z, r, h; ``reset_after=True``, bias rows for the input and the recurrent side)::

    z = sigmoid(x W_z + b_z + h U_z + b'_z)   update gate: how much of the old state to keep
    r = sigmoid(x W_r + b_r + h U_r + b'_r)   reset gate: how much of it the candidate sees
    n = tanh(x W_h + b_h + r * (h U_h + b'_h))
    h = z * h_prev + (1 - z) * n

The task is a memory one: a sequence of values, one of them marked (in the first few steps), and
after the last step the network must say the marked value, so it has to write it into its state
when the mark comes and keep it while the distractors go by.

>>> x, y, marks = memory_task(np.random.default_rng(0), 2, steps=6, window=3)
>>> x.shape, bool(np.allclose(y[:, 0], x[np.arange(2), marks, 0]))
((2, 6, 2), True)
"""
import numpy as np

from .page import DemoResults, figure_path, write_page

TITLE = "LSTM and GRU gates over time on a trained memory cell, checked against the gate equations by hand"
CLAIM = ("An LSTM's input gate decides what enters the cell, its forget gate what stays, its output gate what "
         "is shown; a GRU's update gate does the keeping and writing with one gate. Trained to remember a "
         "marked value across distractors, the cell writes when the mark comes and keeps the value after.")


def memory_task(rng, n, steps=14, window=5):
    """``n`` sequences of ``steps`` pairs (value uniform in [-1, 1], mark 0 or 1), exactly one mark
    among the first ``window`` steps; targets (n, 1): the marked value; also the marked step (n,)."""
    values = rng.uniform(-1, 1, size=(n, steps)).astype(np.float32)
    marks = rng.integers(0, window, size=n)
    flags = np.zeros((n, steps), np.float32)
    flags[np.arange(n), marks] = 1.0
    return np.stack([values, flags], axis=-1), values[np.arange(n), marks][:, None], marks


def _check_weights(who, w, u, gates):
    if w.ndim != 2 or u.ndim != 2 or u.shape[1] != gates * u.shape[0] or w.shape[1] != u.shape[1]:
        raise ValueError(f"{who}: expected a kernel (D, {gates}H) and a recurrent kernel (H, {gates}H), got "
                         f"{w.shape} and {u.shape}; pass the layer's get_weights() in order")


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def lstm_by_hand(x, kernel, recurrent_kernel, bias=None):
    """The LSTM gate equations step by step in float64 NumPy from the layer's weights
    (``LSTM.get_weights()``: kernel (D, 4H), recurrent kernel (H, 4H), bias (4H,), gates i, f, c, o)
    over ``x`` (N, T, D) from zero states; returns a dict of (N, T, H) arrays: ``i``, ``f``, ``g``
    (candidate), ``o``, ``c`` (cell), ``h`` (output)."""
    x = np.asarray(x, np.float64)
    w, u = np.asarray(kernel, np.float64), np.asarray(recurrent_kernel, np.float64)
    _check_weights("lstm_by_hand", w, u, 4)
    b = np.zeros(w.shape[1]) if bias is None else np.asarray(bias, np.float64)
    n, steps, _ = x.shape
    h, c = np.zeros((n, u.shape[0])), np.zeros((n, u.shape[0]))
    out = {k: [] for k in "ifgoch"}
    for t in range(steps):
        zi, zf, zg, zo = np.split(x[:, t] @ w + h @ u + b, 4, axis=-1)
        i, f, g, o = _sigmoid(zi), _sigmoid(zf), np.tanh(zg), _sigmoid(zo)
        c = f * c + i * g
        h = o * np.tanh(c)
        for key, value in zip("ifgoch", (i, f, g, o, c, h)):
            out[key].append(value)
    return {key: np.stack(v, axis=1) for key, v in out.items()}


def gru_by_hand(x, kernel, recurrent_kernel, bias=None, reset_after=True):
    """The GRU gate equations step by step in float64 NumPy from ``GRU.get_weights()`` (kernel
    (D, 3H), recurrent kernel (H, 3H), bias (2, 3H) with ``reset_after`` else (3H,); gates z, r, h)
    over ``x`` (N, T, D) from a zero state; returns (N, T, H) arrays ``z``, ``r``, ``n`` (candidate),
    ``h``."""
    x = np.asarray(x, np.float64)
    w, u = np.asarray(kernel, np.float64), np.asarray(recurrent_kernel, np.float64)
    _check_weights("gru_by_hand", w, u, 3)
    b = np.zeros((2, w.shape[1]) if reset_after else w.shape[1]) if bias is None else np.asarray(bias, np.float64)
    b_in, b_rec = (b[0], b[1]) if reset_after else (b, np.zeros_like(b))
    n_seq, steps, _ = x.shape
    hidden = u.shape[0]
    h = np.zeros((n_seq, hidden))
    out = {k: [] for k in "zrnh"}
    for t in range(steps):
        xz, xr, xh = np.split(x[:, t] @ w + b_in, 3, axis=-1)
        if reset_after:
            hz, hr, hh = np.split(h @ u + b_rec, 3, axis=-1)
            z, r = _sigmoid(xz + hz), _sigmoid(xr + hr)
            cand = np.tanh(xh + r * hh)
        else:
            hz, hr = np.split(h @ u[:, :2 * hidden], 2, axis=-1)
            z, r = _sigmoid(xz + hz), _sigmoid(xr + hr)
            cand = np.tanh(xh + (r * h) @ u[:, 2 * hidden:])
        h = z * h + (1 - z) * cand
        for key, value in zip("zrnh", (z, r, cand, h)):
            out[key].append(value)
    return {key: np.stack(v, axis=1) for key, v in out.items()}


def layer_states(layer, x):
    """What the layer itself computes over ``x`` (N, T, D): a twin of the trained ``layer`` with its
    weights, ``return_sequences`` and ``return_state``; returns ``h`` (N, T, H) and, for an LSTM,
    ``c`` (N, T, H), the cell state after each step (the final state of each prefix)."""
    config = dict(layer.get_config(), return_sequences=True, return_state=True, name=layer.name + "_twin")
    twin = type(layer).from_config(config)
    x = np.asarray(x, np.float32)
    twin(x[:1])
    twin.set_weights(layer.get_weights())
    outs = twin(x)
    states = {"h": np.asarray(outs[0].data)}
    if len(outs) == 3:     # an LSTM: the cell state after step t is the final cell state of x[:, :t + 1]
        states["c"] = np.stack([np.asarray(twin(x[:, :t + 1])[2].data) for t in range(x.shape[1])], axis=1)
    return states


def train_cell(cell, quick=False, seed=0, units=2):
    """Train ``cell`` ("lstm" or "gru") of ``units`` and a linear output on the memory task; returns
    (model, test x, test targets, test marks, dict of the test MAE and the baseline's)."""
    from .. import optimizers
    from ..backend import manual_seed
    from ..layers import GRU, LSTM, Dense, Input
    from ..models import Sequential
    rng = np.random.default_rng(seed)
    steps = 14
    n_train, epochs = (1200, 30) if quick else (3000, 40)
    x, y, _ = memory_task(rng, n_train, steps)
    x_test, y_test, marks = memory_task(rng, 400, steps)
    manual_seed(seed)
    layer = {"lstm": LSTM, "gru": GRU}[cell](units, name=cell)
    model = Sequential([Input((steps, 2)), layer, Dense(1, name="readout")], name=f"{cell}_memory")
    model.compile(optimizer=optimizers.Adam(0.02), loss="mse")
    history = model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    mae = float(np.abs(model.predict(x_test) - y_test).mean())
    return model, x_test, y_test, marks, {"mae": mae, "baseline_mae": float(np.abs(y_test).mean()), "steps": steps,
                                          "loss": history.history["loss"], "epochs": epochs, "n_train": n_train}


def gate_summary(gate, marks):
    """Per unit: the gate's mean at the marked step, before it, and after it (arrays (H,))."""
    steps = np.arange(gate.shape[1])[None, :]
    at, after = steps == marks[:, None], steps > marks[:, None]
    before = steps < marks[:, None]

    def mean(where):
        return gate[where].mean(axis=0) if where.any() else np.full(gate.shape[-1], np.nan)
    return {"at": mean(at), "after": mean(after), "before": mean(before)}


def _draw(plt, path, dpi, x, marks, rows, title):
    """One sequence: the input values (the marked one red), then one panel per gate or state,
    a line per unit, the marked step dashed."""
    from ..utils.plots import save_figure
    steps = np.arange(x.shape[0])
    fig, axes = plt.subplots(len(rows) + 1, 1, figsize=(7.5, 1.35 * (len(rows) + 1)), sharex=True)
    colours = ["#e41a1c" if t == marks else "0.6" for t in steps]
    axes[0].bar(steps, x[:, 0], color=colours)
    axes[0].set_ylabel("input", fontsize=8)
    axes[0].set_ylim(-1.05, 1.05)
    for ax, (label, values, limits) in zip(axes[1:], rows):
        for k in range(values.shape[-1]):
            ax.plot(steps, values[:, k], "o-", ms=3, label=f"unit {k + 1}")
        ax.set_ylabel(label, fontsize=8)
        if limits:
            ax.set_ylim(*limits)
    for ax in axes:
        ax.axvline(marks, color="#e41a1c", ls="--", lw=0.8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    axes[1].legend(fontsize=7, ncol=4, loc="lower right")
    axes[-1].set_xlabel("time step (dashed: the marked value)")
    axes[-1].set_xticks(steps)
    fig.suptitle(title, fontsize=9)
    return save_figure(fig, path, dpi=dpi)


def run(out_dir, quick=False):
    """Train an LSTM and a GRU on the memory task, compute their gates by hand from the weights,
    check them against the layers, draw the gates over time, write ``lstm_gates.md``; returns
    ``DemoResults``."""
    from ..utils.plots import pyplot, save_figure
    dpi = 60 if quick else 110
    lstm_model, x, y, marks, lstm_numbers = train_cell("lstm", quick)
    gru_model, _, _, _, gru_numbers = train_cell("gru", quick)
    lstm, gru = lstm_model.get_layer("lstm"), gru_model.get_layer("gru")
    lstm_gates = lstm_by_hand(x, *lstm.get_weights())
    gru_gates = gru_by_hand(x, *gru.get_weights(), reset_after=gru.reset_after)
    check = x[:100]
    lstm_layer, gru_layer = layer_states(lstm, check), layer_states(gru, check)
    gaps = {"lstm h": float(np.abs(lstm_gates["h"][:100] - lstm_layer["h"]).max()),
            "lstm c": float(np.abs(lstm_gates["c"][:100] - lstm_layer["c"]).max()),
            "gru h": float(np.abs(gru_gates["h"][:100] - gru_layer["h"]).max())}
    i, f = gate_summary(lstm_gates["i"], marks), gate_summary(lstm_gates["f"], marks)
    z = gate_summary(gru_gates["z"], marks)
    writer = int(np.argmax(i["at"] - i["after"]))         # the LSTM unit whose input gate opens at the mark
    gru_writer = int(np.argmax(z["after"] - z["at"]))     # the GRU unit whose update gate drops at the mark
    measured = {"LSTM test MAE (marked value in [-1, 1])": lstm_numbers["mae"],
                "GRU test MAE": gru_numbers["mae"],
                "MAE of always saying 0": lstm_numbers["baseline_mae"],
                "max |hand - layer|, LSTM h": gaps["lstm h"], "max |hand - layer|, LSTM c": gaps["lstm c"],
                "max |hand - layer|, GRU h": gaps["gru h"],
                f"LSTM unit {writer + 1}: input gate at the mark": float(i["at"][writer]),
                f"LSTM unit {writer + 1}: input gate after it": float(i["after"][writer]),
                f"LSTM unit {writer + 1}: forget gate at the mark": float(f["at"][writer]),
                f"LSTM unit {writer + 1}: forget gate after it": float(f["after"][writer]),
                f"GRU unit {gru_writer + 1}: update gate at the mark": float(z["at"][gru_writer]),
                f"GRU unit {gru_writer + 1}: update gate after it": float(z["after"][gru_writer])}
    r = DemoResults("lstm-gates", "LSTM and GRU gates over time, checked against the gate equations", CLAIM, measured, values={
        "lstm_gates": lstm_gates, "gru_gates": gru_gates, "lstm_layer": lstm_layer, "gru_layer": gru_layer,
        "gaps": gaps, "input_gate": i, "forget_gate": f, "update_gate": z, "writer": writer,
        "gru_writer": gru_writer, "lstm": lstm_numbers, "gru": gru_numbers, "marks": marks})

    plt = pyplot()
    k = 0
    lstm_pred, gru_pred = float(lstm_model.predict(x[:1])[0, 0]), float(gru_model.predict(x[:1])[0, 0])
    _draw(plt, figure_path(r, out_dir, "lstm_gates", "the LSTM's gates and cell state over one sequence"), dpi,
          x[k], marks[k], [("input gate i", lstm_gates["i"][k], (-0.05, 1.05)),
                           ("forget gate f", lstm_gates["f"][k], (-0.05, 1.05)),
                           ("output gate o", lstm_gates["o"][k], (-0.05, 1.05)),
                           ("cell state c", lstm_gates["c"][k], None), ("output h", lstm_gates["h"][k], None)],
          f"LSTM({lstm.units}): remember the marked value {y[k, 0]:+.2f} (it says {lstm_pred:+.2f})")
    _draw(plt, figure_path(r, out_dir, "gru_gates", "the GRU's gates and state over the same sequence"), dpi,
          x[k], marks[k], [("update gate z", gru_gates["z"][k], (-0.05, 1.05)),
                           ("reset gate r", gru_gates["r"][k], (-0.05, 1.05)),
                           ("candidate n", gru_gates["n"][k], (-1.05, 1.05)),
                           ("state h", gru_gates["h"][k], None)],
          f"GRU({gru.units}): remember the marked value {y[k, 0]:+.2f} (it says {gru_pred:+.2f})")

    path = figure_path(r, out_dir, "hand_vs_layer", "the gate equations by hand against the layers' own outputs")
    fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.2))
    for ax, (label, hand, layer) in zip(axes, [("LSTM h", lstm_gates["h"], lstm_layer["h"]),
                                               ("LSTM c", lstm_gates["c"], lstm_layer["c"]),
                                               ("GRU h", gru_gates["h"], gru_layer["h"])]):
        a, b = hand[:100].ravel(), layer.ravel()
        ax.plot(a, b, ".", ms=2, alpha=0.5)
        lim = [min(a.min(), b.min()), max(a.max(), b.max())]
        ax.plot(lim, lim, "k-", lw=0.6)
        ax.set_xlabel("by hand (NumPy, float64)", fontsize=8)
        ax.set_ylabel("the layer (float32)", fontsize=8)
        ax.set_title(f"{label}: max gap {gaps[label.lower()]:.1e}", fontsize=9)
    save_figure(fig, path, dpi=dpi)

    sections = [
        ("The task (generated)",
         f"{lstm_numbers['n_train']} sequences of {lstm_numbers['steps']} values in [-1, 1], one marked among the "
         "first five steps; "
         f"after the last step the network must say the marked value. `LSTM({lstm.units})` and `GRU({gru.units})` "
         f"with a `Dense(1)` readout, Adam (0.02), batches of 64, the squared error, {lstm_numbers['epochs']} "
         f"epochs. On 400 fresh sequences the LSTM is off by {lstm_numbers['mae']:.3f} on average, the GRU by "
         f"{gru_numbers['mae']:.3f}; saying 0 every time would be off by {lstm_numbers['baseline_mae']:.3f}."),
        ("The gates by hand",
         "`lstm_by_hand` and `gru_by_hand` take `layer.get_weights()` -- the kernel, the recurrent kernel and "
         "the bias, the gates' columns side by side in Keras order (LSTM i, f, c, o; GRU z, r, h) -- and "
         "step the equations above through the test sequences in float64. A twin layer with "
         "`return_sequences=True, return_state=True` gives the layer's own h at every step (and c, as the "
         "final cell state of every prefix): the largest gap over 100 sequences is "
         f"{gaps['lstm h']:.1e} for the LSTM's h, {gaps['lstm c']:.1e} for its c and {gaps['gru h']:.1e} for "
         "the GRU's h -- float32 rounding, so the gates drawn are the ones the layer computes."),
        ("What the gates do here",
         f"LSTM unit {writer + 1}'s input gate is {i['at'][writer]:.2f} on average at the marked step and "
         f"{i['after'][writer]:.2f} on the distractors after it: it writes when the mark comes. Its forget gate "
         f"is {f['at'][writer]:.2f} at the mark and {f['after'][writer]:.2f} after it, keeping more of the cell "
         f"once the value is in. The GRU's update gate z (the share of the old state kept) of unit "
         f"{gru_writer + 1} is {z['at'][gru_writer]:.2f} at the mark and {z['after'][gru_writer]:.2f} after it: "
         "one gate that writes and then keeps. These are averages over the 400 test sequences; the pictures "
         "show one of them, step by step."),
    ]
    write_page(r, out_dir, sections, try_next=[
        "lengthen the sequences (`memory_task(steps=60)`) and compare the LSTM with `SimpleRNN`",
        "give the cells more units and look for one unit that does all the remembering",
        "train with `unit_forget_bias=False` and watch the forget gate at the start of training",
    ])
    return r
