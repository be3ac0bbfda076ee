using System.Diagnostics;
using System.Management.Automation;
using PveEmulator;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Tokens;

public class GetPveApiTokenTests
{
    private const string Id = ",PveTokens.Commands.GetPveApiTokenCommand";

    private static void SeedStates(EmulatorState s)
    {
        s.AddUser("off@pve", enable: false);
        s.AddUser("gone@pve", expire: 946684800);
        s.AddToken("off@pve", "t1");
        s.AddToken("gone@pve", "t1");
        s.AddToken("ci@pve", "future", privsep: false, expire: 4102444800, comment: "until 2100");
    }

    [Fact]
    public async Task ListsEveryTokenOfEveryUserWithOneRequest()
    {
        await using var t = await TokenTestContext.StartAsync(seed: SeedStates);

        PsResult r = t.Run("Get-PveApiToken");

        r.AssertNoErrors();
        RequestLogEntry call = Assert.Single(t.Requests);
        Assert.Equal(("GET", "/api2/json/access/users"), (call.Method, call.Path));
        Assert.Equal(new[] { "full" }, call.ParameterNames);
        var tokens = r.Objects<PveApiToken>().ToDictionary(x => x.FullTokenId);
        Assert.Equal(
            new[] { "alice@pve!old", "ci@pve!backup", "ci@pve!future", "gone@pve!t1", "off@pve!t1" },
            tokens.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(PveApiTokenStatus.Expired, tokens["alice@pve!old"].Status);
        Assert.True(tokens["alice@pve!old"].IsExpired);
        Assert.Equal(PveApiTokenStatus.Active, tokens["ci@pve!backup"].Status);
        Assert.Equal(PveApiTokenStatus.UserDisabled, tokens["off@pve!t1"].Status);
        Assert.Equal(PveApiTokenStatus.UserExpired, tokens["gone@pve!t1"].Status);
        Assert.False(tokens["gone@pve!t1"].IsExpired);
        Assert.Equal("nightly backup", tokens["ci@pve!backup"].Comment);
        Assert.False(tokens["ci@pve!future"].PrivilegeSeparation);
        Assert.Equal(2100, tokens["ci@pve!future"].ExpiresAt!.Value.ToUniversalTime().Year);
        Assert.All(tokens.Values, x => Assert.NotNull(x.Session));
    }

    [Theory]
    [InlineData("Get-PveApiToken -UserId ci@pve -TokenId backup", "GET /access/users/ci@pve", 1)]
    [InlineData("Get-PveApiToken ci@pve back*", "GET /access/users/ci@pve", 1)]
    [InlineData("Get-PveApiToken -UserId ci@pve", "GET /access/users/ci@pve", 2)]
    [InlineData("Get-PveApiToken -UserId c* -TokenId backup", "GET /access/users", 1)]
    [InlineData("Get-PveApiToken -UserId ci@pve, alice@pve", "GET /access/users", 3)]
    [InlineData("Get-PveApiToken -TokenId backup, old", "GET /access/users", 2)]
    public async Task PicksTheFewestRequests(string script, string call, int count)
    {
        await using var t = await TokenTestContext.StartAsync(seed: SeedStates);

        PsResult r = t.Run(script);

        r.AssertNoErrors();
        Assert.Equal(new[] { call }, t.Calls);
        Assert.Equal(count, r.Objects<PveApiToken>().Count);
    }

    [Fact]
    public async Task AnInputObjectWhoseSessionIsNullIsReadOnTheDefaultSession()
    {
        await using var t = await TokenTestContext.StartAsync();

        PsResult r = t.Run("[pscustomobject]@{ UserId = 'ci@pve'; TokenId = 'backup'; Session = $null } | Get-PveApiToken");

        r.AssertNoErrors();
        Assert.Equal("ci@pve!backup", r.Single<PveApiToken>().FullTokenId);
    }

    [Fact]
    public async Task AFullTokenIdWithoutUserIdNamesOneToken()
    {
        await using var t = await TokenTestContext.StartAsync(seed: SeedStates);

        PsResult r = t.Run("Get-PveApiToken -TokenId 'ci@pve!backup'");

        r.AssertNoErrors();
        Assert.Equal("ci@pve!backup", r.Single<PveApiToken>().FullTokenId);
        Assert.Equal(new[] { "GET /access/users/ci@pve" }, t.Calls);
        t.Run("Get-PveApiToken -TokenId 'ci@pve!nope'").SingleError("TokenNotFound" + Id);
    }

    [Theory]
    [InlineData("Get-PveApiToken -UserId ci@pve -TokenId ", "backup")]
    [InlineData("Remove-PveApiToken -UserId ci@pve -TokenId f", "future")]
    [InlineData("Get-PveApiToken -TokenId ci@pve!f", "ci@pve!future")]
    [InlineData("Update-PveApiToken -UserId al", "alice@pve")]
    public async Task CompletesUserAndTokenIdsFromTheServer(string line, string expected)
    {
        await using var t = await TokenTestContext.StartAsync(seed: SeedStates);

        PsResult r = t.Run("(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText", ("line", line));

        Assert.Contains(expected, r.Output.Select(o => o.ToString().Trim('\'')));
    }

    [Fact]
    public async Task UsersPipedByPropertyNameCostOneRequest()
    {
        await using var t = await TokenTestContext.StartAsync(seed: SeedStates);

        PsResult r = t.Run("[pscustomobject]@{ UserId = 'ci@pve' }, [pscustomobject]@{ UserId = 'alice@pve' }, [pscustomobject]@{ UserId = 'off@pve' } | Get-PveApiToken");

        r.AssertNoErrors();
        Assert.Equal(new[] { "GET /access/users" }, t.Calls);
        Assert.Equal(new[] { "alice@pve!old", "ci@pve!backup", "ci@pve!future", "off@pve!t1" },
            r.Objects<PveApiToken>().Select(x => x.FullTokenId).OrderBy(x => x, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Get-PveApiToken -UserId ci@pve -TokenId nope", "TokenNotFound")]
    [InlineData("Get-PveApiToken -UserId ci@pve, alice@pve -TokenId nope", "TokenNotFound")]
    [InlineData("Get-PveApiToken -TokenId nope", "TokenNotFound")]
    [InlineData("Get-PveApiToken -UserId nobody@pve -TokenId backup", "UserNotFound")]
    [InlineData("Get-PveApiToken -UserId nobody@pve", "UserNotFound")]
    [InlineData("Get-PveApiToken -UserId nobody@pve, ci@pve", "UserNotFound")]
    public async Task AnExactIdThatMatchesNothingIsAnError(string script, string errorId)
    {
        await using var t = await TokenTestContext.StartAsync();

        PsResult r = t.Run(script);

        r.SingleError(errorId + Id);
        Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, r.Errors[0].CategoryInfo.Category);
    }

    [Theory]
    [InlineData("Get-PveApiToken -UserId ci@pve -TokenId nope*")]
    [InlineData("Get-PveApiToken -UserId nobody* -TokenId backup")]
    [InlineData("Get-PveApiToken -UserId alice@pve -TokenId back*")]
    public async Task AWildcardThatMatchesNothingReturnsNothing(string script)
    {
        await using var t = await TokenTestContext.StartAsync();

        PsResult r = t.Run(script);

        r.AssertNoErrors();
        Assert.Empty(r.Output);
    }

    [Fact]
    public async Task ExactIdsAreCaseSensitiveLikePveWildcardsAreNot()
    {
        await using var t = await TokenTestContext.StartAsync();

        Assert.Single(t.Run("Get-PveApiToken -TokenId BACK*").Objects<PveApiToken>());
        t.Run("Get-PveApiToken -UserId c* -TokenId BACKUP").SingleError("TokenNotFound" + Id);
    }

    [Fact]
    public async Task FiltersExpiredAndExpiringTokens()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        await using var t = await TokenTestContext.StartAsync(seed: s =>
        {
            s.AddToken("ci@pve", "soon", expire: now.AddDays(3).ToUnixTimeSeconds());
            s.AddToken("ci@pve", "later", expire: now.AddDays(60).ToUnixTimeSeconds());
        });

        Assert.Equal(new[] { "alice@pve!old" }, t.Run("Get-PveApiToken -Expired").Objects<PveApiToken>().Select(x => x.FullTokenId));
        Assert.Equal(new[] { "ci@pve!soon" }, t.Run("Get-PveApiToken -ExpiringWithin (New-TimeSpan -Days 7)").Objects<PveApiToken>().Select(x => x.FullTokenId));
        Assert.Equal(new[] { "alice@pve!old", "ci@pve!later", "ci@pve!soon" },
            t.Run("Get-PveApiToken -Expired -ExpiringWithin 90.00:00:00").Objects<PveApiToken>().Select(x => x.FullTokenId).OrderBy(x => x, StringComparer.Ordinal));
        Assert.Empty(t.Run("Get-PveApiToken -UserId ci@pve -Expired").Output);
        t.ClearLog();
        t.Run("Get-PveApiToken -ExpiringWithin 0").SingleError("InvalidExpiringWithin" + Id);
        Assert.Empty(t.Requests);
    }

    [Theory]
    [InlineData("Get-PveApiToken -UserId ci", "InvalidUserId")]
    [InlineData("Get-PveApiToken -UserId ci@pve -TokenId 'x y'", "InvalidTokenId")]
    public async Task RefusesInvalidExactIdsBeforeSendingAnything(string script, string errorId)
    {
        await using var t = await TokenTestContext.StartAsync();

        t.Run(script).SingleError(errorId + Id);

        Assert.Empty(t.Requests);
    }

    [Fact]
    public async Task RereadsTokenObjectsOnTheirOwnSession()
    {
        await using var a = await TokenTestContext.StartAsync();
        await using var b = await TokenTestContext.StartAsync();
        PveApiToken fromA = a.Run("Get-PveApiToken -UserId ci@pve -TokenId backup").Single<PveApiToken>();
        a.State.AddToken("ci@pve", "other");
        a.ClearLog();

        // b's PowerShell has b as its default session; the object still goes back to a.
        PsResult r = b.Run("$tok | Get-PveApiToken", ("tok", fromA));

        r.AssertNoErrors();
        Assert.Same(fromA.Session, r.Single<PveApiToken>().Session);
        Assert.Equal(new[] { "GET /access/users/ci@pve" }, a.Calls);
        Assert.Empty(b.Requests);
    }

    [Fact]
    public async Task TheTableViewShowsLocalExpiryAndStatus()
    {
        await using var t = await TokenTestContext.StartAsync();

        string table = t.Ps.Render("Get-PveApiToken");

        Assert.Contains("PrivilegeSeparation", table, StringComparison.Ordinal);
        Assert.Contains("never", table, StringComparison.Ordinal);
        Assert.Contains(DateTimeOffset.FromUnixTimeSeconds(1700000000).LocalDateTime.ToString("yyyy-MM-dd HH:mm"), table, StringComparison.Ordinal);
        Assert.Contains("Expired", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowsProgressOnlyWhenListingManyUsersAndStopsEarlyOnDemand()
    {
        await using var t = await TokenTestContext.StartAsync(seed: s =>
        {
            for (int u = 0; u < 1200; u++)
            {
                s.AddUser($"bulk{u:D4}@pve");
                s.AddToken($"bulk{u:D4}@pve", "t1");
            }
        });
        PsResult many = t.Run("$null = Get-PveApiToken");
        PsResult few = t.Run("$null = Get-PveApiToken -UserId ci@pve");
        PsResult first = t.Run("Get-PveApiToken | Select-Object -First 1");

        // Users come sorted: alice@pve (1 token), then bulk0000… (1 token each).
        Assert.Equal(new[] { "500 users, 500 tokens", "1000 users, 1000 tokens" },
            many.Progress.Where(p => p.RecordType == ProgressRecordType.Processing).Select(p => p.StatusDescription));
        Assert.All(many.Progress.Where(p => p.RecordType == ProgressRecordType.Processing), p => Assert.InRange(p.PercentComplete, 1, 99));
        Assert.Equal(ProgressRecordType.Completed, many.Progress.Last().RecordType);
        Assert.Empty(few.Progress);
        first.AssertNoErrors();
        Assert.Single(first.Output);
    }

    [Fact]
    public async Task FifteenThousandTokensOfFiveThousandUsersInOneRequest()
    {
        await using var t = await TokenTestContext.StartAsync(standardSeed: false, seed: s =>
        {
            for (int u = 0; u < 5000; u++)
            {
                string user = $"user{u:D4}@pve";
                s.AddUser(user);
                for (int k = 0; k < 3; k++)
                {
                    s.AddToken(user, $"tok{k}", expire: 4102444800, comment: "bulk");
                }
            }
        });
        var watch = Stopwatch.StartNew();

        PsResult r = t.Run("Get-PveApiToken | Measure-Object | ForEach-Object Count");

        watch.Stop();
        r.AssertNoErrors();
        Assert.Equal(15000, (int)r.Output.Single().BaseObject);
        Assert.Equal(new[] { "GET /access/users" }, t.Calls);

        // Generous bound for a shared CI machine (server side included); bench/ measures it properly.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }
}
