namespace PveEmulator.Model;

/// <summary>A user of user.cfg plus its password (the realm's password database) and optional TOTP secret.</summary>
internal sealed class User(string id)
{
    public string Id { get; } = id;
    public string? Password { get; set; }
    public bool Enable { get; set; } = true;
    public long Expire { get; set; }
    public string FirstName { get; set; } = "";
    public string LastName { get; set; } = "";
    public string Email { get; set; } = "";
    public string Comment { get; set; } = "";
    public string Keys { get; set; } = "";
    public string? TotpSecret { get; set; }

    /// <summary>Group names, kept sorted (user.cfg lists them sorted).</summary>
    public SortedSet<string> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>Tokens by short token id, sorted like PVE's `sort keys`.</summary>
    public SortedDictionary<string, Token> Tokens { get; } = new(StringComparer.Ordinal);

    /// <summary>Enabled and not expired at <paramref name="now"/> (Unix seconds).</summary>
    public bool IsActive(long now) => Enable && !(Expire != 0 && Expire < now);
}

/// <summary>A token line of user.cfg plus its secret from priv/token.cfg.</summary>
internal sealed class Token(string id, string secret)
{
    public string Id { get; } = id;
    public string Secret { get; set; } = secret;
    public bool Privsep { get; set; } = true;
    public long Expire { get; set; }
    public string Comment { get; set; } = "";
}

internal sealed class Group(string id)
{
    public string Id { get; } = id;
    public string Comment { get; set; } = "";
    public SortedSet<string> Members { get; } = new(StringComparer.Ordinal);
}

internal sealed class Role(string id, bool special, IEnumerable<string> privileges)
{
    public string Id { get; } = id;

    /// <summary>Built-in roles are "special": immutable and listed with `special: 1`.</summary>
    public bool Special { get; } = special;

    public SortedSet<string> Privileges { get; } = new(privileges, StringComparer.Ordinal);
}

internal sealed record Realm(string Id, string Type, string Comment);

/// <summary>The kinds of ACL principal, in the order PVE lists them within a path.</summary>
internal enum AclKind
{
    User,
    Group,
    Token,
}

/// <summary>A node of the ACL tree (PVE keeps ACLs as a tree of path components).</summary>
internal sealed class AclNode
{
    public SortedDictionary<string, AclNode> Children { get; } = new(StringComparer.Ordinal);

    /// <summary>Per kind: principal id → (role id → propagate).</summary>
    public Dictionary<string, Dictionary<string, bool>>[] Entries { get; } =
        [new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal)];

    public Dictionary<string, Dictionary<string, bool>> Of(AclKind kind) => Entries[(int)kind];

    public bool HasEntries => Entries.Any(e => e.Count > 0);
}
