"""Drawing a model as a graph of layers with Graphviz: Keras 3's ``plot_model`` and ``model_to_dot``.

One box per layer (its name and class; optionally shapes, dtype, activation, trainable), one edge
per layer output feeding another layer.  A ``Sequential`` model is its chain of layers, a
functional model the graph ``Model(inputs, outputs)`` recorded (``InputLayer`` boxes included),
any other model one box.  Needs ``pydot`` (``pip install pydot``) and, to render, Graphviz's
``dot`` program (``apt-get install graphviz``).

>>> import axon
>>> from axon.layers import Dense
>>> model = axon.Sequential([Dense(4, input_shape=(3,), name="hidden"), Dense(2, name="out")])
>>> [(layer.name, [[src.name for src, _ in call] for call in calls]) for layer, calls in layer_calls(model)]
[('hidden', []), ('out', [['hidden']])]
"""
import html
import os
import shutil

import numpy as np

from ..layers.symbolic import SymbolicTensor, _flat
from ..models.functional_model import Functional
from ..models.model import _shape_text
from ..models.sequential import Sequential

_INSTALL_PYDOT = "pip install pydot (or pip install 'axon[graph]')"


def layer_calls(model):
    """The graph of a ``Sequential`` or functional ``model``, one level deep.

    Returns ``[(layer, calls)]`` in the model's layer order: ``calls`` holds one entry per call of
    the layer in the graph (a shared layer has several), each the list of ``(source layer, output
    index)`` pairs the call takes as inputs, in argument order.  InputLayers and the first layer of
    a ``Sequential`` take none.  Any other model is one layer with no calls."""
    if isinstance(model, Sequential):
        layers = model.layers
        return [(layer, [[(layers[i - 1], 0)]] if i else []) for i, layer in enumerate(layers)]
    if not isinstance(model, Functional):
        return [(model, [])]
    order, calls, seen = list(model.layers), {}, set()
    for node in model._nodes:
        key = (id(node.layer), id(node.args))   # a multi-output call is one call
        if key in seen:
            continue
        seen.add(key)
        parents = [p for p in _flat([node.args, list(node.kwargs.values())]) if isinstance(p, SymbolicTensor)]
        sources = [(p.input_layer if p.layer is None else p.layer, p.index or 0) for p in parents]
        calls.setdefault(id(node.layer), []).append(sources)
        for source, _ in sources:
            if all(source is not layer for layer in order):
                order.insert(0, source)
    return [(layer, calls.get(id(layer), [])) for layer in order]


def _is_graph(layer):
    return isinstance(layer, (Sequential, Functional))


def _exit_of(layer, index):
    """The plain layer inside (possibly nested) models that produces output ``index`` of ``layer``."""
    while _is_graph(layer):
        if isinstance(layer, Sequential):
            layer, index = layer.layers[-1], 0
        else:
            out = layer._outputs[index]
            layer, index = (out.input_layer if out.layer is None else out.layer), out.index or 0
    return layer


def _entry_of(layer, index):
    """The plain layer inside (possibly nested) models that takes input ``index`` of ``layer``."""
    while _is_graph(layer):
        layer = layer.layers[0] if isinstance(layer, Sequential) else layer._inputs[index].input_layer
    return layer


def _input_shape_text(layer):
    try:
        inputs = layer.input
    except AttributeError:   # not called on symbolic tensors: a Sequential's layer, built on a batch
        shapes = [s for s, _ in layer._build_shapes or ()]
        return _shape_text(shapes[0] if len(shapes) == 1 else shapes) if shapes else "?"
    flat = [t for t in _flat([inputs]) if isinstance(t, SymbolicTensor)]
    return ", ".join(str(t.shape) for t in flat) or "?"


def _dtype_text(layer):
    try:
        outputs = [t for t in _flat([layer.output]) if isinstance(t, SymbolicTensor)]
        return ", ".join(np.dtype(t.dtype).name for t in outputs)
    except AttributeError:
        return np.dtype(layer.dtype).name if layer.dtype is not None else "?"


def _activation_name(activation):
    return getattr(activation, "__name__", None) or getattr(activation, "name", None) or type(activation).__name__


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable):
    """An HTML-like Graphviz label: a title row, then an optional activation row and a row of cells."""
    esc = html.escape
    kind = type(layer).__name__
    cells = []
    if show_shapes:
        if kind != "InputLayer":
            cells.append(f"Input shape: <b>{esc(_input_shape_text(layer))}</b>")
        cells.append(f"Output shape: <b>{esc(_shape_text(layer.output_shape))}</b>")
    if show_dtype:
        cells.append(f"Output dtype: <b>{esc(_dtype_text(layer))}</b>")
    row = "".join(f'<td bgcolor="white"><font point-size="14">{c}</font></td>' for c in cells)
    if show_trainable and layer.weights:
        color, text = ("forestgreen", "Trainable") if layer.trainable else ("firebrick", "Non-trainable")
        row += f'<td bgcolor="{color}"><font point-size="14" color="white"><b>{text}</b></font></td>'
    span = max(1, len(cells) + (show_trainable and bool(layer.weights)))
    title = f"<b>{esc(layer.name)}</b> ({kind})" if show_layer_names else f"<b>{kind}</b>"
    rows = [f'<tr><td colspan="{span}" bgcolor="black"><font point-size="16" color="white">{title}'
            "</font></td></tr>"]
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        rows.append(f'<tr><td colspan="{span}" bgcolor="white"><font point-size="14">Activation: '
                    f"<b>{esc(_activation_name(layer.activation))}</b></font></td></tr>")
    if row:
        rows.append(f"<tr>{row}</tr>")
    return '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">' + "".join(rows) + "</table>>"


def _import_pydot():
    try:
        import pydot
    except ImportError:
        raise ImportError(f"plot_model and model_to_dot need pydot: {_INSTALL_PYDOT}") from None
    return pydot


def _check_built(model, what):
    model.weights   # a Sequential with input_shape= builds itself here
    if not (model.built or (model.layers and all(layer.built for layer in model.layers))):
        raise ValueError(f"{what}: {model.describe()} is not built yet, so it has no graph to draw: call it "
                         "on a batch, fit it, or give the first layer input_shape=")


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho"):
    """The model's graph as a ``pydot.Dot`` (a ``pydot.Cluster`` when ``subgraph``); nodes are
    named by the id of their layer and labelled by the layer.  ``expand_nested`` draws nested
    ``Sequential`` and functional models as clusters of their own layers."""
    pydot = _import_pydot()
    _check_built(model, "model_to_dot")
    if subgraph:
        dot = pydot.Cluster(graph_name=model.name, style="dashed", label=model.name, labeljust="l")
    else:
        dot = pydot.Dot(rankdir=rankdir, concentrate=True, dpi=dpi, splines=splines)
        dot.set_node_defaults(shape="record")
    shown = dict(show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                 show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    graph = layer_calls(model)
    for layer, _ in graph:
        if expand_nested and _is_graph(layer):
            dot.add_subgraph(model_to_dot(layer, rankdir=rankdir, expand_nested=True, subgraph=True, **shown))
        else:
            dot.add_node(pydot.Node(str(id(layer)), label=_label(layer, **shown), fontname="Helvetica",
                                    border="0", margin="0"))
    for layer, calls in graph:
        for call in calls:
            for input_index, (source, output_index) in enumerate(call):
                if expand_nested:
                    source, layer_in = _exit_of(source, output_index), _entry_of(layer, input_index)
                else:
                    layer_in = layer
                src, dst = str(id(source)), str(id(layer_in))
                if not dot.get_edge(src, dst):
                    dot.add_edge(pydot.Edge(src, dst, penwidth="2"))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False,
               show_trainable=False, splines="ortho"):
    """Draw the model's graph into ``to_file`` (the format from its extension: png, svg, pdf, ...;
    png without one), as Keras 3 does (layer names are off by default there too).  Returns an
    IPython ``Image`` (``SVG`` for svg) of it where IPython is installed, shown inline in Jupyter;
    else None::

        axon.utils.plot_model(model, to_file="model.png", show_shapes=True, show_layer_names=True)
    """
    _import_pydot()
    if shutil.which("dot") is None:
        raise ImportError("plot_model needs Graphviz's dot program to render: apt-get install graphviz "
                          "(brew install graphviz on macOS; see https://graphviz.org/download/)")
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable,
                       splines=splines)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    try:
        from IPython import display
    except ImportError:
        return None
    if extension == "svg":
        return display.SVG(filename=to_file)
    return display.Image(filename=to_file, format=extension) if extension in ("png", "jpg", "jpeg", "gif") else None
