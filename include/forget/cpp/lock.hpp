/*
 * libforget for C++ — advisory locks for load-modify-save (part of
 * forget.hpp): forget::PathLock owns one forget_lock, released by its
 * destructor (or unlock()). Move-only.
 */
#ifndef FORGET_CPP_LOCK_HPP
#define FORGET_CPP_LOCK_HPP

#include <memory>
#include <string>

#include "error.hpp"

namespace forget {

class PathLock {
public:
    PathLock() noexcept {}
    /* Takes ownership of lock (NULL gives an empty PathLock). */
    explicit PathLock(forget_lock *lock) noexcept : h_(lock) {}

    /* flags: FORGET_LOCK_NOWAIT, FORGET_LOCK_SHARED (forget_lock_path). */
    static PathLock acquire(const std::string &path, uint32_t flags = 0)
    {
        forget_lock *lock = nullptr;
        check(forget_lock_path(&lock, path.c_str(), flags));
        return PathLock(lock);
    }

    forget_lock *get() const noexcept { return h_.get(); }
    forget_lock *release() noexcept { return h_.release(); }
    explicit operator bool() const noexcept { return h_ != nullptr; }
    /* Releases the lock now (nothing when empty). */
    void unlock() noexcept { h_.reset(); }

private:
    struct Free {
        void operator()(forget_lock *l) const { forget_lock_release(l); }
    };
    std::unique_ptr<forget_lock, Free> h_;
};

} // namespace forget

#endif
