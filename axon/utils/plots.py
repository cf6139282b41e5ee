"""Plots for reports and demos: learning curves, confusion matrices, image grids, filters,
attention maps, arrays with their numbers.

Needs matplotlib (``pip install axon[plots]``); it draws off-screen (Agg)
and every function writes a PNG and returns its path.
"""
import os

import numpy as np


def pyplot():
    """``matplotlib.pyplot`` set to draw off-screen (Agg); a clear ImportError without matplotlib."""
    try:
        import matplotlib
    except ImportError as e:
        raise ImportError("plots need matplotlib: pip install 'axon[plots]'") from e
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, path, dpi=110):
    """Write ``fig`` as a PNG at ``path`` (its folder made when missing), close it; returns the path."""
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    return path


def plot_history(history, path, title=None):
    """Loss and every metric per epoch (training and validation) from a ``History`` or its dict."""
    plt = pyplot()
    logs = getattr(history, "history", history)
    names = [k for k in logs if not k.startswith("val_") and k != "learning_rate"]
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.8), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], "o-", label=f"training {name}")
        if "val_" + name in logs:
            ax.plot(epochs, logs["val_" + name], "s--", label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_confusion_matrix(matrix, class_names, path, title="Confusion matrix"):
    """Counts with row-normalised colours; rows are true classes, columns predicted."""
    plt = pyplot()
    m = np.asarray(matrix)
    frac = m / np.maximum(m.sum(1, keepdims=True), 1)
    n = len(class_names)
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * n, 0.8 + 0.7 * n))
    ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), class_names, rotation=45, ha="right")
    ax.set_yticks(range(n), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if frac[i, j] > 0.5 else "black")
    ax.set_title(title)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_image_grid(images, titles, path, cols=8, title=None, cmap="gray"):
    """Images (N, H, W) or (N, H, W, C) in a grid, each with its caption."""
    plt = pyplot()
    images = np.asarray(images)
    n = len(images)
    rows = max(1, -(-n // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.9 * rows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            img = images[k]
            if img.ndim == 3 and img.shape[-1] == 1:
                img = img[..., 0]
            ax.imshow(img, cmap=cmap if img.ndim == 2 else None)
            ax.set_title(titles[k], fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_filters(kernel, path, title="First-layer filters"):
    """Convolution kernels (kh, kw, in, out) as small images, one per output channel."""
    k = np.asarray(kernel)
    tiles = k.mean(axis=2) if k.shape[2] != 3 else k
    tiles = np.moveaxis(tiles, -1, 0)
    lo = tiles.min(axis=tuple(range(1, tiles.ndim)), keepdims=True)
    hi = tiles.max(axis=tuple(range(1, tiles.ndim)), keepdims=True)
    tiles = (tiles - lo) / np.maximum(hi - lo, 1e-12)
    return plot_image_grid(tiles, [str(i) for i in range(len(tiles))], path, cols=8, title=title,
                           cmap="viridis")


def plot_attention(attention, source_tokens, output_tokens, path, title=None):
    """Attention weights (outputs x sources) as a heat map: source tokens on x, output tokens on y."""
    plt = pyplot()
    a = np.asarray(attention, dtype=float)[:len(output_tokens), :len(source_tokens)]
    fig, ax = plt.subplots(figsize=(2.0 + 0.55 * a.shape[1], 1.8 + 0.45 * a.shape[0]))
    im = ax.imshow(a, cmap="viridis", vmin=0, vmax=max(a.max(), 1e-9), aspect="auto")
    ax.set_xticks(range(a.shape[1]), source_tokens, rotation=60, ha="right")
    ax.set_yticks(range(a.shape[0]), output_tokens)
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title, fontsize=9)
    return save_figure(fig, path)


def plot_arrays(arrays, titles, path, cols=None, title=None, dpi=110):
    """2-D arrays side by side (``cols`` per row, default all in one row), each with its title.

    Arrays with negative values (filters, edge maps) are drawn in blue (negative)
    to red (positive) around a white zero; the others in grey levels.  Arrays of
    at most 8x8 cells show their numbers, so a kernel or a small worked example
    can be read off the figure.
    """
    plt = pyplot()
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    cols = cols or len(arrays)
    rows = -(-len(arrays) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.7 * cols, 3.0 * rows), squeeze=False, layout="constrained")
    for ax in axes.flat[len(arrays):]:
        ax.axis("off")
    for ax, a, text in zip(axes.flat, arrays, titles):
        signed = a.min() < 0
        if signed:
            bound = max(abs(a.min()), abs(a.max()))
            ax.imshow(a, cmap="RdBu_r", vmin=-bound, vmax=bound)
        else:
            ax.imshow(a, cmap="gray", vmin=0, vmax=max(a.max(), 1e-12))
        if a.shape[0] <= 8 and a.shape[1] <= 8:
            for (i, j), v in np.ndenumerate(a):
                dark = abs(v) > bound / 2 if signed else v < a.max() / 2
                ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=10,
                        color="white" if dark else "black")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(text, fontsize=9)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path, dpi)
