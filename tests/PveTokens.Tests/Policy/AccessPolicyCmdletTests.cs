using PveTokens.Models;
using PveTokens.Tests.Acl;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Policy;

/// <summary>The four access-policy cmdlets against the emulator: the guarantees of issue 15, each proven here.</summary>
public sealed class AccessPolicyCmdletTests
{
    [Theory]
    [InlineData("9.2.0")]
    [InlineData("8.4.1")]
    public async Task Export_then_plan_yields_no_change_on_a_non_trivial_configuration(string version)
    {
        await using AclTestHost h = await PolicyTestKit.StartAsync(s => { PolicyTestKit.SeedNonTrivial(s); PolicyTestKit.SeedUnmanaged(s); }, version);
        string path = PolicyTestKit.WriteFile(string.Empty);
        PsResult r = h.Run("""
            Export-PveAccessPolicy -Path $p -Confirm:$false | Out-Null
            Get-PveAccessPlan -Path $p
            Test-PveAccessPolicy -Path $p
            """, new() { ["p"] = path });
        r.AssertNoErrors();
        Assert.Empty(r.Objects<PveAccessPlanChange>());
        Assert.True(r.Output.Last().BaseObject is true);
        string text = File.ReadAllText(path);
        Assert.Contains("PrivilegeSeparation = $false", text);
        Assert.Contains("Propagate = $false", text);
        Assert.Contains("'SvcBackup'", text);
        Assert.Contains("'@svc-ops'", text);
    }

    [Fact]
    public async Task Export_with_a_scope_plans_back_to_no_change_and_leaves_out_what_is_not_owned()
    {
        await using AclTestHost h = await PolicyTestKit.StartAsync(s => { PolicyTestKit.SeedNonTrivial(s); PolicyTestKit.SeedUnmanaged(s); });
        string path = PolicyTestKit.WriteFile(string.Empty);
        PsResult r = h.Run("""
            Export-PveAccessPolicy -Scope @{ Users = 'svc-*@pve'; Tokens = 'svc-*@pve!*'; Groups = 'svc-*'; Roles = 'Svc*'; AclPaths = '*' } -Path $p -Confirm:$false | Out-Null
            Get-PveAccessPlan -Path $p -Summary
            """, new() { ["p"] = path });
        r.AssertNoErrors();
        PveAccessPlanSummary summary = Assert.Single(r.Objects<PveAccessPlanSummary>());
        Assert.True(summary.InSync);
        Assert.True(summary.Unmanaged >= 6, $"unmanaged {summary.Unmanaged}");
        string text = File.ReadAllText(path);
        Assert.DoesNotContain("alice", text);
        Assert.DoesNotContain("HumanRole", text);
    }
}
