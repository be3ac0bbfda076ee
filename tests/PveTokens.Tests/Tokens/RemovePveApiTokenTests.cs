using System.Management.Automation;
using PveTokens.Commands;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Tokens;

public class RemovePveApiTokenTests
{
    private const string Id = ",PveTokens.Commands.RemovePveApiTokenCommand";

    [Fact]
    public async Task RemovesTheTokenAndPveDropsItsAclEntries()
    {
        await using var t = await TokenTestContext.StartAsync();

        PsResult r = t.Run("Remove-PveApiToken -UserId ci@pve -TokenId backup -Confirm:$false");

        r.AssertNoErrors();
        Assert.Empty(r.Output);
        RequestLogEntryAssert.Single(t, "DELETE", "/access/users/ci@pve/token/backup");
        Assert.False(t.State.TokenExists("ci@pve", "backup"));
        Assert.Empty(t.AclOf("ci@pve!backup"));
    }

    [Fact]
    public async Task ConfirmImpactIsHighAndThePromptSaysTheAclEntriesGoToo()
    {
        await using var t = await TokenTestContext.StartAsync();
        var attribute = (CmdletAttribute)Attribute.GetCustomAttribute(typeof(RemovePveApiTokenCommand), typeof(CmdletAttribute))!;
        t.Ps.Host.PromptAnswer = "No";

        PsResult r = t.Run("Remove-PveApiToken -UserId ci@pve -TokenId backup");

        Assert.Equal(ConfirmImpact.High, attribute.ConfirmImpact);
        string prompt = Assert.Single(r.Prompts);
        Assert.Contains("ci@pve!backup", prompt, StringComparison.Ordinal);
        Assert.Contains("ACL entr", prompt, StringComparison.Ordinal);
        Assert.True(t.State.TokenExists("ci@pve", "backup"));
        Assert.Empty(t.Requests);
    }

    [Fact]
    public async Task RemovesTheExpiredTokensOfAUserFromThePipeline()
    {
        await using var t = await TokenTestContext.StartAsync(seed: s =>
        {
            s.AddToken("ci@pve", "stale1", expire: 946684800);
            s.AddToken("ci@pve", "stale2", expire: 1000000000);
        });

        PsResult r = t.Run("Get-PveApiToken -UserId ci@pve | Where-Object IsExpired | Remove-PveApiToken -Confirm:$false");

        r.AssertNoErrors();
        Assert.False(t.State.TokenExists("ci@pve", "stale1"));
        Assert.False(t.State.TokenExists("ci@pve", "stale2"));
        Assert.True(t.State.TokenExists("ci@pve", "backup"));
        Assert.True(t.State.TokenExists("alice@pve", "old"));
        Assert.Equal(2, t.Requests.Count(e => e.Method == "DELETE"));
    }

    [Fact]
    public async Task AnInputObjectWhoseSessionIsNullIsRemovedOnTheDefaultSession()
    {
        await using var t = await TokenTestContext.StartAsync();

        PsResult r = t.Run("[pscustomobject]@{ UserId = 'ci@pve'; TokenId = 'backup'; Session = $null } | Remove-PveApiToken -Confirm:$false");

        r.AssertNoErrors();
        Assert.False(t.State.TokenExists("ci@pve", "backup"));
    }

    [Fact]
    public async Task WhatIfSendsNothing()
    {
        await using var t = await TokenTestContext.StartAsync();
        PsResult r = t.Run("Remove-PveApiToken -UserId ci@pve -TokenId backup -WhatIf");

        Assert.Contains(r.HostLines, l => l.Contains("What if", StringComparison.Ordinal) && l.Contains("ci@pve!backup", StringComparison.Ordinal));
        Assert.Empty(t.Requests);
        Assert.True(t.State.TokenExists("ci@pve", "backup"));
    }

    [Fact]
    public async Task ItemsThatFailAreWrittenAsErrorsAndTheRestAreRemoved()
    {
        await using var t = await TokenTestContext.StartAsync(seed: s => s.AddToken("ci@pve", "second"));

        PsResult r = t.Run("'backup', 'nope', '9bad', 'second' | ForEach-Object { [pscustomobject]@{ UserId = 'ci@pve'; TokenId = $_ } } | Remove-PveApiToken -Confirm:$false");

        Assert.Equal(new[] { "TokenNotFound" + Id, "InvalidTokenId" + Id }, r.ErrorIds);
        Assert.False(t.State.TokenExists("ci@pve", "backup"));
        Assert.False(t.State.TokenExists("ci@pve", "second"));
        Assert.Equal(3, t.Requests.Count);
    }

    [Fact]
    public async Task ReportsAMissingUser()
    {
        await using var t = await TokenTestContext.StartAsync();

        t.Run("Remove-PveApiToken nobody@pve x1 -Confirm:$false").SingleError("UserNotFound" + Id);
    }
}
