"""The McCulloch-Pitts neuron (1943) and Hebb's rule (1949).  McCulloch and Pitts showed that a unit
firing when the weighted sum of its binary inputs reaches a threshold computes AND, OR, NOT and
NAND, so networks of them compute any logical function; its weights are set by hand, it does not
learn.  Hebb proposed that a connection grows when the units on both sides are active together,
``dw = lr * x * y``: with bipolar values one pass over a truth table learns AND, but a correlation
rule, like every single unit, cannot learn XOR.

>>> from axon.data.logic import truth_table
>>> x, _ = truth_table("and")
>>> McCullochPittsNeuron.logic("and").predict(x).tolist()
[0.0, 0.0, 0.0, 1.0]
>>> McCullochPittsNeuron.logic("nand").predict(x).tolist()
[1.0, 1.0, 1.0, 0.0]
"""
import os

import numpy as np

from ...autograd import no_grad
from ...data.batches import unpack_x_y_sample_weight
from ...data.logic import truth_table
from ...metrics import Mean
from ...models import Model
from ...tensor import Tensor, to_numpy
from ..registry import register
from ..showcase import Shown, write_page

# (weight of every input, threshold) of the logic gates on n binary inputs
_GATES = {
    "and": lambda n: (1.0, float(n)),
    "or": lambda n: (1.0, 1.0),
    "nand": lambda n: (-1.0, float(1 - n)),
    "nor": lambda n: (-1.0, 0.0),
    "not": lambda n: (-1.0, 0.0),
}


def _vector(name, value, what):
    v = np.asarray(value, dtype=np.float32)
    if v.ndim != 1 or v.size == 0 or not np.all(np.isfinite(v)):
        raise ValueError(f"{name}: {what} must be a non-empty 1-D list of finite numbers, got {value!r}")
    return v


class McCullochPittsNeuron(Model):
    """A threshold unit with fixed ``weights`` (one per binary input) and ``threshold``: it outputs 1
    when ``x . weights >= threshold``, else 0.  Inputs ``(samples, len(weights))`` in {0, 1};
    ``McCullochPittsNeuron.logic("and")`` (``"or"``, ``"not"``, ``"nand"``, ``"nor"``) builds a gate.
    It has no learning rule: ``fit`` refuses."""

    def __init__(self, weights, threshold, name=None):
        super().__init__(name=name)
        w = _vector("McCullochPittsNeuron", weights, "weights")
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)) \
                or not np.isfinite(threshold):
            raise ValueError(f"McCullochPittsNeuron: threshold must be a finite number, got {threshold!r}")
        self.kernel = self.add_weight(name="kernel", shape=w.shape, initializer="zeros", trainable=False)
        self.threshold = self.add_weight(name="threshold", shape=(1,), initializer="zeros", trainable=False)
        self.kernel.data[...] = w
        self.threshold.data[...] = threshold
        self.built = True

    @classmethod
    def logic(cls, gate, n_inputs=2, name=None):
        """The neuron computing ``gate`` (``"and"``, ``"or"``, ``"nand"``, ``"nor"`` of ``n_inputs``
        inputs, or ``"not"`` of one) with unit weights (+1 or -1) and an integer threshold."""
        key = str(gate).lower()
        if key not in _GATES:
            raise ValueError(f"McCullochPittsNeuron.logic: unknown gate {gate!r}; choose one of {', '.join(_GATES)}")
        n = 1 if key == "not" else n_inputs
        weight, threshold = _GATES[key](n)
        return cls([weight] * n, threshold, name=name)

    def call(self, x):
        x = to_numpy(x, np.float32)
        if x.ndim != 2 or x.shape[1] != self.kernel.shape[0]:
            raise ValueError(f"{self.describe()}: inputs must be (samples, {self.kernel.shape[0]}) binary values, "
                             f"got shape {x.shape}")
        return Tensor((x @ self.kernel.data >= self.threshold.data).astype(np.float32))

    def train_step(self, data):
        raise TypeError(f"{self.describe()}: a McCulloch-Pitts neuron does not learn; its weights and threshold "
                        "are set by hand (McCullochPittsNeuron(weights, threshold) or .logic('and')). To learn "
                        "from examples use HebbianNeuron or axon.zoo.classic.Perceptron")


class HebbianNeuron(Model):
    """A bipolar threshold unit ``y = sign(x . w + b)`` trained by Hebb's rule: for each sample
    ``w += learning_rate * x * t`` and ``b += learning_rate * t``, with the target ``t`` in
    {-1, 1} (inputs bipolar too; {0, 1} data is mapped to {-1, 1}).  Without targets, ``fit(x)``
    is plain unsupervised Hebbian learning: ``t`` is the unit's own output.  Logs ``error_rate``
    (against the targets, after the update) and ``weight_norm``."""

    def __init__(self, n_inputs=None, learning_rate=1.0, name=None):
        super().__init__(name=name)
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
            raise ValueError(f"HebbianNeuron: learning_rate must be a number > 0, got {learning_rate!r}")
        self.n_inputs = n_inputs
        self.learning_rate = float(learning_rate)
        self.error_rate_tracker = Mean(name="error_rate")
        if n_inputs is not None:
            self.build_from_shape((n_inputs,))

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(int(input_shape[-1]),), initializer="zeros",
                                      trainable=False)
        self.bias = self.add_weight(name="bias", shape=(1,), initializer="zeros", trainable=False)

    @property
    def metrics(self):
        return [self.error_rate_tracker]

    def _bipolar(self, values, what):
        v = to_numpy(values, np.float32)
        found = set(np.unique(v).tolist())
        if found <= {0.0, 1.0} and 0.0 in found:
            return 2 * v - 1
        if not found <= {-1.0, 1.0}:
            raise ValueError(f"{self.describe()}: {what} must be bipolar (-1/+1) or binary (0/1), got values "
                             f"{sorted(found)[:6]}")
        return v

    def _inputs(self, x):
        x = self._bipolar(x, "inputs")
        if x.ndim != 2:
            raise ValueError(f"{self.describe()}: inputs must be (samples, features), got shape {x.shape}")
        if not self.built:
            self.build_from_shape(x.shape[1:])
        elif x.shape[1] != self.kernel.shape[0]:
            raise ValueError(f"{self.describe()}: it has {self.kernel.shape[0]} inputs, got x of shape {x.shape}")
        return x

    def decision_function(self, x):
        """``x . w + b`` for each sample (samples,), float32."""
        return self._inputs(x) @ self.kernel.data + self.bias.data

    def call(self, x):
        s = self._bipolar(x, "inputs") @ self.kernel.data + self.bias.data
        return Tensor(np.where(s >= 0, 1.0, -1.0).astype(np.float32))

    def train_step(self, data):
        x, y, _ = unpack_x_y_sample_weight(data)
        x = self._inputs(x)
        with no_grad():
            if y is None:
                t = np.where(x @ self.kernel.data + self.bias.data >= 0, 1.0, -1.0)
            else:
                t = self._bipolar(y, "targets").reshape(-1)
                if t.shape != (len(x),):
                    raise ValueError(f"{self.describe()}: targets must hold one value per sample ({len(x)},), got "
                                     f"shape {np.shape(y)}")
            self.kernel.data += self.learning_rate * t @ x
            self.bias.data += self.learning_rate * t.sum()
            out = np.where(x @ self.kernel.data + self.bias.data >= 0, 1.0, -1.0)
        self.error_rate_tracker.update_state(np.mean(out != t), sample_weight=len(x))
        return {"error_rate": self.error_rate_tracker.result(),
                "weight_norm": float(np.sqrt(self.kernel.data @ self.kernel.data + self.bias.data[0] ** 2))}


register("mcculloch_pitts", McCullochPittsNeuron, aliases=("mcculloch_pitts_neuron", "threshold_logic_unit"))
register("hebbian_neuron", HebbianNeuron, aliases=("hebb",))


def show(out_dir, quick=False):
    """McCulloch-Pitts gates (AND, OR, NAND, NOT) as truth tables, and Hebb's rule learning AND in one
    bipolar pass but not XOR (``mcculloch_pitts.png``)."""
    from ...utils.plots import pyplot, save_figure
    gates = {}
    for gate in ("and", "or", "nand", "not"):
        x, y = truth_table(gate)
        neuron = McCullochPittsNeuron.logic(gate)
        gates[gate] = (x, y, neuron.predict(x), neuron)
    hebb = {}
    for task in ("and", "xor"):
        x, y = truth_table(task, bipolar=True)
        neuron = HebbianNeuron()
        neuron.compile()
        history = neuron.fit(x, y, epochs=1 if quick else 3, batch_size=1, shuffle=False, verbose=0)
        accuracy = float(np.mean(neuron.predict(x) == y))
        hebb[task] = (x, y, neuron, accuracy, history.history["error_rate"][0])
    plt = pyplot()
    fig, axes = plt.subplots(1, 6, figsize=(17, 3.2), gridspec_kw={"width_ratios": [1, 1, 1, 0.6, 1.4, 1.4]})
    for ax, (gate, (x, y, p, neuron)) in zip(axes[:4], gates.items()):
        table = np.c_[x, p]
        ax.imshow(table, cmap="Greys", vmin=-0.3, vmax=1.3)
        for (i, j), v in np.ndenumerate(table):
            ax.text(j, i, f"{v:.0f}", ha="center", va="center", color="white" if v > 0.5 else "black",
                    fontweight="bold" if j == table.shape[1] - 1 else "normal")
        ax.axvline(table.shape[1] - 1.5, color="tab:red", linewidth=2)
        ax.set_xticks(range(table.shape[1]), [f"x{k + 1}" for k in range(x.shape[1])] + ["out"])
        ax.set_yticks([])
        w = ", ".join(f"{v:+.0f}" for v in neuron.kernel.data)
        ax.set_title(f"{gate.upper()}: w=({w}), θ={float(neuron.threshold.data[0]):.0f}", fontsize=9)
    grid = np.linspace(-1.6, 1.6, 161)
    gx, gy = np.meshgrid(grid, grid)
    for ax, (task, (x, y, neuron, accuracy, _)) in zip(axes[4:], hebb.items()):
        z = np.c_[gx.ravel(), gy.ravel()] @ neuron.kernel.data + neuron.bias.data
        ax.contourf(gx, gy, z.reshape(gx.shape) >= 0, levels=[-0.5, 0.5, 1.5], colors=["#fde0c5", "#c6dbef"])
        ax.scatter(x[:, 0], x[:, 1], c=np.where(y > 0, "#1f78b4", "#d95f02"), s=80, edgecolors="k")
        w = ", ".join(f"{v:+.0f}" for v in neuron.kernel.data)
        ax.set_title(f"Hebb on bipolar {task.upper()}: w=({w}), b={float(neuron.bias.data[0]):+.0f}\n"
                     f"accuracy {accuracy:.2f}", fontsize=9)
        ax.set_xticks([-1, 1])
        ax.set_yticks([-1, 1])
    fig.tight_layout()
    figure = save_figure(fig, os.path.join(out_dir, "mcculloch_pitts.png"))
    measured = {f"MP {gate.upper()} correct rows": int(np.sum(p == y)) for gate, (x, y, p, _) in gates.items()}
    measured.update({"Hebb AND accuracy": hebb["and"][3], "Hebb AND weights": hebb["and"][2].kernel.data.tolist(),
                     "Hebb XOR accuracy": hebb["xor"][3], "Hebb XOR weights": hebb["xor"][2].kernel.data.tolist()})
    shown = Shown("McCulloch-Pitts neuron and Hebb's rule",
                  "A threshold unit with hand-set weights computes AND, OR, NOT and NAND; Hebb's rule, which "
                  "strengthens a connection when both sides are active together, learns bipolar AND in one "
                  "pass but cannot learn XOR.", measured,
                  ["Each McCulloch-Pitts gate reproduced its whole truth table with weights of +1 or -1 and an "
                   "integer threshold.",
                   f"One bipolar pass of Hebb's rule over AND gave w={hebb['and'][2].kernel.data.tolist()}, "
                   f"b={float(hebb['and'][2].bias.data[0]):+.0f} and accuracy {hebb['and'][3]:.2f}; over XOR "
                   f"the correlations cancel (w={hebb['xor'][2].kernel.data.tolist()}), accuracy "
                   f"{hebb['xor'][3]:.2f}."],
                  {"figure": figure})
    write_page(shown, out_dir, "mcculloch_pitts")
    return shown
