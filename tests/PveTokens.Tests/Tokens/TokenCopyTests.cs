using System.Management.Automation;
using PveTokens.Commands;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Tokens;

/// <summary>
/// A token piped into New-PveApiToken is a copy: its settings (and with -CopyAcl its ACL entries) are
/// kept whatever else is named, on the same server or another one (the overlapping rotation).
/// </summary>
public class TokenCopyTests
{
    private const string Id = ",PveTokens.Commands.NewPveApiTokenCommand";

    /// <summary>The warnings besides the one every token without privilege separation gets (the shared source has none).</summary>
    private static List<string> OtherWarnings(PsResult r) =>
        r.Warnings.Where(w => !w.StartsWith("Without privilege separation", StringComparison.Ordinal)).ToList();

    private static void SeedShared(PveEmulator.EmulatorState s)
    {
        s.AddToken("ci@pve", "shared", privsep: false, expire: 4102444800, comment: "used by many");
        s.AddAcl("/vms", "PVEVMUser", token: "ci@pve!shared", propagate: true);
        s.AddAcl("/vms", "PVEAuditor", token: "ci@pve!shared", propagate: true);
        s.AddAcl("/storage/local", "PVEDatastoreUser", token: "ci@pve!shared", propagate: false);
    }

    /// <summary>
    /// A sample value for every parameter New-PveApiToken accepts next to a piped token; a parameter
    /// added later fails <see cref="NamingAnyParameterKeepsEverySettingNotNamed"/> until it has one here.
    /// </summary>
    private static readonly Dictionary<string, (string Argument, string Setting)> Samples = new(StringComparer.OrdinalIgnoreCase)
    {
        ["UserId"] = ("-UserId alice@pve", "UserId"),
        ["TokenId"] = ("-TokenId named", "TokenId"),
        ["Comment"] = ("-Comment 'named comment'", "Comment"),
        ["ExpiresAt"] = ("-ExpiresAt ([datetime]'2099-01-01')", "ExpiresAt"),
        ["ExpiresIn"] = ("-ExpiresIn 30.00:00:00", "ExpiresAt"),
        ["PrivilegeSeparation"] = ("-PrivilegeSeparation $true", "PrivilegeSeparation"),
        ["CopyAcl"] = ("-CopyAcl", "Acl"),
        ["Session"] = ("-Session (Get-PveSession -Default)", "Session"),
    };

    [Fact]
    public async Task NamingANewTokenIdKeepsTheSourcesCommentPrivilegeSeparationAndExpiry()
    {
        await using var t = await TokenTestContext.StartAsync(seed: SeedShared);

        PsResult r = t.Run("Get-PveApiToken -UserId ci@pve -TokenId shared | New-PveApiToken -TokenId successor -Confirm:$false");

        r.AssertNoErrors();
        // The source has no privilege separation, so neither has the copy: said as for any such token.
        Assert.Contains(r.Warnings, w => w.Contains("Without privilege separation the token ci@pve!successor", StringComparison.Ordinal));
        PveApiTokenSecret copy = r.Single<PveApiTokenSecret>();
        Assert.Equal(("ci@pve!successor", "used by many", false), (copy.FullTokenId, copy.Comment, copy.PrivilegeSeparation));
        PveApiToken stored = t.Run("Get-PveApiToken -UserId ci@pve -TokenId successor").Single<PveApiToken>();
        Assert.Equal(("used by many", false, 2100), (stored.Comment, stored.PrivilegeSeparation, stored.ExpiresAt!.Value.ToUniversalTime().Year));
        Assert.Empty(t.AclOf("ci@pve!successor"));
    }

    [Fact]
    public async Task NamingAnyParameterKeepsEverySettingNotNamed()
    {
        // The class: a parameter named next to a piped token must not switch to the -UserId/-TokenId
        // set, where the token binds by property name and its settings are silently dropped.
        await using var t = await TokenTestContext.StartAsync(seed: SeedShared);
        CommandInfo command = t.Ps.Run("Get-Command New-PveApiToken").Single<CommandInfo>();
        var parameters = command.Parameters.Values
            .Where(p => !Cmdlet.CommonParameters.Contains(p.Name) && !Cmdlet.OptionalCommonParameters.Contains(p.Name) && p.Name != "InputObject")
            .ToList();
        var unsampled = parameters.Select(p => p.Name).Where(n => !Samples.ContainsKey(n)).ToList();
        Assert.True(unsampled.Count == 0, "Give New-PveApiToken's new parameters a sample here: " + string.Join(", ", unsampled));

        int n = 0;
        foreach (ParameterMetadata parameter in parameters)
        {
            (string argument, string setting) = Samples[parameter.Name];
            string tokenId = setting == "TokenId" ? "named" : "copy" + n++;
            string script = "Get-PveApiToken -UserId ci@pve -TokenId shared | New-PveApiToken -Confirm:$false " + argument + (setting == "TokenId" ? string.Empty : " -TokenId " + tokenId);
            PsResult r = t.Run(script);
            r.AssertNoErrors();
            PveApiTokenSecret copy = r.Single<PveApiTokenSecret>();

            Assert.True(setting == "TokenId" || copy.TokenId == tokenId, script);
            Assert.True(setting == "UserId" ? copy.UserId == "alice@pve" : copy.UserId == "ci@pve", script);
            Assert.True(setting == "Comment" ? copy.Comment == "named comment" : copy.Comment == "used by many", script);
            Assert.True(setting == "PrivilegeSeparation" ? copy.PrivilegeSeparation : !copy.PrivilegeSeparation, script);
            Assert.True(setting == "ExpiresAt" ? copy.ExpiresAt!.Value.Year == 2099 || copy.ExpiresAt.Value < DateTime.Now.AddDays(31) : copy.ExpiresAt!.Value.ToUniversalTime().Year == 2100, script);
            Assert.Equal(setting == "Acl" ? 3 : 0, t.AclOf(copy.FullTokenId).Length);
        }
    }

    [Fact]
    public void EveryTokenCmdletKeepsItsSettingParametersInThePipedObjectsSet()
    {
        // Naming a parameter that only the -UserId/-TokenId set has makes PowerShell bind a piped token
        // by property name; only its ids survive. Every cmdlet that takes a token object keeps all other
        // parameters in that object's set too, and New-PveApiToken (which reads more than the ids) all of them.
        using var ps = new PowerShellHost();
        var commands = ps.Run("Get-Command -Module PveTokens").Output.Select(o => (CmdletInfo)o.BaseObject)
            .Where(c => c.Parameters.TryGetValue("InputObject", out ParameterMetadata? p) && p.ParameterType == typeof(PveApiToken))
            .ToList();
        Assert.Contains(commands, c => c.Name == "New-PveApiToken");

        foreach (CmdletInfo command in commands)
        {
            string objectSet = command.Parameters["InputObject"].ParameterSets.Keys.Single();
            foreach (ParameterMetadata parameter in command.Parameters.Values)
            {
                bool mayLeave = command.Name != "New-PveApiToken" && parameter.Name is "UserId" or "TokenId";
                Assert.True(mayLeave || parameter.ParameterSets.ContainsKey(objectSet) || parameter.ParameterSets.ContainsKey(ParameterAttribute.AllParameterSets),
                    $"{command.Name} -{parameter.Name} is not in the {objectSet} set: naming it drops a piped token's settings.");
            }
        }
    }

    [Fact]
    public async Task CopyAclGivesTheSuccessorEveryEntryOfThePredecessor()
    {
        await using var t = await TokenTestContext.StartAsync(seed: SeedShared);

        PsResult r = t.Run("Get-PveApiToken ci@pve shared | New-PveApiToken -TokenId successor -CopyAcl -Confirm:$false");

        r.AssertNoErrors();
        Assert.Empty(OtherWarnings(r));
        Assert.Equal("ci@pve!successor", r.Single<PveApiTokenSecret>().FullTokenId);
        Assert.Equal(Rights(t.AclOf("ci@pve!shared")), Rights(t.AclOf("ci@pve!successor")));
        Assert.Contains(t.AclOf("ci@pve!successor"), e => e.Path == "/storage/local" && !e.Propagate);
        Assert.Equal(2, t.Calls.Count(c => c == "PUT /access/acl"));
        Assert.Contains(r.Progress, p => p.Activity.Contains("ci@pve!successor", StringComparison.Ordinal) && p.RecordType == ProgressRecordType.Completed);
    }

    [Fact]
    public async Task CopyAclToAnotherServerUsesTheNamedSession()
    {
        await using var a = await TokenTestContext.StartAsync(seed: SeedShared);
        await using var b = await TokenTestContext.StartAsync();
        PveApiToken source = a.Run("Get-PveApiToken ci@pve shared").Single<PveApiToken>();

        PsResult r = b.Run("$src | New-PveApiToken -Session (Get-PveSession -Default) -CopyAcl -Confirm:$false", ("src", source));

        r.AssertNoErrors();
        PveApiTokenSecret copy = r.Single<PveApiTokenSecret>();
        Assert.Equal(("ci@pve!shared", "used by many", false), (copy.FullTokenId, copy.Comment, copy.PrivilegeSeparation));
        Assert.Equal(Rights(a.AclOf("ci@pve!shared")), Rights(b.AclOf("ci@pve!shared")));
        Assert.DoesNotContain(a.Requests, q => q.Method is "POST" or "PUT");
        Assert.Contains("GET /access/roles", b.Calls);
    }

    [Fact]
    public async Task ARoleTheDestinationLacksIsNamedAndNothingIsCreated()
    {
        await using var a = await TokenTestContext.StartAsync(seed: s =>
        {
            SeedShared(s);
            s.AddRole("BackupOperator", new[] { "Datastore.AllocateSpace", "VM.Backup" });
            s.AddAcl("/storage/backup", "BackupOperator", token: "ci@pve!shared", propagate: true);
        });
        await using var b = await TokenTestContext.StartAsync();
        PveApiToken source = a.Run("Get-PveApiToken ci@pve shared").Single<PveApiToken>();

        PsResult r = b.Run("$src | New-PveApiToken -Session (Get-PveSession -Default) -TokenId successor -CopyAcl -Confirm:$false", ("src", source));

        ErrorRecord e = r.SingleError(NewPveApiTokenCommand.AclCopyRoleMissing + Id);
        ErrorRecordAssert.Message(e, "'BackupOperator'", "path /storage/backup, role BackupOperator, propagate 1", "Nothing was created");
        Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
        Assert.Empty(r.Output);
        Assert.False(b.State.TokenExists("ci@pve", "successor"));
        Assert.DoesNotContain(b.Requests, q => q.Method is "POST" or "PUT");
    }

    [Fact]
    public async Task EntriesTheDestinationRefusesAreNamedAfterTheSecretIsReturned()
    {
        // /sdn/fabrics exists only on PVE 9: an 8.4 destination refuses that path, and only that one.
        await using var a = await TokenTestContext.StartAsync(seed: s =>
        {
            SeedShared(s);
            s.AddAcl("/sdn/fabrics", "PVESDNUser", token: "ci@pve!shared", propagate: false);
        });
        await using var b = await TokenTestContext.StartAsync("8.4.1");
        PveApiToken source = a.Run("Get-PveApiToken ci@pve shared").Single<PveApiToken>();

        PsResult r = b.Run("$src | New-PveApiToken -Session (Get-PveSession -Default) -CopyAcl -Confirm:$false", ("src", source));

        ErrorRecordAssert.Message(r.SingleError(NewPveApiTokenCommand.AclCopyFailed + Id), "1 of the 4 ACL entries", "path /sdn/fabrics, role PVESDNUser, propagate 0");
        Assert.Equal(b.State.TokenSecret("ci@pve", "shared"), r.Single<PveApiTokenSecret>().GetPlainTextSecret());
        Assert.Equal(3, b.AclOf("ci@pve!shared").Length);
    }

    [Fact]
    public async Task AFilteredAclListingIsCopiedWithAWarning()
    {
        await using var t = await TokenTestContext.StartAsync(seed: s =>
        {
            SeedShared(s);
            s.AddUser("ops@pve", password: "Ops-Example-Pass-1");
            s.AddAcl("/access/groups", "PVEUserAdmin", user: "ops@pve", propagate: true);
        });
        t.Run("$null = Connect-PveServer -Server $url -Credential $c -CertificateThumbprint $fp",
            ("c", new PSCredential("ops@pve", TokenTestContext.Secure("Ops-Example-Pass-1")))).AssertNoErrors();

        PsResult r = t.Run("Get-PveApiToken ci@pve shared | New-PveApiToken -TokenId successor -CopyAcl -Confirm:$false");

        r.AssertNoErrors();
        AssertContains(Assert.Single(OtherWarnings(r)), "ops@pve lacks Sys.Audit on /access", "may have entries that are not copied");
        Assert.True(t.State.TokenExists("ci@pve", "successor"));
    }

    [Fact]
    public async Task WhatIfNamesTheEntriesToCopyAndChangesNothing()
    {
        await using var t = await TokenTestContext.StartAsync(seed: SeedShared);

        PsResult r = t.Run("Get-PveApiToken ci@pve shared | New-PveApiToken -TokenId successor -CopyAcl -WhatIf");

        r.AssertNoErrors();
        Assert.Empty(r.Output);
        string whatIf = string.Join("\n", r.HostLines);
        AssertContains(whatIf, "3 ACL entries of ci@pve!shared", "path /storage/local, role PVEDatastoreUser, propagate 0");
        Assert.False(t.State.TokenExists("ci@pve", "successor"));
        Assert.DoesNotContain(t.Requests, q => q.Method is "POST" or "PUT");
    }

    [Fact]
    public async Task CopyAclNeedsAPipedToken()
    {
        await using var t = await TokenTestContext.StartAsync(seed: SeedShared);

        PsResult r = t.Run("New-PveApiToken -UserId ci@pve -TokenId successor -CopyAcl");

        AssertContains(r.SingleError(NewPveApiTokenCommand.CopyAclNeedsSource + Id).ErrorDetails.Message, "-CopyAcl copies the ACL entries of a token piped");
        Assert.False(t.State.TokenExists("ci@pve", "successor"));
        Assert.Empty(t.Requests);
    }

    private static void AssertContains(string text, params string[] parts)
    {
        foreach (string part in parts)
        {
            Assert.Contains(part, text, StringComparison.Ordinal);
        }
    }

    private static IEnumerable<string> Rights(IEnumerable<(string Path, string Type, string UgId, string RoleId, bool Propagate)> acl) =>
        acl.Select(e => $"{e.Path} {e.RoleId} {e.Propagate}").OrderBy(x => x, StringComparer.Ordinal);
}
