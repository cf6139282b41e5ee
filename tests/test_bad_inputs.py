"""A catalogue of ordinary mistakes made with layers and models, and the answer each one gets.

Each case is one mistake a user makes (a wrong constructor argument, a first call on the wrong
shape or dtype, a compile or fit argument out of range, a misused callback).  The answer must be an
error raised at the boundary (constructor, build, compile, fit, predict) whose message names the
thing, the expected and the actual value and, where one exists, what to do; never an error from
deep inside NumPy, never silent acceptance.  Each case lists regular expressions that must all be
found in the message.
"""
import re
import warnings

import numpy as np
import pytest

import axon as keras
from axon import callbacks, layers as L, optimizers, regularizers

X = np.random.default_rng(0).random((8, 4)).astype("float32")
Y = np.arange(8) % 10


def model(units=10, width=4):
    return keras.Sequential([L.Input((width,)), L.Dense(units, activation="softmax")])


def compiled(loss="sparse_categorical_crossentropy", **kwargs):
    m = model()
    m.compile(optimizer=kwargs.pop("optimizer", "adam"), loss=loss, **kwargs)
    return m


def build(*layer_list, shape=(4,)):
    return keras.Sequential([L.Input(shape), *layer_list])


def embed(ids):
    return keras.Sequential([L.Embedding(10, 4)])(np.array(ids))


def fit(**kwargs):
    x, y = kwargs.pop("x", X), kwargs.pop("y", Y)
    return compiled(**kwargs.pop("compile", {})).fit(x, y, verbose=0, **kwargs)


# (id, the mistake, exception type, patterns the message must all hold)
CASES = [
    # ----- layer construction
    ("input_shape_int", lambda: keras.Sequential([L.Dense(10, input_shape=784)]), TypeError,
     ["Dense", "input_shape must be a tuple", "the int 784", r"input_shape=\(784,\)"]),
    ("dense_units_zero", lambda: L.Dense(0), ValueError,
     ["Dense", "units must be a positive integer", "got 0", r"Dense\(10\)"]),
    ("dense_units_negative", lambda: L.Dense(-3), ValueError, ["Dense", "positive integer", "got -3", "pass"]),
    ("dense_units_float", lambda: L.Dense(2.5), ValueError, ["Dense", "positive integer", "got 2.5", "pass"]),
    ("dense_units_string", lambda: L.Dense("10"), ValueError, ["Dense", "positive integer", "got '10'", "pass"]),
    ("conv_kernel_zero", lambda: L.Conv2D(32, kernel_size=0), ValueError,
     ["Conv2D", "kernel_size", "positive int or a pair", "got 0;", r"kernel_size=\(3, 3\)"]),
    ("conv_filters_zero", lambda: L.Conv2D(0, 3), ValueError,
     ["Conv2D", "filters must be a positive integer", "got 0", r"Conv2D\(32, 3\)"]),
    ("conv_strides_zero", lambda: L.Conv2D(4, 3, strides=0), ValueError,
     ["Conv2D", "strides", "positive int", "got 0;", r"pass e.g. strides=3"]),
    ("conv_padding_typo", lambda: build(L.Conv2D(4, 3, padding="sme"), shape=(5, 5, 1)), ValueError,
     ["Conv2D", "padding must be 'valid', 'same'", "got 'sme'"]),
    ("conv1d_kernel_negative", lambda: L.Conv1D(4, -1), ValueError,
     ["Conv1D", "kernel_size must be a positive int", "got -1", "kernel_size=3"]),
    ("pool_padding_typo", lambda: L.MaxPooling2D(2, padding="full"), ValueError,
     ["MaxPooling2D", "padding must be 'valid' or 'same'", "got 'full'", "pass padding='same'"]),
    ("pool_size_zero", lambda: L.MaxPooling2D(0), ValueError, ["MaxPooling2D", "pool_size", "got 0;",
                                                                r"pool_size=\(3, 3\)"]),
    ("dropout_above_one", lambda: L.Dropout(1.5), ValueError,
     ["Dropout", r"rate must be in \[0, 1\)", "got 1.5", r"Dropout\(0.5\)"]),
    ("dropout_negative", lambda: L.Dropout(-0.1), ValueError, ["Dropout", r"\[0, 1\)", "got -0.1", "pass"]),
    ("dropout_one", lambda: L.Dropout(1.0), ValueError, ["Dropout", r"\[0, 1\)", "got 1.0", "pass"]),
    ("activation_typo", lambda: L.Dense(3, activation="rellu"), ValueError,
     ["activation 'rellu'", "did you mean 'relu'", "Known:"]),
    ("activation_layer_typo", lambda: L.Activation("sigmod"), ValueError,
     ["activation 'sigmod'", "did you mean 'sigmoid'"]),
    ("recurrent_activation_typo", lambda: build(L.LSTM(4, recurrent_activation="sigmoidd"), shape=(3, 2)),
     ValueError, ["activation 'sigmoidd'", "did you mean 'sigmoid'"]),
    ("embedding_input_dim_zero", lambda: L.Embedding(input_dim=0, output_dim=4), ValueError,
     ["Embedding", "input_dim", "positive integers", "input_dim=0", r"Embedding\(input_dim=10000"]),
    ("embedding_output_dim_zero", lambda: L.Embedding(input_dim=10, output_dim=0), ValueError,
     ["Embedding", "output_dim", "output_dim=0", "pass e.g."]),
    ("lstm_units_negative", lambda: L.LSTM(units=-1), ValueError,
     ["LSTM", "units must be a positive integer", "got -1", r"LSTM\(64\)"]),
    ("gru_units_zero", lambda: L.GRU(0), ValueError, ["GRU", "positive integer", "got 0", r"GRU\(64\)"]),
    ("rnn_dropout_above_one", lambda: L.SimpleRNN(4, dropout=2.0), ValueError,
     ["SimpleRNN", r"dropout must be in \[0, 1\)", "got 2.0", "dropout=0.2"]),
    ("batchnorm_momentum", lambda: L.BatchNormalization(momentum=1.5), ValueError,
     ["BatchNormalization", r"momentum must be in \[0, 1\]", "got 1.5", "momentum=0.99"]),
    ("batchnorm_epsilon", lambda: L.BatchNormalization(epsilon=-1e-3), ValueError,
     ["BatchNormalization", "epsilon must be >= 0", "got -0.001", "epsilon=1e-3"]),
    ("batchnorm_axis", lambda: build(L.BatchNormalization(axis=3))(np.zeros((2, 4))), ValueError,
     ["BatchNormalization", "axis=3 is out of range", r"shape \(1, 4\)", "axis=-1"]),
    ("reshape_size", lambda: build(L.Reshape((3,))), ValueError,
     ["Reshape", r"shape \(4,\) \(4 values\)", r"to \(3,\)", "holding 4 values, or -1"]),
    ("initializer_typo", lambda: build(L.Dense(3, kernel_initializer="glorot_unifrm")), ValueError,
     ["initializer 'glorot_unifrm'", "did you mean 'glorot_uniform'"]),
    ("regularizer_typo", lambda: build(L.Dense(3, kernel_regularizer="l3")), ValueError,
     ["regularizer 'l3'", "Known: kl_sparsity, l1, l1_l2, l2"]),
    ("regularizer_negative", lambda: regularizers.L2(-1.0), ValueError,
     ["L2", "l2 must be a number >= 0", "got -1.0", "l2=1e-4"]),
    ("leaky_relu_negative", lambda: L.LeakyReLU(negative_slope=-1), ValueError,
     ["LeakyReLU", "negative_slope must be a number >= 0", "got -1", "negative_slope=0.2"]),
    ("concatenate_shapes", lambda: L.Concatenate()([keras.Input((3, 4)), keras.Input((5, 6))]), ValueError,
     ["Concatenate", "must match except on axis -1", r"\(1, 3, 4\), \(1, 5, 6\)", "reshape or pool"]),
    ("dropout_string", lambda: L.Dropout("0.5"), ValueError, ["Dropout", r"\[0, 1\)", "got '0.5'", "pass"]),
    ("embedding_input_dim_float", lambda: L.Embedding(10.5, 3), ValueError,
     ["Embedding", "positive integers", "input_dim=10.5", "pass e.g."]),
    ("layernorm_epsilon", lambda: L.LayerNormalization(epsilon=-1), ValueError,
     ["LayerNormalization", "epsilon must be >= 0", "got -1", "epsilon=1e-3"]),
    ("lambda_not_callable", lambda: L.Lambda(3), TypeError,
     ["Lambda", "function must be callable", r"got 3 \(int\)", r"Lambda\(lambda x"]),
    ("sequential_given_a_string", lambda: keras.Sequential([L.Dense(3), "relu"]), TypeError,
     ["Sequential.add", "expected a Layer", "got str"]),
    ("bidirectional_of_dense", lambda: L.Bidirectional(L.Dense(3)), ValueError,
     ["Bidirectional", "expected a recurrent layer", "got Dense"]),
    ("conv_kernel_three_sizes", lambda: L.Conv2D(32, (3, 3, 3)), ValueError,
     ["Conv2D", "kernel_size", "a pair of positive ints", r"got \(3, 3, 3\)"]),
    ("conv_data_format_typo", lambda: L.Conv2D(3, 3, data_format="channel_last"), ValueError,
     ["Conv2D", "data_format must be 'channels_last' or 'channels_first'", "got 'channel_last'"]),
    # ----- the first call
    ("input_rank", lambda: model()(np.zeros((2, 3, 4), "float32")), ValueError,
     ["Sequential", r"expected input of shape \(None, 4\)", r"got shape \(2, 3, 4\)", "reshape the data"]),
    ("input_width", lambda: model().predict(np.zeros((2, 5), "float32"), verbose=0), ValueError,
     ["Sequential", r"\(None, 4\)", r"got shape \(2, 5\)", "change the model's Input shape"]),
    ("ragged_list_x", lambda: fit(x=[[1, 2, 3, 4], [1, 2]], y=[0, 1]), ValueError,
     ["Sequential", "x is a ragged list", r"lengths \[2, 4\]", "pad_sequences"]),
    ("string_array_x", lambda: fit(x=np.array([["a"] * 4] * 2), y=np.array([0, 1])), TypeError,
     ["Dense", "expected numbers", "dtype <U1", "TextVectorization", "astype"]),
    ("embedding_float_ids", lambda: embed([[0.5, 1.2]]), ValueError,
     ["Embedding", "expected integer ids", "non-integer floats such as .*0.5", "astype"]),
    ("embedding_string_ids", lambda: keras.Sequential([L.Embedding(10, 4)])(np.array([["a", "b"]])), TypeError,
     ["Embedding", "expected integer ids", "dtype", "StringLookup"]),
    ("embedding_ids_above", lambda: embed([[3, 12]]), ValueError,
     ["Embedding", r"ids must be in \[0, 10\)", r"\[3, 12\]", "make input_dim larger"]),
    ("embedding_ids_negative", lambda: embed([[3, -1]]), ValueError,
     ["Embedding", r"\[0, 10\)", r"\[-1, 3\]", "map the ids into range"]),
    ("conv_input_rank", lambda: keras.Sequential([L.Conv2D(4, 3)])(np.zeros((2, 8, 8), "float32")), ValueError,
     ["Conv2D", "expected 4-D input", r"got shape \(2, 8, 8\)", r"x\[\.\.\., None\]"]),
    ("lstm_input_rank", lambda: keras.Sequential([L.LSTM(4)])(np.zeros((2, 8), "float32")), ValueError,
     ["LSTM", r"expected input \(batch, timesteps, features\)", r"got shape \(2, 8\)", "give each sample a time axis"]),
    ("conv_kernel_larger_than_input",
     lambda: keras.Sequential([L.Conv2D(4, 5)])(np.zeros((2, 3, 3, 1), "float32")), ValueError,
     ["Conv2D", r"kernel \(5, 5\)", r"larger than the input \(3, 3\)", "padding='same'"]),
    ("softmax_axis", lambda: keras.Sequential([L.Softmax(axis=5)])(np.zeros((2, 3), "float32")), ValueError,
     ["Softmax", "axis 5 is out of bounds", r"shape \(2, 3\)", "axis=-1"]),
    ("dense_width_after_build",
     lambda: [d(np.ones((2, w), "float32")) for d in [L.Dense(3)] for w in (5, 6)], ValueError,
     ["Dense", "expected input with size 5 on axis -1", r"got shape \(2, 6\)"]),
    ("dense_single_sample", lambda: L.Dense(3)(np.ones(5, "float32")), ValueError,
     ["Dense", r"expected input \(batch, features\)", r"got shape \(5,\)"]),
    ("pooling_input_rank", lambda: keras.Sequential([L.MaxPooling2D(2)])(np.zeros((2, 8, 8), "float32")),
     ValueError, ["MaxPooling2D", "expected 4-D input", r"\(2, 8, 8\)", "channel axis"]),
    ("add_shapes", lambda: L.Add()([np.zeros((2, 3), "float32"), np.zeros((2, 4), "float32")]), ValueError,
     ["Add", "inputs must have equal shapes", r"\(2, 3\), \(2, 4\)"]),
    # ----- compile and optimizers
    ("optimizer_typo", lambda: compiled(optimizer="adamm"), ValueError,
     ["optimizer 'adamm'", "did you mean 'adam'", "Known:"]),
    ("optimizer_type", lambda: compiled(optimizer=3), ValueError,
     ["optimizer must be a name", "or an Optimizer instance", "got 3", "optimizer='adam'"]),
    ("loss_typo", lambda: compiled(loss="sparse_categorical_crossentropyy"), ValueError,
     ["loss 'sparse_categorical_crossentropyy'", "did you mean 'sparse_categorical_crossentropy'"]),
    ("metric_typo", lambda: compiled(metrics=["acuracy"]), ValueError,
     ["metric 'acuracy'", "did you mean", "Known:"]),
    ("learning_rate_negative", lambda: optimizers.Adam(learning_rate=-0.1), ValueError,
     ["Adam", "learning_rate must be >= 0", "got -0.1", "pass a positive rate"]),
    ("learning_rate_zero", lambda: optimizers.SGD(learning_rate=0), ValueError,
     ["SGD", "learning_rate must be > 0", "got 0", "pass a positive rate"]),
    ("learning_rate_string", lambda: optimizers.SGD(learning_rate="0.1"), ValueError,
     ["SGD", "learning_rate must be a float", "got '0.1'", "learning_rate=0.001"]),
    ("learning_rate_set_negative", lambda: setattr(optimizers.SGD(), "learning_rate", -1.0), ValueError,
     ["SGD", "learning_rate must be >= 0", "got -1.0"]),
    ("sgd_momentum", lambda: optimizers.SGD(momentum=-0.5), ValueError,
     ["SGD", r"momentum must be in \[0, 1\]", "got -0.5", "pass a value in that range"]),
    ("adam_beta_1", lambda: optimizers.Adam(beta_1=1.5), ValueError,
     ["Adam", r"beta_1 must be in \[0, 1\)", "got 1.5"]),
    ("adam_beta_2", lambda: optimizers.Adam(beta_2=-0.1), ValueError, ["Adam", "beta_2", "got -0.1"]),
    ("rmsprop_rho", lambda: optimizers.RMSprop(rho=1.0), ValueError, ["RMSprop", r"rho must be in \[0, 1\)"]),
    ("weight_decay_negative", lambda: optimizers.AdamW(weight_decay=-0.01), ValueError,
     ["AdamW", "weight_decay must be in", "got -0.01"]),
    ("clipnorm_negative", lambda: optimizers.SGD(clipnorm=-1), ValueError,
     ["SGD", "clipnorm must be a number > 0 or None", "got -1", "clipnorm=1.0"]),
    ("clipvalue_zero", lambda: optimizers.Adam(clipvalue=0), ValueError, ["Adam", "clipvalue", "got 0"]),
    ("loss_type", lambda: compiled(loss=3), ValueError, ["loss must be a name", "got 3"]),
    ("fit_compiled_without_loss",
     lambda: [m.compile(optimizer="adam") or m.fit(X, Y, verbose=0) for m in [model()]], ValueError,
     ["Sequential", "compile\\(\\) was given no loss", r"loss='sparse_categorical_crossentropy'"]),
    ("loss_weights_length", lambda: compiled(loss_weights=[1.0, 2.0]), ValueError,
     ["compile", "loss_weights must hold one weight per output", r"\(1\), got 2", "pass a list of 1"]),
    # ----- fit
    ("fit_empty", lambda: fit(x=np.zeros((0, 4), "float32"), y=np.zeros((0,), "int64")), ValueError,
     ["x holds no samples", r"shape \(0, 4\)"]),
    ("fit_lengths", lambda: fit(y=Y[:5]), ValueError, ["x has 8 samples but y has 5", "must match"]),
    ("labels_out_of_range", lambda: fit(y=Y + 10), ValueError,
     ["sparse_categorical_crossentropy", r"labels must lie in \[0, 9\] for 10 outputs", "from 10 to 17",
      "one unit per class"]),
    ("one_hot_width", lambda: fit(y=np.eye(5)[Y % 5], compile={"loss": "categorical_crossentropy"}), ValueError,
     ["categorical_crossentropy", r"shape \(8, 10\)", r"got \(8, 5\)", "to_categorical"]),
    ("regression_target_width", lambda: fit(y=np.zeros((8, 5)), compile={"loss": "mse"}), ValueError,
     ["mean_squared_error", r"y_true has shape \(8, 5\) but y_pred has shape \(8, 10\)", "must match"]),
    ("declared_input_shape_at_predict",
     lambda: keras.Sequential([L.Dense(10, input_shape=(784,))]).predict(np.zeros((1, 20)), verbose=0),
     ValueError, ["Sequential", r"\(None, 784\)", r"got shape \(1, 20\)", "reshape the data"]),
    ("validation_split", lambda: fit(validation_split=1.5), ValueError,
     [r"validation_split must be in \(0, 1\)", "got 1.5"]),
    ("epochs_negative", lambda: fit(epochs=-1), ValueError,
     ["fit", "epochs must be a whole number >= 0", "got -1", "epochs=10"]),
    ("epochs_float", lambda: fit(epochs=2.5), ValueError, ["epochs", "got 2.5"]),
    ("batch_size_zero", lambda: fit(batch_size=0), ValueError, ["batch_size must be a positive integer", "got 0"]),
    ("batch_size_negative", lambda: fit(batch_size=-4), ValueError, ["batch_size", "got -4"]),
    ("fit_before_compile", lambda: model().fit(X, Y, verbose=0), RuntimeError,
     ["Sequential", r"call compile\(optimizer=..., loss=...\) before fit"]),
    ("train_on_batch_before_compile", lambda: model().train_on_batch(X, Y), RuntimeError,
     ["Sequential", r"compile\(.*\) before train_on_batch"]),
    ("fit_without_y", lambda: compiled().fit(X, verbose=0), ValueError,
     ["Sequential", "the compiled loss needs targets", "no y", "pass y="]),
    ("validation_data_without_y", lambda: fit(validation_data=(X,)), ValueError,
     ["fit", r"validation_data must be \(x_val, y_val\)", "a tuple of 1", "pass the targets"]),
    ("class_weight_missing", lambda: fit(class_weight={20: 1.0}), ValueError,
     ["class_weight has no weight for the classes", "give one for every class"]),
    ("sample_weight_length", lambda: fit(sample_weight=np.ones(3)), ValueError,
     ["x has 8 samples but sample_weight has 3"]),
    ("validation_freq_zero", lambda: fit(validation_split=0.25, validation_freq=0), ValueError,
     ["fit", "validation_freq must be a positive whole number", "got 0", "validation_freq=1"]),
    ("class_weight_list", lambda: fit(class_weight=[1.0] * 10), ValueError,
     ["fit", "class_weight must be a dict", "got a list", "class_weight=\\{0: 1.0"]),
    ("steps_per_epoch_zero", lambda: fit(steps_per_epoch=0), ValueError,
     ["steps_per_epoch", "positive integer", "got 0"]),
    ("evaluate_before_compile", lambda: model().evaluate(X, Y), RuntimeError,
     ["Sequential", r"compile\(.*\) before evaluate"]),
    ("train_on_batch_width", lambda: compiled().train_on_batch(np.zeros((2, 5), "float32"), np.zeros(2)),
     ValueError, ["Sequential", r"\(None, 4\)", r"got shape \(2, 5\)"]),
    # ----- predict
    ("predict_empty", lambda: model().predict(np.zeros((0, 4), "float32"), verbose=0), ValueError,
     ["x holds no samples", r"shape \(0, 4\)"]),
    ("predict_strings", lambda: model().predict(np.array([["a"] * 4]), verbose=0), TypeError,
     ["Dense", "expected numbers", "dtype <U1", "astype"]),
    ("predict_batch_size_zero", lambda: model().predict(X, batch_size=0, verbose=0), ValueError,
     ["batch_size must be a positive integer", "got 0"]),
    # ----- weights and layers
    ("set_weights_count", lambda: model().set_weights([np.zeros((4, 10))]), ValueError,
     ["Sequential", "set_weights got 1 arrays, expected 2", "kernel", "get_weights"]),
    ("set_weights_shape", lambda: model().set_weights([np.zeros((5, 10)), np.zeros(10)]), ValueError,
     ["kernel' has shape \\(4, 10\\)", r"got an array of shape \(5, 10\)", "get_weights"]),
    ("layer_set_weights_shape", lambda: model().layers[0].set_weights([np.zeros((4, 9)), np.zeros(10)]),
     ValueError, ["Dense", r"\(4, 10\)", r"\(4, 9\)"]),
    ("get_layer_name", lambda: model().get_layer("dense_99"), ValueError,
     ["no layer named 'dense_99'", "its layers are"]),
    ("get_layer_index", lambda: model().get_layer(index=5), ValueError,
     ["get_layer", "index 5 is out of range", "has 1 layers", "from -1 to 0"]),
    ("get_layer_neither", lambda: model().get_layer(), ValueError,
     ["get_layer", "give a name or an index", "got neither", "its layers are"]),
    # ----- callbacks
    ("reduce_lr_factor", lambda: callbacks.ReduceLROnPlateau(factor=2), ValueError,
     ["ReduceLROnPlateau", r"factor must be in \(0, 1\)", "got 2", "factor=0.1"]),
    ("scheduler_not_a_number", lambda: fit(callbacks=[callbacks.LearningRateScheduler(lambda e: "x")]),
     ValueError, ["LearningRateScheduler", "must return a float >= 0", "epoch 0", "got 'x'", "return a number"]),
    ("scheduler_negative", lambda: fit(callbacks=[callbacks.LearningRateScheduler(lambda e, lr: -1.0)]),
     ValueError, ["LearningRateScheduler", "got -1.0"]),
    ("scheduler_not_callable", lambda: callbacks.LearningRateScheduler("cosine"), TypeError,
     ["LearningRateScheduler", "schedule must be a function", "got 'cosine'", "lambda epoch, lr"]),
    ("reduce_lr_patience", lambda: callbacks.ReduceLROnPlateau(patience=-1), ValueError,
     ["ReduceLROnPlateau", "patience must be a number >= 0", "got -1", "patience=5"]),
    ("reduce_lr_min_lr", lambda: callbacks.ReduceLROnPlateau(min_lr=-1e-3), ValueError,
     ["ReduceLROnPlateau", "min_lr", "got -0.001"]),
    ("callback_not_a_callback", lambda: fit(callbacks=[print]), TypeError,
     ["callbacks must be Callback instances", "builtin_function_or_method", "LambdaCallback"]),
]


def test_catalogue_holds_distinct_mistakes():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 50


@pytest.mark.parametrize("mistake, exc, patterns", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_mistake_gets_a_clear_answer(mistake, exc, patterns):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc) as info:
            mistake()
    message = str(info.value)
    missing = [p for p in patterns if not re.search(p, message)]
    assert not missing, f"message {message!r} lacks {missing}"


# ----- what must work (as in Keras) rather than fail

def test_metrics_as_a_bare_string_is_one_metric():
    history = fit(compile={"metrics": "accuracy"}, epochs=1)
    assert set(history.history) == {"loss", "accuracy"}


def test_one_callback_not_in_a_list_is_used():
    seen = []
    fit(callbacks=callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch)), epochs=2)
    assert seen == [0, 1]


def test_zero_epochs_trains_nothing():
    m = compiled()
    before = m.get_weights()
    m.fit(X, Y, epochs=0, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))


def test_scheduler_may_return_a_numpy_number():
    m = compiled(optimizer=optimizers.SGD(0.1))
    m.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e: np.float32(0.05))])
    assert m.optimizer.learning_rate == pytest.approx(0.05)


@pytest.mark.parametrize("recompile", [True, False])
def test_layer_added_after_fit_is_trained(recompile):
    m = compiled(optimizer="sgd")
    m.fit(X, Y, verbose=0)
    m.add(L.Dense(10, activation="softmax"))
    if recompile:
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    before = m.layers[-1].get_weights()[0].copy()
    m.fit(X, Y, verbose=0)
    assert not np.allclose(before, m.layers[-1].get_weights()[0])


def test_early_stopping_on_a_missing_validation_metric_warns_and_trains_on():
    with pytest.warns(UserWarning, match=r"val_acc.*not available.*Available metrics are: loss.*validation"):
        history = fit(epochs=2, callbacks=[callbacks.EarlyStopping(monitor="val_acc")])
    assert len(history.history["loss"]) == 2


def test_string_inputs_still_reach_a_text_layer():
    vectorize = L.TextVectorization(output_mode="int", output_sequence_length=3)
    vectorize.adapt(np.array(["a b c", "b c d"]))
    m = keras.Sequential([L.Input((1,), dtype="string"), vectorize, L.Embedding(10, 2), L.Flatten(), L.Dense(1)])
    assert m.predict(np.array([["a b"], ["c d"]]), verbose=0).shape == (2, 1)
