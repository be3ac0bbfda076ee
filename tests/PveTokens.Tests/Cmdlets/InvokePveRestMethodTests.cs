using System.Management.Automation;
using PveEmulator;
using PveTokens.Client;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;
using PveTokens.Tests.Reliability;

namespace PveTokens.Tests.Cmdlets;

/// <summary>Invoke-PveRestMethod: the rest of the API with the session's authentication, form encoding, ShouldProcess and errors.</summary>
public sealed class InvokePveRestMethodTests
{
    [Fact]
    public async Task Creates_the_service_user_before_its_token_with_PVEs_form_encoding()
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.State.AddGroup("ops");
        c.State.AddGroup("dev");
        var expires = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        PsResult r = c.Run("""
            Invoke-PveRestMethod -Session $s -Method Post -Path /access/users -Body @{
                userid = 'backup@pve'; comment = 'nightly backup'; enable = $true; groups = @('ops', 'dev'); expire = $expires
            } -Confirm:$false
            New-PveApiToken -Session $s -UserId backup@pve -TokenId nightly -Confirm:$false | Out-Null
            Invoke-PveRestMethod -Session $s -Path /access/users/backup@pve
            """, ("expires", expires));

        r.AssertNoErrors();
        PSObject user = Assert.Single(r.Output);
        Assert.Equal("nightly backup", user.Properties["comment"].Value);
        Assert.Equal(1L, Convert.ToInt64(user.Properties["enable"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(new DateTimeOffset(expires).ToUnixTimeSeconds(), Convert.ToInt64(user.Properties["expire"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(new object[] { "dev", "ops" }, ((object[])user.Properties["groups"].Value).Order());
        Assert.True(c.State.TokenExists("backup@pve", "nightly"));
        Assert.Equal(new[] { "comment", "enable", "expire", "groups", "userid" },
            c.Requests.First(e => e.Method == "POST").ParameterNames.Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Returns_each_item_of_a_listing_as_an_object_and_reads_run_under_WhatIf()
    {
        await using var c = await ReliabilityContext.StartAsync();

        PsResult listing = c.Run("Invoke-PveRestMethod -Session $s /access/users -WhatIf");
        PsResult version = c.Run("Invoke-PveRestMethod -Session $s -Path /api2/json/version");

        listing.AssertNoErrors();
        Assert.Equal(new[] { "ci@pve", "root@pam" }, listing.Output.Select(u => (string)u.Properties["userid"].Value).Order());
        Assert.Equal("9.2.0", version.Output.Single().Properties["version"].Value);
    }

    [Fact]
    public async Task Writes_ask_ShouldProcess_and_WhatIf_sends_nothing()
    {
        await using var c = await ReliabilityContext.StartAsync();

        PsResult r = c.Run("Invoke-PveRestMethod -Session $s -Method Delete -Path /access/users/ci@pve -WhatIf");

        r.AssertNoErrors();
        Assert.Contains(r.HostLines, l => l.Contains("What if", StringComparison.Ordinal) && l.Contains("/access/users/ci@pve", StringComparison.Ordinal) && l.Contains("DELETE", StringComparison.Ordinal));
        Assert.Empty(c.Requests);
        Assert.True(c.State.UserExists("ci@pve"));
        Assert.Equal("Medium", c.Ps.Run("(Get-Command Invoke-PveRestMethod).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false).ConfirmImpact").Output.Single().ToString());

        c.Run("Invoke-PveRestMethod -Session $s -Method Delete -Path /access/users/ci@pve -Confirm:$false").AssertNoErrors();
        Assert.False(c.State.UserExists("ci@pve"));
    }

    [Fact]
    public async Task PVE_errors_are_mapped_and_no_secret_of_the_body_reaches_any_stream()
    {
        await using var c = await ReliabilityContext.StartAsync();
        const string password = "Svc-Secret-Pass-42";

        PsResult created = c.Run("Invoke-PveRestMethod -Session $s -Method Post -Path /access/users -Body @{ userid = 'svc@pve'; password = $p } -Confirm:$false -Verbose -Debug",
            ("p", TestSecrets.Secure(password)));
        PsResult again = c.Run("Invoke-PveRestMethod -Session $s -Method Post -Path /access/users -Body @{ userid = 'svc@pve'; password = $p } -Confirm:$false -Verbose",
            ("p", password));
        PsResult missing = c.Run("Invoke-PveRestMethod -Session $s -Path /access/users/nosuch@pve");

        created.AssertNoErrors();
        Assert.Contains(created.Verbose, v => v.Contains("POST /access/users", StringComparison.Ordinal));
        Assert.True(c.State.UserExists("svc@pve"));
        ErrorRecord exists = Assert.Single(again.Errors);
        Assert.DoesNotContain("UnexpectedError", exists.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("already exists", exists.ErrorDetails?.Message ?? exists.Exception.Message, StringComparison.Ordinal);
        ErrorRecord notFound = Assert.Single(missing.Errors);
        Assert.Contains("no such user", notFound.ErrorDetails?.Message ?? notFound.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, created.AllText() + again.AllText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.example/api2/json/version")]
    [InlineData("access/users")]
    [InlineData("/access/users?password=Leaked-Secret-1")]
    [InlineData("/access/users#x")]
    [InlineData("/access/../../version")]
    [InlineData("/access/%2e%2e/version")]
    [InlineData("/access/users/a%2Fb")]
    [InlineData("/api2/extjs/version")]
    [InlineData("/")]
    [InlineData("/access//users")]
    [InlineData("/access/users x")]
    [InlineData("   ")]
    public async Task A_path_that_is_not_an_API_path_is_refused_before_any_request(string path)
    {
        await using var c = await ReliabilityContext.StartAsync();

        PsResult r = c.Run("Invoke-PveRestMethod -Session $s -Path $p", ("p", path));

        ErrorRecord e = Assert.Single(r.Errors);
        Assert.StartsWith("InvalidApiPath,", e.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.DoesNotContain("Leaked-Secret-1", r.AllText(), StringComparison.Ordinal);
        Assert.Empty(c.Requests);
    }

    [Theory]
    [InlineData("/access/users/root@pam", "/access/users/root%40pam")]
    [InlineData("/access/users/root%40pam/", "/access/users/root%40pam")]
    [InlineData("/api2/json/access/users", "/access/users")]
    [InlineData(" /version ", "/version")]
    public void Escaped_and_unescaped_paths_name_the_same_resource(string given, string sent)
    {
        Assert.Equal(sent, PveApiPath.Normalize(given, out string? error));
        Assert.Null(error);
    }

    [Fact]
    public async Task A_body_value_PVE_cannot_take_is_refused_before_any_request()
    {
        await using var c = await ReliabilityContext.StartAsync();

        PsResult r = c.Run("Invoke-PveRestMethod -Session $s -Method Put -Path /access/users/ci@pve -Body @{ comment = @{ nested = 1 } } -Confirm:$false");

        Assert.StartsWith("InvalidBody,", Assert.Single(r.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Empty(c.Requests);
    }
}
