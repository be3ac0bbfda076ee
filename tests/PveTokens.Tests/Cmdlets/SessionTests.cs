using System.Management.Automation;
using System.Net.Http;
using System.Text.Json;
using PveEmulator;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Cmdlets;

/// <summary>Sessions side by side, Get-/Disconnect-PveSession, and the session base class contract.</summary>
public class SessionTests
{
    private const string ConnectWithToken = "Connect-PveServer -PassThru -Server $url -ApiToken $token -CertificateThumbprint $fp";

    private static PveSession ConnectToken(PowerShellHost ps, EmulatorHost host, string tokenName = "ci")
    {
        string secret = host.State.AddToken("root@pam", tokenName, privsep: false);
        PsResult r = ps.Run(ConnectWithToken, Emulators.Vars(host, ("token", $"root@pam!{tokenName}=" + secret)));
        r.AssertNoErrors();
        return r.Single<PveSession>();
    }

    [Fact]
    public async Task TwoSessionsToTwoServersWorkSideBySideAndTheLastIsTheDefault()
    {
        await using EmulatorHost a = await Emulators.StartAsync();
        await using EmulatorHost b = await Emulators.StartAsync(o => o.PveVersion = "8.4.1");
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));
        PveSession sa = ConnectToken(ps, a);
        PveSession sb = ConnectToken(ps, b);
        a.ClearRequestLog();
        b.ClearRequestLog();

        PsResult viaDefault = ps.Run("Test-PveGet");
        PsResult viaExplicit = ps.Run("Test-PveGet -Session $s", new() { ["s"] = sa });
        PsResult viaPipeline = ps.Run("$items | Test-PveGet", new()
        {
            ["items"] = new object[] { new PSObject(new { Session = sa }), new PSObject(new { Session = sb }), new PSObject(new { Session = sa }) },
        });

        Assert.Equal(new[] { sa, sb }, ps.Run("Get-PveSession").Objects<PveSession>());
        Assert.Same(sb, ps.Run("Get-PveSession -Default").Single<PveSession>());
        Assert.Equal("8.4.1", sb.Version);
        Assert.Contains($":{b.Url.Port} ", Assert.Single(viaDefault.Objects<string>()));
        Assert.Contains($":{a.Url.Port} ", Assert.Single(viaExplicit.Objects<string>()));
        Assert.Equal(new[] { a.Url.Port, b.Url.Port, a.Url.Port },
            viaPipeline.Objects<string>().Select(s => new Uri("https://" + s.Split(' ')[0]).Port));
        Assert.Equal(3, a.RequestLog.Count);
        Assert.Equal(2, b.RequestLog.Count);

        // Used concurrently through the client API as well: each session talks only to its server.
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? sa : sb).Client.GetVersionAsync(CancellationToken.None)));
        Assert.Equal(8, a.RequestLog.Count);
        Assert.Equal(7, b.RequestLog.Count);
    }

    [Fact]
    public async Task APipedObjectWhoseSessionIsNullUsesTheDefaultSession()
    {
        await using EmulatorHost a = await Emulators.StartAsync();
        await using EmulatorHost b = await Emulators.StartAsync();
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));
        PveSession sa = ConnectToken(ps, a);
        ConnectToken(ps, b);

        // The null in the middle must not bind as "sa" left over from the record before it either.
        PsResult r = ps.Run("$sa, $null, $sa | ForEach-Object { [pscustomobject]@{ Session = $_ } } | Test-PveGet", new() { ["sa"] = sa });

        r.AssertNoErrors();
        Assert.Equal(new[] { a.Url.Port, b.Url.Port, a.Url.Port },
            r.Objects<string>().Select(s => new Uri("https://" + s.Split(' ')[0]).Port));
    }

    [Fact]
    public async Task OneConnectionCarriesManyCallsAndANewOneFollowsAClose()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));
        PveSession s = ConnectToken(ps, host);

        for (int i = 0; i < 5; i++)
        {
            await s.Client.GetVersionAsync(CancellationToken.None);
        }

        long afterReads = host.ConnectionsAccepted;
        await Assert.ThrowsAsync<PveApiException>(() => s.Client.GetAsync<JsonElement>("/access/users/nobody%40pve/token/x", null, CancellationToken.None));
        await s.Client.GetVersionAsync(CancellationToken.None);

        Assert.Equal(1, afterReads);
        Assert.Equal(2, host.ConnectionsAccepted);
        Assert.Equal(host.RequestLog.Count - 1, host.RequestLog.Count(e => e.Status == 200));
    }

    [Fact]
    public async Task DisconnectClosesTheDefaultAndTheMostRecentRemainingTakesOver()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));
        PveSession first = ConnectToken(ps, host, "one");
        PveSession second = ConnectToken(ps, host, "two");
        PveSession third = ConnectToken(ps, host, "three");

        ps.Run("Disconnect-PveServer").AssertNoErrors();
        Assert.False(third.IsOpen);
        Assert.Same(second, ps.Run("Get-PveSession -Default").Single<PveSession>());

        ps.Run("Disconnect-PveServer -Session $s", new() { ["s"] = first }).AssertNoErrors();
        Assert.Same(second, ps.Run("Get-PveSession -Default").Single<PveSession>());
        Assert.Equal(new[] { second }, ps.Run("Get-PveSession").Objects<PveSession>());

        PsResult closed = ps.Run("Test-PveGet -Session $s", new() { ["s"] = first });
        Assert.Equal("SessionClosed,PveTokens.Tests.Cmdlets.TestPveGetCommand", Assert.Single(closed.ErrorIds));

        ps.Run("Get-PveSession | Disconnect-PveServer").AssertNoErrors();
        Assert.False(second.IsOpen);
        Assert.Empty(ps.Run("Get-PveSession").Output);
        Assert.Empty(ps.Run("Get-PveSession -Default").Output);

        PsResult none = ps.Run("Disconnect-PveServer; 'went on'");
        Assert.Equal("NoSession,PveTokens.Commands.DisconnectPveServerCommand", Assert.Single(none.ErrorIds));
        Assert.Equal("went on", Assert.Single(none.Objects<string>()));
    }

    [Fact]
    public void WithoutASessionCmdletsSayRunConnectPveServerFirst()
    {
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));

        PsResult r = ps.Run("Test-PveGet");

        ErrorRecord e = r.SingleError("NoSession,PveTokens.Tests.Cmdlets.TestPveGetCommand");
        Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
        Assert.Equal("There is no PVE session: run Connect-PveServer first, or pass one with -Session.", e.ErrorDetails.Message);
    }

    [Fact]
    public async Task SessionsBelongToTheirRunspace()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        using var one = new PowerShellHost();
        using var two = new PowerShellHost();
        ConnectToken(one, host);

        Assert.Single(one.Run("Get-PveSession").Output);
        Assert.Empty(two.Run("Get-PveSession").Output);
    }

    [Fact]
    public async Task ApiErrorsInASessionCmdletMapToStableIdsWithHints()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        host.State.AddUser("joe@pve", password: "Joe-Pass-12");
        string secret = host.State.AddToken("joe@pve", "ci", privsep: true);
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));
        ps.Run(ConnectWithToken, Emulators.Vars(host, ("token", "joe@pve!ci=" + secret))).AssertNoErrors();
        PveSession root = ConnectToken(ps, host, "root");

        PsResult denied = ps.Run("Test-PveGet /access/users/root%40pam/token -Session (Get-PveSession)[0]");
        PsResult missing = ps.Run("Test-PveGet /access/users/root%40pam/token/nope");
        PsResult invalid = ps.Run("Test-PveGet '/access/users?full=maybe'");

        ErrorRecord d = denied.SingleError("PermissionDenied,PveTokens.Tests.Cmdlets.TestPveGetCommand");
        Assert.Equal(ErrorCategory.PermissionDenied, d.CategoryInfo.Category);
        var api = (PveApiException)d.Exception;
        Assert.Equal(403, api.StatusCode);
        Assert.Contains("privilege separation", d.ErrorDetails.Message);
        Assert.Contains("joe@pve!ci", d.ErrorDetails.Message);
        ErrorRecord m = missing.SingleError("ObjectNotFound,PveTokens.Tests.Cmdlets.TestPveGetCommand");
        Assert.Equal(ErrorCategory.ObjectNotFound, m.CategoryInfo.Category);
        Assert.Contains("no such token 'nope'", m.ErrorDetails.Message);
        Assert.Contains("GET /access/users/root@pam/token/nope", m.ErrorDetails.Message);
        Assert.Equal(root, ps.Run("Get-PveSession -Default").Single<PveSession>());
        Assert.DoesNotContain(secret, denied.AllText());
        ErrorRecord i = invalid.SingleError("InvalidArgument,PveTokens.Tests.Cmdlets.TestPveGetCommand");
        Assert.Equal(ErrorCategory.InvalidArgument, i.CategoryInfo.Category);
        Assert.Contains("full: type check ('boolean') failed - got 'maybe'", i.ErrorDetails.Message);
    }

    [Fact]
    public async Task ATokenSessionsPermissionErrorNamesPathAndPrivilege()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        host.State.AddUser("joe@pve", password: "Joe-Pass-12");
        host.State.AddAcl("/", "PVEAuditor", user: "joe@pve");
        string secret = host.State.AddToken("joe@pve", "ci", privsep: true);
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));
        ps.Run(ConnectWithToken, Emulators.Vars(host, ("token", "joe@pve!ci=" + secret))).AssertNoErrors();

        PsResult r = ps.Run("Test-PveGet '/access/permissions?userid=root%40pam'");

        ErrorRecord e = r.SingleError("PermissionDenied,PveTokens.Tests.Cmdlets.TestPveGetCommand");
        var api = (PveApiException)e.Exception;
        Assert.Equal(("/access", "Sys.Audit"), (api.PermissionPath, api.Privilege));
        Assert.Contains("joe@pve!ci lacks Sys.Audit on /access", e.ErrorDetails.Message);
        Assert.Contains("Set-PveAcl", e.ErrorDetails.Message);
    }

    [Fact]
    public async Task CtrlCStopsAWaitingCallAsAPipelineStop()
    {
        await using EmulatorHost host = await Emulators.StartAsync(o => o.AuthFailureDelayMs = 10_000);
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));
        PveSession s = ConnectToken(ps, host);
        host.State.AddUser("joe@pve");

        // A call the server answers only after 10 s (a failed auth on a second, broken session).
        using PowerShell shell = PowerShell.Create();
        shell.Runspace = ps.Runspace;
        shell.AddScript("Connect-PveServer -PassThru -Server $url -ApiToken 'joe@pve!ci=11111111-2222-4333-8444-555555555555' -CertificateThumbprint $fp");
        ps.Runspace.SessionStateProxy.SetVariable("url", host.Url.ToString());
        ps.Runspace.SessionStateProxy.SetVariable("fp", host.CertificateSha256);
        IAsyncResult pending = shell.BeginInvoke();
        await Task.Delay(500);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        shell.Stop();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), "Stop took " + stopwatch.Elapsed);
        Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
        Assert.True(pending.IsCompleted);
        Assert.True(s.IsOpen);
    }

    [Fact]
    public async Task ATicketSessionSendsCsrfOnWrites()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        using var ps = new PowerShellHost();
        PveSession s = ps.Run("Connect-PveServer -PassThru $url -Credential $cred -CertificateThumbprint $fp",
            Emulators.Vars(host, ("cred", new PSCredential("root@pam", TestSecrets.Secure(Emulators.RootPassword))))).Single<PveSession>();

        JsonElement created = await s.Client.PostAsync<JsonElement>("/access/users/root%40pam/token/viaticket",
            new PveParameters().Add("comment", "made with a ticket"), CancellationToken.None);

        Assert.Equal("root@pam!viaticket", created.GetProperty("full-tokenid").GetString());
        RequestLogEntry post = host.RequestLog.Last();
        Assert.Equal(("POST", "ticket", 200), (post.Method, post.AuthKind, post.Status));
        Assert.True(host.State.TokenExists("root@pam", "viaticket"));
    }

    [Fact]
    public async Task AnOldTicketIsRenewedBeforeItExpires()
    {
        await using EmulatorHost host = await Emulators.StartAsync(o => o.TicketLifetimeSeconds = 3);
        var options = new PveClientOptions(host.Url)
        {
            CertificatePolicy = PveCertificatePolicy.Pinned,
            PinnedCertificateSha256 = host.CertificateSha256,
            TicketRenewalAge = TimeSpan.FromSeconds(1),
        };
        using var client = new PveClient(options);
        await client.LoginAsync("root@pam", TestSecrets.Secure(Emulators.RootPassword), null, CancellationToken.None);

        for (int i = 0; i < 4; i++)
        {
            await Task.Delay(1200);
            await client.PostAsync<JsonElement>($"/access/users/root%40pam/token/t{i}", null, CancellationToken.None);
        }

        Assert.DoesNotContain(host.RequestLog, e => e.Status == 401);
        Assert.True(host.RequestLog.Count(e => e.Path == "/api2/json/access/ticket") >= 4);
        Assert.Equal(4, host.RequestLog.Count(e => e.Method == "POST" && e.Path.Contains("/token/") && e.AuthKind == "ticket" && e.Status == 200));
    }

    [Fact]
    public async Task ACallAfterTheTicketExpiredStillWorks()
    {
        await using EmulatorHost host = await Emulators.StartAsync(o => o.TicketLifetimeSeconds = 2);
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));
        ps.Run("Connect-PveServer -PassThru $url -Credential $cred -CertificateThumbprint $fp",
            Emulators.Vars(host, ("cred", new PSCredential("root@pam", TestSecrets.Secure(Emulators.RootPassword))))).AssertNoErrors();
        host.ClearRequestLog();

        await Task.Delay(3500);
        PsResult r = ps.Run("Test-PveGet");

        r.AssertNoErrors();
        Assert.Contains("9.2.0", Assert.Single(r.Objects<string>()));
        // The version is read again after the new login (the server may have been upgraded), then the call is retried.
        Assert.Equal(new[] { "GET /api2/json/version 401", "POST /api2/json/access/ticket 401", "POST /api2/json/access/ticket 200", "GET /api2/json/version 200", "GET /api2/json/version 200" },
            host.RequestLog.Select(e => $"{e.Method} {e.Path} {e.Status}"));
    }

    [Fact]
    public async Task TheSessionShowsNoSecretInAnyView()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "ci");
        using var ps = new PowerShellHost();
        ps.Run(ConnectWithToken, Emulators.Vars(host, ("token", "root@pam!ci=" + secret))).AssertNoErrors();
        ps.Run("Connect-PveServer -PassThru $url -Credential $cred -CertificateThumbprint $fp",
            Emulators.Vars(host, ("cred", new PSCredential("root@pam", TestSecrets.Secure(Emulators.RootPassword))))).AssertNoErrors();

        PsResult sessions = ps.Run("Get-PveSession");
        string table = ps.Render("Get-PveSession");
        string json = ps.Render("Get-PveSession | ConvertTo-Json -Depth 3");
        string all = sessions.AllText() + table + json;

        Assert.Contains("Server", table);
        Assert.Contains("Identity", table);
        Assert.Contains("AuthMethod", table);
        Assert.Contains("Version", table);
        Assert.Contains("Certificate", table);
        Assert.Contains("root@pam!ci", table);
        Assert.Contains("Pinned " + host.CertificateSha256[..8], table);
        foreach (string s in new[] { secret, Emulators.RootPassword, "PVE:root@pam", "PVEAuthCookie", "CSRF" })
        {
            Assert.DoesNotContain(s, all);
        }
    }
}
