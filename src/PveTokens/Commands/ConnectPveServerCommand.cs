// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Management.Automation;
using System.Security;
using PveTokens.Api;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Connects to a PVE server with an API token or a user login, proves the credential works, and
/// returns the session, which becomes the runspace's default.
/// </summary>
/// <remarks>
/// -ApiToken is one parameter that takes the three forms admins hold a token in: the pasted string
/// (with or without <c>PVEAPIToken=</c>), a SecureString holding that string (what Get-Secret
/// returns), or a PSCredential whose user name is the full token id and whose password is the secret.
/// One name reads better at the prompt and in scripts than three parameter sets, and parsing it in
/// the cmdlet (not in a transformation attribute) lets a malformed token fail with the stable
/// InvalidApiToken error id and a message naming the exact mistake.
/// The session becomes the runspace's default and is written to the pipeline only with -PassThru,
/// like other state-changing cmdlets: scripts that keep one connection need no $null assignment,
/// and scripts that juggle several clusters keep each session with -PassThru.
/// </remarks>
[Cmdlet(VerbsCommunications.Connect, "PveServer", DefaultParameterSetName = ApiTokenSet)]
[OutputType(typeof(PveSession))]
public sealed class ConnectPveServerCommand : PveCmdletBase
{
    private const string ApiTokenSet = "ApiToken";
    private const string CredentialSet = "Credential";
    private const string HostVariable = "PMPROXY_HOST";
    private const string TokenVariable = "PMPROXY_TOKEN";
    private const string DefaultRealm = "pam";

    /// <summary>Gets or sets the server: host, host:port or https:// URL (port 8006 by default); PMPROXY_HOST when omitted.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    /// <summary>Gets or sets the API token: string, SecureString, PSCredential or a new token from New-/Reset-PveApiToken (also piped); PMPROXY_TOKEN when omitted.</summary>
    [Parameter(Position = 1, ValueFromPipeline = true, ParameterSetName = ApiTokenSet)]
    [ValidateNotNull]
    public object? ApiToken { get; set; }

    /// <summary>Gets or sets the user and password for a ticket login.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
    [Credential]
    [ValidateNotNull]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    /// <summary>Gets or sets the realm appended to the user name (pam when the name has no realm).</summary>
    [Parameter(ParameterSetName = CredentialSet)]
    [ValidateNotNullOrEmpty]
    public string? Realm { get; set; }

    /// <summary>Gets or sets the current TOTP code for accounts with two-factor authentication.</summary>
    [Parameter(ParameterSetName = CredentialSet)]
    [ValidateNotNullOrEmpty]
    public string? OneTimePassword { get; set; }

    /// <summary>Gets or sets the SHA-256 fingerprint of the server certificate to trust (colons and spaces allowed).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CertificateThumbprint { get; set; }

    /// <summary>Gets or sets whether to accept any certificate.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>Gets or sets the time allowed for each call in seconds; 0 for no limit.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 60;

    /// <summary>Gets or sets how often a failed call that is safe to repeat is retried (reads, and calls that never left this machine); 0 for never.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int MaximumRetryCount { get; set; } = PveRetryPolicy.DefaultMaximumRetryCount;

    /// <summary>Gets or sets the base wait before a retry in seconds; it doubles with each retry, with random jitter.</summary>
    [Parameter]
    [ValidateRange(0.0, 3600.0)]
    public double RetryIntervalSec { get; set; } = PveRetryPolicy.DefaultRetryInterval.TotalSeconds;

    /// <summary>Gets or sets whether to write the new session to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Uri server = ResolveServer();
        PveClientOptions options = BuildOptions(server);
        string? userId = null;
        ApiToken? token = null;
        if (ParameterSetName == CredentialSet)
        {
            userId = ResolveUserId();
        }
        else
        {
            token = ResolveApiToken();
        }

        var client = new PveClient(options);
        PveSession session;
        try
        {
            PveVersionInfo version;
            if (token is not null)
            {
                client.UseApiToken(token);
                token = null;

                // GET /version needs authentication on PVE: one call proves the token and reads the version.
                version = Run(ct => client.GetVersionAsync(ct));
            }
            else
            {
                SecureString password = Credential.Password;
                version = Run(async ct =>
                {
                    await client.LoginAsync(userId!, password, OneTimePassword, ct).ConfigureAwait(false);
                    return await client.GetVersionAsync(ct).ConfigureAwait(false);
                });
            }

            session = new PveSession(client, version);
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WarnIfSkipping(client);
            client.Dispose();
            ThrowTerminatingError(ErrorMapper.Map(e, server, ParameterSetName == CredentialSet ? PveAuthMethod.Ticket : PveAuthMethod.ApiToken,
                userId ?? client.Identity));
            return;
        }
        catch
        {
            token?.Dispose();
            client.Dispose();
            throw;
        }

        WarnIfSkipping(client);
        SessionRegistry.Current.Add(session);
        if (PassThru)
        {
            WriteObject(session);
        }
    }

    private Uri ResolveServer()
    {
        string? text = Server ?? Environment.GetEnvironmentVariable(HostVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument("NoServer",
                $"No server to connect to: give -Server, or set the {HostVariable} environment variable.", null));
        }

        try
        {
            return PveServerAddress.Parse(text!);
        }
        catch (FormatException e)
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidServer", e.Message, text));
            throw;
        }
    }

    private PveClientOptions BuildOptions(Uri server)
    {
        var options = new PveClientOptions(server)
        {
            Timeout = TimeoutSec == 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(TimeoutSec),
            Retry = new PveRetryPolicy(MaximumRetryCount, TimeSpan.FromSeconds(RetryIntervalSec)),
        };
        if (SkipCertificateCheck && CertificateThumbprint is not null)
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument("ConflictingCertificateOptions",
                "-CertificateThumbprint and -SkipCertificateCheck contradict each other: pin the certificate, or skip the check, not both.", null));
        }

        if (SkipCertificateCheck)
        {
            options.CertificatePolicy = PveCertificatePolicy.Skip;
        }
        else if (CertificateThumbprint is not null)
        {
            try
            {
                options.PinnedCertificateSha256 = Api.CertificateThumbprint.Normalize(CertificateThumbprint);
                options.CertificatePolicy = PveCertificatePolicy.Pinned;
            }
            catch (FormatException e)
            {
                ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidCertificateThumbprint", e.Message, CertificateThumbprint));
            }
        }

        return options;
    }

    private string ResolveUserId()
    {
        string name = Credential.UserName.Trim();
        if (name.IndexOf('!') >= 0)
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidUserId",
                $"'{name}' is an API token id, not a user: pass a token with -ApiToken (a PSCredential whose password is the secret works there).", name));
        }

        // A user name may itself contain '@' (AD UPNs): -Realm is appended unless the name already ends with it.
        string userId = Realm is not null
            ? (name.EndsWith("@" + Realm, StringComparison.OrdinalIgnoreCase) ? name : name + "@" + Realm)
            : (name.IndexOf('@') >= 0 ? name : name + "@" + DefaultRealm);
        string? error = PveIdentifier.CheckUserId(userId);
        if (error is not null)
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidUserId", error, userId));
        }

        return userId;
    }

    private ApiToken ResolveApiToken()
    {
        object? value = ApiToken is PSObject wrapped ? wrapped.BaseObject : ApiToken;
        if (value is null)
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable(TokenVariable);
            if (string.IsNullOrWhiteSpace(fromEnvironment))
            {
                ThrowTerminatingError(ErrorMapper.InvalidArgument("NoCredential",
                    $"No credential: give -ApiToken or -Credential, or set the {TokenVariable} environment variable to USER@REALM!TOKENID=SECRET.", null));
            }

            value = fromEnvironment;
        }

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
                default:
                    ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidApiToken",
                        $"-ApiToken takes a token string (USER@REALM!TOKENID=SECRET), a SecureString holding one, a PSCredential (user name: the full token id, password: the secret), or the output of New-PveApiToken or Reset-PveApiToken; a {value!.GetType().Name} is none of these.",
                        null));
                    throw new InvalidOperationException();
            }
        }
        catch (FormatException e)
        {
            // The target is deliberately not the value: it may hold the secret.
            ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidApiToken", e.Message, null,
                "Copy the token as USER@REALM!TOKENID=SECRET, e.g. root@pam!automation=<the secret shown when the token was created>."));
            throw;
        }
    }

    private void WarnIfSkipping(PveClient client)
    {
        if (!SkipCertificateCheck)
        {
            return;
        }

        string? presented = client.PresentedCertificateSha256;
        string pin = presented is null
            ? "Pin the server's certificate with -CertificateThumbprint instead."
            : $"The server presented a certificate with SHA-256 {Api.CertificateThumbprint.ToColonForm(presented)}; if that is your server's, connect with -CertificateThumbprint {Api.CertificateThumbprint.ToColonForm(presented)} instead.";
        WriteWarning($"-SkipCertificateCheck: the certificate of {client.Server.Authority} is not checked, so anyone on the network path can pose as the server and capture the credential. {pin}");
    }
}
