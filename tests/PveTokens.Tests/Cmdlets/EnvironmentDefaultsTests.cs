using PveEmulator;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Cmdlets;

[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment
{
}

/// <summary>PMPROXY_HOST / PMPROXY_TOKEN; process-wide variables, so these tests never run in parallel with others.</summary>
[Collection(nameof(ProcessEnvironment))]
public sealed class EnvironmentDefaultsTests : IDisposable
{
    private const string Connect = "PveTokens.Commands.ConnectPveServerCommand";
    private readonly string? _host = Environment.GetEnvironmentVariable("PMPROXY_HOST");
    private readonly string? _token = Environment.GetEnvironmentVariable("PMPROXY_TOKEN");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PMPROXY_HOST", _host);
        Environment.SetEnvironmentVariable("PMPROXY_TOKEN", _token);
    }

    [Theory]
    [InlineData("{0}")]
    [InlineData("PVEAPIToken={0}")]
    [InlineData("PVEAPIToken {0}")]
    public async Task ServerAndTokenComeFromTheEnvironment(string tokenForm)
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "env");
        Environment.SetEnvironmentVariable("PMPROXY_HOST", $"127.0.0.1:{host.Url.Port}");
        Environment.SetEnvironmentVariable("PMPROXY_TOKEN", string.Format(tokenForm, "root@pam!env=" + secret));
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer -PassThru -CertificateThumbprint $fp", Emulators.Vars(host));

        r.AssertNoErrors();
        PveSession s = r.Single<PveSession>();
        Assert.Equal("root@pam!env", s.Identity);
        Assert.Equal(host.Url.Port, s.Server.Port);
        Assert.DoesNotContain(secret, r.AllText());
    }

    [Fact]
    public async Task ExplicitParametersWinOverTheEnvironment()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "explicit");
        Environment.SetEnvironmentVariable("PMPROXY_HOST", "does-not-resolve.invalid");
        Environment.SetEnvironmentVariable("PMPROXY_TOKEN", "root@pam!env=11111111-2222-4333-8444-555555555555");
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer -PassThru $url -ApiToken $token -CertificateThumbprint $fp",
            Emulators.Vars(host, ("token", "root@pam!explicit=" + secret)));

        r.AssertNoErrors();
        Assert.Equal("root@pam!explicit", r.Single<PveSession>().Identity);
    }

    [Fact]
    public void WithoutServerOrTokenTheErrorsSayWhereToPutThem()
    {
        Environment.SetEnvironmentVariable("PMPROXY_HOST", null);
        Environment.SetEnvironmentVariable("PMPROXY_TOKEN", null);
        using var ps = new PowerShellHost();

        PsResult noServer = ps.Run("Connect-PveServer -PassThru -ApiToken 'root@pam!ci=4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f'");
        PsResult noToken = ps.Run("Connect-PveServer -PassThru pve1");

        Assert.Contains("PMPROXY_HOST", noServer.SingleError("NoServer," + Connect).ErrorDetails.Message);
        Assert.Contains("PMPROXY_TOKEN", noToken.SingleError("NoCredential," + Connect).ErrorDetails.Message);
    }

    [Fact]
    public void AMalformedTokenInTheEnvironmentIsReportedWithoutItsSecret()
    {
        Environment.SetEnvironmentVariable("PMPROXY_HOST", "pve1");
        Environment.SetEnvironmentVariable("PMPROXY_TOKEN", "root@pam:4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f");
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer");

        string message = r.SingleError("InvalidApiToken," + Connect).ErrorDetails.Message;
        Assert.StartsWith("The PMPROXY_TOKEN environment variable does not hold a valid API token. ", message, StringComparison.Ordinal);
        Assert.Null(MessageRules.RepeatedSentence(message));
        Assert.DoesNotContain("4d3b4f0e", r.AllText());
    }

    [Fact]
    public void AMalformedServerInTheEnvironmentIsReportedAsComingFromThere()
    {
        Environment.SetEnvironmentVariable("PMPROXY_HOST", "http://pve1");
        Environment.SetEnvironmentVariable("PMPROXY_TOKEN", "root@pam!ci=4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f");
        using var ps = new PowerShellHost();

        string message = ps.Run("Connect-PveServer").SingleError("InvalidServer," + Connect).ErrorDetails.Message;

        Assert.StartsWith("The PMPROXY_HOST environment variable does not hold a valid server. 'http://pve1' uses http://", message, StringComparison.Ordinal);
    }
}
