using PveEmulator;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Client;

/// <summary>
/// The batched ACL apply on its own, without a cmdlet: a client logged in as root@pam against an
/// in-process emulator, changes planned with <see cref="AclPlanner"/>, batches driven as Set-PveAcl,
/// Remove-PveAcl and a policy apply drive them.
/// </summary>
public sealed class AclChangeExecutorTests : IAsyncLifetime
{
    private EmulatorHost _host = null!;
    private PveClient _client = null!;
    private List<AclEntry> _acl = null!;

    public async Task InitializeAsync()
    {
        _host = await Emulators.StartAsync();
        _host.State.AddUser("ci@pve");
        _host.State.AddToken("ci@pve", "deploy");
        _host.State.AddToken("ci@pve", "backup");
        _host.State.AddAcl("/vms/100", "PVEAuditor", token: "ci@pve!backup");
        _client = new PveClient(new PveClientOptions(_host.Url)
        {
            CertificatePolicy = PveCertificatePolicy.Pinned,
            PinnedCertificateSha256 = _host.CertificateSha256,
        });
        await _client.LoginAsync("root@pam", TestSecrets.Secure(Emulators.RootPassword), null, CancellationToken.None);
        _acl = (await _client.GetAclAsync(CancellationToken.None)).ToList();
        _host.ClearRequestLog();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task An_accepted_grant_is_applied_on_the_server_and_in_the_callers_acl()
    {
        AclBatch batch = Single(Grant("/vms/200", "ci@pve!deploy", "PVEVMUser"));

        AclBatchResult result = await Executor().ExecuteAsync(batch, CancellationToken.None);

        Assert.True(result.Applied);
        Assert.Null(result.Failure);
        Assert.Empty(result.FollowUps);
        Assert.Contains(_host.State.AclEntries(), e => e.Path == "/vms/200" && e.UgId == "ci@pve!deploy" && e.RoleId == "PVEVMUser");
        Assert.True(Grant("/vms/200", "ci@pve!deploy", "PVEVMUser").IsNoOp, "the caller's ACL copy must know the entry now");
    }

    [Fact]
    public async Task An_accepted_revocation_reports_the_entries_it_removed()
    {
        AclChange revoke = AclPlanner.PlanRevoke(_acl, "/vms/100", PveAclPrincipalType.Token, "ci@pve!backup", new[] { "PVEAuditor" }, null);

        AclBatchResult result = await Executor().ExecuteAsync(Single(revoke), CancellationToken.None);

        Assert.True(result.Applied);
        AclEntry removed = Assert.Single(result.Removed);
        Assert.Equal(("/vms/100", "ci@pve!backup", "PVEAuditor"), (removed.Path, removed.Principal, removed.Role));
        Assert.DoesNotContain(_host.State.AclEntries(), e => e.UgId == "ci@pve!backup");
        Assert.DoesNotContain(_acl, e => e.Principal == "ci@pve!backup");
    }

    [Fact]
    public async Task An_unknown_role_is_reported_alone_and_the_rest_comes_back_as_a_follow_up()
    {
        AclBatch batch = Single(Grant("/vms/200", "ci@pve!deploy", "PVEVMUser", "NoSuchRole"));

        AclBatchResult result = await Executor().ExecuteAsync(batch, CancellationToken.None);

        Assert.False(result.Applied);
        Assert.Equal(AclExecutionFailureKind.RoleNotFound, result.Failure!.Kind);
        Assert.Equal("AclRoleNotFound", result.Failure.ErrorId);
        Assert.Equal("NoSuchRole", result.Failure.Target);
        Assert.Contains("The role 'NoSuchRole' does not exist", result.Failure.Message, StringComparison.Ordinal);
        AclBatch rest = Assert.Single(result.FollowUps);
        Assert.Equal(new[] { "PVEVMUser" }, rest.Roles);
        Assert.DoesNotContain(_host.State.AclEntries(), e => e.Path == "/vms/200");

        Assert.True((await Executor().ExecuteAsync(rest, CancellationToken.None)).Applied);
        Assert.Contains(_host.State.AclEntries(), e => e.Path == "/vms/200" && e.RoleId == "PVEVMUser");
    }

    [Fact]
    public async Task A_missing_principal_is_reported_alone_and_the_others_follow_up()
    {
        AclBatch batch = Single(Grant("/vms/200", "ci@pve!deploy", "PVEVMUser"), Grant("/vms/200", "ci@pve!nope", "PVEVMUser"));

        AclBatchResult result = await Executor().ExecuteAsync(batch, CancellationToken.None);

        Assert.Equal(AclExecutionFailureKind.PrincipalNotFound, result.Failure!.Kind);
        Assert.Equal("ci@pve!nope", result.Failure.Target);
        AclBatch rest = Assert.Single(result.FollowUps);
        Assert.Equal(new[] { "ci@pve!deploy" }, rest.Changes.Select(c => c.Principal));
    }

    [Fact]
    public async Task A_refusal_that_names_no_one_is_split_per_principal()
    {
        AclBatch batch = Single(Grant("/vms/200", "ci@pve!deploy", "PVEVMUser"), Grant("/vms/200", "ci@pve!backup", "PVEVMUser"));
        _host.Faults.FailNext(1, 500, "PUT");

        AclBatchResult result = await Executor().ExecuteAsync(batch, CancellationToken.None);

        Assert.False(result.Applied);
        Assert.Null(result.Failure);
        Assert.Contains("once per principal", result.Notice, StringComparison.Ordinal);
        Assert.Equal(new[] { "ci@pve!backup", "ci@pve!deploy" }, result.FollowUps.Select(b => Assert.Single(b.Changes).Principal).OrderBy(p => p, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_refusal_for_one_principal_is_not_split_but_reported_for_the_caller_to_map()
    {
        AclBatch batch = Single(Grant("/vms/200", "ci@pve!deploy", "PVEVMUser"));
        _host.Faults.FailNext(1, 500, "PUT");

        AclBatchResult result = await Executor().ExecuteAsync(batch, CancellationToken.None);

        Assert.Equal(AclExecutionFailureKind.Other, result.Failure!.Kind);
        Assert.IsType<PveApiException>(result.Failure.Exception);
        Assert.Equal("ci@pve!deploy", result.Failure.Target);
        Assert.Empty(result.FollowUps);
    }

    private AclChangeExecutor Executor() => new(_client, _acl, _host.Url.Host, "9.2.0", "root@pam");

    private AclChange Grant(string path, string token, params string[] roles) =>
        AclPlanner.PlanGrant(_acl, path, PveAclPrincipalType.Token, token, roles, propagate: true);

    private static AclBatch Single(params AclChange[] changes) => Assert.Single(AclPlanner.Batch(changes));
}
