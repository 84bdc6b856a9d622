/*
 * A SQLite-only build of the library (no `postgres` feature) refuses a
 * PostgreSQL URL at open with a typed error, and still opens SQLite.
 *
 *   postgres_refused DATABASE_FILE
 *
 * Prints the status and error JSON of the refused open, then "sqlite open: ok".
 */
#include <stdio.h>

#include "clientele.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: postgres_refused DATABASE_FILE\n");
        return 2;
    }
    ClienteleEngine *engine = NULL;
    char *error = NULL;
    ClienteleStatus status = clientele_engine_open(
        "{\"database_url\": \"postgres://postgres@127.0.0.1:5432/test\","
        " \"entitlements\": [\"client_management\"]}",
        &engine, &error);
    printf("postgres open: status %d (%s) engine %s: %s\n", (int)status, clientele_status_name(status),
           engine ? "set" : "null", error ? error : "(no error)");
    clientele_string_free(error);
    if (engine) {
        clientele_engine_close(engine);
        return 1;
    }

    char config[4096];
    snprintf(config, sizeof config,
             "{\"database_url\": \"sqlite:%s\", \"entitlements\": [\"client_management\"]}", argv[1]);
    error = NULL;
    status = clientele_engine_open(config, &engine, &error);
    if (status != CLIENTELE_OK) {
        fprintf(stderr, "sqlite open failed: %s\n", error ? error : "?");
        clientele_string_free(error);
        return 1;
    }
    printf("sqlite open: ok\n");
    return clientele_engine_close(engine) == CLIENTELE_OK ? 0 : 1;
}
