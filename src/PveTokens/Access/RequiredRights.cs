// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Text.RegularExpressions;

namespace PveTokens.Access;

/// <summary>
/// What a call needs when PVE's 403 names no privilege ("Permission check failed" alone, from the
/// <c>userid-group</c> and <c>userid-param</c> checks, or "user != root@pam"), from the permission
/// blocks of api.md §5. Null where the method is not known here: then no advice is better than a
/// guess.
/// </summary>
internal static class RequiredRights
{
    private static readonly Regex TokenPath = new(@"^/access/users/(?<user>[^/]+)/token(/[^/]+)?$", RegexOptions.CultureInvariant);
    private static readonly Regex UserPath = new(@"^/access/users/(?<user>[^/]+)$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Advice for a 403 without a named privilege on <paramref name="method"/> <paramref name="path"/>
    /// (the API path below /api2/json); <paramref name="isToken"/> when the caller is an API token.
    /// </summary>
    internal static string? ForUnnamedDenial(string method, string path, string pveMessage, bool isToken)
    {
        if (pveMessage.IndexOf("user != root@pam", StringComparison.Ordinal) >= 0)
        {
            return "Only root@pam itself may make this call (not even a token of root@pam): connect as root@pam with -Credential.";
        }

        string p = Uri.UnescapeDataString(path.Split('?')[0]);
        Match token = TokenPath.Match(p);
        if (token.Success)
        {
            string user = token.Groups["user"].Value;
            string self = isToken
                ? "An API token never counts as its own user here, so it needs that right itself (and, with privilege separation, its user too)."
                : $"{user} may manage its own tokens when logged in as itself.";
            return $"Managing the tokens of {user} needs User.Modify on /access/groups, or on a group {user} belongs to (e.g. the PVEUserAdmin role); {self} PVE also answers this way when {user} does not exist.";
        }

        if (UserPath.IsMatch(p) && string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase))
        {
            string user = UserPath.Match(p).Groups["user"].Value;
            return $"Reading {user} needs Sys.Audit or User.Modify on /access/groups, or on a group {user} belongs to; PVE also answers this way when {user} does not exist.";
        }

        return null;
    }
}
