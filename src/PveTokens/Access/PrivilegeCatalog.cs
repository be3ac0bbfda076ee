// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace PveTokens.Access;

/// <summary>
/// The privilege names one server knows. PVE has no endpoint that lists privileges, but every valid
/// one is in the built-in Administrator role and roles can hold nothing else ("invalid privilege"),
/// so the union of the privileges of <c>GET /access/roles</c> is the server's list, which follows
/// its version (VM.Monitor went in 9.0, VM.GuestAgent.* came; api.md §7). A name it does not know
/// matches nothing on that server, so a filter or a requirement that names it is an error, not an
/// empty answer or a "missing" privilege nobody could grant.
/// </summary>
internal sealed class PrivilegeCatalog
{
    // PVE's privilege names are dotted words (Sys.Audit, VM.GuestAgent.FileRead); with wildcards for patterns.
    private static readonly Regex NameRegex = new(@"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$", RegexOptions.CultureInvariant);
    private static readonly Regex PatternRegex = new(@"^[A-Za-z0-9.*?\[\]]+$", RegexOptions.CultureInvariant);

    private readonly SortedSet<string> _names;

    internal PrivilegeCatalog(IEnumerable<IEnumerable<string>> rolePrivileges) =>
        _names = new SortedSet<string>(rolePrivileges.SelectMany(r => r), StringComparer.Ordinal);

    /// <summary>Every privilege the server knows, sorted.</summary>
    internal IReadOnlyCollection<string> Names => _names;

    /// <summary>
    /// Whether <paramref name="name"/> could be a privilege name at all (checked before any request);
    /// with <paramref name="allowWildcards"/>, a pattern such as <c>VM.*</c>. Null when it could, else why not.
    /// </summary>
    internal static string? CheckSyntax(string name, bool allowWildcards)
    {
        string value = name.Trim();
        bool ok = allowWildcards && value.IndexOfAny(new[] { '*', '?', '[' }) >= 0 ? PatternRegex.IsMatch(value) : NameRegex.IsMatch(value);
        return ok
            ? null
            : $"'{InputEcho.Quote(name)}' is not a privilege name: PVE's privileges are dotted names such as VM.Audit or Datastore.AllocateSpace{(allowWildcards ? " (wildcards such as VM.* are allowed)" : string.Empty)}.";
    }

    /// <summary>
    /// The server's spelling of <paramref name="name"/> (privileges are compared without regard to case,
    /// as admins type them), or null with <paramref name="error"/> naming the closest known privileges.
    /// </summary>
    internal string? Resolve(string name, string server, out string? error)
    {
        string value = name.Trim();
        string? known = _names.FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase));
        error = known is null ? Unknown(value, server) : null;
        return known;
    }

    /// <summary>Null when the wildcard pattern matches a known privilege; else why it matches none.</summary>
    internal string? CheckPattern(string pattern, Func<string, bool> matches, string server) =>
        _names.Any(matches) ? null : $"The pattern '{pattern.Trim()}' matches no privilege that {server} knows. {List()}";

    private string Unknown(string value, string server)
    {
        string[] close = Closest(value);
        string hint = close.Length == 0
            ? List()
            : $"Did you mean {string.Join(" or ", close.Select(c => $"'{c}'"))}?";
        return $"'{value}' is not a privilege that {server} knows (it would match nothing there). {hint}";
    }

    private string List() => $"Its privileges are: {string.Join(", ", _names)}.";

    /// <summary>The known names within a small edit distance (a typo), nearest first; at most three.</summary>
    private string[] Closest(string value)
    {
        string lower = value.ToLowerInvariant();
        return _names
            .Select(n => (Name: n, Distance: Distance(lower, n.ToLowerInvariant())))
            .Where(x => x.Distance <= Math.Max(2, x.Name.Length / 4))
            .OrderBy(x => x.Distance)
            .ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(3)
            .Select(x => x.Name)
            .ToArray();
    }

    /// <summary>Levenshtein distance.</summary>
    internal static int Distance(string a, string b)
    {
        int[] previous = Enumerable.Range(0, b.Length + 1).ToArray();
        int[] current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
