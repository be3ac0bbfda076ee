// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Management.Automation;
using System.Security;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Completion;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Connects to a PVE server with an API token or a user login, proves the credential works, and
/// returns the session, which becomes the runspace's default (unless -NoDefault). Connecting again
/// as an open session's identity on its server continues that session rather than adding one.
/// </summary>
/// <remarks>
/// -ApiToken is one parameter that takes the three forms admins hold a token in: the pasted string
/// (with or without <c>PVEAPIToken=</c>), a SecureString holding that string (what Get-Secret
/// returns), or a PSCredential whose user name is the full token id and whose password is the secret.
/// One name reads better at the prompt and in scripts than three parameter sets, and parsing it in
/// the cmdlet (not in a transformation attribute) lets a malformed token fail with the stable
/// InvalidApiToken error id and a message naming the exact mistake.
/// The session becomes the runspace's default (unless -NoDefault) and is written to the pipeline only with -PassThru,
/// like other state-changing cmdlets: scripts that keep one connection need no $null assignment,
/// and scripts that juggle several clusters keep each session with -PassThru.
/// </remarks>
[Cmdlet(VerbsCommunications.Connect, "PveServer", DefaultParameterSetName = ApiTokenSet)]
[OutputType(typeof(PveSession))]
public sealed class ConnectPveServerCommand : PveCmdletBase
{
    private const string ApiTokenSet = "ApiToken";
    private const string CredentialSet = "Credential";
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
    [PveCredential]
    [ValidateNotNull]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    /// <summary>Gets or sets the realm appended to the user name (pam when the name has no realm).</summary>
    [Parameter(ParameterSetName = CredentialSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RealmCompleter))]
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
    [MaskedConversion(typeof(int))]
    public int TimeoutSec { get; set; } = 60;

    /// <summary>Gets or sets how often a failed call that is safe to repeat is retried (reads, and calls that never left this machine); 0 for never.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    [MaskedConversion(typeof(int))]
    public int MaximumRetryCount { get; set; } = PveRetryPolicy.DefaultMaximumRetryCount;

    /// <summary>Gets or sets the base wait before a retry in seconds; it doubles with each retry, with random jitter.</summary>
    [Parameter]
    [ValidateRange(0.0, 3600.0)]
    [MaskedConversion(typeof(double))]
    public double RetryIntervalSec { get; set; } = PveRetryPolicy.DefaultRetryInterval.TotalSeconds;

    /// <summary>Gets or sets whether to write the new session to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>
    /// Gets or sets whether to leave the default session as it is: the new session is used only where
    /// it is passed with -Session (e.g. to try a token without changing who later commands act as).
    /// </summary>
    [Parameter]
    public SwitchParameter NoDefault { get; set; }

    protected override void Process()
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
        bool secretHasUpperCase = token?.SecretHasUpperCase == true;
        PveSession session;
        try
        {
            if (token is not null)
            {
                client.UseApiToken(token);
                token = null;

                // GET /version needs authentication on PVE: one call proves the token and reads the version.
                Run(ct => client.GetVersionAsync(ct));
            }
            else
            {
                SecureString password = Credential.Password;
                Run(async ct =>
                {
                    await client.LoginAsync(userId!, password, OneTimePassword, ct).ConfigureAwait(false);
                    return await client.GetVersionAsync(ct).ConfigureAwait(false);
                });
            }

            session = ReuseOrCreate(client);
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WarnIfSkipping(client);
            client.Dispose();
            ThrowTerminatingError(ErrorMapper.Map(e, server, ParameterSetName == CredentialSet ? PveAuthMethod.Ticket : PveAuthMethod.ApiToken,
                userId ?? client.Identity, atConnect: true, secretHasUpperCase));
            return;
        }
        catch
        {
            token?.Dispose();
            client.Dispose();
            throw;
        }

        WarnIfSkipping(client);
        SessionRegistry.Current.Add(session, makeDefault: !NoDefault);
        if (NoDefault)
        {
            PveSession? current = SessionRegistry.Current.Default;
            WriteVerbose(current is null
                ? $"{session} is not the default session (-NoDefault), and there is none: pass it with -Session."
                : $"{session} is not the default session (-NoDefault); the default stays {current}.");
        }

        if (PassThru)
        {
            WriteObject(session);
        }
    }

    /// <summary>
    /// A connect that repeats an open session's server, identity and method continues that session
    /// with the new, verified client (a new secret or TLS setting, the server's current version), so
    /// repeated connects in a script do not pile up sessions and objects holding it keep working.
    /// </summary>
    private PveSession ReuseOrCreate(PveClient client)
    {
        PveSession? same = SessionRegistry.Current.Find(s => s.IsSameConnection(client));
        if (same is null)
        {
            return new PveSession(client);
        }

        same.Reconnect(client);
        WriteVerbose($"Connected again as {same.Identity} on {same.Server}: the open session continues with the new connection's credential and settings (pve-manager {same.Version}) instead of a second session.");
        return same;
    }

    private Uri ResolveServer() => PveConnectionArguments.ResolveServer(this, Server);

    private PveClientOptions BuildOptions(Uri server)
    {
        PveClientOptions options = PveConnectionArguments.BuildOptions(this, server, CertificateThumbprint, SkipCertificateCheck, TimeoutSec);
        options.Retry = new PveRetryPolicy(MaximumRetryCount, TimeSpan.FromSeconds(RetryIntervalSec));
        return options;
    }

    private string ResolveUserId()
    {
        string name = Credential.UserName.Trim();
        if (name.IndexOf('!') >= 0)
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument("InvalidUserId",
                $"'{InputEcho.Quote(name)}' is an API token id, not a user: pass a token with -ApiToken (a PSCredential whose password is the secret works there).", name));
        }

        // root@pam -Realm pve would be sent as root@pam@pve, a user that does not exist, and cost a
        // failed login (3 s on PVE). pam and pve exist on every server, so a name ending in one of
        // them names its realm; other suffixes may be a user name's own '@' (an AD UPN).
        int at = name.LastIndexOf('@');
        string suffix = at < 0 ? string.Empty : name.Substring(at + 1);
        if (Realm is not null && !suffix.Equals(Realm, StringComparison.OrdinalIgnoreCase) &&
            (suffix.Equals("pam", StringComparison.OrdinalIgnoreCase) || suffix.Equals("pve", StringComparison.OrdinalIgnoreCase)))
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument("ConflictingRealm",
                $"The user name '{InputEcho.Quote(name)}' already names the realm {suffix}, and -Realm names {InputEcho.Quote(Realm)}: give the realm once, either in the user name or with -Realm.",
                name));
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

    private ApiToken ResolveApiToken() => PveConnectionArguments.ResolveApiToken(this, ApiToken);

    private void WarnIfSkipping(PveClient client) => PveConnectionArguments.WarnIfSkipping(this, client, SkipCertificateCheck);
}
