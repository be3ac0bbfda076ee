// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// What the access-policy cmdlets share: one policy, any number of servers (-Session $a, $b, or
/// sessions piped in; the default session otherwise), the policy file read and validated once
/// before any request, and the plan computed per server from one snapshot.
/// </summary>
public abstract class PveAccessPolicyCmdletBase : PveCmdletBase
{
    /// <summary>Error id: the policy file is invalid (each problem is one error naming the file, entry, line and fix).</summary>
    internal const string PolicyInvalid = "PolicyInvalid";

    /// <summary>Error id: the policy names roles, privileges, users or groups the server does not have.</summary>
    internal const string PolicyInvalidForServer = "PolicyInvalidForServer";

    /// <summary>Error id: the policy file does not exist or cannot be read.</summary>
    internal const string PolicyFileNotFound = "PolicyFileNotFound";

    private PolicyDocument? _policy;
    private bool _refused;

    /// <summary>
    /// Gets or sets the sessions (clusters) to work on; the default session when omitted. Sessions
    /// piped in are processed one by one, each with its own result rows.
    /// </summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MaskedConversion(typeof(PveSession[]))]
    public PveSession[]? Session { get; set; }

    protected sealed override void Process()
    {
        if (_refused)
        {
            return;
        }

        foreach (PveSession? given in Session ?? new PveSession?[] { null })
        {
            PveSession session = ResolveSession(given);
            try
            {
                ProcessSession(session);
            }
            catch (Exception e) when (ErrorMapper.Handles(e))
            {
                WriteError(MapError(e, session.Server.Authority, session));
            }
        }
    }

    /// <summary>The work for one server.</summary>
    internal abstract void ProcessSession(PveSession session);

    /// <summary>
    /// The policy at <paramref name="path"/>, read and validated once; on any problem every problem
    /// is written as an error, nothing is sent to any server and null is returned.
    /// </summary>
    internal PolicyDocument? LoadPolicy(string path)
    {
        if (_policy is not null || _refused)
        {
            return _policy;
        }

        var errors = new List<PolicyError>();
        string fullPath;
        try
        {
            fullPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        }
        catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException || e is ProviderNotFoundException ||
                                  e is System.Management.Automation.DriveNotFoundException || e is ProviderInvocationException || e is PSNotSupportedException)
        {
            return Refuse(new ErrorRecord(new ArgumentException($"'{Shown(path)}' is not a usable file path: {ReasonOf(e, path)}"), PolicyFileNotFound,
                ErrorCategory.InvalidArgument, ErrorMapper.SafeTarget(path)));
        }

        if (!File.Exists(fullPath))
        {
            return Refuse(ErrorWithAction(new ItemNotFoundException($"The policy file '{Shown(fullPath)}' does not exist."), PolicyFileNotFound, ErrorCategory.ObjectNotFound, Shown(path),
                "Check -Path; Export-PveAccessPolicy -Path writes a policy of a server's current configuration."));
        }

        try
        {
            _policy = AccessPolicyFile.Load(fullPath, errors);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            return Refuse(ErrorWithAction(new ArgumentException($"The policy file '{Shown(fullPath)}' cannot be read: {ReasonOf(e, fullPath)}"), PolicyFileNotFound, ErrorCategory.ReadError, Shown(path),
                "Check the file's permissions."));
        }

        if (_policy is null)
        {
            foreach (PolicyError error in errors)
            {
                WriteError(ToRecord(error, PolicyInvalid, path));
            }

            _refused = true;
        }

        return _policy;
    }

    /// <summary>
    /// Reads the server's snapshot and plans <paramref name="policy"/> against it; null (with the errors
    /// written) when the policy names what the server does not have.
    /// </summary>
    internal PolicyPlan? PlanFor(PveSession session, PolicyDocument policy, out AccessSnapshot snapshot)
    {
        snapshot = Run(ct => session.Client.GetAccessSnapshotAsync(ct));
        PolicyPlan plan = PolicyPlanner.Plan(policy, snapshot, session.Identity, PveEpoch.Now);
        foreach (PolicyError error in plan.Errors)
        {
            WriteError(ToRecord(error, PolicyInvalidForServer, session.Server.Authority, $" (on {session.Server.Authority})"));
        }

        return plan.Errors.Count == 0 ? plan : null;
    }

    /// <summary>A plan row as output.</summary>
    internal static PveAccessPlanChange ToRow(PolicyChange change, PveSession session) =>
        new(session, change.Action, change.ObjectType, change.Id, change.Before, change.After, change.Reason, change.ProtectedBecause);

    private static ErrorRecord ToRecord(PolicyError error, string errorId, object target, string suffix = "")
    {
        string message = $"{error.Source}{(error.Line > 0 ? ", line " + error.Line : string.Empty)}, {error.Entry}{suffix}: {error.Message}";
        return ErrorWithAction(new ArgumentException(message), errorId, ErrorCategory.InvalidData, target, error.Fix, message);
    }

    private static ErrorRecord ErrorWithAction(Exception e, string errorId, ErrorCategory category, object target, string action, string? message = null)
    {
        var record = new ErrorRecord(e, errorId, category, target);
        record.ErrorDetails = new ErrorDetails((message ?? e.Message) + " " + action) { RecommendedAction = action };
        return record;
    }

    private PolicyDocument? Refuse(ErrorRecord record)
    {
        _refused = true;
        WriteError(record);
        return null;
    }

    /// <summary>
    /// A file path as messages and What-if lines show it: a token string pasted into -Path must not
    /// come back whole (the file name would be the secret).
    /// </summary>
    internal static string Shown(string path) => InputEcho.Quote(path);

    /// <summary>An exception's message with <paramref name="path"/> in it shown as <see cref="Shown"/> does.</summary>
    internal static string ReasonOf(Exception e, string path) => InputEcho.Scrub(e.Message.Replace(path, Shown(path)));
}
