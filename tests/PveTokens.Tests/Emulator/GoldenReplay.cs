using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PveEmulator;

namespace PveTokens.Tests.Emulator;

/// <summary>The outcome of one replayed exchange: what was sent, what came back, what differs.</summary>
internal sealed record ExchangeOutcome(string File, int Seq, string Name, string Request, string Expected, string Actual, IReadOnlyList<string> Mismatches);

/// <summary>
/// Replays a golden corpus file (TestData/golden, see its README) against a fresh emulator,
/// exchange by exchange, binding the placeholders as the README describes.
/// </summary>
internal sealed partial class GoldenReplay
{
    /// <summary>Arrays PVE builds from Perl hashes: compared as sets (README "Hash-ordered arrays").</summary>
    private static readonly (Regex Path, string[] Array)[] HashOrdered =
    [
        (new Regex("^/api2/json/access/domains$"), ["data"]),
        (new Regex("^/api2/json/access/groups$"), ["data"]),
        (new Regex("^/api2/json/access/groups/[^/]+$"), ["data", "members"]),
        (new Regex("^/api2/json/access/roles$"), ["data"]),
        (new Regex("^/api2/json/access/users/[^/]+/token$"), ["data"]),
        (new Regex("^/api2/json/access/acl$"), ["data"]),
    ];

    private readonly Dictionary<string, string> _bindings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _now = new(StringComparer.Ordinal);

    public static string GoldenDirectory => Path.Combine(AppContext.BaseDirectory, "TestData", "golden");

    public static IEnumerable<JsonObject> Load(string file) =>
        File.ReadLines(Path.Combine(GoldenDirectory, file)).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject());

    /// <summary>The initial state of the corpus: a fresh node, root@pam with the conformance password.</summary>
    public static EmulatorOptions OptionsFor(string file) => new()
    {
        PveVersion = file == "pve-8.4.jsonl" ? "8.4.1" : "9.2.0",
        RootPassword = "Conformance-Root-1",
        RootEmail = "admin@example.com",
        AuthFailureDelayMs = 0,
    };

    public static async Task<IReadOnlyList<ExchangeOutcome>> RunAsync(string file)
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync(OptionsFor(file));
        var replay = new GoldenReplay();
        var outcomes = new List<ExchangeOutcome>();
        foreach (JsonObject record in Load(file))
        {
            outcomes.Add(await replay.ExchangeAsync(host.Url, file, record));
        }
        return outcomes;
    }

    private async Task<ExchangeOutcome> ExchangeAsync(Uri url, string file, JsonObject record)
    {
        int seq = record["seq"]!.GetValue<int>();
        string name = record["name"]!.GetValue<string>();
        JsonObject request = record["request"]!.AsObject();
        JsonObject response = record["response"]!.AsObject();
        string method = request["method"]!.GetValue<string>();
        string target = Substitute(request["target"]!.GetValue<string>());
        var headers = request["headers"]!.AsObject().Select(h => new KeyValuePair<string, string>(h.Key, Substitute(h.Value!.GetValue<string>()))).ToList();
        byte[]? body = BuildBody(method, request);
        string requestText = $"{method} {request["target"]}\n" + string.Join("", request["headers"]!.AsObject().Select(h => $"{h.Key}: {h.Value}\n"))
                             + (request["body"] is JsonNode b ? $"body: {b.ToJsonString()}\n" : request["body_raw"] is JsonNode raw ? $"body_raw: {raw}\n" : "");

        RawResponse actual = await RawHttpsClient.SendAsync(url, method, target, headers, body);

        var mismatches = new List<string>();
        int expectedStatus = response["status"]!.GetValue<int>();
        string expectedReason = response["reason"]!.GetValue<string>();
        string? expectedType = response["headers"]!["content-type"]?.GetValue<string>();
        string expectedConnection = response["headers"]!["connection"]!.GetValue<string>();
        string? actualType = actual.Header("Content-Type");
        string actualConnection = string.Join(", ", actual.HeaderValues("Connection"));
        if (actual.Status != expectedStatus)
        {
            mismatches.Add($"status: expected {expectedStatus}, got {actual.Status}");
        }
        if (actual.Reason != expectedReason)
        {
            mismatches.Add($"reason: expected '{expectedReason}', got '{actual.Reason}'");
        }
        if (actualType != expectedType)
        {
            mismatches.Add($"content-type: expected '{expectedType}', got '{actualType}'");
        }
        if (actualConnection != expectedConnection)
        {
            mismatches.Add($"connection: expected '{expectedConnection}', got '{actualConnection}'");
        }

        JsonNode? actualBody = ParseBody(actual.Body);
        JsonNode? expectedBody = Resolve(response["body"]?.DeepClone());
        string path = request["path"]!.GetValue<string>();
        if (method == "GET")
        {
            foreach ((Regex pattern, string[] array) in HashOrdered)
            {
                if (pattern.IsMatch(path))
                {
                    SortArray(expectedBody, array);
                    SortArray(actualBody, array);
                }
            }
        }
        Match("body", expectedBody, actualBody, mismatches);

        string expectedText = $"{expectedStatus} {expectedReason} | content-type: {expectedType} | connection: {expectedConnection}\n{expectedBody?.ToJsonString() ?? "null"}";
        string actualText = $"{actual.Status} {actual.Reason} | content-type: {actualType} | connection: {actualConnection}\n{actualBody?.ToJsonString() ?? "null"}";
        return new ExchangeOutcome(file, seq, name, requestText, expectedText, actualText, mismatches);
    }

    /// <summary>POST/PUT always carry a body (an empty form when there are no parameters); PATCH sends Content-Length: 0.</summary>
    private byte[]? BuildBody(string method, JsonObject request)
    {
        if (request["body_raw"] is JsonNode raw)
        {
            return Encoding.UTF8.GetBytes(Substitute(raw.GetValue<string>()));
        }
        JsonNode? body = request["body"];
        if (body is null)
        {
            return method is "POST" or "PUT" or "PATCH" ? [] : null;
        }
        if (request["content_type"]?.GetValue<string>() == "application/json")
        {
            return Encoding.UTF8.GetBytes(SubstituteNode(body.DeepClone())!.ToJsonString());
        }
        var form = new StringBuilder();
        foreach ((string key, JsonNode? value) in body.AsObject())
        {
            string text = value is JsonValue v && v.TryGetValue(out string? s) ? s : value?.ToJsonString() ?? "";
            form.Append(form.Length > 0 ? "&" : "").Append(FormEncode(key)).Append('=').Append(FormEncode(Substitute(text)));
        }
        return Encoding.UTF8.GetBytes(form.ToString());
    }

    /// <summary>Every byte except A-Z a-z 0-9 _ . - ~ as %XX, space as '+'.</summary>
    private static string FormEncode(string value) => PercentEncode(value).Replace("%20", "+", StringComparison.Ordinal);

    private static string PercentEncode(string value)
    {
        var sb = new StringBuilder();
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '~')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"<(secret|ticket|csrf):(\d+)(\|pct)?>|<now([+-]\d+)(:int)?>")]
    private static partial Regex PlaceholderRegex();

    /// <summary>Fills request placeholders; `&lt;now±N&gt;` is fixed at its first use.</summary>
    private string Substitute(string text) => PlaceholderRegex().Replace(text, m =>
    {
        if (m.Groups[4].Success)
        {
            return NowValue(m.Groups[4].Value).ToString(CultureInfo.InvariantCulture);
        }
        string key = $"<{m.Groups[1].Value}:{m.Groups[2].Value}>";
        if (!_bindings.TryGetValue(key, out string? value))
        {
            throw new InvalidOperationException($"placeholder {key} is used before the server issued it");
        }
        return m.Groups[3].Success ? PercentEncode(value) : value;
    });

    private JsonNode? SubstituteNode(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, SubstituteNode(p.Value?.DeepClone())))),
        JsonArray a => new JsonArray(a.Select(x => SubstituteNode(x?.DeepClone())).ToArray()),
        JsonValue v when v.TryGetValue(out string? s) => JsonValue.Create(Substitute(s)),
        _ => node,
    };

    private long NowValue(string offset)
    {
        if (!_now.TryGetValue(offset, out long value))
        {
            value = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + long.Parse(offset, CultureInfo.InvariantCulture);
            _now[offset] = value;
        }
        return value;
    }

    /// <summary>Replaces placeholders already bound by their values, so hash-ordered arrays sort alike on both sides.</summary>
    private JsonNode? Resolve(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (string key in o.Select(p => p.Key).ToList())
                {
                    o[key] = Resolve(o[key]?.DeepClone());
                }
                return o;
            case JsonArray a:
                return new JsonArray(a.Select(x => Resolve(x?.DeepClone())).ToArray());
            case JsonValue v when v.TryGetValue(out string? s):
                Match m = PlaceholderRegex().Match(s);
                if (!m.Success || m.Length != s.Length)
                {
                    return node;
                }
                if (m.Groups[4].Success && _now.TryGetValue(m.Groups[4].Value, out long now))
                {
                    return m.Groups[5].Success ? JsonValue.Create(now) : JsonValue.Create(now.ToString(CultureInfo.InvariantCulture));
                }
                if (m.Groups[1].Success && !m.Groups[3].Success && _bindings.TryGetValue(s, out string? bound))
                {
                    return JsonValue.Create(bound);
                }
                return node;
            default:
                return node;
        }
    }

    /// <summary>Walks both values; an unbound placeholder binds to the actual value after a shape check.</summary>
    private void Match(string at, JsonNode? expected, JsonNode? actual, List<string> mismatches)
    {
        if (expected is JsonValue ev && ev.TryGetValue(out string? text))
        {
            if (text == "<repoid>")
            {
                if (actual is not JsonValue av || !av.TryGetValue(out string? _))
                {
                    mismatches.Add($"{at}: expected any string (repoid), got {Show(actual)}");
                }
                return;
            }
            Match m = PlaceholderRegex().Match(text);
            if (m.Success && m.Length == text.Length && m.Groups[1].Success && !_bindings.ContainsKey(text))
            {
                string? value = actual is JsonValue v && v.TryGetValue(out string? s) ? s : null;
                string shape = m.Groups[1].Value switch
                {
                    "secret" => "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                    "ticket" => @"^PVE:[^:]+:[0-9A-F]{8}::\S+$",
                    _ => "^[0-9A-F]{8}:[A-Za-z0-9+/]{43}$",
                };
                if (value is null || !Regex.IsMatch(value, shape))
                {
                    mismatches.Add($"{at}: expected a value for {text} matching {shape}, got {Show(actual)}");
                    return;
                }
                _bindings[text] = value;
                return;
            }
        }
        switch (expected)
        {
            case JsonObject eo when actual is JsonObject ao:
                foreach (string key in eo.Select(p => p.Key).Union(ao.Select(p => p.Key)))
                {
                    if (!eo.ContainsKey(key))
                    {
                        mismatches.Add($"{at}.{key}: unexpected, got {Show(ao[key])}");
                    }
                    else if (!ao.ContainsKey(key))
                    {
                        mismatches.Add($"{at}.{key}: missing, expected {Show(eo[key])}");
                    }
                    else
                    {
                        Match($"{at}.{key}", eo[key], ao[key], mismatches);
                    }
                }
                return;
            case JsonArray ea when actual is JsonArray aa:
                if (ea.Count != aa.Count)
                {
                    mismatches.Add($"{at}: expected {ea.Count} elements, got {aa.Count}: {Show(aa)}");
                    return;
                }
                for (int i = 0; i < ea.Count; i++)
                {
                    Match($"{at}[{i}]", ea[i], aa[i], mismatches);
                }
                return;
            default:
                if (!JsonNode.DeepEquals(expected, actual))
                {
                    mismatches.Add($"{at}: expected {Show(expected)}, got {Show(actual)}");
                }
                return;
        }
    }

    private static string Show(JsonNode? node) => node?.ToJsonString() ?? "null";

    /// <summary>JSON, `{"_text": …}` for any other body, null for an empty one (README "response.body").</summary>
    private static JsonNode? ParseBody(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return new JsonObject { ["_text"] = Encoding.UTF8.GetString(body) };
        }
    }

    private static void SortArray(JsonNode? root, string[] path)
    {
        JsonNode? node = root;
        foreach (string key in path)
        {
            node = node is JsonObject o ? o[key] : null;
        }
        if (node is JsonArray array)
        {
            List<JsonNode?> items = array.Select(x => x?.DeepClone()).OrderBy(Canonical, StringComparer.Ordinal).ToList();
            array.Clear();
            foreach (JsonNode? item in items)
            {
                array.Add(item);
            }
        }
    }

    /// <summary>JSON text with object keys sorted, for ordering hash-ordered arrays.</summary>
    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => JsonSerializer.Serialize(p.Key) + ":" + Canonical(p.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        _ => node?.ToJsonString() ?? "null",
    };
}
