using System.Management.Automation;
using System.Reflection;
using PveEmulator;
using PveTokens.Models;
using PveTokens.Tests.Acl;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Audit;

/// <summary>
/// No false assurance, by class: every listing cmdlet (discovered from the module) run by identities
/// that PVE shows only part of the server to must say so, never answer with a silent partial or empty
/// result; a token's status is the same whichever way it is asked for; every -Privilege parameter
/// refuses a privilege the server does not know; a principal that does not exist is an error, not
/// "no privileges"; a 403 without a named privilege gets advice that fits the call, or none; every
/// change that turns privilege separation off warns and asks.
/// </summary>
public sealed class AssuranceTests
{
    private const string VmOpSecret = "3c6f2b1e-9d4a-4e7b-8f21-6a5d0c9e7b13";

    private static void Seed(EmulatorState s)
    {
        s.AddGroup("ops");
        s.AddUser("ci@pve", "Ci-Password-1", groups: new[] { "ops" });
        s.AddUser("vmop@pve", "Vmop-Password-1");
        s.AddUser("vmadmin@pve", "Vmadmin-Password-1");
        s.AddUser("off@pve", enable: false);
        s.AddUser("gone@pve", expire: 1_600_000_000);
        s.AddToken("ci@pve", "zeta");
        s.AddToken("ci@pve", "backup", comment: "nightly");
        s.AddToken("ci@pve", "old", expire: 1_700_000_000);
        s.AddToken("off@pve", "t1", expire: 1_700_000_000);
        s.AddToken("gone@pve", "t1");
        s.AddToken("vmop@pve", "mon", secret: VmOpSecret);
        s.AddAcl("/vms", "PVEVMUser", user: "vmop@pve");
        s.AddAcl("/vms", "PVEVMUser", token: "vmop@pve!mon");
        s.AddAcl("/vms/100", "PVEVMAdmin", user: "vmadmin@pve");
        s.AddAcl("/vms/100", "PVEAuditor", token: "ci@pve!backup");
        s.AddAcl("/storage", "PVEDatastoreUser", group: "ops");
    }

    /// <summary>Root (sees everything) as $root, and the low identities as $vmtoken and $vmadmin.</summary>
    private static async Task<AclTestHost> StartAsync()
    {
        AclTestHost host = await AclTestHost.StartAsync(Seed);
        host.Run("""
            $root = Connect-PveServer -PassThru -Server $url -CertificateThumbprint $fp -Credential ([pscredential]::new('root@pam', (ConvertTo-SecureString $pass -AsPlainText -Force)))
            $vmadmin = Connect-PveServer -PassThru -Server $url -CertificateThumbprint $fp -Credential ([pscredential]::new('vmadmin@pve', (ConvertTo-SecureString 'Vmadmin-Password-1' -AsPlainText -Force)))
            $vmtoken = Connect-PveServer -PassThru -Server $url -CertificateThumbprint $fp -ApiToken $token
            """, Emulators.Vars(host.Emulator, ("pass", AclTestHost.RootPassword), ("token", "vmop@pve!mon=" + VmOpSecret))).AssertNoErrors();
        return host;
    }

    [Fact]
    public async Task No_listing_cmdlet_answers_an_identity_that_sees_only_part_of_the_server_with_a_silent_partial_result()
    {
        await using AclTestHost host = await StartAsync();

        // Every Get- cmdlet that asks a server; Get-PvePermission answers about the caller itself by default.
        var perIdentity = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Get-PvePermission" };
        string[] listings = typeof(PveSession).Assembly.GetExportedTypes()
            .Where(t => !t.IsAbstract && typeof(PveTokens.Commands.PveSessionCmdletBase).IsAssignableFrom(t))
            .Select(t => t.GetCustomAttribute<CmdletAttribute>()!)
            .Where(a => a.VerbName == VerbsCommon.Get)
            .Select(a => a.VerbName + "-" + a.NounName)
            .Where(n => !perIdentity.Contains(n))
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();
        Assert.Contains("Get-PveApiToken", listings);
        Assert.Contains("Get-PveAcl", listings);
        Assert.Contains("Get-PveApiTokenAudit", listings);

        var failures = new List<string>();
        foreach (string command in listings)
        {
            PsResult full = host.Run($"{command} -Session $root");
            full.AssertNoErrors();
            Assert.Empty(full.Warnings);
            foreach (string low in new[] { "vmtoken", "vmadmin" })
            {
                PsResult r = host.Run($"{command} -Session ${low}");
                bool said = r.Errors.Count > 0 || r.Warnings.Count > 0;
                if (!said && r.Output.Count != full.Output.Count)
                {
                    failures.Add($"{command} as ${low}: {r.Output.Count} object(s) where root sees {full.Output.Count}, without a warning or an error");
                }

                if (command == "Get-PveApiTokenAudit" && r.Output.Count > 0)
                {
                    failures.Add($"{command} as ${low}: wrote findings although it cannot see everything (needs -AllowPartial)");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task An_audit_by_an_identity_that_cannot_see_fails_naming_the_right_and_runs_partially_only_when_asked()
    {
        await using AclTestHost host = await StartAsync();

        PsResult blind = host.Run("Get-PveApiTokenAudit -Session $vmtoken -Summary");
        PsResult partial = host.Run("Get-PveApiTokenAudit -Session $vmtoken -AllowPartial");
        PsResult root = host.Run("Get-PveApiTokenAudit -Session $root");

        ErrorRecord e = blind.SingleError("AuditIncomplete,PveTokens.Commands.GetPveApiTokenAuditCommand");
        Assert.Equal(ErrorCategory.PermissionDenied, e.CategoryInfo.Category);
        Assert.Contains("Sys.Audit on /access", e.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.Contains("Sys.Audit or User.Modify on /access/groups", e.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.Contains("-AllowPartial", e.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.Empty(blind.Output);

        partial.AssertNoErrors();
        Assert.Contains(partial.Warnings, w => w.Contains("-AllowPartial: auditing only what it can see", StringComparison.Ordinal));

        root.AssertNoErrors();
        Assert.Empty(root.Warnings);
        Assert.NotEmpty(root.Objects<PveApiTokenAuditFinding>());
    }

    [Fact]
    public async Task A_tokens_status_and_order_do_not_depend_on_how_it_was_asked_for()
    {
        await using AclTestHost host = await StartAsync();

        foreach (string session in new[] { "root", "ci" })
        {
            if (session == "ci")
            {
                // ci@pve may manage its own tokens but may not read users: the owner is itself, known to be enabled.
                host.Run("$ci = Connect-PveServer -PassThru -Server $url -CertificateThumbprint $fp -Credential ([pscredential]::new('ci@pve', (ConvertTo-SecureString 'Ci-Password-1' -AsPlainText -Force)))",
                    Emulators.Vars(host.Emulator)).AssertNoErrors();
            }

            PsResult all = host.Run($"Get-PveApiToken -Session ${session} -WarningAction SilentlyContinue");
            all.AssertNoErrors();
            PveApiToken[] tokens = all.Objects<PveApiToken>().ToArray();
            Assert.NotEmpty(tokens);
            Assert.Equal(tokens.Select(t => t.FullTokenId).OrderBy(t => t, StringComparer.Ordinal), tokens.Select(t => t.FullTokenId));
            foreach (PveApiToken token in tokens)
            {
                var ways = new Dictionary<string, string>
                {
                    ["-UserId"] = $"Get-PveApiToken -Session ${session} -UserId '{token.UserId}'",
                    ["-UserId -TokenId"] = $"Get-PveApiToken -Session ${session} -UserId '{token.UserId}' -TokenId '{token.TokenId}'",
                    ["-TokenId (full id)"] = $"Get-PveApiToken -Session ${session} -TokenId '{token.FullTokenId}'",
                    ["piped"] = $"Get-PveApiToken -Session ${session} -UserId '{token.UserId}' -TokenId '{token.TokenId}' | Get-PveApiToken",
                };
                foreach ((string way, string script) in ways)
                {
                    PsResult r = host.Run(script);
                    r.AssertNoErrors();
                    PveApiToken same = Assert.Single(r.Objects<PveApiToken>(), t => t.FullTokenId == token.FullTokenId);
                    Assert.True(token.Status == same.Status, $"{token.FullTokenId} as {session}: {token.Status} in the listing, {same.Status} with {way}");
                }
            }

            if (session == "root")
            {
                var status = tokens.ToDictionary(t => t.FullTokenId, t => t.Status);
                Assert.Equal(PveApiTokenStatus.UserDisabled, status["off@pve!t1"]);
                Assert.Equal(PveApiTokenStatus.UserExpired, status["gone@pve!t1"]);
                Assert.Equal(PveApiTokenStatus.Expired, status["ci@pve!old"]);
                Assert.Equal(PveApiTokenStatus.Active, status["ci@pve!backup"]);
                Assert.Equal(new[] { "backup", "old", "zeta" }, host.Run("Get-PveApiToken -Session $root -UserId ci@pve").Objects<PveApiToken>().Select(t => t.TokenId));
            }
        }
    }

    [Fact]
    public async Task A_token_session_that_manages_the_owners_group_reads_the_owners_state_too()
    {
        // Token endpoints need User.Modify on a group of the owner unless the caller is the owner, and
        // that right also reads the owner: the status is known, the same as in the listing.
        await using AclTestHost host = await StartAsync();
        host.State.AddAcl("/access/groups/ops", "PVEUserAdmin", token: "vmop@pve!mon");
        host.State.AddAcl("/access/groups/ops", "PVEUserAdmin", user: "vmop@pve");

        PsResult r = host.Run("Get-PveApiToken -Session $vmtoken -UserId ci@pve -TokenId old");

        r.AssertNoErrors();
        Assert.Equal(PveApiTokenStatus.Expired, r.Single<PveApiToken>().Status);
    }

    /// <summary>A safe invocation per cmdlet with a -Privilege parameter; the privilege is added.</summary>
    private static readonly Dictionary<string, string> PrivilegeInvocations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Get-PveAccessReport"] = "Get-PveAccessReport -Session $root",
        ["Get-PvePermission"] = "Get-PvePermission -Session $root",
        ["Get-PveRole"] = "Get-PveRole -Session $root",
        ["Test-PveApiToken"] = "Test-PveApiToken -Session $root -ApiToken $tok -Path /vms",
    };

    [Fact]
    public async Task Every_privilege_parameter_refuses_a_privilege_the_server_does_not_know_and_names_the_closest()
    {
        await using AclTestHost host = await StartAsync();
        var tok = ("tok", (object?)("vmop@pve!mon=" + VmOpSecret));
        string[] commands = typeof(PveSession).Assembly.GetExportedTypes()
            .Where(t => !t.IsAbstract && t.GetCustomAttribute<CmdletAttribute>() is not null && t.GetProperty("Privilege")?.GetCustomAttribute<ParameterAttribute>() is not null)
            .Select(t => t.GetCustomAttribute<CmdletAttribute>()!)
            .Select(a => a.VerbName + "-" + a.NounName)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(new[] { "Get-PveAccessReport", "Get-PvePermission", "Get-PveRole", "Test-PveApiToken" }, commands.Intersect(PrivilegeInvocations.Keys).OrderBy(n => n, StringComparer.Ordinal));

        var failures = new List<string>();
        foreach (string command in commands)
        {
            if (!PrivilegeInvocations.TryGetValue(command, out string? invocation))
            {
                failures.Add($"{command}: no invocation in PrivilegeInvocations; add one so its -Privilege is tested.");
                continue;
            }

            PsResult typo = host.Run(invocation + " -Privilege VM.Snapshoot", Emulators.Vars(host.Emulator, tok));
            ErrorRecord? unknown = typo.Errors.FirstOrDefault(e => e.FullyQualifiedErrorId.StartsWith("UnknownPrivilege,", StringComparison.Ordinal));
            if (unknown is null || !unknown.ErrorDetails.Message.Contains("Did you mean 'VM.Snapshot'?", StringComparison.Ordinal) || typo.Output.Count > 0)
            {
                failures.Add($"{command} -Privilege VM.Snapshoot: {string.Join("; ", typo.Errors.Select(PsResult.Describe))}; {typo.Output.Count} object(s)");
            }

            // VM.Monitor existed before PVE 9: the server's roles decide, not a list in the module.
            if (!host.Run(invocation + " -Privilege VM.Monitor", Emulators.Vars(host.Emulator, tok)).ErrorIds.Any(id => id.StartsWith("UnknownPrivilege,", StringComparison.Ordinal)))
            {
                failures.Add($"{command} -Privilege VM.Monitor: accepted on PVE 9.2, which has no such privilege");
            }

            int before = host.Emulator.RequestLog.Count;
            PsResult malformed = host.Run(invocation + " -Privilege 'VM Audit'", Emulators.Vars(host.Emulator, tok));
            if (!malformed.ErrorIds.Any(id => id.StartsWith("InvalidPrivilege,", StringComparison.Ordinal)) || host.Emulator.RequestLog.Count != before)
            {
                failures.Add($"{command} -Privilege 'VM Audit': not refused before any request: {string.Join("; ", malformed.ErrorIds)}");
            }

            PsResult good = host.Run(invocation + " -Privilege vm.audit", Emulators.Vars(host.Emulator, tok));
            if (good.Errors.Count > 0)
            {
                failures.Add($"{command} -Privilege vm.audit: {string.Join("; ", good.Errors.Select(PsResult.Describe))}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("Get-PvePermission -Session $root -UserId nobody@pve", "UserNotFound", "There is no user nobody@pve")]
    [InlineData("Get-PvePermission -Session $root -UserId ci@pam", "UserNotFound", "There is no user ci@pam")]
    [InlineData("Get-PvePermission -Session $root -TokenId 'ci@pve!nosuch'", "TokenNotFound", "There is no API token ci@pve!nosuch")]
    [InlineData("Get-PvePermission -Session $root -TokenId 'ci@pam!backup' -CompareWithOwner", "TokenNotFound", "There is no API token ci@pam!backup")]
    [InlineData("Get-PvePermission -Session $root -TokenId 'ci@pve!backup' -Path /nodes -CompareWithOwner -Verbose", null, null)]
    public async Task A_principal_that_does_not_exist_is_an_error_not_an_empty_answer(string script, string? errorId, string? message)
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run(script);

        if (errorId is null)
        {
            // It exists and simply has nothing there: no error.
            r.AssertNoErrors();
            return;
        }

        ErrorRecord e = r.SingleError(errorId + ",PveTokens.Commands.GetPvePermissionCommand");
        Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
        Assert.StartsWith(message!, e.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.Empty(r.Output);
        Assert.DoesNotContain(r.Verbose, v => v.Contains("has every privilege", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_token_session_comparing_with_its_owner_is_told_to_use_a_user_session_not_to_grant_Sys_Audit()
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run("Get-PvePermission -Session $vmtoken -TokenId 'vmop@pve!mon' -CompareWithOwner");

        ErrorRecord e = r.SingleError("OwnerNotReadable,PveTokens.Commands.GetPvePermissionCommand");
        Assert.Contains("from a session of vmop@pve itself", e.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Grant", e.ErrorDetails.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Get-PveApiToken -Session $vmtoken -UserId ci@pve", "Managing the tokens of ci@pve needs User.Modify on /access/groups")]
    [InlineData("New-PveApiToken -Session $vmtoken -UserId ci@pve -TokenId xy -Confirm:$false", "Managing the tokens of ci@pve needs User.Modify on /access/groups")]
    [InlineData("Reset-PveApiToken -Session $vmtoken -UserId ci@pve -TokenId backup -Confirm:$false", "Managing the tokens of ci@pve needs User.Modify on /access/groups")]
    [InlineData("Remove-PveApiToken -Session $vmadmin -UserId ci@pve -TokenId backup -Confirm:$false", "Managing the tokens of ci@pve needs User.Modify on /access/groups")]
    [InlineData("Get-PvePermission -Session $vmtoken -UserId ci@pve", "Grant a role that includes Sys.Audit on /access")]
    public async Task Advice_for_a_denied_call_fits_the_call(string script, string advice)
    {
        await using AclTestHost host = await StartAsync();

        PsResult r = host.Run(script);

        List<ErrorRecord> denied = r.Errors.Where(e => e.CategoryInfo.Category == ErrorCategory.PermissionDenied).ToList();
        Assert.True(denied.Count == 1, string.Join("; ", r.Errors.Select(PsResult.Describe)));
        ErrorRecord e = denied[0];
        Assert.Contains(advice, e.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("the privilege PVE names", e.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.Equal(script.Contains("vmadmin", StringComparison.Ordinal), e.ErrorDetails.Message.Contains("may manage its own tokens", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_change_that_turns_privilege_separation_off_warns_and_asks_as_a_high_impact_change()
    {
        await using AclTestHost host = await StartAsync();
        string[] commands = typeof(PveSession).Assembly.GetExportedTypes()
            .Where(t => !t.IsAbstract && t.GetCustomAttribute<CmdletAttribute>() is { SupportsShouldProcess: true } && t.GetProperty("PrivilegeSeparation")?.GetCustomAttribute<ParameterAttribute>() is not null)
            .Select(t => t.GetCustomAttribute<CmdletAttribute>()!)
            .Select(a => a.VerbName + "-" + a.NounName)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(new[] { "New-PveApiToken", "Update-PveApiToken" }, commands);

        int n = 0;
        foreach (string command in commands)
        {
            foreach ((string? answer, string extra, bool prompted, bool sent) in new[]
                     {
                         ("No", string.Empty, true, false), ("Yes", string.Empty, true, true), ((string?)null, "-Confirm:$false", false, true),
                     })
            {
                n++;
                string token = $"sep{n}";
                host.State.AddToken("ci@pve", token);
                string target = command == "New-PveApiToken" ? $"new{n}" : token;
                host.Ps.Host.PromptAnswer = answer;
                host.Emulator.ClearRequestLog();

                PsResult r = host.Run($"$ConfirmPreference = 'High'; {command} -Session $root -UserId ci@pve -TokenId {target} -PrivilegeSeparation $false {extra}");

                r.AssertNoErrors();
                string warning = Assert.Single(r.Warnings);
                Assert.Contains($"ci@pve!{target} holds every right of ci@pve", warning, StringComparison.Ordinal);
                Assert.Equal(prompted, r.Prompts.Any(p => p.Contains("Turn privilege separation off", StringComparison.Ordinal)));
                Assert.Equal(sent, host.Emulator.RequestLog.Any(e => e.Method is "POST" or "PUT"));
            }

            // Turning it on, or leaving it, neither warns nor asks.
            host.Ps.Host.PromptAnswer = null;
            host.State.AddToken("ci@pve", "keep" + n);
            string on = command == "New-PveApiToken" ? "New-PveApiToken -Session $root -UserId ci@pve -TokenId fresh" : $"Update-PveApiToken -Session $root -UserId ci@pve -TokenId keep{n} -PrivilegeSeparation $true";
            PsResult quiet = host.Run("$ConfirmPreference = 'High'; " + on);
            quiet.AssertNoErrors();
            Assert.Empty(quiet.Warnings);
            Assert.Empty(quiet.Prompts);
        }
    }
}
