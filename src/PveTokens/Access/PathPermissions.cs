// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;

namespace PveTokens.Access;

/// <summary>
/// The effective rights of one principal on one path: privilege → propagate flag, as
/// <c>GET /access/permissions</c> answers them, and on request the ACL entries behind each privilege.
/// </summary>
internal sealed class PathPermissions
{
    private readonly PermissionEvaluator _evaluator;
    private readonly PermissionEvaluator.Cell _cell;

    internal PathPermissions(PermissionEvaluator evaluator, AccessPrincipal principal, string path, PermissionEvaluator.Cell cell)
    {
        _evaluator = evaluator;
        _cell = cell;
        Principal = principal;
        Path = path;
    }

    internal AccessPrincipal Principal { get; }

    internal string Path { get; }

    internal bool IsEmpty => _cell.Privileges.IsEmpty;

    /// <summary>Whether the principal holds <paramref name="privilege"/> here; <paramref name="propagate"/> is PVE's flag for it.</summary>
    internal bool TryGet(string privilege, out bool propagate)
    {
        int index = _evaluator.IndexOfPrivilege(privilege);
        propagate = index >= 0 && _cell.Propagated.Contains(index);
        return index >= 0 && _cell.Privileges.Contains(index);
    }

    /// <summary>Privilege → propagate flag, sorted by privilege: the map PVE answers for the path.</summary>
    internal SortedDictionary<string, bool> ToDictionary()
    {
        var result = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        for (int i = 0; i < _evaluator.PrivilegeCount; i++)
        {
            if (_cell.Privileges.Contains(i))
            {
                result[_evaluator.PrivilegeName(i)] = _cell.Propagated.Contains(i);
            }
        }

        return result;
    }

    /// <summary>Every privilege held here, sorted, with its propagate flag and the ACL entries behind it.</summary>
    internal IEnumerable<PrivilegeGrant> Grants()
    {
        AccessPrincipal p = Principal;
        AccessVia via;
        PermissionEvaluator.Explanation own;
        PermissionEvaluator.Explanation? owner = null;
        switch (_cell.Kind)
        {
            case PermissionEvaluator.CellKind.Owner:
                via = AccessVia.Owner;
                own = _evaluator.Explain(_cell.Own, AclPrincipalKind.User, p.UserId, p.UserId, p.Groups);
                break;
            case PermissionEvaluator.CellKind.Intersection:
                via = AccessVia.TokenIntersection;
                own = _evaluator.Explain(_cell.Own, AclPrincipalKind.Token, p.Id, p.UserId, p.Groups);
                owner = _evaluator.Explain(_cell.OwnerResolution, AclPrincipalKind.User, p.UserId, p.UserId, p.Groups);
                break;
            default:
                via = _cell.Own.Kind switch
                {
                    PermissionEvaluator.ResolutionKind.Superuser => AccessVia.Superuser,
                    PermissionEvaluator.ResolutionKind.Group => AccessVia.Group,
                    _ => AccessVia.Direct,
                };
                own = _evaluator.Explain(_cell.Own, p.IsToken ? AclPrincipalKind.Token : AclPrincipalKind.User, p.Id, p.UserId, p.Groups);
                break;
        }

        for (int i = 0; i < _evaluator.PrivilegeCount; i++)
        {
            if (_cell.Privileges.Contains(i))
            {
                yield return new PrivilegeGrant(_evaluator.PrivilegeName(i), _cell.Propagated.Contains(i), via, own.For(i), owner?.For(i));
            }
        }
    }
}
