"""The model zoo: one registry for every family, every vision model builds for both input sizes,
the sequence classes build by name, replace_head, freezing."""
import numpy as np
import pytest

import axon
from axon import zoo
from axon.layers import BatchNormalization, Dense

NAMES = ["mlp", "mnist_cnn", "small_cnn", "lenet5", "alexnet_small", "vgg_small", "resnet_small",
         "densenet_small"]


def test_registry_lists_the_vision_models_and_aliases():
    assert set(NAMES) <= set(zoo.names())
    for alias, name in [("cnn", "small_cnn"), ("lenet", "lenet5"), ("resnet", "resnet_small"),
                        ("mnist-cnn", "mnist_cnn"), ("densenet", "densenet_small"), ("vgg", "vgg_small")]:
        assert zoo.get(alias, num_classes=3).name == name
    with pytest.raises(ValueError, match="known"):
        zoo.get("googlenet")


def test_families_are_the_sub_packages():
    assert zoo.names("vision") == sorted(NAMES)
    assert zoo.names("sequence") == ["char_rnn", "seq2seq", "sequence_tagger", "text_classifier"]
    assert {"bernoulli_rbm", "dbn", "hopfield", "boltzmann_machine"} <= set(zoo.names("energy"))
    assert {"som", "echo_state_network", "perceptron", "neural_turing_machine"} <= set(zoo.names("classic"))
    assert {"vae", "dcgan", "conditional_gan", "dense_autoencoder"} <= set(zoo.names("generative"))
    families = ("vision", "sequence", "energy", "classic", "generative")
    assert set(zoo.names()) == set().union(*(zoo.names(f) for f in families))
    with pytest.raises(ValueError, match="families are classic, energy, generative, sequence, vision"):
        zoo.names("quantum")


def test_get_builds_model_subclasses_by_name():
    ids = np.array([[1, 2, 3, 0]])
    char_rnn = zoo.get("char_rnn", vocab_size=9, embed_dim=4, units=6)
    assert isinstance(char_rnn, zoo.CharRNN) and not char_rnn.built  # builds on its first call
    assert char_rnn(ids).shape == (1, 4, 9)
    seq2seq = zoo.get("seq2seq", src_vocab_size=7, tgt_vocab_size=11, embed_dim=4, units=6, attention=False)
    assert isinstance(seq2seq, zoo.Seq2Seq) and not seq2seq.use_attention
    assert seq2seq(ids, np.array([[2, 5, 6]])).shape == (1, 3, 11)
    assert zoo.get("text_classifier", vocab_size=9, num_classes=3)(ids).shape == (1, 3)


def test_get_refuses_arguments_a_model_does_not_take():
    with pytest.raises(ValueError, match="'small_cnn' does not take vocab_size; its arguments: input_shape"):
        zoo.get("cnn", vocab_size=3)
    with pytest.raises(ValueError, match="'seq2seq' needs src_vocab_size, tgt_vocab_size"):
        zoo.get("seq2seq", input_shape=(28, 28, 1), num_classes=10)


def test_register_your_own_builder(monkeypatch):
    from axon.registry import Registry
    monkeypatch.setattr(zoo.registry, "MODELS", Registry("model"))  # leaves the zoo's own registry alone

    def tiny(input_shape=(4,), num_classes=2):
        return axon.Sequential([Dense(num_classes, input_shape=input_shape)])
    zoo.register("tiny_model", tiny, aliases=("tiny",))
    model = zoo.get("tiny", num_classes=3)
    assert model.built and model.output_shape == (None, 3)  # as Keras: the batch axis is None
    assert zoo.names() == ["tiny_model"] and zoo.family("tiny") is None


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3)])
def test_every_model_runs_a_forward_pass(name, shape):
    axon.manual_seed(0)
    model = zoo.get(name, input_shape=shape, num_classes=7)
    x = np.random.default_rng(0).random((2,) + shape).astype("float32")
    out = model.predict(x)
    assert out.shape == (2, 7)
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-5)
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("name", ["small_cnn", "resnet_small", "densenet_small", "vgg_small"])
def test_width_multiplier_scales_parameters(name):
    narrow = zoo.get(name, width=0.5).count_params()
    assert narrow < 0.5 * zoo.get(name).count_params()


def test_models_train_one_step_and_round_trip_through_save(tmp_path):
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    y = np.array([0, 1, 2, 3])
    for name in ("resnet_small", "densenet_small"):
        model = zoo.get(name, num_classes=4, width=0.25)
        model.compile("adam", "sparse_categorical_crossentropy")
        model.train_on_batch(x, y)
        model.save(tmp_path / f"{name}.axon")
        again = axon.load_model(tmp_path / f"{name}.axon")
        np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["small_cnn", "resnet_small"])
def test_replace_head_reuses_the_base_and_freezes_it(name):
    axon.manual_seed(0)
    base = zoo.get(name, num_classes=5, width=0.25)
    x = np.random.default_rng(0).random((8, 28, 28, 1)).astype("float32")
    base.compile("adam", "sparse_categorical_crossentropy")
    base.train_on_batch(x, np.arange(8) % 5)  # moves the batch-norm statistics away from their start
    new = zoo.replace_head(base, 3, freeze_base=True)
    assert new.predict(x).shape == (8, 3)
    head = new.layers[-1]
    assert isinstance(head, Dense) and all(head is not l for l in base.layers)
    assert [w.name for w in new.trainable_weights] == [w.name for w in head.trainable_weights]
    shared = [l for l in new.layers if l is not head]
    assert all(any(l is b for b in base.layers) for l in shared)
    frozen = {w.name: w.data.copy() for w in new.weights if all(w is not h for h in head.weights)}
    bn = [l for l in shared if isinstance(l, BatchNormalization)]
    assert bn
    new.compile("adam", "sparse_categorical_crossentropy")
    before = head.kernel.data.copy()
    for _ in range(3):
        new.train_on_batch(x * 3 + 1, np.arange(8) % 3)  # other statistics than the pre-training batch
    for w in new.weights:
        if w.name in frozen:
            np.testing.assert_array_equal(w.data, frozen[w.name], err_msg=w.name)
    assert not np.allclose(head.kernel.data, before)


def test_unfreezing_trains_the_base_again():
    base = zoo.get("lenet5", num_classes=4)
    new = zoo.replace_head(base, 2, freeze_base=True)
    assert len(new.trainable_weights) == 2
    zoo.set_trainable(new, True)
    assert len(new.trainable_weights) == len(new.weights)
    new.compile("sgd", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    first = base.layers[0].kernel.data.copy()
    new.train_on_batch(x, np.array([0, 1, 0, 1]))
    assert not np.allclose(base.layers[0].kernel.data, first)


def test_replace_head_needs_a_dense_layer():
    from axon.layers import Conv2D, GlobalAveragePooling2D
    model = axon.Sequential([Conv2D(2, 3, input_shape=(8, 8, 1)), GlobalAveragePooling2D()])
    with pytest.raises(ValueError, match="Dense"):
        zoo.replace_head(model, 3)


@pytest.mark.parametrize("name,cut_type", [("small_cnn", "Flatten"), ("resnet_small", "GlobalAveragePooling2D")])
def test_replace_head_can_cut_at_the_convolutional_features(name, cut_type):
    base = zoo.get(name, num_classes=5, width=0.25)
    cut = next(l.name for l in base.layers if type(l).__name__ == cut_type)
    new = zoo.replace_head(base, 3, freeze_base=True, cut_before=cut)
    kinds = [type(l).__name__ for l in new.layers]
    assert kinds[-2:] == ["Flatten", "Dense"]
    assert all(l.name != cut for l in new.layers)
    assert new.predict(np.zeros((2, 28, 28, 1), "float32")).shape == (2, 3)
    assert len(new.trainable_weights) == 2
    with pytest.raises(ValueError, match="'nope'"):
        zoo.replace_head(base, 3, cut_before="nope")
