using System.Diagnostics;
using PveEmulator;

using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Reliability;

/// <summary>
/// One session shared by parallel runspaces (ForEach-Object -Parallel with -Session $using:s), and a
/// long sequential run: no errors, no lost or doubled writes, a bounded number of connections (reads
/// reuse keep-alive connections; every write costs one, as PVE closes the connection after it), and
/// flat memory.
/// </summary>
public sealed class LoadTests
{
    [Fact]
    public async Task One_session_shared_by_8_parallel_runspaces_does_2000_reads_and_400_writes_without_loss()
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.State.AddUser("load@pve", password: "Load-Example-Pass-1");
        long acceptedBefore = c.Host.ConnectionsAccepted;
        const string script = """
            $manifest = $psmanifest
            1..400 | ForEach-Object -ThrottleLimit 8 -Parallel {
                if (-not (Get-Module PveTokens)) { Import-Module $using:manifest }
                $s = $using:s
                $i = $_
                for ($k = 0; $k -lt 5; $k++) {
                    if ($k % 2) { $null = Get-PveAcl -Session $s -Path /vms }
                    else { $null = Get-PveApiToken -Session $s -UserId ci@pve -TokenId backup }
                }
                $t = New-PveApiToken -Session $s -UserId load@pve -TokenId ('t{0:d3}' -f $i) -Comment "n$i" -Confirm:$false
                $t.TokenId
            }
            """;
        var watch = Stopwatch.StartNew();

        PsResult r = c.Ps.Run(script, new() { ["s"] = c.Session, ["psmanifest"] = Infrastructure.PowerShellHost.ModuleManifest });

        r.AssertNoErrors();
        string[] created = r.Output.Select(o => o.ToString()).ToArray();
        Assert.Equal(400, created.Length);
        Assert.Equal(400, created.Distinct().Count());

        // The emulator's state: exactly the 400 tokens, each with its own comment.
        List<string> ids = c.State.TokenIds("load@pve");
        Assert.Equal(Enumerable.Range(1, 400).Select(i => $"t{i:d3}"), ids);
        Assert.All(ids, id => Assert.Equal("n" + int.Parse(id.Substring(1), System.Globalization.CultureInfo.InvariantCulture), c.State.GetToken("load@pve", id)!.Value.Comment));

        // No write sent twice, every read answered once.
        IReadOnlyList<RequestLogEntry> log = c.Requests;
        Assert.Equal(400, log.Count(e => e.Method == "POST"));
        // (Get-PveAcl also asks, once per session and minute, whether the token may see the whole ACL.)
        Assert.Equal(2000, log.Count(e => e.Method == "GET" && !e.Path.EndsWith("/access/permissions", StringComparison.Ordinal)));
        Assert.InRange(log.Count(e => e.Path.EndsWith("/access/permissions", StringComparison.Ordinal)), 1, 8);
        Assert.All(log, e => Assert.Equal(200, e.Status));

        // Each write costs a connection (PVE and the emulator close it after every write); reads reuse
        // the pooled ones, so at most one connection per parallel worker is left over.
        long accepted = c.Host.ConnectionsAccepted - acceptedBefore;
        Assert.InRange(accepted, 400 - 8, 400 + 8 + 4);
        Assert.InRange(c.Host.ActiveConnections, 0, 8);
        Console.WriteLine($"parallel load: {watch.Elapsed.TotalSeconds:0.0} s, {accepted} connections");
    }

    [Fact]
    public async Task Twenty_thousand_sequential_requests_over_one_session_keep_memory_and_sockets_flat()
    {
        await using var c = await ReliabilityContext.StartAsync();
        PveTokens.Client.PveClient client = c.Session.Client;
        var watch = Stopwatch.StartNew();

        async Task Batch(int count)
        {
            for (int i = 0; i < count; i++)
            {
                await client.GetVersionAsync(CancellationToken.None);
            }

            // The emulator's own request log lives in this process too: keep it out of the measurement.
            c.Host.ClearRequestLog();
        }

        await Batch(2000);
        long accepted = c.Host.ConnectionsAccepted;
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        for (int round = 0; round < 9; round++)
        {
            await Batch(2000);
        }

        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"20,000 requests: {watch.Elapsed.TotalSeconds:0.0} s, memory {memoryBefore / 1024} KiB -> {memoryAfter / 1024} KiB");

        Assert.InRange(memoryAfter - memoryBefore, long.MinValue, 16L * 1024 * 1024);
        Assert.Equal(accepted, c.Host.ConnectionsAccepted); // 18,000 requests, not one new connection
        Assert.InRange(c.Host.ActiveConnections, 0, 1);
    }
}
