/*
 * A complete C host of the Clientèle engine.
 *
 *   host DATABASE_FILE
 *
 * Opens a SQLite engine in DATABASE_FILE, creates a staff member with every
 * right, two clients, a contact (primary contact of a client), two
 * interactions, then lists the clients, shows a client's timeline, imports
 * clients with progress reports, cancels an import, and shows how an error
 * comes back. Frees everything it is given.
 *
 * Build (Linux, shared library):
 *   cc -I ffi/include examples/c-host/host.c -L target/release -lclientele \
 *      -Wl,-rpath,target/release -o host
 * With CLIENTELE_HOST_LOG=FILE set, every request and its answer are
 * appended to FILE, one JSON line each (`{"function", "status", "request",
 * "answer"}`): ffi/tests/c_programs.rs validates them against
 * ffi/schema/ops.json.
 *
 * Build (Linux, static library):
 *   cc -I ffi/include examples/c-host/host.c target/release/libclientele.a \
 *      -lpq -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o host
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clientele.h"

/* Every request is built here; the engine's answer is printed and kept. */
static ClienteleEngine *engine;

/* Fails the program with the library's own words. */
static void die(const char *what, ClienteleStatus status, const char *json) {
    fprintf(stderr, "%s failed: status %d (%s): %s\n", what, (int)status, clientele_status_name(status),
            json ? json : clientele_last_error_message());
    exit(1);
}

/*
 * The integer after the first "key": in a JSON text. Enough for this
 * example, whose answers put a record's own "id" first; a real host uses
 * its JSON library.
 */
static int64_t json_int(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(json, pattern);
    if (!at) {
        fprintf(stderr, "no \"%s\" in %s\n", key, json);
        exit(1);
    }
    return strtoll(at + strlen(pattern), NULL, 10);
}

/*
 * Appends one call to $CLIENTELE_HOST_LOG (when set): the request and the
 * answer are JSON texts already, written as they are.
 */
static void log_call(const char *function, const char *request, ClienteleStatus status, const char *answer) {
    const char *path = getenv("CLIENTELE_HOST_LOG");
    if (!path || !*path) {
        return;
    }
    FILE *log = fopen(path, "a");
    if (!log) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    fprintf(log, "{\"function\": \"%s\", \"status\": %d, \"request\": %s, \"answer\": %s}\n", function, (int)status,
            request, answer ? answer : "null");
    fclose(log);
}

/* Executes a request that must succeed; answers the response (to free). */
static char *execute(const char *what, const char *request) {
    char *out = NULL;
    ClienteleStatus status = clientele_execute(engine, request, &out);
    log_call("clientele_execute", request, status, out);
    if (status != CLIENTELE_OK) {
        die(what, status, out);
    }
    return out;
}

/* Executes and prints the id of the record created. */
static int64_t create(const char *what, const char *request) {
    char *out = execute(what, request);
    int64_t id = json_int(out, "id");
    printf("%s: id %" PRId64 "\n", what, id);
    clientele_string_free(out);
    return id;
}

/* Progress callback: prints, and cancels when user_data says so. */
static bool on_progress(void *user_data, uint64_t done, uint64_t total) {
    const uint64_t *cancel_at = user_data;
    printf("  progress %" PRIu64 "/%" PRIu64 "\n", done, total);
    return !(cancel_at && done >= *cancel_at);
}

/* An import request of `n` clients with codes PREFIX0000.. */
static char *import_request(int64_t staff, const char *prefix, int n) {
    size_t cap = 128 + (size_t)n * 64;
    char *req = malloc(cap);
    if (!req) {
        exit(1);
    }
    int len = snprintf(req, cap, "{\"actor\": %" PRId64 ", \"op\": \"client.import\", \"clients\": [", staff);
    for (int i = 0; i < n; i++) {
        len += snprintf(req + len, cap - (size_t)len, "%s{\"code\": \"%s%04d\", \"name\": \"Client %d\"}",
                        i ? "," : "", prefix, i, i);
    }
    snprintf(req + len, cap - (size_t)len, "]}");
    return req;
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s DATABASE_FILE [REQUEST_TIMEOUT_MS]\n", argv[0]);
        return 2;
    }
    /* A request's time limit: the engine's default (5 s) unless given; a
       run under valgrind, 20-50 times slower, gives more. */
    long timeout_ms = argc == 3 ? strtol(argv[2], NULL, 10) : 5000;
    if (timeout_ms <= 0) {
        fprintf(stderr, "REQUEST_TIMEOUT_MS must be a positive number of milliseconds\n");
        return 2;
    }

    /* 1. The library this host was built for? */
    printf("clientele %s (ABI %u)\n", clientele_version(), clientele_abi_version());
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", CLIENTELE_VERSION_MAJOR, CLIENTELE_VERSION_MINOR,
             CLIENTELE_VERSION_PATCH);
    if (clientele_abi_version() != CLIENTELE_ABI_VERSION || strcmp(expected, clientele_version()) != 0) {
        fprintf(stderr, "header %s (ABI %d) does not match the library\n", expected, CLIENTELE_ABI_VERSION);
        return 1;
    }

    /* 2. Open a SQLite engine. */
    char config[4096];
    snprintf(config, sizeof config,
             "{\"database_url\": \"sqlite:%s\", \"timezone\": \"America/Toronto\","
             " \"entitlements\": [\"client_management\"], \"pool_size\": 2, \"request_timeout_ms\": %ld}",
             argv[1], timeout_ms);
    char *error = NULL;
    ClienteleStatus status = clientele_engine_open(config, &engine, &error);
    if (status != CLIENTELE_OK) {
        die("open", status, error);
    }
    printf("engine open\n");

    /* 3. The host creates a staff member with every right. */
    const char *all = "{\"view\": true, \"add\": true, \"edit\": true, \"delete\": true}";
    char request[4096];
    snprintf(request, sizeof request,
             "{\"actor\": \"host\", \"op\": \"staff.put\", \"staff\": {\"name\": \"Sophie Tremblay\","
             " \"initials\": \"ST\", \"rights\": {\"clients\": %s, \"contacts\": %s, \"interactions\": %s,"
             " \"file_transfers\": %s}}}",
             all, all, all, all);
    int64_t staff = create("staff.put Sophie Tremblay", request);

    /* 4. Two clients, French names and all. */
    snprintf(request, sizeof request,
             "{\"actor\": %" PRId64 ", \"op\": \"client.create\", \"data\": {\"code\": \"DAMH01\","
             " \"name\": \"Hélène D'Amours\", \"kind\": \"individual\", \"office\": \"Montréal\","
             " \"phones\": [{\"kind\": \"mobile\", \"number\": \"(514) 555-0199\"}]}}",
             staff);
    int64_t helene = create("client.create Hélène D'Amours", request);
    snprintf(request, sizeof request,
             "{\"actor\": %" PRId64 ", \"op\": \"client.create\", \"data\": {\"code\": \"COTJ01\","
             " \"name\": \"Jean-François Côté\", \"office\": \"Québec\"}}",
             staff);
    int64_t jf = create("client.create Jean-François Côté", request);

    /* 5. A contact, primary contact of Jean-François Côté. */
    snprintf(request, sizeof request,
             "{\"actor\": %" PRId64 ", \"op\": \"contact.create\", \"data\": {\"first_name\": \"Marie-Ève\","
             " \"last_name\": \"Côté\", \"emails\": [{\"address\": \"marie-eve@example.ca\"}]}}",
             staff);
    int64_t contact = create("contact.create Marie-Ève Côté", request);
    snprintf(request, sizeof request,
             "{\"actor\": %" PRId64 ", \"op\": \"contact.link\", \"contact_id\": %" PRId64
             ", \"client_id\": %" PRId64 ", \"role\": \"primary\"}",
             staff, contact, jf);
    char *out = execute("contact.link", request);
    printf("contact.link: %s\n", out);
    clientele_string_free(out);

    /* 6. Interactions: a note and a phone call. */
    snprintf(request, sizeof request,
             "{\"actor\": %" PRId64 ", \"op\": \"interaction.create\", \"data\": {\"kind\": \"note\","
             " \"occurred_at\": \"2025-03-14T14:00:00Z\", \"client_id\": %" PRId64
             ", \"subject\": \"Déclaration de revenus 2024\", \"body\": \"Reçus médicaux à venir.\"}}",
             staff, jf);
    create("interaction.create note", request);
    snprintf(request, sizeof request,
             "{\"actor\": %" PRId64 ", \"op\": \"interaction.create\", \"data\": {\"kind\": \"phone_call\","
             " \"occurred_at\": \"2025-03-15T16:30:00Z\", \"client_id\": %" PRId64 ", \"contact_id\": %" PRId64
             ", \"subject\": \"Appel de Marie-Ève\", \"direction\": \"incoming\", \"duration_secs\": 300}}",
             staff, jf, contact);
    create("interaction.create phone_call", request);

    /* 7. The client list and a timeline. */
    snprintf(request, sizeof request, "{\"actor\": %" PRId64 ", \"op\": \"client.list\", \"limit\": 20}", staff);
    out = execute("client.list", request);
    printf("client.list: %s\n", out);
    clientele_string_free(out);
    snprintf(request, sizeof request, "{\"actor\": %" PRId64 ", \"op\": \"client.timeline\", \"id\": %" PRId64 "}",
             staff, jf);
    out = execute("client.timeline", request);
    printf("client.timeline: %s\n", out);
    clientele_string_free(out);
    (void)helene;

    /* 7b. A filtered search: Québec-side clients whose name matches "cote"
     *     (accents and case ignored), as the Clients tab's Filter and Search
     *     fields do. */
    snprintf(request, sizeof request,
             "{\"actor\": %" PRId64 ", \"op\": \"client.list\", \"filter\": \"-statut:inactif nom:cote\","
             " \"search\": \"jean-francois\", \"count\": true}",
             staff);
    out = execute("client.list (filtered)", request);
    printf("search: %s\n", out);
    clientele_string_free(out);

    /* 7c. The client's dashboard, as text. */
    snprintf(request, sizeof request,
             "{\"actor\": %" PRId64 ", \"op\": \"dashboard.render\", \"dashboard\": \"client\","
             " \"client_id\": %" PRId64 ", \"locale\": \"fr\", \"format\": \"text\"}",
             staff, jf);
    status = clientele_render_dashboard(engine, request, &out);
    log_call("clientele_render_dashboard", request, status, out);
    if (status != CLIENTELE_OK) {
        die("dashboard.render", status, out);
    }
    printf("dashboard: %s\n", out);
    clientele_string_free(out);

    /* 8. A long operation with progress, then one the host cancels. */
    char *import = import_request(staff, "IMP", 250);
    status = clientele_execute_with_progress(engine, import, on_progress, NULL, &out);
    log_call("clientele_execute_with_progress", import, status, out);
    if (status != CLIENTELE_OK) {
        die("client.import", status, out);
    }
    printf("client.import: %" PRId64 " imported\n", json_int(out, "imported"));
    clientele_string_free(out);
    free(import);

    import = import_request(staff, "CAN", 250);
    uint64_t cancel_at = 100;
    status = clientele_execute_with_progress(engine, import, on_progress, &cancel_at, &out);
    log_call("clientele_execute_with_progress", import, status, out);
    printf("canceled import: status %d (%s): %s\n", (int)status, clientele_status_name(status), out);
    clientele_string_free(out);
    free(import);

    /* 9. An error: the client code is already used ("damh01" = "DAMH01"). */
    snprintf(request, sizeof request,
             "{\"actor\": %" PRId64 ", \"op\": \"client.create\", \"data\": {\"code\": \"damh01\","
             " \"name\": \"Autre Hélène\"}}",
             staff);
    status = clientele_execute(engine, request, &out);
    log_call("clientele_execute", request, status, out);
    printf("duplicate: status %d (%s): %s\n", (int)status, clientele_status_name(status), out);
    printf("last error: %s\n", clientele_last_error_message());
    clientele_string_free(out);

    /* 10. Every string the library gave has been freed: none is live. */
    printf("live strings: %zu\n", clientele_debug_live_strings());

    /* 11. Close. */
    status = clientele_engine_close(engine);
    printf("engine closed: %s\n", clientele_status_name(status));
    return status == CLIENTELE_OK ? 0 : 1;
}
