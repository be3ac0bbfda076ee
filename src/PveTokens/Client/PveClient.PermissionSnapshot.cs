// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;

namespace PveTokens.Client;

// The access review's reads: three requests, however many users, tokens and entries there are.
internal sealed partial class PveClient
{
    /// <summary>
    /// Reads what PVE's permission rules need — <c>GET /access/users?full=1</c>, <c>GET /access/acl</c>
    /// and <c>GET /access/roles</c> — into a <see cref="PermissionSnapshot"/> judged at <paramref name="now"/>.
    /// The caller needs Sys.Audit on /access to see every user and entry.
    /// </summary>
    internal async Task<PermissionSnapshot> GetPermissionSnapshotAsync(long now, CancellationToken cancellationToken)
    {
        PveUserList users = await GetUsersAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<AclEntry> acl = await GetAclAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<PveRoleFields> roles = await GetRolesAsync(cancellationToken).ConfigureAwait(false);
        return PermissionSnapshot.From(users, acl, roles, now);
    }
}
