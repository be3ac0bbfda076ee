// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using PveTokens.Access;

namespace PveTokens.Client;

/// <summary>
/// PVE answered with an error status. Carries PVE's own text (the reason phrase, or the body's
/// <c>message</c> on servers that send one) and the per-parameter <c>errors</c> of a 400.
/// </summary>
public sealed class PveApiException : Exception
{
    private static readonly IReadOnlyDictionary<string, string> NoErrors = new Dictionary<string, string>();

    // "Permission check failed (/vms/100, VM.Audit)" and the check_any form "(/vms, A|B)".
    private static readonly Regex PermissionRegex = new Regex(
        @"Permission check failed \((?<path>/[^,)]*), (?<priv>[^)]+)\)", RegexOptions.CultureInvariant);

    internal PveApiException(string method, string path, int statusCode, string reasonPhrase, string pveMessage,
        IReadOnlyDictionary<string, string>? errors)
        : base(BuildMessage(statusCode, pveMessage, errors))
    {
        Method = method;
        Path = path;
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        PveMessage = pveMessage;
        Errors = errors ?? NoErrors;
        Match m = PermissionRegex.Match(pveMessage);
        if (statusCode == 403 && m.Success)
        {
            PermissionPath = m.Groups["path"].Value;
            Privilege = m.Groups["priv"].Value;
        }
    }

    /// <summary>The HTTP method of the failed call.</summary>
    public string Method { get; }

    /// <summary>The API path of the failed call (below /api2/json, without the query).</summary>
    public string Path { get; }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>The HTTP reason phrase, where PVE puts its error text.</summary>
    public string ReasonPhrase { get; }

    /// <summary>PVE's error text: the body's <c>message</c> when present, else the reason phrase.</summary>
    public string PveMessage { get; }

    /// <summary>Per-parameter validation messages (400 "Parameter verification failed.").</summary>
    public IReadOnlyDictionary<string, string> Errors { get; }

    /// <summary>For a 403 "Permission check failed (PATH, PRIV)": the ACL path.</summary>
    public string? PermissionPath { get; }

    /// <summary>For a 403 "Permission check failed (PATH, PRIV)": the privilege (or "A|B" alternatives).</summary>
    public string? Privilege { get; }

    /// <summary>PVE has no 404: a missing user, token, role or group is a 500 "no such …" / "… does not exist".</summary>
    public bool IsNotFound =>
        StatusCode == 500 && (PveMessage.IndexOf("no such ", StringComparison.OrdinalIgnoreCase) >= 0 ||
            PveMessage.IndexOf("does not exist", StringComparison.OrdinalIgnoreCase) >= 0);

    private static string BuildMessage(int statusCode, string pveMessage, IReadOnlyDictionary<string, string>? errors)
    {
        string text = pveMessage.Length == 0 ? $"HTTP {statusCode}" : pveMessage;
        if (errors is null || errors.Count == 0)
        {
            return text;
        }

        return text.TrimEnd('.') + ": " + string.Join("; ", errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {e.Value}"));
    }
}

/// <summary>The kinds of transport failure, each with its own fix.</summary>
public enum PveConnectionFailure
{
    /// <summary>Nothing listens on the port (connection refused).</summary>
    Refused,

    /// <summary>No answer within the timeout.</summary>
    TimedOut,

    /// <summary>The server's certificate was rejected, or the TLS handshake failed.</summary>
    Tls,

    /// <summary>The host name did not resolve.</summary>
    NameResolution,

    /// <summary>Anything else: reset, closed mid-response, unreachable network.</summary>
    Other,
}

/// <summary>The server could not be reached or its TLS certificate was rejected.</summary>
public sealed class PveConnectionException : Exception
{
    internal PveConnectionException(PveConnectionFailure kind, string server, int port, string message,
        string? presentedCertificateSha256 = null, string? pinnedCertificateSha256 = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Server = server;
        Port = port;
        PresentedCertificateSha256 = presentedCertificateSha256;
        PinnedCertificateSha256 = pinnedCertificateSha256;
    }

    /// <summary>What went wrong.</summary>
    public PveConnectionFailure Kind { get; }

    /// <summary>The host name or address.</summary>
    public string Server { get; }

    /// <summary>The TCP port.</summary>
    public int Port { get; }

    /// <summary>SHA-256 (64 hex digits) of the certificate the server presented, when the handshake got that far.</summary>
    public string? PresentedCertificateSha256 { get; }

    /// <summary>The pinned SHA-256 the certificate was checked against, when one was given.</summary>
    public string? PinnedCertificateSha256 { get; }
}

/// <summary>The account needs a second factor and no one-time password was given.</summary>
public sealed class PveOneTimePasswordRequiredException : Exception
{
    internal PveOneTimePasswordRequiredException(string userId)
        : base($"The account '{userId}' has two-factor authentication: give the current code with -OneTimePassword.")
    {
        UserId = userId;
    }

    /// <summary>The user that needs the second factor.</summary>
    public string UserId { get; }
}
