using PveEmulator.Access;
using PveEmulator.Model;

namespace PveEmulator;

/// <summary>
/// Everything an emulated node stores for access control: realms, users (with passwords and TOTP
/// secrets), groups, tokens and their secrets, roles and the ACL tree. Thread-safe: every member
/// takes <see cref="Sync"/>, and the request pipeline holds it while a handler runs.
/// </summary>
public sealed class EmulatorState
{
    internal const string RootUser = "root@pam";

    internal EmulatorState(PveVersion version, string rootPassword, string rootEmail)
    {
        Version = version;
        ValidPrivileges = Privileges.Valid(version);
        Realms.Add(new Realm("pam", "pam", "Linux PAM standard authentication"));
        Realms.Add(new Realm("pve", "pve", "Proxmox VE authentication server"));
        foreach ((string id, string[] privs) in Privileges.BuiltInRoles(version))
        {
            Roles[id] = new Role(id, special: true, privs);
        }
        Users[RootUser] = new User(RootUser) { Password = rootPassword, Email = rootEmail };
    }

    internal object Sync { get; } = new();
    internal PveVersion Version { get; private set; }
    internal IReadOnlySet<string> ValidPrivileges { get; private set; }

    /// <summary>
    /// Upgrades (or downgrades) the emulated server in place, as apt would under a running client's
    /// session: GET /version, the valid privileges and the built-in roles change; users, tokens and
    /// ACLs stay.
    /// </summary>
    public void UpgradeTo(string version)
    {
        lock (Sync)
        {
            PveVersion parsed = PveVersion.Parse(version);
            Version = parsed;
            ValidPrivileges = Privileges.Valid(parsed);
            foreach ((string id, string[] privs) in Privileges.BuiltInRoles(parsed))
            {
                Roles[id] = new Role(id, special: true, privs);
            }
        }
    }
    internal List<Realm> Realms { get; } = [];
    internal SortedDictionary<string, User> Users { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, Group> Groups { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, Role> Roles { get; } = new(StringComparer.Ordinal);
    internal AclNode AclRoot { get; } = new();

    // ---- seeding (public API) -------------------------------------------------------------

    public void AddUser(string userId, string? password = null, bool enable = true, long expire = 0, string? email = null,
                        string? comment = null, IEnumerable<string>? groups = null, string? totpSecret = null)
    {
        if (!Identifiers.IsUserId(userId))
        {
            throw new ArgumentException($"'{userId}' is not a valid user id", nameof(userId));
        }
        lock (Sync)
        {
            if (Users.ContainsKey(userId))
            {
                throw new InvalidOperationException($"user '{userId}' already exists");
            }
            var user = new User(userId)
            {
                Password = password, Enable = enable, Expire = expire, Email = email ?? "", Comment = comment ?? "",
                TotpSecret = totpSecret,
            };
            foreach (string g in groups ?? [])
            {
                GroupOrThrow(g).Members.Add(userId);
                user.Groups.Add(g);
            }
            Users[userId] = user;
        }
    }

    public void AddGroup(string groupId, string? comment = null)
    {
        if (!Identifiers.IsGroupId(groupId))
        {
            throw new ArgumentException($"'{groupId}' is not a valid group id", nameof(groupId));
        }
        lock (Sync)
        {
            if (!Groups.TryAdd(groupId, new Group(groupId) { Comment = comment ?? "" }))
            {
                throw new InvalidOperationException($"group '{groupId}' already exists");
            }
        }
    }

    /// <summary>Adds a token and returns its secret (a new random lowercase UUID unless given).</summary>
    public string AddToken(string userId, string tokenId, bool privsep = true, long expire = 0, string? comment = null, string? secret = null)
    {
        if (!Identifiers.IsTokenSubId(tokenId))
        {
            throw new ArgumentException($"'{tokenId}' is not a valid token id", nameof(tokenId));
        }
        lock (Sync)
        {
            User user = UserOrThrow(userId);
            if (user.Tokens.ContainsKey(tokenId))
            {
                throw new InvalidOperationException($"token '{userId}!{tokenId}' already exists");
            }
            string value = secret ?? NewSecret();
            user.Tokens[tokenId] = new Token(tokenId, value) { Privsep = privsep, Expire = expire, Comment = comment ?? "" };
            return value;
        }
    }

    /// <summary>Adds one ACL entry; exactly one of user, group and token names the principal.</summary>
    public void AddAcl(string path, string roleId, string? user = null, string? group = null, string? token = null, bool propagate = true)
    {
        int principals = (user is null ? 0 : 1) + (group is null ? 0 : 1) + (token is null ? 0 : 1);
        if (principals != 1)
        {
            throw new ArgumentException("exactly one of user, group and token must be given");
        }
        string normalized = Identifiers.NormalizeAclPath(path) ?? throw new ArgumentException($"invalid ACL path '{path}'", nameof(path));
        lock (Sync)
        {
            if (!Roles.ContainsKey(roleId))
            {
                throw new ArgumentException($"role '{roleId}' does not exist", nameof(roleId));
            }
            if (user is not null)
            {
                UserOrThrow(user);
                SetAcl(normalized, AclKind.User, user, roleId, propagate);
            }
            else if (group is not null)
            {
                GroupOrThrow(group);
                SetAcl(normalized, AclKind.Group, group, roleId, propagate);
            }
            else
            {
                (string owner, string tokenId) = Identifiers.SplitTokenId(token!) ?? throw new ArgumentException($"'{token}' is not a full token id", nameof(token));
                if (!UserOrThrow(owner).Tokens.ContainsKey(tokenId))
                {
                    throw new ArgumentException($"token '{token}' does not exist", nameof(token));
                }
                SetAcl(normalized, AclKind.Token, token!, roleId, propagate);
            }
        }
    }

    public void AddRole(string roleId, IEnumerable<string> privileges)
    {
        lock (Sync)
        {
            string[] privs = privileges.ToArray();
            string? invalid = privs.FirstOrDefault(p => !ValidPrivileges.Contains(p));
            if (invalid is not null)
            {
                throw new ArgumentException($"invalid privilege '{invalid}'", nameof(privileges));
            }
            if (!Identifiers.IsRoleId(roleId) || !Roles.TryAdd(roleId, new Role(roleId, special: false, privs)))
            {
                throw new InvalidOperationException($"role '{roleId}' is invalid or exists already");
            }
        }
    }

    // ---- inspection (public API) ----------------------------------------------------------

    public bool UserExists(string userId)
    {
        lock (Sync)
        {
            return Users.ContainsKey(userId);
        }
    }

    public bool GroupExists(string groupId)
    {
        lock (Sync)
        {
            return Groups.ContainsKey(groupId);
        }
    }

    public bool RoleExists(string roleId)
    {
        lock (Sync)
        {
            return Roles.ContainsKey(roleId);
        }
    }

    public bool TokenExists(string userId, string tokenId)
    {
        lock (Sync)
        {
            return Users.TryGetValue(userId, out User? u) && u.Tokens.ContainsKey(tokenId);
        }
    }

    /// <summary>The current secret of a token, or null when the token does not exist.</summary>
    public string? TokenSecret(string userId, string tokenId)
    {
        lock (Sync)
        {
            return Users.TryGetValue(userId, out User? u) && u.Tokens.TryGetValue(tokenId, out Token? t) ? t.Secret : null;
        }
    }

    /// <summary>All ACL entries in PVE's tree order; Type is "user", "group" or "token".</summary>
    public IReadOnlyList<(string Path, string Type, string UgId, string RoleId, bool Propagate)> AclEntries()
    {
        lock (Sync)
        {
            var list = new List<(string, string, string, string, bool)>();
            foreach ((string path, AclNode node) in AclTree())
            {
                foreach (AclKind kind in Enum.GetValues<AclKind>())
                {
                    foreach ((string ugid, Dictionary<string, bool> roles) in node.Of(kind))
                    {
                        foreach ((string role, bool propagate) in roles)
                        {
                            list.Add((path, kind.ToString().ToLowerInvariant(), ugid, role, propagate));
                        }
                    }
                }
            }
            return list;
        }
    }

    // ---- internal operations (callers hold Sync) ------------------------------------------

    internal static string NewSecret() => Guid.NewGuid().ToString("D");

    internal static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    internal User UserOrThrow(string userId) =>
        Users.TryGetValue(userId, out User? u) ? u : throw new ArgumentException($"user '{userId}' does not exist", nameof(userId));

    private Group GroupOrThrow(string groupId) =>
        Groups.TryGetValue(groupId, out Group? g) ? g : throw new ArgumentException($"group '{groupId}' does not exist", nameof(groupId));

    /// <summary>Every node of the ACL tree (intermediate ones too) as (path, node), parents before children, children sorted.</summary>
    internal IEnumerable<(string Path, AclNode Node)> AclTree()
    {
        var stack = new Stack<(string, AclNode)>();
        stack.Push(("/", AclRoot));
        while (stack.Count > 0)
        {
            (string path, AclNode node) = stack.Pop();
            yield return (path, node);
            foreach ((string name, AclNode child) in node.Children.Reverse())
            {
                stack.Push((path == "/" ? "/" + name : path + "/" + name, child));
            }
        }
    }

    internal AclNode? FindAclNode(string normalizedPath, bool create)
    {
        AclNode node = AclRoot;
        foreach (string part in normalizedPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!node.Children.TryGetValue(part, out AclNode? child))
            {
                if (!create)
                {
                    return null;
                }
                child = new AclNode();
                node.Children[part] = child;
            }
            node = child;
        }
        return node;
    }

    internal void SetAcl(string normalizedPath, AclKind kind, string ugid, string roleId, bool propagate)
    {
        // root@pam has every privilege anyway; PVE never writes ACL entries for it.
        if (kind == AclKind.User && ugid == RootUser)
        {
            return;
        }
        AclNode node = FindAclNode(normalizedPath, create: true)!;
        Dictionary<string, Dictionary<string, bool>> entries = node.Of(kind);
        if (!entries.TryGetValue(ugid, out Dictionary<string, bool>? roles))
        {
            roles = new Dictionary<string, bool>(StringComparer.Ordinal);
            entries[ugid] = roles;
        }
        roles[roleId] = propagate;
    }

    internal void RemoveAcl(string normalizedPath, AclKind kind, string ugid, string roleId)
    {
        AclNode? node = FindAclNode(normalizedPath, create: false);
        if (node is not null && node.Of(kind).TryGetValue(ugid, out Dictionary<string, bool>? roles) && roles.Remove(roleId) && roles.Count == 0)
        {
            node.Of(kind).Remove(ugid);
        }
        PruneAcl();
    }

    /// <summary>Drops entries matching <paramref name="match"/> everywhere (PVE drops them when user.cfg is parsed next).</summary>
    internal void RemoveAclWhere(Func<AclKind, string, string, bool> match)
    {
        foreach ((_, AclNode node) in AclTree().ToList())
        {
            foreach (AclKind kind in Enum.GetValues<AclKind>())
            {
                Dictionary<string, Dictionary<string, bool>> entries = node.Of(kind);
                foreach ((string ugid, Dictionary<string, bool> roles) in entries.ToList())
                {
                    foreach (string role in roles.Keys.ToList())
                    {
                        if (match(kind, ugid, role))
                        {
                            roles.Remove(role);
                        }
                    }
                    if (roles.Count == 0)
                    {
                        entries.Remove(ugid);
                    }
                }
            }
        }
        PruneAcl();
    }

    /// <summary>Removes nodes without entries or children: a re-parsed user.cfg only has nodes on the paths of entries.</summary>
    private void PruneAcl()
    {
        static bool Prune(AclNode node)
        {
            foreach ((string name, AclNode child) in node.Children.ToList())
            {
                if (Prune(child))
                {
                    node.Children.Remove(name);
                }
            }
            return node.Children.Count == 0 && !node.HasEntries;
        }
        Prune(AclRoot);
    }

    internal void DeleteToken(User user, string tokenId)
    {
        user.Tokens.Remove(tokenId);
        string full = user.Id + "!" + tokenId;
        RemoveAclWhere((kind, ugid, _) => kind == AclKind.Token && ugid == full);
    }

    /// <summary>Deleting a user drops its group memberships, its ACL entries, its tokens and their ACL entries.</summary>
    internal void DeleteUser(string userId)
    {
        if (!Users.Remove(userId, out User? user))
        {
            return;
        }
        foreach (string g in user.Groups)
        {
            if (Groups.TryGetValue(g, out Group? group))
            {
                group.Members.Remove(userId);
            }
        }
        string tokenPrefix = userId + "!";
        RemoveAclWhere((kind, ugid, _) =>
            (kind == AclKind.User && ugid == userId) || (kind == AclKind.Token && ugid.StartsWith(tokenPrefix, StringComparison.Ordinal)));
    }

    internal void DeleteGroup(string groupId)
    {
        if (!Groups.Remove(groupId, out Group? group))
        {
            return;
        }
        foreach (string member in group.Members)
        {
            if (Users.TryGetValue(member, out User? u))
            {
                u.Groups.Remove(groupId);
            }
        }
        RemoveAclWhere((kind, ugid, _) => kind == AclKind.Group && ugid == groupId);
    }

    internal void DeleteRole(string roleId)
    {
        Roles.Remove(roleId);
        RemoveAclWhere((_, _, role) => role == roleId);
    }
}
