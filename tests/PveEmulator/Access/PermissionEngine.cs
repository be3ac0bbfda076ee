using PveEmulator.Model;
using PveEmulator.Transport;

namespace PveEmulator.Access;

/// <summary>
/// Effective privileges (RPCEnvironment.pm `permissions`/`compute_permissions`, AccessControl.pm
/// `roles`) and the privilege checks built on them. Callers hold the state lock.
/// A result maps privilege → propagate flag.
/// </summary>
internal sealed class PermissionEngine(EmulatorState state)
{
    /// <summary>Paths get_effective_permissions always reports (besides every ACL tree node).</summary>
    private static readonly string[] TopLevelPaths = ["/", "/access", "/access/groups", "/nodes", "/pool", "/sdn", "/storage", "/vms"];

    public Dictionary<string, bool> Permissions(string authId, string path)
    {
        if (authId == EmulatorState.RootUser)
        {
            return state.Roles["Administrator"].Privileges.ToDictionary(p => p, _ => true, StringComparer.Ordinal);
        }
        if (Identifiers.SplitTokenId(authId) is var (owner, tokenId))
        {
            if (!state.Users.TryGetValue(owner, out User? user) || !user.Tokens.TryGetValue(tokenId, out Token? token))
            {
                return new Dictionary<string, bool>(StringComparer.Ordinal);
            }
            Dictionary<string, bool> userPerms = Permissions(owner, path);
            if (!token.Privsep)
            {
                return userPerms;
            }
            // Privilege-separated: the intersection with the owner; propagate only where both propagate.
            var result = new Dictionary<string, bool>(StringComparer.Ordinal);
            foreach ((string priv, bool propagate) in ComputePermissions(authId, path))
            {
                if (userPerms.TryGetValue(priv, out bool userPropagate))
                {
                    result[priv] = propagate && userPropagate;
                }
            }
            return result;
        }
        return ComputePermissions(authId, path);
    }

    private Dictionary<string, bool> ComputePermissions(string authId, string path)
    {
        var privs = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach ((string roleId, bool propagate) in Roles(authId, path))
        {
            if (state.Roles.TryGetValue(roleId, out Role? role))
            {
                foreach (string p in role.Privileges)
                {
                    privs[p] = (privs.TryGetValue(p, out bool old) && old) || propagate;
                }
            }
        }
        return privs;
    }

    /// <summary>
    /// AccessControl.pm `roles` for a user or a privilege-separated token: walk from / to the path;
    /// at each level the principal's own entries replace what was inherited, else (users only) the
    /// union of its groups' entries; entries count below their own level only with propagate=1.
    /// </summary>
    private Dictionary<string, bool> Roles(string authId, string path)
    {
        var roles = new Dictionary<string, bool>(StringComparer.Ordinal);
        // Perl's split("/", $path) drops trailing empty fields; "/" itself is [''].
        string[] parts = path == "/" ? [""] : path.Split('/');
        int count = parts.Length;
        while (count > 1 && parts[count - 1].Length == 0)
        {
            count--;
        }
        AclNode? node = state.AclRoot;
        for (int i = 0; i < count; i++)
        {
            bool final = i == count - 1;
            if (parts[i].Length > 0)
            {
                node = node?.Children.GetValueOrDefault(parts[i]);
            }
            if (node is null)
            {
                continue;
            }
            if (Apply(node.Of(AclKind.Token).GetValueOrDefault(authId), final)
                || Apply(node.Of(AclKind.User).GetValueOrDefault(authId), final))
            {
                continue;
            }
            Dictionary<string, bool>? fromGroups = null;
            foreach ((string groupId, Dictionary<string, bool> groupRoles) in node.Of(AclKind.Group))
            {
                if (state.Groups.TryGetValue(groupId, out Group? group) && group.Members.Contains(authId))
                {
                    foreach ((string role, bool propagate) in groupRoles)
                    {
                        if (final || propagate)
                        {
                            // Two groups with the same role and different propagate flags: PVE keeps
                            // whichever its hash order visits last, which varies between runs; this
                            // engine (like the module's evaluator) keeps the propagating one.
                            fromGroups ??= new Dictionary<string, bool>(StringComparer.Ordinal);
                            fromGroups[role] = propagate || fromGroups.GetValueOrDefault(role);
                        }
                    }
                }
            }
            if (fromGroups is not null)
            {
                roles = fromGroups;
            }
        }
        if (roles.TryGetValue("NoAccess", out bool noAccessPropagate))
        {
            return new Dictionary<string, bool>(StringComparer.Ordinal) { ["NoAccess"] = noAccessPropagate };
        }
        return roles;

        bool Apply(Dictionary<string, bool>? entries, bool final)
        {
            if (entries is null)
            {
                return false;
            }
            Dictionary<string, bool>? replacement = null;
            foreach ((string role, bool propagate) in entries)
            {
                if (final || propagate)
                {
                    replacement ??= new Dictionary<string, bool>(StringComparer.Ordinal);
                    replacement[role] = propagate;
                }
            }
            if (replacement is null)
            {
                return false;
            }
            roles = replacement;
            return true;
        }
    }

    /// <summary>`get_effective_permissions`: the top-level paths plus every ACL tree node, empty ones omitted.</summary>
    public SortedDictionary<string, Dictionary<string, bool>> EffectivePermissions(string authId)
    {
        var paths = new SortedSet<string>(TopLevelPaths, StringComparer.Ordinal);
        foreach ((string path, _) in state.AclTree())
        {
            paths.Add(path);
        }
        var result = new SortedDictionary<string, Dictionary<string, bool>>(StringComparer.Ordinal);
        foreach (string path in paths)
        {
            Dictionary<string, bool> perms = Permissions(authId, path);
            if (perms.Count > 0)
            {
                result[path] = perms;
            }
        }
        return result;
    }

    /// <summary>RPCEnvironment `check`: every privilege; 403 "(path, priv)" for the first one missing.</summary>
    public bool Check(string authId, string path, IEnumerable<string> privs, bool noerr = false)
    {
        Dictionary<string, bool> perms = Permissions(authId, path);
        foreach (string priv in privs)
        {
            if (!perms.ContainsKey(priv))
            {
                return noerr ? false : throw ApiException.Permission($"{path}, {priv}");
            }
        }
        return true;
    }

    /// <summary>RPCEnvironment `check_any`: at least one privilege; 403 "(path, p1|p2)".</summary>
    public bool CheckAny(string authId, string path, IReadOnlyList<string> privs, bool noerr = false)
    {
        Dictionary<string, bool> perms = Permissions(authId, path);
        if (privs.Any(perms.ContainsKey))
        {
            return true;
        }
        return noerr ? false : throw ApiException.Permission($"{path}, {string.Join('|', privs)}");
    }

    /// <summary>
    /// `check_perm_modify`: Permissions.Modify, or below /storage, /vms, /pool (not on them) the
    /// Datastore.Allocate, VM.Allocate, Pool.Allocate substitute.
    /// </summary>
    public bool CheckPermModify(string authId, string path, bool noerr = false)
    {
        var privs = new List<string> { "Permissions.Modify" };
        if (path.StartsWith("/storage/", StringComparison.Ordinal) && path.Length > 9)
        {
            privs.Add("Datastore.Allocate");
        }
        else if (path.StartsWith("/vms/", StringComparison.Ordinal) && path.Length > 5)
        {
            privs.Add("VM.Allocate");
        }
        else if (path.StartsWith("/pool/", StringComparison.Ordinal) && path.Length > 6)
        {
            privs.Add("Pool.Allocate");
        }
        return CheckAny(authId, path, privs, noerr);
    }

    /// <summary>`filter_groups`: groups on whose /access/groups/&lt;g&gt; the caller holds any of the privileges.</summary>
    public HashSet<string> FilterGroups(string authId, IReadOnlyList<string> privs) =>
        state.Groups.Keys.Where(g => CheckAny(authId, "/access/groups/" + g, privs, noerr: true)).ToHashSet(StringComparer.Ordinal);

    /// <summary>`group_member_join`: the members of the given groups.</summary>
    public HashSet<string> GroupMembers(IEnumerable<string> groups) =>
        groups.SelectMany(g => state.Groups.TryGetValue(g, out Group? group) ? group.Members : []).ToHashSet(StringComparer.Ordinal);

    /// <summary>`compute_api_permission`: the login `cap` object.</summary>
    public SortedDictionary<string, SortedSet<string>> ComputeApiPermission(string authId)
    {
        static bool Matches(string area, string priv) => area switch
        {
            "vms" => priv.StartsWith("VM.", StringComparison.Ordinal) || priv.StartsWith("Permissions.Modify", StringComparison.Ordinal),
            "access" => priv.StartsWith("User.", StringComparison.Ordinal) || priv.StartsWith("Group.", StringComparison.Ordinal) || priv.StartsWith("Permissions.Modify", StringComparison.Ordinal),
            "storage" => priv.StartsWith("Datastore.", StringComparison.Ordinal) || priv.StartsWith("Permissions.Modify", StringComparison.Ordinal),
            "nodes" => priv.StartsWith("Sys.", StringComparison.Ordinal) || priv.StartsWith("Permissions.Modify", StringComparison.Ordinal),
            "sdn" => priv.StartsWith("SDN.", StringComparison.Ordinal) || priv.StartsWith("Permissions.Modify", StringComparison.Ordinal),
            "dc" => priv.StartsWith("Sys.Audit", StringComparison.Ordinal) || priv.StartsWith("Sys.Modify", StringComparison.Ordinal) || priv.StartsWith("SDN.", StringComparison.Ordinal),
            "mapping" => priv.StartsWith("Mapping.", StringComparison.Ordinal) || priv.StartsWith("Permissions.Modify", StringComparison.Ordinal),
            _ => false,
        };

        string[] areas = ["vms", "access", "storage", "nodes", "sdn", "dc", "mapping"];
        var result = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (string area in areas)
        {
            result[area] = new SortedSet<string>(StringComparer.Ordinal);
        }
        var paths = new List<string> { "/", "/nodes", "/access/groups", "/vms", "/storage", "/sdn", "/mapping" };
        paths.AddRange(state.AclTree().Select(t => t.Path));
        foreach (string path in paths.Distinct(StringComparer.Ordinal))
        {
            Dictionary<string, bool> perms = Permissions(authId, path);
            System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(path, @"^/(\w+)");
            string top = m.Success ? m.Groups[1].Value : "dc";
            foreach (string priv in perms.Keys)
            {
                if (top == "pool")
                {
                    // Pool ACLs count for the VMs and storages the pool holds.
                    if (priv.StartsWith("VM.", StringComparison.Ordinal))
                    {
                        result["vms"].Add(priv);
                    }
                    else if (priv.StartsWith("Datastore.", StringComparison.Ordinal))
                    {
                        result["storage"].Add(priv);
                    }
                }
                else if (result.TryGetValue(top, out SortedSet<string>? set) && Matches(top, priv))
                {
                    set.Add(priv);
                }
            }
        }
        return result;
    }
}
