// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Threading;
using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Client;

/// <summary>Everything a <see cref="PveClient"/> needs to reach one server, fixed for its life.</summary>
internal sealed class PveClientOptions
{
    internal PveClientOptions(Uri server)
    {
        Server = server;
    }

    /// <summary><c>https://host:port/</c> as returned by <see cref="PveServerAddress.Parse"/>.</summary>
    internal Uri Server { get; }

    internal PveCertificatePolicy CertificatePolicy { get; set; } = PveCertificatePolicy.SystemTrust;

    /// <summary>64 upper-case hex digits; required when <see cref="CertificatePolicy"/> is Pinned.</summary>
    internal string? PinnedCertificateSha256 { get; set; }

    /// <summary>Per call, from sending the request to reading the last byte; Infinite for none.</summary>
    internal TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A ticket older than this is renewed before the next call. PVE tickets live 2 h; renewing at
    /// half-life leaves room for clock trouble and long calls. A call that still gets a 401 renews once
    /// and retries once, so a server with a shorter lifetime (the emulator's) is handled too.
    /// </summary>
    internal TimeSpan TicketRenewalAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Which failed calls are sent again, how often and after what wait (Connect-PveServer -MaximumRetryCount/-RetryIntervalSec).</summary>
    internal PveRetryPolicy Retry { get; set; } = PveRetryPolicy.Default;

    /// <summary>Receives every notice (retries, writes verified after a lost answer) besides the ambient <see cref="HttpCallObserver"/>.</summary>
    internal Action<ClientNotice>? OnNotice { get; set; }

    /// <summary>Receives every call record (besides the ambient <see cref="HttpCallObserver"/>).</summary>
    internal Action<HttpCallRecord>? OnCall { get; set; }
}
