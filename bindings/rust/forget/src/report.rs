//! Reports: the named figures of the last prepare, forget or training.
use std::collections::BTreeMap;

use crate::ffi::text;
use crate::sys;

/// Named figures ("seconds", "dampened", "shards_retrained", ...), as the
/// last successful call left them.
pub type Report = BTreeMap<String, f64>;

/// A copy of a C report; `None` for NULL.
///
/// # Safety
/// `r` must be NULL or a report that stays valid during the call.
pub(crate) unsafe fn read(r: *const sys::forget_report) -> Option<Report> {
    if r.is_null() {
        return None;
    }
    let mut out = Report::new();
    for i in 0..sys::forget_report_count(r) {
        let key = text(sys::forget_report_key(r, i));
        out.insert(key, sys::forget_report_value(r, i));
    }
    Some(out)
}
