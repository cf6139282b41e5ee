"""The neural Turing machine (Graves, Wayne and Danihelka 2014): a neural network controller coupled
to an external memory matrix through read and write heads whose attention over the memory rows is
differentiable, so the whole machine learns by gradient descent.  The heads find rows by content
(cosine similarity to a key) and by location (shifting the previous focus), which lets the NTM learn
simple algorithms such as copying a sequence it has seen, and generalise them beyond the lengths it
was trained on.

>>> import numpy as np
>>> ntm = NeuralTuringMachine(output_size=4, memory_size=(10, 6), units=16, seed=0)
>>> x, y, sw = copy_sequences(2, length=3, bits=4, rng=0)
>>> ntm(x).shape
(2, 7, 4)
>>> trace = ntm.trace(x)
>>> trace["read_weightings"].shape, trace["write_weightings"].shape
((2, 7, 1, 10), (2, 7, 1, 10))
"""
import hashlib
import json
import os
import time

import numpy as np

from ... import backend
from ... import optimizers
from ... import ops as F
from ...autograd import no_grad
from ...callbacks import Callback
from ...io import write_text
from ...models import Model, load_model
from ...ops import addressing as A
from ...tensor import Tensor
from ...data.copy_task import CopyTask, bit_errors, copy_sequences
from ..registry import register

CONTROLLERS = ("lstm", "dense")
QUICK_STEPS = 100    # show(quick=True) without a cached model trains this many steps only
MEMORY_INIT = 1e-6   # every memory cell starts at this constant (Collier and Beel 2018: learns fastest)


def _glorot(rng, scale=1.0):
    def init(shape, dtype):
        limit = scale * np.sqrt(6.0 / (shape[0] + shape[-1]))
        return rng.uniform(-limit, limit, shape).astype(dtype)
    return init


def _constant(value):
    return lambda shape, dtype: np.full(shape, value, dtype)


class NeuralTuringMachine(Model):
    """An NTM over sequences: input (batch, steps, input channels) -> output probabilities
    (batch, steps, ``output_size``), one output vector per input step.

    ``memory_size=(N, W)``: N memory rows of W numbers.  ``controller``: ``"lstm"`` (an LSTM with
    ``units`` cells) or ``"dense"`` (one tanh layer of ``units``, the paper's feedforward controller;
    on the copy task here it learns fast but stalls near 1.5% of the bits wrong, where the LSTM goes
    under 0.1%).
    ``read_heads`` and ``write_heads`` heads (one each in the paper's copy experiments);
    ``shift_range=1`` allows the shifts -1, 0, +1.  At every step the controller sees the input and
    the previous step's read vectors; its output sets each head's key, key strength, interpolation
    gate, shift and sharpening (and each write head's erase and add vectors).  The read heads read,
    then the write heads write, and the output is a sigmoid layer over the controller's output and
    the read vectors.  The memory starts at a small constant, the heads' weightings on row 0.

    ``trace(x)`` gives the outputs with the read and write weightings of every step (the paper's
    figure 6).  Train with ``compile(loss="binary_crossentropy")`` and ``fit`` on
    ``axon.data.copy_task.CopyTask`` batches (see ``train_copy``).
    """

    def __init__(self, output_size=8, memory_size=(20, 12), controller="lstm", units=100, read_heads=1,
                 write_heads=1, shift_range=1, seed=None, name=None):
        super().__init__(name=name)
        if controller not in CONTROLLERS:
            raise ValueError(f"NeuralTuringMachine: controller must be one of {CONTROLLERS}, got {controller!r}")
        try:
            rows, width = (int(v) for v in memory_size)
        except (TypeError, ValueError):
            raise ValueError(f"NeuralTuringMachine: memory_size must be (rows, width), e.g. (20, 12), "
                             f"got {memory_size!r}") from None
        for arg, v, low in (("output_size", output_size, 1), ("units", units, 1), ("read_heads", read_heads, 1),
                            ("write_heads", write_heads, 1), ("shift_range", shift_range, 0),
                            ("memory rows", rows, 1), ("memory width", width, 1)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise ValueError(f"NeuralTuringMachine: {arg} must be an integer >= {low}, got {v!r}")
        if 2 * shift_range + 1 > rows:
            raise ValueError(f"NeuralTuringMachine: shift_range {shift_range} needs at least "
                             f"{2 * shift_range + 1} memory rows, got memory_size {memory_size!r}")
        self.output_size, self.rows, self.width = int(output_size), rows, width
        self.controller, self.units = controller, int(units)
        self.read_heads, self.write_heads, self.shift_range = int(read_heads), int(write_heads), int(shift_range)
        self.seed = seed

    # ----- weights
    @property
    def heads(self):
        return self.read_heads + self.write_heads

    def _head_size(self):
        return self.width + 3 + (2 * self.shift_range + 1)   # key, beta, gate, gamma, shift

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.describe()}: input must be (batch, steps, channels), got shape {input_shape}")
        rng = np.random.default_rng(self.seed) if self.seed is not None else backend.rng()
        d, u, rw = input_shape[-1], self.units, self.read_heads * self.width
        self.input_channels = d
        if self.controller == "lstm":
            self.ctrl_kernel = self.add_weight("controller_kernel", (d + rw, 4 * u), _glorot(rng))
            self.ctrl_recurrent = self.add_weight("controller_recurrent_kernel", (u, 4 * u), _glorot(rng))
            bias = np.zeros(4 * u)
            bias[u:2 * u] = 1.0                        # forget gates open at first, as Keras's unit_forget_bias
            self.ctrl_bias = self.add_weight("controller_bias", (4 * u,), _constant(bias))
        else:
            self.ctrl_kernel = self.add_weight("controller_kernel", (d + rw, u), _glorot(rng))
            self.ctrl_bias = self.add_weight("controller_bias", (u,), "zeros")
        n_params = self.heads * self._head_size() + self.write_heads * 2 * self.width
        self.head_kernel = self.add_weight("head_kernel", (u, n_params), _glorot(rng))
        self.head_bias = self.add_weight("head_bias", (n_params,), "zeros")
        self.out_kernel = self.add_weight("output_kernel", (u + rw, self.output_size), _glorot(rng))
        self.out_bias = self.add_weight("output_bias", (self.output_size,), "zeros")
        self.read_init = self.add_weight("read_init", (rw,), lambda s, t: rng.normal(0, 0.01, s).astype(t))
        self.memory_init = self.add_weight("memory_init", (self.rows, self.width), _constant(MEMORY_INIT),
                                           trainable=False)
        focus = np.zeros((self.heads, self.rows))
        focus[:, 0] = 1
        self.weighting_init = self.add_weight("weighting_init", focus.shape, _constant(focus), trainable=False)

    # ----- one step
    def _controller(self, x_t, reads, state):
        inp = F.concat([x_t, reads], axis=-1)
        if self.controller == "dense":
            return F.tanh(F.linear(inp, self.ctrl_kernel, self.ctrl_bias)), None
        _, h, c = F.lstm(F.expand_dims(inp, 1), self.ctrl_kernel, self.ctrl_recurrent, self.ctrl_bias,
                         initial_state=state)
        return h, [h, c]

    def _run(self, x, record=False):
        x = x.data if isinstance(x, Tensor) else np.asarray(x, backend.floatx())
        if x.ndim != 3 or x.shape[-1] != self.input_channels or x.shape[1] < 1:
            raise ValueError(f"{self.describe()}: input must be (batch, steps, {self.input_channels}) with at "
                             f"least one step (the channels it was built with), got shape {x.shape}")
        b, steps = x.shape[:2]
        memory = Tensor(np.repeat(self.memory_init.data[None], b, axis=0))
        weights = Tensor(np.repeat(self.weighting_init.data[None], b, axis=0))
        reads = F.broadcast_to(self.read_init, (b, self.read_heads * self.width))
        state, outs, trace = None, [], []
        for t in range(steps):
            h, state = self._controller(Tensor(x[:, t]), reads, state)
            key, beta, gate, shift, gamma, erase, add = A.head_parameters(
                F.linear(h, self.head_kernel, self.head_bias), self.heads, self.width, 2 * self.shift_range + 1,
                self.write_heads)
            weights = A.address(memory, key, beta, gate, shift, gamma, weights)
            w_read, w_write = weights[:, :self.read_heads], weights[:, self.read_heads:]
            reads = F.reshape(A.read_memory(memory, w_read), (b, self.read_heads * self.width))
            memory = A.memory_write(memory, w_write, erase, add)
            outs.append(F.concat([h, reads], axis=-1))
            if record:
                trace.append((weights.data, memory.data))
        y = F.sigmoid(F.linear(F.stack(outs, axis=1), self.out_kernel, self.out_bias))
        return y, trace

    def call(self, x):
        return self._run(x)[0]

    def trace(self, x):
        """Run ``x`` (batch, steps, channels) under no_grad and return a dict of arrays: ``outputs``
        (batch, steps, output_size), ``read_weightings`` (batch, steps, read_heads, rows),
        ``write_weightings`` (batch, steps, write_heads, rows) and ``memory`` (batch, rows, width), the
        memory after the last step."""
        if not self.built:
            self.build_from_shape(np.shape(x)[1:])
        with no_grad():
            y, trace = self._run(x, record=True)
        weights = np.stack([w for w, _ in trace], axis=1)
        return {"outputs": y.data, "read_weightings": weights[:, :, :self.read_heads],
                "write_weightings": weights[:, :, self.read_heads:], "memory": trace[-1][1]}


register("neural_turing_machine", NeuralTuringMachine, aliases=("ntm",))


# ---------------------------------------------------------------------------
# the copy task: training, evaluation, the show

def evaluate_copy(model, length=8, sequences=256, seed=0):
    """The bit errors of ``model`` copying ``sequences`` fresh random sequences of ``length`` vectors
    (``axon.data.copy_task.bit_errors``: wrong bits per sequence and the fraction of bits wrong)."""
    x, y, sw = copy_sequences(sequences, length, model.output_size, rng=seed)
    with no_grad():
        p = model(x).data
    return bit_errors(y, p, sw)


def copy_algorithm(trace, length):
    """How far the heads follow the paper's copy algorithm, from ``NeuralTuringMachine.trace`` of copy
    sequences of ``length`` vectors: ``write_moves_one_row``, the fraction of input steps after which
    the write head's focus (its most weighted row) moved one row on, either way round; and
    ``read_follows_write``, the fraction of answer steps whose read focus is the row written at the
    matching input step."""
    write = trace["write_weightings"][:, :, 0].argmax(-1)                  # (B, steps)
    read = trace["read_weightings"][:, :, 0].argmax(-1)
    rows = trace["write_weightings"].shape[-1]
    step = (np.diff(write[:, :length], axis=1) % rows)
    moves = np.isin(step, (1, rows - 1)).mean() if length > 1 else 1.0
    follows = (read[:, length + 1:2 * length + 1] == write[:, :length]).mean()
    return {"write_moves_one_row": float(moves), "read_follows_write": float(follows)}


class CopyProgress(Callback):
    """A ``fit`` callback: after every epoch it measures the copy of ``length`` vectors on fixed
    validation sequences, keeps the bit error rates in ``errors`` (one per epoch) and stops training
    once the rate is at most ``target``."""

    def __init__(self, length=8, target=0.005, sequences=256, seed=12345, verbose=False):
        super().__init__()
        self.length, self.target, self.sequences, self.seed = length, target, sequences, seed
        self.verbose, self.errors = verbose, []

    def on_epoch_end(self, epoch, logs=None):
        rate = evaluate_copy(self.model, self.length, self.sequences, self.seed)["bit_error_rate"]
        self.errors.append(rate)
        if self.verbose:
            print(f"epoch {epoch + 1}: bit error rate copying {self.length} vectors: {rate:.4f}")
        if rate <= self.target:
            self.model.stop_training = True


def train_copy(model, max_length=8, bits=8, batch_size=32, max_steps=6000, steps_per_epoch=100,
               learning_rate=3e-3, clipnorm=10.0, target=0.005, seed=0, verbose=False):
    """Train ``model`` (an uncompiled ``NeuralTuringMachine``) on the copy task with ``compile`` and
    ``fit``: binary cross-entropy on the answer bits, Adam with the gradients clipped to a global norm
    of ``clipnorm``, batches of ``batch_size`` sequences of 1 .. ``max_length`` random ``bits``-bit
    vectors, until the bit error rate on ``max_length`` copies is at most ``target`` or after
    ``max_steps`` steps.  Returns a dict: ``steps`` taken, ``seconds``, ``ms_per_step`` and
    ``errors`` (the bit error rate after each epoch of ``steps_per_epoch`` steps)."""
    model.compile(optimizer=optimizers.Adam(learning_rate, global_clipnorm=clipnorm), loss="binary_crossentropy")
    progress = CopyProgress(max_length, target, seed=seed + 12345, verbose=verbose)
    task = CopyTask(batch_size, 1, max_length, bits, seed=seed)
    start = time.perf_counter()
    model.fit(task, steps_per_epoch=steps_per_epoch, epochs=-(-max_steps // steps_per_epoch),
              callbacks=[progress], verbose=0)
    seconds = time.perf_counter() - start
    steps = len(progress.errors) * steps_per_epoch
    return {"steps": steps, "seconds": seconds, "ms_per_step": 1e3 * seconds / steps, "errors": progress.errors}


def _cache_path(config):
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    key = hashlib.sha1(json.dumps(config, sort_keys=True).encode()).hexdigest()[:10]
    return os.path.join(base, "axon", "zoo", f"ntm_copy_{key}.axon")


def trained_copy_ntm(max_length=8, bits=8, memory_size=(20, 12), units=100, seed=0, max_steps=6000,
                     target=0.001, cache=True, verbose=False):
    """An LSTM-controlled NTM trained on the copy task by ``train_copy`` (to a bit error rate of
    ``target`` on ``max_length`` copies, or for ``max_steps``); returns ``(model, info)``,
    ``info`` as ``train_copy`` gives it with ``cached`` added.

    ``cache=True`` keeps the trained model under ``~/.cache/axon/zoo/`` (``$XDG_CACHE_HOME``), saved
    atomically, and a later call with the same settings loads it instead of training (``cached`` is
    then True); ``cache="read"`` loads one that is there but saves nothing; ``False`` always trains."""
    config = {"max_length": max_length, "bits": bits, "memory_size": list(memory_size), "units": units,
              "seed": seed, "target": target, "version": 1}
    path = _cache_path(config)
    if cache and os.path.exists(path) and os.path.exists(path + ".json"):
        try:
            model = load_model(path)
            with open(path + ".json") as f:
                return model, dict(json.load(f), cached=True)
        except (OSError, ValueError, KeyError):
            pass                                         # an unreadable cache is trained again
    model = NeuralTuringMachine(bits, memory_size, "lstm", units, seed=seed)
    info = train_copy(model, max_length, bits, max_steps=max_steps, target=target, seed=seed, verbose=verbose)
    if cache is True:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        model.save(path)
        write_text(path + ".json", json.dumps(info))
    return model, dict(info, cached=False)


def _plot_copy(trace, x, y, length, path, title):
    from ...utils.plots import pyplot, save_figure
    from matplotlib.ticker import MaxNLocator
    plt = pyplot()
    fig, axes = plt.subplots(3, 1, figsize=(7, 6.2), sharex=True, layout="constrained")
    answer = slice(length + 1, 2 * length + 1)
    panels = [(x.T, "input (bits and delimiter)"), (y[answer].T, "target: the sequence again, after the delimiter"),
              (trace["outputs"][0][answer].T, "output of the NTM (probabilities)")]
    for k, (ax, (a, label)) in enumerate(zip(axes, panels)):
        lo = 0 if k == 0 else length + 1
        ax.imshow(a, cmap="magma", vmin=0, vmax=1, aspect="auto", interpolation="nearest",
                  extent=(lo - 0.5, lo + a.shape[1] - 0.5, a.shape[0] - 0.5, -0.5))
        ax.set_xlim(-0.5, 2 * length + 0.5)
        ax.set_facecolor("0.85")                       # grey: no target, no output counted
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("bit")
        ax.set_title(label, fontsize=9)
    axes[-1].set_xlabel("time step")
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, path)


def _plot_weightings(trace, length, path):
    from ...utils.plots import pyplot, save_figure
    from matplotlib.ticker import MaxNLocator
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.8), layout="constrained")
    for ax, key, label in ((axes[0], "write_weightings", "write head"), (axes[1], "read_weightings", "read head")):
        im = ax.imshow(trace[key][0, :, 0].T, cmap="gray_r", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        ax.axvline(length, color="tab:red", lw=1, ls="--")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("time step (dashed: the delimiter)")
        ax.set_ylabel("memory row")
        ax.set_title(f"{label} weighting over memory", fontsize=9)
    fig.colorbar(im, ax=axes, fraction=0.03)
    return save_figure(fig, path)


def show(out_dir, quick=False):
    """Train an NTM (LSTM controller, 20 x 12 memory) to copy sequences of up to 8 random 8-bit
    vectors until at most 0.1% of the bits are wrong on validation copies, cache it (``trained_copy_ntm``), and write the
    page with two PNGs: a copy (input, target, output) and the heads' weightings over memory across
    time.  ``quick`` uses the cached model when there is one, else trains ``QUICK_STEPS`` steps only
    (too few to copy well: the page then says so)."""
    from ..showcase import Shown, write_page
    length, bits, longer = 8, 8, 12
    model, info = trained_copy_ntm(length, bits, max_steps=QUICK_STEPS if quick else 6000,
                                   cache="read" if quick else True)
    n_test = 100 if quick else 1000
    errors = evaluate_copy(model, length, sequences=n_test, seed=2024)
    errors_longer = evaluate_copy(model, longer, sequences=n_test, seed=2025)
    x, y, _ = copy_sequences(100, length, bits, rng=7)
    trace = model.trace(x)
    algorithm = copy_algorithm(trace, length)
    files = {"copy": _plot_copy(trace, x[0], y[0], length, os.path.join(out_dir, "ntm_copy.png"),
                                f"Copying {length} random {bits}-bit vectors"),
             "weightings": _plot_weightings(trace, length, os.path.join(out_dir, "ntm_weightings.png"))}
    measured = {f"bit error rate, length {length}": errors["bit_error_rate"],
                f"wrong bits per sequence, length {length}": errors["bit_errors_per_sequence"],
                f"bit error rate, length {longer} (longer than trained)": errors_longer["bit_error_rate"],
                "test sequences per length": n_test,
                "input steps where the write focus moves one row": algorithm["write_moves_one_row"],
                "answer steps reading the row written for them": algorithm["read_follows_write"],
                "training steps (batches of 32)": info["steps"],
                "training time (s)": info["seconds"], "time per step (ms)": info["ms_per_step"],
                "loaded from cache": info["cached"]}
    trained = (f"in {info['steps']} steps of 32 sequences ({info['seconds']:.0f} s, "
               f"{info['ms_per_step']:.0f} ms a step{'; loaded from the cache now' if info['cached'] else ''})")
    lines = [f"An NTM with an LSTM controller ({model.units} cells), one read and one write head and a "
             f"{model.rows} x {model.width} memory was trained to copy sequences of 1 to {length} random "
             f"{bits}-bit vectors {trained}, with binary cross-entropy and Adam.  On {n_test} fresh "
             f"sequences of length {length} it gets {100 * errors['bit_error_rate']:.2f}% of the bits wrong "
             f"({errors['bit_errors_per_sequence']:.3f} per sequence); on length {longer}, never seen in "
             f"training, {100 * errors_longer['bit_error_rate']:.2f}%.",
             "",
             f"The weightings show the algorithm it found, as in the paper's figure 6: over 100 sequences "
             f"the write head's focus moved one row on after {100 * algorithm['write_moves_one_row']:.0f}% of "
             f"the input vectors, and after the delimiter the read head's focus was on the row written for "
             f"that vector at {100 * algorithm['read_follows_write']:.0f}% of the answer steps."]
    if quick and not info["cached"]:
        lines += ["", f"This is the quick run: {QUICK_STEPS} training steps, too few to learn the copy.  "
                      "Run it without quick (about a minute, then cached) for the trained machine."]
    shown = Shown("Neural Turing machine (NTM)",
                  "A controller with a differentiable external memory, addressed by content and by location, "
                  "learns algorithms such as copying a sequence from examples alone (Graves et al. 2014).",
                  measured, lines, files)
    write_page(shown, out_dir, "ntm")
    return shown
