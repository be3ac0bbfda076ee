// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

namespace PveTokens.Models;

/// <summary>Who holds a privilege when an API token's effective rights are compared with its owner's.</summary>
public enum PvePermissionState
{
    /// <summary>Token and owner both hold the privilege.</summary>
    Both,

    /// <summary>Only the owner holds it: a privilege-separated token needs an ACL entry of its own for it.</summary>
    OwnerOnly,

    /// <summary>Only the token holds it (possible only for tokens of root@pam, whose rights are not intersected).</summary>
    TokenOnly,
}

/// <summary>
/// One privilege on one path, compared between an API token and the user that owns it
/// (<c>Get-PvePermission -TokenId … -CompareWithOwner</c>). A privilege-separated token's rights are
/// the intersection of its own ACL entries with its owner's rights, so a request that works for the
/// owner but answers 403 for the token shows up here as <see cref="PvePermissionState.OwnerOnly"/>.
/// </summary>
public sealed class PvePermissionComparison
{
    /// <summary>The full token id, <c>USER@REALM!TOKENID</c>.</summary>
    public string TokenId { get; set; } = string.Empty;

    /// <summary>The user that owns the token.</summary>
    public string OwnerId { get; set; } = string.Empty;

    /// <summary>The path, as PVE reports it.</summary>
    public string Path { get; set; } = "/";

    /// <summary>The privilege, e.g. <c>Datastore.Audit</c>.</summary>
    public string Privilege { get; set; } = string.Empty;

    /// <summary>Who holds the privilege: both, only the owner, or only the token.</summary>
    public PvePermissionState State { get; set; }

    /// <summary>Whether the token's privilege propagates below <see cref="Path"/>; null when the token lacks it.</summary>
    public bool? TokenPropagate { get; set; }

    /// <summary>Whether the owner's privilege propagates below <see cref="Path"/>; null when the owner lacks it.</summary>
    public bool? OwnerPropagate { get; set; }

    /// <summary>The session (server) that computed the permissions.</summary>
    public PveSession? Session { get; set; }

    /// <inheritdoc/>
    public override string ToString() => $"{Path} {Privilege} {State}";
}
