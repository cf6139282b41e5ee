"""Layer 1: writing files so that a crash never leaves a half-written one.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
>>> atomic_write(path, lambda f: f.write(b"saved"))
>>> open(path, "rb").read()
b'saved'
>>> sorted(os.listdir(os.path.dirname(path)))  # no temporary left beside it
['notes.txt']
"""
import os
import secrets
import stat

TMP_PREFIX = ".tmp-"
_TMP_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"  # the alphabet and length tempfile.mkstemp uses
_TMP_RANDOM = 8


def atomic_write(path, write):
    """Call ``write(file)`` on a hidden temporary file beside ``path``, then rename it to ``path``.

    The folder is created when missing.  Until the rename, ``path`` keeps its old content (or
    does not exist); on any error the temporary file is removed.  The temporary is named
    ``.tmp-<8 random characters><name of path>``; the temporaries a killed process left for this
    same target are removed first (see :func:`stale_temporaries`), so at most one lies beside a
    target after a crash and none after its next save.  Saving the same target from two processes
    at once is therefore not supported: one of them fails with ``FileNotFoundError`` (the other's
    file is complete), never with a half-written file.

    The file gets the user's usual permissions (``0o666`` less the umask), or keeps those of the
    file it replaces.  The file is flushed to disk before the rename, and the folder after it, where
    the operating system allows opening a folder.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    for old in stale_temporaries(path):
        try:
            os.remove(old)
        except OSError:  # removed by someone else meanwhile, or not ours to remove: leave it
            pass
    fd, tmp = _create_temporary(folder, os.path.basename(path))
    try:
        _keep_mode(fd, path)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_folder(folder)


def stale_temporaries(path):
    """The temporaries :func:`atomic_write` made for ``path`` that are still beside it (left by a
    process killed while saving): only names of exactly the shape it creates for this target.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> for name in (".tmp-abcd1234m.keras", ".tmp-abcd1234xm.keras", "m.keras"):
    ...     open(os.path.join(folder, name), "wb").close()
    >>> [os.path.basename(p) for p in stale_temporaries(os.path.join(folder, "m.keras"))]
    ['.tmp-abcd1234m.keras']
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    size = len(TMP_PREFIX) + _TMP_RANDOM + len(name)
    try:
        entries = os.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(os.path.join(folder, e) for e in entries
                  if len(e) == size and e.startswith(TMP_PREFIX) and e.endswith(name)
                  and all(c in _TMP_CHARS for c in e[len(TMP_PREFIX):len(TMP_PREFIX) + _TMP_RANDOM]))


def _create_temporary(folder, name):
    """A new file ``folder/.tmp-XXXXXXXX<name>``, open for writing, created with mode ``0o666`` so
    that the umask applies as for any file the user creates (mkstemp would make it ``0o600``)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        random = "".join(secrets.choice(_TMP_CHARS) for _ in range(_TMP_RANDOM))
        tmp = os.path.join(folder, TMP_PREFIX + random + name)
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def _keep_mode(fd, path):
    """Give the open temporary ``fd`` the permission bits of the file at ``path``, if there is one."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


def _fsync_folder(folder):
    """Flush the folder's entry for the renamed file to disk; skipped where folders cannot be opened
    (Windows) or synced (some network file systems)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text(path, text):
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))
