/*
 * libforget for C++ — errors (part of forget.hpp; include that).
 *
 * forget::Error is what every wrapper throws for a FORGET_E_* status: the
 * code, the library's message for the calling thread (forget_last_error,
 * read right after the failing call) and, as what(), the two together
 * ("parameter is wrong: parameter 'alpah' is unknown for method 'ssd'; ...").
 * Checks the wrappers make before calling C throw the same type with the
 * code the library would have used.
 */
#ifndef FORGET_CPP_ERROR_HPP
#define FORGET_CPP_ERROR_HPP

#include <memory>
#include <stdexcept>
#include <string>

#include "../forget.h"

namespace forget {

class Error : public std::runtime_error {
public:
    Error(int code, const std::string &message)
        : std::runtime_error(describe(code, message)), code_(code),
          message_(std::make_shared<const std::string>(message))
    {
    }
    /* The FORGET_E_* code (negative). */
    int code() const noexcept { return code_; }
    /* The library's detail, without the code's text (may be empty). */
    const std::string &message() const noexcept { return *message_; }

private:
    static std::string describe(int code, const std::string &message)
    {
        std::string text = forget_strerror(code);
        if (!message.empty())
            text += ": " + message;
        return text;
    }
    int code_;
    std::shared_ptr<const std::string> message_; /* copies never throw */
};

/* Throws forget::Error for a status other than FORGET_OK, with the
 * calling thread's message when it belongs to that status. */
inline void check(int status)
{
    if (status == FORGET_OK)
        return;
    const char *message =
        forget_last_error_code() == status ? forget_last_error() : "";
    throw Error(status, message ? message : "");
}

namespace detail {

[[noreturn]] inline void fail(int code, const std::string &message)
{
    throw Error(code, message);
}

/* The handle of a wrapper, or FORGET_E_STATE for an empty one (moved
 * from or released): never a NULL handed to C. */
template <class T> T *need(T *handle, const char *type)
{
    if (handle == nullptr)
        fail(FORGET_E_STATE, std::string("this forget::") + type +
                                 " is empty (moved from or released)");
    return handle;
}

} // namespace detail
} // namespace forget

#endif
