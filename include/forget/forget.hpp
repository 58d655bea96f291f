/*
 * libforget — the C++ API: header-only, C++11, over forget.h.
 *
 *   #include <forget/forget.hpp>
 *   forget::Library lib;                    // forget_init/forget_shutdown
 *   forget::Dataset train = forget::Dataset::classification(x, 2, labels);
 *   forget::Model model = forget::Model::create("analytic", "inputs=2 outputs=2");
 *   forget::Unlearner u = forget::Unlearner::create("analytic", model);
 *   u.prepare(train);
 *   u.forget_ids({10, 150});                // or u.forget(rows)
 *
 * The conventions (docs/cpp.md has the why):
 *  - Ownership: Dataset, Model, Unlearner and PathLock each own one C
 *    handle; they move and never copy; get() lends the handle, release()
 *    gives it up; a moved-from object throws FORGET_E_STATE when used.
 *  - Errors: every failure throws forget::Error (code() = FORGET_E_*,
 *    message() = the library's detail); objects are as before the call.
 *  - Lifetime: an Unlearner keeps its model alive (Model holds its handle
 *    through a shared state that the unlearner shares); the model an
 *    unlearner owns (sisa's ensemble) keeps its unlearner alive.
 *  - Callbacks (progress, host models, journal reading) are
 *    std::function or a virtual interface; an exception thrown in one
 *    never crosses into C: the call is canceled and the exception
 *    rethrown when C has returned.
 *  - Threads: as in C, one thread at a time per object; a model and the
 *    unlearner that changes it count as one object.
 *  - Parameters: text, or {{"key", value}, ...}, or a std::map.
 *  - Reports are values (forget::Report), copied from the library's.
 *
 * The parts live in forget/cpp/, one concern a file; include this one.
 */
#ifndef FORGET_FORGET_HPP
#define FORGET_FORGET_HPP

#include "forget.h"
#include "backend.h"

#include "cpp/error.hpp"
#include "cpp/call.hpp"
#include "cpp/params.hpp"
#include "cpp/report.hpp"
#include "cpp/runtime.hpp"
#include "cpp/dataset.hpp"
#include "cpp/model.hpp"
#include "cpp/host.hpp"
#include "cpp/unlearner.hpp"
#include "cpp/eval.hpp"
#include "cpp/journal.hpp"
#include "cpp/lock.hpp"

#endif
