using PveEmulator.Access;
using PveEmulator.Transport;

namespace PveEmulator.Api;

/// <summary>GET /access/permissions (API2/AccessControl.pm `permissions`; api.md §8).</summary>
internal static class PermissionsApi
{
    private const string UserIdOrTokenPattern =
        Identifiers.UserPartPattern + "@" + Identifiers.RealmPattern + "(?:!" + Identifiers.TokenSubIdPattern + ")?";

    public static IEnumerable<ApiMethod> Methods() =>
    [
        new("GET", "/access/permissions", [ParamDef.Str("userid", pattern: UserIdOrTokenPattern), ParamDef.Str("path")],
            ApiPermission.Anyone, Read),
    ];

    /// <summary>
    /// Anyone may read their own permissions and those of their own tokens (since access-control
    /// 8.2.0); anything else needs Sys.Audit on /access. A token asking about its owner is not "self".
    /// </summary>
    private static JsonData Read(ApiCall call)
    {
        string userId = call.Get("userid") ?? call.AuthId;
        if (call.Has("userid"))
        {
            bool self = userId == call.AuthId;
            bool ownToken = Identifiers.SplitTokenId(userId) is var (owner, _) && owner == call.AuthId;
            if (!self && !ownToken)
            {
                call.Permissions.Check(call.AuthId, "/access", ["Sys.Audit"]);
            }
        }
        if (call.Get("path") is { Length: > 0 } path && path != "0")
        {
            Dictionary<string, bool> perms = call.Permissions.Permissions(userId, path);
            return w =>
            {
                w.WriteStartObject();
                WritePrivileges(w, path, perms);
                w.WriteEndObject();
            };
        }
        SortedDictionary<string, Dictionary<string, bool>> all = call.Permissions.EffectivePermissions(userId);
        return w =>
        {
            w.WriteStartObject();
            foreach ((string p, Dictionary<string, bool> perms) in all)
            {
                WritePrivileges(w, p, perms);
            }
            w.WriteEndObject();
        };
    }

    private static void WritePrivileges(System.Text.Json.Utf8JsonWriter w, string path, Dictionary<string, bool> perms)
    {
        w.WriteStartObject(path);
        foreach ((string priv, bool propagate) in perms.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Json.Bool(w, priv, propagate);
        }
        w.WriteEndObject();
    }
}
