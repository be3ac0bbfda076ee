using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using PveEmulator;

namespace PveTokens.Tests.Emulator;

/// <summary>The in-process API other tests build on: seeding, inspection, request log, connection count, timing.</summary>
public sealed class EmulatorApiTests
{
    private static EmulatorOptions Fast(string version = "9.2.0") => new() { PveVersion = version, AuthFailureDelayMs = 0 };

    private static Task<RawResponse> Get(EmulatorHost host, string path, params (string, string)[] headers) =>
        RawHttpsClient.SendAsync(host.Url, "GET", path, headers.Select(h => KeyValuePair.Create(h.Item1, h.Item2)), null);

    private static Task<RawResponse> Send(EmulatorHost host, string method, string path, string form, params (string, string)[] headers) =>
        RawHttpsClient.SendAsync(host.Url, method, path,
            headers.Select(h => KeyValuePair.Create(h.Item1, h.Item2)).Append(KeyValuePair.Create("Content-Type", "application/x-www-form-urlencoded")),
            Encoding.UTF8.GetBytes(form));

    private static JsonElement Data(RawResponse response) => JsonDocument.Parse(response.Body).RootElement.GetProperty("data");

    [Fact]
    public async Task SeededTokenAuthenticatesAndSeesItsAclPrivileges()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync(Fast());
        host.State.AddGroup("ops", "Operations");
        host.State.AddUser("joe@pve", password: "Joe-Pass-2026", groups: ["ops"]);
        host.State.AddRole("Custom", ["VM.Audit"]);
        host.State.AddAcl("/vms", "PVEVMAdmin", user: "joe@pve");
        string secret = host.State.AddToken("joe@pve", "ci", privsep: true);
        host.State.AddAcl("/vms", "Custom", token: "joe@pve!ci");

        RawResponse response = await Get(host, "/api2/json/access/permissions?path=%2Fvms", ("Authorization", $"PVEAPIToken=joe@pve!ci={secret}"));

        Assert.Equal(200, response.Status);
        Assert.Equal("""{"/vms":{"VM.Audit":1}}""", Data(response).GetRawText());
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", secret);
        Assert.True(host.State.TokenExists("joe@pve", "ci"));
        Assert.Equal(secret, host.State.TokenSecret("joe@pve", "ci"));
        Assert.Contains(("/vms", "token", "joe@pve!ci", "Custom", true), host.State.AclEntries());
    }

    [Fact]
    public async Task RequestLogNamesParametersAndIdentitiesButNeverCredentials()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync(Fast());
        host.State.AddUser("joe@pve", password: "Joe-Pass-2026");
        string secret = host.State.AddToken("joe@pve", "ci", privsep: false, secret: "11111111-2222-4333-8444-555555555555");
        host.State.AddAcl("/access", "PVEUserAdmin", user: "joe@pve");

        RawResponse login = await Send(host, "POST", "/api2/json/access/ticket", "username=joe%40pve&password=Joe-Pass-2026");
        string ticket = Data(login).GetProperty("ticket").GetString()!;
        string csrf = Data(login).GetProperty("CSRFPreventionToken").GetString()!;
        RawResponse created = await Send(host, "POST", "/api2/json/access/users/joe@pve/token/new", "comment=x",
                                         ("Cookie", "PVEAuthCookie=" + ticket), ("CSRFPreventionToken", csrf));
        string newSecret = Data(created).GetProperty("value").GetString()!;
        await Get(host, "/api2/json/access/users/joe@pve/token", ("Authorization", $"PVEAPIToken=joe@pve!ci={secret}"));
        await Get(host, "/api2/json/version", ("Authorization", "PVEAPIToken=joe@pve!ci=wrong-secret"));

        IReadOnlyList<RequestLogEntry> log = host.RequestLog;
        string dump = string.Join("\n", log.Select(e => $"{e.Method} {e.Path} {string.Join(',', e.ParameterNames)} {e.AuthKind} {e.AuthId} {e.Status}"));
        foreach (string credential in new[] { "Joe-Pass-2026", secret, newSecret, ticket, csrf, "wrong-secret" })
        {
            Assert.DoesNotContain(credential, dump, StringComparison.Ordinal);
        }
        Assert.Equal(["username", "password"], log[0].ParameterNames);
        Assert.Equal(("ticket", "joe@pve", 200), (log[1].AuthKind, log[1].AuthId, log[1].Status));
        Assert.Equal(("token", "joe@pve!ci", 200), (log[2].AuthKind, log[2].AuthId, log[2].Status));
        Assert.Equal(("token", (string?)null, 401), (log[3].AuthKind, log[3].AuthId, log[3].Status));

        host.ClearRequestLog();
        Assert.Empty(host.RequestLog);
    }

    [Fact]
    public async Task ConnectionsAreCountedAndClosedAfterProtectedMethodsLikePveproxy()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync(Fast());
        using var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        using var client = new HttpClient(handler) { BaseAddress = host.Url };

        for (int i = 0; i < 3; i++)
        {
            (await client.GetAsync("/api2/json/access/domains")).Dispose();
        }
        long afterKeepAlive = host.ConnectionsAccepted;
        for (int i = 0; i < 3; i++)
        {
            using var form = new FormUrlEncodedContent([KeyValuePair.Create("username", "root@pam"), KeyValuePair.Create("password", EmulatorOptions.DefaultRootPassword)]);
            using HttpResponseMessage login = await client.PostAsync("/api2/json/access/ticket", form);
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.Contains("close", login.Headers.Connection);
        }

        // The GETs share one connection; the first login still reuses it, then every login closes it.
        Assert.Equal(1, afterKeepAlive);
        Assert.Equal(3, host.ConnectionsAccepted);
        Assert.Equal(3, host.RequestLog.Skip(3).Select(e => e.ConnectionId).Distinct().Count());
    }

    [Fact]
    public async Task FailedAuthenticationIsDelayedByAuthFailureDelayMs()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync(new EmulatorOptions { AuthFailureDelayMs = 300 });
        await Get(host, "/api2/json/access/domains");

        var watch = Stopwatch.StartNew();
        RawResponse response = await Get(host, "/api2/json/version", ("Authorization", "PVEAPIToken=root@pam!x=00000000-0000-4000-8000-000000000000"));
        watch.Stop();

        Assert.Equal((401, "Authentication failed!"), (response.Status, response.Reason));
        Assert.True(watch.ElapsedMilliseconds >= 300, $"401 came after {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task PreUnifiedVersionsAnswerTheSpecificAuthenticationFailure()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync(Fast("8.4.1"));
        host.State.AddUser("joe@pve");
        host.State.AddToken("joe@pve", "old", expire: 946684800);

        RawResponse response = await Get(host, "/api2/json/version", ("Authorization", "PVEAPIToken joe@pve!old=x"));

        Assert.Equal((401, "token 'old' access expired"), (response.Status, response.Reason));
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task TotpUserLogsInInTwoSteps()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync(Fast());
        const string Secret = "JBSWY3DPEHPK3PXP";
        host.State.AddUser("tfa@pve", password: "Tfa-Pass-2026", totpSecret: Secret);

        RawResponse first = await Send(host, "POST", "/api2/json/access/ticket", "username=tfa%40pve&password=Tfa-Pass-2026");
        Assert.Equal(1, Data(first).GetProperty("NeedTFA").GetInt32());
        Assert.False(Data(first).TryGetProperty("cap", out _));
        string challenge = Data(first).GetProperty("ticket").GetString()!;
        RawResponse halfAuthUse = await Get(host, "/api2/json/version", ("Cookie", "PVEAuthCookie=" + Uri.EscapeDataString(challenge)));
        Assert.Equal(401, halfAuthUse.Status);

        string code = Totp.Compute(Secret, DateTimeOffset.UtcNow);
        RawResponse wrong = await Send(host, "POST", "/api2/json/access/ticket",
            $"username=tfa%40pve&tfa-challenge={Uri.EscapeDataString(challenge)}&password=totp%3A{(code == "000000" ? "111111" : "000000")}");
        RawResponse second = await Send(host, "POST", "/api2/json/access/ticket",
            $"username=tfa%40pve&tfa-challenge={Uri.EscapeDataString(challenge)}&password=totp%3A{code}");

        Assert.Equal((401, "authentication failure"), (wrong.Status, wrong.Reason));
        Assert.Equal(200, second.Status);
        Assert.True(Data(second).TryGetProperty("cap", out _));
        string ticket = Data(second).GetProperty("ticket").GetString()!;
        Assert.Equal(200, (await Get(host, "/api2/json/version", ("Cookie", "PVEAuthCookie=" + Uri.EscapeDataString(ticket)))).Status);
    }

    [Fact]
    public void TotpMatchesTheRfc6238ReferenceValue()
    {
        // RFC 6238 appendix B, SHA1, T = 59 s, secret "12345678901234567890" (base32 below): 94287082 → 6 digits 287082.
        Assert.Equal("287082", Totp.Compute("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", DateTimeOffset.FromUnixTimeSeconds(59)));
    }

    [Fact]
    public async Task TicketsOlderThanTheLifetimeAreRefused()
    {
        await using EmulatorHost host = await EmulatorHost.StartAsync(new EmulatorOptions { AuthFailureDelayMs = 0, TicketLifetimeSeconds = 1 });
        RawResponse login = await Send(host, "POST", "/api2/json/access/ticket", $"username=root%40pam&password={EmulatorOptions.DefaultRootPassword}");
        string ticket = Data(login).GetProperty("ticket").GetString()!;

        await Task.Delay(2100);
        RawResponse response = await Get(host, "/api2/json/version", ("Cookie", "PVEAuthCookie=" + Uri.EscapeDataString(ticket)));

        Assert.Equal((401, "Authentication failed!"), (response.Status, response.Reason));
    }

    [Fact]
    public async Task SeedFileUsesTheApiVocabulary()
    {
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, """
                {"users":[{"userid":"joe@pve","password":"Joe-Pass-2026","enable":1,"expire":0,"email":"joe@example.com","comment":"c","groups":["ops"]}],
                 "groups":[{"groupid":"ops","comment":"Ops"}],
                 "roles":[{"roleid":"Custom","privs":["VM.Audit"]}],
                 "tokens":[{"userid":"joe@pve","tokenid":"ci","secret":"11111111-2222-4333-8444-555555555555","privsep":1,"expire":0,"comment":"x"}],
                 "acl":[{"path":"/vms","roleid":"Custom","type":"token","ugid":"joe@pve!ci","propagate":1}]}
                """);
            await using EmulatorHost host = await EmulatorHost.StartAsync(new EmulatorOptions { SeedFile = file, AuthFailureDelayMs = 0 });

            Assert.True(host.State.UserExists("joe@pve"));
            Assert.True(host.State.GroupExists("ops"));
            Assert.True(host.State.RoleExists("Custom"));
            Assert.Equal("11111111-2222-4333-8444-555555555555", host.State.TokenSecret("joe@pve", "ci"));
            Assert.Single(host.State.AclEntries());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
