"""The support vector machine (Cortes & Vapnik, 1995) as the chart draws it: a linear decision function
``w·x + b`` trained to maximise the margin, here by minimising the hinge loss ``max(0, 1 - y f(x))``
plus an L2 penalty on ``w`` by gradient descent.  Only the points on or inside the margin (the support
vectors) shape the solution.  A kernel makes it non-linear; random Fourier features (Rahimi & Recht,
2007) approximate the Gaussian kernel with an explicit feature map, so the same linear SVM on those
features solves problems no hyperplane of the raw inputs can.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = np.concatenate([rng.normal(-2, 1, (50, 2)), rng.normal(2, 1, (50, 2))]).astype("float32")
>>> y = np.repeat([-1, 1], 50)
>>> svm = LinearSVM(seed=0)
>>> svm.compile(optimizer="adam")
>>> _ = svm.fit(x, y, epochs=30, batch_size=20, verbose=0)
>>> float((svm.predict(x) == y).mean()) > 0.95, sorted(set(svm.predict(x).tolist()))
(True, [-1, 1])
"""
import os

import numpy as np

from ... import backend
from ... import metrics as metrics_mod
from ... import ops as F
from ...layers.base import Layer
from ...models.model import Model
from ...regularizers import L2
from ...tensor import Tensor, to_numpy


class RandomFourierFeatures(Layer):
    """Random Fourier features (Rahimi & Recht, 2007), as Keras 2's ``RandomFourierFeatures``:
    inputs (N, D) -> ``sqrt(2 / output_dim) cos(x W / scale + b)`` (N, output_dim), with W drawn from
    the kernel's spectral density and b ~ U(0, 2 pi), fixed after drawing.

    The inner product of two outputs approximates the kernel: ``"gaussian"`` exp(-|x - y|^2 / (2 scale^2))
    (W ~ N(0, 1)), ``"laplacian"`` exp(-|x - y|_1 / scale) (W ~ Cauchy); the error shrinks as
    1 / sqrt(output_dim).  ``scale`` defaults, as in Keras, to sqrt(D / 2) (gaussian) or 1 (laplacian).
    Keras 3 has no such layer (it was ``tf.keras.layers.experimental``); a trainable scale is not
    supported here (``trainable=False`` only).

    >>> x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    >>> rff = RandomFourierFeatures(4000, scale=1.0, seed=0)
    >>> z = rff(x).numpy()
    >>> bool(abs(z[0] @ z[1] - np.exp(-((x[0] - x[1]) ** 2).sum() / 2)) < 0.05)
    True
    """

    KERNELS = ("gaussian", "laplacian")

    def __init__(self, output_dim, kernel_initializer="gaussian", scale=None, trainable=False, seed=None, name=None,
                 **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        if isinstance(output_dim, bool) or not isinstance(output_dim, (int, np.integer)) or output_dim < 1:
            raise ValueError(f"RandomFourierFeatures: output_dim must be a positive whole number (the features), got "
                             f"{output_dim!r}; pass e.g. output_dim=500")
        if kernel_initializer not in self.KERNELS:
            raise ValueError(f"RandomFourierFeatures: kernel_initializer must be 'gaussian' or 'laplacian' (the kernel "
                             f"approximated), got {kernel_initializer!r}")
        if scale is not None and not (np.isscalar(scale) and scale > 0):
            raise ValueError(f"RandomFourierFeatures: scale must be a positive number (the kernel width), "
                             f"got {scale!r}")
        if trainable:
            raise ValueError("RandomFourierFeatures: a trainable scale is not supported; pass trainable=False (the "
                             "default) and choose scale, e.g. by validation")
        self.output_dim, self.kernel_initializer = int(output_dim), kernel_initializer
        self.scale, self.seed = scale, seed

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"{self.describe()}: inputs must be (N, features), got samples of shape "
                             f"{tuple(input_shape)[1:]}; "
                             "flatten them first")
        d = int(input_shape[-1])
        rng = np.random.default_rng(self.seed) if self.seed is not None else backend.rng()
        shape = (d, self.output_dim)
        w = rng.standard_normal(shape) if self.kernel_initializer == "gaussian" else rng.standard_cauchy(shape)
        self.kernel = self.add_weight("kernel", shape, "zeros", trainable=False)
        self.bias = self.add_weight("bias", (self.output_dim,), "zeros", trainable=False)
        self.kernel_scale = self.add_weight("kernel_scale", (1,), "ones", trainable=False)
        self.kernel.data[...] = w
        self.bias.data[...] = rng.uniform(0, 2 * np.pi, self.output_dim)
        default = np.sqrt(d / 2.0) if self.kernel_initializer == "gaussian" else 1.0  # Keras's defaults
        self.kernel_scale.data[...] = self.scale if self.scale is not None else default

    def call(self, x):
        z = F.matmul(x, self.kernel) / self.kernel_scale + self.bias
        return F.cos(z) * np.float32(np.sqrt(2.0 / self.output_dim))

    def kernel_function(self, x, y):
        """The exact kernel matrix (N, M) between inputs x (N, D) and y (M, D) that the features approximate."""
        x, y, s = np.asarray(x, np.float64), np.asarray(y, np.float64), float(self.kernel_scale.data[0])
        if self.kernel_initializer == "gaussian":
            d = (x * x).sum(1)[:, None] - 2 * x @ y.T + (y * y).sum(1)[None, :]
            return np.exp(-np.maximum(d, 0) / (2 * s * s))
        return np.exp(-np.abs(x[:, None, :] - y[None, :, :]).sum(-1) / s)


class LinearSVM(Model):
    """A linear support vector machine ``f(x) = x W + b`` (N, D) -> scores (N, 1) for two classes or
    (N, K) one-vs-rest for K classes, trained through ``compile``/``fit`` on the hinge loss
    (``"hinge"``, or ``"squared_hinge"``) plus ``l2 * |W|^2``.

    ``fit(x, y)`` takes labels in {-1, 1}, {0, 1} or 0..K-1 (``num_classes`` is taken from them when not
    given).  ``decision_function(x)`` gives the scores ((N,) for two classes), ``predict(x)`` the labels
    in the labels' own terms (-1/1 or 0/1 for two classes, class ids for more), as scikit-learn does.
    ``l2`` relates to scikit-learn's ``C`` as ``l2 = 1 / (2 C N)`` for N training samples.
    ``features``: an optional fixed feature layer applied first, e.g. ``RandomFourierFeatures`` for a
    kernel SVM (see ``kernel_svm``).  The model logs its label ``accuracy`` in ``fit``/``evaluate``.
    """

    def __init__(self, num_classes=None, l2=1e-4, features=None, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if num_classes is not None and (isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer))
                                        or num_classes < 2):
            raise ValueError(f"LinearSVM: num_classes must be a whole number >= 2, got {num_classes!r}; or leave it "
                             "None to take it from y")
        if not np.isscalar(l2) or not l2 >= 0:
            raise ValueError(f"LinearSVM: l2 must be a number >= 0 (the penalty on |W|^2), got {l2!r}")
        if features is not None and not isinstance(features, Layer):
            raise ValueError(f"LinearSVM: features must be a layer (e.g. RandomFourierFeatures(500)) or None, got "
                             f"{type(features).__name__}")
        self.num_classes = None if num_classes is None else int(num_classes)
        self.l2, self.features, self.seed = float(l2), features, seed
        self.accuracy = metrics_mod.Mean("accuracy")

    def get_config(self):
        config = super().get_config()
        config["num_classes"] = self.num_classes
        return config

    @property
    def outputs(self):
        return 1 if self.num_classes == 2 else self.num_classes

    def compile(self, optimizer="adam", loss="hinge", metrics=None, **kwargs):
        """``Model.compile`` with the hinge loss as the default."""
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def build(self, input_shape):
        if self.num_classes is None:
            raise ValueError(f"{self.describe()}: the number of classes is unknown; pass num_classes= or call "
                             "fit(x, y) first, which takes it from y")
        d = int(input_shape[-1])
        if self.features is not None:
            if not self.features.built:
                self.features.build(tuple(input_shape))
            d = self.features.output_dim if hasattr(self.features, "output_dim") else d
        if len(input_shape) != 2:
            raise ValueError(f"{self.describe()}: inputs must be (N, features), got samples of shape "
                             f"{tuple(input_shape)[1:]}; "
                             "flatten them first")
        rng = np.random.default_rng(self.seed) if self.seed is not None else backend.rng()
        penalty = L2(self.l2) if self.l2 else None
        self.kernel = self.add_weight("kernel", (d, self.outputs), "zeros", regularizer=penalty)
        self.bias = self.add_weight("bias", (self.outputs,), "zeros")
        self.kernel.data[...] = rng.normal(0, 0.01, self.kernel.shape)
        self.classes = self.add_weight("classes", (2,), "zeros", trainable=False)
        self.classes.data[...] = (-1, 1)

    def call(self, x):
        if self.features is not None:
            x = self.features(x)
        return F.matmul(x, self.kernel) + self.bias

    # ----- labels
    def _signed(self, y):
        """Labels as the ±1 targets of the hinge loss: (N, 1) for two classes, (N, K) one-vs-rest."""
        y = np.asarray(to_numpy(y)).reshape(-1)
        if self.num_classes == 2:
            lo, hi = self.classes.data
            bad = ~np.isin(y, (lo, hi))
            if bad.any():
                raise ValueError(f"{self.describe()}: labels must be {lo:g} or {hi:g} (as in the first fit), got "
                                 f"{np.unique(y[bad])[:5].tolist()}")
            return np.where(y == hi, 1.0, -1.0).astype(np.float32)[:, None]
        if y.min() < 0 or y.max() >= self.num_classes:
            raise ValueError(f"{self.describe()}: class labels must lie in 0..{self.num_classes - 1}, got min "
                             f"{y.min()}, max {y.max()}")
        return (2 * np.eye(self.num_classes, dtype=np.float32)[y.astype(np.int64)] - 1)

    def _labels_of(self, scores):
        if self.num_classes == 2:
            lo, hi = self.classes.data
            out = np.where(scores[:, 0] > 0, hi, lo)
            return out.astype(np.int64) if float(lo).is_integer() and float(hi).is_integer() else out
        return scores.argmax(1)

    # ----- training
    def fit(self, x=None, y=None, **kwargs):
        """``Model.fit``; the first fit takes ``num_classes`` and the two label values from ``y``."""
        if y is not None and not self.built:
            values = np.unique(np.asarray(to_numpy(y)).reshape(-1))
            if self.num_classes is None:
                if len(values) < 2:
                    raise ValueError(f"{self.describe()}.fit: y holds one class only ({values.tolist()}); an SVM needs "
                                     "two or more")
                two = len(values) == 2
                if not two and (values.min() < 0 or not np.all(values == np.round(values))):
                    raise ValueError(f"{self.describe()}.fit: more than two labels must be class ids 0..K-1, got "
                                     f"{values[:5].tolist()}...")
                self.num_classes = 2 if two else int(values.max()) + 1
            x_arr = np.asarray(to_numpy(x))
            self.build_from_shape(x_arr.shape[1:], dtype=np.float32)
            if self.num_classes == 2 and len(values) == 2:
                self.classes.data[...] = values
        return super().fit(x, y, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return super().compute_loss(x, None if y is None else Tensor(self._signed(y)), y_pred, sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        labels = self._labels_of(to_numpy(y_pred))
        self.accuracy.update_state(float(np.mean(labels == np.asarray(to_numpy(y)).reshape(-1))),
                                   sample_weight=len(labels))
        return super().compute_metrics(x, y, y_pred, sample_weight)

    def decision_function(self, x, batch_size=None):
        """Scores (N,) for two classes (positive: the larger label), (N, K) for K classes."""
        scores = Model.predict(self, x, batch_size=batch_size)
        return scores[:, 0] if self.num_classes == 2 else scores

    def predict(self, x, batch_size=None, verbose=0, **kwargs):
        """Labels (N,) in the labels' own terms (see the class)."""
        return self._labels_of(Model.predict(self, x, batch_size=batch_size, verbose=verbose, **kwargs))

    def support_vectors(self, x, y, tol=1e-3):
        """Indices of the samples on or inside the margin (y f(x) <= 1 + tol), two classes only."""
        margins = self._signed(y)[:, 0] * self.decision_function(x)
        return np.flatnonzero(margins <= 1 + tol)


def kernel_svm(num_classes=None, output_dim=500, scale=None, kernel_initializer="gaussian", l2=1e-4, seed=None,
               name=None):
    """A kernel SVM: ``LinearSVM`` on ``RandomFourierFeatures`` (an approximate Gaussian/Laplacian kernel)."""
    return LinearSVM(num_classes=num_classes, l2=l2, seed=seed, name=name,
                     features=RandomFourierFeatures(output_dim, kernel_initializer=kernel_initializer, scale=scale,
                                                    seed=seed))


# ----- show

def _circles(n, seed=0, noise=0.08):
    """Two concentric rings (radius 0.5 and 1): points (n, 2) float32, labels (n,) in {0, 1}."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    r = np.where(label == 1, 0.5, 1.0)
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], 1) + rng.normal(0, noise, (n, 2))
    return x.astype(np.float32), label.astype(np.int64)


def show(out_dir, quick=False):
    """Margin plot of a linear SVM on two blobs; linear vs random-Fourier-feature SVM on two rings."""
    from ...optimizers import Adam
    from ...utils.plots import pyplot, save_figure
    from ..showcase import Shown, write_page

    rng = np.random.default_rng(0)
    n = 100 if quick else 200
    xb = np.concatenate([rng.normal((-1.5, -1.0), 0.7, (n // 2, 2)), rng.normal((1.5, 1.0), 0.7, (n // 2, 2))])
    xb, yb = xb.astype(np.float32), np.repeat([-1, 1], n // 2)
    backend.manual_seed(0)
    lin = LinearSVM(l2=1e-3, seed=0)
    lin.compile(optimizer=Adam(learning_rate=0.01))
    lin.fit(xb, yb, epochs=400, batch_size=len(xb), verbose=0)
    blob_acc = float((lin.predict(xb) == yb).mean())
    sv = lin.support_vectors(xb, yb)
    w = lin.kernel.data[:, 0]
    margin = float(2 / np.linalg.norm(w))

    m = 400 if quick else 1000
    xc, yc = _circles(m, seed=1)
    xt, yt = _circles(1000, seed=2)
    epochs = 30 if quick else 60
    flat = LinearSVM(seed=0)
    flat.compile(optimizer=Adam(learning_rate=0.01))
    flat.fit(xc, yc, epochs=epochs, batch_size=32, verbose=0)
    flat_acc = float((flat.predict(xt) == yt).mean())
    kern = kernel_svm(output_dim=300, scale=0.3, seed=0)
    kern.compile(optimizer=Adam(learning_rate=0.01))
    kern.fit(xc, yc, epochs=epochs, batch_size=32, verbose=0)
    kern_acc = float((kern.predict(xt) == yt).mean())

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    g = np.stack(np.meshgrid(np.linspace(-4, 4, 200), np.linspace(-3.5, 3.5, 200)), -1).reshape(-1, 2)
    f = lin.decision_function(g.astype(np.float32), batch_size=8192).reshape(200, 200)
    a = axes[0]
    a.contourf(g[:, 0].reshape(200, 200), g[:, 1].reshape(200, 200), f, levels=[-100, 0, 100],
               colors=["#c6dbef", "#fcbba1"], alpha=0.7)
    a.contour(g[:, 0].reshape(200, 200), g[:, 1].reshape(200, 200), f, levels=[-1, 0, 1], colors="k",
              linestyles=["--", "-", "--"], linewidths=[1, 2, 1])
    a.scatter(xb[:, 0], xb[:, 1], c=np.where(yb == 1, "C3", "C0"), s=12)
    a.scatter(xb[sv, 0], xb[sv, 1], s=90, facecolors="none", edgecolors="k", label=f"{len(sv)} support vectors")
    a.set_title(f"Linear SVM: margin 2/|w| = {margin:.2f}, accuracy {blob_acc:.2f}")
    a.legend(loc="lower right", fontsize=8)
    a.set_aspect("equal")
    g2 = np.stack(np.meshgrid(np.linspace(-1.4, 1.4, 200), np.linspace(-1.4, 1.4, 200)), -1).reshape(-1, 2)
    for a, model, acc, title in ((axes[1], flat, flat_acc, "Linear SVM"), (axes[2], kern, kern_acc,
                                                                        "SVM on 300 random Fourier features")):
        f = model.decision_function(g2.astype(np.float32), batch_size=8192).reshape(200, 200)
        a.contourf(g2[:, 0].reshape(200, 200), g2[:, 1].reshape(200, 200), f, levels=[-100, 0, 100],
                   colors=["#c6dbef", "#fcbba1"], alpha=0.7)
        a.contour(g2[:, 0].reshape(200, 200), g2[:, 1].reshape(200, 200), f, levels=[0], colors="k")
        a.scatter(xt[:, 0], xt[:, 1], c=np.where(yt == 1, "C3", "C0"), s=4)
        a.set_title(f"{title}: test accuracy {acc:.3f}")
        a.set_aspect("equal")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "svm.png")
    save_figure(fig, path)
    shown = Shown(
        "Support vector machine (SVM)",
        "A maximum-margin hyperplane, found by minimising the hinge loss with an L2 penalty, is fixed by the "
        "support vectors alone; with a kernel (here random Fourier features for the Gaussian kernel) the "
        "same linear machine separates classes no hyperplane of the inputs can.",
        {"blobs training accuracy": blob_acc, "blobs margin 2/‖w‖": margin, "support vectors": len(sv),
         "rings test accuracy, linear SVM": flat_acc, "rings test accuracy, RFF kernel SVM": kern_acc},
        [f"Left: {n} points of two Gaussian blobs; the solid line is f(x) = 0, the dashed lines f(x) = ±1 "
         f"(the margin), circled the {len(sv)} support vectors on or inside it.", "",
         f"Middle and right: two concentric rings ({m} training points).  A linear SVM can only cut them with "
         f"a line ({flat_acc:.3f} test accuracy); the same SVM on 300 random Fourier features of a Gaussian "
         f"kernel (scale 0.3) reaches {kern_acc:.3f}."],
        {"figure": path})
    write_page(shown, out_dir, "svm")
    return shown


__all__ = ["RandomFourierFeatures", "LinearSVM", "kernel_svm", "show"]

from ..registry import register  # noqa: E402

register("linear_svm", LinearSVM, aliases=("svm",))
register("kernel_svm", kernel_svm)
