"""Finding a data set's files: explicit folder, ``AXON_DATA``, system packages, cache, download.

Each data set describes itself with a ``Source`` (file names with their
official checksums, download mirrors, system folders and a hint on how to
install it).  ``locate`` looks in order and returns the first folder holding
every file, downloading into the cache as a last resort.  Downloads go to a
temporary file, are checked against the checksum and only then renamed into
place, so a failed or corrupted download never leaves a file behind.
"""
import hashlib
import os
from dataclasses import dataclass, field

from ...io import atomic_write


class ChecksumError(OSError):
    """A downloaded file does not match its published checksum."""


@dataclass
class Source:
    """Where a data set's files come from.

    ``files`` maps each file name to ``(algorithm, hexdigest)`` of the
    official file; ``mirrors`` are base URLs tried in turn; ``system_dirs``
    are folders filled by operating-system packages; ``install_hint`` says how
    to get those packages.
    """
    name: str
    files: dict
    mirrors: list
    system_dirs: list = field(default_factory=list)
    install_hint: str = ""


def cache_dir(name):
    """``$XDG_CACHE_HOME/axon/datasets/<name>`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "axon", "datasets", name)


def _candidates(source):
    """The folders to search, in order, each with a short description."""
    places = []
    env = os.environ.get("AXON_DATA")
    if env:
        places.append((os.path.join(env, source.name), "AXON_DATA/" + source.name))
        places.append((env, "AXON_DATA"))
    places += [(d, "system package folder") for d in source.system_dirs]
    places.append((cache_dir(source.name), "user cache"))
    return places


def _find(folder, filename):
    """``folder/filename`` or, for a ``.gz`` name, its uncompressed twin, if it exists."""
    for name in (filename, filename[:-3] if filename.endswith(".gz") else None):
        if name and os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return None


def _complete(folder, source):
    found = {f: _find(folder, f) for f in source.files}
    return found if all(found.values()) else None


def file_digest(path, algorithm):
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url, target, algorithm, expected, timeout=60):
    """Fetch ``url`` into ``target`` atomically, refusing it unless its checksum is ``expected``."""
    from urllib.request import urlopen

    def write(f):
        digest = hashlib.new(algorithm)
        with urlopen(url, timeout=timeout) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                f.write(block)
        if digest.hexdigest() != expected:
            raise ChecksumError(f"{url}: {algorithm} checksum is {digest.hexdigest()}, expected "
                                f"{expected}; the download was corrupted or the file changed, "
                                "so it was deleted")
    atomic_write(target, write)
    return target


def _download_all(source):
    """Download every file into the cache; returns the mapping, or raises ``OSError``."""
    folder = cache_dir(source.name)
    found = {}
    for filename, (algorithm, expected) in source.files.items():
        existing = _find(folder, filename)
        if existing:
            found[filename] = existing
            continue
        errors = []
        for mirror in source.mirrors:
            url = mirror.rstrip("/") + "/" + filename
            try:
                found[filename] = download(url, os.path.join(folder, filename), algorithm, expected)
                break
            except ChecksumError:
                raise
            except OSError as e:
                errors.append(f"{url}: {e}")
        else:
            raise OSError("; ".join(errors))
    return found


def _offline():
    return os.environ.get("AXON_OFFLINE", "").strip().lower() in ("1", "true", "yes")


def _given_folder(source, path):
    """The files in the folder the user named, the only place looked at (a typo must not quietly
    load the system copy); ``FileNotFoundError`` names the folder or the missing files."""
    folder = os.fspath(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{source.name}: path {folder!r} does not exist or is not a folder; give the "
                                f"folder holding {', '.join(source.files)} (gzipped or not), or leave path "
                                "out to use AXON_DATA, the system package or the cache")
    found = {f: _find(folder, f) for f in source.files}
    missing = [f for f, where in found.items() if where is None]
    if missing:
        raise FileNotFoundError(f"{source.name}: folder {folder!r} lacks {', '.join(missing)} (gzipped or not); "
                                f"it holds {sorted(os.listdir(folder))[:10]}; put all {len(source.files)} IDX "
                                "files there, or leave path out to use the standard places")
    return found


def locate(source, path=None, download=None):
    """Paths of ``source``'s files: ``{file name: path}``, looking in the documented order.

    A ``path`` given is the only place looked at.  Otherwise ``download=None``
    downloads unless the ``AXON_OFFLINE`` environment variable is set;
    ``False`` never downloads.  When nothing is found the
    ``FileNotFoundError`` lists every place looked and how to get the data.
    """
    if path is not None:
        return _given_folder(source, path)
    places = _candidates(source)
    for folder, _ in places:
        found = _complete(folder, source)
        if found:
            return found
    allowed = (not _offline()) if download is None else bool(download)
    reason = "downloading is off (download=False or AXON_OFFLINE set)"
    if allowed:
        try:
            return _download_all(source)
        except ChecksumError:
            raise
        except OSError as e:
            reason = f"the download failed: {e}"
    looked = "\n".join(f"  - {folder} ({what})" for folder, what in places)
    hints = [source.install_hint] if source.install_hint else []
    hints += ["set AXON_DATA to a folder holding the files (or AXON_DATA/" + source.name + "/)",
              "pass load_data(path=folder)",
              "allow the download (load_data(download=True), AXON_OFFLINE unset, network on) "
              "from " + ", ".join(source.mirrors)]
    raise FileNotFoundError(
        f"{source.name}: files {', '.join(source.files)} not found; looked in:\n{looked}\n"
        f"and {reason}.\nTo get the data: " + "; or ".join(hints))
