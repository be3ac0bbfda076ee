// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using PveTokens.Access;

namespace PveTokens.Models;

/// <summary>Whether an access grant belongs to a user or an API token.</summary>
public enum PveAccessPrincipalType
{
    /// <summary>A user, <c>USER@REALM</c>.</summary>
    User,

    /// <summary>An API token, <c>USER@REALM!TOKENID</c>.</summary>
    Token,
}

/// <summary>How a privilege reaches the principal.</summary>
public enum PveAccessVia
{
    /// <summary>An ACL entry naming the user (or the token) itself.</summary>
    Direct,

    /// <summary>ACL entries naming groups the user belongs to (<see cref="PveAccessGrant.SourceGroup"/>).</summary>
    Group,

    /// <summary>A token without privilege separation: it has exactly its owner's rights, from the owner's entries.</summary>
    Owner,

    /// <summary>A privilege-separated token: its own entry, intersected with its owner's rights (<see cref="PveAccessGrant.OwnerSourcePath"/>).</summary>
    TokenIntersection,

    /// <summary>root@pam, which holds every privilege everywhere without any ACL entry.</summary>
    Superuser,

    /// <summary>
    /// PVE reports the privilege, but the ACL entries the session can read do not explain it: rights
    /// through pool membership, or entries the session cannot see (Get-PvePermission -Explain only).
    /// </summary>
    Unexplained,
}

/// <summary>
/// One privilege a user or API token holds on one path, computed client-side exactly as PVE does,
/// with the ACL entries it comes from (<c>Get-PveAccessReport</c>, <c>Get-PvePermission -Explain</c>).
/// Every property is a scalar, so <c>Export-Csv</c> writes one flat column each.
/// </summary>
public sealed class PveAccessGrant
{
    /// <summary>The user id or full token id that holds the privilege.</summary>
    public string Principal { get; set; } = string.Empty;

    /// <summary>Whether <see cref="Principal"/> is a user or a token.</summary>
    public PveAccessPrincipalType PrincipalType { get; set; }

    /// <summary>The user, or the user that owns the token.</summary>
    public string UserId { get; set; } = string.Empty;

    /// <summary>The path the privilege holds on.</summary>
    public string Path { get; set; } = "/";

    /// <summary>The privilege, e.g. <c>VM.Allocate</c>.</summary>
    public string Privilege { get; set; } = string.Empty;

    /// <summary>PVE's propagate flag: whether the privilege also holds below <see cref="Path"/>.</summary>
    public bool Propagate { get; set; }

    /// <summary>How the privilege reaches the principal.</summary>
    public PveAccessVia Via { get; set; }

    /// <summary>
    /// The path of the ACL entries the privilege comes from (for a token without privilege separation,
    /// its owner's entries; for a separated token, its own); null for root@pam.
    /// </summary>
    public string? SourcePath { get; set; }

    /// <summary>The roles of those entries that contain the privilege, comma-separated.</summary>
    public string? SourceRole { get; set; }

    /// <summary>The groups of those entries, comma-separated, when the privilege comes through groups; else null.</summary>
    public string? SourceGroup { get; set; }

    /// <summary>For <see cref="PveAccessVia.TokenIntersection"/>: the path of the owner's entries the token's privilege is intersected with.</summary>
    public string? OwnerSourcePath { get; set; }

    /// <summary>For <see cref="PveAccessVia.TokenIntersection"/>: the owner's roles that contain the privilege.</summary>
    public string? OwnerSourceRole { get; set; }

    /// <summary>For <see cref="PveAccessVia.TokenIntersection"/>: the owner's groups the privilege comes through, if any.</summary>
    public string? OwnerSourceGroup { get; set; }

    /// <summary>
    /// The source in one line: entry path, roles and groups; for a separated token its own entry
    /// and its owner's (<c>/vms PVEVMAdmin &amp; owner / PVEVMUser (@ops)</c>).
    /// </summary>
    public string Source { get; set; } = string.Empty;

    /// <summary>Whether the principal can use its rights now: false for a disabled or expired user and an expired token (or one of such a user).</summary>
    public bool Usable { get; set; } = true;

    /// <summary>Why the principal cannot use its rights, or null.</summary>
    public string? UnusableReason { get; set; }

    /// <summary>The session (server) the report was computed for.</summary>
    public PveSession? Session { get; set; }

    /// <inheritdoc/>
    public override string ToString() => $"{Principal} {Path} {Privilege}";

    /// <summary>The row of one privilege of <paramref name="permissions"/>, with its source.</summary>
    internal static PveAccessGrant From(PathPermissions permissions, PrivilegeGrant grant, PveSession session)
    {
        AccessPrincipal p = permissions.Principal;
        var row = new PveAccessGrant
        {
            Principal = p.Id,
            PrincipalType = p.IsToken ? PveAccessPrincipalType.Token : PveAccessPrincipalType.User,
            UserId = p.UserId,
            Path = permissions.Path,
            Privilege = grant.Privilege,
            Propagate = grant.Propagate,
            Via = grant.Via switch
            {
                AccessVia.Group => PveAccessVia.Group,
                AccessVia.Owner => PveAccessVia.Owner,
                AccessVia.TokenIntersection => PveAccessVia.TokenIntersection,
                AccessVia.Superuser => PveAccessVia.Superuser,
                _ => PveAccessVia.Direct,
            },
            Usable = p.Usable,
            UnusableReason = p.UnusableReason,
            Session = session,
        };
        (row.SourcePath, row.SourceRole, row.SourceGroup) = Flatten(grant.Source);
        if (grant.OwnerSource is GrantSource owner)
        {
            (row.OwnerSourcePath, row.OwnerSourceRole, row.OwnerSourceGroup) = Flatten(owner);
        }

        row.Source = grant.Via switch
        {
            AccessVia.Superuser => "root@pam: every privilege",
            AccessVia.Owner => "owner " + grant.Source.Summary,
            AccessVia.TokenIntersection => grant.Source.Summary + " & owner " + grant.OwnerSource!.Summary,
            _ => grant.Source.Summary,
        };
        return row;
    }

    /// <summary>A privilege PVE reports that the entries read do not explain.</summary>
    internal static PveAccessGrant Unexplained(string principal, AccessPrincipal? known, string path, string privilege, bool propagate, PveSession session) => new()
    {
        Principal = principal,
        PrincipalType = principal.IndexOf('!') >= 0 ? PveAccessPrincipalType.Token : PveAccessPrincipalType.User,
        UserId = known?.UserId ?? (principal.IndexOf('!') >= 0 ? principal.Substring(0, principal.LastIndexOf('!')) : principal),
        Path = path,
        Privilege = privilege,
        Propagate = propagate,
        Via = PveAccessVia.Unexplained,
        Usable = known?.Usable ?? true,
        UnusableReason = known?.UnusableReason,
        Session = session,
        Source = "not explained by the ACL entries read",
    };

    private static (string? Path, string? Role, string? Group) Flatten(GrantSource source) =>
        source.IsSuperuser ? (null, null, null) : (source.EntryPath, source.Roles, source.Groups);
}
