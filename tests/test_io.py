"""axon.io.atomic_write: old content kept on error, stale temporaries swept, normal permissions."""
import os
import stat

import pytest

from axon.io import atomic_write, stale_temporaries, write_text

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set a umask for one test and put the previous one back afterwards."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def test_error_while_writing_keeps_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "m.keras"
    write_text(target, "old")

    def broken(f):
        f.write(b"half of the new")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(target, broken)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


def test_error_on_first_save_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "new.keras", lambda f: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_of_the_same_target_are_swept(tmp_path):
    killed = [tmp_path / ".tmp-abcd1234m.keras", tmp_path / ".tmp-zz__9900m.keras"]
    others = [tmp_path / ".tmp-abcd1234other.keras",  # another target's
              tmp_path / ".tmp-abcd1234xm.keras",     # target "xm.keras", same suffix
              tmp_path / ".tmp-ABCD1234m.keras",      # not a name atomic_write makes
              tmp_path / ".tmp-abcm.keras",           # too short
              tmp_path / "notes.tmp-abcd1234m.keras"]
    for p in killed + others:
        p.write_bytes(b"x" * 100)
    assert stale_temporaries(tmp_path / "m.keras") == sorted(str(p) for p in killed)
    write_text(tmp_path / "m.keras", "new")
    assert (tmp_path / "m.keras").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m.keras"] + [p.name for p in others])


def test_temporary_matches_the_swept_pattern(tmp_path):
    """The name the writer gives its temporary is one stale_temporaries recognises."""
    seen = []

    def write(f):
        seen.extend(stale_temporaries(tmp_path / "m.keras"))
        f.write(b"data")

    atomic_write(tmp_path / "m.keras", write)
    assert len(seen) == 1 and os.path.basename(seen[0]).startswith(".tmp-")
    assert stale_temporaries(tmp_path / "m.keras") == []


@posix_only
@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_file_gets_the_users_permissions(tmp_path, umask, mask, expected):
    umask(mask)
    write_text(tmp_path / "m.keras", "x")
    assert _mode(tmp_path / "m.keras") == expected


@posix_only
def test_overwrite_keeps_the_mode_of_the_replaced_file(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "m.keras"
    write_text(target, "old")
    os.chmod(target, 0o640)
    write_text(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o640


def test_folder_is_created(tmp_path):
    write_text(tmp_path / "a" / "b" / "m.txt", "hi")
    assert (tmp_path / "a" / "b" / "m.txt").read_text() == "hi"


def test_file_and_folder_are_fsynced(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(stat.S_ISDIR(os.fstat(fd).st_mode)), real(fd)))
    write_text(tmp_path / "m.txt", "hi")
    assert synced == [False, True] if os.name == "posix" else synced[:1] == [False]


def test_folder_fsync_refused_is_skipped(tmp_path, monkeypatch):
    real = os.fsync

    def no_dir_sync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(22, "Invalid argument")
        real(fd)

    monkeypatch.setattr(os, "fsync", no_dir_sync)
    write_text(tmp_path / "m.txt", "hi")
    assert (tmp_path / "m.txt").read_text() == "hi"
