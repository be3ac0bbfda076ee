using PveEmulator;
using PveEmulator.Access;
using PveTokens.Models;
using PveTokens.Tests.Acl;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.AccessReview;

/// <summary>Get-PveAccessReport and Get-PvePermission -Explain against the emulator.</summary>
public sealed class AccessReportCmdletTests
{
    private const string ReportId = "PveTokens.Commands.GetPveAccessReportCommand";

    private static void Seed(EmulatorState s)
    {
        s.AddGroup("ops");
        s.AddGroup("backup");
        s.AddUser("alice@pve", "Alice-Pass-1", groups: new[] { "ops" });
        s.AddUser("bob@pve", "Bob-Pass-1");
        s.AddUser("off@pve", enable: false);
        s.AddUser("svc@pve", "Svc-Pass-1", groups: new[] { "backup" });
        s.AddToken("alice@pve", "ci");
        s.AddToken("alice@pve", "full", privsep: false);
        s.AddToken("svc@pve", "dump");
        s.AddToken("off@pve", "tk", privsep: false);
        s.AddAcl("/", "PVEAuditor", group: "ops");
        s.AddAcl("/vms", "PVEVMAdmin", group: "ops");
        s.AddAcl("/vms/100", "PVEVMUser", token: "alice@pve!ci");
        s.AddAcl("/vms/100", "PVEVMAdmin", user: "bob@pve", propagate: false);
        s.AddAcl("/storage", "PVEDatastoreUser", group: "backup");
        s.AddAcl("/storage/backup", "PVEDatastoreAdmin", token: "svc@pve!dump");
        s.AddAcl("/", "Administrator", user: "off@pve");
    }

    private static async Task<AclTestHost> StartAsync() => (await AclTestHost.StartAsync(Seed)).ConnectRoot();

    private static List<string> Rows(PsResult r) =>
        r.Objects<PveAccessGrant>().Select(g => $"{g.Principal} {g.Path} {g.Privilege} {(g.Propagate ? 1 : 0)} {g.Via} {g.Source}").ToList();

    [Fact]
    public async Task WhoCanAllocateVmsOnAVmWithThreeRequests()
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        PsResult r = host.Run("Get-PveAccessReport -Privilege VM.Allocate -Path /vms/100");

        r.AssertNoErrors();
        Assert.Equal(new[]
        {
            "alice@pve /vms/100 VM.Allocate 1 Group /vms PVEVMAdmin (@ops)",
            "alice@pve!full /vms/100 VM.Allocate 1 Owner owner /vms PVEVMAdmin (@ops)",
            "bob@pve /vms/100 VM.Allocate 0 Direct /vms/100 PVEVMAdmin",
            "root@pam /vms/100 VM.Allocate 1 Superuser root@pam: every privilege",
        }, Rows(r));
        Assert.Equal(3, host.Emulator.RequestLog.Count);
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public async Task TokenFilterAndTheIntersectionSource()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PveAccessReport -Path /storage/backup, /vms/100 -TokenId *");

        r.AssertNoErrors();
        List<PveAccessGrant> rows = r.Objects<PveAccessGrant>().ToList();
        Assert.All(rows, g => Assert.Equal(PveAccessPrincipalType.Token, g.PrincipalType));
        PveAccessGrant dump = rows.Single(g => g.Principal == "svc@pve!dump" && g.Privilege == "Datastore.Audit");
        Assert.Equal((PveAccessVia.TokenIntersection, "/storage/backup", "PVEDatastoreAdmin", "/storage", "PVEDatastoreUser", "backup"),
            (dump.Via, dump.SourcePath, dump.SourceRole, dump.OwnerSourcePath, dump.OwnerSourceRole, dump.OwnerSourceGroup));
        Assert.Equal("/storage/backup PVEDatastoreAdmin & owner /storage PVEDatastoreUser (@backup)", dump.Source);
        Assert.DoesNotContain(rows, g => g.Principal == "svc@pve!dump" && g.Privilege == "Datastore.Allocate");
        Assert.Equal(new[] { "alice@pve!ci", "alice@pve!full", "svc@pve!dump" }, rows.Select(g => g.Principal).Distinct());
    }

    [Fact]
    public async Task UnusablePrincipalsOnlyWithIncludeUnusable()
    {
        await using AclTestHost host = await StartAsync();

        PsResult usable = host.Run("Get-PveAccessReport -Privilege Sys.Modify");
        PsResult all = host.Run("Get-PveAccessReport -Privilege Sys.Modify -IncludeUnusable -UserId off@pve");

        Assert.Equal(new[] { "root@pam" }, usable.Objects<PveAccessGrant>().Select(g => g.Principal).Distinct());
        Assert.Equal(new[] { "off@pve", "off@pve!tk" }, all.Objects<PveAccessGrant>().Select(g => g.Principal).Distinct());
        Assert.All(all.Objects<PveAccessGrant>(), g => Assert.False(g.Usable));
        Assert.Equal("Its user off@pve is disabled.", all.Objects<PveAccessGrant>().First(g => g.Principal == "off@pve!tk").UnusableReason);
    }

    [Fact]
    public async Task GroupFilterSelectsMembersAndTheirTokens()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PveAccessReport -GroupId op* -Path /");

        Assert.Equal(new[] { "alice@pve", "alice@pve!full" }, r.Objects<PveAccessGrant>().Select(g => g.Principal).Distinct());
    }

    [Fact]
    public async Task TheFullMatrixEqualsWhatPveAnswersPerPrincipal()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PveAccessReport -IncludeUnusable");

        r.AssertNoErrors();
        var report = r.Objects<PveAccessGrant>().Select(g => $"{g.Principal} {g.Path} {g.Privilege} {(g.Propagate ? 1 : 0)}").ToHashSet();
        var engine = new PermissionEngine(host.State);
        var server = new HashSet<string>();
        lock (host.State.Sync)
        {
            foreach (string principal in host.State.AclEntries().Select(e => e.UgId).Concat(new[] { "alice@pve", "alice@pve!ci", "alice@pve!full", "bob@pve", "off@pve", "off@pve!tk", "svc@pve", "svc@pve!dump", "root@pam" }).Where(p => p.Contains('@')).Distinct())
            {
                foreach ((string path, Dictionary<string, bool> privileges) in engine.EffectivePermissions(principal))
                {
                    server.UnionWith(privileges.Select(p => $"{principal} {path} {p.Key} {(p.Value ? 1 : 0)}"));
                }
            }
        }

        Assert.Equal(server.OrderBy(x => x, StringComparer.Ordinal), report.OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public async Task BadInputIsRefusedBeforeAnyRequest()
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        PsResult path = host.Run("Get-PveAccessReport -Path /vms/12");
        PsResult pattern = host.Run("Get-PveAccessReport -UserId 'a[lice'");
        PsResult privilege = host.Run("Get-PveAccessReport -Privilege VM.Alocate, VM.Audit -Path /vms/100");

        Assert.Equal("InvalidAclPath," + ReportId, path.Errors.Single().FullyQualifiedErrorId);
        Assert.Equal("ParameterArgumentValidationError," + ReportId, pattern.Errors.Single().FullyQualifiedErrorId);
        Assert.Contains("'a[lice' is not a valid wildcard pattern", pattern.Errors.Single().Exception.Message, StringComparison.Ordinal);
        Assert.Equal(3, host.Emulator.RequestLog.Count);
        Assert.Equal("UnknownPrivilege," + ReportId, privilege.Errors.Single().FullyQualifiedErrorId);
        Assert.Contains("VM.Alocate", privilege.Errors.Single().ErrorDetails.Message, StringComparison.Ordinal);
        Assert.Empty(privilege.Objects<PveAccessGrant>());
    }

    [Fact]
    public async Task ExportCsvWritesFlatColumns()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PveAccessReport -Privilege VM.PowerMgmt -Path /vms/100 -TokenId 'alice@pve!ci' | ConvertTo-Csv -NoTypeInformation");

        r.AssertNoErrors();
        string[] lines = r.Output.Select(o => o.ToString()).ToArray();
        Assert.Equal("\"Principal\",\"PrincipalType\",\"UserId\",\"Path\",\"Privilege\",\"Propagate\",\"Via\",\"SourcePath\",\"SourceRole\",\"SourceGroup\",\"OwnerSourcePath\",\"OwnerSourceRole\",\"OwnerSourceGroup\",\"Source\",\"Usable\",\"UnusableReason\",\"Session\"", lines[0]);
        Assert.StartsWith("\"alice@pve!ci\",\"Token\",\"alice@pve\",\"/vms/100\",\"VM.PowerMgmt\",\"True\",\"TokenIntersection\",\"/vms/100\",\"PVEVMUser\",,\"/vms\",\"PVEVMAdmin\",\"ops\",\"/vms/100 PVEVMUser & owner /vms PVEVMAdmin (@ops)\",\"True\",,", lines[1]);
    }

    [Fact]
    public async Task ExplainNamesTheEntryBehindEveryPrivilegePveReports()
    {
        await using AclTestHost host = await StartAsync();

        PsResult explained = host.Run("Get-PvePermission -TokenId 'alice@pve!ci' -Explain");
        PsResult plain = host.Run("Get-PvePermission -TokenId 'alice@pve!ci'");

        explained.AssertNoErrors();
        Assert.Empty(explained.Warnings);
        Assert.Equal(
            plain.Objects<PvePermission>().Select(p => $"{p.Path} {p.Privilege} {p.Propagate}"),
            explained.Objects<PveAccessGrant>().Select(g => $"{g.Path} {g.Privilege} {g.Propagate}"));
        Assert.All(explained.Objects<PveAccessGrant>(), g => Assert.Equal(PveAccessVia.TokenIntersection, g.Via));
        PveAccessGrant power = explained.Objects<PveAccessGrant>().Single(g => g.Privilege == "VM.PowerMgmt");
        Assert.Equal("/vms/100 PVEVMUser & owner /vms PVEVMAdmin (@ops)", power.Source);
    }

    [Fact]
    public async Task ExplainFlagsWhatTheEntriesTheSessionCanReadDoNotExplain()
    {
        // svc@pve may neither audit /access nor modify any ACL: PVE shows it no entry at all.
        await using AclTestHost host = (await AclTestHost.StartAsync(Seed)).ConnectUser("svc@pve", "Svc-Pass-1");

        PsResult r = host.Run("Get-PvePermission -Path /storage/local -Explain");

        Assert.Empty(r.Errors);
        Assert.All(r.Objects<PveAccessGrant>(), g => Assert.Equal(PveAccessVia.Unexplained, g.Via));
        Assert.NotEmpty(r.Objects<PveAccessGrant>());
        Assert.Contains(r.Warnings, w => w.Contains("pool membership", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExplainAndCompareWithOwnerExcludeEachOther()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PvePermission -TokenId 'alice@pve!ci' -Explain -CompareWithOwner");

        Assert.Equal("ExplainWithCompareWithOwner,PveTokens.Commands.GetPvePermissionCommand", r.Errors.Single().FullyQualifiedErrorId);
    }
}
