using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Tokens;

public class UpdatePveApiTokenTests
{
    private const string Id = ",PveTokens.Commands.UpdatePveApiTokenCommand";

    private static PveApiToken Read(TokenTestContext t, string tokenId = "nosep") =>
        t.Run($"Get-PveApiToken -UserId ci@pve -TokenId {tokenId}").Single<PveApiToken>();

    private static Task<TokenTestContext> StartAsync(string version = "9.2.0") =>
        TokenTestContext.StartAsync(version, s => s.AddToken("ci@pve", "nosep", privsep: false, expire: 4102444800, comment: "keep me"));

    [Theory]
    [InlineData("-Comment 'new text'", "comment")]
    [InlineData("-ExpiresAt ([datetime]::SpecifyKind('2099-01-01', 'Utc'))", "expire")]
    [InlineData("-ExpiresIn 30.00:00:00", "expire")]
    [InlineData("-NoExpiry", "expire")]
    [InlineData("-PrivilegeSeparation $true", "privsep")]
    [InlineData("-Comment x -NoExpiry -PrivilegeSeparation $false -Confirm:$false", "comment,expire,privsep")]
    public async Task SendsOnlyTheFieldsNamed(string arguments, string expected)
    {
        await using var t = await StartAsync();

        t.Run("Update-PveApiToken -UserId ci@pve -TokenId nosep " + arguments).AssertNoErrors();

        RequestLogEntryAssert.Single(t, "PUT", "/access/users/ci@pve/token/nosep", expected.Split(','));
    }

    [Fact]
    public async Task AnUpdateThatDoesNotNamePrivilegeSeparationNeverFlipsIt()
    {
        await using var t = await StartAsync();

        t.Run("Update-PveApiToken -UserId ci@pve -TokenId nosep -Comment 'changed'").AssertNoErrors();
        t.Run("Update-PveApiToken -UserId ci@pve -TokenId backup -NoExpiry").AssertNoErrors();

        PveApiToken nosep = Read(t);
        Assert.False(nosep.PrivilegeSeparation);
        Assert.Equal("changed", nosep.Comment);
        Assert.Equal(2100, nosep.ExpiresAt!.Value.ToUniversalTime().Year);
        Assert.True(Read(t, "backup").PrivilegeSeparation);
    }

    [Fact]
    public async Task PassThruReturnsTheUpdatedTypedToken()
    {
        await using var t = await StartAsync();
        var at = new DateTime(2100, 6, 1, 12, 0, 0, DateTimeKind.Utc);

        PsResult r = t.Run("Update-PveApiToken ci@pve nosep -ExpiresAt $at -PrivilegeSeparation $true -PassThru", ("at", at));

        r.AssertNoErrors();
        PveApiToken token = r.Single<PveApiToken>();
        Assert.IsNotType<PveApiTokenSecret>(token);
        Assert.Equal(("ci@pve!nosep", "keep me", true), (token.FullTokenId, token.Comment, token.PrivilegeSeparation));
        Assert.Equal(at, token.ExpiresAt!.Value.ToUniversalTime());
        Assert.NotNull(token.Session);
        Assert.Empty(t.Run("Update-PveApiToken ci@pve nosep -Comment again").Output);
    }

    [Fact]
    public async Task NoExpiryReenablesAnExpiredToken()
    {
        await using var t = await StartAsync();

        PveApiToken token = t.Run("Get-PveApiToken alice@pve old | Update-PveApiToken -NoExpiry -PassThru").Single<PveApiToken>();

        Assert.Null(token.ExpiresAt);
        Assert.Equal(PveApiTokenStatus.Active, token.Status);
    }

    [Fact]
    public async Task AnEmptyCommentRemovesItOnPve92()
    {
        await using var t = await StartAsync();

        PsResult r = t.Run("Update-PveApiToken -UserId ci@pve -TokenId nosep -Comment '' -PassThru");

        r.AssertNoErrors();
        Assert.Null(r.Single<PveApiToken>().Comment);
        Assert.Equal(new[] { "PUT /access/users/ci@pve/token/nosep", "GET /access/users/ci@pve" }, t.Calls);
        Assert.Equal(new[] { "delete" }, t.Requests[0].ParameterNames);
        Assert.Null(Read(t).Comment);
    }

    [Fact]
    public async Task AnEmptyCommentOnPve84SaysItCannotBeClearedAndChangesNothing()
    {
        await using var t = await StartAsync("8.4.1");

        PsResult r = t.Run("Update-PveApiToken -UserId ci@pve -TokenId nosep -Comment '' -NoExpiry");

        ErrorRecordAssert.Message(r.SingleError("CommentClearNotSupported" + Id), "cannot remove a token's comment", "8.4.1", "Nothing was changed");
        PveApiToken token = Read(t);
        Assert.Equal("keep me", token.Comment);
        Assert.NotNull(token.ExpiresAt);
    }

    [Theory]
    [InlineData("Update-PveApiToken ci@pve nosep", "NothingToUpdate")]
    [InlineData("Update-PveApiToken ci@pve nosep -PassThru", "NothingToUpdate")]
    [InlineData("Update-PveApiToken ci@pve nosep -ExpiresAt (Get-Date).AddDays(1) -NoExpiry", "ConflictingExpiry")]
    [InlineData("Update-PveApiToken ci@pve nosep -ExpiresIn 1:00:00 -ExpiresAt (Get-Date).AddDays(1)", "ConflictingExpiry")]
    [InlineData("Update-PveApiToken ci@pve nosep -ExpiresAt '2001-01-01'", "ExpiryInPast")]
    [InlineData("Update-PveApiToken ci@pve nosep -ExpiresIn ([timespan]'-01:00:00')", "ExpiryInPast")]
    [InlineData("Update-PveApiToken ci@pve 'no sep' -Comment x", "InvalidTokenId")]
    [InlineData("Update-PveApiToken cipve nosep -Comment x", "InvalidUserId")]
    public async Task RefusesInvalidInputBeforeSendingAnything(string script, string errorId)
    {
        await using var t = await StartAsync();

        t.Run(script).SingleError(errorId + Id);

        Assert.Empty(t.Requests);
    }

    [Fact]
    public async Task ReportsAMissingToken()
    {
        await using var t = await StartAsync();

        t.Run("Update-PveApiToken ci@pve nope -Comment x").SingleError("TokenNotFound" + Id);
    }

    [Fact]
    public async Task WhatIfSendsNothing()
    {
        await using var t = await StartAsync();

        PsResult r = t.Run("Get-PveApiToken -UserId ci@pve | Update-PveApiToken -NoExpiry -WhatIf");

        r.AssertNoErrors();
        Assert.Equal(new[] { "GET /access/users/ci@pve" }, t.Calls);
    }

    [Fact]
    public async Task PipelineFailuresAreWrittenPerItemAndTheRestContinues()
    {
        await using var t = await StartAsync();

        PsResult r = t.Run("""
            [pscustomobject]@{ UserId = 'ci@pve'; TokenId = 'nope' },
            [pscustomobject]@{ UserId = 'ci'; TokenId = 'backup' },
            [pscustomobject]@{ UserId = 'ci@pve'; TokenId = 'backup' } | Update-PveApiToken -Comment 'piped' -PassThru
            """);

        Assert.Equal(new[] { "TokenNotFound" + Id, "InvalidUserId" + Id }, r.ErrorIds);
        Assert.Equal("piped", r.Single<PveApiToken>().Comment);
    }
}

internal static class ErrorRecordAssert
{
    public static void Message(System.Management.Automation.ErrorRecord record, params string[] parts)
    {
        string text = record.ErrorDetails?.Message ?? record.Exception.Message;
        foreach (string part in parts)
        {
            Assert.Contains(part, text, StringComparison.Ordinal);
        }
    }
}
