using PveEmulator;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Client;

/// <summary>
/// The token copy service on its own, without a cmdlet: what New-PveApiToken -CopyAcl, Reset-PveApiToken's
/// re-create fallback and a policy apply drive, against an in-process emulator.
/// </summary>
public sealed class TokenAclCopierTests : IAsyncLifetime
{
    private EmulatorHost _host = null!;
    private PveClient _root = null!;

    public async Task InitializeAsync()
    {
        _host = await Emulators.StartAsync();
        _host.State.AddGroup("automation");
        _host.State.AddUser("ci@pve", groups: new[] { "automation" });
        _host.State.AddUser("ops@pve", password: "Ops-Example-Pass-1");
        _host.State.AddToken("ci@pve", "old", privsep: false, expire: 4102444800, comment: "shared");
        _host.State.AddToken("ci@pve", "new");
        _host.State.AddToken("ci@pve", "other");
        _host.State.AddAcl("/vms", "PVEVMUser", token: "ci@pve!old", propagate: true);
        _host.State.AddAcl("/vms", "PVEAuditor", token: "ci@pve!old", propagate: true);
        _host.State.AddAcl("/storage/local", "PVEDatastoreUser", token: "ci@pve!old", propagate: false);
        _host.State.AddAcl("/", "PVEAuditor", token: "ci@pve!other", propagate: true);
        _host.State.AddAcl("/access/groups", "PVEUserAdmin", user: "ops@pve", propagate: true);
        _root = await LoginAsync("root@pam", Emulators.RootPassword);
        _host.ClearRequestLog();
    }

    public async Task DisposeAsync()
    {
        _root.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Reads_the_settings_and_only_the_entries_of_the_token()
    {
        TokenSnapshot snapshot = await TokenAclCopier.ReadAsync(_root, "ci@pve", "old", CancellationToken.None);

        Assert.Equal(("shared", 4102444800L, false), (snapshot.Settings.Comment, snapshot.Settings.Expire!.Value, snapshot.Settings.PrivilegeSeparation!.Value));
        Assert.Equal(3, snapshot.Acl.Count);
        Assert.All(snapshot.Acl, e => Assert.Equal("ci@pve!old", e.Principal));
        Assert.True(snapshot.WholeAclVisible);
    }

    [Fact]
    public async Task A_reader_without_Sys_Audit_on_access_is_told_it_may_not_see_every_entry()
    {
        using PveClient ops = await LoginAsync("ops@pve", "Ops-Example-Pass-1");

        TokenAclReading reading = await TokenAclCopier.ReadAclAsync(ops, "ci@pve!old", CancellationToken.None);

        Assert.False(reading.WholeAclVisible);
        Assert.Empty(reading.Entries);
    }

    [Fact]
    public async Task Grants_every_entry_with_one_request_per_path_and_propagate_flag()
    {
        TokenAclReading source = await TokenAclCopier.ReadAclAsync(_root, "ci@pve!old", CancellationToken.None);
        _host.ClearRequestLog();
        TokenAclCopier copier = Copier("ci@pve!new", source.Entries);

        int steps = 0;
        while (copier.Next is not null)
        {
            AclBatchResult result = await copier.StepAsync(CancellationToken.None);
            Assert.True(result.Applied);
            steps++;
        }

        Assert.Equal(2, steps);
        Assert.Equal(2, _host.RequestLog.Count(r => r.Method == "PUT"));
        Assert.Empty(copier.Failures);
        Assert.Equal(3, copier.Granted.Count);
        Assert.Equal(
            AclOf("ci@pve!old").Select(e => (e.Path, e.RoleId, e.Propagate)).OrderBy(e => e.ToString(), StringComparer.Ordinal),
            AclOf("ci@pve!new").Select(e => (e.Path, e.RoleId, e.Propagate)).OrderBy(e => e.ToString(), StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_refused_entry_is_reported_with_its_reason_and_the_rest_is_still_granted()
    {
        var entries = new[]
        {
            new AclEntry("/vms", PveAclPrincipalType.Token, "ci@pve!old", "PVEVMUser", true),
            new AclEntry("/vms", PveAclPrincipalType.Token, "ci@pve!old", "NoSuchRole", true),
            new AclEntry("/storage/local", PveAclPrincipalType.Token, "ci@pve!old", "PVEDatastoreUser", false),
        };
        TokenAclCopier copier = Copier("ci@pve!new", entries);

        while (copier.Next is not null)
        {
            await copier.StepAsync(CancellationToken.None);
        }

        TokenAclCopyFailure failure = Assert.Single(copier.Failures);
        Assert.Equal(("/vms", "NoSuchRole"), (failure.Entry.Path, failure.Entry.Role));
        Assert.Contains("The role 'NoSuchRole' does not exist", failure.Reason, StringComparison.Ordinal);
        Assert.Equal(2, copier.Granted.Count);
        Assert.Equal(new[] { "/storage/local PVEDatastoreUser", "/vms PVEVMUser" },
            AclOf("ci@pve!new").Select(e => e.Path + " " + e.RoleId).OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Entries_the_target_already_has_are_counted_as_granted_and_not_sent()
    {
        var entries = new[] { new AclEntry("/", PveAclPrincipalType.Token, "ci@pve!x", "PVEAuditor", true) };
        List<AclEntry> destination = (await _root.GetAclAsync(CancellationToken.None)).ToList();

        TokenAclCopier copier = new(_root, "ci@pve!other", entries, destination, _host.Url.Host, "9.2.0", "root@pam");

        Assert.Null(copier.Next);
        Assert.Single(copier.Granted);
    }

    [Fact]
    public async Task Names_the_roles_the_destination_lacks()
    {
        var entries = new[]
        {
            new AclEntry("/vms", PveAclPrincipalType.Token, "ci@pve!old", "PVEVMUser", true),
            new AclEntry("/vms", PveAclPrincipalType.Token, "ci@pve!old", "Zeta", true),
            new AclEntry("/", PveAclPrincipalType.Token, "ci@pve!old", "Alpha", true),
            new AclEntry("/pool/x", PveAclPrincipalType.Token, "ci@pve!old", "Zeta", false),
        };

        IReadOnlyList<string> missing = await TokenAclCopier.MissingRolesAsync(_root, entries, CancellationToken.None);

        Assert.Equal(new[] { "Alpha", "Zeta" }, missing);
    }

    [Fact]
    public async Task A_step_that_throws_is_recorded_against_its_entries_by_the_caller()
    {
        var entries = new[] { new AclEntry("/vms", PveAclPrincipalType.Token, "ci@pve!old", "PVEVMUser", true) };
        TokenAclCopier copier = Copier("ci@pve!new", entries);
        AclBatch batch = copier.Next!;

        copier.Fail(batch, new InvalidOperationException("connection lost"));

        Assert.Equal("connection lost", Assert.Single(copier.Failures).Reason);
    }

    private TokenAclCopier Copier(string target, IReadOnlyList<AclEntry> entries) =>
        new(_root, target, entries, new List<AclEntry>(), _host.Url.Host, "9.2.0", "root@pam");

    private IEnumerable<(string Path, string Type, string UgId, string RoleId, bool Propagate)> AclOf(string token) =>
        _host.State.AclEntries().Where(e => e.UgId == token);

    private async Task<PveClient> LoginAsync(string user, string password)
    {
        var client = new PveClient(new PveClientOptions(_host.Url)
        {
            CertificatePolicy = PveCertificatePolicy.Pinned,
            PinnedCertificateSha256 = _host.CertificateSha256,
        });
        await client.LoginAsync(user, TestSecrets.Secure(password), null, CancellationToken.None);
        return client;
    }
}
