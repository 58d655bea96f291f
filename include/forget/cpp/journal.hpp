/*
 * libforget for C++ — reading a deletion journal's records and figures
 * and verifying it without attaching it (part of forget.hpp; attaching is Unlearner::open_journal).
 */
#ifndef FORGET_CPP_JOURNAL_HPP
#define FORGET_CPP_JOURNAL_HPP

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "call.hpp"
#include "model.hpp"

namespace forget {

/* One record (forget_journal_read). */
struct JournalRecord {
    int type;       /* FORGET_JOURNAL_RECORD_* */
    uint64_t seq;   /* the request's number (0 for OPEN) */
    int64_t time_ns; /* since 1970, UTC */
    std::string method;
    int kind;       /* REQUEST: FORGET_JOURNAL_FORGET or _LEARN */
    std::vector<uint64_t> ids;
    bool has_digest; /* false for ABORT */
    Digest digest;  /* OPEN: at the start, REQUEST: before, DONE: after */
    int status;     /* ABORT: the failed call's code */
};

namespace detail {

struct JournalVisit {
    const std::function<void(const JournalRecord &)> *fn;
    Frame *frame;
};

inline int journal_trampoline(void *user_data, int type, uint64_t seq,
                              int64_t time_ns, const char *method, int kind,
                              const uint64_t *ids, size_t n_ids,
                              const unsigned char *digest, int status)
{
    JournalVisit *visit = static_cast<JournalVisit *>(user_data);
    try {
        JournalRecord r;
        r.type = type;
        r.seq = seq;
        r.time_ns = time_ns;
        r.method = method ? method : "";
        r.kind = kind;
        if (n_ids)
            r.ids.assign(ids, ids + n_ids);
        r.has_digest = digest != nullptr;
        r.digest.fill(0);
        if (digest)
            std::memcpy(r.digest.data(), digest, r.digest.size());
        r.status = status;
        (*visit->fn)(r);
        return 0;
    } catch (...) {
        visit->frame->capture();
        return 1;
    }
}

} // namespace detail

/* fn is called once per record, in order; an exception from fn stops the
 * reading and is rethrown. Records up to a damaged one are delivered,
 * then Error FORGET_E_FORMAT names it. */
inline void read_journal(const std::string &path,
                         const std::function<void(const JournalRecord &)> &fn)
{
    detail::Frame frame;
    detail::JournalVisit visit = {&fn, &frame};
    int status = forget_journal_read(path.c_str(),
                                     &detail::journal_trampoline, &visit);
    frame.finish(status);
}

/* Every record (Error, and none of them, if the journal is damaged). */
inline std::vector<JournalRecord> read_journal(const std::string &path)
{
    std::vector<JournalRecord> all;
    read_journal(path, [&](const JournalRecord &r) { all.push_back(r); });
    return all;
}

/* One figure of a request's report, as the journal's DONE record holds
 * it (forget_journal_read_figures; version-3 journals). */
struct JournalFigure {
    uint64_t seq;    /* the request's number */
    std::string key; /* "rows", newton's "cert_spent", ... */
    double value;
};

namespace detail {

struct FigureVisit {
    const std::function<void(const JournalFigure &)> *fn;
    Frame *frame;
};

inline int figure_trampoline(void *user_data, uint64_t seq, const char *key,
                             double value)
{
    FigureVisit *visit = static_cast<FigureVisit *>(user_data);
    try {
        JournalFigure f = {seq, key ? key : "", value};
        (*visit->fn)(f);
        return 0;
    } catch (...) {
        visit->frame->capture();
        return 1;
    }
}

} // namespace detail

/* fn is called once per recorded figure, in order (none for journals of
 * versions 1 and 2); an exception from fn stops the reading and is
 * rethrown; damage as for read_journal. */
inline void read_journal_figures(
    const std::string &path,
    const std::function<void(const JournalFigure &)> &fn)
{
    detail::Frame frame;
    detail::FigureVisit visit = {&fn, &frame};
    int status = forget_journal_read_figures(
        path.c_str(), &detail::figure_trampoline, &visit);
    frame.finish(status);
}

/* Every recorded figure, in order. */
inline std::vector<JournalFigure> read_journal_figures(const std::string &path)
{
    std::vector<JournalFigure> all;
    read_journal_figures(path,
                         [&](const JournalFigure &f) { all.push_back(f); });
    return all;
}

/* A failed verify_journal: which record fails and where. */
class JournalError : public Error {
public:
    JournalError(int code, const std::string &message, uint64_t records,
                 uint64_t offset)
        : Error(code, message), records_(records), offset_(offset)
    {
    }
    /* The number of the first record that fails (0 = OPEN). */
    uint64_t records() const noexcept { return records_; }
    /* Its byte offset in the file. */
    uint64_t offset() const noexcept { return offset_; }

private:
    uint64_t records_, offset_;
};

/* Checks the journal's hash chain (key: its HMAC key; empty for none).
 * Returns the number of records, all intact and linked; otherwise throws
 * JournalError (FORGET_E_FORMAT: damaged, changed or another key;
 * FORGET_E_STATE: a keyed journal without the key; FORGET_E_UNSUPPORTED:
 * a version-1 journal, which has no chain). */
inline uint64_t verify_journal(const std::string &path,
                               const std::vector<unsigned char> &key =
                                   std::vector<unsigned char>())
{
    uint64_t records = 0, offset = 0;
    int status = forget_journal_verify(
        path.c_str(), key.empty() ? nullptr : key.data(), key.size(),
        &records, &offset);
    if (status != FORGET_OK) {
        const char *message =
            forget_last_error_code() == status ? forget_last_error() : "";
        throw JournalError(status, message ? message : "", records, offset);
    }
    return records;
}

} // namespace forget

#endif
