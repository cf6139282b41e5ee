"""The ``axon`` command: help lists every command; ``axon train mlp`` trains, reports and saves."""
import json
import os
import re

import numpy as np
import pytest

import axon
from axon.cli import main

FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command in ("train", "lab classify", "lab transfer", "lab translate", "predict", "translate"):
        assert f"axon {command}" in text


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 1
    assert "usage: axon" in capsys.readouterr().out


@pytest.mark.skipif(not os.path.exists(FASHION), reason="Debian package dataset-fashion-mnist not installed")
def test_train_mlp_reports_test_accuracy_and_saves_model_and_curves(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "mlp", "--dataset", "fashion-mnist", "--epochs", "1", "--hidden", "64",
                 "--verbose", "0", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    acc = float(re.search(r"test accuracy: ([0-9.]+)", text).group(1))
    assert acc > 0.8
    model = axon.load_model(out / "mlp-fashion-mnist.axon")
    assert model.layers[-1].units == 10
    assert json.loads((out / "classes.json").read_text())[0] == "T-shirt/top"
    png = (out / "learning_curves.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    (x, y), _ = axon.datasets.fashion_mnist.load_data()
    pred = model.predict(x[:500, :, :, None] / 255.0, batch_size=500).argmax(1)
    assert np.mean(pred == y[:500]) > 0.75
