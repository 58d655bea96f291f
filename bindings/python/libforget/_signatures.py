"""The ctypes declaration of every forget.h function the package calls.

Data pointers are declared ``c_void_p`` (numpy's ``arr.ctypes.data``);
handles are ``c_void_p`` (Python ints). Struct and callback types that
other modules need live here too.
"""
from __future__ import annotations

import ctypes
from ctypes import (CFUNCTYPE, POINTER, c_char_p, c_double, c_int, c_int32,
                    c_int64, c_size_t, c_uint32, c_uint64, c_ubyte, c_void_p)
from typing import List

__all__ = ["ParamDef", "HostModelStruct", "Scorecard", "PROGRESS_FN",
           "JOURNAL_FN", "JOURNAL_FIGURE_FN", "FORWARD_FN", "BACKWARD_FN", "apply"]

_vp = c_void_p
_pp = POINTER(c_void_p)  # forget_x **out
_sz = c_size_t
_psz = POINTER(c_size_t)
_str = c_char_p

MAX_DIMS = 4       # FORGET_MAX_DIMS
DIGEST_SIZE = 32   # FORGET_DIGEST_SIZE


class ParamDef(ctypes.Structure):
    """forget_param_def (append-only: only the fields read here)."""
    _fields_ = [("name", _str), ("type", c_int32), ("default_value", _str),
                ("min", c_double), ("max", c_double), ("choices", _str),
                ("doc", _str)]


_PDEF_PP = POINTER(POINTER(ParamDef))

# int (*forget_progress_fn)(double fraction, const char *stage, void *user)
PROGRESS_FN = CFUNCTYPE(c_int, c_double, _str, _vp)
# forget_journal_fn
JOURNAL_FN = CFUNCTYPE(c_int, _vp, c_int, c_uint64, c_int64, _str, c_int,
                       POINTER(c_uint64), _sz, POINTER(c_ubyte), c_int)
# forget_journal_figure_fn(user, seq, key, value)
JOURNAL_FIGURE_FN = CFUNCTYPE(c_int, _vp, c_uint64, _str, c_double)
# forward(params, x, n, out, user) / backward(params, x, dout, n, grads, user)
FORWARD_FN = CFUNCTYPE(c_int, _vp, _vp, _sz, _vp, _vp)
BACKWARD_FN = CFUNCTYPE(c_int, _vp, _vp, _vp, _sz, _vp, _vp)


class HostModelStruct(ctypes.Structure):
    """forget_host_model."""
    _fields_ = [("struct_size", _sz), ("task", c_int32), ("inputs", _sz),
                ("outputs", _sz), ("n_params", _sz), ("params", _vp),
                ("forward", FORWARD_FN), ("backward", BACKWARD_FN),
                ("user_data", _vp)]


class Scorecard(ctypes.Structure):
    """forget_scorecard (append-only; FIGURES names its doubles in order)."""
    FIGURES = tuple(
        prefix + name
        for prefix in ("", "ref_", "orig_", "gap_")
        for name in ("forget_acc", "retain_acc", "test_acc", "mia", "loss_auc")
    ) + ("avg_gap",)
    _fields_ = [("struct_size", _sz)] + [(name, c_double) for name in FIGURES]


# (name, restype, argtypes)
_TABLE = [
    # errors, version, runtime
    ("forget_strerror", _str, [c_int]),
    ("forget_last_error", _str, []),
    ("forget_last_error_code", c_int, []),
    ("forget_set_error", c_int, [c_int, _str]),
    ("forget_version_number", c_uint32, []),
    ("forget_version_string", _str, []),
    ("forget_init", c_int, []),
    ("forget_set_threads", c_int, [c_int32]),
    ("forget_get_threads", c_int32, []),
    ("forget_blas_info", _str, []),
    ("forget_set_limit", c_int, [c_int32, c_uint64]),
    ("forget_get_limit", c_int, [c_int32, POINTER(c_uint64)]),
    # datasets
    ("forget_dataset_create", c_int, [_pp, _sz, _sz, _vp, _vp, _vp]),
    ("forget_dataset_create_regression", c_int,
     [_pp, _sz, _sz, _vp, _vp, _sz, _vp]),
    ("forget_dataset_free", None, [_vp]),
    ("forget_dataset_rows", _sz, [_vp]),
    ("forget_dataset_features", _sz, [_vp]),
    ("forget_dataset_task", c_int32, [_vp]),
    ("forget_dataset_classes", _sz, [_vp]),
    ("forget_dataset_target_dim", _sz, [_vp]),
    ("forget_dataset_copy_rows", c_int, [_vp, _sz, _sz, _vp, _sz]),
    ("forget_dataset_labels", _vp, [_vp]),
    ("forget_dataset_targets", _vp, [_vp]),
    ("forget_dataset_ids", _vp, [_vp]),
    ("forget_dataset_find", c_int, [_vp, c_uint64, _psz]),
    ("forget_dataset_subset_ids", c_int, [_pp, _vp, _vp, _sz]),
    ("forget_dataset_exclude_ids", c_int, [_pp, _vp, _vp, _sz]),
    ("forget_dataset_complement", c_int, [_pp, _vp, _vp]),
    ("forget_dataset_subset_class", c_int, [_pp, _vp, c_int32]),
    ("forget_dataset_slice", c_int, [_pp, _vp, _sz, _sz]),
    ("forget_dataset_load_idx", c_int, [_pp, _str, _str, _str]),
    ("forget_dataset_load_csv", c_int, [_pp, _str, _str]),
    # models
    ("forget_model_create", c_int, [_pp, _str, _str]),
    ("forget_model_free", None, [_vp]),
    ("forget_model_create_trunk", c_int, [_pp, _vp, _str]),
    ("forget_model_clone", c_int, [_pp, _vp]),
    ("forget_model_kind_count", _sz, []),
    ("forget_model_kind_name", _str, [_sz]),
    ("forget_model_kind_param_count", c_int, [_str, _psz]),
    ("forget_model_kind_param", c_int, [_str, _sz, _PDEF_PP]),
    ("forget_model_kind", _str, [_vp]),
    ("forget_model_params", _str, [_vp]),
    ("forget_model_task", c_int32, [_vp]),
    ("forget_model_inputs", _sz, [_vp]),
    ("forget_model_outputs", _sz, [_vp]),
    ("forget_model_param_count", _sz, [_vp]),
    ("forget_model_get_params", c_int, [_vp, _vp, _sz]),
    ("forget_model_set_params", c_int, [_vp, _vp, _sz]),
    ("forget_model_block_count", _sz, [_vp]),
    ("forget_model_block", c_int, [_vp, _sz, POINTER(_str), _psz, _psz]),
    ("forget_model_block_shape", c_int, [_vp, _sz, _vp, _psz]),
    ("forget_model_part_count", _sz, [_vp]),
    ("forget_model_part", _vp, [_vp, _sz]),
    ("forget_model_train", c_int, [_vp, _vp, _str]),
    ("forget_train_param_count", _sz, []),
    ("forget_train_param", c_int, [_sz, _PDEF_PP]),
    ("forget_model_train_report", _vp, [_vp]),
    ("forget_model_set_progress", c_int, [_vp, PROGRESS_FN, _vp]),
    ("forget_model_predict", c_int, [_vp, _vp, _vp, _sz]),
    ("forget_model_predict_raw", c_int, [_vp, _vp, _sz, _vp, _sz]),
    ("forget_model_digest", c_int, [_vp, _vp]),
    ("forget_model_create_host", c_int, [_pp, POINTER(HostModelStruct)]),
    ("forget_model_save", c_int, [_vp, _str]),
    ("forget_model_load", c_int, [_pp, _str]),
    ("forget_model_save_buffer", c_int, [_vp, _vp, _sz, _psz]),
    ("forget_model_load_buffer", c_int, [_pp, _vp, _sz]),
    ("forget_model_import", c_int, [_pp, _str, _str]),
    ("forget_model_import_buffer", c_int, [_pp, _vp, _sz, _str]),
    ("forget_model_export", c_int, [_vp, _str, _str]),
    ("forget_model_export_buffer", c_int, [_vp, _vp, _sz, _psz, _str]),
    # evaluation
    ("forget_eval_accuracy", c_int, [_vp, _vp, POINTER(c_double)]),
    ("forget_eval_loss", c_int, [_vp, _vp, POINTER(c_double)]),
    ("forget_eval_class_accuracy", c_int, [_vp, _vp, _vp, _sz]),
    ("forget_eval_confusion", c_int, [_vp, _vp, _vp, _sz]),
    ("forget_eval_mia", c_int, [_vp, _vp, _vp, _vp, POINTER(c_double)]),
    ("forget_eval_loss_auc", c_int, [_vp, _vp, _vp, POINTER(c_double)]),
    ("forget_eval_output_distance", c_int,
     [_vp, _vp, _vp, POINTER(c_double), POINTER(c_double)]),
    ("forget_eval_param_distance", c_int,
     [_vp, _vp, POINTER(c_double), POINTER(c_double)]),
    ("forget_eval_scorecard", c_int,
     [_vp, _vp, _vp, _vp, _vp, _vp, POINTER(Scorecard)]),
    # methods and unlearners
    ("forget_method_count", _sz, []),
    ("forget_method_name", _str, [_sz]),
    ("forget_method_describe", c_int, [_str, POINTER(_str), POINTER(c_uint32)]),
    ("forget_method_param_count", c_int, [_str, _psz]),
    ("forget_method_param", c_int, [_str, _sz, _PDEF_PP]),
    ("forget_unlearner_create", c_int, [_pp, _str, _vp, _str]),
    ("forget_unlearner_free", None, [_vp]),
    ("forget_unlearner_prepare", c_int, [_vp, _vp]),
    ("forget_unlearner_forget", c_int, [_vp, _vp]),
    ("forget_unlearner_forget_ids", c_int, [_vp, _vp, _sz]),
    ("forget_unlearner_learn", c_int, [_vp, _vp]),
    ("forget_unlearner_set_progress", c_int, [_vp, PROGRESS_FN, _vp]),
    ("forget_unlearner_set_heldout", c_int, [_vp, _vp]),
    ("forget_unlearner_set_comm", c_int, [_vp, _vp]),
    ("forget_unlearner_method", _str, [_vp]),
    ("forget_unlearner_model", _vp, [_vp]),
    ("forget_unlearner_is_prepared", c_int, [_vp]),
    ("forget_unlearner_save", c_int, [_vp, _str]),
    ("forget_unlearner_save_buffer", c_int, [_vp, _vp, _sz, _psz]),
    ("forget_unlearner_load", c_int, [_pp, _vp, _str]),
    ("forget_unlearner_load_buffer", c_int, [_pp, _vp, _vp, _sz]),
    ("forget_unlearner_load_params", c_int, [_pp, _vp, _str, _str]),
    ("forget_unlearner_load_buffer_params", c_int, [_pp, _vp, _vp, _sz, _str]),
    ("forget_unlearner_report", _vp, [_vp]),
    ("forget_unlearner_open_journal", c_int, [_vp, _str, c_uint32]),
    ("forget_unlearner_set_journal_key", c_int, [_vp, _vp, _sz]),
    ("forget_unlearner_is_forgotten", c_int, [_vp, c_uint64, POINTER(c_int)]),
    ("forget_unlearner_journal_pending", c_int,
     [_vp, POINTER(c_int), POINTER(POINTER(c_uint64)), _psz]),
    ("forget_journal_read", c_int, [_str, JOURNAL_FN, _vp]),
    ("forget_journal_read_figures", c_int, [_str, JOURNAL_FIGURE_FN, _vp]),
    ("forget_journal_verify", c_int,
     [_str, _vp, _sz, POINTER(c_uint64), POINTER(c_uint64)]),
    # reports
    ("forget_report_count", _sz, [_vp]),
    ("forget_report_key", _str, [_vp, _sz]),
    ("forget_report_value", c_double, [_vp, _sz]),
    ("forget_report_get", c_int, [_vp, _str, POINTER(c_double)]),
    # locks
    ("forget_lock_path", c_int, [_pp, _str, c_uint32]),
    ("forget_lock_release", None, [_vp]),
]


def apply(cdll: ctypes.CDLL) -> List[str]:
    """Declare every function on cdll; returns the names it lacks."""
    missing = []
    for name, restype, argtypes in _TABLE:
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype, fn.argtypes = restype, argtypes
    return missing
