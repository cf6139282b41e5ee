"""The lecture demos: found by name (a miss lists the known ones), run from the command line."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

from axon import demos
from axon.cli import main
from axon.demos import convolution

PNG = b"\x89PNG\r\n\x1a\n"


def test_registry_finds_demos_with_did_you_mean():
    assert len(demos.names()) == 23 and demos.lecture_order()[0] == "perceptron"
    assert demos.get("conv") is convolution
    with pytest.raises(ValueError, match="did you mean 'convolution'"):
        demos.get("convolutoin")


def test_demo_command_lists_and_runs(tmp_path, capsys):
    assert main(["demo", "--list"]) == 0
    assert capsys.readouterr().out.startswith("convolution ")
    assert main(["demo", "conv", "--quick", "--out", str(tmp_path / "c")]) == 0
    assert "convolution.md, edges.png, max_pool.png" in capsys.readouterr().out
