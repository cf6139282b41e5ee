"""Ordinary mistakes with the loaders, the data sources of ``fit`` and the ``axon`` command: each
is answered with a message naming the thing (file, path, line, argument), the expected and the
actual value, and what to do -- never silently accepted, never answered from deep inside.

Each test is one mistake (or one family of them); the number in its name is its place in the catalogue."""
import gzip
import os
import re

import numpy as np
import pytest

import axon
from axon.cli import COMMANDS, build_parser, main
from axon.data import ImageDataGenerator
from axon.data.datasets import fashion_mnist, mnist
from axon.data.idx import read_idx, write_idx
from axon.data.image import load_img
from axon.data.image_files import image_dataset_from_directory
from axon.data.text import read_trans_de_en, read_tsv_pairs

Image = pytest.importorskip("PIL.Image")

IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte")


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("AXON_OFFLINE", "1")


def _idx_folder(folder, n_train=6, n_train_labels=6, skip=()):
    """A tiny MNIST-layout folder: 28x28 images and labels, leaving out the files in ``skip``."""
    folder.mkdir(exist_ok=True)
    arrays = {IDX_FILES[0]: np.zeros((n_train, 28, 28), np.uint8), IDX_FILES[1]: np.zeros(n_train_labels, np.uint8),
              IDX_FILES[2]: np.zeros((3, 28, 28), np.uint8), IDX_FILES[3]: np.zeros(3, np.uint8)}
    for name, array in arrays.items():
        if name not in skip:
            write_idx(folder / name, array)
    return folder


def _cli(capsys, *argv):
    """Run ``axon argv`` in-process: (exit status, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    return code, capsys.readouterr().err


def _one_line(capsys, words, *argv):
    """The single ``axon WORDS: ...`` line a mistake must end in (exit status 2, no traceback)."""
    code, err = _cli(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, (code, err)
    assert lines[0].startswith(f"axon {words}: "), err
    return lines[0]


# ----- data sets (IDX files)

def test_01_a_mistyped_path_is_an_error_not_the_system_copy(tmp_path):
    typo = tmp_path / "fashon-mnist"
    with pytest.raises(FileNotFoundError, match=re.escape(f"path '{typo}' does not exist") + ".*leave path out"):
        fashion_mnist.load_data(path=typo)


def test_02_mnist_path_is_the_only_place_looked_at(tmp_path, monkeypatch):
    monkeypatch.setenv("AXON_DATA", str(_idx_folder(tmp_path / "elsewhere")))  # a complete copy elsewhere
    with pytest.raises(FileNotFoundError, match=r"mnist: path '.*typo' does not exist"):
        mnist.load_data(path=tmp_path / "typo")
    (x, _), _ = mnist.load_data()  # without a path, AXON_DATA is used
    assert x.shape == (6, 28, 28)


def test_03_a_folder_without_the_idx_files_names_them(tmp_path):
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(FileNotFoundError, match=r"folder '.*' lacks train-images-idx3-ubyte.gz, "
                                                r"train-labels-idx1-ubyte.gz, t10k-images.*it holds \['readme.txt'\]"):
        fashion_mnist.load_data(path=tmp_path)


def test_04_a_folder_missing_one_file_names_only_that_one(tmp_path):
    folder = _idx_folder(tmp_path / "fm", skip=(IDX_FILES[3],))
    with pytest.raises(FileNotFoundError, match=r"lacks t10k-labels-idx1-ubyte.gz \(gzipped or not\); .*put all 4"):
        fashion_mnist.load_data(path=folder)


def test_05_a_truncated_idx_file_names_file_and_bytes(tmp_path):
    folder = _idx_folder(tmp_path / "fm")
    path = folder / IDX_FILES[2]
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=re.escape(f"{path} is truncated: shape (3, 28, 28) of uint8 needs 2352 "
                                                   "data bytes, found 2342; delete it and fetch it again")):
        fashion_mnist.load_data(path=folder)


def test_06_a_file_that_is_not_idx_names_its_magic_number(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_text("<html>404</html>")
    with pytest.raises(ValueError, match=re.escape(f"{path} is not an IDX file: bad magic number 3c68746d")):
        read_idx(path)


def test_07_a_damaged_gzip_names_the_file(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(b"\0\0\x08\x01" + bytes(8))[:-6])
    with pytest.raises(ValueError, match=re.escape(str(path)) + " is a damaged or truncated gzip.*fetch it again"):
        read_idx(path)


def test_08_labels_and_images_of_different_counts_name_both_files(tmp_path):
    folder = _idx_folder(tmp_path / "fm", n_train=6, n_train_labels=5)
    with pytest.raises(ValueError, match=r"images .*train-images-idx3-ubyte hold shape \(6, 28, 28\) and labels "
                                         r".*train-labels-idx1-ubyte shape \(5,\); expected .* same N labels.*fetch"):
        fashion_mnist.load_data(path=folder)


# ----- image files and folders

def _png16(path, values):
    Image.fromarray(np.asarray(values, np.uint16)).save(path)
    assert Image.open(path).mode == "I;16"  # a real 16-bit grey PNG


def test_09_a_16_bit_png_is_scaled_to_8_bits_not_white(tmp_path):
    path = tmp_path / "deep.png"
    _png16(path, [[0, 257 * 50, 257 * 128, 65535]])
    np.testing.assert_array_equal(np.asarray(load_img(path, "grayscale")), [[0, 50, 128, 255]])
    rgb = np.asarray(load_img(path, "rgb"))
    assert rgb.shape == (1, 4, 3) and rgb[0, :, 0].tolist() == [0, 50, 128, 255]


def _class_tree(root, empty_class=True):
    for name in ("a", "b") + (("c",) if empty_class else ()):
        (root / name).mkdir(parents=True)
    _png16(root / "a" / "x.png", np.full((8, 8), 257 * 100))
    Image.fromarray(np.full((8, 8), 60, np.uint8)).save(root / "b" / "y.png")
    return root


def test_10_16_bit_pngs_through_flow_from_directory_and_image_dataset(tmp_path):
    root = _class_tree(tmp_path / "imgs", empty_class=False)
    it = ImageDataGenerator().flow_from_directory(root, target_size=(8, 8), color_mode="grayscale",
                                                  class_mode="sparse", shuffle=False)
    x, y = it[0]
    assert x[y == 0].max() == 100 and x[y == 1].max() == 60
    ds = image_dataset_from_directory(root, image_size=(8, 8), color_mode="grayscale", shuffle=False, verbose=False)
    xb, yb = next(iter(ds))
    assert np.asarray(xb)[np.asarray(yb) == 0].max() == pytest.approx(100)


def test_11_an_empty_class_folder_is_counted_and_announced_as_keras_does(tmp_path, capsys):
    """Keras's flow_from_directory prints "Found N images belonging to K classes." and an empty
    class folder silently holds 0 images; Axon does the same, so the printed line shows it."""
    root = _class_tree(tmp_path / "imgs")
    it = ImageDataGenerator().flow_from_directory(root, target_size=(8, 8))
    assert "Found 2 images belonging to 3 classes." in capsys.readouterr().out
    assert it.class_indices == {"a": 0, "b": 1, "c": 2} and np.bincount(it.classes, minlength=3).tolist() == [1, 1, 0]


def test_12_image_dataset_refuses_an_empty_class_folder(tmp_path):
    """image_dataset_from_directory refuses it (Keras would count it with 0 files): a class no
    image can teach is a mistake the message names."""
    root = _class_tree(tmp_path / "imgs")
    with pytest.raises(ValueError, match=r"class folder '.*/c' holds no image files; add its images or remove"):
        image_dataset_from_directory(root, image_size=(8, 8))


def test_13_an_entirely_empty_directory_names_the_path(tmp_path):
    with pytest.raises(ValueError, match=re.escape(f"image folder '{tmp_path}' has no sub-folders; put each class")):
        ImageDataGenerator().flow_from_directory(tmp_path, target_size=(8, 8))


def test_14_class_folders_without_any_image_name_the_path(tmp_path):
    (tmp_path / "cats").mkdir()
    (tmp_path / "cats" / "notes.txt").write_text("no images here")
    with pytest.raises(ValueError, match=re.escape(f"image folder '{tmp_path}': no readable images") + ".*cats"):
        ImageDataGenerator().flow_from_directory(tmp_path, target_size=(8, 8))


def test_15_target_size_as_one_number_is_a_clear_error(tmp_path):
    root = _class_tree(tmp_path / "imgs")
    with pytest.raises(ValueError, match=re.escape("flow_from_directory: target_size must be a tuple (height, width)")
                       + ".*got 28; for square images write target_size=\\(n, n\\)"):
        ImageDataGenerator().flow_from_directory(root, target_size=28)


def test_16_target_size_of_zero_pixels_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"target_size must be .* positive whole numbers, got \(0, 28\)"):
        ImageDataGenerator().flow_from_directory(tmp_path, target_size=(0, 28))


def test_17_a_non_image_among_images_is_skipped_and_named(tmp_path):
    root = _class_tree(tmp_path / "imgs")
    (root / "b" / "broken.png").write_text("not a picture")
    (root / "b" / "labels.csv").write_text("no image extension: not looked at")
    with pytest.warns(UserWarning, match=r"skipped 1 unreadable image file\(s\): b/broken.png \("):
        it = ImageDataGenerator().flow_from_directory(root, target_size=(8, 8))
    assert it.samples == 2 and [f for f, _ in it.skipped] == [os.path.join("b", "broken.png")]


def test_18_a_missing_directory_names_the_path(tmp_path):
    missing = tmp_path / "photoz"
    for load in (lambda: ImageDataGenerator().flow_from_directory(missing, target_size=(8, 8)),
                 lambda: image_dataset_from_directory(missing)):
        with pytest.raises(FileNotFoundError, match=re.escape(f"image folder '{missing}' does not exist") +
                           ".*only place looked at"):
            load()


def test_19_image_size_of_one_number_in_a_list_is_refused(tmp_path):
    root = _class_tree(tmp_path / "imgs", empty_class=False)
    with pytest.raises(ValueError, match=r"image_size must be \(height, width\), got \[28\]"):
        image_dataset_from_directory(root, image_size=[28])


def test_20_load_img_of_a_text_file_names_the_file(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("hello")
    with pytest.raises(ValueError, match=re.escape(f"load_img: cannot read image '{path}'")):
        load_img(path)


# ----- sentence-pair files

def test_21_a_latin1_tsv_names_file_line_and_byte(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_bytes("Hallo\tHello\nGrüße\tGreetings\n".encode("latin-1"))
    with pytest.raises(ValueError, match=re.escape(f"read_tsv_pairs: {path}:2 is not utf-8 text (byte 0xfc at column 3)")
                       + ".*iconv -f latin1 -t utf-8.*encoding="):
        read_tsv_pairs(path)


def test_22_a_latin1_tsv_reads_when_its_encoding_is_given(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_bytes("Grüße\tGreetings\n".encode("latin-1"))
    assert read_tsv_pairs(path, encoding="latin-1") == [("Grüße", "Greetings")]


def test_23_a_latin1_ding_file_names_file_and_line(tmp_path):
    """The Ding format of trans-de-en is UTF-8 by definition: the reader says so and how to convert."""
    path = tmp_path / "de-en"
    path.write_bytes("# comment\nIch bin müde. :: I am tired.\n".encode("latin-1"))
    with pytest.raises(ValueError, match=re.escape(f"read_trans_de_en: {path}:2 is not utf-8 text") +
                       ".*iconv.*the Ding format is UTF-8"):
        read_trans_de_en(path)


def test_24_a_line_without_a_tab_names_file_and_line(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("Hallo\tHello\nGuten Morgen  Good morning\n")
    with pytest.raises(ValueError, match=re.escape(f"{path}:2 has 1 tab-separated column(s), expected at least 2: "
                                                   "'Guten Morgen  Good morning'; separate source and target with a tab")):
        read_tsv_pairs(path)


def test_25_an_empty_pair_file_is_an_error(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("")
    for read, who in ((read_tsv_pairs, "read_tsv_pairs"), (read_trans_de_en, "read_trans_de_en")):
        with pytest.raises(ValueError, match=re.escape(f"{who}: {path} is empty; expected sentence pairs")):
            read(path)


def test_26_a_tsv_given_as_a_ding_file_is_named(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("Hallo Welt.\tHello world.\n")
    with pytest.raises(ValueError, match=r"holds no 'German :: English' lines; .*use read_tsv_pairs"):
        read_trans_de_en(path)


def test_27_a_missing_pair_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"read_tsv_pairs: no file '.*missing.tsv'; check the path"):
        read_tsv_pairs(tmp_path / "missing.tsv")


# ----- arrays given to fit

def _model():
    model = axon.Sequential([axon.Input((3,)), axon.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def test_28_a_ragged_list_as_x_says_to_pad():
    with pytest.raises(ValueError, match=re.escape("x is a ragged list: its samples have lengths [2, 3]") +
                       ".*pad_sequences"):
        _model().fit([[1, 2, 3], [1, 2]], np.zeros((2, 1)), verbose=0)


def test_29_a_ragged_object_array_as_x_says_to_pad():
    x = np.empty(2, dtype=object)
    x[0], x[1] = [1.0, 2.0, 3.0], [1.0]
    with pytest.raises(ValueError, match=r"x is a ragged list: its samples have lengths \[1, 3\]"):
        _model().predict(x, verbose=0)


def test_30_ragged_targets_name_y():
    with pytest.raises(ValueError, match=r"y is a ragged list: its samples have lengths \[1, 2\].*pad_sequences"):
        _model().fit(np.zeros((2, 3)), [[1.0], [1.0, 2.0]], verbose=0)


def test_31_x_and_y_of_different_lengths():
    with pytest.raises(ValueError, match="x has 2 samples but y has 3; they must match"):
        _model().fit(np.zeros((2, 3)), np.zeros((3, 1)), verbose=0)


def test_42_a_file_name_as_x_says_to_load_it_first():
    with pytest.raises(ValueError, match=r"x is the str 'train.csv', not data; load the file first"):
        _model().fit("train.csv", np.zeros((1, 1)), verbose=0)


def test_43_a_dict_for_a_model_without_named_inputs():
    with pytest.raises(ValueError, match=r"x is a dict with keys \['features'\], which only a functional model .*"
                                         r"pass the array itself"):
        _model().fit({"features": np.zeros((2, 3))}, np.zeros((2, 1)), verbose=0)


def test_44_a_number_as_x_is_no_data():
    with pytest.raises(ValueError, match=r"x of type int \(5\) is not data; pass arrays"):
        _model().predict(5, verbose=0)


def test_45_strings_as_images_for_flow_name_the_dtype():
    with pytest.raises(ValueError, match=r"flow: x must hold numbers \(pixel values\), got dtype <U1.*float32"):
        ImageDataGenerator().flow(np.full((2, 4, 4, 1), "a"))


def test_46_translate_max_len_zero(tmp_path, capsys):
    line = _one_line(capsys, "translate", "translate", str(tmp_path), "Hallo.", "--max-len", "0")
    assert line == "axon translate: --max-len must be at least 1 token, got 0"


# ----- the axon command

def test_32_a_mistyped_data_dir_of_axon_train(tmp_path, capsys):
    line = _one_line(capsys, "train", "train", "mlp", "--data-dir", str(tmp_path / "fashon"), "--epochs", "1")
    assert f"path '{tmp_path / 'fashon'}' does not exist" in line


def test_33_a_data_dir_without_idx_files(tmp_path, capsys):
    folder = _idx_folder(tmp_path / "fm", skip=IDX_FILES[:2])
    line = _one_line(capsys, "train", "train", "mlp", "--data-dir", str(folder))
    assert "lacks train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz (gzipped or not)" in line


@pytest.mark.parametrize("words, argv, says", [
    ("train", ["train", "mlpp"], "unknown model 'mlpp'; did you mean"),
    ("train", ["train", "--epochs", "0"], "--epochs must be a whole number of at least 1, got 0"),
    ("train", ["train", "--lr", "-1"], "--lr must be a number above 0, got -1.0"),
    ("lab classify", ["lab", "classify", "--lr", "-1"], "--lr must be a number above 0, got -1.0"),
    ("lab classify", ["lab", "classify", "--epochs", "0"], "--epochs must be a whole number of at least 1, got 0"),
    ("lab transfer", ["lab", "transfer", "--lr", "-1"], "--lr must be a number above 0"),
    ("lab translate", ["lab", "translate", "--learning-rate", "-1"], "--learning-rate must be a number above 0"),
    ("lab transfer", ["lab", "transfer", "--epochs", "0"], "--epochs must be a whole number of at least 1, got 0"),
    ("lab translate", ["lab", "translate", "--epochs", "0"], "--epochs must be a whole number of at least 1, got 0"),
    ("demo", ["demo", "convolushun"], "unknown demo 'convolushun'"),
])
def test_34_bad_values_and_names_on_the_command_line(capsys, tmp_path, monkeypatch, words, argv, says):
    monkeypatch.chdir(tmp_path)
    assert says in _one_line(capsys, words, *argv)
    assert not os.path.exists(tmp_path / "runs")  # nothing was started


def test_35_lab_classify_with_a_missing_image_folder(tmp_path, capsys):
    line = _one_line(capsys, "lab classify", "lab", "classify", "--data-dir", str(tmp_path / "photos"))
    assert f"image folder '{tmp_path / 'photos'}' does not exist" in line


def test_36_lab_translate_with_a_latin1_or_empty_pair_file(tmp_path, capsys):
    latin = tmp_path / "latin.tsv"
    latin.write_bytes("Grüße\tGreetings\n".encode("latin-1"))
    assert f"{latin}:1 is not utf-8 text" in _one_line(capsys, "lab translate", "lab", "translate", "--pairs", str(latin))
    empty = tmp_path / "empty.tsv"
    empty.write_text("")
    assert f"{empty} is empty" in _one_line(capsys, "lab translate", "lab", "translate", "--pairs", str(empty))


def _saved_mlp(tmp_path):
    from axon.zoo import ImageClassifier
    model = axon.zoo.get("mlp", input_shape=(28, 28, 1), num_classes=3, hidden=(8,))
    return ImageClassifier(model, ["cat", "dog", "owl"]).save(str(tmp_path / "model.axon"))


def test_37_predict_with_a_non_image_names_the_file(tmp_path, capsys):
    notes = tmp_path / "shirt.jpg"
    notes.write_text("not a photo")
    line = _one_line(capsys, "predict", "predict", _saved_mlp(tmp_path), str(notes))
    assert f"cannot read image '{notes}'" in line


def test_38_predict_with_a_text_file_as_model(tmp_path, capsys):
    text = tmp_path / "model.txt"
    text.write_text("weights")
    line = _one_line(capsys, "predict", "predict", str(text), str(text))
    assert f"'{text}' is not a readable Axon model file" in line


def test_39_predict_resizes_an_image_of_another_size_for_the_mlp(tmp_path, capsys):
    """Not a mistake: axon predict resizes every image to the model's input (28x28 here)."""
    photo = tmp_path / "big.png"
    Image.new("RGB", (64, 40), (200, 10, 10)).save(photo)
    assert main(["predict", _saved_mlp(tmp_path), str(photo), "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(rf"{re.escape(str(photo))}: (cat|dog|owl) 0\.\d{{3}}, (cat|dog|owl) 0\.\d{{3}}\n", out), out


def test_40_translate_with_a_text_file_as_model(tmp_path, capsys):
    text = tmp_path / "model.txt"
    text.write_text("weights")
    line = _one_line(capsys, "translate", "translate", str(text), "Hallo.")
    assert "lacks model.axon" in line and "give the folder written by 'axon lab translate'" in line


class _Stop(Exception):
    """Raised by a stand-in for a lab's run: the example's options built a valid config."""


def test_41_every_help_has_examples_that_are_valid(capsys, monkeypatch):
    import axon.cli.demo as demo_cli
    started = []

    def stop(config, *args, **kwargs):
        started.append(config)
        raise _Stop

    for name in ("train", "lab_classify", "lab_transfer", "lab_translate"):
        module = __import__(f"axon.cli.{name}", fromlist=["run_lab"])
        monkeypatch.setattr(module, "run_lab", stop)
    monkeypatch.setattr(demo_cli.demos, "run", lambda *a, **k: (_ for _ in ()).throw(_Stop()))
    for name, module in COMMANDS.items():
        with pytest.raises(SystemExit):
            main(name.split() + ["--help"])
        shown = capsys.readouterr().out
        assert module.EXAMPLES and "examples:" in shown, name
        for example in module.EXAMPLES:
            assert f"  {example}\n" in shown
            argv = __import__("shlex").split(example)[1:]
            build_parser().parse_args(argv)  # parses (argparse exits on a bad option)
            if module.run.__module__.rsplit(".", 1)[1] in ("train", "lab_classify", "lab_transfer",
                                                           "lab_translate") or argv[:2] == ["demo", "convolution"]:
                with pytest.raises(_Stop):
                    main(argv)
    assert len(started) >= 7  # every lab example reached the lab with a valid config


def test_47_predict_with_a_model_that_takes_no_images(tmp_path, capsys):
    model = axon.Sequential([axon.Input((3,)), axon.layers.Dense(2, activation="softmax")])
    model.save(str(tmp_path / "vector.axon"))
    photo = tmp_path / "p.png"
    Image.new("L", (8, 8)).save(photo)
    line = _one_line(capsys, "predict", "predict", str(tmp_path / "vector.axon"), str(photo))
    assert "expects inputs of shape (3,), not images (H, W, C)" in line


def test_48_predict_with_a_model_of_two_channels(tmp_path, capsys):
    model = axon.Sequential([axon.Input((8, 8, 2)), axon.layers.Flatten(), axon.layers.Dense(2, activation="softmax")])
    model.save(str(tmp_path / "two.axon"))
    photo = tmp_path / "p.png"
    Image.new("L", (8, 8)).save(photo)
    line = _one_line(capsys, "predict", "predict", str(tmp_path / "two.axon"), str(photo))
    assert "the model expects 2 channels; only 1 (grayscale), 3 (RGB) or 4 (RGBA) are images" in line


def test_49_predict_with_missing_images_names_every_one(tmp_path, capsys):
    line = _one_line(capsys, "predict", "predict", _saved_mlp(tmp_path), str(tmp_path / "a.png"), str(tmp_path / "b.png"))
    assert f"no such image file(s): {tmp_path / 'a.png'}, {tmp_path / 'b.png'}" in line


def test_predict_on_no_samples_and_a_fractional_batch_size_are_named():
    model = axon.Sequential([axon.Input((3,)), axon.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"x holds no samples \(shape \(0, 3\)\).*predict.*at least one sample"):
        model.predict(np.zeros((0, 3)), verbose=0)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer, got 2\.5; pass e\.g\. batch_size=32"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)), batch_size=2.5, verbose=0)
