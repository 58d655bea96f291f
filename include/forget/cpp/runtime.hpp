/*
 * libforget for C++ — the library itself (part of forget.hpp): the
 * init/shutdown guard, version, threads, limits, BLAS, and the tables of
 * methods, model kinds and training parameters.
 */
#ifndef FORGET_CPP_RUNTIME_HPP
#define FORGET_CPP_RUNTIME_HPP

#include <string>
#include <vector>

#include "error.hpp"
#include "params.hpp"

namespace forget {

/* forget_init on construction, forget_shutdown on destruction. Make it
 * first so that it is destroyed last: shutdown is refused while objects
 * live (the destructor then leaves the library initialised). Not copied,
 * not moved; guards nest (the library counts them). */
class Library {
public:
    Library() { check(forget_init()); }
    ~Library() { forget_shutdown(); }
    Library(const Library &) = delete;
    Library &operator=(const Library &) = delete;
};

inline uint32_t version_number() { return forget_version_number(); }
inline std::string version_string() { return forget_version_string(); }

/* 0 = one per online processor. */
inline void set_threads(int32_t threads) { check(forget_set_threads(threads)); }
inline int32_t threads() { return forget_get_threads(); }
inline std::string blas_info() { return forget_blas_info(); }

/* which: FORGET_LIMIT_MAX_BYTES, _MAX_ROWS, _MAX_FEATURES; 0 restores
 * the default. */
inline void set_limit(int32_t which, uint64_t value)
{
    check(forget_set_limit(which, value));
}
inline uint64_t limit(int32_t which)
{
    uint64_t value = 0;
    check(forget_get_limit(which, &value));
    return value;
}

struct MethodInfo {
    std::string name;
    std::string description;
    uint32_t flags; /* FORGET_METHOD_* */
    std::vector<ParamDef> params;
    bool exact() const { return (flags & FORGET_METHOD_EXACT) != 0; }
};

/* A registered method; Error FORGET_E_NOT_FOUND for an unknown name. */
inline MethodInfo method_info(const std::string &name)
{
    MethodInfo info;
    const char *description = nullptr;
    check(forget_method_describe(name.c_str(), &description, &info.flags));
    info.name = name;
    info.description = description ? description : "";
    info.params = detail::param_table(
        [&](size_t *n) { return forget_method_param_count(name.c_str(), n); },
        [&](size_t i, const forget_param_def **d) {
            return forget_method_param(name.c_str(), i, d);
        });
    return info;
}

/* Every registered method, in registration order (needs a Library). */
inline std::vector<MethodInfo> methods()
{
    std::vector<MethodInfo> all;
    size_t n = forget_method_count();
    for (size_t i = 0; i < n; i++) {
        const char *name = forget_method_name(i);
        if (name)
            all.push_back(method_info(name));
    }
    return all;
}

inline std::vector<std::string> model_kinds()
{
    std::vector<std::string> kinds;
    for (size_t i = 0; i < forget_model_kind_count(); i++)
        kinds.push_back(forget_model_kind_name(i));
    return kinds;
}

inline std::vector<ParamDef> model_kind_params(const std::string &kind)
{
    return detail::param_table(
        [&](size_t *n) {
            return forget_model_kind_param_count(kind.c_str(), n);
        },
        [&](size_t i, const forget_param_def **d) {
            return forget_model_kind_param(kind.c_str(), i, d);
        });
}

inline std::vector<ParamDef> train_params()
{
    return detail::param_table(
        [](size_t *n) {
            *n = forget_train_param_count();
            return FORGET_OK;
        },
        [](size_t i, const forget_param_def **d) {
            return forget_train_param(i, d);
        });
}

} // namespace forget

#endif
