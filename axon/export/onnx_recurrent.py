"""ONNX converters of the recurrent layers: LSTM, GRU (and SimpleRNN) as ONNX's own sequence ops, and
``Bidirectional`` as their ``direction="bidirectional"`` form.

Weights: Keras's LSTM gates i, f, c, o become ONNX's i, o, f, c; the GRU's z, r, h are ONNX's order
already, and ``reset_after=True`` is ONNX's ``linear_before_reset=1`` with the input bias row as
``Wb`` and the recurrent row as ``Rb``.  ``go_backwards`` is ``direction="reverse"`` (the output
sequence then reversed, as Keras returns it).  ``return_sequences``, ``return_state`` and
``initial_state`` are exported as Axon runs them; dropout is off at inference.

Masks (``Embedding(mask_zero=True)``): ONNX's ops only know sequence lengths, so each sequence's
unmasked steps are first gathered to the front in order (a TopK over ``t + T * masked``), run with
``sequence_lens`` = their count, and the outputs gathered back to the original positions: a masked
step repeats the previous output (zeros before the first real step), or is zero with
``zero_output_for_mask`` (as in Bidirectional), exactly Axon's rule for masks of any pattern.
"""
import numpy as np

from ..layers import GRU, LSTM, Bidirectional, SimpleRNN
from .onnx import Value, converter, refuse

_ACTIVATIONS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}


def _activation_name(layer, which):
    fn = getattr(layer, which)
    name = fn if isinstance(fn, str) else getattr(fn, "__name__", None)
    if name not in _ACTIVATIONS:
        refuse(layer, f"its {which} {fn!r} has no ONNX recurrent form; use sigmoid, tanh or relu")
    return _ACTIVATIONS[name]


def _weights(layer):
    """ONNX (W (G*H, D), R (G*H, H), B (2*G*H,)) of one Axon recurrent layer."""
    h = layer.units
    k = np.asarray(layer.kernel.data, np.float32)
    u = np.asarray(layer.recurrent_kernel.data, np.float32)
    b = None if layer.bias is None else np.asarray(layer.bias.data, np.float32)
    if isinstance(layer, LSTM):
        order = [0, 3, 1, 2]  # Keras i, f, c, o -> ONNX i, o, f, c
        w = k.T.reshape(4, h, -1)[order].reshape(4 * h, -1)
        r = u.T.reshape(4, h, h)[order].reshape(4 * h, h)
        wb = np.zeros(4 * h, np.float32) if b is None else b.reshape(4, h)[order].reshape(-1)
        return w, r, np.concatenate([wb, np.zeros(4 * h, np.float32)])
    g = 3 if isinstance(layer, GRU) else 1
    zeros = np.zeros(g * h, np.float32)
    if b is None:
        bias = np.concatenate([zeros, zeros])
    elif b.ndim == 2:  # GRU reset_after: input bias row, recurrent bias row
        bias = b.reshape(-1)
    else:
        bias = np.concatenate([b, zeros])
    return k.T.copy(), u.T.copy(), bias


def _op_type(layer):
    return "LSTM" if isinstance(layer, LSTM) else "GRU" if isinstance(layer, GRU) else "RNN"


def _attributes(layer, directions):
    acts = [_activation_name(layer, "activation")]
    if not isinstance(layer, SimpleRNN):
        acts = [_activation_name(layer, "recurrent_activation")] + acts
    if isinstance(layer, LSTM):
        acts = acts + acts[1:]  # f (gates), g (cell), h (output)
    attrs = dict(hidden_size=layer.units, activations=acts * directions)
    if isinstance(layer, GRU):
        attrs["linear_before_reset"] = int(bool(layer.reset_after))
    return attrs


class _Compaction:
    """The ONNX tensors that move each sequence's unmasked steps to its front and back again."""

    def __init__(self, g, mask):
        self.g = g
        tp = g.onnx.TensorProto
        self.keep_int = g.op("Cast", [mask], to=tp.INT64)                    # (N, T) 1 where real
        self.keep = g.op("Cast", [mask], to=tp.FLOAT)
        steps = g.dim(mask, 1)                                               # [T]
        t = g.op("Range", [g.ints(0), g.op("Squeeze", [steps]), g.ints(1)])
        key = g.op("Add", [t, g.op("Mul", [g.op("Sub", [g.ints(1), self.keep_int]), steps])])
        _, self.order = g.op("TopK", [key, steps], outputs=2, axis=1, largest=0, sorted=1)
        lengths = g.op("ReduceSum", [self.keep_int, g.ints([1])], keepdims=0)
        self.lengths = g.op("Cast", [lengths], to=tp.INT32)
        self.count = g.op("Unsqueeze", [lengths, g.ints([1])])                # (N, 1)
        self.last = g.op("Sub", [steps, g.ints([1])])
        self.upto = g.op("CumSum", [self.keep_int, g.ints(1)])               # real steps at or before t
        self.before = g.op("CumSum", [self.keep_int, g.ints(1)], exclusive=1)  # real steps before t

    def gather(self, x, index):
        """x (N, T, F) with x[n, index[n, t]] at position t."""
        g = self.g
        idx = g.op("Expand", [g.op("Unsqueeze", [index, g.ints([2])]), g.op("Shape", [x])])
        return g.op("GatherElements", [x, idx], axis=1)

    def compact(self, x):
        return self.gather(x, self.order)

    def restore(self, y, backward, zero_output):
        """Outputs (N, T, H) of the compacted run at the original positions, Axon's mask rule."""
        g = self.g
        if backward:  # the first real step at or after t
            index = g.op("Min", [self.before, self.last])
            valid = g.op("Cast", [g.op("Less", [self.before, self.count])], to=g.onnx.TensorProto.FLOAT)
        else:         # the last real step at or before t
            index = g.op("Max", [g.op("Sub", [self.upto, g.ints(1)]), g.ints(0)])
            valid = g.op("Cast", [g.op("Greater", [self.upto, g.ints(0)])], to=g.onnx.TensorProto.FLOAT)
        out = self.gather(y, index)
        return g.op("Mul", [out, g.op("Unsqueeze", [self.keep if zero_output else valid, g.ints([2])])])


def _check(layer):
    if getattr(layer, "stateful", False):
        refuse(layer, "stateful layers are not supported")


def _run(g, layers, v, initial, direction):
    """Run ``layers`` (one, or forward and backward) over ``v`` as one ONNX op.  Returns
    (per-direction output sequences (N, T, H) at the original positions, per-direction states
    [h (N, H)(, c (N, H))])."""
    first = layers[0]
    for layer in layers:
        _check(layer)
    x = g.native(v)
    comp = _Compaction(g, v.mask) if v.mask else None
    if comp is not None:
        x = comp.compact(x)
    xt = g.op("Transpose", [x], perm=[1, 0, 2])
    ws = [_weights(layer) for layer in layers]
    w, r, b = (g.const(np.stack([p[i] for p in ws]), f"{first.name}/{n}") for i, n in enumerate("WRB"))
    n_states = 2 if isinstance(first, LSTM) else 1
    args = [xt, w, r, b, comp.lengths if comp is not None else ""]
    for s in range(n_states):
        if initial is None:
            args.append("")
        else:  # initial[d][s]: state s of direction d, (N, H) -> (directions, N, H)
            parts = [g.op("Unsqueeze", [initial[d][s].name, g.ints([0])]) for d in range(len(layers))]
            args.append(parts[0] if len(parts) == 1 else g.op("Concat", parts, axis=0))
    while args and args[-1] == "":
        args.pop()
    outs = g.op(_op_type(first), args, outputs=1 + n_states, hint=first.name, direction=direction,
                **_attributes(first, len(layers)))
    y, states = outs[0], outs[1:]
    sequences, finals = [], []
    for d, layer in enumerate(layers):
        seq = g.op("Transpose", [g.op("Gather", [y, g.ints(d)], axis=1)], perm=[1, 0, 2])
        backward = direction == "reverse" or d == 1
        if comp is not None:
            seq = comp.restore(seq, backward, layer.zero_output_for_mask)
        sequences.append(seq)
        finals.append([g.op("Gather", [s, g.ints(d)], axis=0) for s in states])
    return sequences, finals


def _initial(layer, kwargs, directions, n_states):
    states = kwargs.get("initial_state")
    if states is None:
        return None
    states = states if isinstance(states, list) else [states]
    if len(states) != directions * n_states:
        refuse(layer, f"initial_state needs {directions * n_states} tensors, got {len(states)}")
    return [states[d * n_states:(d + 1) * n_states] for d in range(directions)]


def _reversed_time(g, name):
    return g.op("Slice", [name, g.ints([-1]), g.ints([np.iinfo(np.int64).min]), g.ints([1]), g.ints([-1])])


@converter(LSTM, GRU, SimpleRNN, masks=True, call_arguments=("initial_state",))
def _recurrent(g, layer, inputs, kwargs):
    v = inputs[0]
    n_states = 2 if isinstance(layer, LSTM) else 1
    initial = _initial(layer, kwargs, 1, n_states)
    seqs, finals = _run(g, [layer], v, initial, "reverse" if layer.go_backwards else "forward")
    if layer.return_sequences:
        out = _reversed_time(g, seqs[0]) if layer.go_backwards else seqs[0]  # Keras's order
        out = Value(out, mask=v.mask)
    else:
        out = Value(g.op("Identity", [finals[0][0]]))
    if not layer.return_state:
        return out
    return [out] + [Value(s) for s in finals[0]]


@converter(Bidirectional, masks=True, call_arguments=("initial_state",))
def _bidirectional(g, layer, inputs, kwargs):
    v = inputs[0]
    fwd, bwd = layer.forward_layer, layer.backward_layer
    if fwd.go_backwards or not bwd.go_backwards:
        refuse(layer, "its forward layer must read forwards (go_backwards=False) to export")
    if type(fwd) is not type(bwd) or fwd.units != bwd.units:
        refuse(layer, "its forward and backward layers must be of one class and size to export")
    n_states = 2 if isinstance(fwd, LSTM) else 1
    for a, b in ((fwd, bwd),):
        if _attributes(a, 1) != _attributes(b, 1):
            refuse(layer, "its forward and backward layers must have the same activations to export")
    seqs, finals = _run(g, [fwd, bwd], v, _initial(layer, kwargs, 2, n_states), "bidirectional")
    parts = seqs if layer.return_sequences else [f[0] for f in finals]
    mask = v.mask if layer.return_sequences else None
    mode = layer.merge_mode
    if mode == "concat":
        outs = [g.op("Concat", parts, axis=-1, hint=layer.name)]
    elif mode == "sum":
        outs = [g.op("Add", parts, hint=layer.name)]
    elif mode == "mul":
        outs = [g.op("Mul", parts, hint=layer.name)]
    elif mode == "ave":
        outs = [g.op("Mul", [g.op("Add", parts), g.const(np.float32(0.5))], hint=layer.name)]
    else:
        outs = list(parts)
    outs = [Value(o, mask=mask) for o in outs]
    if layer.return_state:
        outs += [Value(s) for f in finals for s in f]
    return outs if len(outs) > 1 else outs[0]
