using System.Management.Automation;
using PveEmulator;
using PveEmulator.Faults;
using PveTokens.Models;

using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Reliability;

/// <summary>
/// Writes whose answer is lost (connection dropped after the request was sent, a timeout after
/// sending, a gateway error, an unreadable 200) are never sent again: they are read back and
/// reported honestly — applied (a warning, no error), not applied (WriteNotApplied), or, for a new
/// secret that never arrived, TokenSecretLost with the Reset-PveApiToken command that fixes it.
/// </summary>
public sealed class UnknownOutcomeTests
{
    private static int Count(ReliabilityContext c, string method, string path) =>
        c.Requests.Count(r => r.Method == method && r.Path == "/api2/json" + path);

    [Fact]
    public async Task A_created_token_whose_secret_never_arrived_is_reported_with_the_command_that_rotates_it()
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.Host.Faults.DropNextAfterHandling(1, "POST");

        PsResult r = c.Run("New-PveApiToken -Session $s -UserId ci@pve -TokenId lost -Comment 'x' -Confirm:$false");

        ErrorRecord e = r.SingleError("TokenSecretLost,PveTokens.Commands.NewPveApiTokenCommand");
        Assert.Equal(ErrorCategory.ConnectionError, e.CategoryInfo.Category);
        Assert.Equal("ci@pve!lost", e.TargetObject);
        Assert.Contains("was created, but its secret never arrived", e.ErrorDetails!.Message);
        Assert.Contains("Reset-PveApiToken -UserId 'ci@pve' -TokenId 'lost'", e.ErrorDetails.Message);
        Assert.Equal("Reset-PveApiToken -UserId 'ci@pve' -TokenId 'lost'", ((PveTokens.Client.PveTokenSecretLostException)e.Exception).ResetCommand);
        Assert.True(c.State.TokenExists("ci@pve", "lost"));
        Assert.Equal(1, Count(c, "POST", "/access/users/ci@pve/token/lost"));
        Assert.Equal(1, Count(c, "GET", "/access/users/ci@pve/token/lost"));

        // The command it names works as printed.
        PsResult reset = c.Run(((PveTokens.Client.PveTokenSecretLostException)e.Exception).ResetCommand + " -Session $s -Confirm:$false");
        reset.AssertNoErrors();
        Assert.Equal(c.State.TokenSecret("ci@pve", "lost"), reset.Single<PveApiTokenSecret>().GetPlainTextSecret());
    }

    [Fact]
    public async Task A_create_whose_200_answer_is_cut_short_is_reported_as_created_without_its_secret()
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.Host.Faults.MalformNext(1, MalformedBody.Truncated, "POST");

        PsResult r = c.Run("New-PveApiToken -Session $s -UserId ci@pve -TokenId cut -Confirm:$false");

        r.SingleError("TokenSecretLost,PveTokens.Commands.NewPveApiTokenCommand");
        Assert.True(c.State.TokenExists("ci@pve", "cut"));
    }

    [Fact]
    public async Task A_create_dropped_before_the_server_read_it_is_reported_not_applied()
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.Host.Faults.DropNextBeforeRequest(1, "POST");

        PsResult r = c.Run("New-PveApiToken -Session $s -UserId ci@pve -TokenId never -Confirm:$false");

        ErrorRecord e = r.SingleError("WriteNotApplied,PveTokens.Commands.NewPveApiTokenCommand");
        Assert.Contains("NOT applied", e.ErrorDetails!.Message);
        Assert.False(c.State.TokenExists("ci@pve", "never"));
        Assert.Equal(1, c.Requests.Count(q => q.Method == "POST"));
    }

    [Fact]
    public async Task A_regenerate_whose_answer_was_lost_says_the_old_secret_may_be_gone_and_how_to_get_a_new_one()
    {
        await using var c = await ReliabilityContext.StartAsync();
        string? before = c.State.TokenSecret("ci@pve", "backup");
        c.Host.Faults.DropNextAfterHandling(1, "PUT");

        PsResult r = c.Run("Reset-PveApiToken -Session $s -UserId ci@pve -TokenId backup -Confirm:$false");

        ErrorRecord e = r.SingleError("TokenSecretLost,PveTokens.Commands.ResetPveApiTokenCommand");
        Assert.Contains("old secret may no longer work", e.ErrorDetails!.Message);
        Assert.Contains("Reset-PveApiToken -UserId 'ci@pve' -TokenId 'backup'", e.ErrorDetails.Message);
        Assert.NotEqual(before, c.State.TokenSecret("ci@pve", "backup"));
        Assert.Equal(1, Count(c, "PUT", "/access/users/ci@pve/token/backup"));
    }

    [Fact]
    public async Task An_update_whose_answer_was_lost_is_read_back_and_reported_applied()
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.Host.Faults.DropNextAfterHandling(1, "PUT");

        PsResult r = c.Run("Update-PveApiToken -Session $s -UserId ci@pve -TokenId backup -Comment 'after drop' -PrivilegeSeparation $false -PassThru -Confirm:$false");

        r.AssertNoErrors();
        string warning = Assert.Single(r.Warnings, w => w.Contains("did not arrive", StringComparison.Ordinal));
        Assert.Contains("PUT /access/users/ci@pve/token/backup did not arrive", warning);
        Assert.Contains("reading back shows the change was applied", warning);
        PveApiToken token = r.Single<PveApiToken>();
        Assert.Equal("after drop", token.Comment);
        Assert.False(token.PrivilegeSeparation);
        Assert.Equal(1, Count(c, "PUT", "/access/users/ci@pve/token/backup"));
    }

    [Fact]
    public async Task An_update_that_timed_out_after_sending_is_read_back()
    {
        await using var c = await ReliabilityContext.StartAsync(connectOptions: "-MaximumRetryCount 3 -RetryIntervalSec 0.01 -TimeoutSec 1");
        c.Host.Faults.SlowNext(1, 2500, "PUT");

        PsResult r = c.Run("Update-PveApiToken -Session $s -UserId ci@pve -TokenId backup -Comment slow -Confirm:$false");

        r.AssertNoErrors();
        Assert.Contains(r.Warnings, w => w.Contains("timed out while reading the answer", StringComparison.Ordinal) && w.Contains("was applied", StringComparison.Ordinal));
        Assert.Equal("slow", c.State.GetToken("ci@pve", "backup")!.Value.Comment);
        Assert.Equal(1, Count(c, "PUT", "/access/users/ci@pve/token/backup"));
    }

    [Fact]
    public async Task A_delete_whose_answer_was_lost_is_read_back_and_reported_applied()
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.Host.Faults.DropNextAfterHandling(1, "DELETE");

        PsResult r = c.Run("Remove-PveApiToken -Session $s -UserId ci@pve -TokenId backup -Confirm:$false");

        r.AssertNoErrors();
        Assert.Contains(r.Warnings, w => w.Contains("DELETE /access/users/ci@pve/token/backup", StringComparison.Ordinal) && w.Contains("applied", StringComparison.Ordinal));
        Assert.False(c.State.TokenExists("ci@pve", "backup"));
        Assert.Equal(1, Count(c, "DELETE", "/access/users/ci@pve/token/backup"));
    }

    [Fact]
    public async Task A_delete_dropped_before_the_server_read_it_is_reported_not_applied()
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.Host.Faults.DropNextBeforeRequest(1, "DELETE");

        PsResult r = c.Run("Remove-PveApiToken -Session $s -UserId ci@pve -TokenId backup -Confirm:$false");

        r.SingleError("WriteNotApplied,PveTokens.Commands.RemovePveApiTokenCommand");
        Assert.True(c.State.TokenExists("ci@pve", "backup"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_acl_change_whose_answer_was_lost_is_read_back_and_reported_applied(bool delete)
    {
        await using var c = await ReliabilityContext.StartAsync();
        if (delete)
        {
            c.State.AddAcl("/vms", "PVEAuditor", token: "ci@pve!backup");
        }

        c.Host.Faults.DropNextAfterHandling(1, "PUT");
        string verb = delete ? "Remove-PveAcl" : "Set-PveAcl";

        PsResult r = c.Run($"{verb} -Session $s -Path /vms -TokenId 'ci@pve!backup' -Role PVEAuditor -Confirm:$false");

        r.AssertNoErrors();
        Assert.Contains(r.Warnings, w => w.Contains("PUT /access/acl did not arrive", StringComparison.Ordinal) && w.Contains("was applied", StringComparison.Ordinal));
        Assert.Equal(!delete, c.State.AclEntries().Any(a => a.Path == "/vms" && a.UgId == "ci@pve!backup" && a.RoleId == "PVEAuditor"));
        Assert.Equal(1, Count(c, "PUT", "/access/acl"));
    }

    [Fact]
    public async Task An_acl_change_answered_by_a_gateway_error_is_read_back_and_reported_not_applied()
    {
        await using var c = await ReliabilityContext.StartAsync();
        c.Host.Faults.FailNext(1, 502, "PUT");

        PsResult r = c.Run("Set-PveAcl -Session $s -Path /vms -TokenId 'ci@pve!backup' -Role PVEAuditor -Confirm:$false");

        ErrorRecord e = r.SingleError("WriteNotApplied,PveTokens.Commands.SetPveAclCommand");
        Assert.Contains("502", e.ErrorDetails!.Message);
        Assert.DoesNotContain(c.State.AclEntries(), a => a.UgId == "ci@pve!backup" && a.RoleId == "PVEAuditor");
        Assert.Equal(1, Count(c, "PUT", "/access/acl"));
    }

    [Fact]
    public async Task When_reading_back_fails_too_the_outcome_is_reported_unknown()
    {
        await using var c = await ReliabilityContext.StartAsync(connectOptions: "-MaximumRetryCount 1 -RetryIntervalSec 0.01");
        c.Host.Faults.DropNextAfterHandling(1, "PUT");
        c.Host.Faults.FailNext(5, 503, "GET");

        var e = await Assert.ThrowsAsync<PveTokens.Client.PveWriteOutcomeException>(() => c.Session.Client.UpdateAclAsync("/vms", new[] { "PVEAuditor" },
            null, null, new[] { "ci@pve!backup" }, propagate: true, delete: false, CancellationToken.None));

        Assert.Equal(PveTokens.Client.PveWriteOutcome.Unknown, e.Outcome);
        Assert.Contains("whether the change was applied is unknown", e.Message);
        Assert.Contains("reading it back failed too", e.Message);
        ErrorRecord record = PveTokens.Commands.ErrorMapper.Map(e, "/vms", c.Session);
        Assert.Equal("WriteOutcomeUnknown", record.FullyQualifiedErrorId);
        Assert.Contains("Get-PveAcl", record.ErrorDetails!.Message);
    }
}
