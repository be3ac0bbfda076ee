// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using PveTokens.Models;

namespace PveTokens.Access;

/// <summary>The kind of principal an ACL entry names (PVE's <c>type</c> of <c>GET /access/acl</c>).</summary>
internal enum AclPrincipalKind
{
    User,
    Group,
    Token,
}

/// <summary>One API token of a user, as <c>GET /access/users?full=1</c> lists it.</summary>
internal sealed class AccessToken
{
    internal AccessToken(string tokenName, bool privilegeSeparation, long expire)
    {
        TokenName = tokenName;
        PrivilegeSeparation = privilegeSeparation;
        Expire = expire;
    }

    /// <summary>The short token id (the part after '!').</summary>
    internal string TokenName { get; }

    internal bool PrivilegeSeparation { get; }

    /// <summary>Epoch seconds, 0 = never.</summary>
    internal long Expire { get; }
}

/// <summary>One user of <c>GET /access/users?full=1</c>: state, group memberships and tokens.</summary>
internal sealed class AccessUser
{
    internal AccessUser(string userId, bool enabled, long expire, IEnumerable<string> groups, IEnumerable<AccessToken> tokens)
    {
        UserId = userId;
        Enabled = enabled;
        Expire = expire;
        Groups = groups.Distinct(StringComparer.Ordinal).OrderBy(g => g, StringComparer.Ordinal).ToArray();
        Tokens = tokens.ToArray();
    }

    internal string UserId { get; }

    internal bool Enabled { get; }

    /// <summary>Epoch seconds, 0 = never.</summary>
    internal long Expire { get; }

    /// <summary>Group names, sorted.</summary>
    internal IReadOnlyList<string> Groups { get; }

    internal IReadOnlyList<AccessToken> Tokens { get; }
}

/// <summary>One entry of <c>GET /access/acl</c>.</summary>
internal sealed class AccessAclEntry
{
    internal AccessAclEntry(string path, AclPrincipalKind kind, string principal, string role, bool propagate)
    {
        Path = path;
        Kind = kind;
        Principal = principal;
        Role = role;
        Propagate = propagate;
    }

    /// <summary>The normalised path as PVE lists it.</summary>
    internal string Path { get; }

    internal AclPrincipalKind Kind { get; }

    /// <summary>PVE's <c>ugid</c>: user id, group name (without '@') or full token id.</summary>
    internal string Principal { get; }

    internal string Role { get; }

    internal bool Propagate { get; }
}

/// <summary>One role of <c>GET /access/roles</c>.</summary>
internal sealed class AccessRole
{
    internal AccessRole(string roleId, IEnumerable<string> privileges)
    {
        RoleId = roleId;
        Privileges = privileges.Distinct(StringComparer.Ordinal).ToArray();
    }

    internal string RoleId { get; }

    internal IReadOnlyList<string> Privileges { get; }
}

/// <summary>
/// Everything PVE's permission rules read, from a fixed set of requests: the users listing with
/// groups and tokens, the ACL and the roles (built-in and custom); plus the moment "now" against
/// which expiry is judged. Pools are not part of it (see <see cref="PermissionEvaluator"/>).
/// </summary>
internal sealed class PermissionSnapshot
{
    internal PermissionSnapshot(IEnumerable<AccessUser> users, IEnumerable<AccessAclEntry> acl, IEnumerable<AccessRole> roles, long now)
    {
        Users = users.ToArray();
        Acl = acl.ToArray();
        Roles = roles.ToArray();
        Now = now;
    }

    /// <summary>
    /// The snapshot of the records the three listings hold, judged at <paramref name="now"/>, with
    /// PVE's defaults for what a token leaves out: no <c>privsep</c> is privilege-separated, no
    /// <c>expire</c> never expires. A token without an id is skipped.
    /// </summary>
    internal static PermissionSnapshot From(IEnumerable<PveUserFields> users, IEnumerable<AclEntry> acl, IEnumerable<PveRoleFields> roles, long now) =>
        new(users.Select(u => new AccessUser(u.UserId, u.Enabled, u.Expire, u.Groups,
                u.Tokens.Where(t => !string.IsNullOrEmpty(t.TokenId))
                    .Select(t => new AccessToken(t.TokenId!, t.PrivilegeSeparation ?? true, t.Expire ?? 0)))),
            acl.Select(e => new AccessAclEntry(e.Path, e.Type switch
            {
                PveAclPrincipalType.Group => AclPrincipalKind.Group,
                PveAclPrincipalType.Token => AclPrincipalKind.Token,
                _ => AclPrincipalKind.User,
            }, e.Principal, e.Role, e.Propagate)),
            roles.Select(r => new AccessRole(r.RoleId, r.Privileges)),
            now);

    internal IReadOnlyList<AccessUser> Users { get; }

    internal IReadOnlyList<AccessAclEntry> Acl { get; }

    internal IReadOnlyList<AccessRole> Roles { get; }

    /// <summary>Epoch seconds at which expiry is judged.</summary>
    internal long Now { get; }
}
