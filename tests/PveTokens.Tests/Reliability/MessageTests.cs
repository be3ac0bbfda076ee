using System.Management.Automation;
using PveEmulator;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Reliability;

/// <summary>
/// The errors of the failure paths a new admin meets (no session, unreachable or unknown server,
/// untrusted or mis-pinned certificate, wrong password or secret, missing rights, unknown token or
/// user, bad server strings) say each thing once and say what fits the case. The bad-input matrix
/// (BadInputTests) applies the same no-repeated-sentence rule to every refused argument.
/// </summary>
public sealed class MessageTests
{
    private const string Connect = "PveTokens.Commands.ConnectPveServerCommand";
    private const string Secret = "4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f";

    [Fact]
    public async Task No_error_on_the_failure_paths_says_a_sentence_twice()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string rootSecret = host.State.AddToken("root@pam", "ci", privsep: false);
        host.State.AddUser("ci@pve", password: "Ci-Example-Pass-1");
        string weakSecret = host.State.AddToken("ci@pve", "weak", privsep: true);
        using var ps = new PowerShellHost();
        int closedPort = Client.PveClientTests.ClosedPort();
        var vars = Emulators.Vars(host, ("root", "root@pam!ci=" + rootSecret), ("weak", "ci@pve!weak=" + weakSecret), ("closed", closedPort),
            ("wrong", new PSCredential("root@pam", TestSecrets.Secure("Wrong-Pass-1"))));
        string[] scripts =
        {
            "Get-PveApiToken",
            "Connect-PveServer \"127.0.0.1:$closed\" -ApiToken $root -SkipCertificateCheck -MaximumRetryCount 0",
            "Connect-PveServer nosuch.invalid -ApiToken $root -TimeoutSec 10 -MaximumRetryCount 0",
            "Connect-PveServer $url -ApiToken $root -MaximumRetryCount 0",
            "Connect-PveServer $url -ApiToken $root -CertificateThumbprint ('AB' * 32) -MaximumRetryCount 0",
            "Connect-PveServer $url -Credential $wrong -CertificateThumbprint $fp -MaximumRetryCount 0",
            $"Connect-PveServer $url -ApiToken 'root@pam!ci={Secret}' -CertificateThumbprint $fp -MaximumRetryCount 0",
            "Connect-PveServer 'http://pve1' -ApiToken $root",
            "Connect-PveServer $root $url",
            "Connect-PveServer \"$url`?token=abc\" -ApiToken $root",
            "Connect-PveServer $url -ApiToken 'root@pam!ci' -CertificateThumbprint $fp",
            "Connect-PveServer $url -ApiToken $weak -CertificateThumbprint $fp; New-PveApiToken -UserId root@pam -TokenId x -Confirm:$false",
            "Connect-PveServer $url -ApiToken $root -CertificateThumbprint $fp; Get-PveApiToken -UserId ci@pve -TokenId nosuch",
            "Remove-PveApiToken -UserId nobody@pve -TokenId x -Confirm:$false",
            "Set-PveAcl -Path /vmz -TokenId 'ci@pve!weak' -Role PVEAuditor -Confirm:$false",
            "Set-PveAcl -Path /vms -TokenId 'ci@pve!weak' -Role NoSuchRole -Confirm:$false",
        };

        var failures = new List<string>();
        foreach (string script in scripts)
        {
            PsResult r = ps.Run(script + " -ErrorAction Continue", vars);
            if (r.Errors.Count == 0)
            {
                failures.Add($"{script}: no error (the path was not reached)");
            }

            failures.AddRange(r.Errors.Select(MessageRules.TextOf).Where(m => MessageRules.RepeatedSentence(m) is not null).Select(m => $"{script}: {m}"));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task A_rejected_certificate_shows_its_fingerprint_once_as_the_pin_to_use()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "ci");
        using var ps = new PowerShellHost();
        string fingerprint = string.Join(":", host.CertificateSha256.Chunk(2).Select(c => new string(c)));

        foreach (string script in new[] { "Connect-PveServer $url -ApiToken $t", "Connect-PveServer $url -ApiToken $t -CertificateThumbprint ('AB' * 32)" })
        {
            string message = MessageRules.TextOf(Assert.Single(ps.Run(script, Emulators.Vars(host, ("t", "root@pam!ci=" + secret))).Errors));
            Assert.Equal(1, CountOf(message, fingerprint));
            Assert.Contains("-CertificateThumbprint " + fingerprint, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_wrong_password_at_connect_gets_no_advice_about_renewing_a_session()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer $url -Credential $c -CertificateThumbprint $fp -MaximumRetryCount 0",
            Emulators.Vars(host, ("c", new PSCredential("root@pam", TestSecrets.Secure("Wrong-Pass-1")))));

        string message = r.SingleError("AuthenticationFailed," + Connect).ErrorDetails.Message;
        Assert.DoesNotContain("renew", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Check the user name and realm", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("root@pam", "pve")]
    [InlineData("root@pve", "pam")]
    [InlineData("ci@PVE", "ad")]
    public async Task A_user_name_whose_realm_contradicts_Realm_is_refused_before_sending(string user, string realm)
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer $url -Credential $c -Realm $realm -CertificateThumbprint $fp",
            Emulators.Vars(host, ("c", new PSCredential(user, TestSecrets.Secure(Emulators.RootPassword))), ("realm", realm)));

        string message = r.SingleError("ConflictingRealm," + Connect).ErrorDetails.Message;
        Assert.Contains($"-Realm names {realm}", message, StringComparison.Ordinal);
        Assert.DoesNotContain(host.RequestLog, e => e.Path.Contains("ticket", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_user_principal_name_still_takes_its_realm_from_Realm()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        host.State.AddUser("j.doe@corp.example@pve", password: "Jdoe-Example-Pass-1");
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer $url -Credential $c -Realm pve -CertificateThumbprint $fp -PassThru",
            Emulators.Vars(host, ("c", new PSCredential("j.doe@corp.example", TestSecrets.Secure("Jdoe-Example-Pass-1")))));

        r.AssertNoErrors();
        Assert.Equal("j.doe@corp.example@pve", r.Single<PveSession>().Identity);
    }

    [Theory]
    [InlineData("https://pve1:8006/?token=root@pam!ci=" + Secret)]
    [InlineData("pve1/api2/json?PVEAPIToken=x")]
    [InlineData("https://pve1/?password=" + Secret)]
    public void A_credential_in_the_server_URL_is_refused_not_dropped(string server)
    {
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer $s -ApiToken 'root@pam!ci=" + Secret + "'", new() { ["s"] = server });

        string message = r.SingleError("InvalidServer," + Connect).ErrorDetails.Message;
        Assert.Contains("carries a credential in its query string", message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, r.AllText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\u201C{0}\u201D")]
    [InlineData("\u2018{0}\u2019")]
    [InlineData("root@pam!ci=\u201C{1}\u201D")]
    [InlineData("\u00AB{0}\u00BB")]
    public async Task A_token_in_typographic_quotes_is_accepted(string form)
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "ci");
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer $url -ApiToken $t -CertificateThumbprint $fp -PassThru",
            Emulators.Vars(host, ("t", string.Format(System.Globalization.CultureInfo.InvariantCulture, form, "root@pam!ci=" + secret, secret))));

        r.AssertNoErrors();
        Assert.Equal("root@pam!ci", r.Single<PveSession>().Identity);
    }

    [Fact]
    public void A_stray_typographic_quote_is_named_as_such_not_as_a_wrong_length()
    {
        using var ps = new PowerShellHost();

        PsResult r = ps.Run("Connect-PveServer pve1 -ApiToken $t", new() { ["t"] = "root@pam!ci=" + Secret + "\u201D" });

        string message = r.SingleError("InvalidApiToken," + Connect).ErrorDetails.Message;
        Assert.Contains("quote characters", message, StringComparison.Ordinal);
        Assert.DoesNotContain("37", message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, r.AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_in_upper_case_is_rejected_with_a_hint_about_case()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        string secret = host.State.AddToken("root@pam", "ci");
        using var ps = new PowerShellHost();
        var vars = Emulators.Vars(host, ("t", "root@pam!ci=" + secret.ToUpperInvariant()));

        PsResult connect = ps.Run("Connect-PveServer $url -ApiToken $t -CertificateThumbprint $fp -MaximumRetryCount 0", vars);
        PsResult lower = ps.Run("Connect-PveServer $url -ApiToken 'root@pam!ci=00000000-1111-2222-3333-444444444444' -CertificateThumbprint $fp -MaximumRetryCount 0", vars);

        Assert.Contains("upper-case", connect.SingleError("AuthenticationFailed," + Connect).ErrorDetails.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("upper-case", lower.SingleError("AuthenticationFailed," + Connect).ErrorDetails.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret.ToUpperInvariant(), connect.AllText(), StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
