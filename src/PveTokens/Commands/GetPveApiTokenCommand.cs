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
/// Lists API tokens. Every token of every user comes from one `GET /access/users?full=1`; one exact
/// user asks only for that user's record (`GET /access/users/{userid}`, tokens included).
/// </summary>
[Cmdlet(VerbsCommon.Get, "PveApiToken", DefaultParameterSetName = ByIdSet)]
[OutputType(typeof(PveApiToken))]
public sealed class GetPveApiTokenCommand : PveSessionCmdletBase
{
    /// <summary>Error id: -ExpiringWithin is not a positive time span.</summary>
    internal const string InvalidExpiringWithin = "InvalidExpiringWithin";

    private const string ByIdSet = "ById";
    private const string ByObjectSet = "ByObject";
    private const int ProgressActivityId = 0x70C1;
    private const int ProgressEveryUsers = 500;

    // Queries are collected over the whole pipeline and answered in EndProcessing, so that
    // `Get-PveUser | Get-PveApiToken` costs one request per server, not one per user.
    private readonly List<Query> _queries = new();
    private long _expiringBefore;

    /// <summary>Gets or sets the owning users; wildcards allowed. All users when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    [SupportsWildcards]
    [ValidateWildcard]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(UserIdCompleter))]
    public string[] UserId { get; set; } = Array.Empty<string>();

    /// <summary>
    /// Gets or sets the token names (the part after '!'); wildcards allowed. All tokens when omitted.
    /// Without -UserId a full token id (USER@REALM!TOKENID) names one token exactly.
    /// </summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    [SupportsWildcards]
    [ValidateWildcard]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(TokenIdCompleter))]
    public string[] TokenId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets token objects to read again from their server.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObjectSet)]
    [MaskedConversion(typeof(PveApiToken[]))]
    public PveApiToken[] InputObject { get; set; } = Array.Empty<PveApiToken>();

    /// <summary>Gets or sets whether to return only tokens whose own expiry has passed.</summary>
    [Parameter]
    public SwitchParameter Expired { get; set; }

    /// <summary>Gets or sets a span: return only tokens that are not yet expired but will be within it.</summary>
    [Parameter]
    [MaskedConversion(typeof(TimeSpan))]
    public TimeSpan ExpiringWithin { get; set; }

    private bool FilterExpiring => MyInvocation.BoundParameters.ContainsKey(nameof(ExpiringWithin));

    protected override void Begin()
    {
        if (FilterExpiring)
        {
            if (ExpiringWithin <= TimeSpan.Zero)
            {
                ThrowTerminatingError(ErrorMapper.InvalidArgument(InvalidExpiringWithin,
                    $"-ExpiringWithin {ExpiringWithin} is not a positive time span; to list expired tokens use -Expired.", ExpiringWithin));
            }

            _expiringBefore = PveEpoch.Now + (long)Math.Ceiling(Math.Min(ExpiringWithin.TotalSeconds, PveEpoch.MaxSeconds));
        }
    }

    protected override void ProcessRecordCore(PveSession session)
    {
        if (ParameterSetName == ByObjectSet)
        {
            foreach (PveApiToken token in InputObject)
            {
                if (token is null)
                {
                    continue;
                }

                PveSession target = Session ?? (token.Session is PveSession own ? ResolveSession(own) : session);
                _queries.Add(new Query(target, new[] { new Pattern(token.UserId) }, new[] { new Pattern(token.TokenId) }));
            }

            return;
        }

        // A full token id (USER@REALM!TOKENID, wildcards allowed: what every view shows and admins
        // copy) names its user too: in -TokenId, or in -UserId alone (where a positional one lands).
        string[] userIds = UserId;
        string[] tokenIds = TokenId;
        if (tokenIds.Length == 0 && userIds.Length > 0 && userIds.All(u => u.IndexOf('!') >= 0))
        {
            tokenIds = userIds;
            userIds = Array.Empty<string>();
        }

        var names = new List<string>();
        foreach (string token in tokenIds)
        {
            int bang = token.IndexOf('!');
            if (bang < 0)
            {
                names.Add(token);
                continue;
            }

            string owner = token.Substring(0, bang);
            string name = token.Substring(bang + 1);
            string? problem = IsExact(token) ? PveIdentifier.CheckFullTokenId(token) : null;
            if (problem is null && userIds.Length > 0 && !userIds.Any(u => ValidateWildcardAttribute.Pattern(u).IsMatch(owner)))
            {
                problem = $"The full token id '{token}' belongs to {owner}, which -UserId does not name: give the full token id alone, or -UserId with the token's own name.";
            }

            if (problem is not null)
            {
                WriteError(ErrorMapper.InvalidArgument(PveApiTokenCommandSupport.InvalidTokenId, problem, token));
                return;
            }

            _queries.Add(new Query(session, new[] { new Pattern(owner) }, new[] { new Pattern(name) }));
        }

        if (names.Count == 0 && tokenIds.Length > 0)
        {
            return;
        }

        tokenIds = names.ToArray();

        // Exact ids are checked here, before any request; wildcards are patterns and need no check.
        ErrorRecord? invalid = null;
        foreach (string user in userIds.Where(IsExact))
        {
            invalid ??= PveApiTokenCommandSupport.CheckUserId(user);
        }

        foreach (string token in tokenIds.Where(IsExact))
        {
            invalid ??= PveApiTokenCommandSupport.CheckTokenId(token);
        }

        if (invalid is not null)
        {
            WriteError(invalid);
            return;
        }

        _queries.Add(new Query(session, userIds.Select(u => new Pattern(u)).ToArray(), tokenIds.Select(t => new Pattern(t)).ToArray()));
    }

    protected override void End()
    {
        foreach (IGrouping<PveSession, Query> group in _queries.GroupBy(q => q.Session))
        {
            var queries = group.ToList();
            try
            {
                Answer(group.Key, queries);
            }
            catch (Exception e) when (ErrorMapper.Handles(e))
            {
                WriteError(ErrorMapper.Map(e, null, group.Key));
            }
        }
    }

    /// <summary>
    /// Picks the fewest requests for the queries on one server. One exact user (and nothing else):
    /// that user's record, which holds its tokens and its state, a smaller answer than the users index.
    /// Anything else (no user, wildcards, two or more users): the users index with tokens, in one
    /// request. Both tell whether each owner is enabled and unexpired, so a token's status is the
    /// same however it was asked for. Tokens come out sorted by user, then token id.
    /// </summary>
    private void Answer(PveSession session, List<Query> queries)
    {
        string[] users = queries.SelectMany(q => q.Users).Select(p => p.Text).Distinct(StringComparer.Ordinal).ToArray();
        bool oneExactUser = users.Length == 1 && queries.All(q => q.Users.Length > 0 && q.Users.All(p => p.IsExact));
        if (!oneExactUser)
        {
            AnswerFromUsersIndex(session, queries);
            return;
        }

        string userId = users[0];
        PveUserFields owner;
        bool known;
        try
        {
            (owner, known) = ReadOwner(session, userId, queries);
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WriteError(PveApiTokenCommandSupport.MapError(e, userId, "*", session));
            return;
        }

        foreach (Query query in queries)
        {
            query.MarkUser(userId);
        }

        var emitted = new HashSet<string>(StringComparer.Ordinal);
        foreach (PveTokenFields fields in Sorted(owner.Tokens))
        {
            string tokenId = fields.TokenId ?? string.Empty;
            if (Match(queries, userId, tokenId) && emitted.Add(tokenId))
            {
                Emit(PveApiTokenCommandSupport.ToToken(userId, tokenId, fields, session, known ? owner.Enabled : null, known ? owner.Expire : null));
            }
        }

        ReportNotFound(session, queries);
    }

    /// <summary>
    /// One user's record with its tokens: `GET /access/users/{userid}`, which also says whether the owner
    /// is enabled and unexpired (so the status is the one the users index gives). Reading a user needs
    /// Sys.Audit or User.Modify; a caller who may only manage the tokens (itself) gets them from the
    /// token endpoints, and the owner's state stays unknown unless the session is that user.
    /// </summary>
    private (PveUserFields Owner, bool StateKnown) ReadOwner(PveSession session, string userId, List<Query> queries)
    {
        try
        {
            return (Run(ct => session.Client.GetUserAsync(userId, ct)), true);
        }
        catch (PveApiException e) when (e.StatusCode == 403)
        {
            WriteVerbose($"{session.Identity} may not read the user {userId} ({e.PveMessage.Trim()}): reading its tokens instead; their status shows Unknown unless the session is {userId} itself.");
        }

        var owner = new PveUserFields { UserId = userId };
        string[] tokens = queries.SelectMany(q => q.Tokens).Select(p => p.Text).Distinct(StringComparer.Ordinal).ToArray();
        bool oneExactToken = tokens.Length == 1 && queries.All(q => q.Tokens.Length > 0 && q.Tokens.All(p => p.IsExact));
        if (oneExactToken)
        {
            try
            {
                PveTokenFields fields = Run(ct => session.Client.GetTokenAsync(userId, tokens[0], ct));
                fields.TokenId = tokens[0];
                owner.Tokens.Add(fields);
            }
            catch (PveApiException e) when (e.StatusCode == 500 && e.PveMessage.StartsWith("no such token", StringComparison.Ordinal))
            {
                // Reported as TokenNotFound like any exact id that matched nothing.
            }
        }
        else
        {
            owner.Tokens.AddRange(Run(ct => session.Client.GetTokensAsync(userId, ct)));
        }

        return (owner, PveApiTokenCommandSupport.IsSessionUser(session, userId));
    }

    /// <summary>By token id, in ordinal order: PVE lists a user's tokens in hash order.</summary>
    private static IEnumerable<PveTokenFields> Sorted(IEnumerable<PveTokenFields> tokens) =>
        tokens.OrderBy(t => t.TokenId ?? string.Empty, StringComparer.Ordinal);

    /// <summary>`GET /access/users?full=1`, parsed user by user; each token is written as soon as it is read.</summary>
    private void AnswerFromUsersIndex(PveSession session, List<Query> queries)
    {
        PveUserList users = Run(ct => session.Client.GetUsersAsync(ct));
        var emitted = new HashSet<string>(StringComparer.Ordinal);
        var progress = new ProgressRecord(ProgressActivityId, $"Reading the API tokens of every user on {session.Server}", "Starting");
        int usersRead = 0;
        int tokensRead = 0;
        long consumed = 0;
        bool progressShown = false;
        var listed = new List<string>();
        foreach (PveUserFields user in users.Read(bytes => consumed = bytes))
        {
            listed.Add(user.UserId);
            foreach (Query query in queries)
            {
                query.MarkUser(user.UserId);
            }

            foreach (PveTokenFields fields in Sorted(user.Tokens))
            {
                string tokenId = fields.TokenId ?? string.Empty;
                if (Match(queries, user.UserId, tokenId) && emitted.Add(user.UserId + "!" + tokenId))
                {
                    Emit(PveApiTokenCommandSupport.ToToken(user.UserId, tokenId, fields, session, user.Enabled, user.Expire));
                }
            }

            // Only a long listing shows progress; a small one is done before anyone could read it.
            tokensRead += user.Tokens.Count;
            if (++usersRead % ProgressEveryUsers == 0)
            {
                progress.StatusDescription = $"{usersRead} users, {tokensRead} tokens";
                progress.PercentComplete = (int)(consumed * 100 / Math.Max(1, users.Length));
                WriteProgress(progress);
                progressShown = true;
            }
        }

        if (progressShown)
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }

        if (ListingVisibility.CheckUsers(session.Identity, session.AuthMethod == PveAuthMethod.ApiToken, listed) is string gap)
        {
            WriteWarning($"The token listing on {session.Server.Authority} is incomplete: {gap}. PVE shows a user and its tokens only to a caller with Sys.Audit or User.Modify on one of the user's groups; every user needs {ListingVisibility.UserListingNeed}.");
        }

        ReportNotFound(session, queries);
    }

    /// <summary>Whether any query asks for the token; marks the exact token ids that matched something.</summary>
    private static bool Match(List<Query> queries, string userId, string tokenId)
    {
        bool any = false;
        foreach (Query query in queries)
        {
            if (query.Matches(userId, tokenId))
            {
                any = true;
            }
        }

        return any;
    }

    /// <summary>Writes the token if it passes -Expired / -ExpiringWithin (either, when both are given).</summary>
    private void Emit(PveApiToken token)
    {
        bool filter = Expired.IsPresent || FilterExpiring;
        if (filter)
        {
            long now = PveEpoch.Now;
            bool expired = PveEpoch.IsExpired(token.ExpireEpoch, now);
            bool expiring = FilterExpiring && !expired && token.ExpireEpoch != 0 && token.ExpireEpoch <= _expiringBefore;
            if (!((Expired.IsPresent && expired) || expiring))
            {
                return;
            }
        }

        WriteObject(token);
    }

    /// <summary>An exact (non-wildcard) id that matched nothing is an error; a wildcard that matched nothing is not.</summary>
    private void ReportNotFound(PveSession session, List<Query> queries)
    {
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (Query query in queries)
        {
            bool missingUser = false;
            foreach (Pattern user in query.Users.Where(p => p.IsExact && !p.Found))
            {
                missingUser = true;
                if (reported.Add("u:" + user.Text))
                {
                    WriteError(PveApiTokenCommandSupport.Record(
                        new ItemNotFoundException($"There is no user '{user.Text}' among the users this session can see on {session.Server}."),
                        PveApiTokenCommandSupport.UserNotFound, ErrorCategory.ObjectNotFound, user.Text,
                        $"There is no user '{user.Text}' among the users this session can see on {session.Server}.",
                        "Check the user id and its realm (USER@REALM, e.g. ci@pve); listing users needs User.Modify or Sys.Audit on their groups."));
                }
            }

            // An exact token id is "not found" only if it was looked for: when the users named
            // (exactly or by a wildcard) matched nobody, there was nowhere to look.
            if ((missingUser && query.Users.All(p => p.IsExact)) || !query.AnyUserMatched)
            {
                continue;
            }

            foreach (Pattern token in query.Tokens.Where(p => p.IsExact && !p.Found))
            {
                string owner = query.Users.Length == 0 ? "any user" : string.Join(", ", query.Users.Select(p => $"'{p.Text}'"));
                string message = query.Users.Length == 1 && query.Users[0].IsExact
                    ? $"The user '{query.Users[0].Text}' has no API token '{token.Text}' on {session.Server}."
                    : $"No API token '{token.Text}' was found for {owner} on {session.Server}.";
                if (reported.Add("t:" + owner + "!" + token.Text))
                {
                    WriteError(PveApiTokenCommandSupport.Record(new ItemNotFoundException(message),
                        PveApiTokenCommandSupport.TokenNotFound, ErrorCategory.ObjectNotFound, token.Text, message,
                        "List the tokens with Get-PveApiToken, or use a wildcard (-TokenId 'name*') to get nothing instead of an error."));
                }
            }
        }
    }

    private static bool IsExact(string pattern) => !WildcardPattern.ContainsWildcardCharacters(pattern);

    /// <summary>One request for tokens: user and token patterns (none = all) on one session.</summary>
    private sealed class Query
    {
        internal Query(PveSession session, Pattern[] users, Pattern[] tokens)
        {
            Session = session;
            Users = users;
            Tokens = tokens;
        }

        internal PveSession Session { get; }

        internal Pattern[] Users { get; }

        internal Pattern[] Tokens { get; }

        /// <summary>Whether any user seen so far matched the user patterns (always, when there are none).</summary>
        internal bool AnyUserMatched { get; private set; }

        internal void MarkUser(string userId)
        {
            foreach (Pattern p in Users)
            {
                if (p.Matches(userId))
                {
                    p.Found = true;
                    AnyUserMatched = true;
                }
            }

            if (Users.Length == 0)
            {
                AnyUserMatched = true;
            }
        }

        internal bool Matches(string userId, string tokenId)
        {
            if (Users.Length > 0 && !Users.Any(p => p.Matches(userId)))
            {
                return false;
            }

            if (Tokens.Length == 0)
            {
                return true;
            }

            bool any = false;
            foreach (Pattern p in Tokens)
            {
                if (p.Matches(tokenId))
                {
                    p.Found = true;
                    any = true;
                }
            }

            return any;
        }
    }

    /// <summary>
    /// An id or a wildcard pattern. PVE's ids are case-sensitive, so an exact id must match exactly;
    /// wildcards match without regard to case, as everywhere in PowerShell.
    /// </summary>
    private sealed class Pattern
    {
        private readonly WildcardPattern? _wildcard;

        internal Pattern(string text)
        {
            Text = text;
            if (!IsExact(text))
            {
                _wildcard = ValidateWildcardAttribute.Pattern(text);
            }
        }

        internal string Text { get; }

        internal bool IsExact => _wildcard is null;

        internal bool Found { get; set; }

        internal bool Matches(string value) => _wildcard?.IsMatch(value) ?? string.Equals(Text, value, StringComparison.Ordinal);
    }
}
