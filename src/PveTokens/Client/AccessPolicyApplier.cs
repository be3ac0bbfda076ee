// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Client;

/// <summary>What applying one plan row did.</summary>
internal sealed class PolicyApplyOutcome
{
    internal PolicyApplyOutcome(PveAccessChangeStatus status, string? message = null, Exception? error = null, PveTokenFields? secret = null)
    {
        Status = status;
        Message = message;
        Error = error;
        Secret = secret;
    }

    internal PveAccessChangeStatus Status { get; }

    /// <summary>What happened, in words (a failure's reason, a fallback taken).</summary>
    internal string? Message { get; }

    /// <summary>The client failure behind a Failed or Unknown row, for the caller's error mapping.</summary>
    internal Exception? Error { get; }

    /// <summary>A created or rotated token's answer with its one-time secret.</summary>
    internal PveTokenFields? Secret { get; }
}

/// <summary>
/// Runs an access plan against one server for any caller: from the snapshot the plan was made from
/// (<see cref="PveClient.GetAccessSnapshotAsync"/>), applies object changes one at a time and ACL
/// changes in batches through <see cref="AclChangeExecutor"/>, and says per row what was done, what
/// was not and what is unknown. It writes nothing to PowerShell; the cmdlet asks ShouldProcess per
/// row and reports.
/// </summary>
internal sealed class AccessPolicyApplier
{
    private readonly PveClient _client;
    private readonly List<AclEntry> _acl;
    private readonly string _host;
    private readonly string _version;
    private readonly string _identity;

    internal AccessPolicyApplier(PveClient client, AccessSnapshot snapshot, string host, string version, string identity)
    {
        _client = client;
        _acl = snapshot.Acl.ToList();
        _host = host;
        _version = version;
        _identity = identity;
    }

    /// <summary>Applies one role, group, user or token row. PVE's refusals and lost answers come back in the outcome.</summary>
    internal async Task<PolicyApplyOutcome> ApplyAsync(PolicyChange change, CancellationToken cancellationToken)
    {
        try
        {
            return await ApplyCoreAsync(change, cancellationToken).ConfigureAwait(false);
        }
        catch (PveTokenSecretLostException lost)
        {
            return new PolicyApplyOutcome(PveAccessChangeStatus.Unknown, lost.Message, lost);
        }
        catch (PveWriteOutcomeException unknown)
        {
            return new PolicyApplyOutcome(unknown.Outcome == PveWriteOutcome.NotApplied ? PveAccessChangeStatus.Failed : PveAccessChangeStatus.Unknown, unknown.Message, unknown);
        }
        catch (Exception e) when (e is PveApiException || e is PveConnectionException || e is JsonException)
        {
            return new PolicyApplyOutcome(PveAccessChangeStatus.Failed, e.Message, e);
        }
    }

    private async Task<PolicyApplyOutcome> ApplyCoreAsync(PolicyChange change, CancellationToken ct)
    {
        switch (change.ObjectType, change.Action)
        {
            case (PveAccessObjectType.Role, PveAccessChangeAction.Create):
                await _client.CreateRoleAsync(change.Id, change.Privileges!, ct).ConfigureAwait(false);
                break;
            case (PveAccessObjectType.Role, PveAccessChangeAction.Update):
                await _client.UpdateRoleAsync(change.Id, change.Privileges!, ct).ConfigureAwait(false);
                break;
            case (PveAccessObjectType.Role, PveAccessChangeAction.Remove):
                await _client.DeleteRoleAsync(change.Id, ct).ConfigureAwait(false);
                break;
            case (PveAccessObjectType.Group, PveAccessChangeAction.Create):
                await _client.CreateGroupAsync(change.Id, change.Comment, ct).ConfigureAwait(false);
                break;
            case (PveAccessObjectType.Group, PveAccessChangeAction.Update):
                await _client.UpdateGroupAsync(change.Id, change.Comment, ct).ConfigureAwait(false);
                break;
            case (PveAccessObjectType.Group, PveAccessChangeAction.Remove):
                await _client.DeleteGroupAsync(change.Id, ct).ConfigureAwait(false);
                break;
            case (PveAccessObjectType.User, PveAccessChangeAction.Create):
                await _client.CreateUserAsync(change.User!, ct).ConfigureAwait(false);
                break;
            case (PveAccessObjectType.User, PveAccessChangeAction.Update):
                await _client.UpdateUserAsync(change.Id, change.UserUpdate!, ct).ConfigureAwait(false);
                break;
            case (PveAccessObjectType.User, PveAccessChangeAction.Remove):
                await _client.DeleteUserAsync(change.Id, ct).ConfigureAwait(false);
                break;
            case (PveAccessObjectType.Token, PveAccessChangeAction.Create):
                PveTokenFields created = await _client.CreateTokenAsync(change.UserIdOfToken, change.TokenNameOfToken, new PveTokenSettings
                {
                    Comment = change.Token!.Comment,
                    Expire = change.Expire,
                    PrivilegeSeparation = change.Token.PrivilegeSeparation,
                }, ct).ConfigureAwait(false);
                return new PolicyApplyOutcome(PveAccessChangeStatus.Done, secret: created);
            case (PveAccessObjectType.Token, PveAccessChangeAction.Update):
                return await UpdateTokenAsync(change, ct).ConfigureAwait(false);
            case (PveAccessObjectType.Token, PveAccessChangeAction.Rotate):
                return await RotateTokenAsync(change, ct).ConfigureAwait(false);
            case (PveAccessObjectType.Token, PveAccessChangeAction.Remove):
                await _client.DeleteTokenAsync(change.UserIdOfToken, change.TokenNameOfToken, ct).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentException($"{change.Action} {change.ObjectType} is not an object change.", nameof(change));
        }

        return new PolicyApplyOutcome(PveAccessChangeStatus.Done);
    }

    private async Task<PolicyApplyOutcome> UpdateTokenAsync(PolicyChange change, CancellationToken ct)
    {
        PveTokenUpdate update = ToUpdate(change.TokenUpdate!);
        try
        {
            await _client.UpdateTokenAsync(change.UserIdOfToken, change.TokenNameOfToken, update, ct).ConfigureAwait(false);
            return new PolicyApplyOutcome(PveAccessChangeStatus.Done);
        }
        catch (PveApiException e) when (update.DeleteComment && e.StatusCode == 400 && e.Errors.ContainsKey("delete"))
        {
            return new PolicyApplyOutcome(PveAccessChangeStatus.Failed,
                $"{_host} (pve-manager {_version}) cannot remove a token's comment: that needs libpve-access-control 9.0.4 or later (PVE 9.1). Nothing was changed; give the token a comment in the policy, or upgrade the server.", e);
        }
    }

    /// <summary>In place with regenerate=1; on a server that refuses the parameter, through <see cref="RecreateTokenAsync"/>.</summary>
    private async Task<PolicyApplyOutcome> RotateTokenAsync(PolicyChange change, CancellationToken ct)
    {
        PveTokenUpdate update = ToUpdate(change.TokenUpdate!);
        update.Regenerate = true;
        try
        {
            PveTokenFields answer = await _client.UpdateTokenAsync(change.UserIdOfToken, change.TokenNameOfToken, update, ct).ConfigureAwait(false);
            return new PolicyApplyOutcome(PveAccessChangeStatus.Done, secret: answer);
        }
        catch (PveApiException e) when (e.StatusCode == 400 && e.Errors.ContainsKey("regenerate"))
        {
            var settings = new PveTokenSettings
            {
                Comment = change.Token!.Comment,
                Expire = update.Expire,
                PrivilegeSeparation = change.Token.PrivilegeSeparation,
            };
            (PveTokenFields created, IReadOnlyList<TokenAclCopyFailure> notRestored) =
                await RecreateTokenAsync(change.UserIdOfToken, change.TokenNameOfToken, settings, change.TokenAcl, ct).ConfigureAwait(false);
            string how = $"{_host} (pve-manager {_version}) cannot regenerate in place: the token was deleted and created again with the declared settings";
            if (notRestored.Count == 0)
            {
                return new PolicyApplyOutcome(PveAccessChangeStatus.Done, how + $" and its {change.TokenAcl.Count} ACL entries granted again.", secret: created);
            }

            string message = how + $", but {notRestored.Count} of its {change.TokenAcl.Count} ACL entries could not be granted again: " +
                string.Join("; ", notRestored.Select(n => $"{n.Entry.Path} {n.Entry.Role} ({n.Reason})")) + ". Apply the policy again once the cause is fixed.";
            return new PolicyApplyOutcome(PveAccessChangeStatus.Failed, message, new InvalidOperationException(message), created);
        }
    }

    /// <summary>
    /// The rotation of servers without in-place regeneration (libpve-access-control before 9.1.0):
    /// delete, create with <paramref name="settings"/>, grant the entries again through the shared
    /// <see cref="TokenAclCopier"/> (as Reset-PveApiToken's fallback does). Once the token is deleted
    /// the remaining calls ignore cancellation, so a stop cannot leave it half-restored.
    /// </summary>
    private async Task<(PveTokenFields Created, IReadOnlyList<TokenAclCopyFailure> NotRestored)> RecreateTokenAsync(
        string userId, string tokenId, PveTokenSettings settings, IReadOnlyList<AclEntry> acl, CancellationToken cancellationToken)
    {
        await _client.DeleteTokenAsync(userId, tokenId, cancellationToken).ConfigureAwait(false);
        PveTokenFields created = await _client.CreateTokenAsync(userId, tokenId, settings, CancellationToken.None).ConfigureAwait(false);

        // PVE drops a token's entries with the token, so the new one starts with none.
        var copier = new TokenAclCopier(_client, userId + "!" + tokenId, acl, new List<AclEntry>(), _host, _version, _identity);
        while (copier.Next is AclBatch batch)
        {
            try
            {
                await copier.StepAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PveConnectionException || e is PveWriteOutcomeException || e is System.Text.Json.JsonException)
            {
                copier.Fail(batch, e);
            }
        }

        return (created, copier.Failures);
    }

    private static PveTokenUpdate ToUpdate(PolicyTokenUpdate update) => new()
    {
        Comment = string.IsNullOrEmpty(update.Comment) ? null : update.Comment,
        DeleteComment = update.ClearComment,
        Expire = update.Expire,
        PrivilegeSeparation = update.PrivilegeSeparation,
    };

    /// <summary>
    /// Groups ACL rows into as few <c>PUT /access/acl</c> requests as PVE allows (one per path,
    /// propagate flag and role set, up to 50 principals) and tracks which row each request settles.
    /// </summary>
    internal AclRun StartAcl(IReadOnlyList<PolicyChange> rows) => new(this, rows);

    /// <summary>A batched ACL apply in progress: the caller takes batches one by one (progress between them) and reads each row's outcome at the end.</summary>
    internal sealed class AclRun
    {
        private readonly AccessPolicyApplier _owner;
        private readonly AclChangeExecutor _executor;
        private readonly Queue<AclBatch> _queue;
        private readonly Dictionary<string, List<PolicyChange>> _rowsByChange = new(StringComparer.Ordinal);

        internal AclRun(AccessPolicyApplier owner, IReadOnlyList<PolicyChange> rows)
        {
            _owner = owner;
            _executor = new AclChangeExecutor(owner._client, owner._acl, owner._host, owner._version, owner._identity);
            var changes = new List<AclChange>();
            foreach (IGrouping<(string, PveAclPrincipalType, string, bool, bool), PolicyChange> principal in rows.GroupBy(r =>
                (r.Acl!.Path, r.Acl.Type, r.Acl.Principal, r.Acl.Propagate, r.Action == PveAccessChangeAction.Revoke)))
            {
                (string path, PveAclPrincipalType type, string id, bool propagate, bool delete) = principal.Key;
                var roles = principal.Select(r => r.Acl!.Role).Distinct(StringComparer.Ordinal).OrderBy(r => r, StringComparer.Ordinal).ToList();
                changes.Add(new AclChange(path, type, id, propagate, delete, roles, Array.Empty<string>()));
                foreach (PolicyChange row in principal)
                {
                    Rows(RowKey(path, type, id, delete, row.Acl!.Role)).Add(row);
                }
            }

            _queue = new Queue<AclBatch>(AclPlanner.Batch(changes));
            Outcomes = new Dictionary<PolicyChange, PolicyApplyOutcome>();
        }

        /// <summary>Requests sent so far.</summary>
        internal int Sent { get; private set; }

        internal int Remaining => _queue.Count;

        /// <summary>Each row's outcome once its batch was sent.</summary>
        internal Dictionary<PolicyChange, PolicyApplyOutcome> Outcomes { get; }

        /// <summary>Notices for the verbose stream (a batch split to find the principal at fault).</summary>
        internal List<string> Notices { get; } = new();

        internal bool TryNext(out AclBatch? batch)
        {
            batch = _queue.Count > 0 ? _queue.Dequeue() : null;
            return batch is not null;
        }

        /// <summary>Sends one batch and settles its rows; follow-up batches join the queue.</summary>
        internal async Task ExecuteAsync(AclBatch batch, CancellationToken cancellationToken)
        {
            Sent++;
            try
            {
                AclBatchResult result = await _executor.ExecuteAsync(batch, cancellationToken).ConfigureAwait(false);
                if (result.Notice is not null)
                {
                    Notices.Add(result.Notice);
                }

                foreach (AclBatch next in result.FollowUps)
                {
                    _queue.Enqueue(next);
                }

                if (result.Applied)
                {
                    Settle(batch, null, new PolicyApplyOutcome(PveAccessChangeStatus.Done));
                }
                else if (result.Failure is AclExecutionFailure failure)
                {
                    Settle(batch, result.FollowUps, new PolicyApplyOutcome(PveAccessChangeStatus.Failed, failure.Message ?? failure.Exception.Message, failure.Exception));
                }
            }
            catch (PveWriteOutcomeException e)
            {
                Settle(batch, null, new PolicyApplyOutcome(e.Outcome == PveWriteOutcome.NotApplied ? PveAccessChangeStatus.Failed : PveAccessChangeStatus.Unknown, e.Message, e));
            }
            catch (Exception e) when (e is PveApiException || e is PveConnectionException || e is JsonException)
            {
                Settle(batch, null, new PolicyApplyOutcome(PveAccessChangeStatus.Failed, e.Message, e));
            }
        }

        /// <summary>Gives every row of <paramref name="batch"/> not carried on by a follow-up the outcome.</summary>
        private void Settle(AclBatch batch, IReadOnlyList<AclBatch>? followUps, PolicyApplyOutcome outcome)
        {
            foreach (AclChange change in batch.Changes)
            {
                foreach (string role in batch.Roles)
                {
                    bool carriedOn = followUps is not null && followUps.Any(f => f.Roles.Contains(role, StringComparer.Ordinal) &&
                        f.Changes.Any(c => c.Type == change.Type && c.Principal == change.Principal));
                    if (carriedOn)
                    {
                        continue;
                    }

                    foreach (PolicyChange row in Rows(RowKey(batch.Path, change.Type, change.Principal, batch.Delete, role)))
                    {
                        Outcomes[row] = outcome;
                    }
                }
            }
        }

        private List<PolicyChange> Rows(string key)
        {
            if (!_rowsByChange.TryGetValue(key, out List<PolicyChange>? rows))
            {
                _rowsByChange[key] = rows = new List<PolicyChange>();
            }

            return rows;
        }

        private static string RowKey(string path, PveAclPrincipalType type, string principal, bool delete, string role) =>
            $"{path}\n{type}\n{principal}\n{(delete ? 1 : 0)}\n{role}";
    }
}
