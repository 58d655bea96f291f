/*
 * libforget for C++ — calling C with C++ callbacks (part of forget.hpp).
 *
 * No exception crosses into C. A callback's trampoline catches whatever
 * the C++ code throws, tells C to stop (progress: cancel; host model: an
 * error status with the exception's text as the message) and keeps the
 * exception; the wrapper rethrows it, unchanged, once the C call has
 * returned:
 *  - in the Frame of the wrapper call running on the callback's thread
 *    (progress always runs there; so do host callbacks except sisa's
 *    parallel shard training);
 *  - otherwise in the host model's Slot, taken by the wrapper call that
 *    then fails.
 */
#ifndef FORGET_CPP_CALL_HPP
#define FORGET_CPP_CALL_HPP

#include <exception>
#include <functional>
#include <mutex>
#include <new>

#include "../backend.h"
#include "error.hpp"

namespace forget {

/* Progress of a long call (train, prepare, forget, forget_ids, learn,
 * opening a journal that redoes requests): fraction in [0,1] and the
 * stage ("train", "prepare", "forget", ...). Return true to cancel (the
 * call then throws Error FORGET_E_CANCELED and changes nothing); an
 * exception thrown here cancels the same way and is rethrown from the
 * call instead. Runs on the thread that made the call. */
typedef std::function<bool(double fraction, const char *stage)> Progress;

namespace detail {

/* An exception kept for a later rethrow; shared between threads. */
class Slot {
public:
    void store(std::exception_ptr e)
    {
        std::lock_guard<std::mutex> hold(lock_);
        if (!error_)
            error_ = e;
    }
    std::exception_ptr take()
    {
        std::lock_guard<std::mutex> hold(lock_);
        std::exception_ptr e = error_;
        error_ = nullptr;
        return e;
    }

private:
    std::mutex lock_;
    std::exception_ptr error_;
};

/* One wrapper call into C on this thread (frames nest when a callback
 * calls into libforget again). */
class Frame {
public:
    Frame() : prev_(top()) { top() = this; }
    ~Frame() { top() = prev_; }
    Frame(const Frame &) = delete;
    Frame &operator=(const Frame &) = delete;

    static Frame *current() { return top(); }
    void capture() noexcept
    {
        if (!error_)
            error_ = std::current_exception();
    }
    /* After the C call: a kept exception first (this call's own, even if
     * C finished its work; a host slot's only if the call failed), then
     * the status. */
    void finish(int status, Slot *slot = nullptr)
    {
        std::exception_ptr from_slot = slot ? slot->take() : nullptr;
        if (error_)
            std::rethrow_exception(error_);
        if (status != FORGET_OK && from_slot)
            std::rethrow_exception(from_slot);
        check(status);
    }

private:
    static Frame *&top()
    {
        static thread_local Frame *frame = nullptr;
        return frame;
    }
    Frame *prev_;
    std::exception_ptr error_;
};

/* Inside a catch (...) of a trampoline: keep the exception (in this
 * thread's frame, else in slot) and return the status to give C, with
 * the exception's text as the thread's message. Never throws. */
inline int absorb(Slot *slot) noexcept
{
    int code = FORGET_E_INTERNAL;
    const char *text = "a C++ callback threw an exception";
    try {
        throw;
    } catch (const Error &e) {
        if (e.code() < 0 && e.code() >= FORGET_E_INTERNAL)
            code = e.code();
        text = e.what();
    } catch (const std::bad_alloc &e) {
        code = FORGET_E_NOMEM;
        text = e.what();
    } catch (const std::exception &e) {
        text = e.what();
    } catch (...) {
    }
    Frame *frame = Frame::current();
    if (frame)
        frame->capture();
    else if (slot)
        slot->store(std::current_exception());
    forget_set_error(code, text);
    return code;
}

/* user_data of the progress trampoline for one call. */
struct ProgressCall {
    Progress fn; /* a copy: the callback may replace the object's own */
    Frame *frame;
};

inline int progress_trampoline(double fraction, const char *stage,
                               void *user_data)
{
    ProgressCall *call = static_cast<ProgressCall *>(user_data);
    try {
        return call->fn(fraction, stage ? stage : "") ? 1 : 0;
    } catch (...) {
        call->frame->capture();
        return 1;
    }
}

/* Runs one C call that may reach C++ callbacks: progress installed with
 * set (forget_model_set_progress or forget_unlearner_set_progress) on
 * handle for the duration of the call only, so C never holds a pointer
 * into a C++ object between calls. */
template <class H, class Set, class Call>
void run(H *handle, Set set, const Progress &progress, Slot *slot, Call call)
{
    struct Installed { /* removed on every way out */
        H *handle;
        Set set;
        void remove()
        {
            if (handle)
                set(handle, nullptr, nullptr);
            handle = nullptr;
        }
        ~Installed() { remove(); }
    };
    Frame frame;
    ProgressCall pc = {progress, &frame};
    Installed installed = {nullptr, set};
    if (progress) {
        check(set(handle, &progress_trampoline, &pc));
        installed.handle = handle;
    }
    int status = call();
    installed.remove();
    frame.finish(status, slot);
}

/* The same without progress. */
template <class Call> void run(Slot *slot, Call call)
{
    Frame frame;
    int status = call();
    frame.finish(status, slot);
}

} // namespace detail
} // namespace forget

#endif
