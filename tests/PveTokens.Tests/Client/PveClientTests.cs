using System.Net;
using System.Net.Sockets;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Client;

public class PveClientTests
{
    private const string Secret = "4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f";
    private const string Ticket = "PVE:root@pam:66D1A2B3::c2lnbmF0dXJl+/=";
    private const string Csrf = "66D1A2B3:Y3NyZi1obWFj";
    private const string VersionJson = """{"data":{"version":"9.2.0","release":"9.2","repoid":"0a1b2c3d"}}""";

    private readonly FakePveHandler _handler = new();
    private readonly List<HttpCallRecord> _calls = new();

    private PveClient CreateClient(Action<PveClientOptions>? configure = null)
    {
        var options = new PveClientOptions(new Uri("https://pve.test:8006/")) { OnCall = r => { lock (_calls) { _calls.Add(r); } } };
        configure?.Invoke(options);
        return new PveClient(options, _handler);
    }

    private static string TicketJson(string ticket = Ticket, string csrf = Csrf, bool needTfa = false) =>
        needTfa
            ? "{\"data\":{\"username\":\"root@pam\",\"ticket\":\"" + ticket + "\",\"CSRFPreventionToken\":\"" + csrf + "\",\"NeedTFA\":1}}"
            : "{\"data\":{\"username\":\"root@pam\",\"ticket\":\"" + ticket + "\",\"CSRFPreventionToken\":\"" + csrf + "\",\"cap\":{}}}";

    [Fact]
    public async Task SendsTheTokenHeaderInTheSpaceFormAndNoCookieOrCsrf()
    {
        _handler.Respond = (r, _) => Task.FromResult(FakePveHandler.Json(VersionJson));
        using PveClient client = CreateClient();
        client.UseApiToken(ApiTokenString.Parse("PVEAPIToken=root@pam!ci=" + Secret));

        PveVersionInfo version = await client.GetVersionAsync(CancellationToken.None);
        await client.PostAsync<object>("/access/users/root%40pam/token/x", new PveParameters().Add("privsep", true), CancellationToken.None);

        Assert.Equal("9.2.0", version.Version);
        Assert.Equal("9.2", version.Release);
        CapturedRequest get = _handler.Requests[0];
        Assert.Equal("/api2/json/version", get.PathAndQuery);
        Assert.Equal("PVEAPIToken root@pam!ci=" + Secret, get.Header("Authorization"));
        Assert.Null(get.Header("Cookie"));
        CapturedRequest post = _handler.Requests[1];
        Assert.Null(post.Header("CSRFPreventionToken"));
        Assert.Equal("application/x-www-form-urlencoded; charset=utf-8", post.Header("Content-Type"));
        Assert.Equal("1", post.Form["privsep"]);
        Assert.Equal(PveAuthMethod.ApiToken, client.AuthMethod);
        Assert.Equal("root@pam!ci", client.Identity);
    }

    [Fact]
    public async Task GetAndDeleteCarryParametersInTheQueryString()
    {
        _handler.Respond = (r, _) => Task.FromResult(FakePveHandler.Json("""{"data":null}"""));
        using PveClient client = CreateClient();
        client.UseApiToken(ApiTokenString.Parse("root@pam!ci=" + Secret));

        await client.GetAsync<object>("/access/users", new PveParameters().Add("full", true), CancellationToken.None);
        await client.DeleteAsync<object>("/access/acl", new PveParameters().Add("path", "/vms/100"), CancellationToken.None);

        Assert.Equal("/api2/json/access/users?full=1", _handler.Requests[0].PathAndQuery);
        Assert.Equal("/api2/json/access/acl?path=%2Fvms%2F100", _handler.Requests[1].PathAndQuery);
        Assert.Equal("", _handler.Requests[1].Body);
    }

    [Fact]
    public async Task TicketLoginSendsTheCookieAndCsrfOnlyOnWrites()
    {
        _handler.Respond = (r, _) => Task.FromResult(FakePveHandler.Json(r.PathAndQuery.EndsWith("/access/ticket") ? TicketJson() : VersionJson));
        using PveClient client = CreateClient();

        await client.LoginAsync("root@pam", SecretText.ToSecureString("Emulator-Root-1"), null, CancellationToken.None);
        await client.GetVersionAsync(CancellationToken.None);
        await client.PutAsync<object>("/access/acl", new PveParameters().Add("path", "/"), CancellationToken.None);

        CapturedRequest login = _handler.Requests[0];
        Assert.Equal("POST", login.Method);
        Assert.Equal("root@pam", login.Form["username"]);
        Assert.Equal("Emulator-Root-1", login.Form["password"]);
        Assert.Null(login.Header("Cookie"));
        Assert.Null(login.Header("Authorization"));
        Assert.Equal("PVEAuthCookie=" + Ticket, _handler.Requests[1].Header("Cookie"));
        Assert.Null(_handler.Requests[1].Header("CSRFPreventionToken"));
        Assert.Equal("PVEAuthCookie=" + Ticket, _handler.Requests[2].Header("Cookie"));
        Assert.Equal(Csrf, _handler.Requests[2].Header("CSRFPreventionToken"));
        Assert.Equal(PveAuthMethod.Ticket, client.AuthMethod);
        Assert.Equal("root@pam", client.Identity);
    }

    [Fact]
    public async Task TwoFactorLoginAnswersTheChallengeWithTheTotpCode()
    {
        const string half = "PVE:!tfa!challenge:66D1A2B3::aGFsZg==";
        _handler.Respond = (r, _) => Task.FromResult(FakePveHandler.Json(
            r.Form.ContainsKey("tfa-challenge") ? TicketJson() : TicketJson(half, "x", needTfa: true)));
        using PveClient client = CreateClient();

        await client.LoginAsync("root@pam", SecretText.ToSecureString("pw-12345"), "123456", CancellationToken.None);

        Assert.Equal(2, _handler.Requests.Count);
        IReadOnlyDictionary<string, string> second = _handler.Requests[1].Form;
        Assert.Equal("root@pam", second["username"]);
        Assert.Equal(half, second["tfa-challenge"]);
        Assert.Equal("totp:123456", second["password"]);
        Assert.False(second.ContainsKey("otp"));
    }

    [Fact]
    public async Task TwoFactorLoginWithoutACodeSaysSo()
    {
        _handler.Respond = (r, _) => Task.FromResult(FakePveHandler.Json(TicketJson("PVE:!tfa!c:1::s", "x", needTfa: true)));
        using PveClient client = CreateClient();

        var e = await Assert.ThrowsAsync<PveOneTimePasswordRequiredException>(
            () => client.LoginAsync("root@pam", SecretText.ToSecureString("pw-12345"), null, CancellationToken.None));
        Assert.Contains("-OneTimePassword", e.Message);
        Assert.Null(client.AuthMethod);
    }

    [Fact]
    public async Task AnOldTicketIsRenewedBeforeTheNextCallByPostingItAsThePassword()
    {
        int logins = 0;
        _handler.Respond = (r, _) => Task.FromResult(FakePveHandler.Json(r.PathAndQuery.EndsWith("/access/ticket")
            ? TicketJson(Ticket + Interlocked.Increment(ref logins), Csrf + logins)
            : VersionJson));
        using PveClient client = CreateClient(o => o.TicketRenewalAge = TimeSpan.Zero);

        await client.LoginAsync("root@pam", SecretText.ToSecureString("pw-12345"), null, CancellationToken.None);
        await client.PostAsync<object>("/access/acl", null, CancellationToken.None);

        // After a renewal the version is read again, once: that read does not renew again, even with a renewal age of zero.
        Assert.Equal(new[] { "POST /api2/json/access/ticket", "POST /api2/json/access/ticket", "GET /api2/json/version", "POST /api2/json/access/acl" },
            _handler.Requests.Select(r => r.Method + " " + r.PathAndQuery));
        Assert.Equal(Ticket + "1", _handler.Requests[1].Form["password"]);
        Assert.Equal("PVEAuthCookie=" + Ticket + "2", _handler.Requests[3].Header("Cookie"));
        Assert.Equal(Csrf + "2", _handler.Requests[3].Header("CSRFPreventionToken"));
    }

    [Fact]
    public async Task ATicketRejectedWith401IsRenewedOnceAndTheCallRetriedOnce()
    {
        int logins = 0;
        _handler.Respond = (r, _) =>
        {
            if (r.PathAndQuery.EndsWith("/access/ticket"))
            {
                return Task.FromResult(FakePveHandler.Json(TicketJson(Ticket + Interlocked.Increment(ref logins))));
            }

            return Task.FromResult(r.Header("Cookie") == "PVEAuthCookie=" + Ticket + "1"
                ? FakePveHandler.Empty(401, "Authentication failed!")
                : FakePveHandler.Json(VersionJson));
        };
        using PveClient client = CreateClient();
        await client.LoginAsync("root@pam", SecretText.ToSecureString("pw-12345"), null, CancellationToken.None);

        PveVersionInfo v = await client.GetVersionAsync(CancellationToken.None);

        // Login, the rejected GET, the renewal, the version read again after it, the retried GET.
        Assert.Equal("9.2.0", v.Version);
        Assert.Equal(5, _handler.Requests.Count);
        Assert.Equal(Ticket + "1", _handler.Requests[2].Form["password"]);
        Assert.Equal(_handler.Requests[3].PathAndQuery, _handler.Requests[4].PathAndQuery);
    }

    [Fact]
    public async Task AnExpiredTicketThatCannotBeRenewedLogsInAgainWithThePassword()
    {
        int logins = 0;
        _handler.Respond = (r, _) =>
        {
            if (r.PathAndQuery.EndsWith("/access/ticket"))
            {
                return Task.FromResult(r.Form["password"].StartsWith("PVE:")
                    ? FakePveHandler.Json("""{"data":null,"message":"authentication failure\n"}""", 401, "authentication failure")
                    : FakePveHandler.Json(TicketJson(Ticket + Interlocked.Increment(ref logins))));
            }

            return Task.FromResult(r.Header("Cookie") == "PVEAuthCookie=" + Ticket + "1"
                ? FakePveHandler.Empty(401, "Authentication failed!")
                : FakePveHandler.Json(VersionJson));
        };
        using PveClient client = CreateClient();
        await client.LoginAsync("root@pam", SecretText.ToSecureString("pw-12345"), null, CancellationToken.None);

        await client.GetVersionAsync(CancellationToken.None);

        Assert.Equal(new[] { "pw-12345", Ticket + "1", "pw-12345" },
            _handler.Requests.Where(r => r.PathAndQuery.EndsWith("/access/ticket")).Select(r => r.Form["password"]));
        Assert.Equal(2, logins);
    }

    [Fact]
    public async Task ATokenIsNeverRetriedAfterA401()
    {
        _handler.Respond = (r, _) => Task.FromResult(FakePveHandler.Empty(401, "Authentication failed!"));
        using PveClient client = CreateClient();
        client.UseApiToken(ApiTokenString.Parse("root@pam!ci=" + Secret));

        var e = await Assert.ThrowsAsync<PveApiException>(() => client.GetVersionAsync(CancellationToken.None));

        Assert.Single(_handler.Requests);
        Assert.Equal(401, e.StatusCode);
        Assert.Equal("Authentication failed!", e.PveMessage);
        Assert.Equal("GET", e.Method);
        Assert.Equal("/version", e.Path);
        Assert.DoesNotContain(Secret, e.Message);
    }

    [Fact]
    public async Task ErrorsCarryPvesTextTheErrorsMapAndThePermissionParts()
    {
        _handler.Respond = (r, _) => Task.FromResult(r.PathAndQuery switch
        {
            var p when p.Contains("perm") => FakePveHandler.Json("""{"data":null,"message":"Permission check failed (/vms/100, VM.Audit)\n"}""", 403, "Permission check failed (/vms/100, VM.Audit)"),
            var p when p.Contains("bad") => FakePveHandler.Json("""{"data":null,"errors":{"tokenid":"Token already exists."},"message":"Parameter verification failed.\n"}""", 400, "Parameter verification failed."),
            var p when p.Contains("missing") => FakePveHandler.Json("""{"data":null}""", 500, "no such token 'x' for user 'joe@pve'"),
            _ => FakePveHandler.Empty(501, "Method 'GET /foo' not implemented"),
        });
        using PveClient client = CreateClient();
        client.UseApiToken(ApiTokenString.Parse("root@pam!ci=" + Secret));

        var perm = await Assert.ThrowsAsync<PveApiException>(() => client.GetAsync<object>("/perm", null, CancellationToken.None));
        var bad = await Assert.ThrowsAsync<PveApiException>(() => client.PostAsync<object>("/bad", null, CancellationToken.None));
        var missing = await Assert.ThrowsAsync<PveApiException>(() => client.GetAsync<object>("/missing", null, CancellationToken.None));
        var other = await Assert.ThrowsAsync<PveApiException>(() => client.GetAsync<object>("/foo", null, CancellationToken.None));

        Assert.Equal("/vms/100", perm.PermissionPath);
        Assert.Equal("VM.Audit", perm.Privilege);
        Assert.Equal("Permission check failed (/vms/100, VM.Audit)", perm.PveMessage);
        Assert.Equal("Token already exists.", bad.Errors["tokenid"]);
        Assert.Equal("Parameter verification failed: tokenid: Token already exists.", bad.Message);
        Assert.True(missing.IsNotFound);
        Assert.False(bad.IsNotFound);
        Assert.Equal("no such token 'x' for user 'joe@pve'", missing.PveMessage);
        Assert.Equal(501, other.StatusCode);
        Assert.Null(other.PermissionPath);
    }

    [Fact]
    public async Task PveEchoingASecretInAnErrorIsRedacted()
    {
        _handler.Respond = (r, _) => Task.FromResult(FakePveHandler.Json(
            """{"data":null,"errors":{"password":"value 'pw-secret-1' too long"},"message":"Parameter verification failed.\n"}""", 400, "Parameter verification failed."));
        using PveClient client = CreateClient();

        var e = await Assert.ThrowsAsync<PveApiException>(() => client.LoginAsync("root@pam", SecretText.ToSecureString("pw-secret-1"), null, CancellationToken.None));

        Assert.DoesNotContain("pw-secret-1", e.Message);
        Assert.DoesNotContain("pw-secret-1", e.Errors["password"]);
    }

    [Fact]
    public async Task EachCallIsRecordedWithoutSecretsOrValues()
    {
        _handler.Respond = (r, _) => Task.FromResult(r.PathAndQuery.EndsWith("/access/ticket") ? FakePveHandler.Json(TicketJson()) : FakePveHandler.Json(VersionJson));
        using PveClient client = CreateClient();
        var ambient = new List<HttpCallRecord>();
        using (HttpCallObserver.Begin(ambient.Add))
        {
            await client.LoginAsync("root@pam", SecretText.ToSecureString("pw-secret-1"), null, CancellationToken.None);
            await client.GetAsync<object>("/access/users/joe%40pve/token", new PveParameters().Add("full", "secret-looking-value"), CancellationToken.None);
        }

        Assert.Equal(2, _calls.Count);
        Assert.Equal(2, ambient.Count);
        Assert.Equal("POST", _calls[0].Method);
        Assert.Equal("/access/ticket", _calls[0].Path);
        Assert.Equal(new[] { "username", "password" }, _calls[0].ParameterNames);
        Assert.Equal(200, _calls[0].StatusCode);
        Assert.Equal("/access/users/joe@pve/token", _calls[1].Path);
        Assert.Equal("pve.test:8006", _calls[1].Server);
        string all = string.Join("\n", _calls.Select(c => c.ToString()));
        Assert.Matches(@"^GET /access/users/joe@pve/token \(full\) -> 200 OK, \d+ ms$", _calls[1].ToString());
        foreach (string secret in new[] { "pw-secret-1", Ticket, Csrf, "secret-looking-value" })
        {
            Assert.DoesNotContain(secret, all);
        }
    }

    [Fact]
    public async Task ASlowServerTimesOutAsAConnectionFailureNotACancellation()
    {
        _handler.Respond = async (r, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), ct);
            return FakePveHandler.Json(VersionJson);
        };
        using PveClient client = CreateClient(o => o.Timeout = TimeSpan.FromMilliseconds(200));
        client.UseApiToken(ApiTokenString.Parse("root@pam!ci=" + Secret));

        var e = await Assert.ThrowsAsync<PveConnectionException>(() => client.GetVersionAsync(CancellationToken.None));

        Assert.Equal(PveConnectionFailure.TimedOut, e.Kind);
        Assert.Equal("pve.test", e.Server);
        Assert.Equal(8006, e.Port);
        Assert.Contains("pve.test:8006", e.Message);
    }

    [Fact]
    public async Task TheCallersCancellationStaysACancellation()
    {
        _handler.Respond = async (r, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), ct);
            return FakePveHandler.Json(VersionJson);
        };
        using PveClient client = CreateClient();
        client.UseApiToken(ApiTokenString.Parse("root@pam!ci=" + Secret));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetVersionAsync(cts.Token));
    }

    [Fact]
    public async Task AGetOnAConnectionTheServerDroppedIsSentOnceMore()
    {
        int calls = 0;
        _handler.Respond = (r, _) => Interlocked.Increment(ref calls) == 1
            ? throw new HttpRequestException("The response ended prematurely.", new IOException("connection reset"))
            : Task.FromResult(FakePveHandler.Json(VersionJson));
        using PveClient client = CreateClient();
        client.UseApiToken(ApiTokenString.Parse("root@pam!ci=" + Secret));

        PveVersionInfo v = await client.GetVersionAsync(CancellationToken.None);

        Assert.Equal("9.2.0", v.Version);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task APostOnADroppedConnectionIsNotRepeated()
    {
        int calls = 0;
        _handler.Respond = (r, _) => Interlocked.Increment(ref calls) == 1
            ? throw new HttpRequestException("The response ended prematurely.", new IOException("connection reset"))
            : Task.FromResult(FakePveHandler.Json(VersionJson));
        using PveClient client = CreateClient();
        client.UseApiToken(ApiTokenString.Parse("root@pam!ci=" + Secret));

        // The write reached the handler (its body was read): its outcome is unknown, and it is not sent again.
        var e = await Assert.ThrowsAsync<PveWriteOutcomeException>(() => client.PostAsync<object>("/access/acl", null, CancellationToken.None));

        Assert.Equal(PveWriteOutcome.Unknown, e.Outcome);
        Assert.Equal(PveConnectionFailure.Other, Assert.IsType<PveConnectionException>(e.InnerException).Kind);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task ARefusedConnectionNamesServerAndPort()
    {
        int port = ClosedPort();
        using var client = new PveClient(new PveClientOptions(new Uri($"https://127.0.0.1:{port}/")));
        client.UseApiToken(ApiTokenString.Parse("root@pam!ci=" + Secret));

        var e = await Assert.ThrowsAsync<PveConnectionException>(() => client.GetVersionAsync(CancellationToken.None));

        Assert.Equal(PveConnectionFailure.Refused, e.Kind);
        Assert.Equal("127.0.0.1", e.Server);
        Assert.Equal(port, e.Port);
        Assert.Contains($"127.0.0.1:{port}", e.Message);
    }

    internal static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
