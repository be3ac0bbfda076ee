using System.Management.Automation;
using PveEmulator;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Cmdlets;

public class ConnectPveServerTests
{
    private const string Connect = "PveTokens.Commands.ConnectPveServerCommand";
    private const string ConnectWithToken = "Connect-PveServer -PassThru -Server $url -ApiToken $token -CertificateThumbprint $fp";

    [Fact]
    public async Task ConnectsWithATokenStringProvingItWithOneCallAndReturnsTheDefaultSession()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "ci", privsep: false);
        using var ps = new PowerShellHost();

        PsResult r = ps.Run(ConnectWithToken, Emulators.Vars(host, ("token", "root@pam!ci=" + secret)));

        r.AssertNoErrors();
        PveSession session = r.Single<PveSession>();
        Assert.Equal(host.Url.Port, session.Server.Port);
        Assert.Equal("root@pam!ci", session.Identity);
        Assert.Equal(PveAuthMethod.ApiToken, session.AuthMethod);
        Assert.Equal("9.2.0", session.Version);
        Assert.Equal("9.2", session.Release);
        Assert.Equal(PveCertificatePolicy.Pinned, session.CertificatePolicy);
        Assert.Equal(host.CertificateSha256, session.CertificateThumbprint);
        RequestLogEntry call = Assert.Single(host.RequestLog);
        Assert.Equal(("GET", "/api2/json/version", "token", "root@pam!ci", 200), (call.Method, call.Path, call.AuthKind, call.AuthId, call.Status));
        Assert.Same(session, ps.Run("Get-PveSession -Default").Single<PveSession>());
        Assert.DoesNotContain(secret, r.AllText());
    }

    [Fact]
    public async Task WritesTheSessionOnlyWithPassThruButAlwaysMakesItTheDefault()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "ci", privsep: false);
        using var ps = new PowerShellHost();

        PsResult quiet = ps.Run("Connect-PveServer -Server $url -ApiToken $token -CertificateThumbprint $fp",
            Emulators.Vars(host, ("token", "root@pam!ci=" + secret)));

        quiet.AssertNoErrors();
        Assert.Empty(quiet.Output);
        PveSession session = ps.Run("Get-PveSession -Default").Single<PveSession>();
        Assert.Equal("root@pam!ci", session.Identity);
    }

    [Fact]
    public async Task ConnectsWithATokenAsPSCredentialOrSecureString()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "ci");
        using var ps = new PowerShellHost();

        PsResult fromCredential = ps.Run(ConnectWithToken, Emulators.Vars(host, ("token", new PSCredential("root@pam!ci", TestSecrets.Secure(secret)))));
        PsResult fromSecureString = ps.Run(ConnectWithToken, Emulators.Vars(host, ("token", TestSecrets.Secure("PVEAPIToken=root@pam!ci=" + secret))));
        PsResult fromCredentialHoldingTheString = ps.Run(ConnectWithToken,
            Emulators.Vars(host, ("token", new PSCredential("root@pam!ci", TestSecrets.Secure("root@pam!ci=" + secret)))));

        foreach (PsResult r in new[] { fromCredential, fromSecureString, fromCredentialHoldingTheString })
        {
            r.AssertNoErrors();
            Assert.Equal("root@pam!ci", r.Single<PveSession>().Identity);
        }

        Assert.Equal(3, host.RequestLog.Count(e => e.AuthId == "root@pam!ci" && e.Status == 200));

        // The same token on the same server three times: one session, continued by each connect.
        PveSession session = Assert.Single(ps.Run("Get-PveSession").Objects<PveSession>());
        Assert.All(new[] { fromCredential, fromSecureString, fromCredentialHoldingTheString }, r => Assert.Same(session, r.Single<PveSession>()));
    }

    [Fact]
    public async Task ConnectsWithACredentialByTicketWithRealmHandling()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        host.State.AddUser("alice@pve", password: "Alice-Pass-1");
        host.State.AddUser("j.doe@corp.example@pve", password: "Doe-Pass-12");
        using var ps = new PowerShellHost();

        PsResult root = ps.Run("Connect-PveServer -PassThru $url -Credential $cred -CertificateThumbprint $fp",
            Emulators.Vars(host, ("cred", new PSCredential("root", TestSecrets.Secure(Emulators.RootPassword)))));
        PsResult alice = ps.Run("Connect-PveServer -PassThru $url -Credential $cred -Realm pve -CertificateThumbprint $fp",
            Emulators.Vars(host, ("cred", new PSCredential("alice", TestSecrets.Secure("Alice-Pass-1")))));
        PsResult upn = ps.Run("Connect-PveServer -PassThru $url -Credential $cred -Realm pve -CertificateThumbprint $fp",
            Emulators.Vars(host, ("cred", new PSCredential("j.doe@corp.example", TestSecrets.Secure("Doe-Pass-12")))));

        root.AssertNoErrors();
        alice.AssertNoErrors();
        upn.AssertNoErrors();
        Assert.Equal(("root@pam", PveAuthMethod.Ticket, "9.2.0"), (root.Single<PveSession>().Identity, root.Single<PveSession>().AuthMethod, root.Single<PveSession>().Version));
        Assert.Equal("alice@pve", alice.Single<PveSession>().Identity);
        Assert.Equal("j.doe@corp.example@pve", upn.Single<PveSession>().Identity);
        Assert.Equal(new[] { "POST /api2/json/access/ticket none 200", "GET /api2/json/version ticket 200" },
            host.RequestLog.Take(2).Select(e => $"{e.Method} {e.Path} {e.AuthKind} {e.Status}"));
        foreach (PsResult r in new[] { root, alice, upn })
        {
            string all = r.AllText();
            Assert.DoesNotContain(Emulators.RootPassword, all);
            Assert.DoesNotContain("Alice-Pass-1", all);
            Assert.DoesNotContain("PVE:", all);
        }
    }

    [Fact]
    public async Task ConnectsWithTwoFactorAuthentication()
    {
        const string totp = "JBSWY3DPEHPK3PXP";
        await using EmulatorHost host = await Emulators.StartAsync();
        host.State.AddUser("bob@pve", password: "Bob-Pass-12", totpSecret: totp);
        using var ps = new PowerShellHost();
        var cred = new PSCredential("bob@pve", TestSecrets.Secure("Bob-Pass-12"));

        PsResult without = ps.Run("Connect-PveServer -PassThru $url -Credential $cred -CertificateThumbprint $fp", Emulators.Vars(host, ("cred", cred)));
        PsResult with = ps.Run("Connect-PveServer -PassThru $url -Credential $cred -OneTimePassword $otp -CertificateThumbprint $fp",
            Emulators.Vars(host, ("cred", cred), ("otp", Totp.Compute(totp, DateTimeOffset.UtcNow))));

        ErrorRecord e = without.SingleError("OneTimePasswordRequired," + Connect);
        Assert.Equal(ErrorCategory.AuthenticationError, e.CategoryInfo.Category);
        Assert.Contains("-OneTimePassword", e.ErrorDetails.Message);
        with.AssertNoErrors();
        Assert.Equal("bob@pve", with.Single<PveSession>().Identity);
        Assert.Contains(host.RequestLog, l => l.Path == "/api2/json/version" && l.AuthKind == "ticket" && l.AuthId == "bob@pve" && l.Status == 200);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PinsTheCertificateInAnyHexForm(bool colonsLowerCase)
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "ci");
        string pin = colonsLowerCase ? string.Join(":", host.CertificateSha256.Chunk(2).Select(c => new string(c))).ToLowerInvariant() : host.CertificateSha256;
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer -PassThru $url -ApiToken $token -CertificateThumbprint $pin",
            Emulators.Vars(host, ("token", "root@pam!ci=" + secret), ("pin", pin)));

        r.AssertNoErrors();
        Assert.Equal(host.CertificateSha256, r.Single<PveSession>().CertificateThumbprint);
    }

    [Fact]
    public async Task AWrongPinIsASecurityErrorShowingThePresentedFingerprint()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "ci");
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer -PassThru $url -ApiToken $token -CertificateThumbprint $pin",
            Emulators.Vars(host, ("token", "root@pam!ci=" + secret), ("pin", new string('A', 64))));

        ErrorRecord e = r.SingleError("CertificatePinMismatch," + Connect);
        Assert.Equal(ErrorCategory.SecurityError, e.CategoryInfo.Category);
        string presented = string.Join(":", host.CertificateSha256.Chunk(2).Select(c => new string(c)));
        Assert.Contains(presented, e.ErrorDetails.Message);
        Assert.Contains("-CertificateThumbprint " + presented, e.ErrorDetails.Message);
        Assert.Contains($"127.0.0.1:{host.Url.Port}", e.ErrorDetails.Message);
        Assert.Empty(host.RequestLog);
        Assert.Empty(ps.Run("Get-PveSession").Output);
        Assert.DoesNotContain(secret, r.AllText());
    }

    [Fact]
    public async Task TheSelfSignedCertificateIsNotTrustedByDefault()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "ci");
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer -PassThru $url -ApiToken $token", Emulators.Vars(host, ("token", "root@pam!ci=" + secret)));

        ErrorRecord e = r.SingleError("CertificateNotTrusted," + Connect);
        Assert.Equal(ErrorCategory.SecurityError, e.CategoryInfo.Category);
        Assert.Contains(string.Join(":", host.CertificateSha256.Chunk(2).Select(c => new string(c))), e.ErrorDetails.Message);
        Assert.Contains("not trusted", e.ErrorDetails.Message);
    }

    [Fact]
    public async Task SkippingTheCertificateCheckWarnsWithTheFingerprint()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "ci");
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer -PassThru $url -ApiToken $token -SkipCertificateCheck", Emulators.Vars(host, ("token", "root@pam!ci=" + secret)));

        r.AssertNoErrors();
        Assert.Equal(PveCertificatePolicy.Skip, r.Single<PveSession>().CertificatePolicy);
        Assert.Null(r.Single<PveSession>().CertificateThumbprint);
        string warning = Assert.Single(r.Warnings);
        Assert.Contains("-SkipCertificateCheck", warning);
        Assert.Contains("-CertificateThumbprint " + string.Join(":", host.CertificateSha256.Chunk(2).Select(c => new string(c))), warning);
    }

    [Fact]
    public async Task PinAndSkipTogetherAreRejected()
    {
        using var ps = new PowerShellHost();
        PsResult r = ps.Run("Connect-PveServer -PassThru pve1 -ApiToken 'root@pam!ci=4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f' -SkipCertificateCheck -CertificateThumbprint ('A' * 64)");
        Assert.Equal(ErrorCategory.InvalidArgument, r.SingleError("ConflictingCertificateOptions," + Connect).CategoryInfo.Category);
    }

    [Theory]
    [InlineData("AB:CD", "has 4 hexadecimal digits")]
    [InlineData("0123456789012345678901234567890123456789", "SHA-1")]
    public void AMalformedThumbprintIsRejectedBeforeConnecting(string pin, string expected)
    {
        using var ps = new PowerShellHost();
        PsResult r = ps.Run("Connect-PveServer -PassThru pve1 -ApiToken 'root@pam!ci=4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f' -CertificateThumbprint $pin",
            new() { ["pin"] = pin });
        Assert.Contains(expected, r.SingleError("InvalidCertificateThumbprint," + Connect).ErrorDetails.Message);
    }

    [Theory]
    [InlineData("wrong-secret")]
    [InlineData("expired")]
    [InlineData("disabled-user")]
    public async Task ARejectedTokenIsAnAuthenticationErrorWithTheFixesAndNoSecret(string scenario)
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        host.State.AddUser("joe@pve", password: "Joe-Pass-12", enable: scenario != "disabled-user");
        string secret = host.State.AddToken("joe@pve", "ci", expire: scenario == "expired" ? DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds() : 0);
        string sent = scenario == "wrong-secret" ? "11111111-2222-4333-8444-555555555555" : secret;
        using var ps = new PowerShellHost();

        PsResult r = ps.Run(ConnectWithToken, Emulators.Vars(host, ("token", "joe@pve!ci=" + sent)));

        ErrorRecord e = r.SingleError("AuthenticationFailed," + Connect);
        Assert.Equal(ErrorCategory.AuthenticationError, e.CategoryInfo.Category);
        Assert.Contains("'joe@pve!ci'", e.ErrorDetails.Message);
        Assert.Contains("Authentication failed!", e.ErrorDetails.Message);
        Assert.Contains("expired", e.ErrorDetails.Message);
        Assert.Contains("enabled", e.ErrorDetails.Message);
        Assert.Contains("USER@REALM!TOKENID", e.ErrorDetails.Message);
        Assert.Single(host.RequestLog);
        string all = r.AllText();
        Assert.DoesNotContain(sent, all);
        Assert.DoesNotContain(secret, all);
        Assert.Empty(ps.Run("Get-PveSession").Output);
    }

    [Fact]
    public async Task AWrongPasswordIsAnAuthenticationErrorWithoutThePassword()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer -PassThru $url -Credential $cred -CertificateThumbprint $fp",
            Emulators.Vars(host, ("cred", new PSCredential("root@pam", TestSecrets.Secure("Not-The-Password-9")))));

        ErrorRecord e = r.SingleError("AuthenticationFailed," + Connect);
        Assert.Equal(ErrorCategory.AuthenticationError, e.CategoryInfo.Category);
        Assert.Contains("root@pam", e.ErrorDetails.Message);
        Assert.DoesNotContain("Not-The-Password-9", r.AllText());
    }

    [Theory]
    [InlineData("root@pam!ci", "has no '=' and no secret")]
    [InlineData("ci=4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f", "names only the token")]
    [InlineData("root@pam!ci=4d3b4f0e-8f8a", "not a UUID")]
    public void AMalformedTokenIsInvalidApiTokenAndNothingIsSent(string token, string expected)
    {
        using var ps = new PowerShellHost();
        PsResult r = ps.Run("Connect-PveServer -PassThru pve1 -ApiToken $token", new() { ["token"] = token });
        ErrorRecord e = r.SingleError("InvalidApiToken," + Connect);
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Contains(expected, e.ErrorDetails.Message);
        Assert.Null(e.TargetObject);
        Assert.DoesNotContain("4d3b4f0e-8f8a", r.AllText());
    }

    [Fact]
    public void ARefusedConnectionIsAConnectionErrorNamingServerAndPort()
    {
        int port = Client.PveClientTests.ClosedPort();
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer -PassThru \"127.0.0.1:$port\" -ApiToken 'root@pam!ci=4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f' -SkipCertificateCheck",
            new() { ["port"] = port });

        ErrorRecord e = r.Errors.Single(x => x.FullyQualifiedErrorId == "ConnectionRefused," + Connect);
        Assert.Equal(ErrorCategory.ConnectionError, e.CategoryInfo.Category);
        Assert.Contains($"127.0.0.1:{port}", e.ErrorDetails.Message);
        Assert.Equal(port, ((PveTokens.Client.PveConnectionException)e.Exception).Port);
    }

    [Fact]
    public void AnHttpServerIsRejected()
    {
        using var ps = new PowerShellHost();
        PsResult r = ps.Run("Connect-PveServer -PassThru http://pve1 -ApiToken 'root@pam!ci=4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f'");
        Assert.Contains("HTTPS only", r.SingleError("InvalidServer," + Connect).ErrorDetails.Message);
    }

    [Fact]
    public async Task ServerAndApiTokenHaveTheSamePositionsWhereverBothExist()
    {
        using var ps = new PowerShellHost();
        PsResult r = ps.Run("""
            foreach ($c in Get-Command -Module PveTokens -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('Server') -and $_.Parameters.ContainsKey('ApiToken') }) {
                foreach ($name in 'Server', 'ApiToken') {
                    foreach ($set in $c.Parameters[$name].ParameterSets.Values | Where-Object Position -ge 0) { '{0} -{1} {2}' -f $c.Name, $name, $set.Position }
                }
            }
            """);
        r.AssertNoErrors();
        var lines = r.Output.Select(o => o.ToString()).ToList();
        Assert.Contains("Test-PveApiToken -Server 0", lines);
        Assert.Contains("Connect-PveServer -ApiToken 1", lines);
        Assert.All(lines, l => Assert.True(l.EndsWith(l.Contains("-Server", StringComparison.Ordinal) ? " 0" : " 1", StringComparison.Ordinal), l));

        // The same order at work: the server first, then the token; a token where the server belongs is named as such.
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "ci");
        var vars = Emulators.Vars(host, ("t", "root@pam!ci=" + secret));
        Assert.True(ps.Run("Test-PveApiToken $url $t -CertificateThumbprint $fp -Quiet", vars).Single<bool>());
        PsResult swapped = ps.Run("Test-PveApiToken $t -CertificateThumbprint $fp", vars);
        Assert.Equal("'root@pam!ci=***' is an API token, not a server: give the server as -Server (host, host:port or https:// URL) and the token as -ApiToken, e.g. -Server pve1.example.com -ApiToken $token.",
            swapped.SingleError("InvalidServer,PveTokens.Commands.TestPveApiTokenCommand").ErrorDetails.Message);
        Assert.DoesNotContain(secret, swapped.AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public void ATokenStringAsCredentialIsPointedAtApiTokenWithoutAPrompt()
    {
        using var ps = new PowerShellHost();
        PsResult r = ps.Run("Connect-PveServer pve1 -Credential 'root@pam!ci=4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f'");
        ErrorRecord e = Assert.Single(r.Errors);
        Assert.Contains("'root@pam!ci=***' is an API token string, not a user name: give it with -ApiToken", e.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(r.Prompts);
        Assert.DoesNotContain("4d3b4f0e", r.AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public void ATokenIdGivenAsCredentialIsPointedAtApiToken()
    {
        using var ps = new PowerShellHost();
        PsResult r = ps.Run("Connect-PveServer -PassThru pve1 -Credential $cred", new() { ["cred"] = new PSCredential("root@pam!ci", TestSecrets.Secure("x")) });
        Assert.Contains("-ApiToken", r.SingleError("InvalidUserId," + Connect).ErrorDetails.Message);
    }

    [Fact]
    public async Task WritesAVerboseLinePerHttpCallWithoutSecrets()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer -PassThru $url -Credential $cred -CertificateThumbprint $fp",
            Emulators.Vars(host, ("cred", new PSCredential("root@pam", TestSecrets.Secure(Emulators.RootPassword)))), verbose: true);

        r.AssertNoErrors();
        Assert.Collection(r.Verbose,
            v => Assert.Matches($@"^127\.0\.0\.1:{host.Url.Port} POST /access/ticket \(username, password\) -> 200 OK, \d+ ms$", v),
            v => Assert.Matches($@"^127\.0\.0\.1:{host.Url.Port} GET /version -> 200 OK, \d+ ms$", v));
        Assert.DoesNotContain(Emulators.RootPassword, r.AllText());
    }
}
