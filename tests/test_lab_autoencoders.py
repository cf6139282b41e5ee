"""The autoencoders lab (``axon.labs.autoencoders``, ``axon train autoencoder --kind ...``) on small
slices of Fashion-MNIST, and the zoo chart's autoencoder family shown working
(``axon.zoo.generative.shows``): each show's claim asserted on its quick run."""
import os

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from axon.cli import main
from axon.labs import autoencoders as lab
from axon.labs.autoencoders import AutoencoderConfig
from helpers import PNG, needs_fashion




def _small(kind, out, **kw):
    return AutoencoderConfig(kind=kind, quick=True, **{"limit": 1500, "test_limit": 300, "epochs": 3,
                                                        "batch_size": 32, "verbose": 0, "out": str(out), **kw})


def _pngs(files):
    for key, path in files.items():
        if path.endswith(".png"):
            with open(path, "rb") as f:
                assert f.read(8) == PNG, key


@needs_fashion
def test_dense_autoencoder_lab_reconstructs_far_better_than_the_mean_image(tmp_path):
    results = lab.run(_small("ae", tmp_path / "ae"))
    assert results.mse < 0.6 * results.baseline_mse
    assert set(results.files) == {"model", "report", "curves", "reconstructions", "latent", "interpolations"}
    _pngs(results.files)
    report = open(results.files["report"]).read()
    assert "**Test reconstruction error:" in report and "first two principal components" in report
    assert "](reconstructions.png)" in report
    import axon
    again = axon.load_model(results.files["model"])
    x = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(again.predict(x), results.model.predict(x), rtol=1e-5, atol=1e-6)


@needs_fashion
def test_vae_lab_logs_its_losses_and_draws_manifold_and_samples(tmp_path):
    results = lab.run(_small("vae", tmp_path / "vae", latent_dim=2))
    assert {"loss", "reconstruction_loss", "kl_loss"} <= set(results.losses)
    assert 0 < results.losses["kl_loss"] < 50
    assert results.losses["loss"] == pytest.approx(results.losses["reconstruction_loss"]
                                                   + results.losses["kl_loss"], rel=1e-4)
    assert {"manifold", "samples"} <= set(results.files)
    assert any("Kingma and Welling" in n for n in results.notes)  # the 2-D manifold, not a traversal
    _pngs(results.files)


@needs_fashion
def test_denoising_and_conditional_kinds(tmp_path):
    dn = lab.run(_small("denoising", tmp_path / "dn"))
    assert dn.measured["denoised MSE"] < dn.measured["noisy input MSE"]
    assert "denoising" in dn.files
    cvae = lab.run(_small("cvae", tmp_path / "cvae", epochs=2))
    assert {"samples", "manifold"} <= set(cvae.files)
    assert any("traverses the two" in n for n in cvae.notes) and any("class" in n for n in cvae.notes)


def test_config_checks_its_values():
    with pytest.raises(ValueError, match="kind must be one of ae, conv, denoising, sparse, vae, cvae, got 'gan'"):
        AutoencoderConfig(kind="gan")
    with pytest.raises(ValueError, match="latent_dim must be a whole number of at least 2, got 1"):
        AutoencoderConfig(latent_dim=1)
    assert AutoencoderConfig(kind="vae").epochs == lab.DEFAULT_EPOCHS["vae"]
    assert AutoencoderConfig(quick=True).epochs == 2


def test_pca_and_grid_helpers():
    z = np.random.default_rng(0).normal(size=(200, 5)).astype(np.float32) * np.array([5, 1, 0.1, 0.1, 0.1])
    points, explained = lab.pca_2d(z)
    assert points.shape == (200, 2) and explained > 0.95
    values = lab.grid_values(5)
    assert values[2] == pytest.approx(0, abs=1e-6) and values[-1] == pytest.approx(1.95996, abs=1e-4)


def _one_line(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as stop:
        code = stop.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    return err[0]


def test_axon_train_autoencoder_refuses_what_does_not_apply(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "--hidden applies to the classifiers, not to 'autoencoder'" in _one_line(
        capsys, "train", "autoencoder", "--hidden", "64")
    assert "--kind applies to 'axon train autoencoder', not to the classifier 'mlp'" in _one_line(
        capsys, "train", "mlp", "--kind", "vae")
    assert "train it with 'axon train autoencoder --kind vae'" in _one_line(capsys, "train", "vae")
    assert "--latent-dim must be a whole number of at least 2, got 0" in _one_line(
        capsys, "train", "autoencoder", "--latent-dim", "0")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds neither a dataset's IDX files" in _one_line(capsys, "train", "autoencoder", "--data-dir", str(empty))
    assert "invalid choice: 'gan'" in _one_line(capsys, "train", "autoencoder", "--kind", "gan")
    assert not os.path.exists(tmp_path / "runs")


def test_axon_train_autoencoder_on_a_folder_of_images(tmp_path, capsys):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    for name, level in (("dark", 40), ("light", 200)):
        (tmp_path / "imgs" / name).mkdir(parents=True)
        for i in range(10):
            pixels = np.clip(rng.normal(level, 20, (20, 20)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(tmp_path / "imgs" / name / f"{i}.png")
    out = tmp_path / "run"
    assert main(["train", "autoencoder", "--kind", "ae", "--data-dir", str(tmp_path / "imgs"), "--epochs", "2",
                 "--latent-dim", "4", "--batch-size", "8", "--verbose", "0", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("ae: test loss") and "saved model:" in text
    report = (out / "report.md").read_text()
    assert "image folder" in report and "20 images in 2 classes" in report
    assert (out / "latent_map.png").read_bytes()[:8] == PNG


# ----- the zoo chart's autoencoder family, shown working (quick runs)

@needs_fashion
def test_show_ae_beats_the_mean_image(tmp_path):
    from axon.zoo.generative.shows import show_ae
    shown = show_ae(str(tmp_path), quick=True)
    m = shown.measured
    assert shown.name == "Auto encoder (AE)"
    assert m["test MSE per pixel"] < 0.4 * m["mean-image MSE"]
    assert m["PCA (32 components) MSE"] < m["mean-image MSE"]
    assert os.path.exists(shown.files["page"]) and open(shown.files["figure"], "rb").read(8) == PNG


@needs_fashion
def test_show_vae_kl_and_samples_are_sensible(tmp_path):
    from axon.zoo.generative.shows import show_vae
    shown = show_vae(str(tmp_path), quick=True)
    m = shown.measured
    assert m["reconstruction (nats)"] < 0.85 * m["mean-image reconstruction (nats)"]
    assert 1 < m["KL (nats)"] < 30
    assert m["test loss (nats per image)"] == pytest.approx(m["reconstruction (nats)"] + m["KL (nats)"], rel=1e-4)
    # samples of the prior lie about as near the training images as test images do
    assert m["sample distance to nearest training image"] < 2.5 * m["test image distance to nearest training image"]
    assert {"manifold", "latent map", "samples", "page"} <= set(shown.files)


@needs_fashion
def test_show_dae_output_is_closer_to_the_clean_image_than_its_input(tmp_path):
    from axon.zoo.generative.shows import show_dae
    m = show_dae(str(tmp_path), quick=True).measured
    assert m["denoised MSE"] < 0.3 * m["noisy input MSE"]


@needs_fashion
def test_show_sae_mean_activity_is_near_the_target(tmp_path):
    from axon.zoo.generative.shows import show_sae
    m = show_sae(str(tmp_path), quick=True).measured
    assert abs(m["mean activity"] - m["sparsity target"]) < 0.03
    assert m["mean activity without the penalty"] > 4 * m["mean activity"]


@needs_fashion
def test_show_dn_draws_each_class_from_its_code(tmp_path):
    from axon.zoo.generative.shows import show_dn
    shown = show_dn(str(tmp_path), quick=True)
    assert shown.name == "Deconvolutional network (DN)"
    assert shown.measured["classes drawn closest to their own test mean"] >= 9


@needs_fashion
@pytest.mark.slow
def test_show_dcign_active_units_change_the_image_unused_ones_do_not(tmp_path):
    from axon.zoo.generative.shows import show_dcign
    m = show_dcign(str(tmp_path), quick=True).measured
    assert m["active units (KL > 0.5 nat)"] >= 2
    assert m["image change along the most used unit"] > 3 * m["image change along the least used unit"]
