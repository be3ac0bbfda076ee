// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Commands;

/// <summary>
/// -Privilege of Get-PvePermission and Test-PveApiToken: a name that cannot be a privilege is refused
/// before any request; a name the server does not know (a typo such as VM.Snapshoot, or VM.Monitor on
/// PVE 9) is an UnknownPrivilege error with the closest names, checked against the server's roles.
/// </summary>
internal static class PrivilegeArguments
{
    /// <summary>Error id: the name cannot be a privilege at all.</summary>
    internal const string InvalidPrivilege = "InvalidPrivilege";

    /// <summary>Error id: the server has no such privilege.</summary>
    internal const string UnknownPrivilege = "UnknownPrivilege";

    /// <summary>The first name that cannot be a privilege, as an error record; null when all could.</summary>
    internal static ErrorRecord? CheckSyntax(IEnumerable<string> names, bool allowWildcards)
    {
        foreach (string name in names)
        {
            if (PrivilegeCatalog.CheckSyntax(name, allowWildcards) is string error)
            {
                return ErrorMapper.InvalidArgument(InvalidPrivilege, error, name, "Tab completion on -Privilege offers the server's privileges.");
            }
        }

        return null;
    }

    /// <summary>
    /// The names in the server's spelling (patterns kept as given), or null after writing an
    /// UnknownPrivilege error for each name the server does not know. One <c>GET /access/roles</c>.
    /// </summary>
    internal static string[]? Resolve(PveCmdletBase cmdlet, PveClient client, string server, IReadOnlyList<string> names, bool allowWildcards) =>
        names.Count == 0 ? Array.Empty<string>() : Resolve(cmdlet, cmdlet.Run(ct => client.GetRolesAsync(ct)), server, names, allowWildcards);

    /// <summary>As above, against roles already read.</summary>
    internal static string[]? Resolve(PveCmdletBase cmdlet, IReadOnlyList<PveRoleFields> roles, string server, IReadOnlyList<string> names, bool allowWildcards) =>
        Resolve(cmdlet, new PrivilegeCatalog(roles.Select(r => r.Privileges)), server, names, allowWildcards);

    /// <summary>As above, against the privileges of a snapshot already read (the access report's).</summary>
    internal static string[]? Resolve(PveCmdletBase cmdlet, PrivilegeCatalog catalog, string server, IReadOnlyList<string> names, bool allowWildcards)
    {
        var resolved = new List<string>();
        bool ok = true;
        foreach (string name in names)
        {
            string? error;
            if (allowWildcards && WildcardPattern.ContainsWildcardCharacters(name))
            {
                WildcardPattern pattern = ValidateWildcardAttribute.Pattern(name);
                error = catalog.CheckPattern(name, pattern.IsMatch, server);
                resolved.Add(name.Trim());
            }
            else
            {
                string? known = catalog.Resolve(name, server, out error);
                resolved.Add(known ?? name);
            }

            if (error is not null)
            {
                ok = false;
                cmdlet.WriteError(ErrorMapper.InvalidArgument(UnknownPrivilege, error, name,
                    "Tab completion on -Privilege offers the server's privileges; Get-PveRole shows which role holds which."));
            }
        }

        return ok ? resolved.Distinct(StringComparer.Ordinal).ToArray() : null;
    }
}
