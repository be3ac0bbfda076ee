using PveTokens.Models;
using PveTokens.Tests.Reliability;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Tokens;

/// <summary>
/// The full token id (USER@REALM!TOKENID) that every view shows and admins copy names a token
/// everywhere one is named: as -TokenId without -UserId, and as the positional argument. The
/// cmdlets with a -TokenId parameter are discovered from the module, so a new one fails here until
/// it has a row; every row must act on the right token, with no prompt and no error.
/// </summary>
public sealed class FullTokenIdTests
{
    // Per cmdlet: the forms to try ({0} is the full id of a fresh token ci@pve!tN) and how to tell it acted on that token.
    private static readonly Dictionary<string, (string[] Scripts, Func<TokenTestContext, string, PsResult, bool> Acted)> Rows = new(StringComparer.OrdinalIgnoreCase)
    {
        ["New-PveApiToken"] = (new[] { "New-PveApiToken -TokenId '{0}-new' -Confirm:$false", "New-PveApiToken '{0}-new' -Confirm:$false" },
            (t, id, r) => r.Single<PveApiTokenSecret>().FullTokenId == id + "-new" && t.State.GetToken("ci@pve", id.Split('!')[1] + "-new") is not null),
        ["Get-PveApiToken"] = (new[] { "Get-PveApiToken -TokenId '{0}'", "Get-PveApiToken '{0}'", "Get-PveApiToken 'ci@pve!{1}*'" },
            (t, id, r) => r.Single<PveApiToken>().FullTokenId == id),
        ["Update-PveApiToken"] = (new[] { "Update-PveApiToken -TokenId '{0}' -Comment changed -Confirm:$false", "Update-PveApiToken '{0}' -Comment changed -Confirm:$false" },
            (t, id, r) => t.State.GetToken("ci@pve", id.Split('!')[1])?.Comment == "changed"),
        ["Reset-PveApiToken"] = (new[] { "Reset-PveApiToken -TokenId '{0}' -Confirm:$false", "Reset-PveApiToken '{0}' -Confirm:$false" },
            (t, id, r) => r.Single<PveApiTokenSecret>().GetPlainTextSecret() == t.State.TokenSecret("ci@pve", id.Split('!')[1])),
        ["Remove-PveApiToken"] = (new[] { "Remove-PveApiToken -TokenId '{0}' -Confirm:$false", "Remove-PveApiToken '{0}' -Confirm:$false" },
            (t, id, r) => t.State.GetToken("ci@pve", id.Split('!')[1]) is null),
        ["Set-PveAcl"] = (new[] { "Set-PveAcl -Path /vms -TokenId '{0}' -Role PVEAuditor -Confirm:$false", "Set-PveAcl /vms PVEAuditor -TokenId '{0}' -Confirm:$false" },
            (t, id, r) => t.State.AclEntries().Any(a => a.UgId == id && a.Path == "/vms" && a.RoleId == "PVEAuditor")),
        ["Remove-PveAcl"] = (new[] { "Remove-PveAcl -Path /vms -TokenId '{0}' -Role PVEVMUser -Confirm:$false", "Remove-PveAcl /vms PVEVMUser -TokenId '{0}' -Confirm:$false" },
            (t, id, r) => !t.State.AclEntries().Any(a => a.UgId == id)),
        ["Get-PveAcl"] = (new[] { "Get-PveAcl -TokenId '{0}'", "Get-PveAcl /vms -TokenId '{0}'" },
            (t, id, r) => r.Objects<PveAcl>().Count == 1 && r.Objects<PveAcl>()[0].Principal == id),
        ["Get-PvePermission"] = (new[] { "Get-PvePermission -TokenId '{0}' -Path /vms" },
            (t, id, r) => r.Objects<PvePermission>().Count > 0 && r.Objects<PvePermission>().All(p => p.Principal == id)),
        ["Get-PveAccessReport"] = (new[] { "Get-PveAccessReport -TokenId '{0}' -Path /vms" },
            (t, id, r) => r.Objects<PveAccessGrant>().Count > 0 && r.Objects<PveAccessGrant>().All(g => g.Principal == id)),
        ["Get-PveApiTokenAudit"] = (new[] { "Get-PveApiTokenAudit -TokenId '{0}'", "Get-PveApiTokenAudit 'ci@pve' '{0}'" },
            (t, id, r) => r.Objects<PveApiTokenAuditFinding>().Count > 0 && r.Objects<PveApiTokenAuditFinding>().All(f => f.FullTokenId == id)),
    };

    [Fact]
    public async Task Every_cmdlet_that_names_a_token_takes_its_full_id_alone_and_positionally()
    {
        await using var t = await TokenTestContext.StartAsync();
        t.State.AddAcl("/vms", "PVEVMUser", user: "ci@pve", propagate: true);
        var withTokenId = t.Ps.Run("Get-Command -Module PveTokens -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('TokenId') } | ForEach-Object Name")
            .Output.Select(o => o.ToString()).ToList();
        Assert.Contains("Remove-PveApiToken", withTokenId);
        Assert.Empty(withTokenId.Except(Rows.Keys, StringComparer.OrdinalIgnoreCase));

        var failures = new List<string>();
        int n = 0;
        foreach ((string command, (string[] scripts, Func<TokenTestContext, string, PsResult, bool> acted)) in Rows)
        {
            foreach (string template in scripts)
            {
                string name = $"t{++n}";
                string id = "ci@pve!" + name;
                t.State.AddToken("ci@pve", name, privsep: false, expire: 0, comment: "c");
                t.State.AddAcl("/vms", "PVEVMUser", token: id, propagate: true);
                string script = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, id, name);
                PsResult r = t.Run(script);
                if (r.Errors.Count > 0 || r.Prompts.Count > 0 || !acted(t, id, r))
                {
                    failures.Add($"{script}: errors [{string.Join("; ", r.Errors.Select(MessageRules.TextOf))}], prompts [{string.Join("; ", r.Prompts)}], output [{string.Join(", ", r.Output)}]");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("Remove-PveApiToken -TokenId backup -Confirm:$false", "InvalidUserId", "needs its user")]
    [InlineData("Remove-PveApiToken -UserId alice@pve -TokenId 'ci@pve!backup' -Confirm:$false", "InvalidTokenId", "belongs to ci@pve")]
    [InlineData("Remove-PveApiToken -UserId ci@pve -Confirm:$false", "InvalidTokenId", "The token id is empty")]
    [InlineData("Get-PveApiToken -UserId alice@pve -TokenId 'ci@pve!backup'", "InvalidTokenId", "belongs to ci@pve")]
    public async Task A_token_named_by_halves_that_do_not_fit_is_an_error_not_a_prompt(string script, string errorId, string expected)
    {
        await using var t = await TokenTestContext.StartAsync();

        PsResult r = t.Run(script);

        Assert.StartsWith(errorId + ",", Assert.Single(r.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains(expected, MessageRules.TextOf(r.Errors[0]), StringComparison.Ordinal);
        Assert.Empty(r.Prompts);
        Assert.Empty(t.Requests);
        Assert.NotNull(t.State.GetToken("ci@pve", "backup"));
    }
}
