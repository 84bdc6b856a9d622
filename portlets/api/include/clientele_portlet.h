/*
 * clientele_portlet.h — the Clientèle portlet plugin ABI, version 1.2.
 *
 * A portlet is a dashboard tile. A portlet library is a shared library
 * (.so / .dylib / .dll) that exports ONE symbol:
 *
 *     const ClpPortletDescriptor *clientele_portlet_descriptor(void);
 *
 * Everything else is exchanged as NUL-terminated UTF-8 JSON strings through
 * the function pointers below. The JSON shapes (manifest, settings, view
 * model, requests, errors) are described in docs/portlets.md.
 *
 * This header is the normative text of the ABI; the Rust crate
 * clientele-portlet-api (module `abi`) mirrors it and a test checks that
 * both agree.
 *
 * VERSIONING
 *   CLP_ABI_MAJOR changes when the structures change incompatibly.
 *   CLP_ABI_MINOR grows when fields are APPENDED to the structures, or when
 *   the JSON a plugin may answer grows (so that a plugin using it is refused
 *   by an older engine at load rather than failing at every render);
 *   existing fields never move. 1.1: view-model charts (bar_chart,
 *   sparkline, proportion), note, subtitle, table total/caption/priority and
 *   row drill-downs; "timezone" in context_json. 1.2: ClpHost gains log,
 *   is_canceled and deadline_ms (appended). 1.0 and 1.1 plugins load
 *   unchanged (they read the ClpHost prefix they know). The engine (host) loads a plugin when
 *       plugin.abi_major == host.abi_major  &&  plugin.abi_minor <= host.abi_minor
 *   and refuses it otherwise ("too old" / "too new"). It reads struct_size,
 *   abi_major and abi_minor BEFORE calling anything else, and treats fields
 *   beyond the plugin's struct_size as absent (NULL).
 *
 * MEMORY — the side that allocates a string frees it:
 *   - Strings the PLUGIN returns through `char **out_json` (manifest,
 *     settings_schema, default_settings, render) are owned by the host until
 *     it hands them back with the descriptor's `free_string`, exactly once.
 *   - Strings the HOST returns through `ClpHost.request` are owned by the
 *     plugin until it hands them back with `ClpHost.free_string`, exactly once.
 *   - `const char *` arguments are borrowed for the duration of the call only.
 *   - The ClpHost passed to render, and everything it points to, is valid only
 *     during that render call: do not keep it.
 *
 * THREADS: the host may call every entry point concurrently from several
 * threads, and may abandon (never join) a thread whose render overran its
 * time budget. Entry points must be thread-safe.
 * ClpHost.request may only be called from the thread that is running the
 * render it was passed to, and only until that render returns. Calls from
 * other threads, and calls after the render returned (a detached thread, a
 * saved copy of the ClpHost's fields), are refused with
 * CLP_ERR_INVALID_ARGUMENT and *out_json set to NULL: user_data is a token
 * the host forgets when render returns, never a pointer it dereferences.
 * ClpHost.free_string called in those conditions does nothing (the string
 * leaks): free host strings before render returns.
 *
 * ERRORS: no C++ exception, Rust panic or longjmp may cross this boundary.
 * Report failures with a status code and an error JSON.
 *
 * LIFETIME: the host never unloads a portlet library (no dlclose); the
 * descriptor must be static data valid for the life of the process.
 */
#ifndef CLIENTELE_PORTLET_H
#define CLIENTELE_PORTLET_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version of this header. */
#define CLP_ABI_MAJOR 1
#define CLP_ABI_MINOR 2

/* Name of the one exported symbol. */
#define CLP_DESCRIPTOR_SYMBOL "clientele_portlet_descriptor"

/*
 * Status codes, returned by every int32_t function of this ABI.
 * On any status, *out_json is either NULL or a string the callee allocated
 * (to be freed by the callee's free_string). Callees set *out_json to NULL
 * or to a string before returning, never leave it undefined.
 */
typedef enum ClpStatus {
    /* Success: *out_json holds the answer. */
    CLP_OK = 0,
    /* An argument was NULL, not UTF-8, not JSON or of the wrong shape.
       *out_json holds an error JSON when possible. */
    CLP_ERR_INVALID_ARGUMENT = 1,
    /* The call failed. *out_json holds the error JSON:
       from a plugin: a portlet error {"kind": ..., "message": ...}, kinds:
         "data_refused"/"data_failed" (plus "code", "message", "field"? of the
         engine's error), "bad_settings" ("message", "field"?), "internal";
       from the host's request: an error body {"code", "message", "field"?}. */
    CLP_ERR_FAILED = 2,
    /* The callee crashed internally and recovered (e.g. a caught Rust panic).
       *out_json holds an error JSON when possible. */
    CLP_ERR_PANIC = 3,
    /* A structure passed in is of an ABI version the callee does not support. */
    CLP_ERR_ABI = 4
} ClpStatus;

/* Log levels of ClpHost.log (ABI 1.2). Any other value is read as INFO. */
#define CLP_LOG_ERROR 1
#define CLP_LOG_WARN 2
#define CLP_LOG_INFO 3
#define CLP_LOG_DEBUG 4

/* ClpHost.deadline_ms when the render has no time budget. */
#define CLP_NO_DEADLINE (-1)

/* At most this many ClpHost.log messages of one render reach the host (the
   rest are counted and dropped; one warning says how many, after render),
   and a message longer than this many bytes is cut (ending with "…"). */
#define CLP_MAX_LOG_MESSAGES_PER_RENDER 20
#define CLP_MAX_LOG_MESSAGE_BYTES 1024

typedef struct ClpHost ClpHost;

/*
 * What the engine passes to render. Host-owned, valid during the call only.
 * Size on LP64: 64 bytes (1.0 and 1.1: 40 bytes, up to free_string).
 * A plugin compiled against 1.2 that wants to run on a 1.1 engine too must
 * check struct_size before reading log, is_canceled or deadline_ms; an
 * engine never loads a plugin of a newer minor, so on a 1.2 engine they are
 * always there.
 */
struct ClpHost {
    /* sizeof(ClpHost) as the host was compiled. A plugin must check
       struct_size >= the sizeof it was compiled with and abi_major ==
       CLP_ABI_MAJOR before using any other field (else CLP_ERR_ABI). */
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
    /* Opaque token of this render; pass it back to request and free_string.
       It is valid until render returns, on the render's thread only. */
    void *user_data;
    /* {"scope": {"kind": "staff", "staff_id": 1}
                | {"kind": "client", "client_id": 7, "staff_id": 1}
                | {"kind": "firm", "staff_id": 1},
        "today": "YYYY-MM-DD",   (in the firm's time zone)
        "locale": "fr" | "en"}   Host-owned. */
    const char *context_json;
    /* Runs a READ request of the engine's JSON protocol, e.g.
       {"op":"client.list","limit":1,"count":true}. The engine refuses writes
       and confines the request to the dashboard's scope.
       Returns CLP_OK with the response JSON in *out_json, or CLP_ERR_FAILED
       with an error body {"code","message","field"?} in *out_json, or
       CLP_ERR_INVALID_ARGUMENT / CLP_ERR_PANIC with an error body.
       *out_json is host-allocated: give it back with free_string.
       Called from another thread or after render returned: refused with
       CLP_ERR_INVALID_ARGUMENT and *out_json = NULL. */
    int32_t (*request)(void *user_data, const char *request_json, char **out_json);
    /* Frees a string returned by request. Accepts NULL. Does nothing when
       called from another thread or after render returned. */
    void (*free_string)(void *user_data, char *s);

    /* ---- ABI 1.2 ---- */

    /* Sends one line (UTF-8; invalid bytes are replaced) to the host's log,
       with a CLP_LOG_* level. The engine passes it on with the portlet's id
       and the viewer. At most CLP_MAX_LOG_MESSAGES_PER_RENDER messages of
       CLP_MAX_LOG_MESSAGE_BYTES bytes each per render; nothing once the
       render is canceled. Same thread rule as request: ignored from another
       thread or after render returned. */
    void (*log)(void *user_data, int32_t level, const char *message);
    /* Answers 1 once the render should stop: its time budget is spent
       (the tile then shows a timeout whatever render answers), or the
       dashboards are closing; else 0. Cheap: poll it in long loops and
       return early (any status). Answers 1 from another thread or after
       render returned. */
    int32_t (*is_canceled)(void *user_data);
    /* Milliseconds left of the render's time budget when render was called
       (count from that moment with your own clock), or CLP_NO_DEADLINE. */
    int64_t deadline_ms;
};

/*
 * What a portlet library exports. Static data of the plugin.
 * Size on LP64: 48 bytes. No field may be NULL (ABI 1.0 to 1.2).
 */
typedef struct ClpPortletDescriptor {
    /* sizeof(ClpPortletDescriptor) as the plugin was compiled. Read first. */
    uint32_t struct_size;
    /* CLP_ABI_MAJOR / CLP_ABI_MINOR as the plugin was compiled. */
    uint16_t abi_major;
    uint16_t abi_minor;
    /* Writes the manifest JSON to *out_json:
       {"id": "com.example.counts",            (lowercase dot-separated segments, >= 2)
        "version": "1.0.0",                    (semantic version)
        "title": {"fr": "...", "en": "..."},
        "dashboards": ["staff" | "client" | "firm", ...],   (at least one)
        "entitlements": ["client_management"],
        "rights": [{"entity": "clients"|"contacts"|"interactions"|"file_transfers",
                    "action": "view"}],
        "tabular": false}
       Called once, right after the ABI check; an invalid manifest refuses the load. */
    int32_t (*manifest)(char **out_json);
    /* Writes the JSON Schema of the portlet's own settings (an object schema
       whose properties carry "type" and "default"). */
    int32_t (*settings_schema)(char **out_json);
    /* Writes the default settings object, e.g. {"include_contacts": true}. */
    int32_t (*default_settings)(char **out_json);
    /* Renders. settings_json is the merged settings object: the portlet's own
       keys plus "common": {"date_range": "last-30-days" | {"from","to"},
       "filter": null | "text", "columns": null | [...], "limit": 10}.
       host is valid during the call only.
       Writes the view model JSON to *out_json on CLP_OK:
       {"title": {"fr","en"}, "widgets": [ {"type": "counters", "items": [...]}, ... ],
        "drill_down": null | {"tab": "...", "request": {...}}}
       or an error JSON with CLP_ERR_FAILED. */
    int32_t (*render)(const char *settings_json, const ClpHost *host, char **out_json);
    /* Frees a string this plugin returned. Must accept NULL. */
    void (*free_string)(char *s);
} ClpPortletDescriptor;

/* The one exported symbol. Must return a pointer to static data, never NULL,
   and do nothing else (it is called before the ABI check). */
typedef const ClpPortletDescriptor *(*ClpDescriptorFn)(void);

#if defined(_WIN32)
#define CLP_EXPORT __declspec(dllexport)
#else
#define CLP_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
}
#endif

#endif /* CLIENTELE_PORTLET_H */
