"""Data sets: IDX files, the search order for files, downloads with checksums, the real Fashion-MNIST."""
import gzip
import hashlib
import http.server
import os
import socket
import threading

import numpy as np
import pytest

import axon
from axon.data.idx import read_idx, write_idx
from axon.data.datasets import _files, fashion_mnist, mnist

FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
DEBIAN = "/usr/share/datasets/fashion-mnist"


def make_idx_folder(folder, marker, n_train=6, n_test=4, compress=True):
    """Four tiny MNIST-layout files whose train images are all ``marker``."""
    os.makedirs(folder, exist_ok=True)
    arrays = {"train-images-idx3-ubyte": np.full((n_train, 28, 28), marker, np.uint8),
              "train-labels-idx1-ubyte": np.arange(n_train, dtype=np.uint8) % 10,
              "t10k-images-idx3-ubyte": np.full((n_test, 28, 28), marker + 1, np.uint8),
              "t10k-labels-idx1-ubyte": np.arange(n_test, dtype=np.uint8) % 10}
    for name, a in arrays.items():
        write_idx(os.path.join(folder, name + (".gz" if compress else "")), a)


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No AXON_DATA, a private cache, an empty 'system' folder, downloads off unless asked."""
    monkeypatch.delenv("AXON_DATA", raising=False)
    monkeypatch.setenv("AXON_OFFLINE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(fashion_mnist.SOURCE, "system_dirs", [str(tmp_path / "system")])
    return tmp_path


# ----- IDX format
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_idx_round_trip_every_dtype(tmp_path, dtype, name):
    a = (np.arange(24).reshape(2, 3, 4) - 7).astype(dtype) if np.dtype(dtype).kind != "u" \
        else np.arange(24, dtype=dtype).reshape(2, 3, 4)
    write_idx(tmp_path / name, a)
    b = read_idx(tmp_path / name)
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative
    np.testing.assert_array_equal(a, b)


def test_idx_truncated_file_is_refused_by_name(tmp_path):
    p = tmp_path / "short.idx"
    write_idx(p, np.zeros((5, 4), np.uint8))
    p.write_bytes(p.read_bytes()[:-3])
    with pytest.raises(ValueError, match=r"short\.idx is truncated.*needs 20 data bytes, found 17"):
        read_idx(p)


def test_idx_truncated_gzip_is_refused_by_name(tmp_path):
    p = tmp_path / "short.idx.gz"
    write_idx(p, np.arange(4000, dtype=np.int32))
    p.write_bytes(p.read_bytes()[:-40])
    with pytest.raises(ValueError, match=r"short\.idx\.gz is a damaged or truncated gzip"):
        read_idx(p)


def test_idx_bad_magic_is_refused_by_name(tmp_path):
    p = tmp_path / "junk.bin"
    p.write_bytes(b"PK\x03\x04 not an idx file")
    with pytest.raises(ValueError, match=r"junk\.bin is not an IDX file: bad magic number 504b0304"):
        read_idx(p)
    q = tmp_path / "header.idx"
    q.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(ValueError, match="header.idx is truncated: the header needs 16 bytes"):
        read_idx(q)


# ----- the real files from Debian's dataset-fashion-mnist
@pytest.mark.skipif(not os.path.isdir(DEBIAN), reason="dataset-fashion-mnist is not installed")
def test_fashion_mnist_from_debian_package_like_keras(monkeypatch):
    monkeypatch.delenv("AXON_DATA", raising=False)
    (x_train, y_train), (x_test, y_test) = axon.datasets.fashion_mnist.load_data(download=False)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(y_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 10)
    assert x_train.max() == 255 and x_train.min() == 0 and x_train.flags.writeable
    assert len(fashion_mnist.CLASS_NAMES) == 10 and fashion_mnist.CLASS_NAMES[9] == "Ankle boot"


def test_datasets_importable_both_ways():
    from axon.datasets import fashion_mnist as fm
    import axon.datasets.mnist as m
    assert fm is axon.datasets.fashion_mnist is axon.data.datasets.fashion_mnist
    assert m is mnist


# ----- search order
def test_explicit_path_beats_axon_data_beats_system_beats_cache(isolated, monkeypatch):
    tmp = isolated
    make_idx_folder(tmp / "explicit", 10)
    make_idx_folder(tmp / "env" / "fashion-mnist", 20)
    make_idx_folder(tmp / "system", 30)
    make_idx_folder(tmp / "cache" / "axon" / "datasets" / "fashion-mnist", 40)
    monkeypatch.setenv("AXON_DATA", str(tmp / "env"))
    marker = lambda **kw: int(fashion_mnist.load_data(**kw)[0][0][0, 0, 0])
    assert marker(path=tmp / "explicit") == 10
    assert marker() == 20
    monkeypatch.delenv("AXON_DATA")
    assert marker() == 30
    monkeypatch.setattr(fashion_mnist.SOURCE, "system_dirs", [])
    assert marker() == 40
    with pytest.raises(FileNotFoundError, match="nothing-here' does not exist"):  # a path given is the only place
        marker(path=tmp / "nothing-here")


def test_axon_data_folder_itself_and_plain_files(isolated, monkeypatch):
    make_idx_folder(isolated / "flat", 7, n_train=3, compress=False)
    monkeypatch.setenv("AXON_DATA", str(isolated / "flat"))
    (x, y), (xt, yt) = fashion_mnist.load_data()
    assert x.shape == (3, 28, 28) and x[0, 0, 0] == 7 and xt[0, 0, 0] == 8
    np.testing.assert_array_equal(y, [0, 1, 2])


def test_offline_error_names_every_place_and_remedies(isolated, monkeypatch):
    monkeypatch.setenv("AXON_DATA", str(isolated / "env"))
    with pytest.raises(FileNotFoundError) as e:
        fashion_mnist.load_data()
    msg = str(e.value)
    for place in [isolated / "env" / "fashion-mnist", isolated / "env",
                  isolated / "system", isolated / "cache" / "axon" / "datasets" / "fashion-mnist"]:
        assert str(place) in msg
    assert "apt-get install dataset-fashion-mnist" in msg and "AXON_DATA" in msg
    assert "download" in msg and "AXON_OFFLINE" in msg


# ----- downloads, served from a local HTTP server
@pytest.fixture
def server(tmp_path):
    root = tmp_path / "served"
    make_idx_folder(root, 50)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):
            return None

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def test_download_verifies_checksums_and_fills_the_cache(isolated, server, monkeypatch):
    root, url = server
    monkeypatch.setattr(mnist.SOURCE, "mirrors", ["http://127.0.0.1:9/unreachable/", url])
    monkeypatch.setattr(mnist.SOURCE, "files", {f: ("md5", md5(root / f)) for f in FILES})
    (x, y), (xt, yt) = mnist.load_data(download=True)
    assert x.shape == (6, 28, 28) and x[0, 0, 0] == 50 and xt.shape == (4, 28, 28)
    cache = isolated / "cache" / "axon" / "datasets" / "mnist"
    assert sorted(os.listdir(cache)) == sorted(FILES)            # no temporary files left
    # Second call: served from the cache, no network needed.
    monkeypatch.setattr(mnist.SOURCE, "mirrors", [])
    assert mnist.load_data(download=False)[0][0][0, 0, 0] == 50


def test_download_sha256_checksum(isolated, server, monkeypatch):
    root, url = server
    monkeypatch.setattr(mnist.SOURCE, "mirrors", [url])
    monkeypatch.setattr(mnist.SOURCE, "files", {
        f: ("sha256", hashlib.sha256((root / f).read_bytes()).hexdigest()) for f in FILES})
    assert mnist.load_data(download=True)[1][0].shape == (4, 28, 28)


def test_download_checksum_mismatch_deletes_and_raises(isolated, server, monkeypatch):
    root, url = server
    files = {f: ("md5", md5(root / f)) for f in FILES}
    files["t10k-images-idx3-ubyte.gz"] = ("md5", "0" * 32)
    monkeypatch.setattr(mnist.SOURCE, "mirrors", [url])
    monkeypatch.setattr(mnist.SOURCE, "files", files)
    with pytest.raises(_files.ChecksumError, match="t10k-images-idx3-ubyte.gz: md5 checksum is .*"
                                                    "expected 0{32}.*deleted"):
        mnist.load_data(download=True)
    cache = isolated / "cache" / "axon" / "datasets" / "mnist"
    assert "t10k-images-idx3-ubyte.gz" not in os.listdir(cache)
    assert not [f for f in os.listdir(cache) if f.startswith(".tmp")]


def test_failed_download_reports_places_and_reason(isolated, monkeypatch):
    with socket.socket() as s:                     # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    monkeypatch.setattr(mnist.SOURCE, "mirrors", [dead])
    with pytest.raises(FileNotFoundError, match="(?s)not found; looked in.*the download failed.*127.0.0.1"):
        mnist.load_data(download=True)


def test_file_urls_download(isolated, tmp_path, monkeypatch):
    make_idx_folder(tmp_path / "mirror", 60)
    monkeypatch.setattr(fashion_mnist.SOURCE, "mirrors", [(tmp_path / "mirror").as_uri() + "/"])
    monkeypatch.setattr(fashion_mnist.SOURCE, "files",
                        {f: ("md5", md5(tmp_path / "mirror" / f)) for f in FILES})
    monkeypatch.delenv("AXON_OFFLINE")
    assert fashion_mnist.load_data()[0][0][0, 0, 0] == 60


def test_gzip_members_are_read_regardless_of_suffix(tmp_path):
    p = tmp_path / "labels"
    p.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 2, 3, 4])))
    np.testing.assert_array_equal(read_idx(p), [3, 4])
