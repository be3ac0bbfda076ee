// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

namespace PveTokens.Models;

/// <summary>How a session decides whether to trust the server's TLS certificate.</summary>
public enum PveCertificatePolicy
{
    /// <summary>The operating system's trusted roots and host-name check (the default).</summary>
    SystemTrust,

    /// <summary>Only the certificate whose SHA-256 fingerprint was pinned with -CertificateThumbprint.</summary>
    Pinned,

    /// <summary>Any certificate (-SkipCertificateCheck): the connection can be intercepted.</summary>
    Skip,
}
