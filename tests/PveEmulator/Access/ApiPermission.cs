using PveEmulator.Model;
using PveEmulator.Transport;

namespace PveEmulator.Access;

/// <summary>
/// A method's `permissions` block, evaluated like RPCEnvironment.pm `check_api2_permissions` /
/// `exec_api2_perm_check`. With <c>noerr</c> a failing check returns false instead of raising.
/// </summary>
internal abstract record ApiPermission
{
    /// <summary>`user => 'world'` (no authentication) and `user => 'all'` (any authenticated caller).</summary>
    public static readonly ApiPermission Anyone = new AnyoneCheck();

    /// <summary>A method without a permissions block: root@pam only.</summary>
    public static readonly ApiPermission RootOnly = new RootOnlyCheck();

    public abstract bool Evaluate(PermissionEngine engine, EmulatorState state, string authId, IReadOnlyDictionary<string, string> param, bool noerr);

    /// <summary>root@pam bypasses every check.</summary>
    public void Enforce(PermissionEngine engine, EmulatorState state, string authId, IReadOnlyDictionary<string, string> param)
    {
        if (authId != EmulatorState.RootUser)
        {
            Evaluate(engine, state, authId, param, noerr: false);
        }
    }

    private sealed record AnyoneCheck : ApiPermission
    {
        public override bool Evaluate(PermissionEngine engine, EmulatorState state, string authId, IReadOnlyDictionary<string, string> param, bool noerr) => true;
    }

    private sealed record RootOnlyCheck : ApiPermission
    {
        public override bool Evaluate(PermissionEngine engine, EmulatorState state, string authId, IReadOnlyDictionary<string, string> param, bool noerr) =>
            authId == EmulatorState.RootUser || (noerr ? false : throw ApiException.Permission("user != root@pam"));
    }
}

/// <summary>`['perm', path, [privs], any => 1?]`; {param} placeholders in the path are filled from the parameters.</summary>
internal sealed record PermCheck(string PathTemplate, string[] Privs, bool Any = false) : ApiPermission
{
    public override bool Evaluate(PermissionEngine engine, EmulatorState state, string authId, IReadOnlyDictionary<string, string> param, bool noerr)
    {
        string path = PathTemplate;
        foreach ((string k, string v) in param)
        {
            path = path.Replace("{" + k + "}", v, StringComparison.Ordinal);
        }
        path = Identifiers.NormalizeAclPath(path) ?? "/";
        return Any ? engine.CheckAny(authId, path, Privs, noerr) : engine.Check(authId, path, Privs, noerr);
    }
}

/// <summary>`['perm-modify', '{path}']`.</summary>
internal sealed record PermModifyCheck(string PathParam) : ApiPermission
{
    public override bool Evaluate(PermissionEngine engine, EmulatorState state, string authId, IReadOnlyDictionary<string, string> param, bool noerr)
    {
        string path = Identifiers.NormalizeAclPath(param.GetValueOrDefault(PathParam)) ?? "/";
        return engine.CheckPermModify(authId, path, noerr);
    }
}

/// <summary>`['userid-param', 'self']`: the caller is {userid} — never true for a token.</summary>
internal sealed record UserIdSelfCheck : ApiPermission
{
    public override bool Evaluate(PermissionEngine engine, EmulatorState state, string authId, IReadOnlyDictionary<string, string> param, bool noerr)
    {
        string userId = param.GetValueOrDefault("userid") ?? "";
        if (!UserIdGroupCheck.UserExists(state, userId, noerr))
        {
            return false;
        }
        return authId == userId || (noerr ? false : throw ApiException.Permission());
    }
}

/// <summary>`['userid-param', 'Realm.AllocateUser']`: Realm.AllocateUser on /access/realm/&lt;realm of userid&gt;.</summary>
internal sealed record UserIdRealmCheck : ApiPermission
{
    public override bool Evaluate(PermissionEngine engine, EmulatorState state, string authId, IReadOnlyDictionary<string, string> param, bool noerr)
    {
        string userId = param.GetValueOrDefault("userid") ?? "";
        return engine.Check(authId, "/access/realm/" + Identifiers.RealmOf(userId), ["Realm.AllocateUser"], noerr);
    }
}

/// <summary>
/// `['userid-group', [privs], groups_param => create|update]`: any of the privileges on
/// /access/groups, or on a group {userid} belongs to (and, with groups_param, on every group named
/// in `groups`). The target user must exist unless it is being created.
/// </summary>
internal sealed record UserIdGroupCheck(string[] Privs, string? GroupsParam = null) : ApiPermission
{
    public override bool Evaluate(PermissionEngine engine, EmulatorState state, string authId, IReadOnlyDictionary<string, string> param, bool noerr)
    {
        string userId = param.GetValueOrDefault("userid") ?? "";
        if (GroupsParam != "create" && !UserExists(state, userId, noerr))
        {
            return false;
        }
        if (engine.CheckAny(authId, "/access/groups", Privs, noerr: true))
        {
            return true;
        }
        HashSet<string> groups = engine.FilterGroups(authId, Privs);
        if (GroupsParam is not null)
        {
            string[] named = Identifiers.SplitList(param.GetValueOrDefault("groups"));
            if (named.Length == 0 && GroupsParam == "create")
            {
                return noerr ? false : throw ApiException.Permission("/access/groups, " + string.Join('|', Privs));
            }
            foreach (string g in named)
            {
                if (!groups.Contains(g))
                {
                    return noerr ? false : throw ApiException.Permission($"/access/groups/{g}, " + string.Join('|', Privs));
                }
            }
        }
        if (GroupsParam is null or "update" && !engine.GroupMembers(groups).Contains(userId))
        {
            return noerr ? false : throw ApiException.Permission();
        }
        return true;
    }

    /// <summary>`check_user_exist`: without noerr a missing user is a 500 "no such user".</summary>
    internal static bool UserExists(EmulatorState state, string userId, bool noerr) =>
        state.Users.ContainsKey(userId) || (noerr ? false : throw ApiException.Die($"no such user ('{userId}')"));
}

internal sealed record OrCheck(params ApiPermission[] Checks) : ApiPermission
{
    public override bool Evaluate(PermissionEngine engine, EmulatorState state, string authId, IReadOnlyDictionary<string, string> param, bool noerr) =>
        Checks.Any(c => c.Evaluate(engine, state, authId, param, noerr: true)) || (noerr ? false : throw ApiException.Permission());
}

internal sealed record AndCheck(params ApiPermission[] Checks) : ApiPermission
{
    public override bool Evaluate(PermissionEngine engine, EmulatorState state, string authId, IReadOnlyDictionary<string, string> param, bool noerr) =>
        Checks.All(c => c.Evaluate(engine, state, authId, param, noerr));
}
