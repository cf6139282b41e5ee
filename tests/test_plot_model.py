"""plot_model and model_to_dot: the Graphviz source names every layer and edge of Sequential, functional
and nested models as Keras 3 draws them, and the rendered file is a real image."""
import re
import shutil
import sys

import numpy as np
import pytest

pydot = pytest.importorskip("pydot")

import axon
from axon.layers import Concatenate, Dense, Embedding, Flatten
from axon.utils import model_to_dot, plot_model

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed "
                               "(apt-get install graphviz)")


def nodes_of(dot):
    """{node id: label} over the graph and its clusters."""
    out = {}
    for graph in [dot] + dot.get_subgraphs():
        out.update({n.get_name(): n.get("label") for n in graph.get_nodes() if n.get("label")})
    return out


def title(label):
    return re.search(r"<b>(.*?)</b>", label).group(1)


def edges_of(dot):
    names = {k: title(v) for k, v in nodes_of(dot).items()}
    graphs = [dot] + dot.get_subgraphs()
    return sorted((names[e.get_source()], names[e.get_destination()]) for g in graphs for e in g.get_edges())


def mlp():
    return axon.Sequential([Dense(8, activation="relu", input_shape=(4,), name="hidden"),
                            Dense(3, activation="softmax", name="probs")], name="mlp")


def two_inputs():
    a, b = axon.Input((4,), name="a"), axon.Input((3,), name="b")
    shared = Dense(3, name="shared")
    joined = Concatenate(name="cat")([shared(a), Dense(3, name="from_b")(b)])
    return axon.Model([a, b], Dense(1, name="out")(joined), name="two_inputs")


def test_sequential_is_a_chain_of_its_layers():
    dot = model_to_dot(mlp())
    assert sorted(title(l) for l in nodes_of(dot).values()) == ["hidden", "probs"]
    assert edges_of(dot) == [("hidden", "probs")]
    assert "(Dense)" in nodes_of(dot)[next(iter(nodes_of(dot)))]
    source = dot.to_string()
    assert "rankdir=TB" in source and "dpi=200" in source and "hidden" in source and "probs" in source


def test_functional_graph_has_input_layers_and_every_edge():
    dot = model_to_dot(two_inputs(), rankdir="LR", dpi=96)
    assert sorted(title(l) for l in nodes_of(dot).values()) == ["a", "b", "cat", "from_b", "out", "shared"]
    assert edges_of(dot) == [("a", "shared"), ("b", "from_b"), ("cat", "out"), ("from_b", "cat"),
                             ("shared", "cat")]
    assert dot.get("rankdir") == "LR" and dot.get("dpi") == 96


def test_a_shared_layer_is_one_box_with_an_edge_from_each_input():
    x, y = axon.Input((4,), name="x"), axon.Input((4,), name="y")
    shared = Dense(2, name="shared")
    twin = axon.Model([x, y], Concatenate(name="cat")([shared(x), shared(y)]))
    dot = model_to_dot(twin)
    assert sorted(title(l) for l in nodes_of(dot).values()) == ["cat", "shared", "x", "y"]
    assert edges_of(dot) == [("shared", "cat"), ("x", "shared"), ("y", "shared")]


def test_shapes_dtypes_activations_and_trainable_appear_when_asked():
    model = two_inputs()
    model.get_layer("from_b").trainable = False
    labels = {title(l): l for l in nodes_of(model_to_dot(model, show_shapes=True, show_dtype=True,
                                                          show_trainable=True)).values()}
    assert "Output shape: <b>(None, 4)</b>" in labels["a"] and "Input shape" not in labels["a"]
    assert "Input shape: <b>(None, 3), (None, 3)</b>" in labels["cat"]
    assert "Output shape: <b>(None, 6)</b>" in labels["cat"]
    assert "Input shape: <b>(None, 6)</b>" in labels["out"] and "Output shape: <b>(None, 1)</b>" in labels["out"]
    assert "Output dtype: <b>float32</b>" in labels["out"]
    assert "<b>Trainable</b>" in labels["shared"] and "<b>Non-trainable</b>" in labels["from_b"]
    assert "rainable" not in labels["cat"]     # no weights: neither
    plain = {title(l): l for l in nodes_of(model_to_dot(model)).values()}
    assert not any("shape" in l or "dtype" in l for l in plain.values())

    seq = {title(l): l for l in nodes_of(model_to_dot(mlp(), show_shapes=True,
                                                        show_layer_activations=True)).values()}
    assert "Input shape: <b>(None, 4)</b>" in seq["hidden"] and "Output shape: <b>(None, 8)</b>" in seq["hidden"]
    assert "Activation: <b>relu</b>" in seq["hidden"] and "Activation: <b>softmax</b>" in seq["probs"]


def test_integer_inputs_show_their_dtype():
    tokens = axon.Input((5,), dtype="int32", name="tokens")
    model = axon.Model(tokens, Dense(1, name="out")(Flatten(name="flat")(Embedding(10, 2, name="emb")(tokens))))
    labels = {title(l): l for l in nodes_of(model_to_dot(model, show_dtype=True)).values()}
    assert "Output dtype: <b>int32</b>" in labels["tokens"] and "Output dtype: <b>float32</b>" in labels["emb"]


def test_without_layer_names_the_boxes_show_classes():
    labels = list(nodes_of(model_to_dot(mlp(), show_layer_names=False)).values())
    assert [title(l) for l in labels] == ["Dense", "Dense"] and not any("hidden" in l for l in labels)


def test_expand_nested_draws_the_inner_model_as_a_cluster_wired_to_its_layers():
    inner = axon.Sequential([Dense(3, name="i1"), Dense(2, name="i2")], name="inner")
    x = axon.Input((4,), name="x")
    model = axon.Model(x, Dense(1, name="head")(inner(x)))
    flat = model_to_dot(model)
    assert sorted(title(l) for l in nodes_of(flat).values()) == ["head", "inner", "x"]
    assert edges_of(flat) == [("inner", "head"), ("x", "inner")]
    nested = model_to_dot(model, expand_nested=True)
    assert [g.get_name() for g in nested.get_subgraphs()] == ["cluster_inner"]
    assert edges_of(nested) == [("i1", "i2"), ("i2", "head"), ("x", "i1")]


def test_a_subclassed_model_is_one_box():
    class Net(axon.Model):
        def __init__(self):
            super().__init__(name="net")
            self.dense = Dense(2)

        def call(self, x):
            return self.dense(x)

    net = Net()
    net(np.zeros((1, 3), np.float32))
    assert [title(l) for l in nodes_of(model_to_dot(net)).values()] == ["net"]


def test_an_unbuilt_model_is_refused():
    with pytest.raises(ValueError, match="is not built yet.*input_shape="):
        model_to_dot(axon.Sequential([Dense(2)]))


@needs_dot
@pytest.mark.parametrize("name,fmt", [("model.png", "PNG"), ("model", "PNG")])
def test_plot_model_writes_a_png(tmp_path, name, fmt):
    Image = pytest.importorskip("PIL.Image")
    path = tmp_path / name
    plot_model(two_inputs(), to_file=path, show_shapes=True, show_layer_names=True, dpi=72)
    with Image.open(path) as image:
        image.verify()
        assert image.format == fmt and image.size[0] > 100 and image.size[1] > 100


@needs_dot
def test_plot_model_svg_holds_the_layer_names(tmp_path):
    path = tmp_path / "model.svg"
    plot_model(two_inputs(), to_file=path, show_layer_names=True)
    text = path.read_text()
    assert text.lstrip().startswith("<?xml") and all(n in text for n in ("shared", "from_b", "cat", "out"))
    plot_model(two_inputs(), to_file=path)   # Keras 3's default: classes only
    assert "from_b" not in path.read_text() and "Concatenate" in path.read_text()


def test_missing_pydot_or_graphviz_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda program: None)
    with pytest.raises(ImportError, match="apt-get install graphviz"):
        plot_model(mlp(), to_file=tmp_path / "m.png")
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match="pip install pydot"):
        model_to_dot(mlp())
