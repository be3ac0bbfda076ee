// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using PveTokens.Models;

namespace PveTokens.Access;

/// <summary>What one principal needs on one path so that a grant or revoke holds.</summary>
internal sealed class AclChange
{
    internal AclChange(string path, PveAclPrincipalType type, string principal, bool propagate, bool delete,
        IReadOnlyList<string> rolesToSend, IReadOnlyList<string> rolesAlreadyDone)
    {
        Path = path;
        Type = type;
        Principal = principal;
        Propagate = propagate;
        Delete = delete;
        RolesToSend = rolesToSend;
        RolesAlreadyDone = rolesAlreadyDone;
    }

    internal string Path { get; }

    internal PveAclPrincipalType Type { get; }

    internal string Principal { get; }

    internal bool Propagate { get; }

    internal bool Delete { get; }

    /// <summary>Roles a request must grant (missing, or present with the other propagate flag) or revoke (present).</summary>
    internal IReadOnlyList<string> RolesToSend { get; }

    /// <summary>Roles already granted with this propagate flag, or already absent.</summary>
    internal IReadOnlyList<string> RolesAlreadyDone { get; }

    internal bool IsNoOp => RolesToSend.Count == 0;
}

/// <summary>One <c>PUT /access/acl</c>: roles × principals on a path (PVE takes comma lists of both).</summary>
internal sealed class AclBatch
{
    internal AclBatch(string path, bool propagate, bool delete, IReadOnlyList<string> roles, IReadOnlyList<AclChange> changes)
    {
        Path = path;
        Propagate = propagate;
        Delete = delete;
        Roles = roles;
        Changes = changes;
    }

    internal string Path { get; }

    internal bool Propagate { get; }

    internal bool Delete { get; }

    internal IReadOnlyList<string> Roles { get; }

    /// <summary>The principals this request covers, one change each.</summary>
    internal IReadOnlyList<AclChange> Changes { get; }

    internal IEnumerable<string> PrincipalsOf(PveAclPrincipalType type) =>
        Changes.Where(c => c.Type == type).Select(c => c.Principal);
}

/// <summary>
/// The idempotence rules of Set-PveAcl and Remove-PveAcl, free of I/O: compare the wanted state
/// with the ACL read once, and group what is left into as few requests as PVE allows.
/// </summary>
internal static class AclPlanner
{
    /// <summary>
    /// Plans a grant: a role needs a request unless an entry for the same path, principal and role
    /// exists with the same propagate flag (an entry with the other flag is changed, not kept).
    /// </summary>
    internal static AclChange PlanGrant(IEnumerable<AclEntry> current, string path, PveAclPrincipalType type, string principal,
        IEnumerable<string> roles, bool propagate)
    {
        var entries = current as ICollection<AclEntry> ?? current.ToList();
        var send = new List<string>();
        var done = new List<string>();
        foreach (string role in roles.Distinct(StringComparer.Ordinal))
        {
            bool exists = entries.Any(e => e.SameGrant(path, type, principal, role) && e.Propagate == propagate);
            (exists ? done : send).Add(role);
        }

        return new AclChange(path, type, principal, propagate, delete: false, send, done);
    }

    /// <summary>
    /// Plans a revoke: a role needs a request only if an entry for it exists (whatever its
    /// propagate flag; PVE's delete ignores the flag). <paramref name="roleMatches"/> decides which
    /// existing roles a pattern names; roles named literally that have no entry are already absent.
    /// </summary>
    internal static AclChange PlanRevoke(IEnumerable<AclEntry> current, string path, PveAclPrincipalType type, string principal,
        IEnumerable<string> literalRoles, Func<string, bool>? roleMatches = null)
    {
        var present = current
            .Where(e => e.Type == type &&
                        string.Equals(e.Path, path, StringComparison.Ordinal) &&
                        string.Equals(e.Principal, principal, StringComparison.Ordinal))
            .Select(e => e.Role)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var send = new List<string>();
        var done = new List<string>();
        foreach (string role in literalRoles.Distinct(StringComparer.Ordinal))
        {
            (present.Contains(role, StringComparer.Ordinal) ? send : done).Add(role);
        }

        if (roleMatches is not null)
        {
            send.AddRange(present.Where(r => roleMatches(r) && !send.Contains(r, StringComparer.Ordinal)));
        }

        return new AclChange(path, type, principal, propagate: true, delete: true, send, done);
    }

    /// <summary>
    /// Groups changes that send the same roles on the same path with the same flags into one
    /// request each, keeping the order in which changes were first seen.
    /// </summary>
    internal static IReadOnlyList<AclBatch> Batch(IEnumerable<AclChange> changes, int maxPrincipalsPerRequest = 50)
    {
        var batches = new List<AclBatch>();
        var groups = new Dictionary<string, List<AclChange>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (AclChange change in changes.Where(c => !c.IsNoOp))
        {
            string key = string.Join("\n", change.Path, change.Delete ? "d" : "a", change.Propagate ? "1" : "0",
                string.Join(",", change.RolesToSend.OrderBy(r => r, StringComparer.Ordinal)));
            if (!groups.TryGetValue(key, out List<AclChange>? list))
            {
                groups[key] = list = new List<AclChange>();
                order.Add(key);
            }

            // The same principal named twice (-TokenId a,a, or piped twice) is one change.
            if (!list.Any(c => c.Type == change.Type && string.Equals(c.Principal, change.Principal, StringComparison.Ordinal)))
            {
                list.Add(change);
            }
        }

        foreach (string key in order)
        {
            List<AclChange> list = groups[key];
            AclChange first = list[0];
            // PVE's request body is capped (512 KiB, 64 KiB before http-server 5.2.1): chunk large batches.
            for (int i = 0; i < list.Count; i += maxPrincipalsPerRequest)
            {
                var chunk = list.Skip(i).Take(maxPrincipalsPerRequest).ToList();
                batches.Add(new AclBatch(first.Path, first.Propagate, first.Delete, first.RolesToSend, chunk));
            }
        }

        return batches;
    }

    /// <summary>The entries the ACL holds after <paramref name="batch"/> succeeded, applied to <paramref name="current"/>.</summary>
    internal static void Apply(List<AclEntry> current, AclBatch batch)
    {
        foreach (AclChange change in batch.Changes)
        {
            foreach (string role in batch.Roles)
            {
                current.RemoveAll(e => e.SameGrant(change.Path, change.Type, change.Principal, role));
                if (!batch.Delete)
                {
                    current.Add(new AclEntry(change.Path, change.Type, change.Principal, role, batch.Propagate));
                }
            }
        }
    }
}
