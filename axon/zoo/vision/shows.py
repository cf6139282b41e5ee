"""The zoo chart's feed-forward and convolutional networks, each trained on its small task for
``axon zoo show``: the feed-forward net (FF) on XOR, the deep feed-forward net (DFF) and the deep
convolutional network (DCN) on Fashion-MNIST, and the deep residual network (DRN) against the same
depth without its shortcuts.

Each ``show_*(out_dir, quick=False)`` writes its PNGs and page and returns an
``axon.zoo.showcase.Shown``; ``quick`` trains on less data, in seconds.
"""
import os

import numpy as np

from ... import optimizers
from ...layers import Activation, Add, Dense, Input
from ...models import Model, Sequential
from ...utils.plots import plot_filters, plot_history, pyplot, save_figure
from ..showcase import Shown, write_page
from .cnn import mnist_cnn
from .mlp import mlp

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([0, 1, 1, 0], dtype=np.float32)


def fashion_subset(n_train, n_test):
    """The first ``n_train`` Fashion-MNIST training and ``n_test`` test images as float32 (N, 28, 28, 1)
    in [0, 1], with their labels (the offline data; a clear error when it is not installed)."""
    from ...data.datasets import fashion_mnist
    (x, y), (x_test, y_test) = fashion_mnist.load_data(download=False)
    scale = lambda a: (a[..., None] / np.float32(255)).astype(np.float32)
    return (scale(x[:n_train]), y[:n_train].astype(np.int64)), (scale(x_test[:n_test]), y_test[:n_test].astype(np.int64))


def _fit_classifier(model, data, epochs, optimizer="adam"):
    (x, y), (x_test, y_test) = data
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=64, validation_data=(x_test, y_test), verbose=0)
    return history, float(model.evaluate(x_test, y_test, verbose=0)[1])


def show_ff(out_dir, quick=False):
    """A 2-8-1 feed-forward net (tanh hidden layer, sigmoid output) learns XOR by backpropagation;
    draws its decision surface."""
    model = Sequential([Input((2,)), Dense(8, activation="tanh"), Dense(1, activation="sigmoid")], name="ff")
    model.compile(optimizer=optimizers.Adam(0.05), loss="binary_crossentropy")
    history = model.fit(XOR_X, XOR_Y, epochs=300, batch_size=4, verbose=0)
    outputs = model.predict(XOR_X, verbose=0)[:, 0]
    accuracy = float(np.mean((outputs > 0.5) == (XOR_Y > 0.5)))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    grid = np.linspace(-0.25, 1.25, 61, dtype=np.float32)
    gx, gy = np.meshgrid(grid, grid)
    surface = model.predict(np.stack([gx.ravel(), gy.ravel()], 1), verbose=0).reshape(gx.shape)
    ax.contourf(gx, gy, surface, levels=20, cmap="coolwarm", vmin=0, vmax=1)
    ax.scatter(XOR_X[:, 0], XOR_X[:, 1], c=XOR_Y, cmap="coolwarm", edgecolors="k", s=120)
    ax.set_title("XOR learnt by a 2-8-1 network: P(y = 1)")
    shown = Shown("Feed forward (FF)",
                  "A hidden layer of non-linear units between input and output lets a feed-forward network, "
                  "trained by backpropagation, learn functions no single perceptron can, such as XOR.",
                  {"XOR accuracy": accuracy, "final loss": float(history.history["loss"][-1]),
                   "outputs on (00, 01, 10, 11)": " ".join(f"{v:.3f}" for v in outputs)},
                  [f"After 300 full-batch Adam steps the outputs on the four inputs are "
                   f"{', '.join(f'{v:.3f}' for v in outputs)} (targets 0, 1, 1, 0).",
                   "Try a hidden layer of 1 unit: XOR is then out of reach, as for the perceptron."])
    shown.files["figure"] = save_figure(fig, os.path.join(out_dir, "ff.png"))
    write_page(shown, out_dir, "ff")
    return shown


def show_dff(out_dir, quick=False):
    """The deep feed-forward net (the zoo's MLP, 784-256-128-10, ReLU) on Fashion-MNIST."""
    data = fashion_subset(2000 if quick else 20000, 1000 if quick else 10000)
    model = mlp((28, 28, 1), 10)
    history, accuracy = _fit_classifier(model, data, epochs=3 if quick else 5)
    n = len(data[0][0])
    shown = Shown("Deep feed forward (DFF)",
                  "Several hidden layers, each a learnt representation of the one below, trained end to end by "
                  "backpropagation: the multilayer perceptron.",
                  {"training images": n, "test accuracy": accuracy, "parameters": model.count_params()},
                  [f"An MLP 784-256-128-10 (ReLU, softmax) trained on {n:,} Fashion-MNIST images reaches "
                   f"{accuracy:.3f} test accuracy (chance 0.1); the curves show training and test accuracy per epoch."])
    shown.files["figure"] = plot_history(history, os.path.join(out_dir, "dff.png"), title="Deep feed-forward net")
    write_page(shown, out_dir, "dff")
    return shown


def show_dcn(out_dir, quick=False):
    """The deep convolutional network (the lecture's MNIST CNN: two 3x3 convolutions with max pooling, a
    dense layer, softmax) on Fashion-MNIST, with its first-layer filters."""
    data = fashion_subset(1500 if quick else 10000, 1000 if quick else 10000)
    model = mnist_cnn((28, 28, 1), 10)
    history, accuracy = _fit_classifier(model, data, epochs=2 if quick else 3)
    n = len(data[0][0])
    shown = Shown("Deep convolutional network (DCN)",
                  "Convolutions slide small learnt filters over the image, sharing weights across positions, and "
                  "pooling shrinks the maps: features grow from edges to parts, with few parameters.",
                  {"training images": n, "test accuracy": accuracy, "parameters": model.count_params()},
                  [f"The CNN ({model.count_params():,} parameters) trained on {n:,} images reaches {accuracy:.3f} "
                   "test accuracy; its first-layer filters are drawn beside the curves."])
    shown.files["figure"] = plot_history(history, os.path.join(out_dir, "dcn.png"), title="Deep convolutional net")
    shown.files["filters"] = plot_filters(model.layers[0].kernel.data, os.path.join(out_dir, "dcn_filters.png"))
    write_page(shown, out_dir, "dcn")
    return shown


def deep_dense(depth, width=64, residual=False, num_classes=10, input_dim=784):
    """``depth`` blocks of two Dense layers (ReLU between, ReLU after): plain, or each block added to its
    input (a residual block, its last layer zero-initialised so that it starts as the identity)."""
    inputs = Input((input_dim,))
    h = Dense(width, activation="relu")(inputs)
    for _ in range(depth):
        z = Dense(width, activation="relu")(h)
        z = Dense(width, kernel_initializer="zeros" if residual else "glorot_uniform")(z)
        h = Activation("relu")(Add()([h, z]) if residual else z)
    return Model(inputs, Dense(num_classes, activation="softmax")(h), name="residual" if residual else "plain")


def show_drn(out_dir, quick=False):
    """A 34-layer dense net with and without residual shortcuts, same data, same optimizer: the plain one
    does not train, the residual one does."""
    (x, y), (x_test, y_test) = fashion_subset(3000 if quick else 10000, 1000 if quick else 5000)
    data = ((x.reshape(len(x), -1), y), (x_test.reshape(len(x_test), -1), y_test))
    results = {}
    for residual in (False, True):
        model = deep_dense(16, residual=residual)
        results[residual] = _fit_classifier(model, data, epochs=4, optimizer=optimizers.SGD(0.05, momentum=0.9))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for residual, (history, _) in results.items():
        ax.plot(np.arange(1, 5), history.history["loss"], "o-", label="residual" if residual else "plain")
    ax.axhline(np.log(10), color="gray", ls=":", label="chance (ln 10)")
    ax.set_xticks(range(1, 5))
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("34 layers, with and without shortcuts")
    ax.legend()
    plain, residual = results[False][1], results[True][1]
    shown = Shown("Deep residual network (DRN)",
                  "Each block adds its input to its output (a shortcut), so a very deep network starts near the "
                  "identity and its gradients reach the first layers: depth stops hurting training.",
                  {"plain test accuracy": plain, "residual test accuracy": residual,
                   "plain final loss": float(results[False][0].history["loss"][-1]),
                   "residual final loss": float(results[True][0].history["loss"][-1])},
                  [f"The same 34-layer ReLU net (16 blocks of two Dense 64) on {len(x):,} Fashion-MNIST images, SGD "
                   f"with momentum, 4 epochs: without shortcuts it stays at chance ({plain:.3f}); with them it "
                   f"reaches {residual:.3f}.", "The zoo's convolutional ResNet is `axon.zoo.vision.resnet_small`."])
    shown.files["figure"] = save_figure(fig, os.path.join(out_dir, "drn.png"))
    write_page(shown, out_dir, "drn")
    return shown
