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

/// <summary>Lists roles with their privileges (<c>GET /access/roles</c>, one request per session).</summary>
[Cmdlet(VerbsCommon.Get, "PveRole")]
[OutputType(typeof(PveRole))]
public sealed class GetPveRoleCommand : PveSessionCmdletBase
{
    private readonly Dictionary<PveSession, IReadOnlyList<PveRoleFields>> _roles = new();

    /// <summary>Gets or sets the role names (wildcards allowed); all roles when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Role")]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(RoleCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets privileges the roles must all include (wildcards allowed).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(PrivilegeCompleter))]
    public string[] Privilege { get; set; } = Array.Empty<string>();

    protected override void Begin()
    {
        if (PrivilegeArguments.CheckSyntax(Privilege, allowWildcards: true) is ErrorRecord invalid)
        {
            ThrowTerminatingError(invalid);
        }
    }

    protected override void ProcessRecordCore(PveSession session)
    {
        if (!_roles.TryGetValue(session, out IReadOnlyList<PveRoleFields>? roles))
        {
            _roles[session] = Array.Empty<PveRoleFields>();
            roles = Run(ct => session.Client.GetRolesAsync(ct));
            if (PrivilegeArguments.Resolve(this, roles, session.Server.Authority, Privilege, allowWildcards: true) is null)
            {
                return;
            }

            _roles[session] = roles;
        }

        List<WildcardPattern> privileges = Privilege.Select(ValidateWildcardAttribute.Pattern).ToList();
        IEnumerable<PveRoleFields> selected = roles.Where(r => privileges.All(p => r.Privileges.Any(p.IsMatch)));
        if (Name.Length == 0)
        {
            Write(session, selected);
            return;
        }

        var matched = new HashSet<string>(StringComparer.Ordinal);
        var list = selected.ToList();
        foreach (string name in Name)
        {
            WildcardPattern pattern = ValidateWildcardAttribute.Pattern(name);
            var hits = list.Where(r => pattern.IsMatch(r.RoleId) && matched.Add(r.RoleId)).ToList();
            Write(session, hits);
            if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name) &&
                !roles.Any(r => string.Equals(r.RoleId, name, StringComparison.OrdinalIgnoreCase)))
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"There is no role '{InputEcho.Quote(name)}' on {session.Server.Authority}."), "RoleNotFound",
                    ErrorCategory.ObjectNotFound, ErrorMapper.SafeTarget(name))
                {
                    ErrorDetails = new ErrorDetails($"There is no role '{InputEcho.Quote(name)}' on {session.Server.Authority}. Get-PveRole without -Name lists them all."),
                });
            }
        }
    }

    private void Write(PveSession session, IEnumerable<PveRoleFields> roles)
    {
        foreach (PveRoleFields role in roles)
        {
            WriteObject(new PveRole { Name = role.RoleId, Privileges = role.Privileges.ToArray(), IsBuiltIn = role.Special, Session = session });
        }
    }
}
