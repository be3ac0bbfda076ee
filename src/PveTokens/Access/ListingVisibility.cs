// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;

namespace PveTokens.Access;

/// <summary>
/// Whether what PVE listed for a caller is the whole picture. PVE filters without saying so: the users
/// index shows only users in groups where the caller has User.Modify or Sys.Audit (every user with one
/// of them on /access/groups), plus the caller itself, never a token's owner (api.md §5.2); the ACL
/// shows every entry only with Sys.Audit on /access, else just the paths the caller may modify (§6.1).
/// An empty answer from a caller who cannot see is not "nothing there", so the cmdlets warn, and the
/// audit refuses to call such an answer clean.
/// </summary>
internal static class ListingVisibility
{
    /// <summary>Every PVE server has root@pam, and it is in no group: a listing without it is filtered.</summary>
    internal const string AlwaysPresentUser = "root@pam";

    /// <summary>The privileges (either) that let the users index show every user: on /access/groups.</summary>
    internal static readonly string[] UserListingPrivileges = { "Sys.Audit", "User.Modify" };

    internal const string AclListingPrivilege = "Sys.Audit";

    internal const string UsersPath = "/access/groups";

    internal const string AclPath = "/access";

    /// <summary>The rights a complete user listing needs, in words for a message.</summary>
    internal const string UserListingNeed = "Sys.Audit or User.Modify on /access/groups (e.g. the PVEAuditor role on /access)";

    /// <summary>The right a complete ACL listing needs, in words for a message.</summary>
    internal const string AclListingNeed = "Sys.Audit on /access (e.g. the PVEAuditor role on /access)";

    /// <summary>
    /// Whether <paramref name="reader"/> (the identity the reads behind <paramref name="evaluator"/>
    /// were made as) saw every user and ACL entry: it holds Sys.Audit on /access, which lets PVE list
    /// both whole. Computed from what it read: its own entries are among those it can see.
    /// </summary>
    internal static bool SawEverything(PermissionEvaluator evaluator, string? reader) =>
        reader is not null && evaluator.FindPrincipal(reader) is AccessPrincipal self &&
        evaluator.Evaluate(self, AclPath).TryGet(AclListingPrivilege, out _);

    /// <summary>
    /// Why the users index <paramref name="listed"/> is evidently incomplete for <paramref name="identity"/>
    /// (a user id, or a full token id when <paramref name="isToken"/>); null when nothing shows it.
    /// </summary>
    internal static string? CheckUsers(string identity, bool isToken, IEnumerable<string> listed)
    {
        if (!isToken && string.Equals(identity, AlwaysPresentUser, StringComparison.Ordinal))
        {
            return null;
        }

        var ids = new HashSet<string>(listed, StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return $"PVE listed no users at all to {identity}";
        }

        if (!isToken && !ids.Contains(identity))
        {
            return $"PVE did not even list {identity} itself";
        }

        return ids.Contains(AlwaysPresentUser)
            ? null
            : $"PVE listed {ids.Count} user(s) to {identity} but not {AlwaysPresentUser}, which every server has: the listing is filtered";
    }

    /// <summary>
    /// What the caller lacks for complete listings, from its own effective privileges on /access and
    /// /access/groups (<c>GET /access/permissions?path=…</c> without userid, which PVE allows anyone).
    /// Empty when it sees everything.
    /// </summary>
    internal static IReadOnlyList<string> MissingRights(IReadOnlyDictionary<string, bool> onAccess, IReadOnlyDictionary<string, bool> onGroups, bool needUsers, bool needAcl)
    {
        var missing = new List<string>();
        if (needAcl && !onAccess.ContainsKey(AclListingPrivilege))
        {
            missing.Add(AclListingNeed + ", to read every ACL entry");
        }

        if (needUsers && !UserListingPrivileges.Any(onGroups.ContainsKey))
        {
            missing.Add(UserListingNeed + ", to list every user and its tokens");
        }

        return missing;
    }

    /// <summary>
    /// Whether the user or token <paramref name="principal"/> (USER@REALM or USER@REALM!TOKENID) exists,
    /// from the users index <paramref name="users"/> as <paramref name="identity"/> saw it: true when
    /// listed, false when not although the listing is complete, null when the listing is evidently
    /// filtered and cannot tell. PVE answers the permissions of a principal that does not exist with
    /// nothing at all, as if it existed without rights.
    /// </summary>
    internal static bool? Exists(IReadOnlyList<PveUserFields> users, string principal, string identity, bool isToken)
    {
        int bang = principal.LastIndexOf('!');
        string userId = bang < 0 ? principal : principal.Substring(0, bang);
        PveUserFields? user = users.FirstOrDefault(u => string.Equals(u.UserId, userId, StringComparison.Ordinal));
        if (user is not null && (bang < 0 || user.Tokens.Any(t => string.Equals(t.TokenId, principal.Substring(bang + 1), StringComparison.Ordinal))))
        {
            return true;
        }

        // A listed user shows all of its tokens, so a token missing from a listed user is known not to exist.
        return user is not null || CheckUsers(identity, isToken, users.Select(u => u.UserId)) is null ? false : null;
    }

    /// <summary>True for root@pam, whose every listing is complete (it bypasses all permission checks).</summary>
    internal static bool SeesEverything(string identity, bool isToken) =>
        !isToken && string.Equals(identity, AlwaysPresentUser, StringComparison.Ordinal);
}
