"""Fashion-MNIST's IDX files (gzip) for the Python yardsticks of make bench."""
import gzip

import numpy as np


def read_idx(path, magic_expected):
    """Parse a gzip'ed big-endian IDX file (ubyte payload) into a numpy array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic != magic_expected:
        raise ValueError(f"{path}: magic 0x{magic:08x}, expected 0x{magic_expected:08x}")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: payload has {data.size} bytes, header says {dims}")
    return data.reshape(dims)
