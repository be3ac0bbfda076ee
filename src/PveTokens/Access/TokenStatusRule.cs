// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using PveTokens.Models;

namespace PveTokens.Access;

/// <summary>
/// A token's status in PVE's own check order (api.md §2.2: the owner exists, is enabled and has not
/// expired; then the token has not expired). The owner's state comes first, so without it no status
/// is certain: an expired token of a disabled user is UserDisabled when the owner was read, and the
/// status must not change with the way the token was asked for. Unknown says so instead of guessing.
/// </summary>
internal static class TokenStatusRule
{
    internal static PveApiTokenStatus Decide(bool? ownerEnabled, long? ownerExpire, long tokenExpire, long now)
    {
        if (ownerEnabled is null || ownerExpire is null)
        {
            return PveApiTokenStatus.Unknown;
        }

        if (ownerEnabled == false)
        {
            return PveApiTokenStatus.UserDisabled;
        }

        if (PveEpoch.IsExpired(ownerExpire.Value, now))
        {
            return PveApiTokenStatus.UserExpired;
        }

        return PveEpoch.IsExpired(tokenExpire, now) ? PveApiTokenStatus.Expired : PveApiTokenStatus.Active;
    }
}
