using PveTokens.Models;
using PveTokens.Tests.Acl;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Policy;

/// <summary>The four access-policy cmdlets against the emulator: the guarantees of issue 15, each proven here.</summary>
public sealed class AccessPolicyCmdletTests
{
    [Fact]
    public async Task Export_as_JSON_declares_what_the_psd1_declares_and_plans_back_to_no_change()
    {
        await using AclTestHost h = await PolicyTestKit.StartAsync(s =>
        {
            PolicyTestKit.SeedNonTrivial(s);
            PolicyTestKit.SeedUnmanaged(s);
            s.AddUser("svc-zurich@pve", comment: "Zürich ☃ 'quoted' \"double\"");
        });
        string json = PolicyTestKit.WriteFile(string.Empty, ".json");
        string psd1 = PolicyTestKit.WriteFile(string.Empty);
        PsResult r = h.Run("""
            Export-PveAccessPolicy -Path $j -Confirm:$false | Out-Null
            Export-PveAccessPolicy -Path $p -Confirm:$false | Out-Null
            Get-PveAccessPlan -Path $j
            Test-PveAccessPolicy -Path $j
            Export-PveAccessPolicy -Format Json
            """, new() { ["j"] = json, ["p"] = psd1 });

        r.AssertNoErrors();
        Assert.Empty(r.Objects<PveAccessPlanChange>());
        Assert.True(r.Output[^2].BaseObject is true);
        string text = File.ReadAllText(json);
        Assert.Equal(text, r.Output[^1].BaseObject as string);
        using (var document = System.Text.Json.JsonDocument.Parse(text))
        {
            Assert.Equal(1, document.RootElement.GetProperty("SchemaVersion").GetInt32());
        }

        Assert.Contains("\"Comment\": \"Zürich ☃ 'quoted' \\\"double\\\"\"", text, StringComparison.Ordinal);

        // The same declarations as the .psd1: both read into the same policy.
        var errors = new List<PveTokens.Access.PolicyError>();
        PveTokens.Access.PolicyDocument fromJson = PveTokens.Commands.AccessPolicyFile.Load(json, errors)!;
        PveTokens.Access.PolicyDocument fromPsd1 = PveTokens.Commands.AccessPolicyFile.Load(psd1, errors)!;
        Assert.Empty(errors);
        Assert.Equal(Declared(fromPsd1), Declared(fromJson));
        Assert.Contains("svc-zurich@pve", Declared(fromJson), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_format_the_file_name_contradicts_is_refused_before_anything_is_read()
    {
        await using AclTestHost h = await PolicyTestKit.StartAsync(PolicyTestKit.SeedNonTrivial);
        string psd1 = PolicyTestKit.WriteFile("unchanged");
        h.Emulator.ClearRequestLog();

        PsResult r = h.Run("Export-PveAccessPolicy -Format Json -Path $p -Confirm:$false", new() { ["p"] = psd1 });

        Assert.Equal("PolicyFormatMismatch,PveTokens.Commands.ExportPveAccessPolicyCommand", Assert.Single(r.Errors).FullyQualifiedErrorId);
        Assert.Contains("Name the file *.json, or leave -Format out.", r.Errors[0].ErrorDetails.Message, StringComparison.Ordinal);
        Assert.Empty(h.Emulator.RequestLog);
        Assert.Equal("unchanged", File.ReadAllText(psd1));
    }

    /// <summary>Every declaration of a policy, one sorted line each, to compare two files.</summary>
    private static string Declared(PveTokens.Access.PolicyDocument policy) => string.Join("\n", new[]
    {
        policy.Roles.Select(x => $"role {x.Id} {string.Join(",", x.Privileges)}"),
        policy.Groups.Select(x => $"group {x.Id} {x.Comment}"),
        policy.Users.Select(x => $"user {x.Id} {x.Comment} {x.Enabled} {x.Expire} {string.Join(",", x.Groups)}"),
        policy.Tokens.Select(x => $"token {x.UserId}!{x.TokenId} {x.Comment} {x.PrivilegeSeparation} {x.ExpiresAt}"),
        policy.Acl.Select(x => $"acl {x.Path} {x.Type} {x.Principal} {x.Role} {x.Propagate}"),
    }.SelectMany(lines => lines).OrderBy(line => line, StringComparer.Ordinal));

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
