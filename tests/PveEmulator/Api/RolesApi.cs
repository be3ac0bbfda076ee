using PveEmulator.Access;
using PveEmulator.Model;
using PveEmulator.Transport;

namespace PveEmulator.Api;

/// <summary>/access/roles (API2/Role.pm; api.md §5.4, §7). Built-in roles are immutable.</summary>
internal static class RolesApi
{
    private static readonly ApiPermission SysModify = new PermCheck("/access", ["Sys.Modify"]);
    private static readonly ParamDef RoleIdParam = ParamDef.Str("roleid", optional: false, format: "pve-roleid");
    private static readonly ParamDef PrivsParam = ParamDef.Str("privs", format: "pve-priv-list");

    public static IEnumerable<ApiMethod> Methods() =>
    [
        new("GET", "/access/roles", [], ApiPermission.Anyone, List),
        new("POST", "/access/roles", [RoleIdParam, PrivsParam], SysModify, Create, Protected: true),
        new("GET", "/access/roles/{roleid}", [RoleIdParam], ApiPermission.Anyone, Read),
        new("PUT", "/access/roles/{roleid}", [RoleIdParam, PrivsParam, ParamDef.Bool("append", requires: "privs")], SysModify, Update, Protected: true),
        new("DELETE", "/access/roles/{roleid}", [RoleIdParam], SysModify, Delete, Protected: true),
    ];

    private static JsonData List(ApiCall call) => w =>
    {
        w.WriteStartArray();
        foreach (Role role in call.State.Roles.Values)
        {
            w.WriteStartObject();
            w.WriteString("roleid", role.Id);
            w.WriteString("privs", string.Join(',', role.Privileges));
            Json.Bool(w, "special", role.Special);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    };

    private static JsonData Read(ApiCall call)
    {
        Role role = Existing(call.State, call.Get("roleid")!);
        return w =>
        {
            w.WriteStartObject();
            foreach (string priv in role.Privileges)
            {
                w.WriteNumber(priv, 1);
            }
            w.WriteEndObject();
        };
    }

    private static JsonData? Create(ApiCall call)
    {
        string id = call.Get("roleid")!;
        if (id.StartsWith("PVE", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiException.Param("roleid", "cannot use role ID starting with the (case-insensitive) 'PVE' namespace");
        }
        ApiException.InLock("create role failed", () =>
        {
            if (call.State.Roles.ContainsKey(id))
            {
                throw ApiException.Die($"role '{id}' already exists");
            }
            call.State.Roles[id] = new Role(id, special: false, Identifiers.SplitList(call.Get("privs")));
        });
        return null;
    }

    /// <summary>Without `append` the privileges are replaced — by nothing when `privs` is absent.</summary>
    private static JsonData? Update(ApiCall call)
    {
        string id = call.Get("roleid")!;
        RejectBuiltIn(call.State, id, "modified");
        ApiException.InLock("update role failed", () =>
        {
            Role role = Existing(call.State, id);
            if (!call.Flag("append"))
            {
                role.Privileges.Clear();
            }
            role.Privileges.UnionWith(Identifiers.SplitList(call.Get("privs")));
        });
        return null;
    }

    /// <summary>ACL entries naming a deleted role vanish (PVE drops them when it parses user.cfg next).</summary>
    private static JsonData? Delete(ApiCall call)
    {
        string id = call.Get("roleid")!;
        RejectBuiltIn(call.State, id, "deleted");
        ApiException.InLock("delete role failed", () => call.State.DeleteRole(Existing(call.State, id).Id));
        return null;
    }

    private static void RejectBuiltIn(EmulatorState state, string id, string verb)
    {
        if (state.Roles.TryGetValue(id, out Role? role) && role.Special)
        {
            throw ApiException.Die($"auto-generated role '{id}' cannot be {verb}");
        }
    }

    private static Role Existing(EmulatorState state, string id) =>
        state.Roles.TryGetValue(id, out Role? role) ? role : throw ApiException.Die($"role '{id}' does not exist");
}
