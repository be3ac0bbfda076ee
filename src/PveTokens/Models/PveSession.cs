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
    private volatile PveClient _client;

    internal PveSession(PveClient client)
    {
        _client = client;
        Server = client.Server;
        Identity = client.Identity ?? string.Empty;
        AuthMethod = client.AuthMethod ?? PveAuthMethod.ApiToken;
        ConnectedAt = DateTimeOffset.Now;
    }

    /// <summary>The server's base URI, e.g. https://pve1.example.com:8006/.</summary>
    public Uri Server { get; }

    /// <summary>Who the session acts as: the full token id (user@realm!tokenid) or the user id (user@realm).</summary>
    public string Identity { get; }

    /// <summary>ApiToken or Ticket.</summary>
    public PveAuthMethod AuthMethod { get; }

    /// <summary>
    /// The server's pve-manager version from GET /version, e.g. 9.2.0; read again when the session
    /// renews its ticket or Connect-PveServer connects it again, so an upgraded server is noticed.
    /// </summary>
    public string Version => _client.ServerVersion?.Version ?? string.Empty;

    /// <summary>The server's release, e.g. 9.2.</summary>
    public string Release => _client.ServerVersion?.Release ?? string.Empty;

    /// <summary>How the server's certificate is checked: SystemTrust, Pinned or Skip.</summary>
    public PveCertificatePolicy CertificatePolicy => _client.CertificatePolicy;

    /// <summary>The pinned SHA-256 fingerprint (64 hex digits) when CertificatePolicy is Pinned.</summary>
    public string? CertificateThumbprint => _client.PinnedCertificateSha256;

    /// <summary>How often a failed call that is safe to repeat is retried (Connect-PveServer -MaximumRetryCount).</summary>
    public int MaximumRetryCount => _client.RetryPolicy.MaximumRetryCount;

    /// <summary>The base wait before a retry in seconds, doubled per retry, with jitter (Connect-PveServer -RetryIntervalSec).</summary>
    public double RetryIntervalSec => _client.RetryPolicy.RetryInterval.TotalSeconds;

    /// <summary>When the session was opened, or last connected again by Connect-PveServer (local time).</summary>
    public DateTimeOffset ConnectedAt { get; private set; }

    /// <summary>
    /// True for the runspace's default session: the one cmdlets use without -Session (Connect-PveServer
    /// makes a new session the default unless -NoDefault; Set-PveSession -Default chooses another).
    /// </summary>
    public bool IsDefault { get; internal set; }

    /// <summary>False once Disconnect-PveServer closed the session.</summary>
    public bool IsOpen { get; private set; } = true;

    /// <summary>The client that talks to the server; the Api layer's entry point for cmdlets.</summary>
    internal PveClient Client => _client;

    /// <summary>
    /// Whether <paramref name="client"/> (verified, not yet in a session) talks to the same server as
    /// the same identity by the same method, so connecting it again needs no second session.
    /// </summary>
    internal bool IsSameConnection(PveClient client) =>
        IsOpen && Uri.Compare(Server, client.Server, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0 &&
        string.Equals(Identity, client.Identity, StringComparison.Ordinal) && AuthMethod == client.AuthMethod;

    /// <summary>
    /// Carries on with <paramref name="client"/>, verified by a repeated Connect-PveServer (a new secret,
    /// other TLS or retry settings, the server's current version): every object holding this session
    /// uses it from now on. The old client is closed.
    /// </summary>
    internal void Reconnect(PveClient client)
    {
        PveClient old = _client;
        _client = client;
        ConnectedAt = DateTimeOffset.Now;
        old.Dispose();
    }

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
