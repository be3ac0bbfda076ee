// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;

namespace PveTokens.Client;

// The one place that reads a server's access configuration whole: a fixed number of requests,
// however many users, tokens, groups and entries there are. What the records mean is Access's.
internal sealed partial class PveClient
{
    /// <summary>
    /// What the access policy exports, plans and applies against: users with groups and tokens
    /// (<c>GET /access/users?full=1</c>), groups, roles and the ACL, in that order — four requests.
    /// </summary>
    internal async Task<AccessSnapshot> GetAccessSnapshotAsync(CancellationToken cancellationToken)
    {
        PveUserList users = await GetUsersAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<PveGroupFields> groups = await GetGroupsAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<PveRoleFields> roles = await GetRolesAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<AclEntry> acl = await GetAclAsync(cancellationToken).ConfigureAwait(false);
        return new AccessSnapshot(users.ToList(), groups, roles, acl);
    }

    /// <summary>
    /// What PVE's permission rules need — <c>GET /access/users?full=1</c>, <c>GET /access/acl</c>
    /// and <c>GET /access/roles</c>, in that order: three requests — as a <see cref="PermissionSnapshot"/>
    /// judged at <paramref name="now"/>. The caller needs Sys.Audit on /access to see every user and entry.
    /// </summary>
    internal async Task<PermissionSnapshot> GetPermissionSnapshotAsync(long now, CancellationToken cancellationToken)
    {
        PveUserList users = await GetUsersAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<AclEntry> acl = await GetAclAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<PveRoleFields> roles = await GetRolesAsync(cancellationToken).ConfigureAwait(false);
        return PermissionSnapshot.From(users, acl, roles, now);
    }
}
