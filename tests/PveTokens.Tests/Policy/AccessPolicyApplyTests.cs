using PveTokens.Tests.Reliability;
using PveTokens.Models;
using PveTokens.Tests.Acl;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Policy;

/// <summary>Invoke-PveAccessPolicy against the emulated 9.2 and 8.4: idempotent, scoped, rotation, faults, the session's own credential.</summary>
public sealed class AccessPolicyApplyTests
{
    private static readonly string Declared = """
        @{
            SchemaVersion = 1
            Scope = @{ Users = 'svc-*@pve'; Tokens = 'svc-*@pve!*'; Groups = 'svc-*'; Roles = 'Svc*'; AclPaths = '*' }
            Roles  = @( @{ Id = 'SvcDeploy'; Privileges = 'VM.Audit', 'VM.PowerMgmt' } )
            Groups = @( @{ Id = 'svc-ops'; Comment = 'operators' }, @{ Id = 'svc-ci' } )
            Users  = @(
                @{ Id = 'svc-deploy@pve'; Comment = 'deployments'; Groups = 'svc-ops', 'svc-ci' }
                @{ Id = 'svc-report@pve'; Enabled = $false; ExpiresAt = '2031-01-01T00:00:00Z' }
            )
            Tokens = @(
                @{ User = 'svc-deploy@pve'; Id = 'gitlab'; Comment = 'pipeline'; Lifetime = '90d'; RenewBefore = '14d' }
                @{ User = 'svc-report@pve'; Id = 'pbi'; PrivilegeSeparation = $false }
            )
            Acl = @(
                @{ Path = '/vms'; Roles = 'SvcDeploy', 'PVEAuditor'; Principals = '@svc-ops', 'svc-deploy@pve!gitlab' }
                @{ Path = '/storage/local'; Roles = 'PVEDatastoreUser'; Principals = 'svc-deploy@pve!gitlab'; Propagate = $false }
            )
        }
        """;

    [Theory]
    [InlineData("9.2.0")]
    [InlineData("8.4.1")]
    public async Task Apply_creates_everything_then_the_plan_is_empty_and_secrets_come_out_as_token_secret_objects(string version)
    {
        await using AclTestHost h = await PolicyTestKit.StartAsync(PolicyTestKit.SeedUnmanaged, version);
        string path = PolicyTestKit.WriteFile(Declared);
        PsResult r = h.Run("$out = Invoke-PveAccessPolicy -Path $p; $out; Get-PveAccessPlan -Path $p", new() { ["p"] = path });
        r.AssertNoErrors();
        var rows = r.Objects<PveAccessPlanChange>();
        Assert.All(rows, row => Assert.Equal(PveAccessChangeStatus.Done, row.Status));
        Assert.Equal(new[] { "svc-deploy@pve!gitlab", "svc-report@pve!pbi" }, r.Objects<PveApiTokenSecret>().Select(s => s.FullTokenId).OrderBy(x => x));
        Assert.Contains(rows, x => x.Action == PveAccessChangeAction.Create && x.ObjectType == PveAccessObjectType.Role);
        Assert.True(h.State.TokenExists("svc-deploy@pve", "gitlab"));
        Assert.Contains("/storage/local token svc-deploy@pve!gitlab PVEDatastoreUser 0", h.Acl());
        Assert.Contains("/vms group svc-ops SvcDeploy 1", h.Acl());

        // Idempotent: the second run has nothing to do and sends no write.
        int writes = h.Emulator.RequestLog.Count(e => e.Method != "GET");
        PsResult again = h.Run("Invoke-PveAccessPolicy -Path $p; Test-PveAccessPolicy -Path $p", new() { ["p"] = path });
        again.AssertNoErrors();
        Assert.Empty(again.Objects<PveAccessPlanChange>());
        Assert.True(again.Output.Single().BaseObject is true);
        Assert.Equal(writes, h.Emulator.RequestLog.Count(e => e.Method != "GET"));
    }

    [Fact]
    public async Task Nothing_outside_the_scope_changes_with_or_without_Prune()
    {
        await using AclTestHost h = await PolicyTestKit.StartAsync(s => { PolicyTestKit.SeedNonTrivial(s); PolicyTestKit.SeedUnmanaged(s); });
        IReadOnlyList<string> unmanagedAcl = h.Acl().Where(a => !a.Contains("svc-")).ToList();
        string path = PolicyTestKit.WriteFile(Declared);

        PsResult first = h.Run("Invoke-PveAccessPolicy -Path $p", new() { ["p"] = path });
        first.AssertNoErrors();
        Assert.Contains(first.Objects<PveAccessPlanChange>(), x => x.Action == PveAccessChangeAction.Remove && x.Status == PveAccessChangeStatus.Skipped);
        Assert.True(h.State.UserExists("svc-backup@pve"), "a removal ran without -Prune");
        Assert.Contains(first.Warnings, w => w.Contains("-Prune"));

        PsResult pruned = h.Run("Invoke-PveAccessPolicy -Path $p -Prune; Get-PveAccessPlan -Path $p", new() { ["p"] = path });
        pruned.AssertNoErrors();
        Assert.False(h.State.UserExists("svc-backup@pve"));
        Assert.False(h.State.UserExists("svc-mon@pve"));
        Assert.False(h.State.RoleExists("SvcBackup"));
        Assert.False(h.State.GroupExists("svc-dev"));
        Assert.DoesNotContain(pruned.Objects<PveAccessPlanChange>(), x => x.Status == PveAccessChangeStatus.Planned);

        // Unmanaged: untouched.
        Assert.True(h.State.UserExists("alice@pve"));
        Assert.True(h.State.TokenExists("alice@pve", "laptop"));
        Assert.True(h.State.GroupExists("admins"));
        Assert.True(h.State.RoleExists("HumanRole"));
        Assert.Equal(unmanagedAcl, h.Acl().Where(a => !a.Contains("svc-")).ToList());
    }

    [Fact]
    public async Task The_plan_costs_a_fixed_number_of_reads_whatever_the_size()
    {
        await using AclTestHost h = await PolicyTestKit.StartAsync(s =>
        {
            PolicyTestKit.SeedNonTrivial(s);
            for (int i = 0; i < 60; i++)
            {
                s.AddUser($"svc-bulk{i}@pve");
                s.AddToken($"svc-bulk{i}@pve", "tk");
                s.AddAcl($"/vms/{100 + i}", "PVEAuditor", token: $"svc-bulk{i}@pve!tk");
            }
        });
        string path = PolicyTestKit.WriteFile(Declared);
        int before = h.Emulator.RequestLog.Count;
        h.Run("Get-PveAccessPlan -Path $p | Out-Null", new() { ["p"] = path }).AssertNoErrors();
        Assert.Equal(4, h.Emulator.RequestLog.Count - before);
    }

    [Theory]
    [InlineData("9.2.0")]
    [InlineData("8.4.1")]
    public async Task A_token_due_for_renewal_is_rotated_with_a_new_expiry_and_keeps_its_ACL(string version)
    {
        await using AclTestHost h = await PolicyTestKit.StartAsync(s =>
        {
            s.AddUser("svc-deploy@pve");
            s.AddToken("svc-deploy@pve", "gitlab", expire: PolicyTestKit.In9Days, comment: "pipeline");
            s.AddAcl("/vms", "PVEAuditor", token: "svc-deploy@pve!gitlab");
        }, version);
        string old = h.State.TokenSecret("svc-deploy@pve", "gitlab")!;
        string path = PolicyTestKit.WriteFile("""
            @{ SchemaVersion = 1
               Tokens = @{ User = 'svc-deploy@pve'; Id = 'gitlab'; Comment = 'pipeline'; Lifetime = '90d'; RenewBefore = '14d' }
               Acl = @{ Path = '/vms'; Roles = 'PVEAuditor'; Principals = 'svc-deploy@pve!gitlab' } }
            """);
        PsResult plan = h.Run("Get-PveAccessPlan -Path $p", new() { ["p"] = path });
        plan.AssertNoErrors();
        PveAccessPlanChange rotate = Assert.Single(plan.Objects<PveAccessPlanChange>());
        Assert.Equal(PveAccessChangeAction.Rotate, rotate.Action);
        Assert.Matches(@"expires in [89] days, RenewBefore is 14 days", rotate.Reason);

        PsResult r = h.Run("Invoke-PveAccessPolicy -Path $p; Test-PveAccessPolicy -Path $p", new() { ["p"] = path });
        r.AssertNoErrors();
        PveApiTokenSecret secret = r.Single<PveApiTokenSecret>();
        Assert.NotEqual(old, h.State.TokenSecret("svc-deploy@pve", "gitlab"));
        Assert.InRange(secret.ExpiresAt!.Value.ToUniversalTime(), DateTime.UtcNow.AddDays(89), DateTime.UtcNow.AddDays(91));
        Assert.Contains("/vms token svc-deploy@pve!gitlab PVEAuditor 1", h.Acl());
        Assert.True(r.Output.Last().BaseObject is true);
    }

    [Theory]
    [InlineData("9.2.0", true)]
    [InlineData("8.4.1", false)]
    public async Task Clearing_a_token_comment_works_on_9_and_is_reported_honestly_on_8_4(string version, bool clears)
    {
        await using AclTestHost h = await PolicyTestKit.StartAsync(s =>
        {
            s.AddUser("svc-a@pve");
            s.AddToken("svc-a@pve", "tk", comment: "old");
        }, version);
        string path = PolicyTestKit.WriteFile("@{ SchemaVersion = 1; Tokens = @{ User = 'svc-a@pve'; Id = 'tk' } }");
        PsResult r = h.Run("Invoke-PveAccessPolicy -Path $p", new() { ["p"] = path });
        PveAccessPlanChange row = r.Single<PveAccessPlanChange>();
        if (clears)
        {
            r.AssertNoErrors();
            Assert.Equal(PveAccessChangeStatus.Done, row.Status);
            Assert.True(string.IsNullOrEmpty(h.State.GetToken("svc-a@pve", "tk")!.Value.Comment));
        }
        else
        {
            Assert.Equal(PveAccessChangeStatus.Failed, row.Status);
            Assert.Contains("9.0.4", row.Message);
            Assert.Contains(r.Errors, e => e.ErrorDetails.Message.Contains("cannot remove a token's comment"));
            Assert.Equal("old", h.State.GetToken("svc-a@pve", "tk")!.Value.Comment);
        }
    }

    [Fact]
    public async Task A_500_on_one_write_and_a_connection_dropped_after_a_write_are_reported_per_change_and_the_next_apply_converges()
    {
        await using AclTestHost h = await PolicyTestKit.StartAsync(PolicyTestKit.SeedUnmanaged);
        string path = PolicyTestKit.WriteFile(Declared);
        h.Emulator.Faults.FailNext(1, status: 500, method: "POST");
        PsResult first = h.Run("Invoke-PveAccessPolicy -Path $p", new() { ["p"] = path });
        var rows = first.Objects<PveAccessPlanChange>();
        // The role create got the 500; the grants of that role failed because of it; everything else was done.
        Assert.Contains(rows, x => x.ObjectType == PveAccessObjectType.Role && x.Status == PveAccessChangeStatus.Failed);
        Assert.All(rows.Where(x => x.Status == PveAccessChangeStatus.Failed), x => Assert.Contains("SvcDeploy", x.Id));
        Assert.NotEmpty(first.Errors);
        Assert.Contains(rows, x => x.Status == PveAccessChangeStatus.Done);

        h.Emulator.Faults.DropNextAfterHandling(1, method: "PUT");
        PsResult second = h.Run("Invoke-PveAccessPolicy -Path $p", new() { ["p"] = path });
        Assert.DoesNotContain(second.Objects<PveAccessPlanChange>(), x => x.Status == PveAccessChangeStatus.Planned);

        PsResult third = h.Run("Invoke-PveAccessPolicy -Path $p; Test-PveAccessPolicy -Path $p", new() { ["p"] = path });
        third.AssertNoErrors();
        Assert.True(third.Output.Last().BaseObject is true, "the third apply did not converge: " +
            string.Join("; ", third.Objects<PveAccessPlanChange>().Select(x => $"{x} {x.Status} {x.Message}")));
    }

    [Fact]
    public async Task The_session_s_own_token_is_never_removed_nor_its_rights_cut_even_with_Prune()
    {
        await using AclTestHost h = await AclTestHost.StartAsync(s =>
        {
            s.AddUser("svc-admin@pve");
            s.AddAcl("/", "Administrator", user: "svc-admin@pve");
            s.AddToken("svc-admin@pve", "automation", privsep: true);
            s.AddAcl("/", "Administrator", token: "svc-admin@pve!automation");
            s.AddUser("svc-old@pve");
        });
        h.ConnectToken("svc-admin@pve!automation", h.State.TokenSecret("svc-admin@pve", "automation")!);
        string path = PolicyTestKit.WriteFile("@{ SchemaVersion = 1; Scope = @{ Users = 'svc-*@pve'; Tokens = 'svc-*'; AclPaths = '*' } }");
        PsResult r = h.Run("Invoke-PveAccessPolicy -Path $p -Prune", new() { ["p"] = path });
        r.AssertNoErrors();
        Assert.False(h.State.UserExists("svc-old@pve"));
        Assert.True(h.State.UserExists("svc-admin@pve"));
        Assert.True(h.State.TokenExists("svc-admin@pve", "automation"));
        Assert.Contains("/ token svc-admin@pve!automation Administrator 1", h.Acl());
        Assert.Contains(r.Warnings, w => w.Contains("session"));
        Assert.Contains(r.Objects<PveAccessPlanChange>(), x => x.ProtectedBecause is not null && x.Status == PveAccessChangeStatus.Skipped);
    }

    [Fact]
    public async Task WhatIf_shows_the_plan_and_changes_nothing()
    {
        await using AclTestHost h = await PolicyTestKit.StartAsync(PolicyTestKit.SeedUnmanaged);
        string path = PolicyTestKit.WriteFile(Declared);
        int before = h.Emulator.RequestLog.Count(e => e.Method != "GET");
        PsResult r = h.Run("Invoke-PveAccessPolicy -Path $p -WhatIf", new() { ["p"] = path });
        r.AssertNoErrors();
        Assert.Equal(before, h.Emulator.RequestLog.Count(e => e.Method != "GET"));
        Assert.Contains(r.HostLines, l => l.Contains("What if") && l.Contains("svc-deploy@pve!gitlab"));
    }

    [Fact]
    public async Task Several_sessions_get_one_result_row_each()
    {
        await using AclTestHost a = await PolicyTestKit.StartAsync(PolicyTestKit.SeedNonTrivial);
        await using AclTestHost b = await AclTestHost.StartAsync(PolicyTestKit.SeedUnmanaged);
        string path = PolicyTestKit.WriteFile(string.Empty);
        PsResult r = a.Run("""
            Export-PveAccessPolicy -Path $p -Confirm:$false | Out-Null
            $one = Get-PveSession
            $cred = [pscredential]::new('root@pam', (ConvertTo-SecureString $pass -AsPlainText -Force))
            $two = Connect-PveServer -Server $url2 -Credential $cred -CertificateThumbprint $fp2 -PassThru
            $one, $two | Get-PveAccessPlan -Path $p -Summary
            Test-PveAccessPolicy -Path $p -Session $one, $two
            """, new() { ["p"] = path, ["pass"] = AclTestHost.RootPassword, ["url2"] = b.Emulator.Url.ToString(), ["fp2"] = b.Emulator.CertificateSha256 });
        r.AssertNoErrors();
        var summaries = r.Objects<PveAccessPlanSummary>();
        Assert.Equal(2, summaries.Count);
        Assert.True(summaries[0].InSync);
        Assert.False(summaries[1].InSync);
        Assert.Equal(new object[] { true, false }, r.Output.Select(o => o.BaseObject).OfType<bool>().Cast<object>().ToArray());
    }

    [Fact]
    public async Task No_token_secret_appears_in_any_stream_view_error_or_the_request_log_during_an_apply()
    {
        await using AclTestHost h = await PolicyTestKit.StartAsync(s =>
        {
            s.AddUser("svc-deploy@pve");
            s.AddToken("svc-deploy@pve", "gitlab", expire: PolicyTestKit.In9Days, comment: "pipeline");
        });
        string old = h.State.TokenSecret("svc-deploy@pve", "gitlab")!;
        string path = PolicyTestKit.WriteFile(Declared);
        h.Emulator.Faults.DropNextAfterHandling(1, method: "PUT");
        PsResult r = h.Run("""
            $out = Invoke-PveAccessPolicy -Path $p -Verbose
            $out
            $out | Format-List * -Force | Out-String
            $out | Format-Table | Out-String -Width 80
            Get-PveAccessPlan -Path $p | Format-List | Out-String
            """, new() { ["p"] = path });
        var secrets = r.Objects<PveApiTokenSecret>().Select(s => s.GetPlainTextSecret()).Append(old).ToList();
        secrets.Add(h.State.TokenSecret("svc-deploy@pve", "gitlab")!);
        Assert.True(secrets.Count >= 3);
        string all = r.AllText();
        string log = System.Text.Json.JsonSerializer.Serialize(h.Emulator.RequestLog);
        foreach (string secret in secrets)
        {
            Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
        }
    }
}
