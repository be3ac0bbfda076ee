// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

namespace PveTokens.Models;

/// <summary>
/// One row of an access plan (Get-PveAccessPlan, Test-PveAccessPolicy -Detailed) or of its apply
/// (Invoke-PveAccessPolicy): what changes on which object of which server, before and after, why,
/// and, after an apply, what became of it.
/// </summary>
public sealed class PveAccessPlanChange
{
    internal PveAccessPlanChange(PveSession session, PveAccessChangeAction action, PveAccessObjectType objectType, string id,
        string? before, string? after, string reason, string? protectedBecause)
    {
        Session = session;
        Server = session.Server.Authority;
        Action = action;
        ObjectType = objectType;
        Id = id;
        Before = before;
        After = after;
        Reason = reason;
        ProtectedBecause = protectedBecause;
    }

    /// <summary>The server (cluster) the row is for, as host:port, as Get-PveSession shows it.</summary>
    public string Server { get; }

    /// <summary>Create, Update, Rotate, Grant, Revoke or Remove.</summary>
    public PveAccessChangeAction Action { get; }

    /// <summary>Role, Group, User, Token or Acl.</summary>
    public PveAccessObjectType ObjectType { get; }

    /// <summary>The object: a role, group or user id, a full token id, or "PATH PRINCIPAL ROLE" for an ACL entry.</summary>
    public string Id { get; }

    /// <summary>The object as the server has it now; null when it does not exist.</summary>
    public string? Before { get; }

    /// <summary>The object as the policy declares it; null when it is removed.</summary>
    public string? After { get; }

    /// <summary>Why the row is in the plan, e.g. "expires in 9 days, RenewBefore is 14 days".</summary>
    public string Reason { get; }

    /// <summary>Set when the change would remove or cut the rights of the session's own credential: it is reported and never applied.</summary>
    public string? ProtectedBecause { get; }

    /// <summary>Planned; after Invoke-PveAccessPolicy Done, Failed, Unknown or Skipped.</summary>
    public PveAccessChangeStatus Status { get; internal set; } = PveAccessChangeStatus.Planned;

    /// <summary>What happened when it was applied (a failure's reason, a fallback taken), or null.</summary>
    public string? Message { get; internal set; }

    /// <summary>The session the row belongs to.</summary>
    public PveSession Session { get; }

    /// <summary>"Create Token ci@pve!deploy".</summary>
    public override string ToString() => $"{Action} {ObjectType} {Id}";
}

/// <summary>The counts of an access plan for one server (Get-PveAccessPlan -Summary).</summary>
public sealed class PveAccessPlanSummary
{
    internal PveAccessPlanSummary(PveSession session)
    {
        Session = session;
        Server = session.Server.Authority;
    }

    /// <summary>The server (cluster) as host:port, as Get-PveSession shows it.</summary>
    public string Server { get; }

    /// <summary>Objects to create.</summary>
    public int Create { get; internal set; }

    /// <summary>Objects to update.</summary>
    public int Update { get; internal set; }

    /// <summary>Token secrets to rotate.</summary>
    public int Rotate { get; internal set; }

    /// <summary>ACL entries to grant.</summary>
    public int Grant { get; internal set; }

    /// <summary>ACL entries to revoke (applied with -Prune only).</summary>
    public int Revoke { get; internal set; }

    /// <summary>Objects to remove (applied with -Prune only).</summary>
    public int Remove { get; internal set; }

    /// <summary>Changes never applied because they would cut the session's own rights.</summary>
    public int Protected { get; internal set; }

    /// <summary>Live users, tokens, groups, custom roles and ACL entries outside the policy's scope, left alone.</summary>
    public int Unmanaged { get; internal set; }

    /// <summary>True when the server matches the policy.</summary>
    public bool InSync => Create + Update + Rotate + Grant + Revoke + Remove == 0;

    /// <summary>The session the summary belongs to.</summary>
    public PveSession Session { get; }

    public override string ToString() => $"{Server}: {Create} to create, {Update} to update, {Rotate} to rotate, {Grant} to grant, {Revoke} to revoke, {Remove} to remove";
}
