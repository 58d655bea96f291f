"""Reading and verifying a deletion journal without attaching it (an
audit; no lock is taken). Attaching one is Unlearner.open_journal."""
from __future__ import annotations

import ctypes
from typing import Any, Dict, List, Optional

import numpy as np

from . import _convert as conv
from ._call import last_error
from ._lib import lib
from ._signatures import DIGEST_SIZE, JOURNAL_FIGURE_FN, JOURNAL_FN
from .errors import ForgetError, InvalidArgumentError

__all__ = ["read_journal", "journal_figures", "verify_journal"]

_KINDS = {1: "forget", 2: "learn"}                               # FORGET_JOURNAL_*
_RECORDS = {1: "open", 2: "request", 3: "done", 4: "abort"}      # ..._RECORD_*


def read_journal(path: conv.PathLike) -> List[Dict[str, Any]]:
    """The journal's records, in order, as dicts: type ("open",
    "request", "done", "abort"), seq, time_ns, method; requests add kind
    ("forget"/"learn") and ids (uint64 array); digest (32 bytes; not for
    aborts); aborts add status (the failed call's FORGET_E_* code).

    A damaged journal raises FormatError after reading the records before
    the damage: they are in the exception's ``.records``. (A journal with
    a key is read without checking its chain: verify_journal does.)"""
    p = conv.path(path)
    records: List[Dict[str, Any]] = []
    failure: List[BaseException] = []

    def visit(_user: Any, rtype: int, seq: int, time_ns: int, method: bytes,
              kind: int, ids: Any, n_ids: int, digest: Any, status: int) -> int:
        try:
            rec: Dict[str, Any] = {"type": _RECORDS.get(rtype, str(rtype)),
                                   "seq": int(seq), "time_ns": int(time_ns),
                                   "method": (method or b"").decode("utf-8", "replace")}
            if rtype == 2:
                rec["kind"] = _KINDS.get(kind, str(kind))
                rec["ids"] = (np.ctypeslib.as_array(ids, (n_ids,)).copy() if n_ids
                              else np.zeros(0, np.uint64))
            if digest:
                rec["digest"] = bytes(digest[:DIGEST_SIZE])
            if rtype == 4:
                rec["status"] = int(status)
            records.append(rec)
            return 0
        except BaseException as e:  # stop reading; raised below
            failure.append(e)
            return 1

    fn = JOURNAL_FN(visit)
    rc = lib().forget_journal_read(p, fn, None)
    if failure:
        raise failure[0]
    if rc != 0:
        err = last_error(rc)
        err.records = records  # type: ignore[attr-defined]
        raise err
    return records


def journal_figures(path: conv.PathLike) -> Dict[int, List[Dict[str, float]]]:
    """The figures each request's DONE record holds (a version-3
    journal: the report of the call that ended the request, e.g. newton's
    certificate ``cert_spent``/``cert_left``), by request number: a list
    of dicts, one per DONE record (usually one; a request finished again
    after a crash has two). Journals of versions 1 and 2 hold none ({}).
    Damage raises as read_journal does."""
    p = conv.path(path)
    out: Dict[int, List[Dict[str, float]]] = {}
    failure: List[BaseException] = []

    def visit(_user: Any, seq: int, key: bytes, value: float) -> int:
        try:
            runs = out.setdefault(int(seq), [])
            name = (key or b"").decode("utf-8", "replace")
            if not runs or name in runs[-1]:  # a report names a key once
                runs.append({})
            runs[-1][name] = float(value)
            return 0
        except BaseException as e:  # stop reading; raised below
            failure.append(e)
            return 1

    fn = JOURNAL_FIGURE_FN(visit)
    rc = lib().forget_journal_read_figures(p, fn, None)
    if failure:
        raise failure[0]
    if rc != 0:
        raise last_error(rc)
    return out


def verify_journal(path: conv.PathLike, key: Optional[bytes] = None) -> int:
    """Check a journal's hash chain (with its HMAC key, if it has one).
    Returns the number of records, all intact and linked. Otherwise raises
    (FormatError: a damaged or changed record, or another key; StateError:
    a keyed journal and no key; UnsupportedError: a version-1 journal,
    which has no chain) with ``.records`` (the first bad record's number,
    0 = the OPEN record) and ``.offset`` (its byte offset)."""
    p = conv.path(path)
    raw = b"" if key is None else conv.raw_bytes(key, "key")
    if key is not None and not raw:
        raise InvalidArgumentError("an empty key: pass None for a journal "
                                   "without one")
    records, offset = ctypes.c_uint64(), ctypes.c_uint64()
    rc = lib().forget_journal_verify(p, raw or None, len(raw), ctypes.byref(records),
                                     ctypes.byref(offset))
    if rc != 0:
        err: ForgetError = last_error(rc)
        err.records = int(records.value)  # type: ignore[attr-defined]
        err.offset = int(offset.value)    # type: ignore[attr-defined]
        raise err
    return int(records.value)
