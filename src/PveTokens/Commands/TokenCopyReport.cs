// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// What New-PveApiToken -CopyAcl and Reset-PveApiToken's re-create fallback share around
/// <see cref="TokenAclCopier"/>: driving its steps with progress on the pipeline thread, and the
/// wording that names settings and ACL entries exactly enough to restore them by hand.
/// </summary>
internal static class TokenCopyReport
{
    private const int ProgressActivityId = 0x70C3;

    /// <summary>
    /// Runs every step of <paramref name="copier"/>, writing progress per request. A client failure
    /// thrown by a step is recorded against that request's entries and the copy goes on.
    /// </summary>
    internal static void GrantAll(PveCmdletBase cmdlet, TokenAclCopier copier, PveSession session, string activity, CancellationToken cancellationToken)
    {
        int total = copier.Entries.Count;
        var progress = new ProgressRecord(ProgressActivityId, activity, "Starting");
        int done = copier.Granted.Count;
        while (copier.Next is AclBatch batch)
        {
            progress.StatusDescription = $"{done + 1} of {total}: path {batch.Path}, role{(batch.Roles.Count == 1 ? string.Empty : "s")} {string.Join(", ", batch.Roles)}";
            progress.PercentComplete = done * 100 / total;
            cmdlet.WriteProgress(progress);
            int entries = copier.NextEntryCount;
            try
            {
                AclBatchResult result = cmdlet.Run(_ => copier.StepAsync(cancellationToken));
                if (result.Notice is string notice)
                {
                    cmdlet.WriteVerbose(notice);
                }
            }
            catch (Exception e) when (ErrorMapper.Handles(e))
            {
                copier.Fail(batch, e);
            }

            done = Math.Min(total, done + entries);
        }

        if (total > 0)
        {
            progress.RecordType = ProgressRecordType.Completed;
            progress.PercentComplete = 100;
            cmdlet.WriteProgress(progress);
        }
    }

    internal static string DescribeSettings(PveTokenSettings settings)
    {
        string comment = settings.Comment is null ? "no comment" : $"comment '{settings.Comment}'";
        string expiry = settings.Expire is long e && e != 0
            ? $"expires {PveEpoch.ToLocalDateTime(e):yyyy-MM-dd HH:mm:ss} (epoch {e})"
            : "never expires";
        string privsep = settings.PrivilegeSeparation == false ? "privilege separation off" : "privilege separation on";
        return $"{comment}, {expiry}, {privsep}";
    }

    internal static string DescribeEntries(IEnumerable<AclEntry> entries) => string.Join("; ", entries.Select(Describe));

    /// <summary>Each entry not granted with its reason, one clause each.</summary>
    internal static string DescribeFailures(IEnumerable<TokenAclCopyFailure> failures) =>
        string.Join("; ", failures.Select(f => $"{Describe(f.Entry)} ({f.Reason})"));

    /// <summary>One ACL entry as an error names it: enough to grant it again by hand.</summary>
    internal static string Describe(AclEntry entry) => $"path {entry.Path}, role {entry.Role}, propagate {(entry.Propagate ? 1 : 0)}";
}
