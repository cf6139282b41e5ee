"""ONNX export (issue 15): every converter, the zoo's vision models, the Lab 1 model and a seq2seq
encoder give onnxruntime outputs equal to Axon's (float32, within 1e-5); the batch axis is dynamic;
``predict(engine="onnxruntime")`` re-exports after the weights change; ``axon predict --engine
onnxruntime`` gives Axon's top-3; a layer without a converter is refused by name."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import axon  # noqa: E402
from axon import layers as L  # noqa: E402
from axon import zoo  # noqa: E402
from axon.export import UnsupportedLayerError, export_onnx, onnxruntime_session  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def jitter(model, seed=0):
    """Move every weight off its initial value (biases, batch-norm statistics included), so that a
    wrong layout or gate order cannot hide behind zeros and ones."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        if "variance" in w.name:
            w.data[...] = rng.uniform(0.5, 1.5, w.shape)
        else:
            w.data[...] += (0.1 * rng.standard_normal(w.shape)).astype(w.data.dtype)
    return model


def assert_onnx_matches(model, *xs, tol=1e-5):
    """Axon's predict and onnxruntime's agree within ``tol`` (relative to the outputs' size)."""
    x = xs[0] if len(xs) == 1 else list(xs)
    ref = model.predict(x, verbose=0)
    got = model.predict(x, engine="onnxruntime")
    refs, gots = (ref, got) if isinstance(ref, list) else ([ref], [got])
    assert len(refs) == len(gots)
    for r, o in zip(refs, gots):
        assert r.shape == o.shape and o.dtype == np.float32
        scale = max(1.0, float(np.abs(r).max()))
        assert np.abs(r - o).max() <= tol * scale, np.abs(r - o).max()
    return ref


def images(n=3, shape=(8, 8, 2), seed=1):
    return np.random.default_rng(seed).random((n,) + shape, dtype=np.float32)


IMAGE_LAYERS = {
    "conv_valid_relu": lambda: L.Conv2D(4, 3, activation="relu"),
    "conv_same_strided": lambda: L.Conv2D(4, 3, strides=2, padding="same"),
    "conv_dilated_tanh": lambda: L.Conv2D(3, 3, dilation_rate=2, activation="tanh", use_bias=False),
    "conv_grouped": lambda: L.Conv2D(4, 1, groups=2, activation="sigmoid"),
    "conv_channels_first": lambda: L.Conv2D(3, 3, padding="same", data_format="channels_first"),
    "depthwise": lambda: L.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
    "conv_transpose_same": lambda: L.Conv2DTranspose(3, 3, strides=2, padding="same", activation="relu"),
    "conv_transpose_valid": lambda: L.Conv2DTranspose(3, 3, strides=2),
    "conv_transpose_output_padding": lambda: L.Conv2DTranspose(3, 3, strides=2, padding="same",
                                                               output_padding=0),
    "max_pool": lambda: L.MaxPooling2D(2),
    "max_pool_same": lambda: L.MaxPooling2D(3, strides=2, padding="same"),
    "avg_pool_same": lambda: L.AveragePooling2D(3, strides=2, padding="same"),
    "global_avg_pool": lambda: L.GlobalAveragePooling2D(),
    "global_max_pool_keepdims": lambda: L.GlobalMaxPooling2D(keepdims=True),
    "batch_norm": lambda: L.BatchNormalization(),
    "dropout": lambda: L.Dropout(0.5),
    "spatial_dropout": lambda: L.SpatialDropout2D(0.3),
    "flatten": lambda: L.Flatten(),
    "zero_padding": lambda: L.ZeroPadding2D(((1, 2), (0, 1))),
    "relu_layer": lambda: L.ReLU(max_value=0.5),
    "leaky_relu_layer": lambda: L.LeakyReLU(0.2),
    "elu_layer": lambda: L.ELU(0.5),
    "softmax_layer": lambda: L.Softmax(),
    "layer_norm": lambda: L.LayerNormalization(),
}


@pytest.mark.parametrize("name", list(IMAGE_LAYERS))
def test_image_layer_matches_onnxruntime(name):
    """Each converter, between two convolutions so that it sees channels-first values as in a CNN,
    and once more at the input (channels-last)."""
    axon.manual_seed(0)
    inner = axon.Sequential([L.Conv2D(2, 1, input_shape=(8, 8, 2)), IMAGE_LAYERS[name](), L.Flatten(), L.Dense(3)])
    alone = axon.Sequential([IMAGE_LAYERS[name]()])
    alone.build((None, 8, 8, 2))
    for model in (jitter(inner), jitter(alone, 1)):
        assert_onnx_matches(model, images())


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "softplus", "elu", "selu", "leaky_relu",
                                        "gelu", "silu", "softmax", "log_softmax", "linear"])
def test_dense_activations_match_onnxruntime(activation):
    axon.manual_seed(0)
    model = jitter(axon.Sequential([L.Dense(5, activation=activation, input_shape=(4,)),
                                    L.BatchNormalization(), L.Dense(3, activation=activation)]))
    assert_onnx_matches(model, images(4, (4,)) * 4 - 2)


def test_merges_and_dense_on_sequences_match_onnxruntime():
    axon.manual_seed(0)
    inp = axon.Input((6, 6, 3))
    a = L.Conv2D(4, 3, padding="same")(inp)
    b = L.Conv2D(4, 1)(inp)
    merged = [L.Add()([a, b]), L.Subtract()([a, b]), L.Multiply()([a, b]), L.Average()([a, b]),
              L.Maximum()([a, b]), L.Minimum()([a, b])]
    x = L.Concatenate()(merged + [L.Conv2D(2, 1)(L.Add()([inp, inp]))])
    y = L.Dense(3)(L.Reshape((36, -1))(x))     # Dense on (N, 36, C)
    model = jitter(axon.Model(inp, [L.Flatten()(y), L.GlobalAveragePooling2D()(x)]))
    assert_onnx_matches(model, images(2, (6, 6, 3)))
    assert [o.name for o in onnxruntime_session(model).get_outputs()] == model.output_names


def test_sequence_noise_and_any_size_image_layers_match_onnxruntime():
    axon.manual_seed(0)
    seq = axon.Sequential([L.GaussianNoise(0.3, input_shape=(5, 4)), L.GaussianDropout(0.3), L.SpatialDropout1D(0.3),
                           L.Dense(6), L.LayerNormalization(), L.BatchNormalization()])
    inp = axon.Input((5, 4))
    pooled = [L.GlobalMaxPooling1D()(inp), L.GlobalAveragePooling1D(keepdims=True)(inp),
              L.GlobalAveragePooling1D(data_format="channels_first")(inp)]
    any_size = axon.Input((None, None, 3))      # 'same' padding of an image size known only at run time
    y = L.MaxPooling2D(3, strides=2, padding="same")(L.Conv2D(4, 3, strides=2, padding="same")(any_size))
    for model, x in ((jitter(seq), images(3, (5, 4))), (axon.Model(inp, pooled), images(3, (5, 4))),
                     (jitter(axon.Model(any_size, L.GlobalAveragePooling2D()(y))), images(2, (9, 7, 3)))):
        assert_onnx_matches(model, x)


TOKENS = np.array([[4, 5, 6, 7, 8, 9, 3],
                   [4, 5, 6, 7, 3, 0, 0],      # padding after (pad_sequences(padding="post"))
                   [0, 0, 0, 4, 5, 3, 9],      # padding before (Keras's default "pre")
                   [4, 0, 6, 0, 0, 7, 3]])     # holes


@pytest.mark.parametrize("cell", [L.LSTM, L.GRU, L.SimpleRNN])
@pytest.mark.parametrize("mask_zero", [False, True])
def test_recurrent_layers_match_onnxruntime(cell, mask_zero):
    """return_sequences and go_backwards both ways, masks after, before and between the tokens."""
    axon.manual_seed(0)
    for return_sequences in (False, True):
        for go_backwards in (False, True):
            model = jitter(axon.Sequential([
                L.Embedding(12, 5, mask_zero=mask_zero, input_shape=(7,)),
                cell(6, return_sequences=return_sequences, go_backwards=go_backwards)]))
            assert_onnx_matches(model, TOKENS)


# Sequential builds on a probe of zeros, all of them padding: GlobalAveragePooling1D's masked mean of it is 0/0
@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")
@pytest.mark.parametrize("cell", [L.LSTM, L.GRU])
def test_bidirectional_stack_and_pooling_match_onnxruntime(cell):
    axon.manual_seed(0)
    for mode in ("concat", "sum", "mul", "ave"):
        model = jitter(axon.Sequential([
            L.Embedding(12, 5, mask_zero=True, input_shape=(7,)),
            L.Bidirectional(cell(6, return_sequences=True), merge_mode=mode),
            L.Bidirectional(cell(4, return_sequences=True)),
            L.GlobalAveragePooling1D(), L.Dense(3, activation="softmax")]))
        assert_onnx_matches(model, TOKENS)


def test_gru_without_reset_after_states_and_initial_state_match_onnxruntime():
    axon.manual_seed(0)
    inp = axon.Input((None,), dtype="int64")
    emb = L.Embedding(12, 5, mask_zero=True)(inp)
    seq, h, c = L.LSTM(6, return_sequences=True, return_state=True)(emb)
    decoded = L.LSTM(6, return_sequences=True)(emb, initial_state=[h, c])
    gru_out, gru_h = L.GRU(4, reset_after=False, return_state=True)(emb)
    both = L.Bidirectional(L.GRU(3, return_state=True))(emb)
    model = jitter(axon.Model(inp, [seq, h, c, decoded, gru_out, gru_h] + list(both)))
    assert_onnx_matches(model, TOKENS)
    assert_onnx_matches(model, TOKENS[:, :5])      # the sequence length is dynamic too


@pytest.mark.parametrize("name", zoo.names("vision"))
def test_every_zoo_vision_model_matches_onnxruntime(name):
    axon.manual_seed(0)
    model = jitter(zoo.get(name))
    ref = assert_onnx_matches(model, images(3, tuple(model._build_shapes[0][0][1:])))
    assert np.allclose(ref.sum(axis=1), 1, atol=1e-5)  # the softmax outputs


def test_lab1_model_after_training_matches_onnxruntime():
    """Lab 1's default network (axon lab classify), its batch-norm statistics moved by training."""
    from axon.labs.classify import ClassifyConfig
    axon.manual_seed(0)
    model = zoo.get(ClassifyConfig().model, input_shape=(28, 28, 1), num_classes=10)
    model.compile("adam", "sparse_categorical_crossentropy")
    x = images(32, (28, 28, 1))
    model.fit(x, np.arange(32) % 10, epochs=1, batch_size=16, verbose=0)
    assert_onnx_matches(model, x[:5])


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_seq2seq_encoder_matches_onnxruntime(cell):
    from axon.zoo.sequence.seq2seq import Seq2Seq
    axon.manual_seed(0)
    s2s = Seq2Seq(12, 15, embed_dim=8, units=16, cell=cell)
    s2s(TOKENS, TOKENS[:, :3])
    jitter(s2s)
    inp = axon.Input((None,), dtype="int64")
    encoder = axon.Model(inp, s2s.encoder(s2s.drop(s2s.src_embed(inp))))
    got = encoder.predict(TOKENS, engine="onnxruntime")
    seq, _, states, _ = s2s.encode(TOKENS, training=False)
    for ours, theirs in zip([seq] + states, got):
        assert np.abs(ours.data - theirs).max() <= 1e-5
    assert_onnx_matches(encoder, TOKENS)


@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")
def test_zoo_text_models_and_transfer_heads_match_onnxruntime():
    """The sequence zoo's classifier and tagger (built on their first batch), and transfer learning's
    models: a Sequential base inside a functional model and a functional base inside a Sequential."""
    from axon.zoo.vision import replace_head
    axon.manual_seed(0)
    for cell in ("gru", "lstm"):
        for model in (zoo.get("text_classifier", vocab_size=12, num_classes=3, cell=cell, bidirectional=True),
                      zoo.get("sequence_tagger", vocab_size=12, num_tags=4, cell=cell)):
            model(TOKENS)
            assert_onnx_matches(jitter(model), TOKENS)
    for base in (zoo.get("lenet5"), zoo.get("resnet_small", width=0.25)):
        assert_onnx_matches(jitter(replace_head(base, 3, freeze_base=True)), images(2, (28, 28, 1)))
    inp = axon.Input((28, 28, 1))
    outer = axon.Model(inp, L.Dense(2)(zoo.get("mlp")(inp)))
    wrapped = axon.Sequential([zoo.get("lenet5"), L.Dense(2)])
    wrapped.build((None, 28, 28, 1))
    for model in (outer, wrapped):
        assert_onnx_matches(jitter(model), images(2, (28, 28, 1)))


def test_export_writes_a_file_with_a_dynamic_batch(tmp_path, capsys):
    axon.manual_seed(0)
    model = zoo.get("mnist_cnn")
    path = tmp_path / "m.onnx"
    model.export(str(path), format="onnx")
    assert "m.onnx" in capsys.readouterr().out
    proto = onnx.load(str(path))
    assert proto.opset_import[0].version >= 17
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    x = images(7, (28, 28, 1))
    for n in (1, 7):
        out = session.run(None, {name: x[:n]})[0]
        assert out.shape == (n, 10) and [o.name for o in session.get_outputs()] == ["output"]
        assert np.abs(out - model.predict(x[:n])).max() <= 1e-5
    assert sorted(os.listdir(tmp_path)) == ["m.onnx"]  # no temporary left beside it


def test_a_layer_without_converter_is_refused_by_name():
    model = axon.Sequential([L.Dense(4, input_shape=(3,)), L.Lambda(lambda t: t * 2, name="doubler")])
    with pytest.raises(UnsupportedLayerError, match=r"'doubler'.*\(Lambda\).*no converter for Lambda"):
        export_onnx(model)
    with pytest.raises(ValueError, match="doubler"):
        model.predict(np.ones((2, 3), np.float32), engine="onnxruntime")

    class Doubling(L.Dense):  # a subclass with its own call() is not mistaken for a Dense
        def call(self, x):
            return super().call(x) * 2
    with pytest.raises(UnsupportedLayerError, match="no converter for Doubling"):
        export_onnx(axon.Sequential([Doubling(2, input_shape=(3,))]))


def test_unsupported_formats_options_and_subclassed_models_are_refused():
    model = axon.Sequential([L.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="format must be 'onnx'.*'tf_saved_model'"):
        model.export("m", format="tf_saved_model")
    with pytest.raises(ValueError, match="engine must be one of axon, onnxruntime"):
        model.predict(np.ones((1, 3)), engine="tensorrt")
    with pytest.raises(UnsupportedLayerError, match="'softsign' has no ONNX recurrent form"):
        export_onnx(axon.Sequential([L.Embedding(5, 2, input_shape=(4,)),
                                     L.LSTM(3, activation="softsign")]))

    class Net(axon.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2)

        def call(self, x):
            return self.d(x)
    net = Net()
    net(np.ones((1, 3), np.float32))
    with pytest.raises(UnsupportedLayerError, match="subclassed model"):
        export_onnx(net)


def test_the_session_is_cached_and_refreshed_when_the_weights_change():
    axon.manual_seed(0)
    model = axon.Sequential([L.Dense(3, input_shape=(4,))])
    x = images(5, (4,))
    first = onnxruntime_session(model)
    assert onnxruntime_session(model) is first                 # repeated predicts do not re-export
    model.compile("sgd", "mse")
    model.fit(x, np.ones((5, 3), np.float32), epochs=2, verbose=0)
    assert onnxruntime_session(model) is not first
    assert_onnx_matches(model, x)                                # trained weights, fresh answers
    model.set_weights([w * 0 for w in model.get_weights()])
    assert np.all(model.predict(x, engine="onnxruntime") == 0)


def test_wrong_input_shapes_and_a_missing_onnxruntime_are_one_clear_error(monkeypatch, tmp_path, capsys):
    from axon.cli import main
    model = axon.Sequential([L.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match=r"must have shape \('N', 3\).*got \(2, 4\)"):
        model.predict(np.ones((2, 4), np.float32), engine="onnxruntime")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r'pip install "axon\[onnx\]"'):
        model.predict(np.ones((2, 3), np.float32), engine="onnxruntime")
    model.save(str(tmp_path / "m.axon"))
    assert main(["predict", str(tmp_path / "m.axon"), "x.png", "--engine", "onnxruntime"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ['axon predict: --engine onnxruntime needs the onnxruntime package: pip install "axon[onnx]"']


def test_import_axon_loads_no_onnx():
    code = "import sys, axon; axon.Sequential; print('onnx' in sys.modules, 'onnxruntime' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_axon_predict_engine_onnxruntime_gives_the_same_top3(tmp_path, capsys):
    Image = pytest.importorskip("PIL.Image")
    from axon.cli import main
    axon.manual_seed(0)
    model = jitter(zoo.get("small_cnn"))
    names = [f"class{i}" for i in range(10)]
    path = zoo.ImageClassifier(model, names, dark_background=True).save(str(tmp_path / "model.axon"))
    rng = np.random.default_rng(0)
    files = []
    for i in range(4):
        files.append(str(tmp_path / f"img{i}.png"))
        Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(files[-1])
    tops = {}
    for engine in ("axon", "onnxruntime"):
        assert main(["predict", path, *files, "--top", "3", "--engine", engine]) == 0
        lines = capsys.readouterr().out.strip().splitlines()
        tops[engine] = [[item.rsplit(" ", 1)[0] for item in line.split(": ", 1)[1].split(", ")] for line in lines]
    assert len(tops["axon"]) == 4 and all(len(t) == 3 for t in tops["axon"])
    assert tops["onnxruntime"] == tops["axon"]
    assert json.loads((tmp_path / "classes.json").read_text())["class_names"] == names
