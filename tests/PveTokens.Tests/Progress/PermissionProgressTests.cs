using System.Management.Automation;
using PveEmulator;
using PveTokens.Tests.Acl;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Progress;

/// <summary>
/// Get-PvePermission for several principals (a known number of requests) shows Write-Progress and
/// ends it with a Completed record; one principal shows none. (The token listing, the bulk ACL
/// change and the Reset fallback have their own progress tests next to their cmdlets.)
/// </summary>
public sealed class PermissionProgressTests
{
    private static void Seed(EmulatorState s)
    {
        s.AddUser("ci@pve", password: "Ci-Example-Pass-1");
        s.AddUser("alice@pve", password: "Alice-Example-Pass-1");
        s.AddUser("bob@pve", password: "Bob-Example-Pass-1");
        s.AddAcl("/vms", "PVEVMUser", user: "ci@pve", propagate: true);
    }

    [Fact]
    public async Task SeveralUsersShowProgressAndEndWithCompleted()
    {
        await using AclTestHost host = (await AclTestHost.StartAsync(Seed)).ConnectRoot();

        PsResult r = host.Run("Get-PvePermission -UserId ci@pve, alice@pve, bob@pve");

        Assert.Empty(r.Errors);
        var processing = r.Progress.Where(p => p.RecordType == ProgressRecordType.Processing).ToList();
        Assert.Equal(new[] { "ci@pve (1 of 3)", "alice@pve (2 of 3)", "bob@pve (3 of 3)" }, processing.Select(p => p.StatusDescription));
        Assert.Equal(new[] { 0, 33, 66 }, processing.Select(p => p.PercentComplete));
        Assert.Equal(ProgressRecordType.Completed, r.Progress.Last().RecordType);
    }

    [Fact]
    public async Task OneUserShowsNoProgress()
    {
        await using AclTestHost host = (await AclTestHost.StartAsync(Seed)).ConnectRoot();

        PsResult r = host.Run("Get-PvePermission -UserId ci@pve");

        Assert.Empty(r.Errors);
        Assert.Empty(r.Progress);
    }
}
