// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Net.Http;
using PveTokens.Access;

namespace PveTokens.Client;

/// <summary>
/// When and how long a client waits before sending a call again (docs/reliability.md). Only calls
/// that are safe to repeat are retried: reads (GET, and the login, which changes nothing) and calls
/// that failed before a byte of them left this machine; only after a transport failure, a
/// 502/503/504, or a read whose answer arrived unreadable. The delay before retry n is
/// <c>RetryInterval × 2^(n−1)</c>, capped at <see cref="MaximumDelay"/>, of which a random half is
/// taken off ("equal jitter", so clients that failed together do not come back together); a
/// <c>Retry-After</c> the server sends is honoured up to the cap.
/// </summary>
internal sealed class PveRetryPolicy
{
    /// <summary>Retries after the first attempt (Invoke-RestMethod's -MaximumRetryCount).</summary>
    internal const int DefaultMaximumRetryCount = 3;

    /// <summary>Base delay (Invoke-RestMethod's -RetryIntervalSec).</summary>
    internal static readonly TimeSpan DefaultRetryInterval = TimeSpan.FromSeconds(1);

    private static readonly Random Jitter = new Random();

    internal PveRetryPolicy(int maximumRetryCount, TimeSpan retryInterval)
    {
        if (maximumRetryCount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maximumRetryCount), maximumRetryCount, "The retry count cannot be negative.");
        }

        if (retryInterval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(retryInterval), retryInterval, "The retry interval cannot be negative.");
        }

        MaximumRetryCount = maximumRetryCount;
        RetryInterval = retryInterval;
    }

    /// <summary>3 retries, 1 s base delay (so at most about 7 s of waiting).</summary>
    internal static PveRetryPolicy Default { get; } = new PveRetryPolicy(DefaultMaximumRetryCount, DefaultRetryInterval);

    /// <summary>No retries at all.</summary>
    internal static PveRetryPolicy None { get; } = new PveRetryPolicy(0, TimeSpan.Zero);

    internal int MaximumRetryCount { get; }

    internal TimeSpan RetryInterval { get; }

    /// <summary>No single wait is longer than this, whatever the backoff or Retry-After says.</summary>
    internal TimeSpan MaximumDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether a status is one a retry can cure: the proxy or gateway answered for PVE.</summary>
    internal static bool IsRetryableStatus(int status) => status == 502 || status == 503 || status == 504;

    /// <summary>Whether a call with this method may be sent again after it reached the server.</summary>
    internal static bool IsIdempotent(HttpMethod method) => method == HttpMethod.Get;

    /// <summary>The wait before retry <paramref name="retry"/> (1-based).</summary>
    internal TimeSpan DelayBefore(int retry, TimeSpan? retryAfter)
    {
        double cap = MaximumDelay.TotalMilliseconds;
        double full = Math.Min(cap, RetryInterval.TotalMilliseconds * Math.Pow(2, Math.Max(0, retry - 1)));
        double random;
        lock (Jitter)
        {
            random = Jitter.NextDouble();
        }

        double delay = (full / 2) + (random * full / 2);
        if (retryAfter is TimeSpan after && after.TotalMilliseconds > delay)
        {
            delay = Math.Min(cap, after.TotalMilliseconds);
        }

        return TimeSpan.FromMilliseconds(delay);
    }
}
