// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;

namespace PveTokens.Access;

/// <summary>
/// PVE expiry values: Int64 seconds since the Unix epoch on the wire, 0 meaning "never".
/// Int64 throughout, so nothing stops at 2038.
/// </summary>
internal static class PveEpoch
{
    private static readonly DateTime UnixEpoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The largest epoch a DateTime can show (9999-12-31T23:59:59Z).</summary>
    internal const long MaxSeconds = 253402300799;

    /// <summary>The current time in epoch seconds.</summary>
    internal static long Now => ToEpoch(DateTime.UtcNow);

    /// <summary>An epoch value as local time; null for 0 (never).</summary>
    internal static DateTime? ToLocalDateTime(long epochSeconds)
    {
        if (epochSeconds <= 0)
        {
            return null;
        }

        long clamped = Math.Min(epochSeconds, MaxSeconds);
        return UnixEpoch.AddSeconds(clamped).ToLocalTime();
    }

    /// <summary>
    /// A point in time as epoch seconds. A DateTime of unspecified kind (what `[datetime]'2030-01-01'`
    /// gives) is taken as local time, as Get-Date shows it; sub-second parts are dropped.
    /// </summary>
    internal static long ToEpoch(DateTime value)
    {
        DateTime utc = value.Kind switch
        {
            DateTimeKind.Utc => value,
            _ => DateTime.SpecifyKind(value, DateTimeKind.Local).ToUniversalTime(),
        };
        // Floor, not truncation: a moment before 1970 must never come out as 0 ("never").
        long ticks = utc.Ticks - UnixEpoch.Ticks;
        long seconds = ticks / TimeSpan.TicksPerSecond;
        return ticks < 0 && ticks % TimeSpan.TicksPerSecond != 0 ? seconds - 1 : seconds;
    }

    /// <summary>Whether a token or user with this expiry is expired now (PVE: `expire &amp;&amp; expire &lt; time()`).</summary>
    internal static bool IsExpired(long epochSeconds, long now) => epochSeconds != 0 && epochSeconds < now;

    /// <summary>
    /// <see cref="IsExpired(long, long)"/> for an expiry shown as a DateTime (null = never), compared
    /// in whole seconds as PVE compares them: a moment in the current second is not yet expired.
    /// </summary>
    internal static bool IsExpired(DateTime? expiresAt, long now) => expiresAt is DateTime at && IsExpired(ToEpoch(at), now);
}
