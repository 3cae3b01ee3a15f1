/* Chinese person names next to a title (persons.c finds the titles' other scripts).
 *
 * A Chinese name is a surname and one or two characters (陈一新, 王毅): two or three
 * characters up to a particle or verb that follows names (表示, 在, 说).  A foreign name
 * is written in a small set of characters chosen for their sound (Xinhua's
 * transliteration tables: 古特雷斯 Guterres, 内塔尼亚胡 Netanyahu, 泽连斯基 Zelensky),
 * its parts joined by a middle dot (安东尼奥·古特雷斯), and is as long as it needs to
 * be: a run of three or more such characters is taken whole.  Two-character runs (拜登,
 * 普京) are left to the Chinese rule: many Chinese names begin with two of them (林达光).
 * Traditional characters are looked up by their Simplified form (馬克宏, 澤倫斯基). */
#include <pthread.h>
#include <string.h>

#include "persons_han.h"
#include "tokenize.h"

#include <utf8proc.h>

/* Transliteration characters (Simplified), from the syllable tables for English,
 * Russian, German, French, Spanish, Arabic and other names; characters that mostly
 * begin ordinary words after a name (开 可 通 明 日 中 高 方 ...) are left out. */
static const char translit_chars[] =
    "阿埃艾爱安昂敖奥澳巴拜班邦鲍贝本比彼毕宾滨波伯勃博布卜查察策楚达戴丹道德登迪蒂丁"
    "东杜顿多厄恩尔法凡范菲斐费芬丰冯佛夫弗伏福富盖甘冈戈哥格葛根贡古瓜圭哈海汉罕豪荷"
    "赫黑亨胡华怀惠霍基吉济加迦嘉贾简杰捷金津京居卡凯坎康考柯科克肯孔库夸奎昆拉腊莱赖"
    "兰朗劳勒雷蕾里丽利莉列林琳柳龙隆娄卢鲁路露伦罗洛吕马玛迈麦曼芒毛梅门蒙孟米密缪摩"
    "莫默姆穆纳娜乃奈南楠瑙内尼妮涅宁纽努诺欧帕潘庞佩彭蓬皮匹珀普浦奇齐契恰乔切钦琴琼"
    "丘萨塞赛桑瑟森沙莎尚绍舍申圣施什史舒斯松苏索塔泰坦汤唐陶特滕梯提廷图托瓦万旺威韦"
    "维伟温文沃乌伍西希锡夏肖谢辛欣休修许薛逊雅亚娅扬耶叶伊依因尤于约泽扎詹哲珍朱祖卓"
    "兹佐茨朔宏连娃芙琪黛汀翰治撒蕊各得易保侯";

/* Words often written right after a name (特别 "especially", 多次 "repeatedly", 夫人
 * "wife", 政府 "administration"): their first character does not belong to the name,
 * whether it is a transliteration character or the third of a two-character name
 * (拜登政府 is 拜登's). */
static const char after_words[] =
    "特别多次多位达成加强加入利用比如比较因此因为夫人希望本人"
    "本周本月本年马上克服登上得到得知得以保持保护保证保障保留"
    "政府先生女士夫妇团队阵营竞选家族时代任内上台当选就任";

/* Words often written right after a bare title, where a name would be (部长呼吁 "the
 * minister called on", 国王可能 "the king may"), and nouns a title forms compounds
 * with (总统大选 "presidential election", 部长会议 "ministerial meeting", 总统任期
 * "presidential term"): no name starts with them. */
static const char verb_words[] =
    "呼吁可能发表认为透露承认否认警告希望要求签署会见出席访问"
    "回应坦言介绍称赞批评主持率领随后当天今天昨天日前此前本人"
    "已经正在曾经一行应邀重申敦促呼应表态出席抵达举行致电接受回答"
    "大选选举任期任内一职会议人选官邸身份夫人竞选就职候选宝座职务职位办公级别提名";

/* Words often written right before a name that end in a transliteration character
 * (感谢 "thanks"): that character does not belong to the name. */
static const char before_words[] = "感谢答谢致谢多谢";

#define HAN_BASE 0x4E00
#define HAN_LAST 0x9FFF
#define MAX_PAIRS 96
#define TRANSLIT_MAX 16 /* characters of one transliterated name, dots included */

static uint64_t translit_bits[(HAN_LAST - HAN_BASE + 64) / 64];
static int32_t after_pairs[MAX_PAIRS][2], before_pairs[MAX_PAIRS][2],
    verb_pairs[MAX_PAIRS][2];
static size_t nafter, nbefore, nverb;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

int32_t ww__cp_at(const char *text, size_t len, size_t i, size_t *k) {
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t n =
        utf8proc_iterate((const uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &cp);
    *k = n > 0 ? (size_t)n : 1;
    return n > 0 ? cp : -1;
}

int ww__is_han(int32_t cp) {
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x3FFFF);
}

static size_t pairs_build(const char *s, int32_t (*out)[2]) {
    size_t n = 0, len = strlen(s), i = 0, k;
    while (i < len && n < MAX_PAIRS) {
        out[n][0] = ww__cp_at(s, len, i, &k);
        i += k;
        out[n++][1] = ww__cp_at(s, len, i, &k);
        i += k;
    }
    return n;
}

static void tables_build(void) {
    size_t len = strlen(translit_chars), k;
    for (size_t i = 0; i < len; i += k) {
        int32_t cp = ww__cp_at(translit_chars, len, i, &k);
        if (cp >= HAN_BASE && cp <= HAN_LAST)
            translit_bits[(cp - HAN_BASE) >> 6] |= 1ull << ((cp - HAN_BASE) & 63);
    }
    nafter = pairs_build(after_words, after_pairs);
    nbefore = pairs_build(before_words, before_pairs);
    nverb = pairs_build(verb_words, verb_pairs);
}

int ww__han_translit(int32_t cp) {
    pthread_once(&tables_once, tables_build);
    cp = ww__han_simplified(cp);
    return cp >= HAN_BASE && cp <= HAN_LAST &&
           (translit_bits[(cp - HAN_BASE) >> 6] >> ((cp - HAN_BASE) & 63) & 1);
}

/* The middle dots that join the parts of a foreign name. */
static int name_dot(int32_t cp) {
    return cp == 0x00B7 || cp == 0x2022 || cp == 0x2027 || cp == 0x30FB || cp == 0xFF65;
}

/* Characters that do not end a Chinese name: particles and verbs that follow one
 * ("陈一新表示", "王毅在"), and the nouns that make a title a place or a body
 * (大使馆 "embassy", 总统府 "presidential office", 主席团 "presidium", 部长级
 * "ministerial"); a name stops before them and never starts with one. */
int ww__han_stop(int32_t cp) {
    static const int32_t stop[] = {
        0x5728, 0x7684, 0x548C, 0x4E0E, 0x662F, 0x8868, 0x8BF4, 0x79F0, 0x6307, 0x5BF9,
        0x7B49, 0x4E5F, 0x5C31, 0x5C06, 0x5DF2, 0x66FE, 0x4E3A, 0x5411, 0x53CA, 0x5E76,
        0x8FD8, 0x53C8, 0x90FD, 0x4F1A, 0x8BA4, 0x5F3A, 0x8981, 0x65E5, 0x6708, 0x5E74,
        0x4E8E, 0x8BB2, 0x6307, 0x5BA3, 0x56DE, 0x62A5, 0x8C08, 0x8FDB, 0x63D0,
        /* 了 过 着; 馆 府 团 级 署 办 处 室 台 制 */
        0x4E86, 0x8FC7, 0x7740, 0x9986, 0x5E9C, 0x56E2, 0x7EA7, 0x7F72, 0x529E, 0x5904,
        0x5BA4, 0x53F0, 0x5236, 0};
    cp = ww__han_simplified(cp);
    for (const int32_t *s = stop; *s; s++)
        if (*s == cp)
            return 1;
    return 0;
}

static int is_pair(int32_t (*pairs)[2], size_t n, int32_t a, int32_t b) {
    a = ww__han_simplified(a);
    b = ww__han_simplified(b);
    for (size_t i = 0; i < n; i++)
        if (pairs[i][0] == a && pairs[i][1] == b)
            return 1;
    return 0;
}

int ww__han_word_starts(const char *text, size_t len, size_t i) {
    pthread_once(&tables_once, tables_build);
    size_t k, k2;
    int32_t a = ww__cp_at(text, len, i, &k);
    int32_t b = i + k < len ? ww__cp_at(text, len, i + k, &k2) : -1;
    return is_pair(after_pairs, nafter, a, b) || is_pair(verb_pairs, nverb, a, b);
}

/* The end of a foreign name starting at start, or 0: three or more transliteration
 * characters, or parts joined by middle dots (a part before a dot may hold other
 * characters too, 本雅明·内塔尼亚胡: the dot says it is a name) whose last part begins
 * with one. */
static size_t translit_from(const char *text, size_t len, size_t start) {
    size_t i = start, end = start, k, k2;
    int n = 0, total = 0, run = 1, ok = 0, dots = 0;
    while (i < len && total < TRANSLIT_MAX) {
        int32_t cp = ww__cp_at(text, len, i, &k);
        if (ww__is_han(cp) && !ww__han_stop(cp)) {
            if (run && ww__han_translit(cp) &&
                !(n >= 2 && ww__han_word_starts(text, len, i))) {
                end = i + k; /* the name so far: its part up to here is transliterated */
                ok++;
            } else
                run = 0;
            i += k;
            n++;
            total++;
        } else if (name_dot(cp) && n > 0 && i + k < len &&
                   ww__is_han(ww__cp_at(text, len, i + k, &k2))) {
            i += k;
            total++;
            dots++;
            run = 1;
            ok = 0;
        } else
            break;
    }
    return (dots ? ok >= 1 : ok >= 3) ? end : 0;
}

int ww__han_no_name_at(const char *text, size_t len, size_t start) {
    pthread_once(&tables_once, tables_build);
    size_t k, k2;
    int32_t cp = ww__cp_at(text, len, start, &k);
    if (!ww__is_han(cp) || ww__han_stop(cp))
        return 1;
    return start + k < len &&
           is_pair(verb_pairs, nverb, cp, ww__cp_at(text, len, start + k, &k2));
}

size_t ww__han_foreign_name_from(const char *text, size_t len, size_t start) {
    pthread_once(&tables_once, tables_build);
    return ww__han_no_name_at(text, len, start) ? 0 : translit_from(text, len, start);
}

size_t ww__han_name_from(const char *text, size_t len, size_t start) {
    pthread_once(&tables_once, tables_build);
    size_t k;
    int32_t cp;
    if (ww__han_no_name_at(text, len, start))
        return 0;
    size_t end = translit_from(text, len, start);
    if (end)
        return end;
    /* a Chinese name: two or three characters */
    size_t i = start, n = 0;
    end = start;
    while (n < 3 && i < len && ww__is_han(cp = ww__cp_at(text, len, i, &k))) {
        if (n == 2 && (ww__han_stop(cp) || ww__han_word_starts(text, len, i)))
            break;
        i += k;
        end = i;
        n++;
    }
    return n >= 2 ? end : 0;
}

/* Byte offset of the code point before byte i (i > 0). */
static size_t cp_before(const char *text, size_t i) {
    size_t b = i - 1;
    while (b > 0 && ((unsigned char)text[b] & 0xC0) == 0x80)
        b--;
    return b;
}

/* The start of a run of three or more transliteration characters ending at end, or
 * SIZE_MAX. */
static size_t translit_until(const char *text, size_t len, size_t end) {
    size_t i = end, start = SIZE_MAX, k;
    int n = 0, total = 0;
    while (i > 0 && total < TRANSLIT_MAX) {
        size_t b = cp_before(text, i);
        int32_t cp = ww__cp_at(text, len, b, &k);
        if (ww__han_translit(cp) && !ww__han_stop(cp)) {
            if (b > 0 && n > 0) { /* 感谢古特雷斯: the 谢 is 感谢's */
                size_t a = cp_before(text, b);
                if (is_pair(before_pairs, nbefore, ww__cp_at(text, len, a, &k), cp))
                    break;
            }
            start = i = b;
            n++;
            total++;
        } else if (name_dot(cp) && n > 0 && b > 0 &&
                   ww__han_translit(ww__cp_at(text, len, cp_before(text, b), &k))) {
            i = b;
            total++;
        } else
            break;
    }
    return n >= 3 ? start : SIZE_MAX;
}

size_t ww__han_foreign_name_until(const char *text, size_t len, size_t end) {
    pthread_once(&tables_once, tables_build);
    return translit_until(text, len, end);
}

size_t ww__han_name_until(const char *text, size_t len, size_t end) {
    pthread_once(&tables_once, tables_build);
    size_t k, start = translit_until(text, len, end);
    if (start != SIZE_MAX)
        return start;
    /* walk back over the Han characters right before the title (at most 5) */
    size_t starts[6], n = 0, i = end;
    while (i > 0 && n < 5) {
        size_t b = cp_before(text, i);
        if (!ww__is_han(ww__cp_at(text, len, b, &k)))
            break;
        starts[n++] = b;
        i = b;
    }
    if (n < 2)
        return SIZE_MAX;
    /* a run of two to four is the name (岸田首相, 岸田文雄首相); a longer run is part of
     * a sentence: its last three characters are the likeliest name (陈一新部长) */
    size_t take = n <= 4 ? n : 3;
    /* the first character is no particle; in a sentence, none is (讨论了总统) — a whole
     * run may hold one (植田和男総裁) */
    for (size_t c = n <= 4 ? take - 1 : 0; c < take; c++)
        if (ww__han_stop(ww__cp_at(text, len, starts[c], &k)))
            return SIZE_MAX;
    return starts[take - 1];
}
