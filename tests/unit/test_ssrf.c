/* SSRF address classification and the allow-list, IPv4, IPv6 and the IPv6 forms that
 * smuggle an IPv4 address. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wirewatch/ssrf.h"

static struct sockaddr_storage ss;

static const struct sockaddr *addr(const char *s) {
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
    } else {
        assert_int_equal(inet_pton(AF_INET6, s, &in6->sin6_addr), 1);
        in6->sin6_family = AF_INET6;
    }
    return (const struct sockaddr *)&ss;
}

static void expect(const char *a, const char *why) {
    const char *got = ww_ssrf_classify(addr(a));
    if (!why) {
        if (got)
            fail_msg("%s classified %s, expected public", a, got);
    } else if (!got || strcmp(got, why) != 0) {
        fail_msg("%s classified %s, expected %s", a, got ? got : "public", why);
    }
}

static void test_v4(void **state) {
    (void)state;
    expect("127.0.0.1", "loopback");
    expect("127.255.255.254", "loopback");
    expect("10.1.2.3", "private");
    expect("172.16.0.1", "private");
    expect("172.31.255.255", "private");
    expect("172.32.0.1", NULL);
    expect("172.15.255.255", NULL);
    expect("192.168.1.1", "private");
    expect("169.254.169.254", "link-local");
    expect("100.64.0.1", "cgnat");
    expect("100.127.255.255", "cgnat");
    expect("100.128.0.1", NULL);
    expect("0.0.0.0", "this-network");
    expect("0.1.2.3", "this-network");
    expect("224.0.0.1", "multicast");
    expect("239.255.255.250", "multicast");
    expect("255.255.255.255", "broadcast");
    expect("240.0.0.1", "reserved");
    expect("198.18.0.1", "reserved");
    expect("192.0.2.1", "documentation");
    expect("8.8.8.8", NULL);
    expect("93.184.216.34", NULL);
    expect("1.1.1.1", NULL);
}

static void test_v6(void **state) {
    (void)state;
    expect("::1", "loopback");
    expect("::", "unspecified");
    expect("fc00::1", "unique-local");
    expect("fd12:3456::1", "unique-local");
    expect("fe80::1", "link-local");
    expect("febf::1", "link-local");
    expect("fec0::1", "private");
    expect("ff02::1", "multicast");
    expect("2001:db8::1", "documentation");
    expect("2606:4700:4700::1111", NULL);
    expect("2a00:1450:4001:82b::200e", NULL);
}

static void test_v6_carrying_v4(void **state) {
    (void)state;
    expect("::ffff:127.0.0.1", "loopback");
    expect("::ffff:169.254.169.254", "link-local");
    expect("::ffff:10.0.0.1", "private");
    expect("::ffff:8.8.8.8", NULL);
    expect("::10.0.0.1", "private");            /* IPv4-compatible */
    expect("64:ff9b::a9fe:a9fe", "link-local"); /* NAT64 of 169.254.169.254 */
    expect("64:ff9b::808:808", NULL);
    expect("2002:7f00:1::", "loopback"); /* 6to4 of 127.0.0.1 */
    expect("2002:c0a8:101::1", "private");
    expect("2002:808:808::1", NULL);
}

static void test_allow_list(void **state) {
    (void)state;
    char err[128] = "";
    const char *cidrs[] = {"127.0.0.2/32", "10.8.0.0/16", "fd00::/8", "192.168.7.7"};
    ww_cidr_list *l = ww_cidr_list_new(cidrs, 4, err, sizeof err);
    assert_non_null(l);
    assert_null(ww_ssrf_check(addr("127.0.0.2"), 0, l));
    assert_string_equal(ww_ssrf_check(addr("127.0.0.1"), 0, l), "loopback");
    assert_null(ww_ssrf_check(addr("10.8.200.1"), 0, l));
    assert_string_equal(ww_ssrf_check(addr("10.9.0.1"), 0, l), "private");
    assert_null(ww_ssrf_check(addr("fd01::5"), 0, l));
    assert_null(ww_ssrf_check(addr("::ffff:127.0.0.2"), 0, l)); /* mapped matches v4 */
    assert_null(ww_ssrf_check(addr("192.168.7.7"), 0, l));
    assert_non_null(ww_ssrf_check(addr("192.168.7.8"), 0, l));
    assert_null(ww_ssrf_check(addr("169.254.169.254"), 1, NULL)); /* allow_private */
    assert_string_equal(ww_ssrf_check(addr("169.254.169.254"), 0, NULL), "link-local");
    assert_null(ww_ssrf_check(addr("8.8.8.8"), 0, NULL));
    ww_cidr_list_free(l);
    ww_cidr_list_free(NULL);

    const char *bad[][1] = {
        {"10.0.0.0/33"}, {"nonsense"}, {"10.0.0.0/"}, {"::1/129"}, {"/8"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_null(ww_cidr_list_new(bad[i], 1, err, sizeof err));
        assert_non_null(strstr(err, "bad CIDR"));
    }
    l = ww_cidr_list_new(NULL, 0, err, sizeof err);
    assert_non_null(l);
    assert_false(ww_cidr_list_match(l, addr("10.0.0.1")));
    ww_cidr_list_free(l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4),
        cmocka_unit_test(test_v6),
        cmocka_unit_test(test_v6_carrying_v4),
        cmocka_unit_test(test_allow_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
