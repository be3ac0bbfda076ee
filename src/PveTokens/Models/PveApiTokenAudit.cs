// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;

namespace PveTokens.Models;

/// <summary>
/// How much an audit finding matters. The values are ordered, so <c>Sort-Object Severity -Descending</c>
/// puts Critical first and <c>Where-Object Severity -ge High</c> keeps High and Critical.
/// </summary>
public enum PveApiTokenAuditSeverity
{
    /// <summary>Worth knowing; nothing is at risk (a privilege-separated token with no rights at all).</summary>
    Info = 0,

    /// <summary>Clutter: a token that can no longer be used (expired, or its user is disabled or expires first).</summary>
    Low = 1,

    /// <summary>A hygiene gap: no expiry, expiry close, or no privilege separation.</summary>
    Medium = 2,

    /// <summary>A token that can change permissions, users, realms or the system, or a privilege-separated token of root@pam.</summary>
    High = 3,

    /// <summary>A token of root@pam without privilege separation: a second root password.</summary>
    Critical = 4,
}

/// <summary>What Get-PveApiTokenAudit found wrong with a token.</summary>
public enum PveApiTokenAuditFindingKind
{
    /// <summary>The token belongs to root@pam.</summary>
    RootToken = 0,

    /// <summary>The token effectively holds Permissions.Modify, User.Modify, Sys.Modify or Realm.Allocate on / (Administrator has all four).</summary>
    BroadRights = 1,

    /// <summary>Privilege separation is off: the token holds every right of its user.</summary>
    PrivilegeSeparationOff = 2,

    /// <summary>The token never expires.</summary>
    NeverExpires = 3,

    /// <summary>The token expires within the audit's -ExpiringWithin span.</summary>
    ExpiringSoon = 4,

    /// <summary>The token's expiry has passed: PVE still lists it but refuses it.</summary>
    Expired = 5,

    /// <summary>The token's user is disabled, or expires before the token does.</summary>
    OutlivesUser = 6,

    /// <summary>The token is privilege-separated and no ACL entry names it: it can do nothing.</summary>
    NoAclEntry = 7,
}

/// <summary>
/// One problem Get-PveApiTokenAudit found with one API token. Every property is a flat value (ids as
/// strings, no session object), so findings export cleanly with Export-Csv and ConvertTo-Json, and
/// pipe by property name (UserId, TokenId) into Update-PveApiToken and Remove-PveApiToken.
/// </summary>
public sealed class PveApiTokenAuditFinding
{
    internal PveApiTokenAuditFinding(string server, PveApiTokenAuditSeverity severity, PveApiTokenAuditFindingKind finding,
        string userId, string tokenId, bool privilegeSeparation, DateTime? expiresAt, string detail, string remediation)
    {
        Server = server;
        Severity = severity;
        Finding = finding;
        UserId = userId;
        TokenId = tokenId;
        PrivilegeSeparation = privilegeSeparation;
        ExpiresAt = expiresAt;
        Detail = detail;
        Remediation = remediation;
    }

    /// <summary>How much the finding matters.</summary>
    public PveApiTokenAuditSeverity Severity { get; }

    /// <summary>What was found.</summary>
    public PveApiTokenAuditFindingKind Finding { get; }

    /// <summary>The full token id, <c>USER@REALM!TOKENID</c>.</summary>
    public string FullTokenId => UserId + "!" + TokenId;

    /// <summary>The token's user, e.g. <c>ci@pve</c>.</summary>
    public string UserId { get; }

    /// <summary>The token's own name (the part after <c>!</c>).</summary>
    public string TokenId { get; }

    /// <summary>Whether the token is privilege-separated.</summary>
    public bool PrivilegeSeparation { get; }

    /// <summary>When the token expires (local time); null when it never does.</summary>
    public DateTime? ExpiresAt { get; }

    /// <summary>What exactly is wrong, in a sentence or two.</summary>
    public string Detail { get; }

    /// <summary>A PowerShell command that fixes the finding, ready to paste (ids quoted).</summary>
    public string Remediation { get; }

    /// <summary>The server audited, <c>host:port</c>.</summary>
    public string Server { get; }

    /// <summary>"Severity Finding FullTokenId".</summary>
    public override string ToString() => $"{Severity} {Finding} {FullTokenId}";
}

/// <summary>The number of findings of one severity on one server (Get-PveApiTokenAudit -Summary).</summary>
public sealed class PveApiTokenAuditSummary
{
    internal PveApiTokenAuditSummary(string server, PveApiTokenAuditSeverity severity, int count, int tokenCount, string findings)
    {
        Server = server;
        Severity = severity;
        Count = count;
        TokenCount = tokenCount;
        Findings = findings;
    }

    /// <summary>The severity counted.</summary>
    public PveApiTokenAuditSeverity Severity { get; }

    /// <summary>How many findings have this severity.</summary>
    public int Count { get; }

    /// <summary>How many distinct tokens they concern.</summary>
    public int TokenCount { get; }

    /// <summary>The kinds found with their counts, e.g. <c>NeverExpires: 2, ExpiringSoon: 1</c>; empty when none.</summary>
    public string Findings { get; }

    /// <summary>The server audited, <c>host:port</c>.</summary>
    public string Server { get; }

    /// <summary>"Severity: Count".</summary>
    public override string ToString() => $"{Severity}: {Count}";
}
