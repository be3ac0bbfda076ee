// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PveTokens.Models;

namespace PveTokens.Access;

/// <summary>
/// The rules of Get-PveApiTokenAudit, apart from any I/O: it reads the users index with tokens and
/// the ACL tree, and says which tokens need an effective-permission look-up to decide the
/// BroadRights finding (only those with an ACL entry on / whose role may hold a broad privilege).
/// </summary>
internal sealed class ApiTokenAuditor
{
    /// <summary>The privileges that let a token change who may do what, or the system itself.</summary>
    internal static readonly string[] BroadPrivileges = { "Permissions.Modify", "Realm.Allocate", "Sys.Modify", "User.Modify" };

    internal const string RootUser = "root@pam";

    // Built-in roles (every PVE version) that hold none of the broad privileges. Custom roles cannot
    // start with "PVE", so any other role (Administrator, PVEAdmin, PVEUserAdmin, a custom role) may.
    private static readonly HashSet<string> NarrowBuiltInRoles = new(StringComparer.Ordinal)
    {
        "NoAccess", "PVEAuditor", "PVEDatastoreAdmin", "PVEDatastoreUser", "PVEMappingAdmin", "PVEMappingUser",
        "PVEPoolAdmin", "PVEPoolUser", "PVESDNAdmin", "PVESDNUser", "PVESysAdmin", "PVETemplateUser", "PVEVMAdmin", "PVEVMUser",
    };

    private readonly string _server;
    private readonly long _now;
    private readonly long _expiringBefore;
    private readonly int _expiringDays;

    internal ApiTokenAuditor(string server, long now, TimeSpan expiringWithin)
    {
        _server = server;
        _now = now;
        _expiringBefore = now + (long)Math.Ceiling(Math.Min(expiringWithin.TotalSeconds, PveEpoch.MaxSeconds));
        _expiringDays = Math.Max(1, (int)Math.Ceiling(expiringWithin.TotalDays));
    }

    /// <summary>
    /// The findings that need no further request, and the tokens whose BroadRights finding needs an
    /// effective-permission look-up on /.
    /// </summary>
    internal (List<PveApiTokenAuditFinding> Findings, List<BroadRightsCandidate> Candidates) Analyze(
        IEnumerable<PveUserFields> users, IReadOnlyList<AclEntry> acl, Func<string, string, bool> include)
    {
        var findings = new List<PveApiTokenAuditFinding>();
        var candidates = new List<BroadRightsCandidate>();
        var tokensWithEntries = new HashSet<string>(
            acl.Where(e => e.Type == PveAclPrincipalType.Token).Select(e => e.Principal), StringComparer.Ordinal);
        List<AclEntry> onRoot = acl.Where(e => e.Path == "/" && !NarrowBuiltInRoles.Contains(e.Role)).ToList();

        foreach (PveUserFields user in users)
        {
            foreach (PveTokenFields fields in user.Tokens)
            {
                var token = new AuditedToken(user, fields);
                if (!include(token.UserId, token.TokenId))
                {
                    continue;
                }

                CheckToken(token, tokensWithEntries, findings);
                BroadRightsCandidate? candidate = FindCandidate(token, onRoot);
                if (candidate is not null)
                {
                    candidates.Add(candidate);
                }
            }
        }

        return (findings, candidates);
    }

    /// <summary>
    /// The BroadRights finding of a candidate from its effective permissions on / (as PVE computed
    /// them with <c>GET /access/permissions?userid=TOKEN&amp;path=/</c>); null when it holds none.
    /// </summary>
    internal PveApiTokenAuditFinding? ResolveCandidate(BroadRightsCandidate candidate, PermissionMap permissions)
    {
        IReadOnlyDictionary<string, bool> onRoot = permissions.Get("/");
        string[] held = BroadPrivileges.Where(onRoot.ContainsKey).ToArray();
        if (held.Length == 0)
        {
            return null;
        }

        bool propagated = held.Any(p => onRoot[p]);
        string detail = $"Holds {string.Join(", ", held)} on /{(propagated ? ", propagated to every path" : " (not propagated)")}, {Source(candidate)}. " +
            "With these it can grant itself or others any right, change users and realms, or reconfigure the node.";
        return BroadFinding(candidate, detail);
    }

    /// <summary>The BroadRights finding of a candidate whose permissions could not be read (reported, so nothing is hidden).</summary>
    internal PveApiTokenAuditFinding UnconfirmedCandidate(BroadRightsCandidate candidate, string why) =>
        BroadFinding(candidate,
            $"May hold broad privileges on /: {Source(candidate)}. Its effective permissions could not be read to confirm it ({why}).");

    private PveApiTokenAuditFinding BroadFinding(BroadRightsCandidate c, string detail)
    {
        AuditedToken t = c.Token;
        string remediation = t.PrivilegeSeparation
            ? $"Remove-PveAcl -Path '/' -TokenId {Quote(t.FullTokenId)} -Role {string.Join(", ", c.Entries.Select(e => Quote(e.Role)).Distinct(StringComparer.Ordinal))}"
            : $"Update-PveApiToken -UserId {Quote(t.UserId)} -TokenId {Quote(t.TokenId)} -PrivilegeSeparation $true";
        return Finding(t, PveApiTokenAuditSeverity.High, PveApiTokenAuditFindingKind.BroadRights, detail, remediation);
    }

    private static string Source(BroadRightsCandidate c)
    {
        string entries = string.Join("; ", c.Entries.Select(e =>
            $"{e.Role} on / for {e.Type.ToString().ToLowerInvariant()} {e.Principal}{(e.Propagate ? string.Empty : " (propagate=0)")}"));
        return c.Token.PrivilegeSeparation
            ? $"granted by {entries}"
            : $"inherited from its user without privilege separation ({entries})";
    }

    private void CheckToken(AuditedToken t, HashSet<string> tokensWithEntries, List<PveApiTokenAuditFinding> findings)
    {
        string user = Quote(t.UserId);
        string token = Quote(t.TokenId);
        string remove = $"Remove-PveApiToken -UserId {user} -TokenId {token}";
        if (t.UserId == RootUser)
        {
            findings.Add(t.PrivilegeSeparation
                ? Finding(t, PveApiTokenAuditSeverity.High, PveApiTokenAuditFindingKind.RootToken,
                    "A token of root@pam. Its rights are exactly its own ACL entries (root's tokens are not limited by their user), and it is tied to the one account that cannot be restricted or audited apart: use a token of a dedicated user.",
                    remove)
                : Finding(t, PveApiTokenAuditSeverity.Critical, PveApiTokenAuditFindingKind.RootToken,
                    "A token of root@pam without privilege separation: it holds every privilege on every path, like root's password. Use a privilege-separated token of a dedicated user with only the rights it needs.",
                    remove));
        }

        bool expired = PveEpoch.IsExpired(t.Expire, _now);
        if (expired)
        {
            findings.Add(Finding(t, PveApiTokenAuditSeverity.Low, PveApiTokenAuditFindingKind.Expired,
                $"Expired on {Date(t.Expire)}. PVE still lists it but refuses it; a later expiry would make it usable again.",
                remove));
        }
        else if (t.Expire == 0)
        {
            findings.Add(Finding(t, PveApiTokenAuditSeverity.Medium, PveApiTokenAuditFindingKind.NeverExpires,
                "Never expires: a leaked secret stays valid until someone removes or resets the token.",
                $"Update-PveApiToken -UserId {user} -TokenId {token} -ExpiresIn (New-TimeSpan -Days 90)"));
        }
        else if (t.Expire <= _expiringBefore)
        {
            long days = Math.Max(0, (t.Expire - _now) / 86400);
            findings.Add(Finding(t, PveApiTokenAuditSeverity.Medium, PveApiTokenAuditFindingKind.ExpiringSoon,
                $"Expires on {Date(t.Expire)} (in {days} day{(days == 1 ? string.Empty : "s")}, within the {_expiringDays}-day window). Extend it, or rotate its secret with Reset-PveApiToken and give it a new expiry.",
                $"Update-PveApiToken -UserId {user} -TokenId {token} -ExpiresIn (New-TimeSpan -Days 90)"));
        }

        if (!expired)
        {
            if (!t.UserEnabled)
            {
                findings.Add(Finding(t, PveApiTokenAuditSeverity.Low, PveApiTokenAuditFindingKind.OutlivesUser,
                    $"Its user {t.UserId} is disabled, so the token cannot authenticate; it would work again the moment the user is enabled.",
                    remove));
            }
            else if (t.UserExpire != 0 && (t.Expire == 0 || t.Expire > t.UserExpire))
            {
                bool userExpired = PveEpoch.IsExpired(t.UserExpire, _now);
                string tokenEnd = t.Expire == 0 ? "never expires" : $"expires on {Date(t.Expire)}";
                findings.Add(userExpired
                    ? Finding(t, PveApiTokenAuditSeverity.Low, PveApiTokenAuditFindingKind.OutlivesUser,
                        $"Its user {t.UserId} expired on {Date(t.UserExpire)}, so the token cannot authenticate although it {tokenEnd}.",
                        remove)
                    : Finding(t, PveApiTokenAuditSeverity.Low, PveApiTokenAuditFindingKind.OutlivesUser,
                        $"Its user {t.UserId} expires on {Date(t.UserExpire)} but the token {tokenEnd}: it will stop working with its user. Align its expiry (or the user's) so the date you see is the date it ends.",
                        $"Update-PveApiToken -UserId {user} -TokenId {token} -ExpiresAt ([datetime]'{IsoUtc(t.UserExpire)}')"));
            }
        }

        if (!t.PrivilegeSeparation)
        {
            findings.Add(Finding(t, PveApiTokenAuditSeverity.Medium, PveApiTokenAuditFindingKind.PrivilegeSeparationOff,
                $"Privilege separation is off: the token holds every right of {t.UserId}, now and whatever it is granted later, and ACL entries naming the token are ignored. Turn it on, then grant the token only what it needs with Set-PveAcl.",
                $"Update-PveApiToken -UserId {user} -TokenId {token} -PrivilegeSeparation $true"));
        }
        else if (!expired && !tokensWithEntries.Contains(t.FullTokenId))
        {
            // An expired token is reported as Expired, with the same remedy: no second finding for it.
            findings.Add(Finding(t, PveApiTokenAuditSeverity.Info, PveApiTokenAuditFindingKind.NoAclEntry,
                "Privilege-separated and no ACL entry names it: it can log in but do nothing. Remove it, or grant it a role with Set-PveAcl.",
                remove));
        }
    }

    private static BroadRightsCandidate? FindCandidate(AuditedToken t, List<AclEntry> onRoot)
    {
        List<AclEntry> entries;
        if (t.PrivilegeSeparation)
        {
            entries = onRoot.Where(e => e.Type == PveAclPrincipalType.Token && e.Principal == t.FullTokenId).ToList();
        }
        else if (t.UserId == RootUser)
        {
            // Already Critical as a RootToken: root's rights need no look-up to be known.
            return null;
        }
        else
        {
            entries = onRoot.Where(e =>
                (e.Type == PveAclPrincipalType.User && e.Principal == t.UserId) ||
                (e.Type == PveAclPrincipalType.Group && t.Groups.Contains(e.Principal))).ToList();
        }

        return entries.Count == 0 ? null : new BroadRightsCandidate(t, entries);
    }

    private PveApiTokenAuditFinding Finding(AuditedToken t, PveApiTokenAuditSeverity severity, PveApiTokenAuditFindingKind kind,
        string detail, string remediation) =>
        new(_server, severity, kind, t.UserId, t.TokenId, t.PrivilegeSeparation, PveEpoch.ToLocalDateTime(t.Expire), detail, remediation);

    /// <summary>A PowerShell single-quoted string literal (quotes doubled, typographic ones too).</summary>
    internal static string Quote(string value)
    {
        var sb = new System.Text.StringBuilder("'");
        foreach (char c in value)
        {
            sb.Append(c);
            if (c == '\'' || c == '\u2018' || c == '\u2019' || c == '\u201A' || c == '\u201B')
            {
                sb.Append(c);
            }
        }

        return sb.Append('\'').ToString();
    }

    private static string Date(long epoch) =>
        PveEpoch.ToLocalDateTime(epoch)?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never";

    private static string IsoUtc(long epoch) =>
        DateTimeOffset.FromUnixTimeSeconds(Math.Min(epoch, PveEpoch.MaxSeconds)).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}

/// <summary>A token as the audit sees it: its settings and its user's state.</summary>
internal sealed class AuditedToken
{
    internal AuditedToken(PveUserFields user, PveTokenFields fields)
    {
        UserId = user.UserId;
        TokenId = fields.TokenId ?? string.Empty;
        Expire = Math.Max(0, fields.Expire ?? 0);
        PrivilegeSeparation = fields.PrivilegeSeparation ?? true;
        UserEnabled = user.Enabled;
        UserExpire = user.Expire;
        Groups = new HashSet<string>(user.Groups, StringComparer.Ordinal);
    }

    internal string UserId { get; }

    internal string TokenId { get; }

    internal string FullTokenId => UserId + "!" + TokenId;

    internal long Expire { get; }

    internal bool PrivilegeSeparation { get; }

    internal bool UserEnabled { get; }

    internal long UserExpire { get; }

    internal HashSet<string> Groups { get; }
}

/// <summary>A token with ACL entries on / whose roles may hold a broad privilege: its effective rights decide.</summary>
internal sealed class BroadRightsCandidate
{
    internal BroadRightsCandidate(AuditedToken token, IReadOnlyList<AclEntry> entries)
    {
        Token = token;
        Entries = entries;
    }

    internal AuditedToken Token { get; }

    /// <summary>The entries on / (the token's own, or its user's and groups' without privilege separation).</summary>
    internal IReadOnlyList<AclEntry> Entries { get; }
}
