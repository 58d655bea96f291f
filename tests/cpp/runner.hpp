/* A tiny test runner for the C++ tests (Check is C): TEST(name) { ... }
 * registers a case; CHECK(cond) and CHECK_THROWS(expr, code) fail it
 * with the file and line. main.cpp runs every case between forget_init and
 * forget_shutdown, and fails a case that leaves a libforget object alive. */
#ifndef FORGET_TESTS_CPP_RUNNER_HPP
#define FORGET_TESTS_CPP_RUNNER_HPP

#include <forget/forget.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace fct {

struct Case {
    const char *name;
    void (*fn)();
};

inline std::vector<Case> &cases()
{
    static std::vector<Case> all;
    return all;
}

struct Register {
    Register(const char *name, void (*fn)()) { cases().push_back({name, fn}); }
};

/* Thrown by a failed CHECK (not a std::exception: nothing in a test
 * catches it by accident). */
struct Failure {
    std::string text;
};

[[noreturn]] inline void fail(const char *file, int line,
                              const std::string &what)
{
    throw Failure{std::string(file) + ":" + std::to_string(line) + ": " +
                  what};
}

} // namespace fct

#define TEST(name)                                                        \
    static void name();                                                   \
    static fct::Register register_##name(#name, name);                    \
    static void name()

#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond))                                                      \
            fct::fail(__FILE__, __LINE__, "CHECK(" #cond ")");            \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                             \
    do {                                                                  \
        double a_ = (a), b_ = (b);                                        \
        if (!(std::fabs(a_ - b_) <= (tol)))                               \
            fct::fail(__FILE__, __LINE__,                                 \
                      "CHECK_NEAR(" #a ", " #b "): " +                    \
                          std::to_string(a_) + " vs " +                   \
                          std::to_string(b_));                            \
    } while (0)

/* expr must throw forget::Error with code; the error is then in `err`
 * for further checks inside the optional block. */
#define CHECK_THROWS(expr, status)                                          \
    do {                                                                  \
        bool thrown_ = false;                                             \
        try {                                                             \
            (void)(expr);                                                 \
        } catch (const forget::Error &e_) {                               \
            thrown_ = true;                                               \
            if (e_.code() != (status))                                      \
                fct::fail(__FILE__, __LINE__,                             \
                          "CHECK_THROWS(" #expr "): code " +              \
                              std::to_string(e_.code()) + " (" +          \
                              e_.what() + ")");                           \
        }                                                                 \
        if (!thrown_)                                                     \
            fct::fail(__FILE__, __LINE__,                                 \
                      "CHECK_THROWS(" #expr "): nothing thrown");         \
    } while (0)

/* CHECK_THROWS, and the library's message holds text. */
#define CHECK_ERROR(expr, status, text)                                   \
    do {                                                                  \
        CHECK_THROWS(expr, status);                                       \
        try {                                                             \
            (void)(expr);                                                 \
        } catch (const forget::Error &e_) {                               \
            if (e_.message().find(text) == std::string::npos)             \
                fct::fail(__FILE__, __LINE__,                             \
                          "CHECK_ERROR(" #expr "): message '" +           \
                              e_.message() + "' lacks '" + (text) + "'"); \
        }                                                                 \
    } while (0)

#endif
