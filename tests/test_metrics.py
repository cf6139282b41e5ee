"""Metrics against hand-computed values: accuracy kinds chosen from the loss, top-k,
precision/recall/F1, confusion matrices, regression metrics, streaming over batches."""
import numpy as np
import pytest

import axon
from axon import metrics as M

P3 = np.array([[0.1, 0.7, 0.2],
               [0.5, 0.3, 0.2],
               [0.2, 0.3, 0.5],
               [0.3, 0.4, 0.3]])
Y3 = np.array([1, 0, 1, 2])                      # argmax of P3: 1, 0, 2, 1 -> 2 of 4 right


@pytest.mark.parametrize("loss,cls", [
    ("sparse_categorical_crossentropy", M.SparseCategoricalAccuracy),
    ("categorical_crossentropy", M.CategoricalAccuracy),
    ("binary_crossentropy", M.BinaryAccuracy),
    (axon.losses.SparseCategoricalCrossentropy(from_logits=True), M.SparseCategoricalAccuracy),
    (axon.losses.CategoricalCrossentropy(), M.CategoricalAccuracy),
    (axon.losses.BinaryCrossentropy(from_logits=True), M.BinaryAccuracy),
])
def test_accuracy_kind_follows_the_loss(loss, cls):
    m = M.get("accuracy", loss)
    assert type(m) is cls and m.name == "accuracy"
    assert M.get("acc", loss).name == "acc"


def test_accuracy_values():
    assert M.SparseCategoricalAccuracy()(Y3, P3) == 0.5
    assert M.CategoricalAccuracy()(np.eye(3)[Y3], P3) == 0.5
    assert M.SparseCategoricalAccuracy()(Y3[:, None], P3) == 0.5        # (N, 1) labels
    b = M.BinaryAccuracy()
    assert b(np.array([1, 0, 1, 0]), np.array([[0.9], [0.2], [0.4], [0.6]])) == 0.5
    assert M.BinaryAccuracy(threshold=0.3)(np.array([1, 0, 1, 0]), np.array([0.9, 0.2, 0.4, 0.6])) == 0.75
    assert M.Accuracy()(np.array([1, 2, 3]), np.array([1, 2, 0])) == pytest.approx(2 / 3)


def test_accuracy_with_an_unknown_loss_looks_at_shapes():
    mse_acc = M.get("accuracy", "mse")
    assert mse_acc(Y3, P3) == 0.5
    assert M.get("accuracy", "mse")(np.eye(3)[Y3], P3) == 0.5
    assert M.get("accuracy", "mse")(np.array([1, 0]), np.array([[0.8], [0.9]])) == 0.5


def test_streaming_over_batches_weights_by_samples():
    m = M.SparseCategoricalAccuracy()
    m.update_state(Y3[:1], P3[:1])                # 1 of 1
    m.update_state(Y3[1:], P3[1:])                # 1 of 3
    assert m.result() == 0.5
    m.reset_state()
    assert m.result() == 0.0
    mean = M.Mean()
    mean.update_state(2.0, 1)
    mean.update_state(5.0, 3)
    assert mean.result() == pytest.approx(17 / 4)


def test_top_k():
    # ranks of the true class: 1st, 1st, 2nd, 2nd (ties count in favour)
    assert M.SparseTopKCategoricalAccuracy(k=1)(Y3, P3) == 0.5
    assert M.SparseTopKCategoricalAccuracy(k=2)(Y3, P3) == 1.0
    assert M.TopKCategoricalAccuracy(k=1)(np.eye(3)[Y3], P3) == 0.5
    assert M.get("sparse_top_k_categorical_accuracy").k == 5


def test_confusion_matrix():
    t = np.array([0, 0, 1, 1, 2, 2, 2])
    p = np.array([0, 1, 1, 1, 2, 0, 2])
    cm = M.confusion_matrix(t, p)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 2, 0], [1, 0, 2]])
    assert M.confusion_matrix(t, p, num_classes=4).shape == (4, 4)
    stream = M.ConfusionMatrix(3)
    stream.update_state(Y3, P3)
    stream.update_state(np.eye(3)[Y3], P3)        # one-hot targets too
    np.testing.assert_array_equal(stream.result(), 2 * np.array([[1, 0, 0], [0, 1, 1], [0, 1, 0]]))


def test_precision_recall_f1_per_class():
    cm = np.array([[1, 1, 0], [0, 2, 0], [1, 0, 2]])
    prec, rec, f1 = M.precision_recall_f1(cm)
    np.testing.assert_allclose(prec, [1 / 2, 2 / 3, 1.0])
    np.testing.assert_allclose(rec, [1 / 2, 1.0, 2 / 3])
    np.testing.assert_allclose(f1, [1 / 2, 0.8, 0.8])
    p, r, f = M.precision_recall_f1(np.array([[2, 0], [0, 0]]))     # class 1 never seen: 0, not NaN
    assert p[1] == 0 and r[1] == 0 and f[1] == 0


def test_binary_precision_recall_f1():
    y = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    p = np.array([0.9, 0.8, 0.3, 0.6, 0.1, 0.2, 0.7, 0.4])[:, None]
    # predicted positive: 0, 1, 3, 6 -> TP 3, FP 1, FN 1
    assert M.Precision()(y, p) == pytest.approx(3 / 4)
    assert M.Recall()(y, p) == pytest.approx(3 / 4)
    assert M.F1Score()(y, p) == pytest.approx(3 / 4)
    # threshold 0.25 predicts 2 too: TP 4, FP 2
    assert M.Precision(thresholds=0.25)(y, p) == pytest.approx(4 / 6)
    assert M.Recall(thresholds=0.25)(y, p) == pytest.approx(1.0)


def test_precision_recall_count_every_entry_as_keras_does():
    """Keras: each entry of y_pred is a binary prediction (> thresholds), so a softmax output is
    scored entry by entry against one-hot targets; top_k lets only a row's k largest count, and
    class_id keeps one column."""
    onehot = np.eye(3)[Y3]
    predicted, actual = P3 > 0.5, onehot != 0
    tp, fp, fn = (predicted & actual).sum(), (predicted & ~actual).sum(), (~predicted & actual).sum()
    assert M.Precision()(onehot, P3) == pytest.approx(tp / (tp + fp))
    assert M.Recall()(Y3, P3) == pytest.approx(tp / (tp + fn))  # class indices read as one-hot rows
    top1 = P3 == P3.max(1, keepdims=True)
    assert M.Precision(thresholds=0.0, top_k=1)(onehot, P3) == pytest.approx((top1 & actual).sum() / top1.sum())
    col = 1
    assert M.Recall(class_id=col)(onehot, P3) == pytest.approx(
        (predicted[:, col] & actual[:, col]).sum() / actual[:, col].sum())
    with pytest.raises(ValueError, match="a list of thresholds is not supported"):
        M.Precision(thresholds=[0.3, 0.6])


def test_f1_macro_and_micro_averages():
    prec, rec, f1 = M.precision_recall_f1(M.confusion_matrix(Y3, P3.argmax(1), 3))
    assert M.F1Score(average="macro")(Y3, P3) == pytest.approx(f1.mean())
    assert M.F1Score(average="micro")(Y3, P3) == pytest.approx(0.5)     # = accuracy for one label each


def test_regression_metrics():
    y = np.array([[1.0], [2.0], [3.0]])
    p = np.array([[1.5], [2.0], [1.0]])
    assert M.MeanSquaredError()(y, p) == pytest.approx((0.25 + 0 + 4) / 3)
    assert M.MeanAbsoluteError()(y, p) == pytest.approx((0.5 + 0 + 2) / 3)
    assert M.get("mae")(y[:, 0], p) == pytest.approx(2.5 / 3)        # (N,) targets against (N, 1)


def test_metric_from_a_function_and_unknown_names():
    def half_error(y, p):
        return np.abs(y - p) / 2

    m = M.get(half_error)
    assert m.name == "half_error" and m(np.array([1.0, 3.0]), np.array([2.0, 2.0])) == 0.5
    with pytest.raises(ValueError, match=r"unknown metric 'acuracy'"):
        M.get("acuracy")


def test_metrics_during_fit_match_recomputation():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (40, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    model = axon.Sequential([axon.layers.Dense(2, input_shape=(4,), activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy", "f1"])
    logs = model.evaluate(x, y, return_dict=True, batch_size=7)
    p = model.predict(x)
    assert logs["accuracy"] == pytest.approx(np.mean(p.argmax(1) == y))
    f1 = M.precision_recall_f1(M.confusion_matrix(y, p.argmax(1), 2))[2]
    assert logs["f1"] == pytest.approx(f1.mean())
