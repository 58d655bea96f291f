/*
 * libforget for C++ — evaluation (part of forget.hpp): forget::eval::*
 * mirror forget_eval_* and return their figures.
 */
#ifndef FORGET_CPP_EVAL_HPP
#define FORGET_CPP_EVAL_HPP

#include <initializer_list>
#include <vector>

#include "call.hpp"
#include "dataset.hpp"
#include "model.hpp"

namespace forget {
namespace eval {

/* Fraction of rows whose most probable class is the label. */
inline double accuracy(const Model &m, const Dataset &data)
{
    double v = 0;
    detail::run(m.slot(), [&] {
        return forget_eval_accuracy(m.handle(), data.handle(), &v);
    });
    return v;
}

/* Mean per-row loss (cross-entropy, or mean squared error). */
inline double loss(const Model &m, const Dataset &data)
{
    double v = 0;
    detail::run(m.slot(), [&] {
        return forget_eval_loss(m.handle(), data.handle(), &v);
    });
    return v;
}

/* Accuracy per class (model.outputs() of them; NaN for a class without
 * rows). */
inline std::vector<double> class_accuracy(const Model &m, const Dataset &data)
{
    std::vector<double> v(m.outputs());
    detail::run(m.slot(), [&] {
        return forget_eval_class_accuracy(m.handle(), data.handle(),
                                          v.data(), v.size());
    });
    return v;
}

/* classes x classes counts, row-major: row = label, column = prediction. */
inline std::vector<uint64_t> confusion(const Model &m, const Dataset &data)
{
    size_t k = m.outputs();
    std::vector<uint64_t> v(k * k);
    detail::run(m.slot(), [&] {
        return forget_eval_confusion(m.handle(), data.handle(), v.data(), k);
    });
    return v;
}

/* The SSD paper's membership-inference attack: the fraction of target
 * rows judged members (fitted on retain versus test). */
inline double mia(const Model &m, const Dataset &retain, const Dataset &test,
                  const Dataset &target)
{
    double v = 0;
    detail::run(m.slot(), [&] {
        return forget_eval_mia(m.handle(), retain.handle(), test.handle(),
                               target.handle(), &v);
    });
    return v;
}

/* A loss-threshold attack's ROC AUC. */
inline double loss_auc(const Model &m, const Dataset &members,
                       const Dataset &nonmembers)
{
    double v = 0;
    detail::run(m.slot(), [&] {
        return forget_eval_loss_auc(m.handle(), members.handle(),
                                    nonmembers.handle(), &v);
    });
    return v;
}

struct Distance {
    double max_abs;
    double mean_abs; /* output_distance: the mean; param_distance: 0 */
    double l2;       /* param_distance: the L2 norm; output_distance: 0 */
};

/* Largest and mean |p_a - p_b| over data's rows and the outputs. */
inline Distance output_distance(const Model &a, const Model &b,
                                const Dataset &data)
{
    Distance d = {0, 0, 0};
    detail::Slot *slot = a.slot() ? a.slot() : b.slot();
    detail::run(slot, [&] {
        return forget_eval_output_distance(a.handle(), b.handle(),
                                           data.handle(), &d.max_abs,
                                           &d.mean_abs);
    });
    return d;
}

/* ||theta_a - theta_b||_2 and max |theta_a - theta_b|. */
inline Distance param_distance(const Model &a, const Model &b)
{
    Distance d = {0, 0, 0};
    check(forget_eval_param_distance(a.handle(), b.handle(), &d.l2,
                                     &d.max_abs));
    return d;
}

/* The scorecard against retraining (forget_eval_scorecard): model's
 * forget/retain/test accuracy, mia and loss_auc, the same of retrained
 * (ref_*) and original (orig_*), and the gaps to retrained in percentage
 * points with their average (avg_gap). original and retrained may be
 * null: their figures, and without retrained the gaps, are NaN. */
typedef forget_scorecard Scorecard;

inline Scorecard scorecard(const Model &m, const Dataset &forget_set,
                           const Dataset &retain, const Dataset &test,
                           const Model *original = nullptr,
                           const Model *retrained = nullptr)
{
    Scorecard sc = Scorecard();
    sc.struct_size = sizeof sc;
    detail::Slot *slot = m.slot();
    for (const Model *other : {original, retrained})
        if (!slot && other)
            slot = other->slot();
    detail::run(slot, [&] {
        return forget_eval_scorecard(
            m.handle(), original ? original->handle() : nullptr,
            retrained ? retrained->handle() : nullptr, forget_set.handle(),
            retain.handle(), test.handle(), &sc);
    });
    return sc;
}

} // namespace eval
} // namespace forget

#endif
