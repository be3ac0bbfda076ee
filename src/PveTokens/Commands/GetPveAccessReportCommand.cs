// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PveTokens.Access;
using PveTokens.Completion;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Who holds which privilege where, and why: reads the users listing, the ACL and the roles (three
/// requests, however many principals there are) and computes every user's and token's effective
/// privileges client-side with <see cref="PermissionEvaluator"/>, exactly as PVE does. One row per
/// principal, path and privilege.
/// </summary>
[Cmdlet(VerbsCommon.Get, "PveAccessReport")]
[OutputType(typeof(PveAccessGrant))]
public sealed class GetPveAccessReportCommand : PveSessionCmdletBase
{
    private readonly HashSet<PveSession> _done = new();
    private List<string>? _paths;
    private List<WildcardPattern>? _privileges;
    private List<WildcardPattern>? _users;
    private List<(WildcardPattern Pattern, bool FullId)>? _tokens;
    private List<WildcardPattern>? _groups;

    /// <summary>Gets or sets the privileges to report (wildcards allowed); all when omitted.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(PrivilegeCompleter))]
    public string[] Privilege { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the exact paths to report the rights that apply on (inherited or not); PVE's tree of paths when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AclPathCompleter))]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the users to report, with their tokens (wildcards allowed).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(UserIdCompleter))]
    public string[] UserId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the tokens to report: full ids, or token names of any user (wildcards allowed).</summary>
    [Parameter]
    [Alias("FullTokenId")]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(TokenIdCompleter))]
    public string[] TokenId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets the groups whose members (and their tokens) to report (wildcards allowed).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(GroupIdCompleter))]
    public string[] GroupId { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets whether to include disabled and expired users and expired tokens, whose rights exist only on paper.</summary>
    [Parameter]
    public SwitchParameter IncludeUnusable { get; set; }

    protected override void Begin()
    {
        _paths = new List<string>();
        foreach (string path in Path)
        {
            string? normalized = AclPath.NormalizeAndValidate(path, out string? error);
            if (normalized is null)
            {
                ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidAclPath", error!, path,
                    "Check the path against the ACL roots PVE knows (tab completion on -Path offers them)."));
            }

            _paths.Add(normalized!);
        }

        if (PrivilegeArguments.CheckSyntax(Privilege, allowWildcards: true) is ErrorRecord invalidPrivilege)
        {
            ThrowTerminatingError(invalidPrivilege);
        }

        _privileges = Patterns(Privilege);
        _users = Patterns(UserId);
        // A pattern with '!' is matched against the full token id, one without against the token name.
        _tokens = Patterns(TokenId).Zip(TokenId, (pattern, raw) => (pattern, raw.IndexOf('!') >= 0)).ToList();
        _groups = Patterns(GroupId);
    }

    protected override void ProcessRecordCore(PveSession session)
    {
        // Session binds by property name only: one report per session, however often it is piped.
        if (!_done.Add(session))
        {
            return;
        }

        PermissionSnapshot snapshot = Run(ct => session.Client.GetPermissionSnapshotAsync(PveEpoch.Now, ct));
        var evaluator = new PermissionEvaluator(snapshot);
        WarnIfPartial(session, evaluator);

        PrivilegeMask? only = null;
        if (_privileges!.Count > 0)
        {
            // A privilege no role holds is a typo, not a question with an empty answer (as everywhere -Privilege is taken).
            if (PrivilegeArguments.Resolve(this, new PrivilegeCatalog(new[] { evaluator.PrivilegeNames }), session.Server.Authority, Privilege, allowWildcards: true) is null)
            {
                return;
            }

            var names = evaluator.PrivilegeNames.Where(p => _privileges.Any(w => w.IsMatch(p))).ToList();
            if (names.Count == 0)
            {
                return;
            }

            only = evaluator.MaskOf(names);
        }

        IReadOnlyList<string> paths = _paths!.Count > 0 ? _paths : evaluator.TreePaths;
        IEnumerable<AccessPrincipal> principals = evaluator.Principals.Where(Selected);
        int rows = 0;
        foreach (PathPermissions cell in evaluator.EvaluateMatrix(principals, paths, only))
        {
            foreach (PrivilegeGrant grant in cell.Grants())
            {
                WriteObject(PveAccessGrant.From(cell, grant, session));
                rows++;
            }
        }

        WriteVerbose($"{rows} grant(s) of {evaluator.Principals.Count} principal(s) on {paths.Count} path(s), from {snapshot.Acl.Count} ACL entries and {snapshot.Roles.Count} roles.");
    }

    /// <summary>The filters intersect: -UserId (users and their tokens), -TokenId (tokens), -GroupId (members and their tokens).</summary>
    private bool Selected(AccessPrincipal p)
    {
        if (!IncludeUnusable && !p.Usable)
        {
            return false;
        }

        if (_users!.Count > 0 && !_users.Any(w => w.IsMatch(p.UserId)))
        {
            return false;
        }

        if (_tokens!.Count > 0 && !(p.Token is AccessToken token && _tokens.Any(t => t.Pattern.IsMatch(t.FullId ? p.Id : token.TokenName))))
        {
            return false;
        }

        return _groups!.Count == 0 || p.Groups.Any(g => _groups.Any(w => w.IsMatch(g)));
    }

    /// <summary>Without Sys.Audit on /access, PVE lists only some users and entries: say the report is partial.</summary>
    private void WarnIfPartial(PveSession session, PermissionEvaluator evaluator)
    {
        if (ListingVisibility.SawEverything(evaluator, session.Identity))
        {
            return;
        }

        WriteWarning($"{session.Identity} lacks Sys.Audit on /access, so PVE lists only some users and ACL entries to it: the report may be incomplete. Connect as a user or token with Sys.Audit on /access (PVEAuditor on / is enough).");
    }

    // Each value was checked when it was bound ([ValidateWildcard]).
    private static List<WildcardPattern> Patterns(string[] values) => values.Select(ValidateWildcardAttribute.Pattern).ToList();
}
