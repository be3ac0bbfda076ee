// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Client;

/// <summary>A token as a copy needs it: its stored settings and the ACL entries that name it.</summary>
internal sealed class TokenSnapshot
{
    internal TokenSnapshot(PveTokenFields fields, TokenAclReading acl)
    {
        Fields = fields;
        Acl = acl.Entries;
        WholeAclVisible = acl.WholeAclVisible;
    }

    internal PveTokenFields Fields { get; }

    /// <summary>The entries whose principal is this token, in PVE's order.</summary>
    internal IReadOnlyList<AclEntry> Acl { get; }

    /// <summary>See <see cref="TokenAclReading.WholeAclVisible"/>.</summary>
    internal bool WholeAclVisible { get; }

    /// <summary>The settings to create a token exactly like this one (PVE's defaults where it stored nothing).</summary>
    internal PveTokenSettings Settings => new()
    {
        Comment = Fields.Comment,
        Expire = Fields.Expire ?? 0,
        PrivilegeSeparation = Fields.PrivilegeSeparation ?? true,
    };
}

/// <summary>The ACL entries of one token, as far as the reader could see them.</summary>
internal sealed class TokenAclReading
{
    internal TokenAclReading(IReadOnlyList<AclEntry> entries, bool wholeAclVisible)
    {
        Entries = entries;
        WholeAclVisible = wholeAclVisible;
    }

    internal IReadOnlyList<AclEntry> Entries { get; }

    /// <summary>
    /// Whether the reader holds Sys.Audit on /access. Without it PVE lists only the entries on paths the
    /// reader may modify (api.md §6.1), so the token may have entries that <see cref="Entries"/> lacks.
    /// </summary>
    internal bool WholeAclVisible { get; }
}

/// <summary>One ACL entry of the source that the target token did not get, and why.</summary>
internal sealed class TokenAclCopyFailure
{
    internal TokenAclCopyFailure(AclEntry entry, string reason)
    {
        Entry = entry;
        Reason = reason;
    }

    /// <summary>The source's entry (its path, role and propagate flag are what was not granted).</summary>
    internal AclEntry Entry { get; }

    /// <summary>Why, in words that can be shown as they are.</summary>
    internal string Reason { get; }
}

/// <summary>
/// Gives one token every ACL entry (path, role, propagate) another token has: New-PveApiToken
/// -CopyAcl (a successor for an overlapping rotation, on the same server or another one),
/// Reset-PveApiToken's fallback on servers that cannot regenerate in place (re-grant what the
/// delete dropped), and a policy apply. Reads go through the static helpers; the grants are steps
/// (<see cref="StepAsync"/>, one <c>PUT /access/acl</c> per path and propagate flag, through
/// <see cref="AclChangeExecutor"/>) so a cmdlet can write progress between them. Nothing here
/// writes to PowerShell: what was granted and what failed is in <see cref="Granted"/> and <see cref="Failures"/>.
/// </summary>
internal sealed class TokenAclCopier
{
    /// <summary>The path and privilege that let PVE list every ACL entry (api.md §6.1).</summary>
    internal const string AccessPath = "/access";

    internal const string SysAudit = "Sys.Audit";

    private readonly AclChangeExecutor _executor;
    private readonly LinkedList<AclBatch> _queue;
    private readonly List<AclEntry> _granted = new();
    private readonly List<TokenAclCopyFailure> _failures = new();

    /// <param name="destination">The client of the server the target token is on.</param>
    /// <param name="targetFullTokenId">The token that receives the entries, USER@REALM!TOKENID.</param>
    /// <param name="entries">The source's entries (from <see cref="ReadAclAsync"/>).</param>
    /// <param name="destinationAcl">The destination's ACL as last read (empty for a token just created: PVE
    /// drops a token's entries when it is deleted, so a new one has none).</param>
    /// <param name="host">The destination's host name, for messages.</param>
    /// <param name="version">The destination's PVE version, for messages.</param>
    /// <param name="identity">Who the destination session is, for messages.</param>
    internal TokenAclCopier(PveClient destination, string targetFullTokenId, IReadOnlyList<AclEntry> entries, List<AclEntry> destinationAcl,
        string host, string version, string identity)
    {
        Entries = entries;
        _executor = new AclChangeExecutor(destination, destinationAcl, host, version, identity);
        IEnumerable<AclChange> changes = entries
            .GroupBy(e => (e.Path, e.Propagate))
            .Select(g => AclPlanner.PlanGrant(destinationAcl, g.Key.Path, PveAclPrincipalType.Token, targetFullTokenId,
                g.Select(e => e.Role), g.Key.Propagate));
        _queue = new LinkedList<AclBatch>(AclPlanner.Batch(changes));
        _granted.AddRange(entries.Where(e => destinationAcl.Any(d =>
            d.SameGrant(e.Path, PveAclPrincipalType.Token, targetFullTokenId, e.Role) && d.Propagate == e.Propagate)));
    }

    /// <summary>Every entry to copy.</summary>
    internal IReadOnlyList<AclEntry> Entries { get; }

    /// <summary>The entries the target has now (granted by a step, or already there).</summary>
    internal IReadOnlyList<AclEntry> Granted => _granted;

    internal IReadOnlyList<TokenAclCopyFailure> Failures => _failures;

    /// <summary>The request the next step sends, or null when every entry is granted or reported.</summary>
    internal AclBatch? Next => _queue.First?.Value;

    /// <summary>How many entries the next step covers.</summary>
    internal int NextEntryCount => Next is AclBatch batch ? EntriesOf(batch, batch.Roles).Count : 0;

    /// <summary>
    /// The entries of a token on a server (those of <c>GET /access/acl</c> whose principal it is), and
    /// whether the caller can see them all (<c>GET /access/permissions</c> for itself on /access).
    /// </summary>
    internal static async Task<TokenAclReading> ReadAclAsync(PveClient client, string fullTokenId, CancellationToken cancellationToken)
    {
        IReadOnlyList<AclEntry> acl = await client.GetAclAsync(cancellationToken).ConfigureAwait(false);
        PermissionMap own = await client.GetPermissionsAsync(null, AccessPath, cancellationToken).ConfigureAwait(false);
        bool whole = own.Get(AccessPath).ContainsKey(SysAudit);
        return new TokenAclReading(
            acl.Where(e => e.Type == PveAclPrincipalType.Token && string.Equals(e.Principal, fullTokenId, StringComparison.Ordinal)).ToList(),
            whole);
    }

    /// <summary>A token's stored settings and ACL entries.</summary>
    internal static async Task<TokenSnapshot> ReadAsync(PveClient client, string userId, string tokenId, CancellationToken cancellationToken)
    {
        PveTokenFields fields = await client.GetTokenAsync(userId, tokenId, cancellationToken).ConfigureAwait(false);
        TokenAclReading acl = await ReadAclAsync(client, userId + "!" + tokenId, cancellationToken).ConfigureAwait(false);
        return new TokenSnapshot(fields, acl);
    }

    /// <summary>The roles the entries name that the destination does not have (sorted), so a copy to another
    /// server can be refused before anything is created there.</summary>
    internal static async Task<IReadOnlyList<string>> MissingRolesAsync(PveClient destination, IEnumerable<AclEntry> entries, CancellationToken cancellationToken)
    {
        IReadOnlyList<PveRoleFields> roles = await destination.GetRolesAsync(cancellationToken).ConfigureAwait(false);
        return entries.Select(e => e.Role)
            .Where(role => !roles.Any(r => string.Equals(r.RoleId, role, StringComparison.Ordinal)))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(r => r, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Sends the next request. PVE's refusals are recorded in <see cref="Failures"/> (per entry) and the
    /// rest of a refused request is queued again; anything else (a lost connection, a write whose answer
    /// was lost) is thrown for the caller to report, after which <see cref="Fail"/> records the request's entries.
    /// </summary>
    internal async Task<AclBatchResult> StepAsync(CancellationToken cancellationToken)
    {
        AclBatch batch = Next ?? throw new InvalidOperationException("Every entry has been copied or reported.");
        _queue.RemoveFirst();
        AclBatchResult result = await _executor.ExecuteAsync(batch, cancellationToken).ConfigureAwait(false);
        if (result.Applied)
        {
            _granted.AddRange(EntriesOf(batch, batch.Roles));
        }
        else if (result.Failure is AclExecutionFailure failure)
        {
            var retried = new HashSet<string>(result.FollowUps.SelectMany(f => f.Roles), StringComparer.Ordinal);
            string reason = failure.Message ?? failure.Exception.Message;
            _failures.AddRange(EntriesOf(batch, batch.Roles.Where(r => !retried.Contains(r)))
                .Select(e => new TokenAclCopyFailure(e, reason)));
        }

        for (int i = result.FollowUps.Count - 1; i >= 0; i--)
        {
            _queue.AddFirst(result.FollowUps[i]);
        }

        return result;
    }

    /// <summary>Records every entry of <paramref name="batch"/> (a step that threw) as not granted.</summary>
    internal void Fail(AclBatch batch, Exception exception) =>
        _failures.AddRange(EntriesOf(batch, batch.Roles).Select(e => new TokenAclCopyFailure(e, exception.Message)));

    private List<AclEntry> EntriesOf(AclBatch batch, IEnumerable<string> roles)
    {
        var set = new HashSet<string>(roles, StringComparer.Ordinal);
        return Entries.Where(e => string.Equals(e.Path, batch.Path, StringComparison.Ordinal) && e.Propagate == batch.Propagate && set.Contains(e.Role))
            .ToList();
    }
}
