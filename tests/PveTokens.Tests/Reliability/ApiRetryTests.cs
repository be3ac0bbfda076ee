using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Tests.Reliability;

/// <summary>The retry policy itself, and the client's rules for writes that never left this machine, with a scripted handler.</summary>
public sealed class ApiRetryTests
{
    [Fact]
    public void Backoff_doubles_per_retry_with_up_to_half_taken_off_as_jitter_and_is_capped()
    {
        var policy = new PveRetryPolicy(5, TimeSpan.FromSeconds(1)) { MaximumDelay = TimeSpan.FromSeconds(5) };
        for (int i = 0; i < 200; i++)
        {
            Assert.InRange(policy.DelayBefore(1, null).TotalMilliseconds, 500, 1000);
            Assert.InRange(policy.DelayBefore(2, null).TotalMilliseconds, 1000, 2000);
            Assert.InRange(policy.DelayBefore(3, null).TotalMilliseconds, 2000, 4000);
            Assert.InRange(policy.DelayBefore(4, null).TotalMilliseconds, 2500, 5000);
        }

        // Jitter: not every wait is the same.
        Assert.True(Enumerable.Range(0, 20).Select(_ => policy.DelayBefore(1, null)).Distinct().Count() > 1);

        // Retry-After is honoured, up to the cap.
        Assert.Equal(TimeSpan.FromSeconds(3), policy.DelayBefore(1, TimeSpan.FromSeconds(3)));
        Assert.Equal(TimeSpan.FromSeconds(5), policy.DelayBefore(1, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void The_defaults_are_three_retries_from_a_one_second_base()
    {
        Assert.Equal(3, PveRetryPolicy.Default.MaximumRetryCount);
        Assert.Equal(TimeSpan.FromSeconds(1), PveRetryPolicy.Default.RetryInterval);
        Assert.Equal(3, new PveClientOptions(new Uri("https://pve.test:8006/")).Retry.MaximumRetryCount);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task A_write_that_failed_before_a_byte_was_sent_is_retried(string method)
    {
        var handler = new ScriptedHandler();
        handler.Script.Enqueue(_ => throw new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused)));
        handler.Script.Enqueue(_ => throw new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused)));
        handler.Script.Enqueue(_ => Ok());
        var notices = new List<string>();
        using PveClient client = Client(handler, notices);

        await client.SendAsync(new HttpMethod(method), "/access/acl", new PveParameters().Add("path", "/"), PveClient.ReadDataElementAsync, CancellationToken.None);

        Assert.Equal(3, handler.Calls);
        Assert.Equal(2, notices.Count);
        Assert.Contains($"{method} /access/acl failed (connection refused, before the request was sent); retry 1 of 3", notices[0]);
    }

    [Fact]
    public async Task A_write_whose_body_was_sent_is_never_sent_again()
    {
        var handler = new ScriptedHandler();
        handler.Script.Enqueue(async request =>
        {
            await request.Content!.ReadAsStringAsync();
            throw new HttpRequestException("Connection reset", new IOException("Connection reset by peer"));
        });
        using PveClient client = Client(handler, new List<string>());

        var e = await Assert.ThrowsAsync<PveWriteOutcomeException>(() =>
            client.PutAsync<System.Text.Json.JsonElement>("/access/acl", new PveParameters().Add("path", "/"), CancellationToken.None));

        Assert.Equal(1, handler.Calls);
        Assert.Equal(PveWriteOutcome.Unknown, e.Outcome);
        Assert.Contains("after the request was sent", e.Message);
    }

    [Fact]
    public async Task A_rejected_certificate_is_never_retried()
    {
        var handler = new ScriptedHandler();
        handler.Script.Enqueue(_ => throw new HttpRequestException("SSL", new System.Security.Authentication.AuthenticationException("remote certificate rejected")));
        using PveClient client = Client(handler, new List<string>());

        var e = await Assert.ThrowsAsync<PveConnectionException>(() => client.GetAsync<string>("/version", null, CancellationToken.None));

        Assert.Equal(PveConnectionFailure.Tls, e.Kind);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Cancelling_ends_the_backoff_wait_at_once()
    {
        var handler = new ScriptedHandler();
        for (int i = 0; i < 5; i++)
        {
            handler.Script.Enqueue(_ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new ByteArrayContent(Array.Empty<byte>()) }));
        }

        var options = new PveClientOptions(new Uri("https://pve.test:8006/")) { Retry = new PveRetryPolicy(3, TimeSpan.FromSeconds(60)) };
        using var client = new PveClient(options, handler);
        using var cts = new CancellationTokenSource();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Task call = client.GetAsync<string>("/version", null, cts.Token);
        SpinWait.SpinUntil(() => handler.Calls == 1, TimeSpan.FromSeconds(10));
        await Task.Delay(100);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.Equal(1, handler.Calls);
    }

    private static PveClient Client(HttpMessageHandler handler, List<string> notices)
    {
        var options = new PveClientOptions(new Uri("https://pve.test:8006/"))
        {
            Retry = new PveRetryPolicy(3, TimeSpan.FromMilliseconds(5)),
            OnNotice = n => { lock (notices) { notices.Add(n.Text); } },
        };
        return new PveClient(options, handler);
    }

    private static Task<HttpResponseMessage> Ok() => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
    {
        Content = new StringContent("{\"data\":null}", Encoding.UTF8, "application/json"),
    });

    /// <summary>Answers each request with the next scripted step, which may throw before or after reading the body.</summary>
    private sealed class ScriptedHandler : HttpMessageHandler
    {
        private int _calls;

        public Queue<Func<HttpRequestMessage, Task<HttpResponseMessage>>> Script { get; } = new();

        public int Calls => Volatile.Read(ref _calls);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            Func<HttpRequestMessage, Task<HttpResponseMessage>> step;
            lock (Script)
            {
                step = Script.Dequeue();
            }

            return step(request);
        }
    }
}
