// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using PveTokens.Models;

namespace PveTokens.Access;

/// <summary>One entry of <c>GET /access/acl</c>: <c>{path, type, ugid, roleid, propagate}</c>.</summary>
internal sealed class AclEntry
{
    internal AclEntry(string path, PveAclPrincipalType type, string principal, string role, bool propagate)
    {
        Path = path;
        Type = type;
        Principal = principal;
        Role = role;
        Propagate = propagate;
    }

    /// <summary>The normalised path.</summary>
    internal string Path { get; }

    internal PveAclPrincipalType Type { get; }

    /// <summary>PVE's <c>ugid</c>: user id, group name or full token id.</summary>
    internal string Principal { get; }

    /// <summary>PVE's <c>roleid</c>.</summary>
    internal string Role { get; }

    internal bool Propagate { get; }

    /// <summary>Whether this entry is for the same path, principal and role (propagate aside).</summary>
    internal bool SameGrant(string path, PveAclPrincipalType type, string principal, string role) =>
        Type == type &&
        string.Equals(Path, path, System.StringComparison.Ordinal) &&
        string.Equals(Principal, principal, System.StringComparison.Ordinal) &&
        string.Equals(Role, role, System.StringComparison.Ordinal);

    public override string ToString() => $"{Path} {Type}:{Principal} {Role} propagate={(Propagate ? 1 : 0)}";
}
