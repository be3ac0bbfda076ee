// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Collections.Generic;

namespace PveTokens.Access;

/// <summary>A group of <c>GET /access/groups</c>.</summary>
internal sealed class PveGroupFields
{
    internal PveGroupFields(string groupId, string? comment, IReadOnlyList<string> members)
    {
        GroupId = groupId;
        Comment = comment;
        Members = members;
    }

    internal string GroupId { get; }

    internal string? Comment { get; }

    internal IReadOnlyList<string> Members { get; }
}

/// <summary>
/// One role of <c>GET /access/roles</c>: the one role record, which the client reads and the
/// cmdlets, completers and access rules use.
/// </summary>
internal sealed class PveRoleFields
{
    internal PveRoleFields(string roleId, IReadOnlyList<string> privileges, bool special)
    {
        RoleId = roleId;
        Privileges = privileges;
        Special = special;
    }

    internal string RoleId { get; }

    /// <summary>Privilege names, sorted and distinct (empty for NoAccess).</summary>
    internal IReadOnlyList<string> Privileges { get; }

    /// <summary>PVE's <c>special</c>: a built-in role that cannot be changed.</summary>
    internal bool Special { get; }
}

/// <summary>
/// The access configuration of one server as a fixed number of reads sees it (users with groups
/// and tokens, groups, roles, ACL), whatever its size: what the policy planner and export work from.
/// </summary>
internal sealed class AccessSnapshot
{
    internal AccessSnapshot(IReadOnlyList<PveUserFields> users, IReadOnlyList<PveGroupFields> groups, IReadOnlyList<PveRoleFields> roles,
        IReadOnlyList<AclEntry> acl)
    {
        Users = users;
        Groups = groups;
        Roles = roles;
        Acl = acl;
    }

    internal IReadOnlyList<PveUserFields> Users { get; }

    internal IReadOnlyList<PveGroupFields> Groups { get; }

    internal IReadOnlyList<PveRoleFields> Roles { get; }

    internal IReadOnlyList<AclEntry> Acl { get; }
}
