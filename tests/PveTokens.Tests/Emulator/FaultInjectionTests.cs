using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using PveEmulator;
using PveEmulator.Faults;

namespace PveTokens.Tests.Emulator;

/// <summary>
/// Fault injection as a client sees it: every fault kind observed from a raw connection or a plain
/// HttpClient, live switching, seeded reproducibility, and faults off = unchanged behaviour.
/// Timing bounds are generous (shared CI cores): only lower bounds are tight.
/// </summary>
public sealed class FaultInjectionTests
{
    private const string RootTokenSecret = "11111111-2222-4333-8444-555555555555";
    private const string RootToken = "PVEAPIToken=root@pam!admin=" + RootTokenSecret;

    private static async Task<EmulatorHost> StartAsync(Action<EmulatorOptions>? configure = null)
    {
        var options = new EmulatorOptions { AuthFailureDelayMs = 0 };
        configure?.Invoke(options);
        EmulatorHost host = await EmulatorHost.StartAsync(options);
        host.State.AddToken("root@pam", "admin", privsep: false, secret: RootTokenSecret);
        return host;
    }

    /// <summary>A client of its own, so every test request starts on a fresh connection (no transparent retry on a reused one).</summary>
    private static HttpClient NewClient(EmulatorHost host)
    {
        var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = host.Url, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", RootToken);
        return client;
    }

    private static Task<RawResponse> RawGet(EmulatorHost host, string path) =>
        RawHttpsClient.SendAsync(host.Url, "GET", path, [KeyValuePair.Create("Authorization", RootToken)], null);

    private static Task<RawResponse> RawPost(EmulatorHost host, string path, string form) =>
        RawHttpsClient.SendAsync(host.Url, "POST", path,
            [KeyValuePair.Create("Authorization", RootToken), KeyValuePair.Create("Content-Type", "application/x-www-form-urlencoded")],
            Encoding.UTF8.GetBytes(form));

    /// <summary>The log with at least <paramref name="count"/> entries (the emulator logs before it answers or resets, so no wait is expected).</summary>
    private static async Task<IReadOnlyList<RequestLogEntry>> LogWithAsync(EmulatorHost host, int count)
    {
        var wait = Stopwatch.StartNew();
        while (host.RequestLog.Count < count && wait.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10);
        }
        return host.RequestLog;
    }

    [Fact]
    public async Task FaultsAreOffByDefaultAndRequestsAreNotMarked()
    {
        await using EmulatorHost host = await StartAsync();

        RawResponse version = await RawGet(host, "/api2/json/version");
        RawResponse created = await RawPost(host, "/api2/json/access/groups", "groupid=ops");
        RawResponse missing = await RawGet(host, "/api2/json/access/users/nobody@pve");

        FaultInjector faults = host.Faults;
        Assert.Equal((0, 0.0, 0.0, 0.0, 0.0, 0, (string?)null, 0),
                     (faults.LatencyMs, faults.ServerErrorRate, faults.DropBeforeRate, faults.DropAfterRate, faults.MalformedRate, faults.SlowBodyMs,
                      faults.Method, faults.PendingCount));
        Assert.Equal((200, "OK", "Keep-Alive"), (version.Status, version.Reason, version.Header("Connection")));
        Assert.StartsWith("""{"data":{""", Encoding.UTF8.GetString(version.Body), StringComparison.Ordinal);
        Assert.Equal(200, created.Status);
        Assert.NotEqual(200, missing.Status);
        Assert.All(host.RequestLog, e => Assert.Null(e.Fault));
        Assert.Equal(3, host.RequestLog.Count);
    }

    [Fact]
    public async Task LatencyDelaysEveryResponseAndCanBeSwitchedOffLive()
    {
        await using EmulatorHost host = await StartAsync(o => o.FaultLatencyMs = 400);
        await RawGet(host, "/api2/json/version"); // warm-up (JIT, first TLS handshake)

        var timer = Stopwatch.StartNew();
        RawResponse delayed = await RawGet(host, "/api2/json/version");
        TimeSpan withLatency = timer.Elapsed;
        host.Faults.LatencyMs = 0;
        RawResponse prompt = await RawGet(host, "/api2/json/version");

        Assert.Equal(200, delayed.Status);
        Assert.Equal(prompt.Body, delayed.Body);
        Assert.True(withLatency >= TimeSpan.FromMilliseconds(380), $"with latency: {withLatency}");
        Assert.Equal(new string?[] { "latency", "latency", null }, host.RequestLog.Select(e => e.Fault));
    }

    [Fact]
    public async Task FailNextAnswersWithAProxyStatusLineAndClosesWithoutRunningTheHandler()
    {
        await using EmulatorHost host = await StartAsync();
        host.Faults.FailNext(1);
        host.Faults.FailNext(1, 502);

        RawResponse unavailable = await RawPost(host, "/api2/json/access/groups", "groupid=first");
        RawResponse badGateway = await RawPost(host, "/api2/json/access/groups", "groupid=second");
        RawResponse served = await RawPost(host, "/api2/json/access/groups", "groupid=third");

        Assert.Equal((503, "Service Unavailable", "close"), (unavailable.Status, unavailable.Reason, unavailable.Header("Connection")));
        Assert.Equal((502, "Bad Gateway", "close"), (badGateway.Status, badGateway.Reason, badGateway.Header("Connection")));
        Assert.Empty(unavailable.Body);
        Assert.Equal("0", unavailable.Header("Content-Length"));
        Assert.Null(unavailable.Header("Content-Type"));
        Assert.Equal(200, served.Status);
        Assert.False(host.State.GroupExists("first"));
        Assert.False(host.State.GroupExists("second"));
        Assert.True(host.State.GroupExists("third"));
        Assert.Equal(0, host.Faults.PendingCount);
        Assert.Equal(new (string?, int)[] { ("status-503", 503), ("status-502", 502), (null, 200) }, host.RequestLog.Select(e => (e.Fault, e.Status)));
    }

    [Fact]
    public async Task OneShotFaultsCanBeRestrictedToAMethodAndNeverTouchPathsOutsideTheApi()
    {
        await using EmulatorHost host = await StartAsync();
        host.Faults.FailNext(2, method: "GET");

        RawResponse post = await RawPost(host, "/api2/json/access/groups", "groupid=ops");
        RawResponse page = await RawGet(host, "/");
        RawResponse first = await RawGet(host, "/api2/json/access/groups");
        RawResponse second = await RawGet(host, "/api2/json/version");
        RawResponse third = await RawGet(host, "/api2/json/version");

        Assert.Equal((200, 501, 503, 503, 200), (post.Status, page.Status, first.Status, second.Status, third.Status));
        Assert.Equal("no such file '/'", page.Reason);
        Assert.True(host.State.GroupExists("ops"));
        Assert.Equal(new string?[] { null, null, "status-503", "status-503", null }, host.RequestLog.Select(e => e.Fault));
    }

    [Fact]
    public async Task ServerErrorRateCanBeSwitchedOnAndOffLiveAndRestrictedToGets()
    {
        await using EmulatorHost host = await StartAsync(o => o.FaultSeed = 7);
        Assert.Equal(7, host.Faults.Seed);
        Assert.Equal(200, (await RawGet(host, "/api2/json/version")).Status);

        host.Faults.ServerErrorRate = 1;
        var statuses = new List<int>();
        for (int i = 0; i < 12; i++)
        {
            statuses.Add((await RawGet(host, "/api2/json/version")).Status);
        }
        host.Faults.Method = "get";
        RawResponse post = await RawPost(host, "/api2/json/access/groups", "groupid=ops");
        host.Faults.Reset();
        RawResponse after = await RawGet(host, "/api2/json/version");

        Assert.All(statuses, s => Assert.Contains(s, new[] { 502, 503 }));
        Assert.Contains(502, statuses);
        Assert.Contains(503, statuses);
        Assert.Equal(200, post.Status);
        Assert.Equal(200, after.Status);
        Assert.Equal((0.0, (string?)null, 7), (host.Faults.ServerErrorRate, host.Faults.Method, host.Faults.Seed));
    }

    [Fact]
    public async Task DropBeforeRequestResetsTheConnectionAndChangesNothing()
    {
        await using EmulatorHost host = await StartAsync();
        host.Faults.DropNextBeforeRequest(1);

        using HttpClient client = NewClient(host);
        using var form = new FormUrlEncodedContent([KeyValuePair.Create("comment", "x")]);
        Exception e = await Assert.ThrowsAnyAsync<Exception>(() => client.PostAsync("/api2/json/access/users/root@pam/token/new", form));
        IReadOnlyList<RequestLogEntry> log = await LogWithAsync(host, 1);

        Assert.True(e is HttpRequestException or IOException, e.ToString());
        Assert.False(host.State.TokenExists("root@pam", "new"));
        Assert.Equal(("drop-before", 0, "POST"), (log[0].Fault, log[0].Status, log[0].Method));
        Assert.Equal(200, (await RawGet(host, "/api2/json/version")).Status);
    }

    [Fact]
    public async Task DropAfterHandlingAppliesTheStateChangeButTheClientOnlySeesAReset()
    {
        await using EmulatorHost host = await StartAsync();
        using HttpClient client = NewClient(host);
        (await client.GetAsync("/api2/json/version")).Dispose(); // the POST then goes over a reused keep-alive connection
        host.Faults.DropNextAfterHandling(1);

        using var form = new FormUrlEncodedContent([KeyValuePair.Create("comment", "x")]);
        Exception e = await Assert.ThrowsAnyAsync<Exception>(() => client.PostAsync("/api2/json/access/users/root@pam/token/new", form));
        IReadOnlyList<RequestLogEntry> log = await LogWithAsync(host, 2);
        await Task.Delay(200); // room for a (wrong) transparent retry to show up in the log

        Assert.True(e is HttpRequestException or IOException, e.ToString());
        Assert.True(host.State.TokenExists("root@pam", "new"));
        Assert.Equal(("drop-after", 200, "token"), (log[1].Fault, log[1].Status, log[1].AuthKind));
        // The write reached the node exactly once: HttpClient does not resend it on its own.
        Assert.Equal(2, host.RequestLog.Count);
        Assert.Equal(1, host.ConnectionsAccepted);
    }

    [Fact]
    public async Task DropAfterHandlingOfARawRequestEndsTheStreamBeforeAnyResponseByte()
    {
        await using EmulatorHost host = await StartAsync();
        host.Faults.DropNextAfterHandling(1, method: "POST");

        // RawHttpsClient reports a clean EOF as IOException; a reset surfaces as IOException too.
        await Assert.ThrowsAnyAsync<IOException>(() => RawPost(host, "/api2/json/access/groups", "groupid=ops"));

        Assert.True(host.State.GroupExists("ops"));
        Assert.Equal("drop-after", (await LogWithAsync(host, 1))[0].Fault);
    }

    [Fact]
    public async Task MalformedBodiesAreWellFramed200sThatAreNotJson()
    {
        await using EmulatorHost host = await StartAsync();
        RawResponse good = await RawGet(host, "/api2/json/version");
        host.Faults.MalformNext(1);
        host.Faults.MalformNext(1, MalformedBody.NotJson);
        host.Faults.MalformNext(1, method: "POST");

        RawResponse truncated = await RawGet(host, "/api2/json/version");
        RawResponse html = await RawGet(host, "/api2/json/version");
        RawResponse created = await RawPost(host, "/api2/json/access/groups", "groupid=ops");

        Assert.Equal((200, "OK"), (truncated.Status, truncated.Reason));
        Assert.Equal(good.Body[..(good.Body.Length / 2)], truncated.Body);
        Assert.Equal(truncated.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), truncated.Header("Content-Length"));
        Assert.Equal("application/json;charset=UTF-8", truncated.Header("Content-Type"));
        Assert.StartsWith("<html>", Encoding.UTF8.GetString(html.Body), StringComparison.Ordinal);
        Assert.Equal(200, html.Status);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(truncated.Body));
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(html.Body));
        Assert.Equal(200, created.Status);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(created.Body));
        Assert.True(host.State.GroupExists("ops"));
        Assert.Equal(new string?[] { null, "truncated", "not-json", "truncated" }, host.RequestLog.Select(e => e.Fault));
    }

    [Fact]
    public async Task SlowBodySendsTheHeadersThenStallsTheBody()
    {
        await using EmulatorHost host = await StartAsync();
        using HttpClient client = NewClient(host);
        byte[] expected = await client.GetByteArrayAsync("/api2/json/version");
        host.Faults.SlowNext(1, 2000);

        var timer = Stopwatch.StartNew();
        using HttpResponseMessage response = await client.GetAsync("/api2/json/version", HttpCompletionOption.ResponseHeadersRead);
        TimeSpan headers = timer.Elapsed;
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        TimeSpan complete = timer.Elapsed;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, body);
        Assert.True(complete >= TimeSpan.FromMilliseconds(1950), $"body complete after {complete}");
        Assert.True(complete - headers >= TimeSpan.FromMilliseconds(1000), $"headers after {headers}, body after {complete}");
        Assert.Equal("slow-body", (await LogWithAsync(host, 2))[1].Fault);
    }

    [Fact]
    public async Task SlowBodyPastTheClientTimeoutTimesTheClientOut()
    {
        await using EmulatorHost host = await StartAsync(o => o.FaultSlowBodyMs = 5000);
        Assert.Equal(5000, host.Faults.SlowBodyMs);
        using HttpClient client = NewClient(host);
        // Connect first with the fault off, so the timeout below is not spent on a (slow, loaded-CI) TLS handshake.
        host.Faults.SlowBodyMs = 0;
        (await client.GetAsync("/api2/json/version")).Dispose();
        host.Faults.SlowBodyMs = 5000;

        var timer = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync("/api2/json/version", timeout.Token));
        TimeSpan gaveUp = timer.Elapsed;
        IReadOnlyList<RequestLogEntry> log = await LogWithAsync(host, 2);

        Assert.True(gaveUp < TimeSpan.FromMilliseconds(4500), $"client gave up after {gaveUp}");
        Assert.Equal(new string?[] { null, "slow-body" }, log.Select(e => e.Fault));
    }

    [Fact]
    public async Task SameSeedGivesTheSameFaultedRequestIndexes()
    {
        static async Task<string?[]> RunAsync(int seed)
        {
            await using EmulatorHost host = await StartAsync(o =>
            {
                o.FaultSeed = seed;
                o.FaultServerErrorRate = 0.2;
                o.FaultDropBeforeRate = 0.1;
                o.FaultDropAfterRate = 0.1;
                o.FaultMalformedRate = 0.2;
            });
            const int requests = 30;
            for (int i = 0; i < requests; i++)
            {
                try
                {
                    await RawGet(host, "/api2/json/version");
                }
                catch (IOException)
                {
                    // a dropped connection
                }
                await LogWithAsync(host, i + 1);
            }
            return host.RequestLog.Select(e => e.Fault).ToArray();
        }

        string?[] first = await RunAsync(20260);
        string?[] again = await RunAsync(20260);
        string?[] other = await RunAsync(4711);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Contains(first, f => f is null);
        Assert.Contains(first, f => f is "status-502" or "status-503");
        Assert.Contains(first, f => f is "truncated" or "not-json");
        Assert.Contains(first, f => f is "drop-before" or "drop-after");
    }

    [Fact]
    public async Task ReseedRepeatsTheSequenceOnALiveHost()
    {
        await using EmulatorHost host = await StartAsync();
        host.Faults.ServerErrorRate = 0.5;

        async Task<int[]> StatusesAsync()
        {
            host.Faults.Reseed(99);
            var statuses = new int[16];
            for (int i = 0; i < statuses.Length; i++)
            {
                statuses[i] = (await RawGet(host, "/api2/json/version")).Status;
            }
            return statuses;
        }

        int[] first = await StatusesAsync();
        int[] second = await StatusesAsync();

        Assert.Equal(first, second);
        Assert.Contains(200, first);
        Assert.Contains(first, s => s >= 500);
    }

    [Fact]
    public async Task ActiveConnectionsCountsOpenConnectionsOnly()
    {
        await using EmulatorHost host = await StartAsync();
        using (HttpClient a = NewClient(host))
        using (HttpClient b = NewClient(host))
        {
            (await a.GetAsync("/api2/json/version")).Dispose();
            (await b.GetAsync("/api2/json/version")).Dispose();
            (await a.GetAsync("/api2/json/version")).Dispose();

            Assert.Equal(2, host.ActiveConnections);
            Assert.Equal(2, host.ConnectionsAccepted);
        }

        var wait = Stopwatch.StartNew();
        while (host.ActiveConnections > 0 && wait.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10);
        }
        Assert.Equal(0, host.ActiveConnections);
        Assert.Equal(2, host.ConnectionsAccepted);
    }

    [Fact]
    public void ServeFlagsMapOntoTheFaultOptions()
    {
        EmulatorOptions? options = EmulatorCommandLine.Parse(
            ["serve", "--fault-latency-ms", "25", "--fault-5xx-rate", "0.25", "--fault-drop-before-rate", "0.05", "--fault-drop-after-rate", "0.1",
             "--fault-malformed-rate", "0.125", "--fault-slow-body-ms", "3000", "--fault-seed", "42", "--fault-method", "GET"], TextWriter.Null);

        Assert.NotNull(options);
        Assert.Equal((25, 0.25, 0.05, 0.1, 0.125, 3000, (int?)42, "GET"),
                     (options.FaultLatencyMs, options.FaultServerErrorRate, options.FaultDropBeforeRate, options.FaultDropAfterRate,
                      options.FaultMalformedRate, options.FaultSlowBodyMs, options.FaultSeed, options.FaultMethod));
        EmulatorOptions defaults = EmulatorCommandLine.Parse(["serve"], TextWriter.Null)!;
        Assert.Equal((0, 0.0, 0.0, 0.0, 0.0, 0, (int?)null, (string?)null),
                     (defaults.FaultLatencyMs, defaults.FaultServerErrorRate, defaults.FaultDropBeforeRate, defaults.FaultDropAfterRate,
                      defaults.FaultMalformedRate, defaults.FaultSlowBodyMs, defaults.FaultSeed, defaults.FaultMethod));
    }

    [Fact]
    public async Task OutOfRangeSettingsAreRejected()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EmulatorHost.StartAsync(new EmulatorOptions { FaultServerErrorRate = 1.5 }));
        await using EmulatorHost host = await StartAsync();

        Assert.Throws<ArgumentOutOfRangeException>(() => host.Faults.DropAfterRate = -0.1);
        Assert.Throws<ArgumentOutOfRangeException>(() => host.Faults.LatencyMs = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => host.Faults.FailNext(1, 404));
        Assert.Throws<ArgumentOutOfRangeException>(() => host.Faults.DropNextBeforeRequest(0));
        Assert.Equal(0, host.Faults.PendingCount);
    }
}
