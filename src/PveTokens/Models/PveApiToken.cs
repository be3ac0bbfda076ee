// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Models;

/// <summary>
/// A Proxmox VE API token: its id, settings and state as the server reported them. It never holds
/// the secret (PVE returns that only once, see <see cref="PveApiTokenSecret"/>).
/// </summary>
public class PveApiToken
{
    private readonly bool? _ownerEnabled;
    private readonly long? _ownerExpire;

    internal PveApiToken(
        string userId,
        string tokenId,
        string? comment,
        long expire,
        bool privilegeSeparation,
        bool? ownerEnabled,
        long? ownerExpire,
        PveSession? session)
    {
        UserId = userId;
        TokenId = tokenId;
        FullTokenId = userId + "!" + tokenId;
        Comment = string.IsNullOrEmpty(comment) ? null : comment;
        ExpireEpoch = expire < 0 ? 0 : expire;
        ExpiresAt = PveEpoch.ToLocalDateTime(ExpireEpoch);
        PrivilegeSeparation = privilegeSeparation;
        _ownerEnabled = ownerEnabled;
        _ownerExpire = ownerExpire;
        Session = session;
    }

    /// <summary>The owning user, e.g. `ci@pve`.</summary>
    public string UserId { get; }

    /// <summary>The token's own name (the part after `!`), e.g. `backup`.</summary>
    public string TokenId { get; }

    /// <summary>The full token id `USER@REALM!TOKENID`, the user name of the token's credential.</summary>
    public string FullTokenId { get; }

    /// <summary>The token's comment; null when it has none.</summary>
    public string? Comment { get; }

    /// <summary>When the token expires, in local time; null when it never expires.</summary>
    public DateTime? ExpiresAt { get; }

    /// <summary>Whether the token's own expiry has passed (checked against the clock each time it is read).</summary>
    public bool IsExpired => PveEpoch.IsExpired(ExpireEpoch, PveEpoch.Now);

    /// <summary>
    /// True when the token is privilege-separated: its rights are the intersection of its own ACL
    /// entries with its user's rights. False: it has all of its user's rights.
    /// </summary>
    public bool PrivilegeSeparation { get; }

    /// <summary>
    /// Whether the token can authenticate, in PVE's check order: <c>UserDisabled</c> or <c>UserExpired</c>
    /// when its owner is disabled or expired, else <c>Expired</c> when the token's own expiry has passed,
    /// else <c>Active</c>; <c>Unknown</c> when the owner's state could not be read. Get-PveApiToken reads
    /// the owner however the token is asked for, so the status does not depend on the parameters used.
    /// </summary>
    public PveApiTokenStatus Status => TokenStatusRule.Decide(_ownerEnabled, _ownerExpire, ExpireEpoch, PveEpoch.Now);

    /// <summary>
    /// The session the token was read from or created in. Piped into another PveTokens cmdlet, the
    /// token is handled on this session's server unless -Session names another.
    /// </summary>
    public PveSession? Session { get; }

    /// <summary>The expiry as PVE stores it: epoch seconds, 0 = never.</summary>
    internal long ExpireEpoch { get; }

    /// <summary>The full token id; never the secret.</summary>
    public override string ToString() => FullTokenId;
}
