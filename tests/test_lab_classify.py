"""Tiny end-to-end runs of Lab 1 (``axon.labs.classify.run`` and ``axon lab classify``), the
transfer lab, and ``axon predict``."""
import json
import os

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("scipy")
Image = pytest.importorskip("PIL.Image")

from axon.cli import main
from axon.labs import classify, transfer
from helpers import needs_fashion

EXPECTED = {"model.axon", "classes.json", "report.md", "learning_curves.png", "confusion_matrix.png",
            "misclassified.png", "filters.png"}




@needs_fashion
def test_classify_fashion_mnist_writes_model_report_and_figures(tmp_path, capsys):
    out = tmp_path / "run"
    results = classify.run(classify.ClassifyConfig(epochs=1, limit=600, test_limit=300, width=0.25, batch_size=32,
                                                   verbose=0, out=str(out)))
    assert EXPECTED <= set(os.listdir(out))
    assert {os.path.basename(p) for p in results.files.values()} == EXPECTED
    assert 0.3 < results.accuracy <= 1.0  # one short epoch learns something
    assert [c.name for c in results.per_class][9] == "Ankle boot"
    assert sum(c.support for c in results.per_class) == results.sizes["test"] == 300 == results.confusion.sum()
    assert results.sizes == {"training": 540, "validation": 60, "test": 300}
    assert set(results.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"} and len(results.epochs) == 1
    assert results.epochs[0].wall > 0 and results.total.wall >= results.epochs[0].wall
    report = (out / "report.md").read_text()
    assert "Test accuracy" in report and "| Ankle boot |" in report and "Time per epoch" in report
    assert "![Confusion matrix" in report and "| epochs | 1 |" in report
    assert f"**Test accuracy: {results.accuracy:.4f}**" in report
    meta = json.loads((out / "classes.json").read_text())
    assert meta["class_names"][9] == "Ankle boot" and meta["input_shape"] == [28, 28, 1]
    assert meta["test_accuracy"] == results.accuracy and meta["dark_background"]

    from axon.data.datasets import fashion_mnist
    (_, _), (xt, yt) = fashion_mnist.load_data(download=False)
    Image.fromarray(xt[0]).save(tmp_path / "dark.png")
    Image.fromarray(255 - xt[0]).convert("RGB").resize((64, 64)).save(tmp_path / "light.jpg")
    capsys.readouterr()
    assert main(["predict", str(out / "model.axon"), str(tmp_path / "dark.png"), str(tmp_path / "light.jpg"),
                 "--top", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(str(tmp_path / "dark.png"))
    probs = [float(part.rsplit(" ", 1)[1]) for part in lines[0].split(": ", 1)[1].split(", ")]
    assert len(probs) == 2 and probs[0] >= probs[1] and 0 < probs[0] <= 1
    assert main(["predict", str(out / "model.axon"), str(tmp_path / "missing.png")]) == 2


@needs_fashion
def test_classify_mlp_shows_first_layer_weights_as_filters(tmp_path):
    out = tmp_path / "mlp"
    assert main(["lab", "classify", "--model", "mlp", "--epochs", "1", "--limit", "300", "--test-limit", "100",
                 "--validation-split", "0", "--verbose", "0", "--out", str(out)]) == 0
    assert EXPECTED <= set(os.listdir(out))


def _image_folder(root):
    rng = np.random.default_rng(0)
    for name, colour in (("red", (200, 30, 30)), ("blue", (30, 30, 200))):
        os.makedirs(root / name)
        for i in range(12):
            arr = np.clip(rng.normal(colour, 20, (20, 24, 3)), 0, 255).astype("uint8")
            Image.fromarray(arr).save(root / name / f"{i}.png")
    (root / "red" / "broken.png").write_bytes(b"not a png")


def test_classify_an_image_folder_with_augmentation(tmp_path, capsys):
    _image_folder(tmp_path / "data")
    out = tmp_path / "run"
    with pytest.warns(UserWarning, match="broken.png"):
        rc = main(["lab", "classify", "--data-dir", str(tmp_path / "data"), "--image-size", "16",
                   "--color-mode", "rgb", "--model", "lenet", "--epochs", "2", "--augment", "--shift", "2", "--batch-size", "8",
                   "--test-split", "0.25", "--verbose", "0", "--out", str(out)])
    assert rc == 0
    meta = json.loads((out / "classes.json").read_text())
    assert meta["class_names"] == ["blue", "red"] and meta["input_shape"] == [16, 16, 3]
    report = (out / "report.md").read_text()
    assert "test 6" in report and "'width_shift_range': 2, 'height_shift_range': 2" in report
    Image.fromarray(np.full((40, 30, 3), (220, 20, 20), "uint8")).save(tmp_path / "red.png")
    capsys.readouterr()
    assert main(["predict", str(out / "model.axon"), str(tmp_path / "red.png")]) == 0
    assert "red" in capsys.readouterr().out


def test_settings_are_checked_when_the_config_is_made():
    with pytest.raises(ValueError, match="unknown model 'nonet'"):
        classify.ClassifyConfig(model="nonet", data_dir="/nonexistent-folder")
    with pytest.raises(ValueError, match="batch_size must be a whole number of at least 1, got 0"):
        classify.ClassifyConfig(batch_size=0)
    with pytest.raises(ValueError, match="zoo model 'vgg_small' does not take hidden"):
        classify.ClassifyConfig(model="vgg", hidden=(32,))
    assert classify.ClassifyConfig(**classify.TRAIN_DEFAULTS).schedule == "constant"


def test_a_sequence_model_is_refused_before_the_data_is_read(capsys):
    assert main(["lab", "classify", "--model", "seq2seq", "--data-dir", "/nonexistent-folder"]) == 2
    assert "zoo model 'seq2seq' needs src_vocab_size" in capsys.readouterr().err


@needs_fashion
def test_transfer_lab_prints_and_writes_the_comparison(tmp_path, capsys):
    out = tmp_path / "transfer"
    assert main(["lab", "transfer", "--labels", "10,20", "--pretrain-limit", "300", "--pretrain-epochs", "1",
                 "--epochs", "1", "--width", "0.25", "--test-limit", "200", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| labelled images | from scratch | frozen base + new head | full fine-tune |" in printed
    report = (out / "report.md").read_text()
    rows = [line for line in report.splitlines() if line.startswith("| 10 |") or line.startswith("| 20 |")]
    assert len(rows) == 2
    values = [float(v) for row in rows for v in row.strip("| ").split(" | ")[1:]]
    assert len(values) == 6 and all(0 <= v <= 1 for v in values)


@needs_fashion
def test_transfer_lab_results_without_fine_tuning(tmp_path):
    lines = []
    results = transfer.run(transfer.TransferConfig(labels=(10,), pretrain_limit=200, pretrain_epochs=1, epochs=1,
                                                   width=0.25, test_limit=100, fine_tune=False, out=str(tmp_path)),
                           log=lines.append)
    assert set(results.accuracy) == {(10, "from scratch"), (10, "frozen base + new head")}
    assert 0 <= results.source_accuracy <= 1 and results.sizes["target test"] == 100
    assert lines[0].startswith("pretraining cnn on classes 0-4 (200 images")
    assert results.table() == (["labelled images", "from scratch", "frozen base + new head"],
                               [[10, f"{results.accuracy[(10, 'from scratch')]:.4f}",
                                 f"{results.accuracy[(10, 'frozen base + new head')]:.4f}"]])
    assert results.files["report"] == str(tmp_path / "report.md")
