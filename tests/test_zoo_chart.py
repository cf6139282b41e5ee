"""The zoo chart: 27 networks, each shown working or listed with the issue that owes it; ``axon zoo
list`` and ``axon zoo show``; the feed-forward, convolutional, residual and recurrent networks doing
their jobs on their small tasks."""
import importlib
import os
import subprocess
import sys

import pytest

from axon.cli import main
from axon.zoo import chart
from axon.zoo.sequence import shows as sequence_shows
from axon.zoo.vision import shows as vision_shows

FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
needs_fashion = pytest.mark.skipif(not os.path.exists(FASHION), reason="Fashion-MNIST not installed")


def _resolve(dotted):
    module, _, name = dotted.partition(" ")[0].rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_the_chart_has_its_27_networks_each_shown():
    assert len(chart.CHART) == 27
    assert len({e.abbrev for e in chart.CHART}) == 27 and len({e.slug for e in chart.CHART}) == 27
    for entry in chart.CHART + chart.HISTORY:
        state = chart.status(entry)
        if state == "shown":
            assert callable(chart.show_function(entry))
            assert _resolve(entry.where) is not None, entry.where
        else:
            raise AssertionError(f"{entry.name}: {state}")


def test_networks_are_found_by_slug_abbreviation_or_name():
    assert chart.find("KN") is chart.find("Kohonen network") is chart.find("som")
    assert chart.find("long / short term memory").slug == "lstm"
    with pytest.raises(ValueError, match="did you mean 'hopfield'"):
        chart.find("hopfeld")


def test_zoo_list_prints_every_network_and_its_status(capsys):
    assert main(["zoo", "list"]) == 0
    out = capsys.readouterr().out
    for entry in chart.CHART + chart.HISTORY:
        assert entry.name in out and entry.where in out
    assert "27 of the chart's 27 networks are shown" in out


def test_zoo_show_refuses_an_unknown_network_in_one_line():
    for name, expected in (("hopfeld", "did you mean 'hopfield'"),):
        done = subprocess.run([sys.executable, "-m", "axon", "zoo", "show", name], capture_output=True, text=True)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and expected in done.stderr


def test_zoo_show_writes_its_picture_and_page(tmp_path, capsys):
    assert main(["zoo", "show", "FF", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "XOR accuracy: 1" in out
    assert (tmp_path / "ff.png").stat().st_size > 1000
    page = (tmp_path / "ff.md").read_text()
    assert page.startswith("# Feed forward (FF)") and "![figure](ff.png)" in page


@needs_fashion
def test_deep_feed_forward_and_convolutional_nets_classify_clothes(tmp_path):
    assert vision_shows.show_dff(tmp_path, quick=True).measured["test accuracy"] > 0.7
    shown = vision_shows.show_dcn(tmp_path, quick=True)
    assert shown.measured["test accuracy"] > 0.6
    assert os.path.exists(shown.files["filters"])


@needs_fashion
def test_residual_shortcuts_make_a_34_layer_net_trainable(tmp_path):
    measured = vision_shows.show_drn(tmp_path, quick=True).measured
    assert measured["plain test accuracy"] < 0.2 and measured["plain final loss"] > 2.2  # stuck at chance
    assert measured["residual test accuracy"] > 0.6 and measured["residual final loss"] < 1.0


@pytest.mark.parametrize("show", [sequence_shows.show_rnn, sequence_shows.show_lstm, sequence_shows.show_gru])
def test_recurrent_cells_remember_the_first_symbol(show, tmp_path):
    measured = show(tmp_path, quick=True).measured
    assert measured["test accuracy"] > 0.95 > 2 * measured["chance"]
