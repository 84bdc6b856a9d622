/*
 * Misuse of the C ABI from C: every wrong call answers a status and a
 * message, writes NULL outputs, and neither crashes nor leaks (the test
 * runs this under valgrind too).
 *
 *   misuse DATABASE_FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clientele.h"

static int checks, failures;

#define EXPECT(cond)                                                             \
    do {                                                                         \
        checks++;                                                                \
        if (!(cond)) {                                                           \
            failures++;                                                          \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

/* The status is `want`, the thread's last error says so with a message, and
 * the error JSON (when given) carries the same code. */
static void expect_status(ClienteleStatus got, ClienteleStatus want, char **out) {
    /* `out` rather than the string: arguments are evaluated in no set order,
     * so the string must be read after the call. */
    char *json = out ? *out : NULL;
    EXPECT(got == want);
    EXPECT(clientele_last_error_code() == want);
    EXPECT(strlen(clientele_last_error_message()) > 0);
    if (json) {
        char code[64];
        snprintf(code, sizeof code, "\"code\":\"%s\"", clientele_status_name(want));
        EXPECT(strstr(json, code) != NULL);
    }
    if (got != want) {
        fprintf(stderr, "  got %d (%s), want %d: %s\n", (int)got, clientele_status_name(got), (int)want,
                clientele_last_error_message());
    }
    EXPECT(clientele_string_free(json) == CLIENTELE_OK);
    EXPECT(clientele_last_error_code() == want); /* freeing keeps the last error */
    if (out) {
        *out = NULL;
    }
}

static bool cancel_at_once(void *user_data, uint64_t done, uint64_t total) {
    (void)done;
    (void)total;
    (*(int *)user_data)++;
    return false;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATABASE_FILE\n", argv[0]);
        return 2;
    }
    char config[4096];
    snprintf(config, sizeof config, "{\"database_url\": \"sqlite:%s\", \"entitlements\": [\"client_management\"]}",
             argv[1]);
    char *json = (char *)1; /* outputs are reset on entry: start them dirty */
    ClienteleEngine *engine = (ClienteleEngine *)1;

    /* clientele_engine_open */
    expect_status(clientele_engine_open(NULL, &engine, &json), CLIENTELE_NULL_ARGUMENT, &json);
    EXPECT(engine == NULL);
    expect_status(clientele_engine_open(config, NULL, &json), CLIENTELE_NULL_ARGUMENT, &json);
    expect_status(clientele_engine_open(config, NULL, NULL), CLIENTELE_NULL_ARGUMENT, NULL);
    expect_status(clientele_engine_open("{\"database_url\": ", &engine, &json), CLIENTELE_INVALID_JSON, &json);
    expect_status(clientele_engine_open("{\"database_url\": \"sqlite::memory:\", \"colour\": 1}", &engine, &json),
                  CLIENTELE_CONFIG, &json);
    expect_status(clientele_engine_open("{\"database_url\": \"sqlite::memory:\", \"timezone\": \"Mars/Olympus\"}",
                                        &engine, &json),
                  CLIENTELE_CONFIG, &json);
    expect_status(clientele_engine_open("\"caf\xc3\"", &engine, &json), CLIENTELE_INVALID_UTF8, &json);
    EXPECT(engine == NULL);

    EXPECT(clientele_engine_open(config, &engine, NULL) == CLIENTELE_OK);
    EXPECT(engine != NULL);
    EXPECT(clientele_last_error_code() == CLIENTELE_OK);
    EXPECT(strcmp(clientele_last_error_message(), "") == 0);

    /* clientele_execute */
    const char *list = "{\"actor\": \"host\", \"op\": \"staff.list\"}";
    expect_status(clientele_execute(NULL, list, &json), CLIENTELE_NULL_ARGUMENT, &json);
    expect_status(clientele_execute(engine, NULL, &json), CLIENTELE_NULL_ARGUMENT, &json);
    expect_status(clientele_execute(engine, list, NULL), CLIENTELE_NULL_ARGUMENT, NULL);
    expect_status(clientele_execute(engine, "{\"actor\": \"h\xff\"}", &json), CLIENTELE_INVALID_UTF8, &json);
    expect_status(clientele_execute(engine, "{\"actor\": \"host\", \"op\": ", &json), CLIENTELE_INVALID_JSON, &json);
    expect_status(clientele_execute(engine, "[1, 2]", &json), CLIENTELE_BAD_REQUEST, &json);
    expect_status(clientele_execute(engine, "{\"actor\": \"host\", \"op\": \"no.such\"}", &json),
                  CLIENTELE_BAD_REQUEST, &json);
    expect_status(clientele_execute(engine, "{\"actor\": 99, \"op\": \"client.list\"}", &json),
                  CLIENTELE_FORBIDDEN, &json);
    size_t big = CLIENTELE_MAX_REQUEST_BYTES + 1;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[big] = '\0';
    expect_status(clientele_execute(engine, huge, &json), CLIENTELE_TOO_LARGE, &json);
    free(huge);

    /* A foreign pointer: never dereferenced, only looked up. */
    int on_the_stack = 42;
    ClienteleEngine *forged = (ClienteleEngine *)&on_the_stack;
    expect_status(clientele_execute(forged, list, &json), CLIENTELE_INVALID_HANDLE, &json);
    expect_status(clientele_engine_close(forged), CLIENTELE_INVALID_HANDLE, NULL);
    EXPECT(on_the_stack == 42);

    /* clientele_execute_with_progress: NULL callback is allowed; cancel. */
    EXPECT(clientele_execute_with_progress(engine, list, NULL, NULL, &json) == CLIENTELE_OK);
    EXPECT(json && json[0] == '[');
    clientele_string_free(json);
    expect_status(clientele_execute_with_progress(engine, list, NULL, NULL, NULL), CLIENTELE_NULL_ARGUMENT, NULL);
    EXPECT(clientele_execute(engine,
                             "{\"actor\": \"host\", \"op\": \"staff.put\", \"staff\": {\"name\": \"A\","
                             " \"initials\": \"A\", \"rights\": {\"clients\": {\"view\": true, \"add\": true}}}}",
                             &json) == CLIENTELE_OK);
    clientele_string_free(json);
    int calls = 0;
    const char *import = "{\"actor\": 1, \"op\": \"client.import\", \"clients\": [{\"code\": \"A1\", \"name\": \"A\"}]}";
    expect_status(clientele_execute_with_progress(engine, import, cancel_at_once, &calls, &json), CLIENTELE_CANCELED,
                  &json);
    EXPECT(calls == 1);

    /* Cancel tokens. */
    ClienteleCancelToken *token = NULL;
    expect_status(clientele_cancel_token_new(NULL), CLIENTELE_NULL_ARGUMENT, NULL);
    EXPECT(clientele_cancel_token_new(&token) == CLIENTELE_OK);
    EXPECT(clientele_execute_cancelable(engine, import, token, NULL, NULL, &json) == CLIENTELE_OK);
    clientele_string_free(json);
    EXPECT(clientele_cancel_token_cancel(token) == CLIENTELE_OK);
    EXPECT(clientele_cancel_token_cancel(token) == CLIENTELE_OK);
    const char *import2 = "{\"actor\": 1, \"op\": \"client.import\", \"clients\": [{\"code\": \"A2\", \"name\": \"B\"}]}";
    expect_status(clientele_execute_cancelable(engine, import2, token, NULL, NULL, &json), CLIENTELE_CANCELED, &json);
    expect_status(clientele_cancel_token_cancel(NULL), CLIENTELE_NULL_ARGUMENT, NULL);
    EXPECT(clientele_cancel_token_free(token) == CLIENTELE_OK);
    expect_status(clientele_cancel_token_free(token), CLIENTELE_INVALID_HANDLE, NULL);
    expect_status(clientele_cancel_token_cancel(token), CLIENTELE_INVALID_HANDLE, NULL);
    expect_status(clientele_execute_cancelable(engine, import2, token, NULL, NULL, &json), CLIENTELE_INVALID_HANDLE,
                  &json);
    EXPECT(clientele_cancel_token_free(NULL) == CLIENTELE_OK);
    /* An engine handle is not a cancel token, nor the reverse. */
    expect_status(clientele_cancel_token_cancel((ClienteleCancelToken *)engine), CLIENTELE_INVALID_HANDLE, NULL);

    /* clientele_string_free */
    EXPECT(clientele_string_free(NULL) == CLIENTELE_OK);
    char mine[] = "not the library's";
    expect_status(clientele_string_free(mine), CLIENTELE_INVALID_HANDLE, NULL);
    EXPECT(clientele_execute(engine, list, &json) == CLIENTELE_OK);
    EXPECT(clientele_string_free(json) == CLIENTELE_OK);
    expect_status(clientele_string_free(json), CLIENTELE_INVALID_HANDLE, NULL);

    /* Statics. */
    EXPECT(strcmp(clientele_status_name(CLIENTELE_OK), "ok") == 0);
    EXPECT(strcmp(clientele_status_name(CLIENTELE_DUPLICATE), "duplicate") == 0);
    EXPECT(strcmp(clientele_status_name(-1), "unknown") == 0);
    EXPECT(strcmp(clientele_status_name(7), "unknown") == 0);
    EXPECT(clientele_abi_version() == CLIENTELE_ABI_VERSION);

    /* clientele_engine_close: NULL, then twice. */
    EXPECT(clientele_engine_close(NULL) == CLIENTELE_OK);
    EXPECT(clientele_engine_close(engine) == CLIENTELE_OK);
    expect_status(clientele_engine_close(engine), CLIENTELE_INVALID_HANDLE, NULL);
    expect_status(clientele_execute(engine, list, &json), CLIENTELE_INVALID_HANDLE, &json);

    printf("misuse: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
