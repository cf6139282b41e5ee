"""Reading IDX files, the format of MNIST and Fashion-MNIST (gzipped or plain).

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number
of dimensions), one big-endian uint32 per dimension, then the values in C
order, big-endian.
"""
import gzip
import os
import struct
import zlib

import numpy as np

#: IDX type code -> big-endian NumPy dtype.
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as e:
        raise ValueError(f"read_idx: {path} is a damaged or truncated gzip file ({e}); "
                         "delete it and fetch it again") from e


def read_idx(path):
    """The array stored in the IDX file ``path`` (``.gz`` or plain), native byte order.

    Raises ``ValueError`` naming the file when the magic number is wrong or the
    data is shorter or longer than the header says.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.idx")
    >>> write_idx(p, np.arange(6, dtype=np.uint8).reshape(2, 3))
    >>> read_idx(p)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    path = os.fspath(path)
    data = _read_bytes(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_DTYPES:
        raise ValueError(f"read_idx: {path} is not an IDX file: bad magic number "
                         f"{data[:4].hex() or '(empty file)'}; expected 0000 followed by a type code "
                         f"in {sorted(IDX_DTYPES)} and the number of dimensions")
    dtype = np.dtype(IDX_DTYPES[data[2]])
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"read_idx: {path} is truncated: the header needs {header} bytes, "
                         f"the file has {len(data)}; delete it and fetch it again")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - header
    if actual != expected:
        what = "truncated" if actual < expected else "longer than its header says"
        raise ValueError(f"read_idx: {path} is {what}: shape {shape} of {dtype.name} needs "
                         f"{expected} data bytes, found {actual}; delete it and fetch it again")
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def write_idx(path, array, compress=None):
    """Write ``array`` as an IDX file (gzipped when ``compress`` or the name ends in ``.gz``)."""
    array = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in IDX_DTYPES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"write_idx: dtype {array.dtype} has no IDX type code; "
                         f"use one of {[str(d) for d in codes]}")
    path = os.fspath(path)
    body = (bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
            + np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes())
    if compress or (compress is None and path.endswith(".gz")):
        body = gzip.compress(body, mtime=0)
    with open(path, "wb") as f:
        f.write(body)
