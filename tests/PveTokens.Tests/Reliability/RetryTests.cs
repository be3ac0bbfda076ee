using System.Management.Automation;
using PveEmulator;
using PveEmulator.Faults;

using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Reliability;

/// <summary>
/// Retries through the cmdlets against the emulator's fault injection: which failures are retried
/// (reads on 502/503/504, transport errors, unreadable answers), which never are (400, 401, 403,
/// PVE's 500), the verbose line per retry, and the retry budget of the session.
/// </summary>
public sealed class RetryTests
{
    private const string AclRead = "Get-PveAcl -Session $s";

    private static List<RequestLogEntry> Calls(ReliabilityContext c, string method, string pathStart) =>
        c.Requests.Where(r => r.Method == method && r.Path.StartsWith("/api2/json" + pathStart, StringComparison.Ordinal)).ToList();

    [Theory]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task A_read_answered_by_a_gateway_error_is_retried_and_succeeds(int status)
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.Host.Faults.FailNext(2, status, "GET");

        PsResult r = c.Run(AclRead);

        r.AssertNoErrors();
        List<RequestLogEntry> reads = Calls(c, "GET", "/access/acl");
        Assert.Equal(3, reads.Count);
        Assert.Equal(new[] { status, status, 200 }, reads.Select(e => e.Status));
        string[] retries = r.Verbose.Where(v => v.Contains("retry", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, retries.Length);
        Assert.Contains("GET /access/acl failed (" + status, retries[0]);
        Assert.Contains("retry 1 of 3 (attempt 2 of 4) in ", retries[0]);
        Assert.Contains("retry 2 of 3 (attempt 3 of 4) in ", retries[1]);
        Assert.Matches(@" in \d+(\.\d+)? s\.$", retries[1]);
    }

    [Fact]
    public async Task A_read_gives_up_after_the_sessions_retry_count_with_the_last_error()
    {
        await using var c = await ReliabilityContext.StartAsync(connectOptions: "-MaximumRetryCount 2 -RetryIntervalSec 0.01");
        c.Host.Faults.FailNext(10, 503, "GET");

        PsResult r = c.Run(AclRead);

        ErrorRecord e = r.SingleError("ApiError,PveTokens.Commands.GetPveAclCommand");
        Assert.Contains("503", e.ErrorDetails!.Message);
        Assert.Equal(3, Calls(c, "GET", "/access/acl").Count);
        Assert.Equal(2, c.Session.MaximumRetryCount);
    }

    [Fact]
    public async Task MaximumRetryCount_0_turns_retries_off()
    {
        await using var c = await ReliabilityContext.StartAsync(connectOptions: "-MaximumRetryCount 0");
        c.Host.Faults.FailNext(1, 503, "GET");

        PsResult r = c.Run(AclRead);

        r.SingleError("ApiError,PveTokens.Commands.GetPveAclCommand");
        Assert.Single(Calls(c, "GET", "/access/acl"));
    }

    [Fact]
    public async Task Reads_are_retried_after_dropped_connections_and_unreadable_answers()
    {
        await using var c = await ReliabilityContext.StartAsync(connectOptions: "-MaximumRetryCount 5 -RetryIntervalSec 0.01");
        c.Host.Faults.DropNextBeforeRequest(1, "GET");
        c.Host.Faults.DropNextAfterHandling(1, "GET");
        c.Host.Faults.MalformNext(1, MalformedBody.Truncated, "GET");
        c.Host.Faults.MalformNext(1, MalformedBody.NotJson, "GET");

        PsResult r = c.Run("Get-PveApiToken -Session $s -UserId ci@pve -TokenId backup");

        r.AssertNoErrors();
        Assert.Equal("nightly backup", r.Single<PveTokens.Models.PveApiToken>().Comment);
        List<RequestLogEntry> reads = Calls(c, "GET", "/access/users/ci@pve");
        Assert.Equal(new[] { "drop-before", "drop-after", "truncated", "not-json", null }, reads.Select(e => e.Fault));
        Assert.Equal(4, r.Verbose.Count(v => v.Contains("retry", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_read_that_times_out_is_retried()
    {
        await using var c = await ReliabilityContext.StartAsync(connectOptions: "-MaximumRetryCount 2 -RetryIntervalSec 0.01 -TimeoutSec 1");
        c.Host.Faults.SlowNext(1, 2500, "GET");

        PsResult r = c.Run(AclRead);

        r.AssertNoErrors();
        // The emulator stalls after the headers, so the timeout strikes while the answer is read.
        Assert.Contains(r.Verbose, v => v.Contains("GET /access/acl failed (200 OK, then timed out while reading the answer); retry 1 of 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Errors_400_401_403_and_PVEs_500_are_never_retried()
    {
        await using var c = await ReliabilityContext.StartAsync();

        // 500 with a message: no such token.
        PsResult notFound = c.Run("Get-PveApiToken -Session $s -UserId ci@pve -TokenId nosuch");
        notFound.SingleError("TokenNotFound,PveTokens.Commands.GetPveApiTokenCommand");
        Assert.Single(Calls(c, "GET", "/access/users/ci@pve"));

        c.State.AddUser("low@pve", password: "Low-Example-Pass-1");
        string lowSecret = c.State.AddToken("low@pve", "tk", privsep: true);
        PsResult connect = c.Ps.Run("$low = Connect-PveServer -PassThru -Server $url -ApiToken $tok -CertificateThumbprint $fp -RetryIntervalSec 0.01",
            Infrastructure.Emulators.Vars(c.Host, ("tok", "low@pve!tk=" + lowSecret)));
        connect.AssertNoErrors();
        c.Host.ClearRequestLog();

        // 403: the token may read neither ci@pve nor its tokens (each asked once).
        PsResult denied = c.Ps.Run("Get-PveApiToken -Session $low -UserId ci@pve -TokenId backup");
        Assert.Contains(denied.Errors, e => e.FullyQualifiedErrorId.StartsWith("PermissionDenied,", StringComparison.Ordinal));
        Assert.Equal(2, Calls(c, "GET", "/access/users/ci@pve").Count);
        Assert.Single(Calls(c, "GET", "/access/users/ci@pve/token/backup"));

        // 401: the token is gone.
        c.State.RemoveToken("low@pve", "tk");
        c.Host.ClearRequestLog();
        PsResult rejected = c.Ps.Run("Get-PveAcl -Session $low");
        Assert.Contains(rejected.Errors, e => e.FullyQualifiedErrorId.StartsWith("AuthenticationFailed,", StringComparison.Ordinal));
        Assert.Single(Calls(c, "GET", "/access/acl"));

        // 400 from PVE's validator: a GET with a parameter PVE refuses (path too long for /access/permissions).
        c.Host.ClearRequestLog();
        PveTokens.Client.PveParameters bad = new PveTokens.Client.PveParameters().Add("path", "/" + new string('a', 100)).Add("nosuchparam", "1");
        var ex = await Assert.ThrowsAsync<PveTokens.Client.PveApiException>(() => c.Session.Client.GetAsync<System.Text.Json.JsonElement>("/access/permissions", bad, CancellationToken.None));
        Assert.Equal(400, ex.StatusCode);
        Assert.Single(Calls(c, "GET", "/access/permissions"));
    }

    [Fact]
    public async Task A_write_answered_503_is_not_sent_again_but_read_back_and_reported_not_applied()
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.Host.Faults.FailNext(1, 503, "PUT");

        PsResult r = c.Run("Update-PveApiToken -Session $s -UserId ci@pve -TokenId backup -Comment changed -Confirm:$false");

        ErrorRecord e = r.SingleError("WriteNotApplied,PveTokens.Commands.UpdatePveApiTokenCommand");
        Assert.Contains("NOT applied", e.ErrorDetails!.Message);
        Assert.Contains("run the command again", e.ErrorDetails.Message);
        Assert.Single(Calls(c, "PUT", "/access/users/ci@pve/token/backup"));
        Assert.Single(Calls(c, "GET", "/access/users/ci@pve/token/backup"));
        Assert.Equal("nightly backup", c.State.GetToken("ci@pve", "backup")!.Value.Comment);
    }
}
