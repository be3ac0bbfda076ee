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
/// Shows the effective privileges PVE computes for a user or API token (<c>GET /access/permissions</c>,
/// always with <c>userid</c> when one is given), one row per path and privilege; with
/// -CompareWithOwner, a token's rights side by side with its owner's.
/// </summary>
/// <remarks>
/// -CompareWithOwner answers "why does the token get 403 where its user does not?": a
/// privilege-separated token has the intersection of its own ACL entries with its owner's rights,
/// so rows in state OwnerOnly are exactly what the token lacks. It is a separate output type
/// (PvePermissionComparison) rather than extra columns on PvePermission, so the plain rows stay
/// one privilege of one principal, and the comparison table reads as "token vs owner" at a glance.
/// </remarks>
[Cmdlet(VerbsCommon.Get, "PvePermission", DefaultParameterSetName = SelfSet)]
[OutputType(typeof(PvePermission))]
[OutputType(typeof(PvePermissionComparison), ParameterSetName = new[] { TokenSet })]
[OutputType(typeof(PveAccessGrant))]
public sealed class GetPvePermissionCommand : PveSessionCmdletBase
{
    private const string SelfSet = "Self";
    private const string UserSet = "User";
    private const string TokenSet = "Token";

    /// <summary>Gets or sets the paths to show; the whole tree PVE reports when omitted.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AclPathCompleter))]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the users whose permissions to show; with -TokenId, the owners token names are joined with.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = TokenSet)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UserSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(UserIdCompleter))]
    public string[] UserId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the API tokens whose permissions to show: full ids, or token names joined with -UserId.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = TokenSet)]
    [Alias("FullTokenId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TokenIdCompleter))]
    public string[] TokenId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the privileges to show (wildcards allowed).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(PrivilegeCompleter))]
    public string[] Privilege { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets whether to compare each token's rights with its owner's.</summary>
    [Parameter(ParameterSetName = TokenSet)]
    public SwitchParameter CompareWithOwner { get; set; }

    /// <summary>
    /// Gets or sets whether to name, for each privilege PVE reports, the ACL entries that grant it
    /// (PveAccessGrant rows, computed by the access report's evaluator and checked against PVE's answer).
    /// </summary>
    [Parameter]
    public SwitchParameter Explain { get; set; }

    private List<string?>? _paths;
    private readonly Dictionary<PveSession, PermissionEvaluator> _evaluators = new();

    // Per session: the privileges asked for in the server's spelling, and the users index for existence checks.
    private readonly Dictionary<PveSession, string[]?> _privileges = new();
    private readonly Dictionary<PveSession, IReadOnlyList<PveUserFields>> _users = new();
    private string[] _wanted = Array.Empty<string>();

    protected override void Begin()
    {
        if (Explain && CompareWithOwner)
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument("ExplainWithCompareWithOwner",
                "-Explain and -CompareWithOwner cannot be used together.", null,
                "Run Get-PvePermission -TokenId … -Explain: its rows show the token's entry and the owner's entry it is intersected with."));
        }

        if (PrivilegeArguments.CheckSyntax(Privilege, allowWildcards: true) is ErrorRecord invalidPrivilege)
        {
            ThrowTerminatingError(invalidPrivilege);
        }

        var paths = new List<string?>();
        foreach (string path in Path)
        {
            string? normalized = AclPath.NormalizeAndValidate(path, out string? error);
            if (normalized is null)
            {
                ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidAclPath", error!, path,
                    "Check the path against the ACL roots PVE knows (tab completion on -Path offers them)."));
            }

            paths.Add(normalized);
        }

        _paths = paths.Count == 0 ? new List<string?> { null } : paths;
    }

    protected override void ProcessRecordCore(PveSession session)
    {
        // A privilege the server does not know would match nothing and look like "no such right".
        if (!_privileges.TryGetValue(session, out string[]? wanted))
        {
            _privileges[session] = null;
            wanted = PrivilegeArguments.Resolve(this, session.Client, session.Server.Authority, Privilege, allowWildcards: true);
            _privileges[session] = wanted;
        }

        if (wanted is null)
        {
            return;
        }

        _wanted = wanted;
        // Several principals are one request (or two, compared) each: show how far along it is.
        int total = ParameterSetName == UserSet ? UserId.Length : ParameterSetName == TokenSet ? TokenId.Length : 0;
        string activity = $"Reading effective permissions on {session.Server.Authority}";
        int done = 0;
        void Step(string principal)
        {
            if (total > 1)
            {
                WriteProgress(new ProgressRecord(ProgressActivityId, activity, $"{principal} ({done + 1} of {total})")
                {
                    PercentComplete = done * 100 / total,
                });
            }

            done++;
        }

        try
        {
            ProcessPrincipals(session, Step);
        }
        finally
        {
            if (total > 1)
            {
                WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Done")
                {
                    PercentComplete = 100,
                    RecordType = ProgressRecordType.Completed,
                });
            }
        }
    }

    private const int ProgressActivityId = 0x50455250;

    private void ProcessPrincipals(PveSession session, Action<string> step)
    {
        switch (ParameterSetName)
        {
            case UserSet:
                foreach (string user in UserId)
                {
                    step(user);
                    if (AclPrincipal.CheckUserId(user) is string error)
                    {
                        WriteError(ErrorMapper.InvalidArgument("InvalidUserId", error, user));
                        continue;
                    }

                    WritePermissions(session, user.Trim(), user.Trim());
                }

                break;
            case TokenSet:
                foreach ((string input, string? id, string? error) in AclPrincipal.ResolveTokens(TokenId, UserId))
                {
                    step(id ?? input);
                    if (id is null)
                    {
                        WriteError(ErrorMapper.InvalidArgument("InvalidTokenId", error!, input,
                            "Give the full token id USER@REALM!TOKENID, or the token name together with -UserId."));
                        continue;
                    }

                    if (CompareWithOwner)
                    {
                        WriteComparison(session, id);
                    }
                    else
                    {
                        WritePermissions(session, id, id);
                    }
                }

                break;
            default:
                WritePermissions(session, null, session.Identity);
                break;
        }
    }

    private void WritePermissions(PveSession session, string? userId, string principal)
    {
        foreach (string? path in _paths!)
        {
            PermissionMap map;
            try
            {
                map = Run(ct => session.Client.GetPermissionsAsync(userId, path, ct));
            }
            catch (Exception e) when (ErrorMapper.Handles(e))
            {
                WriteError(MapError(e, userId ?? principal, session));
                return;
            }

            if (userId is not null && map.Paths.All(p => p.Value.Count == 0) && !Exists(session, userId))
            {
                return;
            }

            if (Explain)
            {
                WriteExplained(session, principal, map);
                continue;
            }

            bool any = false;
            foreach ((string p, string privilege, bool propagate) in PermissionComparer.Flatten(map))
            {
                if (!Wanted(privilege))
                {
                    continue;
                }

                any = true;
                WriteObject(new PvePermission { Principal = principal, Path = p, Privilege = privilege, Propagate = propagate, Session = session });
            }

            if (!any)
            {
                WriteVerbose($"{principal} has no {(Privilege.Length == 0 ? "privileges" : "matching privileges")}{(path is null ? string.Empty : " on " + path)}.");
            }
        }
    }

    private void WriteComparison(PveSession session, string tokenId)
    {
        string owner = tokenId.Substring(0, tokenId.LastIndexOf('!'));
        foreach (string? path in _paths!)
        {
            PermissionMap token;
            PermissionMap user;
            try
            {
                token = Run(ct => session.Client.GetPermissionsAsync(tokenId, path, ct));
            }
            catch (Exception e) when (ErrorMapper.Handles(e))
            {
                WriteError(MapError(e, tokenId, session));
                return;
            }

            // "Every privilege its owner has" is no answer for a token that does not exist.
            if (token.Paths.All(p => p.Value.Count == 0) && !Exists(session, tokenId))
            {
                return;
            }

            try
            {
                user = Run(ct => session.Client.GetPermissionsAsync(owner, path, ct));
            }
            catch (PveApiException e) when (e.StatusCode == 403 && session.AuthMethod == PveAuthMethod.ApiToken)
            {
                WriteError(PveApiTokenCommandSupport.Record(e, OwnerNotReadable, ErrorCategory.PermissionDenied, tokenId,
                    $"The session {session.Identity} is an API token, and PVE does not count a token as its own user: it may read its own rights but not those of {owner} ({e.PveMessage.Trim()}).",
                    $"Run the comparison from a session of {owner} itself (Connect-PveServer -Credential), which may always read its own and its tokens' rights."));
                return;
            }
            catch (Exception e) when (ErrorMapper.Handles(e))
            {
                WriteError(MapError(e, owner, session));
                return;
            }

            int missing = 0;
            foreach (PermissionDifference row in PermissionComparer.Compare(token, user))
            {
                if (!Wanted(row.Privilege))
                {
                    continue;
                }

                if (row.State == PvePermissionState.OwnerOnly)
                {
                    missing++;
                }

                WriteObject(new PvePermissionComparison
                {
                    TokenId = tokenId,
                    OwnerId = owner,
                    Path = row.Path,
                    Privilege = row.Privilege,
                    State = row.State,
                    TokenPropagate = row.TokenPropagate,
                    OwnerPropagate = row.OwnerPropagate,
                    Session = session,
                });
            }

            WriteVerbose(missing == 0
                ? $"{tokenId} has every privilege its owner {owner} has{(path is null ? string.Empty : " on " + path)}."
                : $"{tokenId} lacks {missing} privilege(s) its owner {owner} has{(path is null ? string.Empty : " on " + path)}: a privilege-separated token needs its own ACL entries (Set-PveAcl -TokenId {tokenId}).");
        }
    }

    /// <summary>
    /// PVE's answer, privilege by privilege, with the entries the evaluator finds behind each. PVE's
    /// answer decides what is listed; where the evaluator disagrees (pool-derived rights, entries
    /// the session cannot read), the row says Unexplained and a warning names the difference.
    /// </summary>
    private void WriteExplained(PveSession session, string principal, PermissionMap map)
    {
        if (!_evaluators.TryGetValue(session, out PermissionEvaluator? evaluator))
        {
            evaluator = new PermissionEvaluator(Run(ct => session.Client.GetPermissionSnapshotAsync(PveEpoch.Now, ct)));
            _evaluators[session] = evaluator;
        }

        AccessPrincipal? who = evaluator.FindPrincipal(principal);
        var unexplained = new List<string>();
        foreach (KeyValuePair<string, IReadOnlyDictionary<string, bool>> path in map.Paths.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            PathPermissions? cell = who is null ? null : evaluator.Evaluate(who, path.Key);
            Dictionary<string, PrivilegeGrant> computed = cell?.Grants().ToDictionary(g => g.Privilege, StringComparer.Ordinal)
                ?? new Dictionary<string, PrivilegeGrant>();
            foreach (KeyValuePair<string, bool> privilege in path.Value.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!Wanted(privilege.Key))
                {
                    continue;
                }

                if (computed.TryGetValue(privilege.Key, out PrivilegeGrant grant) && grant.Propagate == privilege.Value)
                {
                    WriteObject(PveAccessGrant.From(cell!, grant, session));
                }
                else
                {
                    unexplained.Add($"{privilege.Key} on {path.Key}");
                    WriteObject(PveAccessGrant.Unexplained(principal, who, path.Key, privilege.Key, privilege.Value, session));
                }

                computed.Remove(privilege.Key);
            }

            foreach (string extra in computed.Keys.Where(Wanted))
            {
                unexplained.Add($"{extra} on {path.Key} (computed, but not reported by PVE)");
            }
        }

        if (unexplained.Count > 0)
        {
            WriteWarning($"{unexplained.Count} privilege(s) of {principal} differ from what the ACL entries this session can read explain: " +
                AclPrincipal.Describe(unexplained) + ". Rights through pool membership, and entries hidden from a session without Sys.Audit on /access, are not explained.");
        }
    }

    private bool Wanted(string privilege) =>
        _wanted.Length == 0 ||
        _wanted.Any(p => ValidateWildcardAttribute.Pattern(p).IsMatch(privilege));

    /// <summary>
    /// Whether <paramref name="principal"/> exists, asked only when PVE reported no privileges at all
    /// (its answer for a principal that does not exist); writes UserNotFound or TokenNotFound when it
    /// does not, and a warning when the session cannot see enough to tell. One users listing per session.
    /// </summary>
    private bool Exists(PveSession session, string principal)
    {
        if (!_users.TryGetValue(session, out IReadOnlyList<PveUserFields>? users))
        {
            try
            {
                users = Run(ct => session.Client.GetUsersAsync(ct)).ToList();
            }
            catch (Exception e) when (ErrorMapper.Handles(e))
            {
                WriteVerbose($"The users could not be listed to check that {principal} exists: {e.Message}");
                users = Array.Empty<PveUserFields>();
            }

            _users[session] = users;
        }

        bool token = principal.IndexOf('!') >= 0;
        switch (ListingVisibility.Exists(users, principal, session.Identity, session.AuthMethod == PveAuthMethod.ApiToken))
        {
            case true:
                return true;
            case false:
                string message = token
                    ? $"There is no API token {principal} on {session.Server.Authority}: PVE reports no privileges for a token that does not exist, as if it existed without any."
                    : $"There is no user {principal} on {session.Server.Authority}: PVE reports no privileges for a user that does not exist, as if it existed without any.";
                WriteError(PveApiTokenCommandSupport.Record(new ItemNotFoundException(message),
                    token ? PveApiTokenCommandSupport.TokenNotFound : PveApiTokenCommandSupport.UserNotFound, ErrorCategory.ObjectNotFound, principal, message,
                    token ? "Check the token id and its realm (USER@REALM!TOKENID); Get-PveApiToken lists the tokens." : "Check the user id and its realm (USER@REALM, e.g. ci@pve); Get-PveUser lists the users."));
                return false;
            default:
                WriteWarning($"PVE reports no privileges for {principal}, and {session.Identity} cannot list every user to tell whether it exists (that needs {ListingVisibility.UserListingNeed}): check the id and its realm.");
                return true;
        }
    }

    /// <summary>Error id: a token session asked for its owner's rights, which PVE does not let a token read as "self".</summary>
    internal const string OwnerNotReadable = "OwnerNotReadable";
}
