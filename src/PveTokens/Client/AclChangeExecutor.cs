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

/// <summary>What went wrong with (part of) an ACL batch, in words a caller can show as they are.</summary>
internal enum AclExecutionFailureKind
{
    /// <summary>A role of the batch does not exist on the server.</summary>
    RoleNotFound,

    /// <summary>The caller may not grant or revoke a role (it lacks Permissions.Modify and the role's privileges).</summary>
    RoleNotDelegable,

    /// <summary>A user, group or token of the batch does not exist.</summary>
    PrincipalNotFound,

    /// <summary>The server does not know the ACL path (paths added in later PVE versions).</summary>
    PathRejected,

    /// <summary>Any other client failure: the caller maps <see cref="AclExecutionFailure.Exception"/> itself.</summary>
    Other,
}

/// <summary>One failure of an ACL batch: the exception, the object it is about and, except for
/// <see cref="AclExecutionFailureKind.Other"/>, the message and the recommended action.</summary>
internal sealed class AclExecutionFailure
{
    internal AclExecutionFailure(AclExecutionFailureKind kind, Exception exception, object target, string? message = null, string? action = null)
    {
        Kind = kind;
        Exception = exception;
        Target = target;
        Message = message;
        Action = action;
    }

    internal AclExecutionFailureKind Kind { get; }

    internal Exception Exception { get; }

    /// <summary>The role, principal or path at fault.</summary>
    internal object Target { get; }

    internal string? Message { get; }

    internal string? Action { get; }

    /// <summary>The stable error id for the kinds this class words itself.</summary>
    internal string ErrorId => Kind switch
    {
        AclExecutionFailureKind.RoleNotFound => "AclRoleNotFound",
        AclExecutionFailureKind.RoleNotDelegable => "AclRoleNotDelegable",
        AclExecutionFailureKind.PrincipalNotFound => "AclPrincipalNotFound",
        AclExecutionFailureKind.PathRejected => "AclPathRejected",
        _ => string.Empty,
    };
}

/// <summary>What sending one batch did, and what is left to send because of it.</summary>
internal sealed class AclBatchResult
{
    private AclBatchResult(AclBatch batch, bool applied, IReadOnlyList<AclEntry> removed, AclExecutionFailure? failure,
        IReadOnlyList<AclBatch> followUps, string? notice)
    {
        Batch = batch;
        Applied = applied;
        Removed = removed;
        Failure = failure;
        FollowUps = followUps;
        Notice = notice;
    }

    internal AclBatch Batch { get; }

    /// <summary>True when PVE accepted the batch: every change in it is now in effect.</summary>
    internal bool Applied { get; }

    /// <summary>For an applied revocation: the entries that were there and are now gone.</summary>
    internal IReadOnlyList<AclEntry> Removed { get; }

    internal AclExecutionFailure? Failure { get; }

    /// <summary>Batches to send next, in order: the rest of a batch after the part at fault is taken out,
    /// or the batch split per principal when PVE's answer did not say who was at fault.</summary>
    internal IReadOnlyList<AclBatch> FollowUps { get; }

    /// <summary>A line for the verbose stream, when the result needs explaining.</summary>
    internal string? Notice { get; }

    internal static AclBatchResult Done(AclBatch batch, IReadOnlyList<AclEntry> removed) =>
        new(batch, true, removed, null, Array.Empty<AclBatch>(), null);

    internal static AclBatchResult Failed(AclBatch batch, AclExecutionFailure failure, AclBatch? retry = null) =>
        new(batch, false, Array.Empty<AclEntry>(), failure, retry is null ? Array.Empty<AclBatch>() : new[] { retry }, null);

    internal static AclBatchResult Split(AclBatch batch, string notice) =>
        new(batch, false, Array.Empty<AclEntry>(), null,
            batch.Changes.Select(c => new AclBatch(batch.Path, batch.Propagate, batch.Delete, batch.Roles, new[] { c })).ToList(), notice);
}

/// <summary>
/// Sends planned ACL changes (<see cref="AclPlanner.Batch"/>) to one server, one batch at a time, and
/// keeps the caller's copy of the ACL in step. PVE applies a request whole or not at all, so on a
/// failure that names one role or principal, that one is reported and the rest comes back as a
/// follow-up batch; a failure that names nothing is split per principal so each error belongs to one
/// principal. The caller drives the loop (Set-PveAcl and Remove-PveAcl write progress and output
/// between batches on the pipeline thread; a policy apply does the same without a cmdlet).
/// </summary>
internal sealed class AclChangeExecutor
{
    private readonly PveClient _client;
    private readonly List<AclEntry> _acl;
    private readonly string _host;
    private readonly string _version;
    private readonly string _identity;

    /// <param name="client">The session's client.</param>
    /// <param name="acl">The ACL as last read; updated as batches are applied.</param>
    /// <param name="host">The server's host name, for messages.</param>
    /// <param name="version">The server's PVE version, for messages.</param>
    /// <param name="identity">Who the session is (user or token id), for messages.</param>
    internal AclChangeExecutor(PveClient client, List<AclEntry> acl, string host, string version, string identity)
    {
        _client = client;
        _acl = acl;
        _host = host;
        _version = version;
        _identity = identity;
    }

    /// <summary>
    /// Sends one batch. PVE's refusals come back in the result; anything else (a lost connection, a
    /// write whose answer was lost, cancellation) is thrown for the caller to report against the batch.
    /// </summary>
    internal async Task<AclBatchResult> ExecuteAsync(AclBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            await _client.UpdateAclAsync(batch.Path, batch.Roles,
                batch.PrincipalsOf(PveAclPrincipalType.User).ToList(),
                batch.PrincipalsOf(PveAclPrincipalType.Group).ToList(),
                batch.PrincipalsOf(PveAclPrincipalType.Token).ToList(),
                batch.Propagate, batch.Delete, cancellationToken).ConfigureAwait(false);
        }
        catch (PveApiException e)
        {
            return Classify(batch, e);
        }

        List<AclEntry> removed = batch.Delete
            ? _acl.Where(entry => batch.Roles.Contains(entry.Role, StringComparer.Ordinal) &&
                                  batch.Changes.Any(c => c.Type == entry.Type && c.Path == entry.Path && c.Principal == entry.Principal))
                  .ToList()
            : new List<AclEntry>();
        AclPlanner.Apply(_acl, batch);
        return AclBatchResult.Done(batch, removed);
    }

    private AclBatchResult Classify(AclBatch batch, PveApiException e)
    {
        AclFailure failure = AclFailure.Classify(e);
        string grant = batch.Delete ? "revoke" : "grant";
        string granted = batch.Delete ? "revoked" : "granted";
        string principals = AclPrincipal.Describe(batch.Changes.Select(c => AclPrincipal.Describe(c.Type, c.Principal)));
        switch (failure.Kind)
        {
            case AclFailureKind.RoleNotFound:
                return AclBatchResult.Failed(batch,
                    RoleFailure(AclExecutionFailureKind.RoleNotFound, e, failure.Name, batch,
                        $"The role '{failure.Name}' does not exist on {_host}",
                        "Check the name (role ids are case-sensitive) with Get-PveRole."),
                    Without(batch, role: failure.Name));
            case AclFailureKind.RoleNotDelegable:
                string rule = $"without Permissions.Modify on the path a caller may only {grant} roles whose privileges it holds itself" +
                    (batch.Delete ? string.Empty : " (propagated, when granting with propagation)");
                return AclBatchResult.Failed(batch,
                    RoleFailure(AclExecutionFailureKind.RoleNotDelegable, e, failure.Name, batch,
                        failure.Name is null
                            ? $"{_identity} may not {grant} these roles on {batch.Path}: {rule}"
                            : $"{_identity} may not {grant} the role '{failure.Name}' on {batch.Path}: {rule}",
                        "Ask for Permissions.Modify on the path, or use a role within your own privileges (Get-PvePermission shows them)."),
                    failure.Name is null ? null : Without(batch, role: failure.Name));
            case AclFailureKind.PrincipalNotFound:
                AclChange? missing = batch.Changes.FirstOrDefault(c => string.Equals(c.Principal, failure.Name, StringComparison.Ordinal) ||
                    (failure.PrincipalType == PveAclPrincipalType.User && c.Type == PveAclPrincipalType.Token &&
                     c.Principal.StartsWith(failure.Name + "!", StringComparison.Ordinal)));
                if (missing is null)
                {
                    // PVE named someone we cannot match: one request per principal pins it down.
                    return SplitOrFail(batch, e);
                }

                return AclBatchResult.Failed(batch,
                    new AclExecutionFailure(AclExecutionFailureKind.PrincipalNotFound, e, missing.Principal,
                        $"Cannot {grant} {string.Join(", ", batch.Roles)} on {batch.Path}: {AclPrincipal.Describe(missing.Type, missing.Principal)} does not exist on {_host} (PVE: {OneLine(e.PveMessage)}).",
                        "Check the id; Get-PveUser lists users and Get-PveApiToken their tokens."),
                    Without(batch, change: missing));
            case AclFailureKind.PathRejected:
                return AclBatchResult.Failed(batch,
                    new AclExecutionFailure(AclExecutionFailureKind.PathRejected, e, batch.Path,
                        $"{_host} (PVE {_version}) does not accept the ACL path '{batch.Path}' (PVE: {e.Errors["path"]}); nothing was {granted} for {principals}.",
                        "Some paths exist only on newer PVE versions (/sdn/fabrics from 9.0.1, /sdn/prefix-lists and /sdn/route-maps from 9.1.0)."));
            default:
                return e.StatusCode != 401 && e.StatusCode != 403
                    ? SplitOrFail(batch, e)
                    : AclBatchResult.Failed(batch, OtherFailure(batch, e));
        }
    }

    private static AclBatchResult SplitOrFail(AclBatch batch, PveApiException e) =>
        batch.Changes.Count > 1
            ? AclBatchResult.Split(batch, $"PVE refused the request as a whole ({e.PveMessage}); sending it once per principal to find which one fails.")
            : AclBatchResult.Failed(batch, OtherFailure(batch, e));

    private static AclExecutionFailure OtherFailure(AclBatch batch, Exception e) =>
        new(AclExecutionFailureKind.Other, e, batch.Changes.Count == 1 ? batch.Changes[0].Principal : batch.Path);

    private static AclExecutionFailure RoleFailure(AclExecutionFailureKind kind, PveApiException e, string? role, AclBatch batch, string what, string action)
    {
        string principals = AclPrincipal.Describe(batch.Changes.Select(c => AclPrincipal.Describe(c.Type, c.Principal)));
        return new AclExecutionFailure(kind, e, (object?)role ?? batch.Path,
            $"{what}; nothing was {(batch.Delete ? "revoked" : "granted")} {(batch.Delete ? "from" : "to")} {principals} for it (PVE: {OneLine(e.PveMessage)}).",
            action);
    }

    /// <summary>The batch without the role or the change at fault; null when nothing would be left or nothing was taken out.</summary>
    private static AclBatch? Without(AclBatch batch, string? role = null, AclChange? change = null)
    {
        var roles = batch.Roles.Where(r => !string.Equals(r, role, StringComparison.Ordinal)).ToList();
        var changes = batch.Changes.Where(c => !ReferenceEquals(c, change)).ToList();
        return roles.Count == 0 || changes.Count == 0 || (roles.Count == batch.Roles.Count && changes.Count == batch.Changes.Count)
            ? null
            : new AclBatch(batch.Path, batch.Propagate, batch.Delete, roles, changes);
    }

    private static string OneLine(string text) => text.Replace("\n", " ").Trim();
}
