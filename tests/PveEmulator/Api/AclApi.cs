using PveEmulator.Access;
using PveEmulator.Model;
using PveEmulator.Transport;

namespace PveEmulator.Api;

/// <summary>/access/acl (API2/ACL.pm; api.md §6).</summary>
internal static class AclApi
{
    public static IEnumerable<ApiMethod> Methods() =>
    [
        new("GET", "/access/acl", [], ApiPermission.Anyone, List),
        new("PUT", "/access/acl",
            [
                ParamDef.Str("path", optional: false),
                ParamDef.Str("roles", optional: false, format: "pve-roleid-list"),
                ParamDef.Str("users", format: "pve-userid-list"),
                ParamDef.Str("groups", format: "pve-groupid-list"),
                ParamDef.Str("tokens", format: "pve-tokenid-list"),
                ParamDef.Bool("propagate"),
                ParamDef.Bool("delete"),
            ],
            new PermModifyCheck("path"), Update, Protected: true),
    ];

    /// <summary>Tree order; only paths where the caller has Sys.Audit on /access or passes perm-modify.</summary>
    private static JsonData List(ApiCall call)
    {
        bool audit = call.Permissions.Check(call.AuthId, "/access", ["Sys.Audit"], noerr: true);
        return w =>
        {
            w.WriteStartArray();
            foreach ((string path, AclNode node) in call.State.AclTree())
            {
                if (!node.HasEntries || !(audit || call.Permissions.CheckPermModify(call.AuthId, path, noerr: true)))
                {
                    continue;
                }
                foreach (AclKind kind in Enum.GetValues<AclKind>())
                {
                    foreach ((string ugid, Dictionary<string, bool> roles) in node.Of(kind))
                    {
                        foreach ((string role, bool propagate) in roles)
                        {
                            w.WriteStartObject();
                            w.WriteString("path", path);
                            w.WriteString("type", kind.ToString().ToLowerInvariant());
                            w.WriteString("ugid", ugid);
                            w.WriteString("roleid", role);
                            Json.Bool(w, "propagate", propagate);
                            w.WriteEndObject();
                        }
                    }
                }
            }
            w.WriteEndArray();
        };
    }

    /// <summary>
    /// Adds or (delete=1) removes each role for each principal. Callers without Permissions.Modify
    /// on the path (perm-modify let them in via VM.Allocate &amp; co.) may only hand out roles whose
    /// privileges they hold themselves — propagated ones when propagating — and never NoAccess.
    /// All checks run before anything changes, as PVE writes user.cfg only at the end.
    /// </summary>
    private static JsonData? Update(ApiCall call)
    {
        string[] users = Identifiers.SplitList(call.Get("users"));
        string[] groups = Identifiers.SplitList(call.Get("groups"));
        string[] tokens = Identifiers.SplitList(call.Get("tokens"));
        if (call.Get("users") is not { Length: > 0 } && call.Get("groups") is not { Length: > 0 } && call.Get("tokens") is not { Length: > 0 })
        {
            const string Required = "either 'users', 'groups' or 'tokens' is required.";
            throw ApiException.Param(new Dictionary<string, string> { ["users"] = Required, ["groups"] = Required, ["tokens"] = Required });
        }
        string given = call.Get("path")!;
        bool delete = call.Flag("delete");
        string path = Identifiers.NormalizeAclPath(given) ?? throw ApiException.Param("path", $"invalid ACL path '{given}'");
        // delete=1 skips check_path, so entries on paths that are no longer valid can be removed.
        if (!delete && !Identifiers.IsValidAclPath(path, call.Version))
        {
            throw ApiException.Param("path", $"invalid ACL path '{given}'");
        }
        bool propagate = !call.Has("propagate") || call.Flag("propagate");
        EmulatorState state = call.State;
        ApiException.InLock("ACL update failed", () =>
        {
            Dictionary<string, bool> callerPrivs = call.Permissions.Permissions(call.AuthId, path);
            string[] roles = Identifiers.SplitList(call.Get("roles"));
            foreach (string roleId in roles)
            {
                if (!state.Roles.TryGetValue(roleId, out Role? role))
                {
                    throw ApiException.Die($"role '{roleId}' does not exist");
                }
                if (!callerPrivs.ContainsKey("Permissions.Modify"))
                {
                    CheckSubset(role, callerPrivs, delete ? "remove" : "add", propagate);
                }
                foreach (string g in groups)
                {
                    if (!state.Groups.ContainsKey(g))
                    {
                        throw ApiException.Die($"group '{g}' does not exist");
                    }
                }
                foreach (string u in users)
                {
                    if (!state.Users.ContainsKey(u))
                    {
                        throw ApiException.Die($"user '{u}' does not exist");
                    }
                }
                foreach (string t in tokens)
                {
                    (string owner, string tokenId) = Identifiers.SplitTokenId(t)!.Value;
                    User user = UsersApi.ExistingUser(state, owner);
                    if (!user.Tokens.ContainsKey(tokenId))
                    {
                        throw ApiException.Die($"no such token '{tokenId}' for user '{owner}'");
                    }
                }
            }
            foreach (string roleId in roles)
            {
                foreach ((AclKind kind, string[] ids) in new[] { (AclKind.Group, groups), (AclKind.User, users), (AclKind.Token, tokens) })
                {
                    foreach (string id in ids)
                    {
                        if (delete)
                        {
                            state.RemoveAcl(path, kind, id, roleId);
                        }
                        else
                        {
                            state.SetAcl(path, kind, id, roleId, propagate);
                        }
                    }
                }
            }
        });
        return null;
    }

    private static void CheckSubset(Role role, Dictionary<string, bool> callerPrivs, string verb, bool propagate)
    {
        foreach (string priv in role.Privileges)
        {
            if (!callerPrivs.TryGetValue(priv, out bool callerPropagates))
            {
                throw ApiException.Param("role", $"Cannot {verb} role '{role.Id}' - requires 'Permissions.Modify' or superset of privileges.");
            }
            if (propagate && !callerPropagates)
            {
                throw ApiException.Param("role", $"Cannot {verb} role '{role.Id}' with propagation - requires 'Permissions.Modify' or propagated superset of privileges.");
            }
        }
        if (role.Id == "NoAccess")
        {
            throw ApiException.Param("role", $"Cannot {verb} role 'NoAccess' - requires 'Permissions.Modify'");
        }
    }
}
