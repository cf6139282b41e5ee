"""The TensorBoard callback: what it writes is read back with TensorBoard's own readers (the event
accumulator, and the Graphs plugin for the model graph) and compared with what fit logged."""
import os
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboard")
pytest.importorskip("tensorboardX")

import axon
from axon.callbacks import LambdaCallback, LearningRateScheduler, TensorBoard
from axon.layers import Concatenate, Dense
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

EVERYTHING = {"scalars": 0, "histograms": 0, "images": 0, "tensors": 0}


def data(n=48):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    return x, (x[:, 0] + x[:, 1] > 0).astype(np.int64)


def classifier():
    model = axon.Sequential([Dense(8, activation="relu", input_shape=(4,), name="hidden"),
                             Dense(2, name="logits")])
    model.compile(axon.optimizers.SGD(0.1), axon.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def read(log_dir, run):
    acc = EventAccumulator(os.path.join(log_dir, run), size_guidance=EVERYTHING)
    acc.Reload()
    return acc


def scalars(acc, tag):
    return [e.step for e in acc.Scalars(tag)], [e.value for e in acc.Scalars(tag)]


def test_epoch_scalars_are_the_history_under_train_and_validation(tmp_path):
    x, y = data()
    model = classifier()
    halve = LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5 ** epoch)
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[halve, TensorBoard(tmp_path)])
    train, val = read(tmp_path, "train"), read(tmp_path, "validation")
    for name in ("loss", "accuracy", "learning_rate"):
        steps, values = scalars(train, f"epoch_{name}")
        assert steps == [0, 1, 2]
        assert values == pytest.approx(history.history[name], rel=1e-6)   # float32 in the event file
    assert scalars(train, "epoch_learning_rate")[1] == pytest.approx([0.1, 0.05, 0.025])
    for name in ("loss", "accuracy"):
        steps, values = scalars(val, f"epoch_{name}")
        assert steps == [0, 1, 2] and values == pytest.approx(history.history[f"val_{name}"], rel=1e-6)
    assert not any(t.startswith("batch_") for t in train.Tags()["scalars"])   # update_freq="epoch"
    assert not any(t.startswith("val_") or "val_" in t for t in val.Tags()["scalars"])


def test_evaluation_scalars_are_written_at_the_optimizer_iteration(tmp_path):
    x, y = data()
    model = classifier()
    history = model.fit(x, y, epochs=2, batch_size=12, validation_split=0.25, verbose=0,
                        callbacks=[TensorBoard(tmp_path)])
    steps, values = scalars(read(tmp_path, "validation"), "evaluation_loss_vs_iterations")
    assert steps == [3, 6]          # 36 training samples in batches of 12: 3 updates an epoch
    assert values == pytest.approx(history.history["val_loss"], rel=1e-6)


@pytest.mark.parametrize("update_freq,every", [("batch", 1), (3, 3)])
def test_batch_scalars_every_update_freq_batches(tmp_path, update_freq, every):
    x, y = data()
    seen = []
    record = LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(dict(logs)))
    classifier().fit(x, y, epochs=2, batch_size=8, verbose=0,
                     callbacks=[record, TensorBoard(tmp_path, update_freq=update_freq)])
    assert len(seen) == 12
    train = read(tmp_path, "train")
    for name in ("loss", "accuracy"):
        steps, values = scalars(train, f"batch_{name}")
        assert steps == list(range(every, 13, every))   # the global batch number, from 1
        assert values == pytest.approx([seen[s - 1][name] for s in steps], rel=1e-6)


def test_weight_histograms_every_histogram_freq_epochs_and_images(tmp_path):
    x, y = data()
    model = classifier()
    weights = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()))
    model.fit(x, y, epochs=5, batch_size=16, verbose=0,
              callbacks=[record, TensorBoard(tmp_path, histogram_freq=2, write_images=True)])
    train = read(tmp_path, "train")
    names = [w.name for w in model.weights]
    assert names == ["hidden/kernel", "hidden/bias", "logits/kernel", "logits/bias"]
    assert sorted(train.Tags()["histograms"]) == sorted(f"{n}/histogram" for n in names)
    for i, name in enumerate(names):
        events = train.Histograms(f"{name}/histogram")
        assert [e.step for e in events] == [0, 2, 4]
        for e in events:
            w = weights[e.step][i]
            h = e.histogram_value
            assert h.num == w.size and h.min == pytest.approx(w.min()) and h.max == pytest.approx(w.max())
            assert h.sum == pytest.approx(w.sum(), abs=1e-5)
    # images as Keras draws weights: a (4, 8) kernel as a 4 x 8 image, an (8, 2) kernel turned to
    # 2 x 8, a bias as one column (height x width)
    size = {tag: (train.Images(tag)[0].height, train.Images(tag)[0].width) for tag in train.Tags()["images"]}
    assert size == {"hidden/kernel/image": (4, 8), "hidden/bias/image": (8, 1),
                    "logits/kernel/image": (2, 8), "logits/bias/image": (2, 1)}
    assert [e.step for e in train.Images("hidden/kernel/image")] == [0, 2, 4]


def conceptual_graph(log_dir):
    """The graph TensorBoard's Graphs tab draws for the model (tag "keras" of the train run)."""
    from google.protobuf import text_format
    from tensorboard import context
    from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
    from tensorboard.compat.proto.graph_pb2 import GraphDef
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.graph import graphs_plugin
    mux = plugin_event_multiplexer.EventMultiplexer()
    mux.AddRunsFromDirectory(str(log_dir))
    mux.Reload()
    provider = data_provider.MultiplexerDataProvider(mux, str(log_dir))
    plugin = graphs_plugin.GraphsPlugin(base_plugin.TBContext(data_provider=provider, logdir=str(log_dir)))
    body, _ = plugin.graph_impl(context.RequestContext(), "train", "keras", is_conceptual=True, experiment="")
    graph = text_format.Parse(body, GraphDef())
    return {n.name.split("/", 1)[1]: (n.attr["keras_class"].s.decode(), list(n.input)) for n in graph.node}


def test_the_graph_tab_draws_a_functional_model_with_its_edges(tmp_path):
    a, b = axon.Input((4,), name="a"), axon.Input((3,), name="b")
    joined = Concatenate(name="cat")([Dense(2, name="da")(a), b])
    model = axon.Model([a, b], Dense(1, name="out")(joined), name="two_inputs")
    model.compile("sgd", "mse")
    model.fit([np.ones((8, 4), np.float32), np.ones((8, 3), np.float32)], np.ones((8, 1), np.float32),
              epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path)])
    assert conceptual_graph(tmp_path) == {
        "a": ("InputLayer", []), "b": ("InputLayer", []), "da": ("Dense", ["two_inputs/a"]),
        "cat": ("Concatenate", ["two_inputs/da", "two_inputs/b"]), "out": ("Dense", ["two_inputs/cat"])}


def test_the_graph_tab_draws_a_sequential_model_as_a_chain(tmp_path):
    x, y = data()
    model = classifier()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path)])
    assert conceptual_graph(tmp_path) == {"hidden": ("Dense", []), "logits": ("Dense", [f"{model.name}/hidden"])}


def test_write_graph_false_and_no_validation_write_no_validation_run(tmp_path):
    x, y = data()
    classifier().fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path, write_graph=False)])
    assert sorted(os.listdir(tmp_path)) == ["train"]
    assert read(tmp_path, "train").Tags()["tensors"] == []


def test_steps_per_second_is_logged_when_asked(tmp_path):
    x, y = data()
    classifier().fit(x, y, epochs=2, batch_size=16, verbose=0,
                     callbacks=[TensorBoard(tmp_path, write_steps_per_second=True, update_freq=1)])
    train = read(tmp_path, "train")
    assert scalars(train, "epoch_steps_per_second")[0] == [0, 1]
    assert all(v > 0 for v in scalars(train, "epoch_steps_per_second")[1])
    assert scalars(train, "batch_steps_per_second")[0] == list(range(1, 7))


@pytest.mark.parametrize("kwargs,message", [
    (dict(update_freq=0), "update_freq must be 'epoch', 'batch' or a positive integer, got 0"),
    (dict(update_freq="step"), "got 'step'"),
    (dict(histogram_freq=-1), "histogram_freq must be an integer >= 0, got -1"),
    (dict(profile_batch=2), "profiling is not supported"),
    (dict(embeddings_freq=1), "embedding projector is not supported"),
])
def test_bad_arguments_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TensorBoard("logs", **kwargs)


def test_without_tensorboardx_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    x, y = data()
    with pytest.raises(ImportError, match=r"pip install tensorboardX"):
        classifier().fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path)])
