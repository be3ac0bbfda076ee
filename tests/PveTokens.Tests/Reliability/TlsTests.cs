using System.Management.Automation;
using PveEmulator;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Reliability;

/// <summary>
/// Certificates: a pin mismatch, a certificate that changes after connecting, and an untrusted one
/// under the default trust are each refused with an error that shows the presented fingerprint,
/// and never retried; -SkipCertificateCheck warns once per session.
/// </summary>
public sealed class TlsTests
{
    private const string Token = "root@pam!rel=" + ReliabilityContext.TokenSecret;

    private static async Task<EmulatorHost> StartAsync(int port = 0)
    {
        EmulatorHost host = await Emulators.StartAsync(o => o.Port = port);
        host.State.AddToken("root@pam", "rel", privsep: false, secret: ReliabilityContext.TokenSecret);
        return host;
    }

    [Fact]
    public async Task A_pin_mismatch_is_refused_showing_the_presented_fingerprint()
    {
        await using EmulatorHost host = await StartAsync();
        using var ps = new PowerShellHost();
        string wrong = new string('A', 64);

        PsResult r = ps.Run("Connect-PveServer -Server $url -ApiToken $tok -CertificateThumbprint $wrong -RetryIntervalSec 0",
            Emulators.Vars(host, ("tok", Token), ("wrong", wrong)));

        ErrorRecord e = r.SingleError("CertificatePinMismatch,PveTokens.Commands.ConnectPveServerCommand");
        Assert.Equal(ErrorCategory.SecurityError, e.CategoryInfo.Category);
        Assert.Contains(CertificateThumbprint.ToColonForm(host.CertificateSha256), e.ErrorDetails!.Message);
        Assert.Empty(host.RequestLog);
    }

    [Fact]
    public async Task A_certificate_that_changes_after_connecting_is_refused_on_the_next_call()
    {
        EmulatorHost first = await StartAsync();
        int port = first.Url.Port;
        using var ps = new PowerShellHost();
        PsResult connect = ps.Run("$s = Connect-PveServer -PassThru -Server $url -ApiToken $tok -CertificateThumbprint $fp -RetryIntervalSec 0.01",
            Emulators.Vars(first, ("tok", Token)));
        connect.AssertNoErrors();
        string pinned = first.CertificateSha256;
        await first.DisposeAsync();

        // Same address, new certificate (a server re-keyed, or someone in between).
        await using EmulatorHost second = await StartAsync(port);
        Assert.NotEqual(pinned, second.CertificateSha256);

        PsResult r = ps.Run("Get-PveAcl -Session $s", verbose: true);

        ErrorRecord e = r.SingleError("CertificatePinMismatch,PveTokens.Commands.GetPveAclCommand");
        Assert.Contains(CertificateThumbprint.ToColonForm(second.CertificateSha256), e.ErrorDetails!.Message);
        Assert.Contains("does not match the pinned thumbprint", e.ErrorDetails.Message);
        Assert.Equal(second.CertificateSha256, ((PveConnectionException)e.Exception).PresentedCertificateSha256);
        Assert.Empty(second.RequestLog);
        Assert.DoesNotContain(r.Verbose, v => v.Contains("retry", StringComparison.Ordinal) && v.Contains("certificate", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_untrusted_certificate_under_the_default_trust_is_refused_showing_its_fingerprint()
    {
        await using EmulatorHost host = await StartAsync();
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer -Server $url -ApiToken $tok -RetryIntervalSec 0", Emulators.Vars(host, ("tok", Token)));

        ErrorRecord e = r.SingleError("CertificateNotTrusted,PveTokens.Commands.ConnectPveServerCommand");
        Assert.Contains(CertificateThumbprint.ToColonForm(host.CertificateSha256), e.ErrorDetails!.Message);
        Assert.Contains("-CertificateThumbprint " + CertificateThumbprint.ToColonForm(host.CertificateSha256), e.ErrorDetails.Message);
        Assert.Empty(host.RequestLog);
    }

    [Fact]
    public async Task SkipCertificateCheck_warns_once_per_session()
    {
        await using EmulatorHost host = await StartAsync();
        using var ps = new PowerShellHost();

        PsResult connect = ps.Run("$s = Connect-PveServer -PassThru -Server $url -ApiToken $tok -SkipCertificateCheck", Emulators.Vars(host, ("tok", Token)));
        PsResult calls = ps.Run("Get-PveAcl -Session $s; Get-PveApiToken -Session $s; New-PveApiToken -Session $s -UserId root@pam -TokenId skipped -Confirm:$false; Get-PveAcl -Session $s");

        connect.AssertNoErrors();
        string warning = Assert.Single(connect.Warnings);
        Assert.Contains("-SkipCertificateCheck", warning);
        Assert.Contains(CertificateThumbprint.ToColonForm(host.CertificateSha256), warning);
        calls.AssertNoErrors();
        Assert.Empty(calls.Warnings);
    }
}
