/* Entities: countries from iso-codes with aliases/demonyms, organisations, persons,
 * case rules, longest name wins, spans into the original text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wirewatch/classify.h"

/* A classifier with the default options (embedded rules, every pack, gazetteer). */
static ww_classifier *default_classifier(void) {
    char err[256];
    ww_classify_opts o = {0};
    ww_classifier *c = ww_classifier_new(&o, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    return c;
}

static Wirewatch__V1__Classified *run(ww_classifier *c, const char *text) {
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.text = (char *)text;
    Wirewatch__V1__Classified *out = NULL;
    int alert;
    assert_int_equal(ww_classify_document(c, &d, &out, &alert), 0);
    return out;
}

static const Wirewatch__V1__Entity *find(const Wirewatch__V1__Classified *o,
                                         const char *id) {
    for (size_t i = 0; i < o->n_entities; i++)
        if (strcmp(o->entities[i]->id, id) == 0)
            return o->entities[i];
    return NULL;
}

static void check_spans(const Wirewatch__V1__Entity *e, const char *text) {
    for (size_t i = 0; i < e->n_spans; i++) {
        const Wirewatch__V1__Span *s = e->spans[i];
        assert_true(s->end > s->start && s->end <= strlen(text));
        assert_int_equal(strlen(s->text), s->end - s->start);
        assert_memory_equal(s->text, text + s->start, s->end - s->start);
    }
}

static void test_countries(void **state) {
    (void)state;
    ww_classifier *c = default_classifier();
    const char *t =
        "Chinese officials told the USA and the U.S. Congress, thus warning us all; "
        "Britain, South Korea and the People's Republic of China agreed. Latin "
        "America watched; turkey was served in Chad.";
    Wirewatch__V1__Classified *out = run(c, t);
    const Wirewatch__V1__Entity *cn = find(out, "iso3166:CN");
    assert_non_null(cn);
    assert_string_equal(cn->type, "country");
    assert_string_equal(cn->name, "China");
    assert_int_equal(cn->n_spans, 2); /* "Chinese", "People's Republic of China" */
    assert_string_equal(cn->spans[0]->text, "Chinese");
    assert_string_equal(cn->spans[1]->text, "People's Republic of China");
    check_spans(cn, t);
    const Wirewatch__V1__Entity *us = find(out, "iso3166:US");
    assert_non_null(us);
    assert_int_equal(us->n_spans,
                     2); /* "USA", "U.S." -- not "us", "thus", "Latin America" */
    assert_string_equal(us->spans[0]->text, "USA");
    assert_string_equal(us->spans[1]->text, "U.S"); /* spans cover the matched words */
    check_spans(us, t);
    assert_non_null(find(out, "iso3166:GB"));
    assert_non_null(find(out, "iso3166:KR"));
    assert_non_null(find(out, "region:latin-america"));
    assert_non_null(find(out, "iso3166:TD")); /* "Chad", capitalised */
    assert_null(find(out, "iso3166:TR"));     /* "turkey" the bird */
    /* first mention order */
    assert_string_equal(out->entities[0]->id, "iso3166:CN");
    ww_classified_free(out);
    ww_classifier_free(c);
}

static void test_organizations_default(void **state) {
    (void)state;
    ww_classifier *c = default_classifier();
    const char *t = "The Ministry of State Security briefed NATO, the UN and the EU; WHO "
                    "officials, who were present, said nothing.";
    Wirewatch__V1__Classified *out = run(c, t);
    const Wirewatch__V1__Entity *mss = find(out, "org:cn-mss");
    assert_non_null(mss);
    assert_string_equal(mss->type, "organization");
    assert_string_equal(mss->spans[0]->text, "Ministry of State Security");
    assert_non_null(find(out, "org:nato"));
    assert_non_null(find(out, "org:un"));
    assert_non_null(find(out, "org:eu"));
    const Wirewatch__V1__Entity *who = find(out, "org:who");
    assert_non_null(who);
    assert_int_equal(who->n_spans, 1); /* "WHO", not "who" */
    ww_classified_free(out);
    ww_classifier_free(c);
}

static char *write_tmp(const char *content) {
    char *path = strdup("/tmp/ww_test_entXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return path;
}

static void test_persons_and_custom_orgs(void **state) {
    (void)state;
    char err[256];
    char *persons = write_tmp(
        "{\"name\":\"people\",\"entities\":[{\"type\":\"person\",\"name\":\"Chen Yixin\","
        "\"id\":\"wikidata:Q10875906\",\"aliases\":[\"Minister Chen\","
        "{\"text\":\"chen yixin\",\"case\":\"insensitive\"}]}]}");
    char *orgs =
        write_tmp("{\"entities\":[{\"type\":\"organization\",\"name\":\"Acme Corp\","
                  "\"id\":\"org:acme\"}]}");
    ww_classify_opts o = {.persons = persons, .organizations = orgs};
    ww_classifier *c = ww_classifier_new(&o, err, sizeof err);
    assert_non_null(c);
    const char *t =
        "State Security Minister Chen Yixin met Acme Corp; CHEN YIXIN spoke to NATO.";
    Wirewatch__V1__Classified *out = run(c, t);
    const Wirewatch__V1__Entity *p = find(out, "wikidata:Q10875906");
    assert_non_null(p);
    assert_string_equal(p->type, "person");
    assert_int_equal(p->n_spans, 2);
    assert_non_null(find(out, "org:acme"));
    assert_null(find(out, "org:nato")); /* the custom list replaces the default */
    ww_classified_free(out);
    ww_classifier_free(c);

    /* a bad entity file is refused with the file and the key named */
    char *bad =
        write_tmp("{\"entities\":[{\"type\":\"person\",\"name\":\"X\",\"nick\":\"y\"}]}");
    o.persons = bad;
    assert_null(ww_classifier_new(&o, err, sizeof err));
    assert_non_null(strstr(err, bad));
    assert_non_null(strstr(err, "\"nick\""));
    o.persons = "/nonexistent/persons.json";
    assert_null(ww_classifier_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/persons.json"));
    unlink(persons);
    unlink(orgs);
    unlink(bad);
    free(persons);
    free(orgs);
    free(bad);
}

/* Names that look like a country but are not one here: a place that holds one (New
 * Mexico, Northern Ireland), a stem another word shares (French Martinique -> martin,
 * the stem of Martine; Spanish Saná -> san, of San Francisco), a country's name that
 * mostly names something else in that language (Spanish Guadalupe, pack key
 * "not_country_names").  The real country still matches, inflected where its language
 * inflects. */
static Wirewatch__V1__Classified *run_lang(ww_classifier *c, const char *lang,
                                           const char *text) {
    Wirewatch__V1__Document d = WIREWATCH__V1__DOCUMENT__INIT;
    d.text = (char *)text;
    d.language = (char *)lang;
    Wirewatch__V1__Classified *out = NULL;
    int alert;
    assert_int_equal(ww_classify_document(c, &d, &out, &alert), 0);
    return out;
}

static void expect(ww_classifier *c, const char *lang, const char *text,
                   const char *const *present, const char *const *absent) {
    Wirewatch__V1__Classified *out = run_lang(c, lang, text);
    for (; present && *present; present++)
        if (!find(out, *present))
            fail_msg("%s: no %s in \"%s\"", lang, *present, text);
    for (; absent && *absent; absent++)
        if (find(out, *absent))
            fail_msg("%s: %s found in \"%s\"", lang, *absent, text);
    ww_classified_free(out);
}

static void test_names_that_are_not_countries(void **state) {
    (void)state;
    ww_classifier *c = default_classifier();
    expect(c, "en", "The governor of New Mexico met police in Northern Ireland.",
           (const char *const[]){"region:new-mexico", "region:northern-ireland", NULL},
           (const char *const[]){"iso3166:MX", "iso3166:IE", NULL});
    expect(c, "en", "Talks in Mexico City and Dublin, Ireland.",
           (const char *const[]){"iso3166:MX", "iso3166:IE", NULL}, NULL);
    expect(c, "fr", "Martine et Dominique Martin sont allées à Saint-Martin.", NULL,
           (const char *const[]){"iso3166:MQ", "iso3166:DM", "iso3166:MF", NULL});
    expect(c, "fr", "Le cyclone a touché la Martinique et la Dominique.",
           (const char *const[]){"iso3166:MQ", NULL}, NULL);
    expect(c, "es",
           "Los peregrinos de San Francisco llegaron a la Basílica de Guadalupe; Martín "
           "habló.",
           NULL, (const char *const[]){"iso3166:YE", "iso3166:GP", "iso3166:MQ", NULL});
    expect(c, "es", "Desde Saná, la capital, y desde Martinica.",
           (const char *const[]){"iso3166:YE", "iso3166:MQ", NULL}, NULL);
    expect(c, "es", "El gobernador de Nuevo México.",
           (const char *const[]){"region:new-mexico", NULL},
           (const char *const[]){"iso3166:MX", NULL});
    expect(c, "ru", "Президент Беларуси прибыл в Нью-Джерси.",
           (const char *const[]){"iso3166:BY", "region:new-jersey", NULL}, NULL);
    expect(c, "ar", "وجه المجلس رسالة للأمم المتحدة من البحر",
           (const char *const[]){"org:un", NULL},
           (const char *const[]){"iso3166:BH", NULL});
    ww_classifier_free(c);
}

/* A person named again by the surname alone is the same entity: the full name's, with
 * both spans in text order; a surname two people share stays apart. */
static void test_one_person_one_entity(void **state) {
    (void)state;
    ww_classifier *c = default_classifier();
    const char *t =
        "Mr Starmer arrived first. Prime Minister Keir Starmer said on Monday "
        "that talks would go on.";
    Wirewatch__V1__Classified *out = run_lang(c, "en", t);
    const Wirewatch__V1__Entity *e = find(out, "person:keir-starmer");
    assert_non_null(e);
    assert_null(find(out, "person:starmer"));
    assert_int_equal(e->n_spans, 2);
    assert_string_equal(e->spans[0]->text, "Starmer"); /* text order */
    assert_string_equal(e->spans[1]->text, "Keir Starmer");
    check_spans(e, t);
    assert_ptr_equal(out->entities[0], e); /* the place of the first mention */
    ww_classified_free(out);

    t = "President Joe Biden met Senator Hunter Biden; Mr Biden left.";
    out = run_lang(c, "en", t);
    assert_non_null(find(out, "person:joe-biden"));
    assert_non_null(find(out, "person:hunter-biden"));
    assert_non_null(find(out, "person:biden")); /* which Biden: not said */
    ww_classified_free(out);

    t = "Bundeskanzlerin Angela Merkel reiste ab. Angela Merkels Rede war kurz.";
    out = run_lang(c, "de", t);
    e = find(out, "person:angela-merkel");
    assert_non_null(e);
    assert_null(find(out, "person:angela-merkels")); /* the genitive, the same person */
    assert_int_equal(e->n_spans, 2);
    ww_classified_free(out);

    t = "主催者の森田香織さんは喜んだ。森田さんによると、来年も開く。";
    out = run_lang(c, "ja", t);
    e = find(out, "person:森田香織");
    assert_non_null(e);
    assert_null(find(out, "person:森田"));
    assert_int_equal(e->n_spans, 2);
    check_spans(e, t);
    ww_classified_free(out);
    ww_classifier_free(c);
}

/* Clergy titles in the packs, and a person's id in lower case in every script. */
static void test_clergy_and_ids(void **state) {
    (void)state;
    ww_classifier *c = default_classifier();
    expect(c, "ru", "Службу провёл протоиерей Николай Веденеев.",
           (const char *const[]){"person:николай-веденеев", NULL}, NULL);
    expect(c, "es", "El párroco Miguel Ángel Torres habló.",
           (const char *const[]){"person:miguel-ángel-torres", NULL}, NULL);
    expect(c, "fr", "Selon Mgr Bernard Lemoine, la messe aura lieu.",
           (const char *const[]){"person:bernard-lemoine", NULL}, NULL);
    expect(c, "pt", "Segundo frei Antônio Moreira, a procissão sai às nove.",
           (const char *const[]){"person:antônio-moreira", NULL}, NULL);
    ww_classifier_free(c);
}

/* Persons without a title, from a known given name (data/given-names.json): the given
 * name must begin a run of capitalised words, and German, which capitalises nouns, gets
 * the given name and one family name (a third word after a second given name). */
static void test_given_names(void **state) {
    (void)state;
    ww_classifier *c = default_classifier();
    expect(c, "en", "Margaret Ellison celebrated her birthday.",
           (const char *const[]){"person:margaret-ellison", NULL}, NULL);
    expect(
        c, "ru", "73-летняя Валентина Смирнова рассказала. Охотовед Сергей Белов помог.",
        (const char *const[]){"person:валентина-смирнова", "person:сергей-белов", NULL},
        NULL);
    expect(c, "es", "Alberto Núñez Feijóo dijo que no.",
           (const char *const[]){"person:alberto-núñez-feijóo", NULL}, NULL);
    expect(c, "en", "They toured Santa Maria Novella on Sunday.", NULL,
           (const char *const[]){"person:maria-novella", NULL});
    expect(c, "de", "Im Wahlkampf sagte Hillary Clinton Präsidentin werden zu wollen.",
           (const char *const[]){"person:hillary-clinton", NULL},
           (const char *const[]){"person:hillary-clinton-präsidentin", NULL});
    expect(c, "de", "Die Konrad-Bayer-Textvertonung und der Franz Josef-Kai.", NULL,
           (const char *const[]){"person:konrad-bayer-textvertonung",
                                 "person:konrad-bayer", "person:franz-josef", NULL});
    ww_classifier_free(c);
}

/* Organisations of today's news beyond the first list: UN agencies, courts, regional
 * bodies, armed groups; an English alias that meets a common word is left out or
 * case-sensitive ("a gcc compiler" is no Gulf Cooperation Council). */
static void test_more_organizations(void **state) {
    (void)state;
    ww_classifier *c = default_classifier();
    expect(
        c, "en",
        "Hamas and Hezbollah fighters, the Taliban and Islamic State; UNICEF and the UN "
        "refugee agency; the European Parliament voted and the World Court ruled.",
        (const char *const[]){"org:hamas", "org:hezbollah", "org:taliban",
                              "org:islamic-state", "org:unicef", "org:unhcr", "org:ep",
                              "org:icj", NULL},
        NULL);
    expect(c, "en", "Build it with a gcc compiler.", NULL,
           (const char *const[]){"org:gcc", NULL});
    ww_classifier_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_countries),
        cmocka_unit_test(test_organizations_default),
        cmocka_unit_test(test_persons_and_custom_orgs),
        cmocka_unit_test(test_names_that_are_not_countries),
        cmocka_unit_test(test_one_person_one_entity),
        cmocka_unit_test(test_clergy_and_ids),
        cmocka_unit_test(test_given_names),
        cmocka_unit_test(test_more_organizations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
