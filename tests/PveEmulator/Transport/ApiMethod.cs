using System.Text.Json;
using PveEmulator.Access;
using PveEmulator.Auth;
using PveEmulator.Model;

namespace PveEmulator.Transport;

/// <summary>Writes a method's result (the value of `data`).</summary>
internal delegate void JsonData(Utf8JsonWriter writer);

/// <summary>
/// One API method as RESTHandler registers it: path template ({name} components are parameters),
/// parameter schema, `protected` (pveproxy hands it to pvedaemon), `allowtoken`, permissions.
/// </summary>
internal sealed record ApiMethod(
    string Method,
    string PathTemplate,
    ParamDef[] Parameters,
    ApiPermission Permission,
    Func<ApiCall, JsonData?> Handler,
    bool Protected = false,
    bool AllowToken = true)
{
    public string[] Components { get; } = PathTemplate.Split('/', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Everything a handler sees. Handlers run while the state lock is held.</summary>
internal sealed class ApiCall(EmulatorState state, PermissionEngine permissions, TicketService tickets, Authenticator authenticator,
                              string authId, Dictionary<string, string> parameters)
{
    public EmulatorState State { get; } = state;
    public PermissionEngine Permissions { get; } = permissions;
    public TicketService Tickets { get; } = tickets;
    public Authenticator Authenticator { get; } = authenticator;
    public PveVersion Version => State.Version;

    /// <summary>The authenticated user or full token id; "" for methods that need no authentication.</summary>
    public string AuthId { get; } = authId;

    /// <summary>Validated parameters, every value a string (RESTHandler untaints them).</summary>
    public Dictionary<string, string> Params { get; } = parameters;

    public string? Get(string name) => Params.GetValueOrDefault(name);

    public bool Has(string name) => Params.ContainsKey(name);

    /// <summary>Perl truthiness of a boolean parameter ("1" true; "0", "" or absent false).</summary>
    public bool Flag(string name) => Params.GetValueOrDefault(name) == "1";
}

/// <summary>RESTHandler `find_handler`: components split on '/+'; a {param} matches any text without whitespace.</summary>
internal sealed class Router
{
    private readonly List<ApiMethod> _endpoints = [];

    public void Add(ApiMethod endpoint) => _endpoints.Add(endpoint);

    public void AddRange(IEnumerable<ApiMethod> endpoints) => _endpoints.AddRange(endpoints);

    public (ApiMethod ApiMethod, Dictionary<string, string> PathParams)? Find(string method, string relativeUri)
    {
        string[] parts = relativeUri.Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (ApiMethod e in _endpoints)
        {
            if (e.Method != method || e.Components.Length != parts.Length)
            {
                continue;
            }
            Dictionary<string, string>? captured = Match(e.Components, parts);
            if (captured is not null)
            {
                return (e, captured);
            }
        }
        return null;
    }

    private static Dictionary<string, string>? Match(string[] template, string[] parts)
    {
        var captured = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < template.Length; i++)
        {
            string t = template[i];
            if (t.StartsWith('{'))
            {
                if (parts[i].Any(char.IsWhiteSpace))
                {
                    return null;
                }
                captured[t[1..^1]] = parts[i];
            }
            else if (t != parts[i])
            {
                return null;
            }
        }
        return captured;
    }
}
