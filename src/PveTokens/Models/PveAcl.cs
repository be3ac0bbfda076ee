// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

namespace PveTokens.Models;

/// <summary>The kind of principal an ACL entry names.</summary>
public enum PveAclPrincipalType
{
    /// <summary>A user, <c>USER@REALM</c>.</summary>
    User,

    /// <summary>A group (PVE writes it <c>@group</c> in user.cfg; the API and this module use the bare name).</summary>
    Group,

    /// <summary>An API token, by its full id <c>USER@REALM!TOKENID</c>.</summary>
    Token,
}

/// <summary>One entry of a Proxmox VE access control list: a role granted to a principal on a path.</summary>
public sealed class PveAcl
{
    /// <summary>The ACL path, normalised as PVE stores it (e.g. <c>/vms/100</c>).</summary>
    public string Path { get; set; } = "/";

    /// <summary>Whether the entry names a user, a group or an API token.</summary>
    public PveAclPrincipalType Type { get; set; }

    /// <summary>The principal: a user id, a group name or a full token id.</summary>
    public string Principal { get; set; } = string.Empty;

    /// <summary>The role granted.</summary>
    public string Role { get; set; } = string.Empty;

    /// <summary>Whether the role also applies below <see cref="Path"/> (PVE's default is true).</summary>
    public bool Propagate { get; set; } = true;

    /// <summary>The session (server) this entry was read from or written to.</summary>
    public PveSession? Session { get; set; }

    /// <inheritdoc/>
    public override string ToString() => $"{Path} {Type.ToString().ToLowerInvariant()}:{Principal} {Role}{(Propagate ? string.Empty : " (no propagate)")}";
}
