"""``Functional``: the model that ``Model(inputs, outputs)`` builds from a symbolic graph.

Inputs and outputs may be one tensor, a list, or a dict keyed by name; ``fit``,
``evaluate`` and ``predict`` then take ``x`` (and ``y``) in the same form, a
dict matched by name.

>>> import axon, numpy as np
>>> from axon import layers
>>> title = axon.Input(shape=(4,), name="title")
>>> body = axon.Input(shape=(6,), name="body")
>>> merged = layers.concatenate([title, body])
>>> model = axon.Model({"title": title, "body": body},
...                    {"priority": layers.Dense(1, name="priority")(merged)})
>>> model.input_names, model.output_names
(['title', 'body'], ['priority'])
>>> out = model.predict({"title": np.ones((2, 4)), "body": np.ones((2, 6))}, verbose=0)
>>> out["priority"].shape
(2, 1)
"""
from ..layers.input_layer import Input, InputLayer
from ..layers.symbolic import SymbolicTensor, graph_nodes
from ..serialization import serialize, deserialize
from .model import Model


class Functional(Model):
    """Runs the graph of layer calls between ``inputs`` and ``outputs`` (skip connections,
    several inputs or outputs, shared layers)."""

    def __init__(self, inputs, outputs, name=None, trainable=True):
        super().__init__(name=name, trainable=trainable)
        self._inputs, self.input_names, self._input_struct = _flatten_io(inputs, "inputs", self.name)
        self._outputs, names, self._output_struct = _flatten_io(outputs, "outputs", self.name)
        self.output_names = names if self._output_struct == "dict" else _unique(
            [o.layer.name if o.layer is not None else o.name for o in self._outputs])
        self._multi_out = self._output_struct != "single"
        for i, t in enumerate(self._inputs):
            if t.layer is not None:
                raise ValueError(f"Model {self.name!r}: input {i} is the output of {t.layer.describe()}, "
                                 "not an axon.Input; pass the Input tensors as inputs")
        everything = graph_nodes(self._outputs)
        self._nodes = [n for n in everything if n.layer is not None]
        if any(n.layer is None and all(n is not i for i in self._inputs) for n in everything):
            raise ValueError(f"Model {self.name!r}: the outputs depend on an Input that is not among "
                             "the model's inputs")
        for layer in [i.input_layer for i in self._inputs if i.input_layer is not None] + \
                [n.layer for n in self._nodes]:
            if layer not in self._layers:
                self._layers.append(layer)
        self._build_shapes = [(tuple(i.probe.shape), str(i.dtype)) for i in self._inputs]
        self.built = True
        shapes = [o.shape for o in self._outputs]
        self.output_shape = shapes if self._multi_out else shapes[0]

    # ----- the graph, as Keras shows it
    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def input(self):
        return self._structure(self._input_struct, self._inputs, self.input_names)

    @property
    def output(self):
        return self._structure(self._output_struct, self._outputs, self.output_names)

    @staticmethod
    def _structure(kind, tensors, names):
        if kind == "single":
            return tensors[0]
        return dict(zip(names, tensors)) if kind == "dict" else list(tensors)

    def flatten_inputs(self, x):
        """``x`` as a list in the order of ``inputs`` (a dict is matched by input name)."""
        if isinstance(x, dict):
            return _by_name(x, self.input_names, f"Model {self.name!r}", "x", "inputs")
        if len(self._inputs) > 1 and isinstance(x, (list, tuple)):
            return list(x)
        return [x]

    def flatten_outputs(self, y):
        """``y`` (targets or predictions) as a list in the order of ``outputs``."""
        if isinstance(y, dict):
            return _by_name(y, self.output_names, f"Model {self.name!r}", "y", "outputs")
        return list(y) if isinstance(y, (list, tuple)) and self._multi_out else [y]

    # ----- running it
    def call(self, *xs, training=None):
        xs = self.flatten_inputs(xs[0]) if len(xs) == 1 else list(xs)
        if len(xs) != len(self._inputs):
            raise ValueError(f"Model {self.name!r}: expected {len(self._inputs)} inputs "
                             f"({', '.join(self.input_names)}), got {len(xs)}")
        values = {id(i): x for i, x in zip(self._inputs, xs)}
        done = {}
        for node in self._nodes:
            key = (id(node.layer), id(node.args))
            if key not in done:
                args = _substitute(node.args, values)
                kwargs = {k: _substitute(v, values) for k, v in node.kwargs.items() if k != "training"}
                # a training= given when the graph was built wins (Keras's base(inputs, training=False)
                # keeps a reused base in inference mode while the model around it trains)
                fixed = node.kwargs.get("training")
                done[key] = node.layer(*args, training=training if fixed is None else fixed, **kwargs)
            out = done[key]
            values[id(node)] = out if node.index is None else out[node.index]
        return self._structure(self._output_struct, [values[id(o)] for o in self._outputs], self.output_names)

    # ----- saving
    def get_config(self):
        nodes = graph_nodes(self._outputs)
        ids = {id(n): i for i, n in enumerate(nodes)}
        layers = [l for l in self._layers if not isinstance(l, InputLayer)]
        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": [serialize(l) for l in layers],
            "nodes": [{"input": [list(n.shape[1:]), str(n.dtype), n.name]} if n.layer is None else
                      {"layer": layers.index(n.layer), "args": _refs(n.args, ids),
                       "kwargs": {k: _refs(v, ids) for k, v in n.kwargs.items()
                                  if k != "mask" and (k != "training" or isinstance(v, bool))},
                       "index": n.index} for n in nodes],
            "inputs": [ids[id(i)] for i in self._inputs],
            "outputs": [ids[id(o)] for o in self._outputs],
            "input_names": self.input_names if self._input_struct == "dict" else None,
            "output_structure": self._output_struct,
            "output_names": self.output_names,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        layers = [deserialize(c, custom_objects) for c in config["layers"]]
        nodes, calls = [], {}
        for spec in config["nodes"]:
            if "input" in spec:
                shape, dtype, name = spec["input"]
                nodes.append(Input(tuple(shape), dtype=dtype, name=name))
                continue
            args = _unrefs(spec["args"], nodes)
            key = (spec["layer"], repr(spec["args"]))
            if key not in calls:
                kwargs = {k: _unrefs(v, nodes) for k, v in spec["kwargs"].items()}
                calls[key] = layers[spec["layer"]](*args, **kwargs)
            out = calls[key]
            nodes.append(out if spec["index"] is None else out[spec["index"]])
        inputs = [nodes[i] for i in config["inputs"]]
        outputs = [nodes[i] for i in config["outputs"]]
        kind = config.get("output_structure", "list" if config.get("multi_output") else "single")
        if config.get("input_names"):
            inputs = dict(zip(config["input_names"], inputs))
        outputs = cls._structure(kind, outputs, config.get("output_names"))
        return cls(inputs if len(inputs) > 1 or isinstance(inputs, dict) else inputs[0], outputs,
                   name=config["name"], trainable=config.get("trainable", True))


def _flatten_io(structure, what, model_name):
    """(tensors, names, kind) of a model's ``inputs`` or ``outputs``: one tensor, a list or a dict."""
    if isinstance(structure, dict):
        kind, names, tensors = "dict", list(structure), list(structure.values())
    elif isinstance(structure, (list, tuple)):
        kind, tensors = "list", list(structure)
        names = None
    else:
        kind, tensors, names = "single", [structure], None
    for t in tensors:
        if not isinstance(t, SymbolicTensor):
            raise TypeError(f"Model {model_name!r}: {what} must be symbolic tensors from axon.Input and "
                            f"layer calls (one, a list or a dict), got {type(t).__name__}")
    if not tensors:
        raise ValueError(f"Model {model_name!r}: no {what} given")
    if names is None:
        names = _unique([t.name or (t.layer.name if t.layer is not None else "input") for t in tensors])
    return tensors, names, kind


def _unique(names):
    out = []
    for n in names:
        k, name = 1, n
        while name in out:
            name, k = f"{n}_{k}", k + 1
        out.append(name)
    return out


def _by_name(values, names, owner, arg, what):
    missing = [n for n in names if n not in values]
    if missing:
        raise KeyError(f"{owner}: {arg} has no entry for the {what} {missing} (it holds {sorted(values)}); "
                       f"key {arg} by the model's {what[:-1]} names {names}")
    return [values[n] for n in names]


def _substitute(structure, values):
    if isinstance(structure, (list, tuple)):
        return type(structure)(_substitute(s, values) for s in structure)
    if isinstance(structure, dict):
        return {k: _substitute(v, values) for k, v in structure.items()}
    return values[id(structure)] if isinstance(structure, SymbolicTensor) else structure


def _refs(structure, ids):
    if isinstance(structure, (list, tuple)):
        return [_refs(s, ids) for s in structure]
    return {"node": ids[id(structure)]} if isinstance(structure, SymbolicTensor) else structure


def _unrefs(structure, nodes):
    if isinstance(structure, list):
        return [_unrefs(s, nodes) for s in structure]
    return nodes[structure["node"]] if isinstance(structure, dict) and "node" in structure else structure


__all__ = ["Functional"]
