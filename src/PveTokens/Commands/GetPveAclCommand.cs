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
/// Lists ACL entries (<c>GET /access/acl</c>), filtered client-side by path, role and principal:
/// one request per session however many filters or piped objects.
/// </summary>
[Cmdlet(VerbsCommon.Get, "PveAcl", DefaultParameterSetName = AllSet)]
[OutputType(typeof(PveAcl))]
public sealed class GetPveAclCommand : PveSessionCmdletBase
{
    private const string AllSet = "All";
    private const string TokenSet = "Token";
    private const string UserSet = "User";
    private const string GroupSet = "Group";

    private readonly Dictionary<PveSession, IReadOnlyList<AclEntry>> _acl = new();

    /// <summary>Gets or sets the paths to list (wildcards allowed); all paths when omitted.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(AclPathCompleter))]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the API tokens whose entries to list: full ids, token names (of any user, or joined with -UserId), wildcards allowed.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = TokenSet)]
    [Alias("FullTokenId")]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(TokenIdCompleter))]
    public string[] TokenId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the users whose entries to list (wildcards allowed); with -TokenId, the tokens' owners.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = TokenSet)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UserSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(UserIdCompleter))]
    public string[] UserId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the groups whose entries to list (wildcards allowed).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = GroupSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(GroupIdCompleter))]
    public string[] GroupId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the roles to list (wildcards allowed).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(RoleCompleter))]
    public string[] Role { get; set; } = Array.Empty<string>();

    protected override void ProcessRecordCore(PveSession session)
    {
        List<Func<string, bool>>? paths = PathFilters();
        if (paths is null)
        {
            return;
        }

        if (!_acl.TryGetValue(session, out IReadOnlyList<AclEntry>? acl))
        {
            // Read once per session: a failure is reported once, not again for every piped object.
            _acl[session] = Array.Empty<AclEntry>();
            acl = Run(ct => session.Client.GetAclAsync(ct));
            _acl[session] = acl;

            // PVE leaves out, without a word, the entries on paths the caller may neither audit nor modify.
            if (Run(ct => ListingProbe.MissingRightsAsync(session.Client, needUsers: false, needAcl: true, ct)).Count > 0)
            {
                WriteWarning($"The ACL listing on {session.Server.Authority} is incomplete: {session.Identity} lacks {ListingVisibility.AclListingNeed}, so PVE shows only the entries on paths it may modify.");
            }
        }

        Func<AclEntry, bool> principal = PrincipalFilter();
        List<WildcardPattern> roles = Role.Select(ValidateWildcardAttribute.Pattern).ToList();
        foreach (AclEntry entry in acl)
        {
            if ((paths.Count == 0 || paths.Any(p => p(entry.Path))) &&
                (roles.Count == 0 || roles.Any(r => r.IsMatch(entry.Role))) &&
                principal(entry))
            {
                WriteObject(new PveAcl
                {
                    Path = entry.Path,
                    Type = entry.Type,
                    Principal = entry.Principal,
                    Role = entry.Role,
                    Propagate = entry.Propagate,
                    Session = session,
                });
            }
        }
    }

    private List<Func<string, bool>>? PathFilters()
    {
        var filters = new List<Func<string, bool>>();
        foreach (string path in Path)
        {
            if (WildcardPattern.ContainsWildcardCharacters(path))
            {
                WildcardPattern pattern = ValidateWildcardAttribute.Pattern(path.StartsWith("/", StringComparison.Ordinal) ? path : "/" + path);
                filters.Add(pattern.IsMatch);
                continue;
            }

            // Literal paths are compared as PVE stores them (/storage/nfs/ is /storage/nfs). The
            // whitelist is not applied: entries on paths PVE no longer accepts can still be listed.
            string? normalized = AclPath.Normalize(path, out string? error);
            if (normalized is null)
            {
                WriteError(ErrorMapper.InvalidArgument("InvalidAclPath", error!, path));
                return null;
            }

            filters.Add(p => string.Equals(p, normalized, StringComparison.OrdinalIgnoreCase));
        }

        return filters;
    }

    private Func<AclEntry, bool> PrincipalFilter()
    {
        switch (ParameterSetName)
        {
            case TokenSet:
                var tokenPatterns = new List<Func<string, bool>>();
                foreach (string token in TokenId)
                {
                    if (token.IndexOf('!') >= 0)
                    {
                        tokenPatterns.Add(ValidateWildcardAttribute.Pattern(token).IsMatch);
                    }
                    else if (UserId.Length > 0)
                    {
                        tokenPatterns.AddRange(UserId.Select(u => (Func<string, bool>)ValidateWildcardAttribute.Pattern(u + "!" + token).IsMatch));
                    }
                    else
                    {
                        // A bare token name matches that name under any user.
                        WildcardPattern name = ValidateWildcardAttribute.Pattern(token);
                        tokenPatterns.Add(full => name.IsMatch(full.Substring(full.LastIndexOf('!') + 1)));
                    }
                }

                return e => e.Type == PveAclPrincipalType.Token && tokenPatterns.Any(p => p(e.Principal));
            case UserSet:
                List<WildcardPattern> users = UserId.Select(ValidateWildcardAttribute.Pattern).ToList();
                return e => e.Type == PveAclPrincipalType.User && users.Any(p => p.IsMatch(e.Principal));
            case GroupSet:
                List<WildcardPattern> groups = GroupId.Select(ValidateWildcardAttribute.Pattern).ToList();
                return e => e.Type == PveAclPrincipalType.Group && groups.Any(p => p.IsMatch(e.Principal));
            default:
                return _ => true;
        }
    }
}
