using System.Management.Automation;
using PveEmulator;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Acl;

/// <summary>The completers through CommandCompletion.CompleteInput, as the console's Tab calls them.</summary>
public sealed class CompleterTests
{
    private static void Seed(EmulatorState s)
    {
        s.AddUser("ci@pve", "Ci-Password-1");
        s.AddUser("carol@pve");
        s.AddToken("ci@pve", "backup");
        s.AddToken("ci@pve", "deploy");
        s.AddToken("carol@pve", "build");
        s.AddAcl("/vms/100", "PVEVMUser", token: "ci@pve!backup");
        s.AddAcl("/storage/local", "PVEDatastoreUser", user: "ci@pve");
        s.AddGroup("ops");
        s.AddGroup("devs");
        s.AddAcl("/storage/local", "PVEDatastoreUser", group: "ops");
    }

    private static string[] Complete(AclTestHost host, string input)
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = host.Runspace;
        CommandCompletion completion = CommandCompletion.CompleteInput(input, input.Length, null, ps);
        Assert.False(ps.HadErrors);
        return completion.CompletionMatches.Select(m => m.CompletionText).ToArray();
    }

    [Theory]
    [InlineData("Set-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId c", new[] { "carol@pve!build", "ci@pve!backup", "ci@pve!deploy" })]
    [InlineData("Get-PveAcl -TokenId CI@PVE!B", new[] { "ci@pve!backup" })]
    [InlineData("Get-PvePermission -TokenId '*dep", new[] { "'ci@pve!deploy'" })]
    [InlineData("Get-PveAcl -UserId ci@pve -TokenId ", new[] { "backup", "deploy" })]
    [InlineData("Get-PveUser -UserId ca", new[] { "carol@pve" })]
    [InlineData("Remove-PveAcl -Path / -UserId r", new[] { "root@pam" })]
    [InlineData("Set-PveAcl -Path / -UserId ci@pve -Role PVEVM", new[] { "PVEVMAdmin", "PVEVMUser" })]
    [InlineData("Get-PveRole noacc", new[] { "NoAccess" })]
    [InlineData("Get-PveAcl -Path /s", new[] { "/sdn", "/storage", "/storage/local" })]
    [InlineData("Get-PvePermission -Path /vms", new[] { "/vms", "/vms/100" })]
    [InlineData("Set-PveAcl -Path /acc", new[] { "/access", "/access/groups", "/access/realm" })]
    [InlineData("Get-PveApiToken -UserId c", new[] { "carol@pve", "ci@pve" })]
    [InlineData("Get-PveApiToken -TokenId ci", new[] { "ci@pve!backup", "ci@pve!deploy" })]
    [InlineData("Get-PveApiToken -UserId ci@pve -TokenId ", new[] { "backup", "deploy" })]
    [InlineData("Remove-PveApiToken -UserId car", new[] { "carol@pve" })]
    [InlineData("Remove-PveApiToken -UserId ci@pve -TokenId d", new[] { "deploy" })]
    [InlineData("Remove-PveApiToken ci@pve b", new[] { "backup" })]
    [InlineData("New-PveApiToken -UserId ci", new[] { "ci@pve" })]
    [InlineData("Update-PveApiToken -UserId carol@pve -TokenId ", new[] { "build" })]
    [InlineData("Reset-PveApiToken -UserId ci@pve -TokenId de", new[] { "deploy" })]
    [InlineData("Get-PveAccessReport -Privilege VM.Config.C", new[] { "VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Config.CPU" })]
    [InlineData("Get-PveAccessReport -Path /vms/", new[] { "/vms/100" })]
    [InlineData("Get-PvePermission -UserId ci@pve -Privilege Sys.P", new[] { "Sys.PowerMgmt" })]
    [InlineData("Get-PvePermission -Privilege VM.Snap", new[] { "VM.Snapshot", "VM.Snapshot.Rollback" })]
    [InlineData("Test-PveApiToken -Path /vms -Privilege datastore.allocates", new[] { "Datastore.AllocateSpace" })]
    [InlineData("Get-PveRole -Privilege Sys.A", new[] { "Sys.AccessNetwork", "Sys.Audit" })]
    [InlineData("Set-PveAcl -Path / -Role PVEAuditor -GroupId ", new[] { "devs", "ops" })]
    [InlineData("Get-PveAcl -GroupId o", new[] { "ops" })]
    [InlineData("Connect-PveServer -Credential root -Realm p", new[] { "pam", "pve" })]
    [InlineData("Remove-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId ", new[] { "ci@pve!backup" })]
    [InlineData("Remove-PveAcl -Path /vms/100/ -Role PVEVMUser -TokenId c", new[] { "ci@pve!backup" })]
    [InlineData("Remove-PveAcl -Path /storage/local -Role PVEDatastoreUser -GroupId ", new[] { "ops" })]
    [InlineData("Remove-PveAcl -Path /nodes -Role PVEAuditor -TokenId ", new string[0])]
    [InlineData("Invoke-PveRestMethod -Path /access/r", new[] { "/access/roles" })]
    [InlineData("Invoke-PveRestMethod /access/users/ci@pve/token/", new[] { "/access/users/ci@pve/token/backup", "/access/users/ci@pve/token/deploy" })]
    public async Task Completes_from_the_sessions_server(string input, string[] expected)
    {
        await using AclTestHost host = (await AclTestHost.StartAsync(Seed)).ConnectRoot();

        Assert.Equal(expected, Complete(host, input));
    }

    [Fact]
    public void Every_id_role_and_path_parameter_has_its_completer()
    {
        var expected = new Dictionary<string, Type>
        {
            ["UserId"] = typeof(PveTokens.Completion.UserIdCompleter),
            ["TokenId"] = typeof(PveTokens.Completion.TokenIdCompleter),
            ["Role"] = typeof(PveTokens.Completion.RoleCompleter),
            ["Path"] = typeof(PveTokens.Completion.AclPathCompleter),
            ["GroupId"] = typeof(PveTokens.Completion.GroupIdCompleter),
            ["Realm"] = typeof(PveTokens.Completion.RealmCompleter),
            ["Privilege"] = typeof(PveTokens.Completion.PrivilegeCompleter),
        };
        // Parameters whose name says otherwise: an API path is not an ACL path.
        var exceptions = new Dictionary<string, Type>
        {
            ["InvokePveRestMethodCommand.Path"] = typeof(PveTokens.Completion.ApiPathCompleter),
        };
        var checkedParameters = new List<string>();
        var missing = new List<string>();
        foreach (Type cmdlet in typeof(PveTokens.Models.PveSession).Assembly.GetExportedTypes()
                     .Where(t => !t.IsAbstract && Attribute.IsDefined(t, typeof(CmdletAttribute))))
        {
            // The access-policy cmdlets' -Path is the policy file: PowerShell's own file completion serves it.
            bool pathIsAFile = typeof(PveTokens.Commands.PveAccessPolicyCmdletBase).IsAssignableFrom(cmdlet);
            foreach (var property in cmdlet.GetProperties().Where(p => expected.ContainsKey(p.Name) && Attribute.IsDefined(p, typeof(ParameterAttribute), true) &&
                                                                      !(pathIsAFile && p.Name == "Path")))
            {
                var completer = (ArgumentCompleterAttribute?)Attribute.GetCustomAttribute(property, typeof(ArgumentCompleterAttribute), true);
                checkedParameters.Add($"{cmdlet.Name}.{property.Name}");
                if (completer?.Type != exceptions.GetValueOrDefault($"{cmdlet.Name}.{property.Name}", expected[property.Name]))
                {
                    missing.Add($"{cmdlet.Name} -{property.Name}");
                }
            }
        }

        Assert.Empty(missing);
        Assert.Contains("GetPveApiTokenCommand.TokenId", checkedParameters);
        Assert.Contains("RemovePveApiTokenCommand.UserId", checkedParameters);
        Assert.Contains("SetPveAclCommand.Role", checkedParameters);
        Assert.Contains("GetPveAccessReportCommand.Privilege", checkedParameters);
        Assert.Contains("RemovePveAclCommand.GroupId", checkedParameters);
        Assert.Contains("ConnectPveServerCommand.Realm", checkedParameters);
        Assert.Contains("TestPveApiTokenCommand.Privilege", checkedParameters);
    }

    [Fact]
    public async Task Answers_are_cached_per_session()
    {
        await using AclTestHost host = (await AclTestHost.StartAsync(Seed)).ConnectRoot();
        host.Emulator.ClearRequestLog();

        Complete(host, "Get-PveUser -UserId c");
        Complete(host, "Get-PveAcl -TokenId c");
        Complete(host, "Get-PveUser -UserId r");

        Assert.Single(host.Requests("GET", "/access/users"));
    }

    [Fact]
    public async Task The_session_on_the_command_line_is_asked_rather_than_the_default()
    {
        await using AclTestHost other = await AclTestHost.StartAsync(s => s.AddUser("zed@pve"));
        await using AclTestHost host = (await AclTestHost.StartAsync(Seed)).ConnectRoot();
        host.Run("$global:first = (Get-PveSession)[0]; " +
                 "$global:other = Connect-PveServer -PassThru -Server $url -CertificateThumbprint $fp " +
                 "-Credential ([pscredential]::new('root@pam', (ConvertTo-SecureString $pass -AsPlainText -Force)))",
            Emulators.Vars(other.Emulator, ("pass", AclTestHost.RootPassword))).AssertNoErrors();

        // $other is the default now; -Session $first points the completer back at the first server.
        Assert.Equal(new[] { "zed@pve" }, Complete(host, "Get-PveUser -UserId z"));
        Assert.Equal(new[] { "zed@pve" }, Complete(host, "Get-PveUser -Session $other -UserId z"));
        Assert.Empty(Complete(host, "Get-PveUser -Session $first -UserId z"));
        Assert.Equal(new[] { "ci@pve" }, Complete(host, "Get-PveUser -Session $first -UserId ci"));
    }

    [Fact]
    public async Task Without_a_session_or_with_a_failing_server_it_offers_nothing_and_writes_no_error()
    {
        await using AclTestHost host = await AclTestHost.StartAsync(Seed);

        Assert.Empty(Complete(host, "Get-PveUser -UserId c"));
        Assert.Equal(new[] { "/storage" }, Complete(host, "Get-PveAcl -Path /st"));

        host.ConnectRoot();
        await host.Emulator.DisposeAsync();
        Assert.Empty(Complete(host, "Set-PveAcl -Path / -Role PVE"));
    }
}
