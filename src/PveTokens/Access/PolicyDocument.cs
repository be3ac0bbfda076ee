// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using PveTokens.Models;

namespace PveTokens.Access;

/// <summary>One problem with a policy file: where it is, what is wrong and how to fix it.</summary>
internal sealed class PolicyError
{
    internal PolicyError(string source, string entry, int line, string message, string fix)
    {
        Source = source;
        Entry = entry;
        Line = line;
        Message = message;
        Fix = fix;
    }

    /// <summary>The file (or "-Scope") the problem is in.</summary>
    internal string Source { get; }

    /// <summary>The entry, e.g. "Tokens[2] (ci@pve!deploy)", or "the file".</summary>
    internal string Entry { get; }

    internal int Line { get; }

    internal string Message { get; }

    internal string Fix { get; }

    public override string ToString() =>
        $"{Source}{(Line > 0 ? ":" + Line : string.Empty)}: {Entry}: {Message} {Fix}";
}

/// <summary>A custom role the policy declares.</summary>
internal sealed class PolicyRole
{
    internal string Id { get; set; } = string.Empty;

    /// <summary>Sorted, distinct.</summary>
    internal IReadOnlyList<string> Privileges { get; set; } = Array.Empty<string>();

    internal string Entry { get; set; } = string.Empty;

    internal int Line { get; set; }
}

/// <summary>A group the policy declares (its members come from <see cref="PolicyUser.Groups"/>).</summary>
internal sealed class PolicyGroup
{
    internal string Id { get; set; } = string.Empty;

    /// <summary>Null or empty: no comment.</summary>
    internal string? Comment { get; set; }

    internal string Entry { get; set; } = string.Empty;

    internal int Line { get; set; }
}

/// <summary>A service account of the pve realm the policy declares.</summary>
internal sealed class PolicyUser
{
    internal string Id { get; set; } = string.Empty;

    internal string? Comment { get; set; }

    internal bool Enabled { get; set; } = true;

    /// <summary>Epoch seconds, 0 = never.</summary>
    internal long Expire { get; set; }

    /// <summary>Sorted, distinct.</summary>
    internal IReadOnlyList<string> Groups { get; set; } = Array.Empty<string>();

    internal string Entry { get; set; } = string.Empty;

    internal int Line { get; set; }
}

/// <summary>An API token the policy declares, with its expiry policy.</summary>
internal sealed class PolicyToken
{
    internal string UserId { get; set; } = string.Empty;

    internal string TokenId { get; set; } = string.Empty;

    internal string FullId => UserId + "!" + TokenId;

    internal string? Comment { get; set; }

    internal bool PrivilegeSeparation { get; set; } = true;

    /// <summary>An absolute expiry (epoch seconds); null with a lifetime or for never.</summary>
    internal long? ExpiresAt { get; set; }

    /// <summary>Seconds a new or rotated secret lives; null = no rotation policy.</summary>
    internal long? Lifetime { get; set; }

    /// <summary>Rotate when less than this many seconds remain.</summary>
    internal long? RenewBefore { get; set; }

    internal string Entry { get; set; } = string.Empty;

    internal int Line { get; set; }
}

/// <summary>One ACL entry (path × principal × role) the policy declares, expanded from an Acl item.</summary>
internal sealed class PolicyAclEntry
{
    internal PolicyAclEntry(string path, PveAclPrincipalType type, string principal, string role, bool propagate, string entry, int line)
    {
        Path = path;
        Type = type;
        Principal = principal;
        Role = role;
        Propagate = propagate;
        Entry = entry;
        Line = line;
    }

    internal string Path { get; }

    internal PveAclPrincipalType Type { get; }

    internal string Principal { get; }

    internal string Role { get; }

    internal bool Propagate { get; }

    internal string Entry { get; }

    internal int Line { get; }
}

/// <summary>
/// What a policy owns: wildcard patterns (<c>*</c>, <c>?</c>) per kind of object. A kind without
/// patterns owns exactly the objects the policy declares. Only owned objects are changed or removed.
/// </summary>
internal sealed class PolicyScope
{
    internal IReadOnlyList<string>? Users { get; set; }

    internal IReadOnlyList<string>? Tokens { get; set; }

    internal IReadOnlyList<string>? Groups { get; set; }

    internal IReadOnlyList<string>? Roles { get; set; }

    internal IReadOnlyList<string>? AclPaths { get; set; }

    /// <summary>Whether <paramref name="value"/> matches one of <paramref name="patterns"/> (case-sensitive, as PVE ids are).</summary>
    internal static bool Matches(IReadOnlyList<string>? patterns, string value) =>
        patterns is not null && patterns.Any(p => Wildcard(p).IsMatch(value));

    private static readonly Dictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    private static Regex Wildcard(string pattern)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(pattern, out Regex? regex))
            {
                string body = Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".");
                Cache[pattern] = regex = new Regex("^" + body + "$", RegexOptions.CultureInvariant | RegexOptions.Singleline);
            }

            return regex;
        }
    }
}

/// <summary>A validated policy: every id checked, nothing duplicated or contradictory.</summary>
internal sealed class PolicyDocument
{
    /// <summary>The only schema version this module reads.</summary>
    internal const int CurrentSchemaVersion = 1;

    internal string Source { get; set; } = string.Empty;

    internal List<PolicyRole> Roles { get; } = new();

    internal List<PolicyUser> Users { get; } = new();

    internal List<PolicyGroup> Groups { get; } = new();

    internal List<PolicyToken> Tokens { get; } = new();

    internal List<PolicyAclEntry> Acl { get; } = new();

    internal PolicyScope Scope { get; set; } = new();

    private HashSet<string>? _declared;

    internal bool OwnsUser(string userId) => Declared("u:" + userId) || PolicyScope.Matches(Scope.Users, userId);

    internal bool OwnsGroup(string groupId) => Declared("g:" + groupId) || PolicyScope.Matches(Scope.Groups, groupId);

    internal bool OwnsRole(string roleId) => Declared("r:" + roleId) || PolicyScope.Matches(Scope.Roles, roleId);

    internal bool OwnsToken(string fullTokenId) => Declared("t:" + fullTokenId) || PolicyScope.Matches(Scope.Tokens, fullTokenId);

    internal bool OwnsAclPath(string path) => Declared("p:" + path) || PolicyScope.Matches(Scope.AclPaths, path);

    /// <summary>Whether the policy names the object (built once: ownership is asked per live object).</summary>
    private bool Declared(string key)
    {
        _declared ??= new HashSet<string>(
            Users.Select(u => "u:" + u.Id).Concat(Groups.Select(g => "g:" + g.Id)).Concat(Roles.Select(r => "r:" + r.Id))
                .Concat(Tokens.Select(t => "t:" + t.FullId)).Concat(Acl.Select(a => "p:" + a.Path)),
            StringComparer.Ordinal);
        return _declared.Contains(key);
    }

    internal bool OwnsPrincipal(PveAclPrincipalType type, string principal) => type switch
    {
        PveAclPrincipalType.Group => OwnsGroup(principal),
        PveAclPrincipalType.Token => OwnsToken(principal),
        _ => OwnsUser(principal),
    };
}
