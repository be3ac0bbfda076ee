// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

namespace PveTokens.Models;

/// <summary>Whether an API token can authenticate, in the order PVE checks it (api.md §2.2).</summary>
public enum PveApiTokenStatus
{
    /// <summary>The token can authenticate (as far as the listing knows: see <see cref="PveApiToken.Status"/>).</summary>
    Active = 0,

    /// <summary>The token's own expiry has passed. PVE keeps it; a later expiry or none re-enables it.</summary>
    Expired = 1,

    /// <summary>The owning user is disabled, which disables all of its tokens.</summary>
    UserDisabled = 2,

    /// <summary>The owning user's account has expired, which disables all of its tokens.</summary>
    UserExpired = 3,

    /// <summary>
    /// The owner's state could not be read (the session may list the user's tokens but not read the
    /// user), and PVE checks the owner first: whether the token can authenticate is not known.
    /// </summary>
    Unknown = 4,
}
