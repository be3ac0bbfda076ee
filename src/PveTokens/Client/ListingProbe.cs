// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Client;

/// <summary>
/// Asks PVE what the caller itself may see (<c>GET /access/permissions?path=…</c> without userid, which
/// PVE allows every identity), so a listing that PVE filtered is not taken for the whole picture. The
/// rule is <see cref="ListingVisibility"/>; this is only the reading.
/// </summary>
internal static class ListingProbe
{
    /// <summary>
    /// The rights the caller lacks for complete listings (empty when it sees everything): of users
    /// when <paramref name="needUsers"/>, of the ACL when <paramref name="needAcl"/>.
    /// </summary>
    internal static async Task<IReadOnlyList<string>> MissingRightsAsync(PveClient client, bool needUsers, bool needAcl, CancellationToken cancellationToken)
    {
        if (ListingVisibility.SeesEverything(client.Identity ?? string.Empty, client.AuthMethod == PveAuthMethod.ApiToken))
        {
            return Array.Empty<string>();
        }

        IReadOnlyDictionary<string, bool> onAccess = needAcl ? await OwnAsync(client, ListingVisibility.AclPath, cancellationToken).ConfigureAwait(false) : Empty;
        IReadOnlyDictionary<string, bool> onGroups = needUsers ? await OwnAsync(client, ListingVisibility.UsersPath, cancellationToken).ConfigureAwait(false) : Empty;
        return ListingVisibility.MissingRights(onAccess, onGroups, needUsers, needAcl);
    }

    private static readonly IReadOnlyDictionary<string, bool> Empty = new Dictionary<string, bool>();

    private static async Task<IReadOnlyDictionary<string, bool>> OwnAsync(PveClient client, string path, CancellationToken cancellationToken)
    {
        PermissionMap map = await client.GetPermissionsAsync(null, path, cancellationToken).ConfigureAwait(false);
        return map.Get(path);
    }
}
