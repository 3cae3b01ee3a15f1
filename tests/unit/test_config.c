/* Config: defaults from tables, strict file validation, env and --set overrides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wirewatch/config.h"

static const ww_config_key keys[] = {
    {"fetch.timeout_ms", WW_CFG_INT, "30000", "total timeout"},
    {"fetch.user_agent", WW_CFG_STR, "\"wirewatch\"", "UA"},
    {"fetch.allow_private", WW_CFG_BOOL, "false", "allow"},
    {"fetch.allow_cidrs", WW_CFG_JSON, "[]", "cidrs"},
    {"parse.ratio", WW_CFG_NUM, "0.5", "ratio"},
    {NULL, 0, NULL, NULL},
};
static const ww_config_key *const tables[] = {keys, NULL};

static char *write_tmp(const char *text) {
    static char path[64];
    snprintf(path, sizeof path, "/tmp/ww-config-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_defaults(void **state) {
    char err[256];
    ww_config *c = ww_config_load(NULL, tables, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(ww_config_int(c, "fetch.timeout_ms"), 30000);
    assert_string_equal(ww_config_str(c, "fetch.user_agent"), "wirewatch");
    assert_false(ww_config_bool(c, "fetch.allow_private"));
    assert_true(ww_config_num(c, "parse.ratio") == 0.5);
    ww_config_destroy(c);
}

static void test_file_and_kafka(void **state) {
    char err[256];
    char *p = write_tmp("{\"fetch\":{\"timeout_ms\":5,\"allow_cidrs\":[\"10.0.0.0/8\"]},"
                        "\"kafka\":{\"bootstrap.servers\":\"h:1\",\"linger.ms\":5}}");
    ww_config *c = ww_config_load(p, tables, err, sizeof err);
    unlink(p);
    assert_non_null(c);
    assert_int_equal(ww_config_int(c, "fetch.timeout_ms"), 5);
    assert_int_equal(json_array_size(ww_config_json(c, "fetch.allow_cidrs")), 1);
    assert_string_equal(
        json_string_value(json_object_get(ww_config_kafka(c), "linger.ms")), "5");
    char *dump = ww_config_dump(c, 1);
    assert_non_null(strstr(dump, "fetch.timeout_ms"));
    free(dump);
    ww_config_destroy(c);
}

static void test_unknown_key_named(void **state) {
    char err[256];
    char *p = write_tmp("{\"fetch\":{\"timeout\":5}}");
    assert_null(ww_config_load(p, tables, err, sizeof err));
    unlink(p);
    assert_non_null(strstr(err, "fetch.timeout"));
    p = write_tmp("{\"fetch\":{\"timeout_ms\":\"5\"}}");
    assert_null(ww_config_load(p, tables, err, sizeof err));
    unlink(p);
    assert_non_null(strstr(err, "integer"));
    p = write_tmp("{\"fetch\":{\"timeout_ms\":1,\"timeout_ms\":2}}");
    assert_null(ww_config_load(p, tables, err, sizeof err)); /* duplicate keys */
    unlink(p);
}

static void test_env_and_set(void **state) {
    char err[256];
    setenv("WW_FETCH__TIMEOUT_MS", "77", 1);
    setenv("WW_KAFKA__SASL_PASSWORD", "hunter2", 1);
    ww_config *c = ww_config_load(NULL, tables, err, sizeof err);
    unsetenv("WW_FETCH__TIMEOUT_MS");
    unsetenv("WW_KAFKA__SASL_PASSWORD");
    assert_non_null(c);
    assert_int_equal(ww_config_int(c, "fetch.timeout_ms"), 77);
    assert_string_equal(
        json_string_value(json_object_get(ww_config_kafka(c), "sasl.password")),
        "hunter2");
    char *dump = ww_config_dump(c, 0);
    assert_null(strstr(dump, "hunter2")); /* secrets are masked */
    free(dump);
    assert_int_equal(ww_config_set(c, "fetch.allow_private=true", err, sizeof err), 0);
    assert_true(ww_config_bool(c, "fetch.allow_private"));
    assert_int_equal(ww_config_set(c, "fetch.user_agent=bot 1.0", err, sizeof err), 0);
    assert_string_equal(ww_config_str(c, "fetch.user_agent"), "bot 1.0");
    assert_int_not_equal(ww_config_set(c, "fetch.nope=1", err, sizeof err), 0);
    assert_int_not_equal(ww_config_set(c, "fetch.timeout_ms=abc", err, sizeof err), 0);
    ww_config_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults), cmocka_unit_test(test_file_and_kafka),
        cmocka_unit_test(test_unknown_key_named), cmocka_unit_test(test_env_and_set)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
