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
/// Audits the API tokens a session can see and writes one finding per problem: never expires,
/// expired, expiring soon, outlives its user, privilege separation off, privilege-separated with no
/// ACL entry, broad rights on /, and tokens of root@pam.
/// </summary>
/// <remarks>
/// Two requests do almost all of it: `GET /access/users?full=1` (every user with its state, groups
/// and tokens) and `GET /access/acl`. Before them the session's own rights on /access and
/// /access/groups are read: PVE filters both listings for a caller without Sys.Audit there, and an
/// audit of what a blind identity sees would say "clean"; so that is an AuditIncomplete error unless
/// -AllowPartial asks for a partial audit. Only BroadRights needs PVE's own computation, because the
/// effective rights of a token are the intersection of its entries with its user's and depend on
/// group membership, deeper entries and NoAccess: `GET /access/permissions?userid=TOKEN&amp;path=/`
/// is asked only for tokens with an ACL entry on / (theirs, or their user's and groups' without
/// privilege separation) whose role may hold a broad privilege. Findings are sorted by severity
/// (Critical first) so the table view's severity groups come out whole, and -Summary counts them
/// per severity for a scheduled report.
/// </remarks>
[Cmdlet(VerbsCommon.Get, "PveApiTokenAudit", DefaultParameterSetName = FindingsSet)]
[OutputType(typeof(PveApiTokenAuditFinding), ParameterSetName = new[] { FindingsSet })]
[OutputType(typeof(PveApiTokenAuditSummary), ParameterSetName = new[] { SummarySet })]
public sealed class GetPveApiTokenAuditCommand : PveSessionCmdletBase
{
    private const string FindingsSet = "Findings";
    private const string SummarySet = "Summary";

    /// <summary>Error id: the session cannot see every user, token or ACL entry, and -AllowPartial was not given.</summary>
    internal const string AuditIncomplete = "AuditIncomplete";

    private static readonly TimeSpan DefaultExpiringWithin = TimeSpan.FromDays(30);

    /// <summary>Gets or sets the users whose tokens to audit; wildcards allowed. All users when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateWildcard]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(UserIdCompleter))]
    public string[] UserId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the token names (or full token ids) to audit; wildcards allowed. All tokens when omitted.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateWildcard]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(TokenIdCompleter))]
    public string[] TokenId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the span within which an expiry counts as ExpiringSoon (30 days by default).</summary>
    [Parameter]
    [MaskedConversion(typeof(TimeSpan))]
    public TimeSpan ExpiringWithin { get; set; } = DefaultExpiringWithin;

    /// <summary>
    /// Gets or sets whether to audit what the session can see when that is not everything (with a
    /// warning) instead of failing: PVE hides users, tokens and ACL entries from a caller without the
    /// rights to read them, and a partial audit must never pass for a clean one by accident.
    /// </summary>
    [Parameter]
    public SwitchParameter AllowPartial { get; set; }

    /// <summary>Gets or sets whether to write one count per severity instead of the findings.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SummarySet)]
    public SwitchParameter Summary { get; set; }

    // Collected over the pipeline and answered in EndProcessing: one audit per server.
    private readonly List<(PveSession Session, Filter Filter)> _queries = new();

    protected override void Begin()
    {
        if (ExpiringWithin <= TimeSpan.Zero)
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument(GetPveApiTokenCommand.InvalidExpiringWithin,
                $"-ExpiringWithin {ExpiringWithin} is not a positive time span.", ExpiringWithin));
        }
    }

    protected override void ProcessRecordCore(PveSession session) =>
        _queries.Add((session, new Filter(UserId, TokenId)));

    protected override void End()
    {
        foreach (IGrouping<PveSession, (PveSession Session, Filter Filter)> group in _queries.GroupBy(q => q.Session))
        {
            Filter[] filters = group.Select(q => q.Filter).ToArray();
            try
            {
                Audit(group.Key, (user, token) => filters.Any(f => f.Matches(user, token)));
            }
            catch (Exception e) when (ErrorMapper.Handles(e))
            {
                WriteError(MapError(e, group.Key.Server, group.Key));
            }
        }
    }

    private void Audit(PveSession session, Func<string, string, bool> include)
    {
        string server = session.Server.Authority;
        var gaps = new List<string>(Run(ct => ListingProbe.MissingRightsAsync(session.Client, needUsers: true, needAcl: true, ct)));
        PveUserList users = Run(ct => session.Client.GetUsersAsync(ct));
        if (gaps.Count == 0 &&
            ListingVisibility.CheckUsers(session.Identity, session.AuthMethod == PveAuthMethod.ApiToken, users.Select(u => u.UserId)) is string gap)
        {
            gaps.Add(gap);
        }

        if (gaps.Count > 0)
        {
            string blind = $"{session.Identity} cannot see everything an audit must read on {server}: it lacks {string.Join("; and ", gaps)}.";
            if (!AllowPartial)
            {
                WriteError(PveApiTokenCommandSupport.Record(new UnauthorizedAccessException(blind), AuditIncomplete, ErrorCategory.PermissionDenied, server,
                    blind + " An audit of part of the tokens would look clean while hiding the rest, so none was made.",
                    $"Run the audit as an identity with {ListingVisibility.AclListingNeed}, or add -AllowPartial to audit only what this one can see."));
                return;
            }

            WriteWarning(blind + " -AllowPartial: auditing only what it can see; tokens it cannot see are not in the findings, and NoAclEntry may be reported for tokens whose entries it cannot read.");
        }

        IReadOnlyList<AclEntry> acl = Run(ct => session.Client.GetAclAsync(ct));
        var auditor = new ApiTokenAuditor(server, PveEpoch.Now, ExpiringWithin);
        (List<PveApiTokenAuditFinding> findings, List<BroadRightsCandidate> candidates) =
            auditor.Analyze(users, acl, include);

        foreach (BroadRightsCandidate candidate in candidates)
        {
            string id = candidate.Token.FullTokenId;
            try
            {
                PermissionMap map = Run(ct => session.Client.GetPermissionsAsync(id, "/", ct));
                if (auditor.ResolveCandidate(candidate, map) is PveApiTokenAuditFinding finding)
                {
                    findings.Add(finding);
                }
            }
            catch (PveApiException e)
            {
                WriteVerbose($"The effective permissions of {id} could not be read: {e.Message}");
                findings.Add(auditor.UnconfirmedCandidate(candidate, $"{e.StatusCode} {e.PveMessage}"));
            }
        }

        List<PveApiTokenAuditFinding> sorted = findings
            .OrderByDescending(f => f.Severity)
            .ThenBy(f => f.UserId, StringComparer.Ordinal)
            .ThenBy(f => f.TokenId, StringComparer.Ordinal)
            .ThenBy(f => f.Finding)
            .ToList();
        WriteVerbose($"Audited the API tokens on {server}: {sorted.Count} finding(s), {candidates.Count} permission look-up(s).");
        if (!Summary)
        {
            WriteObject(sorted, enumerateCollection: true);
            return;
        }

        foreach (PveApiTokenAuditSeverity severity in Enum.GetValues(typeof(PveApiTokenAuditSeverity)).Cast<PveApiTokenAuditSeverity>().OrderByDescending(s => s))
        {
            List<PveApiTokenAuditFinding> of = sorted.Where(f => f.Severity == severity).ToList();
            string kinds = string.Join(", ", of.GroupBy(f => f.Finding).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
            WriteObject(new PveApiTokenAuditSummary(server, severity, of.Count,
                of.Select(f => f.FullTokenId).Distinct(StringComparer.Ordinal).Count(), kinds));
        }
    }

    /// <summary>
    /// User and token patterns of one input record. As in Get-PveApiToken, exact ids match exactly
    /// (PVE's ids are case-sensitive) and wildcards without regard to case.
    /// </summary>
    private sealed class Filter
    {
        private readonly Func<string, bool>[] _users;
        private readonly (bool Full, Func<string, bool> Match)[] _tokens;

        internal Filter(string[] users, string[] tokens)
        {
            _users = users.Select(Pattern).ToArray();

            // A token given as its full id (USER@REALM!TOKENID, as the completer offers it) matches the full id.
            _tokens = tokens.Select(t => (t.IndexOf('!') >= 0, Pattern(t))).ToArray();
        }

        internal bool Matches(string userId, string tokenId) =>
            (_users.Length == 0 || _users.Any(m => m(userId))) &&
            (_tokens.Length == 0 || _tokens.Any(t => t.Match(t.Full ? userId + "!" + tokenId : tokenId)));

        private static Func<string, bool> Pattern(string text)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(text))
            {
                return value => string.Equals(value, text, StringComparison.Ordinal);
            }

            var pattern = ValidateWildcardAttribute.Pattern(text);
            return pattern.IsMatch;
        }
    }
}
