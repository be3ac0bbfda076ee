using System.Text.Json;

namespace PveEmulator.Model;

/// <summary>
/// Loads a `--seed` file into the state. Vocabulary as the API's:
/// {"users":[{"userid","password","enable","expire","email","comment","groups":[…],"totp"}],
///  "groups":[{"groupid","comment"}], "roles":[{"roleid","privs":[…]}],
///  "tokens":[{"userid","tokenid","secret","privsep","expire","comment"}],
///  "acl":[{"path","roleid","type":"user|group|token","ugid","propagate"}]}.
/// </summary>
internal static class SeedFile
{
    public static void Apply(EmulatorState state, string file)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(file));
        JsonElement root = doc.RootElement;
        foreach (JsonElement g in Items(root, "groups"))
        {
            state.AddGroup(Str(g, "groupid")!, Str(g, "comment"));
        }
        foreach (JsonElement r in Items(root, "roles"))
        {
            state.AddRole(Str(r, "roleid")!, List(r, "privs"));
        }
        foreach (JsonElement u in Items(root, "users"))
        {
            state.AddUser(Str(u, "userid")!, Str(u, "password"), Flag(u, "enable", true), Int(u, "expire"), Str(u, "email"),
                          Str(u, "comment"), List(u, "groups"), Str(u, "totp"));
        }
        foreach (JsonElement t in Items(root, "tokens"))
        {
            state.AddToken(Str(t, "userid")!, Str(t, "tokenid")!, Flag(t, "privsep", true), Int(t, "expire"), Str(t, "comment"), Str(t, "secret"));
        }
        foreach (JsonElement a in Items(root, "acl"))
        {
            string type = Str(a, "type") ?? "user";
            string ugid = Str(a, "ugid")!;
            state.AddAcl(Str(a, "path")!, Str(a, "roleid")!,
                         user: type == "user" ? ugid : null, group: type == "group" ? ugid : null, token: type == "token" ? ugid : null,
                         propagate: Flag(a, "propagate", true));
        }
    }

    private static IEnumerable<JsonElement> Items(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement array) && array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : [];

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) ? v.ValueKind == JsonValueKind.String ? long.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : v.GetInt64() : 0;

    /// <summary>Accepts 0/1, "0"/"1" and true/false.</summary>
    private static bool Flag(JsonElement e, string name, bool fallback) =>
        !e.TryGetProperty(name, out JsonElement v) ? fallback : v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => v.GetInt64() != 0,
            JsonValueKind.String => v.GetString() is not ("0" or ""),
            _ => fallback,
        };

    private static string[] List(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v)
            ? v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString()!).ToArray() : Access.Identifiers.SplitList(v.GetString())
            : [];
}
