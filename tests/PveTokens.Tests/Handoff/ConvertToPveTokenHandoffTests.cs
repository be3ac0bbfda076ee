using System.Management.Automation;
using System.Security;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;
using PveTokens.Tests.Tokens;

namespace PveTokens.Tests.Handoff;

/// <summary>
/// ConvertTo-PveTokenHandoff: the exact text of every form (with -AsPlainText), and that without
/// -AsPlainText only SecureStrings come out and the secret is in no stream.
/// </summary>
public sealed class ConvertToPveTokenHandoffTests : IDisposable
{
    private const string Secret = "5f0c7a3e-2b1d-4c8e-9a6f-0d3b7e1c4a92";
    private readonly PowerShellHost _ps = new();

    public void Dispose() => _ps.Dispose();

    private static PveApiTokenSecret NewSecret(string userId = "ci@pve", string tokenId = "backup") =>
        new(userId, tokenId, "nightly backup", 0, true, TokenTestContext.Secure(Secret), session: null);

    private string Plain(string arguments, PveApiTokenSecret? token = null)
    {
        PsResult r = _ps.Run("$token | ConvertTo-PveTokenHandoff " + arguments + " -AsPlainText", new() { ["token"] = token ?? NewSecret() });
        r.AssertNoErrors();
        return Assert.IsType<string>(Assert.Single(r.Output).BaseObject);
    }

    public static TheoryData<string, string> Forms => new()
    {
        { "-Format Header", "PVEAPIToken ci@pve!backup=" + Secret },
        { "-Format Curl", "header = \"Authorization: PVEAPIToken=ci@pve!backup=" + Secret + "\"" },
        { "-Format Proxmoxer", "{\"user\": \"ci@pve\", \"token_name\": \"backup\", \"token_value\": \"" + Secret + "\"}" },
        { "-Format TerraformBpg", "api_token = \"ci@pve!backup=" + Secret + "\"" },
        { "-Format TerraformBpg -Shell Posix", "export PROXMOX_VE_API_TOKEN='ci@pve!backup=" + Secret + "'" },
        { "-Format TerraformBpg -Shell PowerShell", "$env:PROXMOX_VE_API_TOKEN = 'ci@pve!backup=" + Secret + "'" },
        { "-Format TerraformTelmate", "pm_api_token_id     = \"ci@pve!backup\"\npm_api_token_secret = \"" + Secret + "\"" },
        { "-Format TerraformTelmate -Shell Posix", "export PM_API_TOKEN_ID='ci@pve!backup'\nexport PM_API_TOKEN_SECRET='" + Secret + "'" },
        { "-Format Environment", "$env:PMPROXY_TOKEN = 'ci@pve!backup=" + Secret + "'" },
        { "-Format Environment -Shell Posix", "export PMPROXY_TOKEN='ci@pve!backup=" + Secret + "'" },
        { "-Format Environment -Server pve1.example.com:8006", "$env:PMPROXY_HOST = 'pve1.example.com:8006'\n$env:PMPROXY_TOKEN = 'ci@pve!backup=" + Secret + "'" },
        { "-Format Environment -Shell Posix -Server pve1.example.com:8006", "export PMPROXY_HOST='pve1.example.com:8006'\nexport PMPROXY_TOKEN='ci@pve!backup=" + Secret + "'" },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void EachFormHasItsExactPlainText(string arguments, string expected) =>
        Assert.Equal(expected, Plain(arguments));

    [Theory]
    [MemberData(nameof(Forms))]
    public void WithoutAsPlainTextOnlyASecureStringComesOut(string arguments, string expected)
    {
        PsResult r = _ps.Run("$token | ConvertTo-PveTokenHandoff " + arguments + " -Verbose -Debug *>&1", new() { ["token"] = NewSecret() });
        r.AssertNoErrors();
        object only = Assert.Single(r.Output).BaseObject;
        SecureString secure = Assert.IsType<SecureString>(only);
        Assert.True(secure.IsReadOnly());
        Assert.Equal(expected, SecretText.ToPlainText(secure));
        Assert.DoesNotContain(Secret, r.AllText(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, _ps.Run("$token | ConvertTo-PveTokenHandoff " + arguments + " | Out-String", new() { ["token"] = NewSecret() }).AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public void QuotesAreEscapedForEachTarget()
    {
        // PVE's user part allows quotes and '$'; every form must keep them literal.
        PveApiTokenSecret odd = NewSecret("o'b\"r$%{x@pve", "backup");
        Assert.Equal("$env:PMPROXY_TOKEN = 'o''b\"r$%{x@pve!backup=" + Secret + "'", Plain("-Format Environment", odd));
        Assert.Equal("export PMPROXY_TOKEN='o'\\''b\"r$%{x@pve!backup=" + Secret + "'", Plain("-Format Environment -Shell Posix", odd));
        Assert.Equal("api_token = \"o'b\\\"r$$%%{x@pve!backup=" + Secret + "\"", Plain("-Format TerraformBpg", odd));
        Assert.Equal("header = \"Authorization: PVEAPIToken=o'b\\\"r$%{x@pve!backup=" + Secret + "\"", Plain("-Format Curl", odd));
        Assert.StartsWith("{\"user\": \"o'b\\\"r$%{x@pve\",", Plain("-Format Proxmoxer", odd), StringComparison.Ordinal);
    }

    [Fact]
    public void TakesACredentialFromThePipeline()
    {
        var credential = new PSCredential("ci@pve!backup", TokenTestContext.Secure(Secret));
        PsResult r = _ps.Run("$cred | ConvertTo-PveTokenHandoff Header -AsPlainText", new() { ["cred"] = credential });
        r.AssertNoErrors();
        Assert.Equal("PVEAPIToken ci@pve!backup=" + Secret, r.Single<string>());
    }

    [Fact]
    public void ACredentialThatIsNoTokenIsAnInvalidArgumentWithoutTheSecret()
    {
        var credential = new PSCredential("ci@pve", TokenTestContext.Secure(Secret));
        PsResult r = _ps.Run("$cred | ConvertTo-PveTokenHandoff Header", new() { ["cred"] = credential });
        ErrorRecord e = r.SingleError("InvalidApiToken,PveTokens.Commands.ConvertToPveTokenHandoffCommand");
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Empty(r.Output);
        Assert.DoesNotContain(Secret, r.AllText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$v | ConvertTo-PveTokenHandoff Header -AsPlainText")]
    [InlineData("ConvertTo-PveTokenHandoff Header -ApiToken $v -AsPlainText")]
    [InlineData("ConvertTo-PveTokenHandoff Header -Credential $v -AsPlainText")]
    [InlineData("(ConvertTo-SecureString $v -AsPlainText -Force) | ConvertTo-PveTokenHandoff Header -AsPlainText")]
    public void TakesATokenStringOrSecureStringFromThePipelineOrAParameterWithoutAPrompt(string script)
    {
        PsResult r = _ps.Run(script, new() { ["v"] = "PVEAPIToken=ci@pve!backup=" + Secret });

        r.AssertNoErrors();
        Assert.Empty(r.Prompts);
        Assert.Equal("PVEAPIToken ci@pve!backup=" + Secret, r.Single<string>());
    }

    [Fact]
    public void ATokenObjectWithoutSecretSaysWhatToPipeInstead()
    {
        var listed = new PveApiToken("ci@pve", "backup", "nightly", 0, true, true, 0, session: null);

        PsResult r = _ps.Run("$t | ConvertTo-PveTokenHandoff Header", new() { ["t"] = listed });

        ErrorRecord e = r.SingleError("InvalidApiToken,PveTokens.Commands.ConvertToPveTokenHandoffCommand");
        Assert.Equal(
            "The token object 'ci@pve!backup' has no secret: PVE shows a token's secret only once, when New-PveApiToken or Reset-PveApiToken makes it. " +
            "Pipe the output of New-PveApiToken or Reset-PveApiToken, or give a credential (the full token id as user name, the secret as password) or the token string.",
            e.ErrorDetails.Message);
        Assert.Empty(r.Prompts);
    }

    [Fact]
    public void AMalformedTokenStringInThePipelineIsAnErrorPerItemWithoutItsSecretAndTheRestGoOn()
    {
        PsResult r = _ps.Run("@(('ci@pve!backup:' + $s), ('ci@pve!backup=' + $s)) | ConvertTo-PveTokenHandoff Header -AsPlainText", new() { ["s"] = Secret });

        Assert.Equal("InvalidApiToken,PveTokens.Commands.ConvertToPveTokenHandoffCommand", Assert.Single(r.Errors).FullyQualifiedErrorId);
        Assert.Equal("PVEAPIToken ci@pve!backup=" + Secret, r.Single<string>());
        Assert.Empty(r.Prompts);
        Assert.DoesNotContain(Secret, string.Join("\n", r.Errors.Select(PsResult.Describe)), StringComparison.Ordinal);
    }

    [Fact]
    public void ShellWithAFormatThatHasNoVariablesIsRefused()
    {
        PsResult r = _ps.Run("$token | ConvertTo-PveTokenHandoff Curl -Shell Posix", new() { ["token"] = NewSecret() });
        ErrorRecord e = r.SingleError("ShellNotSupported,PveTokens.Commands.ConvertToPveTokenHandoffCommand");
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Empty(r.Output);
    }
}

/// <summary>The Environment form end to end; it sets PMPROXY_*, process-wide, so it never runs in parallel.</summary>
[Collection(nameof(PveTokens.Tests.Cmdlets.ProcessEnvironment))]
public sealed class HandoffEnvironmentTests : IDisposable
{
    private readonly string? _host = Environment.GetEnvironmentVariable("PMPROXY_HOST");
    private readonly string? _token = Environment.GetEnvironmentVariable("PMPROXY_TOKEN");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PMPROXY_HOST", _host);
        Environment.SetEnvironmentVariable("PMPROXY_TOKEN", _token);
    }

    [Fact]
    public async Task TheEnvironmentFormNamesTheSessionsServerAndConnectsFromIt()
    {
        await using TokenTestContext ctx = await TokenTestContext.StartAsync();
        PsResult r = ctx.Run("""
            $t = New-PveApiToken -UserId ci@pve -TokenId handoff
            $lines = $t | ConvertTo-PveTokenHandoff Environment -AsPlainText
            $lines
            Invoke-Expression $lines
            $s = Connect-PveServer -CertificateThumbprint $fp -PassThru
            $s.Identity
            Remove-Item env:PMPROXY_HOST, env:PMPROXY_TOKEN
            """);
        r.AssertNoErrors();
        string text = (string)r.Output[0].BaseObject;
        Assert.Equal($"$env:PMPROXY_HOST = '{ctx.Host.Url.Authority}'", text.Split('\n')[0]);
        Assert.Equal("ci@pve!handoff", r.Output[1].BaseObject);
    }
}
