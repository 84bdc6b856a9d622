#!/usr/bin/env python3
"""A Python host of the Clientèle engine, through ctypes and the C ABI.

    python3 host.py PATH/TO/libclientele.so DATABASE_FILE

Runs the same scenario as examples/c-host/host.c: a staff member, two
clients, a primary contact, a note and a phone call, the client list, a
timeline, an import with progress, a canceled import, and an error.

The `Clientele` class below is a complete, small binding: it owns the engine
handle, frees every string the library returns, and turns failures into a
`ClienteleError` carrying the status and the error JSON.

With CLIENTELE_HOST_LOG=FILE set, every request and its answer are
appended to FILE, one JSON line each: ffi/tests/python_host.rs validates
them against ffi/schema/ops.json.
"""

import ctypes
import json
import os
import sys


def log_call(function, request, status, answer):
    """Appends one call to $CLIENTELE_HOST_LOG (when set)."""
    path = os.environ.get("CLIENTELE_HOST_LOG")
    if not path:
        return
    line = {"function": function, "status": status, "request": request,
            "answer": None if answer is None else json.loads(answer)}
    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps(line, ensure_ascii=False) + "\n")

OK = 0
PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64)


class ClienteleError(Exception):
    """A failed call: `status` (int), `code` and `body` (the error JSON)."""

    def __init__(self, status, body):
        super().__init__(f"status {status} ({body.get('code')}): {body.get('message')}")
        self.status = status
        self.code = body.get("code")
        self.body = body


class Clientele:
    def __init__(self, library_path, config):
        lib = ctypes.CDLL(library_path)
        # Declare every signature: ctypes would otherwise truncate pointers.
        lib.clientele_version.restype = ctypes.c_char_p
        lib.clientele_version.argtypes = []
        lib.clientele_abi_version.restype = ctypes.c_uint32
        lib.clientele_abi_version.argtypes = []
        lib.clientele_status_name.restype = ctypes.c_char_p
        lib.clientele_status_name.argtypes = [ctypes.c_int32]
        lib.clientele_engine_open.restype = ctypes.c_int
        lib.clientele_engine_open.argtypes = [
            ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
        lib.clientele_engine_close.restype = ctypes.c_int
        lib.clientele_engine_close.argtypes = [ctypes.c_void_p]
        lib.clientele_execute.restype = ctypes.c_int
        lib.clientele_execute.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.clientele_render_dashboard.restype = ctypes.c_int
        lib.clientele_render_dashboard.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.clientele_execute_with_progress.restype = ctypes.c_int
        lib.clientele_execute_with_progress.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, PROGRESS_FN, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.clientele_string_free.restype = ctypes.c_int
        lib.clientele_string_free.argtypes = [ctypes.c_void_p]
        lib.clientele_last_error_message.restype = ctypes.c_char_p
        lib.clientele_last_error_message.argtypes = []
        lib.clientele_debug_live_strings.restype = ctypes.c_size_t
        lib.clientele_debug_live_strings.argtypes = []
        self.lib = lib
        self.engine = ctypes.c_void_p()
        error = ctypes.c_void_p()
        status = lib.clientele_engine_open(json.dumps(config).encode(), ctypes.byref(self.engine), ctypes.byref(error))
        if status != OK:
            raise ClienteleError(status, json.loads(self._take(error)))

    def _take(self, ptr):
        """The text of a string the library returned, which is then freed."""
        if not ptr.value:
            return None
        try:
            return ctypes.string_at(ptr.value).decode("utf-8")
        finally:
            self.lib.clientele_string_free(ptr)

    def version(self):
        return self.lib.clientele_version().decode(), self.lib.clientele_abi_version()

    def status_name(self, status):
        return self.lib.clientele_status_name(status).decode()

    def live_strings(self):
        """Strings the library returned that are not freed yet (0 when none leaked)."""
        return self.lib.clientele_debug_live_strings()

    def last_error(self):
        return self.lib.clientele_last_error_message().decode("utf-8")

    def execute_raw(self, request, progress=None):
        """(status, text) of a request (a dict); text is the response or the error JSON."""
        out = ctypes.c_void_p()
        text = json.dumps(request, ensure_ascii=False).encode("utf-8")
        if progress is None:
            function = "clientele_execute"
            status = self.lib.clientele_execute(self.engine, text, ctypes.byref(out))
        else:
            # Keep the callback object alive for the whole call.
            function = "clientele_execute_with_progress"
            callback = PROGRESS_FN(lambda _user, done, total: bool(progress(done, total)))
            status = self.lib.clientele_execute_with_progress(self.engine, text, callback, None, ctypes.byref(out))
        answer = self._take(out)
        log_call(function, request, status, answer)
        return status, answer

    def execute(self, request, progress=None):
        status, text = self.execute_raw(request, progress)
        if status != OK:
            raise ClienteleError(status, json.loads(text))
        return json.loads(text)

    def render_dashboard(self, request):
        """A dashboard (or another request of the dashboards' front door)."""
        out = ctypes.c_void_p()
        text = json.dumps(request, ensure_ascii=False).encode("utf-8")
        status = self.lib.clientele_render_dashboard(self.engine, text, ctypes.byref(out))
        text = self._take(out)
        log_call("clientele_render_dashboard", request, status, text)
        if status != OK:
            raise ClienteleError(status, json.loads(text))
        return json.loads(text)

    def close(self):
        status = OK
        if self.engine:
            status = self.lib.clientele_engine_close(self.engine)
            self.engine = ctypes.c_void_p()
        return status


def compact(value):
    """JSON as the C host prints it (no spaces, UTF-8 as is)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def main():
    if len(sys.argv) != 3:
        print(f"usage: {sys.argv[0]} LIBRARY DATABASE_FILE", file=sys.stderr)
        return 2
    engine = Clientele(sys.argv[1], {
        "database_url": f"sqlite:{sys.argv[2]}",
        "timezone": "America/Toronto",
        "entitlements": ["client_management"],
        "pool_size": 2,
    })
    version, abi = engine.version()
    print(f"clientele {version} (ABI {abi})")
    print("engine open")

    def create(what, request):
        record = engine.execute(request)
        print(f"{what}: id {record['id']}")
        return record["id"]

    all_rights = {"view": True, "add": True, "edit": True, "delete": True}
    staff = create("staff.put Sophie Tremblay", {
        "actor": "host", "op": "staff.put",
        "staff": {"name": "Sophie Tremblay", "initials": "ST", "rights": {
            "clients": all_rights, "contacts": all_rights, "interactions": all_rights,
            "file_transfers": all_rights}}})

    create("client.create Hélène D'Amours", {
        "actor": staff, "op": "client.create",
        "data": {"code": "DAMH01", "name": "Hélène D'Amours", "kind": "individual", "office": "Montréal",
                 "phones": [{"kind": "mobile", "number": "(514) 555-0199"}]}})
    jf = create("client.create Jean-François Côté", {
        "actor": staff, "op": "client.create",
        "data": {"code": "COTJ01", "name": "Jean-François Côté", "office": "Québec"}})

    contact = create("contact.create Marie-Ève Côté", {
        "actor": staff, "op": "contact.create",
        "data": {"first_name": "Marie-Ève", "last_name": "Côté",
                 "emails": [{"address": "marie-eve@example.ca"}]}})
    linked = engine.execute({"actor": staff, "op": "contact.link", "contact_id": contact, "client_id": jf,
                             "role": "primary"})
    print(f"contact.link: {compact(linked)}")

    create("interaction.create note", {
        "actor": staff, "op": "interaction.create",
        "data": {"kind": "note", "occurred_at": "2025-03-14T14:00:00Z", "client_id": jf,
                 "subject": "Déclaration de revenus 2024", "body": "Reçus médicaux à venir."}})
    create("interaction.create phone_call", {
        "actor": staff, "op": "interaction.create",
        "data": {"kind": "phone_call", "occurred_at": "2025-03-15T16:30:00Z", "client_id": jf,
                 "contact_id": contact, "subject": "Appel de Marie-Ève", "direction": "incoming",
                 "duration_secs": 300}})

    print(f"client.list: {compact(engine.execute({'actor': staff, 'op': 'client.list', 'limit': 20}))}")
    print(f"client.timeline: {compact(engine.execute({'actor': staff, 'op': 'client.timeline', 'id': jf}))}")
    found = engine.execute({"actor": staff, "op": "client.list", "filter": "-statut:inactif nom:cote",
                            "search": "jean-francois", "count": True})
    print(f"search: {compact(found)}")
    board = engine.render_dashboard({"actor": staff, "op": "dashboard.render", "dashboard": "client",
                                     "client_id": jf, "locale": "fr", "format": "text"})
    print(f"dashboard: {compact(board)}")

    def import_request(prefix):
        return {"actor": staff, "op": "client.import",
                "clients": [{"code": f"{prefix}{i:04d}", "name": f"Client {i}"} for i in range(250)]}

    def report(done, total, cancel_at=None):
        print(f"  progress {done}/{total}")
        return not (cancel_at is not None and done >= cancel_at)

    imported = engine.execute(import_request("IMP"), progress=report)
    print(f"client.import: {imported['imported']} imported")
    status, text = engine.execute_raw(import_request("CAN"), progress=lambda d, t: report(d, t, cancel_at=100))
    print(f"canceled import: status {status} ({engine.status_name(status)}): {text}")

    status, text = engine.execute_raw({"actor": staff, "op": "client.create",
                                       "data": {"code": "damh01", "name": "Autre Hélène"}})
    print(f"duplicate: status {status} ({engine.status_name(status)}): {text}")
    print(f"last error: {engine.last_error()}")
    try:
        engine.execute({"actor": staff, "op": "client.get", "id": 999})
    except ClienteleError as e:
        print(f"exception: {e.code} (status {e.status})")

    print(f"live strings: {engine.live_strings()}")
    print(f"engine closed: {engine.status_name(engine.close())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
