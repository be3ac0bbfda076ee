// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Reflection;
using System.Management.Automation;
using System.Text.Json;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// The one place that turns client failures into ErrorRecords. The error ids are public API (scripts
/// match on them) and must not change:
/// AuthenticationFailed, OneTimePasswordRequired (AuthenticationError); PermissionDenied
/// (PermissionDenied); InvalidArgument (InvalidArgument); ObjectNotFound (ObjectNotFound); ApiError
/// (InvalidOperation); CertificatePinMismatch, CertificateNotTrusted, TlsHandshakeFailed
/// (SecurityError); ConnectionRefused, ConnectionTimedOut, ServerNotFound, ConnectionFailed
/// (ConnectionError); InvalidResponse (InvalidResult); SessionClosed, NoSession (InvalidOperation);
/// TokenSecretLost, WriteNotApplied, WriteOutcomeUnknown (ConnectionError: a write whose answer was
/// lost, see docs/reliability.md).
/// Cmdlet-specific argument errors (InvalidApiToken, …) are made with <see cref="InvalidArgument"/>.
/// </summary>
internal static class ErrorMapper
{
    /// <summary>True for the failures <see cref="Map"/> knows; anything else is a bug and should surface as such.</summary>
    internal static bool Handles(Exception e) =>
        e is PveApiException || e is PveConnectionException || e is PveOneTimePasswordRequiredException || e is JsonException || e is SessionClosedException ||
        e is PveWriteOutcomeException || e is PveTokenSecretLostException;

    internal static ErrorRecord Map(Exception e, object? target, PveSession session) =>
        Map(e, target, session.AuthMethod, session.Identity);

    /// <summary>
    /// The ErrorRecord for <paramref name="e"/>. <paramref name="atConnect"/>: the failure is a new
    /// connection's first login, so advice about sessions that lost their login does not apply;
    /// <paramref name="secretHasUpperCase"/>: the rejected token's secret had upper-case letters.
    /// </summary>
    internal static ErrorRecord Map(Exception e, object? target, PveAuthMethod? authMethod, string? identity, bool atConnect = false, bool secretHasUpperCase = false) => e switch
    {
        PveApiException api => FromApi(api, target, authMethod, identity, atConnect, secretHasUpperCase),
        PveConnectionException connection => FromConnection(connection, target),
        PveTokenSecretLostException lost => Record(lost, "TokenSecretLost", ErrorCategory.ConnectionError, lost.FullTokenId, lost.Message,
            "Run the command above (it asks for confirmation) and store the secret it returns."),
        PveWriteOutcomeException { Outcome: PveWriteOutcome.NotApplied } notApplied => Record(notApplied, "WriteNotApplied", ErrorCategory.ConnectionError, target,
            notApplied.Message, "Nothing changed: run the command again."),
        PveWriteOutcomeException unknown => Record(unknown, "WriteOutcomeUnknown", ErrorCategory.ConnectionError, target,
            unknown.Message, "Check the current state (Get-PveApiToken, Get-PveAcl) before running the command again."),
        PveOneTimePasswordRequiredException otp => Record(otp, "OneTimePasswordRequired", ErrorCategory.AuthenticationError, target,
            otp.Message, "Add -OneTimePassword with the current code from the authenticator app."),
        SessionClosedException closed => Record(closed, "SessionClosed", ErrorCategory.InvalidOperation, target, closed.Message,
            "Connect again with Connect-PveServer, or use one of the sessions Get-PveSession lists."),
        JsonException json => Record(json, "InvalidResponse", ErrorCategory.InvalidResult, target,
            "The server's answer could not be read as PVE's JSON: " + json.Message, "Check that -Server points at a Proxmox VE node (port 8006)."),
        _ => Unexpected(e, target),
    };

    /// <summary>
    /// UnexpectedError: a failure nothing maps, which is a bug. Its type and message are kept, scrubbed
    /// (the raw exception is not attached: its message may quote input, secrets included).
    /// </summary>
    internal static ErrorRecord Unexpected(Exception e, object? target)
    {
        Exception inner = e is TargetInvocationException { InnerException: Exception thrown } ? thrown : e;
        string message = $"PveTokens failed unexpectedly ({inner.GetType().FullName}: {InputEcho.Scrub(inner.Message)}).";
        return Record(new InvalidOperationException(message), "UnexpectedError", ErrorCategory.NotSpecified, target, message,
            "This is a bug in PveTokens: please report it with the command you ran (without its secrets) and this message.");
    }

    /// <summary>NoSession: no -Session and no default session in this runspace.</summary>
    internal static ErrorRecord NoSession()
    {
        const string message = "There is no PVE session: run Connect-PveServer first, or pass one with -Session.";
        return Record(new InvalidOperationException(message), "NoSession", ErrorCategory.InvalidOperation, null, message, null);
    }

    /// <summary>An argument the cmdlet itself rejects (a malformed token, server or thumbprint).</summary>
    internal static ErrorRecord InvalidArgument(string errorId, string message, object? target, string? recommendedAction = null) =>
        Record(new ArgumentException(InputEcho.Scrub(message)), errorId, ErrorCategory.InvalidArgument, target, message, recommendedAction);

    /// <summary>
    /// What an ErrorRecord may hold as its target: the input as <see cref="InputEcho.Quote"/> shows it
    /// when it is text (a target ends up in $Error and in Format-List views of it), else the object.
    /// </summary>
    internal static object? SafeTarget(object? target) => target is string text ? InputEcho.Quote(text) : target;

    /// <summary>
    /// The text an ErrorRecord shows: the message and, when there is one, the fix (the fix goes into
    /// the message itself: Windows PowerShell never shows RecommendedAction, and pwsh would show it a
    /// second time), scrubbed of anything secret-shaped.
    /// </summary>
    internal static string DetailsText(string message, string? recommendedAction) =>
        InputEcho.Scrub(recommendedAction is null ? message : message + " " + recommendedAction);

    private static ErrorRecord FromApi(PveApiException e, object? target, PveAuthMethod? authMethod, string? identity, bool atConnect, bool secretHasUpperCase)
    {
        string pve = $"PVE answered {e.StatusCode} {e.Message.TrimEnd('.')} to {e.Method} {e.Path}.";
        switch (e.StatusCode)
        {
            case 401 when authMethod == PveAuthMethod.ApiToken:
                return Record(e, "AuthenticationFailed", ErrorCategory.AuthenticationError, target,
                    $"PVE rejected the API token '{InputEcho.Quote(identity)}' ({e.StatusCode} {e.PveMessage}).",
                    (secretHasUpperCase ? ApiTokenString.UpperCaseHint + " " : string.Empty) +
                    "Check that the token id is USER@REALM!TOKENID with the right realm; that the secret is the one shown when the token was created (it cannot be read back, Reset-PveApiToken issues a new one); that the token has not expired; and that its user exists, is enabled and has not expired.");
            case 401:
                return Record(e, "AuthenticationFailed", ErrorCategory.AuthenticationError, target,
                    identity is null
                        ? $"PVE rejected the login ({e.StatusCode} {e.PveMessage})."
                        : $"PVE rejected the login of '{InputEcho.Quote(identity)}' ({e.StatusCode} {e.PveMessage}).",
                    "Check the user name and realm (root@pam, or -Realm pve/ad/…), the password and, with two-factor authentication, -OneTimePassword; and that the account is enabled and has not expired." +
                    (atConnect ? string.Empty : " A session whose ticket could not be renewed needs Connect-PveServer again."));
            case 403:
                return Record(e, "PermissionDenied", ErrorCategory.PermissionDenied, target,
                    PermissionMessage(e, identity), PermissionAction(e, authMethod));
            case 400:
                return Record(e, "InvalidArgument", ErrorCategory.InvalidArgument, target, pve, null);
            case 500 when e.IsNotFound:
                return Record(e, "ObjectNotFound", ErrorCategory.ObjectNotFound, target, pve, null);
            default:
                return Record(e, "ApiError", ErrorCategory.InvalidOperation, target, pve, null);
        }
    }

    private static string PermissionMessage(PveApiException e, string? identity)
    {
        string who = identity ?? "The session";
        return e.PermissionPath is not null
            ? $"Permission denied: {who} lacks {e.Privilege} on {e.PermissionPath} (PVE: {e.PveMessage}, for {e.Method} {e.Path})."
            : $"Permission denied: PVE answered {e.PveMessage} to {e.Method} {e.Path} for {who}.";
    }

    private static string? PermissionAction(PveApiException e, PveAuthMethod? authMethod)
    {
        if (e.PveMessage.IndexOf("not available with API token", StringComparison.OrdinalIgnoreCase) >= 0)
        {
            return "PVE never lets API tokens make this call: connect with -Credential (a user login) for it.";
        }

        if (e.PermissionPath is null)
        {
            // PVE named no privilege: advise what this call needs where that is known, else nothing.
            return RequiredRights.ForUnnamedDenial(e.Method, e.Path, e.PveMessage, authMethod == PveAuthMethod.ApiToken);
        }

        string grant = $"a role that includes {e.Privilege} on {e.PermissionPath}";
        return authMethod == PveAuthMethod.ApiToken
            ? $"Grant {grant}. A token with privilege separation (privsep=1, the default) has only the rights granted to the token itself, and never more than its user has: grant the role to the token (Set-PveAcl for the token) and make sure its user holds it too, or use a token without privilege separation."
            : $"Ask an administrator to grant {grant} to this user or one of its groups.";
    }

    private static ErrorRecord FromConnection(PveConnectionException e, object? target)
    {
        if (e.Kind == PveConnectionFailure.Tls)
        {
            string? fp = e.PresentedCertificateSha256 is null ? null : CertificateThumbprint.ToColonForm(e.PresentedCertificateSha256);
            string pin = fp is null
                ? "Check the server's TLS configuration."
                : $"If the certificate is your server's (the PVE web UI shows its fingerprint under the node's System > Certificates, and 'pvenode cert info' on the node prints it), connect with its SHA-256 fingerprint: -CertificateThumbprint {fp}.";
            string id = e.PinnedCertificateSha256 is not null ? "CertificatePinMismatch"
                : e.Message.IndexOf("not trusted", StringComparison.Ordinal) >= 0 ? "CertificateNotTrusted"
                : "TlsHandshakeFailed";
            return Record(e, id, ErrorCategory.SecurityError, target, e.Message, pin);
        }

        // The client's messages for refused, timed-out and unresolved connections carry their advice already.
        (string id2, string? action) = e.Kind switch
        {
            PveConnectionFailure.Refused => ("ConnectionRefused", null),
            PveConnectionFailure.TimedOut => ("ConnectionTimedOut", null),
            PveConnectionFailure.NameResolution => ("ServerNotFound", null),
            _ => ("ConnectionFailed", $"Check the network path to {e.Server}:{e.Port} and try again."),
        };
        return Record(e, id2, ErrorCategory.ConnectionError, target, e.Message, action);
    }

    private static ErrorRecord Record(Exception e, string errorId, ErrorCategory category, object? target, string? message, string? recommendedAction)
    {
        var record = new ErrorRecord(e, errorId, category, SafeTarget(target));
        if (message is not null || recommendedAction is not null)
        {
            record.ErrorDetails = new ErrorDetails(DetailsText(message ?? e.Message, recommendedAction));
        }

        return record;
    }
}

/// <summary>A cmdlet was handed a session that Disconnect-PveServer already closed.</summary>
internal sealed class SessionClosedException : InvalidOperationException
{
    internal SessionClosedException(PveSession session)
        : base($"The session to {session.Server} ({session.Identity}) was closed with Disconnect-PveServer.")
    {
    }
}
