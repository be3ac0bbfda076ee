using System.Management.Automation;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Tokens;

public class NewPveApiTokenTests
{
    private const string Id = ",PveTokens.Commands.NewPveApiTokenCommand";

    [Fact]
    public async Task CreatesAPrivilegeSeparatedTokenThatNeverExpiresByDefault()
    {
        await using var t = await TokenTestContext.StartAsync();

        PsResult r = t.Run("New-PveApiToken -UserId ci@pve -TokenId deploy");

        r.AssertNoErrors();
        PveApiTokenSecret token = r.Single<PveApiTokenSecret>();
        Assert.Equal(("ci@pve", "deploy", "ci@pve!deploy"), (token.UserId, token.TokenId, token.FullTokenId));
        Assert.True(token.PrivilegeSeparation);
        Assert.Null(token.ExpiresAt);
        Assert.Null(token.Comment);
        Assert.False(token.IsExpired);
        // The answer does not say whether the owner is enabled (PVE checks that first): Get-PveApiToken reads it.
        Assert.Equal(PveApiTokenStatus.Unknown, token.Status);
        Assert.Equal(t.State.TokenSecret("ci@pve", "deploy"), token.GetPlainTextSecret());
        Assert.Same(t.Ps.Run("Get-PveSession -Default").Single<PveSession>(), token.Session);

        // privsep is sent explicitly as 1, never left to a default and never 0 unless asked.
        RequestLogEntryAssert.Single(t, "POST", "/access/users/ci@pve/token/deploy", "privsep");
        Assert.Equal("ci@pve!deploy", token.ToString());
    }

    [Fact]
    public async Task SendsTheSettingsAskedForAndMergesThemWithThePostEcho()
    {
        await using var t = await TokenTestContext.StartAsync();
        var at = new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        PsResult r = t.Run("New-PveApiToken -UserId ci@pve -TokenId nightly -Comment 'Überwachung – ✓' -ExpiresAt $at -PrivilegeSeparation $false -Confirm:$false",
            ("at", at));

        r.AssertNoErrors();
        PveApiTokenSecret token = r.Single<PveApiTokenSecret>();
        Assert.False(token.PrivilegeSeparation);
        Assert.Equal("Überwachung – ✓", token.Comment);
        Assert.Equal(at, token.ExpiresAt!.Value.ToUniversalTime());
        Assert.Equal(DateTimeKind.Local, token.ExpiresAt.Value.Kind);
        RequestLogEntryAssert.Single(t, "POST", "/access/users/ci@pve/token/nightly", "comment", "expire", "privsep");

        PveApiToken stored = t.Run("Get-PveApiToken -UserId ci@pve -TokenId nightly").Single<PveApiToken>();
        Assert.Equal(("Überwachung – ✓", false), (stored.Comment, stored.PrivilegeSeparation));
        Assert.Equal(4102444800L, (long)(stored.ExpiresAt!.Value.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds);
    }

    [Fact]
    public async Task ExpiresInCountsFromNow()
    {
        await using var t = await TokenTestContext.StartAsync();
        DateTime before = DateTime.UtcNow;

        PveApiTokenSecret token = t.Run("New-PveApiToken ci@pve hourly -ExpiresIn (New-TimeSpan -Hours 1)").Single<PveApiTokenSecret>();

        TimeSpan lifetime = token.ExpiresAt!.Value.ToUniversalTime() - before;
        Assert.InRange(lifetime.TotalSeconds, 3595, 3610);
    }

    [Fact]
    public async Task HandlesUserIdsWithAtSignsAndDottedRealmsInThePath()
    {
        await using var t = await TokenTestContext.StartAsync(seed: s => s.AddUser("first.last@example.com@pve"));

        PsResult r = t.Run("New-PveApiToken -UserId 'first.last@example.com@pve' -TokenId ci.build-1_x");

        r.AssertNoErrors();
        Assert.Equal("first.last@example.com@pve!ci.build-1_x", r.Single<PveApiTokenSecret>().FullTokenId);
        Assert.True(t.State.TokenExists("first.last@example.com@pve", "ci.build-1_x"));
    }

    [Theory]
    [InlineData("New-PveApiToken -UserId ci -TokenId x1", "InvalidUserId")]
    [InlineData("New-PveApiToken -UserId 'c i@pve' -TokenId x1", "InvalidUserId")]
    [InlineData("New-PveApiToken -UserId ci@pve -TokenId 1abc", "InvalidTokenId")]
    [InlineData("New-PveApiToken -UserId alice@pve -TokenId 'ci@pve!x1'", "InvalidTokenId")]
    [InlineData("New-PveApiToken -TokenId x1", "InvalidUserId")]
    [InlineData("New-PveApiToken -UserId ci@pve -TokenId x1 -ExpiresAt (Get-Date).AddMinutes(-1)", "ExpiryInPast")]
    [InlineData("New-PveApiToken -UserId ci@pve -TokenId x1 -ExpiresIn ([timespan]::Zero)", "ExpiryInPast")]
    [InlineData("New-PveApiToken -UserId ci@pve -TokenId x1 -ExpiresAt (Get-Date).AddDays(1) -ExpiresIn 1.00:00:00", "ConflictingExpiry")]
    public async Task RefusesInvalidInputBeforeSendingAnything(string script, string errorId)
    {
        await using var t = await TokenTestContext.StartAsync();

        PsResult r = t.Run(script);

        r.SingleError(errorId + Id);
        Assert.Empty(r.Output);
        Assert.Empty(t.Requests);
    }

    [Fact]
    public async Task AFullIdInTokenIdThatContradictsUserIdIsExplained()
    {
        await using var t = await TokenTestContext.StartAsync();

        ErrorRecord e = t.Run("New-PveApiToken -UserId alice@pve -TokenId 'ci@pve!x1'").SingleError("InvalidTokenId" + Id);

        Assert.Equal("The full token id 'ci@pve!x1' belongs to ci@pve, but -UserId names 'alice@pve': give the full token id alone, or -UserId with the token's own name.",
            e.ErrorDetails.Message);
    }

    [Fact]
    public async Task ReportsAnExistingTokenAndAMissingUser()
    {
        await using var t = await TokenTestContext.StartAsync();

        t.Run("New-PveApiToken -UserId ci@pve -TokenId backup").SingleError("TokenAlreadyExists" + Id);
        t.Run("New-PveApiToken -UserId nobody@pve -TokenId x1").SingleError("UserNotFound" + Id);
    }

    [Fact]
    public async Task WhatIfSendsNothing()
    {
        await using var t = await TokenTestContext.StartAsync();

        PsResult r = t.Run("New-PveApiToken -UserId ci@pve -TokenId deploy -WhatIf");

        r.AssertNoErrors();
        Assert.Empty(r.Output);
        Assert.Empty(t.Requests);
        Assert.False(t.State.TokenExists("ci@pve", "deploy"));
    }

    [Fact]
    public async Task TheSecretAppearsInNoStreamViewOrString()
    {
        await using var t = await TokenTestContext.StartAsync();

        PsResult r = t.RunVerbose("$t = New-PveApiToken -UserId ci@pve -TokenId deploy -Comment 'c' -ExpiresIn 1.00:00:00 -Verbose; $t; \"$t\"; $t | Format-List * | Out-String; $t | Format-Table | Out-String; $t | Out-String");

        r.AssertNoErrors();
        string secret = t.State.TokenSecret("ci@pve", "deploy")!;
        Assert.NotEmpty(r.Verbose);
        Assert.DoesNotContain(secret, r.AllText(), StringComparison.OrdinalIgnoreCase);
        string view = t.Ps.Render("$t");
        Assert.Contains("cannot be shown again", view, StringComparison.Ordinal);
        Assert.Contains("cannot show it again", t.Ps.Render("$t | Format-List"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConvertsToACredentialAndAHeaderOnlyWhenAsked()
    {
        await using var t = await TokenTestContext.StartAsync();
        PveApiTokenSecret token = t.Run("New-PveApiToken -UserId ci@pve -TokenId deploy").Single<PveApiTokenSecret>();
        string secret = t.State.TokenSecret("ci@pve", "deploy")!;

        PSCredential credential = token.ToCredential();
        PSCredential converted = t.Run("[pscredential]$t", ("t", token)).Single<PSCredential>();

        Assert.Equal("ci@pve!deploy", credential.UserName);
        Assert.Equal(secret, credential.GetNetworkCredential().Password);
        Assert.Equal(secret, converted.GetNetworkCredential().Password);
        Assert.Equal("PVEAPIToken ci@pve!deploy=" + secret, token.GetAuthorizationHeaderValue());
    }

    [Fact]
    public async Task PipesIntoConnectPveServer()
    {
        await using var t = await TokenTestContext.StartAsync();

        PsResult r = t.Run("New-PveApiToken -UserId ci@pve -TokenId probe -PrivilegeSeparation $false -Confirm:$false | Connect-PveServer -Server $url -CertificateThumbprint $fp -PassThru");

        r.AssertNoErrors();
        PveSession session = r.Single<PveSession>();
        Assert.Equal("ci@pve!probe", session.Identity);
        Assert.Contains(t.Requests, e => e.AuthId == "ci@pve!probe" && e.Status == 200);

        // The token object keeps a usable secret after the session took its copy.
        Assert.Empty(t.Run("$s = Get-PveSession -Default; $s | Disconnect-PveServer").Errors);
    }

    [Fact]
    public async Task CopiesATokenObjectOntoAnotherServer()
    {
        await using var a = await TokenTestContext.StartAsync(seed: s => s.AddToken("ci@pve", "copyme", privsep: false, expire: 4102444800, comment: "copied"));
        await using var b = await TokenTestContext.StartAsync();
        PveApiToken source = a.Run("Get-PveApiToken -UserId ci@pve -TokenId copyme").Single<PveApiToken>();

        // Run in b's PowerShell (b's session is the default there); the object's own session is a's,
        // so -Session must name the target explicitly.
        PsResult r = b.Run("$target = Get-PveSession -Default; $src | New-PveApiToken -Session $target -Confirm:$false", ("src", source));

        r.AssertNoErrors();
        PveApiTokenSecret copy = r.Single<PveApiTokenSecret>();
        Assert.Equal(("ci@pve!copyme", "copied", false), (copy.FullTokenId, copy.Comment, copy.PrivilegeSeparation));
        Assert.Equal(source.ExpiresAt, copy.ExpiresAt);
        Assert.True(b.State.TokenExists("ci@pve", "copyme"));
        Assert.DoesNotContain(a.Requests, e => e.Method == "POST");
    }
}

/// <summary>Assertions on the emulator's request log.</summary>
internal static class RequestLogEntryAssert
{
    /// <summary>Exactly one call, to this method and path (below /api2/json), with exactly these parameter names.</summary>
    public static void Single(TokenTestContext t, string method, string path, params string[] parameterNames)
    {
        PveEmulator.RequestLogEntry call = Assert.Single(t.Requests);
        Assert.Equal(method + " " + path, call.Method + " " + call.Path.Replace("/api2/json", string.Empty, StringComparison.Ordinal));
        Assert.Equal(parameterNames.OrderBy(n => n, StringComparer.Ordinal), call.ParameterNames.OrderBy(n => n, StringComparer.Ordinal));
    }
}
