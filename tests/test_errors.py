"""Clear errors on bad input: each message names the layer or argument, what was expected and
what was given."""
import numpy as np
import pytest

import axon
import axon.ops as F
from axon import Tensor
from axon.layers import BatchNormalization, Dense
from axon.models import NonFiniteLossError
from axon.optimizers import SGD


def regression(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, 4)).astype(np.float32)
    return x, (x.sum(1, keepdims=True) * 3).astype(np.float32)


def test_wrong_input_width_to_a_built_dense_names_layer_and_shapes():
    layer = Dense(3, name="proj")
    layer(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match=r"Dense 'proj'.*size 4 on axis -1.*got shape \(2, 5\)"):
        layer(np.ones((2, 5), np.float32))


def test_wrong_input_width_in_fit_and_predict():
    model = axon.Sequential([Dense(3, input_shape=(4,), name="first"), Dense(1)])
    model.compile("sgd", "mse")
    # not yet built: the declared input_shape is checked against the first batch
    with pytest.raises(ValueError, match=r"Sequential '\w+': expected input of shape \(None, 4\).*got shape \(32, 6\)"):
        model.fit(np.ones((40, 6), np.float32), np.ones((40, 1), np.float32), verbose=0)
    model.fit(np.ones((40, 4), np.float32), np.ones((40, 1), np.float32), verbose=0)
    # built: the model still names the declared and the actual shape
    with pytest.raises(ValueError, match=r"Sequential '\w+': expected input of shape \(None, 4\).*got shape \(2, 6\)"):
        model.predict(np.ones((2, 6), np.float32))


def test_dense_needs_a_batch_axis():
    with pytest.raises(ValueError, match=r"Dense '\w+': expected input \(batch, features\), got shape \(4,\)"):
        Dense(2)(np.ones(4, np.float32))


def test_batch_norm_wrong_rank_is_named():
    bn = BatchNormalization(name="bn0")
    bn(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"BatchNormalization 'bn0': expected input of 2 dimensions.*\(2, 3, 1\)"):
        bn(np.ones((2, 3, 1), np.float32))


def test_sparse_labels_out_of_range():
    logits = Tensor(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\] for 4 outputs, got labels from 0 to 7"):
        F.sparse_categorical_crossentropy(np.array([0, 7, 1]), logits, from_logits=True)
    with pytest.raises(ValueError, match=r"got labels from -1 to 1"):
        F.sparse_categorical_crossentropy(np.array([0, -1, 1]), logits, from_logits=True)


def test_sparse_labels_out_of_range_during_fit():
    model = axon.Sequential([Dense(3, input_shape=(4,))])
    model.compile("adam", axon.losses.SparseCategoricalCrossentropy(from_logits=True))
    with pytest.raises(ValueError, match="does the last layer have one unit per class"):
        model.fit(np.ones((8, 4), np.float32), np.arange(8), verbose=0)


def test_label_format_mistakes():
    p = Tensor(np.full((3, 4), 0.25, np.float32))
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        F.categorical_crossentropy(np.array([0, 1, 2]), p)
    with pytest.raises(ValueError, match="integer class indices, got dtype float64"):
        F.sparse_categorical_crossentropy(np.array([0.5, 1, 2]), p)
    with pytest.raises(ValueError, match=r"one class index per sample, shape \(3,\), got \(3, 4\)"):
        F.sparse_categorical_crossentropy(np.eye(4)[:3], p)
    with pytest.raises(ValueError, match=r"mean_squared_error: y_true has shape \(2,\) but y_pred has shape \(3, 4\)"):
        F.mean_squared_error(np.ones(2), p)
    # a y_true that would widen y_pred by broadcasting ((4, 1) against (1, 4) gives (4, 4)) is refused
    with pytest.raises(ValueError, match=r"binary_crossentropy: y_true has shape \(4, 1\).*\(1, 4\)"):
        F.binary_crossentropy(np.ones((4, 1)), Tensor(np.full((1, 4), 0.5, np.float32)))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_non_finite_loss_from_a_huge_learning_rate():
    x, y = regression()
    model = axon.Sequential([Dense(8, input_shape=(4,)), Dense(1)])
    model.compile(SGD(1e12), "mse")
    with pytest.raises(NonFiniteLossError, match=r"the loss became (nan|inf) at epoch \d+, batch \d+.*TerminateOnNaN"):
        model.fit(x, y, epochs=5, batch_size=4, verbose=0)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_non_finite_loss_from_inf_inputs_names_epoch_and_batch():
    x, y = regression()
    x[9, 2] = np.inf
    model = axon.Sequential([Dense(1, input_shape=(4,))])
    model.compile("sgd", "mse")
    with pytest.raises(NonFiniteLossError, match=r"at epoch 1, batch 2\b"):
        model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    assert issubclass(NonFiniteLossError, FloatingPointError)


@pytest.mark.parametrize("call,pattern", [
    (lambda: axon.optimizers.get("adamx"), r"unknown optimizer 'adamx'; did you mean 'adam'.*Known: .*sgd"),
    (lambda: axon.losses.get("crossentropy"), r"unknown loss 'crossentropy'; .*Known: .*mean_squared_error"),
    (lambda: axon.metrics.get("accuarcy"), r"unknown metric 'accuarcy'; .*or 'accuracy'"),
    (lambda: Dense(2, activation="rellu"), r"unknown activation 'rellu'; did you mean 'relu'"),
    (lambda: axon.initializers.get("glorot"), r"unknown initializer 'glorot'; did you mean .*'glorot_uniform'"),
    (lambda: axon.regularizers.get("l3"), r"unknown regularizer 'l3'; .*Known: kl_sparsity, l1, l1_l2, l2"),
    (lambda: axon.Sequential([Dense(2)]).compile("rmsprop", "hinge_loss"), r"unknown loss 'hinge_loss'"),
    (lambda: axon.set_backend("jax"), r"expected 'numpy' \(the only backend supported.*got 'jax'"),
])
def test_unknown_names(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_unknown_initializer_when_building():
    with pytest.raises(ValueError, match="unknown initializer 'zeross'; did you mean 'zeros'"):
        Dense(2, kernel_initializer="zeross")(np.ones((1, 3), np.float32))


def test_loading_a_truncated_file(tmp_path):
    model = axon.Sequential([Dense(2, input_shape=(3,))])
    model.build_from_shape((3,))
    model.save(tmp_path / "m.axon")
    blob = (tmp_path / "m.axon").read_bytes()
    (tmp_path / "cut.axon").write_bytes(blob[:100])
    with pytest.raises(ValueError, match=r"cut\.axon' is not a readable Axon model file \(truncated or corrupt\?\)"):
        axon.load_model(tmp_path / "cut.axon")


def test_fit_evaluate_without_compile():
    model = axon.Sequential([Dense(1, input_shape=(4,))])
    x, y = regression()
    for method in (model.fit, model.evaluate, model.train_on_batch):
        with pytest.raises(RuntimeError, match=r"call compile\(optimizer=..., loss=...\) before"):
            method(x, y)


def test_compile_without_loss_then_fit_says_what_is_missing():
    """compile() without a loss is legal (a model may train in its own train_step); the default
    step then says at once what is missing."""
    model = axon.Sequential([Dense(1, input_shape=(4,))])
    model.compile("adam")
    x, y = regression()
    for method in (model.fit, model.evaluate, model.train_on_batch):
        with pytest.raises(ValueError, match=r"compile\(\) was given no loss.*loss='sparse_categorical_crossentropy'"):
            method(x, y)
    assert model.predict(x).shape == (32, 1)  # predicting needs no loss


def test_data_mistakes_in_fit():
    x, y = regression()
    model = axon.Sequential([Dense(1, input_shape=(4,))])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="x has 32 samples but y has 31"):
        model.fit(x, y[:31], verbose=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        model.fit(x, y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match=r"validation_split must be in \(0, 1\), got 1.5"):
        model.fit(x, y, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(iter([(x, y)]), verbose=0)
    with pytest.raises(ValueError, match="no input data"):
        model.fit(None, y, verbose=0)


def test_optimizer_without_parameters():
    with pytest.raises(ValueError, match="got no parameters to optimize; is the model built"):
        axon.optimizers.Adam(axon.Sequential([Dense(1)]).parameters())
