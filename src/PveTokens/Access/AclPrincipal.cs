// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using PveTokens.Models;

namespace PveTokens.Access;

/// <summary>
/// Turns what a user typed (or piped) for -TokenId / -UserId / -GroupId / -Role into the ids PVE
/// takes, checked with the module's identifier rules so a typo is reported before any request.
/// </summary>
internal static class AclPrincipal
{
    private static readonly Regex GroupRegex = new(@"^[A-Za-z0-9.\-_]+$", RegexOptions.CultureInvariant);
    private static readonly Regex RoleRegex = new(@"^[A-Za-z0-9.\-_]+$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Full token ids for <paramref name="tokenIds"/>: a value with '!' is a full id; a bare token
    /// name is joined with each of <paramref name="userIds"/> (what a piped token object brings:
    /// its UserId and TokenId). Each result has either an id or the reason it is invalid.
    /// </summary>
    internal static IEnumerable<(string Input, string? FullTokenId, string? Error)> ResolveTokens(IEnumerable<string> tokenIds, IReadOnlyCollection<string> userIds)
    {
        foreach (string raw in tokenIds)
        {
            string value = raw.Trim();
            if (value.IndexOf('!') >= 0 || userIds.Count == 0)
            {
                string? error = PveIdentifier.CheckFullTokenId(value);
                yield return (raw, error is null ? value : null, error);
                continue;
            }

            foreach (string user in userIds)
            {
                string full = user.Trim() + "!" + value;
                string? error = PveIdentifier.CheckFullTokenId(full);
                yield return (raw, error is null ? full : null, error);
            }
        }
    }

    /// <summary>Why <paramref name="userId"/> cannot be an ACL principal, or null.</summary>
    internal static string? CheckUserId(string userId)
    {
        if (userId.IndexOf('!') >= 0)
        {
            return $"'{InputEcho.Quote(userId)}' is a token id, not a user id: use -TokenId for it.";
        }

        return PveIdentifier.CheckUserId(userId.Trim());
    }

    /// <summary>Why <paramref name="groupId"/> is not a valid PVE group name, or null.</summary>
    internal static string? CheckGroupId(string groupId) =>
        GroupRegex.IsMatch(groupId)
            ? null
            : groupId.StartsWith("@", System.StringComparison.Ordinal)
                ? $"Write the group without '@': '{InputEcho.Quote(groupId.Substring(1))}'."
                : $"The group name '{InputEcho.Quote(groupId)}' contains characters PVE does not allow: only letters, digits, '.', '-' and '_'.";

    /// <summary>Why <paramref name="role"/> is not a valid role id, or null.</summary>
    internal static string? CheckRole(string role) =>
        RoleRegex.IsMatch(role)
            ? null
            : $"The role name '{InputEcho.Quote(role)}' contains characters PVE does not allow in role ids: only letters, digits, '.', '-' and '_'. Get-PveRole lists the roles.";

    /// <summary>Joins ids for a message, cutting long lists short.</summary>
    internal static string Describe(IEnumerable<string> ids, int max = 5)
    {
        var list = ids.ToList();
        return list.Count <= max
            ? string.Join(", ", list)
            : string.Join(", ", list.Take(max)) + $" and {list.Count - max} more";
    }

    /// <summary>A principal as messages name it: "token 'ci@pve!deploy'", "group 'ops'", "user 'ci@pve'".</summary>
    internal static string Describe(PveAclPrincipalType type, string principal) => type switch
    {
        PveAclPrincipalType.Token => $"token '{principal}'",
        PveAclPrincipalType.Group => $"group '{principal}'",
        _ => $"user '{principal}'",
    };

    /// <summary>
    /// True for root@pam: PVE gives it every privilege whatever the ACL says and stores no ACL entry
    /// for it (api.md §4.4), so granting or revoking roles for it means nothing.
    /// </summary>
    internal static bool IsAlmighty(PveAclPrincipalType type, string principal) =>
        type == PveAclPrincipalType.User && string.Equals(principal, "root@pam", System.StringComparison.Ordinal);
}
