"""The ``axon`` command: help lists every command; every command answers a mistake with one line
and exit status 2 (run as a user runs it, in a subprocess); ``axon train mlp`` trains, reports
and saves."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import axon
from axon.cli import COMMANDS, main

FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command in ("train", "lab classify", "lab transfer", "lab translate", "predict", "translate", "demo",
                    "zoo list", "zoo show", "lab adversarial",
                    "lab gan", "generate"):
        assert f"axon {command}" in text
        assert COMMANDS.get(command).HELP in text


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 1
    assert "usage: axon" in capsys.readouterr().out


def _files(tmp):
    empty = tmp / "empty"
    empty.mkdir()
    text = tmp / "notes.txt"
    text.write_text("no tabs in this line\n")
    return empty, text


def _one_line_of_status_2(words, code, err):
    lines = err.strip().splitlines()
    assert code == 2, err
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith(f"axon {words}: "), err


def test_every_command_answers_a_mistake_with_one_line_and_status_2(tmp_path):
    """As a user runs them: a process per command, each with one mistake."""
    empty, text = _files(tmp_path)
    cases = [("train", ["train", "--epochs", "0"]),
             ("lab classify", ["lab", "classify", "--model", "nonet"]),
             ("lab transfer", ["lab", "transfer", "--labels", "1,2"]),
             ("lab translate", ["lab", "translate", "--pairs", str(tmp_path / "missing.tsv")]),
             ("predict", ["predict", str(tmp_path / "missing.axon"), str(text)]),
             ("translate", ["translate", str(empty), "Hallo."]),
             ("demo", ["demo", "convolutoin"]),
             ("zoo show", ["zoo", "show", "hopfeld"]),
             ("zoo list", ["zoo", "list", "extra"]),
             ("lab adversarial", ["lab", "adversarial", "--epsilons", "0.1,-0.2"]),
             ("lab gan", ["lab", "gan", "--data-dir", str(empty)]),
             ("generate", ["generate", str(tmp_path / "missing.axon")]),
             ("lab", ["lab"])]
    assert {words for words, _ in cases} >= set(COMMANDS.names())
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), AXON_OFFLINE="1")
    runs = [(words, subprocess.Popen([sys.executable, "-m", "axon", *argv], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path))
            for words, argv in cases]
    for words, proc in runs:
        _, err = proc.communicate(timeout=120)
        _one_line_of_status_2(words, proc.returncode, err)
    assert not os.path.exists(tmp_path / "runs")  # nothing was started


def test_every_kind_of_mistake_is_one_line(tmp_path, capsys, monkeypatch):
    """Bad values, unknown names and options, missing or wrong files and folders, missing arguments."""
    monkeypatch.chdir(tmp_path)
    empty, text = _files(tmp_path)
    cases = [("train", ["train", "mlp", "--hidden", "a,b"]),                  # not numbers
             ("train", ["train", "--data-dir", str(tmp_path / "missing")]),   # missing folder
             ("train", ["train", "--data-dir", str(empty)]),                  # a folder without the files
             ("train", ["train", "--optimizer", "adamm"]),                    # unknown name
             ("train", ["train", "cnn", "--hidden", "64"]),                   # an option of another model
             ("train", ["train", "char_rnn"]),                                # no image classifier
             ("lab classify", ["lab", "classify", "--data-dir", str(empty)]),  # no class folders in it
             ("lab classify", ["lab", "classify", "--test-split", "1.5"]),    # out of range
             ("lab classify", ["lab", "classify", "--image-size", "0x4"]),
             ("lab classify", ["lab", "classify", "--image-size", "32"]),     # only for --data-dir
             ("lab transfer", ["lab", "transfer", "--bogus"]),                # unknown option
             ("lab transfer", ["lab", "transfer", "--epochs", "-1"]),
             ("lab translate", ["lab", "translate", "--pairs", str(text)]),   # wrong file format
             ("lab translate", ["lab", "translate", "--cell", "transformer"]),
             ("lab translate", ["lab", "translate", "--format", "tsv"]),      # needs --pairs
             ("lab translate", ["lab", "translate", "--limit", "3"]),
             ("predict", ["predict", str(text), str(text)]),                  # not a model file
             ("predict", ["predict"]),                                        # arguments missing
             ("translate", ["translate", str(empty), "--beam", "0"]),
             ("demo", ["demo"]),
             ("demo", ["demo", "convolution", "--out", str(text)])]           # a file where a folder goes
    for words, argv in cases:
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse's own errors
            code = stop.code
        _one_line_of_status_2(words, code, capsys.readouterr().err)
    assert not os.path.exists(tmp_path / "runs")


def test_messages_say_what_is_wrong(capsys):
    assert main(["lab", "classify", "--model", "nonet"]) == 2
    assert "unknown model 'nonet'; did you mean" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["train", "--epochs", "x"])
    assert stop.value.code == 2
    assert capsys.readouterr().err == ("axon train: argument --epochs: invalid int value: 'x'; "
                                       "see 'axon train --help'\n")


@pytest.mark.skipif(not os.path.exists(FASHION), reason="Debian package dataset-fashion-mnist not installed")
def test_train_mlp_reports_test_accuracy_and_saves_model_and_curves(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "mlp", "--dataset", "fashion-mnist", "--epochs", "1", "--hidden", "64",
                 "--verbose", "0", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    acc = float(re.search(r"test accuracy: ([0-9.]+)", text).group(1))
    assert acc > 0.8
    model = axon.load_model(out / "model.axon")
    assert [layer.units for layer in model.layers if hasattr(layer, "units")] == [64, 10]
    assert json.loads((out / "classes.json").read_text())["class_names"][0] == "T-shirt/top"
    png = (out / "learning_curves.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert "| optimizer | adam, learning rate default (constant) |" in (out / "report.md").read_text()
    (x, y), _ = axon.datasets.fashion_mnist.load_data()
    pred = model.predict(x[:500, :, :, None] / 255.0, batch_size=500).argmax(1)
    assert np.mean(pred == y[:500]) > 0.75
