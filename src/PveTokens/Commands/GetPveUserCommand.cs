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
/// Lists users with their groups and token count (<c>GET /access/users?full=1</c>, one request per
/// session); the objects pipe into the token cmdlets by their UserId.
/// </summary>
[Cmdlet(VerbsCommon.Get, "PveUser")]
[OutputType(typeof(PveUser))]
public sealed class GetPveUserCommand : PveSessionCmdletBase
{
    private readonly Dictionary<PveSession, List<PveUserFields>> _users = new();
    private readonly HashSet<PveSession> _warned = new();

    /// <summary>Gets or sets the user ids (wildcards allowed); all users the session may see when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(UserIdCompleter))]
    public string[] UserId { get; set; } = Array.Empty<string>();

    protected override void ProcessRecordCore(PveSession session)
    {
        if (!_users.TryGetValue(session, out List<PveUserFields>? users))
        {
            _users[session] = new List<PveUserFields>();
            users = Run(ct => session.Client.GetUsersAsync(ct)).ToList();
            _users[session] = users;
        }

        if (UserId.Length == 0)
        {
            WarnIfIncomplete(session, users);
            Write(session, users);
            return;
        }

        // Every id exact and found: the answer is complete whatever else the caller cannot see.
        if (!UserId.All(id => !WildcardPattern.ContainsWildcardCharacters(id) && users.Any(u => string.Equals(u.UserId, id.Trim(), StringComparison.Ordinal))))
        {
            WarnIfIncomplete(session, users);
        }

        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (string id in UserId)
        {
            WildcardPattern pattern = ValidateWildcardAttribute.Pattern(id);
            var hits = users.Where(u => pattern.IsMatch(u.UserId) && written.Add(u.UserId)).ToList();
            Write(session, hits);
            if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(id) &&
                !users.Any(u => string.Equals(u.UserId, id.Trim(), StringComparison.OrdinalIgnoreCase)))
            {
                string message = $"There is no user '{InputEcho.Quote(id)}' on {session.Server.Authority}, or {session.Identity} may not see it" +
                    " (PVE lists only users in groups where the caller has User.Modify or Sys.Audit).";
                WriteError(new ErrorRecord(new ItemNotFoundException(message), "UserNotFound", ErrorCategory.ObjectNotFound, ErrorMapper.SafeTarget(id))
                {
                    ErrorDetails = new ErrorDetails(message),
                });
            }
        }
    }

    private void WarnIfIncomplete(PveSession session, List<PveUserFields> users)
    {
        if (_warned.Add(session) &&
            ListingVisibility.CheckUsers(session.Identity, session.AuthMethod == PveAuthMethod.ApiToken, users.Select(u => u.UserId)) is string gap)
        {
            WriteWarning($"The user listing on {session.Server.Authority} is incomplete: {gap}. PVE shows a user only to a caller with Sys.Audit or User.Modify on one of its groups; every user needs {ListingVisibility.UserListingNeed}.");
        }
    }

    private void Write(PveSession session, IEnumerable<PveUserFields> users)
    {
        foreach (PveUserFields user in users)
        {
            int at = user.UserId.LastIndexOf('@');
            WriteObject(new PveUser
            {
                UserId = user.UserId,
                Realm = at < 0 ? string.Empty : user.UserId.Substring(at + 1),
                RealmType = user.RealmType,
                Enabled = user.Enabled,
                ExpiresAt = PveEpoch.ToLocalDateTime(user.Expire),
                Groups = user.Groups.ToArray(),
                TokenNames = user.TokenNames(),
                FirstName = user.FirstName,
                LastName = user.LastName,
                Email = user.Email,
                Comment = user.Comment,
                Session = session,
            });
        }
    }
}
