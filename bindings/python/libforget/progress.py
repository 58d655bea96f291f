"""Progress reports with cancel, for Model.train and Unlearner.prepare,
forget, forget_ids and learn (their ``progress=`` argument).

``progress`` may be:

- ``None`` or ``False``: no reports;
- ``True``: a progress bar (tqdm when it can be imported, else one line on
  stderr rewritten in place);
- a callable ``fn(fraction: float, stage: str)``: called with fractions in
  [0, 1] and a stage word ("train", "prepare", "forget", "learn"). A truthy
  return cancels: the call raises CanceledError and the object is exactly
  as before. An exception raised inside ``fn`` cancels the same way and is
  then raised from the call (CanceledError as its ``__cause__``).

Every successful call ends with one report of 1.0; a cancel asked for at
that last report is too late to honour (the work is done). The callable
runs on the calling thread, while the object's lock is held: it must not
use libforget objects that another thread may be waiting on.
"""
from __future__ import annotations

import ctypes
import sys
from typing import Any, Callable, Optional, TextIO, Union

from ._call import CallbackErrors
from ._signatures import PROGRESS_FN

__all__ = ["ProgressBar", "ProgressCall", "ProgressArg"]

ProgressArg = Union[None, bool, Callable[[float, str], Any]]

NO_PROGRESS = ctypes.cast(None, PROGRESS_FN)


class ProgressBar:
    """A progress display usable as a progress callable: tqdm if importable
    (and ``use_tqdm`` is not False), else a single line on ``stream``
    (stderr) rewritten at each whole percent. Never cancels. close() ends
    the line."""

    def __init__(self, stream: Optional[TextIO] = None,
                 use_tqdm: Optional[bool] = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._tqdm: Any = None
        self._tqdm_cls: Any = None
        if use_tqdm is not False:
            try:
                from tqdm import tqdm  # optional
                self._tqdm_cls = tqdm
            except ImportError:
                if use_tqdm:
                    raise
        self._shown: Optional[tuple] = None
        self._stage = ""

    def __call__(self, fraction: float, stage: str) -> None:
        pct = max(0, min(100, int(fraction * 100)))
        if self._tqdm_cls is not None:
            if self._tqdm is None:
                self._tqdm = self._tqdm_cls(
                    total=100, desc=stage, file=self._stream, leave=True,
                    bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}")
            elif stage != self._stage:
                self._tqdm.set_description(stage)
            self._stage = stage
            self._tqdm.update(pct - self._tqdm.n)
            return
        if self._shown != (stage, pct):
            self._shown = (stage, pct)
            self._stream.write(f"\r{stage}: {pct:3d}%")
            self._stream.flush()

    def close(self) -> None:
        """End the bar (tqdm's close, or a newline after the plain line)."""
        if self._tqdm is not None:
            self._tqdm.close()
            self._tqdm = None
        elif self._shown is not None:
            self._stream.write("\n")
            self._stream.flush()
            self._shown = None


class ProgressCall:
    """The C side of one call's ``progress`` argument: ``.c_fn`` to hand to
    forget_*_set_progress, ``.errors`` holding what the callable raised.
    Use as a context manager (closes a bar it made)."""

    def __init__(self, progress: ProgressArg) -> None:
        self.errors = CallbackErrors()
        self._bar: Optional[ProgressBar] = None
        self._fn: Optional[Callable[[float, str], Any]]
        if progress is None or progress is False:
            self._fn = None
        elif progress is True:
            self._bar = ProgressBar()
            self._fn = self._bar
        elif callable(progress):
            self._fn = progress
        else:
            raise TypeError("progress must be None, a bool or a callable "
                            "fn(fraction, stage)")
        self.c_fn = PROGRESS_FN(self._report) if self._fn else NO_PROGRESS

    def _report(self, fraction: float, stage: bytes, _user: Any) -> int:
        try:
            assert self._fn is not None
            return 1 if self._fn(fraction, stage.decode("utf-8", "replace")) else 0
        except BaseException as e:  # raised again after the C call returns
            self.errors.add(e)
            return 1

    def __enter__(self) -> "ProgressCall":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.close()
