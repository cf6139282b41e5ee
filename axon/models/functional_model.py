"""``Functional``: the model that ``Model(inputs, outputs)`` builds from a symbolic graph."""
from ..serialization import serialize, deserialize
from ..layers.symbolic import SymbolicTensor, graph_nodes, Input
from .model import Model


class Functional(Model):
    """Runs the graph of layer calls between ``inputs`` and ``outputs`` (skip connections,
    several inputs or outputs, shared layers)."""

    def __init__(self, inputs, outputs, name=None):
        super().__init__(name=name)
        self._inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self._multi_out = isinstance(outputs, (list, tuple))
        self._outputs = list(outputs) if self._multi_out else [outputs]
        for t in self._inputs + self._outputs:
            if not isinstance(t, SymbolicTensor):
                raise TypeError("Model(inputs, outputs): expected symbolic tensors from axon.Input and "
                                f"layer calls, got {type(t).__name__}")
        self._nodes = [n for n in graph_nodes(self._outputs) if n.layer is not None]
        missing = [n for n in graph_nodes(self._outputs) if n.layer is None
                   and all(n is not i for i in self._inputs)]
        if missing:
            raise ValueError(f"Model {self.name!r}: the outputs depend on an Input that is not among "
                             "the model's inputs")
        for n in self._nodes:
            if n.layer not in self._layers:
                self._layers.append(n.layer)
        self._build_shapes = [(tuple(i.probe.shape), str(i.dtype)) for i in self._inputs]
        self.built = True
        self.output_shape = [tuple(o.probe.shape) for o in self._outputs] if self._multi_out \
            else tuple(self._outputs[0].probe.shape)

    def call(self, *xs, training=None):
        if len(xs) == 1 and isinstance(xs[0], (list, tuple)) and len(self._inputs) > 1:
            xs = tuple(xs[0])
        if len(xs) != len(self._inputs):
            raise ValueError(f"Model {self.name!r}: expected {len(self._inputs)} inputs, got {len(xs)}")
        values = {id(i): x for i, x in zip(self._inputs, xs)}
        done = {}
        for node in self._nodes:
            key = (id(node.layer), id(node.args))
            if key not in done:
                args = _substitute(node.args, values)
                kwargs = {k: _substitute(v, values) for k, v in node.kwargs.items() if k != "training"}
                done[key] = node.layer(*args, training=training, **kwargs)
            out = done[key]
            values[id(node)] = out if node.index is None else out[node.index]
        outs = [values[id(o)] for o in self._outputs]
        return outs if self._multi_out else outs[0]

    def get_config(self):
        nodes = graph_nodes(self._outputs)
        ids = {id(n): i for i, n in enumerate(nodes)}
        layers = list(self._layers)
        return {
            "name": self.name,
            "layers": [serialize(l) for l in layers],
            "nodes": [{"input": [list(n.probe.shape[1:]), str(n.dtype), n.name]} if n.layer is None else
                      {"layer": layers.index(n.layer), "args": _refs(n.args, ids),
                       "kwargs": {k: _refs(v, ids) for k, v in n.kwargs.items() if k not in ("training", "mask")},
                       "index": n.index} for n in nodes],
            "inputs": [ids[id(i)] for i in self._inputs],
            "outputs": [ids[id(o)] for o in self._outputs],
            "multi_output": self._multi_out,
        }

    @classmethod
    def from_config(cls, config):
        layers = [deserialize(c) for c in config["layers"]]
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
        outputs = [nodes[i] for i in config["outputs"]]
        return cls([nodes[i] for i in config["inputs"]], outputs if config["multi_output"] else outputs[0],
                   name=config["name"])


def _substitute(structure, values):
    if isinstance(structure, (list, tuple)):
        return type(structure)(_substitute(s, values) for s in structure)
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
