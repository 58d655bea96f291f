/*
 * libforget for C++ — reports as values (part of forget.hpp).
 *
 * A forget_report belongs to its model or unlearner and changes with its
 * next call; forget::Report is a copy of its figures, in their order,
 * that lives as long as the caller keeps it.
 */
#ifndef FORGET_CPP_REPORT_HPP
#define FORGET_CPP_REPORT_HPP

#include <string>
#include <utility>
#include <vector>

#include "error.hpp"

namespace forget {

class Report {
public:
    typedef std::pair<std::string, double> Entry;
    typedef std::vector<Entry>::const_iterator const_iterator;

    Report() {}
    /* A copy of r's figures; NULL gives an empty report. */
    explicit Report(const forget_report *r)
    {
        size_t n = r ? forget_report_count(r) : 0;
        for (size_t i = 0; i < n; i++) {
            const char *key = forget_report_key(r, i);
            entries_.push_back(Entry(key ? key : "",
                                     forget_report_value(r, i)));
        }
    }

    size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }
    const Entry &operator[](size_t i) const { return entries_.at(i); }
    const_iterator begin() const { return entries_.begin(); }
    const_iterator end() const { return entries_.end(); }

    bool has(const std::string &key) const { return find(key) != end(); }
    /* The value of key; Error FORGET_E_NOT_FOUND naming it if absent. */
    double get(const std::string &key) const
    {
        const_iterator it = find(key);
        if (it == end())
            detail::fail(FORGET_E_NOT_FOUND,
                         "the report has no figure '" + key + "'");
        return it->second;
    }
    double get(const std::string &key, double fallback) const
    {
        const_iterator it = find(key);
        return it == end() ? fallback : it->second;
    }

private:
    const_iterator find(const std::string &key) const
    {
        for (const_iterator it = begin(); it != end(); ++it)
            if (it->first == key)
                return it;
        return end();
    }
    std::vector<Entry> entries_;
};

} // namespace forget

#endif
