using System.Management.Automation;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;
using PveTokens.Tests.Tokens;

namespace PveTokens.Tests.Audit;

/// <summary>Get-PveApiTokenAudit against the emulator: each finding, its remediation, the request count, exports.</summary>
public sealed class AuditCmdletTests
{
    private const string CmdletId = "PveTokens.Commands.GetPveApiTokenAuditCommand";

    private static Task<TokenTestContext> StartAsync(string version = "9.2.0") =>
        TokenTestContext.StartAsync(version, AuditFixture.Seed, standardSeed: false);

    private static string[] Describe(PsResult r) =>
        r.Objects<PveApiTokenAuditFinding>().Select(f => $"{f.Severity} {f.Finding} {f.FullTokenId}").ToArray();

    [Theory]
    [InlineData("9.2.0")]
    [InlineData("8.4.1")]
    public async Task Finds_every_problem_of_the_fixture_sorted_by_severity(string version)
    {
        await using TokenTestContext t = await StartAsync(version);

        PsResult r = t.Run("Get-PveApiTokenAudit");

        r.AssertNoErrors();
        string[] found = Describe(r);
        Assert.Equal(AuditFixture.Expected.OrderBy(s => s, StringComparer.Ordinal), found.OrderBy(s => s, StringComparer.Ordinal));
        PveApiTokenAuditSeverity[] severities = r.Objects<PveApiTokenAuditFinding>().Select(f => f.Severity).ToArray();
        Assert.Equal(severities.OrderByDescending(s => s), severities);
    }

    [Fact]
    public async Task Costs_two_requests_plus_one_permission_look_up_per_token_with_a_possibly_broad_entry_on_root()
    {
        await using TokenTestContext t = await StartAsync();

        t.Run("Get-PveApiTokenAudit").AssertNoErrors();

        IReadOnlyList<string> calls = t.Calls;
        Assert.Equal(new[] { "GET /access/users", "GET /access/acl" }, calls.Take(2));
        Assert.Equal(2 + 4, calls.Count);
        Assert.All(calls.Skip(2), c => Assert.Equal("GET /access/permissions", c));
        Assert.Equal(new[] { "full" }, t.Requests[0].ParameterNames);
        string[] lookedUp = t.Requests.Skip(2).Select(e => string.Join(",", e.ParameterNames.OrderBy(n => n, StringComparer.Ordinal))).Distinct().ToArray();
        Assert.Equal(new[] { "path,userid" }, lookedUp);
    }

    [Fact]
    public async Task A_clean_token_costs_exactly_two_requests_and_yields_nothing()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult r = t.Run("Get-PveApiTokenAudit -UserId ci@pve -TokenId backup");

        r.AssertNoErrors();
        Assert.Empty(r.Output);
        Assert.Equal(new[] { "GET /access/users", "GET /access/acl" }, t.Calls);
    }

    [Fact]
    public async Task A_narrow_role_on_root_needs_no_look_up()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult r = t.Run("Get-PveApiTokenAudit -UserId ci@pve -TokenId forever");

        Assert.Equal(new[] { "Medium NeverExpires ci@pve!forever" }, Describe(r));
        Assert.Equal(2, t.Calls.Count);
    }

    [Fact]
    public async Task A_privilege_separated_token_with_administrator_on_root_is_broad_only_if_its_user_is()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult wannabe = t.Run("Get-PveApiTokenAudit -UserId ci@pve -TokenId wannabe");
        Assert.Empty(wannabe.Output);
        Assert.Equal(3, t.Calls.Count);

        t.ClearLog();
        PsResult sep = t.Run("Get-PveApiTokenAudit -UserId ops@pve -TokenId sepadmin");
        PveApiTokenAuditFinding f = Assert.Single(sep.Objects<PveApiTokenAuditFinding>());
        Assert.Equal(PveApiTokenAuditFindingKind.BroadRights, f.Finding);
        Assert.Contains("Permissions.Modify", f.Detail);
        Assert.Contains("propagated to every path", f.Detail);
        Assert.Equal("Remove-PveAcl -Path '/' -TokenId 'ops@pve!sepadmin' -Role 'Administrator'", f.Remediation);
    }

    [Fact]
    public async Task Broad_rights_without_privilege_separation_come_from_the_users_groups()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult r = t.Run("Get-PveApiTokenAudit -UserId ops@pve -TokenId full");

        PveApiTokenAuditFinding broad = Assert.Single(r.Objects<PveApiTokenAuditFinding>(), f => f.Finding == PveApiTokenAuditFindingKind.BroadRights);
        Assert.Contains("group admins", broad.Detail);
        Assert.Equal("Update-PveApiToken -UserId 'ops@pve' -TokenId 'full' -PrivilegeSeparation $true", broad.Remediation);
    }

    [Fact]
    public async Task A_custom_role_is_looked_up_and_a_non_propagated_privilege_still_counts()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult r = t.Run("Get-PveApiTokenAudit -UserId ops@pve -TokenId custom");

        PveApiTokenAuditFinding f = Assert.Single(r.Objects<PveApiTokenAuditFinding>());
        Assert.Equal(PveApiTokenAuditSeverity.High, f.Severity);
        Assert.Contains("User.Modify on / (not propagated)", f.Detail);
        Assert.DoesNotContain("Permissions.Modify", f.Detail);
    }

    [Fact]
    public async Task Each_finding_has_a_remediation_that_names_the_token_quoted()
    {
        await using TokenTestContext t = await StartAsync();

        PveApiTokenAuditFinding[] all = t.Run("Get-PveApiTokenAudit").Objects<PveApiTokenAuditFinding>().ToArray();

        string Remedy(PveApiTokenAuditFindingKind kind, string id) => all.Single(f => f.Finding == kind && f.FullTokenId == id).Remediation;
        Assert.Equal("Update-PveApiToken -UserId 'ci@pve' -TokenId 'forever' -ExpiresIn (New-TimeSpan -Days 90)", Remedy(PveApiTokenAuditFindingKind.NeverExpires, "ci@pve!forever"));
        Assert.Equal("Update-PveApiToken -UserId 'ci@pve' -TokenId 'soon' -ExpiresIn (New-TimeSpan -Days 90)", Remedy(PveApiTokenAuditFindingKind.ExpiringSoon, "ci@pve!soon"));
        Assert.Equal("Remove-PveApiToken -UserId 'alice@pve' -TokenId 'old'", Remedy(PveApiTokenAuditFindingKind.Expired, "alice@pve!old"));
        Assert.Equal("Remove-PveApiToken -UserId 'bob@pve' -TokenId 'dead'", Remedy(PveApiTokenAuditFindingKind.OutlivesUser, "bob@pve!dead"));
        Assert.Equal("Remove-PveApiToken -UserId 'carol@pve' -TokenId 'ghost'", Remedy(PveApiTokenAuditFindingKind.OutlivesUser, "carol@pve!ghost"));
        Assert.Matches(@"^Update-PveApiToken -UserId 'alice@pve' -TokenId 'later' -ExpiresAt \(\[datetime\]'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ'\)$",
            Remedy(PveApiTokenAuditFindingKind.OutlivesUser, "alice@pve!later"));
        Assert.Equal("Update-PveApiToken -UserId 'ops@pve' -TokenId 'full' -PrivilegeSeparation $true", Remedy(PveApiTokenAuditFindingKind.PrivilegeSeparationOff, "ops@pve!full"));
        Assert.Equal("Remove-PveApiToken -UserId 'ci@pve' -TokenId 'idle'", Remedy(PveApiTokenAuditFindingKind.NoAclEntry, "ci@pve!idle"));
        Assert.Equal("Remove-PveApiToken -UserId 'root@pam' -TokenId 'rootfull'", Remedy(PveApiTokenAuditFindingKind.RootToken, "root@pam!rootfull"));
    }

    [Fact]
    public async Task The_remediations_run()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult r = t.Run(
            "$f = Get-PveApiTokenAudit | Where-Object { $_.Finding -in 'NeverExpires', 'ExpiringSoon', 'PrivilegeSeparationOff' -or ($_.Finding -eq 'OutlivesUser' -and $_.Remediation -like 'Update-*') -or $_.Finding -eq 'BroadRights' }; " +
            "foreach ($x in $f) { Invoke-Expression ($x.Remediation + ' -Confirm:$false') }; Get-PveApiTokenAudit");

        r.AssertNoErrors();
        string[] left = Describe(r);
        Assert.DoesNotContain(left, s => s.Contains("NeverExpires") || s.Contains("BroadRights") || s.Contains("PrivilegeSeparationOff"));
        Assert.DoesNotContain("Medium ExpiringSoon ci@pve!soon", left);
        Assert.DoesNotContain("Low OutlivesUser alice@pve!later", left);

        // Turning privilege separation on leaves ops@pve!full with no entry of its own: now it can do nothing.
        Assert.Contains("Info NoAclEntry ops@pve!full", left);
    }

    [Fact]
    public async Task ExpiringWithin_widens_the_window()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult r = t.Run("Get-PveApiTokenAudit -UserId ci@pve -ExpiringWithin (New-TimeSpan -Days 365) | Where-Object Finding -EQ ExpiringSoon");

        Assert.Equal(new[] { "backup", "idle", "soon", "wannabe" }, r.Objects<PveApiTokenAuditFinding>().Select(f => f.TokenId).OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_non_positive_span_is_refused_before_any_request()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult r = t.Run("Get-PveApiTokenAudit -ExpiringWithin 0");

        r.SingleError("InvalidExpiringWithin," + CmdletId);
        Assert.Empty(t.Calls);
    }

    [Fact]
    public async Task Summary_counts_findings_per_severity()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult r = t.Run("Get-PveApiTokenAudit -Summary");

        r.AssertNoErrors();
        PveApiTokenAuditSummary[] rows = r.Objects<PveApiTokenAuditSummary>().ToArray();
        Assert.Equal(new[] { "Critical", "High", "Medium", "Low", "Info" }, rows.Select(x => x.Severity.ToString()));
        Assert.Equal(new[] { 1, 4, 5, 4, 1 }, rows.Select(x => x.Count));
        Assert.Equal(4, rows[1].TokenCount);
        Assert.Equal("RootToken: 1, BroadRights: 3", rows[1].Findings);
        Assert.All(rows, x => Assert.Equal(t.Host.Url.Authority, x.Server));
    }

    [Fact]
    public async Task The_table_view_groups_by_severity()
    {
        await using TokenTestContext t = await StartAsync();

        string text = t.Ps.Render("Get-PveApiTokenAudit | Format-Table");

        int critical = text.IndexOf("Severity: Critical", StringComparison.Ordinal);
        int high = text.IndexOf("Severity: High", StringComparison.Ordinal);
        int info = text.IndexOf("Severity: Info", StringComparison.Ordinal);
        Assert.True(critical >= 0 && critical < high && high < info, text);
        Assert.Equal(1, CountOf(text, "Severity: High"));
        Assert.Contains("root@pam!rootfull", text);
    }

    [Fact]
    public async Task Findings_export_flat_to_csv_and_json()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult csv = t.Run("Get-PveApiTokenAudit -UserId ci@pve -TokenId idle | ConvertTo-Csv -NoTypeInformation");
        PsResult json = t.Run("Get-PveApiTokenAudit -UserId ci@pve -TokenId idle | ConvertTo-Json -EnumsAsStrings");

        string[] lines = csv.Output.Select(o => o.ToString()).ToArray();
        Assert.Equal("\"Severity\",\"Finding\",\"FullTokenId\",\"UserId\",\"TokenId\",\"PrivilegeSeparation\",\"ExpiresAt\",\"Detail\",\"Remediation\",\"Server\"", lines[0]);
        Assert.StartsWith("\"Info\",\"NoAclEntry\",\"ci@pve!idle\",\"ci@pve\",\"idle\",\"True\",", lines[1]);
        string text = string.Join("\n", json.Output.Select(o => o.ToString()));
        Assert.Contains("\"Severity\": \"Info\"", text);
        Assert.Contains("\"Remediation\": \"Remove-PveApiToken -UserId 'ci@pve' -TokenId 'idle'\"", text);
        Assert.DoesNotContain("Session", text);
    }

    [Fact]
    public async Task Findings_pipe_into_the_token_cmdlets_by_property_name()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult r = t.Run("Get-PveApiTokenAudit | Where-Object Finding -EQ Expired | Remove-PveApiToken -Confirm:$false");

        r.AssertNoErrors();
        Assert.False(t.State.TokenExists("alice@pve", "old"));
        Assert.True(t.State.TokenExists("alice@pve", "later"));
    }

    [Fact]
    public async Task Wildcards_select_users_and_tokens()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult r = t.Run("Get-PveApiTokenAudit -UserId 'ROOT*' -TokenId '*sep'");

        Assert.Equal(new[] { "High RootToken root@pam!rootsep" }, Describe(r));
    }

    [Fact]
    public async Task A_full_token_id_selects_that_token()
    {
        await using TokenTestContext t = await StartAsync();

        PsResult r = t.Run("Get-PveApiTokenAudit -TokenId 'ci@pve!idle'");

        Assert.Equal(new[] { "Info NoAclEntry ci@pve!idle" }, Describe(r));
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
