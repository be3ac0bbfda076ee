// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Completion;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// What Set-PveAcl and Remove-PveAcl share. Input (from parameters or the pipeline) is checked and
/// queued per record; at the end the ACL is read once per session, entries that already exist (or
/// are already gone) are skipped with a verbose line, ShouldProcess is asked per principal, and what
/// is left goes out in as few <c>PUT /access/acl</c> requests as PVE allows (comma lists of roles and
/// principals). A failed request is narrowed down so each error names the role, principal or path
/// at fault, and the rest is still applied.
/// </summary>
/// <remarks>
/// The default parameter set is the one of -InputObject. With -Path or a principal on the command
/// line it drops out, and a piped token object then binds its TokenId and UserId (the Token set)
/// rather than only its UserId (the User set): binding TokenId narrows the choice to the Token set.
/// A default set that held -UserId would grant to the token's owner instead.
/// </remarks>
public abstract class PveAclChangeCommandBase : PveSessionCmdletBase
{
    private protected const string TokenSet = "Token";
    private protected const string UserSet = "User";
    private protected const string GroupSet = "Group";
    private protected const string InputObjectSet = "InputObject";

    private readonly List<Pending> _pending = new();

    /// <summary>Gets or sets the ACL path, e.g. /vms/100.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = TokenSet)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = UserSet)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = GroupSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AclPathCompleter))]
    public string Path { get; set; } = string.Empty;

    /// <summary>Gets or sets the API tokens: full ids, or token names joined with -UserId (as piped token objects bring them).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = TokenSet)]
    [Alias("FullTokenId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TokenIdCompleter))]
    public string[] TokenId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the users; with -TokenId, the owners the token names are joined with.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = TokenSet)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UserSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(UserIdCompleter))]
    public string[] UserId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the groups.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = GroupSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(GroupIdCompleter))]
    public string[] GroupId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets ACL entries (from Get-PveAcl) to apply as they are.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    [MaskedConversion(typeof(PveAcl[]))]
    public PveAcl[] InputObject { get; set; } = Array.Empty<PveAcl>();

    /// <summary>Gets or sets whether to write the resulting entries.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>True for Remove-PveAcl.</summary>
    private protected abstract bool Delete { get; }

    /// <summary>The roles named on the command line (or bound from the pipeline).</summary>
    private protected abstract string[] RoleNames { get; }

    /// <summary>The propagate flag for entries made from parameters.</summary>
    private protected abstract bool PropagateFlag { get; }

    /// <summary>Whether a role name may be a wildcard pattern (Remove-PveAcl matches existing entries).</summary>
    private protected virtual bool RolesMayBePatterns => false;

    protected override void Begin()
    {
        // Values given on the command line hold for every record: check them once and stop early.
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Path)) && CheckPath(Path, out string? error) is null)
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidAclPath", error!, Path, AclPathAction));
        }

        if (MyInvocation.BoundParameters.ContainsKey("Role"))
        {
            foreach (string role in RoleNames)
            {
                if (CheckRoleName(role) is string roleError)
                {
                    ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidRoleName", roleError, role));
                }
            }
        }
    }

    protected sealed override void ProcessRecordCore(PveSession session)
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (PveAcl entry in InputObject)
            {
                // -Session binds from each entry's own Session unless given on the command line.
                QueueEntry(session, entry);
            }

            return;
        }

        string? path = CheckPath(Path, out string? pathError);
        if (path is null)
        {
            WriteError(ErrorMapper.InvalidArgument("InvalidAclPath", pathError!, Path, AclPathAction));
            return;
        }

        var roles = new List<string>();
        foreach (string role in RoleNames)
        {
            if (CheckRoleName(role) is string roleError)
            {
                WriteError(ErrorMapper.InvalidArgument("InvalidRoleName", roleError, role));
                return;
            }

            roles.Add(role.Trim());
        }

        foreach ((PveAclPrincipalType type, string principal) in ResolvePrincipals())
        {
            _pending.Add(new Pending(session, path, type, principal, roles, PropagateFlag));
        }
    }

    protected override void End()
    {
        foreach (IGrouping<PveSession, Pending> group in _pending.GroupBy(p => p.Session))
        {
            ApplyForSession(group.Key, group.ToList());
        }
    }

    /// <summary>Verbose and ShouldProcess wording: "Grant" or "Revoke".</summary>
    private protected abstract string Verb { get; }

    private const string AclPathAction = "Check the path against the ACL roots PVE knows (tab completion on -Path offers them).";

    private string? CheckPath(string path, out string? error) =>
        Delete ? AclPath.Normalize(path, out error) : AclPath.NormalizeAndValidate(path, out error);

    private string? CheckRoleName(string role) =>
        RolesMayBePatterns && WildcardPattern.ContainsWildcardCharacters(role) ? null : AclPrincipal.CheckRole(role.Trim());

    private void QueueEntry(PveSession session, PveAcl entry)
    {
        string? path = CheckPath(entry.Path, out string? error);
        if (path is null)
        {
            WriteError(ErrorMapper.InvalidArgument("InvalidAclPath", error!, entry, AclPathAction));
            return;
        }

        if (CheckRoleName(entry.Role) is string roleError)
        {
            WriteError(ErrorMapper.InvalidArgument("InvalidRoleName", roleError, entry));
            return;
        }

        _pending.Add(new Pending(session, path, entry.Type, entry.Principal, new[] { entry.Role }, entry.Propagate));
    }

    private IEnumerable<(PveAclPrincipalType, string)> ResolvePrincipals()
    {
        switch (ParameterSetName)
        {
            case TokenSet:
                foreach ((string input, string? id, string? error) in AclPrincipal.ResolveTokens(TokenId, UserId))
                {
                    if (id is null)
                    {
                        WriteError(ErrorMapper.InvalidArgument("InvalidTokenId", error!, input,
                            "Give the full token id USER@REALM!TOKENID, or the token name together with -UserId."));
                        continue;
                    }

                    yield return (PveAclPrincipalType.Token, id);
                }

                break;
            case UserSet:
                foreach (string user in UserId)
                {
                    if (AclPrincipal.CheckUserId(user) is string error)
                    {
                        WriteError(ErrorMapper.InvalidArgument("InvalidUserId", error, user));
                        continue;
                    }

                    yield return (PveAclPrincipalType.User, user.Trim());
                }

                break;
            case GroupSet:
                foreach (string group in GroupId)
                {
                    if (AclPrincipal.CheckGroupId(group) is string error)
                    {
                        WriteError(ErrorMapper.InvalidArgument("InvalidGroupId", error, group));
                        continue;
                    }

                    yield return (PveAclPrincipalType.Group, group.Trim());
                }

                break;
        }
    }

    private void ApplyForSession(PveSession session, List<Pending> items)
    {
        List<AclEntry> acl;
        try
        {
            acl = Run(ct => session.Client.GetAclAsync(ct)).ToList();
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WriteError(MapError(e, session, session));
            return;
        }

        var approved = new List<AclChange>();
        foreach (Pending item in items)
        {
            string who = AclPrincipal.Describe(item.Type, item.Principal);
            if (AclPrincipal.IsAlmighty(item.Type, item.Principal))
            {
                WriteWarning($"root@pam always holds every privilege and PVE does not store ACL entries for it: nothing sent for {who} on {item.Path}.");
                continue;
            }

            AclChange change = Plan(acl, item);
            if (Delete)
            {
                // A revoke of an entry that is not there is usually a typo (path, principal or role): say so.
                WarnNothingToRevoke(who, item, change);
            }
            else if (change.RolesAlreadyDone.Count > 0)
            {
                WriteVerbose(AlreadyDoneMessage(who, change));
            }

            if (change.IsNoOp)
            {
                if (!Delete)
                {
                    WriteEntries(session, change, change.RolesAlreadyDone);
                }

                continue;
            }

            string roles = string.Join(", ", change.RolesToSend);
            string action = Delete
                ? $"Revoke role{(change.RolesToSend.Count > 1 ? "s" : string.Empty)} {roles}"
                : $"Grant role{(change.RolesToSend.Count > 1 ? "s" : string.Empty)} {roles} ({(change.Propagate ? "propagate" : "no propagate")})";
            if (!ShouldProcess($"{who} on {change.Path}", action))
            {
                continue;
            }

            if (!Delete)
            {
                // PassThru shows what already held too, so the output always describes the whole request.
                WriteEntries(session, change, change.RolesAlreadyDone);
            }

            approved.Add(change);
        }

        var executor = new AclChangeExecutor(session.Client, acl, session.Server.Authority, session.Version.ToString(), session.Identity);
        var progress = new Progress(this, approved.Count);
        var queue = new LinkedList<AclBatch>(AclPlanner.Batch(approved));
        while (queue.First is LinkedListNode<AclBatch> next)
        {
            queue.RemoveFirst();
            AclBatch batch = next.Value;
            progress.Next(batch, Verb);
            WriteVerbose($"{Verb} {string.Join(", ", batch.Roles)} {(Delete ? "from" : "to")} {AclPrincipal.Describe(batch.Changes.Select(c => AclPrincipal.Describe(c.Type, c.Principal)))} on {batch.Path}" +
                (Delete ? "." : $" (propagate: {(batch.Propagate ? "yes" : "no")})."));
            AclBatchResult result;
            try
            {
                result = Run(ct => executor.ExecuteAsync(batch, ct));
            }
            catch (Exception e) when (ErrorMapper.Handles(e))
            {
                WriteError(MapError(e, batch.Path, session));
                continue;
            }

            Report(session, result, progress);
            for (int i = result.FollowUps.Count - 1; i >= 0; i--)
            {
                queue.AddFirst(result.FollowUps[i]);
            }
        }

        progress.Complete();
    }

    private void Report(PveSession session, AclBatchResult result, Progress progress)
    {
        if (result.Notice is string notice)
        {
            WriteVerbose(notice);
        }

        if (result.Failure is AclExecutionFailure failure)
        {
            WriteError(failure.Kind == AclExecutionFailureKind.Other
                ? MapError(failure.Exception, failure.Target, session)
                : new ErrorRecord(failure.Exception, failure.ErrorId, Category(failure.Kind), ErrorMapper.SafeTarget(failure.Target))
                {
                    ErrorDetails = new ErrorDetails(ErrorMapper.DetailsText(failure.Message ?? failure.Exception.Message, failure.Action)) { RecommendedAction = failure.Action },
                });
        }

        if (!result.Applied)
        {
            return;
        }

        progress.Done(result.Batch.Changes.Count);
        if (Delete)
        {
            foreach (AclEntry entry in result.Removed)
            {
                WriteEntry(session, entry.Path, entry.Type, entry.Principal, entry.Role, entry.Propagate);
            }

            return;
        }

        foreach (AclChange change in result.Batch.Changes)
        {
            WriteEntries(session, change, result.Batch.Roles);
        }
    }

    private AclChange Plan(List<AclEntry> acl, Pending item)
    {
        if (!Delete)
        {
            return AclPlanner.PlanGrant(acl, item.Path, item.Type, item.Principal, item.Roles, item.Propagate);
        }

        var literal = item.Roles.Where(r => !WildcardPattern.ContainsWildcardCharacters(r)).ToList();
        var patterns = item.Roles.Where(WildcardPattern.ContainsWildcardCharacters)
            .Select(ValidateWildcardAttribute.Pattern)
            .ToList();
        return AclPlanner.PlanRevoke(acl, item.Path, item.Type, item.Principal, literal,
            patterns.Count == 0 ? null : role => patterns.Any(p => p.IsMatch(role)));
    }

    private static ErrorCategory Category(AclExecutionFailureKind kind) => kind switch
    {
        AclExecutionFailureKind.RoleNotDelegable => ErrorCategory.PermissionDenied,
        AclExecutionFailureKind.PathRejected => ErrorCategory.InvalidArgument,
        _ => ErrorCategory.ObjectNotFound,
    };

    private void WriteEntries(PveSession session, AclChange change, IEnumerable<string> roles)
    {
        foreach (string role in roles)
        {
            WriteEntry(session, change.Path, change.Type, change.Principal, role, change.Propagate);
        }
    }

    private void WriteEntry(PveSession session, string path, PveAclPrincipalType type, string principal, string role, bool propagate)
    {
        if (PassThru)
        {
            WriteObject(new PveAcl { Path = path, Type = type, Principal = principal, Role = role, Propagate = propagate, Session = session });
        }
    }

    private static string AlreadyDoneMessage(string who, AclChange change) =>
        $"{Capitalize(who)} already has {string.Join(", ", change.RolesAlreadyDone)} on {change.Path} (propagate: {(change.Propagate ? "yes" : "no")}): nothing to send.";

    private void WarnNothingToRevoke(string who, Pending item, AclChange change)
    {
        var absent = new List<string>(change.RolesAlreadyDone.Select(r => $"'{r}'"));
        absent.AddRange(item.Roles
            .Where(WildcardPattern.ContainsWildcardCharacters)
            .Where(r => !change.RolesToSend.Any(ValidateWildcardAttribute.Pattern(r).IsMatch))
            .Select(r => $"a role matching '{InputEcho.Quote(r)}'"));
        if (absent.Count > 0)
        {
            WriteWarning($"{Capitalize(who)} has no ACL entry with {string.Join(", ", absent)} on {change.Path}: nothing to revoke. Check the path, the principal and the role with Get-PveAcl -Path '{change.Path}'.");
        }
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s.Substring(1);

    private sealed class Pending
    {
        internal Pending(PveSession session, string path, PveAclPrincipalType type, string principal, IReadOnlyList<string> roles, bool propagate)
        {
            Session = session;
            Path = path;
            Type = type;
            Principal = principal;
            Roles = roles;
            Propagate = propagate;
        }

        internal PveSession Session { get; }

        internal string Path { get; }

        internal PveAclPrincipalType Type { get; }

        internal string Principal { get; }

        internal IReadOnlyList<string> Roles { get; }

        internal bool Propagate { get; }
    }

    /// <summary>Write-Progress over the principals of a bulk change; silent for a single one.</summary>
    private sealed class Progress
    {
        private const int ActivityId = 0x5045;
        private readonly PveAclChangeCommandBase _cmdlet;
        private readonly int _total;
        private int _done;

        internal Progress(PveAclChangeCommandBase cmdlet, int total)
        {
            _cmdlet = cmdlet;
            _total = total;
        }

        private bool Show => _total > 1;

        internal void Next(AclBatch batch, string verb)
        {
            if (!Show)
            {
                return;
            }

            _cmdlet.WriteProgress(new ProgressRecord(ActivityId, $"{verb} ACL roles", $"{Math.Min(_done, _total)} of {_total} principals done")
            {
                CurrentOperation = $"{string.Join(", ", batch.Roles)} on {batch.Path} for {AclPrincipal.Describe(batch.Changes.Select(c => c.Principal), 3)}",
                PercentComplete = (int)(100L * Math.Min(_done, _total) / _total),
            });
        }

        internal void Done(int count) => _done += count;

        internal void Complete()
        {
            if (Show)
            {
                _cmdlet.WriteProgress(new ProgressRecord(ActivityId, "ACL roles", "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }
}
