// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Models;

/// <summary>
/// A connection to one Proxmox VE server, made by Connect-PveServer. Every PveTokens cmdlet takes one
/// with -Session (the runspace's default when omitted), and the objects cmdlets return carry the
/// session they came from. A session never exposes a secret: not the token secret, the password,
/// the ticket nor the CSRF token.
/// </summary>
public sealed class PveSession
{
    private readonly PveClient _client;

    internal PveSession(PveClient client, PveVersionInfo version)
    {
        _client = client;
        Server = client.Server;
        Identity = client.Identity ?? string.Empty;
        AuthMethod = client.AuthMethod ?? PveAuthMethod.ApiToken;
        Version = version.Version ?? string.Empty;
        Release = version.Release ?? string.Empty;
        CertificatePolicy = client.CertificatePolicy;
        CertificateThumbprint = client.PinnedCertificateSha256;
        ConnectedAt = DateTimeOffset.Now;
        MaximumRetryCount = client.RetryPolicy.MaximumRetryCount;
        RetryIntervalSec = client.RetryPolicy.RetryInterval.TotalSeconds;
    }

    /// <summary>The server's base URI, e.g. https://pve1.example.com:8006/.</summary>
    public Uri Server { get; }

    /// <summary>Who the session acts as: the full token id (user@realm!tokenid) or the user id (user@realm).</summary>
    public string Identity { get; }

    /// <summary>ApiToken or Ticket.</summary>
    public PveAuthMethod AuthMethod { get; }

    /// <summary>The server's pve-manager version from GET /version, e.g. 9.2.0.</summary>
    public string Version { get; }

    /// <summary>The server's release, e.g. 9.2.</summary>
    public string Release { get; }

    /// <summary>How the server's certificate is checked: SystemTrust, Pinned or Skip.</summary>
    public PveCertificatePolicy CertificatePolicy { get; }

    /// <summary>The pinned SHA-256 fingerprint (64 hex digits) when CertificatePolicy is Pinned.</summary>
    public string? CertificateThumbprint { get; }

    /// <summary>How often a failed call that is safe to repeat is retried (Connect-PveServer -MaximumRetryCount).</summary>
    public int MaximumRetryCount { get; }

    /// <summary>The base wait before a retry in seconds, doubled per retry, with jitter (Connect-PveServer -RetryIntervalSec).</summary>
    public double RetryIntervalSec { get; }

    /// <summary>When the session was opened (local time).</summary>
    public DateTimeOffset ConnectedAt { get; }

    /// <summary>False once Disconnect-PveServer closed the session.</summary>
    public bool IsOpen { get; private set; } = true;

    /// <summary>The client that talks to the server; the Api layer's entry point for cmdlets.</summary>
    internal PveClient Client => _client;

    internal void Close()
    {
        if (IsOpen)
        {
            IsOpen = false;
            _client.Dispose();
        }
    }

    /// <summary>The identity and server, e.g. "root@pam!automation on https://pve1:8006/"; never a secret.</summary>
    public override string ToString() => $"{Identity} on {Server}";
}
