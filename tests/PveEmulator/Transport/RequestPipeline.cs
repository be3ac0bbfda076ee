using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using PveEmulator.Access;
using PveEmulator.Auth;
using PveEmulator.Faults;

namespace PveEmulator.Transport;

/// <summary>
/// The request path of pveproxy/pvedaemon (api.md §1–2): method and URI checks, authentication,
/// body decoding, routing, permission check, parameter validation, the handler, and the
/// response envelope with PVE's status lines and Connection headers.
/// </summary>
internal sealed partial class RequestPipeline
{
    private const int MaxBodyBytes = 512 * 1024;
    private const string JsonContentType = "application/json;charset=UTF-8";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly EmulatorState _state;
    private readonly EmulatorOptions _options;
    private readonly Router _router;
    private readonly RequestLog _log;
    private readonly TicketService _tickets;
    private readonly Authenticator _authenticator;
    private readonly PermissionEngine _permissions;
    private readonly FaultInjector _faults;

    public RequestPipeline(EmulatorState state, EmulatorOptions options, Router router, RequestLog log, FaultInjector faults)
    {
        _faults = faults;
        _state = state;
        _options = options;
        _router = router;
        _log = log;
        _tickets = new TicketService(options.TicketLifetimeSeconds);
        _authenticator = new Authenticator(state, _tickets, state.Version);
        _permissions = new PermissionEngine(state);
    }

    /// <summary>What goes back to the client; Body is JSON when <see cref="Json"/> is set, else plain text (or empty).</summary>
    private sealed record Reply(int Status, string Message, byte[] Body, bool Json, bool Protected = false);

    /// <summary>Facts about the request for the request log (never values).</summary>
    private sealed class LogInfo
    {
        public string AuthKind = "none";
        public string? AuthId;
        public IReadOnlyList<string> ParameterNames = [];
    }

    [GeneratedRegex(@"^/api2/+([a-z][a-z0-9]+)(/.*)?$")]
    private static partial Regex ApiUriRegex();

    /// <summary>
    /// Serves one request. The request-log entry is added before the first response byte (or the
    /// reset) goes out, never after: a client that has its answer, or its error, finds the entry in
    /// <see cref="EmulatorHost.RequestLog"/>, and a ClearRequestLog() after the call cannot be
    /// followed by that call's late entry.
    /// </summary>
    public async Task HandleAsync(HttpContext context)
    {
        // pveproxy never sends "100 Continue"; Kestrel would, on the first read of a body whose request
        // has Expect: 100-continue, unless the header is gone by then. A client that waits for it must
        // time out here as it does against PVE.
        context.Request.Headers.Remove("Expect");
        FaultPlan fault = _faults.Plan(context.Request.Method, context.Request.Path.Value ?? "");
        var info = new LogInfo();
        if (fault.Kind == FaultKind.DropBefore)
        {
            // Reset before the body is read or anything runs: the client learns nothing, nothing changed.
            Log(context, info, 0, fault.Marker(slowBodyApplied: false));
            context.Abort();
            return;
        }

        Reply reply;
        if (fault.Kind == FaultKind.ServerError)
        {
            // What a proxy in front of a dead or overloaded daemon says: status line only, connection closed.
            reply = Text(fault.Status, ReasonPhrases.GetReasonPhrase(fault.Status), withBody: false);
        }
        else
        {
            try
            {
                reply = await ProcessAsync(context, info);
            }
            catch (ApiException e)
            {
                reply = ErrorReply(e);
            }
            if (reply.Status == 401 && _options.AuthFailureDelayMs > 0)
            {
                // pveproxy delays every 401 (about 3 s) to slow down password guessing. The timer
                // behind Task.Delay may fire a little early against a Stopwatch: wait until it agrees.
                var waited = Stopwatch.StartNew();
                for (long left = _options.AuthFailureDelayMs; left > 0; left = _options.AuthFailureDelayMs - waited.ElapsedMilliseconds)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(left), context.RequestAborted);
                }
            }
        }

        if (fault == FaultPlan.None)
        {
            Log(context, info, reply.Status, null);
            await WriteAsync(context, reply);
            return;
        }

        bool logged = false;
        try
        {
            if (fault.LatencyMs > 0)
            {
                await Task.Delay(fault.LatencyMs, context.RequestAborted);
            }
            if (fault.Kind == FaultKind.DropAfter)
            {
                // The handler ran (state changed); the client gets a reset instead of any response byte.
                Log(context, info, reply.Status, fault.Marker(slowBodyApplied: false));
                logged = true;
                context.Abort();
            }
            else
            {
                if (fault.Kind == FaultKind.Malformed)
                {
                    reply = Malform(reply, fault.Malformed);
                }
                bool slowBody = fault.SlowBodyMs > 0 && reply.Body.Length > 0;
                Log(context, info, reply.Status, fault.Marker(slowBody));
                logged = true;
                await WriteAsync(context, reply, slowBody ? fault.SlowBodyMs : 0);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client gave up during the latency (nothing was sent) or the stalled body: still logged.
            if (!logged)
            {
                Log(context, info, reply.Status, fault.Marker(slowBodyApplied: false));
            }
        }
    }

    private void Log(HttpContext context, LogInfo info, int status, string? fault)
    {
        long connectionId = context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(EmulatorHost.ConnectionIdKey, out object? id) == true ? (long)id! : 0;
        _log.Add(new RequestLogEntry(DateTimeOffset.UtcNow, context.Request.Method, context.Request.Path.Value ?? "", info.ParameterNames,
                                     info.AuthKind, info.AuthId, status, connectionId, fault));
    }

    /// <summary>A 200 whose body a client cannot parse: the first half of the JSON, or an HTML page.</summary>
    private static Reply Malform(Reply reply, MalformedBody kind)
    {
        byte[] body = kind == MalformedBody.Truncated && reply.Body.Length >= 2
            ? reply.Body[..(reply.Body.Length / 2)]
            : "<html><head><title>Proxy Error</title></head><body><h1>Proxy Error</h1></body></html>\n"u8.ToArray();
        return new Reply(200, "OK", body, Json: true, reply.Protected);
    }

    private async Task<Reply> ProcessAsync(HttpContext context, LogInfo info)
    {
        HttpRequest request = context.Request;
        string method = request.Method;
        if (method is not ("GET" or "POST" or "PUT" or "DELETE"))
        {
            return Text(501, $"method '{method}' not available", withBody: false);
        }

        string rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        int q = rawTarget.IndexOf('?');
        string path = Uri.UnescapeDataString(q < 0 ? rawTarget : rawTarget[..q]);
        string query = q < 0 ? "" : rawTarget[(q + 1)..];
        Match uri = ApiUriRegex().Match(path);
        if (!uri.Success)
        {
            return Text(501, path.StartsWith("/api2", StringComparison.Ordinal) ? "no such uri" : $"no such file '{path}'");
        }
        string format = uri.Groups[1].Value;
        string relativeUri = uri.Groups[2].Success && uri.Groups[2].Value.Length > 0 ? uri.Groups[2].Value : "/";

        AuthResult auth;
        lock (_state.Sync)
        {
            try
            {
                auth = _authenticator.Authenticate(method, relativeUri, Join(request.Headers.Cookie, "; "), Join(request.Headers.Authorization, ", "),
                                                   Join(request.Headers["CSRFPreventionToken"], ", "));
            }
            catch (AuthFailureException e)
            {
                info.AuthKind = e.Kind;
                return Text(401, e.Message, withBody: false);
            }
        }
        info.AuthKind = auth.Kind;
        info.AuthId = auth.AuthId;

        bool hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        var raw = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (hasBody)
        {
            if (method is "GET" or "DELETE")
            {
                return Text(501, $"Unexpected content for method '{method}'");
            }
            string? contentType = request.ContentType;
            string baseType = contentType is null ? "" : contentType.Split([';', ','])[0].Trim();
            bool form = contentType is null || baseType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
            if (!form && !baseType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            {
                return Text(506, $"upload 'Content-Type '{contentType}' not implemented");
            }
            if (request.ContentLength > MaxBodyBytes)
            {
                return Text(501, "for data too large");
            }
            string body = await ReadBodyAsync(request);
            if (form)
            {
                DecodeForm(body, raw);
            }
            else if (!DecodeJson(body, raw))
            {
                return Text(501, "malformed JSON body");
            }
        }
        // Query parameters override body parameters of the same name.
        var fromQuery = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        DecodeForm(query, fromQuery);
        foreach ((string k, List<string> v) in fromQuery)
        {
            raw[k] = v;
        }
        raw.Remove("_dc");
        info.ParameterNames = raw.Keys.ToArray();

        if (format != "json")
        {
            return Text(501, $"no formatter for uri {relativeUri}, {format}");
        }
        lock (_state.Sync)
        {
            return Dispatch(method, relativeUri, auth, raw);
        }
    }

    /// <summary>rest_handler: route, URI parameters, token restriction, permissions, validation, handler.</summary>
    private Reply Dispatch(string method, string relativeUri, AuthResult auth, Dictionary<string, List<string>> raw)
    {
        if (_router.Find(method, relativeUri) is not var (endpoint, pathParams))
        {
            throw ApiException.NotImplemented(method, relativeUri);
        }
        if (!endpoint.AllowToken && auth.TokenPresented)
        {
            throw ApiException.Permission($"URI '{relativeUri}' not available with API token, need proper ticket.\n");
        }
        foreach ((string k, string v) in pathParams)
        {
            if (raw.TryGetValue(k, out List<string>? given) && !(given.Count == 1 && given[0] == v))
            {
                throw ApiException.Param(k, "duplicate parameter (already defined in URI) with conflicting values!");
            }
            raw[k] = [v];
        }
        string authId = auth.AuthId ?? "";
        var unchecked_ = raw.ToDictionary(kv => kv.Key, kv => kv.Value[^1], StringComparer.Ordinal);
        endpoint.Permission.Enforce(_permissions, _state, authId, unchecked_);
        Dictionary<string, string> parameters = ParamValidator.Validate(endpoint.Parameters, raw, _state.Version);
        JsonData? data = endpoint.Handler(new ApiCall(_state, _permissions, _tickets, _authenticator, authId, parameters));
        return new Reply(200, "OK", Envelope(data, null, null), Json: true, endpoint.Protected);
    }

    private static Reply ErrorReply(ApiException e) =>
        new(e.Status, e.Message, Envelope(null, e.Errors, e.Message), Json: true);

    private static Reply Text(int status, string message, bool withBody = true) =>
        new(status, message, withBody ? Encoding.UTF8.GetBytes(message) : [], Json: false);

    /// <summary>Formatter/Standard.pm: `{"data": …}`, plus `errors` and `message` on failures.</summary>
    private static byte[] Envelope(JsonData? data, IReadOnlyDictionary<string, string>? errors, string? message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WritePropertyName("data");
            if (data is null)
            {
                w.WriteNullValue();
            }
            else
            {
                data(w);
            }
            if (errors is not null)
            {
                w.WriteStartObject("errors");
                foreach ((string k, string v) in errors)
                {
                    w.WriteString(k, v);
                }
                w.WriteEndObject();
            }
            if (message is not null)
            {
                w.WriteString("message", message);
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static async Task WriteAsync(HttpContext context, Reply reply, int slowBodyMs = 0)
    {
        HttpResponse response = context.Response;
        response.StatusCode = reply.Status;
        context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = ReasonPhrase(reply.Message);
        // Errors close the connection; protected methods come back through pvedaemon with both
        // "close" and "Keep-Alive" (close wins); everything else keeps the connection alive.
        response.Headers.Connection = reply.Status >= 400 ? "close" : reply.Protected ? new[] { "close", "Keep-Alive" } : "Keep-Alive";
        if (reply.Json)
        {
            response.Headers.ContentType = JsonContentType;
        }
        if (reply.Status >= 400 || reply.Protected)
        {
            // Kestrel only closes on its own when no keep-alive token is present at all.
            context.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        }
        response.ContentLength = reply.Body.Length;
        if (slowBodyMs > 0 && reply.Body.Length > 0)
        {
            // Fault injection: headers and the first half go out at once, the rest after the stall.
            int half = reply.Body.Length / 2;
            await response.StartAsync(context.RequestAborted);
            await response.Body.WriteAsync(reply.Body.AsMemory(0, half), context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(slowBodyMs, context.RequestAborted);
            await response.Body.WriteAsync(reply.Body.AsMemory(half), context.RequestAborted);
        }
        else if (reply.Body.Length > 0)
        {
            await response.Body.WriteAsync(reply.Body, context.RequestAborted);
        }
    }

    /// <summary>The first line of the message; HTTP allows only visible ASCII there.</summary>
    private static string ReasonPhrase(string message)
    {
        string line = message.Split('\n')[0];
        var sb = new StringBuilder(line.Length);
        foreach (char c in line)
        {
            sb.Append(c is >= ' ' and <= '~' ? c : '?');
        }
        return sb.ToString();
    }

    private static string? Join(Microsoft.Extensions.Primitives.StringValues values, string separator) =>
        values.Count == 0 ? null : values.Count == 1 ? values[0] : string.Join(separator, values.ToArray());

    private static async Task<string> ReadBodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    /// <summary>
    /// pve-http-server `decode_urlencoded`: pairs split on '&amp;' or ';', key and value split on '='
    /// (a second unencoded '=' cuts the value, as in Perl's list assignment), '+' is a space.
    /// </summary>
    private static void DecodeForm(string data, Dictionary<string, List<string>> into)
    {
        foreach (string pair in data.Split('&', ';'))
        {
            if (pair.Length == 0)
            {
                continue;
            }
            string[] kv = pair.Split('=');
            string key = Unescape(kv[0]);
            string value = kv.Length > 1 ? Unescape(kv[1]) : "";
            if (!into.TryGetValue(key, out List<string>? list))
            {
                list = [];
                into[key] = list;
            }
            list.Add(value);
        }

        static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
    }

    /// <summary>A JSON object body; JSON booleans become "1"/"0" and numbers their text, like untainted Perl scalars.</summary>
    private static bool DecodeJson(string body, Dictionary<string, List<string>> into)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return false;
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }
                into[p.Name] = p.Value.ValueKind == JsonValueKind.Array
                    ? p.Value.EnumerateArray().Select(Scalar).ToList()
                    : [Scalar(p.Value)];
            }
        }
        return true;

        static string Scalar(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => e.GetString()!,
            JsonValueKind.True => "1",
            JsonValueKind.False => "0",
            _ => e.GetRawText(),
        };
    }
}
