// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Client;

/// <summary>
/// Asks PVE what the caller itself may see (<c>GET /access/permissions?path=…</c> without userid, which
/// PVE allows every identity), so a listing that PVE filtered is not taken for the whole picture. The
/// rule is <see cref="ListingVisibility"/>; this is only the reading. An answer is kept per client for
/// <see cref="Lifetime"/>, so a script that lists in a loop does not pay a second request per listing.
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

    internal static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private static readonly IReadOnlyDictionary<string, bool> Empty = new Dictionary<string, bool>();

    // Keyed on the client: the cache goes away with the session.
    private static readonly ConditionalWeakTable<PveClient, ConcurrentDictionary<string, (DateTime At, IReadOnlyDictionary<string, bool> Privileges)>> Cache = new();

    private static async Task<IReadOnlyDictionary<string, bool>> OwnAsync(PveClient client, string path, CancellationToken cancellationToken)
    {
        ConcurrentDictionary<string, (DateTime At, IReadOnlyDictionary<string, bool> Privileges)> cache = Cache.GetValue(client, _ => new());
        if (cache.TryGetValue(path, out var cached) && DateTime.UtcNow - cached.At < Lifetime)
        {
            return cached.Privileges;
        }

        PermissionMap map = await client.GetPermissionsAsync(null, path, cancellationToken).ConfigureAwait(false);
        IReadOnlyDictionary<string, bool> privileges = map.Get(path);
        cache[path] = (DateTime.UtcNow, privileges);
        return privileges;
    }
}
