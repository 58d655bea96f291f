/*
 * libforget for C++ — unlearners (part of forget.hpp).
 *
 * forget::Unlearner is move-only. It keeps its model alive: it holds the
 * Model's shared state (model.hpp), so the Model may be destroyed first
 * and the unlearner goes on working, and unlearner.model() gives it back
 * as a Model. A model the unlearner owns (sisa's ensemble) comes back as
 * a Model that keeps the unlearner alive in turn: it never dangles.
 *
 * The model and its unlearner count as one object for threads: use them
 * from one thread at a time (a forget call rewrites the model's weights),
 * as for any libforget handle.
 */
#ifndef FORGET_CPP_UNLEARNER_HPP
#define FORGET_CPP_UNLEARNER_HPP

#include <memory>
#include <string>
#include <vector>

#include "call.hpp"
#include "dataset.hpp"
#include "model.hpp"
#include "params.hpp"
#include "report.hpp"

namespace forget {

/* The oldest request a journal holds pending (ids empty: none). */
struct PendingRequest {
    int kind; /* FORGET_JOURNAL_FORGET or FORGET_JOURNAL_LEARN; 0: none */
    std::vector<uint64_t> ids;
    bool empty() const { return ids.empty(); }
};

namespace detail {

struct UnlearnerState {
    forget_unlearner *handle;
    std::shared_ptr<ModelState> model; /* the one it was made with */
    std::weak_ptr<ModelState> own;     /* a view of the one it owns */
    Progress progress;

    UnlearnerState(forget_unlearner *u, std::shared_ptr<ModelState> m)
        : handle(u), model(std::move(m))
    {
    }
    ~UnlearnerState() { forget_unlearner_free(handle); }
    UnlearnerState(const UnlearnerState &) = delete;
    UnlearnerState &operator=(const UnlearnerState &) = delete;
};

} // namespace detail

class Unlearner {
public:
    Unlearner() noexcept {}
    /* Takes ownership of u (NULL gives an empty Unlearner). Its model is
     * then reached only through model(). */
    explicit Unlearner(forget_unlearner *u)
        : s_(u ? adopt(u, nullptr) : nullptr)
    {
    }
    Unlearner(Unlearner &&) noexcept = default;
    Unlearner &operator=(Unlearner &&) noexcept = default;
    Unlearner(const Unlearner &) = delete;
    Unlearner &operator=(const Unlearner &) = delete;

    /* method bound to model, which it keeps alive (see above). */
    static Unlearner create(const std::string &method, Model &model,
                            const Params &params = Params())
    {
        forget_model *m = model.handle();
        forget_unlearner *u = nullptr;
        check(forget_unlearner_create(&u, method.c_str(), m,
                                      params.c_str()));
        return Unlearner(adopt(u, model.state()));
    }
    static Unlearner create(const std::string &method, Model &&model,
                            const Params &params = Params())
    {
        return create(method, model, params);
    }
    /* A method flagged FORGET_METHOD_NO_MODEL, without a model. */
    static Unlearner create(const std::string &method,
                            const Params &params = Params())
    {
        forget_unlearner *u = nullptr;
        check(forget_unlearner_create(&u, method.c_str(), nullptr,
                                      params.c_str()));
        return Unlearner(adopt(u, nullptr));
    }

    /* A saved state for model (the one it was saved with, or its saved
     * copy); params may replace the keys the method allows (sisa: store). */
    static Unlearner load(Model &model, const std::string &path,
                          const Params &params = Params())
    {
        forget_model *m = model.handle();
        forget_unlearner *u = nullptr;
        check(forget_unlearner_load_params(&u, m, path.c_str(),
                                           params.c_str()));
        return Unlearner(adopt(u, model.state()));
    }
    static Unlearner load(Model &&model, const std::string &path,
                          const Params &params = Params())
    {
        return load(model, path, params);
    }
    static Unlearner load_buffer(Model &model, const void *buf, size_t size,
                                 const Params &params = Params())
    {
        forget_model *m = model.handle();
        forget_unlearner *u = nullptr;
        check(forget_unlearner_load_buffer_params(&u, m, buf, size,
                                                  params.c_str()));
        return Unlearner(adopt(u, model.state()));
    }
    static Unlearner load_buffer(Model &model,
                                 const std::vector<unsigned char> &buf,
                                 const Params &params = Params())
    {
        return load_buffer(model, buf.data(), buf.size(), params);
    }
    static Unlearner load_buffer(Model &&model,
                                 const std::vector<unsigned char> &buf,
                                 const Params &params = Params())
    {
        return load_buffer(model, buf.data(), buf.size(), params);
    }

    forget_unlearner *get() const noexcept { return s_ ? s_->handle : nullptr; }
    /* The handle, or Error FORGET_E_STATE when empty. */
    forget_unlearner *handle() const
    {
        return detail::need(get(), "Unlearner");
    }
    /* Gives up ownership of the handle (the C unlearner still holds its
     * model). Refused with FORGET_E_STATE while a Model from model()
     * shares it, and when its model is a C++ host model. */
    forget_unlearner *release()
    {
        handle();
        bool host = s_->model && s_->model->host;
        if (s_.use_count() != 1 || host)
            detail::fail(FORGET_E_STATE,
                         std::string("this forget::Unlearner cannot give up "
                                     "its handle: ") +
                             (host ? "its model is a C++ host model"
                                   : "a Model from model() shares it"));
        forget_unlearner *u = s_->handle;
        s_->handle = nullptr;
        s_.reset();
        return u;
    }
    explicit operator bool() const noexcept { return get() != nullptr; }

    std::string method() const { return forget_unlearner_method(handle()); }
    bool is_prepared() const
    {
        return forget_unlearner_is_prepared(handle()) != 0;
    }
    /* The model forget calls change: the one given at creation, or the
     * one the unlearner owns (sisa's ensemble, after prepare), which keeps
     * this unlearner alive. FORGET_E_STATE when there is none yet. */
    Model model() const
    {
        forget_model *m = forget_unlearner_model(handle());
        if (m == nullptr)
            detail::fail(FORGET_E_STATE,
                         "the unlearner has no model yet (sisa: before "
                         "prepare)");
        if (s_->model && s_->model->handle == m)
            return Model(s_->model);
        std::shared_ptr<detail::ModelState> view = s_->own.lock();
        if (!view || view->handle != m) {
            view = std::make_shared<detail::ModelState>(
                m, s_->model ? s_->model->host : nullptr);
            view->owns = false;
            view->owner = s_;
            s_->own = view;
        }
        return Model(view);
    }

    /* Rows never trained on, for a method's target=heldout or
     * heldout_loss (copied; clear_heldout removes them). Not saved with
     * the state: give them again after a load, before open_journal. */
    void set_heldout(const Dataset &rows)
    {
        check(forget_unlearner_set_heldout(handle(), rows.handle()));
    }
    void clear_heldout()
    {
        check(forget_unlearner_set_heldout(handle(), nullptr));
    }

    /* Progress of prepare, forget, forget_ids, learn and open_journal. */
    void set_progress(Progress fn)
    {
        handle();
        s_->progress = std::move(fn);
    }

    /* Each of these changes nothing when it fails, is canceled or a
     * callback throws. */
    void prepare(const Dataset &train)
    {
        forget_dataset *d = train.handle();
        call([&](forget_unlearner *u) {
            return forget_unlearner_prepare(u, d);
        });
    }
    void forget(const Dataset &rows)
    {
        forget_dataset *d = rows.handle();
        call([&](forget_unlearner *u) {
            return forget_unlearner_forget(u, d);
        });
    }
    void forget_ids(const std::vector<uint64_t> &ids)
    {
        forget_ids(ids.data(), ids.size());
    }
    void forget_ids(const uint64_t *ids, size_t count)
    {
        call([&](forget_unlearner *u) {
            return forget_unlearner_forget_ids(u, ids, count);
        });
    }
    void learn(const Dataset &rows)
    {
        forget_dataset *d = rows.handle();
        call([&](forget_unlearner *u) {
            return forget_unlearner_learn(u, d);
        });
    }
    /* The figures of the last successful prepare or forget (a copy). */
    Report report() const { return Report(forget_unlearner_report(handle())); }

    void save(const std::string &path) const
    {
        check(forget_unlearner_save(handle(), path.c_str()));
    }
    std::vector<unsigned char> save_buffer() const
    {
        forget_unlearner *u = handle();
        return detail::read_buffer([&](void *b, size_t c, size_t *s) {
            return forget_unlearner_save_buffer(u, b, c, s);
        });
    }

    /* The deletion journal (forget.h): flags FORGET_JOURNAL_REPAIR,
     * FORGET_JOURNAL_NEW. Opening may redo logged requests. */
    void open_journal(const std::string &path, uint32_t flags = 0)
    {
        call([&](forget_unlearner *u) {
            return forget_unlearner_open_journal(u, path.c_str(), flags);
        });
    }
    void set_journal_key(const void *key, size_t key_len)
    {
        check(forget_unlearner_set_journal_key(handle(), key, key_len));
    }
    void set_journal_key(const std::vector<unsigned char> &key)
    {
        set_journal_key(key.empty() ? nullptr : key.data(), key.size());
    }
    bool is_forgotten(uint64_t id) const
    {
        int forgotten = 0;
        check(forget_unlearner_is_forgotten(handle(), id, &forgotten));
        return forgotten != 0;
    }
    PendingRequest journal_pending() const
    {
        int kind = 0;
        const uint64_t *ids = nullptr;
        size_t count = 0;
        check(forget_unlearner_journal_pending(handle(), &kind, &ids,
                                               &count));
        PendingRequest p;
        p.kind = count ? kind : 0;
        if (count)
            p.ids.assign(ids, ids + count);
        return p;
    }

private:
    explicit Unlearner(std::shared_ptr<detail::UnlearnerState> s) noexcept
        : s_(std::move(s))
    {
    }
    static std::shared_ptr<detail::UnlearnerState> adopt(
        forget_unlearner *u, std::shared_ptr<detail::ModelState> model)
    {
        try {
            return std::make_shared<detail::UnlearnerState>(u, model);
        } catch (...) {
            forget_unlearner_free(u);
            throw;
        }
    }
    /* One call that may reach progress and the model's host callbacks. */
    template <class Call> void call(Call c)
    {
        forget_unlearner *u = handle();
        detail::run(u, forget_unlearner_set_progress, s_->progress,
                    s_->model ? s_->model->slot() : nullptr,
                    [&] { return c(u); });
    }
    std::shared_ptr<detail::UnlearnerState> s_;
};

} // namespace forget

#endif
