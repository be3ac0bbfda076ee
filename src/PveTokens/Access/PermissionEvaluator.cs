// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;

namespace PveTokens.Access;

/// <summary>
/// PVE's effective permissions, computed client-side from an <see cref="PermissionSnapshot"/> exactly as
/// pve-access-control 9.1 computes them (AccessControl.pm <c>roles</c>, RPCEnvironment.pm
/// <c>permissions</c>/<c>compile_acl_path</c>/<c>get_effective_permissions</c>; api.md §4.4, §6.4, §8):
/// <list type="bullet">
/// <item>Walking from <c>/</c> to the path, each level that has applicable entries for the principal
/// replaces what was inherited: the token's own entries, else the user's own entries, else the union
/// of the entries of the user's groups. Above the path only entries with propagate=1 apply.</item>
/// <item>If the winning level holds <c>NoAccess</c>, nothing remains.</item>
/// <item>A privilege propagates when any role of the winning level holding it propagates.</item>
/// <item>root@pam holds every privilege of Administrator, propagated, everywhere.</item>
/// <item>A token without privilege separation has its owner's rights; a separated token the
/// intersection of its own with its owner's (propagate = both propagate); a separated token of
/// root@pam exactly its own.</item>
/// </list>
/// Disabled or expired users and expired tokens keep their rights on paper (PVE computes them all
/// the same); <see cref="AccessPrincipal.UnusableReason"/> says why they cannot use them.
/// Pool membership is not part of the snapshot, so rights that PVE derives from <c>/pool/&lt;id&gt;</c>
/// entries for the pool's VMs and storages are not computed; the <c>/pool/…</c> paths themselves are.
/// Single-threaded: one evaluator per report.
/// </summary>
internal sealed class PermissionEvaluator
{
    /// <summary>The paths <c>get_effective_permissions</c> always reports besides every ACL tree node.</summary>
    internal static readonly IReadOnlyList<string> FixedTreePaths = new[] { "/", "/access", "/access/groups", "/nodes", "/pool", "/sdn", "/storage", "/vms" };

    internal const string RootUserId = "root@pam";
    private const string NoAccessRole = "NoAccess";
    private const string AdministratorRole = "Administrator";

    private readonly string[] _privilegeNames;
    private readonly Dictionary<string, int> _privilegeIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PrivilegeMask> _roleMasks = new(StringComparer.Ordinal);
    private readonly PrivilegeMask _administrator;
    private readonly List<Node> _nodes = new();
    private readonly Dictionary<string, AccessPrincipal> _principals = new(StringComparer.Ordinal);
    private readonly Dictionary<(int, bool, ResolutionKind, string), GrantSource?[]> _explained = new();
    private string? _explainedUser;
    private readonly Dictionary<string, PrivilegeMask>[] _reach =
    {
        new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal),
    };

    internal PermissionEvaluator(PermissionSnapshot snapshot)
    {
        _privilegeNames = snapshot.Roles.SelectMany(r => r.Privileges).Distinct(StringComparer.Ordinal).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        if (_privilegeNames.Length > PrivilegeMask.Capacity)
        {
            throw new ArgumentException($"The roles name {_privilegeNames.Length} distinct privileges; at most {PrivilegeMask.Capacity} are supported.", nameof(snapshot));
        }

        for (int i = 0; i < _privilegeNames.Length; i++)
        {
            _privilegeIndex[_privilegeNames[i]] = i;
        }

        foreach (AccessRole role in snapshot.Roles)
        {
            _roleMasks[role.RoleId] = MaskOf(role.Privileges);
        }

        // root@pam's answer is Administrator's privileges; a server always has that role.
        _administrator = _roleMasks.TryGetValue(AdministratorRole, out PrivilegeMask admin) ? admin : MaskOf(_privilegeNames);

        _nodes.Add(new Node("/", -1));
        foreach (AccessAclEntry entry in snapshot.Acl)
        {
            // PVE drops entries of roles that no longer exist when it parses user.cfg.
            if (!_roleMasks.TryGetValue(entry.Role, out PrivilegeMask mask))
            {
                continue;
            }

            Node node = _nodes[NodeFor(entry.Path)];
            node.Add(entry.Kind, entry.Principal, entry.Role, entry.Propagate, mask);
            Dictionary<string, PrivilegeMask> reach = _reach[(int)entry.Kind];
            reach[entry.Principal] = (reach.TryGetValue(entry.Principal, out PrivilegeMask m) ? m : PrivilegeMask.Empty) | mask;
        }

        foreach (Node node in _nodes)
        {
            node.Seal();
        }

        TreePaths = FixedTreePaths.Concat(_nodes.Select(n => n.Path)).Distinct(StringComparer.Ordinal).OrderBy(p => p, StringComparer.Ordinal).ToArray();

        var principals = new List<AccessPrincipal>();
        foreach (AccessUser user in snapshot.Users)
        {
            string? userProblem = !user.Enabled ? "The user is disabled."
                : Expired(user.Expire, snapshot.Now) ? $"The user expired at {Format(user.Expire)}."
                : null;
            principals.Add(new AccessPrincipal(user.UserId, user.UserId, null, user.Groups, userProblem));
            foreach (AccessToken token in user.Tokens)
            {
                string? problem = userProblem is not null ? (!user.Enabled ? $"Its user {user.UserId} is disabled." : $"Its user {user.UserId} expired at {Format(user.Expire)}.")
                    : Expired(token.Expire, snapshot.Now) ? $"The token expired at {Format(token.Expire)}."
                    : null;
                principals.Add(new AccessPrincipal(user.UserId + "!" + token.TokenName, user.UserId, token, user.Groups, problem));
            }
        }

        Principals = principals.OrderBy(p => p.Id, StringComparer.Ordinal).ToArray();
        foreach (AccessPrincipal principal in Principals)
        {
            _principals[principal.Id] = principal;
        }
    }

    /// <summary>The paths of PVE's answer without a path: the fixed roots and every ACL tree node, sorted.</summary>
    internal IReadOnlyList<string> TreePaths { get; }

    /// <summary>Every user and token of the snapshot, sorted by id (a user's tokens follow it).</summary>
    internal IReadOnlyList<AccessPrincipal> Principals { get; }

    /// <summary>Every privilege the roles name, sorted.</summary>
    internal IReadOnlyList<string> PrivilegeNames => _privilegeNames;

    internal AccessPrincipal? FindPrincipal(string id) => _principals.TryGetValue(id, out AccessPrincipal? p) ? p : null;

    /// <summary>The privileges among <paramref name="privileges"/> that some role holds, as a mask; unknown names are left out.</summary>
    internal PrivilegeMask MaskOf(IEnumerable<string> privileges)
    {
        PrivilegeMask mask = PrivilegeMask.Empty;
        foreach (string privilege in privileges)
        {
            if (_privilegeIndex.TryGetValue(privilege, out int index))
            {
                mask |= PrivilegeMask.Of(index);
            }
        }

        return mask;
    }

    /// <summary>What <c>GET /access/permissions?userid=…&amp;path=…</c> answers: the rights on exactly <paramref name="path"/>.</summary>
    internal PathPermissions Evaluate(AccessPrincipal principal, string path) =>
        Evaluate(principal, new[] { path }, null).First();

    /// <summary>What <c>GET /access/permissions?userid=…</c> answers: the tree paths with any rights.</summary>
    internal IReadOnlyList<PathPermissions> EvaluateTree(AccessPrincipal principal) =>
        Evaluate(principal, TreePaths, null).Where(p => !p.IsEmpty).ToList();

    /// <summary>
    /// Whether <paramref name="principal"/> can hold any privilege of <paramref name="wanted"/>
    /// anywhere: false when no entry that could reach it has a role with one. A cheap filter before
    /// a reverse query evaluates the principal on every path.
    /// </summary>
    internal bool MightHold(AccessPrincipal principal, PrivilegeMask wanted)
    {
        if (principal.UserId == RootUserId && !(principal.Token?.PrivilegeSeparation ?? false))
        {
            return _administrator.Overlaps(wanted);
        }

        if (principal.Token is { PrivilegeSeparation: true } && !Reach(AclPrincipalKind.Token, principal.Id).Overlaps(wanted))
        {
            return false;
        }

        if (principal.UserId == RootUserId)
        {
            return true;
        }

        PrivilegeMask user = Reach(AclPrincipalKind.User, principal.UserId);
        foreach (string group in principal.Groups)
        {
            user |= Reach(AclPrincipalKind.Group, group);
        }

        return user.Overlaps(wanted);
    }

    /// <summary>
    /// The rights of <paramref name="principal"/> on each of <paramref name="paths"/>, in order (an
    /// empty result for a path without rights). With <paramref name="only"/>, the results keep just
    /// those privileges. A token's owner is computed once per path and reused.
    /// </summary>
    internal IEnumerable<PathPermissions> Evaluate(AccessPrincipal principal, IReadOnlyList<string> paths, PrivilegeMask? only)
    {
        foreach (string path in paths)
        {
            (int nodeIndex, bool exact) = Locate(path);
            Cell cell = Compute(principal, nodeIndex, exact);
            if (only is PrivilegeMask filter)
            {
                cell = cell.Restrict(filter);
            }

            yield return new PathPermissions(this, principal, path, cell);
        }
    }

    /// <summary>
    /// Every (principal, path) of <paramref name="principals"/> × <paramref name="paths"/> with at least
    /// one privilege (of <paramref name="only"/>, when given). Principals that cannot hold any wanted
    /// privilege are skipped without evaluation; a user's results are cached for its tokens.
    /// </summary>
    internal IEnumerable<PathPermissions> EvaluateMatrix(IEnumerable<AccessPrincipal> principals, IReadOnlyList<string> paths, PrivilegeMask? only)
    {
        var located = paths.Select(Locate).ToArray();
        string? cachedUser = null;
        var userCells = new Cell[paths.Count];
        foreach (AccessPrincipal principal in principals)
        {
            if (only is PrivilegeMask wanted && !MightHold(principal, wanted))
            {
                continue;
            }

            // A user's cells serve the user and, as the owner's rights, each of its tokens.
            bool byUser = principal.UserId != RootUserId;
            if (byUser && cachedUser != principal.UserId)
            {
                for (int i = 0; i < located.Length; i++)
                {
                    userCells[i] = ComputeUser(principal.UserId, principal.Groups, located[i].Node, located[i].Exact);
                }

                cachedUser = principal.UserId;
            }

            for (int i = 0; i < located.Length; i++)
            {
                Cell cell = !byUser ? Compute(principal, located[i].Node, located[i].Exact)
                    : principal.Token is null ? userCells[i]
                    : ComputeToken(principal, located[i].Node, located[i].Exact, userCells[i]);
                if (only is PrivilegeMask filter)
                {
                    cell = cell.Restrict(filter);
                }

                if (!cell.Privileges.IsEmpty)
                {
                    yield return new PathPermissions(this, principal, paths[i], cell);
                }
            }
        }
    }

    internal string PrivilegeName(int index) => _privilegeNames[index];

    /// <summary>The bit of <paramref name="privilege"/>, or -1 when no role names it.</summary>
    internal int IndexOfPrivilege(string privilege) => _privilegeIndex.TryGetValue(privilege, out int index) ? index : -1;

    internal int PrivilegeCount => _privilegeNames.Length;

    private PrivilegeMask Reach(AclPrincipalKind kind, string id) =>
        _reach[(int)kind].TryGetValue(id, out PrivilegeMask mask) ? mask : PrivilegeMask.Empty;

    private Cell Compute(AccessPrincipal principal, int nodeIndex, bool exact)
    {
        if (principal.Token is null)
        {
            return ComputeUser(principal.Id, principal.Groups, nodeIndex, exact);
        }

        Cell owner = principal.UserId == RootUserId ? default : ComputeUser(principal.UserId, principal.Groups, nodeIndex, exact);
        return ComputeToken(principal, nodeIndex, exact, owner);
    }

    private Cell ComputeToken(AccessPrincipal token, int nodeIndex, bool exact, Cell owner)
    {
        bool ownerIsRoot = token.UserId == RootUserId;
        if (!token.Token!.PrivilegeSeparation)
        {
            Cell user = ownerIsRoot ? SuperuserCell() : owner;
            return new Cell(user.Privileges, user.Propagated, user.Own, CellKind.Owner, default);
        }

        Level own = Walk(AclPrincipalKind.Token, token.Id, null, nodeIndex, exact, out Resolution resolution);
        if (ownerIsRoot)
        {
            return new Cell(own.Privileges, own.Propagated, resolution, CellKind.Own, default);
        }

        // RPCEnvironment: only privileges the owner holds too; propagated only where both propagate.
        return new Cell(own.Privileges & owner.Privileges, own.Propagated & owner.Propagated, resolution, CellKind.Intersection, owner.Own);
    }

    private Cell ComputeUser(string userId, IReadOnlyList<string> groups, int nodeIndex, bool exact)
    {
        if (userId == RootUserId)
        {
            return SuperuserCell();
        }

        Level level = Walk(AclPrincipalKind.User, userId, groups, nodeIndex, exact, out Resolution resolution);
        return new Cell(level.Privileges, level.Propagated, resolution, CellKind.Own, default);
    }

    private Cell SuperuserCell() => new(_administrator, _administrator, new Resolution(-1, false, ResolutionKind.Superuser), CellKind.Own, default);

    /// <summary>
    /// AccessControl.pm <c>roles</c>, from the deepest level up: the first level with applicable
    /// entries for the principal wins (the same result as PVE's walk down, where every such level
    /// replaces the ones above it).
    /// </summary>
    private Level Walk(AclPrincipalKind kind, string id, IReadOnlyList<string>? groups, int nodeIndex, bool exact, out Resolution resolution)
    {
        bool atPath = exact;
        for (int i = nodeIndex; i >= 0; i = _nodes[i].Parent, atPath = false)
        {
            Node node = _nodes[i];
            if (node.Find(kind, id) is EntrySet own && own.Level(atPath) is { Any: true } direct)
            {
                resolution = new Resolution(i, atPath, ResolutionKind.Direct);
                return direct.Effective;
            }

            if (groups is null || !node.HasGroups)
            {
                continue;
            }

            Level union = default;
            foreach (string group in groups)
            {
                if (node.Find(AclPrincipalKind.Group, group) is EntrySet set)
                {
                    union = union.Union(set.Level(atPath));
                }
            }

            if (union.Any)
            {
                resolution = new Resolution(i, atPath, ResolutionKind.Group);
                return union.Effective;
            }
        }

        resolution = new Resolution(-1, false, ResolutionKind.None);
        return default;
    }

    /// <summary>The deepest ACL tree node on <paramref name="path"/>, and whether it is the path itself.</summary>
    private (int Node, bool Exact) Locate(string path)
    {
        int index = 0;
        foreach (string part in Split(path))
        {
            if (!_nodes[index].Children.TryGetValue(part, out int child))
            {
                return (index, false);
            }

            index = child;
        }

        return (index, true);
    }

    private int NodeFor(string path)
    {
        int index = 0;
        foreach (string part in Split(path))
        {
            if (!_nodes[index].Children.TryGetValue(part, out int child))
            {
                string parentPath = _nodes[index].Path;
                child = _nodes.Count;
                _nodes.Add(new Node(parentPath == "/" ? "/" + part : parentPath + "/" + part, index));
                _nodes[index].Children[part] = child;
            }

            index = child;
        }

        return index;
    }

    // Perl's split("/", $path) with empty components skipped, as the ACL tree walk does.
    private static string[] Split(string path) => path.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);

    private static bool Expired(long expire, long now) => expire != 0 && expire < now;

    private static string Format(long epoch) =>
        DateTimeOffset.FromUnixTimeSeconds(Math.Min(Math.Max(epoch, 0), 253402300799)).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Explains a resolution of <paramref name="id"/> (the principal, or its owner; <paramref name="groups"/>
    /// are the user's groups): <see cref="Explanation.For"/> gives the entries behind each privilege.
    /// Explanations are shared by every path one resolution decides, so they are kept for the
    /// current user (and its tokens) and reused.
    /// </summary>
    internal Explanation Explain(Resolution resolution, AclPrincipalKind kind, string id, string userId, IReadOnlyList<string> groups)
    {
        if (resolution.Kind == ResolutionKind.Superuser)
        {
            return new Explanation(this, resolution, kind, id, groups, null);
        }

        if (!string.Equals(_explainedUser, userId, StringComparison.Ordinal))
        {
            _explained.Clear();
            _explainedUser = userId;
        }

        var key = (resolution.Node, resolution.AtPath, resolution.Kind, id);
        if (!_explained.TryGetValue(key, out GrantSource?[]? sources))
        {
            sources = new GrantSource?[_privilegeNames.Length];
            _explained[key] = sources;
        }

        return new Explanation(this, resolution, kind, id, groups, sources);
    }

    private GrantSource BuildSource(Resolution resolution, AclPrincipalKind kind, string id, IReadOnlyList<string> groups, int privilege)
    {
        Node node = _nodes[resolution.Node];
        var entries = new List<GrantEntry>();
        if (resolution.Kind == ResolutionKind.Direct)
        {
            node.Find(kind, id)!.Collect(resolution.AtPath, privilege, null, entries);
        }
        else
        {
            foreach (string group in groups)
            {
                node.Find(AclPrincipalKind.Group, group)?.Collect(resolution.AtPath, privilege, group, entries);
            }
        }

        return new GrantSource(node.Path, entries);
    }

    /// <summary>The sources of one resolution, built per privilege on first use.</summary>
    internal readonly struct Explanation
    {
        private readonly PermissionEvaluator _evaluator;
        private readonly Resolution _resolution;
        private readonly AclPrincipalKind _kind;
        private readonly string _id;
        private readonly IReadOnlyList<string> _groups;
        private readonly GrantSource?[]? _sources;

        internal Explanation(PermissionEvaluator evaluator, Resolution resolution, AclPrincipalKind kind, string id, IReadOnlyList<string> groups, GrantSource?[]? sources)
        {
            _evaluator = evaluator;
            _resolution = resolution;
            _kind = kind;
            _id = id;
            _groups = groups;
            _sources = sources;
        }

        internal GrantSource For(int privilege) =>
            _sources is null ? GrantSource.Superuser : _sources[privilege] ??= _evaluator.BuildSource(_resolution, _kind, _id, _groups, privilege);
    }

    /// <summary>Which ACL level decided a computation: a tree node and whether it was the path itself.</summary>
    internal readonly struct Resolution
    {
        internal Resolution(int node, bool atPath, ResolutionKind kind)
        {
            Node = node;
            AtPath = atPath;
            Kind = kind;
        }

        internal int Node { get; }

        internal bool AtPath { get; }

        internal ResolutionKind Kind { get; }
    }

    internal enum ResolutionKind : byte
    {
        None,
        Direct,
        Group,
        Superuser,
    }

    internal enum CellKind : byte
    {
        /// <summary>A user, or a separated token of root@pam: its own entries.</summary>
        Own,

        /// <summary>A token without separation: the owner's rights.</summary>
        Owner,

        /// <summary>A separated token: its own entries intersected with the owner's rights.</summary>
        Intersection,
    }

    /// <summary>The result for one principal and path, with what is needed to explain it later.</summary>
    internal readonly struct Cell
    {
        internal Cell(PrivilegeMask privileges, PrivilegeMask propagated, Resolution own, CellKind kind, Resolution owner)
        {
            Privileges = privileges;
            Propagated = propagated;
            Own = own;
            Kind = kind;
            OwnerResolution = owner;
        }

        internal PrivilegeMask Privileges { get; }

        internal PrivilegeMask Propagated { get; }

        /// <summary>The principal's own resolution (the owner's, for <see cref="CellKind.Owner"/>).</summary>
        internal Resolution Own { get; }

        internal CellKind Kind { get; }

        /// <summary>For <see cref="CellKind.Intersection"/>: the owner's resolution.</summary>
        internal Resolution OwnerResolution { get; }

        internal Cell Restrict(PrivilegeMask mask) => new(Privileges & mask, Propagated & mask, Own, Kind, OwnerResolution);
    }

    /// <summary>The union of a level's applicable entries: any at all, NoAccess among them, privileges, propagated privileges.</summary>
    private readonly struct Level
    {
        internal Level(bool any, bool noAccess, PrivilegeMask privileges, PrivilegeMask propagated)
        {
            Any = any;
            NoAccess = noAccess;
            Privileges = privileges;
            Propagated = propagated;
        }

        internal bool Any { get; }

        internal bool NoAccess { get; }

        internal PrivilegeMask Privileges { get; }

        internal PrivilegeMask Propagated { get; }

        /// <summary>What the level grants: nothing when it holds NoAccess.</summary>
        internal Level Effective => NoAccess ? new Level(true, true, PrivilegeMask.Empty, PrivilegeMask.Empty) : this;

        // Two groups granting the same role with different propagate flags: PVE keeps whichever
        // group its hash order visits last, which varies between runs. The union (propagated if
        // either propagates) matches what the walk does below the path, where the propagating
        // entry applies.
        internal Level Union(Level other) =>
            new(Any || other.Any, NoAccess || other.NoAccess, Privileges | other.Privileges, Propagated | other.Propagated);
    }

    /// <summary>One principal's entries on one node, with the level each way of looking at them yields.</summary>
    private sealed class EntrySet
    {
        private readonly List<(string Role, bool Propagate, PrivilegeMask Mask)> _entries = new();
        private Level _atPath;
        private Level _below;

        internal void Add(string role, bool propagate, PrivilegeMask mask) => _entries.Add((role, propagate, mask));

        internal void Seal()
        {
            _entries.Sort((a, b) => string.CompareOrdinal(a.Role, b.Role));
            _atPath = Build(all: true);
            _below = Build(all: false);
        }

        /// <summary>The level at the path itself (every entry) or above it (propagating entries only).</summary>
        internal Level Level(bool atPath) => atPath ? _atPath : _below;

        internal void Collect(bool atPath, int privilege, string? group, List<GrantEntry> into)
        {
            foreach ((string role, bool propagate, PrivilegeMask mask) in _entries)
            {
                if ((atPath || propagate) && mask.Contains(privilege))
                {
                    into.Add(new GrantEntry(role, group, propagate));
                }
            }
        }

        private Level Build(bool all)
        {
            bool any = false;
            bool noAccess = false;
            PrivilegeMask privileges = PrivilegeMask.Empty;
            PrivilegeMask propagated = PrivilegeMask.Empty;
            foreach ((string role, bool propagate, PrivilegeMask mask) in _entries)
            {
                if (!all && !propagate)
                {
                    continue;
                }

                any = true;
                noAccess |= role == NoAccessRole;
                privileges |= mask;
                if (propagate)
                {
                    propagated |= mask;
                }
            }

            return new Level(any, noAccess, privileges, propagated);
        }
    }

    private sealed class Node
    {
        private Dictionary<string, EntrySet>?[] _entries = new Dictionary<string, EntrySet>?[3];

        internal Node(string path, int parent)
        {
            Path = path;
            Parent = parent;
        }

        internal string Path { get; }

        internal int Parent { get; }

        internal Dictionary<string, int> Children { get; } = new(StringComparer.Ordinal);

        internal bool HasGroups => _entries[(int)AclPrincipalKind.Group] is not null;

        internal EntrySet? Find(AclPrincipalKind kind, string id) =>
            _entries[(int)kind] is { } map && map.TryGetValue(id, out EntrySet? set) ? set : null;

        internal void Add(AclPrincipalKind kind, string principal, string role, bool propagate, PrivilegeMask mask)
        {
            Dictionary<string, EntrySet> map = _entries[(int)kind] ??= new Dictionary<string, EntrySet>(StringComparer.Ordinal);
            if (!map.TryGetValue(principal, out EntrySet? set))
            {
                set = new EntrySet();
                map[principal] = set;
            }

            set.Add(role, propagate, mask);
        }

        internal void Seal()
        {
            foreach (Dictionary<string, EntrySet>? map in _entries)
            {
                foreach (EntrySet set in map?.Values ?? Enumerable.Empty<EntrySet>())
                {
                    set.Seal();
                }
            }
        }
    }
}
