/*
 * A complete portlet written in C: "Clients (C)" shows the number of clients.
 *
 * Build (Linux):
 *   cc -shared -fPIC -fvisibility=hidden -I ../../portlets/api/include \
 *      -o libportlet_c.so counts_c.c
 *
 * It asks the engine {"op":"client.list","limit":1,"count":true} and reads
 * "total" (or "count") out of the answer. A real portlet would use a JSON
 * library; this one keeps to the C standard library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clientele_portlet.h"

/* Every string we hand to the host is malloc'ed here and freed by clp_free. */
static char *dup_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static int32_t answer(char **out_json, const char *json, int32_t status) {
    if (!out_json) return CLP_ERR_INVALID_ARGUMENT;
    *out_json = dup_string(json);
    return *out_json ? status : CLP_ERR_PANIC;
}

static int32_t clp_manifest(char **out_json) {
    return answer(out_json,
        "{\"id\":\"com.example.c-counts\",\"version\":\"1.0.0\","
        "\"title\":{\"fr\":\"Clients (C)\",\"en\":\"Clients (C)\"},"
        "\"dashboards\":[\"staff\",\"firm\"],"
        "\"entitlements\":[\"client_management\"],"
        "\"rights\":[{\"entity\":\"clients\",\"action\":\"view\"}],"
        "\"tabular\":false}", CLP_OK);
}

static int32_t clp_settings_schema(char **out_json) {
    return answer(out_json,
        "{\"type\":\"object\",\"properties\":{"
        "\"label\":{\"type\":\"string\",\"default\":\"Clients\"}}}", CLP_OK);
}

static int32_t clp_default_settings(char **out_json) {
    return answer(out_json, "{\"label\":\"Clients\"}", CLP_OK);
}

/* Finds "key": followed by an integer in json; returns 0 if absent. */
static int find_int(const char *json, const char *key, long long *value) {
    const char *p = strstr(json, key);
    if (!p) return 0;
    p += strlen(key);
    while (*p == ' ') p++;
    if (*p != ':') return 0;
    p++;
    char *end;
    *value = strtoll(p, &end, 10);
    return end != p;
}

static int32_t clp_render(const char *settings_json, const ClpHost *host, char **out_json) {
    if (!out_json) return CLP_ERR_INVALID_ARGUMENT;
    *out_json = NULL;
    if (!settings_json || !host) {
        return answer(out_json, "{\"kind\":\"internal\",\"message\":\"NULL argument\"}",
                      CLP_ERR_INVALID_ARGUMENT);
    }
    /* ABI check of the host structure before using it. */
    if (host->struct_size < sizeof(ClpHost) || host->abi_major != CLP_ABI_MAJOR) {
        return answer(out_json, "{\"kind\":\"internal\",\"message\":\"unsupported host ABI\"}",
                      CLP_ERR_ABI);
    }
    /* The label setting, copied up to its closing quote or first escape
       (so the copy is safe to put back into a JSON string as is). */
    char label[64] = "Clients";
    const char *l = strstr(settings_json, "\"label\":\"");
    if (l) {
        l += strlen("\"label\":\"");
        size_t n = 0;
        while (l[n] && l[n] != '"' && l[n] != '\\' && n < sizeof label - 1) n++;
        while (n > 0 && ((unsigned char)l[n] & 0xC0) == 0x80) n--; /* cut on a UTF-8 boundary */
        memcpy(label, l, n);
        label[n] = '\0';
    }

    char *response = NULL;
    int32_t status = host->request(host->user_data,
                                   "{\"op\":\"client.list\",\"limit\":1,\"count\":true}",
                                   &response);
    if (status != CLP_OK) {
        /* Pass the engine's error body {"code","message",...} on as a
           portlet error {"kind":"data_failed","code",...}. */
        char buf[2048];
        if (response && response[0] == '{' && strlen(response) < sizeof buf - 32) {
            snprintf(buf, sizeof buf, "{\"kind\":\"data_failed\",%s", response + 1);
        } else {
            snprintf(buf, sizeof buf, "{\"kind\":\"internal\",\"message\":\"request failed\"}");
        }
        host->free_string(host->user_data, response);
        return answer(out_json, buf, CLP_ERR_FAILED);
    }
    long long total = 0;
    int found = response && (find_int(response, "\"total\"", &total) || find_int(response, "\"count\"", &total));
    host->free_string(host->user_data, response); /* host memory goes back to the host */
    if (!found) {
        return answer(out_json, "{\"kind\":\"internal\",\"message\":\"no count in the answer\"}",
                      CLP_ERR_FAILED);
    }
    char view[512];
    snprintf(view, sizeof view,
             "{\"title\":{\"fr\":\"Clients (C)\",\"en\":\"Clients (C)\"},"
             "\"widgets\":[{\"type\":\"counters\",\"items\":[{\"label\":"
             "{\"fr\":\"%s\",\"en\":\"%s\"},\"value\":%lld}]}],"
             "\"drill_down\":{\"tab\":\"clients\",\"request\":{\"op\":\"client.list\"}}}",
             label, label, total);
    return answer(out_json, view, CLP_OK);
}

static void clp_free(char *s) { free(s); } /* free(NULL) is a no-op */

static const ClpPortletDescriptor DESCRIPTOR = {
    sizeof(ClpPortletDescriptor),
    CLP_ABI_MAJOR,
    CLP_ABI_MINOR,
    clp_manifest,
    clp_settings_schema,
    clp_default_settings,
    clp_render,
    clp_free,
};

CLP_EXPORT const ClpPortletDescriptor *clientele_portlet_descriptor(void) {
    return &DESCRIPTOR;
}
