"""The convolution demo: the hand-made numbers are those of axon.ops.conv2d, Conv2D and max_pool2d."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

from axon import demos
from axon.demos import convolution

PNG = b"\x89PNG\r\n\x1a\n"


def test_convolution_by_hand_is_what_axon_computes(tmp_path):
    r = demos.run("convolution", tmp_path, quick=True)
    assert set(r.files) == {"edges", "max_pool", "explanation"}
    for key in ("edges", "max_pool"):
        assert open(r.files[key], "rb").read(8) == PNG
    assert r.image.shape == (28, 28) and 0 <= r.image.min() and r.image.max() <= 1
    for name, edges in r.edges.items():
        assert edges.shape == (26, 26)
        assert r.max_difference[name] < 1e-5  # axon.ops.conv2d and Conv2D: the same numbers
    np.testing.assert_array_equal(r.pooled_example, [[6, 5], [3, 8]])
    np.testing.assert_array_equal(r.pooled_by_axon, r.pooled_example)
    assert r.pooled_edges["vertical edge"].shape == (13, 13)
    page = (tmp_path / "convolution.md").read_text()
    assert r.image_source in page and "![edge filters](edges.png)" in page
    assert "6 = max(1, 3, 4, 6)" in page and "float32 rounding" in page


def test_edge_filters_answer_where_brightness_changes():
    image = np.zeros((6, 6))
    image[:, 3:] = 1.0  # dark left half, bright right half: one vertical edge
    vertical = convolution.convolve_by_hand(image, convolution.VERTICAL_EDGE)
    horizontal = convolution.convolve_by_hand(image, convolution.HORIZONTAL_EDGE)
    assert np.all(horizontal == 0)
    np.testing.assert_array_equal(vertical[0], [0, -3, -3, 0])  # dark to bright: negative


def test_drawn_image_when_fashion_mnist_is_absent(tmp_path, monkeypatch):
    from axon.data.datasets import fashion_mnist

    def missing(**kwargs):
        raise FileNotFoundError("no data here")
    monkeypatch.setattr(fashion_mnist, "load_data", missing)
    image, source = convolution.demo_image()
    assert image.shape == (28, 28) and "drawn" in source
