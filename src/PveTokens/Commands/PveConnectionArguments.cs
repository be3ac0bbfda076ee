// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Management.Automation;
using System.Security;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// The server, TLS and -ApiToken arguments shared by Connect-PveServer and Test-PveApiToken, read
/// the same way by both: one place that turns them into client options and a parsed token, and
/// terminates the calling cmdlet with the stable ids (NoServer, InvalidServer,
/// ConflictingCertificateOptions, InvalidCertificateThumbprint, NoCredential, InvalidApiToken).
/// </summary>
internal static class PveConnectionArguments
{
    internal const string HostVariable = "PMPROXY_HOST";
    internal const string TokenVariable = "PMPROXY_TOKEN";

    /// <summary>-Server, else PMPROXY_HOST, parsed; terminates with NoServer or InvalidServer.</summary>
    internal static Uri ResolveServer(PSCmdlet cmdlet, string? server)
    {
        string? text = server ?? Environment.GetEnvironmentVariable(HostVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            cmdlet.ThrowTerminatingError(ErrorMapper.InvalidArgument("NoServer",
                $"No server to connect to: give -Server, or set the {HostVariable} environment variable.", null));
        }

        try
        {
            return PveServerAddress.Parse(text!);
        }
        catch (FormatException e)
        {
            string message = server is null ? $"The {HostVariable} environment variable does not hold a valid server. {e.Message}" : e.Message;
            cmdlet.ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidServer", message, text));
            throw;
        }
    }

    /// <summary>
    /// Client options for <paramref name="server"/>: -SkipCertificateCheck, -CertificateThumbprint
    /// (never both) or system trust, and the per-call timeout (0 = none).
    /// </summary>
    internal static PveClientOptions BuildOptions(PSCmdlet cmdlet, Uri server, string? certificateThumbprint, bool skipCertificateCheck, int timeoutSec)
    {
        var options = new PveClientOptions(server)
        {
            Timeout = timeoutSec == 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(timeoutSec),
        };
        if (skipCertificateCheck && certificateThumbprint is not null)
        {
            cmdlet.ThrowTerminatingError(ErrorMapper.InvalidArgument("ConflictingCertificateOptions",
                "-CertificateThumbprint and -SkipCertificateCheck contradict each other: pin the certificate, or skip the check, not both.", null));
        }

        if (skipCertificateCheck)
        {
            options.CertificatePolicy = PveCertificatePolicy.Skip;
        }
        else if (certificateThumbprint is not null)
        {
            try
            {
                options.PinnedCertificateSha256 = CertificateThumbprint.Normalize(certificateThumbprint);
                options.CertificatePolicy = PveCertificatePolicy.Pinned;
            }
            catch (FormatException e)
            {
                cmdlet.ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidCertificateThumbprint", e.Message, certificateThumbprint));
            }
        }

        return options;
    }

    /// <summary>
    /// The token of -ApiToken (else PMPROXY_TOKEN), read by <see cref="ReadApiToken"/>; terminates
    /// with NoCredential or InvalidApiToken (never naming the value).
    /// </summary>
    internal static ApiToken ResolveApiToken(PSCmdlet cmdlet, object? apiToken, string alternatives = "-ApiToken or -Credential")
    {
        object? value = apiToken is PSObject wrapped ? wrapped.BaseObject : apiToken;
        string? source = null;
        if (value is null)
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable(TokenVariable);
            if (string.IsNullOrWhiteSpace(fromEnvironment))
            {
                cmdlet.ThrowTerminatingError(ErrorMapper.InvalidArgument("NoCredential",
                    $"No credential: give {alternatives}, or set the {TokenVariable} environment variable to USER@REALM!TOKENID=SECRET.", null));
            }

            value = fromEnvironment;
            source = $"The {TokenVariable} environment variable";
        }

        ApiToken? token = ReadApiToken(value, source, out ErrorRecord? error);
        if (error is not null)
        {
            cmdlet.ThrowTerminatingError(error);
        }

        return token!;
    }

    /// <summary>
    /// A token in any of the forms admins hold one in: the token string (with or without
    /// <c>PVEAPIToken=</c>), a SecureString holding it, a PSCredential (user name: the full token
    /// id, password: the secret) or a PveApiTokenSecret from New-/Reset-PveApiToken. Parsed by
    /// <see cref="ApiTokenString"/>; otherwise null and InvalidApiToken, whose target is never the
    /// value (it may hold the secret). <paramref name="source"/> names where a value that did not
    /// come from a parameter came from (an environment variable), so the message can say so.
    /// </summary>
    internal static ApiToken? ReadApiToken(object? apiToken, string? source, out ErrorRecord? error)
    {
        error = null;
        object? value = apiToken is PSObject wrapped ? wrapped.BaseObject : apiToken;
        try
        {
            switch (value)
            {
                case string text:
                    return ApiTokenString.Parse(text);
                case SecureString secure:
                    return ApiTokenString.Parse(SecretText.ToPlainText(secure));
                case PSCredential credential:
                    return ApiTokenString.FromParts(credential.UserName, credential.Password);
                case PveApiTokenSecret created:
                    // New-PveApiToken | Connect-PveServer: FromParts copies the secret, so the object keeps its own.
                    return ApiTokenString.FromParts(created.FullTokenId, created.Secret);
                case PveApiToken listed:
                    error = ErrorMapper.InvalidArgument("InvalidApiToken",
                        $"The token object '{listed.FullTokenId}' has no secret: PVE shows a token's secret only once, when New-PveApiToken or Reset-PveApiToken makes it.",
                        null, "Pipe the output of New-PveApiToken or Reset-PveApiToken, or give a credential (the full token id as user name, the secret as password) or the token string.");
                    return null;
                default:
                    error = ErrorMapper.InvalidArgument("InvalidApiToken",
                        $"-ApiToken takes a token string (USER@REALM!TOKENID=SECRET), a SecureString holding one, a PSCredential (user name: the full token id, password: the secret), or the output of New-PveApiToken or Reset-PveApiToken; a {value?.GetType().Name ?? "null"} is none of these.",
                        null);
                    return null;
            }
        }
        catch (FormatException e)
        {
            string message = source is null ? e.Message : $"{source} does not hold a valid API token. {e.Message}";
            error = ErrorMapper.InvalidArgument("InvalidApiToken", message, null,
                "Copy the token as USER@REALM!TOKENID=SECRET, e.g. root@pam!automation=<the secret shown when the token was created>.");
            return null;
        }
    }

    /// <summary>With -SkipCertificateCheck: warns that the certificate went unchecked and offers the pin to use instead.</summary>
    internal static void WarnIfSkipping(Cmdlet cmdlet, PveClient client, bool skipCertificateCheck)
    {
        if (!skipCertificateCheck)
        {
            return;
        }

        string? presented = client.PresentedCertificateSha256;
        string pin = presented is null
            ? "Pin the server's certificate with -CertificateThumbprint instead."
            : $"The server presented a certificate with SHA-256 {CertificateThumbprint.ToColonForm(presented)}; if that is your server's, connect with -CertificateThumbprint {CertificateThumbprint.ToColonForm(presented)} instead.";
        cmdlet.WriteWarning($"-SkipCertificateCheck: the certificate of {client.Server.Authority} is not checked, so anyone on the network path can pose as the server and capture the credential. {pin}");
    }
}
