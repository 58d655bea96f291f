/* forget::Params: the text the library receives is the value given, for
 * every kind of value (checked through the C parser itself). */
#include "support.hpp"

#include <clocale>
#include <map>

namespace {

const forget_param_def table[] = {
    {"a", FORGET_PARAM_STRING, "", 1, 0, nullptr, "text"},
    {"b", FORGET_PARAM_DOUBLE, "0", 1, 0, nullptr, "a number"},
    {"c", FORGET_PARAM_INT, "0", 1, 0, nullptr, "an integer"},
    {"d", FORGET_PARAM_BOOL, "false", 1, 0, nullptr, "a bool"},
};

struct Parsed {
    forget_params *p = nullptr;
    explicit Parsed(const forget::Params &params)
    {
        forget::check(forget_params_parse(&p, table, 4, sizeof table[0],
                                          "the test", params.c_str()));
    }
    ~Parsed() { forget_params_free(p); }
    std::string text(const char *key) const
    {
        const char *v = nullptr;
        forget::check(forget_params_string(p, key, &v));
        return v;
    }
};

} // namespace

TEST(params_strings_reach_the_parser_unchanged)
{
    fct::Rng r(7);
    const char alphabet[] = "ab ,=\"\\\t\nxyz-_.:'";
    for (int round = 0; round < 500; round++) {
        std::string v;
        size_t len = r.next() % 12;
        for (size_t i = 0; i < len; i++)
            v += alphabet[r.next() % (sizeof alphabet - 1)];
        Parsed parsed(forget::Params{{"a", v}, {"c", 3}});
        CHECK(parsed.text("a") == v);
        CHECK(parsed.text("c") == "3");
    }
}

TEST(params_numbers_round_trip_without_the_locale)
{
    /* A locale with a decimal comma must not change the text. */
    const char *old = std::setlocale(LC_NUMERIC, nullptr);
    std::string saved = old ? old : "C";
    std::setlocale(LC_NUMERIC, "de_DE.UTF-8");
    fct::Rng r(11);
    for (int round = 0; round < 300; round++) {
        double v = (r.uniform() - 0.5) * std::pow(10.0, (int)(r.next() % 40) - 20);
        Parsed parsed(forget::Params{{"b", v}});
        double back = 0;
        forget::check(forget_params_double(parsed.p, "b", &back));
        CHECK(back == v);
        float f = (float)v;
        Parsed pf(forget::Params{{"b", f}});
        forget::check(forget_params_double(pf.p, "b", &back));
        CHECK((float)back == f);
    }
    std::setlocale(LC_NUMERIC, saved.c_str());
    CHECK(forget::Params({{"b", 0.1}}).str() == "b=0.1");
    CHECK(forget::Params({{"b", 0.1f}}).str() == "b=0.1");
    CHECK(forget::Params({{"c", -12}, {"d", true}}).str() == "c=-12 d=true");
    CHECK_THROWS(forget::Params({{"b", NAN}}), FORGET_E_PARAM);
}

TEST(params_from_maps_text_and_nesting)
{
    std::map<std::string, std::string> m = {{"d", "yes"}, {"a", "x y"}};
    Parsed parsed{forget::Params(m)};
    CHECK(parsed.text("a") == "x y");
    CHECK(parsed.text("d") == "yes");
    CHECK(forget::Params("c=1 d=no").str() == "c=1 d=no");
    CHECK(forget::Params(static_cast<const char *>(nullptr)).empty());
    forget::Params inner{{"epochs", 2}, {"batch", 16}};
    forget::Params outer{{"shards", 2}, {"train", inner}};
    CHECK(outer.str() == "shards=2 train=\"epochs=2 batch=16\"");
    forget::Params built;
    built.set("c", 4).set("a", "");
    CHECK(built.str() == "c=4 a=\"\"");
}

TEST(params_bad_keys_and_values_name_the_key)
{
    CHECK_THROWS(forget::Params({{"Bad Key", 1}}), FORGET_E_PARAM);
    CHECK_THROWS(forget::Params({{"", 1}}), FORGET_E_PARAM);
    CHECK_ERROR(forget::Model::create("linear", {{"inputs", 2}, {"outputz", 2}}),
                FORGET_E_PARAM, "outputz");
}

TEST(params_tables_are_listed)
{
    std::vector<forget::MethodInfo> all = forget::methods();
    CHECK(all.size() >= 3);
    bool seen_ssd = false;
    for (const forget::MethodInfo &m : all)
        if (m.name == "ssd") {
            seen_ssd = true;
            CHECK(!m.exact());
            bool alpha = false;
            for (const forget::ParamDef &p : m.params)
                alpha = alpha || p.name == "alpha";
            CHECK(alpha);
        }
    CHECK(seen_ssd);
    CHECK(forget::method_info("sisa").exact());
    CHECK_THROWS(forget::method_info("no-such"), FORGET_E_NOT_FOUND);
    std::vector<std::string> kinds = forget::model_kinds();
    CHECK(kinds.size() >= 3);
    CHECK(!forget::model_kind_params("mlp").empty());
    CHECK(!forget::train_params().empty());
    CHECK(forget::version_number() == FORGET_VERSION_NUMBER);
    CHECK(forget::version_string() == FORGET_VERSION_STRING);
    CHECK(!forget::blas_info().empty());
}
