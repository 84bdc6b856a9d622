// A small C# binding of the Clientèle engine over its C ABI (P/Invoke).
//
// What it shows a .NET host (WinForms/WPF on Windows, Mono on Linux):
// - the engine handle and every returned string are SafeHandles, so they are
//   released exactly once, by the library (clientele_engine_close,
//   clientele_string_free), even when an exception unwinds or a finalizer runs;
// - text crosses the boundary as NUL-terminated UTF-8 both ways (never the
//   platform's ANSI code page);
// - every failing status becomes a typed exception (NotFoundException,
//   DuplicateException, ...) carrying the status, the code and the error JSON;
// - Engine is IDisposable: `using (var engine = Engine.Open(config)) { ... }`.
//
// [DllImport("clientele")] finds clientele.dll on Windows and libclientele.so
// on Linux (put it next to the program or on LD_LIBRARY_PATH).
//
// Requests and answers are JSON text: use the host's JSON library
// (System.Text.Json, Newtonsoft.Json) on top; this binding depends on none so
// that it builds with Mono's `mcs` alone. `Json.Parse` below is a minimal
// reader, enough to branch on an error's `code` and read an `id`.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Clientele
{
    /// <summary>The status codes of clientele.h (stable numbers).</summary>
    public enum Status
    {
        Ok = 0,
        NullArgument = 1,
        InvalidUtf8 = 2,
        InvalidJson = 3,
        TooLarge = 4,
        InvalidHandle = 5,
        Panic = 6,
        NotLicensed = 100,
        Forbidden = 101,
        NotFound = 102,
        Validation = 103,
        Duplicate = 104,
        Conflict = 105,
        InvalidTransition = 106,
        BadRequest = 107,
        InvalidFilter = 108,
        Config = 109,
        SchemaTooNew = 110,
        Storage = 111,
        Canceled = 112,
        Internal = 113,
        BadLayout = 114,
        Timeout = 115,
        Unavailable = 116,
        OtherError = 199,
    }

    /// <summary>The raw C functions. Strings in are UTF-8 byte arrays with a
    /// terminating NUL; strings out are <see cref="NativeString"/>s.</summary>
    internal static class Native
    {
        private const string Lib = "clientele";

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal delegate bool ProgressFn(IntPtr userData, ulong done, ulong total);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr clientele_version();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint clientele_abi_version();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr clientele_status_name(int status);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern Status clientele_engine_open(byte[] configJson, out EngineHandle engine, out NativeString errorJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern Status clientele_engine_close(IntPtr engine);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern Status clientele_execute(EngineHandle engine, byte[] requestJson, out NativeString outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern Status clientele_execute_cancelable(EngineHandle engine, byte[] requestJson,
            CancelTokenHandle cancel, ProgressFn progress, IntPtr userData, out NativeString outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern Status clientele_execute_with_progress(EngineHandle engine, byte[] requestJson,
            ProgressFn progress, IntPtr userData, out NativeString outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern Status clientele_render_dashboard(EngineHandle engine, byte[] requestJson, out NativeString outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern Status clientele_string_free(IntPtr s);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern Status clientele_last_error_code();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr clientele_last_error_message();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr clientele_debug_live_strings();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern Status clientele_cancel_token_new(out CancelTokenHandle token);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern Status clientele_cancel_token_cancel(CancelTokenHandle token);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern Status clientele_cancel_token_free(IntPtr token);

        /// <summary>NUL-terminated UTF-8 of a .NET string.</summary>
        internal static byte[] Utf8(string text)
        {
            var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
            Encoding.UTF8.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }

        /// <summary>The .NET string of a NUL-terminated UTF-8 C string
        /// (which this does not free).</summary>
        internal static string FromUtf8(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0) n++;
            var bytes = new byte[n];
            Marshal.Copy(p, bytes, 0, n);
            return Encoding.UTF8.GetString(bytes);
        }
    }

    /// <summary>An engine handle; released by clientele_engine_close.</summary>
    internal sealed class EngineHandle : SafeHandle
    {
        private EngineHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle()
        {
            return Native.clientele_engine_close(handle) == Status.Ok;
        }
    }

    /// <summary>A cancel token; released by clientele_cancel_token_free.</summary>
    internal sealed class CancelTokenHandle : SafeHandle
    {
        private CancelTokenHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle()
        {
            return Native.clientele_cancel_token_free(handle) == Status.Ok;
        }
    }

    /// <summary>A string the library returned (a response or an error JSON);
    /// released by clientele_string_free, exactly once.</summary>
    internal sealed class NativeString : SafeHandle
    {
        private NativeString() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle()
        {
            return Native.clientele_string_free(handle) == Status.Ok;
        }

        /// <summary>The text, then the native string is freed at once.</summary>
        public string Take()
        {
            using (this)
            {
                return IsInvalid ? null : Native.FromUtf8(handle);
            }
        }
    }

    /// <summary>A failed call: the status, the error's code and its JSON
    /// body. Each status has its own subclass (see <see cref="From"/>).</summary>
    public class ClienteleException : Exception
    {
        public Status Status { get; private set; }
        public string Code { get; private set; }
        /// <summary>The error JSON, as the library wrote it.</summary>
        public string Body { get; private set; }
        /// <summary>`field`, when the error names one.</summary>
        public string Field { get; private set; }

        public ClienteleException(Status status, string body)
            : base(MessageOf(status, body))
        {
            Status = status;
            Body = body;
            var parsed = body == null ? null : Json.Parse(body) as Dictionary<string, object>;
            Code = parsed != null && parsed.ContainsKey("code") ? parsed["code"] as string : Engine.StatusName(status);
            Field = parsed != null && parsed.ContainsKey("field") ? parsed["field"] as string : null;
        }

        private static string MessageOf(Status status, string body)
        {
            return string.Format("status {0} ({1}): {2}", (int)status, Engine.StatusName(status), body);
        }

        /// <summary>The typed exception of a status.</summary>
        public static ClienteleException From(Status status, string body)
        {
            switch (status)
            {
                case Status.NullArgument:
                case Status.InvalidUtf8:
                case Status.InvalidJson:
                case Status.TooLarge:
                case Status.BadRequest: return new BadRequestException(status, body);
                case Status.InvalidHandle: return new InvalidHandleException(status, body);
                case Status.NotLicensed: return new NotLicensedException(status, body);
                case Status.Forbidden: return new ForbiddenException(status, body);
                case Status.NotFound: return new NotFoundException(status, body);
                case Status.Validation: return new ValidationException(status, body);
                case Status.Duplicate: return new DuplicateException(status, body);
                case Status.Conflict: return new ConflictException(status, body);
                case Status.InvalidTransition: return new InvalidTransitionException(status, body);
                case Status.InvalidFilter: return new InvalidFilterException(status, body);
                case Status.Config: return new ConfigException(status, body);
                case Status.BadLayout: return new BadLayoutException(status, body);
                case Status.Canceled: return new CanceledException(status, body);
                case Status.Timeout: return new TimeoutException(status, body);
                case Status.SchemaTooNew:
                case Status.Storage:
                case Status.Unavailable: return new StorageException(status, body);
                default: return new ClienteleException(status, body);
            }
        }
    }

    /// <summary>The request itself is wrong: malformed JSON, unknown op or field, not UTF-8, too large.</summary>
    public class BadRequestException : ClienteleException { public BadRequestException(Status s, string b) : base(s, b) { } }
    public class InvalidHandleException : ClienteleException { public InvalidHandleException(Status s, string b) : base(s, b) { } }
    public class NotLicensedException : ClienteleException { public NotLicensedException(Status s, string b) : base(s, b) { } }
    public class ForbiddenException : ClienteleException { public ForbiddenException(Status s, string b) : base(s, b) { } }
    public class NotFoundException : ClienteleException { public NotFoundException(Status s, string b) : base(s, b) { } }
    public class ValidationException : ClienteleException { public ValidationException(Status s, string b) : base(s, b) { } }
    public class DuplicateException : ClienteleException { public DuplicateException(Status s, string b) : base(s, b) { } }
    /// <summary>A stale `version`: read the record again (`current_version` in the body).</summary>
    public class ConflictException : ClienteleException { public ConflictException(Status s, string b) : base(s, b) { } }
    public class InvalidTransitionException : ClienteleException { public InvalidTransitionException(Status s, string b) : base(s, b) { } }
    public class InvalidFilterException : ClienteleException { public InvalidFilterException(Status s, string b) : base(s, b) { } }
    public class ConfigException : ClienteleException { public ConfigException(Status s, string b) : base(s, b) { } }
    public class BadLayoutException : ClienteleException { public BadLayoutException(Status s, string b) : base(s, b) { } }
    /// <summary>The host canceled; nothing was written.</summary>
    public class CanceledException : ClienteleException { public CanceledException(Status s, string b) : base(s, b) { } }
    /// <summary>The request ran past its deadline; nothing was written.</summary>
    public class TimeoutException : ClienteleException { public TimeoutException(Status s, string b) : base(s, b) { } }
    /// <summary>The database failed, is unreachable, or is newer than this engine.</summary>
    public class StorageException : ClienteleException { public StorageException(Status s, string b) : base(s, b) { } }

    /// <summary>A token another thread raises to cancel a running request.</summary>
    public sealed class CancelToken : IDisposable
    {
        internal readonly CancelTokenHandle Handle;

        public CancelToken()
        {
            CancelTokenHandle handle;
            var status = Native.clientele_cancel_token_new(out handle);
            if (status != Status.Ok) throw ClienteleException.From(status, null);
            Handle = handle;
        }

        public void Cancel() { Native.clientele_cancel_token_cancel(Handle); }
        public void Dispose() { Handle.Dispose(); }
    }

    /// <summary>One engine: opened with a JSON configuration, closed by
    /// Dispose. Thread-safe: several threads may execute at once.</summary>
    public sealed class Engine : IDisposable
    {
        private readonly EngineHandle handle;

        private Engine(EngineHandle handle) { this.handle = handle; }

        /// <summary>The library's version ("0.1.0").</summary>
        public static string Version { get { return Native.FromUtf8(Native.clientele_version()); } }

        /// <summary>The library's ABI version; a host compares it with the one it was written for.</summary>
        public static uint AbiVersion { get { return Native.clientele_abi_version(); } }

        /// <summary>The ABI version this binding was written for.</summary>
        public const uint ExpectedAbiVersion = 1;

        public static string StatusName(Status status)
        {
            return Native.FromUtf8(Native.clientele_status_name((int)status));
        }

        /// <summary>Strings the library returned that are not freed yet, in the
        /// whole process: 0 once every NativeString is released (a host's tests
        /// check it).</summary>
        public static ulong LiveStrings { get { return (ulong)Native.clientele_debug_live_strings(); } }

        /// <summary>The calling thread's last error message ("" after a success).</summary>
        public static string LastErrorMessage { get { return Native.FromUtf8(Native.clientele_last_error_message()); } }

        /// <summary>Opens an engine; throws a ConfigException (or another) when refused.</summary>
        public static Engine Open(string configJson)
        {
            if (AbiVersion != ExpectedAbiVersion)
                throw new InvalidOperationException(string.Format("libclientele ABI {0}, this binding needs {1}", AbiVersion, ExpectedAbiVersion));
            EngineHandle handle;
            NativeString error;
            var status = Native.clientele_engine_open(Native.Utf8(configJson), out handle, out error);
            var body = error.Take();
            if (status != Status.Ok)
            {
                handle.Dispose();
                throw ClienteleException.From(status, body);
            }
            return new Engine(handle);
        }

        /// <summary>(status, text): the response or the error JSON, never throws on a failing status.</summary>
        public KeyValuePair<Status, string> ExecuteRaw(string requestJson, Func<ulong, ulong, bool> progress = null, CancelToken cancel = null)
        {
            NativeString output;
            Status status;
            var request = Native.Utf8(requestJson);
            if (progress == null && cancel == null)
            {
                status = Native.clientele_execute(handle, request, out output);
            }
            else
            {
                // The delegate must stay alive for the whole call: the library calls it back.
                Native.ProgressFn callback = null;
                if (progress != null) callback = (user, done, total) => progress(done, total);
                if (cancel == null)
                    status = Native.clientele_execute_with_progress(handle, request, callback, IntPtr.Zero, out output);
                else
                    status = Native.clientele_execute_cancelable(handle, request, cancel.Handle, callback, IntPtr.Zero, out output);
                GC.KeepAlive(callback);
            }
            var answer = output.Take();
            LogCall(progress == null && cancel == null ? "clientele_execute"
                    : cancel == null ? "clientele_execute_with_progress" : "clientele_execute_cancelable",
                requestJson, status, answer);
            return new KeyValuePair<Status, string>(status, answer);
        }

        /// <summary>
        /// With CLIENTELE_HOST_LOG=FILE set, appends the call to FILE as one JSON line
        /// (request and answer are JSON texts already): ffi/tests/dotnet_host.rs
        /// validates them against ffi/schema/ops.json.
        /// </summary>
        static void LogCall(string function, string requestJson, Status status, string answer)
        {
            var path = Environment.GetEnvironmentVariable("CLIENTELE_HOST_LOG");
            if (string.IsNullOrEmpty(path)) return;
            File.AppendAllText(path, "{\"function\": \"" + function + "\", \"status\": " + ((int)status).ToString(CultureInfo.InvariantCulture)
                + ", \"request\": " + requestJson + ", \"answer\": " + (answer ?? "null") + "}\n", new UTF8Encoding(false));
        }

        /// <summary>The response JSON of a request; a failing status throws its typed exception.</summary>
        public string Execute(string requestJson, Func<ulong, ulong, bool> progress = null, CancelToken cancel = null)
        {
            var result = ExecuteRaw(requestJson, progress, cancel);
            if (result.Key != Status.Ok) throw ClienteleException.From(result.Key, result.Value);
            return result.Value;
        }

        /// <summary>A request of the dashboards' front door (dashboard.render, portlet.list, ...).</summary>
        public string RenderDashboard(string requestJson)
        {
            NativeString output;
            var status = Native.clientele_render_dashboard(handle, Native.Utf8(requestJson), out output);
            var text = output.Take();
            LogCall("clientele_render_dashboard", requestJson, status, text);
            if (status != Status.Ok) throw ClienteleException.From(status, text);
            return text;
        }

        /// <summary>Closes the engine (once; later calls do nothing).</summary>
        public void Dispose() { handle.Dispose(); }
    }

    /// <summary>A minimal JSON reader: objects become Dictionary&lt;string, object&gt;,
    /// arrays List&lt;object&gt;, numbers long or double, and true/false/null as such.
    /// A real host uses its JSON library.</summary>
    public static class Json
    {
        public static object Parse(string text)
        {
            int at = 0;
            var value = Value(text, ref at);
            Space(text, ref at);
            if (at != text.Length) throw new FormatException("JSON: trailing text at " + at);
            return value;
        }

        /// <summary>A string with JSON quoting (for building requests).</summary>
        public static string Quote(string s)
        {
            var b = new StringBuilder("\"");
            foreach (var c in s)
            {
                switch (c)
                {
                    case '"': b.Append("\\\""); break;
                    case '\\': b.Append("\\\\"); break;
                    case '\n': b.Append("\\n"); break;
                    case '\r': b.Append("\\r"); break;
                    case '\t': b.Append("\\t"); break;
                    default:
                        if (c < ' ') b.AppendFormat("\\u{0:x4}", (int)c); else b.Append(c);
                        break;
                }
            }
            return b.Append('"').ToString();
        }

        private static void Space(string s, ref int at)
        {
            while (at < s.Length && char.IsWhiteSpace(s[at])) at++;
        }

        private static object Value(string s, ref int at)
        {
            Space(s, ref at);
            if (at >= s.Length) throw new FormatException("JSON: unexpected end");
            char c = s[at];
            if (c == '{')
            {
                var obj = new Dictionary<string, object>();
                at++;
                Space(s, ref at);
                if (s[at] == '}') { at++; return obj; }
                while (true)
                {
                    Space(s, ref at);
                    var key = Str(s, ref at);
                    Space(s, ref at);
                    Expect(s, ref at, ':');
                    obj[key] = Value(s, ref at);
                    Space(s, ref at);
                    if (s[at] == ',') { at++; continue; }
                    Expect(s, ref at, '}');
                    return obj;
                }
            }
            if (c == '[')
            {
                var list = new List<object>();
                at++;
                Space(s, ref at);
                if (s[at] == ']') { at++; return list; }
                while (true)
                {
                    list.Add(Value(s, ref at));
                    Space(s, ref at);
                    if (s[at] == ',') { at++; continue; }
                    Expect(s, ref at, ']');
                    return list;
                }
            }
            if (c == '"') return Str(s, ref at);
            if (s.Substring(at).StartsWith("true")) { at += 4; return true; }
            if (s.Substring(at).StartsWith("false")) { at += 5; return false; }
            if (s.Substring(at).StartsWith("null")) { at += 4; return null; }
            int start = at;
            while (at < s.Length && "+-0123456789.eE".IndexOf(s[at]) >= 0) at++;
            var number = s.Substring(start, at - start);
            if (number.Length == 0) throw new FormatException("JSON: unexpected '" + c + "' at " + start);
            long whole;
            if (long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out whole)) return whole;
            return double.Parse(number, CultureInfo.InvariantCulture);
        }

        private static void Expect(string s, ref int at, char c)
        {
            if (at >= s.Length || s[at] != c) throw new FormatException("JSON: expected '" + c + "' at " + at);
            at++;
        }

        private static string Str(string s, ref int at)
        {
            Expect(s, ref at, '"');
            var b = new StringBuilder();
            while (s[at] != '"')
            {
                char c = s[at++];
                if (c != '\\') { b.Append(c); continue; }
                char e = s[at++];
                switch (e)
                {
                    case 'n': b.Append('\n'); break;
                    case 't': b.Append('\t'); break;
                    case 'r': b.Append('\r'); break;
                    case 'b': b.Append('\b'); break;
                    case 'f': b.Append('\f'); break;
                    case 'u': b.Append((char)int.Parse(s.Substring(at, 4), NumberStyles.HexNumber)); at += 4; break;
                    default: b.Append(e); break;
                }
            }
            at++;
            return b.ToString();
        }
    }
}
