"""The vision demos: convolution (the hand-made numbers are those of axon.ops.conv2d, Conv2D and
max_pool2d; the Sobel filter; a trained network's feature maps) and augmentation (the gallery and
the gap)."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

from axon import demos
from axon.demos import augmentation, convolution

from helpers import PNG, skip_without_fashion_mnist


def test_convolution_by_hand_is_what_axon_computes(tmp_path):
    skip_without_fashion_mnist()
    r = demos.run("convolution", tmp_path, quick=True)
    v = r.values
    assert set(r.files) == {"edges", "sobel", "max_pool", "feature_maps", "page"}
    for key in ("edges", "sobel", "max_pool", "feature_maps"):
        assert open(r.files[key], "rb").read(8) == PNG
    assert v["image"].shape == (28, 28) and 0 <= v["image"].min() and v["image"].max() <= 1
    for name, edges in v["edges"].items():
        assert edges.shape == (26, 26)
        assert v["max_difference"][name] < 1e-5  # axon.ops.conv2d and Conv2D: the same numbers
    np.testing.assert_array_equal(v["pooled_example"], [[6, 5], [3, 8]])
    np.testing.assert_array_equal(v["pooled_by_axon"], v["pooled_example"])
    assert v["pooled_edges"]["vertical edge"].shape == (13, 13)
    # the Sobel filter: zero on a flat patch, the same by hand and by conv2d, strong on the outline
    assert np.all(v["flat_response"] == 0) and r.measured["Sobel on a flat 5x5 patch: largest absolute answer"] == 0
    assert v["sobel_gap"] < 1e-5 and v["sobel"]["magnitude"].max() > 2
    # the trained Lab 1 network: 32 feature maps of 28x28, then 64 of 14x14; better than chance
    maps = v["feature_maps"]
    assert maps[0].shape == (28, 28, 32) and maps[1].shape == (14, 14, 64) and maps[0].min() >= 0
    assert v["network_accuracy"] > 0.3
    page = open(r.files["page"]).read()
    assert v["image_source"] in page and "![edge filters](edges.png)" in page
    assert "6 = max(1, 3, 4, 6)" in page and "float32 rounding" in page and "SOBEL_X" in page
    assert f"{v['network_accuracy']:.4g}" in page


def test_edge_filters_answer_where_brightness_changes():
    image = np.zeros((6, 6))
    image[:, 3:] = 1.0  # dark left half, bright right half: one vertical edge
    vertical = convolution.convolve_by_hand(image, convolution.VERTICAL_EDGE)
    horizontal = convolution.convolve_by_hand(image, convolution.HORIZONTAL_EDGE)
    assert np.all(horizontal == 0)
    np.testing.assert_array_equal(vertical[0], [0, -3, -3, 0])  # dark to bright: negative
    gx, gy, magnitude = convolution.sobel(image)
    np.testing.assert_allclose(gx[0], [0, 4, 4, 0])               # Sobel x: dark to bright, positive
    assert np.all(gy == 0) and np.allclose(magnitude, np.abs(gx))


def test_feature_maps_of_a_given_model(tmp_path):
    """A saved model passed by path is the one whose feature maps are shown."""
    import axon
    from axon.layers import Conv2D, Dense, Flatten, MaxPooling2D
    model = axon.Sequential([axon.Input((28, 28, 1)), Conv2D(4, 3, padding="same", activation="relu"),
                             MaxPooling2D(2), Flatten(), Dense(10, activation="softmax")])
    path = str(tmp_path / "tiny.axon")
    model.save(path)
    net, what, _ = convolution.lab1_model(quick=True, model=path)
    assert what == f"the model saved at {path}"
    maps = convolution.feature_maps(net, np.ones((28, 28)))
    assert len(maps) == 1 and maps[0].shape == (28, 28, 4)
    np.testing.assert_array_equal(convolution.first_kernel(net), model.layers[0].kernel.data)


def test_drawn_image_when_fashion_mnist_is_absent(tmp_path, monkeypatch):
    from axon.data.datasets import fashion_mnist

    def missing(**kwargs):
        raise FileNotFoundError("no data here")
    monkeypatch.setattr(fashion_mnist, "load_data", missing)
    image, source = convolution.demo_image()
    assert image.shape == (28, 28) and "drawn" in source


def test_augmentation_gallery_and_the_gap(tmp_path):
    skip_without_fashion_mnist()
    r = demos.run("augmentation", tmp_path, quick=True)
    g = r.values["gallery"]
    original = g["original (tinted)"]
    assert original.shape == (6, 28, 28, 3) and original.std(axis=-1).max() > 0.1  # tinted: in colour
    grey = g["black and white"]
    np.testing.assert_allclose(grey[..., 0], grey[..., 2], atol=1e-6)           # black and white: R = G = B
    hue = g["hue shift"]
    np.testing.assert_allclose(hue @ [0.299, 0.587, 0.114], original @ [0.299, 0.587, 0.114], atol=0.05)
    assert np.abs(hue - original).max() > 0.2                                    # the colour changed, not the luma
    for k, flipped in enumerate(r.values["flipped"]):
        np.testing.assert_array_equal(g["mirror"][k], original[k, :, ::-1] if flipped else original[k])
    assert g["crop"].shape == (6, 20, 20, 3)
    for name in ("noise", "rotation", "zoom", "shift"):
        assert g[name].shape == original.shape and np.abs(g[name] - original).max() > 0.1, name
    t = r.values["training"]
    assert t["without"]["train"] > 0.95
    assert t["with"]["gap"] < t["without"]["gap"] - 0.05                       # augmentation narrows the gap
    for key in ("gallery", "gap"):
        assert open(r.files[key], "rb").read(8) == PNG
    page = open(r.files["page"]).read()
    assert "tinted" in page and f"{t['with']['gap']:.3f}" in page and f"{t['without']['gap']:.3f}" in page


def test_tint_colours_each_image():
    x = np.full((2, 3, 3, 1), 0.5, np.float32)
    out = augmentation.tint(x, [(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)])
    np.testing.assert_allclose(out[0, 0, 0], [0.5, 0, 0])
    np.testing.assert_allclose(out[1, 0, 0], [0, 0, 0.5])
