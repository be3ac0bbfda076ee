using PveEmulator;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Acl;

/// <summary>
/// Get-PvePermission against the emulator, one test per inheritance rule of api.md §4.4/§6.4, each
/// with the effective rights it must produce.
/// </summary>
public sealed class PermissionCmdletTests
{
    private const string CmdletId = "PveTokens.Commands.GetPvePermissionCommand";

    private static readonly string[] VmUser =
    {
        "VM.Audit", "VM.Backup", "VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Console", "VM.GuestAgent.Audit",
        "VM.GuestAgent.FileRead", "VM.GuestAgent.FileSystemMgmt", "VM.GuestAgent.FileWrite", "VM.PowerMgmt",
    };

    private static readonly string[] Auditor =
    {
        "Datastore.Audit", "Mapping.Audit", "Pool.Audit", "SDN.Audit", "Sys.Audit", "VM.Audit", "VM.GuestAgent.Audit",
    };

    private static void Seed(EmulatorState s)
    {
        s.AddGroup("auditors");
        s.AddUser("dave@pve", "Dave-Pass-1", groups: new[] { "auditors" });
        s.AddUser("bob@pve", "Bob-Pass-1");
        s.AddUser("carol@pve", "Carol-Pass-1");
        s.AddToken("carol@pve", "sep");
        s.AddToken("carol@pve", "full", privsep: false);
        s.AddToken("root@pam", "sep");
        s.AddToken("root@pam", "full", privsep: false);

        // Group entry on /, replaced for dave by a user entry on /vms/100.
        s.AddAcl("/", "PVEAuditor", group: "auditors");
        s.AddAcl("/vms/100", "PVEVMUser", user: "dave@pve");

        // Deeper path replaces, NoAccess cancels, propagate=0 stops at its own path.
        s.AddAcl("/vms", "PVEVMAdmin", user: "bob@pve");
        s.AddAcl("/vms/100", "PVEAuditor", user: "bob@pve");
        s.AddAcl("/vms/101", "NoAccess", user: "bob@pve");
        s.AddAcl("/nodes", "PVESysAdmin", user: "bob@pve", propagate: false);

        // carol: PVEVMUser on /vms and datastore rights her tokens do not have.
        s.AddAcl("/vms", "PVEVMUser", user: "carol@pve");
        s.AddAcl("/storage", "PVEDatastoreUser", user: "carol@pve");
        s.AddAcl("/vms", "PVEVMAdmin", token: "carol@pve!sep");
        s.AddAcl("/pool", "PVEPoolAdmin", token: "carol@pve!full");
        s.AddAcl("/vms", "PVEAuditor", token: "root@pam!sep");
    }

    private static async Task<AclTestHost> StartAsync() => (await AclTestHost.StartAsync(Seed)).ConnectRoot();

    private static string[] Privileges(PsResult r, string path) =>
        r.Objects<PvePermission>().Where(p => p.Path == path).Select(p => p.Privilege).OrderBy(p => p, StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task A_user_entry_replaces_the_group_entries_on_its_path()
    {
        await using AclTestHost host = await StartAsync();

        PsResult group = host.Run("Get-PvePermission -UserId dave@pve -Path /vms/200");
        PsResult user = host.Run("Get-PvePermission -UserId dave@pve -Path /vms/100");

        Assert.Equal(Auditor, Privileges(group, "/vms/200"));
        Assert.Equal(VmUser, Privileges(user, "/vms/100"));
        Assert.DoesNotContain("Sys.Audit", Privileges(user, "/vms/100"));
    }

    [Fact]
    public async Task A_deeper_path_replaces_what_is_inherited()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PvePermission -UserId bob@pve -Path /vms/100, /vms/102");

        Assert.Equal(Auditor, Privileges(r, "/vms/100"));
        Assert.Contains("VM.Allocate", Privileges(r, "/vms/102"));
    }

    [Fact]
    public async Task NoAccess_cancels_every_privilege()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PvePermission -UserId bob@pve -Path /vms/101");

        Assert.Empty(r.Errors);
        Assert.Empty(r.Output);
        Assert.Contains(r.Verbose, v => v.Contains("bob@pve has no privileges on /vms/101", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Propagate_0_holds_on_its_path_only_and_the_rows_say_so()
    {
        await using AclTestHost host = await StartAsync();

        PsResult parent = host.Run("Get-PvePermission -UserId bob@pve -Path /nodes");
        PsResult child = host.Run("Get-PvePermission -UserId bob@pve -Path /nodes/pve1");

        Assert.Equal(new[] { "Sys.Audit", "Sys.Console", "Sys.Syslog" }, Privileges(parent, "/nodes"));
        Assert.All(parent.Objects<PvePermission>(), p => Assert.False(p.Propagate));
        Assert.Empty(child.Output);
    }

    [Fact]
    public async Task A_privilege_separated_token_has_the_intersection_with_its_owner()
    {
        await using AclTestHost host = await StartAsync();

        // Token: PVEVMAdmin on /vms; owner: PVEVMUser on /vms → the token has only PVEVMUser's privileges.
        PsResult r = host.Run("Get-PvePermission -TokenId 'carol@pve!sep' -Path /vms");

        Assert.Equal(VmUser, Privileges(r, "/vms"));
        Assert.All(r.Objects<PvePermission>(), p => Assert.Equal("carol@pve!sep", p.Principal));
    }

    [Fact]
    public async Task A_token_without_privilege_separation_has_its_owners_rights_and_its_own_entries_are_ignored()
    {
        await using AclTestHost host = await StartAsync();

        PsResult vms = host.Run("Get-PvePermission -TokenId 'carol@pve!full' -Path /vms");
        PsResult pool = host.Run("Get-PvePermission -TokenId 'carol@pve!full' -Path /pool");
        PsResult compare = host.Run("Get-PvePermission -TokenId 'carol@pve!full' -CompareWithOwner");

        Assert.Equal(VmUser, Privileges(vms, "/vms"));
        Assert.Empty(pool.Output);
        Assert.NotEmpty(compare.Output);
        Assert.All(compare.Objects<PvePermissionComparison>(), c => Assert.Equal(PvePermissionState.Both, c.State));
    }

    [Fact]
    public async Task Tokens_of_root_pam_have_exactly_their_own_entries_or_everything_without_privilege_separation()
    {
        await using AclTestHost host = await StartAsync();

        PsResult sep = host.Run("Get-PvePermission -TokenId 'root@pam!sep' -Path /vms, /storage");
        PsResult full = host.Run("Get-PvePermission -TokenId 'root@pam!full' -Path /storage");

        Assert.Equal(Auditor, Privileges(sep, "/vms"));
        Assert.Empty(Privileges(sep, "/storage"));
        Assert.Contains("Permissions.Modify", Privileges(full, "/storage"));
        Assert.Contains("Datastore.Allocate", Privileges(full, "/storage"));
    }

    [Fact]
    public async Task CompareWithOwner_shows_what_a_token_lacks_where_its_owner_is_allowed()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PvePermission -TokenId 'carol@pve!sep' -Path /storage/local -CompareWithOwner");

        Assert.Empty(r.Errors);
        var rows = r.Objects<PvePermissionComparison>().ToList();
        Assert.Equal(new[] { "Datastore.AllocateSpace", "Datastore.Audit" }, rows.Select(x => x.Privilege));
        Assert.All(rows, x => Assert.Equal((PvePermissionState.OwnerOnly, "carol@pve!sep", "carol@pve", "/storage/local", (bool?)null, (bool?)true),
            (x.State, x.TokenId, x.OwnerId, x.Path, x.TokenPropagate, x.OwnerPropagate)));
        Assert.Contains(r.Verbose, v => v.Contains("lacks 2 privilege(s) its owner carol@pve has on /storage/local", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CompareWithOwner_marks_shared_privileges_Both()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PvePermission -TokenId 'carol@pve!sep' -Path /vms -CompareWithOwner -Privilege VM.Audit, VM.Allocate");

        PvePermissionComparison row = Assert.Single(r.Objects<PvePermissionComparison>());
        Assert.Equal(("VM.Audit", PvePermissionState.Both), (row.Privilege, row.State));
    }

    [Fact]
    public async Task The_userid_is_always_sent_and_the_path_too_when_given()
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        host.Run("Get-PvePermission -TokenId 'carol@pve!sep'; Get-PvePermission -UserId bob@pve -Path /vms; Get-PvePermission");

        var calls = host.Requests("GET", "/access/permissions");
        Assert.Equal(3, calls.Count);
        Assert.Equal(new[] { "userid" }, calls[0].ParameterNames);
        Assert.Equal(new[] { "userid", "path" }, calls[1].ParameterNames);
        Assert.Empty(calls[2].ParameterNames);
    }

    [Fact]
    public async Task Without_a_principal_it_shows_the_sessions_own_rights()
    {
        await using AclTestHost host = await StartAsync();
        host.ConnectUser("dave@pve", "Dave-Pass-1");

        PsResult r = host.Run("Get-PvePermission -Path /vms/100");

        Assert.Equal(VmUser, Privileges(r, "/vms/100"));
        Assert.All(r.Objects<PvePermission>(), p => Assert.Equal("dave@pve", p.Principal));
    }

    [Fact]
    public async Task Piped_token_objects_bind_by_property_name()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("[pscustomobject]@{ UserId = 'carol@pve'; TokenId = 'sep'; FullTokenId = 'carol@pve!sep' } | Get-PvePermission -Path /vms");

        Assert.Empty(r.Errors);
        Assert.Equal(VmUser, Privileges(r, "/vms"));
        Assert.All(r.Objects<PvePermission>(), p => Assert.Equal("carol@pve!sep", p.Principal));
    }

    [Fact]
    public async Task Reading_another_users_rights_without_Sys_Audit_is_PermissionDenied()
    {
        await using AclTestHost host = await StartAsync();
        host.ConnectUser("carol@pve", "Carol-Pass-1");

        PsResult r = host.Run("Get-PvePermission -UserId bob@pve");

        Assert.Equal("PermissionDenied," + CmdletId, r.FirstErrorId);
        Assert.Contains("Sys.Audit on /access", r.Errors[0].ErrorDetails!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Get-PvePermission -UserId bob -Path /vms", "InvalidUserId," + CmdletId)]
    [InlineData("Get-PvePermission -TokenId sep", "InvalidTokenId," + CmdletId)]
    [InlineData("Get-PvePermission -Path /access/realms/pve", "InvalidAclPath," + CmdletId)]
    public async Task Invalid_input_is_refused_before_any_request(string script, string errorId)
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        PsResult r = host.Run(script);

        Assert.Equal(errorId, r.FirstErrorId);
        Assert.Empty(host.Emulator.RequestLog);
    }
}
