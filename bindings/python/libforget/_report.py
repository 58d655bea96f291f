"""A forget_report as a dict."""
from __future__ import annotations

from typing import Dict, Optional

from ._lib import lib


def report_dict(report: Optional[int]) -> Dict[str, float]:
    """{key: value} of a report, in its order ({} for NULL)."""
    if not report:
        return {}
    L = lib()
    return {L.forget_report_key(report, i).decode(): float(L.forget_report_value(report, i))
            for i in range(L.forget_report_count(report))}
