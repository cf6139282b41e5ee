"""The convolution slide: edge filters slid over an image by hand, the same numbers from Axon's
fast op and layer, and 2x2 max pooling.

A 3x3 filter slides over a grayscale image; each output pixel is the sum of
the 3x3 patch under the filter times the filter's weights.  The vertical-edge
filter (1, 0, -1 in every row) answers where the brightness changes from left
to right, its transpose where it changes from top to bottom.  Deep-learning
frameworks, Axon included, compute this cross-correlation (the filter is not
flipped) and call it convolution.  ``axon.ops.conv2d`` and the ``Conv2D``
layer get the same numbers from one matrix product; max pooling keeps the
largest value of each 2x2 block, halving height and width.

>>> image = np.array([[0, 0, 1, 1]] * 3, dtype=float)
>>> convolve_by_hand(image, VERTICAL_EDGE)
array([[-3., -3.]])
>>> max_pool_by_hand(POOL_EXAMPLE)
array([[6., 5.],
       [3., 8.]])
"""
import os
from dataclasses import dataclass, field

import numpy as np

from ..io import write_text

TITLE = "convolution by hand and by axon.ops.conv2d: edge filters and max pooling"
VERTICAL_EDGE = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=float)
HORIZONTAL_EDGE = VERTICAL_EDGE.T.copy()
POOL_EXAMPLE = np.array([[1, 3, 2, 1], [4, 6, 5, 0], [3, 1, 1, 2], [0, 2, 4, 8]], dtype=float)
FASHION_INDEX = 1  # the second Fashion-MNIST test image: a pullover, with vertical and horizontal edges


@dataclass
class ConvolutionResults:
    """``edges[name]``: the filter's output computed by hand; ``max_difference[name]``: the largest
    gap between it and ``axon.ops.conv2d`` / ``Conv2D`` (float32 rounding only);
    ``pooled_example`` the 2x2 max pool of ``pool_example`` by hand, ``pooled_by_axon`` by
    ``axon.ops.max_pool2d``; ``pooled_edges``: the pooled edge strengths."""
    image: np.ndarray
    image_source: str
    kernels: dict
    edges: dict
    max_difference: dict
    pool_example: np.ndarray
    pooled_example: np.ndarray
    pooled_by_axon: np.ndarray
    pooled_edges: dict
    files: dict = field(default_factory=dict)


def convolve_by_hand(image, kernel):
    """The loop the lecture draws: ``out[i, j] = sum(image[i:i+kh, j:j+kw] * kernel)`` ('valid':
    (H - kh + 1, W - kw + 1))."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def max_pool_by_hand(x, size=2):
    """The largest value of each ``size`` x ``size`` block (rows and columns that do not fill a
    block are dropped)."""
    out = np.zeros((x.shape[0] // size, x.shape[1] // size))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = x[i * size:(i + 1) * size, j * size:(j + 1) * size].max()
    return out


def demo_image():
    """A 28x28 grayscale image in [0, 1] and where it comes from: a Fashion-MNIST test image
    when the data is installed, else a drawn one (a bright frame around a dark window)."""
    from ..data.datasets import fashion_mnist
    try:
        _, (x, y) = fashion_mnist.load_data(download=False)
        name = fashion_mnist.CLASS_NAMES[y[FASHION_INDEX]]
        return x[FASHION_INDEX] / 255.0, f"Fashion-MNIST test image {FASHION_INDEX} ({name})"
    except (FileNotFoundError, OSError, ValueError):
        image = np.zeros((28, 28))
        image[5:23, 7:21] = 1.0
        image[10:18, 11:17] = 0.2
        return image, "a drawn 28x28 image (Fashion-MNIST is not installed): a bright frame around a dark window"


def _by_axon(image, kernels):
    """Each kernel's output from ``axon.ops.conv2d`` and from a ``Conv2D`` layer holding them."""
    from .. import ops as F
    from ..layers import Conv2D
    x = image[None, :, :, None].astype(np.float32)
    stacked = np.stack(list(kernels.values()), axis=-1)[:, :, None, :].astype(np.float32)  # (3, 3, 1, 2)
    op = F.conv2d(x, stacked).data[0]
    layer = Conv2D(len(kernels), 3, use_bias=False)
    layer.build_from_shape(x.shape[1:])
    layer.set_weights([stacked])
    out = layer(x).data[0]
    return {name: (op[..., k], out[..., k]) for k, name in enumerate(kernels)}


def run(out_dir, quick=False):
    """Write ``edges.png``, ``max_pool.png`` and ``convolution.md`` into ``out_dir``; returns
    ``ConvolutionResults``.  ``quick`` draws the figures at a lower resolution (for tests)."""
    from .. import ops as F
    from ..utils.plots import plot_arrays
    dpi = 60 if quick else 110
    image, source = demo_image()
    kernels = {"vertical edge": VERTICAL_EDGE, "horizontal edge": HORIZONTAL_EDGE}
    edges = {name: convolve_by_hand(image, k) for name, k in kernels.items()}
    fast = _by_axon(image, kernels)
    gaps = {name: float(max(np.abs(op - edges[name]).max(), np.abs(layer - edges[name]).max()))
            for name, (op, layer) in fast.items()}
    pooled_example = max_pool_by_hand(POOL_EXAMPLE)
    pooled_by_axon = F.max_pool2d(POOL_EXAMPLE[None, :, :, None].astype(np.float32), 2).data[0, :, :, 0]
    pooled_edges = {name: max_pool_by_hand(np.abs(e)) for name, e in edges.items()}

    os.makedirs(out_dir, exist_ok=True)
    files = {"edges": plot_arrays(
        [image, VERTICAL_EDGE, edges["vertical edge"], fast["vertical edge"][0],
         image, HORIZONTAL_EDGE, edges["horizontal edge"], fast["horizontal edge"][0]],
        ["image", "vertical-edge filter", "by hand (26x26)", "axon.ops.conv2d (= Conv2D)",
         "image", "horizontal-edge filter", "by hand (26x26)", "axon.ops.conv2d (= Conv2D)"],
        os.path.join(out_dir, "edges.png"), cols=4, title=f"3x3 filters over {source}", dpi=dpi)}
    files["max_pool"] = plot_arrays(
        [POOL_EXAMPLE, pooled_example, np.abs(edges["vertical edge"]), pooled_edges["vertical edge"]],
        ["4x4 input", "2x2 max pool", "|vertical edges| (26x26)", "2x2 max pool (13x13)"],
        os.path.join(out_dir, "max_pool.png"), cols=4, title="Max pooling: the largest value of each 2x2 block",
        dpi=dpi)
    results = ConvolutionResults(image, source, kernels, edges, gaps, POOL_EXAMPLE, pooled_example,
                                 pooled_by_axon, pooled_edges, files)
    files["explanation"] = write_explanation(results, os.path.join(out_dir, "convolution.md"))
    return results


def _matrix(a):
    return "\n".join("    " + " ".join(f"{v:4g}" for v in row) for row in a)


def write_explanation(results, path):
    """The demo's Markdown page; returns its path."""
    r = results
    v = r.edges["vertical edge"]
    i, j = np.unravel_index(np.argmax(np.abs(v)), v.shape)
    patch = r.image[i:i + 3, j:j + 3]
    text = f"""# Convolution by hand, and by Axon

The image is {r.image_source}, 28x28 grey levels in [0, 1].

## A 3x3 filter slides over the image

Each output pixel is the sum of the 3x3 patch under the filter times the filter's weights:
`out[i, j] = sum(image[i:i+3, j:j+3] * kernel)`. Without padding ('valid') a 28x28 image gives
26x26 outputs. The vertical-edge filter

{_matrix(VERTICAL_EDGE)}

answers strongly where the brightness changes from left to right (red: bright to dark, blue: dark
to bright); its transpose, the horizontal-edge filter, where it changes from top to bottom. The
strongest vertical-edge answer, {v[i, j]:.3f}, is at row {i}, column {j}, from the patch

{_matrix(np.round(patch, 2))}

Deep-learning frameworks, Axon included, compute this cross-correlation (the filter is not
flipped) and call it convolution.

![edge filters](edges.png)

## The same numbers from Axon

`axon.ops.conv2d(x, kernel)` with `x` of shape (1, 28, 28, 1) and both filters stacked as a kernel
of shape (3, 3, 1, 2), and a `Conv2D(2, 3, use_bias=False)` layer holding that kernel, compute all
26x26x2 outputs at once: the patches become the rows of one matrix (im2col), multiplied by the
filters. Largest difference from the loop above: vertical {r.max_difference['vertical edge']:.1e},
horizontal {r.max_difference['horizontal edge']:.1e} (float32 rounding).

## Max pooling

A 2x2 max pool keeps the largest value of each 2x2 block, so height and width halve. On a 4x4
example:

{_matrix(r.pool_example)}

gives

{_matrix(r.pooled_example)}

(6 = max(1, 3, 4, 6), 5 = max(2, 1, 5, 0), 3 = max(3, 1, 0, 2), 8 = max(1, 2, 4, 8)). Pooling the
26x26 map of edge strengths gives 13x13: where the edges are survives, their exact position to a
pixel does not.

![max pooling](max_pool.png)
"""
    write_text(path, text)
    return path
