// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;

namespace PveTokens.Access;

/// <summary>A user or an API token, with whether it can authenticate at all.</summary>
internal sealed class AccessPrincipal
{
    internal AccessPrincipal(string id, string userId, AccessToken? token, IReadOnlyList<string> groups, string? unusableReason)
    {
        Id = id;
        UserId = userId;
        Token = token;
        Groups = groups;
        UnusableReason = unusableReason;
    }

    /// <summary>The user id, or the full token id <c>USER@REALM!TOKENID</c>.</summary>
    internal string Id { get; }

    /// <summary>The user, or the user that owns the token.</summary>
    internal string UserId { get; }

    /// <summary>The token, or null for a user.</summary>
    internal AccessToken? Token { get; }

    internal bool IsToken => Token is not null;

    /// <summary>The groups of the user (of the owner, for a token; PVE never puts a token in a group).</summary>
    internal IReadOnlyList<string> Groups { get; }

    /// <summary>
    /// Why PVE refuses this principal's logins and requests (disabled or expired user, expired
    /// token), or null. Its rights stay on paper: PVE computes them all the same.
    /// </summary>
    internal string? UnusableReason { get; }

    internal bool Usable => UnusableReason is null;

    public override string ToString() => Id;
}

/// <summary>How a privilege reaches a principal.</summary>
internal enum AccessVia
{
    /// <summary>An ACL entry naming the principal itself.</summary>
    Direct,

    /// <summary>ACL entries naming groups the user belongs to.</summary>
    Group,

    /// <summary>A token without privilege separation: exactly its owner's rights.</summary>
    Owner,

    /// <summary>A privilege-separated token: its own entries intersected with its owner's rights.</summary>
    TokenIntersection,

    /// <summary>root@pam, which holds every privilege everywhere without any ACL entry.</summary>
    Superuser,
}

/// <summary>One ACL entry behind a privilege: its role and, for a group entry, the group.</summary>
internal sealed class GrantEntry
{
    internal GrantEntry(string role, string? group, bool propagate)
    {
        Role = role;
        Group = group;
        Propagate = propagate;
    }

    internal string Role { get; }

    /// <summary>The group the entry names, or null for an entry naming the principal itself.</summary>
    internal string? Group { get; }

    /// <summary>The entry's propagate flag.</summary>
    internal bool Propagate { get; }
}

/// <summary>
/// The ACL entries one side of a computation takes a privilege from. They always share one path:
/// PVE lets the deepest level that has applicable entries replace everything above it.
/// </summary>
internal sealed class GrantSource
{
    internal static readonly GrantSource Superuser = new(null, Array.Empty<GrantEntry>());

    internal GrantSource(string? entryPath, IReadOnlyList<GrantEntry> entries)
    {
        EntryPath = entryPath;
        Entries = entries;
    }

    /// <summary>The path the entries are on; null for root@pam, which needs none.</summary>
    internal string? EntryPath { get; }

    /// <summary>The entries whose roles contain the privilege (sorted by group, then role).</summary>
    internal IReadOnlyList<GrantEntry> Entries { get; }

    internal bool IsSuperuser => EntryPath is null;

    // One source serves every path its level decides: a report writes its text thousands of times.
    private string? _roles;
    private string? _groups;
    private string? _summary;

    /// <summary>The roles, distinct and sorted, comma-separated.</summary>
    internal string Roles => _roles ??= string.Join(", ", Entries.Select(e => e.Role).Distinct().OrderBy(r => r, StringComparer.Ordinal));

    /// <summary>The groups, comma-separated; null when the entries name the principal itself.</summary>
    internal string? Groups => Entries.Any(e => e.Group is not null)
        ? _groups ??= string.Join(", ", Entries.Select(e => e.Group).Distinct())
        : null;

    /// <summary>"/ PVEAuditor (@ops), PVEVMUser (@dev)": the path, then each entry's role and group.</summary>
    internal string Summary => _summary ??= IsSuperuser
        ? "root@pam: every privilege"
        : EntryPath + " " + string.Join(", ", Entries.Select(e => e.Group is null ? e.Role : $"{e.Role} (@{e.Group})"));
}

/// <summary>One privilege a principal holds on a path, with its propagate flag and where it comes from.</summary>
internal readonly struct PrivilegeGrant
{
    internal PrivilegeGrant(string privilege, bool propagate, AccessVia via, GrantSource source, GrantSource? ownerSource)
    {
        Privilege = privilege;
        Propagate = propagate;
        Via = via;
        Source = source;
        OwnerSource = ownerSource;
    }

    internal string Privilege { get; }

    /// <summary>PVE's propagate flag of the privilege (for a privilege-separated token: token AND owner).</summary>
    internal bool Propagate { get; }

    internal AccessVia Via { get; }

    /// <summary>
    /// The entries the principal's own computation takes the privilege from: the user's entries, the
    /// separated token's own entries, or (<see cref="AccessVia.Owner"/>) the owner's entries.
    /// </summary>
    internal GrantSource Source { get; }

    /// <summary>For <see cref="AccessVia.TokenIntersection"/>: the owner's entries the token's privilege is intersected with.</summary>
    internal GrantSource? OwnerSource { get; }
}
