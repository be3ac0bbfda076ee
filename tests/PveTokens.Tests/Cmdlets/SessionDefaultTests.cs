using System.Management.Automation;
using PveEmulator;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;
using PveTokens.Tests.Reliability;

namespace PveTokens.Tests.Cmdlets;

/// <summary>
/// Sessions from the pipeline (every cmdlet with -Session, discovered from the module), the default
/// session (IsDefault, Set-PveSession, Connect-PveServer -NoDefault), repeated connects that continue
/// a session instead of piling up, and the server version read again when the server changed.
/// </summary>
public sealed class SessionDefaultTests
{
    private const string Connect = "Connect-PveServer -PassThru -Server $url -ApiToken $token -CertificateThumbprint $fp";

    private static async Task<EmulatorHost> StartSeededAsync(Action<EmulatorOptions>? configure = null)
    {
        // The fixture BadInputTests.Invocations is written for (see ReliabilityContext).
        EmulatorHost host = await Emulators.StartAsync(configure);
        host.State.AddUser("ci@pve", password: "Ci-Example-Pass-1");
        host.State.AddToken("ci@pve", "backup", privsep: true, comment: "nightly backup");
        host.State.AddToken("root@pam", "rel", privsep: false, secret: ReliabilityContext.TokenSecret);
        host.State.AddGroup("ops");
        return host;
    }

    private static PveSession ConnectToken(PowerShellHost ps, EmulatorHost host, string token, string options = "")
    {
        PsResult r = ps.Run(Connect + " " + options, Emulators.Vars(host, ("token", token)));
        r.AssertNoErrors();
        return r.Single<PveSession>();
    }

    private static string Rel => "root@pam!rel=" + ReliabilityContext.TokenSecret;

    [Fact]
    public async Task Every_cmdlet_with_a_Session_parameter_runs_against_a_piped_session()
    {
        await using EmulatorHost a = await StartSeededAsync();
        await using EmulatorHost b = await StartSeededAsync();
        using var ps = new PowerShellHost();
        PveSession sa = ConnectToken(ps, a, Rel);
        PveSession sb = ConnectToken(ps, b, Rel);
        Assert.True(sb.IsDefault);

        List<string> commands = ps.Run("""
            Get-Command -Module PveTokens -CommandType Cmdlet |
                Where-Object { $_.Parameters.ContainsKey('Session') -and $_.Parameters['Session'].ParameterType -eq [PveTokens.Models.PveSession] } |
                Sort-Object Name | ForEach-Object Name
            """).Output.Select(o => o.ToString()).ToList();
        Assert.Contains("Get-PveApiToken", commands);
        Assert.Contains("Invoke-PveRestMethod", commands);
        Assert.Contains("Test-PveApiToken", commands);

        var failures = new List<string>();
        int n = 0;
        foreach (string command in commands)
        {
            // Declared: a session binds by value in every parameter set of the cmdlet.
            bool[] byValue = ps.Run($"(Get-Command {command}).Parameters['Session'].ParameterSets.Values | ForEach-Object ValueFromPipeline")
                .Output.Select(o => (bool)o.BaseObject).ToArray();
            if (byValue.Length == 0 || !byValue.All(v => v))
            {
                failures.Add($"{command}: -Session does not take a piped session in every parameter set");
            }

            if (command == "Set-PveSession")
            {
                continue; // It sends nothing; SetPveSessionChoosesTheDefault runs it from the pipeline.
            }

            // Behaved: the piped session (not the default) is the one that is talked to.
            n++;
            foreach (EmulatorHost host in new[] { a, b })
            {
                host.State.AddToken("ci@pve", $"victim{n}", privsep: true, comment: "v");
                host.ClearRequestLog();
            }

            Dictionary<string, object?> arguments = BadInputTests.Invocations[command](n);
            PsResult r = ps.Run($"$piped | {command} @a -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null",
                new() { ["piped"] = sa, ["a"] = arguments });
            foreach (ErrorRecord e in r.Errors.Where(e => e.Exception is ParameterBindingException || e.FullyQualifiedErrorId.StartsWith("NoSession", StringComparison.Ordinal)))
            {
                failures.Add($"{command}: {PsResult.Describe(e)}");
            }

            if (a.RequestLog.Count == 0 || b.RequestLog.Count != 0)
            {
                failures.Add($"{command}: {a.RequestLog.Count} request(s) to the piped session's server, {b.RequestLog.Count} to the default's");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Get_PveSession_piped_into_a_cmdlet_runs_it_on_every_cluster()
    {
        await using EmulatorHost a = await StartSeededAsync();
        await using EmulatorHost b = await StartSeededAsync(o => o.PveVersion = "8.4.1");
        b.State.AddToken("ci@pve", "only-on-b");
        using var ps = new PowerShellHost();
        PveSession sa = ConnectToken(ps, a, Rel);
        PveSession sb = ConnectToken(ps, b, Rel);

        PsResult tokens = ps.Run("Get-PveSession | Get-PveApiToken -UserId ci@pve");
        PsResult versions = ps.Run("Get-PveSession | Invoke-PveRestMethod -Path /version");
        PsResult tested = ps.Run("Get-PveSession | Test-PveApiToken -ApiToken $t -Quiet", new() { ["t"] = Rel });
        PsResult withoutToken = ps.Run("$piped | Test-PveApiToken", new() { ["piped"] = sa });

        tokens.AssertNoErrors();
        Assert.Equal(new[] { "backup" }, tokens.Objects<PveApiToken>().Where(t => t.Session == sa).Select(t => t.TokenId));
        Assert.Equal(new[] { "backup", "only-on-b" }, tokens.Objects<PveApiToken>().Where(t => t.Session == sb).Select(t => t.TokenId).Order());
        versions.AssertNoErrors();
        Assert.Equal(new[] { "9.2.0", "8.4.1" }, versions.Output.Select(v => v.Properties["version"].Value));
        tested.AssertNoErrors();
        Assert.Equal(new object[] { true, true }, tested.Output.Select(o => o.BaseObject));

        // Without -ApiToken a piped session is still the session, not a malformed token (the token would come from PMPROXY_TOKEN).
        Assert.DoesNotContain(withoutToken.ErrorIds, id => id.StartsWith("InvalidApiToken", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoDefault_connects_without_changing_who_later_commands_act_as()
    {
        await using EmulatorHost host = await StartSeededAsync();
        string probeSecret = host.State.AddToken("ci@pve", "probe", privsep: true);
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));

        PsResult first = ps.Run(Connect + " -NoDefault -Verbose", Emulators.Vars(host, ("token", "ci@pve!probe=" + probeSecret)));
        PveSession alone = first.Single<PveSession>();
        Assert.False(alone.IsDefault);
        Assert.Contains(first.Verbose, v => v.Contains("there is none", StringComparison.Ordinal));
        Assert.Equal("NoSession,PveTokens.Tests.Cmdlets.TestPveGetCommand", Assert.Single(ps.Run("Test-PveGet").ErrorIds));

        PveSession admin = ConnectToken(ps, host, Rel);
        PsResult probe = ps.Run(Connect + " -NoDefault -Verbose", Emulators.Vars(host, ("token", "ci@pve!probe=" + probeSecret)));
        Assert.Same(alone, probe.Single<PveSession>());
        Assert.Contains(probe.Verbose, v => v.Contains("the default stays root@pam!rel", StringComparison.Ordinal));

        host.ClearRequestLog();
        ps.Run("Test-PveGet").AssertNoErrors();
        Assert.Equal("root@pam!rel", Assert.Single(host.RequestLog).AuthId);
        Assert.True(admin.IsDefault);
        Assert.False(alone.IsDefault);
        Assert.Equal(new[] { true, false }, ps.Run("Get-PveSession").Objects<PveSession>().OrderBy(s => s.Identity == "ci@pve!probe").Select(s => s.IsDefault));
    }

    [Fact]
    public async Task Set_PveSession_chooses_the_default_and_the_table_shows_it()
    {
        await using EmulatorHost host = await StartSeededAsync();
        string other = host.State.AddToken("root@pam", "other", privsep: false);
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));
        PveSession first = ConnectToken(ps, host, Rel);
        PveSession second = ConnectToken(ps, host, "root@pam!other=" + other, "-NoDefault");

        ps.Run("$s | Set-PveSession -Default -WhatIf", new() { ["s"] = second }).AssertNoErrors();
        Assert.True(first.IsDefault);

        PsResult chosen = ps.Run("$s | Set-PveSession -Default -PassThru -Verbose", new() { ["s"] = second });
        chosen.AssertNoErrors();
        Assert.Same(second, chosen.Single<PveSession>());
        Assert.Contains(chosen.Verbose, v => v.Contains("The default session is root@pam!other", StringComparison.Ordinal));
        Assert.True(second.IsDefault);
        Assert.False(first.IsDefault);
        host.ClearRequestLog();
        ps.Run("Test-PveGet").AssertNoErrors();
        Assert.Equal("root@pam!other", Assert.Single(host.RequestLog).AuthId);

        string table = ps.Run("Get-PveSession | Format-Table | Out-String -Width 300").Output.Single().ToString();
        string[] lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.EndsWith("IsDefault", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.EndsWith("True", StringComparison.Ordinal) && l.Contains("root@pam!other", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("False", StringComparison.Ordinal) && l.Contains("root@pam!rel", StringComparison.Ordinal));
        Assert.Equal("root@pam!other", ps.Run("(Get-PveSession | Where-Object IsDefault).Identity").Output.Single().ToString());

        // Handing the default back, and the previous default takes over on disconnect too.
        ps.Run("Set-PveSession -Session $s -Default:$false", new() { ["s"] = second }).AssertNoErrors();
        Assert.True(first.IsDefault);
        ps.Run("Set-PveSession $s -Default", new() { ["s"] = second }).AssertNoErrors();
        ps.Run("Disconnect-PveServer").AssertNoErrors();
        Assert.False(second.IsOpen);
        Assert.True(first.IsDefault);

        PsResult closed = ps.Run("Set-PveSession $s -Default", new() { ["s"] = second });
        Assert.StartsWith("SessionClosed,", Assert.Single(closed.ErrorIds), StringComparison.Ordinal);
        using var elsewhere = new PowerShellHost();
        PsResult foreign = elsewhere.Run("Set-PveSession $s -Default", new() { ["s"] = first });
        Assert.StartsWith("SessionNotInRunspace,", Assert.Single(foreign.ErrorIds), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disconnected_default_never_hands_over_to_a_NoDefault_session()
    {
        await using EmulatorHost host = await StartSeededAsync();
        string probe = host.State.AddToken("root@pam", "probe", privsep: false);
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));
        PveSession admin = ConnectToken(ps, host, Rel);
        PveSession tried = ConnectToken(ps, host, "root@pam!probe=" + probe, "-NoDefault");

        ps.Run("Disconnect-PveServer -Session $s", new() { ["s"] = admin }).AssertNoErrors();

        Assert.False(tried.IsDefault);
        Assert.Empty(ps.Run("Get-PveSession -Default").Output);
        Assert.Equal("NoSession,PveTokens.Tests.Cmdlets.TestPveGetCommand", Assert.Single(ps.Run("Test-PveGet").ErrorIds));
    }

    [Fact]
    public async Task Connecting_again_as_the_same_identity_continues_the_session()
    {
        await using EmulatorHost host = await StartSeededAsync();
        string secret = host.State.AddToken("root@pam", "ci", privsep: false);
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));
        PveSession ci = ConnectToken(ps, host, "root@pam!ci=" + secret);
        PveSession rel = ConnectToken(ps, host, Rel);

        // The token's secret is rotated: the old one no longer works, the session is connected again with the new one.
        PsResult reset = ps.Run("Reset-PveApiToken -UserId root@pam -TokenId ci -Confirm:$false");
        reset.AssertNoErrors();
        string rotated = reset.Single<PveApiTokenSecret>().GetPlainTextSecret();
        Assert.StartsWith("AuthenticationFailed,", Assert.Single(ps.Run("Test-PveGet -Session $s", new() { ["s"] = ci }).ErrorIds), StringComparison.Ordinal);

        PsResult again = ps.Run("Connect-PveServer -PassThru -Server $url -ApiToken $token -SkipCertificateCheck -Verbose -WarningAction SilentlyContinue",
            Emulators.Vars(host, ("token", "root@pam!ci=" + rotated)));
        again.AssertNoErrors();
        Assert.Same(ci, again.Single<PveSession>());
        Assert.Contains(again.Verbose, v => v.Contains("Connected again as root@pam!ci", StringComparison.Ordinal));
        Assert.Equal(PveCertificatePolicy.Skip, ci.CertificatePolicy);
        Assert.True(ci.IsDefault);
        ps.Run("Test-PveGet -Session $s", new() { ["s"] = ci }).AssertNoErrors();
        Assert.Equal(new[] { ci, rel }, ps.Run("Get-PveSession").Objects<PveSession>());

        // Another identity, or the same user by another method, is another session.
        PsResult login = ps.Run("Connect-PveServer -PassThru -Server $url -Credential $cred -CertificateThumbprint $fp",
            Emulators.Vars(host, ("cred", new PSCredential("root@pam", TestSecrets.Secure(Emulators.RootPassword)))));
        login.AssertNoErrors();
        Assert.Equal(3, ps.Run("Get-PveSession").Objects<PveSession>().Count);

        // A failed connect leaves the open session as it was.
        PsResult wrong = ps.Run(Connect + " -MaximumRetryCount 0", Emulators.Vars(host, ("token", "root@pam!ci=00000000-0000-4000-8000-000000000000")));
        Assert.NotEmpty(wrong.Errors);
        Assert.True(ci.IsOpen);
        ps.Run("Test-PveGet -Session $s", new() { ["s"] = ci }).AssertNoErrors();
    }

    [Fact]
    public async Task The_version_is_read_again_after_a_ticket_renewal_and_a_repeated_connect()
    {
        await using EmulatorHost host = await StartSeededAsync(o =>
        {
            o.PveVersion = "9.1.5";
            o.TicketLifetimeSeconds = 2;
        });
        using var ps = new PowerShellHost(typeof(TestPveGetCommand));
        PsResult login = ps.Run("Connect-PveServer -PassThru -Server $url -Credential $cred -CertificateThumbprint $fp",
            Emulators.Vars(host, ("cred", new PSCredential("root@pam", TestSecrets.Secure(Emulators.RootPassword)))));
        PveSession ticket = login.Single<PveSession>();
        PveSession token = ConnectToken(ps, host, Rel);
        Assert.Equal("9.1.5", ticket.Version);

        host.State.UpgradeTo("9.2.0");
        await Task.Delay(3500);
        PsResult after = ps.Run("Test-PveGet -Session $s -Verbose", new() { ["s"] = ticket });

        after.AssertNoErrors();
        Assert.Equal("9.2.0", ticket.Version);
        Assert.Equal("9.2", ticket.Release);
        Assert.Contains(after.Verbose, v => v.Contains("now runs pve-manager 9.2.0 (it ran 9.1.5)", StringComparison.Ordinal));

        Assert.Equal("9.1.5", token.Version);
        ConnectToken(ps, host, Rel);
        Assert.Equal("9.2.0", token.Version);
    }
}
