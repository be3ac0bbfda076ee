// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;
using PveTokens.Models;

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
        return ToPermissionSnapshot(users, acl, roles, now);
    }

    /// <summary>The snapshot of parsed answers; separate so tests can feed recorded answers.</summary>
    internal static PermissionSnapshot ToPermissionSnapshot(IEnumerable<PveUserFields> users, IEnumerable<AclEntry> acl, IEnumerable<PveRoleFields> roles, long now) =>
        new(users.Select(u => new AccessUser(u.UserId, u.Enabled, u.Expire, u.Groups,
                u.Tokens.Where(t => !string.IsNullOrEmpty(t.TokenId))
                    .Select(t => new AccessToken(t.TokenId!, t.PrivilegeSeparation ?? true, t.Expire ?? 0)))),
            acl.Select(e => new AccessAclEntry(e.Path, e.Type switch
            {
                PveAclPrincipalType.Group => AclPrincipalKind.Group,
                PveAclPrincipalType.Token => AclPrincipalKind.Token,
                _ => AclPrincipalKind.User,
            }, e.Principal, e.Role, e.Propagate)),
            roles.Select(r => new AccessRole(r.RoleId, r.Privileges)),
            now);
}
