"""The RNN configurations slide: one-to-one, one-to-many, many-to-one, many-to-many (aligned) and
many-to-many (encoder-decoder), each a small Axon model trained on a task of its shape.

The lecture draws each configuration as boxes and arrows: input boxes (red) at the bottom, the
hidden state (green) in the middle passed to the right from step to step, outputs (blue) on top.
What tells them apart is where the inputs go in and the outputs come out:

- one-to-one: no recurrence, a plain network (here: is a point inside the circle?);
- one-to-many: one input, a sequence out (here: from a start digit and a step, count on mod 10);
- many-to-one: a sequence in, one output at the end (here: how many ones among the bits?);
- many-to-many, aligned: one output per input step (here: the running parity of the bits so far);
- many-to-many, encoder-decoder: read the whole sequence first, then write another (here: the
  sequence reversed), the encoder's last state being all the decoder knows.

All data is generated.  Accuracy is the share of outputs (every step of every test sequence) that
are right; chance is what guessing the commonest answer gets.

>>> x, y = counting_task(np.random.default_rng(0), 2, steps=4)
>>> x.shape, y.shape
((2, 14), (2, 4))
>>> x, y = running_parity_task(np.random.default_rng(0), 3, steps=5)
>>> bool((y == np.cumsum(x[..., 0], 1) % 2).all())
True
"""
from dataclasses import dataclass

import numpy as np

from .page import DemoResults, figure_path, write_page

TITLE = "RNN configurations: one-to-one, one-to-many, many-to-one and many-to-many, each trained"
CLAIM = ("A recurrent network's hidden state lets one set of weights map a sequence to one output "
         "(many-to-one), one input to a sequence (one-to-many) or a sequence to a sequence, step by step "
         "(many-to-many, aligned) or after reading it all (encoder-decoder); a one-to-one network is "
         "the plain feed-forward case.")
DIGITS = 10        # counting is mod 10
MAX_STEP = 4       # counting steps 1..MAX_STEP
SYMBOLS = 5        # the reversal task's alphabet


# ----- the tasks: (rng, n) -> x, y (integer targets)
def circle_task(rng, n):
    """Points (n, 2) uniform in [-1, 1]^2; label 1 inside the circle of radius 0.75 (about 44%)."""
    x = rng.uniform(-1, 1, size=(n, 2)).astype(np.float32)
    return x, (np.hypot(x[:, 0], x[:, 1]) < 0.75).astype(np.int64)


def counting_task(rng, n, steps=6):
    """One input (n, DIGITS + MAX_STEP): a one-hot start digit s and a one-hot step d; targets
    (n, steps): s + d, s + 2d, ... mod 10."""
    start, step = rng.integers(DIGITS, size=n), rng.integers(1, MAX_STEP + 1, size=n)
    x = np.concatenate([np.eye(DIGITS, dtype=np.float32)[start],
                        np.eye(MAX_STEP, dtype=np.float32)[step - 1]], axis=1)
    y = (start[:, None] + step[:, None] * np.arange(1, steps + 1)) % DIGITS
    return x, y.astype(np.int64)


def count_ones_task(rng, n, steps=10):
    """Bits (n, steps, 1); the label is how many are ones (0..steps)."""
    bits = rng.integers(2, size=(n, steps))
    return bits[..., None].astype(np.float32), bits.sum(1).astype(np.int64)


def running_parity_task(rng, n, steps=8):
    """Bits (n, steps, 1); targets (n, steps): the parity of the bits read so far."""
    bits = rng.integers(2, size=(n, steps))
    return bits[..., None].astype(np.float32), (np.cumsum(bits, 1) % 2).astype(np.int64)


def reversal_task(rng, n, steps=4):
    """One-hot symbols (n, steps, SYMBOLS); targets (n, steps): the symbols in reverse order."""
    seq = rng.integers(SYMBOLS, size=(n, steps))
    return np.eye(SYMBOLS, dtype=np.float32)[seq], seq[:, ::-1].astype(np.int64)


# ----- the models
def _one_to_one():
    from ..layers import Dense, Input
    from ..models import Sequential
    return Sequential([Input((2,)), Dense(16, activation="tanh"), Dense(16, activation="tanh"),
                       Dense(2, activation="softmax")], name="one_to_one")


def _one_to_many(steps=6):
    from ..layers import GRU, Dense, Input, RepeatVector
    from ..models import Sequential
    return Sequential([Input((DIGITS + MAX_STEP,)), RepeatVector(steps), GRU(32, return_sequences=True),
                       Dense(DIGITS, activation="softmax")], name="one_to_many")


def _many_to_one(steps=10):
    from ..layers import GRU, Dense, Input
    from ..models import Sequential
    return Sequential([Input((steps, 1)), GRU(16), Dense(steps + 1, activation="softmax")], name="many_to_one")


def _many_to_many(steps=8):
    from ..layers import GRU, Dense, Input
    from ..models import Sequential
    return Sequential([Input((steps, 1)), GRU(16, return_sequences=True), Dense(2, activation="softmax")],
                      name="many_to_many")


def _encoder_decoder(steps=4):
    from ..layers import GRU, Dense, Input, RepeatVector
    from ..models import Sequential
    return Sequential([Input((steps, SYMBOLS)), GRU(48, name="encoder"), RepeatVector(steps),
                       GRU(48, return_sequences=True, name="decoder"), Dense(SYMBOLS, activation="softmax")],
                      name="encoder_decoder")


@dataclass
class Configuration:
    """One box of the slide: its ``key``, the ``task`` in words, the data maker and the model
    builder, the training ``epochs`` (quick, full), and how the diagram draws it: the steps that
    take an input (``inputs``) and give an output (``outputs``) among ``steps`` columns, and
    whether the hidden state is passed along (``recurrent``)."""
    key: str
    label: str
    task: str
    data: object
    model: object
    epochs: tuple
    steps: int
    inputs: tuple
    outputs: tuple
    recurrent: bool = True


CONFIGURATIONS = [
    Configuration("one_to_one", "one-to-one", "is the point inside the circle?", circle_task, _one_to_one,
                  (40, 60), 1, (0,), (0,), recurrent=False),
    Configuration("one_to_many", "one-to-many", "count on from s in steps of d (mod 10)", counting_task,
                  _one_to_many, (15, 40), 4, (0,), (0, 1, 2, 3)),
    Configuration("many_to_one", "many-to-one", "how many ones among 10 bits?", count_ones_task, _many_to_one,
                  (20, 40), 4, (0, 1, 2, 3), (3,)),
    Configuration("many_to_many", "many-to-many (aligned)", "running parity of the bits so far",
                  running_parity_task, _many_to_many, (12, 30), 4, (0, 1, 2, 3), (0, 1, 2, 3)),
    Configuration("encoder_decoder", "many-to-many (encoder-decoder)", "write 4 symbols reversed",
                  reversal_task, _encoder_decoder, (20, 40), 6, (0, 1, 2), (3, 4, 5)),
]


def chance(y):
    """The accuracy of always answering the commonest target."""
    _, counts = np.unique(y, return_counts=True)
    return float(counts.max() / y.size)


def train(config, quick=False, seed=0):
    """Train ``config``'s model on fresh generated data; returns a dict with the history's losses,
    the test ``accuracy`` (share of right outputs), ``sequence_accuracy`` (share of test samples
    with every output right), ``chance`` and an ``example`` (input, target, prediction)."""
    from .. import optimizers
    from ..backend import manual_seed
    rng = np.random.default_rng(seed)
    n_train, n_test = (800, 400) if quick else (3000, 1000)
    x, y = config.data(rng, n_train)
    x_test, y_test = config.data(rng, n_test)
    manual_seed(seed)
    model = config.model()
    model.compile(optimizer=optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=config.epochs[0 if quick else 1], batch_size=32, verbose=0)
    pred = model.predict(x_test).argmax(-1)
    right = pred == y_test
    per_sample = right.reshape(len(y_test), -1).all(1)
    return {"loss": history.history["loss"], "accuracy": float(right.mean()),
            "sequence_accuracy": float(per_sample.mean()), "chance": chance(y_test),
            "example": (x_test[0], y_test[0], pred[0]), "parameters": model.count_params()}


def _describe(config, example):
    """The example in words: what went in, what should come out, what came out."""
    x, y, p = example
    if config.key == "one_to_one":
        return f"({x[0]:.2f}, {x[1]:.2f}) -> {y} (predicted {p})"
    if config.key == "one_to_many":
        s, d = int(x[:DIGITS].argmax()), int(x[DIGITS:].argmax()) + 1
        return f"s={s}, d={d} -> {' '.join(map(str, y))} (predicted {' '.join(map(str, p))})"
    if config.key == "encoder_decoder":
        return (f"{' '.join(map(str, x.argmax(-1)))} -> {' '.join(map(str, y))} "
                f"(predicted {' '.join(map(str, p))})")
    bits = "".join(str(int(b)) for b in x[:, 0])
    y, p = np.atleast_1d(y), np.atleast_1d(p)
    return f"{bits} -> {''.join(map(str, y))} (predicted {''.join(map(str, p))})"


def draw_diagram(ax, config, accuracy=None, width=6):
    """The lecture's boxes and arrows for ``config`` on the axes ``ax``, centred in ``width``
    columns: red inputs, green hidden states, blue outputs; the title carries the measured
    ``accuracy``."""
    from matplotlib.patches import FancyArrowPatch, Rectangle
    colours = {0: "#e8837a", 1: "#7dc47d", 2: "#7aa6e8"}   # input, hidden, output rows

    shift = (width - config.steps) / 2

    def box(col, row):
        col += shift
        ax.add_patch(Rectangle((col - 0.3, row - 0.3), 0.6, 0.6, facecolor=colours[row], edgecolor="black"))

    def arrow(a, b):
        a, b = (a[0] + shift, a[1]), (b[0] + shift, b[1])
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=10, lw=1.2, color="black"))

    for t in range(config.steps):
        box(t, 1)
        if t in config.inputs:
            box(t, 0)
            arrow((t, 0.3), (t, 0.7))
        if t in config.outputs:
            box(t, 2)
            arrow((t, 1.3), (t, 1.7))
        if config.recurrent and t + 1 < config.steps:
            arrow((t + 0.3, 1), (t + 0.7, 1))
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(-0.5, 2.5)
    ax.set_aspect("equal")
    ax.axis("off")
    title = config.label if accuracy is None else f"{config.label}\naccuracy {accuracy:.1%}"
    ax.set_title(title, fontsize=9)
    ax.text(0.5, -0.02, config.task, transform=ax.transAxes, ha="center", va="top", fontsize=7.5)


def run(out_dir, quick=False):
    """Train the five configurations, draw the slide with each one's accuracy and the learning
    curves, write ``rnn_configurations.md``; returns ``DemoResults`` (``values['runs'][key]`` as
    ``train`` returns it)."""
    from ..utils.plots import pyplot, save_figure
    dpi = 60 if quick else 110
    runs = {c.key: train(c, quick) for c in CONFIGURATIONS}
    measured = {}
    for c in CONFIGURATIONS:
        measured[f"{c.label}: accuracy"] = runs[c.key]["accuracy"]
        measured[f"{c.label}: chance"] = runs[c.key]["chance"]
    r = DemoResults("rnn-configurations", TITLE, CLAIM, measured, values={"runs": runs})

    plt = pyplot()
    path = figure_path(r, out_dir, "configurations",
                       "the lecture's boxes and arrows, each with its measured test accuracy")
    fig, axes = plt.subplots(1, len(CONFIGURATIONS), figsize=(3.1 * len(CONFIGURATIONS), 2.9))
    for ax, c in zip(axes, CONFIGURATIONS):
        draw_diagram(ax, c, runs[c.key]["accuracy"], width=max(k.steps for k in CONFIGURATIONS))
    fig.suptitle("Inputs (red), hidden state (green), outputs (blue); arrows right: the state passed on")
    save_figure(fig, path, dpi=dpi)

    path = figure_path(r, out_dir, "learning_curves", "training loss per epoch of each configuration")
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for c in CONFIGURATIONS:
        loss = runs[c.key]["loss"]
        ax.plot(np.arange(1, len(loss) + 1), loss, "o-", ms=2.5, label=c.label)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training cross-entropy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, path, dpi=dpi)

    rows = ["| configuration | task | model | accuracy | whole sequence right | chance | example (test) |",
            "|---|---|---|--:|--:|--:|---|"]
    models = {"one_to_one": "Dense 16-16-2", "one_to_many": "RepeatVector + GRU(32, return_sequences) + Dense",
              "many_to_one": "GRU(16) + Dense", "many_to_many": "GRU(16, return_sequences) + Dense",
              "encoder_decoder": "GRU(48) encoder + RepeatVector + GRU(48) decoder + Dense"}
    for c in CONFIGURATIONS:
        run_ = runs[c.key]
        rows.append(f"| {c.label} | {c.task} | {models[c.key]} ({run_['parameters']} weights) | "
                    f"{run_['accuracy']:.1%} | {run_['sequence_accuracy']:.1%} | {run_['chance']:.1%} | "
                    f"`{_describe(c, run_['example'])}` |")
    sections = [
        ("Five tasks, five shapes",
         "Every task is generated here (no data set is read); each model is trained with Adam (0.01) and "
         "the cross-entropy, then tested on fresh samples. Accuracy counts every output step.\n\n"
         + "\n".join(rows)),
        ("What the shapes mean in code",
         "The recurrent layer gives its last state (`GRU(16)`, many-to-one) or its state at every step "
         "(`return_sequences=True`, many-to-many). One-to-many feeds the one input at every step "
         "(`RepeatVector`); the encoder-decoder squeezes the whole input into the encoder's last state and "
         "a second GRU unrolls it into the output, so it can only write the reversal after reading the "
         "last symbol."),
    ]
    write_page(r, out_dir, sections, try_next=[
        "lengthen the sequences (`steps=`) of the parity and reversal tasks and watch accuracy fall",
        "swap the GRU for `SimpleRNN` in the many-to-one model and count the epochs it needs",
        "give the encoder-decoder attention (`axon.zoo.sequence.Seq2Seq`) and reverse longer sequences",
    ])
    return r
