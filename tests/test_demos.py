"""The lecture demos: found by name (a miss lists the known ones), run from the command line."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

from axon import demos
from axon.cli import main
from axon.demos import convolution



def test_registry_finds_demos_with_did_you_mean():
    assert len(demos.names()) == 23 and demos.lecture_order()[0] == "perceptron"
    assert demos.get("conv") is convolution
    with pytest.raises(ValueError, match="did you mean 'convolution'"):
        demos.get("convolutoin")


def test_demo_command_lists_every_demo_in_lecture_order(capsys):
    assert main(["demo", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == demos.lecture_order()
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)  # every demo has its title


def test_demo_command_runs_one(tmp_path, capsys):
    assert main(["demo", "conv", "--quick", "--out", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "convolution.md" in out and "edges.png" in out


def test_unknown_demo_lists_the_known_ones(capsys):
    assert main(["demo", "backprob"]) == 2
    err = capsys.readouterr().err
    assert "unknown demo 'backprob'" in err and "did you mean 'backprop'" in err and "vanishing_gradient" in err
    assert len(err.strip().splitlines()) == 1


def test_all_writes_one_index_linking_every_page_and_picture(tmp_path, monkeypatch):
    from axon.demos import index
    names = ["softmax", "convolution"]
    r = index.run_all(tmp_path, quick=True, names=names, print_fn=None)
    assert r.failed == [] and [row.name for row in r.rows] == names
    md = (tmp_path / "index.md").read_text()
    html = (tmp_path / "index.html").read_text()
    for row in r.rows:
        assert row.files["page"] in md and row.files["page"] in html
        pictures = [p for p in row.files.values() if p.endswith(".png")]
        assert pictures and all(p in md and f'src="{p}"' in html for p in pictures)
        assert all((tmp_path / p).exists() for p in row.files.values())
        assert row.claim in md


def test_all_shows_a_failed_demo_and_runs_the_rest(tmp_path, monkeypatch, capsys):
    from axon.demos import softmax

    def broken(out_dir, quick=False):
        raise ValueError("the demo broke")
    monkeypatch.setattr(softmax, "run", broken)
    monkeypatch.setattr(demos, "lecture_order", lambda: ["softmax", "convolution"])
    assert main(["demo", "--all", "--quick", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "softmax" in out and "FAILED: ValueError: the demo broke" in out and "1 demo(s) failed: softmax" in out
    md = (tmp_path / "index.md").read_text()
    assert "**failed**: ValueError: the demo broke" in md and "convolution/convolution.md" in md


def test_all_and_a_name_are_refused_together(capsys):
    assert main(["demo", "softmax", "--all"]) == 2
    assert "not both" in capsys.readouterr().err
