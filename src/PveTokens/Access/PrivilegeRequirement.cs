// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace PveTokens.Access;

/// <summary>One privilege an identity must hold on one ACL path (a preflight's unit).</summary>
internal sealed class PrivilegeRequirement
{
    internal PrivilegeRequirement(string path, string privilege)
    {
        Path = path;
        Privilege = privilege;
    }

    /// <summary>The normalised ACL path.</summary>
    internal string Path { get; }

    /// <summary>The privilege name as given (trimmed); PVE's names are matched case-insensitively.</summary>
    internal string Privilege { get; }

    public override string ToString() => $"{Path} {Privilege}";
}

/// <summary>
/// Builds the list of (path, privilege) pairs a preflight checks, from pairs (Test-PveApiToken
/// -Requirement: "VM.PowerMgmt on /vms/100 and Datastore.AllocateSpace on /storage/backup") or from
/// every privilege on every path (-Path/-Privilege). Paths are normalised and checked against PVE's
/// ACL roots; a privilege named twice for a path counts once; the order given is kept.
/// </summary>
internal static class PrivilegeRequirements
{
    /// <summary>The shape of PVE's privilege names (VM.PowerMgmt, Sys.AccessNetwork, VM.GuestAgent.Audit).</summary>
    private static readonly Regex PrivilegeName = new(@"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$", RegexOptions.CultureInvariant);

    /// <summary>The pairs, or null and a message naming the first bad path or privilege.</summary>
    internal static IReadOnlyList<PrivilegeRequirement>? FromPairs(IEnumerable<(string? Path, string? Privilege)> pairs, out string? error)
    {
        error = null;
        var result = new List<PrivilegeRequirement>();
        foreach ((string? path, string? privilege) in pairs)
        {
            string? normalized = AclPath.NormalizeAndValidate(path, out string? pathError);
            if (normalized is null)
            {
                error = $"A requirement's path is not valid: {pathError}";
                return null;
            }

            // The value is not quoted: whatever was given by mistake (a token string, say) stays out of the message.
            string name = privilege?.Trim() ?? string.Empty;
            if (!PrivilegeName.IsMatch(name))
            {
                error = $"The requirement on '{normalized}' is not one privilege name: expected letters, digits and dots such as VM.PowerMgmt (several privileges are given as an array, not one string).";
                return null;
            }

            if (!result.Any(r => r.Path == normalized && string.Equals(r.Privilege, name, StringComparison.OrdinalIgnoreCase)))
            {
                result.Add(new PrivilegeRequirement(normalized, name));
            }
        }

        if (result.Count == 0)
        {
            error = "No requirement was given: expected at least one path with at least one privilege.";
            return null;
        }

        return result;
    }

    /// <summary>Every privilege on every path (/ when no path is given).</summary>
    internal static IReadOnlyList<PrivilegeRequirement>? FromProduct(IReadOnlyCollection<string> paths, IReadOnlyCollection<string> privileges, out string? error) =>
        FromPairs((paths.Count == 0 ? new[] { "/" } : paths).SelectMany(p => privileges.Select(v => ((string?)p, (string?)v))), out error);
}
