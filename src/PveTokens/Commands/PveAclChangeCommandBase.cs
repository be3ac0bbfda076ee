// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PveTokens.Api;
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
    public string[] GroupId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets ACL entries (from Get-PveAcl) to apply as they are.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
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

    protected override void BeginProcessing()
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

    protected override void EndProcessing()
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
            string who = Describe(item.Type, item.Principal);
            if (item.Type == PveAclPrincipalType.User && string.Equals(item.Principal, "root@pam", StringComparison.Ordinal))
            {
                WriteWarning($"root@pam always holds every privilege and PVE does not store ACL entries for it: nothing sent for {who} on {item.Path}.");
                continue;
            }

            AclChange change = Plan(acl, item);
            if (change.RolesAlreadyDone.Count > 0)
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

        IReadOnlyList<AclBatch> batches = AclPlanner.Batch(approved);
        var progress = new Progress(this, approved.Count);
        foreach (AclBatch batch in batches)
        {
            Execute(session, acl, batch, progress);
        }

        progress.Complete();
    }

    private AclChange Plan(List<AclEntry> acl, Pending item)
    {
        if (!Delete)
        {
            return AclPlanner.PlanGrant(acl, item.Path, item.Type, item.Principal, item.Roles, item.Propagate);
        }

        var literal = item.Roles.Where(r => !WildcardPattern.ContainsWildcardCharacters(r)).ToList();
        var patterns = item.Roles.Where(WildcardPattern.ContainsWildcardCharacters)
            .Select(r => WildcardPattern.Get(r, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant))
            .ToList();
        return AclPlanner.PlanRevoke(acl, item.Path, item.Type, item.Principal, literal,
            patterns.Count == 0 ? null : role => patterns.Any(p => p.IsMatch(role)));
    }

    /// <summary>
    /// Sends one batch. PVE applies a request whole or not at all, so on a failure that names one
    /// role or principal that one is reported and the rest is sent again; a failure that names
    /// nothing is retried per principal so each error belongs to one principal.
    /// </summary>
    private void Execute(PveSession session, List<AclEntry> acl, AclBatch batch, Progress progress)
    {
        progress.Next(batch, Verb);
        WriteVerbose($"{Verb} {string.Join(", ", batch.Roles)} {(Delete ? "from" : "to")} {AclPrincipal.Describe(batch.Changes.Select(c => Describe(c.Type, c.Principal)))} on {batch.Path}" +
            (Delete ? "." : $" (propagate: {(batch.Propagate ? "yes" : "no")})."));
        try
        {
            Run(ct => session.Client.UpdateAclAsync(batch.Path, batch.Roles,
                batch.PrincipalsOf(PveAclPrincipalType.User).ToList(),
                batch.PrincipalsOf(PveAclPrincipalType.Group).ToList(),
                batch.PrincipalsOf(PveAclPrincipalType.Token).ToList(),
                batch.Propagate, batch.Delete, ct));
        }
        catch (PveApiException e)
        {
            AclFailure failure = AclFailure.Classify(e);
            AclBatch? retry = null;
            switch (failure.Kind)
            {
                case AclFailureKind.RoleNotFound:
                    WriteError(RoleError(e, "AclRoleNotFound", ErrorCategory.ObjectNotFound, failure.Name, batch,
                        $"The role '{failure.Name}' does not exist on {session.Server.Host}",
                        "Check the name (role ids are case-sensitive) with Get-PveRole."));
                    retry = Without(batch, role: failure.Name);
                    break;
                case AclFailureKind.RoleNotDelegable:
                    WriteError(RoleError(e, "AclRoleNotDelegable", ErrorCategory.PermissionDenied, failure.Name, batch,
                        failure.Name is null
                            ? $"{session.Identity} may not {(Delete ? "revoke" : "grant")} these roles on {batch.Path}: without Permissions.Modify on the path a caller may only {(Delete ? "revoke" : "grant")} roles whose privileges it holds itself{(Delete ? string.Empty : " (propagated, when granting with propagation)")}"
                            : $"{session.Identity} may not {(Delete ? "revoke" : "grant")} the role '{failure.Name}' on {batch.Path}: without Permissions.Modify on the path a caller may only {(Delete ? "revoke" : "grant")} roles whose privileges it holds itself{(Delete ? string.Empty : " (propagated, when granting with propagation)")}",
                        "Ask for Permissions.Modify on the path, or use a role within your own privileges (Get-PvePermission shows them)."));
                    retry = failure.Name is null ? null : Without(batch, role: failure.Name);
                    break;
                case AclFailureKind.PrincipalNotFound:
                    AclChange? missing = batch.Changes.FirstOrDefault(c => string.Equals(c.Principal, failure.Name, StringComparison.Ordinal) ||
                        (failure.PrincipalType == PveAclPrincipalType.User && c.Type == PveAclPrincipalType.Token &&
                         c.Principal.StartsWith(failure.Name + "!", StringComparison.Ordinal)));
                    if (missing is null)
                    {
                        // PVE named someone we cannot match: one request per principal pins it down.
                        SplitAndExecute(session, acl, batch, progress, e);
                        return;
                    }

                    WriteError(Error(e, "AclPrincipalNotFound", ErrorCategory.ObjectNotFound, missing.Principal,
                        $"Cannot {(Delete ? "revoke" : "grant")} {string.Join(", ", batch.Roles)} on {batch.Path}: {Describe(missing.Type, missing.Principal)} does not exist on {session.Server.Host} (PVE: {FirstLines(e.PveMessage)}).",
                        "Check the id; Get-PveUser lists users and Get-PveApiToken their tokens."));
                    retry = Without(batch, change: missing);
                    break;
                case AclFailureKind.PathRejected:
                    WriteError(Error(e, "AclPathRejected", ErrorCategory.InvalidArgument, batch.Path,
                        $"{session.Server.Host} (PVE {session.Version}) does not accept the ACL path '{batch.Path}' (PVE: {e.Errors["path"]}); nothing was {(Delete ? "revoked" : "granted")} for {AclPrincipal.Describe(batch.Changes.Select(c => Describe(c.Type, c.Principal)))}.",
                        "Some paths exist only on newer PVE versions (/sdn/fabrics from 9.0.1, /sdn/prefix-lists and /sdn/route-maps from 9.1.0)."));
                    break;
                default:
                    if (batch.Changes.Count > 1 && e.StatusCode != 401 && e.StatusCode != 403)
                    {
                        SplitAndExecute(session, acl, batch, progress, e);
                        return;
                    }

                    WriteError(MapError(e, batch.Changes.Count == 1 ? batch.Changes[0].Principal : batch.Path, session));
                    break;
            }

            if (retry is not null)
            {
                Execute(session, acl, retry, progress);
            }

            return;
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WriteError(MapError(e, batch.Path, session));
            return;
        }

        var removed = Delete
            ? acl.Where(entry => batch.Roles.Contains(entry.Role, StringComparer.Ordinal) &&
                                 batch.Changes.Any(c => c.Type == entry.Type && c.Path == entry.Path && c.Principal == entry.Principal))
                 .ToList()
            : null;
        AclPlanner.Apply(acl, batch);
        progress.Done(batch.Changes.Count);
        if (removed is not null)
        {
            foreach (AclEntry entry in removed)
            {
                WriteEntry(session, entry.Path, entry.Type, entry.Principal, entry.Role, entry.Propagate);
            }

            return;
        }

        foreach (AclChange change in batch.Changes)
        {
            WriteEntries(session, change, batch.Roles);
        }
    }

    private void SplitAndExecute(PveSession session, List<AclEntry> acl, AclBatch batch, Progress progress, PveApiException cause)
    {
        if (batch.Changes.Count <= 1)
        {
            WriteError(MapError(cause, batch.Changes.Count == 1 ? batch.Changes[0].Principal : batch.Path, session));
            return;
        }

        WriteVerbose($"PVE refused the request as a whole ({cause.PveMessage}); sending it once per principal to find which one fails.");
        foreach (AclChange change in batch.Changes)
        {
            Execute(session, acl, new AclBatch(batch.Path, batch.Propagate, batch.Delete, batch.Roles, new[] { change }), progress);
        }
    }

    private static AclBatch? Without(AclBatch batch, string? role = null, AclChange? change = null)
    {
        var roles = batch.Roles.Where(r => !string.Equals(r, role, StringComparison.Ordinal)).ToList();
        var changes = batch.Changes.Where(c => !ReferenceEquals(c, change)).ToList();
        return roles.Count == 0 || changes.Count == 0 || (roles.Count == batch.Roles.Count && changes.Count == batch.Changes.Count)
            ? null
            : new AclBatch(batch.Path, batch.Propagate, batch.Delete, roles, changes);
    }

    private ErrorRecord RoleError(PveApiException e, string id, ErrorCategory category, string? role, AclBatch batch, string what, string action) =>
        Error(e, id, category, (object?)role ?? batch.Path,
            $"{what}; nothing was {(Delete ? "revoked" : "granted")} {(Delete ? "from" : "to")} {AclPrincipal.Describe(batch.Changes.Select(c => Describe(c.Type, c.Principal)))} for it (PVE: {FirstLines(e.PveMessage)}).",
            action);

    private static ErrorRecord Error(Exception e, string id, ErrorCategory category, object? target, string message, string action) =>
        new(e, id, category, target) { ErrorDetails = new ErrorDetails(message + " " + action) { RecommendedAction = action } };

    private static string FirstLines(string text) => text.Replace("\n", " ").Trim();

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

    private string AlreadyDoneMessage(string who, AclChange change)
    {
        string roles = string.Join(", ", change.RolesAlreadyDone);
        return Delete
            ? $"{Capitalize(who)} has no {roles} on {change.Path}: nothing to revoke."
            : $"{Capitalize(who)} already has {roles} on {change.Path} (propagate: {(change.Propagate ? "yes" : "no")}): nothing to send.";
    }

    private static string Describe(PveAclPrincipalType type, string principal) => type switch
    {
        PveAclPrincipalType.Token => $"token '{principal}'",
        PveAclPrincipalType.Group => $"group '{principal}'",
        _ => $"user '{principal}'",
    };

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
