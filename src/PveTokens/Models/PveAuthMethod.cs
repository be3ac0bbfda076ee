// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

namespace PveTokens.Models;

/// <summary>How a session authenticates to PVE.</summary>
public enum PveAuthMethod
{
    /// <summary>An API token (<c>Authorization: PVEAPIToken …</c>); stateless, no CSRF token.</summary>
    ApiToken,

    /// <summary>A user login: a ticket cookie plus a CSRF token on writes, renewed before it expires.</summary>
    Ticket,
}
