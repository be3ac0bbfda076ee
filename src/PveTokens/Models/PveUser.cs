// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Models;

/// <summary>A Proxmox VE user, as listed by <c>GET /access/users?full=1</c>.</summary>
public sealed class PveUser
{
    /// <summary>The user id, <c>USER@REALM</c>. Pipes into the token cmdlets by this name.</summary>
    public string UserId { get; set; } = string.Empty;

    /// <summary>The realm part of <see cref="UserId"/> (after the last '@').</summary>
    public string Realm { get; set; } = string.Empty;

    /// <summary>The type of the user's realm (<c>pam</c>, <c>pve</c>, <c>ldap</c>, <c>ad</c>, <c>openid</c>), when PVE reports it.</summary>
    public string? RealmType { get; set; }

    /// <summary>Whether the account is enabled. A disabled user's tokens stop working too.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>When the account expires, in local time; null when it never expires. Its tokens expire with it.</summary>
    public DateTime? ExpiresAt { get; set; }

    /// <summary>
    /// True when <see cref="ExpiresAt"/> has passed (as PVE decides it: before the current second, so a
    /// user expiring this very second still works; checked against the clock each time it is read).
    /// </summary>
    public bool IsExpired => PveEpoch.IsExpired(ExpiresAt, PveEpoch.Now);

    /// <summary>The groups the user belongs to.</summary>
    public string[] Groups { get; set; } = Array.Empty<string>();

    /// <summary>The names (the part after '!') of the user's API tokens, sorted.</summary>
    public string[] TokenNames { get; set; } = Array.Empty<string>();

    /// <summary>How many API tokens the user has.</summary>
    public int TokenCount => TokenNames.Length;

    /// <summary>First name, when set.</summary>
    public string? FirstName { get; set; }

    /// <summary>Last name, when set.</summary>
    public string? LastName { get; set; }

    /// <summary>E-mail address, when set.</summary>
    public string? Email { get; set; }

    /// <summary>Comment, when set.</summary>
    public string? Comment { get; set; }

    /// <summary>The session (server) the user was read from.</summary>
    public PveSession? Session { get; set; }

    /// <inheritdoc/>
    public override string ToString() => UserId;
}
