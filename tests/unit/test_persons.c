/* Person names after titles (workers/classify/persons.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/classify/persons.h"
#include "classify_list.h"
#include "wirewatch/classify.h"

typedef struct {
    const char *text;
    const ww__toks *t;
    char found[8][64];
    int n;
} acc;

static int collect(void *arg, size_t first, size_t ntok) {
    acc *a = arg;
    if (a->n < 8) {
        uint32_t s = a->t->v[first].start, e = a->t->v[first + ntok - 1].end;
        snprintf(a->found[a->n++], 64, "%.*s", (int)(e - s), a->text + s);
    }
    return 0;
}

static int run(const char *text, acc *a) {
    ww__toks t = {0};
    memset(a, 0, sizeof *a);
    assert_int_equal(ww__tokenize(text, strlen(text), 1, &t), 0);
    a->text = text;
    a->t = &t;
    int rc = ww__find_persons(text, &t, collect, a);
    ww__toks_free(&t);
    return rc;
}

static void test_titles(void **st) {
    acc a;
    run("State Security Minister Chen Yixin said last month the ministry would act. "
        "President Lula met Prime Minister Keir Starmer and Dr. Jane Goodall.",
        &a);
    assert_int_equal(a.n, 4);
    assert_string_equal(a.found[0], "Chen Yixin");
    assert_string_equal(a.found[1], "Lula");
    assert_string_equal(a.found[2], "Keir Starmer");
    assert_string_equal(a.found[3], "Jane Goodall");
}

static void test_religious_titles(void **st) {
    acc a;
    run("The Rev Helen Marsh welcomed Imam Yusuf Rahman, Rabbi David Cohen and "
        "Archbishop Justin Welby.",
        &a);
    assert_int_equal(a.n, 4);
    assert_string_equal(a.found[0], "Helen Marsh");
    assert_string_equal(a.found[1], "Yusuf Rahman");
    assert_string_equal(a.found[2], "David Cohen");
    assert_string_equal(a.found[3], "Justin Welby");
}

static void test_title_after_title(void **st) {
    acc a;
    /* the name follows the last of several titles */
    run("Foreign Minister Prince Saud Al-Faisal met Chief Justice Dr Amina Bello.", &a);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.found[0], "Saud Al-Faisal");
    assert_string_equal(a.found[1], "Amina Bello");
}

static void test_not_names(void **st) {
    acc a;
    /* a title followed by a role, a weekday, lower-case words or one bare word */
    run("The minister said on Monday that the president of the Foreign Office and "
        "Minister Monday, the director general, and the spokesman Smith agreed.",
        &a);
    assert_int_equal(a.n, 0);
    run("Łukasz is here. Mayor Łukasz Nowak spoke.", &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "Łukasz Nowak");
}

static void test_particles(void **st) {
    acc a;
    /* lower-case particles between the capitalised parts of a name */
    run("President Luiz Inácio Lula da Silva met Commission President Ursula von der "
        "Leyen, Crown Prince Mohammed bin Salman and President Bashar al-Assad.",
        &a);
    assert_int_equal(a.n, 4);
    assert_string_equal(a.found[0], "Luiz Inácio Lula da Silva");
    assert_string_equal(a.found[1], "Ursula von der Leyen");
    assert_string_equal(a.found[2], "Mohammed bin Salman");
    assert_string_equal(a.found[3], "Bashar al-Assad");
    /* never at the end of a name, never alone, never three in a row */
    run("Mayor Anne Hidalgo de la ville spoke. President de Gaulle and Dr Jan de van "
        "der Berg came.",
        &a);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.found[0], "Anne Hidalgo");
    assert_string_equal(a.found[1], "Jan");
    /* German nouns are capitalised: von, zu, das only after a given name, der and den
     * only after van, von or de */
    run("President Richard von Weizsäcker und Mayor Jens Weidmann von "
        "Anfang an, Minister Thomas de Maizière, Minister Peter Müller der Zeitung.",
        &a);
    assert_int_equal(a.n, 4);
    assert_string_equal(a.found[0], "Richard von Weizsäcker");
    assert_string_equal(a.found[1], "Jens Weidmann");
    assert_string_equal(a.found[2], "Thomas de Maizière");
    assert_string_equal(a.found[3], "Peter Müller");
    run("President Alexander Van der Bellen und Minister Hans Sport zu Sturm Graz.", &a);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.found[0], "Alexander Van der Bellen");
    assert_string_equal(a.found[1], "Hans Sport");
}

/* ---- Arabic: a name after a title found by the matcher (here: by its tokens) ---- */

static int collect_span(void *arg, uint32_t s, uint32_t e) {
    acc *a = arg;
    if (a->n < 8)
        snprintf(a->found[a->n++], 64, "%.*s", (int)(e - s), a->text + s);
    return 0;
}

/* The names after every occurrence of title (one or more words, as the matcher would
 * report it: a token range) in text. */
static void titled_at(const char *text, const char *title, int after, acc *a) {
    ww__toks t = {0}, tt = {0};
    memset(a, 0, sizeof *a);
    a->text = text;
    assert_int_equal(ww__tokenize(text, strlen(text), 1, &t), 0);
    assert_int_equal(ww__tokenize(title, strlen(title), 1, &tt), 0);
    ww__title_hit h[8];
    size_t n = 0;
    for (size_t i = 0; i + tt.n <= t.n && n < 8; i++) {
        size_t k = 0;
        while (k < tt.n && strcmp(ww__tok_norm(&t, i + k), ww__tok_norm(&tt, k)) == 0)
            k++;
        if (k == tt.n)
            h[n++] = (ww__title_hit){(uint32_t)i, (uint32_t)tt.n, (uint8_t)after};
    }
    assert_int_equal(ww__find_persons_titled(text, &t, h, n, 0, collect_span, a), 0);
    ww__toks_free(&t);
    ww__toks_free(&tt);
}

static void titled(const char *text, const char *title, acc *a) {
    titled_at(text, title, 0, a);
}

static void test_particles_titled(void **st) {
    acc a;
    titled("Le président Lula da Silva a reçu le ministre Luis de Guindos.", "président",
           &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "Lula da Silva");
    titled("El ministro Luis de Guindos dijo que la ministra Calviño de Madrid",
           "ministro", &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "Luis de Guindos");
}

static void test_arabic_names(void **st) {
    acc a;
    /* qualifiers after the title are passed over; the name ends at a stop word */
    titled("قال الرئيس المصري عبد الفتاح السيسي إن بلاده ستواصل دعم الحل.", "الرئيس", &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "عبد الفتاح السيسي");
    titled("وقالت المتحدثة باسم وزارة الخارجية الصينية ماو نينغ، إن الصين مستعدة.",
           "المتحدثة باسم وزارة الخارجية", &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "ماو نينغ");
    titled("وزار ولي العهد السعودي الأمير محمد بن سلمان باريس يوم الأحد.", "ولي العهد",
           &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "محمد بن سلمان");
    /* vowel marks and hamza forms do not matter; one word after a head of state */
    titled("وصرح الرئيسُ ماكرون بأن فرنسا ستدعم الاتفاق.", "الرئيس", &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "ماكرون");
    titled("وقال وزير الخارجية أنتوني بلينكن في مؤتمر صحفي", "وزير الخارجية", &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.found[0], "أنتوني بلينكن");
}

static void test_arabic_not_names(void **st) {
    acc a;
    /* a stop word, a construct that continues the title, a pronoun suffix, a word with
     * preposition and article, one bare word after a minister */
    titled("وقال الوزير إن الاجتماع كان مثمرا.", "الوزير", &a);
    assert_int_equal(a.n, 0);
    titled("وقال وزير خارجية إيران إن بلاده.", "وزير", &a);
    assert_int_equal(a.n, 0);
    titled("رئيس المجلس ونائبيه حضروا.", "رئيس المجلس", &a);
    assert_int_equal(a.n, 0);
    titled("وقال الأمين العام للنقابة إن الباب مفتوح.", "الأمين العام", &a);
    assert_int_equal(a.n, 0);
    titled("وقال الوزير بلينكن إن", "الوزير", &a);
    assert_int_equal(a.n, 0);
    /* a stem match that is no title: "the door" for "the Pope", "trained" for "coach" */
    titled("فتح الباب أمام عودة الوباء.", "الباب", &a);
    assert_int_equal(a.n, 0);
    titled("كلاب مدربة ومتطوعون بحثوا طوال الليل.", "مدربة", &a);
    assert_int_equal(a.n, 0);
}

/* ---- Han and kana titles in running text, through the classifier ---------------- */

static ww_classifier *clf; /* the default rules and language packs, built once */

static int clf_setup(void **st) {
    char err[256];
    ww_classify_opts o = {0};
    clf = ww_classifier_new(&o, err, sizeof err);
    if (!clf)
        fprintf(stderr, "classifier: %s\n", err);
    return clf ? 0 : -1;
}

static int clf_teardown(void **st) {
    ww_classifier_free(clf);
    return 0;
}

/* The person entities the classifier finds in text (language lang), joined by '|'. */
static const char *persons_in(const char *lang, const char *text, char *buf, size_t len) {
    return classify_list(clf, lang, text, "person", buf, len);
}

/* Chinese names after and before titles, through the classifier (han_titles.c finds the
 * titles by their characters; persons_han.c takes the names) */
static void test_han_names(void **st) {
    static const char *cases[][2] = {
        /* transliterated foreign names are taken whole, parts joined by a middle dot */
        {"联合国秘书长古特雷斯表示，各方应保持克制。", "古特雷斯"},
        {"法国总统马克龙在巴黎会见了乌克兰总统泽连斯基。", "马克龙|泽连斯基"},
        {"以色列总理内塔尼亚胡周日说", "内塔尼亚胡"},
        {"以色列总理本雅明·内塔尼亚胡周日说", "本雅明·内塔尼亚胡"},
        {"美国国务卿安东尼·布林肯说", "安东尼·布林肯"},
        {"烏克蘭總統澤倫斯基週日表示", "澤倫斯基"}, /* Traditional */
        /* a word after the name that starts with a transliteration character */
        {"俄罗斯总统普京特别强调", "普京"},
        {"美国总统拜登政府宣布", "拜登"},
        {"印度总理莫迪出席会议", "莫迪"},
        /* Chinese names: two or three characters */
        {"国家安全部部长陈一新上月撰文表示", "陈一新"},
        {"外交部发言人毛宁表示", "毛宁"},
        {"发言人林达光指出", "林达光"},
        /* a title after the name */
        {"他感谢泽连斯基总统的支持", "泽连斯基"},
        {"昨天会见了陈一新部长", "陈一新"},
        /* a verb right after a bare title is no name */
        {"交通部长呼吁劳资双方尽快回到谈判桌。", ""},
        {"若无法达成协议，国王可能要求重新举行大选。", ""}};
    char b[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(persons_in("zh", cases[i][0], b, sizeof b), cases[i][1]);
}

static void test_han_titles_in_text(void **st) {
    char b[512];
    /* ICU segments 秘书|长安|东尼|奥: the title is found by its characters */
    assert_string_equal(
        persons_in("zh", "联合国秘书长安东尼奥·古特雷斯周二表示，各方应保持克制。", b,
                   sizeof b),
        "安东尼奥·古特雷斯");
    assert_string_equal(
        persons_in("zh", "聯合國秘書長安東尼奧·古特雷斯週二表示。", b, sizeof b),
        "安東尼奧·古特雷斯"); /* Traditional */
    assert_string_equal(
        persons_in("zh", "中国外长王毅表示，中方愿同各方一道努力。", b, sizeof b),
        "王毅");
    assert_string_equal(
        persons_in("zh", "国务院总理李强主持召开国务院常务会议。", b, sizeof b), "李强");
    assert_string_equal(
        persons_in("zh", "国家主席习近平同俄罗斯总统普京举行会谈。", b, sizeof b),
        "习近平|普京");
    assert_string_equal(
        persons_in("zh", "外交部发言人毛宁在例行记者会上说。", b, sizeof b), "毛宁");
    assert_string_equal(persons_in("zh", "国家安全部部长陈一新撰文指出。", b, sizeof b),
                        "陈一新");
    /* Japanese: kanji and katakana names before a title, titles ICU splits */
    assert_string_equal(persons_in("ja", "岸田文雄首相は記者会見で述べた。", b, sizeof b),
                        "岸田文雄");
    assert_string_equal(
        persons_in("ja", "米国のバイデン大統領は声明を発表した。", b, sizeof b),
        "バイデン");
    assert_string_equal(
        persons_in("ja", "松野博一官房長官は記者会見で説明した。", b, sizeof b),
        "松野博一");
    assert_string_equal(
        persons_in("ja", "日銀の植田和男総裁は会合後の記者会見で述べた。", b, sizeof b),
        "植田和男");
    assert_string_equal(
        persons_in("ja", "ブリンケン国務長官は北京を訪問した。", b, sizeof b),
        "ブリンケン");
    assert_string_equal(persons_in("ja",
                                   "フランスのエマニュエル・マクロン大統領が来日した。",
                                   b, sizeof b),
                        "エマニュエル・マクロン");
}

static void test_han_titles_not_names(void **st) {
    char b[512];
    /* a title in a longer word, a title followed by a verb or by a noun it makes a
     * compound with, characters that only look like a title */
    assert_string_equal(persons_in("zh", "美国驻华大使馆发表声明。", b, sizeof b), "");
    assert_string_equal(persons_in("zh", "总统府发言人表示将举行总统大选。", b, sizeof b),
                        "");
    assert_string_equal(persons_in("zh", "他表示全部长期合同都已签署。", b, sizeof b),
                        "");
    assert_string_equal(
        persons_in("zh", "交通部长呼吁劳资双方尽快回到谈判桌。", b, sizeof b), "");
    assert_string_equal(persons_in("zh", "部长会议讨论了总统任期问题。", b, sizeof b),
                        "");
    /* 国王 "king" across 中国|王|毅 or 英国|王室: no Chinese name after a title ICU
     * does not see (王毅 is the name before 外长) */
    assert_string_equal(persons_in("zh", "中国王毅外长表示。", b, sizeof b), "王毅");
    assert_string_equal(persons_in("zh", "英国王室发表声明。", b, sizeof b), "");
    assert_string_equal(persons_in("zh", "执政党党主席、现任总理出席。", b, sizeof b),
                        "");
    assert_string_equal(persons_in("ja", "首相官邸で会議が開かれた。", b, sizeof b), "");
    assert_string_equal(persons_in("ja", "次の首相ポストを巡る争い。", b, sizeof b), "");
}

/* Names known by their surnames (the packs' person_names, han_names.c): Chinese names
 * after and before a title, two-character foreign names ICU or a particle sets apart,
 * Japanese kanji names after a title */
static void test_surname_names(void **st) {
    static const char *cases[][3] = {
        {"zh", "他会见了普京总统。", "普京"},
        {"zh", "古特雷斯秘书长在声明中呼吁各方保持克制。", "古特雷斯"},
        {"zh", "谭德塞总干事表示，疫情仍未结束。", "谭德塞"},
        {"zh", "谢锋大使在招待会上致辞。", "谢锋"},
        {"zh", "习近平总书记强调，要坚持高质量发展。", "习近平"},
        {"zh", "拉夫罗夫外长同王毅外长举行会谈。", "拉夫罗夫|王毅"},
        {"zh", "何立峰副总理会见了美国财长耶伦。", "何立峰|耶伦"},
        {"zh", "双方会谈后，普京总统和习近平主席共同见证了签署。", "普京|习近平"},
        {"zh", "国务院总理李强主持召开国务院常务会议。", "李强"},
        {"zh", "國務院總理李強主持會議。", "李強"},
        {"zh", "部长安娜表示欢迎。", "安娜"},
        {"zh", "体育部长欧阳明远表示。", "欧阳明远"},
        {"zh", "中方欢迎马克龙总统访华。", "马克龙"},
        {"ja", "首相岸田文雄は記者会見で述べた。", "岸田文雄"},
        {"ja", "外相上川陽子は会談後、記者団に語った。", "上川陽子"},
        {"ja", "官房長官林芳正は午前の記者会見で説明した。", "林芳正"},
        {"ja", "首相石破茂は所信表明演説を行った。", "石破茂"},
        {"ja", "財務相加藤勝信が閣議後に会見した。", "加藤勝信"},
        {"ja", "首相岸田文雄氏が出席した。", "岸田文雄"},
        {"ja", "知事佐々木一郎は述べた。", "佐々木一郎"},
        /* before a title: a full name by its surname in a longer run, else a surname
         * alone */
        {"ja", "東京都の小池百合子知事は定例記者会見で述べた。", "小池百合子"},
        {"ja", "自民党森山裕幹事長は記者団に語った。", "森山裕"},
        {"ja", "岸田文雄前首相は陳謝した。", "岸田文雄"},
        {"ja", "岸田首相は記者会見で述べた。", "岸田"},
        /* before a title ICU joins to the word before it (安倍|晋|三元|首相) */
        {"ja", "会合で、安倍晋三元首相の功績が語られた。", "安倍晋三"}};
    char b[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(persons_in(cases[i][0], cases[i][1], b, sizeof b),
                            cases[i][2]);
}

static void test_surname_not_names(void **st) {
    static const char *cases[][2] = {
        /* a word after or before a title that begins with a surname character, or
         * that ICU reads as one word (曾任, 高级, 张家口) */
        {"zh", "总统和总理共同出席了仪式。"},
        {"zh", "他曾任总理。"},
        {"zh", "总统高级顾问表示。"},
        {"zh", "部长张家口考察。"},
        {"zh", "秘书长特别代表抵达喀布尔。"},
        {"zh", "这位总统发言人拒绝置评。"},
        {"zh", "该国总统选举将于明年举行。"},
        {"zh", "他是该国历任总统中最年轻的一位。"},
        {"zh", "总统府发言人表示。"},
        {"zh", "部长会议讨论了总统任期问题。"},
        /* Japanese: a kanji run after a title that does not begin with a surname, is
         * longer than a name, or whose surname ICU joins to the next word (原案) */
        {"ja", "首相官邸で会議が開かれた。"},
        {"ja", "首相官邸前で抗議。"},
        {"ja", "首相原案通りに決まった。"},
        {"ja", "首相経験者が集まった。"},
        {"ja", "首相補佐官が訪米した。"},
        {"ja", "外相会談が行われた。"},
        {"ja", "首相周辺は否定した。"},
        {"ja", "首相主催の会合が開かれた。"},
        {"ja", "知事選挙で現職が勝利した。"},
        /* a place whose name is a surname (千葉): its last character ends places */
        {"ja", "千葉県知事は述べた。"}};
    char b[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(persons_in(cases[i][0], cases[i][1], b, sizeof b), "");
}

/* Issue 16: a Chinese name ICU's dictionary reads as one word before a title; a
 * Japanese name in Chinese text after a title; a ministry before a Japanese title */
static void test_issue16_names(void **st) {
    static const char *cases[][3] = {
        /* one ICU word of three characters beginning with a surname */
        {"zh", "周恩来总理会见了外宾。", "周恩来"},
        {"zh", "周恩来总理访问了缅甸。", "周恩来"},
        {"zh", "胡锦涛主席会见了来访的总统。", "胡锦涛"},
        {"zh", "邓小平主席会见了外宾。", "邓小平"},
        {"zh", "胡锦涛总书记强调，要坚持科学发展。", "胡锦涛"},
        {"zh", "刘少奇主席出席会议。", "刘少奇"},
        /* a Japanese name (a Japanese surname of two characters) after a title in
         * Chinese text */
        {"zh", "日本首相岸田文雄出席会议。", "岸田文雄"},
        {"zh", "日本首相岸田文雄表示，将加强合作。", "岸田文雄"},
        {"zh", "日本首相安倍晋三访华。", "安倍晋三"},
        {"zh", "日本首相野田佳彦表示。", "野田佳彦"},
        {"zh", "日本首相福田康夫在记者会上说。", "福田康夫"},
        {"zh", "日本首相小泉纯一郎参拜。", "小泉纯一郎"},
        /* Japanese: a name after 大臣, not the ministry before it; a name by its
         * surname (Chinese ones too) before a title still taken */
        {"ja", "経済産業大臣西村康稔は述べた。", "西村康稔"},
        {"ja", "外務大臣林芳正は述べた。", "林芳正"},
        {"ja", "財務大臣鈴木俊一は述べた。", "鈴木俊一"},
        {"ja", "国土交通大臣斉藤鉄夫は述べた。", "斉藤鉄夫"},
        {"ja", "岸田首相は記者会見で述べた。", "岸田"},
        {"ja", "習近平国家主席は述べた。", "習近平"},
        {"ja", "李強首相は述べた。", "李強"}};
    char b[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(persons_in(cases[i][0], cases[i][1], b, sizeof b),
                            cases[i][2]);
}

static void test_issue16_not_names(void **st) {
    static const char *cases[][2] = {
        /* one ICU word before a title that is a body, a country or another word */
        {"zh", "国务院总理出席会议。"},
        {"zh", "中国总理出席会议。"},
        {"zh", "该国总统发表讲话。"},
        {"zh", "副总理出席会议。"},
        {"zh", "韩国总统发表讲话。"},
        {"zh", "林业部长出席会议。"},
        {"zh", "卢旺达总统出席会议。"},
        {"zh", "马拉维总统出席会议。"},
        {"zh", "苏里南总统出席会议。"},
        {"zh", "高级部长出席会议。"},
        /* no Japanese name after a title in Chinese text */
        {"zh", "日本首相出席会议。"},
        {"zh", "日本首相会见了美国总统。"},
        {"zh", "日本首相官邸发表声明。"},
        {"zh", "日本首相上周访问美国。"},
        {"zh", "日本首相和美国总统通话。"},
        {"zh", "美国总统大西洋理事会演讲。"},
        {"zh", "部长中西部考察。"},
        /* Japanese: a ministry or an office before a title is no name */
        {"ja", "経済産業大臣は述べた。"},
        {"ja", "防衛大臣は述べた。"},
        {"ja", "外務大臣は会見した。"},
        {"ja", "厚生労働大臣は述べた。"},
        {"ja", "財務大臣は閣議後に述べた。"},
        /* nor a word after 大臣, a before title now too */
        {"ja", "大臣政務官が出席した。"},
        {"ja", "大臣経験者が集まった。"}};
    char b[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(persons_in(cases[i][0], cases[i][1], b, sizeof b), "");
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_titles),
                                       cmocka_unit_test(test_not_names),
                                       cmocka_unit_test(test_particles),
                                       cmocka_unit_test(test_particles_titled),
                                       cmocka_unit_test(test_arabic_names),
                                       cmocka_unit_test(test_arabic_not_names),
                                       cmocka_unit_test(test_title_after_title),
                                       cmocka_unit_test(test_religious_titles)};
    const struct CMUnitTest classifier_tests[] = {
        cmocka_unit_test(test_han_names),
        cmocka_unit_test(test_han_titles_in_text),
        cmocka_unit_test(test_han_titles_not_names),
        cmocka_unit_test(test_surname_names),
        cmocka_unit_test(test_surname_not_names),
        cmocka_unit_test(test_issue16_names),
        cmocka_unit_test(test_issue16_not_names)};
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + cmocka_run_group_tests(classifier_tests, clf_setup, clf_teardown);
}
