// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Applies an access policy to each server: the plan's changes in a safe order (roles, groups, users,
/// tokens, grants; revocations and removals in reverse), ShouldProcess per change, ACL writes batched.
/// Removals only with -Prune and only within the scope; changes that would cut the session's own
/// rights are skipped with a warning. Every row comes out with its status; each token created or
/// rotated comes out as the same secret object New-PveApiToken returns.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PveAccessPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PveAccessPlanChange), typeof(PveApiTokenSecret))]
public sealed class InvokePveAccessPolicyCommand : PveAccessPolicyCmdletBase
{
    private const int ProgressActivityId = 0x7A11;

    /// <summary>Gets or sets the policy file (.psd1, or .json).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Gets or sets whether to remove owned objects and revoke owned ACL entries the policy does not declare.</summary>
    [Parameter]
    public SwitchParameter Prune { get; set; }

    internal override void ProcessSession(PveSession session)
    {
        PolicyDocument? policy = LoadPolicy(Path);
        if (policy is null || PlanFor(session, policy, out AccessSnapshot snapshot) is not PolicyPlan plan)
        {
            return;
        }

        var applier = new AccessPolicyApplier(session.Client, snapshot, session.Server.Authority, session.Version, session.Identity);
        var progress = new ProgressRecord(ProgressActivityId, $"Applying {System.IO.Path.GetFileName(Path)} to {session.Server.Authority}", "Starting");
        bool whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? w) && w is SwitchParameter { IsPresent: true };
        int done = 0;
        int pruneSkipped = 0;
        foreach (IGrouping<int, PolicyChange> stage in plan.Changes.GroupBy(c => c.Stage))
        {
            var aclRows = new List<(PolicyChange Change, PveAccessPlanChange Row)>();
            foreach (PolicyChange change in stage)
            {
                PveAccessPlanChange row = ToRow(change, session);
                progress.StatusDescription = $"{row} ({++done} of {plan.Changes.Count})";
                progress.PercentComplete = (done - 1) * 100 / plan.Changes.Count;
                WriteProgress(progress);
                if (change.ProtectedBecause is not null)
                {
                    WriteWarning($"{row} on {session.Server.Authority} is not applied: {change.ProtectedBecause}.");
                    Finish(row, PveAccessChangeStatus.Skipped, "not applied: " + change.ProtectedBecause);
                    continue;
                }

                if (change.IsRemoval && !Prune)
                {
                    pruneSkipped++;
                    Finish(row, PveAccessChangeStatus.Skipped, "a removal: applied only with -Prune");
                    continue;
                }

                string description = $"{change.Action} {change.ObjectType}" +
                    (change.Before is null && change.After is null ? string.Empty : $": {change.Before ?? "(none)"} -> {change.After ?? "(none)"}") +
                    $" ({change.Reason})";
                if (!ShouldProcess($"{change.Id} on {session.Server.Authority}", description))
                {
                    if (!whatIf)
                    {
                        Finish(row, PveAccessChangeStatus.Skipped, "declined");
                    }

                    continue;
                }

                if (change.ObjectType == PveAccessObjectType.Acl)
                {
                    aclRows.Add((change, row));
                    continue;
                }

                PolicyApplyOutcome outcome = Run(ct => applier.ApplyAsync(change, ct));
                Report(row, outcome, session);
                if (outcome.Secret?.Secret is not null)
                {
                    WriteObject(PveApiTokenCommandSupport.ToSecret(change.UserIdOfToken, change.TokenNameOfToken, outcome.Secret,
                        new PveTokenSettings
                        {
                            Comment = change.Token?.Comment,
                            Expire = change.TokenUpdate?.Expire ?? change.Expire,
                            PrivilegeSeparation = change.Token?.PrivilegeSeparation,
                        }, session));
                }
            }

            if (aclRows.Count > 0)
            {
                ApplyAcl(applier, aclRows, session, progress);
            }
        }

        if (plan.Changes.Count > 0)
        {
            progress.RecordType = ProgressRecordType.Completed;
            progress.PercentComplete = 100;
            WriteProgress(progress);
        }

        if (pruneSkipped > 0)
        {
            WriteWarning($"{pruneSkipped} removal(s) on {session.Server.Authority} were not applied: owned objects the policy does not declare are removed only with -Prune.");
        }
    }

    private void ApplyAcl(AccessPolicyApplier applier, List<(PolicyChange Change, PveAccessPlanChange Row)> rows, PveSession session, ProgressRecord progress)
    {
        AccessPolicyApplier.AclRun run = applier.StartAcl(rows.Select(r => r.Change).ToList());
        while (run.TryNext(out AclBatch? batch))
        {
            progress.StatusDescription = $"{(batch!.Delete ? "Revoking" : "Granting")} {string.Join(",", batch.Roles)} on {batch.Path} for {batch.Changes.Count} principal(s)";
            WriteProgress(progress);
            Run(ct => run.ExecuteAsync(batch, ct));
        }

        foreach (string notice in run.Notices)
        {
            WriteVerbose(notice);
        }

        foreach ((PolicyChange change, PveAccessPlanChange row) in rows)
        {
            Report(row, run.Outcomes.TryGetValue(change, out PolicyApplyOutcome? outcome)
                ? outcome
                : new PolicyApplyOutcome(PveAccessChangeStatus.Unknown, "no request settled this entry"), session);
        }
    }

    private void Report(PveAccessPlanChange row, PolicyApplyOutcome outcome, PveSession session)
    {
        Finish(row, outcome.Status, outcome.Message);
        if (outcome.Status is PveAccessChangeStatus.Failed or PveAccessChangeStatus.Unknown)
        {
            string what = outcome.Status == PveAccessChangeStatus.Unknown
                ? $"{row} on {session.Server.Authority}: the answer was lost, it may or may not be applied ({outcome.Message}). The next plan shows the truth."
                : $"{row} on {session.Server.Authority} failed: {outcome.Message}";
            ErrorRecord record = outcome.Error is not null && ErrorMapper.Handles(outcome.Error)
                ? ErrorMapper.Map(outcome.Error, row.Id, session)
                : new ErrorRecord(new InvalidOperationException(what), "AccessPolicyChangeFailed", ErrorCategory.InvalidOperation, row.Id);
            record.ErrorDetails = new ErrorDetails(what + " Run Get-PveAccessPlan to see what is left, fix the cause and apply again.")
            {
                RecommendedAction = "Run Get-PveAccessPlan to see what is left, fix the cause and apply again.",
            };
            WriteError(record);
        }
    }

    private void Finish(PveAccessPlanChange row, PveAccessChangeStatus status, string? message)
    {
        row.Status = status;
        row.Message = message;
        WriteObject(row);
    }
}
