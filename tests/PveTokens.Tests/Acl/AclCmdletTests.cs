using PveEmulator;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Acl;

public sealed class AclCmdletTests
{
    private const string SetId = "PveTokens.Commands.SetPveAclCommand";
    private const string RemoveId = "PveTokens.Commands.RemovePveAclCommand";
    private const string GetId = "PveTokens.Commands.GetPveAclCommand";

    internal static void Seed(EmulatorState s)
    {
        s.AddGroup("ops");
        s.AddUser("ci@pve", "Ci-Password-1");
        s.AddUser("alice@pve", "Alice-Pass-1", groups: new[] { "ops" });
        s.AddToken("ci@pve", "backup", secret: "11111111-1111-4111-8111-111111111111");
        s.AddToken("ci@pve", "deploy", secret: "22222222-2222-4222-8222-222222222222");
        s.AddToken("alice@pve", "backup");
        s.AddAcl("/vms/100", "PVEVMUser", token: "ci@pve!backup");
        s.AddAcl("/storage", "PVEDatastoreUser", user: "ci@pve", propagate: false);
        s.AddAcl("/", "PVEAuditor", group: "ops");
    }

    private static async Task<AclTestHost> StartAsync() => (await AclTestHost.StartAsync(Seed)).ConnectRoot();

    [Fact]
    public async Task Get_returns_typed_entries_with_their_session()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PveAcl");

        Assert.Empty(r.Errors);
        var entries = r.Objects<PveAcl>().ToList();
        Assert.Equal(3, entries.Count);
        PveAcl token = Assert.Single(entries, e => e.Type == PveAclPrincipalType.Token);
        Assert.Equal(("/vms/100", "ci@pve!backup", "PVEVMUser", true), (token.Path, token.Principal, token.Role, token.Propagate));
        Assert.False(Assert.Single(entries, e => e.Type == PveAclPrincipalType.User).Propagate);
        Assert.Equal("ops", Assert.Single(entries, e => e.Type == PveAclPrincipalType.Group).Principal);
        Assert.All(entries, e => Assert.NotNull(e.Session));
    }

    [Theory]
    [InlineData("Get-PveAcl -Path /vms/100/", new[] { "/vms/100 Token ci@pve!backup PVEVMUser" })]
    [InlineData("Get-PveAcl -Path '/s*'", new[] { "/storage User ci@pve PVEDatastoreUser" })]
    [InlineData("Get-PveAcl -Role pveaud*", new[] { "/ Group ops PVEAuditor" })]
    [InlineData("Get-PveAcl -TokenId 'ci@pve!backup'", new[] { "/vms/100 Token ci@pve!backup PVEVMUser" })]
    [InlineData("Get-PveAcl -TokenId backup -UserId alice@pve", new string[0])]
    [InlineData("Get-PveAcl -TokenId backup", new[] { "/vms/100 Token ci@pve!backup PVEVMUser" })]
    [InlineData("Get-PveAcl -UserId ci@pve", new[] { "/storage User ci@pve PVEDatastoreUser" })]
    [InlineData("Get-PveAcl -GroupId o*", new[] { "/ Group ops PVEAuditor" })]
    [InlineData("Get-PveAcl -UserId ci@pve -Path /vms/100", new string[0])]
    public async Task Get_filters_client_side_after_one_request(string script, string[] expected)
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        PsResult r = host.Run(script);

        Assert.Empty(r.Errors);
        Assert.Equal(expected, r.Objects<PveAcl>().Select(e => $"{e.Path} {e.Type} {e.Principal} {e.Role}"));
        Assert.Single(host.Requests("GET", "/access/acl"));
    }

    [Fact]
    public async Task Get_with_piped_token_objects_reads_the_acl_once()
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        PsResult r = host.Run(
            "@([pscustomobject]@{ UserId = 'ci@pve'; TokenId = 'backup'; FullTokenId = 'ci@pve!backup' }," +
            "  [pscustomobject]@{ UserId = 'ci@pve'; TokenId = 'deploy'; FullTokenId = 'ci@pve!deploy' }) | Get-PveAcl");

        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "ci@pve!backup" }, r.Objects<PveAcl>().Select(e => e.Principal));
        Assert.Single(host.Requests("GET", "/access/acl"));
        Assert.Empty(host.Requests("GET", "/access/users"));
    }

    [Fact]
    public async Task Set_grants_and_a_second_identical_set_sends_no_put()
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        PsResult first = host.Run("Set-PveAcl -Path /vms/200 -Role PVEVMUser -TokenId 'ci@pve!deploy'");
        PsResult second = host.Run("Set-PveAcl -Path /vms/200 -Role PVEVMUser -TokenId 'ci@pve!deploy'");

        Assert.Empty(first.Errors);
        Assert.Empty(second.Errors);
        Assert.Empty(first.Output);
        Assert.Contains("/vms/200 token ci@pve!deploy PVEVMUser 1", host.Acl());
        PveEmulator.RequestLogEntry put = Assert.Single(host.Requests("PUT", "/access/acl"));
        Assert.Equal(new[] { "path", "roles", "tokens", "propagate" }, put.ParameterNames);
        Assert.Contains(second.Verbose, v => v.Contains("Token 'ci@pve!deploy' already has PVEVMUser on /vms/200", StringComparison.Ordinal) &&
                                             v.Contains("nothing to send", StringComparison.Ordinal));
        Assert.Equal(2, host.Requests("GET", "/access/acl").Count);
    }

    [Fact]
    public async Task Set_propagate_false_is_sent_and_an_entry_with_the_other_flag_is_changed()
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        // ci@pve holds PVEDatastoreUser on /storage with propagate=0: asking for propagate=1 is a change.
        PsResult on = host.Run("Set-PveAcl -Path /storage -Role PVEDatastoreUser -UserId ci@pve -Propagate $true -PassThru");
        PsResult off = host.Run("Set-PveAcl -Path /vms/300 -Role PVEAuditor -UserId ci@pve -Propagate $false");

        Assert.Empty(on.Errors);
        Assert.Empty(off.Errors);
        Assert.True(Assert.Single(on.Objects<PveAcl>()).Propagate);
        Assert.Contains("/storage user ci@pve PVEDatastoreUser 1", host.Acl());
        Assert.Contains("/vms/300 user ci@pve PVEAuditor 0", host.Acl());
        Assert.Equal(2, host.Requests("PUT", "/access/acl").Count);
    }

    [Fact]
    public async Task Set_passthru_returns_the_resulting_entries_including_ones_that_already_held()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Set-PveAcl /vms/100 PVEVMUser, PVEAuditor -TokenId 'ci@pve!backup' -PassThru");

        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "PVEVMUser", "PVEAuditor" }, r.Objects<PveAcl>().Select(e => e.Role));
        Assert.All(r.Objects<PveAcl>(), e => Assert.Equal(("/vms/100", PveAclPrincipalType.Token, "ci@pve!backup", true), (e.Path, e.Type, e.Principal, e.Propagate)));
        Assert.All(r.Objects<PveAcl>(), e => Assert.NotNull(e.Session));
    }

    [Fact]
    public async Task Set_grants_to_every_piped_token_in_one_request()
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        // Token objects as Get-PveApiToken writes them (UserId + TokenId + FullTokenId), and one with the full id only.
        PsResult r = host.Run(
            "@([pscustomobject]@{ UserId = 'ci@pve'; TokenId = 'backup'; FullTokenId = 'ci@pve!backup' }," +
            "  [pscustomobject]@{ UserId = 'ci@pve'; TokenId = 'deploy'; FullTokenId = 'ci@pve!deploy' }," +
            "  [pscustomobject]@{ FullTokenId = 'alice@pve!backup' }) | Set-PveAcl -Path /vms/500 -Role PVEVMUser -PassThru");

        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "ci@pve!backup", "ci@pve!deploy", "alice@pve!backup" }, r.Objects<PveAcl>().Select(e => e.Principal));
        Assert.All(r.Objects<PveAcl>(), e => Assert.Equal(PveAclPrincipalType.Token, e.Type));
        Assert.Single(host.Requests("PUT", "/access/acl"));
        Assert.Single(host.Requests("GET", "/access/acl"));
        Assert.DoesNotContain(host.Acl(), l => l.StartsWith("/vms/500 user", StringComparison.Ordinal));
        Assert.Contains(r.Progress, p => p.RecordType == System.Management.Automation.ProgressRecordType.Completed);
    }

    [Fact]
    public async Task Set_binds_piped_user_and_group_objects_to_their_own_principal_types()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run(
            "Get-PveUser alice@pve | Set-PveAcl -Path /pool/dev -Role PVEPoolUser; " +
            "[pscustomobject]@{ GroupId = 'ops' } | Set-PveAcl -Path /pool/dev -Role PVEPoolUser");

        Assert.Empty(r.Errors);
        Assert.Contains("/pool/dev user alice@pve PVEPoolUser 1", host.Acl());
        Assert.Contains("/pool/dev group ops PVEPoolUser 1", host.Acl());
    }

    [Fact]
    public async Task WhatIf_sends_nothing_and_names_principal_role_and_path()
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        PsResult r = host.Run(
            "Set-PveAcl -Path /vms/200 -Role PVEVMUser -TokenId 'ci@pve!deploy' -WhatIf; " +
            "Remove-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId 'ci@pve!backup' -WhatIf");

        Assert.Empty(r.Errors);
        Assert.Empty(host.Requests("PUT", "/access/acl"));
        Assert.Equal(
            new[]
            {
                "What if: Performing the operation \"Grant role PVEVMUser (propagate)\" on target \"token 'ci@pve!deploy' on /vms/200\".",
                "What if: Performing the operation \"Revoke role PVEVMUser\" on target \"token 'ci@pve!backup' on /vms/100\".",
            },
            r.HostLines);
        Assert.Contains("/vms/100 token ci@pve!backup PVEVMUser 1", host.Acl());
    }

    [Fact]
    public async Task Remove_revokes_and_a_second_remove_sends_no_put()
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        PsResult first = host.Run("Remove-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId 'ci@pve!backup' -PassThru -Confirm:$false");
        PsResult second = host.Run("Remove-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId 'ci@pve!backup' -Confirm:$false");

        Assert.Empty(first.Errors);
        Assert.Empty(second.Errors);
        Assert.Equal("ci@pve!backup", Assert.Single(first.Objects<PveAcl>()).Principal);
        Assert.DoesNotContain(host.Acl(), l => l.Contains("ci@pve!backup", StringComparison.Ordinal));
        PveEmulator.RequestLogEntry put = Assert.Single(host.Requests("PUT", "/access/acl"));
        Assert.Equal(new[] { "path", "roles", "tokens", "delete" }, put.ParameterNames);
        Assert.Empty(first.Warnings);
        Assert.Equal("Token 'ci@pve!backup' has no ACL entry with 'PVEVMUser' on /vms/100: nothing to revoke. Check the path, the principal and the role with Get-PveAcl -Path '/vms/100'.",
            Assert.Single(second.Warnings));
    }

    [Fact]
    public async Task Remove_takes_wildcard_roles_and_acl_entries_from_the_pipeline()
    {
        await using AclTestHost host = await StartAsync();
        host.State.AddAcl("/vms/100", "PVEAuditor", token: "ci@pve!backup");

        PsResult wildcard = host.Run("Remove-PveAcl -Path /vms/100 -Role PVE* -TokenId 'ci@pve!backup' -PassThru -Confirm:$false");
        PsResult piped = host.Run("Get-PveAcl -Path / | Remove-PveAcl -Confirm:$false -PassThru");

        Assert.Empty(wildcard.Errors);
        Assert.Equal(new[] { "PVEAuditor", "PVEVMUser" }, wildcard.Objects<PveAcl>().Select(e => e.Role).OrderBy(x => x));
        Assert.Empty(piped.Errors);
        Assert.Equal("ops", Assert.Single(piped.Objects<PveAcl>()).Principal);
        Assert.Equal(new[] { "/storage user ci@pve PVEDatastoreUser 0" }, host.Acl());
    }

    [Fact]
    public async Task Acl_entries_piped_back_into_set_restore_them_with_their_propagate_flag()
    {
        await using AclTestHost host = await StartAsync();
        IReadOnlyList<string> before = host.Acl();

        PsResult r = host.Run(
            "$saved = Get-PveAcl; $saved | Remove-PveAcl -Confirm:$false; $saved | Set-PveAcl");

        Assert.Empty(r.Errors);
        Assert.Equal(before, host.Acl());
    }

    [Theory]
    [InlineData("Set-PveAcl -Path /vms/99 -Role PVEVMUser -UserId ci@pve", "InvalidAclPath," + SetId, "VM id of 100 or more")]
    [InlineData("Set-PveAcl -Path /access/realms/pve -Role PVEAuditor -UserId ci@pve", "InvalidAclPath," + SetId, "singular")]
    [InlineData("Set-PveAcl -Path /foo -Role PVEAuditor -GroupId ops", "InvalidAclPath," + SetId, "Valid paths start with one of: /, /access")]
    [InlineData("Set-PveAcl -Path / -Role 'PVE Auditor' -GroupId ops", "InvalidRoleName," + SetId, "Get-PveRole")]
    [InlineData("Set-PveAcl -Path / -Role PVEAuditor -TokenId backup", "InvalidTokenId," + SetId, "USER@REALM!backup")]
    [InlineData("Set-PveAcl -Path / -Role PVEAuditor -UserId ci", "InvalidUserId," + SetId, "has no realm")]
    [InlineData("Set-PveAcl -Path / -Role PVEAuditor -UserId 'ci@pve!backup'", "InvalidUserId," + SetId, "use -TokenId")]
    [InlineData("Set-PveAcl -Path / -Role PVEAuditor -GroupId '@ops'", "InvalidGroupId," + SetId, "without '@'")]
    [InlineData("Remove-PveAcl -Path '/vms/1 00' -Role PVEVMUser -UserId ci@pve -Confirm:$false", "InvalidAclPath," + RemoveId, "only letters")]
    [InlineData("Get-PveAcl -Path '/access/users/ci@pve'", "InvalidAclPath," + GetId, "use -UserId or -TokenId")]
    public async Task Invalid_input_is_refused_before_any_request(string script, string errorId, string messageFragment)
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        PsResult r = host.Run(script);

        Assert.Equal(errorId, r.FirstErrorId);
        Assert.Contains(messageFragment, r.Errors[0].ErrorDetails?.Message ?? r.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Empty(host.Emulator.RequestLog);
    }

    [Fact]
    public async Task Remove_accepts_a_path_the_whitelist_rejects_as_PVE_does_for_delete()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Remove-PveAcl -Path /foo -Role PVEAuditor -UserId ci@pve -Confirm:$false");

        Assert.Empty(r.Errors);
        Assert.Contains(r.Warnings, v => v.Contains("nothing to revoke", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_role_is_reported_and_the_other_roles_are_still_granted()
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        PsResult r = host.Run("Set-PveAcl -Path /vms/200 -Role PVEVMUser, NoSuchRole -TokenId 'ci@pve!deploy'");

        Assert.Equal("AclRoleNotFound," + SetId, r.FirstErrorId);
        Assert.Equal("NoSuchRole", r.Errors[0].TargetObject);
        Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, r.Errors[0].CategoryInfo.Category);
        Assert.Contains("The role 'NoSuchRole' does not exist", r.Errors[0].ErrorDetails!.Message, StringComparison.Ordinal);
        Assert.Contains("role 'NoSuchRole' does not exist", r.Errors[0].ErrorDetails!.Message, StringComparison.Ordinal);
        Assert.Contains("/vms/200 token ci@pve!deploy PVEVMUser 1", host.Acl());
        Assert.Equal(2, host.Requests("PUT", "/access/acl").Count);
    }

    [Fact]
    public async Task A_missing_principal_in_a_batch_is_reported_alone_and_the_others_are_granted()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Set-PveAcl -Path /vms/200 -Role PVEVMUser -TokenId 'ci@pve!deploy', 'ci@pve!nope', 'ghost@pve!xx' -PassThru");

        Assert.Equal(2, r.Errors.Count);
        Assert.All(r.Errors, e => Assert.Equal("AclPrincipalNotFound," + SetId, e.FullyQualifiedErrorId));
        Assert.Equal(new object[] { "ci@pve!nope", "ghost@pve!xx" }, r.Errors.Select(e => e.TargetObject).OrderBy(x => x));
        Assert.Contains("/vms/200 token ci@pve!deploy PVEVMUser 1", host.Acl());
        Assert.Equal(new[] { "ci@pve!deploy" }, r.Objects<PveAcl>().Where(e => e.Path == "/vms/200").Select(e => e.Principal).Distinct());
    }

    [Fact]
    public async Task Root_pam_gets_a_warning_and_no_request()
    {
        await using AclTestHost host = await StartAsync();
        host.Emulator.ClearRequestLog();

        PsResult r = host.Run("Set-PveAcl -Path / -Role Administrator -UserId root@pam");

        Assert.Empty(r.Errors);
        Assert.Contains(r.Warnings, w => w.Contains("PVE does not store ACL entries for it", StringComparison.Ordinal));
        Assert.Empty(host.Requests("PUT", "/access/acl"));
    }

    [Fact]
    public async Task Without_Permissions_Modify_only_a_subset_of_the_callers_privileges_can_be_granted()
    {
        await using AclTestHost host = await AclTestHost.StartAsync(s =>
        {
            Seed(s);
            s.AddUser("carol@pve", "Carol-Pass-1");
            s.AddRole("VMAllocator", new[] { "VM.Allocate" });
            s.AddAcl("/vms", "PVEVMUser", user: "carol@pve");
            s.AddAcl("/vms", "VMAllocator", user: "carol@pve");
        });
        host.ConnectUser("carol@pve", "Carol-Pass-1");

        // VM.Allocate lets carol modify ACLs below /vms, but only with roles within her own privileges.
        PsResult allowed = host.Run("Set-PveAcl -Path /vms/100 -Role PVEVMUser -UserId alice@pve");
        PsResult notSubset = host.Run("Set-PveAcl -Path /vms/100 -Role PVEVMAdmin -UserId alice@pve");
        PsResult noModify = host.Run("Set-PveAcl -Path /storage -Role PVEDatastoreUser -UserId alice@pve");

        Assert.Empty(allowed.Errors);
        Assert.Contains("/vms/100 user alice@pve PVEVMUser 1", host.Acl());
        Assert.Equal("AclRoleNotDelegable," + SetId, notSubset.FirstErrorId);
        Assert.Equal("PVEVMAdmin", notSubset.Errors[0].TargetObject);
        Assert.Equal(System.Management.Automation.ErrorCategory.PermissionDenied, notSubset.Errors[0].CategoryInfo.Category);
        Assert.Contains("may not grant the role 'PVEVMAdmin' on /vms/100", notSubset.Errors[0].ErrorDetails!.Message, StringComparison.Ordinal);
        Assert.Equal("PermissionDenied," + SetId, noModify.FirstErrorId);
        Assert.Contains("Permissions.Modify", noModify.Errors[0].ErrorDetails!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_path_only_newer_PVE_knows_is_rejected_by_an_older_server_with_a_clear_error()
    {
        await using AclTestHost host = await AclTestHost.StartAsync(Seed, pveVersion: "8.4.1");
        host.ConnectRoot();

        PsResult r = host.Run("Set-PveAcl -Path /sdn/fabrics/f1 -Role PVESDNUser -UserId ci@pve");

        Assert.Equal("AclPathRejected," + SetId, r.FirstErrorId);
        Assert.Contains("does not accept the ACL path '/sdn/fabrics/f1'", r.Errors[0].ErrorDetails!.Message, StringComparison.Ordinal);
    }
}
