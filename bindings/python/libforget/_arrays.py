"""Small helpers between numpy arrays and C pointers."""
from __future__ import annotations

import ctypes
from typing import Any, Optional, Tuple

import numpy as np


def ptr(arr: Optional[np.ndarray]) -> Optional[int]:
    """The address of a C-contiguous array's data (None for None)."""
    if arr is None:
        return None
    return arr.ctypes.data


def copy_out(address: Optional[int], ctype: Any, shape: Tuple[int, ...],
             dtype: Any) -> np.ndarray:
    """A numpy copy of shape elements at address (zeros for an empty
    shape or NULL)."""
    count = int(np.prod(shape)) if shape else 1
    if not address or count == 0:
        return np.zeros(shape, dtype)
    p = ctypes.cast(address, ctypes.POINTER(ctype))
    return np.ctypeslib.as_array(p, shape).astype(dtype, copy=True)


def view(address: int, ctype: Any, shape: Tuple[int, ...],
         writeable: bool = False) -> np.ndarray:
    """A numpy view over C memory (valid only while C keeps it)."""
    count = int(np.prod(shape))
    if count == 0:
        return np.zeros(shape, np.dtype(ctype))
    p = ctypes.cast(address, ctypes.POINTER(ctype))
    arr = np.ctypeslib.as_array(p, shape)
    arr.flags.writeable = writeable
    return arr
