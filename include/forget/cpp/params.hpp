/*
 * libforget for C++ — parameter strings and tables (part of forget.hpp).
 *
 * forget::Params builds the "key=value ..." text every kind and method
 * takes, from text as it is, an initializer list ({{"alpha", 10},
 * {"importance", "sample"}}) or a std::map<std::string, std::string>.
 * Numbers are written without the locale (the shortest text that reads
 * back to the same value), bools as true/false, and a value holding a
 * space, tab, newline, comma, '=', '"' or backslash (or empty) is
 * double-quoted with \" and \\ escaped, as the library reads it; a nested
 * Params (sisa's train=...) is such a value. Keys must be [a-z0-9_]+
 * (FORGET_E_PARAM otherwise): the library checks them against its table.
 */
#ifndef FORGET_CPP_PARAMS_HPP
#define FORGET_CPP_PARAMS_HPP

#include <cmath>
#include <initializer_list>
#include <limits>
#include <locale>
#include <map>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "error.hpp"

namespace forget {

class Params;

namespace detail {

/* Locale-free, shortest round-tripping text of a finite number. */
template <class T> std::string number_text(T value)
{
    if (!std::isfinite(static_cast<double>(value)))
        fail(FORGET_E_PARAM, "a parameter value is not finite");
    std::string text;
    for (int digits = 1; digits <= std::numeric_limits<T>::max_digits10;
         digits++) {
        std::ostringstream out;
        out.imbue(std::locale::classic());
        out.precision(digits);
        out << value;
        text = out.str();
        std::istringstream in(text);
        in.imbue(std::locale::classic());
        T back = 0;
        if ((in >> back) && back == value)
            break;
    }
    return text;
}

inline bool needs_quotes(const std::string &v)
{
    if (v.empty())
        return true;
    for (char c : v)
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' ||
            c == '=' || c == '"' || c == '\\')
            return true;
    return false;
}

inline std::string quoted(const std::string &v)
{
    if (!needs_quotes(v))
        return v;
    std::string q = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\')
            q += '\\';
        q += c;
    }
    return q + "\"";
}

inline void check_key(const std::string &key)
{
    bool ok = !key.empty() && key.size() < 64;
    for (char c : key)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_');
    if (!ok)
        fail(FORGET_E_PARAM, "parameter name '" + key +
                                 "' is not 1 to 63 of [a-z0-9_]");
}

} // namespace detail

class Params {
public:
    /* One value: text, a number, a bool or nested Params. */
    class Value {
    public:
        Value(const char *text) : text_(text ? text : "") {}
        Value(const std::string &text) : text_(text) {}
        Value(bool b) : text_(b ? "true" : "false") {}
        template <class T, typename std::enable_if<
                               std::is_integral<T>::value &&
                                   !std::is_same<T, bool>::value,
                               int>::type = 0>
        Value(T n) : text_(std::to_string(n))
        {
        }
        template <class T,
                  typename std::enable_if<std::is_floating_point<T>::value,
                                          int>::type = 0>
        Value(T x) : text_(detail::number_text(x))
        {
        }
        Value(const Params &nested);
        const std::string &text() const { return text_; }

    private:
        std::string text_;
    };

    Params() {}
    /* Text as it is ("alpha=10 lambda=1"); NULL is "". */
    Params(const char *text) : text_(text ? text : "") {}
    Params(const std::string &text) : text_(text) {}
    Params(std::initializer_list<std::pair<const std::string, Value> > list)
    {
        for (const auto &kv : list)
            set(kv.first, kv.second);
    }
    Params(const std::map<std::string, std::string> &map)
    {
        for (const auto &kv : map)
            set(kv.first, kv.second);
    }

    /* Appends key=value (a key given twice is the library's error). */
    Params &set(const std::string &key, const Value &value)
    {
        detail::check_key(key);
        if (!text_.empty())
            text_ += ' ';
        text_ += key + '=' + detail::quoted(value.text());
        return *this;
    }
    const std::string &str() const { return text_; }
    const char *c_str() const { return text_.c_str(); }
    bool empty() const { return text_.empty(); }

private:
    std::string text_;
};

inline Params::Value::Value(const Params &nested) : text_(nested.str()) {}

/* One entry of a parameter table (forget_param_def), as values. */
struct ParamDef {
    std::string name;
    int32_t type;              /* FORGET_PARAM_* */
    bool required;             /* no default */
    std::string default_value; /* text form; "" when required */
    double min, max;           /* a range when min <= max */
    std::string choices;       /* ENUM: "sample|batch" */
    std::string doc;

    static ParamDef from(const forget_param_def &d)
    {
        ParamDef p;
        p.name = d.name ? d.name : "";
        p.type = d.type;
        p.required = d.default_value == nullptr;
        p.default_value = d.default_value ? d.default_value : "";
        p.min = d.min;
        p.max = d.max;
        p.choices = d.choices ? d.choices : "";
        p.doc = d.doc ? d.doc : "";
        return p;
    }
};

namespace detail {

/* A table read entry by entry: count(&n), then at(i, &def). */
template <class Count, class At>
std::vector<ParamDef> param_table(Count count, At at)
{
    size_t n = 0;
    check(count(&n));
    std::vector<ParamDef> table;
    for (size_t i = 0; i < n; i++) {
        const forget_param_def *def = nullptr;
        check(at(i, &def));
        table.push_back(ParamDef::from(*def));
    }
    return table;
}

} // namespace detail
} // namespace forget

#endif
