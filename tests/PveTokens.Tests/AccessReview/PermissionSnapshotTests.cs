using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Tests.AccessReview;

/// <summary>The evaluator's input from the records the three listings hold (<see cref="PermissionSnapshot.From"/>).</summary>
public sealed class PermissionSnapshotTests
{
    [Fact]
    public void A_token_that_leaves_out_privsep_and_expire_is_privilege_separated_and_never_expires()
    {
        var user = new PveUserFields { UserId = "dev@pve" };
        user.Tokens.Add(new PveTokenFields { TokenId = "ci" });
        user.Tokens.Add(new PveTokenFields { TokenId = "full", PrivilegeSeparation = false, Expire = 1_700_000_000 });
        user.Tokens.Add(new PveTokenFields { Comment = "no id" });

        PermissionSnapshot snapshot = PermissionSnapshot.From(new[] { user }, Array.Empty<AclEntry>(), Array.Empty<PveRoleFields>(), 42);

        Assert.Equal(new[] { ("ci", true, 0L), ("full", false, 1_700_000_000L) },
            snapshot.Users.Single().Tokens.Select(t => (t.TokenName, t.PrivilegeSeparation, t.Expire)));
        Assert.Equal(42, snapshot.Now);
    }

    [Fact]
    public void Entries_keep_their_principal_kind_and_roles_their_privileges()
    {
        AclEntry[] acl =
        {
            new("/vms", PveAclPrincipalType.User, "dev@pve", "PVEVMUser", propagate: true),
            new("/vms", PveAclPrincipalType.Group, "ops", "PVEAuditor", propagate: false),
            new("/vms/100", PveAclPrincipalType.Token, "dev@pve!ci", "PVEVMUser", propagate: true),
        };
        PveRoleFields[] roles = { new("PVEAuditor", new[] { "Sys.Audit", "VM.Audit" }, special: true) };

        PermissionSnapshot snapshot = PermissionSnapshot.From(Array.Empty<PveUserFields>(), acl, roles, 0);

        Assert.Equal(new[] { AclPrincipalKind.User, AclPrincipalKind.Group, AclPrincipalKind.Token }, snapshot.Acl.Select(e => e.Kind));
        Assert.Equal(new[] { true, false, true }, snapshot.Acl.Select(e => e.Propagate));
        Assert.Equal(new[] { "Sys.Audit", "VM.Audit" }, snapshot.Roles.Single().Privileges);
    }
}
