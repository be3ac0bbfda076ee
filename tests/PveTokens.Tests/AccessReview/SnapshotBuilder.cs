using PveEmulator.Model;
using PveTokens.Access;

namespace PveTokens.Tests.AccessReview;

/// <summary>Builds <see cref="PermissionSnapshot"/>s by hand for the rule tests: PVE 9.2's built-in roles plus custom ones.</summary>
internal sealed class SnapshotBuilder
{
    public const long Now = 1_800_000_000;

    private readonly List<AccessUser> _users = new();
    private readonly List<AccessAclEntry> _acl = new();
    private readonly List<AccessRole> _roles = Privileges.BuiltInRoles(PveVersion.Parse("9.2.0"))
        .Select(r => new AccessRole(r.Key, r.Value)).ToList();

    public SnapshotBuilder User(string userId, string[]? groups = null, bool enabled = true, long expire = 0, params AccessToken[] tokens)
    {
        _users.Add(new AccessUser(userId, enabled, expire, groups ?? Array.Empty<string>(), tokens));
        return this;
    }

    public static AccessToken Token(string name, bool privsep = true, long expire = 0) => new(name, privsep, expire);

    public SnapshotBuilder Acl(string path, string role, string? user = null, string? group = null, string? token = null, bool propagate = true)
    {
        (AclPrincipalKind kind, string id) = user is not null ? (AclPrincipalKind.User, user)
            : group is not null ? (AclPrincipalKind.Group, group)
            : (AclPrincipalKind.Token, token!);
        _acl.Add(new AccessAclEntry(path, kind, id, role, propagate));
        return this;
    }

    public SnapshotBuilder Role(string roleId, params string[] privileges)
    {
        _roles.Add(new AccessRole(roleId, privileges));
        return this;
    }

    public PermissionSnapshot Build() => new(_users, _acl, _roles, Now);

    public PermissionEvaluator Evaluator() => new(Build());

    /// <summary>PVE 9.2's privileges of a built-in role, sorted.</summary>
    public static string[] RolePrivileges(string roleId) =>
        Privileges.BuiltInRoles(PveVersion.Parse("9.2.0"))[roleId].OrderBy(p => p, StringComparer.Ordinal).ToArray();
}
