using System.Management.Automation;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Commands;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Tokens;

public class ResetPveApiTokenTests
{
    private const string Id = ",PveTokens.Commands.ResetPveApiTokenCommand";

    private static void SeedAcl(PveEmulator.EmulatorState s)
    {
        s.AddToken("ci@pve", "svc", privsep: false, expire: 4102444800, comment: "service – ✓");
        s.AddAcl("/vms", "PVEVMUser", token: "ci@pve!svc", propagate: true);
        s.AddAcl("/storage/local", "PVEDatastoreUser", token: "ci@pve!svc", propagate: false);
        s.AddAcl("/", "PVEAuditor", token: "ci@pve!svc", propagate: true);
    }

    [Fact]
    public async Task RegeneratesInPlaceOnPve92()
    {
        await using var t = await TokenTestContext.StartAsync("9.2.0", SeedAcl);
        var aclBefore = t.AclOf("ci@pve!svc");
        string oldSecret = t.State.TokenSecret("ci@pve", "svc")!;

        PsResult r = t.Run("Reset-PveApiToken -UserId ci@pve -TokenId svc -Confirm:$false");

        r.AssertNoErrors();
        Assert.Empty(r.Warnings);
        PveApiTokenSecret token = r.Single<PveApiTokenSecret>();
        string newSecret = t.State.TokenSecret("ci@pve", "svc")!;
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(newSecret, token.GetPlainTextSecret());
        Assert.Equal(("ci@pve!svc", "service – ✓", false), (token.FullTokenId, token.Comment, token.PrivilegeSeparation));
        Assert.Equal(2100, token.ExpiresAt!.Value.ToUniversalTime().Year);
        Assert.Equal(aclBefore, t.AclOf("ci@pve!svc"));
        RequestLogEntryAssert.Single(t, "PUT", "/access/users/ci@pve/token/svc", "regenerate");
        Assert.DoesNotContain(newSecret, r.AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecreatesAndReappliesTheAclEntriesOnPve84()
    {
        await using var t = await TokenTestContext.StartAsync("8.4.1", SeedAcl);
        var aclBefore = t.AclOf("ci@pve!svc");
        string oldSecret = t.State.TokenSecret("ci@pve", "svc")!;

        PsResult r = t.RunVerbose("Reset-PveApiToken -UserId ci@pve -TokenId svc -Confirm:$false");

        r.AssertNoErrors();
        string warning = Assert.Single(r.Warnings);
        Assert.Contains("cannot regenerate", warning, StringComparison.Ordinal);
        Assert.Contains("3 ACL entries", warning, StringComparison.Ordinal);
        PveApiTokenSecret token = r.Single<PveApiTokenSecret>();
        string newSecret = t.State.TokenSecret("ci@pve", "svc")!;
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(newSecret, token.GetPlainTextSecret());
        Assert.Equal(("service – ✓", false, 2100), (token.Comment, token.PrivilegeSeparation, token.ExpiresAt!.Value.ToUniversalTime().Year));
        Assert.Equal(aclBefore, t.AclOf("ci@pve!svc"));
        Assert.Contains(t.AclOf("ci@pve!svc"), e => e.Path == "/storage/local" && !e.Propagate);

        PveApiToken stored = t.Run("Get-PveApiToken ci@pve svc").Single<PveApiToken>();
        Assert.Equal(("service – ✓", false), (stored.Comment, stored.PrivilegeSeparation));
        Assert.Equal(token.ExpiresAt, stored.ExpiresAt);
        Assert.Equal(
            new[]
            {
                "PUT /access/users/ci@pve/token/svc", "GET /access/users/ci@pve/token/svc", "GET /access/acl", "GET /access/permissions",
                "DELETE /access/users/ci@pve/token/svc", "POST /access/users/ci@pve/token/svc",
                "PUT /access/acl", "PUT /access/acl", "PUT /access/acl", "GET /access/users/ci@pve",
            },
            t.Calls);
        Assert.DoesNotContain(newSecret, r.AllText(), StringComparison.Ordinal);
        Assert.DoesNotContain(oldSecret, r.AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowsProgressAcrossTheReappliedEntries()
    {
        await using var t = await TokenTestContext.StartAsync("8.4.1", SeedAcl);
        PsResult r = t.Run("$null = Reset-PveApiToken -UserId ci@pve -TokenId svc -Confirm:$false");

        Assert.Contains(r.Progress, p => p.Activity.Contains("ci@pve!svc", StringComparison.Ordinal) && p.StatusDescription.StartsWith("1 of 3", StringComparison.Ordinal));
        Assert.Contains(r.Progress, p => p.RecordType == ProgressRecordType.Completed);
    }

    [Fact]
    public async Task NoRecreateRefusesTheFallbackAndChangesNothing()
    {
        await using var t = await TokenTestContext.StartAsync("8.4.1", SeedAcl);
        string oldSecret = t.State.TokenSecret("ci@pve", "svc")!;

        PsResult r = t.Run("Reset-PveApiToken -UserId ci@pve -TokenId svc -NoRecreate -Confirm:$false");

        ErrorRecordAssert.Message(r.SingleError("RegenerateNotSupported" + Id), "8.4.1", "9.1.0", "Nothing was changed");
        Assert.Equal(oldSecret, t.State.TokenSecret("ci@pve", "svc"));
        Assert.Equal(new[] { "PUT /access/users/ci@pve/token/svc" }, t.Calls);
    }

    [Fact]
    public async Task NamesEveryAclEntryThatCouldNotBeRestoredAndStillReturnsTheSecret()
    {
        // /sdn/fabrics paths exist only on PVE 9: an 8.4 server refuses to grant on them again.
        await using var t = await TokenTestContext.StartAsync("8.4.1", s =>
        {
            SeedAcl(s);
            s.AddAcl("/sdn/fabrics", "PVESDNUser", token: "ci@pve!svc", propagate: false);
        });

        PsResult r = t.Run("Reset-PveApiToken -UserId ci@pve -TokenId svc -Confirm:$false");

        ErrorRecordAssert.Message(r.SingleError("AclRestoreFailed" + Id), "1 of its 4 ACL entries", "path /sdn/fabrics, role PVESDNUser, propagate 0");
        Assert.Equal(t.State.TokenSecret("ci@pve", "svc"), r.Single<PveApiTokenSecret>().GetPlainTextSecret());
        Assert.Equal(3, t.AclOf("ci@pve!svc").Length);
    }

    [Fact]
    public async Task NamesTheSettingsAndEveryAclEntryWhenTheTokenCannotBeCreatedAgain()
    {
        // A fake server: regenerate unknown, the read and the delete work, then the create fails.
        var handler = new FakePveHandler
        {
            Respond = (request, _) => Task.FromResult(request.Method switch
            {
                "GET" when request.PathAndQuery.EndsWith("/version", StringComparison.Ordinal) => FakePveHandler.Json("""{"data":{"version":"8.4.1","release":"8.4"}}"""),
                "PUT" => FakePveHandler.Json("""{"data":null,"errors":{"regenerate":"property is not defined in schema and the schema does not allow additional properties"}}""", 400, "Parameter verification failed."),
                "GET" when request.PathAndQuery.EndsWith("/access/acl", StringComparison.Ordinal) => FakePveHandler.Json(
                    """{"data":[{"path":"/vms","type":"token","ugid":"ci@pve!svc","roleid":"PVEVMUser","propagate":1},{"path":"/","type":"user","ugid":"ci@pve","roleid":"PVEAuditor","propagate":1},{"path":"/storage","type":"token","ugid":"ci@pve!svc","roleid":"PVEDatastoreUser","propagate":0}]}"""),
                "GET" when request.PathAndQuery.Contains("/access/permissions", StringComparison.Ordinal) => FakePveHandler.Json("""{"data":{"/access":{"Sys.Audit":1}}}"""),
                "GET" => FakePveHandler.Json("""{"data":{"comment":"svc","expire":4102444800,"privsep":0}}"""),
                "DELETE" => FakePveHandler.Json("""{"data":null}"""),
                _ => FakePveHandler.Json("""{"data":null,"message":"generating token failed: Token already exists.\n"}""", 500, "generating token failed: Token already exists."),
            }),
        };
        var client = new PveClient(new PveClientOptions(new Uri("https://pve.test:8006/")), handler);
        client.UseApiToken(ApiTokenString.Parse("root@pam!admin=00000000-0000-4000-8000-000000000000"));
        await client.GetVersionAsync(CancellationToken.None);
        var session = new PveSession(client);
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Reset-PveApiToken -UserId ci@pve -TokenId svc -Session $s -Confirm:$false", new() { ["s"] = session });

        ErrorRecord e = r.SingleError("TokenRecreateFailed" + Id);
        ErrorRecordAssert.Message(e, "was deleted", "Token already exists", "comment 'svc'", "privilege separation off", "epoch 4102444800",
            "path /vms, role PVEVMUser, propagate 1", "path /storage, role PVEDatastoreUser, propagate 0");
        Assert.DoesNotContain("PVEAuditor", e.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.Empty(r.Output);
        // GET /version, the regenerate PUT, the token, the ACL, the session's own rights (may it see every entry?), then delete and create.
        Assert.Equal(new[] { "GET", "PUT", "GET", "GET", "GET", "DELETE", "POST" }, handler.Requests.Select(q => q.Method));
        Assert.Equal("0", handler.Requests[6].Form["privsep"]);
        Assert.Equal(new[] { "comment", "expire", "privsep" }, handler.Requests[6].Form.Keys.OrderBy(k => k, StringComparer.Ordinal));
    }

    [Fact]
    public async Task RotatesTokensFromThePipelineOnTheirOwnSession()
    {
        await using var t = await TokenTestContext.StartAsync(seed: s =>
        {
            s.AddToken("ci@pve", "backup-db");
            s.AddToken("ci@pve", "monitor");
        });
        string before = t.State.TokenSecret("ci@pve", "monitor")!;

        PsResult r = t.Run("Get-PveApiToken -TokenId backup* | Reset-PveApiToken -Confirm:$false");

        r.AssertNoErrors();
        Assert.Equal(new[] { "ci@pve!backup", "ci@pve!backup-db" }, r.Objects<PveApiTokenSecret>().Select(x => x.FullTokenId).OrderBy(x => x, StringComparer.Ordinal));
        Assert.NotEqual(TokenTestContext.BackupSecret, t.State.TokenSecret("ci@pve", "backup"));
        Assert.Equal(before, t.State.TokenSecret("ci@pve", "monitor"));
    }

    [Fact]
    public async Task ConfirmImpactIsHighAndWhatIfSendsNothing()
    {
        await using var t = await TokenTestContext.StartAsync();
        var attribute = (CmdletAttribute)Attribute.GetCustomAttribute(typeof(ResetPveApiTokenCommand), typeof(CmdletAttribute))!;
        t.Ps.Host.PromptAnswer = "No";

        PsResult r = t.Run("Reset-PveApiToken ci@pve backup; Reset-PveApiToken ci@pve backup -WhatIf");

        Assert.Equal(ConfirmImpact.High, attribute.ConfirmImpact);
        Assert.Contains("loses access", Assert.Single(r.Prompts), StringComparison.Ordinal);
        Assert.Contains(r.HostLines, l => l.Contains("What if", StringComparison.Ordinal));
        Assert.Empty(t.Requests);
        Assert.Equal(TokenTestContext.BackupSecret, t.State.TokenSecret("ci@pve", "backup"));
    }

    [Theory]
    [InlineData("9.2.0")]
    [InlineData("8.4.1")]
    public async Task ASessionThatUsesTheTokenItselfIsWarnedOrProtected(string version)
    {
        await using var t = await TokenTestContext.StartAsync(version);
        string secret = t.State.AddToken("root@pam", "self", privsep: false);
        t.Run("$null = Connect-PveServer -Server $url -ApiToken $tok -CertificateThumbprint $fp", ("tok", "root@pam!self=" + secret)).AssertNoErrors();
        t.ClearLog();

        PsResult r = t.Run("Reset-PveApiToken -UserId root@pam -TokenId self -Confirm:$false");

        if (version == "9.2.0")
        {
            r.AssertNoErrors();
            Assert.Contains("no longer works", Assert.Single(r.Warnings), StringComparison.Ordinal);
            Assert.NotEqual(secret, t.State.TokenSecret("root@pam", "self"));
        }
        else
        {
            ErrorRecordAssert.Message(r.SingleError("CannotRecreateOwnToken" + Id), "Nothing was changed");
            Assert.Equal(secret, t.State.TokenSecret("root@pam", "self"));
            Assert.Equal(new[] { "PUT /access/users/root@pam/token/self" }, t.Calls);
        }
    }

    [Fact]
    public async Task RefusesTheFallbackWhenTheSessionCannotSeeEveryAclEntryOfTheToken()
    {
        // ops@pve may manage the tokens of ci@pve (User.Modify on /access/groups) but lacks Sys.Audit on
        // /access: PVE lists none of the token's entries to it, and deleting the token would drop them all.
        await using var t = await TokenTestContext.StartAsync("8.4.1", s =>
        {
            SeedAcl(s);
            s.AddUser("ops@pve", password: "Ops-Example-Pass-1");
            s.AddAcl("/access/groups", "PVEUserAdmin", user: "ops@pve", propagate: true);
        });
        t.Run("$null = Connect-PveServer -Server $url -Credential $c -CertificateThumbprint $fp",
            ("c", new PSCredential("ops@pve", TokenTestContext.Secure("Ops-Example-Pass-1")))).AssertNoErrors();
        string oldSecret = t.State.TokenSecret("ci@pve", "svc")!;
        var aclBefore = t.AclOf("ci@pve!svc");

        PsResult r = t.Run("Reset-PveApiToken -UserId ci@pve -TokenId svc -Confirm:$false");

        ErrorRecordAssert.Message(r.SingleError(ResetPveApiTokenCommand.TokenAclNotVisible + Id), "ops@pve", "Sys.Audit on /access", "Nothing was changed");
        Assert.Empty(r.Output);
        Assert.Equal(oldSecret, t.State.TokenSecret("ci@pve", "svc"));
        Assert.Equal(aclBefore, t.AclOf("ci@pve!svc"));
        Assert.DoesNotContain(t.Requests, q => q.Method == "DELETE");
    }

    [Fact]
    public async Task ReportsAMissingTokenAndInvalidIds()
    {
        await using var t = await TokenTestContext.StartAsync("8.4.1");

        t.Run("Reset-PveApiToken ci@pve nope -Confirm:$false").SingleError("TokenNotFound" + Id);
        t.ClearLog();
        t.Run("Reset-PveApiToken ci@pve x -Confirm:$false").SingleError("InvalidTokenId" + Id);
        Assert.Empty(t.Requests);
    }
}
