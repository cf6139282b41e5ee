"""The convolution slide: edge filters slid over an image by hand, the same numbers from Axon's
fast op and layer, the Sobel filter, 2x2 max pooling, and the feature maps of a trained Lab 1
network.

A 3x3 filter slides over a grayscale image; each output pixel is the sum of
the 3x3 patch under the filter times the filter's weights.  The vertical-edge
filter (1, 0, -1 in every row) answers where the brightness changes from left
to right, its transpose where it changes from top to bottom.  The Sobel filter
weighs the middle row twice (1, 2, 1 across, -1, 0, 1 along): a smoothed
derivative; its weights sum to zero, so on a flat patch it answers exactly 0,
and its x and y answers together give the edge strength
``sqrt(gx**2 + gy**2)``.  Deep-learning frameworks, Axon included, compute this
cross-correlation (the filter is not flipped) and call it convolution.
``axon.ops.conv2d`` and the ``Conv2D`` layer get the same numbers from one
matrix product; max pooling keeps the largest value of each 2x2 block, halving
height and width.  A trained network's first layer learns filters of its own:
its feature maps show which of them answer to edges, to bright regions, to
textures.

>>> image = np.array([[0, 0, 1, 1]] * 3, dtype=float)
>>> convolve_by_hand(image, VERTICAL_EDGE)
array([[-3., -3.]])
>>> convolve_by_hand(np.full((4, 4), 0.7), SOBEL_X)
array([[0., 0.],
       [0., 0.]])
>>> max_pool_by_hand(POOL_EXAMPLE)
array([[6., 5.],
       [3., 8.]])
"""
import numpy as np

TITLE = ("convolution by hand and by axon.ops.conv2d: edge and Sobel filters, max pooling, "
         "a trained network's feature maps")
VERTICAL_EDGE = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=float)
HORIZONTAL_EDGE = VERTICAL_EDGE.T.copy()
#: the Sobel filters: positive where the brightness rises to the right (x) and downwards (y)
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
SOBEL_Y = SOBEL_X.T.copy()
POOL_EXAMPLE = np.array([[1, 3, 2, 1], [4, 6, 5, 0], [3, 1, 1, 2], [0, 2, 4, 8]], dtype=float)
FASHION_INDEX = 1  # the second Fashion-MNIST test image: a pullover, with vertical and horizontal edges
#: the Lab 1 network's short training inside the demo: images, epochs, test images
TRAINING = {True: dict(n_train=300, epochs=1, n_test=200), False: dict(n_train=3000, epochs=4, n_test=1000)}


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


def sobel(image):
    """``(gx, gy, magnitude)``: the Sobel filters' answers over a 2-D ``image`` ('valid', by
    ``axon.ops.conv2d``) and the edge strength ``sqrt(gx**2 + gy**2)``."""
    from .. import ops as F
    kernel = np.stack([SOBEL_X, SOBEL_Y], axis=-1)[:, :, None, :].astype(np.float32)  # (3, 3, 1, 2)
    out = F.conv2d(np.asarray(image, np.float32)[None, :, :, None], kernel).data[0]
    gx, gy = out[..., 0], out[..., 1]
    return gx, gy, np.sqrt(gx ** 2 + gy ** 2)


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


def lab1_model(quick=False, model=None, seed=0):
    """``(model, what it is, its test accuracy or None)``: ``model`` itself (a Model, or the path of a
    saved one, e.g. Lab 1's ``model.axon``), else Lab 1's network (``axon.zoo`` 'cnn') trained
    briefly here on a Fashion-MNIST subset (``TRAINING``); ``(None, why, None)`` without the data."""
    import axon
    from .. import zoo
    from ..models.saving import load_model
    from .data import fashion_subset
    t = TRAINING[bool(quick)]
    try:
        (x, y), (xt, yt) = fashion_subset(t["n_train"], t["n_test"], seed=seed, flat=False)
    except (FileNotFoundError, OSError):
        x = None
    if model is not None:
        what = "the model given"
        if not isinstance(model, axon.Model):
            what = f"the model saved at {model}"
            model = load_model(model, compile=False)
        acc = None if x is None else float(np.mean(model.predict(xt, verbose=0).argmax(axis=1) == yt))
        return model, what, acc
    if x is None:
        return None, "Fashion-MNIST is not installed, so no network was trained", None
    axon.manual_seed(seed)
    model = zoo.get("cnn", input_shape=(28, 28, 1), num_classes=10)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=32, epochs=t["epochs"], verbose=0)
    acc = float(model.evaluate(xt, yt, verbose=0, return_dict=True)["accuracy"])
    return model, (f"Lab 1's network (`axon.zoo` 'cnn') trained here for {t['epochs']} epoch"
                   f"{'s' if t['epochs'] > 1 else ''} on {t['n_train']} images"), acc


def feature_maps(model, image):
    """The feature maps of ``model``'s convolution blocks on one (H, W) image: a list of arrays
    (H', W', channels), the output of every layer just before a pooling layer (the block's
    convolution, normalization and activation), under inference (no dropout, batch norm's
    moving statistics)."""
    import axon
    from ..layers import AveragePooling2D, MaxPooling2D
    h = axon.as_tensor(np.asarray(image, np.float32)[None, :, :, None])
    maps = []
    with axon.no_grad():
        for layer in model.layers:
            if h.data.ndim != 4:  # past the convolutional part
                break
            if isinstance(layer, (MaxPooling2D, AveragePooling2D)):
                maps.append(h.data[0])
            h = layer(h, training=False)
    return maps


def first_kernel(model):
    """The first ``Conv2D`` layer's kernel (kh, kw, in, out), or None."""
    from ..layers import Conv2D
    return next((layer.kernel.data for layer in model.layers if isinstance(layer, Conv2D)), None)


def run(out_dir, quick=False, model=None, seed=0):
    """Write ``edges.png``, ``sobel.png``, ``max_pool.png``, ``feature_maps.png`` and
    ``convolution.md`` into ``out_dir``; returns ``DemoResults``.  ``model``: a trained image
    model (or its saved file) whose feature maps to show instead of training Lab 1's briefly;
    ``seed`` draws its training subset and weights."""
    from .. import ops as F
    from ..utils.plots import plot_arrays
    from .page import DemoResults, figure_path, write_page
    dpi = 60 if quick else 110
    image, source = demo_image()
    kernels = {"vertical edge": VERTICAL_EDGE, "horizontal edge": HORIZONTAL_EDGE}
    edges = {name: convolve_by_hand(image, k) for name, k in kernels.items()}
    fast = _by_axon(image, kernels)
    gaps = {name: float(max(np.abs(op - edges[name]).max(), np.abs(layer - edges[name]).max()))
            for name, (op, layer) in fast.items()}
    gx, gy, magnitude = sobel(image)
    sobel_gap = float(np.abs(gx - convolve_by_hand(image, SOBEL_X)).max())
    flat = np.full((5, 5), 0.6)
    flat_response = np.stack(sobel(flat)[:2])
    pooled_example = max_pool_by_hand(POOL_EXAMPLE)
    pooled_by_axon = F.max_pool2d(POOL_EXAMPLE[None, :, :, None].astype(np.float32), 2).data[0, :, :, 0]
    pooled_edges = {name: max_pool_by_hand(np.abs(e)) for name, e in edges.items()}
    net, net_what, net_accuracy = lab1_model(quick, model, seed)
    maps = feature_maps(net, image) if net is not None else []

    i, j = np.unravel_index(np.argmax(magnitude), magnitude.shape)
    measured = {"largest gap, by hand vs conv2d/Conv2D": max(gaps.values()),
                "Sobel x by hand vs conv2d": sobel_gap,
                "Sobel on a flat 5x5 patch: largest absolute answer": float(np.abs(flat_response).max()),
                "strongest Sobel edge": f"{magnitude[i, j]:.3f} at row {i}, column {j}"}
    if net_accuracy is not None:
        measured["trained network: test accuracy"] = net_accuracy
    if maps:
        measured["feature maps of the first block"] = f"{maps[0].shape[-1]} of {maps[0].shape[0]}x{maps[0].shape[1]}"
    r = DemoResults("convolution", "Convolution by hand, and by Axon",
                    "A convolution slides a small filter over the image, each output the sum of the patch "
                    "times the weights; edge filters such as Sobel answer where the brightness changes (0 on a "
                    "flat patch), max pooling keeps the largest answer of each 2x2 block, and a trained "
                    "network learns such filters itself.", measured,
                    values={"image": image, "image_source": source, "kernels": kernels, "edges": edges,
                            "max_difference": gaps, "sobel": {"x": gx, "y": gy, "magnitude": magnitude},
                            "sobel_gap": sobel_gap, "flat_response": flat_response,
                            "pool_example": POOL_EXAMPLE, "pooled_example": pooled_example,
                            "pooled_by_axon": pooled_by_axon, "pooled_edges": pooled_edges,
                            "network": net_what, "network_accuracy": net_accuracy, "feature_maps": maps})
    plot_arrays([image, VERTICAL_EDGE, edges["vertical edge"], fast["vertical edge"][0],
                 image, HORIZONTAL_EDGE, edges["horizontal edge"], fast["horizontal edge"][0]],
                ["image", "vertical-edge filter", "by hand (26x26)", "axon.ops.conv2d (= Conv2D)",
                 "image", "horizontal-edge filter", "by hand (26x26)", "axon.ops.conv2d (= Conv2D)"],
                figure_path(r, out_dir, "edges", "edge filters"), cols=4, title=f"3x3 filters over {source}",
                dpi=dpi)
    plot_arrays([SOBEL_X, gx, SOBEL_Y, gy, magnitude, flat],
                ["Sobel x", "Sobel x answer", "Sobel y", "Sobel y answer", "edge strength sqrt(gx²+gy²)",
                 f"a flat patch: Sobel x, y answer {np.abs(flat_response).max():g}"],
                figure_path(r, out_dir, "sobel", "the Sobel filter: x and y answers, edge strength, a flat patch"),
                cols=6, title=f"The Sobel filter over {source}", dpi=dpi)
    plot_arrays([POOL_EXAMPLE, pooled_example, np.abs(edges["vertical edge"]), pooled_edges["vertical edge"]],
                ["4x4 input", "2x2 max pool", "|vertical edges| (26x26)", "2x2 max pool (13x13)"],
                figure_path(r, out_dir, "max_pool", "max pooling"), cols=4,
                title="Max pooling: the largest value of each 2x2 block", dpi=dpi)
    if maps:
        _plot_feature_maps(image, first_kernel(net), maps,
                           figure_path(r, out_dir, "feature_maps", "a trained network's first-layer filters and "
                                       "the feature maps of its convolution blocks"), dpi)
    write_page(r, out_dir, _sections(r), try_next=[
        "train Lab 1 for its full 6 epochs (`axon lab classify`) and pass its model.axon to "
        "`convolution.run(out, model=...)`: sharper, more varied feature maps",
        "replace the 3x3 filters with 5x5 ones: fewer, wider answers (24x24 outputs)",
        "pool with stride 1 instead of 2: the map keeps its size and loses less position"])
    return r


def _matrix(a):
    return "\n".join("    " + " ".join(f"{v:4g}" for v in row) for row in a)


def _sections(r):
    v = r.values
    edge = v["edges"]["vertical edge"]
    i, j = np.unravel_index(np.argmax(np.abs(edge)), edge.shape)
    patch = v["image"][i:i + 3, j:j + 3]
    gaps = v["max_difference"]
    sections = [
        ("A 3x3 filter slides over the image",
         f"The image is {v['image_source']}, 28x28 grey levels in [0, 1]. Each output pixel is the sum of the "
         "3x3 patch under the filter times the filter's weights: `out[i, j] = sum(image[i:i+3, j:j+3] * "
         "kernel)`. Without padding ('valid') a 28x28 image gives 26x26 outputs. The vertical-edge filter\n\n"
         f"{_matrix(VERTICAL_EDGE)}\n\nanswers strongly where the brightness changes from left to right (red: "
         "bright to dark, blue: dark to bright); its transpose, the horizontal-edge filter, where it changes "
         f"from top to bottom. The strongest vertical-edge answer, {edge[i, j]:.3f}, is at row {i}, column {j}, "
         f"from the patch\n\n{_matrix(np.round(patch, 2))}\n\nDeep-learning frameworks, Axon included, compute "
         "this cross-correlation (the filter is not flipped) and call it convolution."),
        ("The same numbers from Axon",
         "`axon.ops.conv2d(x, kernel)` with `x` of shape (1, 28, 28, 1) and both filters stacked as a kernel of "
         "shape (3, 3, 1, 2), and a `Conv2D(2, 3, use_bias=False)` layer holding that kernel, compute all "
         "26x26x2 outputs at once: the patches become the rows of one matrix (im2col), multiplied by the "
         f"filters. Largest difference from the loop above: vertical {gaps['vertical edge']:.1e}, horizontal "
         f"{gaps['horizontal edge']:.1e} (float32 rounding)."),
        ("The Sobel filter",
         f"`SOBEL_X`\n\n{_matrix(SOBEL_X)}\n\nis the vertical-edge filter with the middle row weighed twice: a "
         "derivative along x smoothed along y; `SOBEL_Y` is its transpose. Its weights sum to 0, so a flat "
         f"patch gets exactly {np.abs(v['flat_response']).max():g} (measured on a 5x5 patch of grey 0.6). "
         "`sqrt(gx**2 + gy**2)` is the edge strength in any direction; here it is largest, "
         f"{r.measured['strongest Sobel edge']}. By hand and by `axon.ops.conv2d` the x answers differ by "
         f"{v['sobel_gap']:.1e}."),
        ("Max pooling",
         f"A 2x2 max pool keeps the largest value of each 2x2 block, so height and width halve. On a 4x4 "
         f"example:\n\n{_matrix(v['pool_example'])}\n\ngives\n\n{_matrix(v['pooled_example'])}\n\n"
         "(6 = max(1, 3, 4, 6), 5 = max(2, 1, 5, 0), 3 = max(3, 1, 0, 2), 8 = max(1, 2, 4, 8)); "
         "`axon.ops.max_pool2d` gives the same. Pooling the 26x26 map of edge strengths gives 13x13: where the "
         "edges are survives, their exact position to a pixel does not."),
    ]
    maps = v["feature_maps"]
    if maps:
        acc = "" if v["network_accuracy"] is None else f" (test accuracy {v['network_accuracy']:.3f})"
        text = (f"The network is {v['network']}{acc}. Its first layer's filters are learned, not drawn; the "
                f"first block's {maps[0].shape[-1]} feature maps ({maps[0].shape[0]}x{maps[0].shape[1]}, "
                "the block's output just before its pooling) show what each answers to in the image above: some "
                "to its outline (edge detectors like Sobel), some to its bright or dark areas.")
        if len(maps) > 1:
            text += (f" The second block's {maps[1].shape[-1]} maps, after one pooling, are "
                     f"{maps[1].shape[0]}x{maps[1].shape[1]}: coarser, each combining the first block's answers.")
    else:
        text = f"No trained network: {v['network']}."
    sections.append(("A trained network's feature maps", text))
    return sections


def _plot_feature_maps(image, kernel, maps, path, dpi, show=16):
    from ..utils.plots import pyplot, save_figure
    plt = pyplot()
    rows = [("learned 3x3 filters", None if kernel is None else np.moveaxis(kernel.mean(axis=2), -1, 0)[:show])]
    rows += [(f"block {k + 1} feature maps ({m.shape[0]}x{m.shape[1]})", np.moveaxis(m, -1, 0)[:show])
             for k, m in enumerate(maps[:2])]
    rows = [(t, a) for t, a in rows if a is not None]
    fig, axes = plt.subplots(len(rows), show + 1, figsize=(0.9 * (show + 1), 1.05 * len(rows)), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for (title, tiles), ax_row in zip(rows, axes):
        ax_row[0].imshow(image, cmap="gray")
        ax_row[0].set_title("input", fontsize=7)
        for ax, tile in zip(ax_row[1:], tiles):
            ax.imshow(tile, cmap="viridis")
        ax_row[1].set_title(title, fontsize=7, loc="left")
    save_figure(fig, path, dpi)
