"""Lab 3 (``axon lab gan``) and ``axon generate``: the quick lab writes every file it promises (the
generator, per-epoch grids and their GIF, curves, histogram, interpolation, memorisation, the
conditional GAN's class rows, the report with the calibration rows); a saved generator draws
grids; a folder of images trains; bad input stops in one line; the figures' helpers do what they
say."""
import json
import os

import numpy as np
import pytest

from axon.cli import main
from axon.labs.gan import GANConfig, SavedGenerator, load_real, run
from axon.labs.gan_report import nearest_training, slerp, tile_images, write_gif

FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
needs_fashion = pytest.mark.skipif(not os.path.exists(FASHION), reason="Fashion-MNIST not installed")


@pytest.fixture(scope="module")
def evaluator_dir(tmp_path_factory):
    """One cache of the quick lab's small evaluator for every test here (trained once, ~2 s)."""
    return str(tmp_path_factory.mktemp("evaluator"))


def _quick(tmp_path, evaluator_dir, **kw):
    return GANConfig(quick=True, out=str(tmp_path / "run"), evaluator_dir=evaluator_dir, verbose=0, **kw)


@needs_fashion
@pytest.mark.slow
def test_quick_dcgan_lab_writes_every_file_and_a_generator_that_draws(tmp_path, evaluator_dir, capsys):
    results = run(_quick(tmp_path, evaluator_dir))
    out = tmp_path / "run"
    files = results.files
    for key in ("generator", "info", "gif", "grid", "curves", "histogram", "interpolation", "memorisation",
                "report"):
        assert os.path.isfile(files[key]) and os.path.getsize(files[key]) > 200, key
    assert "per_class" not in files
    assert [os.path.basename(p) for p in files["grids"]] == ["epoch_000.png", "epoch_001.png"]
    from PIL import Image
    with Image.open(files["gif"]) as gif:
        assert gif.n_frames == 2 and gif.info["loop"] == 0
    # the metrics and the four calibration rows, in the report too
    m = results.metrics
    assert m["n_samples"] == 500 and len(m["class_fractions"]) == 10
    assert abs(sum(m["class_fractions"]) - 1) < 1e-9 and np.isfinite(m["fd"])
    assert len(results.calibration) == 4
    report = (out / "report.md").read_text()
    for name in results.calibration:
        assert f"| {name} |" in report
    assert "| **samples** |" in report and "Quick mode" in report and "![Latent interpolation" in report
    assert set(results.history) >= {"d_loss", "g_loss", "d_real", "d_fake"}
    assert results.timing["total"].wall > 0 and len(results.epochs) == 1
    # the saved generator alone draws the same images as the trained GAN
    saved = SavedGenerator.load(files["generator"])
    assert not saved.conditional and saved.info["latent_dim"] == results.settings["latent_dim"]
    z = np.random.default_rng(3).standard_normal((4, saved.info["latent_dim"])).astype(np.float32)
    np.testing.assert_allclose(saved.model.predict(z, verbose=0), results.gan.generator.predict(z, verbose=0),
                               atol=1e-6)
    grid = tmp_path / "grid.png"
    assert main(["generate", files["generator"], "-n", "12", "--cols", "6", "-o", str(grid)]) == 0
    with Image.open(grid) as img:
        assert img.size == (2 * (6 * 30 + 2), 2 * (2 * 30 + 2))
    assert "12 samples" in capsys.readouterr().out
    assert main(["generate", files["generator"], "--class", "1", "-o", str(grid)]) == 2
    assert "unconditional generator" in capsys.readouterr().err


@needs_fashion
@pytest.mark.slow
def test_quick_conditional_lab_has_class_rows_agreement_and_draws_a_class(tmp_path, evaluator_dir, capsys):
    results = run(_quick(tmp_path, evaluator_dir, model="cgan"))
    assert os.path.isfile(results.files["per_class"])
    assert list(results.agreement) == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                       "Sneaker", "Bag", "Ankle boot"]
    assert 0 <= results.agreement_mean <= 1
    from axon.labs.gan import sample
    images, labels = sample(results.gan, 25, 10)  # classes in turn: every Inception Score split holds all
    assert images.shape == (25, 28, 28, 1) and labels.tolist() == list(range(10)) * 2 + list(range(5))
    assert "requested class" in (tmp_path / "run" / "report.md").read_text()
    info = json.loads((tmp_path / "run" / "generator.json").read_text())
    assert info["conditional"] and info["num_classes"] == 10
    saved = SavedGenerator.load(results.files["generator"])
    z_seed = 5
    drawn = saved.generate(6, label=9, seed=z_seed)
    assert drawn.shape == (6, 28, 28, 1) and 0 <= drawn.min() and drawn.max() <= 1
    z = np.random.default_rng(z_seed).standard_normal((6, saved.info["latent_dim"])).astype(np.float32)
    expected = results.gan.generator.predict([z, np.full((6, 1), 9, np.float32)], verbose=0)
    np.testing.assert_allclose(drawn, np.clip((expected + 1) / 2, 0, 1), atol=1e-6)
    bare = tmp_path / "bare"  # without generator.json beside it, the model's inputs tell
    bare.mkdir()
    __import__("shutil").copy(results.files["generator"], bare / "g.axon")
    inferred = SavedGenerator.load(bare / "g.axon")
    assert (inferred.conditional, inferred.info["num_classes"], inferred.info["latent_dim"]) == \
        (True, 10, saved.info["latent_dim"])
    grid = tmp_path / "boots.png"
    assert main(["generate", results.files["generator"], "-n", "8", "--class", "9", "-o", str(grid)]) == 0
    assert "class 9 (Ankle boot)" in capsys.readouterr().out and grid.exists()
    assert main(["generate", results.files["generator"], "--class", "10", "-o", str(grid)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "between 0 and 9" in err[0]


@needs_fashion
def test_the_judge_scores_real_images_as_real_and_noise_as_noise(tmp_path, evaluator_dir):
    """Real test images passed as 'samples' (in [-1, 1], as a generator gives them) land near the
    calibration floor and their true labels agree with the classifier; uniform noise lands far off."""
    from axon.labs.gan import GANResults, judge
    config = _quick(tmp_path, evaluator_dir, model="cgan")
    data = load_real(config)

    def judged(images, labels):
        results = GANResults(config, config.settings(), None, data.source, {}, {}, [], {})
        judge(results, data, (images, labels), say=lambda *a: None)
        return results

    real = judged(data.x_test, data.y_test)
    noise_fd = real.calibration["test + Gaussian noise σ=0.2"]["fd"]
    assert real.metrics["fd"] < noise_fd
    assert real.agreement_mean > 0.5 and len(real.agreement) == 10  # the small evaluator's accuracy, ~0.65
    uniform = np.random.default_rng(0).uniform(-1, 1, data.x_test.shape).astype(np.float32)
    assert judged(uniform, None).metrics["fd"] > 3 * noise_fd


def _write_images(folder, count, size, mode, seed=0):
    from PIL import Image
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(count):
        shape = (size, size) if mode == "L" else (size, size, 3)
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(folder / f"img{k:03d}.png")


@needs_fashion
def test_a_folder_of_other_images_trains_and_says_the_metrics_do_not_apply(tmp_path, evaluator_dir):
    _write_images(tmp_path / "photos" / "nested", 24, 20, "RGB")
    config = _quick(tmp_path, evaluator_dir, data_dir=str(tmp_path / "photos"), image_size=(16, 16),
                    color_mode="rgb")
    data = load_real(config)
    assert data.x.shape == (24, 16, 16, 3) and data.x.min() >= -1 and data.x.max() <= 1 and not data.fashion
    results = run(config)
    assert results.metrics is None and "histogram" not in results.files
    assert os.path.isfile(results.files["gif"])
    report = (tmp_path / "run" / "report.md").read_text()
    assert "none were computed" in report and "folder" in report


def test_a_folder_without_images_stops_with_a_message_naming_it(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "notes.txt").write_text("no images here")
    with pytest.raises(ValueError, match=r"'.*empty'.*no image files"):
        run(GANConfig(data_dir=str(tmp_path / "empty"), out=str(tmp_path / "run"), verbose=0))
    assert not (tmp_path / "run").exists()
    with pytest.raises(FileNotFoundError, match="missing"):
        run(GANConfig(data_dir=str(tmp_path / "missing"), out=str(tmp_path / "run"), verbose=0))
    _write_images(tmp_path / "flat", 3, 28, "L")  # no class folders: fine for a GAN, not for a cGAN
    with pytest.raises(ValueError, match="conditional GAN needs labelled images"):
        run(GANConfig(model="cgan", data_dir=str(tmp_path / "flat"), out=str(tmp_path / "run"), verbose=0))


@pytest.mark.parametrize("kw, message", [
    (dict(model="vae"), "model must be one of dcgan, mlp, cgan"),
    (dict(epochs=0), "epochs must be a whole number of at least 1"),
    (dict(lr_g=-1e-4), "lr_g must be a number above 0"),
    (dict(n_eval=3), "n_eval must be a whole number of at least 10"),
    (dict(image_size=(32, 32)), "apply to data_dir images"),
])
def test_bad_settings_fail_by_name(kw, message):
    with pytest.raises(ValueError, match=message):
        GANConfig(**kw)


def test_settings_take_the_measured_defaults_then_what_is_given():
    from axon.zoo.generative.dcgan import LAB_DEFAULTS
    d = LAB_DEFAULTS["dcgan"]
    s = GANConfig().settings()
    assert (s["epochs"], s["batch_size"], s["width"], s["latent_dim"]) == (d["epochs"], d["batch_size"], d["width"],
                                                                          d["latent_dim"])
    assert s["lr_g"] == s["lr_d"] == d["lr"]
    s = GANConfig(epochs=2, lr_d=4e-4, width=16).settings()
    assert (s["epochs"], s["lr_d"], s["lr_g"], s["width"]) == (2, 4e-4, d["lr"], 16)
    widest = max(LAB_DEFAULTS["mlp"]["hidden"])
    assert max(GANConfig(model="mlp", width=widest // 2).settings()["hidden"]) == widest // 2


def test_generate_refuses_a_missing_or_wrong_file_in_one_line(tmp_path, capsys):
    notes = tmp_path / "notes.axon"
    notes.write_text("not a model")
    for argv in (["generate", str(tmp_path / "missing.axon")], ["generate", str(notes)],
                 ["generate", str(notes), "-n", "0"], ["generate", str(notes), "-o", "grid.jpg"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("axon generate: "), err


def test_tiles_sit_where_they_belong():
    images = np.stack([np.full((2, 3), v, np.float32) for v in (0.0, 0.5, 1.0)])
    tiles = tile_images(images, cols=2, pad=1, value=0.2)
    assert tiles.shape == (2 * 3 + 1, 2 * 4 + 1)
    assert np.all(tiles[1:3, 1:4] == 0) and np.all(tiles[1:3, 5:8] == 128) and np.all(tiles[4:6, 1:4] == 255)
    assert np.all(tiles[4:6, 5:8] == 51) and np.all(tiles[0] == 51)  # padding and the empty fourth tile
    rgb = tile_images(np.zeros((5, 4, 4, 3), np.float32), cols=4)
    assert rgb.shape == (2 * 6 + 2, 4 * 6 + 2, 3)


def test_slerp_runs_from_a_to_b_keeping_a_typical_length():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 5, 64)).astype(np.float32)
    path = slerp(a, b, 9)
    assert path.shape == (5, 9, 64)
    np.testing.assert_allclose(path[:, 0], a, atol=1e-5)
    np.testing.assert_allclose(path[:, -1], b, atol=1e-5)
    norms = np.linalg.norm(path, axis=-1)
    ends = (np.linalg.norm(a, axis=-1) + np.linalg.norm(b, axis=-1)) / 2
    assert np.all(norms[:, 4] > 0.9 * ends)  # a straight line's midpoint would be ~0.71 of it
    same = slerp(a[:1], a[:1], 3)
    np.testing.assert_allclose(same[0], np.repeat(a[:1], 3, 0), atol=1e-5)


def test_nearest_training_images_find_a_copy_first():
    rng = np.random.default_rng(1)
    train = rng.random((5000, 6, 6, 1), dtype=np.float32)
    samples = np.stack([train[4321], train[17] + 0.01])
    idx, dist = nearest_training(samples, train, k=3, chunk=1000)
    assert idx[:, 0].tolist() == [4321, 17] and dist[0, 0] < 1e-3 and np.all(np.diff(dist, axis=1) >= 0)
    brute = np.sort(np.linalg.norm(train.reshape(5000, -1) - samples[1].reshape(1, -1), axis=1))[:3]
    np.testing.assert_allclose(dist[1], brute, rtol=1e-4)


def test_the_gif_holds_every_grid_in_order(tmp_path):
    from PIL import Image
    paths = []
    for k, value in enumerate((0, 120, 250)):
        paths.append(str(tmp_path / f"epoch_{k:03d}.png"))
        Image.new("L", (20, 10), value).save(paths[-1])
    gif = write_gif(paths, str(tmp_path / "samples.gif"), duration=100, hold=500)
    with Image.open(gif) as img:
        assert img.n_frames == 3
        seen = []
        for frame in range(3):
            img.seek(frame)
            seen.append(int(np.asarray(img.convert("L"))[5, 10]))
        assert img.info["duration"] == 500 and img.info["loop"] == 0
    assert seen == [0, 120, 250]
