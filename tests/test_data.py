"""Preprocessing, splits, k-fold, cross-validation and the DataLoader."""
import numpy as np
import pytest

import axon
from axon.data import (DataLoader, Dataset, KFold, MinMaxScaler, StandardScaler, StratifiedKFold,
                       TensorDataset, cross_validate, normalize, rescale, to_categorical,
                       train_test_split, train_val_test_split)


# ----- preprocessing
def test_rescale_dtype_and_values():
    x = np.array([[0, 255]], np.uint8)
    out = rescale(x, 1 / 255)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0, 1]])
    np.testing.assert_allclose(rescale(x, 2 / 255, offset=-1, dtype="float64"), [[-1, 1]], rtol=1e-12)


def test_standard_scaler_fitted_on_train_only_and_round_trip():
    rng = np.random.default_rng(0)
    train = rng.normal(5, 3, size=(200, 4))
    test = rng.normal(50, 1, size=(30, 4))                  # very different statistics
    s = StandardScaler().fit(train)
    np.testing.assert_allclose(s.mean_, train.mean(0))
    z_train, z_test = s.transform(train), s.transform(test)
    np.testing.assert_allclose(z_train.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(z_train.std(0), 1, rtol=1e-12)
    np.testing.assert_allclose(z_test, (test - train.mean(0)) / train.std(0))   # train stats used
    assert abs(z_test.mean()) > 5
    np.testing.assert_allclose(s.inverse_transform(z_test), test, rtol=1e-12)
    np.testing.assert_allclose(StandardScaler().fit_transform(train), z_train)


def test_scalers_on_images_per_pixel_channel_global():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 255, size=(16, 5, 6, 3)).astype(np.float32)
    per_pixel = StandardScaler().fit(x)
    assert per_pixel.mean_.shape == (5, 6, 3)
    per_channel = StandardScaler(per="channel").fit(x)
    assert per_channel.mean_.shape == (1, 1, 3)
    np.testing.assert_allclose(per_channel.mean_.ravel(), x.mean(axis=(0, 1, 2)), rtol=1e-6)
    z = per_channel.transform(x)
    assert z.dtype == np.float32 and z.shape == x.shape
    np.testing.assert_allclose(z.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(per_channel.inverse_transform(z), x, rtol=1e-5)
    nchw = StandardScaler(per="channel", channel_axis=1).fit(x.transpose(0, 3, 1, 2))
    np.testing.assert_allclose(nchw.mean_.ravel(), per_channel.mean_.ravel(), rtol=1e-6)
    g = MinMaxScaler(per="global").fit(x)
    out = g.transform(x)
    assert out.min() == 0 and out.max() == pytest.approx(1)
    u8 = StandardScaler(per="global").fit_transform(x.astype(np.uint8))
    assert u8.dtype == np.float32


def test_min_max_scaler_range_constant_feature_and_round_trip():
    train = np.array([[0., 1., 7.], [10., 3., 7.]])
    s = MinMaxScaler(feature_range=(-1, 1)).fit(train)
    np.testing.assert_allclose(s.transform(train), [[-1, -1, -1], [1, 1, -1]])
    test = np.array([[5., 5., 9.]])
    np.testing.assert_allclose(s.transform(test), [[0, 3, 3]])   # outside the training range: not clipped
    np.testing.assert_allclose(s.inverse_transform(s.transform(test)), test)


def test_scaler_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="StandardScaler is not fitted: call fit"):
        StandardScaler().transform(np.zeros((2, 3)))
    s = MinMaxScaler().fit(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"fitted on samples of shape \(3,\), got samples of shape \(5,\)"):
        s.transform(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="per must be one of"):
        StandardScaler(per="pixel")
    with pytest.raises(ValueError, match="feature_range"):
        MinMaxScaler(feature_range=(1, 0))


def test_to_categorical_keras_semantics():
    y = to_categorical([2, 0, 1])
    assert y.dtype == np.float32 and y.shape == (3, 3)
    np.testing.assert_array_equal(y.argmax(1), [2, 0, 1])
    col = to_categorical(np.array([[1], [3]]), num_classes=5)
    assert col.shape == (2, 5) and col[1, 3] == 1 and col.sum() == 2
    grid = to_categorical(np.array([[0, 1], [1, 0]]), dtype="int64")
    assert grid.shape == (2, 2, 2) and grid.dtype == np.int64
    np.testing.assert_array_equal(to_categorical([0.0, 2.0], 3), [[1, 0, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\), got values from 0 to 3"):
        to_categorical([0, 3], 2)
    assert axon.utils.to_categorical is to_categorical


def test_normalize_l2_per_sample():
    x = np.array([[3., 4.], [0., 0.], [1., 0.]])
    np.testing.assert_allclose(normalize(x), [[.6, .8], [0, 0], [1, 0]])
    np.testing.assert_allclose(np.linalg.norm(normalize(np.random.default_rng(0).normal(size=(5, 7))),
                                              axis=1), 1)


# ----- splits
def test_train_test_split_disjoint_covering_and_aligned():
    x = np.arange(100) * 10
    y = np.arange(100)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, seed=3)
    assert len(x_te) == 20 and len(x_tr) == 80
    np.testing.assert_array_equal(x_tr, y_tr * 10)              # rows stay aligned across arrays
    assert set(y_tr).isdisjoint(y_te) and set(y_tr) | set(y_te) == set(range(100))
    again = train_test_split(x, y, test_size=0.2, seed=3)
    np.testing.assert_array_equal(again[1], x_te)              # the seed makes it reproducible
    a, b = train_test_split(np.arange(10), test_size=3, shuffle=False)
    np.testing.assert_array_equal(b, [7, 8, 9])


def test_stratified_split_keeps_class_ratios():
    y = np.repeat([0, 1, 2], [500, 300, 200])
    x = np.arange(len(y))
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.3, seed=0, stratify=y)
    np.testing.assert_array_equal(np.bincount(y_te), [150, 90, 60])
    np.testing.assert_array_equal(np.bincount(y_tr), [350, 210, 140])
    np.testing.assert_array_equal(y[x_te], y_te)
    onehot = to_categorical(y)
    *_, y_te2 = train_test_split(x, y, test_size=0.3, seed=0, stratify=onehot)
    np.testing.assert_array_equal(np.bincount(y_te2), [150, 90, 60])
    with pytest.raises(ValueError, match="has only 1 sample"):
        train_test_split(x[:3], test_size=1, stratify=[0, 0, 1])


def test_train_val_test_split_parts():
    y = np.repeat([0, 1], [60, 40])
    x = np.arange(100)
    x_tr, x_va, x_te, y_tr, y_va, y_te = train_val_test_split(x, y, val_size=0.2, test_size=0.1,
                                                              seed=5, stratify=y)
    assert (len(x_tr), len(x_va), len(x_te)) == (70, 20, 10)
    assert len(set(x_tr) | set(x_va) | set(x_te)) == 100
    np.testing.assert_array_equal(np.bincount(y_va), [12, 8])
    np.testing.assert_array_equal(np.bincount(y_te), [6, 4])
    np.testing.assert_array_equal(y[x_va], y_va)
    with pytest.raises(ValueError, match="leaving none to train on"):
        train_val_test_split(x, val_size=0.5, test_size=0.5)


def test_kfold_folds_partition_the_data():
    folds = list(KFold(4, shuffle=True, seed=0).split(np.zeros(10)))
    assert len(folds) == 4
    vals = [v for _, v in folds]
    assert sorted(len(v) for v in vals) == [2, 2, 3, 3]
    assert sorted(np.concatenate(vals).tolist()) == list(range(10))
    for train, val in folds:
        assert set(train).isdisjoint(val) and len(train) + len(val) == 10
    with pytest.raises(ValueError, match="n_splits=11 is more than the 10 samples"):
        list(KFold(11).split(np.zeros(10)))


def test_stratified_kfold_keeps_ratios():
    y = np.repeat([0, 1, 2], [40, 20, 10])
    for train, val in StratifiedKFold(5, shuffle=True, seed=1).split(np.zeros(70), y):
        np.testing.assert_array_equal(np.bincount(y[val], minlength=3), [8, 4, 2])
        assert len(train) == 56
    with pytest.warns(UserWarning, match="fewer than n_splits"):
        list(StratifiedKFold(3).split(np.zeros(5), [0, 0, 0, 0, 1]))


def _separable(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = (rng.normal(size=(n, 2)) + 3 * y[:, None]).astype(np.float32)
    return x, y


def _build():
    model = axon.Sequential([axon.layers.Dense(2)])
    model.compile(optimizer=axon.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_cross_validate_returns_fold_scores():
    axon.manual_seed(0)
    x, y = _separable()
    built = []
    result = cross_validate(lambda: built.append(1) or _build(), x, y, k=3, stratified=True, seed=0,
                            fit_kwargs={"epochs": 15, "batch_size": 16})
    assert len(built) == 3 and len(result["folds"]) == 3
    assert set(result["mean"]) == set(result["folds"][0]) and "accuracy" in result["mean"]
    assert result["mean"]["accuracy"] > 0.85
    assert result["std"]["accuracy"] >= 0


# ----- DataLoader
def test_dataloader_batches_and_drop_last():
    x = np.arange(10)[:, None] * np.ones((1, 3))
    y = np.arange(10)
    loader = DataLoader((x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(b[1]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    np.testing.assert_array_equal(batches[0][0], x[:4])
    dropped = DataLoader((x, y), batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [len(yb) for _, yb in dropped] == [4, 4]
    with pytest.raises(IndexError):
        loader[3]
    with pytest.raises(ValueError, match="make no batch"):
        DataLoader(x[:3], batch_size=4, drop_last=True)
    with pytest.raises(ValueError, match="same number of samples"):
        DataLoader((x, y[:5]))


def test_dataloader_shuffle_reshuffles_each_epoch_and_keeps_pairs():
    x, y = np.arange(50) * 2, np.arange(50)
    loader = DataLoader((x, y), batch_size=8, shuffle=True, seed=0)
    epoch1 = np.concatenate([yb for _, yb in loader])
    epoch2 = np.concatenate([yb for xb, yb in loader])
    assert sorted(epoch1.tolist()) == list(range(50)) and sorted(epoch2.tolist()) == list(range(50))
    assert not np.array_equal(epoch1, epoch2) and not np.array_equal(epoch1, y)
    for xb, yb in loader:
        np.testing.assert_array_equal(xb, yb * 2)
    same = DataLoader((x, y), batch_size=8, shuffle=True, seed=0)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in same]), epoch1)


def test_custom_dataset_is_indexed_with_arrays():
    class Squares(Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, idx):
            assert isinstance(idx, np.ndarray)
            return idx.astype(np.float32)[:, None], idx ** 2

    xb, yb = DataLoader(Squares(), batch_size=3)[2]
    np.testing.assert_array_equal(yb, [36])
    only_x = DataLoader(TensorDataset(np.arange(5)), batch_size=2)
    np.testing.assert_array_equal(only_x[1], [2, 3])


def test_model_fit_accepts_a_dataloader():
    axon.manual_seed(0)
    x, y = _separable(200)
    loader = DataLoader((x, y), batch_size=20, shuffle=True, seed=1)
    model = _build()
    history = model.fit(loader, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 8 and losses[-1] < losses[0]
    assert model.evaluate(DataLoader((x, y), batch_size=50), return_dict=True)["accuracy"] > 0.9
    assert model.predict(DataLoader(x, batch_size=64)).shape == (200, 2)


def test_digits_needs_scikit_learn():
    pytest.importorskip("sklearn")
    (x, y), (xt, yt) = axon.datasets.digits.load_data()
    assert x.shape[1:] == (8, 8) and x.dtype == np.uint8 and x.max() == 16
    assert len(x) + len(xt) == 1797 and set(np.unique(y)) == set(range(10))
