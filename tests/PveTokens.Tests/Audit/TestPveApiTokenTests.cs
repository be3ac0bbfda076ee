using System.Management.Automation;
using PveEmulator;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;
using PveTokens.Tests.Tokens;

namespace PveTokens.Tests.Audit;

/// <summary>Test-PveApiToken against both emulated version styles: every authentication outcome, privileges, inputs, hygiene.</summary>
public sealed class TestPveApiTokenTests
{
    private const string CmdletId = "PveTokens.Commands.TestPveApiTokenCommand";
    private const string GoodSecret = "0b7d2c4e-6f8a-4b1c-9d3e-5a7f9c1e3b5d";
    private const string OtherSecret = "11111111-2222-4333-8444-555555555555";
    private const string ExpiredSecret = "2c4e6a8b-0d1f-4a3c-8e5b-7d9f1b3d5f7a";
    private const string BobSecret = "3d5f7b9c-1e2a-4b4d-9f6c-8e0a2c4e6b8d";
    private const string CarolSecret = "4e6a8c0d-2f3b-4c5e-8a7d-9f1b3d5f7a9c";

    private static void Seed(EmulatorState s)
    {
        s.AddUser("ci@pve", "Ci-Pass-1");
        s.AddUser("bob@pve", "Bob-Pass-1", enable: false);
        s.AddUser("carol@pve", "Carol-Pass-1", expire: 1700000000);
        s.AddAcl("/vms", "PVEVMAdmin", user: "ci@pve");
        s.AddAcl("/pool/x", "PVEAdmin", user: "ci@pve");
        s.AddToken("ci@pve", "good", secret: GoodSecret);
        s.AddAcl("/vms/100", "PVEVMUser", token: "ci@pve!good");
        s.AddAcl("/pool/x", "PVEAuditor", token: "ci@pve!good");
        s.AddToken("ci@pve", "expired", expire: 1700000000, secret: ExpiredSecret);
        s.AddToken("bob@pve", "tok", secret: BobSecret);
        s.AddToken("carol@pve", "tok", secret: CarolSecret);
    }

    private static Task<TokenTestContext> StartAsync(string version) => TokenTestContext.StartAsync(version, Seed, standardSeed: false);

    public static IEnumerable<object[]> Outcomes()
    {
        var cases = new (string Token, PveApiTokenTestReason Reason)[]
        {
            ("ci@pve!good=" + GoodSecret, PveApiTokenTestReason.Authenticated),
            ("ci@pve!good=" + OtherSecret, PveApiTokenTestReason.WrongSecret),
            ("ci@pve!nope=" + GoodSecret, PveApiTokenTestReason.UnknownToken),
            ("ci@pve!expired=" + ExpiredSecret, PveApiTokenTestReason.TokenExpired),
            ("bob@pve!tok=" + BobSecret, PveApiTokenTestReason.UserDisabled),
            ("carol@pve!tok=" + CarolSecret, PveApiTokenTestReason.UserExpired),
            ("nobody@pve!tok=" + GoodSecret, PveApiTokenTestReason.UnknownUser),
        };
        foreach (string version in new[] { "9.2.0", "8.4.1" })
        {
            foreach ((string token, PveApiTokenTestReason reason) in cases)
            {
                yield return new object[] { version, token, reason };
            }
        }
    }

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task Tells_why_with_an_admin_session_to_the_same_server(string version, string token, PveApiTokenTestReason reason)
    {
        await using TokenTestContext t = await StartAsync(version);

        PsResult r = t.Run("Test-PveApiToken -ApiToken $tok", ("tok", token));

        r.AssertNoErrors();
        PveApiTokenTestResult result = r.Single<PveApiTokenTestResult>();
        Assert.Equal(reason, result.Reason);
        Assert.Equal(reason == PveApiTokenTestReason.Authenticated, result.Authenticated);
        Assert.Equal(result.Authenticated, result.Passed);
        Assert.Equal(version, result.ServerVersion);
        Assert.Equal(token.Substring(0, token.IndexOf('=')), result.FullTokenId);
        PveApiTokenTestReasonSource source = reason == PveApiTokenTestReason.Authenticated ? PveApiTokenTestReasonSource.None
            : version == "8.4.1" ? PveApiTokenTestReasonSource.Server : PveApiTokenTestReasonSource.SessionMetadata;
        Assert.Equal(source, result.ReasonSource);

        // The token's own request, plus one users listing through the session only where the server does not say why.
        string[] expected = source == PveApiTokenTestReasonSource.SessionMetadata
            ? new[] { "GET /version", "GET /access/users" }
            : new[] { "GET /version" };
        Assert.Equal(expected, t.Calls);
        Assert.Equal("token", t.Requests[0].AuthKind);
    }

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task Without_a_session_says_what_the_server_says(string version, string token, PveApiTokenTestReason reason)
    {
        await using TokenTestContext t = await StartAsync(version);
        t.Run("Get-PveSession | Disconnect-PveServer").AssertNoErrors();

        PsResult r = t.Run("Test-PveApiToken -ApiToken $tok -Server $url -CertificateThumbprint $fp", ("tok", token));

        r.AssertNoErrors();
        PveApiTokenTestResult result = r.Single<PveApiTokenTestResult>();
        bool unified = version == "9.2.0" && reason != PveApiTokenTestReason.Authenticated;
        Assert.Equal(unified ? PveApiTokenTestReason.Unknown : reason, result.Reason);
        if (unified)
        {
            Assert.Equal(PveApiTokenTestReasonSource.None, result.ReasonSource);
            Assert.Contains("unknown (server does not say)", result.Message);
            Assert.Null(result.ServerVersion);
        }
        else if (reason != PveApiTokenTestReason.Authenticated)
        {
            Assert.Equal(PveApiTokenTestReasonSource.Server, result.ReasonSource);
            Assert.Contains(". PVE: 401 ", result.Message);
        }

        Assert.Equal(new[] { "GET /version" }, t.Calls);
    }

    [Theory]
    [InlineData("9.2.0")]
    [InlineData("8.4.1")]
    public async Task Checks_privileges_on_a_vm_path_the_token_holds_nothing_above(string version)
    {
        await using TokenTestContext t = await StartAsync(version);

        PsResult r = t.Run("Test-PveApiToken -ApiToken $tok -Path /vms/100 -Privilege VM.PowerMgmt, VM.Snapshot, vm.audit",
            ("tok", "ci@pve!good=" + GoodSecret));

        r.AssertNoErrors();
        PveApiTokenTestResult result = r.Single<PveApiTokenTestResult>();
        Assert.True(result.Authenticated);
        Assert.False(result.Passed);
        Assert.Equal(new[] { "VM.Snapshot" }, result.MissingPrivileges);
        Assert.Equal(new[] { "/vms/100 VM.PowerMgmt granted", "/vms/100 VM.Snapshot missing", "/vms/100 VM.Audit granted" },
            result.Privileges.Select(p => p.ToString()));
        // The token asks for its own rights; the admin session then reads why VM.Snapshot is missing.
        Assert.Equal(new[] { "GET /version", "GET /access/roles", "GET /access/permissions", "GET /access/users", "GET /access/acl", "GET /access/roles" }, t.Calls);
        Assert.Equal(new[] { "path" }, t.Requests[2].ParameterNames);
        Assert.All(t.Requests.Take(3), e => Assert.Equal("ci@pve!good", e.AuthId));
        Assert.All(t.Requests.Skip(3), e => Assert.Equal("root@pam", e.AuthId));
        Assert.EndsWith("No ACL entry grants VM.Snapshot on /vms/100 to the token itself (its user has it): grant it with Set-PveAcl -TokenId 'ci@pve!good'.", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9.2.0")]
    [InlineData("8.4.1")]
    public async Task Checks_each_privilege_only_on_its_own_path_and_names_every_missing_pair(string version)
    {
        // The real preflight: VM.PowerMgmt on /vms/100 and Pool.Audit on /pool/x, not every privilege everywhere.
        await using TokenTestContext t = await StartAsync(version);

        PsResult r = t.Run("Test-PveApiToken -ApiToken $tok -Requirement ([ordered]@{ '/vms/100' = 'VM.PowerMgmt', 'VM.Snapshot'; '/pool/x' = 'Pool.Audit'; '/storage/backup' = 'Datastore.AllocateSpace' })",
            ("tok", "ci@pve!good=" + GoodSecret));

        r.AssertNoErrors();
        PveApiTokenTestResult result = r.Single<PveApiTokenTestResult>();
        Assert.False(result.Passed);
        Assert.Equal(new[] { "/vms/100 VM.PowerMgmt granted", "/vms/100 VM.Snapshot missing", "/pool/x Pool.Audit granted", "/storage/backup Datastore.AllocateSpace missing" },
            result.Privileges.Select(p => p.ToString()));
        Assert.Equal(new[] { ("/vms/100", "VM.Snapshot"), ("/storage/backup", "Datastore.AllocateSpace") }, result.Missing.Select(m => (m.Path, m.Privilege)));
        Assert.Equal(new[] { "VM.Snapshot", "Datastore.AllocateSpace" }, result.MissingPrivileges);
        // The roles are read once to refuse a privilege the server does not know before asking for any
        // path; the admin session then reads users, ACL and roles once to tell who lacks what.
        Assert.Equal(new[] { "GET /version", "GET /access/roles", "GET /access/permissions", "GET /access/permissions", "GET /access/permissions",
            "GET /access/users", "GET /access/acl", "GET /access/roles" }, t.Calls);
        Assert.Equal(
            "The token ci@pve!good authenticates on " + result.Server + ". It lacks 2 of the 4 privileges asked about (Missing names each path and privilege). " +
            "Its user ci@pve lacks Datastore.AllocateSpace on /storage/backup, and a token with privilege separation never holds more than its user: grant it to ci@pve too. " +
            "No ACL entry grants VM.Snapshot on /vms/100 to the token itself (its user has it): grant it with Set-PveAcl -TokenId 'ci@pve!good'.",
            result.Message);

        string table = t.Ps.Render("$r", new() { ["r"] = result });
        Assert.Matches(@"FullTokenId\s+Server\s+Passed\s+Reason\s+ServerVersion\s+Missing", table);
        Assert.Contains("FAIL", table, StringComparison.Ordinal);
        Assert.Contains("VM.Snapshot on /vms/100, Datastore.AllocateSpace on /storage/backup", table, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "Its user dev@pve lacks VM.PowerMgmt on /vms/100, and a token with privilege separation never holds more than its user: grant it to dev@pve too.")]
    [InlineData(false, "dev@pve!wide has no privilege separation, so it has exactly the rights of its user dev@pve (ACL entries naming the token are ignored): grant VM.PowerMgmt on /vms/100 to dev@pve.")]
    public async Task Says_whether_the_token_or_its_user_lacks_a_privilege_the_token_was_granted(bool privilegeSeparation, string expected)
    {
        // The classic surprise: PVEVMUser granted to the token on /vms/100, yet VM.PowerMgmt is missing.
        await using TokenTestContext t = await StartAsync("9.2.0");
        const string Secret = "5e7a9c1d-3f5b-4d7e-9a1c-3e5f7a9c1d3f";
        t.State.AddUser("dev@pve", "Dev-Pass-1");
        t.State.AddToken("dev@pve", "wide", privsep: privilegeSeparation, secret: Secret);
        t.State.AddAcl("/vms/100", "PVEVMUser", token: "dev@pve!wide");

        PsResult r = t.Run("Test-PveApiToken -ApiToken $tok -Requirement @{ '/vms/100' = 'VM.PowerMgmt' }", ("tok", "dev@pve!wide=" + Secret));

        r.AssertNoErrors();
        PveApiTokenTestResult result = r.Single<PveApiTokenTestResult>();

        Assert.False(result.Passed);
        Assert.EndsWith(" It lacks the privilege asked about (Missing names each path and privilege). " + expected, result.Message, StringComparison.Ordinal);

        // -Quiet answers $false without reading why.
        t.ClearLog();
        PsResult quiet = t.Run("Test-PveApiToken -ApiToken $tok -Requirement @{ '/vms/100' = 'VM.PowerMgmt' } -Quiet", ("tok", "dev@pve!wide=" + Secret));
        Assert.Equal(false, Assert.Single(quiet.Output).BaseObject);
        Assert.DoesNotContain("GET /access/acl", t.Calls);
    }

    [Fact]
    public async Task Without_a_session_that_sees_the_ACL_it_states_the_rule_and_how_to_learn_more()
    {
        await using TokenTestContext t = await StartAsync("9.2.0");
        const string Rule = "A token with privilege separation (the default) holds a privilege only where both its own ACL entries and its user's rights grant it.";

        PveApiTokenTestResult alone = t.Run(
            "Get-PveSession | Disconnect-PveServer; Test-PveApiToken -Server $url -CertificateThumbprint $fp -ApiToken $tok -Requirement @{ '/storage/backup' = 'Datastore.AllocateSpace' }",
            ("tok", "ci@pve!good=" + GoodSecret)).Single<PveApiTokenTestResult>();
        Assert.EndsWith(Rule + " Connect a session with Sys.Audit on /access to this server (Connect-PveServer) and test again to learn which one lacks it.", alone.Message, StringComparison.Ordinal);

        // A session that sees only part of the ACL would blame the wrong side: it says so instead.
        t.Run("$null = Connect-PveServer -Server $url -Credential $cred -CertificateThumbprint $fp",
            ("cred", new PSCredential("ci@pve", TestSecrets.Secure("Ci-Pass-1")))).AssertNoErrors();
        PveApiTokenTestResult partial = t.Run("Test-PveApiToken -ApiToken $tok -Requirement @{ '/storage/backup' = 'Datastore.AllocateSpace' }", ("tok", "ci@pve!good=" + GoodSecret)).Single<PveApiTokenTestResult>();
        Assert.EndsWith(Rule + " The session ci@pve lacks Sys.Audit on /access (e.g. the PVEAuditor role on /access), so it cannot tell which one lacks it.", partial.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Takes_requirements_as_objects_with_Path_and_Privilege_and_passes_when_each_is_held()
    {
        await using TokenTestContext t = await StartAsync("9.2.0");

        PsResult r = t.Run(
            "$need = 'Path,Privilege', '/vms/100,VM.PowerMgmt', '/pool/x,Pool.Audit', '/vms/100,vm.audit' | ConvertFrom-Csv; " +
            "Test-PveApiToken -ApiToken $tok -Requirement $need, @{ '/pool/x' = @('Pool.Audit') }",
            ("tok", "ci@pve!good=" + GoodSecret));

        r.AssertNoErrors();
        PveApiTokenTestResult result = r.Single<PveApiTokenTestResult>();
        Assert.True(result.Passed);
        Assert.Empty(result.Missing);
        Assert.Equal(new[] { "/vms/100 VM.PowerMgmt granted", "/vms/100 VM.Audit granted", "/pool/x Pool.Audit granted" }, result.Privileges.Select(p => p.ToString()));
        Assert.Contains("Pass", t.Ps.Render("$r", new() { ["r"] = result }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_missing_pairs_of_one_result_are_the_requirements_of_the_next_test()
    {
        await using TokenTestContext t = await StartAsync("9.2.0");

        PsResult r = t.Run("$first = Test-PveApiToken -ApiToken $tok -Path /vms/100, /pool/x -Privilege VM.PowerMgmt, Pool.Audit; Test-PveApiToken -ApiToken $tok -Requirement $first.Missing",
            ("tok", "ci@pve!good=" + GoodSecret));

        r.AssertNoErrors();
        PveApiTokenTestResult second = r.Objects<PveApiTokenTestResult>().Last();
        Assert.Equal(new[] { "/vms/100 Pool.Audit missing", "/pool/x VM.PowerMgmt missing" }, second.Privileges.Select(p => p.ToString()));
    }

    [Theory]
    [InlineData("-Requirement @{ '/nope' = 'VM.Audit' }", "InvalidRequirement", "A requirement's path is not valid")]
    [InlineData("-Requirement @{ '/vms/100' = 'VM.Audit,VM.PowerMgmt' }", "InvalidRequirement", "is not one privilege name")]
    [InlineData("-Requirement @{ '/vms/100' = '' }", "InvalidRequirement", "is not one privilege name")]
    [InlineData("-Requirement @{ '/vms/100' = $tok }", "InvalidRequirement", "is not one privilege name")]
    [InlineData("-Requirement 'VM.Audit'", "InvalidRequirement", "expected a hashtable of path = privilege(s)")]
    [InlineData("-Requirement $tok", "InvalidRequirement", "-Requirement got a String")]
    [InlineData("-Requirement @{}", "InvalidRequirement", "No requirement was given")]
    // -Privilege is checked like every -Privilege of the module (InvalidPrivilege), before it becomes requirements.
    [InlineData("-Privilege 'VM.Audit VM.PowerMgmt'", "InvalidPrivilege", "is not a privilege name")]
    [InlineData("-Privilege $tok", "InvalidPrivilege", "is not a privilege name")]
    public async Task A_malformed_requirement_is_refused_before_any_request(string arguments, string errorId, string message)
    {
        await using TokenTestContext t = await StartAsync("9.2.0");

        PsResult r = t.Run("Test-PveApiToken -ApiToken $tok " + arguments, ("tok", "ci@pve!good=" + GoodSecret));

        ErrorRecord e = r.TerminatingError ?? Assert.Single(r.Errors);
        Assert.Equal(errorId + "," + CmdletId, e.FullyQualifiedErrorId);
        Assert.Contains(message, e.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(GoodSecret, e.ToString() + e.ErrorDetails.Message + e.TargetObject, StringComparison.Ordinal);
        Assert.DoesNotContain(GoodSecret, r.AllText(), StringComparison.Ordinal);
        Assert.Empty(t.Requests);
    }

    [Theory]
    [InlineData("9.2.0")]
    [InlineData("8.4.1")]
    public async Task A_pool_scoped_token_passes_its_preflight(string version)
    {
        await using TokenTestContext t = await StartAsync(version);

        PsResult r = t.Run("Test-PveApiToken -ApiToken $tok -Path /pool/x -Privilege Pool.Audit -Quiet", ("tok", "ci@pve!good=" + GoodSecret));
        PsResult root = t.Run("Test-PveApiToken -ApiToken $tok -Privilege Pool.Audit -Quiet", ("tok", "ci@pve!good=" + GoodSecret));

        r.AssertNoErrors();
        Assert.True(Assert.Single(r.Output).BaseObject is true);
        Assert.True(Assert.Single(root.Output).BaseObject is false);
    }

    [Fact]
    public async Task A_piped_token_whose_Session_is_null_uses_the_default_session()
    {
        await using TokenTestContext t = await StartAsync("9.2.0");

        PsResult r = t.Run("$tok | Add-Member -NotePropertyName Session -NotePropertyValue $null -PassThru | Test-PveApiToken -Quiet",
            ("tok", "ci@pve!good=" + GoodSecret));

        r.AssertNoErrors();
        Assert.Equal(new object[] { true }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public async Task Quiet_returns_a_bool()
    {
        await using TokenTestContext t = await StartAsync("9.2.0");

        PsResult good = t.Run("Test-PveApiToken -ApiToken $tok -Quiet", ("tok", "ci@pve!good=" + GoodSecret));
        PsResult bad = t.Run("Test-PveApiToken -ApiToken $tok -Quiet", ("tok", "ci@pve!good=" + OtherSecret));

        Assert.Equal(new object[] { true }, good.Output.Select(o => o.BaseObject));
        Assert.Equal(new object[] { false }, bad.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public async Task Takes_a_credential_a_secure_string_and_a_new_token_from_the_pipeline()
    {
        await using TokenTestContext t = await StartAsync("9.2.0");

        PsResult r = t.Run(
            "Test-PveApiToken -ApiToken ([pscredential]::new('ci@pve!good', (ConvertTo-SecureString $s -AsPlainText -Force))) -Quiet; " +
            "Test-PveApiToken -ApiToken (ConvertTo-SecureString \"ci@pve!good=$s\" -AsPlainText -Force) -Quiet; " +
            "New-PveApiToken -UserId ci@pve -TokenId fresh | Test-PveApiToken -Quiet",
            ("s", GoodSecret));

        r.AssertNoErrors();
        Assert.Equal(new object[] { true, true, true }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public async Task Leaves_no_session_behind_and_never_shows_the_secret()
    {
        await using TokenTestContext t = await StartAsync("9.2.0");

        PsResult r = t.RunVerbose(
            "Test-PveApiToken -ApiToken $good -Path /vms/100 -Privilege VM.Audit; Test-PveApiToken -ApiToken $bad; Get-PveSession",
            ("good", "ci@pve!good=" + GoodSecret), ("bad", "ci@pve!good=" + OtherSecret));

        r.AssertNoErrors();
        PveSession session = r.Single<PveSession>();
        Assert.Equal("root@pam", session.Identity);
        string text = r.AllText();
        Assert.DoesNotContain(GoodSecret, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(OtherSecret, text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ci@pve!good", text);
    }

    [Fact]
    public async Task A_malformed_token_is_refused_before_any_request()
    {
        await using TokenTestContext t = await StartAsync("9.2.0");

        PsResult r = t.Run("Test-PveApiToken -ApiToken 'ci@pve=0b7d2c4e-6f8a-4b1c-9d3e-5a7f9c1e3b5d'");

        ErrorRecord e = r.SingleError("InvalidApiToken," + CmdletId);
        Assert.DoesNotContain(GoodSecret, PsResult.Describe(e));
        Assert.Empty(t.Calls);
    }

    [Fact]
    public async Task An_unreachable_server_is_an_error_and_false_with_Quiet()
    {
        await using TokenTestContext t = await StartAsync("9.2.0");

        PsResult r = t.Run("Test-PveApiToken -ApiToken $tok -Server 127.0.0.1:1 -SkipCertificateCheck -Quiet -WarningAction SilentlyContinue",
            ("tok", "ci@pve!good=" + GoodSecret));

        r.SingleError("ConnectionRefused," + CmdletId);
        Assert.Equal(new object[] { false }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public async Task Reuses_the_sessions_certificate_pin_for_the_same_server()
    {
        await using TokenTestContext t = await StartAsync("9.2.0");

        // No -CertificateThumbprint: the emulator's self-signed certificate is trusted because the session pinned it.
        PsResult r = t.Run("Test-PveApiToken -ApiToken $tok -Server $url -Quiet", ("tok", "ci@pve!good=" + GoodSecret));

        r.AssertNoErrors();
        Assert.Equal(new object[] { true }, r.Output.Select(o => o.BaseObject));
    }
}
