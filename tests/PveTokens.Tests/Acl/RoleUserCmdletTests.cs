using PveEmulator;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Acl;

public sealed class RoleUserCmdletTests
{
    private static void Seed(EmulatorState s)
    {
        s.AddGroup("ops");
        s.AddGroup("dev");
        s.AddUser("ci@pve", "Ci-Password-1", comment: "pipelines", groups: new[] { "ops", "dev" });
        s.AddUser("old@pve", enable: false, expire: 4102444800);
        s.AddToken("ci@pve", "deploy");
        s.AddToken("ci@pve", "backup");
        s.AddRole("VMAllocator", new[] { "VM.Allocate" });
    }

    private static async Task<AclTestHost> StartAsync() => (await AclTestHost.StartAsync(Seed)).ConnectRoot();

    [Fact]
    public async Task Get_PveRole_lists_roles_with_privileges_and_the_built_in_flag()
    {
        await using AclTestHost host = await StartAsync();

        PsResult all = host.Run("Get-PveRole");
        host.Emulator.ClearRequestLog();
        PsResult some = host.Run("Get-PveRole -Name pvevm*, VMAllocator, PVEVMUser");

        Assert.Empty(all.Errors);
        Assert.Contains(all.Objects<PveRole>(), r => r.Name == "Administrator" && r.IsBuiltIn && r.Privileges.Contains("Permissions.Modify"));
        Assert.Contains(all.Objects<PveRole>(), r => r.Name == "NoAccess" && r.IsBuiltIn && r.Privileges.Length == 0);
        Assert.Equal(new[] { "PVEVMAdmin", "PVEVMUser", "VMAllocator" }, some.Objects<PveRole>().Select(r => r.Name));
        PveRole custom = some.Objects<PveRole>().Last();
        Assert.False(custom.IsBuiltIn);
        Assert.Equal(new[] { "VM.Allocate" }, custom.Privileges);
        Assert.Single(host.Requests("GET", "/access/roles"));
    }

    [Fact]
    public async Task Get_PveRole_finds_the_roles_that_grant_a_privilege()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PveRole -Privilege Datastore.Audit, Datastore.AllocateSpace");

        Assert.Equal(new[] { "Administrator", "PVEAdmin", "PVEDatastoreAdmin", "PVEDatastoreUser" }, r.Objects<PveRole>().Select(x => x.Name));
    }

    [Fact]
    public async Task Get_PveRole_reports_a_missing_literal_name_but_not_an_empty_wildcard()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PveRole -Name NoSuchRole, Nope*");

        Assert.Equal("RoleNotFound,PveTokens.Commands.GetPveRoleCommand", r.FirstErrorId);
        Assert.Equal("NoSuchRole", r.Errors[0].TargetObject);
        Assert.Empty(r.Output);
    }

    [Fact]
    public async Task Get_PveUser_lists_users_with_groups_tokens_and_local_expiry_in_one_request()
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        PsResult r = host.Run("Get-PveUser");

        Assert.Empty(r.Errors);
        var users = r.Objects<PveUser>().ToDictionary(u => u.UserId);
        Assert.Equal(new[] { "ci@pve", "old@pve", "root@pam" }, users.Keys.OrderBy(k => k));
        PveUser ci = users["ci@pve"];
        Assert.Equal((true, (DateTime?)null, 2, "pve", "pipelines"), (ci.Enabled, ci.ExpiresAt, ci.TokenCount, ci.Realm, ci.Comment));
        Assert.Equal(new[] { "dev", "ops" }, ci.Groups.OrderBy(g => g));
        Assert.Equal(new[] { "backup", "deploy" }, ci.TokenNames);
        PveUser old = users["old@pve"];
        Assert.False(old.Enabled);
        Assert.Equal(DateTimeKind.Local, old.ExpiresAt!.Value.Kind);
        Assert.Equal(new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc), old.ExpiresAt.Value.ToUniversalTime());
        var call = Assert.Single(host.Requests("GET", "/access/users"));
        Assert.Equal(new[] { "full" }, call.ParameterNames);
    }

    [Fact]
    public async Task Get_PveUser_filters_with_wildcards_and_reports_a_missing_literal_id()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PveUser -UserId '*@pve', ghost@pve");

        Assert.Equal(new[] { "ci@pve", "old@pve" }, r.Objects<PveUser>().Select(u => u.UserId));
        Assert.Equal("UserNotFound,PveTokens.Commands.GetPveUserCommand", r.FirstErrorId);
    }

    [Fact]
    public async Task Get_PveUser_objects_pipe_by_UserId()
    {
        await using AclTestHost host = await StartAsync();
        host.State.AddAcl("/vms", "PVEVMUser", user: "ci@pve");

        PsResult r = host.Run("Get-PveUser ci@pve | Get-PveAcl");

        Assert.Equal("ci@pve", Assert.Single(r.Objects<PveAcl>()).Principal);
    }
}
