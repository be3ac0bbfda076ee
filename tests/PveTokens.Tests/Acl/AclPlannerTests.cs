using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Tests.Acl;

public sealed class AclPlannerTests
{
    private static readonly AclEntry[] Current =
    {
        new("/vms/100", PveAclPrincipalType.Token, "ci@pve!backup", "PVEVMUser", true),
        new("/vms/100", PveAclPrincipalType.Token, "ci@pve!backup", "PVEAuditor", false),
        new("/vms/100", PveAclPrincipalType.User, "ci@pve", "PVEVMAdmin", true),
    };

    [Fact]
    public void Grant_of_an_existing_entry_with_the_same_propagate_flag_sends_nothing()
    {
        AclChange change = AclPlanner.PlanGrant(Current, "/vms/100", PveAclPrincipalType.Token, "ci@pve!backup", new[] { "PVEVMUser" }, true);
        Assert.True(change.IsNoOp);
        Assert.Equal(new[] { "PVEVMUser" }, change.RolesAlreadyDone);
    }

    [Fact]
    public void Grant_with_the_other_propagate_flag_is_not_already_done()
    {
        AclChange change = AclPlanner.PlanGrant(Current, "/vms/100", PveAclPrincipalType.Token, "ci@pve!backup", new[] { "PVEAuditor" }, true);
        Assert.Equal(new[] { "PVEAuditor" }, change.RolesToSend);
    }

    [Fact]
    public void Grant_compares_type_principal_and_path_exactly()
    {
        // The user entry does not satisfy a token grant, nor a different path.
        AclChange token = AclPlanner.PlanGrant(Current, "/vms/100", PveAclPrincipalType.Token, "ci@pve!backup", new[] { "PVEVMAdmin" }, true);
        AclChange path = AclPlanner.PlanGrant(Current, "/vms/101", PveAclPrincipalType.User, "ci@pve", new[] { "PVEVMAdmin" }, true);
        Assert.Equal(new[] { "PVEVMAdmin" }, token.RolesToSend);
        Assert.Equal(new[] { "PVEVMAdmin" }, path.RolesToSend);
    }

    [Fact]
    public void Revoke_sends_only_roles_that_exist_whatever_their_propagate_flag()
    {
        AclChange change = AclPlanner.PlanRevoke(Current, "/vms/100", PveAclPrincipalType.Token, "ci@pve!backup",
            new[] { "PVEAuditor", "PVEVMAdmin" });
        Assert.Equal(new[] { "PVEAuditor" }, change.RolesToSend);
        Assert.Equal(new[] { "PVEVMAdmin" }, change.RolesAlreadyDone);
    }

    [Fact]
    public void Revoke_with_a_pattern_takes_the_matching_roles_present()
    {
        AclChange change = AclPlanner.PlanRevoke(Current, "/vms/100", PveAclPrincipalType.Token, "ci@pve!backup",
            Array.Empty<string>(), r => r.StartsWith("PVE", StringComparison.Ordinal));
        Assert.Equal(new[] { "PVEVMUser", "PVEAuditor" }, change.RolesToSend);
    }

    [Fact]
    public void Batch_groups_principals_with_the_same_roles_and_keeps_the_rest_apart()
    {
        var changes = new[]
        {
            AclPlanner.PlanGrant(Current, "/vms/200", PveAclPrincipalType.Token, "a@pve!t1", new[] { "PVEVMUser" }, true),
            AclPlanner.PlanGrant(Current, "/vms/200", PveAclPrincipalType.Token, "a@pve!t2", new[] { "PVEVMUser" }, true),
            AclPlanner.PlanGrant(Current, "/vms/200", PveAclPrincipalType.User, "b@pve", new[] { "PVEVMUser" }, true),
            AclPlanner.PlanGrant(Current, "/vms/200", PveAclPrincipalType.Token, "a@pve!t3", new[] { "PVEVMUser" }, false),
            AclPlanner.PlanGrant(Current, "/vms/100", PveAclPrincipalType.Token, "ci@pve!backup", new[] { "PVEVMUser" }, true),
        };
        IReadOnlyList<AclBatch> batches = AclPlanner.Batch(changes);
        Assert.Equal(2, batches.Count);
        Assert.Equal(new[] { "a@pve!t1", "a@pve!t2" }, batches[0].PrincipalsOf(PveAclPrincipalType.Token));
        Assert.Equal(new[] { "b@pve" }, batches[0].PrincipalsOf(PveAclPrincipalType.User));
        Assert.False(batches[1].Propagate);
    }

    [Fact]
    public void Batch_names_a_principal_given_twice_once()
    {
        var changes = new[]
        {
            AclPlanner.PlanGrant(Current, "/vms/200", PveAclPrincipalType.Token, "a@pve!t1", new[] { "PVEVMUser" }, true),
            AclPlanner.PlanGrant(Current, "/vms/200", PveAclPrincipalType.Token, "a@pve!t1", new[] { "PVEVMUser" }, true),
        };
        Assert.Equal(new[] { "a@pve!t1" }, AclPlanner.Batch(changes).Single().PrincipalsOf(PveAclPrincipalType.Token));
    }

    [Fact]
    public void Batch_splits_very_large_requests()
    {
        var changes = Enumerable.Range(0, 120)
            .Select(i => AclPlanner.PlanGrant(Array.Empty<AclEntry>(), "/", PveAclPrincipalType.User, $"u{i}@pve", new[] { "PVEAuditor" }, true));
        Assert.Equal(new[] { 50, 50, 20 }, AclPlanner.Batch(changes).Select(b => b.Changes.Count));
    }

    [Fact]
    public void Apply_updates_the_cached_acl_so_a_repeat_is_a_no_op()
    {
        var acl = Current.ToList();
        AclChange grant = AclPlanner.PlanGrant(acl, "/vms/100", PveAclPrincipalType.Token, "ci@pve!backup", new[] { "PVEAuditor" }, true);
        AclPlanner.Apply(acl, AclPlanner.Batch(new[] { grant }).Single());
        Assert.True(AclPlanner.PlanGrant(acl, "/vms/100", PveAclPrincipalType.Token, "ci@pve!backup", new[] { "PVEAuditor" }, true).IsNoOp);

        AclChange revoke = AclPlanner.PlanRevoke(acl, "/vms/100", PveAclPrincipalType.Token, "ci@pve!backup", new[] { "PVEAuditor" });
        AclPlanner.Apply(acl, AclPlanner.Batch(new[] { revoke }).Single());
        Assert.True(AclPlanner.PlanRevoke(acl, "/vms/100", PveAclPrincipalType.Token, "ci@pve!backup", new[] { "PVEAuditor" }).IsNoOp);
    }
}
