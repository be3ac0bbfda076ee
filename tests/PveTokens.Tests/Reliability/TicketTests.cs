using System.Management.Automation;
using PveEmulator;

using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Reliability;

/// <summary>
/// Ticket sessions outlive their tickets: a 401 in the middle of a session renews once (or logs in
/// again with the kept password) and retries once, for ticket sessions only; token sessions never
/// retry a 401.
/// </summary>
public sealed class TicketTests
{
    private static List<RequestLogEntry> Logins(IEnumerable<RequestLogEntry> log) =>
        log.Where(r => r.Method == "POST" && r.Path == "/api2/json/access/ticket").ToList();

    [Fact]
    public async Task A_long_session_keeps_working_across_ticket_expiry_for_reads_and_writes()
    {
        await using var c = await ReliabilityContext.StartAsync(ticket: true, configure: o => o.TicketLifetimeSeconds = 2);
        var deadline = DateTime.UtcNow.AddSeconds(7);
        int round = 0;
        while (DateTime.UtcNow < deadline)
        {
            round++;
            PsResult r = c.Run("Get-PveAcl -Session $s | Out-Null; Update-PveApiToken -Session $s -UserId ci@pve -TokenId backup -Comment \"round $n\" -Confirm:$false",
                ("n", round));
            r.AssertNoErrors();
            Thread.Sleep(400);
        }

        Assert.Equal($"round {round}", c.State.GetToken("ci@pve", "backup")!.Value.Comment);
        IReadOnlyList<RequestLogEntry> log = c.Requests;

        // Expired tickets were met (401) and replaced: by a renewal or, once too old to renew, a fresh login.
        Assert.Contains(log, e => e.Status == 401 && e.Path != "/api2/json/access/ticket");
        Assert.True(Logins(log).Count(e => e.Status == 200) >= 2, string.Join("\n", log.Select(e => $"{e.Method} {e.Path} {e.Status}")));
        Assert.All(log.Where(e => e.Path != "/api2/json/access/ticket" && e.Status == 200), e => Assert.Equal("ticket", e.AuthKind));
    }

    [Fact]
    public async Task A_401_renews_once_and_retries_once_then_reports_the_failure()
    {
        await using var c = await ReliabilityContext.StartAsync(ticket: true);

        // Disabled after login: every ticket call and every renewal or login is refused from now on.
        c.State.SetUserEnabled("root@pam", false);
        PsResult r = c.Run("Get-PveAcl -Session $s");

        Assert.Contains(r.Errors, e => e.FullyQualifiedErrorId.StartsWith("AuthenticationFailed,", StringComparison.Ordinal));
        IReadOnlyList<RequestLogEntry> log = c.Requests;
        Assert.Single(log, e => e.Path == "/api2/json/access/acl");
        Assert.InRange(Logins(log).Count, 1, 2); // renewal with the ticket, then one login with the password
        Assert.All(Logins(log), e => Assert.Equal(401, e.Status));
    }

    [Fact]
    public async Task A_401_on_a_token_session_is_final()
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.State.RemoveToken("root@pam", "rel");

        PsResult r = c.Run("Get-PveAcl -Session $s");

        r.SingleError("AuthenticationFailed,PveTokens.Commands.GetPveAclCommand");
        IReadOnlyList<RequestLogEntry> log = c.Requests;
        Assert.Single(log);
        Assert.Empty(Logins(log));
    }

    [Fact]
    public async Task Parallel_calls_that_meet_an_expired_ticket_replace_it_once()
    {
        await using var c = await ReliabilityContext.StartAsync(ticket: true, configure: o => o.TicketLifetimeSeconds = 1);
        Thread.Sleep(2500);

        Exception?[] failures = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            try
            {
                await c.Session.Client.GetAclAsync(CancellationToken.None);
                return (Exception?)null;
            }
            catch (Exception e)
            {
                return e;
            }
        })));

        Assert.All(failures, Assert.Null);

        // One renewal attempt with the stale ticket (refused) and one login; not one per caller.
        Assert.InRange(Logins(c.Requests).Count, 1, 2);
    }
}
